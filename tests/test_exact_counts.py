"""Exact predictive counts for parameters of any law, and products of parameters.

References are independent of the kernel: SciPy's beta-binomial and negative binomial for
Beta/Gamma laws; for any other law, adaptive :func:`scipy.integrate.quad` of
``E[P(X <= k | p)]`` over the normal score ``s`` of the parameter (``p = Q(Phi(s))``, with
break points at the step of the binomial/Poisson CDF), so that a kernel quantile ``k`` is the
reference quantile exactly when ``CDF_ref(k - 1) < q <= CDF_ref(k)`` (the smallest ``k``
whose reference CDF reaches ``q``; upper quantiles are checked on the upper tail, which keeps
its precision); products against closed-form moments and brute-force simulation.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from scipy import integrate, special, stats

import spinemets as sm
from spinemets._validation import MAX_SHAPE
from spinemets.counts import (
    mixed_binomial_cdf,
    mixed_binomial_ppf,
    mixed_poisson_cdf,
    mixed_poisson_ppf,
)

# ------------------------------------------------------------------ references


def _quad(f, points):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        return integrate.quad(lambda s: stats.norm.pdf(s) * f(s), -20.0, 20.0,
                              points=points, limit=2000, epsabs=0.0, epsrel=1e-13)[0]


def _score(dist, x):
    """Normal score of ``dist`` at ``x`` from the smaller tail."""
    lo, up = float(dist.cdf(x)), float(dist.sf(x))
    return float(stats.norm.ppf(lo)) if lo < 0.5 else float(-stats.norm.ppf(up))


def _param(dist, s):
    s = np.asarray(s, dtype=float)
    return np.where(s <= 0, dist.ppf(special.ndtr(np.minimum(s, 0))),
                    dist.isf(special.ndtr(-np.maximum(s, 0))))


def ref_binom_tails(k, n, dist):
    """(P(X <= k), P(X > k)) by adaptive quadrature over the parameter's normal score."""
    sd = np.sqrt(1.0 / (k + 1) + 1.0 / (n - k))
    centre = special.logit(min(max((k + 0.5) / n, 1e-300), 1 - 1e-16))
    pts = sorted({float(np.clip(_score(dist, special.expit(centre + j * sd)), -19.5, 19.5))
                  for j in (-8, -4, -2, -1, 0, 1, 2, 4, 8)})
    lower = _quad(lambda s: stats.binom.cdf(k, n, _param(dist, s)), pts)
    upper = _quad(lambda s: stats.binom.sf(k, n, _param(dist, s)), pts)
    return lower, upper


def ref_poisson_tails(k, exposure, dist):
    sd = np.sqrt(1.0 / (k + 1))
    centre = np.log((k + 0.5) / exposure)
    pts = sorted({float(np.clip(_score(dist, np.exp(centre + j * sd)), -19.5, 19.5))
                  for j in (-8, -4, -2, -1, 0, 1, 2, 4, 8)})
    lower = _quad(lambda s: stats.poisson.cdf(k, exposure * _param(dist, s)), pts)
    upper = _quad(lambda s: stats.poisson.sf(k, exposure * _param(dist, s)), pts)
    return lower, upper


def assert_is_reference_quantile(k, q, tails_at, tie=1e-12):
    """``k`` is the smallest integer whose reference CDF reaches ``q``.

    Where the CDF at an integer equals ``q`` to within ``tie`` (e.g. n = 1, a law symmetric
    about 1/2 and q = 0.5: P(X = 0) = 0.5 exactly), both neighbours are accepted: double
    precision cannot tell on which side of ``q`` the exact value lies.
    """
    lo_k, up_k = tails_at(k)
    if q <= 0.5:
        assert lo_k >= q - tie, (k, q, lo_k)
        if k > 0:
            assert tails_at(k - 1)[0] < q + tie, (k, q)
    else:
        assert up_k <= 1.0 - q + tie, (k, q, up_k)
        if k > 0:
            assert tails_at(k - 1)[1] > 1.0 - q - tie, (k, q)


# ------------------------------------------------------------------ Beta and Gamma: SciPy


