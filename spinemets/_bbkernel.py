"""Kernel of the fast beta-binomial quantile and CDF (private; used by :mod:`spinemets.counts`).

``X ~ Binomial(n, p)`` with ``p ~ Beta(a, b)``.  :func:`ppf` returns, row by row,
the smallest integer ``k`` with ``P(X <= k) >= q``; :func:`cdf_rows` returns
``P(X <= k)``.  The public, validating wrappers are
:func:`spinemets.counts.betabinom_ppf` and :func:`spinemets.counts.betabinom_cdf`;
nothing here checks its arguments.

Algorithm of the quantile
-------------------------
Rows are processed in blocks of :data:`CHUNK`.  Quantiles with ``q > 1/2`` are
mirrored (``n - X ~ BB(n, b, a)``, target ``nextafter(1 - q, 1)``) so that every
block solves a lower-tail problem with ``q <= 1/2`` and keeps full relative
precision in the small tail.  Rows with ``n = 0`` are answered 0 directly.
For one block, :class:`PpfBlock` holds the state and :func:`ppf_block` runs:

1. *Initialisation* (:meth:`PpfBlock.start`).  The exact end masses
   ``pmf(0)`` and ``1 - pmf(n) = CDF(n - 1)`` settle rows whose answer is 0 or
   ``n`` (U-shaped laws) and give the first bracket.  A first guess comes from
   the beta law with the moments of ``(X + 1/2) / (n + 1)`` for wide
   distributions, else from a Cornish-Fisher expansion.  Each row gets a
   window of ``2 w + 1`` points: ``w = W`` (129 points) when the law is narrow
   (``sd <= 10``: sums then need no quadrature) or ``2 W_NARROW <= n < 2 W``
   (the window holds the support), else ``w = W_NARROW`` (33 points; they hold
   the support when ``n < 2 W_NARROW``).  A narrow window that cannot hold its
   target is made wide (:func:`_place_or_widen`).

2. *Iterations* (at most ``MAX_ITER``).  Each pass steps the unresolved narrow
   rows, then the unresolved wide rows (:func:`_step`):

   a. the pmf on the window comes from ``log pmf`` at its start and the ratio
      ``pmf(j + 1) / pmf(j)`` (:func:`pmf_window`);
   b. a window without an anchor gets one (:func:`_choose_anchors`): the sum
      from the window start when ``s = 0`` or a geometric bound shows the mass
      below ``s`` to be ``<= 1e-18 q`` (*pmf window*); otherwise the CDF at
      the window centre by Gauss-Hermite quadrature of
      ``P(X <= k) = P(Beta(a, b) < Beta(k + 1, n - k))`` in logit coordinates
      (*quadrature*, 28 nodes when ``n <= N_EXACT``, 10 otherwise; with 10 nodes, rows
      sharing one Beta law read its CDF from a checked table, :func:`_wide_cdf`).
      Quadrature is only trusted when the centre is at least ``QMIN`` away from
      0 and from ``n``; a row needing it closer to an end gets a wide window
      re-placed by :func:`place` (which then starts it at 0 or ends it at
      ``n``), stepped later in the same pass if this happened in the narrow
      step, else in the next pass;
   c. the CDF over the window follows from the anchor and cumulative sums
      (:func:`_window_cdf`); the first index where it reaches ``q`` settles the
      row if the CDF just before the window is below ``q`` (:func:`_settle`);
   d. otherwise the bracket is narrowed to exclude the window and the next
      window is placed by a Newton step in normal-score space from the window
      edge (:func:`_move`), clipped into the bracket, replaced by bisection when
      it leaves the bracket or after 40 passes.  Short moves (target within
      ``2 w + 1 - w // 2`` of the edge) *walk*: the new window abuts the old
      one and inherits its edge CDF as anchor (no new quadrature, same error
      allowance; a walk down to 0 sums from 0 instead).  Long moves *jump*
      and need a new anchor.  For ``n > N_EXACT`` a Newton step below
      ``2e-4 sd`` (but longer than the window) is accepted as the answer.  A bracket that has closed
      (``k_hi <= k_lo + 1``) settles the row at ``k_hi`` (``forced``).

3. *Tie screen* (:func:`_flag_ties`) for rows with ``n <= N_EXACT``; flagged rows are
   decided by :func:`summed_lower_ppf` in :func:`ppf`; see below.

Invariants of :class:`PpfBlock`
-------------------------------
Between passes, for every row (``CDF`` is the exact CDF, ``CDF~`` the value
evaluated here from an anchor and window sums):

* ``ans == -1`` while the row is unresolved; once set it is the answer (a
  whole number in ``[0, n]``) and the row is not moved again.
* Anchor: ``mi == AUTO`` means no anchor yet (one is chosen from the next
  window's pmf).  ``mi == -1`` means ``anc = CDF~(s - 1)`` (0 for a sum from
  the start; the old upper edge's value after walking up).  ``mi == j >= 0``
  means ``anc = CDF~(s + j)`` (``j = w``: quadrature at the centre; ``j = 2 w``:
  the old lower edge's value after walking down).  In every case
  ``|anc - CDF| <= err_abs + (rounding of order 64 eps * anchor_mag)``.
* ``err_abs`` is the error allowance of the anchor in use: 0 for a sum from 0,
  the geometric bound on the neglected mass for a sum from ``s > 0``,
  ``1e-9 * tail + 1e-20`` for quadrature (tails far below 1e-20 are
  underestimated, never overestimated).  Walking keeps the anchor's allowance.
* ``anchor_mag`` is the largest CDF value a window sum of the row started from
  (or ended at); it bounds the rounding of those sums.
* Bracket: ``-1 <= k_lo < k_hi <= n`` for unresolved rows; ``k_lo`` only rises
  and ``k_hi`` only falls.  When set, ``CDF~(k_lo) < q <= CDF~(k_hi)``
  (``CDF(-1) = 0``), so with the exact CDF the bracket holds up to the error
  allowance of the anchor then in use: a window summed down from a quadrature
  anchor of ``1e-22 +- 1e-20`` can set ``k_hi`` where the exact CDF is far
  below a ``q`` of ``1e-30``.  A later window with a sharper anchor may then
  settle the row outside ``(k_lo, k_hi]``; only the Newton targets are always
  clipped into ``[k_lo + 1, k_hi]``.  A bracket that closes (or is crossed by
  rounding between anchors) settles the row at ``k_hi`` and marks it
  ``forced``.
* Window: ``s`` is a whole number with ``0 <= s <= n``.  :func:`place` keeps
  windows inside ``[0, n]`` when ``n >= 2 w``; a window may reach past ``n``
  when the support is shorter or after walking up (pmf 0 there, ``CDF~ = 1``
  from ``n`` on).  ``wide`` only changes from False to True.
* A row settled in a window has ``cdf_lo = CDF~(ans - 1) < q <= cdf_hi =
  CDF~(ans)``.  Rows settled otherwise (``forced``, or an accepted Newton step
  for ``n > N_EXACT``) keep ``cdf_lo = 0`` and ``cdf_hi = 1``.

Note on the pass structure: the wide rows of a pass are selected after the
narrow rows have been stepped, so a row widened in its narrow step is stepped
again with the wide window in the same pass.  It is still listed among the
narrow step's unresolved rows, so in the next pass it is stepped once more
(identically, if the wide step settled it) or listed twice.  The steps are
row-wise and deterministic, so this only repeats work; it is kept because the
results are pinned bit for bit.

Why results are exact for ``n <= N_EXACT``
-------------------------------------------
The answer is the exact quantile: the smallest ``k`` whose exact CDF reaches ``q``.
:func:`scipy.stats.betabinom.ppf` returns the smallest ``k`` whose CDF, summed as
``exp(log pmf)`` from 0 with :func:`scipy.special.betaln`, reaches ``q``; its
``betaln`` loses absolute digits as ``a + b`` grows (about 1e-8 at 1e8), so its total
mass can miss 1 by more than ``1 - q`` and its far upper quantiles are then off (up to
``n``: 10000 instead of 6 for ``BB(10^4, 100, 1e7 - 100)`` at ``1 - 1e-9``).  It is
exact wherever its error is smaller than the distance from ``q`` to the CDF, and then
both give the same ``k``.  The search here agrees with the exact CDF up to (i) the
anchor error ``err_abs`` and (ii) the rounding of the window sums (relative to
``anchor_mag`` and ``size``, the magnitude of SciPy's CDF at the answer: 1 for mirrored
rows); the tie screen (:func:`_flag_ties`) adds (iii) the difference between SciPy's
``log pmf`` and the accurate one used here, measured at 0, at the answer and at ``n``
and combined with the rounding of the cancelling beta functions
(:func:`_log_magnitude`).  When the gap between ``q`` and ``[CDF(ans - 1), CDF(ans)]``
exceeds the sum of these bounds, the answer is exact and equals SciPy's.  Rows where it
may not (and ``forced`` or unsettled rows) are flagged ``tie`` and :func:`ppf` decides
them with :func:`summed_lower_ppf`: the whole pmf of the (mirrored, ``q <= 1/2``) lower
tail summed from 0, each value relative to the mode by products of pmf ratios (no beta
function), normalised by its own total, with a stated error bound.  Where even that
bound cannot separate ``q`` from the CDF (a tie to about ``n * 3e-13`` relative), rows
with ``n <= RATIONAL_N`` are decided in exact rational arithmetic
(:func:`rational_lower_ppf`); above that SciPy's answer is taken if it lies among the
candidates the sum leaves, else the sum's.  So the
results equal SciPy's wherever SciPy is exact, and differ where it is not (far upper
tails at large ``a + b``, levels within ~1e-11 of 1).
For ``n > N_EXACT`` nothing is handed over; the result is within
``max(1, 0.001 sd)`` of the exact quantile.

The CDF
-------
:func:`cdf_rows` sums the pmf on a 129-point window around ``k`` where a
geometric bound shows the mass outside it to be ``<= 1e-18`` of the tail
wanted, or where ``k`` is within 48 of 0 or ``n``; elsewhere it uses the same
quadrature for the smaller tail.

Examples
--------
>>> import numpy as np
>>> from spinemets._bbkernel import cdf_rows, ppf
>>> ppf(np.array([0.025, 0.975]), np.array([100.0, 100.0]), np.array([2.0, 2.0]),
...     np.array([8.0, 8.0]))
array([ 2, 50])
>>> cdf_rows(np.array([5.0]), np.array([30.0]), np.array([2.0]), np.array([3.0])).round(6)
array([0.180072])
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from numpy.typing import NDArray
from scipy import special, stats

__all__ = [
    "AUTO",
    "CHUNK",
    "MAX_ITER",
    "N_EXACT",
    "QMIN",
    "RATIONAL_N",
    "W_NARROW",
    "PpfBlock",
    "W",
    "betaln",
    "cdf_rows",
    "gauss_hermite",
    "logit_beta_logmode",
    "logit_beta_logpdf",
    "logpmf",
    "moments",
    "place",
    "pmf_window",
    "ppf",
    "ppf_block",
    "rational_lower_ppf",
    "summed_lower_ppf",
    "tail_quadrature",
]

#: Largest ``n`` for which :func:`ppf` promises the exact quantile (SciPy's where SciPy is exact).
N_EXACT = 10_000

W = 64  # half width of the wide pmf window
WD = 2 * W + 1  # its width
W_NARROW = 16  # half width of the narrow window (wide distributions)
QMIN = 64  # quadrature only for min(k + 1, n - k) >= QMIN
NODES_EXACT = 28  # Gauss-Hermite nodes where identical results are promised
NODES_FAST = 10  # Gauss-Hermite nodes where 0.001 sd is enough
CHUNK = 4096  # rows per block
MAX_ITER = 200  # passes per block
AUTO = -2  # window anchor still to be chosen
_INFLATE = 1.1  # widening of the Gauss-Hermite scale (tails of the integrand)
# error allowance of a quadrature anchor: relative to the tail, plus an absolute
# floor (tails far below 1e-20 are underestimated, never overestimated)
_QUAD_REL_ERR = 1e-9
_QUAD_ABS_ERR = 1e-20
_EPS = np.finfo(float).eps
_HALF_LOG_2PI = 0.5 * np.log(2.0 * np.pi)


@functools.cache
def gauss_hermite(nodes: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Nodes and ``log(weight * exp(x**2))`` of the ``nodes``-point Gauss-Hermite rule.

    Computed on first use and cached (an eigenvalue problem: kept out of import time).
    """
    x, w = np.polynomial.hermite.hermgauss(nodes)
    return x, np.log(w) + x * x




