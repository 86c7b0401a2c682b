"""The sparse families' store and recall against straightforward reference computations
(written here from the definitions, independent of the packed kernels): the same subsamples,
codes, segment bits, counters, recalls and generator states, row by row and in batches."""

from __future__ import annotations

import numpy as np
import pytest

from assoc.memories.bits import pack_bits, unpack_bits
from assoc.memories.segments import DendriticSegments
from assoc.memory import STATUS_FIXED, STATUS_LIMIT
from assoc.patterns import sparse_binary

BACKENDS = ("numpy", "numba")


def _cosine(states, targets):
    s = states.astype(np.int64)
    t = targets.astype(np.int64)
    dots = s @ t.T
    den = np.sqrt(s.sum(axis=1)[:, None].astype(np.float64) * t.sum(axis=1)[None, :].astype(np.float64))
    return np.where(den > 0, dots / np.where(den > 0, den, 1.0), 0.0)


def _segments_reference(x_batches, n, synapses, theta, union, seed, cues):
    """Subsamples drawn as ``rng.choice(np.flatnonzero(row), synapses, replace=False)`` per
    row, segments the OR of ``union`` consecutive subsamples, detection by threshold."""
    rng = np.random.default_rng(seed)
    pats, subs = [], []
    for x in x_batches:
        for row in x:
            sub = np.zeros(n, dtype=np.int8)
            sub[rng.choice(np.flatnonzero(row), size=synapses, replace=False)] = 1
            pats.append(row)
            subs.append(sub)
    pats, subs = np.array(pats, dtype=np.int8), np.array(subs, dtype=np.int8)
    g = (len(pats) + union - 1) // union
    seg = np.zeros((g, n), dtype=np.int8)
    for mu in range(len(pats)):
        seg[mu // union] |= subs[mu]
    seg_ov = cues.astype(np.int32) @ seg.T.astype(np.int32)
    sub_ov = cues.astype(np.int32) @ subs.T.astype(np.int32)
    match = seg_ov >= theta
    states = np.zeros(cues.shape, dtype=np.int8)
    hit = match.any(axis=1)
    for b in range(len(cues)):
        if hit[b]:
            score = np.where(match[b, np.arange(len(pats)) // union], sub_ov[b], -1)
            states[b] = pats[int(np.argmax(score))]
    return subs, seg, rng.bit_generator.state, (seg_ov, sub_ov / synapses, match, states, hit)


@pytest.mark.parametrize("be", BACKENDS)
@pytest.mark.parametrize("union", [1, 3])
@pytest.mark.parametrize("sizes", [[1] * 7, [2, 1, 3, 1], [7]])
def test_segments_store_and_recall_equal_the_reference(be, union, sizes):
    """Batches that start on a segment boundary (new segments appended) and inside one (the
    last segment extended) give the reference's subsamples, segment bits, draws and recalls."""
    n = 150
    x = sparse_binary(sum(sizes), n, k=12, rng=5)
    batches = np.split(x, np.cumsum(sizes)[:-1])
    rng = np.random.default_rng(6)
    cues = x[[0, 3, 6]].copy()
    cues[:, rng.choice(n, 30, replace=False)] = 0
    cues = np.concatenate([cues, sparse_binary(1, n, k=12, rng=7)])
    mem = DendriticSegments(n, 6, 3, union=union, backend=be, seed=11)
    for bx in batches:
        mem.store(bx)
    subs, seg, state, (seg_ov, sub_frac, match, states, hit) = _segments_reference(batches, n, 6, 3, union, 11, cues)
    st = mem.state_dict()
    assert st["rng"] == state
    assert np.array_equal(mem.segments(), seg)
    assert mem.n_segments == seg.shape[0]
    assert np.array_equal(unpack_bits(st["subsamples"], n), subs)
    for rows in ([0], [1], [2], [3], [0, 1, 2, 3]):
        r = mem.recall(cues[rows])
        assert np.array_equal(np.asarray(r.states), states[rows])
        assert np.array_equal(r.extra["segment_overlap"], seg_ov[rows])
        assert np.array_equal(np.asarray(r.extra["subsample_overlap"]), sub_frac[rows])
        assert np.array_equal(r.extra["segment_match"], match[rows])
        assert np.array_equal(r.converged, hit[rows])
        assert r.status.dtype == np.int8 and np.array_equal(r.status, np.where(hit[rows], STATUS_FIXED, STATUS_LIMIT))
        assert r.steps.dtype == np.int64 and np.array_equal(r.steps, np.ones(len(rows)))
        assert np.allclose(np.asarray(r.overlaps), _cosine(states[rows], x), rtol=0, atol=1e-15)
    # a restored memory continues identically (its segments rebuilt from the state)
    twin = DendriticSegments(n, 6, 3, union=union, backend=be)
    twin.load_state_dict(st)
    extra = sparse_binary(2, n, k=12, rng=8)
    twin.store(extra)
    mem.store(extra)
    subs, seg, state, _ = _segments_reference(batches + [extra], n, 6, 3, union, 11, cues)
    for m in (twin, mem):
        assert np.array_equal(m.segments(), seg)
        assert m.state_dict()["rng"] == state


def _sparsey_learn_reference(mem, x):
    """Sparsey's learning composed from its steps (``_match`` then ``_draw`` with learning,
    row by row): the codes, familiarities and operation count, changing ``mem``'s weights
    and generator as a store does."""
    packed, sizes = pack_bits(x), x.sum(axis=1).astype(np.int64)
    codes, gs, total = [], [], 0
    for r in range(len(x)):
        z, g, _, base, ops = mem._match(packed[r : r + 1], sizes[r : r + 1])
        win = mem._draw(z, base, learn=packed[r : r + 1])
        total += ops + mem._select_ops(1, False) + mem.modules * int(sizes[r])
        codes.append(win[0])
        gs.append(g[0])
    return np.array(codes, dtype=np.int64), np.array(gs), total


@pytest.mark.parametrize("be", BACKENDS)
@pytest.mark.parametrize("sizes", [[1] * 6, [2, 1, 3], [6]])
def test_sparsey_store_and_encode_equal_the_composed_steps(be, sizes):
    """store / encode(learn=True) give the codes, weights, familiarities, operation counts and
    generator state of Sparsey's steps composed one row at a time."""
    from assoc.memories.sparsey import Sparsey

    n = 120
    x = sparse_binary(sum(sizes), n, k=10, rng=9)
    x[3] = x[1]  # a repeat: a familiar input, a sharp draw
    batches = np.split(x, np.cumsum(sizes)[:-1])
    mem, ref = (Sparsey(n, 7, 5, backend=be, seed=12) for _ in range(2))
    ops = []
    for bx in batches:
        mem.store(bx)
        ops.append(mem.last_ops)
    want = [_sparsey_learn_reference(ref, bx) for bx in batches]
    assert np.array_equal(mem.codes, np.concatenate([c for c, _, _ in want]))
    assert ops == [t for _, _, t in want]
    assert mem.ops["store"] == sum(ops)
    assert np.array_equal(mem._w, ref._w)
    assert mem.state_dict()["rng"] == ref.rng.bit_generator.state
    more = sparse_binary(2, n, k=10, rng=10)
    for rows in (more[:1], more):
        codes, g = mem.encode(rows, learn=True)
        rc, rg, rt = _sparsey_learn_reference(ref, rows)
        assert codes.dtype == np.int64 and np.array_equal(codes, rc)
        assert g.dtype == np.float64 and np.array_equal(g, rg) and mem.last_ops == rt
    assert np.array_equal(mem._w, ref._w)
    assert mem.state_dict()["rng"] == ref.rng.bit_generator.state
    for rows in ([1], [0, 2, 4]):
        r = mem.recall(x[rows])
        assert r.steps.dtype == np.int64 and np.array_equal(r.steps, np.ones(len(rows)))
        assert r.status.dtype == np.int8
        assert np.array_equal(r.status, np.where(r.converged, STATUS_FIXED, STATUS_LIMIT))
        _, g, best, _, ops = ref._match(pack_bits(x[rows]), x[rows].sum(axis=1).astype(np.int64))
        assert np.array_equal(r.extra["codes"], best) and np.array_equal(r.extra["familiarity"], g)
        assert mem.last_ops == ops + ref._select_ops(len(rows), True)


@pytest.mark.parametrize("be", BACKENDS)
def test_willshaw_and_kanerva_single_row_calls_equal_the_definitions(be):
    """Row-by-row stores keep the value sizes k-WTA reads its winners from, the clipped
    Hebbian synapses and Kanerva's counters; one-step recalls report one step, a fixed point,
    and the states of the definitions."""
    from assoc.memories.kanerva import KanervaSDM
    from assoc.memories.willshaw import Willshaw

    n, r = 130, 40
    keys = sparse_binary(9, n, k=8, rng=13)
    vals = sparse_binary(9, r, k=5, rng=14)
    vals[4, :3] = 1  # value sizes differ: their mean is not an integer
    w = Willshaw(n, r, "kwta", backend=be, seed=1)
    sdm = KanervaSDM(n, 300, radius=58, n_out=r, backend=be, seed=2)
    for i in range(len(keys)):
        w.store(keys[i : i + 1], vals[i : i + 1])
        sdm.store(keys[i : i + 1], vals[i : i + 1])
    w.store(keys[:3], vals[:3])  # and a batch
    assert w._value_sizes == [float(v.sum()) for v in vals] + [float(vals[:3].sum())]
    assert all(type(v) is float for v in w._value_sizes)
    dense = np.clip(keys.T.astype(np.int64) @ vals.astype(np.int64), 0, 1)
    assert np.array_equal(w.weights(), dense)
    winners = max(1, int(round(sum(w._value_sizes) / len(w))))
    addresses = unpack_bits(np.asarray(sdm._addresses), n).astype(np.int64)
    act = (addresses[None, :, :] != keys[:, None, :]).sum(axis=2) <= 58
    counters = act.T.astype(np.int64) @ (2 * vals.astype(np.int64) - 1)
    assert np.array_equal(np.asarray(sdm._counters), counters)
    for i in range(4):
        cue = keys[i : i + 1]
        rw = w.recall(cue)
        sums = cue.astype(np.int64) @ dense
        kth = np.sort(sums[0])[::-1][winners - 1]
        assert np.array_equal(np.asarray(rw.states)[0], ((sums[0] >= kth) & (sums[0] >= 1)).astype(np.int8))
        rk = sdm.recall(cue)
        a = (addresses != cue).sum(axis=1) <= 58
        assert np.array_equal(np.asarray(rk.states)[0], (a.astype(np.int64) @ counters > 0).astype(np.int8))
        assert rk.extra["activated"][0] == a.sum()
        for res in (rw, rk):
            assert res.steps.dtype == np.int64 and res.steps.tolist() == [1]
            assert res.status.dtype == np.int8 and res.status.tolist() == [STATUS_FIXED]
            assert res.converged.dtype == bool and res.converged.tolist() == [True]


@pytest.mark.parametrize("n, keys, radius", [(64, 1, 24), (64, 3, 30), (150, 2, 70), (150, 1, 0), (70, 2, 70)])
def test_sdm_write_serial_equals_the_reference_twin(n, keys, radius):
    """The compiled serial Kanerva write (activated locations found first, then their counters
    updated) leaves the counters of the NumPy twin, on one- and multi-word addresses, radius 0
    and radius n; a key equal to an address activates it at radius 0."""
    pytest.importorskip("numba")
    from assoc.kernels import cpu_sdr, kernel

    rng = np.random.default_rng(n + keys + radius)
    addresses = pack_bits(rng.random((500, n)) < 0.5)
    k = (rng.random((keys, n)) < 0.5).astype(np.int8)
    k[0] = unpack_bits(addresses[7:8], n)[0]
    key_words = pack_bits(k)
    vals = (rng.random((keys, 33)) < 0.3).astype(np.int8)
    start = rng.integers(-50, 50, size=(500, 33)).astype(np.int32)
    want, got = start.copy(), start.copy()
    kernel("sdm_write", "numpy")(addresses, want, key_words, vals, radius)
    cpu_sdr.sdm_write(addresses, got, key_words, vals, radius)
    assert np.array_equal(got, want) and not np.array_equal(got, start)


@pytest.mark.parametrize("pairs, cols", [(1, 32), (4, 32), (3, 1), (1, 1)])
@pytest.mark.parametrize("pool", [False, True])
def test_or_values_equals_the_reference_twin(pairs, cols, pool, monkeypatch):
    """The compiled clipped-Hebbian store (planned and stored in one call below the thread
    pool's threshold, planned again above it, and with one column) sets the synapses of the
    NumPy twin."""
    pytest.importorskip("numba")
    from assoc.kernels import cpu, cpu_sdr, kernel

    if pool:
        monkeypatch.setattr(cpu, "PARALLEL_MIN_WORK", 0)
    rng = np.random.default_rng(pairs * 100 + cols)
    n = 200
    keys = pack_bits((rng.random((pairs, n)) < 0.1).astype(np.int8))
    vals = (rng.random((pairs, cols)) < 0.4).astype(np.int8)
    vals[0, 0] = 1
    mask = pack_bits((rng.random((cols, n)) < 0.9).astype(np.int8)).T.copy()
    start = pack_bits((rng.random((cols, n)) < 0.05).astype(np.int8)).T.copy()
    want, got = start.copy(), start.copy()
    kernel("or_values", "numpy")(want, keys, vals, mask)
    cpu_sdr.or_values(got, keys, vals, mask)
    assert np.array_equal(got, want) and not np.array_equal(got, start)


@pytest.mark.parametrize("b", [0, 1, 5])
def test_serial_kernels_with_caller_arrays_equal_the_reference_twins(b):
    """pack_rows, willshaw_step (every read-out rule) and code_agreement, serial, with their
    outputs allocated outside the compiled call, return the NumPy twins' arrays (values,
    dtypes and shapes), no rows included."""
    pytest.importorskip("numba")
    from assoc.kernels import cpu_sdr, ref_sdr
    from assoc.kernels.ref_sdr import CLASSIC, CLASSIC_DILUTED, FIXED, KWTA

    def same(a, r):
        assert len(a) == len(r)
        for u, v in zip(a, r):
            u, v = np.asarray(u), np.asarray(v)
            assert u.dtype == v.dtype and u.shape == v.shape and np.array_equal(u, v)

    rng = np.random.default_rng(40 + b)
    x = (rng.random((b, 150)) < 0.1).astype(np.int8)
    if b:
        x[-1] = 0  # an empty row: the fewest active bits is 0
    got, want = cpu_sdr.pack_rows(x), ref_sdr.pack_rows(x)
    same(got[:2], want[:2])
    assert got[2] == want[2] and type(got[2]) in (int, np.int64) and got[2] == (x.sum(axis=1).min() if b else 0)
    wt = pack_bits((rng.random((40, 150)) < 0.3).astype(np.int8)).T.copy()
    mask = pack_bits((rng.random((40, 150)) < 0.8).astype(np.int8)).T.copy()
    packed, sizes, _ = ref_sdr.pack_rows(x)
    for rule, theta, winners in ((CLASSIC, 0, 0), (CLASSIC_DILUTED, 0, 0), (FIXED, 3, 0), (KWTA, 0, 4)):
        same(cpu_sdr.willshaw_step(wt, mask, packed, sizes, rule, theta, winners),
             ref_sdr.willshaw_step(wt, mask, packed, sizes, rule, theta, winners))
    stored = rng.integers(0, 3, size=(7, 6))
    codes = np.concatenate([stored[0:1], stored[2:3], rng.integers(0, 3, size=(b, 6))])[:b]  # best 0, best 2
    same(cpu_sdr.code_agreement(stored, codes, 6), ref_sdr.code_agreement(stored, codes, 6))


@pytest.mark.parametrize("family", ["segments", "sparsey"])
def test_checked_recall_entry_equals_recall_and_serves_episodic_reads(family):
    """The auto-associative sparse families' entry for checked cues returns recall's result
    (states, overlaps, steps, status, extras) and leaves the same state; EpisodicMemory reads
    through it; Sparsey still refuses a cue row without an active bit."""
    from assoc.agents import EpisodicMemory

    rng = np.random.default_rng(50)
    keys = rng.standard_normal((12, 16))
    vals = np.zeros((12, 32), dtype=np.int8)
    for r in range(12):
        vals[r, rng.choice(32, 4, replace=False)] = 1
    epi = EpisodicMemory(family, key_dim=16, value_dim=32, encoder="auto", backend="numba", seed=0)
    epi.write(keys, vals)
    assert epi._checked_cues
    mem = epi.memory
    cue = np.concatenate([epi.encode(keys[:3]), np.zeros((3, 32), dtype=np.int8)], axis=1)
    for rows in (slice(0, 1), slice(0, 3)):
        before = mem.state_dict()
        a, b = mem.recall(cue[rows]), mem._recall_checked(cue[rows].copy())
        for name in ("states", "overlaps", "steps", "converged", "status"):
            u, v = np.asarray(getattr(a, name)), np.asarray(getattr(b, name))
            assert u.dtype == v.dtype and np.array_equal(u, v)
        assert a.extra.keys() == b.extra.keys()
        assert all(np.array_equal(np.asarray(a.extra[k]), np.asarray(b.extra[k])) for k in a.extra)
        after = mem.state_dict()
        assert after["rng"] == before["rng"]
    calls = []
    entry = mem._recall_checked
    mem._recall_checked = lambda *args, **kw: calls.append(1) or entry(*args, **kw)
    got, _ = epi.read(keys[:2])
    assert calls == [1]
    assert np.array_equal(got, np.asarray(mem.recall(cue[:2]).states)[:, epi.code_dim:])
    if family == "sparsey":
        bad = cue[:2].copy()
        bad[1] = 0
        with pytest.raises(ValueError, match=r"cues must have at least one active bit per row; rows \[1\]"):
            mem._recall_checked(bad)
