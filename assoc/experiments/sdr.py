"""Drivers of the sparse-distributed memories (Willshaw, Kanerva SDM, dendritic segments, Sparsey).

Each returns measured quantities side by side with their theoretical values from
:mod:`assoc.theory`, so figures overlay theory on the same rows.
"""

from __future__ import annotations

import numpy as np

from dataclasses import replace

from .. import theory
from ..memories.kanerva import KanervaSDM
from ..memories.segments import DendriticSegments
from ..memories.sparsey import Sparsey
from ..memories.willshaw import Willshaw
from ..params import Param
from ..patterns import sparse_binary
from ..registry import _BACKEND, get_family
from . import driver

_BACKEND_NUMBA = replace(_BACKEND, default="numba")


def _kept(cue_fraction: float) -> float:
    """Fraction of the active units a cue keeps, ``1 - cue_fraction``, rounded to 12 decimals
    (so that ``cue_fraction = 0.95`` keeps exactly 0.05 and ties round as before)."""
    return round(1.0 - cue_fraction, 12)


def _keep_bits(x: np.ndarray, c: int, rng: np.random.Generator) -> np.ndarray:
    """Keep exactly ``c`` of the active bits of each row (a fragment cue), chosen at random."""
    out = np.zeros_like(x)
    for b in range(x.shape[0]):
        on = np.flatnonzero(x[b])
        out[b, rng.choice(on, size=min(c, on.size), replace=False)] = 1
    return out


