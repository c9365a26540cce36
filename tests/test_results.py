"""The result protocol: provenance and seeds survive concat, CSV and JSON; the Audit object;
sidecars written by every CLI subcommand."""

from __future__ import annotations

import io
import json

import matplotlib
import numpy as np
import pandas as pd
import pytest

import spinemets as sm
from spinemets.cli import main

matplotlib.use("Agg")


def _normalised(prov: pd.DataFrame) -> pd.DataFrame:
    """Provenance records with plain dtypes, for comparing tables read back from files."""
    out = prov.copy()
    for c in out.columns:
        if c in ("seed", "rows"):
            out[c] = pd.array(out[c], dtype="Int64")
        else:
            out[c] = out[c].astype(object).where(out[c].notna(), "").astype(str)
    return out.reset_index(drop=True)


@pytest.fixture(scope="module")
def mixed():
    """Exact rows of one parameter and Monte Carlo rows of another, concatenated."""
    exact = sm.estimate(pd.DataFrame({"primary_site": ["breast", "prostate"], "n": [100, 80]}),
                        "bone_mets_at_diagnosis")
    drawn = sm.estimate([500], "spinal_mets_autopsy", method="monte_carlo", draws=2000, rng=11)
    return pd.concat([exact, drawn], ignore_index=True)


def test_provenance_columns_end_every_estimate_table(mixed):
    assert tuple(mixed.columns[-len(sm.PROVENANCE_COLUMNS):]) == sm.PROVENANCE_COLUMNS
    autopsy = sm.parameter("spinal_mets_autopsy")
    row = mixed.iloc[2]
    assert row["encoding"] == autopsy.encoding
    assert row["sources"] == ";".join(autopsy.sources)
    assert row["assumption"] == autopsy.assumption
    assert row["seed"] == 11
    assert mixed["seed"].iloc[:2].isna().all()  # exact rows drew nothing
    assert (mixed["spinemets_version"] == sm.__version__).all()
    assert (mixed["data_version"] == sm.DATA_VERSION).all()


def test_provenance_survives_concat_csv_and_json(mixed):
    prov = _normalised(sm.provenance(mixed))
    assert len(prov) == 3 and prov["rows"].sum() == 3
    from_csv = pd.read_csv(io.StringIO(mixed.to_csv(index=False)))
    from_json = pd.read_json(io.StringIO(mixed.to_json(orient="records")), orient="records")
    for back in (from_csv, from_json):
        pd.testing.assert_frame_equal(_normalised(sm.provenance(back)), prov)
    # the accessor gives the same
    pd.testing.assert_frame_equal(_normalised(mixed.spinemets.provenance()), prov)


def test_provenance_rejects_tables_that_are_not_results():
    with pytest.raises(ValueError, match="missing"):
        sm.provenance(pd.DataFrame({"a": [1]}))
    with pytest.raises(TypeError, match="DataFrame"):
        sm.provenance([1, 2])


def test_seed_generated_recorded_and_sufficient_to_rerun():
    mc = {"method": "monte_carlo", "draws": 1000}
    first = sm.estimate([50, 5000], "spinal_mets_autopsy", **mc)
    seed = first["seed"].iloc[0]
    assert pd.notna(seed) and (first["seed"] == seed).all()
    again = sm.estimate([50, 5000], "spinal_mets_autopsy", **mc, rng=int(seed))
    pd.testing.assert_frame_equal(first, again)
    # a Generator supplies a seed from its own stream; that seed reproduces the result
    gen_run = sm.estimate([50], "spinal_mets_autopsy", **mc, rng=np.random.default_rng(3))
    rerun = sm.estimate([50], "spinal_mets_autopsy", **mc, rng=int(gen_run["seed"][0]))
    pd.testing.assert_frame_equal(gen_run, rerun)


def test_estimate_total_joins_the_provenance_of_its_parameters():
    cohort = pd.DataFrame({"primary_site": ["breast", "prostate"], "n": [300, 200]})
    tot = sm.estimate_total(cohort, "bone_mets_at_diagnosis", method="monte_carlo",
                            draws=2000, rng=4)
    assert tot["method"][0] == "monte_carlo" and tot["seed"][0] == 4
    breast = sm.parameter("bone_mets_at_diagnosis", "breast")
    prostate = sm.parameter("bone_mets_at_diagnosis", "prostate")
    assert breast.encoding in tot["encoding"][0] and prostate.encoding in tot["encoding"][0]
    assert set(tot["sources"][0].split(";")) == {*breast.sources, *prostate.sources}


def test_sensitivity_rows_share_one_seed_and_keep_each_reading():
    table = sm.sensitivity(400, "spinal_mets_autopsy", method="monte_carlo", draws=1000, rng=8)
    drawn = table[table["method"] == "monte_carlo"]
    assert len(drawn) >= 2 and (drawn["seed"] == 8).all()
    prov = sm.provenance(table)
    assert len(prov) == len(table)  # one reading per row
    assert table["encoding"].nunique() > 1


