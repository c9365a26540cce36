"""Cohort estimates: how many patients of a cohort will have (or be found to have) the outcome.

For a cohort of ``n`` with a proportion ``p`` (uncertain), the realised count is
beta-binomial; for an exposure of ``E`` person-years with a Gamma rate, it is negative
binomial. Every row reports the expected count with an interval for the *expected* count
(parameter uncertainty only: ``ci_lower``, ``ci_upper``) and a *predictive* interval for the
count that will be observed (``pi_lower``, ``pi_upper``). Exact where the model allows,
Monte Carlo (seeded only through ``rng``) where it does not.
"""

from __future__ import annotations

import functools
import numbers
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import _montecarlo, _totals, counts
from ._dask import estimate_dask, is_dask_frame, total_dask
from ._parameters import (
    UNDEFINED_HORIZON,
    parameter,
    parameter_definition,
    parameter_kind,
    parameter_sites,
)
from ._results import (
    PROVENANCE_COLUMNS,
    add_provenance,
    coded_text,
    group_codes,
    provenance_columns,
)
from ._validation import (
    MAX_EXPECTED_COUNT,
    CohortLike,
    RNGLike,
    check_confidence_level,
    check_draws,
    check_size_column,
    check_total_size,
    resolve_rng,
)
from ._values import Proportion, Rate, standard_law
from .errors import PredictionIntervalWarning, UndefinedHorizonWarning

__all__ = ["estimate", "estimate_total"]

_METHODS = ("auto", "exact", "monte_carlo")
RESULT_COLUMNS = ("outcome", "parameter", "mean", "median", "ci_lower", "ci_upper", "pi_lower",
                  "pi_upper", "confidence_level", "method", "mc_error")


@dataclass(frozen=True)
class _Outcome:
    """An outcome resolved per row: its distinct parameters and each row's index into them.

    ``dists`` are the distinct parameter objects in order of first appearance; ``code``
    gives each row's parameter (a small integer per row), None when one parameter serves
    every row. No per-row Python objects: a million rows cost a byte each.
    """

    name: str
    dists: list[Proportion | Rate]
    code: np.ndarray | None
    rows: int

    def groups(self) -> list[tuple[Proportion | Rate, slice | np.ndarray]]:
        """``(parameter, rows)`` per distinct parameter; ``rows`` is ``slice(None)`` (every
        row, in order: no copy) for a single parameter, else the row positions."""
        if self.code is None:
            return [(self.dists[0], slice(None))]
        return [(dist, np.flatnonzero(self.code == g)) for g, dist in enumerate(self.dists)]


def _check_method(method: Any) -> str:
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    return method


def check_no_collision(frame: pd.DataFrame, extra: tuple[str, ...] = ()) -> None:
    """Refuse cohort columns that a result column would overwrite (naming the first)."""
    taken = {*RESULT_COLUMNS, *PROVENANCE_COLUMNS, *extra}
    clash = [c for c in frame.columns if c in taken]
    if clash:
        raise ValueError(f"cohort column {clash[0]!r} collides with a result column of the same "
                         f"name; rename it (result columns: {', '.join(sorted(taken))})")


