"""Named parameters: estimands built from catalogue evidence by a stated encoding.

Each row of ``data/parameters.csv`` names an estimand (``spinal_mets_autopsy``), a primary
site, a one-line definition, the evidence rows it uses, the encoding that turns them into a
distribution and the assumption behind it, in words. :func:`build_parameters` builds every
row of such a file (or DataFrame) against an evidence catalogue into a :class:`ParameterSet`;
:func:`parameters` and :func:`parameter` read the set built from the shipped catalogue.

The encodings (column ``encoding``; extra arguments in ``arguments`` as ``key=value;...``)
are registered in :mod:`spinemets._registry`: ``counts``, ``range``, ``claimed_range``,
``value``, ``pooled``, ``rate_span``, ``rate_cv``, ``rate_counts``. Each one checks its
source rows, builds the distribution, states its reading in words and lists its alternative
readings for :func:`spinemets.sensitivity`.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from ._catalogue import (
    EVIDENCE_COLUMNS,
    SITES,
    data_path,
    evidence_from_table,
    read_catalogue_csv,
)
from ._catalogue import claims as load_claims
from ._catalogue import evidence as load_evidence
from ._display import reference_url
from ._registry import Alternatives, Encoding, encoding
from ._validation import check_rows, check_str
from ._values import Proportion, Rate
from .errors import CatalogueError

__all__ = [
    "PARAMETER_COLUMNS",
    "ParameterSet",
    "build_parameters",
    "parameter",
    "parameter_definition",
    "parameter_horizons",
    "parameter_kind",
    "parameter_sites",
    "parameter_table",
    "parameters",
    "rebuild",
    "shipped_parameters",
]

PARAMETER_COLUMNS = (
    "id", "primary_site", "horizon_years", "kind", "definition", "population", "setting",
    "estimand", "sources", "encoding", "arguments", "assumption",
)
#: ``horizon_years`` of a cumulative parameter whose time horizon its source does not give
#: (using it in an estimate warns, :class:`spinemets.UndefinedHorizonWarning`).
UNDEFINED_HORIZON = "undefined"
_CLAIM_FIELDS = ("id", "estimand", "claimed_low", "claimed_high")
#: Evidence columns added on 2026-12-06; a DataFrame without them is still accepted.
_ADDED_EVIDENCE = ("measured_setting", "total_derived", "horizon_years")
_EVIDENCE_REQUIRED = tuple(c for c in EVIDENCE_COLUMNS if c not in _ADDED_EVIDENCE)
#: A parameter's key: (id, primary_site, horizon in years or None).
Key = tuple[str, str, float | None]


def _horizon_of(text: str, where: str) -> float | None:
    """The horizon a definition's ``horizon_years`` field names (None: no horizon)."""
    if text in ("", UNDEFINED_HORIZON):
        return None
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise CatalogueError(f"{where}, field 'horizon_years': must be a number of years > 0, "
                             f"{UNDEFINED_HORIZON!r} or empty, got {text!r}")
    return value


def _fmt_horizon(h: float | None) -> str:
    return "none" if h is None else f"{h:g}"


def _check_source_settings(definition: pd.Series | dict[str, Any], rows: pd.DataFrame,
                           where: str) -> None:
    """Source rows share one measured setting and the definition's horizon."""
    if "measured_setting" in rows.columns:
        settings = sorted(set(rows["measured_setting"].astype(str)))
        if len(settings) > 1:
            raise CatalogueError(f"{where}, field 'sources': rows measured in different "
                                 f"settings {settings} cannot be combined in one parameter")
    want = _horizon_of(str(definition.get("horizon_years", "")), where)
    if "horizon_years" in rows.columns:
        got = pd.to_numeric(rows["horizon_years"], errors="coerce")
        bad = [(i, h) for i, h in zip(rows["id"], got, strict=True)
               if not (pd.isna(h) if want is None else h == want)]
        if bad:
            i, h = bad[0]
            raise CatalogueError(
                f"{where}, field 'horizon_years': the parameter's horizon "
                f"({_fmt_horizon(want)}) must be its sources' horizon; {i} has "
                f"{_fmt_horizon(None if pd.isna(h) else float(h))}")


def _sources_of(definition: pd.Series | dict[str, Any]) -> list[str]:
    return [s.strip() for s in str(definition["sources"]).split(";") if s.strip()]


