"""Numba CPU kernels: the hot loops of the +/-1 memories, parallel over cues.

The per-cue bodies live in :mod:`assoc.kernels.sweeps` (shared with the CUDA kernels);
here they are compiled with ``@njit(cache=True)`` and looped over the cues of a batch. Inputs
are trusted (validated by the public classes). Arithmetic matches :mod:`assoc.kernels.ref`
operation for operation, so the numpy and numba backends give identical states.

Each kernel is compiled twice: parallel over cues (``prange``) for large batches, and serial
for calls whose work is small, where waking the thread pool costs more than the sweep itself
(agents often read one cue at a time; on a busy machine a parallel launch waits for a busy
core and can cost milliseconds). One policy, :func:`run_parallel`, chooses between them for
every Numba CPU kernel of the package (here, :mod:`assoc.kernels.cpu_sdr` and
:mod:`assoc.kernels.cpu_dense`).
"""

from __future__ import annotations

import math
import types

import numba
import numpy as np
from numba import njit, prange

from ..memory import STATUS_CYCLE, STATUS_FIXED, STATUS_LIMIT
from . import ref, sweeps

#: Calls with less work than this (inner-loop operations: multiply-adds, 64-bit word
#: operations, posting-list entries) run on the calling thread. Waking the thread pool costs
#: tens of microseconds on idle cores and milliseconds when other processes hold them; below
#: about 2**24 operations (some milliseconds of work) that is never repaid.
PARALLEL_MIN_WORK = 2**24


def run_parallel(work: int, rows: int) -> bool:
    """The one serial/parallel policy of the Numba CPU kernels: run a call on the thread pool
    only when it has at least two independent rows (cues, units) to share out, at least
    :data:`PARALLEL_MIN_WORK` operations, and Numba has more than one thread."""
    return rows > 1 and work >= PARALLEL_MIN_WORK and numba.get_num_threads() > 1

_new_spin = njit(cache=True, inline="always")(sweeps.new_spin)
# Reassociation lets the integer-valued field sum run in SIMD lanes (exact in any order). It is
# the only fast-math flag: without reciprocal, contraction or approximate-function flags the
# heat-bath formula keeps the reference twin's operations exactly.
_dot_row = njit(cache=True, fastmath={"reassoc"})(sweeps.dot_row)
_patterns_cue = njit(cache=True, fastmath={"reassoc"})(sweeps.bind(sweeps.sweep_patterns_cue, new_spin=_new_spin, dot_row=_dot_row))
_weights_cue = njit(cache=True)(sweeps.bind(sweeps.sweep_weights_cue, new_spin=_new_spin))
_is_candidate = njit(cache=True, inline="always")(sweeps.is_candidate)
_weights_events_cue = njit(cache=True)(sweeps.bind(
    sweeps.sweep_weights_events_cue, new_spin=_new_spin, is_candidate=_is_candidate))
_any_candidate = njit(cache=True)(sweeps.bind(sweeps.any_candidate, is_candidate=_is_candidate))


def _sweep_patterns(s, overlaps, xi_t, order, active, clamp, temperature, uniforms):
    """One random-sequential sweep in pattern space (Hebbian couplings, zero diagonal).

    s : int8 (B, N) states, updated in place
    overlaps : (B, P) ``s @ xi.T``, integers in float32 (n P < 2**24), int32 or int64; updated
        in place
    xi_t : int8 (N, P) stored patterns, transposed
    order : int64 (B, N) visiting order per cue
    active : bool (B,) cues to update
    clamp : bool (B, N) entries never updated (all False for none)
    temperature : float; 0 for deterministic sign dynamics, > 0 for Glauber
    uniforms : float64 (B, N) uniform draws for Glauber (ignored at T = 0)

    Returns int64 (B,) number of flips per cue.
    """
    flips = np.zeros(s.shape[0], dtype=np.int64)
    for b in prange(s.shape[0]):
        if active[b]:
            flips[b] = _patterns_cue(b, s, overlaps, xi_t, order, clamp, temperature, uniforms)
    return flips


def _sweep_weights(s, fields, w, order, active, clamp, temperature, uniforms, scale=1.0):
    """One random-sequential sweep with an explicit symmetric weight matrix.

    s : int8 (B, N) states, updated in place
    fields : (B, N) local fields ``s @ w`` (w symmetric), updated in place: float64, or
        integers (int32 / int64) with integer ``w``
    w : (N, N) float64, or the int16 / int32 Hebbian counts
    scale : a spin's field is ``fields / scale`` (1 for float couplings, n for the counts)
    Other arguments as in :func:`_sweep_patterns`. At T = 0 the sweep visits only the spins
    that move (``sweeps.sweep_weights_events_cue``: the same states, O(n) per flip and per
    sweep).
    """
    flips = np.zeros(s.shape[0], dtype=np.int64)
    for b in prange(s.shape[0]):
        if active[b]:
            if temperature == 0.0:
                flips[b] = _weights_events_cue(b, s, fields, w, order, clamp, scale)
            else:
                flips[b] = _weights_cue(b, s, fields, w, order, clamp, temperature, uniforms, scale)
    return flips


