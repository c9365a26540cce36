"""spinemets: published evidence on metastatic spinal tumours as traceable uncertainty.

The catalogue (:func:`evidence`, :func:`claims`), named parameters (:func:`parameters`,
:func:`parameter`), encodings (``beta_from_*``, :func:`gamma_from_rate`), evidence
synthesis (:func:`proportion_ci`, :func:`pool_proportions`, :func:`true_prevalence`),
cohort estimates (:func:`estimate`, :func:`estimate_total`, :func:`sensitivity`), the audit
of cited figures (:func:`reproduce`) and MRI capacity plans (:func:`plan_imaging`).

>>> import spinemets as sm
>>> sm.parameter("spinal_mets_autopsy").sources
('SEED-03', 'SEED-06')
"""

__version__ = "0.1.0"

from .claims import reproduce
from .distributions import Proportion, Rate
from .encode import beta_from_counts, beta_from_range, beta_from_value, gamma_from_rate
from .errors import CatalogueError, EncodingError, SpinemetsError, SpinemetsWarning
from .estimate import estimate, estimate_total
from .evidence import DATA_VERSION, claims, evidence
from .parameters import parameter, parameters
from .planning import ImagingPlan, OpeningHours, plan_imaging
from .sensitivity import sensitivity
from .synthesis import (
    PooledProportion,
    TruePrevalence,
    pool_proportions,
    proportion_ci,
    true_prevalence,
)

__all__ = [
    "DATA_VERSION",
    "CatalogueError",
    "EncodingError",
    "ImagingPlan",
    "OpeningHours",
    "PooledProportion",
    "Proportion",
    "Rate",
    "SpinemetsError",
    "SpinemetsWarning",
    "TruePrevalence",
    "__version__",
    "beta_from_counts",
    "beta_from_range",
    "beta_from_value",
    "claims",
    "estimate",
    "estimate_total",
    "evidence",
    "gamma_from_rate",
    "parameter",
    "parameters",
    "plan_imaging",
    "pool_proportions",
    "proportion_ci",
    "reproduce",
    "sensitivity",
    "true_prevalence",
]
