"""The three planning streams count every patient once (issue 13 item 3).

A treated patient with spinal metastases enters through exactly one positive MRI: MSCC or
metastases without compression on a suspected-MSCC (emergency) scan, or metastases on an
urgent scan; all of them enter follow-up. The tests check the plan's routes against a
patient-level simulation written here and the published figures the defaults come from.
"""

from __future__ import annotations

import numpy as np
import pytest

import spinemets as sm
from spinemets._planning import plan_imaging

POP = 1_000_000
K = 256 / 809  # the Christie network: impending (256) per MSCC (809) found on referral MRI


@pytest.fixture(scope="module")
def plan():
    return plan_imaging(POP, rng=1, n_sims=1000)


def test_no_patient_enters_two_streams(plan):
    """Simulate patients route by route: each treated patient gets one positive entry scan.

    Draw 200,000 treated patients; each is MSCC with probability M / S, else found on an
    emergency scan with probability K M / S, else an urgent referral (the plan's figures).
    Counting each patient's positive entry scans over the streams gives exactly one, and
    the share entering each stream matches the plan's routes (binomial error bound).
    A model that also counted the emergency finds as urgent referrals would give the
    routes' patients a sum above the treated patients entering follow-up.
    """
    flow = plan.patient_flow().set_index("route")
    p = flow["patients_per_year"]
    treated = p["treated spinal metastases entering follow-up"]
    entry = p.drop("treated spinal metastases entering follow-up")
    assert entry.sum() == pytest.approx(treated, rel=1e-12)
    # the treated total is the catchment's spinal-metastasis rate, not more
    assert treated == pytest.approx(POP * 26.0e-5, rel=1e-12)

    rng = np.random.default_rng(7)
    n = 200_000
    route = rng.choice(len(entry), size=n, p=(entry / treated).to_numpy())
    streams = flow.loc[entry.index, "stream"].to_numpy()[route]
    positives = np.zeros((n, 2), dtype=int)  # columns: emergency, urgent
    positives[streams == "emergency", 0] += 1
    positives[streams == "urgent", 1] += 1
    assert (positives.sum(axis=1) == 1).all()
    for j, stream in enumerate(("emergency", "urgent")):
        share = float((flow.loc[entry.index, "stream"] == stream).to_numpy()
                      @ (entry / treated).to_numpy())
        se = np.sqrt(share * (1 - share) / n)
        assert abs(positives[:, j].mean() - share) < 5 * se


def test_urgent_stream_excludes_emergency_finds(plan):
    """Urgent patients = treated metastases - MSCC - metastases found with MSCC (Norway
    SMD-01 26.0 and MSCC-20 8.1 per 100,000; PLAN-04 256/809)."""
    f = plan.to_frame().set_index("stream")
    assert f.loc["urgent", "cases_per_year"] == pytest.approx(POP * (26.0e-5 - (1 + K) * 8.1e-5))
    assert f.loc["follow_up", "cases_per_year"] == pytest.approx(POP * 26.0e-5)
    # setting K to 0 puts the emergency finds back into the urgent stream, and only there
    zero = plan_imaging(POP, mets_without_mscc_per_mscc=0, rng=1, n_sims=1000)
    fz = zero.to_frame().set_index("stream")
    assert fz.loc["urgent", "cases_per_year"] - f.loc["urgent", "cases_per_year"] == \
        pytest.approx(K * POP * 8.1e-5)
    assert fz.loc["follow_up", "cases_per_year"] == pytest.approx(POP * 26.0e-5)


def test_default_plan_within_local_audits(plan):
    """Emergency referrals for 1 M people inside the UK local audits' 200-300 a year per
    million (issue 13; Kent 134-220 MSCC a year in 1.6 M people), MSCC cases near NICE CG75's
    'up to 80 per million' (MSCC-12)."""
    flow = plan.patient_flow().set_index("route")
    referrals = flow.loc["MSCC on a suspected-MSCC MRI", "referrals_per_year"]
    assert 200 <= referrals <= 300
    assert flow.loc["MSCC on a suspected-MSCC MRI", "patients_per_year"] == pytest.approx(81)
    # positives on both entry streams (260 per million) are above NG234's "more than 4,000
    # a year" in England and Wales (~70 per million): that figure is a lower bound (SRC-06b)
    assert sm.evidence().set_index("id").loc["SRC-06b", "kind"] == "lower_bound"

