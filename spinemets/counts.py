"""Fast exact quantiles of over-dispersed count distributions.

This module provides vectorised quantile functions (and closed-form moments)
for the two count distributions used to turn uncertain rates and proportions
into predicted counts:

* the **beta-binomial** ``X ~ Binomial(n, p)`` with ``p ~ Beta(a, b)``
  (:func:`betabinom_ppf`, :func:`betabinom_cdf`, :func:`betabinom_moments`);
* the **Poisson-gamma** (negative binomial) ``X ~ Poisson(lambda * exposure)``
  with ``lambda ~ Gamma(shape, rate)`` (:func:`poisson_gamma_ppf`,
  :func:`nbinom_ppf`, :func:`poisson_gamma_moments`).

:func:`betabinom_ppf` exists because :func:`scipy.stats.betabinom.ppf` bisects
on a CDF that sums the probability mass function term by term, which costs
milliseconds per row for large ``n``.  Here each row needs the CDF at a single
point, either summed exactly from a point below which the mass is provably
negligible or obtained by Gauss-Hermite quadrature of an exact integral
representation; the integer quantile then comes from summing the mass function
on a short window around a first guess (Newton steps when the window misses).
The cost does not grow with ``n``.

Accuracy contract of :func:`betabinom_ppf`: for ``n <= 10_000`` the result is
identical to :func:`scipy.stats.betabinom.ppf` (near-ties that SciPy's own
rounding decides are handed to SciPy); for larger ``n`` it is within
``max(1, 0.001 * sd)`` of the exact quantile, ``sd`` being the predictive
standard deviation, and usually exact.  :func:`nbinom_ppf` and
:func:`poisson_gamma_ppf` use SciPy's compiled (Boost) negative-binomial
quantile, which is already vectorised and fast, after validating the
arguments; they are therefore identical to :func:`scipy.stats.nbinom.ppf`.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special, stats

__all__ = [
    "betabinom_cdf",
    "betabinom_moments",
    "betabinom_ppf",
    "nbinom_ppf",
    "poisson_gamma_moments",
    "poisson_gamma_ppf",
]

#: Largest ``n`` for which :func:`betabinom_ppf` promises results identical to SciPy.
N_EXACT = 10_000
#: Largest accepted ``n`` (whole numbers are exact in float64 below 2**53).
N_MAX = 2**52

_W = 64  # half width of the wide pmf window
_WD = 2 * _W + 1  # its width
_W_NARROW = 16  # half width of the narrow window (wide distributions)
_QMIN = 64  # quadrature only for min(k + 1, n - k) >= _QMIN
_NODES_EXACT = 28  # Gauss-Hermite nodes where identical results are promised
_NODES_FAST = 10  # Gauss-Hermite nodes where 0.001 sd is enough
_INFLATE = 1.1  # widening of the Gauss-Hermite scale (tails of the integrand)
_CHUNK = 4096  # rows per block
_MAX_ITER = 200
_AUTO = -2  # window anchor still to be chosen
# error allowance of a quadrature anchor: relative to the tail, plus an absolute
# floor (tails far below 1e-20 are underestimated, never overestimated)
_QUAD_REL_ERR = 1e-9
_QUAD_ABS_ERR = 1e-20
_EPS = np.finfo(float).eps
_HALF_LOG_2PI = 0.5 * np.log(2.0 * np.pi)
_GH_X, _GH_W = {}, {}
for _nodes in (_NODES_EXACT, _NODES_FAST):
    _x, _w = np.polynomial.hermite.hermgauss(_nodes)
    _GH_X[_nodes] = _x
    _GH_W[_nodes] = np.log(_w) + _x * _x  # log of weight * exp(x**2)
del _nodes, _x, _w


# --------------------------------------------------------------------------- checks


def _real_array(value: Any, name: str) -> NDArray[np.float64]:
    """Return ``value`` as a float64 array of finite reals (TypeError/ValueError naming it)."""
    if isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must hold real numbers, got bool {value!r}")
    if isinstance(value, str | bytes):
        raise TypeError(f"{name} must hold real numbers, got {type(value).__name__} {value!r}")
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be array-like of real numbers ({exc})") from exc
    if arr.dtype == bool:
        raise TypeError(f"{name} must hold real numbers, got booleans")
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype} ({value!r:.80})")
    out = arr.astype(np.float64)
    bad = ~np.isfinite(out)
    if bad.any():
        first = out[bad].flat[0]
        raise ValueError(f"{name} must be finite, got {first!r}")
    return out


def _check_q(q: Any) -> NDArray[np.float64]:
    out = _real_array(q, "q")
    bad = (out <= 0.0) | (out >= 1.0)
    if bad.any():
        raise ValueError(
            f"q must lie strictly between 0 and 1 (a probability), got {out[bad].flat[0]!r}"
        )
    return out


def _check_positive(value: Any, name: str) -> NDArray[np.float64]:
    out = _real_array(value, name)
    bad = out <= 0.0
    if bad.any():
        raise ValueError(f"{name} must be > 0, got {out[bad].flat[0]!r}")
    return out


def _check_nonnegative(value: Any, name: str) -> NDArray[np.float64]:
    out = _real_array(value, name)
    bad = out < 0.0
    if bad.any():
        raise ValueError(f"{name} must be >= 0, got {out[bad].flat[0]!r}")
    return out


def _check_n(n: Any) -> NDArray[np.float64]:
    """Whole numbers 0 <= n <= N_MAX, returned as float64 (exact)."""
    if isinstance(n, numbers.Integral) and not isinstance(n, bool) and abs(int(n)) > N_MAX:
        raise ValueError(f"n must be <= {N_MAX}, got {int(n)!r}")
    out = _real_array(n, "n")
    frac = out != np.floor(out)
    if frac.any():
        raise ValueError(f"n must be a whole number, got {out[frac].flat[0]!r}")
    neg = out < 0
    if neg.any():
        raise ValueError(f"n must be >= 0, got {out[neg].flat[0]!r}")
    big = out > N_MAX
    if big.any():
        raise ValueError(f"n must be <= {N_MAX}, got {out[big].flat[0]!r}")
    return out


# ------------------------------------------------------------------ small helpers


def _betaln(x: NDArray, y: NDArray) -> NDArray:
    """``log B(x, y)`` with relative error of a few ulp, also for very unequal arguments.

    (:func:`scipy.special.betaln` can lose about 1e-10 absolute when one
    argument is large and the other small.)  Stirling's series with the exact
    remainder :func:`_stirlerr`, arranged so that no large terms cancel.
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
            + _stirlerr(lb)
            + _stirlerr(hb)
            - _stirlerr(sb)
        )
    if mixed.any():
        lm, hm = lo[mixed], hi[mixed]
        sm = lm + hm
        out[mixed] = (
            special.gammaln(lm)
            - lm * np.log(sm)
            + (lm - (hm - 0.5) * np.log1p(lm / hm))
            + _stirlerr(hm)
            - _stirlerr(sm)
        )
    if small.any():
        ls, hs = lo[small], hi[small]
        out[small] = special.gammaln(ls) + special.gammaln(hs) - special.gammaln(ls + hs)
    return out


