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
        # described in the docstring, not in the legend: one legend entry per distribution
        assert band.get_label() == f"_{100 * level:g}% interval"

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
        assert ax.get_xlabel() == "spinal metastases, diagnosed, per 100,000 person-years"
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

        (points,) = _by_gid(ax.collections, "study_estimate")
        np.testing.assert_allclose(points.get_offsets()[:, 0], studies.estimate)
        np.testing.assert_allclose(points.get_offsets()[:, 1], np.arange(5))

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
    (marks,) = _by_gid(ax.collections, "study_estimate")
    xs = sorted(float(x) for x in marks.get_offsets()[:, 0])
    assert xs == pytest.approx([22.9, 30.2])


def test_ranges_without_a_point_are_drawn_without_a_marker():
    from spinemets.plotting import evidence_table, forest_plot

    table = evidence_table("bone_mets_autopsy", primary_site="breast")
    assert "range" in set(table["kind"])  # e.g. SITE-02, 65-75% with no point
    ax = forest_plot(table)
    gids = {c.get_gid() for c in ax.collections}
    assert "range" in gids
    marks = _by_gid(ax.collections, "study_estimate")
    n_points = sum(len(m.get_offsets()) for m in marks)
    assert n_points == int((table["kind"] == "study").sum())


def test_overlaid_distributions_get_a_shared_axis_label():
    ax = plot_distribution(Proportion.beta(30, 70, label="autopsy"))
    plot_distribution(Proportion.beta(10, 90, label="clinical"), ax=ax)
    assert ax.get_xlabel() == "proportion"


# =============================================================================================
# Plots a reader trusts (issue 14)
# =============================================================================================


def test_a_density_spike_at_zero_leaves_the_rest_readable():
    import spinemets as sm

    p = sm.beta_from_counts(0, 30)
    ax = p.plot()
    (density,) = _by_gid(ax.get_lines(), "density")
    y = density.get_ydata()
    top = ax.get_ylim()[1]
    assert np.nanmax(y) > 10 * top  # the spike is cut ...
    # ... so that the density at the median of the mass fills a fair part of the axes
    assert p.dist.pdf(p.ppf(0.5)) > 0.25 * top
    assert _by_gid(ax.texts, "clipped")
    # a bounded density is never cut and gets no note
    ax = Proportion.beta(30, 70).plot()
    (density,) = _by_gid(ax.get_lines(), "density")
    assert ax.get_ylim()[1] >= np.nanmax(density.get_ydata())
    assert not _by_gid(ax.texts, "clipped")


@pytest.mark.parametrize("a, b", [(0.5, 30000.5), (2.0, 5000.0), (30.0, 70.0), (500, 500)])
def test_tick_labels_keep_the_digits_the_spacing_needs(a, b):
    ax = Proportion.beta(a, b).plot()
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    ticks = [t for t, lab in zip(ax.get_xticks(), ax.get_xticklabels(), strict=True)
             if lab.get_text()]
    assert len(set(labels)) == len(labels), labels
    for value, text in zip(ticks, labels, strict=True):
        assert text.endswith("%") and "e" not in text
        assert not (abs(value) > 1e-12 and float(text.rstrip("%")) == 0.0), labels


def test_axis_label_of_a_parameter_comes_from_the_display_layer():
    import spinemets as sm

    label = sm.parameter("spinal_mets_autopsy").plot().get_xlabel()
    assert "_" not in label and "(proportion)" not in label and label.endswith(", %")


def test_overlaid_distributions_give_one_legend_entry_each_in_distinct_styles():
    from spinemets._draw import LINESTYLES, PALETTE

    ax = None
    names = ["autopsy", "clinical", "registry"]
    for i, name in enumerate(names):
        ax = plot_distribution(Proportion.beta(10 + 10 * i, 90, label=name), ax=ax)
    legend = ax.legend()
    assert [t.get_text() for t in legend.get_texts()] == names
    lines = _by_gid(ax.get_lines(), "density")
    assert [line.get_color() for line in lines] == list(PALETTE[:3])
    assert [line.get_linestyle() for line in lines] == list(LINESTYLES[:3])
    _assert_legend_matches_drawn_artists(ax)


def _style(artist) -> tuple:
    """(colour, line width) of a line-like artist or of a legend handle.

    (A legend handle of a LineCollection reports the default line style through the public
    API even when it draws the collection's dashes, so the style compared is colour and
    width, plus the line style for plain lines.)"""
    from matplotlib.colors import to_rgba
    from matplotlib.lines import Line2D

    if isinstance(artist, Line2D):
        color = (artist.get_color() if artist.get_linestyle() not in ("None", "")
                 else artist.get_markeredgecolor())
        return (tuple(np.round(to_rgba(color), 3)), round(float(artist.get_linewidth()), 2))
    color = np.atleast_2d(artist.get_edgecolor() if isinstance(artist, LineCollection)
                          else artist.get_facecolor())[0]
    return (tuple(np.round(to_rgba(color), 3)),
            round(float(np.atleast_1d(artist.get_linewidth())[0]), 2))


