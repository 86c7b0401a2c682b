"""The finite-size capacity curve of the Hebbian Hopfield network at scale.

Protocol (the ``critical_load`` driver, as the capacity-finite-size gallery spec runs it):
online storage through 16 loads from 0.08 to 0.26, 30 stored patterns probed at each load,
retrieval when the overlap reaches 0.9, asynchronous dynamics from the stored pattern itself,
every load run (no early stop), n = 500 ... 8000.

1. Per-trial time on one core (one Numba thread, one BLAS thread: what a sweep worker gets),
   with the work the run performed counted by instrumenting the kernels, and the arithmetic
   floor of that work at the machine's rates measured in this run:
   - pattern-space sweeps: one multiply-add per stored pattern per visited spin, at the
     one-core float32 matrix-product rate;
   - building / extending the integer counts: n^2 multiply-adds per new pattern, at the same rate;
   - sweeps on the counts: per flip one row of the counts read from memory, per visited spin
     the order, field, state and clamp entries (14 bytes), at the one-core copy bandwidth.
   The floor is the sum of these times; the achieved fraction is floor / measured time.
   The same trial with ``representation="patterns"`` (pattern space only, n <= 4000) shows
   what the counts buy.
2. The projected wall time of the full curve (50 trials per size on 2 worker processes) from
   the per-trial times, and with ``--full`` the measured wall time of that full run through
   the sweep engine.

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
        self.count_macs = 0
        self.flips = 0
        self.count_bytes_per_flip = 0
        self.visits = 0

    def install(self, monkey):
        import assoc.memories.hopfield as hop

        real_kernel = hop.kernel
        real_counts = hop.Hopfield.hebbian_counts
        me = self

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
                    me.flips += int(np.asarray(flips).sum())
                    me.visits += int(np.count_nonzero(active)) * s.shape[1]
                    me.count_bytes_per_flip = w.shape[1] * w.itemsize
                    return flips
                return sweep
            return k

        def counts(mem):
            me.count_macs += (len(mem) - mem._counted) * mem.n * mem.n
            return real_counts(mem)

        monkey.append((hop, "kernel", real_kernel))
        monkey.append((hop.Hopfield, "hebbian_counts", real_counts))
        hop.kernel = kernel
        hop.Hopfield.hebbian_counts = counts

    def floor(self, mac_rate: float, bandwidth: float) -> dict:
        t_pat = self.pattern_macs / mac_rate
        t_cnt = self.count_macs / mac_rate
        t_flip = (self.flips * self.count_bytes_per_flip + 14 * self.visits) / bandwidth
        return {"pattern-space s": t_pat, "counts build s": t_cnt, "counts sweeps s": t_flip,
                "floor s": t_pat + t_cnt + t_flip}


def one_core_rates() -> tuple[float, float]:
    """Float32 matrix-product multiply-adds per second and copy bandwidth (bytes/s), one core."""
    from benchmarks.common import bandwidth, gemm_rate

    return gemm_rate(np.float32) / 2, bandwidth()


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

    ns = [500, 1000, 2000] if quick else [500, 1000, 2000, 4000, 8000]
    trials = 1 if quick else 2
    lines = ["Per trial on one core (one Numba and one BLAS thread), 16 loads, 30 probes:", "",
             "| n | trial time | pattern space only | counts bought | alpha_c | work: pattern MACs, count MACs, flips | "
             "floor (pattern / counts build / counts sweeps) | achieved fraction of floor |",
             "|---|---|---|---|---|---|---|---|"]
    totals = {}
    numba.set_num_threads(1)
    with threadpool_limits(1):
        mac_rate, bw = one_core_rates()
        lines.insert(1, f"(one-core rates measured here: float32 GEMM {2 * mac_rate / 1e9:.1f} GFLOP/s, "
                        f"copy bandwidth {bw / 1e9:.1f} GB/s)")
        trial(500, 0)  # compile
        for n in ns:
            times, ctr = [], Counter()
            for s in range(trials):
                t, row = trial(n, s, counter=ctr if s == 0 else None)
                times.append(t)
            t_pat = trial(n, 0, representation="patterns")[0] if n <= 4000 else float("nan")
            t = float(np.median(times))
            totals[n] = t
            fl = ctr.floor(mac_rate, bw)
            lines.append(
                f"| {n} | {t:.2f} s | {t_pat:.2f} s | {t_pat / times[0]:.1f}x | {row['alpha_c']:.3f} | "
                f"{ctr.pattern_macs:.3g}, {ctr.count_macs:.3g}, {ctr.flips:.3g} | "
                f"{fl['floor s']:.2f} s ({fl['pattern-space s']:.2f} / {fl['counts build s']:.2f} / "
                f"{fl['counts sweeps s']:.2f}) | {fl['floor s'] / times[0]:.2f} |")
    proj = 50 * sum(totals.values()) / 2
    lines += ["", f"Projected full curve (50 trials per size, 2 workers, from the per-trial times): {proj:.0f} s "
                  f"({proj / 60:.1f} min) for n = {', '.join(map(str, ns))}."]
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
