"""Numba CPU kernel of the dense associative memories: one asynchronous sweep in pattern space.

The state of a cue is kept as its overlaps ``M_mu = x_mu . s`` with the P stored (integer)
patterns. Updating spin i needs the energy gap

    Delta_i = sum_mu F(A_mu + x_mu,i) - F(A_mu - x_mu,i),   A_mu = M_mu - x_mu,i s_i,

which is O(P), and a flip changes every overlap by ``(new - old) x_mu,i``, again O(P). The
arithmetic (float64 powers by repeated multiplication, sums in pattern order, exponentials
from a shared table) matches :mod:`assoc.kernels.ref_dense` operation for operation, so the
numba and numpy backends give identical states.

Energy kinds: 0 polynomial ``F(x) = x**degree``, 1 rectified polynomial ``max(x, 0)**degree``,
2 exponential ``F(x) = exp(x)`` (patterns in {-1, 0, +1} only; the sum is shifted by the
largest overlap and read from ``table[k] = exp(-k)``, so it never overflows).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from .cpu import Dual, _new_spin


@njit(cache=True, inline="always")
def _heat_bath(z, u):
    """+1 with probability 1 / (1 + exp(-z)) against the uniform draw ``u`` (z clipped to
    +/-700 so exp never overflows)."""
    if z > 700.0:
        z = 700.0
    elif z < -700.0:
        z = -700.0
    return 1 if u < 1.0 / (1.0 + math.exp(-z)) else -1


@njit(cache=True, inline="always")
def _gap_poly(ov, xrow, si, rect, degree, inv):
    acc = 0.0
    for mu in range(ov.shape[0]):
        x = xrow[mu]
        a = ov[mu] - x * si
        up = (a + x) * inv
        dn = (a - x) * inv
        if rect:
            if up < 0.0:
                up = 0.0
            if dn < 0.0:
                dn = 0.0
        fu = up
        fd = dn
        for _ in range(degree - 1):
            fu = fu * up
            fd = fd * dn
        acc += fu - fd
    return acc


@njit(cache=True, inline="always")
def _gap_exp(ov, xrow, si, table, c):
    acc = 0.0
    for mu in range(ov.shape[0]):
        x = xrow[mu]
        a = ov[mu] - x * si
        acc += x * table[c - a]
    return acc


@njit(cache=True)
def _max_overlap(ov):
    """The largest overlap (the shift of the exponential kind's sums): recomputed only after a
    flip, not at every spin visit (the same value, one pass over P per flip instead of per visit)."""
    c = ov[0]
    for mu in range(1, ov.shape[0]):
        if ov[mu] > c:
            c = ov[mu]
    return c


def _dense_async_sweep(s, overlaps, xt, order, active, clamp, kind, degree, inv, table, gscale, temperature,
                      uniforms):
    """One random-sequential sweep of a dense associative memory.

    s : int8 (B, N) states, updated in place
    overlaps : int64 (B, P) ``s @ xt``, updated in place
    xt : integer (N, P) stored patterns, transposed
    order : int64 (B, N) visiting order per cue
    active : bool (B,) cues to update
    clamp : bool (B, N) entries never updated
    kind : int 0 polynomial, 1 rectified polynomial, 2 exponential
    degree : int polynomial degree (>= 2)
    inv : float scale applied to overlaps before the power (1.0, or 1/N against overflow)
    table : float64 (L,) ``exp(-k)`` for the exponential kind
    gscale : float energy units of Delta for Glauber: P(+1) = 1 / (1 + exp(-gscale Delta / T))
    temperature : float 0 for deterministic dynamics, > 0 for Glauber
    uniforms : float64 (B, N) uniform draws for Glauber (ignored at T = 0)

    Returns int64 (B,) number of flips per cue.
    """
    nb, n = s.shape
    p = xt.shape[1]
    flips = np.zeros(nb, dtype=np.int64)
    rect = kind == 1
    for b in prange(nb):
        if not active[b]:
            continue
        count = 0
        ov = overlaps[b]
        top = _max_overlap(ov) if kind == 2 else np.int64(0)  # kept in step with the overlaps
        for t in range(n):
            i = order[b, t]
            if clamp[b, i]:
                continue
            old = s[b, i]
            si = np.int64(old)
            c = np.int64(0)
            if kind == 2:
                c = top + 1
                delta = _gap_exp(ov, xt[i], si, table, c)
            else:
                delta = _gap_poly(ov, xt[i], si, rect, degree, inv)
            if temperature == 0.0:
                new = _new_spin(delta, old, 0.0, 0.0)
            else:
                if kind == 2:
                    if delta == 0.0:
                        z = 0.0
                    else:
                        lz = math.log(gscale / temperature) + c + math.log(abs(delta))
                        if lz > 700.0:
                            lz = 700.0
                        z = math.exp(lz)
                        if delta < 0.0:
                            z = -z
                else:
                    z = gscale * delta / temperature
                new = _heat_bath(z, uniforms[b, t])
            if new != old:
                s[b, i] = new
                d = np.int64(new) - si
                for mu in range(p):
                    ov[mu] += d * xt[i, mu]
                if kind == 2:
                    top = _max_overlap(ov)
                count += 1
        flips[b] = count
    return flips


# --------------------------------------------------------------------------- table kernel
#
# For patterns in {-1, 0, +1} the gap of spin i needs F only at M_mu and M_mu +/- 1, 2, so it
# splits into dot products with three per-pattern vectors kept in step with the overlaps:
#
#     u_mu = (F(M+2) - F(M-2)) / 2,  v_mu = ((F(M+2) + F(M-2)) - 2 F(M)) / 2,  w_mu = F(M+1) - F(M-1)
#     Delta_i = sum_mu x_mu,i u_mu - s_i sum_mu |x_mu,i| v_mu      (s_i = +/-1)
#     Delta_i = sum_mu x_mu,i w_mu                                  (s_i = 0, an unknown entry)
#
# F is read from ``ftab[M + off]``. A spin visit is then a pair of dot products; u, v, w are
# refreshed only where a flip moved the overlaps.


@njit(cache=True, fastmath=True)
def _dot_fast(x, y):
    acc = 0.0
    for mu in range(y.shape[0]):
        acc += x[mu] * y[mu]
    return acc


@njit(cache=True, fastmath=True)
def _absdot_fast(x, y):
    acc = 0.0
    for mu in range(y.shape[0]):
        acc += abs(x[mu]) * y[mu]
    return acc


@njit(cache=True)
def _dot_strict(x, y):
    acc = 0.0
    for mu in range(y.shape[0]):
        acc += x[mu] * y[mu]
    return acc


@njit(cache=True)
def _absdot_strict(x, y):
    acc = 0.0
    for mu in range(y.shape[0]):
        acc += abs(x[mu]) * y[mu]
    return acc


@njit(cache=True)
def _sum_strict(y):
    acc = 0.0
    for mu in range(y.shape[0]):
        acc += y[mu]
    return acc


@njit(cache=True)
def _refresh(ov, ftab, off, u, v, w, mu):
    k = ov[mu] + off
    fp2 = ftab[k + 2]
    fm2 = ftab[k - 2]
    u[mu] = (fp2 - fm2) * 0.5
    v[mu] = ((fp2 + fm2) - 2.0 * ftab[k]) * 0.5
    w[mu] = ftab[k + 1] - ftab[k - 1]


def _dense_async_sweep_table(s, overlaps, xt, order, active, clamp, ftab, off, pm1, exact, gscale, temperature,
                            uniforms):
    """One random-sequential sweep with table-driven gaps (patterns in {-1, 0, +1}).

    s : int8 (B, N); overlaps : int64 (B, P); xt : int8 (N, P) patterns transposed
    ftab : float64 F((k - off) * inv) for k = 0 .. 2 off; off : int (>= N + 2)
    pm1 : bool every pattern entry is +/-1 (then sum |x| v is the same for every spin)
    exact : bool every table value and sum is an integer below 2**52 (sums in any order)
    gscale, temperature, uniforms, order, active, clamp : as in :func:`dense_async_sweep`

    Returns int64 (B,) number of flips per cue.
    """
    nb, n = s.shape
    p = xt.shape[1]
    flips = np.zeros(nb, dtype=np.int64)
    for b in prange(nb):
        if not active[b]:
            continue
        ov = overlaps[b]
        u = np.empty(p)
        v = np.empty(p)
        w = np.empty(p)
        for mu in range(p):
            _refresh(ov, ftab, off, u, v, w, mu)
        vsum = _sum_strict(v)
        count = 0
        for t in range(n):
            i = order[b, t]
            if clamp[b, i]:
                continue
            old = s[b, i]
            xrow = xt[i]
            if old == 0:
                delta = _dot_fast(xrow, w) if exact else _dot_strict(xrow, w)
            else:
                lin = _dot_fast(xrow, u) if exact else _dot_strict(xrow, u)
                if pm1:
                    quad = vsum
                else:
                    quad = _absdot_fast(xrow, v) if exact else _absdot_strict(xrow, v)
                delta = lin - old * quad
            if temperature == 0.0:
                new = _new_spin(delta, old, 0.0, 0.0)
            else:
                new = _heat_bath(gscale * delta / temperature, uniforms[b, t])
            if new != old:
                s[b, i] = new
                d = np.int64(new) - np.int64(old)
                for mu in range(p):
                    if xrow[mu] != 0:
                        ov[mu] += d * xrow[mu]
                        _refresh(ov, ftab, off, u, v, w, mu)
                vsum = _sum_strict(v)
                count += 1
        flips[b] = count
    return flips


def _dense_overlaps(s, xt):
    """Integer overlaps ``s @ xt`` (B, P) int64 of states ``s`` (B, N) with patterns ``xt``
    (N, P, C-contiguous): a pass over one spin's P entries per nonzero spin, in integers."""
    nb, n = s.shape
    p = xt.shape[1]
    out = np.zeros((nb, p), dtype=np.int64)
    for b in prange(nb):
        o = out[b]
        for i in range(n):
            si = np.int64(s[b, i])
            if si != 0:
                row = xt[i]
                for mu in range(p):
                    o[mu] += si * row[mu]
    return out


def _work(s, overlaps, xt, *rest):
    return s.shape[0] * s.shape[1] * xt.shape[1]


#: Parallel over cues for large batches, serial for small ones (see :class:`assoc.kernels.cpu.Dual`).
dense_async_sweep = Dual(_dense_async_sweep, _work)
dense_async_sweep_table = Dual(_dense_async_sweep_table, _work)
#: Integer overlaps of states with patterns (see ``_dense_overlaps``).
dense_overlaps = Dual(_dense_overlaps, lambda s, xt: s.shape[0] * s.shape[1] * xt.shape[1])
