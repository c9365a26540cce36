"""The audit of the cited figures: :func:`reproduce` and its result, :class:`Audit`.

How the audit decides
---------------------
A cited figure is a statement about *some* probability, and often several could be meant.
Each claim in ``data/claims.csv`` is therefore judged under its **literal reading** (the
estimand in the claim's ``estimand`` column: what the words say) and under every **other
reading** it can be given (the other estimands of its family in :data:`READINGS`:
autopsy prevalence, clinically evident disease, cumulative incidence, at diagnosis, …).
Each reading is judged only on the evidence rows that measure *that* estimand, chosen by
:func:`row_measures` (the one place that decides what a row measures): a row serves a
reading when it is filed under the reading's estimand, its primary site is one the claim
names, and it was measured in the reading's setting (the catalogue's ``measured_setting``
when that column exists, else the row's ``setting`` when it is a place of measurement;
review and guideline rows are taken as filed). Opinion rows and rows whose setting is not
stated are left out and listed. Rows that only restate a bound ("up to", "over") are never
used as figures. Verdicts are computed from the data; none is typed in.

Rules, by the kind of claim (``TOL`` = 0.02, ``LOOSE`` = 0.10, on the fraction scale):

* **"over X" (lower bound), and "more than half"** — with evidence that has counts, P = the
  probability that the average value exceeds X: pooled on the logit scale when there are two
  or more studies (headline REML; also fixed effect, DerSimonian–Laird, Paule–Mandel, each
  with and without Knapp–Hartung, and the Bayesian model with a half-normal prior on τ), or the
  Jeffreys Beta of a single study. Verdict by :func:`probability_verdict`: P ≥ 0.95
  "supported"; ≥ 0.80 "probably holds"; > 0.20 "not settled by the evidence"; > 0.05
  "probably does not hold"; else "contradicted". When the methods disagree the verdict is
  "depends on the method", followed by which method gives what. Without counts: every
  measured figure above X → "consistent with every figure"; every one at or below X →
  "contradicted by every figure"; else "not settled by the figures".
* **"up to X" (upper bound)** — for each primary site the claim names, the highest figure
  measured for that site: above X + TOL "exceeded"; within [X − LOOSE, X + TOL] "attained";
  below X − LOOSE "overstated" (the bound is far above anything measured). All sites attained
  → "supported as an upper bound"; some → "an upper bound for <sites> only"; none and some
  exceeded → "exceeded by the evidence"; else "upper bound well above the evidence".
* **"X to Y" (range)** — the claimed ends against the span of the reading's figures: no overlap
  → "contradicted"; both ends within TOL of the span's ends → "supported"; otherwise "partly
  supported" saying which end is off ("overstates the top end", …). Across readings, when no
  single reading's span (widened by TOL) holds both claimed ends but one reading holds the low
  end and another the high end, the claim "mixes estimands".
* **"the most common site"** — compared with the other sites *on the same denominator*: rows
  of ``<other>_share_of_<denominator>`` from the same source with the same total. P = the
  probability that the claimed site's share exceeds the strongest other site's (normal
  approximation with the multinomial variance, an upper bound on the variance of a difference
  of shares even when sites are not exclusive); verdict by :func:`probability_verdict`. No other
  site measured on the same denominator → "not settled: no other site measured on the same
  denominator". A share above one half (the claim's ``claimed_low``) is judged as another
  reading: it is neither necessary (with exclusive sites a plurality suffices) nor sufficient
  (when a patient can have several sites, another site can be more common still).
* **direction** — "supported in direction" when every ratio reported is above 1,
  "contradicted" when every one is below 1, else "not settled by the evidence".

When the cited source could not be found, the verdict adds "cited source unavailable; judged
on other evidence"; an uncited claim says so. Probabilities are shown with
:func:`spinemets._display.format_value` (e.g. "> 0.999"), never with spurious digits.
"""

from __future__ import annotations

import math
import textwrap
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import special, stats

from . import plotting
from ._catalogue import DATA_VERSION, claims, claims_from_table, evidence, evidence_from_table
from ._display import format_interval, format_value, html_table, terminal_width
from ._pooling import pool
from ._synthesis import logit_effects
from ._validation import check_confidence_level, check_count, check_str
from ._version import __version__
from .errors import SpinemetsWarning

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["METHODS", "READINGS", "REPRODUCE_COLUMNS", "Audit", "Reading",
           "probability_verdict", "reproduce", "row_measures"]

TOL = 0.02
"""How close (fraction scale) a claimed figure must be to a measured one to match it."""
LOOSE = 0.10
"""How far below a claimed upper bound the highest figure may be before it is overstated."""

REPRODUCE_COLUMNS = (
    "claim_id", "claim", "cited_source", "source_status", "source_checked", "reading",
    "literal", "estimand", "setting", "claim_type", "claimed_low", "claimed_high",
    "evidence_ids", "left_out", "n_with_counts", "basis", "reconstruction", "ci_lower",
    "ci_upper", "pi_lower", "pi_upper", "evidence_min", "evidence_max", "p_claim_holds",
    "p_new_setting", "p_min", "p_max", "verdict", "rule", "method_dependence",
)

#: Pooling methods compared for every pooled reconstruction: (label, method, Knapp–Hartung).
METHODS: tuple[tuple[str, str, bool], ...] = (
    ("FE", "FE", False), ("FE + KH", "FE", True), ("DL", "DL", False),
    ("DL + KH", "DL", True), ("REML", "REML", False), ("REML + KH", "REML", True),
    ("PM", "PM", False), ("PM + KH", "PM", True), ("bayes", "bayes", False),
)
_HEADLINE = "REML"

