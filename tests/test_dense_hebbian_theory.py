"""Replica-symmetric theory of dense Hebbian learning with its storage term (assoc.theory.dense_hebbian_rs*).

Setting of Agliari, Albanese, Alemanno, Alessandrelli, Barra, Giannotti, Lotito & Pedreschi
(unsupervised, arXiv 2211.14067; supervised, arXiv 2212.00606), M -> infinity at fixed dataset
entropy rho, load alpha = K / N**(P-1), in this package's units: ``m = E tanh h``,
``q = E tanh**2 h``, ``n = E[a tanh h]``, ``h = beta P (1 + rho)**(-P/2) n**(P-1) a +
beta sqrt(xi'(q)) Z``, ``a = 1 + sqrt(rho) Y``, ``xi(q) = alpha P! F q**P`` (F = 1 supervised).
The checks: exact limits (rho -> 0 is the dense Hopfield / P-spin network at the same load,
zero load, zero noise), values computed here by other routes (two-dimensional Gauss-Hermite
quadrature, conditional erf integrals, sampled cross-talk of actual +/-1 examples), an exact
identity of the equations (the Nishimori point), stationarity of the pressure, the P = 2
transition, our finite-M derivation tending to the zero-load equations, and a Monte Carlo
comparison. Each test names the perturbation of the equations it resolves.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad
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
    """rho -> 0 (perfect or infinitely many examples), zero load: m = n solve
    m = tanh(beta P m**(P-1)). Resolves a change of the signal factor P or of the power P - 1."""
    m, n, _ = theory.dense_hebbian_rs(0.0, beta, degree)
    expect = _standard_dense_m(beta, degree)
    assert m == pytest.approx(expect, abs=1e-9)
    assert n == pytest.approx(m, abs=1e-12)
    # continuity: a small entropy moves the overlap by O(rho), not by a jump
    m_small = theory.dense_hebbian_rs(1e-6, beta, degree)[0]
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
    """beta -> infinity at zero load: m = P(1 + sqrt(rho) Z > 0) = erf(1/sqrt(2 rho)) (no threshold
    in rho). Resolves a change of the Gaussian width sqrt(rho) of the example average."""
    m0, n0, _ = theory.dense_hebbian_rs(rho, None, 4)
    assert m0 == pytest.approx(float(erf(1 / np.sqrt(2 * rho))), abs=1e-15)
    s = np.sqrt(rho)
    assert n0 == pytest.approx(s * np.sqrt(2 / np.pi) * np.exp(-0.5 / rho) + m0, abs=1e-12)  # E|1 + sZ|
    m_cold = theory.dense_hebbian_rs(rho, 400.0, 4)[0]
    assert m_cold == pytest.approx(m0, abs=2e-3)
    assert theory.dense_hebbian_rs_rho_c(None, 4) == np.inf


@pytest.mark.parametrize("degree,rho", [(4, 1.0), (4, 0.3), (6, 0.5), (2, 0.7)])
def test_nishimori_point_is_an_exact_solution(degree, rho):
    """Where beta P (1 + rho)**(-P/2) rho = 1 the field h = k a has mean k and variance k (Stein's
    lemma and the identity E tanh h = E tanh**2 h for such a Gaussian), so n = 1 solves the
    equations exactly and m equals the replica overlap E tanh**2 h: an identity of the equations
    that the numerical solution has to meet, and misses when beta is off by 1 %."""
    beta = (1 + rho) ** (degree / 2) / (degree * rho)
    m, n, _ = theory.dense_hebbian_rs(rho, beta, degree)
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
        assert theory.dense_hebbian_rs(rho, 0.499, 2) == (0.0, 0.0, 0.0)
        m, n, _ = theory.dense_hebbian_rs(rho, 0.51, 2)
        n_near = theory.dense_hebbian_rs(rho, 0.5005, 2)[1]
        assert 0 < m and 0 < n
        assert n_near / n == pytest.approx(np.sqrt(0.0005 / 0.01), rel=0.1)
    assert theory.dense_hebbian_rs_rho_c(0.51, 2) == np.inf
    assert theory.dense_hebbian_rs_rho_c(0.49, 2) == 0.0


def test_solution_is_a_stationary_point_of_the_pressure_and_the_lines_are_ordered():
    rho, beta = 0.4, 1.0
    _, n, _ = theory.dense_hebbian_rs(rho, beta, 4)
    eps = 1e-5
    slope = (theory.dense_hebbian_rs_pressure(n + eps, rho, beta)
             - theory.dense_hebbian_rs_pressure(n - eps, rho, beta))
    assert abs(slope / (2 * eps)) < 1e-6
    assert theory.dense_hebbian_rs_pressure(0.0, rho, beta) == pytest.approx(np.log(2.0), abs=1e-12)
    # the retrieval state first appears as a metastable state, then becomes the equilibrium
    lines = theory.dense_hebbian_rs_lines([0.8, 1.0], 4)
    assert np.all(lines["stable"] < lines["exists"])
    rho_s = theory.dense_hebbian_rs_rho_c(beta, 4, "stable", rtol=1e-9)
    n_s = theory.dense_hebbian_rs(rho_s, beta, 4)[1]
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


# --------------------------------------------------------------------------- the storage (load) term

_GL_X, _GL_W = np.polynomial.legendre.leggauss(400)
_GL_X, _GL_W = 10 * _GL_X, 10 * _GL_W * np.exp(-50 * _GL_X**2) / np.sqrt(2 * np.pi)  # N(0, 1) on [-10, 10]


def _gh2_solve(rho, beta, degree, alpha, storage_factor=1.0, signal_power=None):
    """(m, n, q) of the retrieval state solved here on its own: two-dimensional Gauss-Legendre
    quadrature of the Gaussian measure over (Y, Z) with a = 1 + sqrt(rho) Y, plain fixed-point iteration of (n, q) from
    the archetype (n = q = 1), storage variance alpha P P! q**(P-1) times ``storage_factor``."""
    fact = float(np.prod(np.arange(1, degree + 1)))
    a = 1 + np.sqrt(rho) * _GL_X[:, None]
    z = _GL_X[None, :]
    w = _GL_W[:, None] * _GL_W[None, :]
    power = degree / 2 if signal_power is None else signal_power
    n, q = 1.0, 1.0
    for _ in range(5000):
        h = (beta * degree * (1 + rho) ** (-power) * n ** (degree - 1) * a
             + beta * np.sqrt(storage_factor * alpha * degree * fact * q ** (degree - 1)) * z)
        t = np.tanh(h)
        n_new, q_new = float((a * t * w).sum()), float((t * t * w).sum())
        if abs(n_new - n) + abs(q_new - q) < 1e-14:
            break
        n, q = n_new, q_new
    return float((np.tanh(h) * w).sum()), n_new, q_new


@pytest.mark.parametrize("beta,alpha", [(1.2, 1e-3), (2.0, 4e-3), (3.0, 2e-2)])
def test_zero_entropy_at_load_is_the_dense_hopfield_network(beta, alpha):
    """rho = 0 at load alpha: the dense Hopfield (P-spin, Gardner 1987) RS equations
    m = E tanh(beta 4 m**3 + beta sqrt(alpha 4 4! q**3) Z), q = E tanh**2, solved here by
    Gauss-Legendre iteration. The tolerance resolves the storage variance with (P-1)! for P!
    (alpha / 4): the test asserts that this perturbation moves m by 20 tolerances or more."""
    m, n, q = theory.dense_hebbian_rs(0.0, beta, 4, load=alpha)
    m_ref, n_ref, q_ref = _gh2_solve(0.0, beta, 4, alpha)
    tol = 2e-7
    assert m == pytest.approx(m_ref, abs=tol) and n == pytest.approx(m_ref, abs=tol)
    assert q == pytest.approx(q_ref, abs=tol)
    assert abs(_gh2_solve(0.0, beta, 4, alpha, storage_factor=1 / 4)[0] - m) > 20 * tol
    assert m < theory.dense_hebbian_rs(0.0, beta, 4)[0]  # the load costs overlap


@pytest.mark.parametrize("rho,beta,alpha", [(0.3, 1.5, 2e-3), (1.0, 2.5, 5e-4), (0.5, 1.4, 1e-3)])
def test_supervised_solution_at_load_matches_an_independent_quadrature(rho, beta, alpha):
    """rho > 0 and load > 0 together, against the two-dimensional Gauss-Legendre iteration.
    Resolves (asserted): a storage variance off by a factor 2, and the signal written with
    (1 + rho)**(-(P-1)/2) instead of (1 + rho)**(-P/2)."""
    m, n, q = theory.dense_hebbian_rs(rho, beta, 4, load=alpha)
    m_ref, n_ref, q_ref = _gh2_solve(rho, beta, 4, alpha)
    tol = 1e-6
    assert (m, n, q) == (pytest.approx(m_ref, abs=tol), pytest.approx(n_ref, abs=tol),
                         pytest.approx(q_ref, abs=tol))
    assert abs(_gh2_solve(rho, beta, 4, alpha, storage_factor=2.0)[0] - m) > 20 * tol
    assert abs(_gh2_solve(rho, beta, 4, alpha, signal_power=1.5)[0] - m) > 20 * tol


@pytest.mark.parametrize("rho,alpha", [(0.2, 2e-3), (0.6, 5e-4)])
def test_zero_noise_at_load_by_conditional_integrals(rho, alpha):
    """beta -> infinity at load alpha (q = 1): n = E_Y[a erf(mu0 a / sqrt(2 alpha P P!))],
    m = E_Y[erf(...)], mu0 = P (1 + rho)**(-P/2) n**(P-1), the Z integral done exactly as an
    erf and the Y integral by adaptive quadrature, the largest root by a scan and bisection here.
    Resolves (asserted) the storage variance alpha P P! replaced by alpha P!."""
    def solve(var):
        def rhs(n):
            k = 4 * (1 + rho) ** -2 * n**3 / np.sqrt(2 * var)
            phi = lambda y: np.exp(-0.5 * y * y) / np.sqrt(2 * np.pi)  # noqa: E731
            e = lambda y: erf(k * (1 + np.sqrt(rho) * y))  # noqa: E731
            y0 = -1 / np.sqrt(rho)  # where a = 0
            opts = dict(points=[y0], limit=400, epsabs=1e-14, epsrel=1e-13)
            return (quad(lambda y: (1 + np.sqrt(rho) * y) * e(y) * phi(y), -12, 12, **opts)[0],
                    quad(lambda y: e(y) * phi(y), -12, 12, **opts)[0])

        grid = np.linspace(1e-3, 1.3, 400)
        g = np.array([rhs(x)[0] - x for x in grid])
        j = np.nonzero(g > 0)[0][-1]
        n = brentq(lambda x: rhs(x)[0] - x, grid[j], grid[j + 1], xtol=1e-15)
        return rhs(n)[1], n

    m_ref, n_ref = solve(alpha * 4 * 24)
    m, n, q = theory.dense_hebbian_rs(rho, None, 4, load=alpha)
    assert q == 1.0
    assert m == pytest.approx(m_ref, abs=1e-9) and n == pytest.approx(n_ref, abs=1e-9)
    assert abs(solve(alpha * 24)[0] - m) > 1e-4
    # continuity in the noise: a cold finite-beta solution is close to it
    assert theory.dense_hebbian_rs(rho, 300.0, 4, load=alpha)[0] == pytest.approx(m, abs=3e-3)


def test_zero_load_is_the_low_load_solution_and_the_load_only_lowers_the_threshold():
    """load -> 0 is continuous (the storage term vanishes as alpha), and rho_c falls with alpha.
    Resolves a storage term that does not vanish at zero load."""
    base = theory.dense_hebbian_rs(0.5, 1.4, 4)
    near = theory.dense_hebbian_rs(0.5, 1.4, 4, load=1e-9)
    assert near[0] == pytest.approx(base[0], abs=1e-7)
    rc = [theory.dense_hebbian_rs_rho_c(1.0, 4, load=a, rtol=1e-6) for a in (0.0, 1e-3, 3e-3)]
    assert rc[0] > rc[1] > rc[2] > 0


def _he(k, x):
    return np.polynomial.hermite_e.hermeval(x, [0] * k + [1])


@pytest.mark.parametrize("degree,protocol,r,m_ex,trials,resolves", [
    (2, "unsupervised", 0.5, 4, 40000, ("one", "1/M")),  # F = 1.55 against 1 and 1.31
    (2, "unsupervised", 0.8, 2, 40000, ("1/M",)),  # F = 1.05 against 0.74 (the r**(2P) term)
    (2, "supervised", 0.5, 4, 40000, ()),
    (4, "unsupervised", 0.5, 4, 120000, ("one",)),  # F = 6.9 against 1
])
def test_storage_covariance_of_sampled_examples(degree, protocol, r, m_ex, trials, resolves):
    """The storage term's coefficient, checked on actual +/-1 examples: for an archetype that is
    not retrieved, its cross-talk X(s) (N**(P/2-1) times its contribution to -H/N, the couplings
    of DenseHebbian over distinct tuples: He_P of the normalised overlaps) has
    E[X(s) X(s')] = xi(q) / alpha for two states at overlap q, sampled over many archetypes of
    N = 400. Resolves (asserted, case by case in ``resolves``) the unsupervised factor
    (1/M + (1 - 1/M) r**(2P)) / R**P replaced by 1 (the supervised value: "one") or by its 1/M
    term alone ("1/M")."""
    rng = np.random.default_rng(5)
    n, qq, chunk = 400, 0.8, 4000
    s = rng.choice([-1.0, 1.0], n)
    s2 = s.copy()
    s2[: int(n * (1 - qq) / 2)] *= -1  # overlap qq
    big_r = r * r + (1 - r * r) / m_ex
    prods = []
    for _ in range(trials // chunk):
        xi = rng.choice([-1.0, 1.0], (chunk, 1, n))
        eta = xi * np.where(rng.random((chunk, m_ex, n)) < (1 + r) / 2, 1.0, -1.0)
        if protocol == "supervised":
            om = eta.mean(axis=1) / np.sqrt(big_r)
            x1, x2 = _he(degree, om @ s / np.sqrt(n)), _he(degree, om @ s2 / np.sqrt(n))
        else:
            x1 = _he(degree, eta @ s / np.sqrt(n)).sum(axis=1) / (m_ex * big_r ** (degree / 2))
            x2 = _he(degree, eta @ s2 / np.sqrt(n)).sum(axis=1) / (m_ex * big_r ** (degree / 2))
        prods.append(x1 * x2)
    prods = np.concatenate(prods)
    est, se = prods.mean(), prods.std(ddof=1) / np.sqrt(len(prods))
    rho = (1 - r * r) / (m_ex * r * r)
    ks, cs = theory.dense_hebbian_rs_crosstalk(degree, 1.0, protocol, rho, m_ex)
    expect = float((cs * qq**ks).sum())
    fact = float(np.prod(np.arange(1, degree + 1)))
    tol = 4 * se + 0.02 * expect  # 2 %: the O(1/N) departures of +/-1 overlaps from Gaussian ones
    assert abs(est - expect) < tol
    if protocol == "unsupervised":
        f = (1 / m_ex + (1 - 1 / m_ex) * r ** (2 * degree)) / big_r**degree
        assert expect == pytest.approx(fact * f * qq**degree, rel=1e-12)
    wrongs = {"one": fact * qq**degree, "1/M": fact * qq**degree / (m_ex * big_r**degree)}
    for key in resolves:
        assert abs(est - wrongs[key]) > tol, key


def test_all_tuple_couplings_add_the_lower_hermite_terms():
    """tuples="all" (the couplings DenseHebbian simulates): x**4 = He_4 + 6 He_2 + 3, so
    xi(q) = alpha (24 q**4 + 72 q**2) and xi'(1) = alpha 16 * 15 = alpha P**2 (2P-3)!!, the one-step
    noise of the polynomial dense memory; for P = 6, 720 q**6 + 15**2 * 24 q**4 + 45**2 * 2 q**2.
    Resolves a wrong Hermite coefficient c_k = P!/(j! 2**j k!)."""
    ks, cs = theory.dense_hebbian_rs_crosstalk(4, 1.0, tuples="all")
    assert dict(zip(ks.tolist(), cs.tolist())) == {4: 24.0, 2: 72.0}
    assert float((cs * ks).sum()) == 16 * theory.double_factorial(5)
    ks6, cs6 = theory.dense_hebbian_rs_crosstalk(6, 1.0, tuples="all")
    assert dict(zip(ks6.tolist(), cs6.tolist())) == {6: 720.0, 4: 15.0**2 * 24, 2: 45.0**2 * 2}
    # the unsupervised factor is 1 at M = 1 (the examples are the patterns) and tends to 1 as
    # M grows at fixed r (supervised and unsupervised couplings then coincide)
    assert theory.dense_hebbian_rs_crosstalk(4, 1.0, "unsupervised", 0.0, 1)[1][0] == pytest.approx(24.0)
    r = 0.6
    far = 10**7
    assert theory.dense_hebbian_rs_crosstalk(4, 1.0, "unsupervised", (1 - r * r) / (far * r * r), far)[1][0] == \
        pytest.approx(24.0, rel=1e-4)


def test_pressure_is_stationary_in_n_and_q_at_load():
    """At the solution both partial derivatives of A(n, q) vanish: resolves a reaction term
    beta**2/2 [xi(1) - xi(q) - (1-q) xi'(q)] with a wrong coefficient (then dA/dq != 0), and the
    ergodic pressure is ln 2 + beta**2 xi(1)/2 (24 alpha beta**2 / 2 at P = 4)."""
    rho, beta, alpha = 0.4, 1.5, 2e-3
    _, n, q = theory.dense_hebbian_rs(rho, beta, 4, load=alpha)
    p = lambda nn, qq: theory.dense_hebbian_rs_pressure(nn, rho, beta, 4, q=qq, load=alpha)  # noqa: E731
    eps = 1e-5
    assert abs((p(n + eps, q) - p(n - eps, q)) / (2 * eps)) < 1e-6
    assert abs((p(n, q + eps) - p(n, q - eps)) / (2 * eps)) < 1e-6
    assert theory.dense_hebbian_rs_glass(beta, 4, load=alpha) == (0.0, pytest.approx(np.log(2) + 12 * alpha * beta**2,
                                                                                          abs=1e-12))
    # at larger load and low noise a glass solution (q > 0, n = 0) exists; it extremises A in q
    q_sg, a_sg = theory.dense_hebbian_rs_glass(4.0, 4, load=0.05)
    assert q_sg > 0.8
    assert a_sg == pytest.approx(theory.dense_hebbian_rs_pressure(0.0, 0.0, 4.0, 4, q=q_sg, load=0.05), abs=1e-12)
    d = (theory.dense_hebbian_rs_pressure(0.0, 0.0, 4.0, 4, q=q_sg + eps, load=0.05)
         - theory.dense_hebbian_rs_pressure(0.0, 0.0, 4.0, 4, q=q_sg - eps, load=0.05)) / (2 * eps)
    assert abs(d) < 1e-5


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
