"""Generic random-effects pooling of effect estimates with known sampling variances.

One public function, :func:`pool`, returning a :class:`PooledEstimate`. It works on any
scale on which the normal approximation is used (log risk ratios, logits, mean
differences, ...): the caller supplies the per-study effects and their sampling variances.

Frequentist estimators follow R ``metafor::rma()`` (``method="EE"/"FE"``, ``"DL"``,
``"REML"``, ``"PM"``, ``"ML"``; ``test="knha"`` for Knapp–Hartung; ``predict()`` for the
prediction interval). ``method="bayes"`` is the normal–normal hierarchical model with a flat
prior on μ and a half-normal prior on τ, integrated deterministically over τ (the approach
of the R package bayesmeta).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import optimize, special, stats

from ._validation import (
    POOL_EFFECT_LIMIT,
    POOL_VARIANCE_RANGE,
    check_confidence_level,
    check_real,
    check_rows,
)

__all__ = ["POOL_METHODS", "PooledEstimate", "TauPosterior", "check_choice", "pool",
           "study_labels"]

POOL_METHODS: tuple[str, ...] = ("FE", "DL", "REML", "PM", "ML", "bayes")
"""Methods accepted by :func:`pool` (case-sensitive)."""

_GL_NODES = 32
"""Gauss–Legendre nodes per panel of the τ quadrature."""


# ---------------------------------------------------------------------------------------------
# input checks
# ---------------------------------------------------------------------------------------------


def _as_vector(values: Any, name: str) -> np.ndarray:
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{name} must be a 1-D sequence of real numbers, got the string "
                        f"{values!r}")
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must be a 1-D sequence of real numbers, got {type(values).__name__} "
            f"{values!r}"
        ) from None
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one value per study), got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must hold at least one study, got an empty sequence")
    bad = ~np.isfinite(arr)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name} must be finite, got {float(arr[i])!r} at position {i}")
    return arr


def check_choice(value: Any, allowed: Sequence[str], name: str, *,
                 case_sensitive: bool = True) -> str:
    """``value`` as one of the strings ``allowed``, or a TypeError / ValueError naming ``name``.

    With ``case_sensitive=False`` the match ignores case and surrounding space and reads
    ``_`` as ``-``; the spelling in ``allowed`` is returned.

    Examples
    --------
    >>> from spinemets._pooling import check_choice
    >>> check_choice("reml", ("REML", "DL"), "method", case_sensitive=False)
    'REML'
    >>> check_choice("DL", ("REML", "DL"), "method")
    'DL'
    """
    options = ", ".join(map(repr, allowed))
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {options}; got "
                        f"{type(value).__name__} {value!r}")
    if case_sensitive:
        if value in allowed:
            return value
        raise ValueError(f"{name} must be one of {options} (case-sensitive); got {value!r}")
    key = value.strip().lower().replace("_", "-")
    for option in allowed:
        if key == option.lower():
            return option
    raise ValueError(f"{name} must be one of {options}; got {value!r}")


def study_labels(labels: Any, data: Any, k: int) -> tuple[str, ...]:
    """One ``str`` label per study: ``labels`` checked, else the index of a Series ``data``,
    else ``"study 1"``, ``"study 2"``, ...

    Examples
    --------
    >>> from spinemets._pooling import study_labels
    >>> study_labels(None, [0.1, 0.2], 2)
    ('study 1', 'study 2')
    >>> study_labels(["A", 2], [0.1, 0.2], 2)
    ('A', '2')
    """
    if labels is None:
        if isinstance(data, pd.Series):
            return tuple(str(i) for i in data.index)
        return tuple(f"study {i + 1}" for i in range(k))
    if isinstance(labels, str):
        raise TypeError(f"labels must be a sequence of labels, one per study, got the "
                        f"string {labels!r}")
    lab = tuple(str(s) for s in labels)
    if len(lab) != k:
        raise ValueError(f"labels must have one entry per study ({k}), got {len(lab)}")
    return lab


def _check_inputs(effects: Any, variances: Any, method: Any, knapp_hartung: Any,
                  confidence_level: Any, tau_prior_scale: Any, labels: Any) -> tuple[
                      np.ndarray, np.ndarray, str, bool, float, float, tuple[str, ...]]:
    method = check_choice(method, POOL_METHODS, "method")
    if not isinstance(knapp_hartung, (bool, np.bool_)):
        raise TypeError(f"knapp_hartung must be True or False, got "
                        f"{type(knapp_hartung).__name__} {knapp_hartung!r}")
    level = check_confidence_level(confidence_level)
    scale = check_real(tau_prior_scale, "tau_prior_scale", low=0.0, low_open=True,
                       high=POOL_EFFECT_LIMIT)
    y = _as_vector(effects, "effects")
    v = _as_vector(variances, "variances")
    if y.size != v.size:
        raise ValueError(f"effects and variances must have the same length, got {y.size} and "
                         f"{v.size}")
    nonpos = v <= 0
    if nonpos.any():
        i = int(np.flatnonzero(nonpos)[0])
        raise ValueError(f"variances must be > 0 (sampling variances, not standard errors "
                         f"or weights), got {float(v[i])!r} at position {i}")
    check_rows(y.size, "effects")
    big = np.abs(y) > POOL_EFFECT_LIMIT
    if big.any():
        i = int(np.flatnonzero(big)[0])
        raise ValueError(f"effects must lie within +-{POOL_EFFECT_LIMIT:g} (effects on a "
                         f"logit or log scale), got {float(y[i])!r} at position {i}")
    v_lo, v_hi = POOL_VARIANCE_RANGE
    odd = (v < v_lo) | (v > v_hi)
    if odd.any():
        i = int(np.flatnonzero(odd)[0])
        raise ValueError(f"variances must lie in [{v_lo:g}, {v_hi:g}] (sampling variances on "
                         f"the effects' scale), got {float(v[i])!r} at position {i}")
    k = y.size
    if method != "FE" and k < 2:
        raise ValueError(f"method={method!r} (a random-effects model) needs at least 2 studies "
                         f"(k >= 2), got k={k}; use method='FE' to report a single study")
    if knapp_hartung and method == "bayes":
        raise ValueError("knapp_hartung=True does not apply to method='bayes' (the credible "
                         "interval comes from the posterior); got knapp_hartung=True")
    if knapp_hartung and k < 2:
        raise ValueError(f"knapp_hartung=True needs at least 2 studies (k - 1 degrees of "
                         f"freedom), got k={k}")
    return y, v, method, bool(knapp_hartung), level, scale, study_labels(labels, effects, k)


# ---------------------------------------------------------------------------------------------
# frequentist estimators of tau2
# ---------------------------------------------------------------------------------------------


def _wmean(y: np.ndarray, w: np.ndarray) -> float:
    return float(np.dot(w, y) / np.sum(w))


def _cochran_q(y: np.ndarray, v: np.ndarray) -> float:
    w = 1.0 / v
    return float(np.dot(w, (y - _wmean(y, w)) ** 2))


def _tau2_dl(y: np.ndarray, v: np.ndarray) -> float:
    w = 1.0 / v
    c = float(np.sum(w) - np.sum(w**2) / np.sum(w))
    if c <= 0.0:  # all weights in one study: no information on tau2
        return 0.0
    return max(0.0, (_cochran_q(y, v) - (y.size - 1)) / c)


def _pm_equation(y: np.ndarray, v: np.ndarray, t2: float) -> float:
    """Generalised Q at tau2 minus its expectation k - 1 (decreasing in tau2)."""
    w = 1.0 / (v + t2)
    return float(np.dot(w, (y - _wmean(y, w)) ** 2)) - (y.size - 1)


def _ml_score(y: np.ndarray, v: np.ndarray, t2: float) -> float:
    """Twice the derivative of the log-likelihood (mu profiled out) with respect to tau2."""
    w = 1.0 / (v + t2)
    return float(np.dot(w**2, (y - _wmean(y, w)) ** 2) - np.sum(w))


def _reml_score(y: np.ndarray, v: np.ndarray, t2: float) -> float:
    """Twice the derivative of the restricted log-likelihood with respect to tau2."""
    w = 1.0 / (v + t2)
    sw = float(np.sum(w))
    return float(np.dot(w**2, (y - _wmean(y, w)) ** 2) - sw + np.sum(w**2) / sw)


_EQUATIONS = {"PM": _pm_equation, "ML": _ml_score, "REML": _reml_score}


def _tau2_root(y: np.ndarray, v: np.ndarray, method: str) -> float:
    """Root of the method's estimating equation on [0, inf), truncated at 0.

    Each equation is positive at tau2 = 0 exactly when the estimate is positive and is
    negative for large tau2 (it behaves like (S - c * tau2) / tau2^2 with S the spread of the
    effects), so the root is bracketed by doubling an upper end and found by Brent's method.
    """
    fun = _EQUATIONS[method]
    if fun(y, v, 0.0) <= 0.0:
        return 0.0
    upper = max(float(np.var(y)) * y.size + float(np.max(v)), 1e-12)
    for _ in range(2000):
        if fun(y, v, upper) < 0.0:
            break
        upper *= 2.0
    else:  # pragma: no cover - the equations are negative for large tau2
        raise RuntimeError(f"could not bracket the {method} estimate of tau2")
    return float(optimize.brentq(lambda t: fun(y, v, t), 0.0, upper, xtol=1e-300,
                                 rtol=4 * np.finfo(float).eps, maxiter=1000))


def _typical_variance(v: np.ndarray) -> float:
    """metafor's 'typical' sampling variance s² = (k - 1) Σw / ((Σw)² - Σw²), w = 1/v."""
    w = 1.0 / v
    denom = float(np.sum(w) ** 2 - np.sum(w**2))
    return float((v.size - 1) * np.sum(w) / denom)


