"""Helpers shared by the figure kinds: the Agg backend, colours, trial-averaged series, grids.

Every figure module takes ``plt`` from here, so the non-interactive Agg backend is selected
before pyplot loads.
"""

from __future__ import annotations

from typing import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..metrics import aggregate  # noqa: E402


def _palette(count: int) -> np.ndarray:
    """``count`` colours spread over viridis (a colour map that prints in grey too)."""
    return plt.cm.viridis(np.linspace(0.1, 0.85, max(1, count)))


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


def _first(table: Sequence[dict], key: str, default=None):
    for row in table:
        if key in row:
            return row[key]
    return default


def _grid2d(table: Sequence[dict], x: str, y: str, value: str):
    """Trial-averaged ``value`` on the (x, y) grid: ``(xs, ys, Z[y, x])`` (NaN where missing)."""
    agg = aggregate(table, [x, y], value)
    xs = np.array(sorted({k[0] for k in agg}))
    ys = np.array(sorted({k[1] for k in agg}))
    z = np.full((len(ys), len(xs)), np.nan)
    for (xv, yv), (mean, _, _) in agg.items():
        z[np.searchsorted(ys, yv), np.searchsorted(xs, xv)] = mean
    return xs, ys, z


def _edges(v: np.ndarray) -> np.ndarray:
    if len(v) == 1:
        return np.array([v[0] - 0.5, v[0] + 0.5])
    mid = (v[1:] + v[:-1]) / 2
    return np.r_[v[0] - (mid[0] - v[0]), mid, v[-1] + (v[-1] - mid[-1])]
