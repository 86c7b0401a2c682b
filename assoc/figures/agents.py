"""Agents with and without an episodic memory: learning curves, and the tables behind them.

The agent figures are drawn by the examples (``examples/memory_agent.py``,
``examples/popgym_memory.py``), which are part of the source tree, not of the installed
package: :func:`load_example` imports one, and :func:`agent_learning_table` runs
``memory_agent``'s training once and keeps its table, so that the statistics quoted with the
figure (``assoc.figures.summaries``) are computed from the same rows.
"""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Sequence

import numpy as np

from ._common import plt
from ._registry import figure_kind


_AGENT_STYLE = {
    "none": ("no memory", "#7f7f7f"),
    "hopfield": ("Hopfield memory", "#1f77b4"),
    "dense": ("dense memory", "#17becf"),
    "modern_hopfield": ("modern Hopfield memory", "#9467bd"),
    "willshaw": ("Willshaw memory", "#8c564b"),
    "kanerva": ("Kanerva SDM", "#e377c2"),
    "sparsey": ("Sparsey memory", "#2ca02c"),
    "dendritic": ("dendritic-segment memory", "#bcbd22"),
}


@figure_kind("agent_learning_curves", columns=("episode", "reward", "agent", "seed"))
def agent_learning_curves(
    table: Sequence[dict],
    *,
    x: str = "episode",
    y: str = "reward",
    by: str = "agent",
    seed: str = "seed",
    window: int = 25,
    chance: float | None = None,
    title: str = "Key-value recall across a delay: agents with and without an episodic memory",
) -> plt.Figure:
    """Learning curves: ``y`` smoothed over ``window`` episodes per seed, then mean +/- standard
    error over seeds, one curve per ``by`` value; ``chance`` draws the level of guessing."""
    fig, ax = plt.subplots(figsize=(7.5, 4.5), constrained_layout=True)
    order = list(_AGENT_STYLE)
    groups = sorted({r[by] for r in table}, key=lambda g: (order.index(g) if g in order else len(order), str(g)))
    kernel = np.ones(window) / window
    for g in groups:
        rows = [r for r in table if r[by] == g]
        seeds = sorted({r[seed] for r in rows})
        curves = []
        for s in seeds:
            pts = sorted((r[x], r[y]) for r in rows if r[seed] == s)
            vals = np.array([v for _, v in pts], dtype=float)
            curves.append(np.convolve(vals, kernel, mode="valid"))
        length = min(len(c) for c in curves)
        c = np.array([cv[:length] for cv in curves])
        xs = np.arange(length) + window
        mean = c.mean(axis=0)
        sem = c.std(axis=0, ddof=1) / np.sqrt(len(c)) if len(c) > 1 else np.zeros(length)
        label, color = _AGENT_STYLE.get(g, (str(g), None))
        line, = ax.plot(xs, mean, color=color, lw=1.6, label=f"{label} ({len(seeds)} seeds)")
        ax.fill_between(xs, mean - sem, mean + sem, color=line.get_color(), alpha=0.2, lw=0)
    if chance is not None:
        ax.axhline(chance, color="k", ls=":", lw=1, label=f"chance ({chance:g})")
    ax.set_xlabel(f"{x} (end of a {window}-episode window)")
    ax.set_ylabel(f"mean {y} (success rate)")
    ax.set_ylim(-0.02, 1.05)
    ax.legend(fontsize=8, loc="center right")
    ax.set_title(title, fontsize=10)
    return fig


def load_example(name: str) -> ModuleType:
    """The module ``examples/NAME.py`` of the source tree (imported once)."""
    key = f"assoc_example_{name}"
    if key in sys.modules:
        return sys.modules[key]
    path = Path(__file__).resolve().parents[2] / "examples" / f"{name}.py"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: the examples are part of the source tree, not of the installed "
                                "package; run from a clone of the repository")
    spec = importlib.util.spec_from_file_location(key, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[key] = mod
    try:
        spec.loader.exec_module(mod)
    except BaseException:
        del sys.modules[key]
        raise
    return mod


def _read_rows(path: str | Path, types: dict[str, type]) -> list[dict]:
    """The rows of a CSV file, each column converted by ``types`` (others kept as text)."""
    with open(path, newline="") as fh:
        return [{k: types.get(k, str)(v) for k, v in row.items()} for row in csv.DictReader(fh)]


def _write_rows(rows: Sequence[dict], path: str | Path) -> Path:
    """Write rows (sharing the first row's columns) as CSV, creating the folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


#: ``examples/memory_agent.py``'s ``run`` options of the reduced (``quick``) table: every agent,
#: fewer seeds and episodes.
AGENT_QUICK = {"seeds": 2, "episodes": 150}
_AGENT_TYPES = {"seed": int, "episode": int, "reward": float}


def agent_learning_table(results: str | Path = "results", *, quick: bool = False) -> list[dict]:
    """The table of ``figures/agent_learning.png``: one row per (agent, seed, episode) with its
    reward, from ``examples/memory_agent.py``'s ``run`` at its defaults (the run the figure's
    command draws; with ``quick``, :data:`AGENT_QUICK`). Computed once and kept in
    ``results/gallery/agent-learning.csv`` (``results/gallery-quick`` with ``quick``)."""
    path = Path(results) / ("gallery-quick" if quick else "gallery") / "agent-learning.csv"
    if path.is_file():
        return _read_rows(path, _AGENT_TYPES)
    table = load_example("memory_agent").run(**(AGENT_QUICK if quick else {}))
    _write_rows(table, path)
    return table
