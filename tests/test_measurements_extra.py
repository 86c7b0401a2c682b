"""Dense (degree, load) phase diagram, interference of sparse keys sharing bits, the spiking
network's forgetting curve, and the dense Hebbian (r, M) map: drivers, theory and figures."""

from __future__ import annotations

import numpy as np
import pytest

from assoc import theory
from assoc.experiments import get_driver
from assoc.experiments.sparse_interference import shared_keys
from assoc.gallery import check_output
from dense_reference import unstable_bit_probability


def _run(name, params, seed=0, trials=1):
    drv = get_driver(name)
    rows = []
    for t in range(trials):
        res = drv(params, np.random.SeedSequence(seed, spawn_key=(0, t)))
        rows.append({**drv.resolve(params), **res, "trial": t, "point": 0})
    return rows


# --------------------------------------------------------------------------- dense (degree, load)


#: degree: (n, independent memories, largest 4 s.e. as a fraction of the rate) at scaled load 0.3
COLLAPSE_CASES = {2: (60, 200, 0.10), 3: (40, 24, 0.20), 4: (30, 16, 0.20)}


def _check_dense_bit_error_collapse(block):
    """At the same scaled load x = P (2n-3)!!/N^(n-1) = 0.3 every degree has the one-step bit
    error of the signal-to-noise theory, Q(1/sqrt(x)) = 0.034 for large N.

    At these sizes the finite-N values (the binomial tail at degree 2, the exact crosstalk
    variance above; see ``dense_reference``) differ from it by 7-15 %, and the measurement
    resolves that: bits of one memory share its patterns, so the sample unit is the memory
    (up to 100 probed patterns each), and the standard error of the mean over independent
    memories is small enough that 4 of them are under 10 % of the rate at degree 2 (a 15 %
    error is resolved) and under 20 % at degrees 3 and 4 (a 25 % error is resolved).
    """
    from scipy.special import erfc

    drv = get_driver("dense_phase")
    limit = 0.5 * erfc(1.0 / np.sqrt(2 * 0.3))  # Q(1 / sqrt(x)) at x = 0.3
    for degree, (n, memories, resolution) in COLLAPSE_CASES.items():
        params = {"n": n, "degree": degree, "load": 0.3, "probes": 100, "cue_fraction": 0.0, "max_steps": 1}
        rows = [drv(params, np.random.SeedSequence(s, spawn_key=(block,))) for s in range(memories)]
        errs = np.array([r["bit_error"] for r in rows])
        p = rows[0]["patterns"]
        assert p == round(0.3 * n ** (degree - 1) / theory.double_factorial(2 * degree - 3))
        assert rows[0]["bit_error_theory"] == pytest.approx(limit, rel=0.03)  # P rounded to an integer
        ref = unstable_bit_probability(n, p, degree)  # a zero gap keeps the bit
        assert ref == pytest.approx(limit, rel=0.2)
        se = errs.std(ddof=1) / np.sqrt(memories)
        assert 4 * se < resolution * ref, (degree, se, ref)
        assert abs(errs.mean() - ref) < 4 * se, (degree, errs.mean(), se, ref)


def test_dense_one_step_bit_error_collapses_onto_signal_to_noise_theory():
    _check_dense_bit_error_collapse(0)


@pytest.mark.slow
@pytest.mark.parametrize("block", range(1, 11))
def test_dense_one_step_bit_error_collapse_over_seeds(block):
    _check_dense_bit_error_collapse(block)


def test_dense_phase_retrieves_below_capacity_and_fails_far_above():
    """Below the Krotov-Hopfield error-free load 1/(2 ln N) every stored pattern is a fixed
    point; at x = 1 (bit error 16 %) the dynamics leaves the patterns, at degree 3 and 4."""
    for degree in (3, 4):
        low = _run("dense_phase", {"n": 60, "degree": degree, "load": 0.05, "probes": 40, "cue_fraction": 0.0})[0]
        high = _run("dense_phase", {"n": 60, "degree": degree, "load": 1.0, "probes": 40, "cue_fraction": 0.0})[0]
        assert low["load_capacity"] == pytest.approx(1 / (2 * np.log(60)))
        assert 0.05 < low["load_capacity"]
        assert low["perfect"] == 1.0 and low["m_mean"] == 1.0
        assert high["perfect"] < 0.2 and high["m_mean"] < 0.7
        assert high["patterns"] == round(60 ** (degree - 1) / theory.double_factorial(2 * degree - 3))


