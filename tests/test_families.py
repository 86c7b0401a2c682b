"""The family registry: the only list of families, read by every consumer.

Each registered family runs each of the four measurements on a small point (or is refused
with the reason it declares), a toy family registered here appears in every place that reads
the registry, and declarations agree with the classes they describe.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import assoc
from assoc.experiments import get_driver, list_drivers
from assoc.params import Param
from assoc.registry import FAMILIES, MEASUREMENTS, get_family, register_family, unregister_family

#: Small points per family: low load, so each family's retrieval is a property to check.
SMALL = {
    "hopfield": {"n": 200}, "cascade": {"n": 1000, "alpha": 0.002, "states": 1, "q": 0.5}, "dense": {"n": 60},
    "modern_hopfield": {"n": 60}, "dense_hebbian": {"n": 40, "alpha": 0.002}, "multitask": {"n": 200},
    "willshaw": {"n": 200}, "kanerva": {"n": 128, "locations": 400}, "sparsey": {"n": 200},
    "segments": {"n": 400}, "ca3": {"n": 200, "p": 0.3, "alpha": 0.05},
}
POINT = {"capacity": {"alpha": 0.02, "probes": 10}, "interference": {"alpha": 0.02, "probes": 10, "children": 2},
         "fragments": {"alpha": 0.02, "probes": 10, "cue_fraction": 0.2},
         "forgetting": {"patterns": 6, "bins": 3}}


def _point(family: str, measurement: str) -> dict:
    point = {"family": family, **POINT[measurement], **SMALL.get(family, {"n": 100})}
    if measurement == "forgetting":
        point.pop("alpha", None)
        point.pop("probes", None)
    if measurement == "fragments" and "erase" not in get_family(family).cue_kinds:
        point["cue"] = "random"
    if family == "ca3":
        point["probes" if measurement != "forgetting" else "bins"] = 3
    return point


CELLS = [(f, m) for f in FAMILIES for m in MEASUREMENTS]


@pytest.mark.parametrize("family,measurement", CELLS, ids=[f"{f}-{m}" for f, m in CELLS])
def test_every_family_takes_every_measurement_or_declares_why_not(family, measurement):
    """At a low load, with a cue corrupted by at most 20%, the cued items are retrieved."""
    fam = get_family(family)
    drv = get_driver(measurement)
    if measurement in fam.refuses:
        with pytest.raises(ValueError) as err:
            drv(_point(family, measurement), 0)
        assert fam.refuses[measurement] in str(err.value)
        return
    res = drv(_point(family, measurement), 0)
    if measurement == "forgetting":
        # 6 items at a load far below every capacity: the newest items are kept
        assert res["recent_run"] >= 1, res
        assert all(-1 <= v <= 1 for k, v in res.items() if k.startswith("m_")), res
        return
    assert res["patterns"] >= 1 and -1 <= res["m_mean"] <= 1 and 0 <= res["retrieved"] <= 1
    assert res["m_mean"] >= fam.threshold, res


def test_a_registered_toy_family_appears_everywhere():
    """One registration: top-level name, EpisodicMemory, drivers, models, CLI listing."""
    from assoc.agents import EpisodicMemory, episodic_families
    from assoc.sweep import load_spec

    register_family(
        "toy_nn", "assoc.memories.hopfield:Hopfield", alphabet="pm1", mode="auto",
        params=(Param("rule", "choice", "hebbian", "rule", choices=("hebbian",)),
                Param("backend", "choice", "numpy", "backend", choices=("numpy",))),
        description="a Hopfield network under another name")
    try:
        assert "toy_nn" in episodic_families()
        mem = EpisodicMemory("toy_nn", 8, 16, encoder="auto", code_dim=64, seed=0)
        assert mem.family.name == "toy_nn"
        res = get_driver("capacity")({"family": "toy_nn", "n": 100, "alpha": 0.02}, 0)
        assert res["m_mean"] == 1.0
        with pytest.raises(ValueError, match="rule"):  # the family's own parameters are checked
            get_driver("capacity")({"family": "toy_nn", "rule": "storkey"}, 0)
        spec = load_spec({"name": "t", "driver": "fragments", "params": {"family": "toy_nn", "n": 50}})
        assert spec.points()[0]["family"] == "toy_nn"
        from typer.testing import CliRunner

        from assoc.cli import app

        out = CliRunner().invoke(app, ["families"])
        assert out.exit_code == 0 and "toy_nn" in out.output
    finally:
        unregister_family("toy_nn")
    with pytest.raises(ValueError, match="toy_nn"):
        get_driver("capacity")({"family": "toy_nn"}, 0)


def test_unknown_family_is_refused_with_a_suggestion():
    with pytest.raises(ValueError, match="did you mean 'hopfield'"):
        get_family("hopfeild")


@pytest.mark.parametrize("name", list(FAMILIES))
def test_declared_parameters_are_constructor_keywords(name):
    """Every declared constructor parameter is a keyword of the class (no drift)."""
    fam = get_family(name)
    sig = inspect.signature(fam.load().__init__).parameters
    missing = [k for k, p in fam.params.items() if p.ctor and k not in sig]
    assert not missing, f"{name}: {missing} not in {fam.class_name}.__init__"


def test_top_level_names_are_the_registered_classes():
    for fam in FAMILIES.values():
        assert getattr(assoc, fam.class_name) is fam.load()
        assert fam.class_name in dir(assoc)


def test_driver_parameters_never_shadow_family_parameters():
    """A driver parameter of the same name as a family's would be taken by the wrong side."""
    for drv in list_drivers().values():
        if drv.name not in MEASUREMENTS + ("critical_load",):
            continue
        for fam in FAMILIES.values():
            clash = set(drv.params) & set(fam.params)
            assert not clash, f"driver {drv.name} and family {fam.name} both declare {sorted(clash)}"


