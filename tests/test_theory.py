"""Analytical curves: the known numbers of the Hopfield theory."""

import numpy as np
import pytest

from assoc import theory


def test_ags_critical_load_and_overlap():
    assert theory.ags_alpha_c() == pytest.approx(0.1379, abs=2e-4)
    a_c = theory.ags_alpha_c()
    assert theory.ags_overlap(a_c * (1 - 1e-9)) == pytest.approx(0.967, abs=1e-3)
    assert theory.ags_overlap(0.2) == 0.0
    m = theory.ags_overlap(np.linspace(0.01, 0.13, 20))
    assert (np.diff(m) < 0).all() and m[0] > 0.9999


def test_ags_overlap_solves_the_rs_equations():
    from scipy.special import erf

    for a in (0.05, 0.1, 0.135):
        m = theory.ags_overlap(a)
        # T = 0 RS: m = erf(y), y (sqrt(2 alpha) + 2/sqrt(pi) exp(-y^2)) = erf(y)
        from scipy.special import erfinv

        y = erfinv(m)
        assert y * (np.sqrt(2 * a) + 2 / np.sqrt(np.pi) * np.exp(-y * y)) == pytest.approx(erf(y), rel=1e-8)


def test_finite_size_capacities():
    assert theory.mceliece_capacity(1000) == pytest.approx(1000 / (4 * np.log(1000)))
    assert theory.storkey_capacity(1000) == pytest.approx(1000 / np.sqrt(2 * np.log(1000)))
