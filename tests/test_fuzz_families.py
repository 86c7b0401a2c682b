"""Hypothesis fuzzing of every registered memory family, through the family registry.

Each family of :data:`assoc.registry.FAMILIES` is built by the registry (``Family.build``) and
``store``, ``recall`` and ``load_state_dict`` get random inputs: every dtype (bool, signed and
unsigned integers, floats of three widths, complex, object, str), shapes (wrong ndim, wrong
number of columns, zero rows, zero columns, ragged nested lists), values (outside the alphabet,
NaN, +/-inf, huge), lists and tuples instead of arrays, mismatched key/value row counts for
hetero-association, and for ``load_state_dict`` states of another class, of another size,
with a key missing or a value of the wrong type.

The property: an input is accepted exactly when it is valid for the family's alphabet and
size (:func:`valid_batch`, the oracle below), and otherwise the call raises ValueError or
TypeError whose message names the parameter ("patterns", "cues", "values", "state"), with
nothing half-stored: ``len(mem)`` and ``mem.state_dict()`` are what they were before.

The oracle is written here from the rules of :func:`assoc.memory.check_patterns` (not by
calling it): a regular array (no ragged nesting) of dtype bool, integer or float (never
complex, object or str); two dimensions, at least one row, exactly ``n`` columns; finite
floats; values in the alphabet (``pm1`` {-1, +1}, never bool; ``binary`` {0, 1}; ``ternary``
{-1, 0, +1}; ``real`` any finite number, never bool, each row's squared norm finite too).
Cues are ternary for +/-1 and ternary families that take erased cues (registry cue kind
``erase``). By mode: hetero-association
takes ``(B, n_out)`` binary values with one row per key; auto-association takes
``values=None``; a family whose registry store passes labels (1-D integers) takes one
non-negative integer label per row, every label with the same number of examples.

In-alphabet values only ever come from the family's own generators (``Family.patterns``,
``Family.corrupt``), so family-specific extras (at least one active bit per row, at least
``synapses`` active cells) hold for every valid input; the mutations only insert values
outside the alphabet (huge finite values stay valid for real patterns).

The Brian2 families are not fuzzed (see :data:`NOT_FUZZED`); their input validation is
covered by explicit bad-input cases at the end of this module.
"""

from __future__ import annotations

import copy
import functools
import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assoc.memory import to_numpy
from assoc.registry import FAMILIES, get_family

#: Families left out of the fuzzing, with the reason (the only such list).
NOT_FUZZED = {
    "ca3": "Brian2 spiking network: building and running it takes seconds per example, too slow "
           "for fuzzing; its input validation is covered by explicit bad-input cases below",
    "ca3_cam": "Brian2 spiking network: building and running it takes seconds per example, too slow "
               "for fuzzing; its input validation is covered by explicit bad-input cases below",
}

N = 24        # pattern length of every fuzzed memory
N_OUT = 10    # value length of the hetero memories
PREFILL = 3   # items stored before each fuzzed call (so that a half-stored batch would show)
EXAMPLES = 25
SLOW_EXAMPLES = 300

ALLOWED = {"pm1": (-1, 1), "binary": (0, 1), "ternary": (-1, 0, 1)}
DTYPES = (None, np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.float16, np.float32, np.float64,
          np.complex128, object, str)
SHAPES = ("same", "same", "1d", "3d", "0d", "cols+1", "cols-1", "rows0", "cols0")
CONTAINERS = ("array", "array", "list", "tuple", "ragged")
INT_VALUES = (0, -1, 1, 2, -2, 3, 127, -128, 255, 2**31, 2**40, -(2**62))
FLOAT_VALUES = (0.5, -0.5, 1e-300, 1e6, 1e300, -1e300, math.nan, math.inf, -math.inf)
REAL_VALUES = (math.nan, math.inf, -math.inf, 1e300, -1e300, 1e6, 2**40)


# --------------------------------------------------------------------------- the oracle