def test_dense_phase_rejects_bad_input():
    with pytest.raises(ValueError, match="load"):
        _run("dense_phase", {"load": 0.0})
    with pytest.raises(ValueError, match="energy"):
        _run("dense_phase", {"energy": "exponential"})
    row = _run("dense_phase", {"n": 40, "degree": 5, "load": 0.5, "max_patterns": 100})[0]
    assert row["skipped"] == 1 and np.isnan(row["m_mean"])


# --------------------------------------------------------------------------- Willshaw, shared bits


def test_shared_keys_have_exactly_the_core_in_common():
    rng = np.random.default_rng(0)
    keys = shared_keys(300, 200, 8, 3, rng)
    assert keys.shape == (300, 200) and (keys.sum(axis=1) == 8).all()
    assert keys[:, :3].all()
    gram = keys.astype(int) @ keys.T.astype(int)
    off = gram[~np.eye(300, dtype=bool)]
    assert off.min() >= 3
    # private parts: 5 of 197 units each, chance overlap 25/197 = 0.127 per pair
    assert off.mean() - 3 == pytest.approx(25 / 197, abs=0.02)


def test_shared_false_positive_theory_limits():
    """No shared bits: the exact rate is the usual one; the independence form is q p1^k;
    shared = k - 1: a silent unit fires iff it is in another value and its one private input is set."""
    M, k, l, m, n = 3000, 8, 8, 1024, 1024
    assert theory.willshaw_shared_false_positive(M, k, l, m, n, 0) == pytest.approx(
        theory.willshaw_false_positive_exact(M, k, l, m, n), rel=1e-12)
    q = 1 - (1 - l / n) ** (M - 1)
    p1 = 1 - (1 - k * l / (m * n)) ** (M - 1)
    assert theory.willshaw_shared_false_positive(M, k, l, m, n, 0, exact=False) == pytest.approx(q * p1**k)
    # shared = k - 1: P(r >= 1 and one of the r keys holds the private unit), r ~ Bin(M - 1, l/n)
    from scipy.stats import binom

    r = np.arange(0, M)
    exact = (binom.pmf(r, M - 1, l / n) * (1 - (1 - 1 / (m - k + 1)) ** r)).sum()
    assert theory.willshaw_shared_false_positive(M, k, l, m, n, k - 1) == pytest.approx(exact, rel=1e-6)
    with pytest.raises(ValueError, match="shared"):
        theory.willshaw_shared_false_positive(M, k, l, m, n, k)


def test_willshaw_false_positives_follow_the_shared_bit_theory():
    """Measured false-positive rate against the exact theory, shared = 4 and 6 of k = 8.

    200 probes x 1016 silent units: about 40 (shared 4) and 730 (shared 6) expected false
    positives; the tolerance is 4 binomial standard deviations (plus 5 % for the coupling of the
    units of one cue).
    """
    rates = {}
    for shared in (4, 6):
        row = _run("willshaw_shared", {"pairs": 4000, "shared": shared, "probes": 200})[0]
        units = 200 * (1024 - 8)
        sd = np.sqrt(row["fp_theory"] * (1 - row["fp_theory"]) / units)
        assert abs(row["fp_rate"] - row["fp_theory"]) < 4 * sd + 0.05 * row["fp_theory"], row
        assert row["miss_rate"] == 0.0
        assert row["key_overlap"] >= shared
        rates[shared] = row
    # interference: sharing 6 of 8 bits raises the error rate >100x above independent keys
    assert rates[6]["fp_rate"] > 100 * rates[6]["fp_uncorrelated"]
    assert rates[6]["fp_rate"] > 5 * rates[4]["fp_rate"]
    assert rates[6]["perfect"] < rates[4]["perfect"]


def test_willshaw_shared_rejects_bad_input():
    with pytest.raises(ValueError, match="shared"):
        _run("willshaw_shared", {"k": 8, "shared": 8})
    with pytest.raises(ValueError, match="pairs"):
        _run("willshaw_shared", {"pairs": 1})


# --------------------------------------------------------------------------- spiking forgetting


