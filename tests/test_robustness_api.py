"""Robustness of the public Python API (issue 16, items 1-3).

Every public function (``spinemets.__all__`` except the planning entry points, which
tests/test_planning.py drives, and the command line, tests/test_cli.py) is driven with
generated bad and extreme input: wrong types, NaN and infinities, wrong signs, magnitudes from
1e-300 to 1e300, percent typed for a fraction, per-100,000 typed for per-person, colliding
column names, empty and one-row tables. The only acceptable outcomes are

* a correct result: finite numbers, counts that are whole, >= 0 and ordered, an "exact" label
  only where the exact engine covers the law; or
* ``ValueError`` / ``TypeError`` / ``SpinemetsError`` whose message names the argument at
  fault and the value received (:func:`check_error`).

Then one ``test_regression_*`` per defect these properties found, and the resource limits of
``spinemets._validation`` checked one by one. Hypothesis runs the profile chosen in
tests/conftest.py (quick by default, with its per-example deadline).
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Sequence
from datetime import timedelta
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy import stats

import spinemets as sm
from spinemets import _validation

ACCEPTED = (ValueError, TypeError, sm.SpinemetsError)

# ------------------------------------------------------------------ the one way to judge


def check_error(exc: BaseException, arguments: str | Sequence[str]) -> None:
    """``exc`` is an accepted error whose message names one of ``arguments`` and a value.

    A message "names the value" when it says what it got (``got ...``) or quotes it.
    """
    names = [arguments] if isinstance(arguments, str) else list(arguments)
    assert isinstance(exc, ACCEPTED), f"{type(exc).__name__}: {exc}"
    text = str(exc)
    assert any(re.search(rf"(?<![A-Za-z_]){re.escape(n)}(?![A-Za-z_])", text) for n in names), (
        f"message does not name any of {names}: {text!r}")
    assert "got" in text or "'" in text or "=" in text, f"message names no value: {text!r}"


def attempt(call: Callable[[], Any]) -> tuple[Any, BaseException | None]:
    """Run ``call``: (result, None), or (None, the accepted error). Any other exception fails."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sm.SpinemetsWarning)
        try:
            return call(), None
        except ACCEPTED as exc:
            return None, exc


def check_value(value: Any) -> None:
    """A Proportion/Rate that is usable: finite mean, median and interval inside the support."""
    assert isinstance(value, (sm.Proportion, sm.Rate))
    lo, hi = value.interval(0.95)
    top = 1.0 if isinstance(value, sm.Proportion) else math.inf
    for x in (value.mean, value.median, lo, hi):
        assert math.isfinite(x) and 0.0 <= x <= top, (x, value)
    assert lo <= value.median <= hi


def check_counts(table: pd.DataFrame, sizes: np.ndarray | None = None) -> None:
    """Rows of estimate-like results: finite, non-negative, ordered, whole predictive bounds."""
    cols = ["mean", "median", "ci_lower", "ci_upper", "pi_lower", "pi_upper"]
    values = table[cols].to_numpy(dtype=float)
    assert np.isfinite(values).all(), table[cols]
    assert (values >= 0).all(), table[cols]
    assert (table["ci_lower"] <= table["ci_upper"] + 1e-9 * table["ci_upper"]).all()
    assert (table["pi_lower"] <= table["pi_upper"]).all()
    for col in ("pi_lower", "pi_upper"):
        assert (table[col] == np.floor(table[col])).all()
    assert set(table["method"]) <= {"exact", "monte_carlo"}
    if sizes is not None:  # a count of a proportion never exceeds the cohort
        assert (table["pi_upper"].to_numpy() <= sizes).all()


# ------------------------------------------------------------------ generated input

MAGNITUDES = st.builds(lambda s, e, m: s * m * 10.0**e, st.sampled_from([-1.0, 1.0]),
                       st.integers(-300, 300), st.floats(1.0, 9.99))
SPECIAL = st.sampled_from([0.0, -0.0, math.nan, math.inf, -math.inf, 1e-300, 1e300, -1.0,
                           5e-324, 1.7976931348623157e308])
SLIPS = st.sampled_from([30, 85, 100, 45.5, 100_000, 22.9])  # percent / per-100,000 slips
WRONG_TYPES = st.sampled_from([None, "0.3", "abc", "", b"1", [0.3], (1, 2), {"a": 1}, True,
                               False, 1 + 2j, object(), np.array([1.0, 2.0]), pd.NA])
WILD = st.one_of(MAGNITUDES, SPECIAL, SLIPS, WRONG_TYPES, st.integers(-2**70, 2**70),
                 st.floats(), st.builds(Fraction, st.integers(-10, 10), st.integers(1, 10)),
                 st.floats(0, 1), st.integers(0, 1000), st.builds(np.float64, st.floats()),
                 st.builds(np.int64, st.integers(-2**63, 2**63 - 1)))
PLAIN = st.one_of(st.floats(1e-3, 1.0), st.integers(1, 500))

PARAM_IDS = ["spinal_mets_autopsy", "bone_mets_autopsy", "mscc_given_spinal_mets",
             "spinal_mets_rate", "mscc_rate", "bone_mets_at_diagnosis"]
SITE_NAMES = ["breast", "prostate", "lung", "kidney", "all", "nonsense", "", None, 3]


