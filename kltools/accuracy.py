"""Accuracy measurement: errors in ulps against a 50-digit mpmath reference.

This is how the book ties kltools' numpy closed forms to the sympy results:
the sympy expression, evaluated by mpmath at the exact binary input values, is
the reference, and the numpy result must be within a few ulps of it.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import mpmath as mp
import numpy as np
import sympy as sp

__all__ = [
    "ulp_error",
    "ulp_errors",
    "reference_values",
    "max_ulp_error",
    "kl_normal_grid",
    "kl_std_normal_grid",
    "entropy_normal_grid",
    "GRIDS",
    "kl_normal_textbook",
]

DIGITS = 50


def kl_normal_textbook(mu1, sigma1, mu2, sigma2):
    r"""The textbook KL(N(mu1, sigma1^2) || N(mu2, sigma2^2)), typed literally in numpy, in nats.

    .. math::

        \log\frac{\sigma_2}{\sigma_1}
        + \frac{\sigma_1^2 + (\mu_1 - \mu_2)^2}{2\sigma_2^2} - \frac12

    This is the *baseline*, not the careful version: it is what most code
    types, and the book measures it (chapter "Accuracy near q = p") and the
    benchmark times :func:`kltools.kl_normal` against it.  It loses every digit
    as q -> p (relative error about u / eps^2 for a relative difference eps)
    and can return small negative values.  No validation is done.

    Parameters
    ----------
    mu1, sigma1, mu2, sigma2 : array_like
        Means and standard deviations of q (first) and p; they broadcast.  The
        arithmetic runs in numpy's result type of the inputs (float32 stays
        float32).

    Returns
    -------
    ndarray or numpy scalar
        The literal formula's value, elementwise.

    Raises
    ------
    Nothing of its own; numpy's floating-point warnings are not silenced.

    Notes
    -----
    Kingma & Welling (2014), Appendix B; derived in the book's chapter "The KL
    between two univariate Gaussians" (``eq-kl-normal``).  The sympy form is
    :func:`kltools.symbolic.kl_normal_textbook`.

    Examples
    --------
    >>> from kltools.accuracy import kl_normal_textbook
    >>> float(kl_normal_textbook(1.0, 1.0, 0.0, 1.0))
    0.5
    """
    return np.log(sigma2 / sigma1) + (sigma1**2 + (mu1 - mu2) ** 2) / (2 * sigma2**2) - 0.5


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
        rounded = abs(dtype(float(ref)))
        if rounded == 0:
            spacing = finfo.smallest_subnormal
        elif rounded == finfo.max:  # np.spacing would step to inf
            spacing = finfo.max - np.nextafter(finfo.max, dtype(0))
        else:
            spacing = np.spacing(rounded)
        return float(abs(mp.mpf(got) - ref) / mp.mpf(float(spacing)))


def ulp_errors(got, refs, dtype=np.float64, scale=None) -> np.ndarray:
    """:func:`ulp_error` for a whole array at once, optionally in ulps of a scale.

    Each reference is split once into the nearest double and the remainder
    (both exact at 50 digits), so that comparing several implementations
    against the same references costs one mpmath operation per point, not
    one per point and implementation.  The error ``|got - ref|`` is then
    computed in float64 as ``(got - hi) - lo``, accurate to a small fraction
    of the result, which is ample for counting ulps.

    Parameters
    ----------
    got : array_like
        Computed values (any float type; converted exactly to float64).
    refs : sequence of mpmath.mpf
        The exact values, e.g. from :func:`reference_values`.
    dtype : numpy floating type
        The precision in which ulps are counted (float64 or float32).
    scale : sequence of mpmath.mpf, optional
        Count the error in ulps of ``scale`` instead of ulps of the reference:
        for a result that is a sum of terms of both signs (an entropy, which
        crosses zero), pass the sum of the absolute values of the terms, so
        that the error is measured against what the summation can achieve.

    Returns
    -------
    ndarray of float
        The errors, with the conventions of :func:`ulp_error` (NaN, or an
        infinity where the reference is finite in ``dtype``: infinite error;
        the right infinity where the reference exceeds the largest ``dtype``
        value: no error).

    Examples
    --------
    >>> import mpmath as mp
    >>> from kltools.accuracy import ulp_errors
    >>> [float(e) for e in ulp_errors([0.25, 0.25 + 2**-54, float("nan")], [mp.mpf(1) / 4] * 3)]
    [0.0, 1.0, inf]
    """
    dtype = np.dtype(dtype).type
    finfo = np.finfo(dtype)
    got = np.asarray(got, dtype=np.float64).ravel()
    refs = list(refs)
    with mp.workdps(DIGITS):
        largest = mp.mpf(float(finfo.max))
        hi = np.array([float(r) for r in refs], dtype=np.float64)
        lo = np.array([float(r - mp.mpf(h)) if np.isfinite(h) else 0.0 for r, h in zip(refs, hi)])
        over = np.array([abs(r) > largest for r in refs], dtype=bool)
        units = hi if scale is None else np.array([float(abs(t)) for t in scale], dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        rounded = np.abs(units).astype(dtype)
        spacing = np.where(rounded == 0, finfo.smallest_subnormal, np.spacing(rounded)).astype(np.float64)
        err = np.abs((got - hi) - lo) / spacing
    err[np.isnan(got)] = np.inf
    err[np.isinf(got) & ~over] = np.inf
    err[over] = np.where(got[over] == np.sign(hi[over]) * np.inf, 0.0, np.inf)
    return err


def _check_lambdify_safe(expr, symbols) -> None:
    """lambdify pastes names into generated code and runs it: allow only sympy objects with plain names."""
    from sympy.core.function import AppliedUndef

    if not isinstance(expr, sp.Expr) or not all(isinstance(s, sp.Symbol) for s in symbols):
        raise ValueError("expr must be a sympy expression and symbols sympy Symbols; strings are not evaluated")
    names = [s.name for s in expr.free_symbols | set(symbols)]
    if expr.atoms(AppliedUndef) or not all(n.isidentifier() for n in names):
        raise ValueError("expr may contain only sympy's own functions and symbols with identifier names")


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

    Raises
    ------
    ValueError
        If ``expr`` is not a sympy expression (a string is never evaluated),
        or holds an undefined function or a symbol whose name is not an
        identifier.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.accuracy import reference_values
    >>> s = sp.Symbol("s", positive=True)
    >>> [float(v) for v in reference_values(sp.log(s), [s], [[1.0], [2.0]])]
    [0.0, 0.6931471805599453]
    """
    _check_lambdify_safe(expr, symbols)
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


