"""Phase diagram of the polynomial dense associative memory over (degree, load).

``dense_phase`` stores ``P`` random +/-1 patterns in a
:class:`~assoc.memories.dense.DenseAssociativeMemory` of ``n`` neurons with energy
``E = -sum_mu (xi_mu . s)**degree`` (Krotov & Hopfield 2016, NeurIPS) and measures, at one
point of the (degree, load) plane:

- the one-step bit error: the fraction of bits of stored patterns whose energy gap points
  away from the pattern (the first update would flip them), against the signal-to-noise
  prediction ``Q(1 / sqrt(x))`` of :func:`assoc.theory.dense_bit_error`;
- retrieval: the final overlap of the dynamics started at stored patterns with a fraction
  ``cue_fraction`` of flipped bits (``cue = "flip"``), and the fraction of probes that end
  exactly on their pattern.

The load is given in the scaled form ``x = P (2 degree - 3)!! / n**(degree-1)``: the
crosstalk variance over the squared signal, so the one-step bit error is ``Q(1/sqrt(x))`` at
every degree, and the Krotov-Hopfield error-free capacity
``P_c = n**(degree-1) / (2 (2 degree - 3)!! ln n)`` (:func:`assoc.theory.dense_capacity`) is
``x_c = 1 / (2 ln n)``. A sweep over ``degree`` at fixed ``n`` then samples every degree
around its own transition; the raw load ``alpha = P / n**(degree-1)`` (the family's natural
scale) is returned as well.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from .. import theory
from ..memories.dense import DenseAssociativeMemory
from ..params import Param
from ..patterns import flip, random_pm1
from ..registry import _BACKEND
from . import driver


def patterns_at(n: int, degree: int, load: float) -> int:
    """Number of patterns ``round(load n**(degree-1) / (2 degree - 3)!!)`` (at least 1)."""
    return max(1, int(round(load * float(n) ** (degree - 1) / theory.double_factorial(2 * degree - 3))))


@driver(
    "dense_phase",
    params=(
        Param("n", "int", 40, "neurons", low=4),
        Param("degree", "int", 3, "degree of the polynomial F(x) = x^degree", low=2),
        Param("energy", "choice", "polynomial", "interaction function F", choices=("polynomial", "rectified")),
        Param("load", "float", 0.1, "scaled load x = P (2 degree - 3)!! / n**(degree-1) (not alpha)", low=0,
              low_open=True),
        Param("cue", "choice", "flip", "cue corruption kind (bits flipped)", choices=("flip",)),
        Param("cue_fraction", "float", 0.1, "fraction of the cue bits flipped", low=0, high=0.5),
        Param("probes", "int", 40, "stored patterns probed", low=1),
        Param("max_steps", "int", 50, "asynchronous update sweeps", low=1),
        Param("max_patterns", "int", 400_000, "larger P are skipped (NaN metrics)", low=1),
        replace(_BACKEND, default="numba"),
    ),
    columns=("patterns", "alpha", "bit_error", "bit_error_theory", "m_mean", "retrieved", "perfect",
             "load_capacity", "skipped"),
)
def dense_phase(params: dict, seed: np.random.SeedSequence) -> dict:
    """One-step bit error and retrieval of a polynomial dense memory at scaled load ``load``.

    Parameters (``params``): ``n`` neurons, ``degree`` (>= 2), ``energy`` ("polynomial" or
    "rectified"), ``load`` x = P (2 degree - 3)!! / n**(degree-1) (> 0), ``cue_fraction``
    (fraction of flipped cue bits), ``probes`` (stored patterns probed), ``max_steps``
    (asynchronous sweeps), ``max_patterns`` (larger P return NaN metrics and ``skipped = 1``).

    Returns ``patterns`` (P), ``alpha`` (P / n**(degree-1)), ``bit_error`` (measured one-step
    bit error of the probed stored patterns), ``bit_error_theory``, ``m_mean`` (final
    overlap), ``retrieved`` (fraction of probes with final overlap >= 0.9), ``perfect``
    (fraction of probes ending exactly on their pattern), ``load_capacity`` (the
    Krotov-Hopfield error-free load, scaled: 1 / (2 ln n)) and ``skipped``.
    """
    n, degree, energy, load = params["n"], params["degree"], params["energy"], params["load"]
    cue_fraction, probes, cap = params["cue_fraction"], params["probes"], params["max_patterns"]
    p = patterns_at(n, degree, load)
    out = {
        "patterns": p,
        "alpha": p / float(n) ** (degree - 1),
        "bit_error_theory": float(theory.dense_bit_error(n, p, degree)),
        "load_capacity": 1.0 / (2.0 * math.log(n)),
    }
    if p > cap:
        nan = float("nan")
        out.update({"bit_error": nan, "m_mean": nan, "retrieved": nan, "perfect": nan, "skipped": 1})
        return out
    rng = np.random.default_rng(seed)
    xi = random_pm1(p, n, rng)
    mem = DenseAssociativeMemory(n, energy, degree, max_steps=params["max_steps"], backend=params["backend"],
                                 seed=int(rng.integers(2**63)))
    mem.store(xi)
    which = rng.choice(p, size=min(probes, p), replace=False)
    gaps = mem.energy_gaps(xi[which])
    # a bit is unstable when its gap favours the other sign (a zero gap keeps the bit)
    out["bit_error"] = float((gaps * xi[which] < 0).mean())
    res = mem.recall(flip(xi[which], cue_fraction, rng))
    states = mem.backend.to_numpy(res.states)
    m = (states.astype(np.float64) * xi[which]).sum(axis=1) / n
    out.update({
        "m_mean": float(m.mean()),
        "retrieved": float((m >= 0.9).mean()),
        "perfect": float((states == xi[which]).all(axis=1).mean()),
        "skipped": 0,
    })
    return out
