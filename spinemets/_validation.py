"""Argument checks shared by the public functions.

Every check raises :class:`TypeError` for a wrong kind of value and
:class:`ValueError` for a wrong value, naming the argument, the rule and the
value received.
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

if TYPE_CHECKING:
    import dask.dataframe as dd

RNGLike = None | int | np.random.Generator
#: What ``estimate``, ``estimate_total`` and ``sensitivity`` take as a cohort: a size, sizes,
#: a Series of sizes, a DataFrame with a size column, or a Dask DataFrame.
CohortLike: TypeAlias = "ArrayLike | pd.Series | pd.DataFrame | dd.DataFrame"

# ------------------------------------------------------------------ resource limits
# Every input that scales work or memory is bounded here, in one place, and checked before
# anything is allocated. SECURITY.md quotes these values; the messages say what to change.

#: Largest count (cohort size, events, totals): whole numbers are exact in float64 below
#: 2**53 and the exact count kernels (``spinemets.counts``) accept sizes up to 2**52.
MAX_COUNT = 2**52

#: Largest exposure in person-years (a cohort's ``person_years``): 1e12, more than a
#: century of the whole world's population.
MAX_PERSON_YEARS = 1e12

#: Largest shape parameter of a Beta (``a``, ``b``) or Gamma (``shape``) law: 1e9. Beyond it
#: the law is a point mass for every practical purpose, and the exact beta-binomial kernel
#: loses accuracy: against quadrature its CDF errs by up to about 1e-9 for ``a + b`` below
#: 1e9, 1e-7 to 1e9 - 1e10, 4e-5 to 1e11, and its intervals are visibly wrong above 3e12.
MAX_SHAPE = 1e9

#: Smallest shape parameter: scipy's Beta overflows and its Gamma quantiles turn NaN for
#: shapes near the smallest normal double (1e-308); 1e-100 leaves a wide margin and is
#: already a point mass at 0 (or 1) for every practical purpose.
MIN_SHAPE = 1e-100

#: Largest number of Monte Carlo draws: one stratum's draws are held in memory at once
#: (about 3 x 8 bytes per draw while its quantiles are taken), so this keeps a run under
#: about 250 MB whatever the number of strata.
MAX_DRAWS = 10_000_000

#: Largest number of rows of a table (a cohort, an evidence or claims table, studies to
#: pool): 1e7 rows keep every per-row array of a result under about 100 MB.
MAX_ROWS = 10_000_000

#: Largest number of components of a mixture (``Proportion.mixture``, ``Rate.mixture``):
#: every exact quantile evaluates each component, so work grows with their number.
MAX_COMPONENTS = 1000

#: Range of the coefficient of variation accepted by ``gamma_from_mean``: the Gamma's shape
#: is ``1 / cv**2``, so this keeps it within ``[1e-6, 1e8]`` (inside ``MAX_SHAPE``).
GAMMA_CV_RANGE = (1e-4, 1e3)

#: Largest absolute effect accepted by ``pool`` and range of its sampling variances: the
#: estimators square effects and invert variances, so these keep every sum finite in float64.
#: Effects are on a transformed scale (logit, log) where 1e50 is already absurd.
POOL_EFFECT_LIMIT = 1e50
POOL_VARIANCE_RANGE = (1e-50, 1e50)

#: Largest expected count a result may reach (cohort size times the parameter's upper
#: quantile): the exact kernels and int64 counts stay exact below it.
MAX_EXPECTED_COUNT = float(MAX_COUNT)


def check_draws(draws: Any, name: str = "draws", *, minimum: int = 100) -> int:
    """Return ``draws`` as an int in ``[minimum, MAX_DRAWS]``.

    Examples
    --------
    >>> from spinemets._validation import check_draws
    >>> check_draws(2000)
    2000
    """
    out = check_count(draws, name, minimum=minimum)
    if out > MAX_DRAWS:
        raise ValueError(f"{name} must be <= {MAX_DRAWS:,} (memory bound of the Monte Carlo "
                         f"engine; use fewer draws), got {out:,}")
    return out


def check_rows(count: int, name: str) -> None:
    """Refuse a table of more than :data:`MAX_ROWS` rows, naming it."""
    if count > MAX_ROWS:
        raise ValueError(f"{name} must have at most {MAX_ROWS:,} rows (split it and "
                         f"concatenate the results), got {count:,} rows")


def check_shape(value: Any, name: str) -> float:
    """Return a Beta/Gamma shape parameter as a float in ``[MIN_SHAPE, MAX_SHAPE]``.

    Examples
    --------
    >>> from spinemets._validation import check_shape
    >>> check_shape(2, "a")
    2.0
    """
    out = check_real(value, name, low=0, low_open=True)
    if out > MAX_SHAPE:
        raise ValueError(f"{name} must be <= {MAX_SHAPE:g} (a shape this large is a point "
                         f"mass; use a smaller one, e.g. fewer pseudo-observations), got {out!r}")
    if out < MIN_SHAPE:
        raise ValueError(f"{name} must be >= {MIN_SHAPE:g} (smaller shapes overflow the "
                         f"distribution's functions), got {out!r}")
    return out


def check_confidence_level(confidence_level: Any, name: str = "confidence_level") -> float:
    """Return ``confidence_level`` as a float strictly inside (0, 1)."""
    if isinstance(confidence_level, bool) or not isinstance(confidence_level, numbers.Real):
        raise TypeError(
            f"{name} must be a real number in (0, 1), got {type(confidence_level).__name__} "
            f"{confidence_level!r}"
        )
    value = float(confidence_level)
    if not (0.0 < value < 1.0):
        raise ValueError(
            f"{name} must lie strictly between 0 and 1 (a fraction, e.g. 0.95), got {value!r}"
        )
    return value


def check_str(value: Any, name: str) -> str:
    """``value`` if it is a string, else a TypeError naming ``name`` and what was given.

    >>> check_str("breast", "primary_site")
    'breast'
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__} {value!r:.60}")
    return value


