"""Classical Hopfield workloads, side by side with peers and the roofline.

1. Retrieval: n = 1000, P = 100 Hebbian patterns, 50 cues with 10% flipped bits,
   asynchronous dynamics to a fixed point, storage included. assoc (numba, numpy) against
   neurodynex3's ``hopfield_network``, the PyPI package ``hopfieldnetwork``, and a plain
   NumPy loop (dense float weights, one cue at a time), all on the same patterns and cues.
2. Batched synchronous retrieval: n = 4096, P = 400, 1024 cues, as a fraction of the
   measured float32 matrix-product rate.
3. Scaling of asynchronous retrieval with n (fixed alpha) and with the batch size.

The finite-size capacity curve at scale is ``benchmarks/bench_capacity.py``.

Peers are optional: ``pip install hopfieldnetwork && pip install --no-deps neurodynex3``.
"""

from __future__ import annotations

import numpy as np

import assoc
from assoc import patterns as pt

from .common import Result, fit_exponent, gemm_rate, interleaved


def _quality(states, xi) -> float:
    s = np.asarray(states, dtype=np.float64)
    return float(((s * xi).sum(axis=1) / xi.shape[1] > 0.99).mean())


def _assoc(xi, cues, backend):
    def run():
        mem = assoc.Hopfield(xi.shape[1], "hebbian", "async", backend=backend, seed=0)
        mem.store(xi)
        return mem.recall(cues).states

    return run


def _plain_numpy(xi, cues):
    """What a user writes by hand: dense float weights, one cue and one spin at a time."""

    def run():
        n = xi.shape[1]
        w = xi.T.astype(np.float64) @ xi.astype(np.float64) / n
        np.fill_diagonal(w, 0)
        rng = np.random.default_rng(0)
        out = []
        for cue in cues:
            s = cue.astype(np.float64).copy()
            while True:
                changed = False
                for i in rng.permutation(n):
                    h = w[i] @ s
                    new = 1.0 if h > 0 else (-1.0 if h < 0 else s[i])
                    if new != s[i]:
                        s[i] = new
                        changed = True
                if not changed:
                    break
            out.append(s)
        return np.array(out)

    return run


def _neurodynex3(xi, cues):
    from neurodynex3.hopfield_network import network

    def run():
        np.random.seed(0)
        net = network.HopfieldNetwork(xi.shape[1])
        net.store_patterns(list(xi.astype(np.int64)))
        net.set_dynamics_sign_async()
        out = []
        for cue in cues:
            net.set_state_from_pattern(cue.astype(np.int64))
            while True:
                before = net.state.copy()
                net.run(nr_steps=1)
                if np.array_equal(before, net.state):
                    break
            out.append(net.state.copy())
        return np.array(out)

    return run


def _hopfieldnetwork(xi, cues):
    import hopfieldnetwork

    def run():
        np.random.seed(0)
        net = hopfieldnetwork.HopfieldNetwork(N=xi.shape[1])
        for p in xi:
            net.train_pattern(p.astype(np.int64))
        out = []
        for cue in cues:
            net.set_initial_neurons_state(cue.astype(np.int64).copy())
            net.update_neurons(iterations=0, mode="async", run_max=True)
            out.append(net.S.copy())
        return np.array(out)

    return run


def retrieval(quick: bool) -> list[Result]:
    n, p, b = 1000, 100, 50
    xi = pt.random_pm1(p, n, rng=0)
    which = np.random.default_rng(1).choice(p, b, replace=False)
    cues = pt.flip(xi[which], 0.1, rng=2)
    target = xi[which]
    impls = {"assoc numba": _assoc(xi, cues, "numba"), "assoc numpy": _assoc(xi, cues, "numpy"),
             "plain numpy": _plain_numpy(xi, cues)}
    # the compiled run takes milliseconds: more repeats of it steady its median at little cost
    slow = {"plain numpy": 1 if quick else 3, "assoc numpy": 3 if quick else 7}
    for name, factory in (("hopfieldnetwork", _hopfieldnetwork), ("neurodynex3", _neurodynex3)):
        try:
            impls[name] = factory(xi, cues)
            slow[name] = 1 if quick else 2
        except ImportError:
            pass
    res = interleaved(impls, 3 if quick else 31, repeats_for=slow)
    return [Result("hopfield retrieval n=1000 P=100 B=50 async", k, t, len(ts), f"{_quality(out, target):.2f} retrieved")
            for k, (t, ts, out) in res.items()]


