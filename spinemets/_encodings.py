"""Encodings: how a published figure becomes a distribution.

* counts *x of n* → Beta (Jeffreys prior by default): :func:`beta_from_counts`;
* a point value with an *assumed* effective sample size → Beta: :func:`beta_from_value`;
* a range *[low, high]* read as a central interval → Beta: :func:`beta_from_range`
  (``method="quantile"`` or ``method="maxent"``);
* events and person-years → Gamma: :func:`gamma_from_counts`; a rate's interval → Gamma:
  :func:`gamma_from_interval`; a mean rate with an assumed coefficient of variation →
  Gamma: :func:`gamma_from_mean` (:func:`gamma_from_rate` dispatches to the three).

Each result carries the call that built it (``encoding``) and the reading of the
figure (``assumption``) as text.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import numpy as np
from scipy import optimize, special

from ._validation import (
    GAMMA_CV_RANGE,
    MAX_SHAPE,
    check_confidence_level,
    check_count,
    check_fraction,
    check_real,
)
from ._values import Proportion, Rate
from .errors import EncodingError

__all__ = [
    "beta_from_counts",
    "beta_from_range",
    "beta_from_value",
    "gamma_from_counts",
    "gamma_from_interval",
    "gamma_from_mean",
    "gamma_from_rate",
]


def _check_prior(prior: Any) -> tuple[float, float]:
    try:
        a0, b0 = prior
    except (TypeError, ValueError):
        raise TypeError(f"prior must be a pair (a, b) of positive numbers, got {prior!r}") from None
    return (check_real(a0, "prior[0]", low=0, low_open=True),
            check_real(b0, "prior[1]", low=0, low_open=True))


def _prior_text(prior: tuple[float, float]) -> str:
    return "Jeffreys prior Beta(1/2, 1/2)" if prior == (0.5, 0.5) else (
        f"prior Beta({prior[0]:g}, {prior[1]:g})")


def beta_from_counts(events: int, total: int, prior: tuple[float, float] = (0.5, 0.5), *,
                     label: str = "", sources: Iterable[str] | str = (),
                     assumption: str = "") -> Proportion:
    """Beta distribution for a proportion observed as ``events`` of ``total``.

    The posterior is Beta(events + prior[0], total - events + prior[1]); the default
    prior Beta(1/2, 1/2) is Jeffreys'.

    Parameters
    ----------
    events : int
        Number with the outcome, ``0 <= events <= total``.
    total : int
        Number observed, ``total >= 1``.
    prior : (float, float), default (0.5, 0.5)
        Beta prior shapes.
    label, sources, assumption : str
        Provenance stored on the result.

    Returns
    -------
    Proportion
        Beta-backed, with ``encoding`` recording this call.

    Raises
    ------
    ValueError, TypeError
        Negative, non-integer or NaN counts, ``events > total``, a non-positive prior.

    Examples
    --------
    Ortiz Gómez (1995) found spinal metastases in 30.6% of 842 autopsies (≈ 258):

    >>> import spinemets as sm
    >>> p = sm.beta_from_counts(258, 842)
    >>> p.a, p.b
    (258.5, 584.5)
    >>> [round(x, 3) for x in p.interval(0.95)]
    [0.276, 0.338]
    """
    total = check_count(total, "total", minimum=1)
    events = check_count(events, "events")
    if events > total:
        raise ValueError(f"events must be <= total ({total}), got {events}")
    a0, b0 = _check_prior(prior)
    text = assumption or (
        f"{events} of {total} observed; {_prior_text((a0, b0))}; the study population is "
        "taken to represent the target population."
    )
    return Proportion.beta(
        events + a0, total - events + b0, label=label, sources=sources,
        encoding=f"beta_from_counts({events}, {total}, prior=({a0:g}, {b0:g}))",
        assumption=text,
    )


def beta_from_value(value: float, effective_total: float,
                    prior: tuple[float, float] = (0.5, 0.5), *, label: str = "",
                    sources: Iterable[str] | str = (), assumption: str = "") -> Proportion:
    """Beta for a point proportion reported *without* a denominator, given an assumed
    effective sample size.

    Equivalent to :func:`beta_from_counts` with ``value * effective_total`` pseudo-events
    of ``effective_total``. The effective sample size is an assumption, not data, and is
    written into ``assumption``.

    Parameters
    ----------
    value : float in [0, 1]
        The reported proportion (a fraction).
    effective_total : float > 0
        The assumed number of observations the figure is worth.
    prior : (float, float), default (0.5, 0.5)
        Beta prior shapes.

    Examples
    --------
    >>> import spinemets as sm
    >>> p = sm.beta_from_value(0.07, 200)
    >>> round(p.mean, 4)
    0.0721
    """
    value = check_fraction(value, "value")
    n_eff = check_real(effective_total, "effective_total", low=0, low_open=True)
    a0, b0 = _check_prior(prior)
    text = assumption or (
        f"reported as {value:g} without a usable denominator; treated as if observed in "
        f"{n_eff:g} patients (an assumed effective sample size, not data); "
        f"{_prior_text((a0, b0))}."
    )
    return Proportion.beta(
        value * n_eff + a0, (1 - value) * n_eff + b0, label=label, sources=sources,
        encoding=f"beta_from_value({value:g}, effective_total={n_eff:g}, "
                 f"prior=({a0:g}, {b0:g}))",
        assumption=text,
    )


def _check_range(low: Any, high: Any) -> tuple[float, float]:
    low = check_fraction(low, "low")
    high = check_fraction(high, "high")
    if not low < high:
        raise ValueError(f"low must be < high, got low={low!r}, high={high!r}")
    return low, high


def _check_attainable(low: float, high: float, level: float) -> None:
    """Refuse, before any search, a range too narrow for a Beta with shapes <= MAX_SHAPE.

    A Beta with mean ``m`` and ``level`` of its mass in a width ``w`` has a standard deviation
    of about ``w / (2 z)``, so ``a + b`` about ``m (1 - m) (2 z / w)**2``; beyond ten times
    ``2 * MAX_SHAPE`` no admissible Beta exists (the searches would run for minutes).
    """
    m = 0.5 * (low + high)
    z = float(special.ndtri(0.5 + 0.5 * level))
    need = m * (1.0 - m) * (2.0 * z / (high - low)) ** 2
    if need > 20.0 * MAX_SHAPE:
        raise EncodingError(
            f"the range low={low!r}, high={high!r} is too narrow for a Beta with {level:g} of its "
            f"mass inside: it would need a + b of about {need:.3g}, above the limit "
            f"{2 * MAX_SHAPE:g}; widen the range or use beta_from_counts / beta_from_value")


def _fit_beta_quantiles(low: float, high: float, level: float) -> tuple[float, float]:
    """Solve CDF(low) = (1-level)/2, CDF(high) = (1+level)/2 for Beta shapes (a, b)."""
    tail = (1.0 - level) / 2.0
    z_lo, z_hi = special.ndtri(tail), special.ndtri(1.0 - tail)

    def residual(x: np.ndarray) -> np.ndarray:
        a, b = np.exp(x)
        c_lo = special.betainc(a, b, low)
        c_hi = special.betainc(a, b, high)
        return np.array([special.ndtri(c_lo) - z_lo, special.ndtri(c_hi) - z_hi])

    # Starting points: a logit-normal reading of the range (delta method) and a normal
    # reading on the raw scale, each turned into Beta shapes by matching moments.
    mu = 0.5 * (special.logit(low) + special.logit(high))
    sigma = (special.logit(high) - special.logit(low)) / (2.0 * z_hi)
    m_logit = float(special.expit(mu))
    m_raw = 0.5 * (low + high)
    sd_raw = (high - low) / (2.0 * z_hi)
    starts = []
    for mean, kappa in (
        (m_logit, 1.0 / (m_logit * (1 - m_logit) * sigma**2) - 1.0),
        (m_raw, m_raw * (1 - m_raw) / sd_raw**2 - 1.0),
        (m_logit, 2.0),
        (0.5, 2.0),
    ):
        kappa = max(kappa, 1e-2)
        starts.append(np.log([mean * kappa, (1 - mean) * kappa]))
    best = None
    for x0 in starts:
        with np.errstate(all="ignore"):
            sol = optimize.root(residual, x0, method="hybr", options={"xtol": 1e-13})
        res = residual(sol.x)
        if np.all(np.isfinite(res)):
            err = float(np.max(np.abs(res)))
            if best is None or err < best[0]:
                best = (err, sol.x)
        if best is not None and best[0] < 1e-10:
            break
    if best is None or best[0] > 1e-7:
        raise EncodingError(
            f"no Beta distribution was found with {level:g} of its mass between {low:g} and "
            f"{high:g} in equal tails; try method='maxent' or check the range"
        )
    a, b = np.exp(best[1])
    return float(a), float(b)


def _mass_inside(a: Any, b: Any, low: float, high: float) -> Any:
    return special.betainc(a, b, high) - special.betainc(a, b, low)


def _beta_entropy(a: Any, b: Any) -> Any:
    """Differential entropy of Beta(a, b) from its closed form.

    Written out because ``scipy.stats.beta.entropy`` (1.17) returns 0.0 for some very
    unbalanced shapes (e.g. a = 6e4, b = 6e7), which would fake a maximum.
    """
    return (special.betaln(a, b) - (a - 1) * special.digamma(a)
            - (b - 1) * special.digamma(b) + (a + b - 2) * special.digamma(a + b))


#: Step of the finite differences of the Newton polish (log shapes).
_FD_STEP = 1e-4
_STENCIL = np.array([(i, j) for i in (-1, 0, 1) for j in (-1, 0, 1)], dtype=float) * _FD_STEP


def _fit_beta_maxent(low: float, high: float, level: float) -> tuple[float, float]:
    """Maximum-entropy Beta with ``level`` of its mass inside [low, high].

    Fast route first (:func:`_maxent_newton`: a coarse trace of the constraint curve, then
    Newton steps on the Lagrange conditions from its best points); where that does not
    converge to a maximum, the thorough search of :func:`_maxent_search`.
    """
    fast = _maxent_newton(low, high, level)
    return fast if fast is not None else _maxent_search(low, high, level)


def _lagrange_newton(x: float, y: float, low: float, high: float, level: float
                     ) -> tuple[float, float] | None:
    """Stationary point of entropy on ``mass = level`` near log shapes ``(x, y)``.

    Newton's method on the Lagrange conditions (gradient of the entropy parallel to the
    gradient of the mass, mass = level), derivatives by central differences on a 3 x 3
    stencil of log shapes (one vectorised call per step). None if it does not converge.
    """
    h = _FD_STEP
    for _ in range(40):
        pts = np.exp(np.array([x, y]) + _STENCIL)
        with np.errstate(all="ignore"):
            g = (_mass_inside(pts[:, 0], pts[:, 1], low, high) - level).reshape(3, 3).tolist()
            e = _beta_entropy(pts[:, 0], pts[:, 1]).reshape(3, 3).tolist()
        derivs = []
        for f in (g, e):
            fx, fy = (f[2][1] - f[0][1]) / (2 * h), (f[1][2] - f[1][0]) / (2 * h)
            fxx = (f[2][1] - 2 * f[1][1] + f[0][1]) / h**2
            fyy = (f[1][2] - 2 * f[1][1] + f[1][0]) / h**2
            fxy = (f[2][2] - f[2][0] - f[0][2] + f[0][0]) / (4 * h**2)
            derivs.append((fx, fy, fxx, fyy, fxy))
        (gx, gy, gxx, gyy, gxy), (ex, ey, exx, eyy, exy) = derivs
        norm = gx * gx + gy * gy
        if not (math.isfinite(norm) and norm > 0 and math.isfinite(exx + eyy + exy)):
            return None
        lam = (ex * gx + ey * gy) / norm
        jac = np.array([[exx - lam * gxx, exy - lam * gxy, -gx],
                        [exy - lam * gxy, eyy - lam * gyy, -gy],
                        [gx, gy, 0.0]])
        rhs = -np.array([ex - lam * gx, ey - lam * gy, g[1][1]])
        try:
            step = np.linalg.solve(jac, rhs)
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(step)):
            return None
        step[:2] *= min(1.0, 0.5 / max(abs(step[0]), abs(step[1]), 1e-300))
        x, y = x + step[0], y + step[1]
        if max(abs(step[0]), abs(step[1])) < 1e-8:
            # a maximum along the curve: the Hessian of the Lagrangian is negative on the
            # tangent (gy, -gx)
            tangent = (jac[0, 0] * gy * gy - 2 * jac[0, 1] * gx * gy + jac[1, 1] * gx * gx)
            return (x, y) if tangent < 0 else None
    return None


def _crossing_grid(low: float, high: float, level: float, n_logit: int, n_range: int,
                   n_kappa: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                         np.ndarray]:
    """A grid of (mean, log concentration) and the cells where the curve ``mass = level``
    crosses it.

    Means are ``n_logit`` points even on the logit scale plus ``n_range - 2`` inside
    ``[low, high]``; log concentrations are ``n_kappa`` points from 1e-2 to a bound that
    grows as the range narrows. Returns ``(means, log_kappa, gap, rows, cols)``: ``gap`` is
    mass minus ``level`` on the grid, and the sign of ``gap`` changes between
    ``(rows, cols)`` and ``(rows, cols + 1)``.
    """
    means = np.unique(np.concatenate([special.expit(np.linspace(-9.0, 9.0, n_logit)),
                                      np.linspace(low, high, n_range)[1:-1]]))
    kappa_max = max(1e8, 1e3 / (high - low) ** 2)
    log_kappa = np.linspace(np.log(1e-2), np.log(kappa_max), n_kappa)
    m_grid, lk_grid = np.meshgrid(means, log_kappa, indexing="ij")
    kappa = np.exp(lk_grid)
    with np.errstate(all="ignore"):
        gap = _mass_inside(m_grid * kappa, (1 - m_grid) * kappa, low, high) - level
    rows, cols = np.nonzero(np.signbit(gap[:, :-1]) != np.signbit(gap[:, 1:]))
    return means, log_kappa, gap, rows, cols


def _maxent_newton(low: float, high: float, level: float) -> tuple[float, float] | None:
    """Fast maximum-entropy search; None where it cannot vouch for its answer."""
    means, log_kappa, gap, rows, cols = _crossing_grid(low, high, level, 61, 13, 29)
    if rows.size == 0:
        return None
    g0, g1 = gap[rows, cols], gap[rows, cols + 1]
    lk = log_kappa[cols] + (log_kappa[cols + 1] - log_kappa[cols]) * g0 / (g0 - g1)
    m = means[rows]
    with np.errstate(all="ignore"):
        ent = _beta_entropy(m * np.exp(lk), (1 - m) * np.exp(lk))
    order = np.argsort(-np.where(np.isfinite(ent), ent, -np.inf))
    best: tuple[float, float, float] | None = None
    done: list[tuple[float, float]] = []  # (logit mean, log concentration) of the polished
    for rank, i in enumerate(order[:4]):
        t_i = float(special.logit(m[i]))
        if any(abs(t_i - t) < 0.3 and abs(lk[i] - k) < 0.5 for t, k in done):
            continue  # next to a point already polished: same local maximum
        start = np.log([m[i] * np.exp(lk[i]), (1 - m[i]) * np.exp(lk[i])])
        found = _lagrange_newton(float(start[0]), float(start[1]), low, high, level)
        lk_exact = None
        if found is not None:
            m_new = float(special.expit(found[0] - found[1]))
            lk_exact = _on_curve(m_new, float(np.logaddexp(found[0], found[1])), low, high,
                                 level)
        if lk_exact is None:
            if rank == 0:
                return None  # the most promising start must be polished
            continue
        done.append((t_i, float(lk[i])))
        k = np.exp(lk_exact)
        h = float(_beta_entropy(m_new * k, (1 - m_new) * k))
        if best is None or h > best[0]:
            best = (h, m_new * k, (1 - m_new) * k)
    return None if best is None else (float(best[1]), float(best[2]))


def _gap_at(m: float, lk: float, low: float, high: float, level: float) -> float:
    k = np.exp(lk)
    return float(_mass_inside(m * k, (1 - m) * k, low, high) - level)


def _on_curve(m: float, lk_guess: float, low: float, high: float, level: float
              ) -> float | None:
    """Log concentration on the curve ``mass = level`` near ``lk_guess`` for mean ``m``."""
    for width in (0.05, 0.2, 0.8, 2.0):
        lo, hi = lk_guess - width, lk_guess + width
        g_lo = _gap_at(m, lo, low, high, level)
        g_hi = _gap_at(m, hi, low, high, level)
        if np.signbit(g_lo) != np.signbit(g_hi):
            return optimize.brentq(lambda t: _gap_at(m, t, low, high, level), lo, hi,
                                   xtol=1e-14)
    return None


def _maxent_search(low: float, high: float, level: float) -> tuple[float, float]:
    """Maximum-entropy Beta with ``level`` of its mass inside [low, high] (thorough search).

    The constraint curve {(a, b): mass = level} can have several branches, and entropy
    has a local maximum on more than one of them, so the search first traces the curve
    on a grid of (mean, log concentration), keeps the best points of every branch, and
    polishes each along the curve before choosing the global optimum.
    """
    means, log_kappa, _, rows, cols = _crossing_grid(low, high, level, 241, 43, 281)
    if rows.size == 0:
        raise EncodingError(
            f"no Beta distribution puts {level:g} of its mass inside [{low:g}, {high:g}]"
        )

    def gap_at(m: float, lk: float) -> float:
        return _gap_at(m, lk, low, high, level)

    def on_curve(m: float, lk_guess: float) -> float | None:
        return _on_curve(m, lk_guess, low, high, level)

    candidates = []
    for i, j in zip(rows, cols, strict=True):
        m = float(means[i])
        lk = optimize.brentq(lambda t, m=m: gap_at(m, t), log_kappa[j], log_kappa[j + 1],
                             xtol=1e-14)
        k = np.exp(lk)
        candidates.append((float(_beta_entropy(m * k, (1 - m) * k)), m, lk, j))
    candidates.sort(key=lambda c: -c[0])

    best: tuple[float, float, float] | None = None
    for h0, m0, lk0, _ in candidates[:6]:
        state = {"lk": lk0}

        def neg_entropy(t: float, state: dict = state) -> float:
            m = float(special.expit(t))
            lk = on_curve(m, state["lk"])
            if lk is None:
                return np.inf
            state["lk"] = lk
            k = np.exp(lk)
            return -float(_beta_entropy(m * k, (1 - m) * k))

        t0 = float(special.logit(m0))
        res = optimize.minimize_scalar(neg_entropy, bounds=(t0 - 0.15, t0 + 0.15),
                                       method="bounded", options={"xatol": 1e-10})
        state["lk"] = lk0
        if np.isfinite(res.fun) and -res.fun >= h0:
            m = float(special.expit(res.x))
            lk = on_curve(m, lk0)
            if lk is not None:
                k = np.exp(lk)
                h = float(_beta_entropy(m * k, (1 - m) * k))
                if best is None or h > best[0]:
                    best = (h, m * k, (1 - m) * k)
                continue
        k0 = np.exp(lk0)
        if best is None or h0 > best[0]:
            best = (h0, m0 * k0, (1 - m0) * k0)
    if best is None:  # cannot happen: candidates is non-empty
        raise EncodingError(f"maximum-entropy search failed for [{low:g}, {high:g}]")
    return float(best[1]), float(best[2])


def beta_from_range(low: float, high: float, confidence_level: float = 0.95,
                    method: str = "quantile", *, label: str = "",
                    sources: Iterable[str] | str = (), assumption: str = "") -> Proportion:
    """Beta distribution for a proportion reported as a range ``[low, high]``.

    The range is read as a central interval holding ``confidence_level`` of the mass.
    That reading is an assumption and is stored as text on the result.

    Parameters
    ----------
    low, high : float in [0, 1]
        The range, as fractions (0.10 for 10%), ``low < high``.
    confidence_level : float in (0, 1), default 0.95
        Share of the distribution's mass the range is taken to hold.
    method : {"quantile", "maxent"}, default "quantile"
        ``"quantile"``: equal tails, ``low`` and ``high`` are the
        ``(1 - confidence_level)/2`` and ``(1 + confidence_level)/2`` quantiles (a unique
        Beta exists for any ``0 < low < high < 1``; van Dorp & Mazzuchi 2000).
        ``"maxent"``: the maximum-entropy Beta with ``confidence_level`` of its mass inside
        the range (the elicitation convention of PreliZ ``maxent`` and SHELF); tails need
        not be equal, and a range touching 0 or 1 is allowed.

    Returns
    -------
    Proportion

    Raises
    ------
    ValueError
        ``low >= high``, bounds outside [0, 1], ``confidence_level`` outside (0, 1).
    spinemets.EncodingError
        The range cannot be met: ``method="quantile"`` with ``low == 0`` or ``high == 1``
        (no Beta has a positive-probability tail below 0), or ``[0, 1]`` itself.

    Examples
    --------
    The cited "10% to 40%" of cancer patients, read as a 95% central interval:

    >>> import spinemets as sm
    >>> p = sm.beta_from_range(0.10, 0.40)
    >>> [round(x, 6) for x in p.interval(0.95)]
    [0.1, 0.4]
    >>> q = sm.beta_from_range(0.10, 0.40, method="maxent")
    >>> lo, hi = q.interval(0.95)
    >>> round(float(q.cdf(0.40) - q.cdf(0.10)), 6)
    0.95
    """
    low, high = _check_range(low, high)
    level = check_confidence_level(confidence_level)
    if method not in ("quantile", "maxent"):
        raise ValueError(f"method must be 'quantile' or 'maxent', got {method!r}")
    if low == 0.0 and high == 1.0:
        raise EncodingError(
            "the range [0, 1] holds all of every Beta's mass, so it says nothing about the "
            "proportion; give a narrower range"
        )
    _check_attainable(low, high, level)
    if method == "quantile":
        if low == 0.0 or high == 1.0:
            raise EncodingError(
                f"a range touching {'0' if low == 0.0 else '1'} cannot be an equal-tailed "
                "interval of a Beta distribution; use method='maxent' or a bound inside (0, 1)"
            )
        a, b = _fit_beta_quantiles(low, high, level)
        reading = (f"equal-tailed central interval holding {level:g} of the mass "
                   f"({(1 - level) / 2:g} below {low:g}, {(1 - level) / 2:g} above {high:g})")
    else:
        a, b = _fit_beta_maxent(low, high, level)
        reading = (f"maximum-entropy Beta with {level:g} of its mass inside the range "
                   "(tails need not be equal)")
    text = assumption or f"the range {low:g}–{high:g} is read as the {reading}."
    return Proportion.beta(
        a, b, label=label, sources=sources,
        encoding=f"beta_from_range({low:g}, {high:g}, confidence_level={level:g}, "
                 f"method={method!r})",
        assumption=text,
    )


_F = TypeVar("_F", bound=Callable[..., Any])

_PROVENANCE_AND_RESULT = """label, sources, assumption : str
        Provenance stored on the result.

    Returns
    -------
    Rate"""


def _rate_sections(fn: _F) -> _F:
    """Fill the sections the Gamma encoders' docstrings share (``{provenance_and_result}``)."""
    fn.__doc__ = (fn.__doc__ or "").replace("{provenance_and_result}", _PROVENANCE_AND_RESULT)
    return fn