def _laws() -> st.SearchStrategy[Any]:
    """Proportions and Rates, standard and not, extreme and not."""
    shapes = st.one_of(st.floats(1e-3, 1e3), st.sampled_from([1e-100, 1e-6, 1e8, 1e9]))
    return st.one_of(
        st.builds(sm.Proportion.beta, shapes, shapes),
        st.builds(sm.Rate.gamma, shapes, st.floats(1.0, 1e9)),
        st.builds(sm.Proportion.logit_normal, st.floats(-30, 30), st.floats(0.01, 5)),
        st.builds(lambda a, b, s: sm.Proportion(stats.beta(a, b, scale=s)),
                  st.floats(0.5, 50), st.floats(0.5, 50), st.floats(0.1, 1.0)),
        st.builds(lambda a, s: sm.Rate(stats.gamma(a, 0, s)),
                  st.floats(0.5, 50), st.floats(1e-8, 1e-2)),
        st.just(sm.Proportion(stats.uniform(0.1, 0.5))),
        st.just(sm.Rate(stats.expon(scale=1e-4))),
        st.builds(lambda p, q: p * q, st.builds(sm.Proportion.beta, st.floats(1, 50),
                                                st.floats(1, 50)),
                  st.just(sm.Proportion.logit_normal(-1.0, 0.4))),
        st.builds(lambda w: sm.Proportion.mixture(
            [sm.Proportion.beta(2, 8), sm.Proportion(stats.beta(2, 2, scale=0.5))], [w, 1]),
            st.floats(0, 5)),
    )


def _cohorts(size_column: str) -> st.SearchStrategy[Any]:
    sizes = st.one_of(st.integers(0, 10**6), st.sampled_from([0, 1, 2**52, 2**53, -1]),
                      st.floats(allow_nan=True, allow_infinity=True), MAGNITUDES)
    frames = st.builds(
        lambda values, site, extra: pd.DataFrame(
            {size_column: values, **({"primary_site": [site] * len(values)} if site else {}),
             **({extra: [1] * len(values)} if extra else {})}),
        st.lists(sizes, min_size=0, max_size=3),
        st.sampled_from([None, "breast", "lung", "nonsense"]),
        st.sampled_from([None, "hospital", "mean", "method", "seed", "encoding", "outcome",
                         "pi_upper"]))
    return st.one_of(sizes, st.lists(sizes, max_size=3), frames, WRONG_TYPES)


# ------------------------------------------------------------------ encoders


ENCODERS: dict[str, tuple[Callable[..., Any], tuple[str, ...]]] = {
    "beta_from_counts": (sm.beta_from_counts, ("events", "total", "prior")),
    "beta_from_value": (sm.beta_from_value, ("value", "effective_total", "prior")),
    "beta_from_range": (sm.beta_from_range, ("low", "high", "confidence_level", "method")),
    "gamma_from_counts": (sm.gamma_from_counts, ("events", "person_years")),
    "gamma_from_interval": (sm.gamma_from_interval, ("low", "high", "confidence_level")),
    "gamma_from_mean": (sm.gamma_from_mean, ("mean", "cv")),
}


@given(name=st.sampled_from(sorted(ENCODERS)), data=st.data())
def test_encoders_give_a_usable_law_or_name_the_argument(name, data):
    func, arguments = ENCODERS[name]
    values = []
    for arg in arguments:
        if arg == "method":
            values.append(data.draw(st.sampled_from(["quantile", "maxent", "bogus", 3])))
        elif arg == "prior":
            values.append(data.draw(st.one_of(st.tuples(WILD, WILD), WILD, st.just((0.5, 0.5)))))
        else:
            values.append(data.draw(st.one_of(WILD, PLAIN), label=arg))
    result, exc = attempt(lambda: func(*values))
    if exc is not None:
        check_error(exc, [*arguments, "prior[0]", "prior[1]", "a", "b", "shape",
                          "inverse_scale", "range", "interval"])
    else:
        check_value(result)


@given(kind=st.sampled_from(["events", "rate", "interval", "cv", "mixed"]), data=st.data())
def test_gamma_from_rate_dispatch_gives_a_rate_or_names_the_argument(kind, data):
    keys = {"events": ("events", "person_years"), "rate": ("rate", "cv"),
            "interval": ("low", "high"), "cv": ("rate", "cv"),
            "mixed": ("events", "rate", "low")}[kind]
    kwargs = {k: data.draw(st.one_of(WILD, PLAIN), label=k) for k in keys}
    result, exc = attempt(lambda: sm.gamma_from_rate(**kwargs))
    if exc is not None:
        check_error(exc, [*keys, "person_years", "cv", "high", "low", "shape",
                          "inverse_scale", "interval", "mean"])
    else:
        check_value(result)


# ------------------------------------------------------------------ value types


@given(a=WILD, b=WILD, family=st.sampled_from(["beta", "gamma", "logit_normal"]))
def test_value_constructors_refuse_bad_parameters(a, b, family):
    make = {"beta": sm.Proportion.beta, "gamma": sm.Rate.gamma,
            "logit_normal": sm.Proportion.logit_normal}[family]
    names = {"beta": ("a", "b"), "gamma": ("shape", "inverse_scale"),
             "logit_normal": ("mu", "sigma")}[family]
    result, exc = attempt(lambda: make(a, b))
    if exc is not None:
        check_error(exc, names)
    else:
        check_value(result)


