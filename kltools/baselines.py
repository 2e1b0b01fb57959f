"""The baseline formulas: the KL, entropy and cross-entropy as libraries and papers type them.

Each function transcribes one released line to numpy, operation for operation, in the
precision of its inputs (float32 stays float32), with no validation and no care near
q = p.  The accuracy chapter ("Computing the KL accurately") measures them against a
50-digit reference, and ``tests/benchmark.py`` times kltools' closed forms against them;
this module is the one place they are written.

Notation as in the book: q = N(mu1, sigma1^2) is the first argument, p = N(mu2, sigma2^2)
the second; every result is in nats.  The libraries' ``kl_divergence(p, q)`` is
KL(p || q), so their first argument is this module's q.
"""

from __future__ import annotations

import numpy as np

from kltools.accuracy import kl_normal_textbook

__all__ = [
    "kl_normal_textbook",
    "vae_form",
    "expm1_form",
    "torch_form",
    "tfp_form",
    "log_stddev_form",
    "entropy_literal",
    "cross_entropy_literal",
    "kl_mvn_inverse_form",
    "kl_mvn_naive",
    "kl_mvn_cholesky_textbook",
]


def vae_form(mu, log_var):
    """The VAE's KL term to the prior N(0, 1), as the Keras VAE example types it, in nats.

    ``-0.5 * (1 + log_var - mu**2 - exp(log_var))``.  It cancels to nothing as q -> p
    (relative error about u / KL) and overflows where ``exp(log_var)`` does.

    Parameters
    ----------
    mu, log_var : array_like
        Mean and log-variance log sigma^2 of q; they broadcast.

    Returns
    -------
    ndarray or numpy scalar
        KL(N(mu, e^log_var) || N(0, 1)) as the formula evaluates it, elementwise.

    Notes
    -----
    The KL line of Keras's VAE example (2017, as quoted in keras-team/keras#6500) and of
    the Keras blog's "Building Autoencoders in Keras" (2016); Kingma & Welling (2014),
    Appendix B.

    Examples
    --------
    >>> from kltools.baselines import vae_form
    >>> float(vae_form(1.0, 0.0))
    0.5
    """
    return -0.5 * (1 + log_var - mu**2 - np.exp(log_var))


def expm1_form(mu, log_var):
    """The VAE's KL term with ``expm1``: ``0.5 * (mu**2 + expm1(log_var) - log_var)``, in nats.

    ``expm1`` removes the cancellation of ``exp(v) - 1``, but ``expm1(v) - v`` still
    cancels as v -> 0 (relative error about u / |v|).

    Parameters
    ----------
    mu, log_var : array_like
        Mean and log-variance of q; they broadcast.

    Returns
    -------
    ndarray or numpy scalar
        KL(N(mu, e^log_var) || N(0, 1)) as the formula evaluates it, elementwise.

    Notes
    -----
    The accuracy chapter's first repair of :func:`vae_form`.

    Examples
    --------
    >>> from kltools.baselines import expm1_form
    >>> float(expm1_form(1.0, 0.0))
    0.5
    """
    return 0.5 * (mu**2 + np.expm1(log_var) - log_var)


def torch_form(mu1, sigma1, mu2, sigma2):
    """KL(q || p) as PyTorch and NumPyro compute it, in nats.

    ``0.5 * (var_ratio + t1 - 1 - log(var_ratio))`` with ``var_ratio = (sigma1/sigma2)**2``
    and ``t1 = ((mu1 - mu2)/sigma2)**2``.

    Parameters
    ----------
    mu1, sigma1, mu2, sigma2 : array_like
        Means and standard deviations of q and p; they broadcast.

    Returns
    -------
    ndarray or numpy scalar
        The formula's value, elementwise.

    Notes
    -----
    PyTorch, ``torch/distributions/kl.py``, ``_kl_normal_normal`` (commit ``ea45c3c``);
    NumPyro 0.22.0, ``numpyro/distributions/kl.py``, lines 134-138.

    Examples
    --------
    >>> from kltools.baselines import torch_form
    >>> float(torch_form(1.0, 1.0, 0.0, 1.0))
    0.5
    """
    var_ratio = (sigma1 / sigma2) ** 2
    t1 = ((mu1 - mu2) / sigma2) ** 2
    return 0.5 * (var_ratio + t1 - 1 - np.log(var_ratio))


