"""Resource and plausibility limits of planning inputs, checked before any allocation.

Every input of :func:`spinemets.plan_imaging` that scales the work or the memory of a plan
has a bound here, checked up front with a message that says what to change. Three kinds:

* **unit limits** — a value that cannot be right in the documented unit (a rate above
  :data:`MAX_RATE_PER_PERSON_YEAR` per person-year is a per-100,000 figure typed where a
  per-person one belongs; a yield below :data:`MIN_YIELD` means over a thousand scans per
  case; follow-up more often than every :data:`MIN_FOLLOWUP_INTERVAL_MONTHS` months);
* **size limits** — the demand the exact engine tabulates: expected scans a year over all
  streams up to :data:`MAX_EXPECTED_SCANS_PER_YEAR` (a national plan fits: about 200
  million people at the default rates), and the far tail of each stream's yearly demand
  up to :data:`MAX_TAIL_SCANS_PER_YEAR` (very uncertain rates make it long; with the
  default spreads this one binds first, at about 100 million people);
* **simulation limits** — the queue simulation of :meth:`ImagingPlan.waiting_times`
  (weeks, scanners and simulated referrals) and the opening-hours text.

Plausible-but-odd values (rates far from the published ones, a yield below every audit,
follow-up more often than monthly, a catchment under 10,000 people) are not errors: the
plan's checks flag them with :class:`~spinemets.errors.ImplausibleInputWarning`.

Examples
--------
>>> from spinemets._planning._limits import check_rate_unit
>>> check_rate_unit(8.1e-5, "mscc_rate")
8.1e-05
>>> try:
...     check_rate_unit(8.1, "mscc_rate")
... except ValueError as exc:
...     print(str(exc).split("; ")[1])
a figure per 100,000 people is 8.1e-05 per person-year
"""

from __future__ import annotations

from typing import Any

from .._validation import check_real

__all__ = [
    "MAX_EXPECTED_SCANS_PER_YEAR",
    "MAX_FOLLOWUP_SCANS_PER_PATIENT",
    "MAX_MEDIAN_SURVIVAL_MONTHS",
    "MAX_METS_PER_MSCC",
    "MAX_OBSERVED_COUNT",
    "MAX_OPENING_HOURS_CHARS",
    "MAX_POPULATION",
    "MAX_QUEUE_REFERRALS",
    "MAX_QUEUE_SERVERS",
    "MAX_QUEUE_WEEKS",
    "MAX_RATE_PER_PERSON_YEAR",
    "MAX_SCANS_PER_REFERRAL",
    "MAX_SCAN_MINUTES",
    "MAX_SIMS",
    "MAX_TAIL_SCANS_PER_YEAR",
    "MAX_TARGET_HOURS",
    "MIN_FOLLOWUP_INTERVAL_MONTHS",
    "MIN_RATE_CV",
    "MIN_SCAN_MINUTES",
    "MIN_YIELD",
    "check_demand_size",
    "check_queue_size",
    "check_rate_unit",
]

#: People in a catchment: more than any country.
MAX_POPULATION = 2e9
#: A rate per person-year of MSCC or spinal metastases: below all-cancer incidence.
MAX_RATE_PER_PERSON_YEAR = 0.01
#: The smallest yield (share of scans positive): 1 positive in 1,000 scans.
MIN_YIELD = 1e-3
#: The smallest non-zero coefficient of variation of a rate (0 means a fixed rate).
MIN_RATE_CV = 1e-6
#: Local audit counts (``observed=``): referrals or positives of one stream.
MAX_OBSERVED_COUNT = 1e8
#: MRI scans per referral.
MAX_SCANS_PER_REFERRAL = 10.0
#: Spinal metastases without MSCC found on emergency scans, per MSCC case.
MAX_METS_PER_MSCC = 10.0
#: Follow-up MRI no more often than weekly (0.25 months).
MIN_FOLLOWUP_INTERVAL_MONTHS = 0.25
#: Median survival after treatment: 50 years.
MAX_MEDIAN_SURVIVAL_MONTHS = 600.0
#: Follow-up MRI per patient (given, or derived from interval and survival).
MAX_FOLLOWUP_SCANS_PER_PATIENT = 100.0
#: Scanner minutes of one scan.
MIN_SCAN_MINUTES, MAX_SCAN_MINUTES = 1.0, 480.0
#: A target time from referral to scan: one year.
MAX_TARGET_HOURS = 8766.0
#: Expected scans a year, all streams, at the horizon. A bound on time, not memory (the
#: weekly total's table is filled in chunks of at most 4 M cells): building a plan costs
#: about n_sims x weekly demand Poisson cells. Measured (2026-12-06, 2 shared cores): 190,000
#: scans a year with fixed rates 4 s at 10,000 draws; 950,000 a year 155 s at 100,000
#: draws, peak memory 0.56 GB. 200,000 keeps the worst case (100,000 draws) near half a
#: minute and lets a national plan through (England, ~57 M people, ~50,000 scans a year);
#: the former 20,000 (~18 M people) was a choice that refused national plans.
MAX_EXPECTED_SCANS_PER_YEAR = 200_000.0
#: The 1 - 1e-13 quantile of one stream's yearly scans (the grid the exact laws tabulate).
MAX_TAIL_SCANS_PER_YEAR = 2_000_000.0
#: Queue simulation: weeks simulated, scanners, expected referrals simulated.
MAX_QUEUE_WEEKS = 520
MAX_QUEUE_SERVERS = 100
MAX_QUEUE_REFERRALS = 200_000.0
#: Length of an opening-hours text.
MAX_OPENING_HOURS_CHARS = 1000
#: Monte Carlo parameter draws of a plan (``n_sims``), each followed for 52 weeks.
MAX_SIMS = 100_000


