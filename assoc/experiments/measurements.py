"""The four measurements, for any registered family: capacity, interference, fragments, forgetting.

Every driver takes ``family`` (a name of :mod:`assoc.registry`) and that family's declared
parameters (``rule=``, ``degree=``, ...). Patterns are drawn in the family's alphabet at the
coding level ``coding`` (None: the family's default); the load ``alpha`` is in the family's
natural scale (``P = alpha * scale``, with ``scale`` what load 1 means for the family:
``n`` for the Hopfield network, ``n^(degree-1)`` for the polynomial dense memory, ...).
Cues are stored items corrupted by ``cue`` (``flip``, ``erase`` or ``random``) of
``cue_fraction``; a recall is scored by the cosine overlap of each final state with its
target (the Mattis overlap for +/-1 patterns) and counts as retrieved at or above the
family's threshold (``retrieval_threshold`` overrides it; see :mod:`assoc.registry`). A family that cannot take a
measurement is refused with the reason it declares.

Columns shared by capacity, interference and fragments: ``patterns`` (stored),
``patterns_per_n`` (P / n), ``m_mean``, ``m_std`` (final overlap with the target),
``retrieved`` (fraction retrieved); forgetting reports them per age bin.
"""

from __future__ import annotations

import numpy as np

from ..params import Param
from ..registry import MEASUREMENTS, bits_retrieved, get_family
from . import driver

_FAMILY = Param("family", "str", "hopfield", "memory family (assoc families lists them)")
_N = Param("n", "int", 500, "pattern length (neurons)", low=2)
_ALPHA = Param("alpha", "float", 0.1, "load, in patterns per the family's natural scale", low=0, low_open=True)
_LOW_ALPHA = Param("alpha", "float", None, "load in the family's natural scale (none: the low end of the family's "
                   "declared load range, where it retrieves)", low=0, low_open=True, none=True)
_CODING = Param("coding", "float", None, "coding level of the patterns (none: the family's default)", low=0,
                high=1, low_open=True, none=True)
_CUE = Param("cue", "choice", "flip", "cue corruption kind", choices=("flip", "erase", "random"))
_PROBES = Param("probes", "int", 50, "stored items used as cues", low=1)
_THRESHOLD = Param("retrieval_threshold", "float", None, "overlap counted as retrieved (none: the family's)",
                   low=-1, high=1, none=True)


def _frac(default: float) -> Param:
    return Param("cue_fraction", "float", default, "fraction of the cue corrupted", low=0, high=1)


def _point_check(measurement: str):
    """A check of a resolved point, run when a spec is loaded: refused measurement, cue kind,
    coding level and load range."""

    def check(params: dict) -> None:
        fam = get_family(params["family"])
        fam.refuse(measurement)
        if params.get("cue", fam.cue_kinds[0]) not in fam.cue_kinds:
            raise ValueError(f"cue={params['cue']!r} does not apply to family {fam.name!r}; "
                             f"allowed: {list(fam.cue_kinds)}")
        own = {k: v for k, v in params.items() if k in fam.params}
        fam.coding_level(params["n"], own, params.get("coding"))
        if "alpha_min" in params:
            _load_range(fam, own, params)

    return check


def _load_range(fam, own, params) -> tuple[float, float]:
    """(alpha_min, alpha_max) of critical_load: as given, or the family's declared range."""
    declared = fam.load_range_for(own)
    lo = params["alpha_min"] if params["alpha_min"] is not None else (declared or (None, None))[0]
    hi = params["alpha_max"] if params["alpha_max"] is not None else (declared or (None, None))[1]
    if lo is None or hi is None:
        raise ValueError(f"family {fam.name!r} with {own} declares no load range: give alpha_min and alpha_max")
    if hi <= lo:
        raise ValueError(f"alpha_max must be > alpha_min={lo}, got {hi}")
    return lo, hi


def _setup(measurement: str, params: dict, seed):
    """(family, family parameters, rng, memory) for one trial."""
    fam = get_family(params["family"])
    _point_check(measurement)(params)
    own = {k: v for k, v in params.items() if k in fam.params}
    rng = np.random.default_rng(seed)
    mem = fam.build(params["n"], own, seed=int(rng.integers(2**31)))
    return fam, own, rng, mem


