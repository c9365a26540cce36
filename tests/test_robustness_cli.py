"""Robustness of the command line (issue 16): every subcommand driven with bad and extreme
input, generated (hypothesis) and hand-picked.

The only acceptable outcomes of a run are exit status 0 with a correct output, or exit status
2 with exactly one ``error:`` line on standard error that names the flag or file and the value
given — never a traceback, never exit status 1, never a file written outside the named
output. Each defect these tests found has a ``test_regression_*`` test below.

The runs are in-process (``spinemets.cli.main(argv)`` with captured output), which is much
faster than a subprocess; a few subprocess tests check exit statuses and pipes through the
real entry point. Numbers that make the library itself hang are kept out of the strategies
and listed in the closing note of issue 16 (the owners of those limits fix them there).
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import math
import os
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from spinemets._catalogue import data_path
from spinemets.cli import COMMANDS, main

PLAN = ["plan", "--population", "1000000", "--n-sims", "1000", "--seed", "1"]
ESTIMATE = ["estimate", "--n", "100", "--outcome", "spinal_mets_autopsy", "--seed", "1"]
#: One cheap successful run of every subcommand.
EVERY = {
    "evidence": ["evidence", "--site", "breast"],
    "parameters": ["parameters"],
    "estimate": ESTIMATE,
    "reproduce": ["reproduce"],
    "plan": PLAN,
}
FORMULAS = ['=HYPERLINK("http://example.invalid","x")', "+1+1", "-2+3", "@SUM(A1:A9)",
            "\tTAB", "\rCR", "=cmd|' /C calc'!A0"]


def run(argv: list[str]) -> tuple[int, str, str]:
    """``main(argv)`` with standard output and error captured; ``SystemExit`` (``--help``)
    becomes its code."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # only --help and --version exit this way
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def check_outcome(code: int, out: str, err: str, *names: str) -> None:
    """Exit 0, or exit 2 with one ``error:`` line naming one of ``names`` (when given)."""
    assert "Traceback" not in err, err
    assert code in (0, 2), (code, err)
    if code == 2:
        lines = err.strip("\n").split("\n")
        assert len(lines) == 1 and lines[0].startswith("error: "), err
        assert out == "", out
        if names:
            assert any(name in err for name in names), (names, err)


def check_estimate_csv(out: str, rows: int | None = None) -> pd.DataFrame:
    """A successful ``estimate --format csv``: finite, non-negative and ordered numbers."""
    df = pd.read_csv(io.StringIO(out))
    if rows is not None:
        assert len(df) == rows
    for col in ("mean", "ci_lower", "ci_upper", "pi_lower", "pi_upper"):
        values = pd.to_numeric(df[col])
        assert values.notna().all() and (values >= 0).all() and values.map(math.isfinite).all()
    # a central interval holds the median at any level (not the mean: at a level near 0
    # the interval of a skewed law can lie beside it)
    tol = 1e-9 * df["median"].abs().max()
    assert (df["ci_lower"] <= df["median"] + tol).all()
    assert (df["median"] <= df["ci_upper"] + tol).all()
    assert (df["pi_lower"] <= df["pi_upper"]).all()
    return df


@contextlib.contextmanager
def temp_cwd():
    """A fresh empty working folder for the block (restored after)."""
    old = os.getcwd()
    with tempfile.TemporaryDirectory() as d:
        os.chdir(d)
        try:
            yield Path(d)
        finally:
            os.chdir(old)


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


# ------------------------------------------------------------------ generated input

#: The profile's examples (tests/conftest.py) with a deadline fit for a whole command run on a
#: busy machine (a plan takes about a second alone); a hang still fails.
cli_settings = settings(deadline=timedelta(seconds=30))

#: Text typed where a number belongs: wrong types, NaN/inf, signs, 1e-300..1e300, percent
#: for a fraction, spreadsheet formulas.
number_text = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(min_value=1e-300, max_value=1e300).map(lambda x: f"{x:g}"),
    st.floats(min_value=-1e300, max_value=-1e-300).map(lambda x: f"{x:g}"),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["", " ", "ten", "50%", "95", "0x10", "1,000", "1_000", "1e", "1e309",
                     "-0", "NaN", "-inf", "Infinity", "0.95.1", "½", "٣", *FORMULAS]),
)
#: Arbitrary text, as a hostile user could type it (control characters included).
any_text = st.text(max_size=40)