@settings(max_examples=60, deadline=None)
@given(q=st.floats(0.001, 0.999), n=st.integers(0, 10_000), a=st.floats(0.2, 200.0),
       b=st.floats(0.2, 200.0))
def test_beta_law_equals_scipy_betabinom(q, n, a, b):
    got = mixed_binomial_ppf(q, n, stats.beta(a, b))
    assert int(got) == int(stats.betabinom.ppf(q, n, a, b))


@settings(max_examples=60, deadline=None)
@given(q=st.floats(0.001, 0.999), exposure=st.floats(0.0, 1e6), shape=st.floats(0.2, 500.0),
       rate=st.floats(1.0, 1e6))
def test_gamma_law_equals_scipy_nbinom(q, exposure, shape, rate):
    got = mixed_poisson_ppf(q, exposure, stats.gamma(shape, scale=1.0 / rate))
    assert int(got) == int(stats.nbinom.ppf(q, shape, rate / (rate + exposure)))


def test_beta_and_gamma_rows_are_identical_to_the_existing_kernels():
    n = np.array([0, 1, 10, 1000, 10**6, 10**9])
    beta = sm.Proportion.beta(3.5, 11.0)
    for q in (0.025, 0.975):
        assert np.array_equal(mixed_binomial_ppf(q, n, beta),
                              sm.counts.betabinom_ppf(q, n, 3.5, 11.0))
    rate = sm.Rate.gamma(40.0, 2e5)
    exposure = np.array([0.0, 1.0, 1e4, 1e7])
    assert np.array_equal(mixed_poisson_ppf(0.9, exposure, rate),
                          sm.counts.poisson_gamma_ppf(0.9, 40.0, 2e5, exposure))


# ------------------------------------------------------------------ logit-normal: quadrature


@settings(max_examples=30, deadline=None)
@given(q=st.floats(1e-6, 1 - 1e-6), log_n=st.floats(0.0, np.log(1e9)),
       mu=st.floats(-12.0, 10.0), sigma=st.floats(0.02, 2.5))
def test_logit_normal_quantile_equals_quadrature(q, log_n, mu, sigma):
    n = float(np.floor(np.exp(log_n)))
    dist = sm.Proportion.logit_normal(mu, sigma).dist
    k = int(mixed_binomial_ppf(q, n, dist))
    assert 0 <= k <= n

    def tails_at(j):
        if j >= n:
            return 1.0, 0.0
        return ref_binom_tails(j, n, dist)

    assert_is_reference_quantile(k, q, tails_at)


def test_an_exact_tie_of_the_cdf_and_q_is_either_neighbour():
    """Found by hypothesis: n = 1, logit-normal(0, 0.02), q = 0.5 has P(X = 0) = 1/2 exactly."""
    dist = sm.Proportion.logit_normal(0.0, 0.02).dist
    assert int(mixed_binomial_ppf(0.5, 1.0, dist)) in (0, 1)
    assert int(mixed_binomial_ppf(0.5 - 1e-9, 1.0, dist)) == 0
    assert int(mixed_binomial_ppf(0.5 + 1e-9, 1.0, dist)) == 1


@pytest.mark.parametrize("n", [1, 30, 10**4, 10**9])
@pytest.mark.parametrize("mu, sigma", [(-0.694, 0.198), (-14.0, 0.8), (12.0, 0.5),
                                       (-3.0, 2.0), (0.5, 0.02)])
@pytest.mark.parametrize("q", [1e-9, 0.025, 0.975, 1 - 1e-9])
def test_logit_normal_edges_equal_quadrature(n, mu, sigma, q):
    dist = sm.Proportion.logit_normal(mu, sigma).dist
    k = int(mixed_binomial_ppf(q, n, dist))

    def tails_at(j):
        return (1.0, 0.0) if j >= n else ref_binom_tails(j, n, dist)

    assert_is_reference_quantile(k, q, tails_at)


