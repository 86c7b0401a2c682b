"""Drivers of the sparse-distributed memories (Willshaw, Kanerva SDM, dendritic segments, Sparsey).

Each returns measured quantities side by side with their theoretical values from
:mod:`assoc.theory`, so figures overlay theory on the same rows.
"""

from __future__ import annotations

import numpy as np

from .. import theory
from ..memory import check_choice, check_float, check_int
from ..patterns import sparse_binary
from ..sdr import DendriticSegments, KanervaSDM, Sparsey, Willshaw
from . import driver


def _keep_bits(x: np.ndarray, c: int, rng: np.random.Generator) -> np.ndarray:
    """Keep exactly ``c`` of the active bits of each row (a fragment cue), chosen at random."""
    out = np.zeros_like(x)
    for b in range(x.shape[0]):
        on = np.flatnonzero(x[b])
        out[b, rng.choice(on, size=min(c, on.size), replace=False)] = 1
    return out


@driver(
    "willshaw",
    defaults={
        "n": 1000,
        "n_out": 0,
        "k": 10,
        "l": 0,
        "load": 1.0,
        "M": 0,
        "mode": "hetero",
        "cue_fraction": 1.0,
        "threshold": "classic",
        "max_steps": 1,
        "dilution": 0.0,
        "probes": 200,
        "backend": "numba",
    },
)
def willshaw(params: dict, seed: np.random.SeedSequence) -> dict:
    """Willshaw memory at a given load: set synapses, false positives, misses, information.

    ``M`` pairs are stored (``M = 0``: ``round(load * M_opt)``, M_opt the load at p1 = 1/2).
    Keys have ``k`` of ``n`` active units, values ``l`` of ``n_out`` (0: same as the key's);
    ``mode="auto"`` stores the keys auto-associatively. Each of ``probes`` stored keys is cued
    with ``round(cue_fraction * k)`` of its active bits. Returns ``M``, ``p1`` and
    ``p1_theory``; ``fp`` (false positives per retrieval, mean over cues), ``fp_sem``,
    ``fp_theory`` (independence approximation) and ``fp_exact`` (row-load mixture, undiluted
    classic threshold); ``miss``, ``miss_theory``; ``error`` ((fp + miss) / l);
    ``perfect`` (fraction of exact retrievals); ``bits`` (information per synapse from the
    measured error rates) and ``bits_theory``.
    """
    n = check_int("n", params["n"], low=1)
    n_out = check_int("n_out", params["n_out"], low=0) or n
    mode = check_choice("mode", params["mode"], ("hetero", "auto"))
    if mode == "auto" and n_out != n:
        raise ValueError(f"mode='auto' needs n_out == n, got n={n}, n_out={n_out}")
    k = check_int("k", params["k"], low=1, high=n)
    l = k if mode == "auto" else (check_int("l", params["l"], low=0, high=n_out) or k)
    if l > n_out:
        raise ValueError(f"l must be <= n_out={n_out}, got {l}")
    cue_fraction = check_float("cue_fraction", params["cue_fraction"], low=0, high=1, low_open=True)
    c = max(1, int(round(cue_fraction * k)))
    probes = check_int("probes", params["probes"], low=1)
    auto = mode == "auto"
    m_opt = float(theory.willshaw_optimal_load(k, l, n, n_out, auto=auto))
    M = check_int("M", params["M"], low=0)
    if M == 0:
        M = max(1, int(round(check_float("load", params["load"], low=0, low_open=True) * m_opt)))
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
        "M": M,
        "M_opt": m_opt,
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
    defaults={
        "n": 256,
        "locations": 2000,
        "items": 100,
        "radius": -1,
        "activation": 0.0,
        "cue_distance": 0,
        "probes": 100,
        "backend": "numba",
    },
)
def sdm(params: dict, seed: np.random.SeedSequence) -> dict:
    """Kanerva SDM: bit errors reading T random items (random addresses, random data).

    The radius is ``radius`` if >= 0, else the one giving access probability ``activation``
    if > 0, else Kanerva's optimum ``(2 N T)^(-1/3)``. Each of ``probes`` stored items is read
    at its address with ``cue_distance`` bits flipped. Returns ``radius``, ``access``
    (probability), ``activated`` (mean locations per read), ``bit_error`` (fraction of wrong
    bits), ``bit_error_sem``, ``bit_error_theory``, ``perfect`` (fraction read without error).
    """
    n = check_int("n", params["n"], low=1)
    N = check_int("locations", params["locations"], low=1)
    T = check_int("items", params["items"], low=1)
    d = check_int("cue_distance", params["cue_distance"], low=0, high=n)
    probes = check_int("probes", params["probes"], low=1)
    radius = check_int("radius", params["radius"], low=-1, high=n)
    activation = check_float("activation", params["activation"], low=0.0, high=1.0)
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


