"""Speed of the spiking CA3 models: wall time per simulated second, Brian2 numpy vs Cython.

Run from the repository root::

    python benchmarks/bench_spiking.py            # CAM experiments + CA3 network n = 10**4, p = 0.01
    python benchmarks/bench_spiking.py --quick    # smaller CA3 network (n = 2000)

Both models are Brian2 runtime networks whose generated code does not depend on parameter
values (parameters are group variables; object names are fixed), so the Cython target
compiles once per machine (cached in ``~/.cython/brian_extensions``) and every later network
reuses the build. The script builds each network once untimed ("warm-up", which also
compiles), then times a fresh network over a long simulation (each CAM experiment repeated
back to back, ``--repeats`` times, in one run; the CA3 network storing ``--patterns`` patterns
and recalling ``--probes``). Reported: simulated seconds, wall seconds of network
construction (``build``) and of the simulation (``run``), the speed as a multiple of real time
(> 1: faster than the biological clock; SpiNNaker runs the CAM in real time, i.e. 1.0) and
``call``: the wall time of one short call on an already-run network (Brian2's runtime mode
prepares its code objects again at every ``run``, a fixed cost per call). Ratios come from one
run on the same machine.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def bench_cam(target: str, repeats: int) -> list[dict]:
    """The published experiments, each repeated ``repeats`` times back to back in one run."""
    from assoc.spiking.cam import CAMNetwork, EXPERIMENTS

    rows = []
    for name, e in EXPERIMENTS.items():
        d = e["duration"]
        cue = [[t + r * d for r in range(repeats) for t in ts] for ts in e["cue"]]
        cont = [[t + r * d for r in range(repeats) for t in ts] for ts in e["content"]]
        warm = CAMNetwork(e["n_cues"], e["n_content"], target=target)  # warm-up (compiles for Cython)
        warm.run(d, e["cue"], e["content"])
        t0 = time.perf_counter()
        warm.run(1)
        overhead = time.perf_counter() - t0
        t0 = time.perf_counter()
        net = CAMNetwork(e["n_cues"], e["n_content"], target=target)
        t1 = time.perf_counter()
        net.run(d * repeats, cue, cont)
        t2 = time.perf_counter()
        sim_s = d * repeats * 1e-3
        rows.append({"model": f"CAM {name} x{repeats}", "target": target, "sim_s": sim_s, "build_s": t1 - t0,
                     "run_s": t2 - t1, "x_realtime": sim_s / (t2 - t1), "call_s": overhead})
    return rows


def bench_ca3(target: str, n: int, p: float, patterns: int, probes: int) -> dict:
    from assoc.patterns import sparse_binary
    from assoc.spiking.ca3 import CA3Network

    rng = np.random.default_rng(0)
    x = sparse_binary(patterns, n, k=int(0.05 * n), rng=rng)
    warm = CA3Network(n, p=p, a=0.05, seed=1, target=target)  # compiles (Cython) / warms caches
    warm.store(x[:1])
    warm.recall(x[:1])
    t0 = time.perf_counter()
    warm.recall(x[:1])
    overhead = time.perf_counter() - t0  # one recall call of one probe (110 ms simulated)
    t0 = time.perf_counter()
    net = CA3Network(n, p=p, a=0.05, seed=1, target=target)
    net.n_synapses  # builds the network
    t1 = time.perf_counter()
    net.store(x)
    cues = x[:probes] * (rng.random((probes, n)) < 0.5)
    out = net.recall(cues)
    t2 = time.perf_counter()
    sim_s = net.t_ms * 1e-3
    m = float(np.mean(np.diag(out.overlaps[:, :probes])))
    return {"model": f"CA3 n={n} p={p} ({net.n_synapses} syn)", "target": target, "sim_s": sim_s,
            "build_s": t1 - t0, "run_s": t2 - t1, "x_realtime": sim_s / (t2 - t1), "m": m, "call_s": overhead}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="n = 2000 instead of 10**4 for the CA3 network")
    ap.add_argument("--patterns", type=int, default=20)
    ap.add_argument("--probes", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=20, help="back-to-back repeats of each CAM experiment")
    args = ap.parse_args()
    n = 2000 if args.quick else 10_000
    rows = []
    for target in ("numpy", "cython"):
        rows += bench_cam(target, args.repeats)
    for target in ("numpy", "cython"):
        rows.append(bench_ca3(target, n, 0.01, args.patterns, args.probes))
    print(f"{'model':40s} {'target':7s} {'sim s':>6s} {'build s':>8s} {'run s':>7s} {'x real time':>11s} "
          f"{'call s':>7s}")
    for r in rows:
        print(f"{r['model']:40s} {r['target']:7s} {r['sim_s']:6.2f} {r['build_s']:8.2f} {r['run_s']:7.2f} "
              f"{r['x_realtime']:11.2f} {r['call_s']:7.2f}" + (f"   overlap {r['m']:.2f}" if "m" in r else ""))
    print("\nspeed-up of Cython over numpy (same model, same run):")
    by = {(r["model"], r["target"]): r for r in rows}
    for model in dict.fromkeys(r["model"] for r in rows):
        a, b = by.get((model, "numpy")), by.get((model, "cython"))
        if a and b:
            print(f"  {model:40s} {a['run_s'] / b['run_s']:6.1f}x")


if __name__ == "__main__":
    main()
