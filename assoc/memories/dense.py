"""Dense associative memory (polynomial and exponential energies) and the pattern-space
engine shared by the +/-1 dense families.

``DenseAssociativeMemory``
    +/-1 neurons with energy ``E(s) = -sum_mu F(xi_mu . s)`` (Krotov & Hopfield 2016,
    "Dense associative memory for pattern recognition", NeurIPS), with ``F(x) = x**n``
    (any integer ``n >= 2``), the rectified polynomial ``F(x) = max(x, 0)**n``, or
    ``F(x) = exp(x)`` (Demircigil, Heusel, Loewe, Upgang & Vermet 2017, "On a model of
    associative memory with huge storage capacity", J. Stat. Phys. 168). The polynomial
    memory stores of order ``N**(n-1)`` patterns, the exponential one ``exp(alpha N)``.

The other dense families live next to it: :mod:`assoc.memories.modern` (``ModernHopfield``),
:mod:`assoc.memories.dense_hebbian` (``DenseHebbian``) and :mod:`assoc.memories.multitask`
(``MultitaskHebbian``).

The engine (``_run_async``, ``_power_scale``) is shared by ``DenseAssociativeMemory``,
``DenseHebbian`` and ``MultitaskHebbian``, which all run in pattern space: the overlaps
``M_mu = x_mu . s`` of the state with the stored (integer) patterns are kept, the energy gap
of spin i,

    Delta_i = sum_mu F(A_mu + x_mu,i) - F(A_mu - x_mu,i),   A_mu = M_mu - x_mu,i s_i,

costs O(P), and a flip updates the P overlaps in O(P). ``Delta_i > 0`` favours ``s_i = +1``.
No coupling tensor is ever built. The kernels live in :mod:`assoc.kernels.cpu_dense`
(numba) and :mod:`assoc.kernels.ref_dense` (numpy / cupy); both give identical states.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Callable

import numpy as np

from ..dynamics import check_clamp, check_temperature, draw_keys, run_async_sweeps_chunked, run_to_fixed_point
from ..kernels import kernel
from ..memory import (
    STATUS_FIXED,
    BaseMemory,
    Recall,
    append_rows,
    check_choice,
    check_int,
    check_memory_estimate,
    check_patterns,
    chunk_rows,
)

ENERGIES = ("polynomial", "rectified", "exponential")
DYNAMICS = ("async", "sync", "glauber")
_KIND = {"polynomial": 0, "rectified": 1, "exponential": 2}

#: Below this bound every float64 sum of integer powers is exact, whatever the order.
EXACT = 2.0**52


# --------------------------------------------------------------------------- shared engine


@functools.lru_cache(maxsize=None)
def _kernel(name: str, backend: str) -> Callable:
    """:func:`assoc.kernels.kernel` looked up once per kernel and backend name (the table is fixed;
    a single-cue recall would otherwise spend microseconds finding the same kernels)."""
    return kernel(name, backend)


@functools.lru_cache(maxsize=256)
def _power_scale(n: int, degree: int, p: int, maxabs: int = 1) -> float:
    """1.0 (raw integer overlaps, exact in float64) if ``p (n maxabs + 2 maxabs)**degree`` fits in
    2**52, else ``1 / (n maxabs)`` (overlaps normalised to [-1, 1] so powers cannot overflow)."""
    top = float(n * maxabs + 2 * maxabs)
    if degree * math.log2(top) + math.log2(max(p, 1)) + 1 < 52:
        return 1.0
    return 1.0 / (n * maxabs)


@functools.lru_cache(maxsize=32)
def _exp_table(n: int) -> np.ndarray:
    """``exp(-k)`` for k = 0 .. 2n + 2: every shifted exponential the kernels can ask for
    (cached and shared between calls: never written to)."""
    return np.exp(-np.arange(2 * n + 3, dtype=np.float64))


@functools.lru_cache(maxsize=32)
def _ftab(n: int, degree: int, inv: float, rectified: bool) -> tuple[np.ndarray, int]:
    """``F((k - off) inv)`` for k = 0 .. 2 off with ``off = n + 2``, powers by repeated products
    (cached and shared between calls: never written to)."""
    off = n + 2
    y = (np.arange(2 * off + 1, dtype=np.int64) - off) * inv
    if rectified:
        y = np.maximum(y, 0.0)
    f = y.copy()
    for _ in range(degree - 1):
        f = f * y
    return f, off


#: Float64 entries of one block of patterns in the numpy twin of the overlap kernel (64 MiB).
_BLOCK_ENTRIES = 2**23

#: Largest n of the cubic closed-form kernel: its overlaps are held in int16 and the sums of
#: two squares in int32 (see :mod:`assoc.kernels.cpu_dense`).
CUBIC_MAX_N = 4096


def _pattern_stats(mem: BaseMemory, xt: np.ndarray) -> tuple[bool, np.ndarray]:
    """Whether every entry of the transposed patterns ``xt`` (N, P) is +/-1, and their column
    sums ``xt.sum(axis=1)`` (N,) int64; kept on ``mem`` with its transposed patterns when ``xt``
    is that copy (``mem._xt``, cleared with it at the next store)."""
    if getattr(mem, "_xt", None) is not xt:
        return bool((xt != 0).all()), xt.sum(axis=1, dtype=np.int64)
    if getattr(mem, "_xt_stats", None) is None:
        mem._xt_stats = bool((xt != 0).all()), xt.sum(axis=1, dtype=np.int64)
    return mem._xt_stats


def _pattern_layout(mem: BaseMemory, xt: np.ndarray, x_rows: np.ndarray | None, build: Callable) -> tuple:
    """The bit layouts of the +/-1 patterns that a compiled cubic kernel reads (``build(xt,
    x_rows)``, e.g. :func:`assoc.kernels.cpu_dense.cubic_layout`); kept on ``mem`` with its
    transposed patterns when ``xt`` is that copy (``mem._xt_bits``, keyed by ``xt`` itself, so
    a later store, which replaces ``mem._xt``, rebuilds them)."""
    if getattr(mem, "_xt", None) is not xt:
        return build(xt, x_rows)
    cached = getattr(mem, "_xt_bits", None)
    if cached is None or cached[0] is not xt:
        cached = mem._xt_bits = (xt, build(xt, x_rows))
    return cached[1]


def _run_async(mem: BaseMemory, s: np.ndarray, clamp: np.ndarray, limit: int, xt: np.ndarray, *, kind: int,
               degree: int, inv: float, gscale: float, temperature: float, table_kernel: bool = True,
               closed_form: bool = True,
               collect: Callable[[int, int, np.ndarray, np.ndarray], None] | None = None,
               row_bytes: float = 0, fixed_bytes: float = 0, x_rows: np.ndarray | None = None):
    """Random-sequential sweeps in pattern space until a sweep flips nothing (T = 0) or for
    ``limit`` sweeps (Glauber, T > 0). Returns ``(states, None, steps, status)``.

    ``xt`` (N, P) holds the stored integer patterns, transposed. Polynomial kinds on patterns
    in {-1, 0, +1} run the table kernel (two dot products per spin visit); the exponential
    kind and larger integer entries run the direct kernel. ``F(x) = x**3`` on raw overlaps
    with +/-1 patterns and n <= :data:`CUBIC_MAX_N` runs the table kernel's cubic closed form
    unless ``closed_form`` is False (the same states; per visit one masked sum of the squared
    overlaps). Where the backend's kernel has a ``layout`` (the compiled CPU kernels), the
    patterns are also kept as bits (:func:`_pattern_layout`): the cubic form reads them, and
    the overlaps of each chunk are popcounts.

    The batch runs a chunk of cues at a time so that its (chunk, P) int64 overlaps, plus
    ``row_bytes`` per cue and ``fixed_bytes`` the caller needs besides, stay within the
    working-memory budget (:func:`assoc.memory.chunk_rows`; refused before allocating when
    one cue does not fit); results and the generator's state are those of one undivided run
    (:func:`assoc.dynamics.run_async_sweeps_chunked`). ``collect(lo, hi, states, overlaps)``
    receives each chunk's final states (host int8) and overlaps (host int64) as it finishes.
    ``x_rows``, when the caller holds them, are the same patterns row-major (P, N), C-contiguous:
    the overlaps of each chunk are then built from contiguous blocks.
    """
    be = mem.backend
    b, n = s.shape
    p = xt.shape[1]
    cubic = lanes = rows = None
    if kind == 2 or not table_kernel:
        sweep = _kernel("dense_async_sweep", be.name)
        table = _exp_table(n) if kind == 2 else np.ones(1)
        args = (kind, degree, inv, be.asarray(table))
        per_row = 8 * p
    else:
        sweep = _kernel("dense_async_sweep_table", be.name)
        pm1, colsum = _pattern_stats(mem, xt)
        if closed_form and kind == 0 and degree == 3 and inv == 1.0 and pm1 and n <= CUBIC_MAX_N:
            # the cubic closed form: one masked sum of squares per visit, arithmetic updates per
            # flip (the table arguments are unused)
            args = (None, 0, pm1, True)
            cubic = be.asarray(colsum)
            layout = getattr(sweep, "layout", None)
            if layout is not None:
                kept = getattr(mem, "_xt_bits", None)
                if getattr(mem, "_xt", None) is not xt or kept is None or kept[0] is not xt:
                    # the bits about to be built: N P / 8 bytes twice
                    fixed_bytes = fixed_bytes + p * n // 4
                lanes, rows = _pattern_layout(mem, xt, x_rows, layout)
            per_row = 8 * p + 2 * (p + 256)  # overlaps, and the kernel's int16 overlaps
        else:
            ftab, off = _ftab(n, degree, inv, kind == 1)
            args = (be.asarray(ftab), off, pm1, inv == 1.0)
            per_row = 8 * p + 3 * 8 * p  # overlaps, and the kernel's three per-pattern vectors
    per_row += 20 * n + row_bytes  # state, clamp, order, uniforms
    what = f"asynchronous recall of {b} cues against {p} patterns of n={n}"
    if rows is None:  # the overlaps' product blocks
        fixed_bytes = fixed_bytes + 8 * min(p * n, _BLOCK_ENTRIES)
    chunk = chunk_rows(b, per_row, what, fixed_bytes=fixed_bytes)
    xt_d = be.asarray(xt)
    states = np.empty_like(s)
    xt_rows = xt if x_rows is None else x_rows.T  # the same numbers, read row-major by the numpy twin
    overlaps_of = _kernel("dense_overlaps", be.name)
    extra = () if cubic is None else (cubic, lanes)
    whole = None if cubic is None or lanes is None or chunk < b else getattr(sweep, "cubic_run", None)
    if whole is not None:
        from ..kernels.cpu import PARALLEL_MIN_WORK

        if b * n * p < PARALLEL_MIN_WORK:
            # a small batch (an agent's read): every sweep in one compiled call, serially (as the
            # kernel policy runs such sweeps), with the streams, sweeps and books of the driver
            keys = draw_keys(mem.rng)
            states[...] = s
            ov = overlaps_of(s, xt_d, None, rows)
            steps, status = whole(states, ov, xt_d, lanes, cubic, np.ascontiguousarray(clamp), gscale, temperature,
                                  keys[0], keys[1], limit)
            if collect is not None:
                collect(0, b, states, ov)
            return states, None, steps, status

    def start_chunk(lo, hi):
        state = be.asarray(s[lo:hi].copy())
        ov = overlaps_of(be.asarray(s[lo:hi]), xt_d if be.name != "numpy" else xt_rows, None, rows)
        clamp_d = be.asarray(np.ascontiguousarray(clamp[lo:hi]))

        def one_sweep(order, active, uniforms):
            return sweep(state, ov, xt_d, order, active, clamp_d, *args, gscale, temperature, uniforms, *extra)

        def finish():
            states[lo:hi] = be.to_numpy(state)
            if collect is not None:
                collect(lo, hi, states[lo:hi], be.to_numpy(ov))

        return one_sweep, finish

    steps, status = run_async_sweeps_chunked(start_chunk, mem.rng, s.shape, limit, chunk, glauber=temperature > 0,
                                             backend=be)
    return states, None, steps, status


def _gaps_all(s: np.ndarray, x: np.ndarray, *, kind: int, degree: int, inv: float, pm1: bool) -> np.ndarray:
    """Energy gaps ``Delta`` (B, N) of every spin of every state at once, as matrix products.

    With ``x_mu,i`` in {-1, 0, +1} (or any integer for the polynomial kinds, through x**2) and
    ``f_k = F(M + k)``: ``Delta_i = s_i sum_mu x_mu,i**2 (f_0 - e_2) + sum_mu x_mu,i o_2`` for
    ``s_i = +/-1`` and ``2 sum_mu x_mu,i o_1`` for ``s_i = 0``, where
    ``e_k = (f_k + f_-k)/2`` and ``o_k = (f_k - f_-k)/2``. For the exponential kind every row is
    divided by ``exp(max_mu M_mu)`` (signs unchanged). States run a chunk at a time within the
    working-memory budget (:func:`assoc.memory.chunk_rows`).
    """
    b, n = s.shape
    p = x.shape[0]
    step = chunk_rows(b, 8 * 10 * max(p, n), f"energy gaps of {b} states against {p} patterns of n={n}",
                      fixed_bytes=8 * p * n * (1 if pm1 else 2) + 8 * b * n)
    xf = x.astype(np.float64)
    x2 = None if pm1 else xf * xf
    out = np.empty((b, n), dtype=np.float64)
    for lo in range(0, b, step):
        sb = s[lo:lo + step].astype(np.float64)
        m = sb @ xf.T
        if kind == 2:
            c = m.max(axis=1, keepdims=True)

            def f(k, m=m, c=c):
                return np.exp(m + k - c)
        else:

            def f(k, m=m):
                y = (m + k) * inv
                if kind == 1:
                    y = np.maximum(y, 0.0)
                v = y.copy()
                for _ in range(degree - 1):
                    v = v * y
                return v
        f0, fp1, fm1, fp2, fm2 = f(0), f(1), f(-1), f(2), f(-2)
        lin = ((fp2 - fm2) / 2) @ xf
        q = f0 - (fp2 + fm2) / 2
        quad = q.sum(axis=1, keepdims=True) if pm1 else q @ x2
        half = ((fp1 - fm1) / 2) @ xf
        out[lo:lo + step] = np.where(sb == 0, 2 * half, sb * quad + lin)
    return out


def _sync(gap_fn, s: np.ndarray, limit: int):
    """Parallel updates ``s <- sign(Delta)`` (ties keep the spin, an unknown 0 becomes +1)."""

    def step(rows, cur):
        old = cur[rows]
        d = gap_fn(old)
        return np.where(d > 0, 1, np.where(d < 0, -1, np.where(old == 0, 1, old))).astype(np.int8)

    return run_to_fixed_point(step, s, limit)


def _stable(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    """A state is a fixed point when no deterministic update changes any spin."""
    keep = (s * d > 0) | ((d == 0) & (s != 0))
    return keep.all(axis=1)


# --------------------------------------------------------------------------- Krotov-Hopfield


class DenseAssociativeMemory(BaseMemory):
    """Dense associative memory of ``n`` +/-1 neurons (Krotov & Hopfield 2016).

    Energy ``E(s) = -sum_mu F(xi_mu . s)`` over the stored patterns ``xi_mu``.

    Parameters
    ----------
    n : int
        Number of neurons (>= 1).
    energy : {"polynomial", "rectified", "exponential"}
        ``F(x) = x**degree``, ``max(x, 0)**degree`` or ``exp(x)`` (Demircigil et al. 2017).
    degree : int
        Interaction order of the polynomial energies, an integer >= 2 (2 is the classical
        Hopfield network). Ignored by the exponential energy.
    dynamics : {"async", "sync", "glauber"}
        Random-sequential updates ``s_i <- sign(Delta_i)`` until a sweep changes nothing;
        parallel updates (fixed points and two-cycles detected); or random-sequential
        heat-bath updates at ``temperature`` for ``max_steps`` sweeps.
    temperature : float
        Glauber temperature T > 0 (only with ``dynamics="glauber"``). A spin is set to +1 with
        probability ``1 / (1 + exp(-Delta_i / (degree n**(degree-1) T)))`` for the polynomial
        energies (at degree 2 this is the Hopfield network's ``1/(1 + exp(-2 h_i / T))``), and
        ``1 / (1 + exp(-Delta_i / T))`` for the exponential energy.
    max_steps : int
        Most sweeps (async, glauber) or parallel updates (sync) per recall.
    backend : {"auto", "numpy", "numba", "cupy"}
    seed : int or None
        Seeds the generator of update orders and Glauber noise.

    Notes
    -----
    A stored pattern is stable at T = 0 while ``P < N**(n-1) / (2 (2n-3)!! ln N)`` (Krotov &
    Hopfield 2016): the capacity grows as ``N**(n-1)``. With the exponential energy
    ``exp(alpha N)`` patterns are retrieved from cues with a fraction ``rho`` of flipped
    bits for ``alpha < I(1 - 2 rho) / 2`` (Demircigil et al. 2017; see
    :func:`assoc.theory.demircigil_alpha`). Exponentials are summed after shifting by the
    largest overlap (from a table of ``exp(-k)``), so nothing overflows at any n.

    Examples
    --------
    >>> import assoc
    >>> mem = assoc.DenseAssociativeMemory(n=100, degree=3, backend="numpy", seed=0)
    >>> xi = assoc.patterns.random_pm1(200, 100, rng=1)      # P = 2 n, far above Hopfield's 0.14 n
    >>> mem.store(xi)
    >>> out = mem.recall(assoc.patterns.flip(xi[:20], 0.1, rng=2))
    >>> bool((out.states == xi[:20]).all())
    True
    """

    alphabet = "pm1"
    _params = ("energy_kind", "degree", "dynamics", "temperature", "max_steps")

    def __init__(
        self,
        n: int,
        energy: str = "polynomial",
        degree: int = 3,
        dynamics: str = "async",
        *,
        temperature: float = 0.0,
        max_steps: int = 100,
        backend: str = "auto",
        seed: int | None = None,
    ):
        super().__init__(n, backend=backend, seed=seed)
        self.energy_kind = check_choice("energy", energy, ENERGIES)
        self.degree = check_int("degree", degree, low=2)
        self.dynamics = check_choice("dynamics", dynamics, DYNAMICS)
        self.temperature = check_temperature(self.dynamics, temperature)
        self.max_steps = check_int("max_steps", max_steps, low=1)
        self._xt: np.ndarray | None = None
        self._xt_of: np.ndarray | None = None
        self._xt_stats: tuple[bool, np.ndarray] | None = None
        self._xt_bits: tuple | None = None

    # ------------------------------------------------------------------ storage
    def store(self, patterns: Any, values: Any = None) -> None:
        """Store a ``(P, n)`` batch of +/-1 patterns (online: may be called again).

        Dense associative memories are auto-associative; ``values`` must be None.
        """
        if values is not None:
            raise ValueError("values must be None: a dense associative memory is auto-associative")
        xi = self._check_store(patterns)
        check_memory_estimate(2 * (len(self) + len(xi)) * self.n, f"{len(self) + len(xi)} patterns of n={self.n}")
        self._xt = self._xt_of = self._xt_stats = self._xt_bits = None
        append_rows(self, "patterns", xi)

    def _reset(self) -> None:
        self._xt = self._xt_of = self._xt_stats = self._xt_bits = None

    def _xt_valid(self) -> bool:
        return self._xt is not None and self._xt_of is self.patterns and self._xt.shape == (self.n, len(self))

    def _transposed(self) -> np.ndarray:
        """The stored patterns transposed, (n, P) C-contiguous, kept until the next store (the
        asynchronous kernels read one spin's P entries at a time)."""
        if not self._xt_valid():
            self._xt = self._xt_of = self._xt_stats = self._xt_bits = None  # free the old copy first
            self._xt = np.ascontiguousarray(self.patterns.T)
            self._xt_of = self.patterns
        return self._xt

    @property
    def _kind(self) -> int:
        return _KIND[self.energy_kind]

    def _inv(self) -> float:
        return _power_scale(self.n, self.degree, len(self))

    def _gscale(self, inv: float) -> float:
        if self._kind == 2:
            return 2.0 * math.sinh(1.0)
        # Delta_raw / (degree n**(degree-1)); the kernel's Delta is Delta_raw * inv**degree
        return (1.0 / inv) ** self.degree / (self.degree * float(self.n) ** (self.degree - 1))

    # ------------------------------------------------------------------ energy and gaps
    def _states(self, states: Any) -> np.ndarray:
        return check_patterns("states", states, alphabet="ternary", n=self.n)

    def overlaps(self, states: Any) -> np.ndarray:
        """Mattis overlaps ``m_mu = xi_mu . s / n``, shape (B, P)."""
        s = self._states(states)
        return (s.astype(np.float64) @ self.patterns.T.astype(np.float64)) / self.n

    def energy(self, states: Any) -> np.ndarray:
        """Energy of a ``(B, n)`` batch of states, shape (B,).

        Polynomial kinds: ``E = -sum_mu F(xi_mu . s)``. Exponential kind: ``-log(-E) =
        -log sum_mu exp(xi_mu . s)`` (a log-sum-exp, finite at every n and ordered like E).
        """
        s = self._states(states)
        return self._energy_of(s.astype(np.float64) @ self.patterns.T.astype(np.float64))

    def _energy_of(self, m: np.ndarray) -> np.ndarray:
        """Energy from the raw overlaps ``m = s @ xi.T`` (B, P)."""
        if self._kind == 2:
            c = m.max(axis=1)
            return -(c + np.log(np.exp(m - c[:, None]).sum(axis=1)))
        if self._kind == 1:
            m = np.maximum(m, 0.0)
        if self.degree == 3:  # integer overlaps: the exact cubes m**3 gives, without pow
            cube = m * m
            cube *= m
            return -cube.sum(axis=1)
        return -(m**self.degree).sum(axis=1)

    def energy_gaps(self, states: Any) -> np.ndarray:
        """``Delta_i = E(s with s_i = -1) - E(s with s_i = +1)`` for every spin, shape (B, n).

        Polynomial gaps are scaled by ``inv**degree`` (``inv`` = 1, or 1/n where raw powers
        could overflow); exponential gaps of each state are divided by
        ``exp(max_mu xi_mu . s)``. Signs, which decide the dynamics, are unchanged.
        """
        if len(self) == 0:
            raise ValueError("energy_gaps needs stored patterns: call store() first")
        return _gaps_all(self._states(states), self.patterns, kind=self._kind, degree=self.degree, inv=self._inv(),
                         pm1=True)

    def is_fixed_point(self, states: Any) -> np.ndarray:
        """Whether each state is a fixed point of the deterministic dynamics, shape (B,)."""
        s = self._states(states)
        return _stable(s, self.energy_gaps(s))

    # ------------------------------------------------------------------ recall
    def recall(self, cues: Any, *, clamp: Any = None, max_steps: int | None = None,
               overlaps: bool = True) -> Recall:
        """Run the dynamics from a ``(B, n)`` batch of cues.

        Parameters
        ----------
        cues : array_like, shape (B, n)
            Values in {-1, 0, +1}: 0 marks an unknown (erased) entry.
        clamp : array_like of bool, shape (B, n), optional
            Entries held at their cue value (async and glauber dynamics).
        max_steps : int, optional
            Overrides the constructor's ``max_steps`` for this call.
        overlaps : bool
            Return the (B, P) overlaps. False returns an empty (B, 0) array instead (the
            energies are still computed), for stores so large that B x P float64 numbers do
            not fit in memory.

        Returns
        -------
        Recall
            ``states`` (B, n) int8 +/-1 (0 only where a clamped cue entry is 0);
            ``overlaps`` (B, P) cosine overlaps with the stored patterns, the Mattis overlaps
            ``xi_mu . s / n`` for +/-1 states; ``steps``; ``converged``; ``status``;
            ``energy`` (see :meth:`energy`).

        The batch is processed a chunk of cues at a time so that temporary arrays stay within
        the working-memory budget (:func:`assoc.memory.set_memory_budget`); a recall that
        cannot fit even one cue at a time is refused before anything is allocated. Results do
        not depend on the chunking.
        """
        s = self._check_cues(cues, alphabet="ternary")
        limit = self.max_steps if max_steps is None else check_int("max_steps", max_steps, low=1)
        mask = check_clamp(clamp, s.shape)
        if not isinstance(overlaps, (bool, np.bool_)):
            raise TypeError(f"overlaps must be a bool, got {overlaps!r}")
        if clamp is not None and self.dynamics == "sync":
            raise ValueError("clamp is supported with dynamics 'async' and 'glauber', got 'sync'")
        return self._recall_checked(s, clamp=mask, max_steps=limit, overlaps=bool(overlaps))

    def _recall_checked(self, s: np.ndarray, *, clamp: np.ndarray | None = None, max_steps: int | None = None,
                        overlaps: bool = True) -> Recall:
        """:meth:`recall` of checked arguments: ``s`` a fresh ``(B, n)`` int8 batch in {-1, 0, +1}
        (B >= 1), ``clamp`` None or a host boolean array of its shape (None with sync dynamics),
        ``max_steps`` None or an int >= 1. :class:`assoc.agents.EpisodicMemory` reads through it
        with ``[code | 0]`` cues of key codes it has checked."""
        limit = self.max_steps if max_steps is None else max_steps
        mask = np.zeros(s.shape, dtype=bool) if clamp is None else clamp
        if len(self) == 0:
            raise ValueError("recall needs stored patterns: call store() first")
        inv = self._inv()
        b, p = s.shape[0], len(self)
        out = np.empty((b, p if overlaps else 0), dtype=np.float64)
        energy = np.empty(b, dtype=np.float64)
        out_bytes = out.nbytes
        # per cue, besides the dynamics' own: the float64 overlaps, the cosine's and the
        # energy's temporaries
        row_bytes = 8 * p * (7 if overlaps else 3)

        summary = None  # the compiled energies and cosines of the cubic memory's integer overlaps
        if self.dynamics != "sync" and self._kind == 0 and self.degree == 3 and inv == 1.0:
            summary = getattr(_kernel("dense_async_sweep_table", self.backend.name), "summary", None)

        def collect(lo, hi, states, raw):
            if summary is not None:
                summary(raw, states, self.n, energy[lo:hi], out[lo:hi])
                return
            m = raw.astype(np.float64)
            energy[lo:hi] = self._energy_of(m)
            if overlaps:
                # cosine_from_dots(m, nnz, n): every pattern's squared norm is n, so each row is
                # divided by its one denominator (the same quotients, in one pass)
                den = np.sqrt(np.count_nonzero(states, axis=1).astype(np.float64) * float(self.n))
                np.divide(m, np.where(den > 0, den, 1.0)[:, None], out=out[lo:hi])

        if self.dynamics == "sync":
            states, steps, status = _sync(
                lambda x: _gaps_all(x, self.patterns, kind=self._kind, degree=self.degree, inv=inv, pm1=True),
                s, limit)
            step = chunk_rows(b, row_bytes + 8 * p + 8 * self.n, f"overlaps of {b} states with {p} patterns",
                              fixed_bytes=out_bytes + 8 * p * self.n)
            xf = self.patterns.T.astype(np.float64)
            for lo in range(0, b, step):
                hi = min(b, lo + step)
                collect(lo, hi, states[lo:hi], states[lo:hi].astype(np.float64) @ xf)
        else:
            fresh = not self._xt_valid()
            xt = self._transposed()
            states, _, steps, status = _run_async(
                self, s, mask, limit, xt, kind=self._kind, degree=self.degree, inv=inv,
                gscale=self._gscale(inv), temperature=self.temperature, collect=collect,
                row_bytes=row_bytes, fixed_bytes=out_bytes + (xt.nbytes if fresh else 0),
                x_rows=np.ascontiguousarray(self.patterns))
        return Recall(
            states=self.backend.asarray(states),
            overlaps=self.backend.asarray(out),
            steps=steps,
            converged=status == STATUS_FIXED,
            status=status,
            energy=energy,
        )
