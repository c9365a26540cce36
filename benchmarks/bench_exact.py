"""Benchmark of the exact predictive counts of :func:`spinemets.estimate`.

Run ``python benchmarks/bench_exact.py``.  10**5 strata with ``n`` log-uniform on
[1, 10**6]:

1. the pooled autopsy prevalence (logit-normal) exact, both tails (target <= 1 s), against
   the Monte Carlo route on a subsample (scaled to 10**5 rows);
2. a Beta parameter, both tails (target <= 0.5 s), against ``scipy.stats.betabinom.ppf``
   per row on a sample (scaled) and the ``scipy.stats.beta.ppf`` floor on the same rows
   (the cost of one continuous quantile per row and tail);
3. a Gamma rate with person-years log-uniform on [1, 10**7] against
   ``scipy.stats.nbinom.ppf``.

Times are wall-clock on this machine, best of two runs after a warm-up.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import stats

import spinemets as sm
from spinemets.counts import mixed_binomial_ppf

SEED = 20240601
ROWS = 100_000
MC_ROWS = 1_000
SAMPLE = 300


def log_uniform(rng: np.random.Generator, lo: float, hi: float, size: int) -> np.ndarray:
    return np.exp(rng.uniform(np.log(lo), np.log(hi), size))


def best_of(fn: Callable[[], Any], repeat: int = 2) -> tuple[Any, float]:
    out, best = None, np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return out, best


def main() -> None:
    print(f"spinemets {sm.__version__}, numpy {np.__version__}, python "
          f"{platform.python_version()}, {os.cpu_count()} CPUs")
    rng = np.random.default_rng(SEED)
    n = np.floor(log_uniform(rng, 1, 1e6, ROWS)).astype(np.int64)
    sm.estimate(n[:50], "spinal_mets_autopsy")  # warm-up (imports, caches)

    print(f"\n== logit-normal (spinal_mets_autopsy), {ROWS:,} strata, both tails")
    res, t_exact = best_of(lambda: sm.estimate(n, "spinal_mets_autopsy"))
    assert (res["method"] == "exact").all()
    p = sm.parameter("spinal_mets_autopsy")
    _, t_kernel = best_of(lambda: mixed_binomial_ppf([[0.025], [0.975]], n[None, :], p))
    sub = n[:MC_ROWS]
    mc, t_mc = best_of(lambda: sm.estimate(sub, p, method="monte_carlo", rng=1), repeat=1)
    print(f"exact estimate(): {t_exact:.2f} s (kernel alone {t_kernel:.2f} s; target <= 1 s: "
          f"{'met' if t_exact <= 1 else 'not met'})")
    print(f"Monte Carlo route: {t_mc:.2f} s for {MC_ROWS:,} rows -> "
          f"{t_mc * ROWS / MC_ROWS:.0f} s scaled to {ROWS:,}")
    ex = res.iloc[:MC_ROWS]
    gap = np.maximum(np.abs(ex["pi_lower"].to_numpy() - mc["pi_lower"].to_numpy()),
                     np.abs(ex["pi_upper"].to_numpy() - mc["pi_upper"].to_numpy()))
    within = np.mean(gap <= mc["mc_error"].to_numpy() + 1)
    print(f"exact vs Monte Carlo on those rows: {within:.1%} within the MC error + 1")

    print(f"\n== Beta(258.5, 584.5), {ROWS:,} strata, both tails")
    beta = sm.Proportion.beta(258.5, 584.5, label="beta")
    sm.estimate(n[:50], beta)
    res_b, t_beta = best_of(lambda: sm.estimate(n, beta))
    _, t_bk = best_of(lambda: sm.counts.betabinom_ppf([[0.025], [0.975]], n[None, :],
                                                     258.5, 584.5))
    idx = np.sort(rng.choice(ROWS, SAMPLE, replace=False))
    ref, t_scipy = best_of(lambda: np.stack([stats.betabinom.ppf([0.025, 0.975], k, 258.5,
                                                                 584.5) for k in n[idx]]),
                           repeat=1)
    _, t_floor = best_of(lambda: stats.beta.ppf(np.array([[0.025], [0.975]]), 258.5,
                                                584.5 + 0 * n[None, :]))
    same = np.mean((ref[:, 0] == res_b["pi_lower"].to_numpy()[idx])
                   & (ref[:, 1] == res_b["pi_upper"].to_numpy()[idx]))
    print(f"estimate(): {t_beta:.2f} s (kernel alone {t_bk:.2f} s; target <= 0.5 s: "
          f"{'met' if t_beta <= 0.5 else 'not met'})")
    print(f"scipy.stats.betabinom.ppf per row: {t_scipy / SAMPLE * 1e3:.2f} ms/row -> "
          f"{t_scipy / SAMPLE * ROWS:.0f} s scaled; identical on {same:.1%} of {SAMPLE} rows")
    print(f"scipy.stats.beta.ppf floor (2 x {ROWS:,} continuous quantiles): {t_floor:.2f} s")

    print(f"\n== Gamma rate, {ROWS:,} strata (person-years log-uniform to 1e7), both tails")
    years = log_uniform(rng, 1, 1e7, ROWS)
    rate = sm.Rate.gamma(229.5, 1e6, label="rate")
    res_r, t_rate = best_of(lambda: sm.estimate(years, rate))
    r_ref, t_nb = best_of(lambda: stats.nbinom.ppf(np.array([[0.025], [0.975]]), 229.5,
                                                   1e6 / (1e6 + years[None, :])))
    same_r = np.mean((r_ref[0] == res_r["pi_lower"].to_numpy())
                     & (r_ref[1] == res_r["pi_upper"].to_numpy()))
    print(f"estimate(): {t_rate:.2f} s; scipy.stats.nbinom.ppf alone {t_nb:.2f} s; "
          f"identical on {same_r:.1%} of rows")


if __name__ == "__main__":
    main()
