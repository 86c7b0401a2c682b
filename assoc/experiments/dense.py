"""Drivers of the dense associative memories (:mod:`assoc.memories.dense`,
:mod:`~assoc.memories.modern`, :mod:`~assoc.memories.dense_hebbian`, :mod:`~assoc.memories.multitask`).

``dense_capacity``     largest number of patterns a polynomial memory retrieves near perfectly,
                       found by a scan over P at one (degree, n)
``dense_recall``       retrieval quality at a fixed load: polynomial (``alpha = P / n**(degree-1)``)
                       or exponential (``exponent = ln P / n``)
``modern_regimes``     fixed-point regime of modern-Hopfield queries against beta
``dense_hebbian``      archetype overlap of a dense Hebbian network trained on M examples
``multitask``          sorted Mattis magnetizations of the diluted multitasking network
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from .. import theory
from ..memories.dense import DenseAssociativeMemory
from ..memories.dense_hebbian import DenseHebbian
from ..memories.hopfield import Hopfield
from ..memories.modern import ModernHopfield
from ..memories.multitask import MultitaskHebbian
from ..memory import check_float, check_int
from ..params import Param
from ..patterns import archetypes, diluted, flip, random_pm1
from ..registry import _BACKEND
from . import driver

_BACKEND_NUMBA = replace(_BACKEND, default="numba")
_CUE_FLIP = Param("cue", "choice", "flip", "cue corruption kind (bits flipped)", choices=("flip",))


def _cue_fraction(default: float) -> Param:
    return Param("cue_fraction", "float", default, "fraction of the cue bits flipped", low=0, high=1)


def _seed(rng: np.random.Generator) -> int:
    return int(rng.integers(2**63))


def _size(params: dict) -> int:
    """``n`` if given (> 0), else ``round(base_n<degree> * size)`` (one sweep spans several degrees,
    each over its own range of sizes)."""
    if params["n"]:
        return check_int("n", params["n"], low=2)
    degree = params["degree"]
    key = f"base_n{degree}"
    if key not in params:
        raise ValueError(f"degree={degree} needs n > 0 (no {key} parameter; base sizes exist for degrees 2, 3, 4)")
    return max(2, int(round(params[key] * params["size"])))


def _recall_quality(mem, xi, which, cue_fraction, rng):
    cues = flip(xi[which], cue_fraction, rng)
    out = mem.recall(cues)
    states = mem.backend.to_numpy(out.states)
    m = (states.astype(np.float64) * xi[which]).sum(axis=1) / xi.shape[1]
    return m, out, states


@driver(
    "dense_capacity",
    params=(
        Param("n", "int", 0, "neurons (0: base_n<degree> * size)", low=0),
        Param("base_n2", "int", 200, "neurons at size 1 for degree 2", low=2),
        Param("base_n3", "int", 40, "neurons at size 1 for degree 3", low=2),
        Param("base_n4", "int", 20, "neurons at size 1 for degree 4", low=2),
        Param("size", "float", 1.0, "multiple of base_n<degree> (when n = 0)", low=0, low_open=True),
        Param("degree", "int", 3, "degree of the polynomial F(x) = x^degree", low=2),
        Param("energy", "choice", "polynomial", "interaction function F", choices=("polynomial", "rectified")),
        _CUE_FLIP, _cue_fraction(0.0),
        Param("probes", "int", 40, "stored patterns cued per load", low=1),
        Param("m_c", "float", 0.98, "mean final overlap counted as near-perfect retrieval", low=-1, high=1),
        Param("precision", "float", 0.03, "relative precision of the bisection in P", low=0, low_open=True),
        Param("max_patterns", "int", 200_000, "largest P tried", low=2),
        Param("compare_hopfield", "bool", True, "degree 2: compare final states with the Hebbian Hopfield network"),
        _BACKEND_NUMBA,
    ),
    columns=("n", "patterns_max", "alpha_max", "m_at_max", "patterns_errorfree", "evaluations", "hit_cap",
             "hopfield_same_states"),
)
def dense_capacity(params: dict, seed: np.random.SeedSequence) -> dict:
    """Largest P at which the mean final overlap of probed stored patterns is at least ``m_c``.

    One pool of random patterns is drawn; a load P stores its first P patterns and cues
    ``probes`` of them (a fraction ``cue_fraction`` of the bits flipped). P is bracketed by
    factors of 1.25 from the one-step signal-to-noise estimate, then bisected in log P to
    relative ``precision``. Returns ``n`` (the neurons used), ``patterns_max`` (that P),
    ``alpha_max`` (= patterns_max / n**(degree-1)), ``m_at_max`` (its mean final overlap),
    ``patterns_errorfree`` (the Krotov-Hopfield error-free pattern count,
    :func:`assoc.theory.dense_capacity`), ``evaluations``, ``hit_cap``; for degree 2 with
    ``compare_hopfield``, ``hopfield_same_states``: the fraction of final states at
    patterns_max identical to the classical Hebbian Hopfield network's on the same patterns,
    cues and update orders.
    """
    n = _size(params)
    degree = params["degree"]
    energy = params["energy"]
    probes = params["probes"]
    m_c = params["m_c"]
    prec = params["precision"]
    cap = params["max_patterns"]
    cue_fraction = params["cue_fraction"]
    rng = np.random.default_rng(seed)
    x = math.sqrt(2.0) * _inv_erfc(1.0 - m_c)  # bit-error rate (1 - m_c) / 2 in one step
    guess = n ** (degree - 1) / (theory.double_factorial(2 * degree - 3) * x * x)
    pool = random_pm1(min(cap, max(4, int(4 * guess))), n, rng)
    mem_seed = _seed(rng)
    probe_rng_seed = _seed(rng)
    cache: dict[int, float] = {}

    def ok(p: int) -> bool:
        if p not in cache:
            mem = DenseAssociativeMemory(n, energy, degree, backend=params["backend"], seed=mem_seed)
            mem.store(pool[:p])
            prng = np.random.default_rng(probe_rng_seed)
            which = prng.choice(p, size=min(probes, p), replace=False)
            m, _, _ = _recall_quality(mem, pool[:p], which, cue_fraction, prng)
            cache[p] = float(m.mean())
        return cache[p] >= m_c

    lo_cap, hi_cap = 1, len(pool)
    p = int(min(max(2, round(guess)), hi_cap))
    if ok(p):
        lo = p
        hi = None
        while hi is None:
            q = min(hi_cap, max(lo + 1, int(lo * 1.25)))
            if q == lo:
                hi = lo
                break
            if ok(q):
                lo = q
                if q == hi_cap:
                    hi = q
            else:
                hi = q
    else:
        hi = p
        lo = None
        while lo is None:
            q = max(lo_cap, int(hi / 1.25))
            if q == hi or ok(q):
                lo = q
            else:
                hi = q
    while hi > lo + 1 and hi / lo > 1 + prec:
        mid = int(round(math.sqrt(lo * hi)))
        mid = min(max(mid, lo + 1), hi - 1)
        if ok(mid):
            lo = mid
        else:
            hi = mid
    out = {
        "n": n,
        "patterns_max": lo,
        "alpha_max": lo / n ** (degree - 1),
        "m_at_max": cache.get(lo, float("nan")),
        "patterns_errorfree": float(theory.dense_capacity(n, degree)),
        "evaluations": len(cache),
        "hit_cap": float(lo >= hi_cap),
    }
    if degree == 2 and params["compare_hopfield"] and energy == "polynomial":
        prng = np.random.default_rng(probe_rng_seed)
        which = prng.choice(lo, size=min(probes, lo), replace=False)
        cues = flip(pool[which], cue_fraction, prng)
        a = DenseAssociativeMemory(n, "polynomial", 2, backend=params["backend"], seed=mem_seed)
        b = Hopfield(n, "hebbian", backend=params["backend"], seed=mem_seed)
        a.store(pool[:lo])
        b.store(pool[:lo])
        sa = a.backend.to_numpy(a.recall(cues).states)
        sb = b.backend.to_numpy(b.recall(cues).states)
        out["hopfield_same_states"] = float((sa == sb).all(axis=1).mean())
    return out


def _inv_erfc(y: float) -> float:
    from scipy.special import erfcinv

    return float(erfcinv(y))


@driver(
    "dense_recall",
    params=(
        Param("n", "int", 64, "neurons", low=2),
        Param("energy", "choice", "exponential", "interaction function F",
              choices=("polynomial", "rectified", "exponential")),
        Param("degree", "int", 3, "degree of the polynomial F(x) = x^degree", low=2),
        Param("dynamics", "choice", "async", "update schedule", choices=("async", "sync", "glauber")),
        Param("alpha", "float", 0.05, "load P / n**(degree-1) (polynomial and rectified energies)", low=0,
              low_open=True),
        Param("exponent", "float", 0.15, "exponential energy: P = exp(exponent n), exponent = ln P / n", low=0,
              low_open=True),
        _CUE_FLIP, _cue_fraction(0.1),
        Param("probes", "int", 50, "stored patterns cued", low=1),
        Param("max_patterns", "int", 300_000, "larger P are skipped (NaN metrics)", low=1),
        Param("max_steps", "int", 50, "update sweeps before recall stops", low=1),
        _BACKEND_NUMBA,
    ),
    columns=("patterns", "exponent_eff", "m_mean", "retrieved", "perfect", "steps_mean", "skipped"),
)
def dense_recall(params: dict, seed: np.random.SeedSequence) -> dict:
    """Retrieval from flipped cues at a fixed load.

    Polynomial kinds store ``P = round(alpha * n**(degree-1))`` patterns; the exponential kind
    ``P = round(exp(exponent n))`` (``exponent = ln P / n``, Demircigil et al.'s alpha; points
    with P above ``max_patterns`` return NaN metrics and ``skipped = 1``). Cues are stored
    patterns with a fraction ``cue_fraction`` of their bits flipped. Returns ``patterns`` (P),
    ``exponent_eff`` (ln P / n of the stored P), ``m_mean``, ``retrieved`` (fraction of cues with
    final overlap >= 0.9), ``perfect`` (fraction of cues ending exactly on their pattern),
    ``steps_mean``.
    """
    n = params["n"]
    energy = params["energy"]
    degree = params["degree"]
    probes = params["probes"]
    cue_fraction = params["cue_fraction"]
    cap = params["max_patterns"]
    if energy == "exponential":
        p = int(round(math.exp(min(params["exponent"] * n, 700.0))))
    else:
        p = max(1, int(round(params["alpha"] * n ** (degree - 1))))
    nan = float("nan")
    if p > cap:
        return {"patterns": p, "exponent_eff": math.log(p) / n, "m_mean": nan, "retrieved": nan, "perfect": nan,
                "steps_mean": nan, "skipped": 1}
    rng = np.random.default_rng(seed)
    xi = random_pm1(p, n, rng)
    mem = DenseAssociativeMemory(n, energy, degree, params["dynamics"], max_steps=params["max_steps"],
                                 backend=params["backend"], seed=_seed(rng))
    mem.store(xi)
    which = rng.choice(p, size=min(probes, p), replace=False)
    m, out, states = _recall_quality(mem, xi, which, cue_fraction, rng)
    return {
        "patterns": p,
        "exponent_eff": math.log(p) / n,
        "m_mean": float(m.mean()),
        "retrieved": float((m >= 0.9).mean()),
        "perfect": float((states == xi[which]).all(axis=1).mean()),
        "steps_mean": float(np.mean(out.steps)),
        "skipped": 0,
    }


@driver(
    "modern_regimes",
    params=(
        Param("dim", "int", 100, "pattern dimension", low=1),
        Param("clusters", "int", 4, "random +/-1 cluster centres", low=1),
        Param("per_cluster", "int", 5, "patterns per cluster", low=1),
        Param("spread", "float", 0.1, "Gaussian spread of a pattern around its centre (per component)", low=0),
        Param("cue_noise", "float", 0.3, "standard deviation of the Gaussian noise added to each cue entry", low=0),
        Param("queries", "int", 20, "stored patterns queried", low=1),
        Param("beta", "float", 1.0, "inverse temperature of the softmax", low=0, low_open=True),
        Param("max_steps", "int", 2000, "updates before recall stops", low=1),
        replace(_BACKEND, default="numpy"),
    ),
    columns=("single", "metastable", "global", "k_eff", "one_step_error", "steps_mean", "converged"),
)
def modern_regimes(params: dict, seed: np.random.SeedSequence) -> dict:
    """Fixed-point regime of modern-Hopfield queries at inverse temperature ``beta``.

    Patterns: ``clusters`` random +/-1 centres in ``dim`` dimensions, ``per_cluster`` patterns
    each (Gaussian spread ``spread`` per component). Queries: stored patterns plus Gaussian
    noise of standard deviation ``cue_noise``. Returns the fractions of queries ending ``single`` /
    ``metastable`` / ``global``, ``k_eff`` (mean participation number), ``one_step_error``
    (largest distance of the one-update state from the queried pattern), ``steps_mean`` and
    ``converged``.
    """
    dim, k, per = params["dim"], params["clusters"], params["per_cluster"]
    spread, noise, nq = params["spread"], params["cue_noise"], params["queries"]
    rng = np.random.default_rng(seed)
    centres = rng.choice([-1.0, 1.0], size=(k, dim))
    x = (centres[:, None, :] + spread * rng.standard_normal((k, per, dim))).reshape(k * per, dim)
    which = rng.choice(k * per, size=min(nq, k * per), replace=False)
    q = x[which] + noise * rng.standard_normal((len(which), dim))
    mem = ModernHopfield(dim, params["beta"], max_steps=params["max_steps"], backend=params["backend"])
    mem.store(x)
    one = mem.recall(q, one_step=True)
    out = mem.recall(q)
    reg = out.extra["regime"]
    err = np.abs(mem.backend.to_numpy(one.states) - x[which]).max()
    return {
        "single": float((reg == "single").mean()),
        "metastable": float((reg == "metastable").mean()),
        "global": float((reg == "global").mean()),
        "k_eff": float(np.mean(out.extra["k_eff"])),
        "one_step_error": float(err),
        "steps_mean": float(np.mean(out.steps)),
        "converged": float(np.mean(out.converged)),
    }


@driver(
    "dense_hebbian",
    params=(
        Param("n", "int", 1000, "neurons", low=2),
        Param("degree", "int", 4, "interaction order P (even)", low=2),
        Param("protocol", "choice", "supervised", "learning protocol", choices=("unsupervised", "supervised")),
        Param("r", "float", 0.3, "example quality (mean overlap of an example with its archetype)", low=-1, high=1),
        Param("m", "int", 16, "examples per archetype M", low=1),
        Param("archetypes", "int", 2, "archetypes K (never shown to the network)", low=1),
        Param("beta", "any", 1.0, "inverse noise of the Monte Carlo, > 0 (inf: zero noise)"),
        Param("max_steps", "int", 30, "Monte Carlo sweeps", low=1),
        Param("start", "choice", "archetype", "initial state: archetype 1 or one of its examples",
              choices=("archetype", "example")),
        _BACKEND_NUMBA,
    ),
    columns=("m_archetype", "m_theory", "n_example_max", "rho"),
)
def dense_hebbian(params: dict, seed: np.random.SeedSequence) -> dict:
    """Archetype overlap of a dense Hebbian network trained on ``m`` examples of quality ``r``.

    ``archetypes`` (K) archetypes, M examples each; P-body couplings (``degree``) built
    unsupervised or supervised; Monte Carlo at noise 1/beta (``beta = inf``: zero noise) for
    ``max_steps`` sweeps started at archetype 1 (``start = "archetype"``, which the network
    never saw) or at one of its examples (``"example"``). Returns ``m_archetype`` (Mattis
    overlap with archetype 1), ``m_theory`` (low-load mean-field,
    :func:`assoc.theory.dense_hebbian_overlap`), ``n_example_max`` (largest overlap with a
    single example), ``rho`` (dataset entropy).
    """
    n, k, m, r, start = params["n"], params["archetypes"], params["m"], params["r"], params["start"]
    beta = params["beta"]
    if isinstance(beta, (int, float)) and not isinstance(beta, bool) and math.isinf(beta) and beta > 0:
        beta = None
    else:
        beta = check_float("beta", beta, low=0, low_open=True)
    rng = np.random.default_rng(seed)
    examples, arch = archetypes(k, m, n, r, rng)
    net = DenseHebbian(n, params["degree"], params["protocol"], quality=r, beta=beta, max_steps=params["max_steps"],
                       backend=params["backend"], seed=_seed(rng))
    net.store(examples.reshape(k * m, n), np.repeat(np.arange(k), m))
    cue = arch[:1] if start == "archetype" else examples[0, :1]
    out = net.recall(cue)
    s = net.backend.to_numpy(out.states)[0].astype(np.float64)
    m_th, _ = theory.dense_hebbian_overlap(r, m, beta, net.degree)
    return {
        "m_archetype": float(s @ arch[0] / n),
        "m_theory": float(m_th),
        "n_example_max": float((examples[0].astype(np.float64) @ s).max() / n),
        "rho": float(np.inf if r == 0 else (1 - r * r) / (m * r * r)),
    }


@driver(
    "multitask",
    params=(
        Param("n", "int", 20_000, "neurons", low=2),
        Param("patterns", "int", 3, "stored diluted patterns K", low=1),
        Param("d", "float", 0.5, "dilution: fraction of zero entries of a pattern", low=0, high=1, high_open=True),
        Param("fill", "choice", "random", "cue entries outside pattern 1's support: random signs or zero",
              choices=("random", "zero")),
        Param("temperature", "float", 0.0, "Glauber temperature T (0: deterministic asynchronous)", low=0),
        Param("max_steps", "int", 100, "update sweeps before recall stops", low=1),
        _BACKEND_NUMBA,
    ),
    columns=("m<j>", "h<j>", "m1_over_h1", "deviation", "evenness", "d_c", "steps"),
)
def multitask(params: dict, seed: np.random.SeedSequence) -> dict:
    """Sorted Mattis magnetizations of the multitasking network with dilution ``d``.

    ``patterns`` (K) diluted ternary patterns; the cue is pattern 1 where it is nonzero and
    random signs (``fill = "random"``) or unknown entries (``"zero"``) elsewhere. Zero-noise
    asynchronous dynamics (or Glauber at ``temperature`` for ``max_steps`` sweeps). Returns
    ``m1`` .. ``mK`` (magnitudes, decreasing), ``h1`` .. ``hK`` (hierarchical prediction
    (1 - d) d**(j-1)), ``m1_over_h1``, ``deviation`` (sum |m - h| / sum h), ``evenness``
    (mK / m1), ``d_c`` (:func:`assoc.theory.multitask_critical_dilution`) and ``steps``.
    """
    n, k, d, fill, temp = params["n"], params["patterns"], params["d"], params["fill"], params["temperature"]
    rng = np.random.default_rng(seed)
    xi = diluted(k, n, d, rng)
    rest = 2 * rng.integers(0, 2, n) - 1 if fill == "random" else np.zeros(n, dtype=np.int64)
    cue = np.where(xi[0] != 0, xi[0], rest)[None].astype(np.int8)
    net = MultitaskHebbian(n, "glauber" if temp > 0 else "async", temperature=temp, max_steps=params["max_steps"],
                           backend=params["backend"], seed=_seed(rng))
    net.store(xi)
    out = net.recall(cue)
    sm = out.extra["sorted_m"][0]
    h = theory.multitask_hierarchy(d, k)
    res = {f"m{j + 1}": float(sm[j]) for j in range(k)}
    res.update({f"h{j + 1}": float(h[j]) for j in range(k)})
    res.update({
        "m1_over_h1": float(sm[0] / h[0]) if h[0] > 0 else float("nan"),
        "deviation": float(np.abs(sm - h).sum() / h.sum()) if h.sum() > 0 else float("nan"),
        "evenness": float(sm[-1] / sm[0]) if sm[0] > 0 else float("nan"),
        "d_c": theory.multitask_critical_dilution(k),
        "steps": float(out.steps[0]),
    })
    return res
