"""The planning registry: the streams, and every default input of ``plan_imaging`` with its source.

One :class:`PlanningDefault` per input says its value (or the catalogue parameter it is read
from through :func:`spinemets.parameter`), unit, spread, source and assumption; the rows of
``ImagingPlan.assumptions()`` are built from it by :func:`resolved_row`.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from typing import Any

from .._parameters import parameter
from .._values import Proportion, Rate
from ._inputs import is_number

__all__ = [
    "ALL_STREAMS",
    "ARGUMENTS",
    "DAYS_PER_YEAR",
    "DEFAULTS",
    "DEFAULT_BY_NAME",
    "GLOSSARY_COLUMNS",
    "STREAMS",
    "STREAM_TEXT",
    "WEEK_YEARS",
    "PlanningDefault",
    "default_yield",
    "fill_defaults",
    "glossary",
    "resolved_row",
]

#: The three demand streams, in display order (the frame adds ``"total"``).
STREAMS: tuple[str, ...] = ("emergency", "urgent", "follow_up")
ALL_STREAMS: tuple[str, ...] = (*STREAMS, "total")

STREAM_TEXT = {
    "emergency": "suspected MSCC with neurological signs: whole-spine MRI within 24 h",
    "urgent": "suspected spinal metastases without neurology: MRI within 1 week",
    "follow_up": "planned follow-up MRI after treatment of spinal metastases",
    "total": "all three streams on the same scanner(s)",
}

DAYS_PER_YEAR = 365.25
WEEK_YEARS = 7.0 / DAYS_PER_YEAR


@dataclass(frozen=True)
class PlanningDefault:
    """One input of :func:`plan_imaging`, with its default and the default's source.

    The registry (:data:`DEFAULTS`) is the one place an input's default is written: the
    defaults of ``plan_imaging`` and their sentences in its docstring, the ``spinemets plan``
    flags and their help, the scenario-file keys and the README's glossary of planning
    inputs are generated from it. An input without a default (``population``) has
    ``value`` None and no ``parameter``.

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
    cli : str or None
        Its ``spinemets plan`` flag and scenario key (underscores): None for the input's own
        name, ``""`` for none.
    kind : str
        What the command line reads: ``"number"``, ``"int"``, ``"yield"`` (a fraction,
        counts or a catalogue parameter), ``"text"``, ``"streams"`` (repeatable stream
        names), ``"observed"`` (local counts), ``"seed"``, ``"profile"`` (a preset name or a
        CSV file of 7 x 24 weights) or
        ``"constant"`` (not an argument: a fixed assumption of the checks).

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
    cli: str | None = None
    kind: str = "number"

    @property
    def has_default(self) -> bool:
        """True when the input has a default (a value, a catalogue parameter or derived)."""
        return bool(self.parameter) or self.value is not None

    @property
    def flag(self) -> str:
        """The command-line key (``""`` when the input has no flag)."""
        return self.name if self.cli is None else self.cli

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
        if not self.has_default:
            return "none"
        if self.value == "derived":
            return self.source.split(";")[0]
        if self.spread.startswith("Beta"):
            return self.spread
        v = self.resolve()
        if self.unit == "per person-year" and isinstance(v, float):
            return f"{v * 1e5:,.6g} per 100,000 a year"
        if isinstance(v, (int, float)):
            unit = "" if self.unit in ("fraction", "probability", "draws") else f" {self.unit}"
            return f"{v:g}{unit}"
        return str(v)

    def short_source(self) -> str:
        """The source in a few words: the catalogue rows behind it, or its first clause.

        Examples
        --------
        >>> from spinemets._planning import DEFAULTS
        >>> d = {x.name: x for x in DEFAULTS}
        >>> d["median_survival_months"].short_source()
        'catalogue ZAI-02, ZAI-03'
        >>> d["rate_cv"].short_source()
        'assumption'
        """
        if self.source.startswith("off by default"):
            return "off by default"
        if self.evidence_ids:
            return "catalogue " + ", ".join(self.evidence_ids.split(";"))
        if self.source.startswith("assumption"):
            return "assumption"
        return self.source.split(" (")[0].split("; ")[0].split(": ")[0]

    def default_sentence(self) -> str:
        """The sentence stating the default in ``plan_imaging``'s docstring (or ``""``).

        Examples
        --------
        >>> from spinemets._planning import DEFAULTS
        >>> d = {x.name: x for x in DEFAULTS}
        >>> d["scan_minutes"].default_sentence()[:41]
        'Default: 30 minutes (derived from AJNR 20'
        >>> d["population"].default_sentence()
        ''
        """
        if not self.has_default:
            return ""
        if self.value == "derived":
            return f"Default: {self.source}."
        return f"Default: {self.default_text()} ({self.short_source()})."


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
_ZAIKOVA = (
    "Zaikova O et al. Radiotherapy or surgery for spine metastases? A population-based study "
    "of 903 patients in the south-eastern region of Norway. Acta Orthop 2011;82(3):365-371; "
    "doi 10.3109/17453674.2011.566142, PMID 21434789"
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
        cli="mscc_rate_per_100k",
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
        cli="spinal_mets_rate_per_100k",
    ),
    PlanningDefault(
        "mets_without_mscc_per_mscc", 256 / 809, "per MSCC case", "fixed",
        "The Christie network MSCC service, referrals 2014-2016: 809 MSCC and 256 impending "
        "MSCC (spinal metastases without cord compression) among 1,915 suspected-MSCC "
        "referrals (https://www.csp.org.uk/innovations/network-spinal-cord-compression-"
        "service; catalogue PLAN-04)", "PLAN-04",
        "spinal metastases without MSCC found on suspected-MSCC (emergency) scans, per MSCC "
        "case found: these patients enter follow-up but are not urgent referrals again",
        help="spinal metastases without MSCC found on emergency scans per MSCC case (not "
             "urgent referrals again)",
    ),
    PlanningDefault(
        "rate_cv", 0.25, "coefficient of variation", "fixed",
        "assumption (planning-notes §6.1): spread of the published rates and their rising "
        "trend", "",
        "the planner's uncertainty about the catchment's true rates; override with local data",
        help="coefficient of variation of the rates (0 = fixed)",
    ),
    PlanningDefault(
        "emergency_yield", _YIELD_A / (_YIELD_A + _YIELD_B), "fraction",
        f"Beta({_YIELD_A:.4g}, {_YIELD_B:.4g}): 95% central interval 0.20-0.60",
        "assumption spanning " + _AUDITS + " (catalogue PLAN-01, PLAN-02; as parameters "
        "plan_yield_untriaged and plan_yield_triaged)", "PLAN-01;PLAN-02",
        "share of suspected-MSCC MRI that shows MSCC; strongly triage-dependent "
        "(US ED any-cause 14%). Set it from local audit counts when you have them",
        kind="yield", help="share of suspected-MSCC MRI that is positive",
    ),
    PlanningDefault(
        "urgent_yield", None, "fraction",
        "the catalogue's Beta (mean 0.425, effective total 20: 95% interval 0.23-0.64)",
        "Tringale KR et al. Spine MRI identifies clinically relevant findings in patients with "
        "cancer presenting with back pain. Spine 2024;49(6):419-425, PMID 37602415: malignant "
        "osseous disease on 2,545 of 5,989 spine MRI for back pain in patients with cancer "
        "(one US cancer centre; catalogue TRI-01). No UK yield of urgent (1-week) spine MRI "
        "for suspected metastases without neurology was found", "TRI-01",
        "share of urgent (no neurology) MRI that confirms spinal metastases: a US tertiary "
        "centre's figure (many patients with known metastases; neurology not separated), with "
        "an assumed spread as wide as the emergency yield's for the transfer to another "
        "service. Its own unknown, drawn once per plan draw, independently of the emergency "
        "yield; set it from local audit counts when you have them",
        parameter="plan_urgent_yield", kind="yield", help="share of urgent MRI that is positive",
    ),
    PlanningDefault(
        "scans_per_referral", 1.0, "scans", "fixed",
        "NICE CG75 / NG234: one whole-spine MRI for suspected MSCC "
        "(https://www.nice.org.uk/guidance/cg75/chapter/Key-priorities-for-implementation)",
        "", "repeat or additional-region scans not counted",
        help="MRI per referral",
    ),
    PlanningDefault(
        "followup_interval_months", 3.4, "months", "fixed",
        "median interval between follow-up spine MRIs after SBRT, 446 patients 2008-2021 "
        "(https://discovery.researcher.life/article/magnetic-resonance-imaging-frequency-"
        "after-stereotactic-body-radiation-therapy-for-spine-metastases/"
        "f92f3355e668332fb0cae36486df4eb0)", "",
        "treated patients who are followed get spine MRI at this interval while alive (an "
        "SBRT cohort's interval applied to every followed patient)",
        help="months between follow-up MRI",
    ),
    PlanningDefault(
        "followup_imaged_share", 1.0, "share of treated patients", "fixed",
        "assumption: no published share of treated spinal metastases (radiotherapy or "
        "surgery) followed with routine spine MRI was found; 1 (everyone) is the upper bound",
        "", "every treated patient gets routine follow-up MRI: likely high where "
        "conventionally irradiated patients are imaged only on symptoms — give your service's "
        "own share",
        help="share of treated patients followed with routine spine MRI",
    ),
    PlanningDefault(
        "median_survival_months", "derived", "months", "fixed (exponential survival)",
        _ZAIKOVA + ": deaths within 2 months of the start of treatment, 244 of 845 "
        "irradiated and 11 of 58 operated (catalogue ZAI-02, ZAI-03; sm.parameter("
        "'plan_death_2m_radiotherapy'), sm.parameter('plan_death_2m_surgery')), read as "
        "exponential survival: median 2 ln 2 / -ln(1 - p) months (4.1 and 6.4)",
        "ZAI-02;ZAI-03",
        "exponential survival fitted to the 2-month mortality of each treatment: it ignores "
        "the long tail of survivors (breast, prostate, myeloma), so follow-up demand is "
        "likely underestimated. A number given here is used for every treatment (e.g. 2.9, "
        "the median after MSCC in Ontario, " + _LOBLAW + ")",
        help="median survival (one for every treatment), truncates follow-up",
    ),
    PlanningDefault(
        "followup_scans_per_patient", "derived", "scans per patient", "fixed",
        "derived from the treatment mix: sum over treatments of share x imaged share x "
        "q / (1 - q), q = 2**(-interval / median survival) (scans at each interval while "
        "alive); treatment shares " + _ZAIKOVA + ": 58 of 903 operated first, the rest "
        "irradiated (catalogue ZAI-01, sm.parameter('plan_primary_surgery_share'))",
        "ZAI-01;ZAI-02;ZAI-03",
        "scans stop at death; no cap on follow-up length; the treatment mix of South-Eastern "
        "Norway 2007-2008 (the region and period of the default rates)",
        help="follow-up MRI per patient",
    ),
    PlanningDefault(
        "scan_minutes", 30.0, "minutes", "fixed",
        "derived from " + _AJNR + ", rounded up to 30", "",
        "acquisition time of a full whole-spine protocol (a slot adds changeover_minutes); no "
        "authoritative UK slot length was found (planning-notes §2.4)",
        help="minutes per full-protocol scan",
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
        help="minutes per abbreviated scan",
    ),
    PlanningDefault(
        "opening_hours", "Mon-Fri 08:00-18:00", "schedule", "fixed",
        "assumption: the example schedule of planning-notes §6.1", "",
        "scans happen only inside the opening hours; arrivals uniform over the week",
        kind="text", help="when the service scans, e.g. 'daily 08-18' or '24/7'",
    ),
    PlanningDefault(
        "arrival_profile", "uniform", "weekday x hour weights", "fixed",
        "planning-notes §2.6: no quantitative weekday x hour distribution of MSCC referrals "
        "was found; The Christie's service users report patients identified late in the day, "
        "particularly on Fridays (http://christie.nhs.uk/services/i-to-q/metastatic-spinal-"
        "cord-compression-mscc/about-us/testimonials/) — give your own 7 x 24 weights", "",
        "referrals spread evenly over the week unless a 7 x 24 profile of weights is given",
        help="referral arrivals by weekday x hour: a preset (uniform, weekday-daytime) or a "
             "CSV file of 7 rows (Mon-Sun) x 24 hourly weights (no published profile exists)",
        kind="profile",
    ),
    PlanningDefault(
        "emergency_target_hours", 24.0, "hours", "fixed",
        "NICE QS56 statement 3 (https://www.nice.org.uk/guidance/qs56/chapter/Quality-"
        "statement-3-Imaging-and-treatment-plans-for-adults-with-suspected-metastatic-spinal-"
        "cord-compression); NICE NG234", "", "",
        help="emergency target",
    ),
    PlanningDefault(
        "urgent_target_hours", 168.0, "hours", "fixed",
        "CG75 audit standard, suspected vertebral metastases without MSCC: MRI within 7 days "
        "(Yorkshire Q1 2012 audit, slideserve link above); NG234 (secondary source)", "", "",
        help="urgent target",
    ),
    PlanningDefault(
        "service_level", 0.95, "fraction of weeks", "fixed",
        "assumption: planning convention (planning-notes §6.1)", "", "",
        help="share of weeks in which demand must be met",
    ),
    PlanningDefault(
        "assurance", 0.8, "probability", "fixed",
        "assumption: the example of issue 13 (a planner's tolerance for the catchment being "
        "busier than the capacity allows)", "",
        "the probability, over what is unknown about the catchment's rates and yields, that "
        "the service level is actually met",
        help="probability, over the unknown catchment rates, that the service level is met",
    ),
    PlanningDefault(
        "confidence_level", 0.95, "fraction", "fixed",
        "spinemets convention (DESIGN §4)", "", "",
        help="coverage of reported intervals",
    ),
    PlanningDefault(
        "horizon_years", 5.0, "years", "fixed",
        "assumption (planning-notes §6.1); projection error grows beyond 10 years "
        "(Stat Med 2003;22:2751-66, PMID 12939784)", "",
        "capacity is sized for the last year of the horizon",
        help="plan for this many years ahead",
    ),
    PlanningDefault(
        "rate_trend_per_year", 0.0, "fraction per year", "fixed",
        "stated default: rates held constant over the horizon. The published trend: Ontario, "
        "age-standardised incidence of diagnosed spinal metastases 2007-2019, AAPC +2.2%/yr "
        "(95% CI 1.4-3.0): " + _SHAKIL + " (catalogue POP-01c); by_year() shows every year "
        "with that trend and its interval beside the plan's own", "POP-01c",
        "rates held constant unless a trend is given (0.022 is the Ontario figure); a trend "
        "given is age-standardised, so it leaves out ageing (ageing_per_year)",
        help="yearly relative change in the age-standardised rates",
    ),
    PlanningDefault(
        "ageing_per_year", 0.0, "fraction per year", "fixed",
        "assumption: no quantitative source for the effect of a catchment's ageing on these "
        "rates was found (Ontario reports the fastest rise at 85 and over, in words only: "
        "PMID 38680988)", "",
        "the catchment's age structure held constant unless a yearly effect of ageing on "
        "the crude rates is given",
        help="yearly relative change in the crude rates from the catchment's ageing",
    ),
    PlanningDefault(
        "population_growth_per_year", 0.0, "fraction per year", "fixed",
        "assumption: off by default; take it from the official subnational population "
        "projections for the catchment (e.g. ONS SNPP in England, planning-notes §5.2)", "",
        "the catchment's population held constant unless a growth rate is given; ageing "
        "enters through ageing_per_year",
        help="yearly relative change in the catchment's population",
    ),
    PlanningDefault(
        "cancer_incidence_ceiling", 0.01, "per person-year", "fixed",
        "assumption: a generous ceiling on all-cancer incidence, used only for the "
        "plausibility check when cancer_cases_per_year is not given", "",
        "no population has more than 1 new cancer per 100 people a year",
        cli="", kind="constant", help="all-cancer incidence ceiling of the plausibility check",
    ),
    PlanningDefault(
        "n_sims", 10_000, "draws", "fixed",
        "assumption (planning-notes §6.1): Monte Carlo draws of the parameters, each "
        "followed for 52 weeks", "", "",
        kind="int", help="Monte Carlo parameter draws",
    ),
    PlanningDefault(
        "population", None, "people", "", "the planner's catchment (no default)",
        help="people in the catchment",
    ),
    PlanningDefault(
        "mscc_cases_per_year", None, "cases per year", "",
        "the planner's own figure, instead of a rate (no default)",
        help="your own yearly MSCC cases (instead of a rate)",
    ),
    PlanningDefault(
        "spinal_mets_cases_per_year", None, "cases per year", "",
        "the planner's own figure, instead of a rate (no default)",
        help="your own yearly spinal-metastasis cases (instead of a rate)",
    ),
    PlanningDefault(
        "cancer_cases_per_year", None, "cases per year", "",
        "the planner's own figure, for the plausibility check only (no default)",
        help="new cancers a year in the catchment (plausibility check only)",
    ),
    PlanningDefault(
        "abbreviated_streams", None, "streams", "",
        "the planner's choice (no default: every stream has the full protocol)",
        cli="abbreviated", kind="streams",
        help="streams scanned with the abbreviated protocol",
    ),
    PlanningDefault(
        "observed", None, "local counts", "",
        "the service's own counts (no default: published defaults only)", kind="observed",
        help="the service's own counts per stream: referrals, positives and the years they cover",
    ),
    PlanningDefault(
        "rng", None, "seed", "", "no default: drawn from fresh entropy and recorded",
        cli="seed", kind="seed", help="random seed (recorded in the sidecar)",
    ),
)

