"""Shared pytest configuration.

Plots are drawn with the non-interactive Agg backend. Hypothesis runs the ``quick`` profile by
default (and in CI), derandomized so that a run is repeatable; ``SPINEMETS_HYPOTHESIS_PROFILE=long
python -m pytest`` runs the long one, random and with ten times the examples, for a local
robustness sweep.
"""

import os
from datetime import timedelta

import matplotlib
import pytest
from hypothesis import HealthCheck, settings

matplotlib.use("Agg")

# tests/results/make_*.py regenerate the frozen reference values; they are scripts, not
# tests, and may need tools that are not test dependencies (R, mpmath)
collect_ignore_glob = ["results/make_*.py"]

settings.register_profile(
    "quick",
    max_examples=40,
    derandomize=True,  # CI sees the same examples every run; the long profile explores
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "long",
    max_examples=400,
    deadline=timedelta(seconds=20),
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("SPINEMETS_HYPOTHESIS_PROFILE", "quick"))


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every matplotlib figure a test opened."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