def _where(file: str | Path, definition: pd.Series | dict[str, Any]) -> str:
    return f"{file}: parameter {definition['id']!r} ({definition['primary_site']})"


def _source_rows(definition: pd.Series | dict[str, Any], ev: pd.DataFrame, cl: pd.DataFrame,
                 file: str | Path) -> tuple[Encoding, list[str], pd.DataFrame]:
    """The definition's encoding, source ids and checked source rows."""
    where = _where(file, definition)
    sources = _sources_of(definition)
    if not sources:
        raise CatalogueError(f"{where}, field 'sources': at least one id is required")
    enc = encoding(definition["encoding"], where)
    enc.resolve(definition["arguments"], where)
    rows = enc.select(sources, ev, cl, where, estimand=definition["estimand"])
    if enc.source == "evidence":
        _check_source_settings(definition, rows, where)
    if enc.kind != definition["kind"]:
        made = "Rate" if enc.kind == "rate" else "Proportion"
        raise CatalogueError(f"{where}, field 'kind': encoding {enc.name!r} gives a {made}, "
                             f"not a {definition['kind']}")
    return enc, sources, rows


def rebuild(definition: pd.Series | dict[str, Any], evidence_table: pd.DataFrame,
            claims_table: pd.DataFrame, file: str | Path = "parameters.csv"
            ) -> Proportion | Rate:
    """Build one parameter definition from the given evidence and claims tables.

    Used to see how a parameter changes when the evidence changes (e.g. local data added).

    Parameters
    ----------
    definition : Series or dict
        One row of the parameter definitions (:data:`PARAMETER_COLUMNS`).
    evidence_table, claims_table : DataFrame
        As returned by :func:`spinemets.evidence` and :func:`spinemets.claims`.
    file : str or Path, default "parameters.csv"
        Named in error messages.

    Raises
    ------
    spinemets.CatalogueError
        The definition cannot be built from these tables; the message names ``file``, the
        parameter and the field.

    Examples
    --------
    >>> import spinemets as sm
    >>> from spinemets._parameters import parameter_table, rebuild
    >>> table = parameter_table()
    >>> row = table[table["id"] == "spinal_mets_lifetime"].iloc[0]
    >>> [round(x, 6) for x in rebuild(row, sm.evidence(), sm.claims()).interval(0.95)]
    [0.1, 0.4]
    """
    enc, sources, rows = _source_rows(definition, evidence_table, claims_table, file)
    return enc.build(rows, definition["arguments"],
                     label=f"{definition['id']} ({definition['primary_site']})",
                     sources=sources, assumption=definition["assumption"],
                     where=_where(file, definition))


def _read_definitions(definitions: Any) -> tuple[pd.DataFrame, str]:
    """The definitions as a table of stripped strings, and the name to put in messages."""
    if isinstance(definitions, pd.DataFrame):
        df, name = definitions.copy(), "parameter definitions (DataFrame)"
        if df.empty:
            raise CatalogueError(f"{name}: the table is empty; give at least one definition "
                                 "(or None for the shipped ones)")
        check_rows(len(df), "definitions")
    elif isinstance(definitions, str | Path):
        if not str(definitions).strip():
            raise ValueError("definitions must be the path of a parameters CSV file or a "
                             "DataFrame (None for the shipped one), got an empty string")
        path = Path(definitions)
        df = read_catalogue_csv(path, "parameter definitions file")
        name = str(path)
    else:
        raise TypeError(f"definitions must be a path or a DataFrame, got "
                        f"{type(definitions).__name__}")
    if "horizon_years" not in df.columns:  # added 2026-12-06: optional in older files
        df["horizon_years"] = ""
    missing = [c for c in PARAMETER_COLUMNS if c not in df.columns]
    if missing:
        raise CatalogueError(f"{name}: missing column(s) {missing}")
    df = df[list(PARAMETER_COLUMNS)].fillna("").astype(str).apply(lambda s: s.str.strip())
    return df.reset_index(drop=True), name


def _read_table(table: Any, argument: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """A user-supplied evidence or claims DataFrame, with the columns the encodings read."""
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"{argument} must be a path or a DataFrame, got {type(table).__name__}")
    if table.empty:
        raise CatalogueError(f"{argument} (DataFrame): the table is empty; give at least one "
                             "row (or None for the shipped one)")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise CatalogueError(f"{argument} (DataFrame): missing column(s) {missing}")
    return table


