"""The audit of the cited figures: :func:`reproduce` and its result, :class:`Audit`.

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
import textwrap
import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from . import plotting
from ._catalogue import DATA_VERSION, claims, evidence
from ._display import format_interval, format_value, html_table, terminal_width
from ._encodings import beta_from_counts
from ._parameters import parameter_table, rebuild
from ._synthesis import pool_proportions
from ._validation import check_confidence_level, check_count
from ._version import __version__
from .errors import SpinemetsError, SpinemetsWarning

__all__ = ["REPRODUCE_COLUMNS", "Audit", "probability_verdict", "reproduce"]

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


class Audit:
    """The audit of the cited figures: one row per claim, with the evidence it rests on.

    Returned by :func:`reproduce`. ``to_frame()`` is the table (columns
    :data:`REPRODUCE_COLUMNS`, then ``confidence_level, spinemets_version,
    data_version``), ``explain(claim_id)`` a paragraph for a reader, ``plot(claim_id)`` the
    evidence, the claim and the reconstruction on one axis.

    Examples
    --------
    >>> import spinemets as sm
    >>> audit = sm.reproduce()
    >>> "CLAIM-30-AUTOPSY" in audit.claim_ids
    True
    >>> print(audit.explain("CLAIM-30-AUTOPSY"))  # doctest: +ELLIPSIS
    CLAIM-30-AUTOPSY: ...
    """

    def __init__(self, table: pd.DataFrame, evidence_table: pd.DataFrame,
                 confidence_level: float) -> None:
        self._table = table
        self._evidence = evidence_table
        self.confidence_level = confidence_level

    @property
    def claim_ids(self) -> list[str]:
        """The ids of the audited claims, in catalogue order."""
        return self._table["claim_id"].tolist()

    def __len__(self) -> int:
        return len(self._table)

    def to_frame(self) -> pd.DataFrame:
        """The audit as a table (a copy), with the versions that produced it."""
        out = self._table.copy()
        out["confidence_level"] = self.confidence_level
        out["spinemets_version"] = __version__
        out["data_version"] = DATA_VERSION
        return out

    def _row(self, claim_id: Any) -> pd.Series:
        if not isinstance(claim_id, str):
            raise TypeError(f"claim_id must be a str, got {type(claim_id).__name__}")
        hit = self._table[self._table["claim_id"] == claim_id]
        if hit.empty:
            raise ValueError(f"claim_id must be one of {', '.join(self.claim_ids)}; "
                             f"got {claim_id!r}")
        return hit.iloc[0]

    def explain(self, claim_id: str) -> str:
        """A short paragraph on one claim: what it says, how it was read, what the evidence
        says and why the verdict is what it is."""
        r = self._row(claim_id)
        level = f"{self.confidence_level:.0%}"
        status = "read" if r["source_checked"] else f"not read: {r['source_status']}"
        parts = [f"{r['claim_id']}: \"{r['claim']}\" (cited: {r['cited_source']}; "
                 f"cited text {status})."]
        claimed = " to ".join(_fmt(v) for v in (r["claimed_low"], r["claimed_high"])
                              if pd.notna(v))
        parts.append(f"Read as a {r['claim_type'].replace('_', ' ')} claim"
                     f"{' (' + claimed + ')' if claimed else ''} about the estimand "
                     f"{r['estimand']}.")
        ids = r["evidence_ids"] or "none"
        parts.append(f"Evidence measuring it: {ids}; {int(r['n_with_counts'])} with counts "
                     f"({r['basis']}).")
        if pd.notna(r["reconstruction"]):
            text = (f"Reconstruction: {_fmt(r['reconstruction'])} ({level} interval "
                    f"{_fmt(r['ci_lower'])} to {_fmt(r['ci_upper'])})")
            if pd.notna(r["pi_lower"]):
                text += (f"; a new setting: {_fmt(r['pi_lower'])} to {_fmt(r['pi_upper'])}")
            parts.append(text + ".")
        if pd.notna(r["evidence_min"]):
            parts.append(f"The figures reported span {_fmt(r['evidence_min'])} to "
                         f"{_fmt(r['evidence_max'])}.")
        if pd.notna(r["p_claim_holds"]):
            parts.append(f"Probability that the claim holds: {_prob(r['p_claim_holds'])}.")
        parts.append(f"Verdict: {r['verdict']} (rule: {r['rule']}).")
        return " ".join(parts)

    def plot(self, claim_id: str, ax: Any = None) -> Any:
        """The claim's evidence rows, its claimed range (shaded) and the reconstruction
        (diamond, with the prediction interval dashed) on one axis; returns the Axes."""
        r = self._row(claim_id)
        ids = [i for i in str(r["evidence_ids"]).split(";") if i]
        table = pd.DataFrame(columns=["label", "estimate", "ci_lower", "ci_upper", "kind"])
        if ids:
            ev = self._evidence[self._evidence["id"].isin(ids)]
            try:
                rows = plotting.evidence_table(r["estimand"], None, self.confidence_level,
                                               evidence=ev)
                table = rows[["label", "estimate", "ci_lower", "ci_upper", "kind"]]
            except ValueError:  # only bounds: nothing measured to draw
                pass
        extra = []
        if pd.notna(r["reconstruction"]):
            extra.append({"label": "reconstruction", "estimate": r["reconstruction"],
                          "ci_lower": r["ci_lower"], "ci_upper": r["ci_upper"],
                          "kind": "pooled"})
        if pd.notna(r["pi_lower"]):
            extra.append({"label": "new setting", "estimate": r["reconstruction"],
                          "ci_lower": r["pi_lower"], "ci_upper": r["pi_upper"],
                          "kind": "prediction"})
        if extra:
            table = pd.concat([table, pd.DataFrame(extra)], ignore_index=True)
        if table.empty:
            raise ValueError(f"claim {claim_id!r} has no measured evidence to plot")
        is_ratio = r["claim_type"] == "direction"
        ax = plotting.forest_plot(table, ax=ax, percent=not is_ratio,
                                  xlabel="ratio" if is_ratio else r["estimand"])
        lo, hi = r["claimed_low"], r["claimed_high"]
        if pd.notna(lo) or pd.notna(hi):
            left, right = ax.get_xlim()
            ax.axvspan(lo if pd.notna(lo) else left, hi if pd.notna(hi) else right,
                       color="0.85", zorder=0, label="claimed")
            ax.legend(loc="best", frameon=False)
        ax.set_title(f"{r['claim_id']}: {r['verdict']}")
        return ax

    def to_text(self, width: int | None = None) -> str:
        """The audit as plain text, one block per claim, wrapped to ``width`` columns
        (default: the terminal's): what the command line prints."""
        limit = terminal_width() if width is None else check_count(width, "width", minimum=40)
        blocks = []
        for _, r in self._table.iterrows():
            lines = [f"{r['claim_id']}  ({r['estimand']})"]
            if pd.notna(r["reconstruction"]):
                text = (f"reconstruction {_fmt(r['reconstruction'])} "
                        f"({self.confidence_level:.0%} interval "
                        f"{format_interval(r['ci_lower'], r['ci_upper'])})")
                if pd.notna(r["p_claim_holds"]):
                    text += f"; P(claim holds) {_prob(r['p_claim_holds'])}"
                lines += textwrap.wrap(text, limit, initial_indent="  ",
                                       subsequent_indent="    ")
            elif pd.notna(r["p_claim_holds"]):
                lines.append(f"  P(claim holds) {_prob(r['p_claim_holds'])}")
            lines += textwrap.wrap(f"verdict: {r['verdict']}", limit, initial_indent="  ",
                                   subsequent_indent="    ")
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks)

    def __repr__(self) -> str:
        return f"Audit of {len(self)} cited claims\n\n{self.to_text()}"

    def _repr_html_(self) -> str:
        cols = ["claim_id", "estimand", "reconstruction", "ci_lower", "ci_upper",
                "p_claim_holds", "verdict"]
        return html_table(self._table[cols])


