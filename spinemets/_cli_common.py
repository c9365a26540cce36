"""Pieces shared by the command-line subcommands: output formats and usage errors."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from ._display import format_table

__all__ = ["CLIUsageError", "add_output_arguments", "emit_table", "emit_text",
           "format_for_display"]


class CLIUsageError(Exception):
    """A bad command-line argument or input file: exit status 2, one line on stderr."""


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--format`` and ``--output`` to a subcommand's parser."""
    parser.add_argument(
        "--format", choices=("table", "csv", "json"), default="table",
        help="table (human-readable, percent shown as percent; default), csv or json "
             "(full precision, fractions)",
    )
    parser.add_argument(
        "--output", metavar="PATH", default=None,
        help="write to PATH instead of standard output",
    )


def format_for_display(df: pd.DataFrame, *, fraction_columns: set[str] | None = None,
                       max_width: int = 48, width: int | None = None) -> str:
    """Render ``df`` as a plain-text table fitted to the terminal (see
    :func:`spinemets._display.format_table`): every column by its unit, long text cut.

    ``fraction_columns``, when given, are the only columns shown as percent by name (a
    ``unit`` column still decides evidence rows); ``max_width`` caps text cells.

    Examples
    --------
    >>> import pandas as pd
    >>> from spinemets._cli_common import format_for_display
    >>> print(format_for_display(pd.DataFrame({"value": [0.0461], "total": [1080]})))
    value total
    4.61% 1,080
    """
    return format_table(df, fraction_columns=fraction_columns, max_text=max_width, width=width)


def emit_table(df: pd.DataFrame, fmt: str, output: str | None, *,
               fraction_columns: set[str] | None = None, max_width: int = 48) -> None:
    """Write ``df`` as table, CSV or JSON records to ``output`` (or standard output)."""
    if fmt == "csv":
        text = df.to_csv(index=False)
    elif fmt == "json":
        text = json.dumps(json.loads(df.to_json(orient="records")), indent=2) + "\n"
    else:
        text = format_for_display(df, fraction_columns=fraction_columns,
                                  max_width=max_width) + "\n"
    emit_text(text, output)


def emit_text(text: str, output: str | None) -> None:
    """Write ``text`` to ``output`` (or standard output); a missing folder is a usage error."""
    if output is None:
        sys.stdout.write(text)
        return
    path = Path(output)
    if not path.parent.exists():
        raise CLIUsageError(f"--output: folder {str(path.parent)!r} does not exist")
    path.write_text(text, encoding="utf-8")
