"""Drivers of the dense associative memories (:mod:`assoc.dense`).

``dense_capacity``     largest number of patterns a polynomial memory retrieves near perfectly,
                       found by a scan over P at one (degree, n)
``dense_recall``       retrieval quality at a fixed load: polynomial (``load = P / n**(degree-1)``)
                       or exponential (``alpha = ln P / n``)
``modern_regimes``     fixed-point regime of modern-Hopfield queries against beta
``dense_hebbian``      archetype overlap of a dense Hebbian network trained on M examples
``multitask``          sorted Mattis magnetizations of the diluted multitasking network
"""

from __future__ import annotations

import math

import numpy as np

from .. import theory
from ..dense import DenseAssociativeMemory, DenseHebbian, ModernHopfield, MultitaskHebbian
from ..hopfield import Hopfield
from ..memory import check_choice, check_float, check_int
from ..patterns import archetypes, diluted, flip, random_pm1
from . import driver


def _seed(rng: np.random.Generator) -> int:
    return int(rng.integers(2**63))


def _size(params: dict) -> int:
    """``n`` if given (> 0), else ``round(base_n<degree> * size)`` (one sweep spans several degrees,
    each over its own range of sizes)."""
    if params["n"]:
        return check_int("n", params["n"], low=2)
    degree = check_int("degree", params["degree"], low=2)
    key = f"base_n{degree}"
    if key not in params:
        raise ValueError(f"degree={degree} needs n > 0 (no {key} parameter; base sizes exist for degrees 2, 3, 4)")
    size = check_float("size", params["size"], low=0, low_open=True)
    return max(2, int(round(check_int(key, params[key], low=2) * size)))


def _recall_quality(mem, xi, which, cue_flip, rng):
    cues = flip(xi[which], cue_flip, rng)
    out = mem.recall(cues)
    states = mem.backend.to_numpy(out.states)
    m = (states.astype(np.float64) * xi[which]).sum(axis=1) / xi.shape[1]
    return m, out, states


@driver(
    "dense_capacity",
    defaults={
        "n": 0,
        "base_n2": 200,
        "base_n3": 40,
        "base_n4": 20,
        "size": 1.0,
        "degree": 3,
        "energy": "polynomial",
        "cue_flip": 0.0,
        "probes": 40,
        "m_c": 0.98,
        "precision": 0.03,
        "max_patterns": 200_000,
        "compare_hopfield": True,
        "backend": "numba",
    },
)
def dense_capacity(params: dict, seed: np.random.SeedSequence) -> dict:
    """Largest P at which the mean final overlap of probed stored patterns is at least ``m_c``.

    One pool of random patterns is drawn; a load P stores its first P patterns and cues
    ``probes`` of them (``cue_flip`` bits flipped). P is bracketed by factors of 1.25 from the
    one-step signal-to-noise estimate, then bisected in log P to relative ``precision``.
    Returns ``n_neurons``, ``p_max``, ``load`` (= p_max / n**(degree-1)), ``p_theory_errorfree``
    (Krotov-Hopfield), ``evaluations``; for degree 2 with ``compare_hopfield``,
    ``hopfield_same_states``: the fraction of final states at p_max identical to the classical
    Hebbian Hopfield network's on the same patterns, cues and update orders.
    """
    n = _size(params)
    degree = check_int("degree", params["degree"], low=2)
    energy = check_choice("energy", params["energy"], ("polynomial", "rectified"))
    probes = check_int("probes", params["probes"], low=1)
    m_c = check_float("m_c", params["m_c"], low=-1, high=1)
    prec = check_float("precision", params["precision"], low=0, low_open=True)
    cap = check_int("max_patterns", params["max_patterns"], low=2)
    cue_flip = check_float("cue_flip", params["cue_flip"], low=0, high=1)
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
            m, _, _ = _recall_quality(mem, pool[:p], which, cue_flip, prng)
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
        "n_neurons": n,
        "p_max": lo,
        "load": lo / n ** (degree - 1),
        "m_at_p_max": cache.get(lo, float("nan")),
        "p_theory_errorfree": float(theory.dense_capacity(n, degree)),
        "evaluations": len(cache),
        "hit_cap": float(lo >= hi_cap),
    }
    if degree == 2 and params["compare_hopfield"] and energy == "polynomial":
        prng = np.random.default_rng(probe_rng_seed)
        which = prng.choice(lo, size=min(probes, lo), replace=False)
        cues = flip(pool[which], cue_flip, prng)
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
    defaults={
        "n": 64,
        "energy": "exponential",
        "degree": 3,
        "dynamics": "async",
        "load": 0.05,
        "alpha": 0.15,
        "cue_flip": 0.1,
        "probes": 50,
        "max_patterns": 300_000,
        "max_steps": 50,
        "backend": "numba",
    },
)
def dense_recall(params: dict, seed: np.random.SeedSequence) -> dict:
    """Retrieval from flipped cues at a fixed load.

    Polynomial kinds store ``P = round(load * n**(degree-1))`` patterns; the exponential kind
    ``P = round(exp(alpha n))`` (``alpha = ln P / n``; points with P above ``max_patterns``
    return NaN metrics and ``skipped = 1``). Returns ``p``, ``alpha_eff`` (ln P / n),
    ``m_mean``, ``retrieved`` (fraction of cues ending exactly on their pattern),
    ``retrieved_099`` (final overlap >= 0.99), ``steps_mean``.
    """
    n = check_int("n", params["n"], low=2)
    energy = check_choice("energy", params["energy"], ("polynomial", "rectified", "exponential"))
    degree = check_int("degree", params["degree"], low=2)
    probes = check_int("probes", params["probes"], low=1)
    cue_flip = check_float("cue_flip", params["cue_flip"], low=0, high=1)
    cap = check_int("max_patterns", params["max_patterns"], low=1)
    if energy == "exponential":
        alpha = check_float("alpha", params["alpha"], low=0, low_open=True)
        p = int(round(math.exp(min(alpha * n, 700.0))))
    else:
        load = check_float("load", params["load"], low=0, low_open=True)
        p = max(1, int(round(load * n ** (degree - 1))))
    nan = float("nan")
    if p > cap:
        return {"p": p, "alpha_eff": math.log(p) / n, "m_mean": nan, "retrieved": nan, "retrieved_099": nan,
                "steps_mean": nan, "skipped": 1}
    rng = np.random.default_rng(seed)
    xi = random_pm1(p, n, rng)
    mem = DenseAssociativeMemory(n, energy, degree, params["dynamics"], max_steps=params["max_steps"],
                                 backend=params["backend"], seed=_seed(rng))
    mem.store(xi)
    which = rng.choice(p, size=min(probes, p), replace=False)
    m, out, states = _recall_quality(mem, xi, which, cue_flip, rng)
    return {
        "p": p,
        "alpha_eff": math.log(p) / n,
        "m_mean": float(m.mean()),
        "retrieved": float((states == xi[which]).all(axis=1).mean()),
        "retrieved_099": float((m >= 0.99).mean()),
        "steps_mean": float(np.mean(out.steps)),
        "skipped": 0,
    }


