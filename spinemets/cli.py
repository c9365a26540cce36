"""The ``spinemets`` command line (also ``python -m spinemets``).

Subcommands: ``evidence``, ``parameters``, ``estimate``, ``reproduce`` and ``plan``. Each
writes a human-readable table by default (percent shown as percent) or full-precision CSV
or JSON (fractions) with ``--format``, to standard output or ``--output PATH``; with
``--out-dir DIR`` each writes its table as CSV and a sidecar JSON (the command, the seed,
the versions and the command that re-runs it exactly). Bad arguments or input files exit
with status 2 and one line on standard error.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from . import _cli_plan
from ._audit import reproduce
from ._catalogue import evidence
from ._cli_common import CLIUsageError, add_output_arguments, emit_table, emit_text
from ._estimate import estimate, estimate_total
from ._parameters import parameters
from ._results import provenance, write_with_sidecar
from ._version import __version__
from .errors import SpinemetsError

__all__ = ["build_parser", "main"]


class _Parser(argparse.ArgumentParser):
    """argparse parser whose usage errors become :class:`CLIUsageError` (one line, exit 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise CLIUsageError(f"{self.prog}: {message}")


def _epilog(text: str) -> str:
    return textwrap.dedent(text).strip()


def _add_out_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out-dir", metavar="DIR", default=None,
                        help="write the table (CSV, full precision) and a sidecar JSON (command, "
                             "seed, versions, re-run command) into DIR instead")
    parser.add_argument("--force", action="store_true",
                        help="with --out-dir: overwrite files that already exist")


def _check_out_dir(args: argparse.Namespace, name: str) -> Path | None:
    """The folder of ``--out-dir``, checked before any work is done."""
    if args.out_dir is None:
        return None
    if args.output is not None:
        raise CLIUsageError("--out-dir and --output cannot be used together: --out-dir writes "
                            f"{name}.csv and {name}.json itself")
    folder = Path(args.out_dir)
    if folder.exists() and not folder.is_dir():
        raise CLIUsageError(f"--out-dir: {str(folder)!r} exists and is not a folder")
    if not folder.parent.exists():
        raise CLIUsageError(f"--out-dir: parent folder {str(folder.parent)!r} does not exist")
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
    folder.mkdir(exist_ok=True)
    csv_path, json_path = write_with_sidecar(
        frame, folder / f"{name}.csv",
        {"command": ["spinemets", *argv], "seed": seed, "rerun": rerun, **extra})
    print(f"spinemets {name}: wrote {csv_path} and {json_path}"
          + ("" if seed is None else f" (seed {seed})"), file=sys.stderr)


def _cmd_evidence(args: argparse.Namespace) -> int:
    folder = _check_out_dir(args, "evidence")
    df = evidence(args.file) if args.file else evidence()
    if args.site:
        df = df[df["primary_site"].str.split(";").map(lambda s: args.site in s)]
    if args.setting:
        df = df[df["setting"] == args.setting]
    if args.estimand:
        df = df[df["estimand"] == args.estimand]
    if folder is not None:
        _write_out_dir(folder, "evidence", df, args.argv)
        return 0
    if args.format == "table":
        df = df[["id", "estimand", "primary_site", "setting", "kind", "events", "total", "value",
                 "low", "high", "unit", "verified", "citation"]]
    emit_table(df, args.format, args.output)
    return 0


def _cmd_parameters(args: argparse.Namespace) -> int:
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


def _read_cohort(path: str) -> pd.DataFrame:
    file = Path(path)
    if not file.is_file():
        raise CLIUsageError(f"--cohort: file {path!r} not found")
    try:
        return pd.read_csv(file)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise CLIUsageError(f"--cohort: cannot read {path!r} as CSV ({exc})") from None


