"""Benchmark of the exact predictive counts of :func:`spinemets.estimate`.

Run ``python benchmarks/bench_exact.py``.  10**5 strata with ``n`` log-uniform on
[1, 10**6]:

1. the pooled autopsy prevalence (logit-normal) exact, both tails (target <= 1 s), against
   the Monte Carlo route on a subsample (scaled to 10**5 rows);
2. a Beta parameter, both tails (target <= 0.5 s), against ``scipy.stats.betabinom.ppf``
   per row on a sample (scaled) and the ``scipy.stats.beta.ppf`` floor on the same rows
   (the cost of one continuous quantile per row and tail);
3. a Gamma rate with person-years log-uniform on [1, 10**7] against
   ``scipy.stats.nbinom.ppf`` (target <= 1.5x);
4. memory: peak and retained bytes per row of ``estimate`` on 10**6 rows, beyond the
   input, in fresh processes (target <= 100 bytes/row): tracemalloc plus the peak of
   pyarrow's memory pool (which tracemalloc does not see), and the growth of the resident
   set size as a second, allocator-independent figure;
5. ``beta_from_range(..., method="maxent")`` warm, on the PreliZ reference ranges of the
   tests (target <= 2 ms), against the thorough grid search it replaced;
6. ``import spinemets`` against ``import numpy, pandas, scipy.stats`` in fresh processes
   with byte-code caching on (target <= 1.1x).

Times are wall-clock on this machine, best of two runs after a warm-up.
"""

from __future__ import annotations

