"""Pieces shared by the command-line subcommands: output formats, input files and usage
errors in the user's words."""

from __future__ import annotations

import argparse
import csv
import difflib
import io
import json
import math
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from ._display import format_table
from ._validation import MAX_ROWS

__all__ = ["CLIUsageError", "add_output_arguments", "check_output", "csv_text",
           "did_you_mean", "emit_summary", "emit_table", "emit_text", "format_for_display",
           "one_line", "out_dir_folder", "quiet_stdout", "read_csv_arg", "require_number",
           "spreadsheet_safe", "terminal_safe", "write_csv"]

#: The ``--output``/``--cohort`` value that means standard output / standard input.
STDIO = "-"

#: First characters that make a spreadsheet read a CSV cell as a formula (or, for tab and
#: carriage return, shift it into one); such text cells get a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# A cell that is a plain decimal number ("-2", "+1.5e3") is a number to a spreadsheet, not a
# formula, and stays as it is.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")

# Control characters (C0, DEL, C1): in a terminal they move the cursor, clear the screen or
# change colours; in a table they break the rows.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

#: The longest error line written to standard error, in characters.
MAX_MESSAGE = 2000


class CLIUsageError(Exception):
    """A bad command-line argument or input file: exit status 2, one line on stderr."""


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--format``, ``--output`` and ``--force`` to a subcommand's parser."""
    parser.add_argument(
        "--format", choices=("table", "csv", "json"), default=None,
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
                   maximum: float | None = None, above: float | None = None,
                   below: float | None = None) -> None:
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
    if maximum is not None and value > maximum:
        raise CLIUsageError(f"{flag} must be at most {maximum:g}, got {shown}")
    if above is not None and below is not None and not above < value < below:
        raise CLIUsageError(f"{flag} must be between {above:g} and {below:g} (exclusive), "
                            f"got {shown}")
    if above is not None and below is None and not value > above:
        raise CLIUsageError(f"{flag} must be greater than {above:g}, got {shown}")


def one_line(message: object) -> str:
    """``message`` as one line of at most :data:`MAX_MESSAGE` characters: whitespace runs,
    newlines included, become one space; other control characters show as escapes.

    Examples
    --------
    >>> from spinemets._cli_common import one_line
    >>> one_line("bad value\\n  in row 3")
    'bad value in row 3'
    >>> print(one_line("got \\x1b[2J"))
    got \\x1b[2J
    """
    text = _CONTROL.sub(lambda m: repr(m.group())[1:-1], " ".join(str(message).split()))
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE - 1] + "\u2026"


def read_csv_arg(flag: str, path: str) -> pd.DataFrame:
    """Read the CSV named by ``flag`` (``-`` is standard input) or raise a usage error.

    The text must be UTF-8 (a byte-order mark is allowed); anything else, an empty file, a
    malformed one or one of more than ``MAX_ROWS`` rows (read no further) is a usage error
    naming ``flag`` and the file.
    """
    name = "standard input" if path == STDIO else repr(path)
    try:
        if path == STDIO:
            source: str | io.StringIO = io.StringIO(_read_stdin())
        else:
            if not Path(path).is_file():
                raise CLIUsageError(f"{flag}: file {path!r} not found")
            source = path
        table = pd.read_csv(source, encoding="utf-8-sig", nrows=MAX_ROWS + 1)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise CLIUsageError(f"{flag}: cannot read {name} as UTF-8 CSV ({exc})") from None
    except OSError as exc:
        raise CLIUsageError(f"{flag}: cannot read {name} ({exc.strerror or exc})") from None
    if len(table) > MAX_ROWS:  # read no further than one row past the limit
        raise CLIUsageError(f"{flag}: {name} has more than {MAX_ROWS:,} rows (the limit of a "
                            "table); split it into smaller files")
    return table


def _read_stdin() -> str:
    """Standard input as text, decoded strictly as UTF-8 (a byte-order mark dropped): the
    interpreter's own decoding may let undecodable bytes through as surrogates."""
    raw = getattr(sys.stdin, "buffer", None)
    if raw is None:  # already text (a test's StringIO)
        return sys.stdin.read().removeprefix("\ufeff")
    return raw.read().decode("utf-8-sig")


def check_output(output: str | None, force: bool) -> None:
    """Refuse, before any work, an ``--output`` in a missing folder or over an existing file
    without ``--force``."""
    if output is None or output == STDIO:
        return
    if not output or "\x00" in output:
        raise CLIUsageError(f"--output: {output!r} is not a file name")
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


def spreadsheet_safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells (and column names) cannot run as spreadsheet
    formulas: text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets
    a leading apostrophe, unless it is a plain number. Number columns are left as they are.

    Examples
    --------
    >>> import pandas as pd
    >>> from spinemets._cli_common import spreadsheet_safe
    >>> df = pd.DataFrame({"source": ["=1+2", "-2", "@SUM(A1)", "Smith"],
    ...                    "value": [-1.5, 2.0, 3.0, 4.0]})
    >>> spreadsheet_safe(df)["source"].tolist()
    ["'=1+2", '-2', "'@SUM(A1)", 'Smith']
    >>> spreadsheet_safe(df)["value"].tolist()
    [-1.5, 2.0, 3.0, 4.0]
    """
    return _map_text(df, _safe_cell)


def _safe_cell(value: str) -> str:
    if value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def terminal_safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells and column names show control characters as
    escapes (``\\x1b``, ``\\n``) instead of sending them to the terminal.

    Examples
    --------
    >>> import pandas as pd
    >>> from spinemets._cli_common import terminal_safe
    >>> df = pd.DataFrame({"who": ["\\x1b[2Jclear", "two\\nlines"]})
    >>> print(terminal_safe(df)["who"].tolist())
    ['\\\\x1b[2Jclear', 'two\\\\nlines']
    """
    return _map_text(df, lambda v: _CONTROL.sub(lambda m: repr(m.group())[1:-1], v))