def _alpha(fam, params) -> float:
    """The load of a point: ``alpha``, or the low end of the family's declared load range."""
    if params["alpha"] is not None:
        return params["alpha"]
    declared = fam.load_range_for({k: v for k, v in params.items() if k in fam.params})
    if declared is None:
        raise ValueError(f"family {fam.name!r} with these parameters declares no load range: give alpha")
    return declared[0]


def _scores(fam, mem, targets, cues, threshold):
    out = mem.recall(cues)
    m = fam.score(out.states, targets)
    thr = fam.threshold if threshold is None else threshold
    return out, m, m >= thr


def _summary(m, ok, out, patterns, n) -> dict:
    return {"patterns": int(patterns), "patterns_per_n": patterns / n, "m_mean": float(m.mean()),
            "m_std": float(m.std()), "retrieved": float(ok.mean()),
            "fixed_frac": float(np.mean(out.converged)), "steps_mean": float(np.mean(out.steps))}


# --------------------------------------------------------------------------- capacity


def _store_and_probe(measurement: str, params: dict, seed):
    """Store P = alpha * scale random items, cue up to ``probes`` of them, score the recall.

    Returns (family, family parameters, items, probed indices, cues, Recall, summary columns).
    """
    fam, own, rng, mem = _setup(measurement, params, seed)
    n = params["n"]
    coding = fam.coding_level(n, own, params["coding"])
    p = fam.pattern_count(_alpha(fam, params), n, own, params["coding"])
    xi = fam.patterns(p, n, coding, rng)
    fam.store(mem, xi, params=own)
    which = rng.choice(p, size=min(params["probes"], p), replace=False)
    cues = fam.corrupt(xi[which], params["cue"], params["cue_fraction"], rng)
    out, m, ok = _scores(fam, mem, xi[which], cues, params["retrieval_threshold"])
    return fam, own, xi, which, cues, out, _summary(m, ok, out, p, n)




@driver("capacity", params=(_FAMILY, _N, _ALPHA, _CODING, _CUE, _frac(0.0), _PROBES, _THRESHOLD),
        family_params=True, check=_point_check("capacity"),
        columns=("patterns", "patterns_per_n", "m_mean", "m_std", "retrieved", "fixed_frac", "steps_mean",
                 "info_per_entry", "bits_per_synapse"))
def capacity(params: dict, seed) -> dict:
    """Retrieval at load ``alpha``: P = alpha * scale items stored, up to ``probes`` of them cued.

    Also ``info_per_entry`` (mutual information between target and retrieved entries, bits,
    from the probes; for real-valued patterns, between the signs of the entries: one bit per
    entry at most) and ``bits_per_synapse`` = P * n_out * info_per_entry / synapses (the
    information actually retrieved per synapse, or per state number of a fast-weight memory).
    """
    fam, own, xi, which, cues, out, res = _store_and_probe("capacity", params, seed)
    p, n = len(xi), params["n"]
    res["info_per_entry"] = _info_per_entry(fam, out.states, xi[which])
    res["bits_per_synapse"] = _bits_per_synapse(fam, own, out, xi[which], p, n)
    return res


def _info_per_entry(fam, states, targets) -> float:
    """Bits per entry retrieved: of the symbols, or of the signs for real-valued patterns."""
    if fam.alphabet == "real":
        from ..memory import to_numpy

        return bits_retrieved(np.sign(np.asarray(to_numpy(states))), np.sign(targets))
    return bits_retrieved(states, targets)


def _bits_per_synapse(fam, own, out, targets, p, n) -> float:
    """Information retrieved per synapse: P * n_out * (bits per entry, from the probes) / synapses."""
    return p * targets.shape[1] * _info_per_entry(fam, out.states, targets) / fam.synapse_count(n, own, p)


@driver("critical_load",
        params=(_FAMILY, _N,
                Param("alpha_min", "float", None, "first load (none: the family's declared load range)", low=0,
                      low_open=True, none=True),
                Param("alpha_max", "float", None, "last load (none: the family's declared load range)", low=0,
                      low_open=True, none=True),
                Param("points", "int", 15, "loads between alpha_min and alpha_max", low=2),
                Param("spacing", "choice", "linear", "spacing of the loads", choices=("linear", "log")),
                Param("stop_after", "int", 0,
                      "stop after this many further loads once retrieval fell below 1/2 (0: run every load)", low=0),
                _CODING, _CUE, _frac(0.0), Param("probes", "int", 40, "stored items used as cues", low=1),
                _THRESHOLD),
        family_params=True, check=_point_check("capacity"), columns=("alpha_c", "patterns_per_n_c", "censored", "frac_first", "frac_last",
                                     "bits_per_synapse_max"))
