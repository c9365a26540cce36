"""The one display layer: how spinemets turns stored numbers into text, HTML and tables.

Display policy
--------------
*Stored* values are never changed for display: proportions, probabilities and shares are
fractions (0.36, never 36) and rates are per person-year, at full precision, in every
DataFrame, attribute and CSV/JSON export. Only what is *shown* (reprs, notebook HTML, the
CLI's human-readable tables, plot labels and ticks) is formatted, and always by this module:

- **fractions** (proportions, prevalences, shares, interval ends, confidence and service
  levels, and long-run frequencies such as the share of weeks in which demand exceeds the
  slots) are shown as **percent with 3 significant digits**: 0.0461 → ``4.61%``,
  0.36 → ``36%``, 0.306 → ``30.6%``. Values that would print as 0% or 100% without being
  0 or 1 are shown as ``<0.001%`` / ``>99.999%`` (more decimals are used near 100% before
  that, so 0.9996 → ``99.96%``); exactly 0 and 1 are ``0%`` and ``100%``;
- **probabilities that a statement holds** (``p_claim_holds``, ``p_new_setting``, columns
  named ``P(...)``) are shown as **decimals with 3 places**, ``0.895``, with ``< 0.001`` and
  ``> 0.999`` at the ends (exactly 0 and 1 are ``0`` and ``1``), so that they stay apart
  from the percentages they are about;
- **rates** are shown **per 100,000 person-years** with 3 significant digits:
  ``8.1 per 100,000 person-years`` in text, ``8.1/100k py`` in tables;
- **ratios** as ``4×``; **counts** with thousands separators (``1,079``; a non-integer
  expected count keeps at least one decimal: ``264.3``), never in scientific notation;
- a missing value (None, NaN, NA) is shown as ``—`` (an empty string in plain-text tables).

Entry points: :func:`format_value` (one number), :func:`column_units` (the unit of every
column of a result table, per row where an evidence table's ``unit`` column says so),
:func:`show` (a pandas ``Styler`` for notebooks, exported as ``spinemets.show``),
:func:`format_table` (plain text for the command line, fitted to the terminal width) and
:func:`html_record` / :func:`html_table` (the HTML of the result objects' ``_repr_html_``).
"""

from __future__ import annotations

import hashlib
import html
import math
import numbers
import shutil
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pandas.io.formats.style import Styler

__all__ = [
    "MISSING",
    "UNITS",
    "axis_label",
    "column_units",
    "format_frame",
    "format_interval",
    "format_table",
    "format_value",
    "html_record",
    "html_table",
    "reference_url",
    "show",
    "terminal_width",
]

UNITS: tuple[str, ...] = (
    "fraction", "probability", "percent", "per_person_year", "per_100k", "ratio", "count",
    "rank", "number", "text", "link",
)
"""Units understood by :func:`format_value` (``"link"`` and ``"text"`` are shown as text)."""

MISSING = "—"
"""How a missing value is shown in reprs and HTML (plain-text tables leave the cell empty)."""

_TINY_PERCENT = 0.001  # below this many percent a fraction is shown as "<0.001%"

# Free-text unit names (evidence ``unit`` column, ImagingPlan.assumptions()) → display unit.
_UNIT_ALIASES = {
    "fraction": "fraction", "proportion": "fraction", "share": "fraction",
    "fraction of weeks": "fraction", "fraction_per_year": "fraction",
    "fraction per year": "fraction", "trend": "fraction", "sensitivity": "fraction",
    "specificity": "fraction", "counts": "fraction", "range": "fraction",
    "upper_bound": "fraction", "lower_bound": "fraction",
    "probability": "probability",
    "percent": "percent", "%": "percent",
    "per_person_year": "per_person_year", "per person-year": "per_person_year",
    "per person year": "per_person_year", "rate": "per_person_year",
    "per_100k": "per_100k", "per 100,000": "per_100k",
    "ratio": "ratio",
    "count": "count", "people": "count", "draws": "count", "scans": "count",
    "rank": "rank",
}

