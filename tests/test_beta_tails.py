"""Far tails of the beta-binomial quantile (issue 12).

``scipy.stats.betabinom.ppf`` sums ``exp(log pmf)`` from 0 with ``scipy.special.betaln``;
for large ``a + b`` its total mass misses 1 by more than ``1 - q`` at ``q = 1 - 1e-9``, so
its far upper quantiles are off (up to ``n``).  The kernel used to hand such rows to SciPy.
Here its answers are checked against references that never form ``1 - CDF``:

* ``beta_tails_reference.json`` -- the pmf's smaller tail summed in 50-digit mpmath
  (``tests/results/make_beta_tails_reference.py``);
* :func:`quad_tail` -- the smaller tail as an adaptive :func:`scipy.integrate.quad` of the
  binomial tail over the Beta law on the logit scale, normalised by the integral of the
  Beta density itself (so the inaccurate ``B(a, b)`` cancels);
* :func:`sum_tail` -- the tail itself summed in log space with the accurate log pmf;
* :func:`rational_tail` -- exact rational arithmetic for ``n <= 200`` (near-ties).
"""

from __future__ import annotations

import json
import pathlib
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import integrate, special, stats

import spinemets as sm
from spinemets._bbkernel import N_EXACT, betaln, logpmf, summed_lower_ppf
from spinemets.counts import betabinom_ppf

REFERENCE = json.loads(
    (pathlib.Path(__file__).parent / "results" / "beta_tails_reference.json").read_text()
)
LEVELS = (1e-12, 1e-9, 1e-6, 0.025, 0.975, 1 - 1e-6, 1 - 1e-9)
#: stated relative error of :func:`quad_tail` (quad asked for 1e-11; binomial tails
#: from ``scipy.special.bdtr``/``bdtrc`` to about 1e-14; quad's own estimate is added,
#: and 1e-6 is claimed instead when quad warns)
QUAD_REL = 1e-9


def _log_beta_density(t: float, a: float, b: float, t0: float) -> float:
    """log density of logit(P), P ~ Beta(a, b), minus its value at ``t0`` (no B(a, b))."""
    return (a * (special.log_expit(t) - special.log_expit(t0))
            + b * (special.log_expit(-t) - special.log_expit(-t0)))


def _binom_tail(k: int, n: int, t, upper: bool):
    """P(Y > k) (upper) or P(Y <= k), Y ~ Binomial(n, expit(t)), from the accurate side
    (the success probability below 1/2 is passed as it is, never as 1 - p)."""
    t = np.asarray(t, dtype=float)
    p_lo, p_hi = special.expit(t), special.expit(-t)
    if upper:  # P(Y > k) = P(n - Y <= n - k - 1), n - Y ~ Binomial(n, expit(-t))
        out = np.where(t > 0, special.bdtr(n - k - 1, n, p_hi), special.bdtrc(k, n, p_lo))
    else:
        out = np.where(t <= 0, special.bdtr(k, n, p_lo), special.bdtrc(n - k - 1, n, p_hi))
    return out[()] if out.ndim == 0 else out