def test_audit_object(tmp_path):
    audit = sm.reproduce()
    frame = audit.to_frame()
    # one row per claim and reading, the literal reading first
    assert list(dict.fromkeys(frame["claim_id"])) == audit.claim_ids == list(sm.claims()["id"])
    assert (frame["data_version"] == sm.DATA_VERSION).all()
    text = audit.explain("CLAIM-30-AUTOPSY")
    row = frame[(frame["claim_id"] == "CLAIM-30-AUTOPSY") & frame["literal"]].iloc[0]
    assert row["verdict"] in text and "SEED-03" in text and "spinal_mets_autopsy" in text
    ax = audit.plot("CLAIM-30-AUTOPSY")
    assert any(t.get_text().startswith("claimed") for t in ax.get_legend().get_texts())
    ax.figure.savefig(tmp_path / "audit.png")
    with pytest.raises(ValueError, match="CLAIM-85"):
        audit.explain("CLAIM-NOPE")
    assert "<table" in audit._repr_html_()


@pytest.mark.parametrize("argv", [
    ["evidence", "--site", "breast"],
    ["parameters"],
    ["estimate", "--n", "300", "--outcome", "spinal_mets_autopsy"],
    ["reproduce"],
])
def test_every_subcommand_writes_a_sidecar(tmp_path, capsys, argv):
    name = argv[0]
    out = tmp_path / "out"
    assert main([*argv, "--out-dir", str(out)]) == 0
    table = pd.read_csv(out / f"{name}.csv")
    side = json.loads((out / f"{name}.json").read_text())
    assert side["command"] == ["spinemets", *argv, "--out-dir", str(out)]
    assert side["versions"]["spinemets"] == sm.__version__
    assert side["table"] == f"{name}.csv" and len(table) > 0
    # a second run refuses to overwrite, --force allows it
    assert main([*argv, "--out-dir", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert main([*argv, "--out-dir", str(out), "--force"]) == 0


def test_estimate_sidecar_rerun_reproduces_the_monte_carlo_table(tmp_path):
    first = tmp_path / "first"
    assert main(["estimate", "--n", "300", "--outcome", "spinal_mets_autopsy",
                 "--method", "monte_carlo", "--out-dir", str(first)]) == 0
    side = json.loads((first / "estimate.json").read_text())
    assert side["seed"] is not None and "--seed" in side["rerun"]
    rerun = [a if a != str(first) else str(tmp_path / "again") for a in side["rerun"][1:]]
    assert main(rerun) == 0
    a, b = pd.read_csv(first / "estimate.csv"), pd.read_csv(tmp_path / "again" / "estimate.csv")
    pd.testing.assert_frame_equal(a, b)
    assert side["provenance"][0]["sources"] == "SEED-03;SEED-06"


def test_out_dir_and_output_together_is_a_usage_error(tmp_path, capsys):
    assert main(["parameters", "--out-dir", str(tmp_path), "--output", "x.csv"]) == 2
    err = capsys.readouterr().err
    assert "--out-dir" in err and "cannot be used with --output 'x.csv'" in err, err


def test_coded_columns_equal_the_per_row_construction():
    """Columns built from codes hold what pd.Categorical of the per-row texts holds
    (values, categories and their order), for one part, repeated texts and zero rows."""
    from spinemets._results import coded_text, group_codes, provenance_columns

    a, b, c = (sm.Proportion.beta(2, 3, label=x) for x in "abc")
    per_row = [b, a, b, c, a, a]
    parts, code = group_codes(per_row)
    assert parts == [b, a, c] and code.tolist() == [0, 1, 0, 2, 1, 1]
    assert code.dtype == np.uint8  # one byte a row
    texts = ["zeta", "alpha", "zeta"]  # two parts with the same text: one category
    got = coded_text(texts, code, len(per_row))
    want = pd.Categorical([texts[i] for i in code])
    pd.testing.assert_extension_array_equal(got, want)
    pd.testing.assert_extension_array_equal(coded_text(["x"], None, 3), pd.Categorical(["x"] * 3))
    assert len(coded_text([], np.array([], dtype=np.uint8), 0)) == 0
    cols = provenance_columns(parts, [None, 7, None], code, len(per_row))
    assert cols["seed"].tolist() == [pd.NA, 7, pd.NA, pd.NA, 7, 7]
    assert cols["sources"].tolist() == [";".join(p.sources) for p in per_row]
    with pytest.raises(ValueError, match="one entry per part"):
        provenance_columns(parts, [None], code, len(per_row))


def test_result_text_columns_are_categorical_and_concatenate():
    """outcome, parameter and method cost a byte a row; method's categories are fixed, so
    exact and Monte Carlo tables concatenate as categories and read back from CSV."""
    exact = sm.estimate([10, 20], "mscc_before_death")
    drawn = sm.estimate([30], "spinal_mets_autopsy", method="monte_carlo", draws=500, rng=2)
    for res in (exact, drawn):
        for col in ("outcome", "parameter", "method"):
            assert isinstance(res[col].dtype, pd.CategoricalDtype), col
        assert res["method"].cat.categories.tolist() == ["exact", "monte_carlo"]
    both = pd.concat([exact, drawn], ignore_index=True)
    assert isinstance(both["method"].dtype, pd.CategoricalDtype)
    assert both["method"].tolist() == ["exact", "exact", "monte_carlo"]
    assert both["outcome"].tolist() == ["mscc_before_death"] * 2 + ["spinal_mets_autopsy"]
    back = pd.read_csv(io.StringIO(both.to_csv(index=False)))
    assert back["method"].tolist() == both["method"].tolist()
    assert back["parameter"].tolist() == both["parameter"].tolist()