@pytest.mark.parametrize("k, n, mu, sigma", [
    (0, 1, -0.7, 0.2), (0, 9, -6.0, 1.9), (1, 1571, -7.3, 1.2), (43, 782, -1.9, 2.6),
    (357027, 1018309, -0.686, 0.038), (300_000_000, 10**9, -0.8, 0.1),
    (5, 10**9, -19.0, 0.5), (10**9 - 3, 10**9, 19.0, 0.5),
])
def test_logit_normal_cdf_relative_error(k, n, mu, sigma):
    dist = sm.Proportion.logit_normal(mu, sigma).dist
    lower, upper = ref_binom_tails(k, n, dist)
    got = float(mixed_binomial_cdf(k, n, dist))
    if lower <= upper:
        assert got == pytest.approx(lower, rel=1e-8, abs=1e-300)
    else:
        assert 1.0 - got == pytest.approx(upper, rel=1e-8, abs=1e-16)


@settings(max_examples=20, deadline=None)
@given(q=st.floats(1e-6, 1 - 1e-6), log_e=st.floats(np.log(1e-3), np.log(1e9)),
       mu=st.floats(-20.0, 0.0), sigma=st.floats(0.02, 2.5))
def test_log_normal_rate_quantile_equals_quadrature(q, log_e, mu, sigma):
    exposure = float(np.exp(log_e))
    dist = stats.lognorm(sigma, scale=np.exp(mu))
    k = int(mixed_poisson_ppf(q, exposure, dist))
    assert_is_reference_quantile(k, q, lambda j: ref_poisson_tails(j, exposure, dist))


def test_any_scipy_law_is_tabulated_and_exact():
    dist = stats.beta(2.0, 5.0, loc=0.1, scale=0.8)  # shifted: not the Beta kernel
    for n in (5, 300, 10**6):
        for q in (0.01, 0.5, 0.99):
            k = int(mixed_binomial_ppf(q, n, dist))
            assert_is_reference_quantile(
                k, q, lambda j, n=n: (1.0, 0.0) if j >= n else ref_binom_tails(j, n, dist))


# ------------------------------------------------------------------ determinism and edges


def test_same_call_same_answer_without_rng():
    p = sm.parameter("spinal_mets_autopsy")
    n = np.unique(np.floor(np.exp(np.linspace(0, np.log(1e7), 500)))).astype(int)
    first = mixed_binomial_ppf([[0.025], [0.975]], n[None, :], p)
    assert np.array_equal(first, mixed_binomial_ppf([[0.025], [0.975]], n[None, :], p))
    a = sm.estimate(n, "spinal_mets_autopsy")
    pd.testing.assert_frame_equal(a, sm.estimate(n, "spinal_mets_autopsy"))


def test_edges_zero_trials_and_zero_exposure():
    p = sm.Proportion.logit_normal(0.0, 1.0)
    assert mixed_binomial_ppf([0.001, 0.999], 0, p).tolist() == [0, 0]
    assert mixed_binomial_cdf([-1, 0, 5], 0, p).tolist() == [0.0, 1.0, 1.0]
    rate = stats.lognorm(0.5, scale=1e-3)
    assert mixed_poisson_ppf(0.999, 0.0, rate).tolist() == 0
    assert mixed_poisson_cdf([-1, 0], 0.0, rate).tolist() == [0.0, 1.0]
    # n = 1: P(X = 0) = 1 - E[p]
    assert float(mixed_binomial_cdf(0, 1, p)) == pytest.approx(1.0 - p.mean, rel=1e-12)


def test_errors_name_the_argument():
    p = sm.Proportion.logit_normal(0.0, 1.0)
    with pytest.raises(ValueError, match="q must lie strictly between 0 and 1"):
        mixed_binomial_ppf(1.0, 10, p)
    with pytest.raises(ValueError, match="n must be a whole number"):
        mixed_binomial_ppf(0.5, 2.5, p)
    with pytest.raises(ValueError, match="exposure must be >= 0"):
        mixed_poisson_ppf(0.5, -1.0, stats.lognorm(1.0))
    with pytest.raises(TypeError, match="dist must be a distribution"):
        mixed_binomial_ppf(0.5, 10, 0.3)
    with pytest.raises(ValueError, match="support inside"):
        mixed_binomial_ppf(0.5, 10, stats.norm(0, 1))