#: What a figure of each family can be taken to mean: (family, estimand, setting, words).
READINGS: tuple[tuple[str, str, str, str], ...] = (
    ("bone_mets", "bone_mets_clinical", "clinical",
     "clinically evident bone metastases during the disease (living patients)"),
    ("bone_mets", "bone_mets_given_metastatic_at_diagnosis", "registry",
     "bone metastases among patients with metastatic (late-stage) disease at diagnosis"),
    ("bone_mets", "bone_mets_cumulative_incidence", "clinical",
     "diagnosed bone metastases within a few years of a cancer diagnosis"),
    ("bone_mets", "bone_mets_at_diagnosis", "registry",
     "bone metastases already present at cancer diagnosis"),
    ("bone_mets", "bone_mets_autopsy", "autopsy", "bone metastases found at autopsy"),
    ("spinal_mets", "spinal_mets_clinical", "clinical",
     "spinal metastases diagnosed during life"),
    ("spinal_mets", "spinal_mets_cumulative_incidence", "registry",
     "diagnosed spinal metastases within a stated horizon (10 years in Ontario) of a cancer "
     "diagnosis"),
    ("spinal_mets", "spinal_mets_autopsy", "autopsy", "spinal metastases found at autopsy"),
    ("spinal_mets", "spinal_mets_autopsy_metastatic", "autopsy",
     "spinal metastases at autopsy among patients who had metastatic disease"),
)

_PLACES = frozenset({"autopsy", "clinical", "registry", "imaging"})
_UNSTATED = frozenset({"not stated", "not_stated", "not-stated", "unstated", "unknown",
                       "unclear", "none"})
_LIVING = frozenset({"clinical", "registry"})
_BOUNDS = ("upper_bound", "lower_bound")


@dataclass(frozen=True)
class Reading:
    """One way of reading a claim: the estimand meant, where it is measured, the rule."""

    label: str
    estimand: str
    setting: str | None
    literal: bool
    rule: str


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


# ---------------------------------------------------------------------------------------------
# which rows measure which reading
# ---------------------------------------------------------------------------------------------


def row_measures(row: pd.Series) -> tuple[str, str]:
    """The (estimand, setting) one evidence row measures.

    The estimand is the one the row is filed under. The setting is ``"opinion"`` for
    opinion rows; otherwise the catalogue's ``measured_setting`` when that column exists
    and the row fills it ("not stated" when it says the setting is unknown); otherwise the
    row's ``setting`` when that names a place of measurement (autopsy, clinical, registry,
    imaging); and for review or guideline rows the setting of the estimand they are filed
    under (``"as filed"`` if that estimand has no reading). A reading that requires a
    setting leaves out rows whose setting is not stated.

    Examples
    --------
    >>> import pandas as pd
    >>> from spinemets._audit import row_measures
    >>> row_measures(pd.Series({"estimand": "spinal_mets_autopsy", "setting": "review"}))
    ('spinal_mets_autopsy', 'autopsy')
    >>> row_measures(pd.Series({"estimand": "bone_mets_autopsy", "setting": "review",
    ...                         "measured_setting": "not stated"}))
    ('bone_mets_autopsy', 'not stated')
    """
    estimand = str(row["estimand"])
    if str(row["setting"]) == "opinion":  # an opinion measures nothing, whatever its setting
        return estimand, "opinion"
    measured = row.get("measured_setting")
    if isinstance(measured, str) and measured.strip() and measured.strip().lower() not in (
            "review", "guideline"):  # a source type is not a place of measurement
        key = measured.strip().lower()
        return estimand, "not stated" if key in _UNSTATED else key
    setting = str(row["setting"])
    if setting in _PLACES or setting == "opinion":
        return estimand, setting
    return estimand, _SETTING_OF.get(estimand, "as filed")


_SETTING_OF = {estimand: setting for _, estimand, setting, _ in READINGS}


def _compatible(measured: str, wanted: str | None) -> bool:
    if wanted is None or measured == "as filed":
        return True
    return measured == wanted or (measured in _LIVING and wanted in _LIVING)


def _site_keys(text: str) -> list[str]:
    return [s for s in str(text).split(";") if s]


def _site_matches(row_site: str, wanted: str) -> bool:
    return row_site == wanted or row_site.startswith(wanted + "_")


def _claim_sites(claim: pd.Series) -> list[str]:
    sites = _site_keys(claim["primary_site"])
    return [] if not sites or sites == ["all"] else sites


def _select(ev: pd.DataFrame, reading: Reading, sites: list[str]) -> tuple[
        pd.DataFrame, list[str]]:
    """Rows measuring ``reading`` for the claim's sites, and the ids left out (with why)."""
    keep, left = [], []
    for i, row in ev[ev["estimand"] == reading.estimand].iterrows():
        row_sites = _site_keys(row["primary_site"])
        if sites and not any(_site_matches(r, s) for r in row_sites for s in sites):
            continue
        _, measured = row_measures(row)
        if measured == "opinion":
            left.append(f"{row['id']} (opinion)")
        elif measured == "not stated" and reading.setting is not None:
            left.append(f"{row['id']} (setting not stated)")
        elif not _compatible(measured, reading.setting):
            left.append(f"{row['id']} (measured in {measured})")
        else:
            keep.append(i)
    return ev.loc[keep], left


