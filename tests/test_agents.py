"""Memories as a library for agents: encoders, the family registry, EpisodicMemory,
check_memory on every family and on a user's own class, the gymnasium wrapper, and the
MQAR memory rules."""

from __future__ import annotations

import importlib
import pickle
import subprocess
import sys

import numpy as np
import pytest

from assoc.agents import (
    CHECKS,
    BinarySignProjection,
    EpisodicMemory,
    KWTAProjection,
    MemoryCheckError,
    SignProjection,
    check_memory,
    episodic_families,
)
from assoc.registry import available_families, register_family
from assoc.memory import Recall, check_patterns

# --------------------------------------------------------------------------- encoders


def test_sign_projection_bits_disagree_with_probability_angle_over_pi():
    """Random-hyperplane hashing: P(bit differs) = theta / pi (Charikar 2002); with 8000
    bits the measured fraction is within 4 binomial standard deviations."""
    bits = 8000
    enc = SignProjection(3, bits, seed=0)
    for theta in (0.3, 1.0, 2.0):
        x = np.array([[1.0, 0.0, 0.0], [np.cos(theta), np.sin(theta), 0.0]])
        c = enc(x)
        frac = float((c[0] != c[1]).mean())
        p = theta / np.pi
        sd = np.sqrt(p * (1 - p) / bits)
        assert abs(frac - p) < 4 * sd, (theta, frac, p)


def test_kwta_projection_has_k_winners_and_keeps_similarity():
    enc = KWTAProjection(20, 400, k=20, seed=1)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(50, 20))
    near = x + 0.1 * rng.normal(size=x.shape)
    far = rng.normal(size=x.shape)
    cx, cn, cf = enc(x), enc(near), enc(far)
    assert set(np.unique(cx)) == {0, 1}
    assert (cx.sum(axis=1) == 20).all()
    # a slightly moved input keeps most winners; an unrelated input shares about k^2/n of them
    assert (cx * cn).sum(axis=1).mean() > 14
    assert (cx * cf).sum(axis=1).mean() < 5
    assert np.array_equal(KWTAProjection(20, 400, k=20, seed=1)(x), cx)  # seeded, reusable


@pytest.mark.parametrize("cls", [SignProjection, KWTAProjection, BinarySignProjection])
def test_encoder_state_round_trip_and_bad_input(cls):
    a, b = cls(5, 64, seed=3), cls(5, 64, seed=4)
    x = np.random.default_rng(0).normal(size=(7, 5))
    assert not np.array_equal(a(x), b(x))
    b.load_state_dict(pickle.loads(pickle.dumps(a.state_dict())))
    assert np.array_equal(a(x), b(x))
    bad = x.copy()
    bad[2, 1] = np.nan
    with pytest.raises(ValueError, match="x contains NaN"):
        a(bad)
    with pytest.raises(ValueError, match="5 columns"):
        a(x[:, :4])
    with pytest.raises(ValueError, match="at least one row"):
        a(x[:0])


# --------------------------------------------------------------------------- registry


def test_unknown_family_lists_the_available_ones():
    with pytest.raises(ValueError) as err:
        EpisodicMemory("no_such_family", 8, 8)
    assert "no_such_family" in str(err.value) and "hopfield" in str(err.value)


def test_registered_family_whose_class_is_missing_is_not_available():
    register_family("ghost", "assoc.memories.hopfield:NoSuchClass", alphabet="pm1", mode="auto")
    try:
        assert "ghost" not in available_families()
        with pytest.raises(ValueError, match="cannot be imported"):
            EpisodicMemory("ghost", 8, 8)
    finally:
        from assoc.registry import FAMILIES

        FAMILIES.pop("ghost")


# --------------------------------------------------------------------------- check_memory on every family


def _conformance_cases():
    """Every registered family EpisodicMemory drives (``agent=True``, class importable; a
    family of mode "both" once per mode) times every named check: a failure names both."""
    cases = []
    for name, fam in episodic_families().items():
        modes = ("auto", "hetero") if fam.mode == "both" else (fam.episodic_mode,)
        for mode in modes:
            label = name if len(modes) == 1 else f"{name}_{mode}"
            cases += [pytest.param(name, mode, check, id=f"{label}-{check}") for check in CHECKS]
    return cases


def _family_memory(name, mode, n=128, n_out=96):
    """A fresh memory of a registered family (its agent defaults) and the check_memory
    arguments its alphabet wants (the family's coding level for {0,1} probes)."""
    fam = episodic_families()[name]
    params = dict(fam.agent_defaults)
    mem = fam.build(n, params, backend="numpy", seed=0, n_out=n_out if mode == "hetero" else None)
    kwargs = {"density": fam.coding_level(n, params)} if fam.alphabet == "binary" else {}
    return mem, kwargs


@pytest.mark.parametrize("family, mode, check", _conformance_cases())
def test_every_episodic_family_passes_each_check(family, mode, check):
    mem, kwargs = _family_memory(family, mode)
    passed = check_memory(mem, checks=[check], **kwargs)
    assert passed == list(dict.fromkeys(["follows_the_protocol", check]))
    assert len(mem) == 0  # left reset


