"""The papers' replica-symmetric theory of dense Hebbian learning (assoc.theory.dense_hebbian_rs*).

Agliari, Albanese, Alemanno, Alessandrelli, Barra, Giannotti, Lotito & Pedreschi (unsupervised,
arXiv 2211.14067; supervised, arXiv 2212.00606): at vanishing load and M -> infinity at fixed
dataset entropy rho, the overlaps solve ``n = E[a tanh h]``, ``m = E[tanh h]`` with
``h = beta P (1 + rho)**(-P/2) n**(P-1) a``, ``a = 1 + sqrt(rho) Z`` (this package's beta).
The checks: its limits (rho -> 0 is the standard dense network, zero noise is
``erf(1/sqrt(2 rho))``), an exact identity of the equations (the Nishimori point), the
P = 2 transition, our finite-M derivation tending to it, and a Monte Carlo comparison.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.special import erf

from assoc import theory
from assoc.experiments.dense import dense_hebbian as dense_hebbian_driver


def _standard_dense_m(beta: float, degree: int) -> float:
    """Largest root of the standard dense network's low-load equation m = tanh(beta P m**(P-1)),
    solved here on its own (a scan and a bracketing root finder), 0 where only m = 0 solves it."""
    m = np.linspace(1e-4, 1.0, 20_001)
    g = np.tanh(beta * degree * m ** (degree - 1)) - m
    pos = np.nonzero(g > 0)[0]
    if len(pos) == 0:
        return 0.0
    j = pos[-1]
    if j == len(m) - 1:
        return 1.0
    return float(brentq(lambda x: np.tanh(beta * degree * x ** (degree - 1)) - x, m[j], m[j + 1], xtol=1e-15))


@pytest.mark.parametrize("degree", [2, 4, 6])
@pytest.mark.parametrize("beta", [0.55, 0.8, 1.5])
def test_zero_entropy_is_the_standard_dense_network(degree, beta):
    """rho -> 0 (perfect or infinitely many examples): m = n solve m = tanh(beta P m**(P-1))."""
    m, n = theory.dense_hebbian_rs(0.0, beta, degree)
    expect = _standard_dense_m(beta, degree)
    assert m == pytest.approx(expect, abs=1e-9)
    assert n == pytest.approx(m, abs=1e-12)
    # continuity: a small entropy moves the overlap by O(rho), not by a jump
    m_small, _ = theory.dense_hebbian_rs(1e-6, beta, degree)
    assert m_small == pytest.approx(expect, abs=1e-4)


def test_learning_threshold_closes_at_the_standard_dense_spinodal():
    """The largest rho with a retrieval state shrinks to 0 as the noise rises to the standard
    P = 4 network's spinodal (where m = tanh(4 beta m**3) loses its nonzero root), and is 0 beyond."""
    beta_sp = brentq(lambda b: _standard_dense_m(b, 4) - 1e-3 if _standard_dense_m(b, 4) > 0 else -1.0, 0.3, 1.0)
    beta_sp = float(beta_sp)
    assert theory.dense_hebbian_rs_rho_c(beta_sp * 0.995, 4) == 0.0
    above = [theory.dense_hebbian_rs_rho_c(beta_sp * f, 4) for f in (1.002, 1.02, 1.2)]
    assert 0 < above[0] < 1e-2 and above[0] < above[1] < above[2]


@pytest.mark.parametrize("rho", [0.05, 0.3, 1.0, 3.0])
def test_zero_noise_limit_is_the_sign_of_the_example_average(rho):
    """beta -> infinity: m = P(1 + sqrt(rho) Z > 0) = erf(1/sqrt(2 rho)) (no threshold in rho)."""
    m0, n0 = theory.dense_hebbian_rs(rho, None, 4)
    assert m0 == pytest.approx(float(erf(1 / np.sqrt(2 * rho))), abs=1e-15)
    s = np.sqrt(rho)
    assert n0 == pytest.approx(s * np.sqrt(2 / np.pi) * np.exp(-0.5 / rho) + m0, abs=1e-12)  # E|1 + sZ|
    m_cold, _ = theory.dense_hebbian_rs(rho, 400.0, 4)
    assert m_cold == pytest.approx(m0, abs=2e-3)
    assert theory.dense_hebbian_rs_rho_c(None, 4) == np.inf


@pytest.mark.parametrize("degree,rho", [(4, 1.0), (4, 0.3), (6, 0.5), (2, 0.7)])
def test_nishimori_point_is_an_exact_solution(degree, rho):
    """Where beta P (1 + rho)**(-P/2) rho = 1 the field h = k a has mean k and variance k (Stein's
    lemma and the identity E tanh h = E tanh**2 h for such a Gaussian), so n = 1 solves the
    equations exactly and m equals the replica overlap E tanh**2 h: an identity of the equations
    that the numerical solution has to meet, and misses when beta is off by 1 %."""
    beta = (1 + rho) ** (degree / 2) / (degree * rho)
    m, n = theory.dense_hebbian_rs(rho, beta, degree)
    assert n == pytest.approx(1.0, abs=1e-9)
    k = 1.0 / rho
    z, w = np.polynomial.hermite_e.hermegauss(200)
    q = float((np.tanh(k * (1 + np.sqrt(rho) * z)) ** 2 * w).sum() / np.sqrt(2 * np.pi))
    assert m == pytest.approx(q, abs=1e-8)
    assert abs(theory.dense_hebbian_rs(rho, beta * 1.01, degree)[1] - 1.0) > 1e-4