def _assert_legend_matches_drawn_artists(ax):
    """Every legend entry stands for an artist on the Axes with that label and that style."""
    legend = ax.get_legend()
    assert legend is not None
    drawn = [a for a in [*ax.lines, *ax.collections, *ax.patches]
             if not str(a.get_label()).startswith("_")]
    for text, handle in zip(legend.get_texts(), legend.legend_handles, strict=True):
        same = [a for a in drawn if a.get_label() == text.get_text()]
        assert same, f"legend entry {text.get_text()!r} has no artist"
        if isinstance(same[0], (LineCollection, plt.Line2D)):
            assert _style(handle) == _style(same[0]), text.get_text()
        if isinstance(same[0], plt.Line2D):
            assert handle.get_linestyle() == same[0].get_linestyle(), text.get_text()
            assert handle.get_marker() == same[0].get_marker(), text.get_text()


def test_plot_estimates_legend_matches_what_is_drawn():
    _assert_legend_matches_drawn_artists(plot_estimates(_estimates()))


def test_plot_draws_legend_matches_what_is_drawn():
    ax = plot_draws(np.random.default_rng(0).beta(3, 7, 500), interval=(0.1, 0.5),
                    estimate=0.3)
    ax.legend()
    _assert_legend_matches_drawn_artists(ax)


def test_prediction_interval_differs_from_the_confidence_bar_beyond_colour():
    ax = plot_estimates(_estimates())
    (pi,) = _by_gid(ax.collections, "prediction")
    (ci,) = _by_gid(ax.collections, "confidence")
    assert pi.get_linewidths()[0] * 3 <= ci.get_linewidths()[0]
    assert pi.get_zorder() > ci.get_zorder()  # drawn over the bar, not hidden under it
    (caps,) = _by_gid(ax.get_lines(), "prediction_caps")
    df = _estimates()
    assert sorted(caps.get_xdata()) == sorted([*df.pi_lower, *df.pi_upper])
    assert caps.get_marker() == "|"


