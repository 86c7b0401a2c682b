"""Fast-weight memories: the key-value memories that sequence models write at test time.

Each class holds a state written from ``(k_t, v_t)`` pairs in the order given (a sequence)
and read at a query ``q``. Keys and values are real vectors (hetero-association: keys of
``n`` entries, values of ``n_out``; ``store(keys)`` alone stores each key as its own value
when ``n_out == n``). With ``normalize=True`` (the default, as in DeltaNet, Gated DeltaNet,
Titans and Miras) keys and queries are scaled to unit length before use; a zero key stays
zero and writes nothing (except through the gates).

Matrix memories (state ``S``, n_out x n; read ``S q``):

``LinearAttention``
    ``S <- g S + v phi(k)^T`` with ``g = 1 - decay`` (Katharopoulos et al. 2020; with a decay,
    the retention / gated linear attention of Sun et al. 2023) and ``phi`` the identity or
    ``elu(x) + 1``; read ``S phi(q)``.
``DeltaNet``
    ``S <- S + lr (v - S k) k^T`` (Widrow-Hoff; Schlag, Irie & Schmidhuber 2021): one step of
    gradient descent on ``||S k - v||^2 / 2`` per pair. ``lr`` is the paper's beta. Long
    writes go in chunks with the WY (UT transform) representation of Yang et al. 2024
    (:func:`delta_chunked`), which equals the token-by-token recurrence.
``GatedDeltaNet``
    ``S <- g S (I - lr k k^T) + lr v k^T``, ``g = 1 - decay`` (Yang, Kautz & Hatamizadeh 2024;
    their alpha is ``1 - decay``).
``DeltaProduct``
    ``householder`` (the paper's n_h) delta steps per token (Siems et al. 2025), so the
    state transition is a product of n_h generalised Householder matrices. Step j writes
    ``(R_j k, v)``: the paper learns the n_h key projections, here ``R_1 = I`` and the
    others are fixed random rotations drawn from ``seed``.

MLP memories ("neural memories"; ``depth`` layers, hidden width ``hidden`` with SiLU
activations, no bias; depth 1 is a matrix), written token by token with the gradient of an
attentional bias taken analytically at the current weights:

``Titans``
    Behrouz, Zhong & Mirrokni 2024: loss ``||M(k) - v||_2^2`` (no 1/2: its gradient for a
    matrix memory is ``2 (M k - v) k^T``, so Titans with depth 1, momentum 0 and decay 0 is
    DeltaNet with ``lr = 2 lr_titans``); surprise ``S <- momentum S - lr grad``, then
    ``M <- (1 - decay) M + S`` (the paper's eta, theta and alpha, held constant).
``Moneta``
    Miras (Behrouz, Razaviyayn, Zhong & Mirrokni 2025): l_p attentional bias
    ``||M(k) - v||_p^p`` and q-norm retention, ``A <- (1 - decay) A - lr grad``,
    ``W = A / ||A||_q^(q-2)`` per layer (entrywise norms). p = q = 2 is Titans without momentum.
``Yaad``
    Miras: Huber attentional bias, the gradient of ``||e||_2^2`` where the error
    ``e = M(k) - v`` has ``||e||_2 <= huber`` and ``huber`` times the gradient of ``||e||_1``
    beyond, with weight decay ``W <- (1 - decay) W - lr grad``.
``Memora``
    Miras: l2 attentional bias and KL retention: each layer's rows stay on the simplex
    scaled by ``scale``, ``W <- scale softmax((1 - decay) log W - lr grad)`` row by row.

``SoftmaxAttention`` keeps every pair (the growing-state reference):
``V^T softmax(beta K q)``, one update of the modern Hopfield network on the ``[k | v]``
patterns from ``[q | 0]`` (Ramsauer et al. 2021).

Simplified from the papers: gates, learning rates and thresholds are constants rather than
data-dependent projections; the MLP memories have no residual connection and no layer
norm (the Miras models use ``x + LN(W_1 sigma(W_2 x))`` with GELU); queries, keys and values
are given, not projected from tokens.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Callable

import numpy as np

from ..kernels import kernel
from ..kernels.ref_fastweight import NEURAL_RULES, mlp_forward, q_normalised
from ..memory import (
    BaseMemory,
    Recall,
    append_rows,
    check_choice,
    check_float,
    check_int,
    check_memory_estimate,
    check_real,
    set_rows,
)
from .overlaps import TargetNorms, cosine_overlaps_cached, one_step_books

FEATURE_MAPS = ("identity", "elu1")
#: Arrays of at most this many rows (norms) are tested in Python floats rather than by NumPy
#: reductions, whose fixed cost dominates a call of a few rows.
_SMALL_ROWS = 64

try:  # what np.einsum calls (its default optimize=False): the same loop without the wrapper's checks
    from numpy._core.multiarray import c_einsum as _einsum
except ImportError:  # pragma: no cover - NumPy 1.x
    try:
        from numpy.core.multiarray import c_einsum as _einsum
    except ImportError:
        _einsum = np.einsum


@functools.lru_cache(maxsize=None)
def _kernel(name: str, backend: str) -> Callable:
    """:func:`assoc.kernels.kernel` looked up once per kernel and backend name (a write of one
    pair would otherwise spend microseconds finding the same kernel)."""
    return kernel(name, backend)


def normalize_rows(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit l2 norm (zero rows stay zero)."""
    # a batch of rows takes the einsum without an ellipsis (the same loop, less parsing)
    if x.ndim == 2:
        sq = _einsum("ij,ij->i", x, x)
        if sq.shape[0] == 1:  # one row (an agent's step): its norm as a Python float
            norm1 = math.sqrt(sq[0])  # correctly rounded, as np.sqrt
            if norm1 > 0:
                return x / norm1
    else:
        sq = _einsum("...i,...i->...", x, x)
    norm = np.sqrt(sq)[..., None]
    if norm.size <= _SMALL_ROWS:  # a few rows (an agent's step): the test in Python floats
        positive = norm.size > 0 and all(v > 0 for v in norm.ravel().tolist())
    else:
        positive = norm.min() > 0
    if positive:  # no zero row (and no NaN): the masked division divides every entry
        return x / norm
    return np.divide(x, norm, out=np.zeros_like(x), where=norm > 0)