# ------------------------------------------------------------------ estimate


def test_estimate_is_exact_for_the_pooled_logit_normal_parameter():
    res = sm.estimate(1000, "spinal_mets_autopsy")
    assert res.loc[0, "method"] == "exact" and pd.isna(res.loc[0, "seed"])
    assert res.loc[0, "mc_error"] == 0
    p = sm.parameter("spinal_mets_autopsy")
    assert res.loc[0, "pi_lower"] == mixed_binomial_ppf(0.025, 1000, p)
    assert res.loc[0, "pi_upper"] == mixed_binomial_ppf(0.975, 1000, p)
    explicit = sm.estimate(1000, "spinal_mets_autopsy", method="exact")
    pd.testing.assert_frame_equal(res, explicit)


def test_estimate_exact_agrees_with_monte_carlo_within_its_error():
    p = sm.parameter("spinal_mets_autopsy")
    n = [20, 500, 40_000]
    exact = sm.estimate(n, p)
    mc = sm.estimate(n, p, method="monte_carlo", draws=40_000, rng=7)
    for col in ("pi_lower", "pi_upper"):
        assert (np.abs(exact[col] - mc[col]) <= mc["mc_error"] + 1).all()


# ------------------------------------------------------------------ products


@pytest.fixture(scope="module")
def factors():
    spinal = sm.parameter("spinal_mets_autopsy")
    mscc = sm.Proportion.beta(20.5, 60.5, label="mscc | spinal", sources=["X-1"],
                              assumption="read from counts")
    return spinal, mscc


def test_product_is_a_proportion_with_joined_provenance(factors):
    spinal, mscc = factors
    prod = spinal * mscc
    assert isinstance(prod, sm.Proportion)
    assert prod.label == f"{spinal.label} × {mscc.label}"
    assert prod.sources == (*spinal.sources, "X-1")
    assert "independent" in prod.assumption and "read from counts" in prod.assumption
    assert spinal.encoding in prod.encoding and mscc.encoding in prod.encoding
    assert " × " in prod.encoding
    rate = sm.Rate.gamma(50.0, 1e5, label="referrals") * mscc
    assert isinstance(rate, sm.Rate) and rate.label == "referrals × mscc | spinal"
    assert isinstance(mscc * sm.Rate.gamma(50.0, 1e5), sm.Rate)
    with pytest.raises(TypeError):
        sm.Rate.gamma(50.0, 1e5) * sm.Rate.gamma(5.0, 1e5)


def test_product_moments_are_exact(factors):
    spinal, mscc = factors
    prod = spinal * mscc
    mx, my = spinal.mean, mscc.mean
    vx, vy = spinal.dist.var(), mscc.dist.var()
    assert prod.mean == pytest.approx(mx * my, rel=1e-15)
    var = (vx + mx**2) * (vy + my**2) - (mx * my) ** 2
    assert prod.dist.var() == pytest.approx(var, rel=1e-12)
    # the tabulated CDF carries the same moments (integrated from the table)
    m1 = integrate.quad(lambda x: prod.dist.sf(x), 0, 1, limit=500)[0]
    m2 = integrate.quad(lambda x: 2 * x * prod.dist.sf(x), 0, 1, limit=500)[0]
    assert m1 == pytest.approx(mx * my, rel=1e-7)
    assert m2 - m1**2 == pytest.approx(var, rel=1e-5)


def test_product_cdf_against_quadrature_and_simulation(factors):
    spinal, mscc = factors
    prod = spinal * mscc
    x, y = spinal.dist, mscc.dist
    for c in (0.02, 0.05, 0.08, 0.12, 0.2):
        ref = integrate.quad(lambda v, c=c: x.cdf(min(c / v, 1.0)) * y.pdf(v), 0, 1,
                             points=[0.25], limit=500, epsabs=0, epsrel=1e-12)[0]
        assert float(prod.cdf(c)) == pytest.approx(ref, rel=1e-7, abs=1e-14)
    gen = np.random.default_rng(20240601)
    draws = 400_000
    sample = x.rvs(draws, random_state=gen) * y.rvs(draws, random_state=gen)
    for c in prod.dist.ppf([0.05, 0.25, 0.5, 0.75, 0.95]):
        emp = float(np.mean(sample <= c))
        p = float(prod.cdf(c))
        assert abs(emp - p) <= 4.5 * np.sqrt(p * (1 - p) / draws)
    assert abs(sample.mean() - prod.mean) <= 4.5 * prod.std / np.sqrt(draws)