# Column names whose numbers are fractions unless the table says otherwise.
_FRACTION_NAMES = frozenset({
    "value", "low", "high", "estimate", "mean", "median", "ci_lower", "ci_upper", "pi_lower",
    "pi_upper", "confidence_level", "service_level", "mean_fraction", "claimed_low",
    "claimed_high", "reconstruction", "evidence_min", "evidence_max", "weight", "weight_fixed",
    "i2", "clipped_share", "share_within_target", "prob_exceed_slots", "apparent",
    "sensitivity", "specificity", "proportion", "fixed_estimate", "prevalence", "yield",
})
# ... and the ones that are a probability that a statement holds.
_PROBABILITY_NAMES = frozenset({"p_claim_holds", "p_new_setting"})
# Interval columns that hold counts in an estimate()-style table (one with n / person_years).
_COUNT_RESULT_NAMES = frozenset({
    "mean", "median", "ci_lower", "ci_upper", "pi_lower", "pi_upper",
})
_COUNT_NAMES = frozenset({
    "events", "total", "n", "n_with_counts", "n_draws", "person_years", "slots_per_week",
    "slots_needed", "draws", "expected_emergencies", "n_sims",
})
_COUNT_PREFIXES = ("cases_per_", "scans_per_", "slots_", "n_", "expected_count")
_LINK_NAMES = frozenset({"doi", "pmid", "url", "references"})
# Columns never shortened in plain-text tables: they identify the row.
_KEY_NAMES = frozenset({"id", "claim_id", "name", "stream", "session", "label", "parameter",
                        "alternative", "primary_site", "outcome", "hospital"})


# --------------------------------------------------------------------------- numbers


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isnan(value)


def _decimals_for(x: float, digits: int) -> int:
    """Decimals that show ``x`` with ``digits`` significant digits (never negative)."""
    if x == 0:
        return 0
    d = digits - 1 - math.floor(math.log10(abs(x)))
    # rounding may add a digit (9.996 -> 10.0): recompute on the rounded value
    rounded = round(abs(x), max(d, 0))
    if rounded != 0:
        d = digits - 1 - math.floor(math.log10(rounded))
    return max(d, 0)


def _sig(x: float, digits: int = 3, *, grouping: bool = True, strip: bool = True) -> str:
    """``x`` with ``digits`` significant digits in positional notation (no exponent)."""
    d = _decimals_for(x, digits)
    text = f"{x:,.{d}f}" if grouping else f"{x:.{d}f}"
    if strip and "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _percent(p: float, digits: int) -> str:
    """A percentage (already times 100) with the edge rules of the display policy."""
    if p == 0:
        return "0%"
    if p == 100:
        return "100%"
    if abs(p) < _TINY_PERCENT:
        return f"{'-' if p < 0 else ''}<{_TINY_PERCENT:g}%"
    if 100 - _TINY_PERCENT < p < 100:
        return f">{100 - _TINY_PERCENT:g}%"
    text = _sig(p, digits)
    if 0 < p < 100 and text == "100":
        # never show 100% for a value below 1: add decimals until it differs
        for d in range(1, 4):
            text = f"{p:.{d}f}".rstrip("0").rstrip(".")
            if text != "100":
                break
    return f"{text}%"


def _probability(p: float) -> str:
    if p == 0:
        return "0"
    if p == 1:
        return "1"
    if 0 < p < 0.001:
        return "< 0.001"
    if 0.999 < p < 1:
        return "> 0.999"
    return f"{p:.3f}"


def _count(x: float, digits: int) -> str:
    if float(x).is_integer():
        return f"{int(x):,}"
    d = max(_decimals_for(x, digits), 1)
    return f"{x:,.{d}f}"


def _number(x: float, digits: int) -> str:
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    if x != 0 and (abs(x) < 1e-4 or abs(x) >= 1e15):
        return f"{x:.{digits}g}"
    return _sig(x, digits)


