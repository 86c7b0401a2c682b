"""Pattern families and cue corruption. Every function is seeded through ``rng``.

``rng`` may be a :class:`numpy.random.Generator`, an integer seed, a
:class:`numpy.random.SeedSequence` or ``None`` (fresh entropy). All outputs are ``int8``.

Pattern families
----------------
random_pm1      i.i.d. +/-1, unbiased
biased_pm1      i.i.d. +/-1 with mean ``bias``
sparse_binary   {0,1} with activity ``a`` (or exactly ``k`` active per pattern)
diluted         ternary {-1,0,+1}: each entry is 0 with probability ``d``
correlated      hierarchical: parents, and children correlated ``c`` with their parent
archetypes      K archetypes and M noisy examples each, of quality ``r``

Cue corruption
--------------
flip        flip an exact fraction of the entries of each pattern
fragment    keep a fraction of entries, erase (set to 0) or randomise the rest
clamp_mask  a boolean mask of entries held fixed during the dynamics
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .memory import check_choice, check_float, check_int, check_memory_estimate, check_patterns

RngLike = Any


def as_rng(rng: RngLike) -> np.random.Generator:
    """Turn a seed, SeedSequence, Generator or None into a Generator."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (np.random.SeedSequence, np.integer, int)) and not isinstance(rng, bool):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be a numpy Generator, SeedSequence, non-negative int or None, got {rng!r}")


def _sizes(p: Any, n: Any, bytes_per_entry: int = 9) -> tuple[int, int]:
    p, n = check_int("p", p, low=0), check_int("n", n, low=1)
    check_memory_estimate(p * n * bytes_per_entry, f"patterns of shape ({p}, {n})")
    return p, n


def random_pm1(p: int, n: int, rng: RngLike = None) -> np.ndarray:
    """``(p, n)`` unbiased random +/-1 patterns."""
    p, n = _sizes(p, n)
    return (2 * as_rng(rng).integers(0, 2, size=(p, n), dtype=np.int8) - 1).astype(np.int8)


def biased_pm1(p: int, n: int, bias: float, rng: RngLike = None) -> np.ndarray:
    """``(p, n)`` +/-1 patterns with ``P(+1) = (1 + bias) / 2`` (mean ``bias`` in (-1, 1))."""
    p, n = _sizes(p, n)
    bias = check_float("bias", bias, low=-1, high=1, low_open=True, high_open=True)
    u = as_rng(rng).random((p, n))
    return np.where(u < (1 + bias) / 2, 1, -1).astype(np.int8)


def sparse_binary(
    p: int, n: int, a: float | None = None, rng: RngLike = None, *, k: int | None = None
) -> np.ndarray:
    """``(p, n)`` sparse {0,1} patterns.

    Give either the activity ``a`` (each unit active independently with probability ``a``)
    or ``k`` (exactly ``k`` active units per pattern, chosen uniformly).
    """
    p, n = _sizes(p, n)
    gen = as_rng(rng)
    if (a is None) == (k is None):
        raise ValueError(f"give exactly one of a (activity) or k (active units), got a={a!r}, k={k!r}")
    if k is not None:
        k = check_int("k", k, low=0, high=n)
        out = np.zeros((p, n), dtype=np.int8)
        if p and k:
            idx = np.argsort(gen.random((p, n)), axis=1)[:, :k]
            np.put_along_axis(out, idx, 1, axis=1)
        return out
    a = check_float("a", a, low=0, high=1)
    return (gen.random((p, n)) < a).astype(np.int8)


def diluted(p: int, n: int, d: float, rng: RngLike = None) -> np.ndarray:
    """``(p, n)`` ternary patterns: each entry 0 with probability ``d`` in [0, 1), else +/-1."""
    p, n = _sizes(p, n)
    d = check_float("d", d, low=0, high=1, high_open=True)
    gen = as_rng(rng)
    sign = 2 * gen.integers(0, 2, size=(p, n), dtype=np.int8) - 1
    keep = gen.random((p, n)) >= d
    return (sign * keep).astype(np.int8)


