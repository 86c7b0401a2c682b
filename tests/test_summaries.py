"""The statistics quoted in figures/README.md: every one comes from a registered summary, and
each summary runs on the gallery's quick tables and computes what its text says."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from assoc.figures.summaries import SUMMARIES, markers, summarize, summary_text, write_summaries
from assoc.gallery import quick_data
from assoc.sweep import _read_toml, bundled, load_spec, run_spec

README = Path(__file__).resolve().parents[1] / "figures" / "README.md"

#: Reduced runs for the specs that have no [quick] table of their own.
NO_QUICK = {
    "sdr-segments-theta": {"trials": 1, "params": {"probes": 2000}, "grid": {"k": [32], "theta": [2, 4, 6]}},
    "sdr-segments-union": {"trials": 1, "params": {"probes": 2000}, "grid": {"theta": [10], "union": [1, 25, 50]}},
    "willshaw-fp": {"trials": 2, "params": {"probes": 100}, "grid": {"alpha": {"start": 0.35, "stop": 1.386,
                                                                               "num": 3, "log": True}}},
    "dense-modern-regimes": {"trials": 1, "params": {"queries": 10},
                             "grid": {"beta": {"start": 0.001, "stop": 100.0, "num": 6, "log": True}}},
    "dense-multitask": {"trials": 1, "params": {"n": 2000}, "grid": {"d": [0.3, 0.5, 0.7, 0.9]}},
    "sdr-sparsey-similarity": {"trials": 1, "params": {"items": 30, "probes": 10},
                               "grid": {"input_overlap": [0.0, 0.375, 0.5, 1.0]}},
    "sdr-sparsey-capacity": {"trials": 1, "params": {"probes": 20}, "grid": {"items": [10, 50]}},
    "sdr-sdm": {"trials": 1, "params": {"probes": 50}, "grid": {"radius": [107], "items": [400, 1600]}},
    "willshaw-auto": {"trials": 1, "params": {"probes": 50}, "grid": {"k": [10], "alpha": {"start": 0.2, "stop": 1.5,
                                                                                          "num": 3, "log": True}}},
}


#: Smaller still, for the default suite (the slow suite runs the quick tables themselves): what
#: each summary needs (a crossing of 1/2 inside the range; 3 sizes with 2 samples each for the
#: finite-size fit; resolved false positives).
SMALLER = {
    "hopfield-capacity": {"trials": 1, "params": {"probes": 10},
                          "grid": {"n": [200], "alpha": {"start": 0.08, "stop": 0.3, "num": 6}}},
    "hopfield-rules": {"trials": 1, "params": {"n": 100, "probes": 10},
                       "grid": {"alpha": {"start": 0.05, "stop": 0.8, "num": 5}}},
    "capacity-finite-size": {"trials": 2, "params": {"points": 6, "probes": 10}, "grid": {"n": [100, 200, 400]}},
    "dense-phase": {"trials": 1, "params": {"probes": 10},
                    "grid": {"degree": [2, 3], "load": {"start": 0.05, "stop": 0.8, "num": 4, "log": True}}},
    "fragments-basins": {"trials": 1, "params": {"n": 200, "probes": 10},
                         "grid": {"alpha": {"start": 0.04, "stop": 0.2, "num": 3},
                                  "cue_fraction": {"start": 0.0, "stop": 0.9, "num": 4}}},
    "forgetting-curves": {"trials": 1, "params": {"n": 100, "patterns": 300, "bins": 8},
                          "grid": {"model": ["hopfield-palimpsest", "cascade"]}},
    "interference-correlated": {"trials": 1, "params": {"n": 300, "probes": 20},
                                "grid": {"children": [5], "c": [0.0, 0.4, 0.8]}},
    "willshaw-shared": {"trials": 1, "params": {"probes": 50}, "grid": {"pairs": [2000], "shared": [0, 6]}},
    "sdr-segments-n": {"trials": 1, "params": {"probes": 500}, "grid": {"k": [32], "n": [128, 512]}},
    "willshaw-capacity": {"trials": 1, "params": {"n": 256, "probes": 50},
                          "grid": {"k": [6], "alpha": {"start": 0.2, "stop": 1.733, "num": 3, "log": True}}},
    "willshaw-fp": {"trials": 2, "params": {"n": 512, "l": 16, "probes": 50}, "grid": {}},
}


def _reduced(data: dict, over: dict) -> dict:
    return {**data, "trials": over["trials"], "params": {**data.get("params", {}), **over["params"]},
            "grid": {**data.get("grid", {}), **over["grid"]}}


def _quick_table(spec: str, tmp_path: Path, smaller: bool = False) -> list[dict]:
    data = _read_toml(bundled("sims")[spec])
    data = quick_data(data) if "quick" in data else _reduced(data, NO_QUICK[spec])
    if smaller and spec in SMALLER:
        data = _reduced(data, SMALLER[spec])
    res = run_spec(load_spec(data), out_dir=tmp_path, workers=1, quiet=True, figure=False, csv_path=False)
    return res.table


def _tables(tmp_path_factory, smaller):
    return {name: [row for spec in summ.specs for row in _quick_table(spec, tmp_path_factory.mktemp(spec), smaller)]
            for name, summ in SUMMARIES.items()}


@pytest.fixture(scope="module")
def quick_tables(tmp_path_factory):
    """The quick tables of every summary, reduced further (see SMALLER)."""
    return _tables(tmp_path_factory, smaller=True)


def _numbers(obj):
    if isinstance(obj, dict):
        for v in obj.values():
            yield from _numbers(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _numbers(v)
    elif isinstance(obj, (int, float, np.integer, np.floating)) and not isinstance(obj, bool):
        yield float(obj)


def test_every_summary_has_its_markers_in_the_readme_once():
    text = README.read_text()
    for name in SUMMARIES:
        start, end = markers(name)
        assert text.count(start) == 1 and text.count(end) == 1, name
        assert text.index(start) < text.index(end)
    assert set(re.findall(r"<!-- summary:([\w-]+) -->", text)) == set(SUMMARIES)


def _check_summary(name, table):
    stats = summarize(name, table)
    text = summary_text(name, table)
    assert text and "nan" not in text
    assert any(np.isfinite(v) for v in _numbers(stats))
    return stats


@pytest.mark.parametrize("name", sorted(SUMMARIES))
def test_summary_runs_on_the_quick_tables(name, quick_tables):
    _check_summary(name, quick_tables[name])


@pytest.mark.slow
def test_summaries_run_on_the_full_quick_tables(tmp_path_factory):
    tables = _tables(tmp_path_factory, smaller=False)
    for name in SUMMARIES:
        _check_summary(name, tables[name])


def test_write_summaries_replaces_only_the_marked_text(tmp_path, quick_tables, monkeypatch):
    import assoc.figures.summaries as S

    monkeypatch.setattr(S, "summary_tables", lambda name, results, quick=False: quick_tables[name])
    start, end = markers("hopfield-rules")
    page = tmp_path / "README.md"
    page.write_text(f"before {start}old text{end} after\n")
    assert write_summaries(page, names=["hopfield-rules"]) == ["hopfield-rules"]
    assert page.read_text() == f"before {start}{summary_text('hopfield-rules', quick_tables['hopfield-rules'])}{end} after\n"
    page.write_text("no markers\n")
    with pytest.raises(ValueError, match="lacks the markers"):
        write_summaries(page, names=["hopfield-rules"])


# --------------------------------------------------------------------------- what each statistic is


def test_segment_z_pools_trials_and_counts_only_points_with_false_matches():
    base = {"n": 1024, "k": 30, "synapses": 12, "theta": 4, "segments": 5}
    table = [
        {**base, "union": 1, "fm_count": 60, "trials_fm": 100000, "fm_theory_given": 5e-4},
        {**base, "union": 1, "fm_count": 40, "trials_fm": 100000, "fm_theory_given": 5e-4},  # same point, pooled
        {**base, "union": 2, "fm_count": 0, "trials_fm": 100000, "fm_theory_given": 1e-6},  # none seen
    ]
    s = summarize("sdr-segments", table)
    z = (100 - 200000 * 5e-4) / math.sqrt(200000 * 5e-4 * (1 - 5e-4))
    assert s["points"] == 2 and s["resolvable"] == 1 and s["max_abs_z"] == pytest.approx(abs(z))
    certain = {**base, "theta": 1, "union": 50, "fm_count": 1000, "trials_fm": 1000, "fm_theory_given": 1.0}
    assert summarize("sdr-segments", table + [certain])["max_abs_z"] == pytest.approx(abs(z))  # p = 1, all matched
    table[0]["fm_count"] = 130  # 70 % more false matches than predicted: z = 7
    assert summarize("sdr-segments", table)["max_abs_z"] == pytest.approx(70 / math.sqrt(100 * (1 - 5e-4)))


def test_willshaw_statistics_use_resolved_points_and_the_pooled_standard_error():
    rows = []
    for k, m, fp, exact, indep in ((6, 100, 0.02, 0.02, 0.01), (6, 200, 0.5, 0.4, 0.2), (10, 100, 0.001, 0.001, 0.001)):
        for t in range(3):
            rows.append({"k": k, "patterns": m, "fp": fp, "fp_sem": 0.03, "fp_exact": exact, "fp_theory": indep,
                         "bits": 0.1 * k + 0.001 * m, "p1": 0.3 + 1e-4 * t, "p1_theory": 0.3})
    s = summarize("willshaw-capacity", rows)
    se = math.sqrt(3 * 0.03 ** 2) / 3
    assert s["resolved"] == 2  # the k = 10 point has fewer than 0.01 false positives
    assert s["max_abs_z"] == pytest.approx(0.1 / se) and s["ratio_max"] == pytest.approx(1.25)
    assert s["ratio_min"] == pytest.approx(1.0) and s["indep_low"][0] == pytest.approx(2.5)
    assert s["bits_peak"] == [pytest.approx(0.8), pytest.approx(1.1)] and s["p1_max_dev"] == pytest.approx(2e-4)


def test_dense_phase_deviation_counts_points_above_half_a_percent():
    rows = []
    for degree in (2, 3):
        for load, th in ((0.05, 1e-4), (0.3, 0.034), (0.6, 0.1)):
            rows.append({"n": 50, "degree": degree, "load": load, "bit_error": th * (1.1 if degree == 2 else 0.9),
                         "bit_error_theory": th, "perfect": 1.0 if load < 0.25 else 0.0})
    s = summarize("dense-phase", rows)
    assert s["points"] == 4 and s["mean_rel_dev"] == pytest.approx(0.0) and s["max_abs_rel_dev"] == pytest.approx(0.1)
    assert s["x_half"] == [pytest.approx(0.175), pytest.approx(0.175)]  # 1 -> 0 between loads 0.05 and 0.3
    assert s["x_c"] == pytest.approx(1 / (2 * math.log(50))) and s["x_1pc"] == pytest.approx(0.1848, abs=1e-4)
    for r in rows:
        r["bit_error"] *= 1.1  # every measured error 10 % higher
    assert summarize("dense-phase", rows)["mean_rel_dev"] == pytest.approx(0.1)


def test_dense_hebbian_agreement_is_retrieval_where_the_solution_exists():
    rows = [{"protocol": "supervised", "r": r, "m": m, "m_archetype": sim, "m_theory": th}
            for r, m, sim, th in ((0.3, 4, 0.02, 0.0), (0.3, 8, 0.6, 0.53), (0.5, 4, 0.4, 0.7), (0.5, 8, 0.9, 0.95))]
    s = summarize("dense-hebbian-phase", rows)["supervised"]
    assert s["points"] == 4 and s["agree"] == pytest.approx(0.75)
    assert s["mean_abs_dev"] == pytest.approx(np.mean([0.07, 0.3, 0.05]))


def test_basins_take_the_largest_completed_fraction_at_the_nearest_load():
    rows = [{"cue": cue, "alpha": a, "cue_fraction": f, "m_mean": m, "m0": 1 - 2 * f if cue == "flip" else 1 - f}
            for cue in ("erase", "flip") for a in (0.03, 0.1)
            for f, m in ((0.0, 1.0), (0.4, 0.95 if a < 0.05 else 0.5), (0.8, 0.92 if cue == "erase" and a < 0.05 else 0.1))]
    s = summarize("fragments-basins", rows)
    assert s["alpha"] == 0.03 and s["erase"] == 0.8 and s["flip"] == 0.4 and s["flip_m0"] == pytest.approx(0.2)
    assert s["alpha_max"] == 0.03  # at 0.1 no corrupted cue reaches m >= 0.9


def test_forgetting_counts_and_fits_follow_the_figure():
    ages = [0, 1, 3, 7, 15, 31]
    rows = []
    for t in range(2):
        for model, kept in (("hopfield-palimpsest", 10 + 2 * t), ("cascade", 3)):
            row = {"model": model, "n": 100, "patterns": 64, "trial": t, "retrieved_count": kept}
            centres = np.sqrt((np.array(ages) + 1.0) * np.r_[ages[1:], 64])
            row.update({f"sig_{a:06d}": float(2.0 * c ** -0.5) for a, c in zip(ages, centres)})  # a power law
            rows.append(row)
    s = summarize("forgetting-curves", rows)
    assert s["models"]["hopfield-palimpsest"] == {"retrieved": 11.0, "per_n": 0.11}
    fit = s["fits"]["cascade"]
    assert fit["better"] == "power" and fit["pow_gamma"] == pytest.approx(0.5) and fit["pow_sse"] == pytest.approx(0.0, abs=1e-20)
    assert "hopfield-palimpsest" not in s["fits"]


def test_interference_ratios_pool_trials_and_skip_unresolved_points():
    rows = [{"children": 5, "c": c, "n": 1000, "probes": 50, "bit_error": meas, "pred_error": pred,
             "pred_error_random": 1e-3, "trial": t}
            for t in range(2) for c, meas, pred in ((0.0, 0.0, 1e-5), (0.4, 0.011, 0.01), (0.8, 0.09, 0.1))]
    s = summarize("interference-correlated", rows)
    assert s["resolved"] == 2 and s["ratio_min"] == pytest.approx(0.9) and s["ratio_max"] == pytest.approx(1.1)
    assert s["max_abs_z"] == pytest.approx(0.01 / math.sqrt(0.1 * 0.9 / 100000))
    assert s["random_low_min"] == pytest.approx(11.0) and s["random_low_max"] == pytest.approx(90.0)


def test_shared_bit_statistics_pool_trials_against_the_exact_rate():
    rows = [{"pairs": pairs, "shared": sh, "probes": 100, "n": 1024, "l": 8, "fp_rate": meas, "fp_theory": exact,
             "fp_theory_indep": exact / 2, "fp_uncorrelated": 1e-5, "trial": t}
            for t in range(2) for pairs, sh, meas, exact in ((4000, 0, 0.0, 1e-7), (4000, 6, 3.7e-3, 3.6e-3),
                                                              (2000, 6, 2e-4, 2e-4))]
    s = summarize("willshaw-shared", rows)
    units = 2 * 100 * 1016
    assert s["resolved"] == 2 and s["max_abs_z"] == pytest.approx(1e-4 / math.sqrt(3.6e-3 * (1 - 3.6e-3) / units))
    assert s["examples"] == [(6, 3.7e-3, 3.6e-3)] and s["gain"] == [(4000, pytest.approx(370)), (2000, pytest.approx(20))]
    assert s["indep_low"] == pytest.approx(2.0)


def test_dense_capacity_slopes_are_the_log_log_fits_of_the_trial_means():
    rows = [{"degree": d, "n": n, "patterns_max": 0.1 * n ** (d - 1) * (1.0 + 0.01 * t), "trial": t,
             "hopfield_same_states": 1.0 if d == 2 else float("nan")}
            for d in (2, 3) for n in (50, 100, 200) for t in range(2)]
    s = summarize("dense-capacity", rows)
    assert s["degree"] == [2, 3] and s["slope"] == [pytest.approx(1.0), pytest.approx(2.0)]
    assert s["max_rel_dev"] == pytest.approx(0.0, abs=1e-9) and s["same_states"] == {"runs": 6, "mean": 1.0}
    for r in rows:
        if r["degree"] == 3:
            r["patterns_max"] *= (r["n"] / 50) ** 0.2  # slope 2.2: 10 % above d - 1
    s = summarize("dense-capacity", rows)
    assert s["max_rel_dev"] == pytest.approx(0.1) and s["worst_degree"] == 3


def test_willshaw_auto_takes_the_peak_bits_per_k():
    rows = [{"k": k, "patterns": p, "bits": b, "bits_theory": b + 0.01, "trial": 0}
            for k, pts in ((10, ((100, 0.2), (200, 0.37), (400, 0.3))), (20, ((50, 0.25), (100, 0.1))))
            for p, b in pts]
    s = summarize("willshaw-auto", rows)
    assert s == {"k": [10, 20], "bits": [0.37, 0.25], "theory": [pytest.approx(0.38), pytest.approx(0.26)]}


def test_sdm_deviation_is_over_points_with_resolved_errors():
    rows = [{"radius": 107, "items": i, "n": 256, "probes": 200, "bit_error": m, "bit_error_theory": t, "trial": tr}
            for tr in range(3) for i, m, t in ((25, 0.0, 1e-5), (800, 0.077, 0.070), (1600, 0.144, 0.16))]
    s = summarize("sdr-sdm", rows)
    assert s["resolved"] == 2 and s["max_rel_dev"] == pytest.approx(0.1)
    assert s["examples"] == [(107, 800, pytest.approx(0.077), 0.070), (107, 1600, pytest.approx(0.144), 0.16)]


def test_exponential_memory_perfect_range_stops_at_the_first_imperfect_load():
    rows = [{"n": n, "exponent": e, "exponent_eff": e, "patterns": round(math.exp(e * n)), "perfect": p,
             "retrieved": r, "cue_fraction": 0.1, "trial": 0}
            for n in (24, 32) for e, p, r in ((0.1, 1.0, 1.0), (0.2, 1.0, 1.0), (0.3, 0.9, 1.0), (0.35, 1.0, 0.8),
                                             (0.45, 0.0, 0.2))]
    s = summarize("dense-exponential", rows)
    assert s["perfect_up_to"] == [0.2, 0.2] and s["patterns_perfect"] == [round(math.exp(4.8)), round(math.exp(6.4))]
    assert s["half"] == [pytest.approx(0.4), pytest.approx(0.4)]
    assert s["bound"] == pytest.approx(0.184, abs=1e-3)


def test_modern_regimes_range_where_nine_in_ten_queries_agree():
    rows = [{"beta": b, "clusters": 4, "per_cluster": 5, "global": g, "metastable": m, "single": 1 - g - m, "k_eff": k}
            for b, g, m, k in ((0.01, 1.0, 0.0, 20.0), (0.1, 0.05, 0.95, 5.0), (1.0, 0.0, 0.5, 3.0),
                               (10.0, 0.0, 0.0, 1.0))]
    s = summarize("dense-modern-regimes", rows)
    assert s["global"] == (0.01, 0.01) and s["metastable"] == (0.1, 0.1) and s["single"] == (10.0, 10.0)
    assert s["k_global"] == 20.0 and s["k_meta"] == 5.0 and s["patterns"] == 20


def test_multitask_break_is_the_first_dilution_below_97_percent():
    rows = [{"d": d, "d_c": 0.618, "m1_over_h1": r, "m1": 1 - d, "m3": q * (1 - d), "trial": t}
            for t in range(2) for d, r, q in ((0.5, 1.0, 0.25), (0.6, 0.99, 0.36), (0.62, 0.96, 0.44), (0.7, 0.9, 0.6))]
    s = summarize("dense-multitask", rows)
    assert s["d_hold"] == 0.6 and s["d_break"] == 0.62 and s["ratio_at_break"] == pytest.approx(0.96)
    assert (s["ratio_min"], s["ratio_max"]) == (0.99, 1.0) and s["m31_before"] == pytest.approx(0.36)
    assert s["m31_at"] == pytest.approx(0.44)


def test_sparsey_statistics():
    sim = [{"input_overlap": x, "code_overlap": c, "chance": 0.02, "trial": 0}
           for x, c in ((0.0, 0.02), (0.25, 0.03), (0.375, 0.33), (0.5, 0.78), (1.0, 0.93))]
    s = summarize("sdr-sparsey-similarity", sim)
    assert s["novel_below"] == 0.375 and s["novel_code"] == pytest.approx(0.025)
    assert s["points"] == [(0.375, 0.33), (0.5, 0.78), (1.0, 0.93)]
    cap = [{"k": 32, "items": i, "accuracy": a, "novel_familiarity": f, "store_ops": 37680.0, "retrieve_ops": 18020.0}
           for i, a, f in ((100, 1.0, 0.1), (400, 1.0, 0.5), (500, 0.8, 0.9), (650, 0.2, 1.0))]
    s = summarize("sdr-sparsey-capacity", cap)
    assert s["perfect_up_to"] == 400 and s["half"] == pytest.approx(575) and s["novel_familiarity_max"] == 1.0
    assert s["store_ops"] == [37680.0] and s["retrieve_ops"] == [18020.0]


def test_capacity_crossings_interpolate_the_trial_means():
    rows = [{"n": n, "alpha": a, "retrieved": v, "trial": t}
            for n, pts in ((500, ((0.1, 1.0), (0.2, 0.0))), (1000, ((0.1, 1.0), (0.2, 0.6), (0.3, 0.0))))
            for a, v in pts for t in range(2)]
    s = summarize("hopfield-capacity", rows)
    assert s["n"] == [500, 1000] and s["crossings"] == [pytest.approx(0.15), pytest.approx(0.2 + 0.1 / 6)]
