"""Bounded working memory: recalls run in chunks within the budget, with unchanged results."""

from __future__ import annotations

import numpy as np
import pytest

import assoc.memory as amem
from assoc import DenseAssociativeMemory
from assoc.dynamics import run_async_sweeps, run_async_sweeps_chunked
from assoc.memories import dense as dense_mod
from assoc.patterns import flip, random_pm1

BACKENDS = ["numpy"] + (["numba"] if __import__("importlib").util.find_spec("numba") else [])


@pytest.fixture(autouse=True)
def _restore_budget():
    yield
    amem.set_memory_budget(None)


def _recorded_chunks(monkeypatch):
    """Record the chunk sizes the dense memory asks for."""
    seen = []
    real = amem.chunk_rows

    def spy(*args, **kwargs):
        c = real(*args, **kwargs)
        seen.append(c)
        return c

    monkeypatch.setattr(dense_mod, "chunk_rows", spy)
    return seen


def _recall_pair(make, cues, monkeypatch, budget, **kwargs):
    """Recall from two identical memories, unbudgeted and under ``budget``; also the chunk
    sizes used and a draw from each generator afterwards."""
    a, b = make(), make()
    ra = a.recall(cues, **kwargs)
    seen = _recorded_chunks(monkeypatch)
    amem.set_memory_budget(budget)
    rb = b.recall(cues, **kwargs)
    amem.set_memory_budget(None)
    return ra, rb, seen, a.rng.random(), b.rng.random()


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("energy,dynamics,temperature", [
    ("exponential", "async", 0.0), ("polynomial", "async", 0.0), ("rectified", "async", 0.0),
    ("polynomial", "glauber", 0.5), ("exponential", "sync", 0.0), ("polynomial", "sync", 0.0)])
def test_chunked_dense_recall_is_identical(backend, energy, dynamics, temperature, monkeypatch):
    n, p, b = 40, 200, 20
    xi = random_pm1(p, n, rng=1)
    cues = flip(xi[:b], 0.2, rng=2)
    cues[:4, :5] = 0  # some unknown entries

    def make():
        mem = DenseAssociativeMemory(n, energy=energy, degree=3, dynamics=dynamics, temperature=temperature,
                                     max_steps=6 if dynamics == "glauber" else 50, backend=backend, seed=7)
        mem.store(xi)
        return mem

    ra, rb, seen, ga, gb = _recall_pair(make, cues, monkeypatch, 150_000)
    assert seen and 1 <= min(seen) < b  # the budget forced several chunks
    assert np.array_equal(ra.states, rb.states)
    assert np.array_equal(ra.overlaps, rb.overlaps)
    assert np.array_equal(ra.energy, rb.energy)
    assert np.array_equal(ra.steps, rb.steps) and np.array_equal(ra.status, rb.status)
    assert ga == gb  # the generator ends where the undivided recall leaves it


@pytest.mark.parametrize("backend", BACKENDS)
def test_chunked_recall_with_clamp_and_single_cue_chunks(backend, monkeypatch):
    n, p, b = 30, 120, 9
    xi = random_pm1(p, n, rng=3)
    cues = flip(xi[:b], 0.25, rng=4)
    clamp = np.zeros(cues.shape, dtype=bool)
    clamp[:, :10] = True

    def make():
        mem = DenseAssociativeMemory(n, energy="exponential", backend=backend, seed=11)
        mem.store(xi)
        return mem

    # the smallest budget that still admits one cue: every chunk holds a single cue
    a, bmem = make(), make()
    ra = a.recall(cues, clamp=clamp)
    seen = _recorded_chunks(monkeypatch)
    row = 8 * p + 20 * n + 8 * p * 7
    fixed = 8 * b * p + n * p + 8 * n * p
    amem.set_memory_budget(fixed + row)
    rb = bmem.recall(cues, clamp=clamp)
    assert seen == [1]
    assert np.array_equal(ra.states, rb.states) and np.array_equal(ra.overlaps, rb.overlaps)
    assert (rb.states[:, :10] == cues[:, :10]).all()
    assert a.rng.random() == bmem.rng.random()


