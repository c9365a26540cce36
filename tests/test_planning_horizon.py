"""The rate trend with its interval, ageing and population growth over the horizon."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from spinemets._planning._horizon import TrendInterval, catalogue_trend, growth_interval


def test_catalogue_trend_is_the_ontario_aapc():
    # Shakil 2024 (PMID 38680988): AAPC 2.2% (95% CI 1.4-3.0), catalogue POP-01c
    t = catalogue_trend()
    assert (t.value, t.low, t.high) == (0.022, 0.014, 0.030)
    assert "38680988" in t.source


def test_one_year_interval_is_the_reported_interval():
    t = TrendInterval(0.022, 0.014, 0.030)
    lo, hi = t.factor_interval(1.0)
    assert lo == pytest.approx(1.014, rel=1e-12)
    assert hi == pytest.approx(1.030, rel=1e-12)


@pytest.mark.parametrize("years", [0.5, 5.0, 20.0])
def test_factor_interval_is_the_trend_interval_raised(years):
    """The trend ~ Normal(0.022, sd) with 1.96 sd = 0.008; the factor is monotone in it."""
    t = TrendInterval(0.022, 0.014, 0.030)
    law = stats.norm(0.022, 0.008 / stats.norm.ppf(0.975))
    lo, hi = t.factor_interval(years, 0.9)
    assert lo == pytest.approx((1 + law.ppf(0.05)) ** years, rel=1e-12)
    assert hi == pytest.approx((1 + law.ppf(0.95)) ** years, rel=1e-12)
    assert t.factor(years) == pytest.approx(1.022**years, rel=1e-12)


def test_factor_interval_by_simulation():
    t = TrendInterval(0.022, 0.014, 0.030)
    rng = np.random.default_rng(3)
    draws = (1 + rng.normal(0.022, 0.008 / 1.959963984540054, 200_000)) ** 10
    inside = np.mean((draws >= t.factor_interval(10)[0]) & (draws <= t.factor_interval(10)[1]))
    assert abs(inside - 0.95) < 4 * math.sqrt(0.95 * 0.05 / 200_000)


def test_year_zero_has_no_spread():
    assert TrendInterval(0.022, 0.014, 0.030).factor_interval(0.0) == (1.0, 1.0)


def test_growth_interval_multiplies_the_other_factors():
    t = TrendInterval(0.022, 0.014, 0.030)
    g, lo, hi = growth_interval(t, 1.01 * 1.005, 3)
    other = (1.01 * 1.005) ** 3
    assert g == pytest.approx(1.022**3 * other, rel=1e-12)
    assert (lo / other, hi / other) == pytest.approx(t.factor_interval(3), rel=1e-12)
    assert growth_interval(None, 1.0, 10) == (1.0, 1.0, 1.0)


@pytest.mark.parametrize(("args", "name"), [
    ((0.022, 0.03, 0.04), "trend low"),
    ((0.022, 0.01, 0.02), "trend high"),
    ((-1.0, -1.0, 0.0), "trend"),
])
def test_bad_trend_names_the_argument(args, name):
    with pytest.raises(ValueError, match=name):
        TrendInterval(*args)
