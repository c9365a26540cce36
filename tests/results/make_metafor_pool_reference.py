"""Regenerate ``metafor_pool_reference.json``: reference values for ``spinemets.pool``.

R is not available here; every number below was transcribed from the source named next to
it (metafor's own test suite and documentation, the JASP meta-analysis module's tests, the
statsmodels results file with R ``meta`` output). Nothing is computed by spinemets.

metafor snapshot read: https://github.com/wviechtb/metafor (commit 71ae8f5a).

    python tests/results/make_metafor_pool_reference.py
"""

import json
from pathlib import Path

from statsmodels.stats.tests.results import results_meta as rm

MF = "https://github.com/wviechtb/metafor/blob/71ae8f5a/"

BCG = {
    "source": MF + "docs/reference/escalc.html (Examples: printed dat.bcg and its escalc "
              "measure='RR' yi/vi, 4 decimals); the same 13 trials are dat.colditz1994",
    "trial": list(range(1, 14)),
    "tpos": [4, 6, 3, 62, 33, 180, 8, 505, 29, 17, 186, 5, 27],
    "tneg": [119, 300, 228, 13536, 5036, 1361, 2537, 87886, 7470, 1699, 50448, 2493, 16886],
    "cpos": [11, 29, 11, 248, 47, 372, 10, 499, 45, 65, 141, 3, 29],
    "cneg": [128, 274, 209, 12619, 5761, 1079, 619, 87892, 7232, 1600, 27197, 2338, 17825],
    "yi_RR_4dp": [-0.8893, -1.5854, -1.3481, -1.4416, -0.2175, -0.7861, -1.6209, 0.0120,
                  -0.4694, -1.3713, -0.3394, 0.4459, -0.0173],
    "vi_RR_4dp": [0.3256, 0.1946, 0.4154, 0.0200, 0.0512, 0.0069, 0.2230, 0.0040, 0.0564,
                  0.0730, 0.0124, 0.5325, 0.0714],
    "effects": "RR: yi = log(tpos/(tpos+tneg)) - log(cpos/(cpos+cneg)), vi = 1/tpos - "
               "1/(tpos+tneg) + 1/cpos - 1/(cpos+cneg); OR: yi = log(tpos/tneg) - "
               "log(cpos/cneg), vi = 1/tpos + 1/tneg + 1/cpos + 1/cneg (no zero cells, so "
               "escalc adds nothing)",
}

FULL = [
    {
        "id": "bcg_RR_REML_full",
        "measure": "RR", "subset": "all", "method": "REML", "knapp_hartung": False,
        "r_call": 'dat <- escalc(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, '
                  'data=dat.bcg); res <- rma(yi, vi, data=dat); influence(res)',
        "source": MF + "tests/testthat/test_misc_influence.r#L17 (dput of the influence "
                       "object: tau2, QE)",
        "values": {"tau2": 0.313243325980895, "q": 152.233008082373},
        "precision": "15 significant digits; metafor stops Fisher scoring at a change < 1e-5 "
                     "(control threshold, R/rma.uni.r#L1257), so its tau2 is within ~1e-7 "
                     "of the exact root",
        "tolerance_abs": 1e-6,
    },
    {
        "id": "bcg_RR_REML_without_trial1",
        "measure": "RR", "subset": "trials 2-13", "method": "REML", "knapp_hartung": False,
        "r_call": "leave1out(rma(yi, vi, data=dat))[1] (fit without trial 1)",
        "source": MF + "tests/testthat/test_misc_influence.r#L30",
        "values": {"estimate": -0.707083788031436, "se": 0.189961024702717,
                   "ci_lower": -1.07940055491509, "ci_upper": -0.334767021147788,
                   "q": 151.582572747109, "tau2": 0.336156745300306,
                   "i2_percent": 93.2259349111223},
        "precision": "15 significant digits (same Fisher-scoring threshold as above)",
        "tolerance_abs": 1e-6,
    },
    {
        "id": "bcg_RR_REML_knha",
        "measure": "RR", "subset": "all", "method": "REML", "knapp_hartung": True,
        "r_call": "JASP ClassicalMetaAnalysis on dat.bcg log risk ratios (metafor rma(), "
                  "REML, test='knha': the test row reads 't(12) = -3.95'); values as "
                  "stored by jaspTools::expect_equal_tables",
        "source": "https://github.com/jasp-stats/jaspMetaAnalysis/blob/"
                  "5e75554344d612ed46c36b5e23cdef0750f1f2a9/tests/testthat/"
                  "test-other-Forest%20Plot%20-%20edge%20cases.R (analysis 1, "
                  "pooledEstimatesTable)",
        "values": {"estimate": -0.7145323, "se": 0.1807917, "ci_lower": -1.108444,
                   "ci_upper": -0.320621, "pi_lower": -1.996017, "pi_upper": 0.5669523,
                   "tau2": 0.313243325980895, "tau": 0.559681450452751},
        "precision": "7 significant digits (jaspTools rounding)",
        "tolerance_abs": 1e-6,
    },
]

