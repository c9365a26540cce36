"""How much the assumptions matter: :func:`sensitivity` and :func:`alternatives`.

For a named parameter, :func:`alternatives` lists the distributions obtained under each
alternative encoding or evidence choice that is registered for its encoding, and
:func:`sensitivity` runs the same cohort estimate under each of them, side by side.

Registered alternatives, by the parameter's encoding:

* ``range`` / ``claimed_range``: the range read as a 95%, 90% or 80% central interval,
  each with ``quantile`` and ``maxent`` fits;
* ``pooled``: REML, DerSimonian–Laird and Paule–Mandel predictive distributions, the
  REML pooled *mean* (no between-setting spread), and each single study on its own;
* ``counts``: Jeffreys prior and the uniform prior Beta(1, 1);
* ``value``: assumed effective sample sizes of a quarter, one and four times the default;
* ``rate_span``: the span read as a 95%, 90% or 80% interval;
* ``rate_cv``: coefficients of variation of half, one and twice the default;
* ``rate_counts``: the Jeffreys Gamma only.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from . import _encodings
from ._catalogue import claims, evidence
from ._estimate import cohort_frame, estimate, size_column_for
from ._parameters import _parse_arguments, parameter, parameter_definition
from ._synthesis import pool_proportions
from ._values import Proportion, Rate
from .errors import SpinemetsWarning

__all__ = ["alternatives", "sensitivity"]


def _args(defn: dict[str, str]) -> dict[str, str]:
    return _parse_arguments(defn["arguments"], f"parameter {defn['id']!r}")


def _range_alternatives(low: float, high: float, meta: dict[str, Any]
                        ) -> list[tuple[str, Proportion | Rate]]:
    out = []
    for level in (0.95, 0.90, 0.80):
        for method in ("quantile", "maxent"):
            if method == "quantile" and (low <= 0 or high >= 1):
                continue
            out.append((f"range read as {level:.0%} interval, {method}",
                        _encodings.beta_from_range(low, high, level, method, **meta)))
    return out


def _pooled_alternatives(rows: pd.DataFrame, meta: dict[str, Any]
                         ) -> list[tuple[str, Proportion | Rate]]:
    events = rows["events"].astype(int).to_numpy()
    totals = rows["total"].astype(int).to_numpy()
    out: list[tuple[str, Proportion | Rate]] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpinemetsWarning)
        for method in ("REML", "DL", "PM"):
            pooled = pool_proportions(events, totals, method=method, labels=list(rows["id"]))
            out.append((f"pooled {method}, predictive for a new setting",
                        Proportion(pooled.proportion.dist, encoding=pooled.proportion.encoding,
                                   **meta)))
        reml = pool_proportions(events, totals, method="REML", labels=list(rows["id"]))
    out.append(("pooled REML mean only (no between-setting spread)",
                Proportion.logit_normal(reml.mu_logit, reml.se_logit,
                                        encoding=f"pooled REML mean of {', '.join(rows['id'])}",
                                        **meta)))
    for _, r in rows.iterrows():
        out.append((f"single study {r['id']}",
                    _encodings.beta_from_counts(int(r["events"]), int(r["total"]),
                                            **{**meta, "sources": [r["id"]]})))
    return out


def alternatives(id: str, primary_site: str | None = None
                 ) -> list[tuple[str, Proportion | Rate]]:
    """Alternative encodings of a named parameter, the default first.

    Returns
    -------
    list of (str, Proportion or Rate)
        A short description of each alternative and its distribution. Readings that give
        the same distribution are merged into one entry whose name lists them all
        (joined by " = ").

    Examples
    --------
    >>> from spinemets._sensitivity import alternatives
    >>> for name, _ in alternatives("spinal_mets_lifetime")[:2]:
    ...     print(name)
    as catalogued (claimed_range) = range read as 95% interval, quantile
    range read as 95% interval, maxent
    """
    defn = parameter_definition(id, primary_site)
    default = parameter(id, defn["primary_site"])
    args = _args(defn)
    sources = [s for s in defn["sources"].split(";") if s]
    meta = {"label": f"{id} ({defn['primary_site']})", "sources": sources,
            "assumption": "alternative reading for sensitivity analysis"}
    out: list[tuple[str, Proportion | Rate]] = [(f"as catalogued ({defn['encoding']})",
                                                 default)]
    ev = evidence().set_index("id")
    enc = defn["encoding"]
    if enc == "claimed_range":
        c = claims().set_index("id").loc[sources[0]]
        out += _range_alternatives(c["claimed_low"], c["claimed_high"], meta)
    elif enc == "range":
        r = ev.loc[sources[0]]
        out += _range_alternatives(r["low"], r["high"], meta)
    elif enc == "pooled":
        out += _pooled_alternatives(ev.loc[sources].reset_index(), meta)
    elif enc == "counts":
        r = ev.loc[sources[0]]
        for prior, name in (((0.5, 0.5), "Jeffreys prior"), ((1.0, 1.0), "uniform prior")):
            out.append((name, _encodings.beta_from_counts(int(r["events"]), int(r["total"]),
                                                      prior, **meta)))
    elif enc == "value":
        r = ev.loc[sources[0]]
        n_eff = float(args["effective_total"])
        for factor in (0.25, 1.0, 4.0):
            out.append((f"effective sample size {n_eff * factor:g}",
                        _encodings.beta_from_value(r["value"], n_eff * factor, **meta)))
    elif enc == "rate_span":
        vals = ev.loc[sources, "value"]
        for level in (0.95, 0.90, 0.80):
            out.append((f"span read as {level:.0%} interval",
                        _encodings.gamma_from_rate(low=float(vals.min()), high=float(vals.max()),
                                               confidence_level=level, **meta)))
    elif enc == "rate_cv":
        cv = float(args["cv"])
        for factor in (0.5, 1.0, 2.0):
            out.append((f"coefficient of variation {cv * factor:g}",
                        _encodings.gamma_from_rate(rate=float(ev.loc[sources[0], "value"]),
                                               cv=cv * factor, **meta)))
    return _merge_identical(out)


def _merge_identical(options: list[tuple[str, Proportion | Rate]]
                     ) -> list[tuple[str, Proportion | Rate]]:
    """Keep one row per distinct distribution; name the readings that coincide with it
    (e.g. with two studies, REML, DL and PM can give the same between-study variance)."""
    kept: list[tuple[str, Proportion | Rate]] = []
    keys: list[tuple] = []
    for name, dist in options:
        key = (dist.dist.dist.name, *np.round(np.asarray(dist.dist.args, dtype=float), 10),
               *np.round(sorted(dist.dist.kwds.values()), 12))
        if key in keys:
            i = keys.index(key)
            kept[i] = (f"{kept[i][0]} = {name}", kept[i][1])
        else:
            keys.append(key)
            kept.append((name, dist))
    return kept


def sensitivity(cohort: Any, outcome: str, confidence_level: float = 0.95,
                method: str = "auto", draws: int = 10_000, rng: Any = None) -> pd.DataFrame:
    """The same cohort estimate under every registered alternative encoding.

    Parameters
    ----------
    cohort : int, 1-D array or DataFrame
        As for :func:`spinemets.estimate`; with a ``primary_site`` column, each site's
        rows are re-estimated under that site's alternatives.
    outcome : str
        A parameter id.
    confidence_level, method, draws, rng
        As for :func:`spinemets.estimate`.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`spinemets.estimate` plus ``alternative`` (which reading),
        ``encoding`` (the call that built it) and ``is_default``.

    Examples
    --------
    >>> import spinemets as sm
    >>> table = sm.sensitivity(1000, "spinal_mets_lifetime")
    >>> int(table["is_default"].sum())
    1
    >>> bool((table["pi_upper"] >= table["pi_lower"]).all())
    True
    """
    if not isinstance(outcome, str):
        raise TypeError(f"outcome must be a parameter id (str), got {type(outcome).__name__}")
    frame = cohort_frame(cohort, size_column_for(outcome))
    if "primary_site" in frame.columns:
        groups = [(site, frame[frame["primary_site"] == site])
                  for site in pd.unique(frame["primary_site"])]
    else:
        groups = [(None, frame)]
    parts = []
    for site, rows in groups:
        for i, (name, dist) in enumerate(alternatives(outcome, site)):
            res = estimate(rows, dist, confidence_level=confidence_level, method=method,
                           draws=draws, rng=rng)
            res["outcome"] = outcome
            res.insert(res.columns.get_loc("outcome"), "alternative", name)
            res["encoding"] = dist.encoding
            res["is_default"] = i == 0
            parts.append(res)
    return pd.concat(parts).reset_index(drop=True)
