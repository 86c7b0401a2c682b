"""Property-based bad input: whatever a caller passes, the library either accepts it (when it
is valid) or raises ValueError/TypeError naming the parameter; never another exception, a
hang, or a silent coercion."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import assoc
from assoc import patterns as pt
from assoc import sweep

WEIRD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.lists(st.integers(), max_size=3),
)

ARRAYS = st.one_of(
    hnp.arrays(
        dtype=st.sampled_from([np.int8, np.int64, np.float64, np.float32]),
        shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=12),
        elements=st.sampled_from([1, -1, 0, 2]),
    ),
    hnp.arrays(dtype=st.sampled_from([np.bool_, np.uint8]), shape=st.tuples(st.integers(0, 3), st.just(10))),
    hnp.arrays(dtype=np.float64, shape=st.tuples(st.integers(0, 3), st.just(10)),
               elements=st.floats(allow_nan=True, allow_infinity=True)),
    st.lists(st.lists(st.sampled_from([1, -1]), min_size=0, max_size=12), max_size=3),
)


def valid_pm1(x, n):
    a = np.asarray(x)
    return (a.ndim == 2 and a.shape[0] > 0 and a.shape[1] == n and a.dtype != bool
            and np.isin(a, (-1, 1)).all())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(x=ARRAYS)
def test_store_accepts_exactly_the_valid_patterns(x):
    mem = assoc.Hopfield(10, backend="numpy")
    try:
        arr = np.asarray(x)
    except ValueError:
        arr = None
    if arr is not None and arr.dtype != object and valid_pm1(arr, 10):
        mem.store(x)
        assert len(mem) == arr.shape[0]
    else:
        with pytest.raises((ValueError, TypeError), match="patterns"):
            mem.store(x)
        assert len(mem) == 0  # nothing half-stored


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(["n", "temperature", "max_steps", "bound", "rule", "dynamics", "backend",
                          "seed", "representation", "diagonal"]),
    value=WEIRD,
)
def test_constructor_errors_name_the_parameter(name, value):
    kwargs = {"n": 16, "backend": "numpy"}
    if name == "temperature":
        kwargs["dynamics"] = "glauber"
    kwargs[name] = value
    try:
        mem = assoc.Hopfield(**kwargs)
    except (ValueError, TypeError) as exc:
        assert name in str(exc) or (name == "temperature" and "dynamics" in str(exc)), str(exc)
        return
    assert getattr(mem, name) == value or name == "backend"  # accepted values are stored as given


@settings(max_examples=100, deadline=None)
@given(p=WEIRD, n=WEIRD)
def test_pattern_sizes_are_validated(p, n):
    try:
        out = pt.random_pm1(p, n, rng=0)
    except (ValueError, TypeError) as exc:
        assert "p " in str(exc) or "n " in str(exc) or "patterns of shape" in str(exc)
        return
    assert out.shape == (p, n)


def test_huge_request_fails_before_allocating():
    with pytest.raises(ValueError, match=r"would need about .* GiB"):
        pt.random_pm1(10**6, 10**6, rng=0)


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=80))
def test_malformed_spec_text_gives_a_clear_error(text, tmp_path_factory):
    path = tmp_path_factory.mktemp("spec") / "s.toml"
    path.write_text(text)
    try:
        spec = sweep.load_spec(path)
    except (ValueError, TypeError) as exc:
        assert str(exc)
        return
    assert spec.name  # only a complete, valid spec loads


@pytest.mark.parametrize(
    "args",
    [
        ["run", "hopfield-capacity", "--workers", "-3"],
        ["run", "hopfield-capacity", "--trials", "0"],
        ["run", "hopfield-capacity", "--scheduler", "http://nope"],
        ["export", "x.sqlite", "--format", "xlsx"],
        ["run"],
        ["frobnicate"],
    ],
)
def test_cli_bad_options_exit_2_without_traceback(args, tmp_path):
    res = subprocess.run([sys.executable, "-m", "assoc.cli", *args], capture_output=True, text=True, cwd=tmp_path)
    assert res.returncode == 2, res
    assert "Traceback" not in res.stderr
