"""Totals over strata: which parameters are one draw, and the law of the summed count.

:func:`spinemets.estimate_total` sums a count over strata that may use different parameters.
This module decides how those parameters depend on each other and computes the total:

*Which parameters are one draw* (:func:`link_parameters`). Two parameters of a total are
**the same draw** when their laws are identical (same scipy family and arguments) and they
rest on the same evidence; they are **comonotone** (one shared draw, read through each law's
quantile function) when their laws differ but they rest on the same evidence; otherwise they
are **independent**. Evidence rows are *the same evidence* when they are one row (same id),
or when they come from the same publication (same DOI, else PMID, else citation text) and
report the same figure (same kind, value, range and interval reading) without counts: one
figure quoted for several sites (e.g. "breast 65-75%, prostate 65-75%" in one review) is one
statement read once, while rows with events and totals are separate samples, independent
unless they are the same row. Links are transitive.

*The total* (:func:`exact_total`, :func:`joint_monte_carlo`). Identical linked parameters
are merged (their sizes summed). Independent Beta or Gamma parameters give the total's
predictive pmf exactly, as the convolution of each parameter's beta-binomial or negative
binomial pmf (:func:`count_pmf`, :func:`convolve_pmfs`). Comonotone parameters with
different laws, laws without a closed-form pmf and supports too large for a pmf are
simulated jointly (seeded through ``rng``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from scipy import stats

from . import _montecarlo, counts
from ._catalogue import evidence
from ._values import Proportion, Rate

__all__ = [
    "MAX_SUPPORT",
    "Linked",
    "TotalResult",
    "convolve_pmfs",
    "count_pmf",
    "exact_total",
    "has_pmf",
    "joint_monte_carlo",
    "link_parameters",
    "support_size",
]

Param = Proportion | Rate

#: Largest number of points of the total's pmf (summed over the parameters' windows) for
#: which the exact convolution is used; beyond it the total is simulated.
MAX_SUPPORT = 10_000_000

#: Mass left out of each tail of each parameter's window (pmf of counts, law of the
#: expected count). The CDF of the total is exact to about 2 x this x number of parameters.
TAIL = 1e-12

#: Resolution of the law of the expected total: the grid step is at most this fraction of
#: its standard deviation divided by the number of parameters (see :func:`exact_total`).
GRID_FRACTION = 1e-3

#: Largest number of grid points for the law of the expected total.
MAX_GRID = 2**23

# Below this many multiply-adds a direct convolution is cheaper than an FFT.
_DIRECT_WORK = 2_000_000


# --------------------------------------------------------------------- dependence


@lru_cache(maxsize=1)
def _evidence_keys() -> dict[str, tuple[tuple[str, str], tuple[Any, ...] | None]]:
    """Evidence id -> (publication key, figure key or None for counted samples)."""
    out: dict[str, tuple[tuple[str, str], tuple[Any, ...] | None]] = {}
    for row in evidence().itertuples(index=False):
        if row.doi:
            pub = ("doi", str(row.doi).lower())
        elif row.pmid:
            pub = ("pmid", str(row.pmid))
        else:
            pub = ("citation", " ".join(str(row.citation).lower().split()))
        sample = not (math.isnan(row.events) or math.isnan(row.total))
        figure = None if sample else tuple(
            "" if isinstance(v, float) and math.isnan(v) else v
            for v in (row.kind, row.value, row.low, row.high, row.interval, row.unit))
        out[str(row.id)] = (pub, figure)
    return out


def _same_evidence(a: Param, b: Param) -> bool:
    if set(a.sources) & set(b.sources):
        return True
    keys = _evidence_keys()
    for sa in a.sources:
        for sb in b.sources:
            ka, kb = keys.get(sa), keys.get(sb)
            if ka and kb and ka[1] is not None and ka == kb:
                return True
    return False


def _law(p: Param) -> tuple[Any, ...]:
    d = p.dist
    return (type(p).__name__, d.dist.name, tuple(float(x) for x in d.args),
            tuple(sorted((k, float(v)) for k, v in d.kwds.items())))


class _Union:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, i: int, j: int) -> None:
        self.parent[self.find(i)] = self.find(j)

    def classes(self) -> list[list[int]]:
        out: dict[int, list[int]] = {}
        for i in range(len(self.parent)):
            out.setdefault(self.find(i), []).append(i)
        return list(out.values())


@dataclass(frozen=True)
class Linked:
    """The parameters of a total after :func:`link_parameters`.

    Attributes
    ----------
    dists : list of Proportion or Rate
        One parameter per draw (identical linked parameters merged into the first).
    sizes : ndarray
        The summed cohort size (or exposure) of each of ``dists``.
    members : list of list of int
        For each of ``dists``, the indices of the input parameters merged into it.
    components : list of list of int
        Indices into ``dists`` of parameters drawn together (comonotone); singletons are
        independent of everything else.
    """

    dists: list[Param]
    sizes: np.ndarray
    members: list[list[int]]
    components: list[list[int]]

    @property
    def merged(self) -> bool:
        """Some input parameters were merged into one draw."""
        return any(len(m) > 1 for m in self.members)

    @property
    def comonotone(self) -> bool:
        """Some parameters with different laws share one draw."""
        return any(len(c) > 1 for c in self.components)

    def assumption(self) -> str:
        """The dependence assumed, in words (the start of the ``dependence`` column)."""
        if len(self.members) == 1 and len(self.members[0]) == 1:
            return "one parameter"
        if self.merged or self.comonotone:
            return "shared evidence: one draw"
        return "independent parameters"


def link_parameters(dists: Sequence[Param], sizes: Sequence[float]) -> Linked:
    """Group the parameters of a total by the dependence rule of this module.

    Parameters
    ----------
    dists : sequence of Proportion or Rate
        The distinct parameters of the total (one per group of strata).
    sizes : sequence of float
        The summed size (or exposure) of the strata using each parameter.

    Returns
    -------
    Linked

    Examples
    --------
    Breast and prostate bone metastases at autopsy are one figure (65-75%) quoted for both
    sites by one review, so they are one draw; lung (30-40%, same review) is independent:

    >>> import spinemets as sm
    >>> from spinemets._totals import link_parameters
    >>> ps = [sm.parameter("bone_mets_autopsy", s) for s in ("breast", "prostate", "lung")]
    >>> linked = link_parameters(ps, [100, 50, 80])
    >>> linked.members, linked.sizes.tolist(), linked.assumption()
    ([[0, 1], [2]], [150.0, 80.0], 'shared evidence: one draw')
    """
    k = len(dists)
    same = _Union(k)
    evid = _Union(k)
    laws = [_law(p) for p in dists]
    for i in range(k):
        for j in range(i + 1, k):
            if dists[i] is dists[j] or _same_evidence(dists[i], dists[j]):
                evid.join(i, j)
                if dists[i] is dists[j] or laws[i] == laws[j]:
                    same.join(i, j)
    members = sorted(same.classes(), key=min)
    where = {i: g for g, m in enumerate(members) for i in m}
    components = sorted(({where[i] for i in c} for c in evid.classes()), key=min)
    size_arr = np.asarray(sizes, dtype=float)
    return Linked(dists=[dists[m[0]] for m in members],
                  sizes=np.array([size_arr[m].sum() for m in members]),
                  members=members, components=[sorted(c) for c in components])


# ------------------------------------------------------------------- exact route


def has_pmf(dist: Param) -> bool:
    """True when :func:`count_pmf` has a closed form for ``dist``: a plain Beta or Gamma.

    Not for a Beta or Gamma with ``loc`` (or a Beta with ``scale``): its count pmf is not
    the beta-binomial or negative binomial of its shapes. Not for a Beta with ``a + b``
    above :data:`spinemets.counts.AB_MAX` or a Gamma shape above
    :data:`spinemets.counts.SHAPE_MAX`, where SciPy's pmfs lose their digits.

    Examples
    --------
    >>> from scipy import stats
    >>> import spinemets as sm
    >>> from spinemets._totals import has_pmf
    >>> has_pmf(sm.Proportion.beta(2, 3)), has_pmf(sm.Proportion(stats.beta(2, 3, scale=0.5)))
    (True, False)
    """
    if isinstance(dist, Rate):
        return dist.is_gamma and dist.shape <= counts.SHAPE_MAX
    return dist.is_beta and dist.a + dist.b <= counts.AB_MAX


def _nb_args(dist: Rate, exposure: float) -> tuple[float, float]:
    rate = dist.inverse_scale
    return dist.shape, rate / (rate + exposure)


def _window(dist: Param, size: float) -> tuple[int, int]:
    """Integers [lo, hi] outside which the predictive count has at most TAIL mass per side.

    For a Beta proportion: if p < F^-1(TAIL) has mass TAIL and a binomial count is
    stochastically increasing in p, the binomial TAIL-quantile at F^-1(TAIL) bounds the
    lower tail by 2 TAIL (likewise above).
    """
    if isinstance(dist, Rate):  # checked: a huge exposure is a ValueError, not a hang
        lo, hi = counts.poisson_gamma_ppf([TAIL, 1 - TAIL], dist.shape, dist.inverse_scale,
                                          size)
        return int(lo), int(hi)
    p_lo, p_hi = float(dist.ppf(TAIL)), float(dist.dist.isf(TAIL))
    lo = stats.binom.ppf(TAIL, size, p_lo)
    hi = stats.binom.isf(TAIL, size, p_hi)
    return int(max(lo - 1, 0)), int(min(hi + 1, size))


def count_pmf(dist: Param, size: float) -> tuple[int, np.ndarray]:
    """Predictive pmf of the count of one parameter, on the window that holds its mass.

    Parameters
    ----------
    dist : Proportion (Beta) or Rate (Gamma)
        The parameter.
    size : float
        Cohort size (whole number) or exposure (person-years).

    Returns
    -------
    offset : int
        The count of the first point.
    pmf : ndarray
        ``P(X = offset + i)``: beta-binomial or negative binomial
        (``scipy.stats.betabinom.pmf`` / ``scipy.stats.nbinom.pmf``); the mass outside the
        window is below 2e-12 on each side.

    Examples
    --------
    >>> import spinemets as sm
    >>> from spinemets._totals import count_pmf
    >>> offset, pmf = count_pmf(sm.Proportion.beta(2, 8), 10)
    >>> offset, len(pmf), round(float(pmf.sum()), 12)
    (0, 11, 1.0)
    """
    if size == 0:
        return 0, np.ones(1)
    lo, hi = _window(dist, size)
    k = np.arange(lo, hi + 1)
    if isinstance(dist, Rate):
        r, p = _nb_args(dist, size)
        return lo, stats.nbinom.pmf(k, r, p)
    return lo, stats.betabinom.pmf(k, size, dist.a, dist.b)


def convolve_pmfs(pmfs: Sequence[np.ndarray], method: str = "auto") -> np.ndarray:
    """The pmf of a sum of independent integer variables: the convolution of their pmfs.

    Parameters
    ----------
    pmfs : sequence of 1-D arrays
        The pmfs, each on consecutive integers from its own offset (the offset of the result
        is the sum of the offsets).
    method : {"auto", "direct", "fft"}
        ``direct`` uses ``numpy.convolve`` pairwise (exact up to rounding); ``fft``
        multiplies real FFTs of all pmfs at once (``scipy.fft``, one inverse transform);
        ``auto`` takes ``direct`` when it needs fewer than 2 million multiply-adds.

    Returns
    -------
    ndarray
        The pmf of the sum, of length ``sum(len) - len(pmfs) + 1``. FFT round-off (about
        1e-16 of the largest value) is clipped at zero and the result renormalised to sum 1.

    Examples
    --------
    Two dice:

    >>> import numpy as np
    >>> from spinemets._totals import convolve_pmfs
    >>> die = np.full(6, 1 / 6)
    >>> pmf = convolve_pmfs([die, die], method="fft")
    >>> len(pmf), round(float(pmf[5]), 12)  # P(sum = 7): 6/36
    (11, 0.166666666667)
    """
    if method not in ("auto", "direct", "fft"):
        raise ValueError(f"method must be 'auto', 'direct' or 'fft', got {method!r}")
    arrays = [np.asarray(p, dtype=float) for p in pmfs]
    if not arrays:
        raise ValueError("pmfs must hold at least one pmf, got none")
    length = sum(a.size for a in arrays) - len(arrays) + 1
    if method == "auto":
        work, run = 0, arrays[0].size
        for a in arrays[1:]:
            work += run * a.size
            run += a.size - 1
        method = "direct" if work <= _DIRECT_WORK else "fft"
    if method == "direct" or len(arrays) == 1:
        out = arrays[0]
        for a in arrays[1:]:
            out = np.convolve(out, a)
    else:
        from scipy import fft

        nfft = fft.next_fast_len(length, real=True)
        spectrum = fft.rfft(arrays[0], nfft)
        for a in arrays[1:]:
            spectrum *= fft.rfft(a, nfft)
        out = fft.irfft(spectrum, nfft)[:length]
    out = np.clip(out, 0.0, None)
    return out / out.sum()


def _discrete_quantiles(offset: int, pmf: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Smallest k with P(X <= k) >= q, for each q (the ``ppf`` of a discrete law)."""
    cdf = np.cumsum(pmf)
    idx = np.searchsorted(cdf, probs, side="left")
    return offset + np.minimum(idx, pmf.size - 1)


