"""Evidence fidelity (issue 10): each figure is filed under the estimand and setting it measures.

Every correction is pinned here, so filing a row back under the wrong estimand, or mixing
settings in a parameter or claim, fails a test.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import pandas as pd
import pytest

import spinemets as sm
from spinemets._catalogue import (
    DATA_VERSION,
    MEASURED_SETTINGS,
    data_path,
    estimand_settings,
)
from spinemets._parameters import parameter_horizons, shipped_parameters

REFILED = ["SRC-05", *(f"SITE-09-{s}" for s in ("breast", "prostate", "thyroid", "lung",
                                                "kidney", "pancreas")),
           *(f"SITE-11-{s}" for s in ("all", "breast", "prostate", "lung", "gastrointestinal"))]


@pytest.fixture(scope="module")
def ev() -> pd.DataFrame:
    return sm.evidence().set_index("id")


def _shipped_text() -> pd.DataFrame:
    """The shipped evidence file as text cells, to write modified copies."""
    return pd.read_csv(data_path("evidence.csv"), dtype=str, keep_default_na=False)


def _load_changed(tmp_path: Path, changes: dict[tuple[str, str], str]) -> pd.DataFrame:
    table = _shipped_text()
    for (rid, field), value in changes.items():
        assert (table["id"] == rid).sum() == 1
        table.loc[table["id"] == rid, field] = value
    path = tmp_path / "evidence.csv"
    table.to_csv(path, index=False)
    return sm.evidence(path)


def _error(tmp_path: Path, changes: dict[tuple[str, str], str]) -> str:
    with pytest.raises(sm.CatalogueError) as info:
        _load_changed(tmp_path, changes)
    assert isinstance(info.value, ValueError)
    return str(info.value)


def test_data_version():
    assert DATA_VERSION == "2026-12-06"


# ------------------------------------------------------------------ refiled rows


@pytest.mark.parametrize("rid", REFILED)
def test_rows_of_unstated_setting_are_filed_as_such(ev, rid):
    row = ev.loc[rid]
    assert row["measured_setting"] == "not_stated"
    assert row["estimand"].endswith("_setting_not_stated")
    assert "REFILED 2026-12-06" in row["notes"]


@pytest.mark.parametrize("rid,back", [("SRC-05", "spinal_mets_clinical"),
                                      ("SITE-11-breast", "bone_mets_autopsy"),
                                      ("SITE-09-prostate", "bone_mets_autopsy")])
def test_filing_a_row_of_unstated_setting_back_fails(tmp_path, rid, back):
    message = _error(tmp_path, {(rid, "estimand"): back})
    assert f"row {rid!r}" in message and "'measured_setting'" in message
    assert back in message and "'not_stated'" in message


@pytest.mark.parametrize("rid,back", [("SITE-11-breast", "autopsy"), ("SRC-05", "clinical")])
def test_relabelling_the_setting_alone_does_not_bring_a_row_back(tmp_path, rid, back):
    # the *_setting_not_stated estimands take not_stated rows only
    message = _error(tmp_path, {(rid, "measured_setting"): back})
    assert f"row {rid!r}" in message and "_setting_not_stated" in message


def test_claims_no_longer_cite_the_refiled_rows():
    cited = {i for ids in sm.claims()["evidence_ids"] for i in ids.split(";") if i}
    assert not cited & set(REFILED)


def test_no_parameter_or_claim_mixes_settings(ev):
    """Over the whole catalogue: sources of a parameter share one measured setting allowed
    for its estimand; a claim's rows are all allowed for its estimand and its rows with
    counts (the ones pooled) share one setting."""
    pset = shipped_parameters()
    for key in pset:
        defn = pset.definition(*key)
        if defn["encoding"] == "claimed_range":
            continue
        ids = [s for s in defn["sources"].split(";") if s]
        settings = set(ev.loc[ids, "measured_setting"])
        assert len(settings) == 1, (key, settings)
        assert settings <= estimand_settings(defn["estimand"]), (key, settings)
    for _, claim in sm.claims().iterrows():
        ids = [s for s in claim["evidence_ids"].split(";") if s]
        rows = ev.loc[ids]
        assert set(rows["measured_setting"]) <= estimand_settings(claim["estimand"]), claim["id"]
        counted = rows[rows["events"].notna() & rows["total"].notna()]
        assert counted["measured_setting"].nunique() <= 1, claim["id"]


def test_every_row_obeys_its_estimands_settings(ev):
    for rid, row in ev.iterrows():
        assert row["measured_setting"] in estimand_settings(row["estimand"]), rid
        if row["setting"] in ("autopsy", "clinical", "registry", "imaging"):
            assert row["measured_setting"] == row["setting"], rid


def test_pooling_rows_of_two_settings_is_refused(tmp_path):
    ev = _shipped_text()
    rows = ev[ev["id"].isin(["SEED-03", "SEED-06"])].copy()
    rows["id"] = ["L-A", "L-B"]
    rows["estimand"] = "local_share"
    rows["setting"] = ["clinical", "registry"]
    rows["measured_setting"] = ["clinical", "registry"]
    rows.to_csv(tmp_path / "ev.csv", index=False)
    definition = {"id": "p", "primary_site": "all", "kind": "proportion", "definition": "d",
                  "population": "p", "setting": "clinical", "estimand": "local_share",
                  "sources": "L-A;L-B", "encoding": "pooled", "arguments": "",
                  "assumption": "a"}
    pd.DataFrame([definition]).to_csv(tmp_path / "p.csv", index=False)
    with pytest.raises(sm.CatalogueError, match="different settings"):
        sm.build_parameters(tmp_path / "p.csv", evidence=tmp_path / "ev.csv")


# ------------------------------------------------------------------ the two "4,000 a year"


def test_the_two_4000_a_year_figures_are_separate_rows(ev):
    cg75, ng234 = ev.loc["MSCC-12b"], ev.loc["SRC-06b"]
    assert cg75["estimand"] == "mscc_cases_per_year" and cg75["kind"] == "count"
    assert ng234["estimand"] == "spinal_mets_cases_per_year"
    assert ng234["kind"] == "lower_bound"  # "more than 4,000"
    assert cg75["value"] == ng234["value"] == 4000
    assert cg75["unit"] == ng234["unit"] == "count"
    assert "cg75" in cg75["url"] and "ng234" in ng234["url"]
    # the disagreement with NG234's own 16% is flagged on both rows
    assert "INCONSISTENT" in ng234["notes"] and "SRC-06" in ng234["notes"]
    assert "INCONSISTENT" in ev.loc["SRC-06", "notes"]
    # the rate rows keep their own figures
    assert ev.loc["MSCC-12", "estimand"] == "mscc_rate"
    assert ev.loc["SRC-06", "value"] == pytest.approx(0.16)


# ------------------------------------------------------------------ South-East Norway


@pytest.mark.parametrize("rid", ["MSCC-20", "SMD-01"])
def test_norway_rows_record_window_and_derived_denominator(ev, rid):
    row = ev.loc[rid]
    assert row["total"] == 3_900_000 and bool(row["total_derived"])
    assert "18 months" in row["population"] and "2007-2008" in row["population"]
    assert "2009;" not in row["citation"] and "not confirmed" in row["citation"]
    assert row["pmid"] == "19850454"


def test_norway_events_derived_only_where_they_are(ev):
    assert bool(ev.loc["MSCC-20", "events_derived"])  # 8.1e-5 x 3.9e6
    assert not bool(ev.loc["SMD-01", "events_derived"])  # 1002 reported
    assert ev.loc["SMD-01", "events"] == 1002


def test_derived_denominators_are_flagged_only_with_a_total(ev):
    flagged = ev[ev["total_derived"]]
    assert set(flagged.index) >= {"MSCC-20", "SMD-01"}
    assert flagged["total"].notna().all()


# ------------------------------------------------------------------ identifiers


def test_spn07_is_found(ev):
    row = ev.loc["SPN-07"]
    assert row["pmid"] == "31823501" and row["doi"] == "10.1111/os.12551"
    assert (row["events"], row["total"]) == (190, 580)
    assert "not found" not in row["checked"].split("found (was")[0]


def test_unidentified_sources_are_marked_honestly(ev):
    assert "NOT IDENTIFIED" in ev.loc["SPN-10", "citation"]
    assert "NOT IDENTIFIED" in ev.loc["CLIN-19", "citation"]
    for rid in ("MSCC-07", "MSCC-08", "MSCC-09", "MSCC-10"):
        row = ev.loc[rid]
        assert row["pmid"] == "20630663"
        assert row["doi"] != "" or "DOI NOT FOUND" in row["checked"]


def test_spn10_yield_is_its_own_row(ev):
    row = ev.loc["SPN-10b"]
    assert row["estimand"] == "mscc_yield_suspected"
    assert (row["events"], row["total"]) == (201, 280) and not bool(row["events_derived"])
    assert "14-59%" in row["notes"]


# ------------------------------------------------------------------ validation of new columns


@pytest.mark.parametrize("rid,field,value,rule", [
    ("SEED-03", "measured_setting", "post-mortem", "must be one of"),
    ("SEED-03", "measured_setting", "clinical", "must equal setting ('autopsy')"),
    ("CLIN-01", "horizon_years", "0", "must be a number of years > 0"),
    ("CLIN-01", "horizon_years", "-5", "must be a number of years > 0"),
    ("CLIN-01", "horizon_years", "ten", "must be a number"),
    ("SMD-01", "total_derived", "yes", "must be 'true', 'false' or empty"),
    ("SRC-06", "total_derived", "true", "a derived denominator needs total"),
    ("MSCC-12b", "unit", "fraction", "has unit 'count'"),
    ("MSCC-12b", "value", "-1", "must be >= 0"),
])
def test_bad_new_columns_name_row_field_rule_and_value(tmp_path, rid, field, value, rule):
    message = _error(tmp_path, {(rid, field): value})
    assert f"row {rid!r}" in message and f"field {field!r}" in message
    assert rule in message and repr(value) in message


def test_files_without_the_new_columns_still_load(tmp_path):
    table = _shipped_text().drop(columns=["measured_setting", "total_derived",
                                          "horizon_years"])
    primary = table["setting"].isin(["autopsy", "clinical", "registry", "imaging"])
    free = table["estimand"].map(lambda e: estimand_settings(e) == MEASURED_SETTINGS)
    path = tmp_path / "old.csv"
    table[primary | free].to_csv(path, index=False)
    out = sm.evidence(path).set_index("id")
    assert out.loc["SEED-03", "measured_setting"] == "autopsy"
    assert out.loc["SPN-02", "measured_setting"] == "not_stated"  # a review: not implied
    assert not out["total_derived"].any() and out["horizon_years"].isna().all()
    # a review row under an autopsy estimand no longer feeds it silently: the file fails
    table.to_csv(path, index=False)
    with pytest.raises(sm.CatalogueError, match="row 'SRC-01', field 'measured_setting'"):
        sm.evidence(path)


def test_old_claims_file_csv_round_trip():
    # the shipped claims validate against the shipped evidence (no stale ids)
    text = data_path("claims.csv").read_text(encoding="utf-8")
    assert len(pd.read_csv(io.StringIO(text))) == len(sm.claims())


# ------------------------------------------------------------------ horizons


def test_clinical_parameter_by_site_and_horizon():
    p = sm.parameter("spinal_mets_clinical", "lung", horizon_years=10)
    assert p.sources == ("POP-02",)
    assert p.interval(0.95) == pytest.approx((0.101, 0.105), rel=1e-6)
    assert parameter_horizons("spinal_mets_clinical", "lung") == [10.0]
    gi = sm.parameter("spinal_mets_clinical", "gastrointestinal", horizon_years=10)
    assert gi.mean < 0.011


def test_estimate_selects_the_horizon():
    cohort = pd.DataFrame({"primary_site": ["lung"], "n": [1000]})
    res = sm.estimate(cohort, "spinal_mets_clinical", horizon_years=10).iloc[0]
    p = sm.parameter("spinal_mets_clinical", "lung", horizon_years=10)
    assert res["mean"] == pytest.approx(1000 * p.a / (p.a + p.b))
    assert res["sources"] == "POP-02"


def test_an_uncovered_horizon_lists_the_covered_ones():
    cohort = pd.DataFrame({"primary_site": ["lung"], "n": [1000]})
    with pytest.raises(ValueError, match=r"horizon_years=5 .*horizons \(years\): 10"):
        sm.estimate(cohort, "spinal_mets_clinical", horizon_years=5)
    with pytest.raises(ValueError, match="no time horizon"):
        sm.estimate(1000, "spinal_mets_autopsy", horizon_years=5)
    with pytest.raises(TypeError, match="horizon_years must be a number"):
        sm.parameter("spinal_mets_clinical", "lung", horizon_years=True)
    with pytest.raises(ValueError, match="horizon_years selects"):
        sm.estimate(1000, sm.parameter("spinal_mets_autopsy"), horizon_years=5)


def test_a_parameter_horizon_must_match_its_sources(tmp_path):
    defs = sm.build_parameters().definitions
    row = defs[(defs["id"] == "spinal_mets_clinical") & (defs["primary_site"] == "lung")]
    row = row.assign(horizon_years="5")
    with pytest.raises(sm.CatalogueError, match=r"field 'horizon_years'.*POP-02 has 10"):
        sm.build_parameters(row)
    with pytest.raises(sm.CatalogueError, match="field 'horizon_years': must be a number"):
        sm.build_parameters(row.assign(horizon_years="soon"))


def test_lifetime_parameter_warns_and_points_to_the_measured_one():
    with pytest.warns(sm.UndefinedHorizonWarning, match="spinal_mets_clinical"):
        sm.estimate(1000, "spinal_mets_lifetime")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sm.estimate(1000, "spinal_mets_autopsy")
    defs = shipped_parameters().definitions.set_index("id")
    assert defs.loc["spinal_mets_lifetime", "horizon_years"] == "undefined"


# ------------------------------------------------------------------ modern evidence (issue 10)

NEW_ROWS = ["VDB-01", "VDB-02", "VDB-03", "VDB-04", "JEN-01", "JEN-02", "CRF-01", "TOI-01",
            "TOI-01b", "HU-01"]


@pytest.mark.parametrize("rid", NEW_ROWS)
def test_new_rows_carry_identifier_and_what_was_read(ev, rid):
    row = ev.loc[rid]
    assert row["doi"].startswith("10.") or row["pmid"].isdigit()
    assert row["verified"] in ("abstract-only", "yes", "secondary-source")
    assert row["checked"].startswith("2026-12-06: abstract read")
    assert row["measured_setting"] in estimand_settings(row["estimand"])


def test_systematic_review_figures(ev):
    assert ev.loc["VDB-01", "value"] == pytest.approx(0.1567)
    assert ev.loc["VDB-01", "estimand"] == "spinal_mets_clinical"
    assert pd.isna(ev.loc["VDB-01", "horizon_years"])  # studies of differing follow-up
    assert ev.loc["VDB-02", "value"] == pytest.approx(0.0284)
    mscc = ev.loc["VDB-03"]
    assert (mscc["value"], mscc["low"], mscc["high"]) == pytest.approx((0.0956, 0.057, 0.1342))
    assert mscc["interval"] == "ci95"


def test_danish_breast_counts_are_reported_not_derived(ev):
    assert (ev.loc["JEN-01", "events"], ev.loc["JEN-01", "total"]) == (178, 35912)
    assert (ev.loc["JEN-02", "events"], ev.loc["JEN-02", "total"]) == (1272, 35690)
    assert not ev.loc[["JEN-01", "JEN-02"], "events_derived"].any()
    assert pd.isna(ev.loc["JEN-02", "horizon_years"])  # unequal follow-up: no horizon
    assert ev.loc["CRF-01", "horizon_years"] == 5


def test_age_standardised_rates_say_so(ev):
    for rid in ("TOI-01", "TOI-01b"):
        assert "adjusted for age and sex" in ev.loc[rid, "notes"] or \
            "age- and sex-adjusted" in ev.loc[rid, "notes"]
        assert "standard population" in ev.loc[rid, "notes"]
    assert ev.loc["TOI-01b", "value"] / ev.loc["TOI-01", "value"] == pytest.approx(1.87, abs=0.01)


def test_spread_of_autopsy_series_is_read_with_wider_coverage():
    from scipy import stats

    p = sm.parameter("bone_mets_autopsy", "breast")
    # 65-75% read as the central 50% of settings (closed form check with scipy)
    assert stats.beta.ppf([0.25, 0.75], p.a, p.b) == pytest.approx([0.65, 0.75], abs=1e-6)
    alts = dict(shipped_parameters().alternatives("bone_mets_autopsy", "breast"))
    as95 = alts["range read as 95% interval, quantile"]
    assert stats.beta.ppf([0.025, 0.975], as95.a, as95.b) == pytest.approx([0.65, 0.75],
                                                                           abs=1e-6)
    assert as95.a + as95.b > 300 > p.a + p.b  # the 95% reading acts like ~320 patients
    cohort = pd.DataFrame({"primary_site": ["breast"], "n": [1000]})
    table = sm.sensitivity(cohort, "bone_mets_autopsy")
    default = table[table["is_default"]].iloc[0]
    wide95 = table[table["alternative"].str.startswith("range read as 95%")].iloc[0]
    assert default["pi_upper"] - default["pi_lower"] > wide95["pi_upper"] - wide95["pi_lower"]


@pytest.mark.parametrize("site,value", [("myeloma", 0.079), ("pancreas", 0.002),
                                        ("prostate", 0.07), ("breast", 0.055),
                                        ("lung", 0.03)])
def test_mscc_before_death_spread_is_a_stated_between_setting_cv(site, value):
    p = sm.parameter("mscc_before_death", site)
    n = round((1 - value) / (value * 0.25**2) - 1)
    assert (p.a, p.b) == pytest.approx((value * n + 0.5, (1 - value) * n + 0.5))
    # the Jeffreys half-counts move the CV of the distribution a little off 0.25
    assert p.std / p.mean == pytest.approx(0.25, rel=0.05)
    assert "1,000" not in p.assumption and "coefficient of variation" in p.assumption


def test_bone_metastasis_cumulative_incidence_by_horizon():
    assert parameter_horizons("bone_mets_cumulative_incidence", "all_solid") == [1.0, 5.0, 10.0]
    cohort = pd.DataFrame({"primary_site": ["all_solid"], "n": [10_000]})
    with pytest.raises(ValueError, match="pass horizon_years, one of: 1, 5, 10"):
        sm.estimate(cohort, "bone_mets_cumulative_incidence")
    res = sm.estimate(cohort, "bone_mets_cumulative_incidence", horizon_years=5).iloc[0]
    assert res["sources"] == "CLIN-02"
    assert res["mean"] == pytest.approx(10_000 * 0.069, rel=0.01)


def test_review_figure_without_horizon_warns():
    cohort = pd.DataFrame({"primary_site": ["all_solid"], "n": [1000]})
    with pytest.warns(sm.UndefinedHorizonWarning):
        res = sm.estimate(cohort, "spinal_mets_clinical")
    assert res["sources"].iloc[0] == "VDB-01"
    with pytest.raises(ValueError, match="horizons \\(years\\): none"):
        sm.estimate(cohort, "spinal_mets_clinical", horizon_years=5)


def test_mscc_given_spinal_metastases_reads_the_review_ci():
    p = sm.parameter("mscc_given_spinal_mets")
    assert p.interval(0.95) == pytest.approx((0.057, 0.1342), rel=1e-6)
    assert p.sources == ("VDB-03",)
