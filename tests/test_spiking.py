"""Spiking CA3 memories (Brian2, numpy target): the published CAM port and the scalable network."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("brian2")

from assoc.memories.spiking.cam import (  # noqa: E402
    CA3CAM,
    PUBLISHED_CONFIG,
    TABLE_COLUMNS,
    SpikeTable,
    run_experiment,
    simulate,
)

EXPERIMENTS = ["exp1_learn_recall_forget", "exp2_pyramidal_sequence", "exp3_state_map"]


def _bits(idx, n=10):
    x = np.zeros(n, dtype=np.int8)
    x[list(idx)] = 1
    return x


def _diff(ref: SpikeTable, mine: SpikeTable) -> list:
    out = []
    for col in TABLE_COLUMNS:
        for t in sorted(set(ref[col]) | set(mine[col])):
            if ref[col].get(t) != mine[col].get(t):
                out.append((col, t, ref[col].get(t), mine[col].get(t)))
    return out


# --------------------------------------------------------------------------- the published model


def test_published_parameters_match_the_authors_configuration(reference_dir):
    cfg = json.loads((reference_dir / "ca3_cam" / "network_config.json").read_text())
    assert cfg == PUBLISHED_CONFIG


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_port_reproduces_published_spike_table_exactly(reference_dir, name):
    """Every (population, millisecond) spike set of the SpiNNaker recording is reproduced."""
    folder = reference_dir / "ca3_cam"
    ref = SpikeTable.from_reference(json.loads((folder / f"{name}.spikes.json").read_text()))
    mine = run_experiment(name, folder)
    n_ref = sum(len(v) for col in TABLE_COLUMNS for v in ref[col].values())
    assert n_ref > 100  # the comparison is not vacuous
    assert _diff(ref, mine) == []


def test_library_operations_replay_experiment_1(reference_dir):
    """store / recall / recall_by_content, 10 ms apart, are the authors' experiment 1."""
    ref = SpikeTable.from_reference(json.loads(
        (reference_dir / "ca3_cam" / "exp1_learn_recall_forget.spikes.json").read_text()))
    mem = CA3CAM(5, 10, op_ms=10)
    mem.store([0, 4, 3], [_bits([0, 1, 8, 9]), _bits([1, 5, 6]), _bits([4, 5, 6])])
    mem.recall([0])
    mem.recall_by_content([_bits([6]), _bits([0, 4])])
    mem.store([3], [_bits([1, 3, 4, 8])])
    mem.recall([3])
    mem.recall_by_content([_bits([6])])
    assert _diff(ref, mem.spike_table()) == []


def test_raster_figure_draws_the_spikes_the_sweep_stored(tmp_path, monkeypatch):
    """The cam_experiment rows carry every population's spikes; the raster figure draws them
    from the store without simulating anything."""
    import assoc.memories.spiking.cam as cam
    from assoc import figures
    from assoc.experiments.spiking import spike_column_from_text
    from assoc.sweep import load_table, run_spec

    res = run_spec("ca3-cam-raster", out_dir=tmp_path, workers=1, quiet=True, figure=False, csv_path=False)
    ref = run_experiment("exp1_learn_recall_forget")
    table = load_table(res.store)
    (row,) = table
    assert (row["n_cues"], row["n_content"], row["duration_ms"]) == (5, 10, float(ref.duration))
    for col in TABLE_COLUMNS:
        assert spike_column_from_text(row[f"raster_{col}"]) == ref[col], col
        assert row[f"spikes_{col}"] == sum(len(v) for v in ref[col].values())

    def no_simulation(*args, **kwargs):
        raise AssertionError("the raster figure must not simulate")

    monkeypatch.setattr(cam, "run_experiment", no_simulation)
    monkeypatch.setattr(cam, "simulate", no_simulation)
    fig = figures.ca3_cam_raster(table, experiment="exp1_learn_recall_forget")
    drawn = sum(len(c.get_offsets()) for c in fig.axes[0].collections)
    assert drawn == sum(row[f"spikes_{col}"] for col in TABLE_COLUMNS) > 100
    with pytest.raises(ValueError, match=r"figure.experiment must be one of .*exp1_learn_recall_forget.*'exp3_state_map'"):
        figures.ca3_cam_raster(table, experiment="exp3_state_map")
    with pytest.raises(ValueError, match=r"no column\(s\) \['raster_INcue'"):
        figures.ca3_cam_raster([{k: v for k, v in row.items() if k != "raster_INcue"}])


