"""Numba CPU kernels of the sparse-distributed memories: bit-packed popcounts and indexes.

Binary vectors are packed 64 bits to a ``uint64`` word (bit ``i % 64`` of word ``i // 64``
holds entry ``i``; see :func:`assoc.memories.bits.pack_bits`). Module-level ``@njit(cache=True)``
functions; inputs are trusted (validated by the public classes). Every kernel computes
integers only, so its twin in :mod:`assoc.kernels.ref_sdr` returns identical results.

Each kernel has a serial and a parallel loop; :func:`assoc.kernels.cpu.run_parallel` (the one
policy of the Numba CPU kernels) chooses between them from the call's work, counted in 64-bit
word operations (a posting-list entry, a scattered counter increment, counts as
:data:`POSTING_COST` of them). A single cue, or a single stored pair, always runs serially.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange, types
from numba.extending import intrinsic

from . import cpu


@intrinsic
def popcount64(typingctx, x):
    """Population count of a ``uint64`` (the LLVM ``ctpop`` intrinsic: one POPCNT)."""
    sig = types.uint64(types.uint64)

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return sig, codegen


@njit(cache=True)
def _nonzero_words(cues):
    """Per row, the indices of its nonzero words and their number (sparse cues skip zeros)."""
    nb, nw = cues.shape
    idx = np.empty((nb, nw), dtype=np.int64)
    cnt = np.zeros(nb, dtype=np.int64)
    for b in range(nb):
        c = 0
        for q in range(nw):
            if cues[b, q] != 0:
                idx[b, c] = q
                c += 1
        cnt[b] = c
    return idx, cnt


#: Word operations counted per posting-list entry (a scattered counter increment costs
#: about as much as eight streamed word popcounts).
POSTING_COST = 8


@njit(cache=True)
def _and_rows(rows, cues, idx, cnt, out, b0, b1):
    nr = rows.shape[0]
    for b in range(b0, b1):
        for j in range(nr):
            c = np.uint64(0)
            for t in range(cnt[b]):
                q = idx[b, t]
                c += popcount64(rows[j, q] & cues[b, q])
            out[b, j] = np.int32(c)


@njit(cache=True)
def _and_t_rows(wt, cues, idx, cnt, out, b0, b1):
    nr = wt.shape[1]
    for b in range(b0, b1):
        o = out[b]
        for t in range(cnt[b]):
            q = idx[b, t]
            cw = cues[b, q]
            row = wt[q]
            for j in range(nr):
                o[j] += np.int32(popcount64(row[j] & cw))


@njit(cache=True)
def _xor_rows(rows, cues, out, b0, b1):
    nr, nw = rows.shape
    for b in range(b0, b1):
        for j in range(nr):
            c = np.uint64(0)
            for q in range(nw):
                c += popcount64(rows[j, q] ^ cues[b, q])
            out[b, j] = np.int32(c)


@njit(cache=True, parallel=True)
def _and_par(rows, cues, idx, cnt, out, transposed):
    nb = cues.shape[0]
    nchunks = min(nb, 256)
    for c in prange(nchunks):
        b0 = c * nb // nchunks
        b1 = (c + 1) * nb // nchunks
        if transposed:
            _and_t_rows(rows, cues, idx, cnt, out, b0, b1)
        else:
            _and_rows(rows, cues, idx, cnt, out, b0, b1)


@njit(cache=True, parallel=True)
def _xor_par(rows, cues, out):
    nb = cues.shape[0]
    nchunks = min(nb, 256)
    for c in prange(nchunks):
        _xor_rows(rows, cues, out, c * nb // nchunks, (c + 1) * nb // nchunks)


def and_popcount(rows, cues):
    """``out[b, j] = popcount(rows[j] & cues[b])``: the dendritic sums of a packed matrix.

    rows : uint64 (R, W) packed rows (one row per detecting unit, bits over inputs)
    cues : uint64 (B, W) packed cues
    Returns int32 (B, R). Only the nonzero words of each cue are visited. Parallel over
    cues when :func:`assoc.kernels.cpu.run_parallel` says the work is worth it.
    """
    idx, cnt = _nonzero_words(cues)
    out = np.zeros((cues.shape[0], rows.shape[0]), dtype=np.int32)
    if cpu.run_parallel(int(cnt.sum()) * rows.shape[0], cues.shape[0]):
        _and_par(rows, cues, idx, cnt, out, False)
    else:
        _and_rows(rows, cues, idx, cnt, out, 0, cues.shape[0])
    return out


def and_popcount_t(wt, cues):
    """``out[b, j] = popcount(wt[:, j] & cues[b])`` for word-major packed synapses.

    wt : uint64 (W, R): word q of unit j's input bits at ``wt[q, j]`` (Willshaw's layout)
    cues : uint64 (B, W) packed cues
    Returns int32 (B, R). For each nonzero word of a cue the inner loop streams one
    contiguous row of ``wt`` (vectorised popcounts), so a sparse cue touches few rows.
    """
    idx, cnt = _nonzero_words(cues)
    out = np.zeros((cues.shape[0], wt.shape[1]), dtype=np.int32)
    if cpu.run_parallel(int(cnt.sum()) * wt.shape[1], cues.shape[0]):
        _and_par(wt, cues, idx, cnt, out, True)
    else:
        _and_t_rows(wt, cues, idx, cnt, out, 0, cues.shape[0])
    return out


def xor_popcount(rows, cues):
    """Hamming distances ``out[b, j] = popcount(rows[j] ^ cues[b])``; int32 (B, R)."""
    out = np.zeros((cues.shape[0], rows.shape[0]), dtype=np.int32)
    if cpu.run_parallel(cues.shape[0] * rows.shape[0] * rows.shape[1], cues.shape[0]):
        _xor_par(rows, cues, out)
    else:
        _xor_rows(rows, cues, out, 0, cues.shape[0])
    return out


@njit(cache=True)
def _or_column(wt, indptr, members, keys, mask_t, idx, cnt, j):
    for t in range(indptr[j], indptr[j + 1]):
        mu = members[t]
        for u in range(cnt[mu]):
            q = idx[mu, u]
            wt[q, j] |= keys[mu, q] & mask_t[q, j]


@njit(cache=True)
def _or_columns_ser(wt, indptr, members, keys, mask_t, idx, cnt):
    for j in range(wt.shape[1]):
        if indptr[j + 1] > indptr[j]:
            _or_column(wt, indptr, members, keys, mask_t, idx, cnt, j)


@njit(cache=True, parallel=True)
def _or_columns_par(wt, indptr, members, keys, mask_t, idx, cnt):
    for j in prange(wt.shape[1]):
        _or_column(wt, indptr, members, keys, mask_t, idx, cnt, j)


@njit(cache=True)
def _or_row(rows, indptr, members, keys, mask, j):
    for t in range(indptr[j], indptr[j + 1]):
        mu = members[t]
        for q in range(rows.shape[1]):
            rows[j, q] |= keys[mu, q] & mask[j, q]


@njit(cache=True)
def _or_rows_ser(rows, indptr, members, keys, mask):
    for j in range(rows.shape[0]):
        _or_row(rows, indptr, members, keys, mask, j)


@njit(cache=True, parallel=True)
def _or_rows_par(rows, indptr, members, keys, mask):
    for j in prange(rows.shape[0]):
        _or_row(rows, indptr, members, keys, mask, j)


def or_rows(rows, indptr, members, keys, mask):
    """Clipped Hebbian storage: ``rows[j] |= keys[mu] & mask[j]`` for every mu in row j's list.

    rows : uint64 (R, W) updated in place
    indptr, members : CSR lists, patterns ``members[indptr[j]:indptr[j+1]]`` have unit j active
    keys : uint64 (P, W) packed keys
    mask : uint64 (R, W) connectivity (all ones without dilution)
    """
    if cpu.run_parallel(int(indptr[-1]) * rows.shape[1], rows.shape[0]):
        _or_rows_par(rows, indptr, members, keys, mask)
    else:
        _or_rows_ser(rows, indptr, members, keys, mask)


def or_columns(wt, indptr, members, keys, mask_t):
    """Clipped Hebbian storage in word-major layout: ``wt[:, j] |= keys[mu] & mask_t[:, j]``
    for every mu in unit j's list (CSR ``indptr``/``members``); only nonzero key words are
    visited."""
    idx, cnt = _nonzero_words(keys)
    work = int(cnt[members].sum()) if members.size else 0
    if cpu.run_parallel(work, wt.shape[1]):
        _or_columns_par(wt, indptr, members, keys, mask_t, idx, cnt)
    else:
        _or_columns_ser(wt, indptr, members, keys, mask_t, idx, cnt)


def _postings_work(indptr, active, cnt):
    lengths = np.diff(indptr)
    valid = np.arange(active.shape[1])[None, :] < cnt[:, None]
    return int(lengths[active][valid].sum()) if active.size else 0


@njit(cache=True)
def _overlap_rows(indptr, postings, active, cnt, out, b0, b1):
    for b in range(b0, b1):
        for t in range(cnt[b]):
            i = active[b, t]
            for u in range(indptr[i], indptr[i + 1]):
                out[b, postings[u]] += 1


@njit(cache=True, parallel=True)
def _overlap_par(indptr, postings, active, cnt, out):
    nb = active.shape[0]
    nchunks = min(nb, 256)
    for c in prange(nchunks):
        _overlap_rows(indptr, postings, active, cnt, out, c * nb // nchunks, (c + 1) * nb // nchunks)


def index_overlaps(indptr, postings, active, cnt, nstored):
    """Overlap counts of each cue with every stored SDR through an inverted index.

    Parameters
    ----------
    indptr, postings : ndarray
        CSR posting lists: the stored items with bit i active are
        ``postings[indptr[i]:indptr[i+1]]``.
    active : ndarray
        int64 (B, A) active bit indices of the cues (first ``cnt[b]`` valid).
    cnt : ndarray
        Number of active bits of each cue.
    nstored : int
        Number of stored items.

    Returns
    -------
    ndarray
        int32 (B, nstored): the number of shared active bits.
    """
    out = np.zeros((active.shape[0], nstored), dtype=np.int32)
    if cpu.run_parallel(POSTING_COST * _postings_work(indptr, active, cnt), active.shape[0]):
        _overlap_par(indptr, postings, active, cnt, out)
    else:
        _overlap_rows(indptr, postings, active, cnt, out, 0, active.shape[0])
    return out


@njit(cache=True)
def _best_row(indptr, postings, active, cnt, counts):
    """Best match of one cue; ``counts`` (zeros on entry) is left zeroed on return."""
    bi = -1
    bs = 0
    for t in range(cnt):
        i = active[t]
        for u in range(indptr[i], indptr[i + 1]):
            m = postings[u]
            v = np.int64(counts[m]) + 1
            counts[m] = v
            if v > bs or (v == bs and m < bi):
                bs = v
                bi = m
    for t in range(cnt):
        i = active[t]
        for u in range(indptr[i], indptr[i + 1]):
            counts[postings[u]] = 0
    return bi, bs


@njit(cache=True)
def _best_rows(indptr, postings, active, cnt, counts, best, score, b0, b1, stride):
    for b in range(b0, b1, stride):
        bi, bs = _best_row(indptr, postings, active[b], cnt[b], counts)
        best[b] = bi
        score[b] = bs


@njit(cache=True, parallel=True)
def _best_par(indptr, postings, active, cnt, counts2d, best, score):
    nb = active.shape[0]
    nchunks = counts2d.shape[0]
    for c in prange(nchunks):
        _best_rows(indptr, postings, active, cnt, counts2d[c], best, score, c, nb, nchunks)


def _counter_dtype(cnt):
    """Smallest counter type that holds an overlap (at most the cue's active bits): a byte per
    stored item keeps the counters of 100,000 items in L2."""
    top = int(cnt.max()) if cnt.size else 0
    return np.uint8 if top < 255 else (np.uint16 if top < 65535 else np.int32)


def index_best(indptr, postings, active, cnt, nstored):
    """Best match through an inverted index: (index, overlap) of the stored SDR sharing the
    most active bits with each cue (lowest index among ties; -1 and 0 if none shares a bit).

    Only the touched counters are read and reset, so a query costs the total length of its
    posting lists, not the number of stored items.
    """
    nb = active.shape[0]
    best = np.full(nb, -1, dtype=np.int64)
    score = np.zeros(nb, dtype=np.int32)
    dtype = _counter_dtype(cnt)
    if cpu.run_parallel(POSTING_COST * _postings_work(indptr, active, cnt), nb):
        counts2d = np.zeros((min(nb, 64), nstored), dtype=dtype)
        _best_par(indptr, postings, active, cnt, counts2d, best, score)
    else:
        counts = np.zeros(nstored, dtype=dtype)
        _best_rows(indptr, postings, active, cnt, counts, best, score, 0, nb, 1)
    return best, score
