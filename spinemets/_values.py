"""The value types: :class:`Proportion` (a probability with uncertainty) and
:class:`Rate` (events per person-year with uncertainty).

Both wrap a frozen :mod:`scipy.stats` distribution and carry their provenance:
a label, the evidence ids they were built from, the encoding that built them
and the assumption behind it, in words.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import special, stats

from ._display import format_interval, format_value, html_record
from ._draw import plot_distribution
from ._laws import MixtureGen, ProductGen, mixture_dist, product_dist
from ._validation import (
    MAX_COMPONENTS,
    MAX_DRAWS,
    check_confidence_level,
    check_count,
    check_real,
    check_shape,
    make_rng,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["Proportion", "Rate", "logitnorm", "standard_law"]


@functools.cache
def _normal_rule() -> tuple[np.ndarray, np.ndarray]:
    """80-point Gauss-Hermite rule for a standard normal (computed on first use)."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(80)
    return nodes, weights / weights.sum()


class _LogitNormGen(stats.rv_continuous):
    r"""Logit-normal distribution: ``expit(Z)`` with ``Z ~ Normal(mu, sigma)``.

    Used for random-effects predictive distributions, which live on the logit
    scale. Moments are computed by Gauss–Hermite quadrature (80 nodes).
    """

    def _argcheck(self, mu, sigma):
        return np.isfinite(mu) & (sigma > 0)


    def _pdf(self, x, mu, sigma):
        z = special.logit(x)
        return stats.norm.pdf(z, mu, sigma) / (x * (1.0 - x))

    def _cdf(self, x, mu, sigma):
        return stats.norm.cdf((special.logit(x) - mu) / sigma)

    def _sf(self, x, mu, sigma):
        return stats.norm.sf((special.logit(x) - mu) / sigma)

    def _ppf(self, q, mu, sigma):
        return special.expit(mu + sigma * stats.norm.ppf(q))

    def _isf(self, q, mu, sigma):
        return special.expit(mu + sigma * stats.norm.isf(q))

    def _rvs(self, mu, sigma, size=None, random_state=None):
        return special.expit(mu + sigma * random_state.standard_normal(size))

    def _munp(self, n, mu, sigma):
        mu = np.asarray(mu, dtype=float)[..., None]
        sigma = np.asarray(sigma, dtype=float)[..., None]
        nodes, weights = _normal_rule()
        vals = special.expit(mu + sigma * nodes) ** n
        return np.sum(vals * weights, axis=-1)


logitnorm = _LogitNormGen(a=0.0, b=1.0, name="logitnorm")
"""Logit-normal distribution on (0, 1) with shapes ``mu`` and ``sigma`` (logit scale)."""


#: The laws :func:`standard_law` recognises: plain Beta and Gamma, the project's
#: logit-normal, and mixtures and products built only of such laws.
STANDARD_FAMILIES = ("beta", "gamma", "logitnorm", "mixture", "product")


def _shapes_loc_scale(dist: Any) -> tuple[tuple[float, ...], float, float] | None:
    """Shapes, loc and scale of a frozen scipy distribution (positional or keyword)."""
    gen = dist.dist
    names = [n for n in (gen.shapes or "").replace(" ", "").split(",") if n]
    args = list(dist.args)
    kwds = dict(dist.kwds)
    if len(args) > len(names) + 2:
        return None
    shapes = args[:len(names)]
    for name in names[len(shapes):]:
        if name not in kwds:
            return None
        shapes.append(kwds.pop(name))
    rest = args[len(names):]
    loc = rest[0] if rest else kwds.pop("loc", 0.0)
    scale = rest[1] if len(rest) > 1 else kwds.pop("scale", 1.0)
    if kwds:
        return None
    try:
        return tuple(float(v) for v in shapes), float(loc), float(scale)
    except (TypeError, ValueError):  # array-valued shapes: not one law
        return None


