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
    """Per row, the indices of its nonzero words and their number (sparse cues skip zeros),
    and the total number of nonzero words."""
    nb, nw = cues.shape
    idx = np.empty((nb, nw), dtype=np.int64)
    cnt = np.zeros(nb, dtype=np.int64)
    total = 0
    for b in range(nb):
        c = 0
        for q in range(nw):
            if cues[b, q] != 0:
                idx[b, c] = q
                c += 1
        cnt[b] = c
        total += c
    return idx, cnt, total


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
    idx, cnt, total = _nonzero_words(cues)
    out = np.zeros((cues.shape[0], rows.shape[0]), dtype=np.int32)
    if cpu.run_parallel(total * rows.shape[0], cues.shape[0]):
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
    idx, cnt, total = _nonzero_words(cues)
    out = np.zeros((cues.shape[0], wt.shape[1]), dtype=np.int32)
    if cpu.run_parallel(total * wt.shape[1], cues.shape[0]):
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
    idx, cnt, _ = _nonzero_words(keys)
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


# --------------------------------------------------------------------------- fused per-call kernels
# The kernels below do a whole step of a memory's store or recall in one call (packing, counts,
# thresholds, cosines), so a call on one row costs one dispatch instead of a dozen small NumPy
# operations. Their twins in assoc.kernels.ref_sdr compose the array operations they replace.


_ONE = np.uint64(1)


@njit(cache=True, inline="always")
def _set_bit(words, i):
    words[i >> 6] |= _ONE << np.uint64(i & 63)


@njit(cache=True)
def _pack_rows(x, out, sizes, b0, b1):
    n = x.shape[1]
    for b in range(b0, b1):
        c = 0
        for i in range(n):
            if x[b, i] != 0:
                _set_bit(out[b], i)
                c += 1
        sizes[b] = c