def test_ca3_variant_forgets_old_assemblies(tmp_path):
    """The spiking network's STDP with depression overwrites: the newest assemblies are
    completed from half cues, the oldest are not, and their synaptic signal has decayed."""
    from assoc import figures

    ca3 = {"family": "ca3", "p": 0.3, "a": 0.05, "eta_minus": 0.06, "cue": "erase", "cue_fraction": 0.5}
    row = _run("forgetting", {**ca3, "n": 300, "patterns": 30, "bins": 5})[0]
    m = [row[k] for k in sorted(k for k in row if k.startswith("m_"))]
    sig = [row[k] for k in sorted(k for k in row if k.startswith("sig_"))]
    # bins of ages 0, 1-2, 3-6, 7-14, 15-29; one spiking run is noisy pattern by pattern, so the
    # newest seven are averaged (0.72-0.79 over four seeds; the oldest bin 0.06-0.23)
    assert np.mean(m[:3]) > 0.55, m
    assert m[-1] < 0.3 and m[-1] < np.mean(m[:3]) - 0.4, m
    assert sig[0] > 0.2 and sig[-1] < 0.8 * sig[0], sig
    assert row["retrieved_count"] >= 5 and row["recent_run"] >= 1
    bounded = {"family": "hopfield", "rule": "palimpsest", "n": 300, "patterns": 30, "bins": 5}
    table = [row, _run("forgetting", bounded)[0]]
    path = tmp_path / "forgetting_spiking.png"
    figures.forgetting_curves(table, by="family").savefig(path, dpi=80)
    assert check_output(path, table, driver="forgetting") == []


def test_forgetting_rejects_unknown_family_and_keeps_others():
    with pytest.raises(ValueError, match="did you mean 'ca3'"):
        _run("forgetting", {"family": "ca4"})
    row = _run("forgetting", {"family": "hopfield", "rule": "palimpsest", "n": 200, "patterns": 60, "bins": 4,
                              "cue": "flip", "cue_fraction": 0.05})[0]
    assert row["m_000000"] > 0.9  # the newest pattern of learning within bounds is retrieved


# --------------------------------------------------------------------------- dense Hebbian (r, M)


def test_dense_hebbian_threshold_is_first_order_and_simulation_follows_theory():
    """At noise 1/beta = 1 (P = 4) the mean-field retrieval solution appears discontinuously as M
    grows; where it exists the simulated archetype overlap (n = 1000) is within 0.06 of it."""
    ms = np.arange(1, 200)
    m_th = np.array([theory.dense_hebbian_overlap(0.3, int(m), 1.0, 4)[0] for m in ms])
    first = int(np.argmax(m_th > 0.01))
    assert m_th[first - 1] < 1e-3 and m_th[first] > 0.3  # a jump, not a continuous rise
    for r, m in ((0.3, 64), (0.5, 16)):
        row = _run("dense_hebbian", {"n": 1000, "archetypes": 2, "r": r, "m": m, "beta": 1.0,
                                     "protocol": "supervised"})[0]
        assert row["m_theory"] > 0.9
        assert row["m_archetype"] == pytest.approx(row["m_theory"], abs=0.06)
        assert row["rho"] == pytest.approx((1 - r * r) / (m * r * r))
    far = _run("dense_hebbian", {"n": 1000, "archetypes": 2, "r": 0.1, "m": 4, "beta": 1.0,
                                 "protocol": "supervised"})[0]
    assert far["m_theory"] < 1e-3 and abs(far["m_archetype"]) < 0.2


# --------------------------------------------------------------------------- figures


def test_extra_figures_render_non_trivially(tmp_path):
    from assoc import figures

    dense = [row for d in (2, 3) for x in (0.05, 0.2, 0.6) for row in _run("dense_phase", {"n": 30, "degree": d, "load": x, "probes": 10, "cue_fraction": 0.0})]
    will = [row for s in (0, 5, 7) for row in _run("willshaw_shared", {"pairs": 3000, "shared": s, "probes": 50})]
    heb = [row for r in (0.2, 0.6) for m in (2, 16) for row in _run(
        "dense_hebbian", {"n": 200, "r": r, "m": m, "beta": 1.0, "protocol": "supervised"})]
    cases = {"dense_phase_diagram": (dense, "dense_phase"), "willshaw_shared_interference": (will, "willshaw_shared"),
             "dense_hebbian_phase": (heb, "dense_hebbian")}
    for kind, (table, driver) in cases.items():
        fig = getattr(figures, kind)(table)
        path = tmp_path / f"{kind}.png"
        fig.savefig(path, dpi=80)
        assert check_output(path, table, driver=driver) == [], kind
