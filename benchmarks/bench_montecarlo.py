"""Speed and peak memory of the Monte Carlo route of ``sm.estimate``.

Runs 10^5 strata x 10^4 draws through the chunked engine (a non-Beta outcome, so there is
no exact route) and reports wall time and peak memory; then, on a size both can handle,
compares the engine with the obvious alternative: one (strata x draws) array at once.

Run: python benchmarks/bench_montecarlo.py
"""

from __future__ import annotations

import os
import platform
import resource
import time
import tracemalloc

import numpy as np

import spinemets as sm


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(label, func):
    tracemalloc.start()
    t0 = time.perf_counter()
    out = func()
    elapsed = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<58} {elapsed:8.2f} s   peak traced {peak / 2**20:8.1f} MB")
    return out


def naive(sizes, dist, draws, seed):
    """The obvious alternative: all draws of all strata in one array."""
    gen = np.random.default_rng(seed)
    p = dist.rvs(draws, rng=gen)
    sims = gen.binomial(sizes[:, None], p[None, :])
    return np.quantile(sims, [0.025, 0.975], axis=1, method="inverted_cdf").T


def main() -> None:
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, "
          f"python {platform.python_version()}, numpy {np.__version__}")
    gen = np.random.default_rng(20261129)
    outcome = sm.Proportion.logit_normal(-0.69, 0.25, label="pooled-like")

    strata, draws = 100_000, 10_000
    sizes = np.exp(gen.uniform(0, np.log(10_000), strata)).astype(np.int64)
    res = run(f"engine: {strata:,} strata x {draws:,} draws (chunked)",
              lambda: sm.estimate(sizes, outcome, draws=draws, rng=1))
    print(f"  largest Monte Carlo error of a bound: {res['mc_error'].max():.0f} patients; "
          f"process peak RSS so far {peak_rss_mb():.0f} MB")

    strata_small = 5_000
    small = sizes[:strata_small]
    a = run(f"engine: {strata_small:,} strata x {draws:,} draws (chunked)",
            lambda: sm.estimate(small, outcome, draws=draws, rng=2)[["pi_lower", "pi_upper"]]
            .to_numpy())
    b = run(f"naive:  {strata_small:,} strata x {draws:,} draws (one array)",
            lambda: naive(small, outcome, draws, 2))
    print(f"  naive array would need {strata * draws * 8 / 2**30:.1f} GiB for the full "
          f"{strata:,} x {draws:,} run; largest bound difference engine vs naive (different "
          f"random streams): {np.abs(a - b).max():.0f} patients")


if __name__ == "__main__":
    main()
