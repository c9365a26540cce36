"""The simulated part of a plan: the weekly total, whose streams share the catchment's rates.

Each of ``sims`` draws takes the MSCC and urgent rates and the yields once (each yield one
fact drawn once per draw; one Proportion given for both streams is drawn once), then
follows 52 weeks of Poisson scans per stream; the predictive law of the weekly total is
the Poisson mixture over the draws. Seeded only through ``seed``.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from .._values import Proportion
from ._exact import TAIL, GridCounts
from ._inputs import Driver
from ._registry import STREAMS, WEEK_YEARS

__all__ = ["WEEKS_PER_DRAW", "simulate"]

#: Weeks followed per parameter draw.
WEEKS_PER_DRAW = 52


def simulate(m: Driver, u: Driver, ys: dict[str, float | Proportion], c: float, f: float,
             k: float, sims: int, seed: int) -> tuple[dict[str, np.ndarray], GridCounts]:
    """Parameter draws and their weekly scans, and the predictive law of the weekly total."""
    gen = np.random.default_rng(seed)
    lam_m = m.draw(sims, gen)
    lam_u = u.draw(sims, gen)

    def draw_yield(y: float | Proportion) -> np.ndarray:
        if isinstance(y, Proportion):
            return np.asarray(y.rvs(sims, rng=gen), dtype=float)
        return np.full(sims, float(y))

    y_e = draw_yield(ys["emergency"])
    # one Proportion given for both streams is the same unknown fact: drawn once
    y_u = y_e if ys["urgent"] is ys["emergency"] else draw_yield(ys["urgent"])
    expected_year = {
        "emergency": c * lam_m / y_e,
        "urgent": c * lam_u / y_u,
        "follow_up": f * ((1.0 + k) * lam_m + lam_u),
    }
    sim: dict[str, np.ndarray] = {"param_mscc": lam_m, "param_urgent": lam_u}
    for stream in STREAMS:
        mu = np.broadcast_to((expected_year[stream] * WEEK_YEARS)[:, None],
                             (sims, WEEKS_PER_DRAW))
        sim[stream] = gen.poisson(mu).astype(np.int64)
    sim["total"] = sim["emergency"] + sim["urgent"] + sim["follow_up"]
    sim["mean_week_total"] = sum(expected_year[s] for s in STREAMS) * WEEK_YEARS
    for s in STREAMS:
        sim[f"expected_{s}"] = expected_year[s]
    sim["expected_total"] = sum(expected_year[s] for s in STREAMS)
    # predictive weekly total: Poisson given each parameter draw, averaged over the draws
    top = int(stats.poisson.isf(TAIL, float(sim["mean_week_total"].max()))) + 1
    grid = np.arange(top + 1)
    total_pmf = np.zeros(top + 1)
    rows = max(1, 4_000_000 // (top + 1))  # bounded memory whatever the grid length
    for i in range(0, sims, rows):
        total_pmf += stats.poisson.pmf(grid[None, :], sim["mean_week_total"][i:i + rows, None]
                                       ).sum(axis=0)
    return sim, GridCounts(0, total_pmf / sims)
