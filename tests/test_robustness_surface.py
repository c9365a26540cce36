"""Bad input through the plotting functions, the ``.plot`` methods, the audit's per-claim
methods and :class:`ParameterSet` (issue 16): a drawn Axes, a string or a table, or an error
naming the argument and the value -- never another exception.

The Python API's core functions are driven in ``test_robustness_api.py`` (whose helpers are
reused here), the command line in ``test_robustness_cli.py``.
"""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_robustness_api import attempt, check_error

import spinemets as sm
from spinemets import plotting

matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")

BAD = st.sampled_from([None, "", "nope", -1, 0, math.nan, math.inf, -math.inf, 1e300, -1e-300,
                       [], {}, (), b"x", True, object(), np.array([1.0, 2.0]),
                       pd.DataFrame()])
LEVELS = st.one_of(BAD, st.floats(allow_nan=True, allow_infinity=True))


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _axes_or_error(call, arguments):
    result, exc = attempt(call)
    if exc is not None:
        check_error(exc, arguments)
    else:
        assert isinstance(result, matplotlib.axes.Axes), type(result)


@given(level=LEVELS)
def test_plot_distribution_confidence_level(level):
    _axes_or_error(lambda: plotting.plot_distribution(sm.beta_from_counts(3, 30),
                                                      confidence_level=level),
                   "confidence_level")


@given(obj=BAD)
def test_plot_distribution_of_something_else(obj):
    _axes_or_error(lambda: plotting.plot_distribution(obj), "obj")


@given(ax=BAD)
def test_every_plot_refuses_an_ax_that_is_not_axes(ax):
    value = sm.beta_from_counts(3, 30)
    for call in (lambda: plotting.plot_distribution(value, ax=ax),
                 lambda: value.plot(ax=ax),
                 lambda: plotting.plot_draws(value.rvs(50, rng=1), ax=ax)):
        result, exc = attempt(call)
        if ax is None:
            assert isinstance(result, matplotlib.axes.Axes)
        else:
            check_error(exc, "ax")


@given(draws=BAD, bins=st.one_of(BAD, st.integers(-5, 10**9)))
def test_plot_draws(draws, bins):
    _axes_or_error(lambda: plotting.plot_draws(draws, bins=bins), ("draws", "bins"))


@given(table=BAD)
def test_table_plots_refuse_what_is_not_their_table(table):
    _axes_or_error(lambda: plotting.plot_estimates(table), "df")
    _axes_or_error(lambda: plotting.forest_plot(table), "table")


@given(estimand=BAD, site=BAD, level=LEVELS)
def test_plot_evidence_and_evidence_table(estimand, site, level):
    _axes_or_error(lambda: plotting.plot_evidence(estimand, site, confidence_level=level),
                   ("estimand", "primary_site", "confidence_level"))
    result, exc = attempt(lambda: plotting.evidence_table(estimand, site, level))
    if exc is not None:
        check_error(exc, ("estimand", "primary_site", "confidence_level"))
    else:
        assert isinstance(result, pd.DataFrame)


@pytest.fixture(scope="module")
def audit():
    return sm.reproduce()


@given(claim=BAD, reading=BAD)
def test_audit_per_claim_methods(audit, claim, reading):
    for method in (audit.explain, audit.lesson):
        result, exc = attempt(lambda m=method: m(claim))
        assert exc is not None and result is None
        check_error(exc, "claim_id")
    _, exc = attempt(lambda: audit.methods(claim))
    check_error(exc, "claim_id")
    good = audit.claim_ids[0]
    _axes_or_error(lambda: audit.plot(good, reading=reading), "reading")


@given(id_=BAD, site=BAD, horizon=st.one_of(BAD, st.floats(allow_nan=True)))
def test_parameter_set_lookups(id_, site, horizon):
    params = sm.build_parameters()
    for method in (params.parameter, params.definition, params.encoding, params.alternatives,
                   params.horizon_defined, params.key):
        _, exc = attempt(lambda m=method: m(id_, site, horizon))
        check_error(exc, ("id", "primary_site", "horizon_years"))


@given(stream=BAD, capacity=st.one_of(BAD, st.floats(allow_nan=True, allow_infinity=True)))
def test_plan_plot(plan, stream, capacity):
    _axes_or_error(lambda: plan.plot(stream=stream), "stream")
    _axes_or_error(lambda: plan.plot(capacity=capacity), "capacity")


@pytest.fixture(scope="module")
def plan():
    return sm.plan_imaging(1_000_000, rng=1, n_sims=1000)


# ------------------------------------------------------------------ regressions (issue 16)


def test_regression_a_plot_given_a_string_for_ax_names_ax():
    """Was AttributeError: 'str' object has no attribute 'get_lines'."""
    with pytest.raises(TypeError, match=r"ax must be a matplotlib Axes or None, got str"):
        plotting.plot_distribution(sm.beta_from_counts(3, 30), ax="")


def test_regression_plot_draws_of_text_and_of_bad_bins():
    """Was "could not convert string to float: ''" and a message without the value."""
    with pytest.raises(ValueError, match=r"draws must be .* got ''"):
        plotting.plot_draws("")
    with pytest.raises(ValueError, match=r"bins must be a whole number from 1 to 10,000, got 0"):
        plotting.plot_draws([0.1, 0.2], bins=0)


def test_regression_evidence_table_of_a_list_names_estimand():
    """Was "('Lengths must match to compare', (187,), (0,))"."""
    with pytest.raises(TypeError, match=r"estimand must be a string, got list \[\]"):
        plotting.evidence_table([])


def test_regression_audit_plot_reading_of_a_list_names_reading(audit):
    with pytest.raises(TypeError, match=r"reading must be a string, got list"):
        audit.plot(audit.claim_ids[0], reading=[])


def test_regression_plan_plot_stream_of_an_array_names_stream(plan):
    """Was "The truth value of an array with more than one element is ambiguous"."""
    with pytest.raises(ValueError, match=r"stream must be one of .* got array"):
        plan.plot(stream=np.array([1.0, 2.0]))


def test_regression_table_plots_say_which_columns_they_got():
    with pytest.raises(ValueError, match=r"got columns \['x'\]"):
        plotting.plot_estimates(pd.DataFrame({"x": [1]}))
    with pytest.raises(ValueError, match=r"got columns \['x'\]"):
        plotting.forest_plot(pd.DataFrame({"x": [1]}))