def test_plot_estimates_figure_grows_with_the_rows():
    def many(n):
        base = _estimates()
        return pd.concat([base] * (n // 3 + 1), ignore_index=True).head(n).assign(
            primary_site=[f"site {i}" for i in range(n)])

    small, large = plot_estimates(many(3)), plot_estimates(many(40))
    h_small = small.figure.get_size_inches()[1]
    h_large = large.figure.get_size_inches()[1]
    assert h_large > 3 * h_small
    # each row gets at least 1.2 lines of tick-label text
    fontsize = large.get_yticklabels()[0].get_fontsize()
    row_points = large.get_position().height * h_large * 72 / 40
    assert row_points >= 1.2 * fontsize


def test_plot_estimates_default_labels_tell_hospitals_apart():
    df = pd.concat([_estimates().assign(hospital="A"), _estimates().assign(hospital="B")],
                   ignore_index=True)
    labels = [t.get_text() for t in plot_estimates(df).get_yticklabels()]
    assert len(set(labels)) == 6
    assert labels[0] == "A · breast" and labels[3] == "B · breast"


class TestWeightedForest:
    RES = pool_proportions([12, 30, 25, 8, 40], [40, 90, 110, 35, 160],
                           labels=["A", "B", "C", "D", "E"], method="REML")

    def test_square_area_proportional_to_weight(self):
        ax = self.RES.plot()
        (marks,) = _by_gid(ax.collections, "study_estimate")
        w = self.RES.studies["weight"].to_numpy()
        sizes = marks.get_sizes()
        np.testing.assert_allclose(sizes / sizes.max(), w / w.max(), rtol=1e-12)
        assert len(set(np.round(sizes, 6))) > 1

    def test_value_column_and_heterogeneity_note(self):
        from spinemets._display import format_value

        ax = self.RES.plot()
        texts = [t.get_text() for t in _by_gid(ax.texts, "values")]
        assert texts[0] == "estimate [CI]   weight"
        table = self.RES.to_frame()
        assert len(texts) == len(table) + 1
        first = table.iloc[0]
        assert texts[1] == (f"{format_value(first.estimate, 'fraction')} "
                            f"[{format_value(first.ci_lower, 'fraction')}, "
                            f"{format_value(first.ci_upper, 'fraction')}]   "
                            f"{format_value(first.weight, 'fraction')}")
        (note,) = _by_gid(ax.texts, "heterogeneity")
        assert f"I² = {format_value(self.RES.i2, 'fraction')}" in note.get_text()
        assert f"τ² = {format_value(self.RES.tau2, 'number')}" in note.get_text()

    def test_without_weights_squares_are_equal(self):
        table = self.RES.to_frame().drop(columns="weight")
        (marks,) = _by_gid(forest_plot(table).collections, "study_estimate")
        assert len(set(marks.get_sizes())) == 1


def _renderers():
    import spinemets as sm
    from spinemets.plotting import plot_evidence

    res = pool_proportions([12, 30, 25], [40, 90, 110], labels=["A", "B", "C"])
    return {
        "plot_distribution (Proportion)": lambda ax: plot_distribution(
            Proportion.beta(30, 70, label="autopsy"), ax=ax),
        "plot_distribution (Rate)": lambda ax: plot_distribution(
            Rate.gamma(16, 16 / 8.1e-5, label="MSCC"), ax=ax),
        "Proportion.plot (0 of 30)": lambda ax: sm.beta_from_counts(0, 30).plot(ax=ax),
        "forest_plot": lambda ax: forest_plot(res.to_frame(), ax=ax),
        "PooledProportion.plot": lambda ax: res.plot(ax=ax),
        "plot_estimates": lambda ax: plot_estimates(_estimates(), ax=ax),
        "plot_draws": lambda ax: plot_draws(np.random.default_rng(1).beta(3, 7, 400), ax=ax),
        "TruePrevalence.plot": lambda ax: true_prevalence(
            Proportion.beta(50, 150), 0.74, 0.98, draws=2000, rng=3).plot(ax=ax),
        "plot_evidence": lambda ax: plot_evidence("spinal_mets_autopsy", ax=ax),
    }


@pytest.mark.parametrize("name", list(_renderers()))
def test_every_plot_takes_ax_returns_it_and_renders_to_png(name):
    import io

    fig, ax = plt.subplots()
    assert _renderers()[name](ax) is ax
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    png = buffer.getvalue()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5_000
    plt.close(fig)


@pytest.mark.parametrize("plot", ["estimates", "forest"])
def test_new_figures_fit_long_labels_and_the_text_right_of_the_axes(plot):
    long = [f"reading {i}: the range read as a {90 - i}% interval, maximum entropy"
            for i in range(4)]
    if plot == "estimates":
        ax = plot_estimates(_estimates().head(3).assign(primary_site=long[:3]))
    else:
        table = pd.DataFrame({"label": long, "estimate": [0.3] * 4, "ci_lower": [0.2] * 4,
                              "ci_upper": [0.4] * 4, "weight": [0.1, 0.2, 0.3, 0.4]})
        ax = forest_plot(table)
    fig = ax.figure
    fig.canvas.draw()
    box = fig.bbox
    texts = [*ax.get_yticklabels(), *ax.texts]
    if ax.get_legend() is not None:
        texts.append(ax.get_legend())
    for artist in texts:
        extent = artist.get_window_extent()
        assert extent.x0 >= box.x0 - 1 and extent.x1 <= box.x1 + 1, artist


def _legend_overlaps(ax) -> list[str]:
    """Names of drawn artists (bars with height, the capacity line) the legend box covers."""
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = ax.get_legend().get_window_extent(renderer)
    hits = [f"bar at {p.get_x() + p.get_width() / 2:g}" for p in ax.patches
            if p.get_height() > 0 and p.get_window_extent(renderer).overlaps(box)]
    hits += [line.get_label() for line in ax.get_lines()
             if line.get_window_extent(renderer).overlaps(box)]
    page = fig.bbox
    if not (box.x0 >= page.x0 and box.x1 <= page.x1 and box.y0 >= page.y0 and box.y1 <= page.y1):
        hits.append("legend cut by the figure edge")
    return hits


@pytest.mark.parametrize("population", [50_000, 1_000_000, 5_000_000, 20_000_000])
@pytest.mark.parametrize("stream", ["total", "emergency", "urgent", "follow_up"])
def test_plan_plot_legend_covers_no_bar_and_no_capacity_line(population, stream):
    """ImagingPlan.plot's legend sits in free space (issue 14); 5 M follow-up once overlapped."""
    from spinemets import plan_imaging

    ax = plan_imaging(population, rng=1, n_sims=2000).plot(stream=stream)
    assert _legend_overlaps(ax) == []


@pytest.mark.parametrize("mean", [0.3, 4.0, 40.0, 400.0])
def test_count_law_legend_covers_no_bar_for_skewed_and_symmetric_laws(mean):
    from scipy import stats

    from spinemets._draw import plot_count_law

    law = stats.poisson(mean)
    n = np.arange(int(law.ppf(1e-6)), int(law.ppf(1 - 1e-6)) + 1)
    ax = plot_count_law(n, law.pmf(n), law.ppf(0.9), exceed=float(law.sf(law.ppf(0.9))))
    assert _legend_overlaps(ax) == []
    (text,) = [t.get_text() for t in ax.get_legend().get_texts()
               if t.get_text().startswith("capacity ")]
    assert text.endswith("%"), text  # a probability on display is a percent, as in the CLI
