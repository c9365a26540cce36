"""The result protocol: provenance that travels with every result table.

Tables returned by :func:`~spinemets.estimate`, :func:`~spinemets.estimate_total` and
:func:`~spinemets.sensitivity` end with the **provenance columns**

``encoding``
    the call that built the row's parameter (e.g. ``beta_from_counts(258, 842, prior=(0.5,
    0.5))`` or ``pool_proportions(k=2, method='REML', ...)``);
``sources``
    the evidence ids behind it, joined by ``;`` (rows of :func:`~spinemets.evidence`);
``assumption``
    the reading of the evidence, in words;
``seed``
    the seed of the random numbers the row used (nullable integer: empty where the row was
    computed exactly and drew nothing); ``rng=<seed>`` re-runs the row exactly;
``spinemets_version``, ``data_version``
    the package and catalogue versions that produced it.

They are ordinary columns (categorical, so a million rows cost a byte each), so they
survive ``pd.concat``, ``to_csv``/``read_csv`` and ``to_json``/``read_json`` — unlike
``DataFrame.attrs``. :func:`provenance` reads them back as one row per distinct parameter
and run; the ``.spinemets`` accessor offers the same on any result table
(``res.spinemets.provenance()``, ``res.spinemets.plot()``, ``res.spinemets.show()``).

:func:`versions` and :func:`write_with_sidecar` serve the command line's ``--out-dir``: a
table next to a JSON sidecar with the command, the seed and the versions.
"""

from __future__ import annotations

import datetime as _dt
import json
import platform
from collections.abc import Callable, Hashable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd
import scipy

from ._catalogue import DATA_VERSION
from ._display import show
from ._draw import plot_estimates
from ._version import __version__

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "PROVENANCE_COLUMNS",
    "Provenanced",
    "ResultAccessor",
    "add_provenance",
    "coded_text",
    "group_codes",
    "provenance",
    "provenance_columns",
    "versions",
    "write_with_sidecar",
]

PROVENANCE_COLUMNS = ("encoding", "sources", "assumption", "seed", "spinemets_version",
                      "data_version")
"""The columns, in order, that end every estimate table."""



class Provenanced(Protocol):
    """Anything that can say where it came from (a Proportion, a Rate, a joined total)."""

    @property
    def encoding(self) -> str: ...

    @property
    def sources(self) -> tuple[str, ...]: ...

    @property
    def assumption(self) -> str: ...


def versions() -> dict[str, str]:
    """The versions that determine a result: package, catalogue and numerical stack.

    Examples
    --------
    >>> from spinemets._results import versions
    >>> sorted(versions())
    ['data', 'numpy', 'pandas', 'python', 'scipy', 'spinemets']
    """
    return {"spinemets": __version__, "data": DATA_VERSION, "python": platform.python_version(),
            "numpy": np.__version__, "scipy": scipy.__version__, "pandas": pd.__version__}


def coded_text(values: Sequence[str], code: np.ndarray | None, rows: int) -> pd.Categorical:
    """A categorical column of ``rows`` rows: row ``i`` holds ``values[code[i]]``.

    ``code`` is None when every row holds ``values[0]``. Built from the codes (one byte a
    row for up to 127 distinct texts), never from a per-row list; the categories are the
    distinct texts, sorted, as ``pd.Categorical`` of the per-row texts would give them.

    Examples
    --------
    >>> import numpy as np
    >>> from spinemets._results import coded_text
    >>> col = coded_text(["b", "a", "b"], np.array([0, 1, 2, 1]), 4)
    >>> col.tolist(), col.categories.tolist()
    (['b', 'a', 'b', 'a'], ['a', 'b'])
    """
    distinct = pd.Categorical([str(v) for v in values])
    if code is None:
        codes = np.full(rows, distinct.codes[0], dtype=distinct.codes.dtype)
    else:
        codes = distinct.codes[code]
    return pd.Categorical.from_codes(codes, dtype=distinct.dtype)


