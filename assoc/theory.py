"""Analytical curves used by the figures and the tests.

Classical Hopfield network
--------------------------
``ags_alpha_c``            critical load of the replica-symmetric T = 0 solution, 0.1379
                           (Amit, Gutfreund & Sompolinsky 1985, 1987)
``ags_overlap``            retrieval overlap m(alpha) on the T = 0 retrieval branch
``mceliece_capacity``      n / (4 ln n): all patterns stable with high probability
                           (McEliece, Posner, Rodemich & Venkatesh 1987)
``storkey_capacity``       n / sqrt(2 ln n) (Storkey 1997)
``ags_rs_solution``        finite-T replica-symmetric (m, q, r); ``ags_free_energy``
``ags_T_g``, ``ags_T_M``, ``ags_T_c``   the (alpha, T) phase boundaries; ``ags_alpha_M``,
                           ``ags_alpha_global`` the same lines as loads at given T;
                           ``ags_phase_lines`` all of them for plotting

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


# --- classical Hopfield network at finite temperature (Amit, Gutfreund & Sompolinsky)
#
# Replica-symmetric theory of the Hebbian network with Glauber dynamics at temperature T
# (Amit, Gutfreund & Sompolinsky 1985, PRL 55:1530; 1987, Ann. Phys. 173:30). With
# beta = 1/T, sigma^2 = alpha r and <.> the average over z ~ N(0, 1):
#
#     m = <tanh beta (m + sigma z)>,   q = <tanh^2 beta (m + sigma z)>,
#     r = q / (1 - beta (1 - q))^2,
#
#     f = alpha/2 + m^2/2 + alpha/(2 beta) [ln(1 - beta(1 - q)) - beta q / (1 - beta(1 - q))]
#         + alpha beta r (1 - q)/2 - (1/beta) <ln 2 cosh beta (m + sigma z)>.
#
# Phase boundaries: T_g = 1 + sqrt(alpha) (spin-glass solution q > 0 appears); T_M(alpha),
# above which no retrieval solution m > 0 exists (alpha = 0.138 at T = 0); T_c(alpha), below
# which the retrieval state has a lower free energy than the spin-glass state (alpha = 0.051
# at T = 0). Both T_M and T_c tend to 1 as alpha -> 0.
#
# Gaussian averages use Gauss-Hermite quadrature while beta sigma is moderate. At low T the
# integrands approach steps, where Gauss-Hermite converges slowly; there the average is split
# into its exact T = 0 part (a step: erf and |u| in closed form) plus a correction localised
# within 1/beta of u = 0, integrated with Gauss-Laguerre quadrature. The T = 0 limit itself
# (beta (1 - q) -> C finite) is solved in closed form.

_GH_NODES = 160
_GL_NODES = 80
_SPLIT = 2.0  # beta * sigma above which the split quadrature is used


@lru_cache(maxsize=None)
def _quadrature() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    x, w = np.polynomial.hermite.hermgauss(_GH_NODES)
    t, v = np.polynomial.laguerre.laggauss(_GL_NODES)
    return np.sqrt(2.0) * x, w / np.sqrt(np.pi), t, v


def _gauss_moments(m: float, sigma: float, beta: float) -> tuple[float, float, float]:
    """``<tanh beta u>``, ``<tanh^2 beta u>`` and ``<ln 2 cosh beta u> / beta`` for u ~ N(m, sigma^2)."""
    z, wz, t, wt = _quadrature()
    if sigma <= 0.0:
        h = beta * m
        return float(np.tanh(h)), float(np.tanh(h) ** 2), float(np.logaddexp(h, -h) / beta)
    if beta * sigma < _SPLIT:
        h = beta * (m + sigma * z)
        th = np.tanh(h)
        return float(wz @ th), float(wz @ (th * th)), float(wz @ np.logaddexp(h, -h) / beta)
    # split: exact step part + correction localised near u = 0 (v = beta u = t / 2)
    u = 0.5 * t / beta
    dens = np.exp(-0.5 * ((u - m) / sigma) ** 2) / np.sqrt(2 * np.pi)  # phi at u = +v/beta
    dens_neg = np.exp(-0.5 * ((u + m) / sigma) ** 2) / np.sqrt(2 * np.pi)  # phi at u = -v/beta
    e = np.exp(-t)
    scale = 1.0 / (2.0 * beta * sigma)  # dv = dt / 2, density of u = v / beta
    y = m / (sigma * np.sqrt(2.0))
    sign_mean = erf(y)
    abs_mean = m * erf(y) + sigma * np.sqrt(2.0 / np.pi) * np.exp(-y * y)
    tanh_corr = scale * (wt @ ((-2.0 / (1.0 + e)) * (dens - dens_neg)))
    sech2 = scale * (wt @ ((4.0 / (1.0 + e) ** 2) * (dens + dens_neg)))
    lncosh_corr = scale * (wt @ ((np.log1p(e) / e) * (dens + dens_neg))) / beta
    return float(sign_mean + tanh_corr), float(1.0 - sech2), float(abs_mean + lncosh_corr)


def _check_nonneg(name: str, value) -> float:
    value = float(value)
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    return value


def ags_T_g(alpha: float | np.ndarray) -> np.ndarray:
    """Spin-glass temperature ``T_g = 1 + sqrt(alpha)``: below it the m = 0 solution with q > 0 exists."""
    return 1.0 + np.sqrt(np.asarray(alpha, dtype=np.float64))


def _curie_weiss(beta: float) -> float:
    """Largest root of ``m = tanh(beta m)`` (the alpha = 0 retrieval overlap)."""
    if beta <= 1.0:
        return 0.0
    return float(brentq(lambda m: np.tanh(beta * m) - m, 1e-12, 1.0, xtol=1e-15))


def _branch_point(m: float, beta: float) -> tuple[float, float, float]:
    """``(alpha, sigma, q)`` of the retrieval solution with overlap ``m`` at inverse temperature beta.

    ``<tanh beta (m + sigma z)>`` falls monotonically with sigma, so the m-equation fixes
    sigma uniquely; q follows, and the r-equation gives the load
    ``alpha = sigma^2 (1 - beta (1 - q))^2 / q``. Returns alpha = 0 where no sigma >= 0 works
    or the solution is unphysical (1 - beta (1 - q) <= 0).
    """
    def excess(s: float) -> float:
        return _gauss_moments(m, s, beta)[0] - m

    if excess(0.0) <= 0.0:
        return 0.0, 0.0, float(np.tanh(beta * m) ** 2)
    hi = 0.5
    while excess(hi) > 0.0:
        hi *= 2.0
    s = float(brentq(excess, 0.0, hi, xtol=1e-14))
    q = _gauss_moments(m, s, beta)[1]
    d = 1.0 - beta * (1.0 - q)
    if d <= 0.0 or q <= 0.0:
        return 0.0, s, q
    return s * s * d * d / q, s, q


@lru_cache(maxsize=512)
def _retrieval_peak(T: float) -> tuple[float, float, float]:
    """``(alpha_M, m at the fold, m at alpha = 0)`` of the finite-T retrieval branch."""
    beta = 1.0 / T
    top = _curie_weiss(beta)
    if top <= 0.0:
        return 0.0, 0.0, 0.0
    ms = np.linspace(0.005, 0.9995, 120) * top
    alphas = np.array([_branch_point(m, beta)[0] for m in ms])
    i = int(np.argmax(alphas))
    lo, hi = ms[max(i - 1, 0)], ms[min(i + 1, len(ms) - 1)]
    res = minimize_scalar(lambda m: -_branch_point(m, beta)[0], bounds=(lo, hi), method="bounded",
                          options={"xatol": 1e-11})
    return float(-res.fun), float(res.x), top


def ags_alpha_M(T: float) -> float:
    """Largest load at which retrieval solutions exist at temperature ``T`` (0.1379 at T = 0, 0 at T >= 1)."""
    T = _check_nonneg("T", T)
    if T == 0.0:
        return ags_alpha_c()
    if T >= 1.0:
        return 0.0
    return _retrieval_peak(T)[0]


def _t0_retrieval(alpha: float) -> tuple[float, float, float]:
    m = float(ags_overlap(alpha))
    if m <= 0:
        return float("nan"), float("nan"), float("nan")
    if alpha <= 0:
        return 1.0, 1.0, 1.0
    y = float(brentq(lambda y: erf(y) - m, 1e-9, 50.0, xtol=1e-15))
    sigma = m / (np.sqrt(2.0) * y)
    c = np.sqrt(2.0 / np.pi) * np.exp(-y * y) / sigma
    return m, 1.0, 1.0 / (1.0 - c) ** 2


def _spin_glass(alpha: float, T: float) -> tuple[float, float, float]:
    """The m = 0 solution ``(0, q, r)``: spin glass for T < T_g, paramagnet (q = 0) above."""
    if T == 0.0:
        sigma = np.sqrt(alpha) + np.sqrt(2.0 / np.pi)
        return 0.0, 1.0, sigma * sigma / alpha
    beta = 1.0 / T
    if T >= 1.0 + np.sqrt(alpha):
        return 0.0, 0.0, 0.0

    def excess(q: float) -> float:
        d = 1.0 - beta * (1.0 - q)
        return _gauss_moments(0.0, np.sqrt(alpha * q) / d, beta)[1] - q

    lo = max(1.0 - T, 0.0)
    span = 1.0 - lo
    q = float(brentq(excess, lo + 1e-12 * span + (1e-10 if lo == 0 else 0.0), 1.0 - 1e-14, xtol=1e-15))
    d = 1.0 - beta * (1.0 - q)
    return 0.0, q, q / (d * d)


def ags_rs_solution(alpha: float, T: float, state: str = "retrieval") -> tuple[float, float, float]:
    """Replica-symmetric order parameters ``(m, q, r)`` at load ``alpha`` and temperature ``T``.

    ``state="retrieval"``: the stable retrieval solution (largest m); all three NaN where it
    does not exist (alpha > alpha_M(T)). ``state="spin_glass"``: the m = 0 solution (q = 0,
    the paramagnet, above T_g). At T = 0, q = 1 and r = 1 / (1 - C)^2 with C = beta (1 - q).
    """
    alpha = _check_nonneg("alpha", alpha)
    T = _check_nonneg("T", T)
    if state not in ("retrieval", "spin_glass"):
        raise ValueError(f"state must be 'retrieval' or 'spin_glass', got {state!r}")
    if state == "spin_glass":
        if alpha <= 0:
            raise ValueError(f"alpha must be > 0 for the spin-glass solution, got {alpha}")
        return _spin_glass(alpha, T)
    if T == 0.0:
        return _t0_retrieval(alpha)
    a_m, m_peak, top = _retrieval_peak(T) if T < 1.0 else (0.0, 0.0, 0.0)
    if top <= 0.0 or alpha > a_m:
        return float("nan"), float("nan"), float("nan")
    beta = 1.0 / T
    if alpha == 0.0:
        q = top * top
        return top, q, q / (1.0 - beta * (1.0 - q)) ** 2
    m = float(brentq(lambda m: _branch_point(m, beta)[0] - alpha, m_peak, top * (1 - 1e-13), xtol=1e-14))
    _, s, q = _branch_point(m, beta)
    return m, q, s * s / alpha


def ags_free_energy(alpha: float, T: float, m: float, q: float, r: float) -> float:
    """Replica-symmetric free energy per neuron of the state ``(m, q, r)`` (AGS 1987, eq. 4.9).

    At T = 0 (q = 1, C = beta (1 - q) = 1 - 1/sqrt(r)) this is the energy per neuron
    ``alpha/2 + m^2/2 - alpha/(2 (1 - C)) + alpha r C / 2 - <|m + sqrt(alpha r) z|>``.
    """
    sigma = np.sqrt(alpha * r)
    if T == 0.0:
        c = 1.0 - 1.0 / np.sqrt(r) if r > 0 else 0.0
        y = m / (sigma * np.sqrt(2.0)) if sigma > 0 else np.inf
        abs_mean = m * erf(y) + sigma * np.sqrt(2.0 / np.pi) * np.exp(-y * y) if sigma > 0 else abs(m)
        return float(alpha / 2 + m * m / 2 - alpha / (2 * (1 - c)) + alpha * r * c / 2 - abs_mean)
    beta = 1.0 / T
    d = 1.0 - beta * (1.0 - q)
    lncosh = _gauss_moments(m, sigma, beta)[2]
    return float(alpha / 2 + m * m / 2 + alpha / (2 * beta) * (np.log(d) - beta * q / d)
                 + alpha * beta * r * (1 - q) / 2 - lncosh)


def _delta_f(alpha: float, T: float) -> float:
    """Free energy of the retrieval state minus that of the spin-glass state."""
    ret = ags_rs_solution(alpha, T)
    sg = _spin_glass(alpha, T)
    return ags_free_energy(alpha, T, *ret) - ags_free_energy(alpha, T, *sg)


@lru_cache(maxsize=512)
def _alpha_global(T: float) -> float:
    if T == 0.0:
        a_m = ags_alpha_c()
        return float(brentq(lambda a: _delta_f(a, 0.0), 5e-3, a_m * (1 - 1e-9), xtol=1e-12))
    a_m, m_peak, top = _retrieval_peak(T)
    if a_m <= 0:
        return 0.0
    beta = 1.0 / T

    def gap(m: float) -> float:  # along the retrieval branch, parametrised by m
        a, s, q = _branch_point(m, beta)
        d = 1.0 - beta * (1.0 - q)
        return ags_free_energy(a, T, m, q, q / (d * d)) - ags_free_energy(a, T, *_spin_glass(a, T))

    hi = top * (1 - 1e-6)
    if gap(m_peak) <= 0:
        return a_m
    if gap(hi) >= 0:
        return 0.0
    m = float(brentq(gap, m_peak, hi, xtol=1e-13))
    return _branch_point(m, beta)[0]


def ags_alpha_global(T: float) -> float:
    """Load below which retrieval states are global free-energy minima at temperature ``T``
    (0.051 at T = 0, 0 at T >= 1); between it and :func:`ags_alpha_M` they are metastable."""
    T = _check_nonneg("T", T)
    return 0.0 if T >= 1.0 else _alpha_global(T)


def _invert_in_T(func, alpha: float, a0: float) -> float:
    alpha = _check_nonneg("alpha", alpha)
    if alpha == 0.0:
        return 1.0
    t_lo = 0.02  # the RS lines are slightly re-entrant: their largest load lies near T = 0.02
    if alpha > max(a0, func(t_lo)):
        return float("nan")
    if alpha > func(t_lo):
        return 0.0
    return float(brentq(lambda t: func(t) - alpha, t_lo, 1.0 - 1e-9, xtol=1e-10))


def ags_T_M(alpha: float) -> float:
    """Temperature above which retrieval states cease to exist at load ``alpha``
    (1 at alpha -> 0, 0 at alpha = 0.1379; NaN above 0.1379)."""
    return _invert_in_T(ags_alpha_M, alpha, ags_alpha_c())


def ags_T_c(alpha: float) -> float:
    """Temperature below which retrieval states are global minima at load ``alpha``
    (1 at alpha -> 0, 0 at alpha = 0.051; NaN above)."""
    return _invert_in_T(ags_alpha_global, alpha, ags_alpha_global(0.0))


def ags_phase_lines(num: int = 40) -> dict[str, np.ndarray]:
    """The AGS (alpha, T) phase diagram as curves ``{"T": temperatures, "alpha_M": ...,
    "alpha_c": ..., "T_g_alpha": ..., "T_g": ...}``: the retrieval boundary T_M and the
    global-minimum line T_c sampled at ``num`` temperatures in [0, 1]."""
    ts = np.r_[0.0, np.linspace(0.02, 0.995, num - 1)]
    a_m = np.array([ags_alpha_M(t) for t in ts])
    a_c = np.array([ags_alpha_global(t) for t in ts])
    a_g = np.linspace(0.0, max(0.2, float(a_m.max()) * 1.5), 100)
    return {"T": np.r_[ts, 1.0], "alpha_M": np.r_[a_m, 0.0], "alpha_c": np.r_[a_c, 0.0],
            "T_g_alpha": a_g, "T_g": ags_T_g(a_g)}


# --- sparse distributed memories
#
# Willshaw / Steinbuch binary associative memory (Willshaw, Buneman & Longuet-Higgins 1969,
# Nature 222:960; Palm 1980, Biol. Cybern. 36:19; Buckingham & Willshaw 1992, Network 3:407),
# Kanerva's sparse distributed memory (Kanerva 1988, "Sparse Distributed Memory", MIT Press),
# dendritic-segment pattern detection (Ahmad & Hawkins 2016, arXiv:1601.00720).
#
# Notation: M stored pairs, keys with k of m units active, values with l of n active, a cue
# with c active bits (all of them correct: a fragment of the stored key).

from scipy.special import gammaln as _gammaln  # noqa: E402
from scipy.special import logsumexp as _logsumexp  # noqa: E402
from scipy.stats import binom as _binom  # noqa: E402
from scipy.stats import norm as _norm  # noqa: E402

LN2 = float(np.log(2.0))


def _log_comb(n, k):
    n = np.asarray(n, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    return _gammaln(n + 1) - _gammaln(k + 1) - _gammaln(n - k + 1)


def _pair_probability(k, l, m, n, auto):
    """Probability that one stored pair sets a given (off-diagonal, if auto) synapse."""
    k, l, m, n = (np.asarray(v, dtype=np.float64) for v in (k, l, m, n))
    return k * (k - 1) / (n * (n - 1)) if auto else k * l / (m * n)


def willshaw_p1(M, k, l, m, n, *, auto=False):
    """Fraction of set synapses after M pairs: ``p1 = 1 - (1 - k l / (m n))^M``.

    Exact in expectation for keys with exactly k of m and values with exactly l of n active
    units placed uniformly at random (each pair sets a given synapse with probability
    ``k l / (m n)``, independently across pairs). With ``auto=True`` (m = n, k = l, values =
    keys) this is the off-diagonal fraction, with ``k (k - 1) / (n (n - 1))`` per pattern
    (the n diagonal synapses fill faster and are left out).
    """
    M = np.asarray(M, dtype=np.float64)
    return -np.expm1(M * np.log1p(-_pair_probability(k, l, m, n, auto)))


def willshaw_optimal_load(k, l, m, n, p1=0.5, *, auto=False):
    """Number of pairs at which the matrix reaches ``p1`` (1/2 maximises the information):
    ``M = ln(1 - p1) / ln(1 - k l / (m n))``, about ``ln 2 * m n / (k l)`` for sparse patterns."""
    return np.log1p(-np.asarray(p1, float)) / np.log1p(-_pair_probability(k, l, m, n, auto))


def willshaw_false_positive(M, k, l, m, n, c=None, dilution=0.0, *, auto=False):
    """Probability that a silent output unit fires (classic threshold), independence approximation.

    Without dilution: ``p1^c`` (every one of the c cue inputs must reach the unit through a set
    synapse, treated as independent). With a fraction ``dilution`` of absent synapses (connection
    probability f = 1 - dilution) the unit's threshold is the number of cue inputs it receives,
    c_j ~ Binomial(c, f), and it fires if c_j >= 1 and all of them are set:
    ``(1 - f + f p1)^c - (1 - f)^c``.
    """
    c = k if c is None else c
    p = willshaw_p1(M, k, l, m, n, auto=auto)
    f = 1.0 - float(dilution)
    c = np.asarray(c, dtype=np.float64)
    return (1.0 - f + f * p) ** c - (1.0 - f) ** c


def willshaw_miss(c, dilution=0.0):
    """Probability that an output unit of the stored value stays silent under the classic
    threshold: only when none of the c cue inputs reaches it, ``(1 - f)^c`` (0 undiluted)."""
    return (float(dilution)) ** np.asarray(c, dtype=np.float64) if dilution > 0 else np.zeros_like(np.asarray(c, float))


def willshaw_false_positive_exact(M, k, l, m, n, c=None, *, auto=False, tail=12.0):
    """Exact probability that a silent output unit fires (classic threshold, no dilution).

    A silent unit j of the cued pair's value was active in r of the other M - 1 values,
    r ~ Binomial(M - 1, l / n). It fires iff each of the c cue inputs is active in at least
    one of those r keys. The number of cue inputs covered after r keys is a Markov chain:
    from h covered, a new k-of-m key covers t more with the hypergeometric probability
    ``C(c - h, t) C(m - c + h, k - t) / C(m, k)``. The chain is run (products of
    non-negative matrices: no cancellation) over the r within ``tail`` standard deviations
    of the binomial mean. Unlike ``p1^c`` this accounts for the spread of row loads
    (Buckingham & Willshaw 1992), which raises the false-positive rate at small k.
    With ``auto=True`` a pattern active at unit j covers k - 1 of the other n - 1 units.
    """
    c = k if c is None else int(c)
    k, l, m, n, M = int(k), int(l), int(m), int(n), int(M)
    if M <= 1:
        return 0.0
    if auto:
        k, m = k - 1, n - 1
    P = np.zeros((c + 1, c + 1))
    log_den = _log_comb(m, k)
    for h in range(c + 1):
        t = np.arange(0, c - h + 1)
        ok = (k - t >= 0) & (k - t <= m - c + h)
        lp = np.full(t.shape, -np.inf)
        lp[ok] = _log_comb(c - h, t[ok]) + _log_comb(m - c + h, k - t[ok]) - log_den
        P[h, h + t] = np.exp(lp)
    P /= P.sum(axis=1, keepdims=True)
    dist = _binom(M - 1, l / n)
    mean, sd = dist.mean(), dist.std()
    lo = int(max(0, np.floor(mean - tail * sd - 1)))
    hi = int(min(M - 1, np.ceil(mean + tail * sd + 1)))
    state = np.zeros(c + 1)
    state[0] = 1.0
    state = state @ np.linalg.matrix_power(P, lo)
    total = 0.0
    for r in range(lo, hi + 1):
        total += dist.pmf(r) * state[c]
        state = state @ P
    return float(total)


def binary_channel_information(q, p01, p10=0.0):
    """Transinformation (bits) per unit of a binary channel with prior P(y = 1) = q,
    false-positive rate p01 = P(out = 1 | y = 0) and miss rate p10 = P(out = 0 | y = 1)."""

    def h(p):
        p = np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            v = -(p * np.log2(p) + (1 - p) * np.log2(1 - p))
        return np.nan_to_num(v)

    q = np.asarray(q, dtype=np.float64)
    out1 = q * (1 - p10) + (1 - q) * p01
    return h(out1) - q * h(p10) - (1 - q) * h(p01)


def willshaw_bits_per_synapse(M, k, l, m, n, c=None, *, p01=None, p10=0.0, auto=False):
    """Information stored per synapse (bits), Palm's measure.

    Hetero-association: ``M n T(l/n, p01, p10) / (m n)``, T the transinformation per output
    unit (:func:`binary_channel_information`); p01 defaults to the independence estimate
    ``p1^c``. Its maximum tends to ln 2 = 0.69 bits for large n (Palm 1980).

    Auto-association (m = n, k = l, cue of c of the k bits): only the n - c uncued units
    carry new information, ``M (n - c) T((k - c)/(n - c), p01, p10)``, counted over the
    n (n - 1) / 2 independent synapses of the symmetric matrix; the asymptotic maximum is
    half the hetero-associative one, ln 2 / 2 (ln 2 / 4 per n^2 synapses; Palm 1980,
    Palm & Sommer 1992).
    """
    c = k if c is None else c
    if p01 is None:
        p01 = willshaw_false_positive(M, k, l, m, n, c, auto=auto)
    M = np.asarray(M, dtype=np.float64)
    if not auto:
        return M * n * binary_channel_information(l / n, p01, p10) / (float(m) * n)
    rest = n - np.asarray(c, dtype=np.float64)
    return M * rest * binary_channel_information((k - np.asarray(c, float)) / rest, p01, p10) / (n * (n - 1) / 2.0)


def willshaw_capacity_limit(auto=False):
    """Asymptotic information per synapse: ln 2 (hetero), ln 2 / 2 (auto, symmetric synapses)."""
    return LN2 / 2.0 if auto else LN2


# Kanerva sparse distributed memory ---------------------------------------------------------


def sdm_access_probability(n, radius):
    """Probability that a random hard location lies within Hamming ``radius`` of an address:
    ``P(Binomial(n, 1/2) <= radius)``."""
    return _binom.cdf(np.asarray(radius), int(n), 0.5)


def sdm_radius_for(n, p):
    """Smallest radius whose access probability is at least ``p``."""
    return int(_binom.ppf(float(p), int(n), 0.5))


def sdm_optimal_activation(locations, items):
    """Kanerva's optimal access probability ``(2 N T)^(-1/3)`` for N locations and T items."""
    return (2.0 * np.asarray(locations, float) * np.asarray(items, float)) ** (-1.0 / 3.0)


