"""A plan from its inputs: resolve → check → local data → exact laws → simulation.

:func:`build_plan` is the body of ``plan_imaging`` (and of ``ImagingPlan.from_sidecar``): it
composes the steps and returns the fields of the :class:`ImagingPlan` they make.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ._check import check_plausibility, check_size
from ._exact import exact_laws, mean_inverse, mean_laws
from ._hours import OpeningHours
from ._local import apply_local
from ._resolve import INPUTS, Resolved, resolve
from ._simulate import simulate

__all__ = ["build_plan"]


def _inputs_as_given(r: Resolved) -> dict[str, Any]:
    """The arguments as given, in a form that re-runs the plan (``rng`` is the seed used)."""
    inputs = dict(r.given)
    inputs["abbreviated_streams"] = r.abbrev
    if r.profile is not None:
        inputs["arrival_profile"] = r.profile.tolist()
    if isinstance(r.given["opening_hours"], OpeningHours):
        inputs["opening_hours"] = str(r.given["opening_hours"])
    if r.pop is not None and float(r.pop).is_integer():
        inputs["population"] = int(r.pop)
    inputs["rng"] = r.seed
    return inputs


def build_plan(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of the plan for ``arguments`` (names of :data:`INPUTS` and ``rng``)."""
    given = {name: arguments.get(name, default) for name, default in INPUTS.items()}
    r = resolve(given, arguments.get("rng"))
    checks = check_plausibility(r)
    local = apply_local(r.obs, r.mscc, r.urgent, r.yields, r.growth)
    m, u, ys = local.mscc, local.urgent, local.yields
    rows, notes = [*r.rows, *local.resolved], [*r.notes, *local.notes]
    c, f, k = r.c, r.f_scans, r.kappa
    check_size(m, u, ys, c, f, k, given)  # before any table is allocated
    weekly, yearly = exact_laws(m, u, ys, c, f, k)
    factors = {
        "emergency": c * m.mean * mean_inverse(ys["emergency"]),
        "urgent": c * u.mean * mean_inverse(ys["urgent"]),
        "follow_up": f * ((1.0 + k) * m.mean + u.mean),
        "c": c, "f": f, "k": k, "horizon": r.horizon, "trend": r.trend, "growth": r.growth,
        "yearly_factor": r.yearly_factor,
        # the yearly factors other than the rate trend (ageing and population growth)
        "other_yearly": (1.0 + r.ageing) * (1.0 + r.pop_growth),
    }
    sim, weekly["total"] = simulate(m, u, ys, c, f, k, r.sims, r.seed)
    means = mean_laws(m, u, ys, c, f, k)
    means["total_year"] = mean_laws(m, u, ys, c, f, k, t=1.0)["total"]
    return {
        "inputs": _inputs_as_given(r), "seed": r.seed, "service_level": r.level,
        "confidence_level": r.conf, "opening_hours": r.opening_hours,
        "assurance_level": r.assured, "_means": means, "_drivers": {"mscc": m, "urgent": u},
        "_yields": ys, "_minutes": r.minutes, "_targets": r.targets,
        "_acquisition": r.acquisition, "_delays": r.delays, "_profile": r.profile,
        "_factors": factors, "_notes": notes, "_checks": pd.DataFrame(checks),
        "_resolved": rows, "_weekly": weekly, "_yearly": yearly, "_sim": sim,
        "_local": local.table,
    }
