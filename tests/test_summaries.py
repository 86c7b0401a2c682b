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
TOP_README = Path(__file__).resolve().parents[1] / "README.md"

#: The spiking CA3 network in the reduced runs: Brian2's runtime mode (no C++ build) at n = 400.
_CA3_SMALL = {"target": "numpy", "n": 400}

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
    # two coding levels, each retrieving everything at P = 3 and nothing at P = 30 (a crossing of 1/2)
    "ca3-capacity": {"trials": 1, "params": {**_CA3_SMALL, "probes": 4}, "grid": {"a": [0.1, 0.15], "patterns": [3, 30]}},
    "ca3-forgetting": {"trials": 1, "params": {**_CA3_SMALL, "patterns": 8}, "grid": {"eta_minus": [0.06]}},
    "ca3-cam-recall": {"trials": 1, "params": {}, "grid": {"coding": [0.5], "op_ms": [8.0]}},
    "ca3-cam-raster": {"trials": 1, "params": {}, "grid": {}},  # one deterministic run of experiment 1
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


def _example_tables(smaller: bool, tmp_path: Path) -> dict:
    """The tables of the summaries whose figures the examples draw: the quick tables of their
    sources, or (``smaller``) reduced runs of the examples."""
    from assoc.figures.agents import load_example
    from assoc.figures.rl import popgym_recall_rows

    if not smaller:
        return {name: summ.source(tmp_path, True) for name, summ in SUMMARIES.items() if summ.source is not None}
    rl = load_example("popgym_memory").run(agents=("none", "linear_attention", "softmax_attention"), seeds=2,
                                           episodes=6)
    return {"agent-learning": load_example("memory_agent").run(agents=("none", "modern_hopfield", "willshaw"),
                                                               seeds=2, episodes=40),
            "rl-popgym": rl + popgym_recall_rows(rl)}


def _tables(tmp_path_factory, smaller):
    out = {name: [row for spec in summ.specs for row in _quick_table(spec, tmp_path_factory.mktemp(spec), smaller)]
           for name, summ in SUMMARIES.items() if summ.source is None}
    out.update(_example_tables(smaller, tmp_path_factory.mktemp("examples")))
    assert set(out) == set(SUMMARIES)
    return out


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


#: Per summary: the statistics that its reduced tables determine, which must all be finite.
DETERMINED = {
    "ca3-cam-raster": lambda s: [len(s["recalls"])] + [i for op in s["recalls"] for i in op["input"] + op["output"]],
    "ca3-cam-recall": lambda s: [s["cue_exact_min"], s["bit_error_max"], s["old_bits_max"],
                                 *(v for _, vals in s["below"] for v in vals)],
    "ca3-completion": lambda s: [s[k] for k in ("m_small", "m_cue_small", "m_big_min", "m_big_max", "active_min",
                                                "active_max", "rate_min", "rate_max", "retrieved_big", "retrieved_hi")],
    "ca3-capacity": lambda s: [*s["p_max"], *s["theory"], *s["ratio"], s["C"],
                               *(v for st in s["steps"] for v in st[2:]), *s["activity_lo"], *s["activity_hi"]],
    "ca3-forgetting": lambda s: [v for g in s["groups"] for v in (g["newest_ok"], g["newest_m"], g["oldest"])],
    "agent-learning": lambda s: list(s["success"].values()),
    "rl-popgym": lambda s: [*(f[k] for e in s["envs"] for f in s["final"][e].values() for k in ("mean", "sd")),
                            *(v for e in s["envs"] for v in s["recall"][e].values()),
                            s["smallest_gain"]["gain"], s["smallest_gain"]["se"], s["perfect_gap"],
                            *(v for r in s["right"] for v in r[2:])],
}


def _check_summary(name, table):
    stats = summarize(name, table)
    text = summary_text(name, table)
    assert text and "nan" not in text
    assert any(np.isfinite(v) for v in _numbers(stats))
    if name in DETERMINED:
        values = DETERMINED[name](stats)
        assert values and all(np.isfinite(v) for v in values), (name, values)
    return stats


@pytest.mark.parametrize("name", sorted(SUMMARIES))
def test_summary_runs_on_the_quick_tables(name, quick_tables):
    _check_summary(name, quick_tables[name])