def _gamma_rate(shape: float, inverse_scale: float, encoding: str, assumption: str,
                label: str, sources: Iterable[str] | str) -> Rate:
    """The Gamma-backed Rate every Gamma encoder returns, with its provenance."""
    return Rate.gamma(shape, inverse_scale, label=label, sources=sources, encoding=encoding,
                      assumption=assumption)


def _log_gamma_quantile(shape: float, q: float) -> float:
    """log of the q-quantile of Gamma(shape, 1), safe when the quantile underflows.

    For small shapes the lower quantile is about (q * Gamma(shape + 1))**(1 / shape),
    which can be far below the smallest double; its logarithm is not.
    """
    x = float(special.gammaincinv(shape, q))
    if x > 1e-250:
        return float(np.log(x))
    return float((np.log(q) + special.gammaln(shape + 1.0)) / shape)


def _gamma_shape_for_ratio(ratio: float, level: float) -> float:
    """Gamma shape whose equal-tailed ``level`` interval has upper/lower ratio ``ratio``."""
    tail = (1.0 - level) / 2.0
    target = np.log(ratio)

    def f(log_k: float) -> float:
        k = np.exp(log_k)
        return _log_gamma_quantile(k, 1 - tail) - _log_gamma_quantile(k, tail) - target

    lo, hi = -8.0, 8.0
    while f(hi) > 0:
        hi += 8.0
        if hi > 60:
            raise EncodingError(f"the interval is too narrow to fit a Gamma (got high/low "
                                    f"ratio={ratio!r}); widen it or use gamma_from_counts")
    while f(lo) < 0:
        lo -= 8.0
        if lo < -60:
            raise EncodingError(f"the interval is too wide to fit a Gamma (got high/low "
                                    f"ratio={ratio!r}); narrow it")
    return float(np.exp(optimize.brentq(f, lo, hi, xtol=1e-14)))