def standard_law(dist: Any) -> tuple[str, tuple[float, ...]] | None:
    """The family and parameters of ``dist`` if it is a law the exact engine covers, else None.

    Covered: a plain ``Beta(a, b)`` (``loc`` 0, ``scale`` 1) -> ``("beta", (a, b))``; a plain
    ``Gamma(shape, scale)`` (``loc`` 0, the scale given by position or keyword) ->
    ``("gamma", (shape, scale))``; the project's logit-normal (``loc`` 0, ``scale`` 1) ->
    ``("logitnorm", (mu, sigma))``; mixtures and products (``Proportion.mixture``, ``p1 * p2``)
    whose every part is covered -> ``("mixture", ())`` / ``("product", ())``. Anything else
    (a ``loc`` or ``scale`` on a Beta, another family) returns None: estimates then use Monte
    Carlo and say so, and ``method="exact"`` refuses it.

    Examples
    --------
    >>> from scipy import stats
    >>> from spinemets._values import standard_law
    >>> standard_law(stats.beta(2, 8))
    ('beta', (2.0, 8.0))
    >>> standard_law(stats.gamma(2, 0, 1e-4))
    ('gamma', (2.0, 0.0001))
    >>> standard_law(stats.beta(2, 8, scale=0.5)) is None
    True
    >>> standard_law(stats.uniform()) is None
    True
    """
    gen = getattr(dist, "dist", None)
    if isinstance(gen, MixtureGen):
        ok = all(standard_law(c) is not None for c in gen.components)
        return ("mixture", ()) if ok else None
    if isinstance(gen, ProductGen):
        ok = all(standard_law(f) is not None for f in gen.factors)
        return ("product", ()) if ok else None
    if gen is None or not hasattr(dist, "args") or not hasattr(dist, "kwds"):
        return None
    parsed = _shapes_loc_scale(dist)
    if parsed is None:
        return None
    shapes, loc, scale = parsed
    if loc != 0.0 or not all(np.isfinite(shapes)) or not np.isfinite(scale):
        return None
    if type(gen) is type(stats.beta) and scale == 1.0:
        return "beta", shapes
    if type(gen) is type(stats.gamma) and scale > 0:
        return "gamma", (*shapes, scale)
    if isinstance(gen, _LogitNormGen) and scale == 1.0:
        return "logitnorm", shapes
    return None


def check_dist(dist: Any, kind: str) -> None:
    """Refuse what is not a frozen scipy law with finite parameters (``dist`` of ``kind``)."""
    for attr in ("support", "cdf", "sf", "ppf", "mean", "rvs"):
        if not callable(getattr(dist, attr, None)) or not hasattr(dist, "dist"):
            raise TypeError(f"dist must be a frozen scipy.stats distribution for a {kind} "
                            f"(e.g. scipy.stats.beta(2, 8)), got {type(dist).__name__} "
                            f"{dist!r:.80}")
    if not isinstance(dist.dist, stats.rv_continuous):
        raise TypeError(f"dist must be a continuous law for a {kind}, got the "
                        f"{type(dist.dist).__name__} distribution {dist.dist.name!r}")
    family = {type(stats.beta): ("a", "b"), type(stats.gamma): ("shape",)}.get(type(dist.dist))
    if family is not None:  # with or without loc/scale: the same shape limits
        shapes = dist.args[:len(family)] if len(dist.args) >= len(family) else tuple(
            dist.kwds.get(n, np.nan) for n in family)
        for name, value in zip(family, shapes, strict=False):
            check_shape(value, f"dist {name}")
    with np.errstate(all="ignore"):
        raw = np.asarray(dist.mean())
    if raw.ndim != 0:
        raise TypeError(f"dist must be one law (scalar parameters) for a {kind}, got a frozen "
                        f"distribution with parameters of shape {raw.shape}")
    mean = float(raw)
    if not np.isfinite(mean):
        raise ValueError(f"dist must have a finite mean for a {kind} (valid parameters), got "
                         f"{_dist_text(dist)} with mean {mean!r}")
    if standard_law(dist) is not None or isinstance(dist.dist, (MixtureGen, ProductGen)):
        return  # shapes checked above, or built from checked laws
    with np.errstate(all="ignore"):
        q = np.asarray(dist.ppf([0.0005, 0.5, 0.9995]), dtype=float)
    if not (np.isfinite(q).all() and q[0] <= q[1] <= q[2]):
        raise ValueError(f"dist must have finite, ordered quantiles for a {kind} (a law this "
                         f"extreme is beyond double precision), got {_dist_text(dist)} with "
                         f"0.05%, 50%, 99.95% quantiles {q.tolist()!r}")