# --------------------------------------------------------------------------- memory behaviour


def test_learn_recall_and_forget_by_overwriting():
    mem = CA3CAM(5, 10)
    mem.store([0, 4, 3], [_bits([0, 1, 8, 9]), _bits([1, 5, 6]), _bits([4, 5, 6])])
    assert len(mem) == 3
    out = mem.recall([0, 4, 3])
    np.testing.assert_array_equal(out.states, [_bits([0, 1, 8, 9]), _bits([1, 5, 6]), _bits([4, 5, 6])])
    np.testing.assert_array_equal(out.best(), [0, 4, 3])
    np.testing.assert_array_equal(out.extra["cue_echo"], np.eye(5, dtype=np.int8)[[0, 4, 3]])
    # a fragment retrieves every cue whose memory holds one of its bits
    frag = mem.recall_by_content([_bits([6]), _bits([0, 4]), _bits([9])])
    np.testing.assert_array_equal(frag.states, [_bits([3, 4], 5), _bits([0, 3], 5), _bits([0], 5)])
    # overwriting cue 3 forgets bits 5 and 6 there
    mem.store([3], [_bits([1, 3, 4, 8])])
    np.testing.assert_array_equal(mem.recall([3]).states, [_bits([1, 3, 4, 8])])
    np.testing.assert_array_equal(mem.recall_by_content([_bits([6])]).states, [_bits([4], 5)])
    w = mem.weights()["cue_to_content"]
    assert w[3, [1, 3, 4, 8]].min() == pytest.approx(6.0) and w[3, [5, 6]].max() < 1.0


def test_non_orthogonal_memories_are_kept_apart():
    """Memories sharing bits (like the map of experiment 3) are recalled without cross-talk."""
    rng = np.random.default_rng(7)
    contents = (rng.random((6, 8)) < 0.4).astype(np.int8)
    contents[contents.sum(axis=1) == 0, 0] = 1
    mem = CA3CAM(6, 8, op_ms=10)
    mem.store(np.arange(6), contents)
    np.testing.assert_array_equal(mem.recall(np.arange(6)).states, contents)
    for bit in range(8):
        got = mem.recall_by_content([_bits([bit], 8)]).states[0]
        np.testing.assert_array_equal(got, contents[:, bit])


def test_state_dict_replays_to_identical_weights_and_spikes():
    mem = CA3CAM(3, 4)
    mem.store([0, 2], [[1, 0, 1, 0], [0, 1, 1, 0]])
    mem.recall([2])
    other = CA3CAM(3, 4)
    other.load_state_dict(mem.state_dict())
    np.testing.assert_array_equal(other.weights()["cue_to_content"], mem.weights()["cue_to_content"])
    assert other.spike_table().columns == mem.spike_table().columns
    assert len(other) == 2


def test_simulate_returns_input_and_respects_refractoriness():
    tab = simulate(2, 3, [[0, 1, 2], []], [[0, 1, 2], [], []], 12)
    assert tab["INcue"] == {0: [0], 1: [0], 2: [0]}
    # a 1 ms refractory period after each spike: input on 3 steps gives spikes at 1 and 3 only
    assert tab["CA3cueCueRecall"] == {1: [0], 3: [0]}


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "kwargs, exc, words",
    [
        ({"n_cues": 0, "n_content": 4}, ValueError, "n_cues"),
        ({"n_cues": 3, "n_content": -1}, ValueError, "n_content"),
        ({"n_cues": 3.0, "n_content": 4}, TypeError, "n_cues"),
        ({"n_cues": 3, "n_content": 4, "dt": 0.0}, ValueError, "dt"),
        ({"n_cues": 3, "n_content": 4, "dt": -1.0}, ValueError, "dt"),
        ({"n_cues": 3, "n_content": 4, "op_ms": 5.0}, ValueError, "op_ms"),
        ({"n_cues": 3, "n_content": 4, "dt": 0.7}, ValueError, "op_ms"),
    ],
)
def test_bad_construction_names_the_parameter(kwargs, exc, words):
    with pytest.raises(exc, match=words):
        CA3CAM(**kwargs)