@pytest.mark.parametrize("n", [1, 3000, 10**9])
@pytest.mark.parametrize("q", [0.001, 0.975])
def test_product_counts_equal_quadrature(factors, n, q):
    spinal, mscc = factors
    dist = (spinal * mscc).dist
    k = int(mixed_binomial_ppf(q, n, dist))
    assert_is_reference_quantile(
        k, q, lambda j: (1.0, 0.0) if j >= n else ref_binom_tails(j, n, dist))


def test_product_rate_counts_equal_quadrature():
    rate = sm.Rate.gamma(50.0, 1e5) * sm.Proportion.beta(10.0, 30.0)
    for exposure in (1e4,):
        for q in (0.025, 0.975):
            k = int(mixed_poisson_ppf(q, exposure, rate))
            assert_is_reference_quantile(
                k, q, lambda j, e=exposure: ref_poisson_tails(j, e, rate.dist))


def test_estimate_of_a_product_is_exact_and_agrees_with_simulation(factors):
    spinal, mscc = factors
    prod = spinal * mscc
    res = sm.estimate([400, 5000], prod)
    assert (res["method"] == "exact").all() and res["seed"].isna().all()
    assert res["sources"].iloc[0] == ";".join(prod.sources)
    gen = np.random.default_rng(5)
    draws = 200_000
    theta = spinal.rvs(draws, rng=gen) * mscc.rvs(draws, rng=gen)
    for i, n in enumerate([400, 5000]):
        counts = gen.binomial(n, theta)
        ref = np.quantile(counts, [0.025, 0.975], method="inverted_cdf")
        # Monte Carlo error of an empirical quantile: a few pmf-widths around it
        sd = counts.std()
        tol = 1 + 4 * sd * np.sqrt(0.025 * 0.975 / draws) / stats.norm.pdf(1.96)
        assert abs(res.loc[i, "pi_lower"] - ref[0]) <= tol
        assert abs(res.loc[i, "pi_upper"] - ref[1]) <= tol


# ------------------------------------------------------------------ mixtures


@pytest.fixture(scope="module")
def mixture_parts():
    a = sm.Proportion.beta(20.0, 80.0, label="a", sources=["E1"])
    b = sm.Proportion.logit_normal(0.5, 0.4, label="b", sources=["E2"], assumption="pooled")
    return a, b, (0.7, 0.3)


def _mixture_ref_tails(k, n, parts):
    """Reference tails: SciPy's beta-binomial for the Beta part, quadrature for the other."""
    _, b, (wa, wb) = parts
    lo_a = float(stats.betabinom.cdf(k, n, 20.0, 80.0))
    up_a = float(stats.betabinom.sf(k, n, 20.0, 80.0))
    lo_b, up_b = ref_binom_tails(k, n, b.dist)
    return wa * lo_a + wb * lo_b, wa * up_a + wb * up_b


