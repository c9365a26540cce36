"""The encoding registry and building parameters from a user's own catalogue files.

Every registered encoding builds from a small user catalogue written here, states its
reading and lists its alternatives; the shipped parameters' alternatives keep the names and
order the pre-registry ``alternatives()`` gave (recorded from it before the change).
"""

from __future__ import annotations

import pandas as pd
import pytest

import spinemets as sm
from spinemets._parameters import shipped_parameters
from spinemets._registry import ENCODINGS, encoding
from spinemets._sensitivity import alternatives

EVIDENCE = [
    # id, estimand, kind, unit, events, total, value, low, high, interval
    ("L-C1", "local_autopsy", "counts", "fraction", "41", "120", "", "", "", ""),
    ("L-C2", "local_autopsy", "counts", "fraction", "30", "100", "", "", "", ""),
    ("L-RANGE", "local_range", "range", "fraction", "", "", "", "0.1", "0.3", "spread"),
    ("L-VALUE", "local_value", "proportion", "fraction", "", "", "0.2", "", "", ""),
    ("L-R1", "local_rate", "rate", "per_person_year", "", "", "0.0002", "", "", ""),
    ("L-R2", "local_rate", "rate", "per_person_year", "", "", "0.0003", "", "", ""),
    ("L-RC", "local_rate_counts", "rate", "per_person_year", "81", "1000000", "", "", "", ""),
]

DEFINITIONS = [
    # id, kind, estimand, sources, encoding, arguments
    ("p_counts", "proportion", "local_autopsy", "L-C1", "counts", ""),
    ("p_pooled", "proportion", "local_autopsy", "L-C1;L-C2", "pooled", "method=REML"),
    ("p_range", "proportion", "local_range", "L-RANGE", "range",
     "confidence_level=0.95;method=quantile"),
    ("p_claimed", "proportion", "local_claimed", "CLAIM-L", "claimed_range",
     "confidence_level=0.9"),
    ("p_value", "proportion", "local_value", "L-VALUE", "value", "effective_total=200"),
    ("r_span", "rate", "local_rate", "L-R1;L-R2", "rate_span", "confidence_level=0.95"),
    ("r_cv", "rate", "local_rate", "L-R1", "rate_cv", "cv=0.25"),
    ("r_counts", "rate", "local_rate_counts", "L-RC", "rate_counts", ""),
]


def _evidence_frame() -> pd.DataFrame:
    rows = []
    for eid, estimand, kind, unit, events, total, value, low, high, interval in EVIDENCE:
        row = dict.fromkeys(sm.evidence().columns, "")
        row.update(id=eid, estimand=estimand, quantity=f"local {estimand}", primary_site="all",
                   population="local patients", setting="clinical", kind=kind, unit=unit,
                   events=events, total=total, value=value, low=low, high=high,
                   interval=interval, citation="Local audit 2024",
                   url="https://example.org/audit", verified="yes")
        rows.append(row)
    return pd.DataFrame(rows)


def _definitions_frame() -> pd.DataFrame:
    return pd.DataFrame([
        {"id": pid, "primary_site": "all", "kind": kind, "definition": f"local {pid}",
         "population": "local patients", "setting": "clinical", "estimand": estimand,
         "sources": sources, "encoding": enc, "arguments": args,
         "assumption": f"assumption of {pid}"}
        for pid, kind, estimand, sources, enc, args in DEFINITIONS])


def _claims_frame() -> pd.DataFrame:
    row = dict.fromkeys(sm.claims().columns, "")
    row.update(id="CLAIM-L", claim="10% to 40% of local patients", claim_type="range",
               claimed_low="0.1", claimed_high="0.4", estimand="local_claimed",
               primary_site="all", reading="a range across local clinics")
    return pd.DataFrame([row])


@pytest.fixture
def files(tmp_path):
    paths = {name: tmp_path / f"{name}.csv" for name in ("evidence", "parameters", "claims")}
    _evidence_frame().to_csv(paths["evidence"], index=False)
    _definitions_frame().to_csv(paths["parameters"], index=False)
    _claims_frame().to_csv(paths["claims"], index=False)
    return paths


