"""Sparse-distributed memories: kernels, Willshaw, Kanerva SDM, dendritic segments, Sparsey.

Statistical tests use fixed seeds; their tolerances are standard errors computed from the
samples drawn (number of cues, probes or independent memories), times a stated factor.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from assoc import theory
from assoc.experiments import get_driver
from assoc.kernels import kernel
from assoc.memories.bits import pack_bits, unpack_bits
from assoc.memories.index import SDRIndex
from assoc.memories.kanerva import KanervaSDM
from assoc.memories.segments import DendriticSegments
from assoc.memories.sparsey import Sparsey
from assoc.memories.willshaw import Willshaw
from assoc.patterns import sparse_binary

BACKENDS = ("numpy", "numba")


def _keep(x, c, rng):
    out = np.zeros_like(x)
    for b in range(x.shape[0]):
        out[b, rng.choice(np.flatnonzero(x[b]), size=c, replace=False)] = 1
    return out


# --------------------------------------------------------------------------- kernels


def test_pack_unpack_roundtrip_and_bit_order():
    rng = np.random.default_rng(0)
    for n in (1, 63, 64, 65, 200):
        x = rng.integers(0, 2, size=(5, n), dtype=np.int8)
        words = pack_bits(x)
        assert words.dtype == np.uint64 and words.shape == (5, (n + 63) // 64)
        assert (unpack_bits(words, n) == x).all()
    e = np.zeros((1, 130), dtype=np.int8)
    e[0, 129] = 1
    assert pack_bits(e)[0, 2] == np.uint64(1 << 1)


def test_numba_kernels_equal_numpy_reference():
    rng = np.random.default_rng(1)
    rows = pack_bits(rng.integers(0, 2, size=(37, 300), dtype=np.int8))
    cues = pack_bits((rng.random((11, 300)) < 0.05).astype(np.int8))
    dense_rows = unpack_bits(rows, 300).astype(np.int64)
    dense_cues = unpack_bits(cues, 300).astype(np.int64)
    expect_and = dense_cues @ dense_rows.T
    expect_xor = (dense_cues[:, None, :] != dense_rows[None, :, :]).sum(axis=2)
    for be in BACKENDS:
        assert (kernel("and_popcount", be)(rows, cues) == expect_and).all()
        assert (kernel("and_popcount_t", be)(np.ascontiguousarray(rows.T), cues) == expect_and).all()
        assert (kernel("xor_popcount", be)(rows, cues) == expect_xor).all()
    x = (rng.random((200, 500)) < 0.04).astype(np.int8)
    x[:, 0] = 1
    idx = {be: SDRIndex(500, backend=be) for be in BACKENDS}
    for ix in idx.values():
        ix.add(x[:120])
        ix.add(x[120:])
    q = (rng.random((9, 500)) < 0.04).astype(np.int8)
    dense = q.astype(np.int64) @ x.T.astype(np.int64)
    for be, ix in idx.items():
        assert (ix.overlaps(q) == dense).all()
        best, score = ix.best(q)
        assert (best == dense.argmax(axis=1)).all() and (score == dense.max(axis=1)).all()
        one, one_score = ix.best(q[:1])  # a single cue
        assert one[0] == best[0] and one_score[0] == score[0]
        qd = (rng.random((6, 500)) < 0.7).astype(np.int8)  # > 255 active bits: wider counters
        dd = qd.astype(np.int64) @ x.T.astype(np.int64)
        bd, sd = ix.best(qd)
        assert (bd == dd.argmax(axis=1)).all() and (sd == dd.max(axis=1)).all()


def test_parallel_kernel_paths_equal_serial_paths(monkeypatch):
    from assoc.kernels import cpu_sdr

    rng = np.random.default_rng(12)
    rows = pack_bits(rng.integers(0, 2, size=(300, 700), dtype=np.int8))
    cues = pack_bits((rng.random((40, 700)) < 0.03).astype(np.int8))
    x = (rng.random((500, 700)) < 0.03).astype(np.int8)
    ix = SDRIndex(700, backend="numba")
    ix.add(x)
    q = (rng.random((40, 700)) < 0.03).astype(np.int8)
    serial = (cpu_sdr.and_popcount(rows, cues), cpu_sdr.and_popcount_t(np.ascontiguousarray(rows.T), cues),
              cpu_sdr.xor_popcount(rows, cues), ix.overlaps(q), ix.best(q))
    from assoc.kernels import cpu

    monkeypatch.setattr(cpu, "PARALLEL_MIN_WORK", 0)  # every call above the serial threshold
    parallel = (cpu_sdr.and_popcount(rows, cues), cpu_sdr.and_popcount_t(np.ascontiguousarray(rows.T), cues),
                cpu_sdr.xor_popcount(rows, cues), ix.overlaps(q), ix.best(q))
    for a, b in zip(serial[:4], parallel[:4]):
        assert np.array_equal(a, b)
    assert np.array_equal(serial[4][0], parallel[4][0]) and np.array_equal(serial[4][1], parallel[4][1])


@pytest.mark.parametrize("threshold,extra", [("classic", {}), ("kwta", {"winners": 12}), ("fixed", {"theta": 5})])
def test_willshaw_backends_identical(threshold, extra):
    rng = np.random.default_rng(2)
    keys = sparse_binary(400, 600, k=10, rng=rng)
    vals = sparse_binary(400, 500, k=12, rng=rng)
    cues = _keep(keys[:60], 7, rng)
    out = {}
    for be in BACKENDS:
        mem = Willshaw(600, 500, threshold, dilution=0.2, backend=be, seed=9, **extra)
        mem.store(keys, vals)
        r = mem.recall(cues)
        out[be] = (r.states, r.overlaps, mem.packed_weights().copy())
    assert (out["numpy"][0] == out["numba"][0]).all()
    assert np.array_equal(out["numpy"][1], out["numba"][1])
    assert (out["numpy"][2] == out["numba"][2]).all()


# --------------------------------------------------------------------------- Willshaw


def test_willshaw_synapses_are_clipped_hebbian():
    rng = np.random.default_rng(3)
    keys = sparse_binary(50, 130, k=6, rng=rng)
    vals = sparse_binary(50, 70, k=5, rng=rng)
    mem = Willshaw(130, 70, backend="numpy")
    mem.store(keys[:20], vals[:20])
    mem.store(keys[20:], vals[20:])  # online storage
    expect = np.minimum(1, keys.T.astype(int) @ vals.astype(int))
    assert (mem.weights() == expect).all()
    assert mem.p1() == pytest.approx(expect.mean())


def test_willshaw_below_capacity_retrieves_every_pair_exactly():
    rng = np.random.default_rng(4)
    keys = sparse_binary(300, 1000, k=10, rng=rng)
    vals = sparse_binary(300, 800, k=10, rng=rng)
    mem = Willshaw(1000, 800, backend="numba")
    mem.store(keys, vals)
    assert mem.p1() < 0.05
    out = mem.recall(keys)
    assert (out.states == vals).all()
    assert (out.best() == np.arange(300)).all()
    # the classic threshold never misses a unit of the stored value, even from a fragment
    frag = mem.recall(_keep(keys, 4, rng)).states
    assert (frag[vals == 1] == 1).all()


def test_willshaw_p1_matches_theory_within_error_bar():
    m = n = 512
    k = l = 8
    M = 2500
    p1 = []
    for s in range(6):
        rng = np.random.default_rng(100 + s)
        mem = Willshaw(m, n, backend="numba")
        mem.store(sparse_binary(M, m, k=k, rng=rng), sparse_binary(M, n, k=l, rng=rng))
        p1.append(mem.p1())
    p1 = np.asarray(p1)
    sem = p1.std(ddof=1) / np.sqrt(len(p1))
    expect = theory.willshaw_p1(M, k, l, m, n)
    assert abs(p1.mean() - expect) < 4 * sem + 1e-12
    # and each memory alone is within 6 binomial standard deviations of a fraction of m n
    assert np.all(np.abs(p1 - expect) < 6 * np.sqrt(expect * (1 - expect) / (m * n)) * 3)


def _alpha(load, n, k, l, auto=False):
    """The load ``load`` M / M_opt (M_opt: p1 = 1/2) as alpha = M k l / n^2."""
    return load * float(theory.willshaw_optimal_load(k, l, n, n, auto=auto)) * k * l / (n * n)


def _fp_sample(n, k, l, load, seeds, probes=400, c=None, mode="hetero"):
    d = get_driver("willshaw")
    lv = k if mode == "auto" else l
    rows = [
        d({"n": n, "k": k, "l": l, "alpha": _alpha(load, n, k, lv, mode == "auto"), "probes": probes, "mode": mode,
           "cue_fraction": 0.0 if c is None else 1 - c / k}, np.random.SeedSequence(s))
        for s in seeds
    ]
    fp = np.mean([r["fp"] for r in rows])
    # cues of one memory are nearly independent: combine the per-run standard errors
    sem = np.sqrt(np.sum([r["fp_sem"] ** 2 for r in rows])) / len(rows)
    return fp, sem, rows[0]


@pytest.mark.parametrize("load", [0.5, 1.0, 1.5])
def test_willshaw_false_positives_match_independence_theory_within_25pct(load):
    # heavily loaded rows (M l / n >> 1): the independence approximation p1^c holds
    fp, sem, row = _fp_sample(2048, 6, 60, load, seeds=[11, 12])
    assert abs(fp - row["fp_theory"]) < 0.25 * row["fp_theory"] + 3 * sem
    assert abs(fp - row["fp_exact"]) < 4 * sem + 0.02 * row["fp_exact"]


def test_willshaw_false_positives_match_exact_row_load_theory():
    # sparse values (l = k = 10, n = 1000): row loads spread, p1^c underestimates
    fp, sem, row = _fp_sample(1000, 10, 10, 0.8, seeds=[21, 22], probes=500)
    assert abs(fp - row["fp_exact"]) < 4 * sem
    assert fp - row["fp_theory"] > 4 * sem  # the independence estimate is measurably low here
    # auto-association with half cues: the same mixture with k - 1 of n - 1 per pattern
    fp, sem, row = _fp_sample(1000, 10, 10, 0.8, seeds=[23], probes=500, c=5, mode="auto")
    assert abs(row["p1"] - row["p1_theory"]) < 0.005
    assert abs(fp - row["fp_exact"]) < 4 * sem


def test_willshaw_dilution_misses_and_false_positives_match_theory():
    d = get_driver("willshaw")
    rows = [d({"n": 1000, "k": 4, "l": 40, "alpha": None, "dilution": 0.5, "probes": 500},  # the optimal load
              np.random.SeedSequence(s)) for s in (31, 32)]
    miss = np.mean([r["miss"] for r in rows])
    # a unit of the value misses when none of the c = 4 cue inputs reaches it: l d^c = 2.5
    expect = 40 * 0.5**4
    sem = np.sqrt(40 * 0.5**4 * (1 - 0.5**4) / (2 * 500))
    assert abs(miss - expect) < 4 * sem
    fp = np.mean([r["fp"] for r in rows])
    assert abs(fp - rows[0]["fp_theory"]) < 0.25 * rows[0]["fp_theory"]


def test_willshaw_depression_clears_the_expected_fraction_and_forgets():
    rng = np.random.default_rng(5)
    keys = sparse_binary(500, 1000, k=10, rng=rng)
    mem = Willshaw(1000, backend="numba", seed=1)
    mem.store(keys)
    before = mem.p1()
    mem.depress(0.3)
    ones = before * 1000 * 1000
    assert abs(mem.p1() - 0.7 * before) < 5 * np.sqrt(ones * 0.21) / 1e6
    # classic threshold: a unit misses when any of its c cue synapses was cleared
    out = mem.recall(keys[:300]).states
    miss = 1 - out[keys[:300] == 1].mean()
    # units of the pattern are cued themselves (c = 10, one synapse is its own diagonal)
    expect = 1 - 0.7**10
    assert abs(miss - expect) < 4 * np.sqrt(expect * (1 - expect) / 3000) + 0.02


def test_willshaw_iterative_kwta_completes_patterns_better_than_one_step():
    rng = np.random.default_rng(6)
    n, k = 1000, 16
    x = sparse_binary(1500, n, k=k, rng=rng)
    cues = _keep(x[:200], 6, rng)
    one = Willshaw(n, threshold="kwta", winners=k, backend="numba")
    it = Willshaw(n, threshold="kwta", winners=k, max_steps=20, backend="numba")
    one.store(x)
    it.store(x)
    e1 = (one.recall(cues).states != x[:200]).sum(axis=1).mean()
    r = it.recall(cues)
    e2 = (r.states != x[:200]).sum(axis=1).mean()
    assert e2 < 0.5 * e1
    assert r.converged.mean() > 0.9 and r.steps.max() > 1
    # stored patterns are fixed points of the iterated k-WTA dynamics at this load
    assert (it.recall(x[:100]).states == x[:100]).all()


def test_willshaw_bits_per_synapse_theory_and_simulation():
    # asymptotics (Palm 1980): hetero -> ln 2, approached slowly; auto is about half
    n = 10**6
    k = int(round(math.log2(n)))
    m_opt = theory.willshaw_optimal_load(k, k, n, n)
    b = theory.willshaw_bits_per_synapse(m_opt, k, k, n, n)
    assert 0.55 < b < theory.willshaw_capacity_limit()
    assert theory.willshaw_capacity_limit(auto=True) == pytest.approx(math.log(2) / 2)
    row = get_driver("willshaw")({"n": 1024, "k": 10, "alpha": None, "probes": 400},  # the optimal load
                                 np.random.SeedSequence(7))
    assert abs(row["bits"] - row["bits_theory"]) < 0.1 * row["bits_theory"]


def test_willshaw_state_dict_roundtrip():
    rng = np.random.default_rng(8)
    x = sparse_binary(200, 300, k=8, rng=rng)
    a = Willshaw(300, dilution=0.1, backend="numpy", seed=3)
    a.store(x)
    b = Willshaw(300, dilution=0.1, backend="numpy", seed=4)
    b.load_state_dict(a.state_dict())
    cues = _keep(x[:30], 4, rng)
    assert (a.recall(cues).states == b.recall(cues).states).all()


def test_willshaw_bad_input_errors_name_the_parameter():
    with pytest.raises(ValueError, match="threshold"):
        Willshaw(100, threshold="median")
    with pytest.raises(ValueError, match="theta"):
        Willshaw(100, threshold="fixed")
    with pytest.raises(ValueError, match="dilution"):
        Willshaw(100, dilution=1.0)
    with pytest.raises(ValueError, match="max_steps"):
        Willshaw(100, 50, max_steps=3)
    mem = Willshaw(100, 50)
    with pytest.raises(ValueError, match="patterns"):
        mem.store(np.full((2, 100), 2), np.zeros((2, 50)))
    with pytest.raises(ValueError, match="values are required"):
        mem.store(np.zeros((2, 100), dtype=np.int8))
    with pytest.raises(ValueError, match="one row per key"):
        mem.store(np.eye(2, 100, dtype=np.int8), np.eye(3, 50, dtype=np.int8))
    mem.store(np.eye(2, 100, dtype=np.int8), np.eye(2, 50, dtype=np.int8))
    with pytest.raises(ValueError, match="cues must have at least one active bit"):
        mem.recall(np.zeros((1, 100), dtype=np.int8))
    with pytest.raises(ValueError, match="cues"):
        mem.recall(np.full((1, 100), 0.5))
    d = get_driver("willshaw")
    with pytest.raises(ValueError, match="k must be >= 1"):
        d({"k": 0}, np.random.SeedSequence(0))
    with pytest.raises(ValueError, match="k must be <= 100"):
        d({"n": 100, "k": 101}, np.random.SeedSequence(0))


# --------------------------------------------------------------------------- Kanerva SDM


def test_sdm_bit_error_matches_theory_across_loads():
    d = get_driver("sdm")
    for items, dist in ((200, 0), (800, 0), (400, 12)):
        row = d({"n": 256, "locations": 2000, "items": items, "radius": 110, "cue_fraction": dist / 256,
                 "probes": 200}, np.random.SeedSequence(items + dist))
        th = row["bit_error_theory"]
        assert abs(row["bit_error"] - th) < 0.15 * th + 4 * row["bit_error_sem"]
    assert theory.sdm_access_probability(256, 128) > 0.5
    assert theory.sdm_intersection(256, 110, 0) == pytest.approx(theory.sdm_access_probability(256, 110))


def test_sdm_recalls_stored_items_and_validates():
    rng = np.random.default_rng(9)
    x = rng.integers(0, 2, size=(20, 128), dtype=np.int8)
    mem = KanervaSDM(128, 3000, activation=0.03, backend="numba", seed=1, max_steps=5)
    mem.store(x)
    noisy = x.copy()
    noisy[:, :18] ^= 1  # cues 18 bits away from their addresses
    one = mem.recall(noisy, max_steps=1)
    out = mem.recall(noisy)
    assert (out.best() == np.arange(20)).all()
    # iterated reads clean up: a single read leaves wrong bits, iterating removes them
    assert (one.states != x).sum() > 0
    assert (out.states == x).all() and out.converged.all()
    default = KanervaSDM(128, 100)  # neither radius nor activation: the default access probability
    assert default.radius == KanervaSDM(128, 100, activation=0.02).radius
    assert 0.02 <= default.access_probability < 0.05
    with pytest.raises(ValueError, match="at most one of radius"):
        KanervaSDM(128, 100, radius=50, activation=0.1)
    with pytest.raises(ValueError, match="radius"):
        KanervaSDM(128, 100, radius=200)
    with pytest.raises(ValueError, match="locations"):
        KanervaSDM(128, 0, radius=50)


# --------------------------------------------------------------------------- dendritic segments


def _exact_false_match(n, a, s, theta):
    total = sum(math.comb(s, b) * math.comb(n - s, a - b) for b in range(theta, min(s, a) + 1))
    return Fraction(total, math.comb(n, a))


def test_segment_false_match_log_space_is_exact_far_below_1e30():
    for n, a, s, theta in ((2048, 40, 20, 10), (16384, 64, 32, 20), (100000, 2000, 64, 40)):
        exact = _exact_false_match(n, a, s, theta)
        log_exact = math.log(exact.numerator) - math.log(exact.denominator)
        assert theory.segment_log_false_match(n, a, s, theta) == pytest.approx(log_exact, rel=1e-10)
    assert theory.segment_log_false_match(100000, 2000, 64, 40) / math.log(10) < -30


#: (union, theta, segments): 20000 random probes against every segment give probes x segments
#: trials, at least 625 expected false matches at each rate (2.5e-4, 0.014, 0.43), so that 4
#: binomial standard deviations are at most 16 % of the rate.
SEGMENT_CASES = [(1, 4, 125), (10, 8, 3), (30, 10, 1)]


def _check_segment_false_match(union, theta, segments, seed):
    """The false-match rate of random probes against the exact hypergeometric tail.

    Every probe has k = 30 of 1024 units active, so given the probe each segment matches
    independently (its stored pattern is independent of the others): the count is binomial
    over probes x segments trials and the tolerance is 4 of its standard deviations, which the
    expected count (>= 625) keeps under 16 % of the rate, so a 25 % error is resolved.
    """
    row = get_driver("segments")({"n": 1024, "k": 30, "synapses": 12, "theta": theta, "union": union,
                                  "segments": segments, "probes": 20000}, np.random.SeedSequence(seed))
    p = row["fm_theory_given"]
    sd = np.sqrt(p * (1 - p) / row["trials_fm"])
    assert row["trials_fm"] * p >= 625 and 4 * sd <= 0.16 * p, (row["trials_fm"], p)
    assert abs(row["fm_rate"] - p) < 4 * sd, (row["fm_rate"], p, sd)
    assert row["union_size"] <= union * 12


@pytest.mark.parametrize("union,theta,segments", SEGMENT_CASES)
def test_segment_false_match_simulation_matches_hypergeometric_tail(union, theta, segments):
    _check_segment_false_match(union, theta, segments, seed=union)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("union,theta,segments", SEGMENT_CASES)
def test_segment_false_match_over_seeds(union, theta, segments, seed):
    _check_segment_false_match(union, theta, segments, seed)


def test_segment_noise_robustness_matches_theory_and_validation():
    row = get_driver("segments")({"n": 2048, "k": 40, "synapses": 16, "theta": 9, "segments": 1000,
                                  "cue": "random", "cue_fraction": 0.5, "probes": 10}, np.random.SeedSequence(1))
    p = row["detect_theory"]
    assert 0.2 < p < 0.8
    assert abs(row["detect"] - p) < 4 * np.sqrt(p * (1 - p) / 1000)
    with pytest.raises(ValueError, match="theta must be <= synapses"):
        DendriticSegments(100, synapses=5, theta=6)
    with pytest.raises(ValueError, match="at least synapses"):
        DendriticSegments(100, synapses=5, theta=3).store(np.eye(1, 100, dtype=np.int8))


# --------------------------------------------------------------------------- Sparsey


def test_sparsey_familiarity_similarity_and_constant_operation_count():
    rng = np.random.default_rng(10)
    n, k = 1024, 32
    x = sparse_binary(300, n, k=k, rng=rng)
    mem = Sparsey(n, 20, 50, backend="numba", seed=2)
    mem.store(x[:10])
    ops_10 = mem.ops["store"] / 10
    mem.store(x[10:])
    ops_300 = (mem.ops["store"] - 10 * ops_10) / 290
    assert ops_10 == ops_300  # storing an item costs the same however many are stored
    mem.recall(x[:5])
    r5 = mem.last_ops / 5
    assert r5 == 20 * 50 * (k + 1) + (20 * 50 + 20)  # per cue: reads + divides, argmax, G
    # familiarity: 1 for stored inputs, low for novel ones (a novelty signal)
    assert np.allclose(mem.familiarity(x[:20]), 1.0)
    assert mem.familiarity(sparse_binary(50, n, k=k, rng=rng)).mean() < 0.6
    # partial cues retrieve the cued item
    cues = _keep(x[:100], k // 2, rng)
    assert (mem.recall(cues).extra["best"] == np.arange(100)).mean() > 0.95


def test_sparsey_similar_inputs_get_similar_codes():
    d = get_driver("sparsey_similarity")
    rows = {o: d({"input_overlap": o, "probes": 60}, np.random.SeedSequence(3)) for o in (0.0, 0.25, 0.5, 0.75, 1.0)}
    ov = [rows[o]["code_overlap"] for o in sorted(rows)]
    sem = [rows[o]["code_overlap_sem"] for o in sorted(rows)]
    # novel inputs: near-chance codes; then code overlap grows with input overlap
    assert abs(ov[0] - rows[0.0]["chance"]) < 4 * max(sem[0], 0.005)
    assert all(b > a - 3 * max(sa, sb) for a, b, sa, sb in zip(ov, ov[1:], sem, sem[1:]))
    assert ov[-1] > 0.9 and ov[2] > ov[0] + 0.3


def test_sparsey_validation():
    with pytest.raises(ValueError, match="modules"):
        Sparsey(100, 0, 5)
    with pytest.raises(ValueError, match="cells"):
        Sparsey(100, 5, 0)
    with pytest.raises(ValueError, match="inputs"):
        Sparsey(100, 5, 5).familiarity(np.full((1, 100), 3))


# --------------------------------------------------------------------------- fused per-call kernels


def _bits(rng, b, n, p):
    return (rng.random((b, n)) < p).astype(np.int8)


@pytest.mark.parametrize("batch", [0, 1, 5])
def test_fused_kernels_equal_reference_twins(batch):
    from assoc.kernels import cpu_sdr, ref_sdr

    rng = np.random.default_rng(21)
    x = _bits(rng, batch, 130, 0.1)
    if batch:
        x[0] = 0  # an empty row: size 0, cosine 0
    for a, b in zip(cpu_sdr.pack_rows(x), ref_sdr.pack_rows(x)):
        assert np.array_equal(a, b)
    assert cpu_sdr.pack_rows(x)[2] == (0 if batch else 0)
    targets = _bits(rng, 9, 130, 0.2)
    targets[3] = 0
    tp, ts = pack_bits(targets), targets.sum(axis=1, dtype=np.int64)
    for bits in (0, 130):
        a, b = cpu_sdr.binary_overlaps(tp, ts, x, bits), ref_sdr.binary_overlaps(tp, ts, x, bits)
        assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]) and a[1].shape == (batch, 9 if bits else 0)
    cues = _bits(rng, batch, 130, 0.1)
    packed, sizes = pack_bits(cues), cues.sum(axis=1, dtype=np.int64)
    wt = pack_bits(_bits(rng, 40, 130, 0.3)).T.copy()
    mask_t = pack_bits(_bits(rng, 40, 130, 0.8)).T.copy()
    for rule, theta, winners in ((0, 0, 0), (1, 0, 0), (2, 2, 0), (3, 0, 1), (3, 0, 7), (3, 0, 40)):
        for a, b in zip(cpu_sdr.willshaw_step(wt, mask_t, packed, sizes, rule, theta, winners),
                        ref_sdr.willshaw_step(wt, mask_t, packed, sizes, rule, theta, winners)):
            assert a.dtype == b.dtype and np.array_equal(a, b)
    vals = _bits(rng, batch, 40, 0.2)
    w1, w2 = wt.copy(), wt.copy()
    cpu_sdr.or_values(w1, packed, vals, mask_t)
    ref_sdr.or_values(w2, packed, vals, mask_t)
    assert np.array_equal(w1, w2) and (batch == 0 or not np.array_equal(w1, wt))
    addresses = pack_bits(_bits(rng, 300, 130, 0.5))
    c1 = rng.integers(-3, 4, size=(300, 40)).astype(np.int32)
    c2 = c1.copy()
    cpu_sdr.sdm_write(addresses, c1, packed, vals, 62)
    ref_sdr.sdm_write(addresses, c2, packed, vals, 62)
    assert np.array_equal(c1, c2)
    for a, b in zip(cpu_sdr.sdm_read(addresses, c1, packed, 62), ref_sdr.sdm_read(addresses, c1, packed, 62)):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    stored = rng.integers(0, 4, size=(12, 6))
    codes = np.concatenate([stored[:1], rng.integers(0, 4, size=(max(0, batch - 1), 6))])[:batch]
    for a, b in zip(cpu_sdr.code_agreement(stored, codes, 6), ref_sdr.code_agreement(stored, codes, 6)):
        assert np.array_equal(a, b)
    seg, sub = pack_bits(_bits(rng, 4, 130, 0.1)), pack_bits(_bits(rng, 12, 130, 0.05))
    pats = _bits(rng, 12, 130, 0.1)
    for theta in (1, 3, 200):  # 200: no segment matches, states are zeros
        for a, b in zip(cpu_sdr.segment_detect(seg, sub, packed, theta, 3, pats),
                        ref_sdr.segment_detect(seg, sub, packed, theta, 3, pats)):
            assert a.dtype == b.dtype and np.array_equal(a, b)


def test_sparsey_kernels_equal_reference_bit_for_bit():
    """The compiled match (pairwise-summed familiarity) and draw give NumPy's float64 numbers."""
    from assoc.kernels import cpu_sdr, ref_sdr

    rng = np.random.default_rng(22)
    for q, k in ((1, 1), (7, 5), (20, 20), (150, 3)):  # 150 modules: NumPy's pairwise split
        w = pack_bits(_bits(rng, q * k, 200, 0.3))
        x = _bits(rng, 4, 200, 0.1)
        x[:, 0] = 1
        packed, sizes = pack_bits(x), x.sum(axis=1, dtype=np.int64)
        a = cpu_sdr.sparsey_match(w, packed, sizes, q, k, 20.0, 0.5, 0.3)
        b = ref_sdr.sparsey_match(w, packed, sizes, q, k, 20.0, 0.5, 0.3)
        for u, v in zip(a, b):
            assert np.array_equal(u, v)
        e = np.exp(a[0])
        draws = rng.random((4, q))
        w1, w2 = w.copy(), w.copy()
        win = cpu_sdr.sparsey_draw(e, a[3] ** 1.5, 1000.0, draws, w1, packed)
        assert np.array_equal(win, ref_sdr.sparsey_draw(e, a[3] ** 1.5, 1000.0, draws, w2, packed))
        assert np.array_equal(w1, w2)
    from assoc.kernels.cpu_sdr import _pairwise_sum

    for n in (1, 7, 8, 9, 128, 129, 300, 1000, 5000):
        row = rng.random(n) * 10.0 ** rng.integers(-3, 6, size=n)
        assert _pairwise_sum(row, n) / n == row.mean()