def test_recall_without_overlaps_keeps_states_and_energy():
    xi = random_pm1(300, 40, rng=5)
    cues = flip(xi[:12], 0.1, rng=6)
    a = DenseAssociativeMemory(40, energy="exponential", backend="numpy", seed=1)
    b = DenseAssociativeMemory(40, energy="exponential", backend="numpy", seed=1)
    a.store(xi)
    b.store(xi)
    ra, rb = a.recall(cues), b.recall(cues, overlaps=False)
    assert rb.overlaps.shape == (12, 0)
    assert np.array_equal(ra.states, rb.states) and np.array_equal(ra.energy, rb.energy)
    with pytest.raises(TypeError, match="overlaps must be a bool"):
        a.recall(cues, overlaps="no")


def test_request_that_cannot_fit_is_refused_before_allocating():
    xi = random_pm1(500, 40, rng=7)
    mem = DenseAssociativeMemory(40, energy="exponential", backend="numpy", seed=1)
    mem.store(xi)
    amem.set_memory_budget(10_000)
    with pytest.raises(ValueError, match=r"GiB of working memory even one row at a time.*memory budget") as err:
        mem.recall(xi[:50])
    assert "set_memory_budget" in str(err.value)
    state = mem.rng.bit_generator.state
    amem.set_memory_budget(None)
    assert mem.rng.bit_generator.state == state  # nothing ran
    assert (mem.recall(xi[:3]).states == xi[:3]).all()


def test_budget_setting_is_validated():
    with pytest.raises(TypeError, match="nbytes must be an integer"):
        amem.set_memory_budget("1GB")
    with pytest.raises(TypeError, match="nbytes must be an integer"):
        amem.set_memory_budget(True)
    with pytest.raises(ValueError, match="nbytes must be >= 1"):
        amem.set_memory_budget(0)
    amem.set_memory_budget(12345)
    assert amem.memory_budget() == 12345
    amem.set_memory_budget(None)
    assert 0 < amem.memory_budget() <= amem.available_memory_bytes()


def test_chunk_rows_rules():
    amem.set_memory_budget(1000)
    assert amem.chunk_rows(10, 50, "x") == 10  # everything fits
    assert amem.chunk_rows(10, 100, "x", fixed_bytes=300) == 7
    with pytest.raises(ValueError, match="reduce the size"):
        amem.chunk_rows(10, 800, "x", fixed_bytes=300)


def test_chunked_driver_matches_whole_batch():
    """The chunked sweep driver hands every cue the same orders and uniforms, sweep by sweep,
    as one call on the whole batch, and leaves the generator in the same state."""
    b, n = 7, 13
    stop_after = np.arange(b) % 4 + 1  # cue i stops flipping after stop_after[i] sweeps

    def run(chunk, glauber):
        seen, count = {}, {}

        def start(lo, hi):
            def sweep(order, active, uniforms):
                flips = np.zeros(hi - lo, dtype=np.int64)
                for r in np.nonzero(active)[0]:
                    i = lo + r
                    count[i] = count.get(i, 0) + 1
                    seen[(i, count[i])] = (order[r].copy(), uniforms[r].copy())
                    flips[r] = int(count[i] < stop_after[i])
                return flips

            return sweep, lambda: None

        rng = np.random.default_rng(3)
        steps, status = run_async_sweeps_chunked(start, rng, (b, n), 6, chunk, glauber=glauber)
        return seen, steps, status, rng.random()

    for glauber in (False, True):
        whole = run(b, glauber)
        for chunk in (1, 3):
            part = run(chunk, glauber)
            assert whole[0].keys() == part[0].keys()
            for key, (order, u) in whole[0].items():
                assert np.array_equal(order, part[0][key][0]) and np.array_equal(u, part[0][key][1])
            assert np.array_equal(whole[1], part[1]) and np.array_equal(whole[2], part[2])
            assert whole[3] == part[3]
        if not glauber:
            assert np.array_equal(whole[1], stop_after)
    rng = np.random.default_rng(3)
    steps, status = run_async_sweeps(lambda o, a, u: np.zeros(b, dtype=np.int64), rng, (b, n), 5)
    assert (steps == 1).all() and (status == amem.STATUS_FIXED).all()


