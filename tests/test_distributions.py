"""The value types against scipy and closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, special, stats

import spinemets as sm
from spinemets._values import logitnorm


def test_beta_proportion_matches_scipy():
    p = sm.Proportion.beta(3.5, 10.5, label="x", sources="A;B")
    ref = stats.beta(3.5, 10.5)
    assert p.mean == pytest.approx(ref.mean())
    assert p.median == pytest.approx(ref.median())
    assert p.std == pytest.approx(ref.std())
    assert p.interval(0.8) == pytest.approx(ref.interval(0.8))
    assert p.sources == ("A", "B")
    assert p.is_beta and (p.a, p.b) == (3.5, 10.5)


def test_rvs_is_reproducible_through_rng_only():
    p = sm.Proportion.beta(2, 5)
    assert np.array_equal(p.rvs(10, rng=7), p.rvs(10, rng=np.random.default_rng(7)))
    assert not np.array_equal(p.rvs(10, rng=7), p.rvs(10, rng=8))
    with pytest.raises(TypeError, match="rng"):
        p.rvs(3, rng="seed")


@pytest.mark.parametrize("mu,sigma", [(-0.8, 0.3), (0.0, 1.0), (2.5, 0.05), (-4.0, 2.0)])
def test_logitnorm_against_quadrature(mu, sigma):
    d = logitnorm(mu, sigma)
    mean_ref = integrate.quad(lambda z: special.expit(z) * stats.norm.pdf(z, mu, sigma),
                              mu - 12 * sigma, mu + 12 * sigma, epsabs=1e-13)[0]
    assert d.mean() == pytest.approx(mean_ref, rel=1e-9)
    assert d.median() == pytest.approx(special.expit(mu))
    assert d.cdf(d.ppf(0.1)) == pytest.approx(0.1)
    assert integrate.quad(d.pdf, 0, 1, epsabs=1e-12)[0] == pytest.approx(1.0, abs=1e-7)


def test_logit_normal_proportion_has_no_beta_shapes():
    p = sm.Proportion.logit_normal(0.0, 0.5)
    assert not p.is_beta
    with pytest.raises(AttributeError, match="not a Beta"):
        _ = p.a


def test_rate_gamma_matches_scipy():
    r = sm.Rate.gamma(229.5, 1e6, label="spinal")
    ref = stats.gamma(229.5, scale=1e-6)
    assert (r.shape, r.inverse_scale) == (229.5, 1e6)
    assert r.interval(0.9) == pytest.approx(ref.interval(0.9))
    assert "per 100,000 person-years" in repr(r)


def test_repr_and_html_show_provenance():
    p = sm.beta_from_counts(258, 842, label="autopsy", sources=["SEED-06"])
    text = repr(p)
    assert "autopsy" in text and "30.7%" in text and "95% interval" in text
    html = p._repr_html_()
    assert "<table" in html and "SEED-06" in html and "beta_from_counts" in html
    frame = p.to_frame(0.9)
    assert list(frame.columns[:6]) == ["label", "mean", "median", "ci_lower", "ci_upper",
                                       "confidence_level"]
    assert frame.loc[0, "confidence_level"] == 0.9


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf")])
def test_bad_shapes(bad):
    with pytest.raises(ValueError, match="a"):
        sm.Proportion.beta(bad, 1)
    with pytest.raises(ValueError, match="shape"):
        sm.Rate.gamma(bad, 1)


def test_proportion_rejects_support_outside_unit_interval():
    with pytest.raises(ValueError, match="support"):
        sm.Proportion(stats.norm(0, 1))


@pytest.mark.parametrize("level", [0, 1, -0.5, 95, float("nan")])
def test_interval_level_validated(level):
    with pytest.raises(ValueError, match="confidence_level"):
        sm.Proportion.beta(1, 1).interval(level)


def test_product_repr_names_both_factors():
    p = sm.Proportion.beta(2, 8) * sm.Proportion.beta(30, 70)
    assert "beta(2, 8) × beta(30, 70)" in repr(p)
