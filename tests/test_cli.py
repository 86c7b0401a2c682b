"""The command line: discovery (drivers, describe), run --quick, suggestions, checks before work."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assoc import sweep
from assoc.cli import SPEC_FORMAT, app, describe_text
from assoc.experiments import get_driver, list_drivers
from assoc.figures import COLUMN_OPTIONS, signatures
from assoc.registry import families

runner = CliRunner()


def cli(*args: str, cwd: Path | None = None):
    """Invoke the app in this process (from ``cwd`` when given)."""
    old = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return runner.invoke(app, list(args))
    finally:
        os.chdir(old)


def one_line_error(res, *needles: str) -> str:
    assert res.exit_code == 2, (res.exit_code, res.stdout, res.stderr)
    err = res.stderr.strip()
    assert len(err.splitlines()) == 1 and err.startswith("assoc: error: "), err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, (needle, err)
    return err


def spec_text(name: str, *, params: str = "", grid: str = "n = [40]\nalpha = [0.05, 0.1]", figure: str = "",
              quick: str = "") -> str:
    text = f'name = "{name}"\ndriver = "capacity"\nseed = 3\ntrials = 2\n'
    text += f'[params]\nfamily = "hopfield"\nprobes = 4\nbackend = "numpy"\n{params}\n[grid]\n{grid}\n'
    if figure:
        text += f"[figure]\n{figure}\n"
    if quick:
        text += f"{quick}\n"
    return text


def skeleton(text: str) -> dict:
    """The spec printed at the end of ``assoc describe DRIVER``, parsed."""
    start = text.index("a spec to start from")
    body = text[start:].split("\n\n")[0].splitlines()[1:]  # up to the next section, if any
    return tomllib.loads("\n".join(line[2:] for line in body))


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


# --------------------------------------------------------------------------- discovery


def test_drivers_lists_every_registered_driver_one_line_each():
    res = cli("drivers")
    assert res.exit_code == 0, res.stderr
    lines = res.stdout.strip().splitlines()
    registered = list_drivers()
    assert len(lines) == len(registered) + 1  # one per driver, then the pointer to describe
    for line, (name, drv) in zip(lines, registered.items()):
        assert line.split()[0] == name
        assert drv.summary and line.endswith(drv.summary)
        assert "\n" not in drv.summary
    assert "assoc describe NAME" in lines[-1]


def test_describe_capacity_shows_what_a_spec_needs():
    res = cli("describe", "capacity")
    assert res.exit_code == 0, res.stderr
    out = res.stdout
    drv = get_driver("capacity")
    for p in drv.params.values():  # every parameter: default, allowed values, meaning
        default = "none" if p.default is None else repr(p.default)
        row = re.search(rf"^  {p.name}\s+= {re.escape(default)}\s+(.*)$", out, re.M)
        assert row, p.name
        assert p.allowed() in row.group(1) and p.doc in row.group(1)
    assert "flip | erase | random" in out and "float in (0, inf]" in out
    for fam in families().values():  # the family parameters it also takes
        listed = ", ".join(fam.params) or "(none)"
        assert re.search(rf"^    {fam.name}\s+{re.escape(listed)}$", out, re.M), fam.name
    for col in drv.columns:
        assert col in out
    assert "``m_std`` (final overlap with the target)" in out  # the meaning of the shared columns
    kinds = out[out.index("figure kinds that draw"):out.index("bundled specs")]
    for kind in ("capacity_curve", "rules_comparison"):
        assert re.search(rf"^  {kind}\s", kinds, re.M)
    assert "family_capacity" not in kinds  # reads critical_load's columns
    assert "hopfield-capacity" in out
    spec = sweep.load_spec(skeleton(out))  # the printed spec is a valid spec of this driver
    assert spec.driver == "capacity" and spec.figure["kind"] == "capacity_curve"
    assert spec.n_points() > 1


@pytest.mark.parametrize("name", sorted(list_drivers()))
def test_every_driver_description_ends_with_a_spec_that_loads(name):
    text = describe_text(name)
    assert text.startswith(f"{name} (driver")
    data = skeleton(text)
    assert data["driver"] == name
    spec = sweep.load_spec(data)
    assert spec.points()
    if spec.figure:
        assert spec.figure["kind"] in signatures()


def test_describe_family_is_the_families_command_output():
    fam = cli("families", "hopfield")
    desc = cli("describe", "hopfield")
    assert fam.exit_code == desc.exit_code == 0
    assert desc.stdout == fam.stdout
    assert desc.stdout.startswith("hopfield (memory family)")
    assert "alphabet pm1" in desc.stdout and re.search(r"^    rule\s+= 'hebbian'", desc.stdout, re.M)
    both = describe_text("willshaw")  # a driver and a family: both are described
    assert "willshaw (driver" in both and "willshaw (memory family)" in both


def test_describe_a_bundled_spec_shows_its_grid_figure_and_quick_run():
    out = describe_text("hopfield-capacity")
    spec, quick = sweep.load_spec("hopfield-capacity"), sweep.load_spec("hopfield-capacity", quick=True)
    assert "driver capacity" in out and "model hopfield-hebbian" in out
    runs = spec.n_points() * spec.trials
    assert f"grid: {spec.n_points()} point(s) x {spec.trials} trial(s) = {runs} run(s)" in out
    n, alpha = spec.grid["n"], spec.grid["alpha"]
    assert re.search(rf"n\s+{len(n)} value\(s\): {', '.join(map(str, n))}$", out, re.M)
    assert re.search(rf"alpha\s+{len(alpha)} value\(s\): {alpha[0]} .. {alpha[-1]}$", out, re.M)
    options = ", ".join(f"{k}={v!r}" for k, v in spec.figure.items() if k != "kind")
    assert f"figure: capacity_curve ({options})" in out
    assert (f"quick (assoc run --quick): {quick.n_points()} point(s) x {quick.trials} trial(s) = "
            f"{quick.n_points() * quick.trials} run(s)") in out
    assert quick.n_points() * quick.trials < runs
    assert "figures/hopfield_capacity.png" in out


def test_describe_a_spec_file_a_figure_kind_and_a_model(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(spec_text("mine", figure='kind = "capacity_curve"'))
    res = cli("describe", str(path))
    assert res.exit_code == 0, res.stderr
    assert "mine (spec" in res.stdout and "grid: 2 point(s) x 2 trial(s) = 4 run(s)" in res.stdout
    kind = describe_text("capacity_curve")
    assert kind.startswith("capacity_curve (figure kind, assoc.figures.hopfield")
    assert re.search(r"^  by\s+= 'n'\s+names a table column$", kind, re.M)
    assert "drivers whose tables have them:" in kind and "capacity" in kind
    model = describe_text("hopfield-hebbian")
    assert "model preset" in model and "family hopfield" in model and "rule = 'hebbian'" in model


def test_describe_alone_prints_the_spec_format_and_its_example_is_a_valid_spec():
    res = cli("describe")
    assert res.exit_code == 0 and res.stdout == SPEC_FORMAT
    example = "\n".join(line[2:] for line in SPEC_FORMAT.splitlines() if line.startswith("  "))
    data = tomllib.loads(example)
    for key in sweep.SPEC_KEYS:
        assert key in data, key  # every key of a spec is shown
    spec = sweep.load_spec(data)
    assert spec.grid["cue_fraction"] == [0.0, 0.1, 0.2, 0.3]
    assert sweep.load_spec(data, quick=True).n_points() == 8


def test_every_spec_kind_family_and_model_can_be_described():
    for name in sweep.bundled("sims"):
        assert f"{name} (spec, " in describe_text(name), name
    for name in signatures():
        assert f"{name} (figure kind, " in describe_text(name), name
    for name in families():
        assert f"{name} (memory family)" in describe_text(name), name
    for name in sweep.bundled("models"):
        assert f"{name} (model preset, " in describe_text(name), name


def test_describe_unknown_name_suggests_the_nearest():
    one_line_error(cli("describe", "capacty"), "unknown name 'capacty'", "did you mean 'capacity'?")
    one_line_error(cli("describe", "hopfield-capacty"), "did you mean 'hopfield-capacity'?")
    one_line_error(cli("describe", "nope.toml"), "spec file 'nope.toml' does not exist")


# --------------------------------------------------------------------------- help texts


def test_help_texts_show_quick_and_no_bool_metavar():
    for command in ("run", "figures", "plot", "export", "describe", "drivers", "families", "list", "info"):
        res = cli(command, "--help")
        assert res.exit_code == 0, command
        assert "<bool>" not in res.stdout, command
    figures_help = " ".join(cli("figures", "--help").stdout.split())
    assert "the spec's [quick] overrides" in figures_help
    run_help = " ".join(cli("run", "--help").stdout.split())
    assert "--quick Reduced run: apply the spec's [quick] overrides" in run_help
    assert "sim file" not in run_help


# --------------------------------------------------------------------------- run --quick


def test_run_quick_applies_the_quick_overrides(tmp_path):
    quick = '[quick]\ntrials = 1\n[quick.grid]\nalpha = [0.05]'
    (tmp_path / "q.toml").write_text(spec_text("q", quick=quick))
    res = cli("run", "q.toml", "--quick", "-j", "1", "-q", "--no-figure", cwd=tmp_path)
    assert res.exit_code == 0, res.stderr
    assert "q: 1 run(s) computed, 0 reused" in res.stdout
    store = tmp_path / "results" / "quick" / "q.sqlite"
    table = sweep.load_table(store)
    assert [(r["n"], r["alpha"], r["trial"]) for r in table] == [(40, 0.05, 0)]
    full = cli("run", "q.toml", "-j", "1", "-q", "--no-figure", cwd=tmp_path)  # the full run: its own folder
    assert full.exit_code == 0, full.stderr
    assert "q: 4 run(s) computed" in full.stdout
    assert (tmp_path / "results" / "q.sqlite").is_file()


def test_run_quick_of_a_spec_without_quick_settings_is_an_error(tmp_path):
    (tmp_path / "s.toml").write_text(spec_text("s"))
    one_line_error(cli("run", "s.toml", "--quick", cwd=tmp_path), "spec 's.toml' has no [quick] table")
    assert files_under(tmp_path) == ["s.toml"]


def test_quick_overrides_are_shared_with_the_gallery():
    from assoc.gallery import quick_data

    data = sweep._read_toml(sweep.bundled("sims")["hopfield-capacity"])
    assert quick_data(data) == sweep.apply_quick(data)
    quick = sweep.load_spec("hopfield-capacity", quick=True)
    assert quick.grid == {k: sweep._expand_axis(k, v) for k, v in (data["grid"] | data["quick"]["grid"]).items()}
    assert quick.trials == data["quick"]["trials"] < data["trials"]
    with pytest.raises(ValueError, match=r"\[quick\].*\['trails'\] \(did you mean 'trials'\?\)"):
        sweep.apply_quick(dict(data, quick={"trails": 1}))


# --------------------------------------------------------------------------- suggestions and wording


@pytest.mark.parametrize(
    "change,needles",
    [
        ({"driver": "capacty"}, ["driver must be one of", "got 'capacty'", "did you mean 'capacity'?"]),
        ({"params": 'rul = "hebbian"'}, ["['rul']", "did you mean 'rule'?"]),
        ({"params": 'probs = 3'}, ["['probs']", "did you mean 'probes'?"]),
        ({"family": "hopfeld"}, ["got 'hopfeld'", "did you mean 'hopfield'?"]),
        ({"figure": 'kind = "capacity_curv"'}, ["got 'capacity_curv'", "did you mean 'capacity_curve'?"]),
        ({"figure": 'kind = "capacity_curve"\nbyy = "n"'},
         ["figure.byy = 'n' is not an option of figure kind 'capacity_curve'", "did you mean 'by'?"]),
        ({"figure": 'kind = "capacity_curve"\nby = "rul"', "grid": 'rule = ["hebbian", "storkey"]\nalpha = [0.05]'},
         ["figure.by = 'rul' is not a column of the table of driver 'capacity'", "did you mean 'rule'?",
          "columns: ["]),
        ({"figure": 'kind = "capacity_curve"\ny = "m_man"'}, ["figure.y = 'm_man'", "did you mean 'm_mean'?"]),
    ],
)
def test_spec_mistakes_get_suggestions_and_leave_nothing_behind(change, needles, tmp_path):
    text = spec_text("s", params=change.get("params", ""), grid=change.get("grid", "n = [40]\nalpha = [0.05]"),
                     figure=change.get("figure", ""))
    if "driver" in change:
        text = text.replace('driver = "capacity"', f'driver = "{change["driver"]}"')
    if "family" in change:
        text = text.replace('family = "hopfield"', f'family = "{change["family"]}"')
    (tmp_path / "s.toml").write_text(text)
    one_line_error(cli("run", "s.toml", "-j", "1", "-q", cwd=tmp_path), *needles)
    assert files_under(tmp_path) == ["s.toml"]  # no results/ folder, store, table or lock


def test_unknown_specs_and_gallery_figures_get_suggestions_and_the_word_spec(tmp_path):
    err = one_line_error(cli("run", "hopfield-capacty", cwd=tmp_path), "unknown spec 'hopfield-capacty'",
                         "did you mean 'hopfield-capacity'?")
    assert "unknown sim" not in err and "sim file" not in err
    one_line_error(cli("run", "missing.toml", cwd=tmp_path), "spec file 'missing.toml' does not exist")
    one_line_error(cli("figures", "--only", "hopfield-capacty"), "did you mean 'hopfield-capacity'?")
    with pytest.raises(ValueError, match=r"unknown model 'hopfield-hebian' \(did you mean 'hopfield-hebbian'\?\)"):
        sweep.load_model("hopfield-hebian")
    assert files_under(tmp_path) == []


# --------------------------------------------------------------------------- checks before work


@pytest.mark.parametrize(
    "body,args,needles",
    [
        ("n = [-5]\nalpha = [0.05]", [], ["n must be >= 2, got -5"]),
        ('n = [40]\nalpha = [0.05]\nrule = ["hebian"]', [], ["rule must be one of", "got 'hebian'"]),
        ("n = [40]\nalpha = [0.05]", ["-j", "-3"], ["workers must be >= 1, got -3"]),
        ("n = [40]\nalpha = [0.05]", ["--trials", "0"], ["trials must be >= 1, got 0"]),
        ("n = [40]\nalpha = [0.05]", ["--scheduler", "http://nope"], ["scheduler must be 'local-dask'"]),
    ],
)
def test_a_failed_check_writes_nothing(body, args, needles, tmp_path):
    (tmp_path / "s.toml").write_text(spec_text("s", grid=body))
    one_line_error(cli("run", "s.toml", "-q", *args, cwd=tmp_path), *needles)
    assert files_under(tmp_path) == ["s.toml"]


def test_an_output_folder_that_cannot_be_made_is_a_one_line_error(tmp_path):
    (tmp_path / "s.toml").write_text(spec_text("s"))
    (tmp_path / "taken").write_text("a file, not a folder")
    one_line_error(cli("run", "s.toml", "-q", "-j", "1", "--out", "taken", cwd=tmp_path), "cannot use taken")
    assert files_under(tmp_path) == ["s.toml", "taken"]


def test_figure_columns_are_checked_against_the_driver_before_any_point_runs():
    base = {"name": "c", "driver": "capacity", "params": {"n": 40, "probes": 4},
            "grid": {"alpha": [0.05, 0.1]}}
    with pytest.raises(ValueError, match=r"figure.by = 'nope' is not a column of the table of driver 'capacity'"):
        sweep.load_spec(dict(base, figure={"kind": "capacity_curve", "by": "nope"}))
    # the defaults of the kind are checked too: rules_comparison draws one curve per 'rule',
    # a column only when the rule is given
    with pytest.raises(ValueError, match=r"figure.by = 'rule' \(its default\) is not a column"):
        sweep.load_spec(dict(base, figure={"kind": "rules_comparison"}))
    ok = sweep.load_spec(dict(base, params={"n": 40, "probes": 4, "rule": "storkey"},
                              figure={"kind": "rules_comparison"}))
    assert ok.figure["kind"] == "rules_comparison"
    for option in ("x", "y", "by", "value", "success"):
        assert option in COLUMN_OPTIONS
    # columns standing for a family (m_<age>) accept any member
    assert sweep._column_matches("m_12", ["m_<age>"]) and not sweep._column_matches("m_", ["m_<age>"])


def test_bad_figure_option_fails_fast_without_importing_the_figures(tmp_path):
    (tmp_path / "s.toml").write_text(spec_text("s", figure='kind = "capacity_curve"\nbyy = "n"'))
    code = textwrap.dedent("""
        import resource, sys
        from assoc.cli import app
        try:
            app(["run", "s.toml", "-q"])
        except SystemExit as exc:
            code = exc.code
        heavy = sorted(m for m in ("matplotlib", "scipy.stats") if m in sys.modules)
        print(code, heavy)
    """)
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert res.stdout.strip() == "2 []", (res.stdout, res.stderr)
    assert "figure.byy = 'n'" in res.stderr
    assert cpu < 2.0, f"checking the spec took {cpu:.2f} s of CPU"
    assert files_under(tmp_path) == ["s.toml"]
    # a valid spec is checked in full (every point, the figure's columns) the same way: only the
    # module of its driver is imported, and no figure module
    (tmp_path / "ok.toml").write_text(spec_text("ok", figure='kind = "capacity_curve"\nby = "n"'))
    code = textwrap.dedent("""
        import sys
        from assoc.sweep import load_spec
        spec = load_spec("ok.toml")
        heavy = [m for m in ("matplotlib", "scipy.stats", "assoc.figures.hopfield", "assoc.experiments.sdr")
                 if m in sys.modules]
        print(spec.n_points(), heavy)
    """)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert res.stdout.strip() == "2 []", (res.stdout, res.stderr)


def test_figure_kinds_and_drivers_read_from_source_match_the_imported_ones():
    import inspect

    from assoc import figures
    from assoc.experiments import source_index
    from assoc.figures import _registry

    figures.load_all()
    _registry._read_sources()  # a fresh reading of the sources, not the cached one
    static = dict(_registry._INDEX)
    assert set(static) == set(figures.FIGURES)
    for name, kind in figures.FIGURES.items():
        sig = static[name]
        assert sig.module == kind.function.__module__, name
        assert sig.columns == kind.columns and sig.summary == kind.summary, name
        assert sig.any_option == kind.accepts_any_option(), name
        real = {k: p.default for k, p in kind.options().items()}
        assert list(sig.options) == list(real), name
        for option, default in sig.options.items():
            assert default is _registry.NOT_LITERAL or default == real[option] or (
                default is inspect.Parameter.empty and real[option] is inspect.Parameter.empty), (name, option)
    assert source_index() == {name: drv.module.rsplit(".", 1)[1] for name, drv in list_drivers().items()}


def test_the_figures_registry_read_from_the_package_holds_every_kind():
    code = textwrap.dedent("""
        import sys
        from assoc.figures import signatures
        names = sorted(signatures())
        before = "matplotlib" in sys.modules
        from assoc.figures import FIGURES
        print(before, sorted(FIGURES) == names, len(names))
    """)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    before, same, count = res.stdout.split()
    assert (before, same) == ("False", "True"), (res.stdout, res.stderr)
    assert int(count) >= 28


def test_a_kind_of_the_package_cannot_be_taken_before_its_module_is_imported():
    code = textwrap.dedent("""
        import sys
        from assoc.figures import figure_kind
        try:
            @figure_kind("capacity_curve")
            def mine(table):
                return None
        except ValueError as exc:
            print(exc)
        print("assoc.figures.hopfield" in sys.modules)
    """)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.stdout.splitlines() == [
        "figure kind 'capacity_curve' is already registered by assoc.figures.hopfield.capacity_curve", "False"
    ], (res.stdout, res.stderr)


# --------------------------------------------------------------------------- lock and empty store


def test_lock_is_removed_after_a_run_and_after_a_failed_run(tmp_path, monkeypatch):
    (tmp_path / "s.toml").write_text(spec_text("s", figure='kind = "capacity_curve"'))
    res = cli("run", "s.toml", "-j", "1", "-q", cwd=tmp_path)
    assert res.exit_code == 0, res.stderr
    assert files_under(tmp_path / "results") == ["s.csv", "s.png", "s.sqlite"]

    calls = []

    def failing(driver, params, seed, point, trial):
        if calls:
            raise ValueError("the measurement failed")
        calls.append(point)
        return {"m_mean": 1.0}, 0.0

    monkeypatch.setattr(sweep, "run_task", failing)
    with pytest.raises(ValueError, match="the measurement failed"):
        sweep.run_spec(tmp_path / "s.toml", out_dir=tmp_path / "failed", workers=1, quiet=True)
    assert files_under(tmp_path / "failed") == ["s.sqlite"]  # the store stays, the lock is gone
    with sqlite3.connect(tmp_path / "failed" / "s.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM rows").fetchone()[0] <= 1  # rows stored before the failure
    with sweep.Store(tmp_path / "failed" / "s.sqlite", lock=True):  # and the next run can take the store
        pass


def test_a_store_being_written_is_refused_and_free_again_after(tmp_path):
    path = tmp_path / "x.sqlite"
    first = sweep.Store(path, lock=True)
    assert (tmp_path / "x.sqlite.lock").read_text() == f"pid {os.getpid()}"
    with pytest.raises(ValueError, match="is being written by another sweep"):
        sweep.Store(path, lock=True)
    first.close()
    assert not (tmp_path / "x.sqlite.lock").exists()
    with sweep.Store(path, lock=True):
        assert (tmp_path / "x.sqlite.lock").exists()
    assert not (tmp_path / "x.sqlite.lock").exists()


@pytest.mark.parametrize("command,words,output", [("plot", ("holds no rows of sweep 's'", "nothing to draw"), "s.png"),
                                                    ("export", ("holds no rows", "nothing to export"), "s.csv")])
def test_plot_or_export_of_an_empty_store_is_an_error(tmp_path, command, words, output):
    (tmp_path / "s.toml").write_text(spec_text("s", figure='kind = "capacity_curve"'))
    spec = sweep.load_spec(tmp_path / "s.toml")
    with sweep.Store(tmp_path / "s.sqlite") as st:
        st.bind(spec)
    one_line_error(cli(command, str(tmp_path / "s.sqlite")), *words)
    assert not (tmp_path / output).exists()
    if command == "plot":
        with pytest.raises(ValueError, match="has no rows to draw"):
            sweep.draw_figure(spec, [], tmp_path / "t.png")
        assert not (tmp_path / "t.png").exists()