import gc
import os
import platform
import subprocess
import sys
import tempfile
import time
import tracemalloc
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
          f"{platform.python_version()}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f} at the start")
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
    print(f"exact estimate(): {t_exact:.2f} s (kernel alone on every row, without the "
          f"de-duplication of sizes: {t_kernel:.2f} s; target <= 1 s: "
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
    print(f"estimate(): {t_beta:.2f} s (kernel alone on every row: {t_bk:.2f} s; "
          f"{np.unique(n).size:,} distinct sizes; target <= 0.5 s: "
          f"{'met' if t_beta <= 0.5 else 'not met'})")
    print(f"scipy.stats.betabinom.ppf per row: {t_scipy / SAMPLE * 1e3:.2f} ms/row -> "
          f"{t_scipy / SAMPLE * ROWS:.0f} s scaled; identical on {same:.1%} of {SAMPLE} rows")
    print(f"scipy.stats.beta.ppf floor (2 x {ROWS:,} continuous quantiles): {t_floor:.2f} s; "
          f"estimate() / floor = {t_beta / t_floor:.1f}x (target <= 4x); per row "
          f"{t_scipy / SAMPLE * ROWS / t_beta:,.0f}x faster than betabinom.ppf "
          f"(target >= 10,000x)")

    print(f"\n== Gamma rate, {ROWS:,} strata (person-years log-uniform to 1e7), both tails")
    years = log_uniform(rng, 1, 1e7, ROWS)
    rate = sm.Rate.gamma(229.5, 1e6, label="rate")
    res_r, t_rate = best_of(lambda: sm.estimate(years, rate))
    r_ref, t_nb = best_of(lambda: stats.nbinom.ppf(np.array([[0.025], [0.975]]), 229.5,
                                                   1e6 / (1e6 + years[None, :])))
    same_r = np.mean((r_ref[0] == res_r["pi_lower"].to_numpy())
                     & (r_ref[1] == res_r["pi_upper"].to_numpy()))
    print(f"estimate(): {t_rate:.2f} s; scipy.stats.nbinom.ppf alone {t_nb:.2f} s "
          f"({t_rate / t_nb:.2f}x, target <= 1.5x); identical on {same_r:.1%} of rows")

    memory()
    maxent()
    import_time()


MEMORY_CASES = ("Beta", "Gamma rate")


def memory_inputs(case: str, rows: int) -> tuple[np.ndarray, sm.Proportion | sm.Rate]:
    """The sizes and parameter of a memory case (its own seed: run in a fresh process)."""
    rng = np.random.default_rng([SEED, rows])
    if case == "Beta":
        return (np.floor(log_uniform(rng, 1, 1e6, rows)).astype(np.int64),
                sm.Proportion.beta(258.5, 584.5, label="beta"))
    return log_uniform(rng, 1, 1e7, rows), sm.Rate.gamma(229.5, 1e6, label="rate")


def _rss_bytes() -> int:
    """Resident set size of this process now (Linux ``/proc/self/statm``)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def memory_probe(case: str, mode: str, rows: int) -> None:
    """One measurement of ``estimate`` on ``rows`` rows in this (fresh) process; prints JSON.

    ``trace``: tracemalloc peak and retained bytes, plus the peak of pyarrow's memory pool
    during the call (pandas 3 ``str`` columns live there, unseen by tracemalloc) and the
    result's ``memory_usage(deep=True)``. ``rss``: growth of the resident set size at the
    call's peak (``ru_maxrss`` after the call over the RSS before it) -- an upper bound that
    also counts allocator slack and pages first touched, and sees every allocator.
    """
    import json
    import resource

    sizes, dist = memory_inputs(case, rows)
    sm.estimate(sizes[:10], dist)  # warm-up: imports and caches are not per-row memory
    gc.collect()
    out: dict[str, float] = {}
    if mode == "rss":
        before = _rss_bytes()
        res = sm.estimate(sizes, dist)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
        out["rss_peak"] = max(peak - before, 0) / rows
    else:
        try:
            import pyarrow
            pool = pyarrow.default_memory_pool()
        except ImportError:  # no pyarrow: nothing can be there
            pool = None
        arrow_before = pool.max_memory() if pool is not None else 0
        tracemalloc.start()
        res = sm.estimate(sizes, dist)
        kept, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        arrow_peak = (pool.max_memory() - arrow_before) if pool is not None else 0
        out.update(peak=peak / rows, kept=kept / rows, arrow_peak=max(arrow_peak, 0) / rows,
                   deep=res.memory_usage(deep=True).sum() / rows)
    print(json.dumps(out))


def memory(rows: int = 1_000_000) -> None:
    """Peak and retained memory of estimate() per row, beyond the input, in fresh processes."""
    import json

    print(f"\n== memory, {rows:,} rows (bytes per row beyond the input; fresh process each)")
    for case in MEMORY_CASES:
        fig: dict[str, float] = {}
        for mode in ("trace", "rss"):
            done = subprocess.run([sys.executable, __file__, "--memory-probe", case, mode,
                                   str(rows)], capture_output=True, text=True, check=True)
            fig.update(json.loads(done.stdout.splitlines()[-1]))
        worst = fig["peak"] + fig["arrow_peak"]
        print(f"{case}: peak {fig['peak']:.0f} B/row traced (tracemalloc) + "
              f"{fig['arrow_peak']:.0f} B/row in pyarrow's pool (unseen by tracemalloc) = "
              f"{worst:.0f} B/row (target <= 100: {'met' if worst <= 100 else 'not met'}); "
              f"result kept {fig['kept']:.0f} B/row traced, its memory_usage(deep=True) "
              f"{fig['deep']:.0f} B/row; resident set growth at the peak "
              f"{fig['rss_peak']:.0f} B/row (RSS, every allocator, an upper bound)")


def maxent() -> None:
    """beta_from_range(method='maxent') warm, against the thorough search."""
    from spinemets._encodings import _maxent_search  # the route it replaced, for reference

    ranges = ((0.10, 0.40, 0.95), (0.65, 0.75, 0.90), (0.00, 0.20, 0.90), (0.10, 0.40, 0.50),
              (0.01, 0.02, 0.30), (0.30, 0.90, 0.20))
    print("\n== beta_from_range(method='maxent'), warm, PreliZ reference ranges of the tests")
    fast, slow = [], []
    for low, high, mass in ranges:
        sm.beta_from_range(low, high, mass, method="maxent")
        fast.append(best_of(lambda: sm.beta_from_range(low, high, mass,  # noqa: B023
                                                       method="maxent"), repeat=5)[1])
        slow.append(best_of(lambda: _maxent_search(low, high, mass), repeat=2)[1])  # noqa: B023
    print(f"median {np.median(fast) * 1e3:.1f} ms, worst {max(fast) * 1e3:.1f} ms "
          f"(target <= 2 ms); thorough grid search {np.median(slow) * 1e3:.1f} ms median")


def import_time(repeat: int = 7) -> None:
    """``import spinemets`` against ``import numpy, pandas, scipy.stats``.

    Fresh processes with the byte-code cache on (as for an installed package). Two figures:
    wall-clock, best of ``repeat`` interleaved runs; and, less exposed to a busy machine,
    ``-X importtime`` in one process that imports numpy, pandas and scipy.stats and then
    spinemets, so both parts are timed at the same moment (median ratio of the runs).
    """
    print("\n== import time, fresh processes, best of", repeat)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="spinemets-pycache-")
    code = ("import time; t = time.perf_counter(); import {mods}; "
            "print(time.perf_counter() - t)")

    def run(mods: str) -> float:
        out = subprocess.run([sys.executable, "-c", code.format(mods=mods)], env=env,
                             capture_output=True, text=True, check=True)
        return float(out.stdout)

    def split() -> tuple[float, float]:
        """Cumulative import times (s) of numpy + pandas + scipy.stats, then spinemets."""
        out = subprocess.run([sys.executable, "-X", "importtime", "-c",
                              "import numpy, pandas, scipy.stats; import spinemets"],
                             env=env, capture_output=True, text=True, check=True)
        top = {}
        for line in out.stderr.splitlines():
            parts = line.split("|")
            if len(parts) == 3 and parts[1].strip().isdigit() and not parts[2].startswith("  "):
                top[parts[2].strip()] = int(parts[1]) / 1e6
        base = sum(top.get(m, 0.0) for m in ("numpy", "pandas", "scipy.stats"))
        return base, top["spinemets"]

    run("spinemets")  # writes the byte-code cache
    base, ours = np.inf, np.inf
    for _ in range(repeat):  # interleaved, so a busy spell of the machine hits both
        base = min(base, run("numpy, pandas, scipy.stats"))
        ours = min(ours, run("spinemets"))
    print(f"wall clock: import numpy, pandas, scipy.stats {base:.3f} s; import spinemets "
          f"{ours:.3f} s ({ours / base:.2f}x, target <= 1.1x)")
    splits = [split() for _ in range(repeat)]
    ratio = float(np.median([(b + o) / b for b, o in splits]))
    print(f"-X importtime, same process: spinemets adds {np.median([o for _, o in splits]):.3f}"
          f" s to numpy + pandas + scipy.stats ({np.median([b for b, _ in splits]):.3f} s): "
          f"{ratio:.2f}x (target <= 1.1x)")

if __name__ == "__main__":
    if sys.argv[1:2] == ["--memory-probe"]:
        memory_probe(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        main()
