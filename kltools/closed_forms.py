"""Closed forms for univariate Gaussians, in nats, written to keep full precision.

The book derives every formula here symbolically (chapters "The entropy of a
Gaussian", "The cross-entropy between two Gaussians" and "The KL between two
univariate Gaussians"); this module is the numerically careful numpy version
that the chapter "Computing the KL accurately" derives and measures.

The KL, equation ``eq-stable-b``
--------------------------------
With delta = (mu1 - mu2) / sigma2 and r = sigma1 / sigma2 the KL splits into
two non-negative parts, so that adding them never cancels::

    KL = delta^2 / 2 + B(r),        B(r) = (r^2 - 1) / 2 - log r  >= 0.

:func:`_scale_part` computes B in one of three forms:

* 1/2 <= r <= 2 (:func:`_scale_part_near`): with x = r - 1 = (sigma1 -
  sigma2) / sigma2, whose numerator is exact (Sterbenz), s = x / (x + 2) and
  P(t) = sum_k t^k / (2k + 3), the book's ``eq-stable-b``::

      B = x^2 - s (x^2 / 2 + 2 s^2 P(s^2)),

  in which nothing cancels (the subtracted term is below x^2 / 4): a few ulp.
* 1/8 <= r < 1/2 and 2 < r <= 8: the direct form, corrected to first order
  for the rounding of r (:func:`_band_correction`), recovered exactly with
  Dekker's two-product, because B's condition number is 2 to 3.7 there.
* elsewhere the direct form (r^2 - 1)/2 - log r, which is well conditioned.

The unit prior in the log-variance v is KL = mu^2 / 2 + g(v) / 2 with
g(v) = expm1(v) - v >= 0 (:func:`expm1_minus_x`), summed as a series for
-1 <= v <= 2 and, for v > 700, written so that nothing overflows before the KL
does (:func:`_half_expm1_minus`).

The entropy, H = log(sigma sqrt(2 pi e)), and the cross-entropy,
H(q, p) = H(p) + (r^2 - 1) / 2 + delta^2 / 2, are computed from parts that each
keep their relative accuracy, so both stay accurate near their zero at
sigma = (2 pi e)^(-1/2) (:func:`_entropy`, :func:`_cross_entropy`).

Evaluation
----------
Every formula is a plain function of float64 arrays.  :func:`_evaluate`
validates the arguments, broadcasts them and feeds the formula chunks of a few
thousand elements through numpy's buffered :class:`numpy.nditer`, so that its
temporaries stay in the CPU cache.  Each numpy operation is one pass over
a chunk, and the careful forms take several times the textbook formula's
operations: ``python tests/benchmark.py`` measures the cost, from about 1x
(q ~ p, every r near 1) to about 3x (scale ratios spread over the three
forms) the textbook formula's time in float64.
"""

from __future__ import annotations

import math

import numpy as np

from ._validate import as_float_array, check_values, result_dtype

__all__ = [
    "kl_normal",
    "kl_std_normal",
    "entropy_normal",
    "cross_entropy_normal",
    "expm1_minus_x",
]

_CHUNK = 16384  # elements per chunk: the formulas' temporaries stay in the CPU cache
# The relative accuracy the float64 evaluation aims at (``tol``): a few ulp of
# float64 for a float64 result; far below half an ulp of float32 for a
# float32 result, which is rounded once at the end (fewer series terms).
_FLOAT64_TOL = 2.0**-56
_FLOAT32_TOL = 2.0**-32
_LN8 = math.log(8.0)
_HALF_LOG_2PIE = 0.5 * (1.0 + math.log(2.0 * math.pi))
# sqrt(2 pi e) = 4.1327..., split into the nearest double and the remainder.
_ROOT_2PIE = math.sqrt(2.0 * math.pi * math.e)
_ROOT_2PIE_LO = 1.211870280536999e-16  # sqrt(2 pi e) - _ROOT_2PIE (mpmath; tested)

# Taylor coefficients: P(t) = sum_k t^k / (2k + 3) (log r = 2 atanh s needs
# atanh(s) = s + s^3 P(s^2)), used for t = s^2 <= 1/9; and
# G(v) = (expm1(v) - v) / v^2 = sum_k v^k / (k + 2)!, used for -1 <= v <= 2.
_P_COEFFS = tuple(1.0 / (2 * k + 3) for k in range(18))
_G_COEFFS = tuple(1.0 / math.factorial(k + 2) for k in range(24))


