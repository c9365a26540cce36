"""The ``spinemets`` command line (also ``python -m spinemets``).

Subcommands: ``evidence``, ``parameters``, ``estimate``, ``reproduce`` and ``plan``. Each
writes a human-readable table by default (percent shown as percent, fitted to the
terminal's width) or full-precision CSV or JSON (fractions) with ``--format``, to standard
output or ``--output PATH`` (``-`` is standard output; an existing file needs ``--force``);
with ``--out-dir DIR`` each writes its table as CSV and a sidecar JSON (the command, the
seed, the versions and the command that re-runs it exactly). ``estimate --cohort -`` reads
the cohort from standard input, so commands compose in a pipe. Bad arguments or input files
exit with status 2 and one line on standard error.

This module builds the parser without loading numpy, pandas or scipy: ``spinemets --help``
and ``spinemets --version`` answer at once, and the subcommands (in
``spinemets._cli_commands``) are loaded only when one runs.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
import textwrap
from collections.abc import Sequence
from typing import NoReturn

from ._version import __version__

__all__ = ["COMMANDS", "build_parser", "main"]

#: Each subcommand with its one-line help, as ``spinemets --help`` lists them.
COMMANDS: dict[str, str] = {
    "evidence": "list or filter the evidence catalogue",
    "parameters": "the named parameters with their intervals",
    "estimate": "expected and predictive counts for a cohort",
    "reproduce": "audit the cited figures against the primary studies",
    "plan": "MRI capacity for suspected spinal metastases and MSCC in a catchment",
}


class _UsageExit(SystemExit):
    """argparse usage error already reported on stderr in one line; exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse parser whose usage errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        found = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if found:
            choices = re.findall(r"'([^']*)'", found.group(2))
            close = difflib.get_close_matches(found.group(1), choices, n=1, cutoff=0.6)
            if close:
                message += f"; did you mean {close[0]!r}?"
        sys.stderr.write(f"error: {self.prog}: {message}\n")
        raise _UsageExit(2)


def build_parser(*, subcommands: bool = True) -> argparse.ArgumentParser:
    """The argument parser of the ``spinemets`` command.

    With ``subcommands=False`` each subcommand is only named (enough for ``--help``,
    ``--version`` and a misspelt command) and nothing beyond the standard library is loaded.

    Examples
    --------
    >>> from spinemets.cli import build_parser
    >>> build_parser().parse_args(["estimate", "--n", "10", "--outcome", "mscc_rate"]).n
    10
    """
    parser = _Parser(
        prog="spinemets",
        description="Published evidence on metastatic spinal tumours as traceable "
                    "uncertainty: the catalogue, named parameters, cohort estimates, the "
                    "audit of cited figures and MRI capacity plans.",
        epilog=textwrap.dedent("""
            examples:
              spinemets parameters
              spinemets estimate --n 1000 --outcome spinal_mets_autopsy
              spinemets evidence --site breast --format csv --output breast.csv
              spinemets estimate --cohort - --outcome bone_mets_at_diagnosis < cohort.csv
        """).strip(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"spinemets {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    if subcommands:
        # Loaded here, not at the top, so that --help and --version stay free of the numeric
        # stack (allow-listed in tests/test_structure.py).
        from . import _cli_commands

        _cli_commands.register(sub, COMMANDS)
    else:
        for name, help in COMMANDS.items():
            sub.add_parser(name, help=help, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 2 bad usage or input)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(subcommands=bool(argv) and argv[0] in COMMANDS)
    try:
        args = parser.parse_args(argv)
    except _UsageExit:
        return 2
    if getattr(args, "func", None) is None:
        print(f"spinemets {__version__}")
        parser.print_help()
        return 0
    args.argv = argv
    from . import _cli_commands  # see build_parser: loaded only when a subcommand runs

    return _cli_commands.run(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
