"""Finite-size reference for the one-step bit error of the polynomial dense memory.

With energy ``E = -sum_mu F(xi_mu . s)``, ``F(x) = x**degree``, the gap of bit i of a stored
pattern nu, times that bit, is ``sum_mu u_mu G(a_mu)`` with ``G(a) = F(a + 1) - F(a - 1)``,
``a_mu = sum_{j != i} xi_mu,j xi_nu,j`` and ``u_mu = xi_mu,i xi_nu,i``. For mu = nu it is the
signal ``G(n - 1)``; for the other P - 1 patterns ``u_mu`` is a sign independent of
``a_mu = 2 B - (n - 1)``, ``B ~ Bin(n - 1, 1/2)``, so the crosstalk is a sum of P - 1
independent symmetric terms. At degree 2, ``G(a) = 4 a`` and the crosstalk over 4 is exactly a
sum of ``(P - 1)(n - 1)`` independent +/-1 (a binomial tail); at higher degrees it is summed
over hundreds of patterns and its normal approximation with the exact variance
``(P - 1) E[G(a)**2]`` is used. The large-n limit of both is Krotov & Hopfield's
``Q(sqrt(n**(degree-1) / ((2 degree - 3)!! P)))``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import binom, norm


def unstable_bit_probability(n: int, p: int, degree: int, *, ties_unstable: bool = False) -> float:
    """Probability that a bit of a stored pattern has an energy gap pointing away from it
    (``ties_unstable``: a zero gap counts as unstable too)."""
    m = n - 1
    if degree == 2:
        trials = (p - 1) * m
        # unstable: m + 2K - trials < 0 (or <= 0), K ~ Bin(trials, 1/2)
        k_max = (trials - m) / 2
        k_max = math.floor(k_max) if ties_unstable else math.ceil(k_max) - 1
        return float(binom.cdf(k_max, trials, 0.5))
    b = np.arange(m + 1)
    a = 2.0 * b - m
    g2 = ((a + 1.0) ** degree - (a - 1.0) ** degree) ** 2
    var = (p - 1) * float((binom.pmf(b, m, 0.5) * g2).sum())
    signal = (m + 1.0) ** degree - (m - 1.0) ** degree
    return float(norm.sf(signal / math.sqrt(var)))