@cli_settings
@given(flag=st.sampled_from(["--n", "--confidence-level", "--seed"]), value=number_text)
def test_estimate_numbers_from_hell(flag, value):
    argv = ["estimate", "--outcome", "spinal_mets_autopsy", "--format", "csv"]
    if flag != "--n":
        argv += ["--n", "1000"]
    code, out, err = run([*argv, f"{flag}={value}"])
    check_outcome(code, out, err, flag)
    if code == 0:
        check_estimate_csv(out, rows=1)


# The library hangs on huge exposures (1e300 person-years; issue 16, owned by the exposure
# limits): person-years stay at most 1e12 here.
@cli_settings
@given(value=st.one_of(st.floats(min_value=-1e300, max_value=1e12).map(repr),
                       st.sampled_from(["inf", "nan", "-1", "1e-300", "0", "ten", "5%"])))
def test_estimate_person_years_from_hell(value):
    code, out, err = run(["estimate", "--outcome", "mscc_rate", "--format", "csv",
                          f"--person-years={value}"])
    check_outcome(code, out, err, "--person-years")
    if code == 0:
        check_estimate_csv(out, rows=1)


@cli_settings
@given(value=number_text)
def test_parameters_confidence_level_from_hell(value):
    code, out, err = run(["parameters", "--format", "csv", f"--confidence-level={value}"])
    check_outcome(code, out, err, "--confidence-level")
    if code == 0:
        df = pd.read_csv(io.StringIO(out))
        assert 0 < float(value) < 1
        assert (df["ci_lower"] <= df["ci_upper"]).all()
        assert df[["mean", "ci_lower", "ci_upper"]].notna().all().all()


@cli_settings
@given(flag=st.sampled_from(["--site", "--setting", "--estimand"]),
       value=st.one_of(any_text, st.sampled_from(["breast", "autopsy", "", *FORMULAS])))
def test_evidence_filters_from_hell(flag, value):
    code, out, err = run(["evidence", "--format", "csv", f"{flag}={value}"])
    check_outcome(code, out, err, flag)
    if code == 0:
        df = pd.read_csv(io.StringIO(out), keep_default_na=False)
        column = {"--site": "primary_site", "--setting": "setting",
                  "--estimand": "estimand"}[flag]
        assert len(df) > 0
        assert df[column].map(lambda cell: value in str(cell).split(";")).all()


#: Plan settings and the ranges generated for them: the planning library refuses values
#: beyond its limits (``_planning._limits``) up front; values inside are kept small enough for a
#: quick run. The extremes come as fixed strings.
_PLAN_SAFE = {
    "--population": (1e-300, 1e7),
    "--mscc-rate-per-100k": (1e-300, 50.0),
    "--spinal-mets-rate-per-100k": (1e-300, 50.0),
    "--rate-cv": (1e-6, 10.0),
    "--scan-minutes": (1e-300, 1e300),
    "--service-level": (1e-300, 1.0),
    "--assurance": (1e-300, 1.0),
    "--confidence-level": (1e-300, 1.0),
    "--horizon-years": (0.0, 1e300),
    "--emergency-target-hours": (1e-300, 1e300),
    "--followup-interval-months": (1e-300, 1e300),
    "--median-survival-months": (1e-300, 1e300),
    "--scans-per-referral": (1e-300, 1e300),
    "--followup-scans-per-patient": (1e-300, 1e300),
    "--mscc-cases-per-year": (1e-300, 1e300),
    "--population-growth-per-year": (-1e300, 1e300),
    "--rate-trend-per-year": (-1e300, 1e300),
}
_PLAN_EXTREMES = ["1e300", "1e15", "2e9", "1e-300", "5e-247", "0", "-0", "1000"]


def _tiny(text: str) -> bool:
    try:
        return 0 < abs(float(text)) < 1e-6
    except ValueError:
        return False


@functools.cache
def _default_plan() -> pd.DataFrame:
    code, out, err = run([*PLAN, "--format", "csv"])
    assert code == 0, err
    return pd.read_csv(io.StringIO(out)).select_dtypes("number")


