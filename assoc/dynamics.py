"""The recall loops shared by the memory classes, and the checks of their dynamics settings.

Two drivers, written once and parametrised by what differs between memories:

:func:`run_async_sweeps`
    random-sequential sweeps: each sweep draws a fresh update order per cue from the
    memory's generator (and, at T > 0, one uniform per spin visit), hands them to a
    ``sweep`` callable that runs one compiled / reference kernel sweep over the active cues,
    and marks a cue converged when a sweep flips nothing (T = 0) or runs every sweep
    (Glauber, T > 0). Used by :class:`assoc.Hopfield` (async, glauber),
    :class:`assoc.DenseAssociativeMemory`, :class:`assoc.DenseHebbian`,
    :class:`assoc.MultitaskHebbian` and :class:`assoc.CascadeHopfield`.
    :func:`run_async_sweeps_chunked` runs the same sweeps a chunk of cues at a time (bounded
    working memory) with identical results and generator state.
:func:`run_to_fixed_point`
    deterministic iterated maps ``s <- step(s)`` (parallel updates, iterated read-outs): a
    cue stops at a fixed point (the new state equals the current one) or a two-cycle (it
    equals the one before), or after ``limit`` steps. Used by :class:`assoc.Hopfield`
    (sync), :class:`assoc.DenseAssociativeMemory` (sync), :class:`assoc.Willshaw` and
    :class:`assoc.KanervaSDM` (iterated recall).

Both return per-cue ``steps`` (int64) and ``status`` (int8: :data:`STATUS_FIXED`,
:data:`STATUS_CYCLE`, :data:`STATUS_LIMIT`). The drivers only draw random numbers, move
arrays and keep the books; the arithmetic stays in the kernels and step functions, so a
memory's results do not depend on which driver runs them.

:func:`check_temperature` and :func:`check_clamp` validate the ``temperature`` /
``dynamics`` pair and the ``clamp`` mask the same way for every class.
"""

from __future__ import annotations

import copy
from typing import Any, Callable

import numpy as np

from .memory import STATUS_CYCLE, STATUS_FIXED, STATUS_LIMIT, check_float, to_numpy

__all__ = ["check_clamp", "check_temperature", "run_async_sweeps", "run_async_sweeps_chunked", "run_to_fixed_point"]


def check_temperature(dynamics: str, temperature: Any) -> float:
    """Return ``temperature`` as a float, > 0 exactly when ``dynamics == "glauber"``.

    Raises TypeError / ValueError naming the parameter: a non-real or non-finite or negative
    temperature, a zero temperature with Glauber dynamics, a nonzero one with any other.
    """
    t = check_float("temperature", temperature, low=0)
    if dynamics == "glauber" and t == 0:
        raise ValueError("temperature must be > 0 with dynamics='glauber', got 0.0")
    if dynamics != "glauber" and t != 0:
        raise ValueError(f"temperature={t} requires dynamics='glauber', got dynamics={dynamics!r}")
    return t


def check_clamp(clamp: Any, shape: tuple) -> np.ndarray:
    """The host boolean clamp mask of a ``shape`` batch of cues (all False when ``clamp`` is None)."""
    if clamp is None:
        return np.zeros(shape, dtype=bool)
    mask = np.asarray(to_numpy(clamp))
    if mask.dtype != bool or mask.shape != tuple(shape):
        raise ValueError(
            f"clamp must be a boolean array of shape {tuple(shape)}, got dtype {mask.dtype} shape {mask.shape}"
        )
    return mask


def _movers(backend: Any) -> tuple[Callable, Callable]:
    if backend is None:
        return (lambda x: x), np.asarray
    return backend.asarray, backend.to_numpy