GRIDS = ("near", "wide", "extreme")


def _signs(rng, n):
    return rng.choice([-1.0, 1.0], n)


def kl_normal_grid(kind: str, n: int, seed: int = 0, dtype=np.float64):
    """A seeded sample of one of the book's three accuracy grids, for (mu1, sigma1, mu2, sigma2).

    Parameters
    ----------
    kind : {"near", "wide", "extreme"}
        ``"near"``: sigma1 = sigma2 (1 + eps) with 1e-12 <= |eps| <= 0.1 and a
        tiny mean difference (q ~ p).  ``"wide"``: log-variances uniform in
        [-30, 30] and means in [-1e3, 1e3].  ``"extreme"``: standard deviations
        from 1e-150 to 1e150 (1e-18 to 1e18 in float32), half of them near-equal.
    n : int
        Number of points.
    seed : int
        Seed for :func:`numpy.random.default_rng`.
    dtype : float64 or float32
        The arrays are rounded to this type; references use the rounded values.

    Returns
    -------
    tuple of four ndarrays
        ``(mu1, sigma1, mu2, sigma2)``.

    Raises
    ------
    ValueError
        If ``kind`` is not one of the three grids.

    Examples
    --------
    >>> from kltools.accuracy import kl_normal_grid
    >>> [a.shape for a in kl_normal_grid("near", 5)]
    [(5,), (5,), (5,), (5,)]
    """
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype).type
    e = 18 if dtype == np.float32 else 150
    if kind == "near":
        s2 = 10 ** rng.uniform(-3, 3, n)
        s1 = s2 * (1 + _signs(rng, n) * 10 ** rng.uniform(-12, -1, n))
        m2 = rng.normal(size=n)
        m1 = m2 + _signs(rng, n) * s2 * 10 ** rng.uniform(-12, -6, n)
    elif kind == "wide":
        s1, s2 = np.exp(rng.uniform(-15, 15, n)), np.exp(rng.uniform(-15, 15, n))
        m1, m2 = rng.uniform(-1e3, 1e3, n), rng.uniform(-1e3, 1e3, n)
    elif kind == "extreme":
        s2 = 10 ** rng.uniform(-e, e, n)
        far = 10 ** rng.uniform(-e, e, n)
        close = s2 * (1 + _signs(rng, n) * 10 ** rng.uniform(-12, -1, n))
        s1 = np.where(rng.random(n) < 0.5, far, close)
        m2 = _signs(rng, n) * 10 ** rng.uniform(-3, e / 2, n)
        m1 = m2 + _signs(rng, n) * s2 * 10 ** rng.uniform(-8, 2, n)
    else:
        raise ValueError(f"kind must be one of {GRIDS}, got {kind!r}")
    return tuple(np.asarray(a, dtype=dtype) for a in (m1, s1, m2, s2))