def test_the_conformance_matrix_covers_every_episodic_family():
    ids = {p.id.rsplit("-", 1)[0] for p in _conformance_cases()}
    for name, fam in episodic_families().items():
        assert name in ids or {f"{name}_auto", f"{name}_hetero"} <= ids, name


class NearestNeighbour:
    """A user's own memory following the protocol: recall returns the nearest stored pattern."""

    alphabet = "pm1"

    def __init__(self, n, *, nan_check=True, count=True):
        self.n = n
        self.patterns = np.zeros((0, n), dtype=np.int8)
        self.nan_check, self.count = nan_check, count

    def _check(self, name, x):
        if not self.nan_check:
            x = np.nan_to_num(np.asarray(x, dtype=float), nan=1.0)
        return check_patterns(name, x, alphabet="ternary" if name == "cues" else "pm1", n=self.n)

    def store(self, patterns, values=None):
        x = self._check("patterns", patterns)
        self.patterns = np.concatenate([self.patterns, x]) if self.count else x

    def _recall(self, s):
        if len(self.patterns) == 0:
            raise ValueError("recall needs stored patterns")
        m = s.astype(float) @ self.patterns.T / self.n
        return self.patterns[m.argmax(axis=1)]

    def recall(self, cues):
        s = self._check("cues", cues)
        states = self._recall(s)
        return Recall(states=states, overlaps=states.astype(float) @ self.patterns.T / self.n,
                      steps=np.ones(len(s), int), converged=np.ones(len(s), bool))

    def __len__(self):
        return len(self.patterns)

    def reset(self):
        self.patterns = np.zeros((0, self.n), dtype=np.int8)

    def state_dict(self):
        return {"patterns": self.patterns.copy()}

    def load_state_dict(self, state):
        self.patterns = np.array(state["patterns"])


def test_a_users_own_class_passes_check_memory():
    assert check_memory(NearestNeighbour(40)) == list(CHECKS)


def test_check_memory_runs_a_subset_in_the_order_of_checks():
    mem = NearestNeighbour(40)
    assert check_memory(mem, checks=["state_dict_round_trip", "reset_forgets"]) == [
        "follows_the_protocol", "reset_forgets", "state_dict_round_trip"]
    assert check_memory(mem, checks="overlaps_are_cosines") == ["follows_the_protocol", "overlaps_are_cosines"]
    with pytest.raises(ValueError, match="did you mean 'retrieves_stored_patterns'"):
        check_memory(mem, checks=["retrieves_stored_pattern"])


def test_unknown_check_names_suggest_and_list_the_allowed_ones():
    with pytest.raises(ValueError) as err:
        check_memory(NearestNeighbour(40), checks=["state_dict_roundtrip"])
    msg = str(err.value)
    assert "did you mean 'state_dict_round_trip'?" in msg
    assert all(name in msg for name in CHECKS)
    with pytest.raises(TypeError, match="check names"):
        check_memory(NearestNeighbour(40), checks=[3])


# --------------------------------------------------------------------------- every check can fail


class WrongAlphabet(NearestNeighbour):
    alphabet = "bipolar"


class ResetKeepsEverything(NearestNeighbour):
    def reset(self):
        pass


class ScalarSteps(NearestNeighbour):
    def recall(self, cues):
        out = super().recall(cues)
        out.steps = np.int64(1)  # one number for the batch, not one per cue
        return out


class RawDotOverlaps(NearestNeighbour):
    def recall(self, cues):
        out = super().recall(cues)
        out.overlaps = out.states.astype(float) @ self.patterns.T  # unnormalised
        return out


class AlwaysTheFirst(NearestNeighbour):
    def _recall(self, s):
        super()._recall(s)
        return np.repeat(self.patterns[:1], len(s), axis=0)


class NegatesTheCallersArray(NearestNeighbour):
    def store(self, patterns, values=None):
        a = np.asarray(patterns)
        np.negative(a, out=a)  # in place: the caller's array changes sign
        super().store(-a)


class IgnoresTheLoadedState(NearestNeighbour):
    def load_state_dict(self, state):
        pass


class AliasingState(NearestNeighbour):
    def store(self, patterns, values=None):  # grows in place, so an aliased state follows
        x = self._check("patterns", patterns)
        if len(self.patterns) + len(x) > getattr(self, "_buf", np.zeros((0, self.n))).shape[0]:
            self._buf = np.zeros((64, self.n), dtype=np.int8)
            self._buf[: len(self.patterns)] = self.patterns
        self._buf[len(self.patterns): len(self.patterns) + len(x)] = x
        self._len = len(self.patterns) + len(x)
        self.patterns = self._buf[: self._len]

    def state_dict(self):
        return {"patterns": self._buf, "len": self._len}  # no copy: a view of live storage

    def load_state_dict(self, state):
        self._buf = state["patterns"]
        self._len = state["len"]
        self.patterns = self._buf[: self._len]


class StoresBeforeValidating(NearestNeighbour):
    def store(self, patterns, values=None):
        rows = np.atleast_2d(np.asarray(patterns, dtype=float))
        if rows.ndim == 2 and rows.shape[1] == self.n:
            self.patterns = np.concatenate([self.patterns, np.nan_to_num(rows).astype(np.int8)])
        self._check("patterns", patterns)  # too late: the rows are in


