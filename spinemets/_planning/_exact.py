"""The exact laws of a plan: weekly and yearly scans per stream, with no simulation.

Per stream the predictive count law is negative binomial when the yield is fixed, a
negative-binomial mixture over the yield (Gauss–Jacobi quadrature) otherwise, and a
convolution of two negative binomials for follow-up. The laws of the *expected* weekly
scans (the outer level of :mod:`spinemets._planning._laws`) and the quantiles of expected
yearly scans come from the same drivers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import optimize, special, stats

from .._totals import convolve_pmfs
from .._values import Proportion
from ._inputs import Driver
from ._laws import GammaRate, WeeklyMeanLaw, yield_nodes
from ._registry import WEEK_YEARS

__all__ = [
    "TAIL",
    "CountLaw",
    "GridCounts",
    "ScipyCounts",
    "exact_laws",
    "followup_law",
    "mean_inverse",
    "mean_laws",
    "mixed_poisson_ppf",
    "poisson_gamma",
    "ratio_quantiles",
    "stream_law",
    "sum_quantiles",
    "yearly_tail",
    "yield_quadrature",
]

#: Probability left beyond the end of a tabulated count law.
TAIL = 1e-13


class CountLaw:
    """A distribution of a whole-number count: cdf, sf, ppf, pmf on a grid."""

    def cdf(self, x: Any) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def sf(self, x: Any) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def ppf(self, q: Any) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def grid(self) -> tuple[int, np.ndarray]:  # pragma: no cover - interface
        raise NotImplementedError


class ScipyCounts(CountLaw):
    """Poisson or negative binomial, exact via scipy."""

    def __init__(self, frozen: Any) -> None:
        self.frozen = frozen

    def cdf(self, x: Any) -> np.ndarray:
        return self.frozen.cdf(x)

    def sf(self, x: Any) -> np.ndarray:
        return self.frozen.sf(x)

    def ppf(self, q: Any) -> np.ndarray:
        return self.frozen.ppf(q)

    def grid(self) -> tuple[int, np.ndarray]:
        hi = int(self.frozen.isf(TAIL)) + 1
        return 0, self.frozen.pmf(np.arange(0, hi + 1))


class GridCounts(CountLaw):
    """A count law given by its probabilities on ``lo, lo+1, ..., lo+len(pmf)-1``."""

    def __init__(self, lo: int, pmf: np.ndarray) -> None:
        pmf = np.clip(np.asarray(pmf, dtype=float), 0.0, None)
        self.lo = int(lo)
        self.pmf = pmf
        self._cum = np.minimum(np.cumsum(pmf), 1.0)
        tail = np.cumsum(pmf[::-1])[::-1]
        self._tail = np.append(tail[1:], 0.0)  # P(X > lo + i)
        self._total = float(tail[0]) if len(tail) else 0.0

    def cdf(self, x: Any) -> np.ndarray:
        x = np.floor(np.asarray(x, dtype=float))
        idx = np.clip(x - self.lo, -1, len(self.pmf) - 1).astype(int)
        out = np.where(idx < 0, 0.0, self._cum[np.maximum(idx, 0)])
        return np.where(x - self.lo >= len(self.pmf) - 1, 1.0, out)

    def sf(self, x: Any) -> np.ndarray:
        x = np.floor(np.asarray(x, dtype=float))
        idx = np.clip(x - self.lo, -1, len(self.pmf) - 1).astype(int)
        return np.where(idx < 0, 1.0, self._tail[np.maximum(idx, 0)])

    def ppf(self, q: Any) -> np.ndarray:
        q = np.asarray(q, dtype=float)
        idx = np.searchsorted(self._cum, q - 1e-12, side="left")
        return (self.lo + np.minimum(idx, len(self.pmf) - 1)).astype(float)

    def grid(self) -> tuple[int, np.ndarray]:
        return self.lo, self.pmf


def poisson_gamma(mean: float, shape: float | None, mult: float, exposure: float) -> CountLaw:
    """Poisson(mult·exposure·Λ) with Λ fixed at ``mean`` or Gamma(shape, shape/mean)."""
    mu = mean * mult * exposure
    if shape is None or mu == 0:
        return ScipyCounts(stats.poisson(mu))
    beta = shape / mean
    return ScipyCounts(stats.nbinom(shape, beta / (beta + mult * exposure)))


def yield_quadrature(y: float | Proportion) -> tuple[np.ndarray, np.ndarray]:
    """Quadrature nodes and weights over the yield's distribution (one node if fixed)."""
    if not isinstance(y, Proportion):
        return np.array([float(y)]), np.array([1.0])
    if y.is_beta and y.a + y.b <= 200:
        x, w = special.roots_jacobi(64, y.b - 1.0, y.a - 1.0)
        return (1.0 + x) / 2.0, w / w.sum()
    x, w = special.roots_legendre(96)
    return np.asarray(y.ppf((1.0 + x) / 2.0), dtype=float), w / w.sum()


