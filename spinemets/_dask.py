"""Dask back end: estimates over partitioned tables and scenario sweeps on a Dask client.

:func:`spinemets.estimate` and :func:`spinemets.estimate_total` hand a
``dask.dataframe.DataFrame`` to this module (the dispatch is the first lines of each); the
pandas code path stays the only place where the statistics are computed, so the two paths
cannot drift apart:

* ``estimate`` maps the pandas path over the partitions (``map_partitions``). Its ``meta``
  (columns, dtypes, provenance columns) is the pandas result for a one-row probe built from
  the Dask frame's schema, so a wrong schema (missing ``n``, non-numeric sizes, unknown
  outcome, bad ``method``...) raises *when the graph is built*, with the pandas message; bad
  values (negative, fractional, NaN sizes, an unknown primary site) raise *at compute*.
* Every route is row-wise, hence identical to pandas whatever the partitioning. Exact
  rows need no randomness; Monte Carlo rows (``method="monte_carlo"``) take their streams
  from the seed and their own content only, as in pandas: the draws of a parameter come
  from ``SeedSequence(seed, spawn_key=(0, key))`` (so every partition shares them, as one
  pandas call does for all rows of a parameter: shared uncertainty stays shared) and the
  counts of a stratum of size ``n`` from ``SeedSequence(seed, spawn_key=(2, key, bits(n)))``
  (see :func:`spinemets._montecarlo.mc_quantiles`). A stratum's interval is therefore
  the pandas one, not a function of its partition, its row position or the other rows.
* ``estimate_total`` first reduces each partition to the sum of sizes per primary site (in
  order of first appearance, after checking the sizes as pandas does), then runs the pandas
  total on that small table: the same parameters, group sizes and order as the pandas path
  on the whole table, hence the same result (Monte Carlo totals too, for the same seed).

``progress`` is not used on a Dask frame (the Dask dashboard and
``distributed.progress`` show the progress of the partitions).

Dask is imported only inside these functions, and only once a Dask frame has been seen
(:func:`is_dask_frame` looks at the type's module name): ``import spinemets`` never imports
it. :func:`sweep` needs no Dask import at all (it calls the client's own ``map`` and
``gather``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._parameters import parameter_sites
from ._validation import check_size_column, resolve_rng

__all__ = ["estimate_dask", "is_dask_frame", "sweep", "total_dask"]

_SIZE_COLUMNS = ("n", "person_years")


def is_dask_frame(obj: Any) -> bool:
    """True for a ``dask.dataframe.DataFrame``, decided without importing Dask.

    Examples
    --------
    >>> import pandas as pd
    >>> from spinemets._dask import is_dask_frame
    >>> is_dask_frame(pd.DataFrame({"n": [1]}))
    False
    """
    cls = type(obj)
    return (cls.__module__.split(".")[0] == "dask" and cls.__name__ == "DataFrame"
            and hasattr(obj, "map_partitions"))


# --------------------------------------------------------------------------- schema probe


def _probe_series(name: str, value: Any, dtype: Any) -> pd.Series:
    """One value in a column of ``dtype`` (best effort: the pandas path judges the result)."""
    if isinstance(dtype, pd.CategoricalDtype):
        return pd.Series(pd.Categorical([value]), name=name)
    try:
        return pd.Series([value], dtype=object, name=name).astype(dtype)
    except (TypeError, ValueError):
        if name == "primary_site":
            raise TypeError(f"cohort column 'primary_site' must hold str, got dtype "
                            f"{dtype}") from None
        return pd.Series([value], dtype=object, name=name)


def _probe(cohort: Any, outcome: Any) -> pd.DataFrame:
    """A one-row pandas frame with the Dask frame's columns: valid sizes and primary site."""
    site = parameter_sites(outcome)[0] if isinstance(outcome, str) else "all"
    cols = []
    for name, dtype in cohort.dtypes.items():
        value: Any = 1 if name in _SIZE_COLUMNS else site if name == "primary_site" else 0
        cols.append(_probe_series(name, value, dtype))
    if not cols:
        return pd.DataFrame(index=pd.RangeIndex(1))
    return pd.concat(cols, axis=1)


def _meta(result: pd.DataFrame, cohort: Any) -> pd.DataFrame:
    """An empty frame like ``result``, with the cohort's own dtypes and unknown categories."""
    import dask.dataframe.utils as ddu  # optional extra: only once a Dask frame is given

    meta = result.iloc[:0].copy()
    own = {c: dtype for c, dtype in cohort.dtypes.items() if c in meta.columns
           and c not in _SIZE_COLUMNS}
    meta = meta.astype(own)
    meta.index = pd.Index([], dtype=cohort.index.dtype, name=cohort.index.name)
    # The provenance columns are categorical; their categories depend on the rows.
    added = [c for c in meta.columns if c not in own
             and isinstance(meta[c].dtype, pd.CategoricalDtype)]
    return ddu.clear_known_categories(meta, cols=added, index=False)