@_rate_sections
def gamma_from_counts(events: int, person_years: float, *, label: str = "",
                      sources: Iterable[str] | str = (), assumption: str = "") -> Rate:
    """Gamma distribution for a rate observed as ``events`` in ``person_years``.

    The posterior under the Jeffreys prior is Gamma(shape = events + 1/2,
    inverse scale = person_years), with mean (events + 1/2) / person_years per person-year.

    Parameters
    ----------
    events : int
        Number of events observed, ``events >= 0``.
    person_years : float > 0
        Exposure in person-years.
    {provenance_and_result}
        Gamma-backed, with ``encoding`` recording this call.

    Raises
    ------
    ValueError, TypeError
        Negative, non-integer or NaN ``events``; ``person_years <= 0``.

    See Also
    --------
    gamma_from_interval, gamma_from_mean, gamma_from_rate

    Examples
    --------
    81 events in a million person-years (8.1 per 100,000 per year):

    >>> import spinemets as sm
    >>> r = sm.gamma_from_counts(81, 1e6)
    >>> r.shape, r.inverse_scale
    (81.5, 1000000.0)
    >>> round(r.mean * 100_000, 3)
    8.15
    """
    events = check_count(events, "events")
    py = check_real(person_years, "person_years", low=0, low_open=True)
    reading = (f"{events} events in {py:g} person-years; Jeffreys prior; the rate is taken "
               "to be constant over the period and to apply to the target population.")
    return _gamma_rate(events + 0.5, py, f"gamma_from_counts({events}, {py:g})",
                       assumption or reading, label, sources)


