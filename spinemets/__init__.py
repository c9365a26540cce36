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


from ._audit import reproduce
from ._catalogue import DATA_VERSION, claims, evidence
from ._dask import sweep
from ._display import show
from ._encodings import (
    beta_from_counts,
    beta_from_range,
    beta_from_value,
    gamma_from_counts,
    gamma_from_interval,
    gamma_from_mean,
    gamma_from_rate,
)
from ._estimate import estimate, estimate_total
from ._parameters import ParameterSet, build_parameters, parameter, parameters
from ._planning import ImagingPlan, OpeningHours, plan_imaging
from ._pooling import PooledEstimate, pool
from ._results import PROVENANCE_COLUMNS, provenance
from ._sensitivity import sensitivity
from ._synthesis import (
    PooledProportion,
    TruePrevalence,
    pool_proportions,
    proportion_ci,
    true_prevalence,
)
from ._values import Proportion, Rate
from ._version import __version__
from .errors import (
    CatalogueError,
    EncodingError,
    ImplausibleAccuracyWarning,
    ImplausibleInputWarning,
    PlanningWarning,
    PredictionIntervalWarning,
    PrevalenceClippedWarning,
    SpinemetsError,
    SpinemetsWarning,
    UndefinedHorizonWarning,
)

__all__ = [
    "DATA_VERSION",
    "PROVENANCE_COLUMNS",
    "CatalogueError",
    "EncodingError",
    "ImagingPlan",
    "ImplausibleAccuracyWarning",
    "ImplausibleInputWarning",
    "OpeningHours",
    "ParameterSet",
    "PlanningWarning",
    "PooledEstimate",
    "PooledProportion",
    "PredictionIntervalWarning",
    "PrevalenceClippedWarning",
    "Proportion",
    "Rate",
    "SpinemetsError",
    "SpinemetsWarning",
    "TruePrevalence",
    "UndefinedHorizonWarning",
    "__version__",
    "beta_from_counts",
    "beta_from_range",
    "beta_from_value",
    "build_parameters",
    "claims",
    "estimate",
    "estimate_total",
    "evidence",
    "gamma_from_counts",
    "gamma_from_interval",
    "gamma_from_mean",
    "gamma_from_rate",
    "parameter",
    "parameters",
    "plan_imaging",
    "pool",
    "pool_proportions",
    "proportion_ci",
    "provenance",
    "reproduce",
    "sensitivity",
    "show",
    "sweep",
    "true_prevalence",
]
