"""Freeze the Monte Carlo stratum streams: ``mc_streams_reference.json``.

Reference for ``test_monte_carlo_streams_are_frozen`` in ``tests/test_estimate.py``. The
engine was rewritten for speed (issue 12 item 5: buffers reused, generators built once per
size with no per-size Python work beyond the draws); its results must stay bit-identical to
the stream definition it had before (counts of a size ``n`` drawn by
``default_rng(SeedSequence(seed, spawn_key=(2, key, bits of float64(n))))``, quantiles and
errors by ``quantiles_with_error``, means from exact integer sums). This file was written by
the engine *before* the rewrite (commit 33454b2 of branch ``mcdask``) with

    python tests/results/make_mc_streams_reference.py

and must not be regenerated from a later engine unless the stream definition itself changes
on purpose (then say so in the changelog: recorded seeds no longer reproduce old results).

Cases (every call below is written into the JSON next to its output):

* ``mc_quantiles(sizes, p, binomial, [0.025, 0.975], default_rng(2026), key=7)`` with
  3,001 draws ``p = default_rng(1).beta(3, 9, 3001)`` and sizes covering 0, 1, repeats,
  10**9 and 2**40 (whose sums of squares overflow int64: the centred-moments branch), with
  the default memory budget and with ``max_bytes = 3 * 8 * 3001`` (chunks of 3 sizes);
* the same with Poisson counts ``g.poisson(size * lam)`` of fractional exposures,
  ``lam = default_rng(5).gamma(20, 1 / 4e5, 3001)``, key 11, seed 77;
* ``sm.estimate(frame, dist, method="monte_carlo", draws=2000, rng=17)`` for a Beta, a
  logit-normal and a Gamma rate on a 60-row table with repeated sizes (as in
  ``tests/test_dask.py``): ``pi_lower``, ``pi_upper``, ``mc_error``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

import spinemets as sm
from spinemets._montecarlo import mc_quantiles

OUT = Path(__file__).with_name("mc_streams_reference.json")
PROBS = [0.025, 0.975]
DRAWS = 3001
BINOMIAL_SIZES = [0, 1, 2, 7, 40, 40, 1000, 123456, 10**9, 7, 3, 2**40, 1]
POISSON_SIZES = [0.0, 0.5, 37.25, 1000.0, 250000.0, 37.25, 3.0e6]


def binomial(g: np.random.Generator, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    return g.binomial(n, p)


def poisson(g: np.random.Generator, size: np.ndarray, lam: np.ndarray) -> np.ndarray:
    return g.poisson(size * lam)


def engine_case(sizes: list, params: np.ndarray, sampler, seed: int, key: int,
                max_bytes: int | None) -> dict:
    kw = {} if max_bytes is None else {"max_bytes": max_bytes}
    res = mc_quantiles(np.asarray(sizes), params, sampler, np.array(PROBS),
                       np.random.default_rng(seed), key=key, **kw)
    return {"sizes": sizes, "seed": seed, "key": key, "max_bytes": max_bytes,
            "values": res.values.tolist(), "error": res.error.tolist(),
            "mean": res.mean.tolist(), "mean_se": res.mean_se.tolist(), "draws": res.draws}


def stream_table(column: str) -> pd.DataFrame:
    """The 60-row table of ``tests/test_dask.py::_stream_table``."""
    g = np.random.default_rng(21)
    sizes = g.choice(np.r_[0, g.integers(1, 5000, 25)], 60)
    if column == "person_years":
        sizes = sizes * 37.25
    return pd.DataFrame({"district": np.arange(60), column: sizes})


ESTIMATE_CASES = {
    "beta": (lambda: sm.Proportion.beta(30, 70, label="a Beta"), "n"),
    "logit-normal": (lambda: sm.Proportion.logit_normal(-0.69, 0.25, label="a logit-normal"),
                     "n"),
    "rate": (lambda: sm.Rate.gamma(20, 4e5, label="a Gamma rate"), "person_years"),
}


def main() -> None:
    p = np.random.default_rng(1).beta(3, 9, DRAWS)
    lam = np.random.default_rng(5).gamma(20, 1 / 4e5, DRAWS)
    small = 3 * 8 * DRAWS
    engine = {
        "binomial": engine_case(BINOMIAL_SIZES, p, binomial, 2026, 7, None),
        "binomial_chunked": engine_case(BINOMIAL_SIZES, p, binomial, 2026, 7, small),
        "poisson": engine_case(POISSON_SIZES, lam, poisson, 77, 11, None),
        "poisson_chunked": engine_case(POISSON_SIZES, lam, poisson, 77, 11, small),
    }
    estimate = {}
    for name, (make, column) in ESTIMATE_CASES.items():
        frame = stream_table(column)
        res = sm.estimate(frame, make(), method="monte_carlo", draws=2000, rng=17)
        estimate[name] = {"column": column, "sizes": frame[column].tolist(),
                          **{c: res[c].tolist() for c in ("pi_lower", "pi_upper", "mc_error")}}
    OUT.write_text(json.dumps({
        "made_by": "python tests/results/make_mc_streams_reference.py (engine before the "
                   "buffer rewrite, branch mcdask commit 33454b2)",
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "numpy": np.__version__, "probs": PROBS, "draws": DRAWS,
        "engine_params": {"binomial": "default_rng(1).beta(3, 9, 3001)",
                          "poisson": "default_rng(5).gamma(20, 1 / 4e5, 3001)"},
        "engine": engine, "estimate": estimate}, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
