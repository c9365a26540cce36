"""Evidence synthesis: confidence intervals for proportions, random-effects pooling of
proportions on the logit scale, and correcting an apparent prevalence for an imperfect test.

Three public functions:

- :func:`proportion_ci` — interval for *x of n* by one of ten methods, as a tidy DataFrame;
- :func:`pool_proportions` — random-effects (or fixed-effect) meta-analysis of several
  *x of n* figures for the same estimand, returning a :class:`PooledProportion` with the
  prediction interval for a new setting and the predictive distribution as a
  :class:`~spinemets.Proportion`;
- :func:`true_prevalence` — the Rogan–Gladen correction of an apparent prevalence for the
  sensitivity and specificity of the test that produced it, returning a
  :class:`TruePrevalence`.

All fractions are fractions (0.85, never 85); ``confidence_level`` is the only name for a
coverage level.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import optimize, special, stats

from ._display import format_interval, format_value, html_record, html_table
from ._draw import forest_plot, plot_draws
from ._pooling import check_choice, pool, study_labels
from ._validation import (
    RNGLike,
    check_confidence_level,
    check_count_array,
    check_draws,
    check_fraction,
    check_real,
    resolve_rng,
)
from ._values import Proportion
from .errors import (
    ImplausibleAccuracyWarning,
    PredictionIntervalWarning,
    PrevalenceClippedWarning,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "CI_METHODS",
    "POOLING_METHODS",
    "ImplausibleAccuracyWarning",
    "PooledProportion",
    "PredictionIntervalWarning",
    "PrevalenceClippedWarning",
    "TruePrevalence",
    "pool_proportions",
    "proportion_ci",
    "true_prevalence",
]

CI_METHODS: tuple[str, ...] = ("wilson", "exact", "jeffreys", "agresti-coull", "wald",
                               "wilson-cc", "logit", "cloglog", "probit", "lrt")
"""Interval methods accepted by :func:`proportion_ci`."""

POOLING_METHODS: tuple[str, ...] = ("REML", "DL", "PM", "ML", "bayes", "fixed")
"""Estimators accepted by :func:`pool_proportions` (``fixed``: inverse-variance, tau² = 0;
``bayes``: :func:`~spinemets.pool`'s half-normal prior on tau, integrated by quadrature)."""

CONTINUITY_CORRECTION = 0.5
"""Added to both cells of a study with 0 or n events before taking the logit."""



def _pct(x: float) -> str:
    return format_value(x, "fraction")


# ---------------------------------------------------------------------------------------------
# proportion_ci
# ---------------------------------------------------------------------------------------------


def _as_index(values: Any) -> pd.Index | None:
    return values.index if isinstance(values, pd.Series) else None


def _check_events_totals(events: Any, total: Any, total_name: str) -> tuple[
        np.ndarray, np.ndarray, pd.Index | None]:
    """Validate counts; broadcast a scalar against an array; keep a Series' index."""
    ev_index, tot_index = _as_index(events), _as_index(total)
    if ev_index is not None and tot_index is not None and not ev_index.equals(tot_index):
        raise ValueError(
            f"events and {total_name} are pandas Series with different indexes; align them "
            f"first (e.g. {total_name} = {total_name}.reindex(events.index))"
        )
    ev = check_count_array(events, "events", minimum=0)
    tot = check_count_array(total, total_name, minimum=1)
    ev_scalar, tot_scalar = np.ndim(events) == 0, np.ndim(total) == 0
    if ev.size != tot.size:
        if ev_scalar and ev.size == 1:
            ev = np.repeat(ev, tot.size)
        elif tot_scalar and tot.size == 1:
            tot = np.repeat(tot, ev.size)
        else:
            raise ValueError(
                f"events and {total_name} must have the same length, got {ev.size} and "
                f"{tot.size}"
            )
    over = ev > tot
    if over.any():
        i = int(np.flatnonzero(over)[0])
        raise ValueError(
            f"events must be <= {total_name}, got events={int(ev[i])} > "
            f"{total_name}={int(tot[i])} at position {i}"
        )
    index = ev_index if ev_index is not None else tot_index
    if index is not None and len(index) != ev.size:
        index = None
    return ev, tot, index


def _ci_arrays(k: np.ndarray, n: np.ndarray, level: float, method: str) -> tuple[
        np.ndarray, np.ndarray]:
    """Lower and upper limits, vectorised (k, n int arrays of equal shape)."""
    kf, nf = k.astype(float), n.astype(float)
    p = kf / nf
    tail = (1.0 - level) / 2.0
    z = stats.norm.isf(tail)
    zero, full = k == 0, k == n
    if method == "wald":
        half = z * np.sqrt(p * (1.0 - p) / nf)
        lo, hi = p - half, p + half
    elif method == "wilson":
        z2 = z * z
        centre = (kf + z2 / 2.0) / (nf + z2)
        half = z * np.sqrt(nf) / (nf + z2) * np.sqrt(p * (1.0 - p) + z2 / (4.0 * nf))
        lo, hi = centre - half, centre + half
        lo = np.where(zero, 0.0, lo)
        hi = np.where(full, 1.0, hi)
    elif method == "agresti-coull":
        z2 = z * z
        n_t = nf + z2
        p_t = (kf + z2 / 2.0) / n_t
        half = z * np.sqrt(p_t * (1.0 - p_t) / n_t)
        lo, hi = p_t - half, p_t + half
    elif method == "exact":
        with np.errstate(invalid="ignore", divide="ignore"):
            lo = stats.beta.ppf(tail, np.where(zero, 1.0, kf), nf - kf + 1.0)
            hi = stats.beta.isf(tail, kf + 1.0, np.where(full, 1.0, nf - kf))
        lo = np.where(zero, 0.0, lo)
        hi = np.where(full, 1.0, hi)
    elif method == "jeffreys":
        lo = stats.beta.ppf(tail, kf + 0.5, nf - kf + 0.5)
        hi = stats.beta.isf(tail, kf + 0.5, nf - kf + 0.5)
        lo = np.where(zero, 0.0, lo)
        hi = np.where(full, 1.0, hi)
    elif method == "wilson-cc":
        lo, hi = _wilson_cc(kf, nf, z)
    elif method == "lrt":
        lo, hi = _profile_likelihood(k, n, z)
    else:  # logit, cloglog, probit: delta method on the transformed scale
        lo, hi = _delta_method(kf, nf, z, method)
        edge = tail ** (1.0 / nf)  # Clopper-Pearson's limit at 0 or n events
        lo = np.where(zero, 0.0, np.where(full, edge, lo))
        hi = np.where(full, 1.0, np.where(zero, 1.0 - edge, hi))
    return np.clip(lo, 0.0, 1.0), np.clip(hi, 0.0, 1.0)


def _wilson_cc(kf: np.ndarray, nf: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval with continuity correction (Newcombe 1998, method 4), in the
    form of R ``prop.test(x, n, correct=TRUE)``: the correction ½ is reduced to ``|x - n/2|``
    when that is smaller (prop.test's null is p = ½)."""
    corr = np.minimum(0.5, np.abs(kf - nf / 2.0))
    p = kf / nf
    a = z * z / (2.0 * nf)
    out = []
    for sign in (-1.0, 1.0):
        pc = p + sign * corr / nf
        with np.errstate(invalid="ignore"):
            limit = (pc + a + sign * z * np.sqrt(pc * (1.0 - pc) / nf + a / (2.0 * nf))) / (
                1.0 + 2.0 * a)
        out.append(np.where(pc <= 0.0, 0.0, np.where(pc >= 1.0, 1.0, limit)))
    return out[0], out[1]


def _delta_method(kf: np.ndarray, nf: np.ndarray, z: float, method: str) -> tuple[
        np.ndarray, np.ndarray]:
    """Normal interval on the logit, complementary log-log or probit scale, with the
    delta-method variance, mapped back (values at 0 and n events are replaced by the
    caller)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        p = kf / nf
        if method == "logit":
            centre, sd = special.logit(p), np.sqrt(1.0 / (nf * p * (1.0 - p)))
            return special.expit(centre - z * sd), special.expit(centre + z * sd)
        if method == "probit":
            centre = special.ndtri(p)
            sd = np.sqrt(p * (1.0 - p) / nf) / stats.norm.pdf(centre)
            return special.ndtr(centre - z * sd), special.ndtr(centre + z * sd)
        log_p = np.log(p)  # cloglog: eta = log(-log p), decreasing in p
        centre, sd = np.log(-log_p), np.sqrt((1.0 - p) / (nf * p * log_p**2))
        return np.exp(-np.exp(centre + z * sd)), np.exp(-np.exp(centre - z * sd))


def _profile_likelihood(k: np.ndarray, n: np.ndarray, z: float) -> tuple[
        np.ndarray, np.ndarray]:
    """Likelihood-ratio (profile) interval: the p where the binomial deviance
    2[l(p̂) − l(p)] equals z², one on each side of p̂ = k/n (0 and 1 at the edges)."""
    lo, hi = np.zeros(k.size), np.ones(k.size)
    cache: dict[tuple[int, int], tuple[float, float]] = {}
    for i, (x, m) in enumerate(zip(k.tolist(), n.tolist(), strict=True)):
        if (x, m) not in cache:
            cache[(x, m)] = _lrt_limits(x, m, z)
        lo[i], hi[i] = cache[(x, m)]
    return lo, hi


def _lrt_limits(x: int, m: int, z: float) -> tuple[float, float]:
    target = z * z / 2.0
    p_hat = x / m

    def loglik(p: float) -> float:
        return float(special.xlogy(x, p) + special.xlog1py(m - x, -p))

    top = loglik(p_hat)

    def excess(p: float) -> float:
        return top - loglik(p) - target

    if x == 0:
        return 0.0, float(-np.expm1(-target / m))
    if x == m:
        return float(np.exp(-target / m)), 1.0
    left, right = 1e-300, 1.0 - np.finfo(float).epsneg  # finite log-likelihood at both
    rtol = 4 * np.finfo(float).eps
    lower = (optimize.brentq(excess, left, p_hat, xtol=1e-300, rtol=rtol, maxiter=500)
             if excess(left) > 0 else 0.0)
    upper = (optimize.brentq(excess, p_hat, right, xtol=1e-300, rtol=rtol, maxiter=500)
             if excess(right) > 0 else 1.0)
    return float(lower), float(upper)


def proportion_ci(events: ArrayLike, total: ArrayLike, confidence_level: float = 0.95,
                  method: str = "wilson") -> pd.DataFrame:
    r"""Confidence interval for a proportion observed as *events of total*.

    Parameters
    ----------
    events : int, array_like of int or pandas.Series
        Number of events (whole numbers, ``0 <= events <= total``).
    total : int, array_like of int or pandas.Series
        Number of trials (whole numbers ``>= 1``). A scalar is broadcast against an array of
        ``events`` (and vice versa); otherwise the lengths must match.
    confidence_level : float, default 0.95
        Coverage of the two-sided interval, strictly between 0 and 1.
    method : str, default "wilson"
        One of ``"wilson", "exact", "jeffreys", "agresti-coull", "wald", "wilson-cc",
        "logit", "cloglog", "probit", "lrt"``.

        - ``wilson``: Wilson score interval (no continuity correction).
        - ``wilson-cc``: Wilson with continuity correction, as R ``prop.test(x, n)`` (its
          correction ½ is reduced to ``|x - n/2|`` when that is smaller, so at x = n/2 it equals
          ``wilson``).
        - ``logit``, ``cloglog``, ``probit``: normal interval on the logit,
          complementary log-log (log(−log p)) or probit scale with the delta-method variance,
          mapped back — R ``binom.confint``'s methods of the same names.
        - ``lrt``: likelihood-ratio (profile likelihood) interval: the p where the binomial
          deviance 2[ℓ(p̂) − ℓ(p)] equals z² — R ``binom.lrt`` (default options).
        - ``exact``: Clopper–Pearson, from Beta quantiles (equal to the binomial tail
          inversion of :meth:`scipy.stats.binomtest`).
        - ``jeffreys``: equal-tailed quantiles of Beta(events + ½, total − events + ½).
        - ``agresti-coull``: Wald interval around (x + z²/2)/(n + z²) with n + z² trials.
        - ``wald``: p̂ ± z·√(p̂(1 − p̂)/n); poor coverage for small counts, offered for
          comparison only.

    Returns
    -------
    pandas.DataFrame
        One row per input, columns exactly ``events, total, estimate, ci_lower, ci_upper,
        confidence_level, method``. ``estimate`` is always the observed fraction
        ``events / total``, whatever the method. The index of a pandas Series input is kept.

    Raises
    ------
    TypeError
        Non-numeric counts or a non-string ``method``.
    ValueError
        Negative, non-whole or non-finite counts, ``total < 1``, ``events > total``,
        mismatched lengths, ``confidence_level`` outside (0, 1) or an unknown ``method``.

    Notes
    -----
    Conventions at 0 and at *n* events (``k = events``, ``n = total``):

    - ``exact``, ``jeffreys`` and ``wilson``: the lower limit is exactly 0 when ``k = 0`` and
      the upper limit exactly 1 when ``k = n``; the other limit keeps its two-sided
      ``(1 - confidence_level) / 2`` tail (for Clopper–Pearson this is the textbook
      definition; for Jeffreys it is the modification of Brown, Cai & DasGupta 2001; for
      Wilson the formula already gives 0 and 1 there, the convention only removes rounding
      error). See below for how statsmodels and R differ for Jeffreys.
    - ``agresti-coull`` and ``wald`` are clipped to [0, 1]. At ``k = 0`` or ``k = n`` the
      Wald interval collapses to the single point 0 or 1 (zero width), one more reason not
      to use it.
    - ``logit``, ``cloglog``, ``probit``: the transformed estimate is infinite at ``k = 0``
      and ``k = n``; there, as in R ``binom.confint``, the interval is [0, 1 − (α/2)^(1/n)]
      or [(α/2)^(1/n), 1] (the Clopper–Pearson limits), α = 1 − ``confidence_level``.
    - ``lrt``: at ``k = 0`` the interval is [0, 1 − exp(−z²/(2n))] (the deviance is finite
      there), and symmetrically at ``k = n``; this is the two-sided z of R ``binom.lrt``.
    - ``wilson-cc``: a corrected limit beyond 0 or 1 is set to 0 or 1, as prop.test does.

    *Jeffreys at the edges, and statsmodels.* ``statsmodels``'
    ``proportion_confint(method="jeffreys")`` returns the equal-tailed Beta(k + ½, n − k + ½)
    quantiles at every k, so at ``k = 0`` its lower limit is a small positive number: the
    interval excludes 0, the one value the data cannot rule out, and its coverage near
    p = 0 drops to well below the nominal level (Brown, Cai & DasGupta 2001, sec. 4.1.2).
    spinemets follows their modification instead (lower limit 0 at k = 0, upper 1 at
    k = n); everywhere else the two agree to rounding. R's ``binom.bayes`` differs again: it
    reports a highest-density (not equal-tailed) interval by default, one-sided at the
    edges.

    References
    ----------
    Brown, L. D., Cai, T. T. & DasGupta, A. (2001). Interval estimation for a binomial
    proportion. *Statistical Science* 16(2), 101–133. Newcombe, R. G. (1998). Two-sided
    confidence intervals for the single proportion: comparison of seven methods. *Statistics
    in Medicine* 17, 857–872. Dorai-Raj, S. (2022). binom: Binomial confidence intervals for
    several parameterizations. R package.

    Examples
    --------
    >>> from spinemets._synthesis import proportion_ci
    >>> df = proportion_ci(18, 20, method="exact")
    >>> list(df.columns)
    ['events', 'total', 'estimate', 'ci_lower', 'ci_upper', 'confidence_level', 'method']
    >>> [round(x, 4) for x in df.loc[0, ["estimate", "ci_lower", "ci_upper"]]]
    [0.9, 0.683, 0.9877]
    >>> proportion_ci([0, 5], 10, method="jeffreys")["ci_lower"].round(4).tolist()
    [0.0, 0.2235]
    >>> proportion_ci(1, 30, method="logit")[["ci_lower", "ci_upper"]].round(6).values.tolist()
    [[0.004675, 0.202002]]
    """
    level = check_confidence_level(confidence_level)
    method = check_choice(method, CI_METHODS, "method", case_sensitive=False)
    k, n, index = _check_events_totals(events, total, "total")
    lo, hi = _ci_arrays(k, n, level, method)
    out = pd.DataFrame({
        "events": k,
        "total": n,
        "estimate": k / n,
        "ci_lower": lo,
        "ci_upper": hi,
        "confidence_level": np.full(k.size, level),
        "method": [method] * k.size,
    })
    if index is not None:
        out.index = index
    return out


# ---------------------------------------------------------------------------------------------
# Random-effects engine: sm.pool, with the conventions of pool_proportions on top
# ---------------------------------------------------------------------------------------------


def _random_effects(y: Any, v: Any, *, method: str = "REML", confidence_level: float = 0.95,
                    knapp_hartung: bool = False, tau_prior_scale: float = 0.5) -> dict[str, Any]:
    """Pool effects ``y`` with sampling variances ``v`` (any scale) by :func:`pool`; a dict.

    ``method`` is one of :data:`POOLING_METHODS` (``"fixed"`` is ``pool``'s ``"FE"``). What
    this adds to :func:`pool` are the conventions of :func:`pool_proportions`: I² is
    Higgins–Thompson's max(0, (Q − (k − 1))/Q) whatever the estimator, the fixed-effect fit is
    always reported beside the chosen one, and the frequentist prediction interval is
    Higgins–Thompson–Spiegelhalter's t(k − 2) rule (normal quantile at k = 2). For
    ``"bayes"`` the interval is the posterior predictive one.

    Keys: ``k, q, i2, tau2, mu, se, ci, fixed_mu, fixed_se, fixed_ci, pi, pi_rule, weights,
    weights_fixed, fit`` (``weights``: relative weights of the chosen model, summing to 1;
    ``fit``: the :class:`~spinemets.PooledEstimate`).
    """
    y = np.asarray(y, dtype=float)
    v = np.asarray(v, dtype=float)
    k = y.size
    level = confidence_level
    if method != "fixed" and k < 2:
        raise ValueError(
            f"random-effects pooling (method={method!r}) needs at least 2 studies (k >= 2), "
            f"got k={k}; use method='fixed' to report a single study"
        )
    if knapp_hartung and k < 2:
        raise ValueError(
            f"knapp_hartung=True needs at least 2 studies (k >= 2, for k - 1 degrees of "
            f"freedom), got k={k}"
        )
    fixed = pool(y, v, method="FE", confidence_level=level)
    if method == "fixed" and not knapp_hartung:
        fit = fixed
    else:
        fit = pool(y, v, method="FE" if method == "fixed" else method,
                   knapp_hartung=knapp_hartung, confidence_level=level,
                   tau_prior_scale=tau_prior_scale)
    q = fit.q
    i2 = max(0.0, (q - (k - 1)) / q) if (k > 1 and q > 0) else 0.0
    ci = (fit.ci_lower, fit.ci_upper)
    if method == "fixed":
        pi = ci
        pi_rule = "fixed effect: no between-study variance, the prediction interval is the CI"
    elif method == "bayes":
        pi = (fit.pi_lower, fit.pi_upper)
        pi_rule = ("Bayesian posterior predictive interval for a new setting (flat prior on "
                   f"mu, half-normal prior on tau with scale {tau_prior_scale:g}, integrated "
                   "over tau)")
    else:
        tail = (1.0 - level) / 2.0
        spread = float(np.sqrt(fit.tau2 + fit.se**2))
        if k >= 3:
            t_pi = float(stats.t.isf(tail, k - 2))
            pi_rule = "Higgins-Thompson-Spiegelhalter: mu +/- t(k-2) * sqrt(tau2 + SE^2)"
        else:
            t_pi = float(stats.norm.isf(tail))
            pi_rule = ("k=2 fallback: mu +/- z * sqrt(tau2 + SE^2) (normal quantile; "
                       "t(k-2) has 0 degrees of freedom)")
        pi = (fit.estimate - t_pi * spread, fit.estimate + t_pi * spread)
    return {
        "k": k, "q": q, "i2": i2, "tau2": float(fit.tau2), "mu": fit.estimate, "se": fit.se,
        "ci": ci, "fixed_mu": fixed.estimate, "fixed_se": fixed.se,
        "fixed_ci": (fixed.ci_lower, fixed.ci_upper), "pi": pi, "pi_rule": pi_rule,
        "weights": fit.weights, "weights_fixed": fixed.weights, "fit": fit,
    }


def logit_effects(events: np.ndarray, totals: np.ndarray) -> tuple[
        np.ndarray, np.ndarray, np.ndarray]:
    """Per-study logit and variance, +0.5 to both cells only for 0 or n events."""
    corr = np.where((events == 0) | (events == totals), CONTINUITY_CORRECTION, 0.0)
    a = events + corr
    b = totals - events + corr
    return np.log(a / b), 1.0 / a + 1.0 / b, corr


# ---------------------------------------------------------------------------------------------
# PooledProportion
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False, eq=False)
class PooledProportion:
    """Result of :func:`pool_proportions`: pooled proportion, intervals and heterogeneity.

    All proportions are fractions on [0, 1]; ``mu_logit``, ``se_logit`` and ``tau2`` are on the
    logit scale.

    Attributes
    ----------
    estimate : float
        Pooled proportion of the chosen model, ``expit(mu_logit)`` (a median-type summary on
        the proportion scale, not the mean of the predictive distribution).
    ci_lower, ci_upper : float
        Confidence interval for the pooled proportion.
    pi_lower, pi_upper : float
        Prediction interval for the true proportion in a new setting (see ``pi_rule``).
    tau2 : float
        Between-study variance of the logits (0 for ``method="fixed"``; posterior mean of τ²
        for ``"bayes"``).
    i2 : float
        Higgins–Thompson I² = max(0, (Q − (k − 1)) / Q), as a fraction.
    q : float
        Cochran's Q (inverse-variance weights), k − 1 degrees of freedom.
    k : int
        Number of studies.
    method : str
        ``"REML"``, ``"DL"``, ``"PM"``, ``"ML"``, ``"bayes"`` or ``"fixed"``.
    confidence_level : float
        Coverage of both intervals.
    fixed_estimate : float
        Inverse-variance fixed-effect pooled proportion.
    fixed_ci : tuple of float
        Its (normal) confidence interval.
    mu_logit, se_logit : float
        Pooled logit and its standard error (Knapp–Hartung SE if ``knapp_hartung``).
    knapp_hartung : bool
        Whether the CI uses the Knapp–Hartung variance and t(k − 1).
    pi_rule : str
        The rule used for the prediction interval, in words.
    labels : tuple of str
        Study labels.
    studies : pandas.DataFrame
        Per-study table: ``label, events, total, proportion, logit, variance, correction,
        estimate, ci_lower, ci_upper, weight_fixed, weight``.
    """

    estimate: float
    ci_lower: float
    ci_upper: float
    pi_lower: float
    pi_upper: float
    tau2: float
    i2: float
    q: float
    k: int
    method: str
    confidence_level: float
    fixed_estimate: float
    fixed_ci: tuple[float, float]
    mu_logit: float
    se_logit: float
    knapp_hartung: bool
    pi_rule: str
    labels: tuple[str, ...]
    studies: pd.DataFrame

    @property
    def proportion(self) -> Proportion:
        """Predictive distribution for a new setting, ``logit(p) ~ Normal(mu, tau² + SE²)``.

        The ``sources`` are the study labels. With few studies its central interval is
        narrower than ``pi_lower, pi_upper``, which use a t quantile (see ``pi_rule``).

        Examples
        --------
        >>> from spinemets._synthesis import pool_proportions
        >>> res = pool_proportions([10, 30, 20], [100, 120, 90], labels=["A", "B", "C"])
        >>> p = res.proportion
        >>> p.sources
        ('A', 'B', 'C')
        >>> round(p.median, 6) == round(res.estimate, 6)
        True
        """
        sigma = float(np.sqrt(self.tau2 + self.se_logit**2))
        return Proportion.logit_normal(
            self.mu_logit, sigma,
            label=f"pooled proportion ({self.method}, k={self.k})",
            sources=self.labels,
            encoding=(f"pool_proportions(k={self.k}, method={self.method!r}, "
                      f"knapp_hartung={self.knapp_hartung}).proportion"),
            assumption=(
                "Random-effects predictive distribution for a new setting: the logit of the "
                "true proportion is Normal(mu, tau2 + SE^2), with mu, SE and tau2 estimated "
                f"by {self.method} from {self.k} studies of the same estimand (0.5 added to "
                "both cells of studies with 0 or n events)"
                + ("; for bayes mu and SE are the posterior mean and SD and tau2 the posterior "
                   "mean of tau^2, so the normal matches the predictive mixture's mean and "
                   "variance." if self.method == "bayes" else ".")
            ),
        )

    def to_frame(self) -> pd.DataFrame:
        """Tidy table for forest plots and export.

        One row per study (``kind="study"``), then the fixed-effect pooled row
        (``kind="fixed"``), the random-effects pooled row (``kind="random"``, absent when
        ``method="fixed"``) and the prediction interval (``kind="prediction"``, whose
        ``ci_lower, ci_upper`` hold the prediction interval). Columns: ``label, kind, events,
        total, estimate, ci_lower, ci_upper, weight, confidence_level, method``; ``weight``
        is the study's share of the chosen model's weight (1 for pooled rows, NaN for the
        prediction row, which has no weight). Study intervals are the normal intervals on
        the logit scale that the pooling itself uses (with its continuity convention),
        back-transformed; they differ slightly from :func:`proportion_ci`'s Wilson
        intervals.

        Examples
        --------
        >>> from spinemets._synthesis import pool_proportions
        >>> res = pool_proportions([10, 30, 20], [100, 120, 90], method="DL")
        >>> res.to_frame()["kind"].tolist()
        ['study', 'study', 'study', 'fixed', 'random', 'prediction']
        """
        s = self.studies
        rows = pd.DataFrame({
            "label": s["label"], "kind": "study", "events": s["events"], "total": s["total"],
            "estimate": s["estimate"], "ci_lower": s["ci_lower"], "ci_upper": s["ci_upper"],
            "weight": s["weight"],
        })
        ev, tot = int(s["events"].sum()), int(s["total"].sum())
        pooled = [{
            "label": "Fixed effect (inverse variance)", "kind": "fixed", "events": ev,
            "total": tot, "estimate": self.fixed_estimate, "ci_lower": self.fixed_ci[0],
            "ci_upper": self.fixed_ci[1], "weight": 1.0,
        }]
        if self.method != "fixed":
            hk = ", Knapp-Hartung" if self.knapp_hartung else ""
            pooled.append({
                "label": f"Random effects ({self.method}{hk})", "kind": "random", "events": ev,
                "total": tot, "estimate": self.estimate, "ci_lower": self.ci_lower,
                "ci_upper": self.ci_upper, "weight": 1.0,
            })
        pooled.append({
            "label": "Prediction interval", "kind": "prediction", "events": ev, "total": tot,
            "estimate": self.estimate, "ci_lower": self.pi_lower, "ci_upper": self.pi_upper,
            "weight": np.nan,
        })
        out = pd.concat([rows, pd.DataFrame(pooled)], ignore_index=True)
        out["events"] = out["events"].astype("int64")
        out["total"] = out["total"].astype("int64")
        out["confidence_level"] = self.confidence_level
        out["method"] = self.method
        return out

    def plot(self, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Forest plot (studies, pooled diamonds, prediction interval); returns the Axes.

        Examples
        --------
        >>> from spinemets._synthesis import pool_proportions
        >>> ax = pool_proportions([10, 30, 20], [100, 120, 90]).plot()
        >>> ax.get_xlabel()
        'proportion'
        """
        return forest_plot(self.to_frame().assign(i2=self.i2, tau2=self.tau2), ax=ax, **kwargs)

    def _summary_lines(self) -> list[tuple[str, str]]:
        lvl = format_value(self.confidence_level, "fraction")
        return [
            ("estimate", _pct(self.estimate)),
            (f"{lvl} CI", format_interval(self.ci_lower, self.ci_upper)),
            (f"{lvl} prediction interval", format_interval(self.pi_lower, self.pi_upper)),
            ("fixed effect", f"{_pct(self.fixed_estimate)} "
                             f"({format_interval(*self.fixed_ci)})"),
            ("tau² (logit scale)", format_value(self.tau2)),
            ("I²", _pct(self.i2)),
            ("Q", f"{format_value(self.q)} on {self.k - 1} df"),
            ("prediction rule", self.pi_rule),
        ]

    def __repr__(self) -> str:
        lvl = format_value(self.confidence_level, "fraction")
        hk = ", Knapp-Hartung" if self.knapp_hartung else ""
        return (
            f"PooledProportion({self.method}{hk}, k={self.k}): {_pct(self.estimate)} "
            f"({lvl} CI {_pct(self.ci_lower)} to {_pct(self.ci_upper)}; {lvl} PI "
            f"{_pct(self.pi_lower)} to {_pct(self.pi_upper)}), tau²={format_value(self.tau2)}, "
            f"I²={_pct(self.i2)}"
        )

    def _repr_html_(self) -> str:
        hk = ", Knapp–Hartung" if self.knapp_hartung else ""
        s = self.studies
        studies = pd.DataFrame({
            "study": s["label"].astype(str),
            "events/total": [f"{int(e):,}/{int(t):,}" for e, t in zip(s["events"], s["total"],
                                                                       strict=True)],
            "estimate": s["estimate"],
            "CI": [format_interval(lo, hi) for lo, hi in zip(s["ci_lower"], s["ci_upper"],
                                                               strict=True)],
            "weight": s["weight"],
        })
        return html_record(f"Pooled proportion ({self.method}{hk}, k={self.k})",
                           self._summary_lines(),
                           after=html_table(studies, {"estimate": "fraction",
                                                      "weight": "fraction"}))


def pool_proportions(events: ArrayLike, totals: ArrayLike, method: str = "REML",
                     confidence_level: float = 0.95, labels: Sequence[Any] | None = None,
                     knapp_hartung: bool = False,
                     tau_prior_scale: float = 0.5) -> PooledProportion:
    r"""Pool several *events of total* figures for the same estimand on the logit scale.

    Parameters
    ----------
    events : array_like of int or pandas.Series
        Events per study.
    totals : array_like of int or pandas.Series
        Trials per study (``>= 1``), same length as ``events``.
    method : {"REML", "DL", "PM", "ML", "bayes", "fixed"}, default "REML"
        Estimator of the between-study variance τ²: restricted maximum likelihood,
        DerSimonian–Laird (truncated at 0), Paule–Mandel or maximum likelihood; ``"bayes"``
        is the Bayesian random-effects model of :func:`~spinemets.pool` (flat prior on the
        pooled logit, half-normal prior on τ); ``"fixed"`` is the inverse-variance
        fixed-effect model (τ² = 0). Case-insensitive.
    confidence_level : float, default 0.95
        Coverage of the confidence and prediction intervals.
    labels : sequence, optional
        Study labels (stored as ``str``). Defaults to the index of a pandas Series ``events``,
        else ``"study 1"``, ``"study 2"``, ...
    knapp_hartung : bool, default False
        Use the Knapp–Hartung(–Sidik–Jonkman) variance
        Σwᵢ(yᵢ − μ)² / ((k − 1)Σwᵢ) with a t(k − 1) quantile for the CI of the pooled logit
        (not truncated below at the usual variance). Not available for ``"bayes"``.
    tau_prior_scale : float, default 0.5
        Scale of the half-normal prior on τ, on the logit scale (``"bayes"`` only; must be
        > 0 in any case). 0.5 says that settings' odds rarely differ by more than a factor
        e^(2 × 0.5) ≈ 2.7 from the average.

    Returns
    -------
    PooledProportion
        Estimates, intervals, heterogeneity, per-study table; ``.proportion`` gives the
        predictive distribution, ``.to_frame()`` a tidy table and ``.plot()`` a forest plot.

    Raises
    ------
    TypeError, ValueError
        Invalid counts (see :func:`proportion_ci`), an unknown ``method``, ``labels`` of the
        wrong length, or fewer than 2 studies for a random-effects model.

    Warns
    -----
    PredictionIntervalWarning
        With exactly 2 studies under a random-effects model (see Notes).

    Notes
    -----
    *Per-study effects.* yᵢ = log(aᵢ / bᵢ) with variance vᵢ = 1/aᵢ + 1/bᵢ, where aᵢ = xᵢ and
    bᵢ = nᵢ − xᵢ, except that **0.5 is added to both cells only for studies with 0 or nᵢ
    events** (otherwise the logit is infinite). This is the default of R's
    ``metafor::escalc(measure="PLO")`` (``add=1/2, to="only0"``); studies with events
    strictly between 0 and n are used as observed.

    *Pooling.* Weights wᵢ = 1/(vᵢ + τ²); μ = Σwᵢyᵢ/Σwᵢ, SE = (Σwᵢ)^−½; CI μ ± z·SE (or the
    Knapp–Hartung version), back-transformed with the inverse logit. Cochran's Q and I² use
    the fixed-effect weights 1/vᵢ. τ² by DL is max(0, (Q − (k − 1))/(Σw − Σw²/Σw)); PM solves
    Σwᵢ(yᵢ − μ)² = k − 1; REML solves the restricted-likelihood score equation; both are 0
    when the equation has no positive root.

    *Prediction interval* (Higgins, Thompson & Spiegelhalter 2009): μ ± t(k − 2)·√(τ² + SE²)
    for k ≥ 3 (SE is the Knapp–Hartung SE when that option is on). With **k = 2** the t
    distribution has no degrees of freedom; the interval then falls back to the normal
    quantile, μ ± z·√(τ² + SE²) — the rule metafor's ``predict()`` uses by default for every k
    — and a :class:`PredictionIntervalWarning` says that it is optimistic: two studies say
    almost nothing about between-setting spread. Any t with ≥ 1 df would be an arbitrary
    choice too; a wide honest statement is "collect more studies". With ``method="fixed"``
    the prediction interval equals the CI (no between-study variance is assumed).

    *Bayes.* ``mu_logit`` is the posterior mean of the pooled logit, ``se_logit`` its posterior
    SD, the CI the equal-tailed credible interval and the prediction interval the posterior
    predictive one (no warning at k = 2: the prior on τ is what makes two studies usable),
    all from :func:`~spinemets.pool` with ``method="bayes"``; ``tau2`` is the posterior mean
    of τ². ``estimate`` is ``expit(mu_logit)``.

    *k = 1.* ``method="fixed"`` returns that study (its logit-scale interval);
    random-effects methods need k ≥ 2 and raise ``ValueError``.

    References
    ----------
    DerSimonian, R. & Laird, N. (1986). Meta-analysis in clinical trials. *Controlled Clinical
    Trials* 7, 177–188. Paule, R. C. & Mandel, J. (1982). Consensus values and weighting
    factors. *J. Res. Natl. Bur. Stand.* 87, 377–385. Viechtbauer, W. (2005). Bias and
    efficiency of meta-analytic variance estimators in the random-effects model. *J. Educ.
    Behav. Stat.* 30, 261–293. Higgins, J. P. T., Thompson, S. G. & Spiegelhalter, D. J.
    (2009). A re-evaluation of random-effects meta-analysis. *JRSS A* 172, 137–159.

    Examples
    --------
    >>> from spinemets._synthesis import pool_proportions
    >>> res = pool_proportions([12, 30, 25, 8], [40, 90, 110, 35], method="REML",
    ...                        labels=["A", "B", "C", "D"])
    >>> res.k, res.method
    (4, 'REML')
    >>> bool(res.ci_lower < res.estimate < res.ci_upper)
    True
    >>> bool(res.pi_lower <= res.ci_lower and res.ci_upper <= res.pi_upper)
    True
    >>> one = pool_proportions([7], [20], method="fixed")
    >>> round(one.estimate, 6)
    0.35
    """
    level = check_confidence_level(confidence_level)
    method = check_choice(method, POOLING_METHODS, "method", case_sensitive=False)
    if not isinstance(knapp_hartung, (bool, np.bool_)):
        raise TypeError(
            f"knapp_hartung must be True or False, got {type(knapp_hartung).__name__} "
            f"{knapp_hartung!r}"
        )
    check_real(tau_prior_scale, "tau_prior_scale", low=0.0, low_open=True)
    x, n, _ = _check_events_totals(events, totals, "totals")
    k = x.size
    if k == 0:
        raise ValueError("events must hold at least one study, got an empty sequence")
    lab = study_labels(labels, events, k)

    y, v, corr = logit_effects(x, n)
    fit = _random_effects(y, v, method=method, confidence_level=level,
                          knapp_hartung=bool(knapp_hartung), tau_prior_scale=tau_prior_scale)
    if method not in ("fixed", "bayes") and k == 2:
        warnings.warn(
            "prediction interval from only 2 studies: the Higgins-Thompson-Spiegelhalter "
            "t(k-2) quantile is undefined, so the normal quantile was used "
            "(mu +/- z*sqrt(tau2 + SE^2)); this interval is optimistic - two studies say "
            "little about how much settings differ",
            PredictionIntervalWarning, stacklevel=2,
        )
    z = float(stats.norm.isf((1.0 - level) / 2.0))
    se_i = np.sqrt(v)
    studies = pd.DataFrame({
        "label": list(lab),
        "events": x,
        "total": n,
        "proportion": x / n,
        "logit": y,
        "variance": v,
        "correction": corr,
        "estimate": special.expit(y),
        "ci_lower": special.expit(y - z * se_i),
        "ci_upper": special.expit(y + z * se_i),
        "weight_fixed": fit["weights_fixed"],
        "weight": fit["weights"],
    })
    return PooledProportion(
        estimate=float(special.expit(fit["mu"])),
        ci_lower=float(special.expit(fit["ci"][0])),
        ci_upper=float(special.expit(fit["ci"][1])),
        pi_lower=float(special.expit(fit["pi"][0])),
        pi_upper=float(special.expit(fit["pi"][1])),
        tau2=fit["tau2"],
        i2=fit["i2"],
        q=fit["q"],
        k=k,
        method=method,
        confidence_level=level,
        fixed_estimate=float(special.expit(fit["fixed_mu"])),
        fixed_ci=(float(special.expit(fit["fixed_ci"][0])),
                  float(special.expit(fit["fixed_ci"][1]))),
        mu_logit=fit["mu"],
        se_logit=fit["se"],
        knapp_hartung=bool(knapp_hartung),
        pi_rule=fit["pi_rule"],
        labels=lab,
        studies=studies,
    )


# ---------------------------------------------------------------------------------------------
# true_prevalence
# ---------------------------------------------------------------------------------------------


def _describe(value: float | Proportion) -> str:
    if isinstance(value, Proportion):
        return repr(value)
    return format_value(value, "fraction")


@dataclass(frozen=True, repr=False, eq=False)
class TruePrevalence:
    """Result of :func:`true_prevalence`.

    Attributes
    ----------
    estimate : float
        Corrected prevalence: the closed form with fixed inputs, else the mean of the
        (clipped) Monte Carlo draws.
    ci_lower, ci_upper : float
        Equal-tailed interval of the draws (both equal ``estimate`` with fixed inputs).
    confidence_level : float
        Coverage of the interval.
    method : str
        ``"closed form"`` or ``"monte carlo"``.
    clipped_share : float
        Share of estimates (draws) that fell outside [0, 1] and were clipped.
    apparent, sensitivity, specificity : float or Proportion
        The inputs.
    draws : numpy.ndarray or None
        The clipped Monte Carlo draws (None with fixed inputs).
    seed : int or None
        The seed of the draws (``rng=seed`` reproduces them; None with fixed inputs).
    """

    estimate: float
    ci_lower: float
    ci_upper: float
    confidence_level: float
    method: str
    clipped_share: float
    apparent: float | Proportion
    sensitivity: float | Proportion
    specificity: float | Proportion
    draws: np.ndarray | None = None
    seed: int | None = None

    def to_frame(self) -> pd.DataFrame:
        """One-row tidy summary.

        Columns ``estimate, ci_lower, ci_upper, confidence_level, method, clipped_share``,
        then the means of the inputs (``apparent, sensitivity, specificity``) and ``n_draws``.

        Examples
        --------
        >>> from spinemets._synthesis import true_prevalence
        >>> true_prevalence(0.25, 0.74, 0.98).to_frame().columns.tolist()[:6]
        ['estimate', 'ci_lower', 'ci_upper', 'confidence_level', 'method', 'clipped_share']
        """
        def mean(x: float | Proportion) -> float:
            return x.mean if isinstance(x, Proportion) else float(x)

        return pd.DataFrame([{
            "estimate": self.estimate,
            "ci_lower": self.ci_lower,
            "ci_upper": self.ci_upper,
            "confidence_level": self.confidence_level,
            "method": self.method,
            "clipped_share": self.clipped_share,
            "apparent": mean(self.apparent),
            "sensitivity": mean(self.sensitivity),
            "specificity": mean(self.specificity),
            "n_draws": 0 if self.draws is None else int(self.draws.size),
        }])

    def plot(self, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Histogram of the draws with the interval shaded (a line with fixed inputs).

        Examples
        --------
        >>> from spinemets import Proportion
        >>> from spinemets._synthesis import true_prevalence
        >>> res = true_prevalence(Proportion.beta(50, 150), 0.74, 0.98, draws=2000, rng=1)
        >>> res.plot().get_xlabel()
        'true prevalence'
        """
        return plot_draws(
            self.draws if self.draws is not None else np.array([self.estimate]),
            ax=ax, interval=(self.ci_lower, self.ci_upper), estimate=self.estimate,
            xlabel="true prevalence", **kwargs,
        )

    def __repr__(self) -> str:
        lvl = format_value(self.confidence_level, "fraction")
        clip = f", {_pct(self.clipped_share)} clipped" if self.clipped_share > 0 else ""
        if self.method == "closed form":
            return f"TruePrevalence(closed form): {_pct(self.estimate)}{clip}"
        return (f"TruePrevalence(monte carlo, {self.draws.size} draws): {_pct(self.estimate)} "
                f"({lvl} interval {_pct(self.ci_lower)} to {_pct(self.ci_upper)}){clip}")

    def _repr_html_(self) -> str:
        lvl = format_value(self.confidence_level, "fraction")
        rows = [
            ("true prevalence", _pct(self.estimate)),
            (f"{lvl} interval", format_interval(self.ci_lower, self.ci_upper)),
            ("method", self.method),
            ("clipped share", _pct(self.clipped_share)),
            ("apparent prevalence", _describe(self.apparent)),
            ("sensitivity", _describe(self.sensitivity)),
            ("specificity", _describe(self.specificity)),
        ]
        return html_record("True prevalence (Rogan–Gladen)", rows)


def _check_input(value: Any, name: str) -> float | Proportion:
    if isinstance(value, Proportion):
        return value
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return check_fraction(value, name)
    raise TypeError(
        f"{name} must be a fraction in [0, 1] or a spinemets Proportion, got "
        f"{type(value).__name__} {value!r}"
    )


def true_prevalence(apparent: float | Proportion, sensitivity: float | Proportion,
                    specificity: float | Proportion, *, draws: int = 100_000,
                    confidence_level: float = 0.95, rng: RNGLike = None) -> TruePrevalence:
    r"""Correct an apparent prevalence for an imperfect test (Rogan–Gladen).

    The true prevalence is ``(AP + Sp − 1) / (Se + Sp − 1)`` for apparent prevalence AP,
    sensitivity Se and specificity Sp.

    Parameters
    ----------
    apparent, sensitivity, specificity : float or Proportion
        Fractions in [0, 1], or :class:`~spinemets.Proportion` objects carrying
        their uncertainty. If any input is a Proportion, the uncertainty is propagated by
        Monte Carlo (the three inputs drawn independently).
    draws : int, default 100_000
        Number of Monte Carlo draws (>= 1000); ignored with fixed inputs.
    confidence_level : float, default 0.95
        Coverage of the equal-tailed interval of the draws.
    rng : None, int or numpy.random.Generator
        Source of randomness for the draws.

    Returns
    -------
    TruePrevalence
        ``estimate`` (closed form, or mean of the clipped draws), ``ci_lower, ci_upper``,
        ``clipped_share``, the ``draws`` and ``.to_frame()``.

    Raises
    ------
    TypeError
        An input that is neither a real number nor a Proportion.
    ValueError
        Fractions outside [0, 1], ``draws < 1000``, or sensitivity + specificity <= 1 (for
        Proportions: of their means) — such a test carries no information to correct with.

    Warns
    -----
    PrevalenceClippedWarning
        If the apparent prevalence lies outside ``[1 − Sp, Se]`` (for all draws, or for a
        share of them): those estimates fall outside [0, 1] and are clipped to it; the
        message gives the share.
    ImplausibleAccuracyWarning
        If some draws have Se + Sp <= 1; they are dropped.

    Examples
    --------
    Wong, Fornasier & MacNab (Spine 1990;15:1-4) found 26% of autopsy-proven spinal
    metastases invisible on plain radiographs, i.e. a radiographic sensitivity of about 0.74
    against autopsy. If 25% of a series look metastatic on radiographs, and assuming an
    *illustrative* specificity of 0.98 (not from Wong 1990), the implied true prevalence is
    (0.25 + 0.98 − 1) / (0.74 + 0.98 − 1) = 0.23 / 0.72:

    >>> from spinemets._synthesis import true_prevalence
    >>> res = true_prevalence(0.25, sensitivity=0.74, specificity=0.98)
    >>> round(res.estimate, 4)
    0.3194

    With uncertainty in the apparent prevalence (here 50 of 200 radiographs positive,
    Jeffreys Beta; illustrative numbers):

    >>> from spinemets import Proportion
    >>> ap = Proportion.beta(50.5, 150.5, label="apparent (radiographs)")
    >>> res = true_prevalence(ap, 0.74, 0.98, draws=20_000, rng=2024)
    >>> res.method
    'monte carlo'
    >>> [round(v, 2) for v in (res.estimate, res.ci_lower, res.ci_upper)]
    [0.32, 0.24, 0.41]
    """
    ap = _check_input(apparent, "apparent")
    se = _check_input(sensitivity, "sensitivity")
    sp = _check_input(specificity, "specificity")
    level = check_confidence_level(confidence_level)
    n_draws = check_draws(draws, minimum=1000)

    def mean(x: float | Proportion) -> float:
        return x.mean if isinstance(x, Proportion) else float(x)

    se_m, sp_m = mean(se), mean(sp)
    if se_m + sp_m <= 1.0:
        what = "means of sensitivity and specificity" if any(
            isinstance(x, Proportion) for x in (se, sp)) else "sensitivity + specificity"
        raise ValueError(
            f"sensitivity + specificity must be > 1 (a test no better than chance cannot be "
            f"corrected for); got {what} {se_m:.6g} + {sp_m:.6g} = {se_m + sp_m:.6g}"
        )

    if not any(isinstance(x, Proportion) for x in (ap, se, sp)):
        raw = (float(ap) + float(sp) - 1.0) / (float(se) + float(sp) - 1.0)
        clipped = not (0.0 <= raw <= 1.0)
        value = float(np.clip(raw, 0.0, 1.0))
        if clipped:
            warnings.warn(
                f"apparent prevalence {float(ap):.6g} lies outside [1 - specificity, "
                f"sensitivity] = [{1 - float(sp):.6g}, {float(se):.6g}]: the Rogan-Gladen "
                f"estimate {raw:.6g} was clipped to {value:g} (share of estimates clipped: "
                f"100%)",
                PrevalenceClippedWarning, stacklevel=2,
            )
        return TruePrevalence(
            estimate=value, ci_lower=value, ci_upper=value, confidence_level=level,
            method="closed form", clipped_share=1.0 if clipped else 0.0,
            apparent=ap, sensitivity=se, specificity=sp, draws=None,
        )

    gen, seed = resolve_rng(rng)

    def sample(x: float | Proportion) -> np.ndarray:
        if isinstance(x, Proportion):
            return np.asarray(x.rvs(n_draws, rng=gen), dtype=float)
        return np.full(n_draws, float(x))

    ap_d, se_d, sp_d = sample(ap), sample(se), sample(sp)
    denom = se_d + sp_d - 1.0
    ok = denom > 0
    if not ok.all():
        share_bad = 1.0 - float(ok.mean())
        warnings.warn(
            f"{_pct(share_bad)} of draws had sensitivity + specificity <= 1 (no information "
            f"in the test) and were dropped",
            ImplausibleAccuracyWarning, stacklevel=2,
        )
        ap_d, sp_d, denom = ap_d[ok], sp_d[ok], denom[ok]
    raw = (ap_d + sp_d - 1.0) / denom
    outside = (raw < 0.0) | (raw > 1.0)
    share = float(outside.mean())
    if share > 0:
        warnings.warn(
            f"{_pct(share)} of the Rogan-Gladen draws fell outside [0, 1] (apparent "
            f"prevalence outside [1 - specificity, sensitivity] in those draws) and were "
            f"clipped to [0, 1]",
            PrevalenceClippedWarning, stacklevel=2,
        )
    values = np.clip(raw, 0.0, 1.0)
    tail = (1.0 - level) / 2.0
    lo, hi = np.quantile(values, [tail, 1.0 - tail])
    return TruePrevalence(
        estimate=float(values.mean()), ci_lower=float(lo), ci_upper=float(hi),
        confidence_level=level, method="monte carlo", clipped_share=share,
        apparent=ap, sensitivity=se, specificity=sp, draws=values, seed=seed,
    )
