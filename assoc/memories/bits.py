"""Bit-packed {0,1} vectors, shared by the sparse binary families (:mod:`.willshaw`,
:mod:`.kanerva`, :mod:`.segments`, :mod:`.sparsey`).

Binary vectors are packed 64 to a ``uint64`` word by :func:`pack_bits` (bit ``i % 64`` of
word ``i // 64`` holds entry ``i``), so a popcount of ``rows & cue`` is a dendritic sum. The
popcount kernels live in :mod:`assoc.kernels.cpu_sdr` (Numba) and :mod:`assoc.kernels.ref_sdr`
(NumPy/CuPy reference, identical integer results).
"""

from __future__ import annotations

from functools import lru_cache
from types import SimpleNamespace
from typing import Any

import numpy as np

from ..kernels import kernel
from ..memory import check_patterns, chunk_rows

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



#: The kernels of the sparse binary families (:mod:`assoc.kernels.cpu_sdr`, ``ref_sdr``).
_SDR_KERNELS = ("and_popcount", "and_popcount_t", "xor_popcount", "or_columns", "pack_rows", "binary_overlaps",
                "or_values", "willshaw_step", "sdm_write", "sdm_read", "sparsey_match", "sparsey_draw",
                "code_agreement", "segment_detect")


@lru_cache(maxsize=None)
def sdr_kernels(backend_name: str) -> SimpleNamespace:
    """The sparse families' kernels for a backend, looked up once (attribute per kernel name):
    a call on one row then pays no table lookup."""
    return SimpleNamespace(**{name: kernel(name, backend_name) for name in _SDR_KERNELS})


def _check_sparse_batch(name: str, x: Any, n: int) -> np.ndarray:
    """Binary batch with at least one active bit per row."""
    x = check_patterns(name, x, alphabet="binary", n=n)
    _refuse_empty_rows(name, x.sum(axis=1))
    return x


def _refuse_empty_rows(name: str, sizes: np.ndarray) -> None:
    """ValueError naming ``name`` and its all-zero rows, if any row has no active bit."""
    if not sizes.all():
        empty = np.nonzero(sizes == 0)[0]
        raise ValueError(
            f"{name} must have at least one active bit per row; rows {empty[:5].tolist()} are all zero"
        )


def _check_sparse_packed(name: str, x: Any, n: int, backend_name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_check_sparse_batch`, also returning the rows bit-packed and their active bits
    (host NumPy ``(x, packed, sizes)``), packed by the backend's ``pack_rows`` kernel."""
    x = check_patterns(name, x, alphabet="binary", n=n)
    packed, sizes, least = sdr_kernels(backend_name).pack_rows(x)
    if least == 0:
        _refuse_empty_rows(name, sizes)
    return x, packed, sizes


def _binary_overlaps(backend: Any, states: np.ndarray, targets_packed: Any, target_sizes: np.ndarray) -> Any:
    """Cosine overlaps ``|s & x_mu| / sqrt(|s| |x_mu|)`` of {0,1} states with packed targets.

    The popcount form of :func:`assoc.metrics.cosine_overlaps` (the same numbers): ``states``
    (B, n) int8 on the host, ``targets_packed`` (P, W) uint64 from :func:`pack_bits` and
    ``target_sizes`` (P,) int64 their active bits. Returns (B, P) float64 on ``backend``.
    """
    b, p = states.shape[0], targets_packed.shape[0]
    rows = backend.asarray(targets_packed)
    overlaps = sdr_kernels(backend.name).binary_overlaps
    # a chunk of states at a time (integer counts: identical results): per state the counts
    # and the cosine's temporaries
    step = chunk_rows(b, 8 * 6 * p, f"overlaps of {b} states with {p} stored items", fixed_bytes=8 * b * p)
    if step >= b:
        return overlaps(rows, target_sizes, states)[0]
    xp = backend.xp
    out = xp.empty((b, p), dtype=xp.float64)
    for lo in range(0, b, step):
        out[lo:lo + step] = overlaps(rows, target_sizes, states[lo:lo + step])[0]
    return out