def elu1(x: np.ndarray) -> np.ndarray:
    """``elu(x) + 1``, the positive feature map of Katharopoulos et al. 2020."""
    return np.where(x > 0, x + 1.0, np.exp(np.minimum(x, 0.0)))


def delta_chunked(state: np.ndarray, keys: np.ndarray, values: np.ndarray, lr: float, chunk: int = 64) -> np.ndarray:
    """The delta rule over whole chunks: ``state`` (B, dv, d) after writing ``keys`` (B, T, d)
    and ``values`` (B, T, dv), in place.

    Within a chunk of C tokens the product of the C transitions ``I - lr k_t k_t^T`` is
    ``I - W^T K`` and the written part ``U^T K`` (the WY representation), with ``W = T K`` and
    ``U = T V`` for ``T = (I + strict_lower(lr K K^T))^(-1) lr`` (the UT transform). So
    ``S <- S + (U - W S^T)^T K`` per chunk: two matrix products and a triangular solve
    instead of C rank-one updates (Yang, Wang, Shen, Panda & Kim 2024).
    """
    nb, nt, _ = keys.shape
    for b in range(nb):
        s = state[b]
        for t0 in range(0, nt, chunk):
            k = keys[b, t0:t0 + chunk]
            v = values[b, t0:t0 + chunk]
            a = np.tril(lr * (k @ k.T), -1) + np.eye(len(k))
            # NumPy's LAPACK (the BLAS of the products around it: scipy's own copy keeps a second
            # thread pool that stalls small products)
            wu = np.linalg.solve(a, lr * np.concatenate([k, v], axis=1))
            w, u = wu[:, :k.shape[1]], wu[:, k.shape[1]:]
            s += (u - w @ s.T).T @ k
    return state


def _all_finite(a: np.ndarray) -> bool:
    """Whether every entry of ``a`` is finite: a finite sum says so at once (a NaN or an infinity
    makes the sum non-finite); a non-finite sum (an overflow, or a bad entry) is decided entry by
    entry. Call it where overflow warnings are ignored."""
    return math.isfinite(np.add.reduce(a, axis=None)) or bool(np.isfinite(a).all())


