"""The encoding registry: how a parameter definition turns its source rows into a distribution.

Each encoding named in the ``encoding`` column of ``parameters.csv`` is one
:class:`Encoding` in :data:`ENCODINGS`. It knows

* where its source rows come from (``evidence`` or ``claims``), how many it takes and which
  fields they must have (:meth:`Encoding.select` checks them);
* its arguments (``key=value;...`` in the ``arguments`` column) with their defaults
  (:meth:`Encoding.resolve`);
* how to build the distribution (:meth:`Encoding.build`);
* the reading it makes of the evidence, in words (:meth:`Encoding.describe`);
* its alternative readings for sensitivity analysis (:meth:`Encoding.alternatives`).

Registered encodings:

``counts``
    one evidence row with events and total → :func:`~spinemets.beta_from_counts`
    (alternatives: Jeffreys and uniform priors).
``range``
    one evidence row with low and high → :func:`~spinemets.beta_from_range`
    (arguments ``confidence_level``, ``method``; alternatives: the range read as a 95%, 90%
    or 80% interval, each with ``quantile`` and ``maxent`` fits).
``claimed_range``
    the same, from one claim's ``claimed_low`` and ``claimed_high`` (``claims.csv``).
``value``
    one evidence row with a point value and *no* denominator, with an assumed
    ``effective_total`` → :func:`~spinemets.beta_from_value` (alternatives: a quarter, one
    and four times that effective sample size).
``pooled``
    several evidence rows with counts → random-effects pooling on the logit scale
    (:func:`~spinemets.pool_proportions`, argument ``method``, default REML); the parameter
    is the predictive distribution for a new setting (alternatives: REML, DL and PM
    predictive distributions, the REML mean alone, each study on its own).
``rate_span``
    the values of the listed rate rows span an interval read as an equal-tailed
    ``confidence_level`` interval → :func:`~spinemets.gamma_from_interval` (alternatives:
    the span read as a 95%, 90% or 80% interval).
``rate_cv``
    one rate row's value as the mean, with an assumed coefficient of variation ``cv`` →
    :func:`~spinemets.gamma_from_mean` (alternatives: half, one and twice that ``cv``).
``rate_counts``
    one rate row with events and person-years (``total``) →
    :func:`~spinemets.gamma_from_counts` (no alternatives).

Examples
--------
>>> from spinemets._registry import ENCODINGS, encoding
>>> sorted(ENCODINGS)  # doctest: +NORMALIZE_WHITESPACE
['claimed_range', 'counts', 'pooled', 'range', 'rate_counts', 'rate_cv', 'rate_span',
 'value']
>>> enc = encoding("range")
>>> enc.source, enc.fields, enc.kind
('evidence', ('low', 'high'), 'proportion')
>>> print(enc.describe("confidence_level=0.9;method=maxent"))  # doctest: +NORMALIZE_WHITESPACE
the source row's range [low, high] read as a central interval holding 0.9 of the mass
(maxent fit)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

import pandas as pd

from . import _encodings as enc
from ._synthesis import pool_proportions
from ._values import Proportion, Rate
from .errors import CatalogueError, SpinemetsWarning

__all__ = [
    "ALTERNATIVE_ASSUMPTION",
    "ENCODINGS",
    "Alternatives",
    "Argument",
    "Encoding",
    "encoding",
    "parse_arguments",
]

#: A list of (name of the reading, its distribution), as :meth:`Encoding.alternatives` gives.
Alternatives = list[tuple[str, Proportion | Rate]]
#: ``make(rows, arguments, meta)``: the distribution; ``meta`` holds label, sources, assumption.
Maker = Callable[[pd.DataFrame, dict[str, Any], dict[str, Any]], Proportion | Rate]
#: ``vary(rows, arguments, meta)``: the alternative readings, in order.
Varier = Callable[[pd.DataFrame, dict[str, Any], dict[str, Any]], Alternatives]

#: The assumption text stored on every alternative reading.
ALTERNATIVE_ASSUMPTION = "alternative reading for sensitivity analysis"


def parse_arguments(text: str, where: str) -> dict[str, str]:
    """Split an ``arguments`` field (``key=value;key=value``) into a dict of strings.

    Raises
    ------
    spinemets.CatalogueError
        A part without ``=``; the message starts with ``where``.

    Examples
    --------
    >>> from spinemets._registry import parse_arguments
    >>> parse_arguments("confidence_level=0.9; method=maxent", "parameters.csv: parameter 'x'")
    {'confidence_level': '0.9', 'method': 'maxent'}
    """
    out: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in str(text).split(";"))):
        if "=" not in part:
            raise CatalogueError(f"{where}, field 'arguments': expected key=value, got {part!r}")
        key, value = (s.strip() for s in part.split("=", 1))
        out[key] = value
    return out


@dataclass(frozen=True)
class Argument:
    """One argument an encoding reads from the ``arguments`` field.

    Parameters
    ----------
    name : str
        The key, e.g. ``"confidence_level"``.
    default : float, str or None
        Value when the field does not give it; ``None`` makes the argument required.
    number : bool, default True
        Whether the value is read as a number (else kept as text).
    """

    name: str
    default: float | str | None = None
    number: bool = True

    def read(self, given: Mapping[str, Any], where: str) -> float | str:
        """The argument's value from ``given`` (or its default), checked."""
        if self.name not in given:
            if self.default is None:
                raise CatalogueError(f"{where}, field 'arguments': {self.name!r} is required")
            return self.default
        value = given[self.name]
        if not self.number:
            return str(value)
        try:
            return float(value)
        except (TypeError, ValueError):
            raise CatalogueError(f"{where}, field 'arguments': {self.name} must be a number, "
                                 f"got {value!r}") from None


