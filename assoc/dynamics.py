"""The recall loops shared by the memory classes, and the checks of their dynamics settings.

Two drivers, written once and parametrised by what differs between memories:

:func:`run_async_sweeps`
    random-sequential sweeps: each sweep takes a fresh update order per cue (and, at T > 0,
    one uniform per spin visit) from counter-based streams keyed by two numbers drawn from
    the memory's generator (:func:`draw_keys`), hands them to a
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

from functools import lru_cache
from typing import Any, Callable

import numpy as np

from .kernels import kernel
from .memory import STATUS_CYCLE, STATUS_FIXED, STATUS_LIMIT, check_float, to_numpy

__all__ = ["check_clamp", "check_temperature", "draw_keys", "draw_orders", "draw_uniforms", "run_async_sweeps",
           "run_async_sweeps_chunked", "run_to_fixed_point"]


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


def draw_keys(rng: np.random.Generator) -> np.ndarray:
    """The two 64-bit keys of one recall's random streams (visiting orders, heat-bath
    uniforms): two raw outputs of the memory generator's bit generator, the only draws a run
    of asynchronous sweeps takes from it."""
    return rng.bit_generator.random_raw(2)


def draw_orders(keys: np.ndarray, first: int, sweep: int, active: np.ndarray, n: int) -> np.ndarray:
    """Visiting orders of ``n`` spins for the cues ``first, first + 1, ...`` (one row each) at
    sweep ``sweep``: a uniformly random permutation per row where ``active`` (other rows are
    zeros), a function of ``(keys[0], cue, sweep)`` alone (kernel ``random_orders``:
    Fisher-Yates driven by a SplitMix64 stream). Rows of a chunk of the batch therefore get
    the orders they would get in the whole batch, finished cues cost nothing, and the compiled
    kernel runs for every backend so every backend sees the same orders."""
    return _stream_kernel("random_orders")(active, np.uint64(keys[0]), first, sweep, n)


def draw_uniforms(keys: np.ndarray, first: int, sweep: int, active: np.ndarray, n: int) -> np.ndarray:
    """Heat-bath uniforms in [0, 1) for the cues ``first, ...`` at sweep ``sweep`` (rows where
    ``active``), from ``(keys[1], cue, sweep)`` alone (kernel ``random_uniforms``)."""
    return _stream_kernel("random_uniforms")(active, np.uint64(keys[1]), first, sweep, n)


@lru_cache(maxsize=None)
def _stream_kernel(name: str) -> Callable:
    return kernel(name, "numba")


def _same(x: Any) -> Any:
    return x


def _movers(backend: Any) -> tuple[Callable, Callable]:
    if backend is None or getattr(backend, "xp", None) is np:  # host arrays stay as they are
        return _same, _same
    return backend.asarray, backend.to_numpy


def run_async_sweeps(
    sweep: Callable[[Any, Any, Any], Any],
    rng: np.random.Generator,
    shape: tuple[int, int],
    limit: int,
    *,
    glauber: bool = False,
    backend: Any = None,
    quiet: Callable[[np.ndarray], Any] | None = None,
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
        Gives the two keys of the run (:func:`draw_keys`), from which every cue's order at
        every sweep (:func:`draw_orders`) and, with Glauber dynamics, its uniforms
        (:func:`draw_uniforms`) follow.
    limit : int
        Most sweeps.
    glauber : bool
        Heat-bath dynamics at T > 0: every cue runs all ``limit`` sweeps (status limit).
        Otherwise a cue stops (status fixed) after the first sweep that flips nothing.
    backend : Backend or None
        Moves ``order``, ``active`` and ``uniforms`` onto the device and ``flips`` back;
        None leaves host arrays as they are.
    quiet : callable, optional
        T = 0 only: ``quiet(active)``, called before each sweep with the host mask of the
        cues still running, returns a host bool mask (B,) of cues the caller knows have no
        spin that moves (none unknown, none opposed to its field), or None when it does not
        know. Their sweep would flip nothing in any order, so they get its result (one more
        step, status fixed) without it and without drawing their order; the streams are
        counter-based, so every other cue's draws stay as they were.

    Returns
    -------
    steps : (B,) int64 sweeps run per cue
    status : (B,) int8 STATUS_FIXED or STATUS_LIMIT
    """
    if quiet is not None and glauber:
        raise ValueError("quiet cues are known only at T = 0, got glauber=True")
    return _drive(sweep, draw_keys(rng), 0, shape[0], shape[1], limit, glauber, backend, quiet)


