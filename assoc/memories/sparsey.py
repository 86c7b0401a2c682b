"""Sparsey's familiarity-modulated code selection on a macrocolumn of winner-take-all
modules (Rinkus 2014, 2017); codes are retrieved by best match (:class:`.index.SDRIndex`).

Theory in :mod:`assoc.theory` (section "sparse distributed memories"), drivers in
:mod:`assoc.experiments.sdr`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..memory import (
    STATUS_FIXED,
    STATUS_LIMIT,
    BaseMemory,
    Recall,
    append_rows,
    check_float,
    check_int,
    check_memory_estimate,
    set_rows,
)
from .bits import _binary_overlaps, _check_sparse_packed, _refuse_empty_rows, n_words, pack_bits, sdr_kernels
from .index import SDRIndex


#: Below this many (cue, item, module) comparisons the code agreement is computed by comparing
#: codes directly; above it, through the inverted index (the same counts).
_DIRECT_AGREEMENT = 1 << 16


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

    def _index_backend(self) -> str:
        """Backend of the code index and of the selection kernels: the compiled kernels under
        numba, else NumPy (the weights and codes are small host arrays)."""
        return "numba" if self.backend.name == "numba" else "numpy"

    def _reset(self) -> None:
        self._w = np.zeros((self.modules * self.cells, n_words(self.n)), dtype=np.uint64)
        self.codes = np.zeros((0, self.modules), dtype=np.int64)
        self.ops = {"store": 0, "retrieve": 0}
        self.last_ops = 0
        self._index = SDRIndex(self.modules * self.cells, backend=self._index_backend())
        self._indexed = 0  # stored codes already in the index (it is filled when first needed)
        self._packed = np.zeros((0, n_words(self.n)), dtype=np.uint64)  # stored inputs, bit-packed
        self._sizes = np.zeros(0, dtype=np.int64)  # their active bits

    # ------------------------------------------------------------------ the algorithm
    def _match(self, packed: np.ndarray, sizes: np.ndarray):
        """The match of packed inputs (B, W) with ``sizes`` (B,) active bits (the
        ``sparsey_match`` kernel): ``(z, G, best, base, ops)``, ``z`` (B, Q, K) the sigmoid
        exponents ``-lam (V - sigma)``, ``G`` the familiarity, ``best`` (B, Q) the cell of
        largest V per module, ``base = max(0, (G - g_floor) / (1 - g_floor))`` and the
        operations spent: |u| synapse reads per cell, one divide each."""
        z, g, best, base = self._kernels.sparsey_match(
            self._w, packed, sizes, self.modules, self.cells, self.lam, self.sigma, self.g_floor)
        qk = self.modules * self.cells
        size = float(sizes[0]) if sizes.shape[0] == 1 else float(sizes.sum())
        return z, g, best, base, int((size + packed.shape[0]) * qk)

    def _draw(self, z: np.ndarray, base: np.ndarray, learn: np.ndarray | None = None) -> np.ndarray:
        """Winners (B, Q) drawn with probability psi_i / sum_module psi: the exponentials and
        the familiarity power in NumPy, the cumulative sums and the comparisons with uniforms
        from the memory's generator (B Q of them, row by row) in the ``sparsey_draw`` kernel.
        ``learn``: packed inputs (B, W) whose active bits the winners' weights take."""
        draws = self.rng.random((z.shape[0], self.modules))
        w, packed = (self._w, learn) if learn is not None else (self._w[:0], self._w[:0])
        return self._kernels.sparsey_draw(np.exp(z, out=z), base ** self.gamma, self.chi, draws, w, packed)

    def _select_ops(self, b: int, deterministic: bool) -> int:
        """Operations of selecting b codes: max + mean for G, and argmax (deterministic) or
        sigmoid, cumulative sum and comparison per cell."""
        qk = self.modules * self.cells
        return b * (qk + self.modules) if deterministic else b * (4 * qk + 2 * self.modules)

    def _check_inputs(self, name: str, x: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(x, packed, sizes)`` of a batch with at least one active bit per row."""
        return _check_sparse_packed(name, x, self.n, self._index_backend())

    @property
    def _kernels(self):
        return sdr_kernels(self._index_backend())

    def familiarity(self, inputs: Any) -> np.ndarray:
        """G in [0, 1] for a ``(B, n)`` batch: how familiar each input is (the novelty signal
        is 1 - G). A stored input has G = 1; an input unlike any stored one has G near 0."""
        _, packed, sizes = self._check_inputs("inputs", inputs)
        return self._match(packed, sizes)[1]

    def encode(self, inputs: Any, *, learn: bool = False, deterministic: bool = False):
        """Choose codes for a ``(B, n)`` batch without changing the weights (``learn=False``)
        or learning each in turn (``learn=True``, as :meth:`store`).

        Returns ``(codes, G)``: ``codes`` (B, Q) int winner per module, ``G`` (B,) familiarity.
        """
        _, packed, sizes = self._check_inputs("inputs", inputs)
        if learn:
            return self._learn(packed, sizes)
        z, g, best, base, ops = self._match(packed, sizes)
        codes = best if deterministic else self._draw(z, base)
        self.last_ops = ops + self._select_ops(len(g), deterministic)
        return codes, g

    def _learn(self, packed: np.ndarray, sizes: np.ndarray):
        """Learn packed inputs one at a time: match, draw the code, set the winners' weights
        from the input's active bits. Returns ``(codes, G)``."""
        b = packed.shape[0]
        k = self._kernels
        match, draw, rng = k.sparsey_match, k.sparsey_draw, self.rng
        w, q, cells, lam, sigma, g_floor, gamma, chi = (
            self._w, self.modules, self.cells, self.lam, self.sigma, self.g_floor, self.gamma, self.chi)
        qk = q * cells
        select = self._select_ops(1, False)
        codes = np.zeros((b, q), dtype=np.int64) if b > 1 else None
        gs = np.zeros(b) if b > 1 else None
        total = 0
        for r in range(b):
            row, size = (packed, sizes) if b == 1 else (packed[r : r + 1], sizes[r : r + 1])
            # _match and _draw with learning, inline: the same kernels, draws and operation counts
            z, g, _, base = match(w, row, size, q, cells, lam, sigma, g_floor)
            win = draw(np.exp(z, out=z), base ** gamma, chi, rng.random((1, q)), w, row)
            n_on = int(size[0])
            total += int((float(n_on) + 1) * qk) + select + q * n_on  # synapses set
            if b == 1:
                codes, gs = win, g
            else:
                codes[r] = win[0]
                gs[r] = g[0]
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
        x, packed, sizes = self._check_inputs("patterns", patterns)
        codes, _ = self._learn(packed, sizes)
        self.ops["store"] += self.last_ops
        append_rows(self, "patterns", x)
        append_rows(self, "_packed", packed)
        append_rows(self, "_sizes", sizes)
        append_rows(self, "codes", codes)

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
        return self._recall_checked(self._check_cues(cues))

    def _recall_checked(self, x: np.ndarray) -> Recall:
        """:meth:`recall` of a checked ``(B, n)`` int8 {0,1} batch (B >= 1, never written to);
        rows without an active bit are still refused. :class:`assoc.agents.EpisodicMemory`
        reads through it with ``[code | 0]`` cues of key codes it has checked."""
        packed, sizes, least = self._kernels.pack_rows(x)
        if least == 0:
            _refuse_empty_rows("cues", sizes)
        if len(self) == 0:
            raise ValueError("recall needs stored patterns: call store() first")
        _, g, codes, _, ops = self._match(packed, sizes)
        self.last_ops = ops + self._select_ops(len(g), True)
        self.ops["retrieve"] += self.last_ops
        if codes.shape[0] * len(self) * self.modules <= _DIRECT_AGREEMENT:  # compare the codes directly
            agree, best, exact = self._kernels.code_agreement(self.codes, codes, self.modules)
        else:  # through the inverted index of the stored codes
            if self._indexed < len(self.codes):
                self._index.add(self.code_bits(self.codes[self._indexed:]))
                self._indexed = len(self.codes)
            agree = self._index.overlaps(self.code_bits(codes)) / self.modules
            best = agree.argmax(axis=1)
            exact = agree[np.arange(len(best)), best] == 1.0
        be = self.backend
        states = self.patterns[best]
        steps = np.empty(x.shape[0], dtype=np.int64)
        steps.fill(1)
        return Recall(
            states=be.asarray(states),
            overlaps=_binary_overlaps(be, states, self._packed, self._sizes),
            steps=steps,
            converged=exact,
            status=np.where(exact, np.int8(STATUS_FIXED), np.int8(STATUS_LIMIT)),
            extra={"code_agreement": be.asarray(agree), "codes": codes, "familiarity": g, "best": best},
        )

    def _extra_state(self) -> dict:
        return {"w": self._w.copy(), "codes": self.codes.copy(), "ops": dict(self.ops)}

    def _load_extra_state(self, state: dict) -> None:
        self._w = np.array(state["w"], dtype=np.uint64)
        set_rows(self, "codes", np.asarray(state["codes"], dtype=np.int64))
        self.ops = dict(state["ops"])
        self._index = SDRIndex(self.modules * self.cells, backend=self._index_backend())
        self._indexed = 0
        set_rows(self, "_packed", pack_bits(self.patterns))
        set_rows(self, "_sizes", self.patterns.sum(axis=1, dtype=np.int64))