def _quiet_cues(s, fields, clamp, active):
    """The cues whose next T = 0 sweep on explicit fields flips nothing, in any order: active,
    with no spin that moves (none unknown, none opposed to its field, clamped spins aside).

    s : int8 (B, N) states; fields : (B, N) their local fields (any real dtype; only signs
    matter); clamp : bool (B, N); active : bool (B,). Returns bool (B,).
    """
    quiet = np.zeros(s.shape[0], dtype=np.bool_)
    for b in prange(s.shape[0]):
        if active[b]:
            quiet[b] = not _any_candidate(b, s, fields, clamp)
    return quiet


def _renamed(func, suffix: str):
    """A copy of ``func`` under another name, so its on-disk compile cache is its own
    (Numba keys the cache by qualified name, and the serial and parallel compilations of one
    function must not share an entry)."""
    copy = types.FunctionType(func.__code__, func.__globals__, func.__name__ + suffix, func.__defaults__)
    copy.__qualname__ = func.__qualname__ + suffix
    return copy


class Dual:
    """A kernel compiled twice, parallel and serial, called as one function.

    ``work(*args)`` estimates the multiply-adds of a call; :func:`run_parallel` (with the
    batch size as rows) chooses the compilation.
    """

    def __init__(self, func, work):
        self.parallel = njit(cache=True, parallel=True)(func)
        self.serial = njit(cache=True)(_renamed(func, "_serial"))
        self.work = work
        self.__name__ = func.__name__.lstrip("_")
        self.__doc__ = func.__doc__

    def __call__(self, *args):
        return (self.parallel if run_parallel(self.work(*args), args[0].shape[0]) else self.serial)(*args)