def _check_gate(name: str, value: Any) -> float:
    return check_float(name, value, low=0, high=1, high_open=True)


class _FastWeight(BaseMemory):
    """Storage, validation, reading and state of the fast-weight memories (see the module notes)."""

    alphabet = "real"
    _params: tuple[str, ...] = ("n_out", "normalize")

    def __init__(self, n: int, n_out: int | None = None, *, normalize: bool = True, backend: str = "auto",
                 seed: int | None = None):
        super().__init__(n, backend=backend, seed=seed)
        self.n_out = self.n if n_out is None else check_int("n_out", n_out, low=1)
        if not isinstance(normalize, (bool, np.bool_)):
            raise TypeError(f"normalize must be a bool, got {normalize!r}")
        self.normalize = bool(normalize)
        self.patterns = np.zeros((0, self.n))
        self.values = np.zeros((0, self.n_out))
        self._value_norms = TargetNorms()  # squared norms of the stored values, for recall

    # -- bookkeeping --------------------------------------------------------------------
    def reset(self) -> None:
        """Forget every pair (the state returns to its initial value)."""
        self.rng = np.random.default_rng(self.seed)
        self.patterns = np.zeros((0, self.n))
        self.values = np.zeros((0, self.n_out))
        self._reset()

    def _keys(self, x: np.ndarray) -> np.ndarray:
        return normalize_rows(x) if self.normalize else x

    # -- protocol -----------------------------------------------------------------------
    def store(self, patterns: Any, values: Any = None) -> None:
        """Write the pairs ``(patterns[t], values[t])`` in order; ``values`` defaults to the keys
        when ``n_out == n``."""
        keys = check_real("patterns", patterns, self.n)
        if values is None:
            if self.n_out != self.n:
                raise ValueError(f"values are required: this memory maps keys of n={self.n} entries to values of "
                                 f"n_out={self.n_out}")
            vals = keys
        else:
            vals = check_real("values", values, self.n_out)
            if len(vals) != len(keys):
                raise ValueError(f"values must have one row per key: got {len(vals)} values for {len(keys)} keys")
        self._store_checked(keys, vals)

    def _store_checked(self, keys: np.ndarray, vals: np.ndarray) -> None:
        """:meth:`store` of checked pairs: ``keys`` (B, n) and ``vals`` (B, n_out), B >= 1, as
        :func:`~assoc.memory.check_real` returns them (fresh C-contiguous float64 copies, finite,
        with finite squared row norms). :class:`assoc.agents.EpisodicMemory` writes through it
        after checking its keys and values itself."""
        total = len(self) + len(keys)
        check_memory_estimate(8 * total * (self.n + self.n_out), f"{total} stored pairs")
        saved = self._arrays()  # _write rebinds the arrays it changes: these stay as they are
        with np.errstate(over="ignore", invalid="ignore"):
            self._write(self._keys(keys), vals)
            finite = all(arr is saved[k] or _all_finite(arr) for k, arr in self._arrays().items())
        if not finite:
            self._set_arrays(saved)
            raise ValueError(f"the state diverged (non-finite) while writing these pairs with {self._rates()}; "
                             "nothing was stored: lower lr")
        append_rows(self, "patterns", keys)
        append_rows(self, "values", vals)

    def read(self, queries: Any) -> np.ndarray:
        """The memory's output for each query, shape (B, n_out) (no stored pairs needed)."""
        q = check_real("queries", queries, self.n)
        return self._read(self._keys(q))

    def recall(self, cues: Any) -> Recall:
        """Read at a ``(B, n)`` batch of queries.

        Returns
        -------
        Recall
            ``states`` (B, n_out) the reads; ``overlaps`` (B, P) cosine of each read with each
            stored value; ``steps`` 1 and ``converged`` True (a read is one step).
        """
        return self._recall_checked(check_real("cues", cues, self.n))

    def _recall_checked(self, q: np.ndarray) -> Recall:
        """:meth:`recall` of checked queries (as :func:`~assoc.memory.check_real` returns them);
        :class:`assoc.agents.EpisodicMemory` reads through it."""
        if len(self) == 0:
            raise ValueError("recall needs stored pairs: call store() first")
        out = self._read(self._keys(q))
        be = self.backend
        overlaps = cosine_overlaps_cached(np.asarray(out, dtype=np.float64), self.values, self._value_norms)
        steps, converged, status = one_step_books(len(q))
        return Recall(states=be.asarray(out), overlaps=be.asarray(overlaps), steps=steps, converged=converged,
                      status=status)

    def _extra_state(self) -> dict:
        return {"values": self.values.copy(), **{k: np.array(v, copy=True) for k, v in self._arrays().items()}}

    def _load_extra_state(self, state: dict) -> None:
        set_rows(self, "patterns", np.asarray(state["patterns"], dtype=np.float64))
        set_rows(self, "values", np.asarray(state["values"], dtype=np.float64))
        if self.values.shape != (len(self.patterns), self.n_out) or not np.isfinite(self.values).all():
            raise ValueError(f"state['values'] must be a finite ({len(self.patterns)}, {self.n_out}) array")
        loaded = {}
        for key, current in self._arrays().items():
            if key not in state:
                raise ValueError(f"state lacks {key!r}: not a state_dict() of {type(self).__name__}")
            arr = np.array(state[key], dtype=np.float64)
            if arr.shape != np.shape(current) or not np.isfinite(arr).all():
                raise ValueError(f"state[{key!r}] must be a finite array of shape {np.shape(current)}")
            loaded[key] = arr
        self._set_arrays(loaded)

    def _rates(self) -> str:
        return ", ".join(f"{k}={getattr(self, k)!r}" for k in self._params if k not in ("n_out", "normalize"))

    # subclasses: _reset, _write(keys, values), _read(queries), _arrays() and _set_arrays();
    # _write rebinds the arrays of _arrays() to new ones and never writes into them (a write
    # that diverges is undone by restoring the arrays held before it)
    def _arrays(self) -> dict:
        return {"state": self.state}

    def _set_arrays(self, arrays: dict) -> None:
        for key, arr in arrays.items():
            setattr(self, key, arr)