def _i2(tau2: float, v: np.ndarray, q: float, method: str) -> float:
    k = v.size
    if k < 2:
        return float("nan")
    if method == "FE":
        # metafor reports the Higgins-Thompson value for equal-effects models
        return max(0.0, (q - (k - 1)) / q) if q > 0 else 0.0
    return tau2 / (tau2 + _typical_variance(v))


# ---------------------------------------------------------------------------------------------
# Bayesian normal-normal model, quadrature over tau
# ---------------------------------------------------------------------------------------------


def _log_marginal_tau(y: np.ndarray, v: np.ndarray, tau: np.ndarray,
                      scale: float) -> np.ndarray:
    """log p(tau | y) up to a constant: half-normal prior x likelihood with mu integrated out."""
    tau = np.atleast_1d(np.asarray(tau, dtype=float))
    w = 1.0 / (v[None, :] + tau[:, None] ** 2)
    sw = np.sum(w, axis=1)
    mu = np.sum(w * y[None, :], axis=1) / sw
    qt = np.sum(w * (y[None, :] - mu[:, None]) ** 2, axis=1)
    loglik = 0.5 * np.sum(np.log(w), axis=1) - 0.5 * np.log(sw) - 0.5 * qt
    return loglik - 0.5 * (tau / scale) ** 2