DISTS = st.one_of(
    st.builds(lambda a, b, loc, scale: stats.beta(a, b, loc, scale),
              st.one_of(MAGNITUDES, PLAIN), st.one_of(MAGNITUDES, PLAIN),
              st.sampled_from([0.0, 0.1, -0.5]), st.sampled_from([1.0, 0.5, 2.0])),
    st.builds(lambda a, scale: stats.gamma(a, 0, scale), st.one_of(MAGNITUDES, PLAIN),
              st.one_of(MAGNITUDES, PLAIN)),
    st.sampled_from([stats.uniform(), stats.norm(), stats.cauchy(), stats.expon(),
                     stats.truncnorm(-1, 1, 0.5, 0.1), stats.beta(-1, 2), stats.poisson(3),
                     stats.beta([1.0, 2.0], 3.0)]),
    WRONG_TYPES,
)


@given(dist=DISTS, cls=st.sampled_from([sm.Proportion, sm.Rate]))
def test_any_scipy_law_is_accepted_with_its_support_or_refused(dist, cls):
    result, exc = attempt(lambda: cls(dist))
    if exc is not None:
        check_error(exc, ["dist", "dist a", "dist b", "dist shape"])
    else:
        check_value(result)


@given(n=st.integers(0, 1200), weights=st.one_of(WILD, st.lists(WILD, max_size=3),
                                                 st.lists(st.floats(0, 10), max_size=3)))
