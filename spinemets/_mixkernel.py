"""Kernel of the exact mixed-binomial and mixed-Poisson counts (private; see ``counts``).

A count ``X`` with ``X | p ~ Binomial(n, p)`` and ``p`` of *any* continuous law on (0, 1), or
``X | lam ~ Poisson(lam * E)`` with ``lam`` of any continuous law on (0, inf), has

* ``P(X <= k) = P(p < U)``, ``U ~ Beta(k + 1, n - k)`` (the (k+1)-th order statistic of ``n``
  uniforms), for ``0 <= k < n``;
* ``P(X <= k) = P(lam * E < G)``, ``G ~ Gamma(k + 1)``, for ``k >= 0``.

Both are one-dimensional integrals.  On the *natural scale* -- ``Z = logit p`` and
``V = logit U`` for proportions, ``Z = log lam`` and ``V = log G - log E`` for rates --
``P(X <= k) = P(Z < V)`` and ``P(X > k) = P(Z > V)``.

Laws enter through their normal-score map
------------------------------------------
The law of ``Z`` is represented by ``h(z) = Phi^{-1}(P(Z <= z))`` (a :class:`ScoreLaw`):
``P(Z <= z) = Phi(h(z))``, ``P(Z > z) = Phi(-h(z))`` (both tails keep full relative
precision) and the density is ``phi(h(z)) h'(z)``.  :class:`NormalLaw` is exact for a
logit-normal proportion and a log-normal rate (``h`` linear); :class:`TableLaw` holds ``h`` on a
fine grid, interpolated monotonically (PCHIP, linear beyond the grid) -- built once per
parameter from its CDF (:func:`law_from_dist`) or supplied by the distribution itself (the
product laws of :mod:`spinemets._laws` carry the very table their CDF is defined by, so the
counts are exact for them too).

Quadrature
----------
The integral is taken over the *narrower* of ``Z`` and ``V`` on the natural scale
(variance of ``V`` by trigamma functions, of ``Z`` locally as ``1 / h'(m_V)**2``):

* ``V`` narrower (large ``n`` or exposure): ``P(X <= k) = int f_V(t) Phi(h(t)) dt`` and
  ``P(X > k) = int f_V(t) Phi(-h(t)) dt``; ``f_V`` is the log-concave log density of a
  logit-Beta or log-Gamma variable, written without cancellation (so ``n = 10**9`` loses no
  digits), and only ``ndtr`` of the law is needed;
* ``Z`` narrower: ``P(X <= k) = int f_Z(z) P(V > z) dz``, ``P(X > k) = int f_Z(z) P(V <= z) dz``
  with the regularised incomplete beta or gamma function.

The integrand (a density times a CDF) is close to a skew-normal density; its centre and
scale (a Laplace-type approximation from the Gaussian approximations of both factors, the
same as in ``spinemets._bbkernel.tail_quadrature``) place :data:`NODES` Gauss-Hermite nodes.
Each tail is computed directly, never as ``1 -`` the other.

Quantiles
---------
:func:`ppf` works on all rows at once, in blocks of :data:`CHUNK` rows.  A row with
``q <= 1/2`` looks for the smallest ``k`` with ``P(X <= k) >= q``; a row with ``q > 1/2``
for the smallest ``k`` with ``P(X > k) <= 1 - q`` (``1 - q`` is exact in floating point
there), so the tail compared is always the small one.  Invariants per row, between passes:

* bracket ``lo < hi``: ``lo`` fails the test (``lo = -1`` at the start, ``CDF(-1) = 0``) and
  ``hi`` passes it (``hi = n`` for binomial rows: ``CDF(n) = 1``; ``2**53`` for Poisson rows
  until a passing point is found); ``lo`` only rises and ``hi`` only falls;
* the answer is ``hi`` once ``hi == lo + 1`` -- the search never settles a row otherwise,
  so the result is the exact smallest integer for the computed CDF;
* each pass evaluates, for every open row, a candidate ``c`` inside ``(lo, hi)`` and
  ``c - 1`` when that is inside too: the first candidate comes from a normal approximation
  on the natural scale, later ones from the secant through the last two bracket ends in
  normal-score space (``ndtri`` of the tail), with bisection when the secant leaves the
  bracket or after :data:`SECANT_PASSES` passes, and doubling while a Poisson row has no
  upper end.

Accuracy: the tails have a relative error of about 1e-12 or better against adaptive
quadrature (tested, see ``tests/test_exact_counts.py``), so a quantile can only differ from
the exactly computed one when the CDF lies within that relative distance of ``q`` -- a tie at
the 1e-12 level, not seen in the tests.

Examples
--------
>>> import numpy as np
>>> law = NormalLaw(-0.7, 0.2)
>>> lower, upper = tails(np.array([30.0]), np.array([100.0]), law, "binomial")
>>> bool(abs(lower[0] + upper[0] - 1.0) < 1e-12)
True
>>> ppf(np.array([0.025, 0.975]), np.array([100.0, 100.0]), law, "binomial")
array([21., 46.])
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from scipy import special
from scipy.interpolate import PchipInterpolator

from ._bbkernel import gauss_hermite, logit_beta_logmode, logit_beta_logpdf, stirlerr

__all__ = [
    "CHUNK",
    "NODES",
    "SECANT_PASSES",
    "NormalLaw",
    "ScoreLaw",
    "TableLaw",
    "law_from_dist",
    "ppf",
    "table_from_cdf",
    "tails",
]

Count = Literal["binomial", "poisson"]
Scale = Literal["logit", "log"]

NODES = 24  # Gauss-Hermite nodes per tail evaluation
NODES_SKEWED = 96  # nodes where the integrand is skewed (see SKEWED_BELOW)
SKEWED_BELOW = 50  # integrating over V with min(k + 1, n - k) below this: NODES_SKEWED
CHUNK = 8192  # rows per block (memory: a few arrays of CHUNK x NODES floats)
SECANT_PASSES = 30  # after this many passes a row bisects
MAX_PASSES = 200  # safety bound on the passes of one block
TABLE_POINTS = 2001  # grid points of a table built from a CDF
TABLE_TAIL = 1e-13  # a table built from a CDF spans its quantiles TABLE_TAIL .. 1 - TABLE_TAIL
_INFLATE = 1.1
LAPLACE_STEPS = 8  # Newton steps towards the mode of the integrand
_HALF_LOG_2PI = 0.5 * np.log(2.0 * np.pi)




# ------------------------------------------------------------------ laws


class ScoreLaw:
    """Law of ``Z`` (``logit p`` or ``log lam``) through ``h(z) = Phi^{-1}(P(Z <= z))``.

    Subclasses define :meth:`score`, :meth:`dscore` and :meth:`inverse`; ``scale`` is
    ``"logit"`` (a proportion) or ``"log"`` (a rate); ``centre`` and ``spread`` are the median
    of ``Z`` and half the distance between its 15.9% and 84.1% quantiles.
    """

    scale: Scale
    centre: float
    spread: float

    def score(self, z: NDArray) -> NDArray:
        """``h(z)``, the normal score of ``P(Z <= z)``."""
        raise NotImplementedError

    def dscore(self, z: NDArray) -> NDArray:
        """``h'(z) > 0``."""
        raise NotImplementedError

    def inverse(self, s: NDArray) -> NDArray:
        """The ``z`` with ``h(z) = s`` (the quantile of ``Z`` at ``Phi(s)``)."""
        raise NotImplementedError

    def cdf(self, z: NDArray) -> NDArray:
        """``P(Z <= z)``."""
        return special.ndtr(self.score(z))

    def sf(self, z: NDArray) -> NDArray:
        """``P(Z > z)``."""
        return special.ndtr(-self.score(z))

    def logpdf(self, z: NDArray) -> NDArray:
        """``log(phi(h(z)) h'(z))``."""
        h = self.score(z)
        with np.errstate(divide="ignore"):
            return -0.5 * h * h - _HALF_LOG_2PI + np.log(self.dscore(z))

    def _finish(self) -> None:
        self.centre = float(self.inverse(np.array([0.0]))[0])
        lo, hi = self.inverse(np.array([-1.0, 1.0]))
        self.spread = float(0.5 * (hi - lo))