def as_array(x):
    """``x`` as NumPy makes it, or None where it cannot (ragged nesting)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.asarray(x)
    except (ValueError, TypeError):
        return None


def valid_batch(x, alphabet: str, n: int) -> bool:
    """Whether ``x`` is a valid ``(B, n)`` batch of the alphabet (see the module notes)."""
    a = as_array(x)
    if a is None or a.dtype.kind not in "biuf":
        return False
    if a.ndim != 2 or a.shape[0] < 1 or a.shape[1] != n:
        return False
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        return False
    if a.dtype.kind == "b":
        return alphabet in ("binary", "ternary")
    if alphabet == "real":  # finite, and so is each row's squared norm (dot products stay finite)
        with np.errstate(over="ignore"):
            return bool(np.isfinite((a.astype(np.float64) ** 2).sum(axis=1)).all())
    return bool(np.isin(a, ALLOWED[alphabet]).all())


def valid_labels(x, rows: int, existing: np.ndarray) -> bool:
    """One non-negative integer label per row, every label with as many examples as the others."""
    a = as_array(x)
    if a is None or a.dtype.kind not in "iu" or a.shape != (rows,) or (a < 0).any():
        return False
    _, counts = np.unique(np.concatenate([existing, a.astype(np.int64)]), return_counts=True)
    return bool((counts == counts[0]).all())


def cue_alphabet(fam) -> str:
    if fam.alphabet in ("pm1", "ternary") and "erase" in fam.cue_kinds:
        return "ternary"
    return fam.alphabet


# --------------------------------------------------------------------------- the registry side


def build(fam, *, seed: int = 0, n: int = N, n_out: int | None = None):
    """A fresh memory of the family, small, on the numpy backend."""
    params = {k: v for k, v in fam.agent_defaults.items() if k in fam.params}
    return fam.build(n, params, backend="numpy", seed=seed, n_out=n_out)


def patterns(fam, rows: int, rng: np.random.Generator, n: int = N) -> np.ndarray:
    return fam.patterns(rows, n, fam.coding_level(n, dict(fam.agent_defaults)), rng)


def cues(fam, rows: int, rng: np.random.Generator) -> np.ndarray:
    kinds = [k for k in fam.cue_kinds if not (fam.alphabet == "binary" and k == "flip")]  # keeps rows active
    kind = kinds[rng.integers(len(kinds))]
    return fam.corrupt(patterns(fam, rows, rng), kind, float(rng.uniform(0, 0.5)), rng)


class _Recorder:
    """Stands in for a memory to see what the registry's ``Family.store`` passes to ``store``."""

    def __init__(self):
        self.calls = []

    def store(self, *args):
        self.calls.append(args)

    def depress(self, fraction):
        pass


def registry_values(fam, rows: int, start: int):
    """What ``Family.store`` passes as ``values`` for a batch of ``rows`` items: None
    (auto-association), ``"items"`` (the items themselves: hetero) or an array of labels."""
    items = np.zeros((rows, N), dtype=np.int8)
    rec = _Recorder()
    fam.store(rec, items, start=start)
    args = rec.calls[0]
    if len(args) < 2 or args[1] is None:
        return None
    return "items" if args[1] is items else np.asarray(args[1])


def rows_of(x) -> int:
    """A row count for ``x`` that never fails (0 for scalars and unsized inputs)."""
    if isinstance(x, (list, tuple)):
        return len(x)
    return int(np.shape(x)[0]) if np.ndim(x) else 0


def store_args(fam, x, start: int):
    """``(patterns, values)`` as the registry stores the items ``x``."""
    vals = registry_values(fam, rows_of(x), start)
    if isinstance(vals, str):
        return x, x
    return x, vals


def prefilled(fam, *, seed: int = 0, n_out: int | None = None, items: int = PREFILL, n: int = N):
    mem = build(fam, seed=seed, n=n, n_out=n_out)
    rng = np.random.default_rng(1000 + seed)
    x = patterns(fam, items, rng, n)
    if n_out is None:
        fam.store(mem, x, start=0)
    else:
        mem.store(x, patterns(fam, items, rng, n_out))
    return mem


# --------------------------------------------------------------------------- state comparison