# --------------------------------------------------------------------------- estimate


def _partition_estimate(part: pd.DataFrame, pandas_estimate: Callable[..., pd.DataFrame],
                        outcome: Any, level: float, method: str, draws: int, seed: int,
                        meta: pd.DataFrame) -> pd.DataFrame:
    """The pandas estimate of one partition (its streams are the whole table's: see notes)."""
    if len(part) == 0:
        return meta
    return pandas_estimate(part, outcome, level, method, draws, rng=seed)


def estimate_dask(pandas_estimate: Callable[..., pd.DataFrame], cohort: Any, outcome: Any,
                  confidence_level: Any, method: Any, draws: Any, rng: Any) -> Any:
    """:func:`spinemets.estimate` of a Dask frame: a lazy Dask frame (see module notes).

    ``pandas_estimate`` is the pandas path (passed in by the dispatch so that this module
    stays below it). The argument checks and the schema checks run now, on a one-row probe.
    """
    _, seed = resolve_rng(rng)
    probe = pandas_estimate(_probe(cohort, outcome), outcome, confidence_level, method,
                            draws, rng=seed)
    meta = _meta(probe, cohort)
    level = float(probe["confidence_level"].iloc[0])
    func = functools.partial(_partition_estimate, pandas_estimate=pandas_estimate,
                             outcome=outcome, level=level, method=method, draws=int(draws),
                             seed=seed, meta=meta)
    return cohort.map_partitions(func, meta=meta)


# --------------------------------------------------------------------------- totals


def _partition_sums(part: pd.DataFrame, number: int, size_column: str,
                    by_site: bool) -> pd.DataFrame:
    """Sizes summed per primary site (first-appearance order) in one partition."""
    sizes = check_size_column(part, size_column, is_rate=size_column == "person_years")
    if by_site:
        codes, sites = pd.factorize(part["primary_site"].to_numpy(dtype=object),
                                    use_na_sentinel=False)
    else:
        codes = np.zeros(len(part), dtype=np.int64)
        sites = np.array(["all"] if len(part) else [], dtype=object)
    sums = pd.Series(sizes).groupby(codes).sum()
    strata = np.bincount(codes, minlength=len(sites))
    return pd.DataFrame({"partition": number, "order": np.arange(len(sites)),
                         "site": pd.Series(sites, dtype=object),
                         "size": sums.reindex(np.arange(len(sites))).to_numpy(),
                         "strata": strata})


def _finish_total(sums: list[pd.DataFrame], pandas_total: Callable[..., pd.DataFrame],
                  outcome: Any, level: float, method: str, draws: int, seed: int,
                  size_column: str, by_site: bool) -> pd.DataFrame:
    """The pandas total of the per-site sums, with ``strata`` counted over all rows."""
    table = pd.concat(sums, ignore_index=True).sort_values(["partition", "order"], kind="stable")
    if table.empty:
        raise ValueError("cohort is an empty DataFrame; give at least one row")
    codes, sites = pd.factorize(table["site"].to_numpy(dtype=object), use_na_sentinel=False)
    size = table["size"].groupby(codes).sum().to_numpy()
    reduced = pd.DataFrame({size_column: size})
    if by_site:
        reduced.insert(0, "primary_site", pd.Series(sites, dtype=object))
    out = pandas_total(reduced, outcome, level, method, draws, rng=seed)
    out["strata"] = np.int64(table["strata"].sum())
    return out


def total_dask(pandas_total: Callable[..., pd.DataFrame], cohort: Any, outcome: Any,
               confidence_level: Any, method: Any, draws: Any, rng: Any) -> Any:
    """:func:`spinemets.estimate_total` of a Dask frame: a lazy one-row Dask frame.

    Each partition is reduced to its sums of sizes per primary site; the pandas total runs
    once, on those sums (see module notes).
    """
    import dask
    import dask.dataframe as dd

    _, seed = resolve_rng(rng)
    probe = pandas_total(_probe(cohort, outcome), outcome, confidence_level, method, draws,
                         rng=seed)
    size_column = next(c for c in _SIZE_COLUMNS if c in probe.columns)
    by_site = isinstance(outcome, str) and "primary_site" in cohort.columns
    level = float(probe["confidence_level"].iloc[0])
    parts = [dask.delayed(_partition_sums)(p, i, size_column, by_site)
             for i, p in enumerate(cohort.to_delayed())]
    total = dask.delayed(_finish_total)(parts, pandas_total, outcome, level, method,
                                        int(draws), seed, size_column, by_site)
    meta = _meta(probe, cohort)
    meta.index = pd.RangeIndex(0)
    return dd.from_delayed([total], meta=meta, verify_meta=False)


# --------------------------------------------------------------------------- sweeps


