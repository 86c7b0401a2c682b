"""Sweeps under the conditions users create: kills, concurrent writers, damaged stores, dying
dask workers, very long grids."""

from __future__ import annotations

import os
import resource
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from assoc import sweep

SPEC = {
    "name": "rel",
    "driver": "capacity",
    "model": "hopfield-hebbian",
    "seed": 3,
    "trials": 2,
    "params": {"probes": 10, "backend": "numpy"},
    "grid": {"n": [50, 100], "alpha": [0.05, 0.1, 0.2]},
}


def _count(store: Path) -> int:
    try:
        with sqlite3.connect(store, timeout=30) as db:
            return db.execute("SELECT COUNT(*) FROM rows").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_second_writer_on_the_same_store_is_refused(tmp_path):
    store = tmp_path / "rel.sqlite"
    with sweep.Store(store, lock=True):
        with pytest.raises(ValueError, match=r"being written by another sweep \(pid \d+\)"):
            sweep.run_spec(SPEC, out_dir=tmp_path, workers=1, quiet=True, figure=False)
    res = sweep.run_spec(SPEC, out_dir=tmp_path, workers=1, quiet=True, figure=False)  # lock released
    assert res.computed == 12


def test_truncated_store_is_detected_and_never_mixed(tmp_path):
    big = dict(SPEC, grid={"n": list(range(40, 140, 4)), "alpha": [0.05, 0.1]})
    sweep.run_spec(big, out_dir=tmp_path, workers=1, quiet=True, figure=False)
    store = tmp_path / "rel.sqlite"
    for extra in ("-wal", "-shm"):
        Path(str(store) + extra).unlink(missing_ok=True)
    data = store.read_bytes()
    assert len(data) > 8192
    store.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="not a usable assoc store|is damaged"):
        sweep.run_spec(big, out_dir=tmp_path, workers=1, quiet=True, figure=False)


def test_foreign_sqlite_file_is_refused(tmp_path):
    store = tmp_path / "rel.sqlite"
    with sqlite3.connect(store) as db:
        db.execute("CREATE TABLE users (name TEXT)")
    with pytest.raises(ValueError, match="foreign tables"):
        sweep.run_spec(SPEC, out_dir=tmp_path, workers=1, quiet=True, figure=False)


def test_store_of_another_sweep_is_refused(tmp_path):
    sweep.run_spec(SPEC, out_dir=tmp_path, workers=1, quiet=True, figure=False)
    other = dict(SPEC, name="other")
    with pytest.raises(ValueError, match="belongs to sweep 'rel', not 'other'"):
        sweep.run_spec(other, store=tmp_path / "rel.sqlite", workers=1, quiet=True, figure=False)


def test_every_row_records_version_backend_and_parameters(tmp_path):
    sweep.run_spec(SPEC, out_dir=tmp_path, workers=1, quiet=True, figure=False)
    with sqlite3.connect(tmp_path / "rel.sqlite") as db:
        rows = db.execute("SELECT version, backend, params FROM rows").fetchall()
    assert len(rows) == 12
    assert all(v == "0.1.0" and b == "numpy" and '"rule": "hebbian"' in p for v, b, p in rows)


def test_backends_give_the_same_table(tmp_path):
    tables = []
    for backend in ("numpy", "numba"):
        spec = dict(SPEC, name=f"rel-{backend}", params={"probes": 10, "backend": backend})
        res = sweep.run_spec(spec, out_dir=tmp_path, workers=1, quiet=True, figure=False)
        tables.append([{k: v for k, v in r.items() if k != "backend"} for r in res.table])
    assert tables[0] == tables[1]


def test_dask_worker_killed_mid_sweep_is_replaced_and_the_table_is_unchanged(tmp_path):
    distributed = pytest.importorskip("distributed")
    spec = dict(SPEC, trials=6, grid={"n": [300, 400], "alpha": [0.1, 0.15, 0.2]},
                params={"probes": 40, "backend": "numpy"})
    ref = sweep.run_spec(spec, out_dir=tmp_path / "ref", workers=1, quiet=True, figure=False)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    client = distributed.Client(cluster)
    killed = []

    def killer():
        store = tmp_path / "dask" / "rel.sqlite"
        deadline = time.time() + 120
        while time.time() < deadline and _count(store) < 4:
            time.sleep(0.05)
        pids = client.run(os.getpid)
        pid = sorted(pids.values())[0]
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    th = threading.Thread(target=killer)
    th.start()
    try:
        res = sweep.run_spec(spec, out_dir=tmp_path / "dask", scheduler=cluster.scheduler_address,
                             quiet=True, figure=False)
    finally:
        th.join()
        client.close()
        cluster.close()
    assert killed
    assert res.table == ref.table


def _spec_file(path: Path) -> Path:
    path.write_text(
        'name = "loop"\ndriver = "capacity"\nmodel = "hopfield-hebbian"\nseed = 5\ntrials = 20\n'
        '[params]\nprobes = 20\nbackend = "numpy"\n'
        '[grid]\nn = [150, 250]\nalpha = {start = 0.05, stop = 0.2, num = 6}\n'
    )
    return path


@pytest.mark.slow
def test_sweep_survives_many_sigkills(tmp_path):
    """SIGKILL the sweep (and its workers) at random moments, up to 20 times, then resume."""
    import random

    spec = _spec_file(tmp_path / "loop.toml")
    ref = sweep.run_spec(spec, out_dir=tmp_path / "ref", workers=1, quiet=True, figure=False)
    out = tmp_path / "killed"
    store = out / "loop.sqlite"
    cmd = [sys.executable, "-m", "assoc.cli", "run", str(spec), "--out", str(out), "-j", "2", "-q", "--no-figure"]
    rnd = random.Random(0)
    kills = 0
    for _ in range(20):
        if _count(store) >= 200:  # leave the last rows to the resume below
            break
        target = _count(store) + rnd.randint(1, 5)
        proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline and proc.poll() is None and _count(store) < target:
            time.sleep(0.02)
        time.sleep(rnd.uniform(0.0, 0.2))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait()
    assert kills >= 10
    res = sweep.run_spec(spec, out_dir=out, workers=2, quiet=True, figure=False)
    assert res.table == ref.table
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT COUNT(*), COUNT(DISTINCT point * 1000 + trial) FROM rows").fetchone() == (240, 240)
    print(f"survived {kills} SIGKILLs; resumed with {res.reused} rows reused, {res.computed} computed")


@pytest.mark.slow
def test_hundred_thousand_point_sweep_keeps_memory_flat(tmp_path):
    """10^5 points in one process: peak memory grows by far less than the table would need."""
    def spec(num):
        return {"name": f"long{num}", "driver": "capacity", "seed": 1, "trials": 1,
                "params": {"n": 8, "probes": 1, "backend": "numpy", "max_steps": 5},
                "grid": {"alpha": {"start": 0.1, "stop": 0.5, "num": num}}}

    sweep.run_spec(spec(1000), out_dir=tmp_path, workers=1, quiet=True, figure=False)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB
    res = sweep.run_spec(spec(100_000), out_dir=tmp_path, workers=1, quiet=True, figure=False)
    grew_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert res.computed == 100_000
    assert _count(tmp_path / "long100000.sqlite") == 100_000
    # The table as Python dicts would take ~150 MiB; streaming keeps the run well below that.
    assert grew_mib < 60, grew_mib
