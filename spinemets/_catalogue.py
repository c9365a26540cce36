"""The catalogue: load and validate evidence, claims and parameter definitions.

The catalogue ships inside the package (``spinemets.data``). Users may load their own
file of the same schema (for example local audit data) with ``evidence(path)``; every
row is validated and a failure names the file, the row id and the field.
"""

from __future__ import annotations

import math
import numbers
import os
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._validation import check_rows
from .errors import CatalogueError

__all__ = [
    "DATA_VERSION",
    "ESTIMAND_SETTINGS",
    "EVIDENCE_COLUMNS",
    "KINDS",
    "MEASURED_SETTINGS",
    "SETTINGS",
    "SITES",
    "claims",
    "claims_from_table",
    "data_path",
    "estimand_settings",
    "evidence",
    "evidence_from_table",
    "read_catalogue_csv",
]

#: Version of the shipped catalogue; results computed with another version may differ.
DATA_VERSION = "2026-12-06"

EVIDENCE_COLUMNS = (
    "id", "estimand", "quantity", "primary_site", "population", "setting", "measured_setting",
    "kind", "events", "total", "events_derived", "total_derived", "value", "low", "high",
    "interval", "unit", "horizon_years", "citation", "doi", "pmid", "url", "verified",
    "checked", "notes",
)
CLAIM_COLUMNS = (
    "id", "claim", "cited_source", "cited_source_status", "claim_type", "claimed_low",
    "claimed_high", "estimand", "primary_site", "evidence_ids", "reading", "notes",
)
KINDS = frozenset({
    "counts", "proportion", "range", "upper_bound", "lower_bound", "rate", "sensitivity",
    "specificity", "ratio", "trend", "count",
})
SETTINGS = frozenset({"autopsy", "clinical", "registry", "imaging", "review", "guideline",
                      "opinion"})
#: Where the figure was measured (whatever kind of document reports it).
MEASURED_SETTINGS = frozenset({"autopsy", "clinical", "registry", "imaging", "not_stated"})
_PRIMARY_SETTINGS = frozenset({"autopsy", "clinical", "registry", "imaging"})
INTERVALS = frozenset({"", "ci95", "spread"})
UNITS = frozenset({"fraction", "fraction_per_year", "per_person_year", "ratio", "rank",
                   "count"})
VERIFIED = frozenset({"yes", "abstract-only", "secondary-source", "not-found"})
SITES = frozenset({
    "all", "all_solid", "breast", "prostate", "lung", "lung_sclc", "lung_nsclc",
    "lung_adenocarcinoma", "lung_squamous", "kidney", "thyroid", "bladder", "melanoma",
    "myeloma", "lymphoma", "pancreas", "liver", "gastrointestinal", "colorectal",
    "nasopharynx", "unknown",
})
_FRACTION_UNITS = frozenset({"fraction", "fraction_per_year"})
CLAIM_TYPES = frozenset({"upper_bound", "lower_bound", "range", "direction", "majority_share"})


#: The measured settings each shipped estimand takes (an estimand not listed takes any).
ESTIMAND_SETTINGS: dict[str, frozenset[str]] = {
    **dict.fromkeys(("spinal_mets_autopsy", "spinal_mets_autopsy_metastatic",
                     "bone_mets_autopsy"), frozenset({"autopsy"})),
    **dict.fromkeys(("spinal_mets_clinical", "bone_mets_clinical",
                     "spinal_mets_cumulative_incidence", "bone_mets_cumulative_incidence"),
                    frozenset({"clinical", "registry"})),
}


