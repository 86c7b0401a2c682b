"""Drivers for the spiking CA3 memories (Brian2).

- ``cam_experiment``: one of the published CAM experiments: its spikes, population by
  population, and their counts (the raster figure draws the spikes from the table).
- ``cam_recall``: random memories stored in a :class:`~assoc.memories.spiking.cam.CA3CAM`, recalled by
  cue and by single-bit fragments; exactness against the operation spacing and density.
- ``ca3_completion``, ``ca3_capacity``, ``ca3_forgetting``: the scalable
  :class:`~assoc.memories.spiking.ca3.CA3Network`. Its ``target`` parameter picks the Brian2 target:
  ``"standalone"`` (the ``models/ca3-network.toml`` preset) compiles one C++ program per
  (n, p, dt) into a cache folder and every point, trial and worker process reuses it with
  run-time arguments; ``"numpy"``, ``"cython"`` and ``"auto"`` use the runtime mode. All give
  the same spikes, hence the same metrics.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np

from ..params import Param
from ..registry import get_family
from . import driver


def spike_column_text(spikes: dict[int, list[int]]) -> str:
    """One spike-table column ``{ms: [neuron indices]}`` as a compact JSON string (a store
    value); :func:`spike_column_from_text` reads it back."""
    return json.dumps({str(int(t)): [int(i) for i in idx] for t, idx in sorted(spikes.items())},
                      separators=(",", ":"))


def spike_column_from_text(text: str) -> dict[int, list[int]]:
    """The ``{ms: [neuron indices]}`` column written by :func:`spike_column_text`."""
    if not isinstance(text, str):
        raise ValueError(f"a spike column must be the JSON text of {{ms: [neuron indices]}}, got {text!r}")
    try:
        data = json.loads(text)
        return {int(t): [int(i) for i in idx] for t, idx in data.items()}
    except (ValueError, TypeError, AttributeError):
        raise ValueError(f"a spike column must be the JSON text of {{ms: [neuron indices]}}, "
                         f"got {text[:80]!r}") from None


def _experiments() -> tuple:
    from ..memories.spiking.cam import EXPERIMENTS

    return tuple(sorted(EXPERIMENTS))


@driver("cam_experiment",
        params=(Param("experiment", "choice", "exp1_learn_recall_forget", "published CAM experiment",
                      choices=_experiments),),
        columns=("spikes_<population>", "raster_<population>", "duration_ms", "n_cues", "n_content"))
def cam_experiment(params: dict, seed: np.random.SeedSequence) -> dict:
    """Simulate a published CAM experiment (deterministic: the seed is unused).

    Returns, for every population of the spike table, its spikes (``raster_<column>``:
    :func:`spike_column_text` of ``{ms: [neuron indices]}``) and their number
    (``spikes_<column>``), the duration in ms (``duration_ms``) and the network size
    (``n_cues``, ``n_content``).
    """
    from ..memories.spiking.cam import TABLE_COLUMNS, experiment_inputs, run_experiment

    name = params["experiment"]
    tab = run_experiment(name)
    out = {f"spikes_{c}": float(sum(len(v) for v in tab[c].values())) for c in TABLE_COLUMNS}
    out.update({f"raster_{c}": spike_column_text(tab[c]) for c in TABLE_COLUMNS})
    out["duration_ms"] = float(tab.duration)
    inputs = experiment_inputs(name)
    out["n_cues"], out["n_content"] = int(inputs["n_cues"]), int(inputs["n_content"])
    return out


@driver(
    "cam_recall",
    params=(
        Param("n_cues", "int", 8, "one-hot cue lines (one stored content per cue)", low=1),
        Param("n_content", "int", 10, "content bits", low=1),
        Param("coding", "float", 0.3, "coding level: probability that a content bit is active", low=0, high=1,
              low_open=True),
        Param("op_ms", "float", 10.0, "duration of one operation (ms)", low=0, low_open=True),
        Param("overwrite", "int", 0, "cues given a new content after the first writes", low=0),
    ),
    columns=("cue_exact", "bit_error", "fragment_exact", "old_bits_left"),
)
def cam_recall(params: dict, seed: np.random.SeedSequence) -> dict:
    """Store random contents under every cue, optionally overwrite, then recall everything.

    Each of the ``n_cues`` cues gets a random content with each bit active with probability
    ``coding`` (at least one bit). ``overwrite`` cues then get new contents. Recall by every
    cue, then by every single-bit fragment.

    Returns ``cue_exact`` (fraction of cues whose recalled content equals the last stored one),
    ``bit_error`` (fraction of wrong content bits), ``fragment_exact`` (fraction of one-bit
    fragments that retrieve exactly the cues holding that bit) and ``old_bits_left`` (fraction
    of the overwritten memories' forgotten bits still recalled).
    """
    from ..memories.spiking.cam import CA3CAM

    n_cues, n_content, coding, overwrite = params["n_cues"], params["n_content"], params["coding"], params["overwrite"]
    if overwrite > n_cues:
        raise ValueError(f"overwrite must be <= {n_cues}, got {overwrite}")
    rng = np.random.default_rng(seed)

    def draw(k):
        x = (rng.random((k, n_content)) < coding).astype(np.int8)
        empty = ~x.any(axis=1)
        x[empty, rng.integers(0, n_content, empty.sum())] = 1
        return x

    mem = CA3CAM(n_cues, n_content, op_ms=params["op_ms"])
    contents = draw(n_cues)
    mem.store(np.arange(n_cues), contents)
    old = contents.copy()
    which = rng.choice(n_cues, size=overwrite, replace=False)
    if overwrite:
        new = draw(overwrite)
        mem.store(which, new)
        contents[which] = new
    got = mem.recall(np.arange(n_cues)).states
    frag_ok = 0
    for bit in range(n_content):
        cues = mem.recall_by_content([np.eye(n_content, dtype=np.int8)[bit]]).states[0]
        frag_ok += int(np.array_equal(cues, contents[:, bit]))
    forgotten = (old[which] == 1) & (contents[which] == 0)
    left = float(got[which][forgotten].mean()) if forgotten.any() else 0.0
    return {
        "cue_exact": float(np.mean(np.all(got == contents, axis=1))),
        "bit_error": float(np.mean(got != contents)),
        "fragment_exact": frag_ok / n_content,
        "old_bits_left": left,
    }


# --------------------------------------------------------------------------- scalable CA3

_CA3_NET = {
    "n": 1000, "p": 0.1, "a": 0.05, "J": 30.0, "k_inh": 12.0, "eta_plus": 0.15, "eta_minus": 0.03,
    "w_max": 1.0, "decay": 0.0, "cholinergic": True, "dt": 0.5, "target": "auto",
}
#: The network's parameters: the ca3 family's declarations (assoc.registry), with the defaults above.
_CA3_PARAMS = (Param("n", "int", 1000, "neurons", low=1),) + tuple(
    replace(p, default=_CA3_NET[name]) for name, p in get_family("ca3").params.items())
_CUE_ERASE = Param("cue", "choice", "erase", "cue corruption kind (a part of the assembly)", choices=("erase",))
_THRESHOLD = Param("retrieval_threshold", "float", 0.5,
                   "correlation above which a probe whose best match is the cued pattern counts as retrieved",
                   low=-1, high=1)
_RETRIEVAL = ("m_mean", "m_std", "m_cue", "retrieved", "rate_hz", "active_fraction")


def _cue_fraction(default: float) -> Param:
    return Param("cue_fraction", "float", default, "fraction of the assembly's cells erased from the cue "
                 "(at least one kept)", low=0, high=1, high_open=True)


def _ca3_setup(params: dict, seed: np.random.SeedSequence, n_patterns: int, **net_kw):
    """Network (``net_kw``: further constructor arguments) and ``n_patterns`` random patterns of
    exactly ``round(a n)`` active cells."""
    from ..memories.spiking.ca3 import CA3Network
    from ..patterns import sparse_binary

    rng = np.random.default_rng(seed)
    net = CA3Network(params["n"], **{k: params[k] for k in _CA3_NET if k != "n"}, **net_kw,
                     seed=int(rng.integers(2**31)))
    k = max(1, int(round(net.a * net.n)))
    return net, sparse_binary(n_patterns, net.n, k=k, rng=rng), rng


def _partial(x: np.ndarray, cue_fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Erase a random fraction ``cue_fraction`` of the active cells of each row, keeping
    ``max(1, round((1 - cue_fraction) k))`` of its ``k`` (1 - cue_fraction rounded to 12
    decimals, so that 0.95 erased keeps exactly 0.05)."""
    kept = round(1.0 - cue_fraction, 12)
    out = np.zeros_like(x)
    for b, row in enumerate(x):
        on = np.flatnonzero(row)
        keep = rng.choice(on, size=max(1, int(round(kept * len(on)))), replace=False)
        out[b, keep] = 1
    return out


def _retrieval_metrics(out, which: np.ndarray, cues: np.ndarray, x: np.ndarray, threshold: float) -> dict:
    corr = out.extra["correlation"]  # Pearson correlation of the read-out with each pattern
    m = corr[np.arange(len(which)), which]
    m_cue = np.array([np.corrcoef(c, x[w])[0, 1] for c, w in zip(cues, which)])
    best = corr.argmax(axis=1) == which
    return {
        "m_mean": float(m.mean()),
        "m_std": float(m.std()),
        "m_cue": float(m_cue.mean()),
        "retrieved": float(np.mean((m > threshold) & best)),
        "rate_hz": float(np.mean(out.extra["rate_hz"])),
        "active_fraction": float(np.mean(out.extra["active_fraction"])),
    }


@driver("ca3_completion",
        params=(*_CA3_PARAMS, Param("patterns", "int", 10, "stored assemblies", low=1), _CUE_ERASE,
                _cue_fraction(0.7), Param("probes", "int", 5, "stored assemblies cued", low=1), _THRESHOLD),
        columns=_RETRIEVAL)
def ca3_completion(params: dict, seed: np.random.SeedSequence) -> dict:
    """Pattern completion: store ``patterns`` assemblies, cue ``probes`` of them with a fraction
    ``cue_fraction`` of their cells erased, and read the spike counts after the cue is removed.

    Returns ``m_mean`` / ``m_std`` (correlation of the cells active in the read window with the
    cued pattern),
    ``m_cue`` (correlation of the cue itself), ``retrieved`` (fraction of probes with
    ``m > retrieval_threshold`` whose best-matching pattern is the cued one), ``rate_hz`` and
    ``active_fraction`` (cells firing in the read window).
    """
    out, _ = _store_and_probe(params, seed, params["patterns"])
    return out


#: coding level at which the ``k_inh2`` of ``ca3_capacity`` is the quadratic inhibition gain
K_INH2_A_REF = 0.1


def quadratic_inhibition_gain(k_inh2: float, exponent: float, a: float) -> float:
    """The quadratic inhibition gain of ``ca3_capacity`` at coding level ``a``:
    ``k_inh2 (a / K_INH2_A_REF) ** exponent``."""
    return float(k_inh2) * (float(a) / K_INH2_A_REF) ** float(exponent)


@driver("ca3_capacity",
        params=(*_CA3_PARAMS, Param("patterns", "int", 10, "stored assemblies", low=1), _CUE_ERASE,
                _cue_fraction(0.5), Param("probes", "int", 8, "stored assemblies cued", low=1), _THRESHOLD,
                Param("k_inh2", "float", 0.0, f"quadratic feedback-inhibition gain at a = {K_INH2_A_REF} "
                      "(a cell receives k_inh A + k_inh2_a A^2, A the pool activity in units of a n spikes)",
                      low=0),
                Param("k_inh2_exponent", "float", 0.0, "how the quadratic gain scales with the coding level: "
                      f"k_inh2_a = k_inh2 (a / {K_INH2_A_REF})^k_inh2_exponent", low=-3, high=3)),
        columns=(*_RETRIEVAL, "C", "a", "k_inh2_a"))
def ca3_capacity(params: dict, seed: np.random.SeedSequence) -> dict:
    """Retrieval against the number of stored assemblies ``patterns``; probes are drawn uniformly
    among all stored patterns (old and new). Same metrics as ``ca3_completion`` (among them
    ``active_fraction``, the mean fraction of cells firing in the read window), plus ``C``
    (recurrent synapses per cell), ``a`` (the coding level) and ``k_inh2_a`` (the quadratic
    inhibition gain used at this coding level, :func:`quadratic_inhibition_gain`; 0 keeps the
    network's linear inhibition)."""
    k2 = quadratic_inhibition_gain(params["k_inh2"], params["k_inh2_exponent"], params["a"])
    out, net = _store_and_probe(params, seed, params["patterns"], k_inh2=k2)
    out.update({"C": float(net.n_synapses / net.n), "a": float(net.a), "k_inh2_a": k2})
    return out


def _store_and_probe(params: dict, seed: np.random.SeedSequence, P: int, **net_kw):
    """Store ``P`` patterns, cue ``probes`` of them with ``cue_fraction`` of their cells erased;
    returns the retrieval metrics and the network (``net_kw``: further constructor arguments)."""
    net, x, rng = _ca3_setup(params, seed, P, **net_kw)
    net.store(x)
    which = rng.choice(P, size=min(params["probes"], P), replace=False)
    cues = _partial(x[which], params["cue_fraction"], rng)
    return _retrieval_metrics(net.recall(cues), which, cues, x, params["retrieval_threshold"]), net


@driver("ca3_forgetting",
        params=(*_CA3_PARAMS, Param("patterns", "int", 30, "assemblies stored in sequence", low=1), _CUE_ERASE,
                _cue_fraction(0.5), _THRESHOLD),
        columns=("m_age_<k>", "ok_age_<k>", "rate_hz"))
def ca3_forgetting(params: dict, seed: np.random.SeedSequence) -> dict:
    """Palimpsest forgetting: store ``patterns`` assemblies in sequence, then cue every one
    with a fraction ``cue_fraction`` of its cells erased.

    Returns ``m_age_<k>`` and ``ok_age_<k>`` for k = 1 (the last stored) ... ``patterns``
    (the first): correlation with the cued pattern and retrieval success (0/1).
    """
    P = params["patterns"]
    thr = params["retrieval_threshold"]
    net, x, rng = _ca3_setup(params, seed, P)
    net.store(x)
    which = np.arange(P)
    out = net.recall(_partial(x, params["cue_fraction"], rng))
    corr = out.extra["correlation"]
    m = corr[which, which]
    ok = (m > thr) & (corr.argmax(axis=1) == which)
    res = {}
    for idx in range(P):
        age = P - idx
        res[f"m_age_{age}"] = float(m[idx])
        res[f"ok_age_{age}"] = float(ok[idx])
    res["rate_hz"] = float(np.mean(out.extra["rate_hz"]))
    return res