def format_value(value: Any, unit: str = "number", *, digits: int = 3,
                 style: str = "table") -> str:
    """Format one stored value for display according to its unit (see the module policy).

    Parameters
    ----------
    value : float, int, str or None
        The stored value: a fraction for ``"fraction"`` and ``"probability"``, a rate per
        person-year for ``"per_person_year"``, percent for ``"percent"``, per 100,000 for
        ``"per_100k"``.
    unit : str, default "number"
        One of :data:`UNITS`, or a unit name as written in the catalogue (``"per
        person-year"``, ``"fraction of weeks"``, …).
    digits : int, default 3
        Significant digits for fractions, rates, ratios and plain numbers.
    style : {"table", "text"}, default "table"
        ``"text"`` spells rates out (``"per 100,000 person-years"``) for reprs and
        sentences; ``"table"`` uses the short ``"/100k py"``.

    Returns
    -------
    str
        ``"—"`` for a missing value.

    Examples
    --------
    >>> from spinemets._display import format_value
    >>> format_value(0.0461, "fraction"), format_value(0.36, "fraction")
    ('4.61%', '36%')
    >>> format_value(1e-9, "fraction"), format_value(0.99999, "fraction")
    ('<0.001%', '>99.999%')
    >>> format_value(8.1e-5, "per_person_year", style="text")
    '8.1 per 100,000 person-years'
    >>> format_value(8.1e-5, "per_person_year")
    '8.1/100k py'
    >>> format_value(4.0, "ratio"), format_value(1079.16, "count"), format_value(1080, "count")
    ('4×', '1,079.2', '1,080')
    >>> format_value(0.8953, "probability"), format_value(0.9999, "probability")
    ('0.895', '> 0.999')
    >>> format_value(float("nan"), "fraction")
    '—'
    """
    if not isinstance(digits, numbers.Integral) or isinstance(digits, bool) or digits < 1:
        raise ValueError(f"digits must be a positive integer, got {digits!r}")
    if style not in ("table", "text"):
        raise ValueError(f"style must be 'table' or 'text', got {style!r}")
    kind = normalize_unit(unit)
    if _is_missing(value):
        return MISSING
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if kind in ("text", "link") or not isinstance(value, (numbers.Real, np.number)):
        return str(value)
    x = float(value)
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    if kind == "fraction":
        return _percent(100.0 * x, digits)
    if kind == "percent":
        return _percent(x, digits)
    if kind == "probability":
        return _probability(x)
    if kind in ("per_person_year", "per_100k"):
        per100k = x * 1e5 if kind == "per_person_year" else x
        if per100k != 0 and abs(per100k) < 0.001:
            shown = "<0.001"
        else:
            shown = _sig(per100k, digits)
        return (f"{shown} per 100,000 person-years" if style == "text"
                else f"{shown}/100k py")
    if kind == "ratio":
        return f"{_sig(x, digits)}×"
    if kind == "count":
        return _count(x, digits)
    if kind == "rank":
        return f"{int(x)}" if x.is_integer() else _sig(x, digits)
    return _number(x, digits)


def format_interval(low: Any, high: Any, unit: str = "fraction", *, digits: int = 3,
                    style: str = "text") -> str:
    """``"low to high"`` in one unit; a rate names its unit once, at the end.

    Examples
    --------
    >>> from spinemets._display import format_interval
    >>> format_interval(0.27, 0.341)
    '27% to 34.1%'
    >>> format_interval(2e-4, 3e-4, "per_person_year")
    '20 to 30 per 100,000 person-years'
    """
    kind = normalize_unit(unit)
    if kind in ("per_person_year", "per_100k"):
        lo = format_value(low, kind, digits=digits, style="table").removesuffix("/100k py")
        hi = format_value(high, kind, digits=digits, style=style)
        return f"{lo} to {hi}"
    return (f"{format_value(low, kind, digits=digits, style=style)} to "
            f"{format_value(high, kind, digits=digits, style=style)}")


