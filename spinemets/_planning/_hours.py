"""Opening hours: when the MRI service scans, and the wait from a referral to the next opening."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize

from .._validation import check_fraction, check_real
from ._limits import MAX_OPENING_HOURS_CHARS
from ._queue import HOURS_PER_WEEK, check_profile

__all__ = ["DAY_NAMES", "OpeningHours", "session_label"]

_GRID_PER_HOUR = 360  # 10-second grid for waits under a weekday x hour arrival profile

#: Day names, Monday first (week hour 0 is Monday 00:00).
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_INDEX = {d.lower(): i for i, d in enumerate(DAY_NAMES)}
_DAY_INDEX.update({
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6, "tues": 1, "thur": 3, "thurs": 3,
})
_DAY_WORDS = {
    "weekdays": (0, 1, 2, 3, 4), "weekday": (0, 1, 2, 3, 4),
    "weekends": (5, 6), "weekend": (5, 6),
    "daily": tuple(range(7)), "everyday": tuple(range(7)), "7days": tuple(range(7)),
    "7-day": tuple(range(7)), "7day": tuple(range(7)),
}
_TIME = r"(\d{1,2})(?::(\d{2}))?"
_SEGMENT = re.compile(rf"^(?P<days>.+?)\s+{_TIME}\s*[-–]\s*{_TIME}$")


def _hour(h: str, m: str | None, text: str) -> float:
    hh, mm = int(h), int(m or 0)
    if mm >= 60 or hh > 24 or (hh == 24 and mm > 0):
        raise ValueError(f"opening_hours: hours must be times of day (00:00 to 24:00), got "
                         f"segment {text!r}")
    return hh + mm / 60.0


def _parse_days(text: str, segment: str) -> tuple[int, ...]:
    key = re.sub(r"\s+", "", text.lower())
    if key in _DAY_WORDS:
        return _DAY_WORDS[key]
    if key in _DAY_INDEX:
        return (_DAY_INDEX[key],)
    parts = re.split(r"[-–]", key)
    if len(parts) == 2 and parts[0] in _DAY_INDEX and parts[1] in _DAY_INDEX:
        a, b = _DAY_INDEX[parts[0]], _DAY_INDEX[parts[1]]
        return tuple((a + i) % 7 for i in range((b - a) % 7 + 1))
    raise ValueError(
        f"opening_hours: cannot read the days {text!r}; use e.g. 'Mon-Fri', 'Sat', "
        f"'weekdays', 'weekends' or 'daily', got segment {segment!r}"
    )


@dataclass(frozen=True)
class OpeningHours:
    """When the MRI service scans, as open intervals of the week.

    Week hours run from 0 (Monday 00:00) to 168 (next Monday 00:00).

    Attributes
    ----------
    intervals : tuple of (float, float)
        Sorted, merged open intervals in week hours.
    text : str
        The schedule as written (canonical form if built from intervals).

    Examples
    --------
    >>> from spinemets._planning import OpeningHours
    >>> oh = OpeningHours.parse("Mon-Fri 08:00-18:00")
    >>> oh.hours_per_week
    50.0
    >>> round(oh.prob_wait_over(24), 4)      # the weekend gap: 38 h of 168
    0.2262
    >>> OpeningHours.parse("daily 08-18").prob_wait_over(24)
    0.0
    """

    intervals: tuple[tuple[float, float], ...]
    text: str = ""

    @classmethod
    def parse(cls, text: str) -> OpeningHours:
        """Read a schedule such as ``"Mon-Fri 08:00-18:00; Sat 09-13"`` or ``"24/7"``.

        Segments are separated by ``;``. Each is days (``Mon-Fri``, ``Sat``, ``weekdays``,
        ``weekends``, ``daily``) and a time range ``HH[:MM]-HH[:MM]`` within one day
        (``00-24`` is the whole day; write overnight sessions as two segments).

        Examples
        --------
        >>> from spinemets._planning import OpeningHours
        >>> OpeningHours.parse("24/7").hours_per_week
        168.0
        >>> OpeningHours.parse("weekdays 8-20; Sat 9-13").hours_per_week
        64.0
        """
        if isinstance(text, OpeningHours):
            return text
        if not isinstance(text, str):
            raise TypeError(
                f"opening_hours must be a schedule text such as 'Mon-Fri 08:00-18:00', got "
                f"{type(text).__name__} {text!r}"
            )
        if len(text) > MAX_OPENING_HOURS_CHARS:
            raise ValueError(
                f"opening_hours must be at most {MAX_OPENING_HOURS_CHARS} characters, got "
                f"{len(text):,} characters ({text[:40]!r}...)"
            )
        cleaned = text.strip()
        if cleaned.lower() in {"24/7", "always", "24x7"}:
            return cls(((0.0, HOURS_PER_WEEK),), cleaned)
        raw: list[tuple[float, float]] = []
        for segment in (s.strip() for s in cleaned.split(";")):
            if not segment:
                continue
            m = _SEGMENT.match(segment)
            if m is None:
                raise ValueError(
                    f"opening_hours: cannot read segment {segment!r}; expected days and hours "
                    "such as 'Mon-Fri 08:00-18:00' (segments separated by ';') or '24/7', "
                    f"got {text!r}"
                )
            days = _parse_days(m.group("days"), segment)
            g = m.groups()
            start = _hour(g[1], g[2], segment)
            end = _hour(g[3], g[4], segment)
            if end < start:
                raise ValueError(
                    "opening_hours: a segment must not close before it opens; write an "
                    "overnight session as two segments (e.g. 'Mon 20-24; Tue 00-08'), got "
                    f"segment {segment!r}"
                )
            raw += [(24.0 * d + start, 24.0 * d + end) for d in days if end > start]
        out = cls._from_raw(raw, cleaned)
        if out.hours_per_week <= 0:
            raise ValueError(
                f"opening_hours must be open for more than 0 hours a week, got {text!r}"
            )
        return out

    @classmethod
    def _from_raw(cls, raw: list[tuple[float, float]], text: str) -> OpeningHours:
        merged: list[list[float]] = []
        for a, b in sorted(raw):
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        return cls(tuple((a, b) for a, b in merged), text)

    @property
    def hours_per_week(self) -> float:
        """Open hours in a week."""
        return float(sum(b - a for a, b in self.intervals))

    def gaps(self) -> list[float]:
        """Lengths (hours) of the closed periods of the week, wrapping Sunday to Monday."""
        if not self.intervals:
            return [HOURS_PER_WEEK]
        out = []
        for i, (_, b) in enumerate(self.intervals):
            nxt = self.intervals[(i + 1) % len(self.intervals)][0]
            gap = (nxt - b) % HOURS_PER_WEEK
            if len(self.intervals) == 1 and gap == 0 and self.hours_per_week < HOURS_PER_WEEK:
                gap = HOURS_PER_WEEK - self.hours_per_week
            if gap > 0:
                out.append(gap)
        return out

    def _wait_grid(self, profile: Any) -> tuple[np.ndarray, np.ndarray]:
        """Waits to the next open moment on a 10-second grid of the week, and the weights of
        a weekday x hour arrival ``profile`` (each hour's weight spread evenly over it)."""
        prof = check_profile(profile).ravel()
        x = (np.arange(_GRID_PER_HOUR * 168) + 0.5) / _GRID_PER_HOUR
        starts = np.array([a for a, _ in self.intervals])
        ends = np.array([b for _, b in self.intervals])
        i = np.searchsorted(ends, x, side="right")  # the first interval ending after x
        inside = i < len(ends)
        wait = np.where(inside, np.maximum(starts[np.minimum(i, len(ends) - 1)] - x, 0.0),
                        HOURS_PER_WEEK + starts[0] - x)
        weights = prof[np.floor(x).astype(int)] / (prof.sum() * _GRID_PER_HOUR)
        return wait, weights

    def prob_wait_over(self, hours: float, profile: Any = None) -> float:
        """Share of arrivals waiting more than ``hours`` for the next opening.

        Arrivals uniform over the week (``profile`` None): an arrival during a closed gap of
        length G waits until it ends, so the share is ``sum(max(G - hours, 0)) / 168``. With
        a weekday x hour ``profile`` (7 x 24 weights) the arrivals follow it (10-second grid).

        Examples
        --------
        >>> import numpy as np
        >>> from spinemets._planning import OpeningHours
        >>> OpeningHours.parse("24/7").prob_wait_over(0)
        0.0
        >>> friday_evening = np.zeros((7, 24)); friday_evening[4, 19] = 1.0
        >>> OpeningHours.parse("Mon-Fri 08-18").prob_wait_over(24, friday_evening)
        1.0
        """
        h = check_real(hours, "hours", low=0)
        if profile is not None:
            wait, weights = self._wait_grid(profile)
            return float(min(1.0, weights[wait > h].sum()))
        return float(sum(max(g - h, 0.0) for g in self.gaps()) / HOURS_PER_WEEK)

    def share_within(self, hours: float, profile: Any = None) -> float:
        """Share of arrivals that can be scanned within ``hours`` (``1 - prob_wait_over``).

        Examples
        --------
        >>> from spinemets._planning import OpeningHours
        >>> round(OpeningHours.parse("Mon-Fri 08-18").share_within(24), 4)
        0.7738
        """
        return 1.0 - self.prob_wait_over(hours, profile)

    def mean_wait(self, profile: Any = None) -> float:
        """Mean hours from arrival to the next open moment (``sum(G**2 / 2) / 168``).

        Examples
        --------
        >>> from spinemets._planning import OpeningHours
        >>> round(OpeningHours.parse("daily 08-18").mean_wait(), 3)
        4.083
        """
        if profile is not None:
            wait, weights = self._wait_grid(profile)
            return float(np.dot(wait, weights))
        return float(sum(g * g / 2.0 for g in self.gaps()) / HOURS_PER_WEEK)

    def wait_quantile(self, q: float, profile: Any = None) -> float:
        """Hours from a uniform arrival to the next open moment not exceeded with probability q.

        Solves ``prob_wait_over(h) = 1 - q`` (piecewise linear in ``h``).

        Examples
        --------
        >>> from spinemets._planning import OpeningHours
        >>> round(OpeningHours.parse("Mon-Fri 08-18").wait_quantile(0.95), 6)  # 62 - 0.05 * 168
        53.6
        """
        q = check_fraction(q, "q")
        if profile is not None:
            wait, weights = self._wait_grid(profile)
            order = np.argsort(wait)
            cum = np.cumsum(weights[order])
            return float(wait[order][min(np.searchsorted(cum, q - 1e-12), len(cum) - 1)])
        if self.prob_wait_over(0.0) <= 1.0 - q:
            return 0.0
        return float(optimize.brentq(lambda h: self.prob_wait_over(h) - (1.0 - q), 0.0,
                                     max(self.gaps()), xtol=1e-12))

    def sessions(self) -> list[tuple[float, float, float]]:
        """Open periods split at midnight, each with the hours of arrivals it serves.

        Returns ``(start, end, window_hours)`` in week hours; the window runs from the end
        of the previous session (arrivals during the closure wait for this session).

        Examples
        --------
        >>> from spinemets._planning import OpeningHours
        >>> [w for _, _, w in OpeningHours.parse("Mon-Fri 08-18").sessions()]
        [72.0, 24.0, 24.0, 24.0, 24.0]
        """
        pieces: list[tuple[float, float]] = []
        for a, b in self.intervals:
            x = a
            while x < b:
                end = min(b, (math.floor(x / 24.0) + 1) * 24.0)
                pieces.append((x, end))
                x = end
        out = []
        for i, (a, b) in enumerate(pieces):
            prev_end = pieces[i - 1][1]
            window = (b - prev_end) % HOURS_PER_WEEK
            if window == 0:
                window = HOURS_PER_WEEK
            out.append((a, b, float(window)))
        return out

    def __str__(self) -> str:
        return self.text or "; ".join(session_label(a, b) for a, b in self.intervals)


def _clock(h: float) -> str:
    hh = int(h)
    mm = round((h - hh) * 60)
    return f"{hh:02d}:{mm:02d}"


def session_label(a: float, b: float) -> str:
    """A session from week hour ``a`` to ``b`` as text, e.g. ``'Mon 08:00-18:00'``."""
    day = int(a // 24) % 7
    return f"{DAY_NAMES[day]} {_clock(a - 24 * (a // 24))}-{_clock(b - 24 * (a // 24))}"