def _dist_text(dist: Any) -> str:
    name = dist.dist.name
    if isinstance(dist.dist, MixtureGen):
        parts = ", ".join(_dist_text(c) for c in dist.dist.components)
        weights = ", ".join(f"{w:.6g}" for w in dist.dist.weights)
        return f"mixture({parts}; weights {weights})"
    if isinstance(dist.dist, ProductGen):
        return " × ".join(_dist_text(f) for f in dist.dist.factors)
    args = ", ".join(f"{v:.6g}" for v in dist.args)
    kwds = ", ".join(f"{k}={v:.6g}" for k, v in dist.kwds.items() if k != "loc" or v != 0)
    inner = ", ".join(p for p in (args, kwds) if p)
    return f"{name}({inner})"


@dataclass(frozen=True, repr=False, eq=False)
class _Uncertain:
    """Shared behaviour of :class:`Proportion` and :class:`Rate`."""

    dist: Any
    label: str = ""
    sources: tuple[str, ...] = ()
    encoding: str = ""
    assumption: str = ""
    _kind: str = field(default="", init=False)

    @property
    def mean(self) -> float:
        """Mean of the distribution."""
        return float(self.dist.mean())

    @property
    def median(self) -> float:
        """Median of the distribution."""
        return float(self.dist.median())

    @property
    def std(self) -> float:
        """Standard deviation of the distribution."""
        return float(self.dist.std())

    def interval(self, confidence_level: float = 0.95) -> tuple[float, float]:
        """Equal-tailed interval holding ``confidence_level`` of the mass.

        The upper end is the upper-tail quantile (``isf``), so levels within 1e-16 of 1 stay
        finite for unbounded laws.
        """
        level = check_confidence_level(confidence_level)
        tail = (1.0 - level) / 2.0
        lo, hi = float(self.dist.ppf(tail)), float(self.dist.isf(tail))
        # the two tails are computed apart: at levels near 0 rounding may cross them
        return min(lo, hi), max(lo, hi)

    def ppf(self, q: Any) -> Any:
        """Quantile function (inverse CDF)."""
        return self.dist.ppf(q)

    def cdf(self, x: Any) -> Any:
        """Cumulative distribution function."""
        return self.dist.cdf(x)

    def sf(self, x: Any) -> Any:
        """Survival function, ``P(X > x)``."""
        return self.dist.sf(x)

    def rvs(self, size: int | tuple[int, ...] | None = None, rng: Any = None) -> Any:
        """Random draws; randomness only through ``rng`` (None, int or Generator).

        ``size`` (an int or a tuple of ints) holds at most ``MAX_DRAWS`` draws in all.
        """
        if size is not None:
            dims = tuple(check_count(d, "size") for d in (
                size if isinstance(size, tuple) else (size,)))
            if math.prod(dims) > MAX_DRAWS:
                raise ValueError(f"size must hold at most {MAX_DRAWS:,} draws (draw in "
                                 f"batches), got {size!r}")
            size = dims if isinstance(size, tuple) else dims[0]
        return self.dist.rvs(size=size, random_state=make_rng(rng))

    @classmethod
    def mixture(cls, components: Any, weights: Any, *, label: str = "",
                sources: Iterable[str] | str | None = None, assumption: str = "") -> Any:
        """A finite mixture of parameters of this type: ``sum_i w_i`` (law of component i).

        The value of a parameter that follows component ``i`` with probability ``w_i`` --
        e.g. the share of spinal metastases in a cohort of mixed primary sites, or two
        readings of the evidence weighted by belief. Its law is exact (cdf, sf and pdf are
        the weighted sums; quantiles by bisection), and :func:`spinemets.estimate` gives
        exact predictive counts for it (the same mixture of the components' counts).

        Parameters
        ----------
        components : sequence of Proportion (or of Rate, for ``Rate.mixture``)
            At least one component, all of the calling class.
        weights : sequence of float
            One finite, non-negative weight per component, at least one positive; they are
            normalised to sum to 1.
        label, assumption : str
            Provenance; by default the label names the components and the assumption says
            how they were mixed.
        sources : str or sequence of str, optional
            Evidence ids; by default the union of the components'.

        Returns
        -------
        Proportion or Rate

        Raises
        ------
        TypeError
            A component of another type, or weights that are not numbers.
        ValueError
            No component, a weight count that differs from the components', a negative or
            non-finite weight, or weights that sum to 0.

        Examples
        --------
        >>> import spinemets as sm
        >>> a = sm.Proportion.beta(20, 80, label="a")
        >>> b = sm.Proportion.beta(60, 40, label="b")
        >>> m = sm.Proportion.mixture([a, b], [3, 1])
        >>> m.label, round(m.mean, 6)
        ('mixture(a, b)', 0.3)
        >>> sm.estimate(100, m)["method"].tolist()
        ['exact']
        """
        parts = list(components) if isinstance(components, (list, tuple)) else None
        if not parts:
            raise ValueError(f"components must be a non-empty list or tuple of {cls.__name__}, "
                             f"got {components!r:.80}")
        for i, part in enumerate(parts):
            if not isinstance(part, cls):
                raise TypeError(f"components must all be {cls.__name__}, got "
                                f"{type(part).__name__} at position {i}")
        try:
            w = np.asarray(weights, dtype=float).reshape(-1)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"weights must be a sequence of numbers, got {weights!r:.80}"
                            ) from exc
        if isinstance(weights, (str, bytes)) or w.size != len(parts):
            raise ValueError(f"weights must hold one number per component ({len(parts)}), "
                             f"got {weights!r:.80}")
        if len(parts) > MAX_COMPONENTS:
            raise ValueError(f"components must number at most {MAX_COMPONENTS} (each exact "
                             f"quantile evaluates every one; merge similar ones), got "
                             f"{len(parts)}")
        if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise ValueError(f"weights must be finite, >= 0 and not all 0, got {w.tolist()}")
        w = w / w.sum()
        names = [p.label or p.encoding or _dist_text(p.dist) for p in parts]
        dist = mixture_dist([p.dist for p in parts], w,
                            1.0 if issubclass(cls, Proportion) else np.inf)
        weights_text = ", ".join(f"{x:.6g}" for x in w)
        texts = [f"{n}: {p.assumption}" for n, p in zip(names, parts, strict=True)
                 if p.assumption]
        text = assumption or (
            f"Mixture of {len(parts)} parameters with weights {weights_text} "
            f"({', '.join(names)}): the value follows each with that probability."
            + (" " + " | ".join(texts) if texts else ""))
        if sources is None:
            sources = tuple(dict.fromkeys(s for p in parts for s in p.sources))
        encoding = ("mixture([" + ", ".join(p.encoding or _dist_text(p.dist) for p in parts)
                    + f"], weights=[{weights_text}])")
        return cls(dist, label=label or f"mixture({', '.join(names)})",
                   sources=_tuple_of_str(sources), encoding=encoding, assumption=text)

    def _provenance(self) -> dict[str, str]:
        return {
            "label": self.label,
            "distribution": _dist_text(self.dist),
            "sources": ";".join(self.sources),
            "encoding": self.encoding,
            "assumption": self.assumption,
        }

    @property
    def unit(self) -> str:
        """The display unit of the value: ``"fraction"`` (shown as percent)."""
        return "fraction"

    def _fmt(self, x: float) -> str:
        return format_value(x, self.unit, style="text")

    def _fmt_interval(self, lo: float, hi: float) -> str:
        return format_interval(lo, hi, self.unit)

    def to_frame(self, confidence_level: float = 0.95) -> pd.DataFrame:
        """One-row tidy summary: mean, median, interval, distribution and provenance."""
        lo, hi = self.interval(confidence_level)
        row = {
            "label": self.label,
            "mean": self.mean,
            "median": self.median,
            "ci_lower": lo,
            "ci_upper": hi,
            "confidence_level": float(confidence_level),
        }
        row.update({k: v for k, v in self._provenance().items() if k != "label"})
        return pd.DataFrame([row])

    def __repr__(self) -> str:
        lo, hi = self.interval(0.95)
        label = f" {self.label!r}" if self.label else ""
        return (
            f"{type(self).__name__}{label}: {_dist_text(self.dist)}, mean {self._fmt(self.mean)}, "
            f"95% interval {self._fmt_interval(lo, hi)}"
        )

    def _repr_html_(self) -> str:
        lo, hi = self.interval(0.95)
        rows = [
            ("mean", self._fmt(self.mean)),
            ("95% interval", self._fmt_interval(lo, hi)),
        ]
        rows += [(k, v) for k, v in self._provenance().items() if v and k != "label"]
        return html_record(f"{type(self).__name__} {self.label}".strip(), rows)

    def plot(self, ax: Axes | None = None, confidence_level: float = 0.95,
             **kwargs: Any) -> Axes:
        """Plot the density with its interval shaded; returns the matplotlib ``Axes``."""
        return plot_distribution(self, ax=ax, confidence_level=confidence_level, **kwargs)