def check_rate_unit(value: float, name: str) -> float:
    """``value`` (per person-year) if it is at most :data:`MAX_RATE_PER_PERSON_YEAR`.

    A larger value is almost surely a figure per 100,000 (or per 1,000) people typed where a
    per-person rate belongs; the message shows the conversion.
    """
    if value > MAX_RATE_PER_PERSON_YEAR:
        raise ValueError(
            f"{name} must be a rate per person-year <= {MAX_RATE_PER_PERSON_YEAR:g} (no "
            f"population has more than 1 new cancer per 100 people a year), got {value!r}; a "
            f"figure per 100,000 people is {value / 1e5:.3g} per person-year"
        )
    return value


def check_demand_size(expected: dict[str, float], tails: dict[str, float],
                      inputs: str) -> None:
    """Refuse a plan whose demand the exact engine cannot tabulate in bounded memory.

    ``expected`` holds each stream's expected scans a year at the horizon, ``tails`` the
    1 - 1e-13 quantile of its yearly scans; ``inputs`` names what set them (for the message).
    """
    total = sum(expected.values())
    if not total <= MAX_EXPECTED_SCANS_PER_YEAR:
        raise ValueError(
            f"the plan's demand, {total:,.0f} expected scans a year ({inputs}), is above the "
            f"limit of {MAX_EXPECTED_SCANS_PER_YEAR:,.0f} (about 200 million people at the "
            "default rates): check that population is in people and rates per person-year, "
            "or plan a larger region as its networks"
        )
    for stream, tail in tails.items():
        if not tail <= MAX_TAIL_SCANS_PER_YEAR:
            raise ValueError(
                f"the {stream} stream's yearly demand could reach {tail:,.0f} scans (its "
                f"1 - 1e-13 quantile; {inputs}), above the limit of "
                f"{MAX_TAIL_SCANS_PER_YEAR:,.0f} the exact laws tabulate: the rates are too "
                "uncertain for this catchment — lower rate_cv, give a Rate with a smaller "
                "spread, or plan a smaller catchment"
            )


def check_queue_size(weeks: Any, servers: Any, referrals_per_week: float) -> tuple[int, int]:
    """Bound the queue simulation: weeks, scanners and the referrals it would simulate."""
    w = check_real(weeks, "weeks", low=1, high=MAX_QUEUE_WEEKS)
    s = check_real(servers, "servers", low=1, high=MAX_QUEUE_SERVERS)
    if not (w.is_integer() and s.is_integer()):
        raise ValueError(f"weeks and servers must be whole numbers, got weeks={weeks!r}, "
                         f"servers={servers!r}")
    n = referrals_per_week * w
    if n > MAX_QUEUE_REFERRALS:
        raise ValueError(
            f"weeks={int(w)} would simulate about {n:,.0f} referrals, above the limit of "
            f"{MAX_QUEUE_REFERRALS:,.0f}; simulate fewer weeks (at most "
            f"{int(MAX_QUEUE_REFERRALS // max(referrals_per_week, 1e-300))})"
        )
    return int(w), int(s)