@pytest.fixture
def mine(files):
    return sm.build_parameters(files["parameters"], evidence=files["evidence"],
                               claims=files["claims"])


# ------------------------------------------------------------------ the registry


def test_every_registered_encoding_builds_states_and_varies(mine):
    covered = {enc for *_, enc, _ in DEFINITIONS}
    assert covered == set(ENCODINGS)  # a new encoding must be added to this test
    for pid, kind, _, _, name, args in DEFINITIONS:
        enc = encoding(name)
        dist = mine.parameter(pid)
        assert isinstance(dist, sm.Rate if kind == "rate" else sm.Proportion), pid
        assert enc.kind == kind
        # the definition's assumption, plus a pooling note where pooling warned
        assert dist.assumption.startswith(f"assumption of {pid}")
        assert dist.label == f"{pid} (all)"
        reading = enc.describe(args)
        assert reading and "{" not in reading, name
        options = mine.alternatives(pid)
        assert options[0] == (f"as catalogued ({name})", dist)
        if name == "rate_counts":
            assert len(options) == 1
        else:
            assert len(options) >= 3, name
        for label, alt in options[1:]:
            assert label and alt.assumption == "alternative reading for sensitivity analysis"
            assert isinstance(alt, type(dist))


def test_user_parameters_have_the_closed_forms(mine):
    counts = mine.parameter("p_counts")
    assert (counts.a, counts.b) == (41.5, 79.5)
    assert counts.sources == ("L-C1",)
    r = mine.parameter("r_counts")
    assert (r.shape, r.inverse_scale) == (81.5, 1e6)
    assert mine.parameter("p_range").interval(0.95) == pytest.approx((0.1, 0.3), rel=1e-8)
    assert mine.parameter("p_claimed").interval(0.9) == pytest.approx((0.1, 0.4), rel=1e-8)
    assert mine.parameter("r_span").interval(0.95) == pytest.approx((2e-4, 3e-4), rel=1e-8)
    cv = mine.parameter("r_cv")
    assert cv.mean == pytest.approx(2e-4) and cv.std / cv.mean == pytest.approx(0.25)
    value = mine.parameter("p_value")
    assert (value.a, value.b) == pytest.approx((0.2 * 200 + 0.5, 0.8 * 200 + 0.5))


def test_describe_fills_defaults_and_given_arguments():
    assert "0.95 of the mass (quantile fit)" in encoding("range").describe()
    assert "0.8 of the mass (maxent fit)" in encoding("claimed_range").describe(
        {"confidence_level": 0.8, "method": "maxent"})
    assert "variation 0.5" in encoding("rate_cv").describe("cv=0.5")
    with pytest.raises(sm.CatalogueError, match="'cv' is required"):
        encoding("rate_cv").describe()


def test_unknown_encoding_lists_the_valid_names():
    with pytest.raises(sm.CatalogueError) as info:
        encoding("triangle", where="my.csv: parameter 'x' (all)")
    text = str(info.value)
    assert text.startswith("my.csv: parameter 'x' (all), field 'encoding'")
    assert str(sorted(ENCODINGS)) in text and "'triangle'" in text


# --------------------------------------------- shipped alternatives, as before the registry

# Names recorded from the elif-chain ``alternatives()`` before the registry replaced it.
SHIPPED_ALTERNATIVES = {
    # issue 10: the spread across autopsy series is catalogued as a 50% reading; the 95%
    # reading stays among the alternatives
    ("bone_mets_autopsy", "breast"): [
        "as catalogued (range)", "range read as 95% interval, quantile",
        "range read as 95% interval, maxent", "range read as 90% interval, quantile",
        "range read as 90% interval, maxent", "range read as 80% interval, quantile",
        "range read as 80% interval, maxent"],
    ("spinal_mets_autopsy", "all"): [
        "as catalogued (pooled) = pooled REML, predictive for a new setting = pooled DL, "
        "predictive for a new setting = pooled PM, predictive for a new setting",
        "pooled REML mean only (no between-setting spread)", "single study SEED-03",
        "single study SEED-06"],
    ("spinal_mets_lifetime", "all"): [
        "as catalogued (claimed_range) = range read as 95% interval, quantile",
        "range read as 95% interval, maxent", "range read as 90% interval, quantile",
        "range read as 90% interval, maxent", "range read as 80% interval, quantile",
        "range read as 80% interval, maxent"],
    ("bone_mets_at_diagnosis", "breast"): ["as catalogued (counts) = Jeffreys prior",
                                           "uniform prior"],
    # issue 10: effective sample size from a stated between-setting CV of 0.25 (was 1000)
    ("mscc_before_death", "breast"): ["as catalogued (value) = effective sample size 274",
                                      "effective sample size 68.5", "effective sample size 1096"],
    ("spinal_mets_rate", "all"): ["as catalogued (rate_span) = span read as 95% interval",
                                  "span read as 90% interval", "span read as 80% interval"],
    ("mscc_rate", "all"): ["as catalogued (rate_cv) = coefficient of variation 0.25",
                           "coefficient of variation 0.125", "coefficient of variation 0.5"],
}


