"""Checks of a plan's resolved inputs: plausibility (warnings) and size (errors).

:func:`check_plausibility` flags unit slips that still give a usable plan — rates far from
the published ones, a yield beyond every audit, follow-up more often than monthly, a
catchment under 10,000 people — with an :class:`~spinemets.errors.ImplausibleInputWarning`
and a row of ``ImagingPlan.checks()``. :func:`check_size` refuses, before any table is
allocated, demand the exact laws cannot tabulate (:mod:`spinemets._planning._limits`).
"""

from __future__ import annotations

import warnings
from typing import Any

from .._values import Proportion, Rate
from ..errors import ImplausibleInputWarning
from ._exact import mean_inverse, yearly_tail
from ._inputs import Driver
from ._limits import check_demand_size
from ._registry import DEFAULT_BY_NAME
from ._resolve import Resolved

__all__ = ["check_plausibility", "check_size"]

_LOW_YIELD = 0.05  # below every published audit (lowest 9.8%): flagged as a likely unit slip
# plan_imaging -> build_plan -> check_plausibility -> check: warnings point at the caller
_STACKLEVEL = 5


def check_plausibility(r: Resolved) -> list[dict[str, str]]:
    """The rows of ``ImagingPlan.checks()``; each failed check also warns."""
    checks: list[dict[str, str]] = []

    def check(name: str, ok: bool, detail: str) -> None:
        checks.append({"check": name, "status": "ok" if ok else "warning", "detail": detail})
        if not ok:
            warnings.warn(f"{name}: {detail}", ImplausibleInputWarning, stacklevel=_STACKLEVEL)

    m, s_all, kappa, pop, growth = r.mscc, r.spinal_mets, r.kappa, r.pop, r.growth
    u_mean = s_all.mean - (1.0 + kappa) * m.mean
    check("MSCC within spinal metastases", u_mean >= 0,
          f"{m.mean:,.1f} MSCC (+ {kappa * m.mean:,.1f} metastases without MSCC found on their "
          f"scans) vs {s_all.mean:,.1f} treated spinal metastases a year"
          + ("" if u_mean >= 0 else
             " — MSCC cases are a subset of spinal metastases; the urgent stream is set to 0"))
    cancer_ref = r.cancer
    if cancer_ref is None and pop is not None:
        cancer_ref = pop * float(DEFAULT_BY_NAME["cancer_incidence_ceiling"].resolve()) * growth
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
    for name, y in r.yields.items():
        mean_y = y.mean if isinstance(y, Proportion) else float(y)
        check(f"{name} yield within audits", _LOW_YIELD <= mean_y <= 0.8,
              f"mean {100 * mean_y:.3g}%; published audits range 14%-59% "
              "(a yield above 80% is beyond all of them; 100% means every scan positive; "
              f"below {100 * _LOW_YIELD:g}%, {1 / _LOW_YIELD:g}+ scans per case, is below "
              "all of them — is it a fraction, not a percentage divided by 100 twice?)")
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
    check("follow-up interval", r.interval >= 1.0,
          f"follow-up MRI every {r.interval:g} months — more often than monthly: is the "
          "interval in months (not weeks or days)?")
    return checks


def check_size(m: Driver, u: Driver, ys: dict[str, float | Proportion], c: float,
               f: float, k: float, given: dict[str, Any]) -> None:
    """Refuse, before any allocation, demand the exact laws cannot tabulate (_limits)."""
    expected = {"emergency": c * m.mean * mean_inverse(ys["emergency"]),
                "urgent": c * u.mean * mean_inverse(ys["urgent"]),
                "follow_up": f * ((1.0 + k) * m.mean + u.mean)}
    tails = {"emergency": yearly_tail(m, ys["emergency"], c),
             "urgent": yearly_tail(u, ys["urgent"], c),
             "follow_up": yearly_tail(m, 1.0, f * (1.0 + k)) + yearly_tail(u, 1.0, f)}
    names = ("population", "mscc_rate", "spinal_mets_rate", "mscc_cases_per_year",
             "spinal_mets_cases_per_year", "rate_cv", "emergency_yield", "urgent_yield",
             "scans_per_referral", "followup_scans_per_patient", "horizon_years",
             "rate_trend_per_year", "population_growth_per_year")
    shown = [f"{k}={given[k]!r}" for k in names if given.get(k) is not None
             and not isinstance(given[k], (Proportion, Rate))]
    check_demand_size(expected, tails, "from " + (", ".join(shown) or "the defaults"))