class NormalLaw(ScoreLaw):
    """``Z ~ Normal(mu, sigma)``: a logit-normal proportion or a log-normal rate (exact).

    Examples
    --------
    >>> import numpy as np
    >>> law = NormalLaw(-0.7, 0.2)
    >>> float(law.score(np.array([-0.5]))[0].round(12))
    1.0
    """

    def __init__(self, mu: float, sigma: float, scale: Scale = "logit") -> None:
        self.mu = float(mu)
        self.sigma = float(sigma)
        self.scale = scale
        self.centre = self.mu
        self.spread = self.sigma

    def score(self, z: NDArray) -> NDArray:
        return (np.asarray(z, dtype=float) - self.mu) / self.sigma

    def dscore(self, z: NDArray) -> NDArray:
        return np.full(np.shape(z), 1.0 / self.sigma)

    def inverse(self, s: NDArray) -> NDArray:
        return self.mu + self.sigma * np.asarray(s, dtype=float)


class TableLaw(ScoreLaw):
    """``h`` tabulated on a grid and interpolated monotonically (PCHIP), linear beyond it.

    Parameters
    ----------
    z, h : array_like
        Strictly increasing grid and strictly increasing normal scores on it.
    scale : {"logit", "log"}

    Examples
    --------
    A table of a straight line reproduces the normal law:

    >>> import numpy as np
    >>> z = np.linspace(-5.0, 5.0, 101)
    >>> law = TableLaw(z, (z + 0.7) / 0.2)
    >>> float(np.round(law.inverse(np.array([1.96]))[0], 12))
    -0.308
    """

    def __init__(self, z: Any, h: Any, scale: Scale = "logit") -> None:
        z = np.asarray(z, dtype=float)
        h = np.asarray(h, dtype=float)
        if z.ndim != 1 or z.shape != h.shape or z.size < 4:
            raise ValueError(f"z and h must be 1-D of equal length >= 4, got {z.shape}, {h.shape}")
        if not (np.all(np.diff(z) > 0) and np.all(np.diff(h) > 0)):
            raise ValueError("z and h must both be strictly increasing")
        self.z, self.h, self.scale = z, h, scale
        self._fwd = PchipInterpolator(z, h, extrapolate=False)
        self._der = self._fwd.derivative()
        self._inv = PchipInterpolator(h, z, extrapolate=False)
        self._slope_lo = float(self._der(z[0]))
        self._slope_hi = float(self._der(z[-1]))
        self._finish()

    def score(self, z: NDArray) -> NDArray:
        z = np.asarray(z, dtype=float)
        out = self._fwd(z)
        lo, hi = z < self.z[0], z > self.z[-1]
        out = np.where(lo, self.h[0] + self._slope_lo * (z - self.z[0]), out)
        return np.where(hi, self.h[-1] + self._slope_hi * (z - self.z[-1]), out)

    def dscore(self, z: NDArray) -> NDArray:
        z = np.asarray(z, dtype=float)
        out = self._der(z)
        out = np.where(z < self.z[0], self._slope_lo, out)
        out = np.where(z > self.z[-1], self._slope_hi, out)
        return np.maximum(out, 1e-300)

    def inverse(self, s: NDArray) -> NDArray:
        """Inverse of :meth:`score` to rounding (interpolated start, three Newton steps)."""
        s = np.asarray(s, dtype=float)
        z = self._inv(s)
        lo, hi = s < self.h[0], s > self.h[-1]
        z = np.where(lo, self.z[0] + (s - self.h[0]) / self._slope_lo, z)
        z = np.where(hi, self.z[-1] + (s - self.h[-1]) / self._slope_hi, z)
        inside = ~lo & ~hi
        for _ in range(3):
            step = (self.score(z) - s) / self.dscore(z)
            z = np.where(inside, np.clip(z - step, self.z[0], self.z[-1]), z)
        return z