class _MatrixMemory(_FastWeight):
    """A matrix state ``S`` (n_out x n) written by ``matrix_scan``."""

    def _reset(self) -> None:
        self.state = np.zeros((self.n_out, self.n))

    @property
    def state_size(self) -> int:
        return self.n * self.n_out

    def _scan(self, keys: np.ndarray, values: np.ndarray, lr: float, keep: float, subtract: bool) -> None:
        s = self.state[None].copy()
        _kernel("fastweight_matrix_scan", self.backend.name)(s, keys[None], values[None], float(lr), float(keep),
                                                              bool(subtract))
        self.state = s[0]

    def _read(self, q: np.ndarray) -> np.ndarray:
        return q @ self.state.T


class LinearAttention(_MatrixMemory):
    """Linear attention: the Hebbian outer-product memory ``S <- (1 - decay) S + v phi(k)^T``.

    Parameters
    ----------
    n, n_out : int
        Key and value lengths (``n_out`` defaults to ``n``).
    feature_map : {"identity", "elu1"}
        ``phi``: the identity, or the positive map ``elu(x) + 1`` of Katharopoulos et al. 2020.
    decay : float in [0, 1)
        Forgetting per written pair (0: plain linear attention; > 0: retention, Sun et al. 2023).
    normalize : bool
        Unit-length keys and queries (before the feature map).
    backend, seed
        Array backend of the kernel (numba compiles the recurrence); ``seed`` is unused.

    Notes
    -----
    For random keys and +/-1 values, each read entry carries the crosstalk of the other
    P - 1 pairs, of variance (P - 1) / n relative to the signal, so the sign error is
    ``Phi(-sqrt(n / (P - 1)))`` (:func:`assoc.theory.linear_attention_bit_error`).
    """

    _params = ("n_out", "normalize", "feature_map", "decay")

    def __init__(self, n: int, n_out: int | None = None, *, feature_map: str = "identity", decay: float = 0.0,
                 normalize: bool = True, backend: str = "auto", seed: int | None = None):
        super().__init__(n, n_out, normalize=normalize, backend=backend, seed=seed)
        self.feature_map = check_choice("feature_map", feature_map, FEATURE_MAPS)
        self.decay = _check_gate("decay", decay)
        self._reset()

    def _keys(self, x: np.ndarray) -> np.ndarray:
        x = super()._keys(x)
        return elu1(x) if self.feature_map == "elu1" else x

    def _write(self, keys: np.ndarray, values: np.ndarray) -> None:
        keep = 1.0 - self.decay
        if self.backend.name == "numba":
            self._scan(keys, values, 1.0, keep, False)
            return
        age = np.arange(len(keys) - 1, -1, -1, dtype=np.float64)  # pair t is read after len - 1 - t gates
        self.state = keep ** len(keys) * self.state + (values * keep ** age[:, None]).T @ keys


