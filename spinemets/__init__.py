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

import importlib
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:  # what type checkers and readers see; at run time see __getattr__ below
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

# Every public name and the private module that defines it. ``import spinemets`` loads none
# of them (and so not numpy, pandas or scipy): the command line's ``--help`` and
# ``--version`` answer at once. A name's module is imported the first time the name is used.
# tests/test_cli_startup.py checks this table against the imports above and ``__all__``.
_EXPORTS: dict[str, tuple[str, ...]] = {
    "_audit": ("reproduce",),
    "_catalogue": ("DATA_VERSION", "claims", "evidence"),
    "_dask": ("sweep",),
    "_display": ("show",),
    "_encodings": ("beta_from_counts", "beta_from_range", "beta_from_value",
                   "gamma_from_counts", "gamma_from_interval", "gamma_from_mean",
                   "gamma_from_rate"),
    "_estimate": ("estimate", "estimate_total"),
    "_parameters": ("ParameterSet", "build_parameters", "parameter", "parameters"),
    "_planning": ("ImagingPlan", "OpeningHours", "plan_imaging"),
    "_pooling": ("PooledEstimate", "pool"),
    "_results": ("PROVENANCE_COLUMNS", "provenance"),
    "_sensitivity": ("sensitivity",),
    "_synthesis": ("PooledProportion", "TruePrevalence", "pool_proportions", "proportion_ci",
                   "true_prevalence"),
    "_values": ("Proportion", "Rate"),
}
_PUBLIC_SUBMODULES = ("cli", "counts", "errors", "plotting")
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}


def __getattr__(name: str) -> object:
    """The public ``name``, importing the module that defines it on first use."""
    if name in _WHERE:
        value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
        globals()[name] = value
        return value
    if name in _PUBLIC_SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """Every public name, loaded or not."""
    return sorted({*globals(), *__all__, *_PUBLIC_SUBMODULES})


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