#: The arguments of ``plan_imaging``, in the order of its signature (every one has a row
#: in :data:`DEFAULTS`; tests/test_planning_registry.py checks both against the signature).
ARGUMENTS: tuple[str, ...] = (
    "population", "mscc_rate", "spinal_mets_rate", "mscc_cases_per_year",
    "spinal_mets_cases_per_year", "rate_cv", "emergency_yield", "urgent_yield",
    "scans_per_referral", "mets_without_mscc_per_mscc", "followup_scans_per_patient",
    "followup_interval_months", "median_survival_months", "followup_imaged_share",
    "scan_minutes",
    "abbreviated_scan_minutes", "changeover_minutes", "transfer_hours", "reporting_hours",
    "abbreviated_streams", "opening_hours", "arrival_profile", "emergency_target_hours",
    "urgent_target_hours", "service_level", "assurance", "confidence_level", "horizon_years",
    "rate_trend_per_year", "ageing_per_year", "population_growth_per_year",
    "cancer_cases_per_year", "observed",
    "n_sims", "rng",
)

#: The registry by input name.
DEFAULT_BY_NAME = {d.name: d for d in DEFAULTS}


def default_yield(name: str) -> Proportion:
    """The default Beta of ``emergency_yield`` or ``urgent_yield``, with its assumption."""
    d = DEFAULT_BY_NAME[name]
    if d.parameter:  # read from the catalogue
        prop = d.distribution()
        if not isinstance(prop, Proportion):  # pragma: no cover - a registry invariant
            raise TypeError(f"{name}: sm.parameter({d.parameter!r}) is not a Proportion")
        return prop
    return Proportion.beta(
        _YIELD_A, _YIELD_B, label=name, encoding="beta quantile-matched to 0.20-0.60 (95%)",
        assumption=d.assumption,
    )