def test_bad_operations_name_the_parameter():
    mem = CA3CAM(3, 4)
    with pytest.raises(ValueError, match="contents"):
        mem.store([0], [[0, 2, 1, 0]])  # not binary
    with pytest.raises(ValueError, match="contents"):
        mem.store([0], [[0, 0, 0, 0]])  # nothing to store
    with pytest.raises(ValueError, match="cues"):
        mem.store([3], [[1, 0, 0, 0]])  # cue out of range
    with pytest.raises(ValueError, match="cues"):
        mem.recall([-1])
    with pytest.raises(TypeError, match="cues"):
        mem.recall([0.5])
    with pytest.raises(ValueError, match="fragments"):
        mem.recall_by_content([[1, 0, 0]])  # wrong length
    with pytest.raises(ValueError, match="contents"):
        mem.store([0, 1], [[1, 0, 0, 0]])  # one row for two cues
    assert mem.spike_table().duration == 0  # nothing ran


def test_bad_config_names_the_entry():
    import copy

    cfg = copy.deepcopy(PUBLISHED_CONFIG)
    cfg["neuronParameters"]["CA3contCondL"]["tau_m"] = 0.0
    with pytest.raises(ValueError, match="CA3contCondL.tau_m"):
        CA3CAM(2, 2, config=cfg)
    cfg = copy.deepcopy(PUBLISHED_CONFIG)
    cfg["synParameters"]["CA3mergeCueL-OL"]["delay"] = -1.0
    with pytest.raises(ValueError, match="CA3mergeCueL-OL.delay"):
        CA3CAM(2, 2, config=cfg)


# --------------------------------------------------------------------------- scalable CA3 network

from assoc.memories.spiking.ca3 import CA3Network, pattern_correlation  # noqa: E402
from assoc.patterns import sparse_binary  # noqa: E402


def _partial(x, frac, rng):
    out = np.zeros_like(x)
    for b, row in enumerate(x):
        on = np.flatnonzero(row)
        out[b, rng.choice(on, size=int(round(frac * len(on))), replace=False)] = 1
    return out


def test_partial_cue_is_completed_to_the_stored_assembly():
    """Half of an assembly recalls the whole of it, and only it (n = 300, 3 patterns)."""
    rng = np.random.default_rng(5)
    net = CA3Network(300, p=0.2, a=0.1, seed=3)
    x = sparse_binary(3, 300, k=30, rng=rng)
    net.store(x)
    cues = _partial(x, 0.5, rng)
    out = net.recall(cues)
    m = np.diag(out.extra["correlation"])
    m_cue = np.array([np.corrcoef(c, p)[0, 1] for c, p in zip(cues, x)])
    np.testing.assert_array_equal(out.best(), [0, 1, 2])
    np.testing.assert_array_equal(out.extra["correlation"].argmax(axis=1), [0, 1, 2])
    assert (m > 0.8).all() and (m > m_cue + 0.1).all(), (m, m_cue)
    # the uncued half of each assembly fires; activity stays sparse (about a)
    uncued = (x == 1) & (cues == 0)
    assert out.states[uncued].mean() > 0.8
    assert (out.extra["active_fraction"] < 2 * net.a).all()


def test_network_is_silent_without_input():
    net = CA3Network(200, p=0.2, a=0.1, seed=1)
    net.store(sparse_binary(2, 200, k=20, rng=np.random.default_rng(0)))
    out = net.recall(np.zeros((1, 200), dtype=np.int8))
    assert out.states.sum() == 0 and out.extra["rate_hz"][0] == 0.0
    np.testing.assert_array_equal(out.overlaps, 0.0)
    np.testing.assert_array_equal(out.extra["correlation"], 0.0)


