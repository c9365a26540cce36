"""Two-level laws of weekly MRI demand: the catchment's uncertain rates, then chance.

Planning has two levels of randomness. The catchment's true yearly rates and the yields of
its referrals are unknown but fixed (the *outer* level, ``theta``); given them, the scans in
each week are Poisson with mean ``mu(theta)`` (the *inner* level; sums of independent
Poisson streams stay Poisson). Every planning answer follows from the law of ``mu``:

* the share of weeks over a capacity ``c`` in a catchment with mean ``mu`` is exactly
  ``P(Poisson(mu) > c)``, increasing in ``mu``;
* so the **assurance** ``P(share of weeks over c <= 1 - s)`` is ``P(mu <= mu*(c, s))`` with
  ``mu*`` the Poisson mean at which ``P(Poisson(mu*) <= c) = s`` (an inverse regularised
  incomplete gamma function) — one evaluation of the CDF of ``mu``;
* the fewest slots meeting service level ``s`` with assurance ``A`` is the ``s``-quantile of
  ``Poisson(m_A)``, ``m_A`` the ``A``-quantile of ``mu``;
* the **expected share of weeks over c** (averaged over the uncertainty) is the mixed-Poisson
  tail, computed by the package's count engine :func:`spinemets.counts.mixed_poisson_cdf`.

:class:`WeeklyMeanLaw` is the law of ``mu = shift(Y) + a(Y) L1 + b(Y) L2`` for at most two
independent Gamma rates ``L1``, ``L2`` and yields ``Y`` given by quadrature nodes: Gauss
quadrature over the yields and ``L1``, the CDF of ``L2`` in closed form. No simulation and
no seed: the answers are the same on every run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize, special, stats

from ..counts import mixed_poisson_cdf

__all__ = [
    "GammaRate",
    "WeeklyMeanLaw",
    "poisson_mean_at_level",
    "two_level_slots",
    "yield_nodes",
]

_L1_NODES = 64
_G_NODES = 96


@dataclass(frozen=True)
class GammaRate:
    """Expected cases a year: fixed (``shape`` None) or Gamma with ``mean`` and ``shape``.

    Examples
    --------
    >>> from spinemets._planning._laws import GammaRate
    >>> GammaRate(80.0, 16.0).var
    400.0
    """

    mean: float
    shape: float | None

    @property
    def var(self) -> float:
        """Variance (0 when fixed)."""
        return 0.0 if self.shape is None or self.mean == 0 else self.mean**2 / self.shape

    @property
    def random(self) -> bool:
        """True when the rate is uncertain (Gamma with positive mean)."""
        return self.shape is not None and self.mean > 0

    def cdf(self, x: Any) -> np.ndarray:
        """P(rate <= x)."""
        x = np.asarray(x, dtype=float)
        if not self.random:
            return (x >= self.mean).astype(float)
        with np.errstate(over="ignore"):  # a huge x: the CDF is 1
            return special.gammainc(self.shape, np.maximum(x, 0.0) * self.shape / self.mean)

    def sf(self, x: Any) -> np.ndarray:
        """P(rate > x)."""
        x = np.asarray(x, dtype=float)
        if not self.random:
            return (x < self.mean).astype(float)
        with np.errstate(over="ignore"):  # a huge x: the tail is 0
            return special.gammaincc(self.shape, np.maximum(x, 0.0) * self.shape / self.mean)

    def ppf(self, q: Any) -> np.ndarray:
        """Quantile."""
        q = np.asarray(q, dtype=float)
        if not self.random:
            return np.full(q.shape, self.mean)
        return special.gammaincinv(self.shape, q) * self.mean / self.shape

    def score_quantile(self, t: Any) -> np.ndarray:
        """Quantile at normal score ``t`` (``ppf(Phi(t))``, accurate in both tails)."""
        t = np.asarray(t, dtype=float)
        if not self.random:
            return np.full(t.shape, self.mean)
        lower = special.gammaincinv(self.shape, special.ndtr(np.minimum(t, 0.0)))
        upper = special.gammainccinv(self.shape, special.ndtr(-np.maximum(t, 0.0)))
        return np.where(t < 0, lower, upper) * self.mean / self.shape


def yield_nodes(y: Any, n: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Quadrature nodes and weights over a yield: a number (one node) or a Proportion.

    A Beta with ``a + b <= 200`` uses Gauss–Jacobi nodes (exact for polynomials in the
    yield); any other law Gauss–Legendre nodes on its quantile function.

    Examples
    --------
    >>> from spinemets._planning._laws import yield_nodes
    >>> import spinemets as sm
    >>> x, w = yield_nodes(sm.Proportion.beta(8, 12))
    >>> round(float((x * w).sum()), 12)      # the Beta mean 8/20
    0.4
    >>> yield_nodes(0.5)
    (array([0.5]), array([1.]))
    """
    if not hasattr(y, "ppf"):
        return np.array([float(y)]), np.array([1.0])
    if getattr(y, "is_beta", False) and y.a + y.b <= 200:
        x, w = special.roots_jacobi(n, y.b - 1.0, y.a - 1.0)
        return (1.0 + x) / 2.0, w / w.sum()
    x, w = special.roots_legendre(max(n, 24))
    return np.asarray(y.ppf((1.0 + x) / 2.0), dtype=float), w / w.sum()


