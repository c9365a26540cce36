"""The ``spinemets`` command line (also ``python -m spinemets``).

Subcommands: ``evidence``, ``parameters``, ``estimate``, ``reproduce`` and ``plan``. Each
writes a human-readable table by default (percent shown as percent) or full-precision CSV
or JSON (fractions) with ``--format``, to standard output or ``--output PATH``. Bad
arguments or input files exit with status 2 and one line on standard error.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from . import __version__, _cli_plan
from ._cli_common import CLIUsageError, add_output_arguments, emit_table
from .errors import SpinemetsError

__all__ = ["build_parser", "main"]


class _Parser(argparse.ArgumentParser):
    """argparse parser whose usage errors become :class:`CLIUsageError` (one line, exit 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise CLIUsageError(f"{self.prog}: {message}")


def _epilog(text: str) -> str:
    return textwrap.dedent(text).strip()


def _cmd_evidence(args: argparse.Namespace) -> int:
    from ._catalogue import evidence

    df = evidence(args.file) if args.file else evidence()
    if args.site:
        df = df[df["primary_site"].str.split(";").map(lambda s: args.site in s)]
    if args.setting:
        df = df[df["setting"] == args.setting]
    if args.estimand:
        df = df[df["estimand"] == args.estimand]
    if args.format == "table":
        df = df[["id", "estimand", "primary_site", "setting", "kind", "events", "total", "value",
                 "low", "high", "verified", "citation"]]
    emit_table(df, args.format, args.output)
    return 0


def _cmd_parameters(args: argparse.Namespace) -> int:
    from ._parameters import parameters

    df = parameters(confidence_level=args.confidence_level)
    if args.format == "table":
        table = df[["id", "primary_site", "kind", "sources", "encoding", "mean", "ci_lower",
                    "ci_upper"]].copy()
        is_rate = table["kind"] == "rate"
        for col in ("mean", "ci_lower", "ci_upper"):
            table[col] = [f"{v * 1e5:.3g}/100k py" if r else f"{100 * v:.3g}%"
                          for v, r in zip(table[col], is_rate, strict=True)]
        emit_table(table, args.format, args.output, fraction_columns=set())
        print(f"\n{int(100 * args.confidence_level)}% intervals; rates per 100,000 "
              "person-years (py). Full precision: --format csv.", file=sys.stderr)
        return 0
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
    from ._estimate import estimate, estimate_total

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
    if args.format == "table":
        emit_table(df, "table", args.output,
                   fraction_columns={"confidence_level"})
        return 0
    emit_table(df, args.format, args.output)
    return 0


def _cmd_reproduce(args: argparse.Namespace) -> int:
    from ._audit import reproduce

    df = reproduce(rng=args.seed)
    if args.format == "table":
        table = df[["claim_id", "estimand", "reconstruction", "ci_lower", "ci_upper",
                    "p_claim_holds", "verdict"]]
        emit_table(table, args.format, args.output, max_width=110)
        return 0
    emit_table(df, args.format, args.output)
    return 0


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

    p = sub.add_parser(
        "evidence", help="list or filter the evidence catalogue",
        description="List the evidence catalogue: one row per published figure, with its "
                    "citation, identifier and how it was verified.",
        epilog=_epilog("""
            example:
              spinemets evidence --site prostate --setting autopsy
        """), formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--site", help="only rows for this primary site (e.g. breast)")
    p.add_argument("--setting", help="only rows of this setting (autopsy, clinical, registry, "
                                     "imaging, review, guideline, opinion)")
    p.add_argument("--estimand", help="only rows measuring this estimand")
    p.add_argument("--file", help="validate and list your own catalogue file instead")
    add_output_arguments(p)
    p.set_defaults(func=_cmd_evidence)

    p = sub.add_parser(
        "parameters", help="the named parameters with their intervals",
        description="The named parameters: each estimand, the evidence it is built from, "
                    "the encoding and its interval.",
        epilog=_epilog("""
            example:
              spinemets parameters --confidence-level 0.9 --format csv
        """), formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--confidence-level", type=float, default=0.95,
                   help="coverage of the intervals, a fraction (default 0.95)")
    add_output_arguments(p)
    p.set_defaults(func=_cmd_parameters)

    p = sub.add_parser(
        "estimate", help="expected and predictive counts for a cohort",
        description="How many patients of a cohort will have the outcome: expected count, "
                    "interval of the expected count (ci) and predictive interval of the "
                    "observed count (pi).",
        epilog=_epilog("""
            examples:
              spinemets estimate --n 1000 --outcome spinal_mets_autopsy
              spinemets estimate --n 5000 --outcome bone_mets_at_diagnosis --site breast
              spinemets estimate --cohort cohort.csv --outcome bone_mets_at_diagnosis --total
            A cohort CSV has a column n (person_years for a rate outcome) and optionally
            primary_site; other columns are carried through.
        """), formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, help="cohort size")
    p.add_argument("--cohort", metavar="FILE.csv", help="a cohort table (CSV)")
    p.add_argument("--outcome", required=True, help="parameter id (see: spinemets parameters)")
    p.add_argument("--site", help="primary site, when the outcome is given by site")
    p.add_argument("--confidence-level", type=float, default=0.95,
                   help="coverage of the intervals, a fraction (default 0.95)")
    p.add_argument("--method", choices=("auto", "exact", "monte_carlo"), default="auto")
    p.add_argument("--total", action="store_true", help="one row for the sum over all strata")
    p.add_argument("--seed", type=int, default=None, help="seed of the Monte Carlo route")
    add_output_arguments(p)
    p.set_defaults(func=_cmd_estimate)

    p = sub.add_parser(
        "reproduce", help="audit the cited figures against the primary studies",
        description="Rebuild each cited figure from the primary studies and say whether the "
                    "claim holds, by stated rules.",
        epilog=_epilog("""
            example:
              spinemets reproduce --format csv --output audit.csv
        """), formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seed", type=int, default=2026, help="seed of the Monte Carlo parts")
    add_output_arguments(p)
    p.set_defaults(func=_cmd_reproduce)

    _cli_plan.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 2 bad usage or input)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
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
