"""Palimpsest memories and forgetting curves: cascade synapses and fits of the decay law.

Cascade synapses (Fusi, Drew & Abbott 2005, Neuron 45:599)
----------------------------------------------------------
Each synapse is binary (efficacy -1 weak, +1 strong) and also carries a hidden depth
``i = 1..m``. A potentiation event at a weak synapse in state i makes it strong (depth 1)
with probability ``q_i``; at a strong synapse in state i < m it moves one level deeper with
probability ``p_i`` (a metaplastic change that leaves the efficacy alone). Depression is the
mirror image. With ``x = 1/2``:

    q_i = x^(i-1) (i < m),  q_m = x^(m-1) / (1 - x),  p_i = x^i / (1 - x).

Deep states change rarely, shallow ones often: the memory signal of a pattern decays as a
power of its age (about 1/t) up to t ~ 2^m, instead of the exponential decay of a binary
synapse with one transition probability (``states=1``, probability ``q``).

:class:`CascadeHopfield` is a Hopfield network of n +/-1 neurons whose symmetric couplings
are such synapses: storing a pattern xi sends a potentiation to synapse (i, j) when
``xi_i xi_j = +1`` and a depression otherwise; recall runs T = 0 asynchronous dynamics on
``W = w / n``.

Fits
----
:func:`fit_forgetting` fits ``log s = log A - t / tau`` (exponential) and
``log s = log A - gamma log t`` (power law), both two-parameter least squares in log space,
and reports which leaves the smaller residual.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..dynamics import run_async_sweeps
from ..kernels import kernel
from ..memory import (
    STATUS_FIXED,
    BaseMemory,
    Recall,
    append_rows,
    check_float,
    check_int,
    check_memory_estimate,
)
from ..metrics import cosine_overlaps


def cascade_probabilities(states: int, x: float = 0.5, q: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Transition probabilities ``(q_i, p_i)``, i = 1..m, of the Fusi-Drew-Abbott cascade.

    ``q[i-1]`` flips the efficacy from depth i; ``p[i-1]`` moves one level deeper (p_m = 0).
    With ``states=1`` the synapse is a plain stochastic binary switch: ``q = (q,)``, ``p = (0,)``.
    """
    m = check_int("states", states, low=1, high=30)
    x = check_float("x", x, low=0, high=1, low_open=True, high_open=True)
    if m == 1:
        return np.array([check_float("q", q, low=0, high=1, low_open=True)]), np.zeros(1)
    i = np.arange(1, m + 1, dtype=np.float64)
    qs = x ** (i - 1)
    qs[-1] = x ** (m - 1) / (1 - x)
    ps = x**i / (1 - x)
    ps[-1] = 0.0
    return np.minimum(qs, 1.0), np.minimum(ps, 1.0)


