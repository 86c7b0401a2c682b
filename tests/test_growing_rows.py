"""Stored arrays grown with spare rows (assoc.memory.append_rows / set_rows) hold exactly what
np.concatenate gave, and the memories built on them store, save and read exactly as before."""

from __future__ import annotations

import copy
import importlib

import numpy as np
import pytest

from assoc import memory
from assoc.agents import EpisodicMemory, episodic_families
from assoc.memory import append_rows, set_rows


class _Owner:
    pass


def _same_array(a: np.ndarray, b: np.ndarray) -> None:
    assert a.dtype == b.dtype and a.shape == b.shape
    assert a.flags.c_contiguous
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.int8, np.int64, np.uint64, np.float64])
@pytest.mark.parametrize("row_shape", [(), (5,), (2, 3)])
def test_append_rows_is_concatenate(dtype, row_shape):
    rng = np.random.default_rng(0)
    owner = _Owner()
    owner.x = np.zeros((0,) + row_shape, dtype=dtype)
    ref = owner.x
    handed = []
    for step in range(60):
        rows = (rng.integers(-3, 4, size=(int(rng.integers(0, 7)),) + row_shape) % 5).astype(dtype)
        if step == 30:  # a state loaded: appends continue from it in place
            set_rows(owner, "x", ref)
        out = append_rows(owner, "x", rows)
        ref = np.concatenate([ref, rows])
        assert out is owner.x
        assert all(out is not h for h, _ in handed)  # a new object every time (caches key on identity)
        _same_array(out, ref)
        handed.append((out, out.copy()))
    for h, was in handed:  # rows go past the end of every array handed out: none of them changed
        np.testing.assert_array_equal(h, was)
    buf = owner._row_buffers["x"][0]
    assert buf.shape[0] > owner.x.shape[0] and owner.x.base is buf  # appends land in a buffer with spare rows


def test_append_rows_other_dtype_or_shape_is_concatenate():
    owner = _Owner()
    owner.x = np.arange(6, dtype=np.int8).reshape(3, 2)
    set_rows(owner, "x", owner.x)
    out = append_rows(owner, "x", np.array([[1.5, 2.5]]))  # promotion, as np.concatenate does
    _same_array(out, np.concatenate([np.arange(6, dtype=np.int8).reshape(3, 2), [[1.5, 2.5]]]))
    with pytest.raises(ValueError):
        append_rows(owner, "x", np.zeros((1, 3)))


def test_rebound_or_copied_arrays_start_a_new_buffer():
    owner = _Owner()
    owner.x = np.zeros((4, 2), dtype=np.int64)
    append_rows(owner, "x", np.ones((1, 2), dtype=np.int64))
    # a rebind (a reset, a load) leaves the old buffer
    owner.x = np.full((2, 2), 7, dtype=np.int64)
    _same_array(append_rows(owner, "x", np.ones((1, 2), dtype=np.int64)), np.array([[7, 7], [7, 7], [1, 1]]))
    # a deep copy whose array is then written in place (EpisodicMemory's LRU ticks) keeps the write
    twin = copy.deepcopy(owner)
    twin.x[0, 0] = -5
    _same_array(append_rows(twin, "x", np.ones((1, 2), dtype=np.int64)),
                np.array([[-5, 7], [7, 7], [1, 1], [1, 1]]))
    _same_array(owner.x, np.array([[7, 7], [7, 7], [1, 1]]))
    # a shallow copy shares the buffer: the two owners' appends never overwrite each other's rows
    other = copy.copy(owner)
    a = append_rows(owner, "x", np.full((1, 2), 2, dtype=np.int64))
    b = append_rows(other, "x", np.full((1, 2), 3, dtype=np.int64))
    _same_array(a, np.array([[7, 7], [7, 7], [1, 1], [2, 2]]))
    _same_array(b, np.array([[7, 7], [7, 7], [1, 1], [3, 3]]))


