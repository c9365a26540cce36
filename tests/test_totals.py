"""Totals over strata (``estimate_total``) and the Monte Carlo engine's error for counts.

References are independent of the code under test: closed forms (beta-binomial of a summed
size; negative binomials and Gammas of one scale add up), direct ``numpy.convolve`` of SciPy
pmfs, and brute-force simulation with fixed seeds. A brute-force quantile is compared through
its distribution-free order-statistic band (ranks ``q N +- 3.5 sqrt(N q (1 - q))``): the
exact quantile lies outside it with probability about 5e-4.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import spinemets as sm
from spinemets import _estimate, _totals
from spinemets._montecarlo import CERTAIN_Z, mc_quantiles, quantiles_with_error

LEVEL = 0.95
TAILS = np.array([0.025, 0.975])


def ref_band(sims: np.ndarray, q: float, z: float = 3.5) -> tuple[float, float]:
    """Distribution-free band for the q-quantile of the law that produced ``sims``."""
    s = np.sort(sims)
    n = s.size
    half = z * np.sqrt(n * q * (1 - q))
    lo = s[max(int(np.floor(q * n - half)) - 1, 0)]
    hi = s[min(int(np.ceil(q * n + half)) - 1, n - 1)]
    return float(lo), float(hi)


def assert_in_band(value: float, sims: np.ndarray, q: float) -> None:
    lo, hi = ref_band(sims, q)
    assert lo <= value <= hi, (value, lo, hi, q)


def site_cohort(outcome_sites: dict[str, int]) -> pd.DataFrame:
    return pd.DataFrame({"primary_site": list(outcome_sites), "n": list(outcome_sites.values())})


# --------------------------------------------------------------- convolution helpers


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fft_convolution_matches_direct(seed):
    gen = np.random.default_rng(seed)
    pmfs = [gen.random(gen.integers(1, 40)) for _ in range(4)]
    pmfs = [p / p.sum() for p in pmfs]
    direct = pmfs[0]
    for p in pmfs[1:]:
        direct = np.convolve(direct, p)
    fft = _totals.convolve_pmfs(pmfs, method="fft")
    assert fft.shape == direct.shape
    np.testing.assert_allclose(fft, direct, rtol=0, atol=1e-15)
    assert (fft >= 0).all() and fft.sum() == pytest.approx(1, abs=1e-15)
    np.testing.assert_allclose(_totals.convolve_pmfs(pmfs, method="direct"), direct, atol=1e-16)


def test_convolution_rejects_bad_arguments():
    with pytest.raises(ValueError, match="method must be"):
        _totals.convolve_pmfs([np.ones(1)], method="fast")
    with pytest.raises(ValueError, match="at least one pmf"):
        _totals.convolve_pmfs([])


def test_count_pmf_is_scipy_pmf_on_a_window_holding_the_mass():
    beta = sm.Proportion.beta(20.5, 60.5)
    offset, pmf = _totals.count_pmf(beta, 5000)
    k = offset + np.arange(pmf.size)
    np.testing.assert_allclose(pmf, stats.betabinom.pmf(k, 5000, 20.5, 60.5), rtol=1e-12)
    assert pmf.sum() == pytest.approx(1, abs=1e-10)
    assert offset > 0 and k[-1] < 5000  # a window, not the whole support
    rate = sm.Rate.gamma(40, 2e5)
    offset, pmf = _totals.count_pmf(rate, 1e6)
    p = 2e5 / (2e5 + 1e6)
    np.testing.assert_allclose(pmf, stats.nbinom.pmf(offset + np.arange(pmf.size), 40, p),
                               rtol=1e-12)
    assert pmf.sum() == pytest.approx(1, abs=1e-10)


# ------------------------------------------------------------------ dependence rule


def test_one_figure_quoted_for_two_sites_is_one_draw():
    breast = sm.parameter("bone_mets_autopsy", "breast")
    prostate = sm.parameter("bone_mets_autopsy", "prostate")
    lung = sm.parameter("bone_mets_autopsy", "lung")
    assert set(breast.sources).isdisjoint(prostate.sources)  # two rows of one review ...
    ev = sm.evidence().set_index("id")
    assert ev.loc[breast.sources[0], "doi"] == ev.loc[prostate.sources[0], "doi"]
    linked = _totals.link_parameters([breast, lung, prostate], [10, 20, 30])
    assert linked.members == [[0, 2], [1]]  # ... quoting one figure: one draw
    assert linked.sizes.tolist() == [40.0, 20.0]
    assert linked.components == [[0], [1]]  # lung: same review, another figure: independent


def test_counted_samples_of_one_study_stay_independent_and_shared_rows_are_comonotone():
    # SEED-06 and SEED-07 are two counts from one autopsy series: separate samples, so even
    # identical laws are not merged unless they are the same evidence row.
    a = sm.Proportion.beta(258.5, 584.5, sources="SEED-06")
    b = sm.Proportion.beta(258.5, 584.5, sources="SEED-07")
    assert _totals.link_parameters([a, b], [1, 1]).assumption() == "independent parameters"
    c = sm.Proportion.beta(258.5, 584.5, sources="SEED-06")
    assert _totals.link_parameters([a, c], [1, 1]).members == [[0, 1]]
    d = sm.Proportion.beta(100.5, 300.5, sources="SEED-06;SEED-03")
    linked = _totals.link_parameters([a, b, d], [1, 1, 1])
    assert linked.components == [[0, 2], [1]] and linked.comonotone
    # no evidence at all: independent, whatever the laws
    e, f = sm.Proportion.beta(2, 8), sm.Proportion.beta(2, 8)
    assert _totals.link_parameters([e, f], [1, 1]).members == [[0], [1]]


# --------------------------------------------------------------- one parameter: exact


def test_single_parameter_total_is_scipy_betabinomial_of_the_summed_size():
    p = sm.parameter("mscc_before_death")
    cohort = pd.DataFrame({"hospital": list("ABC"), "n": [300, 500, 200]})
    tot = sm.estimate_total(cohort, "mscc_before_death").iloc[0]
    assert tot["pi_lower"] == stats.betabinom.ppf(0.025, 1000, p.a, p.b)
    assert tot["pi_upper"] == stats.betabinom.ppf(0.975, 1000, p.a, p.b)
    assert tot["dependence"] == "one parameter (exact)" and tot["method"] == "exact"
    assert pd.isna(tot["seed"]) and tot["mc_error"] == 0


def test_shared_evidence_sites_total_is_one_betabinomial():
    p = sm.parameter("bone_mets_autopsy", "breast")
    tot = sm.estimate_total(site_cohort({"breast": 700, "prostate": 300}),
                            "bone_mets_autopsy").iloc[0]
    assert tot["dependence"] == "shared evidence: one draw (exact)"
    assert tot["pi_lower"] == stats.betabinom.ppf(0.025, 1000, p.a, p.b)
    assert tot["pi_upper"] == stats.betabinom.ppf(0.975, 1000, p.a, p.b)
    assert tot["ci_lower"] == pytest.approx(1000 * p.ppf(0.025))


# ---------------------------------------------------- independent parameters: exact


def test_independent_total_against_direct_convolution_of_scipy_pmfs():
    sites = {"breast": 60, "prostate": 40, "lung": 50}
    tot = sm.estimate_total(site_cohort(sites), "bone_mets_at_diagnosis").iloc[0]
    assert tot["dependence"] == "independent parameters (exact convolution)"
    pmf = np.ones(1)
    for site, n in sites.items():
        p = sm.parameter("bone_mets_at_diagnosis", site)
        pmf = np.convolve(pmf, stats.betabinom.pmf(np.arange(n + 1), n, p.a, p.b))
    cdf = np.cumsum(pmf)
    assert tot["pi_lower"] == np.searchsorted(cdf, 0.025)
    assert tot["pi_upper"] == np.searchsorted(cdf, 0.975)


def test_independent_total_against_brute_force():
    sites = {"breast": 400, "lung": 250, "kidney": 300, "melanoma": 150}
    tot = sm.estimate_total(site_cohort(sites), "bone_mets_autopsy").iloc[0]
    assert tot["method"] == "exact" and pd.isna(tot["seed"])
    gen = np.random.default_rng(20261201)
    draws = 400_000
    counts = np.zeros(draws)
    expected = np.zeros(draws)
    for site, n in sites.items():
        theta = sm.parameter("bone_mets_autopsy", site).rvs(draws, rng=gen)
        counts += gen.binomial(n, theta)
        expected += n * theta
    for q, col in zip(TAILS, ("pi_lower", "pi_upper"), strict=True):
        assert_in_band(tot[col], counts, q)
    for q, col in zip((0.025, 0.5, 0.975), ("ci_lower", "median", "ci_upper"), strict=True):
        assert_in_band(tot[col], expected, q)
    exact_mean = sum(n * sm.parameter("bone_mets_autopsy", s).mean for s, n in sites.items())
    assert tot["mean"] == pytest.approx(exact_mean, rel=1e-12)


def test_gamma_rates_of_one_scale_add_up_in_closed_form():
    # E_i * lambda_i ~ Gamma(shape_i, scale E_i / rate_i): with a common scale the expected
    # total is Gamma(sum of shapes) and the count NB(sum of shapes, rate / (rate + E)).
    rates = [sm.Rate.gamma(12.0, 1e5), sm.Rate.gamma(30.0, 3e5), sm.Rate.gamma(7.5, 0.5e5)]
    exposures = np.array([2e5, 6e5, 1e5])  # E_i / rate_i = 2 for all
    res = _totals.exact_total(rates, exposures, LEVEL)
    shape = 12.0 + 30.0 + 7.5
    assert res.pi_lower == stats.nbinom.ppf(0.025, shape, 1 / 3)
    assert res.pi_upper == stats.nbinom.ppf(0.975, shape, 1 / 3)
    law = stats.gamma(shape, scale=2.0)
    bound = 0.0005 * law.std()  # the documented accuracy of the expected-total quantiles
    assert res.extra["ci_error_bound"] <= bound * (1 + 1e-12)
    assert res.ci_lower == pytest.approx(law.ppf(0.025), abs=bound)
    assert res.median == pytest.approx(law.median(), abs=bound)
    assert res.ci_upper == pytest.approx(law.ppf(0.975), abs=bound)
    assert res.mean == pytest.approx(law.mean())


def test_large_supports_use_the_fft_and_stay_exact():
    # 2 x 10^4 patients per site: pmf windows of thousands of points, convolved by FFT.
    sites = {"breast": 20_000, "lung": 20_000}
    tot = sm.estimate_total(site_cohort(sites), "bone_mets_autopsy").iloc[0]
    pieces = [_totals.count_pmf(sm.parameter("bone_mets_autopsy", s), n)
              for s, n in sites.items()]
    direct = np.convolve(pieces[0][1], pieces[1][1])
    cdf = np.cumsum(direct / direct.sum())
    offset = pieces[0][0] + pieces[1][0]
    assert tot["pi_lower"] == offset + np.searchsorted(cdf, 0.025)
    assert tot["pi_upper"] == offset + np.searchsorted(cdf, 0.975)


# ------------------------------------------------------ shared evidence: Monte Carlo


def test_comonotone_parameters_against_brute_force():
    a = sm.Proportion.beta(30.5, 70.5, label="a", sources="SEED-06")
    b = sm.Proportion.beta(12.5, 90.5, label="b", sources="SEED-06;SEED-03")
    sizes = np.array([400, 900])
    linked = _totals.link_parameters([a, b], sizes)
    assert linked.comonotone and linked.assumption() == "shared evidence: one draw"
    res = _totals.joint_monte_carlo(linked, LEVEL, 200_000, np.random.default_rng(5))
    gen = np.random.default_rng(6)
    u = gen.random(400_000)
    pa, pb = a.ppf(u), b.ppf(u)
    counts = gen.binomial(400, pa) + gen.binomial(900, pb)
    for q, value in zip(TAILS, (res.pi_lower, res.pi_upper), strict=True):
        lo, hi = ref_band(counts, q)
        assert lo - res.mc_error <= value <= hi + res.mc_error
    # the assumption matters: independence would give a clearly narrower interval
    indep = _totals.exact_total([a, b], sizes, LEVEL)
    assert res.pi_upper - res.pi_lower > 1.1 * (indep.pi_upper - indep.pi_lower)


def test_exact_method_refuses_a_total_that_needs_simulation():
    a = sm.Proportion.beta(30.5, 70.5, sources="SEED-06")
    b = sm.Proportion.beta(12.5, 90.5, sources="SEED-06")
    gen = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"method='exact'.*same evidence"):
        _estimate._total_columns([a, b], np.array([10, 20]), LEVEL, "exact", 1000, gen)
    cols = _estimate._total_columns([a, b], np.array([10, 20]), LEVEL, "auto", 1000, gen)
    assert cols["dependence"] == "shared evidence: one draw (Monte Carlo)"


def test_shared_evidence_monte_carlo_against_brute_force_and_exact():
    sites = {"breast": 500, "prostate": 400, "lung": 300}
    cohort = site_cohort(sites)
    mc = sm.estimate_total(cohort, "bone_mets_autopsy", method="monte_carlo", draws=100_000,
                           rng=17).iloc[0]
    assert mc["dependence"] == "shared evidence: one draw (Monte Carlo)"
    assert mc["method"] == "monte_carlo" and mc["seed"] == 17
    exact = sm.estimate_total(cohort, "bone_mets_autopsy").iloc[0]
    assert exact["dependence"] == "shared evidence: one draw (exact convolution)"
    for col in ("pi_lower", "pi_upper", "ci_lower", "median", "ci_upper"):
        assert abs(mc[col] - exact[col]) <= mc["mc_error"] + 1e-9, col
    # brute force with breast and prostate sharing ONE draw of their (identical) parameter
    gen = np.random.default_rng(99)
    draws = 400_000
    shared = sm.parameter("bone_mets_autopsy", "breast").rvs(draws, rng=gen)
    lung = sm.parameter("bone_mets_autopsy", "lung").rvs(draws, rng=gen)
    counts = gen.binomial(500, shared) + gen.binomial(400, shared) + gen.binomial(300, lung)
    for q, col in zip(TAILS, ("pi_lower", "pi_upper"), strict=True):
        assert_in_band(exact[col], counts, q)
    # treating the two sites as independent would be narrower
    indep = gen.binomial(500, shared) + gen.binomial(400, gen.permutation(shared)) \
        + gen.binomial(300, lung)
    lo, hi = np.quantile(indep, TAILS, method="inverted_cdf")
    assert exact["pi_upper"] - exact["pi_lower"] > hi - lo


def test_too_large_a_support_falls_back_to_seeded_monte_carlo():
    cohort = site_cohort({"breast": 10**8, "lung": 10**8})
    tot = sm.estimate_total(cohort, "bone_mets_autopsy", draws=5000, rng=3)
    row = tot.iloc[0]
    assert row["method"] == "monte_carlo" and row["seed"] == 3
    assert row["dependence"] == ("independent parameters (Monte Carlo: support of the total "
                                 "above 10,000,000 points)")
    again = sm.estimate_total(cohort, "bone_mets_autopsy", draws=5000, rng=3)
    pd.testing.assert_frame_equal(tot, again)
    # the simulated bounds agree with the expected-total law (chance is negligible here)
    exact_ci = _totals._expected_total_quantiles(
        [sm.parameter("bone_mets_autopsy", s) for s in ("breast", "lung")],
        np.array([1e8, 1e8]), np.array([0.025, 0.975]))[0]
    sd_chance = np.sqrt(2e8 * 0.25)
    for value, ref in zip((row["pi_lower"], row["pi_upper"]), exact_ci, strict=True):
        assert abs(value - ref) <= row["mc_error"] + 4 * sd_chance


def test_rate_totals_and_columns():
    rate = sm.parameter("spinal_mets_rate")
    tot = sm.estimate_total(pd.DataFrame({"person_years": [1e5, 3e5]}), rate)
    p = rate.inverse_scale / (rate.inverse_scale + 4e5)
    assert tot.loc[0, "pi_upper"] == stats.nbinom.ppf(0.975, rate.shape, p)
    cols = list(tot.columns)
    assert cols[:cols.index("encoding")][-3:] == ["method", "mc_error", "dependence"]


# ------------------------------------------------ Monte Carlo error of discrete counts


def _binomial(g, n, p):
    return g.binomial(n, p)


def test_mc_engine_matches_numpy_quantiles_on_the_same_draws():
    sizes = np.array([5, 80, 2000])
    p = np.random.default_rng(1).beta(3, 9, size=5000)
    res = mc_quantiles(sizes, p, _binomial, TAILS, np.random.default_rng(2))
    sims = np.random.default_rng(2).binomial(sizes[:, None], p[None, :])
    np.testing.assert_array_equal(res.values, np.quantile(sims, TAILS, axis=1,
                                                          method="inverted_cdf").T)
    np.testing.assert_allclose(res.mean, sims.mean(axis=1), rtol=1e-14)
    np.testing.assert_allclose(res.mean_se, sims.std(axis=1, ddof=1) / np.sqrt(5000),
                               rtol=1e-10)


def test_mc_engine_moments_of_huge_counts_do_not_overflow():
    p = np.full(1000, 0.5)
    res = mc_quantiles(np.array([2**50]), p, _binomial, TAILS, np.random.default_rng(3))
    assert res.mean[0] == pytest.approx(2**49, rel=1e-6)
    assert res.mean_se[0] == pytest.approx(np.sqrt(2**48 / 1000), rel=0.1)


def test_discrete_mc_error_is_zero_only_when_the_integer_is_certain():
    # Beta-binomial with the quantile placed 1e-4 from a CDF step: the true ppf is known,
    # and the simulated CDF crosses q right next to it. The old order-statistic band
    # (1.96 SE) reported error 0 with the wrong integer in ~2.5% of runs; the rule must keep
    # that below P(Z > 3) ~ 0.13% (expected < 1 of the 300 runs here).
    n, a, b = 20, 2.0, 8.0
    cdf = stats.betabinom.cdf(np.arange(n + 1), n, a, b)
    gen = np.random.default_rng(2026)
    reps, draws = 300, 10_000
    for k0 in (3, 7):
        for eps in (-1e-4, 1e-4):
            q = cdf[k0] + eps
            truth = stats.betabinom.ppf(q, n, a, b)
            assert truth == (k0 if eps < 0 else k0 + 1)
            wrong_zero = covered = 0
            for _ in range(reps):
                p = gen.beta(a, b, size=draws)
                res = mc_quantiles(np.array([n]), p, _binomial, np.array([q]), gen)
                value, err = res.values[0, 0], res.error[0, 0]
                wrong_zero += err == 0 and value != truth
                covered += abs(value - truth) <= err
            assert wrong_zero <= 3
            assert covered / reps >= 0.95 - 3 * np.sqrt(0.05 * 0.95 / reps)
    # far from a step the integer is certain and reported with error 0
    q = 0.5 * (cdf[6] + cdf[7])
    for _ in range(20):
        p = gen.beta(a, b, size=draws)
        res = mc_quantiles(np.array([n]), p, _binomial, np.array([q]), gen)
        assert res.values[0, 0] == 7 and res.error[0, 0] == 0


def test_certainty_rule_in_terms_of_the_simulated_cdf():
    # 10,000 counts: P^(X <= 4) and P^(X <= 5) around q = 0.5 at a chosen distance.
    se = np.sqrt(0.25 / 10_000)
    for gap, certain in ((CERTAIN_Z + 0.2, True), (CERTAIN_Z - 0.2, False)):
        below = round((0.5 - gap * se) * 10_000)
        above = round((0.5 + gap * se) * 10_000)
        x = np.repeat([4, 5, 6], [below, above - below, 10_000 - above])[None, :]
        v, e = quantiles_with_error(x, np.array([0.5]), discrete=True)
        assert v[0, 0] == 5
        assert (e[0, 0] == 0) == certain
        _, e_cont = quantiles_with_error(x.astype(float), np.array([0.5]))
        assert e_cont[0, 0] == 0  # the plain 95% band collapses in both cases


# --------------------------------------- Monte Carlo streams per stratum (issue 16)


def _mc(cohort, outcome, **kw):
    return sm.estimate(cohort, outcome, method="monte_carlo", draws=2000, rng=17, **kw)


def test_stratum_interval_does_not_depend_on_row_position_or_other_rows():
    """Same stratum, same seed: the same interval wherever it stands and whatever else is there."""
    beta = sm.Proportion.beta(30, 70, label="p")
    alone = _mc(pd.DataFrame({"n": [250]}), beta)
    mixed = _mc(pd.DataFrame({"n": [10, 4000, 250, 250, 77]}), beta)
    cols = ["pi_lower", "pi_upper", "mc_error"]
    for row in (2, 3):
        assert mixed[cols].iloc[row].tolist() == alone[cols].iloc[0].tolist()
    # another parameter in the table (drawn first) does not move the stratum either
    sites = pd.DataFrame({"primary_site": ["breast", "lung", "lung"], "n": [900, 300, 40]})
    lung = _mc(sites.iloc[[2, 1]].reset_index(drop=True), "bone_mets_at_diagnosis")
    both = _mc(sites, "bone_mets_at_diagnosis")
    assert both[cols].iloc[1].tolist() == lung[cols].iloc[1].tolist()
    assert both[cols].iloc[2].tolist() == lung[cols].iloc[0].tolist()


def test_keyed_engine_simulates_each_distinct_size_once_and_matches_its_own_stream():
    """With a key, a size's counts are child (2, key, size bits) of the seed: rebuild it."""
    from spinemets._montecarlo import _size_key, stream

    p = np.random.default_rng(4).beta(3, 9, size=3000)
    sizes = np.array([40, 7, 40, 1000])
    res = mc_quantiles(sizes, p, _binomial, TAILS, np.random.default_rng(123), key=99)
    for i, n in enumerate(sizes):
        sims = stream(123, 2, 99, _size_key(float(n))).binomial(n, p)
        np.testing.assert_array_equal(res.values[i], np.quantile(sims, TAILS,
                                                                 method="inverted_cdf"))
        assert res.mean[i] == pytest.approx(sims.mean(), rel=1e-14)
    assert res.values[0].tolist() == res.values[2].tolist()