def cohort_frame(cohort: Any, size_column: str) -> pd.DataFrame:
    """Normalise ``cohort`` to a DataFrame with a numeric ``size_column``."""
    if isinstance(cohort, pd.DataFrame):
        if cohort.empty:
            raise ValueError(f"cohort is an empty DataFrame; give at least one row, got shape "
                             f"{cohort.shape}")
        if size_column not in cohort.columns:
            hint = (" (a Rate outcome needs person-years)" if size_column == "person_years"
                    else "")
            raise ValueError(f"cohort must have a column {size_column!r}{hint}; got columns "
                             f"{list(cohort.columns)}")
        if isinstance(cohort.columns, pd.MultiIndex):
            raise ValueError(f"cohort must have flat column names (one level), got a "
                             f"MultiIndex of {cohort.columns.nlevels} levels")
        if not cohort.columns.is_unique:
            dup = cohort.columns[cohort.columns.duplicated()][0]
            raise ValueError(f"cohort has the column {dup!r} more than once; give each column "
                             "one name")
        check_no_collision(cohort)
        return cohort.copy(deep=False)  # copy-on-write: the user's columns are shared, not copied
    if isinstance(cohort, bool):
        raise TypeError("cohort must be an int, a 1-D array of sizes or a DataFrame, got bool")
    if isinstance(cohort, numbers.Real):
        return pd.DataFrame({size_column: [cohort]})
    if isinstance(cohort, (list, tuple, np.ndarray, pd.Series)):
        arr = np.asarray(cohort)
        if arr.ndim != 1:
            raise ValueError(f"cohort array must be one-dimensional, got shape {arr.shape}")
        if arr.size == 0:
            raise ValueError(f"cohort is empty; give at least one size, got {cohort!r:.80}")
        index = cohort.index if isinstance(cohort, pd.Series) else None
        return pd.DataFrame({size_column: arr}, index=index)
    raise TypeError(f"cohort must be an int, a 1-D array of sizes or a DataFrame with a column "
                    f"{size_column!r}, got {type(cohort).__name__}")


def _warn_undefined_horizon(outcome: str, site: str | None, horizon_years: Any) -> None:
    if parameter_definition(outcome, site, horizon_years)["horizon_years"] == UNDEFINED_HORIZON:
        warnings.warn(f"parameter {outcome!r} has no defined time horizon (it is what a "
                      "citation implies, not a measured rate); use 'spinal_mets_clinical' "
                      "with primary_site and horizon_years", UndefinedHorizonWarning,
                      stacklevel=5)


def _resolve_outcome(outcome: Any, frame: pd.DataFrame, horizon_years: Any = None
                     ) -> _Outcome:
    if isinstance(outcome, (Proportion, Rate)):
        if horizon_years is not None:
            raise ValueError(f"horizon_years selects the horizon of a parameter id; with a "
                             f"{type(outcome).__name__} outcome it must be None, got "
                             f"{horizon_years!r}")
        name = outcome.label or type(outcome).__name__
        return _Outcome(name, [outcome], None, len(frame))
    if not isinstance(outcome, str):
        raise TypeError(f"outcome must be a parameter id (str), a Proportion or a Rate, got "
                        f"{type(outcome).__name__} {outcome!r}")
    sites = parameter_sites(outcome)  # raises ValueError listing ids if unknown
    if "primary_site" in frame.columns:
        # codes of the sites in order of first appearance (missing values are sites too,
        # so that they are refused below), then one parameter per distinct site
        site_code, site_values = pd.factorize(frame["primary_site"], use_na_sentinel=False)
        per_site = []
        for site in site_values:
            if not isinstance(site, str):
                raise TypeError(f"cohort column 'primary_site' must hold str, got "
                                f"{type(site).__name__} {site!r}")
            per_site.append(parameter(outcome, site, horizon_years))
            _warn_undefined_horizon(outcome, site, horizon_years)
        dists, dist_of_site = group_codes(per_site)
        return _Outcome(outcome, dists, dist_of_site[site_code], len(frame))
    if "all" not in sites and len(sites) > 1:
        raise ValueError(f"outcome {outcome!r} is given by primary site; add a "
                         f"'primary_site' column to the cohort (one of: {', '.join(sites)})")
    dist = parameter(outcome, None, horizon_years)
    _warn_undefined_horizon(outcome, None, horizon_years)
    return _Outcome(outcome, [dist], None, len(frame))


def size_column_for(outcome: Any) -> str:
    """``person_years`` for a rate outcome (a Rate or the id of a rate parameter), else ``n``.

    An unknown parameter id raises the ValueError that lists the available ones.
    """
    if isinstance(outcome, str):
        return "person_years" if parameter_kind(outcome) == "rate" else "n"
    return "person_years" if isinstance(outcome, Rate) else "n"


def _prepare(cohort: Any, outcome: Any, horizon_years: Any = None
             ) -> tuple[pd.DataFrame, str, np.ndarray, _Outcome]:
    """The cohort as a frame, its size column, the validated sizes and the resolved outcome."""
    size_column = size_column_for(outcome)
    frame = cohort_frame(cohort, size_column)
    sizes = check_size_column(frame, size_column, is_rate=size_column == "person_years")
    return frame, size_column, sizes, _resolve_outcome(outcome, frame, horizon_years)