def _logpmf(
    k: NDArray, n: NDArray, a: NDArray, b: NDArray, lbab: NDArray | None = None
) -> NDArray:
    """Beta-binomial log pmf at integer ``0 <= k <= n`` (accurate beta functions).

    ``lbab`` is ``log B(a, b)`` if already known.
    """
    if lbab is None:
        lbab = _betaln(a, b)
    return -np.log1p(n) - _betaln(n - k + 1.0, k + 1.0) + _betaln(k + a, n - k + b) - lbab


def _logpmf_scipy(k: NDArray, n: NDArray, a: NDArray, b: NDArray) -> NDArray:
    """The same with :func:`scipy.special.betaln`, as SciPy evaluates it."""
    return (
        -np.log(n + 1.0)
        - special.betaln(n - k + 1.0, k + 1.0)
        + special.betaln(k + a, n - k + b)
        - special.betaln(a, b)
    )


def _log_magnitude(k: NDArray, n: NDArray, a: NDArray, b: NDArray) -> NDArray:
    """Size of the terms cancelling in :func:`_logpmf` (bounds its rounding error)."""
    return (
        np.log1p(n)
        + np.abs(special.betaln(n - k + 1.0, k + 1.0))
        + np.abs(special.betaln(k + a, n - k + b))
        + np.abs(special.betaln(a, b))
    )


def _stirlerr(x: NDArray) -> NDArray:
    """``log Gamma(x) - (x - 1/2) log x + x - log(2 pi) / 2`` without cancellation."""
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


def _logit_beta_logpdf(t: NDArray, al: NDArray, be: NDArray, const: NDArray) -> NDArray:
    """Log density of ``logit(U)``, ``U ~ Beta(al, be)``, in a cancellation-free form.

    ``const`` is the log density at the mode ``log(al / be)`` (see
    :func:`_logit_beta_logmode`); the rest is ``-(al + be)`` times the
    Kullback-Leibler divergence between Bernoulli(u0) and Bernoulli(u).
    """
    s = al + be
    u0 = al / s
    v0 = be / s
    d = t - np.log(al / be)
    with np.errstate(over="ignore", invalid="ignore"):
        kl = np.where(
            u0 < 0.5,
            np.log1p(u0 * np.expm1(d)) - u0 * d,
            np.log1p(v0 * np.expm1(-d)) + v0 * d,
        )
    return const - s * kl


