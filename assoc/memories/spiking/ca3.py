"""A scalable spiking CA3 attractor network: sparse assemblies stored by spike-timing plasticity.

The classic picture of CA3 as an autoassociative memory (Marr 1971; McNaughton & Morris 1987;
Treves & Rolls 1991, 1994; Hasselmo, Schnell & Barkai 1995) in leaky integrate-and-fire neurons:

* ``n`` excitatory LIF neurons, each receiving recurrent synapses from a random fraction ``p``
  of the others (``C = p n`` connections per cell; p ~ 0.01-0.04 in rodent CA3);
* feedback inhibition proportional to the recent population activity (an interneuron pool
  treated as one fast linear unit), which keeps activity sparse; an optional quadratic term
  (``k_inh2``, off by default) grows faster than the activity and holds the active fraction
  near the coding level when crosstalk would recruit more cells;
* sparse binary patterns (``a n`` active cells) imposed during an encoding phase by a strong
  external drive (the dentate "teacher"), while the recurrent synapses learn by a
  spike-timing rule: a post-synaptic spike potentiates by ``eta_plus * x`` (``x`` the
  pre-synaptic trace, time constant ``tau_stdp``), every pre-synaptic spike depresses by
  ``eta_minus`` (pre-synaptically gated depression, which makes the rule covariance-like
  for sparse patterns). Weights stay in ``[0, w_max]``: with a small ``w_max`` the synapses
  saturate and old memories are overwritten by new ones (a palimpsest). During encoding the
  recurrent transmission can be suppressed (``cholinergic=True``), as acetylcholine does in
  CA3 (Hasselmo et al. 1995); an optional slow decay multiplies every weight by
  ``1 - decay`` after each stored pattern;
* retrieval: a fraction of one assembly is driven for ``cue_ms``, the drive is removed and the
  network runs freely; the read-out is the spike count of every cell in the following
  ``read_ms``, compared with the stored patterns.

Parameters are Brian2 group variables, not constants in the generated code, so one compiled
network serves every parameter value (see ``benchmarks/bench_spiking.py``). With
``target="standalone"`` the network is a Brian2 ``cpp_standalone`` program built once per
(n, p, dt, slot) into a cache folder and run with run-time arguments (Brian2 >= 2.6): the
connectivity, every parameter, the input and the state are passed on its command line, so
sweep points, trials and parallel workers all reuse one compiled binary
(:mod:`assoc.memories.spiking.standalone`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...memory import (
    Recall,
    check_choice,
    check_float,
    check_int,
    check_memory_estimate,
    check_patterns,
    check_seed,
    returns_caller_arrays,
)
from ...metrics import cosine_overlaps

TARGETS = ("numpy", "cython", "auto", "standalone")

#: version of the standalone program layout below (part of its cache key)
_PROGRAM_VERSION = 2


def _chunk(n: int) -> int:
    """Slots per input TimedArray: a power of two, about 4 M values, fixed for a given ``n``
    (so the generated code depends on ``n`` only)."""
    return int(2 ** np.clip(np.floor(np.log2(max(1, 2**22 // n))), 4, 10))


def _sa_chunk(n: int) -> int:
    """Most slots one run of the standalone program simulates (its input file holds
    ``chunk x n`` values; a shorter input stops the run early)."""
    return min(256, _chunk(n))


def _synapse_capacity(n: int, p: float) -> int:
    """Room in the standalone connectivity table: mean + 8 standard deviations of the
    (binomial) number of recurrent synapses."""
    mean = p * n * (n - 1)
    return int(np.ceil(mean + 8.0 * np.sqrt(mean * (1.0 - p)) + 64))

_E_EQS = """
dv/dt = (drive * stim(t - t_off, i) + ge - (k_inh + k_inh2 * A) * A - v) / tau_m : 1 (unless refractory)
ref : second (shared, constant)
dge/dt = -ge / tau_e : 1
A : 1 (linked)
drive : 1 (shared)
k_inh : 1 (shared)
k_inh2 : 1 (shared)
t_off : second (shared)
tau_m : second (shared, constant)
tau_e : second (shared, constant)
"""
_I_EQS = """
dA/dt = -A / tau_i : 1
tau_i : second (shared, constant)
"""
_REC_EQS = """
w : 1
dx/dt = -x / tau_stdp : 1 (event-driven)
j_eff : 1 (shared)
g_rec : 1 (shared)
plastic : 1 (shared)
eta_plus : 1 (shared)
eta_minus : 1 (shared)
w_max : 1 (shared)
tau_stdp : second (shared, constant)
"""
_REC_PRE = """
ge_post += j_eff * g_rec * gate(t - t_off_pre) * w
x += 1
w = clip(w - plastic * eta_minus, 0, w_max)
"""
_REC_POST = "w = clip(w + plastic * eta_plus * x, 0, w_max)"
# standalone only: per-cell offset and count of outgoing synapses in the connectivity table;
# the time of the last step of a run (the program stops after it)
_SA_EQS = """
off : 1 (constant)
deg : 1 (constant)
"""
_SA_I_EQS = """
t_last : second (shared)
stopped : 1
"""
_STOP_CPP = """
double ca3_stop_after(const double t, const double t_last)
{
    if (t >= t_last)
        Network::_globally_stopped = true;  // the network loop ends after this time step
    return t >= t_last ? 1.0 : 0.0;
}
"""


def _stop_function(b2):
    """``ca3_stop_after(t, t_last)``: ends a standalone run after the step at ``t_last``, which
    makes the simulated duration a run-time argument (the compiled duration is the maximum)."""

    @b2.implementation("cpp", _STOP_CPP, headers=['"network.h"'])
    @b2.check_units(t=b2.second, t_last=b2.second, result=1)
    def ca3_stop_after(t, t_last):
        raise RuntimeError("ca3_stop_after exists in C++ standalone programs only")

    return ca3_stop_after


def _objects(b2, n: int, dt: float, slot: int, chunk: int, code_class, standalone: bool = False):
    """The Brian2 objects of the network, with fixed names (parameters not yet set)."""
    ms = b2.ms
    ckw = {} if code_class is None else {"codeobj_class": code_class}
    kw = {"clock": b2.Clock(dt=dt * ms, name="ca3_clock"), **ckw}
    ta_dt = slot * dt * ms
    stim = b2.TimedArray(np.zeros((chunk, n)), dt=ta_dt, name="ca3_stim")
    gate = b2.TimedArray(np.ones(chunk), dt=ta_dt, name="ca3_gate")
    E = b2.NeuronGroup(n, _E_EQS + (_SA_EQS if standalone else ""), threshold="v > 1", reset="v = 0",
                       refractory="ref", method="euler", name="ca3_exc", namespace={"stim": stim}, **kw)
    Inh = b2.NeuronGroup(1, _I_EQS + (_SA_I_EQS if standalone else ""), method="exact", name="ca3_inh",
                         namespace={"ca3_stop_after": _stop_function(b2)} if standalone else None, **kw)
    if standalone:
        Inh.run_regularly("stopped = ca3_stop_after(t, t_last)", when="end", order=100, name="ca3_stop")
    E.A = b2.linked_var(Inh, "A", index=np.zeros(n, dtype=int))
    ei = b2.Synapses(E, Inh, "inc : 1 (shared)", on_pre="A_post += inc", name="ca3_e2i", **kw)
    ei.connect()
    S = b2.Synapses(E, E, _REC_EQS, on_pre=_REC_PRE, on_post=_REC_POST, name="ca3_rec",
                    namespace={"gate": gate}, **kw)
    mon = b2.SpikeMonitor(E, name="ca3_spikes", **ckw)
    net = b2.Network(E, Inh, ei, S, mon)
    return {"E": E, "I": Inh, "ei": ei, "S": S, "mon": mon, "stim": stim, "gate": gate, "net": net}


def _connectivity(n: int, p: float, seed) -> tuple[np.ndarray, np.ndarray]:
    """Random recurrent connectivity: each cell receives from Binomial(n - 1, p) others (no
    autapses). Returns ``(pre, post)``, ordered by post-synaptic cell."""
    rng = np.random.default_rng(seed)
    k = rng.binomial(n - 1, p, size=n)
    pre = np.concatenate([rng.choice(n - 1, size=kk, replace=False) for kk in k]) if k.sum() else \
        np.zeros(0, dtype=int)
    post = np.repeat(np.arange(n), k)
    pre = pre + (pre >= post)  # skip the diagonal
    return pre.astype(np.int64), post.astype(np.int64)


# state carried from one standalone run to the next: (logical name, group key, variable)
_SA_STATE = [("v", "E", "v"), ("ge", "E", "ge"), ("lastspike", "E", "lastspike"),
             ("not_refractory", "E", "not_refractory"), ("A", "I", "A"), ("x", "S", "x"),
             ("lastupdate", "S", "lastupdate"), ("w", "S", "w")]
_SA_PARAMS = [("drive", "E"), ("k_inh", "E"), ("k_inh2", "E"), ("tau_m", "E"), ("tau_e", "E"), ("ref", "E"),
              ("tau_i", "I"), ("inc", "ei"), ("j_eff", "S"), ("g_rec", "S"), ("plastic", "S"), ("eta_plus", "S"),
              ("eta_minus", "S"), ("w_max", "S"), ("tau_stdp", "S"), ("t_last", "I")]


def build_standalone_program(directory: str, *, n: int, dt: float, slot: int, chunk: int, m_cap: int,
                             version: int) -> dict:
    """Write and compile the standalone program of an ``n``-cell network into ``directory``
    (called in a fresh process by :func:`assoc.memories.spiking.standalone.project`; the active
    Brian2 device is ``cpp_standalone``). One run simulates ``chunk`` slots of ``slot``
    steps. Connectivity (at most ``m_cap`` synapses), parameters, input and initial state are
    run-time arguments; returns the manifest."""
    import brian2 as b2

    from .standalone import apply_phase, arg_entry, result_entry

    o = _objects(b2, n, dt, slot, chunk, None, standalone=True)
    E, Inh, ei, S, mon = o["E"], o["I"], o["ei"], o["S"], o["mon"]
    ctab = b2.TimedArray(np.zeros(m_cap), dt=1 * b2.second, name="ca3_ctab")
    groups = {"E": E, "I": Inh, "ei": ei, "S": S}
    args = {"off": arg_entry("ca3_exc", E.variables["off"], n),
            "deg": arg_entry("ca3_exc", E.variables["deg"], n),
            "ctab": {"name": "ca3_ctab.values", "dtype": "<f8", "size": m_cap}}
    apply_phase(1)
    # synapses of cell i: targets ctab[off[i]], ..., ctab[off[i] + deg[i] - 1], in this order
    S.connect(j="int(ca3_ctab((off_pre + k) * second)) for k in range(int(deg_pre))",
              namespace={"ca3_ctab": ctab})
    apply_phase(2)
    for name, g, var in _SA_STATE:
        size = -1 if g == "S" else groups[g].variables[var].size
        args[name] = arg_entry(groups[g].name, groups[g].variables[var], size)
    for name, g in _SA_PARAMS:
        args[name] = arg_entry(groups[g].name, groups[g].variables[name], 1)
    for name, ta in (("stim", o["stim"]), ("gate", o["gate"])):
        args[name] = {"name": f"{ta.name}.values", "dtype": "<f8", "size": int(ta.values.size)}
    o["net"].run(chunk * slot * dt * b2.ms)  # at most: ca3_stop_after ends a shorter run
    b2.device.build(run=False, directory=directory)
    results = {name: result_entry(groups[g].variables[var]) for name, g, var in _SA_STATE}
    results["spikes_i"] = result_entry(mon.variables["i"])
    results["spikes_t"] = result_entry(mon.variables["t"])
    return {"args": args, "results": results, "n": n, "dt": dt, "slot": slot, "chunk": chunk, "m_cap": m_cap,
            "version": version}


class CA3Network:
    """Spiking CA3 autoassociative memory (Brian2: runtime numpy / Cython, or C++ standalone).

    Parameters
    ----------
    n : int
        Number of excitatory cells (1 ... 10**5).
    p : float
        Recurrent connection probability in (0, 1]; ``C = p n`` synapses per cell.
    a : float
        Coding level the network is tuned for (fraction of cells per pattern), in (0, 0.5].
        It sets the recurrent gain ``j_eff = J / (p a n)`` and the inhibition per spike.
    J : float
        Recurrent excitation a fully potentiated assembly gives one of its cells (> 0).
    k_inh : float
        Gain of the feedback inhibition (>= 0).
    k_inh2 : float
        Quadratic gain of the feedback inhibition (>= 0): a cell receives
        ``k_inh A + k_inh2 A**2``, where ``A`` is the interneuron pool's activity (spikes of the
        last ``tau_i``, one unit per ``a n`` spikes, so about ``rate * tau_i`` times the active
        fraction over ``a``). The default 0 is the linear inhibition; a positive value makes
        the inhibition grow faster than the activity, which holds the active fraction near
        ``a`` when crosstalk would otherwise recruit more and more cells (a soft
        winner-take-all, as the threshold of the Treves-Rolls analysis does).
    eta_plus, eta_minus : float
        Potentiation per post spike and unit trace; depression per pre spike (>= 0).
    w_max : float
        Upper weight bound (> 0). Weights start at ``w_init`` in ``[0, w_max]``.
    decay : float
        Fraction of every weight lost after each stored pattern, in [0, 1).
    cholinergic : bool
        Suppress recurrent transmission during encoding.
    dt : float
        Time step in ms (> 0).
    encode_ms, gap_ms, cue_ms, free_ms, read_ms, reset_ms : float
        Encoding drive per pattern and silent gap after it; cue drive, free run after the cue,
        read window (the last ``read_ms`` of the free run) and the hyperpolarising reset
        between probes (ms, > 0; ``read_ms <= free_ms``).
    drive_encode, drive_cue : float
        External drive during encoding and cueing (units of the firing threshold, > 1).
    seed : int, optional
        Seeds the connectivity.
    target : {"numpy", "cython", "auto", "standalone"}
        Brian2 code generation target of the runtime mode; "auto" takes Cython where a C
        compiler works and numpy otherwise. "standalone" runs a ``cpp_standalone`` program
        compiled once per (n, p, dt, slot) and cached (:mod:`assoc.memories.spiking.standalone`; needs a
        C++ compiler); it gives the same spikes and weights as the runtime targets.
    """

    alphabet = "binary"

    def __init__(self, n: int = 1000, *, p: float = 0.1, a: float = 0.05, J: float = 30.0,
                 k_inh: float = 12.0, k_inh2: float = 0.0, eta_plus: float = 0.15, eta_minus: float = 0.03,
                 w_max: float = 1.0, w_init: float = 0.0, decay: float = 0.0, cholinergic: bool = True, dt: float = 0.5,
                 tau_m: float = 10.0, tau_e: float = 5.0, tau_i: float = 3.0, tau_stdp: float = 10.0,
                 refractory: float = 2.0, encode_ms: float = 30.0, gap_ms: float = 60.0, cue_ms: float = 20.0,
                 free_ms: float = 60.0, read_ms: float = 40.0, reset_ms: float = 30.0, drive_encode: float = 2.0,
                 drive_cue: float = 2.0, seed: int | None = None, target: str = "numpy"):
        self.n = check_int("n", n, low=1, high=100_000)
        self.p = check_float("p", p, low=0, high=1, low_open=True)
        self.a = check_float("a", a, low=0, high=0.5, low_open=True)
        self.J = check_float("J", J, low=0, low_open=True)
        self.k_inh = check_float("k_inh", k_inh, low=0)
        self.k_inh2 = check_float("k_inh2", k_inh2, low=0)
        self.eta_plus = check_float("eta_plus", eta_plus, low=0)
        self.eta_minus = check_float("eta_minus", eta_minus, low=0)
        self.w_max = check_float("w_max", w_max, low=0, low_open=True)
        self.w_init = check_float("w_init", w_init, low=0, high=self.w_max)
        self.decay = check_float("decay", decay, low=0, high=1, high_open=True)
        if not isinstance(cholinergic, (bool, np.bool_)):
            raise TypeError(f"cholinergic must be a bool, got {cholinergic!r}")
        self.cholinergic = bool(cholinergic)
        self.dt = check_float("dt", dt, low=0, low_open=True)
        for name in ("tau_m", "tau_e", "tau_i", "tau_stdp", "encode_ms", "gap_ms", "cue_ms", "free_ms",
                     "read_ms", "reset_ms"):
            setattr(self, name, check_float(name, locals()[name], low=0, low_open=True))
        self.refractory = check_float("refractory", refractory, low=0)
        if self.read_ms > self.free_ms:
            raise ValueError(f"read_ms must be <= free_ms ({self.free_ms}), got {self.read_ms}")
        self.drive_encode = check_float("drive_encode", drive_encode, low=1, low_open=True)
        self.drive_cue = check_float("drive_cue", drive_cue, low=1, low_open=True)
        for name in ("encode_ms", "gap_ms", "cue_ms", "free_ms", "read_ms", "reset_ms"):
            k = getattr(self, name) / self.dt
            if abs(k - round(k)) > 1e-9 * max(1.0, k):
                raise ValueError(f"{name} = {getattr(self, name)} ms must be a whole number of steps dt = {self.dt} ms")
        self._slot = int(np.gcd.reduce([int(round(getattr(self, k) / self.dt)) for k in (
            "encode_ms", "gap_ms", "cue_ms", "free_ms", "reset_ms")]))
        self.seed = check_seed("seed", seed)
        self.target = check_choice("target", target, TARGETS)
        check_memory_estimate(self.p * self.n * self.n * 64.0, f"CA3Network(n={self.n}, p={self.p}) synapses")
        self.reset()

    # -- construction -------------------------------------------------------------------
    def reset(self) -> None:
        """Forget every pattern: new network, same connectivity (same seed)."""
        self.patterns = np.zeros((0, self.n), dtype=np.int8)
        self._net = None
        self.t_ms = 0.0

    def __len__(self) -> int:
        return int(self.patterns.shape[0])

    def __repr__(self) -> str:
        return (f"CA3Network(n={self.n}, p={self.p}, a={self.a}, stored={len(self)}, "
                f"target={self.target!r})")

    @property
    def C(self) -> float:
        """Mean number of recurrent connections per cell, ``p (n - 1)``."""
        return self.p * (self.n - 1)

    def _build(self) -> None:
        if self.target == "standalone":
            self._build_standalone()
            return
        import brian2 as b2

        from brian2.codegen.runtime.cython_rt import CythonCodeObject
        from brian2.codegen.runtime.numpy_rt import NumpyCodeObject

        if self.target == "auto":  # Cython where a C compiler works, else numpy
            code_class = CythonCodeObject if CythonCodeObject.is_available() else NumpyCodeObject
        else:
            code_class = CythonCodeObject if self.target == "cython" else NumpyCodeObject
        # one clock and fixed object names: the generated code is identical for every network
        # of the same size, so a compiled target reuses its cache
        o = _objects(b2, self.n, self.dt, self._slot, _chunk(self.n), code_class)
        E, Inh, S = o["E"], o["I"], o["S"]
        ms = b2.ms
        E.tau_m, E.tau_e, E.ref, Inh.tau_i = self.tau_m * ms, self.tau_e * ms, self.refractory * ms, self.tau_i * ms
        o["ei"].inc = 1.0 / (self.a * self.n)
        pre, post = _connectivity(self.n, self.p, self.seed)
        S.connect(i=pre, j=post)
        S.w = self.w_init
        S.tau_stdp = self.tau_stdp * ms
        S.j_eff = self.J / (self.p * self.a * self.n)
        S.eta_plus, S.eta_minus, S.w_max = self.eta_plus, self.eta_minus, self.w_max
        S.delay = 0 * ms  # a pre spike counts in its own step's trace: synchronous pairs potentiate
        self._E, self._I, self._S, self._mon = E, Inh, S, o["mon"]
        self._net = o["net"]
        self._n_syn = len(pre)

    def _build_standalone(self) -> None:
        """Fetch (building on first use) the compiled program and prepare its connectivity."""
        from .standalone import project

        pre, post = _connectivity(self.n, self.p, self.seed)
        m_cap = _synapse_capacity(self.n, self.p)
        if len(pre) > m_cap:
            raise RuntimeError(f"{len(pre)} synapses exceed the standalone table of {m_cap}")
        spec = {"n": self.n, "dt": self.dt, "slot": self._slot, "chunk": _sa_chunk(self.n), "m_cap": m_cap,
                "version": _PROGRAM_VERSION, "equations": [_E_EQS, _I_EQS, _REC_EQS, _REC_PRE, _REC_POST, _SA_EQS]}
        spec_args = {k: v for k, v in spec.items() if k != "equations"}
        self._project = project("assoc.memories.spiking.ca3:_build_standalone_entry",
                                {**spec_args, "code": spec["equations"]})
        # the program creates synapses grouped by pre-synaptic cell: order[s] is the
        # (post-ordered) synapse that the program holds at position s
        order = np.argsort(pre, kind="stable")
        deg = np.bincount(pre, minlength=self.n).astype(np.float64)
        ctab = np.zeros(m_cap)
        ctab[:len(pre)] = post[order]
        self._sa_phase1 = {"off": np.concatenate([[0.0], np.cumsum(deg)[:-1]]), "deg": deg, "ctab": ctab}
        self._sa_order = order
        self._sa_pre, self._sa_post = pre, post
        self._w = np.full(len(pre), self.w_init)
        self._net = self._project
        self._n_syn = len(pre)

    @property
    def n_synapses(self) -> int:
        if self._net is None:
            self._build()
        return self._n_syn

    def weights(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(pre, post, w)`` of every recurrent synapse."""
        if self._net is None:
            self._build()
        if self.target == "standalone":
            return self._sa_pre.copy(), self._sa_post.copy(), self._w.copy()
        return np.asarray(self._S.i[:]), np.asarray(self._S.j[:]), np.asarray(self._S.w[:])

    def _run(self, stim: np.ndarray, slot_steps: int, drive: float, *, g_rec: float, plastic: float,
             k_inh: float, k_inh2: float = 0.0) -> tuple:
        """Run ``len(stim)`` slots of ``slot_steps`` steps with external input ``drive * stim[slot]``.

        The input goes through TimedArrays of a fixed shape (``_chunk(n)`` slots) with fixed names,
        so the generated code is the same for every call and every network of the same size:
        a compiled target (Cython) builds it once. Long inputs run in several chunks.
        Returns the new spikes ``(cell indices, times in ms since the start of this call)``.
        """
        import brian2 as b2

        if self._net is None:
            self._build()
        if slot_steps != self._slot:
            raise RuntimeError(f"slot of {slot_steps} steps differs from the network's {self._slot}")
        if self.target == "standalone":
            return self._run_standalone(stim, drive, g_rec=g_rec, plastic=plastic, k_inh=k_inh, k_inh2=k_inh2)
        n_before = self._mon.num_spikes
        t0 = self.t_ms
        # every call starts from rest, so a recall depends only on the weights and the cues
        self._E.v, self._E.ge, self._I.A = 0.0, 0.0, 0.0
        self._E.lastspike = -1e9 * b2.ms
        self._S.x = 0.0
        self._E.drive = drive
        self._E.k_inh = k_inh
        self._E.k_inh2 = k_inh2
        self._S.g_rec, self._S.plastic = g_rec, plastic
        ta_dt = slot_steps * self.dt * b2.ms
        chunk = _chunk(self.n)
        for start in range(0, len(stim), chunk):
            part = stim[start:start + chunk]
            values = np.zeros((chunk, self.n))
            values[:len(part)] = part
            gate = np.ones(chunk)
            gate[:len(part)] = part.min(axis=1) >= 0  # recurrent transmission off in reset slots
            self._E.namespace["stim"] = b2.TimedArray(values, dt=ta_dt, name="ca3_stim")
            self._S.namespace["gate"] = b2.TimedArray(gate, dt=ta_dt, name="ca3_gate")
            self._E.t_off = self.t_ms * b2.ms
            steps = len(part) * slot_steps
            self._net.run(steps * self.dt * b2.ms, namespace={})
            self.t_ms += steps * self.dt
        i = np.asarray(self._mon.i[n_before:])
        t = np.asarray(self._mon.t[n_before:]) / 1e-3 - t0
        return i, t

    def _run_standalone(self, stim: np.ndarray, drive: float, *, g_rec: float, plastic: float,
                        k_inh: float, k_inh2: float = 0.0) -> tuple:
        """:meth:`_run` on the compiled standalone program: one program run per ``chunk`` slots
        (a last, shorter one stops early), the state (membranes, traces, refractoriness,
        weights) carried from run to run."""
        proj = self._project
        chunk, n, dt = proj.manifest["chunk"], self.n, self.dt
        span_s = chunk * self._slot * dt * 1e-3
        params = {"drive": drive, "k_inh": k_inh, "k_inh2": k_inh2, "tau_m": self.tau_m * 1e-3,
                  "tau_e": self.tau_e * 1e-3, "ref": self.refractory * 1e-3, "tau_i": self.tau_i * 1e-3, "inc": 1.0 / (self.a * n),
                  "j_eff": self.J / (self.p * self.a * n), "g_rec": g_rec, "plastic": plastic,
                  "eta_plus": self.eta_plus, "eta_minus": self.eta_minus, "w_max": self.w_max,
                  "tau_stdp": self.tau_stdp * 1e-3}
        # every call starts from rest, so a recall depends only on the weights and the cues
        state = {"v": 0.0, "ge": 0.0, "lastspike": -1e6, "not_refractory": True, "A": 0.0, "x": 0.0,
                 "lastupdate": 0.0}
        names = [k for k, _, _ in _SA_STATE] + ["spikes_i", "spikes_t"]
        t0 = self.t_ms
        got_i, got_t = [np.zeros(0, dtype=np.int64)], [np.zeros(0)]
        for start in range(0, len(stim), chunk):
            part = stim[start:start + chunk]
            values = np.zeros((chunk, n))
            values[:len(part)] = part
            gate = np.ones(chunk)
            gate[:len(part)] = part.min(axis=1) >= 0  # recurrent transmission off in reset slots
            w = self._w[self._sa_order] if self._n_syn else 0.0
            steps = len(part) * self._slot
            out = proj.run(self._sa_phase1, {**params, **state, "w": w, "stim": values, "gate": gate,
                                             "t_last": (steps - 1.5) * dt * 1e-3}, names)
            keep = out["spikes_t"] < steps * dt * 1e-3 - 1e-12
            got_i.append(out["spikes_i"][keep].astype(np.int64))
            got_t.append(out["spikes_t"][keep] * 1e3 + (self.t_ms - t0))
            if self._n_syn:
                self._w[self._sa_order] = out["w"]
            state = {"v": out["v"], "ge": out["ge"], "lastspike": out["lastspike"] - span_s,
                     "not_refractory": out["not_refractory"], "A": out["A"], "x": out["x"],
                     "lastupdate": out["lastupdate"] - span_s}
            self.t_ms += steps * dt
        return np.concatenate(got_i), np.concatenate(got_t)

    def _steps(self, ms: float) -> int:
        return int(round(ms / self.dt))

    # -- protocol -----------------------------------------------------------------------
    def store(self, patterns: Any) -> None:
        """Encode a batch of binary patterns (P, n), one after the other.

        Each pattern's cells are driven for ``encode_ms`` (all others silent), followed by a
        silent ``gap_ms``; the recurrent synapses learn by the spike-timing rule throughout.
        With ``decay > 0`` every weight is then multiplied by ``1 - decay``.
        """
        x = check_patterns("patterns", patterns, alphabet="binary", n=self.n)
        if (x.sum(axis=1) == 0).any():
            raise ValueError("patterns must each have at least one active cell")
        ne, ng = self._steps(self.encode_ms), self._steps(self.gap_ms)
        slot = self._slot
        per = (ne + ng) // slot
        stim = np.zeros((len(x) * per, self.n))
        for k, row in enumerate(x):
            stim[k * per: k * per + ne // slot] = row
        g_rec = 0.0 if self.cholinergic else 1.0
        if self.decay == 0:
            self._run(stim, slot, self.drive_encode, g_rec=g_rec, plastic=1.0, k_inh=0.0)
        else:  # one run per pattern, every weight scaled by 1 - decay after it
            for k in range(len(x)):
                self._run(stim[k * per: (k + 1) * per], slot, self.drive_encode, g_rec=g_rec, plastic=1.0,
                          k_inh=0.0)
                if self.target == "standalone":
                    self._w *= 1.0 - self.decay
                else:
                    self._S.w = self._S.w[:] * (1.0 - self.decay)
        self.patterns = np.concatenate([self.patterns, x])

    @returns_caller_arrays
    def recall(self, cues: Any) -> Recall:
        """Retrieve from a batch of binary cues (B, n), typically a fraction of one pattern.

        Every probe: the cued cells are driven for ``cue_ms``, the network runs freely for
        ``free_ms`` and the spikes of the last ``read_ms`` are counted; then a hyperpolarising
        reset of ``reset_ms`` silences the network before the next probe.

        Returns
        -------
        Recall
            ``states`` (B, n) int8 {0,1}, the cells that fired in the read window;
            ``overlaps`` (B, P) the cosine overlap ``|s & x_mu| / sqrt(|s| |x_mu|)`` of these
            states with each stored pattern (1: exactly the pattern's cells fired; 0 for a
            silent network); ``extra["correlation"]`` (B, P) the Pearson correlation between
            the states and each pattern (:func:`pattern_correlation`; also 1 for exactly the
            pattern's cells and 0 for silence, but near 0 for a state unrelated to the
            pattern); ``extra["counts"]`` the spike counts; ``extra["rate_hz"]`` the mean rate
            in the window and ``extra["active_fraction"]``. All host NumPy, except ``states``
            and ``overlaps`` for cues of another array library: arrays of that library.
        """
        x = check_patterns("cues", cues, alphabet="binary", n=self.n)
        nc, nf, nr = self._steps(self.cue_ms), self._steps(self.free_ms), self._steps(self.reset_ms)
        slot = self._slot
        per = (nc + nf + nr) // slot
        stim = np.zeros((per * len(x), self.n))
        for b, row in enumerate(x):
            stim[b * per: b * per + nc // slot] = row
            # hyperpolarising reset, then one slot to relax towards rest before the next cue
            stim[b * per + (nc + nf) // slot: (b + 1) * per - (1 if nr // slot > 1 else 0)] = -1.0
        i, rel = self._run(stim, slot, self.drive_cue, g_rec=1.0, plastic=0.0, k_inh=self.k_inh,
                           k_inh2=self.k_inh2)
        counts = np.zeros((len(x), self.n))
        period = per * slot * self.dt
        b = np.floor(rel / period + 1e-9).astype(int)
        within = rel - b * period
        lo, hi = (nc + nf) * self.dt - self.read_ms, (nc + nf) * self.dt
        sel = (within >= lo - 1e-9) & (within < hi - 1e-9) & (b < len(x))
        np.add.at(counts, (b[sel], i[sel]), 1.0)
        states = (counts > 0).astype(np.int8)
        rate = counts.sum(axis=1) / self.n / (self.read_ms * 1e-3)
        return Recall(states, cosine_overlaps(states, self.patterns), np.full(len(x), nc + nf),
                      np.ones(len(x), dtype=bool),
                      extra={"correlation": pattern_correlation(states, self.patterns), "counts": counts,
                             "rate_hz": rate, "active_fraction": states.mean(axis=1)})

    def state_dict(self) -> dict:
        """Constructor arguments, stored patterns and the current weights."""
        _, _, w = self.weights()
        return {"class": type(self).__name__, "n": self.n, "patterns": self.patterns.copy(), "w": w.copy(),
                "params": {k: getattr(self, k) for k in (
                    "p", "a", "J", "k_inh", "k_inh2", "eta_plus", "eta_minus", "w_max", "w_init", "decay",
                    "cholinergic", "dt", "seed", "target")}}

    def load_state_dict(self, state: dict) -> None:
        """Restore weights and patterns saved by :meth:`state_dict` (same n, p and seed)."""
        if not isinstance(state, dict) or not isinstance(state.get("class"), str) \
                or state["class"] != type(self).__name__:
            raise ValueError(f"state must come from {type(self).__name__}.state_dict()")
        missing = [k for k in ("n", "patterns", "w", "params") if k not in state]
        if missing:
            raise ValueError(f"state lacks {missing}: not a {type(self).__name__}.state_dict()")
        if not isinstance(state["params"], dict):
            raise TypeError(f"state['params'] must be a dict, got {state['params']!r:.60}")
        for k in ("p", "seed"):
            v = state["params"].get(k)
            if not isinstance(v, (float, int, type(None))) or v != getattr(self, k):
                raise ValueError(f"state has {k}={state['params'].get(k)!r:.60}, this network has {getattr(self, k)!r}")
        if not isinstance(state["n"], (int, np.integer)) or state["n"] != self.n:
            raise ValueError(f"state has n={state['n']!r:.60}, this network has n={self.n}")
        patterns = check_patterns("state['patterns']", state["patterns"], alphabet="binary", n=self.n, allow_empty=True)
        try:
            w = np.array(state["w"], dtype=np.float64)
        except (ValueError, TypeError) as exc:
            raise TypeError(f"state['w'] must be the array of weights, got {state['w']!r:.60}") from exc
        if w.ndim != 1 or not np.isfinite(w).all():
            raise ValueError(f"state['w'] must be a finite 1-D array of weights, got shape {w.shape}")
        saved = dict(self.__dict__)  # a refused load leaves the network as it was
        try:
            self.reset()
            self._build()
            have = self._w.shape if self.target == "standalone" else np.asarray(self._S.w[:]).shape
            if w.shape != have:
                raise ValueError(f"state has {w.size} weights, this network has {int(np.prod(have))}")
            if self.target == "standalone":
                self._w = w
            else:
                self._S.w = w
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise
        self.patterns = patterns


def pattern_correlation(counts: np.ndarray, patterns: np.ndarray) -> np.ndarray:
    """Pearson correlation between activity vectors (B, n) and binary patterns (P, n).

    ``counts`` may be spike counts or binary states. A silent vector (zero variance) has
    correlation 0 with every pattern.
    """
    counts = np.asarray(counts, dtype=np.float64)
    pats = np.asarray(patterns, dtype=np.float64)
    if pats.shape[0] == 0:
        return np.zeros((counts.shape[0], 0))
    c = counts - counts.mean(axis=1, keepdims=True)
    q = pats - pats.mean(axis=1, keepdims=True)
    cn = np.linalg.norm(c, axis=1, keepdims=True)
    qn = np.linalg.norm(q, axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (c @ q.T) / (cn * qn.T)
    return np.nan_to_num(r, nan=0.0, posinf=0.0, neginf=0.0)


def _build_standalone_entry(directory: str, *, code: list, **spec) -> dict:
    """Builder called by :func:`assoc.memories.spiking.standalone.project` (``code`` only keys the cache)."""
    return build_standalone_program(directory, **spec)