#: Distinct sizes per kernel call in :func:`_exact_bounds` (bounds the kernels' temporary
#: arrays; a multiple of the kernels' own blocks, so results do not depend on it).
BOUNDS_CHUNK = 65_536


def _exact_bounds(dist: Proportion | Rate, tail: float, sizes: np.ndarray, method: str = "exact"
                  ) -> np.ndarray:
    """Predictive quantiles ``tail`` and ``1 - tail`` of every row (2 x rows, float).

    Exact for every law: Beta and Gamma by the beta-binomial and negative binomial kernels,
    anything else (logit-normal, products, mixtures) by the mixed-binomial/Poisson kernel.
    Each distinct size is solved once (cohort tables repeat sizes; with ``n`` log-uniform to
    10**6 a third of 10**5 rows share a size) and the kernels run on chunks of
    :data:`BOUNDS_CHUNK` sizes, so memory stays bounded; both only save work and memory, as
    the kernels work row by row. A Beta above :data:`spinemets.counts.AB_MAX` whose binomial
    limit is not certified for a row is refused under ``method="exact"`` and computed by
    quadrature of its law under ``"auto"`` (see :func:`spinemets.counts.betabinom_ppf`).
    """
    distinct, where = np.unique(sizes, return_inverse=True)
    q = np.array([[tail], [1.0 - tail]])
    out = np.empty((2, distinct.size))
    for start in range(0, distinct.size, BOUNDS_CHUNK):
        part = distinct[None, start:start + BOUNDS_CHUNK]
        out[:, start:start + part.size] = _kernel_bounds(dist, q, part, method)
    return out[:, where.reshape(-1)]


def _kernel_bounds(dist: Proportion | Rate, q: np.ndarray, sizes: np.ndarray, method: str
                   ) -> np.ndarray:
    if isinstance(dist, Rate):
        if dist.is_gamma:
            return counts.poisson_gamma_ppf(q, dist.shape, dist.inverse_scale, sizes)
        return counts.mixed_poisson_ppf(q, sizes, dist.dist)
    if dist.is_beta:
        return counts.betabinom_ppf(q, sizes, dist.a, dist.b, uncertified="raise" if
                                    method == "exact" else "quadrature")
    return counts.mixed_binomial_ppf(q, sizes, dist.dist)


def _has_exact(dist: Proportion | Rate) -> bool:
    """Laws the exact engine covers (:func:`spinemets._values.standard_law`): plain Beta and
    Gamma, logit-normal, and mixtures and products of them. Other laws (a Beta with ``loc``
    or ``scale``, another scipy family) go to Monte Carlo, and ``method="exact"`` refuses them.
    """
    return standard_law(dist.dist) is not None


def _check_exact_covers(dists: list[Proportion | Rate], method: str) -> None:
    """``method="exact"`` with a law the exact engine does not cover: say so."""
    if method != "exact":
        return
    for dist in dists:
        if not _has_exact(dist):
            raise ValueError(
                f"method='exact' covers plain Beta and Gamma laws (loc 0; a Beta's scale 1), "
                f"logit-normal laws and mixtures and products of them; outcome "
                f"{dist.label or type(dist).__name__!r} is {dist._provenance()['distribution']}:"
                " use method='auto' or 'monte_carlo' (Monte Carlo), or rebuild it with "
                "Proportion.beta / Rate.gamma")


def _check_expected_counts(dist: Proportion | Rate, sizes: np.ndarray, upper: float) -> None:
    """Refuse a Rate whose counts would exceed :data:`MAX_EXPECTED_COUNT` (before any work)."""
    if not isinstance(dist, Rate) or sizes.size == 0:
        return
    top = float(sizes.max()) * max(float(upper), dist.mean)
    if not top <= MAX_EXPECTED_COUNT:
        raise ValueError(
            f"cohort 'person_years' times the rate gives counts up to {top:.3g}, above the "
            f"limit {MAX_EXPECTED_COUNT:.3g}; check the units (person-years, and a rate per "
            f"person-year, not per 100,000) or split the exposure")