def estimand_settings(estimand: str) -> frozenset[str]:
    """The measured settings a row of ``estimand`` may have.

    The shipped autopsy estimands take autopsy rows only; the clinical ones (diagnosed
    during life: ``*_clinical``, ``*_cumulative_incidence``) take clinical or registry
    rows; an estimand ending in ``_setting_not_stated`` holds the figures whose source does
    not say where they were measured. Any other estimand takes any setting. This keeps a
    figure of unknown setting from feeding an autopsy or a clinical estimand.

    Examples
    --------
    >>> from spinemets._catalogue import estimand_settings
    >>> sorted(estimand_settings("spinal_mets_autopsy"))
    ['autopsy']
    >>> sorted(estimand_settings("spinal_mets_clinical"))
    ['clinical', 'registry']
    >>> sorted(estimand_settings("bone_mets_setting_not_stated"))
    ['not_stated']
    """
    if estimand.endswith("_setting_not_stated"):
        return frozenset({"not_stated"})
    return ESTIMAND_SETTINGS.get(estimand, MEASURED_SETTINGS)


def data_path(name: str) -> Path:
    """Path of a shipped catalogue file (``evidence.csv``, ``claims.csv``, ``parameters.csv``).

    Examples
    --------
    >>> from spinemets._catalogue import data_path
    >>> data_path("evidence.csv").name
    'evidence.csv'
    """
    try:
        candidate = Path(str(resources.files("spinemets.data") / name))
        if candidate.is_file():
            return candidate
    except ModuleNotFoundError:
        pass
    # Running from a source checkout: the catalogue lives in the top-level data/ folder.
    fallback = Path(__file__).resolve().parent.parent / "data" / name
    if fallback.is_file():
        return fallback
    raise FileNotFoundError(f"catalogue file {name!r} is not installed with spinemets")


def read_catalogue_csv(path: Path, what: str = "catalogue file") -> pd.DataFrame:
    """A catalogue CSV as text (empty cells are ``""``, never NaN).

    Raises
    ------
    FileNotFoundError
        ``path`` is not a file (the message starts with ``what``).
    spinemets.CatalogueError
        The file is not UTF-8 CSV.
    """
    if not path.is_file():
        raise FileNotFoundError(f"{what} not found: {str(path)!r}")
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise CatalogueError(f"{path}: cannot be read as UTF-8 CSV ({exc})") from None


