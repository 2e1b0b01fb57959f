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

from ._validate import MAX_SAMPLES, as_float_array, check_callable, check_seed

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


def _scalar(name: str, value) -> float:
    arr = as_float_array(name, value)
    if arr.ndim != 0:
        raise ValueError(f"{name} must be a scalar, got shape {arr.shape}")
    return float(arr)


def _reference(name: str, value) -> mp.mpf:
    """A reference value: an mpmath number, or a real number (never a string)."""
    if isinstance(value, mp.mpf):
        return value
    if isinstance(value, (bool, str)) or not isinstance(
        value, (int, float, np.floating, np.integer, sp.Number)
    ):
        raise ValueError(f"{name} must be mpmath or real numbers, got {type(value).__name__}")
    return mp.mpf(float(value)) if not isinstance(value, int) else mp.mpf(value)


def _literal(name: str, value):
    """``value`` checked to be real numbers, and left as it is (a Python float stays weak in
    numpy's promotion, so float32 arrays stay float32); other array-likes become arrays."""
    arr = as_float_array(name, value)
    return value if isinstance(value, (int, float, np.generic, np.ndarray)) else arr


def _listed(name: str, values) -> list:
    if isinstance(values, (str, dict, set, frozenset)) or not hasattr(values, "__iter__"):
        raise ValueError(f"{name} must be a list or array of numbers, got {type(values).__name__}")
    return list(values)


def kl_normal_textbook(mu1, sigma1, mu2, sigma2):
    r"""The textbook KL(N(mu1, sigma1^2) || N(mu2, sigma2^2)), typed literally in numpy, in nats.

    .. math::

        \log\frac{\sigma_2}{\sigma_1}
        + \frac{\sigma_1^2 + (\mu_1 - \mu_2)^2}{2\sigma_2^2} - \frac12

    This is the *baseline*, not the careful version: it is what most code
    types, and the book measures it (chapter "Computing the KL accurately") and the
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
    ValueError
        If an argument is not real numbers (the values themselves are not checked: a
        sigma <= 0 gives numpy's NaN and its warning, as the typed formula does).

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
    mu1, sigma1, mu2, sigma2 = (
        _literal(name, value)
        for name, value in (("mu1", mu1), ("sigma1", sigma1), ("mu2", mu2), ("sigma2", sigma2))
    )
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
    dtype = _float_type(dtype)
    finfo = np.finfo(dtype)
    got = float(_scalar("got", got))
    with mp.workdps(DIGITS):
        ref = _reference("ref", ref)
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
    dtype = _float_type(dtype)
    finfo = np.finfo(dtype)
    got = as_float_array("got", got).astype(np.float64).ravel()
    refs = [_reference("refs", r) for r in _listed("refs", refs)]
    if scale is not None:
        scale = [_reference("scale", t) for t in _listed("scale", scale)]
    with mp.workdps(DIGITS):
        largest = mp.mpf(float(finfo.max))
        hi = np.array([float(r) for r in refs], dtype=np.float64)
        lo = np.array([float(r - mp.mpf(h)) if np.isfinite(h) else 0.0 for r, h in zip(refs, hi)])
        over = np.array([abs(r) > largest for r in refs], dtype=bool)
        units = hi if scale is None else np.array([float(abs(t)) for t in scale], dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        rounded = np.abs(units).astype(dtype)
        spacing = np.where(rounded == 0, finfo.smallest_subnormal, np.spacing(rounded)).astype(
            np.float64
        )
        err = np.abs((got - hi) - lo) / spacing
    err[np.isnan(got)] = np.inf
    err[np.isinf(got) & ~over] = np.inf
    err[over] = np.where(got[over] == np.sign(hi[over]) * np.inf, 0.0, np.inf)
    return err


def _check_lambdify_safe(expr, symbols) -> list:
    """lambdify pastes names into generated code and runs it: allow only sympy objects with plain
    names that no function of that code's namespace (mpmath's, Python's builtins) already has."""
    import keyword

    from sympy.core.function import AppliedUndef

    if not isinstance(expr, sp.Expr):
        raise ValueError(
            f"expr must be a sympy expression (strings are not evaluated), got "
            f"{type(expr).__name__}"
        )
    symbols = _listed("symbols", symbols)
    if not all(isinstance(s, sp.Symbol) for s in symbols):
        raise ValueError("symbols must be sympy Symbols")
    if expr.atoms(AppliedUndef):
        raise ValueError("expr may contain only sympy's own functions, not undefined ones")
    missing = expr.free_symbols - set(symbols)
    if missing:
        raise ValueError(f"expr has symbols not listed in symbols: {sorted(map(str, missing))}")
    for s in symbols:
        name = s.name
        if not name.isidentifier() or keyword.iskeyword(name):
            raise ValueError(f"symbols: {name!r} is not an identifier; rename the symbol")
    return symbols