def _sampler(dist: Proportion | Rate):
    if isinstance(dist, Rate):
        return lambda g, size, lam: g.poisson(size * lam)
    return lambda g, size, p: g.binomial(size, p)


def _group_rows(dist: Proportion | Rate, sizes: np.ndarray, level: float, method: str,
                draws: int, rng: np.random.Generator,
                progress: _montecarlo.ProgressBar | None = None
                ) -> tuple[dict[str, np.ndarray], str]:
    """The numeric result columns of rows that share ``dist``, and the method used.

    The predictive bounds come first, so that the kernels' temporaries are freed before
    the other columns exist (the peak memory of a large table).
    """
    tail = (1 - level) / 2
    p_lo, p_med = (float(x) for x in dist.ppf([tail, 0.5]))
    p_hi = float(dist.dist.isf(tail))  # finite for levels within 1e-16 of 1
    _check_expected_counts(dist, sizes, p_hi)
    out: dict[str, np.ndarray] = {}
    if method != "monte_carlo" and _has_exact(dist):
        used = "exact"
        bounds = _exact_bounds(dist, tail, sizes, method)
        out["pi_lower"], out["pi_upper"] = bounds[0], bounds[1]
        out["mc_error"] = np.zeros(sizes.shape)
    else:
        used = "monte_carlo"
        # streams of the seed and the stratum's content: not of its row position (issue 16)
        param_draws = _montecarlo.parameter_draws(dist, draws, rng)
        sim = _montecarlo.mc_quantiles(sizes, param_draws, _sampler(dist),
                                      np.array([tail, 1 - tail]), rng, progress=progress,
                                      key=_montecarlo.parameter_key(dist))
        out["pi_lower"], out["pi_upper"] = sim.values[:, 0], sim.values[:, 1]
        out["mc_error"] = sim.error.max(axis=1)
    out["mean"] = sizes * dist.mean
    out["median"] = sizes * p_med
    out["ci_lower"] = sizes * p_lo
    out["ci_upper"] = sizes * p_hi
    if used == "monte_carlo":
        _warn_narrow_prediction(out, sizes, draws, level)
    return out, used


def _warn_narrow_prediction(cols: dict[str, np.ndarray], sizes: np.ndarray, draws: int,
                            level: float) -> None:
    """PredictionIntervalWarning where a simulated predictive interval is narrower than the
    interval of the expected count beyond its rounding to whole counts and its own Monte
    Carlo error: too few draws for the confidence level (issue 16)."""
    err = cols["mc_error"]
    narrow = ((cols["pi_lower"] - err > np.ceil(cols["ci_lower"]))
              | (cols["pi_upper"] + err < np.floor(cols["ci_upper"])))
    if narrow.any():
        i = int(np.flatnonzero(narrow)[0])
        warnings.warn(
            f"{int(narrow.sum())} Monte Carlo predictive interval(s) are narrower than the "
            f"interval of the expected count even allowing for their Monte Carlo error "
            f"(+-{err[i]:g}), e.g. size {sizes[i]:g}: predictive "
            f"[{cols['pi_lower'][i]:g}, {cols['pi_upper'][i]:g}], expected count "
            f"[{cols['ci_lower'][i]:.6g}, {cols['ci_upper'][i]:.6g}]; {draws:,} draws are too "
            f"few for confidence_level {level:g}: increase draws (or use method='exact')",
            PredictionIntervalWarning, stacklevel=3)