ROUNDED = [
    {
        "id": "bcg_RR_EE", "measure": "RR", "method": "FE", "knapp_hartung": False,
        "r_call": 'rma(yi, vi, data=dat, method="EE")',
        "source": MF + "tests/testthat/test_misc_metan_vs_rma.uni_with_dat.bcg.r#L13-L19",
        "values": {"estimate": -0.4303, "ci_lower": -0.5097, "ci_upper": -0.3509,
                   "q": 152.2330},
        "decimals": 4,
    },
    {
        "id": "bcg_RR_DL", "measure": "RR", "method": "DL", "knapp_hartung": False,
        "r_call": 'rma(yi, vi, data=dat, method="DL")',
        "source": MF + "tests/testthat/test_misc_metan_vs_rma.uni_with_dat.bcg.r#L31-L44",
        "values": {"estimate": -0.7141, "ci_lower": -1.0644, "ci_upper": -0.3638,
                   "tau2": 0.3088, "i2_percent": 92.1173},
        "decimals": 4,
    },
    {
        "id": "bcg_RR_REML", "measure": "RR", "method": "REML", "knapp_hartung": False,
        "r_call": 'rma(yi, vi, data=dat, method="REML")',
        "source": MF + "docs/reference/rma.uni.html (Examples, printed output)",
        "values": {"tau2": 0.3132, "estimate": -0.7145, "se": 0.1798, "ci_lower": -1.0669,
                   "ci_upper": -0.3622, "q": 152.2330},
        "decimals": 4,
    },
    {
        "id": "bcg_RR_REML_i2", "measure": "RR", "method": "REML", "knapp_hartung": False,
        "r_call": 'rma(yi, vi, data=dat, method="REML") (printed I^2: 92.22%)',
        "source": MF + "docs/reference/rma.uni.html (Examples, printed output)",
        "values": {"i2_percent": 92.22},
        "decimals": 2,
    },
    {
        "id": "bcg_RR_REML_pi", "measure": "RR", "method": "REML", "knapp_hartung": False,
        "r_call": "predict(rma(yi, vi, data=dat), digits=2)",
        "source": MF + "docs/reference/predict.rma.html (Examples, printed output)",
        "values": {"estimate": -0.71, "se": 0.18, "ci_lower": -1.07, "ci_upper": -0.36,
                   "pi_lower": -1.87, "pi_upper": 0.44},
        "decimals": 2,
    },
    {
        "id": "bcg_RR_REML_cumul", "measure": "RR", "method": "REML", "knapp_hartung": False,
        "r_call": "cumul(rma(yi, vi, data=dat), order=year)$estimate[13] (all trials)",
        "source": MF + "tests/testthat/test_misc_cumul.r#L19",
        "values": {"estimate": -0.714532},
        "decimals": 6,
    },
    {
        "id": "bcg_OR_EE", "measure": "OR", "method": "FE", "knapp_hartung": False,
        "r_call": 'rma(yi, vi, data=dat, method="EE") with measure="OR"; predict(res, '
                  'transf=exp)',
        "source": MF + "tests/testthat/test_misc_metan_vs_rma.uni_with_dat.bcg.r#L56-L78",
        "values": {"estimate": -0.4361, "ci_lower": -0.5190, "ci_upper": -0.3533,
                   "q": 163.1649, "exp_estimate": 0.6465, "exp_ci_lower": 0.5951,
                   "exp_ci_upper": 0.7024},
        "decimals": 4,
    },
    {
        "id": "bcg_OR_DL", "measure": "OR", "method": "DL", "knapp_hartung": False,
        "r_call": 'rma(yi, vi, data=dat, method="DL") with measure="OR"',
        "source": MF + "tests/testthat/test_misc_metan_vs_rma.uni_with_dat.bcg.r#L80-L103",
        "values": {"estimate": -0.7474, "ci_lower": -1.1242, "ci_upper": -0.3706,
                   "tau2": 0.3663, "i2_percent": 92.6455, "exp_estimate": 0.4736,
                   "exp_ci_lower": 0.3249, "exp_ci_upper": 0.6903},
        "decimals": 4,
    },
    {
        "id": "colditz_OR_ML", "measure": "OR", "method": "ML", "knapp_hartung": False,
        "r_call": 'rma(yi, vi, data=dat.colditz1994 (escalc OR), method="ML"); '
                  "predict(res, transf=exp, digits=3)",
        "source": MF + "tests/testthat/test_analysis_example_vanhouwelingen2002.r#L32-L39 "
                       "(van Houwelingen et al. 2002, p. 597)",
        "values": {"exp_estimate": 0.4762, "exp_ci_lower": 0.3360, "exp_ci_upper": 0.6749,
                   "tau2": 0.3025},
        "decimals": 4,
    },
    {
        "id": "colditz_OR_ML_knha", "measure": "OR", "method": "ML", "knapp_hartung": True,
        "r_call": 'rma(yi, vi, data=dat, method="ML", test="knha"); predict(res, '
                  "transf=exp, digits=3)",
        "source": MF + "tests/testthat/test_analysis_example_vanhouwelingen2002.r#L52-L57",
        "values": {"exp_ci_lower": 0.3175, "exp_ci_upper": 0.7141},
        "decimals": 4,
    },
    {
        "id": "colditz_OR_ML_pi", "measure": "OR", "method": "ML", "knapp_hartung": False,
        "r_call": 'predict(rma(yi, vi, data=dat, method="ML"), digits=3)',
        "source": MF + "tests/testthat/test_analysis_example_vanhouwelingen2002.r#L109-L124",
        "values": {"pi_lower": -1.875, "pi_upper": 0.391},
        "decimals": 3,
    },
]

