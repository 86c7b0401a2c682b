"""The family registry: the only list of memory families in assoc.

A family is declared once, by :func:`register_family`: its canonical name, its class, its
alphabet and mode, its parameters (:class:`assoc.params.Param`), what load 1 means, how many
synapses (or state variables) it has, the patterns it stores at a coding level, how its cues
are corrupted, how a recall is scored, and the measurements it cannot take (with the reason).
Everything else reads the registry: the top-level names of :mod:`assoc`,
:class:`assoc.agents.EpisodicMemory`, the ``family`` parameter of every driver, the
``family`` key of ``models/*.toml``, ``assoc families`` and the conformance tests.

Scoring: for the +/-1 and ternary families the overlap of a state ``s`` with a target ``x``
is the Mattis overlap on the target's support, ``s . x / |x|_1`` (``s . x / n`` for +/-1
targets: equal to the cosine, and to ``Recall.overlaps``, for +/-1 final states, and the
kept fraction 1 - f for a cue with a fraction f erased; for diluted patterns the Mattis
overlap normalised by 1 - d, as Agliari et al. do). For {0,1} codes and real vectors it is
the cosine ``s . x / (|s| |x|)`` (0 when either is all zero), the same number as
``Recall.overlaps``: ``|s and x| / sqrt(|s| |x|)`` for {0,1} codes. A cue is
*retrieved* when the overlap of its final state with its target is at least the family's
``threshold`` (0.9 unless declared otherwise).

Cue corruption (``cue`` kind, ``cue_fraction`` f), per alphabet:

- +/-1 and ternary: ``flip`` negates round(f n) entries; ``erase`` sets them to 0 (unknown;
  only for families whose recall takes ternary cues); ``random`` redraws them uniformly.
- {0,1} sparse codes: ``erase`` silences f k of the k active units (a fragment);
  ``random`` moves f k active units to random silent positions (same activity); f k is
  rounded up or down at random with the odds that make its mean exactly f k, so small codes
  get the same mean corruption at every n (an erased fragment keeps at least one active unit);
  ``flip`` complements round(f n) entries.
- real: ``flip`` negates, ``erase`` zeroes, ``random`` redraws from N(0, 1) round(f n) entries.
"""

from __future__ import annotations

import importlib
import math
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping

import numpy as np

from .memory import _short, check_choice, check_float
from .metrics import cosine, support_overlap
from .params import Param, check_known, suggest, validate

MEASUREMENTS = ("capacity", "interference", "fragments", "forgetting")
ALPHABETS = ("pm1", "binary", "ternary", "real")
MODES = ("auto", "hetero", "both")
CUE_KINDS = ("flip", "erase", "random")


def _params(*ps: Param) -> dict[str, Param]:
    return {p.name: p for p in ps}


