"""Monte Carlo engine for predictive counts that have no exact route.

Parameter values are drawn once per simulation draw and shared by every stratum that uses
the same parameter (so shared uncertainty stays shared); counts are then drawn per stratum.
Work is chunked over strata so that peak memory stays bounded (about ``max_bytes``) whatever
the number of strata or draws. Every quantile comes with its Monte Carlo error: the
half-width of a distribution-free 95% interval for the quantile from the order statistics.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

import numpy as np

__all__ = ["MCQuantiles", "ProgressBar", "mc_quantiles", "quantiles_with_error"]

#: Default memory budget of one chunk of draws (bytes).
DEFAULT_MAX_BYTES = 64 * 2**20


@dataclass(frozen=True)
class MCQuantiles:
    """Quantiles of simulated values, row-wise, with Monte Carlo error.

    Attributes
    ----------
    values : ndarray, shape (rows, len(probs))
        The ``inverted_cdf`` quantiles (actual simulated values).
    error : ndarray, shape (rows, len(probs))
        Half-width of a 95% distribution-free interval for each quantile (same units).
    mean : ndarray, shape (rows,)
        Simulated means.
    mean_se : ndarray, shape (rows,)
        Monte Carlo standard error of the simulated means.
    draws : int
        Number of draws per row.
    """

    values: np.ndarray
    error: np.ndarray
    mean: np.ndarray
    mean_se: np.ndarray
    draws: int


def quantiles_with_error(samples: np.ndarray, probs: np.ndarray) -> tuple[np.ndarray,
                                                                          np.ndarray]:
    """Row-wise quantiles of ``samples`` (rows × draws) and their 95% MC half-widths.

    The quantile at probability q is the order statistic of rank ceil(q·N) (the
    ``inverted_cdf`` definition, matching a discrete ``ppf``); its error band uses the
    ranks q·N ± 1.96·sqrt(N·q·(1−q)) (normal approximation to the binomial count of
    draws below the true quantile).

    Examples
    --------
    >>> import numpy as np
    >>> from spinemets._montecarlo import quantiles_with_error
    >>> x = np.arange(1, 1001, dtype=float)[None, :]
    >>> v, e = quantiles_with_error(x, np.array([0.5]))
    >>> float(v[0, 0])
    500.0
    """
    n = samples.shape[-1]
    probs = np.asarray(probs, dtype=float)
    rank = np.clip(np.ceil(probs * n).astype(np.int64) - 1, 0, n - 1)
    half = 1.96 * np.sqrt(n * probs * (1 - probs))
    rank_lo = np.clip(np.floor(probs * n - half).astype(np.int64) - 1, 0, n - 1)
    rank_hi = np.clip(np.ceil(probs * n + half).astype(np.int64) - 1, 0, n - 1)
    kth = np.unique(np.concatenate([rank, rank_lo, rank_hi]))
    part = np.partition(samples, kth, axis=-1)
    values = part[..., rank]
    error = np.maximum(values - part[..., rank_lo], part[..., rank_hi] - values)
    return values, error


class ProgressBar:
    """A one-line text progress bar on a stream (standard error by default).

    Silent unless ``enabled``; the command line enables it only when standard error is a
    terminal, so piped output stays clean.
    """

    def __init__(self, total: int, label: str = "Monte Carlo", enabled: bool = True,
                 stream: TextIO | None = None, width: int = 30) -> None:
        self.total = max(int(total), 1)
        self.label = label
        self.enabled = enabled
        self.stream = sys.stderr if stream is None else stream
        self.width = width
        self.done = 0

    def update(self, step: int) -> None:
        """Advance by ``step`` units and redraw."""
        self.done = min(self.total, self.done + step)
        if self.enabled:
            filled = int(self.width * self.done / self.total)
            bar = "#" * filled + "." * (self.width - filled)
            self.stream.write(f"\r{self.label} [{bar}] {100 * self.done // self.total:3d}%")
            if self.done >= self.total:
                self.stream.write("\n")
            self.stream.flush()


def mc_quantiles(sizes: np.ndarray, param_draws: np.ndarray,
                 count_sampler: Callable[[np.random.Generator, np.ndarray, np.ndarray],
                                         np.ndarray],
                 probs: np.ndarray, rng: np.random.Generator,
                 max_bytes: int = DEFAULT_MAX_BYTES,
                 progress: ProgressBar | None = None) -> MCQuantiles:
    """Predictive count quantiles per stratum, by simulation, in bounded memory.

    Parameters
    ----------
    sizes : ndarray, shape (rows,)
        Cohort sizes (or exposures) per stratum.
    param_draws : ndarray, shape (draws,)
        Draws of the shared parameter (one value per simulation draw, shared by all rows).
    count_sampler : callable(rng, sizes[:, None], params[None, :]) -> ndarray
        Draws counts given sizes and parameter values (e.g. ``rng.binomial``).
    probs : ndarray
        Probabilities of the quantiles wanted.
    rng : numpy.random.Generator
        The only source of randomness.
    max_bytes : int
        Memory budget for one chunk (rows × draws × 8 bytes).
    progress : ProgressBar, optional
        Advanced by the number of rows done after each chunk.

    Examples
    --------
    >>> import numpy as np
    >>> from spinemets._montecarlo import mc_quantiles
    >>> rng = np.random.default_rng(1)
    >>> p = rng.beta(30, 70, size=4000)
    >>> q = mc_quantiles(np.array([100, 1000]), p, lambda g, n, pp: g.binomial(n, pp),
    ...                  np.array([0.025, 0.975]), rng)
    >>> q.values.shape
    (2, 2)
    """
    sizes = np.asarray(sizes)
    draws = int(param_draws.size)
    rows = sizes.shape[0]
    probs = np.asarray(probs, dtype=float)
    values = np.empty((rows, probs.size))
    error = np.empty((rows, probs.size))
    mean = np.empty(rows)
    mean_se = np.empty(rows)
    chunk = max(1, int(max_bytes // (8 * max(draws, 1))))
    for start in range(0, rows, chunk):
        stop = min(rows, start + chunk)
        sim = count_sampler(rng, sizes[start:stop, None], param_draws[None, :]).astype(float)
        values[start:stop], error[start:stop] = quantiles_with_error(sim, probs)
        mean[start:stop] = sim.mean(axis=1)
        mean_se[start:stop] = sim.std(axis=1, ddof=1) / np.sqrt(draws) if draws > 1 else np.nan
        if progress is not None:
            progress.update(stop - start)
    return MCQuantiles(values=values, error=error, mean=mean, mean_se=mean_se, draws=draws)