@pytest.mark.parametrize("backend", BACKENDS)
def test_kanerva_chunked_and_few_row_paths_are_identical(backend):
    from assoc.memories.kanerva import KanervaSDM

    rng = np.random.default_rng(9)
    keys = (rng.random((40, 128)) < 0.5).astype(np.int8)
    vals = (rng.random((40, 96)) < 0.5).astype(np.int8)
    cues = keys[:30].copy()
    cues[:, :10] ^= 1

    def make():
        return KanervaSDM(128, 300, radius=56, n_out=96, backend=backend, seed=4)

    whole, single = make(), make()
    whole.store(keys, vals)  # one matrix product
    for r in range(len(keys)):  # the few-row path, one pair at a time
        single.store(keys[r:r + 1], vals[r:r + 1])
    assert np.array_equal(whole._counters, single._counters)
    assert np.abs(whole._counters).max() > 1
    ra = whole.recall(cues)
    for budget in (250_000, 300_000):  # reads in chunks of 4 and of 14 addresses
        amem.set_memory_budget(budget)
        rb = single.recall(cues)
        amem.set_memory_budget(None)
        for key in ("hamming_similarity", "activated"):
            assert np.array_equal(ra.extra[key], rb.extra[key])
        assert np.array_equal(ra.states, rb.states) and np.array_equal(ra.overlaps, rb.overlaps)
    amem.set_memory_budget(400_000)  # stores in chunks of 10 pairs
    chunked = make()
    chunked.store(keys, vals)
    amem.set_memory_budget(None)
    assert np.array_equal(chunked._counters, whole._counters)
    few = np.concatenate([whole.recall(cues[i:i + 1]).states for i in range(5)])
    assert np.array_equal(few, ra.states[:5])


@pytest.mark.parametrize("representation", ["patterns", "weights"])
def test_hopfield_overlaps_in_chunks_are_identical(representation):
    from assoc import Hopfield

    xi = random_pm1(40, 150, rng=12)
    cues = flip(xi[:25], 0.15, rng=13)
    seen = []
    real = amem.chunk_rows

    def spy(*args, **kwargs):
        seen.append(real(*args, **kwargs))
        return seen[-1]

    import assoc.memories.hopfield as hop_mod

    out = []
    for budget in (None, 8 * 25 * 40 + 8 * 40 * 150 + 3 * 8 * 7 * 40):  # unbudgeted, then 3 states a chunk
        mem = Hopfield(150, representation=representation, backend="numpy", seed=3)
        mem.store(xi)
        amem.set_memory_budget(budget)
        hop_mod.chunk_rows, saved = spy, hop_mod.chunk_rows
        try:
            out.append(mem.recall(cues))
        finally:
            hop_mod.chunk_rows = saved
            amem.set_memory_budget(None)
    assert seen[-1] == 3
    a, b = out
    assert np.array_equal(a.states, b.states) and np.array_equal(a.overlaps, b.overlaps)
    assert np.array_equal(a.energy, b.energy)


def test_binary_overlaps_in_chunks_are_identical():
    from assoc.memories.willshaw import Willshaw
    from assoc.patterns import sparse_binary

    keys = sparse_binary(60, 256, k=8, rng=14)
    mem = Willshaw(256, threshold="kwta", winners=8, backend="numpy")
    mem.store(keys)
    a = mem.recall(keys[:30])
    amem.set_memory_budget(8 * 30 * 60 + 2 * 8 * 6 * 60)  # two states a chunk
    b = mem.recall(keys[:30])
    amem.set_memory_budget(None)
    assert np.array_equal(a.states, b.states) and np.array_equal(a.overlaps, b.overlaps)
    assert (np.diag(a.overlaps[:, :30]) == 1.0).mean() > 0.5


def test_sparsey_direct_and_indexed_code_agreement_are_identical(monkeypatch):
    from assoc.memories import sparsey as sp
    from assoc.patterns import sparse_binary

    x = sparse_binary(40, 200, k=12, rng=15)
    cues = x[:10].copy()
    cues[:, :20] = 0
    cues[:, 0] = 1
    out = []
    for limit in (1 << 30, 0):  # direct comparison, then the inverted index
        monkeypatch.setattr(sp, "_DIRECT_AGREEMENT", limit)
        mem = sp.Sparsey(200, modules=8, cells=6, backend="numpy", seed=2)
        mem.store(x)
        out.append(mem.recall(cues))
    a, b = out
    assert np.array_equal(a.extra["code_agreement"], b.extra["code_agreement"])
    assert np.array_equal(a.extra["best"], b.extra["best"]) and np.array_equal(a.states, b.states)
    assert a.extra["code_agreement"].max() == 1.0