class DeltaNet(_MatrixMemory):
    """The delta rule: ``S <- S + lr (v - S k) k^T`` (DeltaNet).

    Parameters
    ----------
    n, n_out : int
        Key and value lengths.
    lr : float in (0, 2]
        Write strength (the paper's beta); with unit keys, ``lr = 1`` makes ``S k = v`` hold
        exactly after each write, and ``I - lr k k^T`` is non-expansive for lr in (0, 2].
    normalize : bool
        Unit-length keys and queries.
    chunk : int
        Chunk length of the WY form (:func:`delta_chunked`): a write of at least ``chunk``
        pairs goes chunk by chunk, a shorter one token by token (the backend's kernel).
    backend, seed
        ``seed`` is unused.
    """

    _params = ("n_out", "normalize", "lr", "chunk")

    def __init__(self, n: int, n_out: int | None = None, *, lr: float = 1.0, normalize: bool = True, chunk: int = 64,
                 backend: str = "auto", seed: int | None = None):
        super().__init__(n, n_out, normalize=normalize, backend=backend, seed=seed)
        self.lr = check_float("lr", lr, low=0, high=2, low_open=True)
        self.chunk = check_int("chunk", chunk, low=1)
        self._reset()

    def _write(self, keys: np.ndarray, values: np.ndarray) -> None:
        if len(keys) >= self.chunk or self.backend.name not in ("numba", "numpy"):
            self.state = delta_chunked(self.state[None].copy(), keys[None], values[None], self.lr, self.chunk)[0]
        else:  # a few pairs (an agent's step): the token-by-token kernel
            self._scan(keys, values, self.lr, 1.0, True)


class GatedDeltaNet(_MatrixMemory):
    """The gated delta rule: ``S <- (1 - decay) S (I - lr k k^T) + lr v k^T`` (Gated DeltaNet).

    Parameters
    ----------
    n, n_out : int
        Key and value lengths.
    lr : float in (0, 2]
        Write strength (the paper's beta).
    decay : float in [0, 1)
        Forgetting per written pair (the paper's gate alpha is ``1 - decay``; 0 is DeltaNet).
    normalize : bool
        Unit-length keys and queries.
    backend, seed
        numba compiles the recurrence; ``seed`` is unused.
    """

    _params = ("n_out", "normalize", "lr", "decay")

    def __init__(self, n: int, n_out: int | None = None, *, lr: float = 1.0, decay: float = 0.01,
                 normalize: bool = True, backend: str = "auto", seed: int | None = None):
        super().__init__(n, n_out, normalize=normalize, backend=backend, seed=seed)
        self.lr = check_float("lr", lr, low=0, high=2, low_open=True)
        self.decay = _check_gate("decay", decay)
        self._reset()

    def _write(self, keys: np.ndarray, values: np.ndarray) -> None:
        self._scan(keys, values, self.lr, 1.0 - self.decay, True)


