"""Modern continuous Hopfield network: update ``x <- X^T softmax(beta X x)`` and the
log-sum-exp energy of Ramsauer et al. 2021 ("Hopfield networks is all you need", ICLR), with
the fixed-point regime of every query (single pattern, metastable mixture, global average).
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ..memory import (
    _SAFE_SQUARED_NORM,
    _SMALL_REAL_ENTRIES,
    STATUS_FIXED,
    STATUS_LIMIT,
    BaseMemory,
    Recall,
    append_rows,
    check_float,
    check_int,
    check_memory_estimate,
    set_rows,
    to_numpy,
)
from .overlaps import TargetNorms, cosine_overlaps_cached

REGIMES = ("single", "metastable", "global")


def _check_real(name: str, x: Any, n: int | None = None, ndim: int = 2) -> np.ndarray:
    x = to_numpy(x)
    try:
        arr = np.asarray(x)
    except Exception as exc:
        raise TypeError(f"{name} must be a real array of shape (batch, n), got {type(x).__name__}") from exc
    if arr.dtype.kind not in "iuf" and (arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer)
                                                                  or np.issubdtype(arr.dtype, np.floating))):
        raise TypeError(f"{name} must be a real (integer or float) array, got dtype {arr.dtype}")
    if arr.ndim != ndim:
        raise ValueError(f"{name} must have shape (batch, n), got shape {arr.shape}")
    if n is not None and arr.shape[-1] != n:
        raise ValueError(f"{name} must have {n} columns (the memory's n), got shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[-1] == 0:
        raise ValueError(f"{name} must hold at least one row and one column, got shape {arr.shape}")
    return _check_finite_rows(name, arr.astype(np.float64))


def _check_finite_rows(name: str, arr: np.ndarray) -> np.ndarray:
    """``arr`` (a float64 array) C-contiguous, if its entries and each row's squared norm are finite."""
    if arr.size <= _SMALL_REAL_ENTRIES:
        # a finite sum of squares well below the largest float64 (in Python floats, without
        # NumPy reductions): every entry and every row's squared norm is finite
        flat = arr.ravel().tolist()
        if sum(map(operator.mul, flat, flat)) < _SAFE_SQUARED_NORM:
            return np.ascontiguousarray(arr)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    with np.errstate(over="ignore"):
        if not np.all(np.isfinite((arr * arr).sum(axis=-1))):  # dot products and the energy would overflow
            raise ValueError(f"{name} are too large: the squared norm of a row overflows float64")
    return np.ascontiguousarray(arr)