def test_encoding_rule_potentiates_coactive_and_depresses_pre_only_synapses():
    """One pattern, weights starting at 0.5: the covariance-like signs of the STDP rule."""
    x = sparse_binary(1, 200, k=20, rng=np.random.default_rng(2))
    net = CA3Network(200, p=0.3, a=0.1, w_init=0.5, seed=4)
    net.store(x)
    i, j, w = net.weights()
    pre, post = x[0, i] == 1, x[0, j] == 1
    assert w[pre & post].min() > 0.9  # potentiated (w_max = 1)
    assert w[pre & ~post].max() < 0.5  # pre-synaptically gated depression
    np.testing.assert_array_equal(w[~pre], 0.5)  # no pre spike, no change


def test_slow_decay_scales_every_weight_once_per_pattern():
    net = CA3Network(100, p=0.2, a=0.1, w_init=0.5, eta_plus=0.0, eta_minus=0.0, decay=0.1, seed=0)
    net.store(sparse_binary(3, 100, k=10, rng=np.random.default_rng(0)))
    np.testing.assert_allclose(net.weights()[2], 0.5 * 0.9**3, rtol=1e-12)


def test_treves_rolls_capacity_is_the_formula_with_the_theory_constant():
    """P_max = k C / (a ln(1/a)) with the theory's k = 0.2 by default, checked by hand."""
    from assoc import theory

    assert theory.TREVES_ROLLS_K == 0.2 and theory.TREVES_ROLLS_K_RANGE == (0.2, 0.3)
    assert theory.treves_rolls_capacity(100, 0.1) == pytest.approx(86.8589, abs=1e-4)  # 20 / (0.1 ln 10)
    assert theory.treves_rolls_capacity(50, 0.05, 0.3) == pytest.approx(100.1425, abs=1e-4)  # 15 / (0.05 ln 20)
    np.testing.assert_allclose(theory.treves_rolls_capacity(np.array([100.0, 200.0]), 0.1), [86.8589, 173.7178],
                               atol=1e-4)
    # the fit describes measured capacities (the k they imply); the theory's k is not it
    k_implied = theory.treves_rolls_fit(np.array([100.0]), np.array([0.1]), np.array([43.4294]))
    assert k_implied == pytest.approx(0.1, abs=1e-6)


def test_pattern_correlation_of_silence_is_zero():
    pats = np.array([[1, 0, 1, 0], [0, 1, 0, 1]])
    np.testing.assert_allclose(pattern_correlation(np.array([[2.0, 0, 2, 0], [0, 0, 0, 0]]), pats),
                               [[1.0, -1.0], [0.0, 0.0]])


@pytest.mark.parametrize(
    "kwargs, exc, words",
    [
        ({"n": 0}, ValueError, "n"),
        ({"n": 100, "p": 0.0}, ValueError, "p"),
        ({"n": 100, "p": 1.5}, ValueError, "p"),
        ({"n": 100, "a": 0.0}, ValueError, "a"),
        ({"n": 100, "dt": 0.0}, ValueError, "dt"),
        ({"n": 100, "dt": -0.5}, ValueError, "dt"),
        ({"n": 100, "read_ms": 80.0}, ValueError, "read_ms"),
        ({"n": 100, "encode_ms": 30.3}, ValueError, "encode_ms"),
        ({"n": 100, "target": "gpu"}, ValueError, "target"),
        ({"n": 100, "decay": 1.0}, ValueError, "decay"),
        ({"n": 100, "k_inh2": -1.0}, ValueError, "k_inh2"),
        ({"n": 100, "k_inh2": float("nan")}, ValueError, "k_inh2"),
    ],
)
def test_bad_network_parameters_name_the_parameter(kwargs, exc, words):
    with pytest.raises(exc, match=words):
        CA3Network(**kwargs)


def _activity_window(a: float, n: int, fractions: np.ndarray, factor: float = 1.5) -> tuple[float, float]:
    """Where the mean active fraction of ``len(fractions)`` probes of ``n`` cells must lie to be
    within ``factor`` of the coding level ``a``: ``[a / factor, factor a]`` widened by 3 standard
    errors of the mean, the larger of the binomial one for ``n B`` cell-probes at rate ``a``
    and the one of the probe-to-probe spread."""
    B = len(fractions)
    se = max(np.sqrt(a * (1 - a) / (n * B)), fractions.std(ddof=1) / np.sqrt(B))
    return a / factor - 3 * se, factor * a + 3 * se