def _figures(rows: pd.DataFrame) -> np.ndarray:
    """Every measured figure the rows report: values and range ends (bounds left out)."""
    measured = rows[~rows["kind"].isin(_BOUNDS)]
    return pd.concat([measured["value"], measured["low"], measured["high"]]).dropna().to_numpy(
        float)


def _fmt(x: float) -> str:
    return format_value(x, "fraction")


def _prob(p: float) -> str:
    return format_value(p, "probability")


def _p_is(p: float) -> str:
    """``"= 0.895"`` or ``"> 0.999"``: the relation and the shown probability."""
    text = _prob(p)
    return text if text[:1] in "<>" else f"= {text}"


# ---------------------------------------------------------------------------------------------
# reconstruction from the rows with counts, under every method
# ---------------------------------------------------------------------------------------------


class _Fit:
    """Reconstruction of one reading's average from its rows with counts."""

    def __init__(self, rows: pd.DataFrame, level: float, sites: list[str]) -> None:
        counted = rows.dropna(subset=["events", "total"])
        counted = counted[counted["kind"].isin(["counts", "proportion"])]
        self.basis = "no counts: the reported figures only"
        if not sites:  # a claim about all cancers pools only all-cancer figures
            counted = counted[counted["primary_site"].isin(["all", "all_solid"])]
        elif counted["primary_site"].nunique() > 1:  # never pool across primary sites
            self.basis = (f"counts for {counted['primary_site'].nunique()} primary sites "
                          f"({', '.join(counted['id'])}); not pooled across sites")
            counted = counted.iloc[:0]
        self.n = len(counted)
        self.ids = list(counted["id"])
        self.level = level
        self.point = math.nan
        self.ci = self.pi = (math.nan, math.nan)
        self.fits: dict[str, Any] = {}
        x = counted["events"].to_numpy(float).round().astype(int)
        n = counted["total"].to_numpy(float).round().astype(int)
        if self.n >= 2:
            y, v, _ = logit_effects(x, n)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SpinemetsWarning)
                for label, method, hk in METHODS:
                    self.fits[label] = pool(y, v, method=method, knapp_hartung=hk,
                                            confidence_level=level, labels=self.ids)
            head = self.fits[_HEADLINE]
            self.basis = (f"pooling of {self.n} studies with counts on the logit scale "
                          f"({_HEADLINE}; {len(METHODS) - 1} other methods compared)")
            self.point = float(special.expit(head.estimate))
            self.ci = (float(special.expit(head.ci_lower)), float(special.expit(head.ci_upper)))
            self.pi = (float(special.expit(head.pi_lower)), float(special.expit(head.pi_upper)))
        elif self.n == 1:
            a, b = x[0] + 0.5, n[0] - x[0] + 0.5
            self.beta = stats.beta(a, b)
            self.basis = f"one study with counts ({self.ids[0]}), Jeffreys Beta"
            self.point = float(self.beta.mean())
            self.ci = tuple(float(t) for t in self.beta.interval(level))

    def p_below(self, x: float) -> dict[str, tuple[float, float]]:
        """{method: (P(average <= x), P(new setting <= x))}."""
        if self.n >= 2:
            t = float(special.logit(x))
            return {label: (float(f.cdf(t)[0]), float(f.predictive_cdf(t)[0]))
                    for label, f in self.fits.items()}
        if self.n == 1:
            return {"Jeffreys": (float(self.beta.cdf(x)), math.nan)}
        return {}

    def method_table(self) -> pd.DataFrame:
        rows = []
        for label, f in self.fits.items():
            rows.append({"method": label, "estimate": float(special.expit(f.estimate)),
                         "ci_lower": float(special.expit(f.ci_lower)),
                         "ci_upper": float(special.expit(f.ci_upper)),
                         "pi_lower": float(special.expit(f.pi_lower)),
                         "pi_upper": float(special.expit(f.pi_upper)), "tau2": f.tau2})
        if self.n == 1:
            rows.append({"method": "Jeffreys", "estimate": self.point, "ci_lower": self.ci[0],
                         "ci_upper": self.ci[1], "pi_lower": math.nan, "pi_upper": math.nan,
                         "tau2": math.nan})
        return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# the rules
# ---------------------------------------------------------------------------------------------


def _by_method(probs: dict[str, float]) -> tuple[str, str]:
    """Headline verdict over methods, and the dependence on the method in words."""
    verdicts = {m: probability_verdict(p) for m, p in probs.items()}
    if len(verdicts) == 1:
        return next(iter(verdicts.values())), ""
    low = min(probs, key=probs.__getitem__)
    high = max(probs, key=probs.__getitem__)
    spread = (f"P ranges from {_prob(probs[low])} ({low}) to {_prob(probs[high])} ({high}) "
              f"over the {len(probs)} methods compared")
    distinct = list(dict.fromkeys(verdicts[m] for m in sorted(probs, key=probs.__getitem__,
                                                                reverse=True)))
    if len(distinct) == 1:
        return distinct[0], f"every method gives '{distinct[0]}'; {spread}"
    groups = "; ".join(f"{v} with {', '.join(m for m in verdicts if verdicts[m] == v)}"
                       for v in distinct)
    return f"depends on the method: {groups}", (
        f"the verdict depends on the pooling method ({spread}); with two or three studies "
        "the between-study variance is barely estimable, and the methods differ in how they "
        "treat it")


