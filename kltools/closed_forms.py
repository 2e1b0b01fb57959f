"""Closed forms for univariate Gaussians, in nats, written to keep full precision.

The book derives every formula here symbolically (chapters "The entropy of a
Gaussian", "The cross-entropy between two Gaussians" and "The KL between two
univariate Gaussians"); this module is the numerically careful numpy version.

Numerical design
----------------
The KL between q = N(mu1, sigma1^2) and p = N(mu2, sigma2^2) is split into two
non-negative parts, so that adding them never cancels::

    KL = delta^2 / 2  +  B(r),   delta = (mu1 - mu2) / sigma2,   r = sigma1 / sigma2,
    B(r) = (r^2 - 1) / 2 - log r  >= 0.

Evaluated as written, ``B`` cancels catastrophically when r is near 1, which is
exactly the regime q ~ p that KL penalties live in.  With x = r - 1 (computed
from sigma1 - sigma2, which is exact there by Sterbenz' lemma) and
s = x / (x + 2), one has r = (1 + s)/(1 - s), log r = 2 atanh(s), and the
exact identity::

    B = x^2 - s [ x^2 / 2 + 2 s^2 P(s^2) ],    P(t) = sum_k t^k / (2k + 3),

in which nothing cancels: for 1/2 <= r <= 2 (|s| <= 1/3) the subtracted term is
at most a quarter of x^2 and B >= 0.79 x^2.  x = (sigma1 - sigma2)/sigma2 has one
rounding, and the series is summed to double precision (with as many terms as
the block needs): about 3 ulp at worst.  For 1/8 <= r < 1/2 and 2 < r <= 8 the
direct form is used with a first-order correction for the rounding of r,
obtained exactly by Dekker's two-product, because the condition number of B
there is 2 to 3.7.  Elsewhere the direct form is well conditioned.  Where
delta^2 >= 64, KL >= 32 and the direct form's rounding is a few ulp of the KL
whatever r is, so the careful forms are skipped.

The log-variance form used by VAEs, KL(N(mu, e^v) || N(0, 1)), is written
``(mu^2 + g(v)) / 2`` with g(v) = expm1(v) - v >= 0; g is summed as a series for
|v| <= 1 and, for v > 700, as e^{v/2} (e^{v/2} / 2) so that nothing overflows
while the KL itself is finite.

Arrays are processed in blocks of 2^16 elements.  Each block is evaluated with
the direct form in as many passes as the textbook formula; the elements that
need the careful form are gathered while the block is in cache and recomputed
afterwards in chunks.  tests/bench_kl_normal.py measures the cost.
"""

from __future__ import annotations

import math

import numpy as np

from ._validate import as_float_array, broadcast, check_values, result_dtype

__all__ = [
    "kl_normal",
    "kl_std_normal",
    "entropy_normal",
    "cross_entropy_normal",
    "expm1_minus_x",
]

_BLOCK = 65536  # elements per block: large enough to amortise numpy's per-call overhead
_CAREFUL = 16384  # elements per chunk of the careful form: its temporaries stay in cache
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
_HALF_LOG_2PIE = 0.5 * (1.0 + math.log(2.0 * math.pi))

# P(t) = sum_k t^k / (2k+3): with t = s^2 <= 1/9, 15 terms leave a truncation
# error below 2^-56 relative to the bracket (|s| t^15 / 33 / (1 - t) < 5e-17).
_P_COEFFS = tuple(1.0 / (2 * k + 3) for k in range(15))
# G(v) = (expm1(v) - v) / v^2 = sum_k v^k / (k+2)!: for |v| <= 1, 18 terms
# leave a truncation error below 2^-56 relative to G >= 0.37.
_G_COEFFS = tuple(1.0 / math.factorial(k + 2) for k in range(18))


def _horner(coeffs, x):
    acc = np.full_like(x, coeffs[-1])
    for c in coeffs[-2::-1]:
        acc *= x
        acc += c
    return acc