@_rate_sections
def gamma_from_interval(low: float, high: float, confidence_level: float = 0.95, *,
                        label: str = "", sources: Iterable[str] | str = (),
                        assumption: str = "") -> Rate:
    """Gamma distribution for a rate reported as an interval ``[low, high]`` per person-year.

    The interval is read as equal-tailed, holding ``confidence_level`` of the mass: ``low``
    and ``high`` are the ``(1 - confidence_level)/2`` and ``(1 + confidence_level)/2``
    quantiles. The shape follows from the ratio ``high / low`` alone, the scale from ``low``.

    Parameters
    ----------
    low, high : float
        The interval, per person-year (22.9 per 100,000 per year is ``2.29e-4``),
        ``0 < low < high``.
    confidence_level : float in (0, 1), default 0.95
        Share of the distribution's mass the interval is taken to hold.
    {provenance_and_result}

    Raises
    ------
    ValueError, TypeError
        Negative bounds, ``low >= high``, ``confidence_level`` outside (0, 1).
    spinemets.EncodingError
        ``low == 0`` (never a quantile of a Gamma) or an interval no Gamma meets.

    See Also
    --------
    gamma_from_counts, gamma_from_mean, gamma_from_rate

    Examples
    --------
    >>> import spinemets as sm
    >>> r = sm.gamma_from_interval(2.29e-4, 3.02e-4)
    >>> [round(x * 1e5, 6) for x in r.interval(0.95)]
    [22.9, 30.2]
    """
    level = check_confidence_level(confidence_level)
    lo = check_real(low, "low", low=0)
    hi = check_real(high, "high", low=0)
    if not lo < hi:
        raise ValueError(f"low must be < high, got low={lo!r}, high={hi!r}")
    if lo == 0:
        raise EncodingError("low = 0 cannot be a quantile of a Gamma; give a positive low")
    shape = _gamma_shape_for_ratio(hi / lo, level)
    inverse_scale = float(np.exp(_log_gamma_quantile(shape, (1 - level) / 2) - np.log(lo)))
    reading = (f"the interval {lo:g}–{hi:g} per person-year is read as an equal-tailed "
               f"{level:g} interval of the rate.")
    return _gamma_rate(shape, inverse_scale,
                       f"gamma_from_interval({lo:g}, {hi:g}, confidence_level={level:g})",
                       assumption or reading, label, sources)