def sdm_intersection(n, radius, d):
    """Probability that a random location is within ``radius`` of two addresses ``d`` apart.

    A location disagrees with the first address on i of the n - d shared positions and on j
    of the d differing ones: it is at distance i + j from one and i + d - j from the other.
    """
    n, radius, d = int(n), int(radius), int(d)
    i = np.arange(0, n - d + 1)[:, None]
    j = np.arange(0, d + 1)[None, :]
    ok = (i + j <= radius) & (i + d - j <= radius)
    lp = _log_comb(n - d, i) + _log_comb(d, j) - n * np.log(2.0)
    return float(np.exp(lp[ok]).sum()) if ok.any() else 0.0


def sdm_bit_error(n, locations, radius, items, d=0):
    """Bit-error probability of reading one of T stored random items, cued ``d`` bits from
    its address (ties, a zero sum, read as 0).

    Reading sums the counters of the activated locations. The cued item contributes its bit
    (+/-1) once per location shared with the cue: S ~ Binomial(N, p_d) of them
    (:func:`sdm_intersection`). Each of the T - 1 other random items shares each of the
    cue's L activated locations with probability p, adding +/-1 noise of variance
    ``(T - 1) (L p (1 - p) + L^2 p^2)`` (Kanerva 1988, ch. 7). Given S (and L = S for
    d = 0, else L = N p), the noise is taken as normal with a continuity correction, and the
    error averaged over both bit values and over S.
    """
    N = int(locations)
    p = float(sdm_access_probability(n, radius))
    pd = sdm_intersection(n, radius, d)
    T = np.atleast_1d(np.asarray(items, dtype=np.float64))
    dist = _binom(N, pd)
    hi = int(min(N, np.ceil(N * pd + 12 * np.sqrt(N * pd * (1 - pd)) + 2)))
    s = np.arange(0, hi + 1, dtype=np.float64)
    w = dist.pmf(s)
    L = s if d == 0 else np.full_like(s, N * p)
    var = (T[:, None] - 1) * (L * p * (1 - p) + (L * p) ** 2)
    sd = np.sqrt(var)
    with np.errstate(divide="ignore", invalid="ignore"):
        up = np.where(sd > 0, _norm.cdf((0.5 - s) / np.where(sd > 0, sd, 1)), (s <= 0).astype(float))
        down = np.where(sd > 0, _norm.cdf(-(s + 0.5) / np.where(sd > 0, sd, 1)), 0.0)
    err = (0.5 * (up + down) * w).sum(axis=1)
    return err if np.ndim(items) else float(err[0])