# --- the formulas, on float64 arrays ----------------------------------------------


def _series(coeffs, x, x_max, tol):
    """sum_k coeffs[k] x^k by Horner, with the terms that matter for |x| <= x_max.

    Terms stop once coeffs[k] x_max^k < tol coeffs[0] / 4: in the two series
    here the terms left out fall at least as fast as a geometric series of
    ratio 1/2, and the sum is at least coeffs[0] / 2, so the tail left out is
    below tol times the sum.  The full tuple reaches tol = 2^-56 for
    |t| <= 1/9 (P) and |v| <= 2 (G).
    """
    n = 1
    while n < len(coeffs) and coeffs[n] * x_max**n >= 0.25 * tol * coeffs[0]:
        n += 1
    acc = np.full_like(x, coeffs[n - 1])
    for c in coeffs[n - 2 :: -1]:
        acc *= x
        acc += c
    return acc


def _half_square(x):
    """x^2 / 2, which overflows only where the result does."""
    return (0.5 * x) * x


def _split(v):
    """Veltkamp's split: v = hi + lo exactly, each with at most 26 significant bits."""
    t = 134217729.0 * v  # 2^27 + 1
    hi = t - (t - v)
    return hi, v - hi


def _mul_with_residual(a, b):
    """p = fl(a b) and e with p + e = a b exactly (Dekker's two-product).

    Exact while the products of the halves neither overflow nor underflow.
    """
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _division_residual(q, num, den):
    """q_lo with q + q_lo = num / den to about 2^-100 relative, for q = fl(num / den).

    The remainder num - q den is exact by Dekker's two-product for |q| <= 8
    when den lies within [1e-250, 1e250]; otherwise num and den are first
    scaled by the same power of two (exact; q is unchanged).
    """
    if den.min() < 1e-250 or den.max() > 1e250:
        mantissa, exponent = np.frexp(den)
        num, den = np.ldexp(num, -exponent), mantissa
    p, e = _mul_with_residual(q, den)
    return ((num - p) - e) / den


def _standardised_difference(m1, m2, s2):
    """delta = (mu1 - mu2) / sigma2, also where mu1 - mu2 overflows and delta does not."""
    diff = m1 - m2
    delta = diff / s2
    if np.isinf(diff).any():  # then m1 and m2 have opposite signs: no inf - inf below
        i = np.flatnonzero(np.isinf(diff))
        delta[i] = m1[i] / s2[i] - m2[i] / s2[i]
    return delta


def _scale_part_near(s1, s2, tol):
    """B(r) for 1/2 <= r <= 2 by eq-stable-b: x^2 - s (x^2/2 + 2 s^2 P(s^2))."""
    x = (s1 - s2) / s2  # r - 1, with an exact numerator
    s = x / (x + 2.0)  # r = (1 + s) / (1 - s), log r = 2 atanh(s)
    t = s * s
    x2 = x * x
    return x2 - s * (0.5 * x2 + 2.0 * t * _series(_P_COEFFS, t, t.max(initial=0.0), tol))


def _band_correction(r, s1, s2):
    """B(r + r_lo) - B(r) = (r - 1/r) r_lo to first order, with r + r_lo = s1/s2.

    For 1/8 <= r <= 8, where the condition number of B is 2 to 3.7, this
    removes the error that the rounding of r = fl(s1/s2) would cause.
    """
    return (r - 1.0 / r) * _division_residual(r, s1, s2)


def _scale_part(s1, s2, tol):
    """B(r) = (r^2 - 1)/2 - log r >= 0 for r = sigma1 / sigma2, to a few ulp.

    1/2 <= r <= 2: eq-stable-b; elsewhere the direct form, corrected for the
    rounding of r where 1/8 <= r <= 8 (needed for float64 results only: the
    error it removes, 3.7 u, is far below half an ulp of float32).
    """
    r = s1 / s2
    near = (r >= 0.5) & (r <= 2.0)
    if near.all():  # the common case of KL penalties: nothing to gather
        return _scale_part_near(s1, s2, tol)
    b = np.empty_like(r)
    i, j = np.flatnonzero(near), np.flatnonzero(~near)
    b[i] = _scale_part_near(s1[i], s2[i], tol)
    rj = r[j]
    log_rj = np.log(rj)
    b[j] = _half_square(rj) - 0.5 - log_rj  # the direct form
    k = j[np.abs(log_rj) <= _LN8]  # 1/8 <= r < 1/2 or 2 < r <= 8
    if k.size and tol < _FLOAT32_TOL:
        b[k] += _band_correction(r[k], s1[k], s2[k])
    if rj.min() < 1e-300:  # r is subnormal or 0: take the logs separately
        k = j[rj < 1e-300]
        b[k] = np.log(s2[k]) - np.log(s1[k]) - 0.5
    if rj.max() == np.inf:  # r^2/2 overflowed, and B with it (not inf - inf)
        b[j[rj == np.inf]] = np.inf
    return b


