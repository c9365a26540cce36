"""Speed and peak memory of the Monte Carlo engine, side by side with the numpy draw floor.

1. The engine against **its own floor**: ``estimate`` simulates each distinct stratum size
   once, from that size's own generator (child ``(2, key, size)`` of the seed). The floor
   is that and nothing else: for every distinct size, build the same generator and make the
   same ``rng.binomial`` call (the same draws), and throw the counts away. The engine
   (``mc_quantiles(..., key=)``: the same draws, then quantiles, Monte Carlo errors and
   means) is timed against it in processor time of this process (wall-clock time on a
   shared machine measures the other jobs too), alternated slice by slice over the sizes,
   twice; the ratio engine / floor is the engine's overhead. Then ``sm.estimate`` end to
   end, and the old comparison: the floor of drawing every stratum (``rng.binomial`` on
   the engine's chunk shapes) and the engine without stratum streams on those draws (best
   of two).
2. Peak memory: the engine against the obvious alternative, one (strata x draws) array
   with ``np.quantile``.
3. Totals over several parameters: the exact convolution route of ``sm.estimate_total``
   against its joint Monte Carlo route.

Runs in about three minutes on a loaded 2-core machine. Run: python benchmarks/bench_montecarlo.py
"""

from __future__ import annotations

import functools
import os
import platform
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

import spinemets as sm
from spinemets._montecarlo import DEFAULT_MAX_BYTES, _size_keys, mc_quantiles, stream

PROBS = np.array([0.025, 0.975])


def timed(func: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = func()
    return time.perf_counter() - t0, out


def cpu_timed(func: Callable[[], Any]) -> tuple[float, float]:
    """Processor seconds of this process and wall-clock seconds of ``func()``."""
    c0, t0 = time.process_time(), time.perf_counter()
    func()
    return time.process_time() - c0, time.perf_counter() - t0


def traced(label: str, func: Callable[[], Any]) -> Any:
    tracemalloc.start()
    elapsed, out = timed(func)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  {label:<56} {elapsed:7.2f} s   peak traced {peak / 2**20:7.1f} MB")
    return out


def chunk_rows(draws: int) -> int:
    return max(1, int(DEFAULT_MAX_BYTES // (8 * draws)))


def binomial(g: np.random.Generator, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    return g.binomial(n, p)


def draw_floor(sizes: np.ndarray, p: np.ndarray, seed: int) -> None:
    """Only the binomial draws of every stratum, on the unkeyed engine's chunk shapes."""
    rng = np.random.default_rng(seed)
    step = chunk_rows(p.size)
    for start in range(0, sizes.size, step):
        rng.binomial(sizes[start:start + step, None], p[None, :])


def stream_floor(sizes: np.ndarray, p: np.ndarray, seed: int, key: int) -> None:
    """Only the draws the stratum streams make: per distinct size, its generator and the
    sampler call the engine makes (the same draws), the counts thrown away."""
    distinct = np.unique(sizes)
    column, params = distinct[:, None], p[None, :]
    for i, bits in enumerate(_size_keys(distinct)):
        binomial(stream(seed, 2, key, bits), column[i:i + 1], params)


def engine(sizes: np.ndarray, p: np.ndarray, seed: int, key: int | None = None) -> None:
    mc_quantiles(sizes, p, binomial, PROBS, np.random.default_rng(seed), key=key)


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
    distinct = np.unique(sizes).size
    print(f"load average before the run: {os.getloadavg()[0]:.1f}")
    print(f"\n1. {strata:,} strata x {draws:,} draws of a logit-normal parameter, "
          f"{distinct:,} distinct sizes")
    # Each size has its own stream, so the distinct sizes can be split into slices and the
    # floor and the engine alternated slice by slice (in alternating order): a change of
    # load during the run then hits both alike.
    slices = np.array_split(np.unique(sizes), 30)
    print(f"  engine against its floor (the same generators and draws), alternated over "
          f"{len(slices)} slices of ~{slices[0].size} sizes; processor time of this process "
          "(wall clock in brackets: other jobs share the cores):")
    rounds = []
    for _ in range(2):
        total = np.zeros((2, 2))  # (floor, engine) x (processor, wall)
        ratios = []
        for j, part in enumerate(slices):
            pair = [functools.partial(stream_floor, part, p, 2, 1),
                    functools.partial(engine, part, p, 2, key=1)]
            order = (0, 1) if j % 2 == 0 else (1, 0)
            got = {k: cpu_timed(pair[k]) for k in order}
            total += np.array([got[0], got[1]])
            ratios.append(got[1][0] / got[0][0])
        rounds.append(total[1, 0] / total[0, 0])
        print(f"    floor {total[0, 0]:6.2f} s ({total[0, 1]:5.2f})   engine {total[1, 0]:6.2f} s "
              f"({total[1, 1]:5.2f})   ratio {rounds[-1]:5.3f}   (slices: median "
              f"{float(np.median(ratios)):5.3f})")
    floor, best = total[0, 0], total[1, 0]  # the last round
    est = min(cpu_timed(lambda: sm.estimate(sizes, outcome, draws=draws, rng=2,
                                            method="monte_carlo"))[0] for _ in range(2))
    print(f"  {'sm.estimate(method=monte_carlo) end to end (best of 2)':<56} {est:7.2f} s"
          f"   {est / floor:5.2f} x floor")
    print("  old comparison: every stratum drawn (no stratum streams), processor time, best "
          "of 2:")
    runs: dict[str, list[float]] = {"all": [], "unkeyed": []}
    for _ in range(2):
        runs["all"].append(cpu_timed(lambda: draw_floor(sizes, p, 2))[0])
        runs["unkeyed"].append(cpu_timed(lambda: engine(sizes, p, 2))[0])
    all_floor = min(runs["all"])
    for key, label in (("all", "draw floor: rng.binomial on every stratum"),
                       ("unkeyed", "engine without stratum streams, same draws")):
        t = min(runs[key])
        print(f"    {label:<54} {t:7.2f} s   {t / all_floor:5.2f} x")
    print(f"    stratum streams (engine above) {best:.2f} s: {best / all_floor:.2f} x the "
          "all-strata floor")

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
