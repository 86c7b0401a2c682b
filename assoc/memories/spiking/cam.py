"""The spiking CA3 content-addressable memory of Casanueva-Morato et al., ported to Brian2.

Casanueva-Morato, Ayuso-Martinez, Dominguez-Morales, Jimenez-Fernandez & Jimenez-Moreno,
"Bio-inspired computational memory model of the Hippocampus: an approach to a neuromorphic
spike-based Content-Addressable Memory", Neural Networks 178:106474 (2024), arXiv 2310.05868.

The model stores one memory per *cue* (a one-hot address, ``n_cues`` of them) whose *content*
is a binary word of ``n_content`` bits. Learning, forgetting by overwriting and recall (by cue,
or by any fragment of the content) are all carried out by spikes: a learning operation presents
the cue and the content together for 3 ms, a recall operation presents only one of them for
1 ms. Memory lives in two all-to-all STDP projections (cue -> content and content -> cue).

Populations (sizes; ``C = n_cues``, ``M = n_content``)::

    cueCue (C)  cueCont (C)  contCue (M)  contCont (M)  contCond (M)  contCondInt (1)
    mergeCue (C)  mergeCont (M)  out (C + M)          fed by the input layer (C + M sources)

The simulation reproduces the update order of the sPyNNaker ``IF_curr_exp`` implementation with
a fixed step ``dt`` (1 ms in the publication), which this module writes as explicit update code
instead of differential equations:

1. input arriving in this step is added to the exponential synaptic current, scaled by
   ``tau_syn / dt * (1 - exp(-dt / tau_syn))``;
2. outside the refractory period the membrane is integrated exactly over one step,
   ``v <- a - exp(-dt / tau_m) (a - v)`` with ``a = v_rest + R (I_e - I_i + i_offset)`` and
   ``R = tau_m / cm``; during it (``ceil(tau_refrac / dt)`` steps) the refractory counter is
   decremented instead;
3. the threshold ``v >= v_thresh`` is tested (spike, ``v <- v_reset``);
4. the synaptic currents decay by ``exp(-dt / tau_syn)``.

A spike emitted in step ``s`` through a connection of delay ``d`` steps is added in step
``s + d``; Brian2 carries it with a delay of ``d - 1`` steps into the synapse slot that follows
the decay of step ``s + d - 1``.

Plasticity is sPyNNaker's additive all-to-all pair rule with the whole transmission delay
treated as dendritic: a post-synaptic spike at ``t_post`` acts on the synapse at
``t_post + d``, a pre-synaptic spike at its own time ``t_pre``. A (delayed) post event
potentiates by ``A+ x exp(-(t - t_last_pre) / tau+)``, clipped at ``w_max``; a pre event
depresses by ``A- y exp(-(t_pre - t_last_post) / tau-)``, clipped at ``w_min``, and then
transmits the updated weight. ``x`` / ``y`` are the all-to-all pre / post traces (+1 per spike). On
ties (a delayed post event in the step of a pre spike) the post event is applied first, and the
pre event then depresses with ``exp(0) = 1``. With these rules the port reproduces the three
spike tables the authors recorded on SpiNNaker, every population and every millisecond
(``tests/test_spiking.py``).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...memory import Recall, check_choice, check_float, check_int, check_patterns, returns_caller_arrays, to_numpy
from ...metrics import cosine_overlaps

# --------------------------------------------------------------------------- parameters

_LIF_FAST = {"cm": 0.14, "i_offset": 0.0, "tau_m": 0.5, "tau_refrac": 1.0, "tau_syn_E": 0.3,
             "tau_syn_I": 0.3, "v_reset": -60.0, "v_rest": -60.0, "v_thresh": -57.0}
_LIF_SLOW = {"cm": 0.27, "i_offset": 0.0, "tau_m": 3.0, "tau_refrac": 1.0, "tau_syn_E": 0.3,
             "tau_syn_I": 0.3, "v_reset": -60.0, "v_rest": -60.0, "v_thresh": -57.0}
_STDP = {"tau_plus": 3.0, "tau_minus": 3.0, "A_plus": 6.0, "A_minus": 6.0, "w_max": 6.0,
         "w_min": 0.0, "initWeight": 0.0, "delay": 1.0, "receptor_type": "STDP"}


def _syn(w: float, d: float, kind: str = "excitatory") -> dict:
    return {"initWeight": w, "delay": d, "receptor_type": kind}


#: The published parameters (the authors' ``network_config.json``): PyNN ``IF_curr_exp``
#: neurons (mV, nF, ms, nA) and the weights (nA) and delays (ms) of every projection.
PUBLISHED_CONFIG: dict = {
    "neuronParameters": {
        "CA3cueCueRecallL": dict(_LIF_SLOW),
        "CA3cueContRecallL": dict(_LIF_FAST),
        "CA3contCueRecallL": dict(_LIF_SLOW),
        "CA3contContRecallL": dict(_LIF_SLOW),
        "CA3contCondL": dict(_LIF_FAST),
        "CA3contCondIntL": dict(_LIF_FAST),
        "CA3mergeCueL": dict(_LIF_SLOW),
        "CA3mergeContL": dict(_LIF_SLOW),
    },
    "initNeuronParameters": {
        name: {"vInit": -60} for name in (
            "CA3cueCueRecallL", "CA3cueContRecallL", "CA3contCueRecallL", "CA3contContRecallL",
            "CA3contCondL", "CA3contCondIntL", "CA3mergeCueL", "CA3mergeContL")
    },
    "synParameters": {
        "IL-CA3cueCueRecallL": _syn(6.0, 1.0),
        "CA3cueCueRecallL-CA3cueContRecallL": _syn(6.0, 2.0),
        "CA3cueCueRecallL-CA3cueContRecallL-inh": _syn(6.0, 3.0, "inhibitory"),
        "IL-CA3contCueRecallL": _syn(6.0, 1.0),
        "CA3contCueRecallL-CA3contCondL": _syn(9.0, 1.0),
        "CA3cueCueRecallL-CA3contCondL": _syn(6.0, 2.0, "inhibitory"),
        "CA3contCondL-CA3contContRecallL": _syn(6.0, 1.0),
        "CA3contCueRecallL-CA3contCondIntL": _syn(6.0, 1.0),
        "CA3contCondIntL-CA3contCondL": _syn(2.0, 1.0),
        "CA3cueCueRecallL-CA3contCueRecallL": dict(_STDP),
        "CA3contContRecallL-CA3cueContRecallL": dict(_STDP),
        "CA3cueContRecallL-CA3cueContRecallL": _syn(6.0, 2.0, "inhibitory"),
        "CA3cueCueRecallL-CA3mergeCueL": _syn(6.0, 3.0),
        "CA3cueContRecallL-CA3mergeCueL": _syn(6.0, 1.0),
        "CA3contCueRecallL-CA3mergeContL": _syn(6.0, 3.0),
        "CA3contContRecallL-CA3mergeContL": _syn(6.0, 1.0),
        "CA3mergeCueL-OL": _syn(6.0, 1.0),
        "CA3mergeContL-OL": _syn(6.0, 1.0),
    },
}

#: The output layer of the authors' test bench (a slow LIF with a lower threshold).
OUTPUT_NEURON: dict = dict(_LIF_SLOW, v_thresh=-57.5)

#: Internal population name -> (config key, size rule, column name in the spike tables).
POPULATIONS: dict[str, tuple[str | None, str, str]] = {
    "cueCue": ("CA3cueCueRecallL", "C", "CA3cueCueRecall"),
    "contCue": ("CA3contCueRecallL", "M", "CA3contCueRecall"),
    "contCond": ("CA3contCondL", "M", "CA3contCond"),
    "contCondInt": ("CA3contCondIntL", "1", "CA3contCondInt"),
    "cueCont": ("CA3cueContRecallL", "C", "CA3cueContRecall"),
    "contCont": ("CA3contContRecallL", "M", "CA3contContRecall"),
    "mergeCue": ("CA3mergeCueL", "C", "CA3MergeCue"),
    "mergeCont": ("CA3mergeContL", "M", "CA3MergeCont"),
    "out": (None, "C+M", "OUT"),
}

#: Column order of the published spike tables (after the time stamp).
TABLE_COLUMNS = ("INcue", "INcont", "CA3cueCueRecall", "CA3contCueRecall", "CA3contCond",
                 "CA3contCondInt", "CA3cueContRecall", "CA3contContRecall", "CA3MergeCue",
                 "CA3MergeCont", "OUTcue", "OUTcont")

_NEURON_KEYS = ("cm", "i_offset", "tau_m", "tau_refrac", "tau_syn_E", "tau_syn_I", "v_reset",
                "v_rest", "v_thresh")
_PLASTIC = ("CA3cueCueRecallL-CA3contCueRecallL", "CA3contContRecallL-CA3cueContRecallL")


def check_config(config: Any) -> dict:
    """Validate a network configuration in the authors' JSON layout and return a deep copy.

    Every neuron needs ``cm, tau_m, tau_syn_E, tau_syn_I > 0``, ``tau_refrac >= 0`` and
    ``v_thresh > v_reset``; every projection a ``delay > 0`` and a weight ``>= 0``; the two
    plastic projections ``tau_plus, tau_minus > 0``, ``A_plus, A_minus >= 0`` and
    ``w_min <= initWeight <= w_max``.
    """
    if not isinstance(config, dict):
        raise TypeError(f"config must be a dict in the layout of PUBLISHED_CONFIG, got {type(config).__name__}")
    for section in ("neuronParameters", "synParameters"):
        if section not in config or not isinstance(config[section], dict):
            raise ValueError(f"config must have a {section!r} section (see PUBLISHED_CONFIG)")
    cfg = copy.deepcopy(config)
    for pop in PUBLISHED_CONFIG["neuronParameters"]:
        if pop not in cfg["neuronParameters"]:
            raise ValueError(f"config['neuronParameters'] lacks population {pop!r}")
        p = cfg["neuronParameters"][pop]
        for key in _NEURON_KEYS:
            if key not in p:
                raise ValueError(f"config['neuronParameters'][{pop!r}] lacks {key!r}")
            check_float(f"{pop}.{key}", p[key])
        for key in ("cm", "tau_m", "tau_syn_E", "tau_syn_I"):
            check_float(f"{pop}.{key}", p[key], low=0, low_open=True)
        check_float(f"{pop}.tau_refrac", p["tau_refrac"], low=0)
        if p["v_thresh"] <= p["v_reset"]:
            raise ValueError(f"{pop}.v_thresh must exceed v_reset, got {p['v_thresh']} <= {p['v_reset']}")
    init = cfg.setdefault("initNeuronParameters", {})
    for pop in PUBLISHED_CONFIG["neuronParameters"]:
        v0 = init.setdefault(pop, {"vInit": cfg["neuronParameters"][pop]["v_rest"]})["vInit"]
        check_float(f"{pop}.vInit", v0)
    for name in PUBLISHED_CONFIG["synParameters"]:
        if name not in cfg["synParameters"]:
            raise ValueError(f"config['synParameters'] lacks projection {name!r}")
        s = cfg["synParameters"][name]
        check_float(f"{name}.delay", s.get("delay"), low=0, low_open=True)
        check_float(f"{name}.initWeight", s.get("initWeight"), low=0)
        if name in _PLASTIC:
            for key in ("tau_plus", "tau_minus"):
                check_float(f"{name}.{key}", s.get(key), low=0, low_open=True)
            for key in ("A_plus", "A_minus"):
                check_float(f"{name}.{key}", s.get(key), low=0)
            lo = check_float(f"{name}.w_min", s.get("w_min"))
            hi = check_float(f"{name}.w_max", s.get("w_max"), low=lo)
            check_float(f"{name}.initWeight", s["initWeight"], low=lo, high=hi)
        else:
            if s.get("receptor_type") not in ("excitatory", "inhibitory"):
                raise ValueError(f"{name}.receptor_type must be 'excitatory' or 'inhibitory', "
                                 f"got {s.get('receptor_type')!r}")
    return cfg


# --------------------------------------------------------------------------- wiring


@dataclass(frozen=True)
class Projection:
    """A static projection: pre/post are population names, ``i``/``j`` local indices."""

    pre: str
    post: str
    i: np.ndarray
    j: np.ndarray
    weight: float
    delay: float  # ms
    receptor: str


def _all_to_all(n_pre: int, n_post: int, self_connections: bool = True) -> tuple[np.ndarray, np.ndarray]:
    i, j = np.meshgrid(np.arange(n_pre), np.arange(n_post), indexing="ij")
    i, j = i.ravel(), j.ravel()
    if not self_connections:
        keep = i != j
        i, j = i[keep], j[keep]
    return i, j


def projections(n_cues: int, n_content: int, config: dict) -> list[Projection]:
    """The static projections of the CAM (the two plastic ones are built separately).

    The input layer is ``"in"`` (``C + M`` sources: the cue first, then the content) and the
    output layer ``"out"`` (same layout). Inhibitory weights of the two winner-take-all
    projections are multiplied by ``n_content``, as in the authors' network.
    """
    C, M = n_cues, n_content
    syn = config["synParameters"]

    def p(pre, post, ij, key, scale=1.0):
        s = syn[key]
        return Projection(pre, post, ij[0], ij[1], float(s["initWeight"]) * scale, float(s["delay"]),
                          s["receptor_type"])

    k_c, k_m = np.arange(C), np.arange(M)
    return [
        p("in", "cueCue", (k_c, k_c), "IL-CA3cueCueRecallL"),
        p("in", "contCue", (k_m + C, k_m), "IL-CA3contCueRecallL"),
        p("cueCue", "cueCont", (k_c, k_c), "CA3cueCueRecallL-CA3cueContRecallL"),
        p("cueCue", "cueCont", _all_to_all(C, C, False), "CA3cueCueRecallL-CA3cueContRecallL-inh", M),
        p("cueCue", "contCond", _all_to_all(C, M), "CA3cueCueRecallL-CA3contCondL"),
        p("contCue", "contCond", (k_m, k_m), "CA3contCueRecallL-CA3contCondL"),
        p("contCond", "contCont", (k_m, k_m), "CA3contCondL-CA3contContRecallL"),
        p("contCue", "contCondInt", _all_to_all(M, 1), "CA3contCueRecallL-CA3contCondIntL"),
        p("contCondInt", "contCond", _all_to_all(1, M), "CA3contCondIntL-CA3contCondL"),
        p("cueCont", "cueCont", _all_to_all(C, C, False), "CA3cueContRecallL-CA3cueContRecallL", M),
        p("cueCue", "mergeCue", (k_c, k_c), "CA3cueCueRecallL-CA3mergeCueL"),
        p("cueCont", "mergeCue", (k_c, k_c), "CA3cueContRecallL-CA3mergeCueL"),
        p("contCue", "mergeCont", (k_m, k_m), "CA3contCueRecallL-CA3mergeContL"),
        p("contCont", "mergeCont", (k_m, k_m), "CA3contContRecallL-CA3mergeContL"),
        p("mergeCue", "out", (k_c, k_c), "CA3mergeCueL-OL"),
        p("mergeCont", "out", (k_m, k_m + C), "CA3mergeContL-OL"),
    ]


def _steps(name: str, value_ms: float, dt: float, low: int = 0) -> int:
    k = value_ms / dt
    r = int(round(k))
    if abs(k - r) > 1e-9 * max(1.0, abs(k)) or r < low:
        raise ValueError(f"{name} = {value_ms} ms must be a whole number (>= {low}) of time steps dt = {dt} ms")
    return r


# --------------------------------------------------------------------------- spike tables


@dataclass
class SpikeTable:
    """Spikes of every population, as ``{column: {ms: sorted neuron indices}}``.

    Columns follow the published tables (:data:`TABLE_COLUMNS`); time stamps are integers in
    units of ``dt`` (milliseconds at the published dt = 1 ms). Only non-empty steps appear.
    """

    columns: dict[str, dict[int, list[int]]] = field(default_factory=dict)
    duration: int = 0

    def __getitem__(self, column: str) -> dict[int, list[int]]:
        return self.columns[column]

    def raster(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """``(times, indices)`` arrays of one column, ordered by time."""
        pairs = [(t, i) for t, idx in sorted(self.columns[column].items()) for i in idx]
        if not pairs:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        arr = np.array(pairs, dtype=np.int64)
        return arr[:, 0], arr[:, 1]

    def window(self, column: str, start: int, stop: int) -> set[int]:
        """Neuron indices of ``column`` that spiked in steps ``start <= t < stop``."""
        return {i for t, idx in self.columns[column].items() if start <= t < stop for i in idx}

    @classmethod
    def from_reference(cls, data: dict) -> "SpikeTable":
        """Read the ``spikes`` part of a published ``*.spikes.json`` (and its input columns)."""
        cols = {name: {int(t): sorted(int(i) for i in idx) for t, idx in spikes.items()}
                for name, spikes in data["spikes"].items()}
        for k, name in enumerate(("INcue", "INcont")):
            cols[name] = {}
            for t, ops in data.get("operations", {}).items():
                if ops[k] != "-":
                    cols[name][int(t)] = sorted(int(x) for x in ops[k].strip("[]").split(","))
        return cls(cols, len(data.get("operations", {})))


def _build_table(mon_i, mon_t, offsets, sizes, gen_i, gen_t, C, duration) -> SpikeTable:
    cols: dict[str, dict[int, list[int]]] = {c: {} for c in TABLE_COLUMNS}

    def put(col, t, i):
        cols[col].setdefault(int(t), []).append(int(i))

    for i, t in zip(gen_i, gen_t):
        put("INcue", t, i) if i < C else put("INcont", t, i - C)
    for name, (_, _, col) in POPULATIONS.items():
        lo, n = offsets[name], sizes[name]
        sel = (mon_i >= lo) & (mon_i < lo + n)
        for i, t in zip(mon_i[sel] - lo, mon_t[sel]):
            if name == "out":
                put("OUTcue", t, i) if i < C else put("OUTcont", t, i - C)
            else:
                put(col, t, i)
    for col in cols.values():
        for t in col:
            col[t].sort()
    return SpikeTable(cols, duration)


# --------------------------------------------------------------------------- Brian2 network


_NEURON_EQS = """
v : 1
ie : 1
ii : 1
refr : 1
R : 1 (constant)
k_m : 1 (constant)
k_e : 1 (constant)
k_i : 1 (constant)
g_e : 1 (constant)
g_i : 1 (constant)
i_off : 1 (constant)
v_rest : 1 (constant)
v_reset : 1 (constant)
v_thresh : 1 (constant)
n_ref : 1 (constant)
"""

# Step 2 of the per-step order: exact integration outside the refractory period.
_INTEGRATE = """
a_inf = (ie - ii + i_off) * R + v_rest
v = int(refr <= 0) * (a_inf - k_m * (a_inf - v)) + int(refr > 0) * v
refr = refr - int(refr > 0)
"""
# Step 4: decay of the synaptic currents, after the threshold test and before new input.
_DECAY = "ie = ie * k_e\nii = ii * k_i"

_PLASTIC_EQS = """
w : 1
xtrace : 1
ytrace : 1
tpre_last : second
tpost_last : second
a_plus : 1 (constant)
a_minus : 1 (constant)
tau_plus : second (constant)
tau_minus : second (constant)
w_min : 1 (constant)
w_max : 1 (constant)
"""
# Delayed post event (applied first on ties), then the pre event which transmits the weight.
_ON_POST = """
w = clip(w + a_plus * xtrace * exp(-(t - tpre_last) / tau_plus), w_min, w_max)
ytrace = ytrace * exp(-(t - tpost_last) / tau_minus) + 1
tpost_last = t
"""
_ON_PRE = """
w = clip(w - a_minus * ytrace * exp(-(t - tpost_last) / tau_minus), w_min, w_max)
xtrace = xtrace * exp(-(t - tpre_last) / tau_plus) + 1
tpre_last = t
ie_post += w * g_e_post
"""


class CAMNetwork:
    """The CAM as a Brian2 network (numpy code generation), simulated in segments.

    Parameters
    ----------
    n_cues, n_content : int
        Number of cues ``C`` (one-hot addresses) and content bits ``M`` (both >= 1).
    config : dict, optional
        Parameters in the authors' JSON layout; default :data:`PUBLISHED_CONFIG`.
    dt : float
        Time step in ms (> 0); every delay must be a whole number of steps. Published: 1.0.
    target : {"numpy", "cython", "standalone"}
        Brian2 code generation target (runtime mode). Object names are fixed, so a compiled
        target builds its code once and reuses it for every network. "standalone" generates
        code for Brian2's ``cpp_standalone`` device, which the caller activates first
        (``brian2.set_device("cpp_standalone", build_on_run=False)``), then builds and runs
        with ``brian2.device.build`` / ``brian2.device.run`` after the :meth:`run` calls
        (``benchmarks/bench_spiking.py`` does this).

    Call :meth:`run` with input spike times (in steps) to advance the simulation; spikes
    accumulate across calls and :meth:`table` returns them.
    """

    def __init__(self, n_cues: int, n_content: int, *, config: dict | None = None, dt: float = 1.0,
                 target: str = "numpy"):
        self.n_cues = check_int("n_cues", n_cues, low=1)
        self.target = check_choice("target", target, ("numpy", "cython", "standalone"))
        self.n_content = check_int("n_content", n_content, low=1)
        self.dt = check_float("dt", dt, low=0, low_open=True)
        self.config = check_config(PUBLISHED_CONFIG if config is None else config)
        self.t = 0  # steps simulated so far
        self._gen_i: list[int] = []
        self._gen_t: list[int] = []
        self._build()

    # -- construction -------------------------------------------------------------------
    def _build(self) -> None:
        import brian2 as b2

        if self.target == "standalone":
            code_class = None  # the active (cpp_standalone) device's code objects
        elif self.target == "numpy":
            from brian2.codegen.runtime.numpy_rt import NumpyCodeObject as code_class
        else:
            from brian2.codegen.runtime.cython_rt import CythonCodeObject as code_class

        C, M, dt = self.n_cues, self.n_content, self.dt
        ms = b2.ms
        kw = {"clock": b2.Clock(dt=dt * ms, name="cam_clock"), "codeobj_class": code_class}
        sizes = {name: {"C": C, "M": M, "1": 1, "C+M": C + M}[rule] for name, (_, rule, _) in POPULATIONS.items()}
        offsets, total = {}, 0
        for name in POPULATIONS:
            offsets[name] = total
            total += sizes[name]
        self.sizes, self.offsets, self.n_neurons = sizes, offsets, total

        params = {k: np.zeros(total) for k in ("R", "k_m", "k_e", "k_i", "g_e", "g_i", "i_off", "v_rest",
                                                "v_reset", "v_thresh", "n_ref", "v")}
        for name, (key, _, _) in POPULATIONS.items():
            p = OUTPUT_NEURON if key is None else self.config["neuronParameters"][key]
            v0 = p["v_rest"] if key is None else self.config["initNeuronParameters"][key]["vInit"]
            sl = slice(offsets[name], offsets[name] + sizes[name])
            params["R"][sl] = p["tau_m"] / p["cm"]
            params["k_m"][sl] = math.exp(-dt / p["tau_m"])
            params["k_e"][sl] = math.exp(-dt / p["tau_syn_E"])
            params["k_i"][sl] = math.exp(-dt / p["tau_syn_I"])
            params["g_e"][sl] = p["tau_syn_E"] / dt * (1.0 - math.exp(-dt / p["tau_syn_E"]))
            params["g_i"][sl] = p["tau_syn_I"] / dt * (1.0 - math.exp(-dt / p["tau_syn_I"]))
            params["i_off"][sl] = p["i_offset"]
            params["v_rest"][sl] = p["v_rest"]
            params["v_reset"][sl] = p["v_reset"]
            params["v_thresh"][sl] = p["v_thresh"]
            params["n_ref"][sl] = math.ceil(p["tau_refrac"] / dt - 1e-9)
            params["v"][sl] = v0

        G = b2.NeuronGroup(total, _NEURON_EQS, threshold="v >= v_thresh", reset="v = v_reset\nrefr = n_ref",
                           name="cam_neurons", **kw)
        for k, val in params.items():
            setattr(G, k, val)
        integ = G.run_regularly(_INTEGRATE, when="groups", name="cam_integrate", codeobj_class=code_class)
        decay = G.run_regularly(_DECAY, when="after_thresholds", name="cam_decay", codeobj_class=code_class)
        inp = b2.SpikeGeneratorGroup(C + M, np.zeros(0, dtype=int), np.zeros(0) * ms, name="cam_input", **kw)

        objects = [G, integ, decay, inp]
        for receptor, var, gain in (("excitatory", "ie", "g_e"), ("inhibitory", "ii", "g_i")):
            for source in ("in", "net"):
                projs = [p for p in projections(C, M, self.config)
                         if p.receptor == receptor and (p.pre == "in") == (source == "in")]
                if not projs:
                    continue
                i = np.concatenate([p.i + (0 if p.pre == "in" else offsets[p.pre]) for p in projs])
                j = np.concatenate([p.j + offsets[p.post] for p in projs])
                w = np.concatenate([np.full(len(p.i), p.weight) for p in projs])
                d = np.concatenate([np.full(len(p.i), _steps(f"delay {p.pre}->{p.post}", p.delay, dt, 1) - 1)
                                    for p in projs])
                S = b2.Synapses(inp if source == "in" else G, G, "w : 1 (constant)",
                                on_pre=f"{var}_post += w * {gain}_post", name=f"cam_{source}_{receptor}", **kw)
                S.connect(i=i, j=j)
                S.w = w
                S.delay = d * dt * ms
                objects.append(S)

        self._plastic = {}
        for key, pre, post in ((_PLASTIC[0], "cueCue", "contCue"), (_PLASTIC[1], "contCont", "cueCont")):
            s = self.config["synParameters"][key]
            d = _steps(f"{key}.delay", s["delay"], dt, 1)
            if d != 1:
                raise ValueError(f"{key}.delay must be one time step ({dt} ms) for the plastic projections, "
                                 f"got {s['delay']} ms")
            i, j = _all_to_all(sizes[pre], sizes[post])
            S = b2.Synapses(G, G, _PLASTIC_EQS, on_pre=_ON_PRE, on_post=_ON_POST, name=f"cam_stdp_{pre}", **kw)
            S.connect(i=i + offsets[pre], j=j + offsets[post])
            S.w = s["initWeight"]
            S.a_plus, S.a_minus = s["A_plus"], s["A_minus"]
            S.tau_plus, S.tau_minus = s["tau_plus"] * ms, s["tau_minus"] * ms
            S.w_min, S.w_max = s["w_min"], s["w_max"]
            S.pre.delay = 0 * ms
            S.post.delay = d * dt * ms
            # on ties the (delayed) post-synaptic update comes before the pre-synaptic one
            S.post.order, S.pre.order = -1, 1
            self._plastic[pre] = (S, sizes[pre], sizes[post])
            objects.append(S)

        self._mon = b2.SpikeMonitor(G, name="cam_spikes", codeobj_class=code_class)
        objects.append(self._mon)
        self._G, self._inp = G, inp
        self._net = b2.Network(*objects)

    # -- simulation ---------------------------------------------------------------------
    def run(self, steps: int, cue_spikes: list | None = None, content_spikes: list | None = None) -> None:
        """Advance ``steps`` time steps with the given input.

        ``cue_spikes`` / ``content_spikes``: per input neuron (``n_cues`` / ``n_content``
        lists) the absolute spike times in steps, each in ``[self.t, self.t + steps)``.
        """
        import brian2 as b2

        steps = check_int("steps", steps, low=1)
        idx, times = [], []
        for name, lists, n, off in (("cue_spikes", cue_spikes, self.n_cues, 0),
                                    ("content_spikes", content_spikes, self.n_content, self.n_cues)):
            if lists is None:
                continue
            if len(lists) != n:
                raise ValueError(f"{name} must hold one list per input neuron ({n}), got {len(lists)}")
            for k, ts in enumerate(lists):
                for t in sorted(set(int(check_int(f"{name}[{k}]", x)) for x in ts)):
                    if not self.t <= t < self.t + steps:
                        raise ValueError(f"{name}[{k}] holds time {t}, outside the segment "
                                         f"[{self.t}, {self.t + steps}) (steps)")
                    idx.append(off + k)
                    times.append(t)
        order = np.lexsort((idx, times)) if idx else np.zeros(0, dtype=int)
        self._inp.set_spikes(np.asarray(idx, dtype=int)[order],
                             np.asarray(times, dtype=float)[order] * self.dt * b2.ms)
        self._gen_i += [idx[k] for k in order]
        self._gen_t += [times[k] for k in order]
        self._net.run(steps * self.dt * b2.ms, namespace={})
        self.t += steps

    def table(self) -> SpikeTable:
        """All spikes so far as a :class:`SpikeTable` (times in steps)."""
        mi = np.asarray(self._mon.i[:], dtype=np.int64)
        mt = np.rint(np.asarray(self._mon.t[:]) / (self.dt * 1e-3)).astype(np.int64)
        return _build_table(mi, mt, self.offsets, self.sizes, self._gen_i, self._gen_t, self.n_cues, self.t)

    def weights(self) -> dict[str, np.ndarray]:
        """Current plastic weights: ``cue_to_content`` (C, M) and ``content_to_cue`` (M, C)."""
        out = {}
        for pre, name in (("cueCue", "cue_to_content"), ("contCont", "content_to_cue")):
            S, n_pre, n_post = self._plastic[pre]
            w = np.zeros((n_pre, n_post))
            w[np.asarray(S.i[:]) - self.offsets[pre],
              np.asarray(S.j[:]) - self.offsets["contCue" if pre == "cueCue" else "cueCont"]] = S.w[:]
            out[name] = w
        return out


def simulate(n_cues: int, n_content: int, cue_spikes: list, content_spikes: list, duration: int, *,
             config: dict | None = None, dt: float = 1.0, target: str = "numpy") -> SpikeTable:
    """Run the CAM once on a fixed input (spike times in steps) and return every spike.

    This is the authors' test-bench protocol: ``cue_spikes[k]`` / ``content_spikes[k]`` are the
    times at which input neuron ``k`` of the cue / content half fires; ``duration`` steps.
    """
    net = CAMNetwork(n_cues, n_content, config=config, dt=dt, target=target)
    net.run(check_int("duration", duration, low=1), cue_spikes, content_spikes)
    return net.table()


#: The three published experiments as input schedules (times in ms at dt = 1 ms).
#: Experiment 2 reads its input from the published test-bench file and is built by
#: :func:`experiment_inputs`.
EXPERIMENTS = {
    "exp1_learn_recall_forget": {
        "n_cues": 5, "n_content": 10, "duration": 90,
        # learn cue0={0,1,8,9}, cue4={1,5,6}, cue3={4,5,6}; recall cue0; recall by {6} and by {0,4};
        # overwrite cue3={1,3,4,8}; recall cue3; recall by {6}
        "cue": [[0, 1, 2, 30], [], [], [20, 21, 22, 60, 61, 62, 70], [10, 11, 12]],
        "content": [[0, 1, 2, 50], [0, 1, 2, 10, 11, 12, 60, 61, 62], [], [60, 61, 62],
                    [20, 21, 22, 50, 60, 61, 62], [10, 11, 12, 20, 21, 22], [10, 11, 12, 20, 21, 22, 40, 80],
                    [], [0, 1, 2, 60, 61, 62], [0, 1, 2]],
    },
    "exp3_state_map": {
        # 4x4 map, one cue per cell, 6 state flags: learn the map, then read out the cells
        # holding {initial, goal, path}, {free}, {obstacle}, {unknown}
        "n_cues": 16, "n_content": 6, "duration": 140,
        "cue": [[7 * k, 7 * k + 1, 7 * k + 2] for k in range(16)],
        "content": [[0, 1, 2, 28, 29, 30, 56, 57, 58, 130], [14, 15, 16, 112], [84, 85, 86, 112],
                    [21, 22, 23, 35, 36, 37, 77, 78, 79, 105, 106, 107, 118],
                    [42, 43, 44, 70, 71, 72, 91, 92, 93, 98, 99, 100, 112],
                    [7, 8, 9, 49, 50, 51, 63, 64, 65, 124]],
    },
}


def experiment_inputs(name: str, reference_dir: Any = None) -> dict:
    """Input schedule of a published experiment: ``n_cues, n_content, duration, cue, content``.

    ``exp2_pyramidal_sequence`` (60 operations, 851 ms) is read from the published test-bench
    file ``exp2_pyramidal_sequence.input.json`` in ``reference_dir``.
    """
    import json
    from pathlib import Path

    if name in EXPERIMENTS:
        return copy.deepcopy(EXPERIMENTS[name])
    if name == "exp2_pyramidal_sequence":
        if reference_dir is None:
            raise ValueError("reference_dir is needed for exp2_pyramidal_sequence (its input is a published file)")
        data = json.loads((Path(reference_dir) / "exp2_pyramidal_sequence.input.json").read_text())
        return {"n_cues": len(data["cue"]), "n_content": len(data["cont"]), "duration": int(data["simTime"]),
                "cue": data["cue"], "content": data["cont"]}
    raise ValueError(f"name must be one of {sorted(EXPERIMENTS) + ['exp2_pyramidal_sequence']}, got {name!r}")


def run_experiment(name: str, reference_dir: Any = None, *, config: dict | None = None,
                   target: str = "numpy") -> SpikeTable:
    """Simulate one published experiment (dt = 1 ms) and return its spike table."""
    e = experiment_inputs(name, reference_dir)
    return simulate(e["n_cues"], e["n_content"], e["cue"], e["content"], e["duration"], config=config,
                    target=target)


# --------------------------------------------------------------------------- library face


class CA3CAM:
    """A spiking content-addressable memory: ``n_cues`` addresses holding ``n_content`` bits.

    Each call runs the Brian2 network through one operation per row, ``op_ms`` apart, exactly
    as the published test benches do: learning presents cue and content together for 3 steps,
    recall presents the cue (or a content fragment) for 1 step. Storing under a cue that already
    holds a memory overwrites it (the old bits are forgotten).

    Parameters
    ----------
    n_cues : int
        Number of cues (addresses), >= 1.
    n_content : int
        Content width in bits, >= 1 (``n`` of the Memory protocol; alphabet {0, 1}).
    op_ms : float
        Time between operations in ms, at least 8 steps (the slowest output arrives 7 steps after
        the operation starts). The published experiments use 10 (experiment 1) and 14 (experiment 2).
        Learning operations closer than about 10 ms apart can depress each other's synapses
        through the STDP window (tau = 3 ms): with 8 ms, some random non-orthogonal memories
        lose bits of their content-to-cue association.
    dt : float
        Time step in ms (> 0); published 1.0.
    config : dict, optional
        Network parameters in the authors' layout (default :data:`PUBLISHED_CONFIG`).
    target : {"numpy", "cython"}
        Brian2 code generation target.

    Examples
    --------
    >>> from assoc import CA3CAM
    >>> mem = CA3CAM(5, 10)
    >>> mem.store([0, 4], [[1, 1, 0, 0, 0, 0, 0, 0, 1, 1], [0, 1, 0, 0, 0, 1, 1, 0, 0, 0]])
    >>> mem.recall([0]).states            # content of cue 0
    array([[1, 1, 0, 0, 0, 0, 0, 0, 1, 1]], dtype=int8)
    >>> mem.recall_by_content([[0, 1, 0, 0, 0, 0, 0, 0, 0, 0]]).states   # cues holding bit 1
    array([[1, 0, 0, 0, 1]], dtype=int8)
    """

    alphabet = "binary"
    _LEARN_STEPS = 3

    def __init__(self, n_cues: int, n_content: int, *, op_ms: float = 10.0, dt: float = 1.0,
                 config: dict | None = None, target: str = "numpy"):
        self.n_cues = check_int("n_cues", n_cues, low=1)
        self.n = self.n_content = check_int("n_content", n_content, low=1)
        self.dt = check_float("dt", dt, low=0, low_open=True)
        self.op_ms = check_float("op_ms", op_ms, low=0, low_open=True)
        self.op_steps = _steps("op_ms", self.op_ms, self.dt, 8)
        self.config = check_config(PUBLISHED_CONFIG if config is None else config)
        self.target = check_choice("target", target, ("numpy", "cython"))
        self.reset()

    # -- bookkeeping --------------------------------------------------------------------
    def reset(self) -> None:
        """Forget everything: a fresh network at t = 0 (built on first use)."""
        self._net: CAMNetwork | None = None
        self.contents = np.zeros((self.n_cues, self.n_content), dtype=np.int8)
        self.written = np.zeros(self.n_cues, dtype=bool)
        self.log: list[tuple[str, Any, Any]] = []

    @property
    def net(self) -> CAMNetwork:
        """The underlying :class:`CAMNetwork` (built on first use after a reset)."""
        if self._net is None:
            self._net = CAMNetwork(self.n_cues, self.n_content, config=self.config, dt=self.dt, target=self.target)
        return self._net

    def __len__(self) -> int:
        return int(self.written.sum())

    def __repr__(self) -> str:
        return (f"CA3CAM(n_cues={self.n_cues}, n_content={self.n_content}, op_ms={self.op_ms}, "
                f"dt={self.dt}, stored={len(self)}, t={0 if self._net is None else self._net.t * self.dt} ms)")

    def _check_cue_index(self, name: str, cues: Any) -> np.ndarray:
        try:
            arr = np.asarray(to_numpy(cues))
        except (ValueError, TypeError) as exc:  # ragged nesting
            raise TypeError(f"{name} must be a 1-D array of cue indices, got {cues!r:.60}") from exc
        if arr.ndim != 1 or arr.size == 0:
            raise ValueError(f"{name} must be a non-empty 1-D array of cue indices, got shape {arr.shape}")
        if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
            raise TypeError(f"{name} must hold integer cue indices, got dtype {arr.dtype}")
        bad = (arr < 0) | (arr >= self.n_cues)
        if bad.any():
            raise ValueError(f"{name} must hold cue indices in [0, {self.n_cues - 1}], got {arr[bad][:5].tolist()}")
        return arr.astype(np.int64)

    # -- operations ---------------------------------------------------------------------
    def _run_ops(self, ops: list[tuple[str, int | None, np.ndarray | None]]) -> list[int]:
        """Run operations ('learn' | 'cue' | 'content', cue, bits); return their start steps."""
        t0, L = self.net.t, self.op_steps
        cue = [[] for _ in range(self.n_cues)]
        cont = [[] for _ in range(self.n_content)]
        starts = []
        for k, (kind, c, bits) in enumerate(ops):
            s = t0 + k * L
            starts.append(s)
            hold = self._LEARN_STEPS if kind == "learn" else 1
            times = list(range(s, s + hold))
            if c is not None:
                cue[c] += times
            if bits is not None:
                for b in np.flatnonzero(bits):
                    cont[b] += times
            self.log.append((kind, None if c is None else int(c), None if bits is None else bits.copy()))
        self.net.run(L * len(ops), cue, cont)
        return starts

    def store(self, cues: Any, contents: Any) -> None:
        """Learn ``contents[b]`` under cue ``cues[b]``, one operation per row, in order.

        Parameters
        ----------
        cues : array_like of int, shape (B,)
            Cue indices in ``[0, n_cues)``.
        contents : array_like of {0, 1}, shape (B, n_content)
            Content bits; an all-zero row is refused (it would store nothing).
        """
        cues = self._check_cue_index("cues", cues)
        contents = check_patterns("contents", contents, alphabet="binary", n=self.n_content)
        if contents.shape[0] != cues.shape[0]:
            raise ValueError(f"contents must have one row per cue ({cues.shape[0]}), got {contents.shape[0]}")
        empty = ~contents.any(axis=1)
        if empty.any():
            raise ValueError(f"contents rows {np.flatnonzero(empty)[:5].tolist()} are all zero; a memory needs "
                             "at least one active bit")
        self._run_ops([("learn", int(c), x) for c, x in zip(cues, contents)])
        for c, x in zip(cues, contents):
            self.contents[c] = x
            self.written[c] = True

    def _cue_bit_fraction(self, states: np.ndarray) -> np.ndarray:
        stored = self.contents.astype(np.float64)
        size = np.maximum(stored.sum(axis=1), 1.0)
        return states.astype(np.float64) @ stored.T / size

    @returns_caller_arrays
    def recall(self, cues: Any) -> Recall:
        """Recall by cue: the content bits read out on the output layer, one operation per cue.

        Returns
        -------
        Recall
            ``states`` (B, n_content) int8 {0, 1}; ``overlaps`` (B, n_cues) the cosine overlap
            ``|s & c| / sqrt(|s| |c|)`` of each state with the content stored under each cue
            (0 for a cue that holds nothing); ``extra["cue_bit_fraction"]`` (B, n_cues) the
            fraction of each cue's stored bits that were read out; ``extra["cue_echo"]``
            (B, n_cues) the cue side of the output layer; ``extra["start_steps"]`` (B,) the
            step at which each operation started. All host NumPy, except ``states`` and
            ``overlaps`` for cues of another array library: arrays of that library.
        """
        cues = self._check_cue_index("cues", cues)
        starts = self._run_ops([("cue", int(c), None) for c in cues])
        tab = self.net.table()
        states = np.zeros((len(cues), self.n_content), dtype=np.int8)
        echo = np.zeros((len(cues), self.n_cues), dtype=np.int8)
        for b, s in enumerate(starts):
            states[b, sorted(tab.window("OUTcont", s, s + self.op_steps))] = 1
            echo[b, sorted(tab.window("OUTcue", s, s + self.op_steps))] = 1
        n = len(cues)
        return Recall(states, cosine_overlaps(states, self.contents), np.full(n, self.op_steps),
                      np.ones(n, dtype=bool),
                      extra={"cue_bit_fraction": self._cue_bit_fraction(states), "cue_echo": echo,
                             "start_steps": np.asarray(starts)})

    @returns_caller_arrays
    def recall_by_content(self, fragments: Any) -> Recall:
        """Recall by content: the cues whose memory shares an active bit with each fragment.

        Parameters
        ----------
        fragments : array_like of {0, 1}, shape (B, n_content)
            Content fragments (at least one active bit each).

        Returns
        -------
        Recall
            ``states`` (B, n_cues) int8 {0, 1}, the matching cues read from the output layer;
            ``overlaps`` (B, n_cues) the cosine overlap of each state with the one-hot pattern
            of each cue (``1 / sqrt(|s|)`` for each cue that fired, 0 for the others and for
            a silent output); ``extra["content_echo"]`` (B, n_content) the content side of
            the output layer; ``extra["start_steps"]`` (B,). All host NumPy, except ``states``
            and ``overlaps`` for fragments of another array library: arrays of that library.
        """
        frags = check_patterns("fragments", fragments, alphabet="binary", n=self.n_content)
        empty = ~frags.any(axis=1)
        if empty.any():
            raise ValueError(f"fragments rows {np.flatnonzero(empty)[:5].tolist()} are all zero; a fragment "
                             "needs at least one active bit")
        starts = self._run_ops([("content", None, f) for f in frags])
        tab = self.net.table()
        states = np.zeros((len(frags), self.n_cues), dtype=np.int8)
        echo = np.zeros((len(frags), self.n_content), dtype=np.int8)
        for b, s in enumerate(starts):
            states[b, sorted(tab.window("OUTcue", s, s + self.op_steps))] = 1
            echo[b, sorted(tab.window("OUTcont", s, s + self.op_steps))] = 1
        n = len(frags)
        return Recall(states, cosine_overlaps(states, np.eye(self.n_cues, dtype=np.int8)), np.full(n, self.op_steps),
                      np.ones(n, dtype=bool), extra={"content_echo": echo, "start_steps": np.asarray(starts)})

    def spike_table(self) -> SpikeTable:
        """Every spike since the last reset (times in steps of ``dt``)."""
        if self._net is None:
            return SpikeTable({c: {} for c in TABLE_COLUMNS}, 0)
        return self._net.table()

    def weights(self) -> dict[str, np.ndarray]:
        """The plastic weights (nA): ``cue_to_content`` (C, M), ``content_to_cue`` (M, C)."""
        return self.net.weights()

    # -- persistence --------------------------------------------------------------------
    def state_dict(self) -> dict:
        """Constructor arguments and the log of operations (replayed exactly on load)."""
        return {"class": type(self).__name__, "n": self.n_content, "n_cues": self.n_cues,
                "op_ms": self.op_ms, "dt": self.dt, "config": copy.deepcopy(self.config),
                "log": [(k, c, None if x is None else x.copy()) for k, c, x in self.log]}

    def _check_log(self, log: Any) -> list:
        """The operations of a state's log, checked: ('learn', cue, bits), ('cue', cue, None) or
        ('content', None, bits)."""
        if not isinstance(log, (list, tuple)):
            raise TypeError(f"state['log'] must be a list of operations, got {log!r:.60}")
        ops = []
        for entry in log:
            if not isinstance(entry, (list, tuple)) or len(entry) != 3 \
                    or not isinstance(entry[0], str) or entry[0] not in ("learn", "cue", "content"):
                raise ValueError(f"state['log'] holds {entry!r:.60}, not an operation (kind, cue, bits)")
            kind, c, x = entry
            if (c is None) != (kind == "content") or (x is None) != (kind == "cue"):
                raise ValueError(f"state['log'] holds {entry!r:.60}: a {kind!r} operation has the wrong fields")
            if c is not None:
                c = int(self._check_cue_index("state['log'] cue", [c])[0])
            if x is not None:
                x = check_patterns("state['log'] bits", [x], alphabet="binary", n=self.n_content)[0]
            ops.append((kind, c, x))
        return ops

    def load_state_dict(self, state: dict) -> None:
        """Rebuild the network by replaying the logged operations (deterministic)."""
        if not isinstance(state, dict) or not isinstance(state.get("class"), str) \
                or state["class"] != type(self).__name__:
            raise ValueError(f"state must come from {type(self).__name__}.state_dict()")
        missing = [k for k in ("n", "n_cues", "op_ms", "dt", "config", "log") if k not in state]
        if missing:
            raise ValueError(f"state lacks {missing}: not a {type(self).__name__}.state_dict()")
        sizes = (state["n_cues"], state["n"])
        if not all(isinstance(v, (int, np.integer)) for v in sizes) or sizes != (self.n_cues, self.n_content):
            raise ValueError(f"state is for n_cues={sizes[0]!r:.60}, n_content={sizes[1]!r:.60}; this memory has "
                             f"n_cues={self.n_cues}, n_content={self.n_content}")
        # everything is checked before anything changes: a refused state leaves the memory as it was
        op_ms = check_float("state['op_ms']", state["op_ms"], low=0, low_open=True)
        dt = check_float("state['dt']", state["dt"], low=0, low_open=True)
        op_steps = _steps("state['op_ms']", op_ms, dt, 8)
        try:
            config = check_config(state["config"])
        except (ValueError, TypeError) as exc:
            raise type(exc)(f"state['config']: {exc}") from exc
        ops = self._check_log(state["log"])
        self.op_ms, self.dt, self.config, self.op_steps = op_ms, dt, config, op_steps
        self.reset()
        if ops:
            self._run_ops(ops)
        for kind, c, x in ops:
            if kind == "learn":
                self.contents[c] = x
                self.written[c] = True