def _tuple_of_str(sources: Iterable[str] | str | None) -> tuple[str, ...]:
    if sources is None:
        return ()
    if isinstance(sources, str):
        return tuple(s.strip() for s in sources.split(";") if s.strip())
    return tuple(str(s) for s in sources)


@dataclass(frozen=True, repr=False, eq=False)
class Proportion(_Uncertain):
    """A probability with uncertainty, backed by a frozen scipy distribution on [0, 1].

    Build one with :meth:`Proportion.beta`, with the encoders
    (:func:`spinemets.beta_from_counts`, :func:`spinemets.beta_from_range`) or
    from a named parameter (:func:`spinemets.parameter`).

    Attributes
    ----------
    dist : scipy.stats frozen distribution
        The distribution (a Beta in nearly all cases).
    label : str
        Short human-readable name.
    sources : tuple of str
        Evidence ids (rows of :func:`spinemets.evidence`) behind it.
    encoding : str
        The call that built it, e.g. ``"beta_from_counts(258, 842, prior=(0.5, 0.5))"``.
    assumption : str
        The modelling assumption, in words.

    Examples
    --------
    >>> import spinemets as sm
    >>> p = sm.Proportion.beta(258.5, 584.5, label="spinal metastases at autopsy")
    >>> round(p.mean, 4)
    0.3066
    >>> lo, hi = p.interval(0.95)
    >>> bool(lo < p.mean < hi)
    True
    """

    _kind: str = field(default="proportion", init=False)

    def __post_init__(self) -> None:
        check_dist(self.dist, "Proportion")
        lo, hi = self.dist.support()
        if not (lo >= 0 and hi <= 1):
            raise ValueError(
                f"dist must have support inside [0, 1] for a Proportion, got support [{lo}, {hi}]"
            )
        object.__setattr__(self, "sources", _tuple_of_str(self.sources))

    @classmethod
    def beta(cls, a: float, b: float, *, label: str = "", sources: Iterable[str] | str = (),
             encoding: str = "", assumption: str = "") -> Proportion:
        """A Beta(a, b)-distributed proportion.

        Parameters
        ----------
        a, b : float
            Positive shape parameters.
        label, sources, encoding, assumption : str
            Provenance; see the class attributes.

        Examples
        --------
        >>> import spinemets as sm
        >>> sm.Proportion.beta(2, 8).mean
        0.2
        """
        a = check_shape(a, "a")
        b = check_shape(b, "b")
        return cls(
            stats.beta(a, b), label=label, sources=_tuple_of_str(sources),
            encoding=encoding or f"Proportion.beta({a:.6g}, {b:.6g})", assumption=assumption,
        )

    @classmethod
    def logit_normal(cls, mu: float, sigma: float, *, label: str = "",
                     sources: Iterable[str] | str = (), encoding: str = "",
                     assumption: str = "") -> Proportion:
        """A proportion whose logit is Normal(mu, sigma) (random-effects predictive form).

        Examples
        --------
        >>> import spinemets as sm
        >>> round(sm.Proportion.logit_normal(0.0, 0.5).median, 6)
        0.5
        """
        mu = check_real(mu, "mu")
        sigma = check_real(sigma, "sigma", low=0, low_open=True)
        return cls(
            logitnorm(mu, sigma), label=label, sources=_tuple_of_str(sources),
            encoding=encoding or f"Proportion.logit_normal({mu:.6g}, {sigma:.6g})",
            assumption=assumption,
        )

    @property
    def is_beta(self) -> bool:
        """True when the distribution is a plain Beta (loc 0, scale 1: exact beta-binomial
        counts apply); see :func:`standard_law`."""
        law = standard_law(self.dist)
        return law is not None and law[0] == "beta"

    @property
    def a(self) -> float:
        """First Beta shape (only for Beta-backed proportions)."""
        return self._beta_shapes()[0]

    @property
    def b(self) -> float:
        """Second Beta shape (only for Beta-backed proportions)."""
        return self._beta_shapes()[1]

    def _beta_shapes(self) -> tuple[float, float]:
        if not self.is_beta:
            raise AttributeError(
                f"this Proportion is backed by {self.dist.dist.name!r}, not a Beta: it has no a, b"
            )
        shapes = standard_law(self.dist)[1]  # type: ignore[index]
        return shapes[0], shapes[1]

    def __mul__(self, other: Any) -> Proportion | Rate:
        """The product with an independent Proportion (a Proportion) or Rate (a Rate).

        ``P(spinal metastases) * P(MSCC | spinal metastases)`` is the probability of both:
        its distribution is the exact law of the product of the two independent laws
        (tabulated once; see ``spinemets._laws``), its mean the product of the means, its
        provenance the two joined.

        Examples
        --------
        >>> import spinemets as sm
        >>> a = sm.Proportion.beta(30, 70, label="a", sources=["E1"])
        >>> b = sm.Proportion.logit_normal(0.0, 0.3, label="b", sources=["E2"])
        >>> ab = a * b
        >>> ab.label, ab.sources, round(ab.mean / (a.mean * b.mean), 12)
        ('a × b', ('E1', 'E2'), 1.0)
        """
        if isinstance(other, Proportion):
            return _product(self, other, Proportion)
        if isinstance(other, Rate):
            return _product(other, self, Rate)
        return NotImplemented

    def __rmul__(self, other: Any) -> Proportion | Rate:
        if isinstance(other, Rate):
            return _product(other, self, Rate)
        return NotImplemented


