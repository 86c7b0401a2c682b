"""Willshaw (Steinbuch) associative memory: binary clipped-Hebbian synapses, auto- and
hetero-associative, bit-packed (n_in x n_out bits) with popcount retrieval (Steinbuch 1961;
Willshaw, Buneman & Longuet-Higgins 1969; Palm 1980).

Theory in :mod:`assoc.theory` (section "sparse distributed memories"), drivers in
:mod:`assoc.experiments.sdr`; all patterns use the ``"binary"`` alphabet (``int8`` in {0, 1}).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..dynamics import run_to_fixed_point
from ..memory import (
    STATUS_FIXED,
    STATUS_LIMIT,
    BaseMemory,
    Recall,
    append_rows,
    check_choice,
    check_float,
    check_int,
    check_memory_estimate,
    check_patterns,
    set_rows,
)
from ..kernels.ref_sdr import CLASSIC, CLASSIC_DILUTED, FIXED, KWTA
from .bits import _binary_overlaps, _check_sparse_packed, n_words, pack_bits, random_bit_mask, sdr_kernels, unpack_bits

THRESHOLDS = ("classic", "kwta", "fixed")


class Willshaw(BaseMemory):
    """Willshaw (Steinbuch) associative memory with binary clipped-Hebbian synapses.

    Storing the pairs (x^mu, y^mu) sets ``W_ij = min(1, sum_mu x^mu_i y^mu_j)``; recalling
    from a cue ``x`` computes the dendritic sums ``d_j = sum_i W_ij x_i`` and fires unit j
    when ``d_j`` reaches its threshold (Willshaw, Buneman & Longuet-Higgins 1969, Nature
    222:960; Palm 1980, Biol. Cybern. 36:19). The n_in x n_out synapses are kept bit-packed
    (one bit each, word-major: word q of output unit j's input bits at ``[q, j]``), and
    ``d_j`` is a popcount of unit j's words AND the cue's nonzero words.

    Parameters
    ----------
    n : int
        Number of input units (the key / cue length).
    n_out : int, optional
        Number of output units (the value length); defaults to ``n`` (auto-association).
    threshold : {"classic", "kwta", "fixed"}
        ``classic``: theta_j = number of active cue bits that reach unit j (all of them
        without dilution): a unit fires only if every active cue bit is connected to it
        by a set synapse. ``kwta``: the ``winners`` units of largest sum fire (all units
        tied with the ``winners``-th largest fire too). ``fixed``: theta_j = ``theta``.
        In every case a unit needs d_j >= 1 to fire.
    theta : int, optional
        The fixed threshold (>= 1); required with ``threshold="fixed"``.
    winners : int, optional
        Units kept by k-WTA; defaults to the mean number of active bits of the stored values.
    max_steps : int
        Iterations of the retrieval: 1 is the classic one-step retrieval; more feeds each
        output back as the next cue until a fixed point (auto-association only, n_out = n;
        Schwenker, Sommer & Palm 1996, Neural Netw. 9:445).
    dilution : float in [0, 1)
        Fraction of the n_in x n_out synapses that are absent (random, drawn once from the
        seed; Buckingham & Willshaw 1993, Network 4:441).
    keep_patterns : bool
        Keep the stored keys and values (``patterns``, ``values``) for ``Recall.overlaps``
        and ``state_dict``. With False only the synapses are kept (n_in x n_out bits, for
        very large stores); ``overlaps`` is then an empty (B, 0) array.
    backend : {"auto", "numpy", "numba", "cupy"}
    seed : int or None
        Seeds the connectivity and the random synaptic depression.

    Examples
    --------
    >>> import assoc
    >>> x = assoc.patterns.sparse_binary(50, 512, k=10, rng=0)
    >>> mem = assoc.Willshaw(512, backend="numpy")
    >>> mem.store(x)
    >>> out = mem.recall(x)
    >>> bool((out.states == x).all())
    True
    """

    alphabet = "binary"
    _params = ("n_out", "threshold", "theta", "winners", "max_steps", "dilution", "keep_patterns")

    def __init__(
        self,
        n: int,
        n_out: int | None = None,
        threshold: str = "classic",
        *,
        theta: int | None = None,
        winners: int | None = None,
        max_steps: int = 1,
        dilution: float = 0.0,
        keep_patterns: bool = True,
        backend: str = "auto",
        seed: int | None = None,
    ):
        super().__init__(n, backend=backend, seed=seed)
        self.n_out = self.n if n_out is None else check_int("n_out", n_out, low=1)
        if not isinstance(keep_patterns, (bool, np.bool_)):
            raise TypeError(f"keep_patterns must be a bool, got {keep_patterns!r}")
        self.keep_patterns = bool(keep_patterns)
        self.threshold = check_choice("threshold", threshold, THRESHOLDS)
        if self.threshold == "fixed":
            if theta is None:
                raise ValueError("theta is required with threshold='fixed' (an integer >= 1)")
            self.theta = check_int("theta", theta, low=1, high=self.n)
        else:
            if theta is not None:
                raise ValueError(f"theta={theta!r} is only used with threshold='fixed', got threshold={threshold!r}")
            self.theta = None
        self.winners = None if winners is None else check_int("winners", winners, low=1, high=self.n_out)
        if self.winners is not None and self.threshold != "kwta":
            raise ValueError(f"winners={winners!r} is only used with threshold='kwta', got threshold={threshold!r}")
        self.max_steps = check_int("max_steps", max_steps, low=1)
        if self.max_steps > 1 and self.n_out != self.n:
            raise ValueError(
                f"max_steps={max_steps} (iterative retrieval) needs n_out == n (auto-association), "
                f"got n={self.n}, n_out={self.n_out}"
            )
        self.dilution = check_float("dilution", dilution, low=0.0, high=1.0, high_open=True)
        self.nw_in = n_words(self.n)
        self.nw_out = n_words(self.n_out)
        check_memory_estimate(
            2 * self.n_out * self.nw_in * 8, f"a bit-packed {self.n} x {self.n_out} synapse matrix"
        )
        self._make_mask()
        self._reset()

    # ------------------------------------------------------------------ structure
    def _make_mask(self) -> None:
        if self.dilution > 0:
            mask = random_bit_mask(self.n_out, self.n, 1.0 - self.dilution, self.rng)
        else:
            mask = np.repeat(pack_bits(np.ones((1, self.n), dtype=np.uint8)), self.n_out, axis=0)
        self._mask = self.backend.asarray(np.ascontiguousarray(mask.T))

    def _reset(self) -> None:
        xp = self.backend.xp
        self._w = xp.zeros((self.nw_in, self.n_out), dtype=xp.uint64)
        self.values = np.zeros((0, self.n_out), dtype=np.int8)
        self._vpacked = np.zeros((0, self.nw_out), dtype=np.uint64)  # the values bit-packed
        self._vsizes = np.zeros(0, dtype=np.int64)  # and their active bits
        self._count = 0
        self._value_sizes: list[float] = []

    def __len__(self) -> int:
        return self._count

    def reset(self) -> None:
        """Forget every stored pair; the connectivity (dilution mask) is drawn again from the seed."""
        super().reset()
        self._make_mask()

    # ------------------------------------------------------------------ storage
    def store(self, patterns: Any, values: Any = None) -> None:
        """Store a batch of ``(P, n)`` keys with ``(P, n_out)`` values (online, may repeat).

        With ``values=None`` the keys are stored auto-associatively (needs n_out = n).
        """
        keys = self._check_store(patterns)
        if values is None:
            if self.n_out != self.n:
                raise ValueError(
                    f"values are required for hetero-association (n={self.n}, n_out={self.n_out})"
                )
            vals = keys
        else:
            vals = check_patterns("values", values, alphabet="binary", n=self.n_out)
            if vals.shape[0] != keys.shape[0]:
                raise ValueError(
                    f"values must have one row per key: got {vals.shape[0]} values for {keys.shape[0]} keys"
                )
        be = self.backend
        k = sdr_kernels(be.name)
        kpacked, ksizes, _ = k.pack_rows(keys)
        vpacked, vsizes, _ = (kpacked, ksizes, 0) if values is None else k.pack_rows(vals)
        k.or_values(self._w, be.asarray(kpacked), vals, self._mask)
        self._count += keys.shape[0]
        self._value_sizes.append(float(vsizes[0]) if vsizes.shape[0] == 1 else float(vsizes.sum()))
        if self.keep_patterns:
            append_rows(self, "patterns", keys)
            append_rows(self, "values", vals)
            append_rows(self, "_vpacked", vpacked)
            append_rows(self, "_vsizes", vsizes)

    def depress(self, fraction: float) -> None:
        """Random synaptic depression: clear each set synapse independently with probability
        ``fraction`` (drawn from the memory's generator). Repeated between stores it makes the
        memory a palimpsest: older pairs fade first."""
        fraction = check_float("fraction", fraction, low=0.0, high=1.0)
        if fraction == 0:
            return
        keep = random_bit_mask(self.n_out, self.n, 1.0 - fraction, self.rng)
        self._w &= self.backend.asarray(np.ascontiguousarray(keep.T))

    def weights(self) -> np.ndarray:
        """The synapses as a dense ``(n, n_out)`` int8 {0,1} matrix, W[i, j] (host NumPy)."""
        check_memory_estimate(self.n * self.n_out, f"a dense {self.n} x {self.n_out} matrix")
        return np.ascontiguousarray(unpack_bits(self.backend.to_numpy(self._w).T, self.n).T)

    def packed_weights(self) -> Any:
        """The bit-packed synapses, ``(ceil(n/64), n_out)`` uint64 on the backend: word q of
        output unit j's input bits (inputs 64 q ... 64 q + 63) at ``[q, j]``."""
        return self._w

    def p1(self, *, off_diagonal: bool = False) -> float:
        """Fraction of the existing synapses that are set (Willshaw's p1).

        ``off_diagonal=True`` leaves out the synapses W_ii (n_out = n only), which in
        auto-association are set by every pattern containing i.
        """
        xp = self.backend.xp
        from ..kernels.ref_sdr import popcount

        ones = int(popcount(xp, self._w).sum())
        present = int(popcount(xp, self._mask).sum())
        if off_diagonal:
            if self.n_out != self.n:
                raise ValueError(f"off_diagonal needs n_out == n, got n={self.n}, n_out={self.n_out}")
            diag = self.backend.to_numpy(self._get_diagonal())
            ones -= int(diag[0].sum())
            present -= int(diag[1].sum())
        return ones / present if present else 0.0

    def _get_diagonal(self):
        """(set, present) indicators of the n synapses W_ii, int64 arrays on the host."""
        i = np.arange(self.n)
        words = i // 64
        bits = (i % 64).astype(np.uint64)
        w = self.backend.to_numpy(self._w)[words, i]
        c = self.backend.to_numpy(self._mask)[words, i]
        one = np.uint64(1)
        return np.stack([((w >> bits) & one).astype(np.int64), ((c >> bits) & one).astype(np.int64)])

    # ------------------------------------------------------------------ recall
    def _winners(self) -> int:
        if self.winners is not None:
            return self.winners
        if len(self) == 0:
            raise ValueError("threshold='kwta' without winners needs stored values to set it")
        return max(1, int(round(sum(self._value_sizes) / self._count)))

    def _step(self, cues_packed: Any, cue_sizes: np.ndarray):
        """One retrieval step (the ``willshaw_step`` kernel): (new states (B, n_out) int8
        host, sums, thresholds); ``cue_sizes`` int64 (B,) host."""
        be = self.backend
        if self.threshold == "classic":
            rule, theta, winners = (CLASSIC_DILUTED if self.dilution > 0 else CLASSIC), 0, 0
        elif self.threshold == "fixed":
            rule, theta, winners = FIXED, self.theta, 0
        else:
            rule, theta, winners = KWTA, 0, self._winners()
        states, sums, thr = sdr_kernels(be.name).willshaw_step(
            self._w, self._mask, cues_packed, cue_sizes, rule, theta, winners)
        return be.to_numpy(states), sums, thr

    def recall(self, cues: Any, *, max_steps: int | None = None) -> Recall:
        """Retrieve from a ``(B, n)`` batch of {0,1} cues (each with at least one active bit).

        Returns
        -------
        Recall
            ``states`` (B, n_out) int8 {0,1}; ``overlaps`` (B, P): the cosine overlap
            ``|s & y_mu| / sqrt(|s| |y_mu|)`` of each output with each stored value (1 when
            identical; an empty (B, 0) array with ``keep_patterns=False``); ``steps``;
            ``converged`` (one-step retrieval always counts as converged); ``status``;
            ``extra["sums"]`` the last dendritic sums (B, n_out) and ``extra["thresholds"]``
            the thresholds they were compared with.
        """
        be = self.backend
        x, packed, sizes = _check_sparse_packed("cues", cues, self.n, be.name)
        limit = self.max_steps if max_steps is None else check_int("max_steps", max_steps, low=1)
        if limit > 1 and self.n_out != self.n:
            raise ValueError(f"max_steps={limit} needs n_out == n, got n={self.n}, n_out={self.n_out}")
        if len(self) == 0:
            raise ValueError("recall needs stored patterns: call store() first")
        b = x.shape[0]
        if limit == 1:
            states, sums, thr = self._step(be.asarray(packed), sizes)
            steps = np.empty(b, dtype=np.int64)
            steps.fill(1)
            status = np.zeros(b, dtype=np.int8)  # STATUS_FIXED
        else:
            pack_rows = sdr_kernels(be.name).pack_rows
            sums = np.zeros((b, self.n_out), dtype=np.int32)  # the last sums and thresholds of each cue
            thr = np.zeros((b, self.n_out), dtype=np.int32)

            def step(rows, cur):
                sub = cur[rows]
                alive = sub.sum(axis=1) > 0  # an empty state fires nothing
                new = np.zeros_like(sub)
                if alive.any():
                    r = np.nonzero(alive)[0]
                    packed_r, sizes_r, _ = pack_rows(sub[r])
                    new[r], d, t = self._step(be.asarray(packed_r), sizes_r)
                    sums[rows[r]] = be.to_numpy(d)
                    thr[rows[r]] = np.broadcast_to(be.to_numpy(t), (len(r), self.n_out))
                return new

            states, steps, status = run_to_fixed_point(step, x, limit)
        if self.keep_patterns:
            overlaps = _binary_overlaps(be, states, self._vpacked, self._vsizes)
        else:
            overlaps = be.xp.zeros((b, 0))
        return Recall(
            states=be.asarray(states),
            overlaps=overlaps,
            steps=steps,
            converged=status == STATUS_FIXED,
            status=status,
            extra={"sums": sums, "thresholds": thr},
        )

    # ------------------------------------------------------------------ state
    def _extra_state(self) -> dict:
        be = self.backend
        return {
            "values": self.values.copy(),
            "w": be.to_numpy(self._w).copy(),
            "mask": be.to_numpy(self._mask).copy(),
            "count": self._count,
            "value_sizes": list(self._value_sizes),
        }

    def _load_extra_state(self, state: dict) -> None:
        be = self.backend
        set_rows(self, "values", np.asarray(state["values"], dtype=np.int8))
        set_rows(self, "_vpacked", pack_bits(self.values))
        set_rows(self, "_vsizes", self.values.sum(axis=1, dtype=np.int64))
        self._w = be.asarray(np.array(state["w"], dtype=np.uint64))
        self._mask = be.asarray(np.array(state["mask"], dtype=np.uint64))
        self._count = int(state["count"])
        self._value_sizes = list(state["value_sizes"])
        self.nw_in = n_words(self.n)
        self.nw_out = n_words(self.n_out)
