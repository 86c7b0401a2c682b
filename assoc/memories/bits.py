"""Bit-packed {0,1} vectors, shared by the sparse binary families (:mod:`.willshaw`,
:mod:`.kanerva`, :mod:`.segments`, :mod:`.sparsey`).

Binary vectors are packed 64 to a ``uint64`` word by :func:`pack_bits` (bit ``i % 64`` of
word ``i // 64`` holds entry ``i``), so a popcount of ``rows & cue`` is a dendritic sum. The
popcount kernels live in :mod:`assoc.kernels.cpu_sdr` (Numba) and :mod:`assoc.kernels.ref_sdr`
(NumPy/CuPy reference, identical integer results).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..kernels import kernel
from ..memory import check_patterns, chunk_rows
from ..metrics import cosine_from_dots
from .overlaps import cosine_with_norms

_LE_WORD = np.dtype("<u8")

#: Rows drawn at a time when making random bit masks (bounds the float draws to ~64 MiB).
_MASK_ROW_BLOCK_BITS = 1 << 23


# --------------------------------------------------------------------------- bit packing


def n_words(n: int) -> int:
    """Number of 64-bit words holding ``n`` bits."""
    return (int(n) + 63) // 64


def pack_bits(x: Any) -> np.ndarray:
    """Pack a ``(B, n)`` {0,1} array into ``(B, ceil(n/64))`` ``uint64`` words (host NumPy).

    Entry ``i`` of a row is bit ``i % 64`` of word ``i // 64``; padding bits are 0.
    """
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"x must have shape (batch, n), got shape {x.shape}")
    b, n = x.shape
    nw = n_words(n)
    packed = np.packbits(x.view(np.uint8) if x.dtype.itemsize == 1 and x.dtype.kind in "biu" else
                         x.astype(np.uint8), axis=1, bitorder="little")
    if packed.shape[1] != nw * 8:  # pad to whole words
        buf = np.zeros((b, nw * 8), dtype=np.uint8)
        buf[:, : packed.shape[1]] = packed
        packed = buf
    return packed.view(_LE_WORD).astype(np.uint64, copy=False).reshape(b, nw)


def unpack_bits(words: Any, n: int) -> np.ndarray:
    """Inverse of :func:`pack_bits`: ``(B, W)`` uint64 words -> ``(B, n)`` int8 {0,1}."""
    w = np.ascontiguousarray(np.asarray(words, dtype=np.uint64)).astype(np.dtype("<u8"), copy=False)
    bits = np.unpackbits(w.view(np.uint8).reshape(w.shape[0], -1), axis=1, bitorder="little")
    return bits[:, :n].astype(np.int8)


def random_bit_mask(rows: int, n: int, p_one: float, rng: np.random.Generator) -> np.ndarray:
    """Packed ``(rows, ceil(n/64))`` mask whose bits are 1 independently with probability ``p_one``."""
    out = np.empty((rows, n_words(n)), dtype=np.uint64)
    step = max(1, _MASK_ROW_BLOCK_BITS // max(1, n))
    for r0 in range(0, rows, step):
        r1 = min(rows, r0 + step)
        out[r0:r1] = pack_bits(rng.random((r1 - r0, n)) < p_one)
    return out



def _check_sparse_batch(name: str, x: Any, n: int) -> np.ndarray:
    """Binary batch with at least one active bit per row."""
    x = check_patterns(name, x, alphabet="binary", n=n)
    empty = np.nonzero(x.sum(axis=1) == 0)[0]
    if empty.size:
        raise ValueError(
            f"{name} must have at least one active bit per row; rows {empty[:5].tolist()} are all zero"
        )
    return x


def _binary_overlaps(backend: Any, states: np.ndarray, targets_packed: Any, target_sizes: np.ndarray) -> Any:
    """Cosine overlaps ``|s & x_mu| / sqrt(|s| |x_mu|)`` of {0,1} states with packed targets.

    The popcount form of :func:`assoc.metrics.cosine_overlaps` (the same numbers): ``states``
    (B, n) int8 on the host, ``targets_packed`` (P, W) uint64 from :func:`pack_bits` and
    ``target_sizes`` (P,) their active bits. Returns (B, P) float64 on ``backend``.
    """
    b, p = states.shape[0], targets_packed.shape[0]
    rows, cues = backend.asarray(targets_packed), backend.asarray(pack_bits(states))
    sizes, tsizes = backend.asarray(states.sum(axis=1)), backend.asarray(target_sizes)
    # a chunk of states at a time (integer counts: identical results): per state the counts
    # and the cosine's temporaries
    step = chunk_rows(b, 8 * 6 * p, f"overlaps of {b} states with {p} stored items", fixed_bytes=8 * b * p)
    if step >= b:
        counts = kernel("and_popcount", backend.name)(rows, cues)
        if isinstance(counts, np.ndarray):  # host arrays: the division without masks where no size is 0
            return cosine_with_norms(counts, sizes, tsizes)
        return cosine_from_dots(counts, sizes, tsizes)
    xp = backend.xp
    out = xp.empty((b, p), dtype=xp.float64)
    for lo in range(0, b, step):
        counts = kernel("and_popcount", backend.name)(rows, cues[lo:lo + step])
        out[lo:lo + step] = cosine_from_dots(counts, sizes[lo:lo + step], tsizes)
    return out
