"""``plan_imaging``: the public entry point of MRI capacity planning."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._validation import RNGLike
from .._values import Proportion, Rate
from ._build import build_plan
from ._hours import OpeningHours
from ._plan import ImagingPlan
from ._registry import fill_defaults

__all__ = ["plan_imaging"]


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
    followup_imaged_share: float | None = None,
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
    ageing_per_year: float | None = None,
    population_growth_per_year: float | None = None,
    cancer_cases_per_year: float | None = None,
    observed: dict[str, dict[str, float]] | None = None,
    n_sims: int | None = None,
    rng: RNGLike = None,
) -> ImagingPlan:
    """Plan weekly MRI capacity for suspected spinal metastases and MSCC in a catchment.

    Every argument left as None takes its default from the planning registry
    (:data:`spinemets._planning.DEFAULTS`; each default's sentence below is generated from
    it, and :meth:`ImagingPlan.assumptions` lists its full source). Rates are per
    person-year, shares are fractions. A rate given as a number gets Gamma uncertainty with
    coefficient of variation ``rate_cv``; a :class:`~spinemets.Rate` is used as it is. A
    yield given as a number is fixed; a :class:`~spinemets.Proportion` carries its
    uncertainty.

    Parameters
    ----------
    population : float, optional
        People in the catchment. Needed unless both ``mscc_cases_per_year`` and
        ``spinal_mets_cases_per_year`` are given (then it is used only for checks).
    mscc_rate : float or Rate, optional
        New MSCC cases per person-year. <default:mscc_rate>
    spinal_mets_rate : float or Rate, optional
        Spinal metastases needing local treatment (radiotherapy, surgery or
        vertebroplasty; including MSCC) per person-year: the patients the three streams
        find and follow; diagnosed spinal metastases (Ontario, PMID 38680988) include many
        never referred for MRI. <default:spinal_mets_rate>
    mscc_cases_per_year, spinal_mets_cases_per_year : float or Rate, optional
        The planner's own yearly case numbers for the catchment, instead of a rate
        (a Rate here is read as cases per catchment-year).
    rate_cv : float, optional
        Coefficient of variation of a rate given as a number; 0 fixes the rates (Poisson
        demand). <default:rate_cv>
    emergency_yield : float or Proportion, optional
        Share of suspected-MSCC MRI that is positive, in (0, 1]; referrals = MSCC cases /
        yield. <default:emergency_yield>
    urgent_yield : float or Proportion, optional
        Share of urgent (no neurology) MRI confirming spinal metastases, in (0, 1]; its
        own unknown, drawn independently of the emergency yield. <default:urgent_yield>
    scans_per_referral : float, optional
        MRI scans per referral, ≥ 1. <default:scans_per_referral>
    mets_without_mscc_per_mscc : float, optional
        Spinal metastases without cord compression found on suspected-MSCC (emergency)
        scans, per MSCC case found. These patients enter follow-up but are not urgent
        referrals again. <default:mets_without_mscc_per_mscc>
    followup_scans_per_patient : float, optional
        Follow-up MRI per new spinal-metastasis patient; by default derived from the
        treatment mix, each followed patient (share ``followup_imaged_share``) scanned
        every ``followup_interval_months`` while alive (see
        ``spinemets._planning._followup``). <default:followup_scans_per_patient>
    followup_interval_months : float, optional
        Months between follow-up MRI. <default:followup_interval_months>
    median_survival_months : float, optional
        One median survival (exponential) for every treatment, which ends follow-up; by
        default one per treatment. <default:median_survival_months>
    followup_imaged_share : float, optional
        Share of treated patients followed with routine spine MRI, in [0, 1].
        <default:followup_imaged_share>
    scan_minutes : float, optional
        Scanner minutes of a full whole-spine protocol. <default:scan_minutes>
    abbreviated_scan_minutes : float, optional
        Minutes of an abbreviated protocol. <default:abbreviated_scan_minutes>
    changeover_minutes : float, optional
        Scanner minutes between two scans; a slot is the scan plus changeover.
        <default:changeover_minutes>
    transfer_hours : float, optional
        Hours to bring a referred patient to the scanner; they count towards the targets.
        <default:transfer_hours>
    reporting_hours : float, optional
        Hours from the end of a scan to its report; they count towards the targets.
        <default:reporting_hours>
    abbreviated_streams : iterable of str
        Streams scanned with the abbreviated protocol (e.g. ``("emergency",)``); none by
        default.
    opening_hours : str or OpeningHours, optional
        When the service scans, e.g. ``"daily 08-18"`` or ``"24/7"`` (see
        :meth:`OpeningHours.parse`). <default:opening_hours>
    arrival_profile : array (7, 24), str or path, optional
        Relative weight of referrals by weekday (Monday first) and hour, as an array, a
        preset name (``spinemets._planning.ARRIVAL_PRESETS``, e.g. ``"weekday-daytime"``:
        Mon–Fri 08–18 only, an illustration) or a CSV file of 7 x 24 weights; used for the
        share within target, the sessions, the wait columns and
        :meth:`ImagingPlan.waiting_times` (audits mention late-day and Friday referrals —
        give your own). <default:arrival_profile>
    emergency_target_hours : float, optional
        Hours from referral to a reported emergency scan. <default:emergency_target_hours>
    urgent_target_hours : float, optional
        Hours from referral to a reported urgent scan. <default:urgent_target_hours>
    service_level : float, optional
        Share of weeks in which demand must be met, in (0, 1). <default:service_level>
    assurance : float, optional
        Probability, over what is unknown about the catchment's rates and yields, that the
        service level is met, in (0, 1); see :meth:`ImagingPlan.slots` and
        :meth:`ImagingPlan.assurance`. <default:assurance>
    confidence_level : float, optional
        Coverage of the reported intervals, in (0, 1). <default:confidence_level>
    horizon_years : float, optional
        The plan is sized for this year ahead. <default:horizon_years>
    rate_trend_per_year : float, optional
        Yearly relative change of the age-standardised rates, > -1; 0 holds the rates
        constant; :meth:`ImagingPlan.by_year` also shows each year under the published
        Ontario trend, its interval carried into the year.
        <default:rate_trend_per_year>
    ageing_per_year : float, optional
        Yearly relative change of the crude rates from the catchment's ageing, > -1.
        <default:ageing_per_year>
    population_growth_per_year : float, optional
        Yearly relative change of the catchment's population, > -1 (give the official
        population projection's rate). Demand in year ``t`` is today's times
        ``((1 + rate_trend) * (1 + ageing) * (1 + population_growth)) ** t``; see
        :meth:`ImagingPlan.by_year`. <default:population_growth_per_year>
    cancer_cases_per_year : float, optional
        New cancers a year in the catchment, for the plausibility check only.
    observed : dict, optional
        The service's own counts, e.g. ``{"emergency": {"referrals": 190, "positives": 80,
        "years": 1.0}, "urgent": {...}}``: scans referred, scans positive, and the years they
        cover (for today's catchment). Each stream's yearly cases are updated Gamma–Poisson
        with the positives and its yield Beta–binomial with positives of referrals
        (:mod:`spinemets._planning._local`); :meth:`ImagingPlan.local_data` and the summary
        say how far the counts moved each input. With years of counts the plan follows
        them, whatever the defaults.
    n_sims : int, optional
        Monte Carlo parameter draws (each followed for 52 weeks), 1,000–100,000.
        <default:n_sims>
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
    30
    >>> round(plan.share_within_target("emergency"), 3)   # Mon-Fri 08-18: weekend gap
    0.774
    """
    arguments = dict(locals())  # every argument by name, in the signature's order
    return ImagingPlan(**build_plan(arguments))


if plan_imaging.__doc__:  # None under python -OO
    plan_imaging.__doc__ = fill_defaults(plan_imaging.__doc__)
