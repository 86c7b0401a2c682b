"""Dense associative memories: polynomial / exponential energies, modern Hopfield, dense Hebbian
learning from examples and the multitasking diluted network."""

from __future__ import annotations

import numpy as np
import pytest

from assoc import theory
from assoc.memories.dense import DenseAssociativeMemory
from assoc.memories.dense_hebbian import DenseHebbian
from assoc.memories.hopfield import Hopfield
from assoc.memories.modern import ModernHopfield
from assoc.memories.multitask import MultitaskHebbian
from assoc.patterns import archetypes, diluted, flip, random_pm1
from dense_reference import unstable_bit_probability

# --------------------------------------------------------------------------- polynomial


def _unstable_bit_fraction(n, p, degree, sample, seed):
    xi = random_pm1(p, n, rng=seed)
    mem = DenseAssociativeMemory(n, "polynomial", degree, backend="numpy")
    mem.store(xi)
    d = mem.energy_gaps(xi[:sample])
    return float((d * xi[:sample] <= 0).mean())


#: degree: (scaled load P / n**(degree-1), sizes, stored patterns probed, independent memories per size)
SCALING_CASES = {2: (0.25, (100, 200), 200, (150, 80)), 3: (1.0 / 3.0, (40, 80), 100, (30, 10))}


def _check_bit_error_scaling(degree, block):
    """Same P / n**(degree-1) at two sizes: the unstable-bit fraction (a zero gap counted as
    unstable) equals the finite-size reference at each size, and both references lie within
    10 % of Krotov & Hopfield's Q(sqrt(n**(degree-1) / ((2 degree - 3)!! P))).

    Bits of one memory share its patterns, so the unit of the sample is the memory: the
    standard error is that of the mean over independent memories, and their number makes 4
    standard errors less than 10 % of the rate, so a 15 % error in it is resolved.
    """
    ratio, sizes, sample, memories = SCALING_CASES[degree]
    for n, count in zip(sizes, memories):
        p = int(round(ratio * n ** (degree - 1)))
        got = np.array([_unstable_bit_fraction(n, p, degree, min(p, sample), np.random.SeedSequence(s, spawn_key=(block,)))
                        for s in range(count)])
        ref = unstable_bit_probability(n, p, degree, ties_unstable=True)
        assert ref == pytest.approx(float(theory.dense_bit_error(n, p, degree)), rel=0.1)
        se = got.std(ddof=1) / np.sqrt(count)
        assert 4 * se < 0.1 * ref, (n, se, ref)
        assert abs(got.mean() - ref) < 4 * se, (n, got.mean(), se, ref)


@pytest.mark.parametrize("degree", [2, 3])
def test_bit_error_depends_on_load_over_n_to_the_degree_minus_one(degree):
    _check_bit_error_scaling(degree, 0)


@pytest.mark.slow
@pytest.mark.parametrize("block", range(1, 11))
@pytest.mark.parametrize("degree", [2, 3])
def test_bit_error_scaling_over_seeds(degree, block):
    _check_bit_error_scaling(degree, block)


def test_finite_size_bit_error_reference_tends_to_the_signal_to_noise_limit():
    """The reference is exact where it can be checked by enumeration, and reaches
    Q(sqrt(n**(degree-1) / ((2 degree - 3)!! P))) as n grows at fixed scaled load."""
    from itertools import product

    # n = 4, P = 3, degree 2 and 3: every pattern set with the probed pattern all +1
    for degree in (2, 3):
        unstable = total = 0
        for bits in product((-1, 1), repeat=8):
            xi = np.array([[1, 1, 1, 1], bits[:4], bits[4:]], dtype=np.int64)
            a = xi @ xi[0] - xi[:, 0]  # overlaps with the probed pattern, bit 0 left out
            gap = ((a + xi[:, 0]) ** degree - (a - xi[:, 0]) ** degree).sum()
            unstable += gap < 0
            total += 1
        assert unstable_bit_probability(4, 3, degree) == pytest.approx(unstable / total, abs=1e-12 if degree == 2 else 0.05)
    for degree, load in ((2, 0.25), (3, 1 / 3), (4, 0.3)):
        n = 20000 if degree == 2 else 2000
        p = int(round(load * n ** (degree - 1) / theory.double_factorial(2 * degree - 3)))
        assert unstable_bit_probability(n, p, degree) == pytest.approx(float(theory.dense_bit_error(n, p, degree)), rel=0.01)


@pytest.mark.parametrize("degree", [3, 4])
def test_stored_patterns_are_fixed_points_well_below_capacity(degree):
    n = 60 if degree == 3 else 40
    p = int(0.3 * theory.dense_capacity(n, degree))
    xi = random_pm1(p, n, rng=degree)
    mem = DenseAssociativeMemory(n, "polynomial", degree, backend="numba", seed=0)
    mem.store(xi)
    assert p > 0.3 * n  # well above what a pairwise network of this size could hold
    assert mem.is_fixed_point(xi).all()
    out = mem.recall(xi[:20])
    assert (out.states == xi[:20]).all() and out.converged.all() and (out.steps == 1).all()


