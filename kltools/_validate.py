"""Input validation shared by the numeric functions.

Every public numeric function turns bad input into a ``ValueError`` that names
the offending argument, instead of returning a silent NaN or a wrong number.
"""

from __future__ import annotations

import numbers
from decimal import Decimal
from fractions import Fraction

import numpy as np

#: The most samples one Monte Carlo call draws: about 80 MB per array of float64.
MAX_SAMPLES = 10**7


def _object_message(name: str, arr: np.ndarray) -> str:
    """Why an object array (Python objects numpy could not type) is refused."""
    items = arr.ravel()[:1000]
    kinds = {type(v) for v in items}
    if kinds & {Fraction, Decimal}:
        kind = " or ".join(sorted(k.__name__ for k in kinds & {Fraction, Decimal}))
        return (
            f"{name} holds {kind} values; kltools computes in binary floating point, "
            f"so convert them first, e.g. np.asarray({name}, dtype=float)"
        )
    if any(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in items):
        return (
            f"{name} holds an integer too large for numpy's integer types (>= 2**64); "
            f"convert it to float first, e.g. float({name})"
        )
    return (
        f"{name} must be real numbers, got values of type {', '.join(k.__name__ for k in kinds)}"
    )


def _dtype_message(name: str, dtype: np.dtype) -> str:
    """Why a non-real dtype is refused, and what to do instead."""
    if dtype.name == "bfloat16" or dtype.name.startswith("float8"):
        return (
            f"{name} is {dtype.name}, which kltools does not compute in (its few digits "
            f"cannot hold a KL near 0); upcast it first: {name}.astype(np.float32)"
        )
    return f"{name} must be real numbers, got dtype {dtype}"


def as_float_array(name: str, value, *, allow_bool: bool = True) -> np.ndarray:
    """Return ``value`` as a floating array, or raise ``ValueError`` naming it.

    Integer (and, with ``allow_bool``, boolean) input is promoted to float64; float32 stays
    float32.  The values themselves are checked by :func:`check_values`.  A masked array is
    refused: ``np.asarray`` would drop its mask and compute on the masked values as if they
    were data.
    """
    if isinstance(value, np.ma.MaskedArray):
        raise ValueError(
            f"{name} is a masked array; pass its valid values (.compressed()) "
            "or fill the masked ones (.filled(x))"
        )
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValueError(f"{name} could not be converted to an array: {exc}") from None
    if arr.dtype.kind == "O":
        raise ValueError(_object_message(name, arr))
    if arr.dtype.kind == "b" and not allow_bool:
        raise ValueError(f"{name} is boolean; pass numbers, e.g. {name}.astype(float)")
    if arr.dtype.kind not in "biuf":
        raise ValueError(_dtype_message(name, arr.dtype))
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    return arr


def check_values(name: str, arr: np.ndarray, positive: bool = False) -> None:
    """Raise ``ValueError`` naming ``name`` if ``arr`` has NaN/inf (or a value <= 0, if
    ``positive``)."""
    if arr.size == 0:
        return
    # Two reductions instead of elementwise masks: NaN propagates through
    # min/max and fails every comparison, so this also catches NaN.
    lo, hi = arr.min(), arr.max()
    if not (hi < np.inf and lo > -np.inf):
        raise ValueError(f"{name} must be finite (got NaN or inf)")
    if positive and not lo > 0:
        raise ValueError(f"{name} must be > 0 (a standard deviation), got {lo}")


def result_dtype(*values) -> np.dtype:
    """float32 when every array input is float32 (or narrower), else float64.

    Python scalars are weak, as in numpy: ``f(np.float32(x), 1.0)`` is float32.
    numpy scalars are not: ``np.float64(1.0)`` counts as float64 (numpy's
    float64 is a subclass of Python's float, hence the exact type test).
    Integer arrays give float64.
    """
    weak = (bool, int, float)
    dtypes = [np.asarray(v).dtype for v in values if type(v) not in weak]
    if dtypes and all(dt.kind == "f" and dt.itemsize <= 4 for dt in dtypes):
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def _is_integer(value) -> bool:
    return isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, bool)


def check_seed(seed, name: str = "seed") -> int:
    """A seed for :func:`numpy.random.default_rng`: a non-negative integer."""
    if not _is_integer(seed) or seed < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {seed!r:.60}")
    return int(seed)


def check_sample_size(n, name: str = "n") -> int:
    """A Monte Carlo sample size: an integer from 2 to :data:`MAX_SAMPLES`."""
    if not _is_integer(n) or n < 2:
        raise ValueError(f"{name} must be an integer >= 2, got {n!r:.60}")
    if n > MAX_SAMPLES:
        gib = 8 * int(n) / 2**30
        raise ValueError(
            f"{name} = {n} would need {gib:.3g} GiB per array; at most "
            f"{MAX_SAMPLES:.0e} samples are drawn in one call (average the "
            "estimates of several seeds for more)"
        )
    return int(n)


def check_axis(axis, name: str = "axis") -> int:
    """An axis index: an integer (numpy checks its range against the array)."""
    if not _is_integer(axis):
        raise ValueError(f"{name} must be an integer, got {axis!r:.60}")
    return int(axis)


def check_callable(func, name: str = "func"):
    """``func`` itself, if it can be called."""
    if not callable(func):
        raise ValueError(f"{name} must be a callable, got {type(func).__name__}")
    return func