def test_fused_kernels_parallel_paths_equal_serial_paths(monkeypatch):
    from assoc.kernels import cpu, cpu_sdr

    rng = np.random.default_rng(23)
    x = _bits(rng, 30, 200, 0.1)
    x[:, 0] = 1
    packed, sizes = pack_bits(x), x.sum(axis=1, dtype=np.int64)
    wt = pack_bits(_bits(rng, 50, 200, 0.3)).T.copy()
    mask_t = pack_bits(_bits(rng, 50, 200, 0.8)).T.copy()
    addresses = pack_bits(_bits(rng, 100, 200, 0.5))
    counters = rng.integers(-3, 4, size=(100, 50)).astype(np.int32)
    w = pack_bits(_bits(rng, 30, 200, 0.3))
    seg, sub = pack_bits(_bits(rng, 5, 200, 0.1)), pack_bits(_bits(rng, 10, 200, 0.05))

    def run():
        wt2, c2 = wt.copy(), counters.copy()
        cpu_sdr.or_values(wt2, packed, x[:, :50], mask_t)
        cpu_sdr.sdm_write(addresses, c2, packed, x[:, :50], 100)
        return (cpu_sdr.pack_rows(x)[:2], cpu_sdr.binary_overlaps(w, sizes[:30], x, 200),
                [cpu_sdr.willshaw_step(wt, mask_t, packed, sizes, r, 3, 5) for r in range(4)], (wt2, c2),
                cpu_sdr.sdm_read(addresses, counters, packed, 100), cpu_sdr.sparsey_match(w, packed, sizes, 6, 5, 20.0, 0.5, 0.3),
                cpu_sdr.segment_detect(seg, sub, packed, 2, 2, x[:10]))

    serial = run()
    monkeypatch.setattr(cpu, "PARALLEL_MIN_WORK", 0)
    parallel = run()

    def same(a, b):
        if isinstance(a, (tuple, list)):
            return all(same(u, v) for u, v in zip(a, b))
        return np.array_equal(a, b)

    assert same(serial, parallel)


