"""Reinforcement-learning benchmarks: learning curves of agents with and without an episodic
memory, one panel per environment, and the table of the POPGym benchmark with the recall
accuracy of each memory (:func:`popgym_table`)."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Sequence

import numpy as np

from ._common import plt
from ._registry import figure_kind
from .agents import _read_rows, _write_rows, load_example

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


#: ``examples/popgym_memory.py``'s ``run`` options of the reduced (``quick``) table.
POPGYM_QUICK = {"agents": ("none", "willshaw", "linear_attention", "softmax_attention"), "seeds": 2, "episodes": 10}
_RETURN_TYPES = {"seed": int, "episode": int, "return": float}
_RECALL_TYPES = {"seed": int, "recall": float, "items": int, "key_dim": int, "code_dim": int, "value_dim": int}


def popgym_recall_rows(table: Sequence[dict], episodes: int = 1) -> list[dict]:
    """Per (env, agent with a memory, seed) of a POPGym benchmark table: the recall accuracy
    that ``examples/popgym_memory.py`` prints (``recall_accuracy`` with seed 1000 + seed, one
    episode), the cards written per episode (``items``), the time-code length (``key_dim``),
    and the memory's code and value lengths (``code_dim``, ``value_dim``)."""
    mod = load_example("popgym_memory")
    key_dim = inspect.signature(mod._Agent).parameters["key_dim"].default
    rows = []
    for env, agent, seed in dict.fromkeys((r["env"], r["agent"], int(r["seed"])) for r in table if r["agent"] != "none"):
        mem = mod.make_memory(agent, key_dim, 1000 + seed)
        rows.append({"env": env, "agent": agent, "seed": seed,
                     "recall": float(mod.recall_accuracy(env, agent, 1000 + seed, episodes=episodes)),
                     "items": int(mod.make_env(env).deck.num_cards), "key_dim": int(key_dim),
                     "code_dim": int(mem.code_dim), "value_dim": int(mem.value_dim)})
    return rows


def popgym_table(results: str | Path = "results", *, quick: bool = False) -> list[dict]:
    """The POPGym benchmark's rows: the returns of ``figures/rl_popgym.png`` (one row per env,
    agent, seed and episode, from the tables its commands write: ``results/rl_popgym_repeat.csv``
    and ``results/rl_popgym_autoencode.csv``, or ``results/rl_popgym.csv``), then one row per
    env, agent and seed with its recall accuracy (:func:`popgym_recall_rows`, computed once and
    kept in ``results/gallery/rl-popgym-recall.csv``).

    With ``quick``: the returns of a reduced run (:data:`POPGYM_QUICK`, computed once and kept
    in ``results/gallery-quick/rl-popgym.csv``) and their recall accuracies."""
    results = Path(results)
    folder = results / ("gallery-quick" if quick else "gallery")
    if quick:
        path = folder / "rl-popgym.csv"
        if path.is_file():
            returns = _read_rows(path, _RETURN_TYPES)
        else:
            returns = load_example("popgym_memory").run(**POPGYM_QUICK)
            _write_rows(returns, path)
    else:
        split = [results / "rl_popgym_repeat.csv", results / "rl_popgym_autoencode.csv"]
        paths = split if all(p.is_file() for p in split) else [results / "rl_popgym.csv"]
        if not all(p.is_file() for p in paths):
            raise FileNotFoundError(f"{paths[0]} is missing: run `python examples/popgym_memory.py` (or the two "
                                    "--envs runs of figures/README.md) first")
        returns = [row for p in paths for row in _read_rows(p, _RETURN_TYPES)]
    cache = folder / "rl-popgym-recall.csv"
    wanted = {(r["env"], r["agent"], int(r["seed"])) for r in returns if r["agent"] != "none"}
    recall = _read_rows(cache, _RECALL_TYPES) if cache.is_file() else []
    if {(r["env"], r["agent"], r["seed"]) for r in recall} != wanted:
        recall = popgym_recall_rows(returns)
        if recall:
            _write_rows(recall, cache)
    return returns + recall