def critical_load(params: dict, seed) -> dict:
    """Critical load of one disorder sample: where the fraction retrieved falls through 1/2.

    Items are added (online storage) through ``points`` loads from ``alpha_min`` to
    ``alpha_max`` (by default the load range the family declares, where its critical load lies). Returns ``alpha_c`` (linear interpolation of the crossing; ``alpha_max``
    if it is never crossed, ``alpha_min`` if retrieval already fails there), ``censored``
    (1 in either case), ``patterns_per_n_c`` (the crossing in patterns per neuron), the
    fraction retrieved at the first and last load run (with ``stop_after`` > 0 the sweep ends
    that many loads after retrieval fell below 1/2 and stayed there), and ``bits_per_synapse_max``: the largest
    information retrieved per synapse over the loads (as in the capacity driver; for
    real-valued patterns the sign information), the capacity in bits per synapse. Averaged over trials it gives alpha_c(n)
    with its disorder error bar, for the finite-size extrapolation.
    """
    from ..metrics import crossing

    fam, own, rng, mem = _setup("capacity", params, seed)
    n = params["n"]
    lo, hi = _load_range(fam, own, params)
    coding = fam.coding_level(n, own, params["coding"])
    loads = (np.geomspace if params["spacing"] == "log" else np.linspace)(lo, hi, params["points"])
    counts = [fam.pattern_count(a, n, own, params["coding"]) for a in loads]
    have, frac, bits = 0, [], []
    below = 0
    xi = fam.patterns(0, n, coding, rng)
    for c in counts:
        if params["stop_after"] and below > params["stop_after"]:
            break
        if c > have:  # items are drawn as the load grows: a sweep that stops early never draws the rest
            new = fam.patterns(c - have, n, coding, rng)
            fam.store(mem, new, start=have, params=own)
            xi = np.concatenate([xi, new])
            have = c
        which = rng.choice(c, size=min(params["probes"], c), replace=False)
        cues = fam.corrupt(xi[which], params["cue"], params["cue_fraction"], rng)
        out, _, ok = _scores(fam, mem, xi[which], cues, params["retrieval_threshold"])
        frac.append(float(ok.mean()))
        bits.append(_bits_per_synapse(fam, own, out, xi[which], c, n))
        below = below + 1 if frac[-1] < 0.5 else 0
    frac = np.asarray(frac)
    loads = loads[: len(frac)]
    a_c = crossing(loads, frac, 0.5)
    censored = 0
    if not np.isfinite(a_c):
        censored = 1
        a_c = hi if frac[-1] >= 0.5 else lo
    scale = fam.patterns_per_load(n, own, params["coding"])
    return {"alpha_c": float(a_c), "patterns_per_n_c": float(a_c * scale / n), "censored": censored,
            "frac_first": float(frac[0]), "frac_last": float(frac[-1]),
            "bits_per_synapse_max": float(np.max(bits))}


# --------------------------------------------------------------------------- interference


def correlated_items(fam, parents: int, children: int, n: int, c: float, coding: float, rng):
    """``parents * children`` items in groups of ``children`` siblings around a parent, and the parents.

    +/-1 (and ternary): each entry of a child equals its parent's with probability (1 + c)/2
    (sibling overlap c^2 on average; ternary items then share the parent's zeros). {0,1}:
    each child keeps round(c k) of the parent's k active units and draws the rest among the
    silent ones (siblings share about c^2 k units). Real: child = c parent + sqrt(1 - c^2) noise.
    """
    par = fam.patterns(parents, n, coding, rng)
    rep = np.repeat(par, children, axis=0)
    if fam.alphabet in ("pm1", "ternary"):
        same = rng.random(rep.shape) < (1 + c) / 2
        kids = np.where(same, rep, -rep).astype(np.int8)
    elif fam.alphabet == "binary":
        kids = np.zeros_like(rep)
        for row, x in enumerate(rep):
            on, off = np.flatnonzero(x), np.flatnonzero(x == 0)
            keep = int(round(c * len(on)))
            kids[row, rng.choice(on, size=keep, replace=False)] = 1
            kids[row, rng.choice(off, size=len(on) - keep, replace=False)] = 1
    else:
        kids = c * rep + np.sqrt(1 - c * c) * rng.standard_normal(rep.shape)
    return kids, par


