"""Retrieval from fragments and noisy cues: the basin of attraction as a map over cue quality
and load, and the critical load of one disorder sample for finite-size extrapolation.

``fragments``: a cue of quality ``quality`` (its initial overlap m0 with the stored pattern)
is built in one of three ways: ``cue="erase"`` keeps a fraction m0 of the entries and sets
the rest to 0 (unknown); ``"random"`` keeps m0 of them and draws the rest at random;
``"flip"`` flips a fraction (1 - m0)/2. The final overlap after the dynamics, swept over
quality and load, maps the basin of attraction (Amit 1989, ch. 4; Forrest 1988,
J. Phys. A 21:245 for the basins of the Hebbian network).

Families: ``hopfield`` and ``dense`` (+/-1, load P = alpha n or alpha n^(d-1)) and
``willshaw`` (sparse {0,1} keys with ``k`` active units, P = alpha n patterns; the cue keeps
a fraction ``quality`` of the active units, and ``random`` replaces the rest by random units;
``flip`` does not apply).

``critical_load``: one disorder sample (one trial) stores patterns incrementally and finds
the load where the fraction retrieved (m > 0.9 from the stored pattern itself) falls through
1/2; averaged over trials it gives alpha_c(n) with an error bar from the disorder average.
"""

from __future__ import annotations

import numpy as np

from ..memory import check_choice, check_float, check_int
from ..metrics import crossing
from ..patterns import flip, fragment, random_pm1, sparse_binary
from . import driver
from .families import PM1_FAMILIES, build_pm1, check_family, pattern_count

CUES = ("erase", "random", "flip")


def corrupt(xi: np.ndarray, quality: float, cue: str, rng: np.random.Generator) -> np.ndarray:
    """Cues of initial overlap ``quality`` with the +/-1 patterns ``xi`` (see module docstring)."""
    cue = check_choice("cue", cue, CUES)
    quality = check_float("quality", quality, low=0, high=1)
    if cue == "flip":
        return flip(xi, (1.0 - quality) / 2.0, rng)
    return fragment(xi, quality, rng, rest=cue)


@driver(
    "fragments",
    defaults={
        "family": "hopfield",
        "n": 1000,
        "alpha": 0.05,
        "quality": 0.5,
        "cue": "erase",
        "rule": "hebbian",
        "degree": 3,
        "energy": "polynomial",
        "k": 20,
        "probes": 30,
        "max_steps": 50,
        "backend": "numba",
    },
)
def fragments(params: dict, seed: np.random.SeedSequence) -> dict:
    """Final overlap from a cue of given quality at a given load.

    Returns ``p``, ``m0`` (measured initial overlap of the cues), ``m_mean``, ``m_std``,
    ``retrieved_09`` (fraction with final overlap > 0.9) and ``gain`` (m_mean - m0).
    """
    family = check_family("fragments", params["family"], PM1_FAMILIES + ("willshaw",))
    n = check_int("n", params["n"], low=8)
    probes = check_int("probes", params["probes"], low=1)
    quality = check_float("quality", params["quality"], low=0, high=1)
    cue_kind = check_choice("cue", params["cue"], CUES)
    rng = np.random.default_rng(seed)
    if family == "willshaw":
        return _fragments_willshaw(params, n, quality, cue_kind, probes, rng)
    p = pattern_count(family, params["alpha"], n, params["degree"])
    xi = random_pm1(p, n, rng)
    mem = build_pm1(family, n, params, int(rng.integers(2**63)))
    mem.store(xi)
    which = rng.choice(p, size=min(probes, p), replace=False)
    cues = corrupt(xi[which], quality, cue_kind, rng)
    out = mem.recall(cues)
    states = np.asarray(mem.backend.to_numpy(out.states)).astype(np.float64)
    target = xi[which].astype(np.float64)
    m = (states * target).sum(axis=1) / n
    m0 = (cues * target).sum(axis=1) / n
    return {"p": p, "m0": float(m0.mean()), "m_mean": float(m.mean()), "m_std": float(m.std()),
            "retrieved_09": float((m > 0.9).mean()), "gain": float(m.mean() - m0.mean())}


