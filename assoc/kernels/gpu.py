"""Numba-CUDA kernels, launched on CuPy arrays: the asynchronous sweeps on the GPU.

One CUDA thread runs one cue's sweep (cues are independent; the spins of one cue must be
updated one after another). The per-cue bodies are those of :mod:`assoc.kernels.sweeps`,
compiled as device functions, so states equal the CPU backends' for the same seed. The
kernels also run under Numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``) on host arrays,
which is how CPU-only machines test them.
"""

from __future__ import annotations

from numba import cuda

from . import sweeps

THREADS = 128

_new_spin = cuda.jit(device=True)(sweeps.new_spin)
_dot_row = cuda.jit(device=True)(sweeps.dot_row)
_patterns_cue = cuda.jit(device=True)(sweeps.bind(sweeps.sweep_patterns_cue, new_spin=_new_spin, dot_row=_dot_row))
_weights_cue = cuda.jit(device=True)(sweeps.bind(sweeps.sweep_weights_cue, new_spin=_new_spin))


@cuda.jit
def _sweep_patterns(s, overlaps, xi_t, order, active, clamp, temperature, uniforms, flips):
    b = cuda.grid(1)
    if b < s.shape[0] and active[b]:
        flips[b] = _patterns_cue(b, s, overlaps, xi_t, order, clamp, temperature, uniforms)


@cuda.jit
def _sweep_weights(s, fields, w, order, active, clamp, temperature, uniforms, scale, flips):
    b = cuda.grid(1)
    if b < s.shape[0] and active[b]:
        flips[b] = _weights_cue(b, s, fields, w, order, clamp, temperature, uniforms, scale)


def _zeros_like_batch(s):
    try:
        import cupy

        if isinstance(s, cupy.ndarray):
            return cupy.zeros(s.shape[0], dtype=cupy.int64)
    except ImportError:
        pass
    import numpy

    return numpy.zeros(s.shape[0], dtype=numpy.int64)


def _launch(kernel, s, aux, mat, order, active, clamp, temperature, uniforms, *extra):
    flips = _zeros_like_batch(s)
    blocks = (s.shape[0] + THREADS - 1) // THREADS
    kernel[blocks, THREADS](s, aux, mat, order, active, clamp, float(temperature), uniforms, *extra, flips)
    return flips


def async_sweep_patterns(s, overlaps, xi_t, order, active, clamp, temperature, uniforms):
    """GPU twin of :func:`assoc.kernels.cpu.async_sweep_patterns` (same arguments)."""
    return _launch(_sweep_patterns, s, overlaps, xi_t, order, active, clamp, temperature, uniforms)


def async_sweep_weights(s, fields, w, order, active, clamp, temperature, uniforms, scale=1.0):
    """GPU twin of :func:`assoc.kernels.cpu.async_sweep_weights` (same arguments)."""
    return _launch(_sweep_weights, s, fields, w, order, active, clamp, temperature, uniforms, float(scale))