def table_from_cdf(z: NDArray, cdf: NDArray, sf: NDArray,
                   scale: Scale = "logit") -> TableLaw:
    """A :class:`TableLaw` from ``P(Z <= z)`` and ``P(Z > z)`` on a grid.

    The normal score is taken from the smaller tail (``ndtri(cdf)`` or ``-ndtri(sf)``);
    points where it is not finite or not strictly increasing are dropped.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import special
    >>> z = np.linspace(-3.0, 3.0, 61)
    >>> law = table_from_cdf(z, special.ndtr(z), special.ndtr(-z))
    >>> float(np.round(law.score(np.array([0.55]))[0], 8))
    0.55
    """
    z = np.asarray(z, dtype=float)
    cdf = np.asarray(cdf, dtype=float)
    sf = np.asarray(sf, dtype=float)
    with np.errstate(divide="ignore"):
        h = np.where(cdf <= 0.5, special.ndtri(cdf), -special.ndtri(sf))
    keep = np.isfinite(h)
    z, h = z[keep], h[keep]
    best = np.maximum.accumulate(h)
    rising = np.concatenate([[True], h[1:] > best[:-1]])
    return TableLaw(z[rising], h[rising], scale)


def _frozen_shapes(dist: Any) -> tuple[tuple[float, ...], float, float] | None:
    """Shape arguments, loc and scale of a frozen scipy distribution (None if unreadable)."""
    gen = getattr(dist, "dist", None)
    shapes = getattr(gen, "shapes", None)
    n_shapes = len(shapes.split(",")) if shapes else 0
    args = tuple(getattr(dist, "args", ()))
    kwds = dict(getattr(dist, "kwds", {}))
    if len(args) > n_shapes + 2:
        return None
    vals = list(args[:n_shapes])
    loc = args[n_shapes] if len(args) > n_shapes else kwds.pop("loc", 0.0)
    scale = args[n_shapes + 1] if len(args) > n_shapes + 1 else kwds.pop("scale", 1.0)
    kwds.pop("loc", None)
    kwds.pop("scale", None)
    if shapes:
        for name in shapes.replace(" ", "").split(",")[len(vals):]:
            if name not in kwds:
                return None
            vals.append(kwds.pop(name))
    if kwds:
        return None
    return tuple(float(v) for v in vals), float(loc), float(scale)


