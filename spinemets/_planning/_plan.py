"""The plan object: weekly MRI demand per stream and the capacity it needs.

:class:`ImagingPlan` holds what :func:`spinemets.plan_imaging` computed (the exact laws, the
simulated total, the resolved inputs and their record) and answers the planner's questions
from it: slots at a service level with assurance, shares of weeks over a capacity, the year
by year horizon, waits, sessions, and the plan as tables, CSV, Excel, JSON sidecar or plot.
"""

from __future__ import annotations

import datetime as _dt
import html
import json
import math
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from .._catalogue import DATA_VERSION
from .._display import format_value, html_record, html_table
from .._draw import plot_count_law
from .._validation import RNGLike, check_confidence_level, check_real
from .._values import Proportion, Rate, logitnorm
from .._version import __version__
from ._build import build_plan
from ._exact import (
    CountLaw,
    mean_laws,
    mixed_poisson_ppf,
    ratio_quantiles,
    stream_law,
    sum_quantiles,
)
from ._horizon import catalogue_trend, growth_interval
from ._hours import OpeningHours, session_label
from ._inputs import Driver
from ._laws import WeeklyMeanLaw
from ._limits import MAX_SCAN_MINUTES, MAX_TARGET_HOURS, check_queue_size
from ._profile import window_share
from ._queue import HOURS_PER_WEEK, simulate_queue, summarise_waits
from ._registry import ALL_STREAMS, STREAM_TEXT, STREAMS, WEEK_YEARS
from ._resolve import INPUTS

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["ImagingPlan", "PlanSummary"]


@dataclass(frozen=True)
class PlanSummary:
    """The plain-language summary of a plan: ``text`` and a table of ``checks``.

    ``str(summary)`` is the text; printing is left to the caller.

    Examples
    --------
    >>> import spinemets._planning as pl
    >>> s = pl.plan_imaging(1_000_000, rng=1, n_sims=2000).summary()
    >>> "1,000,000" in s.text
    True
    >>> sorted(s.checks["status"].unique())
    ['ok']
    """

    text: str
    checks: pd.DataFrame

    def __str__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(self.text)}</pre>"


# --------------------------------------------------------------------------- the plan



def _jsonable(value: Any) -> Any:
    if isinstance(value, (Proportion, Rate)):
        d = value.dist
        return {
            "__type__": type(value).__name__,
            "dist": d.dist.name,
            "args": [float(a) for a in d.args],
            "kwds": {k: float(v) for k, v in d.kwds.items()},
            "label": value.label,
            "sources": list(value.sources),
            "encoding": value.encoding,
            "assumption": value.assumption,
        }
    if isinstance(value, OpeningHours):
        return str(value)
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    return value


def _from_jsonable(value: Any) -> Any:
    if isinstance(value, dict) and value.get("__type__") in {"Proportion", "Rate"}:
        cls = Proportion if value["__type__"] == "Proportion" else Rate
        dist = getattr(stats, value["dist"], None)
        if dist is None:
            if value["dist"] != "logitnorm":
                raise ValueError(f"sidecar: unknown distribution {value['dist']!r}")
            dist = logitnorm
        return cls(
            dist(*value["args"], **value["kwds"]), label=value.get("label", ""),
            sources=tuple(value.get("sources", ())), encoding=value.get("encoding", ""),
            assumption=value.get("assumption", ""),
        )
    return value


