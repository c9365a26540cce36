"""Tests for spinemets.plotting: what was drawn, where, and how the axes are labelled.

Runs with the Agg backend (tests/conftest.py).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.patches import Polygon, Rectangle
from matplotlib.ticker import MaxNLocator

from spinemets import Proportion, Rate
from spinemets._synthesis import pool_proportions, true_prevalence
from spinemets.plotting import forest_plot, plot_distribution, plot_draws, plot_estimates


def _percent_ticks(fmt) -> bool:
    """The ticks show fractions as percent (the display layer's formatter), never 0.0000%."""
    return fmt(0.25, 0) == "25%" and fmt(0.0, 0) == "0%" and fmt(0.025, 0) == "2.5%"

def _by_gid(artists, gid):
    return [a for a in artists if a.get_gid() == gid]


def _segments(collection: LineCollection) -> np.ndarray:
    """Segments of a LineCollection as an array of shape (n, 2, 2)."""
    return np.array([np.asarray(s) for s in collection.get_segments()])


def _x_extent(artist) -> tuple[float, float]:
    if isinstance(artist, PolyCollection):
        verts = np.concatenate([p.vertices for p in artist.get_paths()])
    elif isinstance(artist, Rectangle):
        return float(artist.get_x()), float(artist.get_x() + artist.get_width())
    else:
        verts = artist.get_xy()
    return float(verts[:, 0].min()), float(verts[:, 0].max())


@pytest.fixture(autouse=True)
def _no_show(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("plotting functions must not call plt.show()")

    monkeypatch.setattr(plt, "show", fail)


# =============================================================================================
# plot_distribution
# =============================================================================================


class TestPlotDistributionProportion:
    P = Proportion.beta(30, 70, label="spinal metastases at autopsy")

    def test_returns_given_axes(self):
        _, ax = plt.subplots()
        assert plot_distribution(self.P, ax=ax) is ax

    def test_new_axes_when_none(self):
        ax = plot_distribution(self.P)
        assert ax.figure is not None

    def test_artists(self):
        ax = plot_distribution(self.P)
        assert len(ax.get_lines()) == 2
        (density,) = _by_gid(ax.get_lines(), "density")
        (mean,) = _by_gid(ax.get_lines(), "mean")
        assert len(ax.collections) == 1
        (band,) = _by_gid(ax.collections, "interval")
        assert isinstance(band, PolyCollection)
        x, y = density.get_data()
        np.testing.assert_allclose(y, self.P.dist.pdf(x), rtol=1e-12)
        assert mean.get_xdata()[0] == pytest.approx(self.P.mean)
        assert 0 < x.min() and x.max() < 1

    @pytest.mark.parametrize("level", [0.95, 0.8, 0.5])
    def test_shaded_interval_is_the_computed_interval(self, level):
        ax = plot_distribution(self.P, confidence_level=level)
        (band,) = _by_gid(ax.collections, "interval")
        lo, hi = self.P.interval(level)
        assert _x_extent(band) == pytest.approx((lo, hi), abs=1e-12)
        assert band.get_label() == f"{100 * level:g}% interval"

    def test_axes_labels_and_percent_ticks(self):
        ax = plot_distribution(self.P)
        fmt = ax.xaxis.get_major_formatter()
        assert _percent_ticks(fmt)
        assert ax.get_xlabel() == "spinal metastases at autopsy, %"
        assert ax.get_ylabel() == "probability density"
        assert ax.get_ylim()[0] == 0
        assert fmt(0.25, 0).startswith("25")

    def test_unlabelled(self):
        assert plot_distribution(Proportion.beta(2, 5)).get_xlabel() == "proportion"

    def test_kwargs_reach_the_density_line(self):
        ax = plot_distribution(self.P, color="red", label="mine")
        (density,) = _by_gid(ax.get_lines(), "density")
        assert density.get_color() == "red" and density.get_label() == "mine"

    def test_method_on_proportion_uses_this_function(self):
        ax = self.P.plot(confidence_level=0.9)
        (band,) = _by_gid(ax.collections, "interval")
        assert _x_extent(band) == pytest.approx(self.P.interval(0.9), abs=1e-12)

    @pytest.mark.parametrize("p", [Proportion.beta(0.5, 12), Proportion.beta(40, 0.7),
                                   Proportion.logit_normal(-2.0, 1.5)])
    def test_unbounded_densities_stay_finite(self, p):
        ax = plot_distribution(p)
        (density,) = _by_gid(ax.get_lines(), "density")
        assert np.isfinite(density.get_ydata()).all()


class TestPlotDistributionRate:
    R = Rate.gamma(229.5, 1_000_000, label="spinal metastases, diagnosed")

    def test_per_100k_axis(self):
        ax = plot_distribution(self.R)
        assert ax.get_xlabel() == ("spinal metastases, diagnosed: rate per 100,000 "
                                   "person-years")
        assert not _percent_ticks(ax.xaxis.get_major_formatter())
        (band,) = _by_gid(ax.collections, "interval")
        lo, hi = self.R.interval(0.95)
        assert _x_extent(band) == pytest.approx((lo * 1e5, hi * 1e5), rel=1e-12)
        (mean,) = _by_gid(ax.get_lines(), "mean")
        assert mean.get_xdata()[0] == pytest.approx(22.95)

    def test_density_is_per_100k_unit(self):
        ax = plot_distribution(self.R)
        (density,) = _by_gid(ax.get_lines(), "density")
        x, y = density.get_data()
        # the drawn curve integrates to ~1 over the displayed (per 100,000) axis
        assert np.trapezoid(y, x) == pytest.approx(1.0, abs=1e-3)


class TestPlotDistributionErrors:
    def test_wrong_type(self):
        with pytest.raises(TypeError, match="obj must be a spinemets Proportion or Rate"):
            plot_distribution(0.3)

    def test_bad_level(self):
        with pytest.raises(ValueError, match="confidence_level"):
            plot_distribution(Proportion.beta(2, 3), confidence_level=95)


# =============================================================================================
# forest_plot
# =============================================================================================


class TestForestPlot:
    RES = pool_proportions([12, 30, 25, 8, 40], [40, 90, 110, 35, 160],
                           labels=["A", "B", "C", "D", "E"], method="REML")

    def test_pooled_proportion_plot(self):
        table = self.RES.to_frame()
        _, ax = plt.subplots()
        assert self.RES.plot(ax=ax) is ax

        (cis,) = _by_gid(ax.collections, "study_ci")
        seg = _segments(cis)
        assert seg.shape == (5, 2, 2)
        studies = table[table.kind == "study"]
        np.testing.assert_allclose(seg[:, 0, 0], studies.ci_lower)
        np.testing.assert_allclose(seg[:, 1, 0], studies.ci_upper)
        np.testing.assert_allclose(seg[:, 0, 1], np.arange(5))

        (points,) = _by_gid(ax.get_lines(), "study_estimate")
        np.testing.assert_allclose(points.get_xdata(), studies.estimate)

        diamonds = _by_gid(ax.patches, "pooled")
        assert len(diamonds) == 2 and all(isinstance(d, Polygon) for d in diamonds)
        assert _x_extent(diamonds[0]) == pytest.approx(self.RES.fixed_ci)
        assert _x_extent(diamonds[1]) == pytest.approx((self.RES.ci_lower, self.RES.ci_upper))
        # the diamond's tip sits at the estimate
        xy = diamonds[1].get_xy()
        assert np.isclose(xy[:, 0], self.RES.estimate, rtol=0, atol=1e-15).any()

        (pred,) = _by_gid(ax.collections, "prediction")
        pseg = _segments(pred)
        assert pseg.shape == (1, 2, 2)
        assert (pseg[0, 0, 0], pseg[0, 1, 0]) == pytest.approx((self.RES.pi_lower,
                                                                  self.RES.pi_upper))
        assert pseg[0, 0, 1] == 7  # last row

    def test_labels_order_and_axes(self):
        ax = self.RES.plot()
        assert [t.get_text() for t in ax.get_yticklabels()] == (
            ["A", "B", "C", "D", "E", "Fixed effect (inverse variance)",
             "Random effects (REML)", "Prediction interval"])
        lo, hi = ax.get_ylim()
        assert lo > hi  # first row on top
        assert _percent_ticks(ax.xaxis.get_major_formatter())
        assert ax.get_xlabel() == "proportion"

    def test_plain_table_without_kind(self):
        table = pd.DataFrame({"label": ["x", "y"], "estimate": [0.2, 0.4],
                              "ci_lower": [0.1, 0.3], "ci_upper": [0.3, 0.5]})
        ax = forest_plot(table, xlabel="P(spinal | autopsy)")
        assert _by_gid(ax.patches, "pooled") == []
        assert _by_gid(ax.collections, "prediction") == []
        assert len(_segments(_by_gid(ax.collections, "study_ci")[0])) == 2
        assert ax.get_xlabel() == "P(spinal | autopsy)"

    def test_percent_can_be_switched_off(self):
        table = pd.DataFrame({"label": ["x"], "estimate": [2.0], "ci_lower": [1.0],
                              "ci_upper": [3.0]})
        ax = forest_plot(table, percent=False, xlabel="ratio")
        assert not _percent_ticks(ax.xaxis.get_major_formatter())

    @pytest.mark.parametrize(
        ("change", "pattern"),
        [
            (lambda t: t.drop(columns="ci_upper"), "missing ci_upper"),
            (lambda t: t.assign(kind=["study", "summary"]), r"'kind' must be one of.*'summary'"),
            (lambda t: t.assign(estimate=[0.2, np.nan]), r"'estimate' must hold finite numbers"),
            (lambda t: t.assign(ci_lower=[0.25, 0.3]), "ci_lower <= estimate <= ci_upper"),
        ],
    )
    def test_bad_tables(self, change, pattern):
        table = pd.DataFrame({"label": ["x", "y"], "estimate": [0.2, 0.4],
                              "ci_lower": [0.1, 0.3], "ci_upper": [0.3, 0.5]})
        with pytest.raises(ValueError, match=pattern):
            forest_plot(change(table))

    def test_not_a_dataframe(self):
        with pytest.raises(TypeError, match="table must be a pandas DataFrame"):
            forest_plot([1, 2, 3])


# =============================================================================================
# plot_estimates
# =============================================================================================


def _estimates() -> pd.DataFrame:
    return pd.DataFrame({
        "primary_site": ["breast", "lung", "prostate"],
        "outcome": ["spinal_metastasis"] * 3,
        "n": [400, 300, 250],
        "mean": [40.0, 25.5, 30.2],
        "ci_lower": [30.0, 18.0, 22.0],
        "ci_upper": [51.0, 33.0, 39.0],
        "pi_lower": [27.0, 15.0, 19.0],
        "pi_upper": [55.0, 37.0, 43.0],
        "confidence_level": [0.95] * 3,
    })


class TestPlotEstimates:
    def test_intervals_drawn_where_computed(self):
        df = _estimates()
        _, ax = plt.subplots()
        assert plot_estimates(df, ax=ax) is ax
        (pi,) = _by_gid(ax.collections, "prediction")
        (ci,) = _by_gid(ax.collections, "confidence")
        np.testing.assert_allclose(_segments(pi)[:, 0, 0], df.pi_lower)
        np.testing.assert_allclose(_segments(pi)[:, 1, 0], df.pi_upper)
        np.testing.assert_allclose(_segments(ci)[:, 0, 0], df.ci_lower)
        np.testing.assert_allclose(_segments(ci)[:, 1, 0], df.ci_upper)
        (mean,) = _by_gid(ax.get_lines(), "mean")
        np.testing.assert_allclose(mean.get_xdata(), df["mean"])
        np.testing.assert_allclose(mean.get_ydata(), [0, 1, 2])

    def test_labels_units_and_legend(self):
        ax = plot_estimates(_estimates())
        assert ax.get_xlabel() == "patients"
        assert [t.get_text() for t in ax.get_yticklabels()] == ["breast", "lung", "prostate"]
        assert isinstance(ax.xaxis.get_major_locator(), MaxNLocator)
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert legend == ["95% prediction interval (observed count)",
                          "95% confidence interval (expected count)", "expected count"]
        assert ax.get_xlim()[0] == 0

    def test_label_column_choice(self):
        ax = plot_estimates(_estimates(), label_column="outcome")
        assert {t.get_text() for t in ax.get_yticklabels()} == {"spinal_metastasis"}
        no_label = _estimates().drop(columns=["primary_site", "outcome"])
        no_label.index = ["a", "b", "c"]
        ax = plot_estimates(no_label)
        assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]

    def test_errors(self):
        with pytest.raises(ValueError, match="missing pi_upper"):
            plot_estimates(_estimates().drop(columns="pi_upper"))
        with pytest.raises(ValueError, match="label_column 'site'"):
            plot_estimates(_estimates(), label_column="site")
        with pytest.raises(ValueError, match="'mean' must hold finite numbers"):
            plot_estimates(_estimates().assign(mean=[1.0, np.nan, 2.0]))
        with pytest.raises(TypeError, match="df must be a pandas DataFrame"):
            plot_estimates({"mean": [1]})


# =============================================================================================
# plot_draws / TruePrevalence.plot
# =============================================================================================


class TestPlotDraws:
    def test_true_prevalence_plot(self):
        res = true_prevalence(Proportion.beta(50, 150), 0.74, 0.98, draws=5000, rng=3)
        ax = res.plot()
        bars = _by_gid(ax.patches, "draws")
        assert len(bars) == 60
        heights = np.array([b.get_height() for b in bars])
        widths = np.array([b.get_width() for b in bars])
        assert np.sum(heights * widths) == pytest.approx(1.0)
        (band,) = _by_gid(ax.patches, "interval")
        assert _x_extent(band) == pytest.approx((res.ci_lower, res.ci_upper))
        (est,) = _by_gid(ax.get_lines(), "estimate")
        assert est.get_xdata()[0] == pytest.approx(res.estimate)
        assert ax.get_xlabel() == "true prevalence"
        assert _percent_ticks(ax.xaxis.get_major_formatter())

    def test_closed_form_draws_a_line_only(self):
        ax = true_prevalence(0.25, 0.74, 0.98).plot()
        assert _by_gid(ax.patches, "draws") == []
        (est,) = _by_gid(ax.get_lines(), "estimate")
        assert est.get_xdata()[0] == pytest.approx(0.23 / 0.72)

    def test_bad_draws(self):
        with pytest.raises(ValueError, match="draws must be a non-empty array"):
            plot_draws([])
        with pytest.raises(ValueError, match="finite"):
            plot_draws([0.1, np.nan])


def test_evidence_forest_plot_draws_each_measured_row():
    from scipy import stats

    from spinemets.plotting import evidence_table, plot_evidence

    table = evidence_table("spinal_mets_autopsy")
    assert {"SEED-03", "SEED-06"} <= set(table["id"])
    seed3 = table.set_index("id").loc["SEED-03"]
    lo, hi = stats.beta.ppf([0.025, 0.975], 300.5, 532.5)
    assert (seed3["ci_lower"], seed3["ci_upper"]) == pytest.approx((lo, hi))
    # bound-only rows (SRC-09 "upwards of 90%") are claims, not measurements
    assert "SRC-09" not in set(table["id"])
    ax = plot_evidence("spinal_mets_autopsy")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == table["label"].tolist()
    assert _percent_ticks(ax.xaxis.get_major_formatter())
    with pytest.raises(ValueError, match="estimands in the catalogue"):
        evidence_table("nothing_like_this")


def test_evidence_forest_plot_of_rates_uses_per_100k():
    from spinemets.plotting import plot_evidence

    ax = plot_evidence("spinal_mets_rate")
    assert "per 100,000 person-years" in ax.get_xlabel()
    xs = sorted(float(x) for x in ax.lines[0].get_xdata())
    assert xs == pytest.approx([22.9, 30.2])


def test_ranges_without_a_point_are_drawn_without_a_marker():
    from spinemets.plotting import evidence_table, forest_plot

    table = evidence_table("bone_mets_autopsy", primary_site="breast")
    assert "range" in set(table["kind"])  # e.g. SITE-02, 65-75% with no point
    ax = forest_plot(table)
    gids = {c.get_gid() for c in ax.collections}
    assert "range" in gids
    marks = [line for line in ax.lines if line.get_gid() == "study_estimate"]
    n_points = sum(len(m.get_xdata()) for m in marks)
    assert n_points == int((table["kind"] == "study").sum())


def test_overlaid_distributions_get_a_shared_axis_label():
    ax = plot_distribution(Proportion.beta(30, 70, label="autopsy"))
    plot_distribution(Proportion.beta(10, 90, label="clinical"), ax=ax)
    assert ax.get_xlabel() == "proportion"
