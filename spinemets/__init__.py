"""spinemets: published evidence on metastatic spinal tumours as traceable uncertainty.

>>> import spinemets as sm
>>> sm.parameter("spinal_mets_autopsy").sources
('SEED-03', 'SEED-06')
"""

__version__ = "0.1.0"

from .distributions import Proportion, Rate
from .encode import beta_from_counts, beta_from_range, beta_from_value, gamma_from_rate
from .errors import CatalogueError, EncodingError, SpinemetsError, SpinemetsWarning
from .evidence import DATA_VERSION, claims, evidence
from .parameters import parameter, parameters

__all__ = [
    "DATA_VERSION",
    "CatalogueError",
    "EncodingError",
    "Proportion",
    "Rate",
    "SpinemetsError",
    "SpinemetsWarning",
    "__version__",
    "beta_from_counts",
    "beta_from_range",
    "beta_from_value",
    "claims",
    "evidence",
    "gamma_from_rate",
    "parameter",
    "parameters",
]
