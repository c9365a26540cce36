"""What a planning input becomes: expected cases a year (fixed or Gamma), and inputs in words."""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from .._display import format_interval, format_value
from .._values import Proportion, Rate

__all__ = ["Driver", "describe", "is_number"]


@dataclass(frozen=True)
class Driver:
    """Expected cases a year in the catchment: fixed (shape None) or Gamma(shape, shape/mean)."""

    mean: float
    shape: float | None

    @property
    def var(self) -> float:
        """Variance (0 when fixed)."""
        return 0.0 if self.shape is None else self.mean**2 / self.shape

    def scaled(self, g: float) -> Driver:
        """The driver with its mean times ``g`` (same shape: same relative spread)."""
        return Driver(self.mean * g, self.shape)

    def ppf(self, q: Any) -> np.ndarray:
        """Quantiles of the expected cases a year."""
        if self.shape is None or self.mean == 0:
            return np.full(np.shape(q), self.mean, dtype=float)
        return stats.gamma(self.shape, scale=self.mean / self.shape).ppf(q)

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` draws of the expected cases a year from ``rng``."""
        if self.shape is None or self.mean == 0:
            return np.full(n, self.mean)
        return rng.gamma(self.shape, self.mean / self.shape, size=n)


def is_number(x: Any) -> bool:
    """True for a real number that is not a bool."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def describe(x: Any, *, per100k: bool = False, pct: bool = False) -> str:
    """A number, Proportion or Rate as words: the mean and, for a distribution, its 95% interval.

    Examples
    --------
    >>> from spinemets._planning._inputs import describe
    >>> describe(0.25, pct=True)
    '25%'
    """
    unit = "fraction" if pct else "per_person_year" if per100k else "number"
    if isinstance(x, (Proportion, Rate)):
        lo, hi = x.interval(0.95)
        return (f"{format_value(x.mean, unit, style='text')} "
                f"(95% interval {format_interval(lo, hi, unit)})")
    return format_value(float(x), unit, style="text")