def test_quick_tables_determine_every_new_summary_and_the_published_experiment(quick_tables):
    s = summarize("rl-popgym", quick_tables["rl-popgym"])
    assert s["envs"] == ["RepeatPreviousEasy", "AutoencodeEasy"] and s["perfect"] == ["softmax_attention"]
    assert {a for e in s["envs"] for a in s["recall"][e]} == {"linear_attention", "softmax_attention"}
    assert summarize("ca3-capacity", quick_tables["ca3-capacity"])["steps"]  # both coding levels cross 1/2
    # the spike-exact port: recall by {6} returns cues 3 and 4, after cue 3 is overwritten only cue 4
    recalls = summarize("ca3-cam-raster", quick_tables["ca3-cam-raster"])["recalls"]
    assert [(op["by"], op["input"], op["output"]) for op in recalls] == [
        ("cue", [0], [0, 1, 8, 9]), ("content", [6], [3, 4]), ("content", [0, 4], [0, 3]), ("cue", [3], [1, 3, 4, 8]),
        ("content", [6], [4])]


def test_readme_quotes_only_registered_summaries():
    text = TOP_README.read_text()
    names = re.findall(r"<!-- summary:([\w-]+) -->", text)
    assert names and set(names) <= set(SUMMARIES)
    for name in names:
        start, end = markers(name)
        assert text.count(start) == 1 and text.count(end) == 1 and text.index(start) < text.index(end)


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
    assert "rs_agree" not in s  # no beta / degree / n / archetypes columns


def test_dense_hebbian_learning_summary_counts_cells_on_the_replica_symmetric_side():
    # beta = 1, P = 4, r = 0.3: rho = 2.53 at M = 4 (no RS retrieval), 0.16 at M = 64 (m = 0.94)
    rows = [{"protocol": "supervised", "r": 0.3, "m": m, "m_archetype": sim, "beta": 1.0, "degree": 4, "n": 1000,
             "archetypes": 2} for m, sim in ((4, 0.02), (64, 0.2))]
    s = summarize("dense-hebbian-learning", rows)
    assert s["supervised"]["cells"] == 2 and s["supervised"]["rs"] == 0.5 and s["supervised"]["rs_zero_load"] == 0.5
    assert s["supervised"]["load"] == pytest.approx(2e-9)
    assert s["rho_exists"] == pytest.approx(1.1317, abs=1e-4) and s["rho_stable"] == pytest.approx(0.2903, abs=1e-4)


def test_dense_hebbian_summary_counts_the_replica_symmetric_side_at_the_runs_load():
    # beta = 1, P = 4: the RS retrieval state exists for rho < 1.13 (zero load); r = 0.3 gives
    # rho = 2.53 at M = 4 (none) and 0.16 at M = 64 (m = 0.94); at load 2 / 10**3 the retrieval
    # state survives at M = 64 for the supervised rows only (the unsupervised storage term grows
    # with M): the simulated values below sit on the RS side at 1 of 2 points unsupervised
    rows = [{"protocol": p, "r": 0.3, "m": m, "m_archetype": sim, "m_theory": sim, "beta": 1.0, "degree": 4,
             "n": 10, "archetypes": 2}
            for p in ("supervised", "unsupervised") for m, sim in ((4, 0.02), (64, 0.9))]
    s = summarize("dense-hebbian-phase", rows)
    assert s["supervised"]["load"] == pytest.approx(2e-3)
    assert s["supervised"]["rs_agree"] == 1.0 and s["supervised"]["rs_agree_zero_load"] == 1.0
    assert s["unsupervised"]["rs_agree"] == 0.5 and s["unsupervised"]["rs_agree_zero_load"] == 1.0


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


def test_write_summaries_skips_absent_markers_only_when_not_required(tmp_path, quick_tables, monkeypatch):
    import assoc.figures.summaries as S

    monkeypatch.setattr(S, "summary_tables", lambda name, results, quick=False: quick_tables[name])
    page = tmp_path / "README.md"
    start, end = markers("ca3-forgetting")
    page.write_text(f"{start}old{end}\n")
    assert write_summaries(page, names=["ca3-forgetting", "ca3-capacity"], require=False) == ["ca3-forgetting"]
    assert page.read_text() == f"{start}{summary_text('ca3-forgetting', quick_tables['ca3-forgetting'])}{end}\n"
    with pytest.raises(ValueError, match="lacks the markers"):
        write_summaries(page, names=["ca3-capacity"])


# --------------------------------------------------------------------------- spiking CA3 and agents