def quad_tail(k: int, n: int, a: float, b: float, upper: bool) -> tuple[float, float]:
    """``P(X > k)`` (``upper``) or ``P(X <= k)`` for ``X ~ BB(n, a, b)``, and its error bound.

    Integrated over ``t = logit(p)``: the integrand's peak is found on a grid, ``quad``
    runs on the interval around it (break points at the Beta mode, the peak and the step
    of the binomial tail) and on the two half-lines beyond; the same for the Beta density
    alone, which normalises.
    """
    if upper and k >= n:
        return 0.0, 0.0
    if not upper and k < 0:
        return 0.0, 0.0
    t0 = float(np.log(a / b))
    sd = float(np.sqrt(1.0 / a + 1.0 / b))

    def dens(t):
        return np.exp(_log_beta_density(t, a, b, t0))

    def integrand(t):
        return dens(t) * _binom_tail(k, n, t, upper)

    grid = np.linspace(t0 - 60.0 * sd, t0 + 60.0 * sd, 4001)
    vals = integrand(grid)
    peak = float(grid[np.argmax(vals)]) if vals.max() > 0 else t0
    half = 60.0 * sd
    total = [0.0, 0.0]
    err = [0.0, 0.0]
    # the binomial tail steps near logit((k + 1/2) / n) over about 1 / sqrt(n p (1 - p)) on
    # the logit scale (for n = 1e9 far narrower than the grid): break points there too
    p_step = (k + 0.5) / n
    t_step = float(special.logit(p_step))
    w_step = 1.0 / np.sqrt(n * p_step * (1.0 - p_step))
    marks = [t0, peak] + [t_step + c * w_step for c in (-20.0, -5.0, 0.0, 5.0, 20.0)]
    lo_end, hi_end = min(marks) - half, max(marks) + half
    troubled = False
    for i, f in enumerate((integrand, dens)):
        pts = sorted(set(marks))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", integrate.IntegrationWarning)
            v, e = integrate.quad(f, lo_end, hi_end, points=pts, epsabs=0.0, epsrel=1e-11,
                                  limit=500)
            v1, e1 = integrate.quad(f, -np.inf, lo_end, epsabs=0.0, epsrel=1e-11, limit=200)
            v2, e2 = integrate.quad(f, hi_end, np.inf, epsabs=0.0, epsrel=1e-11, limit=200)
        troubled |= bool(caught)
        total[i] = v + v1 + v2
        err[i] = e + e1 + e2
    value = total[0] / total[1]
    rel = QUAD_REL + err[0] / max(total[0], 1e-320) + err[1] / total[1]
    if troubled:  # quad warned that its estimate may be low: claim far less
        rel = max(rel, 1e-6)
    return value, rel * value


def sum_tail(k: int, n: int, a: float, b: float, upper: bool) -> tuple[float, float]:
    """``P(X > k)`` (``upper``) or ``P(X <= k)`` summed over the tail itself, and an error bound.

    Every term is ``exp(logpmf(j))`` with the kernel's accurate log pmf
    (:func:`spinemets._bbkernel.logpmf`, beta functions by Stirling's series with exact
    remainders; not the route the quantile search or :func:`summed_lower_ppf` take), summed
    in log space relative to its largest term; never ``1 - CDF``.  Each log pmf is off by
    at most ``64 eps`` times the magnitude of the terms that cancel in it.
    """
    j = np.arange(k + 1, n + 1, dtype=float) if upper else np.arange(0, k + 1, dtype=float)
    if j.size == 0:
        return 0.0, 0.0
    nn, aa, bb = (np.full(j.size, float(v)) for v in (n, a, b))
    lp = logpmf(j, nn, aa, bb)
    top = lp.max()
    value = float(np.exp(top) * np.exp(lp - top).sum())
    mag = (np.log1p(n) + np.abs(betaln(nn - j + 1.0, j + 1.0))
           + np.abs(betaln(j + aa, nn - j + bb)) + abs(float(betaln(aa[:1], bb[:1])[0])))
    rel = 64.0 * np.finfo(float).eps * float(mag.max()) + (j.size + 4) * np.finfo(float).eps
    return value, float(np.expm1(rel)) * value


#: largest n for :func:`rational_tail` (about 0.1 s at n = 200)
RATIONAL_N = 200


def rational_tail(k: int, n: int, a: float, b: float, upper: bool) -> tuple[Fraction, int]:
    """``P(X > k)`` (``upper``) or ``P(X <= k)`` in exact rational arithmetic; error 0.

    ``a`` and ``b`` are taken as the exact values of their doubles; the pmf up to a common
    factor is the product of the ratios ``pmf(j + 1) / pmf(j)`` (rational), normalised by
    its own sum.  For ``n <= RATIONAL_N``: it decides near-ties no double can.
    """
    big_a, big_b = Fraction(a), Fraction(b)
    w = [Fraction(1)]
    for j in range(n):
        w.append(w[-1] * ((n - j) * (j + big_a)) / ((j + 1) * (n - j - 1 + big_b)))
    part = sum(w[k + 1:]) if upper else sum(w[: k + 1])
    return part / sum(w), 0