# Dendritic segments (Ahmad & Hawkins 2016) ------------------------------------------------


def segment_log_false_match(n, a, s, theta):
    """Natural log of the probability that a random pattern (a of n active) shares at least
    ``theta`` cells with a segment of ``s`` synapses: the hypergeometric tail
    ``sum_{b >= theta} C(s, b) C(n - s, a - b) / C(n, a)`` (Ahmad & Hawkins 2016, eq. 3),
    summed in log space so values far below 1e-300 stay exact. Arguments broadcast."""
    n, a, s, theta = np.broadcast_arrays(*(np.asarray(v, dtype=np.int64) for v in (n, a, s, theta)))
    out = np.empty(n.shape, dtype=np.float64)
    for idx in np.ndindex(n.shape):
        nn, aa, ss, tt = int(n[idx]), int(a[idx]), int(s[idx]), int(theta[idx])
        b = np.arange(max(tt, aa - (nn - ss), 0), min(ss, aa) + 1)
        if b.size == 0:
            out[idx] = -np.inf
            continue
        terms = _log_comb(ss, b) + _log_comb(nn - ss, aa - b) - _log_comb(nn, aa)
        out[idx] = min(0.0, _logsumexp(terms))
    return out if out.ndim else float(out)


def segment_false_match(n, a, s, theta):
    """Probability of a false match (see :func:`segment_log_false_match`)."""
    return np.exp(segment_log_false_match(n, a, s, theta))