def _expected_total_quantiles(dists: Sequence[Param], sizes: np.ndarray,
                              probs: np.ndarray) -> tuple[np.ndarray, float]:
    """Quantiles of T = sum(size_i * theta_i), theta_i independent, and their error bound.

    Each ``size_i * theta_i`` is rounded to the nearest point of a grid of step ``h``
    (the exact masses of the rounding cells come from the law's CDF), the rounded laws are
    convolved, and the discrete quantiles read off. The rounded total differs from T by at
    most ``K h / 2`` (K parameters), so every quantile is within that bound, which is
    returned with the quantiles.
    """
    keep = [i for i, s in enumerate(sizes) if s > 0]
    if not keep:
        return np.zeros(probs.size), 0.0
    sds = np.array([sizes[i] * dists[i].std for i in keep])
    lows = np.array([sizes[i] * float(dists[i].ppf(TAIL)) for i in keep])
    highs = np.array([sizes[i] * float(dists[i].dist.isf(TAIL)) for i in keep])
    k = len(keep)
    sd_total = float(np.sqrt(np.sum(sds**2)))
    span = float(np.sum(highs - lows))
    if sd_total == 0 or span == 0:
        return np.full(probs.size, float(np.sum(sizes[keep] * [dists[i].mean for i in keep]))), 0.0
    h = max(GRID_FRACTION * sd_total / k, span / MAX_GRID)
    masses, offset = [], 0
    for j, i in enumerate(keep):
        first, last = math.floor(lows[j] / h), math.ceil(highs[j] / h)
        edges = (np.arange(first, last + 2) - 0.5) * h / sizes[i]
        cdf = np.asarray(dists[i].cdf(edges), dtype=float)
        cdf[0], cdf[-1] = 0.0, 1.0  # the cells at the ends take the tails
        masses.append(np.diff(cdf))
        offset += first
    pmf = convolve_pmfs(masses)
    return _discrete_quantiles(offset, pmf, probs) * h, k * h / 2


