"""Monte Carlo engine for predictive counts that have no exact route.

Parameter values are drawn once per simulation draw and shared by every stratum that uses
the same parameter (so shared uncertainty stays shared); counts are then drawn per stratum.
Work is chunked over strata so that peak memory stays bounded (about ``max_bytes``) whatever
the number of strata or draws. Every quantile comes with its Monte Carlo error: the
half-width of a distribution-free 95% interval for the quantile from the order statistics,
and, for counts, at least 1 unless the integer is certain (see
:func:`quantiles_with_error`).

The engine adds little to the cost of the random draws themselves. With stratum streams
(``estimate``'s route) each size's counts are tallied (``bincount``) as soon as they are
drawn, while still in the processor's cache, and only the tally is kept; the tallies of a
batch of sizes then give, all at once, the order statistics (running sums: the simulated
CDFs) and exact integer sums of the counts and of their squares (for the mean and its
standard error). Rows too wide to tally, and the route without stratum streams, are
partitioned in place (only the few order statistics needed are placed: no full sort, no
copy, no conversion to float).
"""

from __future__ import annotations

import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

import numpy as np

__all__ = ["CERTAIN_Z", "MCQuantiles", "ProgressBar", "base_seed", "mc_quantiles",
           "parameter_draws", "parameter_key", "quantiles_with_error", "stream"]

#: Default memory budget of one chunk of draws (bytes).
DEFAULT_MAX_BYTES = 64 * 2**20

#: Binomial standard errors by which the simulated CDF must clear ``q`` on both sides of a
#: discrete quantile before its Monte Carlo error is reported as 0 (one-sided error
#: probability 2.9e-7 when the true CDF sits exactly at ``q``; it was 3, i.e. 0.13%, which
#: let a few of 10**5 strata report an off-by-one bound with error 0).
CERTAIN_Z = 5.0

_Z95 = 1.959963984540054


@dataclass(frozen=True)
class MCQuantiles:
    """Quantiles of simulated values, row-wise, with Monte Carlo error.

    Attributes
    ----------
    values : ndarray, shape (rows, len(probs))
        The ``inverted_cdf`` quantiles (actual simulated values).
    error : ndarray, shape (rows, len(probs))
        Half-width of a 95% distribution-free interval for each quantile (same units); for
        counts at least 1 unless the integer is certain (see :func:`quantiles_with_error`).
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


def _rank(x: np.ndarray, n: int) -> np.ndarray:
    """0-based index of the order statistic of 1-based rank ``ceil(x)``, clipped to the data."""
    return np.clip(np.ceil(x).astype(np.int64) - 1, 0, n - 1)


def quantiles_with_error(samples: np.ndarray, probs: np.ndarray, *, discrete: bool = False,
                         overwrite: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise quantiles of ``samples`` (rows × draws) and their 95% MC half-widths.

    The quantile at probability q is the order statistic of rank ceil(q·N) (the
    ``inverted_cdf`` definition, matching a discrete ``ppf``); its error band uses the
    ranks q·N ± 1.96·sqrt(N·q·(1−q)) (normal approximation to the binomial count of
    draws below the true quantile), and the error is the larger distance from the
    quantile to the ends of the band.

    For integer-valued samples (``discrete=True``) that band can collapse onto one integer
    ``k`` although the true quantile is its neighbour: that happens whenever the simulated
    CDF crosses ``q`` close to ``k``. The error is then 0 only when the integer is certain:
    when the simulated ``P(X <= k - 1)`` lies below ``q`` and ``P(X <= k)`` lies above
    ``q``, each by more than :data:`CERTAIN_Z` (= 5) binomial standard errors
    ``sqrt(q (1 - q) / N)``. Otherwise it is at least 1. (Both tests are order statistics
    too: ranks ``N (q ± 5 se)`` both equal to ``k``.) If the true CDF at ``k - 1`` or ``k``
    equals ``q`` exactly, a wrong integer is reported with error 0 in about 3 of 10**7 runs.

    Parameters
    ----------
    samples : ndarray, shape (rows, draws)
        Simulated values; integer dtypes are kept (no conversion to float).
    probs : array_like
        Probabilities of the quantiles.
    discrete : bool, default False
        The samples are integers (counts): apply the certainty rule above.
    overwrite : bool, default False
        Partition ``samples`` in place (its rows are reordered, their multisets kept)
        instead of working on a copy.

    Returns
    -------
    values, error : ndarray, shape (rows, len(probs)), float
        The quantiles and their Monte Carlo half-widths.

    Examples
    --------
    >>> import numpy as np
    >>> from spinemets._montecarlo import quantiles_with_error
    >>> x = np.arange(1, 1001, dtype=float)[None, :]
    >>> v, e = quantiles_with_error(x, np.array([0.5]))
    >>> float(v[0, 0]), float(e[0, 0])
    (500.0, 31.0)

    Counts: 40% zeros, 60% ones. The median is 1, and the CDF at 0 (0.4) is far below 0.5
    and the CDF at 1 (1.0) far above, so the integer is certain; the 0.4-quantile is not
    (the simulated CDF at 0 is exactly 0.4):

    >>> c = np.repeat([0, 1], [400, 600])[None, :]
    >>> v, e = quantiles_with_error(c, np.array([0.5, 0.4]), discrete=True)
    >>> v.tolist(), e.tolist()
    ([[1.0, 0.0]], [[0.0, 1.0]])
    """
    samples = np.asarray(samples)
    ranks = _Ranks.of(samples.shape[-1], np.asarray(probs, dtype=float), discrete)
    if overwrite:
        samples.partition(ranks.kth, axis=-1)
        part = samples
    else:
        part = np.partition(samples, ranks.kth, axis=-1)
    return ranks.finish(part[..., ranks.kth])