def normalize_unit(unit: Any) -> str:
    """The display unit for a unit name (``"per person-year"`` → ``"per_person_year"``).

    Unknown names are plain numbers.

    Examples
    --------
    >>> from spinemets._display import normalize_unit
    >>> normalize_unit("fraction of weeks"), normalize_unit("minutes")
    ('fraction', 'number')
    """
    if unit is None or (isinstance(unit, float) and math.isnan(unit)):
        return "number"
    text = str(unit).strip()
    if text in UNITS:
        return text
    return _UNIT_ALIASES.get(text.lower(), "number")


def axis_label(what: str, unit: str) -> str:
    """An axis label: the quantity and, after a comma, its display unit.

    Identifiers are made readable (underscores become spaces) and no second pair of
    parentheses is added.

    Examples
    --------
    >>> from spinemets._display import axis_label
    >>> axis_label("spinal_mets_autopsy (all)", "fraction")
    'spinal mets autopsy (all), %'
    >>> axis_label("", "per_person_year")
    'rate per 100,000 person-years'
    """
    kind = normalize_unit(unit)
    name = str(what).replace("_", " ").strip()
    suffix = {"fraction": "%", "percent": "%", "probability": "probability",
              "per_person_year": "per 100,000 person-years",
              "per_100k": "per 100,000 person-years", "ratio": "ratio",
              "count": "count"}.get(kind, "")
    if not name:
        return {"fraction": "percent", "percent": "percent",
                "per_person_year": "rate per 100,000 person-years",
                "per_100k": "rate per 100,000 person-years"}.get(kind, suffix)
    return f"{name}, {suffix}" if suffix else name


def percent_tick_formatter() -> Any:
    """A matplotlib tick formatter showing fractions as percent by the display policy.

    Tick labels keep only the digits the tick spacing needs (``0%``, ``20%``, …; ``2.5%``
    when the ticks are that close), never ``0.0000%``.
    """
    from matplotlib.ticker import FuncFormatter

    def fmt(x: float, _pos: Any = None) -> str:
        p = 100.0 * x
        if abs(p) < 1e-9:
            return "0%"
        return f"{_sig(round(p, 6), 6)}%"

    return FuncFormatter(fmt)


# --------------------------------------------------------------------------- tables


