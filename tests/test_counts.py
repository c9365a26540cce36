"""Tests for :mod:`spinemets.counts` (beta-binomial / Poisson-gamma quantiles).

Every reference value comes from SciPy, from a closed form or from the accurate tail
sums of ``tests/test_beta_tails.py`` (where SciPy's beta-binomial is not exact, issue
12); nothing here is copied from the module's own output.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import special, stats
from test_beta_tails import best_tail, sum_tail, verdict  # accurate references (issue 12)

from spinemets import counts
from spinemets._bbkernel import QMIN, W_NARROW, W, place, ppf_block
from spinemets.counts import (
    betabinom_cdf,
    betabinom_moments,
    betabinom_ppf,
    nbinom_ppf,
    poisson_gamma_moments,
    poisson_gamma_ppf,
)

# ----------------------------------------------------------------- strategies

probabilities = st.one_of(
    st.floats(min_value=0.0, max_value=1.0, exclude_min=True, exclude_max=True),
    st.sampled_from([1e-12, 1e-6, 0.001, 0.025, 0.5, 0.975, 0.999, 1 - 1e-6, 1 - 1e-12]),
)


def log_uniform(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Floats 10**x with x uniform-ish in [lo, hi]."""
    return st.floats(min_value=lo, max_value=hi).map(lambda x: 10.0**x)


log_uniform_shape = log_uniform(-2.0, 7.0)
small_n = st.integers(min_value=0, max_value=10_000)


def _sd_betabinom(n, a, b):
    return np.sqrt(stats.betabinom.stats(n, a, b, moments="v"))


# ------------------------------------------------ beta-binomial: identical to scipy


def assert_scipy_or_exact(got, q, n, a, b, max_unsure=2):
    """``got`` equals ``scipy.stats.betabinom.ppf`` wherever SciPy is exact.

    SciPy sums ``exp(log pmf)`` from 0 with ``scipy.special.betaln``: far in the upper
    tail, or for large ``a + b``, its CDF misses the exact one by more than the distance
    to ``q`` and its quantile is off (up to ``n``; issue 12).  On rows where the two
    differ, ``got`` must be proven the exact quantile by the tail sum of
    ``tests/test_beta_tails.py`` (never ``1 - CDF``; exact rational arithmetic for
    ``n <= 200``); at most ``max_unsure`` such rows may lie within that reference's own
    error of ``q``.  Returns the number of differing rows.
    """
    got, q, n, a, b = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in
                                            (got, q, n, a, b)))
    want = stats.betabinom.ppf(q, n, a, b)
    differ = np.flatnonzero(got != want)
    unsure = 0
    for i in differ:
        v = verdict(int(got.flat[i]), float(q.flat[i]), int(n.flat[i]), float(a.flat[i]),
                    float(b.flat[i]), tail=best_tail(int(n.flat[i])))
        assert v != "wrong", (got.flat[i], want.flat[i], q.flat[i], n.flat[i], a.flat[i],
                              b.flat[i])
        unsure += v == "unsure"
    assert unsure <= max_unsure
    return differ.size


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(probabilities, small_n, log_uniform_shape, log_uniform_shape),
                min_size=1, max_size=8))
def test_betabinom_ppf_identical_to_scipy_property(rows):
    q, n, a, b = (np.array(col, dtype=float) for col in zip(*rows, strict=True))
    got = betabinom_ppf(q, n, a, b)
    assert got.dtype == np.int64
    assert_scipy_or_exact(got, q, n, a, b)  # far tails: SciPy where it is exact


def test_betabinom_ppf_identical_to_scipy_random_rows():
    rng = np.random.default_rng(20240601)
    m = 2500
    n = np.floor(np.exp(rng.uniform(0.0, np.log(10_001), m)))
    a = np.exp(rng.uniform(np.log(0.02), np.log(1e5), m))
    b = np.exp(rng.uniform(np.log(0.02), np.log(1e5), m))
    q = rng.uniform(0.0, 1.0, m)
    q[::3] = rng.choice([0.025, 0.975, 1e-9, 1 - 1e-9], q[::3].size)
    got = betabinom_ppf(q, n, a, b)
    # SciPy is not exact on some 1 - 1e-9 rows (issue 12): there the tail sum decides
    differ = assert_scipy_or_exact(got, q, n, a, b)
    assert differ < 0.01 * m