def _concatenating(monkeypatch):
    """Patch every module that grows arrays back to np.concatenate and plain copies."""

    def append(owner, name, rows):
        out = np.concatenate([getattr(owner, name), rows])
        setattr(owner, name, out)
        return out

    def put(owner, name, rows):
        out = np.array(rows)
        setattr(owner, name, out)
        return out

    for mod in ("assoc.memory", "assoc.agents.episodic", "assoc.memories.dense", "assoc.memories.modern",
                "assoc.memories.willshaw", "assoc.memories.kanerva", "assoc.memories.sparsey",
                "assoc.memories.segments", "assoc.memories.fastweight"):
        m = importlib.import_module(mod)
        for name, fn in (("append_rows", append), ("set_rows", put)):
            if hasattr(m, name):
                monkeypatch.setattr(m, name, fn)


def _history(name: str, capacity=None, eviction="fifo"):
    """Writes and reads of one family: a batch, single rows, a state round trip, more rows;
    everything it returns and its final state."""
    fam = episodic_families()[name]
    rng = np.random.default_rng(3)
    keys = rng.standard_normal((40, 16))
    if fam.alphabet == "pm1":
        vals = rng.choice(np.array([-1, 1], dtype=np.int8), size=(40, 12))
    elif fam.alphabet == "binary":
        vals = np.zeros((40, 12), dtype=np.int8)
        for r in range(40):
            vals[r, rng.choice(12, 3, replace=False)] = 1
    else:
        vals = rng.standard_normal((40, 12))
    mem = EpisodicMemory(name, key_dim=16, value_dim=12, encoder="auto", backend="numpy", seed=1, capacity=capacity,
                         eviction=eviction)
    out = []
    mem.write(keys[:10], vals[:10])
    for i in range(10, 40):
        mem.write(keys[i], vals[i])
        if i == 20:
            mem = EpisodicMemory.from_state_dict(mem.state_dict())
        if i % 3 == 0:
            out.append(mem.read(keys[i - 5:i]))
    out.append(mem.read(keys))
    return out, mem.state_dict()


def _assert_equal_tree(a, b):
    if isinstance(a, dict):
        assert set(a) == set(b)
        for k in a:
            _assert_equal_tree(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _assert_equal_tree(x, y)
    elif isinstance(a, np.ndarray):
        _same_array(np.ascontiguousarray(a), np.asarray(b))
    else:
        assert a == b


@pytest.mark.parametrize("name", sorted(episodic_families()))
def test_episodic_memories_store_and_read_as_with_concatenate(name, monkeypatch):
    got = _history(name)
    got_lru = _history(name, capacity=25, eviction="lru")
    with monkeypatch.context() as m:
        _concatenating(m)
        want = _history(name)
        want_lru = _history(name, capacity=25, eviction="lru")
    _assert_equal_tree(got, want)
    _assert_equal_tree(got_lru, want_lru)
    state = got[1]
    assert state["keys"].shape[0] == state["values"].shape[0] == state["used"].shape[0] == 40
    assert state["memory"]["patterns"].shape[0] == 40  # only the filled rows are saved
    assert state["memory"]["patterns"].base is None


def test_state_holds_only_the_filled_rows():
    mem = EpisodicMemory("willshaw", key_dim=8, value_dim=8, encoder="auto", backend="numpy", seed=0)
    rng = np.random.default_rng(0)
    for _ in range(3):
        mem.write(rng.standard_normal(8), (rng.random(8) < 0.5).astype(np.int8))
    mem = EpisodicMemory.from_state_dict(mem.state_dict())
    mem.write(rng.standard_normal(8), (rng.random(8) < 0.5).astype(np.int8))
    state = mem.state_dict()
    assert len(mem) == 4 and state["keys"].shape[0] == 4 and state["memory"]["values"].shape[0] == 4
    assert memory._SPARE_ROWS > 0 and mem._keys.base.shape[0] > 4