@pytest.mark.parametrize("key", list(SHIPPED_ALTERNATIVES))
def test_shipped_alternatives_keep_names_and_order(key):
    assert [name for name, _ in alternatives(*key)] == SHIPPED_ALTERNATIVES[key]


def test_shipped_alternative_numbers():
    # closed forms of the alternatives: uniform prior, scaled effective sample size, cv
    uniform = dict(alternatives("bone_mets_at_diagnosis", "breast"))["uniform prior"]
    assert (uniform.a, uniform.b) == (8296.0, 229195 - 8295 + 1.0)
    n68 = dict(alternatives("mscc_before_death", "breast"))["effective sample size 68.5"]
    value = sm.evidence().set_index("id").loc["MSCC-05", "value"]
    assert (n68.a, n68.b) == pytest.approx((value * 68.5 + 0.5, (1 - value) * 68.5 + 0.5))
    wide = dict(alternatives("mscc_rate"))["coefficient of variation 0.5"]
    assert wide.shape == pytest.approx(4.0) and wide.mean == pytest.approx(8.1e-5)
    span80 = dict(alternatives("spinal_mets_rate"))["span read as 80% interval"]
    assert span80.interval(0.8) == pytest.approx((22.9e-5, 30.2e-5), rel=1e-8)


def test_alternatives_of_a_user_set(mine):
    names = [name for name, _ in alternatives("p_counts", parameter_set=mine)]
    assert names == ["as catalogued (counts) = Jeffreys prior", "uniform prior"]
    with pytest.raises(TypeError, match="parameter_set"):
        alternatives("p_counts", parameter_set="not a set")


# ------------------------------------------------------------------ build_parameters


def test_shipped_set_is_what_parameters_gives():
    built = sm.build_parameters()
    pd.testing.assert_frame_equal(built.to_frame(), sm.parameters())
    pd.testing.assert_frame_equal(built.to_frame(0.5), sm.parameters(0.5))
    assert shipped_parameters().parameter("spinal_mets_autopsy") is sm.parameter(
        "spinal_mets_autopsy")
    assert len(built) == len(sm.parameters())
    assert "spinal_mets_autopsy" in repr(built)


def test_user_set_table_and_lookup(mine):
    table = mine.to_frame()
    assert list(table["id"]) == [d[0] for d in DEFINITIONS]
    assert list(table.columns) == list(sm.parameters().columns)
    assert table.set_index("id").loc["p_counts", "references"] == "https://example.org/audit"
    assert mine.sites("p_counts") == ["all"]
    assert mine.definition("r_cv")["arguments"] == "cv=0.25"
    assert mine.encoding("r_cv") is ENCODINGS["rate_cv"]
    with pytest.raises(ValueError, match="unknown parameter id 'nope'; available: p_claimed"):
        mine.parameter("nope")


def test_dataframes_in(files):
    ev = pd.concat([sm.evidence(), sm.evidence(files["evidence"])], ignore_index=True)
    defs = pd.concat([sm.build_parameters().definitions, _definitions_frame()
                      [lambda d: d["encoding"] != "claimed_range"]], ignore_index=True)
    both = sm.build_parameters(defs, evidence=ev)
    assert both.parameter("p_counts").a == 41.5
    assert both.parameter("spinal_mets_autopsy").mean == sm.parameter("spinal_mets_autopsy").mean