@cli_settings
@given(data=st.data())
def test_plan_numbers_from_hell(data):
    flag = data.draw(st.sampled_from(sorted(_PLAN_SAFE)), label="flag")
    low, high = _PLAN_SAFE[flag]
    value = data.draw(st.one_of(
        st.floats(min_value=low, max_value=high).map(repr),
        st.floats(min_value=-1e300, max_value=0.0).map(repr),
        st.sampled_from(["nan", "inf", "-inf", "", "ten", "50%", *_PLAN_EXTREMES, *FORMULAS]),
    ), label="value")
    # a rate_cv whose square underflows (below about 1e-154) divides by zero in the planning
    # library, whose message then names nothing (issue 16 closing note): kept out here
    assume(not (flag == "--rate-cv" and _tiny(value)))
    code, out, err = run([*PLAN, "--format", "csv", f"{flag}={value}"])
    check_outcome(code, out, err, flag.lstrip("-").replace("-", "_"), flag)
    if code == 0:
        numbers = pd.read_csv(io.StringIO(out)).select_dtypes("number")
        # no NaN where the default plan has a number (some cells are NaN by design, e.g.
        # the share within target of follow-up scans), no negative number
        assert not (numbers.isna() & _default_plan().notna()).any().any()
        assert (numbers.fillna(0) >= 0).all().all()


@cli_settings
@given(value=st.one_of(any_text, number_text,
                       st.sampled_from(["50/96", "0/0", "5/3", "-1/2", "1/0",
                                        "plan_yield_nope", "100", "1e-9", "1/100000"])))
def test_plan_yield_from_hell(value):
    code, out, err = run([*PLAN, "--format", "csv", f"--emergency-yield={value}"])
    check_outcome(code, out, err, "emergency_yield", "--emergency-yield")


@cli_settings
@given(value=st.one_of(any_text, st.sampled_from(["24/7", "daily 08-18", "Mon-Fri 8-8",
                                                  "daily 25:00-26:00", *FORMULAS])))
def test_plan_opening_hours_from_hell(value):
    code, out, err = run([*PLAN, "--format", "csv", f"--opening-hours={value}"])
    check_outcome(code, out, err, "opening_hours", "--opening-hours")


# Counts of 1e12 and more reach the library's Beta limit, whose message names its own
# parameter ("b"), not the observed stream (listed in the issue 16 closing note): generated
# counts stay below, and the text extremes fail in the CLI's own parsing.
_observed_part = st.one_of(
    st.sampled_from(["emergency", "urgent", "follow_up", "spleen", "", "1e30", "1" * 5000]),
    st.integers(-5, 10**9).map(str),
    number_text.filter(lambda t: not t.lstrip("-").isdigit() or len(t.lstrip("-")) < 10),
)


@cli_settings
@given(parts=st.lists(_observed_part, min_size=0, max_size=6))
def test_plan_observed_from_hell(parts):
    value = ":".join(parts)
    code, out, err = run([*PLAN, "--format", "csv", f"--observed={value}"])
    check_outcome(code, out, err, "observed", "--observed")


@cli_settings
@given(argv=st.sampled_from([
    ["parameters", "--format"], ["estimate", "--n", "5", "--outcome", "mscc_rate", "--method"],
    [*PLAN, "--table"], [*PLAN, "--abbreviated"],
]), value=any_text)
def test_unknown_choices_and_values(argv, value):
    code, out, err = run([*argv, value])
    check_outcome(code, out, err)


@cli_settings
@given(name=st.text(max_size=20).filter(lambda t: "/" not in t))
def test_output_names_from_hell(name):
    # names without a folder part, in an empty working folder: the named file is the only
    # thing written ("-" is standard output)
    with temp_cwd() as cwd:
        code, out, err = run(["parameters", "--format", "csv", "--output", name])
        written = files_under(cwd)
    check_outcome(code, out, err, "--output")
    if code == 0 and name != "-":
        assert written == {name} and out == ""
    else:
        assert written == set()


# ------------------------------------------------------------------ hostile files

_cohort_header = st.lists(st.sampled_from(["n", "primary_site", "hospital", "mean", "seed",
                                           "person_years", "=cmd", "n"]),
                          min_size=0, max_size=4)
_cohort_cell = st.one_of(st.integers(0, 10**6).map(str), number_text,
                         st.sampled_from(["breast", "lung", "", '"', "a,b", *FORMULAS]),
                         st.text(max_size=8))


@cli_settings
@given(header=_cohort_header,
       rows=st.lists(st.lists(_cohort_cell, min_size=0, max_size=5), min_size=0, max_size=4),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]),
       huge=st.booleans())
def test_hostile_cohort_files(header, rows, encoding, huge):
    lines = [",".join(header), *(",".join(r) for r in rows)]
    if huge:
        lines.append("1" + "0" * 100_000)  # one huge field
    text = "\n".join(lines) + "\n"
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "cohort.csv"
        path.write_bytes(text.encode(encoding, errors="replace"))
        before = files_under(Path(d))
        code, out, err = run(["estimate", "--cohort", str(path), "--outcome",
                              "bone_mets_at_diagnosis", "--format", "csv"])
        assert files_under(Path(d)) == before
    check_outcome(code, out, err, "--cohort")
    if code == 0:
        df = check_estimate_csv(out)
        for column in df.columns:
            assert not str(column).startswith(("=", "@", "+")), column
        for cell in df.select_dtypes(exclude="number").stack().astype(str):
            assert not cell.startswith(("=", "@")), cell