def poisson_mean_at_level(capacity: Any, level: float) -> np.ndarray:
    """The Poisson mean ``m`` at which ``P(Poisson(m) <= capacity) = level``.

    A catchment whose expected weekly demand is below ``m`` has a share of weeks over
    ``capacity`` below ``1 - level``.

    Examples
    --------
    >>> from scipy import stats
    >>> from spinemets._planning._laws import poisson_mean_at_level
    >>> m = float(poisson_mean_at_level(7, 0.95))
    >>> round(float(stats.poisson.cdf(7, m)), 12)
    0.95
    """
    c = np.floor(np.asarray(capacity, dtype=float))
    return special.gammainccinv(c + 1.0, level)


def two_level_slots(mean_quantile: float, level: float) -> int:
    """Fewest slots ``c`` with ``P(Poisson(mean_quantile) <= c) >= level``.

    Used with ``mean_quantile`` the assurance-quantile of the weekly mean: the catchment is
    then at or below that mean with probability ``assurance`` and, there, the share of weeks
    over ``c`` is at most ``1 - level``.

    Examples
    --------
    >>> from spinemets._planning._laws import two_level_slots
    >>> two_level_slots(3.894, 0.95)
    7
    """
    if mean_quantile <= 0:
        return 0
    c = int(stats.poisson.ppf(level, mean_quantile))
    # guard scipy's rounding: smallest c meeting the level exactly
    while c > 0 and special.gammaincc(c, mean_quantile) >= level:
        c -= 1
    while special.gammaincc(c + 1.0, mean_quantile) < level:
        c += 1
    return c


