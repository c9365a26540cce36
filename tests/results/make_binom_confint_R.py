"""Regenerate ``binom_confint_R.json`` from the R results that ship with statsmodels.

The numbers were produced in R by ``binom::binom.confint(x = c(X), n = N, tol = 1e-8)``
(all methods) and stored by the statsmodels developers in
``statsmodels/stats/tests/results/results_proportion.py`` (the R calls are quoted there as
comments). This script only copies them, so nothing is retyped by hand:

    python tests/results/make_binom_confint_R.py
"""

import json
from pathlib import Path

from statsmodels.stats.tests.results import results_proportion as rp

# spinemets method -> column of binom.confint's output (order in rp.res_binom_methods)
METHODS = {"agresti-coull": "agresti-coull", "wald": "asymptotic", "exact": "exact",
           "wilson": "wilson", "jeffreys": "bayes", "logit": "logit", "cloglog": "cloglog",
           "probit": "probit", "lrt": "lrt", "wilson-cc": "prop.test"}
# binom.lrt finds its limits with uniroot(tol = 1e-8) (the tol of the R call): compare at 1e-7.
# binom.confint(method = "prop.test") is stats::prop.test(x, n)$conf.int (correct = TRUE).
ROOT_FOUND = {"lrt"}
# binom.bayes' values agree with the equal-tailed Jeffreys interval (to < 1e-11) only for
# these cases; at 0/30, 1/30, 29/30, 30/30 they are a different interval type (and 190/200
# failed to converge in R), so they are not used for jeffreys.
JEFFREYS_CASES = {(18, 20), (4, 20), (4, 200)}
# cases printed with ~7 decimals in results_proportion.py (the rest at full precision)
ROUNDED = {(1, 30), (29, 30), (0, 30), (30, 30)}


def main() -> None:
    rows = []
    for (x, n), holder in rp.res_binom.items():
        for ours, theirs in METHODS.items():
            if ours == "jeffreys" and (x, n) not in JEFFREYS_CASES:
                continue
            i = rp.res_binom_methods.index(theirs)
            rows.append({
                "x": int(x), "n": int(n), "method": ours, "r_method": theirs,
                "r_call": f"binom::binom.confint(x = c({x}), n = {n}, tol = 1e-8)",
                "lower": float(holder.ci_low[i]), "upper": float(holder.ci_upp[i]),
                "tolerance": (1e-7 if ours in ROOT_FOUND else 5e-8 if (x, n) in ROUNDED
                              else 1e-10),
            })
    out = {
        "description": "95% binomial CIs computed in R by binom::binom.confint (conf.level "
                       "0.95), copied from statsmodels' test results file.",
        "source": "statsmodels/stats/tests/results/results_proportion.py (res_binom)",
        "command": "python tests/results/make_binom_confint_R.py",
        "notes": "R's asymptotic (Wald) and agresti-coull limits are not clipped to [0, 1]; "
                 "compare after clipping. Rows for n = 30 were printed with ~7 decimals, "
                 "hence their tolerance of 5e-8; lrt limits come from uniroot(tol = 1e-8), "
                 "hence 1e-7. wilson-cc is binom.confint's 'prop.test' method, i.e. "
                 "stats::prop.test(x, n)$conf.int with correct = TRUE.",
        "rows": rows,
    }
    path = Path(__file__).with_name("binom_confint_R.json")
    path.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