def test_degree_two_matches_the_classical_hopfield_network_state_for_state():
    xi = random_pm1(12, 150, rng=3)
    cues = flip(xi, 0.15, rng=4)
    dense = DenseAssociativeMemory(150, "polynomial", 2, backend="numba", seed=7)
    hop = Hopfield(150, "hebbian", backend="numba", seed=7)
    dense.store(xi)
    hop.store(xi)
    a, b = dense.recall(cues), hop.recall(cues)
    np.testing.assert_array_equal(a.states, b.states)
    np.testing.assert_array_equal(a.steps, b.steps)


CASES = [
    ("polynomial", 3, "async", 0.0, 80, 400),
    ("rectified", 4, "async", 0.0, 50, 300),
    ("polynomial", 14, "async", 0.0, 60, 300),  # raw powers would overflow: normalised overlaps
    ("exponential", 2, "async", 0.0, 36, 600),
    ("polynomial", 3, "glauber", 0.05, 60, 200),
    ("exponential", 2, "glauber", 0.7, 30, 300),
]


@pytest.mark.parametrize("energy,degree,dynamics,temperature,n,p", CASES)
def test_numpy_and_numba_backends_give_identical_states(energy, degree, dynamics, temperature, n, p):
    xi = random_pm1(p, n, rng=11)
    cues = flip(xi[:12], 0.2, rng=12)
    cues[:3, :5] = 0  # unknown entries
    outs = []
    for backend in ("numpy", "numba"):
        mem = DenseAssociativeMemory(n, energy, degree, dynamics, temperature=temperature, max_steps=8,
                                     backend=backend, seed=5)
        mem.store(xi)
        outs.append(mem.recall(cues))
    np.testing.assert_array_equal(outs[0].states, outs[1].states)
    np.testing.assert_array_equal(outs[0].steps, outs[1].steps)
    np.testing.assert_allclose(outs[0].energy, outs[1].energy)


@pytest.mark.parametrize("energy,degree", [("polynomial", 3), ("rectified", 3), ("exponential", 2)])
def test_energy_never_rises_under_asynchronous_updates(energy, degree):
    n, p = 60, 900
    xi = random_pm1(p, n, rng=21)
    mem = DenseAssociativeMemory(n, energy, degree, backend="numba", seed=2)
    mem.store(xi)
    s = random_pm1(10, n, rng=22)
    e = mem.energy(s)
    for _ in range(60):
        out = mem.recall(s, max_steps=1)
        s = out.states
        e_new = mem.energy(s)
        assert (e_new <= e + 1e-9 * np.abs(e)).all()
        e = e_new
        if out.converged.all():
            break
    assert out.converged.all() and mem.is_fixed_point(s).all()


def test_exact_integer_energy_gaps_match_brute_force_energy_differences():
    n, p = 30, 50
    xi = random_pm1(p, n, rng=31)
    for energy, degree in [("polynomial", 3), ("rectified", 4), ("polynomial", 2)]:
        mem = DenseAssociativeMemory(n, energy, degree, backend="numpy")
        mem.store(xi)
        s = random_pm1(3, n, rng=32)
        gaps = mem.energy_gaps(s)
        for i in (0, 7, 29):
            plus, minus = s.copy(), s.copy()
            plus[:, i], minus[:, i] = 1, -1
            np.testing.assert_array_equal(gaps[:, i], mem.energy(minus) - mem.energy(plus))


def test_sync_dynamics_retrieve_below_capacity_and_flag_cycles():
    xi = random_pm1(300, 100, rng=41)
    mem = DenseAssociativeMemory(100, "polynomial", 3, "sync", backend="numpy")
    mem.store(xi)
    out = mem.recall(flip(xi[:30], 0.1, rng=42))
    assert (out.states == xi[:30]).all(axis=1).mean() >= 0.9
    assert set(out.status_names()) <= {"fixed", "cycle", "limit"}


def test_exponential_memory_retrieves_exponentially_many_patterns():
    # N = 40 with K = 1000 patterns: ln K / N = 0.173, below the Demircigil bound 0.184 at
    # 10% flipped bits, and 7x the classical network's 0.138 N patterns ... times e^5.
    n, k = 40, 1000
    assert np.log(k) / n < theory.demircigil_alpha(0.1)
    xi = random_pm1(k, n, rng=51)
    mem = DenseAssociativeMemory(n, "exponential", backend="numba", seed=1)
    mem.store(xi)
    which = np.arange(0, k, 10)
    out = mem.recall(flip(xi[which], 0.1, rng=52))
    assert (out.states == xi[which]).all(axis=1).mean() >= 0.95


def test_exponential_energy_is_finite_at_ten_thousand_neurons():
    n = 10_000
    xi = random_pm1(40, n, rng=61)
    mem = DenseAssociativeMemory(n, "exponential", backend="numba", seed=0)
    mem.store(xi)
    out = mem.recall(flip(xi[:4], 0.3, rng=62))
    assert np.isfinite(out.energy).all()
    np.testing.assert_allclose(out.energy, -float(n), rtol=1e-12)  # -log sum exp = -n at a pattern
    assert (out.states == xi[:4]).all()
    g = DenseAssociativeMemory(n, "exponential", dynamics="glauber", temperature=1.0, max_steps=2, backend="numba",
                               seed=0)
    g.store(xi)
    assert (g.recall(xi[:2]).states == xi[:2]).all()


