"""Building the memory a measurement runs on, through the Memory protocol.

Drivers take a ``family`` parameter. +/-1 families (``hopfield``: :class:`assoc.Hopfield`;
``dense``: :class:`assoc.dense.DenseAssociativeMemory`) share dynamics and cue corruption;
the load ``alpha`` means ``P = alpha * n`` patterns for ``hopfield`` and
``P = alpha * n**(degree - 1)`` for ``dense`` (the natural scale of a degree-d memory,
Krotov & Hopfield 2016). A family a measurement cannot use raises ``ValueError`` naming it.
"""

from __future__ import annotations

from ..memory import check_choice, check_float, check_int

#: Every family name a driver may be asked for.
ALL_FAMILIES = ("hopfield", "dense", "cascade", "willshaw", "sdm", "segments", "sparsey", "ca3")
PM1_FAMILIES = ("hopfield", "dense")


def check_family(measurement: str, family, supported) -> str:
    """``family`` if ``measurement`` supports it; ValueError naming the family otherwise."""
    family = check_choice("family", family, ALL_FAMILIES)
    if family not in supported:
        raise ValueError(
            f"the {measurement} measurement does not apply to family {family!r}; "
            f"supported families: {list(supported)}"
        )
    return family


def pattern_count(family: str, alpha: float, n: int, degree: int = 3) -> int:
    """Number of patterns at load ``alpha`` (at least 1)."""
    alpha = check_float("alpha", alpha, low=0, low_open=True)
    scale = n ** (check_int("degree", degree, low=2) - 1) if family == "dense" else n
    return max(1, int(round(alpha * scale)))


def build_pm1(family: str, n: int, params: dict, seed: int, *, dynamics: str = "async",
              temperature: float = 0.0, max_steps: int | None = None):
    """A +/-1 memory of ``family`` configured from ``params`` (rule, degree, energy, ...)."""
    steps = params.get("max_steps", 100) if max_steps is None else max_steps
    if family == "hopfield":
        from ..hopfield import Hopfield

        return Hopfield(n, params.get("rule", "hebbian"), dynamics, temperature=temperature, max_steps=steps,
                        diagonal=params.get("diagonal", True), bound=params.get("bound", 0.3),
                        backend=params.get("backend", "numba"), seed=seed)
    if family == "dense":
        from ..dense import DenseAssociativeMemory

        return DenseAssociativeMemory(n, params.get("energy", "polynomial"), params.get("degree", 3), dynamics,
                                      temperature=temperature, max_steps=steps,
                                      backend=params.get("backend", "numba"), seed=seed)
    raise ValueError(f"family must be one of {list(PM1_FAMILIES)} for a +/-1 memory, got {family!r}")