class EmptyRecallCrashes(NearestNeighbour):
    def _recall(self, s):
        if len(self.patterns) == 0:
            raise IndexError("no row 0")
        return super()._recall(s)


#: check name -> (what is broken, memory that breaks it); every check has at least one
BROKEN = {
    "follows_the_protocol": [("unknown alphabet", lambda: WrongAlphabet(40))],
    "reset_forgets": [("reset keeps everything", lambda: ResetKeepsEverything(40))],
    "stores_batches_online": [("store replaces", lambda: NearestNeighbour(40, count=False))],
    "recall_shapes_and_types": [("one steps number per batch", lambda: ScalarSteps(40))],
    "overlaps_are_cosines": [("raw dot products", lambda: RawDotOverlaps(40))],
    "retrieves_stored_patterns": [("always recalls the first", lambda: AlwaysTheFirst(40))],
    "inputs_left_untouched": [("negates the caller's array", lambda: NegatesTheCallersArray(40))],
    "state_dict_round_trip": [("load ignores the state", lambda: IgnoresTheLoadedState(40)),
                              ("state aliases live storage", lambda: AliasingState(40))],
    "bad_input_is_refused_and_nothing_half_stored": [
        ("NaN silently becomes a number", lambda: NearestNeighbour(40, nan_check=False)),
        ("stores, then refuses", lambda: StoresBeforeValidating(40))],
    "empty_recall_is_refused_or_valid": [("IndexError when empty", lambda: EmptyRecallCrashes(40))],
}


def test_every_check_has_a_broken_memory():
    assert set(BROKEN) == set(CHECKS)


@pytest.mark.parametrize("check, make", [pytest.param(check, make, id=f"{check}-{what}")
                                         for check, toys in BROKEN.items() for what, make in toys])
def test_each_check_catches_its_broken_memory(check, make):
    """Run alone, the check fails on its broken memory (which NearestNeighbour, unbroken, passes)."""
    with pytest.raises(MemoryCheckError, match=rf"^\[{check}\] "):
        check_memory(make(), checks=[check])


# --------------------------------------------------------------------------- EpisodicMemory


def _items(family, rng, p, key_dim=12, value_dim=24):
    alphabet = episodic_families()[family].alphabet
    keys = rng.normal(size=(p, key_dim))
    if alphabet == "pm1":
        values = np.where(rng.random((p, value_dim)) < 0.5, -1, 1)
    elif family == "kanerva":  # dense data, as Kanerva's counters expect
        values = (rng.random((p, value_dim)) < 0.5).astype(np.int8)
    elif alphabet == "binary":  # sparse codes of a fixed number of active bits
        values = np.zeros((p, value_dim), dtype=np.int8)
        np.put_along_axis(values, np.argsort(rng.random((p, value_dim)), axis=1)[:, :5], 1, axis=1)
    else:
        values = rng.normal(size=(p, value_dim))
    return keys, values


FAMILY_NAMES = sorted(episodic_families())


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_episodic_memory_reads_back_what_it_wrote_and_round_trips_exactly(family):
    rng = np.random.default_rng(5)
    sharp = {"beta": 8.0} if family == "modern_hopfield" else {}  # a peaked softmax over 6 keys
    # the fast-weight memories hold of order key_dim pairs: 6 pairs are a low load at key_dim 64
    # (no misread in 100 seeds for any of them)
    fast = str(episodic_families()[family].target).startswith("assoc.memories.fastweight:")
    key_dim = 64 if fast else 12
    mem = EpisodicMemory(family, key_dim, 24, encoder="auto", backend="numpy", seed=1, **sharp)
    keys, values = _items(family, rng, 6, key_dim=key_dim)
    mem.write(keys[:4], values[:4])
    mem.write(keys[4:], values[4:])  # online
    assert len(mem) == 6
    noisy = keys + 0.05 * rng.normal(size=keys.shape)
    got, scores = mem.read(noisy)
    got = np.asarray(got)
    if family == "modern_hopfield":  # a peaked softmax reads the stored value itself
        np.testing.assert_allclose(got, values, atol=1e-3)
    elif mem.alphabet == "real":  # fast weights: crosstalk, but each read lies closest to its own value
        from assoc.metrics import cosine_overlaps

        np.testing.assert_array_equal(cosine_overlaps(got, values).argmax(axis=1), np.arange(6))
    else:
        assert (got == values).mean() >= 0.97, family  # 6 items: far below every capacity
    assert scores.shape == (6,) and np.all(np.isfinite(scores))
    # a memory rebuilt from the state reads identically, and so does the original
    state = pickle.loads(pickle.dumps(mem.state_dict()))
    twin = EpisodicMemory.from_state_dict(state)
    a, sa = mem.read(noisy)
    b, sb = twin.read(noisy)
    assert np.array_equal(np.asarray(a), np.asarray(b)) and np.array_equal(sa, sb)


def test_a_users_own_class_becomes_an_episodic_family():
    class UserNN(NearestNeighbour):
        def __init__(self, n, *, backend=None, seed=None):
            super().__init__(n)

    register_family("user_nn", UserNN, alphabet="pm1", mode="auto")
    try:
        rng = np.random.default_rng(3)
        mem = EpisodicMemory("user_nn", 10, 16, encoder="auto", code_dim=64, seed=0)
        keys, values = rng.normal(size=(20, 10)), _pm1_values(rng, 20, 16)
        mem.write(keys, values)
        got, scores = mem.read(keys)
        assert np.array_equal(got, values) and np.allclose(scores, 1.0)
    finally:
        from assoc.registry import FAMILIES

        FAMILIES.pop("user_nn")


