"""Overlaps (cosine and Mattis), retrieval success, information measures and table aggregation.

A *table* is what the sweep store returns: a list of row dicts, each holding the resolved
parameters of a point, its ``trial`` and the metrics its driver returned.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable, Sequence

import numpy as np


def cosine_from_dots(dots: Any, state_sq: Any, target_sq: Any) -> Any:
    """Cosine similarities from dot products and squared norms, 0 where either norm is 0.

    ``dots[b, mu] / sqrt(state_sq[b] target_sq[mu])`` for ``dots`` (B, P), ``state_sq`` (B,)
    and ``target_sq`` (P,), on whichever array module holds them (NumPy or CuPy). For +/-1
    vectors of length n the denominator is ``sqrt(n * n) = n`` exactly, so the result is the
    Mattis overlap to the last bit; for {0,1} codes the squared norms are the popcounts.
    """
    xp = _array_module(dots)
    a = xp.asarray(state_sq, dtype=xp.float64)
    b = xp.asarray(target_sq, dtype=xp.float64)
    den = xp.sqrt(a[:, None] * b[None, :])
    ok = den > 0
    return xp.where(ok, xp.asarray(dots, dtype=xp.float64) / xp.where(ok, den, 1.0), 0.0)


def _rowwise(states: Any, targets: Any, norm) -> np.ndarray:
    """Row-wise ``s_b . x_b / norm(s_b, x_b)`` on the host, 0 where the norm is 0."""
    from .memory import to_numpy

    s = np.asarray(to_numpy(states), dtype=np.float64)
    t = np.asarray(to_numpy(targets), dtype=np.float64)
    den = norm(s, t)
    num = (s * t).sum(axis=1)
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def cosine(states: Any, targets: Any) -> np.ndarray:
    """Row-wise cosine of ``states`` (B, m) with ``targets`` (B, m); 0 where either row is zero."""
    return _rowwise(states, targets, lambda s, t: np.sqrt((s * s).sum(axis=1) * (t * t).sum(axis=1)))


def support_overlap(states: Any, targets: Any) -> np.ndarray:
    """The Mattis overlap of each state with its own target, on the target's support.

    Row-wise ``s . x / |x|_1`` (``s . x / n`` for +/-1 targets; normalised by 1 - d for diluted
    ternary patterns)."""
    return _rowwise(states, targets, lambda s, t: np.abs(t).sum(axis=1))


def cosine_overlaps(states: Any, targets: Any) -> np.ndarray:
    """Cosine similarity of each state with each target, ``(B, P)`` float64 host NumPy.

    ``s . x / (|s| |x|)``, 0 where either vector is all zero: the Mattis overlap ``s . x / n``
    for +/-1 vectors, ``|s AND x| / sqrt(|s| |x|)`` for {0,1} codes and the usual cosine for
    real vectors. This is what :attr:`assoc.memory.Recall.overlaps` holds for every family.

    Parameters
    ----------
    states : array_like, shape (B, n)
    targets : array_like, shape (P, n)
        The stored items' targets (patterns for auto-association, values for hetero-association).
    """
    s = np.asarray(_host(states), dtype=np.float64)
    x = np.asarray(_host(targets), dtype=np.float64)
    if s.ndim != 2 or x.ndim != 2:
        raise ValueError(f"states and targets must be 2-D (batch, n) and (P, n), got shapes {s.shape} and {x.shape}")
    if s.shape[1] != x.shape[1]:
        raise ValueError(f"targets must have as many columns as states ({s.shape[1]}), got shape {x.shape}")
    return cosine_from_dots(s @ x.T, np.einsum("ij,ij->i", s, s), np.einsum("ij,ij->i", x, x))


def _host(x: Any) -> Any:
    if hasattr(x, "__cuda_array_interface__") and hasattr(x, "get"):
        return x.get()
    return x


def _array_module(x: Any):
    if hasattr(x, "__cuda_array_interface__"):
        import cupy

        return cupy
    return np


def mattis_overlap(states: Any, patterns: Any) -> np.ndarray:
    """The Mattis overlap of every state with every pattern, shape (B, P).

    ``m[b, mu] = xi_mu . s_b / n`` for +/-1 arrays."""
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
