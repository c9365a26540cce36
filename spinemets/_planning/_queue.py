"""Time from referral to scan: a discrete-event simulation with SimPy (optional extra).

Referrals of each stream arrive as a Poisson process whose rate follows a weekday x hour
profile; the service has ``servers`` scanners that *start* scans only inside the opening
hours (a scan started before closing finishes); waiting referrals are served by stream
priority (emergency, then urgent, then follow-up), first come first served within a stream.
A scan occupies a scanner for acquisition + changeover minutes. The time from referral to a
reported result adds ``reporting_hours`` (and ``transfer_hours`` before the scan, for a
patient who must travel).

The event loop is SimPy's (``pip install spinemets[queue]``); arrivals and scan durations
are drawn up front from the plan's ``rng``, so a run is reproducible.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_count, check_real, resolve_rng

__all__ = ["HOURS_PER_WEEK", "check_profile", "simulate_queue", "summarise_waits"]

HOURS_PER_WEEK = 168.0


def check_profile(profile: Any) -> np.ndarray:
    """A weekday x hour arrival profile as a 7 x 24 array of weights (uniform when None).

    Examples
    --------
    >>> from spinemets._planning._queue import check_profile
    >>> check_profile(None).shape
    (7, 24)
    """
    try:
        prof = np.ones((7, 24)) if profile is None else np.asarray(profile, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("arrival_profile must be a 7 x 24 array of non-negative weights, got "
                         f"{type(profile).__name__} {str(profile)[:60]}") from None
    if prof.shape != (7, 24) or not np.isfinite(prof).all() or (prof < 0).any() or \
            prof.sum() <= 0:
        raise ValueError("arrival_profile must be a 7 x 24 array of non-negative weights with a "
                         f"positive sum, got shape {prof.shape}")
    return prof


def _next_open(t: float, intervals: Sequence[tuple[float, float]]) -> float:
    """The first moment >= t (hours since the start) inside an open interval of the week."""
    week = np.floor(t / HOURS_PER_WEEK) * HOURS_PER_WEEK
    x = t - week
    for a, b in intervals:
        if x < b:
            return week + max(a, x)
    return week + HOURS_PER_WEEK + intervals[0][0]


def _arrivals(rate_per_week: float, profile: np.ndarray, weeks: int,
              gen: np.random.Generator) -> np.ndarray:
    """Poisson arrival times (hours) with hourly rates ``rate_per_week * profile``."""
    per_hour = rate_per_week * profile.ravel() / profile.sum()  # 168 hourly means
    counts = gen.poisson(np.tile(per_hour, weeks))
    starts = np.repeat(np.arange(weeks * 168, dtype=float), counts)
    return np.sort(starts + gen.random(len(starts)))


def simulate_queue(rates_per_week: Mapping[str, float], minutes: Mapping[str, float], *,
                   open_intervals: Sequence[tuple[float, float]] = ((0.0, HOURS_PER_WEEK),),
                   servers: int = 1, profile: Any = None, weeks: int = 52,
                   warmup_weeks: int = 4, service: str = "deterministic",
                   transfer_hours: float = 0.0, reporting_hours: float = 0.0,
                   rng: Any = None) -> pd.DataFrame:
    """Simulate referrals to scan; one row per referral arriving after the warm-up.

    Parameters
    ----------
    rates_per_week : mapping stream -> float
        Expected referrals a week; the mapping's order is the priority order.
    minutes : mapping stream -> float
        Scanner minutes per scan (acquisition + changeover); the mean when exponential.
    open_intervals : sequence of (start, end)
        Open hours of the week (0 = Monday 00:00), sorted and disjoint.
    servers : int
        Scanners working in parallel.
    profile : array (7, 24), optional
        Relative arrival intensity by weekday and hour; uniform when None.
    weeks, warmup_weeks : int
        Weeks simulated after, and discarded before, the measured period.
    service : {"deterministic", "exponential"}
        Scan duration law.
    transfer_hours, reporting_hours : float
        Added before the scan can start, and after it ends (time to a reported result).
    rng : None, int or numpy Generator

    Returns
    -------
    pandas.DataFrame
        ``stream``, ``arrival``, ``start``, ``end``, ``wait_hours`` (arrival to scan start),
        ``hours_to_report`` (arrival to reported result).

    Examples
    --------
    >>> from spinemets._planning._queue import simulate_queue
    >>> d = simulate_queue({"emergency": 4.0}, {"emergency": 30.0}, weeks=20, rng=1)
    >>> bool((d["wait_hours"] >= 0).all()), list(d.columns)[:3]
    (True, ['stream', 'arrival', 'start'])
    """
    try:
        import simpy
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("waiting times need SimPy; install it with "
                          "`pip install spinemets[queue]`") from exc
    gen, _ = resolve_rng(rng)
    servers = check_count(servers, "servers", minimum=1)
    weeks = check_count(weeks, "weeks", minimum=1)
    warm = check_count(warmup_weeks, "warmup_weeks", minimum=0)
    transfer = check_real(transfer_hours, "transfer_hours", low=0)
    reporting = check_real(reporting_hours, "reporting_hours", low=0)
    if service not in ("deterministic", "exponential"):
        raise ValueError(f"service must be 'deterministic' or 'exponential', got {service!r}")
    prof = check_profile(profile)
    intervals = [(float(a), float(b)) for a, b in open_intervals]
    total_weeks = weeks + warm
    jobs: list[tuple[float, int, str, float]] = []
    for rank, (stream, rate) in enumerate(rates_per_week.items()):
        r = check_real(rate, f"rates_per_week[{stream!r}]", low=0)
        mins = check_real(minutes[stream], f"minutes[{stream!r}]", low=0, low_open=True)
        times = _arrivals(r, prof, total_weeks, gen)
        dur = (np.full(len(times), mins / 60.0) if service == "deterministic"
               else gen.exponential(mins / 60.0, len(times)))
        jobs += [(float(t), rank, stream, float(d)) for t, d in zip(times, dur, strict=True)]
    jobs.sort()
    env = simpy.Environment()
    scanners = simpy.PriorityResource(env, capacity=servers)
    records: list[tuple[str, float, float, float]] = []

    def patient(t0: float, rank: int, stream: str, dur: float) -> Any:
        yield env.timeout(t0 + transfer - env.now)
        while True:
            with scanners.request(priority=(rank, t0)) as req:
                yield req
                opening = _next_open(env.now, intervals)
                if opening <= env.now + 1e-12:
                    start = env.now
                    yield env.timeout(dur)
                    records.append((stream, t0, start, env.now))
                    return
            yield env.timeout(opening - env.now)  # closed: give the scanner back, wait

    for t0, rank, stream, dur in jobs:
        env.process(patient(t0, rank, stream, dur))
    env.run()
    out = pd.DataFrame(records, columns=["stream", "arrival", "start", "end"])
    out = out[out["arrival"] >= warm * HOURS_PER_WEEK].sort_values("arrival")
    out["wait_hours"] = out["start"] - out["arrival"]
    out["hours_to_report"] = out["end"] + reporting - out["arrival"]
    return out.reset_index(drop=True)


def summarise_waits(records: pd.DataFrame, targets: Mapping[str, float],
                    streams: Sequence[str], hours: float = float("nan")) -> pd.DataFrame:
    """Per stream: referrals, share reported within target, mean and 95th-percentile waits.

    ``backlog_mean`` is the mean number of referrals waiting for a scan (total waiting
    time over the ``hours`` measured, Little's law).

    Examples
    --------
    >>> import pandas as pd
    >>> from spinemets._planning._queue import summarise_waits
    >>> r = pd.DataFrame({"stream": ["emergency"] * 4, "wait_hours": [0, 1, 2, 30.0],
    ...                   "hours_to_report": [1, 2, 3, 31.0], "start": [0.0] * 4,
    ...                   "arrival": [0.0] * 4})
    >>> summarise_waits(r, {"emergency": 24}, ["emergency"])["wait_share_within_target"].item()
    0.75
    """
    rows = []
    for s in streams:
        r = records[records["stream"] == s]
        n = len(r)
        target = targets.get(s, float("nan"))
        rows.append({
            "stream": s,
            "referrals_simulated": n,
            "target_hours": target,
            "wait_share_within_target": (float((r["hours_to_report"] <= target).mean())
                                         if n and np.isfinite(target) else float("nan")),
            "wait_mean_hours": float(r["wait_hours"].mean()) if n else float("nan"),
            "wait_p95_hours": (float(np.quantile(r["wait_hours"], 0.95)) if n
                               else float("nan")),
            "wait_max_hours": float(r["wait_hours"].max()) if n else float("nan"),
            "backlog_mean": float(r["wait_hours"].sum() / hours) if n else 0.0,
        })
    return pd.DataFrame(rows)