class ParameterSet:
    """Named parameters built from definitions against an evidence (and claims) catalogue.

    Made by :func:`build_parameters`; the shipped catalogue's set is behind
    :func:`spinemets.parameters` and :func:`spinemets.parameter`. Every distribution is built
    (and every definition validated) when the set is made. A parameter is named by its id,
    its primary site and, for a cumulative incidence, its time horizon in years.

    Attributes
    ----------
    evidence, claims : pandas.DataFrame
        The tables the parameters were built from.
    source : str
        The definitions file (or "parameter definitions (DataFrame)"), as named in errors.
    """

    def __init__(self, definitions: pd.DataFrame, evidence_table: pd.DataFrame,
                 claims_table: pd.DataFrame, source: str) -> None:
        df = definitions
        keys: list[Key] = []
        for _, r in df.iterrows():
            if r["id"] == "":
                raise CatalogueError(f"{source}: a row has an empty 'id'")
            if r["primary_site"] not in SITES:
                raise CatalogueError(f"{source}: parameter {r['id']!r}, field 'primary_site': "
                                     f"must be one of {sorted(SITES)}, got {r['primary_site']!r}")
            if r["kind"] not in ("proportion", "rate"):
                raise CatalogueError(f"{source}: parameter {r['id']!r}, field 'kind': must be "
                                     f"'proportion' or 'rate', got {r['kind']!r}")
            where = f"{source}: parameter {r['id']!r} ({r['primary_site']})"
            key = (r["id"], r["primary_site"], _horizon_of(r["horizon_years"], where))
            if key in keys:
                raise CatalogueError(f"{source}: parameter {r['id']!r}, field 'primary_site': "
                                     f"duplicate site {r['primary_site']!r} (horizon "
                                     f"{_fmt_horizon(key[2])})")
            keys.append(key)
        self.source = source
        self.evidence = evidence_table
        self.claims = claims_table
        self._table = df
        self._rows = dict(zip(keys, range(len(keys)), strict=True))
        self._built = {key: rebuild(r, evidence_table, claims_table, source)
                       for key, (_, r) in zip(keys, df.iterrows(), strict=True)}

    # ------------------------------------------------------------------ lookup

    def __len__(self) -> int:
        return len(self._built)

    def __iter__(self) -> Iterator[Key]:
        """The (id, primary_site, horizon_years) keys, in the order of the definitions."""
        return iter(self._built)

    def __repr__(self) -> str:
        ids = list(dict.fromkeys(pid for pid, _, _ in self._built))
        return (f"ParameterSet of {len(self)} parameters ({len(ids)} ids) from {self.source}: "
                f"{', '.join(ids)}")

    @property
    def definitions(self) -> pd.DataFrame:
        """The parameter definitions (columns :data:`PARAMETER_COLUMNS`), unbuilt (a copy)."""
        return self._table.copy()

    def sites(self, id: str) -> list[str]:
        """Primary sites parameter ``id`` covers; an unknown id raises, listing the ids."""
        if not isinstance(id, str):
            raise TypeError(f"id must be a parameter id (str), got {type(id).__name__} {id!r}")
        sites = sorted({s for (pid, s, _) in self._built if pid == id})
        if not sites:
            ids = sorted(set(self._table["id"]))
            raise ValueError(f"unknown parameter id {id!r}; available: {', '.join(ids)}")
        return sites

    def horizons(self, id: str, primary_site: str | None = None) -> list[float]:
        """The time horizons (years) parameter ``id`` covers for a site (empty: none)."""
        _, site = self._site(id, primary_site)
        return sorted(h for (pid, s, h) in self._built if pid == id and s == site
                      and h is not None)

    def _site(self, id: str, primary_site: str | None) -> tuple[str, str]:
        sites = self.sites(id)
        if primary_site is None:
            if "all" in sites:
                return id, "all"
            if len(sites) == 1:
                return id, sites[0]
            raise ValueError(f"parameter {id!r} is given by primary site; pass primary_site, "
                             f"one of: {', '.join(sites)}")
        check_str(primary_site, "primary_site")
        if primary_site not in sites:
            raise ValueError(f"parameter {id!r} has no primary_site {primary_site!r}; "
                             f"available: {', '.join(sites)}")
        return id, primary_site

    def key(self, id: str, primary_site: str | None = None,
            horizon_years: float | None = None) -> Key:
        """The (id, site, horizon) a request names.

        The default site is ``all`` or the only one; the default horizon is the only one the
        site has. A horizon the parameter does not cover raises a ValueError listing the
        horizons it does cover.
        """
        id, site = self._site(id, primary_site)
        covered = self.horizons(id, site)
        if horizon_years is None:
            if (id, site, None) in self._built:
                return id, site, None
            if len(covered) == 1:
                return id, site, covered[0]
            raise ValueError(f"parameter {id!r} ({site}) is given by time horizon; pass "
                             f"horizon_years, one of: {', '.join(f'{h:g}' for h in covered)}")
        if isinstance(horizon_years, bool) or not isinstance(horizon_years, int | float):
            raise TypeError(f"horizon_years must be a number of years, got "
                            f"{type(horizon_years).__name__} {horizon_years!r}")
        if float(horizon_years) not in covered:
            have = (", ".join(f"{h:g}" for h in covered) if covered else
                    "none (it has no time horizon)")
            raise ValueError(f"horizon_years={horizon_years!r} is not covered by parameter "
                             f"{id!r} ({site}); the evidence covers horizons (years): {have}")
        return id, site, float(horizon_years)

    def parameter(self, id: str, primary_site: str | None = None,
                  horizon_years: float | None = None) -> Proportion | Rate:
        """The distribution of one named parameter (see :func:`spinemets.parameter`)."""
        return self._built[self.key(id, primary_site, horizon_years)]

    def definition(self, id: str, primary_site: str | None = None,
                   horizon_years: float | None = None) -> dict[str, str]:
        """The definition row of one parameter (definition, sources, encoding, ...)."""
        row = self._rows[self.key(id, primary_site, horizon_years)]
        return self._table.iloc[row].to_dict()

    def horizon_defined(self, id: str, primary_site: str | None = None,
                        horizon_years: float | None = None) -> bool:
        """False for a cumulative parameter whose horizon is ``undefined`` in the catalogue."""
        defn = self.definition(id, primary_site, horizon_years)
        return defn["horizon_years"] != UNDEFINED_HORIZON

    def encoding(self, id: str, primary_site: str | None = None,
                 horizon_years: float | None = None) -> Encoding:
        """The registered encoding that builds one parameter."""
        return encoding(self.definition(id, primary_site, horizon_years)["encoding"])

    def alternatives(self, id: str, primary_site: str | None = None,
                     horizon_years: float | None = None) -> Alternatives:
        """The catalogued distribution of one parameter, then its encoding's alternative
        readings of the same source rows (see :func:`spinemets.sensitivity`)."""
        key = self.key(id, primary_site, horizon_years)
        defn = self.definition(*key)
        enc, sources, rows = _source_rows(defn, self.evidence, self.claims, self.source)
        default = self._built[key]
        return [(f"as catalogued ({enc.name})", default),
                *enc.alternatives(rows, defn["arguments"],
                                  label=f"{defn['id']} ({defn['primary_site']})",
                                  sources=sources, where=_where(self.source, defn))]

    # ------------------------------------------------------------------ table

    def to_frame(self, confidence_level: float = 0.95) -> pd.DataFrame:
        """The parameters with their definitions, sources, encodings and intervals.

        The same table as :func:`spinemets.parameters` (see there for the columns).
        """
        ev = self.evidence.set_index("id")
        rows = []
        for key, i in self._rows.items():
            r = self._table.iloc[i]
            dist = self._built[key]
            lo, hi = dist.interval(confidence_level)
            refs = [reference_url(ev.loc[s, "doi"], ev.loc[s, "pmid"], ev.loc[s, "url"])
                    for s in dist.sources if s in ev.index]
            rows.append({**r.to_dict(), "distribution": dist._provenance()["distribution"],
                         "encoding_call": dist.encoding, "mean": dist.mean, "ci_lower": lo,
                         "ci_upper": hi, "confidence_level": float(confidence_level),
                         "references": ";".join(dict.fromkeys(u for u in refs if u))})
        return pd.DataFrame(rows)