# ------------------------------------------------------------------ special functions


def stirlerr(x: NDArray) -> NDArray:
    """``log Gamma(x) - (x - 1/2) log x + x - log(2 pi) / 2`` without cancellation.

    Examples
    --------
    At 1 it is ``1 - log(2 pi) / 2``; for large ``x`` it approaches
    ``1 / (12 x) - 1 / (360 x**3)``:

    >>> import numpy as np
    >>> err = stirlerr(np.array([1.0, 40.0]))
    >>> bool(abs(err[0] - (1.0 - 0.5 * np.log(2.0 * np.pi))) < 1e-15)
    True
    >>> bool(abs(err[1] / (1 / 480 - 1 / (360 * 40.0**3)) - 1) < 1e-8)
    True
    """
    x = np.asarray(x, dtype=np.float64)
    big = x >= 15.0
    if big.all():
        r = 1.0 / (x * x)
        return (
            1.0 / 12.0 - r * (1.0 / 360.0 - r * (1.0 / 1260.0 - r * (1.0 / 1680.0 - r / 1188.0)))
        ) / x
    out = np.empty(x.shape)
    xb = x[big]
    r = 1.0 / (xb * xb)
    out[big] = (
        1.0 / 12.0 - r * (1.0 / 360.0 - r * (1.0 / 1260.0 - r * (1.0 / 1680.0 - r / 1188.0)))
    ) / xb
    xs = x[~big]
    out[~big] = special.gammaln(xs) - (xs - 0.5) * np.log(xs) + xs - _HALF_LOG_2PI
    return out


def betaln(x: NDArray, y: NDArray) -> NDArray:
    """``log B(x, y)`` with relative error of a few ulp, also for very unequal arguments.

    (:func:`scipy.special.betaln` can lose about 1e-10 absolute when one
    argument is large and the other small.)  Stirling's series with the exact
    remainder :func:`stirlerr`, arranged so that no large terms cancel.

    Examples
    --------
    >>> import numpy as np
    >>> float(betaln(np.array([2.0]), np.array([3.0]))[0]) == float(np.log(1 / 12))
    True
    """
    lo, hi = np.broadcast_arrays(np.minimum(x, y), np.maximum(x, y))
    out = np.empty(lo.shape)
    big = lo >= 15.0
    small = hi < 15.0
    mixed = ~big & ~small
    if big.any():
        lb, hb = lo[big], hi[big]
        sb = lb + hb
        out[big] = (
            _HALF_LOG_2PI
            + 0.5 * np.log(sb / (lb * hb))
            + lb * np.log(lb / sb)
            + hb * np.log1p(-lb / sb)
            + stirlerr(lb)
            + stirlerr(hb)
            - stirlerr(sb)
        )
    if mixed.any():
        lm, hm = lo[mixed], hi[mixed]
        sm = lm + hm
        out[mixed] = (
            special.gammaln(lm)
            - lm * np.log(sm)
            + (lm - (hm - 0.5) * np.log1p(lm / hm))
            + stirlerr(hm)
            - stirlerr(sm)
        )
    if small.any():
        ls, hs = lo[small], hi[small]
        out[small] = special.gammaln(ls) + special.gammaln(hs) - special.gammaln(ls + hs)
    return out


