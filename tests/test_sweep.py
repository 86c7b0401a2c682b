"""Sweeps: grid expansion, seeding, resumable SQLite store, executors, spec validation, CLI."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assoc import sweep

SPEC = {
    "name": "tiny-capacity",
    "driver": "capacity",
    "model": "hopfield-hebbian",
    "seed": 7,
    "trials": 3,
    "params": {"probes": 10, "backend": "numpy"},
    "grid": {"n": [60, 120], "alpha": {"start": 0.05, "stop": 0.25, "num": 3}},
    "figure": {"kind": "capacity_curve"},
}


def strip(table):
    return [{k: v for k, v in row.items()} for row in table]


def test_grid_expands_in_order_with_resolved_parameters():
    spec = sweep.load_spec(SPEC)
    pts = spec.points()
    assert [(p["n"], p["alpha"]) for p in pts] == [
        (60, 0.05), (60, 0.15), (60, 0.25), (120, 0.05), (120, 0.15), (120, 0.25)
    ]
    assert all(p["rule"] == "hebbian" and p["probes"] == 10 for p in pts)  # model + params merged


def test_log_and_integer_ranges():
    assert sweep._expand_axis("n", {"start": 100, "stop": 10000, "num": 3, "log": True, "integer": True}) == [
        100, 1000, 10000
    ]


def test_results_do_not_depend_on_worker_count(tmp_path):
    a = sweep.run_spec(SPEC, out_dir=tmp_path / "a", workers=1, quiet=True, figure=False)
    b = sweep.run_spec(SPEC, out_dir=tmp_path / "b", workers=2, quiet=True, figure=False)
    assert a.computed == b.computed == 18
    assert strip(a.table) == strip(b.table)


def test_rerun_computes_nothing_and_more_trials_compute_only_the_new_ones(tmp_path):
    first = sweep.run_spec(SPEC, out_dir=tmp_path, workers=1, quiet=True, figure=False)
    again = sweep.run_spec(SPEC, out_dir=tmp_path, workers=1, quiet=True, figure=False)
    assert (again.computed, again.reused) == (0, 18)
    assert again.table == first.table
    more = sweep.run_spec(SPEC, out_dir=tmp_path, workers=1, quiet=True, figure=False, trials=4)
    assert (more.computed, more.reused) == (6, 18)
    assert len(sweep.load_table(tmp_path / "tiny-capacity.sqlite")) == 24


def test_store_is_refused_across_package_versions(tmp_path, monkeypatch):
    sweep.run_spec(SPEC, out_dir=tmp_path, workers=1, quiet=True, figure=False)
    monkeypatch.setattr(sweep, "_version", lambda: "0.0.0-other")
    with pytest.raises(ValueError, match="written by assoc 0.1.0, this is assoc 0.0.0-other"):
        sweep.run_spec(SPEC, out_dir=tmp_path, workers=1, quiet=True, figure=False)


def test_corrupt_store_is_detected(tmp_path):
    bad = tmp_path / "tiny-capacity.sqlite"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ValueError, match="not a usable assoc store"):
        sweep.run_spec(SPEC, out_dir=tmp_path, workers=1, quiet=True, figure=False)


@pytest.mark.parametrize(
    "change,match",
    [
        ({"tirals": 3}, r"unknown key\(s\) in spec \['tirals'\] \(did you mean 'trials'\?\)"),
        ({"params": {"rul": "hebbian"}}, r"unknown parameter\(s\) for driver 'capacity' with family 'hopfield' \['rul'\] \(did you mean 'rule'\?\)"),
        ({"driver": "capacty"}, r"driver must be one of .*got 'capacty' \(did you mean 'capacity'\?\)"),
        ({"grid": {"n": []}}, "grid.n must not be empty"),
        ({"grid": {"n": {"start": 1}}}, "range needs keys start, stop, num"),
        ({"model": "no-such-model"}, "unknown model 'no-such-model'"),
        ({"trials": 0}, "trials must be >= 1"),
    ],
)
def test_spec_mistakes_are_named(change, match):
    spec = dict(SPEC)
    spec.update(change)
    with pytest.raises(ValueError, match=match):
        sweep.load_spec(spec)


def test_driver_rejects_bad_values_before_work():
    spec = dict(SPEC, grid={"n": [60], "alpha": [0.0]})
    with pytest.raises(ValueError, match="alpha must lie in"):
        sweep.run_spec(spec, out_dir="/nonexistent-never-created", workers=1, quiet=True, figure=False)


def test_bundled_specs_parse():
    for name in sweep.bundled("sims"):
        assert sweep.load_spec(name).points()


def test_dask_local_cluster_gives_the_same_table(tmp_path):
    pytest.importorskip("distributed")
    a = sweep.run_spec(SPEC, out_dir=tmp_path / "a", workers=1, quiet=True, figure=False)
    b = sweep.run_spec(SPEC, out_dir=tmp_path / "b", workers=2, scheduler="local-dask", quiet=True,
                       figure=False)
    assert strip(a.table) == strip(b.table)


def _write_spec(path: Path, name: str) -> Path:
    text = f"""
