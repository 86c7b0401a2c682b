"""Shared test configuration: the ``slow`` and ``gpu`` markers, the hypothesis profiles, and
Numba's thread count."""

from __future__ import annotations

import os
from pathlib import Path

import numba
import pytest
from hypothesis import settings

# The examples pin NUMBA_NUM_THREADS to 1 when it is unset (they share the cores with an
# environment and a learner), and Numba refuses any change of it once its thread pool has
# started. The suite imports the examples, so it pins the same value before anything runs.
os.environ.setdefault("NUMBA_NUM_THREADS", "1")
numba.config.reload_config()

# The default suite searches a fixed sequence of examples, so a run is reproducible; the slow
# suite (--runslow) searches afresh each time with the examples its tests ask for.
settings.register_profile("fixed", derandomize=True, database=None)
settings.register_profile("search", derandomize=False)

REFERENCE = Path(__file__).resolve().parent / "data"  # published reference data shipped with the tests


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False,
                     help="also run the slow statistical tests (marked 'slow')")


def pytest_configure(config):
    settings.load_profile("search" if config.getoption("--runslow") else "fixed")


def pytest_report_header(config):
    if config.getoption("--runslow"):
        return "assoc: running the full suite, slow statistical tests included"
    return "assoc: fast subset; tests marked 'slow' are skipped (run with --runslow for all)"


def _gpu_usable() -> tuple[bool, str]:
    from assoc.backend import available_backends

    return available_backends()["cupy"]


def pytest_collection_modifyitems(config, items):
    skip_slow = pytest.mark.skip(reason="slow statistical test: run with --runslow")
    gpu_ok, why = None, ""
    for item in items:
        if "slow" in item.keywords and not config.getoption("--runslow"):
            item.add_marker(skip_slow)
        if "gpu" in item.keywords:
            if gpu_ok is None:
                gpu_ok, why = _gpu_usable()
            if not gpu_ok:
                item.add_marker(pytest.mark.skip(reason=f"no usable GPU: {why}"))


@pytest.fixture
def reference_dir() -> Path:
    """``tests/data``: the published reference tables (see its README for provenance)."""
    return REFERENCE
