"""Benchmark of :mod:`spinemets.counts` against SciPy.

Run ``python benchmarks/bench_counts.py``.  For 10**5 rows with ``n``
log-uniform on [1, 10**6] (beta-binomial) or a mean count log-uniform over a
similar range (Poisson-gamma) it times the vectorised quantile for q = 0.025
and q = 0.975, times SciPy on a random sample of the same rows, and reports the
speed-up and the largest deviation from SciPy on that sample.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable

import numpy as np
from scipy import stats

from spinemets.counts import (
    N_EXACT,
    betabinom_moments,
    betabinom_ppf,
    poisson_gamma_moments,
    poisson_gamma_ppf,
)

SEED = 20240601
ROWS = 100_000
SAMPLE = 200
QUANTILES = (0.025, 0.975)


def log_uniform(rng: np.random.Generator, lo: float, hi: float, size: int) -> np.ndarray:
    return np.exp(rng.uniform(np.log(lo), np.log(hi), size))


def timed(fn: Callable[[], np.ndarray]) -> tuple[np.ndarray, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def report(
    label: str,
    fast: Callable[[float, np.ndarray], np.ndarray],
    slow: Callable[[float, np.ndarray], np.ndarray],
    sd: np.ndarray,
    exact_rows: np.ndarray,
    rng: np.random.Generator,
    slow_on_all_rows: bool = False,
) -> None:
    print(f"\n== {label}")
    sample = np.sort(rng.choice(ROWS, SAMPLE, replace=False))
    for q in QUANTILES:
        fast(q, np.arange(10))  # warm-up
        got, t_fast = timed(lambda q=q: fast(q, np.arange(ROWS)))
        want, t_slow = timed(lambda q=q: slow(q, sample))
        per_fast = t_fast / ROWS
        per_slow = t_slow / SAMPLE
        dev = np.abs(got[sample] - want)
        same = exact_rows[sample]
        print(f"q = {q}")
        print(f"  spinemets: {ROWS} rows in {t_fast:.3f} s  ({per_fast * 1e6:.2f} us/row)")
        print(
            f"  scipy:     {SAMPLE} sampled rows in {t_slow:.3f} s  ({per_slow * 1e6:.2f} us/row)"
        )
        print(f"  speed-up per row: {per_slow / per_fast:,.1f}x")
        if slow_on_all_rows:  # cheap enough to time on every row (no per-call overhead bias)
            _, t_all = timed(lambda q=q: slow(q, np.arange(ROWS)))
            print(
                f"  scipy on all {ROWS} rows: {t_all:.3f} s ({t_all / ROWS * 1e6:.2f} us/row); "
                f"speed-up {t_all / t_fast:.2f}x"
            )
        print(
            f"  max |deviation| on the sample: {dev.max():.0f} (units), "
            f"{(dev / np.maximum(sd[sample], 1e-300)).max():.2e} (sd); "
            f"identical: {int((dev == 0).sum())}/{SAMPLE} rows, "
            f"{int((dev[same] == 0).sum())}/{int(same.sum())} rows in the exact range"
        )


def main() -> None:
    print(f"machine: {platform.platform()}; {platform.processor() or platform.machine()}")
    print(f"python {platform.python_version()}, numpy {np.__version__}, cpu count {os.cpu_count()}")
    rng = np.random.default_rng(SEED)

    # beta-binomial rows
    n = np.round(log_uniform(rng, 1.0, 1e6, ROWS))
    a = log_uniform(rng, 0.5, 500.0, ROWS)
    b = log_uniform(rng, 0.5, 2000.0, ROWS)
    sd_bb = np.sqrt(betabinom_moments(n, a, b)[1])
    report(
        "beta-binomial: betabinom_ppf vs scipy.stats.betabinom.ppf "
        f"(n log-uniform 1..1e6, a in [0.5, 500], b in [0.5, 2000]; exact range n <= {N_EXACT})",
        lambda q, i: betabinom_ppf(q, n[i], a[i], b[i]),
        lambda q, i: stats.betabinom.ppf(q, n[i], a[i], b[i]),
        sd_bb,
        n <= N_EXACT,
        rng,
    )

    # Poisson-gamma rows
    shape = log_uniform(rng, 0.5, 500.0, ROWS)
    rate = log_uniform(rng, 0.5, 2000.0, ROWS)
    exposure = log_uniform(rng, 1.0, 1e6, ROWS)
    mean_pg, var_pg = poisson_gamma_moments(shape, rate, exposure)
    report(
        "Poisson-gamma: poisson_gamma_ppf vs scipy.stats.nbinom.ppf "
        "(shape in [0.5, 500], rate in [0.5, 2000], exposure log-uniform 1..1e6)",
        lambda q, i: poisson_gamma_ppf(q, shape[i], rate[i], exposure[i]),
        lambda q, i: stats.nbinom.ppf(q, shape[i], rate[i] / (rate[i] + exposure[i])),
        np.sqrt(var_pg),
        mean_pg <= N_EXACT,
        rng,
        slow_on_all_rows=True,
    )


if __name__ == "__main__":
    main()