def tfp_form(mu1, sigma1, mu2, sigma2):
    """KL(q || p) as TensorFlow Probability and distrax's ``Normal`` compute it, in nats.

    ``0.5 * (mu1/sigma2 - mu2/sigma2)**2 + 0.5 * expm1(2 d) - d`` with
    ``d = log(sigma1) - log(sigma2)``.

    Parameters
    ----------
    mu1, sigma1, mu2, sigma2 : array_like
        Means and standard deviations of q and p; they broadcast.

    Returns
    -------
    ndarray or numpy scalar
        The formula's value, elementwise.

    Notes
    -----
    TFP 0.25.0, ``tensorflow_probability/python/distributions/normal.py``, lines 272-277
    (``_kl_normal_normal``); distrax 0.1.9, ``distrax/_src/distributions/normal.py``,
    lines 163-167.

    Examples
    --------
    >>> from kltools.baselines import tfp_form
    >>> float(tfp_form(1.0, 1.0, 0.0, 1.0))
    0.5
    """
    diff_log_scale = np.log(sigma1) - np.log(sigma2)
    return (0.5 * (mu1 / sigma2 - mu2 / sigma2) ** 2
            + 0.5 * np.expm1(2.0 * diff_log_scale) - diff_log_scale)


def log_stddev_form(mu1, log_sigma1, mu2, log_sigma2):
    """KL(q || p) as distrax's ``LogStddevNormal`` computes it from log sigma, in nats.

    ``(sigma1**2 + (mu1 - mu2)**2) / (2 sigma2**2) + log_sigma2 - log_sigma1 - 0.5``,
    with ``sigma = exp(log_sigma)``: the textbook form.

    Parameters
    ----------
    mu1, log_sigma1, mu2, log_sigma2 : array_like
        Means and log standard deviations of q and p; they broadcast.

    Returns
    -------
    ndarray or numpy scalar
        The formula's value, elementwise.

    Notes
    -----
    distrax 0.1.9, ``distrax/_src/distributions/log_stddev_normal.py``, lines 98-101
    (``_kl_logstddevnormal_logstddevnormal``).

    Examples
    --------
    >>> from kltools.baselines import log_stddev_form
    >>> float(log_stddev_form(1.0, 0.0, 0.0, 0.0))
    0.5
    """
    variance1, variance2 = np.exp(log_sigma1) ** 2, np.exp(log_sigma2) ** 2
    return ((variance1 + (mu1 - mu2) ** 2) / (2.0 * variance2)
            + log_sigma2 - log_sigma1 - 0.5)


def entropy_literal(sigma):
    """The differential entropy of N(mu, sigma^2), typed literally, in nats.

    ``0.5 * log(2 pi e sigma**2)``, which overflows for large sigma although the
    entropy is finite.

    Parameters
    ----------
    sigma : array_like
        Standard deviation.

    Returns
    -------
    ndarray or numpy scalar
        The formula's value, elementwise.

    Notes
    -----
    The book's chapter "The entropy of a Gaussian" (``eq-entropy``).

    Examples
    --------
    >>> import numpy as np
    >>> from kltools.baselines import entropy_literal
    >>> round(float(entropy_literal(1.0)), 6)
    1.418939
    """
    return 0.5 * np.log(2 * np.pi * np.e * sigma**2)


def cross_entropy_literal(mu1, sigma1, mu2, sigma2):
    """The cross-entropy H(q, p) of two Gaussians, typed literally, in nats.

    ``0.5 * log(2 pi sigma2**2) + (sigma1**2 + (mu1 - mu2)**2) / (2 sigma2**2)``.

    Parameters
    ----------
    mu1, sigma1, mu2, sigma2 : array_like
        Means and standard deviations of q and p; they broadcast.

    Returns
    -------
    ndarray or numpy scalar
        The formula's value, elementwise.

    Notes
    -----
    The book's chapter "The cross-entropy of two Gaussians".

    Examples
    --------
    >>> import numpy as np
    >>> from kltools.baselines import cross_entropy_literal
    >>> bool(np.isclose(cross_entropy_literal(0.0, 1.0, 0.0, 1.0), 0.5 * np.log(2 * np.pi * np.e)))
    True
    """
    return 0.5 * np.log(2 * np.pi * sigma2**2) + (
        sigma1**2 + (mu1 - mu2) ** 2
    ) / (2 * sigma2**2)


