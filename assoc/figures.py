"""Figure makers: one function per figure kind, ``kind(table, **options) -> Figure``.

``table`` is a sweep table (list of row dicts, see :func:`assoc.sweep.load_table`). Theory
curves come from :mod:`assoc.theory` and are drawn over the simulations wherever theory
exists. A sweep spec names its figure in ``[figure] kind = "..."``.
"""

from __future__ import annotations

from typing import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from . import theory  # noqa: E402
from .metrics import aggregate, transition_points  # noqa: E402


def _series(table: Sequence[dict], x: str, y: str, by: str | None):
    """``{group: (xs, means, sems)}`` of trial-averaged ``y`` against ``x``."""
    keys = [by, x] if by else [x]
    agg = aggregate(table, keys, y)
    out: dict = {}
    for key, (mean, sem, _) in agg.items():
        g, xv = (key[0], key[1]) if by else (None, key[0])
        out.setdefault(g, ([], [], []))
        out[g][0].append(xv)
        out[g][1].append(mean)
        out[g][2].append(sem)
    return {g: tuple(np.asarray(v) for v in vals) for g, vals in out.items()}


def capacity_curve(
    table: Sequence[dict],
    *,
    x: str = "alpha",
    y: str = "m_mean",
    by: str = "n",
    success: str = "retrieved_09",
    title: str = "Hopfield network: retrieval vs load",
) -> plt.Figure:
    """Final overlap and retrieval success against the load, one curve per network size.

    Left: mean final overlap m (error bars: standard error over trials) with the
    Amit-Gutfreund-Sompolinsky T = 0 retrieval overlap and alpha_c = 0.138. Right: fraction of
    cues retrieved (``success``), with the load where it crosses 1/2 marked for each size.
    """
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    series = _series(table, x, y, by)
    colors = plt.cm.viridis(np.linspace(0.1, 0.85, max(1, len(series))))
    for c, (g, (xs, ms, es)) in zip(colors, series.items()):
        ax1.errorbar(xs, ms, yerr=es, marker="o", ms=3, lw=1.2, color=c, label=f"{by} = {g}")
    a_c = theory.ags_alpha_c()
    xs_th = np.linspace(1e-3, a_c, 300)
    ax1.plot(np.r_[xs_th, a_c, a_c], np.r_[theory.ags_overlap(xs_th), theory.ags_overlap(a_c - 1e-9), 0],
             "k--", lw=1.5, label="AGS theory (n = inf)")
    ax1.axvline(a_c, color="gray", lw=0.8, ls=":")
    ax1.text(a_c, 0.02, rf" $\alpha_c$ = {a_c:.3f}", color="gray", fontsize=8)
    ax1.set_xlabel(r"load $\alpha = P/n$")
    ax1.set_ylabel("final overlap m")
    ax1.set_ylim(-0.02, 1.05)
    ax1.legend(fontsize=8, loc="lower left")
    ax1.set_title(title, fontsize=10)

    succ = _series(table, x, success, by)
    crossings = transition_points(table, x=x, y=success, by=by, level=0.5)
    for c, (g, (xs, ms, es)) in zip(colors, succ.items()):
        xc = crossings.get(g, np.nan)
        label = f"{by} = {g}" + (f": $\\alpha$ = {xc:.3f}" if np.isfinite(xc) else "")
        ax2.errorbar(xs, ms, yerr=es, marker="o", ms=3, lw=1.2, color=c, label=label)
        if np.isfinite(xc):
            ax2.plot([xc], [0.5], "x", color=c, ms=8, mew=2)
    ax2.axvline(a_c, color="gray", lw=0.8, ls=":")
    ax2.axhline(0.5, color="gray", lw=0.5)
    ax2.set_xlabel(r"load $\alpha = P/n$")
    ax2.set_ylabel(f"fraction retrieved ({success})")
    ax2.set_ylim(-0.02, 1.05)
    ax2.legend(fontsize=8, loc="lower left", title="half-retrieval load", title_fontsize=8)
    ax2.set_title("transition: where half the cues are retrieved", fontsize=10)
    return fig
