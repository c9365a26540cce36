"""Planning under extreme and wrong-typed input (issue 16): a correct result or a named error.

Every generated input to :func:`plan_imaging`, the methods of a plan and the scenario loader
ends in one of two ways: a result with no NaN and no negative count, or a ValueError /
TypeError / SpinemetsError (CLIUsageError for the scenario file) whose message names the
argument and shows the value received. Each example has a deadline, so a hang fails; the
inputs that scale work or memory are bounded in ``spinemets._planning._limits`` before any
allocation, which these tests reach with magnitudes from 1e-300 to 1e300.
"""

from __future__ import annotations

import math
import warnings
from datetime import timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import spinemets._planning._limits as lim
from spinemets._cli_common import CLIUsageError
from spinemets._cli_plan import load_scenario, scenario_to_kwargs
from spinemets._planning import ImagingPlan, plan_imaging
from spinemets.errors import ImplausibleInputWarning, SpinemetsError

# a plan takes up to a few seconds at the size limits on a shared machine
_SLOW = settings(deadline=timedelta(seconds=60),
                 suppress_health_check=[HealthCheck.too_slow])

_NUMERIC_ARGS = (
    "population", "mscc_rate", "spinal_mets_rate", "mscc_cases_per_year",
    "spinal_mets_cases_per_year", "rate_cv", "emergency_yield", "urgent_yield",
    "scans_per_referral", "followup_scans_per_patient", "followup_interval_months",
    "median_survival_months", "scan_minutes", "abbreviated_scan_minutes",
    "emergency_target_hours", "urgent_target_hours", "service_level", "assurance",
    "confidence_level", "horizon_years", "rate_trend_per_year", "population_growth_per_year",
    "cancer_cases_per_year", "n_sims", "mets_without_mscc_per_mscc", "changeover_minutes",
    "transfer_hours", "reporting_hours",
)

magnitudes = st.one_of(
    st.floats(min_value=1e-300, max_value=1e300).map(lambda x: x),
    st.floats(min_value=-1e300, max_value=-1e-300),
    st.sampled_from([0.0, -0.0, 1.0, 100.0, 1e5, 8.1, 30.2, 2**63, -1, math.nan, math.inf,
                     -math.inf, 5e-324]),
    st.integers(min_value=-(10**30), max_value=10**30),
)
wrong_types = st.sampled_from(["1000000", b"1", [1.0], {"a": 1}, (1,), object(), True,
                               complex(1, 1), np.array([1.0, 2.0]), "", None])


def _named(exc: BaseException, name: str, value: object) -> bool:
    """The message names the argument and shows the value received (or says what it got)."""
    msg = str(exc)
    return name in msg and ("got" in msg or repr(value)[:20] in msg)


def _check_plan(plan: ImagingPlan) -> None:
    """A plan's table has no NaN (outside the documented empty cells) and no negative count."""
    frame = plan.to_frame()
    numeric = frame.select_dtypes("number")
    no_target = frame["stream"].isin(["follow_up", "total"])
    for col in numeric:
        values = numeric[col]
        if col in {"target_hours", "share_within_target", "wait_mean_hours", "wait_p95_hours"}:
            values = values[~no_target]
        assert values.notna().all(), f"NaN in {col}"
        assert (values >= 0).all(), f"negative {col}"
    assert (frame["slots_per_week"] >= frame["scans_per_week_median"] * 0).all()


def _plan_or_named_error(name: str, value: object, **extra: object) -> None:
    kwargs = {"population": 1_000_000, "n_sims": 1000, "rng": 1, **extra, name: value}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ImplausibleInputWarning)
            plan = plan_imaging(**kwargs)
    except (ValueError, TypeError, SpinemetsError) as exc:
        given = {name: value, **extra}  # the error may be about any argument that was varied
        assert any(_named(exc, k, v) for k, v in given.items()) or \
            "plan's demand" in str(exc) or "yearly demand" in str(exc), f"{given!r}: {exc}"
        return
    _check_plan(plan)


@_SLOW
@given(name=st.sampled_from(_NUMERIC_ARGS), value=magnitudes)
def test_every_numeric_input_at_any_magnitude(name, value):
    _plan_or_named_error(name, value)


@_SLOW
@given(name=st.sampled_from(_NUMERIC_ARGS), value=wrong_types)
def test_every_numeric_input_wrong_type(name, value):
    assume(value is not None)  # None means "the default"
    _plan_or_named_error(name, value)


@_SLOW
@given(value=st.one_of(magnitudes, wrong_types, st.text(max_size=30)))
def test_opening_hours_and_streams_any_input(value):
    for name in ("opening_hours", "abbreviated_streams", "observed", "rng", "arrival_profile"):
        if value is None:
            continue
        _plan_or_named_error(name, value)


@_SLOW
@given(population=st.floats(min_value=1.0, max_value=1e12),
       cv=st.floats(min_value=0.0, max_value=3.0),
       horizon=st.floats(min_value=0.0, max_value=100.0),
       trend=st.floats(min_value=-0.5, max_value=1.0))