def _run_scenario(func: Callable[..., Any], kwargs: Mapping[str, Any]) -> pd.DataFrame:
    result = func(**kwargs)
    if isinstance(result, pd.DataFrame):
        return result
    if hasattr(result, "to_frame"):
        frame = result.to_frame()
        if isinstance(frame, pd.DataFrame):
            return frame
    raise TypeError(f"func must return a DataFrame or an object with .to_frame() returning "
                    f"one, got {type(result).__name__}")


def sweep(func: Callable[..., Any], scenarios: Mapping[Any, Mapping[str, Any]]
          | Sequence[Mapping[str, Any]], *, client: Any = None,
          column: str = "scenario") -> pd.DataFrame:
    """Run ``func(**kwargs)`` for many scenarios (on a Dask client) into one table.

    Each scenario's result (a DataFrame, or an object with ``.to_frame()`` such as the plan
    of :func:`spinemets.plan_imaging`) becomes rows of one comparison table, with the
    scenario's name in a first column. With a Dask ``client`` the scenarios run on its
    workers (``client.map``, one task per scenario; each worker turns its result into a
    frame, so only tables travel back); without one they run here, one after the other.

    Parameters
    ----------
    func : callable
        Called as ``func(**kwargs)``, e.g. :func:`spinemets.plan_imaging`,
        :func:`spinemets.estimate_total` or :func:`spinemets.sensitivity`. It must be
        importable by the workers (a function of a module, not one defined in ``__main__``
        of an interactive session, unless the workers share it).
    scenarios : mapping of name to dict, or sequence of dicts
        The keyword arguments of each scenario; a sequence names them 0, 1, 2, ...
    client : distributed.Client, optional
        Where to run. ``None`` runs in this process (no Dask needed).
    column : str, default "scenario"
        Name of the column that holds the scenario names.

    Returns
    -------
    pandas.DataFrame
        The scenarios' tables stacked in the order given, ``column`` first.

    Raises
    ------
    TypeError
        ``func`` not callable, a scenario that is not a dict of keyword arguments, a client
        without ``map``/``gather``, or a result that is not a table.
    ValueError
        No scenarios, or ``column`` already a column of a result.

    Notes
    -----
    Give each scenario that simulates its own ``rng`` (an int) to make the sweep
    reproducible. A script that starts a ``distributed.LocalCluster`` must do so under
    ``if __name__ == "__main__":`` (worker processes are spawned and re-import the script).

    Examples
    --------
    >>> import spinemets as sm
    >>> grid = {f"{level:.0%}": {"cohort": 1000, "outcome": "mscc_before_death",
    ...                          "confidence_level": level} for level in (0.8, 0.95)}
    >>> table = sm.sweep(sm.estimate_total, grid)
    >>> table[["scenario", "n", "confidence_level"]].values.tolist()
    [['80%', 1000, 0.8], ['95%', 1000, 0.95]]
    """
    if not callable(func):
        raise TypeError(f"func must be callable (e.g. spinemets.plan_imaging), got "
                        f"{type(func).__name__} {func!r}")
    if not isinstance(column, str):
        raise TypeError(f"column must be a str, got {type(column).__name__} {column!r}")
    if isinstance(scenarios, Mapping):
        names, kwargs = list(scenarios.keys()), list(scenarios.values())
    elif isinstance(scenarios, Sequence) and not isinstance(scenarios, (str, bytes)):
        names, kwargs = list(range(len(scenarios))), list(scenarios)
    else:
        raise TypeError(f"scenarios must be a dict of name -> keyword arguments or a list of "
                        f"keyword-argument dicts, got {type(scenarios).__name__}")
    if not names:
        raise ValueError(f"scenarios is empty; give at least one scenario, got {scenarios!r}")
    for name, kw in zip(names, kwargs, strict=True):
        if not isinstance(kw, Mapping) or not all(isinstance(k, str) for k in kw):
            raise TypeError(f"scenario {name!r} must be a dict of keyword arguments, got "
                            f"{type(kw).__name__} {kw!r:.80}")
    run = functools.partial(_run_scenario, func)
    if client is None:
        frames = []
        for name, kw in zip(names, kwargs, strict=True):
            try:
                frames.append(run(kw))
            except Exception as exc:  # say which scenario failed, keep the error as it is
                exc.add_note(f"(in scenario {name!r} of sweep)")
                raise
    else:
        if not (callable(getattr(client, "map", None))
                and callable(getattr(client, "gather", None))):
            raise TypeError(f"client must be a dask.distributed Client (with map and gather), "
                            f"got {type(client).__name__}")
        frames = client.gather(client.map(run, kwargs, pure=False))
    out = []
    for name, frame in zip(names, frames, strict=True):
        if column in frame.columns:
            raise ValueError(f"column {column!r} is already a column of the results; choose "
                             f"another name with column=")
        frame = frame.copy()
        frame.insert(0, column, [name] * len(frame))
        out.append(frame)
    return pd.concat(out, ignore_index=True)