class CascadeSynapses:
    """A population of binary cascade synapses (efficacy +/-1 and depth 0..m-1 stored apart).

    Parameters
    ----------
    size : int
        Number of synapses.
    states : int
        Cascade depth m (1: a simple stochastic binary synapse with flip probability ``q``).
    x : float
        Ratio between consecutive transition probabilities (1/2 in Fusi et al. 2005).
    q : float
        Flip probability of the binary synapse (``states=1`` only).
    rng : numpy Generator
        Draws the initial states and the stochastic transitions.

    The initial state is the equilibrium of random potentiation/depression: efficacy +/-1
    with probability 1/2, depth i with probability proportional to ``x^(i-1)`` (the
    stationary occupancy of the chain for x = 1/2 up to the last level, which holds twice
    the weight of level m - 1 as in the paper).
    """

    def __init__(self, size: int, states: int = 8, *, x: float = 0.5, q: float = 0.5,
                 rng: np.random.Generator | None = None):
        self.size = check_int("size", size, low=1)
        self.q, self.p = cascade_probabilities(states, x, q)
        self.states = len(self.q)
        self.rng = rng if rng is not None else np.random.default_rng()
        self.efficacy = np.where(self.rng.random(self.size) < 0.5, 1, -1).astype(np.int8)
        self.depth = self.rng.choice(self.states, size=self.size, p=self._stationary()).astype(np.int8)

    def _stationary(self) -> np.ndarray:
        """Stationary depth distribution under balanced random events (solved numerically)."""
        m = self.states
        if m == 1:
            return np.ones(1)
        # chain on (efficacy, depth); half the events agree with the efficacy (go deeper),
        # half oppose it (flip to depth 0 of the other efficacy with probability q_i)
        t = np.zeros((2 * m, 2 * m))
        for e in range(2):
            for i in range(m):
                a = e * m + i
                other = (1 - e) * m
                t[a, other] += 0.5 * self.q[i]
                t[a, a] += 0.5 * (1 - self.q[i])
                deeper = a + 1 if i < m - 1 else a
                t[a, deeper] += 0.5 * self.p[i]
                t[a, a] += 0.5 * (1 - self.p[i])
        vals, vecs = np.linalg.eig(t.T)
        pi = np.real(vecs[:, np.argmin(np.abs(vals - 1))])
        pi = np.abs(pi) / np.abs(pi).sum()
        return pi[:m] + pi[m:]

    def update(self, events: np.ndarray) -> None:
        """Apply one plasticity event per synapse: +1 potentiation, -1 depression (int8, shape (size,))."""
        u = self.rng.random(self.size)
        same = events == self.efficacy
        d = self.depth.astype(np.intp)
        flip = ~same & (u < self.q[d])
        deeper = same & (u < self.p[d])
        self.efficacy[flip] = events[flip]
        self.depth[flip] = 0
        self.depth[deeper] += 1


class CascadeHopfield(BaseMemory):
    """Hopfield network whose couplings are binary cascade synapses (a power-law palimpsest).

    Parameters
    ----------
    n : int
        Number of +/-1 neurons; there are n (n - 1) / 2 synapses.
    states : int
        Cascade depth m (1: binary synapses with flip probability ``q``).
    x, q : float
        See :class:`CascadeSynapses`.
    max_steps : int
        Most asynchronous sweeps per recall.
    backend : {"auto", "numpy", "numba"}
    seed : int or None

    Cited: Fusi, Drew & Abbott 2005, Neuron 45:599; Amit & Fusi 1994, Neural Comput. 6:957.
    """

    alphabet = "pm1"
    _params = ("states", "x", "q", "max_steps")

    def __init__(self, n: int, states: int = 8, *, x: float = 0.5, q: float = 0.5, max_steps: int = 100,
                 backend: str = "auto", seed: int | None = None):
        super().__init__(n, backend=backend, seed=seed)
        if self.backend.is_gpu:
            raise ValueError(f"backend={self.backend.name!r} (a GPU backend) is not supported by CascadeHopfield; "
                             "use a CPU backend such as 'numpy' or 'numba'")
        check_memory_estimate(12 * self.n * self.n, f"cascade synapses for n={self.n}")
        cascade_probabilities(states, x, q)  # validates
        self.states = int(states)
        self.x = float(x)
        self.q = float(q)
        self.max_steps = check_int("max_steps", max_steps, low=1)
        self._iu = np.triu_indices(self.n, 1)
        self._reset()

    def _reset(self) -> None:
        self.synapses = CascadeSynapses(len(self._iu[0]), self.states, x=self.x, q=self.q, rng=self.rng)

    def store(self, patterns: Any, values: Any = None) -> None:
        """Store a ``(P, n)`` batch of +/-1 patterns one after another (online)."""
        if values is not None:
            raise ValueError("values must be None: CascadeHopfield is auto-associative")
        xi = self._check_store(patterns)
        i, j = self._iu
        for x in xi:
            self.synapses.update((x[i] * x[j]).astype(np.int8))
        append_rows(self, "patterns", xi)

    def weights(self) -> np.ndarray:
        """The ``(n, n)`` coupling matrix ``W = w / n`` (zero diagonal)."""
        w = np.zeros((self.n, self.n))
        w[self._iu] = self.synapses.efficacy / self.n
        return w + w.T

    def signal(self, patterns: Any) -> np.ndarray:
        """Memory signal of each pattern: mean agreement ``<w_ij xi_i xi_j>`` over the synapses.

        About 0 for a pattern never stored, with standard deviation ``1/sqrt(n (n - 1) / 2)``.
        """
        from ..memory import check_patterns

        xi = check_patterns("patterns", patterns, alphabet="pm1", n=self.n)
        i, j = self._iu
        w = self.synapses.efficacy.astype(np.float64)
        return np.array([(w * (x[i] * x[j])).mean() for x in xi.astype(np.float64)])

    def recall(self, cues: Any, *, max_steps: int | None = None) -> Recall:
        """T = 0 asynchronous dynamics from a ``(B, n)`` batch of cues in {-1, 0, +1}.

        Returns
        -------
        Recall
            ``states`` (B, n) int8 +/-1; ``overlaps`` (B, P) cosine overlaps with the stored
            patterns (the Mattis overlaps ``xi_mu . s / n``); ``steps``; ``converged``;
            ``status``; ``energy`` ``-s W s / 2``.
        """
        s = self._check_cues(cues, alphabet="ternary")
        if len(self) == 0:
            raise ValueError("recall needs stored patterns: call store() first")
        limit = self.max_steps if max_steps is None else check_int("max_steps", max_steps, low=1)
        be = self.backend
        w = self.weights()
        sweep = kernel("async_sweep_weights", be.name)
        state = s.copy()
        fields = s.astype(np.float64) @ w
        clamp = np.zeros(s.shape, dtype=bool)
        steps, status = run_async_sweeps(
            lambda order, active, uniforms: sweep(state, fields, w, order, active, clamp, 0.0, uniforms),
            self.rng, s.shape, limit)
        sf = state.astype(np.float64)
        return Recall(
            states=be.asarray(state),
            overlaps=be.asarray(cosine_overlaps(state, self.patterns)),
            steps=steps,
            converged=status == STATUS_FIXED,
            status=status,
            energy=-0.5 * np.einsum("bi,ij,bj->b", sf, w, sf),
        )

    def _extra_state(self) -> dict:
        return {"efficacy": self.synapses.efficacy.copy(), "depth": self.synapses.depth.copy()}

    def _load_extra_state(self, state: dict) -> None:
        self._reset()
        self.rng.bit_generator.state = state["rng"]  # drawing the fresh synapses must not move the loaded rng
        self.synapses.efficacy = np.array(state["efficacy"], dtype=np.int8)
        self.synapses.depth = np.array(state["depth"], dtype=np.int8)