class DeltaProduct(_MatrixMemory):
    """DeltaProduct: ``householder`` delta steps per token, keys ``R_j k`` (j = 1 ... n_h).

    Parameters
    ----------
    n, n_out : int
        Key and value lengths.
    lr : float in (0, 2]
        Write strength of every step.
    householder : int >= 1
        Steps per token (the paper's n_h); 1 is DeltaNet.
    normalize : bool
        Unit-length keys and queries.
    backend, seed
        ``seed`` draws the fixed rotations ``R_2 ... R_nh`` (``R_1`` is the identity).
    """

    _params = ("n_out", "normalize", "lr", "householder")

    def __init__(self, n: int, n_out: int | None = None, *, lr: float = 1.0, householder: int = 2,
                 normalize: bool = True, backend: str = "auto", seed: int | None = None):
        super().__init__(n, n_out, normalize=normalize, backend=backend, seed=seed)
        self.lr = check_float("lr", lr, low=0, high=2, low_open=True)
        self.householder = check_int("householder", householder, low=1)
        check_memory_estimate(8.0 * self.householder * self.n * self.n, f"{self.householder} rotations of n={self.n}")
        rot = np.empty((self.householder - 1, self.n, self.n))
        for j in range(self.householder - 1):
            q, r = np.linalg.qr(self.rng.standard_normal((self.n, self.n)))
            rot[j] = q * np.sign(np.diag(r))  # Haar-distributed rotation
        self.rotations = rot
        self._reset()

    def _arrays(self) -> dict:
        return {"state": self.state, "rotations": self.rotations}

    def step_keys(self, keys: np.ndarray) -> np.ndarray:
        """The ``(P, householder, n)`` keys of every step for ``(P, n)`` keys."""
        out = np.empty((keys.shape[0], self.householder, self.n))
        out[:, 0] = keys
        out[:, 1:] = _einsum("jab,pb->pja", self.rotations, keys)
        return out

    def _write(self, keys: np.ndarray, values: np.ndarray) -> None:
        steps = self.step_keys(keys).reshape(-1, self.n)
        self._scan(steps, np.repeat(values, self.householder, axis=0), self.lr, 1.0, True)


class _NeuralMemory(_FastWeight):
    """An MLP memory trained online on an attentional bias (see the module notes)."""

    rule = "titans"
    _params = ("n_out", "normalize", "depth", "hidden", "lr", "decay")

    def __init__(self, n: int, n_out: int | None = None, *, depth: int = 1, hidden: int | None = None,
                 lr: float = 0.5, decay: float = 0.0, normalize: bool = True, backend: str = "auto",
                 seed: int | None = None):
        super().__init__(n, n_out, normalize=normalize, backend=backend, seed=seed)
        self.depth = check_int("depth", depth, low=1)
        self.hidden = None if hidden is None else check_int("hidden", hidden, low=1)
        self.lr = check_float("lr", lr, low=0, high=1, low_open=True)
        self.decay = _check_gate("decay", decay)
        widths = [self.n] + [self.hidden or self.n] * (self.depth - 1) + [self.n_out]
        self._shapes = [(widths[i + 1], widths[i]) for i in range(self.depth)]
        check_memory_estimate(16.0 * sum(a * b for a, b in self._shapes), f"an MLP memory of layers {self._shapes}")

    @property
    def state_size(self) -> int:
        return int(sum(a * b for a, b in self._shapes))

    def _initial(self) -> list[np.ndarray]:
        """Initial weights: hidden layers N(0, 1 / fan_in) from ``seed``, the output layer zero."""
        rng = np.random.default_rng(self.seed)
        out = [rng.standard_normal(s) / np.sqrt(s[1]) for s in self._shapes[:-1]]
        return out + [np.zeros(self._shapes[-1])]

    def _reset(self) -> None:
        self.weights = self._initial()
        self.aux = [np.zeros(s) for s in self._shapes]

    def _hyper(self) -> tuple:
        """(momentum, p, q, huber, scale) as the kernel takes them."""
        return 0.0, 2.0, 2.0, np.inf, 1.0

    def _write(self, keys: np.ndarray, values: np.ndarray) -> None:
        w = tuple(a.copy() for a in self.weights)
        aux = tuple(a.copy() for a in self.aux)
        momentum, p, q, huber, scale = self._hyper()
        _kernel("fastweight_neural_scan", self.backend.name)(
            w, aux, np.ascontiguousarray(keys), np.ascontiguousarray(values), NEURAL_RULES.index(self.rule),
            float(self.lr), float(momentum), float(self.decay), float(p), float(q), float(huber), float(scale))
        self.weights, self.aux = list(w), list(aux)

    def _read(self, q: np.ndarray) -> np.ndarray:
        return mlp_forward(self.weights, q)[2]

    def _arrays(self) -> dict:
        out = {f"weights_{i}": w for i, w in enumerate(self.weights)}
        out.update({f"aux_{i}": a for i, a in enumerate(self.aux)})
        return out

    def _set_arrays(self, arrays: dict) -> None:
        self.weights = [arrays[f"weights_{i}"] for i in range(self.depth)]  # new lists: nothing aliased
        self.aux = [arrays[f"aux_{i}"] for i in range(self.depth)]


