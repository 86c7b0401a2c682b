"""Drivers for the spiking CA3 memories (Brian2).

- ``cam_experiment``: one of the published CAM experiments: its spikes, population by
  population, and their counts (the raster figure draws the spikes from the table).
- ``cam_recall``: random memories stored in a :class:`~assoc.spiking.cam.CA3CAM`, recalled by
  cue and by single-bit fragments; exactness against the operation spacing and density.
- ``ca3_completion``, ``ca3_capacity``, ``ca3_forgetting``: the scalable
  :class:`~assoc.spiking.ca3.CA3Network`. Its ``target`` parameter picks the Brian2 target:
  ``"standalone"`` (the ``models/ca3-network.toml`` preset) compiles one C++ program per
  (n, p, dt) into a cache folder and every point, trial and worker process reuses it with
  run-time arguments; ``"numpy"``, ``"cython"`` and ``"auto"`` use the runtime mode. All give
  the same spikes, hence the same metrics.
"""

from __future__ import annotations

import json

import numpy as np

from ..memory import check_choice, check_float, check_int
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


@driver("cam_experiment", defaults={"experiment": "exp1_learn_recall_forget"})
def cam_experiment(params: dict, seed: np.random.SeedSequence) -> dict:
    """Simulate a published CAM experiment (deterministic: the seed is unused).

    Returns, for every population of the spike table, its spikes (``raster_<column>``:
    :func:`spike_column_text` of ``{ms: [neuron indices]}``) and their number
    (``spikes_<column>``), the duration in ms (``duration_ms``) and the network size
    (``n_cues``, ``n_content``).
    """
    from ..spiking.cam import EXPERIMENTS, TABLE_COLUMNS, experiment_inputs, run_experiment

    name = check_choice("experiment", params["experiment"], sorted(EXPERIMENTS))
    tab = run_experiment(name)
    out = {f"spikes_{c}": float(sum(len(v) for v in tab[c].values())) for c in TABLE_COLUMNS}
    out.update({f"raster_{c}": spike_column_text(tab[c]) for c in TABLE_COLUMNS})
    out["duration_ms"] = float(tab.duration)
    inputs = experiment_inputs(name)
    out["n_cues"], out["n_content"] = int(inputs["n_cues"]), int(inputs["n_content"])
    return out


@driver(
    "cam_recall",
    defaults={"n_cues": 8, "n_content": 10, "density": 0.3, "op_ms": 10.0, "overwrite": 0},
)
def cam_recall(params: dict, seed: np.random.SeedSequence) -> dict:
    """Store random contents under every cue, optionally overwrite, then recall everything.

    Each of the ``n_cues`` cues gets a random content with each bit active with probability
    ``density`` (at least one bit). ``overwrite`` cues then get new contents. Recall by every
    cue, then by every single-bit fragment.

    Returns ``cue_exact`` (fraction of cues whose recalled content equals the last stored one),
    ``bit_error`` (fraction of wrong content bits), ``fragment_exact`` (fraction of one-bit
    fragments that retrieve exactly the cues holding that bit) and ``old_bits_left`` (fraction
    of the overwritten memories' forgotten bits still recalled).
    """
    from ..spiking.cam import CA3CAM

    n_cues = check_int("n_cues", params["n_cues"], low=1)
    n_content = check_int("n_content", params["n_content"], low=1)
    density = check_float("density", params["density"], low=0, high=1, low_open=True)
    overwrite = check_int("overwrite", params["overwrite"], low=0, high=n_cues)
    rng = np.random.default_rng(seed)

    def draw(k):
        x = (rng.random((k, n_content)) < density).astype(np.int8)
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