def test_mixture_law_is_the_weighted_sum(mixture_parts):
    a, b, (wa, wb) = mixture_parts
    m = sm.Proportion.mixture([a, b], [7, 3])  # weights are normalised
    x = np.array([1e-6, 0.05, 0.2, 0.5, 0.62, 0.9, 1 - 1e-9])
    ref = wa * stats.beta.cdf(x, 20, 80) + wb * stats.norm.cdf((special.logit(x) - 0.5) / 0.4)
    np.testing.assert_allclose(m.cdf(x), ref, rtol=1e-13, atol=0)
    np.testing.assert_allclose(m.sf(x), 1 - ref, rtol=1e-12, atol=1e-16)
    q = np.array([1e-9, 0.025, 0.5, 0.8, 0.975])
    np.testing.assert_allclose(
        wa * stats.beta.cdf(m.ppf(q), 20, 80)
        + wb * stats.norm.cdf((special.logit(m.ppf(q)) - 0.5) / 0.4), q, rtol=1e-10)
    mean_ref = integrate.quad(lambda t: t * m.dist.pdf(t), 0, 1, points=[0.2, 0.62],
                              epsrel=1e-12)[0]
    assert m.mean == pytest.approx(mean_ref, rel=1e-9)
    var_ref = integrate.quad(lambda t: (t - mean_ref) ** 2 * m.dist.pdf(t), 0, 1,
                             points=[0.2, 0.62], epsrel=1e-12)[0]
    assert m.std**2 == pytest.approx(var_ref, rel=1e-7)
    draws = m.rvs(200_000, rng=3)
    assert abs(draws.mean() - m.mean) <= 4.5 * m.std / np.sqrt(draws.size)
    assert m.label == "mixture(a, b)" and m.sources == ("E1", "E2")
    assert "0.7, 0.3" in m.encoding and "b: pooled" in m.assumption
    assert "mixture(beta(20, 80), logitnorm(0.5, 0.4); weights 0.7, 0.3)" in repr(m)


@pytest.mark.parametrize("n", [1, 7, 250, 3000])
@pytest.mark.parametrize("q", [0.001, 0.025, 0.5, 0.975])
def test_mixture_counts_equal_the_reference(mixture_parts, n, q):
    a, b, w = mixture_parts
    m = sm.Proportion.mixture([a, b], w)
    k = int(mixed_binomial_ppf(q, n, m))
    assert_is_reference_quantile(
        k, q, lambda j: (1.0, 0.0) if j >= n else _mixture_ref_tails(j, n, mixture_parts))
    if k < n:
        lo_ref, _ = _mixture_ref_tails(k, n, mixture_parts)
        assert float(mixed_binomial_cdf(k, n, m)) == pytest.approx(lo_ref, rel=1e-9)


def test_rate_mixture_counts_equal_scipy_nbinom():
    rates = [sm.Rate.gamma(10.0, 1e4), sm.Rate.gamma(50.0, 2e4)]
    w = np.array([0.4, 0.6])
    m = sm.Rate.mixture(rates, w)
    for exposure in (0.0, 50.0, 1e4, 3e6):
        for q in (0.01, 0.5, 0.975):
            k = int(mixed_poisson_ppf(q, exposure, m))

            def cdf(j, e=exposure):
                return sum(wi * stats.nbinom.cdf(j, r.shape, r.inverse_scale
                                                 / (r.inverse_scale + e))
                           for wi, r in zip(w, rates, strict=True))
            assert cdf(k) >= q and (k == 0 or cdf(k - 1) < q), (exposure, q, k)
    np.testing.assert_allclose(
        mixed_poisson_cdf([0, 30, 200], 1e4, m),
        [sum(wi * stats.nbinom.cdf(j, r.shape, r.inverse_scale / (r.inverse_scale + 1e4))
             for wi, r in zip(w, rates, strict=True)) for j in (0, 30, 200)], rtol=1e-12)


def test_estimate_of_a_mixture_is_exact_and_deterministic(mixture_parts):
    a, b, w = mixture_parts
    m = sm.Proportion.mixture([a, b], w, label="mixed")
    res = sm.estimate([0, 40, 40, 1200], m)
    again = sm.estimate([0, 40, 40, 1200], m)
    pd.testing.assert_frame_equal(res, again)
    assert (res["method"] == "exact").all() and res["seed"].isna().all()
    assert res["parameter"].tolist() == ["mixed"] * 4
    for i, n in enumerate([0, 40, 40, 1200]):
        for col, q in (("pi_lower", 0.025), ("pi_upper", 0.975)):
            k = int(res.loc[i, col])
            if n == 0:
                assert k == 0
                continue
            assert_is_reference_quantile(
                k, q, lambda j, n=n: (1.0, 0.0) if j >= n else _mixture_ref_tails(
                    j, n, mixture_parts))
    assert res.loc[3, "mean"] == pytest.approx(1200 * m.mean)