def test_mixture_weights_and_sizes(n, weights):
    parts = [sm.Proportion.beta(2, 8), sm.Proportion.beta(8, 2)][: max(1, n % 3)]
    parts = parts * (n // 2 + 1) if n > 1000 else parts
    result, exc = attempt(lambda: sm.Proportion.mixture(parts, weights))
    if exc is not None:
        check_error(exc, ["weights", "components"])
    else:
        check_value(result)


# Shapes up to 1e6 only: a product table whose factor has shapes near 1e12 takes several
# seconds to build (scipy's Beta cdf at such shapes), beyond the per-example deadline.
SHAPES = st.one_of(st.floats(1e-100, 1e6), st.sampled_from([1e-100, 1e-3, 0.05, 1.0, 1e6]))


@given(a1=SHAPES, b1=SHAPES, a2=SHAPES, b2=SHAPES, rate=st.booleans())
def test_products_give_a_law_or_name_the_factor(a1, b1, a2, b2, rate):
    x = sm.Rate.gamma(a1, b1 * 1e4) if rate else sm.Proportion.beta(a1, b1)
    y = sm.Proportion.beta(a2, b2)
    result, exc = attempt(lambda: x * y)
    if exc is not None:
        check_error(exc, "cannot form the product")
        return
    assert isinstance(result, sm.Rate if rate else sm.Proportion)
    assert result.mean == pytest.approx(x.mean * y.mean, rel=1e-9)
    lo, hi = result.interval(0.95)
    assert 0.0 <= lo <= hi and math.isfinite(hi)


# ------------------------------------------------------------------ estimates


def _outcome_strategy() -> st.SearchStrategy[Any]:
    return st.one_of(_laws(), st.sampled_from(PARAM_IDS), WRONG_TYPES,
                     st.sampled_from(["no_such_parameter", "SPINAL_METS_AUTOPSY"]))


def _size_column(outcome: Any) -> str:
    rate = isinstance(outcome, sm.Rate) or (isinstance(outcome, str)
                                            and outcome in ("spinal_mets_rate", "mscc_rate"))
    return "person_years" if rate else "n"


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(outcome=_outcome_strategy(), data=st.data(),
       level=st.one_of(st.just(0.95), st.floats(0.5, 0.999), WILD),
       method=st.sampled_from(["auto", "exact", "monte_carlo", "bogus", None]),
       draws=st.one_of(st.sampled_from([100, 500]), WILD))
def test_estimate_gives_sound_counts_or_names_the_argument(outcome, data, level, method,
                                                           draws):
    cohort = data.draw(_cohorts(_size_column(outcome)), label="cohort")
    result, exc = attempt(lambda: sm.estimate(cohort, outcome, confidence_level=level,
                                              method=method, draws=draws, rng=1))
    if exc is not None:
        check_error(exc, ["cohort", "outcome", "confidence_level", "method", "draws", "n",
                          "person_years", "primary_site", "dist", "parameter id"])
        return
    sizes = result["n"].to_numpy() if "n" in result else None
    check_counts(result, sizes)
    if isinstance(outcome, (sm.Proportion, sm.Rate)):
        exact = _validation_covers(outcome)
        assert set(result["method"]) == ({"exact"} if exact and method != "monte_carlo"
                                         else {"monte_carlo"})


def _validation_covers(value: sm.Proportion | sm.Rate) -> bool:
    from spinemets._values import standard_law

    return standard_law(value.dist) is not None


@given(outcome=_outcome_strategy(), data=st.data(),
       method=st.sampled_from(["auto", "exact", "monte_carlo"]))
def test_estimate_total_gives_a_sound_total_or_names_the_argument(outcome, data, method):
    cohort = data.draw(_cohorts(_size_column(outcome)), label="cohort")
    result, exc = attempt(lambda: sm.estimate_total(cohort, outcome, method=method, draws=500,
                                                    rng=2))
    if exc is not None:
        check_error(exc, ["cohort", "outcome", "method", "n", "person_years", "primary_site",
                          "dist", "parameter id"])
        return
    assert len(result) == 1
    check_counts(result, result["n"].to_numpy() if "n" in result else None)


@given(outcome=st.one_of(st.sampled_from(PARAM_IDS), WRONG_TYPES), data=st.data())
def test_sensitivity_gives_sound_counts_or_names_the_argument(outcome, data):
    cohort = data.draw(_cohorts(_size_column(outcome)), label="cohort")
    result, exc = attempt(lambda: sm.sensitivity(cohort, outcome, draws=200, rng=3))
    if exc is not None:
        check_error(exc, ["cohort", "outcome", "n", "person_years", "primary_site",
                          "parameter id"])
        return
    check_counts(result)
    assert result["is_default"].sum() >= 1


# ------------------------------------------------------------------ synthesis


COUNT_LISTS = st.one_of(st.lists(st.one_of(st.integers(0, 50), WILD), min_size=0, max_size=4),
                        WILD)


@given(events=COUNT_LISTS, totals=COUNT_LISTS,
       method=st.sampled_from(["wilson", "exact", "lrt", "logit", "jeffreys", "bogus"]),
       level=st.one_of(st.just(0.95), WILD))
def test_proportion_ci_gives_fractions_or_names_the_argument(events, totals, method, level):
    result, exc = attempt(lambda: sm.proportion_ci(events, totals, level, method=method))
    if exc is not None:
        check_error(exc, ["events", "total", "method", "confidence_level"])
        return
    lims = result[["estimate", "ci_lower", "ci_upper"]].to_numpy(dtype=float)
    assert np.isfinite(lims).all() and (lims >= 0).all() and (lims <= 1).all()
    assert (result["ci_lower"] <= result["ci_upper"]).all()


@given(effects=st.one_of(st.lists(st.one_of(st.floats(-5, 5), WILD), max_size=4), WILD),
       variances=st.one_of(st.lists(st.one_of(st.floats(1e-3, 1), WILD), max_size=4), WILD),
       method=st.sampled_from(["REML", "DL", "PM", "ML", "FE", "bayes", "bogus"]),
       kh=st.sampled_from([False, True, 1]))
def test_pool_gives_finite_summaries_or_names_the_argument(effects, variances, method, kh):
    result, exc = attempt(lambda: sm.pool(effects, variances, method=method, knapp_hartung=kh))
    if exc is not None:
        check_error(exc, ["effects", "variances", "method", "knapp_hartung"])
        return
    for name in ("estimate", "se", "ci_lower", "ci_upper", "tau2"):
        assert math.isfinite(getattr(result, name)), name
    assert result.tau2 >= 0 and result.ci_lower <= result.estimate <= result.ci_upper


@given(events=COUNT_LISTS, totals=COUNT_LISTS,
       method=st.sampled_from(["REML", "DL", "bayes", "bogus"]))
def test_pool_proportions_gives_fractions_or_names_the_argument(events, totals, method):
    result, exc = attempt(lambda: sm.pool_proportions(events, totals, method=method))
    if exc is not None:
        check_error(exc, ["events", "totals", "method", "variances", "effects"])
        return
    for x in (result.estimate, result.ci_lower, result.ci_upper):
        assert math.isfinite(x) and 0 <= x <= 1


@given(values=st.tuples(*[st.one_of(st.floats(0, 1), WILD,
                                    st.builds(sm.Proportion.beta, st.floats(0.5, 100),
                                              st.floats(0.5, 100)))] * 3),
       draws=st.one_of(st.just(2000), WILD))
def test_true_prevalence_gives_a_fraction_or_names_the_argument(values, draws):
    ap, se, sp = values
    result, exc = attempt(lambda: sm.true_prevalence(ap, se, sp, draws=draws, rng=4))
    if exc is not None:
        check_error(exc, ["apparent", "sensitivity", "specificity", "draws"])
        return
    for x in (result.estimate, result.ci_lower, result.ci_upper):
        assert math.isfinite(x) and 0 <= x <= 1


# ------------------------------------------------------------------ catalogue and parameters


@given(arg=st.one_of(WRONG_TYPES, st.sampled_from(["", " ", "/nonexistent/x.csv", "."])))
def test_catalogue_readers_refuse_bad_paths(arg):
    for func, name in ((sm.evidence, "path"), (sm.claims, "path"),
                       (sm.build_parameters, "definitions")):
        try:
            func(arg)
        except (FileNotFoundError, IsADirectoryError) as exc:  # a path that names no file
            assert "not found" in str(exc) or "directory" in str(exc).lower()
        except ACCEPTED as exc:
            check_error(exc, [name, "definitions", "path"])


@given(pid=st.one_of(st.sampled_from(PARAM_IDS), WRONG_TYPES),
       site=st.sampled_from(SITE_NAMES), horizon=st.one_of(st.none(), WILD))
def test_parameter_lookup_gives_a_value_or_names_the_argument(pid, site, horizon):
    result, exc = attempt(lambda: sm.parameter(pid, site, horizon))
    if exc is not None:
        check_error(exc, ["id", "primary_site", "horizon_years", "parameter"])
    else:
        check_value(result)


@given(level=WILD)
def test_parameters_table_level(level):
    result, exc = attempt(lambda: sm.parameters(level))
    if exc is not None:
        check_error(exc, "confidence_level")
    else:
        assert np.isfinite(result[["mean", "ci_lower", "ci_upper"]].to_numpy(float)).all()


_EVIDENCE = sm.evidence()
_FIELDS = ["events", "total", "value", "low", "high", "kind", "unit", "id", "primary_site",
           "doi", "horizon_years", "interval", "events_derived"]


@settings(max_examples=max(5, settings().max_examples // 4))
@given(row=st.integers(0, len(_EVIDENCE) - 1), field=st.sampled_from(_FIELDS),
       value=st.one_of(WILD, st.sampled_from(["=1+1", "@SUM(A1)", "\ufeff0.3", "-0.1", "nan",
                                               "SEED-06"])))
def test_audit_with_a_damaged_evidence_table_names_row_and_field(row, field, value):
    table = _EVIDENCE.copy()
    table[field] = table[field].astype(object)
    table.at[row, field] = value
    result, exc = attempt(lambda: sm.reproduce(evidence_table=table))
    if exc is not None:
        # the damaged table (evidence_table: row, field, value), or a claim that now points
        # at a missing or changed row (claims.csv: row, field, value)
        assert isinstance(exc, sm.CatalogueError), exc
        text = str(exc)
        assert (re.search(r"row '[^']*', field '[^']*'", text) and "got" in text) or (
            "evidence_table: a row has an empty 'id'" in text) or (
            re.search(r"evidence_table: row '[^']*', field 'id': duplicate id", text)), text
        return
    frame = result.to_frame()
    assert len(frame) > 0 and frame["verdict"].notna().all()


@given(keep=st.integers(0, 3), table=st.sampled_from(["evidence", "claims"]))
def test_audit_with_small_tables(keep, table):
    full = sm.evidence() if table == "evidence" else sm.claims()
    part = full.iloc[:keep]
    kwargs = {f"{table}_table": part}
    result, exc = attempt(lambda: sm.reproduce(**kwargs))
    if exc is not None:
        assert isinstance(exc, sm.CatalogueError)
        assert f"{table}_table" in str(exc) or "evidence" in str(exc)
    else:
        assert set(result.to_frame()["claim_id"]) <= set(sm.claims()["id"])


# ------------------------------------------------------------------ display, provenance, sweep


@given(table=st.one_of(WRONG_TYPES, st.just(pd.DataFrame()), st.just(pd.DataFrame({"x": [1]})),
                       st.just(pd.DataFrame({"mean": [math.nan], "n": [-1]}))))
def test_show_and_provenance_refuse_what_they_cannot_read(table):
    for func, name in ((sm.provenance, "table"), (sm.show, "df")):
        _, exc = attempt(lambda func=func: func(table))
        if exc is not None:
            check_error(exc, [name, "table", "df"])


@given(scenarios=st.one_of(WRONG_TYPES, st.just({}), st.dictionaries(
    st.sampled_from(["a", "b"]), st.one_of(WRONG_TYPES, st.fixed_dictionaries(
        {"cohort": st.sampled_from([10, -1, math.nan]),
         "outcome": st.sampled_from(["spinal_mets_autopsy", "nope"])})), max_size=2)))
def test_sweep_runs_scenarios_or_names_the_argument(scenarios):
    result, exc = attempt(lambda: sm.sweep(sm.estimate, scenarios))
    if exc is not None:
        check_error(exc, ["scenarios", "cohort", "outcome", "n", "scenario", "parameter id",
                          "keyword argument"])
        if isinstance(scenarios, dict) and scenarios and "scenario" not in str(exc):
            assert any("in scenario" in note for note in getattr(exc, "__notes__", []))
    else:
        check_counts(result)


# ------------------------------------------------------------------ regressions


def test_regression_scaled_beta_is_not_reported_exact():
    # Beta(2, 8) on [0, 0.5]: the exact engine read it as Beta(2, 8) on [0, 1] and gave a
    # predictive interval of 2-50 for a mean of 10, 'exact'. Now Monte Carlo, and checked
    # against a plain simulation of the same model (p = 0.5 * Beta(2, 8), X ~ Bin(100, p)).
    law = sm.Proportion(stats.beta(2, 8, scale=0.5))
    res = sm.estimate(100, law, draws=200_000, rng=11)
    assert res["method"].tolist() == ["monte_carlo"]
    g = np.random.default_rng(12)
    sim = g.binomial(100, 0.5 * g.beta(2, 8, size=400_000))
    ref = np.quantile(sim, [0.025, 0.975], method="inverted_cdf")
    # quantiles of a count at n=100 from 2e5 draws: Monte Carlo error well under one count
    assert abs(res["pi_lower"].iloc[0] - ref[0]) <= 1
    assert abs(res["pi_upper"].iloc[0] - ref[1]) <= 1
    with pytest.raises(ValueError, match=r"method='exact'.*beta\(2, 8, scale=0.5\)") as info:
        sm.estimate(100, law, method="exact")
    check_error(info.value, "method")


def test_regression_gamma_with_positional_scale_is_read_correctly():
    # stats.gamma(2, 0, 1e-4): the scale was given by position and read as 1, so the exact
    # counts were those of a rate 10,000 times larger.
    positional = sm.Rate(stats.gamma(2, 0, 1e-4))
    assert positional.inverse_scale == pytest.approx(1e4, rel=1e-15)
    res = sm.estimate(1e5, positional)
    # negative binomial: r = 2, p = rate / (rate + exposure) = 1e4 / (1e4 + 1e5)
    ref = stats.nbinom.ppf([0.025, 0.975], 2, 1e4 / 1.1e5)
    assert res["method"].tolist() == ["exact"]
    assert [res["pi_lower"].iloc[0], res["pi_upper"].iloc[0]] == ref.tolist()


def test_regression_exact_covers_only_standard_laws():
    from spinemets._values import standard_law

    assert standard_law(stats.beta(2, 8)) == ("beta", (2.0, 8.0))
    assert standard_law(stats.beta(a=2, b=8)) == ("beta", (2.0, 8.0))
    assert standard_law(stats.gamma(3, scale=0.5)) == ("gamma", (3.0, 0.5))
    for other in (stats.beta(2, 8, loc=0.1, scale=0.5), stats.uniform(), stats.expon(),
                  stats.gamma(2, 1.0, 1.0)):
        assert standard_law(other) is None
    mixed = sm.Proportion.mixture([sm.Proportion.beta(2, 8),
                                   sm.Proportion(stats.uniform(0, 0.5))], [1, 1])
    assert standard_law(mixed.dist) is None  # one uncovered part: the mixture is not covered
    assert sm.estimate(50, mixed, draws=500, rng=1)["method"].tolist() == ["monte_carlo"]
    # a total over several strata of an uncovered law is simulated, never convolved
    cohort = pd.DataFrame({"n": [40, 60], "primary_site": ["a", "b"]})
    tot = sm.estimate_total(cohort[["n"]], sm.Proportion(stats.beta(2, 8, scale=0.5)),
                            draws=500, rng=1)
    assert tot["method"].tolist() == ["monte_carlo"]


def test_regression_huge_beta_shapes_are_refused_before_wrong_intervals():
    # Beta(1e12, 9e12) gave a predictive interval of 82-115 at n = 1000 (binomial: 82-119);
    # the kernel's CDF drifts from about a + b = 1e9 (see MAX_SHAPE).
    ok = sm.estimate(1000, sm.Proportion.beta(1e8, 9e8))
    assert [ok["pi_lower"].iloc[0], ok["pi_upper"].iloc[0]] == stats.binom.ppf(
        [0.025, 0.975], 1000, 0.1).tolist()  # sd of p 1e-5: the binomial's quantiles
    for a, b in ((2e9, 1.8e10), (1e12, 9e12), (1e300, 1.0)):
        with pytest.raises(ValueError) as info:
            sm.Proportion.beta(a, b)
        check_error(info.value, ["a", "b"])
    with pytest.raises(ValueError) as info:
        sm.Proportion(stats.beta(2.0, 1e13))
    check_error(info.value, "dist b")
    with pytest.raises(ValueError) as info:
        sm.beta_from_counts(10**13, 10**13 + 5)
    check_error(info.value, "a")


@pytest.mark.parametrize("column", ["mean", "method", "seed", "encoding", "outcome",
                                    "pi_upper", "mc_error"])
def test_regression_colliding_cohort_columns_are_refused(column):
    cohort = pd.DataFrame({"n": [10, 20], column: ["mine", "mine"]})
    with pytest.raises(ValueError, match=rf"cohort column '{column}' collides") as info:
        sm.estimate(cohort, "spinal_mets_autopsy")
    check_error(info.value, "cohort")
    with pytest.raises(ValueError, match="collides"):
        sm.sensitivity(cohort, "spinal_mets_autopsy")
    with pytest.raises(ValueError, match="'alternative' collides"):
        sm.sensitivity(pd.DataFrame({"n": [10], "alternative": [1]}), "spinal_mets_autopsy")
    with pytest.raises(ValueError, match="more than once"):
        sm.estimate(pd.DataFrame([[1, 2]], columns=["n", "n"]), "spinal_mets_autopsy")


def test_regression_user_tables_are_validated():
    ev = sm.evidence()
    bad = ev.copy()
    bad.loc[bad["id"] == "SEED-06", "value"] = 30.6  # percent for a fraction
    with pytest.raises(sm.CatalogueError,
                       match=r"evidence_table: row 'SEED-06', field 'value'.*30.6"):
        sm.reproduce(evidence_table=bad)
    with pytest.raises(sm.CatalogueError, match=r"evidence_table: .*empty"):
        sm.reproduce(evidence_table=pd.DataFrame())
    with pytest.raises(sm.CatalogueError, match=r"missing column\(s\) \['estimand'"):
        sm.reproduce(evidence_table=ev.drop(columns="estimand"))
    cl = sm.claims()
    cl.loc[0, "claimed_high"] = 40  # percent for a fraction
    with pytest.raises(sm.CatalogueError, match=r"claims_table: row .*'claimed_high'"):
        sm.reproduce(claims_table=cl)
    with pytest.raises(TypeError, match="evidence_table must be a pandas DataFrame"):
        sm.reproduce(evidence_table="evidence.csv")
    # a valid user table is read back unchanged and audited as the shipped one
    assert sm.reproduce(evidence_table=ev).to_frame().equals(sm.reproduce().to_frame())


def test_regression_poor_messages_for_empty_tables_and_paths():
    with pytest.raises(sm.CatalogueError, match="evidence_table: the table is empty"):
        sm.claims(evidence_table=pd.DataFrame())
    with pytest.raises(ValueError, match=r"definitions must be the path .* empty string"):
        sm.build_parameters("")
    with pytest.raises(sm.CatalogueError, match="the table is empty"):
        sm.build_parameters(pd.DataFrame())


def test_regression_huge_exposure_is_refused_up_front():
    # person_years=1e300 looped forever in the negative binomial quantile
    with pytest.raises(ValueError, match=r"'person_years' must be <= 1e\+12") as info:
        sm.estimate(1e300, sm.Rate.gamma(2, 1e4))
    check_error(info.value, "person_years")
    # a per-100,000 figure typed as a rate per person-year, over a large exposure
    with pytest.raises(ValueError, match="per person-year, not per 100,000"):
        sm.estimate(1e12, sm.gamma_from_mean(1e4, 0.5))


def test_regression_pool_extreme_effects_are_refused():
    # effects of +-1e300 raised RuntimeError('could not bracket the REML estimate of tau2');
    # variances of 1e-300 gave I2 = NaN
    with pytest.raises(ValueError, match=r"effects must lie within") as info:
        sm.pool([1e300, -1e300], [1.0, 1.0])
    check_error(info.value, "effects")
    with pytest.raises(ValueError, match=r"variances must lie in") as info:
        sm.pool([1.0, 2.0], [1e-300, 1e-300])
    check_error(info.value, "variances")


def test_regression_mixture_component_limit():
    parts = [sm.Proportion.beta(2, 8)] * (_validation.MAX_COMPONENTS + 1)
    with pytest.raises(ValueError, match="at most 1000") as info:
        sm.Proportion.mixture(parts, [1] * len(parts))
    check_error(info.value, "components")


def test_regression_gamma_from_mean_cv_range():
    lo, hi = _validation.GAMMA_CV_RANGE
    for cv in (lo / 10, hi * 10):
        with pytest.raises(ValueError) as info:
            sm.gamma_from_mean(1e-4, cv)
        check_error(info.value, "cv")
    for cv in (lo, hi):  # the ends are accepted and give usable laws
        check_value(sm.gamma_from_mean(1e-4, cv))


def test_regression_counts_above_the_kernel_limit_are_refused_by_the_cohort_check():
    # n = 2**53 passed the cohort check (2**53) and failed inside the kernel (2**52) with a
    # message naming 'n' and np.float64(...)
    with pytest.raises(ValueError, match=r"cohort column 'n' must be <= 4\.5\d*e\+15"):
        sm.estimate(2**53, sm.Proportion.beta(2, 8))
    res = sm.estimate(2**52, sm.Proportion.beta(2, 8))
    check_counts(res, np.array([2**52]))


def test_regression_products_with_an_underflowing_factor_are_refused():
    # Beta(2, 3) * Beta(0.01, 1): the factor's 1e-12 quantile underflows to 0, and the
    # product raised IndexError (shape 1e-100) or an internal "z and h must be 1-D" error
    for factor in (sm.Proportion.beta(1e-100, 1), sm.Proportion.beta(0.01, 1)):
        with pytest.raises(ValueError, match="cannot form the product with") as info:
            sm.Proportion.beta(2, 3) * factor
        check_error(info.value, "cannot form the product")
    with pytest.raises(ValueError, match=r"Rate.gamma\(0.001, 10000\)"):
        sm.Rate.gamma(1e-3, 1e4) * sm.Proportion.beta(2, 3)
    # still fine: Beta(0.001, 0.001), whose quantiles stay above 0 in float64
    both = sm.Proportion.beta(2, 3) * sm.Proportion.beta(1e-3, 1e-3)
    assert both.mean == pytest.approx(0.4 * 0.5, rel=1e-12)


def test_regression_narrow_range_is_refused_before_the_search():
    # beta_from_range(0.1, 0.1 + 1e-10, method="maxent") searched for minutes
    for method in ("maxent", "quantile"):
        with pytest.raises(sm.EncodingError, match="too narrow") as info:
            sm.beta_from_range(0.1, 0.1 + 1e-10, method=method)
        check_error(info.value, "range")
    # narrow but attainable (a + b about 1.4e8)
    p = sm.beta_from_range(0.1, 0.1 + 1e-4)
    assert p.interval(0.95) == pytest.approx((0.1, 0.1 + 1e-4), abs=1e-9)


def test_regression_pool_prior_scale_and_totals_and_column_levels():
    with pytest.raises(ValueError, match=r"tau_prior_scale must be <= 1e\+50") as info:
        sm.pool([0.1, 0.2], [0.1, 0.1], method="bayes", tau_prior_scale=1e200)
    check_error(info.value, "tau_prior_scale")
    # two strata of 2**52: each within the limit, their total not (was a kernel error on 'n')
    with pytest.raises(ValueError, match=r"'n' must sum to at most") as info:
        sm.estimate_total([2**52, 2**52], sm.Proportion.beta(2, 8))
    check_error(info.value, "n")
    cohort = pd.DataFrame([[10]], columns=pd.MultiIndex.from_tuples([("n", "")]))
    with pytest.raises(ValueError, match="flat column names") as info:  # was a KeyError
        sm.estimate(cohort, sm.Proportion.beta(2, 8))
    check_error(info.value, "cohort")


# ------------------------------------------------------------------ exact at the extremes


def _betabinom_cdf_reference(k: np.ndarray, n: int, a: float, b: float) -> np.ndarray:
    """``P(X <= k)``: scipy's betabinom for ``a + b <= 1e5`` (it drifts above, by 2e-5 at
    1e9), else ``E[Binomial cdf]`` over the Beta by 400-point Gauss-Legendre in its
    quantile (the Beta is then concentrated and the integrand smooth)."""
    if a + b <= 1e5:
        return stats.betabinom.cdf(k, n, a, b)
    u, w = np.polynomial.legendre.leggauss(400)
    p = stats.beta.ppf((u + 1) / 2, a, b)
    return np.array([np.sum(w / 2 * stats.binom.cdf(kk, n, p)) for kk in np.atleast_1d(k)])


# Some examples (a + b above counts.AB_MAX whose binomial limit is not certified: the
# quadrature route) take seconds on a loaded machine; the deadline still catches a hang.
@settings(deadline=timedelta(seconds=60))
@given(a=st.floats(1e-3, 1e9), b=st.floats(1e-3, 1e9), n=st.integers(0, 3000),
       level=st.floats(0.5, 0.999))
def test_exact_beta_counts_match_an_independent_route_at_the_extremes(a, b, n, level):
    # method="auto" answers every valid Beta (no refusal above AB_MAX any more)
    res = sm.estimate(n, sm.Proportion.beta(a, b), confidence_level=level)
    tail = (1 - level) / 2
    got = np.array([res["pi_lower"].iloc[0], res["pi_upper"].iloc[0]])
    # each bound is the smallest k with P(X <= k) >= q, up to the references' error (1e-8)
    at, below = (_betabinom_cdf_reference(got - d, n, a, b) for d in (0, 1))
    for q, c, c1, g in zip((tail, 1 - tail), at, below, got, strict=True):
        assert c >= q - 1e-8 and (g == 0 or c1 < q + 1e-8), (g, q, c, c1)


@given(shape=st.floats(1e-6, 1e9), inverse_scale=st.floats(1e-2, 1e12),
       exposure=st.floats(0, 1e12))
def test_exact_gamma_counts_match_scipy_at_the_extremes(shape, inverse_scale, exposure):
    rate = sm.Rate.gamma(shape, inverse_scale)
    # larger counts are refused up front (test_regression_huge_exposure_is_refused_up_front)
    assume(exposure * rate.ppf(0.975) <= _validation.MAX_EXPECTED_COUNT / 10)
    res = sm.estimate(exposure, rate)
    ref = stats.nbinom.ppf([0.025, 0.975], shape, inverse_scale / (inverse_scale + exposure))
    assert [res["pi_lower"].iloc[0], res["pi_upper"].iloc[0]] == ref.tolist()


# ------------------------------------------------------------------ limits, one by one


def test_limits_are_stated_in_one_place():
    assert _validation.MAX_COUNT == 2**52
    assert _validation.MAX_PERSON_YEARS == 1e12
    assert _validation.MAX_SHAPE == 1e9
    assert _validation.MIN_SHAPE == 1e-100
    assert _validation.MAX_DRAWS == 10_000_000
    assert _validation.MAX_ROWS == 10_000_000
    assert _validation.MAX_COMPONENTS == 1000
    assert _validation.GAMMA_CV_RANGE == (1e-4, 1e3)


def test_limit_draws():
    with pytest.raises(ValueError, match="draws must be <= 10,000,000") as info:
        sm.estimate(10, sm.Proportion.beta(2, 8), method="monte_carlo", draws=10**7 + 1)
    check_error(info.value, "draws")
    with pytest.raises(ValueError, match="draws must be <= 10,000,000"):
        sm.true_prevalence(sm.Proportion.beta(20, 80), 0.9, 0.9, draws=10**8)


@given(size=st.one_of(st.none(), WILD, st.tuples(WILD, WILD),
                     st.sampled_from([10**7 + 1, (10**4, 10**4), 0, (2, 3)])))
def test_rvs_sizes(size):
    result, exc = attempt(lambda: sm.Proportion.beta(2, 8).rvs(size, rng=1))
    if exc is not None:
        check_error(exc, "size")
    else:
        assert np.all((np.asarray(result) >= 0) & (np.asarray(result) <= 1))


def test_limit_rows(monkeypatch):
    monkeypatch.setattr(_validation, "MAX_ROWS", 3)
    with pytest.raises(ValueError, match=r"cohort must have at most 3 rows.*got 4") as info:
        sm.estimate([1, 2, 3, 4], "spinal_mets_autopsy")
    check_error(info.value, "cohort")
    with pytest.raises(ValueError, match="effects must have at most 3 rows"):
        sm.pool([0.1, 0.2, 0.3, 0.4], [0.1] * 4)
    with pytest.raises(ValueError, match="evidence_table must have at most 3 rows"):
        sm.reproduce(evidence_table=sm.evidence())


def test_limit_counts():
    with pytest.raises(ValueError, match=r"total must be <= 4503599627370496"):
        sm.beta_from_counts(1, 2**52 + 1)
    with pytest.raises(ValueError, match=r"events must be <= 4503599627370496.*position 0"):
        sm.proportion_ci([2**60], [2**61])


def test_regression_scaled_beta_with_a_huge_shape_is_refused():
    """Found by the long run: beta(2, 1e155, 0, 0.5) gave a NaN mean, beta(2, 1e146, 0, 0.5)
    an interval not holding its median; the shape limit now applies with loc/scale too."""
    for b in (1e155, 1e146):
        with pytest.raises(ValueError, match=r"dist b must be <= 1e\+09"):
            sm.Proportion(stats.beta(2, b, 0, 0.5))


def test_regression_other_laws_need_finite_ordered_quantiles():
    with pytest.raises(ValueError, match=r"finite, ordered quantiles"):
        sm.Rate(stats.pareto(10, scale=1e308))  # finite mean, infinite 99.95% quantile


def test_regression_ragged_totals_name_the_argument():
    """Was numpy's "setting an array element with a sequence" (hypothesis, 2026-12-06)."""
    with pytest.raises(TypeError, match=r"totals must be a flat sequence of whole numbers"):
        sm.pool_proportions([1, 2], [0, [0.3]])


def test_regression_an_interval_at_a_level_near_zero_is_ordered():
    """Found by the CLI suite: `parameters --confidence-level 1e-16` gave ci_upper < ci_lower
    (the upper end comes from isf, the lower from ppf)."""
    table = sm.parameters(confidence_level=1e-16)
    assert (table["ci_lower"] <= table["ci_upper"]).all()
