"""The audit of cited figures: readings per estimand, verdicts that follow the stated rules,
move with evidence of the same estimand and ignore evidence of another."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

import spinemets as sm
from spinemets._audit import METHODS, REPRODUCE_COLUMNS, probability_verdict, row_measures


@pytest.fixture(scope="module")
def audit():
    return sm.reproduce()


@pytest.fixture(scope="module")
def frame(audit):
    return audit.to_frame()


def _literal(frame: pd.DataFrame, claim_id: str) -> pd.Series:
    rows = frame[(frame["claim_id"] == claim_id) & frame["literal"]]
    assert len(rows) == 1
    return rows.iloc[0]


def _reading(frame: pd.DataFrame, claim_id: str, estimand: str) -> pd.Series:
    rows = frame[(frame["claim_id"] == claim_id) & (frame["estimand"] == estimand)]
    assert len(rows) == 1
    return rows.iloc[0]


def _run(ev: pd.DataFrame) -> pd.DataFrame:
    return sm.reproduce(evidence_table=ev).to_frame()


def _add(ev: pd.DataFrame, base: str, new_id: str, **fields) -> pd.DataFrame:
    """``ev`` with a copy of row ``base`` under ``new_id``, ``fields`` changed."""
    row = ev[ev["id"] == base].copy()
    row["id"] = new_id
    for key, value in fields.items():
        row[key] = value
    return pd.concat([ev, row], ignore_index=True)


# =============================================================================================
# the table
# =============================================================================================


def test_columns_and_one_literal_reading_per_claim(audit, frame):
    assert tuple(frame.columns) == (*REPRODUCE_COLUMNS, "confidence_level",
                                    "spinemets_version", "data_version")
    assert audit.claim_ids == sm.claims()["id"].tolist()
    assert frame.groupby("claim_id")["literal"].sum().eq(1).all()
    assert frame["verdict"].str.len().gt(0).all() and frame["rule"].str.len().gt(0).all()
    # literal reading is the claim's catalogue estimand, listed first
    claims = sm.claims().set_index("id")
    for cid in audit.claim_ids:
        rows = frame[frame["claim_id"] == cid]
        assert rows.iloc[0]["literal"]
        assert rows.iloc[0]["estimand"] == claims.loc[cid, "estimand"]
    summary = audit.summary()
    assert summary["claim_id"].tolist() == audit.claim_ids
    assert summary["lesson"].str.startswith("Read literally").all()


def test_each_reading_uses_only_rows_of_its_estimand(frame):
    ev = sm.evidence().set_index("id")
    for _, r in frame.iterrows():
        ids = [i for i in r["evidence_ids"].split(";") if i]
        assert all(ev.loc[i, "estimand"] == r["estimand"] for i in ids), r["reading"]
        assert all(ev.loc[i, "setting"] != "opinion" for i in ids)


def test_row_measures_is_the_one_rule():
    row = pd.Series({"estimand": "spinal_mets_clinical", "setting": "review"})
    assert row_measures(row) == ("spinal_mets_clinical", "clinical")
    assert row_measures(pd.Series({"estimand": "spinal_mets_clinical", "setting": "opinion"}))[
        1] == "opinion"
    assert row_measures(pd.Series({"estimand": "x", "setting": "registry"})) == (
        "x", "registry")
    assert row_measures(pd.Series({"estimand": "x", "setting": "guideline"}))[1] == "as filed"
    # the catalogue's measured_setting, when present, decides
    moved = pd.Series({"estimand": "spinal_mets_clinical", "setting": "review",
                       "measured_setting": "autopsy"})
    assert row_measures(moved) == ("spinal_mets_clinical", "autopsy")
    empty = pd.Series({"estimand": "spinal_mets_clinical", "setting": "review",
                       "measured_setting": np.nan})
    assert row_measures(empty) == ("spinal_mets_clinical", "clinical")
    source_type = pd.Series({"estimand": "spinal_mets_autopsy", "setting": "review",
                             "measured_setting": "review"})
    assert row_measures(source_type) == ("spinal_mets_autopsy", "autopsy")


# =============================================================================================
# CLAIM-30-AUTOPSY: the method decides between "supported" and "not settled"
# =============================================================================================


def _two_series():
    x, n = np.array([300.0, 258.0]), np.array([832.0, 842.0])
    return np.log(x / (n - x)), 1 / x + 1 / (n - x)


def test_autopsy_claim_reml_closed_form(frame):
    row = _literal(frame, "CLAIM-30-AUTOPSY")
    assert row["n_with_counts"] == 2
    assert {"SEED-03", "SEED-06"} <= set(row["evidence_ids"].split(";"))
    y, v = _two_series()
    # with two studies REML (and DL, PM) have the closed form tau2 = ((y1-y2)^2 - v1 - v2)/2
    tau2 = max(0.0, ((y[0] - y[1]) ** 2 - v.sum()) / 2)
    w = 1 / (v + tau2)
    mu, se = np.sum(w * y) / np.sum(w), 1 / math.sqrt(np.sum(w))
    assert row["reconstruction"] == pytest.approx(special.expit(mu), abs=1e-9)
    p = stats.norm.sf((special.logit(0.3) - mu) / se)
    assert row["p_claim_holds"] == pytest.approx(p, abs=1e-9)
    assert row["p_new_setting"] == pytest.approx(
        stats.norm.sf((special.logit(0.3) - mu) / math.sqrt(se**2 + tau2)), abs=1e-9)
    assert "2 of 2 > 30%" in row["rule"]  # literally, both series exceed 30%


def test_autopsy_claim_depends_on_the_method(audit, frame):
    row = _literal(frame, "CLAIM-30-AUTOPSY")
    assert row["verdict"].startswith("depends on the method")
    assert "pooling method" in row["method_dependence"]
    m = audit.methods("CLAIM-30-AUTOPSY")
    m = m[m["estimand"] == "spinal_mets_autopsy"].set_index("method")
    assert list(m.index) == [label for label, _, _ in METHODS]
    y, v = _two_series()
    w = 1 / v
    mu_fe, se_fe = np.sum(w * y) / np.sum(w), 1 / math.sqrt(np.sum(w))
    p_fe = stats.norm.sf((special.logit(0.3) - mu_fe) / se_fe)
    assert m.loc["FE", "p_claim_holds"] == pytest.approx(p_fe, abs=1e-9)
    assert m.loc["FE", "verdict"] == "supported"
    assert m.loc["REML", "verdict"].startswith("probably holds")
    # Knapp-Hartung with k = 2: t(1) and the KH standard error
    tau2 = max(0.0, ((y[0] - y[1]) ** 2 - v.sum()) / 2)
    w = 1 / (v + tau2)
    mu = np.sum(w * y) / np.sum(w)
    se_kh = math.sqrt(np.sum(w * (y - mu) ** 2) / np.sum(w))
    assert special.logit(m.loc["REML + KH", "ci_upper"]) == pytest.approx(
        mu + stats.t.isf(0.025, 1) * se_kh, abs=1e-9)
    assert m.loc["REML + KH", "verdict"] == "not settled by the evidence"
    bayes = sm.pool(y, v, method="bayes")
    assert m.loc["bayes", "estimate"] == pytest.approx(special.expit(bayes.estimate))
    assert m.loc["bayes", "p_claim_holds"] == pytest.approx(
        1 - float(bayes.cdf(special.logit(0.3))[0]), abs=1e-12)
    assert row["p_min"] == pytest.approx(m["p_claim_holds"].min())
    assert row["p_max"] == pytest.approx(m["p_claim_holds"].max())


def test_autopsy_verdict_flips_with_a_study_of_the_same_estimand_only():
    ev = sm.evidence()
    base = _literal(_run(ev), "CLAIM-30-AUTOPSY")
    low = _add(ev, "SEED-06", "TEST-AUT", events=120.0, total=1000.0, value=0.12)
    changed = _literal(_run(low), "CLAIM-30-AUTOPSY")
    assert changed["n_with_counts"] == 3
    assert changed["p_claim_holds"] < 0.5 < base["p_claim_holds"]
    assert changed["verdict"] != base["verdict"]
    # the same study filed as clinical incidence leaves the autopsy reading alone
    other = _add(ev, "SEED-06", "TEST-CLIN", events=120.0, total=1000.0, value=0.12,
                 estimand="spinal_mets_clinical", setting="clinical",
                 measured_setting="clinical")
    same = _literal(_run(other), "CLAIM-30-AUTOPSY")
    assert same["verdict"] == base["verdict"]
    assert same["p_claim_holds"] == pytest.approx(base["p_claim_holds"], abs=1e-15)
    assert "TEST-CLIN" in _reading(_run(other), "CLAIM-30-AUTOPSY",
                                   "spinal_mets_clinical")["evidence_ids"]


def test_autopsy_verdict_moves_with_the_counts():
    ev = sm.evidence()
    high = ev.copy()
    high.loc[high["id"] == "SEED-03", "events"] = 450.0
    high.loc[high["id"] == "SEED-06", "events"] = 440.0
    row = _literal(_run(high), "CLAIM-30-AUTOPSY")
    assert row["verdict"].startswith("supported") and row["p_min"] > 0.95
    low = ev.copy()
    low.loc[low["id"] == "SEED-03", "events"] = 160.0
    low.loc[low["id"] == "SEED-06", "events"] = 150.0
    row = _literal(_run(low), "CLAIM-30-AUTOPSY")
    assert row["verdict"] == "contradicted" and row["p_max"] < 0.05


@pytest.mark.parametrize("p,verdict", [(0.96, "supported"), (0.95, "supported"),
                                       (0.9, "probably holds"), (0.5, "not settled"),
                                       (0.1, "probably does not hold"),
                                       (0.01, "contradicted")])
def test_probability_rule(p, verdict):
    assert probability_verdict(p).startswith(verdict)


def test_probabilities_are_shown_with_sensible_precision(audit):
    text = audit.to_text(width=100)
    assert "> 0.999" in text
    assert "0.9999" not in text and "1.000" not in text
    assert "CLAIM-30-AUTOPSY" in text


# =============================================================================================
# CLAIM-85: "up to 85%" judged per site, per reading
# =============================================================================================


def test_up_to_85_literal_is_clinical_and_holds_for_prostate_only(frame):
    row = _literal(frame, "CLAIM-85")
    assert row["estimand"] == "bone_mets_clinical"
    assert row["verdict"].startswith("an upper bound for prostate only")
    assert "overstated for breast, lung" in row["verdict"]
    assert "cited source unavailable" in row["verdict"]
    assert math.isnan(row["p_claim_holds"])  # no multiplied site probabilities


def test_up_to_85_autopsy_reading_is_breast_and_prostate_only(frame):
    row = _reading(frame, "CLAIM-85", "bone_mets_autopsy")
    assert not row["literal"]
    assert row["verdict"] == "an upper bound for breast, prostate only (overstated for lung)"
    # the book chapter's 'one series' figures (SITE-11) state no setting: not autopsy evidence
    assert not any(i.startswith(("SITE-11", "SITE-09")) for i in row["evidence_ids"].split(";"))


def test_up_to_85_flips_with_a_site_figure_of_the_same_estimand_only():
    ev = sm.evidence()
    lung = _add(ev, "SRC-01d", "TEST-LUNG", value=0.82)
    row = _literal(_run(lung), "CLAIM-85")
    assert row["verdict"].startswith("an upper bound for prostate, lung only")
    autopsy_lung = _add(ev, "SITE-05", "TEST-LUNG", kind="proportion", value=0.82,
                        low=np.nan, high=np.nan, interval="")
    out = _run(autopsy_lung)
    assert _literal(out, "CLAIM-85")["verdict"] == _literal(_run(ev), "CLAIM-85")["verdict"]
    assert _reading(out, "CLAIM-85", "bone_mets_autopsy")["verdict"].startswith(
        "supported as an upper bound")


def test_upper_bound_exceeded_and_loose():
    ev = sm.evidence()
    high = ev.copy()
    high.loc[high["id"] == "SRC-01b", "value"] = 0.95
    assert "exceeded by the evidence for prostate" in _literal(_run(high), "CLAIM-85")[
        "verdict"]
    low = ev.copy()
    low.loc[low["id"] == "SRC-01b", "value"] = 0.6
    assert _literal(_run(low), "CLAIM-85")["verdict"].startswith(
        "upper bound well above the evidence")


def test_rows_whose_setting_is_not_stated_are_left_out():
    ev = sm.evidence()
    # file the chapter's figures back under autopsy, still saying the setting is not stated
    site11 = ev["id"].str.startswith("SITE-11")
    ev.loc[site11, "estimand"] = "bone_mets_autopsy"
    ev.loc[site11, "measured_setting"] = "not_stated"
    row = _reading(_run(ev), "CLAIM-85", "bone_mets_autopsy")
    assert "SITE-11-breast" not in row["evidence_ids"].split(";")
    assert "SITE-11-breast (setting not stated)" in row["left_out"]
    # without SITE-11 the highest lung figure is 0.42 and breast/prostate still reach 0.75
    assert row["verdict"].startswith("an upper bound for breast, prostate only")


# =============================================================================================
# CLAIM-10-40: a range, and the estimands it mixes
# =============================================================================================


def test_range_claim_readings(frame):
    row = _literal(frame, "CLAIM-10-40")
    assert row["estimand"] == "spinal_mets_clinical"
    assert row["evidence_min"] == pytest.approx(0.03)
    assert "SRC-11 (opinion)" in row["left_out"]
    assert row["verdict"].startswith("partly supported")
    ten = _reading(frame, "CLAIM-10-40", "spinal_mets_cumulative_incidence")
    assert "overstates the top end" in ten["verdict"]


def test_range_mixes_estimands_once_the_autopsy_like_row_is_refiled(audit):
    # with SRC-05 (60-70%, setting not stated) refiled, the catalogue's lesson is mixing
    lesson = audit.lesson("CLAIM-10-40")
    assert "mixes estimands" in lesson
    assert "the high end (40%) fits spinal metastases found at autopsy" in lesson
    # a 60-70% figure read as autopsy and filed as clinical is left out of the literal reading
    ev = sm.evidence()
    src05 = ev["id"] == "SRC-05"
    ev.loc[src05, "estimand"] = "spinal_mets_clinical"
    ev.loc[src05, "measured_setting"] = "autopsy"
    out = sm.reproduce(evidence_table=ev)
    row = _literal(out.to_frame(), "CLAIM-10-40")
    assert "SRC-05 (measured in autopsy)" in row["left_out"]
    assert "overstates the top end (highest figure 30%)" in row["verdict"]
    lesson = out.lesson("CLAIM-10-40")
    assert "mixes estimands" in lesson
    assert "the high end (40%) fits spinal metastases found at autopsy" in lesson


def test_range_rule_supported_and_contradicted():
    ev = sm.evidence()
    mask = ev["estimand"].eq("spinal_mets_clinical")
    inside = ev.copy()
    inside.loc[mask & inside["id"].eq("SRC-04"), ["low", "high"]] = [0.10, 0.40]
    for rid in ("SRC-05", "SRC-06", "SRC-07"):
        inside.loc[inside["id"] == rid, ["value", "low", "high"]] = [
            np.nan if rid != "SRC-06" else 0.2, 0.12 if rid != "SRC-06" else np.nan,
            0.3 if rid != "SRC-06" else np.nan]
    assert _literal(_run(inside), "CLAIM-10-40")["verdict"].startswith("supported")
    apart = ev.copy()
    for col in ("value", "low", "high"):  # onto [0.5, 0.9], order kept: a valid catalogue
        apart.loc[mask, col] = apart.loc[mask, col] * 0.4 + 0.5
    assert _literal(_run(apart), "CLAIM-10-40")["verdict"].startswith(
        "contradicted: every figure lies above")


# =============================================================================================
# CLAIM-SPINE-MOST-COMMON: a comparison of sites on the same denominator
# =============================================================================================


def test_most_common_is_not_a_share_above_one_half(frame):
    row = _literal(frame, "CLAIM-SPINE-MOST-COMMON")
    assert row["verdict"].startswith("not settled: no other site measured on the same "
                                     "denominator")
    assert "uncited" in row["verdict"]
    half = frame[(frame["claim_id"] == "CLAIM-SPINE-MOST-COMMON") & ~frame["literal"]].iloc[0]
    assert half["p_claim_holds"] == pytest.approx(
        stats.beta.sf(0.5, 4227.5, 7930 - 4227 + 0.5), abs=1e-12)
    assert half["verdict"] == "supported"


@pytest.mark.parametrize(("events", "verdict"), [(5000.0, "contradicted"),
                                                  (3000.0, "supported")])
def test_most_common_flips_with_another_site_on_the_same_denominator(events, verdict):
    ev = _add(sm.evidence(), "SPN-01", "TEST-PELVIS", estimand="pelvis_share_of_bone_mets",
              events=events, value=events / 7930)
    row = _literal(_run(ev), "CLAIM-SPINE-MOST-COMMON")
    assert row["verdict"].startswith(verdict)
    n, ps, po = 7930, 4227 / 7930, events / 7930
    p = stats.norm.cdf((ps - po) / math.sqrt((ps + po - (ps - po) ** 2) / n))
    assert row["p_claim_holds"] == pytest.approx(p, abs=1e-12)


def test_most_common_ignores_another_site_on_another_denominator():
    ev = _add(sm.evidence(), "SPN-01", "TEST-PELVIS", estimand="pelvis_share_of_bone_mets",
              events=5000.0, total=9000.0, value=5000 / 9000)
    row = _literal(_run(ev), "CLAIM-SPINE-MOST-COMMON")
    assert row["verdict"].startswith("not settled: no other site")


# =============================================================================================
# the rest
# =============================================================================================


def test_direction_claim(frame):
    assert _literal(frame, "CLAIM-ELDERLY")["verdict"].startswith("supported in direction")


def test_unfound_sources_are_said(frame):
    for cid in ("CLAIM-85", "CLAIM-10-40"):
        row = _literal(frame, cid)
        assert not row["source_checked"]
        assert "cited source unavailable" in row["verdict"]


def test_explain_names_every_reading_and_the_lesson(audit, frame):
    for cid in audit.claim_ids:
        text = audit.explain(cid)
        assert text.startswith(f"{cid}: ")
        for estimand in frame.loc[frame["claim_id"] == cid, "estimand"]:
            assert f"({estimand})" in text
        assert "Lesson: Read literally" in text
    assert "P ranges from" in audit.explain("CLAIM-30-AUTOPSY")


def test_methods_of_an_unpooled_claim_is_empty(audit):
    assert audit.methods("CLAIM-ELDERLY").empty


def test_bad_claim_id(audit):
    with pytest.raises(ValueError, match="claim_id must be one of"):
        audit.explain("CLAIM-NOPE")
    with pytest.raises(TypeError, match="claim_id must be a str"):
        audit.methods(3)
    with pytest.raises(ValueError, match="reading must be one of"):
        audit.plot("CLAIM-85", reading="nope")


def test_plot_legend_matches_what_is_drawn(audit):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = audit.plot("CLAIM-30-AUTOPSY")
    handles, labels = ax.get_legend_handles_labels()
    assert "claimed: over 30%" in labels
    assert all(h in ax.patches or h in ax.lines or h in ax.collections for h in handles)
    assert "spinal metastases found at autopsy" in ax.get_title()
    ax2 = audit.plot("CLAIM-85", reading="bone_mets_autopsy")
    assert "bone metastases found at autopsy" in ax2.get_title()
    plt.close("all")