@dataclass(frozen=True)
class TotalResult:
    """The computed total (the statistical columns of :func:`spinemets.estimate_total`).

    ``extra`` holds route-specific figures: ``ci_error_bound`` (exact route), the bound on
    the error of ``median``/``ci_*`` from the grid.
    """

    mean: float
    median: float
    ci_lower: float
    ci_upper: float
    pi_lower: float
    pi_upper: float
    method: str
    mc_error: float
    extra: dict[str, float] = field(default_factory=dict)

    def columns(self) -> dict[str, Any]:
        """The result columns, by name."""
        return {"mean": self.mean, "median": self.median, "ci_lower": self.ci_lower,
                "ci_upper": self.ci_upper, "pi_lower": self.pi_lower,
                "pi_upper": self.pi_upper, "method": self.method, "mc_error": self.mc_error}


def support_size(dists: Sequence[Param], sizes: np.ndarray) -> int:
    """Number of points of the windows of the parameters' count pmfs (before convolving)."""
    total = 0
    for d, s in zip(dists, sizes, strict=True):
        if s > 0:
            lo, hi = _window(d, float(s))
            total += hi - lo + 1
    return total


def exact_total(dists: Sequence[Param], sizes: np.ndarray, level: float) -> TotalResult:
    """The total over independent Beta/Gamma parameters, by convolution.

    The predictive interval comes from the exact pmf of the total (the convolution of the
    parameters' beta-binomial / negative binomial pmfs): exact up to floating-point
    rounding and the 2e-12 of mass per tail left outside each pmf's window. The mean is
    exact. The median and interval of the expected total ``sum(size_i * theta_i)`` come
    from a numerical convolution of the parameters' laws on a grid whose step ``h`` is
    ``0.001 sd / K`` (``sd`` the standard deviation of the expected total, ``K`` the number
    of parameters; coarser only beyond 2**23 grid points): each is within ``K h / 2``
    (0.0005 standard deviations) of the exact value.
    """
    tail = (1 - level) / 2
    probs = np.array([tail, 0.5, 1 - tail])
    pieces = [count_pmf(d, float(s)) for d, s in zip(dists, sizes, strict=True) if s > 0]
    if pieces:
        pmf = convolve_pmfs([p for _, p in pieces])
        pi = _discrete_quantiles(sum(o for o, _ in pieces), pmf, probs[[0, 2]])
    else:
        pi = np.zeros(2)
    ci, bound = _expected_total_quantiles(dists, sizes, probs)
    mean = float(sum(s * d.mean for d, s in zip(dists, sizes, strict=True)))
    return TotalResult(mean=mean, median=float(ci[1]), ci_lower=float(ci[0]),
                       ci_upper=float(ci[2]), pi_lower=float(pi[0]), pi_upper=float(pi[1]),
                       method="exact", mc_error=0.0, extra={"ci_error_bound": bound})