def _judge_share(fit: _Fit, rows: pd.DataFrame, bound: float, above: bool) -> dict[str, Any]:
    side = ">" if above else "<="
    out: dict[str, Any] = {}
    probs = fit.p_below(bound)
    if probs:
        p_all = {m: (1.0 - a if above else a) for m, (a, _) in probs.items()}
        head = _HEADLINE if _HEADLINE in p_all else next(iter(p_all))
        b = probs[head][1]
        out["p"] = p_all[head]
        out["p_new"] = (1.0 - b if above else b) if not math.isnan(b) else math.nan
        out["p_min"], out["p_max"] = min(p_all.values()), max(p_all.values())
        out["verdict"], out["dependence"] = _by_method(p_all)
        studies = rows.dropna(subset=["events", "total"])
        shares = (studies["events"] / studies["total"]).to_numpy(float)
        hits = int(np.sum(shares > bound if above else shares <= bound))
        out["rule"] = (f"P(average {side} {_fmt(bound)}) {_p_is(out['p'])} ({head}); each "
                       f"study with counts: {hits} of {len(shares)} {side} {_fmt(bound)}; "
                       "thresholds 0.95 / 0.80 / 0.20 / 0.05")
        return out
    figs = _figures(rows)
    if figs.size == 0:
        return {"verdict": "no measured figure", "rule": "only bounds or nothing measured"}
    hits = int(np.sum(figs > bound if above else figs <= bound))
    if hits == figs.size:
        verdict = "consistent with every figure"
    elif hits == 0:
        verdict = "contradicted by every figure"
    else:
        verdict = "not settled by the figures"
    return {"verdict": verdict, "rule": f"{hits} of {figs.size} measured figures {side} "
                                        f"{_fmt(bound)} (no counts to pool)"}


def _judge_upper(rows: pd.DataFrame, bound: float, sites: list[str]) -> dict[str, Any]:
    state: dict[str, list[str]] = {"attained": [], "exceeded": [], "overstated": [],
                                   "no evidence": []}
    parts = []
    for site in sites or ["all"]:
        mine = rows if site == "all" else rows[[
            any(_site_matches(r, site) for r in _site_keys(s)) for s in rows["primary_site"]]]
        figs = _figures(mine)
        if figs.size == 0:
            state["no evidence"].append(site)
            parts.append(f"{site}: no measured figure")
            continue
        top = float(figs.max())
        key = ("exceeded" if top > bound + TOL else "overstated" if top < bound - LOOSE
               else "attained")
        state[key].append(site)
        parts.append(f"{site}: highest {_fmt(top)} ({key})")
    everyone = sites or ["all"]
    if len(state["attained"]) == len(everyone):
        verdict = "supported as an upper bound"
    elif state["attained"]:
        verdict = (f"an upper bound for {', '.join(state['attained'])} only")
        if state["overstated"]:
            verdict += f" (overstated for {', '.join(state['overstated'])})"
        if state["exceeded"]:
            verdict += f" (exceeded for {', '.join(state['exceeded'])})"
    elif state["exceeded"]:
        verdict = f"exceeded by the evidence for {', '.join(state['exceeded'])}"
        if state["overstated"]:
            verdict += f" (overstated for {', '.join(state['overstated'])})"
    elif state["overstated"]:
        verdict = "upper bound well above the evidence"
    else:
        verdict = "no measured figure"
    return {"verdict": verdict, "rule": "; ".join(parts) + f" vs claimed {_fmt(bound)} "
            f"(attained from {_fmt(bound - LOOSE)} to {_fmt(bound + TOL)})", "sites": state}


def _span(rows: pd.DataFrame) -> tuple[float, float] | None:
    figs = _figures(rows)
    return (float(figs.min()), float(figs.max())) if figs.size else None


def _judge_range(rows: pd.DataFrame, c_lo: float, c_hi: float) -> dict[str, Any]:
    span = _span(rows)
    if span is None:
        return {"verdict": "no measured figure", "rule": "only bounds or nothing measured"}
    lo, hi = span
    rule = f"figures span {_fmt(lo)} to {_fmt(hi)} vs claimed {_fmt(c_lo)} to {_fmt(c_hi)}"
    if min(hi, c_hi) < max(lo, c_lo):
        side = "below" if hi < c_lo else "above"
        return {"verdict": f"contradicted: every figure lies {side} the claimed range",
                "rule": rule}
    off = []
    if c_lo < lo - TOL:
        off.append(f"understates the low end (lowest figure {_fmt(lo)})")
    elif c_lo > lo + TOL:
        off.append(f"leaves out figures down to {_fmt(lo)}")
    if c_hi > hi + TOL:
        off.append(f"overstates the top end (highest figure {_fmt(hi)})")
    elif c_hi < hi - TOL:
        off.append(f"leaves out figures up to {_fmt(hi)}")
    verdict = "supported" if not off else "partly supported: " + "; ".join(off)
    return {"verdict": verdict, "rule": rule + f" (ends match within {TOL * 100:g} points)"}


def _source_key(row: pd.Series) -> str:
    for field in ("doi", "pmid", "url", "citation"):
        value = row.get(field)
        if isinstance(value, str) and value.strip():
            return f"{field}:{value.strip()}"
        if isinstance(value, (int, float)) and not pd.isna(value):
            return f"{field}:{int(value)}"
    return f"id:{row['id']}"


