"""Agents with and without an episodic memory: learning curves."""

from __future__ import annotations

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