@_rate_sections
def gamma_from_mean(mean: float, cv: float, *, label: str = "",
                    sources: Iterable[str] | str = (), assumption: str = "") -> Rate:
    """Gamma distribution for a rate with a given mean and an *assumed* coefficient of variation.

    Shape ``1 / cv**2`` and inverse scale ``shape / mean``, so the standard deviation is
    ``cv * mean``. The spread is an assumption, not data, and is written into
    ``assumption``.

    Parameters
    ----------
    mean : float > 0
        The mean rate per person-year (8.1 per 100,000 per year is ``8.1e-5``).
    cv : float > 0
        Coefficient of variation (standard deviation / mean).
    {provenance_and_result}

    Raises
    ------
    ValueError, TypeError
        ``mean <= 0``, or ``cv`` outside ``GAMMA_CV_RANGE`` = [1e-4, 1e3] (shapes
        ``1 / cv**2`` from 1e-6 to 1e8).

    See Also
    --------
    gamma_from_counts, gamma_from_interval, gamma_from_rate

    Examples
    --------
    >>> import spinemets as sm
    >>> r = sm.gamma_from_mean(8.1e-5, cv=0.25)
    >>> round(r.mean * 1e5, 6), round(r.std / r.mean, 6)
    (8.1, 0.25)
    """
    m = check_real(mean, "mean", low=0, low_open=True)
    c = check_real(cv, "cv", low=GAMMA_CV_RANGE[0], high=GAMMA_CV_RANGE[1])
    shape = 1.0 / c**2
    if not np.isfinite(shape / m):
        raise ValueError(f"mean is too small for cv={c:g} (the Gamma's inverse scale "
                         f"shape / mean overflows), got {m!r}")
    reading = (f"mean rate {m:g} per person-year with an assumed coefficient of variation "
               f"{c:g} (a stated spread, not data).")
    return _gamma_rate(shape, shape / m, f"gamma_from_mean({m:g}, cv={c:g})",
                       assumption or reading, label, sources)