def test_sizes_are_refused_up_front_or_planned(population, cv, horizon, trend):
    # combinations that scale work: every plan either stays bounded or is refused
    _plan_or_named_error("population", population, rate_cv=cv, horizon_years=horizon,
                         rate_trend_per_year=trend)


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"population": 1e15}, "population must be <= 2000000000.0, got 1000000000000000.0"),
    ({"mscc_rate": 8.1}, "a figure per 100,000 people is 8.1e-05"),
    ({"spinal_mets_rate": 30.2}, "spinal_mets_rate must be a rate per person-year"),
    ({"emergency_yield": 1e-9}, "emergency_yield must be >= 0.001"),
    ({"followup_interval_months": 1e-9 / 730}, "followup_interval_months must be >= 0.25"),
    ({"followup_interval_months": 0.25, "median_survival_months": 600},
     "follow-up MRI per patient"),
    ({"population": 1e9}, "expected scans a year (from population=1000000000.0)"),
    ({"population": 1e6, "horizon_years": 100, "rate_trend_per_year": 1.0},
     "horizon_years=100"),
    ({"rate_cv": 3.0, "population": 5e6}, "lower rate_cv"),
    ({"rate_cv": 4e-297}, "rate_cv must be 0 (a fixed rate) or >= 1e-06"),
    ({"scan_minutes": 1e-300}, "scan_minutes must be >= 1.0"),
    ({"opening_hours": "Mon-Fri 08-18; " * 100}, "opening_hours must be at most 1000"),
])
def test_regressions_of_issue_16(kwargs, fragment):
    """The inputs that allocated terabytes or never returned before the limits."""
    kwargs = {"population": 1_000_000, "n_sims": 1000, "rng": 1, **kwargs}
    with pytest.raises(ValueError) as info:
        plan_imaging(**kwargs)
    assert fragment in str(info.value)


@pytest.mark.parametrize(("kwargs", "check"), [
    ({"mscc_rate": 2.5e-4}, "MSCC rate near published"),
    ({"mscc_rate": 8.1e-8}, "MSCC rate near published"),
    ({"spinal_mets_rate": 30.2e-8}, "spinal metastasis rate near published"),
    ({"emergency_yield": 0.02}, "emergency yield within audits"),
    ({"followup_interval_months": 0.5}, "follow-up interval"),
    ({"population": 1000}, "catchment size"),
])
def test_unit_slips_are_flagged_not_ok(kwargs, check):
    """A per-1,000 rate, a yield in percent/100 twice, days for months: warned, not 'ok'."""
    kwargs = {"population": 1_000_000, "n_sims": 1000, "rng": 1, **kwargs}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plan = plan_imaging(**kwargs)
    assert any(issubclass(w.category, ImplausibleInputWarning) and check in str(w.message)
               for w in caught)
    checks = plan.checks().set_index("check")
    assert checks.loc[check, "status"] == "warning"


def test_default_plan_checks_all_ok():
    plan = plan_imaging(1_000_000, n_sims=1000, rng=1)
    assert set(plan.checks()["status"]) == {"ok"}


def test_the_limits_sit_where_their_documentation_says():
    """100 million people at the defaults fit; 300 million do not (the documented size)."""
    defaults_per_person = plan_imaging(1_000_000, n_sims=1000, rng=1).mean_scans("total",
                                                                                  "year") / 1e6
    assert 100e6 * defaults_per_person < lim.MAX_EXPECTED_SCANS_PER_YEAR < 300e6 * \
        defaults_per_person


def test_a_national_plan_is_accepted():
    """England (~57 million people) at the defaults: within the size limits."""
    plan = plan_imaging(57_000_000, n_sims=1000, rng=1)
    assert plan.mean_scans("total", "year") < lim.MAX_EXPECTED_SCANS_PER_YEAR


@pytest.fixture(scope="module")
def plan():
    return plan_imaging(1_000_000, n_sims=1000, rng=1)


_METHOD_CALLS = {
    "slots": lambda p, x: p.slots(service_level=x),
    "slots_assurance": lambda p, x: p.slots(assurance=x),
    "assurance": lambda p, x: p.assurance(x),
    "expected_share_of_weeks_over": lambda p, x: p.expected_share_of_weeks_over(x),
    "expected_share_emergency": lambda p, x: p.expected_share_of_weeks_over(x, "emergency"),
    "share_of_weeks_over_quantiles": lambda p, x: p.share_of_weeks_over_quantiles(5, [x]),
    "prob_exceed_se": lambda p, x: p.prob_exceed_se(x),
    "slots_for_average": lambda p, x: p.slots_for_average(x, "emergency"),
    "scanner_hours": lambda p, x: p.scanner_hours(x),
    "sessions": lambda p, x: p.sessions(x),
    "by_year": lambda p, x: p.by_year(x),
    "waiting_times_weeks": lambda p, x: p.waiting_times(weeks=x, rng=1),
    "waiting_times_servers": lambda p, x: p.waiting_times(servers=x, weeks=2, rng=1),
    "waiting_times_changeover": lambda p, x: p.waiting_times(changeover_minutes=x, weeks=2,
                                                             rng=1),
    "waiting_times_reporting": lambda p, x: p.waiting_times(reporting_hours=x, weeks=2, rng=1),
    "waiting_times_profile": lambda p, x: p.waiting_times(arrival_profile=x, weeks=2, rng=1),
}
_ARG_NAME = {
    "slots": "service_level", "slots_assurance": "assurance", "assurance": "capacity",
    "expected_share_of_weeks_over": "capacity", "expected_share_emergency": "capacity",
    "share_of_weeks_over_quantiles": "quantiles", "prob_exceed_se": "capacity",
    "slots_for_average": "service_level", "scanner_hours": "service_level",
    "sessions": "service_level", "by_year": "service_level", "waiting_times_weeks": "weeks",
    "waiting_times_servers": "servers", "waiting_times_changeover": "changeover_minutes",
    "waiting_times_reporting": "reporting_hours", "waiting_times_profile": "arrival_profile",
}


