"""Per-cue bodies of the asynchronous sweeps, written once for every compiled target.

These are plain Python functions with no decorator: :mod:`assoc.kernels.cpu` compiles them
with ``numba.njit`` and loops over cues (in parallel or not), :mod:`assoc.kernels.gpu`
compiles them as CUDA device functions and runs one cue per thread. Both therefore perform
exactly the same arithmetic, which is what makes the backends agree state for state.

Each body visits the spins of cue ``b`` in the order ``order[b]`` and updates them one at a
time: at T = 0, ``s_i <- sign(h_i)`` (a zero field keeps the spin; an unknown spin, 0,
becomes +1); at T > 0, ``s_i = +1`` with probability ``1 / (1 + exp(-2 h_i / T))`` against
the uniform draw ``uniforms[b, t]``. It returns the number of flips.
"""

from __future__ import annotations

import math
import types


def bind(func, **names):
    """A copy of ``func`` whose global ``names`` are replaced (each target passes its own
    compiled ``new_spin`` and ``dot_row``, so the bodies stay free of decorators)."""
    glb = dict(func.__globals__)
    glb.update(names)
    return types.FunctionType(func.__code__, glb, func.__name__, func.__defaults__)


def new_spin(h, old, temperature, u):
    """The updated value of a spin with local field ``h`` (already divided by its scale)."""
    if temperature == 0.0:
        if h > 0:
            return 1
        if h < 0:
            return -1
        if old == 0:
            return 1
        return old
    prob = 1.0 / (1.0 + math.exp(-2.0 * h / temperature))
    return 1 if u < prob else -1


def dot_row(xi_t, i, overlaps, b):
    """``sum_mu xi_t[i, mu] * overlaps[b, mu]``: integer-valued terms, so any order of summation
    gives the same exact value while the partial sums stay inside the dtype's exact range (the
    callers choose the dtype of ``overlaps`` so that they do), and the CPU target compiles this
    with reassociation allowed, which lets the sum run in SIMD lanes."""
    h = overlaps[b, 0] - overlaps[b, 0]  # a zero of the overlaps' dtype
    for mu in range(xi_t.shape[1]):
        h += xi_t[i, mu] * overlaps[b, mu]
    return h


def sweep_patterns_cue(b, s, overlaps, xi_t, order, clamp, temperature, uniforms):
    """Pattern space (Hebbian, zero diagonal): fields from the integer overlaps, O(P) per spin.

    ``overlaps`` holds integers in float32 (when n P < 2**24, so every partial sum of a field
    is exact), int32 or int64; the field is the same integer whichever dtype holds it."""
    n = s.shape[1]
    p = xi_t.shape[1]
    count = 0
    for t in range(n):
        i = order[b, t]
        if clamp[b, i]:
            continue
        h = dot_row(xi_t, i, overlaps, b)
        old = s[b, i]
        h -= p * old
        if temperature == 0.0:
            if h * old > 0:  # aligned with its field: stays (a well-predicted branch)
                continue
            new = new_spin(h, old, 0.0, 0.0)
        else:
            new = new_spin(h / n, old, temperature, uniforms[b, t])
        if new != old:
            s[b, i] = new
            for mu in range(p):
                overlaps[b, mu] += (new - old) * xi_t[i, mu]
            count += 1
    return count


def sweep_weights_cue(b, s, fields, w, order, clamp, temperature, uniforms, scale):
    """Explicit symmetric weights: local fields kept up to date, O(n) per flip, O(n) per sweep
    without flips.

    ``w`` and ``fields`` are float64 (couplings as they are, ``scale`` 1) or integers (the
    Hebbian counts ``sum_mu xi_i xi_j``, int16 or int32, with integer fields and ``scale``
    n): a spin sees the field ``fields / scale``, which for the counts is exactly the
    pattern-space field divided by n, so both forms make the same moves."""
    n = s.shape[1]
    count = 0
    for t in range(n):
        i = order[b, t]
        if clamp[b, i]:
            continue
        old = s[b, i]
        if temperature == 0.0:
            if fields[b, i] * old > 0:  # aligned with its field: stays (a well-predicted branch)
                continue
            new = new_spin(fields[b, i], old, 0.0, 0.0)
        else:
            new = new_spin(fields[b, i] / scale, old, temperature, uniforms[b, t])
        if new != old:
            s[b, i] = new
            d = new - old
            for j in range(n):
                fields[b, j] += d * w[i, j]
            count += 1
    return count