def _judge_most_common(ev: pd.DataFrame, rows: pd.DataFrame,
                       estimand: str) -> dict[str, Any]:
    category, sep, denominator = estimand.partition("_share_of_")
    counted = rows.dropna(subset=["events", "total"])
    if not sep or counted.empty:
        return {"verdict": "not settled: no share with counts to compare",
                "rule": "a comparison needs the claimed category's share with its denominator"}
    others = ev[ev["estimand"].str.endswith(sep + denominator) & (ev["estimand"] != estimand)
                & ev["events"].notna() & ev["total"].notna()]
    results = []
    for _, r in counted.iterrows():
        same = others[(others["total"] == r["total"])
                      & (others.apply(_source_key, axis=1) == _source_key(r))]
        if same.empty:
            continue
        best = same.loc[same["events"].idxmax()]
        n = float(r["total"])
        p_s, p_o = float(r["events"]) / n, float(best["events"]) / n
        d = p_s - p_o
        se = math.sqrt(max(p_s + p_o - d * d, 1e-300) / n)
        results.append((float(special.ndtr(d / se)), r["id"], best, p_s, p_o))
    if not results:
        return {"verdict": "not settled: no other site measured on the same denominator",
                "rule": f"{len(counted)} {category} share(s) with counts "
                        f"({', '.join(counted['id'])}), but no other category's share from the "
                        "same source and total to compare with"}
    p, rid, best, p_s, p_o = min(results, key=lambda t: t[0])
    other = best["estimand"].partition("_share_of_")[0]
    return {"verdict": probability_verdict(p), "p": p, "p_min": p, "p_max": p,
            "rule": f"{rid}: {category} {_fmt(p_s)} vs {other} {_fmt(p_o)} ({best['id']}) of "
                    f"the same {int(best['total']):,}; P({category} share > {other} share) "
                    f"{_p_is(p)} (normal approximation, multinomial variance)"}


def _judge_direction(rows: pd.DataFrame) -> dict[str, Any]:
    ratios = rows["value"].dropna().to_numpy(float)
    if ratios.size and (ratios > 1).all():
        verdict = "supported in direction (no rates given)"
    elif ratios.size and (ratios < 1).all():
        verdict = "contradicted"
    else:
        verdict = "not settled by the evidence"
    return {"verdict": verdict,
            "rule": f"ratios reported: {', '.join(f'{r:g}' for r in ratios) or 'none'}"}


# ---------------------------------------------------------------------------------------------
# readings of a claim
# ---------------------------------------------------------------------------------------------


def _readings(claim: pd.Series) -> list[Reading]:
    estimand, ctype = claim["estimand"], claim["claim_type"]
    if ctype == "direction":
        return [Reading("as stated", estimand, None, True, "direction")]
    if ctype == "majority_share":
        return [Reading("the most common: a larger share than any other on the same "
                        "denominator", estimand, None, True, "most_common"),
                Reading(f"more than {_fmt(claim['claimed_low'])} of the denominator (a "
                        "stronger reading)", estimand, None, False, "share_above")]
    family = next((f for f, e, _, _ in READINGS if e == estimand), None)
    if family is None:
        return [Reading("as stated", estimand, None, True, ctype)]
    out = []
    for fam, est, setting, words in READINGS:
        if fam == family:
            out.append(Reading(words, est, setting, est == estimand, ctype))
    out.sort(key=lambda r: not r.literal)
    return out


def _judge(reading: Reading, claim: pd.Series, ev: pd.DataFrame, level: float) -> dict[
        str, Any]:
    sites = _claim_sites(claim)
    rows, left = _select(ev, reading, sites)
    fit = _Fit(rows, level, sites)
    lo, hi = claim["claimed_low"], claim["claimed_high"]
    if rows.empty:
        res: dict[str, Any] = {"verdict": "no evidence measures this reading",
                               "rule": "no evidence row measures this estimand here"}
    elif reading.rule == "lower_bound":
        res = _judge_share(fit, rows, float(lo), above=True)
    elif reading.rule == "share_above":
        res = _judge_share(fit, rows, float(lo), above=True)
    elif reading.rule == "upper_bound":
        res = _judge_upper(rows, float(hi), sites)
    elif reading.rule == "range":
        res = _judge_range(rows, float(lo), float(hi))
    elif reading.rule == "most_common":
        res = _judge_most_common(ev, rows, reading.estimand)
    else:
        res = _judge_direction(rows)
    figs = _figures(rows) if reading.rule != "direction" else np.array([])
    return {
        "reading": reading.label, "literal": reading.literal, "estimand": reading.estimand,
        "setting": reading.setting or "", "evidence_ids": ";".join(rows["id"]),
        "left_out": ";".join(left), "n_with_counts": fit.n, "basis": fit.basis,
        "reconstruction": fit.point, "ci_lower": fit.ci[0], "ci_upper": fit.ci[1],
        "pi_lower": fit.pi[0], "pi_upper": fit.pi[1],
        "evidence_min": float(figs.min()) if figs.size else math.nan,
        "evidence_max": float(figs.max()) if figs.size else math.nan,
        "p_claim_holds": res.get("p", math.nan), "p_new_setting": res.get("p_new", math.nan),
        "p_min": res.get("p_min", math.nan), "p_max": res.get("p_max", math.nan),
        "verdict": res["verdict"], "rule": res["rule"],
        "method_dependence": res.get("dependence", ""), "_fit": fit,
        "_bound": (float(lo) if reading.rule in ("lower_bound", "share_above") else
                   float(hi) if reading.rule == "upper_bound" else math.nan),
    }