def test_zero_mc_error_bounds_are_the_exact_bounds():
    """Every Monte Carlo bound reported with mc_error = 0 equals the exact (SciPy) bound."""
    a, b = 4.0, 11.0
    sizes = np.arange(1, 301)
    res = sm.estimate(sizes, sm.Proportion.beta(a, b), method="monte_carlo", draws=20_000,
                      rng=8)
    want_lo = stats.betabinom.ppf(0.025, sizes, a, b)
    want_hi = stats.betabinom.ppf(0.975, sizes, a, b)
    zero = res["mc_error"].to_numpy() == 0
    assert zero.sum() >= 8  # not vacuous (mc_error is 0 only when both bounds are certain)
    np.testing.assert_array_equal(res["pi_lower"].to_numpy()[zero], want_lo[zero])
    np.testing.assert_array_equal(res["pi_upper"].to_numpy()[zero], want_hi[zero])
    # bound by bound, in the engine
    p = np.random.default_rng(9).beta(a, b, size=20_000)
    eng = mc_quantiles(sizes, p, _binomial, TAILS, np.random.default_rng(10), key=5)
    want = np.stack([want_lo, want_hi], axis=1)
    certain = eng.error == 0
    assert certain.sum() >= 40
    np.testing.assert_array_equal(eng.values[certain], want[certain])