@_SLOW
@given(method=st.sampled_from(sorted(_METHOD_CALLS)),
       value=st.one_of(magnitudes, wrong_types.filter(lambda v: v is not None)))
def test_plan_methods_any_input(plan, method, value):
    pytest.importorskip("simpy")
    try:
        out = _METHOD_CALLS[method](plan, value)
    except (ValueError, TypeError, SpinemetsError) as exc:
        assert _named(exc, _ARG_NAME[method], value), f"{method}({value!r}): {exc}"
        return
    if isinstance(out, (int, float)):
        assert math.isfinite(out) and out >= 0, f"{method}({value!r}) = {out!r}"
    else:  # a table: counts and shares never negative
        numbers = out.select_dtypes("number")
        assert (numbers.fillna(0) >= 0).all().all()


_TOML_VALUES = st.one_of(
    st.integers(min_value=-(10**18), max_value=10**18).map(str),
    st.floats(allow_nan=False).map(lambda x: repr(x).replace("inf", "inf")),
    st.sampled_from(['"x"', "true", "[1, 2]", '{a = "x", b = 1}', '{a = -1, b = 2}',
                     '{positive = 5, scanned = 3}', '"50/0"', '"plan_yield_nope"', "nan",
                     '"Mon-Fri 25-26"', '["emergency", "nope"]', "1e400"]),
)


@_SLOW
@given(key=st.sampled_from(["population", "mscc_rate_per_100k", "emergency_yield",
                            "urgent_yield", "opening_hours", "seed", "n_sims", "abbreviated",
                            "scan_minutes", "horizon_years", "followup_interval_months"]),
       value=_TOML_VALUES)
def test_scenario_loader_any_value(tmp_path_factory, key, value):
    path = tmp_path_factory.mktemp("s") / "s.toml"
    path.write_text(f"{key} = {value}\n", encoding="utf-8")
    try:
        kwargs = scenario_to_kwargs(load_scenario(path))
        kwargs.setdefault("population", 1_000_000)
        kwargs["n_sims"] = 1000
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ImplausibleInputWarning)
            plan = plan_imaging(**kwargs)
    except CLIUsageError as exc:
        assert key in str(exc) or "TOML" in str(exc), str(exc)
        return
    except (ValueError, TypeError, SpinemetsError) as exc:
        stem = key.removesuffix("_per_100k")
        assert stem.split("_")[0] in str(exc) or "seed" in str(exc) or \
            "plan's demand" in str(exc), f"{key} = {value}: {exc}"
        return
    _check_plan(plan)


def test_scenario_loader_accepts_a_byte_order_mark(tmp_path):
    """Windows editors write one; SECURITY.md promises it is accepted."""
    path = tmp_path / "s.toml"
    path.write_text("\ufeffpopulation = 1000000\n", encoding="utf-8")
    assert load_scenario(path)["population"] == 1000000


@pytest.mark.parametrize("content", [b"\xff\xfe\x00garbage", "population = \n",
                                     "[observed]\nemergency = 3\n",
                                     "population = 1e6\npopulation = 2e6\n"])
def test_scenario_loader_hostile_files(tmp_path, content):
    path = tmp_path / "s.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(CLIUsageError, match="--scenario"):
        load_scenario(path)


@pytest.mark.parametrize("text", ["[1, 2]", "{}", '{"inputs": 3}', "not json",
                                  '{"inputs": {"bogus": 1}}'])
def test_sidecar_hostile_files(tmp_path, text):
    path = tmp_path / "p.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=r"sidecar|bogus"):
        ImagingPlan.from_sidecar(path)


def test_regression_huge_observed_counts_name_the_observed_key():
    """Was "b must be <= 1e+09" (the Beta's parameter) for 1e13 local referrals (CLI fuzzing)."""
    needle = r"observed\['emergency'\]\['referrals'\] must be <= 1e\+08"
    with pytest.raises(ValueError, match=needle):
        plan_imaging(1_000_000, rng=1, n_sims=1000,
                     observed={"emergency": {"referrals": 10**13, "positives": 1, "years": 1}})
