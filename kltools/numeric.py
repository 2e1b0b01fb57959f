"""Independent numeric checks: quadrature and Monte Carlo.

Neither method shares any algebra with the closed forms: both only evaluate
log-densities from :mod:`scipy.stats` and average them under q, either by
adaptive Gauss-Kronrod quadrature (:func:`scipy.integrate.quad`) or by seeded
sampling (:func:`numpy.random.default_rng`).  Each returns its own error
estimate, which is what the book's checks use as their tolerance.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np
from scipy import integrate, stats

__all__ = ["Estimate", "expect_quad", "expect_monte_carlo", "kl_quad", "kl_monte_carlo"]

# Quadrature evaluates the integrand in floating point; its reported abserr
# only bounds the discretisation error.  We add a bound on the rounding error
# of the integrand itself: it is computed from terms of total magnitude M(x)
# (for a log-ratio, |log q| + |log p|) in a handful of flops, each off by at
# most one unit roundoff, so |error| <= _ROUNDING_FLOPS * eps * E[M].
_ROUNDING_FLOPS = 8
_EPS = float(np.finfo(np.float64).eps)


class Estimate(NamedTuple):
    """A numeric estimate with its own error estimate.

    Attributes
    ----------
    value : float
        The estimate.
    error : float
        For quadrature, an absolute error bound (quad's ``abserr`` plus a
        floating-point rounding bound).  For Monte Carlo, the standard error
        of the mean.
    method : str
        ``"quad"`` or ``"monte_carlo"``.
    n : int
        Function evaluations (quad) or samples (Monte Carlo).
    """

    value: float
    error: float
    method: str
    n: int


def _scalar(name: str, value, *, positive: bool = False) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real scalar, got {value!r}") from None
    if not np.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x}")
    if positive and x <= 0:
        raise ValueError(f"{name} must be > 0 (a standard deviation), got {x}")
    return x


def _sample_size(n) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    return int(n)


def expect_quad(func: Callable[[float], float], mu, sigma, *, magnitude: Callable[[float], float] | None = None) -> Estimate:
    r"""E_q[func(x)] for q = N(mu, sigma^2), by adaptive quadrature.

    Computes :math:`\int \varphi(z)\, f(\mu + \sigma z)\, dz` over the whole
    real line with :func:`scipy.integrate.quad`, where :math:`\varphi` is the
    standard normal density (:mod:`scipy.stats`).  Standardising the variable
    keeps the integrand's mass near z = 0 whatever mu and sigma are.

    Parameters
    ----------
    func : callable
        Scalar function of x.
    mu, sigma : float
        Mean and standard deviation of q (scalars; ``sigma > 0``).
    magnitude : callable, optional
        The total magnitude of the terms ``func`` is computed from (for
        ``log q - log p``, ``|log q| + |log p|``).  Defaults to ``|func|``.

    Returns
    -------
    Estimate
        ``value`` and ``error``: quad's ``abserr`` plus a rounding bound
        8 eps E[magnitude].

    Raises
    ------
    ValueError
        If ``mu`` or ``sigma`` is not a finite scalar, or ``sigma <= 0``.

    Notes
    -----
    Used by the book to check the entropy and cross-entropy closed forms
    (chapters "The entropy of a Gaussian" and "The cross-entropy between two
    Gaussians").

    Examples
    --------
    >>> from kltools import expect_quad
    >>> est = expect_quad(lambda x: x**2, 0.0, 2.0)
    >>> round(est.value, 10), est.error < 1e-6
    (4.0, True)
    """
    mu = _scalar("mu", mu)
    sigma = _scalar("sigma", sigma, positive=True)
    phi = stats.norm.pdf

    def integrand(z):
        return phi(z) * func(mu + sigma * z)

    size = magnitude if magnitude is not None else (lambda t: abs(func(t)))
    value, abserr, info = integrate.quad(integrand, -np.inf, np.inf, full_output=True)[:3]
    mean_size = integrate.quad(lambda z: phi(z) * size(mu + sigma * z), -np.inf, np.inf)[0]
    return Estimate(float(value), float(abserr) + _ROUNDING_FLOPS * _EPS * mean_size, "quad", int(info["neval"]))


def expect_monte_carlo(func: Callable[[np.ndarray], np.ndarray], mu, sigma, n: int = 100_000, seed: int = 0) -> Estimate:
    """E_q[func(x)] for q = N(mu, sigma^2), by seeded Monte Carlo.

    Draws ``n`` samples with :func:`scipy.stats.norm.rvs` from a
    :func:`numpy.random.default_rng` seeded with ``seed``, and returns the
    sample mean of ``func`` with its standard error ``std / sqrt(n)``.

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
        ``value`` (sample mean) and ``error`` (standard error of the mean).

    Raises
    ------
    ValueError
        If ``mu``/``sigma`` are not finite scalars, ``sigma <= 0``, or ``n < 2``.

    Examples
    --------
    >>> from kltools import expect_monte_carlo
    >>> est = expect_monte_carlo(lambda x: x, 3.0, 1.0, n=10_000, seed=1)
    >>> abs(est.value - 3.0) < 5 * est.error
    True
    """
    mu = _scalar("mu", mu)
    sigma = _scalar("sigma", sigma, positive=True)
    n = _sample_size(n)
    rng = np.random.default_rng(seed)
    x = stats.norm.rvs(loc=mu, scale=sigma, size=n, random_state=rng)
    vals = np.asarray(func(x), dtype=np.float64)
    return Estimate(float(vals.mean()), float(vals.std(ddof=1) / np.sqrt(n)), "monte_carlo", n)


def _log_ratio(mu1, sigma1, mu2, sigma2):
    def f(x):
        return stats.norm.logpdf(x, mu1, sigma1) - stats.norm.logpdf(x, mu2, sigma2)

    return f


def _log_ratio_magnitude(mu1, sigma1, mu2, sigma2):
    def f(x):
        return abs(stats.norm.logpdf(x, mu1, sigma1)) + abs(stats.norm.logpdf(x, mu2, sigma2))

    return f


def kl_quad(mu1, sigma1, mu2, sigma2) -> Estimate:
    r"""KL(q || p) for univariate Gaussians by quadrature of :math:`\int q \log(q/p)`.

    q = N(mu1, sigma1^2) is the first argument and the weight; with the book's
    names of the directions, this is the reverse KL.  For the forward
    KL(p || q), exchange the two pairs of arguments.  The log-ratio is
    evaluated from :func:`scipy.stats.norm.logpdf`, so the check shares no
    algebra with :func:`kltools.kl_normal`.

    Parameters
    ----------
    mu1, sigma1, mu2, sigma2 : float
        Scalar parameters of q = N(mu1, sigma1^2) and p = N(mu2, sigma2^2);
        standard deviations ``> 0``.

    Returns
    -------
    Estimate
        The KL in nats and an absolute error bound.

    Raises
    ------
    ValueError
        If an argument is not a finite scalar or a sigma is ``<= 0``.

    Examples
    --------
    >>> from kltools import kl_quad
    >>> est = kl_quad(1.0, 2.0, 0.0, 1.0)
    >>> round(est.value, 6)
    1.306853
    """
    mu1, mu2 = _scalar("mu1", mu1), _scalar("mu2", mu2)
    sigma1 = _scalar("sigma1", sigma1, positive=True)
    sigma2 = _scalar("sigma2", sigma2, positive=True)
    return expect_quad(
        _log_ratio(mu1, sigma1, mu2, sigma2), mu1, sigma1, magnitude=_log_ratio_magnitude(mu1, sigma1, mu2, sigma2)
    )


def kl_monte_carlo(mu1, sigma1, mu2, sigma2, n: int = 100_000, seed: int = 0) -> Estimate:
    """KL(q || p) for univariate Gaussians by Monte Carlo: the mean of log q(x) - log p(x), x ~ q.

    q = N(mu1, sigma1^2) is the first argument, the one sampled from (the
    reverse KL, in the book's names); exchange the two pairs for KL(p || q).

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
        The estimate in nats and its standard error.  The estimator is
        unbiased (it is the "k1" estimator of the Monte Carlo chapter).

    Raises
    ------
    ValueError
        If an argument is not a finite scalar, a sigma is ``<= 0``, or ``n < 2``.

    Examples
    --------
    >>> from kltools import kl_monte_carlo, kl_normal
    >>> est = kl_monte_carlo(1.0, 2.0, 0.0, 1.0, n=200_000, seed=0)
    >>> abs(est.value - float(kl_normal(1.0, 2.0, 0.0, 1.0))) < 4 * est.error
    True
    """
    mu1, mu2 = _scalar("mu1", mu1), _scalar("mu2", mu2)
    sigma1 = _scalar("sigma1", sigma1, positive=True)
    sigma2 = _scalar("sigma2", sigma2, positive=True)
    return expect_monte_carlo(_log_ratio(mu1, sigma1, mu2, sigma2), mu1, sigma1, n=n, seed=seed)