def column_units(df: pd.DataFrame, units: Mapping[str, str] | None = None, *,
                 fraction_columns: Iterable[str] | None = None) -> dict[str, Any]:
    """The display unit of every column of a result table.

    Parameters
    ----------
    df : pandas.DataFrame
        A table as returned by spinemets.
    units : mapping, optional
        Units given by the caller; they win over everything inferred.
    fraction_columns : iterable of str, optional
        If given, exactly these name-inferred columns are fractions (others that would be
        inferred as fractions from their name are plain numbers). A ``unit`` column in the
        table still decides ``value, low, high`` (and ``mean, ci_lower, ci_upper``) row by
        row.

    Returns
    -------
    dict
        Column → a unit name, or a :class:`pandas.Series` of unit names (one per row) where
        the table's ``unit`` (or, failing that, ``kind``) column says what each row holds.

    Rules, in order: ``units``; link columns (``doi, pmid, url, references``); text and
    boolean columns; per-row units from a ``unit`` column (evidence tables,
    ``ImagingPlan.assumptions()``) or a ``kind`` column (``rate`` rows are per person-year,
    ``ratio`` rows ratios) for value-like columns; interval columns of count results
    (tables with an ``n`` or ``person_years`` column) are counts; known fraction,
    probability and count column names; a "fraction" column holding values outside
    [-1, 1] is a count (for intervals) or a plain number; anything else is a plain number.

    Examples
    --------
    >>> import spinemets as sm
    >>> from spinemets._display import column_units
    >>> u = column_units(sm.evidence())
    >>> u["value"][sm.evidence()["id"] == "AGE-01"].tolist(), u["events"], u["doi"]
    (['ratio'], 'count', 'link')
    """
    given = dict(units or {})
    fractions = None if fraction_columns is None else set(fraction_columns)
    out: dict[str, Any] = {}
    row_units: pd.Series | None = None
    if "unit" in df.columns:
        row_units = df["unit"].map(normalize_unit)
    elif "kind" in df.columns:
        row_units = df["kind"].map(
            lambda k: {"rate": "per_person_year", "ratio": "ratio"}.get(str(k), "fraction")
        )
    has_rows = row_units is not None and any(
        str(k) in _UNIT_ALIASES or str(k) in UNITS
        for k in (df["unit"] if "unit" in df.columns else df["kind"]).dropna().unique()
    )
    count_result = "n" in df.columns or "person_years" in df.columns
    for col in df.columns:
        name = str(col)
        series = df[col]
        if name in given:
            out[name] = normalize_unit(given[name])
        elif name in _LINK_NAMES:
            out[name] = "link"
        elif pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
            out[name] = "text"
        elif (has_rows and row_units is not None
              and name in {"value", "low", "high", "mean", "median", "ci_lower", "ci_upper",
                           "estimate"}
              and not count_result):
            per_row = row_units.copy()
            if "unit" not in df.columns and fractions is not None and name not in fractions:
                per_row = per_row.where(per_row != "fraction", "number")
            out[name] = per_row
        elif count_result and name in _COUNT_RESULT_NAMES:
            out[name] = "count"
        elif name in _PROBABILITY_NAMES or name.startswith("P("):
            out[name] = "probability"
        elif name == "rank" or name.endswith("_rank"):
            out[name] = "rank"
        elif name in _COUNT_NAMES or name.startswith(_COUNT_PREFIXES):
            out[name] = "count"
        elif (name in _FRACTION_NAMES or name.endswith(("_share", "_fraction"))
              or name.startswith("share_")):
            if fractions is not None and name not in fractions:
                out[name] = "number"
            elif _outside_unit_interval(series):
                out[name] = "count" if name in _COUNT_RESULT_NAMES else "number"
            else:
                out[name] = "fraction"
        elif fractions is not None and name in fractions:
            out[name] = "fraction"
        else:
            out[name] = "number"
    return out


def _outside_unit_interval(series: pd.Series) -> bool:
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
    values = values[np.isfinite(values)]
    return bool(values.size) and bool((np.abs(values) > 1.0).any())


def _cell_units(unit: Any, n: int) -> list[str]:
    if isinstance(unit, pd.Series):
        return [str(u) for u in unit.tolist()]
    return [str(unit)] * n


def format_frame(df: pd.DataFrame, units: Mapping[str, str] | None = None, *,
                 fraction_columns: Iterable[str] | None = None, missing: str = MISSING,
                 digits: int = 3) -> pd.DataFrame:
    """A copy of ``df`` with every cell formatted as text by its unit (for display only).

    Examples
    --------
    >>> import pandas as pd
    >>> from spinemets._display import format_frame
    >>> format_frame(pd.DataFrame({"estimate": [0.0461], "events": [1080]})).iloc[0].tolist()
    ['4.61%', '1,080']
    """
    kinds = column_units(df, units, fraction_columns=fraction_columns)
    out = pd.DataFrame(index=df.index)
    for i, col in enumerate(df.columns):
        cell_units = _cell_units(kinds[str(col)], len(df))
        values = df.iloc[:, i].tolist()
        out[col] = [missing if _is_missing(v) else format_value(v, u, digits=digits)
                    for v, u in zip(values, cell_units, strict=True)]
    return out


# --------------------------------------------------------------------------- links


def reference_url(doi: str = "", pmid: str = "", url: str = "") -> str:
    """The best link for a reference: DOI, else PubMed, else the URL given.

    Examples
    --------
    >>> from spinemets._display import reference_url
    >>> reference_url(doi="10.1007/BF00181116", pmid="8567140")
    'https://doi.org/10.1007/BF00181116'
    >>> reference_url(pmid="8567140")
    'https://pubmed.ncbi.nlm.nih.gov/8567140/'
    """
    if doi:
        return f"https://doi.org/{doi}"
    if pmid:
        return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
    return url