def test_betabinom_ppf_identical_at_ties():
    """q equal to (or one ulp away from) SciPy's own CDF values: the hardest case."""
    rng = np.random.default_rng(7)
    m = 800
    n = np.floor(np.exp(rng.uniform(0.0, np.log(10_001), m)))
    a = np.exp(rng.uniform(np.log(0.01), np.log(1e6), m))
    b = np.exp(rng.uniform(np.log(0.01), np.log(1e6), m))
    k = np.floor(rng.uniform(0.0, 1.0, m) * (n + 1))
    q = stats.betabinom.cdf(k, n, a, b)
    shift = rng.integers(-1, 2, m)
    q = np.where(shift < 0, np.nextafter(q, 0.0), np.where(shift > 0, np.nextafter(q, 1.0), q))
    ok = (q > 0.0) & (q < 1.0)
    q, n, a, b = q[ok], n[ok], a[ok], b[ok]
    # q is SciPy's own CDF value: rows the tail sum cannot separate keep SciPy's answer;
    # elsewhere SciPy's CDF may be off by more than the ulp (issue 12) and the sum decides
    # (245 of these 644 rows differ, mostly q within 1e-11 of 1 where SciPy's CDF is far
    # off; a few differ by less than the reference's own error: counted, at most 1%)
    assert_scipy_or_exact(betabinom_ppf(q, n, a, b), q, n, a, b, max_unsure=q.size // 100)


def test_betabinom_ppf_large_n_within_tolerance_of_scipy():
    rng = np.random.default_rng(99)
    m = 10
    n = np.round(np.exp(rng.uniform(np.log(1.1e4), np.log(1e7), m)))
    a = np.exp(rng.uniform(np.log(0.5), np.log(500), m))
    b = np.exp(rng.uniform(np.log(0.5), np.log(2000), m))
    q = rng.choice([0.025, 0.975, 0.5, 0.001], m)
    got = betabinom_ppf(q, n, a, b)
    want = stats.betabinom.ppf(q, n, a, b)
    tol = np.maximum(1.0, 0.001 * _sd_betabinom(n, a, b))
    assert np.all(np.abs(got - want) <= tol)


def test_betabinom_ppf_huge_n_matches_beta_limit():
    """For n = 1e9 and moderate a, b, X / n is Beta(a, b) up to O(1/sqrt(n))."""
    n = 10**9
    for a, b in [(2.0, 5.0), (30.0, 70.0), (0.7, 3.0), (400.0, 9.0)]:
        for q in (0.025, 0.3, 0.5, 0.975):
            got = int(betabinom_ppf(q, n, a, b))
            sd = float(_sd_betabinom(n, a, b))
            want = n * special.betaincinv(a, b, q)
            assert 0 <= got <= n
            assert abs(got - want) <= max(2.0, 0.002 * sd)


def test_betabinom_ppf_huge_n_huge_shapes_is_nearly_normal():
    n, a, b = 10**9, 1e7, 1e7  # symmetric, skewness 0, excess kurtosis ~ 1e-7
    mean, var = betabinom_moments(n, a, b)
    for q in (0.001, 0.025, 0.5, 0.975, 0.999):
        got = float(betabinom_ppf(q, n, a, b))
        want = float(mean + np.sqrt(var) * special.ndtri(q))
        assert abs(got - want) <= 0.01 * np.sqrt(var) + 1


# ------------------------------------------------------------------- edge cases


def test_n_zero_gives_zero():
    got = betabinom_ppf([1e-12, 0.3, 1 - 1e-12], 0, 2.0, 3.0)
    np.testing.assert_array_equal(got, [0, 0, 0])
    np.testing.assert_array_equal(got, stats.betabinom.ppf([1e-12, 0.3, 1 - 1e-12], 0, 2.0, 3.0))


@pytest.mark.parametrize("a", [0.01, 1.0, 1e7])
@pytest.mark.parametrize("b", [0.01, 1.0, 1e7])
def test_extreme_shapes_and_probabilities_match_scipy(a, b):
    q = np.array([1e-12, 1e-6, 0.025, 0.5, 0.975, 1 - 1e-6, 1 - 1e-12])
    for n in (1, 2, 37, 1000, 10_000):
        # at 1 - 1e-12 SciPy's CDF can miss by more than 1e-12 (issue 12): the sum decides
        assert_scipy_or_exact(betabinom_ppf(q, n, a, b), q, n, a, b)


@pytest.mark.parametrize("a", [0.01, 1.0, 1e3, 1e7])
@pytest.mark.parametrize("b", [0.01, 1.0, 1e3, 1e7])
def test_n_one_billion_no_overflow(a, b):
    n = 10**9
    q = np.array([1e-12, 1e-6, 0.025, 0.5, 0.975, 1 - 1e-6, 1 - 1e-12])
    got = betabinom_ppf(q, n, a, b)
    assert got.dtype == np.int64
    assert np.all((got >= 0) & (got <= n))
    assert np.all(np.diff(got) >= 0)
    mean, var = (float(x) for x in stats.betabinom.stats(n, a, b, moments="mv"))
    # Cantelli: the q-quantile lies within sqrt(1/q - 1) sd of the mean
    for qi, k in zip(q[2:5], got[2:5], strict=True):
        t = np.sqrt(1.0 / min(qi, 1.0 - qi) - 1.0)
        assert abs(k - mean) <= t * np.sqrt(var) + 1.0


def test_monotone_in_q():
    q = np.linspace(0.0005, 0.9995, 400)
    for n, a, b in [(50, 0.3, 0.4), (5000, 2.0, 30.0), (10**6, 5.0, 5.0), (10**8, 0.5, 80.0)]:
        got = betabinom_ppf(q, n, a, b)
        assert np.all(np.diff(got) >= 0), (n, a, b)


def test_monotone_in_n():
    small = np.arange(0, 400)
    for a, b in [(0.05, 0.05), (2.0, 3.0), (500.0, 20.0)]:
        for q in (0.025, 0.5, 0.975):
            got = betabinom_ppf(q, small, a, b)
            assert np.all(np.diff(got) >= 0)
    big = np.unique(np.round(1.5 ** np.arange(0, 46)))  # 1 .. about 1.2e8
    for a, b in [(0.5, 2.0), (30.0, 70.0)]:
        for q in (0.025, 0.975):
            assert np.all(np.diff(betabinom_ppf(q, big, a, b)) >= 0)


def test_broadcasting_shape_and_dtype():
    q = np.array([[0.1], [0.9]])
    n = np.array([10, 100, 1000])
    got = betabinom_ppf(q, n, 2.0, 2.0)
    assert got.shape == (2, 3)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, stats.betabinom.ppf(q, n, 2.0, 2.0))
    assert betabinom_ppf(0.5, 10, 1.0, 1.0).shape == ()


