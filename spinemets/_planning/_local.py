"""A service's own counts in a plan: conjugate updates of a stream's rate and yield.

For a stream, the service counted ``referrals`` scans over ``years`` of which ``positives``
confirmed the condition. In the planning model referrals are Poisson with mean
``years * cases / yield`` and positives given referrals are Binomial(referrals, yield), so
positives alone are Poisson(``years * cases``). Two conjugate updates follow:

* the yearly **cases** of the stream, Gamma(shape, rate) a priori, become
  Gamma(shape + positives, rate + years) (Gamma–Poisson);
* the **yield**, Beta(a, b) a priori, becomes Beta(a + positives, b + referrals − positives)
  (Beta–binomial).

Each update uses the part of the data that is conjugate for it (the negatives' information
on cases through the yield is not used twice). With years of data both posteriors
concentrate on the local figures — cases a year on positives / years, the yield on
positives / referrals, so referrals a year on referrals / years — whatever the defaults.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .._display import format_value
from .._values import Proportion
from ._inputs import Driver, describe
from ._limits import MAX_OBSERVED_COUNT
from ._registry import resolved_row

__all__ = [
    "OBSERVED_KEYS",
    "LocalUpdate",
    "apply_local",
    "check_observed",
    "update_cases",
    "update_yield",
]

#: Keys of one stream's local counts.
OBSERVED_KEYS: tuple[str, ...] = ("referrals", "positives", "years")
_STREAMS = ("emergency", "urgent")


def check_observed(observed: Any) -> dict[str, dict[str, float]]:
    """Validate ``observed`` = ``{stream: {"referrals": n, "positives": k, "years": t}}``.

    Streams are ``emergency`` and ``urgent``; counts are whole numbers with
    ``0 <= positives <= referrals``; ``years > 0``.

    Examples
    --------
    >>> from spinemets._planning._local import check_observed
    >>> check_observed({"emergency": {"referrals": 190, "positives": 80, "years": 1}})
    {'emergency': {'referrals': 190, 'positives': 80, 'years': 1.0}}
    >>> check_observed(None)
    {}
    """
    if observed is None:
        return {}
    if not isinstance(observed, Mapping):
        raise TypeError(f"observed must be a dict of streams to counts, got "
                        f"{type(observed).__name__} {observed!r}")
    out: dict[str, dict[str, float]] = {}
    for stream, counts in observed.items():
        if stream not in _STREAMS:
            raise ValueError(f"observed: stream must be one of {', '.join(_STREAMS)}, got "
                             f"{stream!r}")
        if not isinstance(counts, Mapping) or set(counts) != set(OBSERVED_KEYS):
            got = sorted(counts) if isinstance(counts, Mapping) else counts
            raise ValueError(f"observed[{stream!r}] must have exactly the keys "
                             f"{', '.join(OBSERVED_KEYS)}, got {got!r}")
        row: dict[str, Any] = {}
        for key in ("referrals", "positives"):
            v = counts[key]
            ok = (isinstance(v, numbers.Real) and not isinstance(v, bool)
                  and math.isfinite(float(v)) and float(v) >= 0 and float(v).is_integer())
            if not ok:
                raise ValueError(f"observed[{stream!r}][{key!r}] must be a whole number >= 0, "
                                 f"got {v!r}")
            if float(v) > MAX_OBSERVED_COUNT:
                raise ValueError(f"observed[{stream!r}][{key!r}] must be <= "
                                 f"{MAX_OBSERVED_COUNT:.0e} (a service's own counts), got {v!r}: "
                                 "check that referrals and positives are counts, not rates")
            row[key] = int(v)
        if row["positives"] > row["referrals"]:
            raise ValueError(f"observed[{stream!r}]: positives must be <= referrals, got "
                             f"{row['positives']} positives of {row['referrals']}")
        t = counts["years"]
        if (isinstance(t, bool) or not isinstance(t, numbers.Real) or not math.isfinite(t)
                or t <= 0):
            raise ValueError(f"observed[{stream!r}]['years'] must be a number > 0, got {t!r}")
        row["years"] = float(t)
        out[stream] = row
    return out


def update_cases(mean: float, shape: float | None, positives: int,
                 years: float) -> tuple[float, float]:
    """Posterior (mean, shape) of yearly cases, Gamma(shape, shape/mean) a priori.

    A fixed prior (``shape`` None) or a zero mean cannot learn; a ValueError says so.

    Examples
    --------
    >>> from spinemets._planning._local import update_cases
    >>> update_cases(80.0, 16.0, 100, 1.0)     # Gamma(16, 0.2) + 100 cases in 1 year
    (96.66666666666667, 116.0)
    """
    if shape is None or mean <= 0:
        raise ValueError("observed: a fixed rate (rate_cv = 0, or a fixed number of cases) "
                         "cannot be updated by local counts; give rate_cv > 0")
    rate = shape / mean
    post_shape, post_rate = shape + positives, rate + years
    return post_shape / post_rate, post_shape


def update_yield(y: Any, positives: int, referrals: int, label: str) -> Proportion:
    """Posterior Beta of a yield after ``positives`` of ``referrals`` scans were positive.

    A Beta prior is updated exactly; another law is first matched to a Beta by its mean and
    variance. A fixed yield cannot learn (ValueError).

    Examples
    --------
    >>> import spinemets as sm
    >>> from spinemets._planning._local import update_yield
    >>> p = update_yield(sm.Proportion.beta(8, 12), 80, 190, "emergency_yield")
    >>> round(p.a, 6), round(p.b, 6)
    (88.0, 122.0)
    """
    if not isinstance(y, Proportion):
        raise ValueError(f"observed: {label} is fixed at {float(y)!r} and cannot be updated by "
                         "local counts; leave it at the default or give a Proportion")
    if y.is_beta:
        a, b = y.a, y.b
    else:
        m, v = float(y.mean), float(y.std) ** 2
        k = m * (1 - m) / v - 1.0
        a, b = m * k, (1 - m) * k
    return Proportion.beta(
        a + positives, b + referrals - positives, label=label, sources=y.sources,
        encoding=f"Beta({a:.4g}, {b:.4g}) prior + {positives} positive of {referrals} local "
                 "scans",
        assumption="conjugate Beta-binomial update with local audit counts")


_LOCAL_COLUMNS = ("stream", "input", "prior", "posterior", "prior_mean", "posterior_mean",
                  "local_value", "data_weight", "referrals", "positives", "years")


def _local_unit(name: str) -> str:
    return "fraction" if name.endswith("yield") else "number"


def _local_row(stream: str, name: str, prior: Any, post: Any, local: float, weight: float,
               o: dict[str, float]) -> dict[str, Any]:
    """One row of :meth:`ImagingPlan.local_data`."""
    def text(x: Any) -> str:
        if isinstance(x, Driver):
            if x.shape is None:
                return f"{x.mean:,.1f}"
            lo, hi = x.ppf([0.025, 0.975])
            return f"{x.mean:,.1f} (95% interval {lo:,.1f} to {hi:,.1f})"
        return describe(x, pct=True)

    def mean(x: Any) -> float:
        return float(x.mean)

    return {"stream": stream, "input": name, "prior": text(prior), "posterior": text(post),
            "prior_mean": mean(prior), "posterior_mean": mean(post), "local_value": local,
            "data_weight": weight, "referrals": o["referrals"], "positives": o["positives"],
            "years": o["years"]}


@dataclass(frozen=True)
class LocalUpdate:
    """A plan's inputs after the service's own counts: drivers, yields and what moved."""

    mscc: Driver
    urgent: Driver
    yields: dict[str, Any]
    table: pd.DataFrame
    resolved: list[dict[str, Any]]
    notes: list[str]


def apply_local(obs: dict[str, dict[str, float]], m: Driver, u: Driver,
                ys: Mapping[str, Any], growth: float) -> LocalUpdate:
    """Update each observed stream's cases (Gamma–Poisson) and yield (Beta–binomial).

    ``m`` and ``u`` are the MSCC and urgent drivers at the horizon (today's times
    ``growth``); the counts describe today's catchment. Returns the updated drivers and
    yields, the table of :meth:`ImagingPlan.local_data`, its rows of the assumptions and
    the notes of the summary.
    """
    ys = dict(ys)
    rows: list[dict[str, Any]] = []
    resolved: list[dict[str, Any]] = []
    for stream, key in (("emergency", "mscc"), ("urgent", "urgent")):
        if stream not in obs:
            continue
        o = obs[stream]
        drv = m if key == "mscc" else u
        prior_now = Driver(drv.mean / growth, drv.shape)
        post_mean, post_shape = update_cases(prior_now.mean, prior_now.shape,
                                             o["positives"], o["years"])
        post = Driver(post_mean * growth, post_shape)
        rows.append(_local_row(stream, f"{stream} cases a year (today)", prior_now,
                               Driver(post_mean, post_shape), o["positives"] / o["years"],
                               o["years"] / (o["years"] + prior_now.shape / prior_now.mean)
                               if prior_now.shape else float("nan"), o))
        if key == "mscc":
            m = post
        else:
            u = post
        y_prior = ys[stream]
        y_post = update_yield(y_prior, o["positives"], o["referrals"], f"{stream}_yield")
        n_ref = o["referrals"]
        rows.append(_local_row(
            stream, f"{stream} yield", y_prior, y_post,
            o["positives"] / n_ref if n_ref else float("nan"),
            n_ref / (n_ref + y_post.a + y_post.b - n_ref), o))
        ys[stream] = y_post
        resolved.append(resolved_row(
            f"observed_{stream}", f"{o['referrals']} referrals, {o['positives']} positive in "
            f"{o['years']:g} years", "local counts", True,
            source="the service's own counts (user-supplied)"))
    if not obs:
        resolved.append(resolved_row("observed", "none", "local counts", False,
                                     source="default: none (published defaults only)"))
    notes = [
        f"Local data moved {r['input']}: {r['prior']} -> {r['posterior']} "
        "(the counts alone: "
        f"{format_value(r['local_value'], _local_unit(r['input']), style='text')}; weight "
        f"of the counts {format_value(r['data_weight'], 'fraction', style='text')})"
        for r in rows
    ]
    return LocalUpdate(m, u, ys, pd.DataFrame(rows, columns=list(_LOCAL_COLUMNS)), resolved,
                       notes)