@dataclass(frozen=True)
class Encoding:
    """One way of turning catalogue rows into a distribution (see the module docstring).

    Parameters
    ----------
    name : str
        The name used in the ``encoding`` column.
    kind : {"proportion", "rate"}
        What it builds.
    source : {"evidence", "claims"}
        The table its source ids refer to.
    fields : tuple of str
        Fields every source row must have (not NaN).
    one_row : bool
        Whether it takes exactly one source row.
    arguments : tuple of Argument
        The arguments it reads; any other key is an error.
    reading : str
        The reading of the evidence in words; ``{name}`` placeholders are filled with the
        resolved arguments by :meth:`describe`.
    make : callable
        ``make(rows, arguments, meta) -> Proportion | Rate``.
    vary : callable
        ``vary(rows, arguments, meta) -> [(name, Proportion | Rate), ...]``: the alternative
        readings for sensitivity analysis, in order.
    """

    name: str
    kind: Literal["proportion", "rate"]
    source: Literal["evidence", "claims"]
    fields: tuple[str, ...]
    one_row: bool
    arguments: tuple[Argument, ...]
    reading: str
    make: Maker
    vary: Varier

    def resolve(self, arguments: str | Mapping[str, Any], where: str = "arguments"
                ) -> dict[str, Any]:
        """The encoding's arguments from a ``key=value;...`` text or a mapping, with defaults.

        Raises
        ------
        spinemets.CatalogueError
            A malformed part, an unknown key, a missing required argument or a non-number
            where a number is needed; the message starts with ``where``.
        """
        given = (parse_arguments(arguments, where) if isinstance(arguments, str)
                 else dict(arguments))
        known = [a.name for a in self.arguments]
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise CatalogueError(f"{where}, field 'arguments': encoding {self.name!r} takes "
                                 f"{known or 'no arguments'}, got {unknown}")
        return {a.name: a.read(given, where) for a in self.arguments}

    def select(self, sources: Sequence[str], evidence: pd.DataFrame, claims: pd.DataFrame,
               where: str, estimand: str | None = None) -> pd.DataFrame:
        """The source rows, in the order of ``sources``, checked for this encoding.

        The rows come from ``evidence`` or ``claims`` (see :attr:`source`). Every id must
        exist there and, when ``estimand`` is given, measure it; the number of rows and
        their :attr:`fields` must suit the encoding.

        Raises
        ------
        spinemets.CatalogueError
            Naming ``where`` and the field ``sources``.
        """
        table = evidence if self.source == "evidence" else claims
        noun = "evidence" if self.source == "evidence" else "claim"
        sources = list(sources)
        if not sources:
            raise CatalogueError(f"{where}, field 'sources': at least one id is required")
        unknown = [s for s in sources if s not in set(table["id"])]
        if unknown:
            raise CatalogueError(f"{where}, field 'sources': unknown {noun} id(s) {unknown}")
        rows = table.set_index("id").loc[sources].reset_index()
        if estimand is not None:
            wrong = rows.loc[rows["estimand"] != estimand, "id"].tolist()
            if wrong:
                raise CatalogueError(f"{where}, field 'sources': {noun} {wrong} measures "
                                     f"another estimand than {estimand!r}")
        self.check(rows, where)
        return rows

    def check(self, rows: pd.DataFrame, where: str) -> None:
        """Check the number of source rows and their :attr:`fields`.

        Raises
        ------
        spinemets.CatalogueError
            Naming ``where``, the field ``sources`` and the row that lacks a field.
        """
        noun = "evidence" if self.source == "evidence" else "claim"
        if self.one_row and len(rows) != 1:
            raise CatalogueError(f"{where}, field 'sources': this encoding takes exactly one "
                                 f"{noun} row, got {len(rows)}")
        for _, row in rows.iterrows():
            missing = [f for f in self.fields if pd.isna(row[f])]
            if missing:
                raise CatalogueError(f"{where}, field 'sources': {noun} {row['id']!r} has no "
                                     f"{', '.join(missing)}, which this encoding needs")

    def build(self, rows: pd.DataFrame, arguments: str | Mapping[str, Any] = "", *,
              label: str = "", sources: Sequence[str] = (), assumption: str = "",
              where: str = "parameter") -> Proportion | Rate:
        """The distribution from checked source rows (see :meth:`select`) and arguments.

        An argument value the underlying encoding function rejects (e.g. an unknown
        ``method``) raises :class:`~spinemets.CatalogueError` naming ``where``.

        Examples
        --------
        >>> import spinemets as sm
        >>> from spinemets._registry import encoding
        >>> counts = encoding("counts")
        >>> rows = counts.select(["SEED-06"], sm.evidence(), sm.claims(), "example")
        >>> counts.build(rows, label="autopsy").a
        258.5
        """
        args = self.resolve(arguments, where)
        self.check(rows, where)
        meta = {"label": label, "sources": list(sources) or list(rows["id"]),
                "assumption": assumption}
        try:
            return self.make(rows, args, meta)
        except CatalogueError:
            raise
        except ValueError as exc:
            raise CatalogueError(f"{where}, field 'arguments': encoding {self.name!r} cannot "
                                 f"be built from these sources and arguments: {exc}") from exc

    def describe(self, arguments: str | Mapping[str, Any] = "") -> str:
        """The reading this encoding makes of its source rows, in words."""
        args = self.resolve(arguments)
        return self.reading.format(**{k: f"{v:g}" if isinstance(v, float) else v
                                      for k, v in args.items()})

    def alternatives(self, rows: pd.DataFrame, arguments: str | Mapping[str, Any] = "", *,
                     label: str = "", sources: Sequence[str] = (),
                     where: str = "parameter") -> Alternatives:
        """Alternative readings of the same source rows, for sensitivity analysis.

        Each is ``(name, distribution)``; every distribution carries the assumption
        ``"alternative reading for sensitivity analysis"``. The catalogued reading itself
        is not included (it is usually one of them).

        Examples
        --------
        >>> import spinemets as sm
        >>> from spinemets._registry import encoding
        >>> seed06 = sm.evidence().query("id == 'SEED-06'")
        >>> [name for name, _ in encoding("counts").alternatives(seed06)]
        ['Jeffreys prior', 'uniform prior']
        """
        args = self.resolve(arguments, where)
        self.check(rows, where)
        meta = {"label": label, "sources": list(sources) or list(rows["id"]),
                "assumption": ALTERNATIVE_ASSUMPTION}
        return self.vary(rows, args, meta)