class Titans(_NeuralMemory):
    """Titans' long-term neural memory: an MLP trained online on ``||M(k) - v||^2`` with momentum.

    Parameters
    ----------
    n, n_out : int
        Key and value lengths.
    depth : int >= 1
        Layers of the MLP (1: a matrix memory). Deeper memories need smaller rates; a write
        whose state turns non-finite is refused (nothing stored).
    hidden : int, optional
        Width of the hidden layers (default n).
    lr : float in (0, 1]
        Learning rate theta (of the loss without 1/2).
    momentum : float in [0, 1)
        Decay eta of the surprise (0: plain gradient steps).
    decay : float in [0, 1)
        Forgetting gate alpha (weight decay per written pair).
    normalize : bool
        Unit-length keys and queries.
    backend, seed
        numba compiles the recurrence; ``seed`` draws the hidden layers' initial weights.
    """

    rule = "titans"
    _params = _NeuralMemory._params + ("momentum",)

    def __init__(self, n: int, n_out: int | None = None, *, depth: int = 1, hidden: int | None = None,
                 lr: float = 0.25, momentum: float = 0.5, decay: float = 0.0, normalize: bool = True,
                 backend: str = "auto", seed: int | None = None):
        super().__init__(n, n_out, depth=depth, hidden=hidden, lr=lr, decay=decay, normalize=normalize,
                         backend=backend, seed=seed)
        self.momentum = _check_gate("momentum", momentum)
        self._reset()

    def _hyper(self) -> tuple:
        return self.momentum, 2.0, 2.0, np.inf, 1.0


class Moneta(_NeuralMemory):
    """Moneta (Miras): l_p attentional bias and q-norm retention.

    Parameters
    ----------
    n, n_out, depth, hidden, lr, decay, normalize, backend, seed
        As for :class:`Titans` (``decay`` scales the accumulator A).
    p : float >= 1
        Exponent of the attentional bias ``||M(k) - v||_p^p`` (the paper's models use 3).
    q : float > 1
        Retention norm: ``W = A / ||A||_q^(q - 2)`` (the paper's models use 4; 2 is plain
        gradient descent).
    """

    rule = "moneta"
    _params = _NeuralMemory._params + ("p", "q")

    def __init__(self, n: int, n_out: int | None = None, *, depth: int = 1, hidden: int | None = None,
                 lr: float = 0.5, p: float = 3.0, q: float = 4.0, decay: float = 0.0, normalize: bool = True,
                 backend: str = "auto", seed: int | None = None):
        super().__init__(n, n_out, depth=depth, hidden=hidden, lr=lr, decay=decay, normalize=normalize,
                         backend=backend, seed=seed)
        self.p = check_float("p", p, low=1)
        self.q = check_float("q", q, low=1, low_open=True)
        self._reset()

    def _reset(self) -> None:
        self.aux = self._initial()  # the accumulators A; the weights are their q-norm map
        self.weights = [q_normalised(a, self.q) for a in self.aux]

    def _hyper(self) -> tuple:
        return 0.0, self.p, self.q, np.inf, 1.0


class Yaad(_NeuralMemory):
    """Yaad (Miras): Huber attentional bias with weight decay.

    Parameters
    ----------
    n, n_out, depth, hidden, lr, decay, normalize, backend, seed
        As for :class:`Titans`.
    huber : float > 0, optional
        Threshold delta on ``||M(k) - v||_2`` where the l2 gradient gives way to ``huber``
        times the l1 gradient (an outlier's write is bounded). Default ``2 sqrt(n_out)``, twice
        the norm of a value of unit-variance entries.
    """

    rule = "yaad"
    _params = _NeuralMemory._params + ("huber",)

    def __init__(self, n: int, n_out: int | None = None, *, depth: int = 1, hidden: int | None = None,
                 lr: float = 0.5, huber: float | None = None, decay: float = 0.0, normalize: bool = True,
                 backend: str = "auto", seed: int | None = None):
        super().__init__(n, n_out, depth=depth, hidden=hidden, lr=lr, decay=decay, normalize=normalize,
                         backend=backend, seed=seed)
        self.huber = None if huber is None else check_float("huber", huber, low=0, low_open=True)
        self._reset()

    def _hyper(self) -> tuple:
        return 0.0, 2.0, 2.0, 2.0 * float(np.sqrt(self.n_out)) if self.huber is None else self.huber, 1.0