def group_codes(per_row: Sequence[Any], key: Callable[[Any], Hashable] = id
                ) -> tuple[list[Any], np.ndarray]:
    """The distinct items of ``per_row`` (by ``key``, identity by default; in order of first
    appearance) and each row's index into them (the smallest integer dtype that holds it).

    Examples
    --------
    >>> from spinemets._results import group_codes
    >>> a, b = object(), object()
    >>> parts, code = group_codes([a, b, a])
    >>> parts == [a, b], code.tolist()
    (True, [0, 1, 0])
    """
    index: dict[int, int] = {}
    parts: list[Any] = []
    for p in per_row:
        if key(p) not in index:
            index[key(p)] = len(parts)
            parts.append(p)
    code = np.fromiter((index[key(p)] for p in per_row), dtype=np.int64, count=len(per_row))
    return parts, code.astype(np.min_scalar_type(max(len(parts) - 1, 0)))


def provenance_columns(parts: Sequence[Provenanced], seeds: Sequence[int | None],
                       code: np.ndarray | None, rows: int) -> dict[str, Any]:
    """The provenance columns of ``rows`` rows whose parameter is ``parts[code[row]]``.

    ``seeds[g]`` is the seed that the rows of ``parts[g]`` used (None where they drew
    nothing); ``code`` None means one part for every row. Each text is built once per
    part and spread to the rows by their code, so a million rows cost a byte each per
    text column (and 9 bytes for the nullable ``seed``).
    """
    if len(seeds) != len(parts):
        raise ValueError(f"seeds must have one entry per part ({len(parts)}), got {len(seeds)}")
    texts = [(p.encoding, ";".join(p.sources), p.assumption) for p in parts]
    out: dict[str, Any] = {name: coded_text([t[i] for t in texts], code, rows)
                           for i, name in enumerate(("encoding", "sources", "assumption"))}
    values = np.array([0 if s is None else int(s) for s in seeds], dtype=np.int64)
    missing = np.array([s is None for s in seeds], dtype=bool)
    take = np.zeros(rows, dtype=np.int8) if code is None else code
    out["seed"] = pd.arrays.IntegerArray(values[take], missing[take])
    out["spinemets_version"] = coded_text([__version__], None, rows)
    out["data_version"] = coded_text([DATA_VERSION], None, rows)
    return out


def add_provenance(frame: pd.DataFrame, per_row: Sequence[Provenanced],
                   seeds: Sequence[int | None] | np.ndarray) -> pd.DataFrame:
    """Append the provenance columns to ``frame`` (in place) and return it.

    ``per_row`` holds the parameter of each row; ``seeds`` the seed each row used (None
    where it drew nothing).
    """
    if len(per_row) != len(frame) or len(seeds) != len(frame):
        raise ValueError(f"per_row and seeds must have one entry per row ({len(frame)}), got "
                         f"{len(per_row)} and {len(seeds)}")
    # Texts once per distinct (parameter, seed), spread to the rows by their codes.
    keyed = [(p, None if s is None else int(s)) for p, s in zip(per_row, seeds, strict=True)]
    pairs, code = group_codes(keyed, key=lambda ps: (id(ps[0]), ps[1]))
    cols = provenance_columns([p for p, _ in pairs], [s for _, s in pairs], code, len(frame))
    for name, col in cols.items():
        frame[name] = col
    return frame


