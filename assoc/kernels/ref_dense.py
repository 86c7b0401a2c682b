"""Array-module twin (NumPy, and CuPy through the same code) of :mod:`assoc.kernels.cpu_dense`.

One step visits one spin of every active cue at once. Powers are repeated multiplications,
pattern sums run in pattern order (a cumulative sum, never a pairwise reduction) and
exponentials come from the same table, so the states equal the compiled kernel's exactly.
"""

from __future__ import annotations

from .ref import _xp


#: Float64 entries of one block of patterns in :func:`dense_overlaps` (64 MiB).
_BLOCK_ENTRIES = 2**23


def dense_overlaps(s, xt, xf=None, rows=None):
    """Integer overlaps ``s @ xt`` (B, P) int64 of states ``s`` (B, N) with patterns ``xt`` (N, P).
    (``xf``, a float32 copy of ``xt``, and ``rows``, the patterns as bits, which the compiled
    kernel may read instead, are not needed here.)

    Float64 products (exact: every partial sum is an integer below 2**53), a block of patterns
    at a time so their float64 copy stays small; blocks are read as rows of ``xt.T`` (contiguous
    when ``xt`` is the transposed view of row-major patterns).
    """
    xp = _xp(s)
    x = xt.T
    p, n = x.shape
    out = xp.empty((s.shape[0], p), dtype=xp.int64)
    sft = s.astype(xp.float64).T
    step = max(1, _BLOCK_ENTRIES // max(1, n))
    for p0 in range(0, p, step):
        out[:, p0:p0 + step] = xp.rint(x[p0:p0 + step].astype(xp.float64) @ sft).T
    return out


def _gaps(xp, ov, x, si, kind, degree, inv, table):
    """Energy gaps (R,) and shifts (R,) for rows of overlaps ``ov`` (R, P) and pattern entries ``x``."""
    a = ov - x * si[:, None]
    if kind == 2:
        c = ov.max(axis=1) + 1
        terms = x * table[c[:, None] - a]
    else:
        c = xp.zeros(ov.shape[0], dtype=xp.int64)
        up = (a + x) * inv
        dn = (a - x) * inv
        if kind == 1:
            up = xp.maximum(up, 0.0)
            dn = xp.maximum(dn, 0.0)
        fu = up.copy()
        fd = dn.copy()
        for _ in range(degree - 1):
            fu = fu * up
            fd = fd * dn
        terms = fu - fd
    return xp.cumsum(terms, axis=1)[:, -1], c


def dense_async_sweep(s, overlaps, xt, order, active, clamp, kind, degree, inv, table, gscale, temperature,
                      uniforms):
    """Reference twin of :func:`assoc.kernels.cpu_dense.dense_async_sweep`."""
    xp = _xp(s)
    n = s.shape[1]
    rows = xp.nonzero(active)[0]
    flips = xp.zeros(s.shape[0], dtype=xp.int64)
    if rows.size == 0:
        return flips
    for t in range(n):
        i = order[rows, t]
        old = s[rows, i]
        si = old.astype(xp.int64)
        x = xt[i].astype(xp.int64)
        delta, c = _gaps(xp, overlaps[rows], x, si, kind, degree, inv, table)
        if temperature == 0.0:
            new = xp.where(delta > 0.0, 1, xp.where(delta < 0.0, -1, xp.where(old == 0, 1, old)))
        else:
            if kind == 2:
                with_sign = xp.sign(delta)
                mag = xp.abs(delta)
                safe = xp.where(mag > 0.0, mag, 1.0)
                lz = xp.minimum(xp.log(gscale / temperature) + c + xp.log(safe), 700.0)
                z = xp.where(mag > 0.0, with_sign * xp.exp(lz), 0.0)
            else:
                z = gscale * delta / temperature
            z = xp.clip(z, -700.0, 700.0)
            prob = 1.0 / (1.0 + xp.exp(-z))
            new = xp.where(uniforms[rows, t] < prob, 1, -1)
        new = new.astype(old.dtype)
        change = (new != old) & ~clamp[rows, i]
        if change.any():
            r = rows[change]
            nv = new[change]
            s[r, i[change]] = nv
            overlaps[r] += (nv.astype(xp.int64) - si[change])[:, None] * x[change]
            flips[r] += 1
    return flips


def _refresh(xp, ov, ftab, off):
    k = ov + off
    fp2 = ftab[k + 2]
    fm2 = ftab[k - 2]
    u = (fp2 - fm2) * 0.5
    v = ((fp2 + fm2) - 2.0 * ftab[k]) * 0.5
    w = ftab[k + 1] - ftab[k - 1]
    return u, v, w


def _seqsum(xp, a):
    return xp.cumsum(a, axis=1)[:, -1]


def dense_async_sweep_table(s, overlaps, xt, order, active, clamp, ftab, off, pm1, exact, gscale, temperature,
                            uniforms, colsum=None, lanes=None):
    """Reference twin of :func:`assoc.kernels.cpu_dense.dense_async_sweep_table` (sums in pattern
    order); with ``colsum`` the twin of the cubic closed form (:func:`_sweep_cubic`; ``lanes``,
    the bit layout the compiled form reads, is not needed here)."""
    xp = _xp(s)
    n = s.shape[1]
    rows = xp.nonzero(active)[0]
    flips = xp.zeros(s.shape[0], dtype=xp.int64)
    if rows.size == 0:
        return flips
    if colsum is not None:
        return _sweep_cubic(xp, s, overlaps, xt, colsum, order, rows, clamp, gscale, temperature, uniforms, flips)
    u, v, w = _refresh(xp, overlaps[rows], ftab, off)
    vsum = _seqsum(xp, v)
    for t in range(n):
        i = order[rows, t]
        old = s[rows, i]
        x = xt[i]
        lin = _seqsum(xp, x * u)
        quad = vsum if pm1 else _seqsum(xp, xp.abs(x) * v)
        delta = xp.where(old == 0, _seqsum(xp, x * w), lin - old * quad)
        new, change = _moves(xp, delta, old, temperature, gscale, uniforms[rows, t], clamp[rows, i])
        if change.any():
            c = xp.nonzero(change)[0]
            r = rows[c]
            nv = new[c]
            s[r, i[c]] = nv
            overlaps[r] += (nv.astype(xp.int64) - old[c].astype(xp.int64))[:, None] * x[c].astype(xp.int64)
            u[c], v[c], w[c] = _refresh(xp, overlaps[r], ftab, off)
            vsum[c] = _seqsum(xp, v[c])
            flips[r] += 1
    return flips


def _moves(xp, delta, old, temperature, gscale, u, clamped):
    """New spins from the energy gaps ``delta`` (sign at T = 0, a zero gap keeps the spin and an
    unknown one becomes +1; heat bath against ``u`` at T > 0), and which of them change."""
    if temperature == 0.0:
        new = xp.where(delta > 0.0, 1, xp.where(delta < 0.0, -1, xp.where(old == 0, 1, old)))
    else:
        z = xp.clip(gscale * delta / temperature, -700.0, 700.0)
        new = xp.where(u < 1.0 / (1.0 + xp.exp(-z)), 1, -1)
    new = new.astype(old.dtype)
    return new, (new != old) & ~clamped


def _sweep_cubic(xp, s, overlaps, xt, colsum, order, rows, clamp, gscale, temperature, uniforms, flips):
    """Twin of :func:`assoc.kernels.cpu_dense._dense_async_sweep_cubic`: ``F(x) = x**3`` on raw
    overlaps with +/-1 patterns, ``Delta_i = 6 D_i + 8 C_i - 12 s_i S`` (``6 D_i + 2 C_i`` for an
    unknown spin) with ``D_i = sum_mu x_mu,i M_mu**2``, all in int64 (exact), converted to
    float64 as the compiled kernel does."""
    n = s.shape[1]
    for t in range(n):
        i = order[rows, t]
        old = s[rows, i]
        x = xt[i].astype(xp.int64)
        ov = overlaps[rows]
        d = (x * (ov * ov)).sum(axis=1)
        cs = colsum[i]
        di = xp.where(old == 0, 6 * d + 2 * cs, 6 * d + 8 * cs - 12 * old.astype(xp.int64) * ov.sum(axis=1))
        delta = di.astype(xp.float64)
        new, change = _moves(xp, delta, old, temperature, gscale, uniforms[rows, t], clamp[rows, i])
        if change.any():
            c = xp.nonzero(change)[0]
            r = rows[c]
            nv = new[c]
            s[r, i[c]] = nv
            overlaps[r] += (nv.astype(xp.int64) - old[c].astype(xp.int64))[:, None] * x[c]
            flips[r] += 1
    return flips