def check_real(value: Any, name: str, *, low: float | None = None, high: float | None = None,
               low_open: bool = False, high_open: bool = False) -> float:
    """Return ``value`` as a finite float inside the given bounds."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    out = float(value)
    if not np.isfinite(out):
        raise ValueError(f"{name} must be finite, got {out!r}")
    if low is not None and (out < low or (low_open and out == low)):
        rule = ">" if low_open else ">="
        raise ValueError(f"{name} must be {rule} {low}, got {out!r}")
    if high is not None and (out > high or (high_open and out == high)):
        rule = "<" if high_open else "<="
        raise ValueError(f"{name} must be {rule} {high}, got {out!r}")
    return out


def check_fraction(value: Any, name: str, *, open_low: bool = False,
                   open_high: bool = False) -> float:
    """Return ``value`` as a float in [0, 1] (ends optionally open)."""
    out = check_real(value, name)
    if out < 0 or out > 1 or (open_low and out == 0) or (open_high and out == 1):
        lo = "(" if open_low else "["
        hi = ")" if open_high else "]"
        hint = " (fractions, not percent: 0.3 means 30%)" if out > 1 else ""
        raise ValueError(f"{name} must lie in {lo}0, 1{hi}{hint}, got {out!r}")
    return out


def check_count(value: Any, name: str, *, minimum: int = 0) -> int:
    """Return ``value`` as a Python int >= ``minimum`` (whole floats are accepted)."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a whole number, got bool {value!r}")
    if isinstance(value, numbers.Integral):
        out = int(value)
    elif isinstance(value, numbers.Real):
        fval = float(value)
        if not np.isfinite(fval):
            raise ValueError(f"{name} must be a finite whole number, got {fval!r}")
        if fval != np.floor(fval):
            raise ValueError(f"{name} must be a whole number, got {fval!r}")
        out = int(fval)
    else:
        raise TypeError(f"{name} must be a whole number, got {type(value).__name__} {value!r}")
    if out > MAX_COUNT:
        raise ValueError(f"{name} must be <= {MAX_COUNT} (2**52), got {out!r}")
    if out < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {out!r}")
    return out


def check_count_array(values: Any, name: str, *, minimum: int = 0) -> np.ndarray:
    """Return ``values`` as a 1-D int64 array of whole numbers >= ``minimum``."""
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError):  # ragged nesting, e.g. [0, [0.3]]
        raise TypeError(f"{name} must be a flat sequence of whole numbers, got "
                        f"{values!r:.80}") from None
    if arr.dtype == bool:
        raise TypeError(f"{name} must hold whole numbers, got booleans")
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold whole numbers, got dtype {arr.dtype} ({values!r:.80})")
    arr = np.atleast_1d(arr)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr)
        if bad.any():
            raise ValueError(
                f"{name} must be finite whole numbers, got {arr[bad][0].item()!r} at position "
                f"{int(np.flatnonzero(bad)[0])}"
            )
        frac = arr != np.floor(arr)
        if frac.any():
            raise ValueError(
                f"{name} must be whole numbers, got {arr[frac][0].item()!r} at position "
                f"{int(np.flatnonzero(frac)[0])}"
            )
    big = np.abs(arr) > MAX_COUNT
    if big.any():
        raise ValueError(f"{name} must be <= {MAX_COUNT} (2**52), got {arr[big][0].item()!r} "
                         f"at position {int(np.flatnonzero(big)[0])}")
    out = arr.astype(np.int64)
    low = out < minimum
    if low.any():
        raise ValueError(
            f"{name} must be >= {minimum}, got {out[low][0].item()!r} at position "
            f"{int(np.flatnonzero(low)[0])}"
        )
    return out


