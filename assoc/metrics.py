"""Overlaps, retrieval success, information measures and table aggregation.

A *table* is what the sweep store returns: a list of row dicts, each holding the resolved
parameters of a point, its ``trial`` and the metrics its driver returned.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable, Sequence

import numpy as np


def mattis_overlap(states: Any, patterns: Any) -> np.ndarray:
    """``m[b, mu] = xi_mu . s_b / n`` for +/-1 arrays; shape (B, P)."""
    s = np.asarray(states, dtype=np.float64)
    x = np.asarray(patterns, dtype=np.float64)
    return s @ x.T / s.shape[1]


def retrieval_success(overlap: Any, threshold: float = 0.9) -> np.ndarray:
    """Boolean array: overlap at least ``threshold``."""
    return np.asarray(overlap) >= threshold


def binary_entropy(p: Any) -> np.ndarray:
    """H(p) in bits, with H(0) = H(1) = 0."""
    p = np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -(p * np.log2(p) + (1 - p) * np.log2(1 - p))
    return np.nan_to_num(h)


def aggregate(
    table: Sequence[dict], by: Sequence[str], value: str
) -> dict[tuple, tuple[float, float, int]]:
    """Mean, standard error and count of ``value`` over trials, grouped by ``by``.

    Returns ``{key_tuple: (mean, sem, count)}`` ordered by key. Rows where ``value`` is
    missing or NaN are left out of the mean (and of the count).
    """
    groups: dict[tuple, list[float]] = defaultdict(list)
    for row in table:
        v = row.get(value)
        if v is None or (isinstance(v, float) and np.isnan(v)):
            continue
        groups[tuple(row[k] for k in by)].append(float(v))
    out = {}
    for key in sorted(groups):
        vals = np.asarray(groups[key])
        sem = float(vals.std(ddof=1) / np.sqrt(len(vals))) if len(vals) > 1 else 0.0
        out[key] = (float(vals.mean()), sem, len(vals))
    return out


def crossing(x: Iterable[float], y: Iterable[float], level: float = 0.5) -> float:
    """First x where ``y`` falls through ``level`` (linear interpolation); NaN if it never does."""
    x = np.asarray(list(x), dtype=np.float64)
    y = np.asarray(list(y), dtype=np.float64)
    order = np.argsort(x)
    x, y = x[order], y[order]
    for i in range(len(x) - 1):
        if y[i] >= level > y[i + 1]:
            return float(x[i] + (level - y[i]) * (x[i + 1] - x[i]) / (y[i + 1] - y[i]))
    return float("nan")


def transition_points(
    table: Sequence[dict], *, x: str, y: str, by: str, level: float = 0.5
) -> dict[Any, float]:
    """For each value of ``by``, the ``x`` where the trial-mean of ``y`` crosses ``level``."""
    agg = aggregate(table, [by, x], y)
    out: dict[Any, list] = defaultdict(list)
    for (g, xv), (mean, _, _) in agg.items():
        out[g].append((xv, mean))
    return {g: crossing([a for a, _ in pts], [b for _, b in pts], level) for g, pts in sorted(out.items())}