def estimate(cohort: CohortLike, outcome: str | Proportion | Rate, confidence_level: float = 0.95,
             method: str = "auto", draws: int = 10_000, rng: RNGLike = None, *,
             progress: bool = False, horizon_years: float | None = None) -> pd.DataFrame:
    """Expected and predictive counts of an outcome in a cohort, one row per stratum.

    Parameters
    ----------
    cohort : int, 1-D array of ints, or DataFrame
        Cohort size(s); for a :class:`Rate` outcome, person-years of exposure (then
        non-integer values are allowed). A DataFrame needs a column ``n`` (``person_years``
        for a Rate outcome) and may have ``primary_site`` (used to pick the parameter) and
        any other columns, which are carried through untouched with the index. A
        ``dask.dataframe.DataFrame`` gives a lazy Dask frame (README, "Scaling out with Dask").
    outcome : str, Proportion or Rate
        A parameter id (see :func:`spinemets.parameters`) or a distribution you built
        (then it applies to every row).
    confidence_level : float in (0, 1), default 0.95
        Coverage of both intervals.
    method : {"auto", "exact", "monte_carlo"}
        ``auto`` and ``exact`` compute the predictive interval exactly (to the integer,
        deterministically) for every law the exact engine covers: beta-binomial or negative
        binomial for a plain Beta or Gamma, the mixed binomial/Poisson kernel of
        :mod:`spinemets.counts` for logit-normal pooled proportions, products ``p1 * p2``
        and mixtures of covered laws. Any other scipy law (a Beta with ``loc``/``scale``,
        another family) is simulated under ``auto`` (the ``method`` column says
        ``monte_carlo``) and refused by ``exact``. ``monte_carlo`` simulates every row
        (seeded through ``rng``). A Beta with ``a + b`` above
        :data:`spinemets.counts.AB_MAX` (10**8) is taken as a fixed proportion where a bound
        certifies the integer; rows it cannot certify (large ``n``) are refused by
        ``exact`` and computed by quadrature of the Beta law under ``auto``.
    draws : int, default 10_000
        Monte Carlo draws (only used by the Monte Carlo route), 100 to 10,000,000.
    rng : None, int or numpy.random.Generator
        Randomness for the Monte Carlo route; the exact route uses none. The seed actually
        used is recorded in the ``seed`` column.
    progress : bool, default False
        Show a progress bar on standard error while the Monte Carlo route runs.
    horizon_years : float, optional
        For a parameter given by time horizon (a cumulative incidence such as
        ``spinal_mets_clinical``), the years of follow-up after diagnosis. Default: the
        only horizon the parameter has for the site.

    Returns
    -------
    pandas.DataFrame
        The cohort's own columns, then ``outcome`` (the parameter id or label),
        ``parameter`` (the distribution's label, with site), ``mean`` (expected count),
        ``median`` (median of the expected count), ``ci_lower``, ``ci_upper`` (interval of
        the expected count: parameter uncertainty only), ``pi_lower``, ``pi_upper``
        (predictive interval of the observed count), ``confidence_level``, ``method``
        (``exact`` or ``monte_carlo``) and ``mc_error`` (95% Monte Carlo half-width of the
        predictive bounds, 0 for exact rows), then the provenance columns ``encoding,
        sources, assumption, seed, spinemets_version, data_version`` (see
        :func:`spinemets.provenance`): ordinary columns, so they survive ``pd.concat``, CSV
        and JSON. ``seed`` is the seed of the Monte Carlo rows (generated and recorded when
        ``rng`` is None; ``rng=seed`` re-runs them exactly) and empty for exact rows.
        The text columns (``outcome``, ``parameter``, ``method`` and the provenance texts)
        are categorical, a byte a row (``method``'s categories are always ``exact`` and
        ``monte_carlo``); the cohort's columns are shared copy-on-write, not copied.

    Raises
    ------
    ValueError
        Unknown outcome, primary site or horizon (the message lists what is available);
        negative, non-integer or NaN sizes; empty cohort; missing ``n`` column; bad method;
        ``method="exact"`` for a law the exact engine does not cover; a cohort column named
        like a result column; sizes, rows or draws above the limits of
        ``spinemets._validation`` (``MAX_COUNT``, ``MAX_PERSON_YEARS``, ``MAX_ROWS``,
        ``MAX_DRAWS``) or counts above ``MAX_EXPECTED_COUNT``.

    Warns
    -----
    spinemets.UndefinedHorizonWarning
        The outcome is a cumulative parameter whose horizon is undefined
        (``spinal_mets_lifetime``).
    TypeError
        Wrong types of cohort or outcome.

    Examples
    --------
    >>> import pandas as pd
    >>> import spinemets as sm
    >>> cohort = pd.DataFrame({"primary_site": ["breast", "prostate"], "n": [1200, 800]})
    >>> res = sm.estimate(cohort, "bone_mets_at_diagnosis")
    >>> res[["primary_site", "n", "method"]].values.tolist()
    [['breast', 1200, 'exact'], ['prostate', 800, 'exact']]
    >>> bool((res["pi_lower"] <= res["mean"]).all() and (res["mean"] <= res["pi_upper"]).all())
    True

    Lung cancer patients diagnosed with spinal metastases within 10 years:

    >>> lung = sm.estimate(pd.DataFrame({"primary_site": ["lung"], "n": [1000]}),
    ...                    "spinal_mets_clinical", horizon_years=10)
    >>> round(float(lung["mean"].iloc[0]))
    103
    """
    if is_dask_frame(cohort):  # a lazy Dask frame, partition by partition: see _dask
        pandas_path = (estimate if horizon_years is None
                       else functools.partial(estimate, horizon_years=horizon_years))
        return estimate_dask(pandas_path, cohort, outcome, confidence_level, method, draws, rng)
    level = check_confidence_level(confidence_level)
    method = _check_method(method)
    draws = check_draws(draws)
    generator, seed = resolve_rng(rng)
    frame, size_column, sizes, resolved = _prepare(cohort, outcome, horizon_years)
    _check_exact_covers(resolved.dists, method)
    simulated = [method == "monte_carlo" or (method == "auto" and not _has_exact(d))
                 for d in resolved.dists]
    cols, used = _numeric_columns(resolved, sizes, level, method, draws, generator, simulated,
                                  progress)
    del sizes  # the validated sizes: not needed past here (the peak memory of a big table)
    rows, code = resolved.rows, resolved.code
    head = {"outcome": coded_text([resolved.name], None, rows),
            "parameter": coded_text([d.label or resolved.name for d in resolved.dists], code,
                                    rows)}
    tail = {key: (np.full(rows, level) if key == "confidence_level" else
                  _method_column(used, code, rows) if key == "method" else cols.pop(key))
            for key in RESULT_COLUMNS[2:]}
    tail.update(provenance_columns(resolved.dists, [seed if s else None for s in simulated],
                                   code, rows))
    # Columns as built, without copies (copy=False keeps each array its own block; concat
    # along the columns shares the cohort's columns copy-on-write).
    result = pd.concat([frame, pd.DataFrame(head, index=frame.index, copy=False),
                        pd.DataFrame(tail, index=frame.index, copy=False)], axis=1)
    if not isinstance(frame[size_column].dtype, np.dtype):  # e.g. Int64: plain, as promised
        result[size_column] = frame[size_column].to_numpy()
    own = [c for c in frame.columns if c != size_column]
    return result[[*own, *head, size_column, *tail]]