def best_tail(n: int):
    """The sharpest reference for a support of size ``n + 1``."""
    return rational_tail if n <= RATIONAL_N else sum_tail


def verdict(k: int, q: float, n: int, a: float, b: float, k_top: int | None = None,
            tail=quad_tail) -> str:
    """Whether the q-quantile is ``k`` (or lies in ``[k, k_top]``) by the reference ``tail``.

    "exact" if the reference proves it (``CDF(k - 1) < q <= CDF(k_top)``), "wrong" if it
    proves the opposite, "unsure" if ``q`` lies within the reference's stated error of
    one of the two CDF values.
    """
    k_top = k if k_top is None else k_top
    upper = q > 0.5
    level = 1.0 - q if upper else q  # 1 - q is exact in floats for q in [1/2, 1]
    checks = []
    for kk, want_reached in ((k - 1, False), (k_top, True)):
        if kk < 0:
            checks.append(not want_reached)
            continue
        if kk >= n:
            checks.append(want_reached)
            continue
        value, err = tail(kk, n, a, b, upper)
        # reached: CDF(kk) >= q, i.e. P(X > kk) <= 1 - q (upper) or P(X <= kk) >= q
        if upper:
            sure_yes, sure_no = value + err <= level, value - err > level
        else:
            sure_yes, sure_no = value - err >= level, value + err < level
        if not (sure_yes or sure_no):
            return "unsure"
        checks.append(sure_yes == want_reached)
    return "exact" if all(checks) else "wrong"


# ---------------------------------------------------------------- frozen table


@pytest.mark.parametrize("row", REFERENCE["rows"], ids=lambda r: f"{r['a']:.3g}-{r['b']:.3g}-"
                         f"{r['n']}-{r['q']:.3g}")
def test_kernel_equals_mpmath_table(row):
    got = int(betabinom_ppf(row["q"], row["n"], row["a"], row["b"]))
    assert got == row["k"]


def test_table_holds_rows_where_scipy_is_wrong():
    """The table is not vacuous: SciPy misses the exact quantile on many of its rows."""
    wrong = [r for r in REFERENCE["rows"] if r["scipy_betabinom_ppf"] != r["k"]]
    assert len(wrong) >= 20
    first = REFERENCE["rows"][0]  # the report's row: truth 6, SciPy n
    assert (first["k"], first["scipy_betabinom_ppf"]) == (6, 10_000)


@pytest.mark.parametrize("row", REFERENCE["rows"][:7], ids=lambda r: f"report-{r['a']:.3g}")
def test_quad_reference_agrees_with_mpmath(row):
    """The run-time reference (quad) against the frozen one (mpmath) on the report's rows."""
    upper = row["tail"] == "upper"
    k, n, a, b = row["k"], row["n"], row["a"], row["b"]
    for kk, key in ((k - 1, "tail_k_minus_1"), (k, "tail_k")):
        want = float(row[key])
        got, err = quad_tail(kk, n, a, b, upper)
        assert abs(got - want) <= err + 1e-13 * want
    assert verdict(k, row["q"], n, a, b) == "exact"


def test_summed_lower_ppf_against_closed_forms():
    """Uniform law (a = b = 1: CDF (j + 1) / (n + 1)) and n = 1 (P(X = 1) = a / (a + b))."""
    n = np.array([9.0, 9.0, 1.0, 1.0, 1.0])
    a = np.array([1.0, 1.0, 3.0, 3.0, 1e7])
    b = np.array([1.0, 1.0, 1.0, 1.0, 1e7])
    t = np.array([0.25, 0.3, 0.2, 0.3, 0.5 - 1e-6])
    lo, k, hi = summed_lower_ppf(t, n, a, b)
    # 0.25 -> j = 2 (0.3 >= 0.25); 0.3 is a tie with C(2) = 3/10 (within rounding);
    # P(X = 0) = 1/4 for Beta(3, 1); P(X = 0) = 1/2 for the symmetric law
    np.testing.assert_array_equal(k[[0, 2, 3, 4]], [2, 0, 1, 0])
    np.testing.assert_array_equal(lo[[0, 2, 3, 4]], hi[[0, 2, 3, 4]])
    assert lo[1] <= 2 <= hi[1]


