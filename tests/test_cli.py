"""The command line through its real entry points: output parses with the documented
columns; bad input exits with status 2 and one line on stderr, never a traceback."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pandas as pd
import pytest

from spinemets.cli import main


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_python_dash_m_entry_point():
    proc = subprocess.run([sys.executable, "-m", "spinemets", "--version"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and proc.stdout.startswith("spinemets ")


def test_no_subcommand_prints_version_and_help(capsys):
    code, out, _ = run([], capsys)
    assert code == 0 and "spinemets" in out and "estimate" in out


def test_evidence_csv_and_filters(capsys):
    code, out, _ = run(["evidence", "--site", "breast", "--setting", "registry",
                        "--format", "csv"], capsys)
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    assert len(df) > 0
    assert (df["setting"] == "registry").all()
    assert df["primary_site"].str.contains("breast").all()
    assert {"id", "citation", "doi", "pmid", "value"} <= set(df.columns)


def test_parameters_table_shows_percent_and_json_keeps_fractions(capsys):
    code, out, _ = run(["parameters"], capsys)
    assert code == 0 and "spinal_mets_autopsy" in out and "%" in out
    code, out, _ = run(["parameters", "--format", "json"], capsys)
    records = json.loads(out)
    row = next(r for r in records if r["id"] == "spinal_mets_autopsy")
    assert 0 < row["mean"] < 1 and row["ci_lower"] < row["mean"] < row["ci_upper"]


def test_estimate_outputs_documented_columns(capsys, tmp_path):
    code, out, _ = run(["estimate", "--n", "1000", "--outcome", "spinal_mets_autopsy",
                        "--format", "csv", "--seed", "1"], capsys)
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    for col in ("outcome", "parameter", "n", "mean", "median", "ci_lower", "ci_upper",
                "pi_lower", "pi_upper", "confidence_level", "method"):
        assert col in df.columns
    cohort = tmp_path / "cohort.csv"
    pd.DataFrame({"hospital": ["A", "B"], "primary_site": ["breast", "prostate"],
                  "n": [1000, 500]}).to_csv(cohort, index=False)
    target = tmp_path / "out.json"
    code, _, _ = run(["estimate", "--cohort", str(cohort), "--outcome",
                      "bone_mets_at_diagnosis", "--format", "json", "--output", str(target)],
                     capsys)
    assert code == 0
    records = json.loads(target.read_text())
    assert [r["hospital"] for r in records] == ["A", "B"]
    code, out, _ = run(["estimate", "--cohort", str(cohort), "--outcome",
                        "bone_mets_at_diagnosis", "--total", "--format", "csv"], capsys)
    assert code == 0 and pd.read_csv(io.StringIO(out)).loc[0, "n"] == 1500


def test_reproduce_csv(capsys):
    code, out, _ = run(["reproduce", "--format", "csv"], capsys)
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    assert "CLAIM-30-AUTOPSY" in set(df["claim_id"])
    assert {"verdict", "p_claim_holds", "rule"} <= set(df.columns)


@pytest.mark.parametrize("argv", [
    ["estimate", "--n", "100", "--outcome", "nope"],
    ["estimate", "--n", "-3", "--outcome", "spinal_mets_autopsy"],
    ["estimate", "--outcome", "spinal_mets_autopsy"],
    ["estimate", "--n", "100", "--outcome", "bone_mets_at_diagnosis", "--site", "spleen"],
    ["estimate", "--cohort", "missing.csv", "--outcome", "spinal_mets_autopsy"],
    ["estimate", "--n", "ten", "--outcome", "spinal_mets_autopsy"],
    ["parameters", "--confidence-level", "95"],
    ["evidence", "--file", "missing.csv"],
    ["evidence", "--format", "xml"],
    ["bogus"],
    ["parameters", "--output", "/no/such/folder/x.csv"],
])
def test_bad_input_exit_2_one_line_no_traceback(argv, capsys):
    code, _out, err = run(argv, capsys)
    assert code == 2
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and err.startswith("error:")


def test_bad_input_through_the_console_script():
    proc = subprocess.run([sys.executable, "-m", "spinemets", "estimate", "--n", "5",
                           "--outcome", "nope"], capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "unknown parameter id" in proc.stderr


@pytest.mark.parametrize("sub", ["evidence", "parameters", "estimate", "reproduce"])
def test_every_subcommand_has_help_with_an_example(sub, capsys):
    with pytest.raises(SystemExit) as info:
        main([sub, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "example" in out and f"spinemets {sub}" in out