# --------------------------------------------- PredictionIntervalWarning (issue 16)


def test_few_draws_and_a_level_near_one_warn_of_a_too_narrow_predictive_interval():
    with pytest.warns(sm.PredictionIntervalWarning, match=r"increase draws"):
        sm.estimate([10, 1000, 100_000], sm.Proportion.beta(30, 70), confidence_level=0.9999,
                    method="monte_carlo", draws=100, rng=1)


def test_enough_draws_do_not_warn():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", sm.PredictionIntervalWarning)
        sm.estimate([10, 1000, 100_000], sm.Proportion.beta(30, 70), method="monte_carlo",
                    draws=20_000, rng=1)


@pytest.mark.parametrize("level", [0.5, 0.95, 0.999999])
@pytest.mark.parametrize(("a", "b"), [(0.5, 0.5), (2.0, 8.0), (258.5, 584.5), (1e6, 3e6)])
def test_the_warning_rule_never_fires_on_exact_intervals(level, a, b):
    """The rule (predictive inside [ceil(ci_lower), floor(ci_upper)]) holds for exact laws:
    SciPy's beta-binomial quantiles against n times SciPy's Beta quantiles."""
    n = np.unique(np.geomspace(1, 10**4, 60).astype(int))
    tail = (1 - level) / 2
    lo, hi = stats.betabinom.ppf(tail, n, a, b), stats.betabinom.ppf(1 - tail, n, a, b)
    assert np.all(lo <= np.ceil(n * stats.beta.ppf(tail, a, b)))
    assert np.all(hi >= np.floor(n * stats.beta.isf(tail, a, b)))


def test_total_over_rates_with_a_huge_exposure_is_refused_not_hung():
    """Regression (issue 16): SciPy's nbinom.ppf did not return for an exposure of 1e300."""
    cohort = pd.DataFrame({"person_years": [1e300, 5.0]})
    rates = [sm.Rate.gamma(2.0, 1.0, label="r1"), sm.Rate.gamma(30.0, 5.0, label="r2")]
    with pytest.raises(ValueError, match="expected count must be <="):
        _totals.support_size(rates, cohort["person_years"].to_numpy())