def kl_std_normal_grid(kind: str, n: int, seed: int = 0, dtype=np.float64):
    """A seeded sample of the three accuracy grids for the unit-prior KL in (mu, log_var).

    Parameters
    ----------
    kind : {"near", "wide", "extreme"}
        ``"near"``: |log_var| from 2e-12 to 0.2 and tiny means.  ``"wide"``:
        log_var uniform in [-30, 30], means in [-1e3, 1e3].  ``"extreme"``:
        log_var up to the overflow of exp (709.78 in float64, 88.72 in float32)
        and slightly beyond, where the KL is still finite, and down to -700.
    n : int
        Number of points.
    seed : int
        Seed for :func:`numpy.random.default_rng`.
    dtype : float64 or float32

    Returns
    -------
    tuple of two ndarrays
        ``(mu, log_var)``.

    Raises
    ------
    ValueError
        If ``kind`` is not one of the three grids.

    Examples
    --------
    >>> from kltools.accuracy import kl_std_normal_grid
    >>> mu, lv = kl_std_normal_grid("extreme", 4)
    >>> float(abs(lv).max()) > 300
    True
    """
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype).type
    top = 89.4 if dtype == np.float32 else 710.4  # exp overflows before KL = (e^v - 1 - v)/2 does
    if kind == "near":
        lv = _signs(rng, n) * 2 * 10 ** rng.uniform(-12, -1, n)
        mu = _signs(rng, n) * 10 ** rng.uniform(-12, -6, n)
    elif kind == "wide":
        lv, mu = rng.uniform(-30, 30, n), rng.uniform(-1e3, 1e3, n)
    elif kind == "extreme":
        lo = -80.0 if dtype == np.float32 else -700.0
        lv = np.where(rng.random(n) < 0.5, rng.uniform(top - 10, top, n), rng.uniform(lo, lo / 2, n))
        mu = np.where(rng.random(n) < 0.5, 0.0, _signs(rng, n) * 10 ** rng.uniform(-10, 10 if dtype == np.float32 else 100, n))
    else:
        raise ValueError(f"kind must be one of {GRIDS}, got {kind!r}")
    return np.asarray(mu, dtype=dtype), np.asarray(lv, dtype=dtype)


_SIGMA_ZERO_ENTROPY = 1.0 / math.sqrt(2.0 * math.pi * math.e)  # H(N(mu, sigma^2)) = 0 here


def entropy_normal_grid(kind: str, n: int, seed: int = 0, dtype=np.float64):
    """A seeded sample of the three accuracy grids for the entropy, in sigma.

    Parameters
    ----------
    kind : {"near", "wide", "extreme"}
        ``"near"``: sigma = sigma_0 (1 + eps) with 1e-12 <= |eps| <= 0.1, where
        sigma_0 = (2 pi e)^(-1/2) is the standard deviation of zero entropy, so
        the entropy crosses zero.  ``"wide"``: log-variances uniform in
        [-30, 30], as for the KL.  ``"extreme"``: sigma from 1e-300 to 1e300
        (1e-37 to 1e37 in float32), where sigma^2 over- or underflows.
    n : int
        Number of points.
    seed : int
        Seed for :func:`numpy.random.default_rng`.
    dtype : float64 or float32
        The array is rounded to this type; references use the rounded values.

    Returns
    -------
    ndarray
        ``sigma``, shape ``(n,)``.

    Raises
    ------
    ValueError
        If ``kind`` is not one of the three grids.

    Examples
    --------
    >>> from kltools.accuracy import entropy_normal_grid
    >>> s = entropy_normal_grid("near", 5)
    >>> bool(((s > 0.2) & (s < 0.3)).all())
    True
    """
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype).type
    e = 37 if dtype == np.float32 else 300
    if kind == "near":
        s = _SIGMA_ZERO_ENTROPY * (1 + _signs(rng, n) * 10 ** rng.uniform(-12, -1, n))
    elif kind == "wide":
        s = np.exp(rng.uniform(-15, 15, n))
    elif kind == "extreme":
        s = 10 ** rng.uniform(-e, e, n)
    else:
        raise ValueError(f"kind must be one of {GRIDS}, got {kind!r}")
    return np.asarray(s, dtype=dtype)
