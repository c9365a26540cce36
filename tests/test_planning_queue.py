"""The SimPy queue of ``waiting_times`` against closed forms on simple cases (issue 13 item 4).

With the service open 24/7, one stream and Poisson arrivals, the simulated mean wait in the
queue must match M/D/1 (Pollaczek–Khinchine), M/M/1 and M/M/c (Erlang C) formulas written out
here. Tolerances come from the Monte Carlo error of the simulated mean, estimated by batch
means over weeks (waits within a week are correlated; weeks far apart are nearly independent).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("simpy")

from spinemets._planning import OpeningHours
from spinemets._planning._queue import HOURS_PER_WEEK, simulate_queue


def _erlang_c_wait(lam: float, service_hours: float, servers: int) -> float:
    """Mean wait in queue of M/M/c: Erlang C probability of waiting / (c mu - lambda)."""
    mu = 1.0 / service_hours
    a = lam / mu
    top = a**servers / math.factorial(servers) * servers / (servers - a)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(servers)) + top)
    return p_wait / (servers * mu - lam)


def _pk_wait(lam: float, service_hours: float) -> float:
    """Mean wait in queue of M/D/1 (Pollaczek–Khinchine): lambda s^2 / (2 (1 - rho))."""
    rho = lam * service_hours
    return lam * service_hours**2 / (2.0 * (1.0 - rho))


def _simulated_mean_wait(per_hour: float, minutes: float, servers: int, service: str,
                         seed: int, weeks: int = 120) -> tuple[float, float]:
    d = simulate_queue({"emergency": per_hour * HOURS_PER_WEEK}, {"emergency": minutes},
                       servers=servers, weeks=weeks, service=service, rng=seed)
    week = (d["arrival"] // HOURS_PER_WEEK).to_numpy()
    batches = np.array_split(np.unique(week), 30)  # 30 batches of 4 weeks
    means = np.array([d["wait_hours"].to_numpy()[np.isin(week, b)].mean() for b in batches])
    return float(d["wait_hours"].mean()), float(means.std(ddof=1) / math.sqrt(len(means)))


@pytest.mark.parametrize(("per_hour", "minutes", "servers", "service", "reference"), [
    (1.0, 30.0, 1, "deterministic", _pk_wait(1.0, 0.5)),            # M/D/1, rho 0.5
    (1.0, 30.0, 1, "exponential", _erlang_c_wait(1.0, 0.5, 1)),     # M/M/1, rho 0.5
    (3.0, 30.0, 2, "exponential", _erlang_c_wait(3.0, 0.5, 2)),     # M/M/2, rho 0.75
])
def test_queue_mean_wait_matches_closed_form(per_hour, minutes, servers, service, reference):
    mean, se = _simulated_mean_wait(per_hour, minutes, servers, service, seed=5)
    assert abs(mean - reference) < 5 * se, (mean, reference, se)


def test_mm1_closed_form_value():
    """The reference itself: M/M/1 with rho = 0.5 waits rho / (mu - lambda) = 0.5 h."""
    assert _erlang_c_wait(1.0, 0.5, 1) == pytest.approx(0.5)
    assert _pk_wait(1.0, 0.5) == pytest.approx(0.25)


def test_weekday_service_wait_matches_calendar_when_capacity_is_ample():
    """A weekday 08-18 service with far more capacity than demand: the wait is the time to
    the next opening, whose mean is sum(G^2 / 2) / 168 over the closed gaps G."""
    oh = OpeningHours.parse("Mon-Fri 08:00-18:00")
    d = simulate_queue({"emergency": 20.0}, {"emergency": 1.0}, open_intervals=oh.intervals,
                       servers=4, weeks=150, rng=3)
    n = len(d)
    se = float(d["wait_hours"].std(ddof=1)) / math.sqrt(n)
    assert abs(d["wait_hours"].mean() - oh.mean_wait()) < 5 * se + 0.02
    late = float((d["wait_hours"] > 24).mean())
    assert abs(late - oh.prob_wait_over(24)) < 5 * math.sqrt(late * (1 - late) / n)


def test_slot_is_scan_plus_changeover_and_delays_count_towards_target():
    """A slot is acquisition + changeover; transfer and reporting eat into the 24 h: with a
    Mon-Fri 08-18 service the share late is sum(max(G - (24 - transfer - reporting), 0)) / 168
    over the closed gaps G (14 h overnight four times, 62 h over the weekend)."""
    from spinemets._planning import plan_imaging

    plan = plan_imaging(1_000_000, changeover_minutes=10, transfer_hours=2, reporting_hours=4,
                        rng=1, n_sims=1000)
    f = plan.to_frame().set_index("stream")
    assert f.loc["emergency", "minutes_per_scan"] == 40.0
    assert f.loc["emergency", "scanner_hours_per_week"] == pytest.approx(
        f.loc["emergency", "slots_per_week"] * 40 / 60)
    spare = 24 - 2 - 4
    late = (62 - spare) / 168  # only the weekend gap is longer than 18 h
    assert plan.share_within_target("emergency") == pytest.approx(1 - late, rel=1e-12)
    oh = OpeningHours.parse("Mon-Fri 08:00-18:00")
    assert f.loc["emergency", "wait_mean_hours"] == pytest.approx(2 + oh.mean_wait())
    assert f.loc["emergency", "wait_p95_hours"] == pytest.approx(2 + 62 - 0.05 * 168)


def test_summary_says_a_weekday_service_cannot_meet_ng234():
    from spinemets._planning import plan_imaging

    weekday = plan_imaging(1_000_000, rng=1, n_sims=1000).summary().text
    seven = plan_imaging(1_000_000, opening_hours="daily 08-18", rng=1, n_sims=1000)
    assert "cannot meet NICE NG234" in weekday
    assert "cannot meet NICE NG234" not in seven.summary().text
    assert seven.share_within_target("emergency") == 1.0


def test_arrival_profile_weights_the_calendar_wait():
    """A uniform profile gives the closed form; referrals on Friday 19:00-20:00 all wait past
    24 h (until Monday 08:00); a Friday-afternoon peak is checked against the SimPy queue with
    ample capacity (the wait is then the time to the next opening)."""
    from spinemets._planning import plan_imaging

    oh = OpeningHours.parse("Mon-Fri 08:00-18:00")
    uniform = np.ones((7, 24))
    assert oh.prob_wait_over(24, uniform) == pytest.approx(38 / 168, abs=1e-4)
    assert oh.mean_wait(uniform) == pytest.approx(oh.mean_wait(), abs=1e-4)
    friday = np.zeros((7, 24))
    friday[4, 19] = 1.0
    plan = plan_imaging(1_000_000, arrival_profile=friday, rng=1, n_sims=1000)
    assert plan.share_within_target("emergency") == 0.0
    peak = np.ones((7, 24))
    peak[4, 14:20] = 6.0
    d = simulate_queue({"emergency": 20.0}, {"emergency": 1.0}, open_intervals=oh.intervals,
                       servers=4, weeks=150, profile=peak, rng=4)
    late = float((d["wait_hours"] > 24).mean())
    assert abs(late - oh.prob_wait_over(24, peak)) < 5 * math.sqrt(late * (1 - late) / len(d))