@njit(cache=True)
def _pack_out(x):
    return np.zeros((x.shape[0], (x.shape[1] + 63) // 64), dtype=np.uint64), np.empty(x.shape[0], dtype=np.int64)


@njit(cache=True)
def _least(sizes):
    return sizes.min() if sizes.shape[0] else 0


@njit(cache=True)
def _pack_into(x, out, sizes):
    """The serial packing into arrays allocated by the caller (a compiled call that hands back
    only a number: boxing new arrays costs more than passing them in)."""
    _pack_rows(x, out, sizes, 0, x.shape[0])
    return _least(sizes)


@njit(cache=True, parallel=True)
def _pack_par(x):
    out, sizes = _pack_out(x)
    nb = x.shape[0]
    nchunks = min(nb, 256)
    for c in prange(nchunks):
        _pack_rows(x, out, sizes, c * nb // nchunks, (c + 1) * nb // nchunks)
    return out, sizes, _least(sizes)


def pack_rows(x):
    """Bit-pack a ``(B, n)`` int8 {0,1} array and count its active bits.

    Returns ``(packed, sizes, least)``: uint64 (B, ceil(n/64)) words as
    :func:`assoc.memories.bits.pack_bits` lays them out, int64 (B,) active bits per row, and
    the fewest active bits of a row (0 for no rows).
    """
    if cpu.run_parallel(x.shape[0] * (x.shape[1] // 8), x.shape[0]):  # a word operation per 8 bytes read
        return _pack_par(x)
    out = np.zeros((x.shape[0], (x.shape[1] + 63) >> 6), dtype=np.uint64)
    sizes = np.empty(x.shape[0], dtype=np.int64)
    return out, sizes, _pack_into(x, out, sizes)


@njit(cache=True)
def _cosine_rows(targets, tsizes, states, cos, sim, nbits, b0, b1):
    p, nw = targets.shape
    n = states.shape[1]
    word = np.zeros(nw, dtype=np.uint64)
    for b in range(b0, b1):
        word[:] = 0
        s = 0
        for i in range(n):
            if states[b, i] != 0:
                _set_bit(word, i)
                s += 1
        for mu in range(p):
            c = np.uint64(0)
            for q in range(nw):
                c += popcount64(targets[mu, q] & word[q])
            shared = np.int64(c)
            den = np.sqrt(np.float64(s) * np.float64(tsizes[mu]))
            cos[b, mu] = np.float64(shared) / den if den > 0 else 0.0
            if nbits > 0:
                sim[b, mu] = 1.0 - np.float64(s + tsizes[mu] - 2 * shared) / np.float64(nbits)


@njit(cache=True, parallel=True)
def _cosine_par(targets, tsizes, states, cos, sim, nbits):
    nb = states.shape[0]
    nchunks = min(nb, 256)
    for c in prange(nchunks):
        _cosine_rows(targets, tsizes, states, cos, sim, nbits, c * nb // nchunks, (c + 1) * nb // nchunks)


def binary_overlaps(targets, target_sizes, states, hamming_bits=0):
    """Cosine overlaps ``|s & x_mu| / sqrt(|s| |x_mu|)`` of {0,1} states with packed targets
    (0 where either is empty), and with ``hamming_bits > 0`` the Hamming similarities
    ``1 - |s ^ x_mu| / hamming_bits``.

    targets : uint64 (P, W) packed targets; target_sizes : int64 (P,) their active bits
    states : int8 (B, n) {0,1} states (packed here, one row at a time)
    Returns ``(cosine, similarity)``: float64 (B, P) each (similarity (B, 0) without
    ``hamming_bits``), the numbers of :func:`assoc.metrics.cosine_from_dots` bit for bit.
    """
    nb, p = states.shape[0], targets.shape[0]
    cos = np.empty((nb, p), dtype=np.float64)
    sim = np.empty((nb, p if hamming_bits > 0 else 0), dtype=np.float64)
    if cpu.run_parallel(nb * p * targets.shape[1], nb):
        _cosine_par(targets, target_sizes, states, cos, sim, hamming_bits)
    else:
        _cosine_rows(targets, target_sizes, states, cos, sim, hamming_bits, 0, nb)
    return cos, sim


@njit(cache=True)
def _or_plan(keys, vals):
    """CSR lists of the pairs active in each value column, the nonzero words of each key and
    the word operations of storing them all."""
    nb, r = vals.shape
    indptr = np.zeros(r + 1, dtype=np.int64)
    for mu in range(nb):
        for j in range(r):
            if vals[mu, j] != 0:
                indptr[j + 1] += 1
    for j in range(r):
        indptr[j + 1] += indptr[j]
    members = np.empty(indptr[r], dtype=np.int64)
    fill = indptr[:r].copy()
    for mu in range(nb):
        for j in range(r):
            if vals[mu, j] != 0:
                members[fill[j]] = mu
                fill[j] += 1
    idx, cnt, _ = _nonzero_words(keys)
    work = 0
    for t in range(members.shape[0]):
        work += cnt[members[t]]
    return indptr, members, idx, cnt, work


@njit(cache=True)
def _or_values_below(wt, keys, vals, mask_t, limit):
    """:func:`_or_plan`, then the serial store when its work is below ``limit`` (one call
    that returns one number for a small store). Returns the work, or -1 when stored."""
    indptr, members, idx, cnt, work = _or_plan(keys, vals)
    if work < limit:
        _or_columns_ser(wt, indptr, members, keys, mask_t, idx, cnt)
        return -1
    return work


def or_values(wt, keys, vals, mask_t):
    """Clipped Hebbian storage of (key, value) pairs in word-major layout: ``wt[:, j] |=
    keys[mu] & mask_t[:, j]`` for every pair mu whose value has unit j active.

    wt : uint64 (W, R) updated in place; keys : uint64 (P, W) packed keys
    vals : int8 (P, R) {0,1} values; mask_t : uint64 (W, R) connectivity
    The loops of :func:`or_columns`, with its CSR lists built here. With more than one
    column, work below the thread pool's threshold (:data:`assoc.kernels.cpu.PARALLEL_MIN_WORK`)
    is stored by the planning call itself, which hands back no arrays.
    """
    if wt.shape[1] > 1 and _or_values_below(wt, keys, vals, mask_t, cpu.PARALLEL_MIN_WORK) < 0:
        return
    indptr, members, idx, cnt, work = _or_plan(keys, vals)  # large work (planned again) or one column
    if cpu.run_parallel(work, wt.shape[1]):
        _or_columns_par(wt, indptr, members, keys, mask_t, idx, cnt)
    else:
        _or_columns_ser(wt, indptr, members, keys, mask_t, idx, cnt)


# the read-out rules of willshaw_step
from .ref_sdr import CLASSIC, CLASSIC_DILUTED, FIXED, KWTA  # noqa: E402


@njit(cache=True)
def _kth_largest(row, k):
    """The k-th largest of a row of non-negative integers (``np.partition``'s value)."""
    top = 0
    for j in range(row.shape[0]):
        if row[j] > top:
            top = row[j]
    hist = np.zeros(top + 1, dtype=np.int64)
    for j in range(row.shape[0]):
        hist[row[j]] += 1
    acc = 0
    t = top
    while t > 0:
        acc += hist[t]
        if acc >= k:
            break
        t -= 1
    return t


@njit(cache=True)
def _step_rows(wt, mask_t, cues, sizes, rule, theta, winners, idx, cnt, states, sums, thr, b0, b1):
    _and_t_rows(wt, cues, idx, cnt, sums, b0, b1)
    if rule == CLASSIC_DILUTED:
        _and_t_rows(mask_t, cues, idx, cnt, thr, b0, b1)
    for b in range(b0, b1):
        if rule == CLASSIC:
            thr[b, 0] = sizes[b]
        elif rule == FIXED:
            thr[b, 0] = theta
        elif rule == KWTA:
            thr[b, 0] = _kth_largest(sums[b], winners)
        for j in range(sums.shape[1]):
            t = thr[b, j] if rule == CLASSIC_DILUTED else thr[b, 0]
            states[b, j] = 1 if sums[b, j] >= t and sums[b, j] >= 1 else 0


@njit(cache=True)
def _step_out(nb, r, rule):
    states = np.empty((nb, r), dtype=np.int8)
    sums = np.zeros((nb, r), dtype=np.int32)
    thr = np.zeros((nb, r if rule == CLASSIC_DILUTED else 1), dtype=np.int32)
    return states, sums, thr


@njit(cache=True)
def _step_ser(wt, mask_t, cues, sizes, rule, theta, winners, states, sums, thr):
    """The serial step into arrays allocated by the caller (``sums`` and ``thr`` zeroed)."""
    idx, cnt, _ = _nonzero_words(cues)
    _step_rows(wt, mask_t, cues, sizes, rule, theta, winners, idx, cnt, states, sums, thr, 0, cues.shape[0])


@njit(cache=True, parallel=True)
def _step_par(wt, mask_t, cues, sizes, rule, theta, winners, idx, cnt):
    nb = cues.shape[0]
    states, sums, thr = _step_out(nb, wt.shape[1], rule)
    nchunks = min(nb, 256)
    for c in prange(nchunks):
        _step_rows(wt, mask_t, cues, sizes, rule, theta, winners, idx, cnt, states, sums, thr,
                   c * nb // nchunks, (c + 1) * nb // nchunks)
    return states, sums, thr


def willshaw_step(wt, mask_t, cues, sizes, rule, theta, winners):
    """One Willshaw retrieval step: dendritic sums ``d_j = popcount(wt[:, j] & cue)``, the
    thresholds of ``rule`` and the units that fire (``d_j >= theta_j`` and ``d_j >= 1``).

    - ``wt``, ``mask_t``: uint64 (W, R) synapses and connectivity (word-major);
    - ``cues``: uint64 (B, W) packed cues; ``sizes``: int64 (B,) their active bits;
    - ``rule``: :data:`CLASSIC` (theta = the cue's active bits), :data:`CLASSIC_DILUTED`
      (theta_j = the active cue bits connected to unit j), :data:`FIXED` (``theta``) or
      :data:`KWTA` (theta = the ``winners``-th largest sum).

    Returns ``(states, sums, thresholds)``: int8 (B, R), int32 (B, R) and int32 (B, R) for
    ``CLASSIC_DILUTED``, else (B, 1).
    """
    nb, nw = cues.shape
    per_word = wt.shape[1] * (2 if rule == CLASSIC_DILUTED else 1)
    if cpu.run_parallel(nb * nw * per_word, nb):  # with every cue word nonzero the pool could pay: count
        idx, cnt, total = _nonzero_words(cues)
        if cpu.run_parallel(total * per_word, nb):
            return _step_par(wt, mask_t, cues, sizes, rule, theta, winners, idx, cnt)
    r = wt.shape[1]
    states = np.empty((nb, r), dtype=np.int8)
    sums = np.zeros((nb, r), dtype=np.int32)
    thr = np.zeros((nb, r if rule == CLASSIC_DILUTED else 1), dtype=np.int32)
    _step_ser(wt, mask_t, cues, sizes, rule, theta, winners, states, sums, thr)
    return states, sums, thr


@njit(cache=True)
def _sdm_write_rows(addresses, counters, keys, vals, radius, l0, l1):
    nw = addresses.shape[1]
    for l in range(l0, l1):
        for mu in range(keys.shape[0]):
            d = np.uint64(0)
            for q in range(nw):
                d += popcount64(addresses[l, q] ^ keys[mu, q])
            if np.int64(d) <= radius:
                for j in range(counters.shape[1]):
                    counters[l, j] += np.int32(2 * vals[mu, j] - 1)


@njit(cache=True)
def _activated(addresses, key, radius, hits):
    """Indices of the hard locations within Hamming ``radius`` of a packed key, written to
    ``hits`` in increasing order; returns how many (a branch-free scan of the addresses)."""
    nl, nw = addresses.shape
    c = 0
    for l in range(nl):
        d = np.uint64(0)
        for q in range(nw):
            d += popcount64(addresses[l, q] ^ key[q])
        hits[c] = l
        c += np.int64(d) <= radius
    return c


@njit(cache=True)
def _sdm_write_ser(addresses, counters, keys, vals, radius):
    """The serial write, key by key: the activated locations first, then their counters."""
    r = counters.shape[1]
    hits = np.empty(addresses.shape[0] + 1, dtype=np.int64)
    delta = np.empty(r, dtype=np.int32)
    for mu in range(keys.shape[0]):
        for j in range(r):
            delta[j] = np.int32(2 * vals[mu, j] - 1)
        c = _activated(addresses, keys[mu], radius, hits)
        for t in range(c):
            row = counters[hits[t]]
            for j in range(r):
                row[j] += delta[j]


@njit(cache=True, parallel=True)
def _sdm_write_par(addresses, counters, keys, vals, radius):
    nl = addresses.shape[0]
    nchunks = min(nl, 256)
    for c in prange(nchunks):
        _sdm_write_rows(addresses, counters, keys, vals, radius, c * nl // nchunks, (c + 1) * nl // nchunks)


def sdm_write(addresses, counters, keys, vals, radius):
    """Kanerva write: ``counters[l] += 2 y_mu - 1`` for every pair mu and every hard location l
    within Hamming ``radius`` of its key.

    addresses : uint64 (L, W) packed hard-location addresses; counters : int32 (L, R) in place
    keys : uint64 (P, W) packed keys; vals : int8 (P, R) {0,1} data
    Parallel over locations when :func:`assoc.kernels.cpu.run_parallel` says so.
    """
    nl = addresses.shape[0]
    if cpu.run_parallel(keys.shape[0] * nl * (addresses.shape[1] + counters.shape[1]), nl):
        _sdm_write_par(addresses, counters, keys, vals, radius)
    else:
        _sdm_write_ser(addresses, counters, keys, vals, radius)


@njit(cache=True)
def _sdm_read_rows(addresses, counters, keys, radius, data, count, b0, b1):
    nl, nw = addresses.shape
    r = counters.shape[1]
    acc = np.zeros(r, dtype=np.int64)
    for b in range(b0, b1):
        acc[:] = 0
        c = 0
        for l in range(nl):
            d = np.uint64(0)
            for q in range(nw):
                d += popcount64(addresses[l, q] ^ keys[b, q])
            if np.int64(d) <= radius:
                c += 1
                for j in range(r):
                    acc[j] += counters[l, j]
        for j in range(r):
            data[b, j] = 1 if acc[j] > 0 else 0
        count[b] = c


@njit(cache=True, parallel=True)
def _sdm_read_par(addresses, counters, keys, radius, data, count):
    nb = keys.shape[0]
    nchunks = min(nb, 256)
    for c in prange(nchunks):
        _sdm_read_rows(addresses, counters, keys, radius, data, count, c * nb // nchunks, (c + 1) * nb // nchunks)


def sdm_read(addresses, counters, keys, radius):
    """Kanerva read: per packed key (B, W), the sum of the counters of the hard locations
    within Hamming ``radius`` (int64, exact) thresholded at > 0, and how many were activated.

    Returns ``(data, count)``: int8 (B, R) {0,1} and int64 (B,).
    """
    nb = keys.shape[0]
    data = np.empty((nb, counters.shape[1]), dtype=np.int8)
    count = np.empty(nb, dtype=np.int64)
    if cpu.run_parallel(nb * addresses.shape[0] * (addresses.shape[1] + counters.shape[1]), nb):
        _sdm_read_par(addresses, counters, keys, radius, data, count)
    else:
        _sdm_read_rows(addresses, counters, keys, radius, data, count, 0, nb)
    return data, count


@njit(cache=True)
def _block_sum(a, lo, n):
    """NumPy's pairwise summation of a block of at most 128 entries ``a[lo:lo + n]``."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[lo + i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - (n % 8):
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit(cache=True)
def _pairwise_sum(a, n):
    """NumPy's pairwise summation of ``a[:n]`` (``np.add.reduce`` on a contiguous float64 row),
    operation for operation: blocks of at most 128 summed by :func:`_block_sum`, longer runs
    split in two (the first half a multiple of 8) and the halves' sums added. The recursion is
    walked with explicit stacks (Numba's cache does not keep recursive functions)."""
    if n <= 128:
        return _block_sum(a, 0, n)
    los = np.empty(128, dtype=np.int64)  # frames: start, length, children pushed
    lens = np.empty(128, dtype=np.int64)
    done = np.empty(128, dtype=np.int64)
    sums = np.empty(128, dtype=np.float64)  # the finished sums, in order
    sp, vp = 1, 0
    los[0], lens[0], done[0] = 0, n, 0
    while sp > 0:
        f = sp - 1
        m = lens[f]
        half = m // 2 - (m // 2) % 8
        if m <= 128:
            sums[vp] = _block_sum(a, los[f], m)
            vp += 1
            sp -= 1
        elif done[f] < 2:
            lo = los[f] + (0 if done[f] == 0 else half)
            ln = half if done[f] == 0 else m - half
            done[f] += 1
            los[sp], lens[sp], done[sp] = lo, ln, 0
            sp += 1
        else:
            sums[vp - 2] = sums[vp - 2] + sums[vp - 1]
            vp -= 1
            sp -= 1
    return sums[0]


@njit(cache=True)
def _match_rows(w, packed, sizes, modules, cells, lam, sigma, g_floor, z, g, best, base, b0, b1):
    nw = w.shape[1]
    peak = np.empty(modules, dtype=np.float64)
    for b in range(b0, b1):
        size = np.float64(sizes[b])
        for m in range(modules):
            top = 0.0
            arg = 0
            for k in range(cells):
                i = m * cells + k
                c = np.uint64(0)
                for q in range(nw):
                    c += popcount64(w[i, q] & packed[b, q])
                v = np.float64(np.int64(c)) / size
                if k == 0 or v > top:
                    top = v
                    arg = k
                z[b, m, k] = (-lam) * (v - sigma)
            peak[m] = top
            best[b, m] = arg
        g[b] = _pairwise_sum(peak, modules) / modules
        x = (g[b] - g_floor) / (1.0 - g_floor)
        base[b] = x if x > 0.0 else 0.0


@njit(cache=True, parallel=True)
def _match_par(w, packed, sizes, modules, cells, lam, sigma, g_floor, z, g, best, base):
    nb = packed.shape[0]
    nchunks = min(nb, 256)
    for c in prange(nchunks):
        _match_rows(w, packed, sizes, modules, cells, lam, sigma, g_floor, z, g, best, base,
                    c * nb // nchunks, (c + 1) * nb // nchunks)


def sparsey_match(w, packed, sizes, modules, cells, lam, sigma, g_floor):
    """Sparsey's input match for packed inputs (B, W) with ``sizes`` (B,) active bits.

    w : uint64 (Q K, W) packed afferent weights of the cells (module-major)
    Returns ``(z, g, best, base)``: ``z`` float64 (B, Q, K) the sigmoid exponents
    ``-lam (V - sigma)`` of the normalised matches ``V = U / |u|``; ``g`` (B,) the familiarity
    (mean over modules of the largest V, summed as ``np.mean`` sums); ``best`` int64 (B, Q)
    the cell of largest V per module (lowest among ties); ``base`` (B,) ``max(0, (G -
    g_floor) / (1 - g_floor))``. Every number is the one NumPy computes from the same
    expression (IEEE operations in the same order).
    """
    nb = packed.shape[0]
    z = np.empty((nb, modules, cells), dtype=np.float64)
    g = np.empty(nb, dtype=np.float64)
    best = np.empty((nb, modules), dtype=np.int64)
    base = np.empty(nb, dtype=np.float64)
    if cpu.run_parallel(nb * w.shape[0] * w.shape[1], nb):
        _match_par(w, packed, sizes, modules, cells, lam, sigma, g_floor, z, g, best, base)
    else:
        _match_rows(w, packed, sizes, modules, cells, lam, sigma, g_floor, z, g, best, base, 0, nb)
    return z, g, best, base


@njit(cache=True)
def sparsey_draw(e, p, chi, draws, w, packed):
    """Sparsey's winner draw from ``e = exp(-lam (V - sigma))`` (B, Q, K) and ``p = base **
    gamma`` (B,): ``eta = 1 + chi p``, ``psi = 1 + (eta - 1) / (1 + e)``, and in each module
    the first cell whose cumulative psi reaches ``draws[b, q]`` times the module's total
    (at most K - 1); ``draws`` (B, Q) are uniforms in [0, 1). With learning weights ``w``
    (Q K, W), the winners of row b take ``w[q K + winner] |= packed[b]`` (pass ``w`` with no
    rows to leave weights alone). Returns int64 (B, Q)."""
    nb, nq, nk = e.shape
    winners = np.empty((nb, nq), dtype=np.int64)
    cdf = np.empty(nk, dtype=np.float64)
    for b in range(nb):
        eta = 1.0 + chi * p[b]
        for q in range(nq):
            acc = 0.0
            for k in range(nk):
                acc += 1.0 + (eta - 1.0) / (1.0 + e[b, q, k])
                cdf[k] = acc
            d = draws[b, q] * cdf[nk - 1]
            c = 0
            for k in range(nk):
                if cdf[k] < d:
                    c += 1
            winners[b, q] = min(c, nk - 1)
            if w.shape[0]:
                for t in range(w.shape[1]):
                    w[q * nk + winners[b, q], t] |= packed[b, t]
    return winners


def code_agreement(stored, codes, modules):
    """Fraction of the ``modules`` modules in which each code (B, Q) agrees with each stored
    code (P, Q), the best-agreeing stored code (lowest index among ties) and whether it agrees
    everywhere. Returns float64 (B, P), int64 (B,), bool (B,)."""
    nb, p = codes.shape[0], stored.shape[0]
    agree = np.empty((nb, p), dtype=np.float64)
    best = np.zeros(nb, dtype=np.int64)
    exact = np.zeros(nb, dtype=np.bool_)
    _code_agreement(stored, codes, modules, agree, best, exact)
    return agree, best, exact


@njit(cache=True)
def _code_agreement(stored, codes, modules, agree, best, exact):
    """:func:`code_agreement` into arrays allocated by the caller (``best``, ``exact`` zeroed)."""
    nb, p = codes.shape[0], stored.shape[0]
    for b in range(nb):
        for mu in range(p):
            c = 0
            for q in range(modules):
                if stored[mu, q] == codes[b, q]:
                    c += 1
            agree[b, mu] = np.float64(c) / modules
            if agree[b, mu] > agree[b, best[b]]:
                best[b] = mu
        exact[b] = p > 0 and agree[b, best[b]] == 1.0


@njit(cache=True)
def _detect_rows(seg, sub, cues, theta, union, patterns, seg_ov, sub_ov, match, states, hit, b0, b1):
    ng, nw = seg.shape
    p = sub.shape[0]
    for b in range(b0, b1):
        any_match = False
        for s in range(ng):
            c = np.uint64(0)
            for q in range(nw):
                c += popcount64(seg[s, q] & cues[b, q])
            seg_ov[b, s] = np.int32(c)
            match[b, s] = seg_ov[b, s] >= theta
            any_match = any_match or match[b, s]
        best = 0
        score = np.int32(-2)
        for mu in range(p):
            c = np.uint64(0)
            for q in range(nw):
                c += popcount64(sub[mu, q] & cues[b, q])
            sub_ov[b, mu] = np.int32(c)
            v = sub_ov[b, mu] if match[b, mu // union] else np.int32(-1)
            if v > score:
                score = v
                best = mu
        hit[b] = any_match
        for i in range(patterns.shape[1]):
            states[b, i] = patterns[best, i] if any_match else 0


@njit(cache=True, parallel=True)
def _detect_par(seg, sub, cues, theta, union, patterns, seg_ov, sub_ov, match, states, hit):
    nb = cues.shape[0]
    nchunks = min(nb, 256)
    for c in prange(nchunks):
        _detect_rows(seg, sub, cues, theta, union, patterns, seg_ov, sub_ov, match, states, hit,
                     c * nb // nchunks, (c + 1) * nb // nchunks)


def segment_detect(seg, sub, cues, theta, union, patterns):
    """Dendritic-segment detection of packed cues (B, W).

    seg : uint64 (G, W) segments; sub : uint64 (P, W) the stored patterns' subsamples
    (pattern mu on segment ``mu // union``); patterns : int8 (P, n) the stored patterns.
    Returns ``(seg_ov, sub_ov, match, states, hit)``: int32 (B, G) synapses on active cue
    cells, int32 (B, P) subsample overlaps, bool (B, G) ``seg_ov >= theta``, int8 (B, n) the
    pattern of best subsample overlap among those on matching segments (lowest index among
    ties; zeros where none matches) and bool (B,) whether any segment matches.
    """
    nb = cues.shape[0]
    ng, p = seg.shape[0], sub.shape[0]
    seg_ov = np.empty((nb, ng), dtype=np.int32)
    sub_ov = np.empty((nb, p), dtype=np.int32)
    match = np.empty((nb, ng), dtype=np.bool_)
    states = np.empty((nb, patterns.shape[1]), dtype=np.int8)
    hit = np.empty(nb, dtype=np.bool_)
    if cpu.run_parallel(nb * (ng + p) * seg.shape[1], nb):
        _detect_par(seg, sub, cues, theta, union, patterns, seg_ov, sub_ov, match, states, hit)
    else:
        _detect_rows(seg, sub, cues, theta, union, patterns, seg_ov, sub_ov, match, states, hit, 0, nb)
    return seg_ov, sub_ov, match, states, hit