def _fmt(x: float) -> str:
    return format_value(x, "fraction")


def _prob(p: float) -> str:
    return format_value(p, "probability")


def reproduce(confidence_level: float = 0.95, evidence_table: pd.DataFrame | None = None,
              claims_table: pd.DataFrame | None = None) -> Audit:
    """Audit every cited claim against the evidence that measures the same estimand.

    Parameters
    ----------
    confidence_level : float in (0, 1), default 0.95
        Coverage of the reconstruction's intervals.
    evidence_table, claims_table : DataFrame, optional
        Alternative catalogue tables (as returned by :func:`spinemets.evidence` and
        :func:`spinemets.claims`), e.g. with local evidence added; default: the shipped ones.

    Returns
    -------
    Audit
        The audit is deterministic (no random numbers). ``Audit.to_frame()`` has one row
        per claim: ``claim_id, claim, cited_source, source_status,
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
    >>> audit = sm.reproduce().to_frame().set_index("claim_id")
    >>> int(audit.loc["CLAIM-30-AUTOPSY", "n_with_counts"])
    2
    >>> bool(0 < audit.loc["CLAIM-30-AUTOPSY", "p_claim_holds"] < 1)
    True
    """
    level = check_confidence_level(confidence_level)
    ev = evidence() if evidence_table is None else evidence_table
    cl = claims(evidence_table=ev) if claims_table is None else claims_table
    out = []
    for _, c in cl.iterrows():
        ids = [s for s in c["evidence_ids"].split(";") if s]
        rows = ev[ev["id"].isin(ids) & (ev["estimand"] == c["estimand"])]
        rows = rows[[_sites_match(s, c["primary_site"]) for s in rows["primary_site"]]]
        fit = _Fit(rows, level)
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
    return Audit(pd.DataFrame(out, columns=list(REPRODUCE_COLUMNS)), ev, level)
