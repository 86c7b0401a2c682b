"""check_memory: the contract every memory keeps, as a set of named checks.

:func:`check_memory` runs any object that follows the :class:`assoc.memory.Memory` protocol
(a family of this package or a user's own class) through the contract every memory keeps,
in the spirit of gymnasium's ``check_env`` and scikit-learn's ``check_estimator``. Each
check is a function of ``(memory, probe)`` registered, in the order they run, in
:data:`CHECKS`; ``check_memory(mem, checks=[...])`` runs a subset. A failure raises
:class:`MemoryCheckError` whose message starts with the check's name in brackets.
"""

from __future__ import annotations

import copy
import pickle
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable

import numpy as np

from ..memory import ALPHABETS, _short, check_float, check_int, to_numpy
from ..metrics import cosine_overlaps
from ..params import suggest

#: Alphabets a memory may declare: the three discrete ones of :mod:`assoc.memory` and "real".
MEMORY_ALPHABETS = tuple(ALPHABETS) + ("real",)


class MemoryCheckError(AssertionError):
    """A memory broke the contract checked by :func:`check_memory`; the message names the check."""


def _fail(check: str, msg: str) -> None:
    raise MemoryCheckError(f"[{check}] {msg}")


def _probe_patterns(alphabet: str, p: int, n: int, rng: np.random.Generator, density: float = 0.1) -> np.ndarray:
    """Random patterns well inside every family's comfortable regime."""
    if alphabet == "pm1":
        return np.where(rng.random((p, n)) < 0.5, -1, 1).astype(np.int8)
    if alphabet == "binary":
        k = max(1, int(round(density * n)))
        out = np.zeros((p, n), dtype=np.int8)
        for row in out:
            row[rng.choice(n, size=k, replace=False)] = 1
        return out
    if alphabet == "ternary":
        x = np.where(rng.random((p, n)) < 0.5, -1, 1).astype(np.int8)
        x[rng.random((p, n)) < 0.2] = 0
        x[:, 0] = np.where(x[:, 0] == 0, 1, x[:, 0])  # no all-zero row
        return x
    x = rng.standard_normal((p, n))
    return x / np.linalg.norm(x, axis=1, keepdims=True) * np.sqrt(n)


def _clone(mem: Any) -> Any:
    """A deep copy of ``mem`` that shares the attributes that cannot be copied (array modules)."""
    memo: dict = {}
    for value in vars(mem).values() if hasattr(mem, "__dict__") else ():
        try:
            copy.deepcopy(value)
        except Exception:
            memo[id(value)] = value
    return copy.deepcopy(mem, memo)


def _host(x: Any) -> np.ndarray:
    return np.asarray(to_numpy(x))


def _protocol(mem: Any, check: str = "follows_the_protocol") -> tuple[int, str, int]:
    """``(n, alphabet, n_out)`` of a memory that has the protocol's attributes and methods."""
    for attr in ("store", "recall", "reset", "state_dict", "load_state_dict", "__len__"):
        if not callable(getattr(mem, attr, None)):
            _fail(check, f"{type(mem).__name__} has no method {attr}()")
    n = getattr(mem, "n", None)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        _fail(check, f"mem.n must be an integer >= 1, got {n!r}")
    n = int(n)
    alphabet = getattr(mem, "alphabet", None)
    if alphabet not in MEMORY_ALPHABETS:
        _fail(check, f"mem.alphabet must be one of {MEMORY_ALPHABETS}, got {alphabet!r}")
    return n, alphabet, int(getattr(mem, "n_out", n) or n)


# --------------------------------------------------------------------------- the probe