def law_from_dist(dist: Any, scale: Scale) -> ScoreLaw:
    """The :class:`ScoreLaw` of a distribution of ``p`` (``scale="logit"``) or ``lam`` (``"log"``).

    A distribution whose generator carries a ``score_law`` attribute (the product laws of
    ``spinemets._laws``) supplies it; a logit-normal (proportion) or log-normal (rate) gives
    a :class:`NormalLaw`; anything else with ``cdf``, ``sf`` and ``ppf`` is tabulated on
    :data:`TABLE_POINTS` points of the natural scale between its quantiles ``TABLE_TAIL``
    and ``1 - TABLE_TAIL`` (one-off, a few milliseconds).

    Examples
    --------
    >>> from scipy import stats
    >>> law = law_from_dist(stats.lognorm(0.5, scale=2.0), "log")
    >>> type(law).__name__, round(law.mu, 6), law.sigma
    ('NormalLaw', 0.693147, 0.5)
    """
    gen = getattr(dist, "dist", None)
    hooked = getattr(gen, "score_law", None)
    if isinstance(hooked, ScoreLaw) and hooked.scale == scale:
        return hooked
    name = getattr(gen, "name", "")
    parsed = _frozen_shapes(dist)
    if parsed is not None:
        shapes, loc, sc = parsed
        if scale == "logit" and name == "logitnorm" and loc == 0.0 and sc == 1.0:
            return NormalLaw(shapes[0], shapes[1], "logit")
        if scale == "log" and name == "lognorm" and loc == 0.0 and sc > 0:
            return NormalLaw(np.log(sc), shapes[0], "log")
    lo = float(dist.ppf(TABLE_TAIL))
    hi = float(dist.isf(TABLE_TAIL)) if hasattr(dist, "isf") else float(dist.ppf(1 - TABLE_TAIL))
    if scale == "logit":
        tiny = 1e-300
        z_lo = float(special.logit(max(lo, tiny)))
        z_hi = float(special.logit(min(hi, 1.0 - 1e-16))) if hi < 1 else 36.7
        z = np.linspace(z_lo, max(z_hi, z_lo + 1e-6), TABLE_POINTS)
        x = special.expit(z)
    else:
        z_lo = float(np.log(max(lo, 1e-300)))
        z_hi = float(np.log(hi))
        z = np.linspace(z_lo, max(z_hi, z_lo + 1e-6), TABLE_POINTS)
        x = np.exp(z)
    return table_from_cdf(z, np.asarray(dist.cdf(x), dtype=float),
                          np.asarray(dist.sf(x), dtype=float), scale)