# ---------------------------------------------------------------- random rows


def _shape_row(log_s: float, log_p: float, mirror: bool) -> tuple[float, float]:
    s, p = 10.0**log_s, 10.0**log_p
    if mirror:
        p = 1.0 - p
    return p * s, (1.0 - p) * s


def _bracket(k: int, q: float, n: int, a: float, b: float) -> tuple[int, int]:
    """Where the exact quantile must lie: ``k`` itself for ``n <= N_EXACT``, else within
    the kernel's stated tolerance ``max(1, 0.001 sd)``."""
    if n <= N_EXACT:
        return k, k
    sd = float(np.sqrt(stats.betabinom.stats(n, a, b, moments="v")))
    tol = max(1, int(np.floor(0.001 * sd)))
    return max(k - tol, 0), min(k + tol, n)


def _check_row(a: float, b: float, n: int, q: float, contract: bool = True) -> list[str]:
    """Verdicts of the references on the kernel's answer: is it the exact quantile
    (``contract=False``), or within the contract (exact for n <= N_EXACT, tolerance above)?
    The quad reference only where both shapes are >= 1: for a shape near 0 the logit-Beta
    density has a tail like exp(-shape |t|), beyond what quad resolves."""
    k = int(betabinom_ppf(q, n, a, b))
    lo, hi = _bracket(k, q, n, a, b) if contract else (k, k)
    refs = [best_tail(n)] + ([quad_tail] if min(a, b) >= 1.0 else [])
    return [verdict(lo, q, n, a, b, k_top=hi, tail=ref) for ref in refs]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          derandomize=True)
@given(log_s=st.floats(-1.0, 8.0), log_p=st.floats(-6.0, np.log10(0.5)), mirror=st.booleans(),
       log_n=st.floats(0.0, 6.0), q=st.sampled_from(LEVELS))
def test_kernel_is_the_exact_quantile(log_s, log_p, mirror, log_n, q):
    """Random rows: no reference proves the kernel outside its contract."""
    a, b = _shape_row(log_s, log_p, mirror)
    n = int(np.floor(10.0**log_n))
    assert "wrong" not in _check_row(a, b, n, q), (a, b, n, q)


def test_kernel_is_the_exact_quantile_sampled_rows():
    """The same on 200 seeded rows, asking for the exact quantile on every row (n up to
    1e6; above N_EXACT the contract allows max(1, 0.001 sd), yet answers are usually
    exact): rows no reference could settle, and inexact rows above N_EXACT, are counted."""
    rng = np.random.default_rng(2026)
    unsure = inexact_large = far_upper = large = 0
    for _ in range(200):
        a, b = _shape_row(rng.uniform(-1.0, 8.0), rng.uniform(-6.0, np.log10(0.5)),
                          bool(rng.integers(2)))
        n = int(np.floor(10.0 ** rng.uniform(0.0, 6.0)))
        q = float(rng.choice(LEVELS))
        far_upper += q > 1 - 1e-5
        large += n > N_EXACT
        v = _check_row(a, b, n, q, contract=False)
        if "wrong" in v:
            assert n > N_EXACT, (a, b, n, q)
            inexact_large += 1
            assert "wrong" not in _check_row(a, b, n, q), (a, b, n, q)
        elif "exact" not in v:
            unsure += 1
    assert unsure <= 3, unsure
    assert inexact_large <= 2, inexact_large
    assert far_upper >= 40 and large >= 40


@pytest.mark.parametrize("a, b", [(1e-6, 1.0), (1.0, 1e-6), (0.5, 0.5), (3.0, 7.0),
                                  (1e3, 1e8 - 1e3), (1e8 - 10.0, 10.0), (5e7, 5e7)])
