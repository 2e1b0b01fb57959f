"""Per-sample Monte Carlo estimators of KL(q || p) from log-ratios (Schulman 2020).

With samples x ~ q and the log-ratio t = log p(x) - log q(x) (``log_ratio``),
each function returns one estimate per sample; their mean over the samples
estimates KL(q || p), the reverse KL with the sampling distribution (the
policy, the approximate posterior) first:

    k1 = -t,    k2 = t^2 / 2,    k3 = (e^t - 1) - t.

Source: J. Schulman, "Approximating KL divergence" (2020),
http://joschu.net/blog/kl-approx.html.  The book's chapter "Monte Carlo
estimates of KL" derives their bias and variance between Gaussians, and what
their *gradients* estimate when they are used as a loss or as a reward.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_float_array, check_values
from .closed_forms import expm1_minus_x

__all__ = ["k1", "k2", "k3"]


def _log_ratio(log_ratio) -> np.ndarray:
    arr = as_float_array("log_ratio", log_ratio)
    check_values("log_ratio", arr)
    return arr


def _out(arr: np.ndarray):
    return arr[()] if arr.ndim == 0 else arr


def k1(log_ratio):
    r"""The estimator k1 = -log_ratio of KL(q || p): unbiased, noisy, often negative.

    .. math::

        k_1 = -t, \qquad t = \log p(x) - \log q(x), \quad x \sim q .

    .. warning::

       **Sign convention.** ``log_ratio`` is t = log p(x) - log q(x), the reference's
       log-probability minus the sampling policy's, at x ~ q.  OpenRLHF, verl, trlx and
       open-instruct store the opposite sign, log q - log p (``log_probs - ref_log_probs``):
       pass ``-their_log_ratio``.  Passed unchanged, theirs gives -k1, whose mean is -KL(q || p).

    Parameters
    ----------
    log_ratio : array_like
        t = log p(x) - log q(x) at samples x drawn from q, in nats, any shape.
        Finite reals; integer input is promoted to float64.

    Returns
    -------
    ndarray or numpy scalar
        -t elementwise (exact), with the shape of ``log_ratio``: one estimate
        per sample, in nats.  float32 for float32 input, else float64.  The
        mean over samples estimates KL(q || p) without bias.

    Raises
    ------
    ValueError
        If ``log_ratio`` contains NaN or inf, or is not real.

    Notes
    -----
    Schulman (2020), "Approximating KL divergence", the estimator k1.  Its
    per-sample standard deviation near q = p is of the order of the distance,
    sqrt(2 KL), not of the KL itself (chapter "Monte Carlo estimates of KL").
    As a loss differentiated with the samples held fixed, its expected
    gradient is zero; as a reward it gives the gradient of KL(q || p).

    Examples
    --------
    >>> import numpy as np
    >>> from kltools import k1
    >>> k1(np.array([-0.5, 0.25]))
    array([ 0.5 , -0.25])
    >>> k1(np.float32(0.5)).dtype
    dtype('float32')
    """
    t = _log_ratio(log_ratio)
    return _out(np.negative(t))


def k2(log_ratio):
    r"""The estimator k2 = log_ratio^2 / 2 of KL(q || p): never negative, biased.

    .. math::

        k_2 = \tfrac12 t^2, \qquad t = \log p(x) - \log q(x), \quad x \sim q .

    .. warning::

       **Sign convention.** ``log_ratio`` is t = log p(x) - log q(x), the reference's
       log-probability minus the sampling policy's, at x ~ q.  OpenRLHF, verl, trlx and
       open-instruct store the opposite sign, log q - log p (``log_probs - ref_log_probs``):
       pass ``-their_log_ratio``.  k2 is even in t, so the sign does not change k2; it does change
       k1 and k3, so keep one convention.

    Parameters
    ----------
    log_ratio : array_like
        t = log p(x) - log q(x) at samples x drawn from q, in nats, any shape.
        Finite reals; integer input is promoted to float64.

    Returns
    -------
    ndarray or numpy scalar
        t^2/2 elementwise with one rounding (0.5 t is exact unless t is
        subnormal), with the shape of ``log_ratio``, in nats; never negative.
        float32 for float32 input, else float64; +inf only where t^2/2
        exceeds the largest float.  Its mean over samples is
        E_q[(log p - log q)^2]/2, which is KL(q || p) plus a bias (delta^4/8
        between Gaussians of equal variance, delta the standardised mean
        difference).

    Raises
    ------
    ValueError
        If ``log_ratio`` contains NaN or inf, or is not real.

    Notes
    -----
    Schulman (2020), "Approximating KL divergence", the estimator k2.  As a
    loss differentiated with the samples held fixed, its expected gradient
    is the gradient of KL(q || p) (chapter "Monte Carlo estimates of KL").

    Examples
    --------
    >>> import numpy as np
    >>> from kltools import k2
    >>> k2(np.array([-0.5, 0.25]))
    array([0.125  , 0.03125])
    """
    t = _log_ratio(log_ratio)
    with np.errstate(over="ignore"):
        return _out((0.5 * t) * t)


def k3(log_ratio):
    r"""The estimator k3 = (e^t - 1) - t of KL(q || p), without cancellation.

    .. math::

        k_3 = (\rho - 1) - \log\rho = (e^t - 1) - t, \qquad
        t = \log\rho = \log p(x) - \log q(x), \quad x \sim q .

    .. warning::

       **Sign convention.** ``log_ratio`` is t = log p(x) - log q(x), the reference's
       log-probability minus the sampling policy's, at x ~ q.  OpenRLHF, verl, trlx and
       open-instruct store the opposite sign, log q - log p (``log_probs - ref_log_probs``):
       pass ``-their_log_ratio``.  Passed unchanged, theirs gives k3(-t) = e^{-t} - 1 + t, whose
       mean under q is not KL(q || p).

    Unbiased (E_q[rho] = 1) and never negative.  Written literally it
    cancels as t -> 0, where k3 ~ t^2/2: ``np.exp(t) - 1 - t`` loses every
    digit and can come out negative (in float32, ``exp(t) - t - 1`` is
    -5.96e-8 at t = -3.2934e-4), and ``np.expm1(t) - t`` keeps only about
    16 + log10|t| of its 16 digits (8 at t = 1e-8).  This evaluates
    :func:`kltools.expm1_minus_x`, a few ulp from the exact value for every
    finite t.

    Parameters
    ----------
    log_ratio : array_like
        t = log p(x) - log q(x) at samples x drawn from q, in nats, any shape.
        Finite reals; integer input is promoted to float64.

    Returns
    -------
    ndarray or numpy scalar
        k3 elementwise, with the shape of ``log_ratio``, in nats; never
        negative; a few ulp from the exact value.  float32 for float32 input,
        else float64; +inf only where k3 itself exceeds the largest float
        (t > 709.78 in float64, t > 88.72 in float32).

    Raises
    ------
    ValueError
        If ``log_ratio`` contains NaN or inf, or is not real.

    Notes
    -----
    Schulman (2020), "Approximating KL divergence", the estimator k3; it is
    k1 plus the control variate rho - 1 (mean zero under q) with
    coefficient 1.  Its variance is infinite when sigma_q^2 <= sigma_p^2 / 2
    between Gaussians.  As a loss differentiated with the samples held
    fixed, as GRPO uses it, its expected gradient is the gradient of the
    *forward* KL(p || q), not of KL(q || p) (chapter "Monte Carlo estimates
    of KL").

    Examples
    --------
    >>> import numpy as np
    >>> from kltools import k3
    >>> float(k3(1e-8))  # np.expm1(1e-8) - 1e-8 gives 5.0000000843e-17
    5.000000016666667e-17
    >>> k3(np.array([-1.0, 0.0, 1.0]))
    array([0.36787944, 0.        , 0.71828183])
    >>> k3(np.float32(1e-4)).dtype
    dtype('float32')
    """
    t = _log_ratio(log_ratio)
    return expm1_minus_x(t)
