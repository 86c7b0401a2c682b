"""Exact best match over many stored SDRs through an inverted index (:class:`SDRIndex`);
:class:`~assoc.memories.sparsey.Sparsey` retrieves its codes with it."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..kernels import kernel
from ..memory import check_int, check_patterns


class SDRIndex:
    """Exact best match over many stored SDRs through an inverted index over active bits.

    For each bit i the index keeps the posting list of stored items with bit i active; the
    overlap of a cue with every item is accumulated from the posting lists of the cue's
    active bits only. A query with c active bits over P items of k active bits among n costs
    about ``c P k / n`` increments instead of ``P n / 64`` popcounts.

    Parameters
    ----------
    n : int
        Length of the SDRs.
    backend : {"auto", "numpy", "numba", "cupy"}
    """

    def __init__(self, n: int, *, backend: str = "auto"):
        from ..backend import get_backend

        self.n = check_int("n", n, low=1)
        self.backend = get_backend(backend)
        self._bits: list[np.ndarray] = []
        self._items: list[np.ndarray] = []
        self._count = 0
        self._csr: tuple[Any, Any] | None = None

    def __len__(self) -> int:
        return self._count

    def add(self, sdrs: Any) -> np.ndarray:
        """Add a ``(P, n)`` {0,1} batch; returns the indices given to the new items."""
        x = check_patterns("sdrs", sdrs, alphabet="binary", n=self.n)
        items, bits = np.nonzero(x)
        self._bits.append(bits.astype(np.int64))
        self._items.append(items.astype(np.int64) + self._count)
        new = np.arange(self._count, self._count + x.shape[0])
        self._count += x.shape[0]
        self._csr = None
        return new

    def _index(self):
        if self._csr is None:
            bits = np.concatenate(self._bits) if self._bits else np.zeros(0, np.int64)
            items = np.concatenate(self._items) if self._items else np.zeros(0, np.int64)
            order = np.argsort(bits, kind="stable")
            indptr = np.zeros(self.n + 1, dtype=np.int64)
            np.cumsum(np.bincount(bits, minlength=self.n), out=indptr[1:])
            be = self.backend
            self._csr = (indptr, be.asarray(items[order].astype(np.int64)))
        return self._csr

    def _active(self, cues: Any):
        x = check_patterns("cues", cues, alphabet="binary", n=self.n)
        cnt = x.sum(axis=1).astype(np.int64)
        width = max(1, int(cnt.max()))
        active = np.zeros((x.shape[0], width), dtype=np.int64)
        rows, cols = np.nonzero(x)
        pos = np.arange(rows.size) - np.repeat(np.r_[0, np.cumsum(cnt)[:-1]], cnt)
        active[rows, pos] = cols
        return active, cnt

    def overlaps(self, cues: Any) -> np.ndarray:
        """``(B, P)`` int32: active bits each cue shares with each stored item."""
        active, cnt = self._active(cues)
        indptr, postings = self._index()
        out = kernel("index_overlaps", self.backend.name)(indptr, postings, active, cnt, self._count)
        return self.backend.to_numpy(out)

    def best(self, cues: Any) -> tuple[np.ndarray, np.ndarray]:
        """Index and overlap of the best-matching stored item per cue (lowest index among
        ties; index -1 where no item shares an active bit)."""
        active, cnt = self._active(cues)
        indptr, postings = self._index()
        best, score = kernel("index_best", self.backend.name)(indptr, postings, active, cnt, self._count)
        return self.backend.to_numpy(best), self.backend.to_numpy(score)
