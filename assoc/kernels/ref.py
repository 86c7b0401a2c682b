"""Array-module reference kernels (NumPy, and CuPy through the same code).

Each function performs the same sweep as its twin in :mod:`assoc.kernels.cpu`, vectorized
over the batch of cues instead of compiled: one step visits one spin of every active cue.
The arithmetic is the same operation for operation, so the numpy and numba backends give
identical states; these are the reference the compiled kernels are tested against.
"""

from __future__ import annotations


def _xp(a):
    """The array module of ``a``: CuPy for device arrays, else NumPy (no import is attempted
    for host arrays, so a host call costs nothing where CuPy is absent)."""
    if hasattr(a, "__cuda_array_interface__"):
        import cupy

        return cupy
    import numpy

    return numpy


def _new_spins(xp, h, old, temperature, u, scale):
    if temperature == 0.0:
        return xp.where(h > 0, 1, xp.where(h < 0, -1, xp.where(old == 0, 1, old))).astype(old.dtype)
    prob = 1.0 / (1.0 + xp.exp(-2.0 * (h / scale) / temperature))
    return xp.where(u < prob, 1, -1).astype(old.dtype)


def async_sweep_patterns(s, overlaps, xi_t, order, active, clamp, temperature, uniforms):
    """Reference twin of :func:`assoc.kernels.cpu.async_sweep_patterns`."""
    xp = _xp(s)
    n = s.shape[1]
    p = xi_t.shape[1]
    rows = xp.nonzero(active)[0]
    flips = xp.zeros(s.shape[0], dtype=xp.int64)
    if rows.size == 0:
        return flips
    xi64 = xi_t.astype(xp.int64)
    for t in range(n):
        i = order[rows, t]
        old = s[rows, i]
        # the integer field, in int64 whatever integer-valued dtype holds the overlaps
        h = (xi64[i] * overlaps[rows].astype(xp.int64)).sum(axis=1) - p * old.astype(xp.int64)
        new = _new_spins(xp, h, old, temperature, uniforms[rows, t], n)
        change = (new != old) & ~clamp[rows, i]
        if change.any():
            r = rows[change]
            nv = new[change]
            s[r, i[change]] = nv
            overlaps[r] += ((nv - old[change]).astype(xp.int64)[:, None] * xi64[i[change]]).astype(overlaps.dtype)
            flips[r] += 1
    return flips


def async_sweep_weights(s, fields, w, order, active, clamp, temperature, uniforms, scale=1.0):
    """Reference twin of :func:`assoc.kernels.cpu.async_sweep_weights`."""
    xp = _xp(s)
    n = s.shape[1]
    rows = xp.nonzero(active)[0]
    flips = xp.zeros(s.shape[0], dtype=xp.int64)
    if rows.size == 0:
        return flips
    for t in range(n):
        i = order[rows, t]
        old = s[rows, i]
        h = fields[rows, i]
        new = _new_spins(xp, h, old, temperature, uniforms[rows, t], scale)
        change = (new != old) & ~clamp[rows, i]
        if change.any():
            r = rows[change]
            nv = new[change]
            s[r, i[change]] = nv
            fields[r] += (nv - old[change]).astype(fields.dtype)[:, None] * w[i[change]].astype(fields.dtype)
            flips[r] += 1
    return flips


def step_status(new, old, prev, cycles):
    """Reference twin of :func:`assoc.kernels.cpu.step_status` (NumPy or CuPy arrays)."""
    from ..memory import STATUS_CYCLE, STATUS_FIXED

    xp = _xp(new)
    fixed = (new == old).all(axis=1)
    out = xp.where(fixed, STATUS_FIXED, -1).astype(xp.int8)
    if cycles:
        out[~fixed & (new == prev).all(axis=1)] = STATUS_CYCLE
    return out


def quiet_cues(s, fields, clamp, active):
    """Reference twin of :func:`assoc.kernels.cpu.quiet_cues`."""
    xp = _xp(s)
    moves = (s == 0) | ((s > 0) & (fields < 0)) | ((s < 0) & (fields > 0))
    return xp.asarray(active, dtype=bool) & ~(moves & ~clamp).any(axis=1)