def _blockwise(kernel, dtype, arrays, names, positive=(), scratch=(), careful=None, validate=True):
    """Evaluate ``kernel`` in float64 block by block, validating each block.

    ``kernel(*blocks, out=..., scratch=...)`` fills ``out`` and may return the
    block-local indices of elements it could not evaluate accurately; their
    inputs are gathered while the block is in cache, and they are recomputed
    at the end by ``careful(*values)`` in chunks of ``_CAREFUL`` elements (one
    vectorised call per chunk instead of many tiny ones per block).  ``scratch`` lists the dtypes of work buffers allocated once and
    reused by every block: a fresh half-megabyte temporary per operation costs
    more than the arithmetic.  Validation runs on each block while it is in
    cache: NaN or inf anywhere, or a value <= 0 in an argument listed in
    ``positive``, raises ``ValueError`` naming the argument.  A kernel that
    validates its blocks itself is run with ``validate=False``.
    """
    shape = arrays[0].shape
    flat = [np.ascontiguousarray(a).reshape(-1) for a in arrays]
    size = flat[0].size
    out = np.empty(size, dtype=np.float64)
    buffers = [np.empty(min(_BLOCK, size), dtype=dt) for dt in scratch]
    pending = []
    with np.errstate(all="ignore"):
        for start in range(0, size, _BLOCK):
            sl = slice(start, start + _BLOCK)
            blocks = [np.asarray(f[sl], dtype=np.float64) for f in flat]
            if validate:
                for name, blk in zip(names, blocks):
                    check_values(name, blk, name in positive)
            k = blocks[0].size
            idx = kernel(*blocks, out=out[sl], scratch=[w[:k] for w in buffers])
            if idx is not None and idx.size:
                # gather the subset now, while the block is in cache
                pending.append((idx + start, [b[idx] for b in blocks]))
        if pending:
            todo = np.concatenate([p[0] for p in pending])
            values = [np.concatenate([p[1][j] for p in pending]) for j in range(len(flat))]
            for i in range(0, todo.size, _CAREFUL):
                part = slice(i, i + _CAREFUL)
                out[todo[part]] = careful(*(v[part] for v in values))
    with np.errstate(over="ignore"):  # a float32 result beyond float32's range is inf, as it should be
        out = out.reshape(shape).astype(dtype, copy=False)
    return out[()] if out.ndim == 0 else out


def _half_square(x):
    """x^2 / 2 without overflowing before the result does."""
    return (0.5 * x) * x


def _mahalanobis_half(m1, m2, s2, out, tmp):
    """out = delta^2/2 with delta = (m1 - m2)/s2, robust to overflow of m1 - m2."""
    d = np.subtract(m1, m2, out=tmp)
    if np.isinf(d.max()) or np.isinf(d.min()):  # m1 - m2 overflowed; (m1 - m2)/s2 may not
        d[...] = m1 / s2 - m2 / s2
    else:
        np.divide(d, s2, out=d)
    np.multiply(d, 0.5, out=out)
    np.multiply(out, d, out=out)
    return out


def _split(v):
    """Veltkamp split: v = hi + lo exactly, each with at most 26 significant bits."""
    t = 134217729.0 * v  # 2^27 + 1
    hi = t - (t - v)
    return hi, v - hi


def _div_with_residual(num, den):
    """q = fl(num/den) and q_lo with q + q_lo = num/den to about 2^-100 relative.

    Dekker's two-product makes the residual num - q*den exact, provided the
    Veltkamp split neither overflows nor underflows; for |q| <= 8 that holds
    when den is within [1e-250, 1e250], and otherwise den is first scaled to
    [1/2, 1) by a power of two (exact, but frexp/ldexp are slow in numpy).
    """
    if den.size and (den.min() < 1e-250 or den.max() > 1e250):
        m, e = np.frexp(den)
        num, den = np.ldexp(num, -e), m
    q = num / den
    qh, ql = _split(q)
    dh, dl = _split(den)
    p = q * den
    p_err = ((qh * dh - p) + qh * dl + ql * dh) + ql * dl
    return q, ((num - p) - p_err) / den


def _p_terms(t_max: float) -> int:
    """Terms of P(t) = sum t^k/(2k+3) needed for a truncation error < 2^-56 of P."""
    k = 1
    while k < len(_P_COEFFS) and t_max**k > 2.0**-56 * (2 * k + 3):
        k += 1
    return k


_LN8 = math.log(8.0)