def segment_union_size(n, s, patterns):
    """Expected number of distinct synapses when ``patterns`` random s-cell subsamples are
    unioned on one segment: ``n (1 - (1 - s/n)^M)``."""
    return float(n) * -np.expm1(np.asarray(patterns, float) * np.log1p(-float(s) / n))


def segment_union_false_match(n, a, s, theta, patterns):
    """False-match probability of a union segment holding M patterns (its synapse count set
    to the expected union size, rounded), Ahmad & Hawkins 2016, section "unions"."""
    size = np.rint(segment_union_size(n, s, patterns)).astype(np.int64)
    return segment_false_match(n, a, size, theta)


def segment_noise_match(a, s, theta, noise):
    """Probability that a segment subsampling s of a stored pattern's a cells still matches
    when a fraction ``noise`` of the pattern's active cells is replaced by cells outside it:
    the retained ``a - round(noise a)`` cells share b with the segment, hypergeometrically."""
    a, s, theta = int(a), int(s), int(theta)
    keep = a - int(round(float(noise) * a))
    b = np.arange(max(theta, keep - (a - s), 0), min(s, keep) + 1)
    if b.size == 0:
        return 0.0
    return float(min(1.0, np.exp(_logsumexp(_log_comb(s, b) + _log_comb(a - s, keep - b) - _log_comb(a, keep)))))


# --- dense associative memories
#
# Polynomial dense memories (Krotov & Hopfield 2016, NeurIPS), the exponential memory
# (Demircigil, Heusel, Loewe, Upgang & Vermet 2017, J. Stat. Phys. 168:288), the modern
# continuous Hopfield network (Ramsauer et al. 2021, ICLR), dense Hebbian learning from
# examples (Agliari, Barra et al. 2023, Physica A; arXiv 2211.14067, 2212.00606) and the
# multitasking diluted network (Agliari et al. 2023, arXiv 2308.04106).

from scipy.optimize import brentq as _brentq  # noqa: E402
from scipy.special import erfc as _erfc  # noqa: E402
from scipy.stats import binom as _binom_law  # noqa: E402


def double_factorial(k: int) -> int:
    """The double factorial of ``k``.

    ``k!! = k (k - 2) (k - 4) ... 1``, with ``(-1)!! = 0!! = 1``."""
    out = 1
    for j in range(int(k), 0, -2):
        out *= j
    return out