def _panels(y: np.ndarray, v: np.ndarray, scale: float, top: float) -> np.ndarray:
    """Panel edges for the tau quadrature: a short first panel, then geometric growth.

    The integrand is smooth in tau and varies on the scales of the prior (``scale``), of the
    sampling standard deviations and of the spread of the effects; panels growing by a
    factor 1.5 from a first panel of 1/1000 of the smallest of these resolve all of them,
    up to at least ``top``.
    """
    spread = float(np.max(y) - np.min(y))
    small = min(scale, float(np.sqrt(np.min(v))), spread if spread > 0 else np.inf)
    edges = [0.0, 1e-3 * small]
    while edges[-1] < top:
        edges.append(edges[-1] * 1.5)
    return np.asarray(edges)


def _log_tail_bound(v: np.ndarray, scale: float, top: float) -> float:
    """log of an upper bound on the unnormalised posterior mass of tau beyond ``top``.

    With mu integrated out the likelihood factor is f(tau)·exp(-Q_tau/2) with
    f = (Σw)^(-1/2)·Πw^(1/2), which decreases in tau (d log f / d tau² =
    -(Σw - Σw²/Σw)/2 <= 0), and exp(-Q_tau/2) <= 1. Hence the mass beyond ``top`` is at
    most f(top) times the unnormalised half-normal tail scale·sqrt(pi/2)·erfc(top/(scale·√2)).
    """
    w = 1.0 / (v + top**2)
    log_f = 0.5 * float(np.sum(np.log(w))) - 0.5 * float(np.log(np.sum(w)))
    log_tail = float(np.log(scale * np.sqrt(np.pi / 2.0))
                     + special.log_ndtr(-top / scale) + np.log(2.0))
    return log_f + log_tail


def _tau_rule(y: np.ndarray, v: np.ndarray, scale: float) -> tuple[
        np.ndarray, np.ndarray, np.ndarray, np.ndarray, float, float]:
    """Nodes, normalised masses, log density, edges, log normaliser and tail-mass bound.

    The upper end starts at 12 prior scales and grows until the bound on the neglected
    tail mass (relative to the integral) is below 1e-13.
    """
    x, gw = np.polynomial.legendre.leggauss(_GL_NODES)
    top = 12.0 * scale
    for _ in range(200):
        edges = _panels(y, v, scale, top)
        a, b = edges[:-1, None], edges[1:, None]
        nodes = (a + (b - a) * (x[None, :] + 1.0) / 2.0).ravel()
        qw = ((b - a) / 2.0 * gw[None, :]).ravel()
        logp = _log_marginal_tau(y, v, nodes, scale)
        peak = float(np.max(logp))
        mass = qw * np.exp(logp - peak)
        log_norm = peak + float(np.log(np.sum(mass)))
        tail = float(np.exp(_log_tail_bound(v, scale, float(edges[-1])) - log_norm))
        if tail < 1e-13:
            return nodes, mass / np.sum(mass), logp, edges, log_norm, tail
        top = 1.5 * float(edges[-1])
    raise RuntimeError("could not bound the posterior tail of tau")  # pragma: no cover


