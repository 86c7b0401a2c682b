"""Interference between correlated memories: crosstalk against its signal-to-noise prediction.

Patterns are hierarchical (:func:`assoc.patterns.correlated`): ``parents`` random ancestors
with ``children`` descendants each, a child agreeing with its parent on each entry with
probability (1 + c)/2, so siblings overlap by c^2 on average. All P = alpha n children are
stored. For a stored pattern xi^mu the local field at the pattern splits into signal and
crosstalk, ``xi_i^mu h_i = (n - 1)/n + C_i``. For the Hebbian rule the crosstalk from the
s - 1 siblings is c^2 u_i S_i to leading order, with u_i = xi_i^mu A_i the child's agreement
with its parent A and S_i = sum_siblings xi_i^nu A_i, plus Gaussian noise of variance
((P - s) + (s - 1)(1 - c^4))/n from everything else (Amit, Gutfreund & Sompolinsky 1987,
Phys. Rev. A 35:2293 treat the same signal-to-noise split for correlated patterns). The
predicted fraction of unstable bits is then

    sum_x P(u S = x) Phi(-(1 + c^2 x) / sigma),

to compare with the measured fraction and with the uncorrelated prediction
Phi(-sqrt(n / P)). The dynamics are also run from each stored pattern: the final overlap
with the child (retrieval quality) and with its parent (the pull toward the ancestor).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import binom, norm

from ..memory import check_float, check_int
from ..patterns import correlated
from . import driver
from .families import check_family


def hebbian_crosstalk_prediction(n: int, p: int, children: int, c: float) -> dict:
    """Leading-order crosstalk mean, variance and bit-error rate for hierarchical patterns."""
    s = children
    sigma2 = ((p - s) + (s - 1) * (1 - c**4)) / n
    sigma = np.sqrt(max(sigma2, 1e-300))
    k = np.arange(s)  # siblings agreeing with the parent
    ps = binom.pmf(k, s - 1, (1 + c) / 2) if s > 1 else np.ones(1)
    sib = 2 * k - (s - 1)  # S = sum over siblings of their agreement with the parent
    pu = (1 + c) / 2
    xs = np.r_[sib, -sib]
    px = np.r_[pu * ps, (1 - pu) * ps]
    err = float((px * norm.cdf(-(1 + c * c * xs) / sigma)).sum())
    mean = float((px * c * c * xs).sum())
    var = float((px * (c * c * xs) ** 2).sum() - mean**2 + sigma2)
    return {"mean": mean, "var": var, "error": err, "error_random": float(norm.cdf(-np.sqrt(n / max(p - 1, 1))))}


@driver(
    "interference",
    defaults={
        "family": "hopfield",
        "n": 1000,
        "alpha": 0.05,
        "children": 5,
        "c": 0.3,
        "rule": "hebbian",
        "probes": 30,
        "max_steps": 50,
        "backend": "numba",
    },
)
def interference(params: dict, seed: np.random.SeedSequence) -> dict:
    """Measured and predicted crosstalk for ``alpha n`` hierarchical patterns of correlation c.

    Returns ``p``, ``crosstalk_mean`` / ``crosstalk_var`` (measured over all neurons of the
    probed patterns) with ``pred_mean`` / ``pred_var`` (Hebbian theory), ``bit_error``
    (fraction of unstable bits of stored patterns) with ``pred_error`` and
    ``pred_error_random`` (uncorrelated patterns), ``m_child`` (final overlap with the cued
    child), ``m_parent`` (final overlap with its parent), ``retrieved_09``.
    """
    from ..hopfield import Hopfield

    check_family("interference", params["family"], ("hopfield",))
    n = check_int("n", params["n"], low=8)
    s = check_int("children", params["children"], low=1)
    c = check_float("c", params["c"], low=0, high=1)
    probes = check_int("probes", params["probes"], low=1)
    alpha = check_float("alpha", params["alpha"], low=0, low_open=True)
    parents = max(1, int(round(alpha * n / s)))
    rng = np.random.default_rng(seed)
    xi, anc = correlated(parents, s, n, c, rng)
    p = len(xi)
    mem = Hopfield(n, params["rule"], "async", max_steps=params["max_steps"], representation="weights"
                   if params["rule"] == "hebbian" else "auto", backend=params["backend"],
                   seed=int(rng.integers(2**63)))
    mem.store(xi)
    w = mem.weights()
    which = rng.choice(p, size=min(probes, p), replace=False)
    x = xi[which].astype(np.float64)
    aligned = x * (x @ w)
    diag_free = aligned - (n - 1) / n if params["rule"] == "hebbian" else aligned - aligned.mean()
    out = mem.recall(xi[which])
    st = np.asarray(mem.backend.to_numpy(out.states)).astype(np.float64)
    m_child = (st * x).sum(axis=1) / n
    m_parent = (st * anc[which // s]).sum(axis=1) / n
    pred = hebbian_crosstalk_prediction(n, p, s, c)
    return {
        "p": p,
        "crosstalk_mean": float(diag_free.mean()),
        "crosstalk_var": float(diag_free.var()),
        "pred_mean": pred["mean"],
        "pred_var": pred["var"],
        "bit_error": float((aligned <= 0).mean()),
        "pred_error": pred["error"],
        "pred_error_random": pred["error_random"],
        "m_child": float(m_child.mean()),
        "m_parent": float(m_parent.mean()),
        "retrieved_09": float((m_child > 0.9).mean()),
    }