def _logit_beta_logmode(al: NDArray, be: NDArray) -> NDArray:
    s = al + be
    return 0.5 * np.log(al * be / s) - _HALF_LOG_2PI + _stirlerr(s) - _stirlerr(al) - _stirlerr(be)


def _tail_quadrature(
    k: NDArray, n: NDArray, a: NDArray, b: NDArray, upper: NDArray, nodes: int
) -> NDArray:
    """``P(X <= k)`` (or ``P(X > k)`` where ``upper``) for ``0 <= k < n`` by quadrature.

    Uses ``P(X <= k) = P(P < U)`` with ``P ~ Beta(a, b)`` and
    ``U ~ Beta(k + 1, n - k)`` (the (k+1)-th order statistic of ``n``
    uniforms).  In logit coordinates this is the integral of the density of the
    narrower of the two variables times the CDF of the wider one, a
    log-concave integrand that is integrated by Gauss-Hermite quadrature
    centred and scaled by a skew-normal approximation.
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
    x = _GH_X[nodes]
    t = centre[:, None] + scale[:, None] * x[None, :]
    const = _logit_beta_logmode(n_al, n_be)
    log_g = _logit_beta_logpdf(t, n_al[:, None], n_be[:, None], const[:, None])
    with np.errstate(over="ignore"):
        u = 1.0 / (1.0 + np.exp(-t))
    cdf_w = special.betainc(w_al[:, None], w_be[:, None], u)
    terms = np.exp(log_g + _GH_W[nodes][None, :]) * cdf_w
    return np.minimum(terms.sum(axis=1) * scale, 1.0)


def _pmf_window(
    start: NDArray, n: NDArray, a: NDArray, b: NDArray, width: int, lbab: NDArray | None = None
) -> NDArray:
    """pmf at ``start + j`` for ``j < width`` (zero beyond ``n``); rows x width array.

    ``log pmf(start)`` comes from beta functions, the rest from the ratio
    ``pmf(j + 1) / pmf(j) = (n - j)(j + a) / ((j + 1)(n - j - 1 + b))``.
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
    logp[:, 0] = _logpmf(start, n, a, b, lbab)
    np.cumsum(logp, axis=1, out=logp)
    return np.exp(logp, out=logp)


def _bb_moments(n: NDArray, a: NDArray, b: NDArray) -> tuple[NDArray, ...]:
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


# ------------------------------------------------------------------ core solver


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


def _place(target: NDArray, n: NDArray, w: int) -> NDArray:
    """Start of a window of half width ``w`` around ``target``.

    Windows whose centre would lie within ``_QMIN`` of 0 or ``n`` (where the
    quadrature is not trusted) are moved to start at 0 or to end at ``n``.
    """
    wd = 2 * w + 1
    s = target - w
    top = n - (wd - 1)
    s = np.where(target < _QMIN, 0.0, s)
    s = np.where(target > n - _QMIN, top, s)
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