def _ca3_setup(params: dict, seed: np.random.SeedSequence, n_patterns: int):
    """Network and ``n_patterns`` random patterns of exactly ``round(a n)`` active cells."""
    from ..patterns import sparse_binary
    from ..spiking.ca3 import CA3Network

    rng = np.random.default_rng(seed)
    net = CA3Network(params["n"], **{k: params[k] for k in _CA3_NET if k != "n"},
                     seed=int(rng.integers(2**31)))
    k = max(1, int(round(net.a * net.n)))
    return net, sparse_binary(n_patterns, net.n, k=k, rng=rng), rng


def _partial(x: np.ndarray, frac: float, rng: np.random.Generator) -> np.ndarray:
    """Keep a random fraction ``frac`` (at least one) of the active cells of each row."""
    out = np.zeros_like(x)
    for b, row in enumerate(x):
        on = np.flatnonzero(row)
        keep = rng.choice(on, size=max(1, int(round(frac * len(on)))), replace=False)
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


@driver("ca3_completion", defaults={**_CA3_NET, "patterns": 10, "cue_frac": 0.3, "probes": 5, "threshold": 0.5})
def ca3_completion(params: dict, seed: np.random.SeedSequence) -> dict:
    """Pattern completion: store ``patterns`` assemblies, cue ``probes`` of them with a fraction
    ``cue_frac`` of their cells, and read the spike counts after the cue is removed.

    Returns ``m_mean`` / ``m_std`` (correlation of the cells active in the read window with the
    cued pattern),
    ``m_cue`` (correlation of the cue itself), ``retrieved`` (fraction of probes with
    ``m > threshold`` whose best-matching pattern is the cued one), ``rate_hz`` and
    ``active_fraction`` (cells firing in the read window).
    """
    out, _ = _store_and_probe(params, seed, check_int("patterns", params["patterns"], low=1))
    return out


@driver("ca3_capacity", defaults={**_CA3_NET, "load": 10, "cue_frac": 0.5, "probes": 8, "threshold": 0.5})
def ca3_capacity(params: dict, seed: np.random.SeedSequence) -> dict:
    """Retrieval against the number of stored patterns ``load``; probes are drawn uniformly
    among all stored patterns (old and new). Same metrics as ``ca3_completion``, plus
    ``C`` (recurrent synapses per cell) and ``a``."""
    out, net = _store_and_probe(params, seed, check_int("load", params["load"], low=1))
    out.update({"C": float(net.n_synapses / net.n), "a": float(net.a)})
    return out


def _store_and_probe(params: dict, seed: np.random.SeedSequence, P: int):
    """Store ``P`` patterns, cue ``probes`` of them with ``cue_frac`` of their cells; returns
    the retrieval metrics and the network."""
    frac = check_float("cue_frac", params["cue_frac"], low=0, high=1, low_open=True)
    probes = check_int("probes", params["probes"], low=1)
    thr = check_float("threshold", params["threshold"], low=-1, high=1)
    net, x, rng = _ca3_setup(params, seed, P)
    net.store(x)
    which = rng.choice(P, size=min(probes, P), replace=False)
    cues = _partial(x[which], frac, rng)
    return _retrieval_metrics(net.recall(cues), which, cues, x, thr), net


@driver("ca3_forgetting", defaults={**_CA3_NET, "patterns": 30, "cue_frac": 0.5, "threshold": 0.5})
def ca3_forgetting(params: dict, seed: np.random.SeedSequence) -> dict:
    """Palimpsest forgetting: store ``patterns`` assemblies in sequence, then cue every one.

    Returns ``m_age_<k>`` and ``ok_age_<k>`` for k = 1 (the last stored) ... ``patterns``
    (the first): correlation with the cued pattern and retrieval success (0/1).
    """
    P = check_int("patterns", params["patterns"], low=1)
    frac = check_float("cue_frac", params["cue_frac"], low=0, high=1, low_open=True)
    thr = check_float("threshold", params["threshold"], low=-1, high=1)
    net, x, rng = _ca3_setup(params, seed, P)
    net.store(x)
    which = np.arange(P)
    out = net.recall(_partial(x, frac, rng))
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
