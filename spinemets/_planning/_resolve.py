"""Resolve the inputs of a plan: each argument checked, its default filled in from the registry.

:func:`resolve` turns the arguments of ``plan_imaging`` into the values the plan uses (the
catchment's MSCC and urgent drivers at the horizon, yields, follow-up, scan times, opening
hours, targets, levels, the seed), the rows of ``ImagingPlan.assumptions()`` and the notes
of the summary. Every bad argument is refused here, in the order of the signature.
"""

from __future__ import annotations

import itertools
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import (
    RNGLike,
    check_confidence_level,
    check_count,
    check_fraction,
    check_real,
)
from .._values import Proportion, Rate
from ._exact import mean_inverse
from ._followup import FollowupMix, default_followup_mix
from ._hours import DAY_NAMES, OpeningHours
from ._inputs import Driver, describe, is_number
from ._limits import (
    MAX_EXPECTED_SCANS_PER_YEAR,
    MAX_FOLLOWUP_SCANS_PER_PATIENT,
    MAX_MEDIAN_SURVIVAL_MONTHS,
    MAX_METS_PER_MSCC,
    MAX_POPULATION,
    MAX_SCAN_MINUTES,
    MAX_SCANS_PER_REFERRAL,
    MAX_SIMS,
    MAX_TARGET_HOURS,
    MIN_FOLLOWUP_INTERVAL_MONTHS,
    MIN_RATE_CV,
    MIN_SCAN_MINUTES,
    MIN_YIELD,
    check_rate_unit,
)
from ._local import check_observed
from ._profile import PRESETS, load_arrival_profile
from ._registry import ARGUMENTS, DEFAULT_BY_NAME, STREAMS, default_yield, resolved_row

__all__ = ["INPUTS", "Resolved", "check_yield", "rate_driver", "resolve"]

#: The arguments of ``plan_imaging`` (but ``rng``), in order, with their defaults in the
#: signature: None means "the registry's default", resolved here.
INPUTS: dict[str, Any] = {name: () if DEFAULT_BY_NAME[name].kind == "streams" else None
                          for name in ARGUMENTS if name != "rng"}


def rate_driver(value: Any, name: str, scale: float, cv: float) -> tuple[Driver, str]:
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
        return Driver(m * scale, shape), how
    if isinstance(value, Proportion):
        raise TypeError(f"{name} must be a number or a Rate, got a Proportion {value!r}")
    v = check_real(value, name, low=0)
    if scale != 1.0:
        check_rate_unit(v, name)
    else:  # the planner's own cases a year: each needs at least one scan
        check_real(v, name, high=MAX_EXPECTED_SCANS_PER_YEAR)
    if v == 0:
        return Driver(0.0, None), f"{name}: 0 (no cases)"
    shape = None if cv == 0 else 1.0 / cv**2
    return Driver(v * scale, shape), f"{name}: {v:.6g} with Gamma CV {cv:.3g}" if cv else (
        f"{name}: {v:.6g}, fixed (rate_cv = 0)"
    )


def check_yield(value: Any, name: str) -> float | Proportion:
    """A yield: a fraction in [MIN_YIELD, 1] or a Proportion bounded away from 0."""
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
    if is_number(value) and float(value) > 1:
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
class Resolved:
    """The inputs of a plan as used: checked values, defaults filled in, and their record.

    ``mscc``, ``spinal_mets`` and ``urgent`` are the drivers at the horizon (today's times
    ``growth``), before any local counts; ``rows`` are the rows of the assumptions table
    and ``notes`` the notes of the summary, in order.
    """

    given: dict[str, Any]
    obs: dict[str, dict[str, float]]
    pop: float | None
    cv: float
    horizon: float
    trend: float
    ageing: float
    pop_growth: float
    yearly_factor: float
    growth: float
    mscc: Driver
    spinal_mets: Driver
    urgent: Driver
    kappa: float
    yields: dict[str, float | Proportion]
    c: float
    interval: float
    surv: float | None
    mix: FollowupMix | None
    f_scans: float
    abbrev: tuple[str, ...]
    acquisition: dict[str, float]
    minutes: dict[str, float]
    delays: dict[str, float]
    opening_hours: OpeningHours
    profile: np.ndarray | None
    targets: dict[str, float]
    level: float
    conf: float
    assured: float
    sims: int
    cancer: float | None
    seed: int
    rows: list[dict[str, Any]]
    notes: list[str]