def _bb_ppf_block(
    q: NDArray, n: NDArray, a: NDArray, b: NDArray, size: NDArray
) -> tuple[NDArray, NDArray]:
    """Smallest ``k`` with ``CDF(k) >= q`` for rows with ``n >= 1`` and ``q <= 1/2``.

    Returns the answers (float) and, for the comparison with SciPy, a flag per
    row telling whether the CDF lies so close to ``q`` at the answer that
    SciPy's rounding could decide it.  ``size`` is the magnitude of SciPy's CDF
    at the answer (1 for mirrored upper quantiles).
    """
    m = q.shape[0]
    ans = np.full(m, -1.0)
    exact = n <= N_EXACT
    z_q = special.ndtri(q)
    mean, var, skew, kurt = _bb_moments(n, a, b)
    sd = np.sqrt(var)
    lbab = _betaln(a, b)
    # CDF just below / at the answer, absolute error of the anchor used, and the
    # largest CDF value the window sums started from (bounds their rounding)
    cdf_lo = np.zeros(m)
    cdf_hi = np.ones(m)
    err_abs = np.zeros(m)
    anchor_mag = np.zeros(m)
    forced = np.zeros(m, dtype=bool)  # settled by a closed bracket, not in a window

    # exact end masses settle U-shaped rows and give the first bracket
    pmf0 = np.exp(_logpmf(np.zeros(m), n, a, b, lbab))
    cdf_nm1 = 1.0 - np.exp(_logpmf(n, n, a, b, lbab))
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
    wide = (n >= 2 * _W_NARROW) & ((n < 2 * _W) | (sd <= 10.0))
    guess = _cornish_fisher(z_q, mean, sd, skew, kurt)
    nar = np.flatnonzero(~wide & (n >= 2 * _W_NARROW))
    guess[nar] = _beta_guess(q[nar], n[nar], mean[nar], var[nar], guess[nar])
    guess = np.clip(guess, k_lo + 1.0, k_hi)
    # window [s, s + wd - 1] with a known CDF value A at window index mi
    # (mi = -1: A = CDF(s - 1)); mi = _AUTO: choose the anchor once the pmf is known
    mi = np.full(m, _AUTO, dtype=np.int64)
    anc = np.zeros(m)

    def place_or_widen(rows: NDArray, target: NDArray, w: int) -> NDArray:
        """Window start for ``rows``; narrow windows that cannot hold ``target`` widen."""
        st = _place(target, n[rows], w)
        if w < _W:
            lost = (target < st) | (target > st + 2 * w)
            if lost.any():
                wide[rows[lost]] = True
                st[lost] = _place(target[lost], n[rows[lost]], _W)
        return st

    s = np.zeros(m)
    s[wide] = _place(guess[wide], n[wide], _W)
    nar = np.flatnonzero(~wide)
    s[nar] = place_or_widen(nar, guess[nar], _W_NARROW)

    def step(rows: NDArray, w: int, it: int) -> NDArray:
        """One window per row; returns the rows still unresolved."""
        wd = 2 * w + 1
        pmf = _pmf_window(s[rows], n[rows], a[rows], b[rows], wd, lbab[rows])
        # 1. anchors for windows that do not continue the previous one: the sum
        #    from the window start if the mass below it is negligible, else the
        #    CDF at the window centre by quadrature
        auto = np.flatnonzero(mi[rows] == _AUTO)
        if auto.size:
            ar = rows[auto]
            below, _ = _outside_mass_bounds(s[ar], pmf[auto], n[ar], a[ar], b[ar])
            use_low = (s[ar] <= 0) | (below <= 1e-18 * q[ar])
            kq = s[ar] + w
            retry = ~use_low & ((kq < _QMIN) | (n[ar] - kq < _QMIN))
            mi[ar] = np.where(use_low, -1, w)
            anc[ar] = 0.0
            err_abs[ar] = np.where(use_low, below, 0.0)
            anchor_mag[ar] = 0.0
            qr = ar[~use_low & ~retry]
            if qr.size:
                tail = np.empty(qr.size)
                for nodes, sel in ((_NODES_EXACT, exact[qr]), (_NODES_FAST, ~exact[qr])):
                    if sel.any():
                        r = qr[sel]
                        tail[sel] = _tail_quadrature(
                            s[r] + w, n[r], a[r], b[r], np.zeros(r.size, dtype=bool), nodes
                        )
                anc[qr] = tail
                err_abs[qr] = _QUAD_REL_ERR * tail + _QUAD_ABS_ERR
                anchor_mag[qr] = tail
            if retry.any():  # quadrature too close to an end: use a wide window
                rr = ar[retry]
                wide[rr] = True
                mi[rr] = _AUTO
                s[rr] = _place(kq[retry], n[rr], _W)
                keep = np.ones(rows.size, dtype=bool)
                keep[auto[retry]] = False
                rows, pmf = rows[keep], pmf[keep]
                deferred = rr
            else:
                deferred = rows[:0]
        else:
            deferred = rows[:0]
        # 2. CDF over the window, first index where it reaches q (CDF = 1 from n on)
        idx = np.arange(rows.size)
        st, nn, qa = s[rows], n[rows], q[rows]
        mia, av = mi[rows], anc[rows]
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
        hit = cdf >= qa[:, None]
        first = np.argmax(hit, axis=1)
        has = hit[idx, first]
        found = has & (before < qa)
        # 3. rows settled in this window
        fi = np.flatnonzero(found)
        if fi.size:
            fr = rows[fi]
            i_star = first[fi]
            ans[fr] = st[fi] + i_star
            cdf_hi[fr] = cdf[fi, i_star]
            cdf_lo[fr] = np.where(i_star > 0, cdf[fi, np.maximum(i_star - 1, 0)], before[fi])
            anchor_mag[fr] = np.maximum(anchor_mag[fr], cdf_hi[fr])
        # 4. the others move: Newton step in normal-score space, bracketed
        ni = np.flatnonzero(~found)
        if ni.size == 0:
            return deferred
        rows = rows[ni]
        go_up = ~has[ni]
        st = st[ni]
        end = st + (wd - 1)
        c_edge = np.where(go_up, cdf[ni, -1], before[ni])
        edge = np.where(go_up, end, st - 1.0)
        k_lo[rows] = np.where(go_up, np.maximum(k_lo[rows], end), k_lo[rows])
        k_hi[rows] = np.where(go_up, k_hi[rows], np.minimum(k_hi[rows], st - 1.0))
        # bracket closed (or crossed by rounding between anchors): settle it
        shut = k_hi[rows] <= k_lo[rows] + 1.0
        if shut.any():
            sr = rows[shut]
            ans[sr] = np.maximum(k_hi[sr], 0.0)
            forced[sr] = True
            keep = ~shut
            rows, go_up, st, end, c_edge, edge, ni = (
                rows[keep], go_up[keep], st[keep], end[keep], c_edge[keep], edge[keep], ni[keep]
            )
        slope = np.where(go_up, pmf[ni, -1], pmf[ni, 0])
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            z_e = special.ndtri(c_edge)
            jump_len = (z_q[rows] - z_e) * np.exp(-0.5 * z_e * z_e - _HALF_LOG_2PI) / slope
        target = edge + jump_len
        lo, hi = k_lo[rows], k_hi[rows]
        bad = ~np.isfinite(target) | (target <= lo) | (target > hi) | (it > 40)
        target = np.where(bad, np.floor(0.5 * (lo + hi)) + 1.0, np.ceil(target))
        target = np.clip(target, lo + 1.0, hi)
        # large n: stop when the Newton step is far below the tolerance
        early = (
            ~bad & ~exact[rows] & (np.abs(jump_len) <= 2e-4 * sd[rows]) & (np.abs(jump_len) > wd)
        )
        if early.any():
            ans[rows[early]] = target[early]
            keep = ~early
            rows, target, go_up, c_edge, edge = (
                rows[keep], target[keep], go_up[keep], c_edge[keep], edge[keep]
            )
        # short moves walk on from the known edge, long ones jump
        reach = wd - w // 2
        walk_up = go_up & (target - edge <= reach)
        walk_dn = ~go_up & (edge - target <= reach)
        wu = rows[walk_up]
        s[wu] = edge[walk_up] + 1.0
        mi[wu] = -1
        anc[wu] = c_edge[walk_up]
        wdn = rows[walk_dn]
        new_s = edge[walk_dn] - (wd - 1)
        at_bottom = new_s <= 0
        s[wdn] = np.maximum(new_s, 0.0)
        mi[wdn] = np.where(at_bottom, _AUTO, wd - 1)
        anc[wdn] = c_edge[walk_dn]
        anchor_mag[wdn] = np.maximum(anchor_mag[wdn], c_edge[walk_dn])
        jump = ~walk_up & ~walk_dn
        jr = rows[jump]
        s[jr] = place_or_widen(jr, target[jump], w)
        mi[jr] = _AUTO
        return np.concatenate([rows, deferred])

    act = np.flatnonzero(ans < 0)
    it = 0
    while act.size and it < _MAX_ITER:
        it += 1
        parts = []
        for flag, w in ((False, _W_NARROW), (True, _W)):
            rows = act[wide[act] == flag]
            if rows.size:
                parts.append(step(rows, w, it))
        act = np.concatenate(parts) if parts else act[:0]

    # rows promised to match SciPy: flag near-ties that its rounding could decide.
    # SciPy sums exp(log pmf) from 0; its relative error is bounded by the error
    # of its log pmf (measured against ours at 0, at the answer and at n) plus
    # the rounding of the cancelling terms.  A cheap screen comes first.
    lost = ans < 0  # not settled within _MAX_ITER windows (never seen in tests)
    ans[lost] = k_hi[lost]
    tie = exact & (lost | forced)
    chk = np.flatnonzero(exact & ~tie)
    if chk.size:
        ac, bc = a[chk], b[chk]
        sz = np.maximum(size[chk], anchor_mag[chk])
        gap = np.minimum(cdf_hi[chk] - q[chk], q[chk] - cdf_lo[chk]) - err_abs[chk]
        common = np.abs(special.betaln(ac, bc) - lbab[chk])
        near = np.flatnonzero(gap <= np.maximum(1e-4, 64.0 * common) * sz)
        if near.size:
            kk, nn, ac, bc = ans[chk][near], n[chk][near], ac[near], bc[near]
            dev = np.zeros(near.size)
            for j in (np.zeros(near.size), kk, nn):
                dev = np.maximum(
                    dev, np.abs(_logpmf_scipy(j, nn, ac, bc) - _logpmf(j, nn, ac, bc))
                )
            mag = _log_magnitude(kk, nn, ac, bc)
            band = 8.0 * (dev + 64.0 * _EPS * (mag + 64.0)) * sz[near]
            tie[chk[near[gap[near] <= band]]] = True
    return ans, tie


