"""Regenerate ``pm_reference.json``: Paule-Mandel random-effects fits from statsmodels.

Reference for ``TestAgainstStatsmodels.test_pooled_logit`` (method "PM") in
``tests/test_synthesis.py``.  For each seed 0..7 the script draws the same studies as the
test's ``_random_studies(seed, k=4 + seed)``, forms the logit proportions and their
variances (0.5 added to both cells of studies with 0 or n events, as the test's
``_logit_data``) and fits them with the **public** statsmodels API

    statsmodels.stats.meta_analysis.combine_effects(
        yi, vi, method_re="iterated", atol=1e-12, maxiter=500, tau2_start=<start>)

whose "iterated" method is the Paule-Mandel estimator.  Its iteration can overshoot to a
negative estimating equation and then returns tau2 = 0 (see
``test_statsmodels_pm_overshoot``), so the starts 0, DL/2, DL/4 and DL are tried in that
order (DL = max(0, DerSimonian-Laird tau2 from ``combine_effects(yi, vi, method_re="dl")``))
and the first one is kept whose result solves the Paule-Mandel equation
``sum w_i (y_i - mu)^2 = k - 1`` (``w_i = 1 / (v_i + tau2)``) to 1e-10.  As an independent
check, the root of that equation is also found with ``scipy.optimize.brentq``; the script
stops if the two differ by more than 1e-9.

The JSON holds, per seed, the data, the start used, both tau2 values and the statsmodels
quantities the test compares with (names as in ``CombineResults``; ``ci_re`` and ``ci_fe``
from ``conf_int(alpha=0.05, use_t=False)``, ``ci_hk`` from ``conf_int(alpha=0.05,
use_t=True)[3]``), plus the call, library versions and date.

    python tests/results/make_pm_reference.py
"""

from __future__ import annotations

import datetime
import json
import platform
from pathlib import Path

import numpy as np
import scipy
import statsmodels
from scipy import optimize, special
from statsmodels.stats.meta_analysis import combine_effects

SEEDS = range(8)
PM_OPTIONS = {"atol": 1e-12, "maxiter": 500}
EQUATION_TOL = 1e-10  # |sum w (y - mu)^2 - (k - 1)| accepted as converged
AGREEMENT_TOL = 1e-9  # statsmodels vs brentq tau2


def studies(seed: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Events and totals, drawn exactly as the test's ``_random_studies``."""
    rng = np.random.default_rng(seed)
    n = rng.integers(15, 800, k)
    p = special.expit(rng.normal(-1.2, 0.8, k))
    return rng.binomial(n, p), n


def logit_data(events: np.ndarray, totals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Logit proportions and variances, 0.5 added to both cells of 0 or n events."""
    x, n = events.astype(float), totals.astype(float)
    c = np.where((x == 0) | (x == n), 0.5, 0.0)
    return np.log((x + c) / (n - x + c)), 1.0 / (x + c) + 1.0 / (n - x + c)


def pm_equation(tau2: float, y: np.ndarray, v: np.ndarray) -> float:
    """``sum w (y - mu)^2 - (k - 1)``; decreasing in tau2, zero at the Paule-Mandel value."""
    w = 1.0 / (v + tau2)
    mu = np.sum(w * y) / np.sum(w)
    return float(np.sum(w * (y - mu) ** 2) - (len(y) - 1))


def pm_brentq(y: np.ndarray, v: np.ndarray) -> float:
    """Paule-Mandel tau2 by bracketing the root of :func:`pm_equation` (0 if none)."""
    if pm_equation(0.0, y, v) <= 0.0:
        return 0.0
    hi = 1.0
    while pm_equation(hi, y, v) > 0.0:
        hi *= 2.0
    return float(optimize.brentq(pm_equation, 0.0, hi, args=(y, v), xtol=1e-15, rtol=1e-15,
                                 maxiter=500))


def summary(res) -> dict:
    """The CombineResults quantities the test compares with."""
    ci = res.conf_int(alpha=0.05, use_t=False)
    ci_t = res.conf_int(alpha=0.05, use_t=True)
    return {
        "tau2": float(res.tau2),
        "mean_effect_re": float(res.mean_effect_re),
        "sd_eff_w_re": float(res.sd_eff_w_re),
        "mean_effect_fe": float(res.mean_effect_fe),
        "q": float(res.q),
        "i2": float(res.i2),
        "ci_re": [float(c) for c in ci[1]],
        "ci_fe": [float(c) for c in ci[0]],
        "var_hksj_re": float(res.var_hksj_re),
        "ci_hk": [float(c) for c in ci_t[3]],
    }


def case(seed: int) -> dict:
    x, n = studies(seed, k=4 + seed)
    y, v = logit_data(x, n)
    dl = max(0.0, float(combine_effects(y, v, method_re="dl").tau2))
    starts = [0.0, dl / 2, dl / 4, dl]
    for start in starts:
        res = combine_effects(y, v, method_re="iterated", tau2_start=start, **PM_OPTIONS)
        if abs(pm_equation(float(res.tau2), y, v)) <= EQUATION_TOL:
            break
    else:
        raise RuntimeError(f"seed {seed}: statsmodels' PM iteration converged from no start")
    tau2_root = pm_brentq(y, v)
    if abs(tau2_root - float(res.tau2)) > AGREEMENT_TOL:
        raise RuntimeError(f"seed {seed}: statsmodels tau2 {float(res.tau2)!r} differs from "
                           f"the brentq root {tau2_root!r}")
    return {
        "seed": seed,
        "k": len(y),
        "events": [int(e) for e in x],
        "totals": [int(t) for t in n],
        "yi": [float(e) for e in y],
        "vi": [float(e) for e in v],
        "tau2_start": start,
        "tau2_start_rule": "first of [0, DL/2, DL/4, DL] that converges",
        "tau2_brentq": tau2_root,
        "statsmodels": summary(res),
    }


def main() -> None:
    out = {
        "description": "Paule-Mandel random-effects fits of logit proportions by statsmodels "
                       "combine_effects(method_re='iterated'), reference for "
                       "tests/test_synthesis.py::TestAgainstStatsmodels::test_pooled_logit.",
        "call": "statsmodels.stats.meta_analysis.combine_effects(yi, vi, "
                "method_re='iterated', atol=1e-12, maxiter=500, tau2_start=tau2_start)",
        "data": "events, totals = _random_studies(seed, k=4 + seed) of tests/test_synthesis.py; "
                "yi, vi = logit and its variance, 0.5 added to both cells of 0 or n events",
        "convergence_check": "the returned tau2 solves sum w (y - mu)^2 = k - 1 to "
                             f"{EQUATION_TOL:g} (w = 1 / (vi + tau2))",
        "cross_check": "tau2_brentq: root of the same equation by scipy.optimize.brentq "
                       f"(xtol = rtol = 1e-15); agrees with statsmodels to {AGREEMENT_TOL:g}",
        "versions": {"python": platform.python_version(), "numpy": np.__version__,
                     "scipy": scipy.__version__, "statsmodels": statsmodels.__version__},
        "created": datetime.date.today().isoformat(),
        "command": "python tests/results/make_pm_reference.py",
        "cases": [case(seed) for seed in SEEDS],
    }
    path = Path(__file__).with_name("pm_reference.json")
    path.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
