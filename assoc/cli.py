"""Command line: a thin Typer app over :mod:`assoc.sweep` and friends.

Every command turns a bad input (``ValueError``, ``TypeError``, a file that cannot be read or
written) into a one-line message on stderr and exit code 2, never a traceback. A spec is
checked as a whole before any point runs; a run that fails its checks writes nothing.

Discovery: ``assoc drivers`` lists the measurement drivers, ``assoc describe NAME`` explains
a driver, a family, a figure kind, a bundled spec or a model preset, ``assoc list`` the
bundled specs and ``assoc families`` the memory families.
"""

from __future__ import annotations

import functools
import sys
import time
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(
    name="assoc",
    help=(
        "Associative-memory simulator: run capacity/interference/fragment/forgetting sweeps, "
        "draw their figures, export their tables.\n\n"
        "Start with:  assoc list   (bundled specs)   then   assoc run hopfield-capacity --quick.  "
        "assoc drivers and assoc describe NAME explain drivers, families, figure kinds and specs."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help texts are plain: "[quick]" is printed as written, flags show no type
)


def _friendly(func):
    """Report user errors in one line with exit code 2."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (ValueError, TypeError, OSError, KeyError) as exc:
            if isinstance(exc, KeyError) and exc.args:
                msg = f"missing key {exc.args[0]!r}"
            elif isinstance(exc, OSError) and exc.strerror and exc.filename:
                msg = f"cannot use {exc.filename}: {exc.strerror}"  # a file or folder that cannot be read or made
            else:
                msg = str(exc)
            typer.echo(f"assoc: error: {msg}", err=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            typer.echo("assoc: interrupted; rows already stored are kept, re-run to resume", err=True)
            raise typer.Exit(130) from None

    return wrapper


@app.command()
@_friendly
def run(
    spec: str = typer.Argument(..., metavar="SPEC",
                               help="Bundled spec name (see 'assoc list') or path to a spec .toml"),
    quick: bool = typer.Option(False, "--quick", help="Reduced run: apply the spec's [quick] overrides "
                               "(default --out results/quick)"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", metavar="DIR",
                                       help="Folder for NAME.sqlite, NAME.csv, NAME.png "
                                       "(default results, or results/quick with --quick)"),
    store: Optional[Path] = typer.Option(None, metavar="FILE", help="Store file (default OUT/NAME.sqlite)"),
    figure: Optional[Path] = typer.Option(None, metavar="FILE", help="Figure file (default OUT/NAME.png)"),
    no_figure: bool = typer.Option(False, "--no-figure", help="Do not draw the figure"),
    workers: Optional[int] = typer.Option(None, "--workers", "-j", metavar="N",
                                          help="Worker processes (default: all cores)"),
    scheduler: Optional[str] = typer.Option(
        None, metavar="ADDRESS", help="Run on dask.distributed: 'local-dask' or a scheduler address tcp://host:8786"
    ),
    trials: Optional[int] = typer.Option(None, metavar="N", help="Override the spec's number of trials"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar"),
) -> None:
    """Run (or resume) a sweep: compute missing rows, then write the table and the figure.

    The whole spec (its parameters at every point, its [figure]) is checked first; nothing
    is written when a check fails.
    """
    from .sweep import run_spec

    t0 = time.perf_counter()
    fig = False if no_figure else (figure if figure is not None else True)
    if quick:
        from .sweep import read_spec

        data, _ = read_spec(spec)
        if not data.get("quick"):
            raise ValueError(f"spec {spec!r} has no [quick] table of reduced settings; run it without --quick")
    if out is None:
        out = Path("results") / "quick" if quick else Path("results")
    res = run_spec(spec, out_dir=out, store=store, workers=workers, scheduler=scheduler, quiet=quiet,
                   figure=fig, trials=trials, quick=quick)
    dt = time.perf_counter() - t0
    typer.echo(f"{res.spec.name}: {res.computed} run(s) computed, {res.reused} reused from the store, {dt:.1f} s")
    typer.echo(f"  store  {res.store}")
    if res.csv:
        typer.echo(f"  table  {res.csv}")
    if res.figure:
        typer.echo(f"  figure {res.figure}")
    _summary(res)


def _summary(res) -> None:
    """Print the transition loads for capacity-style sweeps (reads the table only then)."""
    spec = res.spec
    if spec.figure.get("kind") != "capacity_curve" or not res.table:
        return
    table = res.table
    from .metrics import transition_points

    x = spec.figure.get("x", "alpha")
    by = spec.figure.get("by", "n")
    success = spec.figure.get("success", "retrieved")
    pts = transition_points(table, x=x, y=success, by=by)
    typer.echo("  half-retrieval load (" + success + "): " + ", ".join(f"{by}={g}: {v:.3f}" for g, v in pts.items()))


@app.command()
@_friendly
def plot(
    store: Path = typer.Argument(..., metavar="STORE", help="A sweep store (.sqlite) written by 'assoc run'"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", metavar="FILE",
                                       help="Figure file (default: next to the store, .png)"),
) -> None:
    """Draw the figure of a sweep from its store (an error if the store holds no rows)."""
    from .sweep import draw_figure, load_table, store_spec

    spec = store_spec(store)
    if not spec.figure:
        raise ValueError(f"sweep {spec.name!r} declares no [figure] in its spec")
    table = load_table(store)
    if not table:
        raise ValueError(f"store {store} holds no rows of sweep {spec.name!r}: nothing to draw "
                         f"(assoc run the spec to compute them)")
    path = draw_figure(spec, table, out or store.with_suffix(".png"))
    typer.echo(f"figure {path}")


class Format(str, Enum):
    csv = "csv"
    parquet = "parquet"


@app.command()
@_friendly
def export(
    store: Path = typer.Argument(..., metavar="STORE", help="A sweep store (.sqlite)"),
    format: Format = typer.Option(Format.csv, "--format", "-f", help="csv or parquet"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", metavar="FILE",
                                       help="Output file (default: next to the store)"),
) -> None:
    """Export a sweep's table (one row per point and trial) as CSV or Parquet (an error if
    the store holds no rows)."""
    from .sweep import load_table, write_csv, write_parquet

    table = load_table(store)
    if not table:
        raise ValueError(f"store {store} holds no rows: nothing to export (assoc run the spec to compute them)")
    path = out or store.with_suffix("." + format.value)
    written = write_csv(table, path) if format is Format.csv else write_parquet(table, path)
    typer.echo(f"{len(table)} rows -> {written}")


@app.command()
@_friendly
def info() -> None:
    """Show the version, and which backends are usable here and why not."""
    import numpy as np

    from . import __version__
    from .backend import _resolve_auto, available_backends

    typer.echo(f"assoc {__version__}, Python {sys.version.split()[0]}, numpy {np.__version__}")
    for name, (ok, why) in available_backends().items():
        typer.echo(f"  {name:6s} {'usable' if ok else 'NOT usable':11s} {why}")
    typer.echo(f"  auto   -> {_resolve_auto()}")


@app.command(name="list")
@_friendly
def list_() -> None:
    """List the bundled specs and model presets."""
    from .sweep import _read_toml, bundled

    typer.echo("specs (assoc run NAME, assoc describe NAME):")
    for name, path in bundled("sims").items():
        typer.echo(f"  {name:32s} {_read_toml(path).get('description', '')}")
    typer.echo("models (model = NAME in a spec):")
    for name, path in bundled("models").items():
        data = _read_toml(path)
        typer.echo(f"  {name:32s} {data.get('description', '')} [{data.get('cite', '')}]")


@app.command()
@_friendly
def families(
    name: Optional[str] = typer.Argument(None, metavar="NAME", help="A family to describe in full (its parameters)."),
) -> None:
    """List the memory families (alphabet, mode, load scale, parameters, refused measurements)."""
    from .registry import MEASUREMENTS, families as registered

    if name is not None:
        _describe_family(name)
        return
    typer.echo(f"{'family':16s} {'alphabet':8s} {'mode':6s} {'measurements':38s} parameters")
    for fam in registered().values():
        takes = " ".join(m for m in MEASUREMENTS if m not in fam.refuses) or "(studies only)"
        typer.echo(f"{fam.name:16s} {fam.alphabet:8s} {fam.mode:6s} {takes:38s} {', '.join(fam.params)}")
    typer.echo("assoc families NAME describes one; a spec takes family = NAME and its parameters.")


@app.command()
@_friendly
def figures(
    quick: bool = typer.Option(False, "--quick", help="Reduced runs (the spec's [quick] overrides), fast enough for CI"),
    only: Optional[list[str]] = typer.Option(None, "--only", metavar="NAME",
                                             help="Only this gallery figure (repeatable)"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", metavar="DIR",
                                       help="Folder for the PNGs (default figures/, or "
                                       "results/gallery-quick/ with --quick)"),
    results: Path = typer.Option(Path("results"), metavar="DIR", help="Folder for the sweep stores"),
    workers: Optional[int] = typer.Option(None, "--workers", "-j", metavar="N",
                                          help="Worker processes (default: all cores)"),
    list_only: bool = typer.Option(False, "--list", help="List the gallery and exit"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars"),
    table: bool = typer.Option(False, "--table", help="Then write the family x measurement table of "
                               "figures/README.md from the full-run stores of the families-* figures"),
) -> None:
    """Regenerate the figure gallery: every bundled spec marked `gallery`, each checked non-trivial."""
    from .gallery import figure_file, registry, render

    reg = registry()
    if list_only:
        for name, data in reg.items():
            typer.echo(f"  {name:28s} -> {figure_file(data):32s} {data.get('description', '')}")
        return
    names = list(reg) if not only else list(only)
    unknown = sorted(set(names) - set(reg))
    if unknown:
        from .params import suggest

        hints = "".join(suggest(u, reg) for u in unknown)
        raise ValueError(f"unknown gallery figure(s) {unknown}{hints}; gallery: {sorted(reg)}")
    failed = []
    t0 = time.perf_counter()
    for name in names:
        res = render(name, quick=quick, out=out, results=results, workers=workers, quiet=quiet)
        status = "ok" if not res.problems else "PROBLEM: " + "; ".join(res.problems)
        typer.echo(f"{name:28s} {res.seconds:7.1f} s  {res.rows:5d} rows  {res.figure}  {status}")
        if res.problems:
            failed.append(name)
    typer.echo(f"{len(names) - len(failed)}/{len(names)} figures ok in {time.perf_counter() - t0:.1f} s")
    if table:
        from .gallery import write_family_table

        typer.echo(f"family x measurement table written to {write_family_table(results=results)}")
    if failed:
        typer.echo(f"assoc: error: figures with problems: {failed}", err=True)
        raise typer.Exit(1)


def _describe_family(name: str) -> None:
    """Print a family: its class, alphabet, mode, load scale, parameters and refusals."""
    from .registry import get_family

    d = get_family(name).describe()
    typer.echo(f"{d['name']} (memory family): {d['description']}")
    typer.echo(f"  class {d['class']}, alphabet {d['alphabet']}, mode {d['mode']}")
    typer.echo(f"  load 1 = {d['load']}; synapses: {d['synapses']}")
    if d["cite"]:
        typer.echo(f"  cite: {d['cite']}")
    typer.echo("  parameters (in a spec: family = NAME, then these in [params] or [grid]):")
    for pname, default, allowed, doc in d["params"]:
        typer.echo(f"    {pname:14s} = {default!r:10s} {allowed:34s} {doc}")
    for m, why in d["refuses"].items():
        typer.echo(f"  refuses {m}: {why}")


# --------------------------------------------------------------------------- discovery


@app.command()
@_friendly
def drivers() -> None:
    """List the measurement drivers (a spec's driver = NAME), one line each."""
    from .experiments import list_drivers

    registered = list_drivers()
    width = max(map(len, registered)) + 2
    for name, drv in registered.items():
        typer.echo(f"{name:{width}s} {drv.summary}")
    typer.echo("assoc describe NAME shows a driver's parameters, output columns and figure kinds.")


@app.command()
@_friendly
def describe(
    name: Optional[str] = typer.Argument(None, metavar="NAME", help="A driver, memory family, figure kind, "
                                         "bundled spec (or a path to a spec .toml) or model preset; "
                                         "none: the spec format"),
) -> None:
    """Explain a driver, family, figure kind, spec or model preset: what a spec can say about it."""
    typer.echo(SPEC_FORMAT if name is None else describe_text(name), nl=False)


SPEC_FORMAT = """\
A spec is a TOML file (the bundled ones: assoc list; assoc describe SPEC shows one):

  name = "my-sweep"              # names the store, table and figure: OUT/NAME.sqlite, .csv, .png
  description = "..."            # optional, one line
  driver = "capacity"            # the measurement (assoc drivers; assoc describe DRIVER)
  model = "hopfield-hebbian"     # optional preset (assoc list): its family and parameters come first
  seed = 0                       # integer >= 0; trial t of point i runs with SeedSequence(seed, (i, t))
  trials = 1                     # repetitions of every grid point
  gallery = true                 # optional: the spec draws a figure of the gallery (assoc figures)

  [params]                       # fixed for every point; a parameter left out takes its default
  family = "hopfield"
  n = 500

  [grid]                         # swept; the points are every combination, first axis slowest
  alpha = [0.05, 0.1, 0.15]      # a list, or a range:
  cue_fraction = {start = 0.0, stop = 0.3, num = 4}   # with log = true, integer = true as needed
                                 # (an axis family = [...] or model = [...] compares memories)

  [figure]                       # optional: how assoc run and assoc plot draw the table
  kind = "capacity_curve"        # a figure kind (assoc describe KIND); its options follow
  by = "n"                       # options x, y, by, value, success name table columns

  [quick]                        # optional: a reduced run for assoc run --quick
  trials = 1                     # plain keys replace the spec's; [quick.params], [quick.grid]
  [quick.grid]                   # and [quick.figure] replace single entries of those tables
  alpha = [0.05, 0.15]

Every value is checked when the spec is loaded, before any point runs: a misspelt key,
parameter, family or figure option is named with the allowed ones, and nothing is written.
"""


def _fmt_default(value) -> str:
    if value is None:
        return "none"
    return repr(value)


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + "}"
    return str(value)


def _driver_columns(drv) -> set[str]:
    """Every column a table of ``drv`` can hold: point, trial, model, its parameters (and
    those of every family when it takes family parameters), its metrics."""
    cols = {"point", "trial", "model", *drv.defaults, *drv.columns}
    if drv.family_params:
        from .registry import families as registered

        for fam in registered().values():
            cols.update(fam.params)
    return cols


def _reads(kind_columns, available: set[str]) -> bool:
    """Whether a table with ``available`` columns has every column a figure kind reads."""
    from .sweep import _column_matches

    templated = [c for c in available if "<" in c]
    for col in kind_columns:
        if col.endswith("*"):
            prefix = col[:-1]
            if not any(a.split("<")[0].startswith(prefix) or a.startswith(prefix) for a in available):
                return False
        elif col not in available and not _column_matches(col, templated):
            return False
    return True


def _specs_using() -> dict[str, list[tuple[str, dict]]]:
    """``{driver: [(spec name, spec data)]}`` of the bundled specs."""
    from .sweep import _read_toml, bundled

    out: dict[str, list] = {}
    for spec_name, path in bundled("sims").items():
        try:
            data = _read_toml(path)
        except ValueError:
            continue
        out.setdefault(str(data.get("driver")), []).append((spec_name, data))
    return out


def _options_text(options: dict, only=None) -> str:
    import inspect

    parts = []
    for k, v in options.items():
        if only is not None and k not in only:
            continue
        parts.append(f"{k} (required)" if v is inspect.Parameter.empty else f"{k}={_fmt_default(v)}")
    return ", ".join(parts)


def _describe_driver(name: str) -> str:
    from .experiments import get_driver
    from .figures import COLUMN_OPTIONS, signatures
    from .params import table as param_table

    drv = get_driver(name)
    lines = [f"{name} (driver, {drv.module}; in a spec: driver = \"{name}\")"]
    import inspect

    lines += ["  " + line if line.strip() else "" for line in inspect.cleandoc(drv.doc).splitlines()]
    lines.append("")
    lines.append("parameters ([params] for a fixed value, [grid] to sweep it; left out: the default):")
    rows = param_table(drv.params) if drv.params else [(k, repr(v), "any", "") for k, v in drv.defaults.items()]
    w = max(len(r[0]) for r in rows) if rows else 8
    wd = min(max((len(_fmt_default(drv.defaults[r[0]])) for r in rows), default=8), 24)
    wa = min(max((len(r[2]) for r in rows), default=8), 34)
    for pname, _, allowed, doc in rows:
        lines.append(f"  {pname:{w}s} = {_fmt_default(drv.defaults[pname]):{wd}s}  {allowed:{wa}s}  {doc}".rstrip())
    if drv.family_params:
        from .registry import families as registered

        lines.append("  and the parameters of the family it measures (assoc describe FAMILY for their values):")
        fams = registered()
        wf = max(map(len, fams)) + 1
        for fam in fams.values():
            lines.append(f"    {fam.name:{wf}s} {', '.join(fam.params) or '(none)'}")
    if drv.check is not None:
        lines.append("  Combinations are checked too (e.g. a measurement a family refuses), when the spec loads.")
    lines.append("")
    lines.append("columns of its table (one row per grid point and trial):")
    lines.append("  point, trial, every parameter above (as resolved at the point), and the metrics:")
    lines.append("  " + (", ".join(drv.columns) if drv.columns else "(not declared)"))
    if any("<" in c for c in drv.columns):
        lines.append("  (a name like m_<age> stands for one column per value)")
    module_doc = inspect.getdoc(sys.modules.get(drv.module)) or ""
    for para in module_doc.split("\n\n"):  # what the driver's module says of the columns
        if "column" in para.lower():
            lines += ["  " + line for line in para.splitlines()]
    lines.append("")
    available = _driver_columns(drv)
    using = _specs_using().get(name, [])
    in_specs = {str(d.get("figure", {}).get("kind")) for _, d in using if isinstance(d.get("figure"), dict)}
    kinds = {k: sig for k, sig in signatures().items()
             if k in in_specs or (sig.columns and _reads(sig.columns, available))}
    lines.append("figure kinds that draw its table ([figure] kind = ...; assoc describe KIND):")
    if not kinds:
        lines.append("  (none registered)")
    for k, sig in kinds.items():
        cols = _options_text(sig.options, only=COLUMN_OPTIONS)
        lines.append(f"  {k:28s} {sig.summary}" + (f" Options: {cols}." if cols else ""))
    lines.append("")
    if using:
        lines.append("bundled specs with this driver (assoc describe SPEC): " + ", ".join(n for n, _ in using))
        lines.append("")
    lines += _skeleton(name, drv, using, kinds)
    return "\n".join(lines) + "\n"


def _skeleton(name: str, drv, using, kinds) -> list[str]:
    """A spec to start from: the driver's defaults in [params], the grid of a bundled spec with
    the same driver, and a figure that draws it (the first that passes the spec's checks)."""
    from .sweep import load_spec

    grid: dict = {}
    figures = []
    for _, data in using:
        g = data.get("grid", {})
        if isinstance(g, dict) and g and all(k in drv.defaults or k == "model" for k in g):
            grid = g
            if isinstance(data.get("figure"), dict):
                figures.append(dict(data["figure"]))
            break
    figures += [{"kind": k} for k in kinds]
    params = {k: v for k, v in drv.defaults.items()
              if k not in grid and not (k == "family" and "model" in grid)}
    data = {"name": f"my-{name.replace('_', '-')}", "driver": name, "seed": 0, "trials": 1,
            "params": {k: v for k, v in params.items() if v is not None}, "grid": grid}
    figure = None
    for candidate in [*figures, None]:
        try:
            load_spec(dict(data, figure=candidate) if candidate else data)
        except (TypeError, ValueError):
            continue
        figure = candidate
        break
    lines = ["a spec to start from (every parameter at its default; assoc describe alone shows the format):",
             f'  name = "{data["name"]}"', f'  driver = "{name}"', "  seed = 0", "  trials = 1", "  [params]"]
    for k, v in params.items():
        lines.append(f"  {k} = {_toml_value(v)}" if v is not None else f"  # {k}: none (the default) unless given")
    if grid:
        lines.append("  [grid]")
        lines += [f"  {k} = {_toml_value(v)}" for k, v in grid.items()]
    if figure:
        lines.append("  [figure]")
        lines += [f"  {k} = {_toml_value(v)}" for k, v in figure.items()]
    return lines


def _describe_kind(name: str) -> str:
    import inspect

    from .experiments import list_drivers
    from .figures import COLUMN_OPTIONS, signatures

    sig = signatures()[name]
    lines = [f"{name} (figure kind, {sig.module}; in a spec: [figure] kind = \"{name}\")", f"  {sig.summary}", "",
             "options (the other keys of [figure]):"]
    for k, v in sig.options.items():
        note = "  names a table column" if k in COLUMN_OPTIONS else ""
        default = "required" if v is inspect.Parameter.empty else f"= {_fmt_default(v)}"
        lines.append(f"  {k:12s} {default:28s}{note}".rstrip())
    if sig.any_option:
        lines.append("  and any other keyword option")
    lines.append("")
    lines.append("columns it reads with its default options: " + (", ".join(sig.columns) or "(not declared)"))
    drivers_ = [d for d, drv in list_drivers().items() if sig.columns and _reads(sig.columns, _driver_columns(drv))]
    if drivers_:
        lines.append("drivers whose tables have them: " + ", ".join(drivers_))
    return "\n".join(lines) + "\n"


def _describe_spec(ref: str) -> str:
    from .sweep import apply_quick, load_spec, read_spec

    data, path = read_spec(ref)
    spec = load_spec(data if path is None else path)
    lines = [f"{spec.name} (spec, {path})", f"  {spec.description}" if spec.description else "",
             f"  driver {spec.driver} (assoc describe {spec.driver})"
             + (f", model {spec.model}" if spec.model else "") + f", seed {spec.seed}, trials {spec.trials}"]
    lines = [ln for ln in lines if ln]
    lines.append("  parameters: " + (", ".join(f"{k} = {_fmt_default(v)}" for k, v in spec.params.items())
                                     or "(all at their defaults)"))
    lines += _grid_lines(spec)
    if spec.figure:
        opts = ", ".join(f"{k}={_fmt_default(v)}" for k, v in spec.figure.items() if k != "kind")
        lines.append(f"  figure: {spec.figure.get('kind')}" + (f" ({opts})" if opts else ""))
    if data.get("gallery"):
        from .gallery import figure_file

        lines.append(f"  gallery: figures/{figure_file(data)} (assoc figures --only {spec.name})")
    if data.get("quick"):
        quick = load_spec(apply_quick(data))
        lines.append(f"  quick (assoc run --quick): {quick.n_points()} point(s) x {quick.trials} trial(s) = "
                     f"{quick.n_points() * quick.trials} run(s)")
        lines += ["  " + ln for ln in _grid_lines(quick)[1:]]
    lines.append(f"  run: assoc run {ref}" + ("   (reduced: --quick)" if data.get("quick") else ""))
    return "\n".join(lines) + "\n"


def _grid_lines(spec) -> list[str]:
    runs = spec.n_points() * spec.trials
    lines = [f"  grid: {spec.n_points()} point(s) x {spec.trials} trial(s) = {runs} run(s)"]
    for k, values in spec.grid.items():
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        shown = f"{_fmt_default(values[0])} .. {_fmt_default(values[-1])}" if numeric and len(values) > 8 else \
            ", ".join(map(_fmt_default, values))  # every name of a categorical axis
        lines.append(f"    {k:14s} {len(values):3d} value(s): {shown}")
    return lines


def _describe_model(ref: str) -> str:
    from .sweep import bundled, load_model

    data = load_model(ref)
    lines = [f"{ref} (model preset, {bundled('models').get(ref, ref)}; in a spec: model = \"{ref}\")"]
    if data.get("description"):
        lines.append(f"  {data['description']}")
    if data.get("cite"):
        lines.append(f"  cite: {data['cite']}")
    lines.append(f"  family {data['family']} (assoc describe {data['family']})")
    lines.append("  parameters: " + (", ".join(f"{k} = {v!r}" for k, v in data.get("params", {}).items()) or "(none)"))
    return "\n".join(lines) + "\n"


def describe_text(name: str) -> str:
    """What ``assoc describe NAME`` prints: every driver, family, figure kind, spec and model
    preset called ``name`` (a path to a .toml file is a spec)."""
    import io
    from contextlib import redirect_stdout

    from .experiments import source_index
    from .figures import signatures
    from .params import suggest
    from .registry import families as registered
    from .sweep import bundled

    if not isinstance(name, str) or not name:
        raise ValueError(f"NAME must be a non-empty name, got {name!r}")
    parts = []
    if Path(name).suffix == ".toml":
        return _describe_spec(name)
    if name in source_index():
        parts.append(_describe_driver(name))
    if name in registered():
        buf = io.StringIO()
        with redirect_stdout(buf):
            _describe_family(name)
        parts.append(buf.getvalue())
    if name in signatures():
        parts.append(_describe_kind(name))
    if name in bundled("sims"):
        parts.append(_describe_spec(name))
    if name in bundled("models"):
        parts.append(_describe_model(name))
    if not parts:
        from .experiments import list_drivers

        known = [*list_drivers(), *registered(), *signatures(), *bundled("sims"), *bundled("models")]
        raise ValueError(f"unknown name {name!r}{suggest(name, known)}: not a driver (assoc drivers), family "
                         "(assoc families), figure kind, spec or model preset (assoc list)")
    return "\n".join(parts)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    app()