def test_empty_read_and_reset():
    mem = EpisodicMemory("hopfield", 4, 6, encoder="auto", backend="numpy", seed=0)
    v, s = mem.read(np.ones((3, 4)))
    assert v.shape == (3, 6) and not v.any() and not s.any()
    mem.write(np.ones((1, 4)), np.ones((1, 6), dtype=int))
    assert len(mem) == 1 and len(mem.memory) == 1
    mem.reset()
    assert len(mem) == 0 and len(mem.memory) == 0


def _pm1_values(rng, p, dim=32):
    return np.where(rng.random((p, dim)) < 0.5, -1, 1)


def test_fifo_eviction_forgets_the_oldest():
    rng = np.random.default_rng(0)
    keys, values = rng.normal(size=(5, 10)), _pm1_values(rng, 5)
    mem = EpisodicMemory("dense", 10, 32, capacity=3, eviction="fifo", encoder="auto", code_dim=96,
                         backend="numpy", seed=0)
    for i in range(5):
        mem.write(keys[i:i + 1], values[i:i + 1])
    assert len(mem) == 3 and len(mem.memory) == 3
    got, _ = mem.read(keys)
    assert np.array_equal(got[2:], values[2:])
    assert not np.array_equal(got[0], values[0]) and not np.array_equal(got[1], values[1])


def test_lru_eviction_keeps_what_was_read():
    rng = np.random.default_rng(1)
    keys, values = rng.normal(size=(4, 10)), _pm1_values(rng, 4)
    mem = EpisodicMemory("dense", 10, 32, capacity=3, eviction="lru", encoder="auto", code_dim=96,
                         backend="numpy", seed=0)
    mem.write(keys[:3], values[:3])
    mem.read(keys[:1])                      # item 0 is now more recent than items 1 and 2
    mem.write(keys[3:], values[3:])         # evicts item 1, the least recently used
    got, _ = mem.read(keys)
    assert np.array_equal(got[[0, 2, 3]], values[[0, 2, 3]])
    assert not np.array_equal(got[1], values[1])


def test_no_eviction_refuses_to_overflow():
    mem = EpisodicMemory("hopfield", 4, 8, capacity=2, eviction=None, encoder="auto", backend="numpy", seed=0)
    mem.write(np.eye(4)[:2], -np.ones((2, 8), dtype=int))
    with pytest.raises(ValueError, match="capacity=2"):
        mem.write(np.eye(4)[2:3], np.ones((1, 8), dtype=int))
    assert len(mem) == 2


@pytest.mark.parametrize("call, match", [
    (lambda m: m.write(np.ones((2, 5)), np.ones((2, 8))), "keys must have 4 columns"),
    (lambda m: m.write(np.ones((2, 4)), np.ones((2, 7))), "values must have 8 columns"),
    (lambda m: m.write(np.ones((2, 4)), np.ones((3, 8))), "one row per key"),
    (lambda m: m.write(np.ones((0, 4)), np.ones((0, 8))), "keys must hold at least one row"),
    (lambda m: m.read(np.full((1, 4), np.nan)), "keys contains NaN"),
    (lambda m: m.write(np.ones((1, 4)), np.full((1, 8), 2)), "values must hold values in"),
    (lambda m: m.read(np.ones(5)), r"keys must have shape \(batch, key_dim\) = \(batch, 4\), or \(4,\)"),
])
def test_bad_input_names_the_parameter(call, match):
    mem = EpisodicMemory("hopfield", 4, 8, encoder="auto", backend="numpy", seed=0)
    with pytest.raises(ValueError, match=match):
        call(mem)
    assert len(mem) == 0


@pytest.mark.parametrize("kwargs, match", [
    (dict(eviction="random"), "eviction must be one of"),
    (dict(capacity=0), "capacity must be >= 1"),
    (dict(encoder=SignProjection(5, 32, seed=0)), "encoder.in_dim must equal key_dim=4"),
    (dict(encoder=KWTAProjection(4, 32, seed=0)), "encoder.alphabet must be the family's alphabet 'pm1'"),
    (dict(encoder="pca"), "encoder must be None, 'auto'"),
    (dict(code_dim=32), "code_dim=32 is only used with encoder='auto'"),
    (dict(rule="oja"), "rule must be one of"),
])
def test_bad_construction_names_the_parameter(kwargs, match):
    with pytest.raises(ValueError, match=match):
        EpisodicMemory("hopfield", 4, 8, backend="numpy", **kwargs)


# --------------------------------------------------------------------------- gymnasium wrapper


def test_importing_assoc_agents_does_not_import_gymnasium():
    code = ("import sys, assoc.agents; assert 'gymnasium' not in sys.modules; "
            "assert 'MemoryObservation' in dir(assoc.agents)")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_memory_observation_without_gymnasium_says_what_to_install(monkeypatch):
    import assoc.agents
    import assoc.agents.gym

    monkeypatch.setitem(sys.modules, "gymnasium", None)  # import gymnasium now raises ImportError
    monkeypatch.setattr(assoc.agents.gym, "_CLASS", [])
    with pytest.raises(ImportError, match=r'pip install "assoc\[agents\]"'):
        assoc.agents.MemoryObservation