@dataclass
class Probe:
    """What a check knows about the memory under test, and the probe data it stores.

    Built by :meth:`of` (which checks the protocol's attributes first). ``rng`` is seeded
    afresh for every check, so a check sees the same probe patterns whichever others run.
    """

    n: int
    alphabet: str
    n_out: int
    n_patterns: int
    density: float = 0.1
    values: Callable[[np.ndarray, int], Any] | None = None
    seed: int = 0
    check: str = ""
    rng: np.random.Generator = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng(self.seed)

    @classmethod
    def of(cls, mem: Any, *, n_patterns: int | None = None, values: Callable | None = None, density: float = 0.1,
           seed: int = 0, check: str = "") -> "Probe":
        """A probe for ``mem`` (see :func:`check_memory` for the arguments)."""
        density = check_float("density", density, low=0, high=1, low_open=True)
        if values is not None and not callable(values):
            raise TypeError(f"values must be a callable values(patterns, first) or None, got {_short(values)}")
        n, alphabet, n_out = _protocol(mem)
        p = n_patterns if n_patterns is not None else max(1, min(4, n // 16))
        p = check_int("n_patterns", p, low=1)
        return cls(n, alphabet, n_out, p, density, values, seed, check)

    @property
    def hetero(self) -> bool:
        """Stored with ``store(keys, values)``: the memory's values differ in length from its keys."""
        return self.n_out != self.n

    def fail(self, msg: str) -> None:
        _fail(self.check, msg)

    def patterns(self, count: int, n: int | None = None) -> np.ndarray:
        return _probe_patterns(self.alphabet, count, self.n if n is None else n, self.rng, self.density)

    def batch(self, count: int, first: int) -> tuple[np.ndarray, Any]:
        """``count`` fresh patterns and their values (None for auto-association); ``first``
        rows are already stored."""
        pats = self.patterns(count)
        if self.values is not None:
            return pats, self.values(pats, first)
        if self.hetero:
            return pats, self.patterns(count, self.n_out)
        return pats, None

    def values_like(self, rows: int, first: int, like: np.ndarray) -> Any:
        """Valid values for ``rows`` keys (to pair with bad keys)."""
        if self.values is not None:
            return self.values(np.repeat(like[:1], rows, axis=0), first)
        if self.hetero:
            return self.patterns(rows, self.n_out)
        return None

    @staticmethod
    def store(mem: Any, pats: Any, vals: Any) -> Any:
        return mem.store(pats) if vals is None else mem.store(pats, vals)

    def fill(self, mem: Any) -> tuple[np.ndarray, Any]:
        """Reset ``mem``, store ``n_patterns`` patterns, then one more (online); returns every
        stored pattern and value (values None for auto-association)."""
        mem.reset()
        pats, vals = self.batch(self.n_patterns, 0)
        self.store(mem, pats, vals)
        more, more_vals = self.batch(1, self.n_patterns)
        self.store(mem, more, more_vals)
        all_vals = None if vals is None else np.concatenate([np.asarray(vals), np.asarray(more_vals)])
        return np.concatenate([pats, more]), all_vals

    def expect_error(self, names: tuple[str, ...], fn: Callable, what: str) -> None:
        """``fn()`` must raise ValueError or TypeError whose message names one of ``names``."""
        try:
            fn()
        except (ValueError, TypeError) as exc:
            text = str(exc)
            if not text or not any(nm in text for nm in names):
                self.fail(f"{what}: the error must name the argument ({' or '.join(names)}), got {text!r}")
            return
        except Exception as exc:  # wrong kind of error
            self.fail(f"{what}: expected ValueError or TypeError, got {type(exc).__name__}: {exc}")
        self.fail(f"{what}: accepted without error")


# --------------------------------------------------------------------------- the checks

#: The named checks, in the order :func:`check_memory` runs them: name -> ``check(mem, probe)``.
CHECKS: dict[str, Callable[[Any, Probe], None]] = {}

def _check(fn: Callable[[Any, Probe], None]) -> Callable[[Any, Probe], None]:
    CHECKS[fn.__name__] = fn
    return fn


@_check
def follows_the_protocol(mem: Any, probe: Probe) -> None:
    """``n`` (int >= 1), ``alphabet`` (one of "pm1", "binary", "ternary", "real") and the
    methods store, recall, reset, state_dict, load_state_dict, ``__len__``. Every run starts
    with it: the other checks need ``n`` and ``alphabet``."""
    _protocol(mem, probe.check or "follows_the_protocol")


@_check
def reset_forgets(mem: Any, probe: Probe) -> None:
    """A reset memory holds nothing, also after storage, and stores afresh after it."""
    mem.reset()
    if len(mem) != 0:
        probe.fail(f"len(mem) is {len(mem)} after reset(), expected 0")
    probe.fill(mem)
    mem.reset()
    if len(mem) != 0:
        probe.fail(f"len(mem) is {len(mem)} after storing {probe.n_patterns + 1} patterns and reset(), expected 0")
    pats, vals = probe.batch(probe.n_patterns, 0)
    probe.store(mem, pats, vals)
    if len(mem) != probe.n_patterns:
        probe.fail(f"len(mem) is {len(mem)} after reset() and storing {probe.n_patterns} patterns")
    overlaps = getattr(mem.recall(pats.copy()), "overlaps", None)
    if probe.values is None and overlaps is not None:
        overlaps = _host(overlaps)
        if overlaps.ndim == 2 and overlaps.shape[1] != probe.n_patterns:
            probe.fail(f"after reset() and storing {probe.n_patterns} patterns, recall reports {overlaps.shape[1]} "
                       f"stored items (overlaps columns)")


@_check
def stores_batches_online(mem: Any, probe: Probe) -> None:
    """``len`` counts the stored rows; storage is online (a second batch adds to the first)."""
    p = probe.n_patterns
    mem.reset()
    pats, vals = probe.batch(p, 0)
    probe.store(mem, pats, vals)
    if len(mem) != p:
        probe.fail(f"len(mem) is {len(mem)} after storing {p} patterns")
    more, more_vals = probe.batch(1, p)
    probe.store(mem, more, more_vals)
    if len(mem) != p + 1:
        probe.fail(f"len(mem) is {len(mem)} after storing {p} then 1 more pattern (online storage)")


@_check
def recall_shapes_and_types(mem: Any, probe: Probe) -> None:
    """``recall`` returns a Recall-like object: states (B, n_out) in the alphabet (finite
    reals for "real"), overlaps (B, P), steps and converged (B,)."""
    all_pats, _ = probe.fill(mem)
    out = mem.recall(all_pats.copy())
    for attr in ("states", "overlaps", "steps", "converged"):
        if not hasattr(out, attr):
            probe.fail(f"recall() result has no attribute {attr!r} (return an assoc.memory.Recall)")
    b = len(all_pats)
    states = _host(out.states)
    overlaps = _host(out.overlaps)
    if states.shape != (b, probe.n_out):
        probe.fail(f"states must have shape {(b, probe.n_out)}, got {states.shape}")
    if overlaps.ndim != 2 or overlaps.shape[0] != b:
        probe.fail(f"overlaps must have shape ({b}, P), got {overlaps.shape}")
    for attr in ("steps", "converged"):
        shape = np.shape(_host(getattr(out, attr)))
        if shape != (b,):
            probe.fail(f"{attr} must have shape ({b},), got {shape}")
    if probe.alphabet == "real":
        if not np.all(np.isfinite(states.astype(np.float64))):
            probe.fail("states contain NaN or infinite values")
    else:
        allowed = ALPHABETS["ternary" if probe.alphabet == "pm1" else probe.alphabet]
        if not np.isin(states, allowed).all():
            probe.fail(f"states must hold values in {set(allowed)}, found {np.unique(states)[:5].tolist()}")


@_check
def overlaps_are_cosines(mem: Any, probe: Probe) -> None:
    """``overlaps[b, i]`` is the cosine of final state b with stored item i's target (the
    pattern, or the value for hetero-association), 0 where either is all zero (see
    :class:`assoc.memory.Recall`), for cues that are stored patterns and for random cues."""
    all_pats, all_vals = probe.fill(mem)
    targets = np.asarray(all_vals) if probe.hetero else all_pats
    if targets.ndim != 2 or targets.shape != (len(all_pats), probe.n_out):
        probe.fail(f"the stored values have shape {targets.shape}, not (P, n_out={probe.n_out}) vectors, so their "
                   f"cosine with the states is undefined; leave this check out for such a memory")
    for what, cues in (("stored patterns", all_pats), ("random cues", probe.patterns(2))):
        out = mem.recall(cues.copy())
        states, overlaps = _host(out.states), _host(out.overlaps)
        if overlaps.shape != (len(cues), len(targets)):
            probe.fail(f"overlaps for {len(cues)} {what} must have shape {(len(cues), len(targets))} (one column "
                       f"per stored item), got {overlaps.shape}")
        if not np.issubdtype(overlaps.dtype, np.floating):
            probe.fail(f"overlaps must be floats, got dtype {overlaps.dtype}")
        want = cosine_overlaps(states, targets)
        bad = ~np.isclose(overlaps, want, rtol=0, atol=1e-9)
        if bad.any():
            b, i = np.argwhere(bad)[0]
            probe.fail(f"with {what} as cues, overlaps[{b}, {i}] is {overlaps[b, i]:.6g} but the cosine of state "
                       f"{b} with stored target {i} is {want[b, i]:.6g} ({int(bad.sum())} entries differ)")


@_check
def retrieves_stored_patterns(mem: Any, probe: Probe) -> None:
    """At low load (a few random patterns) every stored pattern, cued with itself (or its
    key), is the one its recall lands on (``overlaps`` argmax), also for a batch of one."""
    all_pats, _ = probe.fill(mem)
    p, b = probe.n_patterns, len(all_pats)
    overlaps = _host(mem.recall(all_pats.copy()).overlaps)
    if overlaps.shape[1] == p + 1:
        best = overlaps.argmax(axis=1)
        wrong = np.nonzero(best != np.arange(b))[0]
        if wrong.size:
            probe.fail(f"cued with stored pattern(s) {wrong.tolist()}, recall landed on {best[wrong].tolist()} "
                       f"(P={p + 1}, n={probe.n}: far below any capacity)")
        one = _host(mem.recall(all_pats[-1:].copy()).overlaps)
        if one.shape[0] != 1 or one.argmax(axis=1)[0] != p:
            probe.fail("a batch of one (the last stored pattern) did not land on its pattern")
    elif probe.values is None:
        probe.fail(f"overlaps must have one column per stored pattern ({p + 1}), got {overlaps.shape[1]}")


@_check
def inputs_left_untouched(mem: Any, probe: Probe) -> None:
    """``store`` and ``recall`` leave the caller's arrays untouched."""
    mem.reset()
    pats, vals = probe.batch(probe.n_patterns, 0)
    pats_copy = pats.copy()
    vals_copy = None if vals is None else np.array(vals, copy=True)
    probe.store(mem, pats, vals)
    if not np.array_equal(pats, pats_copy) or (vals is not None and not np.array_equal(np.asarray(vals), vals_copy)):
        probe.fail("store() modified the caller's arrays")
    cues = pats_copy.copy()
    mem.recall(cues)
    if not np.array_equal(cues, pats_copy):
        probe.fail("recall() modified the caller's cues")


@_check
def state_dict_round_trip(mem: Any, probe: Probe) -> None:
    """The state pickles and does not change when more is stored (no aliasing); a copy
    loaded from it recalls exactly what the original recalled when the state was taken;
    loading it back undoes later storage."""
    all_pats, _ = probe.fill(mem)
    p = probe.n_patterns
    cues = all_pats.copy()
    state = mem.state_dict()
    try:
        blob = pickle.dumps(state)
    except Exception as exc:
        probe.fail(f"state_dict() does not pickle: {exc}")
    twin = _clone(mem)
    ref = mem.recall(cues)
    extra, extra_vals = probe.batch(2, p + 1)
    probe.store(mem, extra, extra_vals)
    if pickle.dumps(state) != blob:
        probe.fail("a state taken earlier changed when more patterns were stored: state_dict() must copy, not "
                   "alias, the memory's arrays")
    twin.reset()
    twin.load_state_dict(pickle.loads(blob))
    if len(twin) != p + 1:
        probe.fail(f"a reset copy loaded from state_dict() holds {len(twin)} patterns, expected {p + 1}")
    mem.load_state_dict(state)
    if len(mem) != p + 1:
        probe.fail(f"load_state_dict() did not undo later storage: len {len(mem)}, expected {p + 1}")
    got = twin.recall(cues)
    again = mem.recall(cues)
    for name, r in (("a reloaded copy", got), ("the reloaded original", again)):
        if not (np.array_equal(_host(r.states), _host(ref.states)) and
                np.array_equal(_host(r.overlaps), _host(ref.overlaps))):
            probe.fail(f"{name} does not recall exactly what the memory recalled when the state was taken")


@_check
def bad_input_is_refused_and_nothing_half_stored(mem: Any, probe: Probe) -> None:
    """Wrong column count, 1-D input, an empty batch, NaN and (discrete alphabets) an
    out-of-alphabet value raise ValueError/TypeError naming the argument
    (``patterns``/``cues``/``values``), and a refused store stores nothing."""
    all_pats, _ = probe.fill(mem)
    n, n_before = probe.n, len(mem)

    def bad_store(x):
        rows = x.shape[0] if np.ndim(x) == 2 else 1
        return lambda: probe.store(mem, x, probe.values_like(rows, n_before, all_pats))

    wrong_cols = probe.patterns(1, n + 1)
    nan = all_pats[:1].astype(np.float64)
    nan[0, 0] = np.nan
    empty = np.zeros((0, n), dtype=all_pats.dtype)
    cases = [
        ("wrong number of columns", wrong_cols),
        ("a 1-D pattern (not a batch)", all_pats[0]),
        ("NaN", nan),
    ]
    if probe.alphabet != "real":
        bad = all_pats[:1].copy()
        bad[0, 0] = 2
        cases.append(("a value outside the alphabet", bad))
    for what, x in cases:
        probe.expect_error(("patterns",), bad_store(x), f"store() with {what}")
        if len(mem) != n_before:
            probe.fail(f"a refused store() with {what} changed len(mem) from {n_before} to {len(mem)}")
        probe.expect_error(("cues",), lambda x=x: mem.recall(x), f"recall() with {what}")
    probe.expect_error(("patterns",), bad_store(empty), "store() with an empty batch")
    probe.expect_error(("cues",), lambda: mem.recall(empty), "recall() with an empty batch")
    if probe.hetero and probe.values is None:
        probe.expect_error(("values",), lambda: mem.store(all_pats[:2], probe.values_like(3, n_before, all_pats)),
                           "store() with 2 keys and 3 values")
    if len(mem) != n_before:
        probe.fail(f"refused input changed len(mem) from {n_before} to {len(mem)}")


@_check
def empty_recall_is_refused_or_valid(mem: Any, probe: Probe) -> None:
    """After ``reset``, recall raises ValueError or returns states of shape (B, n_out)."""
    mem.reset()
    if len(mem) != 0:
        probe.fail(f"len(mem) is {len(mem)} after reset(), expected 0")
    try:
        res = mem.recall(probe.patterns(1))
    except ValueError:
        return
    except Exception as exc:
        probe.fail(f"recall() on an empty memory must raise ValueError or return a result, got "
                   f"{type(exc).__name__}: {exc}")
    if _host(res.states).shape != (1, probe.n_out):
        probe.fail(f"recall() on an empty memory returned states of shape {_host(res.states).shape}")


# --------------------------------------------------------------------------- check_memory


def check_names(checks: str | Iterable[str] | None) -> list[str]:
    """The check names ``checks`` selects, in the order of :data:`CHECKS` (all for None).

    Unknown names raise ValueError with a suggestion and the allowed names.
    """
    if checks is None:
        return list(CHECKS)
    if isinstance(checks, str):
        checks = [checks]
    try:
        wanted = list(checks)
    except TypeError:
        raise TypeError(f"checks must be None, a check name or a list of them, got {_short(checks)}") from None
    for name in wanted:
        if not isinstance(name, str):
            raise TypeError(f"checks must hold check names (strings), got {_short(name)}")
    unknown = [k for k in wanted if k not in CHECKS]
    if unknown:
        hints = "".join(suggest(k, CHECKS) for k in unknown)
        raise ValueError(f"unknown check(s) {unknown}{hints}; allowed: {list(CHECKS)}")
    chosen = set(wanted)
    return [k for k in CHECKS if k in chosen]


def check_memory(
    mem: Any,
    *,
    checks: str | Iterable[str] | None = None,
    n_patterns: int | None = None,
    values: Callable[[np.ndarray, int], Any] | None = None,
    density: float = 0.1,
    seed: int = 0,
) -> list[str]:
    """Run a memory through the contract of the :class:`assoc.memory.Memory` protocol.

    The memory is reset first and left reset at the end. The checks, in the order of
    :data:`CHECKS` (each failure raises :class:`MemoryCheckError` whose message starts with
    ``[name]``); each stores its own probe patterns, so any subset can run alone:

    ``follows_the_protocol``
        ``n`` (int >= 1), ``alphabet`` (one of "pm1", "binary", "ternary", "real") and the
        methods store, recall, reset, state_dict, load_state_dict, ``__len__``. Always runs
        first: the others need ``n`` and ``alphabet``.
    ``reset_forgets``
        a reset memory holds nothing, also after storage, and stores afresh after it
    ``stores_batches_online``
        ``len`` counts the stored rows; storage is online (a second batch adds)
    ``recall_shapes_and_types``
        ``recall`` returns a Recall-like object: states (B, n_out) in the alphabet (finite
        reals for "real"), overlaps (B, P), steps and converged (B,)
    ``overlaps_are_cosines``
        ``overlaps`` is the cosine of each final state with each stored item's target (the
        pattern, or the value for hetero-association), for stored and for random cues
    ``retrieves_stored_patterns``
        at low load (a few random patterns) every stored pattern, cued with itself (or its
        key), is the one its recall lands on (``overlaps`` argmax), also for a batch of one
    ``inputs_left_untouched``
        store and recall leave the caller's arrays untouched
    ``state_dict_round_trip``
        the state pickles and does not change when more is stored (no aliasing); a copy
        loaded from it recalls exactly what the original recalled when the state was taken;
        loading it back undoes later storage
    ``bad_input_is_refused_and_nothing_half_stored``
        wrong column count, 1-D input, an empty batch, NaN and (discrete alphabets) an
        out-of-alphabet value raise ValueError/TypeError naming the argument
        (``patterns``/``cues``/``values``), and a refused store stores nothing
    ``empty_recall_is_refused_or_valid``
        after ``reset``, recall raises ValueError or returns a valid result

    Parameters
    ----------
    mem : object following the Memory protocol
        Hetero-associative memories (``mem.n_out != mem.n``) are stored with
        ``store(keys, values)`` and random values of ``n_out`` entries.
    checks : str or list of str, optional
        The checks to run (default: all). Unknown names raise ValueError naming the allowed
        ones;
    n_patterns : int, optional
        Patterns stored (default ``max(1, min(4, n // 16))``), plus one more to test online
        storage.
    values : callable, optional
        ``values(patterns, first) -> values`` for memories whose ``store`` needs a second
        argument that is not a pattern batch (e.g. the labels of a dense Hebbian network);
        ``first`` is the number of rows already stored.
    density : float
        Fraction of active bits of the {0,1} probe patterns (0.1: sparse codes; memories
        addressed by Hamming distance to dense random addresses, like Kanerva's, want 0.5).
    seed : int
        Seeds the probe patterns (afresh for every check).

    Returns
    -------
    list of str
        Names of the checks passed, ``follows_the_protocol`` first.
    """
    names = check_names(checks)
    probe = Probe.of(mem, n_patterns=n_patterns, values=values, density=density, seed=seed)
    passed = ["follows_the_protocol"]
    mem.reset()
    for name in names:
        if name == "follows_the_protocol":
            continue
        CHECKS[name](mem, replace(probe, check=name))  # a fresh rng: the same probe data for every check
        passed.append(name)
    mem.reset()
    return passed