# ------------------------------------------------------------------ the variable V


def _v_moments(k: NDArray, size: NDArray, count: Count) -> tuple[NDArray, NDArray]:
    """Mean and variance of ``V`` (logit-Beta(k + 1, n - k) or log-Gamma(k + 1) - log E)."""
    al = k + 1.0
    if count == "binomial":
        be = size - k
        return special.digamma(al) - special.digamma(be), special.zeta(2.0, al) + special.zeta(
            2.0, be)
    return special.digamma(al) - np.log(size), special.zeta(2.0, al)


def _v_logpdf(t: NDArray, k: NDArray, size: NDArray, count: Count) -> NDArray:
    """Log density of ``V`` at ``t`` (rows x nodes), without cancellation."""
    al = (k + 1.0)[:, None]
    if count == "binomial":
        be = (size - k)[:, None]
        return logit_beta_logpdf(t, al, be, logit_beta_logmode(al, be))
    d = t + np.log(size)[:, None] - np.log(al)
    const = 0.5 * np.log(al) - _HALF_LOG_2PI - stirlerr(al)
    with np.errstate(over="ignore"):
        return const - al * (np.expm1(d) - d)


def _v_tail(z: NDArray, k: NDArray, size: NDArray, count: Count, upper: bool) -> NDArray:
    """``P(V > z)`` if ``upper`` else ``P(V <= z)`` (rows x nodes)."""
    al = (k + 1.0)[:, None]
    if count == "binomial":
        be = (size - k)[:, None]
        if upper:
            return special.betainc(be, al, special.expit(-z))
        return special.betainc(al, be, special.expit(z))
    with np.errstate(over="ignore"):
        x = np.exp(z) * size[:, None]
    return special.gammaincc(al, x) if upper else special.gammainc(al, x)


# ------------------------------------------------------------------ tails


def _centre_scale(m1: NDArray, v1: NDArray, m2: NDArray, v2: NDArray,
                  sgn: NDArray) -> tuple[NDArray, NDArray]:
    """Centre and Gauss-Hermite scale of ``N(t; m1, v1) * Phi(sgn (t - m2) / sqrt(v2))``."""
    s12 = np.sqrt(v1 + v2)
    d = sgn * (m1 - m2) / s12
    lam = np.exp(-0.5 * d * d - _HALF_LOG_2PI - special.log_ndtr(d))
    centre = m1 + sgn * v1 / s12 * lam
    var_h = v1 * (1.0 - v1 / (v1 + v2) * lam * (lam + d))
    return centre, np.sqrt(2.0 * np.maximum(var_h, 0.05 * v1)) * _INFLATE


