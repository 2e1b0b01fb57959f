"""Accuracy measurement: errors in ulps against a 50-digit mpmath reference.

This is how the book ties kltools' numpy closed forms to the sympy results:
the sympy expression, evaluated by mpmath at the exact binary input values, is
the reference, and the numpy result must be within a few ulps of it.
"""

from __future__ import annotations

from typing import Callable, Sequence

import mpmath as mp
import numpy as np
import sympy as sp

__all__ = ["ulp_error", "reference_values", "max_ulp_error"]

DIGITS = 50


def ulp_error(got, ref, dtype=np.float64) -> float:
    """Distance from ``got`` to the exact value ``ref``, in ulps of ``ref`` rounded to ``dtype``.

    Parameters
    ----------
    got : float
        A computed value.
    ref : mpmath.mpf or float
        The reference, ideally with more precision than ``dtype``.
    dtype : numpy floating type
        The precision in which ulps are counted (float64 or float32).

    Returns
    -------
    float
        The error in ulps (0.5 means correctly rounded at worst).  A NaN, or
        an infinity where the reference is finite in ``dtype``, counts as an
        infinite error; an infinity where the reference exceeds the largest
        ``dtype`` value counts as exact.

    Examples
    --------
    >>> import mpmath as mp
    >>> from kltools.accuracy import ulp_error
    >>> ulp_error(0.1, mp.mpf(1) / 10) <= 0.5
    True
    >>> ulp_error(0.1 + 2**-56, mp.mpf(1) / 10)
    1.0
    """
    dtype = np.dtype(dtype).type
    finfo = np.finfo(dtype)
    got = float(got)
    with mp.workdps(DIGITS):
        ref = mp.mpf(ref)
        if np.isnan(got):
            return float("inf")
        if abs(ref) > mp.mpf(float(finfo.max)):
            return 0.0 if got == float("inf") * mp.sign(ref) else float("inf")
        if np.isinf(got):
            return float("inf")
        rounded = dtype(float(ref))
        spacing = np.spacing(abs(rounded)) if rounded != 0 else finfo.smallest_subnormal
        return float(abs(mp.mpf(got) - ref) / mp.mpf(float(spacing)))


def reference_values(expr: sp.Expr, symbols: Sequence[sp.Symbol], points) -> list:
    """Evaluate a sympy expression at each point with mpmath at 50 significant digits.

    Parameters
    ----------
    expr : sympy.Expr
        The exact formula, e.g. a derived KL.
    symbols : sequence of sympy.Symbol
        The order in which each point lists the values.
    points : array_like, shape (n, len(symbols))
        Values; each float is taken as the exact binary number it is.

    Returns
    -------
    list of mpmath.mpf

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.accuracy import reference_values
    >>> s = sp.Symbol("s", positive=True)
    >>> [float(v) for v in reference_values(sp.log(s), [s], [[1.0], [2.0]])]
    [0.0, 0.6931471805599453]
    """
    f = sp.lambdify(list(symbols), expr, modules="mpmath")
    with mp.workdps(DIGITS):
        return [+f(*(mp.mpf(float(v)) for v in point)) for point in np.atleast_2d(points)]


def max_ulp_error(func: Callable, expr: sp.Expr, symbols: Sequence[sp.Symbol], points) -> float:
    """The largest ulp error of a vectorised numpy ``func`` against ``expr`` over ``points``.

    Parameters
    ----------
    func : callable
        Takes one array per symbol (columns of ``points``) and returns an array.
    expr : sympy.Expr
        The exact formula, evaluated by :func:`reference_values`.
    symbols : sequence of sympy.Symbol
        The order of the columns of ``points``.
    points : array_like, shape (n, len(symbols))

    Returns
    -------
    float
        The maximum over the points of :func:`ulp_error`.

    Examples
    --------
    >>> import numpy as np, sympy as sp
    >>> from kltools.accuracy import max_ulp_error
    >>> s = sp.Symbol("s", positive=True)
    >>> max_ulp_error(np.log, sp.log(s), [s], [[0.5], [3.0]]) <= 1
    True
    """
    points = np.atleast_2d(np.asarray(points, dtype=np.float64))
    got = np.asarray(func(*points.T))
    refs = reference_values(expr, symbols, points)
    return max(ulp_error(g, r, got.dtype.type) for g, r in zip(got.ravel(), refs))