def test_ca3_capacity_compares_with_the_unfitted_theory_and_reports_the_activity():
    import assoc.figures.summaries as S

    rows = [{"a": a, "patterns": p, "retrieved": r, "C": 100.0, "n": 1000, "p": 0.1, "active_fraction": af, "trial": t}
            for t in range(2)
            for a, pts in ((0.05, ((10, 1.0, 0.04), (20, 0.8, 0.05), (40, 0.2, 0.07))),
                           (0.1, ((10, 0.6, 0.07), (20, 0.0, 0.12), (40, 0.0, 0.16))))
            for p, r, af in pts]
    s = summarize("ca3-capacity", rows)
    assert s["a"] == [0.05, 0.1] and s["p_max"] == [pytest.approx(30.0), pytest.approx(10 + 10 / 6)]
    # k = 0.2 C / (a ln(1/a)) by hand: 20 / (0.05 ln 20) and 20 / (0.1 ln 10)
    assert s["k"] == 0.2 and s["theory"] == [pytest.approx(133.5233, abs=1e-4), pytest.approx(86.8589, abs=1e-4)]
    assert s["ratio"] == [pytest.approx(0.224680, abs=1e-6), pytest.approx(0.134317, abs=1e-6)]
    lo, hi, measured, scaling = s["steps"][0]  # local exponents of P_max ~ a^e
    assert (lo, hi) == (0.05, 0.1) and measured == pytest.approx(math.log((10 + 10 / 6) / 30) / math.log(2))
    assert scaling == pytest.approx(math.log((0.05 * math.log(20)) / (0.1 * math.log(10))) / math.log(2))
    assert s["activity_lo"] == [pytest.approx(0.8), pytest.approx(0.7)]
    assert s["activity_hi"] == [pytest.approx(1.4), pytest.approx(1.6)]
    assert (s["activity_min"], s["activity_max"]) == (pytest.approx(0.7), pytest.approx(1.6))
    assert "agree within 0.25 nowhere" in summary_text("ca3-capacity", rows)  # e = -1.36 against -0.62
    assert "agree within 0.8 from a = 0.05 to 0.1" in S.get_summary("ca3-capacity").render({**s, "within": 0.8})
    for r in rows:  # nothing is fitted: doubling every capacity doubles the ratios, not the theory
        r["patterns"] *= 2
    s2 = summarize("ca3-capacity", rows)
    assert s2["theory"] == s["theory"] and s2["ratio"] == [pytest.approx(2 * v) for v in s["ratio"]]


def test_ca3_forgetting_takes_the_newest_bin_and_the_oldest_retrieved_age():
    rows = []
    for eta, kept in ((0.03, 3), (0.06, 7)):
        for t in range(2):
            row = {"eta_minus": eta, "trial": t}
            for age in range(1, 13):
                ok = float(age <= kept + t)
                row.update({f"ok_age_{age}": ok, f"m_age_{age}": 0.8 * ok})
            rows.append(row)
    s = summarize("ca3-forgetting", rows)
    weak, strong = s["groups"]
    assert weak["eta_minus"] == 0.03 and weak["newest_ok"] == pytest.approx(0.7) and weak["oldest"] == 4
    assert weak["newest_m"] == pytest.approx(0.56) and strong["newest_ok"] == 1.0 and strong["oldest"] == 8
    assert "less often" in summary_text("ca3-forgetting", rows)


def test_cam_recall_exact_from_the_first_spacing_exact_at_every_larger_one():
    rows = [{"op_ms": op, "coding": c, "fragment_exact": f, "cue_exact": 1.0, "bit_error": 0.0, "old_bits_left": 0.0,
             "n_content": 10, "trial": t}
            for t in range(2) for op, c, f in ((8.0, 0.5, 0.3 + 0.1 * t), (8.0, 0.2, 1.0), (9.0, 0.5, 1.0),
                                                (9.0, 0.2, 0.9), (10.0, 0.5, 1.0), (10.0, 0.2, 1.0))]
    s = summarize("ca3-cam-recall", rows)
    assert s["exact_from"] == 10.0 and s["codings"] == [0.5, 0.2]
    assert s["below"] == [(8.0, [pytest.approx(0.35), 1.0]), (9.0, [1.0, pytest.approx(0.9)])]
    rows[0]["cue_exact"], rows[1]["old_bits_left"] = 0.875, 0.5
    s = summarize("ca3-cam-recall", rows)
    assert s["cue_exact_min"] == 0.875 and s["old_bits_max"] == 0.5
    assert "keep up to 50 %" in summary_text("ca3-cam-recall", rows)