def build_parameters(definitions: str | Path | pd.DataFrame | None = None,
                     evidence: str | Path | pd.DataFrame | None = None,
                     claims: str | Path | pd.DataFrame | None = None) -> ParameterSet:
    """Build named parameters from your own definitions and evidence.

    Parameters
    ----------
    definitions : str, Path or DataFrame, optional
        Parameter definitions with the columns of ``data/parameters.csv`` (``id,
        primary_site, kind, definition, population, setting, estimand, sources, encoding,
        arguments, assumption``; see ``data/README.md`` for the encodings and their
        arguments). Default: the shipped definitions.
    evidence : str, Path or DataFrame, optional
        The evidence the definitions' ``sources`` refer to. A path is loaded and validated
        as :func:`spinemets.evidence` does; a DataFrame is taken as loaded (e.g.
        ``sm.evidence()`` with rows added). Default: the shipped catalogue.
    claims : str, Path or DataFrame, optional
        The claims that ``claimed_range`` definitions refer to. A path is validated against
        ``evidence``; default: the shipped claims.

    Returns
    -------
    ParameterSet
        ``.parameter(id, primary_site=None)`` gives a distribution,
        ``.to_frame(confidence_level=0.95)`` the table :func:`spinemets.parameters` gives,
        ``.alternatives(id, primary_site=None)`` the readings :func:`spinemets.sensitivity`
        compares.

    Raises
    ------
    spinemets.CatalogueError
        A row that does not validate: the message names the file, the row (evidence id or
        parameter id and site) and the field. Unknown encodings list the valid names.
    FileNotFoundError
        A path that does not exist.
    TypeError
        An argument that is neither a path nor a DataFrame.

    Examples
    --------
    A local autopsy audit (41 of 120) as the evidence for a parameter of your own:

    >>> import tempfile
    >>> from pathlib import Path
    >>> import pandas as pd
    >>> import spinemets as sm
    >>> folder = Path(tempfile.mkdtemp())
    >>> row = dict.fromkeys(sm.evidence().columns, "")
    >>> row.update(id="LOCAL-01", estimand="spinal_mets_autopsy", primary_site="all",
    ...            quantity="P(spinal metastases at autopsy | died of cancer)",
    ...            population="local autopsies 2020-2024", setting="autopsy", kind="counts",
    ...            events="41", total="120", unit="fraction", citation="Local audit 2024",
    ...            url="https://example.org/audit", verified="yes")
    >>> pd.DataFrame([row]).to_csv(folder / "evidence.csv", index=False)
    >>> definition = {
    ...     "id": "spinal_mets_local", "primary_site": "all", "kind": "proportion",
    ...     "definition": "P(spinal metastases at autopsy | died of cancer), local",
    ...     "population": "local autopsies", "setting": "autopsy",
    ...     "estimand": "spinal_mets_autopsy", "sources": "LOCAL-01", "encoding": "counts",
    ...     "arguments": "", "assumption": "The local series represents local patients."}
    >>> pd.DataFrame([definition]).to_csv(folder / "parameters.csv", index=False)
    >>> mine = sm.build_parameters(folder / "parameters.csv",
    ...                            evidence=folder / "evidence.csv")
    >>> p = mine.parameter("spinal_mets_local")
    >>> p.a, p.b, p.sources
    (41.5, 79.5, ('LOCAL-01',))
    >>> mine.to_frame().loc[0, "encoding_call"]
    'beta_from_counts(41, 120, prior=(0.5, 0.5))'

    A definition whose source is missing fails naming the file, parameter and field:

    >>> definition["sources"] = "LOCAL-02"
    >>> pd.DataFrame([definition]).to_csv(folder / "parameters.csv", index=False)
    >>> try:  # doctest: +ELLIPSIS +NORMALIZE_WHITESPACE
    ...     sm.build_parameters(folder / "parameters.csv", evidence=folder / "evidence.csv")
    ... except sm.CatalogueError as error:
    ...     print(error)
    /.../parameters.csv: parameter 'spinal_mets_local' (all), field 'sources':
    unknown evidence id(s) ['LOCAL-02']
    """
    if evidence is None:
        ev = load_evidence()
    elif isinstance(evidence, str | Path):
        ev = load_evidence(evidence)
    else:
        _read_table(evidence, "evidence", _EVIDENCE_REQUIRED)
        ev = evidence_from_table(evidence, "evidence")
    if claims is None:
        cl = load_claims()
    elif isinstance(claims, str | Path):
        cl = load_claims(claims, evidence_table=ev)
    else:
        cl = _read_table(claims, "claims", _CLAIM_FIELDS)
    df, name = _read_definitions(data_path("parameters.csv") if definitions is None
                                 else definitions)
    return ParameterSet(df, ev, cl, name)


