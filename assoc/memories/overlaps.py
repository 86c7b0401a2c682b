"""Cosine overlaps with stored items for the per-call path of small recalls.

:func:`assoc.metrics.cosine_overlaps` recomputes the squared norms of every stored target and
divides through masks on each call; a recall of one cue against a few dozen items spends most
of its time there. :class:`TargetNorms` keeps the squared norms of one targets array (computed
by the same expression, recomputed whenever the memory rebinds the array), and
:func:`cosine_with_norms` divides without masks when no norm is zero. The numbers are those of
:func:`assoc.metrics.cosine_overlaps` and :func:`assoc.metrics.cosine_from_dots`, bit for bit.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..metrics import cosine_from_dots


def squared_norms(x: np.ndarray) -> np.ndarray:
    """Row-wise squared norms of a 2-D float64 array, as :func:`assoc.metrics.cosine_overlaps`
    computes them."""
    return np.einsum("ij,ij->i", x, x)


def cosine_with_norms(dots: Any, state_sq: np.ndarray, target_sq: np.ndarray) -> np.ndarray:
    """:func:`assoc.metrics.cosine_from_dots` for host NumPy arrays: ``dots / sqrt(state_sq
    target_sq)``, 0 where either norm is 0 (the masked form only where some norm is 0)."""
    a = np.asarray(state_sq, dtype=np.float64)
    b = np.asarray(target_sq, dtype=np.float64)
    den = np.sqrt(a[:, None] * b[None, :])
    if den.size and den.min() > 0:  # no zero norm (and no NaN): the mask selects every entry
        return np.asarray(dots, dtype=np.float64) / den
    return cosine_from_dots(dots, state_sq, target_sq)


class TargetNorms:
    """The squared norms of the latest targets array it was asked about (by identity).

    A memory rebinds its targets (``np.concatenate``, a reset, a load) rather than writing
    into them, so an array it holds is unchanged while it holds it: the cached norms are
    those of the array passed, or are recomputed.
    """

    __slots__ = ("_of", "_sq")

    def __init__(self) -> None:
        self._of: Any = None
        self._sq: np.ndarray | None = None

    def __call__(self, targets: np.ndarray) -> np.ndarray:
        if targets is not self._of:
            self._sq = squared_norms(targets)
            self._of = targets
        return self._sq


def cosine_overlaps_cached(states: np.ndarray, targets: np.ndarray, norms: TargetNorms) -> np.ndarray:
    """:func:`assoc.metrics.cosine_overlaps` of host float64 ``states`` (B, n) with ``targets``
    (P, n), the targets' squared norms from ``norms``."""
    return cosine_with_norms(states @ targets.T, squared_norms(states), norms(targets))