# -------------------------------------------------------------- kernel invariants


def test_kernel_final_state_brackets_q_with_accurate_cdf_values():
    # spinemets._bbkernel invariant: a row settled in a window (or by an end mass) holds
    # cdf_lo = CDF(ans - 1) < q <= cdf_hi = CDF(ans), each value within the anchor's error
    # allowance (plus rounding and SciPy's own ~1e-10 relative error) of SciPy's CDF
    rng = np.random.default_rng(11)
    m = 600
    n = np.round(np.exp(rng.uniform(0.0, np.log(counts.N_EXACT), m)))
    a = np.exp(rng.uniform(np.log(0.1), np.log(1e3), m))
    b = np.exp(rng.uniform(np.log(0.1), np.log(1e3), m))
    q = np.exp(rng.uniform(np.log(1e-12), np.log(0.5), m))
    blk = ppf_block(q, n, a, b, q)
    assert np.all(blk.ans >= 0) and np.all(blk.ans <= n)
    assert np.count_nonzero(blk.err_abs > 0) > 50  # quadrature anchors are exercised
    ok = ~blk.forced
    assert ok.sum() > 0.9 * m
    assert np.all(blk.cdf_lo[ok] < q[ok]) and np.all(q[ok] <= blk.cdf_hi[ok])
    for mine, k in ((blk.cdf_lo, blk.ans - 1), (blk.cdf_hi, blk.ans)):
        exact = stats.betabinom.cdf(k, n, a, b)
        rounding = 64 * np.finfo(float).eps * np.maximum(blk.anchor_mag, exact)
        allowed = blk.err_abs + 1e-9 * exact + rounding
        assert np.all(np.abs(mine - exact)[ok] <= allowed[ok])
    # rows not flagged as near-ties are SciPy's answers
    np.testing.assert_array_equal(
        blk.ans[~blk.tie], stats.betabinom.ppf(q, n, a, b)[~blk.tie]
    )


