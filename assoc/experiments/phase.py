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

from ..params import Param
from ..registry import get_family
from . import driver

PM1 = ("hopfield", "dense")


@driver(
    "ags_phase",
    params=(
        Param("family", "choice", "hopfield", "+/-1 memory family", choices=PM1),
        Param("n", "int", 1000, "neurons", low=8),
        Param("alpha", "float", 0.05, "load in the family's natural scale", low=0, low_open=True),
        Param("temperature", "float", 0.5, "Glauber temperature T (0: deterministic asynchronous)", low=0),
        Param("probes", "int", 20, "stored patterns used as starting states", low=1),
        Param("burn", "int", 40, "Glauber sweeps before measuring", low=1),
        Param("measure", "int", 20, "sweeps over which the overlap is averaged", low=1),
    ),
    family_params=True,
    columns=("patterns", "m_mean", "m_std", "m_abs", "retrieved", "q_mean"),
)
def ags_phase(params: dict, seed: np.random.SeedSequence) -> dict:
    """Time-averaged overlap with a stored pattern at (alpha, T).

    Returns ``patterns``, ``m_mean`` (mean over probes of the time-averaged overlap),
    ``m_std``, ``m_abs`` (mean |overlap|), ``retrieved`` (fraction of probes with
    time-averaged overlap above 0.5) and ``q_mean`` (time-averaged self-overlap of the
    state, an Edwards-Anderson estimate: the mean over sites of the squared time-averaged spin).
    """
    fam = get_family(params["family"])
    own = {k: v for k, v in params.items() if k in fam.params}
    n, temperature = params["n"], params["temperature"]
    p = fam.pattern_count(params["alpha"], n, own)
    rng = np.random.default_rng(seed)
    xi = fam.patterns(p, n, 0.5, rng)
    glauber = temperature > 0
    own.update(dynamics="glauber" if glauber else "async", temperature=temperature,
               max_steps=params["burn"] if glauber else 200)
    mem = fam.build(n, own, seed=int(rng.integers(2**31)))
    fam.store(mem, xi, params=own)
    which = rng.choice(p, size=min(params["probes"], p), replace=False)
    target = xi[which].astype(np.float64)
    out = mem.recall(xi[which])
    state = np.asarray(mem.backend.to_numpy(out.states))
    measure = params["measure"]
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
        "patterns": p,
        "m_mean": float(m.mean()),
        "m_std": float(m.std()),
        "m_abs": float(np.abs(m).mean()),
        "retrieved": float((m > 0.5).mean()),
        "q_mean": float(q.mean()),
    }