#: The categories of the ``method`` column (fixed, so that tables concatenate as categories).
METHODS_USED = ("exact", "monte_carlo")


def _method_column(used: list[str], code: np.ndarray | None, rows: int) -> pd.Categorical:
    """The ``method`` column: ``used[code[row]]`` per row, a categorical of
    :data:`METHODS_USED` (one byte a row)."""
    per_group = np.array([METHODS_USED.index(u) for u in used], dtype=np.int8)
    codes = np.full(rows, per_group[0]) if code is None else per_group[code]
    return pd.Categorical.from_codes(codes, categories=list(METHODS_USED))


def _numeric_columns(resolved: _Outcome, sizes: np.ndarray, level: float, method: str,
                     draws: int, generator: np.random.Generator, simulated: list[bool],
                     progress: bool) -> tuple[dict[str, np.ndarray], list[str]]:
    """The numeric columns of every row (:func:`_group_rows` per parameter) and the method
    each parameter used."""
    groups = resolved.groups()
    mc_rows = sum(sizes.size if isinstance(rows, slice) else rows.size
                  for (_, rows), sim in zip(groups, simulated, strict=True) if sim)
    bar = _montecarlo.ProgressBar(mc_rows, enabled=bool(progress and mc_rows))
    cols: dict[str, np.ndarray] = {}
    used = []
    for dist, rows in groups:
        part, how = _group_rows(dist, sizes[rows], level, method, draws, generator, bar)
        used.append(how)
        if isinstance(rows, slice):  # every row, in order: no copy
            return part, used
        for key, val in part.items():
            cols.setdefault(key, np.empty(sizes.size))[rows] = val
        del part
    return cols, used