def test_cam_raster_reads_the_outputs_of_each_recall_operation():
    from assoc.experiments.spiking import spike_column_text
    from assoc.figures.spiking import _CAM_BANDS

    cols = {c: {} for _, cs in _CAM_BANDS for c in cs}
    cols.update({"INcue": {0: [1], 1: [1], 20: [1]}, "INcont": {0: [2, 3], 1: [2, 3], 10: [3]},
                 "OUTcue": {4: [1], 15: [1, 2], 21: [0]}, "OUTcont": {5: [2, 3], 25: [2, 3], 31: [9]}})
    row = {"experiment": "toy", "n_cues": 3, "n_content": 10, "duration_ms": 30,
           **{f"raster_{c}": spike_column_text(v) for c, v in cols.items()}}
    s = summarize("ca3-cam-raster", [row])
    assert s["recalls"] == [{"t": 10, "by": "content", "input": [3], "output": [1, 2]},
                            {"t": 20, "by": "cue", "input": [1], "output": [2, 3]}]  # 31 ms is past the end


def test_ca3_completion_statistics_at_the_fewest_patterns_and_the_most():
    rows = [{"patterns": p, "cue_fraction": f, "m_mean": m, "m_cue": 1 - f, "retrieved": r, "active_fraction": 0.05,
             "rate_hz": hz, "a": 0.05, "n": 1000, "trial": t}
            for t in range(2) for p, f, m, r, hz in ((10, 0.9, 0.7, 0.5, 12.0), (10, 0.8, 0.8, 1.0, 14.0),
                                                     (10, 0.6, 0.86, 0.9, 16.0), (30, 0.9, 0.2, 0.25, 15.0),
                                                     (30, 0.6, 0.5, 0.75, 15.0))]
    s = summarize("ca3-completion", rows)
    assert (s["patterns_lo"], s["patterns_hi"], s["small"], s["small_cells"]) == (10, 30, pytest.approx(0.1), 5)
    assert s["m_small"] == pytest.approx(0.7) and s["m_cue_small"] == pytest.approx(0.1)
    assert [s[k] for k in ("m_big_min", "m_big_max", "rate_min", "rate_max")] == pytest.approx([0.8, 0.86, 14.0, 16.0])
    assert s["retrieved_big"] == pytest.approx(0.95) and s["retrieved_hi"] == pytest.approx(0.5)
    assert (s["retrieved_hi_min"], s["retrieved_hi_max"]) == (0.25, 0.75)


def test_agent_success_is_over_the_last_episodes_of_every_seed():
    rows = [{"agent": a, "seed": s, "episode": e, "reward": float(e >= 150 and (a != "none" or e % 4 == 0))}
            for a in ("willshaw", "none") for s in range(2) for e in range(200)]
    s = summarize("agent-learning", rows)
    assert s["last"] == 100 and s["seeds"] == 2 and list(s["success"]) == ["none", "willshaw"]
    assert s["success"] == {"none": pytest.approx(0.12), "willshaw": pytest.approx(0.5)}  # 152, 156, ..., 196
    assert summarize("agent-learning", [r for r in rows if r["episode"] < 50])["last"] == 50


def test_popgym_statistics_follow_the_example():
    rows = []
    for env in ("RepeatPreviousEasy", "AutoencodeEasy"):
        for agent, level in (("none", -0.5), ("hopfield", 0.2), ("softmax_attention", 1.0)):
            for seed in range(2):
                for ep in range(30):
                    ret = level if ep >= 10 else -0.5
                    rows.append({"env": env, "agent": agent, "seed": seed, "episode": ep,
                                 "return": ret + (0.01 * seed if agent != "softmax_attention" else 0.0)})
                if agent != "none":
                    rows.append({"env": env, "agent": agent, "seed": seed, "recall": 1.0 if level == 1.0 else 0.75,
                                 "items": 52, "key_dim": 32, "code_dim": 64, "value_dim": 4})
    s = summarize("rl-popgym", rows)
    assert s["final"]["AutoencodeEasy"]["hopfield"] == {"mean": pytest.approx(0.205), "sd": pytest.approx(0.01 / 2 ** 0.5)}
    assert s["smallest_gain"]["gain"] == pytest.approx(0.7) and s["smallest_gain"]["se"] == pytest.approx(0.01 / 2 ** 0.5)
    assert s["perfect"] == ["softmax_attention"] and s["perfect_gap"] == pytest.approx(0.0)
    assert (s["reach_min"], s["reach_max"]) == (15.0, 15.0)  # episodes 11-15 (from 1): the first window all at 1
    assert s["hopfield"]["load"] == pytest.approx(52 / 68) and s["hopfield"]["recall"]["RepeatPreviousEasy"] == 0.75
    assert "| Hopfield | +0.205 +/- 0.007 | 0.750 |" in summary_text("rl-popgym", rows)
