"""Dense associative memories: wall-clock timings, side by side, from one run.

    python benchmarks/bench_dense.py            # all cases (about a minute on 2 cores)
    python benchmarks/bench_dense.py --quick    # smaller numpy reference runs

Cases
-----
1. Polynomial n = 3 memory, N = 1000 neurons, P = 10**4 patterns, a batch of 100 cues with 10%
   flipped bits, asynchronous T = 0 dynamics to a fixed point:
   numba cubic closed form (the default here: per spin visit one masked sum of the squared
   overlaps, int16 overlaps against the patterns as bits in 16-bit lanes, exact integer
   arithmetic; the overlaps of the cues as popcounts) against the numba table kernel (two dot
   products per visit, table reads per flip), the numba direct kernel (F evaluated per
   pattern and spin), the numpy reference twin (on 10 cues, scaled per cue) and synchronous
   dynamics (BLAS matrix products). The previous default (one float32 dot product of the int8
   pattern row with the squared overlaps per visit, BLAS products for the overlaps and for
   the gaps at the start of later sweeps) is quoted from its last report run. The machine's
   float32 matrix-product rate, measured in the same run, is printed alongside: on a shared
   machine it shows how busy the cores were.
2. Multitasking diluted network, N = 10**5 neurons, K = 5 patterns, one cue, numba.
3. Exponential memory, N = 64, P = 10**5 patterns, 50 cues with 10% flipped bits, numba.
4. Single-cue latency of the cubic memory as an agent reads it: N = 96 (64 clamped code bits
   and 32 unknown value entries), P = 50, numba; median and best of 2000 calls.

Every case checks that the cues were retrieved (so the timing is of a successful recall);
compile time is excluded by a warm-up call. Ratios are reported against the default (first) row.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import assoc.memories.dense as dense
from assoc.memories.dense import DenseAssociativeMemory
from assoc.memories.multitask import MultitaskHebbian
from assoc.patterns import diluted, flip, random_pm1
from benchmarks.common import gemm_rate


def timed(fn, repeat=3):
    best = np.inf
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def case_polynomial(quick: bool):
    n, p, b = 1000, 10_000, 100
    xi = random_pm1(p, n, rng=1)
    cues = flip(xi[:b], 0.1, rng=2)
    rows = []

    def mem(backend, dynamics="async"):
        m = DenseAssociativeMemory(n, "polynomial", 3, dynamics, backend=backend, seed=0)
        m.store(xi)
        return m

    fast = mem("numba")
    fast.recall(cues[:2])
    t_fast, out = timed(lambda: fast.recall(cues), repeat=5)
    assert (out.states == xi[:b]).all()
    rows.append(("numba, cubic closed form (default)", b, t_fast))

    def with_option(name, **option):
        # the table kernel (closed_form=False): u, v, w read from a table of F per pattern;
        # the direct kernel (table_kernel=False): F(A +/- x) for every pattern at every visit
        other = mem("numba")
        orig = dense._run_async

        def run(*args, **kw):
            kw.update(option)
            return orig(*args, **kw)

        dense._run_async = run
        try:
            other.recall(cues[:2])
            t, res = timed(lambda: other.recall(cues), repeat=3 if option.get("table_kernel", True) else 1)
        finally:
            dense._run_async = orig
        assert (res.states == xi[:b]).all()
        rows.append((name, b, t))

    with_option("numba, table kernel", closed_form=False)
    with_option("numba, direct kernel", table_kernel=False)

    sync = mem("numba", "sync")
    t_sync, out = timed(lambda: sync.recall(cues), repeat=1)
    assert (out.states == xi[:b]).all()
    rows.append(("synchronous (BLAS products)", b, t_sync))

    nb = 5 if quick else 10
    ref = mem("numpy")
    t_ref, out = timed(lambda: ref.recall(cues[:nb]), repeat=1)
    assert (out.states == xi[:nb]).all()
    rows.append(("numpy reference twin", nb, t_ref))
    return rows


def case_multitask():
    n, k = 100_000, 5
    xi = diluted(k, n, 0.4, rng=3)
    rng = np.random.default_rng(4)
    cue = np.where(xi[0] != 0, xi[0], 2 * rng.integers(0, 2, n) - 1)[None].astype(np.int8)
    net = MultitaskHebbian(n, backend="numba", seed=0)
    net.store(xi)
    net.recall(cue[:, :])
    t, out = timed(lambda: net.recall(cue))
    m = out.extra["sorted_m"][0]
    assert abs(m[0] - 0.6) < 0.01 and (m > 3 / np.sqrt(n)).all()  # all five patterns raised at once
    return [("multitask N=1e5, K=5 (numba)", 1, t)]


def case_exponential():
    n, p, b = 64, 100_000, 50
    xi = random_pm1(p, n, rng=5)
    cues = flip(xi[:b], 0.1, rng=6)
    mem = DenseAssociativeMemory(n, "exponential", backend="numba", seed=0)
    mem.store(xi)
    mem.recall(cues[:2])
    t, out = timed(lambda: mem.recall(cues))
    assert (out.states == xi[:b]).all()
    return [("exponential N=64, P=1e5 (numba)", b, t)]


#: The previous default on case 1 (float32 closed form; benchmarks/REPORT.md, commit 04193d2):
#: seconds for the 100 cues, and the float32 GEMM rate of that run in GFLOP/s.
PREVIOUS_CUBIC = (0.242, 118.0)


def case_single_cue(repeats: int = 2000):
    """Median and best microseconds of one recall of one cue, shaped like an agent's read."""
    code, value, p = 64, 32, 50
    n = code + value
    xi = random_pm1(p, n, rng=7)
    cue = xi[:1].copy()
    cue[:, code:] = 0
    clamp = np.zeros(cue.shape, dtype=bool)
    clamp[:, :code] = True
    mem = DenseAssociativeMemory(n, "polynomial", 3, backend="numba", seed=0)
    mem.store(xi)
    for _ in range(20):
        out = mem.recall(cue, clamp=clamp)
    assert (out.states == xi[:1]).all()
    times = np.empty(repeats)
    for r in range(repeats):
        t = time.perf_counter()
        mem.recall(cue, clamp=clamp)
        times[r] = time.perf_counter() - t
    return float(np.median(times)) * 1e6, float(times.min()) * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    import numba

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
          f"numba {numba.__version__} with {numba.config.NUMBA_NUM_THREADS} threads, numpy {np.__version__}")
    rate = gemm_rate(np.float32) / 1e9
    print(f"float32 GEMM rate in this run: {rate:.0f} GFLOP/s")
    print()
    print("1. polynomial n=3, N=1000, P=10^4, async T=0 from 10%-flipped cues")
    rows = case_polynomial(args.quick)
    base = rows[0][2] / rows[0][1]
    print(f"   {'implementation':34s} {'cues':>5s} {'seconds':>9s} {'s/cue':>9s} {'x default':>15s}")
    for name, nb, t in rows:
        print(f"   {name:34s} {nb:5d} {t:9.3f} {t / nb:9.4f} {t / nb / base:15.1f}")
    before, before_rate = PREVIOUS_CUBIC
    print(f"   previous default (float32 closed form): {before:.3f} s for 100 cues in its report run "
          f"(GEMM {before_rate:.0f} GFLOP/s); this run's default: {rows[0][2]:.3f} s (GEMM {rate:.0f} GFLOP/s)")
    print()
    for label, fn in (("2.", case_multitask), ("3.", case_exponential)):
        for name, nb, t in fn():
            print(f"{label} {name:36s} {nb:5d} cue(s) {t:8.3f} s")
    median, best = case_single_cue(400 if args.quick else 2000)
    print(f"4. single cue, N=96 (64 clamped), P=50 (numba) median {median:6.1f} us, best {best:6.1f} us")


if __name__ == "__main__":
    main()