# ------------------------------------------------------------------ the encodings


def _one(rows: pd.DataFrame) -> pd.Series:
    return rows.iloc[0]


def _make_counts(rows: pd.DataFrame, args: dict[str, Any], meta: dict[str, Any]) -> Proportion:
    r = _one(rows)
    return enc.beta_from_counts(int(r["events"]), int(r["total"]), **meta)


def _vary_counts(rows: pd.DataFrame, args: dict[str, Any], meta: dict[str, Any]
                 ) -> Alternatives:
    r = _one(rows)
    return [(name, enc.beta_from_counts(int(r["events"]), int(r["total"]), prior, **meta))
            for prior, name in (((0.5, 0.5), "Jeffreys prior"), ((1.0, 1.0), "uniform prior"))]


def _range_of(rows: pd.DataFrame, low: str, high: str) -> tuple[float, float]:
    r = _one(rows)
    return r[low], r[high]


def _make_range_from(low: str, high: str) -> Maker:
    def make(rows: pd.DataFrame, args: dict[str, Any], meta: dict[str, Any]) -> Proportion:
        lo, hi = _range_of(rows, low, high)
        return enc.beta_from_range(lo, hi, args["confidence_level"], args["method"], **meta)
    return make


def _range_alternatives(low: float, high: float, meta: dict[str, Any]) -> Alternatives:
    out: Alternatives = []
    for level in (0.95, 0.90, 0.80):
        for method in ("quantile", "maxent"):
            if method == "quantile" and (low <= 0 or high >= 1):
                continue
            out.append((f"range read as {level:.0%} interval, {method}",
                        enc.beta_from_range(low, high, level, method, **meta)))
    return out