def run_async_sweeps(
    sweep: Callable[[Any, Any, Any], Any],
    rng: np.random.Generator,
    shape: tuple[int, int],
    limit: int,
    *,
    glauber: bool = False,
    backend: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Drive random-sequential sweeps over a ``shape = (B, n)`` batch of cues.

    Parameters
    ----------
    sweep : callable
        ``sweep(order, active, uniforms) -> flips``: one sweep of the kernel over the cues
        with ``active[b]`` True, visiting spins in the order ``order[b]`` (B, n) int64, with
        heat-bath uniforms (B, n) float64 (zeros at T = 0). It updates the caller's state
        arrays in place and returns the number of spins flipped per cue (B,). The three
        arrays arrive on ``backend``; ``flips`` may be on it too.
    rng : numpy Generator
        Draws, per sweep, ``rng.permuted(arange(n) tiled B times, axis=1)`` and then, with
        Glauber dynamics only, ``rng.random((B, n))``.
    limit : int
        Most sweeps.
    glauber : bool
        Heat-bath dynamics at T > 0: every cue runs all ``limit`` sweeps (status limit).
        Otherwise a cue stops (status fixed) after the first sweep that flips nothing.
    backend : Backend or None
        Moves ``order``, ``active`` and ``uniforms`` onto the device and ``flips`` back;
        None leaves host arrays as they are.

    Returns
    -------
    steps : (B,) int64 sweeps run per cue
    status : (B,) int8 STATUS_FIXED or STATUS_LIMIT
    """
    steps, status, _ = _drive(sweep, rng, shape, 0, shape[0], limit, glauber, backend)
    return steps, status


def _drive(sweep, rng, shape, lo, hi, limit, glauber, backend):
    """Sweeps of the cues ``lo:hi`` of a ``shape = (B, n)`` batch, drawing every sweep's orders
    (and uniforms) for the whole batch exactly as an undivided call would. Returns steps,
    status and the number of sweeps drawn."""
    put, get = _movers(backend)
    b, n = shape
    rows = hi - lo
    active = np.ones(rows, dtype=bool)
    steps = np.zeros(rows, dtype=np.int64)
    status = np.full(rows, STATUS_LIMIT, dtype=np.int8)
    base = np.tile(np.arange(n, dtype=np.int64), (b, 1))
    whole = lo == 0 and hi == b
    uniforms = put(np.zeros((rows, n)))
    drawn = 0
    if rows == 1:  # one cue (an agent's read): the same sweeps with scalar bookkeeping
        active_d = put(active)
        for _ in range(limit):
            order = rng.permuted(base, axis=1)
            if glauber:
                u = rng.random((b, n))
                uniforms = put(u if whole else u[lo:hi])
            drawn += 1
            flips = sweep(put(order if whole else order[lo:hi]), active_d, uniforms)
            steps[0] += 1
            if not glauber and int(get(flips)[0]) == 0:
                status[0] = STATUS_FIXED
                break
        return steps, status, drawn
    for _ in range(limit):
        order = rng.permuted(base, axis=1)
        if glauber:
            u = rng.random((b, n))
            uniforms = put(u if whole else u[lo:hi])
        drawn += 1
        flips = get(sweep(put(order if whole else order[lo:hi]), put(active), uniforms))
        steps[active] += 1
        if not glauber:
            done = active & (flips == 0)
            status[done] = STATUS_FIXED
            active &= ~done
            if not active.any():
                break
    return steps, status, drawn


def run_async_sweeps_chunked(
    start_chunk: Callable[[int, int], tuple[Callable, Callable[[], None]]],
    rng: np.random.Generator,
    shape: tuple[int, int],
    limit: int,
    chunk: int,
    *,
    glauber: bool = False,
    backend: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`run_async_sweeps` over the batch ``chunk`` cues at a time, with the same results.

    ``start_chunk(lo, hi)`` sets up the state of cues ``lo:hi`` and returns ``(sweep, finish)``:
    ``sweep`` as in :func:`run_async_sweeps` for those rows only, and ``finish()``, called when
    they are done, which collects their results (and may free their state). Every chunk replays
    the generator from the same start and takes its rows of each sweep's draws for the whole
    batch; at the end the generator is advanced by the sweeps an undivided call would have
    drawn (the most any chunk ran). States, steps, status and the generator's final state are
    therefore identical to one call of :func:`run_async_sweeps` on the whole batch.
    """
    b = shape[0]
    chunk = max(1, int(chunk))
    steps = np.zeros(b, dtype=np.int64)
    status = np.full(b, STATUS_LIMIT, dtype=np.int8)
    if chunk >= b:
        sweep, finish = start_chunk(0, b)
        steps, status, _ = _drive(sweep, rng, shape, 0, b, limit, glauber, backend)
        finish()
        return steps, status
    start = copy.deepcopy(rng.bit_generator.state)
    most = 0
    for lo in range(0, b, chunk):
        hi = min(b, lo + chunk)
        rng.bit_generator.state = start
        sweep, finish = start_chunk(lo, hi)
        steps[lo:hi], status[lo:hi], drawn = _drive(sweep, rng, shape, lo, hi, limit, glauber, backend)
        finish()
        most = max(most, drawn)
    rng.bit_generator.state = start
    base = np.tile(np.arange(shape[1], dtype=np.int64), (b, 1))
    for _ in range(most):  # leave the generator where the undivided call leaves it
        rng.permuted(base, axis=1)
        if glauber:
            rng.random(shape)
    return steps, status


def run_to_fixed_point(
    step: Callable[[np.ndarray, Any], Any],
    states: Any,
    limit: int,
    *,
    cycles: bool = True,
    backend: Any = None,
) -> tuple[Any, np.ndarray, np.ndarray]:
    """Iterate a deterministic map on a ``(B, n)`` batch until every row stops.

    Parameters
    ----------
    step : callable
        ``step(rows, cur) -> new``: the next states of the rows ``rows`` (host int64 indices
        of the cues still running) of the current batch ``cur`` (B, n), shape
        ``(len(rows), n)``, same dtype and device as ``cur``. It may read any row of ``cur``
        (a matrix product over the whole batch, say) but must not write to it.
    states : array, shape (B, n)
        Start states (host, or on ``backend``); copied, never modified.
    limit : int
        Most steps.
    cycles : bool
        Also stop a row whose new state equals its state one step before (a two-cycle,
        status cycle). With False only fixed points stop a row.
    backend : Backend or None
        Where ``states`` lives: row indices are moved onto it and comparisons brought back.

    Returns
    -------
    states : (B, n) final states (a copy, on the backend of ``states``)
    steps : (B,) int64 steps run per row
    status : (B,) int8 STATUS_FIXED, STATUS_CYCLE or STATUS_LIMIT
    """
    put, get = _movers(backend)
    cur = states.copy()
    prev = None
    b = cur.shape[0]
    steps = np.zeros(b, dtype=np.int64)
    status = np.full(b, STATUS_LIMIT, dtype=np.int8)
    active = np.ones(b, dtype=bool)
    for _ in range(limit):
        rows = np.nonzero(active)[0]
        idx = put(rows)
        old = cur[idx]
        new = step(rows, cur)
        steps[rows] += 1
        fixed = np.asarray(get((new == old).all(axis=1)), dtype=bool)
        if prev is not None:
            cycle = ~fixed & np.asarray(get((new == prev[idx]).all(axis=1)), dtype=bool)
        else:
            cycle = np.zeros(len(rows), dtype=bool)
        status[rows[fixed]] = STATUS_FIXED
        status[rows[cycle]] = STATUS_CYCLE
        if cycles:
            prev = cur.copy()
        cur[idx] = new
        active[rows[fixed | cycle]] = False
        if not active.any():
            break
    return cur, steps, status
