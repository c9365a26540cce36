"""Regenerate ``beta_tails_reference.json``: exact far-tail beta-binomial quantiles (mpmath).

Reference for ``tests/test_beta_tails.py`` (issue 12: the kernel followed
``scipy.stats.betabinom.ppf`` far in the tails, where SciPy's CDF, summed from 0 as
``exp(log pmf)`` with ``scipy.special.betaln``, misses its total mass by more than ``1 - q``).

For ``X ~ BetaBinomial(n, a, b)`` and level ``q`` the quantile is the smallest ``k`` with
``P(X <= k) >= q``.  Here every probability is a sum of the pmf in the smaller tail, in
50-digit arithmetic (``mpmath.mp.dps = 50``): for ``q > 1/2`` the upper tail
``P(X > k) = sum_{j > k} pmf(j)`` (the quantile is the smallest ``k`` with
``P(X > k) <= 1 - q``), else the lower tail ``P(X <= k) = sum_{j <= k} pmf(j)``.  The
first pmf value comes from ``mpmath.loggamma`` / ``mpmath.log``
(``log C(n, j) + log B(j + a, n - j + b) - log B(a, b)``), the others from the ratio
``pmf(j + 1) / pmf(j) = (n - j)(j + a) / ((j + 1)(n - j - 1 + b))``; when ``b >= 1`` (the
pmf then falls past its mode) an upper sum stops past the mode once a term is below
``1e-45`` of the sum (the at most ``n`` falling terms left are below ``1e-39`` of it),
else it runs to ``n``.  Nothing here calls spinemets except for a
starting guess of ``k``, which is then checked: the script stops unless the tails it
computes bracket ``1 - q`` (or ``q``) at the reported ``k``.

Rows: the seven rows of issue 12's report (the lead's ``chk2.py``), then rows found by a
seeded random search (numpy ``default_rng(12)``; ``a + b`` log-uniform on [0.1, 1e8], the
mean proportion log-uniform on [1e-6, 0.5] and mirrored to the upper end half the time,
``n`` log-uniform on [1, 1e4], ``q`` in {1e-12, 1e-9, 1e-6, 0.025, 0.975, 1 - 1e-6,
1 - 1e-9}) on which ``scipy.stats.betabinom.ppf`` differs from the exact quantile, and an
equal number of random-search rows on which it does not.

    python tests/results/make_beta_tails_reference.py

mpmath is not a dependency of spinemets; it was installed into the generating
environment only (``pip install mpmath``; the version is written into the JSON).
"""

from __future__ import annotations

import datetime
import json
import pathlib

import mpmath
import numpy as np
import scipy
from scipy import stats

from spinemets.counts import betabinom_ppf

mpmath.mp.dps = 50
OUT = pathlib.Path(__file__).with_name("beta_tails_reference.json")
LEVELS = (1e-12, 1e-9, 1e-6, 0.025, 0.975, 1 - 1e-6, 1 - 1e-9)
REPORTED = [  # (a + b, mean proportion, n, q): issue 12, lead's report
    (1e7, 1e-5, 10_000, 1 - 1e-9),
    (1e6, 0.3, 422, 1 - 1e-9),
    (1e5, 0.3, 1000, 1 - 1e-9),
    (1e3, 0.3, 10_000, 1 - 1e-9),
    (1e5, 0.001, 422, 1 - 1e-9),
    (1e8, 0.5, 422, 1 - 1e-6),
    (1e3, 1e-5, 10**6, 1 - 1e-6),
]


def _log_pmf(j: int, n: int, a: mpmath.mpf, b: mpmath.mpf) -> mpmath.mpf:
    lg = mpmath.loggamma
    return (lg(n + 1) - lg(j + 1) - lg(n - j + 1)
            + lg(j + a) + lg(n - j + b) - lg(n + a + b)
            - (lg(a) + lg(b) - lg(a + b)))


def _ratio(j: int, n: int, a: mpmath.mpf, b: mpmath.mpf) -> mpmath.mpf:
    """pmf(j + 1) / pmf(j)."""
    return (n - j) * (j + a) / ((j + 1) * (n - j - 1 + b))


