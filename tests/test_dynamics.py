"""Properties of the shared recall loops in :mod:`assoc.dynamics`."""

from __future__ import annotations

import numpy as np
import pytest

import assoc
from assoc.dynamics import check_clamp, check_temperature, run_async_sweeps, run_to_fixed_point
from assoc.kernels import cpu, kernel, ref
from assoc.memories.cascade import CascadeHopfield
from assoc.memories.dense import DenseAssociativeMemory
from assoc.memories.hopfield import Hopfield
from assoc.memories.kanerva import KanervaSDM
from assoc.memories.multitask import MultitaskHebbian
from assoc.memories.willshaw import Willshaw
from assoc.memory import STATUS_CYCLE, STATUS_FIXED, STATUS_LIMIT

BACKENDS = ("numpy", "numba")


def _sign_step(w):
    """Parallel T = 0 update ``s <- sign(W s)`` (ties keep the spin) as a fixed-point step."""

    def step(rows, cur):
        old = cur[rows]
        h = old.astype(np.float64) @ w
        return np.where(h > 0, 1, np.where(h < 0, -1, old)).astype(old.dtype)

    return step


# ----------------------------------------------------------------- asynchronous sweeps


@pytest.mark.parametrize("backend", BACKENDS)
def test_async_energy_never_rises_and_ends_in_a_local_minimum(backend):
    rng = np.random.default_rng(0)
    b, n = 12, 40
    a = rng.normal(size=(n, n))
    w = (a + a.T) / 2
    np.fill_diagonal(w, 0.0)
    state = np.where(rng.random((b, n)) < 0.5, 1, -1).astype(np.int8)
    fields = state.astype(np.float64) @ w
    clamp = np.zeros((b, n), dtype=bool)
    sweep = kernel("async_sweep_weights", backend)
    energies = []

    def one_sweep(order, active, uniforms):
        energies.append(-0.5 * np.einsum("bi,ij,bj->b", state, w, state))
        return sweep(state, fields, w, order, active, clamp, 0.0, uniforms)

    steps, status = run_async_sweeps(one_sweep, np.random.default_rng(1), (b, n), 500)
    energies.append(-0.5 * np.einsum("bi,ij,bj->b", state, w, state))
    e = np.array(energies)
    assert (np.diff(e, axis=0) <= 1e-9).all()
    assert (e[-1] < e[0]).all()  # random starts are not minima: every cue moved downhill
    assert (status == STATUS_FIXED).all()
    assert steps.max() == len(energies) - 1 and (steps >= 2).all()
    h = state.astype(np.float64) @ w
    assert ((state * h) >= 0).all()  # no single flip lowers the energy
    np.testing.assert_allclose(fields, h, atol=1e-9)


def test_async_takes_its_orders_and_uniforms_from_streams_keyed_by_two_draws():
    b, n, limit = 3, 7, 5
    seen = []

    def record(order, active, uniforms):
        seen.append((order.copy(), active.copy(), uniforms.copy()))
        return np.ones(b, dtype=np.int64)

    for glauber in (False, True):
        seen.clear()
        rng = np.random.default_rng(4)
        steps, status = run_async_sweeps(record, rng, (b, n), limit, glauber=glauber)
        twin = np.random.default_rng(4)
        key = twin.bit_generator.random_raw(2)
        assert rng.bit_generator.state == twin.bit_generator.state  # two numbers drawn, no more
        base = np.tile(np.arange(n), (b, 1))
        assert len(seen) == limit
        every = np.ones(b, dtype=bool)
        for k, (order, active, uniforms) in enumerate(seen):
            np.testing.assert_array_equal(order, ref.random_orders(every, key[0], 0, k, n))
            np.testing.assert_array_equal(np.sort(order, axis=1), base)
            assert active.all()
            if glauber:
                np.testing.assert_array_equal(uniforms, ref.random_uniforms(every, key[1], 0, k, n))
            else:
                assert (uniforms == 0).all()
        assert len({o.tobytes() for o, _, _ in seen}) == limit  # a fresh order every sweep
        np.testing.assert_array_equal(steps, [limit] * b)
        assert (status == STATUS_LIMIT).all()


