"""Capacity of the classical Hopfield network: retrieval quality against the load alpha = P/n.

One trial draws P = round(alpha * n) random +/-1 patterns, stores them, cues the network with
(up to ``probes``) stored patterns corrupted by ``cue_flip`` flipped bits, runs the dynamics
and measures the Mattis overlap of the final state with the cued pattern.
"""

from __future__ import annotations

import numpy as np

from ..hopfield import Hopfield
from ..memory import check_float, check_int
from ..patterns import flip, random_pm1
from . import driver


@driver(
    "capacity",
    defaults={
        "n": 1000,
        "alpha": 0.1,
        "rule": "hebbian",
        "dynamics": "async",
        "temperature": 0.0,
        "cue_flip": 0.0,
        "probes": 50,
        "max_steps": 100,
        "diagonal": True,
        "bound": 0.3,
        "backend": "numba",
    },
)
def capacity(params: dict, seed: np.random.SeedSequence) -> dict:
    """Final overlap statistics of a Hopfield network at load ``alpha``.

    Returns ``p`` (patterns stored), ``m_mean``, ``m_std`` (over probed patterns),
    ``retrieved_09`` / ``retrieved_099`` (fraction with m > 0.9 / m > 0.99),
    ``fixed_frac`` (fraction of cues ending in a fixed point) and ``steps_mean``.
    """
    n = check_int("n", params["n"], low=1)
    alpha = check_float("alpha", params["alpha"], low=0, low_open=True)
    probes = check_int("probes", params["probes"], low=1)
    p = max(1, int(round(alpha * n)))
    rng = np.random.default_rng(seed)
    xi = random_pm1(p, n, rng)
    mem = Hopfield(
        n,
        params["rule"],
        params["dynamics"],
        temperature=params["temperature"],
        max_steps=params["max_steps"],
        diagonal=params["diagonal"],
        bound=params["bound"],
        backend=params["backend"],
        seed=int(rng.integers(2**63)),
    )
    mem.store(xi)
    which = rng.choice(p, size=min(probes, p), replace=False)
    cues = flip(xi[which], params["cue_flip"], rng)
    out = mem.recall(cues)
    states = mem.backend.to_numpy(out.states).astype(np.float64)
    m = (states * xi[which]).sum(axis=1) / n
    return {
        "p": p,
        "m_mean": float(m.mean()),
        "m_std": float(m.std()),
        "retrieved_09": float((m > 0.9).mean()),
        "retrieved_099": float((m > 0.99).mean()),
        "fixed_frac": float(np.mean(out.converged)),
        "steps_mean": float(np.mean(out.steps)),
    }