def upper_tails(ks: list[int], n: int, a: mpmath.mpf, b: mpmath.mpf) -> dict[int, mpmath.mpf]:
    """``P(X > k)`` for each ``k`` in ``ks`` (sorted), summed upwards from ``min(ks) + 1``."""
    j0 = min(ks) + 1
    out: dict[int, mpmath.mpf] = {}
    if j0 > n:
        return dict.fromkeys(ks, mpmath.mpf(0))
    mode = float((n + 1) * (a - 1) / (a + b - 2)) if a + b > 2 else n
    term = mpmath.exp(_log_pmf(j0, n, a, b))
    terms = [term]
    j = j0
    total = term
    while j < n:
        term = term * _ratio(j, n, a, b)
        j += 1
        terms.append(term)
        total += term
        if b >= 1 and j > mode and term < mpmath.mpf("1e-45") * total:
            break
    # P(X > k) = sum of terms with index > k
    suffix = mpmath.mpf(0)
    sums = {}
    for idx in range(len(terms) - 1, -1, -1):
        suffix += terms[idx]
        sums[j0 + idx] = suffix
    for k in ks:
        out[k] = sums.get(k + 1, mpmath.mpf(0))
    return out


def lower_tails(ks: list[int], n: int, a: mpmath.mpf, b: mpmath.mpf) -> dict[int, mpmath.mpf]:
    """``P(X <= k)`` for each ``k`` in ``ks``, summed upwards from 0."""
    top = max(ks)
    term = mpmath.exp(_log_pmf(0, n, a, b))
    run = term
    sums = {0: run}
    for j in range(top):
        term = term * _ratio(j, n, a, b)
        run += term
        sums[j + 1] = run
    return {k: (sums[k] if k >= 0 else mpmath.mpf(0)) for k in ks}


def exact_quantile(q: float, n: int, a_f: float, b_f: float) -> dict:
    """The exact quantile and the two tails that bracket the level."""
    a, b = mpmath.mpf(a_f), mpmath.mpf(b_f)
    qm = mpmath.mpf(q)  # the double's exact value
    guess = int(betabinom_ppf(q, n, a_f, b_f))
    for spread in (3, 30, 300, n):
        ks = sorted({min(max(k, -1), n) for k in range(guess - spread, guess + spread + 1)})
        if q > 0.5:
            level = 1 - qm
            tails = upper_tails([k for k in ks if k >= 0], n, a, b)
            tails[-1] = mpmath.mpf(1)
            ok = [k for k in ks if tails[k] <= level]
            if ok and ok[0] > ks[0]:
                k = ok[0]
                return {"k": k, "tail": "upper", "tail_k_minus_1": mpmath.nstr(tails[k - 1], 15),
                        "tail_k": mpmath.nstr(tails[k], 15)}
        else:
            tails = lower_tails([k for k in ks if k >= 0], n, a, b)
            tails[-1] = mpmath.mpf(0)
            ok = [k for k in ks if tails[k] >= qm]
            if ok and ok[0] > ks[0]:
                k = ok[0]
                return {"k": k, "tail": "lower", "tail_k_minus_1": mpmath.nstr(tails[k - 1], 15),
                        "tail_k": mpmath.nstr(tails[k], 15)}
    raise RuntimeError(f"no bracket for {(q, n, a_f, b_f)}")


def _row(s: float, p: float, n: int, q: float, source: str) -> dict:
    a, b = p * s, (1.0 - p) * s
    res = exact_quantile(q, n, a, b)
    return {"a": a, "b": b, "n": n, "q": q, "source": source, **res,
            "scipy_betabinom_ppf": int(stats.betabinom.ppf(q, n, a, b))}


def main() -> None:
    rows = [_row(s, p, n, q, "issue 12 report") for s, p, n, q in REPORTED]
    rng = np.random.default_rng(12)
    differ, agree = [], []
    tried = 0
    while (len(differ) < 16 or len(agree) < 16) and tried < 4000:
        tried += 1
        s = 10.0 ** rng.uniform(-1.0, 8.0)
        p = 10.0 ** rng.uniform(-6.0, np.log10(0.5))
        if rng.random() < 0.5:
            p = 1.0 - p
        n = int(np.floor(10.0 ** rng.uniform(0.0, 4.0)))
        q = float(rng.choice(LEVELS))
        a, b = p * s, (1.0 - p) * s
        scipy_k = int(stats.betabinom.ppf(q, n, a, b))
        kernel_k = int(betabinom_ppf(q, n, a, b))
        if scipy_k != kernel_k and len(differ) < 16:
            differ.append(_row(s, p, n, q, "random search: SciPy differs"))
        elif scipy_k == kernel_k and len(agree) < 16 and rng.random() < 0.05:
            agree.append(_row(s, p, n, q, "random search: SciPy agrees"))
    rows += differ + agree
    doc = {
        "generated": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "script": "tests/results/make_beta_tails_reference.py",
        "method": "tails of the beta-binomial pmf summed in mpmath, dps = 50",
        "versions": {"mpmath": mpmath.__version__, "scipy": scipy.__version__,
                     "numpy": np.__version__},
        "random_search_tried": tried,
        "rows": rows,
    }
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"{len(rows)} rows ({len(differ)} where SciPy differs) -> {OUT}")


if __name__ == "__main__":
    main()