@driver(
    "willshaw",
    params=(
        Param("n", "int", 1000, "key units", low=1),
        Param("n_out", "int", 0, "value units (0: n)", low=0),
        Param("k", "int", 10, "active units per key", low=1),
        Param("l", "int", 0, "active units per value (0: k)", low=0),
        Param("alpha", "float", None, "load, P = alpha n n_out / (k l) pairs (none: the optimal load, p1 = 1/2)",
              low=0, low_open=True, none=True),
        Param("patterns", "int", 0, "stored pairs (0: from alpha)", low=0),
        Param("mode", "choice", "hetero", "hetero- or auto-association", choices=("hetero", "auto")),
        Param("cue", "choice", "erase", "cue corruption kind (a fragment of the key)", choices=("erase",)),
        Param("cue_fraction", "float", 0.0, "fraction of the key's active units erased (at least one kept)",
              low=0, high=1, high_open=True),
        Param("threshold", "choice", "classic", "read-out threshold", choices=("classic", "fixed", "kwta")),
        Param("max_steps", "int", 1, "read-out iterations", low=1),
        Param("dilution", "float", 0.0, "fraction of synapses absent", low=0, high=1, high_open=True),
        Param("probes", "int", 200, "stored keys used as cues", low=1),
        _BACKEND_NUMBA,
    ),
    columns=("patterns", "patterns_opt", "alpha", "p1", "p1_theory", "fp", "fp_sem", "fp_theory", "fp_exact",
             "miss", "miss_theory", "error", "perfect", "bits", "bits_theory", "steps_mean"),
)
def willshaw(params: dict, seed: np.random.SeedSequence) -> dict:
    """Willshaw memory at a given load: set synapses, false positives, misses, information.

    ``patterns`` pairs are stored (0: ``round(alpha n n_out / (k l))``, the family's natural
    scale, (n / k)^2 for auto-association; ``alpha`` none: ``round(patterns_opt)``, the load at
    p1 = 1/2). Keys have ``k`` of ``n`` active units, values ``l`` of ``n_out`` (0: same as the
    key's); ``mode="auto"`` stores the keys auto-associatively. Each of ``probes`` stored keys
    is cued with a fragment: a fraction ``cue_fraction`` of its active bits erased, keeping
    ``max(1, round((1 - cue_fraction) k))``. Returns ``patterns``, ``patterns_opt``, ``alpha``
    (P k l / (n n_out)), ``p1`` and ``p1_theory``; ``fp`` (false positives per retrieval, mean
    over cues), ``fp_sem``, ``fp_theory`` (independence approximation) and ``fp_exact``
    (row-load mixture, undiluted classic threshold); ``miss``, ``miss_theory``; ``error``
    ((fp + miss) / l); ``perfect`` (fraction of exact retrievals); ``bits`` (information per
    synapse from the measured error rates) and ``bits_theory``.
    """
    n = params["n"]
    n_out = params["n_out"] or n
    mode = params["mode"]
    if mode == "auto" and n_out != n:
        raise ValueError(f"mode='auto' needs n_out == n, got n={n}, n_out={n_out}")
    k = params["k"]
    if k > n:
        raise ValueError(f"k must be <= {n}, got {k}")
    l = k if mode == "auto" else (params["l"] or k)
    if l > n_out:
        raise ValueError(f"l must be <= n_out={n_out}, got {l}")
    c = max(1, int(round(_kept(params["cue_fraction"]) * k)))
    probes = params["probes"]
    auto = mode == "auto"
    m_opt = float(theory.willshaw_optimal_load(k, l, n, n_out, auto=auto))
    M = params["patterns"]
    if M == 0:
        M = max(1, int(round(m_opt if params["alpha"] is None else params["alpha"] * n * n_out / (k * l))))
    rng = np.random.default_rng(seed)
    keys = sparse_binary(M, n, k=k, rng=rng)
    vals = keys if mode == "auto" else sparse_binary(M, n_out, k=l, rng=rng)
    threshold = params["threshold"]
    mem = Willshaw(
        n,
        n_out,
        threshold,
        winners=l if threshold == "kwta" else None,
        theta=c if threshold == "fixed" else None,
        max_steps=params["max_steps"],
        dilution=params["dilution"],
        backend=params["backend"],
        seed=int(rng.integers(2**63)),
    )
    mem.store(keys, None if mode == "auto" else vals)
    which = rng.choice(M, size=min(probes, M), replace=False)
    cues = _keep_bits(keys[which], c, rng)
    out = mem.recall(cues)
    states = mem.backend.to_numpy(out.states)
    target = vals[which].astype(bool)
    fp = (states.astype(bool) & ~target).sum(axis=1)
    miss = (~states.astype(bool) & target).sum(axis=1)
    dil = float(params["dilution"])
    p01 = float(fp.mean()) / (n_out - l) if n_out > l else 0.0
    p10 = float(miss.mean()) / l
    fp_theory = (n_out - l) * float(theory.willshaw_false_positive(M, k, l, n, n_out, c, dilution=dil, auto=auto))
    fp_exact = float("nan")
    if dil == 0:
        fp_exact = (n_out - l) * theory.willshaw_false_positive_exact(M, k, l, n, n_out, c, auto=auto)
    if auto:
        # information about the uncued units only (the cue bits are given)
        p01_a = float(fp.mean()) / (n - k) if n > k else 0.0
        uncued = target & ~cues.astype(bool)
        p10_a = float((~states.astype(bool) & uncued).sum(axis=1).mean()) / (k - c) if k > c else 0.0
        bits = float(theory.willshaw_bits_per_synapse(M, k, l, n, n_out, c, p01=p01_a, p10=p10_a, auto=True))
    else:
        bits = float(theory.willshaw_bits_per_synapse(M, k, l, n, n_out, c, p01=p01, p10=p10))
    return {
        "patterns": M,
        "patterns_opt": m_opt,
        "alpha": M * k * l / (n * n_out),
        "p1": mem.p1(off_diagonal=auto),
        "p1_theory": float(theory.willshaw_p1(M, k, l, n, n_out, auto=auto)),
        "fp": float(fp.mean()),
        "fp_sem": float(fp.std(ddof=1) / np.sqrt(len(fp))) if len(fp) > 1 else 0.0,
        "fp_theory": fp_theory,
        "fp_exact": fp_exact,
        "miss": float(miss.mean()),
        "miss_theory": l * float(theory.willshaw_miss(c, dil)),
        "error": float((fp + miss).mean()) / l,
        "perfect": float(((fp + miss) == 0).mean()),
        "bits": bits,
        "bits_theory": float(theory.willshaw_bits_per_synapse(M, k, l, n, n_out, c, auto=auto)),
        "steps_mean": float(np.mean(out.steps)),
    }