name = "{name}"
driver = "capacity"
model = "hopfield-hebbian"
seed = 11
trials = 4
[params]
probes = 30
backend = "numpy"
[grid]
n = [200, 300]
alpha = {{start = 0.05, stop = 0.2, num = 4}}
"""
    path.write_text(text)
    return path


def _rows(store: Path) -> int:
    if not store.exists():
        return 0
    try:
        with sqlite3.connect(store, timeout=30) as db:
            return db.execute("SELECT COUNT(*) FROM rows").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_killed_sweep_resumes_to_the_uninterrupted_table(tmp_path):
    spec = _write_spec(tmp_path / "kill.toml", "kill-test")
    ref = sweep.run_spec(spec, out_dir=tmp_path / "ref", workers=1, quiet=True, figure=False)
    out = tmp_path / "killed"
    store = out / "kill-test.sqlite"
    cmd = [sys.executable, "-m", "assoc.cli", "run", str(spec), "--out", str(out), "--workers", "2",
           "--quiet", "--no-figure"]
    kills = 0
    for _ in range(3):  # kill it repeatedly at different points
        before = _rows(store)
        proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 120
        while time.time() < deadline and _rows(store) < before + 5 and proc.poll() is None:
            time.sleep(0.05)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait()
    assert kills >= 1
    assert _rows(store) < 32  # it really was interrupted
    res = sweep.run_spec(spec, out_dir=out, workers=2, quiet=True, figure=False)
    assert res.reused > 0
    assert strip(res.table) == strip(ref.table)
    with sqlite3.connect(store) as db:
        (dupes,) = db.execute("SELECT COUNT(*) - COUNT(DISTINCT point || '-' || trial) FROM rows").fetchone()
    assert dupes == 0
    assert _rows(store) == 32


def test_cli_run_plot_export(tmp_path):
    spec = _write_spec(tmp_path / "cli.toml", "cli-test")
    spec.write_text(spec.read_text().replace("trials = 4", "trials = 1") + '\n[figure]\nkind = "capacity_curve"\n')
    env = dict(os.environ)
    run = subprocess.run([sys.executable, "-m", "assoc.cli", "run", str(spec), "--out", str(tmp_path), "-j", "1"],
                         capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    assert "8 run(s) computed" in run.stdout
    assert (tmp_path / "cli-test.png").stat().st_size > 10_000
    store = tmp_path / "cli-test.sqlite"
    exp = subprocess.run([sys.executable, "-m", "assoc.cli", "export", str(store), "--format", "csv"],
                         capture_output=True, text=True)
    assert exp.returncode == 0, exp.stderr
    lines = store.with_suffix(".csv").read_text().splitlines()
    assert len(lines) == 9 and "m_mean" in lines[0]
    plot = subprocess.run([sys.executable, "-m", "assoc.cli", "plot", str(store), "--out", str(tmp_path / "p.png")],
                          capture_output=True, text=True)
    assert plot.returncode == 0, plot.stderr
    assert (tmp_path / "p.png").exists()


@pytest.mark.parametrize(
    "args,match",
    [
        (["run", "no-such-sweep"], "unknown spec 'no-such-sweep'"),
        (["run", "hopfield-capacty"], "unknown spec 'hopfield-capacty' (did you mean 'hopfield-capacity'?)"),
        (["run", "missing.toml"], "does not exist"),
        (["export", "nowhere.sqlite"], "does not exist"),
        (["run", "hopfield-capacity", "--workers", "0"], "workers must be >= 1"),
    ],
)
def test_cli_errors_are_one_line_with_exit_code_2(args, match, tmp_path):
    res = subprocess.run([sys.executable, "-m", "assoc.cli", *args, *(["--out", str(tmp_path)] if args[0] == "run" else [])],
                         capture_output=True, text=True, cwd=tmp_path)
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert match in res.stderr
    assert "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_cli_info_lists_backends():
    res = subprocess.run([sys.executable, "-m", "assoc.cli", "info"], capture_output=True, text=True)
    assert res.returncode == 0
    for name in ("numpy", "numba", "cupy", "auto"):
        assert name in res.stdout


def _first_quick_point_of_each_driver() -> dict[str, tuple[str, dict]]:
    """``{driver: (spec name, first point of its quick variant)}`` over the bundled specs."""
    out = {}
    for name, path in sweep.bundled("sims").items():
        driver = sweep._read_toml(path)["driver"]
        if driver not in out:
            out[driver] = (name, sweep.load_spec(name, quick=True).points()[0])
    return out


_POINTS = _first_quick_point_of_each_driver()
_SPIKING = {"cam_experiment", "cam_recall", "ca3_capacity", "ca3_completion", "ca3_forgetting"}


@pytest.mark.parametrize("driver", [
    pytest.param(d, marks=pytest.mark.slow) if d in _SPIKING else d for d in sorted(_POINTS)
])
def test_every_driver_returns_the_columns_it_declares(driver):
    """A spec's figure options are checked against the declared columns, so they must be exact."""
    import numpy as np

    from assoc.experiments import get_driver

    name, point = _POINTS[driver]
    drv = get_driver(driver)
    out = drv({k: v for k, v in point.items() if k != "model"}, np.random.SeedSequence(1))
    assert [k for k in out if not sweep._column_matches(k, drv.columns)] == [], name
    assert [c for c in drv.columns if "<" not in c and c not in out] == [], name