def logpmf(
    k: NDArray, n: NDArray, a: NDArray, b: NDArray, lbab: NDArray | None = None
) -> NDArray:
    """Beta-binomial log pmf at integer ``0 <= k <= n`` (accurate beta functions).

    ``lbab`` is ``log B(a, b)`` if already known.

    Examples
    --------
    >>> import numpy as np
    >>> one = np.array([1.0])
    >>> float(np.exp(logpmf(one, 2 * one, one, one))[0])  # uniform on {0, 1, 2}
    0.3333333333333333
    """
    if lbab is None:
        lbab = betaln(a, b)
    return -np.log1p(n) - betaln(n - k + 1.0, k + 1.0) + betaln(k + a, n - k + b) - lbab


def _logpmf_scipy(k: NDArray, n: NDArray, a: NDArray, b: NDArray) -> NDArray:
    """The same with :func:`scipy.special.betaln`, as SciPy evaluates it."""
    return (
        -np.log(n + 1.0)
        - special.betaln(n - k + 1.0, k + 1.0)
        + special.betaln(k + a, n - k + b)
        - special.betaln(a, b)
    )


def _log_magnitude(k: NDArray, n: NDArray, a: NDArray, b: NDArray) -> NDArray:
    """Size of the terms cancelling in :func:`logpmf` (bounds its rounding error)."""
    return (
        np.log1p(n)
        + np.abs(special.betaln(n - k + 1.0, k + 1.0))
        + np.abs(special.betaln(k + a, n - k + b))
        + np.abs(special.betaln(a, b))
    )


def logit_beta_logpdf(t: NDArray, al: NDArray, be: NDArray, const: NDArray) -> NDArray:
    """Log density of ``logit(U)``, ``U ~ Beta(al, be)``, in a cancellation-free form.

    ``const`` is the log density at the mode ``log(al / be)`` (see
    :func:`logit_beta_logmode`); the rest is ``-(al + be)`` times the
    Kullback-Leibler divergence between Bernoulli(u0) and Bernoulli(u).
    """
    s = al + be
    u0 = al / s
    v0 = be / s
    d = t - np.log(al / be)
    # KL = log1p(u0 expm1(d)) - u0 d where u0 < 1/2, else log1p(v0 expm1(-d)) + v0 d: the
    # same expression with (v0, -d) -- one log1p/expm1 per point instead of both branches
    low = u0 < 0.5
    w0 = np.where(low, u0, v0)
    dd = np.where(low, d, -d)
    with np.errstate(over="ignore", invalid="ignore"):
        kl = np.log1p(w0 * np.expm1(dd)) - w0 * dd
    return const - s * kl


def logit_beta_logmode(al: NDArray, be: NDArray) -> NDArray:
    """Log density of ``logit(U)``, ``U ~ Beta(al, be)``, at its mode ``log(al / be)``.

    Examples
    --------
    >>> import numpy as np
    >>> one = np.array([1.0])
    >>> float(np.exp(logit_beta_logmode(one, one))[0])  # logistic density at 0
    0.25
    """
    s = al + be
    return 0.5 * np.log(al * be / s) - _HALF_LOG_2PI + stirlerr(s) - stirlerr(al) - stirlerr(be)


def tail_quadrature(
    k: NDArray, n: NDArray, a: NDArray, b: NDArray, upper: NDArray, nodes: int
) -> NDArray:
    """``P(X <= k)`` (or ``P(X > k)`` where ``upper``) for ``0 <= k < n`` by quadrature.

    Uses ``P(X <= k) = P(P < U)`` with ``P ~ Beta(a, b)`` and
    ``U ~ Beta(k + 1, n - k)`` (the (k+1)-th order statistic of ``n``
    uniforms).  In logit coordinates this is the integral of the density of the
    narrower of the two variables times the CDF of the wider one, a
    log-concave integrand that is integrated by Gauss-Hermite quadrature
    (``nodes`` is 28 or 10) centred and scaled by a skew-normal approximation.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import stats
    >>> k, n, a, b = (np.array([v]) for v in (300.0, 1000.0, 3.0, 7.0))
    >>> got = tail_quadrature(k, n, a, b, np.array([False]), 28)[0]
    >>> bool(abs(got / stats.betabinom.cdf(300, 1000, 3.0, 7.0) - 1) < 1e-9)
    True
    """
    al_u = k + 1.0
    be_u = n - k
    var_u = 1.0 / al_u + 1.0 / be_u
    var_p = 1.0 / a + 1.0 / b
    p_narrow = var_p < var_u
    flip = upper != p_narrow
    # parameters of the narrow variable (density) and of the wide one (CDF)
    n_al = np.where(p_narrow, a, al_u)
    n_be = np.where(p_narrow, b, be_u)
    w_al = np.where(p_narrow, al_u, a)
    w_be = np.where(p_narrow, be_u, b)
    n_al, n_be = np.where(flip, n_be, n_al), np.where(flip, n_al, n_be)
    w_al, w_be = np.where(flip, w_be, w_al), np.where(flip, w_al, w_be)
    # integral of g_narrow(t) * F_wide(t) dt; Gaussian approximations of both
    m1 = np.log(n_al / n_be) - 0.5 / n_al + 0.5 / n_be
    v1 = 1.0 / n_al + 1.0 / n_be + 0.5 / n_al**2 + 0.5 / n_be**2
    m2 = np.log(w_al / w_be) - 0.5 / w_al + 0.5 / w_be
    v2 = 1.0 / w_al + 1.0 / w_be + 0.5 / w_al**2 + 0.5 / w_be**2
    s12 = np.sqrt(v1 + v2)
    d = (m1 - m2) / s12
    lam = np.exp(-0.5 * d * d - _HALF_LOG_2PI - special.log_ndtr(d))
    centre = m1 + v1 / s12 * lam
    var_h = v1 * (1.0 - v1 / (v1 + v2) * lam * (lam + d))
    scale = np.sqrt(2.0 * np.maximum(var_h, 0.05 * v1)) * _INFLATE
    x, log_w = gauss_hermite(nodes)
    t = centre[:, None] + scale[:, None] * x[None, :]
    const = logit_beta_logmode(n_al, n_be)
    log_g = logit_beta_logpdf(t, n_al[:, None], n_be[:, None], const[:, None])
    cdf_w = _wide_cdf(t, w_al, w_be, tabulate=nodes == NODES_FAST)
    terms = np.exp(log_g + log_w[None, :]) * cdf_w
    return np.minimum(terms.sum(axis=1) * scale, 1.0)


#: Points of the table of a shared Beta law's normal score (see :func:`_wide_cdf`).
TABLE_POINTS = 4097
#: The table spans the law's quantiles TABLE_TAIL .. 1 - TABLE_TAIL (logit scale).
TABLE_TAIL = 1e-15


@functools.lru_cache(maxsize=16)
def _score_table(al: float, be: float) -> tuple[float, float, NDArray, NDArray] | None:
    """Table of ``h(z) = ndtri(P(logit U <= z))``, ``U ~ Beta(al, be)``, and of ``h'(z)``.

    Returns ``(z0, step, h, dh)`` on :data:`TABLE_POINTS` equally spaced points of the logit
    scale between the law's quantiles ``TABLE_TAIL`` and ``1 - TABLE_TAIL``, for cubic
    Hermite interpolation (:func:`_table_cdf`).  ``h`` is taken from the smaller tail (full
    relative precision), ``h' = f(z) / phi(h)`` from the logit-Beta density.  The error is
    measured at every midpoint and the table refused (None) unless it is below 1e-10 in
    ``h`` (a relative error of the CDF below about 1e-9 in its 1e-3 tails).
    """
    lo = float(special.logit(special.betaincinv(al, be, TABLE_TAIL)))
    hi = -float(special.logit(special.betaincinv(be, al, TABLE_TAIL)))
    if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
        return None
    z = np.linspace(lo, hi, 2 * TABLE_POINTS - 1)  # the table and its midpoints
    cdf = special.betainc(al, be, special.expit(z))
    sf = special.betainc(be, al, special.expit(-z))
    with np.errstate(divide="ignore"):
        h = np.where(cdf <= 0.5, special.ndtri(cdf), -special.ndtri(sf))
    a1, b1 = np.array([al]), np.array([be])
    log_f = logit_beta_logpdf(z, a1, b1, logit_beta_logmode(a1, b1))
    dh = np.exp(log_f + 0.5 * h * h + _HALF_LOG_2PI)
    if not (np.all(np.isfinite(h)) and np.all(np.diff(h) > 0) and np.all(np.isfinite(dh))):
        return None
    table = (lo, 2.0 * (z[1] - z[0]), h[::2].copy(), dh[::2].copy())
    if np.max(np.abs(_table_score(z[1::2], table) - h[1::2])) > 1e-10:
        return None
    return table


