"""Numba CPU kernel of the dense associative memories: one asynchronous sweep in pattern space.

The state of a cue is kept as its overlaps ``M_mu = x_mu . s`` with the P stored (integer)
patterns. Updating spin i needs the energy gap

    Delta_i = sum_mu F(A_mu + x_mu,i) - F(A_mu - x_mu,i),   A_mu = M_mu - x_mu,i s_i,

which is O(P), and a flip changes every overlap by ``(new - old) x_mu,i``, again O(P). The
arithmetic (float64 powers by repeated multiplication, sums in pattern order, exponentials
from a shared table) matches :mod:`assoc.kernels.ref_dense` operation for operation, so the
numba and numpy backends give identical states.

The table kernel reads ``F`` from a table (two dot products per visit); for ``F(x) = x**3`` its
cubic closed form needs one masked sum of the squared overlaps per visit and plain arithmetic
per flip, on int16 overlaps and the patterns as bits (see the section "cubic kernel": 16-bit
lanes written in LLVM IR, integer sums exact by construction). Overlaps of +/-1 patterns given
as bits are popcounts; others, for large batches, BLAS products in float32 where that is exact.

Energy kinds: 0 polynomial ``F(x) = x**degree``, 1 rectified polynomial ``max(x, 0)**degree``,
2 exponential ``F(x) = exp(x)`` (patterns in {-1, 0, +1} only; the sum is shifted by the
largest overlap and read from ``table[k] = exp(-k)``, so it never overflows).
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

from . import sweeps
from .cpu import Dual, _async_run, _moves_patterns, _new_spin, _renamed, run_parallel
from .cpu_sdr import popcount64


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
# the same integers as the table kernel's sums. The kernel keeps a cue's overlaps as int16
# (|M| <= n <= 4096) and reads the patterns as bits in *lanes* (:func:`cubic_layout`): word j of
# spin i's row (uint16, W words, W a multiple of 16) holds in bit k whether x_mu,i = +1 for the
# pattern mu = k W + j. Then sixteen consecutive overlaps M_{kW+j}, j = j0 .. j0 + 15, meet the
# bits k of sixteen consecutive words, and with S2 = sum_mu M_mu**2,
#
#     D_i = S2 - 2 R_i,   R_i = sum over the patterns with x_mu,i = -1 of M_mu**2,
#
# R_i a masked sum of squares: per 16 patterns a mask from the words, an AND, one
# multiply-add of 16-bit pairs into 32-bit lanes (PMADDWD on x86) and an add, over 2 bytes of
# overlaps and 2 bits of pattern per pattern (the int8 pattern row and float32 squares of the
# former form read 5 bytes, from a row that no longer fits the caches). A flip by d adds
# d x_mu,i to every M_mu in the same lanes and returns sum_mu x_mu,i M_mu, which moves S2 by
# 2 d sum_mu x_mu,i M_mu + d**2 P.
#
# Exactness (every value an integer held exactly, whatever the order of the sums):
#   M in int16: |M| <= n <= 4096 (checked by the caller);
#   a lane loop adds, per 32-bit lane and block of 256 patterns, 32 terms of at most n**2
#   (squares: the pair products of PMADDWD, M_a**2 + M_b**2 <= 2 n**2 < 2**31) or n (the
#   sums of +/-M); the blocks of a group, as many as keep 32 n**2 (or 32 n) times the group
#   below 2**31, are added in int32 lanes, and each group's lanes in int64: exact for every
#   P and every S2, with no other path;
#   S2 and S = sum_mu M_mu kept exactly in int64 as the overlaps move;
#   Delta_i in int64, converted to float64 exactly (|Delta_i| < 2**53 by the raw-overlap rule
#   of ``assoc.memories.dense._power_scale``).
# The lane loops are written in LLVM IR (:func:`_lane_loop`): plain vector integer operations
# (no target intrinsics; LLVM selects PMADDWD for the pair products on x86), so no fast-math
# flag is involved, and the heat-bath arithmetic stays operation for operation that of the
# twin. The padding patterns (P <= kW + j < 16 W) keep M = 0 (reset after each flip) and add
# nothing.

#: Below this bound every float32 sum of integers is exact, whatever the order.
F32_EXACT = 2.0**24
#: Every int32 partial sum of the lane loops stays below this bound (see above).
LANE_EXACT = 2**31 - 1

_I16, _I32, _I64 = ir.IntType(16), ir.IntType(32), ir.IntType(64)
_V16 = ir.VectorType(_I16, 16)
_V8 = ir.VectorType(_I32, 8)
_V8L = ir.VectorType(_I64, 8)
_V16W = ir.VectorType(_I32, 16)
_EVEN = ir.Constant(_V8, list(range(0, 16, 2)))
_ODD = ir.Constant(_V8, list(range(1, 16, 2)))


def _madd(builder, a, b):
    """``<16 x i16> a, b -> <8 x i32>`` with lane l = a_2l b_2l + a_2l+1 b_2l+1 (the pattern
    LLVM selects as one PMADDWD on x86; plain vector IR elsewhere)."""
    prod = builder.mul(builder.sext(a, _V16W), builder.sext(b, _V16W))
    return builder.add(builder.shuffle_vector(prod, prod, _EVEN), builder.shuffle_vector(prod, prod, _ODD))


def _lane_loop(builder, words, m, group, body):
    """Emit the loop over a lane row: for each block of 16 words (``words``: uint16 array struct
    of W entries, W a multiple of 16) and each bit k = 0 .. 15 of them, ``body(builder, minus,
    ptr)`` returns ``<8 x i32>`` to add up, where ``minus`` is the ``<16 x i16>`` mask (-1
    where the bit is 0: x = -1) and ``ptr`` points to the 16 entries ``m[k W + j0 : k W + j0 +
    16]`` of the int16 array struct ``m``. The terms of ``group`` (i64, >= 1) consecutive
    blocks are added in int32 lanes, then joined to an int64 accumulator; returns its i64 total."""
    nw = builder.extract_value(words.shape, 0)
    wp = builder.bitcast(words.data, _I16.as_pointer())
    mp = builder.bitcast(m.data, _I16.as_pointer())
    nblk = builder.udiv(nw, ir.Constant(_I64, 16))
    entry = builder.block
    outer = builder.append_basic_block("lanes_group")
    inner = builder.append_basic_block("lanes_block")
    latch = builder.append_basic_block("lanes_flush")
    done = builder.append_basic_block("lanes_done")
    zero8 = ir.Constant(_V8, None)
    zero64 = ir.Constant(_V8L, None)
    zero16 = ir.Constant(_V16, None)
    builder.cbranch(builder.icmp_signed(">", nblk, ir.Constant(_I64, 0)), outer, done)
    # a group of blocks: [g0, g1)
    builder.position_at_end(outer)
    g0 = builder.phi(_I64)
    acc64 = builder.phi(_V8L)
    g1 = builder.add(g0, group)
    g1 = builder.select(builder.icmp_signed("<", g1, nblk), g1, nblk)
    builder.branch(inner)
    builder.position_at_end(inner)
    jb = builder.phi(_I64)
    acc = builder.phi(_V8)
    off = builder.mul(jb, ir.Constant(_I64, 16))
    w = builder.load(builder.bitcast(builder.gep(wp, [off]), _V16.as_pointer()), align=2)
    total = acc
    for k in range(16):  # unrolled: the 16 bit masks are constants
        bit = ir.Constant(_V16, [(1 << k) if k < 15 else -(1 << 15)] * 16)
        minus = builder.sext(builder.icmp_unsigned("==", builder.and_(w, bit), zero16), _V16)
        ptr = builder.gep(mp, [builder.add(off, builder.mul(nw, ir.Constant(_I64, k)))])
        total = builder.add(total, body(builder, minus, builder.bitcast(ptr, _V16.as_pointer())))
    nxt = builder.add(jb, ir.Constant(_I64, 1))
    jb.add_incoming(g0, outer)
    jb.add_incoming(nxt, inner)
    acc.add_incoming(zero8, outer)
    acc.add_incoming(total, inner)
    builder.cbranch(builder.icmp_signed("<", nxt, g1), inner, latch)
    builder.position_at_end(latch)
    flushed = builder.add(acc64, builder.sext(total, _V8L))
    g0.add_incoming(ir.Constant(_I64, 0), entry)
    g0.add_incoming(g1, latch)
    acc64.add_incoming(zero64, entry)
    acc64.add_incoming(flushed, latch)
    builder.cbranch(builder.icmp_signed("<", g1, nblk), outer, done)
    builder.position_at_end(done)
    res = builder.phi(_V8L)
    res.add_incoming(zero64, entry)
    res.add_incoming(flushed, latch)
    reduce = cgutils.get_or_insert_function(builder.module, ir.FunctionType(_I64, [_V8L]),
                                            "llvm.vector.reduce.add.v8i64")
    return builder.call(reduce, [res])


def _is_lane_row(words, m):
    return (isinstance(words, types.Array) and words.ndim == 1 and words.layout == "C"
            and words.dtype == types.uint16 and isinstance(m, types.Array) and m.ndim == 1
            and m.layout == "C" and m.dtype == types.int16)


@intrinsic
def _masked_squares(typingctx, words, m, group):
    """``sum_mu [bit of mu is 0] m_mu**2`` over a lane row ``words`` (uint16, C-contiguous, a
    multiple of 16 words) and the int16 overlaps ``m`` (16 entries per word); int64. The
    squares of ``group`` blocks of 256 patterns are summed in int32 lanes (32 squares per lane
    per block: exact when ``group * 32 * max m**2 < 2**31``), then in int64."""
    if not (_is_lane_row(words, m) and isinstance(group, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        wa = context.make_array(signature.args[0])(context, builder, args[0])
        ma = context.make_array(signature.args[1])(context, builder, args[1])
        grp = context.cast(builder, args[2], signature.args[2], types.int64)

        def body(b, minus, ptr):
            mk = b.load(ptr, align=2)
            return _madd(b, mk, b.and_(mk, minus))

        return _lane_loop(builder, wa, ma, grp, body)

    return types.int64(words, m, group), codegen


@intrinsic
def _lane_move(typingctx, words, m, d, group):
    """``m_mu += d x_mu`` (x = +1 where the bit of mu is 1, else -1; int16) over a lane row, and
    returns ``sum_mu x_mu m_mu`` of the old ``m``; int64. The terms of ``group`` blocks of 256
    patterns are summed in int32 lanes (32 per lane per block: exact when ``group * 32 * max
    |m| < 2**31``), then in int64. Padding entries move too: the caller resets them."""
    if not (_is_lane_row(words, m) and d == types.int16 and isinstance(group, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        wa = context.make_array(signature.args[0])(context, builder, args[0])
        ma = context.make_array(signature.args[1])(context, builder, args[1])
        grp = context.cast(builder, args[3], signature.args[3], types.int64)
        dv = builder.insert_element(ir.Constant(_V16, ir.Undefined), args[2], ir.Constant(_I32, 0))
        dv = builder.shuffle_vector(dv, dv, ir.Constant(_V16W, [0] * 16))
        one = ir.Constant(_V16, [1] * 16)

        def body(b, minus, ptr):
            x = b.or_(minus, one)  # -1 where the bit is 0, +1 where it is 1
            mk = b.load(ptr, align=2)
            b.store(b.add(mk, b.mul(x, dv)), ptr, align=2)
            return _madd(b, x, mk)

        return _lane_loop(builder, wa, ma, grp, body)

    return types.int64(words, m, d, group), codegen


def lane_words(p: int) -> int:
    """Words W of a lane row for ``p`` patterns: 16 per block of 256 patterns."""
    return 16 * ((p + 255) // 256)


@njit(cache=True)
def _pack_lanes(xt, w):
    """The ``lanes`` of :func:`cubic_layout`: uint16 (N, w), bit k of word j of row i set where
    ``xt[i, k w + j] > 0``."""
    n, p = xt.shape
    out = np.zeros((n, w), dtype=np.uint16)
    for i in range(n):
        row = xt[i]
        o = out[i]
        for k in range(16):
            base = k * w
            for j in range(min(w, p - base)):
                o[j] |= np.uint16(row[base + j] > 0) << np.uint16(k)
    return out


#: Patterns converted at a time into the ``rows`` of :func:`cubic_layout` (bounds its temporaries).
_LAYOUT_BLOCK = 2**22


def cubic_layout(xt, x_rows=None):
    """The bit layouts of +/-1 patterns read by the cubic kernels (host arrays, built once per
    stored set by the caller):

    ``lanes`` uint16 (N, W): bit k of ``lanes[i, j]`` is 1 where ``x_mu,i = +1`` for
    ``mu = k W + j`` (0 for the padding patterns mu >= P), W = :func:`lane_words`;
    ``rows`` uint64 (P, ceil(N / 64)): bit ``i % 64`` of word ``i // 64`` of row mu is 1 where
    ``x_mu,i = +1`` (the overlaps' popcounts, :func:`dense_overlaps`).

    ``xt`` (N, P, C-contiguous) holds the patterns transposed; ``x_rows`` (P, N), when given,
    the same patterns row-major (read for ``rows`` instead of the columns of ``xt``)."""
    n, p = xt.shape
    lanes = _pack_lanes(xt, lane_words(p))
    x = xt.T if x_rows is None else x_rows
    nw = (n + 63) // 64
    by = np.zeros((p, 8 * nw), dtype=np.uint8)
    step = max(1, _LAYOUT_BLOCK // max(1, n))
    for m0 in range(0, p, step):
        by[m0:m0 + step, : (n + 7) // 8] = np.packbits(x[m0:m0 + step] > 0, axis=1, bitorder="little")
    return lanes, by.view("<u8").astype(np.uint64, copy=False)


@njit(cache=True, inline="always")
def _cubic_cue(b, s, overlaps, p, lanes, colsum, order, clamp, gscale, temperature, uniforms):
    """One sweep of cue ``b`` of :func:`_dense_async_sweep_cubic` (arguments as there, ``p`` the
    number of patterns); returns its number of flips."""
    n = s.shape[1]
    pw = 16 * lanes.shape[1]
    # blocks of 256 patterns summed in int32 lanes before int64 (32 terms per lane per block,
    # each at most n**2 for the squares, n for the sums of +/-M)
    squares_group = max(1, LANE_EXACT // (32 * n * n))
    moves_group = max(1, LANE_EXACT // (32 * n))
    ov = overlaps[b]
    m = np.zeros(pw, dtype=np.int16)
    sm = np.int64(0)
    s2 = np.int64(0)
    for mu in range(p):
        o = ov[mu]
        m[mu] = o
        sm += o
        s2 += o * o
    count = 0
    for t in range(n):
        i = order[b, t]
        if clamp[b, i]:
            continue
        old = s[b, i]
        c = colsum[i]
        d = s2 - 2 * _masked_squares(lanes[i], m, squares_group)
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
            xm = _lane_move(lanes[i], m, np.int16(dd), moves_group)
            for mu in range(p, pw):  # the padding moved with x = -1 (adding 0 to xm): back to 0
                m[mu] = 0
            s2 += 2 * dd * xm + dd * dd * p
            sm += dd * c
            count += 1
    if count:
        for mu in range(p):
            ov[mu] = m[mu]
    return count


def _dense_async_sweep_cubic(s, overlaps, xt, lanes, colsum, order, active, clamp, gscale, temperature, uniforms):
    """One random-sequential sweep of the cubic polynomial memory (``F(x) = x**3``, raw integer
    overlaps, patterns in {-1, +1}, n <= 4096) from the closed form above.

    s : int8 (B, N); overlaps : int64 (B, P), updated in place; xt : int8 (N, P) patterns
    transposed (read for P only); lanes : uint16 (N, W) the same patterns as lane rows
    (:func:`cubic_layout`); colsum : int64 (N,) ``xt.sum(axis=1)``
    gscale, temperature, uniforms, order, active, clamp : as in :func:`dense_async_sweep`

    Returns int64 (B,) number of flips per cue (states equal the table kernel's).
    """
    nb = s.shape[0]
    p = xt.shape[1]
    flips = np.zeros(nb, dtype=np.int64)
    rows = np.nonzero(active)[0]  # the threads share out the running cues only
    for r in prange(rows.shape[0]):
        b = rows[r]
        flips[b] = _cubic_cue(b, s, overlaps, p, lanes, colsum, order, clamp, gscale, temperature, uniforms)
    return flips


@njit(cache=True, inline="always")
def _cue_cubic(b, s, overlaps, couplings, order, clamp, temperature, uniforms, gscale):
    lanes, colsum, p = couplings
    return _cubic_cue(b, s, overlaps, p, lanes, colsum, order, clamp, gscale, temperature, uniforms)


#: The whole-run loop of :mod:`assoc.kernels.cpu` (``_async_run``) bound to the cubic sweep body.
_cubic_whole = njit(cache=True)(_renamed(sweeps.bind(_async_run, cue_sweep=_cue_cubic, cue_moves=_moves_patterns),
                                         "_cubic"))


@njit(cache=True)
def _cubic_run(s, overlaps, xt, lanes, colsum, clamp, gscale, temperature, key_order, key_uniform, limit):
    """Every sweep of the cubic form over a small batch in one call, serially, cues numbered
    from 0: the streams, sweeps and books of :func:`assoc.dynamics.run_async_sweeps` driving
    :func:`_dense_async_sweep_cubic` with the keys ``key_order`` and ``key_uniform`` (a cue's
    order at sweep k from ``(key_order, cue, k)``, its heat-bath uniforms from
    ``(key_uniform, cue, k)``); a cue stops after a sweep that flips nothing (T = 0) or after
    ``limit`` sweeps. ``s`` and ``overlaps`` are updated in place. Returns steps (int64) and
    status (int8: fixed or limit) per cue (the loop of the Hopfield whole runs)."""
    return _cubic_whole(s, overlaps, (lanes, colsum, xt.shape[1]), clamp, temperature, key_order, key_uniform,
                        limit, gscale)


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


def _popcount_overlaps(s, rows):
    """Integer overlaps (B, P) int64 of states ``s`` (B, N) in {-1, 0, +1} with +/-1 patterns
    given as bits ``rows`` (P, ceil(N / 64)) uint64 (:func:`cubic_layout`): with ``plus`` the
    bits of the +1 entries of a state and ``known`` those of its nonzero entries,
    ``M_mu = |known| - 2 popcount((plus ^ rows[mu]) & known)`` (one popcount per 64 spins)."""
    nb, n = s.shape
    p, nw = rows.shape
    out = np.empty((nb, p), dtype=np.int64)
    for b in prange(nb):
        plus = np.zeros(nw, dtype=np.uint64)
        known = np.zeros(nw, dtype=np.uint64)
        nnz = 0
        for i in range(n):
            v = s[b, i]
            if v != 0:
                bit = np.uint64(1) << np.uint64(i & 63)
                known[i >> 6] |= bit
                nnz += 1
                if v > 0:
                    plus[i >> 6] |= bit
        o = out[b]
        for mu in range(p):
            c = np.uint64(0)
            for q in range(nw):
                c += popcount64((plus[q] ^ rows[mu, q]) & known[q])
            o[mu] = nnz - 2 * np.int64(c)
    return out


def _cubic_summary(raw, states, n, energy, out):
    """Energies ``-sum_mu M_mu**3`` (B,) and cosine overlaps ``M_mu / sqrt(nnz n)`` (B, P; 0 where
    the state is all zero; skipped when ``out`` has no columns) from the final integer overlaps
    ``raw`` (B, P) int64 of states ``states`` (B, N) with +/-1 patterns of n entries. The
    cubes and their sums are integers below 2**51 (the raw-overlap rule), so the float64
    energies equal NumPy's ``-(m * m * m).sum(axis=1)`` whatever the order, and each cosine is
    the one division of :func:`assoc.metrics.cosine_from_dots`."""
    nb, p = raw.shape
    for b in prange(nb):
        nnz = 0
        for i in range(states.shape[1]):
            if states[b, i] != 0:
                nnz += 1
        den = math.sqrt(np.float64(nnz) * np.float64(n))
        if not den > 0.0:
            den = 1.0
        e = np.int64(0)
        for mu in range(p):
            o = raw[b, mu]
            e += o * o * o
        energy[b] = -np.float64(e)
        if out.shape[1]:
            for mu in range(p):
                out[b, mu] = np.float64(raw[b, mu]) / den
    return energy


def _work(s, overlaps, xt, *rest):
    return s.shape[0] * s.shape[1] * xt.shape[1]


class _TableSweep(Dual):
    """The table kernel, and the cubic closed form when the caller passes ``colsum`` (a
    trailing argument: the column sums of the +/-1 patterns, which only the cubic form needs;
    the table arguments are then unused) and ``lanes``, the patterns as lane rows
    (:func:`cubic_layout`; built from ``xt`` when not given). Each form is its own
    :class:`Dual`. ``layout`` (:func:`cubic_layout`) builds the bit layouts the cubic form and
    :func:`dense_overlaps` read, for callers that keep them with the patterns; ``summary``
    (``_cubic_summary``) gives the energies and cosine overlaps of its final overlaps;
    ``cubic_run`` (``_cubic_run``) runs every sweep of a small batch of the cubic form in one
    call."""

    layout = staticmethod(cubic_layout)

    def __init__(self):
        super().__init__(_dense_async_sweep_table, _work)
        self.cubic = Dual(_dense_async_sweep_cubic, _work)
        #: energies and cosine overlaps of the cubic memory's final overlaps (``_cubic_summary``)
        self.summary = Dual(_cubic_summary, lambda raw, *rest: raw.shape[0] * raw.shape[1])
        #: every sweep of a small batch in one serial call (``_cubic_run``): ``(s, overlaps, xt, lanes,
        #: colsum, clamp, gscale, temperature, key_order, key_uniform, limit) -> (steps, status)``
        self.cubic_run = _cubic_run

    def __call__(self, s, overlaps, xt, order, active, clamp, ftab, off, pm1, exact, gscale, temperature, uniforms,
                 colsum=None, lanes=None):
        if colsum is None:
            return super().__call__(s, overlaps, xt, order, active, clamp, ftab, off, pm1, exact, gscale, temperature,
                                    uniforms)
        if lanes is None:
            lanes = cubic_layout(xt)[0]
        # the policy on the cues that run: a last sweep of a few cues stays on the calling thread
        rows = 1 if s.shape[0] == 1 else int(np.count_nonzero(active))
        run = self.cubic.parallel if run_parallel(rows * s.shape[1] * xt.shape[1], rows) else self.cubic.serial
        return run(s, overlaps, xt, lanes, colsum, order, active, clamp, gscale, temperature, uniforms)


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
    """Integer overlaps ``s @ xt``. With ``rows``, the +/-1 patterns as bits (the ``rows`` of
    :func:`cubic_layout`), popcounts (``_popcount_overlaps``, its own :class:`Dual`, its work
    counted in 64-bit word operations). Otherwise calls with enough work for the thread pool (the policy
    of :func:`assoc.kernels.cpu.run_parallel`) run as BLAS products in float32 (or float64, see
    ``_product_dtype``), exact because every partial sum is an integer within the type's
    exact range, a block of patterns at a time, or in one product from ``xf`` (``xt`` as
    float32, (N, P)) when the caller holds it; smaller calls run the serial integer loop."""

    def __init__(self):
        super().__init__(_dense_overlaps, lambda s, xt: s.shape[0] * s.shape[1] * xt.shape[1])
        # work: three word operations (xor, and, popcount) per word of every pattern for every cue
        self.bits = Dual(_popcount_overlaps, lambda s, rows: 3 * s.shape[0] * rows.shape[0] * rows.shape[1])

    def __call__(self, s, xt, xf=None, rows=None):
        if rows is not None:
            return self.bits(s, rows)
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
