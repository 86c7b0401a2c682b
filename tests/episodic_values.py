"""Value rows in each family's alphabet, for tests that write to episodic memories."""

from __future__ import annotations

import numpy as np


def episodic_values(alphabet: str, rng: np.random.Generator, b: int, d: int) -> np.ndarray:
    """``b`` value rows of ``d`` entries: +/-1, binary with 4 active bits (as Willshaw's k-WTA
    read-out expects), or standard normal reals."""
    if alphabet == "pm1":
        return rng.choice(np.array([-1, 1], dtype=np.int8), size=(b, d))
    if alphabet == "binary":
        v = np.zeros((b, d), dtype=np.int8)
        for r in range(b):
            v[r, rng.choice(d, 4, replace=False)] = 1
        return v
    return rng.standard_normal((b, d))
