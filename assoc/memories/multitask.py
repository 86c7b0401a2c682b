"""Multitasking diluted network: pairwise Hebbian couplings of diluted ternary patterns,
which retrieves several patterns at once (Agliari, Alessandrelli, Barra, Centonze,
Ricci-Tersenghi 2023, "Parallel learning by multitasking neural networks", arXiv 2308.04106),
on the pattern-space engine of :mod:`assoc.memories.dense`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..dynamics import check_temperature
from ..memory import (
    STATUS_FIXED,
    BaseMemory,
    Recall,
    append_rows,
    check_choice,
    check_int,
    check_memory_estimate,
    check_patterns,
)
from ..metrics import cosine_overlaps
from .dense import _power_scale, _run_async


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
        append_rows(self, "patterns", xi)

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
