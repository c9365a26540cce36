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
The cost does not grow with ``n``.  The algorithm and the invariants it keeps
are documented in the private module ``spinemets._bbkernel``, which holds it.

Accuracy contract of :func:`betabinom_ppf`: for ``n <= 10_000`` the result is the
exact quantile, identical to :func:`scipy.stats.betabinom.ppf` wherever SciPy is exact
(far in the upper tail, or for large ``a + b``, SciPy's CDF misses by more than
``1 - q`` and its quantile is off -- up to ``n``; rows near such a tie are decided by
summing the pmf's smaller tail, issue 12); for larger ``n`` it is within
``max(1, 0.001 * sd)`` of the exact quantile, ``sd`` being the predictive
standard deviation, and usually exact.  :func:`nbinom_ppf` and
:func:`poisson_gamma_ppf` use SciPy's compiled (Boost) negative-binomial
quantile, which is already vectorised and fast, after validating the
arguments; they are therefore identical to :func:`scipy.stats.nbinom.ppf`.

For a parameter of **any** continuous law -- a logit-normal pooled proportion, the product of
two parameters, a mixture -- :func:`mixed_binomial_ppf`, :func:`mixed_binomial_cdf`,
:func:`mixed_poisson_ppf` and :func:`mixed_poisson_cdf` compute the same quantities exactly
and deterministically: ``P(X <= k) = P(p < U)`` with ``U ~ Beta(k + 1, n - k)`` (or
``P(lam E < G)``, ``G ~ Gamma(k + 1)``) is a one-dimensional integral, taken by Gauss-Hermite
quadrature on the logit (log) scale centred on the integrand, and the integer quantile comes
from a bracketed Newton/secant search over all rows at once (algorithm and invariants in the
private module ``spinemets._mixkernel``).  Beta laws of ``p`` and Gamma laws of ``lam`` are
handed to the kernels above (identical results).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special, stats

from ._bbkernel import N_EXACT as N_EXACT  # public constant, re-exported
from ._bbkernel import cdf_rows, moments, ppf
from ._laws import MixtureGen
from ._mixkernel import ScoreLaw, law_from_dist, tails
from ._mixkernel import ppf as mix_ppf

__all__ = [
    "betabinom_cdf",
    "betabinom_moments",
    "betabinom_ppf",
    "mixed_binomial_cdf",
    "mixed_binomial_ppf",
    "mixed_poisson_cdf",
    "mixed_poisson_ppf",
    "nbinom_ppf",
    "poisson_gamma_moments",
    "poisson_gamma_ppf",
]

# N_EXACT (imported above): largest ``n`` for which :func:`betabinom_ppf` promises
# the exact quantile (SciPy's wherever SciPy is exact).
#: Largest accepted ``n`` (whole numbers are exact in float64 below 2**53); also the largest
#: predictive count returned (a larger quantile, e.g. from a huge exposure, is a ValueError).
#: The same value as ``spinemets._validation.MAX_COUNT`` (a test pins them equal), written
#: out here so that this module does not import pandas with the validation module.
N_MAX = 2**52

#: Largest ``a + b`` of a Beta law handled by the beta-binomial kernel (its log pmf subtracts
#: beta functions of size ``a + b``: from about 1e9 on, quantiles were found off by one
#: against the binomial limit, and by 1e13 by several).  A Beta above it is so narrow
#: that it is treated as the fixed proportion ``a / (a + b)`` (a binomial count), with a
#: certificate that this gives the exact integer (:func:`_point_mass_ppf`); a row the
#: certificate cannot settle (large ``n``: the Beta's spread then still matters) is a
#: ValueError.
AB_MAX = 1e8

#: Largest Gamma shape (negative binomial ``r``) handled by the negative binomial: SciPy's
#: quantile loses about ``r * 1e-16`` counts to the rounding of ``p`` and returns 0 for
#: ``r`` near 1e16.  A Gamma above it is treated as a fixed rate (a Poisson count), certified
#: as for :data:`AB_MAX`.
SHAPE_MAX = 1e12


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


# ------------------------------------------------------- nearly fixed parameters


def _fixed_cdf(k: NDArray, size: NDArray, mean: NDArray, count: str) -> NDArray:
    """``P(Y <= k)`` for ``Y ~ Binomial(size, mean)`` or ``Poisson(size * mean)`` (k whole)."""
    kk = np.maximum(k, 0.0)
    if count == "binomial":
        kk = np.minimum(kk, size - 1.0)  # P(Y <= k) = P(Beta(k + 1, n - k) > p)
        out = special.betaincc(kk + 1.0, np.maximum(size - kk, 1.0), mean)
        out = np.where(k >= size, 1.0, out)
    else:
        out = special.pdtr(kk, size * mean)
    return np.where(k < 0, 0.0, out)


def _sup_pmf(j: NDArray, m: NDArray, count: str) -> NDArray:
    """``max`` over the parameter of the pmf at ``j``: Binomial(m, j / m) or Poisson(j) at ``j``."""
    jj = np.maximum(j, 0.0)
    if count == "binomial":
        mm = np.maximum(m, 1.0)
        out = stats.binom.pmf(jj, mm, np.minimum(jj / mm, 1.0))
        out = np.where(m <= 0, (j == 0).astype(float), out)
        return np.where((j < 0) | (j > np.maximum(m, 0.0)), 0.0, out)
    return np.where(j < 0, 0.0, np.where(j == 0, 1.0, stats.poisson.pmf(jj, jj)))


def _mixing_error(j: NDArray, size: NDArray, var: NDArray, count: str) -> NDArray:
    """Bound on ``|P(X <= j) - P(Y <= j)|``: mixed count ``X`` against the fixed-parameter ``Y``.

    With ``F(t)`` the CDF at ``j`` of the count given the parameter ``t`` (mean ``tbar``,
    variance ``var``), Taylor's theorem gives ``|E F(t) - F(tbar)| <= sup|F''| var / 2``.
    Binomial: ``F'' = -n (n - 1) (b_{n-2}(j - 1) - b_{n-2}(j))`` in ``p``; Poisson (in the mean
    ``mu = size * lam``): ``F'' = pois(j) - pois(j - 1)``.  Each pmf is at most its largest
    value over the parameter (:func:`_sup_pmf`).
    """
    if count == "binomial":
        m = size - 2.0
        top = np.maximum(_sup_pmf(j - 1.0, m, count), _sup_pmf(j, m, count))
        return np.where(size < 2, 0.0, 0.5 * size * (size - 1.0) * var * top)
    top = np.maximum(_sup_pmf(j - 1.0, size, count), _sup_pmf(j, size, count))
    return 0.5 * size * size * var * top


def _point_mass_ppf(q: NDArray, size: NDArray, mean: NDArray, var: NDArray, count: str,
                    what: NDArray, name: str, bound: float, *, refuse: bool = True
                    ) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Quantiles of a count whose parameter (mean ``mean``, variance ``var``) is nearly fixed.

    The smallest ``k`` with ``P(Y <= k) >= q`` for the fixed-parameter count ``Y`` (binomial
    or Poisson), by integer bisection on :func:`scipy.special.bdtr` / ``pdtr``; it is the exact
    quantile of the mixed count ``X`` when ``P(Y <= k - 1)`` and ``P(Y <= k)`` clear ``q`` by
    more than the bound of :func:`_mixing_error`.  Rows that do not are a ValueError (they
    only occur for parameters far beyond ``bound``; ``what`` holds the offending values of
    the argument ``name``) unless ``refuse`` is False: then they come back flagged in the
    second array (their first array holds the fixed-parameter quantile, not certified).
    Flat arrays, ``size > 0``.
    """
    binom = count == "binomial"
    centre = size * mean
    sd = np.sqrt(centre * (1.0 - mean) if binom else centre)
    lo = np.maximum(np.floor(centre - 50.0 * sd - 50.0), -1.0)
    hi = np.ceil(centre + 50.0 * sd + 50.0)
    if binom:
        hi = np.minimum(hi, size)
    lo = np.where(_fixed_cdf(lo, size, mean, count) < q, lo, -1.0)
    if binom:
        hi = np.where(_fixed_cdf(hi, size, mean, count) >= q, hi, size)
    for _ in range(128):  # the bracket halves each time: at most 53 passes below 2**53
        act = hi > lo + 1.0
        if not act.any():
            break
        mid = np.floor(0.5 * (lo + hi))
        ok = _fixed_cdf(mid, size, mean, count) >= q
        hi = np.where(act & ok, mid, hi)
        lo = np.where(act & ~ok, mid, lo)
    k = hi
    below = _fixed_cdf(k - 1.0, size, mean, count)
    at = _fixed_cdf(k, size, mean, count)
    err_lo = _mixing_error(k - 1.0, size, var, count)
    err_hi = _mixing_error(k, size, var, count)
    # rounding of the special functions, except where the CDF is exactly linear (n = 1)
    tol = np.where(err_lo + err_hi > 0, 1e-12 * q, 0.0)
    sure_lo = (k <= 0) | (below < q - err_lo - tol)
    sure_hi = at >= q + err_hi + tol
    if binom:
        sure_hi |= k >= size
    unsure = ~(sure_lo & sure_hi)
    if refuse and unsure.any():
        i = int(np.flatnonzero(unsure)[0])
        size_name = "n" if binom else "exposure"
        raise ValueError(
            f"{name} = {float(what[i]):.6g} is above {bound:.0e}: the law is then taken as a "
            f"fixed parameter ({'binomial' if binom else 'Poisson'} counts), but for "
            f"{size_name} = {float(size[i]):.6g} and q = {float(q[i])!r} the count's CDF lies "
            f"too close to q for that to settle the integer; give {name} <= {bound:.0e}"
            f"{_BEYOND_HINT if binom else ''}")
    return _checked_counts(np.where(unsure, 0.0, k), "the parameter's size"), unsure


#: What a refused row of a Beta above :data:`AB_MAX` can do instead.
_BEYOND_HINT = (", or let such rows be computed by quadrature of the Beta law "
                "(betabinom_ppf(..., uncertified='quadrature'); estimate(method='auto') "
                "does)")


def _checked_counts(k: NDArray, size_name: str) -> NDArray[np.int64]:
    """``k`` as int64, or a ValueError if a count is above :data:`N_MAX` (or not finite)."""
    if np.isnan(k).any():
        raise ValueError(f"a quantile search did not settle within its pass limit (a bug: "
                         f"please report it with the call); reducing {size_name} may help")
    bad = k > N_MAX
    if bad.any():
        raise ValueError(f"a predictive count must be <= {N_MAX} (2**52, the largest count "
                         f"computed exactly), got {float(k[bad].flat[0]):.6g}: reduce "
                         f"{size_name}")
    return k.astype(np.int64)


_UNCERTIFIED = ("raise", "quadrature")


def _beta_ppf(q: NDArray, n: NDArray, a: NDArray, b: NDArray, uncertified: str = "raise"
              ) -> NDArray[np.int64]:
    """Beta-binomial quantiles of flat arrays: the kernel, or the binomial limit above AB_MAX
    (its uncertified rows refused, or by quadrature of the Beta law: see betabinom_ppf)."""
    s = a + b
    huge = np.flatnonzero((s > AB_MAX) & (n > 0))
    if huge.size == 0:
        return ppf(q, n, a, b)
    out = np.zeros(q.shape[0], dtype=np.int64)
    rest = np.flatnonzero(~((s > AB_MAX) & (n > 0)))
    out[rest] = ppf(q[rest], n[rest], a[rest], b[rest])
    sh, ah, bh = s[huge], a[huge], b[huge]
    var = (ah / sh) * (bh / sh) / (sh + 1.0)
    out[huge], unsure = _point_mass_ppf(q[huge], n[huge], ah / sh, var, "binomial", sh,
                                        "a + b", AB_MAX, refuse=uncertified == "raise")
    rows = huge[unsure]
    if rows.size:
        out[rows] = _beta_quadrature_ppf(q[rows], n[rows], a[rows], b[rows])
    return out


def _beta_quadrature_ppf(q: NDArray, n: NDArray, a: NDArray, b: NDArray
                         ) -> NDArray[np.int64]:
    """Quantiles of the mixed-binomial quadrature (:func:`mixed_binomial_ppf`'s route) with
    the Beta law of ``p`` tabulated once per distinct ``(a, b)``: for a Beta above
    :data:`AB_MAX` whose binomial limit is not certified (its spread still matters)."""
    out = np.zeros(q.shape[0], dtype=np.int64)
    pairs, which = np.unique(np.stack([a, b]), axis=1, return_inverse=True)
    which = which.reshape(-1)
    for j in range(pairs.shape[1]):
        rows = np.flatnonzero(which == j)
        law = _law(stats.beta(pairs[0, j], pairs[1, j]), "logit")
        out[rows] = _checked_counts(mix_ppf(q[rows], n[rows], law, "binomial"), "n")
    return out


def _gamma_ppf(q: NDArray, shape: NDArray, rate: NDArray, exposure: NDArray
               ) -> NDArray[np.int64]:
    """Poisson-gamma quantiles of flat arrays: the negative binomial, or the Poisson limit."""
    out = np.zeros(q.shape[0], dtype=np.int64)
    huge = (shape > SHAPE_MAX) & (exposure > 0)
    rest = np.flatnonzero(~huge)
    if rest.size:
        out[rest] = _nbinom_rows(q[rest], shape[rest], rate[rest] / (rate[rest] + exposure[rest]),
                                 "the exposure")
    hi = np.flatnonzero(huge)
    if hi.size:
        sh, ra = shape[hi], rate[hi]
        out[hi] = _point_mass_ppf(q[hi], exposure[hi], sh / ra, (sh / ra) / ra, "poisson",
                                  sh, "shape", SHAPE_MAX)[0]
    return out


# ------------------------------------------------------------------ public API


def betabinom_ppf(q: ArrayLike, n: ArrayLike, a: ArrayLike, b: ArrayLike, *,
                  uncertified: str = "raise") -> NDArray[np.int64]:
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
    uncertified : {"raise", "quadrature"}, default "raise"
        Rows with ``a + b`` above :data:`AB_MAX` whose binomial limit cannot be certified
        (see Notes): ``"raise"`` refuses them (ValueError); ``"quadrature"`` computes them
        by the mixed-binomial quadrature of :func:`mixed_binomial_ppf` with the Beta law
        of ``p`` (exact to the integer except where the CDF lies within its quadrature
        error, about 1e-9 relative, of ``q``).

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
        names the argument.  An uncertified row (above) with ``uncertified="raise"``.

    Notes
    -----
    For ``n <= 10_000`` the result is the exact quantile.  It equals
    :func:`scipy.stats.betabinom.ppf` wherever SciPy is exact; when the CDF lies so
    close to ``q`` that SciPy's summation (from 0, with :func:`scipy.special.betaln`,
    whose error grows with ``a + b``) could decide the answer, the row is decided by
    summing the pmf's smaller tail with a stated error bound instead (SciPy's far upper
    quantiles can be off by up to ``n``: issue 12), and SciPy only chooses between
    candidates that sum cannot separate.
    For larger ``n`` the result is within ``max(1, 0.001 * sd)`` of the exact
    quantile (``sd`` is the standard deviation of ``X``) and is usually exact.

    For ``a + b`` above :data:`AB_MAX` (1e8) the Beta is a fixed proportion for all
    practical purposes: the quantile is the binomial one at ``a / (a + b)``, returned only
    when a bound on the Beta's effect (Taylor's theorem: at most ``n (n - 1) Var(p)`` times
    the largest binomial pmf, halved) shows that it is the exact beta-binomial integer;
    otherwise (large ``n``, or a CDF within that bound of ``q``) a ValueError says so, or,
    with ``uncertified="quadrature"``, the row is computed by quadrature as above.

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

    A Beta of ``a + b = 1e9`` in a cohort of a million: the binomial limit is not
    certified there, quadrature of the Beta law is

    >>> int(betabinom_ppf(0.975, 10**6, 3e8, 7e8, uncertified="quadrature"))
    300899
    """
    if uncertified not in _UNCERTIFIED:
        raise ValueError(f"uncertified must be one of {_UNCERTIFIED}, got {uncertified!r}")
    qq = _check_q(q)
    nn = _check_n(n)
    aa = _check_positive(a, "a")
    bb = _check_positive(b, "b")
    qq, nn, aa, bb = np.broadcast_arrays(qq, nn, aa, bb)
    shape = qq.shape
    out = _beta_ppf(qq.ravel(), nn.ravel(), aa.ravel(), bb.ravel(), uncertified)
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
        tails carries a relative error below about 1e-9 (typically 1e-13).  For ``a + b``
        above :data:`AB_MAX` it is the binomial CDF at ``a / (a + b)``, within
        ``n (n - 1) Var(p) / 2`` times the largest binomial pmf of the exact value.

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
    return _beta_cdf(kk.ravel(), nn.ravel(), aa.ravel(), bb.ravel()).reshape(shape)


def _beta_cdf(k: NDArray, n: NDArray, a: NDArray, b: NDArray) -> NDArray:
    """Beta-binomial CDF of flat arrays: the kernel, or the binomial limit above AB_MAX."""
    out = np.where(k < 0, 0.0, 1.0)
    inner = (k >= 0) & (k < n)
    huge = inner & (a + b > AB_MAX)
    rows = np.flatnonzero(inner & ~huge)
    out[rows] = cdf_rows(k[rows], n[rows], a[rows], b[rows])
    rows = np.flatnonzero(huge)
    out[rows] = _fixed_cdf(k[rows], n[rows], a[rows] / (a[rows] + b[rows]), "binomial")
    return out


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
    mean, var, _, _ = moments(nn, aa, bb)
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
        Also if ``r`` is above :data:`SHAPE_MAX` (1e12) or a quantile above :data:`N_MAX`.

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
    big = rr > SHAPE_MAX
    if big.any():
        raise ValueError(f"r must be <= {SHAPE_MAX:.0e} (SciPy's negative binomial loses "
                         f"precision beyond; the law is then Poisson to 12 digits), got "
                         f"{rr[big].flat[0]!r}")
    return _nbinom_rows(qq, rr, pp, "r / p")


def _nbinom_rows(q: NDArray, r: NDArray, p: NDArray, size_name: str) -> NDArray[np.int64]:
    """SciPy's negative binomial quantile, checked to fit (:func:`_checked_counts`).

    The mean ``r (1 - p) / p`` is checked first: SciPy's (Boost's) quantile search does not
    return for ``p`` near 1e-300 (an exposure of 1e300).
    """
    with np.errstate(over="ignore"):
        mean = r * ((1.0 - p) / p)
    big = mean > N_MAX
    if big.any():
        raise ValueError(f"the expected count must be <= {N_MAX} (2**52, the largest count "
                         f"computed exactly), got {float(mean[big].flat[0]):.6g}: reduce "
                         f"{size_name}")
    res = np.asarray(stats.nbinom.ppf(q, r, p), dtype=np.float64)
    return _checked_counts(res, size_name)


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
        ``scipy.stats.nbinom.ppf(q, shape, rate / (rate + exposure))`` for ``shape`` up to
        :data:`SHAPE_MAX` (1e12).  Above it the rate is fixed for all practical purposes and
        the quantile is the Poisson one at ``exposure * shape / rate``, certified exact as
        for :func:`betabinom_ppf` with ``a + b`` above :data:`AB_MAX` (else ValueError).

    Raises
    ------
    ValueError
        Invalid arguments (named), a quantile above :data:`N_MAX` (2**52: reduce the
        exposure), or an uncertified row as above.

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
    qq, sh, ra, ex = np.broadcast_arrays(qq, sh, ra, ex)
    out = _gamma_ppf(qq.ravel(), sh.ravel(), ra.ravel(), ex.ravel())
    return out.reshape(qq.shape)


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


# ------------------------------------------------------------------ any law


_LAWS: dict[int, tuple[Any, ScoreLaw]] = {}


def _unwrap(dist: Any) -> Any:
    """The frozen distribution of a Proportion/Rate (anything with a ``dist`` holding ``args``)."""
    inner = getattr(dist, "dist", None)
    if inner is not None and hasattr(inner, "args") and hasattr(inner, "cdf"):
        return inner
    return dist


def _law(dist: Any, scale: str) -> ScoreLaw:
    """The kernel's law of ``dist`` (cached per distribution object while it lives)."""
    key = id(dist)
    hit = _LAWS.get(key)
    if hit is not None and hit[0] is dist and hit[1].scale == scale:
        return hit[1]
    law = law_from_dist(dist, scale)  # type: ignore[arg-type]
    if len(_LAWS) > 64:
        _LAWS.clear()
    _LAWS[key] = (dist, law)
    return law


def _named(dist: Any, name: str) -> tuple[float, ...] | None:
    """Shapes and scale of a frozen ``name`` distribution with loc 0, else None."""
    gen = getattr(dist, "dist", None)
    if getattr(gen, "name", None) != name:
        return None
    args = tuple(getattr(dist, "args", ()))
    kwds = dict(getattr(dist, "kwds", {}))
    n_shapes = len(gen.shapes.split(",")) if gen.shapes else 0
    if len(args) > n_shapes + 2:
        return None
    shapes = list(args[:n_shapes])
    for key in (gen.shapes or "").replace(" ", "").split(",")[len(shapes):]:
        if key and key in kwds:
            shapes.append(kwds.pop(key))
    loc = args[n_shapes] if len(args) > n_shapes else kwds.pop("loc", 0.0)
    scale = args[n_shapes + 1] if len(args) > n_shapes + 1 else kwds.pop("scale", 1.0)
    if kwds or loc != 0 or len(shapes) != n_shapes:
        return None
    return (*[float(v) for v in shapes], float(scale))


def _check_law(dist: Any, low: float, high: float, what: str) -> Any:
    dist = _unwrap(dist)
    for attr in ("cdf", "sf", "ppf"):
        if not callable(getattr(dist, attr, None)):
            raise TypeError(f"dist must be a distribution of {what} with cdf, sf and ppf "
                            f"(e.g. a frozen scipy.stats distribution), got "
                            f"{type(dist).__name__} without {attr!r}")
    support = getattr(dist, "support", None)
    if callable(support):
        lo, hi = (float(v) for v in support())
        if lo < low - 1e-12 or hi > high * (1 + 1e-12):
            raise ValueError(f"dist must have support inside [{low}, {high}] for {what}, got "
                             f"[{lo}, {hi}]")
    return dist


def _check_k(k: Any) -> NDArray[np.float64]:
    return np.floor(_real_array(k, "k"))


def _mixture(dist: Any) -> tuple[tuple[Any, ...], NDArray] | None:
    """Components and weights of a mixture law (``Proportion.mixture``), else None."""
    gen = getattr(dist, "dist", None)
    if isinstance(gen, MixtureGen):
        return gen.components, gen.weights
    return None


def _flat_args(first: NDArray, size: NDArray, dist: Any, count: str
               ) -> tuple[NDArray, NDArray, tuple[int, ...], Any, Any]:
    """The checked law and the broadcast, flattened ``k`` (or ``q``) and size arrays.

    Returns ``first, size, shape, dist, parts``: ``shape`` is the broadcast shape to give
    the result back, ``parts`` the mixture's components and weights (None for other laws).
    """
    if count == "binomial":
        dist = _check_law(dist, 0.0, 1.0, "a proportion")
    else:
        dist = _check_law(dist, 0.0, np.inf, "a rate")
    first, size = np.broadcast_arrays(first, size)
    return first.ravel(), size.ravel(), first.shape, dist, _mixture(dist)


def _mixture_cdf(k: NDArray, size: NDArray, parts: tuple[tuple[Any, ...], NDArray],
                 cdf: Any) -> NDArray:
    """``sum_i w_i P_i(X <= k)``: a count under a mixture law is that mixture of counts."""
    out = np.zeros(np.shape(k))
    for comp, w in zip(*parts, strict=True):
        out = out + w * cdf(k, size, comp)
    return out


def _mixture_ppf(q: NDArray, size: NDArray, parts: tuple[tuple[Any, ...], NDArray],
                 ppf_fn: Any, cdf: Any) -> NDArray[np.int64]:
    """Smallest ``k`` with ``sum_i w_i P_i(X <= k) >= q``, by bisection over the integers.

    The answer lies in ``(min_i Q_i - 1, max_i Q_i]`` (``Q_i`` the components' quantiles): below
    the smallest every component's CDF is under ``q``, at the largest every one reaches it.
    """
    ends = np.array([ppf_fn(q, size, comp) for comp in parts[0]], dtype=float)
    lo, hi = ends.min(axis=0) - 1.0, ends.max(axis=0)
    act = np.flatnonzero(hi > lo + 1.0)
    for _ in range(64):  # whole numbers <= N_MAX (checked by ppf_fn): at most 53 halvings
        if act.size == 0:
            break
        mid = np.floor(0.5 * (lo[act] + hi[act]))
        passes = _mixture_cdf(mid, size[act], parts, cdf) >= q[act]
        hi[act[passes]] = mid[passes]
        lo[act[~passes]] = mid[~passes]
        act = act[hi[act] > lo[act] + 1.0]
    return hi.astype(np.int64)


def mixed_binomial_cdf(k: ArrayLike, n: ArrayLike, dist: Any) -> NDArray[np.float64]:
    """``P(X <= k)`` for ``X | p ~ Binomial(n, p)`` and ``p`` of any continuous law.

    Parameters
    ----------
    k : array_like of float
        Points; non-integers are rounded down, ``k < 0`` gives 0 and ``k >= n`` gives 1.
    n : array_like of int
        Number of trials, whole numbers ``0 <= n <= 2**52``.
    dist : frozen scipy distribution, Proportion, or any object with ``cdf``, ``sf``, ``ppf``
        The law of ``p`` on (0, 1).  A Beta uses :func:`betabinom_cdf` (above
        :data:`AB_MAX`, where that is the binomial limit, the quadrature below); a
        logit-normal is exact; the product of parameters (``p1 * p2``) uses its own table; a mixture
        (``Proportion.mixture``) is the same mixture of its components' counts; anything
        else is tabulated once from its CDF (normal scores on 2001 logit points, PCHIP).

    Returns
    -------
    numpy.ndarray of float64
        ``P(X <= k)``, broadcast over ``k`` and ``n``.  The smaller tail is computed
        directly (relative error about 1e-9 or better in the tests against adaptive
        quadrature); the other is one minus it.

    Raises
    ------
    TypeError, ValueError
        For invalid arguments (the message names the argument).

    Examples
    --------
    >>> import spinemets as sm
    >>> from spinemets.counts import mixed_binomial_cdf
    >>> p = sm.Proportion.logit_normal(-0.7, 0.2)
    >>> mixed_binomial_cdf([20, 45], 100, p).round(6)
    array([0.018081, 0.966406])
    """
    kk, nn, shape, dist, parts = _flat_args(_check_k(k), _check_n(n), dist, "binomial")
    if parts is not None:
        return _mixture_cdf(kk, nn, parts, mixed_binomial_cdf).reshape(shape)
    out = np.where(kk < 0, 0.0, 1.0)
    inner = np.flatnonzero((kk >= 0) & (kk < nn))
    beta = _named(dist, "beta")
    if beta is not None and beta[2] == 1.0 and beta[0] + beta[1] <= AB_MAX:
        return _beta_cdf(kk, nn, np.full(kk.size, beta[0]),
                         np.full(kk.size, beta[1])).reshape(shape)
    law = _law(dist, "logit")
    out[inner] = _smaller_tail_cdf(kk[inner], nn[inner], law, "binomial")
    return out.reshape(shape)


def _smaller_tail_cdf(k: NDArray, size: NDArray, law: ScoreLaw, count: str) -> NDArray:
    if count == "binomial":
        centre = size * float(special.expit(law.centre))
    else:
        centre = size * float(np.exp(law.centre))
    upper = k >= centre
    lower, up = tails(k, size, law, count, upper=upper)  # type: ignore[arg-type]
    return np.clip(np.where(upper, 1.0 - up, lower), 0.0, 1.0)


def mixed_binomial_ppf(q: ArrayLike, n: ArrayLike, dist: Any) -> NDArray[np.int64]:
    """Exact quantile of ``X | p ~ Binomial(n, p)`` for ``p`` of any continuous law.

    Returns the smallest integer ``k`` with ``P(X <= k) >= q``, deterministically (no
    random numbers), vectorised over ``q`` and ``n`` and processed in blocks of 8192 rows
    so memory stays bounded.

    Parameters
    ----------
    q : array_like of float
        Lower-tail probabilities, strictly between 0 and 1.
    n : array_like of int
        Number of trials, whole numbers ``0 <= n <= 2**52``.
    dist : frozen scipy distribution, Proportion, or any object with ``cdf``, ``sf``, ``ppf``
        The law of ``p`` on (0, 1); see :func:`mixed_binomial_cdf`.  A Beta law is handed
        to :func:`betabinom_ppf` (identical results; above :data:`AB_MAX`, rows whose
        binomial limit is not certified by quadrature, ``uncertified="quadrature"``).

    Returns
    -------
    numpy.ndarray of int64
        Quantiles, broadcast over ``q`` and ``n``.  Exact to the integer except where the
        CDF lies within its quadrature error (about 1e-9 relative) of ``q``.

    Raises
    ------
    TypeError, ValueError
        For invalid arguments (the message names the argument).

    Examples
    --------
    The pooled autopsy prevalence (logit-normal) in cohorts of 1 to a billion:

    >>> import spinemets as sm
    >>> from spinemets.counts import mixed_binomial_ppf
    >>> p = sm.parameter("spinal_mets_autopsy")
    >>> mixed_binomial_ppf(0.975, [1, 100, 10**9], p).tolist()
    [1, 46, 424168872]
    """
    qq, nn, shape, dist, parts = _flat_args(_check_q(q), _check_n(n), dist, "binomial")
    if parts is not None:
        out = _mixture_ppf(qq, nn, parts, mixed_binomial_ppf, mixed_binomial_cdf)
        return out.reshape(shape)
    beta = _named(dist, "beta")
    if beta is not None and beta[2] == 1.0:
        out = _beta_ppf(qq, nn, np.full(qq.size, beta[0]), np.full(qq.size, beta[1]),
                        "quadrature")
        return out.reshape(shape)
    law = _law(dist, "logit")
    return _checked_counts(mix_ppf(qq, nn, law, "binomial"), "n").reshape(shape)


def mixed_poisson_cdf(k: ArrayLike, exposure: ArrayLike, dist: Any) -> NDArray[np.float64]:
    """``P(X <= k)`` for ``X | lam ~ Poisson(lam * exposure)``, ``lam`` of any continuous law.

    Parameters
    ----------
    k : array_like of float
        Points; non-integers are rounded down, ``k < 0`` gives 0.
    exposure : array_like of float
        Non-negative exposure (person-years); 0 gives ``X = 0``.
    dist : frozen scipy distribution, Rate, or any object with ``cdf``, ``sf``, ``ppf``
        The law of the rate on (0, inf).  A Gamma uses the negative binomial; a log-normal
        is exact; the product ``Rate * Proportion`` uses its own table; anything else is
        tabulated once from its CDF.

    Returns
    -------
    numpy.ndarray of float64

    Examples
    --------
    >>> from scipy import stats
    >>> from spinemets.counts import mixed_poisson_cdf
    >>> mixed_poisson_cdf([30, 80], 10.0, stats.lognorm(0.3, scale=5.0)).round(6)
    array([0.078549, 0.931514])
    """
    kk, ex, shape, dist, parts = _flat_args(
        _check_k(k), _check_nonnegative(exposure, "exposure"), dist, "poisson")
    if parts is not None:
        return _mixture_cdf(kk, ex, parts, mixed_poisson_cdf).reshape(shape)
    out = np.where(kk < 0, 0.0, 1.0)
    inner = np.flatnonzero((kk >= 0) & (ex > 0))
    gam = _named(dist, "gamma")
    if gam is not None:
        rate = 1.0 / gam[1]
        if gam[0] > SHAPE_MAX:  # a nearly fixed rate: Poisson (see poisson_gamma_ppf)
            out[inner] = _fixed_cdf(kk[inner], ex[inner], np.full(inner.size, gam[0] * gam[1]),
                                    "poisson")
        else:
            out[inner] = stats.nbinom.cdf(kk[inner], gam[0], rate / (rate + ex[inner]))
        return out.reshape(shape)
    law = _law(dist, "log")
    out[inner] = _smaller_tail_cdf(kk[inner], ex[inner], law, "poisson")
    return out.reshape(shape)


def mixed_poisson_ppf(q: ArrayLike, exposure: ArrayLike, dist: Any) -> NDArray[np.int64]:
    """Exact quantile of ``X | lam ~ Poisson(lam * exposure)`` for ``lam`` of any law.

    The smallest integer ``k`` with ``P(X <= k) >= q``; deterministic, vectorised, in
    blocks.  A Gamma law is handed to :func:`poisson_gamma_ppf` (identical results).

    Parameters
    ----------
    q : array_like of float
        Lower-tail probabilities, strictly between 0 and 1.
    exposure : array_like of float
        Non-negative exposure (person-years).
    dist : frozen scipy distribution, Rate, or any object with ``cdf``, ``sf``, ``ppf``
        The law of the rate; see :func:`mixed_poisson_cdf`.

    Returns
    -------
    numpy.ndarray of int64

    Examples
    --------
    >>> from scipy import stats
    >>> from spinemets.counts import mixed_poisson_ppf
    >>> mixed_poisson_ppf([0.025, 0.975], 10.0, stats.lognorm(0.3, scale=5.0))
    array([25, 93])
    """
    qq, ex, shape, dist, parts = _flat_args(
        _check_q(q), _check_nonnegative(exposure, "exposure"), dist, "poisson")
    if parts is not None:
        return _mixture_ppf(qq, ex, parts, mixed_poisson_ppf, mixed_poisson_cdf).reshape(shape)
    gam = _named(dist, "gamma")
    if gam is not None:
        return poisson_gamma_ppf(qq, gam[0], 1.0 / gam[1], ex).reshape(shape)
    law = _law(dist, "log")
    out = _checked_counts(mix_ppf(qq, ex, law, "poisson"), "the exposure")
    return out.reshape(shape)