def test_dense_memory_state_dict_round_trip():
    xi = random_pm1(50, 40, rng=71)
    mem = DenseAssociativeMemory(40, "rectified", 4, backend="numpy", seed=3)
    mem.store(xi)
    other = DenseAssociativeMemory(40, "rectified", 4, backend="numpy")
    other.load_state_dict(mem.state_dict())
    cues = flip(xi[:5], 0.1, rng=72)
    np.testing.assert_array_equal(mem.recall(cues).states, other.recall(cues).states)
    assert len(other) == 50
    mem.reset()
    assert len(mem) == 0


@pytest.mark.parametrize(
    "kwargs,exc,words",
    [
        ({"degree": 1}, ValueError, "degree"),
        ({"degree": 2.5}, TypeError, "degree"),
        ({"energy": "cubic"}, ValueError, "energy"),
        ({"dynamics": "glauber"}, ValueError, "temperature"),
        ({"temperature": 0.5}, ValueError, "temperature"),
        ({"max_steps": 0}, ValueError, "max_steps"),
    ],
)
def test_dense_memory_rejects_bad_parameters(kwargs, exc, words):
    with pytest.raises(exc, match=words):
        DenseAssociativeMemory(20, **kwargs)


def test_dense_memory_rejects_bad_patterns_and_cues():
    mem = DenseAssociativeMemory(10, backend="numpy")
    with pytest.raises(ValueError, match="patterns"):
        mem.store(np.zeros((2, 10)))
    with pytest.raises(ValueError, match="10 columns"):
        mem.store(np.ones((2, 9)))
    with pytest.raises(ValueError, match="store"):
        mem.recall(np.ones((1, 10)))
    mem.store(np.ones((1, 10)))
    with pytest.raises(ValueError, match="cues"):
        mem.recall(np.full((1, 10), np.nan))
    with pytest.raises(ValueError, match="auto-associative"):
        mem.store(np.ones((1, 10)), np.ones((1, 10)))


# --------------------------------------------------------------------------- modern Hopfield


def _clusters(rng, d=100, k=4, per=5, spread=0.1):
    centers = rng.choice([-1.0, 1.0], size=(k, d))
    return (centers[:, None, :] + spread * rng.standard_normal((k, per, d))).reshape(k * per, d)


def test_modern_hopfield_retrieves_separated_patterns_in_one_update():
    rng = np.random.default_rng(0)
    d, p, beta = 64, 500, 1.0
    x = random_pm1(p, d, rng).astype(float)
    gram = x @ x.T
    gap = (np.diag(gram)[:, None] - gram + np.diag(np.full(p, np.inf))).min()
    assert gap >= theory.ramsauer_separation(beta, p, np.sqrt(d))  # Ramsauer et al. Theorem 4 applies
    mem = ModernHopfield(d, beta, backend="numpy")
    mem.store(x)
    q = flip(x[:50].astype(np.int8), 0.1, rng).astype(float)
    out = mem.recall(q, one_step=True)
    assert np.abs(out.states - x[:50]).max() < 1e-6
    assert (out.steps == 1).all()
    assert (out.extra["regime"] == "single").all()


def test_modern_hopfield_shows_global_metastable_and_single_regimes_as_beta_grows():
    rng = np.random.default_rng(1)
    x = _clusters(rng)
    q = x[:5] + 0.3 * rng.standard_normal((5, 100))
    found = {}
    for beta in (1e-3, 0.3, 30.0):
        mem = ModernHopfield(100, beta, max_steps=1000, backend="numpy")
        mem.store(x)
        out = mem.recall(q)
        assert out.converged.all()
        found[beta] = set(out.extra["regime"])
        if beta == 0.3:  # the fixed point averages the query's cluster of 5 patterns
            assert np.allclose(out.extra["k_eff"], 5, atol=1.5)
    assert found == {1e-3: {"global"}, 0.3: {"metastable"}, 30.0: {"single"}}


def test_modern_hopfield_update_never_raises_the_energy():
    rng = np.random.default_rng(2)
    x = _clusters(rng)
    for beta in (0.05, 0.5, 5.0):
        mem = ModernHopfield(100, beta, backend="numpy")
        mem.store(x)
        s = 2 * rng.standard_normal((20, 100))
        for _ in range(5):
            new = mem.update(s)
            assert (mem.energy(new) <= mem.energy(s) + 1e-9).all()
            s = new


def test_modern_hopfield_rejects_bad_input():
    with pytest.raises(ValueError, match="beta"):
        ModernHopfield(4, beta=0.0)
    with pytest.raises(ValueError, match="beta"):
        ModernHopfield(4, beta=-1.0)
    mem = ModernHopfield(4, backend="numpy")
    with pytest.raises(ValueError, match="NaN"):
        mem.store(np.array([[1.0, np.nan, 0.0, 0.0]]))
    with pytest.raises(TypeError, match="patterns"):
        mem.store(np.array([["a", "b", "c", "d"]]))
    with pytest.raises(ValueError, match="store"):
        mem.recall(np.ones((1, 4)))


# --------------------------------------------------------------------------- dense Hebbian


def _learn(protocol, r, m, beta, n=1500, k=2, degree=4, seed=0, max_steps=30):
    examples, arch = archetypes(k, m, n, r, rng=seed)
    net = DenseHebbian(n, degree, protocol, quality=r, beta=beta, max_steps=max_steps, backend="numba", seed=seed)
    net.store(examples.reshape(k * m, n), np.repeat(np.arange(k), m))
    out = net.recall(arch[:1])  # start at the (never seen) archetype
    return float((out.states[0].astype(float) @ arch[0]) / n)