def test_random_orders_are_uniform_permutations_and_the_twins_agree():
    """Fisher-Yates on SplitMix64 streams: every one of the 24 orders of 4 spins equally likely.

    48000 cues: each count is 2000 +/- 44.7, and the chi-square statistic (23 degrees of
    freedom) exceeds 55 with probability 1e-4 for uniform orders. Sattolo's variant (j <
    t, cyclic permutations only) or the naive shuffle (j over all n positions, 256 equally
    likely paths onto 24 orders) give statistics above 12000. The uniforms fall in 10 equal
    bins with counts 4800 +/- 66 (chi-square, 9 degrees of freedom, below 33.7 with
    probability 1 - 1e-4)."""
    every = np.ones(48000, dtype=bool)
    key = np.uint64(2**63 + 11)
    order = cpu.random_orders(every, key, 0, 0, 4)
    np.testing.assert_array_equal(order, ref.random_orders(every, key, 0, 0, 4))
    codes = order @ np.array([64, 16, 4, 1])
    values, counts = np.unique(codes, return_counts=True)
    assert len(values) == 24
    np.testing.assert_array_equal(np.sort(order, axis=1), np.tile(np.arange(4), (48000, 1)))
    chi2 = ((counts - 2000.0) ** 2 / 2000.0).sum()
    assert chi2 < 55, chi2
    u = cpu.random_uniforms(every, key, 0, 1, 1)[:, 0]
    np.testing.assert_array_equal(u, ref.random_uniforms(every, key, 0, 1, 1)[:, 0])
    bins = np.bincount((u * 10).astype(int), minlength=10)
    assert ((bins - 4800.0) ** 2 / 4800.0).sum() < 33.7
    # long rows, a chunk of a batch (first = 5) and an inactive row: the twins agree there too
    act = np.array([True, False, True])
    np.testing.assert_array_equal(cpu.random_orders(act, key, 5, 3, 1000), ref.random_orders(act, key, 5, 3, 1000))
    assert (cpu.random_orders(act, key, 5, 3, 1000)[1] == 0).all()


def test_async_stops_each_cue_at_its_first_quiet_sweep_and_others_at_the_limit():
    b, n, limit = 4, 5, 6
    quiet_at = np.array([1, 3, 99, 2])  # cue 2 never settles
    calls = []

    def fake(order, active, uniforms):
        calls.append(active.copy())
        k = len(calls)
        return np.where(k >= quiet_at, 0, 1)

    steps, status = run_async_sweeps(fake, np.random.default_rng(0), (b, n), limit)
    np.testing.assert_array_equal(steps, [1, 3, limit, 2])
    np.testing.assert_array_equal(status, [STATUS_FIXED, STATUS_FIXED, STATUS_LIMIT, STATUS_FIXED])
    np.testing.assert_array_equal(calls[1], [False, True, True, True])
    np.testing.assert_array_equal(calls[3], [False, False, True, False])
    assert len(calls) == limit


def test_glauber_runs_every_sweep_even_without_flips():
    steps, status = run_async_sweeps(lambda o, a, u: np.zeros(2, np.int64), np.random.default_rng(0), (2, 3), 4,
                                     glauber=True)
    np.testing.assert_array_equal(steps, [4, 4])
    assert (status == STATUS_LIMIT).all()


# ----------------------------------------------------------------- fixed points and cycles


def test_antiferromagnetic_pair_is_a_two_cycle_of_parallel_updates():
    w = np.array([[0.0, -1.0], [-1.0, 0.0]])
    start = np.array([[1, 1], [1, -1], [-1, -1]], dtype=np.int8)
    states, steps, status = run_to_fixed_point(_sign_step(w), start, 50)
    np.testing.assert_array_equal(status, [STATUS_CYCLE, STATUS_FIXED, STATUS_CYCLE])
    np.testing.assert_array_equal(steps, [2, 1, 2])
    # a cycle is reported on the step that returns to the state before: back at the start
    np.testing.assert_array_equal(states, [[1, 1], [1, -1], [-1, -1]])
    assert states is not start


