"""Backends join through one registry: a backend declared in a test runs the memories through
the reference kernels, unknown names are refused with the allowed ones, unusable backends
report why."""

from __future__ import annotations

import logging
import re

import numpy as np
import pytest

import assoc
from assoc import patterns as pt
from assoc.backend import BACKENDS, available_backends, get_backend, register_backend, unregister_backend
from assoc.kernels import TABLE, kernel
from assoc.memories.willshaw import Willshaw


@pytest.fixture
def register():
    """``register(name, **declaration)``; every backend registered through it is removed afterwards."""
    added: list[str] = []

    def _register(name, **kwargs):
        spec = register_backend(name, **kwargs)
        added.append(name)
        return spec

    yield _register
    for name in added:
        if name in BACKENDS:
            unregister_backend(name)
    assert not set(added) & set(BACKENDS)


@pytest.fixture
def toy(register):
    """A NumPy-based backend named "toy" with no compiled kernels; counts its array moves."""
    calls = {"asarray": 0, "to_numpy": 0}

    def asarray(x, dtype):
        calls["asarray"] += 1
        return np.asarray(x, dtype=dtype)

    def to_numpy(x):
        calls["to_numpy"] += 1
        return np.asarray(x)

    register("toy", array_module=np, asarray=asarray, to_numpy=to_numpy)
    return calls


def test_toy_backend_has_only_reference_kernels(toy):
    from assoc.kernels import cpu, ref, ref_dense, ref_sdr

    for name, row in TABLE.items():
        assert "toy" not in row.compiled
        assert kernel(name, "toy") is kernel(name, get_backend("toy")) is kernel(name, "numpy")
    assert kernel("async_sweep_weights", "toy") is ref.async_sweep_weights
    assert kernel("and_popcount_t", "toy") is ref_sdr.and_popcount_t
    assert kernel("dense_async_sweep", "toy") is ref_dense.dense_async_sweep
    assert kernel("async_sweep_weights", "numba") is cpu.async_sweep_weights


@pytest.mark.parametrize("rule", ["hebbian", "storkey"])
def test_toy_backend_hopfield_recall_equals_numpy(toy, rule):
    xi = pt.random_pm1(12, 160, rng=0)
    cues = pt.flip(xi, 0.2, rng=1)
    states = {}
    for name in ("numpy", "toy"):
        mem = assoc.Hopfield(160, rule=rule, dynamics="async", backend=name, seed=7)
        assert mem.backend.name == name
        mem.store(xi)
        states[name] = mem.backend.to_numpy(mem.recall(cues).states)
    assert toy["asarray"] > 0 and toy["to_numpy"] > 0  # the recall went through the toy backend
    assert (states["toy"] != cues).any()  # the dynamics did something
    np.testing.assert_array_equal(states["toy"], states["numpy"])


def test_toy_backend_willshaw_recall_equals_numpy(toy):
    x = pt.sparse_binary(60, 256, k=8, rng=2)
    rng = np.random.default_rng(3)
    cues = x.copy()
    for b in range(len(cues)):  # keep half of each pattern's active bits
        cues[b, rng.choice(np.flatnonzero(x[b]), size=4, replace=False)] = 0
    out = {}
    for name in ("numpy", "toy"):
        mem = Willshaw(256, threshold="kwta", winners=8, max_steps=3, dilution=0.2, backend=name, seed=5)
        mem.store(x)
        rec = mem.recall(cues)
        out[name] = (mem.backend.to_numpy(rec.states), np.asarray(rec.overlaps), np.asarray(rec.steps))
    assert toy["asarray"] > 0
    assert (out["toy"][0] != cues).any()
    for a, b in zip(out["toy"], out["numpy"]):
        np.testing.assert_array_equal(a, b)


def test_unknown_backend_names_the_value_and_the_allowed_ones(toy):
    with pytest.raises(ValueError) as err:
        get_backend("tyo")
    msg = str(err.value)
    assert "got 'tyo'" in msg
    for name in ("numpy", "numba", "cupy", "toy", "auto"):
        assert repr(name) in msg
    assert "did you mean 'toy'?" in msg
    with pytest.raises(ValueError, match=r"got 'nunba'; did you mean 'numba'\?"):
        assoc.Hopfield(10, backend="nunba")
    with pytest.raises(ValueError, match=r"got 'jax'$"):
        get_backend("jax")
    with pytest.raises(ValueError, match="backend must be one of 'numpy', 'numba', 'cupy', 'toy', got 'auto'"):
        kernel("and_popcount", "auto")


def test_unknown_kernel_is_named():
    expect = r"kernel name must be one of \[.*\], got 'and_popcnt'; did you mean 'and_popcount'\?"
    with pytest.raises(ValueError, match=expect):
        kernel("and_popcnt", "numpy")
    with pytest.raises(ValueError, match="got None"):
        kernel(None, "numpy")


def test_unregistered_backend_is_unknown_again(register):
    register("scratch", array_module=np)
    assert get_backend("scratch").xp is np
    unregister_backend("scratch")
    with pytest.raises(ValueError, match="got 'scratch'"):
        get_backend("scratch")
    assert "scratch" not in available_backends()


def test_available_backends_reports_why_a_backend_is_unusable(register):
    ok, why = available_backends()["cupy"]
    if not ok:
        assert "cupy" in why and ("not installed" in why or "CUDA" in why)
        with pytest.raises(ValueError, match="backend 'cupy' is not usable here: " + re.escape(why)):
            get_backend("cupy")

    def fails():
        raise RuntimeError("driver 0 missing")

    register("widget", array_module=np, probe=lambda: (False, "needs a widget board"))
    register("flaky", array_module=np, probe=fails)
    table = available_backends()
    assert table["widget"] == (False, "needs a widget board")
    assert table["flaky"][0] is False and "RuntimeError: driver 0 missing" in table["flaky"][1]
    with pytest.raises(ValueError, match="backend 'widget' is not usable here: needs a widget board"):
        get_backend("widget")


def test_auto_picks_by_preference_and_logs_once(register, caplog):
    before = get_backend("auto").name
    assert before in ("cupy", "numba")
    register("unusable", array_module=np, probe=lambda: (False, "no"), preference=1000)
    register("preferred", array_module=np, preference=999)
    register("plain", array_module=np)  # no preference: auto never picks it
    with caplog.at_level(logging.INFO, logger="assoc"):
        assert get_backend("auto").name == "preferred"
        assert get_backend("auto").name == "preferred"
    chosen = [r for r in caplog.records if "backend 'auto' resolved to" in r.getMessage()]
    assert len(chosen) == 1 and "'preferred'" in chosen[0].getMessage()
    unregister_backend("preferred")
    assert get_backend("auto").name == before


def test_registration_is_checked(register):
    with pytest.raises(ValueError, match="backend 'numpy' is already registered"):
        register_backend("numpy", array_module=np)
    with pytest.raises(ValueError, match="name must be a lowercase identifier .* got 'auto'"):
        register_backend("auto", array_module=np)
    with pytest.raises(TypeError, match="array_module must be a module or a function returning one, got 3"):
        register_backend("three", array_module=3)
    with pytest.raises(TypeError, match="preference must be an int or None, got 'high'"):
        register_backend("pref", array_module=np, preference="high")
    assert not {"three", "pref"} & set(BACKENDS)
    register("twice", array_module=np, probe=lambda: (False, "first"))
    assert available_backends()["twice"] == (False, "first")
    register_backend("twice", array_module=np, replace=True)
    assert get_backend("twice").name == "twice"
    assert get_backend("numpy").is_gpu is False
    assert BACKENDS["cupy"].is_gpu is True
