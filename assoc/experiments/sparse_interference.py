"""Interference in sparse codes: Willshaw retrieval errors against the active bits that stored
keys share.

``willshaw_shared`` stores ``pairs`` hetero-associations in a :class:`~assoc.memories.willshaw.Willshaw`
memory (classic threshold). Every key has ``k`` of ``m`` units active: the same ``shared``
core units in every key plus ``k - shared`` private units drawn uniformly from the other
``m - shared``; values have ``l`` of ``n`` active units, drawn independently. Cueing with a full
stored key, an output unit of the value always fires (no misses without dilution), and a
silent unit fires when every cue input reaches it through a set synapse.

The core inputs to a silent unit are all set as soon as the unit is active in one other
value: they add the same block to every dendritic sum and cannot tell the cued pair from the
others, so only the ``k - shared`` private inputs separate signal from noise. The
false-positive rate is that of a memory with keys of ``k - shared`` of ``m - shared`` units
(:func:`assoc.theory.willshaw_shared_false_positive`, exact coverage and independence
estimate). At a fixed number of pairs two effects compete: the shorter effective cue raises
the error rate, the private rows filling more slowly lowers it; with many shared bits the
first wins and errors rise steeply towards ``1 - (1 - l/n)**(pairs - 1)`` (every silent unit
that belongs to another value fires).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .. import theory
from ..params import Param
from ..registry import _BACKEND
from . import driver


def shared_keys(pairs: int, m: int, k: int, shared: int, rng: np.random.Generator) -> np.ndarray:
    """``(pairs, m)`` {0,1} keys with ``shared`` active units in common.

    Units ``0 .. shared - 1`` are active in every key, plus ``k - shared`` private units per
    key drawn uniformly (without replacement) from units ``shared .. m - 1``."""
    out = np.zeros((pairs, m), dtype=np.int8)
    out[:, :shared] = 1
    if k > shared:
        idx = np.argsort(rng.random((pairs, m - shared)), axis=1)[:, : k - shared] + shared
        np.put_along_axis(out, idx, 1, axis=1)
    return out


@driver(
    "willshaw_shared",
    params=(
        Param("m", "int", 1024, "key units", low=2),
        Param("n", "int", 1024, "value units", low=2),
        Param("k", "int", 8, "active units per key", low=1),
        Param("l", "int", 8, "active units per value", low=1),
        Param("pairs", "int", 4000, "stored key-value pairs", low=2),
        Param("shared", "int", 0, "core units active in every key (0 <= shared < k)", low=0),
        Param("probes", "int", 200, "stored keys used as cues", low=1),
        replace(_BACKEND, default="numba"),
    ),
    columns=("fp_rate", "fp_theory", "fp_theory_indep", "fp_uncorrelated", "miss_rate", "perfect", "p1",
             "key_overlap"),
)
def willshaw_shared(params: dict, seed: np.random.SeedSequence) -> dict:
    """False positives of Willshaw retrieval when all stored keys share ``shared`` active bits.

    Parameters (``params``): ``m`` key units, ``n`` value units, ``k`` / ``l`` active units per
    key / value, ``pairs`` stored pairs, ``shared`` core bits common to every key
    (0 <= shared < k), ``probes`` stored keys used as cues.

    Returns ``fp_rate`` (fraction of silent output units that fire, over the probes),
    ``fp_theory`` (exact coverage) and ``fp_theory_indep`` (independence estimate),
    ``fp_uncorrelated`` (the exact rate of the same memory with independent random keys),
    ``miss_rate``, ``perfect`` (fraction of probes retrieved without any error),
    ``p1`` (fraction of set synapses) and ``key_overlap`` (mean number of active bits two
    stored keys share, measured).
    """
    m, n, k, pairs, shared, probes = (params[key] for key in ("m", "n", "k", "pairs", "shared", "probes"))
    l = params["l"]  # noqa: E741 (the literature's name)
    for name, value, high in (("k", k, m), ("l", l, n), ("shared", shared, k - 1)):
        if value > high:
            raise ValueError(f"{name} must be <= {high}, got {value}")
    from ..memories.willshaw import Willshaw
    from ..patterns import sparse_binary

    rng = np.random.default_rng(seed)
    keys = shared_keys(pairs, m, k, shared, rng)
    values = sparse_binary(pairs, n, k=l, rng=rng)
    mem = Willshaw(m, n, threshold="classic", backend=params["backend"], seed=int(rng.integers(2**63)))
    mem.store(keys, values)
    which = rng.choice(pairs, size=min(probes, pairs), replace=False)
    out = mem.recall(keys[which])
    st = np.asarray(mem.backend.to_numpy(out.states)).astype(bool)
    y = values[which].astype(bool)
    fp = (st & ~y).sum() / (~y).sum()
    miss = (~st & y).sum() / y.sum()
    perfect = (st == y).all(axis=1).mean()
    kk = keys[which[: min(50, len(which))]].astype(np.float64)
    gram = kk @ kk.T
    key_overlap = (gram.sum() - np.trace(gram)) / max(1, len(kk) * (len(kk) - 1))
    return {
        "fp_rate": float(fp),
        "fp_theory": float(theory.willshaw_shared_false_positive(pairs, k, l, m, n, shared)),
        "fp_theory_indep": float(theory.willshaw_shared_false_positive(pairs, k, l, m, n, shared, exact=False)),
        "fp_uncorrelated": float(theory.willshaw_false_positive_exact(pairs, k, l, m, n)),
        "miss_rate": float(miss),
        "perfect": float(perfect),
        "p1": float(mem.weights().mean()),
        "key_overlap": float(key_overlap),
    }