@dataclass(frozen=True)
class Family:
    """One registered memory family; see the module notes and :func:`register_family`."""

    name: str
    target: Any
    alphabet: str
    mode: str
    params: Mapping[str, Param]
    description: str
    cite: str = ""
    load_scale: Callable[[int, dict, float], float] = lambda n, p, c: float(n)
    load_doc: str = "n patterns"
    synapses: Callable[[int, dict, int], float] = lambda n, p, patterns: float(n * (n - 1))
    synapse_doc: str = "n (n - 1) couplings"
    coding: Callable[[int, dict], float] | None = None
    load_range: Any = (0.02, 0.5)
    cue_kinds: tuple = CUE_KINDS
    threshold: float = 0.9
    refuses: Mapping[str, str] = field(default_factory=dict)
    size_arg: str | None = None
    store_items: Callable | None = None
    signal: Callable | None = None
    scorer: Callable | None = None
    theory: Mapping[str, str] = field(default_factory=dict)
    # library use (assoc.agents)
    encoder: str | None = None
    clamp: bool = False
    recall_kwargs: Mapping[str, Any] = field(default_factory=dict)
    n_out: str = "n_out"
    agent: bool = True
    agent_defaults: Mapping[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ classes
    def load(self) -> type:
        """The memory class (imported now)."""
        if not isinstance(self.target, str):
            return self.target
        module, _, attr = self.target.partition(":")
        return getattr(importlib.import_module(module), attr)

    @property
    def class_name(self) -> str:
        return self.target.partition(":")[2] if isinstance(self.target, str) else self.target.__name__

    def check_params(self, values: Mapping[str, Any], *, fill: bool = True) -> dict:
        """``values`` validated against the declared parameters (defaults filled in)."""
        return validate(self.params, dict(values), what=f"parameter(s) of family {self.name!r}", fill=fill)

    def constructor_args(self, values: Mapping[str, Any]) -> dict:
        """The validated parameters that the class constructor takes."""
        return {k: v for k, v in self.check_params(values).items() if self.params[k].ctor}

    def build(self, n: int, params: Mapping[str, Any] | None = None, *, backend: str | None = None,
              seed: int | None = None, n_out: int | None = None):
        """A fresh memory of pattern length ``n`` (value length ``n_out`` for hetero use)."""
        args = self.constructor_args(params or {})
        cls = self.load()
        if n_out is not None:
            args[self.n_out] = n_out
        if backend is not None and "backend" in self.params:
            args["backend"] = backend
        if seed is not None:
            args["seed"] = seed
        if self.size_arg is None:
            return cls(n, **args)
        return cls(**{self.size_arg: n}, **args)

    @property
    def episodic_mode(self) -> str:
        """How :class:`assoc.agents.EpisodicMemory` uses it: ``auto`` ([key | value] completion)
        or ``hetero`` (``store(keys, values)``)."""
        return "auto" if self.mode == "auto" else "hetero"

    def build_for_agent(self, key_dim: int, value_dim: int, *, backend: Any, seed: int | None, **kwargs: Any):
        """A fresh memory for keys of ``key_dim`` and values of ``value_dim`` entries."""
        cls = self.load()
        params = {**self.agent_defaults, **kwargs}
        if self.params:
            params = self.constructor_args(params)
            params.pop("backend", None)
        if self.episodic_mode == "auto":
            return cls(key_dim + value_dim, **params, backend=backend, seed=seed)
        return cls(key_dim, **{self.n_out: value_dim}, **params, backend=backend, seed=seed)

    # ------------------------------------------------------------------ protocol
    def refuse(self, measurement: str) -> None:
        """ValueError with the declared reason if this family cannot take ``measurement``."""
        if measurement in self.refuses:
            raise ValueError(f"the {measurement} measurement does not apply to family {self.name!r}: "
                             f"{self.refuses[measurement]}")

    def coding_level(self, n: int, params: Mapping[str, Any], coding: float | None = None) -> float:
        """The coding level used for generated patterns (fraction active, or of +1 entries)."""
        if coding is not None:
            return check_float("coding", coding, low=0, high=1, low_open=True, high_open=self.alphabet == "pm1")
        if self.coding is None:
            return 0.5
        level = float(self.coding(n, self.check_params(params)))
        if not 0 < level < 1:
            raise ValueError(f"family {self.name!r} at n={n} with {dict(params)} has coding level {level:.3g}, "
                             "not in (0, 1): n is too small for its parameters")
        return level

    def patterns_per_load(self, n: int, params: Mapping[str, Any], coding: float | None = None) -> float:
        """What load 1 means, in patterns (``load_doc`` says it in words)."""
        return float(self.load_scale(n, self.check_params(params), self.coding_level(n, params, coding)))

    def pattern_count(self, load: float, n: int, params: Mapping[str, Any], coding: float | None = None) -> int:
        """Patterns stored at load ``load`` (at least 1)."""
        load = check_float("alpha", load, low=0, low_open=True)
        return max(1, int(round(load * self.patterns_per_load(n, params, coding))))

    def load_range_for(self, params: Mapping[str, Any]) -> tuple | None:
        """The declared load range for these parameters (None where the family declares none)."""
        rng = self.load_range(self.check_params(params)) if callable(self.load_range) else self.load_range
        return None if rng is None else (float(rng[0]), float(rng[1]))

    def synapse_count(self, n: int, params: Mapping[str, Any], patterns: int) -> float:
        return float(self.synapses(n, self.check_params(params), patterns))

    def patterns(self, p: int, n: int, coding: float, rng: np.random.Generator) -> np.ndarray:
        """``(p, n)`` random patterns in the family's alphabet at coding level ``coding``."""
        from . import patterns as pat

        if self.alphabet == "pm1":
            return pat.random_pm1(p, n, rng) if coding == 0.5 else pat.biased_pm1(p, n, 2 * coding - 1, rng)
        if self.alphabet == "binary":
            return pat.sparse_binary(p, n, rng=rng, k=max(1, int(round(coding * n))))
        if self.alphabet == "ternary":
            return pat.diluted(p, n, 1.0 - coding, rng)
        return rng.standard_normal((p, n))

    def corrupt(self, x: np.ndarray, cue: str, fraction: float, rng: np.random.Generator) -> np.ndarray:
        """Cues from the targets ``x`` with ``cue`` corruption of ``fraction`` (see module notes)."""
        cue = check_choice("cue", cue, CUE_KINDS)
        if cue not in self.cue_kinds:
            raise ValueError(f"cue={cue!r} does not apply to family {self.name!r}; allowed: {list(self.cue_kinds)}")
        fraction = check_float("cue_fraction", fraction, low=0, high=1)
        return corrupt(x, self.alphabet, cue, fraction, rng)

    def store(self, mem: Any, items: np.ndarray, *, start: int = 0, params: Mapping[str, Any] | None = None) -> None:
        """Store ``items`` (auto-association; hetero families store each item as key and value)."""
        if self.store_items is not None:
            self.store_items(mem, items, start, self.check_params(params or {}))
        elif self.mode == "hetero":
            mem.store(items, items)
        else:
            mem.store(items)

    def score(self, states: Any, targets: Any) -> np.ndarray:
        """Overlap of each state with its target row, shape (B,): the family's ``scorer``, or by
        alphabet the Mattis overlap on the support (+/-1, ternary) or the cosine ({0,1}, real)."""
        if self.scorer is not None:
            return self.scorer(states, targets)
        return (support_overlap if self.alphabet in ("pm1", "ternary") else cosine)(states, targets)

    def describe(self) -> dict:
        """Plain-data description (for ``assoc families`` and the docs)."""
        return {
            "name": self.name, "class": self.class_name, "alphabet": self.alphabet, "mode": self.mode,
            "load": self.load_doc, "synapses": self.synapse_doc, "description": self.description,
            "cite": self.cite, "refuses": dict(self.refuses),
            "params": [(p.name, p.default, p.allowed(), p.doc) for p in self.params.values()],
        }


# --------------------------------------------------------------------------- corruption


def _choose(rng: np.random.Generator, rows: int, n: int, count: int) -> np.ndarray:
    mask = np.zeros((rows, n), dtype=bool)
    if count:
        idx = np.argsort(rng.random((rows, n)), axis=1)[:, :count]
        np.put_along_axis(mask, idx, True, axis=1)
    return mask


def corrupt(x: np.ndarray, alphabet: str, cue: str, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Corrupt the rows of ``x`` (see the module notes for each alphabet)."""
    x = np.asarray(x)
    b, n = x.shape
    if alphabet == "binary" and cue in ("erase", "random"):
        out = x.astype(np.int8).copy()
        for row in range(b):
            on = np.flatnonzero(out[row])
            count = int(fraction * len(on) + rng.random())  # unbiased: E[count] = fraction * k
            if cue == "erase":
                count = min(count, len(on) - 1)  # a fragment keeps at least one active unit
            if not count:
                continue
            drop = rng.choice(on, size=count, replace=False)
            out[row, drop] = 0
            if cue == "random":
                off = np.flatnonzero(x[row] == 0)
                out[row, rng.choice(off, size=min(count, len(off)), replace=False)] = 1
        return out
    mask = _choose(rng, b, n, int(round(fraction * n)))
    if cue == "flip":
        out = np.where(mask, (1 - x) if alphabet == "binary" else -x, x)
    elif cue == "erase":
        out = np.where(mask, 0, x)
    elif alphabet == "real":
        out = np.where(mask, rng.standard_normal(x.shape), x)
    elif alphabet == "binary":
        out = np.where(mask, rng.integers(0, 2, size=x.shape), x)
    else:
        out = np.where(mask, 2 * rng.integers(0, 2, size=x.shape) - 1, x)
    return out.astype(np.float64 if alphabet == "real" else np.int8)


# --------------------------------------------------------------------------- scoring


def bits_retrieved(states: Any, targets: Any) -> float:
    """Mutual information per entry (bits) between target and retrieved entries.

    Estimated from the joint histogram of (target, retrieved) symbols over all entries, so a
    perfect recall gives the entropy of the targets and an independent one gives 0.
    """
    from .memory import to_numpy

    s = np.asarray(to_numpy(states)).ravel()
    t = np.asarray(to_numpy(targets)).ravel()
    if s.size == 0:
        return 0.0
    sv, si = np.unique(s, return_inverse=True)
    tv, ti = np.unique(t, return_inverse=True)
    joint = np.zeros((len(tv), len(sv)))
    np.add.at(joint, (ti, si), 1.0)
    joint /= joint.sum()
    pt, ps = joint.sum(axis=1, keepdims=True), joint.sum(axis=0, keepdims=True)
    nz = joint > 0
    return float((joint[nz] * np.log2(joint[nz] / (pt @ ps)[nz])).sum())


# --------------------------------------------------------------------------- registry

FAMILIES: dict[str, Family] = {}


def register_family(name: str, target: Any, *, alphabet: str, mode: str, params: Mapping[str, Param] | tuple = (),
                    description: str = "", **fields: Any) -> Family:
    """Declare a family (replacing one of the same name); see :class:`Family` for ``fields``.

    ``target`` is the class or ``"module:Class"`` (imported on first use). The class follows
    the :class:`assoc.memory.Memory` protocol; its constructor takes the pattern length first
    (or as ``size_arg``), then the declared ``params`` by keyword, and ``seed``.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be an identifier-like string, got {_short(name)}")
    check_choice("alphabet", alphabet, ALPHABETS)
    check_choice("mode", mode, MODES)
    if not (isinstance(target, str) and ":" in target) and not callable(target):
        raise TypeError(f"target must be a class or a 'module:Class' string, got {_short(target)}")
    if isinstance(params, tuple):
        params = _params(*params)
    check_known("measurement(s) in refuses", fields.get("refuses", {}), MEASUREMENTS)
    if "encoder" not in fields:
        fields["encoder"] = {"pm1": "sign", "binary": "kwta", "ternary": "sign", "real": None}[alphabet]
    fam = Family(name, target, alphabet, mode, dict(params), description, **fields)
    FAMILIES[name] = fam
    return fam


def unregister_family(name: str) -> None:
    """Remove a registered family (for tests and plugins)."""
    FAMILIES.pop(name, None)


def get_family(name: Any) -> Family:
    """The registered family ``name`` (ValueError naming the registered ones otherwise)."""
    if isinstance(name, Family):
        return name
    if not isinstance(name, str):
        raise TypeError(f"family must be a string naming a registered family, got {_short(name)}")
    if name not in FAMILIES:
        raise ValueError(f"family must be one of {sorted(FAMILIES)}, got {name!r}{suggest(name, FAMILIES)}")
    return FAMILIES[name]


def families() -> dict[str, Family]:
    """Every registered family, by name (registration order)."""
    return dict(FAMILIES)


def available_families() -> dict[str, Family]:
    """The registered families whose class can be imported here."""
    out = {}
    for name, fam in FAMILIES.items():
        try:
            fam.load()
        except (ImportError, AttributeError):
            continue
        out[name] = fam
    return out


# --------------------------------------------------------------------------- the families

def _backend_choices() -> tuple:
    from .backend import backend_names

    return tuple(dict.fromkeys(("auto", *backend_names())))


_BACKEND = Param("backend", "choice", "auto", "array backend (assoc info lists them)", choices=_backend_choices)
_MAX_STEPS = Param("max_steps", "int", 100, "update steps (sweeps) before recall stops", low=1)
_TEMPERATURE = Param("temperature", "float", 0.0, "noise temperature T of glauber dynamics (0: deterministic)", low=0)
_DYNAMICS = Param("dynamics", "choice", "async", "update schedule", choices=("async", "sync", "glauber"))


def _store_labelled(mem, items, start, params):
    mem.store(items, np.arange(start, start + len(items)))


def _store_depressing(mem, items, start, params):
    if params["depression"] == 0:
        mem.store(items)
        return
    for x in items:  # random depression before each pattern: a palimpsest (Amit & Fusi 1994)
        if params["depression"] > 0:
            mem.depress(params["depression"])
        mem.store(x[None, :])


def _weight_signal(w: np.ndarray, xi: np.ndarray) -> np.ndarray:
    """Normalised agreement <W_ij x_i x_j> / rms(W) over i < j (Fusi, Drew & Abbott 2005)."""
    iu = np.triu_indices(w.shape[0], 1)
    wu = w[iu]
    rms = np.sqrt(np.mean(wu * wu))
    if rms == 0:
        return np.zeros(len(xi))
    x = xi.astype(np.float64)
    return np.array([np.mean(wu * (v[iu[0]] * v[iu[1]])) for v in x]) / rms


def _hopfield_signal(mem, xi):
    return _weight_signal(mem.weights(), xi)


def _cascade_signal(mem, xi):
    return mem.signal(xi)


def _willshaw_signal(mem, xi):
    """Fraction of the pattern's own synapses still set minus the fraction of all set."""
    w = mem.weights().astype(np.float64)
    n = w.shape[0]
    np.fill_diagonal(w, 0.0)
    p1 = float(w.sum() / (n * (n - 1)))
    return np.array([w[np.ix_(x > 0, x > 0)].sum() / max(int(x.sum()) * (int(x.sum()) - 1), 1) - p1 for x in xi])


def _ca3_signal(mem, xi):
    """Mean weight inside the pattern's assembly minus the mean weight, in units of w_max."""
    pre, post, w = mem.weights()
    own = [(x[pre] > 0) & (x[post] > 0) for x in xi]
    return np.array([(w[o].mean() if o.any() else 0.0) - w.mean() for o in own]) / mem.w_max


def _dense_scale(n, p, c):
    if p["energy"] == "exponential":
        return 2.0 ** (n / 2)
    return float(n) ** (p["degree"] - 1)


def _dense_synapses(n, p, patterns):
    if p["energy"] == "exponential":
        return float(n * patterns)
    return float(math.comb(n, p["degree"]))


register_family(
    "hopfield", "assoc.memories.hopfield:Hopfield", alphabet="pm1", mode="auto",
    description="classical Hopfield network: Hebbian, Storkey, pseudo-inverse or bounded (palimpsest) couplings",
    cite="Hopfield 1982; Amit, Gutfreund & Sompolinsky 1987; Storkey 1997; Personnaz et al. 1985; Parisi 1986",
    params=(Param("rule", "choice", "hebbian", "learning rule",
                  choices=("hebbian", "storkey", "pseudo_inverse", "palimpsest")),
            _DYNAMICS, _TEMPERATURE, _MAX_STEPS,
            Param("diagonal", "bool", True, "pseudo-inverse rule: keep the self-couplings W_ii"),
            Param("bound", "float", 0.3, "palimpsest rule: bound A on the couplings (steps of 1/sqrt(n))", low=0,
                  low_open=True),
            Param("decay", "float", 0.0, "Hebbian weight decay per stored pattern (a palimpsest)", low=0, high=1,
                  high_open=True),
            Param("representation", "choice", "auto", "recall in pattern space or on an n x n matrix",
                  choices=("auto", "patterns", "weights")),
            _BACKEND),
    load_doc="n patterns (alpha = P / n)", synapse_doc="n (n - 1) couplings", store_items=None, load_range=(0.02, 0.5),
    signal=_hopfield_signal, theory={"capacity": "ags"}, clamp=True,
)
register_family(
    "cascade", "assoc.memories.cascade:CascadeHopfield", alphabet="pm1", mode="auto",
    description="Hopfield network on cascade synapses: metaplastic states, power-law forgetting",
    cite="Fusi, Drew & Abbott 2005, Neuron 45:599",
    params=(Param("states", "int", 8, "cascade depth (metaplastic states per sign)", low=1),
            Param("x", "float", 0.5, "ratio of successive transition probabilities", low=0, high=1, low_open=True),
            Param("q", "float", 0.5, "flip probability of the top level (states = 1: binary synapses)", low=0,
                  high=1, low_open=True),
            _MAX_STEPS, _BACKEND),
    load_doc="n patterns", signal=_cascade_signal, agent=False,
    synapse_doc="n (n - 1) couplings (n (n - 1) / 2 cascade synapses of 2 x states states, counted both ways "
                "as for the Hopfield network)",
    load_range=(0.002, 0.3),
)
register_family(
    "dense", "assoc.memories.dense:DenseAssociativeMemory", alphabet="pm1", mode="auto",
    description="dense associative memory: polynomial, rectified or exponential interaction energy",
    cite="Krotov & Hopfield 2016, NeurIPS 29; Demircigil et al. 2017, J. Stat. Phys. 168:288",
    params=(Param("energy", "choice", "polynomial", "interaction function F",
                  choices=("polynomial", "rectified", "exponential")),
            Param("degree", "int", 3, "degree of the polynomial F(x) = x^degree", low=2),
            _DYNAMICS, _TEMPERATURE, _MAX_STEPS, _BACKEND),
    load_scale=_dense_scale, load_doc="n^(degree - 1) patterns (exponential: 2^(n/2))",
    load_range=lambda p: None if p["energy"] == "exponential" else (0.005, 1.0),
    synapses=_dense_synapses, synapse_doc="C(n, degree) degree-body couplings (exponential: the P n stored bits)",
    theory={"capacity": "krotov_hopfield"}, clamp=True,
)
register_family(
    "modern_hopfield", "assoc.memories.modern:ModernHopfield", alphabet="real", mode="auto",
    description="modern continuous Hopfield network: softmax update, log-sum-exp energy",
    cite="Ramsauer et al. 2021, ICLR",
    params=(Param("beta", "float", 1.0, "inverse temperature of the softmax", low=0, low_open=True),
            _MAX_STEPS, Param("tol", "float", 1e-9, "fixed-point tolerance (max abs change)", low=0, low_open=True),
            _BACKEND),
    load_doc="n patterns", synapses=lambda n, p, patterns: float(n * patterns), load_range=(0.1, 300.0),
    synapse_doc="P n stored reals (bits: the sign information of the real entries)",
    refuses={}, recall_kwargs={"one_step": True},
)
register_family(
    "dense_hebbian", "assoc.memories.dense_hebbian:DenseHebbian", alphabet="pm1", mode="auto",
    description="dense Hebbian network (even degree-body couplings) learning archetypes from examples",
    cite="Agliari, Alemanno, Barra et al. 2023 (arXiv 2211.14067, 2212.00606)",
    params=(Param("degree", "int", 4, "interaction order P (even)", low=2),
            Param("protocol", "choice", "unsupervised", "learning protocol", choices=("unsupervised", "supervised")),
            Param("quality", "float", 1.0, "example quality r (1: the stored items are the archetypes)", low=-1,
                  high=1),
            Param("beta", "float", None, "inverse noise of the Monte Carlo (none: zero noise)", low=0, low_open=True,
                  none=True),
            _MAX_STEPS, _BACKEND),
    load_scale=lambda n, p, c: float(n) ** (p["degree"] - 1), load_doc="n^(degree - 1) patterns",
    load_range=(0.0002, 0.1),
    synapses=lambda n, p, patterns: float(math.comb(n, p["degree"])), synapse_doc="C(n, degree) couplings",
    store_items=_store_labelled, agent=False,
)
register_family(
    "multitask", "assoc.memories.multitask:MultitaskHebbian", alphabet="ternary", mode="auto",
    description="Hebbian network of diluted ternary patterns that retrieves several at once",
    cite="Agliari, Alessandrelli, Barra, Centonze & Ricci-Tersenghi 2023 (arXiv 2308.04106)",
    params=(Param("dynamics", "choice", "async", "update schedule", choices=("async", "glauber")),
            _TEMPERATURE, _MAX_STEPS, _BACKEND),
    coding=lambda n, p: 0.8, load_doc="n patterns (coding level 1 - d: 0.8 unless given)", agent=False,
)
register_family(
    "willshaw", "assoc.memories.willshaw:Willshaw", alphabet="binary", mode="both",
    description="Willshaw network: clipped (binary) Hebbian synapses, bit-packed; auto- or hetero-association",
    cite="Willshaw, Buneman & Longuet-Higgins 1969; Palm 1980",
    params=(Param("threshold", "choice", "kwta", "read-out threshold", choices=("classic", "fixed", "kwta")),
            Param("theta", "int", None, "fixed threshold (threshold='fixed')", low=1, none=True),
            Param("winners", "int", None, "active units of a k-WTA read-out (none: the mean activity of the "
                  "stored items)", low=1, none=True),
            Param("max_steps", "int", 1, "read-out iterations", low=1),
            Param("dilution", "float", 0.0, "fraction of synapses absent", low=0, high=1, high_open=True),
            Param("depression", "float", 0.0,
                  "fraction of set synapses randomly cleared before each stored pattern (palimpsest)",
                  low=0, high=1, ctor=False),
            _BACKEND),
    load_scale=lambda n, p, c: 1.0 / (c * c), load_doc="(n / k)^2 patterns (k active units; ln 2 is the limit)",
    load_range=(0.05, 5.0),
    synapses=lambda n, p, patterns: float(n * n), synapse_doc="n n_out binary synapses",
    coding=lambda n, p: max(2.0, math.log2(n)) / n, store_items=_store_depressing, signal=_willshaw_signal,
    theory={"capacity": "willshaw"},
)
register_family(
    "kanerva", "assoc.memories.kanerva:KanervaSDM", alphabet="binary", mode="hetero",
    description="Kanerva sparse distributed memory: random hard locations, counters",
    cite="Kanerva 1988, Sparse Distributed Memory",
    params=(Param("locations", "int", 2000, "hard locations M", low=1),
            Param("radius", "int", None, "access radius (Hamming)", low=0, none=True),
            Param("activation", "float", 0.02, "access probability (when radius is none)", low=0, high=1,
                  low_open=True, none=True),
            Param("max_steps", "int", 1, "read iterations", low=1), _BACKEND),
    load_scale=lambda n, p, c: float(p["locations"]), load_doc="M patterns (M hard locations)",
    load_range=(0.01, 10.0),
    synapses=lambda n, p, patterns: float(p["locations"] * n), synapse_doc="M n_out counters",
    coding=lambda n, p: 0.5, encoder="binary_sign",
    refuses={"forgetting": "its counters never forget (no palimpsest variant is implemented); "
             "overload shows in the capacity measurement"},
)
register_family(
    "sparsey", "assoc.memories.sparsey:Sparsey", alphabet="binary", mode="auto",
    description="Sparsey macrocolumn: familiarity-contingent sparse code selection, single-trial learning",
    cite="Rinkus 2014, Front. Comput. Neurosci. 8:160",
    params=(Param("modules", "int", 20, "competitive modules Q", low=1),
            Param("cells", "int", 20, "cells per module K", low=1),
            Param("chi", "float", 1000.0, "expansivity: maximal relative likelihood", low=0),
            Param("lam", "float", 20.0, "sigmoid slope", low=0, low_open=True),
            Param("sigma", "float", 0.5, "sigmoid midpoint", low=0, high=1),
            Param("gamma", "float", 1.0, "familiarity exponent", low=0, low_open=True),
            Param("g_floor", "float", 0.3, "familiarity floor", low=0, high=1, high_open=True),
            _BACKEND),
    load_scale=lambda n, p, c: float(p["modules"] * p["cells"]), load_doc="Q K patterns (coding cells)",
    load_range=(0.05, 10.0),
    synapses=lambda n, p, patterns: float(n * (p["modules"] * p["cells"] + patterns)),
    synapse_doc="n Q K binary weights, plus the n P stored inputs it returns",
    coding=lambda n, p: 0.1,
)
register_family(
    "segments", "assoc.memories.segments:DendriticSegments", alphabet="binary", mode="auto",
    description="thresholded dendritic segments detecting sparse patterns",
    cite="Ahmad & Hawkins 2016, arXiv:1601.00720",
    params=(Param("synapses", "int", 20, "synapses grown per stored pattern", low=1),
            Param("theta", "int", 10, "segment threshold", low=1),
            Param("union", "int", 1, "patterns per segment", low=1),
            _BACKEND),
    agent_defaults={"synapses": 8, "theta": 4}, load_range=(0.1, 30.0),
    load_doc="n patterns", synapses=lambda n, p, patterns: float((p["synapses"] + n) * patterns),
    synapse_doc="s synapses per stored pattern, plus the n P stored patterns it returns", coding=lambda n, p: max(0.05, 2.0 * p["synapses"] / n),
)
register_family(
    "ca3", "assoc.memories.spiking.ca3:CA3Network", alphabet="binary", mode="auto",
    description="spiking CA3 attractor network on Brian2: LIF cells, recurrent STDP, feedback inhibition",
    cite="Treves & Rolls 1991, Network 2:371; Hasselmo, Schnell & Barkai 1995",
    params=(Param("p", "float", 0.1, "recurrent connection probability", low=0, high=1, low_open=True),
            Param("a", "float", 0.05, "assembly coding level", low=0, high=1, low_open=True),
            Param("eta_plus", "float", 0.15, "STDP potentiation", low=0),
            Param("eta_minus", "float", 0.03, "STDP depression (overwrites old assemblies)", low=0),
            Param("J", "float", 30.0, "recurrent excitatory coupling (mV per unit weight)", low=0),
            Param("k_inh", "float", 12.0, "feedback inhibition gain", low=0),
            Param("w_max", "float", 1.0, "STDP weight bound", low=0, low_open=True),
            Param("decay", "float", 0.0, "weight decay per encoded pattern", low=0, high=1),
            Param("cholinergic", "bool", True, "suppress recurrent transmission while encoding"),
            Param("dt", "float", 0.5, "integration step (ms)", low=0, low_open=True),
            Param("target", "choice", "numpy", "Brian2 code target",
                  choices=("auto", "numpy", "cython", "standalone"))),
    load_scale=lambda n, p, c: p["p"] * n, load_doc="C = p n patterns (connections per cell)",
    load_range=(0.05, 3.0),
    synapses=lambda n, p, patterns: p["p"] * n * n, synapse_doc="p n^2 recurrent synapses",
    coding=lambda n, p: p["a"], threshold=0.5, store_items=None, signal=_ca3_signal,
    theory={"capacity": "treves_rolls"}, agent=False,
)
register_family(
    "ca3_cam", "assoc.memories.spiking.cam:CA3CAM", alphabet="binary", mode="hetero",
    description="spiking CA3 content-addressable memory (one-hot cues, binary content, STDP), SpiNNaker port",
    cite="Casanueva-Morato et al. 2024, Neural Networks 178:106474",
    params=(Param("n_cues", "int", 5, "one-hot cue lines (one stored content per cue)", low=1),
            Param("op_ms", "float", 10.0, "duration of one operation (ms)", low=0, low_open=True),
            Param("target", "choice", "numpy", "Brian2 code target", choices=("numpy", "cython"))),
    size_arg="n_content", agent=False,
    refuses={m: "its layout stores one content per one-hot cue line (at most n_cues items, cued by line "
             "index, not by a corrupted pattern); its studies are the ca3_cam drivers" for m in MEASUREMENTS},
)

# --------------------------------------------------------------------------- fast-weight memories
# The key-value memories sequence models write at test time (assoc.memories.fastweight): real
# keys and values, hetero-association, one pass over the pairs in order. The measurements
# store each item as its own value; load 1 is as many pairs as the key has entries.

_FW_NORMALIZE = Param("normalize", "bool", True, "unit-length keys and queries")
_FW_LR = Param("lr", "float", 1.0, "write strength (the delta rule's beta)", low=0, high=2, low_open=True)
_FW_DECAY = Param("decay", "float", 0.0, "forgetting per written pair (the gate keeps 1 - decay)", low=0, high=1,
                  high_open=True)
_FW_DEPTH = Param("depth", "int", 1, "layers of the MLP memory (1: a matrix)", low=1)
_FW_HIDDEN = Param("hidden", "int", None, "width of the hidden layers (none: the key length)", low=1, none=True)


def _fw_lr(default: float) -> Param:
    return Param("lr", "float", default, "learning rate of the online gradient step", low=0, high=1, low_open=True)


def _neural_state(n, p, patterns):
    h = p.get("hidden") or n
    widths = [n] + [h] * (p["depth"] - 1) + [n]
    return float(sum(widths[i] * widths[i + 1] for i in range(p["depth"])))


def _fastweight_signal(mem, xi):
    """How much of each item the state returns at its exact key: ``(M(k) . v) / (v . v)``
    (items are stored as their own values; 1 right after a delta-rule write with lr = 1,
    shrinking by the gate's factor per later write)."""
    x = np.asarray(xi, dtype=np.float64)
    r = mem.read(x)
    return np.einsum("ij,ij->i", r, x) / np.einsum("ij,ij->i", x, x)


_FW = dict(alphabet="real", mode="hetero", load_doc="n pairs (alpha = P / n: pairs per key entry)",
           signal=_fastweight_signal,
           synapses=lambda n, p, patterns: float(n * n),
           synapse_doc="n n_out state numbers (bits: the sign information of the real entries)")
_FW_NEURAL = {**_FW, "synapses": _neural_state, "synapse_doc": "the MLP's weights (a depth-1 memory: n n_out)"}

register_family(
    "linear_attention", "assoc.memories.fastweight:LinearAttention", **_FW,
    description="linear attention: Hebbian outer-product fast weights, optional feature map and decay",
    cite="Katharopoulos et al. 2020 (ICML); Schlag, Irie & Schmidhuber 2021; Sun et al. 2023 (retention)",
    params=(Param("feature_map", "choice", "identity", "feature map phi of keys and queries",
                  choices=("identity", "elu1")),
            _FW_DECAY, _FW_NORMALIZE, _BACKEND),
    load_range=(0.02, 2.0), theory={"capacity": "linear_attention"},
)
register_family(
    "deltanet", "assoc.memories.fastweight:DeltaNet", **_FW,
    description="delta rule fast weights (DeltaNet): S <- S + lr (v - S k) k^T",
    cite="Schlag, Irie & Schmidhuber 2021 (ICML); Yang, Wang, Shen, Panda & Kim 2024 (NeurIPS)",
    params=(_FW_LR, _FW_NORMALIZE, Param("chunk", "int", 64, "chunk length of the WY form (numpy backend)", low=1),
            _BACKEND),
    load_range=(0.05, 4.0),
)
register_family(
    "gated_deltanet", "assoc.memories.fastweight:GatedDeltaNet", **_FW,
    description="gated delta rule: S <- (1 - decay) S (I - lr k k^T) + lr v k^T",
    cite="Yang, Kautz & Hatamizadeh 2024 (arXiv 2412.06464)",
    params=(_FW_LR, replace(_FW_DECAY, default=0.01), _FW_NORMALIZE, _BACKEND),
    load_range=(0.05, 4.0),
)
register_family(
    "delta_product", "assoc.memories.fastweight:DeltaProduct", **_FW,
    description="DeltaProduct: n_h delta steps (generalised Householder products) per token",
    cite="Siems et al. 2025 (arXiv 2502.10297)",
    params=(_FW_LR, Param("householder", "int", 2, "delta steps per token (n_h)", low=1), _FW_NORMALIZE, _BACKEND),
    load_range=(0.05, 4.0),
)
_MIRAS = "Behrouz, Razaviyayn, Zhong & Mirrokni 2025 (arXiv 2504.13173)"


def _register_neural(name: str, cls: str, description: str, cite: str, lr: float, *own: Param,
                     load_range: tuple = (0.05, 4.0)) -> None:
    """An MLP memory: depth, width and rate, its own parameters, then decay, normalize, backend."""
    register_family(name, f"assoc.memories.fastweight:{cls}", **_FW_NEURAL, description=description, cite=cite,
                    params=(_FW_DEPTH, _FW_HIDDEN, _fw_lr(lr), *own, _FW_DECAY, _FW_NORMALIZE, _BACKEND),
                    load_range=load_range)


_register_neural("titans", "Titans",
                 "Titans long-term memory: MLP trained online on ||M(k) - v||^2 with momentum and forgetting",
                 "Behrouz, Zhong & Mirrokni 2024 (arXiv 2501.00663)", 0.25,
                 Param("momentum", "float", 0.5, "decay eta of the surprise", low=0, high=1, high_open=True))
_register_neural("moneta", "Moneta", "Moneta (Miras): l_p attentional bias, q-norm retention", _MIRAS, 0.5,
                 Param("p", "float", 3.0, "exponent of the l_p attentional bias", low=1),
                 Param("q", "float", 4.0, "retention norm q", low=1, low_open=True), load_range=(0.005, 2.0))
_register_neural("yaad", "Yaad", "Yaad (Miras): Huber attentional bias with weight decay", _MIRAS, 0.5,
                 Param("huber", "float", None, "Huber threshold on ||M(k) - v|| (none: 2 sqrt(n_out))", low=0,
                       low_open=True, none=True))
_register_neural("memora", "Memora", "Memora (Miras): l2 attentional bias, KL retention on the scaled simplex",
                 _MIRAS, 0.5,
                 Param("scale", "float", None, "mass of each weight row (none: n)", low=0, low_open=True, none=True),
                 load_range=(0.005, 2.0))
register_family(
    "softmax_attention", "assoc.memories.fastweight:SoftmaxAttention",
    **{**_FW, "synapses": lambda n, p, patterns: float(2 * n * patterns),
       "synapse_doc": "the P (n + n_out) numbers of the stored pairs"},
    description="softmax attention over every stored pair (the growing-state reference)",
    cite="Vaswani et al. 2017; Ramsauer et al. 2021 (one modern Hopfield step)",
    params=(Param("beta", "float", 8.0, "inverse temperature on unit keys and queries", low=0, low_open=True),
            _FW_NORMALIZE, _BACKEND),
    load_range=(0.1, 300.0),
)
