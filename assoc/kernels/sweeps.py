"""Per-cue bodies of the asynchronous sweeps, written once for every compiled target.

These are plain Python functions with no decorator: :mod:`assoc.kernels.cpu` compiles them
with ``numba.njit`` and loops over cues (in parallel or not), :mod:`assoc.kernels.gpu`
compiles them as CUDA device functions and runs one cue per thread. Both therefore perform
exactly the same arithmetic, which is what makes the backends agree state for state.

Each body visits the spins of cue ``b`` in the order ``order[b]`` and updates them one at a
time: at T = 0, ``s_i <- sign(h_i)`` (a zero field keeps the spin; an unknown spin, 0,
becomes +1); at T > 0, ``s_i = +1`` with probability ``1 / (1 + exp(-2 h_i / T))`` against
the uniform draw ``uniforms[b, t]``. It returns the number of flips.

:func:`sweep_weights_events_cue` is the CPU form of the T = 0 sweep on explicit fields: the
same moves, with the visits that change nothing skipped (it allocates two work rows, so the
CUDA kernels keep the plain body).
"""

from __future__ import annotations

import math
import types

import numpy as np


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


def is_candidate(f, sj):
    """Whether a spin of state ``sj`` (-1, 0, +1) and field ``f`` moves at T = 0: unknown, or
    opposed to its field (comparisons only, so the loops that call it run in SIMD lanes)."""
    return (sj == 0) | ((sj > 0) & (f < 0)) | ((sj < 0) & (f > 0))


def any_candidate(b, s, fields, clamp):
    """Whether cue ``b`` has a spin that moves at T = 0 (a candidate that is not clamped): if
    it has none, a sweep in any order flips nothing. One pass over the n spins, without an
    early exit, so it runs in SIMD lanes."""
    found = False
    for j in range(s.shape[1]):
        found |= is_candidate(fields[b, j], s[b, j]) & ~clamp[b, j]
    return found


#: A T = 0 sweep on explicit fields visits up to n / WALK_FRACTION spins past a flip before
#: it looks for the next candidate by one scan of all n spins instead. A visit (a few random
#: accesses) costs about as much as scanning 10-20 spins in SIMD lanes, so walking that far
#: first spends at most about twice the better of the two on any stretch between flips (the
#: rent-or-buy rule).
WALK_FRACTION = 16


def sweep_weights_events_cue(b, s, fields, w, order, clamp, scale):
    """The T = 0 sweep of :func:`sweep_weights_cue`, skipping the visits that change nothing.

    At T = 0 a visit changes a spin exactly when it is a *candidate*: not clamped, and
    unknown (0) or opposed to its field; every other visit leaves the state as it is. The
    sweep visits spins in order as the sequential one does, but after n / :data:`WALK_FRACTION` visits
    without a candidate it finds the next candidate in the order by one scan of all n
    spins (their positions, states and fields, in SIMD lanes) and jumps to it. States,
    fields and flips are those of the sequential sweep: a sweep with many flips costs what it
    did, and one with few costs O(n) scans instead of n visits. ``scale`` is unused (the sign
    of a field does not depend on it) and kept so both bodies take the same arguments.

    In a scan a candidate's key is its position minus the next position to visit, as
    uint32: earlier positions wrap to keys above 2**32 - n and clamped spins have position
    2**32 - 1, so the smallest key below n - t is the next candidate."""
    n = s.shape[1]
    none = np.uint32(0xFFFFFFFF)
    pos = np.empty(n, dtype=np.uint32)  # positions in the order, filled at the first scan
    have_pos = False
    sv = np.empty(n, dtype=np.int32)  # the states as int32 (the scan compares them in SIMD lanes)
    for j in range(n):
        sv[j] = s[b, j]
    count = 0
    walk = max(1, n // WALK_FRACTION)
    t = 0  # the next position to visit
    while t < n:
        stop = min(n, t + walk)
        found = -1
        while t < stop:
            i = order[b, t]
            if is_candidate(fields[b, i], sv[i]) and not clamp[b, i]:
                found = t
                break
            t += 1
        if found < 0:
            if t >= n:
                break
            if not have_pos:
                have_pos = True
                for u in range(n):
                    pos[order[b, u]] = u
                for j in range(n):
                    if clamp[b, j]:
                        pos[j] = none
            c1 = np.uint32(t)
            best = none
            for j in range(n):
                best = min(best, np.uint32(pos[j] - c1) if is_candidate(fields[b, j], sv[j]) else none)
            if best >= n - t:
                break
            found = t + best
        i = order[b, found]
        old = s[b, i]
        new = new_spin(fields[b, i], old, 0.0, 0.0)
        s[b, i] = new
        sv[i] = new
        d = new - old
        for j in range(n):
            fields[b, j] += d * w[i, j]
        count += 1
        t = found + 1
    return count
