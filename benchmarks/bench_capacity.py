"""The finite-size capacity curve of the Hebbian Hopfield network at scale.

Protocol (the ``critical_load`` driver, as the capacity-finite-size gallery spec runs it):
online storage through 16 loads from 0.08 to 0.26, 30 stored patterns probed at each load,
retrieval when the overlap reaches 0.9, asynchronous dynamics from the stored pattern itself,
every load run (no early stop), n = 500 ... 8000.

1. Per trial on one core (one Numba thread, one BLAS thread: what a sweep worker gets),
   with the work the run performed counted by instrumenting the kernels, and the floor of that
   work at the machine's rates measured in this run:
   - pattern-space sweeps: one multiply-add per stored pattern per visited spin, at the
     one-core float32 matrix-product rate;
   - building / extending the integer counts: one 64-bit population count per 64 new patterns
     per pair of spins, at the one-core rate of a population-count loop over data in cache,
     plus one read and write of the count matrix per extension at the copy bandwidth;
   - sweeps on the counts: per flip one row of the counts read from memory, per cue and sweep
     its visiting order (8 bytes per spin), at the one-core copy bandwidth.
   The floor is the sum of these times; the achieved fraction is floor / measured time.
   The same trial with ``representation="patterns"`` (pattern space only, n <= 4000) shows
   what the counts buy. n = 16000 runs one trial.
2. The projected wall time of the full curve (50 trials per size on 2 worker processes) from
   the per-trial times, to n = 8000 and to n = 16000, and with ``--full`` the measured wall
   time of the curve to n = 8000 through the sweep engine.

    python benchmarks/bench_capacity.py [--quick] [--full]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PROTOCOL = {"family": "hopfield", "rule": "hebbian", "alpha_min": 0.08, "alpha_max": 0.26, "points": 16,
            "probes": 30, "retrieval_threshold": 0.9, "backend": "numba"}


class Counter:
    """Counts the work of the asynchronous Hopfield kernels while installed."""

    def __init__(self):
        self.pattern_macs = 0
        self.count_words = 0  # 64-bit population counts of building / extending the counts
        self.count_passes = 0  # bytes of count matrix read and written by the extensions
        self.flips = 0
        self.count_bytes_per_flip = 0
        self.cue_sweeps_n = 0  # cue-sweeps on the counts times n

    def install(self, monkey):
        import assoc.kernels.cpu as cpu
        import assoc.memories.hopfield as hop

        real_kernel = hop.kernel
        real_counts = hop.Hopfield.hebbian_counts
        real_run_p, real_run_w = cpu.async_run_patterns, cpu.async_run_weights
        me = self

        def count_weights(s, w, flips, cue_sweeps):
            me.flips += int(np.asarray(flips).sum())
            me.cue_sweeps_n += int(cue_sweeps) * s.shape[1]
            me.count_bytes_per_flip = w.shape[1] * w.itemsize

        def kernel(name, be):
            k = real_kernel(name, be)
            if name == "async_sweep_patterns":
                def sweep(s, ov, xi_t, order, active, *rest):
                    me.pattern_macs += int(np.count_nonzero(active)) * s.shape[1] * xi_t.shape[1]
                    return k(s, ov, xi_t, order, active, *rest)
                return sweep
            if name == "async_sweep_weights":
                def sweep(s, fields, w, order, active, *rest):
                    flips = k(s, fields, w, order, active, *rest)
                    count_weights(s, w, flips, np.count_nonzero(active))
                    return flips
                return sweep
            return k

        def run_patterns(s, ov, xi_t, *rest):
            steps, status = real_run_p(s, ov, xi_t, *rest)
            me.pattern_macs += int(steps.sum()) * s.shape[1] * xi_t.shape[1]
            return steps, status

        def run_weights(s, fields, w, *rest):
            s0 = s.copy()
            steps, status = real_run_w(s, fields, w, *rest)
            count_weights(s, w, [np.count_nonzero(s != s0)], steps.sum())  # net flips: a lower bound
            return steps, status

        def counts(mem):
            new = len(mem) - mem._counted
            if new:
                me.count_words += -(-new // 64) * mem.n * mem.n
                me.count_passes += 2 * mem.n * mem.n * (2 if len(mem) < 2**15 else 4)
            return real_counts(mem)

        monkey.append((hop, "kernel", real_kernel))
        monkey.append((hop.Hopfield, "hebbian_counts", real_counts))
        monkey.append((cpu, "async_run_patterns", real_run_p))
        monkey.append((cpu, "async_run_weights", real_run_w))
        hop.kernel = kernel
        hop.Hopfield.hebbian_counts = counts
        cpu.async_run_patterns = run_patterns
        cpu.async_run_weights = run_weights

    def floor(self, mac_rate: float, popcount_rate: float, bandwidth: float) -> dict:
        t_pat = self.pattern_macs / mac_rate
        t_cnt = self.count_words / popcount_rate + self.count_passes / bandwidth
        t_flip = (self.flips * self.count_bytes_per_flip + 8 * self.cue_sweeps_n) / bandwidth
        return {"pattern-space s": t_pat, "counts build s": t_cnt, "counts sweeps s": t_flip,
                "floor s": t_pat + t_cnt + t_flip}


def popcount_rate(words: int = 4096, repeats: int = 2000) -> float:
    """64-bit population counts per second of one core over data in cache (the loop the
    counts kernel runs: XOR, count, accumulate)."""
    from numba import njit

    from assoc.kernels.cpu_sdr import popcount64

    @njit(cache=False)
    def loop(a, b, reps):
        acc = np.zeros(a.shape[0], dtype=np.int32)
        for r in range(reps):
            x = a[r % a.shape[0]]
            for j in range(b.shape[0]):
                acc[j] += np.int32(popcount64(x ^ b[j]))
        return acc

    rng = np.random.default_rng(0)
    a = rng.integers(0, 2**63, size=words, dtype=np.uint64)
    loop(a, a, 1)
    t0 = time.perf_counter()
    loop(a, a, repeats)
    return words * repeats / (time.perf_counter() - t0)


def one_core_rates() -> tuple[float, float, float]:
    """Float32 matrix-product multiply-adds per second, population counts per second and copy
    bandwidth (bytes/s), one core."""
    from benchmarks.common import bandwidth, gemm_rate

    return gemm_rate(np.float32) / 2, popcount_rate(), bandwidth()


def trial(n: int, seed: int, representation: str = "auto", counter: Counter | None = None) -> tuple[float, dict]:
    from assoc.experiments import get_driver

    params = dict(PROTOCOL, n=n)
    if representation != "auto":
        params["representation"] = representation
    monkey: list = []
    if counter is not None:
        counter.install(monkey)
    try:
        t0 = time.perf_counter()
        row = get_driver("critical_load")(params, np.random.SeedSequence([n, seed]))
        return time.perf_counter() - t0, row
    finally:
        for obj, name, value in monkey:
            setattr(obj, name, value)


def per_trial(quick: bool) -> list[str]:
    import numba
    from threadpoolctl import threadpool_limits

    ns = [500, 1000, 2000] if quick else [500, 1000, 2000, 4000, 8000, 16000]
    lines = ["Per trial on one core (one Numba and one BLAS thread), 16 loads, 30 probes:", "",
             "| n | trial time | pattern space only | counts bought | alpha_c | work: pattern MACs, count words, flips | "
             "floor (pattern / counts build / counts sweeps) | achieved fraction of floor |",
             "|---|---|---|---|---|---|---|---|"]
    totals = {}
    numba.set_num_threads(1)
    with threadpool_limits(1):
        mac_rate, pop_rate, bw = one_core_rates()
        lines.insert(1, f"(one-core rates measured here: float32 GEMM {2 * mac_rate / 1e9:.1f} GFLOP/s, "
                        f"population counts {pop_rate / 1e9:.2f} G/s, copy bandwidth {bw / 1e9:.1f} GB/s)")
        trial(500, 0)  # compile
        for n in ns:
            times, ctr = [], Counter()
            for s in range(1 if quick or n > 8000 else 2):
                t, row = trial(n, s, counter=ctr if s == 0 else None)
                times.append(t)
            t_pat = trial(n, 0, representation="patterns")[0] if n <= 4000 else float("nan")
            t = float(np.median(times))
            totals[n] = t
            fl = ctr.floor(mac_rate, pop_rate, bw)
            lines.append(
                f"| {n} | {t:.2f} s | {t_pat:.2f} s | {t_pat / times[0]:.1f}x | {row['alpha_c']:.3f} | "
                f"{ctr.pattern_macs:.3g}, {ctr.count_words:.3g}, {ctr.flips:.3g} | "
                f"{fl['floor s']:.2f} s ({fl['pattern-space s']:.2f} / {fl['counts build s']:.2f} / "
                f"{fl['counts sweeps s']:.2f}) | {fl['floor s'] / times[0]:.2f} |")
    lines.append("")
    for top in (2000, 8000, 16000):
        upto = [n for n in totals if n <= top]
        if top == max(totals) or (top == 8000 and 8000 in totals):
            proj = 50 * sum(totals[n] for n in upto) / 2
            lines.append(f"Projected full curve (50 trials per size, 2 workers, from the per-trial times): {proj:.0f} s "
                         f"({proj / 60:.1f} min) for n = {', '.join(map(str, upto))}.")
    return lines


def full_run(quick: bool) -> list[str]:
    """The whole curve through the sweep engine with 2 worker processes: measured wall time."""
    from assoc.sweep import run_spec

    ns = [500, 1000, 2000] if quick else [500, 1000, 2000, 4000, 8000]
    spec = {"name": "capacity-curve-bench", "driver": "critical_load", "seed": 7, "trials": 50,
            "params": PROTOCOL, "grid": {"n": ns}}
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        run_spec(spec, out_dir=tmp, workers=2, quiet=True, figure=False, csv_path=False)
        wall = time.perf_counter() - t0
    return [f"Full curve run through the sweep engine (50 trials x {len(ns)} sizes x 16 loads, 2 workers): "
            f"{wall:.0f} s ({wall / 60:.1f} min)."]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--full", action="store_true", help="also run the whole curve (50 trials) through the sweep engine")
    args = ap.parse_args()
    lines = per_trial(args.quick)
    if args.full:
        lines += [""] + full_run(args.quick)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
