"""MRI capacity planning for suspected spinal metastases and MSCC.

:func:`plan_imaging` turns a catchment (a population with published rates, or the
planner's own yearly case numbers) into weekly MRI demand for three streams

* ``emergency`` — suspected metastatic spinal cord compression (MSCC) with
  neurological signs: whole-spine MRI within 24 h (NICE QS56 statement 3, NG234);
* ``urgent`` — suspected spinal metastases without neurology: MRI within 1 week
  (CG75 audits; NG234);
* ``follow_up`` — planned MRI after treatment of spinal metastases;

and their ``total``, each as a predictive distribution (parameter uncertainty plus
chance), and from that the slots a week needed at a service level, the chance a given
capacity is exceeded, scanner-hours and — for the emergency stream — the share of
scans that the opening hours allow within the 24-h target.

The model (every number below has a source in :data:`DEFAULTS`)
----------------------------------------------------------------
* Every patient is counted once. ``S`` = spinal metastases needing local treatment a year
  (radiotherapy, surgery or vertebroplasty; Norway, SMD-01), of which ``M`` present as MSCC
  (the same cohort, MSCC-20). A suspected-MSCC (emergency) MRI finds the ``M`` MSCC cases
  and ``k M`` spinal metastases without cord compression (``k`` = 256/809, the Christie
  network, PLAN-04); the remaining ``U = S - (1 + k) M`` enter through an urgent MRI.
  ``M`` and ``U`` are Gamma-distributed (the planner's uncertainty about the true rate),
  independent, and drawn **once per plan**: every week of a plan shares them, so the
  weekly predictive distribution is the mixture over that uncertainty (Poisson–Gamma,
  i.e. negative binomial), not a Poisson. ``U`` is moment-matched:
  ``E[U] = E[S] - (1 + k) E[M]``, ``Var U = Var S - (1 + k)^2 Var M``.
  :meth:`ImagingPlan.patient_flow` lists the routes.
* Emergency scans a week ~ Poisson(c · T · M / y_E) with ``y_E`` the yield (share of
  suspected-MSCC scans that show MSCC, Beta) and ``c`` scans per referral;
  ``T = 7 / 365.25`` years. Urgent scans likewise with ``U`` and ``y_U`` (no published
  yield: by default the emergency one, the same unknown drawn once). Follow-up scans
  ~ Poisson(f · T · ((1 + k) M + U)) with ``f`` follow-up scans per treated patient.
* Per stream the predictive distribution is computed exactly: negative binomial when
  the yield is fixed, a negative-binomial mixture over the yield (Gauss–Jacobi
  quadrature) otherwise, and a convolution of two negative binomials for follow-up.
  The total, whose streams share ``M`` and ``U``, is simulated: ``n_sims`` parameter
  draws, each followed for 52 weeks, seeded only through ``rng``; its Monte Carlo
  standard error is reported.
* Timeliness: arrivals uniform over the week, scanned at the next open moment
  (capacity assumed not binding within a session) — so the share within 24 h depends
  on the opening hours only (planning-notes §3.2 item 7).
"""

from __future__ import annotations

import datetime as _dt
import html
import inspect
import itertools
import json
import math
import numbers
import re
import sys
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from ._catalogue import DATA_VERSION
from ._display import format_interval, format_value, html_record, html_table
from ._draw import plot_count_law
from ._parameters import parameter
from ._plan_laws import GammaRate, WeeklyMeanLaw, yield_nodes
from ._plan_limits import (
    MAX_EXPECTED_SCANS_PER_YEAR,
    MAX_FOLLOWUP_SCANS_PER_PATIENT,
    MAX_MEDIAN_SURVIVAL_MONTHS,
    MAX_METS_PER_MSCC,
    MAX_OPENING_HOURS_CHARS,
    MAX_POPULATION,
    MAX_SCAN_MINUTES,
    MAX_SCANS_PER_REFERRAL,
    MAX_TARGET_HOURS,
    MIN_FOLLOWUP_INTERVAL_MONTHS,
    MIN_RATE_CV,
    MIN_SCAN_MINUTES,
    MIN_YIELD,
    check_demand_size,
    check_queue_size,
    check_rate_unit,
)
from ._plan_local import check_observed, update_cases, update_yield
from ._plan_queue import HOURS_PER_WEEK, check_profile, simulate_queue, summarise_waits
from ._totals import convolve_pmfs
from ._validation import (
    RNGLike,
    check_confidence_level,
    check_count,
    check_fraction,
    check_real,
)
from ._values import Proportion, Rate, logitnorm
from ._version import __version__
from .errors import ImplausibleInputWarning, PlanningWarning

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "DEFAULTS",
    "STREAMS",
    "ImagingPlan",
    "ImplausibleInputWarning",
    "OpeningHours",
    "PlanSummary",
    "PlanningDefault",
    "PlanningWarning",
    "plan_imaging",
]

#: The three demand streams, in display order (the frame adds ``"total"``).
STREAMS: tuple[str, ...] = ("emergency", "urgent", "follow_up")
_ALL_STREAMS: tuple[str, ...] = (*STREAMS, "total")

_STREAM_TEXT = {
    "emergency": "suspected MSCC with neurological signs: whole-spine MRI within 24 h",
    "urgent": "suspected spinal metastases without neurology: MRI within 1 week",
    "follow_up": "planned follow-up MRI after treatment of spinal metastases",
    "total": "all three streams on the same scanner(s)",
}

_DAYS_PER_YEAR = 365.25
_WEEK_YEARS = 7.0 / _DAYS_PER_YEAR
_WEEKS_PER_DRAW = 52
_MAX_SIMS = 100_000
_TAIL = 1e-13
_GRID_PER_HOUR = 360  # 10-second grid for waits under a weekday x hour arrival profile
_LOW_YIELD = 0.05  # below every published audit (lowest 9.8%): flagged as a likely unit slip




# --------------------------------------------------------------------------- defaults


@dataclass(frozen=True)
class PlanningDefault:
    """One default input of :func:`plan_imaging`, with its source.

    Attributes
    ----------
    name : str
        The argument of :func:`plan_imaging` it fills.
    value : float or str
        The default (a point value; ``spread`` says how uncertainty is added).
    unit : str
        Unit of ``value`` (rates are per person-year, shares are fractions).
    spread : str
        The distribution put around ``value`` when it is used, or ``"fixed"``.
    source : str
        Citation with DOI / PMID / URL, or ``"assumption"``.
    evidence_ids : str
        Rows of the spinemets catalogue (``sm.evidence()``) behind it, ``;``-separated.
    assumption : str
        What has to be true for the default to fit a catchment, in words.
    parameter : str
        The catalogue parameter (``sm.parameter(...)``, ``data/parameters.csv``) the default
        is read from; then ``value`` is None and :meth:`resolve` reads it.
    help : str
        One line saying what the input is (command-line help and glossary).

    Examples
    --------
    >>> from spinemets._planning import DEFAULTS
    >>> d = {x.name: x for x in DEFAULTS}
    >>> round(d["mscc_rate"].resolve() * 100_000, 10)
    8.1
    >>> d["mscc_rate"].parameter
    'mscc_rate'
    """

    name: str
    value: float | str | None
    unit: str
    spread: str
    source: str
    evidence_ids: str = ""
    assumption: str = ""
    parameter: str = ""
    help: str = ""

    def distribution(self) -> Rate | Proportion:
        """The catalogue distribution behind the default (only when ``parameter`` is set)."""
        if not self.parameter:
            raise ValueError(f"{self.name} is not read from the catalogue")
        return parameter(self.parameter)

    def resolve(self) -> float | str:
        """The default value: the catalogue mean when ``parameter`` is set, else ``value``."""
        if self.parameter:
            return float(self.distribution().mean)
        if self.value is None:  # pragma: no cover - a registry invariant
            raise ValueError(f"{self.name}: no value and no catalogue parameter")
        return self.value

    def default_text(self) -> str:
        """The default as words for help texts (a catalogue default names its parameter).

        Examples
        --------
        >>> from spinemets._planning import DEFAULTS
        >>> d = {x.name: x for x in DEFAULTS}
        >>> d["scan_minutes"].default_text(), d["mscc_rate"].default_text()
        ('30 minutes', "the catalogue's sm.parameter('mscc_rate')")
        """
        if self.parameter:
            return f"the catalogue's sm.parameter({self.parameter!r})"
        if self.spread.startswith("Beta"):
            return self.spread
        v = self.resolve()
        if self.unit == "per person-year" and isinstance(v, float):
            return f"{v * 1e5:.3g} per 100,000 a year"
        if isinstance(v, (int, float)):
            unit = "" if self.unit in ("fraction", "probability", "draws") else f" {self.unit}"
            return f"{v:g}{unit}"
        return str(v)


# Beta quantile-matched to a 95% central interval 0.20–0.60 (scipy fsolve on both tail
# quantiles; reproduced in tests/test_planning.py::test_default_yield_spans_audits).
_YIELD_A = 8.321901520406083
_YIELD_B = 13.002610693027306
_NORWAY = (
    "A population-based study of spinal metastatic disease in South-East Norway "
    "(2.6 M people, 18 months, 1002 patients). Clin Oncol 2010; doi 10.1016/j.clon.2009.09.023 "
    "(read via https://litmetric.com/detail/19850454)"
)
_SHAKIL = (
    "Shakil H et al. Contemporary trends in the incidence and timing of spinal metastases: "
    "a population-based study. Neurooncol Adv 2024;6(1):vdae051; doi 10.1093/noajnl/vdae051, "
    "PMID 38680988"
)
_LOBLAW = (
    "Loblaw DA, Laperriere NJ, Mackillop WJ. A population-based study of malignant spinal "
    "cord compression in Ontario. Clin Oncol 2003;15(4):211-217; doi "
    "10.1016/s0936-6555(02)00400-4, PMID 12846501"
)
_AUDITS = (
    "UK audits of suspected-MSCC MRI yield: 22% (23/104) without triage and 52% (50/96) "
    "with senior-clinician hotline triage (Allan ... Levack, Br J Cancer; "
    "https://www.sinapse.ac.uk/phase1-publications/suspected-malignant-cord-compression-"
    "improving-time-to-diagnosis-via-a-hotline-a-prospective-audit/); Yorkshire Q1 2012 "
    "number needed to scan 1.7 (~59%; https://cdn.slideserve.com/wilda/"
    "q1-2012-mscc-audit-acute-oncology-measures)"
)
_AJNR = (
    "AJNR 2024 ED survey-spine protocol: 5 min 50 s, 79% faster than routine "
    "(routine = 5.83/0.21 = 28 min); http://ajnr-stage2.highwire.org/content/early/2024/08/01/"
    "ajnr.A8326"
)