_toml_key = st.sampled_from(["population", "mscc_rate_per_100k", "rate_cv", "scan_minutes",
                             "opening_hours", "emergency_yield", "abbreviated", "name",
                             "observed", "n_sims", "seed", "bogus", "service_level"])
_toml_value = st.one_of(
    st.integers(-10, 50).map(str), st.floats(-10.0, 50.0).map(repr),
    st.sampled_from(['"daily 08-18"', '"24/7"', "nan", "inf", "true", '"=1+1"', '"50/96"',
                     '{a = 2, b = 3}', '{a = "x", b = 2}', '["urgent"]', '["spleen"]',
                     '"../escape"', '"a/b"', '"."', '""', "[", '"unterminated',
                     "{emergency = {referrals = 10, positives = 4, years = 1}}",
                     "{emergency = {referrals = -1, positives = 4, years = 0}}"]),
)


@cli_settings
@given(pairs=st.lists(st.tuples(_toml_key, _toml_value), max_size=5),
       prefix=st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"caf\xe9 = 1\n"]))
def test_hostile_scenario_files(pairs, prefix):
    text = "".join(f"{k} = {v}\n" for k, v in pairs)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "s.toml"
        path.write_bytes(prefix + text.encode())
        out_dir = Path(d) / "out"
        # population and n_sims from the command line override the file: the planning
        # library's own limits on them are not this test's subject.
        code, out, err = run(["plan", "--scenario", str(path), "--population", "1000000",
                              "--n-sims", "1000", "--out-dir", str(out_dir)])
        written = files_under(Path(d))
    check_outcome(code, out, err, "--scenario", "plan", "emergency_yield", "--observed")
    if code == 0:
        assert written == {"s.toml", "out", "out/plan.csv", "out/plan.json",
                           "out/assumptions.csv", "out/sessions.csv", "out/by_year.csv"}
    else:
        assert written == {"s.toml"}


@pytest.mark.parametrize("content", [
    b"", b"id\n", b"\xef\xbb\xbfid,estimand\nX,y\n", b"id,caf\xe9\n1,2\n", b'"unclosed\n',
    b"\x00\x01\x02", b"a" * 200_000,
])
def test_hostile_evidence_files(content, tmp_path):
    path = tmp_path / "mine.csv"
    path.write_bytes(content)
    code, out, err = run(["evidence", "--file", str(path)])
    assert code == 2
    check_outcome(code, out, err, str(path))


# ------------------------------------------------------------------ outputs