def _family_runs(be, single):
    """Every family stored and recalled on fixed seeds, one row per call (``single``) or in
    batches; the recalls, states and generator states they leave."""
    rng = np.random.default_rng(24)
    keys = sparse_binary(12, 160, k=9, rng=rng)
    vals = sparse_binary(12, 40, k=5, rng=rng)
    cues = _keep(keys[:6], 6, rng)
    mems = {
        "willshaw": Willshaw(160, 40, "kwta", backend=be, seed=1),
        "willshaw_classic": Willshaw(160, 40, "classic", dilution=0.2, backend=be, seed=1),
        "kanerva": KanervaSDM(160, 400, radius=70, n_out=40, backend=be, seed=2),
        "sparsey": Sparsey(160, 8, 6, backend=be, seed=3),
        "segments": DendriticSegments(160, 6, 3, union=2, backend=be, seed=4),
    }
    out = {}
    for name, mem in mems.items():
        hetero = name.startswith(("willshaw", "kanerva"))
        rows = [slice(i, i + 1) for i in range(12)] if single else [slice(0, 5), slice(5, 12)]
        for r in rows:
            mem.store(keys[r], vals[r]) if hetero else mem.store(keys[r])
        recalls = [mem.recall(cues[i : i + 1]) for i in range(6)] if single else [mem.recall(cues)]
        state = mem.state_dict()
        out[name] = (recalls, {k: v for k, v in state.items() if k != "backend"})
    return out