@driver("interference",
        params=(_FAMILY, _N, _LOW_ALPHA,
                Param("children", "int", 5, "siblings per parent", low=1),
                Param("c", "float", 0.3, "correlation of a child with its parent", low=0, high=1),
                _CODING, _CUE, _frac(0.0), Param("probes", "int", 30, "stored items used as cues", low=1),
                _THRESHOLD),
        family_params=True, check=_point_check("interference"),
        columns=("patterns", "patterns_per_n", "item_overlap", "m_mean", "m_std", "retrieved", "fixed_frac",
                 "steps_mean", "m_parent", "bit_error",
                 "pred_error", "pred_error_random", "crosstalk_mean", "crosstalk_var", "pred_mean", "pred_var"))
def interference(params: dict, seed) -> dict:
    """Retrieval of correlated items against their measured overlap.

    Returns the shared columns, ``item_overlap`` (mean overlap between siblings, measured),
    ``m_parent`` (final overlap with the cued item's parent: the pull toward the ancestor).
    For the Hebbian Hopfield network also ``bit_error`` (fraction of unstable bits of stored
    items) with its signal-to-noise prediction ``pred_error`` and the uncorrelated
    prediction ``pred_error_random``, and the measured crosstalk ``crosstalk_mean`` /
    ``crosstalk_var`` with ``pred_mean`` / ``pred_var``
    (:func:`assoc.theory.hebbian_crosstalk_prediction`); NaN for the other families.
    """
    from ..theory import hebbian_crosstalk_prediction

    fam, own, rng, mem = _setup("interference", params, seed)
    n, s, c = params["n"], params["children"], params["c"]
    coding = fam.coding_level(n, own, params["coding"])
    total = fam.pattern_count(_alpha(fam, params), n, own, params["coding"])
    parents = max(1, int(round(total / s)))
    xi, anc = correlated_items(fam, parents, s, n, c, coding, rng)
    p = len(xi)
    fam.store(mem, xi, params=own)
    which = rng.choice(p, size=min(params["probes"], p), replace=False)
    cues = fam.corrupt(xi[which], params["cue"], params["cue_fraction"], rng)
    out, m, ok = _scores(fam, mem, xi[which], cues, params["retrieval_threshold"])
    res = _summary(m, ok, out, p, n)
    sib = which - which % s + (which % s + 1) % s  # a sibling of each probed item
    res["item_overlap"] = float(fam.score(xi[which], xi[sib]).mean()) if s > 1 else 0.0
    res["m_parent"] = float(fam.score(out.states, anc[which // s]).mean())
    keys = ("bit_error", "pred_error", "pred_error_random", "crosstalk_mean", "crosstalk_var", "pred_mean",
            "pred_var")
    res.update(dict.fromkeys(keys, float("nan")))
    plain_hebbian = (own.get("rule", "hebbian") == "hebbian" and not own.get("decay", 0.0)
                     and params["coding"] in (None, 0.5))
    if fam.name == "hopfield" and plain_hebbian:  # the prediction assumes unbiased patterns, no decay
        x = xi[which].astype(np.float64)
        aligned = x * (x @ mem.weights())  # x_i h_i = (n - 1)/n + crosstalk C_i
        crosstalk = aligned - (n - 1) / n
        pred = hebbian_crosstalk_prediction(n, p, s, c)
        res.update(bit_error=float((aligned <= 0).mean()), pred_error=pred["error"],
                   pred_error_random=pred["error_random"], crosstalk_mean=float(crosstalk.mean()),
                   crosstalk_var=float(crosstalk.var()), pred_mean=pred["mean"], pred_var=pred["var"])
    return res


# --------------------------------------------------------------------------- fragments


@driver("fragments",
        params=(_FAMILY, _N, _LOW_ALPHA,
                _CODING, Param("cue", "choice", "erase", "cue corruption kind", choices=("flip", "erase", "random")),
                _frac(0.5), Param("probes", "int", 30, "stored items used as cues", low=1), _THRESHOLD),
        family_params=True, check=_point_check("fragments"),
        columns=("patterns", "patterns_per_n", "m0", "m_mean", "m_std", "retrieved", "fixed_frac", "steps_mean",
                 "gain"))
def fragments(params: dict, seed) -> dict:
    """Retrieval from fragments and noisy cues: final overlap against cue quality at a load.

    ``m0`` is the measured overlap of the cues with their targets (the cue quality) and
    ``gain`` = m_mean - m0; swept over ``cue_fraction`` and ``alpha`` it maps the basin of
    attraction (Amit 1989, ch. 4; Forrest 1988, J. Phys. A 21:245).
    """
    fam, own, xi, which, cues, out, res = _store_and_probe("fragments", params, seed)
    m0 = fam.score(cues, xi[which])
    res["m0"] = float(m0.mean())
    res["gain"] = res["m_mean"] - res["m0"]
    return res


# --------------------------------------------------------------------------- forgetting


def age_bins(stored: int, bins: int) -> np.ndarray:
    """Left edges of logarithmic age bins covering ages 0 .. stored - 1 (plus ``stored`` at the end)."""
    edges = np.unique(np.round(np.geomspace(1, stored + 1, bins + 1)).astype(np.int64)) - 1
    edges[-1] = stored
    return edges


@driver("forgetting",
        params=(_FAMILY, _N, Param("patterns", "int", 300, "items stored one after another", low=2),
                _CODING, Param("cue", "choice", "random", "cue corruption kind",
                               choices=("flip", "erase", "random")),
                _frac(0.05), Param("bins", "int", 16, "logarithmic age bins", low=2),
                Param("recall", "bool", True, "run recall (false: memory signal only)"), _THRESHOLD),
        family_params=True, check=_point_check("forgetting"),
        columns=("m_<age>", "sig_<age>", "retrieved_count", "retrieved_per_n", "recent_run"))
def forgetting(params: dict, seed) -> dict:
    """Recall quality and memory signal against age for items stored in sequence.

    The age of an item is the number stored after it. For each logarithmic age bin
    ``[a_k, a_{k+1})`` the driver returns the mean final overlap ``m_<a_k>`` and, where the
    family declares a memory signal (Hopfield-type couplings, cascade synapses, Willshaw,
    CA3 weights), its mean ``sig_<a_k>`` (0 for an item never stored). Summary:
    ``retrieved_count`` (items retrieved), ``retrieved_per_n`` and ``recent_run`` (the
    unbroken run of retrieved items from the newest back: the recent items kept). A family
    with no palimpsest forgets catastrophically past capacity: ``recent_run`` 0.
    """
    fam, own, rng, mem = _setup("forgetting", params, seed)
    n, stored = params["n"], params["patterns"]
    coding = fam.coding_level(n, own, params["coding"])
    xi = fam.patterns(stored, n, coding, rng)
    fam.store(mem, xi, params=own)  # in order: the order defines the ages
    ages = stored - 1 - np.arange(stored)
    res: dict = {}
    sig = fam.signal(mem, xi) if fam.signal is not None else None
    m = None
    if params["recall"]:
        cues = fam.corrupt(xi, params["cue"], params["cue_fraction"], rng)
        _, m, ok = _scores(fam, mem, xi, cues, params["retrieval_threshold"])
    edges = age_bins(stored, params["bins"])
    for lo, hi in zip(edges[:-1], edges[1:]):
        sel = (ages >= lo) & (ages < hi)
        if sig is not None:
            res[f"sig_{lo:06d}"] = float(sig[sel].mean())
        if m is not None:
            res[f"m_{lo:06d}"] = float(m[sel].mean())
    if m is not None:
        newest_first = ok[np.argsort(ages)]
        res["retrieved_count"] = int(ok.sum())
        res["retrieved_per_n"] = float(ok.sum() / n)
        res["recent_run"] = int(np.argmin(newest_first)) if not newest_first.all() else int(stored)
    return res


def supports(family: str, measurement: str) -> tuple[bool, str]:
    """Whether ``family`` takes ``measurement`` and, if not, the declared reason."""
    fam = get_family(family)
    if measurement not in MEASUREMENTS:
        raise ValueError(f"measurement must be one of {MEASUREMENTS}, got {measurement!r}")
    return measurement not in fam.refuses, fam.refuses.get(measurement, "")