def _mixing(claim: pd.Series, judged: list[dict[str, Any]]) -> str:
    """For a range claim: which readings hold each claimed end, when no single one holds
    both (the claim mixes estimands)."""
    lo, hi = float(claim["claimed_low"]), float(claim["claimed_high"])
    holds: dict[str, list[str]] = {"low": [], "high": []}
    for j in judged:
        a, b = j["evidence_min"], j["evidence_max"]
        if math.isnan(a):
            continue
        for end, x in (("low", lo), ("high", hi)):
            if a - TOL <= x <= b + TOL:
                holds[end].append(j["reading"])
    both = set(holds["low"]) & set(holds["high"])
    if both or not holds["low"] or not holds["high"]:
        return ""
    return (f"mixes estimands: the low end ({_fmt(lo)}) fits {' / '.join(holds['low'])}; "
            f"the high end ({_fmt(hi)}) fits {' / '.join(holds['high'])}; no single reading "
            "holds both")


def _lesson(claim: pd.Series, judged: list[dict[str, Any]]) -> str:
    literal = next(j for j in judged if j["literal"])
    text = f"Read literally ({literal['reading']}): {literal['verdict']}."
    others = [j for j in judged if not j["literal"]]
    if others:
        text += " Other readings: " + "; ".join(
            f"{j['reading']}: {j['verdict']}" for j in others) + "."
    if claim["claim_type"] == "range":
        mixing = _mixing(claim, judged)
        if mixing:
            text += f" The claimed range {mixing}."
    return text


# ---------------------------------------------------------------------------------------------
# the result
# ---------------------------------------------------------------------------------------------


