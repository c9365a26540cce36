"""How much the assumptions matter: :func:`sensitivity` and :func:`alternatives`.

For a named parameter, :func:`alternatives` lists the distributions obtained under each
alternative reading that its encoding registers (see :mod:`spinemets._registry`), and
:func:`sensitivity` runs the same cohort estimate under each of them, side by side.

Registered alternatives, by the parameter's encoding:

* ``range`` / ``claimed_range``: the range read as a 95%, 90% or 80% central interval,
  each with ``quantile`` and ``maxent`` fits;
* ``pooled``: REML, DerSimonian–Laird and Paule–Mandel predictive distributions, the
  REML pooled *mean* (no between-setting spread), and each single study on its own;
* ``counts``: Jeffreys prior and the uniform prior Beta(1, 1);
* ``value``: assumed effective sample sizes of a quarter, one and four times the default;
* ``rate_span``: the span read as a 95%, 90% or 80% interval;
* ``rate_cv``: coefficients of variation of half, one and twice the default;
* ``rate_counts``: the Jeffreys Gamma only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._estimate import check_no_collision, cohort_frame, estimate, size_column_for
from ._parameters import ParameterSet, shipped_parameters
from ._validation import CohortLike, RNGLike, resolve_rng
from ._values import Proportion, Rate

__all__ = ["alternatives", "sensitivity"]


def alternatives(id: str, primary_site: str | None = None, *,
                 parameter_set: ParameterSet | None = None
                 ) -> list[tuple[str, Proportion | Rate]]:
    """Alternative encodings of a named parameter, the default first.

    Parameters
    ----------
    id : str
        A parameter id.
    primary_site : str, optional
        As for :func:`spinemets.parameter`.
    parameter_set : ParameterSet, optional
        Parameters built with :func:`spinemets.build_parameters`; default: the shipped ones.

    Returns
    -------
    list of (str, Proportion or Rate)
        A short description of each alternative and its distribution. Readings that give
        the same distribution are merged into one entry whose name lists them all
        (joined by " = ").

    Examples
    --------
    >>> from spinemets._sensitivity import alternatives
    >>> for name, _ in alternatives("spinal_mets_lifetime")[:2]:
    ...     print(name)
    as catalogued (claimed_range) = range read as 95% interval, quantile
    range read as 95% interval, maxent
    """
    pset = shipped_parameters() if parameter_set is None else parameter_set
    if not isinstance(pset, ParameterSet):
        raise TypeError(f"parameter_set must be a ParameterSet (from build_parameters), got "
                        f"{type(pset).__name__}")
    return _merge_identical(pset.alternatives(id, primary_site))


def _merge_identical(options: list[tuple[str, Proportion | Rate]]
                     ) -> list[tuple[str, Proportion | Rate]]:
    """Keep one row per distinct distribution; name the readings that coincide with it
    (e.g. with two studies, REML, DL and PM can give the same between-study variance)."""
    kept: list[tuple[str, Proportion | Rate]] = []
    keys: list[tuple] = []
    for name, dist in options:
        key = (dist.dist.dist.name, *np.round(np.asarray(dist.dist.args, dtype=float), 10),
               *np.round(sorted(dist.dist.kwds.values()), 12))
        if key in keys:
            i = keys.index(key)
            kept[i] = (f"{kept[i][0]} = {name}", kept[i][1])
        else:
            keys.append(key)
            kept.append((name, dist))
    return kept


def sensitivity(cohort: CohortLike, outcome: str, confidence_level: float = 0.95,
                method: str = "auto", draws: int = 10_000, rng: RNGLike = None) -> pd.DataFrame:
    """The same cohort estimate under every registered alternative encoding.

    Parameters
    ----------
    cohort : int, 1-D array or DataFrame
        As for :func:`spinemets.estimate`; with a ``primary_site`` column, each site's
        rows are re-estimated under that site's alternatives.
    outcome : str
        A parameter id.
    confidence_level, method, draws, rng
        As for :func:`spinemets.estimate`.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`spinemets.estimate` (provenance columns included: each
        alternative's ``encoding``, ``sources`` and ``assumption``) plus ``alternative``
        (which reading) and ``is_default``. Every alternative uses the same seed (common
        random numbers), recorded in ``seed`` for the Monte Carlo rows.

    Examples
    --------
    >>> import spinemets as sm
    >>> table = sm.sensitivity(1000, "spinal_mets_lifetime")
    >>> int(table["is_default"].sum())
    1
    >>> bool((table["pi_upper"] >= table["pi_lower"]).all())
    True
    """
    if not isinstance(outcome, str):
        raise TypeError(f"outcome must be a parameter id (str), got {type(outcome).__name__}")
    frame = cohort_frame(cohort, size_column_for(outcome))
    check_no_collision(frame, ("alternative", "is_default"))
    if "primary_site" in frame.columns:
        sites = frame["primary_site"]
        bad = [s for s in pd.unique(sites) if not isinstance(s, str)]
        if bad:
            raise TypeError(f"cohort column 'primary_site' must hold str, got "
                            f"{type(bad[0]).__name__} {bad[0]!r}")
        groups = [(site, frame[frame["primary_site"] == site])
                  for site in pd.unique(frame["primary_site"])]
    else:
        groups = [(None, frame)]
    # One seed for every alternative: common random numbers, and one seed to record.
    _, seed = resolve_rng(rng)
    parts = []
    for site, rows in groups:
        for i, (name, dist) in enumerate(alternatives(outcome, site)):
            res = estimate(rows, dist, confidence_level=confidence_level, method=method,
                           draws=draws, rng=seed)
            res["outcome"] = outcome
            res.insert(res.columns.get_loc("outcome"), "alternative", name)
            res.insert(res.columns.get_loc("alternative") + 1, "is_default", i == 0)
            parts.append(res)
    return pd.concat(parts).reset_index(drop=True)