def _cue_then_query(gym, spaces):
    """A gymnasium task that needs memory: step 0 shows (landmark, hint); steps 1..3 show
    noise; step 4 shows the landmark alone, and the episode ends."""

    class CueThenQuery(gym.Env):
        observation_space = spaces.Box(-10, 10, shape=(9,), dtype=np.float32)
        action_space = spaces.Discrete(2)

        def reset(self, *, seed=None, options=None):
            super().reset(seed=seed)
            self.t = 0
            self.landmark = self.np_random.normal(size=6)
            self.hint = self.np_random.choice([-1.0, 1.0], size=3)
            return np.r_[self.landmark, self.hint].astype(np.float32), {}

        def step(self, action):
            self.t += 1
            obs = np.r_[self.np_random.normal(size=6) if self.t < 4 else self.landmark, 0, 0, 0]
            return obs.astype(np.float32), 0.0, self.t >= 4, False, {}

    return CueThenQuery


@pytest.mark.filterwarnings("ignore:.*different from the unwrapped")
def test_memory_observation_recalls_the_cue_of_the_episode():
    gym = pytest.importorskip("gymnasium")
    from gymnasium import spaces
    from gymnasium.utils.env_checker import check_env

    from assoc.agents import MemoryObservation

    CueThenQuery = _cue_then_query(gym, spaces)

    mem = EpisodicMemory("hopfield", 6, 3, encoder="auto", code_dim=64, backend="numpy", seed=0)
    env = MemoryObservation(CueThenQuery(), mem, key=lambda o: o[:6],
                            value=lambda o: o[6:] if np.any(o[6:]) else None)
    assert set(env.observation_space.spaces) == {"observation", "recall", "score"}
    assert env._saved_kwargs["memory"] is mem and "key" in env._saved_kwargs
    for episode in range(3):
        obs, _ = env.reset(seed=episode)
        assert len(mem) == 1                    # cleared, then the cue written
        assert not obs["recall"].any()          # nothing stored before the first observation
        hint = obs["observation"][6:].copy()
        done = False
        while not done:
            obs, _, done, _, _ = env.step(0)
        assert np.array_equal(obs["recall"], hint)
        assert obs["score"].shape == (1,) and obs["score"][0] > 0.9
        assert env.observation_space.contains(obs)
    check_env(env, skip_render_check=True)


def test_memory_observation_validates_its_arguments():
    gym = pytest.importorskip("gymnasium")
    from assoc.agents import MemoryObservation

    env = gym.make("CartPole-v1")
    mem = EpisodicMemory("hopfield", 4, 4, encoder="auto", backend="numpy", seed=0)
    with pytest.raises(TypeError, match="memory must be an EpisodicMemory"):
        MemoryObservation(env, object())
    with pytest.raises(ValueError, match="must differ"):
        MemoryObservation(env, mem, recall_key="observation")
    wrong = EpisodicMemory("hopfield", 5, 4, encoder="auto", backend="numpy", seed=0)
    with pytest.raises(ValueError, match="key_dim=5"):
        MemoryObservation(env, wrong, value=lambda o: None)