DEFAULTS: tuple[PlanningDefault, ...] = (
    PlanningDefault(
        "mscc_rate", None, "per person-year", "the catalogue's Gamma (CV 0.25)",
        _NORWAY + " (catalogue MSCC-20); corroborated by NICE CG75 'up to 80 per million a "
        "year' (catalogue MSCC-12)",
        "MSCC-20",
        "MSCC treated in a catchment like South-East Norway in the 2000s; rates have risen "
        "since (~2%/yr for spinal metastases, POP-01), so this is likely low for today",
        parameter="mscc_rate", help="new MSCC cases per person-year",
    ),
    PlanningDefault(
        "spinal_mets_rate", None, "per person-year", "the catalogue's Gamma (CV 0.25)",
        _NORWAY + " (catalogue SMD-01: spinal metastatic disease given radiotherapy, surgery "
        "or vertebroplasty, 26.0 per 100,000 a year; the same cohort as the MSCC default)",
        "SMD-01",
        "spinal metastases needing local treatment, including those presenting as MSCC: each "
        "had one positive spine MRI (emergency or urgent) and enters follow-up. Diagnosed "
        "spinal metastases (Ontario 30.2 per 100,000, POP-01b; sm.parameter("
        "'plan_spinal_mets_rate')) include many found on staging CT/PET and never referred "
        "for MRI, so they are not the default",
        parameter="spinal_mets_treated_rate",
        help="spinal metastases needing local treatment (incl. MSCC) per person-year",
    ),
    PlanningDefault(
        "mets_without_mscc_per_mscc", 256 / 809, "per MSCC case", "fixed",
        "The Christie network MSCC service, referrals 2014-2016: 809 MSCC and 256 impending "
        "MSCC (spinal metastases without cord compression) among 1,915 suspected-MSCC "
        "referrals (https://www.csp.org.uk/innovations/network-spinal-cord-compression-"
        "service; catalogue PLAN-04)", "PLAN-04",
        "spinal metastases without MSCC found on suspected-MSCC (emergency) scans, per MSCC "
        "case found: these patients enter follow-up but are not urgent referrals again",
        help="spinal metastases without MSCC found on emergency scans per MSCC case",
    ),
    PlanningDefault(
        "rate_cv", 0.25, "coefficient of variation", "fixed",
        "assumption (planning-notes §6.1): spread of the published rates and their rising "
        "trend", "",
        "the planner's uncertainty about the catchment's true rates; override with local data",
    ),
    PlanningDefault(
        "emergency_yield", _YIELD_A / (_YIELD_A + _YIELD_B), "fraction",
        f"Beta({_YIELD_A:.4g}, {_YIELD_B:.4g}): 95% central interval 0.20-0.60",
        "assumption spanning " + _AUDITS + " (catalogue PLAN-01, PLAN-02; as parameters "
        "plan_yield_untriaged and plan_yield_triaged)", "PLAN-01;PLAN-02",
        "share of suspected-MSCC MRI that shows MSCC; strongly triage-dependent "
        "(US ED any-cause 14%). Set it from local audit counts when you have them",
    ),
    PlanningDefault(
        "urgent_yield", _YIELD_A / (_YIELD_A + _YIELD_B), "fraction",
        f"Beta({_YIELD_A:.4g}, {_YIELD_B:.4g}): 95% central interval 0.20-0.60",
        "assumption: no published yield for 1-week suspected-metastasis MRI was found "
        "(planning-notes §7); the emergency-yield spread is borrowed", "",
        "share of urgent (no neurology) MRI that confirms spinal metastases",
    ),
    PlanningDefault(
        "scans_per_referral", 1.0, "scans", "fixed",
        "NICE CG75 / NG234: one whole-spine MRI for suspected MSCC "
        "(https://www.nice.org.uk/guidance/cg75/chapter/Key-priorities-for-implementation)",
        "", "repeat or additional-region scans not counted",
    ),
    PlanningDefault(
        "followup_interval_months", 3.4, "months", "fixed",
        "median interval between follow-up spine MRIs after SBRT, 446 patients 2008-2021 "
        "(https://discovery.researcher.life/article/magnetic-resonance-imaging-frequency-"
        "after-stereotactic-body-radiation-therapy-for-spine-metastases/"
        "f92f3355e668332fb0cae36486df4eb0)", "",
        "every treated patient is followed with spine MRI at this interval while alive",
    ),
    PlanningDefault(
        "median_survival_months", 2.9, "months", "fixed (exponential survival)",
        _LOBLAW + " (the study behind catalogue MSCC-01): median survival after MSCC", "MSCC-01",
        "survival after MSCC used for all treated spinal metastases: conservative (patients "
        "without MSCC live longer), so follow-up demand is likely underestimated",
    ),
    PlanningDefault(
        "followup_scans_per_patient", "derived", "scans per patient", "fixed",
        "derived: sum over j >= 1 of S(j * interval) with exponential survival S; "
        "q / (1 - q), q = 2**(-interval / median survival)", "",
        "scans stop at death; no cap on follow-up length",
    ),
    PlanningDefault(
        "scan_minutes", 30.0, "minutes", "fixed",
        "derived from " + _AJNR + ", rounded up to 30", "",
        "acquisition time of a full whole-spine protocol (a slot adds changeover_minutes); no "
        "authoritative UK slot length was found (planning-notes §2.4)",
    ),
    PlanningDefault(
        "changeover_minutes", 0.0, "minutes", "fixed",
        "assumption: no published changeover time was found (planning-notes §2.4, §7)", "",
        "scanner minutes between two patients; a slot is the scan plus changeover — set your "
        "service's own figure",
        help="scanner minutes between two scans (a slot = scan + changeover)",
    ),
    PlanningDefault(
        "transfer_hours", 0.0, "hours", "fixed",
        "assumption: the patient is at the scanning site when referred (planning-notes §6.1)",
        "", "hours to bring a referred patient to the scanner (e.g. from another hospital); "
        "they count towards the target",
        help="hours to bring a referred patient to the scanner",
    ),
    PlanningDefault(
        "reporting_hours", 0.0, "hours", "fixed",
        "assumption: no published reporting time was found; NICE QS56 times the MRI *and* a "
        "treatment plan within 24 h, so reporting counts towards the target", "",
        "hours from the end of the scan to a reported result",
        help="hours from the end of a scan to its report",
    ),
    PlanningDefault(
        "abbreviated_scan_minutes", 10.0, "minutes", "fixed",
        "derived from " + _AJNR + " and a rapid protocol 60% shorter (Neuroradiol J 2024, "
        "https://medluna.com/article/39115980): 6-12 min", "",
        "abbreviated protocol, used only for the streams named in abbreviated_streams",
    ),
    PlanningDefault(
        "opening_hours", "Mon-Fri 08:00-18:00", "schedule", "fixed",
        "assumption: the example schedule of planning-notes §6.1", "",
        "scans happen only inside the opening hours; arrivals uniform over the week",
    ),
    PlanningDefault(
        "arrival_profile", "uniform", "weekday x hour weights", "fixed",
        "planning-notes §2.6: no quantitative weekday x hour distribution of MSCC referrals "
        "was found; The Christie's service users report patients identified late in the day, "
        "particularly on Fridays (http://christie.nhs.uk/services/i-to-q/metastatic-spinal-"
        "cord-compression-mscc/about-us/testimonials/) — give your own 7 x 24 weights", "",
        "referrals spread evenly over the week unless a 7 x 24 profile of weights is given",
        help="7 x 24 weekday x hour weights of referral arrivals (Monday 00-01 first)",
    ),
    PlanningDefault(
        "emergency_target_hours", 24.0, "hours", "fixed",
        "NICE QS56 statement 3 (https://www.nice.org.uk/guidance/qs56/chapter/Quality-"
        "statement-3-Imaging-and-treatment-plans-for-adults-with-suspected-metastatic-spinal-"
        "cord-compression); NICE NG234", "", "",
    ),
    PlanningDefault(
        "urgent_target_hours", 168.0, "hours", "fixed",
        "CG75 audit standard, suspected vertebral metastases without MSCC: MRI within 7 days "
        "(Yorkshire Q1 2012 audit, slideserve link above); NG234 (secondary source)", "", "",
    ),
    PlanningDefault(
        "service_level", 0.95, "fraction of weeks", "fixed",
        "assumption: planning convention (planning-notes §6.1)", "", "",
    ),
    PlanningDefault(
        "assurance", 0.8, "probability", "fixed",
        "assumption: the example of issue 13 (a planner's tolerance for the catchment being "
        "busier than the capacity allows)", "",
        "the probability, over what is unknown about the catchment's rates and yields, that "
        "the service level is actually met",
    ),
    PlanningDefault(
        "confidence_level", 0.95, "fraction", "fixed",
        "spinemets convention (DESIGN §4)", "", "",
    ),
    PlanningDefault(
        "horizon_years", 5.0, "years", "fixed",
        "assumption (planning-notes §6.1); projection error grows beyond 10 years "
        "(Stat Med 2003;22:2751-66, PMID 12939784)", "",
        "capacity is sized for the last year of the horizon",
    ),
    PlanningDefault(
        "rate_trend_per_year", 0.0, "fraction per year", "fixed",
        "off by default (planning-notes §6.1); Ontario spinal metastases rose 2.2%/yr "
        "(AAPC, 95% CI 1.4-3.0): " + _SHAKIL + " (catalogue POP-01)", "POP-01",
        "rates held constant over the horizon unless a trend is given",
        help="yearly relative change in the rates",
    ),
    PlanningDefault(
        "population_growth_per_year", 0.0, "fraction per year", "fixed",
        "assumption: off by default; take it from the official subnational population "
        "projections for the catchment (e.g. ONS SNPP in England, planning-notes §5.2)", "",
        "the catchment's population held constant unless a growth rate is given; ageing "
        "enters only through rate_trend_per_year",
        help="yearly relative change in the catchment's population",
    ),
    PlanningDefault(
        "cancer_incidence_ceiling", 0.01, "per person-year", "fixed",
        "assumption: a generous ceiling on all-cancer incidence, used only for the "
        "plausibility check when cancer_cases_per_year is not given", "",
        "no population has more than 1 new cancer per 100 people a year",
    ),
    PlanningDefault(
        "n_sims", 10_000, "draws", "fixed",
        "assumption (planning-notes §6.1): Monte Carlo draws of the parameters, each "
        "followed for 52 weeks", "", "",
    ),
)

_D = {d.name: d for d in DEFAULTS}


def _default_yield(name: str) -> Proportion:
    d = _D[name]
    return Proportion.beta(
        _YIELD_A, _YIELD_B, label=name, encoding="beta quantile-matched to 0.20-0.60 (95%)",
        assumption=d.assumption,
    )


# --------------------------------------------------------------------------- opening hours

_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_INDEX = {d.lower(): i for i, d in enumerate(_DAY_NAMES)}
_DAY_INDEX.update({
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6, "tues": 1, "thur": 3, "thurs": 3,
})
_DAY_WORDS = {
    "weekdays": (0, 1, 2, 3, 4), "weekday": (0, 1, 2, 3, 4),
    "weekends": (5, 6), "weekend": (5, 6),
    "daily": tuple(range(7)), "everyday": tuple(range(7)), "7days": tuple(range(7)),
    "7-day": tuple(range(7)), "7day": tuple(range(7)),
}
_TIME = r"(\d{1,2})(?::(\d{2}))?"
_SEGMENT = re.compile(rf"^(?P<days>.+?)\s+{_TIME}\s*[-–]\s*{_TIME}$")


def _hour(h: str, m: str | None, text: str) -> float:
    hh, mm = int(h), int(m or 0)
    if mm >= 60 or hh > 24 or (hh == 24 and mm > 0):
        raise ValueError(f"opening_hours: hours must be times of day (00:00 to 24:00), got "
                         f"segment {text!r}")
    return hh + mm / 60.0


def _parse_days(text: str, segment: str) -> tuple[int, ...]:
    key = re.sub(r"\s+", "", text.lower())
    if key in _DAY_WORDS:
        return _DAY_WORDS[key]
    if key in _DAY_INDEX:
        return (_DAY_INDEX[key],)
    parts = re.split(r"[-–]", key)
    if len(parts) == 2 and parts[0] in _DAY_INDEX and parts[1] in _DAY_INDEX:
        a, b = _DAY_INDEX[parts[0]], _DAY_INDEX[parts[1]]
        return tuple((a + i) % 7 for i in range((b - a) % 7 + 1))
    raise ValueError(
        f"opening_hours: cannot read the days {text!r}; use e.g. 'Mon-Fri', 'Sat', "
        f"'weekdays', 'weekends' or 'daily', got segment {segment!r}"
    )


