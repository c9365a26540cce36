"""Distributions built from other distributions: products and mixtures of parameters.

A **mixture** ``sum_i w_i F_i`` of parameter laws (:func:`mixture_dist`) is exact as it
stands: its ``cdf``, ``sf`` and ``pdf`` are the weighted sums, its mean and variance follow
from the components', its quantile is found by bisection between the components' quantiles,
and a predictive count under it is the same mixture of the components' predictive counts
(:mod:`spinemets.counts` uses that; no table is involved).

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

__all__ = ["GRID", "S_MAX", "S_POINTS", "MixtureGen", "ProductGen", "mixture_dist", "product_dist"]

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


class MixtureGen(stats.rv_continuous):
    """Law of a finite mixture ``sum_i w_i F_i`` of frozen distributions (exact).

    Built by :func:`mixture_dist`, which makes a subclass per mixture holding ``components``
    (frozen distributions) and ``weights`` (summing to 1) as class attributes.
    """

    components: tuple[Any, ...]
    weights: NDArray

    def _weighted(self, method: str, x: NDArray) -> NDArray:
        x = np.asarray(x, dtype=float)
        out = np.zeros(x.shape)
        for w, comp in zip(self.weights, self.components, strict=True):
            out = out + w * np.asarray(getattr(comp, method)(x), dtype=float)
        return out

    def _cdf(self, x: NDArray) -> NDArray:
        return self._weighted("cdf", x)

    def _sf(self, x: NDArray) -> NDArray:
        return self._weighted("sf", x)

    def _pdf(self, x: NDArray) -> NDArray:
        return self._weighted("pdf", x)

    def _invert(self, q: NDArray, upper: bool) -> NDArray:
        """``x`` with ``cdf(x) = q`` (``sf(x) = q`` if ``upper``), by bisection on the
        components' own quantiles as bracket (the mixture's lies between them)."""
        q = np.asarray(q, dtype=float)
        ends = np.array([np.asarray(c.isf(q) if upper else c.ppf(q), dtype=float)
                         for c in self.components])
        lo, hi = ends.min(axis=0), ends.max(axis=0)
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if upper:
                below = self._sf(mid) > q  # mid is below the answer
            else:
                below = self._cdf(mid) < q
            lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
            if np.all((hi - lo) <= 4 * np.finfo(float).eps * np.maximum(np.abs(hi), 1e-300)):
                break
        return 0.5 * (lo + hi)

    def _ppf(self, q: NDArray) -> NDArray:
        return self._invert(q, upper=False)

    def _isf(self, q: NDArray) -> NDArray:
        return self._invert(q, upper=True)

    def _stats(self) -> tuple[float, float, None, None]:
        means = np.array([float(c.mean()) for c in self.components])
        second = np.array([float(c.var()) for c in self.components]) + means**2
        mean = float(self.weights @ means)
        return mean, max(float(self.weights @ second) - mean * mean, 0.0), None, None

    def _rvs(self, size: Any = None, random_state: Any = None) -> NDArray:
        pick = random_state.choice(len(self.components), size=size, p=self.weights)
        out = np.zeros(np.shape(pick))
        for i, comp in enumerate(self.components):
            where = pick == i
            if np.any(where):
                out[where] = comp.rvs(size=int(where.sum()), random_state=random_state)
        return out


def mixture_dist(components: Any, weights: Any, upper: float) -> Any:
    """Frozen distribution of the mixture of frozen ``components`` with ``weights``.

    Parameters
    ----------
    components : sequence of frozen scipy distributions
        Laws on (0, ``upper``), each with ``cdf``, ``sf``, ``pdf``, ``ppf``, ``isf``,
        ``mean``, ``var`` and ``rvs``.
    weights : sequence of float
        Non-negative, summing to 1 (checked by the caller).
    upper : float
        Upper end of the support (1 for proportions, ``inf`` for rates).

    Returns
    -------
    scipy.stats frozen distribution
        Its generator is a :class:`MixtureGen` (name ``"mixture"``).

    Examples
    --------
    >>> from scipy import stats
    >>> d = mixture_dist([stats.beta(2, 8), stats.beta(8, 2)], [0.25, 0.75], 1.0)
    >>> float(d.mean())
    0.65
    >>> bool(abs(d.cdf(d.ppf(0.3)) - 0.3) < 1e-12)
    True
    """
    cls = type("MixtureGen", (MixtureGen,), {
        "components": tuple(components), "weights": np.asarray(weights, dtype=float)})
    return cls(a=0.0, b=upper, name="mixture")()