def _unwritable(kind: str, root: Path) -> str:
    if kind == "folder":
        return str(root)
    if kind == "missing folder":
        return str(root / "missing" / "x.csv")
    if kind == "file as folder":
        (root / "plain").write_text("a file\n")
        return str(root / "plain" / "x.csv")
    if kind == "nul":
        return str(root / "a\x00b.csv")
    return ""


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("kind", ["folder", "missing folder", "file as folder", "nul", "empty"])
def test_unwritable_output_is_exit_2_naming_output(command, kind, tmp_path):
    target = _unwritable(kind, tmp_path)
    code, out, err = run([*EVERY[command], "--output", target])
    assert code == 2
    check_outcome(code, out, err, "--output")


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("kind", ["file", "file as parent"])
def test_unwritable_out_dir_is_exit_2_naming_out_dir(command, kind, tmp_path):
    (tmp_path / "plain").write_text("a file\n")
    target = tmp_path / "plain" if kind == "file" else tmp_path / "plain" / "sub"
    code, out, err = run([*EVERY[command], "--out-dir", str(target)])
    assert code == 2
    check_outcome(code, out, err, "--out-dir")
    assert (tmp_path / "plain").read_text() == "a file\n"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_read_only_folder(command, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        code, out, err = run([*EVERY[command], "--format", "csv",
                              "--output", str(folder / "x.csv")])
    finally:
        folder.chmod(0o755)
    check_outcome(code, out, err, "--output")
    # root may write anyway; anyone else gets exit 2 and no file
    assert (code == 0) == (folder / "x.csv").exists()
    if code == 0:
        assert os.geteuid() == 0


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_existing_output_is_kept_without_force(command, tmp_path):
    target = tmp_path / "keep.csv"
    target.write_text("keep me\n")
    code, out, err = run([*EVERY[command], "--format", "csv", "--output", str(target)])
    assert code == 2
    check_outcome(code, out, err, "--output", "--force")
    assert target.read_text() == "keep me\n"


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("extra", [[], ["--output", "-"]])
def test_force_without_a_file_to_overwrite_is_refused(command, extra):
    # --force only lets --output FILE or --out-dir DIR overwrite; alone it would be ignored
    with temp_cwd() as cwd:
        code, out, err = run([*EVERY[command], *extra, "--force"])
        assert list(cwd.iterdir()) == []
    assert code == 2
    check_outcome(code, out, err, "--force")
    assert "--output" in err and "--out-dir" in err


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_nothing_is_written_outside_the_named_output(command):
    with temp_cwd() as cwd:
        code, _, err = run([*EVERY[command], "--format", "csv", "--output", "out.csv"])
        assert code == 0, err
        assert files_under(cwd) == {"out.csv"}
        code, _, err = run([*EVERY[command], "--out-dir", "res"])
        assert code == 0, err
        assert {p.split("/")[0] for p in files_under(cwd)} == {"out.csv", "res"}
        code, out, err = run([*EVERY[command], "--format", "csv"])
        assert code == 0 and out
        assert {p.split("/")[0] for p in files_under(cwd)} == {"out.csv", "res"}


# ------------------------------------------------------------------ regressions (issue 16)


@pytest.mark.parametrize("argv", [
    [*ESTIMATE, "--format", "json"], ["parameters", "--format", "csv"],
    [*PLAN, "--table", "sessions"], [*PLAN, "--output", "plan.csv"],
    ["evidence", "--output", "ev.csv"],
])
def test_regression_out_dir_conflicting_flag_is_an_error(argv, tmp_path):
    # --out-dir silently ignored --format, --table and (for plan) --output
    code, out, err = run([*argv, "--out-dir", str(tmp_path / "res")])
    assert code == 2
    check_outcome(code, out, err, "--out-dir")
    assert not (tmp_path / "res").exists()


def test_regression_observed_stream_given_twice_is_an_error():
    # the second --observed for a stream silently replaced the first
    code, out, err = run([*PLAN, "--observed", "emergency:190:80:1",
                          "--observed", "emergency:10:1:1"])
    assert code == 2
    check_outcome(code, out, err, "--observed")
    assert "emergency:10:1:1" in err


@pytest.mark.parametrize("extra, named", [
    (["--mscc-rate-per-100k", "-1"], "--mscc-rate-per-100k -1.0: "),
    (["--mscc-rate-per-100k", "1000", "--population", "5e7"], "--mscc-rate-per-100k 1000.0: "),
    (["--seed", "-1"], "--seed -1: "),
])
def test_regression_plan_errors_name_the_flag_as_typed(extra, named):
    # the planning library names its keyword and the converted value ("mscc_rate must be
    # >= 0, got -1e-05", per person-year), not the flag and the per-100,000 value typed
    code, out, err = run([*PLAN, *extra])
    assert code == 2
    check_outcome(code, out, err)
    assert named in err


def test_regression_plan_error_names_the_scenario_key(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text("mscc_rate_per_100k = -3\n")
    code, out, err = run([*PLAN, "--scenario", str(path)])
    assert code == 2
    check_outcome(code, out, err)
    assert f"mscc_rate_per_100k = -3 in {str(path)!r}: " in err


def test_regression_scenario_file_with_byte_order_mark_is_read(tmp_path):
    # a TOML file saved with a UTF-8 byte-order mark (Windows editors) was "not valid TOML"
    path = tmp_path / "s.toml"
    path.write_bytes(b"\xef\xbb\xbfpopulation = 1000000\nn_sims = 1000\nseed = 1\n")
    code, out, err = run(["plan", "--scenario", str(path), "--format", "csv"])
    assert code == 0, err
    from_file = pd.read_csv(io.StringIO(out))
    assert from_file["scenario"].eq("s").all()
    plain = pd.read_csv(io.StringIO(run([*PLAN, "--format", "csv"])[1]))
    pd.testing.assert_frame_equal(from_file.drop(columns="scenario"), plain)


@pytest.mark.parametrize("name", ["../escape", "a/b", "..", ".", "", " x", "\\u001b[2J"])
def test_regression_scenario_name_cannot_leave_the_out_dir(name, tmp_path):
    # the scenario name became a folder under --out-dir: "../escape" wrote beside it
    (tmp_path / "a.toml").write_text(f'name = "{name}"\npopulation = 1000000\n')
    (tmp_path / "b.toml").write_text("population = 2000000\n")
    code, out, err = run(["plan", "--scenario", str(tmp_path / "a.toml"), "--scenario",
                          str(tmp_path / "b.toml"), "--n-sims", "1000",
                          "--out-dir", str(tmp_path / "out")])
    assert code == 2
    check_outcome(code, out, err, "name")
    assert files_under(tmp_path) == {"a.toml", "b.toml"}


def test_regression_scenario_beta_needs_numbers(tmp_path):
    # a = "x" raised "could not convert string to float" naming neither the key nor the file
    path = tmp_path / "s.toml"
    path.write_text('emergency_yield = {a = "x", b = 2}\n')
    code, out, err = run([*PLAN, "--scenario", str(path)])
    assert code == 2
    check_outcome(code, out, err, "emergency_yield")
    assert "'x'" in err


def test_regression_site_with_a_cohort_that_has_sites_is_an_error(tmp_path):
    # --site was silently ignored when the cohort had a primary_site column
    path = tmp_path / "c.csv"
    path.write_text("primary_site,n\nbreast,100\n")
    code, out, err = run(["estimate", "--cohort", str(path), "--outcome",
                          "bone_mets_at_diagnosis", "--site", "lung"])
    assert code == 2
    check_outcome(code, out, err, "--site")
    assert "'lung'" in err and "primary_site" in err


def test_regression_site_is_checked_with_a_cohort(tmp_path):
    # an unknown --site with a cohort failed inside the library, blaming the cohort
    path = tmp_path / "c.csv"
    path.write_text("n\n100\n")
    code, out, err = run(["estimate", "--cohort", str(path), "--outcome",
                          "bone_mets_at_diagnosis", "--site", "prostat"])
    assert code == 2
    check_outcome(code, out, err)
    assert err.startswith("error: --site:") and "did you mean 'prostate'" in err


def test_regression_negative_seed_names_the_flag():
    # "rng seed must be >= 0" named the library's argument, not --seed
    code, out, err = run(["estimate", "--n", "10", "--outcome", "spinal_mets_autopsy",
                          "--seed", "-1"])
    assert code == 2
    check_outcome(code, out, err)
    assert err.startswith("error: --seed") and "got -1" in err


@pytest.mark.parametrize("argv, flag, value", [
    (["--n", "9007199254740993", "--outcome", "spinal_mets_autopsy"], "--n",
     "9007199254740993"),
    (["--person-years", "1e13", "--outcome", "mscc_rate"], "--person-years", "1e+13"),
])
def test_regression_size_limits_name_the_flag(argv, flag, value):
    # "cohort column 'n' must be <= 4.5036e+15 ... in row 0" for a cohort the user never gave
    code, out, err = run(["estimate", *argv])
    assert code == 2
    check_outcome(code, out, err)
    assert err.startswith(f"error: {flag} must be at most") and f"got {value}" in err
    assert "cohort" not in err and "row" not in err


def test_regression_seed_with_exact_method_is_an_error():
    # --seed was silently ignored by --method exact, which draws nothing
    code, out, err = run(["estimate", "--n", "10", "--outcome", "spinal_mets_autopsy",
                          "--seed", "3", "--method", "exact"])
    assert code == 2
    check_outcome(code, out, err, "--seed")
    assert "--method exact" in err


@pytest.mark.parametrize("flag", ["--site", "--setting", "--estimand"])
def test_regression_empty_filter_is_not_ignored(flag):
    # an empty filter value was treated as no filter and listed the whole catalogue
    code, out, err = run(["evidence", flag, ""])
    assert code == 2
    check_outcome(code, out, err, flag)


def test_regression_evidence_file_errors_name_the_file(tmp_path):
    # an empty --file said "No columns to parse from file", naming no file
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    code, out, err = run(["evidence", "--file", str(path)])
    assert code == 2
    check_outcome(code, out, err, "--file")
    assert str(path) in err


def test_regression_cohort_on_stdin_that_is_not_utf8(monkeypatch):
    # latin-1 bytes on standard input escaped the CSV reader's error handling
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"n,who\n100,caf\xe9\n"),
                                                       encoding="utf-8"))
    code, out, err = run(["estimate", "--cohort", "-", "--outcome", "spinal_mets_autopsy"])
    assert code == 2
    check_outcome(code, out, err, "--cohort")
    assert "standard input" in err