def test_pairwise_case_has_an_entropy_independent_transition():
    """P = 2: the retrieval state grows continuously from n = 0 where 2 beta E[a**2]/(1 + rho) = 1,
    i.e. at beta = 1/2 whatever rho (the pairwise network's transition, unmoved by the data), with
    the mean-field exponent n ~ (beta - 1/2)**(1/2)."""
    for rho in (0.1, 1.0, 10.0):
        assert theory.dense_hebbian_rs(rho, 0.499, 2) == (0.0, 0.0)
        m, n = theory.dense_hebbian_rs(rho, 0.51, 2)
        _, n_near = theory.dense_hebbian_rs(rho, 0.5005, 2)
        assert 0 < m and 0 < n
        assert n_near / n == pytest.approx(np.sqrt(0.0005 / 0.01), rel=0.1)
    assert theory.dense_hebbian_rs_rho_c(0.51, 2) == np.inf
    assert theory.dense_hebbian_rs_rho_c(0.49, 2) == 0.0


def test_solution_is_a_stationary_point_of_the_pressure_and_the_lines_are_ordered():
    rho, beta = 0.4, 1.0
    _, n = theory.dense_hebbian_rs(rho, beta, 4)
    eps = 1e-5
    slope = (theory.dense_hebbian_rs_pressure(n + eps, rho, beta) - theory.dense_hebbian_rs_pressure(n - eps, rho, beta))
    assert abs(slope / (2 * eps)) < 1e-6
    assert theory.dense_hebbian_rs_pressure(0.0, rho, beta) == pytest.approx(np.log(2.0), abs=1e-12)
    # the retrieval state first appears as a metastable state, then becomes the equilibrium
    lines = theory.dense_hebbian_rs_lines([0.8, 1.0], 4)
    assert np.all(lines["stable"] < lines["exists"])
    rho_s = theory.dense_hebbian_rs_rho_c(beta, 4, "stable", rtol=1e-9)
    _, n_s = theory.dense_hebbian_rs(rho_s, beta, 4)
    assert theory.dense_hebbian_rs_pressure(n_s, rho_s, beta) == pytest.approx(np.log(2.0), abs=1e-8)


def test_our_finite_m_overlap_tends_to_the_papers_gaussian_limit():
    """At fixed rho our binomial-law derivation approaches the papers' equations as M grows
    (its example average becomes Gaussian) and differs from them at small M, where it adds
    the finite-M steps. Near the threshold (rho = 1 at beta = 1) the difference falls as 1/M."""
    rho, beta = 1.0, 1.0
    m_rs = theory.dense_hebbian_rs(rho, beta, 4)[0]
    gaps = []
    for m_examples in (6, 24, 96, 384, 1536):
        r = 1 / np.sqrt(1 + rho * m_examples)  # rho = (1 - r**2)/(M r**2) exactly
        gaps.append(abs(theory.dense_hebbian_overlap(r, m_examples, beta, 4)[0] - m_rs))
    assert all(b < a for a, b in zip(gaps, gaps[1:]))
    assert gaps[-1] < 5e-4 and gaps[0] > 0.02
    assert gaps[-1] / gaps[-2] == pytest.approx(0.25, rel=0.2)


def _supervised_samples(block: int, count: int) -> np.ndarray:
    """Archetype overlaps of ``count`` supervised P = 4 networks (n = 1000, 2 archetypes,
    M = 200 examples of quality r = 0.0995, i.e. rho = 0.5) after 30 Monte Carlo sweeps at
    beta = 1.4 from the archetype, each with its own examples."""
    rho, m_examples = 0.5, 200
    params = dict(n=1000, degree=4, protocol="supervised", r=1 / np.sqrt(1 + rho * m_examples), m=m_examples,
                  archetypes=2, beta=1.4, max_steps=30, start="archetype", backend="auto")
    return np.array([dense_hebbian_driver(params, np.random.SeedSequence([block, s]))["m_archetype"]
                     for s in range(count)])


def test_supervised_monte_carlo_matches_the_replica_symmetric_overlap():
    """At rho = 0.5, beta = 1.4 the papers' retrieval state is the equilibrium one (its line is at
    rho = 4.7 there) with m = 0.798, against 0.748 at rho = 0.625. Twelve Monte Carlo samples
    agree with the theory within 4 standard errors of their mean, a tolerance that resolves a
    25 % change of rho."""
    rho, beta = 0.5, 1.4
    sims = _supervised_samples(7, 12)
    tol = 4 * sims.std(ddof=1) / np.sqrt(len(sims))
    m_rs = theory.dense_hebbian_rs(rho, beta, 4)[0]
    assert abs(sims.mean() - m_rs) < tol
    assert abs(theory.dense_hebbian_rs(1.25 * rho, beta, 4)[0] - m_rs) > tol


@pytest.mark.slow
def test_supervised_monte_carlo_agreement_holds_for_every_seed_block():
    """The same comparison over 10 independent blocks of 12 samples: every block within 4 of
    its standard errors, and the pooled 120 samples within 4 pooled standard errors, a
    tolerance that then resolves a 10 % change of rho."""
    rho, beta = 0.5, 1.4
    m_rs = theory.dense_hebbian_rs(rho, beta, 4)[0]
    blocks = [_supervised_samples(100 + b, 12) for b in range(10)]
    for sims in blocks:
        assert abs(sims.mean() - m_rs) < 4 * sims.std(ddof=1) / np.sqrt(len(sims))
    pooled = np.concatenate(blocks)
    tol = 4 * pooled.std(ddof=1) / np.sqrt(len(pooled))
    assert abs(pooled.mean() - m_rs) < tol
    assert abs(theory.dense_hebbian_rs(1.1 * rho, beta, 4)[0] - m_rs) > tol