def _scale_part(s1, s2, out, r, h, mask):
    """out = B(r) = (r^2 - 1)/2 - log r for r = s1/s2, for any finite positive input.

    The slow path's scale part: direct form, the careful form for r in [1/8, 8],
    logs taken separately where r underflows, and inf where r overflows.
    ``r``, ``h`` (float) and ``mask`` (bool) are scratch buffers of out's size.
    """
    np.divide(s1, s2, out=r)
    log_r = np.log(r, out=out)
    lo, hi = float(log_r.min()), float(log_r.max())
    if lo >= -_LN8 and hi <= _LN8:  # the whole block takes the careful form
        out[...] = _scale_part_careful(s1, s2)
        return out
    np.abs(log_r, out=h)
    np.less_equal(h, _LN8, out=mask)
    idx = np.flatnonzero(mask)
    # the direct form: out = r^2/2 - log r - 1/2
    np.multiply(r, 0.5, out=h)
    np.multiply(h, r, out=h)
    np.subtract(h, log_r, out=out)
    out -= 0.5
    if idx.size:
        out[idx] = _scale_part_careful(s1[idx], s2[idx])
    if lo < -690.0:  # r rounded to a subnormal or to 0: take logs separately
        tiny = np.flatnonzero(r < 1e-300)
        out[tiny] = np.log(s2[tiny]) - np.log(s1[tiny]) - 0.5
    if hi == np.inf:  # r overflowed, so B > r^2/2 - log r does too (not inf - inf)
        out[r == np.inf] = np.inf
    return out


def _kl_normal_slow(m1, s1, m2, s2, out, scratch):
    """Two separately computed non-negative parts; safe for every finite input."""
    w1, w2, w3, w4, mask = scratch
    _mahalanobis_half(m1, m2, s2, out=w1, tmp=w2)
    _scale_part(s1, s2, out=w3, r=w2, h=w4, mask=mask)
    np.add(w1, w3, out=out)


def _scale_part_careful(s1, s2):
    """B(r) for 1/8 <= r = s1/s2 <= 8, where the direct form loses up to 4 ulp or all digits.

    For 1/2 <= r <= 2, x = r - 1 = (s1 - s2)/s2 has an exact numerator
    (Sterbenz) and one rounding, and B follows from the cancellation-free
    series form, B = x^2 - s (x^2/2 + 2 s^2 P(s^2)) with s = x/(x + 2): an
    error bound of about 3 ulp.  Elsewhere in [1/8, 8] the direct form is
    corrected to first order for the rounding of r = s1/s2,
    B(r + r_lo) = B(r) + (r - 1/r) r_lo, because the condition number
    (r^2 - 1)/B is 2 to 3.7 there.
    """
    x = (s1 - s2) / s2
    near = (x >= -0.5) & (x <= 1.0)
    s = x / (x + 2.0)
    t = s * s
    x2 = x * x
    p = _horner(_P_COEFFS[: _p_terms(float(np.max(t, where=near, initial=0.0)))], t)
    b = x2 - s * (0.5 * x2 + 2.0 * t * p)
    if not near.all():
        r, r_lo = _div_with_residual(s1, s2)
        b_band = _half_square(r) - 0.5 - np.log(r) + (r - 1.0 / r) * r_lo
        b = np.where(near, b, b_band)
    return b


def _kl_normal_careful(m1, s1, m2, s2):
    """KL for 1/8 <= s1/s2 <= 8: the Mahalanobis part plus the careful scale part."""
    return _half_square((m1 - m2) / s2) + _scale_part_careful(s1, s2)


def _kl_normal_kernel(m1, s1, m2, s2, out, scratch):
    """KL = (delta^2 + r^2 - 1)/2 - log r in as few passes as the textbook form.

    Validates the block as it goes: NaN or inf in a mean shows up in the
    extremes of delta, and in a standard deviation in those of r, so only the
    positivity of sigma1 and sigma2 needs reductions of its own; a block whose
    extremes look wrong gets the full, argument-naming check.  Returns the
    indices of the elements with 1/8 <= r <= 8 and delta^2 < 64, which the
    careful form recomputes.  Blocks with extreme values (|delta| > 1e150, r^2 near
    overflow, r subnormal) go to :func:`_kl_normal_slow` instead.
    """
    d, r, h, mask = scratch[0], scratch[1], scratch[2], scratch[4]
    if not (s1.min() > 0 and s2.min() > 0):
        check_values("sigma1", s1, positive=True)
        check_values("sigma2", s2, positive=True)
    np.subtract(m1, m2, out=d)
    np.divide(d, s2, out=d)
    dlo, dhi = float(d.min()), float(d.max())
    np.divide(s1, s2, out=r)
    rlo, rhi = float(r.min()), float(r.max())
    # NaN fails every comparison, so a NaN or inf input lands here too.
    if not (-1e150 < dlo and dhi < 1e150 and 1e-300 <= rlo and rhi <= 1e147):
        for name, arr in (("mu1", m1), ("sigma1", s1), ("mu2", m2), ("sigma2", s2)):
            check_values(name, arr, positive=name.startswith("sigma"))
        # valid but extreme: delta^2 or r^2 near overflow, r near underflow
        _kl_normal_slow(m1, s1, m2, s2, out, scratch)
        return None
    if rlo >= 0.125 and rhi <= 8.0:  # the whole block takes the careful form
        for i in range(0, out.size, _CAREFUL):
            sl = slice(i, i + _CAREFUL)
            out[sl] = _kl_normal_careful(m1[sl], s1[sl], m2[sl], s2[sl])
        return None
    np.log(r, out=h)
    np.multiply(d, d, out=d)
    idx = None
    if rlo <= 8.0 and rhi >= 0.125:
        # Elements with r in [1/8, 8] take the careful forms, unless delta^2 >= 64:
        # then KL >= 32 and the direct form's rounding, at most a few ulp of
        # delta^2/2 + r^2/2 + 1/2 + |log r| <= KL + 35, stays within ~3 ulp of KL.
        np.abs(h, out=out)
        np.less_equal(out, _LN8, out=mask)
        mask &= d < 64.0
        idx = np.flatnonzero(mask)
    np.multiply(r, r, out=r)
    d += r
    d -= 1.0
    d *= 0.5
    np.subtract(d, h, out=out)
    return idx