class Memora(_NeuralMemory):
    """Memora (Miras): l2 attentional bias with KL retention on the scaled simplex.

    Parameters
    ----------
    n, n_out, depth, hidden, lr, decay, normalize, backend, seed
        As for :class:`Titans` (``decay`` weakens the log-weights' memory of the past).
    scale : float > 0, optional
        Mass c of each row of every layer (default n: rows of a matrix memory hold n / n = 1
        per entry at the start, uniform).
    """

    rule = "memora"
    _params = _NeuralMemory._params + ("scale",)

    def __init__(self, n: int, n_out: int | None = None, *, depth: int = 1, hidden: int | None = None,
                 lr: float = 0.5, scale: float | None = None, decay: float = 0.0, normalize: bool = True,
                 backend: str = "auto", seed: int | None = None):
        super().__init__(n, n_out, depth=depth, hidden=hidden, lr=lr, decay=decay, normalize=normalize,
                         backend=backend, seed=seed)
        self.scale = None if scale is None else check_float("scale", scale, low=0, low_open=True)
        self._reset()

    @property
    def _mass(self) -> float:
        return float(self.n if self.scale is None else self.scale)

    def _reset(self) -> None:
        """Rows on the scaled simplex: softmax of N(0, 1) logits (hidden layers), uniform (output)."""
        rng = np.random.default_rng(self.seed)
        w = []
        for i, (rows, cols) in enumerate(self._shapes):
            z = rng.standard_normal((rows, cols)) if i < len(self._shapes) - 1 else np.zeros((rows, cols))
            e = np.exp(z - z.max(axis=1, keepdims=True))
            w.append(self._mass * e / e.sum(axis=1, keepdims=True))
        self.weights = w
        self.aux = [np.zeros(s) for s in self._shapes]

    def _hyper(self) -> tuple:
        return 0.0, 2.0, 2.0, np.inf, self._mass


class SoftmaxAttention(_FastWeight):
    """Softmax attention over every stored pair: ``V^T softmax(beta K q)`` (a growing state).

    Parameters
    ----------
    n, n_out : int
        Key and value lengths.
    beta : float > 0
        Inverse temperature on the dot products (on unit keys and queries when ``normalize``).
    normalize : bool
        Unit-length keys and queries.
    backend, seed
        ``seed`` is unused.
    """

    _params = ("n_out", "normalize", "beta")

    def __init__(self, n: int, n_out: int | None = None, *, beta: float = 8.0, normalize: bool = True,
                 backend: str = "auto", seed: int | None = None):
        super().__init__(n, n_out, normalize=normalize, backend=backend, seed=seed)
        self.beta = check_float("beta", beta, low=0, low_open=True)
        self._reset()

    @property
    def state_size(self) -> int:
        return len(self) * (self.n + self.n_out)

    def _reset(self) -> None:
        self._read_keys = np.zeros((0, self.n))  # the stored keys as reads compare them (unit length)

    def _arrays(self) -> dict:
        return {}  # the stored pairs are the state (saved with the patterns and values)

    def _load_extra_state(self, state: dict) -> None:
        super()._load_extra_state(state)
        set_rows(self, "_read_keys", self._keys(self.patterns))

    def _write(self, keys: np.ndarray, values: np.ndarray) -> None:
        append_rows(self, "_read_keys", keys)

    def _read(self, q: np.ndarray) -> np.ndarray:
        if len(self) == 0:
            return np.zeros((len(q), self.n_out))
        z = self.beta * (q @ self._read_keys.T)
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return (e / e.sum(axis=1, keepdims=True)) @ self.values


#: Family name -> class, in the order of the module notes.
CLASSES = {
    "linear_attention": LinearAttention, "deltanet": DeltaNet, "gated_deltanet": GatedDeltaNet,
    "delta_product": DeltaProduct, "titans": Titans, "moneta": Moneta, "yaad": Yaad, "memora": Memora,
    "softmax_attention": SoftmaxAttention,
}