def _kl_normal(m1, s1, m2, s2, tol):
    """KL(N(m1, s1^2) || N(m2, s2^2)) = delta^2/2 + B(r), equation eq-stable-b."""
    return _half_square(_standardised_difference(m1, m2, s2)) + _scale_part(s1, s2, tol)


def _half_expm1_minus(v, tol=_FLOAT64_TOL):
    """g(v)/2 = (expm1(v) - v)/2 >= 0, for every finite v; finite where it fits.

    -1 <= v <= 2: v^2/2 G(v) with G's series, whose terms do not cancel;
    v < -1: (e^v + (-1 - v))/2, two non-negative terms; v > 2:
    (e^v - (1 + v))/2, which loses at most a factor 1.7 to cancellation, and,
    for v > 700, where e^v would overflow before g/2 does,
    e^{v/2} (e^{v/2}/2) - (1 + v)/2.  (No expm1: numpy's is slower than exp,
    and up to 4 ulp off on AVX-512 machines, which cancellation would amplify.)
    """
    small = (v >= -1.0) & (v <= 2.0)
    if small.all():  # the common case near q = p: nothing to gather
        return _half_square(v) * _series(_G_COEFFS, v, np.abs(v).max(initial=0.0), tol)
    half_g = np.empty_like(v)
    i = np.flatnonzero(small)
    if i.size:
        w = v[i]
        half_g[i] = _half_square(w) * _series(_G_COEFFS, w, np.abs(w).max(), tol)
    i = np.flatnonzero(v < -1.0)
    if i.size:
        w = v[i]
        half_g[i] = 0.5 * (np.exp(w) + (-1.0 - w))
    i = np.flatnonzero(~(small | (v < -1.0)))  # v > 2 (and NaN, which stays NaN)
    if i.size:
        w = v[i]
        half_g[i] = 0.5 * (np.exp(w) - (1.0 + w))
        big = np.flatnonzero(w > 700.0)
        e = np.exp(0.5 * w[big])
        half_g[i[big]] = (0.5 * e) * e - 0.5 * (1.0 + w[big])
    return half_g


def _kl_std_normal(mu, log_var, tol):
    """KL(N(mu, e^v) || N(0, 1)) = mu^2/2 + g(v)/2."""
    return _half_square(mu) + _half_expm1_minus(log_var, tol)


def _entropy(s, tol):
    """H = log(y) with y = sigma sqrt(2 pi e), relative to a few ulp everywhere.

    y is rounded once; its rounding and the remainder of sqrt(2 pi e) enter as
    a correction c with y (1 + c) = sigma sqrt(2 pi e), computed exactly
    (two-product) where H is small.  Near H = 0 (1/2 <= y <= 2), log y is
    log1p(y - 1), where y - 1 is exact.
    """
    y = s * _ROOT_2PIE
    h = np.log(y) + _ROOT_2PIE_LO / _ROOT_2PIE
    near = np.flatnonzero((y >= 0.5) & (y <= 2.0))
    if near.size:
        sn = s[near]
        yn, e = _mul_with_residual(sn, _ROOT_2PIE)
        h[near] = np.log1p(yn - 1.0) + (e + sn * _ROOT_2PIE_LO) / yn
    if s.min() < 1e-300 or s.max() > 1e300:  # y under- or overflows; |H| > 690 needs no care
        extreme = np.flatnonzero((s < 1e-300) | (s > 1e300))
        h[extreme] = np.log(s[extreme]) + _HALF_LOG_2PIE
    return h


def _half_r2_minus_one(s1, s2):
    """(r^2 - 1)/2 for r = sigma1/sigma2; x (1 + x/2) with x = r - 1 near r = 1."""
    r = s1 / s2
    out = _half_square(r) - 0.5
    near = np.flatnonzero((r >= 0.5) & (r <= 2.0))
    if near.size:
        x = (s1[near] - s2[near]) / s2[near]  # an exact numerator
        out[near] = x * (1.0 + 0.5 * x)
    return out


