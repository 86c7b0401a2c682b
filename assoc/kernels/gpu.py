"""Numba-CUDA kernels, launched on CuPy arrays: the asynchronous sweeps on the GPU.

One CUDA thread runs one cue's sweep (cues are independent; the spins of one cue must be
updated one after another). The arithmetic is that of :mod:`assoc.kernels.cpu`, so states
equal the CPU backends' for the same seed. The kernels also run under Numba's CUDA simulator
(``NUMBA_ENABLE_CUDASIM=1``) on host arrays, which is how CPU-only machines test them.
"""

from __future__ import annotations

import math

from numba import cuda

THREADS = 128


@cuda.jit
def _sweep_patterns(s, overlaps, xi_t, order, active, clamp, temperature, uniforms, flips):
    b = cuda.grid(1)
    if b >= s.shape[0] or not active[b]:
        return
    n = s.shape[1]
    p = xi_t.shape[1]
    count = 0
    for t in range(n):
        i = order[b, t]
        if clamp[b, i]:
            continue
        h = 0
        for mu in range(p):
            h += xi_t[i, mu] * overlaps[b, mu]
        old = s[b, i]
        h -= p * old
        new = old
        if temperature == 0.0:
            if h > 0:
                new = 1
            elif h < 0:
                new = -1
            elif old == 0:
                new = 1
        else:
            prob = 1.0 / (1.0 + math.exp(-2.0 * (h / n) / temperature))
            new = 1 if uniforms[b, t] < prob else -1
        if new != old:
            s[b, i] = new
            for mu in range(p):
                overlaps[b, mu] += (new - old) * xi_t[i, mu]
            count += 1
    flips[b] = count


@cuda.jit
def _sweep_weights(s, fields, w, order, active, clamp, temperature, uniforms, flips):
    b = cuda.grid(1)
    if b >= s.shape[0] or not active[b]:
        return
    n = s.shape[1]
    count = 0
    for t in range(n):
        i = order[b, t]
        if clamp[b, i]:
            continue
        h = fields[b, i]
        old = s[b, i]
        new = old
        if temperature == 0.0:
            if h > 0:
                new = 1
            elif h < 0:
                new = -1
            elif old == 0:
                new = 1
        else:
            prob = 1.0 / (1.0 + math.exp(-2.0 * h / temperature))
            new = 1 if uniforms[b, t] < prob else -1
        if new != old:
            s[b, i] = new
            d = float(new - old)
            for j in range(n):
                fields[b, j] += d * w[i, j]
            count += 1
    flips[b] = count


def _zeros_like_batch(s):
    try:
        import cupy

        if isinstance(s, cupy.ndarray):
            return cupy.zeros(s.shape[0], dtype=cupy.int64)
    except ImportError:
        pass
    import numpy

    return numpy.zeros(s.shape[0], dtype=numpy.int64)


def _launch(kernel, s, aux, mat, order, active, clamp, temperature, uniforms):
    flips = _zeros_like_batch(s)
    blocks = (s.shape[0] + THREADS - 1) // THREADS
    kernel[blocks, THREADS](s, aux, mat, order, active, clamp, float(temperature), uniforms, flips)
    return flips


def async_sweep_patterns(s, overlaps, xi_t, order, active, clamp, temperature, uniforms):
    """GPU twin of :func:`assoc.kernels.cpu.async_sweep_patterns` (same arguments)."""
    return _launch(_sweep_patterns, s, overlaps, xi_t, order, active, clamp, temperature, uniforms)


def async_sweep_weights(s, fields, w, order, active, clamp, temperature, uniforms):
    """GPU twin of :func:`assoc.kernels.cpu.async_sweep_weights` (same arguments)."""
    return _launch(_sweep_weights, s, fields, w, order, active, clamp, temperature, uniforms)