#: One asynchronous sweep in pattern space (see ``_sweep_patterns``); flips per cue.
async_sweep_patterns = Dual(_sweep_patterns, lambda s, o, xi_t, *rest: s.shape[0] * s.shape[1] * xi_t.shape[1])
#: One asynchronous sweep with explicit weights (see ``_sweep_weights``); flips per cue.
async_sweep_weights = Dual(_sweep_weights, lambda s, *rest: s.shape[0] * s.shape[1] * max(1, s.shape[1] // 10))


def _sync_sign(h, x, p, clamp):
    """The parallel T = 0 update of a batch from its fields: ``sign(h - p x)`` as int8, a zero
    keeping the spin (an unknown spin, 0, becomes +1), clamped entries kept.

    h : (B, n) fields without the diagonal term (float32 or float64 integers, exact)
    x : (B, n) int8 current states
    p : the diagonal term's weight (P for Hebbian pattern-space fields, 0 for explicit weights)
    clamp : (B, n) bool, or shape (0, 0) for none
    Returns int8 (B, n): one pass over the fields, in place of the separate array passes of the
    reference twin (identical values: the comparisons are of exact integers).
    """
    rows, n = x.shape
    new = np.empty((rows, n), dtype=np.int8)
    clamped = clamp.shape[0] > 0
    for r in prange(rows):
        for j in range(n):
            old = x[r, j]
            d = h[r, j] - p * old
            v = np.int8(1) if d > 0 else (np.int8(-1) if d < 0 else (np.int8(1) if old == 0 else old))
            if clamped and clamp[r, j]:
                v = old
            new[r, j] = v
    return new


#: Cues whose next T = 0 sweep flips nothing (see ``_quiet_cues``).
quiet_cues = Dual(_quiet_cues, lambda s, *rest: s.shape[0] * s.shape[1])
#: Entries compared per block before a row's comparison may stop (the row already differs
#: from both): blocks of this many run in SIMD lanes.
_STATUS_BLOCK = 64


def _step_status(new, old, prev, cycles):
    """How each row of an iterated map stands after a step: ``STATUS_FIXED`` where ``new``
    equals ``old`` (the state it was computed from), else ``STATUS_CYCLE`` where ``cycles``
    and it equals ``prev`` (the state one step before), else -1 (still running).

    new, old, prev : (B, n) arrays of one dtype (``prev`` is ignored without ``cycles``).
    Returns int8 (B,). A row's comparison stops at the first block of entries where it differs
    from both, so running rows cost a few blocks and fixed rows one pass."""
    rows, n = new.shape
    out = np.empty(rows, dtype=np.int8)
    for r in prange(rows):
        same_old = True
        same_prev = cycles
        j = 0
        while j < n and (same_old or same_prev):
            e = min(n, j + _STATUS_BLOCK)
            d_old = False
            d_prev = False
            for k in range(j, e):
                d_old |= new[r, k] != old[r, k]
                d_prev |= new[r, k] != prev[r, k]
            same_old = same_old and not d_old
            same_prev = same_prev and not d_prev
            j = e
        out[r] = STATUS_FIXED if same_old else (STATUS_CYCLE if same_prev else -1)
    return out


#: Row status after a step of an iterated map (see ``_step_status``).
step_status = Dual(_step_status, lambda new, *rest: new.shape[0] * new.shape[1])
#: The synchronous sign update (see ``_sync_sign``).
sync_sign = Dual(_sync_sign, lambda h, x, p, clamp: 4 * x.shape[0] * x.shape[1])


@njit(cache=True)
def pattern_overlaps(states, xi_t, out):
    """``out[b, mu] = sum_i states[b, i] xi_t[i, mu]`` in ``out``'s dtype: integer sums over the
    nonzero spins of each state, stored as they are (the caller picks a dtype that holds them
    exactly, as :func:`assoc.memories.hopfield.overlap_dtype` does). Serial: for a few states.

    states : (B, n) int8 in {-1, 0, +1}; xi_t : (n, P) int8; out : (B, P). Returns ``out``."""
    nb, n = states.shape
    p = xi_t.shape[1]
    raw = np.zeros(p, dtype=np.int64)
    for b in range(nb):
        raw[:] = 0
        for i in range(n):
            si = np.int64(states[b, i])
            if si != 0:
                for mu in range(p):
                    raw[mu] += si * xi_t[i, mu]
        for mu in range(p):
            out[b, mu] = raw[mu]
    return out


@njit(cache=True)
def hebbian_summaries(states, raw, pattern_energy):
    """Overlaps and energies of a few final states in one serial call (an agent's read).

    states : (B, n) int8 in {-1, 0, +1}; raw : (B, P) their exact integer overlaps with the
    stored patterns (any real dtype holding them exactly).
    Returns the cosine overlaps (B, P) float64, ``raw / n`` for a +/-1 state and ``raw /
    sqrt(k n)`` for one with k nonzero entries (0 when k = 0); and, where ``pattern_energy``,
    the Hebbian energy ``-0.5 (sum_mu raw_mu**2 - P k) / n`` (B,) float64 (zeros otherwise).
    The same float64 operations as the matrix-product path: the sums of squares are exact
    integers, so their order does not matter."""
    nb, n = states.shape
    p = raw.shape[1]
    overlaps = np.zeros((nb, p))
    energy = np.zeros(nb)
    for b in range(nb):
        k = 0
        for i in range(n):
            k += states[b, i] != 0
        den = math.sqrt(np.float64(k) * np.float64(n))
        sq = 0.0
        for mu in range(p):
            r = np.float64(raw[b, mu])
            overlaps[b, mu] = r / den if den > 0 else 0.0
            sq += r * r
        if pattern_energy:
            energy[b] = -0.5 * (sq - np.float64(p) * np.float64(k)) / n
    return overlaps, energy


# the counter-based streams of the asynchronous sweeps (see assoc.kernels.ref: SplitMix64)
_G = np.uint64(ref.GOLDEN)
_M1 = np.uint64(ref.MIX1)
_M2 = np.uint64(ref.MIX2)


@njit(cache=True, inline="always")
def _mix(z):
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@njit(cache=True, inline="always")
def _seed(key, cue, sweep):
    return _mix(_mix(key + _G * np.uint64(cue + 1)) + _G * np.uint64(sweep + 1))


@njit(cache=True, inline="always")
def _uniform(seed, t):
    return np.float64(_mix(seed + _G * np.uint64(t + 1)) >> np.uint64(11)) * 2.0**-53


@njit(cache=True, inline="always")
def _fill_order(order, r, seed):
    """Row ``r`` of ``order``: a uniformly random permutation of ``arange(n)`` by Fisher-Yates,
    position t (from n - 1 down to 1) swapped with ``j = min(floor(u_t (t + 1)), t)``, u_t the
    t-th uniform of the SplitMix64 stream ``seed``."""
    n = order.shape[1]
    for t in range(n):
        order[r, t] = t
    for t in range(n - 1, 0, -1):
        j = min(int(_uniform(seed, t) * (t + 1)), t)
        a = order[r, t]
        order[r, t] = order[r, j]
        order[r, j] = a


@njit(cache=True, inline="always")
def _fill_uniforms(u, r, seed):
    """Row ``r`` of ``u``: the first n uniforms of the stream ``seed``."""
    for t in range(u.shape[1]):
        u[r, t] = _uniform(seed, t)


def _random_orders(active, key, first, sweep, n):
    """Visiting orders at sweep ``sweep`` for the cues ``first, first + 1, ...`` (one row per
    entry of ``active``): on active rows the permutation of :func:`_fill_order` from the stream
    of (key, cue, sweep); inactive rows are zeros. Returns int64 (rows, n)."""
    rows = active.shape[0]
    order = np.zeros((rows, n), dtype=np.int64)
    for r in prange(rows):
        if active[r]:
            _fill_order(order, r, _seed(key, first + r, sweep))
    return order


def _random_uniforms(active, key, first, sweep, n):
    """Heat-bath uniforms at sweep ``sweep`` for the cues ``first, ...``: row r holds the
    first n uniforms of the stream of cue ``first + r`` where active, zeros elsewhere."""
    rows = active.shape[0]
    u = np.zeros((rows, n))
    for r in prange(rows):
        if active[r]:
            _fill_uniforms(u, r, _seed(key, first + r, sweep))
    return u


#: Random visiting orders (see ``_random_orders``).
random_orders = Dual(_random_orders, lambda active, key, first, sweep, n: 8 * active.shape[0] * n)
#: Heat-bath uniforms (see ``_random_uniforms``).
random_uniforms = Dual(_random_uniforms, lambda active, key, first, sweep, n: 4 * active.shape[0] * n)


# ---------------------------------------------------------------- whole runs of small batches
# A batch whose sweeps are small work (an agent's single-cue read) spends most of its time in
# the Python driver between sweeps: drawing the orders, dispatching the kernel, keeping the
# books. These run every sweep of such a batch in one compiled call, with the same streams,
# bodies and books as ``assoc.dynamics.run_async_sweeps`` (so the same states, steps and
# status), serially.


@njit(cache=True, inline="always")
def _cue_patterns(b, s, overlaps, xi_t, order, clamp, temperature, uniforms, scale):
    return _patterns_cue(b, s, overlaps, xi_t, order, clamp, temperature, uniforms)


@njit(cache=True, inline="always")
def _cue_weights(b, s, fields, w, order, clamp, temperature, uniforms, scale):
    if temperature == 0.0:
        return _weights_events_cue(b, s, fields, w, order, clamp, scale)
    return _weights_cue(b, s, fields, w, order, clamp, temperature, uniforms, scale)


@njit(cache=True, inline="always")
def _moves_patterns(b, s, overlaps, clamp):
    return True  # unknown without the fields (n P work): the sweep finds out


@njit(cache=True, inline="always")
def _moves_weights(b, s, fields, clamp):
    return _any_candidate(b, s, fields, clamp)


def _async_run(s, state, couplings, clamp, temperature, key_order, key_uniform, limit, scale):
    """Every sweep of one cue body (``cue_sweep``: pattern space, or explicit fields) over
    the batch, cues numbered from 0: a cue runs until a sweep flips nothing (T = 0) or
    ``limit`` sweeps. ``state`` and ``couplings`` are the overlaps and transposed patterns, or
    the fields and weights, as the body takes them. At T = 0 a sweep of a cue that
    ``cue_moves`` finds without a spin that moves is quiet whatever the order: it counts
    without its order being drawn (the streams are counter-based, so no later draw changes).
    Returns steps (int64) and status (int8: fixed or limit) per cue."""
    rows, n = s.shape
    glauber = temperature > 0.0
    steps = np.zeros(rows, dtype=np.int64)
    status = np.full(rows, STATUS_LIMIT, dtype=np.int8)
    active = np.ones(rows, dtype=np.bool_)
    order = np.zeros((rows, n), dtype=np.int64)
    uniforms = np.zeros((rows, n) if glauber else (1, 1))
    for k in range(limit):
        running = False
        for b in range(rows):
            if active[b]:
                if glauber or cue_moves(b, s, state, clamp):  # noqa: F821
                    _fill_order(order, b, _seed(key_order, b, k))
                    if glauber:
                        _fill_uniforms(uniforms, b, _seed(key_uniform, b, k))
                    flips = cue_sweep(b, s, state, couplings, order, clamp, temperature, uniforms, scale)  # noqa: F821
                else:
                    flips = 0
                steps[b] += 1
                if not glauber and flips == 0:
                    status[b] = STATUS_FIXED
                    active[b] = False
                running = True
        if not running:
            break
    return steps, status


#: Whole asynchronous runs of small batches in pattern space (see ``_async_run``):
#: ``(s, overlaps, xi_t, clamp, temperature, key_order, key_uniform, limit, scale)``.
async_run_patterns = njit(cache=True)(_renamed(
    sweeps.bind(_async_run, cue_sweep=_cue_patterns, cue_moves=_moves_patterns), "_patterns"))
#: Whole asynchronous runs of small batches on explicit fields (see ``_async_run``):
#: ``(s, fields, w, clamp, temperature, key_order, key_uniform, limit, scale)``.
async_run_weights = njit(cache=True)(_renamed(
    sweeps.bind(_async_run, cue_sweep=_cue_weights, cue_moves=_moves_weights), "_weights"))
