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
    "SpinemetsError",
    "SpinemetsWarning",
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