def _drive(sweep, keys, lo, hi, n, limit, glauber, backend, quiet=None):
    """Sweeps of the cues ``lo:hi`` of a batch, with the streams of ``keys``; steps and status."""
    put, get = _movers(backend)
    rows = hi - lo
    active = np.ones(rows, dtype=bool)
    steps = np.zeros(rows, dtype=np.int64)
    status = np.full(rows, STATUS_LIMIT, dtype=np.int8)
    uniforms = put(np.zeros((rows, n)))
    single = rows == 1  # one cue (an agent's read): the same books kept with scalars
    for k in range(limit):
        if quiet is not None:
            known = quiet(active)
            if known is not None:
                done = active & np.asarray(known, dtype=bool)
                if done.any():
                    steps[done] += 1
                    status[done] = STATUS_FIXED
                    active &= ~done
                    if not active.any():
                        break
        order = draw_orders(keys, lo, k, active, n)
        if glauber:
            uniforms = put(draw_uniforms(keys, lo, k, active, n))
        flips = np.asarray(get(sweep(put(order), put(active), uniforms)))
        if single:
            steps[0] += 1
            if not glauber and flips[0] == 0:
                status[0] = STATUS_FIXED
                break
            continue
        steps[active] += 1
        if not glauber:
            done = active & (flips == 0)
            status[done] = STATUS_FIXED
            active &= ~done
            if not active.any():
                break
    return steps, status


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
    they are done, which collects their results (and may free their state). A cue's orders and
    uniforms depend only on the run's keys, its index in the batch and the sweep, so states,
    steps, status and the generator's final state are identical to one call of
    :func:`run_async_sweeps` on the whole batch.
    """
    b, n = shape
    chunk = max(1, int(chunk))
    keys = draw_keys(rng)
    steps = np.zeros(b, dtype=np.int64)
    status = np.full(b, STATUS_LIMIT, dtype=np.int8)
    for lo in range(0, b, chunk):
        hi = min(b, lo + chunk)
        sweep, finish = start_chunk(lo, hi)
        steps[lo:hi], status[lo:hi] = _drive(sweep, keys, lo, hi, n, limit, glauber, backend)
        finish()
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
    host = backend is None or getattr(backend, "xp", None) is np
    status_of = kernel("step_status", "numba" if host else backend)
    cur = states.copy()
    prev = None  # the states one step before, kept for the running rows only
    b = cur.shape[0]
    steps = np.zeros(b, dtype=np.int64)
    status = np.full(b, STATUS_LIMIT, dtype=np.int8)
    active = np.ones(b, dtype=bool)
    for _ in range(limit):
        rows = np.nonzero(active)[0]
        whole = len(rows) == b
        idx = put(rows)
        old = cur if whole else cur[idx]  # the step never writes to cur, so no copy is needed
        new = step(rows, cur)
        steps[rows] += 1
        have_prev = cycles and prev is not None
        if have_prev:
            before = prev if whole else prev[idx]
        else:
            before = old
        result = np.asarray(get(status_of(new, old, before, have_prev)))
        fixed = result == STATUS_FIXED
        cycle = result == STATUS_CYCLE
        status[rows[fixed]] = STATUS_FIXED
        status[rows[cycle]] = STATUS_CYCLE
        if whole:  # the first step always is: prev exists before any partial step
            if cycles:
                prev = old
            cur = new if new.dtype == cur.dtype else new.astype(cur.dtype)  # old lives on as prev
        else:
            if cycles:
                prev[idx] = old
            cur[idx] = new
        active[rows[fixed | cycle]] = False
        if not active.any():
            break
    return cur, steps, status
