"""Pieces shared by the command-line subcommands: output formats, input files and usage
errors in the user's words."""

from __future__ import annotations

import argparse
import difflib
import io
import json
import math
import sys
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ._display import format_table

__all__ = ["CLIUsageError", "add_output_arguments", "check_output", "did_you_mean",
           "emit_summary", "emit_table", "emit_text", "format_for_display", "out_dir_folder",
           "read_csv_arg", "require_number"]

#: The ``--output``/``--cohort`` value that means standard output / standard input.
STDIO = "-"


class CLIUsageError(Exception):
    """A bad command-line argument or input file: exit status 2, one line on stderr."""


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--format``, ``--output`` and ``--force`` to a subcommand's parser."""
    parser.add_argument(
        "--format", choices=("table", "csv", "json"), default="table",
        help="table (human-readable, percent shown as percent; default), csv or json "
             "(full precision, fractions)",
    )
    parser.add_argument(
        "--output", metavar="PATH", default=None,
        help="write to PATH instead of standard output ('-' is standard output)",
    )
    parser.add_argument(
        "--force", action="store_true",
        help="overwrite files (--output, --out-dir) that already exist",
    )


def did_you_mean(flag: str, value: str, choices: Iterable[str], what: str) -> CLIUsageError:
    """The usage error for ``value`` not among ``choices``, with the closest matches.

    Examples
    --------
    >>> from spinemets._cli_common import did_you_mean
    >>> print(did_you_mean("--site", "brest", ["breast", "lung", "prostate"], "primary site"))
    --site: 'brest' is not a primary site; did you mean 'breast'? (choices: breast, lung, prostate)
    """
    options = sorted({str(c) for c in choices})
    close = difflib.get_close_matches(value, options, n=3, cutoff=0.6)
    hint = ("; did you mean " + " or ".join(repr(c) for c in close) + "?") if close else ""
    return CLIUsageError(f"{flag}: {value!r} is not a {what}{hint} "
                         f"(choices: {', '.join(options)})")


def require_number(flag: str, value: float | None, *, minimum: float | None = None,
                   above: float | None = None, below: float | None = None) -> None:
    """Check a numeric flag and say what is wrong with it in the user's words.

    Examples
    --------
    >>> from spinemets._cli_common import require_number
    >>> require_number("--n", -5, minimum=0)
    Traceback (most recent call last):
    ...
    spinemets._cli_common.CLIUsageError: --n must be at least 0, got -5
    """
    if value is None:
        return
    shown = f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise CLIUsageError(f"{flag} must be a finite number, got {shown}")
    if minimum is not None and value < minimum:
        raise CLIUsageError(f"{flag} must be at least {minimum:g}, got {shown}")
    if above is not None and below is not None and not above < value < below:
        raise CLIUsageError(f"{flag} must be between {above:g} and {below:g} (exclusive), "
                            f"got {shown}")
    if above is not None and below is None and not value > above:
        raise CLIUsageError(f"{flag} must be greater than {above:g}, got {shown}")


def read_csv_arg(flag: str, path: str) -> pd.DataFrame:
    """Read the CSV named by ``flag`` (``-`` is standard input) or raise a usage error."""
    if path == STDIO:
        source: str | io.StringIO = io.StringIO(sys.stdin.read())
        name = "standard input"
    else:
        if not Path(path).is_file():
            raise CLIUsageError(f"{flag}: file {path!r} not found")
        source, name = path, repr(path)
    try:
        return pd.read_csv(source)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise CLIUsageError(f"{flag}: cannot read {name} as CSV ({exc})") from None


def check_output(output: str | None, force: bool) -> None:
    """Refuse, before any work, an ``--output`` in a missing folder or over an existing file
    without ``--force``."""
    if output is None or output == STDIO:
        return
    path = _output_path(output)
    if path.is_dir():
        raise CLIUsageError(f"--output: {output!r} is a folder, not a file")
    if path.exists() and not force:
        raise CLIUsageError(f"--output: {output!r} already exists; pass --force to overwrite")


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


def emit_summary(text: str, fmt: str, output: str | None) -> None:
    """Write a plain-language ``text`` in ``fmt``: as it is (table), one CSV row per line
    (column ``summary``) or a JSON object ``{"summary": [lines]}``."""
    lines = text.rstrip("\n").split("\n")
    if fmt == "csv":
        emit_text(pd.DataFrame({"summary": lines}).to_csv(index=False), output)
    elif fmt == "json":
        emit_text(json.dumps({"summary": lines}, indent=2) + "\n", output)
    else:
        emit_text(text.rstrip("\n") + "\n", output)


def emit_text(text: str, output: str | None) -> None:
    """Write ``text`` to ``output`` (``None`` or ``-``: standard output)."""
    if output is None or output == STDIO:
        sys.stdout.write(text)
        return
    _output_path(output).write_text(text, encoding="utf-8")


def out_dir_folder(out_dir: str) -> Path:
    """``--out-dir`` as a folder path: one that exists or can be made in an existing parent
    (a usage error otherwise). Whether its files may be overwritten is the caller's rule."""
    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise CLIUsageError(f"--out-dir: {str(folder)!r} exists and is not a folder")
    if not folder.parent.exists():
        raise CLIUsageError(f"--out-dir: parent folder {str(folder.parent)!r} does not exist")
    return folder


def _output_path(output: str) -> Path:
    """``--output`` as a path whose folder exists (a usage error otherwise)."""
    path = Path(output)
    if not path.parent.exists():
        raise CLIUsageError(f"--output: folder {str(path.parent)!r} does not exist")
    return path
