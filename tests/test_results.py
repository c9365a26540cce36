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
