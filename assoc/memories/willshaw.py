"""Sparse-distributed-representation memories on {0,1} patterns.

Families
--------
``Willshaw``          binary clipped-Hebbian associative matrix (Steinbuch 1961; Willshaw,
                      Buneman & Longuet-Higgins 1969; Palm 1980), auto- and hetero-associative,
                      synapses bit-packed (n_in x n_out bits), popcount retrieval
``KanervaSDM``        sparse distributed memory: hard locations, activation radius, counters
                      (Kanerva 1988)
``DendriticSegments`` thresholded dendritic segments detecting (unions of) sparse patterns
                      (Ahmad & Hawkins 2016)
``Sparsey``           Sparsey's familiarity-modulated code selection on a macrocolumn of
                      winner-take-all modules (Rinkus 2014, 2017)
``SDRIndex``          exact best match over many stored SDRs through an inverted index

Theory for each lives in :mod:`assoc.theory` (section "sparse distributed memories"),
drivers in :mod:`assoc.experiments.sdr`, kernels in :mod:`assoc.kernels.cpu_sdr` (Numba)
and :mod:`assoc.kernels.ref_sdr` (NumPy/CuPy reference, identical integer results).

All patterns use the ``"binary"`` alphabet: ``int8`` values in {0, 1}. Binary vectors are
packed 64 to a ``uint64`` word by :func:`pack_bits` (bit ``i % 64`` of word ``i // 64``
holds entry ``i``), so a popcount of ``rows & cue`` is a dendritic sum.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..dynamics import run_to_fixed_point
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
)
from ..metrics import cosine_from_dots

THRESHOLDS = ("classic", "kwta", "fixed")

#: Rows drawn at a time when making random bit masks (bounds the float draws to ~64 MiB).
_MASK_ROW_BLOCK_BITS = 1 << 23


# --------------------------------------------------------------------------- bit packing


def n_words(n: int) -> int:
    """Number of 64-bit words holding ``n`` bits."""
    return (int(n) + 63) // 64


def pack_bits(x: Any) -> np.ndarray:
    """Pack a ``(B, n)`` {0,1} array into ``(B, ceil(n/64))`` ``uint64`` words (host NumPy).

    Entry ``i`` of a row is bit ``i % 64`` of word ``i // 64``; padding bits are 0.
    """
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"x must have shape (batch, n), got shape {x.shape}")
    b, n = x.shape
    nw = n_words(n)
    packed = np.packbits(x.astype(np.uint8, copy=False), axis=1, bitorder="little")
    buf = np.zeros((b, nw * 8), dtype=np.uint8)
    buf[:, : packed.shape[1]] = packed
    return buf.view(np.dtype("<u8")).astype(np.uint64, copy=False).reshape(b, nw)


def unpack_bits(words: Any, n: int) -> np.ndarray:
    """Inverse of :func:`pack_bits`: ``(B, W)`` uint64 words -> ``(B, n)`` int8 {0,1}."""
    w = np.ascontiguousarray(np.asarray(words, dtype=np.uint64)).astype(np.dtype("<u8"), copy=False)
    bits = np.unpackbits(w.view(np.uint8).reshape(w.shape[0], -1), axis=1, bitorder="little")
    return bits[:, :n].astype(np.int8)


def random_bit_mask(rows: int, n: int, p_one: float, rng: np.random.Generator) -> np.ndarray:
    """Packed ``(rows, ceil(n/64))`` mask whose bits are 1 independently with probability ``p_one``."""
    out = np.empty((rows, n_words(n)), dtype=np.uint64)
    step = max(1, _MASK_ROW_BLOCK_BITS // max(1, n))
    for r0 in range(0, rows, step):
        r1 = min(rows, r0 + step)
        out[r0:r1] = pack_bits(rng.random((r1 - r0, n)) < p_one)
    return out


def _csr_by_column(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR lists of the rows active in each column of a {0,1} matrix: (indptr, members)."""
    cols, rows = np.nonzero(values.T)
    counts = np.bincount(cols, minlength=values.shape[1])
    indptr = np.zeros(values.shape[1] + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return indptr, rows.astype(np.int64)


def _check_sparse_batch(name: str, x: Any, n: int) -> np.ndarray:
    """Binary batch with at least one active bit per row."""
    x = check_patterns(name, x, alphabet="binary", n=n)
    empty = np.nonzero(x.sum(axis=1) == 0)[0]
    if empty.size:
        raise ValueError(
            f"{name} must have at least one active bit per row; rows {empty[:5].tolist()} are all zero"
        )
    return x


def _binary_overlaps(backend: Any, states: np.ndarray, targets_packed: Any, target_sizes: np.ndarray) -> Any:
    """Cosine overlaps ``|s & x_mu| / sqrt(|s| |x_mu|)`` of {0,1} states with packed targets.

    The popcount form of :func:`assoc.metrics.cosine_overlaps` (the same numbers): ``states``
    (B, n) int8 on the host, ``targets_packed`` (P, W) uint64 from :func:`pack_bits` and
    ``target_sizes`` (P,) their active bits. Returns (B, P) float64 on ``backend``.
    """
    rows, cues = backend.asarray(targets_packed), backend.asarray(pack_bits(states))
    counts = kernel("and_popcount", backend.name)(rows, cues)
    return cosine_from_dots(counts, backend.asarray(states.sum(axis=1)), backend.asarray(target_sizes))


# --------------------------------------------------------------------------- Willshaw


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
        self._vpacked = np.zeros((0, self.nw_out), dtype=np.uint64)
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
        indptr, members = _csr_by_column(vals)
        kernel("or_columns", be.name)(
            self._w, be.asarray(indptr), be.asarray(members), be.asarray(pack_bits(keys)), self._mask
        )
        self._count += keys.shape[0]
        self._value_sizes.append(float(vals.sum()))
        if self.keep_patterns:
            self.patterns = np.concatenate([self.patterns, keys])
            self.values = np.concatenate([self.values, vals])
            self._vpacked = np.concatenate([self._vpacked, pack_bits(vals)])

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
        """One retrieval step: (new states (B, n_out) int8 host, sums, thresholds)."""
        be = self.backend
        xp = be.xp
        sums = kernel("and_popcount_t", be.name)(self._w, cues_packed)
        if self.threshold == "classic":
            if self.dilution > 0:
                thr = kernel("and_popcount_t", be.name)(self._mask, cues_packed)
            else:
                thr = be.asarray(cue_sizes.astype(np.int32))[:, None]
        elif self.threshold == "fixed":
            thr = xp.full((sums.shape[0], 1), self.theta, dtype=xp.int32)
        else:
            w = self._winners()
            thr = xp.partition(sums, self.n_out - w, axis=1)[:, self.n_out - w : self.n_out - w + 1]
        fire = (sums >= thr) & (sums >= 1)
        return be.to_numpy(fire).astype(np.int8), sums, thr

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
        x = _check_sparse_batch("cues", cues, self.n)
        limit = self.max_steps if max_steps is None else check_int("max_steps", max_steps, low=1)
        if limit > 1 and self.n_out != self.n:
            raise ValueError(f"max_steps={limit} needs n_out == n, got n={self.n}, n_out={self.n_out}")
        if len(self) == 0:
            raise ValueError("recall needs stored patterns: call store() first")
        be = self.backend
        b = x.shape[0]
        steps = np.zeros(b, dtype=np.int64)
        status = np.full(b, STATUS_LIMIT, dtype=np.int8)
        if limit == 1:
            states, sums, thr = self._step(be.asarray(pack_bits(x)), x.sum(axis=1))
            steps[:] = 1
            status[:] = STATUS_FIXED
        else:
            sums = np.zeros((b, self.n_out), dtype=np.int32)  # the last sums and thresholds of each cue
            thr = np.zeros((b, self.n_out), dtype=np.int32)

            def step(rows, cur):
                sub = cur[rows]
                alive = sub.sum(axis=1) > 0  # an empty state fires nothing
                new = np.zeros_like(sub)
                if alive.any():
                    r = np.nonzero(alive)[0]
                    new[r], d, t = self._step(be.asarray(pack_bits(sub[r])), sub[r].sum(axis=1))
                    sums[rows[r]] = be.to_numpy(d)
                    thr[rows[r]] = np.broadcast_to(be.to_numpy(t), (len(r), self.n_out))
                return new

            states, steps, status = run_to_fixed_point(step, x, limit)
        if self.keep_patterns:
            overlaps = _binary_overlaps(be, states, self._vpacked, self.values.sum(axis=1))
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
        self.values = np.array(state["values"], dtype=np.int8)
        self._vpacked = pack_bits(self.values)
        self._w = be.asarray(np.array(state["w"], dtype=np.uint64))
        self._mask = be.asarray(np.array(state["mask"], dtype=np.uint64))
        self._count = int(state["count"])
        self._value_sizes = list(state["value_sizes"])
        self.nw_in = n_words(self.n)
        self.nw_out = n_words(self.n_out)


# --------------------------------------------------------------------------- best match


class SDRIndex:
    """Exact best match over many stored SDRs through an inverted index over active bits.

    For each bit i the index keeps the posting list of stored items with bit i active; the
    overlap of a cue with every item is accumulated from the posting lists of the cue's
    active bits only. A query with c active bits over P items of k active bits among n costs
    about ``c P k / n`` increments instead of ``P n / 64`` popcounts.

    Parameters
    ----------
    n : int
        Length of the SDRs.
    backend : {"auto", "numpy", "numba", "cupy"}
    """

    def __init__(self, n: int, *, backend: str = "auto"):
        from ..backend import get_backend

        self.n = check_int("n", n, low=1)
        self.backend = get_backend(backend)
        self._bits: list[np.ndarray] = []
        self._items: list[np.ndarray] = []
        self._count = 0
        self._csr: tuple[Any, Any] | None = None

    def __len__(self) -> int:
        return self._count

    def add(self, sdrs: Any) -> np.ndarray:
        """Add a ``(P, n)`` {0,1} batch; returns the indices given to the new items."""
        x = check_patterns("sdrs", sdrs, alphabet="binary", n=self.n)
        items, bits = np.nonzero(x)
        self._bits.append(bits.astype(np.int64))
        self._items.append(items.astype(np.int64) + self._count)
        new = np.arange(self._count, self._count + x.shape[0])
        self._count += x.shape[0]
        self._csr = None
        return new

    def _index(self):
        if self._csr is None:
            bits = np.concatenate(self._bits) if self._bits else np.zeros(0, np.int64)
            items = np.concatenate(self._items) if self._items else np.zeros(0, np.int64)
            order = np.argsort(bits, kind="stable")
            indptr = np.zeros(self.n + 1, dtype=np.int64)
            np.cumsum(np.bincount(bits, minlength=self.n), out=indptr[1:])
            be = self.backend
            self._csr = (indptr, be.asarray(items[order].astype(np.int64)))
        return self._csr

    def _active(self, cues: Any):
        x = check_patterns("cues", cues, alphabet="binary", n=self.n)
        cnt = x.sum(axis=1).astype(np.int64)
        width = max(1, int(cnt.max()))
        active = np.zeros((x.shape[0], width), dtype=np.int64)
        rows, cols = np.nonzero(x)
        pos = np.arange(rows.size) - np.repeat(np.r_[0, np.cumsum(cnt)[:-1]], cnt)
        active[rows, pos] = cols
        return active, cnt

    def overlaps(self, cues: Any) -> np.ndarray:
        """``(B, P)`` int32: active bits each cue shares with each stored item."""
        active, cnt = self._active(cues)
        indptr, postings = self._index()
        out = kernel("index_overlaps", self.backend.name)(indptr, postings, active, cnt, self._count)
        return self.backend.to_numpy(out)

    def best(self, cues: Any) -> tuple[np.ndarray, np.ndarray]:
        """Index and overlap of the best-matching stored item per cue (lowest index among
        ties; index -1 where no item shares an active bit)."""
        active, cnt = self._active(cues)
        indptr, postings = self._index()
        best, score = kernel("index_best", self.backend.name)(indptr, postings, active, cnt, self._count)
        return self.backend.to_numpy(best), self.backend.to_numpy(score)


# --------------------------------------------------------------------------- Kanerva SDM


class KanervaSDM(BaseMemory):
    """Kanerva's sparse distributed memory (Kanerva 1988, "Sparse Distributed Memory").

    ``locations`` hard locations have random {0,1} addresses of length n and ``n_out``
    counters each. Writing item (x, y) adds ``2 y - 1`` to the counters of every location
    within Hamming ``radius`` of x; reading at x sums the counters of the locations within
    ``radius`` of x and outputs 1 where the sum is positive (0 where it is zero or
    negative). Hamming distances are popcounts of packed XORs.

    Parameters
    ----------
    n : int
        Address length.
    locations : int
        Number of hard locations N.
    radius : int, optional
        Activation radius r (0 <= r <= n).
    activation : float, optional
        Access probability p instead of r: r is the smallest radius with
        ``P(Binomial(n, 1/2) <= r) >= p``. Give exactly one of ``radius`` and ``activation``;
        Kanerva's optimum for T items is ``p = (2 N T)^(-1/3)``
        (:func:`assoc.theory.sdm_optimal_activation`).
    n_out : int, optional
        Data length (default n: auto-association, needed for iterative reading).
    max_steps : int
        Iterated reads (auto-association): the output is read again as an address.
    backend, seed
        ``seed`` draws the hard-location addresses.
    """

    alphabet = "binary"
    _params = ("locations", "radius", "n_out", "max_steps")

    def __init__(
        self,
        n: int,
        locations: int = 1000,
        *,
        radius: int | None = None,
        activation: float | None = None,
        n_out: int | None = None,
        max_steps: int = 1,
        backend: str = "auto",
        seed: int | None = None,
    ):
        super().__init__(n, backend=backend, seed=seed)
        from scipy.stats import binom

        self.locations = check_int("locations", locations, low=1)
        if (radius is None) == (activation is None):
            raise ValueError(
                f"give exactly one of radius (int in [0, {self.n}]) or activation (access probability "
                f"in (0, 1]), got radius={radius!r}, activation={activation!r}"
            )
        if radius is not None:
            self.radius = check_int("radius", radius, low=0, high=self.n)
        else:
            p = check_float("activation", activation, low=0.0, high=1.0, low_open=True)
            self.radius = int(binom.ppf(p, self.n, 0.5))
        self.n_out = self.n if n_out is None else check_int("n_out", n_out, low=1)
        self.max_steps = check_int("max_steps", max_steps, low=1)
        if self.max_steps > 1 and self.n_out != self.n:
            raise ValueError(f"max_steps={max_steps} needs n_out == n, got n={self.n}, n_out={self.n_out}")
        check_memory_estimate(
            self.locations * (4 * self.n_out + 8 * n_words(self.n)) * 2,
            f"{self.locations} hard locations of {self.n_out} counters",
        )
        self._addresses = self.backend.asarray(
            random_bit_mask(self.locations, self.n, 0.5, self.rng)
        )
        self._reset()

    @property
    def access_probability(self) -> float:
        """Probability that a random location is activated: ``P(Binomial(n, 1/2) <= radius)``."""
        from scipy.stats import binom

        return float(binom.cdf(self.radius, self.n, 0.5))

    def _reset(self) -> None:
        xp = self.backend.xp
        self._counters = xp.zeros((self.locations, self.n_out), dtype=xp.int32)
        self.values = np.zeros((0, self.n_out), dtype=np.int8)

    def reset(self) -> None:
        """Clear the counters and the stored items (the hard-location addresses stay)."""
        self.patterns = np.zeros((0, self.n), dtype=np.int8)
        self._reset()

    def activation(self, addresses: Any) -> Any:
        """``(B, N)`` bool: which hard locations each ``(B, n)`` address activates."""
        x = check_patterns("addresses", addresses, alphabet="binary", n=self.n)
        return self._activate(x)

    def _activate(self, x: np.ndarray) -> Any:
        be = self.backend
        dist = kernel("xor_popcount", be.name)(self._addresses, be.asarray(pack_bits(x)))
        return dist <= self.radius

    def store(self, patterns: Any, values: Any = None) -> None:
        """Write a ``(P, n)`` batch of addresses with ``(P, n_out)`` data (default: the addresses)."""
        x = self._check_store(patterns)
        if values is None:
            if self.n_out != self.n:
                raise ValueError(f"values are required for hetero-association (n={self.n}, n_out={self.n_out})")
            y = x
        else:
            y = check_patterns("values", values, alphabet="binary", n=self.n_out)
            if y.shape[0] != x.shape[0]:
                raise ValueError(f"values must have one row per address: got {y.shape[0]} for {x.shape[0]}")
        be = self.backend
        xp = be.xp
        step = max(1, (1 << 24) // max(1, self.locations))
        for p0 in range(0, x.shape[0], step):
            act = self._activate(x[p0 : p0 + step]).astype(xp.float64)
            data = be.asarray(2.0 * y[p0 : p0 + step] - 1.0)
            self._counters += xp.rint(act.T @ data).astype(xp.int32)
        self.patterns = np.concatenate([self.patterns, x])
        self.values = np.concatenate([self.values, y])

    def read(self, addresses: Any) -> tuple[np.ndarray, np.ndarray]:
        """One read: (data (B, n_out) int8, number of activated locations (B,))."""
        x = check_patterns("addresses", addresses, alphabet="binary", n=self.n)
        return self._read(x)

    def _read(self, x: np.ndarray):
        be = self.backend
        xp = be.xp
        act = self._activate(x)
        sums = act.astype(xp.float64) @ self._counters.astype(xp.float64)
        return be.to_numpy(sums > 0).astype(np.int8), be.to_numpy(act.sum(axis=1))

    def recall(self, cues: Any, *, max_steps: int | None = None) -> Recall:
        """Read at a ``(B, n)`` batch of addresses (iterated ``max_steps`` times when auto-associative).

        Returns
        -------
        Recall
            ``states`` (B, n_out) int8 {0,1}; ``overlaps`` (B, P) cosine overlap
            ``|s & y_mu| / sqrt(|s| |y_mu|)`` with each stored datum; ``steps``;
            ``converged`` (one read always counts as converged; iterated reads converge when
            a read returns its own address); ``extra["hamming_similarity"]`` (B, P) the
            fraction of bits agreeing with each stored datum, ``1 - Hamming / n_out`` (on the
            backend); ``extra["activated"]`` number of locations activated at the last read.
        """
        x = self._check_cues(cues)
        limit = self.max_steps if max_steps is None else check_int("max_steps", max_steps, low=1)
        if limit > 1 and self.n_out != self.n:
            raise ValueError(f"max_steps={limit} needs n_out == n, got n={self.n}, n_out={self.n_out}")
        if len(self) == 0:
            raise ValueError("recall needs stored patterns: call store() first")
        b = x.shape[0]
        steps = np.zeros(b, dtype=np.int64)
        status = np.full(b, STATUS_LIMIT, dtype=np.int8)
        activated = np.zeros(b, dtype=np.int64)
        if limit == 1:
            cur, activated = self._read(x)
            steps[:] = 1
            status[:] = STATUS_FIXED
        else:

            def step(rows, cur):
                new, activated[rows] = self._read(cur[rows])
                return new

            # a read that returns its own address is a fixed point; two-cycles run to the limit
            cur, steps, status = run_to_fixed_point(step, x, limit, cycles=False)
        be = self.backend
        dist = be.to_numpy(
            kernel("xor_popcount", be.name)(be.asarray(pack_bits(self.values)), be.asarray(pack_bits(cur)))
        ).astype(np.int64)
        v_sizes = self.values.sum(axis=1, dtype=np.int64)
        s_sizes = cur.sum(axis=1, dtype=np.int64)
        both = (s_sizes[:, None] + v_sizes[None, :] - dist) // 2  # |s & y| = (|s| + |y| - |s ^ y|) / 2
        return Recall(
            states=be.asarray(cur),
            overlaps=be.asarray(cosine_from_dots(both, s_sizes, v_sizes)),
            steps=steps,
            converged=status == STATUS_FIXED,
            status=status,
            extra={"hamming_similarity": be.asarray(1.0 - dist / self.n_out), "activated": activated},
        )

    def _extra_state(self) -> dict:
        be = self.backend
        return {
            "values": self.values.copy(),
            "counters": be.to_numpy(self._counters).copy(),
            "addresses": be.to_numpy(self._addresses).copy(),
        }

    def _load_extra_state(self, state: dict) -> None:
        be = self.backend
        self.values = np.array(state["values"], dtype=np.int8)
        self._counters = be.asarray(np.array(state["counters"], dtype=np.int32))
        self._addresses = be.asarray(np.array(state["addresses"], dtype=np.uint64))


# --------------------------------------------------------------------------- dendritic segments


class DendriticSegments(BaseMemory):
    """Pattern detection by thresholded dendritic segments (Ahmad & Hawkins 2016, arXiv:1601.00720).

    Storing a pattern (a of n cells active) grows ``synapses`` = s synapses onto s of its
    active cells, chosen at random. ``union`` consecutive patterns share one segment, whose
    synapses are the union of their subsamples. A segment detects a cue when at least
    ``theta`` of its synapses land on active cue cells.

    Parameters
    ----------
    n : int
        Population size.
    synapses : int
        Synapses s grown per stored pattern (every stored pattern needs >= s active cells).
    theta : int
        Segment threshold, 1 <= theta <= s.
    union : int
        Patterns stored on one segment (M in Ahmad & Hawkins' union analysis).
    backend, seed
        ``seed`` draws the subsamples.
    """

    alphabet = "binary"
    _params = ("synapses", "theta", "union")

    def __init__(
        self,
        n: int,
        synapses: int = 20,
        theta: int = 10,
        *,
        union: int = 1,
        backend: str = "auto",
        seed: int | None = None,
    ):
        super().__init__(n, backend=backend, seed=seed)
        self.synapses = check_int("synapses", synapses, low=1, high=self.n)
        self.theta = check_int("theta", theta, low=1)
        if self.theta > self.synapses:
            raise ValueError(f"theta must be <= synapses (s={self.synapses}), got theta={self.theta}")
        self.union = check_int("union", union, low=1)
        self._reset()

    def _reset(self) -> None:
        self._sub = np.zeros((0, n_words(self.n)), dtype=np.uint64)
        self._seg = np.zeros((0, n_words(self.n)), dtype=np.uint64)

    @property
    def n_segments(self) -> int:
        return int(self._seg.shape[0])

    def segments(self) -> np.ndarray:
        """``(G, n)`` int8 {0,1}: the cells each segment has synapses on."""
        return unpack_bits(self._seg, self.n)

    def store(self, patterns: Any, values: Any = None) -> None:
        """Store a ``(P, n)`` batch; each pattern needs at least ``synapses`` active cells."""
        if values is not None:
            raise ValueError("values must be None: dendritic segments detect (auto-associate) patterns")
        x = self._check_store(patterns)
        few = np.nonzero(x.sum(axis=1) < self.synapses)[0]
        if few.size:
            raise ValueError(
                f"patterns must have at least synapses={self.synapses} active cells; rows "
                f"{few[:5].tolist()} have {x[few[:5]].sum(axis=1).tolist()}"
            )
        sub = np.zeros_like(x)
        for b in range(x.shape[0]):
            on = np.flatnonzero(x[b])
            sub[b, self.rng.choice(on, size=self.synapses, replace=False)] = 1
        packed = pack_bits(sub)
        start = len(self)
        self.patterns = np.concatenate([self.patterns, x])
        self._sub = np.concatenate([self._sub, packed])
        g_new = (len(self) + self.union - 1) // self.union
        seg = np.zeros((g_new, self._sub.shape[1]), dtype=np.uint64)
        seg[: self._seg.shape[0]] = self._seg
        for i, mu in enumerate(range(start, len(self))):
            seg[mu // self.union] |= packed[i]
        self._seg = seg

    def recall(self, cues: Any) -> Recall:
        """Detect a ``(B, n)`` batch of cues.

        Returns
        -------
        Recall
            ``states`` (B, n): the stored pattern whose subsample best overlaps the cue among
            the patterns of the matching segments (zeros where no segment matches);
            ``overlaps`` (B, P): cosine overlap ``|s & x_mu| / sqrt(|s| |x_mu|)`` of that
            state with each stored pattern (0 where no segment matched); ``converged`` True
            where some segment matched; ``extra["subsample_overlap"]`` (B, P)
            ``|cue & subsample_mu| / s``, the fraction of each pattern's synapses on active
            cue cells (on the backend); ``extra["segment_overlap"]`` (B, G) int32 synapses
            on active cue cells and ``extra["segment_match"]`` (B, G) bool.
        """
        x = self._check_cues(cues)
        if len(self) == 0:
            raise ValueError("recall needs stored patterns: call store() first")
        be = self.backend
        cp = be.asarray(pack_bits(x))
        seg_ov = be.to_numpy(kernel("and_popcount", be.name)(be.asarray(self._seg), cp))
        sub_ov = be.to_numpy(kernel("and_popcount", be.name)(be.asarray(self._sub), cp))
        match = seg_ov >= self.theta
        owner = np.arange(len(self)) // self.union
        allowed = match[:, owner]
        score = np.where(allowed, sub_ov, -1)
        best = score.argmax(axis=1)
        hit = match.any(axis=1)
        states = np.where(hit[:, None], self.patterns[best], 0).astype(np.int8)
        b = x.shape[0]
        return Recall(
            states=be.asarray(states),
            overlaps=_binary_overlaps(be, states, pack_bits(self.patterns), self.patterns.sum(axis=1)),
            steps=np.ones(b, dtype=np.int64),
            converged=hit,
            status=np.where(hit, STATUS_FIXED, STATUS_LIMIT).astype(np.int8),
            extra={"subsample_overlap": be.asarray(sub_ov / self.synapses), "segment_overlap": seg_ov,
                   "segment_match": match},
        )

    def _extra_state(self) -> dict:
        return {"subsamples": self._sub.copy(), "segment_bits": self._seg.copy()}

    def _load_extra_state(self, state: dict) -> None:
        self._sub = np.array(state["subsamples"], dtype=np.uint64)
        self._seg = np.array(state["segment_bits"], dtype=np.uint64)


# --------------------------------------------------------------------------- Sparsey


class Sparsey(BaseMemory):
    """Sparsey's code selection algorithm on one macrocolumn (Rinkus 2014, Front. Comput.
    Neurosci. 8:160; Rinkus 2017, arXiv:1710.07829).

    A macrocolumn has ``modules`` = Q competitive modules of ``cells`` = K binary cells; a code
    is one winner per module (Q of Q K cells active). Binary afferent weights W (n x Q K)
    start at 0. For an input u (n bits, |u| active):

    1. U_i = sum_j u_j W_ji (a popcount of the cell's packed weights and u);
    2. V_i = U_i / |u| in [0, 1], the normalised input match;
    3. G = mean over modules of max_i V_i, the familiarity (1: a stored input, ~0: novel);
    4. eta = 1 + chi * g^gamma with g = max(0, (G - g_floor) / (1 - g_floor)), and
       psi_i = 1 + (eta - 1) / (1 + exp(-lam (V_i - sigma))): at G <= g_floor every psi is 1
       (flat: a random code), at G ~ 1 cells of high V are up to eta times likelier (sharp:
       the stored code is reinstated);
    5. in each module a winner is drawn with probability psi_i / sum_module psi.

    Learning is single-trial: W_ji = 1 for the active inputs j and the winners i. Retrieval
    runs the same steps with the winner of largest V in each module (lowest index among
    ties). Every step touches each of the Q K cells a fixed number of times, so the operation
    count of storing or retrieving an item does not depend on how many items are stored; the
    counts are kept in ``ops`` (per call, ``last_ops``).

    Parameters
    ----------
    n : int
        Input length.
    modules, cells : int
        Q >= 1 modules of K >= 1 cells.
    chi, lam, sigma, gamma, g_floor : float
        Expansivity: maximal relative likelihood chi >= 0, sigmoid slope lam > 0 and midpoint
        sigma in [0, 1], familiarity exponent gamma > 0, familiarity floor g_floor in [0, 1)
        below which the choice is uniform (keeps novel inputs from piling onto the most
        connected cells).
    backend, seed
        ``seed`` drives the winner sampling.
    """

    alphabet = "binary"
    _params = ("modules", "cells", "chi", "lam", "sigma", "gamma", "g_floor")

    def __init__(
        self,
        n: int,
        modules: int = 20,
        cells: int = 20,
        *,
        chi: float = 1000.0,
        lam: float = 20.0,
        sigma: float = 0.5,
        gamma: float = 1.0,
        g_floor: float = 0.3,
        backend: str = "auto",
        seed: int | None = None,
    ):
        super().__init__(n, backend=backend, seed=seed)
        self.modules = check_int("modules", modules, low=1)
        self.cells = check_int("cells", cells, low=1)
        self.chi = check_float("chi", chi, low=0.0)
        self.lam = check_float("lam", lam, low=0.0, low_open=True)
        self.sigma = check_float("sigma", sigma, low=0.0, high=1.0)
        self.gamma = check_float("gamma", gamma, low=0.0, low_open=True)
        self.g_floor = check_float("g_floor", g_floor, low=0.0, high=1.0, high_open=True)
        check_memory_estimate(self.modules * self.cells * n_words(self.n) * 8 * 2, "Sparsey weights")
        self._reset()

    def _reset(self) -> None:
        self._w = np.zeros((self.modules * self.cells, n_words(self.n)), dtype=np.uint64)
        self.codes = np.zeros((0, self.modules), dtype=np.int64)
        self.ops = {"store": 0, "retrieve": 0}
        self.last_ops = 0
        self._index = SDRIndex(self.modules * self.cells, backend="numpy")

    # ------------------------------------------------------------------ the algorithm
    def _match(self, x: np.ndarray) -> tuple[np.ndarray, int]:
        """V (B, Q, K) and the operations spent: |u| synapse reads per cell, one divide each."""
        be = self.backend
        u = kernel("and_popcount", be.name)(be.asarray(self._w), be.asarray(pack_bits(x)))
        u = be.to_numpy(u).astype(np.float64)
        size = x.sum(axis=1).astype(np.float64)
        v = (u / size[:, None]).reshape(-1, self.modules, self.cells)
        qk = self.modules * self.cells
        return v, int((size.sum() + x.shape[0]) * qk)

    def _select(self, v: np.ndarray, deterministic: bool) -> tuple[np.ndarray, np.ndarray, int]:
        """Winners (B, Q), familiarity G (B,), operations spent."""
        g = v.max(axis=2).mean(axis=1)
        qk = self.modules * self.cells
        b = v.shape[0]
        if deterministic:
            return v.argmax(axis=2), g, b * (qk + self.modules)
        eta = 1.0 + self.chi * np.maximum(0.0, (g - self.g_floor) / (1.0 - self.g_floor)) ** self.gamma
        psi = 1.0 + (eta[:, None, None] - 1.0) / (1.0 + np.exp(-self.lam * (v - self.sigma)))
        cdf = np.cumsum(psi, axis=2)
        draw = self.rng.random((b, self.modules, 1)) * cdf[:, :, -1:]
        winners = np.minimum((cdf < draw).sum(axis=2), self.cells - 1)
        # max + mean for G, sigmoid, cumulative sum and comparison per cell
        return winners, g, b * (4 * qk + 2 * self.modules)

    def _check_inputs(self, name: str, x: Any) -> np.ndarray:
        return _check_sparse_batch(name, x, self.n)

    def familiarity(self, inputs: Any) -> np.ndarray:
        """G in [0, 1] for a ``(B, n)`` batch: how familiar each input is (the novelty signal
        is 1 - G). A stored input has G = 1; an input unlike any stored one has G near 0."""
        x = self._check_inputs("inputs", inputs)
        v, _ = self._match(x)
        return v.max(axis=2).mean(axis=1)

    def encode(self, inputs: Any, *, learn: bool = False, deterministic: bool = False):
        """Choose codes for a ``(B, n)`` batch without changing the weights (``learn=False``)
        or learning each in turn (``learn=True``, as :meth:`store`).

        Returns ``(codes, G)``: ``codes`` (B, Q) int winner per module, ``G`` (B,) familiarity.
        """
        x = self._check_inputs("inputs", inputs)
        if learn:
            return self._learn(x)
        v, ops = self._match(x)
        codes, g, ops2 = self._select(v, deterministic)
        self.last_ops = ops + ops2
        return codes, g

    def _learn(self, x: np.ndarray):
        codes = np.zeros((x.shape[0], self.modules), dtype=np.int64)
        gs = np.zeros(x.shape[0])
        packed = pack_bits(x)
        total = 0
        offsets = np.arange(self.modules) * self.cells
        for b in range(x.shape[0]):
            v, ops = self._match(x[b : b + 1])
            win, g, ops2 = self._select(v, False)
            cells = offsets + win[0]
            self._w[cells] |= packed[b]
            total += ops + ops2 + self.modules * int(x[b].sum())  # synapses set
            codes[b] = win[0]
            gs[b] = g[0]
        self.last_ops = total
        return codes, gs

    def code_bits(self, codes: Any) -> np.ndarray:
        """``(B, Q K)`` int8 {0,1} form of ``(B, Q)`` winner indices."""
        codes = np.asarray(codes)
        out = np.zeros((codes.shape[0], self.modules * self.cells), dtype=np.int8)
        out[np.arange(codes.shape[0])[:, None], np.arange(self.modules) * self.cells + codes] = 1
        return out

    # ------------------------------------------------------------------ protocol
    def store(self, patterns: Any, values: Any = None) -> None:
        """Learn a ``(P, n)`` batch, one item at a time (single-trial learning); the chosen
        codes are appended to ``codes``."""
        if values is not None:
            raise ValueError("values must be None: Sparsey's macrocolumn is auto-associative here")
        x = self._check_inputs("patterns", patterns)
        codes, _ = self._learn(x)
        self.ops["store"] += self.last_ops
        self.patterns = np.concatenate([self.patterns, x])
        self.codes = np.concatenate([self.codes, codes])
        self._index.add(self.code_bits(codes))

    def recall(self, cues: Any) -> Recall:
        """Retrieve from a ``(B, n)`` batch of (partial or noisy) inputs.

        The code is chosen deterministically (largest V per module); the stored item whose
        code agrees with it in the most modules is reported (lowest index among ties).

        Returns
        -------
        Recall
            ``states`` (B, n): that item's input; ``overlaps`` (B, P): cosine overlap
            ``|s & x_mu| / sqrt(|s| |x_mu|)`` of that input with each stored input;
            ``converged`` True where the retrieved code equals a stored code exactly;
            ``extra["code_agreement"]`` (B, P) the fraction of modules in which the retrieved
            code agrees with each stored code (on the backend); ``extra["codes"]`` (B, Q),
            ``extra["familiarity"]`` G (B,), ``extra["best"]`` item index (B,).
        """
        x = self._check_inputs("cues", cues)
        if len(self) == 0:
            raise ValueError("recall needs stored patterns: call store() first")
        v, ops = self._match(x)
        codes, g, ops2 = self._select(v, True)
        self.last_ops = ops + ops2
        self.ops["retrieve"] += self.last_ops
        bits = self.code_bits(codes)
        agree = self._index.overlaps(bits) / self.modules
        best = agree.argmax(axis=1)
        exact = agree[np.arange(len(best)), best] == 1.0
        be = self.backend
        states = self.patterns[best]
        return Recall(
            states=be.asarray(states),
            overlaps=_binary_overlaps(be, states, pack_bits(self.patterns), self.patterns.sum(axis=1)),
            steps=np.ones(x.shape[0], dtype=np.int64),
            converged=exact,
            status=np.where(exact, STATUS_FIXED, STATUS_LIMIT).astype(np.int8),
            extra={"code_agreement": be.asarray(agree), "codes": codes, "familiarity": g, "best": best},
        )

    def _extra_state(self) -> dict:
        return {"w": self._w.copy(), "codes": self.codes.copy(), "ops": dict(self.ops)}

    def _load_extra_state(self, state: dict) -> None:
        self._w = np.array(state["w"], dtype=np.uint64)
        self.codes = np.array(state["codes"], dtype=np.int64)
        self.ops = dict(state["ops"])
        self._index = SDRIndex(self.modules * self.cells, backend="numpy")
        if len(self.codes):
            self._index.add(self.code_bits(self.codes))
