"""GPU rows (CuPy backend): run wherever a CUDA device and CuPy are available.

1. Batched synchronous retrieval, n = 16384, P = 1600 (alpha ~ 0.1), 4096 cues with 10 % of
   their entries flipped: the achieved rate of the two matrix products per parallel update
   against the same-shape float32 CuPy matrix products measured in the same run.
2. One asynchronous capacity point at n = 16000, alpha = 0.14, 50 stored patterns as cues
   (the Numba-CUDA pattern-space sweep, one cue per thread), with the numba CPU backend on the
   same cues for comparison when ``--cpu`` is given (slow: minutes).

    python benchmarks/bench_gpu.py [--quick] [--cpu]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _sync(quick: bool) -> str:
    import cupy as cp

    import assoc
    from assoc import patterns as pt

    n, p, b = (4096, 400, 1024) if quick else (16384, 1600, 4096)
    xi = pt.random_pm1(p, n, rng=1)
    cues = pt.flip(xi[np.arange(b) % p], 0.1, rng=2)
    mem = assoc.Hopfield(n, "hebbian", "sync", backend="cupy", seed=0)
    mem.store(xi)
    mem.recall(cues[:8])
    cp.cuda.Device().synchronize()
    times, steps = [], 0
    for _ in range(3):
        t0 = time.perf_counter()
        out = mem.recall(cues)
        cp.cuda.Device().synchronize()
        times.append(time.perf_counter() - t0)
        steps = int(np.max(out.steps))
    x = cp.asarray(cues, dtype=cp.float32)
    xf = cp.asarray(xi, dtype=cp.float32)
    (x @ xf.T) @ xf
    cp.cuda.Device().synchronize()
    g = []
    for _ in range(5):
        t0 = time.perf_counter()
        (x @ xf.T) @ xf
        cp.cuda.Device().synchronize()
        g.append(time.perf_counter() - t0)
    flops_step = 2 * (2.0 * b * n * p)
    t, tg = float(np.median(times)), float(np.median(g))
    ok = float((np.asarray(cp.asnumpy(out.overlaps))[np.arange(b), np.arange(b) % p] > 0.99).mean())
    return (f"batched sync n={n} P={p} B={b}: {t * 1e3:.1f} ms for {steps} steps, "
            f"{steps * flops_step / t / 1e9:.0f} GFLOP/s; same-shape float32 GEMMs {flops_step / tg / 1e9:.0f} GFLOP/s; "
            f"fraction {steps * flops_step / t / (flops_step / tg):.2f}; {ok:.2f} retrieved")


def _capacity(quick: bool, cpu: bool) -> list[str]:
    import cupy as cp

    import assoc
    from assoc import patterns as pt

    n = 4000 if quick else 16000
    p = int(0.14 * n)
    xi = pt.random_pm1(p, n, rng=3)
    cues = xi[:50]
    lines = []
    for backend in (["cupy", "numba"] if cpu else ["cupy"]):
        mem = assoc.Hopfield(n, "hebbian", "async", backend=backend, seed=0)
        mem.store(xi)
        mem.recall(cues[:1], max_steps=1)
        t0 = time.perf_counter()
        out = mem.recall(cues)
        if backend == "cupy":
            cp.cuda.Device().synchronize()
        t = time.perf_counter() - t0
        m = np.asarray(out.overlaps if backend != "cupy" else cp.asnumpy(out.overlaps))[np.arange(50), np.arange(50)]
        lines.append(f"async capacity point n={n} alpha=0.14, 50 cues, {backend}: {t:.2f} s, "
                     f"sweeps {int(np.max(out.steps))} (most), fraction retrieved (m >= 0.9) {float((m >= 0.9).mean()):.2f}")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description="GPU benchmark rows")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--cpu", action="store_true", help="also time the capacity point on the numba backend")
    args = ap.parse_args()
    from assoc.backend import available_backends

    ok, why = available_backends()["cupy"]
    if not ok:
        print(f"no GPU rows: {why}")
        return
    print(why)
    print(_sync(args.quick))
    print("\n".join(_capacity(args.quick, args.cpu)))


if __name__ == "__main__":
    main()
