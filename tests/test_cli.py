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
    assert "Traceback" not in proc.stderr and "is not a parameter id" in proc.stderr


@pytest.mark.parametrize("sub", ["evidence", "parameters", "estimate", "reproduce"])
def test_every_subcommand_has_help_with_an_example(sub, capsys):
    with pytest.raises(SystemExit) as info:
        main([sub, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "example" in out and f"spinemets {sub}" in out


# ---------------------------------------------------------------- a CLI that composes (issue 14)


def test_cohort_dash_reads_standard_input(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("hospital,primary_site,n\nA,breast,1000\n"
                                                  "B,prostate,500\n"))
    code, out, _ = run(["estimate", "--cohort", "-", "--outcome", "bone_mets_at_diagnosis",
                        "--format", "csv"], capsys)
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    assert df["hospital"].tolist() == ["A", "B"] and df["n"].tolist() == [1000, 500]


def test_output_dash_writes_standard_output_not_a_file(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(["parameters", "--format", "csv", "--output", "-"], capsys)
    assert code == 0
    assert "spinal_mets_autopsy" in set(pd.read_csv(io.StringIO(out))["id"])
    assert not (tmp_path / "-").exists()


def test_person_years_for_a_rate_outcome(capsys):
    # MSCC-20: 8.1 new MSCC per 100,000 person-years (the catalogued mean of mscc_rate).
    code, out, _ = run(["estimate", "--person-years", "100000", "--outcome", "mscc_rate",
                        "--format", "csv"], capsys)
    assert code == 0
    row = pd.read_csv(io.StringIO(out)).iloc[0]
    assert row["person_years"] == 100_000
    assert row["mean"] == pytest.approx(8.1, rel=1e-9)
    assert row["pi_lower"] <= row["mean"] <= row["pi_upper"]


@pytest.mark.parametrize("argv, flag", [
    (["estimate", "--n", "1000", "--outcome", "mscc_rate"], "--person-years"),
    (["estimate", "--person-years", "1000", "--outcome", "spinal_mets_autopsy"], "--n"),
    (["estimate", "--n", "10", "--person-years", "10", "--outcome", "mscc_rate"], "exactly one"),
])
def test_size_flag_must_fit_the_outcome(argv, flag, capsys):
    code, out, err = run(argv, capsys)
    assert code == 2 and out == "" and flag in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("argv, flag, suggestion", [
    (["evidence", "--site", "brest"], "--site", "'breast'"),
    (["evidence", "--setting", "autopsi"], "--setting", "'autopsy'"),
    (["evidence", "--estimand", "spinal_mets_autopsi"], "--estimand", "'spinal_mets_autopsy'"),
    (["estimate", "--n", "10", "--outcome", "spinal_mets_autopsi"], "--outcome",
     "'spinal_mets_autopsy'"),
    (["estimate", "--n", "10", "--outcome", "bone_mets_at_diagnosis", "--site", "prostat"],
     "--site", "'prostate'"),
])
def test_unknown_choice_suggests_the_closest(argv, flag, suggestion, capsys):
    code, out, err = run(argv, capsys)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith(f"error: {flag}:") and f"did you mean {suggestion}" in err


def test_filter_matching_nothing_is_an_error(capsys):
    code, out, err = run(["evidence", "--site", "breast", "--setting", "opinion"], capsys)
    assert code == 2 and out == "" and "Empty DataFrame" not in err
    assert "--site breast --setting opinion" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("argv, flag, value", [
    (["estimate", "--n", "-5", "--outcome", "spinal_mets_autopsy"], "--n", "-5"),
    (["estimate", "--person-years", "-2.5", "--outcome", "mscc_rate"], "--person-years", "-2.5"),
    (["estimate", "--n", "5", "--outcome", "spinal_mets_autopsy", "--confidence-level", "95"],
     "--confidence-level", "95"),
    (["parameters", "--confidence-level", "1.5"], "--confidence-level", "1.5"),
])
def test_messages_name_the_flag_and_the_value_given(argv, flag, value, capsys):
    code, _, err = run(argv, capsys)
    assert code == 2
    assert flag in err and f"got {value}" in err
    for internal in ("row", "column", "np.float64", "cohort"):
        assert internal not in err, err


def test_output_file_is_not_overwritten_without_force(capsys, tmp_path):
    target = tmp_path / "params.csv"
    target.write_text("keep me\n")
    code, out, err = run(["parameters", "--format", "csv", "--output", str(target)], capsys)
    assert code == 2 and out == "" and "--force" in err and target.read_text() == "keep me\n"
    code, _, _ = run(["parameters", "--format", "csv", "--output", str(target), "--force"],
                     capsys)
    assert code == 0 and "spinal_mets_autopsy" in set(pd.read_csv(target)["id"])


def test_out_dir_is_not_overwritten_without_force(capsys, tmp_path):
    argv = ["parameters", "--out-dir", str(tmp_path)]
    assert run(argv, capsys)[0] == 0
    (tmp_path / "parameters.csv").write_text("keep me\n")
    code, _, err = run(argv, capsys)
    assert code == 2 and "--force" in err
    assert (tmp_path / "parameters.csv").read_text() == "keep me\n"
    assert run([*argv, "--force"], capsys)[0] == 0
    assert "spinal_mets_autopsy" in set(pd.read_csv(tmp_path / "parameters.csv")["id"])


SMALL_PLAN = ["plan", "--population", "1000000", "--seed", "1", "--n-sims", "1000"]


@pytest.mark.parametrize("argv", [
    ["evidence", "--site", "breast"],
    ["parameters"],
    ["estimate", "--n", "100", "--outcome", "spinal_mets_autopsy", "--seed", "1"],
    ["reproduce"],
    [*SMALL_PLAN, "--table", "summary"],
    [*SMALL_PLAN, "--table", "assumptions"],
])
def test_every_format_is_honoured(argv, capsys):
    code, out, _ = run([*argv, "--format", "csv"], capsys)
    assert code == 0
    frame = pd.read_csv(io.StringIO(out))
    assert len(frame) > 0 and len(frame.columns) >= 1
    code, out, _ = run([*argv, "--format", "json"], capsys)
    assert code == 0
    parsed = json.loads(out)
    assert parsed and isinstance(parsed, (list, dict))


def test_plan_summary_as_csv_holds_the_text_lines(capsys):
    _, text, _ = run([*SMALL_PLAN, "--table", "summary"], capsys)
    _, out, _ = run([*SMALL_PLAN, "--table", "summary", "--format", "csv"], capsys)
    lines = pd.read_csv(io.StringIO(out), keep_default_na=False)["summary"].tolist()
    assert lines == text.rstrip("\n").split("\n")


@pytest.mark.parametrize("argv", [
    ["evidence"],
    ["parameters"],
    ["estimate", "--n", "100", "--outcome", "bone_mets_at_diagnosis", "--site", "breast",
     "--seed", "1"],
    ["reproduce"],
    [*SMALL_PLAN],
])
@pytest.mark.parametrize("columns", [80, 120])
def test_tables_fit_the_terminal(argv, columns, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", str(columns))
    code, out, _ = run(argv, capsys)
    assert code == 0 and out.strip()
    widest = max(len(line) for line in out.splitlines())
    assert widest <= columns, f"{widest} > {columns}"


def test_top_level_help_is_the_same_without_the_subcommands_loaded():
    from spinemets.cli import build_parser

    assert (build_parser(subcommands=False).format_help()
            == build_parser(subcommands=True).format_help())


@pytest.mark.parametrize("argv, suggestion", [
    (["estimat"], "'estimate'"),
    (["parameters", "--format", "cvs"], "'csv'"),
    (["estimate", "--n", "5", "--outcome", "mscc_rate", "--method", "exakt"], "'exact'"),
])
def test_misspelt_subcommand_or_choice_suggests_the_closest(argv, suggestion, capsys):
    code, out, err = run(argv, capsys)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert f"did you mean {suggestion}?" in err