def _fragments_willshaw(params, n, quality, cue_kind, probes, rng) -> dict:
    from ..sdr import Willshaw

    if cue_kind == "flip":
        raise ValueError("cue='flip' does not apply to family 'willshaw'; use 'erase' or 'random'")
    k = check_int("k", params["k"], low=2, high=n)
    p = pattern_count("willshaw", params["alpha"], n)
    xi = sparse_binary(p, n, rng=rng, k=k)
    backend = "numpy" if params["backend"] == "cupy" else params["backend"]
    mem = Willshaw(n, threshold="kwta", winners=k, backend=backend, seed=int(rng.integers(2**63)))
    mem.store(xi)
    which = rng.choice(p, size=min(probes, p), replace=False)
    target = xi[which]
    keep = max(1, int(round(quality * k)))
    cues = np.zeros_like(target)
    for row, x in enumerate(target):
        on = np.flatnonzero(x)
        cues[row, rng.choice(on, size=keep, replace=False)] = 1
        if cue_kind == "random" and keep < k:
            off = np.flatnonzero(cues[row] == 0)
            cues[row, rng.choice(off, size=k - keep, replace=False)] = 1
    states = np.asarray(mem.recall(cues).states).astype(np.float64)
    t = target.astype(np.float64)
    m = (states * t).sum(axis=1) / np.sqrt(np.maximum(states.sum(axis=1), 1) * t.sum(axis=1))
    m0 = (cues * t).sum(axis=1) / np.sqrt(np.maximum(cues.sum(axis=1), 1) * t.sum(axis=1))
    return {"p": p, "m0": float(m0.mean()), "m_mean": float(m.mean()), "m_std": float(m.std()),
            "retrieved_09": float((m > 0.9).mean()), "gain": float(m.mean() - m0.mean())}


@driver(
    "critical_load",
    defaults={
        "family": "hopfield",
        "n": 1000,
        "rule": "hebbian",
        "degree": 3,
        "energy": "polynomial",
        "alpha_min": 0.08,
        "alpha_max": 0.26,
        "points": 19,
        "probes": 40,
        "threshold": 0.9,
        "max_steps": 100,
        "backend": "numba",
    },
)
def critical_load(params: dict, seed: np.random.SeedSequence) -> dict:
    """Critical load of one disorder sample: where the fraction retrieved crosses 1/2.

    Patterns are added (online storage) through ``points`` loads from ``alpha_min`` to
    ``alpha_max``; at each load ``probes`` stored patterns are used as cues and the fraction
    ending with overlap above ``threshold`` is recorded. Returns ``alpha_c`` (linear
    interpolation of the crossing; ``alpha_max`` if it is never crossed, ``alpha_min`` if
    retrieval already fails at ``alpha_min``), ``censored`` (1 in either case) and the
    fraction retrieved at the first and last load.
    """
    family = check_family("critical-load", params["family"], PM1_FAMILIES)
    n = check_int("n", params["n"], low=8)
    points = check_int("points", params["points"], low=2)
    probes = check_int("probes", params["probes"], low=1)
    threshold = check_float("threshold", params["threshold"], low=-1, high=1)
    lo = check_float("alpha_min", params["alpha_min"], low=0, low_open=True)
    hi = check_float("alpha_max", params["alpha_max"], low=lo, low_open=True)
    rng = np.random.default_rng(seed)
    if family == "hopfield" and params["rule"] == "pseudo_inverse" and hi >= 1:
        raise ValueError(f"alpha_max must be < 1 for the pseudo-inverse rule, got {hi}")
    loads = np.linspace(lo, hi, points)
    counts = [pattern_count(family, a, n, params["degree"]) for a in loads]
    xi = random_pm1(counts[-1], n, rng)
    mem = build_pm1(family, n, params, int(rng.integers(2**63)))
    have = 0
    frac = []
    for c in counts:
        if c > have:
            mem.store(xi[have:c])
            have = c
        which = rng.choice(c, size=min(probes, c), replace=False)
        out = mem.recall(xi[which])
        st = np.asarray(mem.backend.to_numpy(out.states)).astype(np.float64)
        m = (st * xi[which]).sum(axis=1) / n
        frac.append(float((m > threshold).mean()))
    frac = np.asarray(frac)
    a_c = crossing(loads, frac, 0.5)
    censored = 0
    if not np.isfinite(a_c):
        censored = 1
        a_c = hi if frac[-1] >= 0.5 else lo
    return {"alpha_c": float(a_c), "censored": censored, "frac_first": float(frac[0]), "frac_last": float(frac[-1])}