def _read_csv(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    df = read_catalogue_csv(path)
    if columns == EVIDENCE_COLUMNS:
        df = _with_added_columns(df)
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise CatalogueError(f"{path}: missing column(s) {missing}; expected {list(columns)}")
    df = df[list(columns)].copy()
    for col in columns:
        df[col] = df[col].str.strip()
    return df


def _with_added_columns(df: pd.DataFrame) -> pd.DataFrame:
    """The evidence with the columns added on 2026-12-06 defaulted where absent or empty.

    An empty ``measured_setting`` is the ``setting`` when that is a primary setting
    (autopsy, clinical, registry, imaging), else ``not_stated``.
    """
    df = df.copy()
    if "setting" in df.columns:
        implied = [s if s in _PRIMARY_SETTINGS else "not_stated"
                   for s in df["setting"].astype(str).str.strip()]
        if "measured_setting" not in df.columns:
            df["measured_setting"] = implied
        else:
            given = df["measured_setting"].astype(str).str.strip()
            df["measured_setting"] = [g if g else i for g, i in zip(given, implied,
                                                                     strict=True)]
    for col in ("total_derived", "horizon_years"):
        if col not in df.columns:
            df[col] = ""
    return df


class _RowChecker:
    """Collects the file and row id so every failure names them."""

    def __init__(self, path: Path | str, row_id: str) -> None:
        self.path = path
        self.row_id = row_id

    def fail(self, field: str, rule: str, value: object) -> CatalogueError:
        return CatalogueError(
            f"{self.path}: row {self.row_id!r}, field {field!r}: {rule}, got {value!r}"
        )

    def number(self, row: pd.Series, field: str) -> float:
        text = row[field]
        if text == "":
            return math.nan
        try:
            value = float(text)
        except ValueError:
            raise self.fail(field, "must be a number", text) from None
        if not math.isfinite(value):
            raise self.fail(field, "must be finite", text)
        return value

    def whole(self, row: pd.Series, field: str) -> float:
        value = self.number(row, field)
        if not math.isnan(value) and (value < 0 or value != math.floor(value)):
            raise self.fail(field, "must be a whole number >= 0", row[field])
        return value

    def choice(self, row: pd.Series, field: str, allowed: frozenset[str]) -> str:
        if row[field] not in allowed:
            raise self.fail(field, f"must be one of {sorted(allowed)}", row[field])
        return row[field]


def _validate_evidence_row(path: Path | str, row: pd.Series, *, settings: bool = True
                           ) -> dict[str, object]:
    """Check one evidence row; ``settings=False`` skips the two setting-consistency rules.

    A user table handed to the audit may file a row under the wrong estimand on purpose
    (to see what the audit makes of it): the audit judges settings itself and leaves such
    rows out with the reason, so only the file loader enforces those two rules.
    """
    check = _RowChecker(path, row["id"])
    for field in ("estimand", "quantity", "citation"):
        if row[field] == "":
            raise check.fail(field, "must not be empty", row[field])
    if not row["estimand"].replace("_", "").isalnum() or row["estimand"] != row[
            "estimand"].lower():
        raise check.fail("estimand", "must be a snake_case key", row["estimand"])
    sites = [s.strip() for s in row["primary_site"].split(";")]
    for site in sites:
        if site not in SITES:
            raise check.fail("primary_site", f"each site must be one of {sorted(SITES)}",
                             row["primary_site"])
    kind = check.choice(row, "kind", KINDS)
    setting = check.choice(row, "setting", SETTINGS)
    measured = check.choice(row, "measured_setting", MEASURED_SETTINGS)
    if settings and setting in _PRIMARY_SETTINGS and measured != setting:
        raise check.fail("measured_setting", f"must equal setting ({setting!r}) for a primary "
                         "study; only a review, guideline or opinion may report another "
                         "setting's figure", measured)
    allowed = estimand_settings(row["estimand"])
    if settings and measured not in allowed:
        raise check.fail("measured_setting", f"estimand {row['estimand']!r} takes only rows "
                         f"measured in {sorted(allowed)} (file a figure of another or unknown "
                         "setting under another estimand)", measured)
    interval = check.choice(row, "interval", INTERVALS)
    unit = check.choice(row, "unit", UNITS)
    check.choice(row, "verified", VERIFIED)
    for flag in ("events_derived", "total_derived"):
        if row[flag] not in ("true", "false", ""):
            raise check.fail(flag, "must be 'true', 'false' or empty (false)", row[flag])
    if kind == "count" and unit != "count":
        raise check.fail("unit", "a 'count' row (a number of people or cases) has unit "
                         "'count'", unit)
    if not (row["doi"] or row["pmid"] or row["url"]):
        raise check.fail("doi/pmid/url", "at least one identifier is required", "")
    if row["pmid"] and not row["pmid"].isdigit():
        raise check.fail("pmid", "must be digits only", row["pmid"])
    if row["doi"] and not row["doi"].startswith("10."):
        raise check.fail("doi", "must start with '10.'", row["doi"])

    events, total = check.whole(row, "events"), check.whole(row, "total")
    value, low, high = (check.number(row, f) for f in ("value", "low", "high"))
    horizon = check.number(row, "horizon_years")
    if not math.isnan(horizon) and not horizon > 0:
        raise check.fail("horizon_years", "must be a number of years > 0, or empty when the "
                         "figure has no follow-up horizon", row["horizon_years"])
    if not math.isnan(events) and not math.isnan(total) and events > total:
        raise check.fail("events", f"must be <= total ({row['total']})", row["events"])
    if row["events_derived"] == "true" and (math.isnan(events) or math.isnan(total)):
        raise check.fail("events_derived", "derived counts need events and total", "true")
    if row["total_derived"] == "true" and math.isnan(total):
        raise check.fail("total_derived", "a derived denominator needs total", "true")
    if unit in _FRACTION_UNITS or kind in ("sensitivity", "specificity"):
        for field, v in (("value", value), ("low", low), ("high", high)):
            if not math.isnan(v) and not 0.0 <= v <= 1.0:
                raise check.fail(field, "must be a fraction in [0, 1] (not percent)", row[field])
    elif unit in ("per_person_year", "count"):
        rule = "must be a rate >= 0 per person-year" if unit != "count" else "must be >= 0"
        for field, v in (("value", value), ("low", low), ("high", high)):
            if not math.isnan(v) and v < 0:
                raise check.fail(field, rule, row[field])
    if not math.isnan(low) and not math.isnan(high) and low > high:
        raise check.fail("low", f"must be <= high ({row['high']})", row["low"])
    if not math.isnan(value):
        if not math.isnan(low) and value < low:
            raise check.fail("value", f"must be >= low ({row['low']})", row["value"])
        if not math.isnan(high) and value > high:
            raise check.fail("value", f"must be <= high ({row['high']})", row["value"])
    has_interval = not (math.isnan(low) and math.isnan(high))
    if has_interval and interval == "":
        raise check.fail("interval", "must say what low/high mean (ci95 or spread)", "")
    if kind == "counts" and (math.isnan(events) or math.isnan(total)):
        raise check.fail("events/total", "a 'counts' row needs both", (row["events"],
                                                                       row["total"]))
    if kind == "range" and (math.isnan(low) or math.isnan(high) or not low < high):
        raise check.fail("low/high", "a 'range' row needs low < high", (row["low"], row["high"]))
    if kind in ("upper_bound", "lower_bound") and math.isnan(value):
        raise check.fail("value", f"a '{kind}' row holds the bound in value", row["value"])
    return {"events": events, "total": total, "value": value, "low": low, "high": high,
            "horizon_years": horizon}


def evidence(path: str | Path | None = None) -> pd.DataFrame:
    """The evidence catalogue: one row per reported figure, validated.

    Parameters
    ----------
    path : str or Path, optional
        A catalogue file of the same schema (see ``data/README.md``); default: the
        catalogue shipped with spinemets.

    Returns
    -------
    pandas.DataFrame
        Columns ``id, estimand, quantity, primary_site, population, setting,
        measured_setting, kind, events, total, events_derived, total_derived, value, low,
        high, interval, unit, horizon_years, citation, doi, pmid, url, verified, checked,
        notes``. Numbers are floats (NaN where not reported), ``events_derived`` and
        ``total_derived`` are boolean, text is text. ``measured_setting`` says where the
        figure was measured (``autopsy``, ``clinical``, ``registry``, ``imaging`` or
        ``not_stated``), whatever kind of document (``setting``) reports it. Fractions,
        never percent (rows whose ``unit`` is ``ratio``, ``per_person_year`` or ``count``
        excepted); ``sm.show(table)`` shows each row in its unit, with the references as
        links.

    Raises
    ------
    spinemets.CatalogueError
        A row fails validation; the message names the file, the row id and the field.
    FileNotFoundError
        ``path`` does not exist.

    Examples
    --------
    >>> import spinemets as sm
    >>> ev = sm.evidence()
    >>> row = ev.set_index("id").loc["SEED-06"]
    >>> row["estimand"], int(row["total"]), float(row["value"])
    ('spinal_mets_autopsy', 842, 0.306)
    """
    if path is None:
        return _shipped_evidence().copy()
    return _load_evidence(_path_of(path))


def _path_of(path: Any, argument: str = "path") -> Path:
    """``path`` (str or os.PathLike) as a Path; TypeError/ValueError naming ``argument``."""
    if not isinstance(path, str | os.PathLike) or isinstance(path, bytes):
        raise TypeError(f"{argument} must be a str or pathlib.Path naming a CSV file (None for "
                        f"the shipped one), got {type(path).__name__} {path!r:.80}")
    if not str(path).strip():
        raise ValueError(f"{argument} must name a CSV file (None for the shipped one), got an "
                         f"empty string {path!r}")
    return Path(path)


@lru_cache(maxsize=1)
def _shipped_evidence() -> pd.DataFrame:
    """The shipped catalogue, read and validated once per process."""
    return _load_evidence(data_path("evidence.csv"))


def _load_evidence(file: Path) -> pd.DataFrame:
    return _validated_evidence(_read_csv(file, EVIDENCE_COLUMNS), file)


def _as_text_table(table: Any, argument: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """A user-supplied catalogue table in the text form the file loaders validate.

    Missing values become ``""``, booleans ``"true"``/``"false"``, numbers their ``repr``;
    the table must be a non-empty DataFrame with unique column names holding ``columns``.
    """
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"{argument} must be a pandas DataFrame (as returned by "
                        f"spinemets.{argument.removesuffix('_table')}()), got "
                        f"{type(table).__name__}")
    if table.empty:
        raise CatalogueError(f"{argument}: the table is empty (no rows or no columns); pass "
                             f"None for the shipped one or give at least one row")
    check_rows(len(table), argument)
    if not table.columns.is_unique:
        dup = table.columns[table.columns.duplicated()][0]
        raise CatalogueError(f"{argument}: column {dup!r} appears more than once")
    if columns == EVIDENCE_COLUMNS:
        table = _with_added_columns(table)
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise CatalogueError(f"{argument}: missing column(s) {missing}; expected "
                             f"{list(columns)}")

    def text(value: object) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
            return ""
        if isinstance(value, bool | np.bool_):
            return "true" if value else "false"
        if isinstance(value, numbers.Real):
            return repr(float(value))
        return str(value).strip()

    return pd.DataFrame({c: [text(v) for v in table[c].tolist()] for c in columns})


def evidence_from_table(table: Any, argument: str = "evidence_table") -> pd.DataFrame:
    """A user-supplied evidence table, validated row by row like the file (typed as
    :func:`evidence` returns it); errors are :class:`CatalogueError` naming ``argument``,
    the row id and the field. The setting-consistency rules are left to the audit.

    Examples
    --------
    >>> import spinemets as sm
    >>> from spinemets._catalogue import evidence_from_table
    >>> ev = sm.evidence()
    >>> evidence_from_table(ev).equals(ev)
    True
    >>> ev.loc[0, "value"] = 30.6
    >>> try:  # doctest: +ELLIPSIS
    ...     evidence_from_table(ev)
    ... except sm.CatalogueError as error:
    ...     print(error)
    evidence_table: row 'SEED-03', field 'value': must be a fraction in [0, 1] (not percent),
    got '30.6'
    """
    return _validated_evidence(_as_text_table(table, argument, EVIDENCE_COLUMNS), argument,
                               settings=False)


def claims_from_table(table: Any, evidence_table: pd.DataFrame,
                      argument: str = "claims_table") -> pd.DataFrame:
    """A user-supplied claims table, validated like the file against ``evidence_table``."""
    return _validated_claims(_as_text_table(table, argument, CLAIM_COLUMNS), argument,
                             evidence_table)


def _validated_evidence(df: pd.DataFrame, file: Path | str, *, settings: bool = True
                        ) -> pd.DataFrame:
    seen: set[str] = set()
    numbers = []
    for _, row in df.iterrows():
        if row["id"] == "":
            raise CatalogueError(f"{file}: a row has an empty 'id'")
        if row["id"] in seen:
            raise CatalogueError(f"{file}: row {row['id']!r}, field 'id': duplicate id")
        seen.add(row["id"])
        numbers.append(_validate_evidence_row(file, row, settings=settings))
    out = df.copy()
    for field in ("events", "total", "value", "low", "high", "horizon_years"):
        out[field] = [n[field] for n in numbers] if numbers else pd.Series(dtype=float)
        out[field] = out[field].astype(float)
    out["events_derived"] = out["events_derived"] == "true"
    out["total_derived"] = out["total_derived"] == "true"
    return out.reset_index(drop=True)


def claims(path: str | Path | None = None, evidence_table: pd.DataFrame | None = None
           ) -> pd.DataFrame:
    """The cited statements that :func:`spinemets.reproduce` audits, validated.

    Each row gives the claim as cited, its source and whether that source could be read,
    the kind of claim (``upper_bound``, ``lower_bound``, ``range``, ``direction``,
    ``majority_share``), the numbers claimed (fractions), the estimand it is read as and
    the evidence rows that bear on it.

    Parameters
    ----------
    path : str or Path, optional
        A claims file of the same schema; default: the shipped one.
    evidence_table : DataFrame, optional
        The evidence the claims refer to; default: :func:`evidence`. Every listed
        evidence id must exist there and measure the claim's estimand.

    Examples
    --------
    >>> import spinemets as sm
    >>> sm.claims().set_index("id").loc["CLAIM-30-AUTOPSY", "estimand"]
    'spinal_mets_autopsy'
    """
    if path is None and evidence_table is None:
        return _shipped_claims().copy()
    file = data_path("claims.csv") if path is None else _path_of(path)
    ev = evidence() if evidence_table is None else evidence_from_table(evidence_table)
    return _load_claims(file, ev)


@lru_cache(maxsize=1)
def _shipped_claims() -> pd.DataFrame:
    """The shipped claims, validated against the shipped evidence once per process."""
    return _load_claims(data_path("claims.csv"), _shipped_evidence())


def _load_claims(file: Path, ev: pd.DataFrame) -> pd.DataFrame:
    return _validated_claims(_read_csv(file, CLAIM_COLUMNS), file, ev)


def _validated_claims(df: pd.DataFrame, file: Path | str, ev: pd.DataFrame) -> pd.DataFrame:
    estimand_of = dict(zip(ev["id"], ev["estimand"], strict=True))
    seen: set[str] = set()
    for _, row in df.iterrows():
        check = _RowChecker(file, row["id"])
        if row["id"] == "" or row["id"] in seen:
            raise check.fail("id", "must be unique and not empty", row["id"])
        seen.add(row["id"])
        for field in ("claim", "estimand", "reading"):
            if row[field] == "":
                raise check.fail(field, "must not be empty", row[field])
        check.choice(row, "claim_type", CLAIM_TYPES)
        lo, hi = check.number(row, "claimed_low"), check.number(row, "claimed_high")
        for field, v in (("claimed_low", lo), ("claimed_high", hi)):
            if not math.isnan(v) and not 0 <= v <= 1:
                raise check.fail(field, "must be a fraction in [0, 1]", row[field])
        ctype = row["claim_type"]
        if ctype in ("upper_bound", "range") and math.isnan(hi):
            raise check.fail("claimed_high", f"a '{ctype}' claim needs it", row["claimed_high"])
        if ctype in ("lower_bound", "range", "majority_share") and math.isnan(lo):
            raise check.fail("claimed_low", f"a '{ctype}' claim needs it", row["claimed_low"])
        for eid in filter(None, (s.strip() for s in row["evidence_ids"].split(";"))):
            if eid not in estimand_of:
                raise check.fail("evidence_ids", "each id must exist in the evidence", eid)
            if estimand_of[eid] != row["estimand"]:
                raise check.fail(
                    "evidence_ids",
                    f"evidence must measure the claim's estimand {row['estimand']!r} "
                    f"({eid} measures {estimand_of[eid]!r})", eid)
    out = df.copy()
    out["claimed_low"] = pd.to_numeric(out["claimed_low"].replace("", None), errors="coerce")
    out["claimed_high"] = pd.to_numeric(out["claimed_high"].replace("", None), errors="coerce")
    return out.reset_index(drop=True)
