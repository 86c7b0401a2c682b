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



# --------------------------------------------------------------------------- fused per-call kernels


def pack_rows(x):
    """Reference twin of :func:`assoc.kernels.cpu_sdr.pack_rows` (host NumPy ``x``)."""
    from ..memories.bits import pack_bits
    import numpy as np

    sizes = x.sum(axis=1, dtype=np.int64)
    return pack_bits(x), sizes, int(sizes.min()) if sizes.size else 0


def binary_overlaps(targets, target_sizes, states, hamming_bits=0):
    """Reference twin of :func:`assoc.kernels.cpu_sdr.binary_overlaps`: ``states`` are host
    NumPy; the results live where ``targets`` do."""
    from ..memories.bits import pack_bits
    from ..metrics import cosine_from_dots

    xp = _xp(targets)
    cues = xp.asarray(pack_bits(states))
    sizes = xp.asarray(states.sum(axis=1, dtype="int64"))
    tsizes = xp.asarray(target_sizes)
    cos = cosine_from_dots(and_popcount(targets, cues), sizes, tsizes)
    if hamming_bits <= 0:
        return cos, xp.empty((states.shape[0], 0), dtype=xp.float64)
    dist = xor_popcount(targets, cues).astype(xp.int64)
    return cos, 1.0 - dist / hamming_bits


def or_values(wt, keys, vals, mask_t):
    """Reference twin of :func:`assoc.kernels.cpu_sdr.or_values` (``vals`` host NumPy)."""
    import numpy as np

    xp = _xp(wt)
    cols, rows = np.nonzero(vals.T)
    indptr = np.zeros(vals.shape[1] + 1, dtype=np.int64)
    np.cumsum(np.bincount(cols, minlength=vals.shape[1]), out=indptr[1:])
    or_columns(wt, indptr, xp.asarray(rows.astype(np.int64)), keys, mask_t)


#: Read-out rules of :func:`willshaw_step` (both twins): the classic threshold (the cue's active
#: bits, or with dilution the active bits connected to each unit), a fixed one, k-WTA.
CLASSIC, CLASSIC_DILUTED, FIXED, KWTA = 0, 1, 2, 3


def willshaw_step(wt, mask_t, cues, sizes, rule, theta, winners):
    """Reference twin of :func:`assoc.kernels.cpu_sdr.willshaw_step` (``sizes`` host NumPy)."""
    xp = _xp(wt)
    sums = and_popcount_t(wt, cues)
    if rule == CLASSIC:
        thr = xp.asarray(sizes.astype("int32"))[:, None]
    elif rule == CLASSIC_DILUTED:
        thr = and_popcount_t(mask_t, cues)
    elif rule == FIXED:
        thr = xp.full((sums.shape[0], 1), theta, dtype=xp.int32)
    else:
        r = sums.shape[1]
        thr = xp.partition(sums, r - winners, axis=1)[:, r - winners : r - winners + 1]
    fire = (sums >= thr) & (sums >= 1)
    return fire.astype(xp.int8), sums, thr


def sdm_write(addresses, counters, keys, vals, radius):
    """Reference twin of :func:`assoc.kernels.cpu_sdr.sdm_write` (``vals`` host NumPy)."""
    xp = _xp(counters)
    act = xor_popcount(addresses, keys) <= radius
    for r in range(act.shape[0]):
        rows = xp.nonzero(act[r])[0]
        counters[rows] += xp.asarray(2 * vals[r].astype("int32") - 1)[None, :]


def sdm_read(addresses, counters, keys, radius):
    """Reference twin of :func:`assoc.kernels.cpu_sdr.sdm_read`."""
    xp = _xp(counters)
    act = xor_popcount(addresses, keys) <= radius
    sums = xp.zeros((0, counters.shape[1]), dtype=xp.int64)
    if act.shape[0]:
        sums = xp.stack([counters[xp.nonzero(a)[0]].sum(axis=0, dtype=xp.int64) for a in act])
    return (sums > 0).astype(xp.int8), act.sum(axis=1).astype(xp.int64)


def sparsey_match(w, packed, sizes, modules, cells, lam, sigma, g_floor):
    """Reference twin of :func:`assoc.kernels.cpu_sdr.sparsey_match` (host NumPy)."""
    import numpy as np

    u = np.asarray(and_popcount(w, packed)).astype(np.float64)
    v = (u / sizes.astype(np.float64)[:, None]).reshape(-1, modules, cells)
    g = v.max(axis=2).mean(axis=1)
    base = np.maximum(0.0, (g - g_floor) / (1.0 - g_floor))
    return -lam * (v - sigma), g, v.argmax(axis=2), base


def sparsey_draw(e, p, chi, draws, w, packed):
    """Reference twin of :func:`assoc.kernels.cpu_sdr.sparsey_draw` (host NumPy)."""
    import numpy as np

    eta = 1.0 + chi * p
    psi = 1.0 + (eta[:, None, None] - 1.0) / (1.0 + e)
    cdf = np.cumsum(psi, axis=2)
    winners = np.minimum((cdf < draws[:, :, None] * cdf[:, :, -1:]).sum(axis=2), e.shape[2] - 1)
    if w.shape[0]:
        offsets = np.arange(e.shape[1]) * e.shape[2]
        for b in range(winners.shape[0]):
            w[offsets + winners[b]] |= packed[b]
    return winners


def code_agreement(stored, codes, modules):
    """Reference twin of :func:`assoc.kernels.cpu_sdr.code_agreement` (host NumPy)."""
    import numpy as np

    agree = (stored[None, :, :] == codes[:, None, :]).sum(axis=2, dtype=np.int32) / modules
    best = agree.argmax(axis=1)
    return agree, best, agree[np.arange(len(best)), best] == 1.0


def _host(a):
    """A CuPy array copied to the host; NumPy arrays as they are."""
    return a.get() if hasattr(a, "get") else a


def segment_detect(seg, sub, cues, theta, union, patterns):
    """Reference twin of :func:`assoc.kernels.cpu_sdr.segment_detect` (``patterns`` host
    NumPy; the counts live where ``seg`` does, the states on the host)."""
    import numpy as np

    xp = _xp(seg)
    seg_ov = and_popcount(seg, cues)
    sub_ov = and_popcount(sub, cues)
    match = seg_ov >= theta
    owner = xp.asarray(np.arange(sub.shape[0]) // union)
    best = _host(xp.where(match[:, owner], sub_ov, -1).argmax(axis=1))
    hit = match.any(axis=1)
    states = np.where(_host(hit)[:, None], patterns[best], 0).astype(np.int8)
    return seg_ov, sub_ov, match, states, hit