def test_without_cycle_detection_a_two_cycle_runs_to_the_limit():
    w = np.array([[0.0, -1.0], [-1.0, 0.0]])
    start = np.array([[1, 1]], dtype=np.int8)
    for limit, last in ((7, [-1, -1]), (8, [1, 1])):
        states, steps, status = run_to_fixed_point(_sign_step(w), start, limit, cycles=False)
        np.testing.assert_array_equal(steps, [limit])
        np.testing.assert_array_equal(status, [STATUS_LIMIT])
        np.testing.assert_array_equal(states, [last])


def test_three_cycle_stops_at_the_limit_and_only_active_rows_are_stepped():
    # row 0 rotates with period 3 (never fixed nor a two-cycle); row 1 is fixed at once
    start = np.array([[1, 0, 0], [1, 1, 1]], dtype=np.int8)
    asked = []

    def step(rows, cur):
        asked.append(rows.copy())
        return np.roll(cur[rows], 1, axis=1)

    states, steps, status = run_to_fixed_point(step, start, 5)
    np.testing.assert_array_equal(status, [STATUS_LIMIT, STATUS_FIXED])
    np.testing.assert_array_equal(steps, [5, 1])
    np.testing.assert_array_equal(asked[0], [0, 1])
    assert all(list(r) == [0] for r in asked[1:]) and len(asked) == 5
    np.testing.assert_array_equal(states, [[0, 0, 1], [1, 1, 1]])


def test_hopfield_sync_two_cycle_reported_as_cycle():
    # two stored patterns: the sync map sends the +/- mixture cue to a state and back
    mem = Hopfield(4, dynamics="sync", backend="numpy", seed=0)
    mem.store(np.array([[1, 1, -1, -1], [1, -1, 1, -1]], dtype=np.int8))
    cue = np.array([[1, 1, 1, 1], [1, 1, -1, -1]], dtype=np.int8)
    w = mem.weights()
    _, _, expect = run_to_fixed_point(_sign_step(w), cue, 20)
    out = mem.recall(cue)
    np.testing.assert_array_equal(out.status, expect)
    assert out.status[0] == STATUS_CYCLE and out.status[1] == STATUS_FIXED
    assert list(out.steps) == [2, 1]
    assert not out.converged[0] and out.converged[1]


# ----------------------------------------------------------------- the memories on the shared loops


