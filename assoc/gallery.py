"""The figure gallery: every bundled spec marked ``gallery = ...`` and how to regenerate it.

A spec joins the gallery with a top-level key ``gallery`` (``true``, or the PNG file name
under ``figures/``; ``true`` means ``NAME.png`` with dashes turned into underscores) next to
its ``[figure]`` table. An optional ``[quick]`` table holds the overrides of a reduced run
(fewer trials, points or neurons) used by ``assoc figures --quick`` in CI: plain keys replace
the spec's, and ``[quick.params]``, ``[quick.grid]``, ``[quick.figure]`` replace single
entries of the spec's tables (a grid axis given there replaces that axis).
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .sweep import _read_toml, bundled, load_spec, run_spec


def registry() -> dict[str, dict]:
    """``{name: spec data}`` of the bundled specs that belong to the gallery, by name."""
    out = {}
    for name, path in bundled("sims").items():
        data = _read_toml(path)
        if data.get("gallery") and isinstance(data.get("figure"), dict):
            out[name] = data
    return out


def figure_file(data: dict) -> str:
    """The gallery file name of a spec (``gallery = "x.png"`` or ``NAME.png``)."""
    g = data.get("gallery")
    if isinstance(g, str):
        if not g.endswith(".png") or "/" in g:
            raise ValueError(f"gallery in spec {data.get('name')!r} must be a file name ending in .png, got {g!r}")
        return g
    return str(data["name"]).replace("-", "_") + ".png"


def quick_data(data: dict) -> dict:
    """The spec with its ``[quick]`` overrides applied (unchanged if it has none)."""
    out = copy.deepcopy({k: v for k, v in data.items() if k != "quick"})
    quick = data.get("quick", {})
    if not isinstance(quick, dict):
        raise ValueError(f"quick in spec {data.get('name')!r} must be a table, got {quick!r}")
    for key, value in quick.items():
        if key in ("params", "grid", "figure"):
            if not isinstance(value, dict):
                raise ValueError(f"quick.{key} in spec {data.get('name')!r} must be a table")
            out.setdefault(key, {}).update(value)
        else:
            out[key] = value
    return out


def check_output(path: str | Path, table: list[dict]) -> list[str]:
    """Reasons a rendered figure looks empty or broken (an empty list when it is fine).

    Checks: the PNG exists and is over 10 kB; at least 3 % of its pixels are not background
    and their values vary; the table has rows, and at least one numeric metric is finite and
    not constant over the rows (a single-run figure, such as a raster, is judged by its image
    and needs one row with a finite metric).
    """
    problems = []
    path = Path(path)
    if not path.is_file():
        return [f"{path} was not written"]
    if path.stat().st_size < 10_000:
        problems.append(f"{path} is only {path.stat().st_size} bytes")
    import matplotlib.image as mpimg

    img = mpimg.imread(path)[..., :3]
    ink = (np.abs(img - img[0, 0]).sum(axis=-1) > 0.05).mean()
    if ink < 0.03 or float(img.std()) < 0.02:
        problems.append(f"{path} is nearly blank ({100 * ink:.1f} % of pixels drawn)")
    if not table:
        problems.append("the sweep produced no rows")
    elif len(table) == 1:
        finite = [v for k, v in table[0].items() if k not in ("point", "trial")
                  and isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v)]
        if not finite:
            problems.append("the single run returned no finite metric")
    else:
        skip = {"point", "trial"}
        varying = False
        for key in table[0]:
            vals = [r.get(key) for r in table]
            if key in skip or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
                continue
            arr = np.asarray(vals, dtype=float)
            if np.isfinite(arr).any() and np.nanstd(arr) > 0:
                varying = True
                break
        if not varying:
            problems.append("no numeric column of the table varies: the measurement is trivial")
    return problems


@dataclass
class Rendered:
    name: str
    figure: Path
    seconds: float
    rows: int
    problems: list


def render(name: str, *, quick: bool = False, out: str | Path | None = None, results: str | Path = "results",
           workers: int | None = None, quiet: bool = True) -> Rendered:
    """Run (or resume) one gallery sweep and draw its figure.

    ``out`` is the folder of the PNG (default ``figures/`` for the full run and
    ``results/gallery-quick/`` for ``quick``); the sweep store goes to ``results/gallery``
    (or ``results/gallery-quick``).
    """
    reg = registry()
    if name not in reg:
        raise ValueError(f"unknown gallery figure {name!r}; gallery: {sorted(reg)}")
    data = quick_data(reg[name]) if quick else reg[name]
    sub = "gallery-quick" if quick else "gallery"
    folder = Path(out) if out is not None else (Path(results) / sub if quick else Path("figures"))
    fig_path = folder / figure_file(reg[name])
    t0 = time.perf_counter()
    spec = load_spec(data)
    res = run_spec(spec, out_dir=Path(results) / sub, workers=workers, quiet=quiet, figure=fig_path, csv_path=True)
    seconds = time.perf_counter() - t0
    table = res.table
    return Rendered(name, fig_path, seconds, len(table), check_output(fig_path, table))
