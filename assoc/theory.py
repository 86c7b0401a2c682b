"""Analytical curves used by the figures and the tests.

Classical Hopfield network
--------------------------
``ags_alpha_c``            critical load of the replica-symmetric T = 0 solution, 0.1379
                           (Amit, Gutfreund & Sompolinsky 1985, 1987)
``ags_overlap``            retrieval overlap m(alpha) on the T = 0 retrieval branch
``mceliece_capacity``      n / (4 ln n): all patterns stable with high probability
                           (McEliece, Posner, Rodemich & Venkatesh 1987)
``storkey_capacity``       n / sqrt(2 ln n) (Storkey 1997)

Each family appends its own section below.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.optimize import brentq, minimize_scalar
from scipy.special import erf

_TWO_OVER_SQRT_PI = 2.0 / np.sqrt(np.pi)


def _alpha_of_y(y: float) -> float:
    """Load at which y = m / sqrt(2 alpha r) solves the T = 0 RS equations.

    At T = 0 the replica-symmetric equations reduce to
    ``y (sqrt(2 alpha) + (2/sqrt(pi)) exp(-y^2)) = erf(y)`` with ``m = erf(y)``.
    """
    root = erf(y) / y - _TWO_OVER_SQRT_PI * np.exp(-y * y)
    return 0.5 * root * root if root > 0 else 0.0


@lru_cache(maxsize=None)
def _ags_peak() -> tuple[float, float]:
    res = minimize_scalar(lambda y: -_alpha_of_y(y), bounds=(0.3, 5.0), method="bounded",
                          options={"xatol": 1e-12})
    return float(res.x), float(-res.fun)


def ags_alpha_c() -> float:
    """Critical load alpha_c = 0.1379 of the T = 0 replica-symmetric retrieval solution."""
    return _ags_peak()[1]


def ags_overlap(alpha: float | np.ndarray) -> np.ndarray:
    """Retrieval overlap m(alpha) at T = 0 (replica symmetric), 0 above alpha_c.

    Solves ``alpha(y) = alpha`` on the branch y > y* that ends at alpha_c; ``m = erf(y)``.
    """
    a = np.atleast_1d(np.asarray(alpha, dtype=np.float64))
    y_star, a_c = _ags_peak()
    out = np.zeros_like(a)
    for i, ai in enumerate(a):
        if ai <= 0:
            out[i] = 1.0
        elif ai <= a_c:
            y = brentq(lambda y: _alpha_of_y(y) - ai, y_star, 50.0, xtol=1e-13) if ai < a_c else y_star
            out[i] = erf(y)
    return out if np.ndim(alpha) else out[0]


def ags_error_fraction(alpha: float | np.ndarray) -> np.ndarray:
    """Fraction of wrong bits (1 - m) / 2 at the retrieval fixed point (0.0165 at alpha_c, m = 0.967)."""
    return (1.0 - ags_overlap(alpha)) / 2.0


def mceliece_capacity(n: float | np.ndarray) -> np.ndarray:
    """n / (4 ln n): patterns storable with every pattern an exact fixed point (w.h.p.)."""
    n = np.asarray(n, dtype=np.float64)
    return n / (4.0 * np.log(n))


def storkey_capacity(n: float | np.ndarray) -> np.ndarray:
    """n / sqrt(2 ln n): Storkey's estimate for his learning rule (Storkey 1997)."""
    n = np.asarray(n, dtype=np.float64)
    return n / np.sqrt(2.0 * np.log(n))