def _bb_ppf_flat(q: NDArray, n: NDArray, a: NDArray, b: NDArray) -> NDArray[np.int64]:
    """Vectorised quantiles; upper quantiles through the mirror ``n - X ~ BB(n, b, a)``.

    For ``q > 1/2`` the smallest ``k`` with ``P(X <= k) >= q`` is ``n - j`` with
    ``j`` the smallest value where ``P(n - X <= j) > 1 - q``; the strict
    inequality is the non-strict one at the next float above ``1 - q``.  Working
    with the smaller tail keeps full relative precision near ``q = 1``.
    """
    out = np.zeros(q.shape[0], dtype=np.int64)
    work = np.flatnonzero(n > 0)
    for start in range(0, work.size, _CHUNK):
        idx = work[start : start + _CHUNK]
        qi, ni, ai, bi = q[idx], n[idx], a[idx], b[idx]
        up = qi > 0.5
        ql = np.where(up, np.nextafter(1.0 - qi, 1.0), qi)
        ans, tie = _bb_ppf_block(
            ql, ni, np.where(up, bi, ai), np.where(up, ai, bi), np.where(up, 1.0, qi)
        )
        ans = np.where(up, ni - ans, ans)
        redo = np.flatnonzero(tie)
        if redo.size:  # settle near-ties (n <= N_EXACT only) exactly as SciPy does
            ans[redo] = stats.betabinom.ppf(qi[redo], ni[redo], ai[redo], bi[redo])
        out[idx] = ans.astype(np.int64)
    return out