@dataclass(frozen=True, repr=False, eq=False)
class TauPosterior:
    """Marginal posterior of the between-study standard deviation τ (``method="bayes"``).

    Held as a quadrature rule: ``tau`` nodes, normalised ``weight`` (posterior mass carried
    by each node; they sum to 1) and normalised ``density`` p(τ | y) at the nodes.

    Attributes
    ----------
    tau, weight, density : numpy.ndarray
        Quadrature nodes, their posterior masses and the density at the nodes.
    prior_scale : float
        Scale of the half-normal prior on τ.
    tail_mass : float
        Upper bound on the posterior mass beyond the last node (neglected).

    Examples
    --------
    >>> import spinemets as sm
    >>> post = sm.pool([0.1, 0.5, -0.2], [0.04, 0.09, 0.05], method="bayes").tau_posterior
    >>> round(float(post.weight.sum()), 12)
    1.0
    >>> bool(0.0 < post.median() < post.quantile(0.975))
    True
    """

    tau: np.ndarray
    weight: np.ndarray
    density: np.ndarray
    prior_scale: float
    tail_mass: float
    _edges: np.ndarray = field(repr=False)
    _effects: np.ndarray = field(repr=False)
    _variances: np.ndarray = field(repr=False)
    _log_norm: float = field(repr=False)

    def pdf(self, tau: Any) -> np.ndarray:
        """Normalised posterior density p(τ | y) at ``tau`` (0 for τ < 0).

        Examples
        --------
        >>> import spinemets as sm
        >>> post = sm.pool([0.1, 0.5, -0.2], [0.04, 0.09, 0.05], method="bayes").tau_posterior
        >>> bool(post.pdf(0.1)[0] > 0) and bool(post.pdf(-1.0)[0] == 0)
        True
        """
        t = np.atleast_1d(np.asarray(tau, dtype=float))
        out = np.zeros_like(t)
        ok = t >= 0
        if ok.any():
            lp = _log_marginal_tau(self._effects, self._variances, t[ok], self.prior_scale)
            out[ok] = np.exp(lp - self._log_norm)
        return out

    def cdf(self, tau: Any) -> np.ndarray:
        """Posterior P(τ ≤ ``tau`` | y), by the same panel Gauss–Legendre rule.

        Examples
        --------
        >>> import spinemets as sm
        >>> post = sm.pool([0.1, 0.5, -0.2], [0.04, 0.09, 0.05], method="bayes").tau_posterior
        >>> float(post.cdf(0.0)[0]), round(float(post.cdf(1e3)[0]), 10)
        (0.0, 1.0)
        """
        t = np.atleast_1d(np.asarray(tau, dtype=float))
        x, gw = np.polynomial.legendre.leggauss(_GL_NODES)
        edges = self._edges
        out = np.empty_like(t)
        cum = np.concatenate([[0.0], np.cumsum(self._panel_masses())])
        for j, tj in enumerate(t):
            if tj <= 0:
                out[j] = 0.0
                continue
            if tj >= edges[-1]:
                out[j] = 1.0
                continue
            i = int(np.searchsorted(edges, tj, side="right") - 1)
            a = edges[i]
            nodes = a + (tj - a) * (x + 1.0) / 2.0
            part = float(np.sum(gw * self.pdf(nodes)) * (tj - a) / 2.0)
            out[j] = min(1.0, cum[i] + part)
        return out

    def _panel_masses(self) -> np.ndarray:
        n = self.tau.size // (self._edges.size - 1)
        return self.weight.reshape(-1, n).sum(axis=1)

    def quantile(self, q: float) -> float:
        """τ with posterior P(τ ≤ value) = ``q`` (0 < q < 1), by Brent's method on :meth:`cdf`.

        Examples
        --------
        >>> import spinemets as sm
        >>> post = sm.pool([0.1, 0.5, -0.2], [0.04, 0.09, 0.05], method="bayes").tau_posterior
        >>> bool(post.quantile(0.25) < post.quantile(0.75))
        True
        """
        qq = check_real(q, "q", low=0.0, high=1.0, low_open=True, high_open=True)
        return float(optimize.brentq(lambda t: self.cdf(t)[0] - qq, 0.0, self._edges[-1],
                                     xtol=1e-14, rtol=1e-12, maxiter=500))

    def median(self) -> float:
        """Posterior median of τ."""
        return self.quantile(0.5)

    def mean(self) -> float:
        """Posterior mean of τ."""
        return float(np.dot(self.weight, self.tau))

    def to_frame(self) -> pd.DataFrame:
        """Nodes as a table with columns ``tau, density, weight``.

        Examples
        --------
        >>> import spinemets as sm
        >>> fit = sm.pool([0.1, 0.5, -0.2], [0.04, 0.09, 0.05], method="bayes")
        >>> list(fit.tau_posterior.to_frame().columns)
        ['tau', 'density', 'weight']
        """
        return pd.DataFrame({"tau": self.tau, "density": self.density, "weight": self.weight})

    def __repr__(self) -> str:
        return (f"TauPosterior(half-normal prior scale={self.prior_scale:g}, "
                f"{self.tau.size} nodes, mean tau={self.mean():.4g})")