@dataclass(eq=False, repr=False)
class ImagingPlan:
    """Weekly MRI demand per stream and the capacity it needs. Built by :func:`plan_imaging`.

    Attributes
    ----------
    inputs : dict
        The arguments of :func:`plan_imaging` as given (``rng`` replaced by the seed);
        ``plan_imaging(**plan.inputs)`` re-runs the plan exactly.
    seed : int
        The seed of the Monte Carlo part.
    service_level : float
        Default share of weeks in which demand must be met.
    assurance_level : float
        Default probability, over the uncertainty about the catchment, that the service
        level is met (see :meth:`assurance`).
    confidence_level : float
        Coverage of the reported intervals.
    opening_hours : OpeningHours
        The schedule used for timeliness.

    Examples
    --------
    >>> import spinemets._planning as pl
    >>> plan = pl.plan_imaging(1_000_000, rng=42, n_sims=2000)
    >>> plan.slots(0.95, 0.8, stream="emergency")     # 95% of weeks, assurance 80%
    10
    >>> bool(plan.assurance(plan.slots(0.95, 0.8), 0.95) >= 0.8)
    True
    """

    inputs: dict[str, Any]
    seed: int
    service_level: float
    confidence_level: float
    opening_hours: OpeningHours
    assurance_level: float
    _means: dict[str, WeeklyMeanLaw] = field(repr=False)
    _drivers: dict[str, Driver] = field(repr=False)
    _yields: dict[str, float | Proportion] = field(repr=False)
    _minutes: dict[str, float] = field(repr=False)
    _acquisition: dict[str, float] = field(repr=False)
    _delays: dict[str, float] = field(repr=False)
    _profile: np.ndarray | None = field(repr=False)
    _targets: dict[str, float] = field(repr=False)
    _factors: dict[str, float] = field(repr=False)
    _notes: list[str] = field(repr=False)
    _checks: pd.DataFrame = field(repr=False)
    _resolved: list[dict[str, Any]] = field(repr=False)
    _weekly: dict[str, CountLaw] = field(repr=False)
    _yearly: dict[str, CountLaw] = field(repr=False)
    _sim: dict[str, np.ndarray] = field(repr=False)
    _local: pd.DataFrame = field(repr=False)
    _frame: pd.DataFrame | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ distributions
    def _stream(self, stream: str) -> str:
        if not isinstance(stream, str) or stream not in ALL_STREAMS:
            raise ValueError(
                f"stream must be one of {', '.join(ALL_STREAMS)}, got {stream!r}"
            )
        return stream

    def _level(self, service_level: float | None) -> float:
        if service_level is None:
            return self.service_level
        return check_confidence_level(service_level, "service_level")

    def weekly_distribution(self, stream: str = "total") -> pd.DataFrame:
        """The predictive distribution of scans in one week, as a table.

        Columns ``scans``, ``probability``, ``cdf`` (P(demand <= scans)) and
        ``prob_exceed`` (P(demand > scans)); exact per stream, simulated for ``total``.

        Examples
        --------
        >>> import spinemets._planning as pl
        >>> d = pl.plan_imaging(1_000_000, rng=1, n_sims=2000).weekly_distribution("emergency")
        >>> round(float(d["probability"].sum()), 6)
        1.0
        """
        law = self._weekly[self._stream(stream)]
        lo, pmf = law.grid()
        n = np.arange(lo, lo + len(pmf))
        return pd.DataFrame({
            "scans": n, "probability": pmf, "cdf": law.cdf(n), "prob_exceed": law.sf(n),
        })

    def _assured(self, assurance: float | None) -> float:
        if assurance is None:
            return self.assurance_level
        return check_confidence_level(assurance, "assurance")

    def slots(self, service_level: float | None = None, assurance: float | None = None, *,
              stream: str = "total") -> int:
        """Fewest slots a week meeting ``service_level`` of weeks with probability ``assurance``.

        The catchment's true rates and yields are unknown but fixed; given them, the share
        of weeks whose demand exceeds ``c`` slots is ``P(Poisson(mu) > c)``, ``mu`` the
        catchment's expected weekly scans. This is the smallest ``c`` with
        ``assurance(c, service_level) >= assurance``: in ``assurance`` of plausible
        catchments, demand exceeds ``c`` in at most ``1 - service_level`` of weeks. Exact
        (quadrature over the rates and yields; no simulation), the same on every seed.

        Parameters
        ----------
        service_level : float, optional
            Share of weeks in which demand must be met; default the plan's.
        assurance : float, optional
            Probability that the service level is met; default the plan's (0.8).
        stream : str
            ``"total"`` (default) or one stream.

        Examples
        --------
        >>> import spinemets._planning as pl
        >>> plan = pl.plan_imaging(1_000_000, rng=3, n_sims=2000)
        >>> plan.slots(0.95, 0.5, stream="emergency") <= plan.slots(0.95, 0.9, stream="emergency")
        True
        >>> plan.slots(0.95, 0.8) == pl.plan_imaging(1_000_000, rng=4, n_sims=2000).slots(0.95, 0.8)
        True
        """
        level = self._level(service_level)
        return self._means[self._stream(stream)].slots(level, self._assured(assurance))

    def assurance(self, capacity: float, service_level: float | None = None,
                  stream: str = "total") -> float:
        """P(share of weeks over ``capacity`` <= 1 - ``service_level``) over the catchment.

        The probability, over what is unknown about the catchment's rates and yields, that
        ``capacity`` slots a week meet demand in at least ``service_level`` of weeks. Exact.

        Examples
        --------
        >>> import spinemets._planning as pl
        >>> plan = pl.plan_imaging(1_000_000, rng=3, n_sims=2000)
        >>> a = plan.assurance(plan.slots(0.95, 0.8), 0.95)
        >>> bool(a >= 0.8)
        True
        """
        c = check_real(capacity, "capacity", low=0)
        level = self._level(service_level)
        return self._means[self._stream(stream)].assurance(math.floor(c), level)

    def expected_share_of_weeks_over(self, capacity: float, stream: str = "total") -> float:
        """Expected share of weeks whose demand exceeds ``capacity``, averaged over catchments.

        The average, over what is unknown about the catchment, of the share of weeks over
        capacity — equal to P(demand in a random week > ``capacity``). It does *not* say how
        likely the catchment is to be much worse: see :meth:`assurance` and
        :meth:`share_of_weeks_over_quantiles`. Exact for every stream and the total.

        Examples
        --------
        >>> import spinemets._planning as pl
        >>> plan = pl.plan_imaging(1_000_000, rng=3, n_sims=2000)
        >>> plan.expected_share_of_weeks_over(0, "emergency") > 0.9
        True
        """
        c = check_real(capacity, "capacity", low=0)
        stream = self._stream(stream)
        if stream == "total":
            return float(self._means["total"].expected_share_over(math.floor(c)))
        return float(self._weekly[stream].sf(math.floor(c)))

    def prob_exceed(self, capacity: float, stream: str = "total") -> float:
        """P(demand in a random week > ``capacity``): :meth:`expected_share_of_weeks_over`.

        Examples
        --------
        >>> import spinemets._planning as pl
        >>> p = pl.plan_imaging(500_000, rng=3, n_sims=1000)
        >>> p.prob_exceed(12, "urgent") == p.expected_share_of_weeks_over(12, "urgent")
        True
        """
        return self.expected_share_of_weeks_over(capacity, stream)

    def share_of_weeks_over_quantiles(self, capacity: float,
                                      quantiles: Iterable[float] = (0.5, 0.8, 0.9, 0.95),
                                      stream: str = "total") -> pd.DataFrame:
        """How the share of weeks over ``capacity`` varies across plausible catchments.

        Row ``q``: in a fraction ``q`` of plausible catchments the share of weeks with demand
        over ``capacity`` is at most ``share_of_weeks_over``. Exact.

        Examples
        --------
        >>> import spinemets._planning as pl
        >>> plan = pl.plan_imaging(1_000_000, rng=3, n_sims=2000)
        >>> t = plan.share_of_weeks_over_quantiles(35)
        >>> bool(t["share_of_weeks_over"].is_monotonic_increasing)
        True
        """
        c = check_real(capacity, "capacity", low=0)
        law = self._means[self._stream(stream)]
        qs = [check_confidence_level(q, "quantiles") for q in quantiles]
        return pd.DataFrame({
            "quantile": qs,
            "expected_scans_per_week": [float(law.ppf(q)) for q in qs],
            "share_of_weeks_over": [law.share_over_quantile(c, q) for q in qs],
        })

    def slots_for_average(self, service_level: float | None = None,
                          stream: str = "total") -> int:
        """Fewest slots whose *expected* share of weeks over them is <= 1 - ``service_level``.

        The single-level answer (a quantile of the predictive weekly demand): it averages
        over the uncertainty about the catchment and says nothing about how likely the
        service level is to be met; prefer :meth:`slots`.

        Examples
        --------
        >>> import spinemets._planning as pl
        >>> plan = pl.plan_imaging(1_000_000, rng=3, n_sims=2000)
        >>> plan.slots_for_average(0.95, "emergency")
        9
        """
        level = self._level(service_level)
        stream = self._stream(stream)
        if stream != "total":
            return int(self._weekly[stream].ppf(level))
        c = int(self._weekly["total"].ppf(level))  # Monte Carlo first guess, then exact
        while c > 0 and self.expected_share_of_weeks_over(c - 1) <= 1 - level:
            c -= 1
        while self.expected_share_of_weeks_over(c) > 1 - level:
            c += 1
        return c

    def prob_exceed_se(self, capacity: float) -> float:
        """Monte Carlo standard error of the *simulated* P(total weekly demand > capacity).

        :meth:`prob_exceed` is exact; this is the error of the same quantity estimated from
        the parameter draws (Poisson tail given each draw) that give the total's intervals —
        a measure of their Monte Carlo precision.

        Examples
        --------
        >>> import spinemets._planning as pl
        >>> plan = pl.plan_imaging(1_000_000, rng=3, n_sims=2000)
        >>> plan.prob_exceed_se(plan.slots()) < 0.01
        True
        """
        c = check_real(capacity, "capacity", low=0)
        per_draw = stats.poisson.sf(np.floor(c), self._sim["mean_week_total"])
        return float(per_draw.std(ddof=1) / math.sqrt(len(per_draw)))

    def mean_scans(self, stream: str = "total", period: str = "week") -> float:
        """Expected scans per ``period`` (``"week"`` or ``"year"``), exact.

        Examples
        --------
        >>> import spinemets._planning as pl
        >>> plan = pl.plan_imaging(1_000_000, rng=3, n_sims=2000)
        >>> round(plan.mean_scans("emergency", "year"))
        225
        """
        if period not in {"week", "year"}:
            raise ValueError(f"period must be 'week' or 'year', got {period!r}")
        t = WEEK_YEARS if period == "week" else 1.0
        if stream == "total":
            return sum(self.mean_scans(s, period) for s in STREAMS)
        return float(self._factors[self._stream(stream)] * t)

    def scanner_hours(self, service_level: float | None = None, stream: str = "total",
                      assurance: float | None = None) -> float:
        """Scanner-hours a week needed: :meth:`slots` × minutes per scan / 60.

        For ``total`` the minutes per scan are the demand-weighted mean of the streams'
        protocols.

        Examples
        --------
        >>> import spinemets._planning as pl
        >>> plan = pl.plan_imaging(1_000_000, rng=3, n_sims=2000)
        >>> plan.scanner_hours(stream="emergency") == plan.slots(stream="emergency") * 0.5
        True
        """
        stream = self._stream(stream)
        slots = self.slots(service_level, assurance, stream=stream)
        return slots * self._mean_minutes(stream) / 60.0

    def _mean_minutes(self, stream: str) -> float:
        if stream != "total":
            return self._minutes[stream]
        total = self.mean_scans("total")
        if total == 0:
            return self._minutes["emergency"]
        return sum(self.mean_scans(x) * self._minutes[x] for x in STREAMS) / total

    def share_within_target(self, stream: str = "emergency") -> float:
        """Share of referrals the opening hours allow to be reported within the target time.

        Referral to reported result = transfer + wait for the next open moment + reporting
        (the scan's own minutes are left out); arrivals uniform over the week and capacity
        within a session assumed sufficient (the queue, scan included, is
        :meth:`waiting_times`), so the share is ``share_within(target - transfer -
        reporting)`` of the opening hours.

        Examples
        --------
        >>> import spinemets._planning as pl
        >>> plan = pl.plan_imaging(1_000_000, opening_hours="Mon-Fri 08-18", rng=1, n_sims=2000)
        >>> round(plan.share_within_target("emergency"), 3)   # the 62 h weekend closure
        0.774
        >>> late = pl.plan_imaging(1_000_000, reporting_hours=4, rng=1, n_sims=1000)
        >>> round(late.share_within_target("emergency"), 3)
        0.75
        """
        if stream not in self._targets:
            raise ValueError(
                f"stream must be 'emergency' or 'urgent' (streams with a target time), "
                f"got {stream!r}"
            )
        spare = (self._targets[stream] - self._delays["transfer_hours"]
                 - self._delays["reporting_hours"])
        return 0.0 if spare < 0 else self.opening_hours.share_within(spare, self._profile)

    def sessions(self, service_level: float | None = None) -> pd.DataFrame:
        """Emergency demand per opening session: the daily view of the 24-h stream.

        Each session serves the emergencies arriving since the previous session closed
        (a Monday session after a closed weekend serves 72 hours of arrivals), weighted by
        the plan's arrival profile: ``arrival_share`` is the share of a week's referrals
        in the session's window (``window_hours / 168`` when arrivals are uniform).

        Examples
        --------
        >>> import spinemets._planning as pl
        >>> s = pl.plan_imaging(1_000_000, rng=1, n_sims=2000).sessions()
        >>> list(s["session"])[:2]
        ['Mon 08:00-18:00', 'Tue 08:00-18:00']
        >>> round(float(s["arrival_share"].iloc[0]), 4)   # 72 of 168 hours
        0.4286
        """
        level = self._level(service_level)
        rows = []
        for a, b, window in self.opening_hours.sessions():
            share = window_share(self._profile, b - window, b)
            law = self._emergency_law(share * WEEK_YEARS)
            slots = int(law.ppf(level))
            rows.append({
                "session": session_label(a, b),
                "window_hours": window,
                "arrival_share": share,
                "expected_emergencies": self._factors["emergency"] * share * WEEK_YEARS,
                "service_level": level,
                "slots_needed": slots,
                "prob_exceed_slots": float(law.sf(slots)),
            })
        return pd.DataFrame(rows)

    def patient_flow(self) -> pd.DataFrame:
        """Where each treated patient enters: one row per route, each patient in exactly one.

        Columns ``route``, ``stream`` (where the patient's positive MRI is counted),
        ``referrals_per_year`` (scans referred on the route's stream; shared by the two
        emergency routes), ``patients_per_year`` (expected new patients a year, at the
        horizon). The routes' patients add up to the treated spinal metastases that enter
        follow-up (last row): a patient found on an emergency scan is not an urgent
        referral again.

        Examples
        --------
        >>> import spinemets._planning as pl
        >>> f = pl.plan_imaging(1_000_000, rng=1, n_sims=1000).patient_flow()
        >>> f["route"].tolist()[-1]
        'treated spinal metastases entering follow-up'
        >>> bool(abs(f["patients_per_year"].iloc[:3].sum() - f["patients_per_year"].iloc[3])
        ...      < 1e-9)
        True
        """
        m, u = self._drivers["mscc"].mean, self._drivers["urgent"].mean
        k = self._factors["k"]
        e_ref = self.mean_scans("emergency", "year") / self._factors["c"]
        u_ref = self.mean_scans("urgent", "year") / self._factors["c"]
        rows = [
            ("MSCC on a suspected-MSCC MRI", "emergency", e_ref, m),
            ("spinal metastases without MSCC on a suspected-MSCC MRI", "emergency", e_ref,
             k * m),
            ("spinal metastases on an urgent MRI", "urgent", u_ref, u),
            ("treated spinal metastases entering follow-up", "follow_up", float("nan"),
             (1.0 + k) * m + u),
        ]
        return pd.DataFrame(rows, columns=["route", "stream", "referrals_per_year",
                                           "patients_per_year"])

    def _treated_mscc(self) -> Driver:
        """MSCC cases a year and the metastases without MSCC found on their scans."""
        return self._drivers["mscc"].scaled(1.0 + self._factors["k"])

    def _emergency_law(self, exposure: float) -> CountLaw:
        return stream_law(self._drivers["mscc"], self._yields["emergency"],
                          self._factors["c"], exposure)

    def weekly_samples(self) -> pd.DataFrame:
        """The simulated weeks: one row per (parameter draw, week), one column per stream.

        Examples
        --------
        >>> import spinemets._planning as pl
        >>> w = pl.plan_imaging(1_000_000, rng=1, n_sims=1000).weekly_samples()
        >>> w.shape
        (52000, 6)
        """
        n, weeks = self._sim["total"].shape
        out = {"draw": np.repeat(np.arange(n), weeks), "week": np.tile(np.arange(weeks), n)}
        out.update({s: self._sim[s].ravel() for s in ALL_STREAMS})
        return pd.DataFrame(out)

    # ------------------------------------------------------------------ tables
    def to_frame(self) -> pd.DataFrame:
        """The plan as a tidy table: one row per stream (``emergency``, ``urgent``,
        ``follow_up``, ``total``).

        Columns
        -------
        ``stream``, ``description``; ``cases_per_year`` (expected new patients),
        ``cases_per_year_ci_lower/upper`` (parameter uncertainty only),
        ``cases_per_year_pi_lower/upper`` (predictive: also chance);
        ``scans_per_year`` with the same four interval columns;
        ``scans_per_week`` (mean), ``scans_per_week_median``,
        ``scans_per_week_pi_lower/upper``; ``confidence_level``; ``service_level``,
        ``assurance``; ``slots_per_week`` (fewest slots meeting the service level with that
        assurance, :meth:`slots`), ``assurance_at_slots`` (:meth:`assurance` at them),
        ``expected_share_of_weeks_over_slots`` (:meth:`expected_share_of_weeks_over`;
        ``prob_exceed_slots`` is the same number under its former name, kept for existing
        callers), ``slots_per_week_for_average`` (:meth:`slots_for_average`),
        ``minutes_per_scan``, ``scanner_hours_per_week`` (slots x minutes),
        ``expected_scanner_hours_per_week``; ``target_hours`` and
        ``share_within_target`` (emergency and urgent only — empty for follow-up and
        total, which have no turnaround target); ``wait_mean_hours`` and ``wait_p95_hours``
        (emergency and urgent: transfer plus the wait for the next open moment, mean and
        95th percentile, capacity assumed not binding — the queue is :meth:`waiting_times`);
        ``method``; ``mc_se`` (Monte Carlo
        standard error of the simulated P(total > slots) behind the total's intervals; 0
        for the exact streams).

        The ``follow_up`` row's cases are the patients entering follow-up (the same
        people as ``total``). Intervals for expected counts (``ci``) come from the
        parameter draws except for single-stream cases (exact Gamma quantiles).

        Examples
        --------
        >>> import spinemets._planning as pl
        >>> f = pl.plan_imaging(1_000_000, rng=1, n_sims=2000).to_frame()
        >>> list(f["stream"])
        ['emergency', 'urgent', 'follow_up', 'total']
        """
        if self._frame is None:
            self._frame = self._build_frame()
        return self._frame.copy()

    def _expected_year_quantiles(self, stream: str, qs: list[float]) -> np.ndarray:
        """Quantiles of the expected scans a year (parameter uncertainty only)."""
        d = self._drivers
        if stream == "emergency":
            return ratio_quantiles(d["mscc"], self._yields["emergency"], self._factors["c"], qs)
        if stream == "urgent":
            return ratio_quantiles(d["urgent"], self._yields["urgent"], self._factors["c"], qs)
        if stream == "follow_up":
            return sum_quantiles(self._treated_mscc(), d["urgent"], self._factors["f"], qs)
        return np.asarray(self._means["total_year"].ppf(qs), dtype=float)

    def _build_frame(self) -> pd.DataFrame:
        cl = self.confidence_level
        lo_q, hi_q = (1 - cl) / 2, (1 + cl) / 2
        s = self.service_level
        sim = self._sim
        rows = []
        # calendar waits from referral to scan (capacity not binding; the queue: waiting_times)
        wait_mean = self._delays["transfer_hours"] + self.opening_hours.mean_wait(self._profile)
        wait_p95 = (self._delays["transfer_hours"]
                    + self.opening_hours.wait_quantile(0.95, self._profile))
        for stream in ALL_STREAMS:
            # cases a year
            if stream == "emergency":
                d = self._drivers["mscc"]
                cases_mean, cases_ci = d.mean, d.ppf([lo_q, hi_q])
            elif stream == "urgent":
                d = self._drivers["urgent"]
                cases_mean, cases_ci = d.mean, d.ppf([lo_q, hi_q])
            else:
                cases_mean = self._treated_mscc().mean + self._drivers["urgent"].mean
                cases_ci = sum_quantiles(self._treated_mscc(), self._drivers["urgent"], 1.0,
                                         [lo_q, hi_q])
            cases_pi = self._yearly[f"cases_{'total' if stream in ('follow_up', 'total') else stream}"].ppf([lo_q, hi_q])  # noqa: E501
            scans_year_ci = self._expected_year_quantiles(stream, [lo_q, hi_q])
            scans_year_pi = (self._yearly[stream].ppf([lo_q, hi_q]) if stream != "total" else
                             mixed_poisson_ppf(self._means["total_year"], [lo_q, hi_q]))
            weekly = self._weekly[stream]
            slots = self.slots(s, stream=stream)
            exact = stream != "total"
            minutes = self._mean_minutes(stream)
            exp_hours = self.mean_scans(stream) * minutes / 60.0
            target = self._targets.get(stream, float("nan"))
            share = (self.share_within_target(stream) if stream in self._targets
                     else float("nan"))
            if exact:
                method = ("exact: Poisson-Gamma (negative binomial)"
                          + (" mixed over the yield (Gauss quadrature)"
                             if stream != "follow_up" and isinstance(self._yields[stream],
                                                                     Proportion) else "")
                          + ("; convolution of the MSCC and non-MSCC parts"
                             if stream == "follow_up" else "")
                          + "; ci from parameter draws")
            else:
                n = sim["total"].shape[0]
                method = ("exact two-level law (quadrature over rates and yields) for slots, "
                          "assurance and share of weeks over; weekly and yearly intervals "
                          f"from {n:,} parameter draws (Poisson given each), seed {self.seed}")
            rows.append({
                "stream": stream,
                "description": STREAM_TEXT[stream],
                "cases_per_year": cases_mean,
                "cases_per_year_ci_lower": float(cases_ci[0]),
                "cases_per_year_ci_upper": float(cases_ci[1]),
                "cases_per_year_pi_lower": float(cases_pi[0]),
                "cases_per_year_pi_upper": float(cases_pi[1]),
                "scans_per_year": self.mean_scans(stream, "year"),
                "scans_per_year_ci_lower": float(scans_year_ci[0]),
                "scans_per_year_ci_upper": float(scans_year_ci[1]),
                "scans_per_year_pi_lower": float(scans_year_pi[0]),
                "scans_per_year_pi_upper": float(scans_year_pi[1]),
                "scans_per_week": self.mean_scans(stream),
                "scans_per_week_median": float(weekly.ppf(0.5)),
                "scans_per_week_pi_lower": float(weekly.ppf(lo_q)),
                "scans_per_week_pi_upper": float(weekly.ppf(hi_q)),
                "confidence_level": cl,
                "service_level": s,
                "assurance": self.assurance_level,
                "slots_per_week": slots,
                "assurance_at_slots": self.assurance(slots, s, stream),
                "expected_share_of_weeks_over_slots": self.expected_share_of_weeks_over(
                    slots, stream),
                "prob_exceed_slots": self.expected_share_of_weeks_over(slots, stream),
                "slots_per_week_for_average": self.slots_for_average(s, stream),
                "minutes_per_scan": minutes,
                "scanner_hours_per_week": slots * minutes / 60.0,
                "expected_scanner_hours_per_week": exp_hours,
                "target_hours": target,
                "share_within_target": share,
                "wait_mean_hours": wait_mean if stream in self._targets else float("nan"),
                "wait_p95_hours": wait_p95 if stream in self._targets else float("nan"),
                "method": method,
                "mc_se": 0.0 if exact else self.prob_exceed_se(slots),
            })
        return pd.DataFrame(rows)

    def assumptions(self) -> pd.DataFrame:
        """Every input of the plan: its value, whether the user set it, and its source.

        Columns ``name``, ``value`` (text), ``unit``, ``mean``, ``ci_lower``, ``ci_upper``
        (95% interval where the input is uncertain; equal to ``mean`` when fixed),
        ``user_supplied``, ``source``, ``evidence_ids``, ``assumption``.

        Examples
        --------
        >>> import spinemets._planning as pl
        >>> a = pl.plan_imaging(1_000_000, rng=1, n_sims=2000).assumptions()
        >>> bool(a["source"].str.len().gt(0).all())
        True
        """
        return pd.DataFrame(self._resolved)

    def waiting_times(self, *, servers: int = 1, changeover_minutes: float | None = None,
                      transfer_hours: float | None = None,
                      reporting_hours: float | None = None,
                      arrival_profile: Any = None, weeks: int = 52,
                      service: str = "deterministic", rng: RNGLike = None) -> pd.DataFrame:
        """Time from referral to scan and to a reported result, by discrete-event simulation.

        Referrals arrive at the plan's expected weekly rates (a weekday x hour
        ``arrival_profile``, 7 x 24 weights; by default the plan's, itself uniform unless
        given — no published profile was found, and audits mention Friday and late-day peaks:
        give your own), ``servers``
        scanners start scans only within the opening hours, emergency before urgent before
        follow-up; a scan takes the stream's minutes plus ``changeover_minutes``
        (``changeover_minutes``, ``transfer_hours`` and ``reporting_hours`` default to the
        plan's). Uses SimPy
        (``pip install spinemets[queue]``); seeded only through ``rng``.

        Returns one row per stream: ``referrals_simulated``, ``target_hours``,
        ``wait_share_within_target`` (referral to reported result within the target),
        ``wait_mean_hours``, ``wait_p95_hours``, ``wait_max_hours`` (referral to scan),
        ``backlog_mean`` (mean referrals waiting).

        Examples
        --------
        >>> import spinemets._planning as pl
        >>> plan = pl.plan_imaging(1_000_000, opening_hours="24/7", rng=1, n_sims=1000)
        >>> w = plan.waiting_times(weeks=10, rng=2)
        >>> w["stream"].tolist()
        ['emergency', 'urgent', 'follow_up']
        """
        if changeover_minutes is None:
            minutes = dict(self._minutes)  # the plan's slots: scan + its changeover
        else:
            change = check_real(changeover_minutes, "changeover_minutes", low=0,
                                high=MAX_SCAN_MINUTES)
            minutes = {s: self._acquisition[s] + change for s in STREAMS}
        if transfer_hours is None:
            transfer_hours = self._delays["transfer_hours"]
        if reporting_hours is None:
            reporting_hours = self._delays["reporting_hours"]
        check_real(transfer_hours, "transfer_hours", low=0, high=MAX_TARGET_HOURS)
        check_real(reporting_hours, "reporting_hours", low=0, high=MAX_TARGET_HOURS)
        rates = {s: self.mean_scans(s) for s in STREAMS}
        weeks, servers = check_queue_size(weeks, servers, sum(rates.values()))
        records = simulate_queue(
            rates, minutes, open_intervals=self.opening_hours.intervals, servers=servers,
            profile=self._profile if arrival_profile is None else arrival_profile,
            weeks=weeks, service=service,
            transfer_hours=transfer_hours, reporting_hours=reporting_hours, rng=rng)
        return summarise_waits(records, self._targets, STREAMS, hours=weeks * HOURS_PER_WEEK)

    def by_year(self, service_level: float | None = None,
                assurance: float | None = None) -> pd.DataFrame:
        """Demand and capacity year by year over the horizon (year 0 = today).

        Demand in year ``t`` is today's times ``((1 + rate_trend) * (1 + ageing) *
        (1 + population_growth)) ** t``; the uncertainty about the rates keeps its shape.
        One row per year and stream: ``year``, ``stream``, ``growth`` (factor on today's
        demand), ``scans_per_year``, ``scans_per_week``, ``slots_per_week`` (service level
        with assurance, exact), ``assurance_at_slots``; the same year without the plan's
        rate trend (``growth_without_trend``, ``scans_per_year_without_trend``,
        ``slots_per_week_without_trend``); and with the published trend in its place — the
        Ontario AAPC of diagnosed spinal metastases, +2.2% a year (95% CI 1.4-3.0; PMID
        38680988, catalogue POP-01c) — with its interval carried into the year
        (``growth_ontario_trend`` and ``_lower``/``_upper``, ``scans_per_year_ontario_trend``
        and ``_lower``/``_upper``, ``slots_per_week_ontario_trend`` at the point value).

        Examples
        --------
        >>> import spinemets._planning as pl
        >>> plan = pl.plan_imaging(1_000_000, rate_trend_per_year=0.022, horizon_years=3,
        ...                        rng=1, n_sims=1000)
        >>> t = plan.by_year()
        >>> sorted(t["year"].unique().tolist())
        [0, 1, 2, 3]
        >>> bool(t[t.stream == "total"]["slots_per_week"].is_monotonic_increasing)
        True
        >>> d = pl.plan_imaging(1_000_000, horizon_years=5, rng=1, n_sims=1000).by_year()
        >>> last = d[(d.year == 5) & (d.stream == "total")].iloc[0]
        >>> cols = ["growth_ontario_trend_lower", "growth_ontario_trend",
        ...         "growth_ontario_trend_upper"]
        >>> [round(float(last[c]), 3) for c in cols]
        [1.072, 1.115, 1.159]
        >>> bool(last["slots_per_week"] <= last["slots_per_week_ontario_trend"])
        True
        """
        level = self._level(service_level)
        assured = self._assured(assurance)
        f = self._factors
        last = math.floor(f["horizon"])
        ontario = catalogue_trend()
        rows = []

        def laws_at(g: float) -> dict[str, Any]:  # the laws at factor g on today's demand
            k = g / f["growth"]  # from the horizon year (the plan's drivers) to this year
            return mean_laws(self._drivers["mscc"].scaled(k), self._drivers["urgent"].scaled(k),
                             self._yields, f["c"], f["f"], f["k"])

        for year in range(last + 1):
            g = f["yearly_factor"] ** year
            g_flat = f["other_yearly"] ** year  # the same year without the rate trend
            g_ont, g_lo, g_hi = growth_interval(ontario, f["other_yearly"], year)
            laws, flat, ont = laws_at(g), laws_at(g_flat), laws_at(g_ont)
            for stream in ALL_STREAMS:
                law = laws[stream]
                slots = law.slots(level, assured)
                today = self.mean_scans(stream, "year") / f["growth"]
                rows.append({
                    "year": year, "stream": stream, "growth": g,
                    "scans_per_year": today * g,
                    "scans_per_week": today * g * WEEK_YEARS,
                    "service_level": level, "assurance": assured,
                    "slots_per_week": slots,
                    "assurance_at_slots": law.assurance(slots, level),
                    "growth_without_trend": g_flat,
                    "scans_per_year_without_trend": today * g_flat,
                    "slots_per_week_without_trend": flat[stream].slots(level, assured),
                    "growth_ontario_trend": g_ont,
                    "growth_ontario_trend_lower": g_lo, "growth_ontario_trend_upper": g_hi,
                    "scans_per_year_ontario_trend": today * g_ont,
                    "scans_per_year_ontario_trend_lower": today * g_lo,
                    "scans_per_year_ontario_trend_upper": today * g_hi,
                    "slots_per_week_ontario_trend": ont[stream].slots(level, assured),
                })
        return pd.DataFrame(rows)

    def to_excel(self, path: str | Path) -> Path:
        """Write the plan to an Excel workbook (needs ``pip install spinemets[excel]``).

        Sheets: ``plan`` (:meth:`to_frame`), ``by_year``, ``assumptions``, ``sessions``,
        ``local_data``, ``checks`` and ``sidecar`` (the provenance record as key / JSON
        value rows, as :meth:`sidecar`). Returns the path.

        Examples
        --------
        >>> import shutil
        >>> from tempfile import mkdtemp
        >>> from pathlib import Path
        >>> import pandas as pd
        >>> from spinemets import plan_imaging
        >>> folder = Path(mkdtemp())
        >>> out = plan_imaging(250_000, rng=6, n_sims=1000).to_excel(folder / "p.xlsx")
        >>> sorted(pd.read_excel(out, sheet_name=None))[:3]
        ['assumptions', 'by_year', 'checks']
        >>> shutil.rmtree(folder)
        """
        if not isinstance(path, (str, Path)):
            raise TypeError(f"path must be a str or Path, got {type(path).__name__} {path!r}")
        out = Path(path)
        if out.suffix.lower() != ".xlsx":
            raise ValueError(f"path must end in .xlsx, got {str(path)!r}")
        if not out.parent.exists():
            raise ValueError(f"path: folder {str(out.parent)!r} does not exist")
        side = self.sidecar()
        sheets = {
            "plan": self.to_frame(), "by_year": self.by_year(),
            "assumptions": self.assumptions(), "sessions": self.sessions(),
            "local_data": self.local_data(), "checks": self.checks(),
            "sidecar": pd.DataFrame({"key": list(side),
                                     "value": [json.dumps(v) for v in side.values()]}),
        }
        try:
            with pd.ExcelWriter(out, engine="openpyxl") as writer:
                for name, frame in sheets.items():
                    frame.to_excel(writer, sheet_name=name, index=False)
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("to_excel needs openpyxl; install it with "
                              "`pip install spinemets[excel]`") from exc
        return out

    def local_data(self) -> pd.DataFrame:
        """How far the service's own counts (``observed``) moved each input.

        One row per updated input (a stream's cases a year today, its yield): ``prior`` and
        ``posterior`` (mean and 95% interval, as text), their means, ``local_value`` (the
        counts' own figure: positives/years or positives/referrals) and ``data_weight``, the
        share of the posterior mean that comes from the counts (``years / (rate + years)``
        for cases, ``referrals / (a + b + referrals)`` for the yield). Empty with no counts.

        Examples
        --------
        >>> import spinemets._planning as pl
        >>> obs = {"emergency": {"referrals": 190, "positives": 80, "years": 1.0}}
        >>> plan = pl.plan_imaging(1_000_000, observed=obs, rng=1, n_sims=1000)
        >>> plan.local_data()[["input", "local_value"]].round(3).values.tolist()
        [['emergency cases a year (today)', 80.0], ['emergency yield', 0.421]]
        """
        return self._local.copy()

    def checks(self) -> pd.DataFrame:
        """Plausibility checks of the inputs: ``check``, ``status`` (ok/warning), ``detail``.

        Examples
        --------
        >>> import spinemets._planning as pl
        >>> pl.plan_imaging(1_000_000, rng=1, n_sims=2000).checks()["status"].tolist()[:1]
        ['ok']
        """
        return self._checks.copy()

    def summary(self) -> PlanSummary:
        """A plain-language account: the inputs read back, the results, the checks.

        Returns a :class:`PlanSummary`; ``print(plan.summary())`` shows it.

        Examples
        --------
        >>> import spinemets._planning as pl
        >>> s = pl.plan_imaging(1_000_000, rng=1, n_sims=2000).summary()
        >>> "slots" in str(s)
        True
        """
        inp = self.inputs
        f = self.to_frame().set_index("stream")
        lines = []
        pop = inp.get("population")
        horizon = self._factors["horizon"]
        trend = self._factors["trend"]
        head = (f"Imaging plan for a catchment of {pop:,.0f} people" if pop is not None
                else "Imaging plan for a catchment given by its yearly case numbers")
        lines.append(
            head + f", sized for year {horizon:g} of the planning horizon "
            + (f"with demand changing by x{self._factors['yearly_factor']:.4g} a year (rates "
               f"{format_value(trend, 'fraction')}, population "
               f"{format_value(self._factors['yearly_factor'] / (1 + trend) - 1, 'fraction')})"
               f", x{self._factors['growth']:.3f} in all."
               if self._factors["yearly_factor"] != 1 else "(rates held constant).")
        )
        lines.append("")
        lines.append("What goes in:")
        for note in self._notes:
            lines.append(f"  - {note}")
        lines.append("")
        lines.append(
            "What comes out (weekly demand). The catchment's true rates are unknown: slots "
            f"are the fewest that meet demand in {format_value(self.service_level, 'fraction')}"
            f" of weeks with probability {format_value(self.assurance_level, 'fraction')} "
            "(the assurance) over that uncertainty:"
        )
        for stream in ALL_STREAMS:
            r = f.loc[stream]
            lines.append(
                f"  - {stream}: {format_value(r['scans_per_week'], 'count')} scans a week on "
                f"average ({format_value(round(r['scans_per_year']), 'count')} a year); "
                f"{int(r['slots_per_week'])} slots a week "
                f"= {r['scanner_hours_per_week']:.1f} scanner-hours (assurance "
                f"{format_value(r['assurance_at_slots'], 'fraction')}); on average demand "
                "exceeds them in "
                f"{format_value(r['expected_share_of_weeks_over_slots'], 'fraction')} of weeks"
            )
        separate = int(sum(f.loc[s, "slots_per_week"] for s in STREAMS))
        lines.append(
            f"  Sizing the streams separately would need {separate} slots; sharing one pool "
            f"needs {int(f.loc['total', 'slots_per_week'])} (variation partly cancels)."
        )
        q = self.share_of_weeks_over_quantiles(int(f.loc["total", "slots_per_week"]),
                                               (0.5, 0.9))
        lines.append(
            f"  At {int(f.loc['total', 'slots_per_week'])} slots the share of weeks over "
            f"capacity is {format_value(q['share_of_weeks_over'].iloc[0], 'fraction')} for the "
            "median plausible catchment and "
            f"{format_value(q['share_of_weeks_over'].iloc[1], 'fraction')} for one at the 90th "
            "percentile of demand."
        )
        lines.append("")
        late = 1.0 - self.share_within_target("emergency")
        lines.append(
            f"Timeliness: with opening hours '{self.opening_hours}', "
            f"{format_value(1 - late, 'fraction')} of emergency scans can be done within "
            f"{self._targets['emergency']:g} h; {format_value(late, 'fraction')} arrive too long "
            "before the "
            "next opening, however many slots there are — opening hours, not volume, set this."
        )
        if late > 0:
            lines.append(
                "  So this service cannot meet NICE NG234 / QS56 (whole-spine MRI within 24 h of "
                "suspected MSCC) for every patient: it is closed for longer than that at a "
                "stretch. A 7-day service or an on-call out-of-hours scan is needed."
            )
        ses = self.sessions()
        busiest = ses.loc[ses["slots_needed"].idxmax()]
        lines.append(
            f"  Busiest emergency session: {busiest['session']} (serves "
            f"{busiest['window_hours']:g} h of arrivals) needs {int(busiest['slots_needed'])} "
            "emergency slots to be ready."
        )
        lines.append("")
        lines.append("Checks:")
        for _, c in self._checks.iterrows():
            lines.append(f"  [{c['status']}] {c['check']}: {c['detail']}")
        lines.append("")
        lines.append(
            f"Re-run exactly with seed {self.seed}; every input and its source: "
            "plan.assumptions()."
        )
        return PlanSummary("\n".join(lines), self._checks.copy())

    def __repr__(self) -> str:
        t = self.to_frame().set_index("stream").loc["total"]
        return (
            f"ImagingPlan: {format_value(t['scans_per_week'], 'count')} scans/week expected; "
            f"{int(t['slots_per_week'])} slots/week meet demand in "
            f"{format_value(self.service_level, 'fraction')} of weeks with assurance "
            f"{format_value(t['assurance_at_slots'], 'fraction')}; on average demand exceeds "
            f"them in {format_value(t['expected_share_of_weeks_over_slots'], 'fraction')} of "
            f"weeks (seed {self.seed})"
        )

    def _repr_html_(self) -> str:
        f = self.to_frame()
        show = f[["stream", "cases_per_year", "scans_per_year", "scans_per_week",
                  "scans_per_week_pi_lower", "scans_per_week_pi_upper", "slots_per_week",
                  "assurance_at_slots", "expected_share_of_weeks_over_slots",
                  "scanner_hours_per_week", "share_within_target"]]
        warn = [c for _, c in self._checks.iterrows() if c["status"] != "ok"]
        warn_html = "".join(
            f"<li>{html.escape(c['check'])}: {html.escape(c['detail'])}</li>" for c in warn
        )
        after = (
            html_table(show, {"assurance_at_slots": "fraction",
                              "expected_share_of_weeks_over_slots": "fraction",
                              "share_within_target": "fraction"})
            + (f"<p>Warnings:</p><ul>{warn_html}</ul>" if warn_html else "")
            + "<p>Opening hours: " + html.escape(str(self.opening_hours))
            + "; full account: <code>print(plan.summary())</code>.</p>"
        )
        return html_record(repr(self), [], after=after)

    # ------------------------------------------------------------------ output
    def sidecar(self) -> dict[str, Any]:
        """The provenance record written next to the CSV (see :meth:`to_csv`).

        Examples
        --------
        >>> import spinemets._planning as pl
        >>> sc = pl.plan_imaging(1_000_000, rng=5, n_sims=1000).sidecar()
        >>> sc["seed"], sc["inputs"]["population"]
        (5, 1000000)
        """
        return {
            "spinemets_version": __version__,
            "data_version": DATA_VERSION,
            "seed": self.seed,
            "inputs": {k: _jsonable(v) for k, v in self.inputs.items()},
            "assumptions": json.loads(self.assumptions().to_json(orient="records")),
            "checks": json.loads(self._checks.to_json(orient="records")),
            "python": sys.version.split()[0],
            "numpy": np.__version__,
            "scipy": getattr(sys.modules.get("scipy"), "__version__", "unknown"),
            "pandas": pd.__version__,
            "rerun": "spinemets.ImagingPlan.from_sidecar(<this file>)",
        }

    def to_csv(self, path: str | Path) -> tuple[Path, Path]:
        """Write the table (:meth:`to_frame`) to ``path`` and a sidecar JSON next to it.

        The sidecar (``path`` with suffix ``.json``) holds every input, the package and data
        versions and the seed, so :meth:`from_sidecar` re-runs the plan exactly. Nothing is
        written if the folder does not exist. Returns ``(csv_path, json_path)``.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> import spinemets._planning as pl
        >>> plan = pl.plan_imaging(1_000_000, rng=5, n_sims=1000)
        >>> with tempfile.TemporaryDirectory() as d:
        ...     csv, side = plan.to_csv(pathlib.Path(d) / "plan.csv")
        ...     side.name
        'plan.json'
        """
        if not isinstance(path, (str, Path)):
            raise TypeError(f"path must be a str or Path, got {type(path).__name__} {path!r}")
        csv_path = Path(path)
        json_path = csv_path.with_suffix(".json")
        if csv_path.suffix.lower() == ".json":
            raise ValueError(f"path must not end in .json (that name is the sidecar), got {path!r}")
        if not csv_path.parent.exists():
            raise ValueError(f"path: folder {str(csv_path.parent)!r} does not exist")
        frame = self.to_frame()
        side = dict(self.sidecar(), table=csv_path.name,
                    created=_dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"))
        text = json.dumps(side, indent=2, allow_nan=False)
        frame.to_csv(csv_path, index=False)
        json_path.write_text(text + "\n", encoding="utf-8")
        return csv_path, json_path

    @classmethod
    def from_sidecar(cls, path: str | Path) -> ImagingPlan:
        """Re-run a plan from the sidecar JSON written by :meth:`to_csv`.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> import spinemets._planning as pl
        >>> plan = pl.plan_imaging(500_000, rng=9, n_sims=1000)
        >>> with tempfile.TemporaryDirectory() as d:
        ...     _, side = plan.to_csv(pathlib.Path(d) / "p.csv")
        ...     again = pl.ImagingPlan.from_sidecar(side)
        >>> again.to_frame().equals(plan.to_frame())
        True
        """
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"path {str(path)!r} is not a plan sidecar (JSON): {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("inputs"), dict):
            raise ValueError(f"path {str(path)!r} is not a plan sidecar: it has no 'inputs' "
                             "table")
        unknown = sorted(set(data["inputs"]) - {*INPUTS, "rng"})
        if unknown:
            raise ValueError(f"path {str(path)!r}: unknown plan inputs {unknown}")
        inputs = {k: _from_jsonable(v) for k, v in data["inputs"].items()}
        if "abbreviated_streams" in inputs and inputs["abbreviated_streams"] is not None:
            inputs["abbreviated_streams"] = tuple(inputs["abbreviated_streams"])
        return cls(**build_plan(inputs))

    def plot(self, ax: Axes | None = None, stream: str = "total", capacity: float | None = None,
             **kwargs: Any) -> Any:
        """Bar chart of the weekly demand distribution with the capacity line.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; a new figure if None.
        stream : str
            ``"total"`` (default) or one stream.
        capacity : float, optional
            Slots a week to mark; default ``slots(service_level, stream)``.
        **kwargs
            Passed to ``ax.bar``.

        Returns
        -------
        matplotlib.axes.Axes

        Examples
        --------
        >>> import spinemets._planning as pl
        >>> ax = pl.plan_imaging(1_000_000, rng=1, n_sims=1000).plot()
        >>> ax.get_xlabel()
        'MRI scans in a week'
        """
        stream = self._stream(stream)
        cap = self.slots(None, stream=stream) if capacity is None else check_real(
            capacity, "capacity", low=0)
        return _plot_weekly(self, ax, stream, cap, **kwargs)



def _plot_weekly(plan: ImagingPlan, ax: Any, stream: str, capacity: float,
                 **kwargs: Any) -> Any:
    d = plan.weekly_distribution(stream)
    d = d[((d["cdf"] >= 1e-4) | (d["probability"] >= 1e-4)) & (d["prob_exceed"] >= 1e-5)]
    return plot_count_law(d["scans"], d["probability"], capacity, ax,
                          exceed=plan.expected_share_of_weeks_over(capacity, stream),
                          xlabel="MRI scans in a week",
                          title=f"Weekly MRI demand, {stream.replace('_', '-')}", **kwargs)