def _cross_entropy_normal_kernel(m1, s1, m2, s2, out, scratch):
    w1, w2 = scratch
    _mahalanobis_half(m1, m2, s2, out=w1, tmp=w2)
    np.divide(s1, s2, out=w2)
    np.multiply(w2, 0.5, out=out)
    np.multiply(out, w2, out=out)
    out += w1
    out += np.log(s2, out=w2)
    out += _HALF_LOG_2PI


def _entropy_normal_kernel(s, out, scratch):
    np.log(s, out=out)
    out += _HALF_LOG_2PIE


def _half_expm1_minus(v):
    """(expm1(v) - v)/2 >= 0, accurate for all finite v, finite where it fits."""
    g = np.expm1(v)
    g -= v
    g *= 0.5
    small = np.abs(v) <= 1.0
    if small.any():
        w = v[small]
        g[small] = _half_square(w) * _horner(_G_COEFFS, w)
    big = v > 700.0  # expm1 would overflow before g/2 does
    if big.any():
        e = np.exp(0.5 * v[big])
        g[big] = (0.5 * e) * e - 0.5 * (1.0 + v[big])
    return g


def _kl_std_normal_kernel(mu, log_var, out, scratch):
    np.add(_half_square(mu), _half_expm1_minus(log_var), out=out)