def fit_forgetting(ages: Any, signal: Any) -> dict:
    """Fit exponential and power-law decay to a forgetting curve.

    Parameters
    ----------
    ages : array_like
        Time since storage t >= 1 (patterns stored after it, plus one).
    signal : array_like
        Positive memory signal at each age (points with signal <= 0 are left out).

    Returns
    -------
    dict
        ``exp_tau``, ``exp_amp``, ``exp_sse`` for ``s = A exp(-t / tau)``; ``pow_gamma``,
        ``pow_amp``, ``pow_sse`` for ``s = A t^-gamma``; residual sums of squares of
        ``log s``; ``better`` = "power" or "exponential" (the smaller residual); ``points``.
    """
    t = np.asarray(ages, dtype=np.float64)
    s = np.asarray(signal, dtype=np.float64)
    if t.shape != s.shape or t.ndim != 1:
        raise ValueError(f"ages and signal must be 1-D of the same length, got {t.shape} and {s.shape}")
    ok = np.isfinite(s) & (s > 0) & np.isfinite(t) & (t >= 1)
    if ok.sum() < 3:
        raise ValueError(f"fit_forgetting needs at least 3 ages with positive signal, got {int(ok.sum())}")
    t, y = t[ok], np.log(s[ok])
    out: dict = {"points": int(ok.sum())}
    for name, x in (("exp", t), ("pow", np.log(t))):
        slope, icept = np.polyfit(x, y, 1)
        out[f"{name}_sse"] = float(((y - (icept + slope * x)) ** 2).sum())
        out[f"{name}_amp"] = float(np.exp(icept))
        if name == "exp":
            out["exp_tau"] = float(-1.0 / slope) if slope < 0 else float("inf")
        else:
            out["pow_gamma"] = float(-slope)
    out["better"] = "power" if out["pow_sse"] < out["exp_sse"] else "exponential"
    return out
