"""Reinforcement-learning benchmarks: learning curves of agents with and without an episodic
memory, one panel per environment."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ._common import plt
from ._registry import figure_kind

_STYLE = {
    "none": ("no memory", "#7f7f7f"),
    "hopfield": ("Hopfield", "#1f77b4"),
    "dense": ("dense", "#17becf"),
    "modern_hopfield": ("modern Hopfield", "#9467bd"),
    "willshaw": ("Willshaw", "#8c564b"),
    "linear_attention": ("linear attention", "#ff7f0e"),
    "deltanet": ("DeltaNet", "#d62728"),
    "softmax_attention": ("softmax attention", "#2ca02c"),
}


def _smoothed(values: np.ndarray, window: int) -> np.ndarray:
    window = max(1, min(window, len(values)))
    return np.convolve(values, np.ones(window) / window, mode="valid")


@figure_kind("rl_learning_curves", columns=("episode", "return", "agent", "seed", "env"))
def rl_learning_curves(
    table: Sequence[dict],
    *,
    x: str = "episode",
    y: str = "return",
    by: str = "agent",
    panel: str = "env",
    seed: str = "seed",
    window: int = 5,
    chance: float | None = -0.5,
    title: str = "POPGym memory tasks: a linear agent with an episodic memory of each family, and without",
) -> plt.Figure:
    """Learning curves per environment: ``y`` smoothed over ``window`` episodes per seed, then
    mean +/- standard deviation over seeds, one curve per ``by`` value and one panel per
    ``panel`` value; ``chance`` draws the expected return of guessing."""
    panels = sorted({r[panel] for r in table})
    order = list(_STYLE)
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 4.4), constrained_layout=True,
                             squeeze=False)
    for ax, name in zip(axes[0], panels):
        rows = [r for r in table if r[panel] == name]
        groups = sorted({r[by] for r in rows}, key=lambda g: (order.index(g) if g in order else len(order), str(g)))
        for g in groups:
            sel = [r for r in rows if r[by] == g]
            seeds = sorted({r[seed] for r in sel})
            curves = []
            for s in seeds:
                pts = sorted((r[x], r[y]) for r in sel if r[seed] == s)
                curves.append(_smoothed(np.array([v for _, v in pts], dtype=float), window))
            length = min(len(c) for c in curves)
            c = np.array([cv[:length] for cv in curves])
            xs = np.arange(length) + min(window, length)
            mean = c.mean(axis=0)
            sd = c.std(axis=0, ddof=1) if len(c) > 1 else np.zeros(length)
            label, color = _STYLE.get(g, (str(g), None))
            line, = ax.plot(xs, mean, color=color, lw=1.5, label=f"{label} ({len(seeds)} seeds)")
            ax.fill_between(xs, mean - sd, mean + sd, color=line.get_color(), alpha=0.15, lw=0)
        if chance is not None:
            ax.axhline(chance, color="k", ls=":", lw=1, label=f"guessing ({chance:g})")
        ax.set_title(name, fontsize=10)
        ax.set_xlabel(f"{x} (end of a {window}-episode window)")
        ax.set_ylabel(f"episode {y} (mean +/- sd over seeds)")
        ax.set_ylim(-1.05, 1.05)
        ax.grid(alpha=0.3)
    axes[0][-1].legend(fontsize=7, loc="lower right")
    fig.suptitle(title, fontsize=10)
    return fig
