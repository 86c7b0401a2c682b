"""Numba CPU kernel of the dense associative memories: one asynchronous sweep in pattern space.

The state of a cue is kept as its overlaps ``M_mu = x_mu . s`` with the P stored (integer)
patterns. Updating spin i needs the energy gap

    Delta_i = sum_mu F(A_mu + x_mu,i) - F(A_mu - x_mu,i),   A_mu = M_mu - x_mu,i s_i,

which is O(P), and a flip changes every overlap by ``(new - old) x_mu,i``, again O(P). The
arithmetic (float64 powers by repeated multiplication, sums in pattern order, exponentials
from a shared table) matches :mod:`assoc.kernels.ref_dense` operation for operation, so the
numba and numpy backends give identical states.

The table kernel reads ``F`` from a table (two dot products per visit); for ``F(x) = x**3`` its
cubic closed form needs one dot product with the squared overlaps per visit and plain
arithmetic per flip (see the section "cubic kernel" for the exactness rule of its float32
sums). Overlaps of large batches are BLAS products in float32 where that is exact.

Energy kinds: 0 polynomial ``F(x) = x**degree``, 1 rectified polynomial ``max(x, 0)**degree``,
2 exponential ``F(x) = exp(x)`` (patterns in {-1, 0, +1} only; the sum is shifted by the
largest overlap and read from ``table[k] = exp(-k)``, so it never overflows).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from .cpu import Dual, _new_spin, run_parallel


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


# --------------------------------------------------------------------------- cubic kernel
#
# For F(x) = x**3 on raw integer overlaps and patterns in {-1, +1} the table vectors are
# polynomials in M: u = 6 M**2 + 8, v = 12 M, w = 6 M**2 + 2. With D_i = sum_mu x_mu,i M_mu**2,
# C_i = sum_mu x_mu,i (a column sum of the patterns) and S = sum_mu M_mu,
#
#     Delta_i = 6 D_i + 8 C_i - 12 s_i S     (s_i = +/-1)
#     Delta_i = 6 D_i + 2 C_i                 (s_i = 0, an unknown entry)
#
# the same integers as the table kernel's sums. A spin visit is one dot product of the int8
# pattern row with the float32 squares g_mu = M_mu**2, and a flip updates M and g with
# arithmetic (no table reads); S moves by (new - old) C_i.
#
# Exactness (every value an integer held exactly):
#   M and g in float32: |M| <= n and g <= n**2 < 2**24 (n <= 4096, checked by the caller);
#   D_i summed in float32, in any order, while S2 = sum_mu M_mu**2 < 2**24 (every partial sum
#   of the terms +/-g_mu is at most S2 in magnitude), else in float64 (exact while
#   P n**2 < 2**53, implied by the raw-overlap rule of ``assoc.memories.dense._power_scale``);
#   S2 kept exactly in float64 as the overlaps move: a flip by d adds 2 d sum_mu x_mu M_mu
#   + d**2 P, that sum taken in float32 while P n < 2**24 (every partial sum is at most
#   sum_mu |M_mu| <= P n), else in float64;
#   Delta_i in int64, converted to float64 exactly (|Delta_i| < 2**53 by the same rule).
# Reassociation is allowed only inside these integer-valued sums (``_dot32``, ``_dot64``,
# ``_move32``, ``_move64``), so the heat-bath arithmetic stays operation for operation that
# of the twin.

#: Below this bound every float32 sum of integers is exact, whatever the order.
F32_EXACT = 2.0**24


@njit(cache=True, fastmath={"reassoc"})
def _dot32(x, g):
    acc = np.float32(0.0)
    for mu in range(g.shape[0]):
        acc += x[mu] * g[mu]
    return acc


@njit(cache=True, fastmath={"reassoc"})
def _dot64(x, g):
    acc = 0.0
    for mu in range(g.shape[0]):
        acc += np.float64(x[mu]) * np.float64(g[mu])
    return acc


@njit(cache=True, fastmath={"reassoc"})
def _move32(m, g, x, d):
    """``m += d x`` and ``g = m**2`` (float32, exact integers); returns ``sum_mu x_mu m_mu`` of
    the old ``m`` summed in float32 (exact: every partial sum is at most P n < 2**24)."""
    acc = np.float32(0.0)
    for mu in range(m.shape[0]):
        mo = m[mu]
        acc += x[mu] * mo
        v = mo + d * x[mu]
        m[mu] = v
        g[mu] = v * v
    return acc


@njit(cache=True, fastmath={"reassoc"})
def _move64(m, g, x, d):
    """:func:`_move32` with the sum in float64 (P n >= 2**24)."""
    acc = 0.0
    for mu in range(m.shape[0]):
        mo = m[mu]
        acc += np.float64(x[mu]) * np.float64(mo)
        v = mo + d * x[mu]
        m[mu] = v
        g[mu] = v * v
    return acc


def _dense_async_sweep_cubic(s, overlaps, xt, colsum, gaps, known, order, active, clamp, gscale, temperature,
                             uniforms):
    """One random-sequential sweep of the cubic polynomial memory (``F(x) = x**3``, raw integer
    overlaps, patterns in {-1, +1}, n <= 4096) from the closed form above.

    s : int8 (B, N); overlaps : int64 (B, P), updated in place; xt : int8 (N, P) patterns
    transposed; colsum : int64 (N,) ``xt.sum(axis=1)``
    gaps, known : float64 (B, N) the gaps of every spin at the start of the sweep for the cues
        with ``known[b]`` (bool (B,)), read instead of dot products until the cue's first flip
        (``gaps`` may have no columns when no cue is known)
    gscale, temperature, uniforms, order, active, clamp : as in :func:`dense_async_sweep`

    Returns int64 (B,) number of flips per cue (states equal the table kernel's).
    """
    nb, n = s.shape
    p = xt.shape[1]
    small = float(p) * float(n) < F32_EXACT  # sums of +/-M in float32 (see _move32)
    flips = np.zeros(nb, dtype=np.int64)
    for b in prange(nb):
        if not active[b]:
            continue
        ov = overlaps[b]
        m = np.empty(p, dtype=np.float32)
        g = np.empty(p, dtype=np.float32)
        sm = np.int64(0)
        s2 = 0.0
        for mu in range(p):
            o = ov[mu]
            m[mu] = o
            g[mu] = o * o
            sm += o
            s2 += o * o
        fresh = known[b]
        count = 0
        for t in range(n):
            i = order[b, t]
            if clamp[b, i]:
                continue
            old = s[b, i]
            xrow = xt[i]
            c = colsum[i]
            if fresh:
                delta = gaps[b, i]
            else:
                if s2 < F32_EXACT:
                    d = np.int64(_dot32(xrow, g))
                else:
                    d = np.int64(_dot64(xrow, g))
                if old == 0:
                    di = 6 * d + 2 * c
                else:
                    di = 6 * d + 8 * c - 12 * np.int64(old) * sm
                delta = np.float64(di)
            if temperature == 0.0:
                new = _new_spin(delta, old, 0.0, 0.0)
            else:
                new = _heat_bath(gscale * delta / temperature, uniforms[b, t])
            if new != old:
                s[b, i] = new
                dd = np.int64(new) - np.int64(old)
                if small:
                    xm = np.float64(_move32(m, g, xrow, np.float32(dd)))
                else:
                    xm = _move64(m, g, xrow, np.float32(dd))
                s2 += 2.0 * dd * xm + float(dd * dd * p)
                sm += dd * c
                fresh = False
                count += 1
        if count:
            for mu in range(p):
                ov[mu] = np.int64(m[mu])
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


class _TableSweep(Dual):
    """The table kernel, and the cubic closed form when the caller passes ``colsum`` (a
    trailing argument: the column sums of the +/-1 patterns, which only the cubic form needs;
    the table arguments are then unused) and, optionally, ``gaps = (values, known)``: the exact
    gaps of every spin at the start of the sweep for the cues with ``known`` (see
    ``_dense_async_sweep_cubic``). Each form is its own :class:`Dual`."""

    def __init__(self):
        super().__init__(_dense_async_sweep_table, _work)
        self.cubic = Dual(_dense_async_sweep_cubic, _work)

    def __call__(self, s, overlaps, xt, order, active, clamp, ftab, off, pm1, exact, gscale, temperature, uniforms,
                 colsum=None, gaps=None):
        if colsum is None:
            return super().__call__(s, overlaps, xt, order, active, clamp, ftab, off, pm1, exact, gscale, temperature,
                                    uniforms)
        if gaps is None:
            values, known = np.empty((s.shape[0], 0)), np.zeros(s.shape[0], dtype=bool)
        else:
            values, known = gaps
        return self.cubic(s, overlaps, xt, colsum, values, known, order, active, clamp, gscale, temperature, uniforms)


#: Float entries of one block of patterns in the BLAS form of :func:`dense_overlaps` (32 MiB as float32).
_BLOCK_ENTRIES = 2**23


def _product_dtype(n, xt):
    """float32 when every partial sum of ``s @ xt`` (s in {-1, 0, +1}, n terms no larger than
    the largest entry ``xt``'s integer dtype can hold) stays below 2**24, float64 below 2**53,
    else None (the integer loop)."""
    top = float(n) * 2.0 ** (8 * xt.dtype.itemsize - 1)
    if top < F32_EXACT:
        return np.float32
    if top < 2.0**53:
        return np.float64
    return None


class _Overlaps(Dual):
    """Integer overlaps ``s @ xt``: calls with enough work for the thread pool (the policy of
    :func:`assoc.kernels.cpu.run_parallel`) run as BLAS products in float32 (or float64, see
    ``_product_dtype``), exact because every partial sum is an integer within the type's
    exact range, a block of patterns at a time, or in one product from ``xf`` (``xt`` as
    float32, (N, P)) when the caller holds it; smaller calls run the serial integer loop."""

    def __init__(self):
        super().__init__(_dense_overlaps, lambda s, xt: s.shape[0] * s.shape[1] * xt.shape[1])

    def __call__(self, s, xt, xf=None):
        nb, n = s.shape
        ft = _product_dtype(n, xt)
        if ft is None or not run_parallel(self.work(s, xt), nb):
            return super().__call__(s, xt)
        if xf is not None and ft is np.float32:
            out = np.empty((nb, xt.shape[1]), dtype=np.int64)
            out[:] = s.astype(np.float32) @ xf
            return out
        x = xt.T  # (P, N); pattern-major blocks make the faster BLAS layout
        p = x.shape[0]
        out = np.empty((nb, p), dtype=np.int64)
        st = s.T.astype(ft)
        step = max(1, _BLOCK_ENTRIES // max(1, n))
        for p0 in range(0, p, step):
            out[:, p0:p0 + step] = (x[p0:p0 + step].astype(ft, order="C") @ st).T
        return out


#: Parallel over cues for large batches, serial for small ones (see :class:`assoc.kernels.cpu.Dual`).
dense_async_sweep = Dual(_dense_async_sweep, _work)
#: The table kernel; with a trailing ``colsum`` the cubic closed form (see ``_TableSweep``).
dense_async_sweep_table = _TableSweep()
#: Integer overlaps of states with patterns (see ``_dense_overlaps`` and ``_Overlaps``).
dense_overlaps = _Overlaps()