@lru_cache(maxsize=1)
def shipped_parameters() -> ParameterSet:
    """The :class:`ParameterSet` of the shipped catalogue, built once per process."""
    return build_parameters()


def parameter_table() -> pd.DataFrame:
    """The parameter definitions as catalogued (``data/parameters.csv``), unbuilt."""
    return shipped_parameters().definitions


def parameters(confidence_level: float = 0.95) -> pd.DataFrame:
    """The named parameters with their definitions, sources, encodings and intervals.

    The table of the shipped catalogue's :class:`ParameterSet`; build your own with
    :func:`build_parameters`.

    Returns
    -------
    pandas.DataFrame
        One row per (parameter, primary site, horizon): ``id, primary_site, horizon_years,
        kind, definition, population, setting, estimand, sources, encoding, arguments,
        assumption,
        distribution, encoding_call, mean, ci_lower, ci_upper, confidence_level,
        references`` (links of the source studies, ``;``-separated). Proportions are
        fractions; rates are per person-year. ``sm.show(table)`` shows the links.

    Examples
    --------
    >>> import spinemets as sm
    >>> table = sm.parameters()
    >>> "spinal_mets_autopsy" in set(table["id"])
    True
    >>> bool(((table["ci_lower"] <= table["mean"]) & (table["mean"] <= table["ci_upper"])).all())
    True
    """
    return shipped_parameters().to_frame(confidence_level)