def test_dense_hebbian_zero_noise_overlap_matches_majority_vote_theory():
    # supervised couplings: the archetype state is the example majority vote, m = E[sign(omega)]
    r, m, n = 0.2, 41, 1500
    th, _ = theory.dense_hebbian_overlap(r, m, None)
    got = _learn("supervised", r, m, None, n=n)
    assert abs(got - th) < 4 * np.sqrt((1 - th**2) / n), (got, th)


def test_dense_hebbian_learning_threshold_in_the_number_of_examples():
    r, beta = 0.2, 1.0
    low, _ = theory.dense_hebbian_overlap(r, 10, beta)
    high, _ = theory.dense_hebbian_overlap(r, 60, beta)
    assert low < 1e-6 and high > 0.7
    assert abs(_learn("supervised", r, 10, beta)) < 0.1  # too few examples: nothing learnt
    assert abs(_learn("supervised", r, 60, beta) - high) < 0.06


def test_unsupervised_network_memorises_examples_until_it_has_many():
    # Unsupervised P = 4 couplings keep every example an attractor: started at the archetype,
    # the network falls into one example (archetype overlap ~ r) where the supervised network
    # already generalises; with enough examples both reach the same low-load theory.
    r, beta = 0.3, 1.0
    few, many = 16, 128
    th_few, _ = theory.dense_hebbian_overlap(r, few, beta)
    th_many, _ = theory.dense_hebbian_overlap(r, many, beta)
    n = 1000
    tol = 5 * np.sqrt(1 / n)
    assert abs(_learn("supervised", r, few, beta, n=n) - th_few) < 0.1
    assert abs(_learn("unsupervised", r, few, beta, n=n) - r) < tol
    for protocol in ("unsupervised", "supervised"):
        assert abs(_learn(protocol, r, many, beta, n=n) - th_many) < tol


def test_dense_hebbian_with_many_examples_stores_the_archetypes():
    assert _learn("unsupervised", 0.5, 200, None, n=800, k=3) == 1.0


def test_dense_hebbian_rejects_bad_input():
    with pytest.raises(ValueError, match="even"):
        DenseHebbian(10, degree=3)
    with pytest.raises(ValueError, match="degree"):
        DenseHebbian(10, degree=0)
    with pytest.raises(ValueError, match="beta"):
        DenseHebbian(10, beta=0.0)
    with pytest.raises(ValueError, match="quality"):
        DenseHebbian(10, quality=1.5)
    with pytest.raises(ValueError, match="m must be >= 1"):
        archetypes(2, 0, 10, 0.5)
    with pytest.raises(ValueError, match="r must lie"):
        archetypes(2, 3, 10, -1.2)
    net = DenseHebbian(10, backend="numpy")
    with pytest.raises(ValueError, match="labels"):
        net.store(np.ones((2, 10)))
    with pytest.raises(ValueError, match="same number"):
        net.store(np.ones((3, 10)), np.array([0, 0, 1]))


# --------------------------------------------------------------------------- multitasking


def _multitask(d, k=3, n=20_000, seed=0):
    rng = np.random.default_rng(seed)
    xi = diluted(k, n, d, rng=rng)
    # cue: pattern 1 where it is defined, random signs where it is blank
    cue = np.where(xi[0] != 0, xi[0], 2 * rng.integers(0, 2, n) - 1)[None].astype(np.int8)
    net = MultitaskHebbian(n, backend="numba", seed=seed)
    net.store(xi)
    return net.recall(cue).extra["sorted_m"][0]


def test_multitasking_follows_the_hierarchy_below_the_critical_dilution():
    n = 20_000
    for d in (0.3, 0.5):
        m = _multitask(d, n=n)
        np.testing.assert_allclose(m, theory.multitask_hierarchy(d, 3), atol=5 / np.sqrt(n))


def test_multitasking_hierarchy_breaks_above_the_critical_dilution():
    d_c = theory.multitask_critical_dilution(3)
    assert abs(d_c - (np.sqrt(5) - 1) / 2) < 1e-9
    d = 0.66
    m = _multitask(d, n=20_000)
    hier = theory.multitask_hierarchy(d, 3)
    assert m[0] < 0.97 * hier[0]  # the leading pattern gives up neurons to the others
    assert m[2] / m[0] > hier[2] / hier[0] + 0.05  # the magnetizations move towards equality


def test_multitasking_retrieves_all_patterns_at_once_with_a_hundred_thousand_neurons():
    n, k, d = 100_000, 4, 0.4
    m = _multitask(d, k=k, n=n)
    assert abs(m[0] - (1 - d)) < 0.01  # the cued pattern holds every neuron it defines
    assert (m > 10 / np.sqrt(n)).all()  # and all four are raised together, far above noise


def test_multitasking_rejects_bad_dilution_and_temperature():
    with pytest.raises(ValueError, match="d must lie"):
        diluted(3, 10, 1.0)
    with pytest.raises(ValueError, match="d must lie"):
        diluted(3, 10, -0.1)
    with pytest.raises(ValueError, match="temperature"):
        MultitaskHebbian(10, "glauber")


# --------------------------------------------------------------------------- protocol