def _cmd_estimate(args: argparse.Namespace) -> int:
    folder = _check_out_dir(args, "estimate")
    if (args.n is None) == (args.cohort is None):
        raise CLIUsageError("estimate: give exactly one of --n N or --cohort FILE.csv")
    if args.cohort is not None:
        cohort = _read_cohort(args.cohort)
        if args.site and "primary_site" not in cohort.columns:
            cohort["primary_site"] = args.site
    else:
        cohort = pd.DataFrame({"n": [args.n]})
        if args.site:
            cohort["primary_site"] = args.site
    if args.total:
        df = estimate_total(cohort, args.outcome, confidence_level=args.confidence_level,
                            method=args.method, rng=args.seed)
    else:
        df = estimate(cohort, args.outcome, confidence_level=args.confidence_level,
                      method=args.method, rng=args.seed, progress=sys.stderr.isatty())
    if folder is not None:
        seeds = df["seed"].dropna().unique()
        prov = provenance(df)
        _write_out_dir(folder, "estimate", df, args.argv,
                       seed=int(seeds[0]) if len(seeds) else None,
                       provenance=prov.astype(object).where(prov.notna(), None)
                       .to_dict(orient="records"))
        return 0
    if args.format == "table":
        emit_table(df, "table", args.output,
                   fraction_columns={"confidence_level"})
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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``spinemets`` command."""
    parser = _Parser(
        prog="spinemets",
        description="Published evidence on metastatic spinal tumours as traceable "
                    "uncertainty: the catalogue, named parameters, cohort estimates, the "
                    "audit of cited figures and MRI capacity plans.",
        epilog=_epilog("""
            examples:
              spinemets parameters
              spinemets estimate --n 1000 --outcome spinal_mets_autopsy
              spinemets evidence --site breast --format csv --output breast.csv
        """),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"spinemets {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = _subcommand(
        sub, _cmd_evidence, "evidence", "list or filter the evidence catalogue",
        "List the evidence catalogue: one row per published figure, with its citation, "
        "identifier and how it was verified.",
        "spinemets evidence --site prostate --setting autopsy")
    p.add_argument("--site", help="only rows for this primary site (e.g. breast)")
    p.add_argument("--setting", help="only rows of this setting (autopsy, clinical, registry, "
                                     "imaging, review, guideline, opinion)")
    p.add_argument("--estimand", help="only rows measuring this estimand")
    p.add_argument("--file", help="validate and list your own catalogue file instead")

    p = _subcommand(
        sub, _cmd_parameters, "parameters", "the named parameters with their intervals",
        "The named parameters: each estimand, the evidence it is built from, the encoding "
        "and its interval.",
        "spinemets parameters --confidence-level 0.9 --format csv")
    p.add_argument("--confidence-level", type=float, default=0.95,
                   help="coverage of the intervals, a fraction (default 0.95)")

    p = _subcommand(
        sub, _cmd_estimate, "estimate", "expected and predictive counts for a cohort",
        "How many patients of a cohort will have the outcome: expected count, interval of "
        "the expected count (ci) and predictive interval of the observed count (pi).",
        "spinemets estimate --n 1000 --outcome spinal_mets_autopsy",
        "spinemets estimate --n 5000 --outcome bone_mets_at_diagnosis --site breast",
        "spinemets estimate --cohort cohort.csv --outcome bone_mets_at_diagnosis --total",
        "(a cohort CSV has a column n, or person_years for a rate outcome, and optionally",
        "primary_site; other columns are carried through)")
    p.add_argument("--n", type=int, help="cohort size")
    p.add_argument("--cohort", metavar="FILE.csv", help="a cohort table (CSV)")
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
        sub, _cmd_reproduce, "reproduce", "audit the cited figures against the primary studies",
        "Rebuild each cited figure from the primary studies and say whether the claim holds, "
        "by stated rules.",
        "spinemets reproduce --format csv --output audit.csv")

    _cli_plan.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 2 bad usage or input)."""
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(argv)
        args.argv = argv
        if getattr(args, "func", None) is None:
            print(f"spinemets {__version__}")
            parser.print_help()
            return 0
        return int(args.func(args) or 0)
    except CLIUsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (ValueError, TypeError, SpinemetsError, FileNotFoundError) as exc:
        message = " ".join(str(exc).split())
        print(f"error: {message}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
