"""``plan_imaging``: the public entry point of MRI capacity planning."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._validation import RNGLike
from .._values import Proportion, Rate
from ._build import build_plan
from ._hours import OpeningHours
from ._plan import ImagingPlan

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
        Default ``sm.parameter("plan_urgent_yield")``: mean 0.425, the share of 5,989 spine
        MRI for back pain in patients with cancer that showed malignant osseous disease
        (Tringale 2024, PMID 37602415, one US cancer centre; catalogue TRI-01), with an
        assumed spread (effective total 20, 95% interval 0.23–0.64) for the transfer to
        another service — no UK figure was found. Its own unknown, drawn independently of
        the emergency yield.
    scans_per_referral : float, optional
        MRI scans per referral, ≥ 1. Default 1 (NICE: one whole-spine MRI).
    mets_without_mscc_per_mscc : float, optional
        Spinal metastases without cord compression found on suspected-MSCC (emergency)
        scans, per MSCC case found. Default 256/809 = 0.32 (the Christie network,
        1,915 referrals: 809 MSCC, 256 impending; catalogue PLAN-04). These patients enter
        follow-up but are not urgent referrals again.
    followup_scans_per_patient : float, optional
        Follow-up MRI per new spinal-metastasis patient. Default derived from the
        treatment mix: radiotherapy first for 845 and surgery for 58 of 903 treated
        patients (South-Eastern Norway 2007–2008, Zaikova 2011, PMID 21434789, catalogue
        ZAI-01), each followed (share ``followup_imaged_share``) every
        ``followup_interval_months`` while alive (exponential survival with each
        treatment's median): 1.34 (see ``spinemets._planning._followup``).
    followup_interval_months : float, optional
        Default 3.4 (post-SBRT MRI frequency study).
    median_survival_months : float, optional
        One median survival for every treatment. Default per treatment, from the 2-month
        mortality of the same Norwegian cohort (244 of 845 irradiated, 11 of 58 operated:
        4.1 and 6.4 months, exponential; catalogue ZAI-02, ZAI-03). 2.9 is the median
        after MSCC (Loblaw 2003, PMID 12846501).
    followup_imaged_share : float, optional
        Share of treated patients followed with routine spine MRI, in [0, 1]. Default 1
        (everyone): an assumption and an upper bound — no published share was found.
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
    arrival_profile : array (7, 24), str or path, optional
        Relative weight of referrals by weekday (Monday first) and hour, as an array, a
        preset (``"uniform"``, ``"weekday-daytime"``: Mon–Fri 08–18 only, an illustration)
        or a CSV file of 7 x 24 weights; used for the share within target, the sessions,
        the wait columns and :meth:`ImagingPlan.waiting_times`. Default uniform: no
        quantitative profile was published (planning-notes §2.6; audits mention late-day
        and Friday referrals — give your own).
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
        Yearly relative change of the age-standardised rates, > -1. Default +0.022, the
        Ontario average annual percent change of diagnosed spinal metastases 2007–2019
        (95% CI 1.4–3.0%; Shakil 2024, PMID 38680988, catalogue POP-01c); the default's
        interval is carried into :meth:`ImagingPlan.by_year`. 0 holds the rates constant.
    ageing_per_year : float, optional
        Yearly relative change of the crude rates from the catchment's ageing, > -1.
        Default 0: no quantitative source was found.
    population_growth_per_year : float, optional
        Yearly relative change of the catchment's population, > -1. Default 0 (give the
        official population projection's rate). Demand in year ``t`` is today's times
        ``((1 + rate_trend) * (1 + ageing) * (1 + population_growth)) ** t``; see
        :meth:`ImagingPlan.by_year`.
    cancer_cases_per_year : float, optional
        New cancers a year in the catchment, for the plausibility check only.
    observed : dict, optional
        The service's own counts, e.g. ``{"emergency": {"referrals": 190, "positives": 80,
        "years": 1.0}, "urgent": {...}}``: scans referred, scans positive, and the years they
        cover (for today's catchment). Each stream's yearly cases are updated Gamma–Poisson
        with the positives and its yield Beta–binomial with positives of referrals
        (:mod:`spinemets._planning._local`); :meth:`ImagingPlan.local_data` and the summary say
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
    30
    >>> round(plan.share_within_target("emergency"), 3)   # Mon-Fri 08-18: weekend gap
    0.774
    """
    arguments = dict(locals())  # every argument by name, in the signature's order
    return ImagingPlan(**build_plan(arguments))