@pytest.mark.parametrize("w", [W_NARROW, W])
def test_kernel_place_keeps_windows_in_the_support(w):
    # windows start in [0, max(n - 2w, 0)] and hold their target unless it lies within QMIN
    # of an end (the window then ends at n, or else starts at 0)
    rng = np.random.default_rng(w)
    n = np.round(np.exp(rng.uniform(0.0, np.log(1e6), 2000)))
    target = np.floor(rng.uniform(0.0, 1.0, n.size) * (n + 1))
    s = place(target, n, w)
    top = np.maximum(n - 2 * w, 0.0)
    assert np.all(s == np.floor(s)) and np.all(s >= 0) and np.all(s <= top)
    inner = (target >= QMIN) & (target <= n - QMIN)
    assert inner.sum() > 1000
    assert np.all((s[inner] <= target[inner]) & (target[inner] <= s[inner] + 2 * w))
    near_n = target > n - QMIN
    assert np.all(s[near_n] == top[near_n])
    assert np.all(s[(target < QMIN) & ~near_n] == 0.0)


# ------------------------------------------------------------------ cdf, moments


def test_betabinom_cdf_matches_scipy():
    rng = np.random.default_rng(3)
    m = 600
    n = np.floor(np.exp(rng.uniform(0.0, np.log(10_001), m)))
    a = np.exp(rng.uniform(np.log(0.05), np.log(1e4), m))
    b = np.exp(rng.uniform(np.log(0.05), np.log(1e4), m))
    k = np.floor(rng.uniform(-0.05, 1.05, m) * (n + 1))
    np.testing.assert_allclose(
        betabinom_cdf(k, n, a, b), stats.betabinom.cdf(k, n, a, b), rtol=1e-9, atol=1e-13
    )


def test_betabinom_moments_match_scipy():
    n = np.array([0, 1, 7, 10**4, 10**9])
    a = np.array([0.01, 1.0, 2.5, 300.0, 1e7])
    b = np.array([3.0, 0.2, 2.5, 1e4, 1e7])
    mean, var = betabinom_moments(n, a, b)
    want_mean, want_var = stats.betabinom.stats(n, a, b, moments="mv")
    np.testing.assert_allclose(mean, want_mean, rtol=1e-12)
    np.testing.assert_allclose(var, want_var, rtol=1e-10)


def test_poisson_gamma_moments_match_scipy():
    shape = np.array([0.3, 2.0, 50.0, 1e4])
    rate = np.array([0.01, 1.0, 3.0, 1e3])
    exposure = np.array([10.0, 0.5, 100.0, 1e5])
    mean, var = poisson_gamma_moments(shape, rate, exposure)
    want_mean, want_var = stats.nbinom.stats(shape, rate / (rate + exposure), moments="mv")
    np.testing.assert_allclose(mean, want_mean, rtol=1e-10)
    np.testing.assert_allclose(var, want_var, rtol=1e-10)


# --------------------------------------------------- Poisson-gamma / negative binomial


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            probabilities,
            log_uniform(-3.0, 5.0),
            log_uniform(-3.0, 3.0),
            st.one_of(st.just(0.0), log_uniform(-3.0, 4.0)),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_poisson_gamma_ppf_identical_to_scipy_property(rows):
    q, shape, rate, exposure = (np.array(col, dtype=float) for col in zip(*rows, strict=True))
    mean = shape * exposure / rate
    keep = mean <= 1e12  # the quantile must fit comfortably in int64
    q, shape, rate, exposure = q[keep], shape[keep], rate[keep], exposure[keep]
    got = poisson_gamma_ppf(q, shape, rate, exposure)
    want = stats.nbinom.ppf(q, shape, rate / (rate + exposure))
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, want)