def _urgent_driver(m: Driver, s_all: Driver, kappa: float) -> tuple[Driver, str]:
    """The urgent stream's patients: treated spinal metastases less the MSCC cases and the
    metastases without MSCC found on their (emergency) scans — nobody enters two streams."""
    u_mean = s_all.mean - (1.0 + kappa) * m.mean
    if u_mean <= 0:
        return Driver(0.0, None), "no cases (MSCC >= spinal metastases)"
    var_u = s_all.var - (1.0 + kappa) ** 2 * m.var
    if var_u > 0:
        return Driver(u_mean, u_mean**2 / var_u), (
            "Gamma matched so that MSCC + non-MSCC has the spinal-metastasis mean and variance")
    if s_all.shape is not None:
        return Driver(u_mean, s_all.shape), (
            "Gamma with the spinal-metastasis CV (its variance is below the MSCC one)")
    return Driver(u_mean, None), "fixed (spinal metastases fixed)"


def resolve(given: dict[str, Any], rng: RNGLike) -> Resolved:
    """Check every input of ``plan_imaging`` and fill in its default (see :data:`INPUTS`)."""
    g = given
    obs = check_observed(g["observed"])

    def dflt(name: str, value: Any) -> Any:
        return DEFAULT_BY_NAME[name].resolve() if value is None else value

    resolved: list[dict[str, Any]] = []
    notes: list[str] = []

    # ---- catchment
    pop: float | None = None
    if g["population"] is not None:
        pop = check_real(g["population"], "population", low=0, low_open=True, high=MAX_POPULATION)
    cv = check_real(dflt("rate_cv", g["rate_cv"]), "rate_cv", low=0)
    if cv > 3:
        raise ValueError(f"rate_cv must be <= 3 (a coefficient of variation), got {cv!r}")
    if 0 < cv < MIN_RATE_CV:
        raise ValueError(f"rate_cv must be 0 (a fixed rate) or >= {MIN_RATE_CV:g} (a Gamma that "
                         f"narrow is a fixed rate to double precision), got {cv!r}")
    horizon = check_real(dflt("horizon_years", g["horizon_years"]), "horizon_years", low=0,
                         high=100)
    trend = check_real(dflt("rate_trend_per_year", g["rate_trend_per_year"]), "rate_trend_per_year",
                       low=-1, low_open=True, high=1)
    ageing = check_real(dflt("ageing_per_year", g["ageing_per_year"]), "ageing_per_year",
                        low=-1, low_open=True, high=1)
    pop_growth = check_real(dflt("population_growth_per_year", g["population_growth_per_year"]),
                            "population_growth_per_year", low=-1, low_open=True, high=1)
    yearly_factor = (1.0 + trend) * (1.0 + ageing) * (1.0 + pop_growth)
    growth = yearly_factor**horizon

    def driver(rate_name: str, cases_name: str, rate_value: Any, cases_value: Any,
               label: str) -> Driver:
        if rate_value is not None and cases_value is not None:
            raise ValueError(
                f"give either {rate_name} or {cases_name}, not both (got {rate_value!r} and "
                f"{cases_value!r})"
            )
        if cases_value is not None:
            drv, _ = rate_driver(cases_value, cases_name, 1.0, cv)
            resolved.append(resolved_row(cases_name, cases_value, "cases per year", True))
            notes.append(f"{label}: {describe(cases_value)} cases a year (planner's own number)"
                         + (f", Gamma CV {cv:g}" if is_number(cases_value) and cv else ""))
            return drv
        if pop is None:
            raise ValueError(
                f"population is required unless {cases_name} is given (got population=None)"
            )
        user = rate_value is not None
        d = DEFAULT_BY_NAME[rate_name]
        # the catalogue's distribution, or its mean with the spread rate_cv when given
        value = rate_value if user else (d.distribution() if g["rate_cv"] is None else d.resolve())
        drv, _ = rate_driver(value, rate_name, pop, cv)
        spread = (f"the catalogue's spread (sm.parameter({d.parameter!r}))" if g["rate_cv"] is None
                  else f"Gamma CV {cv:g}")
        resolved.append(resolved_row(
            rate_name, value, "per person-year", user,
            assumption="" if user else d.assumption + f"; spread: {spread}"))
        src = "" if user else f" [{d.evidence_ids or 'source in assumptions()'}]"
        notes.append(
            f"{label}: {describe(value, per100k=True)}"
            + (f" with Gamma CV {cv:g}" if is_number(value) and cv else "")
            + f" -> {drv.mean:,.1f} cases a year{src}"
        )
        return drv

    m_now = driver("mscc_rate", "mscc_cases_per_year", g["mscc_rate"], g["mscc_cases_per_year"],
                   "MSCC")
    s_now = driver("spinal_mets_rate", "spinal_mets_cases_per_year", g["spinal_mets_rate"],
                   g["spinal_mets_cases_per_year"], "Spinal metastases (all, incl. MSCC)")
    if pop is not None:
        resolved.insert(0, resolved_row("population", pop, "people", True,
                                        source="user-supplied"))
    resolved.append(resolved_row("rate_cv", cv, "coefficient of variation",
                                 g["rate_cv"] is not None))
    resolved.append(resolved_row("horizon_years", horizon, "years",
                                 g["horizon_years"] is not None))
    resolved.append(resolved_row("rate_trend_per_year", trend, "fraction per year",
                                 g["rate_trend_per_year"] is not None))
    resolved.append(resolved_row("ageing_per_year", ageing, "fraction per year",
                                 g["ageing_per_year"] is not None))
    resolved.append(resolved_row("population_growth_per_year", pop_growth,
                                 "fraction per year", g["population_growth_per_year"] is not None))

    # ---- yields and scans
    ys: dict[str, float | Proportion] = {}
    for name in ("emergency_yield", "urgent_yield"):
        raw = given[name]
        y = default_yield(name) if raw is None else check_yield(raw, name)
        ys[name.split("_")[0]] = y
        resolved.append(resolved_row(name, y, "fraction", raw is not None))
    c = check_real(dflt("scans_per_referral", g["scans_per_referral"]), "scans_per_referral", low=1,
                   high=MAX_SCANS_PER_REFERRAL)
    resolved.append(resolved_row("scans_per_referral", c, "scans",
                                 g["scans_per_referral"] is not None))
    kappa = check_real(dflt("mets_without_mscc_per_mscc", g["mets_without_mscc_per_mscc"]),
                       "mets_without_mscc_per_mscc", low=0, high=MAX_METS_PER_MSCC)
    resolved.append(resolved_row("mets_without_mscc_per_mscc", kappa, "per MSCC case",
                                 g["mets_without_mscc_per_mscc"] is not None))
    interval = check_real(dflt("followup_interval_months", g["followup_interval_months"]),
                          "followup_interval_months", low=MIN_FOLLOWUP_INTERVAL_MONTHS)
    surv = None if g["median_survival_months"] is None else check_real(
        g["median_survival_months"], "median_survival_months", low=0, low_open=True,
        high=MAX_MEDIAN_SURVIVAL_MONTHS)
    imaged = check_fraction(dflt("followup_imaged_share", g["followup_imaged_share"]),
                            "followup_imaged_share")
    resolved.append(resolved_row("followup_interval_months", interval, "months",
                                 g["followup_interval_months"] is not None))
    mix: FollowupMix | None = None
    if g["followup_scans_per_patient"] is None:
        mix = default_followup_mix(interval, imaged, surv)
        f_scans = mix.scans_per_patient()
        if f_scans > MAX_FOLLOWUP_SCANS_PER_PATIENT:
            raise ValueError(
                f"followup_interval_months={interval!r} with median_survival_months="
                f"{g['median_survival_months']!r} gives {f_scans:,.0f} follow-up MRI per "
                f"patient, above the limit of {MAX_FOLLOWUP_SCANS_PER_PATIENT:g}; check both "
                "are in months"
            )
        resolved.append(resolved_row(
            "median_survival_months",
            "; ".join(f"{a.treatment} {a.median_survival_months:.3g}" for a in mix.arms)
            if surv is None else surv, "months", surv is not None))
        resolved.append(resolved_row("followup_imaged_share", imaged, "fraction",
                                     g["followup_imaged_share"] is not None))
        resolved.append(resolved_row(
            "followup_scans_per_patient", f_scans, "scans per patient", False,
            assumption=DEFAULT_BY_NAME["followup_scans_per_patient"].assumption
            + "; the mix: " + mix.describe()))
    else:
        f_scans = check_real(g["followup_scans_per_patient"], "followup_scans_per_patient", low=0,
                             high=MAX_FOLLOWUP_SCANS_PER_PATIENT)
        unused = "not used (followup_scans_per_patient given)"
        resolved.append(resolved_row("median_survival_months", unused if surv is None else surv,
                                     "months", surv is not None, source=unused))
        resolved.append(resolved_row("followup_imaged_share", unused, "fraction",
                                     g["followup_imaged_share"] is not None, source=unused))
        resolved.append(resolved_row("followup_scans_per_patient", f_scans,
                                     "scans per patient", True))
    full = check_real(dflt("scan_minutes", g["scan_minutes"]), "scan_minutes", low=MIN_SCAN_MINUTES,
                      high=MAX_SCAN_MINUTES)
    abbr = check_real(dflt("abbreviated_scan_minutes", g["abbreviated_scan_minutes"]),
                      "abbreviated_scan_minutes", low=MIN_SCAN_MINUTES, high=MAX_SCAN_MINUTES)
    abbreviated_streams = g["abbreviated_streams"]
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
    change = check_real(dflt("changeover_minutes", g["changeover_minutes"]), "changeover_minutes",
                        low=0, high=MAX_SCAN_MINUTES)
    delays = {
        name: check_real(dflt(name, value), name, low=0, high=MAX_TARGET_HOURS)
        for name, value in (("transfer_hours", g["transfer_hours"]),
                            ("reporting_hours", g["reporting_hours"]))
    }
    acquisition = {s: (abbr if s in abbrev else full) for s in STREAMS}
    minutes = {s: acquisition[s] + change for s in STREAMS}  # a slot: scan + changeover
    for name, value, given_value in (("changeover_minutes", change, g["changeover_minutes"]),
                                     ("transfer_hours", delays["transfer_hours"],
                                      g["transfer_hours"]),
                                     ("reporting_hours", delays["reporting_hours"],
                                      g["reporting_hours"])):
        resolved.append(resolved_row(name, value, "minutes" if "minutes" in name else "hours",
                                     given_value is not None))
    resolved.append(resolved_row("scan_minutes", full, "minutes", g["scan_minutes"] is not None))
    resolved.append(resolved_row("abbreviated_scan_minutes", abbr, "minutes",
                                 g["abbreviated_scan_minutes"] is not None))
    resolved.append(resolved_row("abbreviated_streams", ", ".join(abbrev) or "none",
                                 "streams", bool(abbrev),
                                 source="" if abbrev else "default: none (full protocol)"))

    # ---- service
    oh = OpeningHours.parse(dflt("opening_hours", g["opening_hours"]))
    resolved.append(resolved_row("opening_hours", str(oh), "schedule",
                                 g["opening_hours"] is not None))
    profile = load_arrival_profile(g["arrival_profile"])
    preset = g["arrival_profile"] if isinstance(g["arrival_profile"], str) and \
        g["arrival_profile"] in PRESETS else ""
    resolved.append(resolved_row(
        "arrival_profile", "uniform" if profile is None else
        (f"{preset}: " if preset else "") + "weights by weekday: " + ", ".join(
            f"{d} {w:.3g}" for d, w in zip(
                DAY_NAMES, profile.sum(axis=1) / profile.sum(), strict=True)),
        "weekday x hour weights", g["arrival_profile"] is not None))
    targets = {
        "emergency": check_real(dflt("emergency_target_hours", g["emergency_target_hours"]),
                                "emergency_target_hours", low=0, low_open=True,
                                high=MAX_TARGET_HOURS),
        "urgent": check_real(dflt("urgent_target_hours", g["urgent_target_hours"]),
                             "urgent_target_hours", low=0, low_open=True,
                             high=MAX_TARGET_HOURS),
    }
    resolved.append(resolved_row("emergency_target_hours", targets["emergency"], "hours",
                                 g["emergency_target_hours"] is not None))
    resolved.append(resolved_row("urgent_target_hours", targets["urgent"], "hours",
                                 g["urgent_target_hours"] is not None))
    level = check_confidence_level(dflt("service_level", g["service_level"]), "service_level")
    conf = check_confidence_level(dflt("confidence_level", g["confidence_level"]))
    resolved.append(resolved_row("service_level", level, "fraction of weeks",
                                 g["service_level"] is not None))
    assured = check_confidence_level(dflt("assurance", g["assurance"]), "assurance")
    resolved.append(resolved_row("assurance", assured, "probability", g["assurance"] is not None))
    resolved.append(resolved_row("confidence_level", conf, "fraction",
                                 g["confidence_level"] is not None))
    sims = check_count(dflt("n_sims", g["n_sims"]), "n_sims", minimum=1000)
    if sims > MAX_SIMS:
        raise ValueError(f"n_sims must be <= {MAX_SIMS:,}, got {sims!r}")
    resolved.append(resolved_row("n_sims", sims, "draws", g["n_sims"] is not None))
    cancer = None
    if g["cancer_cases_per_year"] is not None:
        cancer = check_real(g["cancer_cases_per_year"], "cancer_cases_per_year", low=0,
                            low_open=True)
        resolved.append(resolved_row("cancer_cases_per_year", cancer, "cases per year", True))

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
    resolved.append(resolved_row("seed", seed, "", rng is not None,
                                 source="user-supplied" if rng is not None
                                 else "drawn from fresh entropy and recorded"))

    m, s_all = m_now.scaled(growth), s_now.scaled(growth)
    u, u_how = _urgent_driver(m, s_all, kappa)
    notes.append(
        f"Spinal metastases without MSCC (urgent stream): {u.mean:,.1f} cases a year ({u_how})"
    )
    for name, y in ys.items():
        notes.append(
            f"Yield of {name} MRI: {describe(y, pct=True)}"
            + (" (fixed)" if not isinstance(y, Proportion) else "")
            + f" -> {c * mean_inverse(y):.2f} scans per confirmed case"
        )
    notes.append(
        f"Follow-up: {f_scans:.2f} MRI per new spinal-metastasis patient"
        + (f" ({mix.describe()})" if mix is not None else " (planner's number)")
    )
    notes.append(
        f"Scan time: {full:g} min full protocol, {abbr:g} min abbreviated"
        + (f" (used for {', '.join(abbrev)})" if abbrev else " (not used)")
        + f"; opening hours '{oh}' ({oh.hours_per_week:g} h a week)"
    )
    if horizon and not trend:
        notes.append(f"Horizon {horizon:g} years with no trend: demand as today")
    return Resolved(
        given=given, obs=obs, pop=pop, cv=cv, horizon=horizon, trend=trend,
        ageing=ageing, pop_growth=pop_growth,
        yearly_factor=yearly_factor, growth=growth, mscc=m, spinal_mets=s_all, urgent=u,
        kappa=kappa, yields=ys, c=c, interval=interval, surv=surv, mix=mix, f_scans=f_scans,
        abbrev=abbrev, acquisition=acquisition, minutes=minutes,
        delays=delays, opening_hours=oh, profile=profile, targets=targets, level=level,
        conf=conf, assured=assured, sims=sims, cancer=cancer, seed=seed, rows=resolved,
        notes=notes,
    )