def _table_score(t: NDArray, table: tuple[float, float, NDArray, NDArray]) -> NDArray:
    """Cubic Hermite interpolation of the table's ``h`` at ``t`` (inside the table)."""
    z0, step, h, dh = table
    pos = (t - z0) / step
    i = np.clip(np.floor(pos).astype(np.intp), 0, h.size - 2)
    x = pos - i
    x2 = x * x
    x3 = x2 * x
    return ((2.0 * x3 - 3.0 * x2 + 1.0) * h[i] + (x3 - 2.0 * x2 + x) * step * dh[i]
            + (-2.0 * x3 + 3.0 * x2) * h[i + 1] + (x3 - x2) * step * dh[i + 1])


def _wide_cdf(t: NDArray, al: NDArray, be: NDArray, tabulate: bool) -> NDArray:
    """``P(U <= expit(t))`` for ``U ~ Beta(al, be)`` per row (rows x nodes).

    With ``tabulate`` (the 10-node quadrature of rows with ``n > N_EXACT``, whose contract is
    ``max(1, 0.001 sd)``), rows that share one law -- a Beta parameter used for a whole
    table -- read it from :func:`_score_table` where every node lies inside the table
    (``betainc`` elsewhere): one interpolation instead of one ``betainc`` per node.
    """
    if tabulate and al.size > 64:
        first = (al == al[0]) & (be == be[0])
        pairs = [(al[0], be[0])]
        if not first.all():
            k = int(np.argmin(first))
            pairs.append((al[k], be[k]))
        same = first | ((al == pairs[-1][0]) & (be == pairs[-1][1]))
        if same.all():  # one or two laws (a Beta parameter and its mirror image)
            out = np.empty(t.shape)
            done = np.zeros(t.shape[0], dtype=bool)
            for a0, b0 in pairs:
                table = _score_table(float(a0), float(b0))
                if table is None:
                    continue
                z0, z1 = table[0], table[0] + table[1] * (TABLE_POINTS - 1)
                rows = (al == a0) & (be == b0) & (t[:, 0] >= z0) & (t[:, -1] <= z1)
                out[rows] = special.ndtr(_table_score(t[rows], table))
                done |= rows
            rest = np.flatnonzero(~done)
            if rest.size:
                out[rest] = _wide_cdf(t[rest], al[rest], be[rest], tabulate=False)
            return out
    with np.errstate(over="ignore"):
        u = 1.0 / (1.0 + np.exp(-t))
    return special.betainc(al[:, None], be[:, None], u)


def pmf_window(
    start: NDArray, n: NDArray, a: NDArray, b: NDArray, width: int, lbab: NDArray | None = None
) -> NDArray:
    """pmf at ``start + j`` for ``j < width`` (zero beyond ``n``); rows x width array.

    ``log pmf(start)`` comes from beta functions, the rest from the ratio
    ``pmf(j + 1) / pmf(j) = (n - j)(j + a) / ((j + 1)(n - j - 1 + b))``.

    Examples
    --------
    >>> import numpy as np
    >>> one = np.array([1.0])
    >>> pmf_window(0 * one, 2 * one, one, one, 4) * 3  # uniform on {0, 1, 2}
    array([[1., 1., 1., 0.]])
    """
    rows = start.shape[0]
    j = np.add.outer(start, np.arange(width - 1, dtype=np.float64))
    nn = n[:, None]
    den = nn - j
    num = den * (j + a[:, None])
    den += b[:, None] - 1.0
    j += 1.0
    den *= j
    logp = np.empty((rows, width))
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(num, den, out=num)
        np.log(num, out=logp[:, 1:])
    beyond = start + (width - 1) > n
    if beyond.any():  # windows reaching past n: zero mass there
        tmp = logp[beyond, 1:]
        tmp[j[beyond] > nn[beyond]] = -np.inf
        logp[beyond, 1:] = tmp
    logp[:, 0] = logpmf(start, n, a, b, lbab)
    np.cumsum(logp, axis=1, out=logp)
    return np.exp(logp, out=logp)