def test_nbinom_ppf_matches_scipy_and_poisson_gamma():
    q = np.array([0.001, 0.025, 0.5, 0.975, 0.999])
    np.testing.assert_array_equal(nbinom_ppf(q, 3.5, 0.2), stats.nbinom.ppf(q, 3.5, 0.2))
    np.testing.assert_array_equal(
        poisson_gamma_ppf(q, 3.5, 2.0, 8.0), nbinom_ppf(q, 3.5, 2.0 / (2.0 + 8.0))
    )


# ------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "exc", "name"),
    [
        ({"q": 0.0}, ValueError, "q"),
        ({"q": 1.0}, ValueError, "q"),
        ({"q": -0.1}, ValueError, "q"),
        ({"q": float("nan")}, ValueError, "q"),
        ({"q": [0.5, 1.5]}, ValueError, "q"),
        ({"q": "0.5"}, TypeError, "q"),
        ({"q": True}, TypeError, "q"),
        ({"n": -1}, ValueError, "n"),
        ({"n": 10.5}, ValueError, "n"),
        ({"n": float("inf")}, ValueError, "n"),
        ({"n": float("nan")}, ValueError, "n"),
        ({"n": [True, False]}, TypeError, "n"),
        ({"a": 0.0}, ValueError, "a"),
        ({"a": -2.0}, ValueError, "a"),
        ({"a": None}, TypeError, "a"),
        ({"b": 0.0}, ValueError, "b"),
        ({"b": float("nan")}, ValueError, "b"),
    ],
)
def test_betabinom_ppf_rejects_bad_input(kwargs, exc, name):
    args = {"q": 0.5, "n": 10, "a": 2.0, "b": 3.0, **kwargs}
    with pytest.raises(exc, match=rf"\b{name}\b"):
        betabinom_ppf(**args)


@pytest.mark.parametrize(
    ("kwargs", "exc", "name"),
    [
        ({"q": 1.0}, ValueError, "q"),
        ({"q": float("nan")}, ValueError, "q"),
        ({"shape": 0.0}, ValueError, "shape"),
        ({"rate": -1.0}, ValueError, "rate"),
        ({"exposure": -1.0}, ValueError, "exposure"),
        ({"exposure": "x"}, TypeError, "exposure"),
    ],
)
def test_poisson_gamma_ppf_rejects_bad_input(kwargs, exc, name):
    args = {"q": 0.5, "shape": 2.0, "rate": 1.0, "exposure": 3.0, **kwargs}
    with pytest.raises(exc, match=rf"\b{name}\b"):
        poisson_gamma_ppf(**args)


def test_nbinom_ppf_rejects_bad_p():
    with pytest.raises(ValueError, match=r"\bp\b"):
        nbinom_ppf(0.5, 2.0, 0.0)
    with pytest.raises(ValueError, match=r"\bp\b"):
        nbinom_ppf(0.5, 2.0, 1.5)


def test_betabinom_moments_and_cdf_reject_bad_input():
    with pytest.raises(ValueError, match=r"\bn\b"):
        betabinom_moments(-3, 1.0, 1.0)
    with pytest.raises(ValueError, match=r"\ba\b"):
        betabinom_cdf(2, 5, 0.0, 1.0)
    with pytest.raises(ValueError, match=r"\bk\b"):
        betabinom_cdf(float("nan"), 5, 1.0, 1.0)


def test_module_constants():
    assert counts.N_EXACT == 10_000


# -------------------------------------------------- exactness limits (issue 16)


def _answered_or_refused(call, want, bound_name):
    """``call()`` equals ``want`` or raises a ValueError naming ``bound_name``; True if answered."""
    try:
        got = call()
    except ValueError as exc:
        assert bound_name in str(exc)
        return False
    assert int(got) == int(want)
    return True


