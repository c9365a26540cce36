"""Follow-up MRI per treated patient from a treatment mix (issue 13 item 3)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from spinemets._planning._followup import (
    FollowupArm,
    FollowupMix,
    default_followup_mix,
    median_from_mortality,
    scans_while_alive,
)


def _brute_force_scans(interval: float, median: float, n: int, rng: np.random.Generator,
                       max_scans: int | None = None) -> np.ndarray:
    """Scans per patient: one at each multiple of the interval reached alive."""
    death = rng.exponential(median / math.log(2.0), size=n)
    scans = np.floor(death / interval)
    return scans if max_scans is None else np.minimum(scans, max_scans)


@pytest.mark.parametrize(("interval", "median", "cap"), [
    (3.4, 2.9, None), (3.4, 4.06, None), (1.0, 12.0, None), (3.0, 6.0, 2), (6.0, 0.5, None),
])
def test_scans_while_alive_matches_simulation(interval, median, cap):
    rng = np.random.default_rng(20261206)
    x = _brute_force_scans(interval, median, 400_000, rng, cap)
    se = x.std(ddof=1) / math.sqrt(len(x))
    assert abs(x.mean() - scans_while_alive(interval, median, cap)) < 4 * se


def test_scans_while_alive_closed_form_values():
    # q = 1/2: the geometric series 1/2 + 1/4 + ... = 1; capped at 3 terms 7/8
    assert scans_while_alive(2.0, 2.0) == pytest.approx(1.0, rel=1e-15)
    assert scans_while_alive(2.0, 2.0, max_scans=3) == pytest.approx(0.875, rel=1e-15)
    assert scans_while_alive(2.0, 2.0, max_scans=0) == 0.0
    # an interval far beyond survival: almost no scans
    assert scans_while_alive(1000.0, 1.0) < 1e-300 or scans_while_alive(1000.0, 1.0) == 0.0


def test_median_from_mortality_is_the_exponential_median():
    for p in (1e-6, 0.19, 244 / 845, 0.5, 1 - 1e-9):
        m = median_from_mortality(p, 2.0)
        law = stats.expon(scale=m / math.log(2.0))
        assert law.cdf(2.0) == pytest.approx(p, rel=1e-9)
        assert law.median() == pytest.approx(m, rel=1e-12)


@pytest.mark.parametrize("p", [0.0, 1.0])
def test_median_from_mortality_refuses_no_or_all_deaths(p):
    with pytest.raises(ValueError, match="deaths_share"):
        median_from_mortality(p)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"interval_months": 0.0, "median_survival_months": 3.0}, "interval_months"),
    ({"interval_months": 3.0, "median_survival_months": -1.0}, "median_survival_months"),
    ({"interval_months": float("nan"), "median_survival_months": 3.0}, "interval_months"),
])
def test_scans_while_alive_bad_input_names_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        scans_while_alive(**kwargs)


def test_unbounded_follow_up_is_refused():
    with pytest.raises(ValueError, match="unbounded"):
        scans_while_alive(1e-300, 1e300)


def test_mix_matches_patient_simulation():
    """Brute force: draw each patient's treatment, whether imaged, and survival."""
    mix = FollowupMix((FollowupArm("radiotherapy", 0.7, 0.4, 3.4, 4.0),
                       FollowupArm("surgery", 0.3, 0.9, 2.0, 6.5)))
    rng = np.random.default_rng(7)
    n = 400_000
    surgery = rng.random(n) < 0.3
    imaged = rng.random(n) < np.where(surgery, 0.9, 0.4)
    death = rng.exponential(np.where(surgery, 6.5, 4.0) / math.log(2.0))
    scans = np.where(imaged, np.floor(death / np.where(surgery, 2.0, 3.4)), 0.0)
    se = scans.std(ddof=1) / math.sqrt(n)
    assert abs(scans.mean() - mix.scans_per_patient()) < 4 * se


def test_mix_shares_must_add_to_one():
    with pytest.raises(ValueError, match="add to 1"):
        FollowupMix((FollowupArm("radiotherapy", 0.7, 1.0, 3.4, 4.0),
                     FollowupArm("surgery", 0.2, 1.0, 3.4, 6.0)))
    with pytest.raises(ValueError, match="at least one"):
        FollowupMix(())


def test_arm_bad_share_names_it():
    with pytest.raises(ValueError, match="surgery imaged share"):
        FollowupArm("surgery", 0.5, 1.5, 3.4, 4.0)


def test_nobody_imaged_means_no_follow_up():
    mix = default_followup_mix(imaged_share=0.0)
    assert mix.scans_per_patient() == 0.0


def test_default_mix_reads_the_norwegian_cohort():
    """Shares and survival from the catalogue counts (Jeffreys means), recomputed here."""
    mix = default_followup_mix()
    f = mix.to_frame().set_index("treatment")
    # Jeffreys Beta(x + 1/2, n - x + 1/2) means of 58/903, 244/845 and 11/58 (ZAI-01..03)
    surgery = 58.5 / 904
    assert f.loc["surgery", "share"] == pytest.approx(surgery, rel=1e-12)
    assert f.loc["radiotherapy", "share"] == pytest.approx(1 - surgery, rel=1e-12)
    for arm, (x, n) in {"radiotherapy": (244, 845), "surgery": (11, 58)}.items():
        p = (x + 0.5) / (n + 1)
        assert f.loc[arm, "median_survival_months"] == pytest.approx(
            2 * math.log(2) / -math.log(1 - p), rel=1e-12)
    expected = sum(
        f.loc[a, "share"] * (q := 2 ** (-3.4 / f.loc[a, "median_survival_months"])) / (1 - q)
        for a in f.index)
    assert mix.scans_per_patient() == pytest.approx(expected, rel=1e-12)
    # one median for both arms reproduces the former single-survival figure
    q = 2 ** (-3.4 / 2.9)
    assert default_followup_mix(median_survival_months=2.9).scans_per_patient() == \
        pytest.approx(q / (1 - q), rel=1e-12)