def moments(n: NDArray, a: NDArray, b: NDArray) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    """Mean, variance, skewness and excess kurtosis of ``BB(n, a, b)``.

    Skewness and kurtosis are 0 where undefined (``n = 0``).

    Examples
    --------
    >>> import numpy as np
    >>> mean, var, skew, kurt = moments(np.array([10.0]), np.array([2.0]), np.array([3.0]))
    >>> float(mean[0]), float(var[0])
    (4.0, 6.0)
    """
    s = a + b
    p = a / s
    mean = n * p
    var = n * p * (b / s) * (s + n) / (s + 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.sqrt(var)
        skew = (s + 2.0 * n) * (b - a) / ((s + 2.0) * s) / sd
        ab = a * b
        kurt = (
            s * (s - 1.0 + 6.0 * n)
            + 3.0 * ab * (n - 2.0)
            + 6.0 * n * n
            - 3.0 * ab * n * (6.0 - n) / s
            - 18.0 * ab * n * n / (s * s)
        ) * (s * s * (1.0 + s) / (n * ab * (s + 2.0) * (s + 3.0) * (s + n))) - 3.0
    return mean, var, np.nan_to_num(skew), np.nan_to_num(kurt)


# ------------------------------------------------------------------ window helpers


def _outside_mass_bounds(
    s: NDArray, pmf: NDArray, n: NDArray, a: NDArray, b: NDArray
) -> tuple[NDArray, NDArray]:
    """Upper bounds on the mass below the window start and above the window end.

    The pmf ratio ``pmf(i) / pmf(i + 1)`` is a product of two factors that are
    monotone in ``i``, so its maximum over ``i < s`` is bounded by their values at
    the ends; a geometric series then bounds the tail (``inf`` if the bound is 1).
    """
    e = s + (pmf.shape[1] - 1)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        f1 = np.maximum(1.0 / a, s / (s - 1.0 + a))
        f2 = np.maximum((n - 1.0 + b) / n, (n - s + b) / (n - s + 1.0))
        rho = f1 * f2
        below = np.where(rho < 1.0, pmf[:, 0] * rho / (1.0 - rho), np.inf)
        below = np.where(s <= 0, 0.0, below)
        g1 = np.maximum((n - e) / (n - e - 1.0 + b), 1.0 / b)
        g2 = np.maximum((e + a) / (e + 1.0), (n - 1.0 + a) / n)
        rho = g1 * g2
        above = np.where(rho < 1.0, pmf[:, -1] * rho / (1.0 - rho), np.inf)
        above = np.where(e >= n, 0.0, above)
    return below, above


def place(target: NDArray, n: NDArray, w: int) -> NDArray:
    """Start of a window of half width ``w`` around ``target``.

    Windows whose centre would lie within ``QMIN`` of 0 or ``n`` (where the
    quadrature is not trusted) are moved to start at 0 or to end at ``n``; the
    start always lies in ``[0, max(n - 2 w, 0)]``.

    Examples
    --------
    >>> import numpy as np
    >>> place(np.array([10.0, 500.0, 995.0]), np.array([1000.0] * 3), 16)
    array([  0., 484., 968.])
    """
    wd = 2 * w + 1
    s = target - w
    top = n - (wd - 1)
    s = np.where(target < QMIN, 0.0, s)
    s = np.where(target > n - QMIN, top, s)
    return np.clip(s, 0.0, np.maximum(top, 0.0))


def _cornish_fisher(
    z: NDArray, mean: NDArray, sd: NDArray, skew: NDArray, kurt: NDArray
) -> NDArray:
    """Cornish-Fisher quantile (with continuity correction) from the first four moments."""
    w = (
        z
        + skew * (z * z - 1.0) / 6.0
        + np.clip(kurt, -3.0, 50.0) * (z**3 - 3.0 * z) / 24.0
        - skew * skew * (2.0 * z**3 - 5.0 * z) / 36.0
    )
    return np.nan_to_num(np.ceil(mean + sd * np.clip(w, -40.0, 40.0) - 0.5))


def _beta_guess(q: NDArray, n: NDArray, mean: NDArray, var: NDArray, fallback: NDArray) -> NDArray:
    """Quantile of the beta distribution matching the moments of ``(X + 1/2) / (n + 1)``.

    Very close to the beta-binomial quantile when ``n`` is large (usually within
    one unit); ``fallback`` where it cannot be computed.
    """
    m = (mean + 0.5) / (n + 1.0)
    v = (var + 1.0 / 12.0) / (n + 1.0) ** 2
    tot = m * (1.0 - m) / v - 1.0
    with np.errstate(all="ignore"):
        x = special.betaincinv(m * tot, (1.0 - m) * tot, q)
        guess = np.ceil(x * (n + 1.0) - 1.0)
    return np.where(np.isfinite(guess), guess, fallback)


# ------------------------------------------------------------------ quantile state


@dataclass
class PpfBlock:
    """State of the quantile search for one block of rows (see the module invariants).

    The first group of fields is fixed at :meth:`start`; the second group is
    updated by the steps.  All arrays have one entry per row.

    Attributes
    ----------
    q : numpy.ndarray
        Lower-tail target, ``0 < q <= 1/2`` (after mirroring).
    n, a, b : numpy.ndarray
        Parameters, ``n >= 1`` (float holding whole numbers).
    size : numpy.ndarray
        Magnitude of SciPy's CDF at the answer (``q`` itself, or 1 for
        mirrored rows); scales the rounding allowance of the tie screen.
    lbab : numpy.ndarray
        Accurate ``log B(a, b)``.
    exact : numpy.ndarray of bool
        ``n <= N_EXACT``: results must equal SciPy's.
    z_q, sd : numpy.ndarray
        Normal score of ``q`` and standard deviation of ``X`` (Newton steps).
    ans : numpy.ndarray
        Answer, -1 while unresolved.
    k_lo, k_hi : numpy.ndarray
        Bracket: ``CDF(k_lo) < q <= CDF(k_hi)``.
    wide : numpy.ndarray of bool
        Window half width ``W`` if True, ``W_NARROW`` if False.
    s : numpy.ndarray
        Start of the current window.
    mi : numpy.ndarray of int64
        Window index of the anchor (-1: before the window; ``AUTO``: none yet).
    anc : numpy.ndarray
        CDF value at the anchor.
    err_abs : numpy.ndarray
        Absolute error allowance of the anchor in use.
    anchor_mag : numpy.ndarray
        Largest CDF value a window sum started from.
    cdf_lo, cdf_hi : numpy.ndarray
        ``CDF(ans - 1)`` and ``CDF(ans)`` of rows settled in a window.
    forced : numpy.ndarray of bool
        Row settled by a closed bracket (not in a window).
    tie : numpy.ndarray of bool
        After :func:`ppf_block`: SciPy's rounding could decide the row
        (only rows with ``exact``).
    """

    q: NDArray
    n: NDArray
    a: NDArray
    b: NDArray
    size: NDArray
    lbab: NDArray
    exact: NDArray
    z_q: NDArray
    sd: NDArray
    ans: NDArray
    k_lo: NDArray
    k_hi: NDArray
    wide: NDArray
    s: NDArray
    mi: NDArray
    anc: NDArray
    err_abs: NDArray
    anchor_mag: NDArray
    cdf_lo: NDArray
    cdf_hi: NDArray
    forced: NDArray
    tie: NDArray

    @classmethod
    def start(cls, q: NDArray, n: NDArray, a: NDArray, b: NDArray, size: NDArray) -> PpfBlock:
        """Initial state: end masses, first bracket, first guess and first windows."""
        m = q.shape[0]
        ans = np.full(m, -1.0)
        z_q = special.ndtri(q)
        mean, var, skew, kurt = moments(n, a, b)
        sd = np.sqrt(var)
        lbab = betaln(a, b)
        cdf_lo = np.zeros(m)
        cdf_hi = np.ones(m)
        anchor_mag = np.zeros(m)
        # exact end masses settle U-shaped rows and give the first bracket
        pmf0 = np.exp(logpmf(np.zeros(m), n, a, b, lbab))
        cdf_nm1 = 1.0 - np.exp(logpmf(n, n, a, b, lbab))
        at0 = q <= pmf0
        atn = ~at0 & (q > cdf_nm1)
        ans[at0] = 0.0
        cdf_hi[at0] = pmf0[at0]
        ans[atn] = n[atn]
        cdf_lo[atn] = cdf_nm1[atn]
        anchor_mag[atn] = 1.0
        k_lo = np.where(at0, -1.0, 0.0)  # CDF(k_lo) < q (CDF(-1) = 0)
        k_hi = np.where(atn, n, n - 1.0)  # CDF(k_hi) >= q
        # window size per row: the whole support when it is short, 129 points when
        # the distribution is narrow (the sums then need no quadrature), else 33
        wide = (n >= 2 * W_NARROW) & ((n < 2 * W) | (sd <= 10.0))
        guess = _cornish_fisher(z_q, mean, sd, skew, kurt)
        nar = np.flatnonzero(~wide & (n >= 2 * W_NARROW))
        guess[nar] = _beta_guess(q[nar], n[nar], mean[nar], var[nar], guess[nar])
        guess = np.clip(guess, k_lo + 1.0, k_hi)
        blk = cls(
            q=q, n=n, a=a, b=b, size=size, lbab=lbab, exact=n <= N_EXACT, z_q=z_q, sd=sd,
            ans=ans, k_lo=k_lo, k_hi=k_hi, wide=wide, s=np.zeros(m),
            mi=np.full(m, AUTO, dtype=np.int64), anc=np.zeros(m), err_abs=np.zeros(m),
            anchor_mag=anchor_mag, cdf_lo=cdf_lo, cdf_hi=cdf_hi,
            forced=np.zeros(m, dtype=bool), tie=np.zeros(m, dtype=bool),
        )
        blk.s[wide] = place(guess[wide], n[wide], W)
        nar = np.flatnonzero(~wide)
        blk.s[nar] = _place_or_widen(blk, nar, guess[nar], W_NARROW)
        return blk


def _place_or_widen(blk: PpfBlock, rows: NDArray, target: NDArray, w: int) -> NDArray:
    """Window start for ``rows``; narrow windows that cannot hold ``target`` widen."""
    st = place(target, blk.n[rows], w)
    if w < W:
        lost = (target < st) | (target > st + 2 * w)
        if lost.any():
            blk.wide[rows[lost]] = True
            st[lost] = place(target[lost], blk.n[rows[lost]], W)
    return st


def _choose_anchors(
    blk: PpfBlock, rows: NDArray, pmf: NDArray, w: int
) -> tuple[NDArray, NDArray, NDArray]:
    """Give the rows with ``mi == AUTO`` an anchor (pmf window sum or quadrature).

    Returns the rows to go on with, their pmf windows, and the rows deferred to
    the next pass (widened because quadrature would be too close to 0 or ``n``).
    """
    auto = np.flatnonzero(blk.mi[rows] == AUTO)
    if auto.size == 0:
        return rows, pmf, rows[:0]
    ar = rows[auto]
    s, n, a, b = blk.s, blk.n, blk.a, blk.b
    below, _ = _outside_mass_bounds(s[ar], pmf[auto], n[ar], a[ar], b[ar])
    use_low = (s[ar] <= 0) | (below <= 1e-18 * blk.q[ar])
    kq = s[ar] + w
    retry = ~use_low & ((kq < QMIN) | (n[ar] - kq < QMIN))
    blk.mi[ar] = np.where(use_low, -1, w)
    blk.anc[ar] = 0.0
    blk.err_abs[ar] = np.where(use_low, below, 0.0)
    blk.anchor_mag[ar] = 0.0
    qr = ar[~use_low & ~retry]
    if qr.size:
        tail = np.empty(qr.size)
        for nodes, sel in ((NODES_EXACT, blk.exact[qr]), (NODES_FAST, ~blk.exact[qr])):
            if sel.any():
                r = qr[sel]
                tail[sel] = tail_quadrature(
                    s[r] + w, n[r], a[r], b[r], np.zeros(r.size, dtype=bool), nodes
                )
        blk.anc[qr] = tail
        blk.err_abs[qr] = _QUAD_REL_ERR * tail + _QUAD_ABS_ERR
        blk.anchor_mag[qr] = tail
    if not retry.any():
        return rows, pmf, rows[:0]
    # quadrature too close to an end: use a wide window, from the next pass on
    rr = ar[retry]
    blk.wide[rr] = True
    blk.mi[rr] = AUTO
    blk.s[rr] = place(kq[retry], n[rr], W)
    keep = np.ones(rows.size, dtype=bool)
    keep[auto[retry]] = False
    return rows[keep], pmf[keep], rr


def _window_cdf(blk: PpfBlock, rows: NDArray, pmf: NDArray) -> tuple[NDArray, NDArray]:
    """CDF over each row's window (1 from ``n`` on) and ``CDF(s - 1)``, from the anchor."""
    wd = pmf.shape[1]
    idx = np.arange(rows.size)
    st, nn = blk.s[rows], blk.n[rows]
    mia, av = blk.mi[rows], blk.anc[rows]
    csum = np.cumsum(pmf, axis=1)
    base = av - np.where(mia >= 0, csum[idx, np.maximum(mia, 0)], 0.0)
    cdf = base[:, None] + csum
    before = base.copy()  # CDF(s - 1)
    end_anchor = np.flatnonzero(mia == wd - 1)
    if end_anchor.size:  # anchored at the window end: exact upper sums
        above = np.zeros((end_anchor.size, wd))
        np.cumsum(pmf[end_anchor, :0:-1], axis=1, out=above[:, -2::-1])
        cdf[end_anchor] = av[end_anchor, None] - above
        before[end_anchor] = cdf[end_anchor, 0] - pmf[end_anchor, 0]
    before[st <= 0] = 0.0
    beyond = st + (wd - 1) >= nn
    if beyond.any():
        sub = cdf[beyond]
        sub[st[beyond, None] + np.arange(wd) >= nn[beyond, None]] = 1.0
        cdf[beyond] = sub
    return cdf, before


def _settle(blk: PpfBlock, rows: NDArray, cdf: NDArray, before: NDArray, first: NDArray) -> None:
    """Record the answers of ``rows``, whose window holds the quantile at ``first``."""
    st = blk.s[rows]
    ri = np.arange(rows.size)
    blk.ans[rows] = st + first
    blk.cdf_hi[rows] = cdf[ri, first]
    blk.cdf_lo[rows] = np.where(first > 0, cdf[ri, np.maximum(first - 1, 0)], before)
    blk.anchor_mag[rows] = np.maximum(blk.anchor_mag[rows], blk.cdf_hi[rows])


def _move(
    blk: PpfBlock,
    rows: NDArray,
    pmf: NDArray,
    cdf: NDArray,
    before: NDArray,
    go_up: NDArray,
    w: int,
    it: int,
) -> NDArray:
    """Narrow the bracket past the window and place the next one; returns unresolved rows.

    ``pmf``, ``cdf`` and ``before`` are those of ``rows``' windows, whose
    quantile lies above the window where ``go_up`` and below it elsewhere.
    """
    wd = 2 * w + 1
    st = blk.s[rows]
    end = st + (wd - 1)
    c_edge = np.where(go_up, cdf[:, -1], before)
    edge = np.where(go_up, end, st - 1.0)
    k_lo, k_hi = blk.k_lo, blk.k_hi
    k_lo[rows] = np.where(go_up, np.maximum(k_lo[rows], end), k_lo[rows])
    k_hi[rows] = np.where(go_up, k_hi[rows], np.minimum(k_hi[rows], st - 1.0))
    # bracket closed (or crossed by rounding between anchors): settle it
    shut = k_hi[rows] <= k_lo[rows] + 1.0
    if shut.any():
        sr = rows[shut]
        blk.ans[sr] = np.maximum(k_hi[sr], 0.0)
        blk.forced[sr] = True
        keep = ~shut
        rows, go_up, pmf, c_edge, edge = (
            rows[keep], go_up[keep], pmf[keep], c_edge[keep], edge[keep]
        )
    # Newton step in normal-score space from the edge, bracketed
    slope = np.where(go_up, pmf[:, -1], pmf[:, 0])
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z_e = special.ndtri(c_edge)
        jump_len = (blk.z_q[rows] - z_e) * np.exp(-0.5 * z_e * z_e - _HALF_LOG_2PI) / slope
    target = edge + jump_len
    lo, hi = k_lo[rows], k_hi[rows]
    bad = ~np.isfinite(target) | (target <= lo) | (target > hi) | (it > 40)
    target = np.where(bad, np.floor(0.5 * (lo + hi)) + 1.0, np.ceil(target))
    target = np.clip(target, lo + 1.0, hi)
    # large n: stop when the Newton step is far below the tolerance
    early = (
        ~bad
        & ~blk.exact[rows]
        & (np.abs(jump_len) <= 2e-4 * blk.sd[rows])
        & (np.abs(jump_len) > wd)
    )
    if early.any():
        blk.ans[rows[early]] = target[early]
        keep = ~early
        rows, target, go_up, c_edge, edge = (
            rows[keep], target[keep], go_up[keep], c_edge[keep], edge[keep]
        )
    # short moves walk on from the known edge (keeping its CDF as anchor), long ones jump
    reach = wd - w // 2
    walk_up = go_up & (target - edge <= reach)
    walk_dn = ~go_up & (edge - target <= reach)
    wu = rows[walk_up]
    blk.s[wu] = edge[walk_up] + 1.0
    blk.mi[wu] = -1
    blk.anc[wu] = c_edge[walk_up]
    wdn = rows[walk_dn]
    new_s = edge[walk_dn] - (wd - 1)
    at_bottom = new_s <= 0
    blk.s[wdn] = np.maximum(new_s, 0.0)
    blk.mi[wdn] = np.where(at_bottom, AUTO, wd - 1)
    blk.anc[wdn] = c_edge[walk_dn]
    blk.anchor_mag[wdn] = np.maximum(blk.anchor_mag[wdn], c_edge[walk_dn])
    jump = ~walk_up & ~walk_dn
    jr = rows[jump]
    blk.s[jr] = _place_or_widen(blk, jr, target[jump], w)
    blk.mi[jr] = AUTO
    return rows


def _step(blk: PpfBlock, rows: NDArray, w: int, it: int) -> NDArray:
    """One window of half width ``w`` for each of ``rows``; returns the rows still unresolved."""
    wd = 2 * w + 1
    pmf = pmf_window(blk.s[rows], blk.n[rows], blk.a[rows], blk.b[rows], wd, blk.lbab[rows])
    rows, pmf, deferred = _choose_anchors(blk, rows, pmf, w)
    cdf, before = _window_cdf(blk, rows, pmf)
    # first index where the CDF reaches q
    idx = np.arange(rows.size)
    hit = cdf >= blk.q[rows, None]
    first = np.argmax(hit, axis=1)
    has = hit[idx, first]
    found = has & (before < blk.q[rows])
    fi = np.flatnonzero(found)
    if fi.size:
        _settle(blk, rows[fi], cdf[fi], before[fi], first[fi])
    ni = np.flatnonzero(~found)
    if ni.size == 0:
        return deferred
    moved = _move(blk, rows[ni], pmf[ni], cdf[ni], before[ni], ~has[ni], w, it)
    return np.concatenate([moved, deferred])


def _flag_ties(blk: PpfBlock) -> None:
    """Set ``tie`` for exact rows whose answer SciPy's rounding could decide.

    SciPy sums ``exp(log pmf)`` from 0; its relative error is bounded by the
    error of its log pmf (measured against ours at 0, at the answer and at
    ``n``) plus the rounding of the cancelling terms.  A cheap screen comes
    first.  Unsettled rows get ``k_hi`` as answer.
    """
    ans, exact = blk.ans, blk.exact
    lost = ans < 0  # not settled within MAX_ITER passes (never seen in tests)
    ans[lost] = blk.k_hi[lost]
    tie = exact & (lost | blk.forced)
    chk = np.flatnonzero(exact & ~tie)
    if chk.size:
        ac, bc, q = blk.a[chk], blk.b[chk], blk.q[chk]
        sz = np.maximum(blk.size[chk], blk.anchor_mag[chk])
        gap = np.minimum(blk.cdf_hi[chk] - q, q - blk.cdf_lo[chk]) - blk.err_abs[chk]
        common = np.abs(special.betaln(ac, bc) - blk.lbab[chk])
        near = np.flatnonzero(gap <= np.maximum(1e-4, 64.0 * common) * sz)
        if near.size:
            kk, nn, ac, bc = ans[chk][near], blk.n[chk][near], ac[near], bc[near]
            dev = np.zeros(near.size)
            for j in (np.zeros(near.size), kk, nn):
                dev = np.maximum(
                    dev, np.abs(_logpmf_scipy(j, nn, ac, bc) - logpmf(j, nn, ac, bc))
                )
            mag = _log_magnitude(kk, nn, ac, bc)
            band = 8.0 * (dev + 64.0 * _EPS * (mag + 64.0)) * sz[near]
            tie[chk[near[gap[near] <= band]]] = True
    blk.tie = tie


def ppf_block(q: NDArray, n: NDArray, a: NDArray, b: NDArray, size: NDArray) -> PpfBlock:
    """Smallest ``k`` with ``CDF(k) >= q`` for rows with ``n >= 1`` and ``q <= 1/2``.

    Parameters
    ----------
    q, n, a, b : numpy.ndarray
        One-dimensional float arrays of equal length (no validation).
    size : numpy.ndarray
        Magnitude of SciPy's CDF at the answer (``q``, or 1 for mirrored upper
        quantiles); used by the tie screen.

    Returns
    -------
    PpfBlock
        Final state: ``ans`` holds the answers (float), ``tie`` flags rows
        with ``n <= N_EXACT`` whose CDF lies so close to ``q`` at the answer
        that SciPy's rounding could decide them.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import stats
    >>> blk = ppf_block(np.array([0.3]), np.array([50.0]), np.array([2.0]),
    ...                 np.array([3.0]), np.array([0.3]))
    >>> float(blk.ans[0]), float(stats.betabinom.ppf(0.3, 50, 2.0, 3.0))
    (13.0, 13.0)
    >>> bool(blk.cdf_lo[0] < 0.3 <= blk.cdf_hi[0]), bool(blk.tie[0])
    (True, False)
    """
    blk = PpfBlock.start(q, n, a, b, size)
    act = np.flatnonzero(blk.ans < 0)
    it = 0
    while act.size and it < MAX_ITER:
        it += 1
        parts = []
        # the wide rows are selected after the narrow step (see the module notes)
        for flag, w in ((False, W_NARROW), (True, W)):
            rows = act[blk.wide[act] == flag]
            if rows.size:
                parts.append(_step(blk, rows, w, it))
        act = np.concatenate(parts) if parts else act[:0]
    _flag_ties(blk)
    return blk


#: Largest number of pmf cells :func:`summed_lower_ppf` holds at once (rows x support).
SUM_CELLS = 1 << 21
_TINY = 1e-300  # absolute allowance per pmf term for underflow below exp(-690)


def _log_pmf_from_mode(n: NDArray, a: NDArray, b: NDArray, width: int
                       ) -> tuple[NDArray, NDArray]:
    """``log(pmf(j) / pmf(m))`` for ``j < width`` (``-inf`` beyond ``n``) and its error bound.

    ``m`` is (close to) the mode.  Each log ratio ``log(pmf(j + 1) / pmf(j))`` is summed
    outwards from ``m``, so no beta function -- and none of its absolute rounding, which
    grows with ``a + b`` -- enters.  Returns the rows x width array and, per row, a bound
    on the absolute error of the entries that are above ``exp(-745)``: ``(n + 1)`` terms
    each off by at most ``8 eps`` (the ratio's roundings) plus ``eps`` times the largest
    absolute log ratio and partial sum met.
    """
    j = np.arange(width - 1, dtype=np.float64)[None, :]
    nn, aa, bb = n[:, None], a[:, None], b[:, None]
    inside = j < nn
    with np.errstate(divide="ignore", invalid="ignore"):
        logr = np.log((nn - j) * (j + aa) / ((j + 1.0) * (nn - j - 1.0 + bb)))
    logr = np.where(inside, logr, 0.0)
    rough = np.concatenate([np.zeros((n.size, 1)), np.cumsum(logr, axis=1)], axis=1)
    support = np.arange(width)[None, :] <= nn
    mode = np.argmax(np.where(support, rough, -np.inf), axis=1)[:, None]
    up = np.where(j >= mode, logr, 0.0)  # sums from the mode upwards
    down = np.where(j < mode, logr, 0.0)  # and downwards (reversed cumulative sums)
    out = np.zeros((n.size, width))
    out[:, 1:] = np.cumsum(up, axis=1)
    out[:, :-1] -= np.cumsum(down[:, ::-1], axis=1)[:, ::-1]
    out = np.where(support, out, -np.inf)
    seen = out >= -745.0
    big = np.max(np.where(seen, np.abs(out), 0.0), axis=1)
    big_r = np.max(np.where(seen[:, 1:] & inside, np.abs(logr), 0.0), axis=1)
    err = (n + 1.0) * _EPS * (8.0 + big + big_r)
    return out, err


def summed_lower_ppf(t: NDArray, n: NDArray, a: NDArray, b: NDArray
                     ) -> tuple[NDArray, NDArray, NDArray]:
    """Quantile by summing the whole pmf: ``(lo, k, hi)`` per row (``1 <= n``, ``t <= 1/2``).

    ``k`` is the smallest ``j`` with ``C(j) >= t``, ``C(j) = sum_{i <= j} pmf(i) / sum_i
    pmf(i)``, every pmf value taken relative to the mode by :func:`_log_pmf_from_mode`:
    the lower tail is summed from 0 (the far end), never as ``1 - CDF``, and the
    normalising sum removes the common factor ``B(a, b)``.  With ``e`` the bound on the
    relative error of ``C`` (twice the log error plus ``(n + 1) eps`` of summation) and an
    absolute ``(n + 1) 1e-300`` for underflow, ``lo`` is the smallest ``j`` the error
    cannot exclude and ``hi`` the smallest proven one: the exact quantile lies in
    ``[lo, hi]`` and equals ``k`` when ``lo == hi``.  Costs ``O(n)`` per row: used for the
    rows (``n <= N_EXACT``) whose answer the search cannot certify.

    Examples
    --------
    Uniform law on {0, ..., 9} (``a = b = 1``): ``C(j) = (j + 1) / 10``.

    >>> import numpy as np
    >>> one = np.array([1.0])
    >>> lo, k, hi = summed_lower_ppf(np.array([0.25]), 9 * one, one, one)
    >>> int(lo[0]), int(k[0]), int(hi[0])
    (2, 2, 2)
    """
    m = t.shape[0]
    lo = np.empty(m)
    k = np.empty(m)
    hi = np.empty(m)
    order = np.argsort(n, kind="stable")
    widths = n[order] + 1.0
    start = 0
    while start < m:
        # rows sorted by n: take as many as fit in SUM_CELLS at the widest one's width
        cells = (np.arange(1, m - start + 1) * widths[start:])
        stop = start + max(1, int(np.argmax(cells > SUM_CELLS)) if cells[-1] > SUM_CELLS
                           else m - start)
        rows = order[start:stop]
        width = int(widths[stop - 1])
        logw, err_log = _log_pmf_from_mode(n[rows], a[rows], b[rows], width)
        w = np.exp(logw)
        total = w.sum(axis=1)
        cdf = np.cumsum(w, axis=1) / total[:, None]
        cdf[np.arange(width)[None, :] >= n[rows, None]] = 1.0
        rel = 2.0 * np.expm1(err_log) + 4.0 * (n[rows] + 1.0) * _EPS
        slack = (n[rows] + 1.0) * _TINY / total
        tt = t[rows, None]
        lo[rows] = np.argmax(cdf * (1.0 + rel[:, None]) + slack[:, None] >= tt, axis=1)
        k[rows] = np.argmax(cdf >= tt, axis=1)
        hi[rows] = np.argmax(cdf * (1.0 - rel[:, None]) - slack[:, None] >= tt, axis=1)
        start = stop
    return lo, k, hi


#: Largest ``n`` whose near-ties :func:`ppf` settles in exact rational arithmetic.
RATIONAL_N = 64


def rational_lower_ppf(t: float, strict: bool, n: int, a: float, b: float, lo: int, hi: int
                       ) -> int:
    """Smallest ``j`` in ``[lo, hi]`` with ``C(j) >= t`` (``> t`` if ``strict``), exactly.

    ``C`` is the beta-binomial CDF in rational arithmetic (:class:`fractions.Fraction`;
    ``a``, ``b`` and ``t`` are the exact values of their doubles): the pmf up to a common
    factor is the product of the ratios ``pmf(j + 1) / pmf(j)``, normalised by its sum.
    For the rows with ``n <= RATIONAL_N`` that even :func:`summed_lower_ppf` leaves
    undecided (a tie within a few ulp); about a millisecond per row.

    Examples
    --------
    ``P(X = 0) = b / (a + b) = 1e-7`` exactly for ``n = 1``, ``a = 99999990``, ``b = 10``;
    the double nearest 1e-7 lies just below it, so the quantile there is 0:

    >>> rational_lower_ppf(1e-7, False, 1, 99999990.0, 10.0, 0, 1)
    0
    """
    big_a, big_b, target = Fraction(a), Fraction(b), Fraction(t)
    w = [Fraction(1)]
    for j in range(n):
        w.append(w[-1] * ((n - j) * (j + big_a)) / ((j + 1) * (n - j - 1 + big_b)))
    total = sum(w)
    run = sum(w[:lo])
    for j in range(lo, hi):
        run += w[j]
        c = run / total
        if c > target or (c == target and not strict):
            return j
    return hi


def ppf(q: NDArray, n: NDArray, a: NDArray, b: NDArray) -> NDArray[np.int64]:
    """Quantiles of flat float arrays; upper quantiles via the mirror ``n - X ~ BB(n, b, a)``.

    For ``q > 1/2`` the smallest ``k`` with ``P(X <= k) >= q`` is ``n - j`` with
    ``j`` the smallest value where ``P(n - X <= j) > 1 - q``; the strict
    inequality is the non-strict one at the next float above ``1 - q``.
    Rows with ``n <= N_EXACT`` that the tie screen flags are settled by
    :func:`summed_lower_ppf`; where even that sum cannot separate ``q`` from the CDF,
    :func:`rational_lower_ppf` decides exactly for ``n <= RATIONAL_N``, and
    :func:`scipy.stats.betabinom.ppf` chooses among the candidates left above that.

    Examples
    --------
    >>> import numpy as np
    >>> ppf(np.array([0.5, 0.5]), np.array([0.0, 10.0]), np.array([1.0, 1.0]),
    ...     np.array([1.0, 1.0]))
    array([0, 5])

    Far in the upper tail of a narrow Beta, where SciPy's CDF loses its digits
    (``scipy.stats.betabinom.ppf`` gives 10000 here; ``P(X > 5) = 1.47e-9``,
    ``P(X > 6) = 2.2e-11``):

    >>> one = np.array([1.0])
    >>> ppf(1 - 1e-9 * one, 1e4 * one, 100 * one, (1e7 - 100) * one)
    array([6])
    """
    out = np.zeros(q.shape[0], dtype=np.int64)
    work = np.flatnonzero(n > 0)
    for start in range(0, work.size, CHUNK):
        idx = work[start : start + CHUNK]
        qi, ni, ai, bi = q[idx], n[idx], a[idx], b[idx]
        up = qi > 0.5
        ql = np.where(up, np.nextafter(1.0 - qi, 1.0), qi)
        al, bl = np.where(up, bi, ai), np.where(up, ai, bi)
        blk = ppf_block(ql, ni, al, bl, np.where(up, 1.0, qi))
        low = blk.ans
        redo = np.flatnonzero(blk.tie)
        if redo.size:  # rows the search cannot certify (n <= N_EXACT only): sum the pmf
            lo, k, hi = summed_lower_ppf(ql[redo], ni[redo], al[redo], bl[redo])
            small = (lo < hi) & (ni[redo] <= RATIONAL_N)
            for i in np.flatnonzero(small):  # a tie even for the sum: exact arithmetic
                r = redo[i]
                k[i] = rational_lower_ppf(
                    float(1.0 - qi[r] if up[r] else qi[r]), bool(up[r]), int(ni[r]),
                    float(al[r]), float(bl[r]), int(lo[i]), int(hi[i]))
            open_ = np.flatnonzero((lo < hi) & ~small)
            if open_.size:  # larger n: SciPy picks among the candidates the sum leaves
                r = redo[open_]
                ks = stats.betabinom.ppf(qi[r], ni[r], ai[r], bi[r])
                js = np.where(up[r], ni[r] - ks, ks)
                inside = (js >= lo[open_]) & (js <= hi[open_])
                k[open_] = np.where(inside, js, k[open_])
            low[redo] = k
        out[idx] = np.where(up, ni - low, low).astype(np.int64)
    return out


# ------------------------------------------------------------------ CDF


def _cdf_block(k: NDArray, n: NDArray, a: NDArray, b: NDArray) -> NDArray:
    """CDF for rows with ``0 <= k < n``: exact window sums or quadrature."""
    rows = np.arange(k.shape[0])
    s = np.clip(k - W, 0.0, np.maximum(n - (WD - 1), 0.0))
    pmf = pmf_window(s, n, a, b, WD)
    below, above = _outside_mass_bounds(s, pmf, n, a, b)
    i = (k - s).astype(np.int64)
    low_val = np.cumsum(pmf, axis=1)[rows, i]
    rsum = np.cumsum(pmf[:, ::-1], axis=1)[:, ::-1]  # rsum[:, j] = sum of pmf[:, j:]
    up_val = np.where(i + 1 < WD, rsum[rows, np.minimum(i + 1, WD - 1)], 0.0)
    want_up = k >= n * a / (a + b)
    low_ok = below <= 1e-18 * low_val
    up_ok = above <= 1e-18 * up_val
    can_quad = np.minimum(k + 1.0, n - k) >= 48
    use_low = np.where(want_up, ~up_ok & ~can_quad, low_ok | ~can_quad)
    use_up = np.where(want_up, up_ok, ~low_ok & ~can_quad)
    res = np.where(use_up, 1.0 - up_val, low_val)
    quad = np.flatnonzero(~use_low & ~use_up)
    if quad.size:
        exact = n[quad] <= N_EXACT
        tail = np.empty(quad.size)
        for nodes, sel in ((NODES_EXACT, exact), (NODES_FAST, ~exact)):
            if sel.any():
                r = quad[sel]
                tail[sel] = tail_quadrature(k[r], n[r], a[r], b[r], want_up[r], nodes)
        res[quad] = np.where(want_up[quad], 1.0 - tail, tail)
    return np.clip(res, 0.0, 1.0)


def cdf_rows(k: NDArray, n: NDArray, a: NDArray, b: NDArray) -> NDArray:
    """``P(X <= k)`` for flat float arrays with ``0 <= k < n``, whole ``k`` (in blocks).

    Examples
    --------
    >>> import numpy as np
    >>> cdf_rows(np.array([0.0]), np.array([2.0]), np.array([1.0]), np.array([1.0]))
    array([0.33333333])
    """
    out = np.empty(k.shape[0])
    for start in range(0, k.shape[0], CHUNK):
        sl = slice(start, start + CHUNK)
        out[sl] = _cdf_block(k[sl], n[sl], a[sl], b[sl])
    return out