def dense_bit_error(n, p, degree):
    """Probability that a bit of a stored pattern is unstable in a polynomial dense memory.

    Signal ``2 degree n**(degree-1)`` against crosstalk of variance
    ``4 degree**2 (2 degree - 3)!! n**(degree-1) P`` (Krotov & Hopfield 2016):
    ``Q(sqrt(n**(degree-1) / ((2 degree - 3)!! P)))`` with Q the normal tail.
    """
    n = np.asarray(n, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    snr = np.sqrt(n ** (degree - 1) / (double_factorial(2 * degree - 3) * p))
    return 0.5 * _erfc(snr / np.sqrt(2.0))


def dense_capacity(n, degree):
    """Error-free capacity of the polynomial dense memory of ``n`` neurons, as a number of
    patterns: ``P = n**(degree-1) / (2 (2 degree - 3)!! ln n)``. Below it every bit of every
    stored pattern is stable with high probability (Krotov & Hopfield 2016; at degree 2 this is
    McEliece et al.'s n / (2 ln n) per-pattern bound). Divide by ``n**(degree-1)`` for the load
    alpha."""
    n = np.asarray(n, dtype=np.float64)
    return n ** (degree - 1) / (2.0 * double_factorial(2 * degree - 3) * np.log(n))


def dense_pattern_stable(n, p, degree):
    """Probability that a stored pattern is a fixed point (all n bits stable, taken independent):
    ``(1 - dense_bit_error)**n``."""
    return (1.0 - dense_bit_error(n, p, degree)) ** np.asarray(n, dtype=np.float64)


def demircigil_rate(x):
    """Rate function ``I(x) = ((1 + x) ln(1 + x) + (1 - x) ln(1 - x)) / 2`` of a sum of +/-1 spins."""
    x = np.clip(np.asarray(x, dtype=np.float64), -1.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(x > -1, (1 + x) * np.log1p(x), 0.0)
        b = np.where(x < 1, (1 - x) * np.log1p(-x), 0.0)
    return 0.5 * (a + b)


def demircigil_alpha(rho=0.0):
    """Largest exponent alpha such that ``exp(alpha n)`` patterns of the exponential dense memory
    are retrieved from cues with a fraction ``rho`` of flipped bits: ``I(1 - 2 rho) / 2``
    (Demircigil et al. 2017; ``ln 2 / 2 = 0.347`` for exact cues, 0.184 at rho = 0.1)."""
    return demircigil_rate(1.0 - 2.0 * np.asarray(rho, dtype=np.float64)) / 2.0


def ramsauer_separation(beta, n_patterns, radius):
    """Separation above which a pattern is retrieved in one update (Ramsauer et al. 2021, Thm. 4).

    A pattern whose dot product with itself exceeds its dot products with every other pattern
    by ``Delta >= 2 / (beta N) + ln(2 (N - 1) N beta M**2) / beta`` (N patterns, M the largest
    pattern norm) is retrieved with an error exponentially small in ``beta Delta``.
    """
    nn = float(n_patterns)
    b = np.asarray(beta, dtype=np.float64)
    return 2.0 / (b * nn) + np.log(2.0 * (nn - 1.0) * nn * b * float(radius) ** 2) / b


def _omega_law(r: float, m: int):
    """Values and probabilities of the example average ``omega = (1/M) sum_a chi_a``, chi = +1 with
    probability (1 + r)/2: omega = (2k - M)/M, k ~ Binomial(M, (1 + r)/2)."""
    k = np.arange(m + 1)
    return (2.0 * k - m) / m, _binom_law.pmf(k, m, (1.0 + r) / 2.0)


def dense_hebbian_overlap(r, m, beta=None, degree=4, *, iterations=2000, tol=1e-12):
    """Archetype Mattis overlap at low load and finite M: our own mean-field derivation.

    Not from the papers: this keeps the exact binomial law of the example average at finite M,
    where the replica-symmetric equations (:func:`dense_hebbian_rs`) replace it by its Gaussian limit
    (M -> infinity at fixed rho). It adds what that limit leaves out: the parity steps of
    small M (a tie omega = 0 at even M) and the threshold at M of a few examples; as M grows at
    fixed rho it tends to :func:`dense_hebbian_rs`. Finitely many archetypes, n -> infinity.

    With ``H = -n ntilde**P / R**(P/2)``, ``R = r**2 + (1 - r**2)/M`` and ``omega`` the average of
    the M example signs of a neuron (exact binomial law), the state satisfies

        ntilde = E[omega tanh(beta P ntilde**(P-1) omega / R**(P/2))],
        m      = E[tanh(beta P ntilde**(P-1) omega / R**(P/2))],

    iterated from the archetype (ntilde = r). Supervised and unsupervised protocols share these
    equations at low load (the unsupervised network reaches this state only once its examples
    stop being attractors of their own, at larger M). ``beta=None`` is zero noise:
    ``m = E[sign(omega)]``, with a tie (omega = 0, even M) keeping the archetype's sign as the
    zero-noise dynamics started there do; for large M this is ``erf(1 / sqrt(2 rho))`` with
    the dataset entropy ``rho = (1 - r**2)/(M r**2)``. Returns (m, ntilde).
    """
    r = float(r)
    m = int(m)
    w, pw = _omega_law(r, m)
    if beta is None:
        sign = np.where(w == 0, 1.0, np.sign(w))
        return float((sign * pw).sum()), float((w * sign * pw).sum())
    big_r = r * r + (1.0 - r * r) / m
    nt = r
    for _ in range(iterations):
        h = beta * degree * nt ** (degree - 1) * w / big_r ** (degree / 2.0)
        new = float((w * np.tanh(h) * pw).sum())
        if abs(new - nt) < tol:
            nt = new
            break
        nt = new
    h = beta * degree * nt ** (degree - 1) * w / big_r ** (degree / 2.0)
    return float((np.tanh(h) * pw).sum()), nt


# Replica-symmetric theory of dense Hebbian learning, with the storage (load) term.
#
# Setting of Agliari, Albanese, Alemanno, Alessandrelli, Barra, Giannotti, Lotito & Pedreschi
# (unsupervised: arXiv 2211.14067; supervised: arXiv 2212.00606): K = alpha N**(P-1) archetypes,
# M examples each of quality r, Guerra interpolation at the replica-symmetric level, and the
# large-dataset limit in which the example average of a neuron is Gaussian,
# omega_i / r = xi_i (1 + sqrt(rho) Y_i), at fixed dataset entropy rho = (1 - r**2)/(M r**2).
# The equations below are our derivation in that setting, written in the units of
# :class:`assoc.memories.dense_hebbian.DenseHebbian` (Boltzmann weight exp(-beta H) with the
# H of its docstring: no 1/2, no 1/P!). They have not been compared term by term with the
# papers' printed equations (equation numbers, their beta' and normalisation of the order
# parameters), so no equation number is cited. The papers' abstracts fix the setting
# (control parameters: dataset quality and quantity, storage, noise; RS via Guerra
# interpolation; large N, structureless data); the equations are checked against exact limits
# and independent evaluations (tests/test_dense_hebbian_theory.py).
#
# Order parameters: n, the archetype overlap weighted by the example average (n = 1 on the
# archetype), q, the replica overlap, and the Mattis magnetisation m of the archetype. With
# c = (1 + rho)**(-P/2), mu = beta P c n**(P-1), a = 1 + sqrt(rho) Y and the cross-talk
# covariance N xi(q) of the K - 1 archetypes that are not retrieved,
#
#     h = mu a + beta sqrt(xi'(q)) Z                       (Y, Z independent N(0, 1)),
#     m = E tanh h,   q = E tanh**2 h,   n = E[a tanh h] = m + rho mu (1 - q)   (Stein),
#
# the stationary points of the pressure per neuron
#
#     A(n, q) = E ln 2 cosh h - beta (P - 1) c n**P + beta**2/2 [xi(1) - xi(q) - (1 - q) xi'(q)].
#
# The storage term: a pattern that is not retrieved enters H through N (x/sqrt(N))**P with x an
# O(1) Gaussian overlap; for P >= 3 and K = alpha N**(P-1) their sum is a Gaussian process
# (Gardner 1987: no reaction term, unlike P = 2), with xi(q) = alpha sum_k C_k q**k:
#
#   tuples="distinct"  the pure P-spin cross-talk of couplings over distinct index tuples
#                      (the standard P-spin Hopfield storage term): C_P = P! F_P;
#   tuples="all"       the couplings DenseHebbian simulates, sum over all index tuples,
#                      x**P = sum_k c_k He_k(x): C_k = c_k**2 k! F_k, k = P, P-2, ..., 2
#                      (the self-interaction terms add a (P-2)-spin, ... part of the same order;
#                      xi'(1) = alpha P**2 (2P-3)!!, the one-step noise of assoc.theory.dense_bit_error).
#
# F_k is the protocol's factor: supervised, the per-label averages normalised by R**(P/2),
# R = r**2 + (1 - r**2)/M, have unit variance, so F_k = 1 and rho does not enter the storage
# term; unsupervised, the M examples of an archetype are separate +/-1 patterns with mutual
# overlap r**2 weighted by 1/(M R**(P/2)), so F_k = (1/M + (1 - 1/M) r**(2k)) / R**P
# (1 at M = 1, 1 as M -> infinity at fixed r, of order rho**P M**(P-1) / (1 + rho)**P at fixed
# rho). At zero load the two protocols share the equations; rho -> 0 gives the dense Hopfield
# (P-spin) network's RS equations at the same load; beta -> infinity gives q = 1 and
# m = erf(mu0 / sqrt(2 (rho mu0**2 + xi'(1)))), mu0 = P c n**(P-1) (erf(1/sqrt(2 rho)) at zero load).
# dense_hebbian_overlap (above) is our own finite-M version of the zero-load state.

_RS_Z = np.linspace(-11.0, 11.0, 2201)
_RS_W = np.exp(-0.5 * _RS_Z**2) * (_RS_Z[1] - _RS_Z[0]) / np.sqrt(2.0 * np.pi)
_RS_TUPLES = ("distinct", "all")


def _rs_check(rho, beta, degree):
    rho = float(rho)
    if not rho >= 0 or not np.isfinite(rho):
        raise ValueError(f"rho must be a finite number >= 0, got {rho}")
    degree = int(degree)
    if degree < 2 or degree % 2:
        raise ValueError(f"degree must be an even integer >= 2, got {degree}")
    if beta is not None:
        beta = float(beta)
        if not beta > 0:
            raise ValueError(f"beta must be > 0 or None (zero noise), got {beta}")
    return rho, beta, degree


def dense_hebbian_rs_crosstalk(degree=4, load=0.0, protocol="supervised", rho=0.0, examples=None,
                               tuples="distinct"):
    """Storage term of the replica-symmetric equations: ``(k, C)`` arrays with
    ``xi(q) = sum C_k q**k``, the covariance per neuron (over N) of the cross-talk of the
    archetypes that are not retrieved, at load ``alpha = K / N**(P-1)`` (see the notes above
    :func:`dense_hebbian_rs`).

    ``tuples="distinct"``: pure P-spin, ``C_P = alpha P! F_P``; ``"all"``: the all-tuples
    couplings DenseHebbian simulates, ``C_k = alpha c_k**2 k! F_k`` with ``x**P = sum_k c_k
    He_k(x)``. ``F_k = 1`` (supervised) or ``(1/M + (1 - 1/M) r**(2k)) / R**P`` (unsupervised,
    ``M = examples`` needed when ``load > 0``; ``r**2 = 1/(1 + rho M)``, ``R = r**2 (1 + rho)``).
    """
    degree = int(degree)
    load = float(load)
    if not load >= 0 or not np.isfinite(load):
        raise ValueError(f"load must be a finite number >= 0, got {load}")
    if protocol not in ("supervised", "unsupervised"):
        raise ValueError(f"protocol must be 'supervised' or 'unsupervised', got {protocol!r}")
    if tuples not in _RS_TUPLES:
        raise ValueError(f"tuples must be one of {_RS_TUPLES}, got {tuples!r}")
    if tuples == "distinct":
        ks = np.array([degree])
        cs = np.array([float(np.prod(np.arange(1, degree + 1)))])  # c_P**2 P! = P!
    else:
        ks = np.arange(degree, 0, -2)
        j = (degree - ks) // 2
        fact = lambda v: float(np.prod(np.arange(1, int(v) + 1)))  # noqa: E731
        coef = np.array([fact(degree) / (fact(jj) * 2.0**jj * fact(k)) for jj, k in zip(j, ks)])
        cs = coef**2 * np.array([fact(k) for k in ks])
    if protocol == "unsupervised" and load > 0:
        if examples is None or not float(examples) >= 1:
            raise ValueError(f"the unsupervised storage term needs examples = M >= 1, got {examples}")
        m_ex = float(examples)
        r2 = 1.0 / (1.0 + float(rho) * m_ex)
        big_r = r2 * (1.0 + float(rho))
        cs = cs * (1.0 / m_ex + (1.0 - 1.0 / m_ex) * r2**ks) / big_r**degree
    return ks, load * cs


def _rs_xi(q, ks, cs, order=0):
    """xi(q) (order 0) or xi'(q) (order 1), for a scalar or an array of q."""
    q = np.asarray(q, dtype=np.float64)[..., None]
    out = (cs * q**ks).sum(axis=-1) if order == 0 else (cs * ks * q ** (ks - 1)).sum(axis=-1)
    return float(out) if out.ndim == 0 else out


def _rs_moments(mu, s, lncosh=False):
    """(E tanh h, E tanh**2 h[, E ln 2cosh h]) for h ~ N(mu, s**2); arrays of mu, s broadcast."""
    mu, s = np.broadcast_arrays(np.asarray(mu, dtype=np.float64), np.asarray(s, dtype=np.float64))
    h = mu[..., None] + s[..., None] * _RS_Z
    t = np.tanh(h)
    out = [t @ _RS_W, (t * t) @ _RS_W]
    if lncosh:
        a = np.abs(h)
        out.append((a + np.log1p(np.exp(-2.0 * a))) @ _RS_W)
    return tuple(float(v) for v in out) if mu.ndim == 0 else tuple(out)


def _rs_q_of_n(n, rho, beta, degree, ks, cs, *, iterations=5000, tol=1e-13):
    """For given n (scalar or array), the largest q solving q = E tanh**2 h (iterated down
    from q = 1); returns (m, q, mu) at that q."""
    n = np.asarray(n, dtype=np.float64)
    mu = beta * degree * (1.0 + rho) ** (-degree / 2.0) * n ** (degree - 1)
    q = np.ones(mu.shape)
    if cs.any():
        live = np.ones(mu.shape, dtype=bool)
        for _ in range(iterations):
            s = np.sqrt(mu[live] ** 2 * rho + beta * beta * _rs_xi(q[live], ks, cs, 1))
            q_new = np.asarray(_rs_moments(mu[live], s)[1])
            still = np.abs(q_new - q[live]) >= tol
            q[live] = q_new
            live[live] = still
            if not live.any():
                break
    s = np.sqrt(mu * mu * rho + beta * beta * _rs_xi(q, ks, cs, 1))
    m, q = _rs_moments(mu, s)
    return m, q, mu


def _rs_n_map(n, rho, beta, degree, ks, cs):
    """The right-hand side of the n equation at n (scalar or array), with (m, q): finite beta
    ``m + rho mu (1 - q)``; zero noise (beta None, q = 1) ``m + rho mu0 2 phi(mu0/s0)/s0``."""
    n = np.asarray(n, dtype=np.float64)
    if beta is None:
        mu0 = degree * (1.0 + rho) ** (-degree / 2.0) * n ** (degree - 1)
        s0 = np.sqrt(mu0 * mu0 * rho + _rs_xi(1.0, ks, cs, 1))
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.where(s0 > 0, mu0 / np.where(s0 > 0, s0, 1.0), np.where(mu0 > 0, np.inf, 0.0))
            m = erf(x / np.sqrt(2.0))
            dens = 2.0 * np.exp(-0.5 * x * x) / (np.sqrt(2.0 * np.pi) * np.where(s0 > 0, s0, 1.0))
            tail = np.where(s0 > 0, rho * mu0 * dens, 0.0)
        out = (m + tail, m, np.ones_like(m))
    else:
        m, q, mu = _rs_q_of_n(n, rho, beta, degree, ks, cs)
        out = (m + rho * mu * (1.0 - q), m, q)
    return tuple(float(v) for v in out) if n.ndim == 0 else out


def _rs_abs_mean(rho):
    """``E|1 + sqrt(rho) Z|``: the largest value n can take."""
    if rho == 0:
        return 1.0
    s = np.sqrt(rho)
    return float(s * np.sqrt(2.0 / np.pi) * np.exp(-0.5 / rho) + erf(1.0 / (s * np.sqrt(2.0))))


def _rs_largest_root(rho, beta, degree, ks, cs):
    """Largest fixed point n* of the n equation (0.0 when only n = 0 solves it)."""
    gap = lambda x: _rs_n_map(x, rho, beta, degree, ks, cs)[0] - x  # noqa: E731
    top = _rs_abs_mean(rho)
    grid = top * np.geomspace(1e-4, 1.0, 160)
    g = _rs_n_map(grid, rho, beta, degree, ks, cs)[0] - grid
    pos = np.nonzero(g > 0)[0]
    if len(pos) == 0:
        # a narrow retrieval branch between grid points: look closer at the largest gap(n)/n
        j = int(np.argmax(g / grid))
        lo, hi = grid[max(j - 1, 0)], grid[min(j + 1, len(grid) - 1)]
        res = minimize_scalar(lambda x: -gap(x) / x, bounds=(lo, hi), method="bounded", options={"xatol": 1e-13})
        if -res.fun <= 0:
            return 0.0
        return float(brentq(gap, float(res.x), top, xtol=1e-14))
    j = pos[-1]
    if j == len(grid) - 1:
        return float(top)
    return float(brentq(gap, grid[j], grid[j + 1], xtol=1e-14))


def dense_hebbian_rs(rho, beta=None, degree=4, *, load=0.0, protocol="supervised", examples=None,
                     tuples="distinct"):
    """Archetype overlap of the replica-symmetric retrieval state of dense Hebbian learning.

    Solves the equations in the notes above (our derivation in the setting of Agliari et al.,
    arXiv 2211.14067 and 2212.00606, in the units of :class:`DenseHebbian`):
    ``m = E tanh h``, ``q = E tanh**2 h``, ``n = m + rho mu (1 - q)``,
    ``h = mu (1 + sqrt(rho) Y) + beta sqrt(xi'(q)) Z``, ``mu = beta P (1 + rho)**(-P/2) n**(P-1)``,
    with the storage term ``xi`` of :func:`dense_hebbian_rs_crosstalk` at ``load = K/N**(P-1)``
    (``examples`` = M for the unsupervised storage term). Returns ``(m, n, q)`` on the retrieval
    branch (the largest n, the state reached from the archetype), ``(0.0, 0.0, 0.0)`` where it
    does not exist. ``beta=None`` is zero noise (q = 1).
    """
    rho, beta, degree = _rs_check(rho, beta, degree)
    ks, cs = dense_hebbian_rs_crosstalk(degree, load, protocol, rho, examples, tuples)
    if beta is None and not cs.any():
        if rho == 0:
            return 1.0, 1.0, 1.0
        return float(erf(1.0 / np.sqrt(2.0 * rho))), _rs_abs_mean(rho), 1.0
    n = _rs_largest_root(rho, beta, degree, ks, cs)
    if n == 0.0:
        return 0.0, 0.0, 0.0
    _, m, q = _rs_n_map(n, rho, beta, degree, ks, cs)
    return float(m), n, float(q)


def dense_hebbian_rs_pressure(n, rho, beta, degree=4, *, q=None, load=0.0, protocol="supervised", examples=None,
                              tuples="distinct"):
    """Replica-symmetric pressure per neuron (minus beta times the free energy)
    ``A(n, q) = E ln 2cosh h - beta (P-1) (1+rho)**(-P/2) n**P + beta**2/2 [xi(1) - xi(q) -
    (1-q) xi'(q)]``; ``q=None`` takes the stationary q at this n. Its stationary points are the
    solutions of :func:`dense_hebbian_rs`; the ergodic state (n = q = 0) has
    ``ln 2 + beta**2 xi(1) / 2``."""
    rho, beta, degree = _rs_check(rho, beta, degree)
    if beta is None:
        raise ValueError("dense_hebbian_rs_pressure needs a finite beta")
    ks, cs = dense_hebbian_rs_crosstalk(degree, load, protocol, rho, examples, tuples)
    if q is None:
        q = float(_rs_q_of_n(float(n), rho, beta, degree, ks, cs)[1])
    mu = beta * degree * (1.0 + rho) ** (-degree / 2.0) * float(n) ** (degree - 1)
    s = np.sqrt(mu * mu * rho + beta * beta * _rs_xi(q, ks, cs, 1))
    lnc = _rs_moments(mu, s, lncosh=True)[2]
    reaction = _rs_xi(1.0, ks, cs) - _rs_xi(q, ks, cs) - (1.0 - q) * _rs_xi(q, ks, cs, 1)
    return float(lnc - beta * (degree - 1) * (1.0 + rho) ** (-degree / 2.0) * float(n) ** degree
                 + 0.5 * beta * beta * reaction)


def dense_hebbian_rs_glass(beta, degree=4, *, load=0.0, protocol="supervised", rho=0.0, examples=None,
                           tuples="distinct"):
    """The states without retrieval (n = 0): ``(q, A)`` of the spin-glass solution with the
    largest q of ``q = E tanh**2(beta sqrt(xi'(q)) Z)`` (q = 0: the ergodic state), and its
    pressure. At zero load only the ergodic state, ``(0.0, ln 2)``."""
    _, beta, degree = _rs_check(rho, beta, degree)
    ks, cs = dense_hebbian_rs_crosstalk(degree, load, protocol, rho, examples, tuples)
    if beta is None:
        raise ValueError("dense_hebbian_rs_glass needs a finite beta")
    q = 1.0
    for _ in range(5000 if cs.any() else 0):
        q_new = _rs_moments(0.0, beta * np.sqrt(_rs_xi(q, ks, cs, 1)))[1]
        if abs(q_new - q) < 1e-13:
            q = q_new
            break
        q = q_new
    if not cs.any() or q < 1e-6:
        q = 0.0
    return q, dense_hebbian_rs_pressure(0.0, rho, beta, degree, q=q, load=load, protocol=protocol,
                                        examples=examples, tuples=tuples)


def _rs_retrieval(rho, beta, degree, kind, opts, quality=None):
    if quality is not None:
        opts = dict(opts, examples=max(1.0, (1.0 - quality**2) / (quality**2 * rho)))
    m, n, q = dense_hebbian_rs(rho, beta, degree, **opts)
    if n == 0.0:
        return False
    if kind == "exists":
        return True
    ks, cs = dense_hebbian_rs_crosstalk(degree, opts["load"], opts["protocol"], rho, opts["examples"],
                                        opts["tuples"])
    a_ergodic = np.log(2.0) + 0.5 * beta * beta * _rs_xi(1.0, ks, cs)
    return dense_hebbian_rs_pressure(n, rho, beta, degree, q=q, **opts) > a_ergodic


def dense_hebbian_rs_rho_c(beta, degree=4, kind="exists", *, load=0.0, protocol="supervised", examples=None,
                           quality=None, tuples="distinct", rho_max=1e3, rtol=1e-10):
    """Dataset entropy at which the replica-symmetric retrieval state is lost, at noise 1/beta
    and load ``K / N**(P-1)`` (:func:`dense_hebbian_rs`).

    ``kind="exists"``: the largest rho at which the retrieval solution exists (for P > 2 it
    appears discontinuously there, as a metastable state); ``kind="stable"``: the largest rho
    at which its pressure beats the ergodic state's ``ln 2 + beta**2 xi(1)/2`` (the
    thermodynamic transition at low load; the RS glass solution,
    :func:`dense_hebbian_rs_glass`, is not compared: replica symmetry is not reliable there).
    ``0.0`` when there is no retrieval even at rho = 0, ``inf``
    when there is retrieval up to ``rho_max`` (zero noise and zero load). At zero load and for
    the supervised protocol the line in the (r, M) plane is ``M = (1 - r**2) / (r**2 rho_c)``;
    the unsupervised storage term depends on M itself: fixed ``examples``, or at a fixed example
    quality ``quality`` = r the M = (1 - r**2)/(r**2 rho) of each rho (M >= 1). Bisection in
    ln rho to a relative precision ``rtol``.
    """
    if kind not in ("exists", "stable"):
        raise ValueError(f"kind must be 'exists' or 'stable', got {kind!r}")
    if not rtol > 0:
        raise ValueError(f"rtol must be > 0, got {rtol}")
    _, beta, degree = _rs_check(0.0, beta, degree)
    opts = dict(load=load, protocol=protocol, examples=examples, tuples=tuples)
    if quality is not None:
        r2 = float(quality) ** 2
        if not 0 < r2 < 1:
            raise ValueError(f"quality must lie in (-1, 1) without 0, got {quality}")
        rho_max = min(rho_max, (1.0 - r2) / r2)  # M >= 1
    if beta is None:
        if kind == "stable":
            raise ValueError("kind='stable' needs a finite beta")
        if not float(load) > 0:
            return float("inf")
    if not _rs_retrieval(max(1e-12, rho_max * 1e-12), beta, degree, kind, opts, quality):
        return 0.0
    if _rs_retrieval(rho_max, beta, degree, kind, opts, quality):
        return float("inf")
    lo, hi = np.log(max(1e-12, rho_max * 1e-12)), np.log(rho_max)
    while hi - lo > rtol:
        mid = 0.5 * (lo + hi)
        if _rs_retrieval(float(np.exp(mid)), beta, degree, kind, opts, quality):
            lo = mid
        else:
            hi = mid
    return float(np.exp(0.5 * (lo + hi)))


def dense_hebbian_rs_lines(betas, degree=4, *, rtol=1e-4, **opts):
    """``{"beta", "exists", "stable"}``: :func:`dense_hebbian_rs_rho_c` of both kinds at each
    beta (arrays, relative precision ``rtol``; ``opts``: load, protocol, examples, tuples), for
    drawing the phase lines in the (rho, 1/beta) plane."""
    betas = np.asarray(betas, dtype=np.float64)
    return {
        "beta": betas,
        "exists": np.array([dense_hebbian_rs_rho_c(b, degree, "exists", rtol=rtol, **opts) for b in betas]),
        "stable": np.array([dense_hebbian_rs_rho_c(b, degree, "stable", rtol=rtol, **opts) for b in betas]),
    }


def multitask_hierarchy(d, k):
    """Sorted Mattis overlaps of the hierarchical state of a diluted Hebbian network:
    ``m_j = (1 - d) d**(j-1)``, j = 1..k (each pattern fills the neurons its predecessors left
    blank; Agliari et al. 2023)."""
    d = float(d)
    return (1.0 - d) * d ** np.arange(int(k), dtype=np.float64)


def multitask_critical_dilution(k):
    """Dilution above which the hierarchical state of k diluted patterns stops being a zero-noise
    fixed point.

    A neuron aligned with pattern 1 has field ``m_1 xi_1 + sum_{j>1} m_j xi_j``; at a neuron where
    every other pattern is nonzero and opposes pattern 1 it stays aligned while
    ``m_1 > sum_{j >= 2} m_j``, i.e. ``sum_{j=1}^{k-1} d**j < 1`` (no bound for k = 2; the golden
    ratio 0.618 for k = 3; 1/2 as k grows).
    """
    k = int(k)
    if k <= 2:
        return 1.0
    return float(_brentq(lambda d: sum(d**j for j in range(1, k)) - 1.0, 1e-9, 1.0))


# --- spiking CA3


#: The Treves-Rolls prefactor the figures draw: the low end of the 0.2-0.3 that the theory gives
#: for threshold-linear units with a covariance learning rule (Treves & Rolls 1991; Rolls &
#: Treves 1998, ch. 7), a theory value, never fitted to the points it is compared with.
TREVES_ROLLS_K = 0.2
#: The range of the prefactor over the theory's variants (the figures shade it).
TREVES_ROLLS_K_RANGE = (0.2, 0.3)


def treves_rolls_capacity(C: float | np.ndarray, a: float | np.ndarray, k: float = TREVES_ROLLS_K) -> np.ndarray:
    """Treves-Rolls capacity of an autoassociative network with sparse patterns.

    ``P_max = k C / (a ln(1/a))`` patterns for ``C`` recurrent connections per cell and coding
    level ``a`` in (0, 1) (Treves & Rolls 1991, Network 2:371; Rolls & Treves 1998, "Neural
    Networks and Brain Function", ch. 7). The prefactor ``k`` is the theory's own: about
    0.2-0.3 for threshold-linear units with the covariance rule, depending on the details of
    the units and the rule; the default is :data:`TREVES_ROLLS_K` = 0.2, the low end, which the
    figures draw unfitted (the ca3_capacity figure with the 0.2-0.3 band). Example: C = 100,
    a = 0.1 gives 0.2 * 100 / (0.1 ln 10) = 86.9 patterns.
    """
    a = np.asarray(a, dtype=np.float64)
    return k * np.asarray(C, dtype=np.float64) / (a * np.log(1.0 / a))


def treves_rolls_fit(C: np.ndarray, a: np.ndarray, p_max: np.ndarray) -> float:
    """Least-squares constant ``k`` (in log space) of ``P_max = k C / (a ln(1/a))``: the geometric
    mean of ``P_max / (C / (a ln(1/a)))`` over the finite positive points. A description of
    measured capacities (the ``k`` they imply), not the theory: comparisons with the theory use
    :data:`TREVES_ROLLS_K`."""
    C, a, p_max = (np.asarray(v, dtype=np.float64) for v in (C, a, p_max))
    ok = np.isfinite(p_max) & (p_max > 0)
    if not ok.any():
        return float("nan")
    return float(np.exp(np.mean(np.log(p_max[ok]) - np.log(treves_rolls_capacity(C[ok], a[ok], 1.0)))))


# --- associative recall: linear attention (Hebbian outer product)


def linear_attention_bit_error(n_pairs, key_dim):
    """Probability that a +/-1 value entry read by linear attention has the wrong sign.

    With P pairs of random +/-1 keys scaled to unit norm and +/-1 values, the read at a
    stored key is ``v_match + sum_{mu != match} (k_mu . q) v_mu``: signal 1 per entry and
    crosstalk of variance ``(P - 1) / d`` (each ``k_mu . q`` has variance 1/d). In the Gaussian
    (central-limit) approximation the entry is wrong with probability
    ``Phi(-sqrt(d / (P - 1)))``: 0.16 at P = d, so linear attention holds of order d pairs
    (the signal-to-noise argument of Hopfield-network capacity; Amit, Gutfreund & Sompolinsky
    1985). Exact 0 for a single pair.
    """
    p = np.asarray(n_pairs, dtype=np.float64)
    d = np.asarray(key_dim, dtype=np.float64)
    with np.errstate(divide="ignore"):
        snr = np.sqrt(d / np.maximum(p - 1.0, 0.0))
    return 0.5 * (1.0 + erf(-snr / np.sqrt(2.0)))


def linear_attention_cosine(load, cue_overlap=1.0, *, auto=True):
    """Cosine of a linear-attention read with its target, in the limit of large n.

    P = load n + 1 pairs of random Gaussian keys (unit-normalised) are written with
    ``S = sum_t v_t k_t^T``; the query has cosine ``cue_overlap`` = c with the target's key
    (and is otherwise random). Hetero-association (values independent of the keys): the read
    ``c v + eta`` carries crosstalk of squared norm ``load |v|^2``, so the cosine is
    ``c / sqrt(c^2 + load)``. Auto-association (each value is its key, as the measurement
    drivers store items): the crosstalk ``sum_t (k_t . q) x_t`` also leans toward the target,
    since ``E[(k_t . q)(x_t . x)] = c`` per pair, and its squared norm gains the terms
    ``(k_t . q)(k_u . q)(x_t . x_u)`` between pairs, giving
    ``c (1 + load) / sqrt(c^2 (1 + 2 load) + load + load^2)``.
    """
    a = np.asarray(load, dtype=np.float64)
    c = np.asarray(cue_overlap, dtype=np.float64)
    if auto:
        return c * (1.0 + a) / np.sqrt(c * c * (1.0 + 2.0 * a) + a + a * a)
    return c / np.sqrt(c * c + a)


def linear_attention_critical_load(threshold=0.9, cue_overlap=1.0, *, auto=True):
    """The load (P - 1) / n where :func:`linear_attention_cosine` falls to ``threshold``
    (inf if it never does): the capacity of linear attention at large n when an item counts
    as retrieved at cosine >= threshold. Auto-associatively the write tends to a multiple of
    the identity as the load grows, so the read tends to the cue and the cosine to
    ``cue_overlap``: a cue at or above the threshold is never lost."""
    from scipy.optimize import brentq

    if (cue_overlap if auto else 0.0) >= threshold:
        return float("inf")
    return float(brentq(lambda a: float(linear_attention_cosine(a, cue_overlap, auto=auto)) - threshold, 0.0, 1e6))


# --- interference in sparse codes: keys sharing active bits
#
# Willshaw hetero-association (notation of the sparse section: M pairs, keys k of m active,
# values l of n active, classic threshold) where every stored key contains the same s "core"
# units plus k - s private units drawn uniformly from the other m - s (so any two keys share
# the s core bits, plus the chance overlap of their private parts).


def willshaw_shared_false_positive(M, k, l, m, n, shared, *, exact=True):
    """Probability that a silent output unit fires when the cue is a full stored key and every
    stored key shares ``shared`` = s active core bits (classic threshold, no dilution).

    Derivation. Let r be the number of the other M - 1 values in which silent unit j is
    active, r ~ Binomial(M - 1, l / n). The synapse from a core unit to j is set iff r >= 1:
    the s core inputs act as one block, all set or all unset, and carry no information about
    which key was cued. The synapse from a private cue unit i to j is set iff one of those r
    keys has i among its private units, a key covering each private unit with probability
    (k - s)/(m - s). The unit fires iff r >= 1 and all k - s private inputs are covered, so

        p_fp(s) = sum_{r >= 1} Binom(r; M - 1, l/n) P(k - s private units covered by r keys),

    which is the no-sharing false-positive rate of a memory with keys of k - s active units out
    of m - s: the shared bits shorten the effective cue from k to k - s. ``exact=True`` counts
    the coverage exactly (the Markov chain of :func:`willshaw_false_positive_exact` with
    k - s of m - s; it accounts for the spread of row loads). ``exact=False`` is the
    independence (signal-to-noise) estimate ``q p1'**(k - s)`` with ``q = 1 - (1 - l/n)**(M-1)``
    the probability that the core block is set and ``p1' = 1 - (1 - (k - s) l / ((m - s) n))**(M-1)``
    the fill of the private rows; at s = 0 both reduce to the usual ``p1**k`` form (up to the
    spread of row loads). In signal-to-noise terms the dendritic sum of a silent unit is
    ``s [r >= 1] + (covered private inputs)`` against the signal k of the stored value's units:
    only the k - s private inputs separate signal from noise, so each shared bit multiplies the
    error rate by about ``1 / p1``. Requires 0 <= s < k.
    """
    k, l, m, n, s = int(k), int(l), int(m), int(n), int(shared)
    if not 0 <= s < k:
        raise ValueError(f"shared must be an integer in [0, k) = [0, {k}), got {shared!r}")
    if exact:
        return willshaw_false_positive_exact(int(M), k - s, l, m - s, n, c=k - s)
    M = np.asarray(M, dtype=np.float64)
    q = -np.expm1((M - 1.0) * np.log1p(-l / n))
    p1 = -np.expm1((M - 1.0) * np.log1p(-(k - s) * l / ((m - s) * float(n))))
    return q * p1 ** (k - s)


# --------------------------------------------------------------------------- interference


def hebbian_crosstalk_prediction(n: int, p: int, children: int, c: float) -> dict:
    """Leading-order crosstalk of the Hebbian rule for hierarchical patterns.

    ``parents`` ancestors with ``children`` descendants each, a child agreeing with its parent
    on each entry with probability (1 + c)/2. For a stored item the crosstalk from its s - 1
    siblings is c^2 u_i S_i to leading order (u_i the child's agreement with its parent,
    S_i the siblings' summed agreement) plus Gaussian noise of variance
    ((P - s) + (s - 1)(1 - c^4))/n from the rest (the signal-to-noise split of Amit,
    Gutfreund & Sompolinsky 1987, Phys. Rev. A 35:2293). Returns the crosstalk ``mean`` and
    ``var``, the fraction of unstable bits ``error`` and the uncorrelated
    ``error_random`` = Phi(-sqrt(n / (P - 1))).
    """
    s = children
    sigma2 = ((p - s) + (s - 1) * (1 - c**4)) / n
    sigma = np.sqrt(max(sigma2, 1e-300))
    k = np.arange(s)  # siblings agreeing with the parent
    ps = _binom.pmf(k, s - 1, (1 + c) / 2) if s > 1 else np.ones(1)
    sib = 2 * k - (s - 1)  # S = sum over siblings of their agreement with the parent
    pu = (1 + c) / 2
    xs = np.r_[sib, -sib]
    px = np.r_[pu * ps, (1 - pu) * ps]
    err = float((px * _norm.cdf(-(1 + c * c * xs) / sigma)).sum())
    mean = float((px * c * c * xs).sum())
    var = float((px * (c * c * xs) ** 2).sum() - mean**2 + sigma2)
    return {"mean": mean, "var": var, "error": err, "error_random": float(_norm.cdf(-np.sqrt(n / max(p - 1, 1))))}


def _binary_entropy(p):
    from .metrics import binary_entropy

    return binary_entropy(p)


def ags_information_capacity() -> float:
    """Largest information per coupling of the Hebbian network on the AGS retrieval branch:
    max over alpha <= alpha_c of alpha (1 - H((1 - m(alpha)) / 2)) bits (n (n - 1) couplings,
    n alpha patterns of n bits, each bit retrieved with error (1 - m) / 2)."""
    alphas = np.linspace(0.01, ags_alpha_c() - 1e-6, 200)
    m = ags_overlap(alphas)
    return float(np.max(alphas * (1.0 - _binary_entropy((1.0 - m) / 2.0))))