def _anchor(href: str, text: str) -> str:
    return f'<a href="{html.escape(href, quote=True)}" target="_blank">{html.escape(text)}</a>'


def _link_html(column: str, value: Any) -> str:
    if _is_missing(value) or str(value) == "":
        return ""
    text = str(value)
    if column == "references":
        return " ".join(_anchor(u, str(i + 1))
                        for i, u in enumerate(u for u in text.split(";") if u))
    if column == "pmid" and text.endswith(".0"):
        text = text[:-2]
    return _anchor(reference_url(**{column: text}), text)


# --------------------------------------------------------------------------- notebooks


def _index_is_meaningless(index: pd.Index) -> bool:
    return (index.name is None and not isinstance(index, pd.MultiIndex)
            and pd.api.types.is_integer_dtype(index.dtype))


def show(df: pd.DataFrame, units: Mapping[str, str] | None = None, *,
         caption: str | None = None, digits: int = 3) -> Styler:
    """Show a spinemets table in a notebook: every column formatted by its unit, references
    as links. The data are not changed.

    Fractions appear as percent, rates per 100,000 person-years, ratios as ``4×``, counts with
    thousands separators and the probability that a claim holds as a decimal (see the
    display policy in :mod:`spinemets._display`); the units come from the column names and,
    for evidence tables, from each row's ``unit``. ``doi``, ``pmid`` and ``url`` become links,
    and so do the URLs of a ``references`` column. An unnamed integer index (row numbers) is
    hidden.

    Parameters
    ----------
    df : pandas.DataFrame
        Any table returned by spinemets (or built from one).
    units : mapping of str to str, optional
        Units for columns the rules would get wrong, e.g. ``{"pi_lower": "count"}``; see
        :data:`spinemets._display.UNITS`.
    caption : str, optional
        Caption above the table.
    digits : int, default 3
        Significant digits.

    Returns
    -------
    pandas.io.formats.style.Styler
        Renders as HTML in Jupyter; ``.to_html()`` gives the HTML. Its ``data`` is ``df``
        (with the index reset when it is hidden).

    Raises
    ------
    ImportError
        When jinja2, which pandas' ``Styler`` needs, is not installed
        (``pip install 'spinemets[notebooks]'``).

    Examples
    --------
    >>> import spinemets as sm
    >>> ev = sm.evidence()
    >>> page = sm.show(ev[ev["id"].isin(["SEED-06", "AGE-01"])]).to_html()
    >>> "https://doi.org/" in page, "30.6%" in page, "4×" in page, "400%" in page
    (True, True, True, False)
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    if df.columns.duplicated().any():
        dup = df.columns[df.columns.duplicated()][0]
        raise ValueError(f"df must have unique column names to be shown; {dup!r} is repeated")
    try:
        import jinja2  # noqa: F401
        from pandas.io.formats.style import Styler
    except ImportError as exc:
        raise ImportError(
            "spinemets.show needs jinja2 (pandas' Styler renders with it); install it with "
            "`pip install 'spinemets[notebooks]'`"
        ) from exc
    hide_index = _index_is_meaningless(df.index) or not df.index.is_unique
    data = df.reset_index(drop=True) if hide_index and _index_is_meaningless(df.index) else (
        df.reset_index() if hide_index else df)
    kinds = column_units(data, units)
    digest = hashlib.sha1(
        ("|".join(map(str, data.columns)) + f"|{data.shape}").encode()).hexdigest()[:8]
    styler = Styler(data, uuid=f"spinemets{digest}", na_rep=MISSING)
    for col in data.columns:
        kind = kinds[str(col)]
        if isinstance(kind, str):
            styler = styler.format(_cell_formatter(str(col), kind, digits), subset=[col],
                                   na_rep=MISSING if kind != "link" else "")
            continue
        for unit in pd.unique(kind):
            mask = (kind == unit).to_numpy()
            styler = styler.format(_cell_formatter(str(col), str(unit), digits),
                                   subset=pd.IndexSlice[mask, [col]], na_rep=MISSING)
    if hide_index:
        styler = styler.hide(axis="index")
    if caption:
        styler = styler.set_caption(html.escape(caption))
    return styler


def _cell_formatter(column: str, unit: str, digits: int) -> Any:
    if unit == "link":
        return lambda v: _link_html(column, v)

    def fmt(v: Any) -> str:
        return html.escape(format_value(v, unit, digits=digits))

    return fmt


# --------------------------------------------------------------------------- result HTML


def html_record(title: str, rows: Sequence[tuple[str, str]], *, after: str = "") -> str:
    """A captioned two-column HTML table (label, shown value): the body of a result's
    ``_repr_html_``. ``after`` is HTML appended below it (already escaped).

    Examples
    --------
    >>> from spinemets._display import html_record
    >>> html_record("Proportion", [("mean", "30.6%")])[:30]
    "<div><table><caption style='te"
    """
    body = "".join(
        f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
        f"<td style='text-align:left'>{html.escape(str(v))}</td></tr>"
        for k, v in rows
    )
    caption = f"<caption style='text-align:left'><b>{html.escape(title)}</b></caption>"
    return f"<div><table>{caption}{body}</table>{after}</div>"


def html_table(df: pd.DataFrame, units: Mapping[str, str] | None = None, *,
               max_rows: int = 200, digits: int = 3) -> str:
    """A small HTML table of ``df`` formatted by unit, links included; needs no jinja2.

    Examples
    --------
    >>> import pandas as pd
    >>> from spinemets._display import html_table
    >>> "4.61%" in html_table(pd.DataFrame({"estimate": [0.0461]}))
    True
    """
    shown = df.head(max_rows)
    text = format_frame(shown, units, missing="", digits=digits)
    kinds = column_units(shown, units)
    cells = pd.DataFrame(index=text.index)
    for i, col in enumerate(shown.columns):
        if kinds[str(col)] == "link":
            cells[col] = [_link_html(str(col), v) for v in shown.iloc[:, i].tolist()]
        else:
            cells[col] = [html.escape(v) for v in text.iloc[:, i].tolist()]
    cells.columns = [html.escape(str(c)) for c in shown.columns]
    note = "" if len(df) <= max_rows else f"<p>first {max_rows} of {len(df)} rows</p>"
    return cells.to_html(escape=False, index=False, na_rep="") + note


# --------------------------------------------------------------------------- plain text


def terminal_width() -> int:
    """Columns of the terminal (``COLUMNS`` first), 100 when it cannot be told."""
    return max(shutil.get_terminal_size(fallback=(100, 24)).columns, 40)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def format_table(df: pd.DataFrame, units: Mapping[str, str] | None = None, *,
                 width: int | None = None, fraction_columns: Iterable[str] | None = None,
                 max_text: int = 48, min_text: int = 12, digits: int = 3) -> str:
    """Render ``df`` as plain text that fits ``width`` columns (default: the terminal's).

    Every cell is formatted by its unit (:func:`column_units`); text longer than
    ``max_text`` is cut with an ellipsis. A table still too wide is printed in up to three
    panels of columns, each led by the identifying columns (``id``, ``stream``, …); failing
    that, text columns other than identifiers are cut further (down to ``min_text``); and if
    even that does not fit, each row is printed as a record, one ``column : value`` line per
    column, wrapped to the width.

    Examples
    --------
    >>> import pandas as pd
    >>> from spinemets._display import format_table
    >>> print(format_table(pd.DataFrame({"id": ["A"], "estimate": [0.0461]}), width=80))
    id estimate
     A    4.61%
    >>> wide = pd.DataFrame({"id": ["A"], "notes": ["x" * 60], "value": [0.5],
    ...                      "claimed_low": [0.3], "claimed_high": [0.9]})
    >>> print(format_table(wide, width=40))
    id           : A
    notes        : xxxxxxxxxxxxxxxxxxxxxxxxx
                   xxxxxxxxxxxxxxxxxxxxxxxxx
                   xxxxxxxxxx
    value        : 50%
    claimed_low  : 30%
    claimed_high : 90%
    """
    limit = terminal_width() if width is None else int(width)
    if limit < 20:
        raise ValueError(f"width must be at least 20 columns, got {width!r}")
    if df.empty and len(df.columns) == 0:
        return ""
    kinds = column_units(df, units, fraction_columns=fraction_columns)
    full = format_frame(df, units, fraction_columns=fraction_columns, missing="",
                        digits=digits)
    names = [str(c) for c in df.columns]
    text_cols = [i for i, c in enumerate(names) if isinstance(kinds[c], str)
                 and kinds[c] in ("text", "link") and c not in _KEY_NAMES]
    right = [not (isinstance(kinds[c], str) and kinds[c] in ("text", "link")) for c in names]
    cols = [[str(v) for v in full.iloc[:, i].tolist()] for i in range(len(names))]
    caps = [max_text if i in text_cols else None for i in range(len(names))]

    def widths() -> list[int]:
        out = []
        for i, name in enumerate(names):
            cells = [len(_cut(v, caps[i])) if caps[i] else len(v) for v in cols[i]]
            out.append(max([len(name), *cells]))
        return out

    def total(ws: list[int]) -> int:
        return sum(ws) + (len(ws) - 1)

    ws = widths()

    def block(idx: list[int]) -> str:
        header = [names[i].rjust(ws[i]) if right[i] else names[i].ljust(ws[i]) for i in idx]
        lines = [" ".join(header).rstrip()]
        for row in range(len(df)):
            cells = []
            for i in idx:
                v = cols[i][row]
                v = _cut(v, caps[i]) if caps[i] else v
                cells.append(v.rjust(ws[i]) if right[i] else v.ljust(ws[i]))
            lines.append(" ".join(cells).rstrip())
        return "\n".join(lines)

    if total(ws) <= limit:
        return block(list(range(len(names))))
    # Too wide: the columns in up to three panels, each led by the identifying columns ...
    keys = [i for i, c in enumerate(names) if c in _KEY_NAMES][:2]
    panels: list[list[int]] = []
    current = list(keys)
    for i in range(len(names)):
        if i in keys:
            continue
        if total([ws[j] for j in [*current, i]]) > limit and len(current) > len(keys):
            panels.append(current)
            current = list(keys)
        current.append(i)
    panels.append(current)
    if len(panels) <= 3 and all(total([ws[j] for j in p]) <= limit for p in panels):
        return "\n\n".join(block(p) for p in panels)
    # ... else long text cut further, ...
    while total(ws) > limit:
        shrinkable = [i for i in text_cols if ws[i] > max(min_text, len(names[i]))]
        if not shrinkable:
            break
        i = max(shrinkable, key=lambda j: ws[j])
        caps[i] = max(min_text, len(names[i]), ws[i] - (total(ws) - limit))
        ws = widths()
    if total(ws) <= limit:
        return block(list(range(len(names))))
    # ... else one record per row.
    return _records(names, cols, limit, max_text * 4)


def _records(names: list[str], cols: list[list[str]], limit: int, longest: int) -> str:
    key = max(len(n) for n in names)
    indent = " " * (key + 3)
    blocks = []
    n_rows = len(cols[0]) if cols else 0
    for row in range(n_rows):
        lines = []
        for name, col in zip(names, cols, strict=True):
            value = _cut(col[row], longest)
            wrapped = textwrap.wrap(value, width=max(limit - len(indent), 10),
                                    break_long_words=True) or [""]
            lines.append(f"{name.ljust(key)} : {wrapped[0]}".rstrip())
            lines += [f"{indent}{w}" for w in wrapped[1:]]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