@pytest.mark.parametrize(
    "make",
    [
        lambda: DenseAssociativeMemory(64, "polynomial", 3, backend="numpy", seed=0),
        lambda: DenseAssociativeMemory(64, "exponential", backend="numba", seed=0),
        lambda: DenseAssociativeMemory(64, "rectified", 4, "sync", backend="numpy"),
        lambda: ModernHopfield(64, 1.0, backend="numpy"),
        lambda: MultitaskHebbian(64, backend="numba", seed=0),
    ],
)
def test_dense_families_pass_the_memory_conformance_check(make):
    from assoc.agents import check_memory

    assert "retrieves_stored_patterns" in check_memory(make())


def test_dense_hebbian_passes_the_memory_conformance_check_with_labels():
    from assoc.agents import check_memory

    net = DenseHebbian(64, 4, "supervised", backend="numba", seed=0)
    assert "state_dict_round_trip" in check_memory(net, values=lambda x, start: np.arange(len(x)) + start)


# --------------------------------------------------------------------------- drivers


def test_dense_drivers_run_a_small_point_each():
    import assoc.experiments.dense  # noqa: F401  (registers the drivers)
    from assoc.experiments import get_driver

    seed = np.random.SeedSequence(3)
    cap = get_driver("dense_capacity")({"degree": 3, "n": 40, "probes": 10}, seed)
    assert cap["n"] == 40 and cap["patterns_max"] > 0.3 * 40  # far beyond a pairwise network
    rec = get_driver("dense_recall")({"n": 24, "exponent": 0.15, "probes": 10}, seed)
    assert rec["perfect"] == 1.0 and rec["patterns"] == round(np.exp(0.15 * 24))
    reg = get_driver("modern_regimes")({"beta": 30.0, "queries": 5}, seed)
    assert reg["single"] == 1.0
    heb = get_driver("dense_hebbian")({"n": 400, "m": 64, "r": 0.5, "beta": float("inf")}, seed)
    assert heb["m_archetype"] > 0.95 and heb["rho"] == pytest.approx(3 / 64)
    mt = get_driver("multitask")({"n": 4000, "d": 0.2}, seed)
    assert mt["m1_over_h1"] == pytest.approx(1.0, abs=0.05)


@pytest.mark.parametrize(
    "name,params,words",
    [
        ("dense_hebbian", {"m": 0}, "m must be >= 1"),
        ("dense_hebbian", {"r": 1.5}, "r must lie"),
        ("dense_hebbian", {"beta": 0.0}, "beta"),
        ("dense_hebbian", {"degree": 3}, "even"),
        ("multitask", {"d": 1.0}, "d must lie"),
        ("dense_capacity", {"degree": 1, "n": 10}, "degree"),
        ("dense_recall", {"energy": "polynomial", "degree": 1}, "degree"),
        ("modern_regimes", {"beta": -1.0}, "beta"),
    ],
)
def test_dense_drivers_reject_bad_parameters(name, params, words):
    import assoc.experiments.dense  # noqa: F401  (registers the drivers)
    from assoc.experiments import get_driver

    with pytest.raises(ValueError, match=words):
        get_driver(name)(params, np.random.SeedSequence(0))


# --------------------------------------------------------------------------- theory


def test_dense_theory_limits():
    from scipy.special import erf

    # degree 2: the error-free capacity is McEliece et al.'s n / (2 ln n) per-pattern bound
    assert theory.dense_capacity(1000, 2) == pytest.approx(1000 / (2 * np.log(1000)))
    assert theory.demircigil_alpha(0.0) == pytest.approx(np.log(2) / 2)
    # zero-noise learning from many examples: m -> erf(1 / sqrt(2 rho))
    r, m = 0.1, 2001
    rho = (1 - r * r) / (m * r * r)
    got, _ = theory.dense_hebbian_overlap(r, m, None)
    assert got == pytest.approx(erf(1 / np.sqrt(2 * rho)), abs=2e-3)
    # the finite-noise solution approaches the zero-noise one as beta grows (odd M: no ties)
    assert theory.dense_hebbian_overlap(0.5, 21, 50.0)[0] == pytest.approx(theory.dense_hebbian_overlap(0.5, 21)[0],
                                                                            abs=1e-3)
    assert theory.multitask_critical_dilution(2) == 1.0
    assert theory.multitask_hierarchy(0.5, 3) == pytest.approx([0.5, 0.25, 0.125])


# --------------------------------------------------------------------------- cubic kernel


def _sweeps(kernel_fn, s, ov, xt, orders, uniforms, clamp, temperature, extra, actives=None):
    """Run the given sweeps in place; flips per sweep."""
    from assoc.memories.dense import _ftab

    n = s.shape[1]
    ftab, off = _ftab(n, 3, 1.0, False)
    out = []
    for k, (order, u) in enumerate(zip(orders, uniforms)):
        active = np.ones(s.shape[0], dtype=bool) if actives is None else actives[k]
        out.append(np.asarray(kernel_fn(s, ov, xt, order, active, clamp, ftab, off, True, True, 1.0 / (3.0 * n * n),
                                        temperature, u, *extra)).copy())
    return out