def make_rng(rng: Any) -> np.random.Generator:
    """Normalise ``rng`` (None, int or Generator) to a :class:`numpy.random.Generator`."""
    if rng is None or isinstance(rng, np.random.Generator):
        return np.random.default_rng(rng)
    if isinstance(rng, bool) or not isinstance(rng, numbers.Integral):
        raise TypeError(
            f"rng must be None, an int seed or a numpy.random.Generator, got "
            f"{type(rng).__name__} {rng!r}"
        )
    if int(rng) < 0:
        raise ValueError(f"rng seed must be >= 0, got {int(rng)!r}")
    return np.random.default_rng(int(rng))


SEED_BITS = 63
"""Recorded seeds are integers below ``2**63`` so that they fit a signed 64-bit column."""


def resolve_rng(rng: Any) -> tuple[np.random.Generator, int]:
    """A generator *and the seed that recreates it*, for results that record their seed.

    ``None`` draws a fresh seed from the operating system's entropy; an int is used as the
    seed; a :class:`numpy.random.Generator` supplies one seed from its own stream (so the
    caller's generator advances, and ``rng=<recorded seed>`` reproduces the result exactly).

    Examples
    --------
    >>> import numpy as np
    >>> from spinemets._validation import resolve_rng
    >>> g, seed = resolve_rng(7)
    >>> seed, float(g.random()) == float(np.random.default_rng(7).random())
    (7, True)
    >>> g1, s1 = resolve_rng(np.random.default_rng(1))
    >>> g2, _ = resolve_rng(s1)
    >>> float(g1.random()) == float(g2.random())
    True
    """
    if rng is None:
        seed = int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> (64 - SEED_BITS))
    elif isinstance(rng, np.random.Generator):
        seed = int(rng.integers(0, 2**SEED_BITS))
    else:
        make_rng(rng)  # type and sign checks, with their messages
        seed = int(rng)
    return np.random.default_rng(seed), seed


def check_total_size(total: float, column: str) -> None:
    """Refuse a cohort whose summed ``n`` (or ``person_years``) exceeds the per-row limit."""
    top = float(MAX_PERSON_YEARS if column == "person_years" else MAX_COUNT)
    if not total <= top:
        raise ValueError(f"cohort column {column!r} must sum to at most {top:g} for a total, "
                         f"got {total:g}; total fewer or smaller strata")


def check_size_column(frame: pd.DataFrame, column: str, *, is_rate: bool) -> np.ndarray:
    """The cohort's size column (``n`` or ``person_years``) checked and as an array.

    Numeric, finite and ``>= 0``; whole numbers up to :data:`MAX_COUNT` (int64) unless
    ``is_rate`` (person-years, float, up to :data:`MAX_PERSON_YEARS`); at most
    :data:`MAX_ROWS` rows. Errors name the column, the rule, the value and its row.

    Examples
    --------
    >>> import pandas as pd
    >>> from spinemets._validation import check_size_column
    >>> check_size_column(pd.DataFrame({"n": [10, 0]}), "n", is_rate=False)
    array([10,  0])
    """
    check_rows(len(frame), "cohort")
    values = frame[column]
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        raise TypeError(f"cohort column {column!r} must be numeric, got dtype {values.dtype}")
    arr = values.to_numpy(dtype=float)
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(f"cohort column {column!r} must be finite, got {float(arr[bad][0])!r} "
                         f"in row {frame.index[np.flatnonzero(bad)[0]]!r}")
    if (arr < 0).any():
        i = np.flatnonzero(arr < 0)[0]
        raise ValueError(f"cohort column {column!r} must be >= 0, got {float(arr[i])!r} in row "
                         f"{frame.index[i]!r}")
    if not is_rate:
        frac = arr != np.floor(arr)
        if frac.any():
            i = np.flatnonzero(frac)[0]
            raise ValueError(f"cohort column {column!r} must hold whole numbers, got "
                             f"{float(arr[i])!r} in row {frame.index[i]!r}")
    top = float(MAX_PERSON_YEARS if is_rate else MAX_COUNT)
    if (arr > top).any():
        i = np.flatnonzero(arr > top)[0]
        raise ValueError(f"cohort column {column!r} must be <= {top:g}, got {float(arr[i])!r} in "
                         f"row {frame.index[i]!r}; split the cohort into smaller strata")
    return arr if is_rate else arr.astype(np.int64)