class Audit:
    """The audit of the cited figures: each claim under each of its readings.

    Returned by :func:`reproduce`. ``to_frame()`` is the table (one row per claim and
    reading; columns :data:`REPRODUCE_COLUMNS`, then ``confidence_level,
    spinemets_version, data_version``), ``summary()`` one row per claim with its lesson,
    ``explain(claim_id)`` a paragraph for a reader, ``methods(claim_id)`` the pooled
    reconstructions under every method side by side, ``plot(claim_id)`` the evidence, the
    claim and the reconstruction on one axis.

    Examples
    --------
    >>> import spinemets as sm
    >>> audit = sm.reproduce()
    >>> "CLAIM-30-AUTOPSY" in audit.claim_ids
    True
    >>> print(audit.explain("CLAIM-30-AUTOPSY"))  # doctest: +ELLIPSIS
    CLAIM-30-AUTOPSY: ...
    """

    def __init__(self, table: pd.DataFrame, lessons: dict[str, str], fits: dict[
            tuple[str, str], Any], evidence_table: pd.DataFrame,
            confidence_level: float) -> None:
        self._table = table
        self._lessons = lessons
        self._fits = fits
        self._evidence = evidence_table
        self.confidence_level = confidence_level

    @property
    def claim_ids(self) -> list[str]:
        """The ids of the audited claims, in catalogue order."""
        return list(dict.fromkeys(self._table["claim_id"]))

    def __len__(self) -> int:
        return len(self.claim_ids)

    def to_frame(self) -> pd.DataFrame:
        """The audit as a table (a copy): one row per claim and reading, literal first."""
        out = self._table[list(REPRODUCE_COLUMNS)].copy()
        out["confidence_level"] = self.confidence_level
        out["spinemets_version"] = __version__
        out["data_version"] = DATA_VERSION
        return out

    def summary(self) -> pd.DataFrame:
        """One row per claim: ``claim_id, reading, verdict`` (of the literal reading) and
        ``lesson`` (every reading's verdict in one paragraph)."""
        lit = self._table[self._table["literal"]]
        return pd.DataFrame({"claim_id": lit["claim_id"].to_numpy(),
                             "reading": lit["reading"].to_numpy(),
                             "verdict": lit["verdict"].to_numpy(),
                             "lesson": [self._lessons[c] for c in lit["claim_id"]]})

    def lesson(self, claim_id: str) -> str:
        """The claim's verdicts under all its readings, in one paragraph."""
        self._rows(claim_id)
        return self._lessons[claim_id]

    def _rows(self, claim_id: Any) -> pd.DataFrame:
        check_str(claim_id, "claim_id")
        hit = self._table[self._table["claim_id"] == claim_id]
        if hit.empty:
            raise ValueError(f"claim_id must be one of {', '.join(self.claim_ids)}; "
                             f"got {claim_id!r}")
        return hit

    def _reading_row(self, claim_id: str, reading: str | None) -> pd.Series:
        rows = self._rows(claim_id)
        if reading is None:
            return rows[rows["literal"]].iloc[0]
        check_str(reading, "reading")
        hit = rows[(rows["reading"] == reading) | (rows["estimand"] == reading)]
        if hit.empty:
            raise ValueError(f"reading must be one of the claim's readings or estimands "
                             f"({', '.join(rows['estimand'])}); got {reading!r}")
        return hit.iloc[0]

    def methods(self, claim_id: str) -> pd.DataFrame:
        """Every pooled (or single-study) reconstruction of the claim, under every method.

        Columns: ``reading, estimand, method, estimate, ci_lower, ci_upper, pi_lower,
        pi_upper, tau2, p_claim_holds, p_new_setting, verdict``. Methods: fixed effect,
        DerSimonian–Laird, REML and Paule–Mandel, each with and without Knapp–Hartung, and
        the Bayesian model (half-normal prior on τ, scale 0.5 on the logit scale); a single
        study is its Jeffreys Beta. Empty when no reading has evidence with counts.

        Examples
        --------
        >>> import spinemets as sm
        >>> m = sm.reproduce().methods("CLAIM-30-AUTOPSY")
        >>> m["method"].tolist()[:3]
        ['FE', 'FE + KH', 'DL']
        """
        frames = []
        for _, r in self._rows(claim_id).iterrows():
            fit = self._fits[(claim_id, r["estimand"] + "|" + r["reading"])]
            table = fit.method_table()
            if table.empty:
                continue
            bound = r["_bound"] if "_bound" in r else math.nan
            table.insert(0, "estimand", r["estimand"])
            table.insert(0, "reading", r["reading"])
            if not math.isnan(bound):
                probs = fit.p_below(bound)
                above = r["claim_type"] != "upper_bound"
                table["p_claim_holds"] = [
                    (1 - probs[m][0]) if above else probs[m][0] for m in table["method"]]
                table["p_new_setting"] = [
                    (1 - probs[m][1]) if above else probs[m][1] for m in table["method"]]
                table["verdict"] = [probability_verdict(p) for p in table["p_claim_holds"]]
            else:
                table["p_claim_holds"] = math.nan
                table["p_new_setting"] = math.nan
                table["verdict"] = ""
            frames.append(table)
        if not frames:
            return pd.DataFrame(columns=["reading", "estimand", "method", "estimate",
                                         "ci_lower", "ci_upper", "pi_lower", "pi_upper",
                                         "tau2", "p_claim_holds", "p_new_setting", "verdict"])
        return pd.concat(frames, ignore_index=True)

    def explain(self, claim_id: str) -> str:
        """A short account of one claim: what it says, what it can mean, what the evidence
        for each meaning says, and why each verdict is what it is."""
        rows = self._rows(claim_id)
        first = rows.iloc[0]
        level = f"{self.confidence_level:.0%}"
        status = ("read" if first["source_checked"]
                  else f"not read: {first['source_status']}")
        out = [f"{claim_id}: \"{first['claim']}\" (cited: {first['cited_source'] or 'none'}; "
               f"cited text {status})."]
        for _, r in rows.iterrows():
            head = "Literal reading" if r["literal"] else "Other reading"
            parts = [f"{head} — {r['reading']} ({r['estimand']}):"]
            parts.append(f"evidence {r['evidence_ids'] or 'none'}"
                         + (f" (left out: {r['left_out']})" if r["left_out"] else "") + ".")
            if pd.notna(r["evidence_min"]):
                parts.append(f"Figures span {_fmt(r['evidence_min'])} to "
                             f"{_fmt(r['evidence_max'])}.")
            if pd.notna(r["reconstruction"]):
                text = (f"Reconstruction ({r['basis']}): {_fmt(r['reconstruction'])}, "
                        f"{level} interval {format_interval(r['ci_lower'], r['ci_upper'])}")
                if pd.notna(r["pi_lower"]):
                    text += (f"; a new setting {format_interval(r['pi_lower'], r['pi_upper'])}")
                parts.append(text + ".")
            if pd.notna(r["p_claim_holds"]):
                parts.append(f"P(claim holds) {_p_is(r['p_claim_holds'])}.")
            parts.append(f"Verdict: {r['verdict']} (because {r['rule']}).")
            if r["method_dependence"]:
                parts.append(f"Method: {r['method_dependence']}.")
            out.append(" ".join(parts))
        out.append(f"Lesson: {self._lessons[claim_id]}")
        return "\n".join(out)

    def plot(self, claim_id: str, ax: Axes | None = None, reading: str | None = None) -> Axes:
        """The reading's evidence rows, the claimed range (shaded) and the reconstruction
        (diamond, with the prediction interval dashed) on one axis; returns the Axes.

        ``reading`` is a reading's label or estimand (default: the literal reading)."""
        r = self._reading_row(claim_id, reading)
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
            raise ValueError(f"claim {claim_id!r} has no measured evidence to plot for the "
                             f"reading {r['reading']!r}")
        is_ratio = r["claim_type"] == "direction"
        ax = plotting.forest_plot(table, ax=ax, percent=not is_ratio,
                                  xlabel="ratio" if is_ratio else r["estimand"])
        names = {"study_estimate": "reported figure", "study_ci": "its interval",
                 "range": "reported range", "pooled": f"reconstruction ({_HEADLINE})",
                 "prediction": "a new setting (prediction)"}
        labelled: set[str] = set()
        for artist in [*ax.lines, *ax.collections, *ax.patches]:
            gid = artist.get_gid()
            if gid == "study_ci" and not any(
                    np.ptp(np.asarray(seg)[:, 0]) > 0 for seg in artist.get_segments()):
                continue  # figures without an interval: nothing visible to name
            if gid in names and gid not in labelled:
                artist.set_label(names[gid])
                labelled.add(gid)
        lo, hi = r["claimed_low"], r["claimed_high"]
        if r["claim_type"] == "range":
            ax.axvspan(lo, hi, color="0.85", zorder=0, label="claimed range")
        elif pd.notna(lo) or pd.notna(hi):
            bound = lo if pd.notna(lo) else hi
            word = "over" if pd.notna(lo) else "up to"
            ax.axvline(bound, color="C3", linestyle=":", label=f"claimed: {word} {_fmt(bound)}")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False,
                      fontsize="small")
        ax.set_title(f"{claim_id} — {r['reading']}:\n{r['verdict']}", fontsize="medium")
        return ax

    def to_text(self, width: int | None = None) -> str:
        """The audit as plain text, one block per claim, wrapped to ``width`` columns
        (default: the terminal's): what the command line prints."""
        limit = terminal_width() if width is None else check_count(width, "width", minimum=40)
        blocks = []
        for claim_id in self.claim_ids:
            rows = self._rows(claim_id)
            lines = [claim_id]
            for _, r in rows.iterrows():
                tag = "literal" if r["literal"] else "other"
                text = f"[{tag}] {r['reading']} ({r['estimand']}): {r['verdict']}"
                if pd.notna(r["reconstruction"]):
                    text += (f"; reconstruction {_fmt(r['reconstruction'])} "
                             f"({self.confidence_level:.0%} interval "
                             f"{format_interval(r['ci_lower'], r['ci_upper'])})")
                if pd.notna(r["p_claim_holds"]):
                    text += f"; P(claim holds) {_prob(r['p_claim_holds'])}"
                lines += textwrap.wrap(text, limit, initial_indent="  ",
                                       subsequent_indent="      ")
            if "mixes estimands" in self._lessons[claim_id]:
                lines += textwrap.wrap("lesson: " + self._lessons[claim_id].split(
                    "The claimed range ")[-1], limit, initial_indent="  ",
                    subsequent_indent="      ")
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks)

    def __repr__(self) -> str:
        return f"Audit of {len(self)} cited claims\n\n{self.to_text()}"

    def _repr_html_(self) -> str:
        cols = ["claim_id", "reading", "estimand", "reconstruction", "ci_lower", "ci_upper",
                "p_claim_holds", "verdict"]
        table = self._table[cols].copy()
        table["p_claim_holds"] = [_prob(p) if pd.notna(p) else "" for p in
                                  table["p_claim_holds"]]
        return html_table(table)