def _same(a, b):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(u, v) for u, v in zip(a, b))
    if isinstance(a, np.ndarray):
        return a.dtype == np.asarray(b).dtype and np.array_equal(a, np.asarray(b))
    if hasattr(a, "states"):
        return _same([a.states, a.overlaps, a.steps, a.converged, a.status, a.extra],
                     [b.states, b.overlaps, b.steps, b.converged, b.status, b.extra])
    return a == b


def test_single_row_calls_equal_between_backends_and_batches():
    """Row-by-row stores and recalls (the compiled single-call path) leave the same weights,
    codes and generator state, and return the same recalls, as the NumPy reference; a single
    row's recall is that row of the batch recall (same state stored by batches)."""
    single = {be: _family_runs(be, True) for be in BACKENDS}
    batch = {be: _family_runs(be, False) for be in BACKENDS}
    assert _same(single["numpy"], single["numba"])
    assert _same(batch["numpy"], batch["numba"])
    for name in ("willshaw", "willshaw_classic", "kanerva"):  # no draws at store: same state either way
        one, whole = single["numba"][name][0], batch["numba"][name][0][0]
        for i, r in enumerate(one):
            assert np.array_equal(r.states[0], whole.states[i]) and np.array_equal(r.overlaps[0], whole.overlaps[i])
    for name in ("sparsey", "segments"):  # draws row by row in either case: the same stream
        assert _same(single["numba"][name][1]["rng"], batch["numba"][name][1]["rng"])
        assert _same(single["numba"][name][1], batch["numba"][name][1])


@pytest.mark.parametrize("be", BACKENDS)
def test_empty_cue_rows_are_refused_by_name(be):
    x = sparse_binary(5, 100, k=5, rng=25)
    for mem in (Willshaw(100, backend=be), Sparsey(100, 4, 4, backend=be)):
        mem.store(x)
        bad = x[:3].copy()
        bad[1] = 0
        with pytest.raises(ValueError, match=r"cues must have at least one active bit per row; rows \[1\]"):
            mem.recall(bad)
    seg = DendriticSegments(100, 6, 3, backend=be)
    with pytest.raises(ValueError, match=r"patterns must have at least synapses=6 active cells; rows \[0\] have \[5\]"):
        seg.store(x[:1])
    assert len(seg) == 0