# ------------------------------------------------------------------ public API


def betabinom_ppf(q: ArrayLike, n: ArrayLike, a: ArrayLike, b: ArrayLike) -> NDArray[np.int64]:
    """Exact quantile of the beta-binomial distribution, vectorised.

    Returns the smallest integer ``k`` with ``P(X <= k) >= q`` for
    ``X ~ Binomial(n, p)``, ``p ~ Beta(a, b)``.

    Parameters
    ----------
    q : array_like of float
        Lower-tail probabilities, strictly between 0 and 1.
    n : array_like of int
        Number of trials, whole numbers ``0 <= n <= 2**52`` (floats holding
        whole numbers are accepted).
    a, b : array_like of float
        Positive Beta shape parameters.

    Returns
    -------
    numpy.ndarray of int64
        Quantiles, broadcast over the inputs (a 0-d array for scalar input).

    Raises
    ------
    TypeError
        If an argument does not hold real numbers (e.g. booleans or strings).
    ValueError
        If ``q`` is outside (0, 1), ``n`` is negative or not whole, ``a`` or
        ``b`` is not positive, or any value is NaN/infinite; the message
        names the argument.

    Notes
    -----
    For ``n <= 10_000`` the result is identical to
    :func:`scipy.stats.betabinom.ppf` (which for ``q`` in (0, 1) returns the
    same smallest ``k``); when the CDF lies so close to ``q`` that rounding in
    SciPy's own summation could decide the answer, the row is handed to SciPy.
    For larger ``n`` the result is within ``max(1, 0.001 * sd)`` of the exact
    quantile (``sd`` is the standard deviation of ``X``) and is usually exact.

    Method (all rows at once, in blocks of 4096): quantiles above 1/2 are
    taken as lower quantiles of the mirror image ``n - X ~ BB(n, b, a)``, so
    the small tail keeps full relative precision.  A first guess comes from the
    beta distribution with the moments of ``(X + 1/2) / (n + 1)`` (or a
    Cornish-Fisher expansion).  On a window of 33 or 129 points around it the
    mass function follows from ``log pmf`` at the window start (Stirling-series
    beta functions) and the ratio ``pmf(k + 1) / pmf(k)``.  The CDF at the
    window is anchored either by an exact sum from a point below which a
    geometric bound shows the mass to be negligible, or by Gauss-Hermite
    quadrature of ``P(X <= k) = P(Beta(a, b) < Beta(k + 1, n - k))`` in logit
    coordinates.  If the window misses the quantile, a Newton step in
    normal-score space (bracketed, with bisection as a safeguard) places the
    next one.

    Examples
    --------
    >>> from spinemets.counts import betabinom_ppf
    >>> betabinom_ppf([0.025, 0.5, 0.975], 100, 2.0, 8.0)
    array([ 2, 18, 50])
    >>> int(betabinom_ppf(0.5, 10**9, 30.0, 70.0)) // 10**6
    298
    """
    qq = _check_q(q)
    nn = _check_n(n)
    aa = _check_positive(a, "a")
    bb = _check_positive(b, "b")
    qq, nn, aa, bb = np.broadcast_arrays(qq, nn, aa, bb)
    shape = qq.shape
    out = _bb_ppf_flat(qq.ravel(), nn.ravel(), aa.ravel(), bb.ravel())
    return out.reshape(shape)


