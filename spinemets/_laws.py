"""Distributions built from other distributions: the product of independent parameters.

``X * Y`` for independent ``X`` and ``Y`` (two proportions, or a rate and a proportion) is
represented by a frozen :mod:`scipy.stats` distribution (:func:`product_dist`) whose CDF is
tabulated once and interpolated monotonically:

* on the *natural scale* of the result -- ``z = logit(x)`` for a proportion, ``z = log(x)``
  for a rate -- a grid of :data:`GRID` points spans the product's quantiles ~1e-12 to
  1 - 1e-12 (from the factors' quantiles);
* at each grid point ``P(XY <= x) = E[F_W(x / N)]`` and ``P(XY > x) = E[S_W(x / N)]`` are
  one-dimensional integrals over the factor ``N`` that is narrower on the log scale (``W`` is
  the other one), taken by the trapezoidal rule in the normal score ``s`` of ``N``
  (``N = Q_N(Phi(s))``, ``|s| <= S_MAX``, :data:`S_POINTS` points -- the integrand is a Gaussian
  weight times a smooth function, for which the rule converges geometrically);
* the normal scores ``Phi^{-1}`` of the smaller tail form a :class:`~spinemets._mixkernel.TableLaw`
  (PCHIP, monotone; linear beyond the grid, i.e. logit/log-normal tails). The distribution's
  ``cdf``, ``sf``, ``pdf``, ``ppf`` and ``isf`` are those of that table -- and the exact count
  kernel (:mod:`spinemets.counts`) uses the very same table (the generator's ``score_law``),
  so predictive counts are exact for the distribution as defined.

Mean and variance are exact (from the factors: ``E[XY] = E[X] E[Y]``,
``E[(XY)^2] = E[X^2] E[Y^2]``), not read from the table; random draws multiply draws of the
factors (the exact product law).

Examples
--------
>>> from scipy import stats
>>> d = product_dist(stats.beta(30, 70), stats.beta(20, 20), "logit")
>>> float(d.mean()) == 0.3 * 0.5
True
>>> bool(abs(d.cdf(d.ppf(0.3)) - 0.3) < 1e-12)
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import special, stats

from ._mixkernel import Scale, TableLaw, table_from_cdf

__all__ = ["GRID", "S_MAX", "S_POINTS", "ProductGen", "product_dist"]

GRID = 601  # natural-scale grid points of a product table
S_MAX = 12.0  # range of the normal score of the narrow factor (Phi(-12) = 1.8e-33)
S_POINTS = 321  # trapezoid points on [-S_MAX, S_MAX]
TAIL = 1e-12  # the grid spans the product's quantiles from about TAIL to 1 - TAIL


def _to_natural(x: NDArray, scale: Scale) -> NDArray:
    with np.errstate(divide="ignore"):
        return special.logit(x) if scale == "logit" else np.log(x)


def _from_natural(z: NDArray, scale: Scale) -> NDArray:
    return special.expit(z) if scale == "logit" else np.exp(z)


class ProductGen(stats.rv_continuous):
    """Law of the product of two independent parameters, tabulated (see the module notes).

    Built by :func:`product_dist`, which makes a subclass per product holding, as class
    attributes, ``score_law`` (the table the CDF is defined by), ``exact_mean``,
    ``exact_var`` and ``factors`` (class attributes survive scipy's freezing, which
    re-creates the generator from its constructor arguments).
    """

    score_law: TableLaw
    exact_mean: float
    exact_var: float
    factors: tuple[Any, Any]

    def _cdf(self, x: NDArray) -> NDArray:
        return self.score_law.cdf(_to_natural(x, self.score_law.scale))

    def _sf(self, x: NDArray) -> NDArray:
        return self.score_law.sf(_to_natural(x, self.score_law.scale))

    def _pdf(self, x: NDArray) -> NDArray:
        z = _to_natural(x, self.score_law.scale)
        jac = x * (1.0 - x) if self.score_law.scale == "logit" else x
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.exp(self.score_law.logpdf(z)) / jac
        return np.where(jac > 0, out, 0.0)

    def _ppf(self, q: NDArray) -> NDArray:
        return _from_natural(self.score_law.inverse(special.ndtri(q)), self.score_law.scale)

    def _isf(self, q: NDArray) -> NDArray:
        return _from_natural(self.score_law.inverse(-special.ndtri(q)), self.score_law.scale)

    def _stats(self) -> tuple[float, float, None, None]:
        return self.exact_mean, self.exact_var, None, None

    def _rvs(self, size: Any = None, random_state: Any = None) -> NDArray:
        x, y = self.factors
        return (np.asarray(x.rvs(size=size, random_state=random_state))
                * np.asarray(y.rvs(size=size, random_state=random_state)))


def _log_quantile(dist: Any, s: NDArray) -> NDArray:
    """``log Q(Phi(s))``, from the tail on the side of ``s`` (full precision)."""
    lo = np.asarray(dist.ppf(special.ndtr(np.minimum(s, 0.0))), dtype=float)
    hi = np.asarray(dist.isf(special.ndtr(-np.maximum(s, 0.0))), dtype=float)
    with np.errstate(divide="ignore"):
        return np.log(np.where(s <= 0, lo, hi))


def _log_spread(dist: Any) -> float:
    lo, hi = _log_quantile(dist, np.array([-1.0, 1.0]))
    return float(hi - lo)


def product_dist(x: Any, y: Any, scale: Scale) -> Any:
    """Frozen distribution of ``X * Y`` for independent frozen distributions ``x`` and ``y``.

    Parameters
    ----------
    x, y : frozen scipy distributions
        Laws on (0, 1) (proportions) or (0, inf) (a rate); they need ``cdf``, ``sf``,
        ``ppf``, ``isf``, ``mean``, ``var`` and ``rvs``.
    scale : {"logit", "log"}
        ``"logit"`` when the product is a proportion (both factors on (0, 1)), ``"log"`` when
        it is a rate.

    Returns
    -------
    scipy.stats frozen distribution
        Its generator is a :class:`ProductGen` (name ``"product"``).

    Examples
    --------
    >>> from scipy import stats
    >>> d = product_dist(stats.gamma(50.0, scale=1e-4), stats.beta(10, 30), "log")
    >>> round(float(d.mean()) / (50e-4 * 0.25), 12)
    1.0
    """
    # the narrower factor (log scale) is integrated over, the wider one enters by its CDF
    narrow, wide = (x, y) if _log_spread(x) <= _log_spread(y) else (y, x)
    ends = np.array([-special.ndtri(TAIL), special.ndtri(TAIL)])  # [+7.03, -7.03]
    y_lo = float(np.sum([_log_quantile(d, ends[1:])[0] for d in (x, y)]))
    y_hi = float(np.sum([_log_quantile(d, ends[:1])[0] for d in (x, y)]))
    if scale == "logit":
        y_hi = min(y_hi, -1e-15)
        z_lo = float(y_lo - np.log(-np.expm1(y_lo)))
        z_hi = float(y_hi - np.log(-np.expm1(y_hi)))
    else:
        z_lo, z_hi = y_lo, y_hi
    z = np.linspace(z_lo, z_hi, GRID)
    logs = -np.logaddexp(0.0, -z) if scale == "logit" else z  # log of the product's value
    s = np.linspace(-S_MAX, S_MAX, S_POINTS)
    weight = stats.norm.pdf(s) * (s[1] - s[0])
    log_n = _log_quantile(narrow, s)
    arg = np.exp(logs[:, None] - log_n[None, :])  # the wide factor's value: x / N
    cdf = np.asarray(wide.cdf(arg), dtype=float) @ weight
    sf = np.asarray(wide.sf(arg), dtype=float) @ weight
    law = table_from_cdf(z, cdf, sf, scale)
    mx, my = float(x.mean()), float(y.mean())
    ex2 = float(x.var()) + mx * mx
    ey2 = float(y.var()) + my * my
    mean = mx * my
    var = max(ex2 * ey2 - mean * mean, 0.0)
    cls = type("ProductGen", (ProductGen,), {
        "score_law": law, "exact_mean": mean, "exact_var": var, "factors": (x, y)})
    return cls(a=0.0, b=1.0 if scale == "logit" else np.inf, name="product")()
