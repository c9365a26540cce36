"""Drawing primitives for spinemets results (matplotlib, imported when a figure is made).

This is the low layer every ``.plot()`` method calls: it knows nothing of the catalogue or of
the value classes (a distribution is anything with ``dist``, ``unit``, ``label``,
``interval`` and ``ppf``), so every module above it can import it at the top. The public
:mod:`spinemets.plotting` re-exports these functions and adds the catalogue forest plots.

Every function takes ``ax=None`` (a new figure is made when it is None, sized to the rows it
draws), returns the matplotlib ``Axes``, labels the axes with their units, shows fractions as
percent on the ticks and never calls ``plt.show()``. Colours come from :data:`PALETTE` (the
Okabe-Ito colour-blind-safe palette) and every distinction drawn in colour is also drawn in
line style, marker or width; a legend, where one is drawn, is built from the artists
themselves, so it never shows a style that is not on the plot.

Artists carry a ``gid`` so that what was drawn can be found again (by tests, or to restyle):

- :func:`plot_distribution`: ``"density"`` (line), ``"interval"`` (shaded area),
  ``"mean"`` (vertical line);
- :func:`forest_plot`: ``"study_ci"``, ``"study_estimate"`` (squares, area proportional to
  the weight when the table has one), ``"pooled"`` (diamonds), ``"range"``,
  ``"prediction"``, ``"values"`` (the estimate [CI] weight text column) and
  ``"heterogeneity"`` (the I², τ² note);
- :func:`plot_estimates`: ``"prediction"`` (with ``"prediction_caps"``), ``"confidence"``,
  ``"mean"``;
- :func:`plot_draws`: ``"draws"`` (histogram bars), ``"interval"``, ``"estimate"``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._display import axis_label, format_value, percent_tick_formatter
from ._validation import check_confidence_level

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["FOREST_KINDS", "LINESTYLES", "PALETTE", "PER_100K", "POOLED_KINDS", "forest_plot",
           "percent_axis", "plot_distribution", "plot_draws", "plot_estimates", "pyplot"]

#: Okabe & Ito's colour-blind-safe palette (blue, vermillion, bluish green, reddish purple,
#: orange, sky blue, yellow, black), in the order successive series use it.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442",
           "#000000")
#: Line styles paired with the palette, so that series differ by more than hue.
LINESTYLES = ("-", "--", "-.", ":")
PER_100K = 100_000.0
POOLED_KINDS = ("fixed", "random", "pooled")
FOREST_KINDS = ("study", "range", "prediction", *POOLED_KINDS)


def pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "plotting needs matplotlib; install it with `pip install spinemets[plot]`"
        ) from exc
    return plt


def check_axes(ax: Any) -> Axes | None:
    """``ax`` if it is None or a matplotlib Axes, else a TypeError naming it."""
    if ax is not None:
        from matplotlib.axes import Axes as _Axes

        if not isinstance(ax, _Axes):
            raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__} "
                            f"{ax!r:.60}")
    return ax


def _axes(ax: Axes | None) -> Axes:
    if check_axes(ax) is None:
        _, ax = pyplot().subplots()
    return ax


def _rows_figure(labels: list[str], *, right: float, row_height: float) -> Axes:
    """A new figure for one row per label: its height grows with the rows and its width
    with the longest label, with ``right`` inches kept free right of the axes (legend or
    value column), so that nothing is cut and no layout engine has to shrink the axes."""
    longest = max((len(label) for label in labels), default=0)
    left = 0.35 + 0.08 * longest  # inches of tick labels at the default 10 pt
    width = left + 4.8 + right
    height = 1.1 + row_height * max(len(labels), 3)
    fig, ax = pyplot().subplots(figsize=(width, height))
    fig.subplots_adjust(left=left / width, right=1 - right / width, bottom=0.6 / height,
                        top=1 - 0.4 / height)
    return ax


def percent_axis(axis: Any) -> None:
    """Percent ticks (the display layer's formatter) on a matplotlib axis of fractions."""
    axis.set_major_formatter(percent_tick_formatter())


def _series_style(ax: Axes, gid: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Colour and line style of the next series with artists ``gid`` on ``ax``, unless the
    caller chose them: the n-th series gets ``PALETTE[n]`` and ``LINESTYLES[n]``."""
    n = sum(1 for line in ax.get_lines() if line.get_gid() == gid)
    style = dict(kwargs)
    if "color" not in style and "c" not in style:
        style["color"] = PALETTE[n % len(PALETTE)]
    if "linestyle" not in style and "ls" not in style:
        style["linestyle"] = LINESTYLES[n % len(LINESTYLES)]
    return style


def _density_top(obj: Any, x: np.ndarray, dens: np.ndarray) -> tuple[float, bool]:
    """Upper y limit for a density: its maximum, or, when the density spikes at an edge of
    the support (a Beta with a parameter below 1, e.g. 0 events in 30), 1.1 times its
    largest value over the central half of the mass, so that the rest stays visible."""
    finite = dens[np.isfinite(dens)]
    peak = float(finite.max()) if finite.size else 1.0
    q1, q3 = (float(v) for v in obj.ppf([0.25, 0.75]))
    central = dens[(x >= q1) & (x <= q3) & np.isfinite(dens)]
    cap = 1.1 * float(central.max()) if central.size else peak
    if peak > 1.5 * cap:
        return cap, True
    return 1.05 * peak, False


def plot_distribution(obj: Any, ax: Axes | None = None, confidence_level: float = 0.95,
                      **kwargs: Any) -> Axes:
    """Density of a :class:`~spinemets.Proportion` or :class:`~spinemets.Rate`.

    The central ``confidence_level`` interval is shaded and the mean marked with a thin
    dotted vertical line, in the colour of the density. Proportions are drawn on [0, 1] with
    percent ticks; rates per 100,000 person-years. Each distribution drawn on the same
    ``Axes`` takes the next colour and line style of :data:`PALETTE` / :data:`LINESTYLES`
    and is one entry of ``ax.legend()`` (its label). A density that rises without bound at
    an edge (e.g. ``beta_from_counts(0, 30)``) is cut at the top of the axes, with a note
    saying so, so that the rest of it stays readable.

    Parameters
    ----------
    obj : Proportion or Rate
        The distribution to draw.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when None.
    confidence_level : float, default 0.95
        Mass of the shaded central interval.
    **kwargs
        Passed to ``Axes.plot`` for the density line (e.g. ``color``, ``label``).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from spinemets import Proportion
    >>> from spinemets.plotting import plot_distribution
    >>> ax = plot_distribution(Proportion.beta(30, 70, label="spinal metastases"))
    >>> ax.get_xlabel()
    'spinal metastases, %'
    """
    level = check_confidence_level(confidence_level)
    unit = getattr(obj, "unit", None)
    label = str(getattr(obj, "label", "") or "")
    if unit == "fraction":
        scale, support = 1.0, (0.0, 1.0)
        xlabel = axis_label(label, "fraction") if label else "proportion"
        ylabel = "probability density"
    elif unit == "per_person_year":
        scale, support = PER_100K, (0.0, np.inf)
        xlabel = axis_label(label, "per_person_year")
        ylabel = "probability density (per 100,000 person-years)⁻¹"
    else:
        raise TypeError(
            f"obj must be a spinemets Proportion or Rate, got {type(obj).__name__} {obj!r:.80}"
        )
    ax = _axes(ax)
    previous_top = (ax.get_ylim()[1] if any(line.get_gid() == "density"
                                            for line in ax.get_lines()) else 0.0)
    style = _series_style(ax, "density", kwargs)
    if label and "label" not in style:
        style["label"] = label
    lo_ci, hi_ci = obj.interval(level)
    q_lo, q_hi = (float(v) for v in obj.ppf([1e-4, 1.0 - 1e-4]))
    pad = 0.08 * (q_hi - q_lo)
    left = q_lo - pad if q_lo - pad > support[0] else q_lo
    right = q_hi + pad if q_hi + pad < support[1] else q_hi
    x = np.union1d(np.linspace(left, right, 600), [lo_ci, hi_ci])
    dens = np.asarray(obj.dist.pdf(x), dtype=float)
    dens = np.where(np.isfinite(dens), dens, np.nan)
    (line,) = ax.plot(x * scale, dens / scale, **style)
    line.set_gid("density")
    inside = (x >= lo_ci) & (x <= hi_ci)
    band = ax.fill_between(
        x[inside] * scale, 0.0, dens[inside] / scale, color=line.get_color(), alpha=0.25,
        linewidth=0, label=f"_{100 * level:g}% interval",
    )
    band.set_gid("interval")
    mean_line = ax.axvline(obj.mean * scale, color=line.get_color(), linestyle=(0, (1, 2)),
                           linewidth=1, label="_mean")
    mean_line.set_gid("mean")
    previous = ax.get_xlabel()
    if previous and previous != xlabel:
        # several distributions on one Axes: keep a label that fits them all
        xlabel = "rate per 100,000 person-years" if unit == "per_person_year" else "proportion"
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    top, clipped = _density_top(obj, x, dens)
    ax.set_ylim(0, max(previous_top, top / scale))
    if clipped:
        note = ax.annotate("density cut at the top: it rises without bound at the edge",
                           xy=(0.99, 0.98), xycoords="axes fraction", ha="right", va="top",
                           fontsize="small", color="0.3")
        note.set_gid("clipped")
    if unit == "fraction":
        percent_axis(ax.xaxis)
    return ax


def _forest_frame(table: Any) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a pandas DataFrame, got {type(table).__name__}")
    required = ["label", "estimate", "ci_lower", "ci_upper"]
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise ValueError(
            f"table must have columns {', '.join(required)}; missing {', '.join(missing)} "
            f"(got columns {list(table.columns)!r:.200})"
        )
    df = table.reset_index(drop=True).copy()
    if "kind" not in df.columns:
        df["kind"] = "study"
    df["kind"] = df["kind"].fillna("study").astype(str)
    bad_kind = ~df["kind"].isin(FOREST_KINDS)
    if bad_kind.any():
        i = int(np.flatnonzero(bad_kind)[0])
        raise ValueError(
            f"table column 'kind' must be one of {', '.join(map(repr, FOREST_KINDS))}; got "
            f"{df.loc[i, 'kind']!r} in row {i}"
        )
    for col in ("estimate", "ci_lower", "ci_upper"):
        vals = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(vals)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"table column {col!r} must hold finite numbers, got {df.loc[i, col]!r} in row "
                f"{i} ({df.loc[i, 'label']!r})"
            )
        df[col] = vals
    order = (df["ci_lower"] <= df["estimate"] + 1e-12) & (df["estimate"] <= df["ci_upper"] + 1e-12)
    if not order.all():
        i = int(np.flatnonzero(~order.to_numpy())[0])
        raise ValueError(
            f"table rows must satisfy ci_lower <= estimate <= ci_upper; row {i} "
            f"({df.loc[i, 'label']!r}) has {df.loc[i, 'ci_lower']!r}, {df.loc[i, 'estimate']!r}, "
            f"{df.loc[i, 'ci_upper']!r}"
        )
    return df


def _fmt_value(value: float, percent: bool) -> str:
    return format_value(value, "fraction" if percent else "number")


def forest_plot(table: pd.DataFrame, ax: Axes | None = None, *, xlabel: str = "proportion",
                percent: bool = True, color: str = PALETTE[0],
                pooled_color: str = PALETTE[1], values: bool = True) -> Axes:
    """Forest plot: one row per estimate with its interval, pooled rows as diamonds.

    Serves :meth:`spinemets.PooledProportion.plot` and forest plots of catalogue
    evidence rows alike.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``label, estimate, ci_lower, ci_upper`` and optionally ``kind``: ``"study"``
        (default; a square with a horizontal interval), ``"range"`` (a reported range
        without a point: a dotted line from ``ci_lower`` to ``ci_upper``, no marker),
        ``"fixed"``, ``"random"`` or
        ``"pooled"`` (a diamond spanning the interval) or ``"prediction"`` (a dashed
        horizontal line spanning ``ci_lower`` to ``ci_upper``). Rows are drawn top to bottom
        in table order. With a ``weight`` column (the study's share of the pooled weight)
        the squares' areas are proportional to the weights. With columns ``i2`` and
        ``tau2`` (on pooled rows) the pooled rows are annotated with I² and τ².
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure (sized to the number of rows) when None.
    xlabel : str, default "proportion"
        Label of the x axis.
    percent : bool, default True
        Format x ticks as percent (the values are fractions).
    color, pooled_color : str
        Colours of study rows and of pooled rows / prediction interval.
    values : bool, default True
        Write each row's ``estimate [CI]`` and weight as a text column right of the plot.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from spinemets.plotting import forest_plot
    >>> table = pd.DataFrame({"label": ["A", "B", "pooled"], "estimate": [0.3, 0.36, 0.33],
    ...                       "ci_lower": [0.25, 0.33, 0.30], "ci_upper": [0.35, 0.39, 0.36],
    ...                       "kind": ["study", "study", "random"]})
    >>> [t.get_text() for t in forest_plot(table).get_yticklabels()]
    ['A', 'B', 'pooled']
    """
    df = _forest_frame(table)
    if check_axes(ax) is None:
        ax = _rows_figure(df["label"].astype(str).tolist(), right=2.5 if values else 0.3,
                          row_height=0.35)
    ypos = np.arange(len(df), dtype=float)
    kinds = df["kind"].to_numpy()
    weights = (pd.to_numeric(df["weight"], errors="coerce").to_numpy(dtype=float)
               if "weight" in df.columns else np.full(len(df), np.nan))

    study = kinds == "study"
    if study.any():
        lines = ax.hlines(ypos[study], df["ci_lower"][study], df["ci_upper"][study],
                          color=color, linewidth=1.5)
        lines.set_gid("study_ci")
        w = weights[study]
        if np.isfinite(w).all() and (w > 0).all():
            # marker area proportional to the weight: the heaviest study gets 12 pt squares
            sizes = (12.0 * np.sqrt(w / w.max())) ** 2
        else:
            sizes = np.full(int(study.sum()), 6.0 ** 2)
        marks = ax.scatter(df["estimate"][study], ypos[study], s=sizes, marker="s",
                           color=color, zorder=3)
        marks.set_gid("study_estimate")
    half = 0.3
    for i in np.flatnonzero(np.isin(kinds, POOLED_KINDS)):
        lo, est, hi = df.loc[i, ["ci_lower", "estimate", "ci_upper"]]
        (diamond,) = ax.fill([lo, est, hi, est], [ypos[i], ypos[i] - half, ypos[i],
                                                  ypos[i] + half],
                             facecolor=pooled_color if kinds[i] != "fixed" else "white",
                             edgecolor=pooled_color, linewidth=1.2)
        diamond.set_gid("pooled")
    spread = kinds == "range"
    if spread.any():
        rlines = ax.hlines(ypos[spread], df["ci_lower"][spread], df["ci_upper"][spread],
                           color=color, linestyle=":", linewidth=2.0)
        rlines.set_gid("range")
    pred = kinds == "prediction"
    if pred.any():
        plines = ax.hlines(ypos[pred], df["ci_lower"][pred], df["ci_upper"][pred],
                           color=pooled_color, linestyle="--", linewidth=1.5)
        plines.set_gid("prediction")
    ax.set_yticks(ypos)
    ax.set_yticklabels(df["label"].astype(str).tolist())
    ax.set_ylim(len(df) - 0.5, -0.5)
    ax.set_xlabel(xlabel)
    if values:
        _value_column(ax, df, ypos, weights, percent)
    if {"i2", "tau2"} <= set(df.columns):
        _heterogeneity_note(ax, df)
    if percent:
        percent_axis(ax.xaxis)
    return ax


def _value_column(ax: Axes, df: pd.DataFrame, ypos: np.ndarray, weights: np.ndarray,
                  percent: bool) -> None:
    """The ``estimate [CI]  weight`` text column right of the plot."""
    from matplotlib.transforms import blended_transform_factory

    where = blended_transform_factory(ax.transAxes, ax.transData)
    header = ax.text(1.02, -0.5, "estimate [CI]   weight", transform=where, ha="left",
                     va="bottom", fontsize="small", fontweight="bold")
    header.set_gid("values")
    for i, y in enumerate(ypos):
        lo, est, hi = (float(df.loc[i, c]) for c in ("ci_lower", "estimate", "ci_upper"))
        interval = f"[{_fmt_value(lo, percent)}, {_fmt_value(hi, percent)}]"
        if df.loc[i, "kind"] == "prediction":
            text = f"{interval} (prediction)"
        elif df.loc[i, "kind"] == "range":
            text = f"{interval} (range)"
        else:
            text = f"{_fmt_value(est, percent)} {interval}"
        if df.loc[i, "kind"] == "study" and np.isfinite(weights[i]):
            text += f"   {format_value(weights[i], 'fraction')}"
        label = ax.text(1.02, y, text, transform=where, ha="left", va="center",
                        fontsize="small")
        label.set_gid("values")


def _heterogeneity_note(ax: Axes, df: pd.DataFrame) -> None:
    """I² and τ² of the random-effects (or pooled) row, above the plot's top-left corner."""
    pooled = [i for i in range(len(df)) if df.loc[i, "kind"] in ("random", "pooled")
              and pd.notna(df.loc[i, "i2"]) and pd.notna(df.loc[i, "tau2"])]
    for i in pooled[:1]:
        text = (f"{df.loc[i, 'label']}: I² = {format_value(float(df.loc[i, 'i2']), 'fraction')}"
                f", τ² = {format_value(float(df.loc[i, 'tau2']), 'number')} (logit scale)")
        note = ax.text(0.0, 1.01, text, transform=ax.transAxes, ha="left", va="bottom",
                       fontsize="small", color="0.25")
        note.set_gid("heterogeneity")


_LABEL_CANDIDATES = ("label", "primary_site", "site", "cohort", "stratum", "outcome",
                     "parameter")
# Columns of an estimate table that describe how it was computed, not which row it is.
_NOT_LABELS = frozenset({"method", "encoding", "sources", "assumption", "spinemets_version",
                         "data_version", "parameter", "outcome", "seed", "index"})


def _row_labels(data: pd.DataFrame, label_column: str | None, index: pd.Index) -> list[str]:
    """Row labels: ``label_column`` as given, or by default the first of
    :data:`_LABEL_CANDIDATES`, led by the other text columns that tell repeated labels apart
    (``"A · breast"``)."""
    if label_column is not None:
        return [str(s) for s in data[label_column]]
    label_column = next((c for c in _LABEL_CANDIDATES if c in data.columns), None)
    if label_column is None:
        return [str(s) for s in index]
    labels = [str(s) for s in data[label_column]]
    if len(set(labels)) == len(labels):
        return labels
    lead = [c for c in data.columns if c != label_column and c not in _NOT_LABELS
            and not pd.api.types.is_numeric_dtype(data[c]) and data[c].nunique() > 1]
    parts = [[str(v) for v in data[c]] for c in lead]
    for k in range(1, len(parts) + 1):
        combined = [" · ".join([*(p[i] for p in parts[:k]), labels[i]])
                    for i in range(len(labels))]
        if len(set(combined)) == len(combined) or k == len(parts):
            return combined
    return labels


def plot_estimates(df: pd.DataFrame, ax: Axes | None = None, *, label_column: str | None = None,
                   xlabel: str = "patients") -> Axes:
    """Expected counts with their confidence and prediction intervals, one row per stratum.

    For the output of ``spinemets.estimate()``: the thin black line with end caps is the
    prediction interval (``pi_lower, pi_upper``: the count that will actually be observed),
    the thick translucent bar the confidence interval of the expected count (``ci_lower,
    ci_upper``) and the white dot the expected count (``mean``). A new figure grows with
    the number of rows.

    Parameters
    ----------
    df : pandas.DataFrame
        Columns ``mean, ci_lower, ci_upper, pi_lower, pi_upper``; rows are labelled by
        ``label_column``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when None.
    label_column : str, optional
        Column naming the rows. By default the first present of ``label, primary_site,
        site, cohort, stratum, outcome, parameter``, else the index. Labels that repeat
        (two hospitals with the same sites) are led by the text columns that tell them
        apart (``"A · breast"``).
    xlabel : str, default "patients"
        Label of the count axis.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from spinemets.plotting import plot_estimates
    >>> df = pd.DataFrame({"primary_site": ["breast", "lung"], "mean": [40.0, 25.0],
    ...                    "ci_lower": [30.0, 18.0], "ci_upper": [51.0, 33.0],
    ...                    "pi_lower": [27.0, 15.0], "pi_upper": [55.0, 37.0]})
    >>> ax = plot_estimates(df)
    >>> ax.get_xlabel(), [t.get_text() for t in ax.get_yticklabels()]
    ('patients', ['breast', 'lung'])
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    cols = ["mean", "ci_lower", "ci_upper", "pi_lower", "pi_upper"]
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"df must have columns {', '.join(cols)}; missing {', '.join(missing)} "
                         f"(got columns {list(df.columns)!r:.200})")
    if label_column is not None and label_column not in df.columns:
        raise ValueError(f"label_column {label_column!r} is not a column of df")
    data = df.reset_index(drop=True)
    vals = {}
    for c in cols:
        v = pd.to_numeric(data[c], errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(v).all():
            i = int(np.flatnonzero(~np.isfinite(v))[0])
            raise ValueError(f"df column {c!r} must hold finite numbers, got {data.loc[i, c]!r} "
                             f"in row {i}")
        vals[c] = v
    labels = _row_labels(data, label_column, df.index)

    from matplotlib.ticker import MaxNLocator

    if check_axes(ax) is None:
        ax = _rows_figure(labels, right=3.3, row_height=0.32)
    y = np.arange(len(data), dtype=float)
    level = ""
    if "confidence_level" in df.columns and df["confidence_level"].nunique() == 1:
        level = f"{100 * float(df['confidence_level'].iloc[0]):g}% "
    ci = ax.hlines(y, vals["ci_lower"], vals["ci_upper"], color=PALETTE[0], linewidth=7,
                   alpha=0.45, label=f"{level}confidence interval (expected count)", zorder=2)
    ci.set_gid("confidence")
    pi = ax.hlines(y, vals["pi_lower"], vals["pi_upper"], color="black", linewidth=1,
                   linestyle="-", label=f"{level}prediction interval (observed count)",
                   zorder=3)
    pi.set_gid("prediction")
    (caps,) = ax.plot(np.concatenate([vals["pi_lower"], vals["pi_upper"]]),
                      np.concatenate([y, y]), linestyle="none", marker="|", markersize=9,
                      color="black", label="_prediction interval ends", zorder=3)
    caps.set_gid("prediction_caps")
    (mean,) = ax.plot(vals["mean"], y, linestyle="none", marker="o", markersize=6,
                      markerfacecolor="white", markeredgecolor=PALETTE[1],
                      markeredgewidth=1.5, label="expected count", zorder=4)
    mean.set_gid("mean")
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    ax.set_ylim(len(data) - 0.5, -0.5)
    ax.set_xlabel(xlabel)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(left=0)
    ax.legend(handles=[pi, ci, mean], loc="upper left", bbox_to_anchor=(1.01, 1.0),
              fontsize="small", borderaxespad=0.0)
    return ax


def plot_draws(draws: Any, ax: Axes | None = None, *, interval: tuple[float, float] | None = None,
               estimate: float | None = None, xlabel: str = "proportion",
               percent: bool = True, bins: int = 60, **kwargs: Any) -> Axes:
    """Histogram (density) of Monte Carlo draws of a fraction, with an interval shaded.

    Parameters
    ----------
    draws : array_like of float
        The draws (a single value gives a single vertical line).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when None.
    interval : (float, float), optional
        Interval to shade (e.g. the equal-tailed 95% interval).
    estimate : float, optional
        Value marked with a vertical line.
    xlabel : str, default "proportion"
        Label of the x axis.
    percent : bool, default True
        Format x ticks as percent.
    bins : int, default 60
        Number of histogram bins.
    **kwargs
        Passed to ``Axes.hist``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np
    >>> from spinemets.plotting import plot_draws
    >>> draws = np.random.default_rng(0).beta(30, 70, size=1000)
    >>> plot_draws(draws, interval=(0.21, 0.39), estimate=0.3).get_ylabel()
    'probability density'
    """
    try:
        x = np.asarray(draws, dtype=float).ravel()
    except (TypeError, ValueError):
        x = np.array([np.nan])
    if x.size == 0 or not np.isfinite(x).all():
        raise ValueError(f"draws must be a non-empty array of finite numbers, got "
                         f"{draws!r:.80}")
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or not 1 <= bins <= 10_000:
        raise ValueError(f"bins must be a whole number from 1 to 10,000, got {bins!r:.60}")
    ax = _axes(ax)
    if x.size > 1 and np.ptp(x) > 0:
        kwargs.setdefault("color", PALETTE[0])
        _, _, patches = ax.hist(x, bins=bins, density=True, alpha=0.6, **kwargs)
        for p in patches:
            p.set_gid("draws")
    if interval is not None:
        band = ax.axvspan(interval[0], interval[1], alpha=0.2, color=PALETTE[4],
                          label="interval")
        band.set_gid("interval")
    if estimate is not None:
        line = ax.axvline(estimate, color=PALETTE[1], linestyle="--", label="estimate")
        line.set_gid("estimate")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("probability density")
    if percent:
        percent_axis(ax.xaxis)
    return ax


def plot_count_law(counts: Any, probabilities: Any, capacity: float, ax: Any = None, *,
                   exceed: float | None = None, xlabel: str = "count",
                   title: str = "", **kwargs: Any) -> Any:
    """Bars of a count distribution, those above ``capacity`` set apart, with a capacity line.

    Parameters
    ----------
    counts, probabilities : array_like
        Whole numbers and their probabilities (bars).
    capacity : float
        Counts above it are drawn in a second colour; a dashed line marks it.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when None.
    exceed : float, optional
        P(count > capacity), written in the legend.
    xlabel, title : str
        Axis label and title.
    **kwargs
        Passed to ``Axes.bar``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from scipy import stats
    >>> from spinemets._draw import plot_count_law
    >>> ax = plot_count_law(range(15), stats.poisson.pmf(range(15), 4), 7, exceed=0.051)
    >>> len(ax.patches)
    15
    """
    from matplotlib.ticker import MaxNLocator

    n = np.asarray(counts, dtype=float)
    p = np.asarray(probabilities, dtype=float)
    if n.shape != p.shape or n.ndim != 1:
        raise ValueError(f"counts and probabilities must be 1-D of the same length, got "
                         f"shapes {n.shape} and {p.shape}")
    if check_axes(ax) is None:
        # room right of the axes for the legend, so that it covers no bar and no line
        fig, ax = pyplot().subplots(figsize=(9.0, 4.5))
        fig.subplots_adjust(left=0.09, right=0.66, bottom=0.13, top=0.9)
    over = n > capacity
    kwargs.setdefault("width", 0.85)
    within_colour = kwargs.pop("color", PALETTE[0])
    # over-capacity bars differ by hatching too, not by hue alone (and keep a user's colour)
    over_colour = PALETTE[1] if within_colour == PALETTE[0] else within_colour
    ax.bar(n[~over], p[~over], color=within_colour, label="within capacity", **kwargs)
    ax.bar(n[over], p[over], color=over_colour, hatch="//", edgecolor="white",
           label="over capacity", **{k: v for k, v in kwargs.items() if k != "edgecolor"})
    label = f"capacity {capacity:g}"
    if exceed is not None:
        label += f"\nP(more than capacity) = {format_value(exceed, 'fraction')}"
    line = ax.axvline(capacity + 0.5, color="black", linestyle="--", label=label)
    line.set_gid("capacity")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no tick at 2.5 scans
    ax.set_xlabel(xlabel)
    ax.set_ylabel("probability")
    if title:
        ax.set_title(title)
    # outside the axes: inside, a legend always covers some bar or the capacity line
    ax.legend(frameon=False, fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0),
              borderaxespad=0.0)
    return ax
