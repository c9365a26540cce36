"""Regenerate ``metafor_reference.json``: R metafor results used to check the pooling code.

Three sources, none of them run here (R is not available):

1. ``kacker2004`` — the Kacker (2004) example, fitted with R metafor by the statsmodels
   developers and stored at full precision in
   ``statsmodels/stats/tests/results/results_meta.py`` (R calls quoted there). Copied
   programmatically below from the installed statsmodels.
2. ``viechtbauer2005`` — the two examples of Viechtbauer (2005), J. Educ. Behav. Stat. 30,
   261-293, pp. 271-272, as checked in metafor's own test suite (rounded values):
   https://github.com/wviechtb/metafor/blob/master/tests/testthat/test_analysis_example_viechtbauer2005.r
3. ``stijnen2010`` — logit-proportion (measure="PLO") random-effects fits of the control and
   treatment arms of ``dat.nielweise2007``; values from Stijnen, Hamza & Ozdemir (2010),
   Stat. Med. 29, 3046-3067, Table II (p. 3050), as checked in metafor's test suite:
   https://github.com/wviechtb/metafor/blob/master/tests/testthat/test_analysis_example_stijnen2010.r
   Data as printed in the metafor documentation of ``dat.nielweise2007``:
   https://github.com/wviechtb/metafor/blob/master/docs/reference/dat.nielweise2007.html

    /work/venv/bin/python tests/results/make_metafor_reference.py
"""

import json
from pathlib import Path

from statsmodels.stats.tests.results import results_meta as rm


def _pick(holder, names):
    return {name: float(getattr(holder, name)) for name in names}


def main() -> None:
    keys = ["b", "se", "ci_lb", "ci_ub", "tau2", "QE", "I2"]
    kacker = {
        "source": "statsmodels/stats/tests/results/results_meta.py (exk1_*), R metafor",
        "yi": [float(x) for x in rm.exk1_metafor.yi],
        "vi": [float(x) for x in rm.exk1_metafor.vi],
        "fits": {
            "PM": {"r_call": 'rma(y, v, data=dat, method="PM", control=list(tol=1e-9))',
                   **_pick(rm.exk1_metafor, keys)},
            "DL": {"r_call": 'rma(y, v, data=dat, method="DL", control=list(tol=1e-9))',
                   **_pick(rm.exk1_dl, keys)},
            "DL_knha": {"r_call": 'rma(y, v, data=dat, method="DL", test="knha", '
                                  'control=list(tol=1e-9))',
                        **_pick(rm.exk1_dl_hksj, keys)},
            "FE": {"r_call": 'rma(y, v, data=dat, method="FE", control=list(tol=1e-9))',
                   **_pick(rm.exk1_fe, keys)},
            "FE_knha": {"r_call": 'rma(y, v, data=dat, method="FE", test="knha", '
                                  'control=list(tol=1e-9))',
                        **_pick(rm.exk1_fe_hksj, keys)},
        },
        "notes": "metafor's I2 for PM is tau2-based (tau2 / (tau2 + typical variance)); for DL "
                 "and FE it equals the Higgins-Thompson (Q - df) / Q, which spinemets reports.",
    }
    viechtbauer = {
        "source": "https://github.com/wviechtb/metafor/blob/master/tests/testthat/"
                  "test_analysis_example_viechtbauer2005.r (Viechtbauer 2005, pp. 271-272)",
        "examples": [
            {"r_call": 'rma(yi, vi, data=dat, method="REML") / method="DL"; tau2 rounded to 3 '
                       "decimals, I2 (percent) to 2",
             "yi": [-0.581, 0.530, 0.771, 1.031, 0.553, 0.295, 0.078, 0.573, -0.176, -0.232],
             "vi": [0.023, 0.052, 0.060, 0.115, 0.095, 0.203, 0.200, 0.211, 0.051, 0.040],
             "tau2_REML_3dp": 0.223, "tau2_DL_3dp": 0.277, "I2_DL_percent_2dp": 80.44},
            {"r_call": "as above, example 2",
             "yi": [0.100, -0.162, -0.090, -0.049, -0.046, -0.010, -0.431, -0.261, 0.134,
                    0.019, 0.175, 0.056, 0.045, 0.103, 0.121, -0.482, 0.290, 0.342],
             "vi": [0.016, 0.015, 0.050, 0.050, 0.032, 0.052, 0.036, 0.024, 0.034, 0.033,
                    0.031, 0.034, 0.039, 0.167, 0.134, 0.096, 0.016, 0.035],
             "tau2_REML_3dp": 0.016, "tau2_DL_3dp": 0.013, "I2_DL_percent_2dp": 27.53},
        ],
    }
    stijnen = {
        "source": "https://github.com/wviechtb/metafor/blob/master/tests/testthat/"
                  "test_analysis_example_stijnen2010.r (Stijnen et al. 2010, Table II)",
        "data_source": "https://github.com/wviechtb/metafor/blob/master/docs/reference/"
                       "dat.nielweise2007.html",
        "ai": [0, 1, 2, 0, 5, 1, 1, 1, 1, 1, 0, 0, 3, 6, 0, 0, 1, 4],
        "n1i": [116, 44, 208, 130, 151, 98, 174, 74, 97, 113, 66, 70, 188, 187, 118, 252, 345,
                64],
        "ci": [3, 3, 9, 7, 6, 4, 3, 2, 19, 2, 7, 1, 5, 11, 0, 1, 3, 1],
        "n2i": [117, 35, 195, 136, 157, 139, 177, 39, 103, 122, 64, 58, 175, 180, 105, 262, 362,
                69],
        "fits": [
            {"arm": "control", "r_call": 'rma(measure="PLO", xi=ci, ni=n2i, data=dat)',
             "coef_2dp": -3.30, "se_2dp": 0.24, "tau2_3dp": 0.663,
             "pred_3dp": 0.036, "ci_lb_3dp": 0.023, "ci_ub_3dp": 0.055},
            {"arm": "treatment", "r_call": 'rma(measure="PLO", xi=ai, ni=n1i, data=dat)',
             "coef_2dp": -4.26, "se_2dp": 0.26, "tau2_3dp": 0.393,
             "pred_3dp": 0.014, "ci_lb_3dp": 0.008, "ci_ub_3dp": 0.023},
        ],
        "notes": "rma() defaults: method='REML', escalc add=1/2 to='only0' (0.5 added to both "
                 "cells only of studies with 0 or n events), normal-based CI; predict(res, "
                 "transf=transf.ilogit) back-transforms.",
    }
    out = {"kacker2004": kacker, "viechtbauer2005": viechtbauer, "stijnen2010": stijnen,
           "command": "/work/venv/bin/python tests/results/make_metafor_reference.py"}
    path = Path(__file__).with_name("metafor_reference.json")
    path.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