def _cubic_runs(xt, s0, clamp, orders, uniforms, temperature, actives=None, twins=True):
    """(states, overlaps, flips per sweep) of the numba table kernel, the cubic closed form
    (through the table kernel's entry, its serial and parallel compilations called directly)
    and, with ``twins``, the numpy twins of both, from the same start."""
    from assoc.kernels import cpu_dense, ref_dense

    b = s0.shape[0]
    colsum = xt.sum(axis=1, dtype=np.int64)
    lanes = cpu_dense.cubic_layout(xt)[0]
    ov0 = s0.astype(np.int64) @ xt.astype(np.int64)
    gscale = 1.0 / (3.0 * xt.shape[0] ** 2)
    cubic = cpu_dense.dense_async_sweep_table.cubic
    calls = [(cpu_dense.dense_async_sweep_table, ()), (cpu_dense.dense_async_sweep_table, (colsum,)),
             (cpu_dense.dense_async_sweep_table, (colsum, lanes)), (cubic.serial, None), (cubic.parallel, None)]
    if twins:
        calls += [(ref_dense.dense_async_sweep_table, ()), (ref_dense.dense_async_sweep_table, (colsum,))]
    runs = []
    for fn, extra in calls:
        s, ov = s0.copy(), ov0.copy()
        if extra is None:  # a compilation of the cubic form, called directly
            flips = [np.asarray(fn(s, ov, xt, lanes, colsum, o, np.ones(b, dtype=bool) if actives is None else actives[k],
                                   clamp, gscale, temperature, u)).copy()
                     for k, (o, u) in enumerate(zip(orders, uniforms))]
        else:
            flips = _sweeps(fn, s, ov, xt, orders, uniforms, clamp, temperature, extra, actives)
        runs.append((s, ov, flips))
    return runs


def _assert_same_runs(runs, xt):
    s_ref, ov_ref, flips_ref = runs[0]
    assert sum(f.sum() for f in flips_ref) > 0
    np.testing.assert_array_equal(ov_ref, s_ref.astype(np.int64) @ xt.astype(np.int64))
    for s, ov, flips in runs[1:]:
        np.testing.assert_array_equal(s, s_ref)
        np.testing.assert_array_equal(ov, ov_ref)
        for a, c in zip(flips, flips_ref):
            np.testing.assert_array_equal(a, c)


@pytest.mark.parametrize("temperature", [0.0, 0.3])
@pytest.mark.parametrize("repeats", [0, 500])  # 500 copies of one pattern: hundreds of overlaps near n
def test_cubic_closed_form_gives_the_table_kernel_states(temperature, repeats):
    """The cubic closed form (int16 overlaps, bit lanes) against the table kernel and the numpy
    twins: P = 600 is not a multiple of the 256-pattern lane block (padding), cues with unknown
    entries and clamps, one sweep with inactive cues."""
    pytest.importorskip("numba")
    n, p, b = 256, 600, 10
    xi = random_pm1(p, n, rng=41)
    xi[:repeats] = xi[0]
    xt = np.ascontiguousarray(xi.T)
    s0 = flip(xi[[0, 0, 0, 0, 0, 500, 501, 502, 503, 504]], 0.1, rng=42)
    s0[:2, :7] = 0  # unknown entries
    clamp = np.zeros((b, n), dtype=bool)
    clamp[3, :20] = True
    rng = np.random.default_rng(43)
    orders = [np.array([rng.permutation(n) for _ in range(b)]) for _ in range(4)]
    uniforms = [rng.random((b, n)) for _ in range(4)]
    actives = [np.ones(b, dtype=bool)] * 4
    actives[1] = np.arange(b) % 3 != 1
    _assert_same_runs(_cubic_runs(xt, s0, clamp, orders, uniforms, temperature, actives), xt)


@pytest.mark.parametrize("temperature", [0.0, 0.7])
def test_cubic_closed_form_is_exact_where_gaps_are_small(temperature):
    """Tiny n: the gaps are small integers and often zero (ties keep the spin), so a gap off by
    any amount (a lane, the padding, a flip update) changes the moves. Random sizes, P from 1
    up (one lane block or several), unknown entries, clamps."""
    pytest.importorskip("numba")
    for seed in range(12):
        rng = np.random.default_rng(1000 + seed)
        n, p, b = int(rng.integers(3, 14)), int(rng.integers(1, 700)), 24
        xt = rng.choice(np.array([-1, 1], dtype=np.int8), (n, p))
        s0 = rng.choice(np.array([-1, 0, 1], dtype=np.int8), (b, n))
        clamp = rng.random((b, n)) < 0.1
        orders = [np.array([rng.permutation(n) for _ in range(b)]) for _ in range(5)]
        uniforms = [rng.random((b, n)) for _ in range(5)]
        _assert_same_runs(_cubic_runs(xt, s0, clamp, orders, uniforms, temperature), xt)