def _vary_range_from(low: str, high: str) -> Varier:
    def vary(rows: pd.DataFrame, args: dict[str, Any], meta: dict[str, Any]) -> Alternatives:
        return _range_alternatives(*_range_of(rows, low, high), meta)
    return vary


def _make_value(rows: pd.DataFrame, args: dict[str, Any], meta: dict[str, Any]) -> Proportion:
    return enc.beta_from_value(_one(rows)["value"], args["effective_total"], **meta)


def _vary_value(rows: pd.DataFrame, args: dict[str, Any], meta: dict[str, Any]
                ) -> Alternatives:
    value, n_eff = _one(rows)["value"], args["effective_total"]
    return [(f"effective sample size {n_eff * factor:g}",
             enc.beta_from_value(value, n_eff * factor, **meta)) for factor in (0.25, 1.0, 4.0)]


def _counts_of(rows: pd.DataFrame) -> tuple[Any, Any, list[str]]:
    return (rows["events"].astype(int).to_numpy(), rows["total"].astype(int).to_numpy(),
            list(rows["id"]))


def _make_pooled(rows: pd.DataFrame, args: dict[str, Any], meta: dict[str, Any]) -> Proportion:
    events, totals, labels = _counts_of(rows)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SpinemetsWarning)
        pooled = pool_proportions(events, totals, method=args["method"], labels=labels)
    prop = pooled.proportion
    notes = " ".join(str(w.message) for w in caught)
    assumption = meta["assumption"] + (f" Pooling note: {notes}" if notes else "")
    return Proportion(prop.dist, label=meta["label"], sources=meta["sources"],
                      encoding=prop.encoding, assumption=assumption)


def _vary_pooled(rows: pd.DataFrame, args: dict[str, Any], meta: dict[str, Any]
                 ) -> Alternatives:
    events, totals, labels = _counts_of(rows)
    out: Alternatives = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpinemetsWarning)
        for method in ("REML", "DL", "PM"):
            pooled = pool_proportions(events, totals, method=method, labels=labels)
            out.append((f"pooled {method}, predictive for a new setting",
                        Proportion(pooled.proportion.dist, encoding=pooled.proportion.encoding,
                                   **meta)))
        reml = pool_proportions(events, totals, method="REML", labels=labels)
    out.append(("pooled REML mean only (no between-setting spread)",
                Proportion.logit_normal(reml.mu_logit, reml.se_logit,
                                        encoding=f"pooled REML mean of {', '.join(labels)}",
                                        **meta)))
    for _, r in rows.iterrows():
        out.append((f"single study {r['id']}",
                    enc.beta_from_counts(int(r["events"]), int(r["total"]),
                                     **{**meta, "sources": [r["id"]]})))
    return out


def _span_of(rows: pd.DataFrame) -> tuple[float, float]:
    return float(rows["value"].min()), float(rows["value"].max())


def _make_rate_span(rows: pd.DataFrame, args: dict[str, Any], meta: dict[str, Any]) -> Rate:
    return enc.gamma_from_interval(*_span_of(rows), args["confidence_level"], **meta)


def _vary_rate_span(rows: pd.DataFrame, args: dict[str, Any], meta: dict[str, Any]
                    ) -> Alternatives:
    low, high = _span_of(rows)
    return [(f"span read as {level:.0%} interval",
             enc.gamma_from_interval(low, high, level, **meta)) for level in (0.95, 0.90, 0.80)]