def kl_mvn_inverse_form(mu1, cov1, mu2, cov2):
    r"""KL(q || p) of two multivariate Gaussians, the textbook formula batched, in nats.

    .. math::

        \tfrac12\bigl(\operatorname{tr}(\Sigma_2^{-1}\Sigma_1)
        + (\mu_2 - \mu_1)^\top\Sigma_2^{-1}(\mu_2 - \mu_1) - d
        + \log\det\Sigma_2 - \log\det\Sigma_1\bigr)

    with an explicit ``np.linalg.inv``, ``np.linalg.slogdet`` and ``np.einsum``: the
    fastest plain-numpy evaluation, with none of :func:`kltools.kl_mvn`'s validation or
    care near q = p.

    Parameters
    ----------
    mu1, mu2 : array_like, shape (..., d)
        Means of q and p.
    cov1, cov2 : array_like, shape (..., d, d)
        Covariances of q and p; the batch dimensions broadcast.

    Returns
    -------
    ndarray, shape (...)
        The formula's value for each pair.

    Notes
    -----
    The book's chapter "The KL between full-covariance Gaussians" (``eq-mvn-kl``).

    Examples
    --------
    >>> import numpy as np
    >>> from kltools.baselines import kl_mvn_inverse_form
    >>> float(kl_mvn_inverse_form(np.ones(2), np.eye(2), np.zeros(2), np.eye(2)))
    1.0
    """
    inv2 = np.linalg.inv(cov2)
    diff = mu2 - mu1
    trace = np.einsum("...ij,...ji->...", inv2, cov1)
    mahalanobis = np.einsum("...i,...ij,...j->...", diff, inv2, diff)
    log_det = np.linalg.slogdet(cov2)[1] - np.linalg.slogdet(cov1)[1]
    return 0.5 * (trace + mahalanobis - mu1.shape[-1] + log_det)


def kl_mvn_naive(mu1, cov1, mu2, cov2):
    r"""KL(q || p) of two multivariate Gaussians with ``np.linalg.inv`` and ``np.linalg.det``.

    The textbook formula of :func:`kl_mvn_inverse_form` for one pair, with the
    log-determinant ratio formed as ``log(det(cov2) / det(cov1))``: the determinants
    underflow or overflow in high dimension (a NaN or inf result), and the inverse loses
    digits on ill-conditioned covariances.

    Parameters
    ----------
    mu1, mu2 : array_like, shape (d,)
        Means of q and p.
    cov1, cov2 : array_like, shape (d, d)
        Covariances of q and p.

    Returns
    -------
    numpy.float64
        The formula's value, nats.

    Notes
    -----
    The book's chapter "The KL between full-covariance Gaussians", section "Numerics".

    Examples
    --------
    >>> import numpy as np
    >>> from kltools.baselines import kl_mvn_naive
    >>> float(kl_mvn_naive(np.ones(2), np.eye(2), np.zeros(2), np.eye(2)))
    1.0
    """
    mu1, mu2 = np.asarray(mu1), np.asarray(mu2)
    inv2, dm = np.linalg.inv(cov2), mu2 - mu1
    return 0.5 * (np.trace(inv2 @ cov1) + dm @ inv2 @ dm - len(mu1)
                  + np.log(np.linalg.det(cov2) / np.linalg.det(cov1)))


def kl_mvn_cholesky_textbook(mu1, cov1, mu2, cov2):
    r"""KL(q || p) with Cholesky solves, the trace, -d and log-det terms added as written.

    No inverse and no determinant is formed, but the sum tr(M M^T) + |w|^2 - d + log det
    still cancels as q -> p (``kltools.kl_mvn`` avoids that).

    Parameters
    ----------
    mu1, mu2 : array_like, shape (d,)
        Means of q and p.
    cov1, cov2 : array_like, shape (d, d)
        Covariances of q and p, symmetric positive definite.

    Returns
    -------
    numpy.float64
        The formula's value, nats.

    Notes
    -----
    The book's chapter "The KL between full-covariance Gaussians", section "Numerics"; the
    cheat sheet's ``kl_mvn_np``.

    Examples
    --------
    >>> import numpy as np
    >>> from kltools.baselines import kl_mvn_cholesky_textbook
    >>> float(kl_mvn_cholesky_textbook(np.ones(2), np.eye(2), np.zeros(2), np.eye(2)))
    1.0
    """
    from scipy import linalg

    l1, l2 = linalg.cholesky(cov1, lower=True), linalg.cholesky(cov2, lower=True)
    mm = linalg.solve_triangular(l2, l1, lower=True)
    w = linalg.solve_triangular(l2, np.asarray(mu2) - np.asarray(mu1), lower=True)
    log_det = 2 * np.sum(np.log(np.diag(l2))) - 2 * np.sum(np.log(np.diag(l1)))
    return 0.5 * (np.sum(mm * mm) + w @ w - len(mu1) + log_det)
