"""The audit of the cited figures: :func:`reproduce`.

Each claim in ``data/claims.csv`` is read as a statement about one estimand, rebuilt from
the catalogue rows that measure that estimand, and given a verdict by the rules below.
Verdicts are computed from the data; none is typed in.

Rules
-----
Probability claims (``lower_bound``, ``majority_share`` and, with counts, ``upper_bound``)
use P = the probability that the claim holds for the pooled (or single-study) mean given
the evidence with counts:

* P >= 0.95: "supported";
* 0.80 <= P < 0.95: "probably holds (not established at 95%)";
* 0.20 < P < 0.80: "not settled by the evidence";
* 0.05 < P <= 0.20: "probably does not hold";
* P <= 0.05: "contradicted".

An ``upper_bound`` claim ("up to X") is judged on the highest figure the evidence reports
(range ends included; rows that only state a bound are never used as figures): above
X + 0.02 → "exceeded by the evidence"; below X − 0.10 → "upper bound well above the
evidence"; otherwise "supported as an upper bound".

A ``range`` claim is compared with the span of the evidence [lowest, highest figure]
(opinion pieces left out): no overlap → "contradicted by the evidence"; evidence span
inside the claim → "supported" (or "range wider than the evidence" when the evidence
covers less than half of it); claim inside the evidence span covering less than half of it →
"range narrower than the spread of the evidence"; otherwise "partly supported (ranges
overlap)".

A ``direction`` claim is "supported in direction" when every ratio reported is above 1 and
"contradicted" when every one is below 1, else "not settled by the evidence".

When the cited source could not be found, the verdict says "cited source unavailable;
judged on other evidence".
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from ._catalogue import claims, evidence
from ._encodings import beta_from_counts
from ._synthesis import pool_proportions
from ._validation import make_rng
from .errors import SpinemetsError, SpinemetsWarning

__all__ = ["REPRODUCE_COLUMNS", "probability_verdict", "reproduce"]

REPRODUCE_COLUMNS = (
    "claim_id", "claim", "cited_source", "source_status", "source_checked", "estimand",
    "claim_type", "claimed_low", "claimed_high", "evidence_ids", "n_with_counts", "basis",
    "reconstruction", "ci_lower", "ci_upper", "pi_lower", "pi_upper", "evidence_min",
    "evidence_max", "p_claim_holds", "p_new_setting", "verdict", "rule",
)


def probability_verdict(p: float) -> str:
    """Verdict for a probability that a claim holds (see the module's rules).

    Examples
    --------
    >>> from spinemets._audit import probability_verdict
    >>> probability_verdict(0.97), probability_verdict(0.5)
    ('supported', 'not settled by the evidence')
    """
    if p >= 0.95:
        return "supported"
    if p >= 0.80:
        return "probably holds (not established at 95%)"
    if p > 0.20:
        return "not settled by the evidence"
    if p > 0.05:
        return "probably does not hold"
    return "contradicted"


def _figures(rows: pd.DataFrame) -> np.ndarray:
    """Every measured figure the rows report: values and range ends.

    Rows that only state a bound ("up to", "over") are left out: a bound restates a claim,
    it does not measure the quantity.
    """
    measured = rows[~rows["kind"].isin(["upper_bound", "lower_bound"])]
    return pd.concat([measured["value"], measured["low"], measured["high"]]).dropna().to_numpy(
        float)


def _sites_match(row_sites: str, claim_sites: str) -> bool:
    if not claim_sites or claim_sites == "all":
        return True
    wanted = set(claim_sites.split(";"))
    return bool(set(row_sites.split(";")) & wanted)


class _Fit:
    """Reconstruction from the evidence rows with counts."""

    def __init__(self, rows: pd.DataFrame, level: float) -> None:
        counted = rows.dropna(subset=["events", "total"])
        self.n = len(counted)
        self.ids = list(counted["id"])
        self.basis = "no counts: spread of the reported figures"
        self.estimate = self.ci = self.pi = (math.nan, math.nan)
        self.point = math.nan
        self.cdf_mean = None  # P(mean <= x)
        self.cdf_new = None  # P(new setting <= x)
        if self.n >= 2:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SpinemetsWarning)
                pooled = pool_proportions(counted["events"].astype(int).to_numpy(),
                                          counted["total"].astype(int).to_numpy(),
                                          method="REML", confidence_level=level,
                                          labels=self.ids)
            self.basis = (f"random-effects pooling (REML, logit scale) of {self.n} studies "
                          "with counts; prediction interval for a new setting")
            self.point = pooled.estimate
            self.ci = (pooled.ci_lower, pooled.ci_upper)
            self.pi = (pooled.pi_lower, pooled.pi_upper)
            mu, se = pooled.mu_logit, pooled.se_logit
            self.cdf_mean = lambda x: float(stats.norm.cdf((special.logit(x) - mu) / se))
            new = pooled.proportion
            self.cdf_new = lambda x: float(new.cdf(x))
        elif self.n == 1:
            r = counted.iloc[0]
            p = beta_from_counts(int(r["events"]), int(r["total"]))
            self.basis = f"one study with counts ({r['id']}), Jeffreys Beta"
            self.point = p.mean
            self.ci = p.interval(level)
            self.cdf_mean = lambda x: float(p.cdf(x))


def _judge_probability(fit: _Fit, claim: pd.Series) -> tuple[float, float, str, str]:
    ctype = claim["claim_type"]
    bound = claim["claimed_low"] if ctype in ("lower_bound", "majority_share") else claim[
        "claimed_high"]
    if fit.cdf_mean is None:
        return math.nan, math.nan, "", ""
    below = fit.cdf_mean(bound)
    p = 1.0 - below if ctype in ("lower_bound", "majority_share") else below
    p_new = math.nan
    if fit.cdf_new is not None:
        below_new = fit.cdf_new(bound)
        p_new = 1.0 - below_new if ctype in ("lower_bound", "majority_share") else below_new
    side = ">" if ctype in ("lower_bound", "majority_share") else "<="
    rule = (f"P(mean {side} {bound:g} | evidence with counts) = {p:.3f}; thresholds 0.95 / "
            "0.80 / 0.20 / 0.05")
    return p, p_new, probability_verdict(p), rule


def _judge_upper(rows: pd.DataFrame, claim: pd.Series) -> tuple[str, str]:
    top = float(_figures(rows).max())
    bound = float(claim["claimed_high"])
    if top > bound + 0.02:
        verdict = "exceeded by the evidence"
    elif top < bound - 0.10:
        verdict = "upper bound well above the evidence"
    else:
        verdict = "supported as an upper bound"
    return verdict, (f"highest reported figure {top:g} vs claimed bound {bound:g} "
                     "(exceeded if > bound + 0.02; loose if < bound - 0.10)")


def _judge_range(rows: pd.DataFrame, claim: pd.Series) -> tuple[str, str]:
    kept = rows[rows["setting"] != "opinion"]
    figs = _figures(kept)
    lo, hi = float(figs.min()), float(figs.max())
    c_lo, c_hi = float(claim["claimed_low"]), float(claim["claimed_high"])
    overlap = max(0.0, min(hi, c_hi) - max(lo, c_lo))
    if overlap == 0.0:
        verdict = "contradicted by the evidence"
    elif c_lo <= lo and hi <= c_hi:
        verdict = ("range wider than the evidence" if (hi - lo) < 0.5 * (c_hi - c_lo)
                   else "supported")
    elif lo <= c_lo and c_hi <= hi:
        verdict = ("range narrower than the spread of the evidence"
                   if (c_hi - c_lo) < 0.5 * (hi - lo) else "supported")
    else:
        verdict = "partly supported (ranges overlap)"
    return verdict, (f"evidence spans {lo:g}-{hi:g} ({len(kept)} rows, opinion left out) vs "
                     f"claimed {c_lo:g}-{c_hi:g}")


def _judge_direction(rows: pd.DataFrame) -> tuple[str, str]:
    ratios = rows["value"].dropna().to_numpy(float)
    if ratios.size and (ratios > 1).all():
        verdict = "supported in direction (no rates given)"
    elif ratios.size and (ratios < 1).all():
        verdict = "contradicted"
    else:
        verdict = "not settled by the evidence"
    return verdict, f"ratios reported: {', '.join(f'{r:g}' for r in ratios) or 'none'}"


def _upper_bound_probability(claim: pd.Series, ev: pd.DataFrame, cl: pd.DataFrame) -> float:
    """P(every named site's parameter <= bound), with the named parameters of the claim's
    estimand re-encoded from ``ev`` (so a changed evidence table changes the answer)."""
    from ._parameters import parameter_table, rebuild

    sites = set(str(claim["primary_site"]).split(";"))
    table = parameter_table()
    rows = table[(table["estimand"] == claim["estimand"]) & table["primary_site"].isin(sites)]
    if rows.empty:
        return math.nan
    prob = 1.0
    for _, r in rows.iterrows():
        try:
            dist = rebuild(r, ev, cl)
        except (ValueError, SpinemetsError):
            return math.nan  # the changed evidence no longer supports that encoding
        prob *= float(dist.cdf(claim["claimed_high"]))
    return prob


def reproduce(confidence_level: float = 0.95, evidence_table: pd.DataFrame | None = None,
              claims_table: pd.DataFrame | None = None, rng: Any = None) -> pd.DataFrame:
    """Audit every cited claim against the evidence that measures the same estimand.

    Parameters
    ----------
    confidence_level : float in (0, 1), default 0.95
        Coverage of the reconstruction's intervals.
    evidence_table, claims_table : DataFrame, optional
        Alternative catalogue tables (as returned by :func:`spinemets.evidence` and
        :func:`spinemets.claims`), e.g. with local evidence added; default: the shipped ones.
    rng : None, int or Generator
        Accepted for a uniform interface; the audit itself is deterministic.

    Returns
    -------
    pandas.DataFrame
        One row per claim: ``claim_id, claim, cited_source, source_status,
        source_checked`` (whether the cited text itself could be read), ``estimand,
        claim_type, claimed_low, claimed_high, evidence_ids`` (matching rows used),
        ``n_with_counts, basis`` (how the reconstruction was made), ``reconstruction,
        ci_lower, ci_upper`` (pooled or single-study estimate and interval; NaN without
        counts), ``pi_lower, pi_upper`` (prediction interval for a new setting, when
        pooled), ``evidence_min, evidence_max`` (span of every measured figure, as
        fractions; NaN for ``direction`` claims, whose ratios are in ``rule``),
        ``p_claim_holds`` (probability the claim holds for the mean), ``p_new_setting``
        (the same for a new setting, when pooled), ``verdict`` and ``rule`` (the rule and
        numbers that produced it). Rules: see :mod:`spinemets._audit`.

    Examples
    --------
    >>> import spinemets as sm
    >>> audit = sm.reproduce().set_index("claim_id")
    >>> int(audit.loc["CLAIM-30-AUTOPSY", "n_with_counts"])
    2
    >>> bool(0 < audit.loc["CLAIM-30-AUTOPSY", "p_claim_holds"] < 1)
    True
    """
    make_rng(rng)
    ev = evidence() if evidence_table is None else evidence_table
    cl = claims(evidence_table=ev) if claims_table is None else claims_table
    out = []
    for _, c in cl.iterrows():
        ids = [s for s in c["evidence_ids"].split(";") if s]
        rows = ev[ev["id"].isin(ids) & (ev["estimand"] == c["estimand"])]
        rows = rows[[_sites_match(s, c["primary_site"]) for s in rows["primary_site"]]]
        fit = _Fit(rows, confidence_level)
        figs = _figures(rows)
        p, p_new, verdict, rule = math.nan, math.nan, "", ""
        ctype = c["claim_type"]
        if rows.empty:
            verdict, rule = "no matching evidence", "no evidence row measures this estimand"
        elif ctype in ("lower_bound", "majority_share"):
            p, p_new, verdict, rule = _judge_probability(fit, c)
            if not verdict:
                verdict, rule = "not settled by the evidence", "no evidence with counts"
        elif ctype in ("upper_bound", "range") and figs.size == 0:
            verdict, rule = "not settled by the evidence", "no measured figure, only bounds"
        elif ctype == "upper_bound":
            verdict, rule = _judge_upper(rows, c)
            p = (_judge_probability(fit, c)[0] if fit.cdf_mean is not None
                 else _upper_bound_probability(c, ev, cl))
        elif ctype == "range":
            verdict, rule = _judge_range(rows, c)
        else:
            verdict, rule = _judge_direction(rows)
        status = c["cited_source_status"]
        checked = status in ("yes", "abstract-only")
        if status == "not-found":
            verdict += "; cited source unavailable, judged on other evidence"
        elif status == "uncited":
            verdict += "; uncited in the source text"
        out.append({
            "claim_id": c["id"], "claim": c["claim"], "cited_source": c["cited_source"],
            "source_status": status, "source_checked": checked, "estimand": c["estimand"],
            "claim_type": ctype, "claimed_low": c["claimed_low"],
            "claimed_high": c["claimed_high"], "evidence_ids": ";".join(rows["id"]),
            "n_with_counts": fit.n, "basis": fit.basis, "reconstruction": fit.point,
            "ci_lower": fit.ci[0], "ci_upper": fit.ci[1], "pi_lower": fit.pi[0],
            "pi_upper": fit.pi[1],
            "evidence_min": float(figs.min()) if figs.size and ctype != "direction" else math.nan,
            "evidence_max": float(figs.max()) if figs.size and ctype != "direction" else math.nan,
            "p_claim_holds": p, "p_new_setting": p_new, "verdict": verdict, "rule": rule,
        })
    return pd.DataFrame(out, columns=list(REPRODUCE_COLUMNS))