@driver(
    "segments",
    defaults={
        "n": 2048,
        "a": 40,
        "s": 20,
        "theta": 10,
        "union": 1,
        "segments": 1,
        "noise": 0.0,
        "probes": 20000,
        "backend": "numba",
    },
)
def segments(params: dict, seed: np.random.SeedSequence) -> dict:
    """Dendritic segments: false matches of random patterns and detection of noisy stored ones.

    Each of ``segments`` segments stores ``union`` random patterns (``a`` of ``n`` active),
    ``s`` synapses each. ``probes`` random patterns measure the false-match rate (over all
    segments); the stored patterns, with a fraction ``noise`` of their active cells moved
    elsewhere, measure detection by their own segment. Returns ``union_size`` (distinct
    synapses, mean over segments), ``fm_rate``, ``fm_count``, ``fm_theory`` (expected union
    size), ``fm_theory_given`` (mean over segments of the exact rate for the realised size),
    ``log10_fm_theory``, ``detect`` and ``detect_theory`` (the pattern's own synapses only).
    """
    n = check_int("n", params["n"], low=1)
    a = check_int("a", params["a"], low=1, high=n)
    s = check_int("s", params["s"], low=1, high=a)
    theta = check_int("theta", params["theta"], low=1, high=s)
    union = check_int("union", params["union"], low=1)
    noise = check_float("noise", params["noise"], low=0.0, high=1.0)
    probes = check_int("probes", params["probes"], low=1)
    g = check_int("segments", params["segments"], low=1)
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


def _random_sparse(b: int, n: int, a: int, rng: np.random.Generator) -> np.ndarray:
    """``(b, n)`` patterns with exactly ``a`` active units, uniformly placed.

    For a^2 < n, draws a indices per row and redraws the rows that repeat one (distinct
    ordered draws are uniform, so their sets are uniform a-subsets) in O(b a) work; otherwise
    falls back to :func:`assoc.patterns.sparse_binary`.
    """
    if a * a >= n:
        return sparse_binary(b, n, k=a, rng=rng)
    idx = rng.integers(0, n, size=(b, a))
    while True:
        srt = np.sort(idx, axis=1)
        dup = (srt[:, 1:] == srt[:, :-1]).any(axis=1)
        if not dup.any():
            break
        idx[dup] = rng.integers(0, n, size=(int(dup.sum()), a))
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


_SPARSEY_DEFAULTS = {
    "n": 1024,
    "k": 32,
    "modules": 20,
    "cells": 50,
    "chi": 1000.0,
    "lam": 20.0,
    "sigma": 0.5,
    "gamma": 1.0,
    "g_floor": 0.3,
    "backend": "numba",
}


def _sparsey(params: dict, rng: np.random.Generator) -> Sparsey:
    return Sparsey(
        check_int("n", params["n"], low=1),
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


@driver("sparsey_similarity", defaults={**_SPARSEY_DEFAULTS, "items": 100, "input_overlap": 0.5, "probes": 50})
def sparsey_similarity(params: dict, seed: np.random.SeedSequence) -> dict:
    """Sparsey: code overlap against input overlap (similar inputs -> similar codes).

    After storing ``items`` random inputs (k of n active), each of ``probes`` stored items is
    presented as a variant sharing ``round(input_overlap * k)`` of its active bits (the rest
    moved elsewhere); its code is chosen by the (stochastic) code-selection algorithm without
    learning. Returns ``code_overlap`` (fraction of modules whose winner equals the stored
    code's), ``code_overlap_sem``, ``chance`` (1 / K), ``familiarity`` (mean G of the
    variants) and ``novel_familiarity`` (mean G of fresh random inputs).
    """
    k = check_int("k", params["k"], low=1, high=params["n"])
    items = check_int("items", params["items"], low=1)
    probes = check_int("probes", params["probes"], low=1)
    o = check_float("input_overlap", params["input_overlap"], low=0.0, high=1.0)
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


@driver("sparsey_capacity", defaults={**_SPARSEY_DEFAULTS, "items": 100, "cue_fraction": 0.5, "probes": 100})
def sparsey_capacity(params: dict, seed: np.random.SeedSequence) -> dict:
    """Sparsey: best-match accuracy from partial cues against the number of stored items.

    Stores ``items`` random inputs, cues ``probes`` of them with ``round(cue_fraction * k)``
    of their active bits, and counts a success when the retrieved item is the cued one.
    Returns ``accuracy``, ``exact_code`` (fraction whose retrieved code equals its stored code),
    ``store_ops`` and ``retrieve_ops`` (operations per item, which do not depend on
    ``items``), ``novel_familiarity`` and ``stored_familiarity``.
    """
    k = check_int("k", params["k"], low=1, high=params["n"])
    items = check_int("items", params["items"], low=1)
    probes = check_int("probes", params["probes"], low=1)
    frac = check_float("cue_fraction", params["cue_fraction"], low=0.0, high=1.0, low_open=True)
    rng = np.random.default_rng(seed)
    mem = _sparsey(params, rng)
    x = sparse_binary(items, mem.n, k=k, rng=rng)
    mem.store(x)
    which = rng.choice(items, size=min(probes, items), replace=False)
    cues = _keep_bits(x[which], max(1, int(round(frac * k))), rng)
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
