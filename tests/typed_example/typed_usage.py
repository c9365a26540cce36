"""A small typed use of spinemets, checked by mypy in tests/test_typing.py.

Every name used here is public; mypy must accept this file with ``--strict`` and must see
real types (not ``Any``) through ``import spinemets``.
"""

from __future__ import annotations

import pandas as pd

import spinemets as sm


def autopsy_share() -> tuple[float, float, float]:
    """Mean and 95% interval of the pooled autopsy share of spinal metastases."""
    p = sm.parameter("spinal_mets_autopsy")  # Proportion | Rate: narrow it
    assert isinstance(p, sm.Proportion)
    low, high = p.interval(0.95)
    return p.mean, low, high


def zero_of_thirty() -> sm.Proportion:
    """0 events in 30 patients, Jeffreys prior."""
    return sm.beta_from_counts(0, 30)


def mscc_rate() -> sm.Rate:
    """8.1 new MSCC per 100,000 person-years with a 25% coefficient of variation."""
    return sm.gamma_from_mean(8.1e-5, cv=0.25, label="MSCC")


def cohort_counts() -> pd.DataFrame:
    """Expected breast-cancer patients with bone metastases in a cohort of 1,000."""
    cohort = pd.DataFrame({"primary_site": ["breast"], "n": [1000]})
    return sm.estimate(cohort, "bone_mets_at_diagnosis", rng=1)


def pooled() -> sm.PooledProportion:
    """Three studies pooled with random effects."""
    return sm.pool_proportions([10, 30, 20], [100, 120, 90], method="REML")


def main() -> None:
    """Run every example once."""
    mean, low, high = autopsy_share()
    assert low < mean < high
    assert zero_of_thirty().mean < 0.05
    assert mscc_rate().mean > 0
    assert len(cohort_counts()) == 1
    assert 0 < pooled().estimate < 1


if __name__ == "__main__":
    main()
