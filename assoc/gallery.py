"""The figure gallery: every bundled spec marked ``gallery = ...`` and how to regenerate it.

A spec joins the gallery with a top-level key ``gallery`` (``true``, or the PNG file name
under ``figures/``; ``true`` means ``NAME.png`` with dashes turned into underscores) next to
its ``[figure]`` table. An optional ``[quick]`` table holds the overrides of a reduced run
(fewer trials, points or neurons) used by ``assoc figures --quick`` in CI: plain keys replace
the spec's, and ``[quick.params]``, ``[quick.grid]``, ``[quick.figure]`` replace single
entries of the spec's tables (a grid axis given there replaces that axis).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .sweep import _read_toml, apply_quick, bundled, load_spec, run_spec


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
    """The spec with its ``[quick]`` overrides applied (:func:`assoc.sweep.apply_quick`)."""
    return apply_quick(data)


def metric_columns(table: list[dict], driver: str) -> list[str]:
    """The columns of ``table`` that driver ``driver`` writes as metrics: those matching its
    declared output columns (``m_<age>`` stands for a family) that are not also one of its
    parameters (grid and ``[params]`` values are inputs, not measurements)."""
    from .experiments import get_driver
    from .sweep import _column_matches

    drv = get_driver(driver)
    keys = list(dict.fromkeys(k for row in table for k in row))
    return [k for k in keys if k not in ("point", "trial") and k not in drv.defaults
            and _column_matches(k, drv.columns)]


def _number(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


def check_output(path: str | Path, table: list[dict], *, driver: str | None = None,
                 metrics: list[str] | None = None) -> list[str]:
    """Reasons a rendered figure looks empty or broken (an empty list when it is fine).

    Checks: the PNG exists and is over 10 kB; at least 3 % of its pixels are not background
    and their values vary; the table has rows, and at least one numeric *metric* column is
    finite and not constant over the rows (a single-run figure, such as a raster, is judged by
    its image and needs one finite metric). The metric columns are ``metrics`` if given, else
    those that ``driver`` writes (:func:`metric_columns`); parameter columns never count, so a
    sweep whose every measurement is NaN fails however its grid varies. With neither, every
    column but ``point`` and ``trial`` is taken as a metric (a table of measurements only).
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
        return problems
    if metrics is None:
        metrics = (metric_columns(table, driver) if driver is not None
                   else [k for k in dict.fromkeys(k for row in table for k in row) if k not in ("point", "trial")])
    if not metrics:
        problems.append("the table has no metric column" + (f" of driver {driver!r}" if driver else ""))
    elif len(table) == 1:
        if not any(_number(table[0].get(k)) and np.isfinite(table[0][k]) for k in metrics):
            problems.append("the single run returned no finite metric")
    else:
        varying = False
        for key in metrics:
            vals = [r.get(key) for r in table]
            if not all(_number(v) for v in vals):
                continue
            arr = np.asarray(vals, dtype=float)
            if np.isfinite(arr).any() and np.nanstd(arr) > 0:
                varying = True
                break
        if not varying:
            problems.append("no metric column of the table varies: the measurement is trivial")
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
    return Rendered(name, fig_path, seconds, len(table), check_output(fig_path, table, driver=spec.driver))


# --------------------------------------------------------------------------- family x measurement table

#: The cross-family gallery specs, by measurement.
FAMILY_SPECS = {"capacity": "families-capacity", "interference": "families-interference",
                "fragments": "families-fragments", "forgetting": "families-forgetting"}
TABLE_START, TABLE_END = "<!-- family-table:start -->", "<!-- family-table:end -->"
#: Families left out of the cross-family sweeps, and why (their own figures measure them).
NOT_SWEPT = {
    "dense_hebbian": "not in this sweep: its load scale n^3 puts ~10^5 examples at n = 256 (see the dense-hebbian figures)",
    "ca3": "not in this sweep: Brian2 runs take seconds per probe (see the ca3-capacity and ca3-completion figures)",
}


def _mean_se(vals) -> str:
    vals = np.asarray([v for v in vals if v is not None and np.isfinite(v)], dtype=float)
    if not len(vals):
        return "n/a"
    se = vals.std(ddof=1) / np.sqrt(len(vals)) if len(vals) > 1 else 0.0
    return f"{vals.mean():.3g} ± {se:.2g}" if se else f"{vals.mean():.3g}"