def test_quadratic_inhibition_holds_the_activity_near_the_coding_level():
    """a = 0.2, n = 300: with the quadratic inhibition of the ca3-capacity spec the mean active
    fraction in the read window stays within a factor 1.5 of a (plus sampling error) both at a
    low load, where the cued assembly is retrieved, and far past the capacity (P a**2 = 0.8);
    the model's linear inhibition alone lets crosstalk recruit several times a cells there."""
    from assoc.experiments.spiking import _partial, quadratic_inhibition_gain

    n, a, B = 300, 0.2, 10
    x = sparse_binary(20, n, k=int(a * n), rng=np.random.default_rng(1))
    cue_rng = np.random.default_rng(2)
    net = CA3Network(n, p=0.2, a=a, seed=2, k_inh=0.0, k_inh2=quadratic_inhibition_gain(25.0, 0.3, a))
    assert net.k_inh2 == pytest.approx(25.0 * 2.0 ** 0.3)
    net.store(x[:3])
    which = np.arange(B) % 3
    cues = _partial(x[which], 0.5, cue_rng)
    low = net.recall(cues)
    m_cue = np.mean([np.corrcoef(c, x[w])[0, 1] for c, w in zip(cues, which)])
    np.testing.assert_array_equal(low.extra["correlation"].argmax(axis=1), which)  # retrieved, not silenced
    assert low.extra["correlation"][np.arange(B), which].mean() > m_cue + 0.05
    net.store(x[3:])
    cues = _partial(x[:B], 0.5, cue_rng)
    high = net.recall(cues)
    for out in (low, high):
        f = out.extra["active_fraction"]
        lo, hi = _activity_window(a, n, f)
        assert lo <= f.mean() <= hi, (f.mean() / a, lo / a, hi / a)
    linear = CA3Network(n, p=0.2, a=a, seed=2)  # the model's k_inh = 12, no quadratic term
    linear.store(x)
    f = linear.recall(cues).extra["active_fraction"]
    assert f.mean() > _activity_window(a, n, f)[1] and f.mean() > 2 * a


def test_bad_patterns_and_cues_name_the_parameter():
    net = CA3Network(50, p=0.2, a=0.1)
    with pytest.raises(ValueError, match="patterns"):
        net.store(np.full((1, 50), 2))
    with pytest.raises(ValueError, match="patterns"):
        net.store(np.zeros((1, 50), dtype=np.int8))
    with pytest.raises(ValueError, match="cues"):
        net.recall(np.zeros((1, 49), dtype=np.int8))
    assert len(net) == 0


def test_ca3_network_passes_the_memory_conformance_check():
    from assoc.agents import check_memory

    passed = check_memory(CA3Network(300, p=0.2, a=0.1, seed=0))
    assert {"retrieves_stored_patterns", "state_dict_round_trip",
            "bad_input_is_refused_and_nothing_half_stored"} <= set(passed)


# --------------------------------------------------------------------------- C++ standalone

from assoc.memories.spiking import ca3 as ca3_module  # noqa: E402
from assoc.memories.spiking import standalone  # noqa: E402

needs_compiler = pytest.mark.skipif(not standalone.compiler_available(), reason="no C++ compiler on the PATH")


@pytest.fixture(scope="module")
def standalone_cache(tmp_path_factory):
    """A fresh project cache for this module: the build path is exercised, once per key."""
    import os

    old = os.environ.get("ASSOC_CACHE_DIR")
    os.environ["ASSOC_CACHE_DIR"] = str(tmp_path_factory.mktemp("assoc-cache"))
    yield standalone.cache_dir()
    if old is None:
        del os.environ["ASSOC_CACHE_DIR"]
    else:
        os.environ["ASSOC_CACHE_DIR"] = old