def assert_same_state(a, b, path="state"):
    if isinstance(b, dict):
        assert isinstance(a, dict) and sorted(a) == sorted(b), f"{path}: keys {sorted(a)} != {sorted(b)}"
        for k in b:
            assert_same_state(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(b, np.ndarray):
        a = np.asarray(a)
        assert a.shape == b.shape and a.dtype == b.dtype, f"{path}: {a.dtype}{a.shape} != {b.dtype}{b.shape}"
        np.testing.assert_array_equal(a, b, err_msg=path)
    elif isinstance(b, (list, tuple)):
        assert isinstance(a, (list, tuple)) and len(a) == len(b), path
        for i, (u, v) in enumerate(zip(a, b)):
            assert_same_state(u, v, f"{path}[{i}]")
    else:
        assert a == b and type(a) is type(b), f"{path}: {a!r} != {b!r}"


def snapshot(mem):
    return len(mem), mem.state_dict()


def assert_unchanged(mem, before):
    assert len(mem) == before[0], "a refused call changed len(mem): half-stored"
    assert_same_state(mem.state_dict(), before[1])


def refused(call, name: str, mem):
    """``call()`` raises ValueError or TypeError naming ``name``, and leaves ``mem`` as it was."""
    before = snapshot(mem)
    with pytest.raises((ValueError, TypeError)) as err:
        call()
    assert name in str(err.value), f"the message does not name {name!r}: {err.value}"
    assert_unchanged(mem, before)


# --------------------------------------------------------------------------- strategies


def _put(a: np.ndarray, index: tuple, value) -> np.ndarray:
    """``a`` with ``a[index] = value``, promoted to float64 where ``value`` does not fit."""
    if a.dtype.kind in "biu":
        fits = (a.dtype.kind != "b" and isinstance(value, int)
                and np.iinfo(a.dtype).min <= value <= np.iinfo(a.dtype).max)
        if not fits:
            a = a.astype(np.float64)
    elif a.dtype.kind == "U":
        a = a.astype(object)
    a = a.copy()
    with np.errstate(over="ignore", invalid="ignore"):
        a[index] = value
    return a


def _reshape(a: np.ndarray, how: str) -> np.ndarray:
    if a.ndim != 2 or a.shape[0] == 0:
        return a
    return {"same": a, "1d": a[0], "3d": a[None], "0d": a[:1, :1].reshape(()),
            "cols+1": np.concatenate([a, a[:, :1]], axis=1), "cols-1": a[:, :-1], "rows0": a[:0],
            "cols0": a[:, :0]}[how]


def _contain(a: np.ndarray, how: str):
    if how == "array":
        return a
    rows = a.tolist()
    if how == "list" or not isinstance(rows, list):
        return rows
    if how == "tuple":
        return tuple(tuple(r) if isinstance(r, list) else r for r in rows)
    if a.ndim == 2 and len(rows) and len(rows[0]):  # ragged: one more, shorter row
        return rows + [rows[0][:-1]]
    if a.ndim == 1 and len(rows):
        return rows[:-1] + [[rows[-1], rows[-1]]]
    return rows


@st.composite
def fuzzed(draw, make, alphabet: str):
    """A batch from ``make(rng)`` (valid), then a random dtype, value, shape and container."""
    seed = draw(st.integers(0, 2**32 - 1))
    a = make(np.random.default_rng(seed))
    dtype = draw(st.sampled_from(DTYPES))
    if dtype is not None:
        with np.errstate(over="ignore", invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = a.astype(dtype)
    if a.size and draw(st.booleans()):
        if alphabet == "real":
            pool = REAL_VALUES
        elif alphabet == "labels":  # negative, huge, a label already in use, not an integer
            pool = (-1, 2**40, 0, PREFILL, 0.5, math.nan)
        else:
            pool = [v for v in INT_VALUES + FLOAT_VALUES
                    if not (math.isfinite(v) and v in ALLOWED[alphabet])]
        index = tuple(draw(st.integers(0, s - 1)) for s in a.shape)
        a = _put(a, index, draw(st.sampled_from(pool)))
    if a.ndim == 2:
        a = _reshape(a, draw(st.sampled_from(SHAPES)))
    else:
        a = {"same": a, "2d": a[None], "0d": a[:1].reshape(()), "short": a[:-1], "rows0": a[:0]}[
            draw(st.sampled_from(("same", "same", "2d", "0d", "short", "rows0")))]
    return _contain(a, draw(st.sampled_from(CONTAINERS)))


# --------------------------------------------------------------------------- the properties


def fuzz_store(fam, data):
    """``store(patterns)`` (with the registry's values: the items for hetero, labels for labelled)."""
    mem = prefilled(fam)
    rows = data.draw(st.integers(1, 4), label="rows")
    x = data.draw(fuzzed(lambda rng: patterns(fam, rows, rng), fam.alphabet), label="patterns")
    keys, values = store_args(fam, x, len(mem))
    if valid_batch(x, fam.alphabet, N):
        before = len(mem)
        mem.store(keys, values)
        assert len(mem) == before + as_array(x).shape[0]
        recall_finite(mem, cues(fam, 2, np.random.default_rng(rows)))  # what was stored can be recalled
    else:
        refused(lambda: mem.store(keys, values), "patterns", mem)


def recall_finite(mem, x):
    """``mem.recall(x)`` without overflow or NaN on the way, one finite state per cue."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        out = mem.recall(x)
    states = np.asarray(to_numpy(out.states))
    assert states.shape[0] == as_array(x).shape[0]
    assert np.isfinite(states.astype(np.float64)).all()
    assert np.asarray(to_numpy(out.overlaps)).shape == (states.shape[0], len(mem))


def fuzz_values(fam, data):
    """``store(patterns, values)``: hetero values of any kind and row count; values for an
    auto-associative family; labels for a labelled one."""
    kind = registry_values(fam, 1, PREFILL)
    hetero = fam.mode in ("hetero", "both")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    rows = data.draw(st.integers(1, 4), label="rows")
    if hetero:
        mem = prefilled(fam, n_out=N_OUT)
        other = max(0, rows + data.draw(st.sampled_from((0, 0, -1, 1)), label="row shift"))
        if data.draw(st.booleans(), label="fuzz the values"):
            keys = patterns(fam, rows, rng)
            values = data.draw(st.none() | fuzzed(lambda r: patterns(fam, other, r, N_OUT), fam.alphabet),
                               label="values")
        else:  # the keys side: bad keys, or as many keys as the other row count
            keys = data.draw(fuzzed(lambda r: patterns(fam, other, r), fam.alphabet), label="keys")
            values = patterns(fam, rows, rng, N_OUT)
        if not valid_batch(keys, fam.alphabet, N):
            refused(lambda: mem.store(keys, values), "patterns", mem)
        elif valid_batch(values, fam.alphabet, N_OUT) and as_array(values).shape[0] == as_array(keys).shape[0]:
            before = len(mem)
            mem.store(keys, values)
            assert len(mem) == before + rows_of(keys)
        else:
            refused(lambda: mem.store(keys, values), "values", mem)
        return
    mem = prefilled(fam)
    keys = patterns(fam, rows, rng)
    if kind is None:  # auto-association: values must be None
        values = data.draw(st.none() | fuzzed(lambda r: patterns(fam, rows, r), fam.alphabet), label="values")
        if values is None:
            mem.store(keys, None)
            assert len(mem) == PREFILL + rows
        else:
            refused(lambda: mem.store(keys, values), "values", mem)
        return
    existing = registry_values(fam, PREFILL, 0)  # the labels of the prefill
    values = data.draw(fuzzed(lambda r: np.arange(PREFILL, PREFILL + rows), "labels"), label="labels")
    if valid_labels(values, rows, existing):
        mem.store(keys, values)
        assert len(mem) == PREFILL + rows
    else:
        refused(lambda: mem.store(keys, values), "values", mem)


def fuzz_recall(fam, data):
    mem = prefilled(fam)
    rows = data.draw(st.integers(1, 4), label="rows")
    alphabet = cue_alphabet(fam)
    x = data.draw(fuzzed(lambda rng: cues(fam, rows, rng), alphabet), label="cues")
    if valid_batch(x, alphabet, N):
        recall_finite(mem, x)
    else:
        refused(lambda: mem.recall(x), "cues", mem)


@functools.lru_cache(maxsize=None)
def _state_of(name: str, n: int) -> dict:
    return prefilled(get_family(name), seed=7, n=n).state_dict()


JUNK = (None, "junk", 1.5, object(), np.zeros((2, 3, 4)))


def fuzz_load_state(fam, data):
    mem = prefilled(fam)
    kind = data.draw(st.sampled_from(("valid", "valid", "not a dict", "other class", "other size", "missing key",
                                      "wrong type", "params")), label="kind")
    if kind == "valid":
        other = prefilled(fam, seed=data.draw(st.integers(1, 50), label="seed"),
                          items=data.draw(st.integers(1, 4), label="items"))
        state = copy.deepcopy(other.state_dict())
        mem.load_state_dict(state)
        assert_same_state(mem.state_dict(), state)
        assert len(mem) == len(other)
        return
    state = copy.deepcopy(_state_of(fam.name, N))
    if kind == "not a dict":
        state = data.draw(st.sampled_from((None, "state", 3, list(state.items()), tuple(state))), label="state")
    elif kind == "other class":
        names = [f for f in FAMILIES if f not in NOT_FUZZED and FAMILIES[f].class_name != fam.class_name]
        state = copy.deepcopy(_state_of(data.draw(st.sampled_from(names), label="other"), N))
    elif kind == "other size":
        state = copy.deepcopy(_state_of(fam.name, data.draw(st.sampled_from((N - 1, N + 1, 2 * N)), label="n")))
    elif kind == "missing key":
        del state[data.draw(st.sampled_from(sorted(state)), label="key")]
    elif kind == "wrong type":
        key = data.draw(st.sampled_from(sorted(state)), label="key")
        junk = data.draw(st.sampled_from(JUNK), label="junk")
        state[key] = "junk" if (key == "seed" and junk is None) else junk  # a None seed is valid
    else:
        params = state["params"]
        how = data.draw(st.sampled_from(("not a dict", "missing", "unknown", "wrong type")), label="how")
        if how == "not a dict":
            state["params"] = data.draw(st.sampled_from(("junk", 3, None, list(params.items()))))
        elif how == "unknown":
            params["bogus"] = 1
        elif params:
            key = data.draw(st.sampled_from(sorted(params)), label="param")
            if how == "missing":
                del params[key]
            else:
                params[key] = object()
        else:
            params["bogus"] = 1
    refused(lambda: mem.load_state_dict(state), "state", mem)


OPERATIONS = {"store": fuzz_store, "values": fuzz_values, "recall": fuzz_recall, "load_state_dict": fuzz_load_state}
CELLS = [(f, op) for f in FAMILIES for op in OPERATIONS]
IDS = [f"{f}-{op}" for f, op in CELLS]


def run(name: str, op: str, examples: int) -> None:
    if name in NOT_FUZZED:
        pytest.skip(NOT_FUZZED[name])
    fam = get_family(name)

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=st.data())
    def check(data):
        OPERATIONS[op](fam, data)

    check()


@pytest.mark.parametrize("name,op", CELLS, ids=IDS)
def test_fuzz(name, op):
    run(name, op, EXAMPLES)


@pytest.mark.slow
@pytest.mark.parametrize("name,op", CELLS, ids=IDS)
def test_fuzz_more_examples(name, op):
    run(name, op, SLOW_EXAMPLES)


def test_every_family_is_fuzzed_or_declares_why_not():
    assert set(NOT_FUZZED) <= set(FAMILIES)
    assert all(reason.strip() for reason in NOT_FUZZED.values())


# --------------------------------------------------------------------------- Brian2 families


BAD_BATCHES = {
    "complex": lambda n: np.ones((1, n), dtype=complex),
    "str": lambda n: [["1"] * n],
    "object": lambda n: np.ones((1, n), dtype=object),
    "nan": lambda n: np.full((1, n), np.nan),
    "inf": lambda n: np.full((1, n), np.inf),
    "outside": lambda n: 2 * np.ones((1, n), dtype=np.int8),
    "huge": lambda n: np.full((1, n), 1e300),
    "1d": lambda n: np.ones(n, dtype=np.int8),
    "3d": lambda n: np.ones((1, 1, n), dtype=np.int8),
    "columns": lambda n: np.ones((1, n + 1), dtype=np.int8),
    "zero rows": lambda n: np.ones((0, n), dtype=np.int8),
    "zero columns": lambda n: np.ones((1, 0), dtype=np.int8),
    "ragged": lambda n: [[1] * n, [1] * (n - 1)],
}


@pytest.fixture
def ca3():
    pytest.importorskip("brian2")
    return get_family("ca3").build(12, {"p": 0.3, "a": 0.25, "target": "numpy"}, seed=0)


@pytest.fixture
def cam():
    pytest.importorskip("brian2")
    return get_family("ca3_cam").build(4, {"n_cues": 2, "target": "numpy"})


def _ca3_same(mem, before):
    assert len(mem) == before[0]
    np.testing.assert_array_equal(mem.patterns, before[1])


@pytest.mark.parametrize("bad", sorted(BAD_BATCHES))
def test_ca3_refuses_bad_patterns_and_cues(ca3, bad):
    x = BAD_BATCHES[bad](ca3.n)
    for call, name in ((ca3.store, "patterns"), (ca3.recall, "cues")):
        before = (len(ca3), ca3.patterns.copy())
        with pytest.raises((ValueError, TypeError), match=name):
            call(x)
        _ca3_same(ca3, before)


def test_ca3_refuses_silent_patterns(ca3):
    with pytest.raises(ValueError, match="patterns"):
        ca3.store(np.zeros((1, ca3.n), dtype=np.int8))
    assert len(ca3) == 0


def _ca3_state(mem, n=None):
    """A CA3Network state made by hand (state_dict() would build the Brian2 network)."""
    n = mem.n if n is None else n
    return {"class": "CA3Network", "n": n, "patterns": np.zeros((0, n), dtype=np.int8), "w": np.zeros(3),
            "params": {k: getattr(mem, k) for k in ("p", "a", "J", "k_inh", "eta_plus", "eta_minus", "w_max",
                                                     "w_init", "decay", "cholinergic", "dt", "seed", "target")}}


@pytest.mark.parametrize("bad", ["none", "list", "other class", "other size", "missing params", "missing n",
                                 "missing w", "missing patterns", "params not a dict", "other seed", "n array",
                                 "class array", "w junk", "patterns junk"])
def test_ca3_refuses_bad_states(ca3, bad):
    state = _ca3_state(ca3)
    if bad == "none":
        state = None
    elif bad == "list":
        state = list(state.items())
    elif bad == "other class":
        state = _state_of("hopfield", ca3.n)
    elif bad == "other size":
        state = _ca3_state(ca3, ca3.n + 1)
    elif bad.startswith("missing"):
        del state[bad.split()[1]]
    elif bad == "params not a dict":
        state["params"] = "junk"
    elif bad in ("n array", "class array"):
        state[bad.split()[0]] = np.zeros((2, 3, 4))
    elif bad.endswith("junk"):
        state[bad.split()[0]] = "junk"
    else:
        state["params"]["seed"] = 99
    before = (len(ca3), ca3.patterns.copy())
    with pytest.raises((ValueError, TypeError), match="state"):
        ca3.load_state_dict(state)
    _ca3_same(ca3, before)


@pytest.mark.parametrize("bad", sorted(BAD_BATCHES))
def test_cam_refuses_bad_contents(cam, bad):
    refused(lambda: cam.store([0], BAD_BATCHES[bad](cam.n)), "contents", cam)


@pytest.mark.parametrize("cue", [[2], [-1], [0.0], [True], [[0]], [], "0", None, [[0], [1, 1]]])
def test_cam_refuses_bad_cues(cam, cue):
    contents = np.ones((1, cam.n), dtype=np.int8)
    refused(lambda: cam.store(cue, contents), "cues", cam)
    refused(lambda: cam.recall(cue), "cues", cam)


def test_cam_refuses_mismatched_rows_and_silent_contents(cam):
    refused(lambda: cam.store([0, 1], np.ones((1, cam.n), dtype=np.int8)), "contents", cam)
    refused(lambda: cam.store([0], np.zeros((1, cam.n), dtype=np.int8)), "contents", cam)
    refused(lambda: cam.recall_by_content(np.zeros((1, cam.n), dtype=np.int8)), "fragments", cam)


@pytest.mark.parametrize("bad", ["none", "other class", "other size", "missing n_cues", "missing log",
                                 "missing config", "op_ms junk", "dt junk", "config junk", "log junk",
                                 "log bad cue", "log bad bits", "n array", "log ragged"])
def test_cam_refuses_bad_states(cam, bad):
    state = copy.deepcopy(cam.state_dict())
    if bad == "none":
        state = None
    elif bad == "other class":
        state = _state_of("willshaw", cam.n)
    elif bad == "other size":
        state["n"] = cam.n + 1
    elif bad.startswith("missing"):
        del state[bad.split()[1]]
    elif bad.endswith("junk"):
        state[bad.split()[0]] = "junk"
    elif bad == "n array":
        state["n"] = np.zeros((2, 3, 4))
    elif bad == "log ragged":
        state["log"] = [("learn", 0, [[1], [1, 1]])]
    elif bad == "log bad cue":
        state["log"] = [("learn", 7, np.ones(cam.n, dtype=np.int8))]
    else:
        state["log"] = [("learn", 0, np.full(cam.n, 3))]
    refused(lambda: cam.load_state_dict(state), "state", cam)
