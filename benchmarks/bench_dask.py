"""Benchmark: a synthetic national strata table through Dask, beside the pandas path.

Run ``python benchmarks/bench_dask.py --strata 10000000`` (default ``--strata 1000000``;
needs ``pip install "spinemets[dask]"``). The table has one row per district x primary site
x age band x sex x year, with a cohort size ``n`` (Poisson, mean 40); the outcome is the
autopsy bone-metastasis prevalence by primary site (``bone_mets_autopsy``: exact
beta-binomial and mixed-binomial predictive intervals for every row).

The same run measures

1. **pandas**: ``sm.estimate`` on the whole table in one process (a fresh spawned process,
   so its peak memory is its own);
2. **Dask**: ``sm.estimate`` on the same table split into partitions, generated on the
   workers of a ``distributed.LocalCluster`` (``--workers`` processes, one thread each),
   reduced to column sums on the cluster (the national result never travels whole);
3. ``sm.estimate_total`` both ways (Dask reduces per-site sums first).

It prints wall-clock seconds, throughput (strata per second) and the peak resident memory
of each process (``ru_maxrss``: the pandas process, each Dask worker), after a warm-up that
builds the catalogue's parameters in every process, and checks that both paths give the
same sums.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import multiprocessing
import os
import platform
import resource
import sys
import time

import numpy as np
import pandas as pd

import spinemets as sm

OUTCOME = "bone_mets_autopsy"
SITES = ("breast", "prostate", "lung", "kidney", "melanoma")
AGE_BANDS = tuple(f"{a}-{a + 4}" for a in range(40, 90, 5))
SEED = 20261206


def national_partition(number: int, rows: int) -> pd.DataFrame:
    """Partition ``number`` of the synthetic table: ``rows`` strata, reproducible."""
    g = np.random.default_rng([SEED, number])
    return pd.DataFrame({
        "district": g.integers(0, 5000, rows).astype(np.int32),
        "primary_site": pd.array(g.choice(SITES, rows), dtype="str"),
        "age_band": pd.array(g.choice(AGE_BANDS, rows), dtype="str"),
        "sex": pd.array(g.choice(("F", "M"), rows), dtype="str"),
        "year": g.integers(2015, 2025, rows).astype(np.int16),
        "n": g.poisson(40, rows).astype(np.int64),
    })


def partition_sizes(strata: int, partitions: int) -> list[int]:
    base, extra = divmod(strata, partitions)
    return [base + (i < extra) for i in range(partitions)]


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MB (ru_maxrss is in kB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


SUMS = ["n", "mean", "pi_lower", "pi_upper"]


def pandas_run(strata: int, partitions: int) -> dict:
    """The pandas path in this (fresh) process: the same table, one call."""
    sm.parameters()  # warm-up: build the catalogue's parameters
    table = pd.concat([national_partition(i, r)
                       for i, r in enumerate(partition_sizes(strata, partitions))],
                      ignore_index=True)
    t0 = time.perf_counter()
    res = sm.estimate(table, OUTCOME)
    sums = res[SUMS].sum()
    t1 = time.perf_counter()
    total = sm.estimate_total(table, OUTCOME, rng=1)
    t2 = time.perf_counter()
    return {"seconds": t1 - t0, "total_seconds": t2 - t1, "sums": sums.to_dict(),
            "total": total[["n", "pi_lower", "pi_upper"]].iloc[0].to_dict(),
            "peak_mb": peak_rss_mb()}


def dask_run(client, strata: int, partitions: int) -> dict:
    import dask.dataframe as dd

    client.run(sm.parameters)  # warm-up, as for pandas
    meta = national_partition(0, 0)
    sizes = partition_sizes(strata, partitions)
    table = dd.from_map(national_partition, list(range(partitions)), sizes, meta=meta)
    t0 = time.perf_counter()
    res = sm.estimate(table, OUTCOME)  # lazy
    sums = res[SUMS].sum().compute()
    t1 = time.perf_counter()
    total = sm.estimate_total(table, OUTCOME, rng=1).compute()
    t2 = time.perf_counter()
    peaks = client.run(peak_rss_mb)
    return {"seconds": t1 - t0, "total_seconds": t2 - t1, "sums": sums.to_dict(),
            "total": total[["n", "pi_lower", "pi_upper"]].iloc[0].to_dict(),
            "peak_mb": list(peaks.values())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--strata", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--partitions", type=int, default=None,
                        help="default: one per 250,000 strata, at least 2 per worker")
    parser.add_argument("--skip-pandas", action="store_true",
                        help="only the Dask path (for tables too large for one process)")
    args = parser.parse_args()
    from distributed import Client, LocalCluster

    partitions = args.partitions or max(2 * args.workers, -(-args.strata // 250_000))
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, spinemets {sm.__version__}")
    print(f"load average before the run: {os.getloadavg()[0]:.1f} (other work on the machine "
          f"competes for the same cores)")
    print(f"table: {args.strata:,} strata ({OUTCOME}), {partitions} partitions, "
          f"{args.workers} worker processes x 1 thread")
    pandas = None
    if not args.skip_pandas:
        ctx = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(1, mp_context=ctx) as pool:
            pandas = pool.submit(pandas_run, args.strata, partitions).result()
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        dask = dask_run(client, args.strata, partitions)
    print(f"load average after the run: {os.getloadavg()[0]:.1f}")
    rows = []
    if pandas is not None:
        rows.append(("pandas, 1 process", pandas["seconds"], pandas["total_seconds"],
                     f"{pandas['peak_mb']:.0f}"))
    rows.append((f"Dask, {args.workers} workers", dask["seconds"], dask["total_seconds"],
                 " / ".join(f"{m:.0f}" for m in dask["peak_mb"])))
    print(f"\n{'engine':<20} {'estimate s':>11} {'strata/s':>11} {'total s':>8} "
          f"{'peak MB per process':>20}")
    for name, sec, tot, mem in rows:
        print(f"{name:<20} {sec:>11.1f} {args.strata / sec:>11,.0f} {tot:>8.1f} {mem:>20}")
    if pandas is not None:
        same = all(np.isclose(pandas["sums"][k], dask["sums"][k], rtol=1e-12, atol=0)
                   for k in SUMS) and pandas["total"] == dask["total"]
        print(f"\nspeed-up {pandas['seconds'] / dask['seconds']:.2f}x; same sums and total: "
              f"{same}")
        if not same:
            sys.exit(1)


if __name__ == "__main__":  # required: the cluster's worker processes re-import this script
    main()