def parameter(id: str, primary_site: str | None = None,
              horizon_years: float | None = None) -> Proportion | Rate:
    """The distribution of one named parameter.

    Parameters
    ----------
    id : str
        Parameter id, e.g. ``"spinal_mets_autopsy"`` (see :func:`parameters`).
    primary_site : str, optional
        Primary cancer site (``"breast"``, ``"prostate"``, ...). Default: the ``"all"``
        row where the parameter has one.
    horizon_years : float, optional
        For a cumulative incidence, the years of follow-up after diagnosis (e.g. 10).
        Default: the only horizon the site has.

    Returns
    -------
    Proportion or Rate
        With ``sources``, ``encoding`` and ``assumption`` filled in.

    Raises
    ------
    ValueError
        Unknown id, or a site or horizon the parameter does not cover; the message lists
        what is available.

    Examples
    --------
    >>> import spinemets as sm
    >>> p = sm.parameter("bone_mets_at_diagnosis", primary_site="breast")
    >>> p.sources
    ('CLIN-20',)
    >>> sm.parameter("spinal_mets_clinical", "lung", horizon_years=10).sources
    ('POP-02',)
    """
    return shipped_parameters().parameter(id, primary_site, horizon_years)


def parameter_sites(id: str) -> list[str]:
    """Primary sites a parameter covers (used by :func:`spinemets.estimate`)."""
    return shipped_parameters().sites(id)


def parameter_kind(id: str) -> str:
    """``"proportion"`` or ``"rate"``: what parameter ``id`` is (unknown ids raise).

    Examples
    --------
    >>> from spinemets._parameters import parameter_kind
    >>> parameter_kind("mscc_rate")
    'rate'
    """
    pset = shipped_parameters()
    pset.sites(id)  # raises ValueError listing the ids if unknown
    table = pset.definitions
    return str(table.loc[table["id"] == id, "kind"].iloc[0])


def parameter_horizons(id: str, primary_site: str | None = None) -> list[float]:
    """Time horizons (years) a parameter covers for a site; empty when it has none.

    Examples
    --------
    >>> from spinemets._parameters import parameter_horizons
    >>> parameter_horizons("spinal_mets_clinical", "lung")
    [10.0]
    >>> parameter_horizons("spinal_mets_autopsy")
    []
    """
    return shipped_parameters().horizons(id, primary_site)


def parameter_definition(id: str, primary_site: str | None = None,
                         horizon_years: float | None = None) -> dict[str, str]:
    """The catalogue row that defines a parameter (definition, sources, encoding, ...).

    Examples
    --------
    >>> from spinemets._parameters import parameter_definition
    >>> parameter_definition("spinal_mets_autopsy")["encoding"]
    'pooled'
    """
    return shipped_parameters().definition(id, primary_site, horizon_years)