def batched_sync(quick: bool, gemm32: float) -> list[Result]:
    """Synchronous pattern-space retrieval against the float32 matrix-product rate measured
    on the same shapes, interleaved with it (so machine load affects both alike). The rate
    counts the products actually computed: a cue leaves them once it reaches a fixed point."""
    n, p, b = (2048, 200, 512) if quick else (4096, 400, 1024)
    xi = pt.random_pm1(p, n, rng=3)
    cues = pt.flip(xi[np.arange(b) % p], 0.1, rng=4)
    mem = assoc.Hopfield(n, "hebbian", "sync", backend="numba", seed=0)
    mem.store(xi)
    steps = {}

    def run():
        out = mem.recall(cues)
        steps["n"] = int(np.max(out.steps))
        steps["row-steps"] = int(np.sum(out.steps))  # a cue leaves the products once it is fixed
        return out.states

    x = cues.astype(np.float32)
    xf = xi.astype(np.float32)

    def products():  # the two products of one parallel update, nothing else
        return (x @ xf.T) @ xf

    res = interleaved({"assoc sync": run, "two GEMMs": products}, 3 if quick else 15)
    t, ts, out = res["assoc sync"]
    flops_step = 2 * (2.0 * b * n * p)
    rate = steps["row-steps"] * flops_step / b / t  # the products actually computed
    gemm_same = flops_step / res["two GEMMs"][0]
    return [Result(f"hopfield sync batched n={n} P={p} B={b}", "assoc sync", t, len(ts),
                   f"{_quality(out, xi[np.arange(b) % p]):.2f} retrieved",
                   {"GFLOP/s": rate / 1e9, "steps": steps["n"], "mean steps per cue": steps["row-steps"] / b,
                    "float32 GEMM GFLOP/s, same shapes": gemm_same / 1e9,
                    "fraction of it": rate / gemm_same,
                    "fraction of square 2048 GEMM": rate / gemm32})]


def scaling(quick: bool) -> tuple[list[Result], dict]:
    """Asynchronous retrieval time against n (alpha = 0.05, pattern space: expect n^2 P / n ~ n^2)
    and against the batch size (expect ~linear)."""
    out, fits = [], {}
    ns = [500, 1000, 2000, 4000] if quick else [500, 1000, 2000, 4000, 8000]
    times = []
    for n in ns:
        xi = pt.random_pm1(int(0.05 * n), n, rng=5)
        cues = pt.flip(xi[:32], 0.1, rng=6)
        mem = assoc.Hopfield(n, backend="numba", seed=0)
        mem.store(xi)
        t = interleaved({"r": lambda: mem.recall(cues)}, 3)["r"][0]
        times.append(t)
        out.append(Result(f"scaling async n={n} alpha=0.05 B=32", "assoc numba", t, 3))
    fits["async time vs n (expected 2: n spins x P = alpha n overlaps)"] = (ns, times, fit_exponent(ns, times), 2.0)
    bs = [16, 64, 256, 1024]
    times = []
    n = 2000
    xi = pt.random_pm1(100, n, rng=7)
    mem = assoc.Hopfield(n, backend="numba", seed=0)
    mem.store(xi)
    for b in bs:
        cues = pt.flip(xi[np.arange(b) % 100], 0.1, rng=8)
        t = interleaved({"r": lambda: mem.recall(cues)}, 3)["r"][0]
        times.append(t)
        out.append(Result(f"scaling async n=2000 P=100 B={b}", "assoc numba", t, 3))
    fits["async time vs batch (expected 1)"] = (bs, times, fit_exponent(bs, times), 1.0)
    return out, fits


def run(quick: bool = False) -> dict:
    gemm32 = gemm_rate(np.float32)
    results = retrieval(quick) + batched_sync(quick, gemm32)
    scal, fits = scaling(quick)
    return {"results": results + scal, "fits": fits, "roofline": {"float32 GEMM GFLOP/s": gemm32 / 1e9}}
