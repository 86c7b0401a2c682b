"""Thresholded dendritic segments detecting (unions of) sparse patterns (Ahmad & Hawkins 2016).

Theory in :mod:`assoc.theory` (section "sparse distributed memories"), drivers in
:mod:`assoc.experiments.sdr`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..memory import STATUS_FIXED, STATUS_LIMIT, BaseMemory, Recall, append_rows, check_int, chunk_rows, set_rows
from .bits import _binary_overlaps, n_words, pack_bits, sdr_kernels, unpack_bits


class DendriticSegments(BaseMemory):
    """Pattern detection by thresholded dendritic segments (Ahmad & Hawkins 2016, arXiv:1601.00720).

    Storing a pattern (a of n cells active) grows ``synapses`` = s synapses onto s of its
    active cells, chosen at random. ``union`` consecutive patterns share one segment, whose
    synapses are the union of their subsamples. A segment detects a cue when at least
    ``theta`` of its synapses land on active cue cells.

    Parameters
    ----------
    n : int
        Population size.
    synapses : int
        Synapses s grown per stored pattern (every stored pattern needs >= s active cells).
    theta : int
        Segment threshold, 1 <= theta <= s.
    union : int
        Patterns stored on one segment (M in Ahmad & Hawkins' union analysis).
    backend, seed
        ``seed`` draws the subsamples.
    """

    alphabet = "binary"
    _params = ("synapses", "theta", "union")

    def __init__(
        self,
        n: int,
        synapses: int = 20,
        theta: int = 10,
        *,
        union: int = 1,
        backend: str = "auto",
        seed: int | None = None,
    ):
        super().__init__(n, backend=backend, seed=seed)
        self.synapses = check_int("synapses", synapses, low=1, high=self.n)
        self.theta = check_int("theta", theta, low=1)
        if self.theta > self.synapses:
            raise ValueError(f"theta must be <= synapses (s={self.synapses}), got theta={self.theta}")
        self.union = check_int("union", union, low=1)
        self._reset()

    def _reset(self) -> None:
        self._packed = np.zeros((0, n_words(self.n)), dtype=np.uint64)  # the stored patterns bit-packed
        self._sizes = np.zeros(0, dtype=np.int64)  # and their active cells
        self._sub = np.zeros((0, n_words(self.n)), dtype=np.uint64)
        self._seg = np.zeros((0, n_words(self.n)), dtype=np.uint64)

    @property
    def n_segments(self) -> int:
        return int(self._seg.shape[0])

    def segments(self) -> np.ndarray:
        """``(G, n)`` int8 {0,1}: the cells each segment has synapses on."""
        return unpack_bits(self._seg, self.n)

    def store(self, patterns: Any, values: Any = None) -> None:
        """Store a ``(P, n)`` batch; each pattern needs at least ``synapses`` active cells."""
        if values is not None:
            raise ValueError("values must be None: dendritic segments detect (auto-associate) patterns")
        x = self._check_store(patterns)
        k = sdr_kernels(self.backend.name)
        xpacked, xsizes, least = k.pack_rows(x)
        if least < self.synapses:
            few = np.nonzero(xsizes < self.synapses)[0]
            raise ValueError(
                f"patterns must have at least synapses={self.synapses} active cells; rows "
                f"{few[:5].tolist()} have {xsizes[few[:5]].tolist()}"
            )
        sub = np.zeros_like(x)
        rng, size = self.rng, self.synapses
        for b in range(x.shape[0]):
            sub[b, rng.choice(x[b].nonzero()[0], size=size, replace=False)] = 1
        packed, _, _ = k.pack_rows(sub)
        start = self.patterns.shape[0]
        append_rows(self, "patterns", x)
        append_rows(self, "_packed", xpacked)
        append_rows(self, "_sizes", xsizes)
        append_rows(self, "_sub", packed)
        union = self.union
        if start % union == 0:  # the new patterns start a segment: append the new segments only
            append_rows(self, "_seg", packed if union == 1 else np.bitwise_or.reduceat(
                packed, np.arange(0, packed.shape[0], union), axis=0))
            return
        g_new = (start + x.shape[0] + union - 1) // union
        seg = np.zeros((g_new, self._sub.shape[1]), dtype=np.uint64)
        seg[: self._seg.shape[0]] = self._seg
        for i in range(x.shape[0]):
            seg[(start + i) // union] |= packed[i]
        self._seg = seg

    def recall(self, cues: Any) -> Recall:
        """Detect a ``(B, n)`` batch of cues.

        Returns
        -------
        Recall
            ``states`` (B, n): the stored pattern whose subsample best overlaps the cue among
            the patterns of the matching segments (zeros where no segment matches);
            ``overlaps`` (B, P): cosine overlap ``|s & x_mu| / sqrt(|s| |x_mu|)`` of that
            state with each stored pattern (0 where no segment matched); ``converged`` True
            where some segment matched; ``extra["subsample_overlap"]`` (B, P)
            ``|cue & subsample_mu| / s``, the fraction of each pattern's synapses on active
            cue cells (on the backend); ``extra["segment_overlap"]`` (B, G) int32 synapses
            on active cue cells and ``extra["segment_match"]`` (B, G) bool.
        """
        return self._recall_checked(self._check_cues(cues))

    def _recall_checked(self, x: np.ndarray) -> Recall:
        """:meth:`recall` of a checked ``(B, n)`` int8 {0,1} batch (B >= 1, never written to).
        :class:`assoc.agents.EpisodicMemory` reads through it with ``[code | 0]`` cues of key
        codes it has checked."""
        p = self.patterns.shape[0]
        if p == 0:
            raise ValueError("recall needs stored patterns: call store() first")
        be = self.backend
        b, g = x.shape[0], self._seg.shape[0]
        k = sdr_kernels(be.name)
        packed, _, _ = k.pack_rows(x)
        seg_d, sub_d = be.asarray(self._seg), be.asarray(self._sub)
        # a chunk of cues at a time (integer counts: identical results): per cue its overlaps
        # with the segments and the subsamples, the matches and the state
        step = chunk_rows(b, 13 * p + 5 * g, f"detection of {b} cues by {g} segments of {p} patterns",
                          fixed_bytes=4 * b * (p + g) + 8 * b * p)
        if step >= b:
            seg_ov, sub_ov, match, states, hit = map(be.to_numpy, k.segment_detect(
                seg_d, sub_d, be.asarray(packed), self.theta, self.union, self.patterns))
        else:
            seg_ov = np.empty((b, g), dtype=np.int32)
            sub_ov = np.empty((b, p), dtype=np.int32)
            match = np.empty((b, g), dtype=bool)
            states = np.empty(x.shape, dtype=np.int8)
            hit = np.empty(b, dtype=bool)
            for lo in range(0, b, step):
                hi = min(b, lo + step)
                out = k.segment_detect(seg_d, sub_d, be.asarray(packed[lo:hi]), self.theta, self.union, self.patterns)
                seg_ov[lo:hi], sub_ov[lo:hi], match[lo:hi], states[lo:hi], hit[lo:hi] = map(be.to_numpy, out)
        steps = np.empty(b, dtype=np.int64)
        steps.fill(1)
        return Recall(
            states=be.asarray(states),
            overlaps=_binary_overlaps(be, states, self._packed, self._sizes),
            steps=steps,
            converged=hit,
            status=np.where(hit, np.int8(STATUS_FIXED), np.int8(STATUS_LIMIT)),
            extra={"subsample_overlap": be.asarray(sub_ov / self.synapses), "segment_overlap": seg_ov,
                   "segment_match": match},
        )

    def _extra_state(self) -> dict:
        return {"subsamples": self._sub.copy(), "segment_bits": self._seg.copy()}

    def _load_extra_state(self, state: dict) -> None:
        set_rows(self, "_packed", pack_bits(self.patterns))
        set_rows(self, "_sizes", self.patterns.sum(axis=1, dtype=np.int64))
        set_rows(self, "_sub", np.asarray(state["subsamples"], dtype=np.uint64))
        self._seg = np.array(state["segment_bits"], dtype=np.uint64)
