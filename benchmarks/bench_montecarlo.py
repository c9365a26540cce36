"""Speed and peak memory of the Monte Carlo engine, side by side with the numpy draw floor.

1. The **draw floor**: nothing but ``rng.binomial`` on the engine's own chunk shapes (the
   random numbers any Monte Carlo answer must draw), then the engine on the same strata,
   draws and chunks (quantiles, Monte Carlo errors, means), then ``sm.estimate`` end to end.
   Each is timed twice, alternating, and the faster run kept; the ratio engine / floor is
   the engine's overhead.
2. Peak memory: the chunked engine against the obvious alternative, one (strata x draws)
   array with ``np.quantile``.
3. Totals over several parameters: the exact convolution route of ``sm.estimate_total``
   against its joint Monte Carlo route.

Runs in about a minute. Run: python benchmarks/bench_montecarlo.py
"""

from __future__ import annotations

import os
import platform
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

import spinemets as sm
from spinemets._montecarlo import DEFAULT_MAX_BYTES, mc_quantiles

PROBS = np.array([0.025, 0.975])


def timed(func: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = func()
    return time.perf_counter() - t0, out


def traced(label: str, func: Callable[[], Any]) -> Any:
    tracemalloc.start()
    elapsed, out = timed(func)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  {label:<56} {elapsed:7.2f} s   peak traced {peak / 2**20:7.1f} MB")
    return out


def chunk_rows(draws: int) -> int:
    return max(1, int(DEFAULT_MAX_BYTES // (8 * draws)))


def draw_floor(sizes: np.ndarray, p: np.ndarray, seed: int) -> None:
    """Only the binomial draws, on the engine's chunk shapes."""
    rng = np.random.default_rng(seed)
    step = chunk_rows(p.size)
    for start in range(0, sizes.size, step):
        rng.binomial(sizes[start:start + step, None], p[None, :])


def engine(sizes: np.ndarray, p: np.ndarray, seed: int, key: int | None = None) -> None:
    mc_quantiles(sizes, p, lambda g, n, pp: g.binomial(n, pp), PROBS,
                 np.random.default_rng(seed), key=key)


def naive(sizes: np.ndarray, dist: sm.Proportion, draws: int, seed: int) -> np.ndarray:
    """The obvious alternative: all draws of all strata in one array."""
    gen = np.random.default_rng(seed)
    p = dist.rvs(draws, rng=gen)
    sims = gen.binomial(sizes[:, None], p[None, :])
    return np.quantile(sims, PROBS, axis=1, method="inverted_cdf").T


def main() -> None:
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, "
          f"python {platform.python_version()}, numpy {np.__version__}")
    gen = np.random.default_rng(20261129)
    outcome = sm.Proportion.logit_normal(-0.69, 0.25, label="pooled-like")

    strata, draws = 10_000, 10_000
    sizes = np.exp(gen.uniform(0, np.log(10_000), strata)).astype(np.int64)
    p = np.asarray(outcome.rvs(draws, rng=1), dtype=float)
    print(f"\n1. {strata:,} strata x {draws:,} draws, chunks of {chunk_rows(draws)} strata "
          "(best of 2, alternating)")
    runs: dict[str, list[float]] = {"floor": [], "engine": [], "keyed": [], "estimate": []}
    for _ in range(2):
        runs["floor"].append(timed(lambda: draw_floor(sizes, p, 2))[0])
        runs["engine"].append(timed(lambda: engine(sizes, p, 2))[0])
        runs["keyed"].append(timed(lambda: engine(sizes, p, 2, key=1))[0])
        runs["estimate"].append(timed(lambda: sm.estimate(sizes, outcome, draws=draws, rng=2,
                                                          method="monte_carlo"))[0])
    floor = min(runs["floor"])
    print(f"  ({np.unique(sizes).size:,} distinct sizes: the stratum streams simulate each once)")
    for key, label in (("floor", "draw floor: rng.binomial only"),
                       ("engine", "engine: mc_quantiles (quantiles, errors, means)"),
                       ("keyed", "engine with a stream per stratum (key=, as estimate)"),
                       ("estimate", "sm.estimate(method='monte_carlo') end to end")):
        best = min(runs[key])
        print(f"  {label:<56} {best:7.2f} s   {best / floor:5.2f} x floor")

    strata_small = 5_000
    small = sizes[:strata_small]
    print(f"\n2. memory: {strata_small:,} strata x {draws:,} draws")
    a = traced("engine (chunked), sm.estimate(method='monte_carlo')",
               lambda: sm.estimate(small, outcome, draws=draws, rng=2, method="monte_carlo")[
                   ["pi_lower", "pi_upper"]].to_numpy())
    b = traced("naive (one array, np.quantile)", lambda: naive(small, outcome, draws, 2))
    print(f"  naive array for 100,000 strata would need {100_000 * draws * 8 / 2**30:.1f} GiB;"
          f" largest bound difference engine vs naive (different random streams): "
          f"{np.abs(a - b).max():.0f} patients")

    print("\n3. a total over 5 sites (bone_mets_autopsy, 20,000 patients each)")
    cohort = pd.DataFrame({"primary_site": ["breast", "prostate", "lung", "kidney",
                                            "melanoma"], "n": [20_000] * 5})
    t_exact, exact = timed(lambda: sm.estimate_total(cohort, "bone_mets_autopsy"))
    t_mc, mc = timed(lambda: sm.estimate_total(cohort, "bone_mets_autopsy",
                                               method="monte_carlo", draws=200_000, rng=3))
    for label, t, res in (("exact convolution", t_exact, exact),
                          ("joint Monte Carlo, 200,000 draws", t_mc, mc)):
        row = res.iloc[0]
        print(f"  {label:<36} {t:6.2f} s   pi [{row['pi_lower']:.0f}, {row['pi_upper']:.0f}]"
              f"  mc_error {row['mc_error']:.0f}  ({row['dependence']})")


if __name__ == "__main__":
    main()
