"""Dask back end: estimates on a partitioned table through a real LocalCluster equal pandas.

One module-scoped ``distributed.LocalCluster`` (2 worker processes, 1 thread each) serves
every test here; its start-up (about 2 s) is most of this file's run time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import spinemets as sm

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

SITES = ["breast", "prostate", "lung", "kidney", "melanoma"]


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as c:
        c.run(sm.parameters)  # each worker builds the catalogue's parameters once, up front
        yield c


def _table(rows: int = 60, seed: int = 0, sites: list[str] = SITES) -> pd.DataFrame:
    g = np.random.default_rng(seed)
    return pd.DataFrame({"district": g.integers(0, 9, rows),
                         "primary_site": g.choice(sites, rows),
                         "n": g.integers(0, 3000, rows)},
                        index=pd.RangeIndex(100, 100 + rows))


def _assert_same(lazy_result, pandas_result: pd.DataFrame) -> pd.DataFrame:
    """Computed Dask result equals pandas, values and dtypes (categories are per partition)."""
    got = lazy_result.compute()
    pd.testing.assert_frame_equal(got, pandas_result, check_categorical=False)
    assert [str(t) for t in got.dtypes] == [str(t) for t in pandas_result.dtypes]
    assert [str(t) for t in lazy_result.dtypes] == [str(t) for t in got.dtypes]  # the meta
    return got


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_estimate_equals_pandas_row_for_row_whatever_the_partitioning(client, npartitions):
    ddf = dd.from_pandas(_table(), npartitions=npartitions)
    lazy = sm.estimate(ddf, "bone_mets_autopsy")
    assert type(lazy).__module__.startswith("dask.")
    expected = sm.estimate(ddf.compute(), "bone_mets_autopsy")
    _assert_same(lazy, expected)
    assert list(lazy.columns) == list(expected.columns)
    assert list(expected.columns[-6:]) == list(sm.PROVENANCE_COLUMNS)


def test_rate_outcome_and_user_distribution_equal_pandas(client):
    g = np.random.default_rng(4)
    py = pd.DataFrame({"region": np.arange(30), "person_years": g.uniform(0, 5e5, 30)})
    ddf = dd.from_pandas(py, npartitions=4)
    _assert_same(sm.estimate(ddf, "mscc_rate", confidence_level=0.9),
                 sm.estimate(ddf.compute(), "mscc_rate", confidence_level=0.9))
    own = sm.Proportion.beta(2, 8, label="my prior")
    ddf = dd.from_pandas(_table(25, seed=2), npartitions=3)
    _assert_same(sm.estimate(ddf, own), sm.estimate(ddf.compute(), own))


def test_categorical_primary_site_equals_pandas(client):
    frame = _table(30, seed=9).astype({"primary_site": "category"})
    ddf = dd.from_pandas(frame, npartitions=3)
    _assert_same(sm.estimate(ddf, "bone_mets_autopsy"),
                 sm.estimate(ddf.compute(), "bone_mets_autopsy"))
    _assert_same(sm.estimate_total(ddf, "bone_mets_autopsy"),
                 sm.estimate_total(ddf.compute(), "bone_mets_autopsy"))


def test_monte_carlo_of_a_product_parameter(client):
    product = sm.parameter("bone_mets_autopsy", "breast") * sm.Proportion.beta(2, 8)
    frame = pd.DataFrame({"n": [400, 2500, 9000, 120]})
    ddf = dd.from_pandas(frame, npartitions=2)
    res = sm.estimate(ddf, product, method="monte_carlo", draws=4000, rng=2).compute()
    exact = sm.estimate(frame, product)
    for col in ("pi_lower", "pi_upper"):
        assert (np.abs(res[col] - exact[col]) <= 3 * res["mc_error"]).all(), col


def test_empty_partitions_give_no_rows(client):
    ddf = dd.from_pandas(_table(), npartitions=4)
    some = ddf.loc[:119]  # later partitions become empty
    _assert_same(sm.estimate(some, "bone_mets_autopsy"),
                 sm.estimate(some.compute(), "bone_mets_autopsy"))


def _messages(call, pandas_arg, dask_arg) -> tuple[str, str]:
    with pytest.raises((ValueError, TypeError)) as want:
        call(pandas_arg)
    with pytest.raises(want.type) as got:
        call(dask_arg)
    return str(want.value), str(got.value)


@pytest.mark.parametrize("total", [False, True])
@pytest.mark.parametrize("case", ["no size column", "text sizes", "unknown outcome",
                                  "bad method", "percent level", "site dtype"])
def test_schema_errors_raise_when_the_graph_is_built_with_pandas_messages(client, case,
                                                                          total):
    frame = _table(10)
    kwargs: dict = {"outcome": "bone_mets_autopsy"}
    if case == "no size column":
        frame = frame.rename(columns={"n": "size"})
    elif case == "text sizes":
        frame["n"] = frame["n"].astype(str)
    elif case == "unknown outcome":
        kwargs["outcome"] = "no_such_parameter"
    elif case == "bad method":
        kwargs["method"] = "magic"
    elif case == "percent level":
        kwargs["confidence_level"] = 95
    elif case == "site dtype":
        frame["primary_site"] = np.arange(10)
    func = sm.estimate_total if total else sm.estimate
    ddf = dd.from_pandas(frame, npartitions=2)
    want, got = _messages(lambda c: func(c, **kwargs), ddf.compute(), ddf)
    if case == "site dtype":  # pandas names the first value, the graph check the dtype
        assert "cohort column 'primary_site' must hold str, got" in want
        assert got == "cohort column 'primary_site' must hold str, got dtype int64"
    else:
        assert got == want


@pytest.mark.parametrize("total", [False, True])
@pytest.mark.parametrize("case", ["negative", "fraction", "nan", "unknown site"])
def test_value_errors_raise_at_compute_with_pandas_messages(client, case, total):
    frame = _table(12).astype({"n": float})
    if case == "negative":
        frame.loc[107, "n"] = -3
    elif case == "fraction":
        frame.loc[107, "n"] = 2.5
    elif case == "nan":
        frame.loc[107, "n"] = np.nan
    else:
        frame = _table(12, sites=["breast", "kidney"])
    outcome = "bone_mets_at_diagnosis" if case == "unknown site" else "bone_mets_autopsy"
    func = sm.estimate_total if total else sm.estimate
    ddf = dd.from_pandas(frame, npartitions=3)
    lazy = func(ddf, outcome)  # builds the graph: no error yet
    want, got = _messages(lambda c: c.compute() if hasattr(c, "dask") else func(c, outcome),
                          frame, lazy)
    assert got == want
    if case != "unknown site":
        assert "in row 107" in got


@pytest.mark.parametrize("outcome", ["bone_mets_autopsy", "mscc_rate"])
def test_monte_carlo_is_reproducible_and_agrees_with_the_exact_route(client, outcome):
    frame = _table(40, seed=3)
    if outcome == "mscc_rate":
        frame = frame.drop(columns="primary_site").rename(columns={"n": "person_years"})
        frame["person_years"] *= 100.5
    ddf = dd.from_pandas(frame, npartitions=3)
    kw = {"method": "monte_carlo", "draws": 4000, "rng": 11}
    a = sm.estimate(ddf, outcome, **kw).compute()
    b = sm.estimate(ddf, outcome, **kw).compute(scheduler="sync")  # no cluster
    pd.testing.assert_frame_equal(a, b, check_categorical=False)
    assert (a["method"] == "monte_carlo").all() and (a["seed"] == 11).all()
    pandas_mc = sm.estimate(ddf.compute(), outcome, **kw)  # the table as Dask holds it
    assert list(a.columns) == list(pandas_mc.columns)
    assert [str(t) for t in a.dtypes] == [str(t) for t in pandas_mc.dtypes]
    other = sm.estimate(ddf, outcome, **{**kw, "rng": 12}).compute()
    assert not np.array_equal(other["pi_upper"], a["pi_upper"])
    exact = sm.estimate(frame, outcome)
    for col in ("mean", "median", "ci_lower", "ci_upper"):
        np.testing.assert_array_equal(a[col], exact[col])
    # mc_error is a 95% half-width (about 2 MC standard errors) and at least 1 unless the
    # integer is certain: 3 of them is about 6 standard errors.
    for col in ("pi_lower", "pi_upper"):
        assert (np.abs(a[col] - exact[col]) <= 3 * a["mc_error"]).all(), col


def test_monte_carlo_parameter_draws_are_shared_across_partitions(client):
    # Rows of n and n + 1 in two partitions, a wide Beta(2, 8) and n = 1e8: the counts are
    # n p_j plus binomial noise below 6 sqrt(n / 4) = 3e4 for every draw (probability of
    # exceeding it about 1e-6), so with the same parameter draws p_j the predictive bounds
    # of the two rows differ by at most 6e4 + 1. Independent draws would make them differ by
    # about n x (MC error of the 2.5% quantile of 500 Beta draws) ~ 4e5.
    n = 10**8
    frame = pd.DataFrame({"n": [n, n + 1, n]})
    ddf = dd.from_pandas(frame, npartitions=3)
    assert ddf.npartitions == 3
    res = sm.estimate(ddf, sm.Proportion.beta(2, 8), method="monte_carlo", draws=500,
                      rng=5).compute()
    bound = 2 * 6 * np.sqrt(n / 4) + 1
    for col in ("pi_lower", "pi_upper"):
        assert abs(res[col].iloc[0] - res[col].iloc[1]) <= bound
    # ... while the counts of the two sizes come from independent streams (equal bounds
    # would need two independent noises of sd ~5e3 to agree to the patient) ...
    assert res["pi_lower"].iloc[0] != res["pi_lower"].iloc[1]
    # ... and a stratum's stream is its size's, whatever partition holds it.
    pd.testing.assert_series_equal(res.iloc[0], res.iloc[2], check_names=False)


_STREAM_CASES = {
    "beta": (sm.Proportion.beta(30, 70, label="a Beta"), "n"),
    "logit-normal": (sm.Proportion.logit_normal(-0.69, 0.25, label="a logit-normal"), "n"),
    "rate": (sm.Rate.gamma(20, 4e5, label="a Gamma rate"), "person_years"),
}


def _stream_table(column: str) -> pd.DataFrame:
    """60 strata with repeated sizes (each size in several partitions), one of size 0."""
    g = np.random.default_rng(21)
    sizes = g.choice(np.r_[0, g.integers(1, 5000, 25)], 60)
    if column == "person_years":
        sizes = sizes * 37.25  # fractional exposures
    return pd.DataFrame({"district": np.arange(60), column: sizes},
                        index=pd.RangeIndex(500, 560))


@pytest.mark.parametrize("case", list(_STREAM_CASES))
@pytest.mark.parametrize("method", ["monte_carlo", "exact"])
def test_every_route_equals_pandas_whatever_the_partitioning_and_row_order(client, case,
                                                                           method):
    """Monte Carlo rows use the pandas streams (the seed, the parameter, the stratum's size):
    npartitions 1, 3, 7 and a shuffled table give the pandas result exactly, row for row."""
    dist, column = _STREAM_CASES[case]
    frame = _stream_table(column)
    kw = {"method": method, "draws": 2000, "rng": 17}
    expected = sm.estimate(frame, dist, **kw)
    assert (expected["method"] == method).all()
    shuffled = frame.sample(frac=1.0, random_state=3)
    layouts = [(frame, 1), (frame, 3), (frame, 7), (shuffled, 3)]
    for table, npartitions in layouts:
        ddf = dd.from_pandas(table, npartitions=npartitions, sort=False)
        assert ddf.npartitions == npartitions
        got = sm.estimate(ddf, dist, **kw).compute().loc[frame.index]
        pd.testing.assert_frame_equal(got, expected, check_categorical=False)
    # The pandas path itself: a row's interval does not depend on the other rows.
    alone = sm.estimate(frame.iloc[[7]], dist, **kw)
    pd.testing.assert_frame_equal(alone, expected.iloc[[7]], check_categorical=False)


@pytest.mark.parametrize("npartitions", [1, 4])
def test_total_equals_pandas(client, npartitions):
    frame = _table(80, seed=5, sites=["breast", "prostate", "lung"])
    ddf = dd.from_pandas(frame, npartitions=npartitions)
    for outcome in ("bone_mets_autopsy", "mscc_before_death"):
        lazy = sm.estimate_total(ddf, outcome, rng=1)
        got = _assert_same(lazy, sm.estimate_total(frame, outcome, rng=1))
        assert got["strata"].iloc[0] == len(frame)
        assert got["n"].iloc[0] == frame["n"].sum()


def test_monte_carlo_total_equals_pandas_for_the_same_seed(client):
    # The summed sizes make the exact pmf too long (support above 1e7): Monte Carlo.
    frame = _table(40, seed=6)
    frame["n"] *= 10_000
    ddf = dd.from_pandas(frame, npartitions=3)
    expected = sm.estimate_total(frame, "bone_mets_autopsy", rng=21)
    assert expected["method"].iloc[0] == "monte_carlo"
    _assert_same(sm.estimate_total(ddf, "bone_mets_autopsy", rng=21), expected)


def test_rate_total_equals_pandas(client):
    g = np.random.default_rng(8)
    py = pd.DataFrame({"person_years": g.uniform(0, 5e5, 50)})
    ddf = dd.from_pandas(py, npartitions=3)
    got = sm.estimate_total(ddf, "mscc_rate").compute()
    want = sm.estimate_total(py, "mscc_rate")
    # Sums of floats in another order: equal to the last few bits.
    pd.testing.assert_frame_equal(got, want, check_categorical=False, rtol=1e-12)


def test_empty_table_total_fails_at_compute(client):
    ddf = dd.from_pandas(_table(10), npartitions=2)
    lazy = sm.estimate_total(ddf[ddf["n"] < 0], "bone_mets_autopsy")
    with pytest.raises(ValueError, match="cohort is an empty DataFrame"):
        lazy.compute()


def test_sweep_of_planning_scenarios_on_the_cluster_equals_a_local_run(client):
    scenarios = {"district A": {"population": 200_000, "rng": 1},
                 "district B": {"population": 900_000, "rng": 2}}
    remote = sm.sweep(sm.plan_imaging, scenarios, client=client)
    local = sm.sweep(sm.plan_imaging, scenarios)
    pd.testing.assert_frame_equal(remote, local)
    assert remote.columns[0] == "scenario"
    one = sm.plan_imaging(population=900_000, rng=2).to_frame()
    part = remote[remote["scenario"] == "district B"].drop(columns="scenario")
    pd.testing.assert_frame_equal(part.reset_index(drop=True), one.reset_index(drop=True))


def test_sweep_of_a_sensitivity_grid():
    grid = [{"cohort": 500, "outcome": "spinal_mets_autopsy", "confidence_level": c}
            for c in (0.5, 0.9)]
    table = sm.sweep(sm.estimate_total, grid)
    assert table["scenario"].tolist() == [0, 1]
    assert table["confidence_level"].tolist() == [0.5, 0.9]
    # The 90% interval contains the 50% interval.
    assert table["pi_lower"][1] <= table["pi_lower"][0]
    assert table["pi_upper"][0] <= table["pi_upper"][1]


@pytest.mark.parametrize(("args", "kwargs", "error", "match"), [
    (("not callable", [{}]), {}, TypeError, "func must be callable"),
    ((sm.estimate_total, "cohort=1"), {}, TypeError, "scenarios must be a dict"),
    ((sm.estimate_total, []), {}, ValueError, "scenarios is empty"),
    ((sm.estimate_total, [3]), {}, TypeError, "scenario 0 must be a dict"),
    ((sm.estimate_total, [{"cohort": 10, "outcome": "mscc_before_death"}]),
     {"client": object()}, TypeError, "client must be a dask.distributed Client"),
    ((sm.estimate_total, [{"cohort": 10, "outcome": "mscc_before_death"}]),
     {"column": "outcome"}, ValueError, "column 'outcome' is already a column"),
    ((dict, [{"obj": "abc"}]), {}, TypeError, "func must return a DataFrame"),
])
def test_sweep_bad_input(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        sm.sweep(*args, **kwargs)
