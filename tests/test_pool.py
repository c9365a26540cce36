"""Tests for spinemets._pooling.pool (generic fixed/random-effects and Bayesian pooling).

Reference values
----------------
- ``tests/results/metafor_pool_reference.json`` (written by
  ``tests/results/make_metafor_pool_reference.py``): R metafor results for the BCG vaccine
  trials (``dat.bcg`` / ``dat.colditz1994``) and the CLASP trials, transcribed from metafor's
  test suite and documentation and from the JASP meta-analysis module's tests, plus R
  ``meta`` output stored in statsmodels; each entry names its file, line and R call.
- ``tests/results/metafor_reference.json`` (Kacker 2004, full-precision metafor fits; the
  Stijnen 2010 logit proportions), the same values ``tests/test_synthesis.py`` uses.
- statsmodels ``combine_effects`` (DL, PM; computed live).
- Independent computations written here: direct maximisation of the (restricted)
  likelihood with ``scipy.optimize.minimize_scalar``, and brute-force 2-D integration of
  the joint posterior p(mu, tau | y) with ``scipy.integrate.quad`` for ``method="bayes"``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, optimize, stats
from statsmodels.stats.meta_analysis import combine_effects

import spinemets as sm
from spinemets._pooling import POOL_METHODS, PooledEstimate, TauPosterior, pool

RESULTS = Path(__file__).parent / "results"
REF = json.loads((RESULTS / "metafor_pool_reference.json").read_text())
META = json.loads((RESULTS / "metafor_reference.json").read_text())

BCG = REF["dat_bcg"]
_TPOS, _TNEG = np.array(BCG["tpos"], float), np.array(BCG["tneg"], float)
_CPOS, _CNEG = np.array(BCG["cpos"], float), np.array(BCG["cneg"], float)


def _bcg(measure: str) -> tuple[np.ndarray, np.ndarray]:
    if measure == "RR":
        y = np.log(_TPOS / (_TPOS + _TNEG)) - np.log(_CPOS / (_CPOS + _CNEG))
        v = 1 / _TPOS - 1 / (_TPOS + _TNEG) + 1 / _CPOS - 1 / (_CPOS + _CNEG)
    else:
        y = np.log(_TPOS / _TNEG) - np.log(_CPOS / _CNEG)
        v = 1 / _TPOS + 1 / _TNEG + 1 / _CPOS + 1 / _CNEG
    return y, v


def _value(fit: PooledEstimate, name: str) -> float:
    if name == "i2_percent":
        return 100 * fit.i2
    if name == "tau":
        return math.sqrt(fit.tau2)
    if name.startswith("exp_"):
        return math.exp(getattr(fit, name[4:]))
    return float(getattr(fit, name))


# =============================================================================================
# metafor references
# =============================================================================================


def test_bcg_data_reproduce_printed_escalc():
    y, v = _bcg("RR")
    assert np.round(y, 4) == pytest.approx(BCG["yi_RR_4dp"], abs=1e-12)
    assert np.round(v, 4) == pytest.approx(BCG["vi_RR_4dp"], abs=1e-12)


@pytest.mark.parametrize("case", REF["full_precision"], ids=lambda c: c["id"])
def test_metafor_full_precision(case):
    y, v = _bcg(case["measure"])
    if case["subset"] == "trials 2-13":
        y, v = y[1:], v[1:]
    fit = pool(y, v, method=case["method"], knapp_hartung=case["knapp_hartung"])
    for name, expected in case["values"].items():
        assert _value(fit, name) == pytest.approx(expected, abs=case["tolerance_abs"]), name


@pytest.mark.parametrize("case", REF["rounded"], ids=lambda c: c["id"])
def test_metafor_rounded(case):
    # printed values: ours must round to them (half a unit of the last decimal)
    y, v = _bcg(case["measure"])
    fit = pool(y, v, method=case["method"], knapp_hartung=case["knapp_hartung"])
    half = 0.5 * 10 ** (-case["decimals"]) + 1e-12
    for name, expected in case["values"].items():
        assert _value(fit, name) == pytest.approx(expected, abs=half), name


@pytest.mark.parametrize("method", ["PM", "DL", "REML"])
def test_clasp_dersimonian_kacker_2007(method):
    c = REF["clasp"]
    ai, ci = np.array(c["ai"], float), np.array(c["ci"], float)
    n1, n2 = np.array(c["n1i"], float), np.array(c["n2i"], float)
    y = np.log(ai / (n1 - ai)) - np.log(ci / (n2 - ci))
    v = 1 / ai + 1 / (n1 - ai) + 1 / ci + 1 / (n2 - ci)
    fit = pool(y, v, method=method)
    half = 0.5 * 10 ** (-c["decimals"]) + 1e-12
    for name, expected in c["fits"][method].items():
        assert _value(fit, name) == pytest.approx(expected, abs=half), name


def test_clasp_ml_is_zero_by_direct_maximisation():
    c = REF["clasp"]
    ai, ci = np.array(c["ai"], float), np.array(c["ci"], float)
    n1, n2 = np.array(c["n1i"], float), np.array(c["n2i"], float)
    y = np.log(ai / (n1 - ai)) - np.log(ci / (n2 - ci))
    v = 1 / ai + 1 / (n1 - ai) + 1 / ci + 1 / (n2 - ci)
    assert pool(y, v, method="ML").tau2 == 0.0
    assert _ml_reference(y, v, restricted=False) == 0.0


KACKER = META["kacker2004"]


@pytest.mark.parametrize(
    ("fit_id", "method", "hk"),
    [("PM", "PM", False), ("DL", "DL", False), ("DL_knha", "DL", True), ("FE", "FE", False),
     ("FE_knha", "FE", True)],
)
def test_kacker2004_full_precision(fit_id, method, hk):
    ref = KACKER["fits"][fit_id]
    fit = pool(KACKER["yi"], KACKER["vi"], method=method, knapp_hartung=hk)
    assert fit.estimate == pytest.approx(ref["b"], abs=1e-6)
    assert fit.se == pytest.approx(ref["se"], abs=1e-6)
    assert fit.ci_lower == pytest.approx(ref["ci_lb"], abs=1e-6)
    assert fit.ci_upper == pytest.approx(ref["ci_ub"], abs=1e-6)
    assert fit.tau2 == pytest.approx(ref["tau2"], abs=1e-6)
    assert fit.q == pytest.approx(ref["QE"], abs=1e-6)
    # metafor's I2 is tau2-based (PM: 83.72 %, unlike the Q-based 67.74 %)
    assert 100 * fit.i2 == pytest.approx(ref["I2"], abs=1e-6)


def test_r_meta_dl_hartung_knapp_full_precision():
    r = REF["r_meta_dl_hk"]
    y, v = np.array(r["yi"]), np.array(r["sei"]) ** 2
    fit = pool(y, v, method="DL", knapp_hartung=True)
    fe = pool(y, v, method="FE")
    ref = r["values"]
    for name in ("estimate", "se", "ci_lower", "ci_upper", "tau2", "q"):
        assert getattr(fit, name) == pytest.approx(ref[name], abs=1e-6), name
    assert fe.estimate == pytest.approx(ref["fixed_estimate"], abs=1e-6)
    assert fe.se == pytest.approx(ref["fixed_se"], abs=1e-6)
    spread = (fit.pi_upper - fit.pi_lower) / (2 * stats.t.isf(0.025, fit.k - 1))
    assert spread == pytest.approx(ref["pi_spread"], abs=1e-6)


@pytest.mark.parametrize("fit", META["stijnen2010"]["fits"], ids=lambda f: f["arm"])
def test_stijnen2010_logit_through_pool(fit):
    data = META["stijnen2010"]
    x, n = (data["ci"], data["n2i"]) if fit["arm"] == "control" else (data["ai"], data["n1i"])
    x, n = np.asarray(x, float), np.asarray(n, float)
    c = np.where((x == 0) | (x == n), 0.5, 0.0)  # escalc PLO default: add 1/2 to zero cells
    y, v = np.log((x + c) / (n - x + c)), 1 / (x + c) + 1 / (n - x + c)
    res = pool(y, v, method="REML")
    expit = 1 / (1 + np.exp(-np.array([res.estimate, res.ci_lower, res.ci_upper])))
    assert round(res.estimate, 2) == pytest.approx(fit["coef_2dp"])
    assert round(res.se, 2) == pytest.approx(fit["se_2dp"])
    assert round(res.tau2, 3) == pytest.approx(fit["tau2_3dp"])
    assert np.round(expit, 3) == pytest.approx(
        [fit["pred_3dp"], fit["ci_lb_3dp"], fit["ci_ub_3dp"]])


@pytest.mark.parametrize("example", META["viechtbauer2005"]["examples"])
def test_viechtbauer2005_rounded(example):
    y, v = example["yi"], example["vi"]
    assert round(pool(y, v, method="REML").tau2, 3) == pytest.approx(example["tau2_REML_3dp"])
    assert round(pool(y, v, method="DL").tau2, 3) == pytest.approx(example["tau2_DL_3dp"])
    assert round(100 * pool(y, v, method="DL").i2, 2) == pytest.approx(
        example["I2_DL_percent_2dp"])


def test_matches_pool_proportions_where_conventions_agree():
    # pool_proportions uses the same tau2 estimators and CI (its I2 / PI conventions differ)
    from spinemets import pool_proportions

    x, n = [12, 30, 25, 8, 40], [40, 90, 110, 35, 300]
    xa, na = np.asarray(x, float), np.asarray(n, float)
    y, v = np.log(xa / (na - xa)), 1 / xa + 1 / (na - xa)
    for ours, theirs in (("REML", "REML"), ("DL", "DL"), ("PM", "PM"), ("FE", "fixed")):
        a = pool(y, v, method=ours)
        b = pool_proportions(x, n, method=theirs)
        assert a.estimate == pytest.approx(b.mu_logit, abs=1e-10)
        assert a.se == pytest.approx(b.se_logit, abs=1e-10)
        assert a.tau2 == pytest.approx(b.tau2, abs=1e-10)
        assert a.q == pytest.approx(b.q, abs=1e-10)


# =============================================================================================
# Independent implementations
# =============================================================================================


def _ml_reference(y, v, restricted: bool) -> float:
    """(Restricted) ML tau2 by bounded maximisation of the log-likelihood itself."""
    y, v = np.asarray(y, float), np.asarray(v, float)

    def nll(t2: float) -> float:
        w = 1.0 / (v + t2)
        mu = np.sum(w * y) / np.sum(w)
        out = 0.5 * (np.sum(np.log(v + t2)) + np.sum(w * (y - mu) ** 2))
        return out + (0.5 * np.log(np.sum(w)) if restricted else 0.0)

    upper = 10.0 * (np.var(y) + np.max(v)) + 1.0
    res = optimize.minimize_scalar(nll, bounds=(0.0, upper), method="bounded",
                                   options={"xatol": 1e-13, "maxiter": 5000})
    return 0.0 if nll(0.0) <= res.fun else float(res.x)


def _random_data(seed: int, k: int, tau: float = 0.4) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    v = rng.uniform(0.01, 0.3, k)
    y = rng.normal(0.3, tau, k) + rng.normal(0, np.sqrt(v))
    return y, v


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("method", ["ML", "REML"])
def test_likelihood_estimators_against_direct_maximisation(seed, method):
    y, v = _random_data(seed, 3 + 2 * seed)
    expected = _ml_reference(y, v, restricted=(method == "REML"))
    assert pool(y, v, method=method).tau2 == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(("ours", "theirs"), [("DL", "dl"), ("PM", "iterated")])
def test_against_statsmodels(seed, ours, theirs):
    y, v = _random_data(seed + 100, 5 + seed, tau=1.0)
    ref = combine_effects(y, v, method_re=theirs)
    if theirs == "iterated":
        # statsmodels' PM iteration can overshoot to a negative value and stop at 0 (see
        # tests/test_synthesis.py::test_statsmodels_pm_overshoot); use the first of a few
        # starting values from which it reaches a positive root
        dl = max(0.0, combine_effects(y, v, method_re="dl").tau2)
        for start in (0.0, dl / 4, dl / 2, dl):
            ref = combine_effects(y, v, method_re="iterated", atol=1e-12, maxiter=1000,
                                  tau2_start=start)
            if ref.tau2 > 0:
                break
    fit = pool(y, v, method=ours)
    assert ref.tau2 > 0, "statsmodels' DL is not truncated: data need heterogeneity"
    assert fit.tau2 == pytest.approx(ref.tau2, abs=1e-6)
    assert fit.estimate == pytest.approx(ref.mean_effect_re, abs=1e-6)
    assert fit.se == pytest.approx(ref.sd_eff_w_re, abs=1e-6)
    hk = pool(y, v, method=ours, knapp_hartung=True)
    assert hk.se == pytest.approx(math.sqrt(ref.var_hksj_re), abs=1e-6)


# =============================================================================================
# Bayes
# =============================================================================================


def _brute_force(y, v, scale, ci, pi):
    """2-D quadrature of the joint posterior p(mu, tau | y), written from the likelihood."""
    y, v = np.asarray(y, float), np.asarray(v, float)
    m0 = float(np.mean(y))
    half = 12.0 * (np.ptp(y) + np.sqrt(np.max(v)) + scale)
    tmax = 14.0 * scale

    def joint(mu: float, tau: float) -> float:
        s2 = v + tau * tau
        loglik = -0.5 * np.sum(np.log(2 * np.pi * s2) + (y - mu) ** 2 / s2)
        return math.exp(loglik - 0.5 * (tau / scale) ** 2)

    opts = {"epsabs": 0.0, "epsrel": 1e-10, "limit": 200}

    def moment(g) -> float:
        def inner(tau: float) -> float:
            return integrate.quad(lambda mu: g(mu, tau) * joint(mu, tau), m0 - half, m0 + half,
                                  points=[m0], **opts)[0]
        return integrate.quad(inner, 0.0, tmax, **opts)[0]

    z = moment(lambda mu, tau: 1.0)
    return {
        "mean": moment(lambda mu, tau: mu) / z,
        "tau2": moment(lambda mu, tau: tau * tau) / z,
        "cdf_ci": [moment(lambda mu, tau, x=x: float(mu <= x)) / z for x in ci],
        "cdf_pi": [moment(lambda mu, tau, x=x: stats.norm.cdf((x - mu) / tau) if tau > 0
                          else float(mu <= x)) / z for x in pi],
    }


@pytest.mark.parametrize(
    ("y", "v", "scale"),
    [([0.1, 0.5, -0.2], [0.04, 0.09, 0.05], 0.5),
     ([1.2, 0.3, 0.8, 2.0], [0.2, 0.1, 0.3, 0.25], 1.0),
     ([0.0, 0.05], [0.01, 0.02], 0.2)],
)
def test_bayes_against_brute_force_2d(y, v, scale):
    fit = pool(y, v, method="bayes", tau_prior_scale=scale)
    ref = _brute_force(y, v, scale, (fit.ci_lower, fit.ci_upper), (fit.pi_lower, fit.pi_upper))
    assert fit.estimate == pytest.approx(ref["mean"], abs=1e-6)
    assert fit.tau2 == pytest.approx(ref["tau2"], abs=1e-6)
    assert ref["cdf_ci"] == pytest.approx([0.025, 0.975], abs=1e-6)
    assert ref["cdf_pi"] == pytest.approx([0.025, 0.975], abs=1e-6)
    assert fit.estimate == pytest.approx(float(fit.weights @ np.asarray(y)), abs=1e-12)


def test_bayes_tau_posterior_against_quad():
    y, v, scale = [0.1, 0.5, -0.2, 0.9], [0.04, 0.09, 0.05, 0.1], 0.5
    post = pool(y, v, method="bayes", tau_prior_scale=scale).tau_posterior
    assert isinstance(post, TauPosterior)
    yy, vv = np.asarray(y), np.asarray(v)

    def unnorm(tau: float) -> float:  # integrate mu out numerically, independently
        s2 = vv + tau * tau
        f = lambda mu: math.exp(-0.5 * np.sum(np.log(s2) + (yy - mu) ** 2 / s2))  # noqa: E731
        return integrate.quad(f, -10, 10, epsabs=0, epsrel=1e-12)[0] * math.exp(
            -0.5 * (tau / scale) ** 2)

    z = integrate.quad(unnorm, 0, 10 * scale, epsabs=0, epsrel=1e-11, limit=200)[0]
    for t in (0.05, 0.3, 0.8):
        assert post.pdf(t)[0] == pytest.approx(unnorm(t) / z, rel=1e-6)
        cdf = integrate.quad(unnorm, 0, t, epsabs=0, epsrel=1e-11)[0] / z
        assert post.cdf(t)[0] == pytest.approx(cdf, abs=1e-8)
    assert post.cdf(post.median())[0] == pytest.approx(0.5, abs=1e-9)
    assert post.weight.sum() == pytest.approx(1.0, abs=1e-12)
    assert post.tail_mass < 1e-12
    assert post.to_frame().shape == (post.tau.size, 3)


def test_bayes_fixed_effect_limit():
    y, v = _bcg("RR")
    fe = pool(y, v, method="FE")
    b = pool(y, v, method="bayes", tau_prior_scale=1e-8)
    assert b.estimate == pytest.approx(fe.estimate, abs=1e-6)
    assert b.se == pytest.approx(fe.se, abs=1e-6)
    assert (b.ci_lower, b.ci_upper) == pytest.approx((fe.ci_lower, fe.ci_upper), abs=1e-6)
    assert (b.pi_lower, b.pi_upper) == pytest.approx((fe.ci_lower, fe.ci_upper), abs=1e-6)
    assert b.tau2 < 1e-15
    assert b.weights == pytest.approx(fe.weights, abs=1e-6)


def test_bayes_result_fields():
    b = pool([0.1, 0.5, -0.2], [0.04, 0.09, 0.05], method="bayes", tau_prior_scale=0.3,
             labels=["a", "b", "c"], confidence_level=0.9)
    assert b.prior == "mu: flat (improper uniform); tau: half-normal(scale=0.3)"
    assert b.method == "bayes" and b.knapp_hartung is False and b.confidence_level == 0.9
    assert b.pi_lower < b.ci_lower < b.estimate < b.ci_upper < b.pi_upper
    assert "CrI" in repr(b)
    assert pool([0.1, 0.5], [0.04, 0.09], method="REML").tau_posterior is None


# =============================================================================================
# Edge cases
# =============================================================================================


def test_k1_fixed_effect_is_the_study():
    fit = pool([0.3], [0.04], method="FE")
    z = stats.norm.isf(0.025)
    assert (fit.estimate, fit.se, fit.q, fit.k) == (0.3, pytest.approx(0.2), 0.0, 1)
    assert fit.ci_lower == pytest.approx(0.3 - z * 0.2, abs=1e-15)
    assert (fit.pi_lower, fit.pi_upper) == (fit.ci_lower, fit.ci_upper)
    assert math.isnan(fit.i2)


def test_k2_random_effects():
    y, v = [0.1, 0.9], [0.02, 0.03]
    for method in ("DL", "REML", "PM", "ML"):
        fit = pool(y, v, method=method)
        assert fit.k == 2 and fit.tau2 > 0
        spread = math.sqrt(fit.tau2 + fit.se**2)
        z = stats.norm.isf(0.025)
        assert fit.pi_upper == pytest.approx(fit.estimate + z * spread, abs=1e-12)
    hk = pool(y, v, method="DL", knapp_hartung=True)
    assert hk.ci_upper - hk.estimate == pytest.approx(stats.t.isf(0.025, 1) * hk.se, rel=1e-12)


def test_zero_heterogeneity_truncates_and_equals_fixed_effect():
    y, v = [0.20, 0.21, 0.19, 0.205], [0.04, 0.05, 0.03, 0.06]
    fe = pool(y, v, method="FE")
    for method in ("DL", "REML", "PM", "ML"):
        fit = pool(y, v, method=method)
        assert fit.tau2 == 0.0
        assert fit.i2 == 0.0
        assert fit.estimate == pytest.approx(fe.estimate, abs=1e-15)
        assert (fit.pi_lower, fit.pi_upper) == pytest.approx((fe.ci_lower, fe.ci_upper))


def test_identical_effects_and_equal_variances():
    fit = pool([0.5, 0.5, 0.5], [0.1, 0.1, 0.1], method="REML")
    assert (fit.estimate, fit.tau2, fit.q, fit.i2) == (pytest.approx(0.5), 0.0, 0.0, 0.0)
    assert fit.weights == pytest.approx([1 / 3] * 3)
    fe = pool([0.5, 0.5, 0.5], [0.1, 0.1, 0.1], method="FE")
    assert fe.i2 == 0.0


def test_equal_variances_dl_closed_form():
    # with equal v, DL tau2 = max(0, sample variance - v)
    y, v = np.array([0.1, 0.8, -0.3, 0.5, 1.1]), 0.05
    fit = pool(y, [v] * 5, method="DL")
    assert fit.tau2 == pytest.approx(max(0.0, np.var(y, ddof=1) - v), abs=1e-14)
    assert fit.estimate == pytest.approx(np.mean(y), abs=1e-14)


@pytest.mark.parametrize("scale", [1e-6, 1e6])
def test_scale_equivariance_with_huge_and_tiny_variances(scale):
    y, v = _bcg("RR")
    base = {m: pool(y, v, method=m) for m in ("DL", "REML", "PM", "ML")}
    for m, ref in base.items():
        fit = pool(y * scale, v * scale**2, method=m)
        assert fit.estimate == pytest.approx(ref.estimate * scale, rel=1e-9)
        assert fit.tau2 == pytest.approx(ref.tau2 * scale**2, rel=1e-8)
        assert fit.i2 == pytest.approx(ref.i2, rel=1e-9)
    b0 = pool(y, v, method="bayes", tau_prior_scale=0.5)
    b1 = pool(y * scale, v * scale**2, method="bayes", tau_prior_scale=0.5 * scale)
    assert b1.estimate == pytest.approx(b0.estimate * scale, rel=1e-8)
    assert b1.ci_upper == pytest.approx(b0.ci_upper * scale, rel=1e-8)


def test_one_dominant_study():
    y, v = [0.0, 1.0, 2.0], [1e-10, 1.0, 1.0]
    fe = pool(y, v, method="FE")
    assert fe.estimate == pytest.approx(0.0, abs=1e-9)
    assert fe.weights[0] == pytest.approx(1.0, abs=1e-9)
    reml = pool(y, v, method="REML")
    assert reml.tau2 == pytest.approx(_ml_reference(y, v, restricted=True), abs=1e-6)


def test_to_frame_and_repr():
    fit = pool(pd.Series([0.2, 0.5, 0.1], index=["x", "y", "z"]), [0.04, 0.09, 0.05],
               method="DL", knapp_hartung=True)
    df = fit.to_frame()
    assert df["label"].tolist() == ["x", "y", "z", "Pooled (DL, Knapp-Hartung)",
                                    "Prediction interval"]
    assert list(df.columns) == ["label", "kind", "estimate", "se", "ci_lower", "ci_upper",
                                "weight", "method", "confidence_level"]
    assert df.loc[df.kind == "study", "weight"].sum() == pytest.approx(1.0)
    pred = df[df.kind == "prediction"].iloc[0]
    assert (pred.ci_lower, pred.ci_upper) == (fit.pi_lower, fit.pi_upper)
    assert pred.se == pytest.approx(math.sqrt(fit.tau2 + fit.se**2))
    assert repr(fit).startswith("PooledEstimate(DL, Knapp-Hartung, k=3): ")
    assert fit.labels == ("x", "y", "z")


def test_exported():
    assert sm.pool is pool and sm.PooledEstimate is PooledEstimate
    assert POOL_METHODS == ("FE", "DL", "REML", "PM", "ML", "bayes")


# =============================================================================================
# Bad input
# =============================================================================================


@pytest.mark.parametrize(
    ("kwargs", "exc", "message"),
    [
        ({"method": "reml"}, ValueError, r"method must be one of 'FE', 'DL', 'REML', 'PM', "
                                         r"'ML', 'bayes' \(case-sensitive\); got 'reml'"),
        ({"method": "fixed"}, ValueError, "got 'fixed'"),
        ({"method": 3}, TypeError, "method must be a string"),
        ({"knapp_hartung": "yes"}, TypeError, "knapp_hartung must be True or False"),
        ({"confidence_level": 95}, ValueError, "confidence_level must lie strictly between"),
        ({"confidence_level": 1.0}, ValueError, "confidence_level"),
        ({"tau_prior_scale": 0.0}, ValueError, "tau_prior_scale must be > 0.0, got 0.0"),
        ({"tau_prior_scale": -1}, ValueError, "tau_prior_scale must be > 0.0"),
        ({"tau_prior_scale": "a"}, TypeError, "tau_prior_scale must be a real number"),
        ({"method": "bayes", "knapp_hartung": True}, ValueError,
         "knapp_hartung=True does not apply to method='bayes'"),
        ({"labels": ["a"]}, ValueError, r"labels must have one entry per study \(3\), got 1"),
        ({"labels": "abc"}, TypeError, "labels must be a sequence"),
    ],
)
def test_bad_options(kwargs, exc, message):
    with pytest.raises(exc, match=message):
        pool([0.1, 0.2, 0.3], [0.01, 0.02, 0.03], **kwargs)


@pytest.mark.parametrize(
    ("effects", "variances", "exc", "message"),
    [
        ([0.1, 0.2], [0.01], ValueError, "same length, got 2 and 1"),
        ([], [], ValueError, "effects must hold at least one study"),
        ([[0.1, 0.2]], [[0.1, 0.2]], ValueError, r"effects must be 1-D.*shape \(1, 2\)"),
        ([0.1, np.nan], [0.01, 0.02], ValueError, "effects must be finite, got nan at position 1"),
        ([0.1, 0.2], [0.01, np.inf], ValueError, "variances must be finite"),
        ([0.1, 0.2], [0.01, 0.0], ValueError, r"variances must be > 0 .* got 0.0 at position 1"),
        ([0.1, 0.2], [0.01, -0.2], ValueError, "variances must be > 0"),
        (["a", "b"], [0.01, 0.02], TypeError, "effects must be a 1-D sequence of real numbers"),
        ("0.1", [0.01], TypeError, "effects must be a 1-D sequence of real numbers, got the str"),
    ],
)
def test_bad_data(effects, variances, exc, message):
    with pytest.raises(exc, match=message):
        pool(effects, variances, method="FE")


@pytest.mark.parametrize("method", ["DL", "REML", "PM", "ML", "bayes"])
def test_k1_random_effects_refused(method):
    with pytest.raises(ValueError, match=rf"method='{method}' .* needs at least 2 studies "
                                         r"\(k >= 2\), got k=1; use method='FE'"):
        pool([0.3], [0.04], method=method)


def test_k1_knapp_hartung_refused():
    with pytest.raises(ValueError, match="knapp_hartung=True needs at least 2 studies"):
        pool([0.3], [0.04], method="FE", knapp_hartung=True)


@pytest.mark.parametrize("method", ["FE", "DL", "REML", "PM"])
@pytest.mark.parametrize("hk", [False, True])
def test_cdf_frequentist_closed_form(method, hk):
    y, v = [0.1, 0.5, -0.2, 0.3], [0.04, 0.09, 0.05, 0.02]
    fit = pool(y, v, method=method, knapp_hartung=hk)
    dist = stats.t(len(y) - 1) if hk else stats.norm
    x = np.array([-0.3, fit.estimate, 0.4])
    np.testing.assert_allclose(fit.cdf(x), dist.cdf((x - fit.estimate) / fit.se), atol=1e-12)
    spread = math.sqrt(fit.tau2 + fit.se**2)
    np.testing.assert_allclose(fit.predictive_cdf(x), dist.cdf((x - fit.estimate) / spread),
                               atol=1e-12)
    tail = (1 - fit.confidence_level) / 2
    assert fit.cdf(fit.ci_lower)[0] == pytest.approx(tail, abs=1e-9)
    assert fit.predictive_cdf(fit.pi_upper)[0] == pytest.approx(1 - tail, abs=1e-9)


def test_cdf_bayes_against_brute_force():
    y, v, scale = [0.0, 0.05], [0.01, 0.02], 0.2
    fit = pool(y, v, method="bayes", tau_prior_scale=scale)
    points = (-0.05, 0.1)
    ref = _brute_force(y, v, scale, points, points)
    np.testing.assert_allclose(fit.cdf(points), ref["cdf_ci"], atol=1e-6)
    np.testing.assert_allclose(fit.predictive_cdf(points), ref["cdf_pi"], atol=1e-6)