def _broken(files, **change) -> pd.DataFrame:
    defs = pd.read_csv(files["parameters"], dtype=str, keep_default_na=False)
    pid = change.pop("id", "p_counts")
    for field, value in change.items():
        defs.loc[defs["id"] == pid, field] = value
    defs.to_csv(files["parameters"], index=False)
    return defs


@pytest.mark.parametrize("pid,change,field,words", [
    ("p_counts", {"sources": "L-NOPE"}, "sources", "unknown evidence id(s) ['L-NOPE']"),
    ("p_counts", {"sources": ""}, "sources", "at least one id"),
    ("p_counts", {"sources": "L-RANGE"}, "sources", "measures another estimand"),
    ("p_counts", {"sources": "L-C1;L-C2"}, "sources", "exactly one evidence row, got 2"),
    ("p_pooled", {"sources": "L-C1;L-VALUE", "estimand": "local_value"}, "sources",
     "measures another estimand"),
    ("p_value", {"encoding": "counts", "arguments": ""}, "sources",
     "evidence 'L-VALUE' has no events, total"),
    ("p_claimed", {"sources": "CLAIM-NOPE"}, "sources", "unknown claim id(s)"),
    ("p_counts", {"encoding": "triangle"}, "encoding", "must be one of ['claimed_range'"),
    ("r_cv", {"arguments": ""}, "arguments", "'cv' is required"),
    ("r_cv", {"arguments": "cv=wide"}, "arguments", "cv must be a number, got 'wide'"),
    ("r_cv", {"arguments": "cv"}, "arguments", "expected key=value"),
    ("r_cv", {"arguments": "cv=0.2;CV=0.3"}, "arguments", "takes ['cv'], got ['CV']"),
    ("p_range", {"arguments": "method=guess"}, "arguments", "method must be 'quantile'"),
    ("r_cv", {"kind": "proportion"}, "kind", "gives a Rate, not a proportion"),
    ("r_cv", {"kind": "count"}, "kind", "must be 'proportion' or 'rate'"),
    ("r_cv", {"primary_site": "spleen"}, "primary_site", "must be one of"),
])
def test_bad_definitions_name_file_parameter_and_field(files, pid, change, field, words):
    _broken(files, id=pid, **change)
    with pytest.raises(sm.CatalogueError) as info:
        sm.build_parameters(files["parameters"], evidence=files["evidence"],
                            claims=files["claims"])
    text = str(info.value)
    assert str(files["parameters"]) in text
    assert f"parameter {pid!r}" in text
    assert f"field {field!r}" in text
    assert words in text


def test_bad_evidence_file_names_file_row_and_field(files):
    ev = pd.read_csv(files["evidence"], dtype=str, keep_default_na=False)
    ev.loc[ev["id"] == "L-C1", "events"] = "410"
    ev.to_csv(files["evidence"], index=False)
    with pytest.raises(sm.CatalogueError) as info:
        sm.build_parameters(files["parameters"], evidence=files["evidence"],
                            claims=files["claims"])
    text = str(info.value)
    assert str(files["evidence"]) in text and "'L-C1'" in text and "'events'" in text


def test_bad_inputs_to_build_parameters(files, tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope\.csv"):
        sm.build_parameters(tmp_path / "nope.csv")
    with pytest.raises(TypeError, match="definitions must be a path or a DataFrame"):
        sm.build_parameters(3)
    with pytest.raises(TypeError, match="evidence must be a path or a DataFrame"):
        sm.build_parameters(files["parameters"], evidence=[1, 2])
    with pytest.raises(sm.CatalogueError, match=r"missing column\(s\) \['assumption'\]"):
        sm.build_parameters(_definitions_frame().drop(columns="assumption"))
    with pytest.raises(sm.CatalogueError, match="evidence \\(DataFrame\\): missing column"):
        sm.build_parameters(files["parameters"], evidence=sm.evidence().drop(columns="total"))
    dup = pd.concat([_definitions_frame()] * 2)
    with pytest.raises(sm.CatalogueError, match="duplicate site 'all'"):
        sm.build_parameters(dup, evidence=files["evidence"], claims=files["claims"])
