"""Drawing primitives for spinemets results (matplotlib, imported when a figure is made).

This is the low layer every ``.plot()`` method calls: it knows nothing of the catalogue or of
the value classes (a distribution is anything with ``dist``, ``unit``, ``label``,
``interval`` and ``ppf``), so every module above it can import it at the top. The public
:mod:`spinemets.plotting` re-exports these functions and adds the catalogue forest plots.

Every function takes ``ax=None`` (a new figure is made when it is None), returns the
matplotlib ``Axes``, labels the axes with their units, shows fractions as percent on the
ticks and never calls ``plt.show()``.

Artists carry a ``gid`` so that what was drawn can be found again (by tests, or to restyle):

- :func:`plot_distribution`: ``"density"`` (line), ``"interval"`` (shaded area),
  ``"mean"`` (vertical line);
- :func:`forest_plot`: ``"study_ci"``, ``"study_estimate"``, ``"pooled"`` (diamonds),
  ``"prediction"``;
- :func:`plot_estimates`: ``"prediction"``, ``"confidence"``, ``"mean"``;
- :func:`plot_draws`: ``"draws"`` (histogram bars), ``"interval"``, ``"estimate"``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._display import axis_label, percent_tick_formatter
from ._validation import check_confidence_level

__all__ = ["FOREST_KINDS", "PER_100K", "POOLED_KINDS", "forest_plot", "percent_axis",
           "plot_distribution", "plot_draws", "plot_estimates", "pyplot"]

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


def _axes(ax: Any) -> Any:
    if ax is None:
        _, ax = pyplot().subplots()
    return ax


def percent_axis(axis: Any) -> None:
    """Percent ticks (the display layer's formatter) on a matplotlib axis of fractions."""
    axis.set_major_formatter(percent_tick_formatter())


def plot_distribution(obj: Any, ax: Any = None, confidence_level: float = 0.95,
                      **kwargs: Any) -> Any:
    """Density of a :class:`~spinemets.Proportion` or :class:`~spinemets.Rate`.

    The central ``confidence_level`` interval is shaded and the mean marked with a dashed
    vertical line. Proportions are drawn on [0, 1] with percent ticks; rates per 100,000
    person-years.

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
    if unit == "fraction":
        scale, support = 1.0, (0.0, 1.0)
        xlabel = axis_label(obj.label, "fraction") if obj.label else "proportion"
        ylabel = "probability density"
    elif unit == "per_person_year":
        scale, support = PER_100K, (0.0, np.inf)
        what = f"{obj.label}: " if obj.label else ""
        xlabel = f"{what}rate per 100,000 person-years"
        ylabel = "probability density (per 100,000 person-years)⁻¹"
    else:
        raise TypeError(
            f"obj must be a spinemets Proportion or Rate, got {type(obj).__name__} {obj!r:.80}"
        )
    ax = _axes(ax)
    lo_ci, hi_ci = obj.interval(level)
    q_lo, q_hi = (float(v) for v in obj.ppf([1e-4, 1.0 - 1e-4]))
    pad = 0.08 * (q_hi - q_lo)
    left = q_lo - pad if q_lo - pad > support[0] else q_lo
    right = q_hi + pad if q_hi + pad < support[1] else q_hi
    x = np.union1d(np.linspace(left, right, 600), [lo_ci, hi_ci])
    dens = np.asarray(obj.dist.pdf(x), dtype=float)
    dens = np.where(np.isfinite(dens), dens, np.nan)
    (line,) = ax.plot(x * scale, dens / scale, **kwargs)
    line.set_gid("density")
    inside = (x >= lo_ci) & (x <= hi_ci)
    band = ax.fill_between(
        x[inside] * scale, 0.0, dens[inside] / scale, color=line.get_color(), alpha=0.25,
        linewidth=0, label=f"{100 * level:g}% interval",
    )
    band.set_gid("interval")
    mean_line = ax.axvline(obj.mean * scale, color=line.get_color(), linestyle="--",
                           linewidth=1, label="mean")
    mean_line.set_gid("mean")
    previous = ax.get_xlabel()
    if previous and previous != xlabel:
        # several distributions on one Axes: keep a label that fits them all
        xlabel = "rate per 100,000 person-years" if unit == "per_person_year" else "proportion"
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
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
            f"table must have columns {', '.join(required)}; missing {', '.join(missing)}"
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


def forest_plot(table: pd.DataFrame, ax: Any = None, *, xlabel: str = "proportion",
                percent: bool = True, color: str = "C0", pooled_color: str = "C3") -> Any:
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
        in table order.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure (sized to the number of rows) when None.
    xlabel : str, default "proportion"
        Label of the x axis.
    percent : bool, default True
        Format x ticks as percent (the values are fractions).
    color, pooled_color : str
        Colours of study rows and of pooled rows / prediction interval.

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
    if ax is None:
        plt = pyplot()
        _, ax = plt.subplots(figsize=(6.4, 1.0 + 0.35 * max(len(df), 3)))
    ypos = np.arange(len(df), dtype=float)
    kinds = df["kind"].to_numpy()

    study = kinds == "study"
    if study.any():
        lines = ax.hlines(ypos[study], df["ci_lower"][study], df["ci_upper"][study],
                          color=color, linewidth=1.5)
        lines.set_gid("study_ci")
        (marks,) = ax.plot(df["estimate"][study], ypos[study], linestyle="none", marker="s",
                           color=color, markersize=5)
        marks.set_gid("study_estimate")
    half = 0.3
    for i in np.flatnonzero(np.isin(kinds, POOLED_KINDS)):
        lo, est, hi = df.loc[i, ["ci_lower", "estimate", "ci_upper"]]
        (diamond,) = ax.fill([lo, est, hi, est], [ypos[i], ypos[i] - half, ypos[i],
                                                  ypos[i] + half],
                             color=pooled_color, alpha=0.9 if kinds[i] == "random" else 0.5)
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
    if percent:
        percent_axis(ax.xaxis)
    return ax


_LABEL_CANDIDATES = ("label", "primary_site", "site", "cohort", "stratum", "outcome",
                     "parameter")


def plot_estimates(df: pd.DataFrame, ax: Any = None, *, label_column: str | None = None,
                   xlabel: str = "patients") -> Any:
    """Expected counts with their confidence and prediction intervals, one row per stratum.

    For the output of ``spinemets.estimate()``: the thin dashed line is the prediction
    interval (``pi_lower, pi_upper``: the count that will actually be observed), the thick line
    the confidence interval of the expected count (``ci_lower, ci_upper``) and the dot the
    expected count (``mean``).

    Parameters
    ----------
    df : pandas.DataFrame
        Columns ``mean, ci_lower, ci_upper, pi_lower, pi_upper``; rows are labelled by
        ``label_column``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when None.
    label_column : str, optional
        Column naming the rows. By default the first present of ``label, primary_site,
        site, cohort, stratum, outcome, parameter``, else the index.
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
        raise ValueError(f"df must have columns {', '.join(cols)}; missing {', '.join(missing)}")
    if label_column is not None and label_column not in df.columns:
        raise ValueError(f"label_column {label_column!r} is not a column of df")
    data = df.reset_index(drop=False)
    vals = {}
    for c in cols:
        v = pd.to_numeric(data[c], errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(v).all():
            i = int(np.flatnonzero(~np.isfinite(v))[0])
            raise ValueError(f"df column {c!r} must hold finite numbers, got {data.loc[i, c]!r} "
                             f"in row {i}")
        vals[c] = v
    if label_column is None:
        label_column = next((c for c in _LABEL_CANDIDATES if c in df.columns), None)
    labels = (data[label_column] if label_column is not None else df.index.to_series())
    labels = [str(s) for s in labels]

    from matplotlib.ticker import MaxNLocator

    ax = _axes(ax)
    y = np.arange(len(data), dtype=float)
    level = ""
    if "confidence_level" in df.columns and df["confidence_level"].nunique() == 1:
        level = f"{100 * float(df['confidence_level'].iloc[0]):g}% "
    pi = ax.hlines(y, vals["pi_lower"], vals["pi_upper"], color="C0", linewidth=1,
                   linestyle="--", label=f"{level}prediction interval (observed count)")
    pi.set_gid("prediction")
    ci = ax.hlines(y, vals["ci_lower"], vals["ci_upper"], color="C0", linewidth=4,
                   label=f"{level}confidence interval (expected count)")
    ci.set_gid("confidence")
    (mean,) = ax.plot(vals["mean"], y, linestyle="none", marker="o", color="C3",
                      label="expected count")
    mean.set_gid("mean")
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    ax.set_ylim(len(data) - 0.5, -0.5)
    ax.set_xlabel(xlabel)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(left=0)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small",
              borderaxespad=0.0)
    return ax


def plot_draws(draws: Any, ax: Any = None, *, interval: tuple[float, float] | None = None,
               estimate: float | None = None, xlabel: str = "proportion",
               percent: bool = True, bins: int = 60, **kwargs: Any) -> Any:
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
    x = np.asarray(draws, dtype=float).ravel()
    if x.size == 0 or not np.isfinite(x).all():
        raise ValueError("draws must be a non-empty array of finite numbers")
    ax = _axes(ax)
    if x.size > 1 and np.ptp(x) > 0:
        _, _, patches = ax.hist(x, bins=bins, density=True, alpha=0.6, **kwargs)
        for p in patches:
            p.set_gid("draws")
    if interval is not None:
        band = ax.axvspan(interval[0], interval[1], alpha=0.15, color="C1", label="interval")
        band.set_gid("interval")
    if estimate is not None:
        line = ax.axvline(estimate, color="C3", linestyle="--", label="estimate")
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
    n = np.asarray(counts, dtype=float)
    p = np.asarray(probabilities, dtype=float)
    if n.shape != p.shape or n.ndim != 1:
        raise ValueError(f"counts and probabilities must be 1-D of the same length, got "
                         f"shapes {n.shape} and {p.shape}")
    ax = _axes(ax)
    over = n > capacity
    kwargs.setdefault("width", 0.85)
    ax.bar(n[~over], p[~over], color="C0", label="within capacity", **kwargs)
    ax.bar(n[over], p[over], color="C1", label="over capacity", **kwargs)
    label = f"capacity {capacity:g}"
    if exceed is not None:
        label += f": P(more than capacity) = {exceed:.3f}"
    line = ax.axvline(capacity + 0.5, color="black", linestyle="--", label=label)
    line.set_gid("capacity")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("probability")
    if title:
        ax.set_title(title)
    ax.legend(frameon=False, fontsize="small")
    return ax
