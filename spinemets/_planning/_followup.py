"""Follow-up MRI after treatment of spinal metastases, from a stated treatment mix.

Every treated patient (radiotherapy or surgery first) is followed with spine MRI at a
fixed interval while alive, if their service images that treatment routinely. With
exponential survival of median ``m`` months, scans at ``interval, 2 interval, ...``
and ``q = 2 ** (-interval / m)`` (the chance of being alive at the next scan), the
expected scans per patient are ``sum_{j >= 1} q ** j = q / (1 - q)`` (or the first
``n`` terms, ``q (1 - q ** n) / (1 - q)``, when follow-up stops after ``n`` scans).
A mix of treatments adds the arms weighted by their shares.

The inputs and where they come from:

* treatment shares: surgery 58 of 903, radiotherapy the rest (South-Eastern Norway
  2007-2008, the region and period of the planning rates; Zaikova 2011,
  doi 10.3109/17453674.2011.566142, catalogue ZAI-01,
  ``sm.parameter("plan_primary_surgery_share")``);
* survival per arm: deaths within 2 months of the start of treatment, 244 of 845
  irradiated and 11 of 58 operated (the same study, ZAI-02 and ZAI-03), read as
  exponential survival (a stated assumption: it ignores the long tail of survivors);
* interval: 3.4 months, the median interval between follow-up spine MRI after SBRT
  (446 patients, 2008-2021; planning-notes §2.5);
* the share of treated patients who get routine follow-up MRI at all: **no published
  figure was found** — the default 1 (everyone) is an assumption and an upper bound;
  give your service's own share.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from .._parameters import parameter
from .._validation import check_fraction, check_real

__all__ = [
    "FollowupArm",
    "FollowupMix",
    "default_followup_mix",
    "median_from_mortality",
    "scans_while_alive",
]

#: months over which the 2-month mortality of the Norwegian cohort was counted (ZAI-02/03)
MORTALITY_MONTHS = 2.0


def scans_while_alive(interval_months: float, median_survival_months: float,
                      max_scans: int | None = None) -> float:
    """Expected follow-up scans of one patient: scans at each interval while alive.

    Survival is exponential with the given median; scan ``j`` (at ``j * interval``,
    ``j >= 1``) happens if the patient is alive then, with probability
    ``q ** j``, ``q = 2 ** (-interval / median)``. The sum is ``q / (1 - q)``, or
    ``q (1 - q ** max_scans) / (1 - q)`` with a cap.

    Examples
    --------
    >>> from spinemets._planning._followup import scans_while_alive
    >>> scans_while_alive(3.0, 3.0)          # q = 1/2: 1/2 + 1/4 + ... = 1
    1.0
    >>> scans_while_alive(3.0, 3.0, max_scans=2)
    0.75
    """
    interval = check_real(interval_months, "interval_months", low=0, low_open=True)
    median = check_real(median_survival_months, "median_survival_months", low=0,
                        low_open=True)
    q = 2.0 ** (-interval / median)
    if q >= 1.0:  # an interval negligible against survival: unbounded follow-up
        raise ValueError(
            f"interval_months={interval!r} is too short against median_survival_months="
            f"{median!r}: the expected scans are unbounded"
        )
    if max_scans is None:
        return q / (1.0 - q)
    n = int(check_real(max_scans, "max_scans", low=0))
    return q * (1.0 - q**n) / (1.0 - q)


def median_from_mortality(deaths_share: float, months: float = MORTALITY_MONTHS) -> float:
    """Median survival (months) of the exponential law with ``deaths_share`` dead by ``months``.

    ``S(months) = 1 - deaths_share = 2 ** (-months / median)``, so
    ``median = months * ln 2 / -ln(1 - deaths_share)``.

    Examples
    --------
    >>> from spinemets._planning._followup import median_from_mortality
    >>> median_from_mortality(0.5, 2.0)     # half dead at 2 months: median 2 months
    2.0
    >>> round(median_from_mortality(244 / 845), 2)   # irradiated, Norway (ZAI-02)
    4.07
    """
    p = check_fraction(deaths_share, "deaths_share")
    m = check_real(months, "months", low=0, low_open=True)
    if p <= 0.0 or p >= 1.0:
        raise ValueError(f"deaths_share must be strictly between 0 and 1 to give a median, "
                         f"got {p!r}")
    return m * math.log(2.0) / -math.log1p(-p)


@dataclass(frozen=True)
class FollowupArm:
    """One treatment's patients: their share, whether they are imaged, interval, survival.

    Attributes
    ----------
    treatment : str
        The first treatment (``"radiotherapy"``, ``"surgery"``).
    share : float
        Share of the treated patients who had it (the arms' shares add to 1).
    imaged : float
        Share of them followed with routine spine MRI.
    interval_months : float
        Months between follow-up MRI.
    median_survival_months : float
        Median survival from the start of treatment (exponential survival).
    source : str
        Where the share and survival come from (catalogue ids), or ``"assumption"``.
    """

    treatment: str
    share: float
    imaged: float
    interval_months: float
    median_survival_months: float
    source: str = ""

    def __post_init__(self) -> None:
        check_fraction(self.share, f"{self.treatment} share")
        check_fraction(self.imaged, f"{self.treatment} imaged share")
        check_real(self.interval_months, f"{self.treatment} interval_months", low=0,
                   low_open=True)
        check_real(self.median_survival_months, f"{self.treatment} median_survival_months",
                   low=0, low_open=True)

    def scans_if_imaged(self) -> float:
        """Expected follow-up MRI of one imaged patient of this arm."""
        return scans_while_alive(self.interval_months, self.median_survival_months)

    def scans_per_patient(self) -> float:
        """Expected follow-up MRI of one treated patient of this arm (imaged or not)."""
        return self.imaged * self.scans_if_imaged()


@dataclass(frozen=True)
class FollowupMix:
    """The treated patients as a mix of treatments; follow-up MRI per patient from it.

    Examples
    --------
    >>> from spinemets._planning._followup import FollowupArm, FollowupMix
    >>> mix = FollowupMix((FollowupArm("radiotherapy", 0.5, 1.0, 3.0, 3.0),
    ...                    FollowupArm("surgery", 0.5, 0.0, 3.0, 6.0)))
    >>> mix.scans_per_patient()          # half imaged, 1 scan each
    0.5
    """

    arms: tuple[FollowupArm, ...]

    def __post_init__(self) -> None:
        if not self.arms:
            raise ValueError("a follow-up mix needs at least one treatment arm, got none")
        total = sum(a.share for a in self.arms)
        if abs(total - 1.0) > 1e-9:
            arms = ", ".join(f"{a.treatment} {a.share:g}" for a in self.arms)
            raise ValueError(f"the treatment shares of a follow-up mix must add to 1, got "
                             f"{total!r} ({arms})")

    def scans_per_patient(self) -> float:
        """Expected follow-up MRI per treated patient: the arms weighted by their shares."""
        return sum(a.share * a.scans_per_patient() for a in self.arms)

    def to_frame(self) -> pd.DataFrame:
        """One row per arm: ``treatment``, ``share``, ``imaged``, ``interval_months``,
        ``median_survival_months``, ``scans_if_imaged``, ``scans_per_patient``, ``source``.

        Examples
        --------
        >>> from spinemets._planning._followup import default_followup_mix
        >>> default_followup_mix().to_frame()["treatment"].tolist()
        ['radiotherapy', 'surgery']
        """
        return pd.DataFrame([{
            "treatment": a.treatment, "share": a.share, "imaged": a.imaged,
            "interval_months": a.interval_months,
            "median_survival_months": a.median_survival_months,
            "scans_if_imaged": a.scans_if_imaged(), "scans_per_patient": a.scans_per_patient(),
            "source": a.source,
        } for a in self.arms])

    def describe(self) -> str:
        """The mix in one line of words (for notes and assumptions).

        Examples
        --------
        >>> from spinemets._planning._followup import FollowupArm, FollowupMix
        >>> FollowupMix((FollowupArm("radiotherapy", 1.0, 1.0, 3.0, 3.0),)).describe()
        'radiotherapy 100%, 100% imaged every 3 months, median survival 3 months'
        """
        return "; ".join(
            f"{a.treatment} {100 * a.share:.3g}%, {100 * a.imaged:.3g}% imaged every "
            f"{a.interval_months:g} months, median survival {a.median_survival_months:.3g} months"
            for a in self.arms)


def default_followup_mix(interval_months: float = 3.4, imaged_share: float = 1.0,
                         median_survival_months: float | None = None) -> FollowupMix:
    """The follow-up mix read from the catalogue (South-Eastern Norway 2007-2008).

    Shares: ``sm.parameter("plan_primary_surgery_share")`` (58 of 903) and the rest
    radiotherapy; survival per arm: exponential with the 2-month mortality of
    ``plan_death_2m_radiotherapy`` (244 of 845) and ``plan_death_2m_surgery``
    (11 of 58), unless ``median_survival_months`` sets one median for both; every arm
    imaged with share ``imaged_share`` (default 1: no published share was found) every
    ``interval_months`` (default 3.4, post-SBRT follow-up study).

    Examples
    --------
    >>> from spinemets._planning._followup import default_followup_mix
    >>> round(default_followup_mix().scans_per_patient(), 3)
    1.335
    >>> round(default_followup_mix(median_survival_months=2.9).scans_per_patient(), 3)
    0.798
    """
    surgery = float(parameter("plan_primary_surgery_share").mean)
    arms = []
    for name, share, death_id, ids in (
            ("radiotherapy", 1.0 - surgery, "plan_death_2m_radiotherapy", "ZAI-01;ZAI-02"),
            ("surgery", surgery, "plan_death_2m_surgery", "ZAI-01;ZAI-03")):
        if median_survival_months is None:
            median = median_from_mortality(float(parameter(death_id).mean))
            src = f"share and survival: Zaikova 2011, PMID 21434789 (catalogue {ids})"
        else:
            median = float(median_survival_months)
            src = f"share: Zaikova 2011, PMID 21434789 (catalogue {ids.split(';')[0]})"
        arms.append(FollowupArm(name, share, imaged_share, interval_months, median, src))
    return FollowupMix(tuple(arms))
