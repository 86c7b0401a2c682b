"""Phase diagrams: retrieval at load alpha and temperature T under Glauber dynamics.

One trial stores P patterns, starts the network in (up to ``probes``) stored patterns and runs
``burn`` Glauber sweeps at temperature T, then averages the overlap with the started pattern
over ``measure`` further sweeps. A retrieval state that exists at (alpha, T) keeps the
overlap high; above the Amit-Gutfreund-Sompolinsky line T_M(alpha) it is lost
(:func:`assoc.theory.ags_T_M`). T = 0 runs the asynchronous deterministic dynamics to a fixed
point instead. Works for the +/-1 families (``hopfield``, ``dense``).
"""

from __future__ import annotations

import numpy as np

from ..memory import check_float, check_int
from ..patterns import random_pm1
from . import driver
from .families import PM1_FAMILIES, build_pm1, check_family, pattern_count


@driver(
    "ags_phase",
    defaults={
        "family": "hopfield",
        "n": 1000,
        "alpha": 0.05,
        "temperature": 0.5,
        "rule": "hebbian",
        "degree": 3,
        "energy": "polynomial",
        "probes": 20,
        "burn": 40,
        "measure": 20,
        "backend": "numba",
    },
)
def ags_phase(params: dict, seed: np.random.SeedSequence) -> dict:
    """Time-averaged overlap with a stored pattern at (alpha, T).

    Returns ``p``, ``m_mean`` (mean over probes of the time-averaged overlap), ``m_std``,
    ``m_abs`` (mean |overlap|), ``retrieved`` (fraction of probes with time-averaged overlap
    above 0.5) and ``q_mean`` (time-averaged self-overlap of the state, an Edwards-Anderson
    estimate: the mean over sites of the squared time-averaged spin).
    """
    family = check_family("phase-diagram", params["family"], PM1_FAMILIES)
    n = check_int("n", params["n"], low=8)
    temperature = check_float("temperature", params["temperature"], low=0)
    probes = check_int("probes", params["probes"], low=1)
    burn = check_int("burn", params["burn"], low=1)
    measure = check_int("measure", params["measure"], low=1)
    p = pattern_count(family, params["alpha"], n, params["degree"])
    rng = np.random.default_rng(seed)
    xi = random_pm1(p, n, rng)
    glauber = temperature > 0
    mem = build_pm1(family, n, params, int(rng.integers(2**63)), dynamics="glauber" if glauber else "async",
                    temperature=temperature, max_steps=burn if glauber else 200)
    mem.store(xi)
    which = rng.choice(p, size=min(probes, p), replace=False)
    target = xi[which].astype(np.float64)
    out = mem.recall(xi[which])
    state = np.asarray(mem.backend.to_numpy(out.states))
    if glauber:
        acc_m = np.zeros(len(which))
        acc_s = np.zeros(state.shape)
        for _ in range(measure):
            state = np.asarray(mem.backend.to_numpy(mem.recall(state, max_steps=1).states))
            acc_m += (state * target).sum(axis=1) / n
            acc_s += state
        m = acc_m / measure
        q = ((acc_s / measure) ** 2).mean(axis=1)
    else:
        m = (state * target).sum(axis=1) / n
        q = np.ones(len(which))
    return {
        "p": p,
        "m_mean": float(m.mean()),
        "m_std": float(m.std()),
        "m_abs": float(np.abs(m).mean()),
        "retrieved": float((m > 0.5).mean()),
        "q_mean": float(q.mean()),
    }