def test_mixture_bad_input(mixture_parts):
    a, b, _ = mixture_parts
    with pytest.raises(ValueError, match="components must be a non-empty"):
        sm.Proportion.mixture([], [])
    with pytest.raises(TypeError, match="components must all be Proportion"):
        sm.Proportion.mixture([a, sm.Rate.gamma(2.0, 1.0)], [0.5, 0.5])
    with pytest.raises(TypeError, match="components must all be Rate"):
        sm.Rate.mixture([a], [1.0])
    with pytest.raises(ValueError, match="one number per component"):
        sm.Proportion.mixture([a, b], [1.0])
    with pytest.raises(ValueError, match="weights must be finite"):
        sm.Proportion.mixture([a, b], [1.0, -0.5])
    with pytest.raises(ValueError, match="not all 0"):
        sm.Proportion.mixture([a, b], [0.0, 0.0])
    with pytest.raises(TypeError, match="weights must be a sequence of numbers"):
        sm.Proportion.mixture([a, b], ["x", "y"])


# ------------------------------------------------------------------ estimate's row handling


@pytest.mark.parametrize("outcome", [sm.Proportion.beta(258.5, 584.5, label="beta"),
                                     "spinal_mets_autopsy",
                                     sm.Rate.gamma(229.5, 1e6, label="rate")])
def test_estimate_solves_each_distinct_size_once_with_the_same_answer(outcome, monkeypatch):
    """Repeated sizes and chunking change the work, never the numbers: the bounds equal the
    kernels called on every row, whatever the chunk size."""
    from spinemets import _estimate

    rng = np.random.default_rng(8)
    sizes = np.floor(np.exp(rng.uniform(0.0, np.log(2e5), 400)))
    sizes = np.concatenate([sizes, sizes[:150], [0.0, 0.0, 1.0]])
    rng.shuffle(sizes)
    dist = sm.parameter(outcome) if isinstance(outcome, str) else outcome
    if isinstance(dist, sm.Rate):
        direct = [sm.counts.poisson_gamma_ppf(q, dist.shape, dist.inverse_scale, sizes)
                  for q in (0.025, 0.975)]
    elif dist.is_beta:
        direct = [sm.counts.betabinom_ppf(q, sizes, dist.a, dist.b) for q in (0.025, 0.975)]
    else:
        direct = [mixed_binomial_ppf(q, sizes, dist) for q in (0.025, 0.975)]
    res = sm.estimate(sizes, outcome)
    np.testing.assert_array_equal(res["pi_lower"].to_numpy(), direct[0])
    np.testing.assert_array_equal(res["pi_upper"].to_numpy(), direct[1])
    monkeypatch.setattr(_estimate, "BOUNDS_CHUNK", 7)
    pd.testing.assert_frame_equal(sm.estimate(sizes, outcome), res)


# ------------------------------------------------------ Beta above AB_MAX: the gap closed


def _beta_quadrature(q, n, a, b):
    from spinemets.counts import _beta_quadrature_ppf  # the route under test

    return int(_beta_quadrature_ppf(np.array([q], dtype=float), np.array([n], dtype=float),
                                    np.array([a]), np.array([b]))[0])


@settings(max_examples=40, deadline=None)
@given(q=st.floats(0.001, 0.999), n=st.integers(0, 10_000), a=st.floats(0.2, 200.0),
       b=st.floats(0.2, 200.0))
def test_beta_quadrature_route_equals_scipy_betabinom(q, n, a, b):
    """The route for uncertified rows above AB_MAX (mixed-binomial quadrature with the Beta
    law tabulated) is exact where SciPy's beta-binomial is the reference."""
    assert _beta_quadrature(q, n, a, b) == int(stats.betabinom.ppf(q, n, a, b))


@settings(max_examples=20, deadline=None)
@given(total=st.floats(1e8, 2e9, exclude_min=True), logit_mean=st.floats(-12.0, 12.0),
       n=st.integers(1, 10**9), tail=st.sampled_from([1e-6, 1e-3, 0.025, 0.3]))