def gamma_from_rate(events: int | None = None, person_years: float | None = None, *,
                    rate: float | None = None, low: float | None = None,
                    high: float | None = None, cv: float | None = None,
                    confidence_level: float = 0.95, label: str = "",
                    sources: Iterable[str] | str = (), assumption: str = "") -> Rate:
    """Gamma distribution for an event rate per person-year, by one of three routes.

    A dispatcher kept for existing code; new code can call the route by name:

    * ``events`` and ``person_years`` → :func:`gamma_from_counts`;
    * ``low`` and ``high`` (optionally ``rate``, which must lie inside) →
      :func:`gamma_from_interval`;
    * ``rate`` and ``cv`` → :func:`gamma_from_mean` with ``mean=rate``.

    Here ``rate=`` is the **mean rate per person-year** (22.9 per 100,000 per year is
    ``2.29e-4``), not the Gamma's rate parameter: that is :attr:`Rate.inverse_scale`.

    Raises
    ------
    ValueError, TypeError
        Missing or conflicting arguments, negative values, ``low >= high``.
    spinemets.EncodingError
        A point rate alone (no uncertainty can be derived), or an interval no Gamma meets.

    See Also
    --------
    gamma_from_counts, gamma_from_interval, gamma_from_mean

    Examples
    --------
    >>> import spinemets as sm
    >>> r = sm.gamma_from_rate(events=81, person_years=1e6)
    >>> r.shape, r.inverse_scale
    (81.5, 1000000.0)
    >>> r2 = sm.gamma_from_rate(low=2.29e-4, high=3.02e-4)
    >>> [round(x * 1e5, 6) for x in r2.interval(0.95)]
    [22.9, 30.2]
    >>> round(sm.gamma_from_rate(rate=8.1e-5, cv=0.25).std / 8.1e-5, 6)
    0.25
    """
    check_confidence_level(confidence_level)
    by_counts = events is not None or person_years is not None
    by_interval = low is not None or high is not None
    by_cv = cv is not None
    meta: dict[str, Any] = {"label": label, "sources": sources, "assumption": assumption}
    if sum((by_counts, by_interval, by_cv)) != 1:
        if not (by_counts or by_interval or by_cv) and rate is not None:
            raise EncodingError(
                f"a point rate alone carries no uncertainty (got rate={rate!r}); give events "
                "and person_years, an interval (low, high) or a coefficient of variation cv"
            )
        raise ValueError(
            "give exactly one of: events and person_years; low and high; rate and cv "
            f"(got events={events!r}, person_years={person_years!r}, low={low!r}, "
            f"high={high!r}, cv={cv!r})"
        )
    if by_counts:
        if events is None or person_years is None:
            raise ValueError(f"events and person_years must be given together, got "
                             f"events={events!r}, person_years={person_years!r}")
        if rate is not None:
            raise ValueError(f"rate cannot be combined with events and person_years, got "
                             f"rate={rate!r}")
        return gamma_from_counts(events, person_years, **meta)
    if by_interval:
        if low is None or high is None:
            raise ValueError(f"low and high must be given together, got low={low!r}, "
                             f"high={high!r}")
        if rate is not None:
            lo = check_real(low, "low", low=0)
            hi = check_real(high, "high", low=0)
            r = check_real(rate, "rate", low=0, low_open=True)
            if lo < hi and not lo <= r <= hi:
                raise ValueError(f"rate must lie inside [low, high] = [{lo:g}, {hi:g}], got {r!r}")
        return gamma_from_interval(low, high, confidence_level, **meta)
    if rate is None:
        raise ValueError(f"cv needs a rate (the mean rate per person-year), got cv={cv!r} "
                         "and rate=None")
    return gamma_from_mean(check_real(rate, "rate", low=0, low_open=True), cv, **meta)