class WeeklyMeanLaw:
    """Law of the expected weekly scans ``mu`` over uncertainty about the catchment.

    ``mu = shift_n + a_n L1 + b_n L2`` with probability ``weights_n`` over yield nodes ``n``;
    ``L1``, ``L2`` independent :class:`GammaRate` (either may be fixed). Exposes ``cdf``,
    ``sf``, ``ppf``, ``isf`` and ``support`` so the count engines in
    :mod:`spinemets.counts` accept it as the law of a Poisson rate.

    Parameters
    ----------
    rates : sequence of GammaRate
        One or two rates (cases a year).
    multipliers : array (nodes, len(rates))
        Weekly scans per unit of each rate at each yield node.
    weights : array (nodes,)
        Probabilities of the yield nodes (sum 1).

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import stats
    >>> from spinemets._planning._laws import GammaRate, WeeklyMeanLaw
    >>> law = WeeklyMeanLaw([GammaRate(4.0, 16.0)], np.array([[1.0]]), np.array([1.0]))
    >>> round(float(law.cdf(4.0)), 10) == round(float(stats.gamma(16, scale=0.25).cdf(4)), 10)
    True
    """

    def __init__(self, rates: Sequence[GammaRate], multipliers: np.ndarray,
                 weights: np.ndarray) -> None:
        mult = np.atleast_2d(np.asarray(multipliers, dtype=float))
        w = np.asarray(weights, dtype=float)
        if mult.shape != (len(w), len(rates)):
            raise ValueError(f"multipliers must have shape ({len(w)}, {len(rates)}), got "
                             f"{mult.shape}")
        keep = w > 1e-16
        mult, w = mult[keep], w[keep] / w[keep].sum()
        shift = np.zeros(len(w))
        rand: list[tuple[GammaRate, np.ndarray]] = []
        for j, r in enumerate(rates):
            if r.random and np.any(mult[:, j] > 0):
                rand.append((r, mult[:, j]))
            else:
                shift = shift + r.mean * mult[:, j]
        if len(rand) > 2:
            raise ValueError(f"at most two uncertain rates, got {len(rand)}")
        # the smoother (larger-shape) rate is integrated in closed form
        rand.sort(key=lambda t: -float(t[0].shape or 0.0))
        self._shift, self._w, self._rand = shift, w, rand
        self.mean = float(np.dot(w, shift) + sum(r.mean * float(np.dot(w, m))
                                                  for r, m in rand))
        # Gauss-Hermite nodes on the normal-score scale reach far into both tails
        t, v = special.roots_hermitenorm(_G_NODES)
        self._g_t, self._g_w = t, v / v.sum()
        if len(rand) == 2:
            t, v = special.roots_hermitenorm(_L1_NODES)
            self._u_w = v / v.sum()
            self._q1 = rand[1][0].score_quantile(t)

    def support(self) -> tuple[float, float]:
        """(0, inf): a rate."""
        return 0.0, float("inf")

    def _prob(self, x: Any, upper: bool) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        flat = x.ravel()
        out = np.empty(flat.shape)
        step = max(1, 400_000 // max(1, len(self._w) * (_L1_NODES if len(self._rand) == 2
                                                         else 1)))
        for i in range(0, len(flat), step):
            out[i:i + step] = self._prob_block(flat[i:i + step], upper)
        return np.clip(out, 0.0, 1.0).reshape(x.shape)

    def _prob_block(self, x: np.ndarray, upper: bool) -> np.ndarray:
        z = x[:, None] - self._shift[None, :]  # (X, N)
        if not self._rand:
            p = (z < 0) if upper else (z >= 0)
            return p.astype(float) @ self._w
        if len(self._rand) == 1:
            r, a = self._rand[0]
            inner = z / a[None, :]
            p = np.where(z < 0, 1.0 if upper else 0.0, r.sf(inner) if upper else r.cdf(inner))
            return p @ self._w
        (r2, b), (_, a) = self._rand
        rest = z[:, :, None] - a[None, :, None] * self._q1[None, None, :]  # (X, N, K)
        inner = rest / b[None, :, None]
        if upper:
            p = np.where(rest <= 0, 1.0, r2.sf(inner))
        else:
            p = np.where(rest <= 0, 0.0, r2.cdf(inner))
        return (p @ self._u_w) @ self._w

    def cdf(self, x: Any) -> np.ndarray:
        """P(mu <= x)."""
        return self._prob(x, upper=False)

    def sf(self, x: Any) -> np.ndarray:
        """P(mu > x)."""
        return self._prob(x, upper=True)

    def ppf(self, q: Any) -> np.ndarray:
        """Quantiles of ``mu`` (root of the CDF)."""
        qs = np.atleast_1d(np.asarray(q, dtype=float))
        out = np.empty(qs.shape)
        for i, qi in enumerate(qs.ravel()):
            out.ravel()[i] = self._root(qi, upper=False)
        return out.reshape(np.shape(q)) if np.ndim(q) else out[0]

    def isf(self, q: Any) -> np.ndarray:
        """Upper quantiles of ``mu``: ``x`` with ``P(mu > x) = q``."""
        qs = np.atleast_1d(np.asarray(q, dtype=float))
        out = np.array([self._root(qi, upper=True) for qi in qs.ravel()])
        return out.reshape(np.shape(q)) if np.ndim(q) else out[0]

    def _root(self, q: float, upper: bool) -> float:
        if not 0 < q < 1:
            raise ValueError(f"q must lie strictly between 0 and 1, got {q!r}")

        def f(x: float) -> float:
            return float(self.sf(x)) - q if upper else q - float(self.cdf(x))

        lo, hi = 0.0, max(self.mean, 1e-12)
        while f(hi) > 0:
            lo, hi = hi, hi * 2.0
            if hi > 1e300:  # pragma: no cover - a law with no mass
                return float("inf")
        if f(lo) <= 0:
            return lo
        return float(optimize.brentq(f, lo, hi, xtol=1e-13 * hi, rtol=4e-15))

    # ------------------------------------------------------------------ planning answers
    def assurance(self, capacity: float, level: float) -> float:
        """P(share of weeks over ``capacity`` <= 1 - ``level``) over the catchment's rates."""
        return float(self.cdf(poisson_mean_at_level(capacity, level)))

    def expected_share_over(self, capacity: Any) -> np.ndarray:
        """Expected share of weeks with demand above ``capacity`` (mixed-Poisson tail).

        ``P(Poisson(mu) > c) = P(G <= mu)`` with ``G ~ Gamma(c + 1)``, so the expectation
        over ``mu`` is ``E[P(mu >= G)]``: Gauss–Legendre on the quantiles of ``G``.
        """
        c = np.floor(np.asarray(capacity, dtype=float))
        flat = c.ravel()
        if not self._rand:  # nothing uncertain but the yields: a finite Poisson mixture
            return (stats.poisson.sf(flat[:, None], self._shift[None, :]) @ self._w
                    ).reshape(c.shape)
        out = np.empty(flat.shape)
        for i, ci in enumerate(flat):
            if ci < 0:
                out[i] = 1.0
                continue
            t = self._g_t
            g = np.where(t < 0, special.gammaincinv(ci + 1.0, special.ndtr(t)),
                         special.gammainccinv(ci + 1.0, special.ndtr(-t)))
            out[i] = float(np.dot(self._g_w, self.sf(g)))
        return out.reshape(c.shape)

    def expected_share_over_engine(self, capacity: Any) -> np.ndarray:
        """The same as :meth:`expected_share_over` by :func:`spinemets.counts.mixed_poisson_cdf`
        (the package's count engine; slower — it tabulates this law on 2001 points)."""
        return 1.0 - mixed_poisson_cdf(capacity, 1.0, self)

    def slots(self, level: float, assurance: float) -> int:
        """Fewest slots meeting ``level`` of weeks with probability ``assurance``."""
        return two_level_slots(float(self.ppf(assurance)), level)

    def share_over_quantile(self, capacity: float, q: float) -> float:
        """The ``q``-quantile, over catchments, of the share of weeks over ``capacity``."""
        return float(stats.poisson.sf(np.floor(capacity), float(self.ppf(q))))
