"""Pieces shared by the command-line subcommands: output formats and usage errors."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["CLIUsageError", "add_output_arguments", "emit_table", "format_for_display"]


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


# Columns holding fractions, shown as percent in the human-readable table.
_FRACTION_COLUMNS = {
    "value", "low", "high", "estimate", "ci_lower", "ci_upper", "pi_lower", "pi_upper",
    "confidence_level", "mean_fraction", "claimed_low", "claimed_high", "p_claim_holds",
    "reconstruction", "p_new_setting",
}


def format_for_display(df: pd.DataFrame, *, fraction_columns: set[str] | None = None,
                       max_width: int = 48) -> str:
    """Render ``df`` as a plain-text table: fractions as percent, long text cut."""
    fractions = _FRACTION_COLUMNS if fraction_columns is None else fraction_columns
    out = pd.DataFrame(index=df.index)
    for col in df.columns:
        series = df[col]
        if col in fractions and pd.api.types.is_numeric_dtype(series):
            out[col] = series.map(lambda v: "" if pd.isna(v) else f"{100 * v:.3g}%")
        elif pd.api.types.is_float_dtype(series):
            out[col] = series.map(lambda v: "" if pd.isna(v) else _short_number(v))
        else:
            out[col] = series.map(lambda v: "" if _is_missing(v) else _cut(str(v), max_width))
    return out.to_string(index=False)


def _is_missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA


def _short_number(v: float) -> str:
    if float(v).is_integer() and abs(v) < 1e15:
        return f"{int(v):,}"
    return f"{v:.4g}"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


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
    if output is None:
        sys.stdout.write(text)
        return
    path = Path(output)
    if not path.parent.exists():
        raise CLIUsageError(f"--output: folder {str(path.parent)!r} does not exist")
    path.write_text(text, encoding="utf-8")