def reproduce(confidence_level: float = 0.95, evidence_table: pd.DataFrame | None = None,
              claims_table: pd.DataFrame | None = None) -> Audit:
    """Audit every cited claim under each of its readings (see :mod:`spinemets._audit`).

    Parameters
    ----------
    confidence_level : float in (0, 1), default 0.95
        Coverage of the reconstruction's intervals.
    evidence_table, claims_table : DataFrame, optional
        Alternative catalogue tables (as returned by :func:`spinemets.evidence` and
        :func:`spinemets.claims`), e.g. with local evidence added; default: the shipped ones.
        A ``measured_setting`` column in the evidence, when present, decides the setting a
        row measures (see :func:`row_measures`).

    Returns
    -------
    Audit
        Deterministic (no random numbers). ``Audit.to_frame()`` has one row per claim and
        reading (the literal reading first): ``claim_id, claim, cited_source,
        source_status, source_checked`` (whether the cited text itself could be read),
        ``reading`` (in words), ``literal``, ``estimand, setting, claim_type, claimed_low,
        claimed_high``, ``evidence_ids`` (the rows that measure this reading),
        ``left_out`` (rows of the estimand not used, with why), ``n_with_counts, basis,
        reconstruction, ci_lower, ci_upper, pi_lower, pi_upper`` (the REML pooled or
        single-study estimate; NaN without counts), ``evidence_min, evidence_max`` (span of
        the measured figures), ``p_claim_holds`` (P the claim holds for the average, REML),
        ``p_new_setting``, ``p_min, p_max`` (over the methods compared), ``verdict``,
        ``rule`` (the rule and numbers that produced it) and ``method_dependence`` (in
        words).

    Raises
    ------
    TypeError
        A table that is not a DataFrame.
    spinemets.CatalogueError
        A user table that is empty, lacks columns or has a row that fails validation
        (the message names the argument, the row id and the field).

    Examples
    --------
    >>> import spinemets as sm
    >>> audit = sm.reproduce().to_frame()
    >>> row = audit[(audit["claim_id"] == "CLAIM-30-AUTOPSY") & audit["literal"]].iloc[0]
    >>> int(row["n_with_counts"])
    2
    >>> bool(0 < row["p_claim_holds"] < 1)
    True
    """
    level = check_confidence_level(confidence_level)
    ev = evidence() if evidence_table is None else evidence_from_table(evidence_table)
    cl = (claims(evidence_table=ev) if claims_table is None
          else claims_from_table(claims_table, ev))
    out, lessons, fits = [], {}, {}
    for _, c in cl.iterrows():
        status = c["cited_source_status"]
        suffix = ("; cited source unavailable, judged on other evidence"
                  if status == "not-found" else
                  "; uncited in the source text" if status == "uncited" else "")
        judged = [_judge(r, c, ev, level) for r in _readings(c)]
        lessons[c["id"]] = _lesson(c, judged)
        for j in judged:
            fits[(c["id"], j["estimand"] + "|" + j["reading"])] = j.pop("_fit")
            if j["literal"]:
                j["verdict"] += suffix
            out.append({
                "claim_id": c["id"], "claim": c["claim"], "cited_source": c["cited_source"],
                "source_status": status, "source_checked": status in ("yes", "abstract-only"),
                "claim_type": c["claim_type"], "claimed_low": c["claimed_low"],
                "claimed_high": c["claimed_high"], **j,
            })
    table = pd.DataFrame(out, columns=[*REPRODUCE_COLUMNS, "_bound"])
    return Audit(table, lessons, fits, ev, level)
