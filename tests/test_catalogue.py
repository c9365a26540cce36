"""The shipped catalogue validates, and a malformed file fails naming file, row and field."""

from __future__ import annotations

import math
import shutil

import pandas as pd
import pytest

import spinemets as sm
from spinemets._catalogue import EVIDENCE_COLUMNS, KINDS, SETTINGS, SITES, data_path


@pytest.fixture(scope="module")
def ev() -> pd.DataFrame:
    return sm.evidence()


def test_every_row_validates_and_has_provenance(ev):
    assert len(ev) > 100
    assert tuple(ev.columns) == EVIDENCE_COLUMNS
    assert ev["id"].is_unique
    assert ev["kind"].isin(KINDS).all() and ev["setting"].isin(SETTINGS).all()
    assert (ev["citation"] != "").all()
    assert ((ev["doi"] != "") | (ev["pmid"] != "") | (ev["url"] != "")).all()
    for sites in ev["primary_site"]:
        assert set(sites.split(";")) <= SITES


def test_fractions_not_percent(ev):
    frac = ev[ev["unit"].isin(["fraction", "fraction_per_year"])]
    for col in ("value", "low", "high"):
        vals = frac[col].dropna()
        assert ((vals >= 0) & (vals <= 1)).all(), col


def test_counts_consistent(ev):
    both = ev.dropna(subset=["events", "total"])
    assert (both["events"] <= both["total"]).all()
    derived = ev[ev["events_derived"]]
    assert len(derived) > 0
    # derived counts are the rounded product of the printed percentage and the denominator
    for _, r in derived.iterrows():
        assert abs(r["events"] - r["value"] * r["total"]) <= 0.5 + 1e-9 * r["total"], r["id"]


def test_key_figures_as_published(ev):
    row = ev.set_index("id")
    assert (row.loc["SEED-03", "total"], row.loc["SEED-03", "value"]) == (832, 0.36)
    assert (row.loc["SEED-06", "total"], row.loc["SEED-06", "value"]) == (842, 0.306)
    assert row.loc["SEED-06", "pmid"] == "8567140"
    assert (row.loc["CLIN-20", "events"], row.loc["CLIN-20", "total"]) == (8295, 229195)
    assert row.loc["POP-01", "value"] == pytest.approx(22.9e-5)


def test_ships_inside_the_package():
    path = data_path("evidence.csv")
    assert path.is_file() and path.parent.name in ("data",)


def _write_variant(tmp_path, edit):
    src = data_path("evidence.csv")
    dst = tmp_path / "local.csv"
    shutil.copy(src, dst)
    df = pd.read_csv(dst, dtype=str, keep_default_na=False)
    edit(df)
    df.to_csv(dst, index=False)
    return dst


def test_user_catalogue_loads(tmp_path):
    def add_audit(df):
        extra = df.iloc[[0]].copy()
        extra["id"] = "LOCAL-1"
        extra["kind"] = "counts"
        extra["events"], extra["total"], extra["value"] = "12", "40", "0.3"
        extra["events_derived"] = "false"
        df.loc[len(df)] = extra.iloc[0]

    path = _write_variant(tmp_path, add_audit)
    out = sm.evidence(path)
    assert out.set_index("id").loc["LOCAL-1", "events"] == 12


@pytest.mark.parametrize("field,value,message", [
    ("value", "30.6", "fraction"),
    ("events", "900", "events"),
    ("events", "2.5", "whole number"),
    ("kind", "guess", "kind"),
    ("setting", "hospital", "setting"),
    ("primary_site", "spleen", "primary_site"),
    ("value", "abc", "number"),
    ("pmid", "PMID 123", "pmid"),
])
def test_malformed_row_names_file_row_and_field(tmp_path, field, value, message):
    def edit(df):
        df.loc[df["id"] == "SEED-06", field] = value

    path = _write_variant(tmp_path, edit)
    with pytest.raises(sm.CatalogueError) as info:
        sm.evidence(path)
    text = str(info.value)
    assert str(path) in text and "'SEED-06'" in text and field in text and message in text


def test_missing_identifier_and_duplicate_id(tmp_path):
    def no_id(df):
        df.loc[df["id"] == "SEED-06", ["doi", "pmid", "url"]] = ""

    with pytest.raises(sm.CatalogueError, match="identifier"):
        sm.evidence(_write_variant(tmp_path, no_id))

    def dup(df):
        df.loc[df["id"] == "SEED-06", "id"] = "SEED-03"

    with pytest.raises(sm.CatalogueError, match="duplicate"):
        sm.evidence(_write_variant(tmp_path, dup))


def test_missing_column_and_missing_file(tmp_path):
    path = _write_variant(tmp_path, lambda df: df.__delitem__("citation"))
    with pytest.raises(sm.CatalogueError, match="citation"):
        sm.evidence(path)
    with pytest.raises(FileNotFoundError):
        sm.evidence(tmp_path / "nope.csv")


