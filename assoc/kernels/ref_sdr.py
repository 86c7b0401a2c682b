"""Array-module reference twins of :mod:`assoc.kernels.cpu_sdr` (NumPy, and CuPy alike).

Same integer results as the compiled kernels, written as whole-array operations over blocks
of cues. These are the reference the Numba kernels are tested against, and the path the
``numpy`` and ``cupy`` backends run.
"""

from __future__ import annotations

#: Largest number of uint64 words one block of a broadcast AND/XOR may hold (64 MiB).
_BLOCK_WORDS = 1 << 23


def _xp(a):
    """The array module of ``a``: CuPy for device arrays, else NumPy (no import is attempted
    for host arrays, so a host call costs nothing where CuPy is absent)."""
    if hasattr(a, "__cuda_array_interface__"):
        import cupy

        return cupy
    import numpy

    return numpy


def popcount(xp, x):
    """Per-element population count of a ``uint64`` array."""
    if hasattr(xp, "bitwise_count"):
        return xp.bitwise_count(x)
    x = x - ((x >> 1) & 0x5555555555555555)
    x = (x & 0x3333333333333333) + ((x >> 2) & 0x3333333333333333)
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0F
    return (x * 0x0101010101010101) >> 56


def _pairwise(rows, cues, op):
    xp = _xp(rows)
    nr, nw = rows.shape
    nb = cues.shape[0]
    out = xp.empty((nb, nr), dtype=xp.int32)
    step = max(1, _BLOCK_WORDS // max(1, nr * nw))
    for b0 in range(0, nb, step):
        blk = op(rows[None, :, :], cues[b0 : b0 + step, None, :])
        out[b0 : b0 + step] = popcount(xp, blk).sum(axis=2, dtype=xp.int64).astype(xp.int32)
    return out


def and_popcount(rows, cues):
    """Reference twin of :func:`assoc.kernels.cpu_sdr.and_popcount`."""
    xp = _xp(rows)
    return _pairwise(rows, cues, xp.bitwise_and)


def and_popcount_t(wt, cues):
    """Reference twin of :func:`assoc.kernels.cpu_sdr.and_popcount_t` (word-major synapses)."""
    xp = _xp(wt)
    return _pairwise(wt.T, cues, xp.bitwise_and)


def or_columns(wt, indptr, members, keys, mask_t):
    """Reference twin of :func:`assoc.kernels.cpu_sdr.or_columns` (in place through ``wt.T``)."""
    or_rows(wt.T, indptr, members, keys, mask_t.T)


def xor_popcount(rows, cues):
    """Reference twin of :func:`assoc.kernels.cpu_sdr.xor_popcount`."""
    xp = _xp(rows)
    return _pairwise(rows, cues, xp.bitwise_xor)


def or_rows(rows, indptr, members, keys, mask):
    """Reference twin of :func:`assoc.kernels.cpu_sdr.or_rows` (OR-reduction per row)."""
    xp = _xp(rows)
    import numpy as np

    ip = np.asarray(indptr.get() if hasattr(indptr, "get") else indptr)
    for j in np.nonzero(np.diff(ip))[0]:
        lo, hi = int(ip[j]), int(ip[j + 1])
        acc = xp.bitwise_or.reduce(keys[members[lo:hi]], axis=0)
        rows[j] |= acc & mask[j]


def index_overlaps(indptr, postings, active, cnt, nstored):
    """Reference twin of :func:`assoc.kernels.cpu_sdr.index_overlaps`."""
    xp = _xp(postings)
    import numpy as np

    nb = active.shape[0]
    out = xp.zeros((nb, nstored), dtype=xp.int32)
    ip = indptr
    for b in range(nb):
        bits = active[b, : int(cnt[b])]
        if bits.size == 0:
            continue
        lists = [postings[int(ip[i]) : int(ip[i + 1])] for i in np.asarray(bits.get() if hasattr(bits, "get") else bits)]
        items = xp.concatenate(lists) if lists else xp.zeros(0, dtype=postings.dtype)
        out[b] = xp.bincount(items, minlength=nstored).astype(xp.int32)
    return out


def index_best(indptr, postings, active, cnt, nstored):
    """Reference twin of :func:`assoc.kernels.cpu_sdr.index_best` (lowest index among ties)."""
    xp = _xp(postings)
    counts = index_overlaps(indptr, postings, active, cnt, nstored)
    if nstored == 0:
        nb = active.shape[0]
        return xp.full(nb, -1, dtype=xp.int64), xp.zeros(nb, dtype=xp.int32)
    best = xp.argmax(counts, axis=1).astype(xp.int64)
    score = counts[xp.arange(counts.shape[0]), best]
    best = xp.where(score > 0, best, -1)
    return best, score.astype(xp.int32)

