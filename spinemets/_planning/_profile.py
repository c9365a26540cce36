"""Weekday x hour arrival profiles of referrals: presets, CSV files, shares of a window.

No quantitative weekday x hour distribution of MSCC referrals was found
(planning-notes §2.6; The Christie's service users report patients identified late in
the day, particularly on Fridays), so the default stays uniform. A planner gives the
service's own 7 x 24 weights (Monday 00-01 first), as an array or a CSV file, or a
named preset:

* ``uniform`` — referrals spread evenly over the week (the default);
* ``weekday-daytime`` — an illustration, not a published profile: every referral made
  Monday-Friday 08:00-18:00 (referrals only in working hours).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._queue import HOURS_PER_WEEK, check_profile

__all__ = ["PRESETS", "load_arrival_profile", "window_share"]


def _weekday_daytime() -> np.ndarray:
    prof = np.zeros((7, 24))
    prof[:5, 8:18] = 1.0
    return prof


#: Named profiles (None = uniform).
PRESETS: dict[str, np.ndarray | None] = {
    "uniform": None,
    "weekday-daytime": _weekday_daytime(),
}

_MAX_PROFILE_BYTES = 64_000  # 7 x 24 numbers with labels fit in a few kB


def _is_number(x: Any) -> bool:
    try:
        float(x)
    except (TypeError, ValueError):
        return False
    return True


def _numeric(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop a header row and a label column (a row or column with a cell that is not a number)."""
    if len(frame) and not all(_is_number(x) for x in frame.iloc[0]):
        frame = frame.iloc[1:]
    if frame.shape[1] and not all(_is_number(x) for x in frame.iloc[:, 0]):
        frame = frame.iloc[:, 1:]
    return frame


def load_arrival_profile(spec: Any) -> np.ndarray | None:
    """A 7 x 24 arrival profile from a preset name, a CSV path or an array (None: uniform).

    A CSV holds 7 rows (Monday first) of 24 non-negative weights (hour 00-01 first); a
    header row and a first column of labels (e.g. day names) are allowed.

    Examples
    --------
    >>> from spinemets._planning._profile import load_arrival_profile
    >>> load_arrival_profile("uniform") is None
    True
    >>> float(load_arrival_profile("weekday-daytime").sum())   # Mon-Fri, 10 hours a day
    50.0
    """
    if spec is None:
        return None
    if isinstance(spec, str) and spec in PRESETS:
        preset = PRESETS[spec]
        return None if preset is None else preset.copy()
    if isinstance(spec, (str, Path)):
        path = Path(spec)
        if not path.is_file():
            raise ValueError(
                f"arrival_profile must be one of {', '.join(PRESETS)} or a CSV file of 7 x 24 "
                f"weights, got {str(spec)[:200]!r} (no such preset or file)"
            )
        if path.stat().st_size > _MAX_PROFILE_BYTES:
            raise ValueError(f"arrival_profile file {str(path)[:200]!r} must be at most "
                             f"{_MAX_PROFILE_BYTES:,} bytes (7 x 24 weights), got "
                             f"{path.stat().st_size:,}")
        try:
            frame = pd.read_csv(path, header=None, dtype=str, skip_blank_lines=True)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise ValueError(f"arrival_profile file {str(path)[:200]!r} is not a CSV of 7 x 24 "
                             f"weights: {exc}") from None
        frame = _numeric(frame)
        try:
            values = frame.to_numpy(dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"arrival_profile file {str(path)[:200]!r} must hold numbers only "
                             f"(7 rows of 24 weights), got a non-numeric cell") from None
        try:
            return check_profile(values)
        except ValueError as exc:
            raise ValueError(f"arrival_profile file {str(path)[:200]!r}: {exc}") from None
    return check_profile(spec)


def window_share(profile: np.ndarray | None, start: float, end: float) -> float:
    """Share of a week's arrivals falling in ``[start, end)`` (week hours, wrapping Sunday).

    Each hour's weight is spread evenly over the hour; a window of 168 hours or more
    holds every arrival.

    Examples
    --------
    >>> from spinemets._planning._profile import load_arrival_profile, window_share
    >>> round(window_share(None, 0.0, 42.0), 12)
    0.25
    >>> window_share(load_arrival_profile("weekday-daytime"), 18.0, 32.0)   # Mon 18 - Tue 08
    0.0
    >>> round(window_share(None, 160.0, 8.0), 12)   # Sunday 16:00 to Monday 08:00: 16 h
    0.095238095238
    """
    length = end - start
    if length < 0:
        length += HOURS_PER_WEEK
    if length >= HOURS_PER_WEEK:
        return 1.0
    weights = check_profile(profile).ravel()
    cum = np.concatenate([[0.0], np.cumsum(weights / weights.sum())])

    def mass_to(x: float) -> float:  # share of arrivals in [0, x), 0 <= x <= 168
        h = min(int(x), 167)
        return float(cum[h] + (x - h) * (cum[h + 1] - cum[h]))

    a = start % HOURS_PER_WEEK
    b = a + length
    if b <= HOURS_PER_WEEK:
        return mass_to(b) - mass_to(a)
    return (1.0 - mass_to(a)) + mass_to(b - HOURS_PER_WEEK)