class _FakeProgram:
    """Stands in for the compiled program (nothing is built): records every run's arguments,
    fires cell 0 at the start of every slot and returns, for synapse s of the program, the
    weight ``1000 * pre + post`` decoded from the connectivity table it was given."""

    def __init__(self, n, chunk, slot_s):
        self.manifest = {"chunk": chunk}
        self.n, self.slot_s, self.calls = n, slot_s, []

    def run(self, phase1, phase2, results):
        self.calls.append((phase1, phase2))
        deg = phase1["deg"].astype(int)
        pre = np.repeat(np.arange(self.n), deg)
        post = np.array([phase1["ctab"][int(o) + k] for i, o in enumerate(phase1["off"]) for k in range(deg[i])])
        np.testing.assert_array_equal(phase1["off"], np.concatenate([[0], np.cumsum(deg)[:-1]]))
        chunk = self.manifest["chunk"]
        out = {k: np.zeros(self.n) for k in ("v", "ge", "not_refractory")}
        out.update(A=np.zeros(1), lastspike=np.full(self.n, 0.5), x=np.zeros(len(pre)),
                   lastupdate=np.full(len(pre), 0.25), w=1000.0 * pre + post,
                   spikes_i=np.zeros(chunk, dtype=np.int32), spikes_t=np.arange(chunk) * self.slot_s)
        return {k: out[k] for k in results}


def test_standalone_run_arguments_carry_connectivity_parameters_input_and_state(monkeypatch):
    """Plumbing of target='standalone' without a build: the connectivity table decodes to the
    network's synapses in its order, parameters arrive in SI units, a long input is split into
    runs of ``chunk`` slots with the last one told to stop early (``t_last``), spike times
    continue across runs (none past the input's end), and the spike times held in the state
    are shifted by one run's span."""
    n, chunk = 60, 4
    net = CA3Network(n, p=0.3, a=0.1, seed=7, target="standalone", eta_plus=0.2, tau_m=12.0, k_inh2=7.0)
    slot_s = net._slot * net.dt * 1e-3
    fake = _FakeProgram(n, chunk, slot_s)
    monkeypatch.setattr(standalone, "project", lambda builder, spec, **kw: fake)
    x = sparse_binary(2, n, k=6, rng=np.random.default_rng(0))
    i, t = net._run(np.vstack([x[0:1].repeat(3, 0), np.zeros((6, n)), x[1:2]]), net._slot, 2.0,
                    g_rec=0.0, plastic=1.0, k_inh=0.0)
    assert len(fake.calls) == 3  # 10 slots in runs of 4
    np.testing.assert_allclose(t, np.arange(10) * slot_s * 1e3)  # 2 spikes past the end dropped
    np.testing.assert_array_equal(i, 0)
    pre, post, w = net.weights()
    np.testing.assert_array_equal(w, 1000.0 * pre + post)
    first, last = fake.calls[0][1], fake.calls[-1][1]
    assert first["tau_m"] == pytest.approx(0.012) and first["eta_plus"] == 0.2 and first["drive"] == 2.0
    assert first["j_eff"] == pytest.approx(net.J / (net.p * net.a * n)) and first["inc"] == pytest.approx(1 / 6)
    assert first["lastspike"] == -1e6 and first["v"] == 0.0  # a call starts from rest
    np.testing.assert_allclose(fake.calls[1][1]["lastspike"], 0.5 - chunk * slot_s)
    np.testing.assert_allclose(fake.calls[1][1]["lastupdate"], 0.25 - chunk * slot_s)
    np.testing.assert_array_equal(first["stim"][:3], x[0:1].repeat(3, 0))
    np.testing.assert_array_equal(last["stim"][:2], np.vstack([np.zeros((1, n)), x[1:2]]))
    np.testing.assert_array_equal(last["stim"][2:], 0.0)
    steps = 2 * net._slot  # the last run simulates 2 slots: it stops after the step at t_last
    assert (steps - 2) * net.dt * 1e-3 < last["t_last"] < (steps - 1) * net.dt * 1e-3
    assert first["t_last"] > (4 * net._slot - 2) * net.dt * 1e-3
    assert net.t_ms == pytest.approx(10 * slot_s * 1e3)
    assert first["k_inh"] == 0.0 and first["k_inh2"] == 0.0  # as passed (storage: no inhibition)
    net.recall(x[:1])
    assert fake.calls[-1][1]["k_inh"] == net.k_inh and fake.calls[-1][1]["k_inh2"] == 7.0


