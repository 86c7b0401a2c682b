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
        h = (xi64[i] * overlaps[rows]).sum(axis=1) - p * old.astype(xp.int64)
        new = _new_spins(xp, h, old, temperature, uniforms[rows, t], n)
        change = (new != old) & ~clamp[rows, i]
        if change.any():
            r = rows[change]
            nv = new[change]
            s[r, i[change]] = nv
            overlaps[r] += (nv - old[change]).astype(xp.int64)[:, None] * xi64[i[change]]
            flips[r] += 1
    return flips


def async_sweep_weights(s, fields, w, order, active, clamp, temperature, uniforms):
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
        new = _new_spins(xp, h, old, temperature, uniforms[rows, t], 1.0)
        change = (new != old) & ~clamp[rows, i]
        if change.any():
            r = rows[change]
            nv = new[change]
            s[r, i[change]] = nv
            fields[r] += (nv - old[change]).astype(xp.float64)[:, None] * w[i[change]]
            flips[r] += 1
    return flips