def test_regression_cohort_with_byte_order_mark_on_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("\ufeffn\n100\n"))
    code, out, err = run(["estimate", "--cohort", "-", "--outcome", "spinal_mets_autopsy",
                          "--format", "csv", "--seed", "1"])
    assert code == 0, err
    assert check_estimate_csv(out, rows=1)["n"].tolist() == [100]


def test_regression_cohort_rows_are_read_no_further_than_the_limit(monkeypatch, tmp_path):
    # a cohort file was read whole before the library's row limit was checked
    from spinemets import _cli_common

    monkeypatch.setattr(_cli_common, "MAX_ROWS", 3)
    path = tmp_path / "c.csv"
    path.write_text("n\n" + "10\n" * 4)
    code, out, err = run(["estimate", "--cohort", str(path), "--outcome",
                          "spinal_mets_autopsy"])
    assert code == 2
    check_outcome(code, out, err, "--cohort")
    assert "more than 3 rows" in err
    path.write_text("n\n" + "10\n" * 3)
    code, out, err = run(["estimate", "--cohort", str(path), "--outcome",
                          "spinal_mets_autopsy", "--format", "csv", "--seed", "1"])
    assert code == 0, err
    check_estimate_csv(out, rows=3)


def test_regression_csv_output_neutralises_formulas(tmp_path):
    # text cells starting with = + - @ tab or CR were written as they are: a spreadsheet
    # opening the CSV runs them as formulas
    path = tmp_path / "c.csv"
    cohort = pd.DataFrame({"hospital": [*FORMULAS, "-2", "+1", "Plain"],
                           "n": [100] * (len(FORMULAS) + 3)})
    with path.open("w", newline="") as f:  # the csv module quotes the cell holding "\r"
        csv.writer(f).writerows([cohort.columns, *cohort.itertuples(index=False)])
    code, out, err = run(["estimate", "--cohort", str(path), "--outcome",
                          "spinal_mets_autopsy", "--format", "csv", "--seed", "1"])
    assert code == 0, err
    got = check_estimate_csv(out, rows=len(cohort))
    expected = ["'" + f for f in FORMULAS] + ["-2", "+1", "Plain"]  # numbers unprefixed
    assert [str(v) for v in got["hospital"]] == [str(v) for v in expected]
    # numbers stay numbers: the count column is read back as integers, unprefixed
    assert got["n"].tolist() == cohort["n"].tolist()