def test_bits_per_synapse_of_a_perfect_hopfield_recall_is_load_times_n_over_synapses():
    """Below capacity every bit is retrieved: P n bits over n (n - 1) couplings."""
    res = get_driver("capacity")({"family": "hopfield", "n": 400, "alpha": 0.05, "probes": 20}, 1)
    assert res["retrieved"] == 1.0
    # the probes' bits are balanced up to sampling: entropy within 1e-3 of a bit
    assert res["bits_per_synapse"] == pytest.approx(20 * 400 / (400 * 399), rel=2e-3)


def test_corruption_reaches_the_requested_cue_overlap():
    """A flip of fraction f gives Mattis overlap exactly 1 - 2 f; an erase keeps cosine sqrt(1 - f)."""
    rng = np.random.default_rng(0)
    fam = get_family("hopfield")
    x = fam.patterns(20, 400, 0.5, rng)
    from assoc.metrics import cosine

    assert np.allclose(cosine(fam.corrupt(x, "flip", 0.1, rng), x), 0.8)
    assert np.allclose(cosine(fam.corrupt(x, "erase", 0.36, rng), x), 0.8)
    sparse = get_family("willshaw")
    y = sparse.patterns(20, 400, 0.05, rng)
    kept = sparse.corrupt(y, "erase", 0.5, rng)
    assert (kept.sum(axis=1) == 10).all() and not (kept & (1 - y)).any()
    moved = sparse.corrupt(y, "random", 0.5, rng)
    assert (moved.sum(axis=1) == 20).all() and ((moved & y).sum(axis=1) == 10).all()


def test_critical_load_stops_after_the_crossing_and_finds_the_same_crossing():
    """Stopping two loads after retrieval fell below 1/2 leaves the crossing where it was."""
    base = {"family": "hopfield", "n": 200, "points": 12, "spacing": "log", "probes": 20}
    full = get_driver("critical_load")(base, 4)
    early = get_driver("critical_load")({**base, "stop_after": 2}, 4)
    assert early["alpha_c"] == full["alpha_c"] and early["censored"] == 0
    assert early["frac_last"] < 0.5  # it stopped beyond the crossing
    lo, hi = get_family("hopfield").load_range
    assert lo < full["alpha_c"] < hi


