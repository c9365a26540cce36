"""Named parameters: estimands built from catalogue evidence by a stated encoding.

Each row of ``data/parameters.csv`` names an estimand (``spinal_mets_autopsy``), a primary
site, a one-line definition, the evidence rows it uses, the encoding that turns them into a
distribution and the assumption behind it, in words. :func:`parameter` builds the
:class:`~spinemets.Proportion` or :class:`~spinemets.Rate`; :func:`parameters` lists them all.

Encodings (column ``encoding``; extra arguments in ``arguments`` as ``key=value;...``):

``counts``
    one evidence row with events and total → :func:`~spinemets.beta_from_counts`.
``range``
    one evidence row with low and high → :func:`~spinemets.beta_from_range`
    (arguments ``confidence_level``, ``method``).
``claimed_range``
    a claim's range (from ``claims.csv``) → :func:`~spinemets.beta_from_range`.
``value``
    one evidence row with a point value and *no* denominator, with an assumed
    ``effective_total`` → :func:`~spinemets.beta_from_value`.
``pooled``
    several evidence rows with counts → random-effects pooling on the logit scale
    (:func:`~spinemets.pool_proportions`); the parameter is the predictive distribution
    for a new setting (argument ``method``, default REML).
``rate_span``
    the values of the listed rate rows span an interval read as an equal-tailed
    ``confidence_level`` interval → :func:`~spinemets.gamma_from_rate`.
``rate_cv``
    one rate row's value with an assumed coefficient of variation ``cv``.
``rate_counts``
    one rate row with events and person-years (``total``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from . import _encodings
from ._catalogue import SITES, claims, data_path, evidence
from ._frames import LinkedFrame, reference_url
from ._values import Proportion, Rate
from .errors import CatalogueError, SpinemetsWarning

__all__ = ["PARAMETER_COLUMNS", "parameter", "parameters"]

PARAMETER_COLUMNS = (
    "id", "primary_site", "kind", "definition", "population", "setting", "estimand",
    "sources", "encoding", "arguments", "assumption",
)


def _parse_arguments(text: str, where: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        if "=" not in part:
            raise CatalogueError(f"{where}, field 'arguments': expected key=value, got {part!r}")
        key, value = (s.strip() for s in part.split("=", 1))
        out[key] = value
    return out


def _float_arg(args: dict[str, str], key: str, default: float | None, where: str) -> float:
    if key not in args:
        if default is None:
            raise CatalogueError(f"{where}, field 'arguments': {key!r} is required")
        return default
    try:
        return float(args[key])
    except ValueError:
        raise CatalogueError(
            f"{where}, field 'arguments': {key} must be a number, got {args[key]!r}") from None


def _one(rows: pd.DataFrame, where: str) -> pd.Series:
    if len(rows) != 1:
        raise CatalogueError(f"{where}, field 'sources': this encoding takes exactly one "
                             f"evidence row, got {len(rows)}")
    return rows.iloc[0]


def _need(row: pd.Series, fields: tuple[str, ...], where: str) -> None:
    missing = [f for f in fields if pd.isna(row[f])]
    if missing:
        raise CatalogueError(f"{where}, field 'sources': evidence {row['id']!r} has no "
                             f"{', '.join(missing)}, which this encoding needs")


def _build_counts(rows, args, meta, where):
    r = _one(rows, where)
    _need(r, ("events", "total"), where)
    return _encodings.beta_from_counts(int(r["events"]), int(r["total"]), **meta)


def _build_range(rows, args, meta, where):
    r = _one(rows, where)
    _need(r, ("low", "high"), where)
    return _encodings.beta_from_range(
        r["low"], r["high"], _float_arg(args, "confidence_level", 0.95, where),
        args.get("method", "quantile"), **meta)


def _build_value(rows, args, meta, where):
    r = _one(rows, where)
    _need(r, ("value",), where)
    return _encodings.beta_from_value(r["value"], _float_arg(args, "effective_total", None, where),
                                  **meta)


def _build_pooled(rows, args, meta, where):
    from ._synthesis import pool_proportions

    for _, r in rows.iterrows():
        _need(r, ("events", "total"), where)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SpinemetsWarning)
        pooled = pool_proportions(rows["events"].astype(int).to_numpy(),
                                  rows["total"].astype(int).to_numpy(),
                                  method=args.get("method", "REML"),
                                  labels=list(rows["id"]))
    prop = pooled.proportion
    notes = " ".join(str(w.message) for w in caught)
    assumption = meta["assumption"] + (f" Pooling note: {notes}" if notes else "")
    return Proportion(prop.dist, label=meta["label"], sources=meta["sources"],
                      encoding=prop.encoding, assumption=assumption)


def _build_rate_span(rows, args, meta, where):
    for _, r in rows.iterrows():
        _need(r, ("value",), where)
    low, high = float(rows["value"].min()), float(rows["value"].max())
    return _encodings.gamma_from_rate(low=low, high=high,
                                  confidence_level=_float_arg(args, "confidence_level", 0.95,
                                                              where), **meta)


def _build_rate_cv(rows, args, meta, where):
    r = _one(rows, where)
    _need(r, ("value",), where)
    return _encodings.gamma_from_rate(rate=r["value"], cv=_float_arg(args, "cv", None, where),
                                  **meta)


def _build_rate_counts(rows, args, meta, where):
    r = _one(rows, where)
    _need(r, ("events", "total"), where)
    return _encodings.gamma_from_rate(events=int(r["events"]), person_years=r["total"], **meta)


_BUILDERS: dict[str, Callable[..., Proportion | Rate]] = {
    "counts": _build_counts,
    "range": _build_range,
    "value": _build_value,
    "pooled": _build_pooled,
    "rate_span": _build_rate_span,
    "rate_cv": _build_rate_cv,
    "rate_counts": _build_rate_counts,
}


def _build(row: pd.Series, ev: pd.DataFrame, cl: pd.DataFrame, file: Path) -> Proportion | Rate:
    where = f"{file}: parameter {row['id']!r} ({row['primary_site']})"
    sources = [s.strip() for s in row["sources"].split(";") if s.strip()]
    if not sources:
        raise CatalogueError(f"{where}, field 'sources': at least one id is required")
    args = _parse_arguments(row["arguments"], where)
    meta = {"label": f"{row['id']} ({row['primary_site']})", "sources": sources,
            "assumption": row["assumption"]}
    if row["encoding"] == "claimed_range":
        claim_rows = cl[cl["id"].isin(sources)]
        c = _one(claim_rows, where)
        return _encodings.beta_from_range(
            c["claimed_low"], c["claimed_high"],
            _float_arg(args, "confidence_level", 0.95, where),
            args.get("method", "quantile"), **meta)
    if row["encoding"] not in _BUILDERS:
        raise CatalogueError(f"{where}, field 'encoding': must be one of "
                             f"{sorted([*_BUILDERS, 'claimed_range'])}, got {row['encoding']!r}")
    unknown = [s for s in sources if s not in set(ev["id"])]
    if unknown:
        raise CatalogueError(f"{where}, field 'sources': unknown evidence id(s) {unknown}")
    rows = ev.set_index("id").loc[sources].reset_index()
    wrong = rows.loc[rows["estimand"] != row["estimand"], "id"].tolist()
    if wrong:
        raise CatalogueError(f"{where}, field 'sources': evidence {wrong} measures another "
                             f"estimand than {row['estimand']!r}")
    out = _BUILDERS[row["encoding"]](rows, args, meta, where)
    expected = Rate if row["kind"] == "rate" else Proportion
    if not isinstance(out, expected):
        raise CatalogueError(f"{where}, field 'kind': encoding {row['encoding']!r} gives a "
                             f"{type(out).__name__}, not a {row['kind']}")
    return out


class _Table:
    """The parameter definitions of one file, with their distributions built once."""

    def __init__(self, path: Path) -> None:
        ev = evidence()
        cl = claims(evidence_table=ev)
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        missing = [c for c in PARAMETER_COLUMNS if c not in df.columns]
        if missing:
            raise CatalogueError(f"{path}: missing column(s) {missing}")
        df = df[list(PARAMETER_COLUMNS)].apply(lambda s: s.str.strip())
        dup = df.duplicated(["id", "primary_site"])
        if dup.any():
            r = df[dup].iloc[0]
            raise CatalogueError(f"{path}: parameter {r['id']!r}, field 'primary_site': "
                                 f"duplicate site {r['primary_site']!r}")
        for _, r in df.iterrows():
            if r["primary_site"] not in SITES:
                raise CatalogueError(f"{path}: parameter {r['id']!r}, field 'primary_site': "
                                     f"must be one of {sorted(SITES)}, got {r['primary_site']!r}")
            if r["kind"] not in ("proportion", "rate"):
                raise CatalogueError(f"{path}: parameter {r['id']!r}, field 'kind': must be "
                                     f"'proportion' or 'rate', got {r['kind']!r}")
        self.table = df
        self.built = {(r["id"], r["primary_site"]): _build(r, ev, cl, path)
                      for _, r in df.iterrows()}


def parameter_table() -> pd.DataFrame:
    """The parameter definitions as catalogued (``data/parameters.csv``), unbuilt."""
    return _shipped().table.copy()


def rebuild(definition: pd.Series, evidence_table: pd.DataFrame,
            claims_table: pd.DataFrame) -> Proportion | Rate:
    """Build one parameter definition from the given evidence and claims tables.

    Used to see how a parameter changes when the evidence changes (e.g. local data added).
    """
    return _build(definition, evidence_table, claims_table, Path("parameters.csv"))


@lru_cache(maxsize=1)
def _shipped() -> _Table:
    return _Table(data_path("parameters.csv"))


def parameters(confidence_level: float = 0.95) -> pd.DataFrame:
    """The named parameters with their definitions, sources, encodings and intervals.

    Returns
    -------
    pandas.DataFrame
        One row per (parameter, primary site): ``id, primary_site, kind, definition,
        population, setting, estimand, sources, encoding, arguments, assumption,
        distribution, encoding_call, mean, ci_lower, ci_upper, confidence_level,
        references`` (links of the source studies, ``;``-separated). Proportions are
        fractions; rates are per person-year. In Jupyter the references show as links.

    Examples
    --------
    >>> import spinemets as sm
    >>> table = sm.parameters()
    >>> "spinal_mets_autopsy" in set(table["id"])
    True
    >>> bool(((table["ci_lower"] <= table["mean"]) & (table["mean"] <= table["ci_upper"])).all())
    True
    """
    shipped = _shipped()
    ev = evidence().set_index("id")
    rows = []
    for _, r in shipped.table.iterrows():
        dist = shipped.built[(r["id"], r["primary_site"])]
        lo, hi = dist.interval(confidence_level)
        refs = [reference_url(ev.loc[s, "doi"], ev.loc[s, "pmid"], ev.loc[s, "url"])
                for s in dist.sources if s in ev.index]
        rows.append({**r.to_dict(), "distribution": dist._provenance()["distribution"],
                     "encoding_call": dist.encoding, "mean": dist.mean, "ci_lower": lo,
                     "ci_upper": hi, "confidence_level": float(confidence_level),
                     "references": ";".join(dict.fromkeys(u for u in refs if u))})
    return LinkedFrame(rows)


def parameter(id: str, primary_site: str | None = None) -> Proportion | Rate:
    """The distribution of one named parameter.

    Parameters
    ----------
    id : str
        Parameter id, e.g. ``"spinal_mets_autopsy"`` (see :func:`parameters`).
    primary_site : str, optional
        Primary cancer site (``"breast"``, ``"prostate"``, ...). Default: the ``"all"``
        row where the parameter has one.

    Returns
    -------
    Proportion or Rate
        With ``sources``, ``encoding`` and ``assumption`` filled in.

    Raises
    ------
    ValueError
        Unknown id, or a site the parameter does not cover; the message lists what is
        available.

    Examples
    --------
    >>> import spinemets as sm
    >>> p = sm.parameter("bone_mets_at_diagnosis", primary_site="breast")
    >>> p.sources
    ('CLIN-20',)
    """
    return _lookup(_shipped(), id, primary_site)


def _sites_of(table: _Table, id: Any) -> list[str]:
    """Sites of parameter ``id``; a wrong type or unknown id raises, listing the ids."""
    if not isinstance(id, str):
        raise TypeError(f"id must be a parameter id (str), got {type(id).__name__} {id!r}")
    sites = sorted(s for (pid, s) in table.built if pid == id)
    if not sites:
        ids = sorted(set(table.table["id"]))
        raise ValueError(f"unknown parameter id {id!r}; available: {', '.join(ids)}")
    return sites


def _key(table: _Table, id: Any, primary_site: Any) -> tuple[str, str]:
    """The (id, site) row a request names; the default site is ``all`` or the only one."""
    sites = _sites_of(table, id)
    if primary_site is None:
        if "all" in sites:
            return id, "all"
        if len(sites) == 1:
            return id, sites[0]
        raise ValueError(f"parameter {id!r} is given by primary site; pass primary_site, one "
                         f"of: {', '.join(sites)}")
    if not isinstance(primary_site, str):
        raise TypeError(f"primary_site must be a str, got {type(primary_site).__name__} "
                        f"{primary_site!r}")
    if primary_site not in sites:
        raise ValueError(f"parameter {id!r} has no primary_site {primary_site!r}; available: "
                         f"{', '.join(sites)}")
    return id, primary_site


def _lookup(table: _Table, id: Any, primary_site: Any) -> Proportion | Rate:
    return table.built[_key(table, id, primary_site)]


def parameter_sites(id: str) -> list[str]:
    """Primary sites a parameter covers (used by :func:`spinemets.estimate`)."""
    return _sites_of(_shipped(), id)


def parameter_definition(id: str, primary_site: str | None = None) -> dict[str, str]:
    """The catalogue row that defines a parameter (definition, sources, encoding, ...).

    Examples
    --------
    >>> from spinemets._parameters import parameter_definition
    >>> parameter_definition("spinal_mets_autopsy")["encoding"]
    'pooled'
    """
    table = _shipped()
    pid, site = _key(table, id, primary_site)
    rows = table.table[(table.table["id"] == pid) & (table.table["primary_site"] == site)]
    return rows.iloc[0].to_dict()