@driver(
    "sdm",
    params=(
        Param("n", "int", 256, "address and data bits", low=1),
        Param("locations", "int", 2000, "hard locations N", low=1),
        Param("items", "int", 100, "stored items T (random addresses, random data)", low=1),
        Param("radius", "int", -1, "access radius (Hamming; -1: from activation)", low=-1),
        Param("activation", "float", 0.0, "access probability (0: Kanerva's optimum)", low=0, high=1),
        Param("cue", "choice", "flip", "cue corruption kind (address bits flipped)", choices=("flip",)),
        Param("cue_fraction", "float", 0.0, "fraction of the address bits flipped", low=0, high=1),
        Param("probes", "int", 100, "stored items read back", low=1),
        _BACKEND_NUMBA,
    ),
    columns=("radius", "access", "activated", "bit_error", "bit_error_sem", "bit_error_theory", "perfect"),
)
def sdm(params: dict, seed: np.random.SeedSequence) -> dict:
    """Kanerva SDM: bit errors reading T random items (random addresses, random data).

    The radius is ``radius`` if >= 0, else the one giving access probability ``activation``
    if > 0, else Kanerva's optimum ``(2 N T)^(-1/3)``. Each of ``probes`` stored items is read
    at its address with ``round(cue_fraction n)`` bits flipped. Returns ``radius``, ``access``
    (probability), ``activated`` (mean locations per read), ``bit_error`` (fraction of wrong
    bits), ``bit_error_sem``, ``bit_error_theory``, ``perfect`` (fraction read without error).
    """
    n = params["n"]
    N = params["locations"]
    T = params["items"]
    d = int(round(params["cue_fraction"] * n))
    probes = params["probes"]
    radius = params["radius"]
    if radius > n:
        raise ValueError(f"radius must be <= {n}, got {radius}")
    activation = params["activation"]
    if radius < 0:
        p = activation if activation > 0 else float(theory.sdm_optimal_activation(N, T))
        radius = theory.sdm_radius_for(n, p)
    rng = np.random.default_rng(seed)
    addr = rng.integers(0, 2, size=(T, n), dtype=np.int8)
    data = rng.integers(0, 2, size=(T, n), dtype=np.int8)
    mem = KanervaSDM(n, N, radius=radius, backend=params["backend"], seed=int(rng.integers(2**63)))
    mem.store(addr, data)
    which = rng.choice(T, size=min(probes, T), replace=False)
    cues = addr[which].copy()
    for b in range(len(which)):
        flip_at = rng.choice(n, size=d, replace=False)
        cues[b, flip_at] ^= 1
    out, activated = mem.read(cues)
    err = (out != data[which]).mean(axis=1)
    return {
        "radius": radius,
        "access": mem.access_probability,
        "activated": float(np.mean(activated)),
        "bit_error": float(err.mean()),
        "bit_error_sem": float(err.std(ddof=1) / np.sqrt(len(err))) if len(err) > 1 else 0.0,
        "bit_error_theory": float(theory.sdm_bit_error(n, N, radius, T, d)),
        "perfect": float((err == 0).mean()),
    }


_SEGMENTS = get_family("segments").params