def _v_dlogpdf(t: NDArray, k: NDArray, size: NDArray, count: Count) -> tuple[NDArray, NDArray]:
    """First and second derivative of the log density of ``V`` at ``t`` (one per row)."""
    al = k + 1.0
    if count == "binomial":
        tot = size + 1.0
        u = special.expit(t)
        return al - tot * u, -tot * u * special.expit(-t)
    with np.errstate(over="ignore"):
        g = size * np.exp(t)
    return al - g, -g


def _laplace(centre: NDArray, scale: NDArray, k: NDArray, size: NDArray, law: ScoreLaw,
             count: Count, via_v: bool, is_up: bool) -> tuple[NDArray, NDArray]:
    """Mode and Gauss-Hermite scale of the log-concave integrand by damped Newton steps.

    The log integrand is ``log f_V + log Phi(+-h)`` (over ``V``) or
    ``log f_Z + log P(V <=> z)`` (over ``Z``); both parts are concave for a normal law
    (``h''`` is neglected for tables).  Starts from the skew-normal centre; a step is at most
    three current scales; rows whose curvature is not negative keep the start.
    """
    t = centre.copy()
    sgn = -1.0 if is_up else 1.0
    curv = np.full(t.shape, np.nan)
    for _ in range(LAPLACE_STEPS):
        h = law.score(t)
        h1 = law.dscore(t)
        if via_v:
            d1, d2 = _v_dlogpdf(t, k, size, count)
            x = sgn * h
            lam = np.exp(-0.5 * x * x - _HALF_LOG_2PI - special.log_ndtr(x))
            g1 = d1 + sgn * h1 * lam
            g2 = d2 - h1 * h1 * lam * (x + lam)
        else:
            # over Z: log f_Z = -h^2/2 + log h'; the V factor is P(V > z) (lower tail)
            # or P(V <= z) (upper tail)
            tail = _v_tail(t[:, None], k, size, count, upper=not is_up)[:, 0]
            logf = _v_logpdf(t[:, None], k, size, count)[:, 0]
            dv1, _ = _v_dlogpdf(t, k, size, count)
            with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
                r = np.exp(logf - np.log(tail))
            sv = 1.0 if is_up else -1.0
            with np.errstate(invalid="ignore", over="ignore"):
                g1 = -h * h1 + sv * r
                g2 = -h1 * h1 + sv * r * dv1 - r * r
        ok = np.isfinite(g1) & np.isfinite(g2) & (g2 < 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(ok, -g1 / g2, 0.0)
        lim = 3.0 * scale
        step = np.clip(step, -lim, lim)
        t = t + step
        curv = np.where(ok, g2, curv)
        if np.all(np.abs(step) <= 1e-3 * scale):
            break
    good = np.isfinite(curv) & (curv < 0) & np.isfinite(t)
    with np.errstate(divide="ignore", invalid="ignore"):
        new_scale = np.sqrt(2.0 / -curv) * _INFLATE
    return np.where(good, t, centre), np.where(good, new_scale, scale)


def tails(k: NDArray, size: NDArray, law: ScoreLaw, count: Count,
          upper: NDArray | None = None) -> tuple[NDArray, NDArray]:
    """``P(X <= k)`` and ``P(X > k)``, each by its own quadrature (no ``1 -``).

    ``k`` whole, ``0 <= k < n`` for binomial rows (``size`` is ``n``), ``k >= 0`` and
    ``size > 0`` for Poisson rows (``size`` is the exposure); flat float arrays, no checks.
    With ``upper`` (a boolean array) only the wanted tail is computed per row: the
    lower one where ``upper`` is False, the upper one where it is True (the other is NaN).
    """
    k = np.asarray(k, dtype=float)
    size = np.asarray(size, dtype=float)
    m = k.shape[0]
    lower_out = np.full(m, np.nan)
    upper_out = np.full(m, np.nan)
    if m == 0:
        return lower_out, upper_out
    mv, vv = _v_moments(k, size, count)
    h0 = law.score(mv)
    h1 = law.dscore(mv)
    vz_loc = 1.0 / (h1 * h1)
    over_v = vv <= vz_loc  # V narrower: integrate over V
    al = k + 1.0
    short = np.minimum(al, size - k) if count == "binomial" else al
    if isinstance(law, NormalLaw):
        # a skewed V (few events, or few non-events) that is not much narrower than Z:
        # integrate over the exactly Gaussian Z instead
        over_v &= ~((short < SKEWED_BELOW) & (16.0 * vv > vz_loc))
    # many nodes where the integrand is skewed: over V with few events or non-events; over
    # Z for a table law, or when Z is the wider one (chosen above because V is skewed)
    skewed = np.where(over_v, short < SKEWED_BELOW,
                      isinstance(law, TableLaw) | (short < SKEWED_BELOW))
    wanted = ((np.ones(m, bool), np.ones(m, bool)) if upper is None
              else (~upper, upper))
    for is_up, out in ((False, lower_out), (True, upper_out)):
        want = wanted[1] if is_up else wanted[0]
        for via_v, skew in ((True, False), (True, True), (False, False), (False, True)):
            rows = np.flatnonzero(want & (over_v == via_v) & (skewed == skew))
            if rows.size == 0:
                continue
            x, log_w = gauss_hermite(NODES_SKEWED if skew else NODES)
            kr, sr = k[rows], size[rows]
            if via_v:
                sgn = -1.0 if is_up else 1.0
                m1, v1 = mv[rows], vv[rows]
                m2 = mv[rows] - h0[rows] / h1[rows]
                v2 = vz_loc[rows]
            else:
                sgn = 1.0 if is_up else -1.0
                m1 = np.full(rows.size, law.centre)
                v1 = np.full(rows.size, law.spread**2)
                m2, v2 = mv[rows], vv[rows]
            centre, sc = _centre_scale(m1, v1, m2, v2, np.full(rows.size, sgn))
            centre, sc = _laplace(centre, sc, kr, sr, law, count, via_v, is_up)
            t = centre[:, None] + sc[:, None] * x[None, :]
            if via_v:
                log_f = _v_logpdf(t, kr, sr, count)
                h = law.score(t)
                wide = special.ndtr(-h if is_up else h)
            else:
                log_f = law.logpdf(t)
                wide = _v_tail(t, kr, sr, count, upper=not is_up)
            terms = np.exp(log_f + log_w[None, :]) * wide
            out[rows] = np.minimum(terms.sum(axis=1) * sc, 1.0)
    return lower_out, upper_out


# ------------------------------------------------------------------ quantiles


def _guess(q: NDArray, size: NDArray, law: ScoreLaw, count: Count) -> NDArray:
    """First candidate: a normal approximation on the natural scale."""
    zq = special.ndtri(q)
    if count == "binomial":
        pbar = special.expit(law.centre)
        noise = 1.0 / np.maximum(size * pbar * (1.0 - pbar), 1e-300)
        zstar = law.centre + zq * np.sqrt(law.spread**2 + noise)
        return np.floor(size * special.expit(zstar))
    lbar = np.exp(law.centre)
    noise = 1.0 / np.maximum(size * lbar, 1e-300)
    zstar = law.centre + zq * np.sqrt(law.spread**2 + noise)
    with np.errstate(over="ignore"):
        return np.floor(np.minimum(size * np.exp(zstar), 2.0**62))


def _ppf_block(q: NDArray, size: NDArray, law: ScoreLaw, count: Count) -> NDArray:
    m = q.shape[0]
    up = q > 0.5
    target = np.where(up, 1.0 - q, q)  # exact for q > 1/2
    z_target = special.ndtri(target)
    lo = np.full(m, -1.0)
    # Poisson rows: 2**53 stands in for "no passing point yet" (not tested; a result there
    # means the quantile is beyond the whole numbers of float64, which the caller refuses)
    hi = size.copy() if count == "binomial" else np.full(m, 2.0**53)
    # normal scores at the bracket ends (oriented to increase with k), NaN when unknown
    f_lo = np.full(m, np.nan)
    f_hi = np.full(m, np.nan)
    cand = _guess(q, size, law, count)
    act = np.flatnonzero(hi > lo + 1.0)
    passes = 0
    while act.size and passes < MAX_PASSES:
        passes += 1
        c = np.clip(cand[act], lo[act] + 1.0, hi[act] - 1.0)
        c = np.where(np.isfinite(c), c, lo[act] + 1.0)
        # evaluate c and c - 1 (when inside the bracket)
        pair = c - 1.0 > lo[act]
        rows = np.concatenate([act, act[pair]])
        ks = np.concatenate([c, c[pair] - 1.0])
        low_t, up_t = tails(ks, size[rows], law, count, upper=up[rows])
        tail = np.where(up[rows], up_t, low_t)
        ok = np.where(up[rows], tail <= target[rows], tail >= target[rows])
        with np.errstate(divide="ignore"):
            z = special.ndtri(tail)
        f = np.where(up[rows], z_target[rows] - z, z - z_target[rows])
        for idx in (slice(act.size, None), slice(0, act.size)):
            r, kk, okk, ff = rows[idx], ks[idx], ok[idx], f[idx]
            raise_lo = ~okk & (kk > lo[r])
            lo[r[raise_lo]] = kk[raise_lo]
            f_lo[r[raise_lo]] = ff[raise_lo]
            drop_hi = okk & (kk < hi[r])
            hi[r[drop_hi]] = kk[drop_hi]
            f_hi[r[drop_hi]] = ff[drop_hi]
        # Newton step from the pair (c - 1, c): slope per unit of k in normal-score space
        f_c = f[: act.size]
        slope = np.full(act.size, np.nan)
        with np.errstate(invalid="ignore"):
            slope[pair] = f_c[pair] - f[act.size:]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            newton = np.ceil(c - f_c / slope)
        still = hi[act] > lo[act] + 1.0
        act, newton = act[still], newton[still]
        if act.size == 0:
            break
        a_lo, a_hi, fl, fh = lo[act], hi[act], f_lo[act], f_hi[act]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            secant = np.ceil(a_lo + (a_hi - a_lo) * (-fl) / (fh - fl))
        mid = np.where(np.isfinite(fh), np.floor(0.5 * (a_lo + a_hi)),
                       np.maximum(2.0 * a_lo + 1.0, 1.0))
        late = passes > SECANT_PASSES
        inside_n = np.isfinite(newton) & (newton > a_lo) & (newton < a_hi) & ~late
        inside_s = np.isfinite(secant) & (secant > a_lo) & (secant < a_hi) & ~late
        cand[act] = np.where(inside_n, newton, np.where(inside_s, secant, mid))
    return np.where(hi > lo + 1.0, np.nan, hi)  # NaN: not settled within MAX_PASSES


def ppf(q: NDArray, size: NDArray, law: ScoreLaw, count: Count) -> NDArray[np.float64]:
    """Smallest ``k`` with ``P(X <= k) >= q``, flat arrays, ``0 < q < 1``, ``size >= 0``.

    Rows with ``size == 0`` are 0; the rest are solved in blocks of :data:`CHUNK`.  The
    result is float (whole numbers): NaN for a row not settled within :data:`MAX_PASSES`
    passes, ``2**53`` for a Poisson row whose quantile lies beyond the whole numbers of
    float64 (a huge exposure); the public wrappers turn both into a ValueError.

    Examples
    --------
    >>> import numpy as np
    >>> ppf(np.array([0.5, 0.5]), np.array([0.0, 1.0]), NormalLaw(0.5, 1.0), "binomial")
    array([0., 1.])
    """
    out = np.zeros(q.shape[0])
    work = np.flatnonzero(size > 0)
    for start in range(0, work.size, CHUNK):
        idx = work[start:start + CHUNK]
        out[idx] = _ppf_block(q[idx], size[idx], law, count)
    return out
