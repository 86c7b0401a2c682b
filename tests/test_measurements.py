"""The measurements: finite-T AGS theory, palimpsests and forgetting, phase diagrams, basins,
finite-size capacity, interference, and the figure gallery."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate
from scipy.special import erf

from assoc import theory
from assoc.experiments import get_driver
from assoc.memories.cascade import CascadeHopfield, CascadeSynapses, cascade_probabilities, fit_forgetting
from assoc.memories.hopfield import Hopfield
from assoc.patterns import random_pm1

SEED = np.random.SeedSequence(12345)


# --------------------------------------------------------------------------- AGS theory


def test_ags_lines_reach_the_known_endpoints():
    # T = 0: retrieval states exist up to 0.138 and are global minima up to 0.051 (AGS 1987)
    assert theory.ags_alpha_M(0.0) == pytest.approx(0.1379, abs=2e-4)
    assert theory.ags_alpha_global(0.0) == pytest.approx(0.051, abs=1.5e-3)
    # both lines end at T = 1 as alpha -> 0, and T_g = 1 + sqrt(alpha)
    assert theory.ags_T_M(1e-4) > 0.97 and theory.ags_T_c(1e-4) > 0.97
    assert theory.ags_T_g(0.04) == pytest.approx(1.2)
    # T_c lies below T_M everywhere, and both fall with the load
    for a in (0.01, 0.03, 0.045):
        assert theory.ags_T_c(a) < theory.ags_T_M(a) < 1.0
    assert theory.ags_T_M(0.1) < theory.ags_T_M(0.05) < theory.ags_T_M(0.01)
    assert np.isnan(theory.ags_T_M(0.2)) and np.isnan(theory.ags_T_c(0.1))


def _gauss(g):
    return integrate.quad(lambda z: g(z) * np.exp(-z * z / 2) / np.sqrt(2 * np.pi), -14, 14, limit=400,
                          epsabs=1e-13)[0]


@pytest.mark.parametrize("alpha,T", [(0.05, 0.3), (0.1, 0.2), (0.02, 0.7), (0.12, 0.05)])
def test_rs_solution_solves_the_mean_field_equations(alpha, T):
    """(m, q, r) satisfy the three RS equations when the averages are redone by adaptive quadrature."""
    m, q, r = theory.ags_rs_solution(alpha, T)
    beta, s = 1 / T, np.sqrt(alpha * r)
    assert m > 0.5
    assert _gauss(lambda z: np.tanh(beta * (m + s * z))) == pytest.approx(m, abs=1e-8)
    assert _gauss(lambda z: np.tanh(beta * (m + s * z)) ** 2) == pytest.approx(q, abs=1e-8)
    assert r == pytest.approx(q / (1 - beta * (1 - q)) ** 2, rel=1e-10)


def test_rs_free_energy_is_stationary_and_continuous_at_zero_temperature():
    alpha, T = 0.08, 0.4
    m, q, r = theory.ags_rs_solution(alpha, T)
    h = 1e-5
    for i, v in enumerate((m, q, r)):
        up, down = [m, q, r], [m, q, r]
        up[i], down[i] = v + h, v - h
        grad = (theory.ags_free_energy(alpha, T, *up) - theory.ags_free_energy(alpha, T, *down)) / (2 * h)
        assert abs(grad) < 1e-6
    m0, _, r0 = theory.ags_rs_solution(0.1, 0.0)
    m1, q1, r1 = theory.ags_rs_solution(0.1, 2e-3)
    assert m1 == pytest.approx(m0, abs=1e-4) and r1 == pytest.approx(r0, rel=1e-3) and q1 > 0.999
    f0 = theory.ags_free_energy(0.1, 0.0, m0, 1.0, r0)
    assert theory.ags_free_energy(0.1, 2e-3, m1, q1, r1) == pytest.approx(f0, abs=2e-3)
    # at alpha -> 0 the retrieval energy per neuron is -1/2
    assert theory.ags_free_energy(1e-3, 0.0, *theory.ags_rs_solution(1e-3, 0.0)) == pytest.approx(-0.5, abs=2e-3)


def test_spin_glass_solution_appears_below_t_g():
    assert theory.ags_rs_solution(0.04, 1.25, "spin_glass")[1] == 0.0  # above T_g = 1.2: paramagnet
    q = theory.ags_rs_solution(0.04, 1.1, "spin_glass")[1]
    assert 0 < q < 0.3
    with pytest.raises(ValueError, match="state"):
        theory.ags_rs_solution(0.04, 1.1, "ferro")


# --------------------------------------------------------------------------- palimpsests


def test_weight_decay_is_the_sequential_exponential_palimpsest():
    xi = random_pm1(25, 120, rng=3)
    mem = Hopfield(120, decay=0.1, backend="numpy", seed=0)
    mem.store(xi[:7])
    mem.store(xi[7:])
    w = np.zeros((120, 120))
    for x in xi.astype(float):
        w = 0.9 * w + np.outer(x, x) / 120
        np.fill_diagonal(w, 0)
    np.testing.assert_allclose(mem.weights(), w, atol=1e-12)
    assert not mem.uses_pattern_space()
    with pytest.raises(ValueError, match="decay"):
        Hopfield(50, "storkey", decay=0.1)
    with pytest.raises(ValueError, match="decay"):
        Hopfield(50, decay=1.0)


def test_cascade_probabilities_follow_fusi_drew_abbott():
    q, p = cascade_probabilities(4)
    np.testing.assert_allclose(q, [1, 0.5, 0.25, 0.25])
    np.testing.assert_allclose(p, [1, 0.5, 0.25, 0])
    q1, p1 = cascade_probabilities(1, q=0.2)
    assert q1.tolist() == [0.2] and p1.tolist() == [0.0]
    with pytest.raises(ValueError, match="states"):
        cascade_probabilities(0)


def _signal_curve(states, q, size=40_000, memories=1500, seed=0):
    rng = np.random.default_rng(seed)
    syn = CascadeSynapses(size, states, q=q, rng=rng)
    events = np.where(rng.random((memories, size)) < 0.5, 1, -1).astype(np.int8)
    for e in events:
        syn.update(e)
    sig = (events.astype(np.float64) @ syn.efficacy.astype(np.float64) / size)[::-1]  # age 0 first
    edges = np.unique(np.geomspace(1, memories, 16).astype(int))
    t = np.sqrt(edges[:-1] * edges[1:])
    s = np.array([sig[a - 1:b - 1].mean() for a, b in zip(edges[:-1], edges[1:])])
    floor = 3 / np.sqrt(size * (edges[1:] - edges[:-1]))
    return t[s > floor], s[s > floor]


def test_cascade_forgets_as_a_power_law_and_binary_synapses_exponentially():
    t, s = _signal_curve(10, 0.5)
    fit = fit_forgetting(t, s)
    assert fit["better"] == "power" and fit["pow_sse"] < 0.5 * fit["exp_sse"]
    assert 0.5 < fit["pow_gamma"] < 1.3  # about 1/t (Fusi, Drew & Abbott 2005)
    assert t.max() > 300  # the signal stays above noise over more than two decades
    t, s = _signal_curve(1, 0.05)
    fit = fit_forgetting(t, s)
    assert fit["better"] == "exponential"
    assert fit["exp_tau"] == pytest.approx(1 / -np.log(0.95), rel=0.25)  # signal ~ (1 - q)^t


def test_cascade_depth_distribution_is_stationary():
    rng = np.random.default_rng(1)
    syn = CascadeSynapses(200_000, 5, rng=rng)
    before = np.bincount(syn.depth, minlength=5) / syn.size
    for _ in range(30):
        syn.update(np.where(rng.random(syn.size) < 0.5, 1, -1).astype(np.int8))
    after = np.bincount(syn.depth, minlength=5) / syn.size
    np.testing.assert_allclose(after, before, atol=5 * np.sqrt(0.25 / syn.size))


def test_fit_forgetting_tells_the_laws_apart():
    t = np.arange(1, 200, dtype=float)
    assert fit_forgetting(t, 0.3 * np.exp(-t / 40))["better"] == "exponential"
    f = fit_forgetting(t, 0.3 * t**-0.8)
    assert f["better"] == "power" and f["pow_gamma"] == pytest.approx(0.8)
    with pytest.raises(ValueError, match="at least 3"):
        fit_forgetting([1, 2], [0.1, 0.05])


def test_cascade_hopfield_retrieves_its_newest_pattern_and_round_trips():
    xi = random_pm1(30, 150, rng=2)
    mem = CascadeHopfield(150, 6, backend="numpy", seed=4)
    mem.store(xi)
    out = mem.recall(xi[-1:])
    assert (np.asarray(out.states)[0] == xi[-1]).mean() > 0.95
    twin = CascadeHopfield(150, 6, backend="numpy", seed=9)
    twin.load_state_dict(mem.state_dict())
    np.testing.assert_array_equal(twin.weights(), mem.weights())


# --------------------------------------------------------------------------- drivers


def test_forgetting_bounded_hopfield_keeps_about_five_percent_of_n():
    d = get_driver("forgetting")
    flip = {"cue": "flip", "cue_fraction": 0.05}
    res = d({"family": "hopfield", "rule": "palimpsest", "n": 400, "patterns": 200, "bins": 8, "max_steps": 20,
             **flip}, SEED)
    assert 0.03 <= res["retrieved_per_n"] <= 0.075  # Parisi 1986: about 0.04-0.05 n
    assert res["m_000000"] > 0.95 and res[max(k for k in res if k.startswith("m_"))] < 0.3
    plain = d({"family": "hopfield", "n": 200, "patterns": 200, "bins": 6, "max_steps": 20, **flip}, SEED)
    assert plain["retrieved_count"] == 0  # no palimpsest: overload erases everything
    with pytest.raises(ValueError, match="'kanerva'"):
        d({"family": "kanerva"}, SEED)


def test_phase_driver_sees_the_retrieval_boundary():
    d = get_driver("ags_phase")
    base = {"n": 400, "alpha": 0.05, "probes": 8, "burn": 20, "measure": 10}
    cold = d(base | {"temperature": 0.2}, SEED)
    hot = d(base | {"temperature": 0.9}, SEED)  # above T_M(0.05) = 0.54
    assert cold["m_mean"] > 0.9 and hot["m_mean"] < 0.35
    zero = d(base | {"temperature": 0.0}, SEED)
    assert zero["m_mean"] > 0.99
    with pytest.raises(ValueError, match="'willshaw'"):
        d(base | {"family": "willshaw"}, SEED)


def test_fragments_basin_and_family_errors():
    d = get_driver("fragments")
    easy = d({"n": 400, "alpha": 0.05, "cue_fraction": 0.7, "cue": "erase", "probes": 10}, SEED)
    hard = d({"n": 400, "alpha": 0.2, "cue_fraction": 0.35, "cue": "flip", "probes": 10}, SEED)
    assert easy["m0"] == pytest.approx(0.3, abs=0.01) and easy["m_mean"] > 0.95
    assert hard["retrieved"] < 0.2
    w = d({"family": "willshaw", "n": 300, "alpha": 0.05, "cue_fraction": 0.5, "coding": 10 / 300, "probes": 10},
          SEED)
    assert w["m_mean"] > 0.9
    with pytest.raises(ValueError, match="smudge"):
        d({"family": "dense_hebbian", "cue": "smudge"}, SEED)
    with pytest.raises(ValueError, match="'ca3_cam'"):
        d({"family": "ca3_cam"}, SEED)


def test_interference_matches_the_signal_to_noise_prediction():
    d = get_driver("interference")
    for c in (0.0, 0.4):
        r = d({"n": 600, "alpha": 0.1, "children": 10, "c": c, "probes": 60}, SEED)
        bits = 600 * 60
        tol = 4 * np.sqrt(r["pred_error"] * (1 - r["pred_error"]) / bits) + 0.2 * r["pred_error"]
        assert abs(r["bit_error"] - r["pred_error"]) < tol
        assert r["crosstalk_mean"] == pytest.approx(r["pred_mean"], abs=4 * np.sqrt(r["pred_var"] / bits) + 0.02)
    assert r["bit_error"] > 20 * r["pred_error_random"]  # correlations, not load, make the errors
    assert r["m_parent"] > r["m_mean"]  # strong sibling crosstalk pulls the state toward the parent


# --------------------------------------------------------------------------- gallery


def test_gallery_registry_and_quick_overrides():
    from assoc.gallery import figure_file, quick_data, registry

    reg = registry()
    for name in ("ags-phase", "forgetting-curves", "fragments-basins", "capacity-finite-size", "hopfield-rules",
                 "interference-correlated"):
        assert name in reg
    q = quick_data(reg["ags-phase"])
    assert q["trials"] == 1 and q["params"]["n"] == 300 and q["params"]["rule"] == "hebbian"
    assert "quick" not in q
    assert figure_file(reg["ags-phase"]) == "ags_phase.png"


def test_check_output_flags_blank_figures(tmp_path):
    import matplotlib.pyplot as plt

    from assoc.gallery import check_output

    fig = plt.figure(figsize=(6, 4))
    fig.savefig(tmp_path / "blank.png", dpi=100)
    plt.close(fig)
    problems = check_output(tmp_path / "blank.png", [{"point": 0, "trial": 0, "m": 1.0}, {"point": 1, "trial": 0, "m": 1.0}])
    assert any("blank" in p or "bytes" in p for p in problems)
    assert any("trivial" in p for p in problems)
    assert check_output(tmp_path / "missing.png", []) == [f"{tmp_path / 'missing.png'} was not written"]


def test_figures_command_renders_a_quick_figure(tmp_path):
    from typer.testing import CliRunner

    from assoc.cli import app

    res = CliRunner().invoke(app, ["figures", "--quick", "--only", "interference-correlated", "-j", "1",
                                   "--results", str(tmp_path), "--out", str(tmp_path / "png"), "-q"])
    assert res.exit_code == 0, res.output
    assert "1/1 figures ok" in res.output
    assert (tmp_path / "png" / "interference_correlated.png").stat().st_size > 10_000
    bad = CliRunner().invoke(app, ["figures", "--only", "nope"])
    assert bad.exit_code == 2


@pytest.mark.slow
def test_every_quick_gallery_figure_is_non_trivial(tmp_path):
    from assoc.gallery import registry, render

    for name in registry():
        res = render(name, quick=True, out=tmp_path / "png", results=tmp_path, workers=1)
        assert not res.problems, (name, res.problems)
