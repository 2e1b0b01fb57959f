"""Readable ids for parametrized tests: ``ids=case_id`` names each case by its values."""

import numpy as np


def case_id(value) -> str:
    """A short name for one parameter value: a function's name, a dtype's, a number as written."""
    if callable(value) and hasattr(value, "__name__"):
        return value.__name__
    if isinstance(value, np.ndarray):
        return f"array{value.shape}"
    if isinstance(value, type) and issubclass(value, np.generic):
        return np.dtype(value).name
    if isinstance(value, (tuple, list)):
        return ",".join(case_id(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)[:40]