def test_example_agent_with_memory_beats_the_same_agent_without(monkeypatch):
    """The example task cannot be solved without memory (chance 1/4); with a memory the same
    learner passes 0.6 within 160 episodes. Over 60 judged episodes a success rate of 0.25
    has a standard deviation of 0.056, so both bounds sit more than 3.5 of them from chance."""
    pytest.importorskip("gymnasium")
    import importlib.util
    from pathlib import Path

    import numba

    # the example pins NUMBA_NUM_THREADS if unset; keep this process's value so numba never sees a change
    monkeypatch.setenv("NUMBA_NUM_THREADS", str(numba.config.NUMBA_NUM_THREADS))
    path = Path(__file__).resolve().parent.parent / "examples" / "memory_agent.py"
    spec = importlib.util.spec_from_file_location("memory_agent_example", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    with_memory = example.train("modern_hopfield", seed=0, episodes=160)
    without = example.train(None, seed=0, episodes=160)
    assert with_memory[100:].mean() > 0.6
    assert without[100:].mean() < 0.45


# --------------------------------------------------------------------------- library ergonomics


def test_a_single_1d_key_and_value_are_one_item():
    rng = np.random.default_rng(3)
    mem = EpisodicMemory("hopfield", 8, 16, encoder="auto", code_dim=128, backend="numpy", seed=0)
    keys, values = rng.normal(size=(3, 8)), rng.choice([-1, 1], size=(3, 16)).astype(np.int8)
    mem.write(keys[0], values[0])              # one item, 1-D
    mem.write(keys[1:].tolist(), values[1:])   # a batch, as nested lists
    assert len(mem) == 3
    value, score = mem.read(keys[0])
    assert value.shape == (16,) and np.ndim(score) == 0
    assert np.array_equal(value, values[0]) and float(score) > 0.9
    batch_values, batch_scores = mem.read(keys[:1])
    assert batch_values.shape == (1, 16) and np.array_equal(batch_values[0], value)
    assert mem.encode(keys[0]).shape == (128,) and np.array_equal(mem.encode(keys[0]), mem.encode(keys[:1])[0])
    with pytest.raises(ValueError, match=r"keys must have shape \(batch, key_dim\) = \(batch, 8\), or \(8,\) for a "
                                         r"single item, got shape \(7,\)"):
        mem.read(keys[0, :7])
    with pytest.raises(ValueError, match=r"values must have shape \(batch, value_dim\) = \(batch, 16\), or \(16,\)"):
        mem.write(keys[0], values[0, :15])
    with pytest.raises(ValueError, match="one row per key"):
        mem.write(keys[0], values[:2])
    assert len(mem) == 3  # nothing half-stored


@pytest.mark.parametrize("family, kind", [("hopfield", "SignProjection"), ("willshaw", "KWTAProjection"),
                                          ("kanerva", "BinarySignProjection")])
def test_real_keys_without_an_encoder_name_the_argument_to_pass(family, kind):
    rng = np.random.default_rng(0)
    mem = EpisodicMemory(family, 32, 8, backend="numpy", seed=0)  # encoder=None: keys must be codes
    keys = rng.normal(size=(3, 32))
    values = (rng.random((3, 8)) < 0.5).astype(np.int8)
    values[:, 0] = 1
    if mem.alphabet == "pm1":
        values = 2 * values - 1
    with pytest.raises(ValueError, match=rf"keys must be codes in the '{family}' family's alphabet .* "
                                         rf"encoder=None, found .*pass encoder='auto' \(a seeded {kind} .*\): "
                                         rf"EpisodicMemory\('{family}', key_dim=32, value_dim=8, encoder='auto'\)"):
        mem.write(keys, values)
    assert len(mem) == 0
    fixed = EpisodicMemory(family, key_dim=32, value_dim=8, encoder="auto", backend="numpy", seed=0)
    fixed.write(keys, values)  # what the message says to write works
    assert (fixed.read(keys)[0] == values).mean() > 0.9
    codes = fixed.encode(keys)  # codes in the alphabet still pass with encoder=None
    plain = EpisodicMemory(family, codes.shape[1], 8, backend="numpy", seed=0)
    plain.write(codes, values)
    assert len(plain) == 3


def test_backends_print_and_format_as_their_name():
    from assoc import Hopfield, get_backend

    mem = Hopfield(n=8, backend="numpy")
    assert f"{mem.backend:8s}|" == "numpy   |" and f"{mem.backend:>7}" == "  numpy"
    assert str(mem.backend) == "numpy" and repr(mem.backend) == "Backend(name='numpy')"
    assert mem.backend == get_backend("numpy")


def test_submodules_and_family_modules_are_attributes_without_loading_brian2():
    code = ("import sys, assoc\n"
            "assert 'brian2' not in sys.modules and 'assoc.theory' not in sys.modules\n"
            "assert callable(assoc.theory.sdm_optimal_activation) and callable(assoc.patterns.random_pm1)\n"
            "assert assoc.memories.kanerva.KanervaSDM is assoc.KanervaSDM\n"
            "assert assoc.memories.willshaw.Willshaw is assoc.Willshaw\n"
            "assert {'kanerva', 'hopfield', 'spiking'} <= set(dir(assoc.memories))\n"
            "assert {'theory', 'patterns', 'memories'} <= set(dir(assoc))\n"
            "assert 'brian2' not in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True)
    import assoc

    with pytest.raises(AttributeError, match="has no attribute 'nonexistent'"):
        assoc.memories.nonexistent


def test_kanerva_builds_with_its_own_defaults():
    from assoc import KanervaSDM
    from assoc.memories.kanerva import DEFAULT_ACTIVATION

    mem = KanervaSDM(n=64, backend="numpy", seed=0)
    assert mem.radius == KanervaSDM(n=64, activation=DEFAULT_ACTIVATION, backend="numpy").radius
    x = (np.random.default_rng(0).random((5, 64)) < 0.5).astype(np.int8)
    mem.store(x, x)
    assert (mem.recall(x).states == x).mean() > 0.9


def test_the_memory_protocol_points_to_documentation_that_exists():
    import re
    from pathlib import Path

    from assoc.memory import Memory

    named = re.findall(r"``([\w./-]+\.md)``", Memory.__doc__)
    assert named, Memory.__doc__
    root = Path(__file__).resolve().parent.parent
    for path in named:
        assert (root / path).is_file(), path


@pytest.mark.filterwarnings("ignore:.*different from the unwrapped")
def test_memory_observation_over_a_vector_environment_keeps_one_episode_per_memory():
    gym = pytest.importorskip("gymnasium")
    from gymnasium import spaces

    import assoc.agents
    from assoc.agents import MemoryObservation, VectorMemoryObservation

    CueThenQuery = _cue_then_query(gym, spaces)

    assert {"MemoryObservation", "VectorMemoryObservation"} <= set(dir(assoc.agents))
    envs = gym.vector.SyncVectorEnv([CueThenQuery for _ in range(3)])
    mems = [EpisodicMemory("hopfield", 6, 3, encoder="auto", code_dim=64, backend="numpy", seed=i) for i in range(3)]
    env = MemoryObservation(envs, mems, key=lambda o: o[:6], value=lambda o: o[6:] if np.any(o[6:]) else None)
    assert isinstance(env, VectorMemoryObservation)
    assert env.single_observation_space["recall"].shape == (3,)
    assert env.observation_space["recall"].shape == (3, 3) and env.observation_space["score"].shape == (3, 1)
    obs, _ = env.reset(seed=0)
    for episode in range(3):  # the first from reset, the next two from the vector env's autoreset
        assert [len(m) for m in mems] == [1, 1, 1]  # each memory: cleared, then its own cue written
        assert not obs["recall"].any()
        hints = obs["observation"][:, 6:].copy()
        assert len({tuple(h) for h in hints}) > 1 or episode > 0  # sub-environments differ
        for _ in range(4):
            obs, _, terminated, _, _ = env.step(np.zeros(3, dtype=np.int64))
            assert env.observation_space.contains(obs)
        assert terminated.all()
        assert np.array_equal(obs["recall"], hints)  # every sub-environment recalls its own cue
        assert (obs["score"][:, 0] > 0.9).all()
        obs, *_ = env.step(np.zeros(3, dtype=np.int64))  # the autoreset step opens the next episode

    shared = EpisodicMemory("hopfield", 6, 3, encoder="auto", code_dim=64, backend="numpy", seed=0)
    with pytest.raises(ValueError, match=r"pass a list of 3 memories .* or clear_on_reset=False"):
        MemoryObservation(envs, shared, key=lambda o: o[:6], value=lambda o: o[6:])
    env = MemoryObservation(envs, shared, key=lambda o: o[:6], value=lambda o: o[6:] if np.any(o[6:]) else None,
                            clear_on_reset=False)
    obs, _ = env.reset(seed=1)
    assert len(shared) == 3  # every sub-environment writes its cue to the one shared store
    for _ in range(4):
        obs, *_ = env.step(np.zeros(3, dtype=np.int64))
    assert np.array_equal(obs["recall"], np.asarray([m.hint for m in envs.envs]))
    with pytest.raises(ValueError, match="sequence of num_envs=3 memories, got a sequence of 2"):
        MemoryObservation(envs, mems[:2], key=lambda o: o[:6], value=lambda o: o[6:])
    with pytest.raises(ValueError, match="distinct memory per sub-environment"):
        MemoryObservation(envs, [mems[0]] * 3, key=lambda o: o[:6], value=lambda o: o[6:])


def test_recalls_and_episodic_memories_print_readably():
    from assoc import Hopfield, patterns

    xi = patterns.random_pm1(4, 64, rng=0)
    mem = Hopfield(n=64, backend="numpy", seed=0)
    mem.store(xi)
    text = repr(mem.recall(xi[:3]))
    assert text == ("Recall(states=<numpy int8 (3, 64)>, overlaps=<numpy float64 (3, 4)>, steps=1..1, "
                    "status=[3 fixed], energy=<numpy float64 (3,)>, extra=[])"), text
    ep = EpisodicMemory("hopfield", 4, 8, encoder="auto", code_dim=64, backend="numpy", seed=0)
    assert repr(ep) == ("EpisodicMemory(family='hopfield', key_dim=4, value_dim=8, capacity=None, eviction='fifo', "
                        "encoder=SignProjection(in_dim=4, out_dim=64, seed=0), backend='numpy', stored=0)")


@pytest.mark.filterwarnings("ignore:.*different from the unwrapped")
@pytest.mark.parametrize("mode", ["SAME_STEP", "DISABLED"])
def test_vector_memory_observation_follows_every_autoreset_mode(mode):
    gym = pytest.importorskip("gymnasium")
    from gymnasium import spaces
    from gymnasium.vector import AutoresetMode

    from assoc.agents import MemoryObservation

    CueThenQuery = _cue_then_query(gym, spaces)
    envs = gym.vector.SyncVectorEnv([CueThenQuery for _ in range(2)], autoreset_mode=AutoresetMode[mode])
    mems = [EpisodicMemory("hopfield", 6, 3, encoder="auto", code_dim=64, backend="numpy", seed=i) for i in range(2)]
    env = MemoryObservation(envs, mems, key=lambda o: o[:6], value=lambda o: o[6:] if np.any(o[6:]) else None)
    obs, _ = env.reset(seed=0)
    hints = obs["observation"][:, 6:].copy()
    for _ in range(4):
        obs, _, terminated, _, _ = env.step(np.zeros(2, dtype=np.int64))
    assert terminated.all()
    if mode == "SAME_STEP":  # the observation returned with the end already opens the next episode
        assert [len(m) for m in mems] == [1, 1] and not obs["recall"].any()
        assert np.array_equal(mems[0].read(obs["observation"][0, :6])[0], obs["observation"][0, 6:])
    else:  # no autoreset: the cue is recalled, and a masked reset clears only its sub-environment
        assert np.array_equal(obs["recall"], hints)
        mems[1].write(np.ones(6), -np.ones(3))
        obs, _ = env.reset(options={"reset_mask": np.array([True, False])})
        assert [len(m) for m in mems] == [1, 2]
        assert not obs["recall"][0].any() and np.array_equal(obs["recall"][1], hints[1])


# --------------------------------------------------------------------------- per-call paths

_REAL_FAMILIES = sorted(name for name, fam in episodic_families().items() if fam.alphabet == "real")


def _real_items(rng, p, key_dim=6, value_dim=5):
    return rng.standard_normal((p, key_dim)), rng.standard_normal((p, value_dim))


@pytest.mark.parametrize("family", _REAL_FAMILIES)
def test_rows_checked_once_give_what_the_families_own_checks_give(family):
    """Real keys used as they are reach the family through its entries for checked rows; the
    same writes and reads through the public store / recall leave the same state and read the
    same values and scores, row by row and in batches."""
    rng = np.random.default_rng(50)
    keys, values = _real_items(rng, 12)
    fast = EpisodicMemory(family, 6, 5, backend="numpy", seed=1, capacity=10, eviction="lru")
    slow = EpisodicMemory(family, 6, 5, backend="numpy", seed=1, capacity=10, eviction="lru")
    assert fast._checked
    slow._checked = False
    for mem in (fast, slow):
        mem.write(keys[:4], values[:4])
    for t in range(4, 12):
        got = [mem.write(keys[t], values[t]) or mem.read_recall(keys[t - 3]) for mem in (fast, slow)]
        for a, b in zip(got[0][:2], got[1][:2]):
            assert a.dtype == b.dtype and a.shape == b.shape
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(got[0][2].overlaps, got[1][2].overlaps)
    for a, b in zip(fast.read(keys), slow.read(keys)):
        np.testing.assert_array_equal(a, b)
    sa, sb = fast.state_dict(), slow.state_dict()
    for k in ("keys", "values", "used", "tick"):
        np.testing.assert_array_equal(sa[k], sb[k])
    for k, v in sa["memory"].items():
        if isinstance(v, np.ndarray):
            np.testing.assert_array_equal(sb["memory"][k], v)


@pytest.mark.parametrize("family", _REAL_FAMILIES)
def test_single_rows_write_what_one_batch_writes(family):
    """An agent's one row per step leaves exactly the memory one batch of the same rows leaves
    (on the numba backend every real family writes pair by pair)."""
    pytest.importorskip("numba")
    rng = np.random.default_rng(51)
    keys, values = _real_items(rng, 7)
    batch = EpisodicMemory(family, 6, 5, backend="numba", seed=2)
    rows = EpisodicMemory(family, 6, 5, backend="numba", seed=2)
    batch.write(keys, values)
    for t in range(7):
        rows.write(keys[t], values[t])
    sa, sb = batch.state_dict(), rows.state_dict()
    for k in ("keys", "values", "used", "tick"):
        np.testing.assert_array_equal(sb[k], sa[k])
    for k, v in sa["memory"].items():
        if isinstance(v, np.ndarray):
            np.testing.assert_array_equal(sb["memory"][k], v, err_msg=k)


@pytest.mark.parametrize("family", _REAL_FAMILIES)
def test_bad_rows_on_the_checked_path_are_refused_by_name_and_nothing_is_stored(family):
    mem = EpisodicMemory(family, 3, 2, backend="numpy", seed=0)
    mem.write([0.5, -1.0, 2.0], [1.0, 0.0])
    before = mem.state_dict()
    for keys, values, name in [([np.nan, 0, 1], [1.0, 0.0], "keys"), ([0, 1, 2], [np.inf, 0.0], "values"),
                               ([0, 1], [1.0, 0.0], "keys"), ([0, 1, 2], [1.0, 0.0, 3.0], "values"),
                               (["a", "b", "c"], [1.0, 0.0], "keys"), ([[0, 1, 2]], [[1.0, 0.0]] * 2, "values")]:
        with pytest.raises((ValueError, TypeError), match=name):
            mem.write(keys, values)
        assert len(mem) == 1 and len(mem.memory) == 1
    with pytest.raises(ValueError, match="keys"):
        mem.read([0.0, np.nan, 1.0])
    after = mem.state_dict()
    for k, v in before["memory"].items():
        if isinstance(v, np.ndarray):
            np.testing.assert_array_equal(after["memory"][k], v)


def test_a_subclass_that_overrides_store_or_recall_is_called_through_them():
    """The entries for checked rows are used only where the class's own store and recall are
    those the entries belong to: a subclass's store or recall is never bypassed."""
    from assoc.agents.episodic import _checked_entry
    from assoc.memories.fastweight import DeltaNet
    from assoc.memories.modern import ModernHopfield

    class OwnStore(DeltaNet):
        def store(self, patterns, values=None):
            super().store(patterns, values)

    class OwnRecall(ModernHopfield):
        def recall(self, cues, **kwargs):
            return super().recall(cues, **kwargs)

    class OwnEntry(OwnStore):
        def _store_checked(self, keys, values):
            super()._store_checked(keys, values)

    assert _checked_entry(DeltaNet(4), "store", "_store_checked")
    assert _checked_entry(ModernHopfield(4), "recall", "_recall_checked")
    assert not _checked_entry(OwnStore(4), "store", "_store_checked")
    assert not _checked_entry(OwnRecall(4), "recall", "_recall_checked")
    assert _checked_entry(OwnEntry(4), "store", "_store_checked")
    assert not _checked_entry(check_patterns, "store", "_store_checked")  # no such methods at all