def _pm1_memories(backend):
    yield "hopfield-async", Hopfield(300, backend=backend, seed=0)
    yield "hopfield-sync", Hopfield(300, dynamics="sync", backend=backend, seed=0)
    yield "dense-async", DenseAssociativeMemory(300, degree=3, backend=backend, seed=0)
    yield "dense-sync", DenseAssociativeMemory(300, degree=3, dynamics="sync", backend=backend, seed=0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_stored_patterns_are_fixed_points_below_capacity(backend):
    xi = assoc.patterns.random_pm1(4, 300, rng=3)  # load 0.013, far below 0.14
    for name, mem in _pm1_memories(backend):
        mem.store(xi)
        out = mem.recall(xi)
        assert (out.status == STATUS_FIXED).all(), name
        assert (out.steps == 1).all(), name
        np.testing.assert_array_equal(assoc.memory.to_numpy(out.states), xi, err_msg=name)
    cascade = CascadeHopfield(300, 8, backend=backend, seed=0)  # a palimpsest: the newest pattern is kept
    cascade.store(xi)
    out = cascade.recall(xi[-1:])
    assert out.status[0] == STATUS_FIXED and out.steps[0] == 1
    np.testing.assert_array_equal(out.states, xi[-1:])
    sparse = assoc.patterns.sparse_binary(20, 512, k=10, rng=4)
    dense = np.random.default_rng(4).integers(0, 2, (5, 256)).astype(np.int8)  # SDM addresses: half ones
    for name, mem, x in (("willshaw", Willshaw(512, max_steps=5, backend=backend), sparse),
                         ("kanerva", KanervaSDM(256, 2000, radius=112, max_steps=5, backend=backend, seed=5), dense)):
        mem.store(x)
        out = mem.recall(x)
        assert (out.status == STATUS_FIXED).all(), name
        assert (out.steps == 1).all(), name
        np.testing.assert_array_equal(assoc.memory.to_numpy(out.states), x, err_msg=name)


@pytest.mark.parametrize("backend", BACKENDS)
def test_memories_stop_at_max_steps_with_status_limit(backend):
    xi = assoc.patterns.random_pm1(5, 100, rng=6)
    cues = np.concatenate([xi, assoc.patterns.flip(xi, 0.4, rng=7)])  # stored, then far from stored
    for mem in (Hopfield(100, backend=backend, seed=1),
                Hopfield(100, dynamics="sync", backend=backend, seed=1),
                Hopfield(100, dynamics="glauber", temperature=0.5, backend=backend, seed=1),
                DenseAssociativeMemory(100, degree=2, backend=backend, seed=1),
                DenseAssociativeMemory(100, degree=2, dynamics="sync", backend=backend, seed=1),
                MultitaskHebbian(100, "glauber", temperature=0.5, backend=backend, seed=1)):
        mem.store(xi)
        out = mem.recall(cues, max_steps=1)
        name = f"{type(mem).__name__} {mem.dynamics}"
        assert (out.steps == 1).all(), name
        if mem.dynamics == "glauber":  # heat bath: always runs every sweep
            assert (out.status == STATUS_LIMIT).all(), name
        else:
            np.testing.assert_array_equal(out.status, [STATUS_FIXED] * 5 + [STATUS_LIMIT] * 5, err_msg=name)
        np.testing.assert_array_equal(out.converged, out.status == STATUS_FIXED)
        more = mem.recall(cues, max_steps=50)
        assert (more.steps[5:] > 1).all(), name


def test_same_seed_same_recall_through_the_shared_loops():
    xi = assoc.patterns.random_pm1(20, 80, rng=8)
    cues = assoc.patterns.flip(xi, 0.3, rng=9)
    outs = []
    for _ in range(2):
        mem = Hopfield(80, dynamics="glauber", temperature=0.3, backend="numpy", seed=11)
        mem.store(xi)
        outs.append(mem.recall(cues, max_steps=3).states)
    np.testing.assert_array_equal(outs[0], outs[1])
    mem = Hopfield(80, dynamics="glauber", temperature=0.3, backend="numpy", seed=12)
    mem.store(xi)
    assert (mem.recall(cues, max_steps=3).states != outs[0]).any()


# ----------------------------------------------------------------- checks


def test_check_temperature():
    assert check_temperature("glauber", 0.5) == 0.5
    assert check_temperature("async", 0) == 0.0
    with pytest.raises(ValueError, match="temperature must be > 0 with dynamics='glauber'"):
        check_temperature("glauber", 0.0)
    with pytest.raises(ValueError, match="requires dynamics='glauber'"):
        check_temperature("sync", 0.1)
    with pytest.raises(ValueError, match="temperature must lie in"):
        check_temperature("glauber", -1.0)
    with pytest.raises(TypeError, match="temperature must be a real number"):
        check_temperature("glauber", "hot")
    for cls in (Hopfield, DenseAssociativeMemory, MultitaskHebbian):
        with pytest.raises(ValueError, match="temperature must be > 0 with dynamics='glauber'"):
            cls(10, dynamics="glauber")
        with pytest.raises(ValueError, match="requires dynamics='glauber'"):
            cls(10, temperature=0.5)


def test_check_clamp():
    np.testing.assert_array_equal(check_clamp(None, (2, 3)), np.zeros((2, 3), bool))
    m = np.array([[True, False, False]])
    assert check_clamp(m, (1, 3)) is m or (check_clamp(m, (1, 3)) == m).all()
    with pytest.raises(ValueError, match=r"clamp must be a boolean array of shape \(1, 3\)"):
        check_clamp(m.astype(int), (1, 3))
    with pytest.raises(ValueError, match="clamp must be a boolean array"):
        check_clamp(m, (3, 1))
    for mem in (Hopfield(3, backend="numpy"), DenseAssociativeMemory(3, backend="numpy")):
        mem.store(np.array([[1, -1, 1]], dtype=np.int8))
        with pytest.raises(ValueError, match="clamp must be a boolean array"):
            mem.recall(np.array([[1, 1, 1]], dtype=np.int8), clamp=np.ones((1, 2), bool))
        out = mem.recall(np.array([[-1, -1, -1]], dtype=np.int8), clamp=np.array([[True, False, False]]))
        assert out.states[0, 0] == -1  # the clamped entry keeps its cue value


@pytest.mark.parametrize("regime", ["many flips", "few flips"])
def test_t0_sweep_on_explicit_fields_skips_only_visits_that_change_nothing(regime):
    """The compiled T = 0 sweep on explicit fields jumps between candidates (spins that are
    unknown or opposed to their field) by scans of all spins; it must make exactly the moves of
    the reference twin's sequential visits, with integer counts and with float weights, unknown
    and clamped entries, at high load (many flips per sweep: the walk) and near the stored
    patterns (a few flips per sweep, long stretches without one: the scans)."""
    rng = np.random.default_rng(41)
    n, b = 400, 12
    p = 90 if regime == "many flips" else 20
    xi = rng.choice(np.array([-1, 1], dtype=np.int8), size=(p, n))
    x = xi.astype(np.int64)
    counts = (x.T @ x).astype(np.int16)
    np.fill_diagonal(counts, 0)
    cues = xi[rng.integers(0, p, b)].copy()
    flip = rng.random((b, n)) < (0.3 if regime == "many flips" else 0.01)
    cues[flip] *= -1
    cues[:3, :40] = 0  # unknown entries
    clamp = rng.random((b, n)) < 0.05
    clamp[3, :] = False
    cues[4, clamp[4]] = 0  # clamped unknown entries stay unknown
    keys = np.array([3, 5], dtype=np.uint64)
    for w in (counts, counts / n):  # integer counts (int32 fields) and float64 couplings
        runs = []
        for backend in BACKENDS:
            s = cues.copy()
            fields = s.astype(np.int64) @ counts.astype(np.int64)
            fields = fields.astype(np.int32) if w.dtype == np.int16 else fields / n
            sweep = kernel("async_sweep_weights", backend)
            flips = []
            for k in range(12):
                active = np.ones(b, dtype=bool)
                order = cpu.random_orders(active, keys[0], 0, k, n)
                flips.append(np.asarray(sweep(s, fields, w, order, active, clamp, 0.0, np.zeros((b, n)), 1.0)).copy())
            runs.append((s, fields, np.array(flips)))
        np.testing.assert_array_equal(runs[0][0], runs[1][0])
        np.testing.assert_array_equal(runs[0][1], runs[1][1])
        np.testing.assert_array_equal(runs[0][2], runs[1][2])
        per_sweep = runs[0][2].sum(axis=1) / b
        if regime == "few flips":
            assert 0 < per_sweep[0] < 20  # sparse flips: most stretches are crossed by scans
        else:
            assert per_sweep[1] > 20


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sync_sign_twins_agree_on_ties_unknowns_and_clamps(dtype):
    """The compiled parallel sign update equals its reference twin: sign(h - p x), a zero
    keeping the spin (an unknown one becomes +1), clamped entries kept."""
    rng = np.random.default_rng(9)
    b, n, p = 7, 300, 5
    x = rng.choice(np.array([-1, 0, 1], dtype=np.int8), size=(b, n))
    h = (rng.integers(-3, 4, size=(b, n)) + p * x).astype(dtype)  # many ties: h - p x == 0
    clamp = rng.random((b, n)) < 0.1
    for c in (np.zeros((0, 0), dtype=bool), clamp):
        for diag in (p, 0):
            got = cpu.sync_sign(h, x, diag, c)
            want = ref.sync_sign(h, x, diag, c)
            np.testing.assert_array_equal(got, want)
            assert got.dtype == np.int8
    d = h - p * x
    want = np.where(d > 0, 1, np.where(d < 0, -1, np.where(x == 0, 1, x)))
    np.testing.assert_array_equal(cpu.sync_sign(h, x, p, np.zeros((0, 0), dtype=bool)), want)
    assert (d == 0).sum() > 50 and (x == 0).sum() > 50


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.float64])
def test_quiet_cues_find_exactly_the_cues_without_a_spin_that_moves(dtype):
    """A cue is quiet when no unclamped spin is unknown or opposed to its field. Each cue below
    has at most one spin that moves, at the first or last position or in between, unknown or
    opposed, clamped or not; both twins agree with that definition cue by cue, and inactive
    cues are never quiet."""
    rng = np.random.default_rng(11)
    n = 97
    rows = []
    for pos in (0, n - 1, 40):
        for kind in ("opposed", "unknown", "zero field"):
            for clamped in (False, True):
                rows.append((pos, kind, clamped))
    b = len(rows) + 1  # and one cue with nothing that moves
    s = rng.choice(np.array([-1, 1], dtype=np.int8), size=(b, n))
    fields = (s * rng.integers(1, 50, size=(b, n))).astype(dtype)  # aligned: nothing moves
    clamp = np.zeros((b, n), dtype=bool)
    for r, (pos, kind, clamped) in enumerate(rows):
        if kind == "opposed":
            fields[r, pos] = -fields[r, pos]
        elif kind == "unknown":
            s[r, pos] = 0
        else:
            fields[r, pos] = 0  # a zero field keeps a known spin: it does not move
        clamp[r, pos] = clamped
    want = np.array([kind == "zero field" or clamped for _, kind, clamped in rows] + [True])
    active = np.ones(b, dtype=bool)
    active[3] = False
    for twin in (cpu.quiet_cues, ref.quiet_cues):
        got = np.asarray(twin(s, fields, clamp, active))
        np.testing.assert_array_equal(got, want & active)
        np.testing.assert_array_equal(np.asarray(twin(s, fields, clamp, ~active)), want & ~active)


