"""Numba CPU kernel of the integer Hebbian counts ``C_ij = sum_mu xi_i^mu xi_j^mu``.

The patterns are +/-1, so one bit per entry holds them, and for ``k`` patterns packed into
words ``C_ij = k - 2 popcount(bits_i XOR bits_j)``: one population count covers 64 patterns
of a pair where a matrix product spends 64 multiply-adds. Every entry is an exact integer;
the reference twin (:func:`assoc.kernels.ref.hebbian_counts_add`) forms the same integers by
a float32 matrix product.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from .cpu import Dual
from .cpu_sdr import popcount64


def _hebbian_counts_add(counts, bits_t, k):
    """Add the counts of ``k`` new patterns to ``counts`` in place, diagonal included.

    counts : (n, n) int16 or int32, updated in place (the caller keeps |C| within the dtype)
    bits_t : (W, n) uint64, word w of spin i holds bit ``mu % 64`` of pattern
        ``64 w + mu % 64``: set where ``xi_i = +1`` (padding bits 0)
    k : the number of new patterns
    Returns ``counts``.
    """
    words, n = bits_t.shape
    for i in prange(n):
        acc = np.zeros(n, dtype=np.int32)  # popcounts of row i, at most k
        for w in range(words):
            a = bits_t[w, i]
            row = bits_t[w]
            for j in range(n):
                acc[j] += np.int32(popcount64(a ^ row[j]))
        out = counts[i]
        for j in range(n):
            out[j] += np.int32(k) - (acc[j] + acc[j])
    return counts


#: Add the Hebbian counts of new packed patterns (see ``_hebbian_counts_add``); rows in parallel.
hebbian_counts_add = Dual(_hebbian_counts_add, lambda counts, bits_t, k: counts.shape[0] * counts.shape[1] * (bits_t.shape[0] + 2))