#: Batches of at most this many queries read their regimes in Python (two NumPy selections of
#: strings cost more than the comparisons of a few numbers).
_SMALL_BATCH = 64
#: The dtype of the regime names (``np.where`` of the three names gives it).
_REGIME_DTYPE = np.dtype(f"<U{max(map(len, REGIMES))}")


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
        # of the stored patterns, recomputed when the array is rebound (it is never written into):
        self._norms = TargetNorms()  # squared norms (for the overlaps)
        self._largest: tuple = (None, 0.0)  # (patterns, M**2) for the energy

    def _reset(self) -> None:
        self.patterns = np.zeros((0, self.n), dtype=np.float64)

    def _load_extra_state(self, state: dict) -> None:
        set_rows(self, "patterns", np.asarray(state["patterns"], dtype=np.float64))

    def store(self, patterns: Any, values: Any = None) -> None:
        """Store a ``(P, n)`` batch of real patterns (online: may be called again)."""
        if values is not None:
            raise ValueError("values must be None: this modern Hopfield network is auto-associative")
        self._add(_check_real("patterns", patterns, self.n))

    def _store_checked(self, patterns: np.ndarray) -> None:
        """:meth:`store` of a ``(P, n)`` float64 batch of finite entries, P >= 1 (the rows' squared
        norms are checked here): :class:`assoc.agents.EpisodicMemory` stores ``[key | value]``
        rows it has checked through it."""
        self._add(_check_finite_rows("patterns", patterns))

    def _add(self, x: np.ndarray) -> None:
        check_memory_estimate(8 * (len(self) + len(x)) * self.n, f"{len(self) + len(x)} patterns of n={self.n}")
        append_rows(self, "patterns", x)

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
        _, e, total = self._softmax_terms(xp, x, pat)
        return e / total

    def _softmax_terms(self, xp, x, pat):
        """``(c, e, total)`` of states ``x``: ``c`` the largest of ``beta X x`` per state, ``e =
        exp(beta X x - c)`` and ``total`` its sum per state (``c`` and ``total`` of shape (B, 1)),
        the terms of both the softmax ``e / total`` and the energy."""
        z = self.beta * (x @ pat.T)
        if xp is np:  # the reductions' ufuncs called directly (the methods' wrappers cost more than a row)
            c = np.maximum.reduce(z, axis=1, keepdims=True)
            e = np.exp(z - c)
            return c, e, np.add.reduce(e, axis=1, keepdims=True)
        c = z.max(axis=1, keepdims=True)
        e = xp.exp(z - c)
        return c, e, e.sum(axis=1, keepdims=True)

    def energy(self, states: Any) -> np.ndarray:
        """Ramsauer energy of each state, shape (B,)."""
        self._need()
        return self._energy(_check_real("states", states, self.n))

    def _energy(self, x: np.ndarray) -> np.ndarray:
        c, _, total = self._softmax_terms(np, x, self.patterns)
        return self._energy_from(x, c, total)

    def _energy_from(self, x: np.ndarray, c: np.ndarray, total: np.ndarray) -> np.ndarray:
        """The energy of host states ``x`` from the terms ``c`` and ``total`` of
        :meth:`_softmax_terms` (of ``x`` and the stored patterns)."""
        if self._largest[0] is not self.patterns:  # M**2, the largest squared norm of a stored pattern
            self._largest = (self.patterns, float((self.patterns**2).sum(axis=1).max()))
        big = self._largest[1]
        log_p = np.log(len(self)) / self.beta
        sq = np.add.reduce(x * x, axis=1)
        if len(x) == 1:
            # one state: the same IEEE operations, in order, on Python floats (the logarithm is
            # NumPy's, as for a batch)
            lse = (float(c[0, 0]) + float(np.log(total[:, 0])[0])) / self.beta
            return np.array([-lse + 0.5 * float(sq[0]) + float(log_p) + 0.5 * big])
        lse = (c[:, 0] + np.log(total[:, 0])) / self.beta
        return -lse + 0.5 * sq + log_p + 0.5 * big

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
        if big == 1:
            regime = np.full(len(p), "single")
        elif len(k) <= _SMALL_BATCH:  # the same comparisons in Python floats
            regime = np.array(["single" if v < 1.5 else "global" if v >= 0.9 * big else "metastable"
                               for v in k.tolist()], dtype=_REGIME_DTYPE)
        else:
            regime = np.where(k < 1.5, "single", np.where(k >= 0.9 * big, "global", "metastable"))
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
        limit = self._limit(one_step, max_steps)
        return self._run(_check_real("cues", cues, self.n), limit)

    def _recall_checked(self, cues: np.ndarray, *, one_step: bool = False, max_steps: int | None = None) -> Recall:
        """:meth:`recall` of checked cues: a ``(B, n)`` C-contiguous float64 batch, B >= 1, of
        finite entries and finite squared row norms (:class:`assoc.agents.EpisodicMemory` reads
        through it with ``[key | 0]`` rows of keys it has checked)."""
        self._need()
        return self._run(cues, self._limit(one_step, max_steps))

    def _limit(self, one_step: Any, max_steps: Any) -> int:
        """The most updates of a recall, from its ``one_step`` and ``max_steps`` arguments."""
        if not isinstance(one_step, (bool, np.bool_)):
            raise TypeError(f"one_step must be a bool, got {one_step!r}")
        return 1 if one_step else (self.max_steps if max_steps is None else check_int("max_steps", max_steps, low=1))

    def _run(self, cues: np.ndarray, limit: int) -> Recall:
        """Up to ``limit`` updates of checked cues, and the :class:`Recall` of the final states."""
        be = self.backend
        xp = be.xp
        x = be.asarray(cues)
        pat = be.asarray(self.patterns)
        b = x.shape[0]
        steps = np.zeros(b, dtype=np.int64)
        for it in range(limit):  # limit >= 1: the first update sets moved and active for every cue
            if it == 0:  # every cue runs: the update of the whole batch, no gathering
                new = self._softmax(xp, x, pat) @ pat
                if xp is np:
                    moved = np.maximum.reduce(np.abs(new - x), axis=1)  # a fresh float64 array
                else:
                    moved = np.array(be.to_numpy(xp.abs(new - x).max(axis=1)), dtype=np.float64)
                x = new
                steps += 1
                if limit == 1:  # one update (the attention read-out): nothing left to run
                    break
                active = ~(moved <= self.tol)
            else:
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
        if xp is np and pat is self.patterns:  # host arrays: the energy shares the softmax's terms
            c, e, total = self._softmax_terms(np, x, pat)
            p = e / total
            energy = self._energy_from(final, c, total)
        else:
            p = be.to_numpy(self._softmax(xp, x, pat))
            energy = self._energy(final)
        regime, k = self.classify(p)
        converged = moved <= self.tol
        if b <= _SMALL_BATCH:  # the same int8 codes, chosen in Python
            status = np.array([STATUS_FIXED if v else STATUS_LIMIT for v in converged.tolist()], dtype=np.int8)
        else:
            status = np.where(converged, np.int8(STATUS_FIXED), np.int8(STATUS_LIMIT))
        overlaps = cosine_overlaps_cached(np.asarray(final, dtype=np.float64), self.patterns, self._norms)
        return Recall(states=be.asarray(final), overlaps=be.asarray(overlaps),
                      steps=steps, converged=converged, status=status, energy=energy,
                      extra={"attention": be.asarray(p), "regime": regime, "k_eff": k})
