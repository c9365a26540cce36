"""Exceptions and warnings raised by spinemets.

Bad arguments raise the built-in :class:`ValueError` or :class:`TypeError`;
failures that belong to the domain (a range no Beta distribution can meet, a
catalogue file that does not validate) raise a :class:`SpinemetsError`
subclass whose message says what to change.
"""

from __future__ import annotations

__all__ = [
    "CatalogueError",
    "EncodingError",
    "ImplausibleAccuracyWarning",
    "ImplausibleInputWarning",
    "PlanningWarning",
    "PredictionIntervalWarning",
    "PrevalenceClippedWarning",
    "SpinemetsError",
    "SpinemetsWarning",
    "UndefinedHorizonWarning",
]


class SpinemetsError(Exception):
    """Base class of the library's own failures."""


class EncodingError(SpinemetsError, ValueError):
    """A published figure cannot be turned into the requested distribution."""


class CatalogueError(SpinemetsError, ValueError):
    """A catalogue file (evidence, claims, parameters) fails validation.

    The message names the file, the row id and the field.
    """


class SpinemetsWarning(UserWarning):
    """Base class of the library's warnings: shaky but usable input or results."""


class PredictionIntervalWarning(SpinemetsWarning):
    """The prediction interval rests on a fallback rule (e.g. only two studies were pooled)."""


class PrevalenceClippedWarning(SpinemetsWarning):
    """Rogan–Gladen estimates fell outside [0, 1] and were clipped.

    This happens when the apparent prevalence lies outside ``[1 - specificity, sensitivity]``:
    the test characteristics and the apparent prevalence are not consistent with each other.
    """


class ImplausibleAccuracyWarning(SpinemetsWarning):
    """Some Monte Carlo draws had sensitivity + specificity <= 1 and were dropped."""



class UndefinedHorizonWarning(SpinemetsWarning):
    """A cumulative parameter whose time horizon is undefined was used in an estimate.

    ``spinal_mets_lifetime`` is the cited "10-40% of cancer patients" turned into a
    parameter: no source says over how many years. Use a measured parameter with a stated
    horizon instead (``spinal_mets_clinical`` with ``primary_site`` and ``horizon_years``).
    """


class PlanningWarning(SpinemetsWarning):
    """A planning input or result that is usable but deserves a second look."""


class ImplausibleInputWarning(PlanningWarning):
    """Planning inputs that contradict each other or the published figures.

    Examples: more MSCC cases than spinal metastases (MSCC is a subset), or a
    catchment whose implied spinal-metastasis cases exceed its cancer incidence.
    """
