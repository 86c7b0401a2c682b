"""Speed of the spiking CA3 models: wall time per simulated second, Brian2 numpy vs Cython vs C++ standalone.

Run from the repository root::

    python benchmarks/bench_spiking.py            # CAM experiments + CA3 network n = 10**4, p = 0.01
    python benchmarks/bench_spiking.py --quick    # smaller CA3 network (n = 2000)

Targets, all measured in the same run on the same machine:

* ``numpy`` and ``cython``: Brian2's runtime mode. Parameters are group variables and object
  names are fixed, so the generated code does not depend on parameter values; Cython compiles
  once per machine (cached in ``~/.cython/brian_extensions``).
* ``standalone``: Brian2's ``cpp_standalone`` device. For the CA3 network this is
  ``CA3Network(target="standalone")``: one C++ program per (n, p, dt, slot), built once into a
  cache folder (here a fresh temporary one, so the build is timed: column ``first s``) and run
  with run-time arguments for every later network, pattern set and probe. For the CAM the
  script builds the published experiment (repeated back to back) as a standalone program in a
  child process and times ``device.run`` after the build; its spike count is checked against
  the numpy run.

Each model is first built and run once untimed ("warm-up", which also compiles; its wall time
is ``first s``), then timed on a fresh network over a long simulation (each CAM experiment
repeated back to back ``--repeats`` times in one run; the CA3 network storing ``--patterns``
patterns and recalling ``--probes``). Reported: simulated seconds, wall seconds of network
construction (``build``) and of the simulation (``run``), the speed as a multiple of real time
(> 1: faster than the biological clock; SpiNNaker runs the CAM in real time, i.e. 1.0) and
``call``: the wall time of one short call on an already-run network (runtime mode prepares its
code objects at every ``run``; standalone starts the program once per call). Timed runs are
repeated ``--reps`` times on fresh networks and the fastest is reported (the machine may be
shared). Ratios come from one run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np


def bench_cam(target: str, repeats: int, reps: int) -> list[dict]:
    """The published experiments, each repeated ``repeats`` times back to back in one run."""
    from assoc.memories.spiking.cam import CAMNetwork, EXPERIMENTS

    rows = []
    for name, e in EXPERIMENTS.items():
        d = e["duration"]
        cue = [[t + r * d for r in range(repeats) for t in ts] for ts in e["cue"]]
        cont = [[t + r * d for r in range(repeats) for t in ts] for ts in e["content"]]
        t0 = time.perf_counter()
        warm = CAMNetwork(e["n_cues"], e["n_content"], target=target)  # warm-up (compiles for Cython)
        warm.run(d, e["cue"], e["content"])
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        warm.run(1)
        overhead = time.perf_counter() - t0
        best = None
        for _ in range(reps):  # best of reps: the machine is shared
            t0 = time.perf_counter()
            net = CAMNetwork(e["n_cues"], e["n_content"], target=target)
            t1 = time.perf_counter()
            net.run(d * repeats, cue, cont)
            t2 = time.perf_counter()
            if best is None or t2 - t1 < best[1]:
                best = (t1 - t0, t2 - t1)
        sim_s = d * repeats * 1e-3
        rows.append({"model": f"CAM {name} x{repeats}", "target": target, "sim_s": sim_s, "first_s": first,
                     "build_s": best[0], "run_s": best[1], "x_realtime": sim_s / best[1], "call_s": overhead,
                     "spikes": int(len(net._mon.i[:]))})
    return rows


def _cam_standalone_child(name: str, repeats: int, runs: int) -> None:
    """Child process: build experiment ``name`` x ``repeats`` as a standalone program, run it
    ``runs`` times; print JSON with the build time, run times and spike count."""
    import brian2 as b2

    from assoc.memories.spiking.cam import CAMNetwork, EXPERIMENTS
    from assoc.memories.spiking.standalone import COMPILE_ARGS

    e = EXPERIMENTS[name]
    d = e["duration"]
    cue = [[t + r * d for r in range(repeats) for t in ts] for ts in e["cue"]]
    cont = [[t + r * d for r in range(repeats) for t in ts] for ts in e["content"]]
    with tempfile.TemporaryDirectory() as tmp:
        b2.set_device("cpp_standalone", directory=tmp, build_on_run=False)
        b2.prefs.codegen.cpp.extra_compile_args_gcc = list(COMPILE_ARGS)
        b2.prefs.devices.cpp_standalone.extra_make_args_unix = ["-j2"]
        t0 = time.perf_counter()
        net = CAMNetwork(e["n_cues"], e["n_content"], target="standalone")
        net.run(d * repeats, cue, cont)
        b2.device.build(run=False, directory=tmp, with_output=False)
        build_s = time.perf_counter() - t0
        times = []
        for k in range(runs):
            t0 = time.perf_counter()
            b2.device.run(results_directory=f"results_{k}", with_output=False)
            times.append(time.perf_counter() - t0)
        spikes = int(len(net._mon.i[:]))
    print(json.dumps({"build_s": build_s, "run_s": times, "spikes": spikes}))


def bench_cam_standalone(repeats: int, reps: int) -> list[dict]:
    from assoc.memories.spiking.cam import EXPERIMENTS

    rows = []
    for name, e in EXPERIMENTS.items():
        proc = subprocess.run([sys.executable, __file__, "--cam-standalone-child", name, "--repeats", str(repeats),
                               "--reps", str(reps)], capture_output=True, text=True, check=True)
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        sim_s = e["duration"] * repeats * 1e-3
        run_s = float(np.min(r["run_s"]))
        short = subprocess.run([sys.executable, __file__, "--cam-standalone-child", name, "--repeats", "1",
                                "--reps", str(reps)], capture_output=True, text=True, check=True)
        one = json.loads(short.stdout.strip().splitlines()[-1])
        rows.append({"model": f"CAM {name} x{repeats}", "target": "standalone", "sim_s": sim_s,
                     "first_s": r["build_s"], "build_s": 0.0, "run_s": run_s, "x_realtime": sim_s / run_s,
                     "call_s": float(np.min(one["run_s"])), "spikes": r["spikes"]})
    return rows


def bench_ca3(target: str, n: int, p: float, patterns: int, probes: int, reps: int) -> dict:
    from assoc.memories.spiking.ca3 import CA3Network
    from assoc.patterns import sparse_binary

    rng = np.random.default_rng(0)
    x = sparse_binary(patterns, n, k=int(0.05 * n), rng=rng)
    t0 = time.perf_counter()
    warm = CA3Network(n, p=p, a=0.05, seed=1, target=target)  # compiles (Cython, standalone) / warms caches
    warm.store(x[:1])
    warm.recall(x[:1])
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    warm.recall(x[:1])
    overhead = time.perf_counter() - t0  # one recall call of one probe (110 ms simulated)
    cues = x[:probes] * (rng.random((probes, n)) < 0.5)
    best = None
    for _ in range(reps):  # best of reps: the machine is shared
        t0 = time.perf_counter()
        net = CA3Network(n, p=p, a=0.05, seed=1, target=target)
        net.n_synapses  # builds the network
        t1 = time.perf_counter()
        net.store(x)
        out = net.recall(cues)
        t2 = time.perf_counter()
        if best is None or t2 - t1 < best[1]:
            best = (t1 - t0, t2 - t1)
    sim_s = net.t_ms * 1e-3
    m = float(np.mean(np.diag(out.extra["correlation"][:, :probes])))
    return {"model": f"CA3 n={n} p={p} ({net.n_synapses} syn)", "target": target, "sim_s": sim_s,
            "first_s": first, "build_s": best[0], "spikes": int(out.extra["counts"].sum()), "run_s": best[1],
            "x_realtime": sim_s / best[1], "m": m, "call_s": overhead}


def bench_sweep(target: str, workers: int, trials: int) -> dict:
    """A ``ca3_completion`` sweep (n = 1000, p = 0.1; 3 cue fractions x 2 loads x ``trials``)
    through :func:`assoc.sweep.run_spec` with ``workers`` processes; wall time per task."""
    from assoc.sweep import load_table, run_spec

    spec = {"name": f"bench-ca3-{target}", "driver": "ca3_completion", "model": "ca3-network", "seed": 7,
            "trials": trials, "params": {"probes": 4, "target": target},
            "grid": {"cue_fraction": [0.9, 0.7, 0.5], "patterns": [10, 30]}}  # 10, 30, 50 % of the assembly cued
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        run_spec(spec, out_dir=out, workers=workers, quiet=True, figure=False, csv_path=False)
        wall = time.perf_counter() - t0
        table = load_table(os.path.join(out, f"{spec['name']}.sqlite"))
    metrics = sorted((r["cue_fraction"], r["patterns"], r["trial"], r["m_mean"], r["retrieved"]) for r in table)
    return {"target": target, "tasks": len(table), "wall_s": wall, "metrics": metrics}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="n = 2000 instead of 10**4 for the CA3 network")
    ap.add_argument("--patterns", type=int, default=20)
    ap.add_argument("--probes", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=20, help="back-to-back repeats of each CAM experiment")
    ap.add_argument("--reps", type=int, default=2, help="timed runs per model and target; the best is reported")
    ap.add_argument("--sweep-trials", type=int, default=4, help="trials of the sweep comparison (0: skip it)")
    ap.add_argument("--workers", type=int, default=2, help="worker processes of the sweep comparison")
    ap.add_argument("--cam-standalone-child", metavar="EXPERIMENT", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.cam_standalone_child:
        _cam_standalone_child(args.cam_standalone_child, args.repeats, args.reps)
        return
    # a fresh project cache, so the one-time standalone build is part of this run
    cache = tempfile.TemporaryDirectory(prefix="assoc-bench-cache-")  # removed at exit
    os.environ["ASSOC_CACHE_DIR"] = cache.name
    n = 2000 if args.quick else 10_000
    rows = []
    for target in ("numpy", "cython"):
        rows += bench_cam(target, args.repeats, args.reps)
    rows += bench_cam_standalone(args.repeats, args.reps)
    for target in ("numpy", "cython", "standalone"):
        rows.append(bench_ca3(target, n, 0.01, args.patterns, args.probes, args.reps))
    print(f"{'model':40s} {'target':10s} {'sim s':>6s} {'first s':>8s} {'build s':>8s} {'run s':>7s} "
          f"{'x real time':>11s} {'call s':>7s} {'spikes':>7s}")
    for r in rows:
        print(f"{r['model']:40s} {r['target']:10s} {r['sim_s']:6.2f} {r['first_s']:8.2f} {r['build_s']:8.2f} "
              f"{r['run_s']:7.2f} {r['x_realtime']:11.2f} {r['call_s']:7.2f} {r['spikes']:7d}"
              + (f"   overlap {r['m']:.2f}" if "m" in r else ""))
    if args.sweep_trials:
        print(f"\nca3_completion sweep, n = 1000, p = 0.1, {args.workers} worker processes "
              "(standalone: first pass builds into the empty cache, second pass reuses it):")
        sweeps = [bench_sweep(t, args.workers, args.sweep_trials) for t in ("numpy", "cython", "standalone",
                                                                           "standalone")]
        for k, r in enumerate(sweeps):
            label = r["target"] + {2: " + build", 3: ", cached"}.get(k, "")
            same = "identical metrics to numpy" if r["metrics"] == sweeps[0]["metrics"] else "METRICS DIFFER"
            print(f"  {label:20s} {r['tasks']:3d} tasks  {r['wall_s']:6.1f} s  "
                  f"{r['wall_s'] / r['tasks']:5.2f} s/task   {same}")
    print("\nspeed-up over numpy (same model, same run; run s ratio):")
    by = {(r["model"], r["target"]): r for r in rows}
    for model in dict.fromkeys(r["model"] for r in rows):
        a = by.get((model, "numpy"))
        parts = [f"{t} {a['run_s'] / by[(model, t)]['run_s']:5.1f}x" for t in ("cython", "standalone")
                 if a and (model, t) in by]
        print(f"  {model:40s} " + "   ".join(parts))


if __name__ == "__main__":
    main()
