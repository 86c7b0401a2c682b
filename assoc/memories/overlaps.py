"""Cosine overlaps with stored items for the per-call path of small recalls.

:func:`assoc.metrics.cosine_overlaps` recomputes the squared norms of every stored target and
divides through masks on each call; a recall of one cue against a few dozen items spends most
of its time there. :class:`TargetNorms` keeps the squared norms of one targets array (computed
by the same expression, recomputed whenever the memory rebinds the array), and
:func:`cosine_with_norms` divides without masks when no norm is zero. The numbers are those of
:func:`assoc.metrics.cosine_overlaps` and :func:`assoc.metrics.cosine_from_dots`, bit for bit.
:func:`one_step_books` makes the per-cue books of a recall that is a single read.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..memory import STATUS_FIXED
from ..metrics import cosine_from_dots

#: Norms of at most this many states are tested in Python floats (NumPy reductions cost more
#: than the test on a few values).
_SMALL_STATES = 64


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
    """The squared norms of the latest targets array it was asked about (by identity), and their
    smallest value.

    A memory rebinds its targets (``np.concatenate``, a reset, a load) rather than writing
    into them, so an array it holds is unchanged while it holds it: the cached norms are
    those of the array passed, or are recomputed.
    """

    __slots__ = ("_of", "_sq", "_min")

    def __init__(self) -> None:
        self._of: Any = None
        self._sq: np.ndarray | None = None
        self._min = 0.0

    def __call__(self, targets: np.ndarray) -> np.ndarray:
        if targets is not self._of:
            self._sq = squared_norms(targets)
            # NaN where a norm is NaN (np.min propagates it); 0 for no targets
            self._min = float(self._sq.min()) if self._sq.size else 0.0
            self._of = targets
        return self._sq

    def smallest(self, targets: np.ndarray) -> float:
        """The smallest squared norm of ``targets`` (NaN if one is NaN, 0 if there are none)."""
        self(targets)
        return self._min


def cosine_overlaps_cached(states: np.ndarray, targets: np.ndarray, norms: TargetNorms) -> np.ndarray:
    """:func:`assoc.metrics.cosine_overlaps` of host float64 ``states`` (B, n) with ``targets``
    (P, n), the targets' squared norms from ``norms``.

    When the smallest state norm times the smallest target norm is positive, every product of
    two norms is (rounding is monotone), so the quotient is taken without testing each of the
    B P denominators; otherwise :func:`cosine_with_norms` decides.
    """
    dots = states @ targets.T
    state_sq = squared_norms(states)
    target_sq = norms(targets)
    if state_sq.size <= _SMALL_STATES:
        flat = state_sq.tolist()
        positive = bool(flat) and all(v > 0 for v in flat) and min(flat) * norms.smallest(targets) > 0
    else:
        positive = state_sq.min() * norms.smallest(targets) > 0
    if positive:
        return dots / np.sqrt(state_sq[:, None] * target_sq[None, :])
    return cosine_with_norms(dots, state_sq, target_sq)


def one_step_books(b: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``steps`` (1, int64), ``converged`` (True) and ``status`` (fixed, int8) of ``b`` cues, the
    books of a recall that is one read."""
    steps = np.empty(b, dtype=np.int64)
    steps.fill(1)
    converged = np.empty(b, dtype=bool)
    converged.fill(True)
    status = np.empty(b, dtype=np.int8)
    status.fill(STATUS_FIXED)
    return steps, converged, status