def resolved_row(name: str, value: Any, unit: str, user: bool, *, source: str = "",
                 evidence_ids: str = "", assumption: str = "") -> dict[str, Any]:
    """One row of ``ImagingPlan.assumptions()``: the value and, for a default, its source."""
    d = DEFAULT_BY_NAME.get(name)
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
        num = float(value) if is_number(value) else float("nan")
        mean = lo = hi = num
    if user and not source:
        source = "user-supplied"
    return {
        "name": name, "value": text, "unit": unit, "mean": mean, "ci_lower": lo,
        "ci_upper": hi, "user_supplied": bool(user), "source": source,
        "evidence_ids": evidence_ids, "assumption": assumption,
    }


_PLACEHOLDER = re.compile(r"<default:(\w+)>")


def fill_defaults(doc: str) -> str:
    """``doc`` with each ``<default:NAME>`` replaced by the registry's sentence for NAME.

    The docstring of ``plan_imaging`` states no default by hand: its sentences are these.

    Examples
    --------
    >>> from spinemets._planning._registry import fill_defaults
    >>> fill_defaults("Minutes per scan. <default:scan_minutes>")[:39]
    'Minutes per scan. Default: 30 minutes ('
    """
    def sentence(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in DEFAULT_BY_NAME or not DEFAULT_BY_NAME[name].has_default:
            raise ValueError(f"doc: {m.group(0)} names no registry default")
        return DEFAULT_BY_NAME[name].default_sentence()

    lines = []
    for line in _PLACEHOLDER.sub(sentence, doc).split("\n"):
        indent = line[:len(line) - len(line.lstrip())]
        lines += (textwrap.wrap(line.strip(), width=92 - len(indent), initial_indent=indent,
                                subsequent_indent=indent, break_on_hyphens=False,
                                break_long_words=False)
                  if len(line) > 92 else [line])
    return "\n".join(lines)


GLOSSARY_COLUMNS = ("input", "flag", "meaning", "unit", "default", "source")


def glossary() -> list[dict[str, str]]:
    """Every input of ``plan_imaging``, in the signature's order: the glossary of planning.

    One row per input: its name, its ``spinemets plan`` flag (``""`` if none), its meaning,
    unit, default and the default's source in a few words (the README's table of planning
    inputs, ``scripts/planning_inputs_table.py``).

    Examples
    --------
    >>> from spinemets._planning._registry import glossary
    >>> row = glossary()[1]
    >>> row["input"], row["flag"], row["default"]
    ('mscc_rate', '--mscc-rate-per-100k', "the catalogue's sm.parameter('mscc_rate')")
    """
    rows = []
    for name in ARGUMENTS:
        d = DEFAULT_BY_NAME[name]
        rows.append({
            "input": name, "flag": "--" + d.flag.replace("_", "-") if d.flag else "",
            "meaning": d.help, "unit": d.unit, "default": d.default_text(),
            "source": d.short_source() if d.has_default else d.source,
        })
    return rows