def test_claims_refer_to_matching_evidence(ev):
    cl = sm.claims()
    assert set(cl["id"]) >= {"CLAIM-85", "CLAIM-10-40", "CLAIM-30-AUTOPSY",
                             "CLAIM-SPINE-MOST-COMMON", "CLAIM-ELDERLY"}
    est = dict(zip(ev["id"], ev["estimand"], strict=True))
    for _, c in cl.iterrows():
        for eid in filter(None, c["evidence_ids"].split(";")):
            assert est[eid] == c["estimand"]
    row = cl.set_index("id").loc["CLAIM-30-AUTOPSY"]
    assert (row["claim_type"], row["claimed_low"]) == ("lower_bound", 0.30)
    assert row["evidence_ids"] == "SEED-03;SEED-06"


def test_claim_with_wrong_estimand_evidence_is_rejected(tmp_path):
    src = pd.read_csv(data_path("claims.csv"), dtype=str, keep_default_na=False)
    src.loc[src["id"] == "CLAIM-30-AUTOPSY", "evidence_ids"] = "SEED-03;CLIN-20"
    path = tmp_path / "claims.csv"
    src.to_csv(path, index=False)
    with pytest.raises(sm.CatalogueError, match="CLIN-20"):
        sm.claims(path)


# ------------------------------------------------------------------ parameters

REQUIRED = {"bone_mets_autopsy", "spinal_mets_autopsy", "spinal_mets_lifetime",
            "bone_mets_at_diagnosis", "mscc_before_death", "spinal_mets_rate", "mscc_rate"}


def test_required_parameters_present():
    table = sm.parameters()
    assert REQUIRED <= set(table["id"])
    sites = set(table.loc[table["id"] == "bone_mets_autopsy", "primary_site"])
    assert {"breast", "prostate", "lung"} <= sites
    for col in ("definition", "population", "sources", "encoding", "assumption"):
        assert (table[col] != "").all(), col


def test_every_parameter_interval_contains_mean_and_is_valid():
    table = sm.parameters(confidence_level=0.95)
    assert (table["ci_lower"] <= table["mean"]).all()
    assert (table["mean"] <= table["ci_upper"]).all()
    props = table[table["kind"] == "proportion"]
    assert ((props["ci_lower"] >= 0) & (props["ci_upper"] <= 1)).all()
    assert (table.loc[table["kind"] == "rate", "ci_lower"] > 0).all()


def test_parameter_objects_carry_provenance():
    p = sm.parameter("bone_mets_at_diagnosis", primary_site="breast")
    assert isinstance(p, sm.Proportion) and p.sources == ("CLIN-20",)
    assert (p.a, p.b) == (8295.5, 229195 - 8295 + 0.5)
    r = sm.parameter("spinal_mets_rate")
    assert isinstance(r, sm.Rate)
    assert r.interval(0.95) == pytest.approx((22.9e-5, 30.2e-5), rel=1e-8)
    lifetime = sm.parameter("spinal_mets_lifetime")
    assert lifetime.interval(0.95) == pytest.approx((0.10, 0.40), rel=1e-8)
    assert "10% to 40%" in lifetime.assumption


def test_spinal_autopsy_is_pooled_predictive():
    p = sm.parameter("spinal_mets_autopsy")
    assert p.sources == ("SEED-03", "SEED-06")
    lo, hi = p.interval(0.95)
    # the predictive distribution for a new setting is wider than either series alone
    wong = sm.beta_from_counts(300, 832).interval(0.95)
    assert lo < min(wong[0], 0.306) and hi > max(wong[1], 0.36)
    assert 0.30 < p.mean < 0.36


@pytest.mark.parametrize("args,exc,words", [
    (("nope",), ValueError, ["unknown parameter id", "spinal_mets_autopsy"]),
    (("bone_mets_autopsy",), ValueError, ["primary_site", "breast"]),
    (("bone_mets_autopsy", "spleen"), ValueError, ["spleen", "prostate"]),
    ((3,), TypeError, ["id"]),
    (("bone_mets_autopsy", 3), TypeError, ["primary_site"]),
])
def test_parameter_bad_input(args, exc, words):
    with pytest.raises(exc) as info:
        sm.parameter(*args)
    for w in words:
        assert w in str(info.value)


def test_confidence_level_changes_intervals_nested():
    narrow = sm.parameters(0.5)
    wide = sm.parameters(0.95)
    assert (wide["ci_lower"] <= narrow["ci_lower"]).all()
    assert (wide["ci_upper"] >= narrow["ci_upper"]).all()
    assert not math.isnan(narrow["mean"].sum())


def test_show_links_citations_and_shows_percent():
    pytest.importorskip("jinja2")
    ev = sm.evidence()
    assert type(ev) is pd.DataFrame and type(sm.parameters()) is pd.DataFrame
    page = sm.show(ev[ev["id"] == "SEED-06"]).to_html()
    assert 'href="https://doi.org/10.1007/BF00181116"' in page
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/8567140/"' in page
    assert "30.6%" in page
    # the data stay fractions
    assert ev.set_index("id").loc["SEED-06", "value"] == 0.306
    table = sm.parameters()
    row = table[table["id"] == "spinal_mets_autopsy"]
    assert "pubmed.ncbi.nlm.nih.gov/2326692" in row["references"].iloc[0]
    assert "<a href=" in sm.show(row).to_html()
    rate_html = sm.show(table[table["id"] == "spinal_mets_rate"]).to_html()
    assert "/100k py" in rate_html
