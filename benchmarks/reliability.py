"""Reliability run behind docs/reliability.md: kill a sweep many times, resume it, and follow
the memory of a 10^5-point sweep.

    python benchmarks/reliability.py [--kills 30] [--points 100000] [--out docs/reliability.png]

Prints the counts it measured and draws a two-panel figure: rows stored over wall time while
the sweep is SIGKILLed and restarted, and resident memory of a 10^5-point sweep against the
rows it has stored.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from assoc import sweep

KILL_SPEC = """
name = "kill-loop"
driver = "capacity"
model = "hopfield-hebbian"
seed = 5
trials = 10
[params]
probes = 20
backend = "numpy"
[grid]
n = [200, 300]
alpha = {start = 0.05, stop = 0.25, num = 9}
"""

LONG_SPEC = """
name = "long"
driver = "capacity"
seed = 1
trials = 1
[params]
n = 8
probes = 1
backend = "numpy"
max_steps = 5
[grid]
alpha = {{start = 0.1, stop = 0.5, num = {num}}}
"""


def count(store: Path) -> int:
    try:
        with sqlite3.connect(store, timeout=30) as db:
            return db.execute("SELECT COUNT(*) FROM rows").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def kill_loop(tmp: Path, kills: int, seed: int = 0):
    spec = tmp / "kill.toml"
    spec.write_text(KILL_SPEC)
    ref = sweep.run_spec(spec, out_dir=tmp / "ref", workers=1, quiet=True, figure=False)
    out = tmp / "killed"
    store = out / "kill-loop.sqlite"
    total = len(ref.table)
    cmd = [sys.executable, "-m", "assoc.cli", "run", str(spec), "--out", str(out), "-j", "2", "-q", "--no-figure"]
    rnd = random.Random(seed)
    trace, done_kills, t0 = [], 0, time.time()
    while done_kills < kills and count(store) < total - 10:
        target = count(store) + rnd.randint(1, 4)
        proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while proc.poll() is None and count(store) < target:
            trace.append((time.time() - t0, count(store)))
            time.sleep(0.02)
        time.sleep(rnd.uniform(0, 0.3))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            done_kills += 1
        proc.wait()
        trace.append((time.time() - t0, count(store)))
    res = sweep.run_spec(spec, out_dir=out, workers=2, quiet=True, figure=False)
    trace.append((time.time() - t0, count(store)))
    with sqlite3.connect(store) as db:
        rows, distinct = db.execute("SELECT COUNT(*), COUNT(DISTINCT point * 1000 + trial) FROM rows").fetchone()
    same = res.table == ref.table
    return dict(kills=done_kills, total=total, rows=rows, distinct=distinct, identical=same, trace=trace)


def memory_run(tmp: Path, points: int):
    spec = tmp / "long.toml"
    spec.write_text(LONG_SPEC.format(num=points))
    store = tmp / "long-out" / "long.sqlite"
    cmd = [sys.executable, "-m", "assoc.cli", "run", str(spec), "--out", str(tmp / "long-out"), "-j", "1",
           "-q", "--no-figure"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ps = psutil.Process(proc.pid)
    samples, t0 = [], time.time()
    while proc.poll() is None:
        try:
            samples.append((count(store), ps.memory_info().rss / 2**20, time.time() - t0))
        except psutil.NoSuchProcess:
            break
        time.sleep(0.5)
    return dict(rc=proc.returncode, rows=count(store), samples=samples, wall=time.time() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kills", type=int, default=30)
    ap.add_argument("--points", type=int, default=100_000)
    ap.add_argument("--out", default="docs/reliability.png")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        k = kill_loop(tmp, args.kills)
        print(f"kill loop: {k['kills']} SIGKILLs, {k['rows']} rows ({k['distinct']} distinct) of {k['total']}, "
              f"table identical to the uninterrupted run: {k['identical']}")
        m = memory_run(tmp, args.points)
        rss = [s[1] for s in m["samples"] if s[0] > 0]
        print(f"long sweep: {m['rows']} rows in {m['wall']:.0f} s, exit {m['rc']}; resident memory "
              f"{min(rss):.0f} -> {max(rss):.0f} MiB after the first row")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.8), constrained_layout=True)
    t, r = zip(*k["trace"])
    a1.plot(t, r, lw=1.2)
    a1.axhline(k["total"], color="gray", ls=":", lw=1)
    a1.set_xlabel("wall time (s)")
    a1.set_ylabel("rows in the store")
    a1.set_title(f"{k['kills']} SIGKILLs, then resume: {k['rows']} rows, 0 duplicates", fontsize=10)
    rows, mem, _ = zip(*m["samples"])
    a2.plot(rows, mem, ".", ms=3)
    a2.set_xlabel("rows stored")
    a2.set_ylabel("resident memory of the sweep (MiB)")
    a2.set_ylim(0, max(mem) * 1.3)
    a2.set_title(f"{m['rows']:,} one-trial points, one process", fontsize=10)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=100)
    print(f"figure {args.out}")


if __name__ == "__main__":
    main()
