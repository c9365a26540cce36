"""A service's own counts in a plan: conjugate updates of a stream's rate and yield.

For a stream, the service counted ``referrals`` scans over ``years`` of which ``positives``
confirmed the condition. In the planning model referrals are Poisson with mean
``years * cases / yield`` and positives given referrals are Binomial(referrals, yield), so
positives alone are Poisson(``years * cases``). Two conjugate updates follow:

* the yearly **cases** of the stream, Gamma(shape, rate) a priori, become
  Gamma(shape + positives, rate + years) (Gamma–Poisson);
* the **yield**, Beta(a, b) a priori, becomes Beta(a + positives, b + referrals − positives)
  (Beta–binomial).

Each update uses the part of the data that is conjugate for it (the negatives' information
on cases through the yield is not used twice). With years of data both posteriors
concentrate on the local figures — cases a year on positives / years, the yield on
positives / referrals, so referrals a year on referrals / years — whatever the defaults.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

from ._plan_limits import MAX_OBSERVED_COUNT
from ._values import Proportion

__all__ = ["OBSERVED_KEYS", "check_observed", "update_cases", "update_yield"]

#: Keys of one stream's local counts.
OBSERVED_KEYS: tuple[str, ...] = ("referrals", "positives", "years")
_STREAMS = ("emergency", "urgent")


def check_observed(observed: Any) -> dict[str, dict[str, float]]:
    """Validate ``observed`` = ``{stream: {"referrals": n, "positives": k, "years": t}}``.

    Streams are ``emergency`` and ``urgent``; counts are whole numbers with
    ``0 <= positives <= referrals``; ``years > 0``.

    Examples
    --------
    >>> from spinemets._plan_local import check_observed
    >>> check_observed({"emergency": {"referrals": 190, "positives": 80, "years": 1}})
    {'emergency': {'referrals': 190, 'positives': 80, 'years': 1.0}}
    >>> check_observed(None)
    {}
    """
    if observed is None:
        return {}
    if not isinstance(observed, Mapping):
        raise TypeError(f"observed must be a dict of streams to counts, got "
                        f"{type(observed).__name__} {observed!r}")
    out: dict[str, dict[str, float]] = {}
    for stream, counts in observed.items():
        if stream not in _STREAMS:
            raise ValueError(f"observed: stream must be one of {', '.join(_STREAMS)}, got "
                             f"{stream!r}")
        if not isinstance(counts, Mapping) or set(counts) != set(OBSERVED_KEYS):
            got = sorted(counts) if isinstance(counts, Mapping) else counts
            raise ValueError(f"observed[{stream!r}] must have exactly the keys "
                             f"{', '.join(OBSERVED_KEYS)}, got {got!r}")
        row: dict[str, Any] = {}
        for key in ("referrals", "positives"):
            v = counts[key]
            ok = (isinstance(v, numbers.Real) and not isinstance(v, bool)
                  and math.isfinite(float(v)) and float(v) >= 0 and float(v).is_integer())
            if not ok:
                raise ValueError(f"observed[{stream!r}][{key!r}] must be a whole number >= 0, "
                                 f"got {v!r}")
            if float(v) > MAX_OBSERVED_COUNT:
                raise ValueError(f"observed[{stream!r}][{key!r}] must be <= "
                                 f"{MAX_OBSERVED_COUNT:.0e} (a service's own counts), got {v!r}: "
                                 "check that referrals and positives are counts, not rates")
            row[key] = int(v)
        if row["positives"] > row["referrals"]:
            raise ValueError(f"observed[{stream!r}]: positives must be <= referrals, got "
                             f"{row['positives']} positives of {row['referrals']}")
        t = counts["years"]
        if (isinstance(t, bool) or not isinstance(t, numbers.Real) or not math.isfinite(t)
                or t <= 0):
            raise ValueError(f"observed[{stream!r}]['years'] must be a number > 0, got {t!r}")
        row["years"] = float(t)
        out[stream] = row
    return out


def update_cases(mean: float, shape: float | None, positives: int,
                 years: float) -> tuple[float, float]:
    """Posterior (mean, shape) of yearly cases, Gamma(shape, shape/mean) a priori.

    A fixed prior (``shape`` None) or a zero mean cannot learn; a ValueError says so.

    Examples
    --------
    >>> from spinemets._plan_local import update_cases
    >>> update_cases(80.0, 16.0, 100, 1.0)     # Gamma(16, 0.2) + 100 cases in 1 year
    (96.66666666666667, 116.0)
    """
    if shape is None or mean <= 0:
        raise ValueError("observed: a fixed rate (rate_cv = 0, or a fixed number of cases) "
                         "cannot be updated by local counts; give rate_cv > 0")
    rate = shape / mean
    post_shape, post_rate = shape + positives, rate + years
    return post_shape / post_rate, post_shape


def update_yield(y: Any, positives: int, referrals: int, label: str) -> Proportion:
    """Posterior Beta of a yield after ``positives`` of ``referrals`` scans were positive.

    A Beta prior is updated exactly; another law is first matched to a Beta by its mean and
    variance. A fixed yield cannot learn (ValueError).

    Examples
    --------
    >>> import spinemets as sm
    >>> from spinemets._plan_local import update_yield
    >>> p = update_yield(sm.Proportion.beta(8, 12), 80, 190, "emergency_yield")
    >>> round(p.a, 6), round(p.b, 6)
    (88.0, 122.0)
    """
    if not isinstance(y, Proportion):
        raise ValueError(f"observed: {label} is fixed at {float(y)!r} and cannot be updated by "
                         "local counts; leave it at the default or give a Proportion")
    if y.is_beta:
        a, b = y.a, y.b
    else:
        m, v = float(y.mean), float(y.std) ** 2
        k = m * (1 - m) / v - 1.0
        a, b = m * k, (1 - m) * k
    return Proportion.beta(
        a + positives, b + referrals - positives, label=label, sources=y.sources,
        encoding=f"Beta({a:.4g}, {b:.4g}) prior + {positives} positive of {referrals} local "
                 "scans",
        assumption="conjugate Beta-binomial update with local audit counts")
