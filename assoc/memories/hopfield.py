"""Classical Hopfield networks: learning rules x dynamics, batched over cues.

Learning rules
--------------
``hebbian``         W = (1/n) sum_mu xi xi^T, zero diagonal (Hopfield 1982)
``storkey``         incremental local rule with the h_ij correction (Storkey 1997)
``pseudo_inverse``  W = Xi^T (Xi Xi^T)^+ Xi, the projector on the stored patterns
                    (Personnaz, Guyon & Dreyfus 1985; Kanter & Sompolinsky 1987);
                    ``diagonal=False`` removes the self-couplings
``palimpsest``      learning within bounds (Parisi 1986): J <- clip(J + xi xi^T / sqrt(n),
                    -bound, bound), W = J / sqrt(n); old memories fade as new ones arrive

The Hebbian rule also takes a weight ``decay`` lambda: W <- (1 - lambda) W + xi xi^T / n per
stored pattern, a palimpsest with exponentially fading traces (Mezard, Nadal & Toulouse 1986).

Dynamics
--------
``async``    random-sequential T = 0 updates s_i <- sign(h_i) until a sweep changes nothing
``sync``     parallel updates s <- sign(W s); detects fixed points and two-cycles
``glauber``  random-sequential heat-bath updates at temperature T:
             P(s_i = +1) = 1 / (1 + exp(-2 h_i / T)), for ``max_steps`` sweeps

The Hebbian rule with P < n/2 runs in pattern space: the P overlaps ``M = Xi s`` are kept
in integer arithmetic and updated in O(P) per spin flip, and no n x n matrix is built. The
other rules (and Hebbian with P >= n/2) use an explicit weight matrix and keep the n local
fields up to date, O(n) per flip. A field of exactly zero leaves a spin unchanged, and an
unknown spin (an erased cue entry, 0) with zero field becomes +1.
"""

from __future__ import annotations

import types

from typing import Any

import numpy as np

from ..dynamics import check_clamp, check_temperature, draw_keys, run_async_sweeps, run_to_fixed_point
from ..kernels import kernel
from ..memory import (
    STATUS_FIXED,
    BaseMemory,
    Recall,
    append_rows,
    check_choice,
    check_float,
    check_int,
    check_memory_estimate,
    check_patterns,
    chunk_rows,
    fits_budget,
)
from ..metrics import cosine_from_dots
from .bits import pack_bits

RULES = ("hebbian", "storkey", "pseudo_inverse", "palimpsest")
DYNAMICS = ("async", "sync", "glauber")
REPRESENTATIONS = ("auto", "patterns", "weights")

#: Summaries of fewer products than this (states x patterns x n) come from one compiled call
#: of integer dot products, not from a float32 matrix product and its conversions.
SMALL_SUMMARIES = 2**18

#: Largest |h| for which float32 matrix products of +/-1 values are exact (2**24).
FLOAT32_EXACT = 2**24

#: The cost of bringing the Hebbian counts up to date, in multiply-adds of the asynchronous
#: pattern-space sweep (a dot product over the P overlaps per visited spin), per pair of spins:
#: one pass over the count matrix (``COUNTS_PASS_COST``) plus one population count per 64 new
#: patterns (``COUNTS_WORD_COST``); both measured about 2 on 2-core AVX2 machines (a pass of
#: the int16 counts at n = 8000 about 0.4 ns a pair, a word 0.36 ns, a pattern-space
#: multiply-add 0.2 ns). A recall moves to the counts once it has spent in pattern space what
#: the counts cost (the rent-or-buy rule: never more than about twice the better of the two).
COUNTS_PASS_COST = 2
COUNTS_WORD_COST = 2


_CPU: list = []


def _cpu():
    """The Numba CPU kernels (imported when a numba-backend run first needs them)."""
    if not _CPU:
        from ..kernels import cpu

        _CPU.append(cpu)
    return _CPU[0]


def overlap_dtype(n: int, p: int):
    """The dtype that holds a pattern-space sweep's overlaps exactly: float32 while every
    partial sum of a field (at most n P in magnitude) is an integer below 2**24, else int32
    while n P < 2**31, else int64."""
    if n * p < FLOAT32_EXACT:
        return np.float32
    return np.int32 if n * p < 2**31 else np.int64


