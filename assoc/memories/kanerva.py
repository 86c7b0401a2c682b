"""Kanerva's sparse distributed memory: hard locations, an activation radius and counters
(Kanerva 1988). Hamming distances are popcounts of packed XORs (:mod:`.bits`).

Theory in :mod:`assoc.theory` (section "sparse distributed memories"), drivers in
:mod:`assoc.experiments.sdr`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..dynamics import run_to_fixed_point
from ..kernels import kernel
from ..memory import (
    STATUS_FIXED,
    BaseMemory,
    Recall,
    append_rows,
    check_float,
    check_int,
    check_memory_estimate,
    check_patterns,
    chunk_rows,
    set_rows,
)
from .bits import n_words, pack_bits, random_bit_mask, sdr_kernels

#: Batches of at most this many rows update and read the activated locations' counters
#: directly instead of through a (B, locations) matrix product (same integers).
_FEW = 8


#: Access probability of a memory built with neither ``radius`` nor ``activation``.
DEFAULT_ACTIVATION = 0.02


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
        ``P(Binomial(n, 1/2) <= r) >= p``. Give at most one of ``radius`` and ``activation``;
        with neither, ``activation`` is :data:`DEFAULT_ACTIVATION` (0.02, the family's
        registered default). Kanerva's optimum for T items is ``p = (2 N T)^(-1/3)``
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
        if radius is not None and activation is not None:
            raise ValueError(
                f"give at most one of radius (int in [0, {self.n}]) or activation (access probability "
                f"in (0, 1]), got radius={radius!r}, activation={activation!r}"
            )
        if radius is None and activation is None:
            activation = DEFAULT_ACTIVATION
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
        self._vpacked = np.zeros((0, n_words(self.n_out)), dtype=np.uint64)  # the data bit-packed
        self._vsizes = np.zeros(0, dtype=np.int64)  # and their active bits

    def reset(self) -> None:
        """Clear the counters and the stored items (the hard-location addresses stay)."""
        self.patterns = np.zeros((0, self.n), dtype=np.int8)
        self._reset()

    def activation(self, addresses: Any) -> Any:
        """``(B, N)`` bool: which hard locations each ``(B, n)`` address activates."""
        x = check_patterns("addresses", addresses, alphabet="binary", n=self.n)
        return self._activate(x)

    def _activate(self, x: np.ndarray, packed: np.ndarray | None = None) -> Any:
        """(B, N) bool activations of a (B, n) batch (``packed``: its rows bit-packed)."""
        be = self.backend
        packed = pack_bits(x) if packed is None else packed
        dist = kernel("xor_popcount", be.name)(self._addresses, be.asarray(packed))
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
        k = sdr_kernels(be.name)
        xpacked, xsizes, _ = k.pack_rows(x)
        ypacked, ysizes, _ = (xpacked, xsizes, 0) if values is None else k.pack_rows(y)
        # per pair: its activations (bool and float64), distances and +/-1 data
        step = chunk_rows(x.shape[0], 13 * self.locations + 16 * self.n_out,
                          f"storing {x.shape[0]} pairs in {self.locations} hard locations",
                          fixed_bytes=3 * 4 * self.locations * self.n_out)
        for p0 in range(0, x.shape[0], step):
            if min(step, x.shape[0] - p0) <= _FEW:  # a few pairs: add to the activated locations' counters only
                k.sdm_write(self._addresses, self._counters, be.asarray(xpacked[p0 : p0 + step]), y[p0 : p0 + step],
                            self.radius)
                continue
            act = self._activate(x[p0 : p0 + step], xpacked[p0 : p0 + step])
            data = be.asarray(2.0 * y[p0 : p0 + step] - 1.0)
            self._counters += xp.rint(act.astype(xp.float64).T @ data).astype(xp.int32)
        append_rows(self, "patterns", x)
        append_rows(self, "values", y)
        append_rows(self, "_vpacked", ypacked)
        append_rows(self, "_vsizes", ysizes)

    def read(self, addresses: Any) -> tuple[np.ndarray, np.ndarray]:
        """One read: (data (B, n_out) int8, number of activated locations (B,))."""
        x = check_patterns("addresses", addresses, alphabet="binary", n=self.n)
        return self._read(x)

    def _read(self, x: np.ndarray):
        """Data and activated-location counts of a ``(B, n)`` batch: the counters of the
        activated locations summed (integers, exact), a chunk of addresses at a time."""
        be = self.backend
        xp = be.xp
        b = x.shape[0]
        k = sdr_kernels(be.name)
        packed, _, _ = k.pack_rows(x)
        if b <= _FEW:  # a few addresses: sum the activated rows only
            data, count = k.sdm_read(self._addresses, self._counters, be.asarray(packed), self.radius)
            return be.to_numpy(data), be.to_numpy(count)
        data = np.empty((b, self.n_out), dtype=np.int8)
        count = np.empty(b, dtype=np.int64)
        step = chunk_rows(b, 13 * self.locations + 9 * self.n_out,
                          f"reading {b} addresses from {self.locations} hard locations",
                          fixed_bytes=8 * self.locations * self.n_out)
        wide = None
        for lo in range(0, b, step):
            hi = min(b, lo + step)
            if hi - lo <= _FEW:  # a short last chunk: sum the activated rows only
                fire, n_act = k.sdm_read(self._addresses, self._counters, be.asarray(packed[lo:hi]), self.radius)
            else:
                act = self._activate(x[lo:hi], packed[lo:hi])
                if wide is None:
                    wide = self._counters.astype(xp.float64)
                fire, n_act = act.astype(xp.float64) @ wide > 0, act.sum(axis=1)
            data[lo:hi] = be.to_numpy(fire)
            count[lo:hi] = be.to_numpy(n_act)
        return data, count

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
        if limit == 1:
            cur, activated = self._read(x)
            steps = np.empty(b, dtype=np.int64)
            steps.fill(1)
            status = np.zeros(b, dtype=np.int8)  # STATUS_FIXED
        else:
            activated = np.zeros(b, dtype=np.int64)

            def step(rows, cur):
                new, activated[rows] = self._read(cur[rows])
                return new

            # a read that returns its own address is a fixed point; two-cycles run to the limit
            cur, steps, status = run_to_fixed_point(step, x, limit, cycles=False)
        be = self.backend
        p = len(self.values)
        overlaps_of = sdr_kernels(be.name).binary_overlaps
        vpacked = be.asarray(self._vpacked)
        # per cue: the cosines and similarities, and the kernel's temporaries
        step = chunk_rows(b, 8 * 9 * p, f"overlaps of {b} states with {p} stored data", fixed_bytes=16 * b * p)
        if step >= b:
            overlaps, similarity = overlaps_of(vpacked, self._vsizes, cur, self.n_out)
        else:
            overlaps = be.xp.empty((b, p), dtype=be.xp.float64)
            similarity = be.xp.empty((b, p), dtype=be.xp.float64)
            for lo in range(0, b, step):
                overlaps[lo : lo + step], similarity[lo : lo + step] = overlaps_of(
                    vpacked, self._vsizes, cur[lo : lo + step], self.n_out)
        return Recall(
            states=be.asarray(cur),
            overlaps=overlaps,
            steps=steps,
            converged=status == STATUS_FIXED,
            status=status,
            extra={"hamming_similarity": similarity, "activated": activated},
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
        set_rows(self, "values", np.asarray(state["values"], dtype=np.int8))
        set_rows(self, "_vpacked", pack_bits(self.values))
        set_rows(self, "_vsizes", self.values.sum(axis=1, dtype=np.int64))
        self._counters = be.asarray(np.array(state["counters"], dtype=np.int32))
        self._addresses = be.asarray(np.array(state["addresses"], dtype=np.uint64))