@driver(
    "modern_regimes",
    defaults={
        "dim": 100,
        "clusters": 4,
        "per_cluster": 5,
        "spread": 0.1,
        "query_noise": 0.3,
        "queries": 20,
        "beta": 1.0,
        "max_steps": 2000,
        "backend": "numpy",
    },
)
def modern_regimes(params: dict, seed: np.random.SeedSequence) -> dict:
    """Fixed-point regime of modern-Hopfield queries at inverse temperature ``beta``.

    Patterns: ``clusters`` random +/-1 centres in ``dim`` dimensions, ``per_cluster`` patterns
    each (Gaussian spread ``spread`` per component). Queries: stored patterns plus Gaussian
    noise ``query_noise``. Returns the fractions of queries ending ``single`` / ``metastable`` /
    ``global``, ``k_eff`` (mean participation number), ``one_step_error`` (largest distance
    of the one-update state from the queried pattern), ``steps_mean`` and ``converged``.
    """
    dim = check_int("dim", params["dim"], low=1)
    k = check_int("clusters", params["clusters"], low=1)
    per = check_int("per_cluster", params["per_cluster"], low=1)
    spread = check_float("spread", params["spread"], low=0)
    noise = check_float("query_noise", params["query_noise"], low=0)
    nq = check_int("queries", params["queries"], low=1)
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
    defaults={
        "n": 1000,
        "degree": 4,
        "protocol": "supervised",
        "r": 0.3,
        "m": 16,
        "k": 2,
        "beta": 1.0,
        "max_steps": 30,
        "start": "archetype",
        "backend": "numba",
    },
)
def dense_hebbian(params: dict, seed: np.random.SeedSequence) -> dict:
    """Archetype overlap of a dense Hebbian network trained on ``m`` examples of quality ``r``.

    K archetypes, M examples each; P-body couplings (``degree``) built unsupervised or
    supervised; Monte Carlo at noise 1/beta (``beta = inf``: zero noise) for ``max_steps`` sweeps
    started at archetype 1 (``start = "archetype"``, which the network never saw) or at one of
    its examples (``"example"``). Returns ``m_archetype`` (Mattis overlap with archetype 1),
    ``m_theory`` (low-load mean-field, :func:`assoc.theory.dense_hebbian_overlap`),
    ``n_example_max`` (largest overlap with a single example), ``rho`` (dataset entropy).
    """
    n = check_int("n", params["n"], low=2)
    k = check_int("k", params["k"], low=1)
    m = check_int("m", params["m"], low=1)
    r = check_float("r", params["r"], low=-1, high=1)
    start = check_choice("start", params["start"], ("archetype", "example"))
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
    defaults={
        "n": 20_000,
        "k": 3,
        "d": 0.5,
        "fill": "random",
        "temperature": 0.0,
        "max_steps": 100,
        "backend": "numba",
    },
)
def multitask(params: dict, seed: np.random.SeedSequence) -> dict:
    """Sorted Mattis magnetizations of the multitasking network with dilution ``d``.

    K diluted ternary patterns; the cue is pattern 1 where it is nonzero and random signs
    (``fill = "random"``) or unknown entries (``"zero"``) elsewhere. Zero-noise asynchronous
    dynamics (or Glauber at ``temperature`` for ``max_steps`` sweeps). Returns ``m1`` .. ``mK``
    (magnitudes, decreasing), ``h1`` .. ``hK`` (hierarchical prediction (1 - d) d**(j-1)),
    ``m1_over_h1``, ``deviation`` (sum |m - h| / sum h), ``evenness`` (mK / m1),
    ``d_c`` (:func:`assoc.theory.multitask_critical_dilution`) and ``steps``.
    """
    n = check_int("n", params["n"], low=2)
    k = check_int("k", params["k"], low=1)
    d = check_float("d", params["d"], low=0, high=1, high_open=True)
    fill = check_choice("fill", params["fill"], ("random", "zero"))
    temp = check_float("temperature", params["temperature"], low=0)
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