def test_auto_never_fails_above_ab_max(total, logit_mean, n, tail):
    """``a + b`` in (AB_MAX, 2e9] (Proportion allows each shape up to 1e9), n up to 1e9, levels
    near 0 and 1: ``auto`` answers every row. Where the binomial limit is certified, the
    bounds are the certified ones (and the quadrature route agrees with them); elsewhere
    they are the quantiles of adaptive quadrature (``ref_binom_tails``)."""
    mean = float(special.expit(logit_mean))
    a, b = total * mean, total * (1.0 - mean)
    if a > MAX_SHAPE or b > MAX_SHAPE:
        return  # not a valid Proportion
    beta = sm.Proportion.beta(a, b)
    res = sm.estimate(n, beta, confidence_level=1.0 - 2.0 * tail)
    assert res["method"].iloc[0] == "exact" and res["mc_error"].iloc[0] == 0
    got = (int(res["pi_lower"].iloc[0]), int(res["pi_upper"].iloc[0]))
    for q, k in zip((tail, 1.0 - tail), got, strict=True):
        try:
            want = int(sm.counts.betabinom_ppf(q, n, a, b))  # certified, or refused
        except ValueError as exc:
            assert "give a + b <= 1e+08" in str(exc)
            event("not certified: checked against quadrature")
            assert_is_reference_quantile(k, q, lambda j: ref_binom_tails(j, n, beta.dist),
                                         tie=1e-10)
        else:
            assert k == want
            assert _beta_quadrature(q, n, a, b) == want


def test_exact_refuses_what_auto_computes_above_ab_max():
    """``method="exact"`` keeps the refusal (naming a + b, n and q, and the way out);
    ``auto`` gives the quadrature quantiles; ``uncertified`` is checked."""
    beta = sm.Proportion.beta(3e8, 7e8)  # a + b = 1e9, n = 1e6: spread of p still matters
    with pytest.raises(ValueError, match=r"a \+ b = 1e\+09 .* n = 1e\+06 .* uncertified="):
        sm.estimate(10**6, beta, method="exact")
    res = sm.estimate(10**6, beta)
    for q, k in ((0.025, res["pi_lower"].iloc[0]), (0.975, res["pi_upper"].iloc[0])):
        assert_is_reference_quantile(int(k), q, lambda j: ref_binom_tails(j, 10**6, beta.dist))
        assert k == sm.counts.betabinom_ppf(q, 10**6, 3e8, 7e8, uncertified="quadrature")
    with pytest.raises(ValueError, match=r"uncertified must be one of .* got 'maybe'"):
        sm.counts.betabinom_ppf(0.5, 10, 1.0, 1.0, uncertified="maybe")


def test_mixture_with_a_beta_above_ab_max_is_answered_by_both_methods():
    """A mixture component above AB_MAX whose binomial limit is not certified: the mixed
    kernel's own quadrature answers it (under ``exact`` too: the mixed kernel is the exact
    route of mixtures). Reference: the mixture of the components' references (adaptive
    quadrature for the narrow Beta, SciPy's beta-binomial for the other)."""
    huge, usual = stats.beta(3e8, 7e8), (30.0, 70.0)
    mix = sm.Proportion.mixture([sm.Proportion.beta(3e8, 7e8), sm.Proportion.beta(*usual)],
                                [0.6, 0.4])
    sizes = [10**6, 500]
    res = sm.estimate(sizes, mix, method="exact")
    pd.testing.assert_frame_equal(res, sm.estimate(sizes, mix))
    for i, n in enumerate(sizes):
        def tails_at(j, n=n):
            lo, up = ref_binom_tails(j, n, huge)
            return (0.6 * lo + 0.4 * stats.betabinom.cdf(j, n, *usual),
                    0.6 * up + 0.4 * stats.betabinom.sf(j, n, *usual))
        assert_is_reference_quantile(int(res["pi_lower"].iloc[i]), 0.025, tails_at)
        assert_is_reference_quantile(int(res["pi_upper"].iloc[i]), 0.975, tails_at)