def test_family_table_headlines_come_from_the_rows():
    """The figures/README table: largest n for capacity, the crossing for interference, the
    largest erased fraction still completed, the recent run of each preset, refusals."""
    from assoc.gallery import family_headlines

    cap = [{"family": "hopfield", "n": n, "patterns_per_n_c": v, "bits_per_synapse_max": 0.1, "censored": 0,
            "frac_last": 0.0} for n, v in ((100, 0.3), (400, 0.14), (400, 0.16))]
    inter = [{"family": "hopfield", "c": c, "item_overlap": x, "retrieved": y}
             for c, x, y in ((0.0, 0.0, 1.0), (0.5, 0.25, 0.6), (0.7, 0.5, 0.2))]
    frag = [{"family": "hopfield", "cue": "erase", "cue_fraction": f, "m_mean": m}
            for f, m in ((0.0, 1.0), (0.4, 0.95), (0.8, 0.5))]
    forg = [{"model": "hopfield-palimpsest", "family": "hopfield", "recent_run": r, "patterns": 100}
            for r in (20, 22)]
    heads = family_headlines({"capacity": cap, "interference": inter, "fragments": frag, "forgetting": forg})
    assert heads["hopfield"]["capacity"].startswith("0.15 ± 0.01 patterns/neuron") and "n = 400" in heads["hopfield"]["capacity"]
    assert "0.31" in heads["hopfield"]["interference"]  # 0.25 + (0.6 - 0.5) / (0.6 - 0.2) * 0.25 = 0.3125
    assert "40%" in heads["hopfield"]["fragments"]
    assert heads["hopfield"]["forgetting"] == "hopfield-palimpsest: 21 ± 1 recent items kept of 100"
    assert heads["ca3_cam"]["capacity"].startswith("refused")


def test_family_parameters_are_never_dropped_whatever_the_error_text():
    """A bad family value is an error even when its own text contains the word 'unknown'."""
    with pytest.raises(ValueError, match="rule"):
        get_driver("capacity").resolve({"family": "hopfield", "rule": "unknown_rule", "decay": 0.5})


def test_a_spec_that_cannot_run_fails_when_it_is_loaded():
    from assoc.sweep import load_spec

    bad = [
        ({"driver": "capacity", "grid": {"family": ["hopfield", "ca3_cam"]}}, "does not apply to family 'ca3_cam'"),
        ({"driver": "forgetting", "params": {"family": "kanerva"}}, "forgetting measurement does not apply"),
        ({"driver": "capacity", "params": {"family": "segments", "n": 30}}, "n is too small"),
        ({"driver": "critical_load", "params": {"family": "hopfield", "alpha_min": 0.3, "alpha_max": 0.1}},
         "alpha_max must be > alpha_min"),
        ({"driver": "critical_load", "params": {"family": "dense", "energy": "exponential"}}, "give alpha_min"),
    ]
    for spec, match in bad:
        with pytest.raises(ValueError, match=match):
            load_spec({"name": "t", **spec})


def test_the_hebbian_prediction_is_only_reported_where_it_applies():
    d = get_driver("interference")
    plain = d({"family": "hopfield", "n": 200, "alpha": 0.1, "c": 0.3, "probes": 10}, 0)
    decayed = d({"family": "hopfield", "n": 200, "alpha": 0.1, "c": 0.3, "probes": 10, "decay": 0.05}, 0)
    assert np.isfinite(plain["pred_error"]) and np.isnan(decayed["pred_error"])


def test_sparse_cue_corruption_has_the_requested_mean_at_any_code_size():
    """k = 7 active units and f = 0.2: 1.4 units moved on average (rounding would move 1).
    Over 4000 cues the mean count has s.e. sqrt(0.4 * 0.6 / 4000) = 0.008; tolerance 4 s.e."""
    rng = np.random.default_rng(0)
    fam = get_family("willshaw")
    x = fam.patterns(4000, 100, 0.07, rng)
    moved = (x & (1 - fam.corrupt(x, "random", 0.2, rng))).sum(axis=1)
    assert abs(moved.mean() - 1.4) < 4 * np.sqrt(0.24 / 4000)
    kept = fam.corrupt(x[:500], "erase", 0.99, rng)
    assert (kept.sum(axis=1) == 1).all()  # a fragment keeps one active unit, never none