@pytest.mark.parametrize("total", [1e9, 1e12, 1e13, 1e16, 1e20, 1e300])
def test_beta_above_ab_max_is_the_binomial_limit(total):
    """a + b above AB_MAX: the binomial quantile (scipy.stats.binom.ppf), or a clear refusal.

    Before the bound, a + b = 1e13 gave 82-115 for Binomial(1000, 0.1)'s 82-119 and 1e18 gave
    0-0.  The binomial is the exact limit; rows too close to a tie may be refused.
    """
    q = np.array([1e-9, 0.001, 0.025, 0.3, 0.5, 0.975, 0.999, 1 - 1e-9])
    answered = 0
    sizes = (1, 2, 10, 1000, 10**5 if total >= 1e13 else 10**4)
    for p in (1e-7, 0.1, 0.5, 0.93):
        a, b = p * total, (1 - p) * total
        for n in sizes:
            want = stats.binom.ppf(q, n, p)
            for qi, wi in zip(q, want, strict=True):
                answered += _answered_or_refused(
                    lambda qi=qi, n=n, a=a, b=b: betabinom_ppf(qi, n, a, b), wi, "a + b")
    # the certificate's bound is crude far in the tails (q = 1e-9) and for n = 10**5
    assert answered >= 0.85 * 4 * 5 * q.size


def test_beta_at_ab_max_matches_scipy():
    """At a + b = AB_MAX the kernel is still used and equals SciPy's beta-binomial."""
    assert counts.AB_MAX == 1e8
    q = np.array([1e-6, 0.001, 0.025, 0.5, 0.975, 0.999, 1 - 1e-6])
    for p in (1e-4, 0.02, 0.3):
        for n in (1, 10, 1000, 10**4):
            a, b = p * counts.AB_MAX, (1 - p) * counts.AB_MAX
            # SciPy's betaln loses ~1e-8 here, so its far tails can be off (issue 12)
            assert_scipy_or_exact(betabinom_ppf(q, n, a, b), q, n, a, b)


def test_beta_kernel_far_tail_just_below_ab_max():
    """Beta(5e7, 5e7), n = 422, q = 1 - 1e-6: the quantile is 260 (P(X > 259) = 1.0574e-6 by
    adaptive quadrature over the Beta, and 1.0574e-6 for the binomial at p = 1/2, which
    the Beta's spread changes by about 1e-10); scipy.stats.betabinom gives 259 (its far
    tail is off there: P(X > 259) 9.79e-7), and so did the kernel before issue 12's fix."""
    assert stats.binom.ppf(1 - 1e-6, 422, 0.5) == 260
    assert int(stats.betabinom.ppf(1 - 1e-6, 422, 5e7, 5e7)) == 259
    assert int(betabinom_ppf(1 - 1e-6, 422, 5e7, 5e7)) == 260
    assert verdict(260, 1 - 1e-6, 422, 5e7, 5e7, tail=sum_tail) == "exact"


