"""Encodings checked against independent routes: closed forms, scipy, a second solver and
PreliZ (numbers written down with the call that produced them)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, special, stats

import spinemets as sm
from spinemets._encodings import _beta_entropy, _maxent_newton, _maxent_search

# ---------------------------------------------------------------- beta_from_counts


@pytest.mark.parametrize("events,total", [(0, 1), (1, 1), (0, 50), (50, 50), (258, 842),
                                          (55903, 1075070), (1, 10**9)])
def test_counts_closed_form(events, total):
    p = sm.beta_from_counts(events, total)
    assert (p.a, p.b) == (events + 0.5, total - events + 0.5)
    ref = stats.beta(events + 0.5, total - events + 0.5)
    assert p.interval(0.9) == pytest.approx(ref.interval(0.9), rel=1e-12)
    assert 0.0 <= p.interval(0.95)[0] <= p.mean <= p.interval(0.95)[1] <= 1.0


def test_counts_custom_prior_and_provenance():
    p = sm.beta_from_counts(3, 10, prior=(1, 1), label="x", sources=["A", "B"])
    assert (p.a, p.b) == (4, 8)
    assert p.sources == ("A", "B")
    assert "beta_from_counts(3, 10, prior=(1, 1))" == p.encoding
    assert "3 of 10" in p.assumption


@pytest.mark.parametrize("kwargs,exc,word", [
    ({"events": 5, "total": 3}, ValueError, "events"),
    ({"events": -1, "total": 3}, ValueError, "events"),
    ({"events": 1.5, "total": 3}, ValueError, "events"),
    ({"events": float("nan"), "total": 3}, ValueError, "events"),
    ({"events": 1, "total": 0}, ValueError, "total"),
    ({"events": "1", "total": 3}, TypeError, "events"),
    ({"events": True, "total": 3}, TypeError, "events"),
    ({"events": 1, "total": 3, "prior": (0, 1)}, ValueError, "prior"),
    ({"events": 1, "total": 3, "prior": 1}, TypeError, "prior"),
])
def test_counts_bad_input(kwargs, exc, word):
    with pytest.raises(exc, match=word):
        sm.beta_from_counts(**kwargs)


def test_beta_from_value_is_pseudo_counts():
    p = sm.beta_from_value(0.07, 200)
    assert (p.a, p.b) == pytest.approx((0.07 * 200 + 0.5, 0.93 * 200 + 0.5))
    assert "assumed effective sample size" in p.assumption
    with pytest.raises(ValueError, match="value"):
        sm.beta_from_value(7, 200)
    with pytest.raises(ValueError, match="effective_total"):
        sm.beta_from_value(0.07, 0)


# ---------------------------------------------------------------- beta_from_range: quantile


def _second_solver(low, high, level):
    """Independent route: nested 1-D root finding in (mean, concentration).

    For a concentration k, the mean m with ppf(tail) = low is found by brentq (the
    quantile rises with m at fixed k); then brentq on log k matches ppf(1 - tail) = high.
    """
    tail = (1 - level) / 2

    def mean_for(k):
        f = lambda m: stats.beta.ppf(tail, m * k, (1 - m) * k) - low  # noqa: E731
        return optimize.brentq(f, 1e-12, 1 - 1e-12, xtol=1e-15)

    def g(logk):
        k = math.exp(logk)
        m = mean_for(k)
        return stats.beta.ppf(1 - tail, m * k, (1 - m) * k) - high

    logk = optimize.brentq(g, math.log(0.5), math.log(1e7), xtol=1e-13)
    k = math.exp(logk)
    m = mean_for(k)
    return m * k, (1 - m) * k


@pytest.mark.parametrize("low,high,level", [(0.10, 0.40, 0.95), (0.65, 0.75, 0.95),
                                            (0.20, 0.25, 0.90), (0.03, 0.05, 0.95),
                                            (0.30, 0.36, 0.5)])
def test_quantile_matches_second_solver(low, high, level):
    p = sm.beta_from_range(low, high, level)
    a, b = _second_solver(low, high, level)
    assert p.a == pytest.approx(a, rel=1e-6)
    assert p.b == pytest.approx(b, rel=1e-6)


@settings(max_examples=60, deadline=None)
@given(low=st.floats(1e-4, 0.98), width=st.floats(1e-3, 0.9),
       level=st.floats(0.5, 0.99))
def test_quantile_reproduces_requested_interval(low, width, level):
    high = min(low + width * (1 - low), 0.9999)
    try:
        p = sm.beta_from_range(low, high, level)
    except ValueError as exc:
        # refused only when the range needs a Beta beyond the shape limit (MAX_SHAPE = 1e9):
        # the normal approximation puts a + b near p (1 - p) / sd**2 for that range
        from scipy import stats

        from spinemets._validation import MAX_SHAPE

        mid = 0.5 * (low + high)
        sd = (high - low) / (2 * stats.norm.ppf(0.5 + level / 2))
        assert mid * (1 - mid) / sd**2 > 0.5 * MAX_SHAPE, exc
        assert f"{MAX_SHAPE:.0e}" in str(exc), exc
        return
    lo, hi = p.interval(level)
    assert lo == pytest.approx(low, rel=1e-7, abs=1e-12)
    assert hi == pytest.approx(high, rel=1e-7, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(center=st.floats(0.05, 0.95), half=st.floats(0.005, 0.04), shrink=st.floats(0.2, 0.9))
def test_narrower_range_more_concentrated(center, half, shrink):
    wide = sm.beta_from_range(center - half, center + half)
    narrow = sm.beta_from_range(center - half * shrink, center + half * shrink)
    assert narrow.a + narrow.b > wide.a + wide.b
    assert narrow.std < wide.std


@pytest.mark.parametrize("low,high", [(0.3, 0.3001), (1e-6, 1e-3), (0.99, 0.999999),
                                      (0.001, 0.999), (0.01, 0.99)])
def test_quantile_extreme_ranges(low, high):
    p = sm.beta_from_range(low, high)
    assert p.interval(0.95) == pytest.approx((low, high), rel=1e-7)


@pytest.mark.parametrize("low,high", [(0.0, 0.2), (0.8, 1.0)])
def test_quantile_touching_bounds_is_an_encoding_error(low, high):
    with pytest.raises(sm.EncodingError, match="maxent"):
        sm.beta_from_range(low, high)


def test_whole_unit_interval_is_an_encoding_error():
    for method in ("quantile", "maxent"):
        with pytest.raises(sm.SpinemetsError, match="narrower"):
            sm.beta_from_range(0.0, 1.0, method=method)


@pytest.mark.parametrize("args,exc,word", [
    ((0.4, 0.1), ValueError, "low must be < high"),
    ((0.2, 0.2), ValueError, "low must be < high"),
    ((10, 40), ValueError, "percent"),
    ((-0.1, 0.4), ValueError, "low"),
    ((0.1, float("nan")), ValueError, "high"),
    ((0.1, 0.4, 1.0), ValueError, "confidence_level"),
    ((0.1, 0.4, 0.0), ValueError, "confidence_level"),
    ((0.1, 0.4, 0.95, "median"), ValueError, "method"),
    (("0.1", 0.4), TypeError, "low"),
])
def test_range_bad_input(args, exc, word):
    with pytest.raises(exc, match=word):
        sm.beta_from_range(*args)


# ---------------------------------------------------------------- beta_from_range: maxent

# PreliZ 0.24.0 (pytensor 2.x, matplotlib 3.9), run on 2026-11-29:
#   import preliz as pz; d = pz.Beta(); pz.maxent(d, low, high, mass, plot=False)
#   print(d.alpha, d.beta)
PRELIZ_MAXENT = [
    (0.10, 0.40, 0.95, 7.136613192454961, 21.986785885513243),
    (0.65, 0.75, 0.90, 158.1313749412865, 67.82805814746752),
    (0.00, 0.20, 0.90, 1.5657848138231094, 14.19650249723071),
    (0.10, 0.40, 0.50, 1.4749873347543987, 2.6936944419424735),
    (0.01, 0.02, 0.30, 2.1974518403854058, 89.03383982996006),
    (0.30, 0.90, 0.20, 1.1286087589842644, 4.97906625200064),
]


@pytest.mark.parametrize("low,high,mass,a_ref,b_ref", PRELIZ_MAXENT)
def test_maxent_matches_preliz(low, high, mass, a_ref, b_ref):
    p = sm.beta_from_range(low, high, mass, method="maxent")
    # PreliZ stops its optimiser at ~1e-4 relative; ours meets the constraint to 1e-12.
    assert p.a == pytest.approx(a_ref, rel=5e-4)
    assert p.b == pytest.approx(b_ref, rel=5e-4)
    inside = stats.beta.cdf(high, p.a, p.b) - stats.beta.cdf(low, p.a, p.b)
    assert inside == pytest.approx(mass, abs=1e-10)
    # ... and is at least as good a maximum as PreliZ's (which is off the constraint a bit).
    assert _beta_entropy(p.a, p.b) >= _beta_entropy(a_ref, b_ref) - 1e-6


def test_maxent_is_a_maximum_along_the_constraint():
    low, high, mass = 0.10, 0.40, 0.95
    p = sm.beta_from_range(low, high, mass, method="maxent")
    m0, k0 = p.a / (p.a + p.b), p.a + p.b
    h0 = _beta_entropy(p.a, p.b)
    for dm in (-0.01, -0.002, 0.002, 0.01):
        m = m0 + dm
        f = lambda lk, m=m: (special.betainc(m * math.exp(lk), (1 - m) * math.exp(lk), high)  # noqa: E731
                             - special.betainc(m * math.exp(lk), (1 - m) * math.exp(lk), low)
                             - mass)
        lk = optimize.brentq(f, math.log(k0) - 1, math.log(k0) + 1)
        k = math.exp(lk)
        assert _beta_entropy(m * k, (1 - m) * k) < h0


def test_maxent_global_not_local_optimum():
    """With 20% of the mass in [0.3, 0.9] the curve has a branch below 0.3 and one above
    0.9; the global maximum (PreliZ agrees) is the branch below, with the larger entropy."""
    p = sm.beta_from_range(0.3, 0.9, 0.2, method="maxent")
    assert p.mean < 0.3
    # the best point on the other branch (mass piled above 0.9) has lower entropy
    q = sm.beta_from_range(0.3, 0.9, 0.2, method="maxent")
    assert _beta_entropy(q.a, q.b) == pytest.approx(_beta_entropy(p.a, p.b))
    other = []
    for m in np.linspace(0.9, 0.999, 60):
        f = lambda lk, m=m: (special.betainc(m * math.exp(lk), (1 - m) * math.exp(lk), 0.9)  # noqa: E731
                             - special.betainc(m * math.exp(lk), (1 - m) * math.exp(lk), 0.3)
                             - 0.2)
        grid = np.linspace(-3, 12, 300)
        vals = np.array([f(g) for g in grid])
        for i in np.nonzero(np.signbit(vals[:-1]) != np.signbit(vals[1:]))[0]:
            k = math.exp(optimize.brentq(f, grid[i], grid[i + 1]))
            other.append(_beta_entropy(m * k, (1 - m) * k))
    assert other and max(other) < _beta_entropy(p.a, p.b)


@pytest.mark.parametrize("low,high,level", [(0.0, 0.05, 0.95), (0.95, 1.0, 0.95),
                                            (0.3, 0.3001, 0.95), (0.001, 0.999, 0.95)])
def test_maxent_edges_meet_the_mass(low, high, level):
    p = sm.beta_from_range(low, high, level, method="maxent")
    assert float(p.cdf(high) - p.cdf(low)) == pytest.approx(level, abs=1e-9)


@pytest.mark.parametrize("low,high,mass", [c[:3] for c in PRELIZ_MAXENT])
def test_maxent_fast_route_serves_the_reference_cases(low, high, mass):
    """The Newton polish answers the PreliZ cases itself (no fallback) and agrees with the
    thorough grid search to 1e-6 relative (or finds a higher entropy)."""
    fast = _maxent_newton(low, high, mass)
    assert fast is not None
    slow = _maxent_search(low, high, mass)
    if _beta_entropy(*fast) <= _beta_entropy(*slow) + 1e-12:
        assert fast == pytest.approx(slow, rel=1e-6)


def test_maxent_fast_route_agrees_with_the_search_on_random_ranges():
    rng = np.random.default_rng(11)
    answered = 0
    for _ in range(25):
        low, high = np.sort(rng.uniform(0.0, 1.0, 2))
        mass = float(rng.choice([0.5, 0.8, 0.9, 0.95]))
        fast = _maxent_newton(float(low), float(high), mass)
        if fast is None:  # falls back to the search: nothing to compare
            continue
        answered += 1
        slow = _maxent_search(float(low), float(high), mass)
        a, b = fast
        assert stats.beta.cdf(high, a, b) - stats.beta.cdf(low, a, b) == pytest.approx(
            mass, abs=1e-10)
        # never worse than the search; where it is not better, the same Beta
        assert _beta_entropy(a, b) >= _beta_entropy(*slow) - 1e-9
        if _beta_entropy(a, b) <= _beta_entropy(*slow) + 1e-9:
            assert fast == pytest.approx(slow, rel=1e-5)
    assert answered >= 20


def test_range_assumption_is_recorded():
    p = sm.beta_from_range(0.1, 0.4, 0.9, method="maxent", sources="CLAIM-10-40")
    assert "maximum-entropy" in p.assumption
    assert p.encoding == "beta_from_range(0.1, 0.4, confidence_level=0.9, method='maxent')"
    assert p.sources == ("CLAIM-10-40",)


# ---------------------------------------------------------------- gamma_from_rate


def test_gamma_from_counts_closed_form():
    r = sm.gamma_from_rate(events=81, person_years=1e6)
    ref = stats.gamma(81.5, scale=1e-6)
    assert r.mean == pytest.approx(ref.mean())
    assert r.interval(0.95) == pytest.approx(ref.interval(0.95))
    zero = sm.gamma_from_rate(events=0, person_years=1000)
    assert zero.shape == 0.5


@pytest.mark.parametrize("low,high,level", [(2.29e-4, 3.02e-4, 0.95), (1e-5, 1e-3, 0.9),
                                            (0.5, 0.5001, 0.95), (1e-9, 1.0, 0.5)])
def test_gamma_from_interval_reproduces_it(low, high, level):
    r = sm.gamma_from_rate(low=low, high=high, confidence_level=level)
    assert r.interval(level) == pytest.approx((low, high), rel=1e-8)


def test_gamma_from_interval_against_second_route():
    # Independent route: solve both quantile equations in (log shape, log rate) with
    # scipy.optimize.fsolve and compare with the ratio-then-scale solution.
    low, high = 2.29e-4, 3.02e-4

    def eqs(x):
        k, beta = np.exp(x)
        return [stats.gamma.cdf(low, k, scale=1 / beta) - 0.025,
                stats.gamma.cdf(high, k, scale=1 / beta) - 0.975]

    k, beta = np.exp(optimize.fsolve(eqs, [np.log(300.0), np.log(1.1e6)], xtol=1e-13))
    r = sm.gamma_from_rate(low=low, high=high)
    assert r.shape == pytest.approx(k, rel=1e-6)
    assert r.inverse_scale == pytest.approx(beta, rel=1e-6)


def test_gamma_from_cv():
    r = sm.gamma_from_rate(rate=8.1e-5, cv=0.25)
    assert r.mean == pytest.approx(8.1e-5)
    assert r.std / r.mean == pytest.approx(0.25)


@pytest.mark.parametrize("kwargs,exc,word", [
    ({"rate": 1e-4}, sm.EncodingError, "no uncertainty"),
    ({}, ValueError, "exactly one"),
    ({"events": 3}, ValueError, "together"),
    ({"events": -3, "person_years": 10}, ValueError, "events"),
    ({"events": 3, "person_years": 0}, ValueError, "person_years"),
    ({"low": 3e-4, "high": 2e-4}, ValueError, "low must be < high"),
    ({"low": 0.0, "high": 2e-4}, sm.EncodingError, "low = 0"),
    ({"low": 1e-4, "high": 2e-4, "rate": 5e-4}, ValueError, "rate must lie inside"),
    ({"rate": 1e-4, "cv": -1}, ValueError, "cv"),
    ({"events": 3, "person_years": 10, "cv": 0.2}, ValueError, "exactly one"),
    ({"low": 1e-4, "high": 2e-4, "confidence_level": 95}, ValueError, "confidence_level"),
])
def test_gamma_bad_input(kwargs, exc, word):
    with pytest.raises(exc, match=word):
        sm.gamma_from_rate(**kwargs)


# ------------------------------------------- the three named gamma constructors


def _same_gamma(r1, r2):
    return (r1.shape, r1.inverse_scale, r1.sources, r1.label) == (
        r2.shape, r2.inverse_scale, r2.sources, r2.label)


@pytest.mark.parametrize("named,dispatched", [
    (lambda: sm.gamma_from_counts(81, 1e6, sources="X"),
     lambda: sm.gamma_from_rate(events=81, person_years=1e6, sources="X")),
    (lambda: sm.gamma_from_counts(0, 1000),
     lambda: sm.gamma_from_rate(events=0, person_years=1000)),
    (lambda: sm.gamma_from_interval(2.29e-4, 3.02e-4),
     lambda: sm.gamma_from_rate(low=2.29e-4, high=3.02e-4)),
    (lambda: sm.gamma_from_interval(1e-5, 1e-3, confidence_level=0.9, label="r"),
     lambda: sm.gamma_from_rate(low=1e-5, high=1e-3, confidence_level=0.9, label="r")),
    (lambda: sm.gamma_from_interval(2e-4, 3e-4),
     lambda: sm.gamma_from_rate(low=2e-4, high=3e-4, rate=2.5e-4)),
    (lambda: sm.gamma_from_mean(8.1e-5, 0.25), lambda: sm.gamma_from_rate(rate=8.1e-5, cv=0.25)),
])
def test_named_gamma_constructors_equal_gamma_from_rate(named, dispatched):
    a, b = named(), dispatched()
    assert _same_gamma(a, b)
    assert a.encoding == b.encoding and a.assumption == b.assumption


def test_named_gamma_constructors_record_their_call():
    assert sm.gamma_from_counts(81, 1e6).encoding == "gamma_from_counts(81, 1e+06)"
    assert sm.gamma_from_interval(2e-4, 3e-4, 0.9).encoding == (
        "gamma_from_interval(0.0002, 0.0003, confidence_level=0.9)")
    assert sm.gamma_from_mean(8.1e-5, cv=0.25).encoding == "gamma_from_mean(8.1e-05, cv=0.25)"


@pytest.mark.parametrize("call,exc,word", [
    (lambda: sm.gamma_from_counts(-1, 10), ValueError, "events"),
    (lambda: sm.gamma_from_counts(3, 0), ValueError, "person_years"),
    (lambda: sm.gamma_from_interval(3e-4, 2e-4), ValueError, "low must be < high"),
    (lambda: sm.gamma_from_interval(0.0, 2e-4), sm.EncodingError, "low = 0"),
    (lambda: sm.gamma_from_interval(1e-4, 2e-4, 95), ValueError, "confidence_level"),
    (lambda: sm.gamma_from_mean(0.0, 0.2), ValueError, "mean"),
    (lambda: sm.gamma_from_mean(1e-4, -1), ValueError, "cv"),
    (lambda: sm.gamma_from_rate(rate=-1e-4, cv=0.2), ValueError, "rate"),
])
def test_named_gamma_constructors_bad_input(call, exc, word):
    with pytest.raises(exc, match=word):
        call()


@pytest.mark.parametrize("rate", [
    sm.Rate.gamma(229.5, 1e6), sm.Rate.gamma(shape=0.5, inverse_scale=1000),
    sm.gamma_from_interval(2.29e-4, 3.02e-4), sm.gamma_from_mean(8.1e-5, 0.25),
])
def test_rate_inverse_scale_times_mean_is_shape(rate):
    assert rate.inverse_scale * rate.mean == pytest.approx(rate.shape, rel=1e-12)
    # the mean is the event rate per person-year, the inverse scale is not
    assert rate.mean == pytest.approx(rate.shape / rate.inverse_scale, rel=1e-12)


def test_parameter_rate_names_say_what_they_are():
    r = sm.parameter("mscc_rate")
    assert r.mean == pytest.approx(8.1e-5)
    assert r.inverse_scale == pytest.approx(16 / 8.1e-5)
    assert not hasattr(r, "rate")