def estimate_total(cohort: CohortLike, outcome: str | Proportion | Rate,
                   confidence_level: float = 0.95, method: str = "auto", draws: int = 20_000,
                   rng: RNGLike = None) -> pd.DataFrame:
    """The expected and predictive count summed over all strata of a cohort, in one row.

    Strata that use the same parameter share its uncertainty: the total is not a sum of
    independent intervals. How the parameters of different strata depend on each other is
    decided by one rule (documented in ``spinemets._totals``): parameters with identical
    laws that rest on the same evidence (the same evidence row, or one figure quoted for
    several sites by one publication — e.g. bone metastases at autopsy, "65-75%" for both
    breast and prostate) are **one draw**; parameters with different laws that rest on the
    same evidence row are drawn **comonotone** (the same quantile of each law); all others
    are **independent**. The ``dependence`` column says which assumption was used and how
    the total was computed:

    ``one parameter (exact)`` / ``shared evidence: one draw (exact)``
        One parameter for the whole total: the predictive law of the summed size
        (beta-binomial or negative binomial), as in :func:`estimate`.
    ``independent parameters (exact convolution)``
        (``shared evidence: one draw (exact convolution)`` when identical parameters were
        merged first.) Independent Beta / Gamma parameters: the total's predictive pmf is
        the convolution of the parameters' pmfs (FFT for large supports), so
        ``pi_lower``/``pi_upper`` are its exact discrete quantiles and ``mean`` is exact.
        ``median``/``ci_*`` (the law of the expected total, a sum of scaled independent
        laws) come from a numerical convolution on a grid and are within 0.0005 standard
        deviations of the expected total (a deterministic bound: grid step
        ``h = 0.001 sd / K``, error ``<= K h / 2`` for ``K`` parameters).
    ``... (Monte Carlo)``
        Joint simulation (``draws`` draws, seeded through ``rng``, the seed recorded):
        comonotone parameters with different laws, laws without a closed-form pmf (e.g.
        logit-normal) among several parameters, ``method="monte_carlo"``, or — said in
        the column — a total whose pmf would need more than 10,000,000 points.

    Parameters are as for :func:`estimate` (a Dask frame gives a lazy one-row Dask frame:
    sums per site on the partitions, then this path); ``draws`` defaults to 20,000. With
    ``method="exact"`` a total that needs Monte Carlo raises ValueError.

    Returns
    -------
    pandas.DataFrame
        One row: ``outcome, parameter, n`` (or ``person_years``), ``strata, mean, median,
        ci_lower, ci_upper, pi_lower, pi_upper, confidence_level, method`` (``exact`` or
        ``monte_carlo``), ``mc_error``, ``dependence``, then the provenance columns (the
        parameters' texts joined; ``seed`` only when the total was simulated).

    Raises
    ------
    ValueError
        As for :func:`estimate`; also ``method="exact"`` for a total that has no exact route.

    Examples
    --------
    >>> import pandas as pd
    >>> import spinemets as sm
    >>> cohort = pd.DataFrame({"hospital": ["A", "B", "C"], "n": [300, 500, 200]})
    >>> tot = sm.estimate_total(cohort, "mscc_before_death")
    >>> tot[["n", "strata", "method", "dependence"]].values.tolist()
    [[1000, 3, 'exact', 'one parameter (exact)']]
    >>> by_site = pd.DataFrame({"primary_site": ["breast", "prostate", "lung"],
    ...                         "n": [1200, 800, 500]})
    >>> sm.estimate_total(by_site, "bone_mets_at_diagnosis")["dependence"][0]
    'independent parameters (exact convolution)'
    >>> sm.estimate_total(by_site, "bone_mets_autopsy")["dependence"][0]
    'shared evidence: one draw (exact convolution)'
    """
    if is_dask_frame(cohort):  # sums per site on the partitions, then this path: see _dask
        return total_dask(estimate_total, cohort, outcome, confidence_level, method, draws, rng)
    level = check_confidence_level(confidence_level)
    method = _check_method(method)
    draws = check_draws(draws)
    generator, seed = resolve_rng(rng)
    frame, size_column, sizes, resolved = _prepare(cohort, outcome)
    groups = resolved.groups()
    _check_exact_covers(resolved.dists, method)
    group_sizes = np.array([sizes[rows].sum() for _, rows in groups])
    check_total_size(float(np.sum(sizes, dtype=float)), size_column)
    if size_column == "n":
        group_sizes = group_sizes.astype(np.int64)
    labels = "; ".join(sorted({d.label or resolved.name for d, _ in groups}))
    row: dict[str, Any] = {"outcome": resolved.name, "parameter": labels,
                           size_column: sizes.sum(), "strata": len(frame)}
    row.update(_total_columns([d for d, _ in groups], group_sizes, level, method, draws,
                              generator))
    row["confidence_level"] = level
    ordered = ["outcome", "parameter", size_column, "strata", *RESULT_COLUMNS[2:],
               "dependence"]
    out = pd.DataFrame([{k: row[k] for k in ordered}])
    dists = [d for d, _ in groups]
    joined = dists[0] if len(dists) == 1 else _Joined(dists)
    return add_provenance(out, [joined], [seed if row["method"] == "monte_carlo" else None])