def test_beta_above_ab_max_cdf_is_the_binomial_cdf():
    k = np.array([0, 50, 90, 100, 130, 999])
    a, b = 0.1 * 1e15, 0.9 * 1e15
    np.testing.assert_allclose(betabinom_cdf(k, 1000, a, b), stats.binom.cdf(k, 1000, 0.1),
                               rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("shape", [1e12 * (1 + 1e-9), 1e14, 1e16, 1e20, 1e300])
def test_gamma_above_shape_max_is_the_poisson_limit(shape):
    """Gamma shapes above SHAPE_MAX: scipy.stats.poisson.ppf (SciPy's nbinom gave 0 at 1e16)."""
    q = np.array([1e-9, 0.025, 0.5, 0.975, 1 - 1e-9])
    answered = 0
    exposure = 1000.0
    for mean_count in (0.5, 3.0, 100.0, 1e5):
        rate = shape * exposure / mean_count
        want = stats.poisson.ppf(q, mean_count)
        for qi, wi in zip(q, want, strict=True):
            answered += _answered_or_refused(
                lambda qi=qi, rate=rate: poisson_gamma_ppf(qi, shape, rate, exposure), wi,
                "shape")
    assert answered >= 0.75 * 4 * q.size  # refusals: the q = 1e-9 tails (crude bound)


def test_mixing_bound_covers_the_beta_binomial():
    """The certificate's bound on |BB CDF - binomial CDF| holds (SciPy's betabinom, a + b = 1e5)."""
    from spinemets.counts import _mixing_error

    n, a, b = 200.0, 3e4, 7e4
    k = np.arange(30.0, 110.0)
    var = a * b / ((a + b) ** 2 * (a + b + 1))
    gap = np.abs(stats.betabinom.cdf(k, n, a, b) - stats.binom.cdf(k, n, a / (a + b)))
    bound = _mixing_error(k, np.full(k.size, n), np.full(k.size, var), "binomial")
    assert np.all(gap <= bound)
    assert gap.max() > 0.05 * bound.max()  # the bound is not vacuous


def test_nbinom_ppf_refuses_huge_r_and_huge_counts():
    with pytest.raises(ValueError, match=r"\br must be <= 1e\+12"):
        nbinom_ppf(0.5, 1e16, 0.5)
    with pytest.raises(ValueError, match="2\\*\\*52"):
        nbinom_ppf(0.975, 2.0, 1e-20)


@pytest.mark.parametrize("exposure", [1e16, 1e20, 1e300])
def test_huge_exposures_are_refused_for_every_rate_law(exposure):
    """Regression (issue 16): a mixture rate at exposure 1e16 looped forever; a product or a
    log-normal returned -2**63; a Gamma raised OverflowError.  Now a ValueError naming it."""
    import spinemets as sm

    gamma = sm.Rate.gamma(2.0, 1.0)
    laws = [gamma, sm.Rate.mixture([gamma, sm.Rate.gamma(30.0, 5.0)], [0.5, 0.5]),
            gamma * sm.Proportion.beta(3, 7), stats.lognorm(0.3, scale=5.0)]
    for law in laws:
        with pytest.raises(ValueError, match="exposure"):
            counts.mixed_poisson_ppf([0.025, 0.975], exposure, law)
    with pytest.raises(ValueError, match="exposure"):
        poisson_gamma_ppf(0.975, 2.0, 1.0, exposure)


def test_largest_exposure_below_the_count_bound_is_answered():
    got = poisson_gamma_ppf([0.025, 0.975], 2.0, 1.0, 1e14)
    np.testing.assert_array_equal(got, stats.nbinom.ppf([0.025, 0.975], 2.0, 1.0 / (1.0 + 1e14)))


# ------------------------------------- shared-law table of the fast quadrature (issue 12)


@pytest.mark.parametrize(("a", "b"), [(258.5, 584.5), (3000.0, 7000.0), (2.0, 8.0)])
def test_score_table_matches_betainc(a, b):
    """The cubic Hermite table of a Beta's normal score against SciPy's betainc."""
    from spinemets._bbkernel import TABLE_POINTS, _score_table, _table_score

    table = _score_table(a, b)
    assert table is not None
    z0, step = table[0], table[1]
    z = np.random.default_rng(3).uniform(z0, z0 + step * (TABLE_POINTS - 1), 5000)
    cdf = special.betainc(a, b, special.expit(z))
    sf = special.betainc(b, a, special.expit(-z))
    want = np.where(cdf <= 0.5, special.ndtri(cdf), -special.ndtri(sf))
    np.testing.assert_allclose(_table_score(z, table), want, rtol=0, atol=2e-10)


def test_large_n_rows_with_one_shared_law_agree_with_scipy():
    """Rows with n > N_EXACT that share one Beta use the table: within the contract of SciPy."""
    a, b = 258.5, 584.5
    n = np.unique(np.geomspace(2e4, 1.5e5, 12).astype(np.int64))
    q = np.array([[0.025], [0.975]])
    got = betabinom_ppf(q, np.tile(n, 8)[None, :], a, b)[:, : n.size]  # > 64 rows: table
    want = stats.betabinom.ppf(q, n[None, :], a, b)
    sd = _sd_betabinom(n, a, b)
    assert np.all(np.abs(got - want) <= np.maximum(1.0, 0.001 * sd))


def test_count_limit_is_one_value():
    """``counts.N_MAX`` is the package's ``MAX_COUNT`` (kept apart only to spare this module
    the pandas import): one limit, checked here."""
    from spinemets import _validation

    assert counts.N_MAX == _validation.MAX_COUNT == 2**52
