"""Plots of spinemets results (matplotlib, imported when a figure is made).

The drawing functions (:func:`plot_distribution`, :func:`forest_plot`,
:func:`plot_estimates`, :func:`plot_draws`) are the ones every result's ``.plot()`` uses;
:func:`evidence_table` and :func:`plot_evidence` add forest plots of the catalogue's evidence
for one estimand. Every function takes ``ax=None``, returns the ``Axes`` and never calls
``plt.show()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
from scipy import stats

from ._catalogue import evidence as load_evidence
from ._display import axis_label
from ._draw import forest_plot, plot_distribution, plot_draws, plot_estimates
from ._validation import check_confidence_level, check_str

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["evidence_table", "forest_plot", "plot_distribution", "plot_draws",
           "plot_estimates", "plot_evidence"]


def evidence_table(estimand: str, primary_site: str | None = None,
                   confidence_level: float = 0.95, evidence: pd.DataFrame | None = None
                   ) -> pd.DataFrame:
    """The catalogue rows of one estimand as a forest-plot table.

    Rows with counts get their Jeffreys interval; a reported range or confidence interval
    is drawn as given (a range is a spread across settings, not a CI: the ``basis`` column
    says which); a point without interval is drawn as a point. Rows that only state a bound
    ("up to", "over") are left out: they are claims, not measurements.

    Returns
    -------
    pandas.DataFrame
        ``id, label, estimate, ci_lower, ci_upper, basis, unit, kind``: kind ``"study"``,
        or ``"range"`` for a range reported without a point (``estimate`` is then its
        midpoint, which the forest plot does not draw).

    Examples
    --------
    >>> from spinemets.plotting import evidence_table
    >>> evidence_table("spinal_mets_autopsy")["id"].tolist()[:2]
    ['SEED-03', 'SEED-06']
    """
    check_str(estimand, "estimand")
    if primary_site is not None:
        check_str(primary_site, "primary_site")
    level = check_confidence_level(confidence_level)
    ev = load_evidence() if evidence is None else evidence
    rows = ev[(ev["estimand"] == estimand) & ~ev["kind"].isin(["upper_bound", "lower_bound"])]
    if primary_site is not None:
        rows = rows[rows["primary_site"].str.split(";").map(lambda s: primary_site in s)]
    if rows.empty:
        known = sorted(set(ev["estimand"]))
        raise ValueError(f"no measured evidence for estimand {estimand!r}"
                         f"{'' if primary_site is None else f' and site {primary_site!r}'}; "
                         f"estimands in the catalogue: {', '.join(known)}")
    out = []
    tail = (1 - level) / 2
    for _, r in rows.iterrows():
        label = f"{r['id']} ({r['primary_site']})"
        kind = "study"
        if pd.notna(r["events"]) and pd.notna(r["total"]) and r["total"] > 0:
            a, b = r["events"] + 0.5, r["total"] - r["events"] + 0.5
            est, lo, hi = r["events"] / r["total"], *stats.beta.ppf([tail, 1 - tail], a, b)
            basis = f"{int(r['events'])} of {int(r['total'])}, Jeffreys {level:.0%} interval"
        elif pd.notna(r["low"]) and pd.notna(r["high"]):
            lo, hi = r["low"], r["high"]
            est = r["value"] if pd.notna(r["value"]) else (lo + hi) / 2
            kind = "study" if pd.notna(r["value"]) else "range"
            basis = ("reported 95% CI" if r["interval"] == "ci95"
                     else "reported range (spread, not a CI); drawn without a point"
                     if kind == "range" else "reported range (spread, not a CI)")
        else:
            est = lo = hi = r["value"]
            basis = "point without interval"
        out.append({"id": r["id"], "label": label, "estimate": float(est),
                    "ci_lower": float(lo), "ci_upper": float(hi), "basis": basis,
                    "unit": r["unit"], "kind": kind})
    return pd.DataFrame(out)


def plot_evidence(estimand: str, primary_site: str | None = None, ax: Axes | None = None,
                  confidence_level: float = 0.95, **kwargs: Any) -> Axes:
    """Forest plot of the catalogue evidence for an estimand (see :func:`evidence_table`).

    Examples
    --------
    >>> from spinemets.plotting import plot_evidence
    >>> ax = plot_evidence("bone_mets_autopsy", primary_site="breast")
    >>> ax.get_xlabel()
    'bone mets autopsy, %'
    """
    table = evidence_table(estimand, primary_site, confidence_level)
    is_rate = bool((table["unit"] == "per_person_year").all())
    if is_rate:
        table[["estimate", "ci_lower", "ci_upper"]] *= 1e5
    kwargs.setdefault("xlabel", axis_label(estimand, "per_person_year" if is_rate else "fraction"))
    ax = forest_plot(table, ax=ax, percent=not is_rate, **kwargs)
    ax.set_title(f"Evidence for {estimand}" + (f", {primary_site}" if primary_site else ""))
    return ax