def _mpmath_function(expr, symbols):
    """``lambdify(symbols, expr, "mpmath")``, refusing a symbol that its code would call."""
    import inspect
    import re

    f = sp.lambdify(symbols, expr, modules="mpmath")
    body = inspect.getsource(f).split("\n", 1)[1]
    called = set(re.findall(r"\b([A-Za-z_]\w*)\s*\(", body))
    for s in symbols:
        if s.name in called:
            raise ValueError(
                f"symbols: {s.name!r} is the name of a function the expression "
                f"uses; rename the symbol (e.g. to x_{s.name})"
            )
    return f


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
        holds an undefined function or a symbol not in ``symbols``; if a symbol's name is
        not an identifier, or is the name of a function the expression uses (``exp``,
        ``log``: lambdify's generated code would call the argument); or if ``points`` are not real
        numbers of shape (n, len(symbols)).

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.accuracy import reference_values
    >>> s = sp.Symbol("s", positive=True)
    >>> [float(v) for v in reference_values(sp.log(s), [s], [[1.0], [2.0]])]
    [0.0, 0.6931471805599453]
    """
    symbols = _check_lambdify_safe(expr, symbols)
    points = as_float_array("points", points)
    if points.ndim > 2 or (points.ndim == 2 and points.shape[1] != len(symbols)):
        raise ValueError(f"points must have shape (n, {len(symbols)}), got {points.shape}")
    f = _mpmath_function(expr, symbols)
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
    check_callable(func, "func")
    points = np.atleast_2d(as_float_array("points", points).astype(np.float64))
    got = as_float_array("func's result", func(*points.T))
    refs = reference_values(expr, symbols, points)
    return max(ulp_error(g, r, got.dtype.type) for g, r in zip(got.ravel(), refs))


GRIDS = ("near", "wide", "extreme")


def _float_type(dtype, name: str = "dtype"):
    """float64 or float32 (the precisions the book measures), as a numpy scalar type."""
    if dtype not in (np.float64, np.float32, np.dtype(np.float64), np.dtype(np.float32)):
        raise ValueError(f"{name} must be np.float64 or np.float32, got {dtype!r:.60}")
    return np.dtype(dtype).type


def _grid_setup(kind, n, seed, dtype):
    """The grid's generator and dtype, after checking every argument (naming it)."""
    if not isinstance(kind, str) or kind not in GRIDS:
        raise ValueError(f"kind must be one of {GRIDS}, got {kind!r:.60}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 0 <= n <= MAX_SAMPLES:
        raise ValueError(f"n must be an integer from 0 to {MAX_SAMPLES:.0e}, got {n!r:.60}")
    return np.random.default_rng(check_seed(seed)), _float_type(dtype)


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
    rng, dtype = _grid_setup(kind, n, seed, dtype)
    e = 18 if dtype == np.float32 else 150
    if kind == "near":
        s2 = 10 ** rng.uniform(-3, 3, n)
        s1 = s2 * (1 + _signs(rng, n) * 10 ** rng.uniform(-12, -1, n))
        m2 = rng.normal(size=n)
        m1 = m2 + _signs(rng, n) * s2 * 10 ** rng.uniform(-12, -6, n)
    elif kind == "wide":
        s1, s2 = np.exp(rng.uniform(-15, 15, n)), np.exp(rng.uniform(-15, 15, n))
        m1, m2 = rng.uniform(-1e3, 1e3, n), rng.uniform(-1e3, 1e3, n)
    else:  # "extreme"
        s2 = 10 ** rng.uniform(-e, e, n)
        far = 10 ** rng.uniform(-e, e, n)
        close = s2 * (1 + _signs(rng, n) * 10 ** rng.uniform(-12, -1, n))
        s1 = np.where(rng.random(n) < 0.5, far, close)
        m2 = _signs(rng, n) * 10 ** rng.uniform(-3, e / 2, n)
        m1 = m2 + _signs(rng, n) * s2 * 10 ** rng.uniform(-8, 2, n)
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
    rng, dtype = _grid_setup(kind, n, seed, dtype)
    top = 89.4 if dtype == np.float32 else 710.4  # exp overflows before KL = (e^v - 1 - v)/2 does
    if kind == "near":
        lv = _signs(rng, n) * 2 * 10 ** rng.uniform(-12, -1, n)
        mu = _signs(rng, n) * 10 ** rng.uniform(-12, -6, n)
    elif kind == "wide":
        lv, mu = rng.uniform(-30, 30, n), rng.uniform(-1e3, 1e3, n)
    else:  # "extreme"
        lo = -80.0 if dtype == np.float32 else -700.0
        lv = np.where(
            rng.random(n) < 0.5, rng.uniform(top - 10, top, n), rng.uniform(lo, lo / 2, n)
        )
        mu = np.where(
            rng.random(n) < 0.5,
            0.0,
            _signs(rng, n) * 10 ** rng.uniform(-10, 10 if dtype == np.float32 else 100, n),
        )
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
    rng, dtype = _grid_setup(kind, n, seed, dtype)
    e = 37 if dtype == np.float32 else 300
    if kind == "near":
        s = _SIGMA_ZERO_ENTROPY * (1 + _signs(rng, n) * 10 ** rng.uniform(-12, -1, n))
    elif kind == "wide":
        s = np.exp(rng.uniform(-15, 15, n))
    else:  # "extreme"
        s = 10 ** rng.uniform(-e, e, n)
    return np.asarray(s, dtype=dtype)