def test_regression_csv_neutralises_a_citation_starting_with_equals(tmp_path):
    # the shipped catalogue with the first row's citation made a formula, as a user's own
    # catalogue file could hold it; the CSV (stdout and --out-dir) must not run it
    source = pd.read_csv(data_path("evidence.csv"), dtype=str, keep_default_na=False)
    formula = '=HYPERLINK("http://example.invalid","Smith 2020")'
    source.loc[0, "citation"] = formula
    path = tmp_path / "mine.csv"
    source.to_csv(path, index=False)
    for extra in (["--format", "csv"], ["--out-dir", str(tmp_path / "res")]):
        code, out, err = run(["evidence", "--file", str(path), *extra])
        assert code == 0, err
        text = out if out else (tmp_path / "res" / "evidence.csv").read_text()
        df = pd.read_csv(io.StringIO(text), keep_default_na=False)
        assert df.loc[df["id"] == source.loc[0, "id"], "citation"].item() == "'" + formula
        assert not df["citation"].str.startswith("=").any()
        # numbers stay numbers
        assert pd.api.types.is_float_dtype(pd.read_csv(io.StringIO(text))["total"])


def test_regression_control_characters_do_not_reach_the_terminal(tmp_path):
    # a cohort cell holding an escape sequence was printed raw in the table (it can clear the
    # screen or recolour the terminal) and a newline in a cell broke the table's rows
    path = tmp_path / "c.csv"
    with path.open("w", newline="") as f:
        csv.writer(f).writerows([["hospital", "n"], ["\x1b[2JNorth", 100],
                                 ["two\nlines", 200]])
    code, out, err = run(["estimate", "--cohort", str(path), "--outcome",
                          "spinal_mets_autopsy", "--seed", "1"])
    assert code == 0, err
    assert "\x1b" not in out and "\\x1b[2JNorth" in out
    assert "two\\nlines" in out


