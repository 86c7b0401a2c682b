"""Dense associative memories: polynomial and exponential energies, the modern continuous
Hopfield network, dense Hebbian learning from examples, and the multitasking diluted network.

Families
--------
``DenseAssociativeMemory``
    +/-1 neurons with energy ``E(s) = -sum_mu F(xi_mu . s)`` (Krotov & Hopfield 2016,
    "Dense associative memory for pattern recognition", NeurIPS), with ``F(x) = x**n``
    (any integer ``n >= 2``), the rectified polynomial ``F(x) = max(x, 0)**n``, or
    ``F(x) = exp(x)`` (Demircigil, Heusel, Loewe, Upgang & Vermet 2017, "On a model of
    associative memory with huge storage capacity", J. Stat. Phys. 168). The polynomial
    memory stores of order ``N**(n-1)`` patterns, the exponential one ``exp(alpha N)``.
``ModernHopfield``
    continuous states, update ``x <- X^T softmax(beta X x)`` and the log-sum-exp energy of
    Ramsauer et al. 2021 ("Hopfield networks is all you need", ICLR), with the fixed-point
    regime of every query (single pattern, metastable mixture, global average).
``DenseHebbian``
    P-body Hebbian couplings built from noisy examples of unseen archetypes, unsupervised
    or supervised (Agliari, Alemanno, Barra, Centonze, Fachechi et al. 2023, "Dense Hebbian
    neural networks: a replica symmetric picture of supervised / unsupervised learning",
    Physica A; arXiv 2211.14067 and 2212.00606), run by Monte Carlo at noise ``1/beta``.
``MultitaskHebbian``
    pairwise Hebbian couplings of diluted ternary patterns, which retrieves several patterns
    at once (Agliari, Alessandrelli, Barra, Centonze, Ricci-Tersenghi 2023, "Parallel learning
    by multitasking neural networks", arXiv 2308.04106).

All four +/-1 families run in pattern space: the overlaps ``M_mu = x_mu . s`` of the state
with the stored (integer) patterns are kept, the energy gap of spin i,

    Delta_i = sum_mu F(A_mu + x_mu,i) - F(A_mu - x_mu,i),   A_mu = M_mu - x_mu,i s_i,

costs O(P), and a flip updates the P overlaps in O(P). ``Delta_i > 0`` favours ``s_i = +1``.
No coupling tensor is ever built. The kernels live in :mod:`assoc.kernels.cpu_dense`
(numba) and :mod:`assoc.kernels.ref_dense` (numpy / cupy); both give identical states.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..dynamics import check_clamp, check_temperature, run_async_sweeps, run_to_fixed_point
from ..kernels import kernel
from ..memory import (
    STATUS_FIXED,
    STATUS_LIMIT,
    BaseMemory,
    Recall,
    check_choice,
    check_float,
    check_int,
    check_memory_estimate,
    check_patterns,
    to_numpy,
)
from ..metrics import cosine_from_dots, cosine_overlaps

ENERGIES = ("polynomial", "rectified", "exponential")
DYNAMICS = ("async", "sync", "glauber")
PROTOCOLS = ("unsupervised", "supervised")
REGIMES = ("single", "metastable", "global")
_KIND = {"polynomial": 0, "rectified": 1, "exponential": 2}

#: Below this bound every float64 sum of integer powers is exact, whatever the order.
EXACT = 2.0**52


# --------------------------------------------------------------------------- shared engine


def _power_scale(n: int, degree: int, p: int, maxabs: int = 1) -> float:
    """1.0 (raw integer overlaps, exact in float64) if ``p (n maxabs + 2 maxabs)**degree`` fits in
    2**52, else ``1 / (n maxabs)`` (overlaps normalised to [-1, 1] so powers cannot overflow)."""
    top = float(n * maxabs + 2 * maxabs)
    if degree * math.log2(top) + math.log2(max(p, 1)) + 1 < 52:
        return 1.0
    return 1.0 / (n * maxabs)


def _exp_table(n: int) -> np.ndarray:
    """``exp(-k)`` for k = 0 .. 2n + 2: every shifted exponential the kernels can ask for."""
    return np.exp(-np.arange(2 * n + 3, dtype=np.float64))


def _ftab(n: int, degree: int, inv: float, rectified: bool) -> tuple[np.ndarray, int]:
    """``F((k - off) inv)`` for k = 0 .. 2 off with ``off = n + 2``, powers by repeated products."""
    off = n + 2
    y = (np.arange(2 * off + 1, dtype=np.int64) - off) * inv
    if rectified:
        y = np.maximum(y, 0.0)
    f = y.copy()
    for _ in range(degree - 1):
        f = f * y
    return f, off


def _int_overlaps(s: np.ndarray, xt: np.ndarray) -> np.ndarray:
    """``s @ xt`` as int64 through a float64 BLAS product (exact: every partial sum < 2**53)."""
    return np.rint(s.astype(np.float64) @ xt.astype(np.float64)).astype(np.int64)


def _run_async(mem: BaseMemory, s: np.ndarray, clamp: np.ndarray, limit: int, xt: np.ndarray, *, kind: int,
               degree: int, inv: float, gscale: float, temperature: float, table_kernel: bool = True):
    """Random-sequential sweeps in pattern space until a sweep flips nothing (T = 0) or for
    ``limit`` sweeps (Glauber, T > 0). Returns states, overlaps (int64), steps, status.

    ``xt`` (N, P) holds the stored integer patterns, transposed. Polynomial kinds on patterns
    in {-1, 0, +1} run the table kernel (two dot products per spin visit); the exponential
    kind and larger integer entries run the direct kernel.
    """
    be = mem.backend
    n = s.shape[1]
    if kind == 2 or not table_kernel:
        sweep = kernel("dense_async_sweep", be.name)
        table = _exp_table(n) if kind == 2 else np.ones(1)
        args = (kind, degree, inv, be.asarray(table))
    else:
        sweep = kernel("dense_async_sweep_table", be.name)
        ftab, off = _ftab(n, degree, inv, kind == 1)
        pm1 = bool((xt != 0).all())
        args = (be.asarray(ftab), off, pm1, inv == 1.0)
    state = be.asarray(s.copy())
    ov = be.asarray(_int_overlaps(s, xt))
    xt_d = be.asarray(xt)
    clamp_d = be.asarray(clamp)

    def one_sweep(order, active, uniforms):
        return sweep(state, ov, xt_d, order, active, clamp_d, *args, gscale, temperature, uniforms)

    steps, status = run_async_sweeps(one_sweep, mem.rng, s.shape, limit, glauber=temperature > 0, backend=be)
    return be.to_numpy(state), be.to_numpy(ov), steps, status


def _gaps_all(s: np.ndarray, x: np.ndarray, *, kind: int, degree: int, inv: float, pm1: bool,
              chunk_bytes: float = 2.0**28) -> np.ndarray:
    """Energy gaps ``Delta`` (B, N) of every spin of every state at once, as matrix products.

    With ``x_mu,i`` in {-1, 0, +1} (or any integer for the polynomial kinds, through x**2) and
    ``f_k = F(M + k)``: ``Delta_i = s_i sum_mu x_mu,i**2 (f_0 - e_2) + sum_mu x_mu,i o_2`` for
    ``s_i = +/-1`` and ``2 sum_mu x_mu,i o_1`` for ``s_i = 0``, where
    ``e_k = (f_k + f_-k)/2`` and ``o_k = (f_k - f_-k)/2``. For the exponential kind every row is
    divided by ``exp(max_mu M_mu)`` (signs unchanged).
    """
    b, n = s.shape
    p = x.shape[0]
    xf = x.astype(np.float64)
    x2 = None if pm1 else xf * xf
    out = np.empty((b, n), dtype=np.float64)
    step = max(1, int(chunk_bytes // (8 * 8 * max(p, n))))
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

    # ------------------------------------------------------------------ storage
    def store(self, patterns: Any, values: Any = None) -> None:
        """Store a ``(P, n)`` batch of +/-1 patterns (online: may be called again).

        Dense associative memories are auto-associative; ``values`` must be None.
        """
        if values is not None:
            raise ValueError("values must be None: a dense associative memory is auto-associative")
        xi = self._check_store(patterns)
        check_memory_estimate(2 * (len(self) + len(xi)) * self.n, f"{len(self) + len(xi)} patterns of n={self.n}")
        self.patterns = np.concatenate([self.patterns, xi])

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
    def recall(self, cues: Any, *, clamp: Any = None, max_steps: int | None = None) -> Recall:
        """Run the dynamics from a ``(B, n)`` batch of cues.

        Parameters
        ----------
        cues : array_like, shape (B, n)
            Values in {-1, 0, +1}: 0 marks an unknown (erased) entry.
        clamp : array_like of bool, shape (B, n), optional
            Entries held at their cue value (async and glauber dynamics).
        max_steps : int, optional
            Overrides the constructor's ``max_steps`` for this call.

        Returns
        -------
        Recall
            ``states`` (B, n) int8 +/-1 (0 only where a clamped cue entry is 0);
            ``overlaps`` (B, P) cosine overlaps with the stored patterns, the Mattis overlaps
            ``xi_mu . s / n`` for +/-1 states; ``steps``; ``converged``; ``status``;
            ``energy`` (see :meth:`energy`).
        """
        s = self._check_cues(cues, alphabet="ternary")
        limit = self.max_steps if max_steps is None else check_int("max_steps", max_steps, low=1)
        mask = check_clamp(clamp, s.shape)
        if clamp is not None and self.dynamics == "sync":
            raise ValueError("clamp is supported with dynamics 'async' and 'glauber', got 'sync'")
        if len(self) == 0:
            raise ValueError("recall needs stored patterns: call store() first")
        inv = self._inv()
        if self.dynamics == "sync":
            states, steps, status = _sync(
                lambda x: _gaps_all(x, self.patterns, kind=self._kind, degree=self.degree, inv=inv, pm1=True),
                s, limit)
        else:
            xt = np.ascontiguousarray(self.patterns.T)
            states, ov, steps, status = _run_async(
                self, s, mask, limit, xt, kind=self._kind, degree=self.degree, inv=inv,
                gscale=self._gscale(inv), temperature=self.temperature)
            m = ov.astype(np.float64)
        if self.dynamics == "sync":
            m = states.astype(np.float64) @ self.patterns.T.astype(np.float64)
        return Recall(
            states=self.backend.asarray(states),
            overlaps=self.backend.asarray(
                cosine_from_dots(m, np.count_nonzero(states, axis=1), np.full(len(self), self.n))),
            steps=steps,
            converged=status == STATUS_FIXED,
            status=status,
            energy=self._energy_of(m),
        )


# --------------------------------------------------------------------------- Ramsauer et al.


def _check_real(name: str, x: Any, n: int | None = None, ndim: int = 2) -> np.ndarray:
    x = to_numpy(x)
    try:
        arr = np.asarray(x)
    except Exception as exc:
        raise TypeError(f"{name} must be a real array of shape (batch, n), got {type(x).__name__}") from exc
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"{name} must be a real (integer or float) array, got dtype {arr.dtype}")
    if arr.ndim != ndim:
        raise ValueError(f"{name} must have shape (batch, n), got shape {arr.shape}")
    if n is not None and arr.shape[-1] != n:
        raise ValueError(f"{name} must have {n} columns (the memory's n), got shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[-1] == 0:
        raise ValueError(f"{name} must hold at least one row and one column, got shape {arr.shape}")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    with np.errstate(over="ignore"):
        if not np.all(np.isfinite((arr * arr).sum(axis=-1))):  # dot products and the energy would overflow
            raise ValueError(f"{name} are too large: the squared norm of a row overflows float64")
    return np.ascontiguousarray(arr)


class ModernHopfield(BaseMemory):
    """Modern continuous Hopfield network (Ramsauer et al. 2021, "Hopfield networks is all you need").

    Stored patterns are the rows of ``X`` (P, n), real valued. A state ``x`` is updated as

        x <- X^T softmax(beta X x),

    which never increases the energy

        E(x) = -lse(beta, X x) + x.x / 2 + log(P) / beta + M**2 / 2,

    with ``lse(beta, z) = log(sum exp(beta z)) / beta`` and M the largest pattern norm
    (Ramsauer et al., Theorems 1-2). Queries are batched: a step is two matrix products.

    Parameters
    ----------
    n : int
        Dimension of patterns and states.
    beta : float
        Inverse temperature > 0. Large beta: a query converges to the nearest stored pattern;
        small beta: to the global average; in between, to metastable mixtures of similar patterns.
    max_steps : int
        Most updates of an iterate-to-fixed-point recall.
    tol : float
        A state is a fixed point when no component moved by more than ``tol`` in an update.
    backend : {"auto", "numpy", "numba", "cupy"}
        Array module of the matrix products (numba runs numpy's).
    seed : int or None
        Unused by the deterministic dynamics; kept for the shared interface.

    Notes
    -----
    The regime of a fixed point is read from the softmax weights ``p = softmax(beta X x*)``
    through their participation number ``k = 1 / sum_mu p_mu**2`` (1 when a single pattern
    carries the state, P when all weigh equally): ``"single"`` if ``k < 1.5``, ``"global"`` if
    ``k >= 0.9 P``, and ``"metastable"`` in between.
    """

    alphabet = "real"
    _params = ("beta", "max_steps", "tol")

    def __init__(self, n: int, beta: float = 1.0, *, max_steps: int = 100, tol: float = 1e-9,
                 backend: str = "auto", seed: int | None = None):
        super().__init__(n, backend=backend, seed=seed)
        self.beta = check_float("beta", beta, low=0, low_open=True)
        self.max_steps = check_int("max_steps", max_steps, low=1)
        self.tol = check_float("tol", tol, low=0, low_open=True)
        self.patterns = np.zeros((0, self.n), dtype=np.float64)

    def _reset(self) -> None:
        self.patterns = np.zeros((0, self.n), dtype=np.float64)

    def _load_extra_state(self, state: dict) -> None:
        self.patterns = np.array(state["patterns"], dtype=np.float64)

    def store(self, patterns: Any, values: Any = None) -> None:
        """Store a ``(P, n)`` batch of real patterns (online: may be called again)."""
        if values is not None:
            raise ValueError("values must be None: this modern Hopfield network is auto-associative")
        x = _check_real("patterns", patterns, self.n)
        check_memory_estimate(8 * (len(self) + len(x)) * self.n, f"{len(self) + len(x)} patterns of n={self.n}")
        self.patterns = np.concatenate([self.patterns, x])

    def _need(self):
        if len(self) == 0:
            raise ValueError("recall needs stored patterns: call store() first")

    def softmax(self, states: Any) -> np.ndarray:
        """Attention weights ``softmax(beta X x)`` of each state, shape (B, P)."""
        self._need()
        xp = self.backend.xp
        x = self.backend.asarray(_check_real("states", states, self.n))
        return self.backend.to_numpy(self._softmax(xp, x, self.backend.asarray(self.patterns)))

    def _softmax(self, xp, x, pat):
        z = self.beta * (x @ pat.T)
        z = z - z.max(axis=1, keepdims=True)
        e = xp.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def energy(self, states: Any) -> np.ndarray:
        """Ramsauer energy of each state, shape (B,)."""
        self._need()
        x = _check_real("states", states, self.n)
        z = self.beta * (x @ self.patterns.T)
        c = z.max(axis=1)
        lse = (c + np.log(np.exp(z - c[:, None]).sum(axis=1))) / self.beta
        big = float((self.patterns**2).sum(axis=1).max())
        return -lse + 0.5 * (x * x).sum(axis=1) + np.log(len(self)) / self.beta + 0.5 * big

    def update(self, states: Any) -> np.ndarray:
        """One update ``X^T softmax(beta X x)`` of each state, shape (B, n)."""
        self._need()
        be = self.backend
        x = be.asarray(_check_real("states", states, self.n))
        pat = be.asarray(self.patterns)
        return be.to_numpy(self._softmax(be.xp, x, pat) @ pat)

    @staticmethod
    def classify(weights: Any) -> tuple[np.ndarray, np.ndarray]:
        """Regime names and participation numbers of softmax weights (B, P)."""
        p = np.asarray(weights, dtype=np.float64)
        k = 1.0 / (p * p).sum(axis=1)
        big = p.shape[1]
        regime = np.where(k < 1.5, "single", np.where(k >= 0.9 * big, "global", "metastable"))
        if big == 1:
            regime = np.full(len(p), "single")
        return regime, k

    def recall(self, cues: Any, *, one_step: bool = False, max_steps: int | None = None) -> Recall:
        """Retrieve from a ``(B, n)`` batch of real queries.

        Parameters
        ----------
        cues : array_like, shape (B, n)
        one_step : bool
            A single update (the attention read-out) instead of iterating to a fixed point.
        max_steps : int, optional
            Overrides the constructor's ``max_steps``.

        Returns
        -------
        Recall
            ``states`` (B, n) float; ``overlaps`` (B, P) cosine similarity of each final
            state with each stored pattern; ``steps``; ``converged`` (the last update moved
            no component by more than ``tol``); ``energy``; ``extra["attention"]`` (B, P) the
            softmax weights ``softmax(beta X x)`` at the final state (on the backend);
            ``extra["regime"]`` ("single" / "metastable" / "global") and ``extra["k_eff"]``
            (participation number of the weights).
        """
        self._need()
        if not isinstance(one_step, (bool, np.bool_)):
            raise TypeError(f"one_step must be a bool, got {one_step!r}")
        limit = 1 if one_step else (self.max_steps if max_steps is None else check_int("max_steps", max_steps, low=1))
        be = self.backend
        xp = be.xp
        x = be.asarray(_check_real("cues", cues, self.n))
        pat = be.asarray(self.patterns)
        b = x.shape[0]
        steps = np.zeros(b, dtype=np.int64)
        moved = np.full(b, np.inf)
        active = np.ones(b, dtype=bool)
        for _ in range(limit):
            idx = np.nonzero(active)[0]
            xa = x[be.asarray(idx)]
            new = self._softmax(xp, xa, pat) @ pat
            d = be.to_numpy(xp.abs(new - xa).max(axis=1))
            x[be.asarray(idx)] = new
            steps[idx] += 1
            moved[idx] = d
            active[idx[d <= self.tol]] = False
            if not active.any():
                break
        final = be.to_numpy(x)
        p = be.to_numpy(self._softmax(xp, x, pat))
        regime, k = self.classify(p)
        converged = moved <= self.tol
        status = np.where(converged, STATUS_FIXED, STATUS_LIMIT).astype(np.int8)
        return Recall(states=be.asarray(final), overlaps=be.asarray(cosine_overlaps(final, self.patterns)),
                      steps=steps, converged=converged, status=status, energy=self.energy(final),
                      extra={"attention": be.asarray(p), "regime": regime, "k_eff": k})


# --------------------------------------------------------------------------- Agliari-Barra


class DenseHebbian(BaseMemory):
    """Dense Hebbian network that learns archetypes from noisy examples (Agliari, Barra et al. 2023).

    ``store(examples, labels)`` takes E examples ``eta`` (E, n) of K unseen archetypes and
    their labels. With ``n_a = eta_a . s / n`` and M examples per label, the Hamiltonians are

    unsupervised  ``H(s) = -n / (M R**(P/2)) sum_a n_a**P``              (every example alone)
    supervised    ``H(s) = -n / R**(P/2) sum_mu (mean_{a in mu} n_a)**P`` (examples averaged per label)

    with ``R = r**2 + (1 - r**2) / M`` (r the example quality), i.e. even P-body Hebbian
    couplings ``J_{i1..iP}`` built from the examples; as M grows both tend to the dense
    Hebbian storage ``-n sum_mu m_mu**P`` of the archetypes themselves. Recall is Monte Carlo:
    heat-bath sweeps at noise ``1/beta`` (``beta=None``: zero noise, asynchronous sign updates
    until a fixed point). Arithmetic is pattern space (see the module notes).

    Parameters
    ----------
    n : int
        Number of neurons.
    degree : int
        Interaction order P (the degree of the P-body couplings), an even integer >= 2.
    protocol : {"unsupervised", "supervised"}
    quality : float
        Example quality r in [-1, 1], r != 0 (sets R; the dataset entropy is
        ``rho = (1 - r**2) / (M r**2)``).
    beta : float or None
        Inverse noise > 0 of the Monte Carlo, or None for zero noise.
    max_steps : int
        Monte Carlo sweeps per recall (most sweeps at zero noise).
    backend : {"auto", "numpy", "numba", "cupy"}
    seed : int or None
    """

    alphabet = "pm1"
    _params = ("degree", "protocol", "quality", "beta", "max_steps")

    def __init__(self, n: int, degree: int = 4, protocol: str = "unsupervised", *, quality: float = 1.0,
                 beta: float | None = None, max_steps: int = 50, backend: str = "auto", seed: int | None = None):
        super().__init__(n, backend=backend, seed=seed)
        self.degree = check_int("degree", degree, low=2)
        if self.degree % 2:
            raise ValueError(f"degree must be an even integer >= 2 (P-body couplings of even degree), got {self.degree}")
        self.protocol = check_choice("protocol", protocol, PROTOCOLS)
        self.quality = check_float("quality", quality, low=-1, high=1)
        if self.quality == 0:
            raise ValueError("quality must be nonzero in [-1, 1] (r = 0 examples carry no information), got 0.0")
        self.beta = None if beta is None else check_float("beta", beta, low=0, low_open=True)
        self.max_steps = check_int("max_steps", max_steps, low=1)
        self.labels = np.zeros(0, dtype=np.int64)

    def _reset(self) -> None:
        self.labels = np.zeros(0, dtype=np.int64)

    def _extra_state(self) -> dict:
        return {"labels": self.labels.copy()}

    def _load_extra_state(self, state: dict) -> None:
        self.labels = np.array(state["labels"], dtype=np.int64)

    def store(self, patterns: Any, values: Any = None) -> None:
        """Store a ``(E, n)`` batch of +/-1 examples and their integer labels ``values`` (E,).

        Both protocols need the labels: the supervised couplings average the examples of a
        label, and both normalise by the number M of examples per label (every label must
        then hold the same number of examples).
        """
        eta = self._check_store(patterns)
        if values is None:
            raise ValueError("values must be the (E,) integer labels of the examples, got None")
        try:
            lab = np.asarray(to_numpy(values))
        except (ValueError, TypeError) as exc:  # ragged nesting
            raise TypeError(f"values must be {len(eta)} non-negative integer labels, got {values!r:.60}") from exc
        if lab.shape != (len(eta),) or not np.issubdtype(lab.dtype, np.integer) or (lab < 0).any():
            raise ValueError(f"values must be {len(eta)} non-negative integer labels, got shape {lab.shape} "
                             f"dtype {lab.dtype}")
        labels = np.concatenate([self.labels, lab.astype(np.int64)])
        counts = np.unique(labels, return_counts=True)[1]  # not bincount: a label may be huge
        if (counts != counts[0]).any():
            raise ValueError(
                f"values must give every label the same number of examples M, got counts {counts.tolist()}")
        check_memory_estimate(2 * len(labels) * self.n, f"{len(labels)} examples of n={self.n}")
        self.patterns = np.concatenate([self.patterns, eta])
        self.labels = labels

    @property
    def classes(self) -> np.ndarray:
        """The distinct labels, sorted."""
        return np.unique(self.labels)

    @property
    def examples_per_class(self) -> int:
        return int(len(self.labels) // max(1, len(self.classes)))

    @property
    def dataset_entropy(self) -> float:
        """``rho = (1 - r**2) / (M r**2)``."""
        r, m = self.quality, self.examples_per_class
        return (1 - r * r) / (max(m, 1) * r * r)

    def _coupling_patterns(self) -> np.ndarray:
        """Integer patterns (Q, n) whose overlaps enter H: examples, or per-label example sums."""
        if self.protocol == "unsupervised":
            return self.patterns
        sums = np.zeros((len(self.classes), self.n), dtype=np.int64)
        for k, c in enumerate(self.classes):
            sums[k] = self.patterns[self.labels == c].astype(np.int64).sum(axis=0)
        return sums.astype(np.int32)

    def _scales(self) -> tuple[float, float, int]:
        """(inv, gscale, maxabs) for the kernel: overlaps times inv are n_a (or label means)."""
        m = self.examples_per_class
        r = self.quality
        big_r = r * r + (1 - r * r) / m
        if self.protocol == "unsupervised":
            inv = 1.0 / self.n
            pref = self.n / (m * big_r ** (self.degree / 2))
        else:
            inv = 1.0 / (m * self.n)
            pref = self.n / big_r ** (self.degree / 2)
        return inv, pref, m

    def class_overlaps(self, states: Any) -> np.ndarray:
        """Mean Mattis overlap of each state with the examples of each label, shape (B, K)."""
        s = check_patterns("states", states, alphabet="pm1", n=self.n).astype(np.float64)
        out = np.empty((len(s), len(self.classes)))
        for k, c in enumerate(self.classes):
            out[:, k] = (s @ self.patterns[self.labels == c].T.astype(np.float64)).mean(axis=1) / self.n
        return out

    def energy(self, states: Any) -> np.ndarray:
        """Hamiltonian H(s) of each state (see the class notes), shape (B,)."""
        s = check_patterns("states", states, alphabet="pm1", n=self.n).astype(np.float64)
        inv, pref, _ = self._scales()
        x = self._coupling_patterns().astype(np.float64)
        return -pref * (((s @ x.T) * inv) ** self.degree).sum(axis=1)

    def recall(self, cues: Any, *, max_steps: int | None = None) -> Recall:
        """Monte Carlo from a ``(B, n)`` batch of +/-1 (or 0 = unknown) cues.

        Returns
        -------
        Recall
            ``states`` (B, n) int8 +/-1; ``overlaps`` (B, E) cosine overlap (the Mattis
            overlap) with each stored example; ``steps`` sweeps run; ``converged`` (zero
            noise: fixed point reached); ``energy`` H of the final states;
            ``extra["class_overlaps"]`` (B, K) mean Mattis overlap with each label's examples
            (:meth:`class_overlaps`, labels in the order of :attr:`classes`; host NumPy).
        """
        s = self._check_cues(cues, alphabet="ternary")
        limit = self.max_steps if max_steps is None else check_int("max_steps", max_steps, low=1)
        if len(self) == 0:
            raise ValueError("recall needs stored examples: call store() first")
        inv_true, pref, _ = self._scales()
        xt = np.ascontiguousarray(self._coupling_patterns().T)
        temperature = 0.0 if self.beta is None else 1.0 / self.beta
        if self.protocol == "unsupervised":
            # examples are +/-1: the table kernel, on raw overlaps where that is exact
            inv = _power_scale(self.n, self.degree, len(self))
            table_kernel = True
        else:
            inv, table_kernel = inv_true, False
        gscale = pref * (inv_true / inv) ** self.degree
        states, _, steps, status = _run_async(
            self, s, np.zeros(s.shape, bool), limit, xt, kind=0, degree=self.degree, inv=inv, gscale=gscale,
            temperature=temperature, table_kernel=table_kernel)
        return Recall(states=self.backend.asarray(states),
                      overlaps=self.backend.asarray(cosine_overlaps(states, self.patterns)), steps=steps,
                      converged=status == STATUS_FIXED, status=status, energy=self.energy(states),
                      extra={"class_overlaps": self.class_overlaps(states)})


# --------------------------------------------------------------------------- multitasking


class MultitaskHebbian(BaseMemory):
    """Hebbian network of diluted ternary patterns that retrieves several at once (Agliari et al. 2023).

    Patterns ``xi`` (P, n) take values in {-1, 0, +1} (a zero with probability d, the dilution).
    Couplings are pairwise Hebbian, ``J = (1/n) sum_mu xi_mu xi_mu^T`` without self-couplings;
    the state is kept as its P overlaps, so one sweep costs O(n P) however large n is.
    Neurons left blank by the pattern being retrieved are free to align with the next one: at
    zero noise and low load the state is the hierarchical cascade
    ``m_k = (1 - d) d**(k-1)`` (sorted Mattis overlaps) until, at strong dilution, the
    cascade loses stability and the overlaps move towards a parallel (equal) retrieval
    (see :func:`assoc.theory.multitask_hierarchy` and
    :func:`assoc.theory.multitask_critical_dilution`).

    Parameters
    ----------
    n : int
    dynamics : {"async", "glauber"}
    temperature : float
        Glauber temperature T > 0 (``P(+1) = 1 / (1 + exp(-2 h_i / T))``), only with glauber.
    max_steps : int
    backend, seed : as elsewhere
    """

    alphabet = "ternary"
    _params = ("dynamics", "temperature", "max_steps")

    def __init__(self, n: int, dynamics: str = "async", *, temperature: float = 0.0, max_steps: int = 100,
                 backend: str = "auto", seed: int | None = None):
        super().__init__(n, backend=backend, seed=seed)
        self.dynamics = check_choice("dynamics", dynamics, ("async", "glauber"))
        self.temperature = check_temperature(self.dynamics, temperature)
        self.max_steps = check_int("max_steps", max_steps, low=1)

    def store(self, patterns: Any, values: Any = None) -> None:
        """Store a ``(P, n)`` batch of ternary patterns (online)."""
        if values is not None:
            raise ValueError("values must be None: the multitasking network is auto-associative")
        xi = self._check_store(patterns)
        check_memory_estimate(2 * (len(self) + len(xi)) * self.n, f"{len(self) + len(xi)} patterns of n={self.n}")
        self.patterns = np.concatenate([self.patterns, xi])

    def overlaps(self, states: Any) -> np.ndarray:
        """Mattis overlaps ``m_mu = xi_mu . s / n``, shape (B, P)."""
        s = check_patterns("states", states, alphabet="ternary", n=self.n)
        return (s.astype(np.float64) @ self.patterns.T.astype(np.float64)) / self.n

    def recall(self, cues: Any, *, max_steps: int | None = None) -> Recall:
        """Run the dynamics from ``(B, n)`` cues in {-1, 0, +1} (0: unknown).

        Returns
        -------
        Recall
            ``states`` (B, n) int8 +/-1; ``overlaps`` (B, P) cosine overlap of each final
            state with each ternary pattern, ``xi_mu . s / (|s| |xi_mu|)``: for a +/-1 state
            the Mattis overlap times ``sqrt(n / k_mu)``, with ``k_mu`` the nonzero entries
            of ``xi_mu`` (at most ``sqrt(k_mu / n)``, about ``sqrt(1 - d)``, when the state
            agrees with every nonzero entry);
            ``steps``; ``converged``; ``status``; ``extra["mattis"]`` (B, P) the Mattis
            overlaps ``m_mu = xi_mu . s / n`` (:meth:`overlaps`) and ``extra["sorted_m"]``
            their magnitudes sorted in decreasing order, shape (B, P) (both host NumPy).
        """
        s = self._check_cues(cues, alphabet="ternary")
        limit = self.max_steps if max_steps is None else check_int("max_steps", max_steps, low=1)
        if len(self) == 0:
            raise ValueError("recall needs stored patterns: call store() first")
        inv = _power_scale(self.n, 2, len(self))
        # Delta_raw = 4 n h_i for F(x) = x**2; heat bath 1/(1 + exp(-2 h / T)) needs Delta / (2 n)
        gscale = (1.0 / inv) ** 2 / (2.0 * self.n)
        states, _, steps, status = _run_async(
            self, s, np.zeros(s.shape, bool), limit, np.ascontiguousarray(self.patterns.T), kind=0, degree=2,
            inv=inv, gscale=gscale, temperature=self.temperature)
        m = self.overlaps(states)
        order = np.argsort(-np.abs(m), axis=1, kind="stable")
        return Recall(states=self.backend.asarray(states),
                      overlaps=self.backend.asarray(cosine_overlaps(states, self.patterns)), steps=steps,
                      converged=status == STATUS_FIXED, status=status,
                      extra={"mattis": m, "sorted_m": np.take_along_axis(np.abs(m), order, axis=1)})