# ------------------------------------------------------------ Monte Carlo route


def _sampler(dist: Param) -> Callable[[np.random.Generator, float, np.ndarray], np.ndarray]:
    if isinstance(dist, Rate):
        return lambda g, size, lam: g.poisson(size * lam)
    return lambda g, size, p: g.binomial(int(size), p)


def joint_monte_carlo(linked: Linked, level: float, draws: int,
                      rng: np.random.Generator) -> TotalResult:
    """The total by joint simulation, keeping the dependence of :func:`link_parameters`.

    Each draw takes one value per independent parameter (``rvs``) and, for each comonotone
    component, one uniform ``U`` read through every member's quantile function (the same
    quantile of each law); counts are then drawn given the values. Quantiles and their Monte
    Carlo errors come from :func:`spinemets._montecarlo.quantiles_with_error` (the counts
    with the discrete certainty rule). The mean is exact.
    """
    tail = (1 - level) / 2
    probs = np.array([tail, 0.5, 1 - tail])
    mean_total = np.zeros(draws)
    count_total = np.zeros(draws, dtype=np.int64)
    for component in linked.components:
        shared = rng.random(draws) if len(component) > 1 else None
        for g in component:
            dist, size = linked.dists[g], float(linked.sizes[g])
            if shared is None:
                theta = np.asarray(dist.rvs(size=draws, rng=rng), dtype=float)
            else:
                theta = np.asarray(dist.ppf(shared), dtype=float)
            mean_total += size * theta
            count_total += _sampler(dist)(rng, size, theta)
    m_vals, m_err = _montecarlo.quantiles_with_error(mean_total[None, :], probs, overwrite=True)
    c_vals, c_err = _montecarlo.quantiles_with_error(count_total[None, :], probs[[0, 2]],
                                                     discrete=True, overwrite=True)
    mean = float(sum(s * d.mean for d, s in zip(linked.dists, linked.sizes, strict=True)))
    return TotalResult(mean=mean, median=float(m_vals[0, 1]), ci_lower=float(m_vals[0, 0]),
                       ci_upper=float(m_vals[0, 2]), pi_lower=float(c_vals[0, 0]),
                       pi_upper=float(c_vals[0, 1]), method="monte_carlo",
                       mc_error=float(max(c_err.max(), m_err.max())))
