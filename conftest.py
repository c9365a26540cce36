"""Root pytest configuration: doctests in ``spinemets/`` and tests in ``tests/`` draw with
the non-interactive Agg backend, so docstring examples need not choose a backend."""

import matplotlib

matplotlib.use("Agg")