@dataclass(frozen=True)
class OpeningHours:
    """When the MRI service scans, as open intervals of the week.

    Week hours run from 0 (Monday 00:00) to 168 (next Monday 00:00).

    Attributes
    ----------
    intervals : tuple of (float, float)
        Sorted, merged open intervals in week hours.
    text : str
        The schedule as written (canonical form if built from intervals).

    Examples
    --------
    >>> from spinemets._planning import OpeningHours
    >>> oh = OpeningHours.parse("Mon-Fri 08:00-18:00")
    >>> oh.hours_per_week
    50.0
    >>> round(oh.prob_wait_over(24), 4)      # the weekend gap: 38 h of 168
    0.2262
    >>> OpeningHours.parse("daily 08-18").prob_wait_over(24)
    0.0
    """

    intervals: tuple[tuple[float, float], ...]
    text: str = ""

    @classmethod
    def parse(cls, text: str) -> OpeningHours:
        """Read a schedule such as ``"Mon-Fri 08:00-18:00; Sat 09-13"`` or ``"24/7"``.

        Segments are separated by ``;``. Each is days (``Mon-Fri``, ``Sat``, ``weekdays``,
        ``weekends``, ``daily``) and a time range ``HH[:MM]-HH[:MM]`` within one day
        (``00-24`` is the whole day; write overnight sessions as two segments).

        Examples
        --------
        >>> from spinemets._planning import OpeningHours
        >>> OpeningHours.parse("24/7").hours_per_week
        168.0
        >>> OpeningHours.parse("weekdays 8-20; Sat 9-13").hours_per_week
        64.0
        """
        if isinstance(text, OpeningHours):
            return text
        if not isinstance(text, str):
            raise TypeError(
                f"opening_hours must be a schedule text such as 'Mon-Fri 08:00-18:00', got "
                f"{type(text).__name__} {text!r}"
            )
        if len(text) > MAX_OPENING_HOURS_CHARS:
            raise ValueError(
                f"opening_hours must be at most {MAX_OPENING_HOURS_CHARS} characters, got "
                f"{len(text):,} characters ({text[:40]!r}...)"
            )
        cleaned = text.strip()
        if cleaned.lower() in {"24/7", "always", "24x7"}:
            return cls(((0.0, HOURS_PER_WEEK),), cleaned)
        raw: list[tuple[float, float]] = []
        for segment in (s.strip() for s in cleaned.split(";")):
            if not segment:
                continue
            m = _SEGMENT.match(segment)
            if m is None:
                raise ValueError(
                    f"opening_hours: cannot read segment {segment!r}; expected days and hours "
                    "such as 'Mon-Fri 08:00-18:00' (segments separated by ';') or '24/7', "
                    f"got {text!r}"
                )
            days = _parse_days(m.group("days"), segment)
            g = m.groups()
            start = _hour(g[1], g[2], segment)
            end = _hour(g[3], g[4], segment)
            if end < start:
                raise ValueError(
                    "opening_hours: a segment must not close before it opens; write an "
                    "overnight session as two segments (e.g. 'Mon 20-24; Tue 00-08'), got "
                    f"segment {segment!r}"
                )
            raw += [(24.0 * d + start, 24.0 * d + end) for d in days if end > start]
        out = cls._from_raw(raw, cleaned)
        if out.hours_per_week <= 0:
            raise ValueError(
                f"opening_hours must be open for more than 0 hours a week, got {text!r}"
            )
        return out

    @classmethod
    def _from_raw(cls, raw: list[tuple[float, float]], text: str) -> OpeningHours:
        merged: list[list[float]] = []
        for a, b in sorted(raw):
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        return cls(tuple((a, b) for a, b in merged), text)

    @property
    def hours_per_week(self) -> float:
        """Open hours in a week."""
        return float(sum(b - a for a, b in self.intervals))

    def gaps(self) -> list[float]:
        """Lengths (hours) of the closed periods of the week, wrapping Sunday to Monday."""
        if not self.intervals:
            return [HOURS_PER_WEEK]
        out = []
        for i, (_, b) in enumerate(self.intervals):
            nxt = self.intervals[(i + 1) % len(self.intervals)][0]
            gap = (nxt - b) % HOURS_PER_WEEK
            if len(self.intervals) == 1 and gap == 0 and self.hours_per_week < HOURS_PER_WEEK:
                gap = HOURS_PER_WEEK - self.hours_per_week
            if gap > 0:
                out.append(gap)
        return out

    def _wait_grid(self, profile: Any) -> tuple[np.ndarray, np.ndarray]:
        """Waits to the next open moment on a 10-second grid of the week, and the weights of
        a weekday x hour arrival ``profile`` (each hour's weight spread evenly over it)."""
        prof = check_profile(profile).ravel()
        x = (np.arange(_GRID_PER_HOUR * 168) + 0.5) / _GRID_PER_HOUR
        starts = np.array([a for a, _ in self.intervals])
        ends = np.array([b for _, b in self.intervals])
        i = np.searchsorted(ends, x, side="right")  # the first interval ending after x
        inside = i < len(ends)
        wait = np.where(inside, np.maximum(starts[np.minimum(i, len(ends) - 1)] - x, 0.0),
                        HOURS_PER_WEEK + starts[0] - x)
        weights = prof[np.floor(x).astype(int)] / (prof.sum() * _GRID_PER_HOUR)
        return wait, weights

    def prob_wait_over(self, hours: float, profile: Any = None) -> float:
        """Share of arrivals waiting more than ``hours`` for the next opening.

        Arrivals uniform over the week (``profile`` None): an arrival during a closed gap of
        length G waits until it ends, so the share is ``sum(max(G - hours, 0)) / 168``. With
        a weekday x hour ``profile`` (7 x 24 weights) the arrivals follow it (10-second grid).

        Examples
        --------
        >>> import numpy as np
        >>> from spinemets._planning import OpeningHours
        >>> OpeningHours.parse("24/7").prob_wait_over(0)
        0.0
        >>> friday_evening = np.zeros((7, 24)); friday_evening[4, 19] = 1.0
        >>> OpeningHours.parse("Mon-Fri 08-18").prob_wait_over(24, friday_evening)
        1.0
        """
        h = check_real(hours, "hours", low=0)
        if profile is not None:
            wait, weights = self._wait_grid(profile)
            return float(min(1.0, weights[wait > h].sum()))
        return float(sum(max(g - h, 0.0) for g in self.gaps()) / HOURS_PER_WEEK)

    def share_within(self, hours: float, profile: Any = None) -> float:
        """Share of arrivals that can be scanned within ``hours`` (``1 - prob_wait_over``).

        Examples
        --------
        >>> from spinemets._planning import OpeningHours
        >>> round(OpeningHours.parse("Mon-Fri 08-18").share_within(24), 4)
        0.7738
        """
        return 1.0 - self.prob_wait_over(hours, profile)

    def mean_wait(self, profile: Any = None) -> float:
        """Mean hours from arrival to the next open moment (``sum(G**2 / 2) / 168``).

        Examples
        --------
        >>> from spinemets._planning import OpeningHours
        >>> round(OpeningHours.parse("daily 08-18").mean_wait(), 3)
        4.083
        """
        if profile is not None:
            wait, weights = self._wait_grid(profile)
            return float(np.dot(wait, weights))
        return float(sum(g * g / 2.0 for g in self.gaps()) / HOURS_PER_WEEK)

    def wait_quantile(self, q: float, profile: Any = None) -> float:
        """Hours from a uniform arrival to the next open moment not exceeded with probability q.

        Solves ``prob_wait_over(h) = 1 - q`` (piecewise linear in ``h``).

        Examples
        --------
        >>> from spinemets._planning import OpeningHours
        >>> round(OpeningHours.parse("Mon-Fri 08-18").wait_quantile(0.95), 6)  # 62 - 0.05 * 168
        53.6
        """
        q = check_fraction(q, "q")
        if profile is not None:
            wait, weights = self._wait_grid(profile)
            order = np.argsort(wait)
            cum = np.cumsum(weights[order])
            return float(wait[order][min(np.searchsorted(cum, q - 1e-12), len(cum) - 1)])
        if self.prob_wait_over(0.0) <= 1.0 - q:
            return 0.0
        return float(optimize.brentq(lambda h: self.prob_wait_over(h) - (1.0 - q), 0.0,
                                     max(self.gaps()), xtol=1e-12))

    def sessions(self) -> list[tuple[float, float, float]]:
        """Open periods split at midnight, each with the hours of arrivals it serves.

        Returns ``(start, end, window_hours)`` in week hours; the window runs from the end
        of the previous session (arrivals during the closure wait for this session).

        Examples
        --------
        >>> from spinemets._planning import OpeningHours
        >>> [w for _, _, w in OpeningHours.parse("Mon-Fri 08-18").sessions()]
        [72.0, 24.0, 24.0, 24.0, 24.0]
        """
        pieces: list[tuple[float, float]] = []
        for a, b in self.intervals:
            x = a
            while x < b:
                end = min(b, (math.floor(x / 24.0) + 1) * 24.0)
                pieces.append((x, end))
                x = end
        out = []
        for i, (a, b) in enumerate(pieces):
            prev_end = pieces[i - 1][1]
            window = (b - prev_end) % HOURS_PER_WEEK
            if window == 0:
                window = HOURS_PER_WEEK
            out.append((a, b, float(window)))
        return out

    def __str__(self) -> str:
        return self.text or "; ".join(_session_label(a, b) for a, b in self.intervals)


def _clock(h: float) -> str:
    hh = int(h)
    mm = round((h - hh) * 60)
    return f"{hh:02d}:{mm:02d}"