def _mixture_law(mean: float, shape: float | None, mults: np.ndarray, weights: np.ndarray,
                 exposure: float) -> CountLaw:
    """Σ w_i · PoissonGamma(mean, shape, mults_i, exposure): a mixture over the yield nodes."""
    if len(mults) == 1 or mean == 0:
        return poisson_gamma(mean, shape, float(mults[0]) if mean else 0.0, exposure)
    keep = weights > 1e-18  # nodes far in the yield's tails carry no mass worth a grid point
    mults, weights = mults[keep], weights[keep]
    mu = mean * mults * exposure
    tail = np.minimum(0.5, TAIL / weights)  # each node's tail beyond hi adds < TAIL
    if shape is None:
        hi = int(np.max(stats.poisson.isf(tail, mu))) + 1
    else:
        beta = shape / mean
        p = beta / (beta + mults * exposure)
        hi = int(np.max(stats.nbinom.isf(tail, shape, p))) + 1
    n = np.arange(0, hi + 1, dtype=float)
    pmf = np.zeros(len(n))
    base = -special.gammaln(n + 1.0)
    if shape is not None:
        base = base + special.gammaln(n + shape) - special.gammaln(shape)
    step = max(1, 2_000_000 // len(n))
    for i in range(0, len(mults), step):
        sl = slice(i, i + step)
        if shape is None:
            logp = special.xlogy(n[None, :], mu[sl, None]) - mu[sl, None] + base[None, :]
        else:
            logp = (base[None, :] + shape * np.log(p[sl, None])
                    + special.xlog1py(n[None, :], -p[sl, None]))
        pmf += weights[sl] @ np.exp(logp)
    return GridCounts(0, pmf)


def _convolve(a: CountLaw, b: CountLaw) -> CountLaw:
    lo_a, pa = a.grid()
    lo_b, pb = b.grid()
    return GridCounts(lo_a + lo_b, convolve_pmfs([pa, pb]))


# --------------------------------------------------------------------------- drivers


def mean_laws(m: Driver, u: Driver, ys: dict[str, float | Proportion], c: float,
              f: float, k: float, t: float = WEEK_YEARS) -> dict[str, WeeklyMeanLaw]:
    """Laws of the expected weekly scans per stream and in total (the outer level).

    ``k`` spinal metastases without MSCC are found on emergency scans per MSCC case: they
    enter follow-up (``f (1 + k) M``) but not the urgent stream.
    """
    rm, ru = GammaRate(m.mean, m.shape), GammaRate(u.mean, u.shape)
    ye, we = yield_nodes(ys["emergency"])
    yu, wu = yield_nodes(ys["urgent"])
    e_mult = (t * c / ye)[:, None]
    u_mult = (t * c / yu)[:, None]
    fm = f * (1.0 + k)  # follow-up scans per MSCC case: the MSCC patient and the k found with it
    if ys["urgent"] is ys["emergency"]:  # one yield for both streams: the same nodes
        a, b, w_tot = t * (c / ye + fm), t * (c / ye + f), we
    else:
        a = ((t * (c / ye + fm))[:, None] + np.zeros((1, len(yu)))).ravel()
        b = ((t * (c / yu + f))[None, :] + np.zeros((len(ye), 1))).ravel()
        w_tot = (we[:, None] * wu[None, :]).ravel()
    return {
        "emergency": WeeklyMeanLaw([rm], e_mult, we),
        "urgent": WeeklyMeanLaw([ru], u_mult, wu),
        "follow_up": WeeklyMeanLaw([rm, ru], np.array([[t * fm, t * f]]), np.array([1.0])),
        "total": WeeklyMeanLaw([rm, ru], np.stack([a, b], axis=1), w_tot),
    }



def yearly_tail(drv: Driver, y: float | Proportion, mult: float) -> float:
    """Grid length of the yearly law of Poisson(mult·Λ/y): the tail rule of _mixture_law."""
    if drv.mean == 0 or mult == 0:
        return 0.0
    nodes, weights = yield_quadrature(y)
    keep = weights > 1e-18
    mults, tail = mult / nodes[keep], np.minimum(0.5, TAIL / weights[keep])
    if drv.shape is None:
        return float(np.max(stats.poisson.isf(tail, drv.mean * mults)))
    return float(np.max(stats.nbinom.isf(tail, drv.shape, drv.shape / (drv.shape
                                                                     + drv.mean * mults))))


def mixed_poisson_ppf(law: WeeklyMeanLaw, qs: list[float]) -> np.ndarray:
    """Quantiles of N ~ Poisson(mu), mu ~ ``law``: the smallest n with P(N <= n) >= q (exact)."""
    out = []
    for q in qs:
        lo, hi = 0, int(stats.poisson.isf(TAIL, float(law.isf(TAIL)))) + 1
        while lo < hi:
            mid = (lo + hi) // 2
            if 1.0 - float(law.expected_share_over(mid)) >= q - 1e-12:
                hi = mid
            else:
                lo = mid + 1
        out.append(float(lo))
    return np.array(out)


def stream_law(driver: Driver, y: float | Proportion, c: float, exposure: float) -> CountLaw:
    """Scans of an entry stream over ``exposure`` years: Poisson(c·exposure·Λ/y), exact."""
    nodes, weights = yield_quadrature(y)
    return _mixture_law(driver.mean, driver.shape, c / nodes, weights, exposure)


def _solve_quantiles(cdf: Any, qs: list[float], scale: float) -> np.ndarray:
    """Invert a continuous increasing ``cdf`` on [0, inf) at each q (bracketing by doubling)."""
    out = []
    for q in qs:
        hi = max(scale, 1e-12)
        while cdf(hi) < q:
            hi *= 2.0
        out.append(optimize.brentq(lambda x, q=q: cdf(x) - q, 0.0, hi, xtol=1e-12 * hi,
                                   rtol=1e-13))
    return np.array(out)


def ratio_quantiles(drv: Driver, y: float | Proportion, c: float,
                    qs: list[float]) -> np.ndarray:
    """Quantiles of c·Λ/y (expected scans a year), Λ Gamma or fixed, y Beta-like or fixed."""
    if drv.mean == 0:
        return np.zeros(len(qs))
    if drv.shape is None:
        if not isinstance(y, Proportion):
            return np.full(len(qs), c * drv.mean / float(y))
        # c·Λ/y <= x  <=>  y >= c·Λ/x
        return np.array([c * drv.mean / float(y.ppf(1.0 - q)) for q in qs])
    nodes, weights = yield_quadrature(y)
    gam = stats.gamma(drv.shape, scale=drv.mean / drv.shape)
    return _solve_quantiles(lambda x: float(np.dot(weights, gam.cdf(x * nodes / c))), qs,
                            c * drv.mean)


def sum_quantiles(m: Driver, u: Driver, f: float, qs: list[float]) -> np.ndarray:
    """Quantiles of f·(M + U) for independent Gamma (or fixed) M and U."""
    free = [d for d in (m, u) if d.shape is not None and d.mean > 0]
    shift = sum(d.mean for d in (m, u) if d.shape is None or d.mean == 0)
    if not free:
        return np.full(len(qs), f * shift)
    if len(free) == 1:
        return f * (shift + free[0].ppf(qs))
    a, b = free
    x, w = special.roots_legendre(128)
    a_nodes = a.ppf((1.0 + x) / 2.0)
    w = w / w.sum()
    gb = stats.gamma(b.shape, scale=b.mean / b.shape)
    return f * _solve_quantiles(lambda t: float(np.dot(w, gb.cdf(t - a_nodes))), qs,
                                a.mean + b.mean)


def followup_law(m: Driver, u: Driver, f: float, exposure: float) -> CountLaw:
    """Follow-up scans over ``exposure`` years: the convolution of f·M's and f·U's laws."""
    return _convolve(poisson_gamma(m.mean, m.shape, f, exposure),
                     poisson_gamma(u.mean, u.shape, f, exposure))


def mean_inverse(y: float | Proportion) -> float:
    """E[1/y], the expected scans per confirmed case (infinite for a Beta with a <= 1)."""
    if not isinstance(y, Proportion):
        return 1.0 / float(y)
    if y.is_beta:
        return (y.a + y.b - 1.0) / (y.a - 1.0) if y.a > 1 else float("inf")
    nodes, weights = yield_quadrature(y)
    return float(np.sum(weights / nodes))


def exact_laws(m: Driver, u: Driver, ys: dict[str, float | Proportion], c: float, f: float,
               k: float) -> tuple[dict[str, CountLaw], dict[str, CountLaw]]:
    """The weekly and the yearly count laws of each stream (and the yearly cases), exact.

    ``k`` spinal metastases without MSCC are found per MSCC case on emergency scans: with
    the MSCC case they enter follow-up.
    """
    m_treated = m.scaled(1.0 + k)  # MSCC and the metastases found with it on emergency scans
    weekly: dict[str, CountLaw] = {
        "emergency": stream_law(m, ys["emergency"], c, WEEK_YEARS),
        "urgent": stream_law(u, ys["urgent"], c, WEEK_YEARS),
        "follow_up": followup_law(m_treated, u, f, WEEK_YEARS),
    }
    yearly: dict[str, CountLaw] = {
        "emergency": stream_law(m, ys["emergency"], c, 1.0),
        "urgent": stream_law(u, ys["urgent"], c, 1.0),
        "follow_up": followup_law(m_treated, u, f, 1.0),
        "cases_emergency": poisson_gamma(m.mean, m.shape, 1.0, 1.0),
        "cases_urgent": poisson_gamma(u.mean, u.shape, 1.0, 1.0),
        "cases_total": followup_law(m_treated, u, 1.0, 1.0),
    }
    return weekly, yearly
