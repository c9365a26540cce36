"""The package version, read once from the installed distribution's metadata.

``pyproject.toml`` is the one place the version is written; a source tree that was never
installed reports ``0+unknown``.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

__all__ = ["__version__"]

try:
    __version__: str = version("spinemets")
except PackageNotFoundError:  # pragma: no cover - only in a never-installed source tree
    __version__ = "0+unknown"
