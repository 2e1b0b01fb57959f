"""Input validation shared by the numeric functions.

Every public numeric function turns bad input into a ``ValueError`` that names
the offending argument, instead of returning a silent NaN or a wrong number.
"""

from __future__ import annotations

import numpy as np


def as_float_array(name: str, value) -> np.ndarray:
    """Return ``value`` as a floating array, or raise ``ValueError`` naming it.

    Integer and boolean input is promoted to float64; float32 stays float32.
    The values themselves are checked by :func:`check_values`.  A masked
    array is refused: ``np.asarray`` would drop its mask and compute on the
    masked values as if they were data.
    """
    if isinstance(value, np.ma.MaskedArray):
        raise ValueError(
            f"{name} is a masked array; pass its valid values (.compressed()) "
            "or fill the masked ones (.filled(x))"
        )
    try:
        arr = np.asarray(value)
    except Exception as exc:  # pragma: no cover - numpy rarely refuses
        raise ValueError(f"{name} could not be converted to an array: {exc}") from exc
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be real numbers, got dtype {arr.dtype}")
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    return arr


def check_values(name: str, arr: np.ndarray, positive: bool = False) -> None:
    """Raise ``ValueError`` naming ``name`` if ``arr`` has NaN/inf, or a value <= 0 when ``positive``."""
    if arr.size == 0:
        return
    # Two reductions instead of elementwise masks: NaN propagates through
    # min/max and fails every comparison, so this also catches NaN.
    lo, hi = arr.min(), arr.max()
    if not (hi < np.inf and lo > -np.inf):
        raise ValueError(f"{name} must be finite (got NaN or inf)")
    if positive and not lo > 0:
        raise ValueError(f"{name} must be > 0 (a standard deviation), got {lo}")


def broadcast(**named: np.ndarray) -> tuple[np.ndarray, ...]:
    """Broadcast the arrays together, or raise ``ValueError`` naming their shapes."""
    try:
        return tuple(np.broadcast_arrays(*named.values()))
    except ValueError:
        shapes = ", ".join(f"{k} {np.shape(v)}" for k, v in named.items())
        raise ValueError(f"shapes do not broadcast: {shapes}") from None


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