@driver(
    "segments",
    params=(
        Param("n", "int", 2048, "population size", low=1),
        Param("k", "int", 40, "active units per pattern", low=1),
        _SEGMENTS["synapses"], _SEGMENTS["theta"], _SEGMENTS["union"],
        Param("segments", "int", 1, "segments (each stores union patterns)", low=1),
        Param("cue", "choice", "random", "cue corruption kind (active cells moved to random silent ones)",
              choices=("random",)),
        Param("cue_fraction", "float", 0.0, "fraction of the active cells moved", low=0, high=1),
        Param("probes", "int", 20000, "random patterns measuring false matches", low=1),
        _BACKEND_NUMBA,
    ),
    columns=("union_size", "fm_rate", "fm_count", "trials_fm", "fm_theory", "log10_fm_theory", "fm_theory_given",
             "detect", "detect_theory"),
)
def segments(params: dict, seed: np.random.SeedSequence) -> dict:
    """Dendritic segments: false matches of random patterns and detection of noisy stored ones.

    Each of ``segments`` segments stores ``union`` random patterns (``k`` of ``n`` active),
    ``synapses`` synapses each. ``probes`` random patterns measure the false-match rate (over
    all segments); the stored patterns, with a fraction ``cue_fraction`` of their active cells
    moved elsewhere (``cue = "random"``), measure detection by their own segment. Returns
    ``union_size`` (distinct synapses, mean over segments), ``fm_rate``, ``fm_count``,
    ``fm_theory`` (expected union size), ``fm_theory_given`` (mean over segments of the exact
    rate for the realised size), ``log10_fm_theory``, ``detect`` and ``detect_theory`` (the
    pattern's own synapses only).
    """
    n, a, s, theta = params["n"], params["k"], params["synapses"], params["theta"]
    if a > n:
        raise ValueError(f"k must be <= {n}, got {a}")
    if s > a:
        raise ValueError(f"synapses must be <= k={a}, got {s}")
    if theta > s:
        raise ValueError(f"theta must be <= synapses={s}, got {theta}")
    union = params["union"]
    noise = params["cue_fraction"]
    probes = params["probes"]
    g = params["segments"]
    rng = np.random.default_rng(seed)
    mem = DendriticSegments(n, s, theta, union=union, backend=params["backend"], seed=int(rng.integers(2**63)))
    stored = sparse_binary(union * g, n, k=a, rng=rng)
    mem.store(stored)
    sizes = mem.segments().sum(axis=1)
    hits = 0
    step = max(1, (1 << 24) // n)
    for p0 in range(0, probes, step):
        cues = _random_sparse(min(step, probes - p0), n, a, rng)
        hits += int(mem.recall(cues).extra["segment_match"].sum())
    moved = int(round(noise * a))
    noisy = stored.copy()
    for b in range(union * g):
        on = np.flatnonzero(stored[b])
        off = np.flatnonzero(stored[b] == 0)
        noisy[b, rng.choice(on, size=moved, replace=False)] = 0
        noisy[b, rng.choice(off, size=moved, replace=False)] = 1
    own = np.arange(union * g) // union
    detect = float(mem.recall(noisy).extra["segment_match"][np.arange(union * g), own].mean())
    log_fm = float(theory.segment_log_false_match(n, a, int(round(theory.segment_union_size(n, s, union))), theta))
    return {
        "union_size": float(sizes.mean()),
        "fm_rate": hits / (probes * g),
        "fm_count": hits,
        "trials_fm": probes * g,
        "fm_theory": float(np.exp(log_fm)),
        "log10_fm_theory": float(log_fm / np.log(10.0)),
        "fm_theory_given": float(np.mean(theory.segment_false_match(n, a, sizes, theta))),
        "detect": detect,
        "detect_theory": theory.segment_noise_match(a, s, theta, noise),
    }


def _random_sparse(b: int, n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """``(b, n)`` patterns with exactly ``k`` active units, uniformly placed.

    For k^2 < n, draws k indices per row and redraws the rows that repeat one (distinct
    ordered draws are uniform, so their sets are uniform k-subsets) in O(b k) work; otherwise
    falls back to :func:`assoc.patterns.sparse_binary`.
    """
    if k * k >= n:
        return sparse_binary(b, n, k=k, rng=rng)
    idx = rng.integers(0, n, size=(b, k))
    while True:
        srt = np.sort(idx, axis=1)
        dup = (srt[:, 1:] == srt[:, :-1]).any(axis=1)
        if not dup.any():
            break
        idx[dup] = rng.integers(0, n, size=(int(dup.sum()), k))
    out = np.zeros((b, n), dtype=np.int8)
    out[np.arange(b)[:, None], idx] = 1
    return out


def _variant(base: np.ndarray, keep: int, rng: np.random.Generator) -> np.ndarray:
    """A pattern sharing exactly ``keep`` active bits with ``base`` (same number active)."""
    on = np.flatnonzero(base)
    off = np.flatnonzero(base == 0)
    out = np.zeros_like(base)
    out[rng.choice(on, size=keep, replace=False)] = 1
    out[rng.choice(off, size=on.size - keep, replace=False)] = 1
    return out


_SPARSEY = get_family("sparsey").params
_SPARSEY_PARAMS = (
    Param("n", "int", 1024, "input units", low=1),
    Param("k", "int", 32, "active input units per item", low=1),
    _SPARSEY["modules"], replace(_SPARSEY["cells"], default=50), _SPARSEY["chi"], _SPARSEY["lam"],
    _SPARSEY["sigma"], _SPARSEY["gamma"], _SPARSEY["g_floor"], _BACKEND_NUMBA,
    Param("items", "int", 100, "stored items (random inputs)", low=1),
)


def _sparsey(params: dict, rng: np.random.Generator) -> Sparsey:
    if params["k"] > params["n"]:
        raise ValueError(f"k must be <= {params['n']}, got {params['k']}")
    return Sparsey(
        params["n"],
        params["modules"],
        params["cells"],
        chi=params["chi"],
        lam=params["lam"],
        sigma=params["sigma"],
        gamma=params["gamma"],
        g_floor=params["g_floor"],
        backend=params["backend"],
        seed=int(rng.integers(2**63)),
    )


@driver("sparsey_similarity",
        params=(*_SPARSEY_PARAMS,
                Param("input_overlap", "float", 0.5, "fraction of a stored item's active bits a variant shares",
                      low=0, high=1),
                Param("probes", "int", 50, "stored items presented as variants", low=1)),
        columns=("code_overlap", "code_overlap_sem", "chance", "familiarity", "novel_familiarity"))
def sparsey_similarity(params: dict, seed: np.random.SeedSequence) -> dict:
    """Sparsey: code overlap against input overlap (similar inputs -> similar codes).

    After storing ``items`` random inputs (k of n active), each of ``probes`` stored items is
    presented as a variant sharing ``round(input_overlap * k)`` of its active bits (the rest
    moved elsewhere); its code is chosen by the (stochastic) code-selection algorithm without
    learning. Returns ``code_overlap`` (fraction of modules whose winner equals the stored
    code's), ``code_overlap_sem``, ``chance`` (1 / K), ``familiarity`` (mean G of the
    variants) and ``novel_familiarity`` (mean G of fresh random inputs).
    """
    k, items, probes, o = params["k"], params["items"], params["probes"], params["input_overlap"]
    rng = np.random.default_rng(seed)
    mem = _sparsey(params, rng)
    x = sparse_binary(items, mem.n, k=k, rng=rng)
    mem.store(x)
    which = rng.choice(items, size=min(probes, items), replace=False)
    keep = int(round(o * k))
    var = np.stack([_variant(x[i], keep, rng) for i in which])
    codes, g = mem.encode(var)
    ov = (codes == mem.codes[which]).mean(axis=1)
    novel = mem.familiarity(sparse_binary(probes, mem.n, k=k, rng=rng))
    return {
        "code_overlap": float(ov.mean()),
        "code_overlap_sem": float(ov.std(ddof=1) / np.sqrt(len(ov))) if len(ov) > 1 else 0.0,
        "chance": 1.0 / mem.cells,
        "familiarity": float(g.mean()),
        "novel_familiarity": float(novel.mean()),
    }


@driver("sparsey_capacity",
        params=(*_SPARSEY_PARAMS,
                Param("cue", "choice", "erase", "cue corruption kind (a fragment of the item)", choices=("erase",)),
                Param("cue_fraction", "float", 0.5, "fraction of the item's active bits erased (at least one kept)",
                      low=0, high=1, high_open=True),
                Param("probes", "int", 100, "stored items cued", low=1)),
        columns=("accuracy", "exact_code", "store_ops", "retrieve_ops", "novel_familiarity", "stored_familiarity"))
def sparsey_capacity(params: dict, seed: np.random.SeedSequence) -> dict:
    """Sparsey: best-match accuracy from partial cues against the number of stored items.

    Stores ``items`` random inputs, cues ``probes`` of them with a fraction ``cue_fraction`` of
    their active bits erased (``max(1, round((1 - cue_fraction) k))`` kept), and counts a
    success when the retrieved item is the cued one.
    Returns ``accuracy``, ``exact_code`` (fraction whose retrieved code equals its stored code),
    ``store_ops`` and ``retrieve_ops`` (operations per item, which do not depend on
    ``items``), ``novel_familiarity`` and ``stored_familiarity``.
    """
    k, items, probes = params["k"], params["items"], params["probes"]
    rng = np.random.default_rng(seed)
    mem = _sparsey(params, rng)
    x = sparse_binary(items, mem.n, k=k, rng=rng)
    mem.store(x)
    which = rng.choice(items, size=min(probes, items), replace=False)
    cues = _keep_bits(x[which], max(1, int(round(_kept(params["cue_fraction"]) * k))), rng)
    out = mem.recall(cues)
    best = out.extra["best"]
    return {
        "accuracy": float((best == which).mean()),
        "exact_code": float((out.extra["codes"] == mem.codes[which]).all(axis=1).mean()),
        "store_ops": mem.ops["store"] / items,
        "retrieve_ops": mem.last_ops / len(which),
        "novel_familiarity": float(mem.familiarity(sparse_binary(probes, mem.n, k=k, rng=rng)).mean()),
        "stored_familiarity": float(mem.familiarity(x[which]).mean()),
    }
