"""MRI capacity planning for suspected spinal metastases and MSCC.

:func:`plan_imaging` turns a catchment (a population with published rates, or the
planner's own yearly case numbers) into weekly MRI demand for three streams

* ``emergency`` — suspected metastatic spinal cord compression (MSCC) with
  neurological signs: whole-spine MRI within 24 h (NICE QS56 statement 3, NG234);
* ``urgent`` — suspected spinal metastases without neurology: MRI within 1 week
  (CG75 audits; NG234);
* ``follow_up`` — planned MRI after treatment of spinal metastases;

and their ``total``, each as a predictive distribution (parameter uncertainty plus
chance), and from that the slots a week needed at a service level, the chance a given
capacity is exceeded, scanner-hours and — for the emergency stream — the share of
scans that the opening hours allow within the 24-h target.

The model (every number below has a source in :data:`DEFAULTS`)
----------------------------------------------------------------
* Every patient is counted once. ``S`` = spinal metastases needing local treatment a year
  (radiotherapy, surgery or vertebroplasty; Norway, SMD-01), of which ``M`` present as MSCC
  (the same cohort, MSCC-20). A suspected-MSCC (emergency) MRI finds the ``M`` MSCC cases
  and ``k M`` spinal metastases without cord compression (``k`` = 256/809, the Christie
  network, PLAN-04); the remaining ``U = S - (1 + k) M`` enter through an urgent MRI.
  ``M`` and ``U`` are Gamma-distributed (the planner's uncertainty about the true rate),
  independent, and drawn **once per plan**: every week of a plan shares them, so the
  weekly predictive distribution is the mixture over that uncertainty (Poisson–Gamma,
  i.e. negative binomial), not a Poisson. ``U`` is moment-matched:
  ``E[U] = E[S] - (1 + k) E[M]``, ``Var U = Var S - (1 + k)^2 Var M``.
  :meth:`ImagingPlan.patient_flow` lists the routes.
* Emergency scans a week ~ Poisson(c · T · M / y_E) with ``y_E`` the yield (share of
  suspected-MSCC scans that show MSCC, Beta) and ``c`` scans per referral;
  ``T = 7 / 365.25`` years. Urgent scans likewise with ``U`` and ``y_U`` (no published
  yield: by default the emergency one, the same unknown drawn once). Follow-up scans
  ~ Poisson(f · T · ((1 + k) M + U)) with ``f`` follow-up scans per treated patient.
* Per stream the predictive distribution is computed exactly: negative binomial when
  the yield is fixed, a negative-binomial mixture over the yield (Gauss–Jacobi
  quadrature) otherwise, and a convolution of two negative binomials for follow-up.
  The total, whose streams share ``M`` and ``U``, is simulated: ``n_sims`` parameter
  draws, each followed for 52 weeks, seeded only through ``rng``; its Monte Carlo
  standard error is reported.
* Timeliness: arrivals uniform over the week, scanned at the next open moment
  (capacity assumed not binding within a session) — so the share within 24 h depends
  on the opening hours only (planning-notes §3.2 item 7).
"""

from ..errors import ImplausibleInputWarning, PlanningWarning
from ._api import plan_imaging
from ._hours import OpeningHours
from ._plan import ImagingPlan, PlanSummary
from ._profile import PRESETS as ARRIVAL_PRESETS
from ._profile import load_arrival_profile
from ._registry import ARGUMENTS, DEFAULT_BY_NAME, DEFAULTS, STREAMS, PlanningDefault

__all__ = [
    "ARGUMENTS",
    "ARRIVAL_PRESETS",
    "DEFAULTS",
    "DEFAULT_BY_NAME",
    "STREAMS",
    "ImagingPlan",
    "ImplausibleInputWarning",
    "OpeningHours",
    "PlanSummary",
    "PlanningDefault",
    "PlanningWarning",
    "load_arrival_profile",
    "plan_imaging",
]
