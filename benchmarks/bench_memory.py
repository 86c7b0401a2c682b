"""Bounded working memory: a recall whose (B, P) arrays would not fit, run in chunks.

An exponential dense associative memory of n = 40 neurons holding P = 8.9 million patterns
(356 MB of int8 patterns) recalls 200 cues (asynchronous dynamics, numba backend). Undivided,
the recall would hold the (200, P) int64 overlaps of its dynamics and the (200, P) float64
overlaps of its result: 26.5 GiB. In chunks within the working-memory budget
(``assoc.memory.set_memory_budget``; default half the available memory, chunks aimed at
1 GiB) and with ``recall(overlaps=False)`` (states and energies only), the case runs in a child
process whose peak resident memory is reported (target: under 2 GiB), with the wall times.

Run:  python benchmarks/bench_memory.py [--quick]     (--quick: P = 890,000 and 20 cues)
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np

N = 40
TARGET_GIB = 2.0


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def case(p: int, cues: int, budget: int | None) -> dict:
    """Store P random +/-1 patterns, recall ``cues`` of them with 5% of bits flipped; peak RSS."""
    import assoc.memory as amem
    from assoc import DenseAssociativeMemory
    from assoc.memories import dense as dense_mod
    from assoc.patterns import flip

    if budget is not None:
        amem.set_memory_budget(budget)
    chunks = []
    real = dense_mod.chunk_rows

    def spy(*args, **kwargs):
        c = real(*args, **kwargs)
        chunks.append(c)
        return c

    dense_mod.chunk_rows = spy
    rng = np.random.default_rng(0)
    xi = np.empty((p, N), dtype=np.int8)
    for p0 in range(0, p, 1 << 20):  # drawn a block at a time: no large temporaries
        blk = rng.integers(0, 2, size=(min(1 << 20, p - p0), N), dtype=np.int8)
        xi[p0:p0 + blk.shape[0]] = 2 * blk - 1
    mem = DenseAssociativeMemory(N, energy="exponential", backend="numba", seed=0)
    t0 = time.perf_counter()
    mem.store(xi)
    t_store = time.perf_counter() - t0
    cue = flip(xi[:cues], 0.05, rng=1)
    del xi
    peak_store = _peak_mib()
    t0 = time.perf_counter()
    out = mem.recall(cue, overlaps=False)
    t_recall = time.perf_counter() - t0
    return {
        "p": p, "cues": cues, "budget_gib": amem.memory_budget() / 2**30, "chunk": min(chunks) if chunks else cues,
        "store_s": t_store, "recall_s": t_recall, "peak_after_store_mib": peak_store, "peak_mib": _peak_mib(),
        "sweeps_mean": float(out.steps.mean()), "retrieved": float((out.states == mem.patterns[:cues]).all(axis=1).mean()),
        "patterns_mib": mem.patterns.nbytes / 2**20,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="P = 890,000 and 20 cues")
    ap.add_argument("--case", default="", help=argparse.SUPPRESS)  # run one case in this process
    args = ap.parse_args()
    if args.case:
        p, cues = (int(v) for v in args.case.split(","))
        print(json.dumps(case(p, cues, None)))
        return
    p, cues = (890_000, 20) if args.quick else (8_900_000, 200)
    res = subprocess.run([sys.executable, __file__, "--case", f"{p},{cues}"], capture_output=True, text=True)
    if res.returncode != 0:
        print(f"[exit code {res.returncode}]\n{res.stderr[-2000:]}")
        return
    r = json.loads(res.stdout.strip().splitlines()[-1])
    whole = cues * p * (8 + 8) / 2**30
    print(f"Exponential dense memory, n = {N}, P = {p:,} patterns ({r['patterns_mib']:.0f} MiB int8), {cues} cues with "
          f"5% of bits flipped, asynchronous dynamics, numba backend, recall(overlaps=False); one child process.")
    print(f"Undivided, the recall would hold {whole:.1f} GiB of (B, P) overlaps (int64 dynamics + float64 result).")
    print()
    print(f"{'budget':>10s} {'chunk':>6s} {'store':>9s} {'recall':>9s} {'peak RSS after store':>21s} "
          f"{'peak RSS':>10s}  target < {TARGET_GIB:g} GiB")
    ok = "met" if r["peak_mib"] < TARGET_GIB * 1024 else "missed"
    print(f"{r['budget_gib']:8.2f} GiB {r['chunk']:6d} {r['store_s']:8.2f}s {r['recall_s']:8.1f}s "
          f"{r['peak_after_store_mib']:17.0f} MiB {r['peak_mib']:6.0f} MiB  {ok}")
    print()
    print(f"mean sweeps per cue {r['sweeps_mean']:.2f}, cues recalled exactly {r['retrieved']:.2f} "
          f"(ln P / n = {np.log(p) / N:.3f} against ln 2 / 2 = {np.log(2) / 2:.3f}). Times depend on the machine's "
          f"load; the peak resident memory does not.")


if __name__ == "__main__":
    main()