def _session_label(a: float, b: float) -> str:
    day = int(a // 24) % 7
    return f"{_DAY_NAMES[day]} {_clock(a - 24 * (a // 24))}-{_clock(b - 24 * (a // 24))}"


# --------------------------------------------------------------------------- count laws


class _Counts:
    """A distribution of a whole-number count: cdf, sf, ppf, pmf on a grid."""

    def cdf(self, x: Any) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def sf(self, x: Any) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def ppf(self, q: Any) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def grid(self) -> tuple[int, np.ndarray]:  # pragma: no cover - interface
        raise NotImplementedError


class _ScipyCounts(_Counts):
    """Poisson or negative binomial, exact via scipy."""

    def __init__(self, frozen: Any) -> None:
        self.frozen = frozen

    def cdf(self, x: Any) -> np.ndarray:
        return self.frozen.cdf(x)

    def sf(self, x: Any) -> np.ndarray:
        return self.frozen.sf(x)

    def ppf(self, q: Any) -> np.ndarray:
        return self.frozen.ppf(q)

    def grid(self) -> tuple[int, np.ndarray]:
        hi = int(self.frozen.isf(_TAIL)) + 1
        return 0, self.frozen.pmf(np.arange(0, hi + 1))


class _GridCounts(_Counts):
    """A count law given by its probabilities on ``lo, lo+1, ..., lo+len(pmf)-1``."""

    def __init__(self, lo: int, pmf: np.ndarray) -> None:
        pmf = np.clip(np.asarray(pmf, dtype=float), 0.0, None)
        self.lo = int(lo)
        self.pmf = pmf
        self._cum = np.minimum(np.cumsum(pmf), 1.0)
        tail = np.cumsum(pmf[::-1])[::-1]
        self._tail = np.append(tail[1:], 0.0)  # P(X > lo + i)
        self._total = float(tail[0]) if len(tail) else 0.0

    def cdf(self, x: Any) -> np.ndarray:
        x = np.floor(np.asarray(x, dtype=float))
        idx = np.clip(x - self.lo, -1, len(self.pmf) - 1).astype(int)
        out = np.where(idx < 0, 0.0, self._cum[np.maximum(idx, 0)])
        return np.where(x - self.lo >= len(self.pmf) - 1, 1.0, out)

    def sf(self, x: Any) -> np.ndarray:
        x = np.floor(np.asarray(x, dtype=float))
        idx = np.clip(x - self.lo, -1, len(self.pmf) - 1).astype(int)
        return np.where(idx < 0, 1.0, self._tail[np.maximum(idx, 0)])

    def ppf(self, q: Any) -> np.ndarray:
        q = np.asarray(q, dtype=float)
        idx = np.searchsorted(self._cum, q - 1e-12, side="left")
        return (self.lo + np.minimum(idx, len(self.pmf) - 1)).astype(float)

    def grid(self) -> tuple[int, np.ndarray]:
        return self.lo, self.pmf


def _poisson_gamma(mean: float, shape: float | None, mult: float, exposure: float) -> _Counts:
    """Poisson(mult·exposure·Λ) with Λ fixed at ``mean`` or Gamma(shape, shape/mean)."""
    mu = mean * mult * exposure
    if shape is None or mu == 0:
        return _ScipyCounts(stats.poisson(mu))
    beta = shape / mean
    return _ScipyCounts(stats.nbinom(shape, beta / (beta + mult * exposure)))


def _yield_nodes(y: float | Proportion) -> tuple[np.ndarray, np.ndarray]:
    """Quadrature nodes and weights over the yield's distribution (one node if fixed)."""
    if not isinstance(y, Proportion):
        return np.array([float(y)]), np.array([1.0])
    if y.is_beta and y.a + y.b <= 200:
        x, w = special.roots_jacobi(64, y.b - 1.0, y.a - 1.0)
        return (1.0 + x) / 2.0, w / w.sum()
    x, w = special.roots_legendre(96)
    return np.asarray(y.ppf((1.0 + x) / 2.0), dtype=float), w / w.sum()


def _mixture_law(mean: float, shape: float | None, mults: np.ndarray, weights: np.ndarray,
                 exposure: float) -> _Counts:
    """Σ w_i · PoissonGamma(mean, shape, mults_i, exposure): a mixture over the yield nodes."""
    if len(mults) == 1 or mean == 0:
        return _poisson_gamma(mean, shape, float(mults[0]) if mean else 0.0, exposure)
    keep = weights > 1e-18  # nodes far in the yield's tails carry no mass worth a grid point
    mults, weights = mults[keep], weights[keep]
    mu = mean * mults * exposure
    tail = np.minimum(0.5, _TAIL / weights)  # each node's tail beyond hi adds < _TAIL
    if shape is None:
        hi = int(np.max(stats.poisson.isf(tail, mu))) + 1
    else:
        beta = shape / mean
        p = beta / (beta + mults * exposure)
        hi = int(np.max(stats.nbinom.isf(tail, shape, p))) + 1
    n = np.arange(0, hi + 1, dtype=float)
    pmf = np.zeros(len(n))
    base = -special.gammaln(n + 1.0)
    if shape is not None:
        base = base + special.gammaln(n + shape) - special.gammaln(shape)
    step = max(1, 2_000_000 // len(n))
    for i in range(0, len(mults), step):
        sl = slice(i, i + step)
        if shape is None:
            logp = special.xlogy(n[None, :], mu[sl, None]) - mu[sl, None] + base[None, :]
        else:
            logp = (base[None, :] + shape * np.log(p[sl, None])
                    + special.xlog1py(n[None, :], -p[sl, None]))
        pmf += weights[sl] @ np.exp(logp)
    return _GridCounts(0, pmf)


def _convolve(a: _Counts, b: _Counts) -> _Counts:
    lo_a, pa = a.grid()
    lo_b, pb = b.grid()
    return _GridCounts(lo_a + lo_b, convolve_pmfs([pa, pb]))


# --------------------------------------------------------------------------- drivers


@dataclass(frozen=True)
class _Driver:
    """Expected cases a year in the catchment: fixed (shape None) or Gamma(shape, shape/mean)."""

    mean: float
    shape: float | None

    @property
    def var(self) -> float:
        return 0.0 if self.shape is None else self.mean**2 / self.shape

    def scaled(self, g: float) -> _Driver:
        return _Driver(self.mean * g, self.shape)

    def ppf(self, q: Any) -> np.ndarray:
        if self.shape is None or self.mean == 0:
            return np.full(np.shape(q), self.mean, dtype=float)
        return stats.gamma(self.shape, scale=self.mean / self.shape).ppf(q)

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        if self.shape is None or self.mean == 0:
            return np.full(n, self.mean)
        return rng.gamma(self.shape, self.mean / self.shape, size=n)


def _is_number(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _rate_driver(value: Any, name: str, scale: float, cv: float) -> tuple[_Driver, str]:
    """A driver from a number (spread by ``cv``) or a Rate; ``scale`` turns units to cases/yr."""
    if isinstance(value, Rate):
        m, sd = value.mean, value.std
        if not (np.isfinite(m) and np.isfinite(sd)) or m <= 0:
            raise ValueError(f"{name} must have a finite positive mean, got {value!r}")
        if scale != 1.0:  # a rate per person-year (not the planner's own cases a year)
            check_rate_unit(float(m), f"{name} (mean of the Rate)")
        else:
            check_real(float(m), f"{name} (mean of the Rate)", high=MAX_EXPECTED_SCANS_PER_YEAR)
        if value.dist.dist.name == "gamma":
            shape: float | None = value.shape
            how = f"{name}: Rate {value.encoding or 'Gamma'} (user)"
        else:
            shape = None if sd == 0 else (m / sd) ** 2
            how = f"{name}: Rate moment-matched to a Gamma (mean, sd)"
        return _Driver(m * scale, shape), how
    if isinstance(value, Proportion):
        raise TypeError(f"{name} must be a number or a Rate, got a Proportion {value!r}")
    v = check_real(value, name, low=0)
    if scale != 1.0:
        check_rate_unit(v, name)
    else:  # the planner's own cases a year: each needs at least one scan
        check_real(v, name, high=MAX_EXPECTED_SCANS_PER_YEAR)
    if v == 0:
        return _Driver(0.0, None), f"{name}: 0 (no cases)"
    shape = None if cv == 0 else 1.0 / cv**2
    return _Driver(v * scale, shape), f"{name}: {v:.6g} with Gamma CV {cv:.3g}" if cv else (
        f"{name}: {v:.6g}, fixed (rate_cv = 0)"
    )


def _check_yield(value: Any, name: str) -> float | Proportion:
    if isinstance(value, Proportion):
        if float(value.cdf(MIN_YIELD)) > 1e-3:
            raise ValueError(
                f"{name} puts more than 0.1% of its probability below a yield of {MIN_YIELD:g} "
                f"({value!r}); such yields imply over {1 / MIN_YIELD:,.0f} scans per case — "
                "give a distribution bounded away from 0"
            )
        if value.is_beta and value.a <= 1:
            raise ValueError(
                f"{name} must be a Beta with a > 1 (got a = {value.a:.4g}): with a <= 1 the "
                "expected number of scans per case, E[1/yield], is infinite"
            )
        return value
    if isinstance(value, Rate):
        raise TypeError(f"{name} must be a fraction in (0, 1] or a Proportion, got a Rate")
    if _is_number(value) and float(value) > 1:
        raise ValueError(
            f"{name} must lie in (0, 1] (a fraction: 0.4 means 40% of scans positive), "
            f"got {float(value)!r}"
        )
    out = check_fraction(value, name, open_low=True)
    if out < MIN_YIELD:
        raise ValueError(
            f"{name} must be >= {MIN_YIELD:g} (a yield below it means over "
            f"{1 / MIN_YIELD:,.0f} scans per confirmed case), got {out!r}"
        )
    return out


# --------------------------------------------------------------------------- summary


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


def _describe(x: Any, *, per100k: bool = False, pct: bool = False) -> str:
    unit = "fraction" if pct else "per_person_year" if per100k else "number"
    if isinstance(x, (Proportion, Rate)):
        lo, hi = x.interval(0.95)
        return (f"{format_value(x.mean, unit, style='text')} "
                f"(95% interval {format_interval(lo, hi, unit)})")
    return format_value(float(x), unit, style="text")


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
    _drivers: dict[str, _Driver] = field(repr=False)
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
    _weekly: dict[str, _Counts] = field(repr=False)
    _yearly: dict[str, _Counts] = field(repr=False)
    _sim: dict[str, np.ndarray] = field(repr=False)
    _local: pd.DataFrame = field(repr=False)
    _frame: pd.DataFrame | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ distributions
    def _stream(self, stream: str) -> str:
        if not isinstance(stream, str) or stream not in _ALL_STREAMS:
            raise ValueError(
                f"stream must be one of {', '.join(_ALL_STREAMS)}, got {stream!r}"
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
        t = _WEEK_YEARS if period == "week" else 1.0
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
        (a Monday session after a closed weekend serves 72 hours of arrivals).

        Examples
        --------
        >>> import spinemets._planning as pl
        >>> s = pl.plan_imaging(1_000_000, rng=1, n_sims=2000).sessions()
        >>> list(s["session"])[:2]
        ['Mon 08:00-18:00', 'Tue 08:00-18:00']
        """
        level = self._level(service_level)
        rows = []
        for a, b, window in self.opening_hours.sessions():
            law = self._emergency_law(window / 24.0 / _DAYS_PER_YEAR)
            slots = int(law.ppf(level))
            rows.append({
                "session": _session_label(a, b),
                "window_hours": window,
                "expected_emergencies": self._factors["emergency"] * window / 24.0
                / _DAYS_PER_YEAR,
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

    def _treated_mscc(self) -> _Driver:
        """MSCC cases a year and the metastases without MSCC found on their scans."""
        return self._drivers["mscc"].scaled(1.0 + self._factors["k"])

    def _emergency_law(self, exposure: float) -> _Counts:
        return _stream_law(self._drivers["mscc"], self._yields["emergency"],
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
        out.update({s: self._sim[s].ravel() for s in _ALL_STREAMS})
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
            return _ratio_quantiles(d["mscc"], self._yields["emergency"], self._factors["c"], qs)
        if stream == "urgent":
            return _ratio_quantiles(d["urgent"], self._yields["urgent"], self._factors["c"], qs)
        if stream == "follow_up":
            return _sum_quantiles(self._treated_mscc(), d["urgent"], self._factors["f"], qs)
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
        for stream in _ALL_STREAMS:
            # cases a year
            if stream == "emergency":
                d = self._drivers["mscc"]
                cases_mean, cases_ci = d.mean, d.ppf([lo_q, hi_q])
            elif stream == "urgent":
                d = self._drivers["urgent"]
                cases_mean, cases_ci = d.mean, d.ppf([lo_q, hi_q])
            else:
                cases_mean = self._treated_mscc().mean + self._drivers["urgent"].mean
                cases_ci = _sum_quantiles(self._treated_mscc(), self._drivers["urgent"], 1.0,
                                          [lo_q, hi_q])
            cases_pi = self._yearly[f"cases_{'total' if stream in ('follow_up', 'total') else stream}"].ppf([lo_q, hi_q])  # noqa: E501
            scans_year_ci = self._expected_year_quantiles(stream, [lo_q, hi_q])
            scans_year_pi = (self._yearly[stream].ppf([lo_q, hi_q]) if stream != "total" else
                             _mixed_poisson_ppf(self._means["total_year"], [lo_q, hi_q]))
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
                "description": _STREAM_TEXT[stream],
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

        Demand in year ``t`` is today's times ``((1 + rate_trend) * (1 + population_growth))
        ** t``; the uncertainty about the rates keeps its shape. One row per year and stream:
        ``year``, ``stream``, ``growth`` (factor on today's demand), ``scans_per_year``,
        ``scans_per_week``, ``slots_per_week`` (service level with assurance, exact),
        ``assurance_at_slots``.

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
        """
        level = self._level(service_level)
        assured = self._assured(assurance)
        f = self._factors
        last = math.floor(f["horizon"])
        rows = []
        for year in range(last + 1):
            g = f["yearly_factor"] ** year
            k = g / f["growth"]  # from the horizon year (the plan's drivers) to this year
            laws = _mean_laws(self._drivers["mscc"].scaled(k), self._drivers["urgent"].scaled(k),
                              self._yields, f["c"], f["f"], f["k"])
            for stream in _ALL_STREAMS:
                law = laws[stream]
                slots = law.slots(level, assured)
                rows.append({
                    "year": year, "stream": stream, "growth": g,
                    "scans_per_year": self.mean_scans(stream, "year") * k,
                    "scans_per_week": self.mean_scans(stream) * k,
                    "service_level": level, "assurance": assured,
                    "slots_per_week": slots,
                    "assurance_at_slots": law.assurance(slots, level),
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
        for stream in _ALL_STREAMS:
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
        unknown = sorted(set(data["inputs"]) - set(inspect.signature(plan_imaging).parameters))
        if unknown:
            raise ValueError(f"path {str(path)!r}: unknown plan inputs {unknown}")
        inputs = {k: _from_jsonable(v) for k, v in data["inputs"].items()}
        if "abbreviated_streams" in inputs and inputs["abbreviated_streams"] is not None:
            inputs["abbreviated_streams"] = tuple(inputs["abbreviated_streams"])
        return plan_imaging(**inputs)

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


# --------------------------------------------------------------------------- builder


_LOCAL_COLUMNS = ("stream", "input", "prior", "posterior", "prior_mean", "posterior_mean",
                  "local_value", "data_weight", "referrals", "positives", "years")


def _local_unit(name: str) -> str:
    return "fraction" if name.endswith("yield") else "number"


def _local_row(stream: str, name: str, prior: Any, post: Any, local: float, weight: float,
               o: dict[str, float]) -> dict[str, Any]:
    """One row of :meth:`ImagingPlan.local_data`."""
    def text(x: Any) -> str:
        if isinstance(x, _Driver):
            if x.shape is None:
                return f"{x.mean:,.1f}"
            lo, hi = x.ppf([0.025, 0.975])
            return f"{x.mean:,.1f} (95% interval {lo:,.1f} to {hi:,.1f})"
        return _describe(x, pct=True)

    def mean(x: Any) -> float:
        return float(x.mean)

    return {"stream": stream, "input": name, "prior": text(prior), "posterior": text(post),
            "prior_mean": mean(prior), "posterior_mean": mean(post), "local_value": local,
            "data_weight": weight, "referrals": o["referrals"], "positives": o["positives"],
            "years": o["years"]}


def _mean_laws(m: _Driver, u: _Driver, ys: dict[str, float | Proportion], c: float,
               f: float, k: float, t: float = _WEEK_YEARS) -> dict[str, WeeklyMeanLaw]:
    """Laws of the expected weekly scans per stream and in total (the outer level).

    ``k`` spinal metastases without MSCC are found on emergency scans per MSCC case: they
    enter follow-up (``f (1 + k) M``) but not the urgent stream.
    """
    rm, ru = GammaRate(m.mean, m.shape), GammaRate(u.mean, u.shape)
    ye, we = yield_nodes(ys["emergency"])
    yu, wu = yield_nodes(ys["urgent"])
    e_mult = (t * c / ye)[:, None]
    u_mult = (t * c / yu)[:, None]
    fm = f * (1.0 + k)  # follow-up scans per MSCC case: the MSCC patient and the k found with it
    if ys["urgent"] is ys["emergency"]:  # one yield for both streams: the same nodes
        a, b, w_tot = t * (c / ye + fm), t * (c / ye + f), we
    else:
        a = ((t * (c / ye + fm))[:, None] + np.zeros((1, len(yu)))).ravel()
        b = ((t * (c / yu + f))[None, :] + np.zeros((len(ye), 1))).ravel()
        w_tot = (we[:, None] * wu[None, :]).ravel()
    return {
        "emergency": WeeklyMeanLaw([rm], e_mult, we),
        "urgent": WeeklyMeanLaw([ru], u_mult, wu),
        "follow_up": WeeklyMeanLaw([rm, ru], np.array([[t * fm, t * f]]), np.array([1.0])),
        "total": WeeklyMeanLaw([rm, ru], np.stack([a, b], axis=1), w_tot),
    }


def _yearly_tail(drv: _Driver, y: float | Proportion, mult: float) -> float:
    """Grid length of the yearly law of Poisson(mult·Λ/y): the tail rule of _mixture_law."""
    if drv.mean == 0 or mult == 0:
        return 0.0
    nodes, weights = _yield_nodes(y)
    keep = weights > 1e-18
    mults, tail = mult / nodes[keep], np.minimum(0.5, _TAIL / weights[keep])
    if drv.shape is None:
        return float(np.max(stats.poisson.isf(tail, drv.mean * mults)))
    return float(np.max(stats.nbinom.isf(tail, drv.shape, drv.shape / (drv.shape
                                                                     + drv.mean * mults))))


def _check_size(m: _Driver, u: _Driver, ys: dict[str, float | Proportion], c: float,
                f: float, k: float, given: dict[str, Any]) -> None:
    """Refuse, before any allocation, demand the exact laws cannot tabulate (_plan_limits)."""
    expected = {"emergency": c * m.mean * _mean_inverse(ys["emergency"]),
                "urgent": c * u.mean * _mean_inverse(ys["urgent"]),
                "follow_up": f * ((1.0 + k) * m.mean + u.mean)}
    tails = {"emergency": _yearly_tail(m, ys["emergency"], c),
             "urgent": _yearly_tail(u, ys["urgent"], c),
             "follow_up": _yearly_tail(m, 1.0, f * (1.0 + k)) + _yearly_tail(u, 1.0, f)}
    names = ("population", "mscc_rate", "spinal_mets_rate", "mscc_cases_per_year",
             "spinal_mets_cases_per_year", "rate_cv", "emergency_yield", "urgent_yield",
             "scans_per_referral", "followup_scans_per_patient", "horizon_years",
             "rate_trend_per_year", "population_growth_per_year")
    shown = [f"{k}={given[k]!r}" for k in names if given.get(k) is not None
             and not isinstance(given[k], (Proportion, Rate))]
    check_demand_size(expected, tails, "from " + (", ".join(shown) or "the defaults"))


def _mixed_poisson_ppf(law: WeeklyMeanLaw, qs: list[float]) -> np.ndarray:
    """Quantiles of N ~ Poisson(mu), mu ~ ``law``: the smallest n with P(N <= n) >= q (exact)."""
    out = []
    for q in qs:
        lo, hi = 0, int(stats.poisson.isf(_TAIL, float(law.isf(_TAIL)))) + 1
        while lo < hi:
            mid = (lo + hi) // 2
            if 1.0 - float(law.expected_share_over(mid)) >= q - 1e-12:
                hi = mid
            else:
                lo = mid + 1
        out.append(float(lo))
    return np.array(out)


def _stream_law(driver: _Driver, y: float | Proportion, c: float, exposure: float) -> _Counts:
    nodes, weights = _yield_nodes(y)
    return _mixture_law(driver.mean, driver.shape, c / nodes, weights, exposure)


def _solve_quantiles(cdf: Any, qs: list[float], scale: float) -> np.ndarray:
    """Invert a continuous increasing ``cdf`` on [0, inf) at each q (bracketing by doubling)."""
    out = []
    for q in qs:
        hi = max(scale, 1e-12)
        while cdf(hi) < q:
            hi *= 2.0
        out.append(optimize.brentq(lambda x, q=q: cdf(x) - q, 0.0, hi, xtol=1e-12 * hi,
                                   rtol=1e-13))
    return np.array(out)


def _ratio_quantiles(drv: _Driver, y: float | Proportion, c: float,
                     qs: list[float]) -> np.ndarray:
    """Quantiles of c·Λ/y (expected scans a year), Λ Gamma or fixed, y Beta-like or fixed."""
    if drv.mean == 0:
        return np.zeros(len(qs))
    if drv.shape is None:
        if not isinstance(y, Proportion):
            return np.full(len(qs), c * drv.mean / float(y))
        # c·Λ/y <= x  <=>  y >= c·Λ/x
        return np.array([c * drv.mean / float(y.ppf(1.0 - q)) for q in qs])
    nodes, weights = _yield_nodes(y)
    gam = stats.gamma(drv.shape, scale=drv.mean / drv.shape)
    return _solve_quantiles(lambda x: float(np.dot(weights, gam.cdf(x * nodes / c))), qs,
                            c * drv.mean)


def _sum_quantiles(m: _Driver, u: _Driver, f: float, qs: list[float]) -> np.ndarray:
    """Quantiles of f·(M + U) for independent Gamma (or fixed) M and U."""
    free = [d for d in (m, u) if d.shape is not None and d.mean > 0]
    shift = sum(d.mean for d in (m, u) if d.shape is None or d.mean == 0)
    if not free:
        return np.full(len(qs), f * shift)
    if len(free) == 1:
        return f * (shift + free[0].ppf(qs))
    a, b = free
    x, w = special.roots_legendre(128)
    a_nodes = a.ppf((1.0 + x) / 2.0)
    w = w / w.sum()
    gb = stats.gamma(b.shape, scale=b.mean / b.shape)
    return f * _solve_quantiles(lambda t: float(np.dot(w, gb.cdf(t - a_nodes))), qs,
                                a.mean + b.mean)


def _followup_law(m: _Driver, u: _Driver, f: float, exposure: float) -> _Counts:
    return _convolve(_poisson_gamma(m.mean, m.shape, f, exposure),
                     _poisson_gamma(u.mean, u.shape, f, exposure))


def _mean_inverse(y: float | Proportion) -> float:
    if not isinstance(y, Proportion):
        return 1.0 / float(y)
    if y.is_beta:
        return (y.a + y.b - 1.0) / (y.a - 1.0) if y.a > 1 else float("inf")
    nodes, weights = _yield_nodes(y)
    return float(np.sum(weights / nodes))


def _resolved_row(name: str, value: Any, unit: str, user: bool, *, source: str = "",
                  evidence_ids: str = "", assumption: str = "") -> dict[str, Any]:
    d = _D.get(name)
    if not user and d is not None:
        source = source or d.source
        evidence_ids = evidence_ids or d.evidence_ids
        assumption = assumption or d.assumption
    if isinstance(value, (Proportion, Rate)):
        lo, hi = value.interval(0.95)
        mean = value.mean
        text = repr(value)
        if user:
            source = source or (";".join(value.sources) or "user-supplied distribution")
            evidence_ids = evidence_ids or ";".join(value.sources)
            assumption = assumption or value.assumption
    else:
        text = str(value)
        num = float(value) if _is_number(value) else float("nan")
        mean = lo = hi = num
    if user and not source:
        source = "user-supplied"
    return {
        "name": name, "value": text, "unit": unit, "mean": mean, "ci_lower": lo,
        "ci_upper": hi, "user_supplied": bool(user), "source": source,
        "evidence_ids": evidence_ids, "assumption": assumption,
    }


def plan_imaging(
    population: float | None = None,
    *,
    mscc_rate: float | Rate | None = None,
    spinal_mets_rate: float | Rate | None = None,
    mscc_cases_per_year: float | Rate | None = None,
    spinal_mets_cases_per_year: float | Rate | None = None,
    rate_cv: float | None = None,
    emergency_yield: float | Proportion | None = None,
    urgent_yield: float | Proportion | None = None,
    scans_per_referral: float | None = None,
    mets_without_mscc_per_mscc: float | None = None,
    followup_scans_per_patient: float | None = None,
    followup_interval_months: float | None = None,
    median_survival_months: float | None = None,
    scan_minutes: float | None = None,
    abbreviated_scan_minutes: float | None = None,
    changeover_minutes: float | None = None,
    transfer_hours: float | None = None,
    reporting_hours: float | None = None,
    abbreviated_streams: Iterable[str] = (),
    opening_hours: str | OpeningHours | None = None,
    arrival_profile: Any = None,
    emergency_target_hours: float | None = None,
    urgent_target_hours: float | None = None,
    service_level: float | None = None,
    assurance: float | None = None,
    confidence_level: float | None = None,
    horizon_years: float | None = None,
    rate_trend_per_year: float | None = None,
    population_growth_per_year: float | None = None,
    cancer_cases_per_year: float | None = None,
    observed: dict[str, dict[str, float]] | None = None,
    n_sims: int | None = None,
    rng: RNGLike = None,
) -> ImagingPlan:
    """Plan weekly MRI capacity for suspected spinal metastases and MSCC in a catchment.

    Every argument left as None takes the default in :data:`DEFAULTS` (its source is
    listed by :meth:`ImagingPlan.assumptions`). Rates are per person-year, shares are
    fractions. A rate given as a number gets Gamma uncertainty with coefficient of
    variation ``rate_cv``; a :class:`~spinemets.Rate` is used as it is. A yield given as a
    number is fixed; a :class:`~spinemets.Proportion` carries its uncertainty.

    Parameters
    ----------
    population : float, optional
        People in the catchment. Needed unless both ``mscc_cases_per_year`` and
        ``spinal_mets_cases_per_year`` are given (then it is used only for checks).
    mscc_rate : float or Rate, optional
        New MSCC cases per person-year. Default 8.1 per 100,000 (South-East Norway,
        doi 10.1016/j.clon.2009.09.023, catalogue MSCC-20; NICE CG75 ≤ 80 per million,
        catalogue MSCC-12).
    spinal_mets_rate : float or Rate, optional
        Spinal metastases needing local treatment (radiotherapy, surgery or
        vertebroplasty; including MSCC) per person-year: the patients the three streams
        find and follow. Default 26.0 per 100,000 (South-East Norway, the cohort of the
        MSCC default, doi 10.1016/j.clon.2009.09.023; catalogue SMD-01). Diagnosed spinal
        metastases (Ontario 30.2 per 100,000, PMID 38680988) include many never referred
        for MRI.
    mscc_cases_per_year, spinal_mets_cases_per_year : float or Rate, optional
        The planner's own yearly case numbers for the catchment, instead of a rate
        (a Rate here is read as cases per catchment-year).
    rate_cv : float, optional
        Coefficient of variation of a rate given as a number. Default 0.25 (assumption,
        planning-notes §6.1); 0 fixes the rates (Poisson demand).
    emergency_yield : float or Proportion, optional
        Share of suspected-MSCC MRI that is positive, in (0, 1]. Default Beta(8.32, 13.0),
        95% interval 0.20–0.60, spanning UK audits (22% without triage, 52% with hotline
        triage, 59% Yorkshire). Referrals = MSCC cases / yield.
    urgent_yield : float or Proportion, optional
        Share of urgent (no neurology) MRI confirming spinal metastases, in (0, 1].
        Default: the emergency yield, the same unknown drawn once (assumption; no
        published yield for this stream was found).
    scans_per_referral : float, optional
        MRI scans per referral, ≥ 1. Default 1 (NICE: one whole-spine MRI).
    mets_without_mscc_per_mscc : float, optional
        Spinal metastases without cord compression found on suspected-MSCC (emergency)
        scans, per MSCC case found. Default 256/809 = 0.32 (the Christie network,
        1,915 referrals: 809 MSCC, 256 impending; catalogue PLAN-04). These patients enter
        follow-up but are not urgent referrals again.
    followup_scans_per_patient : float, optional
        Follow-up MRI per new spinal-metastasis patient. Default derived from
        ``followup_interval_months`` and ``median_survival_months``
        (exponential survival): 0.80.
    followup_interval_months : float, optional
        Default 3.4 (post-SBRT MRI frequency study).
    median_survival_months : float, optional
        Default 2.9 (median survival after MSCC, Loblaw 2003, PMID 12846501).
    scan_minutes : float, optional
        Scanner minutes of a full whole-spine protocol. Default 30 (derived, AJNR 2024).
    abbreviated_scan_minutes : float, optional
        Minutes of an abbreviated protocol. Default 10 (AJNR 2024; Neuroradiol J 2024).
    abbreviated_streams : iterable of str
        Streams scanned with the abbreviated protocol (e.g. ``("emergency",)``).
        Default none.
    opening_hours : str or OpeningHours, optional
        When the service scans, e.g. ``"Mon-Fri 08:00-18:00"`` (default), ``"daily 08-18"``,
        ``"24/7"`` (see :meth:`OpeningHours.parse`).
    arrival_profile : array (7, 24), optional
        Relative weight of referrals by weekday (Monday first) and hour; used for the share
        within target, the wait columns and :meth:`ImagingPlan.waiting_times`. Default
        uniform: no quantitative profile was published (planning-notes §2.6; audits mention
        late-day and Friday referrals — give your own).
    changeover_minutes : float, optional
        Scanner minutes between two scans; a slot is the scan plus changeover. Default 0
        (no published figure).
    transfer_hours, reporting_hours : float, optional
        Hours to bring a referred patient to the scanner, and from the end of a scan to its
        report; both count towards the targets. Default 0.
    emergency_target_hours, urgent_target_hours : float, optional
        Defaults 24 (NICE QS56) and 168 (CG75 audits: 7 days).
    service_level : float, optional
        Share of weeks in which demand must be met, in (0, 1). Default 0.95.
    assurance : float, optional
        Probability, over what is unknown about the catchment's rates and yields, that the
        service level is met, in (0, 1). Default 0.8 (assumption). See
        :meth:`ImagingPlan.slots` and :meth:`ImagingPlan.assurance`.
    confidence_level : float, optional
        Coverage of the reported intervals, in (0, 1). Default 0.95.
    horizon_years : float, optional
        The plan is sized for this year ahead. Default 5 (planning-notes §6.1).
    rate_trend_per_year : float, optional
        Yearly relative change of the rates, > -1. Default 0 (Ontario: +0.022, POP-01).
    population_growth_per_year : float, optional
        Yearly relative change of the catchment's population, > -1. Default 0 (give the
        official population projection's rate). Demand in year ``t`` is today's times
        ``((1 + rate_trend) * (1 + population_growth)) ** t``; see :meth:`ImagingPlan.by_year`.
    cancer_cases_per_year : float, optional
        New cancers a year in the catchment, for the plausibility check only.
    observed : dict, optional
        The service's own counts, e.g. ``{"emergency": {"referrals": 190, "positives": 80,
        "years": 1.0}, "urgent": {...}}``: scans referred, scans positive, and the years they
        cover (for today's catchment). Each stream's yearly cases are updated Gamma–Poisson
        with the positives and its yield Beta–binomial with positives of referrals
        (:mod:`spinemets._plan_local`); :meth:`ImagingPlan.local_data` and the summary say
        how far the counts moved each input. With years of counts the plan follows them,
        whatever the defaults.
    n_sims : int, optional
        Monte Carlo parameter draws (each followed for 52 weeks), 1,000–100,000.
        Default 10,000.
    rng : None, int or numpy.random.Generator
        Source of randomness (the only one). The seed used is recorded on the plan.

    Returns
    -------
    ImagingPlan

    Raises
    ------
    ValueError, TypeError
        For a bad argument, naming it, the rule and the value.

    Warns
    -----
    ImplausibleInputWarning
        More MSCC than spinal metastases; implied cases above the cancer incidence;
        a yield above every published audit.

    Examples
    --------
    >>> import spinemets._planning as pl
    >>> plan = pl.plan_imaging(1_000_000, rng=1, n_sims=2000)
    >>> round(plan.mean_scans("emergency"), 2)    # 81 MSCC a year x E[1/yield] / 52.18
    4.31
    >>> plan.slots(0.95)
    28
    >>> round(plan.share_within_target("emergency"), 3)   # Mon-Fri 08-18: weekend gap
    0.774
    """
    given = {
        "population": population, "mscc_rate": mscc_rate, "spinal_mets_rate": spinal_mets_rate,
        "mscc_cases_per_year": mscc_cases_per_year,
        "spinal_mets_cases_per_year": spinal_mets_cases_per_year, "rate_cv": rate_cv,
        "emergency_yield": emergency_yield, "urgent_yield": urgent_yield,
        "scans_per_referral": scans_per_referral,
        "mets_without_mscc_per_mscc": mets_without_mscc_per_mscc,
        "followup_scans_per_patient": followup_scans_per_patient,
        "followup_interval_months": followup_interval_months,
        "median_survival_months": median_survival_months, "scan_minutes": scan_minutes,
        "abbreviated_scan_minutes": abbreviated_scan_minutes,
        "changeover_minutes": changeover_minutes, "transfer_hours": transfer_hours,
        "reporting_hours": reporting_hours,
        "abbreviated_streams": abbreviated_streams, "opening_hours": opening_hours,
        "arrival_profile": arrival_profile,
        "emergency_target_hours": emergency_target_hours,
        "urgent_target_hours": urgent_target_hours, "service_level": service_level,
        "assurance": assurance, "confidence_level": confidence_level,
        "horizon_years": horizon_years,
        "rate_trend_per_year": rate_trend_per_year,
        "population_growth_per_year": population_growth_per_year,
        "cancer_cases_per_year": cancer_cases_per_year, "observed": observed,
        "n_sims": n_sims,
    }
    obs = check_observed(observed)

    def dflt(name: str, value: Any) -> Any:
        return _D[name].resolve() if value is None else value

    resolved: list[dict[str, Any]] = []
    notes: list[str] = []

    # ---- catchment
    pop: float | None = None
    if population is not None:
        pop = check_real(population, "population", low=0, low_open=True, high=MAX_POPULATION)
    cv = check_real(dflt("rate_cv", rate_cv), "rate_cv", low=0)
    if cv > 3:
        raise ValueError(f"rate_cv must be <= 3 (a coefficient of variation), got {cv!r}")
    if 0 < cv < MIN_RATE_CV:
        raise ValueError(f"rate_cv must be 0 (a fixed rate) or >= {MIN_RATE_CV:g} (a Gamma that "
                         f"narrow is a fixed rate to double precision), got {cv!r}")
    horizon = check_real(dflt("horizon_years", horizon_years), "horizon_years", low=0, high=100)
    trend = check_real(dflt("rate_trend_per_year", rate_trend_per_year), "rate_trend_per_year",
                       low=-1, low_open=True, high=1)
    pop_growth = check_real(dflt("population_growth_per_year", population_growth_per_year),
                            "population_growth_per_year", low=-1, low_open=True, high=1)
    yearly_factor = (1.0 + trend) * (1.0 + pop_growth)
    growth = yearly_factor**horizon

    def driver(rate_name: str, cases_name: str, rate_value: Any, cases_value: Any,
               label: str) -> _Driver:
        if rate_value is not None and cases_value is not None:
            raise ValueError(
                f"give either {rate_name} or {cases_name}, not both (got {rate_value!r} and "
                f"{cases_value!r})"
            )
        if cases_value is not None:
            drv, _ = _rate_driver(cases_value, cases_name, 1.0, cv)
            resolved.append(_resolved_row(cases_name, cases_value, "cases per year", True))
            notes.append(f"{label}: {_describe(cases_value)} cases a year (planner's own number)"
                         + (f", Gamma CV {cv:g}" if _is_number(cases_value) and cv else ""))
            return drv
        if pop is None:
            raise ValueError(
                f"population is required unless {cases_name} is given (got population=None)"
            )
        user = rate_value is not None
        d = _D[rate_name]
        # the catalogue's distribution, or its mean with the spread rate_cv when given
        value = rate_value if user else (d.distribution() if rate_cv is None else d.resolve())
        drv, _ = _rate_driver(value, rate_name, pop, cv)
        spread = (f"the catalogue's spread (sm.parameter({d.parameter!r}))" if rate_cv is None
                  else f"Gamma CV {cv:g}")
        resolved.append(_resolved_row(
            rate_name, value, "per person-year", user,
            assumption="" if user else d.assumption + f"; spread: {spread}"))
        src = "" if user else f" [{_D[rate_name].evidence_ids or 'source in assumptions()'}]"
        notes.append(
            f"{label}: {_describe(value, per100k=True)}"
            + (f" with Gamma CV {cv:g}" if _is_number(value) and cv else "")
            + f" -> {drv.mean:,.1f} cases a year{src}"
        )
        return drv

    m_now = driver("mscc_rate", "mscc_cases_per_year", mscc_rate, mscc_cases_per_year,
                   "MSCC")
    s_now = driver("spinal_mets_rate", "spinal_mets_cases_per_year", spinal_mets_rate,
                   spinal_mets_cases_per_year, "Spinal metastases (all, incl. MSCC)")
    if pop is not None:
        resolved.insert(0, _resolved_row("population", pop, "people", True,
                                         source="user-supplied"))
    resolved.append(_resolved_row("rate_cv", cv, "coefficient of variation", rate_cv is not None))
    resolved.append(_resolved_row("horizon_years", horizon, "years", horizon_years is not None))
    resolved.append(_resolved_row("rate_trend_per_year", trend, "fraction per year",
                                  rate_trend_per_year is not None))
    resolved.append(_resolved_row("population_growth_per_year", pop_growth,
                                  "fraction per year", population_growth_per_year is not None))

    # ---- yields and scans
    ys: dict[str, float | Proportion] = {}
    for name in ("emergency_yield", "urgent_yield"):
        raw = given[name]
        y = _default_yield(name) if raw is None else _check_yield(raw, name)
        ys[name.split("_")[0]] = y
        resolved.append(_resolved_row(name, y, "fraction", raw is not None))
    c = check_real(dflt("scans_per_referral", scans_per_referral), "scans_per_referral", low=1,
                   high=MAX_SCANS_PER_REFERRAL)
    resolved.append(_resolved_row("scans_per_referral", c, "scans",
                                  scans_per_referral is not None))
    kappa = check_real(dflt("mets_without_mscc_per_mscc", mets_without_mscc_per_mscc),
                       "mets_without_mscc_per_mscc", low=0, high=MAX_METS_PER_MSCC)
    resolved.append(_resolved_row("mets_without_mscc_per_mscc", kappa, "per MSCC case",
                                  mets_without_mscc_per_mscc is not None))
    interval = check_real(dflt("followup_interval_months", followup_interval_months),
                          "followup_interval_months", low=MIN_FOLLOWUP_INTERVAL_MONTHS)
    surv = check_real(dflt("median_survival_months", median_survival_months),
                      "median_survival_months", low=0, low_open=True,
                      high=MAX_MEDIAN_SURVIVAL_MONTHS)
    resolved.append(_resolved_row("followup_interval_months", interval, "months",
                                  followup_interval_months is not None))
    resolved.append(_resolved_row("median_survival_months", surv, "months",
                                  median_survival_months is not None))
    if followup_scans_per_patient is None:
        q = 2.0 ** (-interval / surv)
        f_scans = q / (1.0 - q)
        if f_scans > MAX_FOLLOWUP_SCANS_PER_PATIENT:
            raise ValueError(
                f"followup_interval_months={interval!r} with median_survival_months={surv!r} "
                f"gives {f_scans:,.0f} follow-up MRI per patient, above the limit of "
                f"{MAX_FOLLOWUP_SCANS_PER_PATIENT:g}; check both are in months"
            )
        resolved.append(_resolved_row(
            "followup_scans_per_patient", f_scans, "scans per patient", False,
            assumption=_D["followup_scans_per_patient"].assumption
            + f"; interval {interval:g} months, median survival {surv:g} months"))
    else:
        f_scans = check_real(followup_scans_per_patient, "followup_scans_per_patient", low=0,
                             high=MAX_FOLLOWUP_SCANS_PER_PATIENT)
        resolved.append(_resolved_row("followup_scans_per_patient", f_scans,
                                      "scans per patient", True))
    full = check_real(dflt("scan_minutes", scan_minutes), "scan_minutes", low=MIN_SCAN_MINUTES,
                      high=MAX_SCAN_MINUTES)
    abbr = check_real(dflt("abbreviated_scan_minutes", abbreviated_scan_minutes),
                      "abbreviated_scan_minutes", low=MIN_SCAN_MINUTES, high=MAX_SCAN_MINUTES)
    if isinstance(abbreviated_streams, str):
        abbreviated_streams = (abbreviated_streams,)
    try:  # at most a few names: an endless iterator must not hang the plan
        abbrev = tuple(itertools.islice(iter(abbreviated_streams), 2 * len(STREAMS) + 1))
    except TypeError:
        raise TypeError(
            f"abbreviated_streams must be a list of stream names, got {abbreviated_streams!r}"
        ) from None
    if len(abbrev) > 2 * len(STREAMS):
        raise ValueError(f"abbreviated_streams must name at most the {len(STREAMS)} streams, got "
                         f"{abbreviated_streams!r}")
    for s in abbrev:
        if not isinstance(s, str) or s not in STREAMS:
            raise ValueError(
                f"abbreviated_streams must name streams among {', '.join(STREAMS)}, got {s!r}"
            )
    change = check_real(dflt("changeover_minutes", changeover_minutes), "changeover_minutes",
                        low=0, high=MAX_SCAN_MINUTES)
    delays = {
        name: check_real(dflt(name, value), name, low=0, high=MAX_TARGET_HOURS)
        for name, value in (("transfer_hours", transfer_hours),
                            ("reporting_hours", reporting_hours))
    }
    acquisition = {s: (abbr if s in abbrev else full) for s in STREAMS}
    minutes = {s: acquisition[s] + change for s in STREAMS}  # a slot: scan + changeover
    for name, value, given_value in (("changeover_minutes", change, changeover_minutes),
                                     ("transfer_hours", delays["transfer_hours"],
                                      transfer_hours),
                                     ("reporting_hours", delays["reporting_hours"],
                                      reporting_hours)):
        resolved.append(_resolved_row(name, value, "minutes" if "minutes" in name else "hours",
                                      given_value is not None))
    resolved.append(_resolved_row("scan_minutes", full, "minutes", scan_minutes is not None))
    resolved.append(_resolved_row("abbreviated_scan_minutes", abbr, "minutes",
                                  abbreviated_scan_minutes is not None))
    resolved.append(_resolved_row("abbreviated_streams", ", ".join(abbrev) or "none",
                                  "streams", bool(abbrev),
                                  source="" if abbrev else "default: none (full protocol)"))

    # ---- service
    oh = OpeningHours.parse(dflt("opening_hours", opening_hours))
    resolved.append(_resolved_row("opening_hours", str(oh), "schedule", opening_hours is not None))
    profile = None if arrival_profile is None else check_profile(arrival_profile)
    resolved.append(_resolved_row(
        "arrival_profile", "uniform" if profile is None else
        "weights by weekday: " + ", ".join(f"{d} {w:.3g}" for d, w in zip(
            _DAY_NAMES, profile.sum(axis=1) / profile.sum(), strict=True)),
        "weekday x hour weights", arrival_profile is not None))
    targets = {
        "emergency": check_real(dflt("emergency_target_hours", emergency_target_hours),
                                "emergency_target_hours", low=0, low_open=True,
                                high=MAX_TARGET_HOURS),
        "urgent": check_real(dflt("urgent_target_hours", urgent_target_hours),
                             "urgent_target_hours", low=0, low_open=True,
                             high=MAX_TARGET_HOURS),
    }
    resolved.append(_resolved_row("emergency_target_hours", targets["emergency"], "hours",
                                  emergency_target_hours is not None))
    resolved.append(_resolved_row("urgent_target_hours", targets["urgent"], "hours",
                                  urgent_target_hours is not None))
    level = check_confidence_level(dflt("service_level", service_level), "service_level")
    conf = check_confidence_level(dflt("confidence_level", confidence_level))
    resolved.append(_resolved_row("service_level", level, "fraction of weeks",
                                  service_level is not None))
    assured = check_confidence_level(dflt("assurance", assurance), "assurance")
    resolved.append(_resolved_row("assurance", assured, "probability", assurance is not None))
    resolved.append(_resolved_row("confidence_level", conf, "fraction",
                                  confidence_level is not None))
    sims = check_count(dflt("n_sims", n_sims), "n_sims", minimum=1000)
    if sims > _MAX_SIMS:
        raise ValueError(f"n_sims must be <= {_MAX_SIMS:,}, got {sims!r}")
    resolved.append(_resolved_row("n_sims", sims, "draws", n_sims is not None))
    cancer = None
    if cancer_cases_per_year is not None:
        cancer = check_real(cancer_cases_per_year, "cancer_cases_per_year", low=0, low_open=True)
        resolved.append(_resolved_row("cancer_cases_per_year", cancer, "cases per year", True))

    # ---- seed
    if rng is None:
        seed = int(np.random.SeedSequence().entropy % (2**63))
    elif isinstance(rng, np.random.Generator):
        seed = int(rng.integers(0, 2**63 - 1))
    elif isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        seed = int(rng)
        if seed < 0:
            raise ValueError(f"rng seed must be >= 0, got {seed!r}")
    else:
        raise TypeError(
            f"rng must be None, an int seed or a numpy.random.Generator, got "
            f"{type(rng).__name__} {rng!r}"
        )
    resolved.append(_resolved_row("seed", seed, "", rng is not None,
                                  source="user-supplied" if rng is not None
                                  else "drawn from fresh entropy and recorded"))

    # ---- checks (plausibility) and the urgent driver
    checks: list[dict[str, str]] = []

    def check(name: str, ok: bool, detail: str) -> None:
        checks.append({"check": name, "status": "ok" if ok else "warning", "detail": detail})
        if not ok:
            warnings.warn(f"{name}: {detail}", ImplausibleInputWarning, stacklevel=3)

    m, s_all = m_now.scaled(growth), s_now.scaled(growth)
    # the urgent stream's patients: treated spinal metastases less the MSCC cases and the
    # metastases without MSCC found on their (emergency) scans — nobody enters two streams
    u_mean = s_all.mean - (1.0 + kappa) * m.mean
    check("MSCC within spinal metastases", u_mean >= 0,
          f"{m.mean:,.1f} MSCC (+ {kappa * m.mean:,.1f} metastases without MSCC found on their "
          f"scans) vs {s_all.mean:,.1f} treated spinal metastases a year"
          + ("" if u_mean >= 0 else
             " — MSCC cases are a subset of spinal metastases; the urgent stream is set to 0"))
    if u_mean <= 0:
        u = _Driver(0.0, None)
        u_how = "no cases (MSCC >= spinal metastases)"
    else:
        var_u = s_all.var - (1.0 + kappa) ** 2 * m.var
        if var_u > 0:
            u = _Driver(u_mean, u_mean**2 / var_u)
            u_how = ("Gamma matched so that MSCC + non-MSCC has the spinal-metastasis mean "
                     "and variance")
        elif s_all.shape is not None:
            u = _Driver(u_mean, s_all.shape)
            u_how = "Gamma with the spinal-metastasis CV (its variance is below the MSCC one)"
        else:
            u = _Driver(u_mean, None)
            u_how = "fixed (spinal metastases fixed)"
    notes.append(
        f"Spinal metastases without MSCC (urgent stream): {u.mean:,.1f} cases a year ({u_how})"
    )
    cancer_ref = cancer
    if cancer_ref is None and pop is not None:
        cancer_ref = pop * float(_D["cancer_incidence_ceiling"].resolve()) * growth
        ref_text = "1 new cancer per 100 people a year (assumed ceiling)"
    else:
        ref_text = "cancer_cases_per_year"
    if cancer_ref is not None:
        check("cases within cancer incidence", s_all.mean <= cancer_ref,
              f"{s_all.mean:,.1f} spinal-metastasis cases a year vs {cancer_ref:,.0f} from "
              f"{ref_text}")
    else:
        checks.append({"check": "cases within cancer incidence", "status": "not checked",
                       "detail": "give population or cancer_cases_per_year to check"})
    for name, y in ys.items():
        mean_y = y.mean if isinstance(y, Proportion) else float(y)
        check(f"{name} yield within audits", _LOW_YIELD <= mean_y <= 0.8,
              f"mean {100 * mean_y:.3g}%; published audits range 14%-59% "
              "(a yield above 80% is beyond all of them; 100% means every scan positive; "
              f"below {100 * _LOW_YIELD:g}%, {1 / _LOW_YIELD:g}+ scans per case, is below "
              "all of them — is it a fraction, not a percentage divided by 100 twice?)")
        notes.append(
            f"Yield of {name} MRI: {_describe(y, pct=True)}"
            + (" (fixed)" if not isinstance(y, Proportion) else "")
            + f" -> {c * _mean_inverse(y):.2f} scans per confirmed case"
        )
    if pop is not None:
        implied = m.mean / pop / growth * 1e5
        check("MSCC rate near published", 8.0 / 10 <= implied <= 3 * 8.0,
              f"{implied:.3g} per 100,000 a year (NICE CG75: up to 8 per 100,000; Norway 8.1; "
              "flagged outside 0.8-24) — a rate per person-year is the per-100,000 figure "
              "divided by 100,000")
        implied_s = s_all.mean / pop / growth * 1e5
        check("spinal metastasis rate near published", 2.6 <= implied_s <= 302.0,
              f"{implied_s:.3g} per 100,000 a year (Ontario 2019: 30.2, Norway treated: 26.0; "
              "flagged beyond a tenth or ten times them)")
        check("catchment size", pop >= 10_000,
              f"{pop:,.6g} people — is population in people (not thousands or millions)?")
    check("follow-up interval", interval >= 1.0,
          f"follow-up MRI every {interval:g} months — more often than monthly: is the "
          "interval in months (not weeks or days)?")
    notes.append(
        f"Follow-up: {f_scans:.2f} MRI per new spinal-metastasis patient"
        + (f" (interval {interval:g} months, median survival {surv:g} months)"
           if followup_scans_per_patient is None else " (planner's number)")
    )
    notes.append(
        f"Scan time: {full:g} min full protocol, {abbr:g} min abbreviated"
        + (f" (used for {', '.join(abbrev)})" if abbrev else " (not used)")
        + f"; opening hours '{oh}' ({oh.hours_per_week:g} h a week)"
    )
    if horizon and not trend:
        notes.append(f"Horizon {horizon:g} years with no trend: demand as today")

    # ---- local data: conjugate updates of each stream's cases and yield
    local_rows: list[dict[str, Any]] = []
    for stream, key in (("emergency", "mscc"), ("urgent", "urgent")):
        if stream not in obs:
            continue
        o = obs[stream]
        drv = m if key == "mscc" else u
        prior_now = _Driver(drv.mean / growth, drv.shape)
        post_mean, post_shape = update_cases(prior_now.mean, prior_now.shape,
                                             o["positives"], o["years"])
        post = _Driver(post_mean * growth, post_shape)
        local_rows.append(_local_row(stream, f"{stream} cases a year (today)", prior_now,
                                     _Driver(post_mean, post_shape), o["positives"] / o["years"],
                                     o["years"] / (o["years"] + prior_now.shape / prior_now.mean)
                                     if prior_now.shape else float("nan"), o))
        if key == "mscc":
            m = post
        else:
            u = post
        y_prior = ys[stream]
        y_post = update_yield(y_prior, o["positives"], o["referrals"], f"{stream}_yield")
        n_ref = o["referrals"]
        local_rows.append(_local_row(
            stream, f"{stream} yield", y_prior, y_post,
            o["positives"] / n_ref if n_ref else float("nan"),
            n_ref / (n_ref + y_post.a + y_post.b - n_ref), o))
        ys[stream] = y_post
        resolved.append(_resolved_row(
            f"observed_{stream}", f"{o['referrals']} referrals, {o['positives']} positive in "
            f"{o['years']:g} years", "local counts", True,
            source="the service's own counts (user-supplied)"))
    if not obs:
        resolved.append(_resolved_row("observed", "none", "local counts", False,
                                      source="default: none (published defaults only)"))
    for r in local_rows:
        notes.append(
            f"Local data moved {r['input']}: {r['prior']} -> {r['posterior']} "
            "(the counts alone: "
            f"{format_value(r['local_value'], _local_unit(r['input']), style='text')}; weight "
            f"of the counts {format_value(r['data_weight'], 'fraction', style='text')})")

    # ---- one fact drawn once: with both yields at their defaults and no local counts, the
    # urgent yield (borrowed, no source of its own) *is* the emergency yield
    if urgent_yield is None and emergency_yield is None and not obs:
        ys["urgent"] = ys["emergency"]
        notes.append("The urgent yield is the emergency yield (borrowed): one unknown, drawn "
                     "once for both streams")

    # ---- size limits, before any table is allocated
    _check_size(m, u, ys, c, f_scans, kappa, given)
    m_treated = m.scaled(1.0 + kappa)  # MSCC and the metastases found with it on emergency scans

    # ---- exact laws
    drivers = {"mscc": m, "urgent": u}
    weekly: dict[str, _Counts] = {
        "emergency": _stream_law(m, ys["emergency"], c, _WEEK_YEARS),
        "urgent": _stream_law(u, ys["urgent"], c, _WEEK_YEARS),
        "follow_up": _followup_law(m_treated, u, f_scans, _WEEK_YEARS),
    }
    yearly: dict[str, _Counts] = {
        "emergency": _stream_law(m, ys["emergency"], c, 1.0),
        "urgent": _stream_law(u, ys["urgent"], c, 1.0),
        "follow_up": _followup_law(m_treated, u, f_scans, 1.0),
        "cases_emergency": _poisson_gamma(m.mean, m.shape, 1.0, 1.0),
        "cases_urgent": _poisson_gamma(u.mean, u.shape, 1.0, 1.0),
        "cases_total": _followup_law(m_treated, u, 1.0, 1.0),
    }
    factors = {
        "emergency": c * m.mean * _mean_inverse(ys["emergency"]),
        "urgent": c * u.mean * _mean_inverse(ys["urgent"]),
        "follow_up": f_scans * (m_treated.mean + u.mean),
        "c": c, "f": f_scans, "k": kappa, "horizon": horizon, "trend": trend, "growth": growth,
        "yearly_factor": yearly_factor,
    }

    # ---- Monte Carlo: parameters once per draw, shared by its 52 weeks and all streams
    gen = np.random.default_rng(seed)
    lam_m = m.draw(sims, gen)
    lam_u = u.draw(sims, gen)

    def draw_yield(y: float | Proportion) -> np.ndarray:
        if isinstance(y, Proportion):
            return np.asarray(y.rvs(sims, rng=gen), dtype=float)
        return np.full(sims, float(y))

    y_e = draw_yield(ys["emergency"])
    # the borrowed urgent yield is the same unknown fact as the emergency one: drawn once
    y_u = y_e if ys["urgent"] is ys["emergency"] else draw_yield(ys["urgent"])
    expected_year = {
        "emergency": c * lam_m / y_e,
        "urgent": c * lam_u / y_u,
        "follow_up": f_scans * ((1.0 + kappa) * lam_m + lam_u),
    }
    sim: dict[str, np.ndarray] = {"param_mscc": lam_m, "param_urgent": lam_u}
    for stream in STREAMS:
        mu = np.broadcast_to((expected_year[stream] * _WEEK_YEARS)[:, None],
                             (sims, _WEEKS_PER_DRAW))
        sim[stream] = gen.poisson(mu).astype(np.int64)
    sim["total"] = sim["emergency"] + sim["urgent"] + sim["follow_up"]
    sim["mean_week_total"] = sum(expected_year[s] for s in STREAMS) * _WEEK_YEARS
    for s in STREAMS:
        sim[f"expected_{s}"] = expected_year[s]
    sim["expected_total"] = sum(expected_year[s] for s in STREAMS)
    # predictive weekly total: Poisson given each parameter draw, averaged over the draws
    top = int(stats.poisson.isf(_TAIL, float(sim["mean_week_total"].max()))) + 1
    grid = np.arange(top + 1)
    total_pmf = np.zeros(top + 1)
    rows = max(1, 4_000_000 // (top + 1))  # bounded memory whatever the grid length
    for i in range(0, sims, rows):
        total_pmf += stats.poisson.pmf(grid[None, :], sim["mean_week_total"][i:i + rows, None]
                                       ).sum(axis=0)
    weekly["total"] = _GridCounts(0, total_pmf / sims)
    means = _mean_laws(m, u, ys, c, f_scans, kappa)
    means["total_year"] = _mean_laws(m, u, ys, c, f_scans, kappa, t=1.0)["total"]

    # ---- inputs as given (for re-running)
    inputs = {k: v for k, v in given.items()}
    inputs["abbreviated_streams"] = abbrev
    if profile is not None:
        inputs["arrival_profile"] = profile.tolist()
    if isinstance(opening_hours, OpeningHours):
        inputs["opening_hours"] = str(opening_hours)
    if pop is not None and float(pop).is_integer():
        inputs["population"] = int(pop)
    inputs["rng"] = seed

    return ImagingPlan(
        inputs=inputs, seed=seed, service_level=level, confidence_level=conf,
        opening_hours=oh, assurance_level=assured, _means=means, _drivers=drivers, _yields=ys,
        _minutes=minutes, _targets=targets, _acquisition=acquisition, _delays=delays,
        _profile=profile,
        _factors=factors, _notes=notes, _checks=pd.DataFrame(checks), _resolved=resolved,
        _weekly=weekly, _yearly=yearly, _sim=sim, _local=pd.DataFrame(local_rows, columns=list(
            _LOCAL_COLUMNS)),
    )