def _mixture_cdf(x: float, weights: np.ndarray, means: np.ndarray, sds: np.ndarray) -> float:
    return float(np.dot(weights, special.ndtr((x - means) / sds)))


def _mixture_quantile(p: float, weights: np.ndarray, means: np.ndarray,
                      sds: np.ndarray) -> float:
    lo = float(np.min(means - 40.0 * sds))
    hi = float(np.max(means + 40.0 * sds))
    return float(optimize.brentq(lambda x: _mixture_cdf(x, weights, means, sds) - p, lo, hi,
                                 xtol=1e-14, rtol=1e-13, maxiter=1000))


def _bayes(y: np.ndarray, v: np.ndarray, scale: float, level: float) -> dict[str, Any]:
    nodes, omega, logp, edges, log_norm, tail = _tau_rule(y, v, scale)
    density = np.exp(logp - log_norm)

    w = 1.0 / (v[None, :] + nodes[:, None] ** 2)
    sw = np.sum(w, axis=1)
    m = np.sum(w * y[None, :], axis=1) / sw
    s_mu = np.sqrt(1.0 / sw)
    s_new = np.sqrt(1.0 / sw + nodes**2)
    keep = omega > 0
    om, mk, smk, snk = omega[keep], m[keep], s_mu[keep], s_new[keep]

    mean = float(np.dot(om, mk))
    var = float(np.dot(om, smk**2 + (mk - mean) ** 2))
    tail_p = (1.0 - level) / 2.0
    ci = (_mixture_quantile(tail_p, om, mk, smk), _mixture_quantile(1.0 - tail_p, om, mk, smk))
    pi = (_mixture_quantile(tail_p, om, mk, snk), _mixture_quantile(1.0 - tail_p, om, mk, snk))
    weights = np.sum(omega[:, None] * w / sw[:, None], axis=0)
    post = TauPosterior(tau=nodes, weight=omega, density=density, prior_scale=scale,
                        tail_mass=tail, _edges=edges, _effects=y, _variances=v,
                        _log_norm=float(log_norm))
    return {"mu": mean, "se": float(np.sqrt(var)), "ci": ci, "pi": pi,
            "mixture": (om, mk, smk, snk),
            "tau2": float(np.dot(omega, nodes**2)), "weights": weights, "posterior": post,
            "pred_sd": float(np.sqrt(var + np.dot(omega, nodes**2)))}