def _two_normals(mu1, sigma1, mu2, sigma2):
    """The result dtype and the four parameters as broadcast float arrays (values checked later)."""
    arrays = broadcast(
        mu1=as_float_array("mu1", mu1), sigma1=as_float_array("sigma1", sigma1),
        mu2=as_float_array("mu2", mu2), sigma2=as_float_array("sigma2", sigma2),
    )
    return result_dtype(mu1, sigma1, mu2, sigma2), arrays


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
        scalar input).  float32 when every input is float32, else float64.
        Accurate to a few ulp everywhere (at most 4 in float64 on the book's
        accuracy grids), including q ~ p, where the textbook formula loses
        every digit; ``inf`` only where the KL exceeds the largest float.

    Raises
    ------
    ValueError
        If any argument is NaN or infinite, if ``sigma1`` or ``sigma2`` is
        not positive, or if the shapes do not broadcast.  The message names the
        argument.

    Notes
    -----
    Derived in the book's chapter "The KL between two univariate Gaussians"
    (equation ``eq-kl-normal``); see also Cover & Thomas, *Elements of
    Information Theory*, 2nd ed., ch. 8.  The evaluation scheme is described in
    the module docstring of :mod:`kltools.closed_forms`.

    Examples
    --------
    >>> from kltools import kl_normal
    >>> float(kl_normal(0.0, 1.0, 0.0, 1.0))
    0.0
    >>> round(float(kl_normal(1.0, 2.0, 0.0, 1.0)), 6)
    1.306853
    """
    return _blockwise(
        _kl_normal_kernel,
        *_two_normals(mu1, sigma1, mu2, sigma2),
        ("mu1", "sigma1", "mu2", "sigma2"),
        positive=("sigma1", "sigma2"),
        scratch=(np.float64,) * 4 + (np.bool_,),
        careful=_kl_normal_careful,
        validate=False,  # _kl_normal_kernel validates each block from its own reductions
    )


def expm1_minus_x(v):
    r"""g(v) = e^v - 1 - v, without cancellation, for every finite v.

    g(v) >= 0 is the part of the VAE KL that depends on the log-variance,
    KL(N(mu, e^v) || N(0, 1)) = (mu^2 + g(v)) / 2, and it is the Monte Carlo
    estimator k3 of KL(q || p) with v = log p(x) - log q(x) (Schulman 2020).
    Written literally, ``np.exp(v) - 1 - v`` loses every digit as v -> 0 and
    can come out negative; here g is summed as a series for |v| <= 1.

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
        If ``v`` contains NaN or inf, or is not real.

    Notes
    -----
    Derived in the book's chapter "Accuracy near q = p" (the log-variance
    form); the estimator reading is in "Monte Carlo estimates of the KL".

    Examples
    --------
    >>> from kltools import expm1_minus_x
    >>> float(expm1_minus_x(0.0))
    0.0
    >>> float(expm1_minus_x(1e-8))  # the literal formula gives 0 or 1.1e-16 here
    5.000000016666667e-17
    """
    arr = as_float_array("v", v)
    dtype = result_dtype(v)
    check_values("v", arr)
    x = np.asarray(arr, dtype=np.float64).reshape(-1)
    with np.errstate(over="ignore"):
        out = (2.0 * _half_expm1_minus(x)).reshape(arr.shape).astype(dtype, copy=False)
    return out[()] if out.ndim == 0 else out


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
        broadcast shape.  float32 when both inputs are float32, else float64.
        Accurate to a few ulp; no overflow while the KL itself is finite (the
        literal formula overflows at v > 709.78 in float64 and v > 88.72 in
        float32).

    Raises
    ------
    ValueError
        If ``mu`` or ``log_var`` is NaN or infinite, or if the shapes do not
        broadcast.

    Notes
    -----
    Kingma & Welling (2014), *Auto-Encoding Variational Bayes*, Appendix B,
    with sigma^2 = exp(v); derived in the book's chapter "The KL between two
    univariate Gaussians" (equation ``eq-kl-unit-prior``).

    Examples
    --------
    >>> from kltools import kl_std_normal
    >>> float(kl_std_normal(0.0, 0.0))
    0.0
    >>> round(float(kl_std_normal(1.0, 0.0)), 12)
    0.5
    """
    m = as_float_array("mu", mu)
    v = as_float_array("log_var", log_var)
    dtype = result_dtype(mu, log_var)
    return _blockwise(_kl_std_normal_kernel, dtype, broadcast(mu=m, log_var=v), ("mu", "log_var"))


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
        Accurate to a few ulps of the terms it adds, |log sigma| + log(2 pi e)/2
        (at most 4 in float64 on the book's accuracy grids): near the zero at
        sigma = (2 pi e)^(-1/2) the error relative to the result is unbounded,
        as for any sum of terms of both signs.

    Raises
    ------
    ValueError
        If ``sigma`` is NaN, infinite or not positive.

    Notes
    -----
    Cover & Thomas, *Elements of Information Theory*, 2nd ed., eq. (8.9);
    derived in the book's chapter "The entropy of a Gaussian"
    (equation ``eq-entropy-normal``).

    Examples
    --------
    >>> from kltools import entropy_normal
    >>> round(float(entropy_normal(1.0)), 10)
    1.4189385332
    """
    s = as_float_array("sigma", sigma)
    return _blockwise(_entropy_normal_kernel, result_dtype(sigma), (s,), ("sigma",), positive=("sigma",))


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
        input is float32.  Accurate to a few ulps of the terms it adds,
        delta^2/2 + r^2/2 + |log sigma2| + log(2 pi)/2 with
        delta = (mu1 - mu2)/sigma2 and r = sigma1/sigma2 (at most 8 in float64
        on the book's accuracy grids); like the entropy it crosses zero.

    Raises
    ------
    ValueError
        If any argument is NaN or infinite, a sigma is not positive, or the
        shapes do not broadcast.

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
    return _blockwise(
        _cross_entropy_normal_kernel,
        *_two_normals(mu1, sigma1, mu2, sigma2),
        ("mu1", "sigma1", "mu2", "sigma2"),
        positive=("sigma1", "sigma2"),
        scratch=(np.float64,) * 2,
    )