def betabinom_cdf(k: ArrayLike, n: ArrayLike, a: ArrayLike, b: ArrayLike) -> NDArray[np.float64]:
    """Beta-binomial cumulative distribution function ``P(X <= k)``, vectorised.

    Parameters
    ----------
    k : array_like of float
        Points; non-integers are rounded down, ``k < 0`` gives 0 and
        ``k >= n`` gives 1.
    n : array_like of int
        Number of trials (whole numbers ``>= 0``).
    a, b : array_like of float
        Positive Beta shape parameters.

    Returns
    -------
    numpy.ndarray of float64
        ``P(X <= k)``, broadcast over the inputs.  The smaller of the two
        tails carries a relative error below about 1e-9 (typically 1e-13).

    Notes
    -----
    Where the mass beyond a 129-point window around ``k`` is provably
    negligible, or ``k`` lies within 48 of 0 or ``n``, the mass function is
    summed; elsewhere the integral representation used by
    :func:`betabinom_ppf` is evaluated by Gauss-Hermite quadrature.  The cost
    does not grow with ``n``.

    Examples
    --------
    >>> from spinemets.counts import betabinom_cdf
    >>> betabinom_cdf([0, 5, 30], 30, 2.0, 3.0).round(6)
    array([0.010695, 0.180072, 1.      ])
    """
    kk = np.floor(_real_array(k, "k"))
    nn = _check_n(n)
    aa = _check_positive(a, "a")
    bb = _check_positive(b, "b")
    kk, nn, aa, bb = np.broadcast_arrays(kk, nn, aa, bb)
    shape = kk.shape
    kk, nn, aa, bb = kk.ravel(), nn.ravel(), aa.ravel(), bb.ravel()
    out = np.where(kk < 0, 0.0, 1.0)
    inner = np.flatnonzero((kk >= 0) & (kk < nn))
    for start in range(0, inner.size, _CHUNK):
        idx = inner[start : start + _CHUNK]
        out[idx] = _bb_cdf_block(kk[idx], nn[idx], aa[idx], bb[idx])
    return out.reshape(shape)


def _bb_cdf_block(k: NDArray, n: NDArray, a: NDArray, b: NDArray) -> NDArray:
    """CDF for rows with ``0 <= k < n``: exact window sums or quadrature."""
    rows = np.arange(k.shape[0])
    s = np.clip(k - _W, 0.0, np.maximum(n - (_WD - 1), 0.0))
    pmf = _pmf_window(s, n, a, b, _WD)
    below, above = _outside_mass_bounds(s, pmf, n, a, b)
    i = (k - s).astype(np.int64)
    low_val = np.cumsum(pmf, axis=1)[rows, i]
    rsum = np.cumsum(pmf[:, ::-1], axis=1)[:, ::-1]  # rsum[:, j] = sum of pmf[:, j:]
    up_val = np.where(i + 1 < _WD, rsum[rows, np.minimum(i + 1, _WD - 1)], 0.0)
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
        for nodes, sel in ((_NODES_EXACT, exact), (_NODES_FAST, ~exact)):
            if sel.any():
                r = quad[sel]
                tail[sel] = _tail_quadrature(k[r], n[r], a[r], b[r], want_up[r], nodes)
        res[quad] = np.where(want_up[quad], 1.0 - tail, tail)
    return np.clip(res, 0.0, 1.0)