@dataclass(frozen=True)
class _Ranks:
    """The order statistics (0-based ranks) that :func:`quantiles_with_error` reads.

    ``kth`` holds the distinct ranks in increasing order; the other fields index ``kth``.
    """

    kth: np.ndarray
    rank: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    sure_lo: np.ndarray | None
    sure_hi: np.ndarray | None
    testable: np.ndarray | None

    @classmethod
    def of(cls, n: int, probs: np.ndarray, discrete: bool) -> _Ranks:
        """The ranks for ``n`` draws and quantiles ``probs`` (see quantiles_with_error)."""
        nq = probs * n
        half = _Z95 * np.sqrt(n * probs * (1 - probs))
        ranks = [_rank(nq, n), np.clip(np.floor(nq - half).astype(np.int64) - 1, 0, n - 1),
                 np.clip(np.ceil(nq + half).astype(np.int64) - 1, 0, n - 1)]
        testable = None
        if discrete:
            # P(X <= k-1) < q - z se  <=>  #(X <= k-1) < N(q - z se)
            #                         <=>  X_(ceil(N(q - z se))) >= k;
            # P(X <= k) >= q + z se   <=>  X_(ceil(N(q + z se))) <= k.
            sure = CERTAIN_Z * np.sqrt(n * probs * (1 - probs))
            testable = (np.ceil(nq - sure) >= 1) & (np.ceil(nq + sure) <= n)
            ranks += [_rank(nq - sure, n), _rank(nq + sure, n)]
        kth = np.unique(np.concatenate(ranks))
        where = [np.searchsorted(kth, r) for r in ranks]
        if not discrete:
            where += [None, None]
        return cls(kth, *where, testable)  # type: ignore[arg-type]

    def finish(self, stats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Quantiles and errors from the order statistics ``stats[..., j]`` of ``kth[j]``."""
        values = stats[..., self.rank].astype(float)
        error = np.maximum(values - stats[..., self.lo], stats[..., self.hi] - values)
        if self.testable is not None:
            certain = (self.testable & (stats[..., self.sure_lo] == values)
                       & (stats[..., self.sure_hi] == values))
            error = np.where(certain, error, np.maximum(error, 1.0))
        return values, error.astype(float)


class _CountBatch:
    """Reused buffers that gather the integer counts of many sizes, tallied one by one.

    Each row added is tallied at once, while it is still in the processor's cache, and
    then dropped: its ``bincount`` (of the row itself when its values are small, else of
    the row less its minimum), cut to the values that occur, is copied onto the row's own
    segment of one histogram buffer, and two dot products with it give the exact integer
    sums of the values and of their squares. :meth:`reduce` then works on the histogram
    for all rows together: its running sum is every row's simulated CDF one after the
    other, searched for the ranks -- the same order statistics as a partition. Rows too wide
    to tally (more distinct values than draws, or sums that could overflow int64) are copied
    as drawn into one reused buffer and go through :func:`_row_moments` and a partition.
    The buffers are allocated once, small, grow by doubling while they have to (a batch of
    ``rows`` rows holds at most ``2 rows draws`` bins) and are reused by every batch.
    """

    def __init__(self, rows: int, draws: int, dtype: np.dtype) -> None:
        self.capacity, self.draws, self.dtype = rows, draws, dtype
        # grown when too small (by doubling): sized by the tallies, not by the worst case
        self.hist = np.empty(min(4 * draws, 2**16), dtype=np.int64)
        self.steps = np.arange(min(2 * draws, 2**12), dtype=np.int64)
        self.squares = self.steps * self.steps
        self.raw: np.ndarray | None = None  # allocated if a row is too wide to tally
        self.scratch: np.ndarray | None = None
        self._clear()

    def _clear(self) -> None:
        self.base: list[int | None] = []  # value of each row's first bin (None: not tallied)
        self.width: list[int] = []
        self.sums: list[int] = []
        self.sums_sq: list[int] = []
        self.offset = 0
        self.wide = 0

    def _tally(self, row: np.ndarray) -> tuple[np.ndarray, int] | None:
        """The row's bincount from its smallest value on and that value, or None."""
        n = self.draws
        hi = int(row.max())
        if 0 <= hi < 2 * n and hi * hi * n < 2**62:  # small values: tally the row itself
            try:
                tally = np.bincount(row)
            except ValueError:  # a negative count
                pass
            else:
                lo = int(tally.nonzero()[0][0])
                return tally[lo:], lo
        lo = int(row.min())
        width = hi - lo + 1
        if not (width <= n and width * width * n < 2**62 and max(hi, -lo) ** 2 * n < 2**62):
            return None
        if self.scratch is None:
            self.scratch = np.empty(n, dtype=self.dtype)
        return np.bincount(np.subtract(row, lo, out=self.scratch)), lo

    def add(self, row: np.ndarray) -> None:
        """Take one row of ``draws`` counts (the caller's array is left as it is)."""
        tallied = self._tally(row)
        if tallied is None:
            if self.raw is None:
                self.raw = np.empty((self.capacity, self.draws), dtype=self.dtype)
            self.raw[self.wide] = row
            self.wide += 1
            self.base.append(None)
            return
        tally, lo = tallied
        width, n = tally.size, self.draws
        if self.offset + width > self.hist.size:
            grown = np.empty(2 * (self.offset + width), dtype=np.int64)
            grown[:self.offset] = self.hist[:self.offset]
            self.hist = grown
        if width > self.steps.size:
            self.steps = np.arange(2 * width, dtype=np.int64)
            self.squares = self.steps * self.steps
        self.hist[self.offset:self.offset + width] = tally
        self.offset += width
        first = int(tally @ self.steps[:width])  # sum of (value - lo)
        second = int(tally @ self.squares[:width])
        self.base.append(lo)
        self.width.append(width)
        self.sums.append(n * lo + first)
        self.sums_sq.append(n * lo * lo + 2 * lo * first + second)

    def reduce(self, ranks: _Ranks) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Quantiles, errors, means and standard errors of the rows added; then empty."""
        rows, draws = len(self.base), self.draws
        tallied = np.array([b is not None for b in self.base], dtype=bool)
        stats = np.empty((rows, ranks.kth.size), dtype=self.dtype)
        mean, se = np.empty(rows), np.empty(rows)
        if self.wide:
            other = self.raw[:self.wide]  # type: ignore[index]
            mean[~tallied], se[~tallied] = _row_moments(other, draws)
            other.partition(ranks.kth, axis=-1)
            stats[~tallied] = other[:, ranks.kth]
        if self.width:
            cdf = self.hist[:self.offset]
            np.cumsum(cdf, out=cdf)  # in place: the running sums of all segments in turn
            low = np.array([b for b in self.base if b is not None], dtype=np.int64)
            widths = np.array(self.width, dtype=np.int64)
            offsets = np.cumsum(widths) - widths  # where each row's segment starts
            # k-th order statistic (0-based) of row r: first bin whose running sum > r N + k
            targets = np.arange(low.size)[:, None] * draws + (ranks.kth + 1)[None, :]
            where = cdf.searchsorted(targets.ravel()).reshape(targets.shape)
            stats[tallied] = where - (offsets - low)[:, None]
            mean[tallied], se[tallied] = _exact_moments(self.sums, self.sums_sq, draws)
        self._clear()
        return (*ranks.finish(stats), mean, se)


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


# ------------------------------------------------------------------ streams


def parameter_key(dist: Any) -> int:
    """A stable integer naming a parameter's law (the same in every process and session).

    ``dist`` is a Proportion or Rate: its label, encoding, assumption and scipy law.
    """
    law = dist.dist
    text = "|".join([dist.label, dist.encoding, dist.assumption, law.dist.name,
                     repr(law.args), repr(sorted(law.kwds.items()))])
    return zlib.crc32(text.encode("utf-8"))


def stream(seed: int, *key: int) -> np.random.Generator:
    """The generator of ``SeedSequence(seed)``'s child ``key`` (``spawn_key=key``)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def base_seed(rng: np.random.Generator) -> int:
    """The seed ``rng`` was made from by ``default_rng(seed)``; otherwise one draw from it.

    ``estimate`` resolves every ``rng`` to ``default_rng(seed)`` with the recorded seed, so
    streams derived from this seed are the same for the same recorded seed.
    """
    seq = getattr(rng.bit_generator, "seed_seq", None)
    if (isinstance(seq, np.random.SeedSequence) and isinstance(seq.entropy, int)
            and not seq.spawn_key):
        return seq.entropy
    return int(rng.integers(0, 2**63))


def parameter_draws(dist: Any, draws: int, rng: np.random.Generator) -> np.ndarray:
    """``draws`` values of ``dist`` from the stream of the seed and the parameter alone.

    Child ``(0, parameter_key(dist))`` of the seed: the draws do not
    depend on which other parameters a table holds or in which order.
    """
    gen = stream(base_seed(rng), 0, parameter_key(dist))
    return np.asarray(dist.rvs(size=draws, rng=gen), dtype=float)


def _size_keys(sizes: np.ndarray) -> list[int]:
    """The bits of each size as a float64 (exact for whole numbers below 2**53)."""
    return np.asarray(sizes, dtype=np.float64).view(np.uint64).tolist()


def _size_key(size: float) -> int:
    """:func:`_size_keys` of one size."""
    return _size_keys(np.array([size]))[0]


def _row_moments(sim: np.ndarray, draws: int) -> tuple[np.ndarray, np.ndarray]:
    """Row means and their standard errors, from sums of the values and of their squares.

    For integer counts the sums are exact: in int64 for each row whose sum of squares
    cannot overflow, with the variance numerator ``N sum(x^2) - sum(x)^2`` formed in Python
    integers (one number per row); otherwise about the rounded row mean. Float samples use
    the same centring. Each row's result depends on that row alone.
    """
    rows = sim.shape[0]
    if draws < 2:
        return sim.mean(axis=-1, dtype=float), np.full(rows, np.nan)
    if sim.dtype.kind not in "iu":
        return _centred_moments(sim, sim.mean(axis=-1), draws)
    s1 = sim.sum(axis=-1)
    biggest = sim.max(axis=-1, initial=0)
    if sim.dtype.kind == "i":
        biggest = np.maximum(biggest, -sim.min(axis=-1, initial=0))
    exact = np.array([int(b) ** 2 * draws < 2**62 for b in biggest.tolist()], dtype=bool)
    mean, se = np.empty(rows), np.empty(rows)
    if exact.any():
        part = sim if exact.all() else sim[exact]
        mean[exact], se[exact] = _exact_moments(
            s1[exact].tolist(), np.einsum("ij,ij->i", part, part).tolist(), draws)
    if not exact.all():
        shift = np.rint(s1[~exact] / draws).astype(sim.dtype)
        mean[~exact], se[~exact] = _centred_moments(sim[~exact], shift, draws)
    return mean, se


def _exact_moments(s1: list[int], s2: list[int], draws: int) -> tuple[np.ndarray, np.ndarray]:
    """Means and standard errors from exact sums ``s1`` of the values and ``s2`` of their
    squares (Python integers, below 2**63): the numerator ``N s2 - s1^2`` is exact."""
    num = np.array([float(draws * b - a * a) for a, b in zip(s1, s2, strict=True)])
    var = num / (draws * (draws - 1.0))
    return np.array(s1, dtype=np.int64) / draws, np.sqrt(np.maximum(var, 0.0) / draws)


def _centred_moments(sim: np.ndarray, shift: np.ndarray,
                     draws: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_row_moments` about ``shift`` (one per row), in floating point."""
    centred = sim - shift[:, None]
    c1 = centred.sum(axis=-1, dtype=float)
    c2 = np.einsum("ij,ij->i", centred, centred, dtype=float)
    var = np.maximum(c2 - c1 * c1 / draws, 0.0) / (draws - 1)
    return shift + c1 / draws, np.sqrt(var / draws)


def mc_quantiles(sizes: np.ndarray, param_draws: np.ndarray,
                 count_sampler: Callable[[np.random.Generator, np.ndarray, np.ndarray],
                                         np.ndarray],
                 probs: np.ndarray, rng: np.random.Generator,
                 max_bytes: int = DEFAULT_MAX_BYTES,
                 progress: ProgressBar | None = None, key: int | None = None) -> MCQuantiles:
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
    key : int, optional
        Stratum streams: with a key (e.g. :func:`parameter_key` of the parameter), the counts
        of each distinct size come from their own stream, child ``(2, key, size bits)`` of
        :func:`base_seed` of ``rng``, so a stratum's result depends on the seed, the
        parameter draws and its own size only -- not on its row position or the other rows
        -- and each distinct size is simulated once. Without a key the counts of all rows
        come from ``rng`` in row order.

    Notes
    -----
    Without a key each chunk's counts are used in place: partitioned for the quantiles (the
    errors follow the discrete rule of :func:`quantiles_with_error`), then summed for the
    mean; beyond the sampler's own output the engine allocates one temporary of the chunk's
    size. With a key integer counts are tallied size by size as they are drawn and reduced
    in batches by :class:`_CountBatch` (the same quantiles and errors, at most about
    ``max_bytes`` held at a time; rows too wide to tally share one reused buffer).

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
    if key is not None:
        return _keyed_quantiles(sizes, param_draws, count_sampler, probs, rng, max_bytes,
                                progress, key)
    draws = int(param_draws.size)
    rows = sizes.shape[0]
    probs = np.asarray(probs, dtype=float)
    values = np.empty((rows, probs.size))
    error = np.empty((rows, probs.size))
    mean = np.empty(rows)
    mean_se = np.empty(rows)
    chunk = max(1, int(max_bytes // (8 * max(draws, 1))))
    params = param_draws[None, :]
    for start in range(0, rows, chunk):
        stop = min(rows, start + chunk)
        sim = count_sampler(rng, sizes[start:stop, None], params)
        discrete = sim.dtype.kind in "iu"
        values[start:stop], error[start:stop] = quantiles_with_error(
            sim, probs, discrete=discrete, overwrite=True)
        mean[start:stop], mean_se[start:stop] = _row_moments(sim, draws)
        if progress is not None:
            progress.update(stop - start)
    return MCQuantiles(values=values, error=error, mean=mean, mean_se=mean_se, draws=draws)


def _keyed_quantiles(sizes: np.ndarray, param_draws: np.ndarray,
                     count_sampler: Callable[[np.random.Generator, np.ndarray, np.ndarray],
                                             np.ndarray],
                     probs: np.ndarray, rng: np.random.Generator, max_bytes: int,
                     progress: ProgressBar | None, key: int) -> MCQuantiles:
    """:func:`mc_quantiles` with one stream per distinct size (see its ``key``).

    Integer counts are tallied as each size is drawn, while they are still in the
    processor's cache, and reduced in batches (:class:`_CountBatch`): means from exact
    integer sums, quantiles by counting. The quantiles and errors are those of
    :func:`quantiles_with_error` on the same draws (``tests/results/mc_streams_reference.json``
    holds the results of the engine before this rewrite).
    """
    seed = base_seed(rng)
    distinct, where, multiplicity = np.unique(sizes, return_inverse=True, return_counts=True)
    where = where.reshape(-1)
    size_keys = _size_keys(distinct)
    column = distinct[:, None]
    draws = int(param_draws.size)
    probs = np.asarray(probs, dtype=float)
    rows = distinct.shape[0]
    values = np.empty((rows, probs.size))
    error = np.empty((rows, probs.size))
    mean = np.empty(rows)
    mean_se = np.empty(rows)
    # a tally holds at most 2 draws integers: batches of max_bytes
    batch = min(rows, max(1, int(max_bytes // (16 * max(draws, 1)))))
    params = param_draws[None, :]
    ranks = _Ranks.of(draws, probs, discrete=True)
    counts: _CountBatch | None = None
    buffer: np.ndarray | None = None
    for start in range(0, rows, batch):
        stop = min(rows, start + batch)
        for i in range(start, stop):
            sim = count_sampler(stream(seed, 2, key, size_keys[i]), column[i:i + 1], params)
            if counts is None and buffer is None:
                if sim.dtype.kind == "i" and draws >= 2:
                    counts = _CountBatch(batch, draws, sim.dtype)
                else:
                    buffer = np.empty((batch, draws), dtype=sim.dtype)
            if counts is not None:
                counts.add(sim[0])
            else:
                buffer[i - start] = sim[0]  # type: ignore[index]
        if counts is not None:
            (values[start:stop], error[start:stop], mean[start:stop],
             mean_se[start:stop]) = counts.reduce(ranks)
        else:
            block = buffer[:stop - start]  # type: ignore[index]
            mean[start:stop], mean_se[start:stop] = _row_moments(block, draws)
            values[start:stop], error[start:stop] = quantiles_with_error(
                block, probs, discrete=block.dtype.kind in "iu", overwrite=True)
        if progress is not None:
            progress.update(int(multiplicity[start:stop].sum()))
    return MCQuantiles(values=values[where], error=error[where], mean=mean[where],
                       mean_se=mean_se[where], draws=draws)