def _total_columns(dists: list[Proportion | Rate], group_sizes: np.ndarray, level: float,
                   method: str, draws: int, generator: np.random.Generator) -> dict[str, Any]:
    """The statistical columns and ``dependence`` of :func:`estimate_total`."""
    linked = _totals.link_parameters(dists, group_sizes)
    assumption = linked.assumption()
    if len(linked.dists) == 1 and method != "monte_carlo":
        size = group_sizes.sum()
        part, used = _group_rows(linked.dists[0], np.array([size]), level, method, draws,
                                 generator)
        cols = {**{k: float(v[0]) for k, v in part.items()}, "method": used}
        how = "exact" if cols["method"] == "exact" else "Monte Carlo"
        return {**cols, "dependence": f"{assumption} ({how})"}
    reason = None
    if method == "monte_carlo":
        reason = ""
    elif linked.comonotone:
        reason = ""  # parameters with different laws drawn together: simulated
    else:
        no_pmf = [d for d in linked.dists if not _totals.has_pmf(d)]
        if no_pmf:
            reason = f"{no_pmf[0].dist.dist.name} law has no closed-form count pmf"
        elif _totals.support_size(linked.dists, linked.sizes) > _totals.MAX_SUPPORT:
            reason = f"support of the total above {_totals.MAX_SUPPORT:,} points"
    if reason is None:
        res = _totals.exact_total(linked.dists, linked.sizes, level)
        return {**res.columns(), "dependence": f"{assumption} (exact convolution)"}
    if method == "exact":
        why = reason or "parameters with different laws rest on the same evidence"
        raise ValueError(f"method='exact' needs independent Beta/Gamma parameters (or one "
                         f"parameter) for a total; here the {why}: use method='auto' or "
                         "'monte_carlo'")
    res = _totals.joint_monte_carlo(linked, level, draws, generator)
    how = f"Monte Carlo: {reason}" if reason else "Monte Carlo"
    return {**res.columns(), "dependence": f"{assumption} ({how})"}


@dataclass(frozen=True)
class _Joined:
    """The provenance of a total over several parameters: their texts joined."""

    parts: list[Proportion | Rate]

    @property
    def encoding(self) -> str:
        return " + ".join(p.encoding for p in self.parts)

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s for p in self.parts for s in p.sources))

    @property
    def assumption(self) -> str:
        texts = dict.fromkeys(f"{p.label}: {p.assumption}" for p in self.parts)
        return " | ".join(texts)