def _map_text(df: pd.DataFrame, func: Any) -> pd.DataFrame:
    """A copy of ``df`` with ``func`` applied to every text cell and column name."""
    def cell(value: object) -> object:
        return func(value) if isinstance(value, str) else value

    out = df.copy()
    for i in range(out.shape[1]):
        series = out.iloc[:, i]
        if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            out.isetitem(i, series.map(cell))
    out.columns = [cell(c) for c in out.columns]
    return out


def csv_text(df: pd.DataFrame) -> str:
    """``df`` as CSV text (no index), with formula-like text neutralised
    (:func:`spreadsheet_safe`): the one CSV writer of the command line.

    A carriage return inside a cell does not end the line in pandas' CSV writer, so it is
    not quoted; when one occurs, every text cell is quoted (numbers stay bare) so that
    readers keep the cell whole.

    Examples
    --------
    >>> import io
    >>> import pandas as pd
    >>> from spinemets._cli_common import csv_text
    >>> text = csv_text(pd.DataFrame({"who": ["a\\rb"], "n": [3]}))
    >>> pd.read_csv(io.StringIO(text))["who"].tolist()
    ['a\\rb']
    """
    safe = spreadsheet_safe(df)
    text_cells = [str(c) for c in safe.columns]
    for i in range(safe.shape[1]):
        series = safe.iloc[:, i]
        if not pd.api.types.is_numeric_dtype(series):
            text_cells += [v for v in series if isinstance(v, str)]
    if any("\r" in cell for cell in text_cells):
        return safe.to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC)
    return safe.to_csv(index=False)


def write_csv(df: pd.DataFrame, path: Path, flag: str) -> None:
    """Write ``df`` as :func:`csv_text` to ``path``; a failure is a usage error naming
    ``flag`` and the file."""
    try:
        path.write_text(csv_text(df), encoding="utf-8")
    except OSError as exc:
        raise CLIUsageError(f"{flag}: cannot write {str(path)!r} ({exc.strerror or exc})") \
            from None


def emit_table(df: pd.DataFrame, fmt: str, output: str | None, *,
               fraction_columns: set[str] | None = None, max_width: int = 48) -> None:
    """Write ``df`` as table, CSV or JSON records to ``output`` (or standard output)."""
    if fmt == "csv":
        text = csv_text(df)
    elif fmt == "json":
        text = json.dumps(json.loads(df.to_json(orient="records")), indent=2) + "\n"
    else:
        text = format_for_display(terminal_safe(df), fraction_columns=fraction_columns,
                                  max_width=max_width) + "\n"
    emit_text(text, output)


def emit_summary(text: str, fmt: str, output: str | None) -> None:
    """Write a plain-language ``text`` in ``fmt``: as it is (table), one CSV row per line
    (column ``summary``) or a JSON object ``{"summary": [lines]}``."""
    lines = text.rstrip("\n").split("\n")
    if fmt == "csv":
        emit_text(csv_text(pd.DataFrame({"summary": lines})), output)
    elif fmt == "json":
        emit_text(json.dumps({"summary": lines}, indent=2) + "\n", output)
    else:
        emit_text(text.rstrip("\n") + "\n", output)


def emit_text(text: str, output: str | None) -> None:
    """Write ``text`` to ``output`` (``None`` or ``-``: standard output)."""
    if output is None or output == STDIO:
        try:
            sys.stdout.write(text)
            sys.stdout.flush()  # a full disk is an error here, not at the interpreter's exit
        except BrokenPipeError:
            raise
        except UnicodeEncodeError as exc:
            raise CLIUsageError(
                f"cannot write standard output: its encoding {exc.encoding!r} cannot show "
                f"{exc.object[exc.start:exc.end]!r}; set PYTHONIOENCODING=utf-8 or write to a "
                "file with --output PATH (always UTF-8)") from None
        except OSError as exc:
            quiet_stdout()
            raise CLIUsageError(f"cannot write standard output ({exc.strerror or exc})") \
                from None
        return
    try:
        _output_path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CLIUsageError(f"--output: cannot write {output!r} ({exc.strerror or exc})") \
            from None


def quiet_stdout() -> None:
    """Send what is left of standard output to the null device, after a closed pipe
    (``spinemets ... | head``) or a failed write, so that the interpreter's flush at exit does
    not fail a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, io.UnsupportedOperation):  # no real file (captured output)
        pass


def out_dir_folder(out_dir: str) -> Path:
    """``--out-dir`` as a folder path: one that exists or can be made in an existing parent
    (a usage error otherwise). Whether its files may be overwritten is the caller's rule."""
    if not out_dir or "\x00" in out_dir:
        raise CLIUsageError(f"--out-dir: {out_dir!r} is not a folder name")
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
