"""Demand over the planning horizon: the rate trend with its interval, ageing, population.

Demand in year ``t`` is today's times ``((1 + trend) (1 + ageing) (1 + growth)) ** t``:

* ``trend`` — the yearly change of the age-standardised rate. Default +2.2% a year, the
  average annual percent change of diagnosed spinal metastases in Ontario 2007-2019
  (95% CI 1.4-3.0%; Shakil 2024, PMID 38680988, catalogue POP-01c). Being
  age-standardised, it leaves out the catchment's ageing;
* ``ageing`` — the yearly change of the crude rate from the catchment's changing age
  structure. **No quantitative source was found** (Ontario reports the fastest rise at
  85 and over, in words only): default 0, an explicit input;
* ``growth`` — the catchment's population growth, given by the planner (official
  subnational projections).

The trend's 95% interval is read as a Normal law of the trend (centred on the point
value, the interval's half-width = 1.96 sd); the factor ``(1 + trend) ** t`` rises with
the trend, so its interval at year ``t`` is the trend's interval raised to ``t``
(exact; year 1 gives back the reported 1.4-3.0%).
"""

from __future__ import annotations

from scipy import stats

from .._catalogue import evidence
from .._validation import check_confidence_level, check_real

__all__ = ["TrendInterval", "catalogue_trend", "growth_interval"]

#: The catalogue row of the default trend (Ontario AAPC, PMID 38680988).
TREND_EVIDENCE_ID = "POP-01c"


class TrendInterval:
    """A yearly relative trend with a 95% interval, read as a Normal law of the trend.

    Examples
    --------
    >>> from spinemets._planning._horizon import TrendInterval
    >>> t = TrendInterval(0.022, 0.014, 0.030)
    >>> round(t.factor(5), 4)
    1.1149
    >>> [round(x, 4) for x in t.factor_interval(5)]
    [1.072, 1.1593]
    """

    def __init__(self, value: float, low: float, high: float, source: str = "") -> None:
        self.value = check_real(value, "trend", low=-1, low_open=True, high=1)
        self.low = check_real(low, "trend low", low=-1, low_open=True, high=self.value)
        self.high = check_real(high, "trend high", low=self.value, high=1)
        self.source = source
        self.sd = float((self.high - self.low) / (2 * stats.norm.ppf(0.975)))

    def factor(self, years: float) -> float:
        """``(1 + trend) ** years`` at the point value."""
        return (1.0 + self.value) ** check_real(years, "years", low=0)

    def factor_interval(self, years: float, confidence_level: float = 0.95
                        ) -> tuple[float, float]:
        """Central interval of the factor ``(1 + trend) ** years`` (exact: monotone in the trend).

        A trend interval reaching -100% a year is cut just above it (the factor stays > 0).
        """
        t = check_real(years, "years", low=0)
        z = float(stats.norm.ppf(0.5 + check_confidence_level(confidence_level) / 2))
        lo = max(self.value - z * self.sd, -1.0 + 1e-12)
        return (1.0 + lo) ** t, (1.0 + self.value + z * self.sd) ** t


def catalogue_trend() -> TrendInterval:
    """The default rate trend: the Ontario AAPC row of the catalogue (POP-01c).

    Examples
    --------
    >>> from spinemets._planning._horizon import catalogue_trend
    >>> t = catalogue_trend()
    >>> (t.value, t.low, t.high)
    (0.022, 0.014, 0.03)
    """
    ev = evidence()
    row = ev.loc[ev["id"] == TREND_EVIDENCE_ID].iloc[0]
    return TrendInterval(float(row["value"]), float(row["low"]), float(row["high"]),
                         source=f"{row['citation']}, PMID {row['pmid']} (catalogue "
                                f"{TREND_EVIDENCE_ID})")


def growth_interval(trend: TrendInterval | None, other_yearly: float, years: float,
                    confidence_level: float = 0.95) -> tuple[float, float, float]:
    """The demand factor at ``years``: point value and interval over the trend's interval.

    ``other_yearly`` is the fixed yearly factor of everything else
    (``(1 + ageing) (1 + growth)``).

    Examples
    --------
    >>> from spinemets._planning._horizon import growth_interval
    >>> growth_interval(None, 1.01, 2)
    (1.0201, 1.0201, 1.0201)
    """
    other = check_real(other_yearly, "other_yearly", low=0, low_open=True) ** years
    if trend is None:
        return other, other, other
    lo, hi = trend.factor_interval(years, confidence_level)
    return trend.factor(years) * other, lo * other, hi * other
