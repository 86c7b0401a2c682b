"""The serial/parallel policy of the Numba CPU kernels.

Small calls (one cue, one stored pair) must run on the calling thread: a parallel launch
waits for a free core, which costs milliseconds when other processes hold the cores. Large
calls run on the thread pool, and both paths give identical results.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")

from assoc.agents import EpisodicMemory, episodic_families  # noqa: E402
from assoc.kernels import cpu, cpu_dense, cpu_sdr  # noqa: E402
from assoc.memories.bits import pack_bits  # noqa: E402
from assoc.memories.index import SDRIndex  # noqa: E402
from assoc.memories.willshaw import Willshaw  # noqa: E402
from episodic_values import episodic_values  # noqa: E402

_SDR_PARALLEL = ("_and_par", "_xor_par", "_or_columns_par", "_or_rows_par", "_overlap_par", "_best_par")
_DUALS = ((cpu, "async_sweep_patterns"), (cpu, "async_sweep_weights"),
          (cpu_dense, "dense_async_sweep"), (cpu_dense, "dense_async_sweep_table"), (cpu_dense, "dense_overlaps"))


def _duals(module, name):
    obj = getattr(module, name)
    return [obj] + ([obj.cubic] if hasattr(obj, "cubic") else [])  # the table sweep also holds the cubic form


def _forbid_parallel(monkeypatch):
    """Make every parallel kernel raise, so a call that reaches the thread pool fails."""

    def refuse(*args, **kwargs):
        raise AssertionError("a parallel kernel was launched")

    for name in _SDR_PARALLEL:
        monkeypatch.setattr(cpu_sdr, name, refuse)
    for module, name in _DUALS:
        for dual in _duals(module, name):
            monkeypatch.setattr(dual, "parallel", refuse)


def test_policy_rules(monkeypatch):
    assert not cpu.run_parallel(10**12, 1)  # one row: nothing to share out
    assert not cpu.run_parallel(cpu.PARALLEL_MIN_WORK - 1, 64)
    monkeypatch.setattr(cpu.numba, "get_num_threads", lambda: 2)
    assert cpu.run_parallel(cpu.PARALLEL_MIN_WORK, 2)
    monkeypatch.setattr(cpu.numba, "get_num_threads", lambda: 1)
    assert not cpu.run_parallel(cpu.PARALLEL_MIN_WORK, 2)


@pytest.mark.parametrize("family", sorted(episodic_families()))
def test_single_row_agent_calls_stay_serial(family, monkeypatch):
    fam = episodic_families()[family]
    rng = np.random.default_rng(3)
    keys = rng.standard_normal((51, 16))
    vals = episodic_values(fam.alphabet, rng, 51, 32)
    mem = EpisodicMemory(family, key_dim=16, value_dim=32, encoder="auto", backend="numba", seed=0)
    mem.write(keys[:50], vals[:50])
    expected, _ = mem.read(keys[:1])
    _forbid_parallel(monkeypatch)
    out, _ = mem.read(keys[:1])
    assert np.array_equal(np.asarray(out), np.asarray(expected))
    mem.write(keys[50:], vals[50:])
    assert len(mem) == 51


def test_willshaw_single_store_is_serial_and_matches_numpy(monkeypatch):
    rng = np.random.default_rng(4)
    keys = (rng.random((30, 500)) < 0.03).astype(np.int8)
    vals = (rng.random((30, 300)) < 0.03).astype(np.int8)
    keys[:, 0] = 1
    vals[:, 0] = 1
    ref = Willshaw(500, 300, dilution=0.3, backend="numpy", seed=1)
    mem = Willshaw(500, 300, dilution=0.3, backend="numba", seed=1)
    _forbid_parallel(monkeypatch)
    for r in range(30):
        ref.store(keys[r : r + 1], vals[r : r + 1])
        mem.store(keys[r : r + 1], vals[r : r + 1])
    assert np.array_equal(ref.packed_weights(), mem.packed_weights())
    assert np.array_equal(ref.recall(keys[:5]).states, mem.recall(keys[:5]).states)


def _sdr_kernel_outputs():
    rng = np.random.default_rng(12)
    rows = pack_bits(rng.integers(0, 2, size=(300, 700), dtype=np.int8))
    cues = pack_bits((rng.random((40, 700)) < 0.03).astype(np.int8))
    keys = pack_bits((rng.random((60, 700)) < 0.05).astype(np.int8))
    vals = (rng.random((60, 300)) < 0.05).astype(np.int8)
    cols, members = np.nonzero(vals.T)
    indptr = np.zeros(301, dtype=np.int64)
    np.cumsum(np.bincount(cols, minlength=300), out=indptr[1:])
    members = members.astype(np.int64)
    mask = pack_bits((rng.random((300, 700)) < 0.8).astype(np.int8))
    wt = np.zeros((mask.shape[1], 300), dtype=np.uint64)
    cpu_sdr.or_columns(wt, indptr, members, keys, np.ascontiguousarray(mask.T))
    wr = np.zeros((300, mask.shape[1]), dtype=np.uint64)
    cpu_sdr.or_rows(wr, indptr, members, keys, mask)
    x = (rng.random((500, 700)) < 0.03).astype(np.int8)
    ix = SDRIndex(700, backend="numba")
    ix.add(x)
    q = (rng.random((40, 700)) < 0.03).astype(np.int8)
    best = ix.best(q)
    return (cpu_sdr.and_popcount(rows, cues), cpu_sdr.and_popcount_t(np.ascontiguousarray(rows.T), cues),
            cpu_sdr.xor_popcount(rows, cues), wt, wr, ix.overlaps(q), best[0], best[1])


def test_sdr_parallel_paths_equal_serial_paths(monkeypatch):
    monkeypatch.setattr(cpu, "PARALLEL_MIN_WORK", 1 << 62)
    serial = _sdr_kernel_outputs()
    monkeypatch.setattr(cpu, "PARALLEL_MIN_WORK", 0)
    monkeypatch.setattr(cpu.numba, "get_num_threads", lambda: 2)
    parallel = _sdr_kernel_outputs()
    assert any(a.any() for a in serial)
    for a, b in zip(serial, parallel):
        assert np.array_equal(a, b)


def test_sweep_parallel_paths_equal_serial_paths(monkeypatch):
    from assoc import DenseAssociativeMemory, Hopfield

    rng = np.random.default_rng(5)
    xi = rng.choice(np.array([-1, 1], dtype=np.int8), size=(12, 120))
    cues = xi[:6].copy()
    cues[:, :30] *= -1

    def run():
        out = []
        for rep in ("patterns", "weights"):
            h = Hopfield(120, representation=rep, backend="numba", seed=2)
            h.store(xi)
            out.append(h.recall(cues).states)
        d = DenseAssociativeMemory(120, degree=3, backend="numba", seed=2)
        d.store(xi)
        out.append(d.recall(cues).states)
        return out

    monkeypatch.setattr(cpu, "PARALLEL_MIN_WORK", 1 << 62)
    serial = run()
    monkeypatch.setattr(cpu, "PARALLEL_MIN_WORK", 0)
    monkeypatch.setattr(cpu.numba, "get_num_threads", lambda: 2)
    parallel = run()
    for a, b in zip(serial, parallel):
        assert np.array_equal(a, b)


def test_dense_overlaps_kernel_equals_its_twin(monkeypatch):
    from assoc.kernels import ref_dense

    rng = np.random.default_rng(8)
    xt = rng.integers(-3, 4, size=(37, 501)).astype(np.int8)
    s = rng.integers(-1, 2, size=(9, 37)).astype(np.int8)
    want = s.astype(np.int64) @ xt.astype(np.int64)
    monkeypatch.setattr(ref_dense, "_BLOCK_ENTRIES", 37 * 50)  # several pattern blocks
    assert np.array_equal(ref_dense.dense_overlaps(s, xt), want)
    assert np.array_equal(ref_dense.dense_overlaps(s, np.ascontiguousarray(xt.T).T), want)
    assert np.array_equal(cpu_dense.dense_overlaps(s, xt), want)
    monkeypatch.setattr(cpu, "PARALLEL_MIN_WORK", 0)
    monkeypatch.setattr(cpu.numba, "get_num_threads", lambda: 2)
    assert np.array_equal(cpu_dense.dense_overlaps(s, xt), want)  # BLAS float32 blocks
    assert np.array_equal(cpu_dense.dense_overlaps(s, xt, xt.astype(np.float32)), want)  # one float32 product
    monkeypatch.setattr(cpu_dense, "_BLOCK_ENTRIES", 37 * 50)
    assert np.array_equal(cpu_dense.dense_overlaps(s, xt), want)
