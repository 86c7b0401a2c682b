"""Command line: a thin Typer app over :mod:`assoc.sweep` and friends.

Every command turns a bad input (``ValueError``, ``TypeError``, a missing file) into a
one-line message on stderr and exit code 2, never a traceback.
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
        "Start with:  assoc list   (bundled sweeps)   then   assoc run hopfield-capacity"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _friendly(func):
    """Report user errors in one line with exit code 2."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (ValueError, TypeError, FileNotFoundError, KeyError) as exc:
            msg = f"missing key {exc.args[0]!r}" if isinstance(exc, KeyError) and exc.args else exc
            typer.echo(f"assoc: error: {msg}", err=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            typer.echo("assoc: interrupted; rows already stored are kept, re-run to resume", err=True)
            raise typer.Exit(130) from None

    return wrapper


@app.command()
@_friendly
def run(
    spec: str = typer.Argument(..., help="Bundled sweep name (see 'assoc list') or path to a spec .toml"),
    out: Path = typer.Option(Path("results"), "--out", "-o", help="Folder for NAME.sqlite, NAME.csv, NAME.png"),
    store: Optional[Path] = typer.Option(None, help="Store file (default OUT/NAME.sqlite)"),
    figure: Optional[Path] = typer.Option(None, help="Figure file (default OUT/NAME.png)"),
    no_figure: bool = typer.Option(False, "--no-figure", help="Do not draw the figure"),
    workers: Optional[int] = typer.Option(None, "--workers", "-j", help="Worker processes (default: all cores)"),
    scheduler: Optional[str] = typer.Option(
        None, help="Run on dask.distributed: 'local-dask' or a scheduler address tcp://host:8786"
    ),
    trials: Optional[int] = typer.Option(None, help="Override the spec's number of trials"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar"),
) -> None:
    """Run (or resume) a sweep: compute missing rows, then write the table and the figure."""
    from .sweep import run_spec

    t0 = time.perf_counter()
    fig = False if no_figure else (figure if figure is not None else True)
    res = run_spec(spec, out_dir=out, store=store, workers=workers, scheduler=scheduler, quiet=quiet,
                   figure=fig, trials=trials)
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
    store: Path = typer.Argument(..., help="A sweep store (.sqlite) written by 'assoc run'"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Figure file (default: next to the store, .png)"),
) -> None:
    """Draw the figure of a sweep from its store."""
    from .sweep import draw_figure, load_table, store_spec

    spec = store_spec(store)
    if not spec.figure:
        raise ValueError(f"sweep {spec.name!r} declares no [figure] in its spec")
    path = draw_figure(spec, load_table(store), out or store.with_suffix(".png"))
    typer.echo(f"figure {path}")


class Format(str, Enum):
    csv = "csv"
    parquet = "parquet"


@app.command()
@_friendly
def export(
    store: Path = typer.Argument(..., help="A sweep store (.sqlite)"),
    format: Format = typer.Option(Format.csv, "--format", "-f", help="csv or parquet"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output file (default: next to the store)"),
) -> None:
    """Export a sweep's table (one row per point and trial) as CSV or Parquet."""
    from .sweep import load_table, write_csv, write_parquet

    table = load_table(store)
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
    """List the bundled sweep specs and model presets."""
    from .sweep import _read_toml, bundled

    typer.echo("sweeps (assoc run NAME):")
    for name, path in bundled("sims").items():
        typer.echo(f"  {name:32s} {_read_toml(path).get('description', '')}")
    typer.echo("models (model = NAME in a spec):")
    for name, path in bundled("models").items():
        data = _read_toml(path)
        typer.echo(f"  {name:32s} {data.get('description', '')} [{data.get('cite', '')}]")


@app.command()
@_friendly
def families(
    name: Optional[str] = typer.Argument(None, help="A family to describe in full (its parameters)."),
) -> None:
    """List the memory families (alphabet, mode, load scale, parameters, refused measurements)."""
    from .registry import MEASUREMENTS, families as registered, get_family

    if name is not None:
        d = get_family(name).describe()
        typer.echo(f"{d['name']}: {d['description']}")
        typer.echo(f"  class {d['class']}, alphabet {d['alphabet']}, mode {d['mode']}")
        typer.echo(f"  load 1 = {d['load']}; synapses: {d['synapses']}")
        if d["cite"]:
            typer.echo(f"  cite: {d['cite']}")
        typer.echo("  parameters:")
        for pname, default, allowed, doc in d["params"]:
            typer.echo(f"    {pname:14s} = {default!r:10s} {allowed:34s} {doc}")
        for m, why in d["refuses"].items():
            typer.echo(f"  refuses {m}: {why}")
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
    only: Optional[list[str]] = typer.Option(None, "--only", help="Only this gallery figure (repeatable)"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Folder for the PNGs (default figures/, or "
                                       "results/gallery-quick/ with --quick)"),
    results: Path = typer.Option(Path("results"), help="Folder for the sweep stores"),
    workers: Optional[int] = typer.Option(None, "--workers", "-j", help="Worker processes (default: all cores)"),
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
        raise ValueError(f"unknown gallery figure(s) {unknown}; gallery: {sorted(reg)}")
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


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    app()