def betabinom_moments(
    n: ArrayLike, a: ArrayLike, b: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Mean and variance of the beta-binomial distribution.

    Parameters
    ----------
    n : array_like of int
        Number of trials (whole numbers ``>= 0``).
    a, b : array_like of float
        Positive Beta shape parameters.

    Returns
    -------
    mean, var : numpy.ndarray of float64
        ``n a / (a + b)`` and ``n a b (a + b + n) / ((a + b)**2 (a + b + 1))``.

    Examples
    --------
    >>> from spinemets.counts import betabinom_moments
    >>> mean, var = betabinom_moments(10, 2.0, 3.0)
    >>> float(mean), float(var)
    (4.0, 6.0)
    """
    nn = _check_n(n)
    aa = _check_positive(a, "a")
    bb = _check_positive(b, "b")
    nn, aa, bb = np.broadcast_arrays(nn, aa, bb)
    mean, var, _, _ = _bb_moments(nn, aa, bb)
    return mean, var


def nbinom_ppf(q: ArrayLike, r: ArrayLike, p: ArrayLike) -> NDArray[np.int64]:
    """Quantile of the negative binomial (failures before the ``r``-th success).

    Parameters
    ----------
    q : array_like of float
        Lower-tail probabilities, strictly between 0 and 1.
    r : array_like of float
        Positive (possibly non-integer) size parameter.
    p : array_like of float
        Success probability in (0, 1].

    Returns
    -------
    numpy.ndarray of int64
        Smallest ``k`` with ``P(X <= k) >= q``; identical to
        :func:`scipy.stats.nbinom.ppf`, whose compiled (Boost) implementation
        is used after validating the arguments.

    Raises
    ------
    TypeError, ValueError
        For invalid arguments (the message names the argument).
    OverflowError
        If a quantile does not fit in int64.

    Examples
    --------
    >>> from spinemets.counts import nbinom_ppf
    >>> nbinom_ppf([0.025, 0.975], 3.0, 0.2)
    array([ 1, 31])
    """
    qq = _check_q(q)
    rr = _check_positive(r, "r")
    pp = _real_array(p, "p")
    bad = (pp <= 0.0) | (pp > 1.0)
    if bad.any():
        raise ValueError(f"p must lie in (0, 1], got {pp[bad].flat[0]!r}")
    res = np.asarray(stats.nbinom.ppf(qq, rr, pp), dtype=np.float64)
    if not np.all(np.isfinite(res)) or np.any(res >= 2.0**63):
        raise OverflowError("a negative binomial quantile is too large for int64")
    return res.astype(np.int64)


def poisson_gamma_ppf(
    q: ArrayLike, shape: ArrayLike, rate: ArrayLike, exposure: ArrayLike
) -> NDArray[np.int64]:
    """Quantile of a Poisson count whose rate is Gamma distributed.

    ``X ~ Poisson(lambda * exposure)`` with ``lambda ~ Gamma(shape, rate)``
    (rate parametrisation, mean ``shape / rate``) is negative binomial with
    ``r = shape`` and ``p = rate / (rate + exposure)``.

    Parameters
    ----------
    q : array_like of float
        Lower-tail probabilities, strictly between 0 and 1.
    shape, rate : array_like of float
        Positive Gamma parameters of the event rate.
    exposure : array_like of float
        Non-negative exposure (person-time) multiplying the rate.

    Returns
    -------
    numpy.ndarray of int64
        Smallest ``k`` with ``P(X <= k) >= q``, identical to
        ``scipy.stats.nbinom.ppf(q, shape, rate / (rate + exposure))``.

    Examples
    --------
    >>> from spinemets.counts import poisson_gamma_ppf
    >>> poisson_gamma_ppf([0.025, 0.5, 0.975], 20.0, 4.0, 10.0)
    array([27, 49, 79])
    """
    qq = _check_q(q)
    sh = _check_positive(shape, "shape")
    ra = _check_positive(rate, "rate")
    ex = _check_nonnegative(exposure, "exposure")
    return nbinom_ppf(qq, sh, ra / (ra + ex))


def poisson_gamma_moments(
    shape: ArrayLike, rate: ArrayLike, exposure: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Mean and variance of the Poisson-gamma (negative binomial) count.

    Parameters
    ----------
    shape, rate : array_like of float
        Positive Gamma parameters of the event rate.
    exposure : array_like of float
        Non-negative exposure.

    Returns
    -------
    mean, var : numpy.ndarray of float64
        ``shape * exposure / rate`` and ``mean * (1 + exposure / rate)``.

    Examples
    --------
    >>> from spinemets.counts import poisson_gamma_moments
    >>> mean, var = poisson_gamma_moments(20.0, 4.0, 10.0)
    >>> float(mean), float(var)
    (50.0, 175.0)
    """
    sh = _check_positive(shape, "shape")
    ra = _check_positive(rate, "rate")
    ex = _check_nonnegative(exposure, "exposure")
    sh, ra, ex = np.broadcast_arrays(sh, ra, ex)
    mean = sh * ex / ra
    var = mean * (1.0 + ex / ra)
    return mean, var
