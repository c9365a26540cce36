"""The subcommands of the ``spinemets`` command line: their arguments and what they run.

:mod:`spinemets.cli` builds the top-level parser without the numeric stack and loads this
module only when a subcommand runs (``spinemets --help`` and ``--version`` stay fast).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from . import _cli_plan
from ._audit import reproduce
from ._catalogue import evidence
from ._cli_common import (
    STDIO,
    CLIUsageError,
    add_output_arguments,
    check_output,
    did_you_mean,
    emit_table,
    emit_text,
    one_line,
    out_dir_folder,
    quiet_stdout,
    read_csv_arg,
    require_number,
    spreadsheet_safe,
)
from ._estimate import estimate, estimate_total
from ._parameters import parameter_sites, parameter_table, parameters
from ._results import provenance, write_with_sidecar
from ._validation import MAX_COUNT, MAX_PERSON_YEARS
from .errors import SpinemetsError

__all__ = ["register", "run"]


def _add_out_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out-dir", metavar="DIR", default=None,
                        help="write the table (CSV, full precision) and a sidecar JSON (command, "
                             "seed, versions, re-run command) into DIR instead")


def _check_out_dir(args: argparse.Namespace, name: str) -> Path | None:
    """The folder of ``--out-dir``, checked before any work is done."""
    if args.out_dir is None:
        return None
    folder = out_dir_folder(args.out_dir)
    clash = [str(folder / f"{name}{ext}") for ext in (".csv", ".json")
             if (folder / f"{name}{ext}").exists()]
    if clash and not args.force:
        raise CLIUsageError(f"--out-dir: {', '.join(clash)} already exist(s); pass --force "
                            "to overwrite")
    return folder


def _write_out_dir(folder: Path, name: str, frame: pd.DataFrame, argv: list[str],
                   seed: int | None = None, **extra: object) -> None:
    rerun = ["spinemets", *argv]
    if seed is not None and "--seed" not in argv:
        rerun += ["--seed", str(seed)]
    try:
        folder.mkdir(exist_ok=True)
        csv_path, json_path = write_with_sidecar(
            spreadsheet_safe(frame), folder / f"{name}.csv",
            {"command": ["spinemets", *argv], "seed": seed, "rerun": rerun, **extra})
    except OSError as exc:
        raise CLIUsageError(f"--out-dir: cannot write into {str(folder)!r} "
                            f"({exc.strerror or exc})") from None
    print(f"spinemets {name}: wrote {csv_path} and {json_path}"
          + ("" if seed is None else f" (seed {seed})"), file=sys.stderr)


def _sites(column: pd.Series) -> set[str]:
    return {s for value in column.dropna() for s in str(value).split(";")}


def _cmd_evidence(args: argparse.Namespace) -> int:
    folder = _check_out_dir(args, "evidence")
    try:
        df = evidence(args.file) if args.file is not None else evidence()
    except (ValueError, TypeError, SpinemetsError, OSError) as exc:
        if args.file is None:
            raise
        raise CLIUsageError(f"--file {args.file!r}: {exc}") from None
    if args.site is not None and args.site not in _sites(df["primary_site"]):
        raise did_you_mean("--site", args.site, _sites(df["primary_site"]), "primary site")
    if args.setting is not None and args.setting not in set(df["setting"]):
        raise did_you_mean("--setting", args.setting, df["setting"].dropna(), "setting")
    if args.estimand is not None and args.estimand not in set(df["estimand"]):
        raise did_you_mean("--estimand", args.estimand, df["estimand"].dropna(), "estimand")
    if args.site is not None:
        df = df[df["primary_site"].str.split(";").map(lambda s: args.site in s)]
    if args.setting is not None:
        df = df[df["setting"] == args.setting]
    if args.estimand is not None:
        df = df[df["estimand"] == args.estimand]
    if df.empty:
        given = " ".join(f"--{flag} {value}" for flag, value in
                         (("site", args.site), ("setting", args.setting),
                          ("estimand", args.estimand)) if value is not None)
        if not given:
            raise CLIUsageError(f"--file {args.file!r}: the catalogue has no rows")
        raise CLIUsageError(f"evidence: no catalogue row matches {given} together; "
                            "drop a filter (each one alone matches rows)")
    if folder is not None:
        _write_out_dir(folder, "evidence", df, args.argv)
        return 0
    if args.format == "table":
        df = df[["id", "estimand", "primary_site", "setting", "kind", "events", "total", "value",
                 "low", "high", "unit", "verified", "citation"]]
    emit_table(df, args.format, args.output)
    return 0


def _cmd_parameters(args: argparse.Namespace) -> int:
    require_number("--confidence-level", args.confidence_level, above=0, below=1)
    folder = _check_out_dir(args, "parameters")
    df = parameters(confidence_level=args.confidence_level)
    if folder is not None:
        _write_out_dir(folder, "parameters", df, args.argv)
        return 0
    if args.format == "table":
        df = df[["id", "primary_site", "kind", "sources", "encoding", "mean", "ci_lower",
                 "ci_upper"]]
    emit_table(df, args.format, args.output)
    return 0


def _outcome_kind(outcome: str) -> str:
    """``proportion`` or ``rate``; an unknown id is a usage error with suggestions."""
    table = parameter_table()
    kinds = dict(zip(table["id"], table["kind"], strict=True))
    if outcome not in kinds:
        raise did_you_mean("--outcome", outcome, kinds, "parameter id")
    return str(kinds[outcome])


def _cohort_from_flags(args: argparse.Namespace, kind: str) -> pd.DataFrame:
    given = [flag for flag, value in (("--n", args.n), ("--person-years", args.person_years),
                                      ("--cohort", args.cohort)) if value is not None]
    if len(given) != 1:
        raise CLIUsageError("estimate: give exactly one of --n N, --person-years PY or "
                            f"--cohort FILE.csv (got {', '.join(given) or 'none'})")
    if args.site is not None:
        sites = parameter_sites(args.outcome)
        if args.site not in sites:
            raise did_you_mean("--site", args.site, sites,
                               f"primary site of {args.outcome!r}")
    if args.cohort is not None:
        cohort = read_csv_arg("--cohort", args.cohort)
        if args.site is not None:
            if "primary_site" in cohort.columns:
                raise CLIUsageError(
                    f"--site {args.site!r} cannot be used with --cohort {args.cohort!r}, "
                    "which has its own primary_site column; drop one of them")
            cohort["primary_site"] = args.site
        return cohort
    if kind == "rate" and args.n is not None:
        raise CLIUsageError(f"--n: outcome {args.outcome!r} is a rate (per person-year); "
                            "give --person-years instead")
    if kind != "rate" and args.person_years is not None:
        raise CLIUsageError(f"--person-years: outcome {args.outcome!r} is a proportion; "
                            "give --n (patients) instead")
    require_number("--n", args.n, minimum=0, maximum=MAX_COUNT)
    require_number("--person-years", args.person_years, minimum=0, maximum=MAX_PERSON_YEARS)
    cohort = (pd.DataFrame({"n": [args.n]}) if args.n is not None
              else pd.DataFrame({"person_years": [args.person_years]}))
    if args.site is not None:
        cohort["primary_site"] = args.site
    return cohort


def _cmd_estimate(args: argparse.Namespace) -> int:
    require_number("--confidence-level", args.confidence_level, above=0, below=1)
    require_number("--seed", args.seed, minimum=0)
    if args.seed is not None and args.method == "exact":
        raise CLIUsageError(f"--seed {args.seed} cannot be used with --method exact, which "
                            "draws no random numbers; drop --seed or use --method auto")
    folder = _check_out_dir(args, "estimate")
    kind = _outcome_kind(args.outcome)
    cohort = _cohort_from_flags(args, kind)
    try:
        if args.total:
            df = estimate_total(cohort, args.outcome, confidence_level=args.confidence_level,
                                method=args.method, rng=args.seed)
        else:
            df = estimate(cohort, args.outcome, confidence_level=args.confidence_level,
                          method=args.method, rng=args.seed, progress=sys.stderr.isatty())
    except (ValueError, TypeError) as exc:
        if args.cohort is None:
            raise
        raise CLIUsageError(f"--cohort {args.cohort!r}: {exc}") from None
    if folder is not None:
        seeds = df["seed"].dropna().unique()
        prov = provenance(df)
        _write_out_dir(folder, "estimate", df, args.argv,
                       seed=int(seeds[0]) if len(seeds) else None,
                       provenance=prov.astype(object).where(prov.notna(), None)
                       .to_dict(orient="records"))
        return 0
    if args.format == "table":
        emit_table(df, "table", args.output, fraction_columns={"confidence_level"})
        return 0
    emit_table(df, args.format, args.output)
    return 0


def _cmd_reproduce(args: argparse.Namespace) -> int:
    folder = _check_out_dir(args, "reproduce")
    audit = reproduce()
    df = audit.to_frame()
    if folder is not None:
        _write_out_dir(folder, "reproduce", df, args.argv)
        return 0
    if args.format == "table":
        emit_text(audit.to_text() + "\n", args.output)
        return 0
    emit_table(df, args.format, args.output)
    return 0


def _subcommand(sub: Any, func: Callable[[argparse.Namespace], int], name: str, help: str,
                description: str, *examples: str) -> argparse.ArgumentParser:
    """Add one table-writing subcommand with the shared output options."""
    p = sub.add_parser(name, help=help, description=description,
                       epilog="examples:\n" + "\n".join(f"  {line}" for line in examples),
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    add_output_arguments(p)
    _add_out_dir(p)
    p.set_defaults(func=func)
    return p


def register(sub: Any, helps: Mapping[str, str]) -> None:
    """Add every subcommand to ``sub`` (from ``add_subparsers()``); ``helps`` holds the
    one-line help of each, as the top-level ``spinemets --help`` lists them."""
    p = _subcommand(
        sub, _cmd_evidence, "evidence", helps["evidence"],
        "List the evidence catalogue: one row per published figure, with its citation, "
        "identifier and how it was verified.",
        "spinemets evidence --site prostate --setting autopsy",
        "spinemets evidence --format csv --output - | head")
    p.add_argument("--site", help="only rows for this primary site (e.g. breast)")
    p.add_argument("--setting", help="only rows of this setting (autopsy, clinical, registry, "
                                     "imaging, review, guideline, opinion)")
    p.add_argument("--estimand", help="only rows measuring this estimand")
    p.add_argument("--file", help="validate and list your own catalogue file instead")

    p = _subcommand(
        sub, _cmd_parameters, "parameters", helps["parameters"],
        "The named parameters: each estimand, the evidence it is built from, the encoding "
        "and its interval.",
        "spinemets parameters --confidence-level 0.9 --format csv")
    p.add_argument("--confidence-level", type=float, default=0.95,
                   help="coverage of the intervals, a fraction (default 0.95)")

    p = _subcommand(
        sub, _cmd_estimate, "estimate", helps["estimate"],
        "How many patients of a cohort will have the outcome: expected count, interval of "
        "the expected count (ci) and predictive interval of the observed count (pi).",
        "spinemets estimate --n 1000 --outcome spinal_mets_autopsy",
        "spinemets estimate --n 5000 --outcome bone_mets_at_diagnosis --site breast",
        "spinemets estimate --person-years 1000000 --outcome mscc_rate",
        "spinemets estimate --cohort cohort.csv --outcome bone_mets_at_diagnosis --total",
        "cat cohort.csv | spinemets estimate --cohort - --outcome bone_mets_at_diagnosis "
        "--format csv",
        "(a cohort CSV has a column n, or person_years for a rate outcome, and optionally",
        "primary_site; other columns are carried through)")
    p.add_argument("--n", type=int, help="cohort size (patients), for a proportion outcome")
    p.add_argument("--person-years", type=float, metavar="PY",
                   help="person-years of follow-up, for a rate outcome (e.g. mscc_rate)")
    p.add_argument("--cohort", metavar="FILE.csv",
                   help="a cohort table (CSV; '-' reads standard input)")
    p.add_argument("--outcome", required=True, help="parameter id (see: spinemets parameters)")
    p.add_argument("--site", help="primary site, when the outcome is given by site")
    p.add_argument("--confidence-level", type=float, default=0.95,
                   help="coverage of the intervals, a fraction (default 0.95)")
    p.add_argument("--method", choices=("auto", "exact", "monte_carlo"), default="auto")
    p.add_argument("--total", action="store_true", help="one row for the sum over all strata")
    p.add_argument("--seed", type=int, default=None,
                   help="seed of the Monte Carlo route (default: a fresh one, recorded in "
                        "the seed column)")

    _subcommand(
        sub, _cmd_reproduce, "reproduce", helps["reproduce"],
        "Rebuild each cited figure from the primary studies and say whether the claim holds, "
        "by stated rules.",
        "spinemets reproduce --format csv --output audit.csv")

    _cli_plan.register(sub)


def _check_flag_combinations(args: argparse.Namespace) -> None:
    """Refuse flags that cannot apply together instead of ignoring one of them, then fill
    in the defaults of the flags whose absence matters (``--format``, ``--table``)."""
    if getattr(args, "out_dir", None) is not None:
        given = [f"{flag} {value!r}" for flag, value in
                 (("--output", getattr(args, "output", None)),
                  ("--format", getattr(args, "format", None)),
                  ("--table", getattr(args, "table", None))) if value is not None]
        if given:
            raise CLIUsageError(
                f"--out-dir {args.out_dir!r} cannot be used with {', '.join(given)}: --out-dir "
                "writes every table as CSV with a JSON sidecar into its folder")
    if getattr(args, "force", False) and getattr(args, "output", None) in (None, STDIO) \
            and getattr(args, "out_dir", None) is None:
        raise CLIUsageError("--force: it only allows --output FILE or --out-dir DIR to "
                            "overwrite existing files, and neither was given")
    if hasattr(args, "format") and args.format is None:
        args.format = "table"
    if hasattr(args, "table") and args.table is None:
        args.table = "plan"


def run(args: argparse.Namespace) -> int:
    """Run the subcommand of parsed ``args``; returns the exit status (0 ok, 2 bad usage or
    input, with one line on standard error).

    This is the one place where errors become exit statuses. What is caught is what bad
    input, an unwritable file or an out-of-range number raise: usage errors, ``ValueError``
    and ``TypeError`` (the library's argument checks, ``UnicodeDecodeError`` included),
    :class:`~spinemets.errors.SpinemetsError`, ``OSError`` (files), ``OverflowError`` and
    ``ZeroDivisionError``. Anything else is a bug and keeps its traceback (exit status 1),
    so that it is reported rather than hidden. Warnings are printed, one line each, only
    when the command succeeds: a failing command writes its one error line and nothing else.
    """
    command = getattr(args, "command", None) or "spinemets"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            _check_flag_combinations(args)
            check_output(getattr(args, "output", None), getattr(args, "force", False))
            code = int(args.func(args) or 0)
        except CLIUsageError as exc:
            return _fail(str(exc))
        except BrokenPipeError:
            quiet_stdout()
            return 0
        except OSError as exc:
            if exc.filename is None:
                return _fail(f"{command}: {exc}")
            return _fail(f"{command}: cannot read or write {str(exc.filename)!r} "
                         f"({exc.strerror or exc})")
        except (ValueError, TypeError, SpinemetsError, OverflowError, ZeroDivisionError) as exc:
            return _fail(f"{command}: {exc}")
    for message in dict.fromkeys(one_line(w.message) for w in caught):
        print(f"spinemets {command}: warning: {message}", file=sys.stderr)
    return code


def _fail(message: str) -> int:
    """Write ``message`` as the one ``error:`` line on standard error; exit status 2."""
    print(f"error: {one_line(message)}", file=sys.stderr)
    return 2