# SplitMix64 (Steele, Lea & Flood 2014): the counter-based streams behind the visiting
# orders and heat-bath uniforms of the asynchronous sweeps. The stream of (key, cue, sweep)
# is seeded with mix(mix(key + G (cue + 1)) + G (sweep + 1)); its t-th number (t = 0, 1, ...)
# is mix(seed + G (t + 1)), and a uniform takes its top 53 bits.
GOLDEN = 0x9E3779B97F4A7C15
MIX1 = 0xBF58476D1CE4E5B9
MIX2 = 0x94D049BB133111EB


def _mix(xp, z):
    z = (z ^ (z >> xp.uint64(30))) * xp.uint64(MIX1)
    z = (z ^ (z >> xp.uint64(27))) * xp.uint64(MIX2)
    return z ^ (z >> xp.uint64(31))


def _stream_uniforms(key, first, sweep, rows, n):
    import numpy as np

    g = np.uint64(GOLDEN)
    cue = np.arange(first + 1, first + rows + 1, dtype=np.uint64)
    seed = _mix(np, _mix(np, np.full(rows, key, dtype=np.uint64) + g * cue) + g * np.full(rows, sweep + 1, dtype=np.uint64))
    t = np.arange(1, n + 1, dtype=np.uint64)
    z = _mix(np, seed[:, None] + g * t[None, :])
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53


def random_uniforms(active, key, first, sweep, n):
    """Reference twin of :func:`assoc.kernels.cpu.random_uniforms`."""
    import numpy as np

    u = _stream_uniforms(key, first, sweep, len(active), n)
    u[~np.asarray(active, dtype=bool)] = 0.0
    return u


def random_orders(active, key, first, sweep, n):
    """Reference twin of :func:`assoc.kernels.cpu.random_orders`: Fisher-Yates on every active
    row of ``arange(n)`` at once, position t (from n - 1 down to 1) swapped with
    ``j = min(floor(u_t * (t + 1)), t)``, u_t the row's t-th stream uniform."""
    import numpy as np

    act = np.asarray(active, dtype=bool)
    u = _stream_uniforms(key, first, sweep, len(act), n)
    order = np.tile(np.arange(n, dtype=np.int64), (len(act), 1))
    rows = np.arange(len(act))
    for t in range(n - 1, 0, -1):
        j = np.minimum((u[:, t] * (t + 1)).astype(np.int64), t)
        a = order[rows, t].copy()
        order[rows, t] = order[rows, j]
        order[rows, j] = a
    order[~act] = 0
    return order


def hebbian_counts_add(counts, bits_t, k):
    """Reference twin of :func:`assoc.kernels.cpu_counts.hebbian_counts_add`: the same integers
    from a float32 matrix product of the unpacked +/-1 patterns (exact: |C_ij| <= k < 2**24),
    a block of rows at a time."""
    import numpy as np

    n = counts.shape[0]
    bits = np.unpackbits(np.ascontiguousarray(bits_t.T).astype("<u8").view(np.uint8).reshape(n, -1),
                         axis=1, bitorder="little")[:, :k]
    x = (2.0 * bits - 1.0).astype(np.float32)  # (n, k)
    step = max(1, (1 << 24) // max(1, n))
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        counts[lo:hi] += (x[lo:hi] @ x.T).astype(counts.dtype)
    return counts


def sync_sign(h, x, p, clamp):
    """Reference twin of :func:`assoc.kernels.cpu.sync_sign` (NumPy or CuPy arrays)."""
    xp = _xp(h)
    if p:
        d = xp.multiply(x, p, dtype=h.dtype)
        xp.subtract(h, d, out=d)
    else:
        d = h
    new = (d > 0).view(xp.int8) - (d < 0).view(xp.int8)
    tie = d == 0
    if bool(tie.any()):  # zero field: keep the spin (an unknown spin becomes +1)
        new[tie] = xp.where(x[tie] == 0, 1, x[tie])
    if clamp.shape[0]:
        new = xp.where(clamp, x, new)
    return new