def test_segments_recall_in_chunks_is_identical():
    from assoc.memories.segments import DendriticSegments
    from assoc.patterns import sparse_binary

    x = sparse_binary(60, 300, k=20, rng=16)
    cues = x[:24].copy()
    cues[:, :150] = 0
    cues[:, 299] = 1
    mem = DendriticSegments(300, synapses=8, theta=4, union=3, backend="numpy", seed=5)
    mem.store(x)
    a = mem.recall(cues)
    amem.set_memory_budget(4 * 24 * 80 + 8 * 24 * 60 + 3 * (13 * 60 + 5 * 20))  # 3 cues a chunk
    b = mem.recall(cues)
    amem.set_memory_budget(None)
    for key in ("subsample_overlap", "segment_overlap", "segment_match"):
        assert np.array_equal(a.extra[key], b.extra[key])
    assert np.array_equal(a.states, b.states) and np.array_equal(a.overlaps, b.overlaps)
    assert a.converged.mean() > 0.5
    mem.reset()
    mem.store(x[30:])
    assert np.array_equal(mem.recall(x[30:35]).states, x[30:35])  # no stale packed patterns


def test_sparsey_index_catches_up_with_later_stores(monkeypatch):
    from assoc.memories import sparsey as sp
    from assoc.patterns import sparse_binary

    x = sparse_binary(40, 200, k=12, rng=17)
    monkeypatch.setattr(sp, "_DIRECT_AGREEMENT", 0)  # always through the index
    mem = sp.Sparsey(200, modules=8, cells=6, backend="numpy", seed=2)
    mem.store(x[:20])
    first = mem.recall(x[:5]).extra["code_agreement"]
    mem.store(x[20:])
    late = mem.recall(x[20:25]).extra["code_agreement"]
    assert first.shape == (5, 20) and late.shape == (5, 40)
    assert np.array_equal(late, (mem.codes[None, :, :] == mem.codes[20:25, None, :]).sum(axis=2) / 8)


def test_fits_budget_reads_the_available_memory_only_for_large_requests(monkeypatch):
    """Under the default budget a request up to SMALL_REQUEST_BYTES fits without reading the
    available memory; a larger one is compared with half of it; a set budget is compared as set."""
    def unread():
        raise AssertionError("read the available memory")

    monkeypatch.setattr(amem, "available_memory_bytes", unread)
    assert amem.fits_budget(amem.SMALL_REQUEST_BYTES)
    monkeypatch.setattr(amem, "available_memory_bytes", lambda: 4 * amem.SMALL_REQUEST_BYTES)
    assert amem.fits_budget(2 * amem.SMALL_REQUEST_BYTES)
    assert not amem.fits_budget(2 * amem.SMALL_REQUEST_BYTES + 1)
    amem.set_memory_budget(1000)
    try:
        assert amem.fits_budget(1000) and not amem.fits_budget(1001)
    finally:
        amem.set_memory_budget(None)


def test_hopfield_counts_that_do_not_fit_the_budget_leave_recall_in_pattern_space():
    """A Hebbian recall buys the integer counts (2 n**2 bytes with their update) only when they
    fit the working-memory budget; below it the run stays in pattern space, with the same
    states and steps."""
    from assoc import Hopfield

    n = 120
    xi = random_pm1(40, n, rng=14)  # alpha = 0.33: long runs, the counts pay at once
    cues = flip(xi[:10], 0.2, rng=15)
    outs = []
    for budget in (None, 2 * n * n - 1):
        mem = Hopfield(n, backend="numba", seed=3)
        mem.store(xi)
        amem.set_memory_budget(budget)
        try:
            outs.append(mem.recall(cues))
        finally:
            amem.set_memory_budget(None)
        assert (mem._counted == 40) == (budget is None)
    np.testing.assert_array_equal(outs[0].states, outs[1].states)
    np.testing.assert_array_equal(outs[0].steps, outs[1].steps)
