"""Dense Hebbian learning from examples: P-body Hebbian couplings built from noisy examples
of unseen archetypes, unsupervised or supervised (Agliari, Alemanno, Barra, Centonze, Fachechi
et al. 2023, "Dense Hebbian neural networks: a replica symmetric picture of supervised /
unsupervised learning", Physica A; arXiv 2211.14067 and 2212.00606), run by Monte Carlo at
noise ``1/beta`` on the pattern-space engine of :mod:`assoc.memories.dense`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

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
    to_numpy,
)
from ..metrics import cosine_overlaps
from .dense import _power_scale, _run_async

PROTOCOLS = ("unsupervised", "supervised")


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
    until a fixed point). Arithmetic is pattern space (see :mod:`assoc.memories.dense`).

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
        append_rows(self, "patterns", eta)
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