def _cross_entropy(m1, s1, m2, s2, tol):
    """H(q, p) = H(p) + (r^2 - 1)/2 + delta^2/2, each part to a few ulp of itself."""
    delta = _standardised_difference(m1, m2, s2)
    return (_entropy(s2, tol) + _half_r2_minus_one(s1, s2)) + _half_square(delta)


# --- arrays in, arrays out ----------------------------------------------------------


def _evaluate(formula, positive=(), **named):
    """``formula`` on the named array_like arguments: validated, broadcast, in chunks.

    Each argument becomes a float array (``ValueError`` naming it if it is not
    real numbers or is masked); numpy's buffered iterator broadcasts them
    (``ValueError`` naming the shapes if they do not broadcast), converts them
    to float64 and hands out chunks of ``_CHUNK`` elements, evaluated as
    ``formula(*chunks, tol=...)`` with the accuracy the result's dtype needs.
    The result has the broadcast shape and the dtype of :func:`result_dtype`;
    0-d input gives a numpy scalar.

    Validation costs one reduction per argument in ``positive`` (its minimum
    must be positive) and one for the result, not two per argument: every
    formula here turns a NaN or an infinite argument into a NaN or an infinite
    result.  Only a chunk whose result is not finite gets the full check,
    which raises ``ValueError`` naming the argument; if it passes, the
    infinities are the result's own (a KL beyond the largest float).
    """
    arrays = [as_float_array(name, value) for name, value in named.items()]
    try:
        np.broadcast_shapes(*(a.shape for a in arrays))
    except ValueError:
        shapes = ", ".join(f"{name} {a.shape}" for name, a in zip(named, arrays))
        raise ValueError(f"shapes do not broadcast: {shapes}") from None
    dtype = result_dtype(*named.values())
    tol = _FLOAT32_TOL if dtype == np.float32 else _FLOAT64_TOL
    it = np.nditer(
        [*arrays, None],
        flags=["external_loop", "buffered", "zerosize_ok"],
        op_flags=[["readonly"]] * len(arrays) + [["writeonly", "allocate"]],
        op_dtypes=[np.float64] * len(arrays) + [dtype],
        casting="same_kind",  # the float64 result is rounded to float32 for float32 input
        buffersize=_CHUNK,
    )
    # Floating-point warnings off: the formulas handle overflow themselves,
    # and a float32 result beyond float32's range is inf, as it should be.
    with it, np.errstate(all="ignore"):
        for *chunks, out in it:
            args = dict(zip(named, chunks))
            if not all(args[name].min() > 0 for name in positive):
                _check(args, positive)
            result = formula(*chunks, tol=tol)
            if not math.isfinite(result.sum()):
                _check(args, positive)
            out[...] = result
        result = it.operands[-1]
    return result[()] if result.ndim == 0 else result


def _check(args, positive):
    """Raise ``ValueError`` naming the first argument with NaN, inf (or <= 0, if positive)."""
    for name, chunk in args.items():
        check_values(name, chunk, positive=name in positive)


# --- the public functions --------------------------------------------------------------