def family_headlines(tables: dict[str, list[dict]]) -> dict[str, dict[str, str]]:
    """``{family: {measurement: headline}}`` computed from the cross-family tables.

    capacity: patterns per neuron at the critical load and the bits per synapse (largest n
    swept; mean ± s.e. over disorder samples; ">" / "<" where every sample's crossing lay
    beyond / below the swept range, and a count of censored samples where some did);
    interference: the sibling overlap where the fraction retrieved falls through 1/2;
    fragments: the largest fraction of the cue erased from which the mean final overlap is
    still >= 0.9; forgetting: the recent items kept (unbroken run from the newest) per preset.
    """
    from .metrics import aggregate, crossing
    from .registry import FAMILIES, MEASUREMENTS

    out: dict[str, dict[str, str]] = {name: {} for name in FAMILIES}
    cap = tables.get("capacity", [])
    for fam in {r["family"] for r in cap}:
        rows = [r for r in cap if r["family"] == fam]
        n = max(r["n"] for r in rows)
        rows = [r for r in rows if r["n"] == n]
        ppn = _mean_se(r["patterns_per_n_c"] for r in rows)
        high = [r for r in rows if r["censored"] and r["frac_last"] >= 0.5]  # never fell below 1/2
        low = [r for r in rows if r["censored"] and r["frac_last"] < 0.5]  # failed at the first load
        if len(high) == len(rows):
            ppn = f"> {max(r['patterns_per_n_c'] for r in rows):.3g}"
        elif len(low) == len(rows):
            ppn = f"< {min(r['patterns_per_n_c'] for r in rows):.3g}"
        elif high or low:
            ppn += f" ({len(high) + len(low)} of {len(rows)} samples censored at the range's ends)"
        out[fam]["capacity"] = f"{ppn} patterns/neuron, {_mean_se(r['bits_per_synapse_max'] for r in rows)} bits/synapse (n = {n})"
    inter = tables.get("interference", [])
    for fam in {r["family"] for r in inter}:
        rows = [r for r in inter if r["family"] == fam]
        xs = aggregate(rows, ["c"], "item_overlap")
        ys = aggregate(rows, ["c"], "retrieved")
        x = [xs[k][0] for k in sorted(ys)]
        y = [ys[k][0] for k in sorted(ys)]
        c = crossing(x, y, 0.5)
        out[fam]["interference"] = (f"retrieval falls below 1/2 at sibling overlap {c:.2f}" if np.isfinite(c)
                                    else ("retrieved at every overlap swept" if min(y) >= 0.5
                                          else "below 1/2 already at overlap " f"{min(x):.2f}"))
    frag = [r for r in tables.get("fragments", []) if r["cue"] == "erase"]
    for fam in {r["family"] for r in frag}:
        agg = aggregate([r for r in frag if r["family"] == fam], ["cue_fraction"], "m_mean")
        ok = [k[0] for k, (m, _, _) in agg.items() if m >= 0.9]
        out[fam]["fragments"] = (f"m >= 0.9 from cues with up to {max(ok):.0%} erased" if ok
                                 else "m < 0.9 even from the whole item")
    forg = tables.get("forgetting", [])
    for model in sorted({r["model"] for r in forg}):
        rows = [r for r in forg if r["model"] == model]
        fam = rows[0]["family"]
        kept = _mean_se(r["recent_run"] for r in rows)
        text = f"{model}: {kept} recent items kept of {rows[0]['patterns']}"
        out[fam]["forgetting"] = "; ".join(filter(None, [out[fam].get("forgetting"), text]))
    for name, fam in FAMILIES.items():
        for m in MEASUREMENTS:
            if m in fam.refuses:
                out[name][m] = f"refused (`assoc families {name}` says why)"
            elif m not in out[name] and name in NOT_SWEPT:
                out[name][m] = NOT_SWEPT[name]
    return out


def family_table(results: str | Path = "results") -> str:
    """The family x measurement table (Markdown) from the full-run stores under ``results/gallery``."""
    from .registry import MEASUREMENTS
    from .sweep import load_table

    tables = {}
    for m, name in FAMILY_SPECS.items():
        store = Path(results) / "gallery" / f"{name}.sqlite"
        if not store.is_file():
            raise FileNotFoundError(f"{store} is missing: run `assoc figures --only {name}` first")
        tables[m] = load_table(store)
    heads = family_headlines(tables)
    lines = ["| family | " + " | ".join(MEASUREMENTS) + " |", "|---" * (len(MEASUREMENTS) + 1) + "|"]
    for fam, cells in heads.items():
        lines.append(f"| {fam} | " + " | ".join(cells.get(m, "not in the sweep") for m in MEASUREMENTS) + " |")
    return "\n".join(lines)


def write_family_table(readme: str | Path = "figures/README.md", results: str | Path = "results") -> Path:
    """Replace the text between the family-table markers of ``readme`` by :func:`family_table`."""
    readme = Path(readme)
    text = readme.read_text()
    if TABLE_START not in text or TABLE_END not in text:
        raise ValueError(f"{readme} lacks the markers {TABLE_START} ... {TABLE_END}")
    head, rest = text.split(TABLE_START, 1)
    _, tail = rest.split(TABLE_END, 1)
    readme.write_text(f"{head}{TABLE_START}\n{family_table(results)}\n{TABLE_END}{tail}")
    return readme