def test_cubic_closed_form_with_squared_overlaps_beyond_int32():
    """sum_mu M_mu**2 > 2**31 (two groups of 1050 copies of patterns a quarter apart, n = 2048):
    the int32 lane sums are flushed to int64 every few blocks; states equal the table kernel's."""
    pytest.importorskip("numba")
    n, p, b = 2048, 2100, 2
    rng = np.random.default_rng(44)
    a = random_pm1(1, n, rng=44)[0]
    c = a.copy()
    c[rng.permutation(n)[: n // 4]] *= -1
    xi = np.concatenate([np.repeat(a[None], p // 2, axis=0), np.repeat(c[None], p // 2, axis=0)])
    xt = np.ascontiguousarray(xi.T)
    s0 = flip(np.stack([a, c]), 0.15, rng=45)
    ov0 = s0.astype(np.int64) @ xt.astype(np.int64)
    assert ((ov0 * ov0).sum(axis=1) > 2**31).all()
    orders = [np.array([rng.permutation(n) for _ in range(b)]) for _ in range(2)]
    uniforms = [np.zeros((b, n))] * 2
    runs = _cubic_runs(xt, s0, np.zeros((b, n), dtype=bool), orders, uniforms, 0.0, twins=False)
    _assert_same_runs(runs, xt)


def test_cubic_lane_sums_at_their_bounds():
    """The lane loops against int64 sums: overlaps at +/-n = 4096 (the largest the cubic form
    takes), 2**14 patterns (totals far beyond int32), groups of one block, of the most blocks
    the int32 bound allows, and of the whole row where the overlaps are small."""
    pytest.importorskip("numba")
    from numba import njit

    from assoc.kernels import cpu_dense

    @njit
    def squares(lanes, m, group):
        return np.array([cpu_dense._masked_squares(lanes[i], m, group) for i in range(lanes.shape[0])])

    @njit
    def moves(lanes, m, d, group):
        out = np.empty(lanes.shape[0], dtype=np.int64)
        for i in range(lanes.shape[0]):
            out[i] = cpu_dense._lane_move(lanes[i], m, np.int16(d), group)
        return out

    rng = np.random.default_rng(46)
    n, p = 4096, 2**14 + 37
    xt = rng.choice(np.array([-1, 1], dtype=np.int8), (5, p))
    xt[0] = 1
    xt[1] = -1
    lanes = cpu_dense.cubic_layout(xt)[0]
    pw = 16 * lanes.shape[1]
    assert lanes.shape[1] == cpu_dense.lane_words(p) and pw >= p
    m = np.zeros(pw, dtype=np.int16)
    m[:p] = rng.choice(np.array([-n, n, n - 1, -3, 0], dtype=np.int16), p)
    m64 = m[:p].astype(np.int64)
    want = ((xt < 0) * m64**2).sum(axis=1)
    for group in (1, cpu_dense.LANE_EXACT // (32 * n * n)):
        np.testing.assert_array_equal(squares(lanes, m, group), want)
    small = (m // 64).astype(np.int16)  # |m| <= 64: the whole row is one int32 group
    np.testing.assert_array_equal(squares(lanes, small, 10**9), ((xt < 0) * small[:p].astype(np.int64)**2).sum(axis=1))
    # one move of each row by d = -1 and back by +1: m returns, the sums are those of x m
    x = xt.astype(np.int64)
    mm = m.copy()
    got = moves(lanes[:1], mm, -1, cpu_dense.LANE_EXACT // (32 * n))
    np.testing.assert_array_equal(got, (x[:1] * m64).sum(axis=1))
    np.testing.assert_array_equal(mm[:p], m[:p] - 1)
    assert (mm[p:] == 1).all()  # the padding moves with x = -1 (the kernel resets it)
    mm[p:] = 0
    got = moves(lanes[:1], mm, 1, 1)
    np.testing.assert_array_equal(got, (x[:1] * (m64 - 1)).sum(axis=1))
    np.testing.assert_array_equal(mm[:p], m[:p])


def test_popcount_overlaps_equal_integer_products(monkeypatch):
    pytest.importorskip("numba")
    from assoc.kernels import cpu, cpu_dense, ref_dense

    rng = np.random.default_rng(47)
    for n, p in ((1, 3), (63, 70), (64, 300), (200, 257)):
        xt = rng.choice(np.array([-1, 1], dtype=np.int8), (n, p))
        s = rng.choice(np.array([-1, 0, 1], dtype=np.int8), (9, n))
        s[0] = 0
        want = s.astype(np.int64) @ xt.astype(np.int64)
        lanes, rows = cpu_dense.cubic_layout(xt)
        # the layouts: bit mu // W of lane word mu % W, bit i % 64 of row word i // 64
        w = cpu_dense.lane_words(p)
        mu = np.arange(p)
        assert lanes.shape == (n, w) and w % 16 == 0 and 16 * w >= p
        np.testing.assert_array_equal((lanes[:, mu % w] >> (mu // w).astype(np.uint16)) & 1, xt > 0)
        i = np.arange(n)
        assert rows.shape == (p, (n + 63) // 64)
        np.testing.assert_array_equal((rows[:, i // 64] >> (i % 64).astype(np.uint64)) & np.uint64(1), (xt > 0).T)
        monkeypatch.setattr(cpu_dense, "_LAYOUT_BLOCK", 97)  # rows packed a few patterns at a time
        np.testing.assert_array_equal(cpu_dense.cubic_layout(xt, np.ascontiguousarray(xt.T))[1], rows)
        monkeypatch.undo()
        np.testing.assert_array_equal(cpu_dense.dense_overlaps(s, xt, None, rows), want)
        np.testing.assert_array_equal(ref_dense.dense_overlaps(s, xt, None, rows), want)
        np.testing.assert_array_equal(cpu_dense.dense_overlaps.bits.parallel(s, rows), want)
    monkeypatch.setattr(cpu, "PARALLEL_MIN_WORK", 0)  # the policy's parallel path
    monkeypatch.setattr(cpu.numba, "get_num_threads", lambda: 2)
    np.testing.assert_array_equal(cpu_dense.dense_overlaps(s, xt, None, rows), want)


def test_cubic_recall_matches_the_table_kernel_and_the_numpy_twin(monkeypatch):
    """Whole recalls: the cubic form (default), the table kernel and the numpy backend give the
    same states, steps, energies and overlaps, with unknown entries and clamps; after a second
    store the kept bit layouts are rebuilt."""
    from assoc.memories import dense as dense_mod

    n, p = 120, 900
    xi = random_pm1(p, n, rng=47)
    cues = flip(xi[:30], 0.1, rng=48)
    cues[:2, :4] = 0
    clamp = np.zeros(cues.shape, dtype=bool)
    clamp[2:5, :10] = True
    orig = dense_mod._run_async

    def run(*args, **kw):
        kw["closed_form"] = False
        return orig(*args, **kw)

    outs = []
    for backend, closed in [("numba", True), ("numba", False), ("numpy", True)]:
        monkeypatch.setattr(dense_mod, "_run_async", orig if closed else run)
        mem = DenseAssociativeMemory(n, "polynomial", 3, backend=backend, seed=3)
        mem.store(xi[:600])
        first = mem.recall(cues, clamp=clamp)
        mem.store(xi[600:])
        outs.append((first, mem.recall(cues, clamp=clamp)))
    assert (outs[0][1].steps >= 2).all()
    for pair in outs[1:]:
        for out, ref in zip(pair, outs[0]):
            np.testing.assert_array_equal(out.states, ref.states)
            np.testing.assert_array_equal(out.steps, ref.steps)
            np.testing.assert_array_equal(out.energy, ref.energy)
            np.testing.assert_array_equal(out.overlaps, ref.overlaps)


def test_cubic_summary_equals_numpy_energies_and_cosines():
    """The compiled energies and cosines of the cubic memory (both compilations) against the
    NumPy forms: an all-zero state (cosine 0), states with unknown entries, no overlap columns."""
    pytest.importorskip("numba")
    from assoc.kernels import cpu_dense
    from assoc.metrics import cosine_from_dots

    n, p = 90, 300
    xi = random_pm1(p, n, rng=49)
    s = flip(xi[:6], 0.2, rng=50)
    s[0] = 0
    s[1, :30] = 0
    raw = s.astype(np.int64) @ xi.T.astype(np.int64)
    m = raw.astype(np.float64)
    want_e = -(m * m * m).sum(axis=1)
    want_o = cosine_from_dots(m, np.count_nonzero(s, axis=1), np.full(p, n))
    summary = cpu_dense.dense_async_sweep_table.summary
    for fn in (summary, summary.serial, summary.parallel):
        e, o = np.empty(6), np.empty((6, p))
        fn(raw, s, n, e, o)
        np.testing.assert_array_equal(e, want_e)
        np.testing.assert_array_equal(o, want_o)
        e2 = np.empty(6)
        fn(raw, s, n, e2, np.empty((6, 0)))
        np.testing.assert_array_equal(e2, want_e)


@pytest.mark.parametrize("dynamics, temperature", [("async", 0.0), ("glauber", 0.4)])
@pytest.mark.parametrize("b", [1, 4])
@pytest.mark.parametrize("clamped", [False, True])
def test_cubic_whole_run_of_a_small_batch_equals_the_sweep_driver(dynamics, temperature, b, clamped, monkeypatch):
    """A small batch of the cubic memory runs every sweep in one compiled call (``cubic_run``);
    its states, steps, status, energies, overlaps and generator state are the Python driver's
    (forced by a zero thread-pool threshold, which sends every batch to the driver)."""
    pytest.importorskip("numba")
    from assoc.kernels import cpu, kernel

    table = kernel("dense_async_sweep_table", "numba")
    calls = []
    whole = table.cubic_run
    monkeypatch.setattr(table, "cubic_run", lambda *a: calls.append(1) or whole(*a))

    def history(force_driver):
        with monkeypatch.context() as m:
            if force_driver:
                m.setattr(cpu, "PARALLEL_MIN_WORK", 0)
            rng = np.random.default_rng(5)
            mem = DenseAssociativeMemory(96, degree=3, dynamics=dynamics, temperature=temperature, max_steps=6,
                                         backend="numba", seed=3)
            xi = random_pm1(700, 96, rng=rng)  # far above capacity: runs of several sweeps
            mem.store(xi)
            out = []
            for r in range(4):
                cues = flip(xi[r * b:(r + 1) * b], 0.3, rng=rng)
                cues[:, :20] = 0
                clamp = None
                if clamped:
                    clamp = np.zeros(cues.shape, dtype=bool)
                    clamp[:, 50:] = True
                out.append(mem.recall(cues, clamp=clamp))
            return out, mem.rng.bit_generator.state

    got, got_rng = history(False)
    assert len(calls) == 4
    want, want_rng = history(True)
    assert len(calls) == 4  # the driver ran these
    assert got_rng == want_rng
    assert len({s for r in got for s in r.steps.tolist()}) > 1 or temperature > 0  # runs of different lengths
    for x, y in zip(got, want):
        np.testing.assert_array_equal(x.states, y.states)
        np.testing.assert_array_equal(x.steps, y.steps)
        np.testing.assert_array_equal(x.status, y.status)
        np.testing.assert_array_equal(x.energy, y.energy)
        np.testing.assert_array_equal(x.overlaps, y.overlaps)