def kl_normal(mu1, sigma1, mu2, sigma2):
    r"""KL divergence KL(q || p) between two univariate Gaussians, in nats.

    With q first this is the *reverse* (exclusive) KL of variational inference
    and of RLHF penalties, the book's convention; for the forward KL(p || q),
    swap the two pairs of arguments.

    .. math::

        \mathrm{KL}\big(\mathcal N(\mu_1, \sigma_1^2) \,\|\, \mathcal N(\mu_2, \sigma_2^2)\big)
        = \log\frac{\sigma_2}{\sigma_1} + \frac{\sigma_1^2 + (\mu_1 - \mu_2)^2}{2\sigma_2^2}
          - \frac12

    Parameters
    ----------
    mu1, sigma1 : array_like
        Mean and **standard deviation** of q, the first argument (approximate
        posterior).  ``sigma1 > 0``.
    mu2, sigma2 : array_like
        Mean and standard deviation of p, the reference (prior).  ``sigma2 > 0``.
        All four arguments broadcast together with numpy rules.

    Returns
    -------
    ndarray or float
        KL in nats, with the broadcast shape of the inputs (a numpy scalar for
        scalar input).  float32 when every array input is float32 (Python
        floats do not count), else float64.  Accurate to a few ulp everywhere
        (at most 4 in float64 on the book's accuracy grids), including q ~ p,
        where the textbook formula loses every digit; ``inf`` only where the KL
        exceeds the largest float.

    Raises
    ------
    ValueError
        If any argument is NaN or infinite, if ``sigma1`` or ``sigma2`` is
        not positive, if an argument is not real numbers or is a masked array,
        or if the shapes do not broadcast.  The message names the argument.

    Notes
    -----
    Derived in the book's chapter "The KL between two univariate Gaussians"
    (equation ``eq-kl-normal``); see also Cover & Thomas, *Elements of
    Information Theory*, 2nd ed., ch. 8.  It is evaluated as the chapter
    "Computing the KL accurately" derives it (equation ``eq-stable-b``); the
    module docstring of :mod:`kltools.closed_forms` maps the code to it.

    Examples
    --------
    >>> from kltools import kl_normal
    >>> float(kl_normal(0.0, 1.0, 0.0, 1.0))
    0.0
    >>> round(float(kl_normal(1.0, 2.0, 0.0, 1.0)), 6)
    1.306853
    >>> kl = kl_normal(0.0, 1.0 + 1e-9, 0.0, 1.0)  # q ~ p: about x^2 for sigma1 = 1 + x
    >>> print(f"{float(kl):.6e}")  # the textbook formula: no correct digit
    1.000000e-18
    """
    return _evaluate(
        _kl_normal, ("sigma1", "sigma2"), mu1=mu1, sigma1=sigma1, mu2=mu2, sigma2=sigma2
    )


def expm1_minus_x(v):
    r"""g(v) = e^v - 1 - v, without cancellation, for every finite v.

    g(v) >= 0 is the part of the VAE KL that depends on the log-variance,
    KL(N(mu, e^v) || N(0, 1)) = (mu^2 + g(v)) / 2, and it is the Monte Carlo
    estimator k3 of KL(q || p) with v = log p(x) - log q(x) (Schulman 2020).
    Written literally, ``np.exp(v) - 1 - v`` loses every digit as v -> 0 and
    can come out negative; here g is summed as a series for -1 <= v <= 2.

    Parameters
    ----------
    v : array_like
        Any finite reals.  Integer input is promoted to float64.

    Returns
    -------
    ndarray or float
        g(v), elementwise, with the shape of ``v``; float32 for float32 input,
        else float64.  Never negative; a few ulp from the exact value; +inf
        only where g itself exceeds the largest float (v > 709.78 in float64,
        v > 88.72 in float32).  Dimensionless (nats when v is a log-ratio).

    Raises
    ------
    ValueError
        If ``v`` contains NaN or inf, is not real, or is a masked array.

    Notes
    -----
    Derived in the book's chapter "Computing the KL accurately" (the
    log-variance form, equation ``eq-g-series``); the estimator reading is in
    "Monte Carlo estimates of the KL".

    Examples
    --------
    >>> from kltools import expm1_minus_x
    >>> float(expm1_minus_x(0.0))
    0.0
    >>> float(expm1_minus_x(1e-8))  # the literal formula gives 0 or 1.1e-16 here
    5.000000016666667e-17
    """
    return _evaluate(lambda x, tol: 2.0 * _half_expm1_minus(x, tol), v=v)


def kl_std_normal(mu, log_var):
    r"""The VAE KL term KL(N(mu, exp(log_var)) || N(0, 1)), in nats.

    The reverse KL, with the approximate posterior q = N(mu, exp(log_var))
    first, as in the VAE loss.

    .. math::

        \mathrm{KL} = -\tfrac12\left(1 + v - \mu^2 - e^{v}\right),
        \qquad v = \log\sigma^2 .

    Parameters
    ----------
    mu : array_like
        Mean of q.
    log_var : array_like
        **Log-variance** v = log sigma^2 of q (natural log), as a VAE encoder
        outputs it.  Any finite real.  Broadcasts with ``mu``.

    Returns
    -------
    ndarray or float
        KL in nats, per element (no sum over latent dimensions), with the
        broadcast shape.  float32 when both array inputs are float32, else
        float64.  Accurate to a few ulp; no overflow while the KL itself is
        finite (the literal formula overflows at v > 709.78 in float64 and
        v > 88.72 in float32).

    Raises
    ------
    ValueError
        If ``mu`` or ``log_var`` is NaN or infinite, not real or a masked
        array, or if the shapes do not broadcast.

    Notes
    -----
    Kingma & Welling (2014), *Auto-Encoding Variational Bayes*, Appendix B,
    with sigma^2 = exp(v); derived in the book's chapter "The KL between two
    univariate Gaussians" (equation ``eq-kl-unit-prior``), evaluated as
    mu^2/2 + g(v)/2 with :func:`expm1_minus_x`.

    Examples
    --------
    >>> from kltools import kl_std_normal
    >>> float(kl_std_normal(0.0, 0.0))
    0.0
    >>> round(float(kl_std_normal(1.0, 0.0)), 12)
    0.5
    """
    return _evaluate(_kl_std_normal, mu=mu, log_var=log_var)