def test_standalone_cache_key_follows_the_generated_code():
    base = {"n": 100, "dt": 0.5, "slot": 20, "chunk": 16}
    assert standalone.make_key(base) == standalone.make_key(dict(reversed(base.items())))
    assert len({standalone.make_key({**base, k: v}) for k, v in
                (("n", 101), ("dt", 0.25), ("slot", 10), ("chunk", 32))} | {standalone.make_key(base)}) == 5


@needs_compiler
def test_standalone_program_gives_the_runtime_spikes_and_weights(standalone_cache, monkeypatch):
    """One compiled program (runs of 16 slots: storage and recall both span several runs, so
    the state is carried across program runs) reproduces the numpy runtime network: same spike
    counts in every read window and weights equal to rounding, with and without cholinergic
    suppression and slow decay; a second network of the same size reuses the build."""
    monkeypatch.setattr(ca3_module, "_sa_chunk", lambda n: 16)
    rng = np.random.default_rng(11)
    n = 150
    x = sparse_binary(8, n, k=15, rng=rng)
    cues = _partial(x, 0.5, rng)
    for kw in ({}, {"cholinergic": False, "decay": 0.05, "w_init": 0.2}, {"k_inh": 2.0, "k_inh2": 20.0}):
        got = {}
        for target in ("numpy", "standalone"):
            net = CA3Network(n, p=0.2, a=0.1, seed=3, target=target, **kw)
            net.store(x)
            got[target] = (net.recall(cues), net.weights())
        (ref, (pi, pj, pw)), (out, (si, sj, sw)) = got["numpy"], got["standalone"]
        assert ref.extra["counts"].sum() > 100  # the comparison is not vacuous
        np.testing.assert_array_equal(out.extra["counts"], ref.extra["counts"])
        np.testing.assert_array_equal(si, pi)
        np.testing.assert_array_equal(sj, pj)
        np.testing.assert_allclose(sw, pw, rtol=0, atol=1e-12)
    builds = [p for p in standalone_cache.iterdir() if (p / "manifest.json").exists()]
    assert len(builds) == 1


@needs_compiler
def test_standalone_state_dict_round_trip(standalone_cache, monkeypatch):
    monkeypatch.setattr(ca3_module, "_sa_chunk", lambda n: 16)
    x = sparse_binary(3, 150, k=15, rng=np.random.default_rng(4))
    net = CA3Network(150, p=0.2, a=0.1, seed=3, target="standalone")
    net.store(x)
    twin = CA3Network(150, p=0.2, a=0.1, seed=3, target="standalone")
    twin.load_state_dict(net.state_dict())
    np.testing.assert_array_equal(twin.weights()[2], net.weights()[2])
    np.testing.assert_array_equal(twin.recall(x).extra["counts"], net.recall(x).extra["counts"])


def _completion_point(args):
    from assoc.experiments import DRIVERS
    from assoc.experiments import spiking  # noqa: F401  (registers the drivers)

    target, trial = args
    params = {"n": 200, "p": 0.2, "a": 0.1, "patterns": 4, "probes": 4, "target": target}
    return DRIVERS["ca3_completion"](params, np.random.SeedSequence(5, spawn_key=(0, trial)))


@pytest.mark.slow
@needs_compiler
def test_parallel_sweep_workers_share_one_build_and_match_numpy(tmp_path, monkeypatch):
    """Two worker processes start on an empty cache at once: one builds, the other waits on
    the lock; every trial then reuses the program and gives the numpy driver's metrics."""
    from concurrent.futures import ProcessPoolExecutor

    monkeypatch.setenv("ASSOC_CACHE_DIR", str(tmp_path))
    trials = [0, 1, 2, 3]
    with ProcessPoolExecutor(2) as ex:
        fast = list(ex.map(_completion_point, [("standalone", k) for k in trials]))
    ref = [_completion_point(("numpy", k)) for k in trials]
    assert fast == ref
    assert len([p for p in standalone.cache_dir().iterdir() if p.is_dir()]) == 1