CLASP = {
    "source": MF + "tests/testthat/test_analysis_example_dersimonian2007.r#L8-L56 "
                   "(DerSimonian & Kacker 2007, Tables 3-4, pp. 111-112)",
    "r_call": 'dat <- escalc(measure="OR", ai=ai, n1i=n1i, ci=ci, n2i=n2i); '
              'rma(yi, vi, method=..., data=dat)',
    "n1i": [156, 303, 565, 1570, 103, 4659], "n2i": [74, 303, 477, 1565, 105, 4650],
    "ai": [5, 5, 12, 69, 9, 313], "ci": [8, 17, 9, 94, 11, 352],
    "fits": {"PM": {"tau": 0.3681, "estimate": -0.3811, "se": 0.2060},
             "DL": {"tau": 0.2323, "estimate": -0.3240, "se": 0.1540},
             "REML": {"tau": 0.1843, "estimate": -0.2980, "se": 0.1343},
             "ML": {"tau": 0.0023, "estimate": -0.1974, "se": 0.0694}},
    "decimals": 4,
    "notes": "Published values, which metafor's test accepts within its 1% relative tolerance. "
             "The ML row (tau = 0.0023) is not used: the ML score equation is negative at "
             "tau2 = 0 for these data, so the exact ML estimate is 0 (checked in the tests by "
             "maximising the likelihood directly); 0.0023 is the end point of an iteration.",
}

META_HK = rm.results_or_dl_hk
R_META = {
    "source": "statsmodels/stats/tests/results/results_meta.py (results_or_dl_hk), R "
              "package meta 4.11-0 output quoted there",
    "r_call": 'metabin(e2i, nei, c2i, nci, data=dat2, sm="OR", Q.Cochrane=FALSE, '
              'method="Inverse", method.tau="DL", hakn=TRUE, backtransf=FALSE)',
    "yi": [float(x) for x in META_HK.TE],
    "sei": [float(x) for x in META_HK.seTE],
    "values": {"estimate": float(META_HK.TE_random), "se": float(META_HK.seTE_random),
               "ci_lower": float(META_HK.lower_random), "ci_upper": float(META_HK.upper_random),
               "tau2": float(META_HK.tau2), "q": float(META_HK.Q),
               "fixed_estimate": float(META_HK.TE_fixed), "fixed_se": float(META_HK.seTE_fixed),
               "pi_spread": float(META_HK.seTE_predict)},
    "notes": "DL with Hartung-Knapp (t(k-1)), full precision. meta's prediction interval uses "
             "t(k-2), metafor's (and spinemets.pool's) t(k-1), so only the spread "
             "sqrt(tau2 + SE_HK^2) (seTE_predict) is compared.",
    "tolerance_abs": 1e-6,
}

NOTES = {
    "metafor_convergence": MF + "R/rma.uni.r#L1257-L1258: default threshold 1e-5 (ML/REML "
                                "Fisher scoring) and tol = .Machine$double.eps^0.25 for "
                                "uniroot (PM); spinemets solves the same equations to machine "
                                "precision, so full-precision metafor values are compared "
                                "with abs 1e-6 and printed ones to half a unit of their last "
                                "decimal",
    "kacker2004": "PM, DL, DL+knha, FE, FE+knha at full precision (control tol=1e-9) are in "
                  "metafor_reference.json (kacker2004) and reused by tests/test_pool.py",
}


def main() -> None:
    out = {"dat_bcg": BCG, "full_precision": FULL, "rounded": ROUNDED, "clasp": CLASP,
           "r_meta_dl_hk": R_META, "notes": NOTES,
           "command": "python tests/results/make_metafor_pool_reference.py"}
    path = Path(__file__).with_name("metafor_pool_reference.json")
    path.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