def entropy_normal(sigma):
    r"""Differential entropy H(q) of q = N(mu, sigma^2), in nats.

    .. math::  H(q) = \tfrac12 \log(2\pi e\,\sigma^2)

    It does not depend on the mean.  It is negative for sigma < (2 pi e)^{-1/2}.

    Parameters
    ----------
    sigma : array_like
        Standard deviation, ``> 0``.

    Returns
    -------
    ndarray or float
        Entropy in nats, same shape as ``sigma``; float32 for float32 input.
        Accurate to a few ulp of the result everywhere (at most 4 in float64
        on the book's accuracy grids), also near its zero at
        sigma = (2 pi e)^(-1/2) = 0.24197..., where the literal formula's
        error relative to the result is unbounded.

    Raises
    ------
    ValueError
        If ``sigma`` is NaN, infinite, not positive, not real or a masked array.

    Notes
    -----
    Cover & Thomas, *Elements of Information Theory*, 2nd ed., eq. (8.9);
    derived in the book's chapter "The entropy of a Gaussian"
    (equation ``eq-entropy-normal``).  Evaluated as log(sigma sqrt(2 pi e)),
    with log1p near the zero.

    Examples
    --------
    >>> from kltools import entropy_normal
    >>> round(float(entropy_normal(1.0)), 10)
    1.4189385332
    >>> h = entropy_normal(0.24197072451914337)  # just above the zero
    >>> print(f"{float(h):.6e}")  # the literal formula: 0.0 or worse
    6.418005e-17
    """
    return _evaluate(_entropy, ("sigma",), sigma=sigma)


def cross_entropy_normal(mu1, sigma1, mu2, sigma2):
    r"""Cross-entropy H(q, p) = -E_q[log p] between two Gaussians, in nats.

    .. math::

        H(q, p) = \tfrac12\log(2\pi\sigma_2^2)
                  + \frac{\sigma_1^2 + (\mu_1 - \mu_2)^2}{2\sigma_2^2}

    Parameters
    ----------
    mu1, sigma1 : array_like
        Mean and standard deviation of q, the distribution the expectation is
        taken under.  ``sigma1 > 0``.
    mu2, sigma2 : array_like
        Mean and standard deviation of p, whose log-density is averaged.
        ``sigma2 > 0``.  All four broadcast together.

    Returns
    -------
    ndarray or float
        Cross-entropy in nats with the broadcast shape; float32 when every
        array input is float32.  Computed as H(p) + (r^2 - 1)/2 + delta^2/2
        with r = sigma1/sigma2 and delta = (mu1 - mu2)/sigma2, each part to a
        few ulp of itself: the error is at most a few ulp of
        |H(p)| + |r^2 - 1|/2 + delta^2/2 (at most 4 in float64 on the book's
        accuracy grids).  That is a few ulp of the result wherever the parts
        do not cancel, including near the zero at q = p with
        sigma1 = sigma2 = (2 pi e)^(-1/2); where they do cancel (the result
        crosses zero elsewhere) the bound is absolute.

    Raises
    ------
    ValueError
        If any argument is NaN or infinite, a sigma is not positive, an
        argument is not real numbers or is a masked array, or the shapes do
        not broadcast.  The message names the argument.

    Notes
    -----
    Derived in the book's chapter "The cross-entropy between two Gaussians"
    (equation ``eq-cross-entropy-normal``).  KL(q || p) = H(q, p) - H(q), but
    use :func:`kl_normal` for the KL: the difference of the two cancels.

    Examples
    --------
    >>> from kltools import cross_entropy_normal
    >>> round(float(cross_entropy_normal(0.0, 1.0, 0.0, 1.0)), 10)
    1.4189385332
    """
    return _evaluate(
        _cross_entropy, ("sigma1", "sigma2"), mu1=mu1, sigma1=sigma1, mu2=mu2, sigma2=sigma2
    )
