"""The registry of figure kinds: lookup, option checks against the signatures, bundled specs."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import assoc.figures as figures
from assoc.figures import FIGURES, check_figure_args, figure_kind, get_figure
from assoc.gallery import quick_data
from assoc.sweep import _read_toml, bundled, load_spec, run_spec

#: Public functions of the figure modules that return something other than a figure (the
#: tables and fits that figures and their summaries share).
NOT_FIGURES = {"mqar_capacity", "finite_size_fit", "agent_learning_table", "load_example", "popgym_recall_rows",
               "popgym_table", "ca3_capacity_points"}


def _figure_tables():
    """``(spec name, [figure] table)`` of every bundled spec, its quick variant included."""
    out = []
    for name, path in bundled("sims").items():
        data = _read_toml(path)
        if data.get("figure"):
            out.append((name, data["figure"]))
        quick = quick_data(data).get("figure")
        if quick and quick != data.get("figure"):
            out.append((f"{name} (quick)", quick))
    return out


def test_bundled_specs_name_registered_figure_kinds_and_options():
    tables = _figure_tables()
    assert len(tables) >= 25  # the specs were found
    for name, table in tables:
        options = {k: v for k, v in table.items() if k != "kind"}
        fig = check_figure_args(table.get("kind"), options)
        assert fig is FIGURES[table["kind"]], name


def test_unknown_kind_names_the_allowed_kinds_and_suggests_the_nearest():
    with pytest.raises(ValueError) as err:
        get_figure("capacity_curv")
    msg = str(err.value)
    assert "'capacity_curv'" in msg and "did you mean 'capacity_curve'?" in msg
    assert "ags_phase_diagram" in msg and "willshaw_capacity" in msg  # the allowed kinds
    with pytest.raises(ValueError, match="figure.kind must be one of .* got None"):
        get_figure(None)
    with pytest.raises(ValueError, match="did you mean") as err:
        check_figure_args("ca3_cam_rastr", {})
    assert "'ca3_cam_raster'" in str(err.value)


def test_unknown_option_names_the_key_its_value_and_the_allowed_ones():
    with pytest.raises(ValueError) as err:
        check_figure_args("capacity_curve", {"x": "alpha", "colour": "red"})
    msg = str(err.value)
    assert "figure.colour = 'red'" in msg and "'capacity_curve'" in msg
    assert "['by', 'success', 'title', 'x', 'y']" in msg
    with pytest.raises(ValueError, match="did you mean 'title'"):
        check_figure_args("capacity_curve", {"titel": "t"})
    with pytest.raises(ValueError, match="figure.table"):  # the table is not an option
        check_figure_args("capacity_curve", {"table": []})
    assert check_figure_args("capacity_curve", {"x": "alpha", "title": "t"}) is FIGURES["capacity_curve"]


def test_a_bad_figure_table_fails_when_the_spec_loads_before_any_point_runs(tmp_path):
    spec = {"name": "tiny", "driver": "capacity", "trials": 1,
            "params": {"n": 64, "alpha": 0.05}, "figure": {"kind": "capacity_curve", "sucess": "retrieved"}}
    with pytest.raises(ValueError, match=r"figure.sucess = 'retrieved'.*did you mean 'success'.*spec 'tiny'"):
        load_spec(spec)
    with pytest.raises(ValueError, match="did you mean 'capacity_curve'"):
        run_spec(dict(spec, figure={"kind": "capacity_curves"}), out_dir=tmp_path, workers=1, quiet=True)
    assert list(tmp_path.iterdir()) == []  # no store was created
    path = tmp_path / "bad.toml"
    path.write_text('name = "bad"\ndriver = "capacity"\n[figure]\nkind = "capacity_curve"\nwidth = 3\n')
    with pytest.raises(ValueError, match=r"figure.width = 3 .*bad.toml"):
        load_spec(path)


def test_registry_lists_every_public_figure_function():
    found = {}
    for info in pkgutil.iter_modules(figures.__path__):
        if info.name.startswith("_") or info.name == "summaries":  # statistics the README quotes, not figures
            continue
        module = importlib.import_module(f"assoc.figures.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__ and not name.startswith("_"):
                found[name] = fn
    assert len(found) >= 28
    assert set(FIGURES) == set(found) - NOT_FIGURES
    for name, kind in FIGURES.items():
        assert kind.function is found[name] is getattr(figures, name)  # assoc.figures.<kind> still works
        assert kind.name == name
        assert kind.summary and "\n" not in kind.summary
        assert inspect.getdoc(kind.function).replace("\n", " ").startswith(kind.summary[:40])
        assert kind.columns and all(isinstance(c, str) and c for c in kind.columns), name
    for name in NOT_FIGURES:
        assert name not in FIGURES and callable(getattr(figures, name))


def test_figure_kind_refuses_a_second_function_under_a_registered_name():
    with pytest.raises(ValueError, match="'capacity_curve' is already registered by assoc.figures.hopfield"):
        @figure_kind("capacity_curve")
        def other(table):
            return None
    assert FIGURES["capacity_curve"].function is figures.capacity_curve
    with pytest.raises(ValueError, match="first positional parameter"):
        @figure_kind("no_table_kind")
        def no_table(*, title="t"):
            return None
    assert "no_table_kind" not in FIGURES


def test_draw_figure_uses_the_registry(tmp_path, monkeypatch):
    from assoc import sweep

    spec = load_spec({"name": "tiny", "driver": "capacity", "params": {"n": 64, "alpha": 0.05},
                      "figure": {"kind": "capacity_curve", "title": "t"}})
    calls = []
    kind = FIGURES["capacity_curve"]
    monkeypatch.setitem(FIGURES, "capacity_curve",
                        type(kind)(kind.name, lambda table, **kw: calls.append(kw) or kind.function(table, **kw),
                                   kind.columns, kind.summary))
    rows = [{"alpha": 0.05, "n": 64, "m_mean": 1.0, "retrieved": 1.0, "trial": 0},
            {"alpha": 0.1, "n": 64, "m_mean": 0.9, "retrieved": 0.5, "trial": 0}]
    path = sweep.draw_figure(spec, rows, tmp_path / "f.png")
    assert path.is_file() and calls == [{"title": "t"}]
    spec.figure = {"kind": "nope"}
    with pytest.raises(ValueError, match="figure.kind must be one of .* got 'nope' \\(in spec 'tiny'\\)"):
        sweep.draw_figure(spec, rows, tmp_path / "g.png")
