"""The Monte Carlo engine's counting reduction against independent references.

The stratum streams reduce each size's counts by counting (``bincount``) instead of
partitioning; these tests hold it to ``numpy.quantile(method="inverted_cdf")``, to the
partition route (:func:`quantiles_with_error`) and to exact rational moments, on rows that
take every branch: narrow and wide spans, negative values, constant rows, values whose
squares overflow int64, two draws (through :class:`_CountBatch`: rows tallied as they are,
tallied less their minimum, or kept whole and partitioned).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from scipy import stats

from spinemets._montecarlo import (
    _CountBatch,
    _Ranks,
    mc_quantiles,
    quantiles_with_error,
    stream,
)

PROBS = np.array([0.025, 0.5, 0.975])


def _reduce_counts(block: np.ndarray, ranks: _Ranks, draws: int):
    """Every row of ``block`` through one reused count batch, reduced at once."""
    batch = _CountBatch(block.shape[0], draws, block.dtype)
    for row in block:
        batch.add(row)
    return batch.reduce(ranks)


def _exact_moments(row: np.ndarray) -> tuple[float, float]:
    """Mean and its standard error in exact rational arithmetic, rounded once at the end."""
    values = [int(v) for v in row]
    n = len(values)
    mean = Fraction(sum(values), n)
    var = sum((Fraction(v) - mean) ** 2 for v in values) / (n - 1)
    return float(mean), math.sqrt(var / n)


def _rows(draws: int) -> np.ndarray:
    g = np.random.default_rng(2026)
    return np.stack([
        g.binomial(40, g.beta(3, 9, draws)),              # narrow, small values
        g.binomial(10**6, g.beta(3, 9, draws)),           # span far wider than the draws
        g.integers(-50, 50, draws),                       # negative values
        np.full(draws, 7),                                # constant row (span 0)
        g.poisson(1e-3, draws),                           # nearly all zeros
        g.integers(0, 2 * draws - 1, draws),              # tallied as is, as wide as allowed
        10**6 + g.integers(0, draws // 2 + 1, draws),     # narrow, large: tallied shifted
        2**40 + g.integers(0, draws // 2 + 1, draws),     # narrow but squares overflow int64
        g.binomial(2**40, g.beta(3, 9, draws)),           # wide and overflowing
    ]).astype(np.int64)


@pytest.mark.parametrize("draws", [2, 3, 101, 4000, 5000])
def test_counting_equals_the_partition_route_and_exact_references(draws):
    block = _rows(draws)
    ranks = _Ranks.of(draws, PROBS, discrete=True)
    values, error, mean, se = _reduce_counts(block.copy(), ranks, draws)
    want_values, want_error = quantiles_with_error(block, PROBS, discrete=True)
    np.testing.assert_array_equal(values, want_values)
    np.testing.assert_array_equal(error, want_error)
    np.testing.assert_array_equal(
        values, np.quantile(block, PROBS, axis=1, method="inverted_cdf").T)
    for i, row in enumerate(block):
        m, s = _exact_moments(row)
        # one rounding of exact sums (or float sums about the rounded mean for the
        # overflowing rows): a few units in the last place
        assert mean[i] == pytest.approx(m, rel=4e-16, abs=0), i
        assert se[i] == pytest.approx(s, rel=1e-12, abs=1e-300), i


def test_a_count_batch_copies_its_rows_and_is_reused_empty():
    block = _rows(500)
    copy = block.copy()
    ranks = _Ranks.of(500, PROBS, discrete=True)
    batch = _CountBatch(block.shape[0], 500, block.dtype)
    for row in copy:
        batch.add(row)
    first = batch.reduce(ranks)
    np.testing.assert_array_equal(copy, block)  # the rows given are left as they were
    for row in copy[::-1]:  # the same buffer again, rows in the other order
        batch.add(row)
    again = batch.reduce(ranks)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b[::-1])


def test_keyed_engine_uses_one_generator_per_size_and_small_batches_change_nothing():
    """Each size's counts are child (2, key, size bits) of the seed, whatever the memory
    budget (batches of one size or of all sizes), for binomial and Poisson counts."""
    p = np.random.default_rng(4).beta(3, 9, size=2500)
    sizes = np.array([0, 1, 13, 13, 400, 10**5, 3])
    sampler = lambda g, n, pp: g.binomial(n, pp)  # noqa: E731
    big = mc_quantiles(sizes, p, sampler, PROBS, np.random.default_rng(31), key=8)
    one = mc_quantiles(sizes, p, sampler, PROBS, np.random.default_rng(31), key=8,
                       max_bytes=8 * p.size)
    for field in ("values", "error", "mean", "mean_se"):
        np.testing.assert_array_equal(getattr(big, field), getattr(one, field))
    for i, n in enumerate(sizes):
        sims = stream(31, 2, 8, int(np.float64(n).view(np.uint64))).binomial(n, p)
        np.testing.assert_array_equal(big.values[i],
                                      np.quantile(sims, PROBS, method="inverted_cdf"))
    exposure = np.array([0.5, 2.0e4, 0.5])
    lam = np.random.default_rng(5).gamma(20, 1 / 4e5, 2500)
    res = mc_quantiles(exposure, lam, lambda g, e, r: g.poisson(e * r), PROBS,
                       np.random.default_rng(6), key=9)
    sims = stream(6, 2, 9, int(np.float64(2.0e4).view(np.uint64))).poisson(2.0e4 * lam)
    np.testing.assert_array_equal(res.values[1], np.quantile(sims, PROBS,
                                                             method="inverted_cdf"))
    np.testing.assert_array_equal(res.values[0], res.values[2])


def test_certain_bounds_of_the_counting_route_are_the_exact_bounds():
    """The honest-error rule survives the counting route: every quantile reported with
    error 0 equals the exact beta-binomial quantile (scipy)."""
    a, b = 4.0, 11.0
    sizes = np.arange(1, 151)
    p = np.random.default_rng(12).beta(a, b, size=20_000)
    res = mc_quantiles(sizes, p, lambda g, n, pp: g.binomial(n, pp), PROBS,
                       np.random.default_rng(13), key=3)
    want = np.stack([stats.betabinom.ppf(q, sizes, a, b) for q in PROBS], axis=1)
    certain = res.error == 0
    assert certain.sum() >= 40  # not vacuous
    np.testing.assert_array_equal(res.values[certain], want[certain])


def test_the_histogram_buffer_grows_as_a_batch_needs():
    """50 rows of up to ~300 distinct values: far more bins than the first buffer holds."""
    draws = 300
    g = np.random.default_rng(77)
    block = g.binomial(np.arange(50, 3050, 60)[:, None], g.beta(3, 9, draws)[None, :])
    ranks = _Ranks.of(draws, PROBS, discrete=True)
    batch = _CountBatch(block.shape[0], draws, block.dtype)
    first_size = batch.hist.size
    for row in block:
        batch.add(row)
    assert batch.offset > first_size  # the buffer had to grow
    values, error, mean, _ = batch.reduce(ranks)
    want_values, want_error = quantiles_with_error(block, PROBS, discrete=True)
    np.testing.assert_array_equal(values, want_values)
    np.testing.assert_array_equal(error, want_error)
    np.testing.assert_array_equal(mean, block.sum(axis=1) / draws)