def test_n_one_is_bernoulli(a, b):
    """n = 1: P(X = 0) = b / (a + b) exactly, so the quantile is 0 iff q <= b / (a + b)
    (compared in rational arithmetic), also at q one ulp either side of that value."""
    p0 = Fraction(b) / (Fraction(a) + Fraction(b))
    edge = float(p0)
    levels = [*LEVELS, edge, np.nextafter(edge, 0.0), np.nextafter(edge, 1.0)]
    for q in levels:
        if not 0.0 < q < 1.0:
            continue
        want = 0 if Fraction(q) <= p0 else 1
        assert int(betabinom_ppf(q, 1, a, b)) == want, (q, a, b)


@pytest.mark.parametrize("a, b", [(2.0, 5.0), (0.3 * 1e6, 0.7 * 1e6), (1e-5 * 1e7, 1e7),
                                  (1e7, 1e-5 * 1e7), (50.0, 3.0)])
def test_n_one_billion_far_tails_within_contract(a, b):
    """n = 1e9 (far above N_EXACT): every level, p near 0 and 1, within max(1, 0.001 sd)
    of the exact quantile by the quad reference (shapes >= 1)."""
    n = 10**9
    for q in LEVELS:
        k = int(betabinom_ppf(q, n, a, b))
        lo, hi = _bracket(k, q, n, a, b)
        assert verdict(lo, q, n, a, b, k_top=hi, tail=quad_tail) != "wrong", (q, k)


# ---------------------------------------------------------------- through estimate()


def test_estimate_far_tail_interval_is_exact():
    """The report's call: Beta(100, 1e7 - 100), 10^4 patients, 1 - 2e-9 interval."""
    dist = sm.Proportion.beta(100, 1e7 - 100, label="x")
    res = sm.estimate([10_000], dist, confidence_level=1 - 2e-9)
    assert (int(res["pi_lower"].iloc[0]), int(res["pi_upper"].iloc[0])) == (0, 6)
    assert verdict(6, 1 - 1e-9, 10_000, 100.0, 1e7 - 100) == "exact"
    assert verdict(0, 1e-9, 10_000, 100.0, 1e7 - 100) == "exact"


@pytest.mark.parametrize("row", [r for r in REFERENCE["rows"] if r["q"] == 1 - 1e-9][:6],
                         ids=lambda r: f"{r['a']:.3g}-{r['n']}")
def test_estimate_far_tail_matches_table(row):
    dist = sm.Proportion.beta(row["a"], row["b"], label="x")
    res = sm.estimate([row["n"]], dist, confidence_level=1 - 2e-9)
    assert int(res["pi_upper"].iloc[0]) == row["k"]
    assert res["method"].iloc[0] == "exact"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          derandomize=True)
@given(log_s=st.floats(-1.0, 8.0), log_p=st.floats(-6.0, np.log10(0.5)), mirror=st.booleans(),
       log_n=st.floats(0.0, 4.0))
def test_estimate_far_tail_interval_is_exact_property(log_s, log_p, mirror, log_n):
    """Through ``estimate(..., confidence_level=1 - 2e-9)``: both bounds are the exact
    quantiles at the levels estimate() uses, ``(1 - level) / 2`` and ``1 -`` that."""
    a, b = _shape_row(log_s, log_p, mirror)
    n = int(np.floor(10.0**log_n))
    level = 1 - 2e-9
    tail = (1 - level) / 2
    res = sm.estimate([n], sm.Proportion.beta(a, b, label="x"), confidence_level=level)
    assert res["method"].iloc[0] == "exact"
    for col, q in (("pi_lower", tail), ("pi_upper", 1.0 - tail)):
        k = int(res[col].iloc[0])
        assert k == int(betabinom_ppf(q, n, a, b))
        assert verdict(k, q, n, a, b, tail=best_tail(n)) != "wrong", (col, a, b, n, k)