def correlated(
    parents: int, children: int, n: int, c: float, rng: RngLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """Hierarchical patterns: ``parents`` random +/-1 ancestors, ``children`` each.

    Each child entry equals its parent's with probability ``(1 + c) / 2``, so the expected
    overlap between a child and its parent is ``c`` and between two siblings ``c**2``.

    Returns
    -------
    patterns : ndarray, shape (parents * children, n)
        Children, grouped by parent.
    parent_patterns : ndarray, shape (parents, n)
    """
    parents = check_int("parents", parents, low=1)
    children = check_int("children", children, low=1)
    n = check_int("n", n, low=1)
    c = check_float("c", c, low=0, high=1)
    gen = as_rng(rng)
    anc = random_pm1(parents, n, gen)
    same = gen.random((parents, children, n)) < (1 + c) / 2
    kids = np.where(same, anc[:, None, :], -anc[:, None, :]).astype(np.int8)
    return kids.reshape(parents * children, n), anc


def archetypes(
    k: int, m: int, n: int, r: float, rng: RngLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """K archetypes and M noisy examples of each, of quality ``r`` (Agliari, Barra et al.).

    Example ``eta = xi * chi`` with ``chi`` = +1 with probability ``(1 + r) / 2``, so the
    expected overlap between an example and its archetype is ``r``.

    Returns
    -------
    examples : ndarray, shape (k, m, n)
    archetype_patterns : ndarray, shape (k, n)
    """
    k = check_int("k", k, low=1)
    m = check_int("m", m, low=1)
    n = check_int("n", n, low=1)
    r = check_float("r", r, low=-1, high=1)
    gen = as_rng(rng)
    xi = random_pm1(k, n, gen)
    chi = np.where(gen.random((k, m, n)) < (1 + r) / 2, 1, -1).astype(np.int8)
    return (xi[:, None, :] * chi).astype(np.int8), xi


def dataset_entropy(r: float, m: int) -> float:
    """Dataset entropy ``rho = (1 - r^2) / (M r^2)`` of Agliari, Barra et al. (inf at r = 0)."""
    r = check_float("r", r, low=-1, high=1)
    m = check_int("m", m, low=1)
    return float("inf") if r == 0 else (1 - r * r) / (m * r * r)


# --------------------------------------------------------------------------- corruption


def _choose(gen: np.random.Generator, rows: int, n: int, count: int) -> np.ndarray:
    """Boolean mask with exactly ``count`` True entries per row, uniformly placed."""
    mask = np.zeros((rows, n), dtype=bool)
    if count:
        idx = np.argsort(gen.random((rows, n)), axis=1)[:, :count]
        np.put_along_axis(mask, idx, True, axis=1)
    return mask


def flip(patterns: Any, fraction: float, rng: RngLike = None, *, alphabet: str = "pm1") -> np.ndarray:
    """Flip exactly ``round(fraction * n)`` entries of each row.

    For ``alphabet="pm1"`` a flip is ``s -> -s``; for ``"binary"`` it is ``x -> 1 - x``.
    """
    alphabet = check_choice("alphabet", alphabet, ("pm1", "binary"))
    x = check_patterns("patterns", patterns, alphabet=alphabet, allow_empty=True)
    fraction = check_float("fraction", fraction, low=0, high=1)
    gen = as_rng(rng)
    mask = _choose(gen, x.shape[0], x.shape[1], int(round(fraction * x.shape[1])))
    out = x.copy()
    out[mask] = -x[mask] if alphabet == "pm1" else 1 - x[mask]
    return out


def fragment(
    patterns: Any,
    keep: float,
    rng: RngLike = None,
    *,
    rest: str = "erase",
    alphabet: str = "pm1",
    contiguous: bool = False,
) -> np.ndarray:
    """Keep ``round(keep * n)`` entries of each row and erase or randomise the rest.

    ``rest="erase"`` sets the others to 0 (for +/-1 patterns the cue becomes ternary:
    0 means "unknown" and contributes no field). ``rest="random"`` draws them uniformly
    from the alphabet. ``contiguous=True`` keeps a leading block instead of a random subset.
    """
    alphabet = check_choice("alphabet", alphabet, ("pm1", "binary"))
    rest = check_choice("rest", rest, ("erase", "random"))
    x = check_patterns("patterns", patterns, alphabet=alphabet, allow_empty=True)
    keep = check_float("keep", keep, low=0, high=1)
    gen = as_rng(rng)
    count = int(round(keep * x.shape[1]))
    if contiguous:
        kept = np.zeros(x.shape, dtype=bool)
        kept[:, :count] = True
    else:
        kept = _choose(gen, x.shape[0], x.shape[1], count)
    if rest == "erase":
        return np.where(kept, x, 0).astype(np.int8)
    if alphabet == "pm1":
        noise = 2 * gen.integers(0, 2, size=x.shape, dtype=np.int8) - 1
    else:
        noise = gen.integers(0, 2, size=x.shape, dtype=np.int8)
    return np.where(kept, x, noise).astype(np.int8)


def clamp_mask(rows: int, n: int, fraction: float, rng: RngLike = None) -> np.ndarray:
    """Boolean ``(rows, n)`` mask with ``round(fraction * n)`` entries per row held fixed."""
    rows = check_int("rows", rows, low=0)
    n = check_int("n", n, low=1)
    fraction = check_float("fraction", fraction, low=0, high=1)
    return _choose(as_rng(rng), rows, n, int(round(fraction * n)))