def _make_rate_cv(rows: pd.DataFrame, args: dict[str, Any], meta: dict[str, Any]) -> Rate:
    return enc.gamma_from_mean(_one(rows)["value"], args["cv"], **meta)


def _vary_rate_cv(rows: pd.DataFrame, args: dict[str, Any], meta: dict[str, Any]
                  ) -> Alternatives:
    mean, cv = float(_one(rows)["value"]), args["cv"]
    return [(f"coefficient of variation {cv * factor:g}", enc.gamma_from_mean(mean, cv * factor,
                                                                          **meta))
            for factor in (0.5, 1.0, 2.0)]


def _make_rate_counts(rows: pd.DataFrame, args: dict[str, Any], meta: dict[str, Any]) -> Rate:
    r = _one(rows)
    return enc.gamma_from_counts(int(r["events"]), r["total"], **meta)


def _no_alternatives(rows: pd.DataFrame, args: dict[str, Any], meta: dict[str, Any]
                     ) -> Alternatives:
    return []


_LEVEL = Argument("confidence_level", 0.95)
_RANGE_READING = ("the source row's range [low, high] read as a central interval holding "
                  "{confidence_level} of the mass ({method} fit)")

_ALL = (
    Encoding("counts", "proportion", "evidence", ("events", "total"), True, (),
             "events of total observed; Jeffreys prior Beta(1/2, 1/2); the study population "
             "is taken to represent the target population",
             _make_counts, _vary_counts),
    Encoding("range", "proportion", "evidence", ("low", "high"), True,
             (_LEVEL, Argument("method", "quantile", number=False)), _RANGE_READING,
             _make_range_from("low", "high"), _vary_range_from("low", "high")),
    Encoding("claimed_range", "proportion", "claims", ("claimed_low", "claimed_high"), True,
             (_LEVEL, Argument("method", "quantile", number=False)),
             "the claim's range [claimed_low, claimed_high] read as a central interval "
             "holding {confidence_level} of the mass ({method} fit)",
             _make_range_from("claimed_low", "claimed_high"),
             _vary_range_from("claimed_low", "claimed_high")),
    Encoding("value", "proportion", "evidence", ("value",), True,
             (Argument("effective_total"),),
             "a point value without a usable denominator, treated as if observed in "
             "{effective_total} patients (an assumed effective sample size, not data)",
             _make_value, _vary_value),
    Encoding("pooled", "proportion", "evidence", ("events", "total"), False,
             (Argument("method", "REML", number=False),),
             "the studies' counts pooled by random effects on the logit scale ({method}); "
             "the parameter is the predictive distribution for a new setting",
             _make_pooled, _vary_pooled),
    Encoding("rate_span", "rate", "evidence", ("value",), False, (_LEVEL,),
             "the lowest and highest of the source rows' rates read as an equal-tailed "
             "{confidence_level} interval of the rate",
             _make_rate_span, _vary_rate_span),
    Encoding("rate_cv", "rate", "evidence", ("value",), True, (Argument("cv"),),
             "the source row's rate taken as the mean, with an assumed coefficient of "
             "variation {cv} (a stated spread, not data)",
             _make_rate_cv, _vary_rate_cv),
    Encoding("rate_counts", "rate", "evidence", ("events", "total"), True, (),
             "events in person-years (total); Jeffreys prior; the rate is taken to be "
             "constant over the period and to apply to the target population",
             _make_rate_counts, _no_alternatives),
)

#: The registry: encoding name → :class:`Encoding` (read-only).
ENCODINGS: Mapping[str, Encoding] = MappingProxyType({e.name: e for e in _ALL})


def encoding(name: Any, where: str = "parameter") -> Encoding:
    """The registered encoding called ``name``.

    Raises
    ------
    spinemets.CatalogueError
        ``name`` is not registered; the message starts with ``where`` and lists the names.

    Examples
    --------
    >>> from spinemets._registry import encoding
    >>> encoding("rate_cv").arguments[0].name
    'cv'
    """
    try:
        return ENCODINGS[name]
    except (KeyError, TypeError):
        raise CatalogueError(f"{where}, field 'encoding': must be one of {sorted(ENCODINGS)}, "
                             f"got {name!r}") from None