#: Tail probability at which a factor of a product must still be above 0 in float64: the
#: product's law is tabulated on the log scale between its quantiles of about this order.
_PRODUCT_TAIL = 1e-12


def _check_factor(p: _Uncertain) -> None:
    """Refuse a factor whose lower tail underflows (the product's table would be empty)."""
    low = float(p.dist.ppf(_PRODUCT_TAIL))
    high = float(p.dist.isf(_PRODUCT_TAIL))
    top = 1.0 if isinstance(p, Proportion) else np.inf
    if not (0.0 < low < high and low < top):  # no mass at 0, not a point mass in float64
        name = p.label or p.encoding or _dist_text(p.dist)
        raise ValueError(
            f"cannot form the product with {name!r}: its {_PRODUCT_TAIL:g} and "
            f"1 - {_PRODUCT_TAIL:g} quantiles are {low!r} and {high!r} (they reach the end "
            "of the support or coincide in float64), so the product's law cannot be tabulated "
            "(e.g. a Beta or Gamma with a shape below about 0.05); use a law with less mass "
            "at the ends, or simulate the product with .rvs")


def _product(x: _Uncertain, y: _Uncertain, cls: type) -> Any:
    """``x * y`` for independent parameters, as ``cls`` with joined provenance."""
    _check_factor(x)
    _check_factor(y)
    lx = x.label or x.encoding or _dist_text(x.dist)
    ly = y.label or y.encoding or _dist_text(y.dist)
    try:
        dist = product_dist(x.dist, y.dist, "logit" if cls is Proportion else "log")
    except (ValueError, IndexError) as exc:  # a table with too few usable points
        raise ValueError(
            f"cannot form the product of {lx!r} and {ly!r}: its law could not be tabulated "
            f"({exc}); one factor is (nearly) a point mass or puts its mass at the ends of "
            "its support. Use less extreme laws, or simulate the product with .rvs") from exc
    enc = " × ".join(f"({p.encoding or _dist_text(p.dist)})" for p in (x, y))
    texts = [f"{lab}: {p.assumption}" for lab, p in ((lx, x), (ly, y)) if p.assumption]
    assumption = (f"Product of two parameters assumed independent ({lx} and {ly}); the law of "
                  "the product is computed exactly from the two laws.")
    if texts:
        assumption += " " + " | ".join(texts)
    return cls(dist, label=f"{lx} × {ly}",
               sources=tuple(dict.fromkeys((*x.sources, *y.sources))),
               encoding=enc, assumption=assumption)