def provenance(table: pd.DataFrame) -> pd.DataFrame:
    """The distinct provenance records of a result table (after concat, CSV or JSON too).

    Parameters
    ----------
    table : DataFrame
        A table returned by :func:`~spinemets.estimate`, :func:`~spinemets.estimate_total`
        or :func:`~spinemets.sensitivity`, or any concatenation of them, or such a table
        read back from CSV/JSON.

    Returns
    -------
    DataFrame
        One row per distinct ``parameter`` (with ``alternative`` where present) and
        provenance: ``parameter, encoding, sources, assumption, seed, spinemets_version,
        data_version`` and ``rows`` (how many rows of ``table`` it covers).

    Raises
    ------
    ValueError
        If ``table`` lacks the provenance columns (it is not a result table).

    Examples
    --------
    >>> import pandas as pd
    >>> import spinemets as sm
    >>> a = sm.estimate(100, "mscc_before_death")
    >>> b = sm.estimate(pd.DataFrame({"primary_site": ["breast"], "n": [50]}),
    ...                 "bone_mets_at_diagnosis")
    >>> sm.provenance(pd.concat([a, b]))[["parameter", "sources", "rows"]]
                     parameter  sources  rows
    0  bone_mets_at_diagnosis (breast)  CLIN-20     1
    1       mscc_before_death (all)  MSCC-01     1
    """
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a pandas DataFrame, got {type(table).__name__}")
    missing = [c for c in ("parameter", *PROVENANCE_COLUMNS) if c not in table.columns]
    if missing:
        raise ValueError(f"table must be a result of spinemets.estimate/estimate_total/"
                         f"sensitivity with its provenance columns; missing {missing}")
    keys = ["parameter", *(["alternative"] if "alternative" in table.columns else []),
            *PROVENANCE_COLUMNS]
    flat = table[keys].copy()
    for c in keys:
        if c != "seed":
            flat[c] = flat[c].astype(object).where(flat[c].notna(), "").astype(str)
    flat["seed"] = pd.array(flat["seed"], dtype="Int64")
    out = (flat.groupby(keys, dropna=False, sort=True, observed=True).size()
           .rename("rows").reset_index())
    return out


def write_with_sidecar(frame: pd.DataFrame, csv_path: str | Path,
                       sidecar: Mapping[str, Any]) -> tuple[Path, Path]:
    """Write ``frame`` as CSV and ``sidecar`` (plus versions and time) as JSON beside it.

    The JSON file has the CSV's name with suffix ``.json``. Returns both paths.

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> import pandas as pd
    >>> from spinemets._results import write_with_sidecar
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _, side = write_with_sidecar(pd.DataFrame({"a": [1]}), pathlib.Path(d) / "t.csv",
    ...                                  {"command": ["estimate"]})
    ...     sorted(json.loads(side.read_text()))
    ['command', 'created', 'table', 'versions']
    """
    csv_path = Path(csv_path)
    if csv_path.suffix.lower() == ".json":
        raise ValueError(f"csv_path must not end in .json (that name is the sidecar), "
                         f"got {str(csv_path)!r}")
    json_path = csv_path.with_suffix(".json")
    side = {**sidecar, "table": csv_path.name, "versions": versions(),
            "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")}
    text = json.dumps(side, indent=2, allow_nan=False, default=str)
    frame.to_csv(csv_path, index=False)
    json_path.write_text(text + "\n", encoding="utf-8")
    return csv_path, json_path


@pd.api.extensions.register_dataframe_accessor("spinemets")
class ResultAccessor:
    """``table.spinemets``: provenance, plot and display of a spinemets result table.

    Registered on every DataFrame when spinemets is imported (pandas' documented extension
    mechanism); the methods check that the table is a spinemets result.

    Examples
    --------
    >>> import spinemets as sm
    >>> res = sm.estimate([100, 200], "mscc_before_death")
    >>> res.spinemets.provenance()["rows"].tolist()
    [2]
    """

    def __init__(self, table: pd.DataFrame) -> None:
        self._table = table

    def provenance(self) -> pd.DataFrame:
        """:func:`spinemets.provenance` of this table."""
        return provenance(self._table)

    def plot(self, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """:func:`spinemets.plotting.plot_estimates` of this table; returns the Axes."""
        return plot_estimates(self._table, ax=ax, **kwargs)

    def show(self, **kwargs: Any) -> Any:
        """:func:`spinemets.show` of this table: a pandas ``Styler`` formatted by unit."""
        return show(self._table, **kwargs)