@pytest.mark.parametrize("dtype", [np.int8, np.float32, np.bool_])
def test_step_status_twins_find_fixed_points_and_two_cycles(dtype):
    """After a step a row is fixed (equal to the state it came from), a two-cycle (equal to
    the state one step before, only when cycles are tracked) or running. Rows differing from
    both in a single entry, first, last or at a block edge, are running; both twins agree
    with that definition row by row."""
    rng = np.random.default_rng(21)
    n = 3 * 64 + 5  # blocks of 64 and a short tail
    old = rng.integers(0, 2, size=(12, n)).astype(dtype)
    prev = rng.integers(0, 2, size=(12, n)).astype(dtype)
    new = old.copy()
    want = np.full(12, STATUS_FIXED, dtype=np.int8)
    for r, j in zip(range(1, 6), (0, n - 1, 63, 64, 130)):
        new[r, j] = not new[r, j]  # one entry differs from old ...
        prev[r] = new[r]  # ... and the row equals prev: a two-cycle
        want[r] = STATUS_CYCLE
    for r, j, k in zip(range(6, 11), (0, n - 1, 63, 64, 130), (n - 1, 0, 64, 63, 0)):
        new[r, j] = not new[r, j]
        prev[r] = new[r]
        prev[r, k] = not prev[r, k]  # differs from both, in one entry each
        want[r] = -1
    prev[11] = old[11]  # fixed and equal to prev: fixed wins
    for twin in (cpu.step_status, ref.step_status):
        np.testing.assert_array_equal(twin(new, old, prev, True), want)
        np.testing.assert_array_equal(twin(new, old, prev, False), np.where(want == STATUS_CYCLE, -1, want))
