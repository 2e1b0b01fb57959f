"""Independent numeric checks: quadrature and Monte Carlo.

Both methods average a function under q = N(mu, sigma^2) written in the
standardised variable z = (x - mu) / sigma, whose density is the standard
normal phi(z): by adaptive Gauss-Kronrod quadrature
(:func:`scipy.integrate.quad`) or by seeded sampling
(:func:`numpy.random.default_rng`).  Each returns its own error estimate,
which is what the book's checks use as their tolerance.

For the KL divergence the log-ratio is written in z with the mean difference
folded in once (:func:`kl_quad`, :func:`kl_monte_carlo`):

    log q(x) - log p(x) = -log r + (w - z)(w + z) / 2,   w = delta + r z,

with delta = (mu1 - mu2)/sigma2 and r = sigma1/sigma2 (the book's notation).
Nothing in it depends on mu1 or mu2 except delta, so the result keeps full
precision when |mu| >> sigma, where x = mu1 + sigma1 z would round z away.
It uses the definition of the log-densities, never their moments, so it
shares no algebra with the closed form :func:`kltools.kl_normal`.
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple

import numpy as np
from scipy import integrate

from ._validate import as_float_array, check_callable, check_sample_size, check_seed, check_values

__all__ = ["Estimate", "expect_quad", "expect_monte_carlo", "kl_quad", "kl_monte_carlo"]

_U = 2.0**-53  # unit roundoff of float64
_SQRT_2PI = math.sqrt(2 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)  # E|z| for z ~ N(0, 1)
_BIG = 2.0**200  # beyond this, delta or r is rescaled: no (r z)^2, nor its square, can overflow
# Accuracy asked of quad: relative 1e-12, or absolute 4 times the rounding
# floor of the integrand (closer to the floor, quad only reports round-off).
_EPSREL = 1e-12
_FLOOR_MULTIPLE = 4
_LIMIT = 200
# Rounding of a generic integrand func(x): assumed at most _FUNC_ROUNDING unit
# roundoffs of its magnitude (a handful of flops, each off by <= u).
_FUNC_ROUNDING = 16
# The rounding of x = mu + sigma z, which a generic func(x) cannot undo, moves
# func by about |func'(x)| u (|mu| + 2 sigma |z|); func' is taken by central
# differences of step max(sigma/64, 2^-26 |x|) (small next to sigma, large
# next to the rounding of x).
_STEP_OF_SIGMA = 1 / 64
_STEP_OF_X = 2.0**-26
# Underflow: an operation whose result is subnormal errs by up to 2^-1075
# absolute, whatever u says; the log-ratio and its weight take ~10 of them.
_UNDERFLOW = 64 * 2.0**-1074


class Estimate(NamedTuple):
    """A numeric estimate with its own error estimate.

    Attributes
    ----------
    value : float
        The estimate, in nats for the KL.  ``inf`` when it exceeds the
        largest float (the KL overflows).
    error : float
        For quadrature, an absolute error bound: quad's ``abserr`` plus a
        bound on the rounding of the integrand.  For Monte Carlo, the
        standard error of the mean plus a bound on the rounding of the values
        and of their mean (negligible unless the values nearly cancel).
        When ``value`` is ``inf``: for
        quadrature ``0.0`` if the whole interval ``value +- error`` lies
        beyond the float range (``inf`` is then the correctly rounded
        result, exact as a float) and ``inf`` if it straddles the largest
        float; for Monte Carlo always ``inf`` (no finite standard error
        describes an overflowed mean).
    method : str
        ``"quad"`` or ``"monte_carlo"``.
    n : int
        Function evaluations (quad) or samples (Monte Carlo).
    """

    value: float
    error: float
    method: str
    n: int


# --- validation -------------------------------------------------------------


def _real(name: str, value, *, positive: bool = False) -> float:
    """``value`` as a Python float, or ``ValueError`` naming ``name``."""
    arr = as_float_array(name, value)
    if arr.ndim != 0:
        raise ValueError(f"{name} must be a scalar, got shape {arr.shape}")
    check_values(name, arr, positive=positive)
    return float(arr)


def _func_values(values, shape: tuple) -> np.ndarray:
    """What ``func`` returned, as float64 of ``shape``, or a ValueError that names ``func``."""
    arr = np.asarray(values)
    if arr.dtype.kind == "c":
        raise ValueError("func must return real numbers, got complex values")
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"func must return real numbers, got dtype {arr.dtype}")
    if arr.shape != shape:
        what = "a scalar" if shape == () else f"one value per sample, shape {shape}"
        raise ValueError(f"func must return {what}; got shape {arr.shape}")
    return arr.astype(np.float64)


# --- quadrature against the standard normal weight -----------------------------


def _phi(z: float) -> float:
    """Standard normal density.  Relative rounding error <= (z^2/2 + 4) u.

    z*z rounds by u relative, which moves exp's argument by u z^2/2; exp
    itself, the rounded constant and the division add <= 4 u.
    """
    return math.exp(-0.5 * z * z) / _SQRT_2PI


def _quad_phi(
    g: Callable[[float], float], floor: float, epsrel: float = _EPSREL
) -> tuple[float, float, int]:
    """integral of phi(z) g(z) over the real line by ``scipy.integrate.quad``.

    ``floor`` bounds the rounding error of the computed integrand's integral;
    quad is asked for 4 times that, or ``epsrel`` relative.  Where phi(z)
    underflows to 0 (|z| > 38.6) the integrand is 0, without calling g,
    whose value there may overflow.  quad's flags are not turned into
    warnings (``full_output``): its round-off flag is what ``floor``
    accounts for, and its ``abserr`` is returned in every case.  (quad's
    abserr already has a floor of 50 eps times the integral of |integrand|
    for its own sums: QUADPACK's dqk15i, Piessens et al. 1983.)
    """

    def integrand(z):
        w = _phi(z)
        return w * g(z) if w > 0.0 else 0.0

    value, abserr, info = integrate.quad(
        integrand,
        -math.inf,
        math.inf,
        epsabs=_FLOOR_MULTIPLE * floor,
        epsrel=epsrel,
        limit=_LIMIT,
        full_output=1,
    )[:3]
    return float(value), float(abserr), int(info["neval"])


# --- Monte Carlo means ------------------------------------------------------------


def _x_rounding(func, mu: float, sigma: float, z):
    """u (|mu| + 2 sigma |z|) |func'(x)| at x = mu + sigma z: the error of rounding x, for func.

    x = mu + sigma z rounds twice, by <= u sigma |z| and u |x|.  An estimate
    (like quad's abserr), not a bound: func' comes from central differences.
    Works on floats and on arrays.
    """
    x = mu + sigma * z
    h = np.maximum(_STEP_OF_SIGMA * sigma, _STEP_OF_X * np.abs(x))
    slope = np.abs(np.asarray(func(x + h), dtype=float) - np.asarray(func(x - h), dtype=float)) / (
        2 * h
    )
    return _U * (abs(mu) + 2 * sigma * np.abs(z)) * slope


def _standard_error(vals: np.ndarray) -> float:
    """std(vals, ddof=1) / sqrt(n), on vals scaled by a power of two near their maximum.

    The scaling is exact and keeps the squares inside the float range: the
    deviations of values near 1e-200 (or 1e+200) would under- (over-)flow.
    """
    top = float(np.max(np.abs(vals)))
    if top == 0.0:
        return 0.0
    e = math.frexp(top)[1]
    return math.ldexp(float(np.std(np.ldexp(vals, -e), ddof=1)), e) / math.sqrt(vals.size)


def _mean_rounding(n: int) -> int:
    """Unit roundoffs of mean(|values|) that bound the rounding of numpy's mean of n values.

    numpy sums a contiguous float64 array pairwise (the notes of
    :func:`numpy.sum`; ``pairwise_sum`` in numpy's ``loops_utils.h.src``):
    blocks of up to 128 values go through 8 running sums (<= 15 additions
    each), combined in 3 levels, plus <= 7 leftover values; the blocks are
    added pairwise (<= log2 n levels).  With the start from 0.0 and the
    division by n, no value passes through more than log2 n + 27 roundings.
    """
    return math.ceil(math.log2(n)) + 27


# --- the log-ratio in the standardised variable --------------------------------


class _LogRatio(NamedTuple):
    """log q(x) - log p(x) at x = mu1 + sigma1 z, divided by 4^k.

    ``ell(z) / 4^k = (d + a1 z)(d + a2 z) / 2 - c`` with ``d = delta / 2^k``,
    ``a1 = (r - 1) / 2^k``, ``a2 = (r + 1) / 2^k`` and ``c = log(r) / 4^k``:
    with w = delta + r z, (d + a1 z)(d + a2 z) 4^k = (w - z)(w + z).
    ``k = 0`` unless delta or r exceeds 2^200; then the power of two keeps
    |d|, |a1|, |a2| below 4, so that nothing overflows, and the integral is
    scaled back exactly (or overflows to inf) at the end.
    """

    d: float
    a1: float
    a2: float
    c: float
    k: int

    def __call__(self, z):
        """The scaled log-ratio at z (float or array)."""
        return (self.d + self.a1 * z) * (self.d + self.a2 * z) / 2 - self.c

    def magnitude(self, z):
        """M(z) = |c| + (|d| + |a1||z|)(|d| + (|a1| + 2^(1-k))|z|): the size of the terms."""
        z = abs(z)
        alpha, d = abs(self.a1), abs(self.d)
        return abs(self.c) + (d + alpha * z) * (d + (alpha + math.ldexp(2.0, -self.k)) * z)

    def rounding_floor(self) -> float:
        """u E[(z^2/2 + 11) M(z)]: bounds the rounding in the integral of phi(z) ell(z) / 4^k.

        Per point, in units of u = 2^-53: d and a1 carry <= 2 roundings from
        their set-up, a2 one more, c <= 5 relative (see
        :func:`_log_scale_ratio`); the two factors then err by <= 4 and 5
        times their terms' magnitudes, so the log-ratio errs by <= 6 M(z).
        phi(z) errs by <= (z^2/2 + 4) relative (:func:`_phi`) and the product
        by 1: the integrand errs by <= (z^2/2 + 11) phi(z) M(z).  Its
        expectation uses E|z| = sqrt(2/pi), E z^2 = 1, E|z|^3 = 2 sqrt(2/pi)
        and E z^4 = 3.  Subnormal results add up to 2^-1075 each
        (``_UNDERFLOW`` covers them).
        """
        alpha = abs(self.a1)
        beta = alpha + math.ldexp(2.0, -self.k)
        d = abs(self.d)
        terms = (
            11.5 * (abs(self.c) + d * d)
            + 12 * _SQRT_2_OVER_PI * d * (alpha + beta)
            + 12.5 * alpha * beta
        )
        return _U * terms * (1 + 1e-6) + _UNDERFLOW  # (1 + 1e-6): the few roundings of this sum


def _log_scale_ratio(sigma1: float, sigma2: float, rho: float) -> float:
    """log r = log(sigma1/sigma2), to <= 5 u relative, even where r under- or overflows.

    ``rho`` is r - 1 computed as (sigma1 - sigma2)/sigma2, whose subtraction
    is exact when r is in [1/2, 2] (Sterbenz's lemma).
    """
    if -0.5 <= rho <= 1.0:
        return math.log1p(rho)
    r = sigma1 / sigma2
    if 2.0**-1022 <= r < math.inf:
        return math.log(r)  # |log r| >= log 2, so r's rounding (u absolute) is <= 1.5 u relative
    return math.log(sigma1) - math.log(
        sigma2
    )  # |log r| > 708: each log is off by <= u |log sigma|


def _log_ratio(mu1: float, sigma1: float, mu2: float, sigma2: float) -> _LogRatio:
    """The log-ratio of q = N(mu1, sigma1^2) to p = N(mu2, sigma2^2) in z, from delta and r."""
    diff, halved = mu1 - mu2, 0
    if math.isinf(diff):  # |mu1 - mu2| exceeds the float range: halve both (exact)
        diff, halved = mu1 / 2 - mu2 / 2, 1
    delta = diff / sigma2 * (2.0 if halved else 1.0)  # may overflow to inf
    rho = (sigma1 - sigma2) / sigma2  # r - 1, may overflow to inf
    log_r = _log_scale_ratio(sigma1, sigma2, rho)
    if max(abs(delta), rho) <= _BIG:
        return _LogRatio(delta, rho, rho + 2.0, log_r, 0)
    # Rescale by 2^-k, chosen from the exponents, so that each numerator over
    # sigma2 2^k is below 4 and sigma2 2^k stays a normal float.
    exps = [math.frexp(sigma1)[1]] + ([math.frexp(diff)[1] + halved] if diff else [])
    k = max(exps) - math.frexp(sigma2)[1] - 1
    d = diff / math.ldexp(sigma2, k - halved)
    a1 = (sigma1 - sigma2) / math.ldexp(sigma2, k)
    return _LogRatio(d, a1, a1 + math.ldexp(2.0, -k), math.ldexp(log_r, -2 * k), k)


def _unscale(x: float, k: int) -> float:
    """x 4^k, exact, or +-inf where it exceeds the float range."""
    try:
        return math.ldexp(x, 2 * k)
    except OverflowError:
        return math.copysign(math.inf, x)


def _kl_args(mu1, sigma1, mu2, sigma2) -> _LogRatio:
    return _log_ratio(
        _real("mu1", mu1),
        _real("sigma1", sigma1, positive=True),
        _real("mu2", mu2),
        _real("sigma2", sigma2, positive=True),
    )


# --- public functions -----------------------------------------------------------


def expect_quad(
    func: Callable[[float], float], mu, sigma, *, magnitude: Callable[[float], float] | None = None
) -> Estimate:
    r"""E_q[func(x)] for q = N(mu, sigma^2), by adaptive quadrature.

    Computes :math:`\int \varphi(z)\, f(\mu + \sigma z)\, dz` over the whole
    real line with :func:`scipy.integrate.quad`, where :math:`\varphi` is the
    standard normal density.  Standardising the variable keeps the
    integrand's mass near z = 0 whatever mu and sigma are.

    Parameters
    ----------
    func : callable
        Scalar function of x, finite wherever q has mass.
    mu, sigma : float
        Mean and standard deviation of q (scalars; ``sigma > 0``).
    magnitude : callable, optional
        The total magnitude of the terms ``func`` is computed from (for
        ``log q - log p``, ``|log q| + |log p|``).  Defaults to ``|func|``.

    Returns
    -------
    Estimate
        ``value`` and ``error``: quad's ``abserr`` plus the rounding bound
        u E[(z^2/2 + 21) magnitude], u = 2^-53 (``func`` is taken to round
        by at most 16 u of its magnitude, the density phi(z) by
        (z^2/2 + 4) u relative, their product by u), plus the effect of
        rounding x (see Notes).

    Raises
    ------
    ValueError
        If ``mu`` or ``sigma`` is not a finite real scalar, or
        ``sigma <= 0``; if ``func`` is not callable or returns anything but a real scalar;
        if the integral is NaN (``func`` returned NaN, or infinities of both signs).

    Notes
    -----
    What standardising cannot fix for a generic ``func``: x = mu + sigma z
    is rounded to a float before ``func`` sees it, so when |mu| >> sigma
    the low digits of z are lost (x moves by up to u (|mu| + 2 sigma |z|)).
    The error bound includes that rounding, u E[(|mu| + 2 sigma |z|)
    |func'(x)|], with func' estimated by central differences of step
    max(sigma/64, 2^-26 |x|): an estimate, like quad's abserr, and large when
    |mu|/sigma is (for a log-density, about u |mu|/sigma).  If ``func``
    depends on x only through (x - c)/s, write it as a function of z and
    call with ``mu=0.0, sigma=1.0``, as :func:`kl_quad` does for the
    log-ratio: that loses nothing.

    Used by the book to check the entropy and cross-entropy closed forms
    (chapters "The entropy of a Gaussian" and "The cross-entropy between two
    Gaussians").

    Examples
    --------
    >>> from kltools import expect_quad
    >>> est = expect_quad(lambda x: x**2, 0.0, 2.0)
    >>> round(est.value, 10), est.error < 1e-12
    (4.0, True)
    """
    check_callable(func, "func")
    if magnitude is not None:
        check_callable(magnitude, "magnitude")
    mu = _real("mu", mu)
    sigma = _real("sigma", sigma, positive=True)
    func_of_x = func

    def func(t):
        return float(_func_values(func_of_x(t), ()))

    size = magnitude if magnitude is not None else (lambda t: abs(func(t)))

    # a bound needs only a few digits: 1e-6 relative
    def rounding(z):
        return _U * (z * z / 2 + 5 + _FUNC_ROUNDING) * size(mu + sigma * z) + float(
            _x_rounding(func, mu, sigma, z)
        )

    floor = _quad_phi(rounding, 0.0, 1e-6)[0]
    value, abserr, neval = _quad_phi(lambda z: func(mu + sigma * z), floor)
    if math.isnan(value):
        raise ValueError("func gave a NaN integral (NaN values, or infinities of both signs)")
    return Estimate(value, abserr + floor, "quad", neval)


def expect_monte_carlo(
    func: Callable[[np.ndarray], np.ndarray], mu, sigma, n: int = 100_000, seed: int = 0
) -> Estimate:
    """E_q[func(x)] for q = N(mu, sigma^2), by seeded Monte Carlo.

    Draws ``n`` standard normal z from a :func:`numpy.random.default_rng`
    seeded with ``seed``, sets x = mu + sigma z, and returns the sample
    mean of ``func(x)`` with its standard error ``std / sqrt(n)``, to which
    a bound on the rounding is added: u (16 + log2 n + 27) mean |func(x)|
    (``func`` taken to round by <= 16 u, the mean as in numpy's pairwise
    summation), plus the mean effect of rounding x, as in
    :func:`expect_quad`.

    Parameters
    ----------
    func : callable
        Vectorised function of an array of samples.
    mu, sigma : float
        Mean and standard deviation of q (scalars; ``sigma > 0``).
    n : int
        Number of samples, ``>= 2``.
    seed : int
        Seed for :func:`numpy.random.default_rng`; the result is deterministic.

    Returns
    -------
    Estimate
        ``value`` (sample mean) and ``error`` (standard error of the mean,
        plus the rounding bound).

    Raises
    ------
    ValueError
        If ``mu``/``sigma`` are not finite real scalars, ``sigma <= 0``,
        ``n`` is not an integer from 2 to 10**7, ``seed`` not a non-negative integer,
        ``func`` not callable, or ``func`` returns NaN, complex values or not one value
        per sample.

    Notes
    -----
    The same samples as ``scipy.stats.norm.rvs(mu, sigma, size=n,
    random_state=default_rng(seed))``.  As for :func:`expect_quad`, x is
    rounded before ``func`` sees it, which loses the low digits of z when
    |mu| >> sigma (in the error, estimated as there; when sigma is below
    the spacing of floats near mu, x takes only a few values and the error
    says so); a ``func`` of (x - c)/s can be written in z and called with
    ``mu=0.0, sigma=1.0`` instead.

    Examples
    --------
    >>> from kltools import expect_monte_carlo
    >>> est = expect_monte_carlo(lambda x: x, 3.0, 1.0, n=10_000, seed=1)
    >>> abs(est.value - 3.0) < 5 * est.error
    True
    """
    check_callable(func, "func")
    mu = _real("mu", mu)
    sigma = _real("sigma", sigma, positive=True)
    n = check_sample_size(n)
    z = np.random.default_rng(check_seed(seed)).standard_normal(n)
    vals = _func_values(func(mu + sigma * z), z.shape)
    if np.isnan(vals).any():
        raise ValueError("func returned NaN at a sample")
    floor = _U * (_FUNC_ROUNDING + _mean_rounding(n)) * float(np.abs(vals).mean())
    floor += float(np.mean(_x_rounding(func, mu, sigma, z)))
    return Estimate(float(vals.mean()), _standard_error(vals) + floor, "monte_carlo", n)


def kl_quad(mu1, sigma1, mu2, sigma2) -> Estimate:
    r"""KL(q || p) for univariate Gaussians by quadrature of :math:`\int q \log(q/p)`.

    q = N(mu1, sigma1^2) is the first argument and the weight; with the book's
    names of the directions, this is the reverse KL.  For the forward
    KL(p || q), exchange the two pairs of arguments.

    The integral is taken in z = (x - mu1)/sigma1 with
    :func:`scipy.integrate.quad`:

    .. math::

        \mathrm{KL}(q\,\Vert\,p) = \int \varphi(z)\Bigl(-\log r
        + \tfrac12 (w - z)(w + z)\Bigr)\,dz, \qquad w = \delta + r z,

    the log-ratio :math:`\log q(x) - \log p(x)` written out from the two
    log-densities, with :math:`\delta = (\mu_1 - \mu_2)/\sigma_2` and
    :math:`r = \sigma_1/\sigma_2` computed once.  Only its moments would
    give the closed form :func:`kltools.kl_normal`; quadrature never uses
    them.

    Parameters
    ----------
    mu1, sigma1, mu2, sigma2 : float
        Scalar parameters of q = N(mu1, sigma1^2) and p = N(mu2, sigma2^2);
        standard deviations ``> 0``.

    Returns
    -------
    Estimate
        The KL in nats and an absolute error bound: quad's ``abserr`` plus a
        bound on the rounding of the integrand, u E[(z^2/2 + 11) M(z)] with
        u = 2^-53 and M(z) the magnitude of the terms of the log-ratio (its
        derivation is in the source).  The precision does not depend on
        |mu|/sigma.  Where the KL exceeds the largest float the value is
        ``inf`` (see :class:`Estimate` for its error).

    Raises
    ------
    ValueError
        If an argument is not a finite real scalar or a sigma is ``<= 0``.

    Examples
    --------
    >>> from kltools import kl_quad
    >>> est = kl_quad(1.0, 2.0, 0.0, 1.0)
    >>> round(est.value, 6), est.error < 1e-11
    (1.306853, True)

    A mean 10^16 standard deviations from 0 loses nothing:

    >>> round(kl_quad(1e10, 1e-6, 1e10, 1.1e-6).value, 10)
    0.0085333203
    >>> kl_quad(0.0, 1e300, 0.0, 1e-300)[:2]
    (inf, 0.0)
    """
    lr = _kl_args(mu1, sigma1, mu2, sigma2)
    floor = lr.rounding_floor()
    value, abserr, neval = _quad_phi(lr, floor)
    error = abserr + floor
    result = _unscale(value, lr.k)
    if math.isinf(result):
        lower = _unscale(value - error, lr.k)
        return Estimate(result, 0.0 if math.isinf(lower) else math.inf, "quad", neval)
    return Estimate(result, _unscale(error, lr.k), "quad", neval)


def kl_monte_carlo(mu1, sigma1, mu2, sigma2, n: int = 100_000, seed: int = 0) -> Estimate:
    """KL(q || p) for univariate Gaussians by Monte Carlo: the mean of log q(x) - log p(x), x ~ q.

    q = N(mu1, sigma1^2) is the first argument, the one sampled from (the
    reverse KL, in the book's names); exchange the two pairs for KL(p || q).
    The samples are drawn as standard normal z (x = mu1 + sigma1 z) and the
    log-ratio is evaluated in z, as in :func:`kl_quad`, so the precision
    does not depend on |mu|/sigma.

    Parameters
    ----------
    mu1, sigma1, mu2, sigma2 : float
        Scalar parameters of q and p; standard deviations ``> 0``.
    n : int
        Number of samples drawn from q, ``>= 2``.
    seed : int
        Seed for :func:`numpy.random.default_rng`.

    Returns
    -------
    Estimate
        The estimate in nats and its standard error, plus a bound on the
        rounding of the log-ratios and their mean,
        u (6 + log2 n + 27) mean M(z) (see :func:`kl_quad`; negligible
        unless the log-ratios nearly cancel).  The estimator is unbiased
        (it is the "k1" estimator of the Monte Carlo chapter).
        Where the mean exceeds the largest float, value and error are
        ``inf``.

    Raises
    ------
    ValueError
        If an argument is not a finite real scalar, a sigma is ``<= 0``, ``n`` is not an
        integer from 2 to 10**7 (:data:`kltools._validate.MAX_SAMPLES`), or ``seed`` is not a
        non-negative integer.

    Examples
    --------
    >>> from kltools import kl_monte_carlo, kl_normal
    >>> est = kl_monte_carlo(1.0, 2.0, 0.0, 1.0, n=200_000, seed=0)
    >>> abs(est.value - float(kl_normal(1.0, 2.0, 0.0, 1.0))) < 4 * est.error
    True
    """
    lr = _kl_args(mu1, sigma1, mu2, sigma2)
    n = check_sample_size(n)
    z = np.random.default_rng(check_seed(seed)).standard_normal(n)
    vals = lr(z)
    value = _unscale(float(vals.mean()), lr.k)
    if math.isinf(value):
        return Estimate(value, math.inf, "monte_carlo", n)
    floor = _U * (6 + _mean_rounding(n)) * float(lr.magnitude(z).mean()) + _UNDERFLOW
    error = _standard_error(vals) + floor
    return Estimate(value, _unscale(error, lr.k), "monte_carlo", n)