@dataclass(frozen=True, repr=False, eq=False)
class Rate(_Uncertain):
    """An event rate per person-year with uncertainty (Gamma-distributed).

    Display uses "per 100,000 person-years"; values are always per person-year.

    Examples
    --------
    >>> import spinemets as sm
    >>> r = sm.Rate.gamma(229.5, 1_000_000, label="spinal metastases, diagnosed")
    >>> round(r.mean * 100_000, 2)
    22.95
    """

    _kind: str = field(default="rate", init=False)

    def __post_init__(self) -> None:
        check_dist(self.dist, "Rate")
        lo, _ = self.dist.support()
        if not lo >= 0:
            raise ValueError(f"dist must be non-negative for a Rate, got support from {lo}")
        object.__setattr__(self, "sources", _tuple_of_str(self.sources))

    @classmethod
    def gamma(cls, shape: float, inverse_scale: float, *, label: str = "",
              sources: Iterable[str] | str = (), encoding: str = "",
              assumption: str = "") -> Rate:
        """A Gamma-distributed event rate per person-year.

        Parameters
        ----------
        shape : float > 0
            Gamma shape.
        inverse_scale : float > 0
            Gamma rate parameter (1 / scale), in person-years: with counts, the exposure.
            The mean rate per person-year is ``shape / inverse_scale``.
        label, sources, encoding, assumption : str
            Provenance stored on the result.

        Examples
        --------
        50 events (plus the Jeffreys half) in 500,000 person-years:

        >>> import spinemets as sm
        >>> r = sm.Rate.gamma(50.5, 5e5)
        >>> r.mean
        0.000101
        >>> r.inverse_scale * r.mean == r.shape
        True
        """
        shape = check_shape(shape, "shape")
        inverse_scale = check_real(inverse_scale, "inverse_scale", low=0, low_open=True)
        if not np.isfinite(1.0 / inverse_scale):
            raise ValueError(f"inverse_scale must be >= 1e-308 (its inverse, the scale, must "
                             f"be finite), got {inverse_scale!r}")
        return cls(
            stats.gamma(shape, scale=1.0 / inverse_scale), label=label,
            sources=_tuple_of_str(sources),
            encoding=encoding or f"Rate.gamma({shape:.6g}, {inverse_scale:.6g})",
            assumption=assumption,
        )

    @property
    def mean(self) -> float:
        """Mean rate, per person-year (22.9 per 100,000 per year is ``2.29e-4``)."""
        return float(self.dist.mean())

    @property
    def shape(self) -> float:
        """Gamma shape (only for a Gamma-backed rate)."""
        return self._gamma_parameters()[0]

    @property
    def inverse_scale(self) -> float:
        """Gamma rate parameter, 1 / scale, in person-years (only for a Gamma-backed rate).

        Not the event rate: that is :attr:`mean` (``shape / inverse_scale``) per person-year.
        """
        return 1.0 / self._gamma_parameters()[1]

    def _gamma_parameters(self) -> tuple[float, float]:
        law = standard_law(self.dist)
        if law is None or law[0] != "gamma":
            raise AttributeError(f"this Rate is backed by {_dist_text(self.dist)}, not a plain "
                                 "Gamma (loc 0): it has no shape, inverse_scale")
        return law[1][0], law[1][1]

    @property
    def is_gamma(self) -> bool:
        """True when the distribution is a plain Gamma (loc 0: exact negative binomial counts
        apply, whether its scale was given by position or keyword); see :func:`standard_law`."""
        law = standard_law(self.dist)
        return law is not None and law[0] == "gamma"

    def __mul__(self, other: Any) -> Rate:
        """The rate of a sub-event: this rate times an independent :class:`Proportion`.

        Examples
        --------
        >>> import spinemets as sm
        >>> r = sm.Rate.gamma(50.0, 1e5, label="referrals") * sm.Proportion.beta(10, 30)
        >>> type(r).__name__, round(r.mean / (5e-4 * 0.25), 12)
        ('Rate', 1.0)
        """
        if isinstance(other, Proportion):
            return _product(self, other, Rate)
        return NotImplemented

    @property
    def unit(self) -> str:
        """The display unit of the value: ``"per_person_year"`` (shown per 100,000)."""
        return "per_person_year"