# ---------------------------------------------------------------------------------------------
# result
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False, eq=False)
class PooledEstimate:
    """Result of :func:`pool`: pooled effect, intervals and heterogeneity.

    All values are on the scale of the ``effects`` given to :func:`pool`.

    Attributes
    ----------
    estimate : float
        Pooled (average) effect μ̂; for ``method="bayes"`` the posterior mean of μ.
    se : float
        Its standard error (Knapp–Hartung SE if ``knapp_hartung``); for ``"bayes"`` the
        posterior standard deviation of μ.
    ci_lower, ci_upper : float
        Confidence interval for μ (equal-tailed credible interval for ``"bayes"``).
    tau2 : float
        Between-study variance τ² (0 for ``"FE"``; posterior mean of τ² for ``"bayes"``).
    i2 : float
        I² as a fraction, from ``tau2`` as metafor computes it: τ² / (τ² + s²) with the
        typical sampling variance s² = (k − 1)Σw / ((Σw)² − Σw²), w = 1/v. For ``"FE"`` it is
        metafor's Higgins–Thompson max(0, (Q − (k − 1))/Q). NaN when k = 1.
    q : float
        Cochran's Q with fixed-effect weights 1/v (k − 1 degrees of freedom).
    pi_lower, pi_upper : float
        Prediction interval for the true effect in a new setting.
    k : int
        Number of studies.
    method : str
        One of ``"FE", "DL", "REML", "PM", "ML", "bayes"``.
    knapp_hartung : bool
        Whether the Knapp–Hartung adjustment and t(k − 1) were used.
    confidence_level : float
        Coverage of the confidence (credible) and prediction intervals.
    weights : numpy.ndarray
        Normalised study weights (sum 1) of the chosen model; for ``"bayes"`` the posterior
        average of the conditional weights, so that ``estimate == weights @ effects``.
    labels : tuple of str
        Study labels.
    effects, variances : numpy.ndarray
        The input effects and sampling variances.
    prior : str or None
        The prior, in words (``"bayes"`` only).
    tau_posterior : TauPosterior or None
        Marginal posterior of τ (``"bayes"`` only).
    """

    estimate: float
    se: float
    ci_lower: float
    ci_upper: float
    tau2: float
    i2: float
    q: float
    pi_lower: float
    pi_upper: float
    k: int
    method: str
    knapp_hartung: bool
    confidence_level: float
    weights: np.ndarray
    labels: tuple[str, ...]
    effects: np.ndarray
    variances: np.ndarray
    prior: str | None = None
    tau_posterior: TauPosterior | None = None
    pi_se: float = float("nan")
    _mixture: tuple[np.ndarray, ...] | None = field(default=None, repr=False)

    def cdf(self, x: ArrayLike) -> np.ndarray:
        """P(μ ≤ ``x``): the posterior for ``"bayes"``; otherwise the confidence
        distribution whose central intervals are the CI (normal, or t(k − 1) with
        Knapp–Hartung).

        Examples
        --------
        >>> import spinemets as sm
        >>> fit = sm.pool([0.2, 0.5, 0.1], [0.04, 0.09, 0.05], method="DL")
        >>> round(float(fit.cdf(fit.ci_upper)[0]), 6)
        0.975
        """
        return self._cdf(x, predictive=False)

    def predictive_cdf(self, x: ArrayLike) -> np.ndarray:
        """P(θ_new ≤ ``x``) for the true effect in a new setting, the distribution whose
        central intervals are the prediction interval (posterior predictive for ``"bayes"``).

        Examples
        --------
        >>> import spinemets as sm
        >>> fit = sm.pool([0.2, 0.5, 0.1], [0.04, 0.09, 0.05], method="bayes")
        >>> round(float(fit.predictive_cdf(fit.pi_lower)[0]), 6)
        0.025
        """
        return self._cdf(x, predictive=True)

    def _cdf(self, x: Any, predictive: bool) -> np.ndarray:
        t = np.atleast_1d(np.asarray(x, dtype=float))
        if self._mixture is not None:
            om, mk, smk, snk = self._mixture
            sd = snk if predictive else smk
            return np.array([_mixture_cdf(float(v), om, mk, sd) for v in t])
        sd = self.pi_se if predictive else self.se
        z = (t - self.estimate) / sd
        if self.knapp_hartung:
            return stats.t.cdf(z, self.k - 1)
        return special.ndtr(z)

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: one row per study, then the pooled row and the prediction row.

        Columns: ``label, kind, estimate, se, ci_lower, ci_upper, weight, method,
        confidence_level``. ``kind`` is ``"study"``, ``"pooled"`` or ``"prediction"``. Study
        intervals are estimate ± z·√v (normal quantile). The prediction row holds the
        prediction interval in ``ci_lower, ci_upper`` and its spread √(τ² + SE²) (for
        ``"bayes"`` the predictive standard deviation) in ``se``; its weight is NaN.

        Examples
        --------
        >>> import spinemets as sm
        >>> fit = sm.pool([0.2, 0.5, 0.1], [0.04, 0.09, 0.05], method="DL")
        >>> fit.to_frame()["kind"].tolist()
        ['study', 'study', 'study', 'pooled', 'prediction']
        """
        z = float(stats.norm.isf((1.0 - self.confidence_level) / 2.0))
        sd = np.sqrt(self.variances)
        hk = ", Knapp-Hartung" if self.knapp_hartung else ""
        rows = pd.DataFrame({
            "label": list(self.labels), "kind": "study", "estimate": self.effects, "se": sd,
            "ci_lower": self.effects - z * sd, "ci_upper": self.effects + z * sd,
            "weight": self.weights,
        })
        extra = pd.DataFrame([
            {"label": f"Pooled ({self.method}{hk})", "kind": "pooled",
             "estimate": self.estimate, "se": self.se, "ci_lower": self.ci_lower,
             "ci_upper": self.ci_upper, "weight": 1.0},
            {"label": "Prediction interval", "kind": "prediction", "estimate": self.estimate,
             "se": self.pi_se, "ci_lower": self.pi_lower, "ci_upper": self.pi_upper,
             "weight": np.nan},
        ])
        out = pd.concat([rows, extra], ignore_index=True)
        out["method"] = self.method
        out["confidence_level"] = self.confidence_level
        return out

    def __repr__(self) -> str:
        lvl = f"{100 * self.confidence_level:g}%"
        hk = ", Knapp-Hartung" if self.knapp_hartung else ""
        interval = "CrI" if self.method == "bayes" else "CI"
        return (f"PooledEstimate({self.method}{hk}, k={self.k}): {self.estimate:.4g} "
                f"(SE {self.se:.4g}; {lvl} {interval} {self.ci_lower:.4g} to "
                f"{self.ci_upper:.4g}; {lvl} PI {self.pi_lower:.4g} to {self.pi_upper:.4g}), "
                f"tau2={self.tau2:.4g}, I2={100 * self.i2:.3g}%, Q={self.q:.4g}")


# ---------------------------------------------------------------------------------------------
# pool
# ---------------------------------------------------------------------------------------------


def pool(effects: ArrayLike, variances: ArrayLike, method: str = "REML",
         knapp_hartung: bool = False, confidence_level: float = 0.95, tau_prior_scale: float = 0.5,
         labels: Sequence[Any] | None = None) -> PooledEstimate:
    r"""Pool effect estimates with known sampling variances (fixed or random effects).

    Parameters
    ----------
    effects : array_like of float or pandas.Series
        Per-study effect estimates yᵢ on any scale where they are approximately normal
        (log risk ratios, logits, mean differences, ...). 1-D, finite, at least one value.
    variances : array_like of float
        Their sampling variances vᵢ (> 0; variances, not standard errors), same length.
    method : {"FE", "DL", "REML", "PM", "ML", "bayes"}, default "REML"
        Case-sensitive. ``"FE"``: fixed (equal) effect, τ² = 0. ``"DL"``: DerSimonian–Laird;
        ``"REML"`` / ``"ML"``: (restricted) maximum likelihood; ``"PM"``: Paule–Mandel;
        ``"bayes"``: normal–normal model with a flat prior on μ and a half-normal prior on
        τ (see Notes).
    knapp_hartung : bool, default False
        Knapp–Hartung(–Sidik–Jonkman) standard error and t(k − 1) quantile for the CI and the
        prediction interval (metafor's ``test="knha"``). Not available for ``"bayes"``.
    confidence_level : float, default 0.95
        Coverage of the confidence (credible) and prediction intervals, in (0, 1).
    tau_prior_scale : float, default 0.5
        Scale of the half-normal prior on τ (``"bayes"`` only; must be > 0 in any case).
    labels : sequence, optional
        Study labels (stored as ``str``). Defaults to the index of a pandas Series
        ``effects``, else ``"study 1"``, ``"study 2"``, ...

    Returns
    -------
    PooledEstimate
        With ``estimate, se, ci_lower, ci_upper, tau2, i2, q, pi_lower, pi_upper, weights``
        and ``.to_frame()``.

    Raises
    ------
    TypeError
        Non-numeric effects/variances, a non-string ``method``, non-bool ``knapp_hartung``,
        a string ``labels``.
    ValueError
        Empty, non-1-D or non-finite inputs, lengths that differ, variances ≤ 0, an unknown
        ``method``, ``confidence_level`` outside (0, 1), ``tau_prior_scale`` ≤ 0, a
        random-effects method (or ``knapp_hartung``) with k = 1, ``knapp_hartung`` with
        ``"bayes"``, ``labels`` of the wrong length.

    Notes
    -----
    *Frequentist methods* reproduce R ``metafor::rma(yi, vi, method=...)``. Weights
    wᵢ = 1/(vᵢ + τ²); μ̂ = Σwᵢyᵢ/Σwᵢ; SE = (Σwᵢ)^−½; CI μ̂ ± z·SE. τ² is the DL moment
    estimator max(0, (Q − (k − 1))/(Σw − Σw²/Σw)) (w = 1/v), or the root in τ² ≥ 0 of the
    PM equation Σwᵢ(yᵢ − μ̂)² = k − 1, the ML score equation Σwᵢ²(yᵢ − μ̂)² = Σwᵢ or the
    REML score equation Σwᵢ²(yᵢ − μ̂)² = Σwᵢ − Σwᵢ²/Σwᵢ, found by Brent's method on a
    bracket and set to 0 when the equation is negative at 0 (metafor uses Fisher scoring;
    the roots agree). With ``knapp_hartung=True`` the SE is √(Σwᵢ(yᵢ − μ̂)² / ((k − 1)Σwᵢ))
    (not truncated at the model-based SE, as in metafor's default) with t(k − 1).

    *Prediction interval* (metafor's ``predict()``): μ̂ ± c·√(τ² + SE²), c the normal
    quantile, or t(k − 1) with the Knapp–Hartung SE. For ``"FE"`` it equals the CI.

    *I²* is computed from the chosen τ² (see :class:`PooledEstimate`), so it differs between
    estimators; Q is always the fixed-effect Q.

    *Bayes.* yᵢ | θᵢ ~ N(θᵢ, vᵢ), θᵢ ~ N(μ, τ²), p(μ) ∝ 1, τ ~ half-normal(``tau_prior_scale``).
    With μ integrated out, p(τ | y) ∝ p(τ)·(Σwᵢ)^−½·Πwᵢ^½·exp(−Q_τ/2), Q_τ = Σwᵢ(yᵢ − μ̂_τ)²,
    wᵢ = 1/(vᵢ + τ²). This is integrated by Gauss–Legendre quadrature (32 nodes per panel)
    on geometrically growing panels from 0 to 12 prior scales (the neglected mass is bounded
    in ``tau_posterior.tail_mass``), as R ``bayesmeta`` integrates over τ rather than
    sampling. Given τ, μ | y ~ N(μ̂_τ, 1/Σwᵢ), so μ's posterior is a normal mixture:
    ``estimate`` is its mean, ``se`` its SD, the CI its equal-tailed quantiles (mixture CDF
    inverted by Brent's method). The prediction interval uses θ_new | τ, y ~
    N(μ̂_τ, 1/Σwᵢ + τ²). ``tau2`` is the **posterior mean of τ²**. k = 1 is refused like the
    other random-effects methods.

    *k = 1.* Only ``method="FE"`` (the study itself); the others raise ``ValueError``.

    References
    ----------
    Viechtbauer, W. (2010). Conducting meta-analyses in R with the metafor package.
    *J. Stat. Softw.* 36(3). Viechtbauer, W. (2005). Bias and efficiency of meta-analytic
    variance estimators in the random-effects model. *J. Educ. Behav. Stat.* 30, 261–293.
    Knapp, G. & Hartung, J. (2003). Improved tests for a random effects meta-regression with
    a single covariate. *Stat. Med.* 22, 2693–2710. Röver, C. (2020). Bayesian random-effects
    meta-analysis using the bayesmeta R package. *J. Stat. Softw.* 93(6).

    Examples
    --------
    BCG vaccine trials (metafor's ``dat.bcg``), log risk ratios, first four trials:

    >>> import spinemets as sm
    >>> y = [-0.8893, -1.5854, -1.3481, -1.4416]
    >>> v = [0.3256, 0.1946, 0.4154, 0.0200]
    >>> fit = sm.pool(y, v, method="REML")
    >>> fit.k, fit.method, fit.tau2
    (4, 'REML', 0.0)
    >>> round(fit.estimate, 4)
    -1.4221
    >>> hk = sm.pool(y, v, method="DL", knapp_hartung=True)
    >>> bool(hk.ci_lower < hk.estimate < hk.ci_upper)
    True
    >>> b = sm.pool(y, v, method="bayes", tau_prior_scale=0.5)
    >>> b.prior
    'mu: flat (improper uniform); tau: half-normal(scale=0.5)'
    >>> bool(b.pi_lower < b.ci_lower < b.estimate < b.ci_upper < b.pi_upper)
    True
    """
    y, v, method, hk, level, scale, lab = _check_inputs(
        effects, variances, method, knapp_hartung, confidence_level, tau_prior_scale, labels)
    k = y.size
    q = _cochran_q(y, v) if k > 1 else 0.0
    tail = (1.0 - level) / 2.0

    if method == "bayes":
        fit = _bayes(y, v, scale, level)
        return PooledEstimate(
            estimate=fit["mu"], se=fit["se"], ci_lower=fit["ci"][0], ci_upper=fit["ci"][1],
            tau2=fit["tau2"], i2=_i2(fit["tau2"], v, q, method), q=q,
            pi_lower=fit["pi"][0], pi_upper=fit["pi"][1], k=k, method=method,
            knapp_hartung=False, confidence_level=level, weights=fit["weights"], labels=lab,
            effects=y, variances=v,
            prior=f"mu: flat (improper uniform); tau: half-normal(scale={scale:g})",
            tau_posterior=fit["posterior"], pi_se=fit["pred_sd"], _mixture=fit["mixture"],
        )

    if method == "FE":
        tau2 = 0.0
    elif method == "DL":
        tau2 = _tau2_dl(y, v)
    else:
        tau2 = _tau2_root(y, v, method)
    w = 1.0 / (v + tau2)
    sw = float(np.sum(w))
    mu = float(np.dot(w, y) / sw)
    if hk:
        se = float(np.sqrt(np.dot(w, (y - mu) ** 2) / ((k - 1) * sw)))
        crit = float(stats.t.isf(tail, k - 1))
    else:
        se = float(np.sqrt(1.0 / sw))
        crit = float(stats.norm.isf(tail))
    spread = float(np.sqrt(tau2 + se**2))
    return PooledEstimate(
        estimate=mu, se=se, ci_lower=mu - crit * se, ci_upper=mu + crit * se, tau2=tau2,
        i2=_i2(tau2, v, q, method), q=q, pi_lower=mu - crit * spread,
        pi_upper=mu + crit * spread, k=k, method=method, knapp_hartung=hk,
        confidence_level=level, weights=w / sw, labels=lab, effects=y, variances=v,
        pi_se=spread,
    )