class Hopfield(BaseMemory):
    """Classical Hopfield network of ``n`` +/-1 neurons.

    Parameters
    ----------
    n : int
        Number of neurons (>= 1).
    rule : {"hebbian", "storkey", "pseudo_inverse", "palimpsest"}
    dynamics : {"async", "sync", "glauber"}
    temperature : float
        Glauber temperature T > 0 (only with ``dynamics="glauber"``; must be 0 otherwise).
    max_steps : int
        Most sweeps (async, glauber) or parallel updates (sync) per recall.
    diagonal : bool
        Pseudo-inverse rule only: keep the self-couplings W_ii (True) or zero them (False).
    bound : float
        Palimpsest rule only: the bound A on |J_ij| (increments are 1/sqrt(n)).
    decay : float
        Hebbian rule only: weight decay lambda in [0, 1) applied before each stored pattern
        (0: plain Hebbian storage). A nonzero decay keeps an explicit weight matrix.
    representation : {"auto", "patterns", "weights"}
        Hebbian only: pattern space (no n x n matrix) or explicit weights; ``auto`` picks
        pattern space while P < n/2.
    backend : {"auto", "numpy", "numba", "cupy"}
    seed : int or None
        Seeds the generator that draws update orders and Glauber noise.

    Examples
    --------
    >>> import assoc
    >>> mem = assoc.Hopfield(n=200, seed=0, backend="numpy")
    >>> xi = assoc.patterns.random_pm1(10, 200, rng=1)
    >>> mem.store(xi)
    >>> out = mem.recall(assoc.patterns.flip(xi, 0.1, rng=2))
    >>> bool((out.states == xi).all())
    True
    """

    alphabet = "pm1"
    _params = ("rule", "dynamics", "temperature", "max_steps", "diagonal", "bound", "representation", "decay")

    def __init__(
        self,
        n: int,
        rule: str = "hebbian",
        dynamics: str = "async",
        *,
        temperature: float = 0.0,
        max_steps: int = 100,
        diagonal: bool = True,
        bound: float = 0.3,
        representation: str = "auto",
        backend: str = "auto",
        seed: int | None = None,
        decay: float = 0.0,
    ):
        super().__init__(n, backend=backend, seed=seed)
        self.rule = check_choice("rule", rule, RULES)
        self.dynamics = check_choice("dynamics", dynamics, DYNAMICS)
        self.temperature = check_temperature(self.dynamics, temperature)
        self.max_steps = check_int("max_steps", max_steps, low=1)
        if not isinstance(diagonal, (bool, np.bool_)):
            raise TypeError(f"diagonal must be a bool, got {diagonal!r}")
        self.diagonal = bool(diagonal)
        self.bound = check_float("bound", bound, low=0, low_open=True)
        self.representation = check_choice("representation", representation, REPRESENTATIONS)
        if self.representation == "patterns" and self.rule != "hebbian":
            raise ValueError(
                f"representation='patterns' needs rule='hebbian', got rule={self.rule!r}"
            )
        self.decay = check_float("decay", decay, low=0, high=1, high_open=True)
        if self.decay > 0 and self.rule != "hebbian":
            raise ValueError(f"decay={self.decay} needs rule='hebbian', got rule={self.rule!r}")
        if self.decay > 0 and self.representation == "patterns":
            raise ValueError(f"decay={self.decay} needs explicit weights, got representation='patterns'")
        self._w: np.ndarray | None = None  # float64 (n, n) on the host, or None
        self._j: np.ndarray | None = None  # palimpsest: bounded couplings J
        self._counts: np.ndarray | None = None  # Hebbian counts of the first _counted patterns
        self._counted = 0
        self._derived_cache: dict = {}  # name -> (the patterns array it was made from, array)

    # ------------------------------------------------------------------ storage
    def _reset(self) -> None:
        self._w = None
        self._j = None
        self._counts = None
        self._counted = 0
        self._derived_cache = {}

    def _counts_bytes(self) -> int:
        p = len(self)
        return self.n * self.n * (1 if p < 2**7 else 2 if p < 2**15 else 4)

    def hebbian_counts(self) -> np.ndarray:
        """The integer Hebbian couplings ``C_ij = sum_mu xi_i^mu xi_j^mu`` (zero diagonal; W = C / n),
        int8 while P < 2**7, int16 while P < 2**15, else int32 (|C_ij| <= P), shape (n, n), on the
        host.

        Kept between calls and extended by the patterns stored since the last call (online
        storage costs the new patterns only). Built from the patterns packed one bit per entry,
        ``k - 2 popcount(bits_i XOR bits_j)`` for k new patterns (kernel ``hebbian_counts_add``;
        the numpy backend forms the same integers by float32 matrix products)."""
        p, n = len(self), self.n
        dtype = np.int8 if p < 2**7 else np.int16 if p < 2**15 else np.int32
        if self._counts is None or self._counts.dtype != dtype:
            check_memory_estimate(self._counts_bytes(), f"an n x n count matrix for n={n}")
            old = self._counts
            self._counts = np.zeros((n, n), dtype=dtype) if old is None else old.astype(dtype)
        new = self.patterns[self._counted:]
        if len(new):
            bits_t = np.ascontiguousarray(pack_bits(np.ascontiguousarray(new.T > 0)).T)  # (words, n)
            kernel("hebbian_counts_add", self.backend.name)(self._counts, bits_t, len(new))
            np.fill_diagonal(self._counts, 0)
            self._counted = p
        return self._counts

    def _weights_bytes(self) -> int:
        return 8 * self.n * self.n

    def uses_pattern_space(self) -> bool:
        """Whether recall runs on pattern overlaps (True) or an n x n matrix (False)."""
        if self.rule != "hebbian" or self.decay > 0:
            return False
        if self.representation == "auto":
            return len(self) < self.n / 2
        return self.representation == "patterns"

    def store(self, patterns: Any, values: Any = None) -> None:
        """Store a ``(P, n)`` batch of +/-1 patterns (online: may be called again).

        Hopfield networks are auto-associative; ``values`` must be None.
        """
        if values is not None:
            raise ValueError("values must be None: a Hopfield network is auto-associative")
        xi = self._check_store(patterns)
        if self.rule != "hebbian" or self._w is not None or self.decay > 0:
            check_memory_estimate(2 * self._weights_bytes(), f"an n x n weight matrix for n={self.n}")
        append_rows(self, "patterns", xi)
        if self.rule == "hebbian" and self.decay > 0:
            self._store_decay(xi)
        elif self.rule == "hebbian":
            if self._w is not None:  # keep an existing matrix in step
                x = xi.astype(np.float64)
                self._w += (x.T @ x) / self.n
                np.fill_diagonal(self._w, 0.0)
        elif self.rule == "storkey":
            self._store_storkey(xi)
        elif self.rule == "pseudo_inverse":
            self._w = None  # recomputed from all patterns on demand
        else:
            self._store_palimpsest(xi)

    def _store_storkey(self, xi: np.ndarray) -> None:
        n = self.n
        w = self._w if self._w is not None else np.zeros((n, n))
        for x in xi.astype(np.float64):
            h = w @ x
            w += (np.outer(x, x) - np.outer(x, h) - np.outer(h, x) + 2.0 * w) / n
            np.fill_diagonal(w, 0.0)
        self._w = w

    def _store_decay(self, xi: np.ndarray) -> None:
        # sequential W <- (1 - decay) W + x x^T / n, summed in closed form for the batch
        keep = 1.0 - self.decay
        b = len(xi)
        w = self._w if self._w is not None else np.zeros((self.n, self.n))
        x = xi.astype(np.float64) * np.sqrt(keep ** np.arange(b - 1, -1, -1))[:, None]
        w = keep**b * w + (x.T @ x) / self.n
        np.fill_diagonal(w, 0.0)
        self._w = w

    def _store_palimpsest(self, xi: np.ndarray) -> None:
        n = self.n
        j = self._j if self._j is not None else np.zeros((n, n))
        step = 1.0 / np.sqrt(n)
        for x in xi.astype(np.float64):
            j += step * np.outer(x, x)
            np.clip(j, -self.bound, self.bound, out=j)
            np.fill_diagonal(j, 0.0)
        self._j = j
        self._w = None

    def weights(self) -> np.ndarray:
        """The ``(n, n)`` float64 coupling matrix W (built on demand for Hebbian storage)."""
        if self._w is None:
            check_memory_estimate(self._weights_bytes(), f"an n x n weight matrix for n={self.n}")
            if self.rule == "hebbian":
                x = self.patterns.astype(np.float64)
                w = (x.T @ x) / self.n
                np.fill_diagonal(w, 0.0)
            elif self.rule == "pseudo_inverse":
                x = self.patterns.astype(np.float64)
                if len(x) == 0:
                    w = np.zeros((self.n, self.n))
                else:
                    w = x.T @ np.linalg.pinv(x @ x.T) @ x
                    w = (w + w.T) / 2
                if not self.diagonal:
                    np.fill_diagonal(w, 0.0)
            elif self.rule == "palimpsest":
                j = self._j if self._j is not None else np.zeros((self.n, self.n))
                w = j / np.sqrt(self.n)
            else:  # storkey with nothing stored yet
                w = np.zeros((self.n, self.n))
            self._w = w
        return self._w

    # ------------------------------------------------------------------ energy
    def energy(self, states: Any) -> np.ndarray:
        """Energy ``E(s) = -1/2 s^T W s`` of a ``(B, n)`` batch of +/-1 states."""
        s = check_patterns("states", states, alphabet="ternary", n=self.n).astype(np.float64)
        if self.uses_pattern_space():
            m = s @ self.patterns.T.astype(np.float64)
            return -0.5 * ((m * m).sum(axis=1) - len(self) * (s * s).sum(axis=1)) / self.n
        return -0.5 * np.einsum("bi,ij,bj->b", s, self.weights(), s)

    def overlaps(self, states: Any) -> np.ndarray:
        """Mattis overlaps ``m_mu = xi_mu . s / n``, shape (B, P)."""
        s = check_patterns("states", states, alphabet="ternary", n=self.n)
        return (s.astype(np.float64) @ self.patterns.T.astype(np.float64)) / self.n

    # ------------------------------------------------------------------ recall
    def recall(
        self,
        cues: Any,
        *,
        clamp: Any = None,
        max_steps: int | None = None,
    ) -> Recall:
        """Run the dynamics from a ``(B, n)`` batch of cues.

        Parameters
        ----------
        cues : array_like, shape (B, n)
            Values in {-1, 0, +1}: 0 marks an unknown (erased) entry.
        clamp : array_like of bool, shape (B, n), optional
            Entries held at their cue value throughout.
        max_steps : int, optional
            Overrides the constructor's ``max_steps`` for this call.

        Returns
        -------
        Recall
            ``states`` (B, n) int8 +/-1 (0 only where a clamped cue entry is 0);
            ``overlaps`` (B, P) cosine overlaps with the stored patterns, the Mattis overlaps
            ``xi_mu . s / n`` for +/-1 states; ``steps``; ``converged``; ``status``; ``energy``.
        """
        s = self._check_cues(cues, alphabet="ternary")
        steps_limit = self.max_steps if max_steps is None else check_int("max_steps", max_steps, low=1)
        mask = None if clamp is None else check_clamp(clamp, s.shape)
        return self._recall_checked(s, clamp=mask, max_steps=steps_limit)

    def _recall_checked(self, s: np.ndarray, *, clamp: np.ndarray | None = None,
                        max_steps: int | None = None) -> Recall:
        """:meth:`recall` of checked arguments: ``s`` a ``(B, n)`` int8 batch in {-1, 0, +1}
        (B >= 1, never written to), ``clamp`` None or a host boolean array of its shape,
        ``max_steps`` None or an int >= 1. :class:`assoc.agents.EpisodicMemory` reads through it
        with ``[code | 0]`` cues of key codes it has checked."""
        steps_limit = self.max_steps if max_steps is None else max_steps
        if len(self) == 0:
            raise ValueError("recall needs stored patterns: call store() first")
        if self.dynamics == "sync":
            states, steps, status, raw = self._run_sync(s, clamp, steps_limit)
            # a cue at a fixed point was last stepped from its final state; after a two-cycle
            # or the step limit its last product was of another state
            known = status == STATUS_FIXED
        else:
            # the overlaps a run in pattern space kept up to date are those of the final states
            mask = np.zeros(s.shape, dtype=bool) if clamp is None else clamp
            states, steps, status, raw = self._run_async(s, mask, steps_limit)
            known = np.ones(len(states), dtype=bool)
        overlaps, energy = self._summaries(states, raw, None if raw is None else known)
        return Recall(
            states=self.backend.asarray(states),
            overlaps=overlaps,
            steps=steps,
            converged=status == STATUS_FIXED,
            status=status,
            energy=energy,
        )

    def _summaries(self, states: np.ndarray, raw_known=None, known=None):
        """Cosine overlaps (on the backend) and energies (host) of final states.

        ``raw_known``, ``known``: integer overlaps ``states @ patterns.T`` on the backend that
        the caller already formed, valid on the rows where the host mask ``known`` is True
        (synchronous recall: the cues at fixed points; asynchronous recall in pattern space:
        every cue, from the overlaps its sweeps kept up to date); the other rows are formed here.

        Products of +/-1 values are integers of magnitude <= n, exact in float32 while
        n < 2**24 (float64 beyond); the energy in pattern space follows from the overlaps.
        A +/-1 state has squared norm n, so its cosine overlap is the Mattis overlap raw / n.
        """
        be, xp = self.backend, self.backend.xp
        b, p = states.shape[0], len(self)
        if be.name == "numba" and b * p * self.n < SMALL_SUMMARIES and (raw_known is None or known.all()):
            # a few states: compiled calls (exact integer dot products, cosines, energies)
            cpu = _cpu()
            if raw_known is None:
                raw_known = cpu.pattern_overlaps(states, self._xi_t(), np.empty((b, p), dtype=np.int64))
            pattern_energy = self.uses_pattern_space()
            overlaps, energy = cpu.hebbian_summaries(states, raw_known, pattern_energy)
            if not pattern_energy:
                s64 = states.astype(np.float64)
                energy = -0.5 * ((s64 @ self.weights()) * s64).sum(axis=1)
            return overlaps, energy
        dtype = xp.float32 if self.n < FLOAT32_EXACT else xp.float64
        # a chunk of states at a time (the products are integers, exact in any grouping): per
        # state the raw overlaps, their float64 copy and the cosine's temporaries
        step = chunk_rows(b, 8 * 7 * p, f"overlaps of {b} states with {p} patterns",
                          fixed_bytes=8 * b * p + 8 * p * self.n)
        counts = np.count_nonzero(states, axis=1)
        full = bool((counts == self.n).all())  # +/-1 states: the cosine is raw / n exactly
        overlaps = xp.empty((b, p), dtype=xp.float64)
        energy = xp.empty(b, dtype=xp.float64)
        for lo in range(0, b, step):
            hi = min(b, lo + step)
            if raw_known is None:
                raw = be.asarray(states[lo:hi], dtype=dtype) @ self._patterns_as(dtype, be).T  # (chunk, P) integers
            else:
                raw = raw_known[lo:hi]
                miss = np.nonzero(~known[lo:hi])[0]
                if len(miss):
                    raw = raw.copy()
                    raw[be.asarray(miss)] = be.asarray(states[lo + miss], dtype=dtype) @ self._patterns_as(dtype, be).T
            if full:
                xp.divide(raw, self.n, out=overlaps[lo:hi], dtype=xp.float64)
            else:
                overlaps[lo:hi] = cosine_from_dots(raw, counts[lo:hi], np.full(p, self.n))
            if self.uses_pattern_space():  # the diagonal term is P s.s: the nonzero entries
                r = raw.astype(xp.float64)
                energy[lo:hi] = -0.5 * ((r * r).sum(axis=1) - p * be.asarray(counts[lo:hi], dtype=xp.float64)) / self.n
        if not self.uses_pattern_space():
            s64 = be.asarray(states, dtype=xp.float64)
            energy = -0.5 * ((s64 @ be.asarray(self.weights())) * s64).sum(axis=1)
        return overlaps, be.to_numpy(energy)

    def _patterns_as(self, dtype, backend=None):
        """The stored patterns as ``dtype``, on ``backend`` (None: the host), made once per set
        of patterns; one copy serves both where the backend keeps host arrays. On the host,
        storage converts only the new patterns (the copy grows with spare rows)."""
        be = backend if backend is not None and backend.xp is not np else None
        key = ("host_" if be is None else be.name + "_") + np.dtype(dtype).name
        if be is not None:
            return self._derived(key, lambda: be.asarray(np.asarray(self.patterns, dtype=dtype)))

        def extend(old, done):
            # the copy's own row buffer, kept with the derived arrays (a reset drops both)
            holder = self._derived_cache.setdefault(("rows", key), types.SimpleNamespace(rows=old))
            holder.rows = old
            return append_rows(holder, "rows", np.asarray(self.patterns[done:], dtype=dtype))

        return self._derived(key, lambda: np.asarray(self.patterns, dtype=dtype), extend)

    def _xi_t(self, backend=None):
        """The stored patterns transposed, (n, P) int8 C-contiguous, on ``backend`` (None: the
        host); on the host storage copies the old columns and transposes only the new patterns."""
        if backend is not None and backend.xp is not np:
            return self._derived(backend.name + "_xi_t",
                                 lambda: backend.asarray(np.ascontiguousarray(self.patterns.T)))

        def extend(old, done):
            new = np.empty((self.n, len(self.patterns)), dtype=old.dtype)
            new[:, :done] = old
            new[:, done:] = self.patterns[done:].T
            return new

        return self._derived("xi_t", lambda: np.ascontiguousarray(self.patterns.T), extend)

    def _derived(self, name: str, make, extend=None):
        """An array derived from the stored patterns, made once per set of patterns (storage
        replaces ``self.patterns``, which drops every derived array). With ``extend(old, done)``
        an array made from the first ``done`` patterns is extended instead of remade when the
        stored patterns only grew since: the new array is a view of the same row buffer
        (:func:`assoc.memory.append_rows` never changes rows it has handed out)."""
        entry = self._derived_cache.get(name)
        pats = self.patterns
        if entry is not None and entry[0] is not pats:
            old = entry[0]
            grew = extend is not None and pats.base is not None and pats.base is old.base and len(pats) >= len(old)
            entry = (pats, extend(entry[1], len(old))) if grew else None
            if entry is not None:
                self._derived_cache[name] = entry
        if entry is None:
            entry = (pats, make())
            self._derived_cache[name] = entry
        return entry[1]

    def _run_async(self, s: np.ndarray, clamp: np.ndarray, limit: int):
        """Random-sequential sweeps in one of three exact forms, all making the same moves.

        - Pattern space (Hebbian): a field is a dot product of a pattern column with the P
          overlaps, O(P) per visited spin (:func:`overlap_dtype` keeps it exact).
        - Hebbian counts: integer couplings C (:meth:`hebbian_counts`) and integer fields
          kept up to date, O(1) per visited spin and O(n) per flip. A run starts in pattern
          space and moves to the counts once the pattern-space work it has spent exceeds the
          cost of bringing the counts up to date (built once, then extended by new patterns
          only), so long runs of sweeps with few flips (above capacity) cost O(n) a sweep.
          The fields at the switch follow exactly from the overlaps.
        - Float weights (other rules, decay, ``representation="weights"``): the same sweep
          as the counts with float64 couplings.

        On the numba backend a batch whose sweeps are less work than the thread pool's
        threshold (:data:`assoc.kernels.cpu.PARALLEL_MIN_WORK`) runs all its sweeps in one compiled call
        (``async_run_patterns`` / ``async_run_weights``: the same streams, bodies and books as
        the Python driver), in the form chosen before the first sweep.
        """
        be = self.backend
        glauber = self.dynamics == "glauber"
        state = be.asarray(s.copy())
        clamp_d = be.asarray(clamp)
        w_sweep = kernel("async_sweep_weights", be.name)
        if not self.uses_pattern_space():
            w = self.weights()
            w_d = be.asarray(w)
            fields = be.asarray(s.astype(np.float64) @ w)

            if self._whole_run(s.shape, n_per_visit=1):
                keys = draw_keys(self.rng)
                steps, status = _cpu().async_run_weights(state, fields, w_d, clamp_d, self.temperature,
                                                                keys[0], keys[1], limit, 1.0)
                return state, steps, status, None

            def float_sweep(order, active, uniforms):
                return w_sweep(state, fields, w_d, order, active, clamp_d, self.temperature, uniforms)

            def float_quiet(active):
                return be.to_numpy(kernel("quiet_cues", be.name)(state, fields, clamp_d, be.asarray(active)))

            steps, status = run_async_sweeps(float_sweep, self.rng, s.shape, limit, glauber=glauber, backend=be,
                                             quiet=None if glauber else float_quiet)
            return be.to_numpy(state), steps, status, None

        n, p = self.n, len(self)
        p_sweep = kernel("async_sweep_patterns", be.name)
        xi_t = self._xi_t(be)
        odt = overlap_dtype(n, p)
        b = s.shape[0]
        whole = self._whole_run(s.shape, n_per_visit=p)
        if whole and b * p * n < SMALL_SUMMARIES:  # a few cues: integer sums in one compiled call
            ov = _cpu().pattern_overlaps(s, xi_t, np.empty((b, p), dtype=odt))
        else:  # s @ xi.T as a float32 product: integers of magnitude <= n, exact
            ov = be.asarray((s.astype(np.float32) @ self._patterns_as(np.float32).T).astype(odt))
        # pattern-space work (in units of n multiply-adds) after which the counts pay
        counts_ok = self.representation == "auto" and be.xp is np
        if not counts_ok:
            threshold = np.inf
        elif self._counts is not None and p == self._counted:
            threshold = 0  # the counts are up to date: use them from the first sweep
        else:
            threshold = n * (COUNTS_PASS_COST + COUNTS_WORD_COST * -(-(p - self._counted) // 64))
        run = {"spent": 0, "counts": None, "fields": None}

        def exact_fields():
            """``overlaps @ xi - P s``: integers of magnitude <= n P, exact in a float32 product
            while n P < 2**24, float64 beyond (< 2**53)."""
            dt = np.float32 if n * p < FLOAT32_EXACT else np.float64
            pat = self._patterns_as(dt)
            h = np.asarray(ov, dtype=dt) @ pat - dt(p) * state.astype(dt)
            return h.astype(np.int32 if n * p < 2**31 else np.int64)

        def to_counts(h=None):
            if not fits_budget(2 * self._counts_bytes()):  # they do not fit: stay in pattern space
                run["spent"] = -np.inf
            else:
                run["counts"] = self.hebbian_counts()
                run["fields"] = exact_fields() if h is None else h

        # pattern-space work every run certainly spends: all sweeps of every cue (Glauber), or
        # one sweep of every cue plus a second of each cue with a spin that moves (T = 0: its
        # first sweep flips that spin, so a quiet sweep follows). Enough of it buys the counts
        # before the first sweep.
        # At T = 0 a cue with no spin that moves (none unknown, none opposed to its field) is
        # settled: its first sweep flips nothing. The fields of one float32 product (a fraction
        # of one pattern-space sweep) find them, and they skip that sweep.
        h = moving = None
        if not glauber and be.xp is np and (not whole or (np.isfinite(threshold) and 2 * b * p >= threshold > 0)):
            h = exact_fields()
            moving = (((h * s < 0) | (s == 0)) & ~clamp).any(axis=1)
        if np.isfinite(threshold) and threshold > 0:
            if glauber and limit * b * p >= threshold:
                to_counts()
            elif moving is not None and (b + int(np.count_nonzero(moving))) * p >= threshold:
                to_counts(h)
        elif threshold == 0:
            to_counts(h)

        if whole:
            keys = draw_keys(self.rng)
            cpu = _cpu()
            if run["counts"] is not None:
                steps, status = cpu.async_run_weights(state, run["fields"], run["counts"], clamp_d, self.temperature,
                                                      keys[0], keys[1], limit, float(n))
            else:
                steps, status = cpu.async_run_patterns(state, ov, xi_t, clamp_d, self.temperature, keys[0], keys[1],
                                                       limit, float(n))
            return state, steps, status, (ov if run["counts"] is None else None)

        def one_sweep(order, active, uniforms):
            if run["counts"] is None and run["spent"] >= threshold:
                to_counts()
            if run["counts"] is not None:
                return w_sweep(state, run["fields"], run["counts"], order, active, clamp_d, self.temperature,
                               uniforms, float(n))
            run["spent"] += int(np.count_nonzero(be.to_numpy(active))) * p
            return p_sweep(state, ov, xi_t, order, active, clamp_d, self.temperature, uniforms)

        first = {"sweep": moving is not None}

        def quiet(active):
            """Cues whose next sweep flips nothing: before the first sweep from the fields of the
            product above, on the counts from their fields (one pass, no order drawn)."""
            if first["sweep"]:
                first["sweep"] = False
                return ~moving
            if run["counts"] is None:
                return None
            return be.to_numpy(kernel("quiet_cues", be.name)(state, run["fields"], clamp_d, be.asarray(active)))

        steps, status = run_async_sweeps(one_sweep, self.rng, s.shape, limit, glauber=glauber, backend=be,
                                         quiet=None if glauber else quiet)
        return be.to_numpy(state), steps, status, (ov if run["counts"] is None else None)

    def _whole_run(self, shape: tuple, n_per_visit: int) -> bool:
        """Whether an asynchronous run of a ``shape`` batch goes to one compiled call: on the
        numba backend, when a sweep (B n visits of about ``n_per_visit`` operations each) is
        less work than the thread pool's threshold (whatever the thread count: a larger run keeps
        the sweep-by-sweep driver, which can move to the counts part way)."""
        return self.backend.name == "numba" and shape[0] * shape[1] * max(1, n_per_visit) < _cpu().PARALLEL_MIN_WORK

    def _run_sync(self, s: np.ndarray, clamp: np.ndarray | None, limit: int):
        be = self.backend
        xp = be.xp
        n = s.shape[1]
        p = len(self)
        if self.uses_pattern_space():
            dtype = xp.float32 if p * n < FLOAT32_EXACT else xp.float64
            xi = self._patterns_as(dtype, be)
            diagonal = p  # the field's diagonal term P s_i, removed by the sign kernel
            last = xp.empty((s.shape[0], p), dtype=dtype)  # each row's overlaps at its last step

            def field(x, idx):
                m = x.astype(dtype) @ xi.T
                if idx is None:
                    last[...] = m
                else:
                    last[idx] = m
                return m @ xi
        else:
            w = be.asarray(self.weights())
            diagonal = 0
            last = None

            def field(x, idx):
                return x.astype(xp.float64) @ w
        clamp_d = xp.zeros((0, 0), dtype=bool) if clamp is None else be.asarray(clamp)
        sign = kernel("sync_sign", be.name)

        def step(rows, cur):
            # the fields of the running cues only, as one product; the states stay int8, so the
            # driver's copies and comparisons move a quarter of the bytes of float32 states
            idx = None if len(rows) == cur.shape[0] else be.asarray(rows)
            x = cur if idx is None else cur[idx]
            c = clamp_d if idx is None or clamp is None else clamp_d[idx]
            return sign(field(x, idx), x, diagonal, c)

        cur, steps, status = run_to_fixed_point(step, be.asarray(s, dtype=xp.int8), limit, backend=be)
        # a row at a fixed point was last stepped from its final state: those are its overlaps
        return be.to_numpy(cur), steps, status, last

    # ------------------------------------------------------------------ state
    def _extra_state(self) -> dict:
        out = {}
        if (self.rule == "storkey" or self.decay > 0) and self._w is not None:
            out["w"] = self._w.copy()
        if self.rule == "palimpsest" and self._j is not None:
            out["j"] = self._j.copy()
        return out

    def _load_extra_state(self, state: dict) -> None:
        self._counts = None
        self._counted = 0
        self._w = np.array(state["w"]) if "w" in state else None
        self._j = np.array(state["j"]) if "j" in state else None