def test_regression_formula_in_a_column_name_is_neutralised(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("n,=cmd\n100,x\n")
    code, out, err = run(["estimate", "--cohort", str(path), "--outcome",
                          "spinal_mets_autopsy", "--format", "csv", "--seed", "1"])
    assert code == 0, err
    assert "'=cmd" in check_estimate_csv(out, rows=1).columns


def test_regression_out_dir_in_a_file_is_exit_2(tmp_path):
    # mkdir under a file raised NotADirectoryError: a traceback, exit status 1
    (tmp_path / "plain").write_text("x\n")
    code, out, err = run([*PLAN, "--out-dir", str(tmp_path / "plain" / "sub")])
    assert code == 2
    check_outcome(code, out, err, "--out-dir")


def test_regression_output_under_a_file_is_exit_2(tmp_path):
    # writing to FILE/x.csv raised NotADirectoryError after the work: a traceback, exit 1
    (tmp_path / "plain").write_text("x\n")
    code, out, err = run(["parameters", "--output", str(tmp_path / "plain" / "x.csv")])
    assert code == 2
    check_outcome(code, out, err, "--output")


def test_regression_warning_then_error_is_one_line(monkeypatch):
    # a warning printed before the error made two lines (and Python's warning format two
    # more); now warnings print only when the command succeeds, one line each
    import warnings

    from spinemets import _cli_commands

    def warn_then_fail(args):
        warnings.warn("careful\nnow", UserWarning, stacklevel=1)
        raise ValueError("n must be >= 0, got -1")

    def warn_then_succeed(args):
        warnings.warn("careful\nnow", UserWarning, stacklevel=1)
        warnings.warn("careful\nnow", UserWarning, stacklevel=1)
        return 0

    for func, code_wanted in ((warn_then_fail, 2), (warn_then_succeed, 0)):
        monkeypatch.setattr(_cli_commands, "_cmd_parameters", func)  # main() rebinds it
        code, out, err = run(["parameters"])
        assert code == code_wanted
        if code == 2:
            check_outcome(code, out, err)
            assert "careful" not in err and "got -1" in err
        else:
            assert err == "spinemets parameters: warning: careful now\n"


# ------------------------------------------------------------------ through the real entry point


def _spinemets(*argv: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "spinemets", *argv], input=stdin,
                          capture_output=True, check=False, timeout=300)


def test_exit_statuses_through_the_console_script(tmp_path):
    (tmp_path / "plain").write_text("x\n")
    bad = _spinemets("parameters", "--output", str(tmp_path / "plain" / "x.csv"))
    assert bad.returncode == 2 and b"Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    good = _spinemets("estimate", "--cohort", "-", "--outcome", "spinal_mets_autopsy",
                      "--format", "csv", "--seed", "1",
                      stdin="\ufeffhospital,n\n=1+1,100\n".encode())
    assert good.returncode == 0, good.stderr
    df = check_estimate_csv(good.stdout.decode(), rows=1)
    assert df["hospital"].tolist() == ["'=1+1"]
    latin = _spinemets("estimate", "--cohort", "-", "--outcome", "spinal_mets_autopsy",
                       stdin=b"n,who\n100,caf\xe9\n")
    assert latin.returncode == 2 and b"Traceback" not in latin.stderr
    assert len(latin.stderr.strip().splitlines()) == 1 and b"--cohort" in latin.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
def test_regression_full_disk_on_standard_output_is_exit_2():
    # a failed write to standard output surfaced at interpreter exit: "Exception ignored"
    # lines and exit status 120
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "spinemets", "evidence", "--format",
                               "csv"], stdout=full, stderr=subprocess.PIPE, check=False,
                              timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.decode().startswith("error: cannot write standard output")
    assert len(proc.stderr.strip().splitlines()) == 1


def test_regression_ascii_standard_output():
    # an ASCII-only standard output failed with "'ascii' codec can't encode character",
    # naming neither standard output nor a way out
    proc = subprocess.run([sys.executable, "-m", "spinemets", "evidence", "--format", "csv"],
                          capture_output=True, check=False, timeout=300,
                          env={**os.environ, "PYTHONIOENCODING": "ascii"})
    err = proc.stderr.decode()
    assert proc.returncode == 2 and len(err.strip().splitlines()) == 1
    assert err.startswith("error: cannot write standard output") and "--output" in err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
def test_full_disk_on_output_is_exit_2():
    code, out, err = run(["parameters", "--output", "/dev/full", "--force"])
    assert code == 2
    check_outcome(code, out, err, "--output")


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_subcommand_help_exits_0(command):
    code, out, err = run([command, "--help"])
    assert code == 0 and err == "" and f"spinemets {command}" in out


def test_closed_pipe_is_not_an_error():
    # `spinemets evidence --format csv | head -1`: the reader goes away early
    proc = subprocess.Popen([sys.executable, "-m", "spinemets", "evidence", "--format", "csv"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=300) == 0
    assert b"Traceback" not in err and b"Exception ignored" not in err, err
