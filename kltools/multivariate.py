"""KL divergence between multivariate Gaussians, in nats.

Derived in the book's chapters "Diagonal Gaussians and the VAE loss" and
"Full covariance".  The book's notation: q = N(mu1, Sigma_1) is the first
argument (the approximate posterior), p = N(mu2, Sigma_2) the second (the
prior or reference), d the dimension.  KL(q || p) with the fitted q first is
the *reverse* (exclusive) KL of variational inference; a VAE's KL term is
one.

Numerical design
----------------
With Cholesky factors Sigma_i = L_i L_i^T, the textbook form

    KL = 1/2 [ tr(S2^-1 S1) + (mu2 - mu1)^T S2^-1 (mu2 - mu1) - d + log det S2 - log det S1 ]

is evaluated without any inverse or determinant.  The Mahalanobis term is
||z||^2 with z = L2^-1 (mu2 - mu1) (one triangular solve).  The other three
terms cancel catastrophically when Sigma_1 ~ Sigma_2, exactly like the
univariate case, so they are computed from the *difference* of the
covariances: with E = L2^-1 (Sigma_1 - Sigma_2) L2^-T (two triangular solves)
and its eigenvalues e_j > -1,

    tr(S2^-1 S1) - d - log det(S2^-1 S1) = sum_j ( e_j - log1p(e_j) ),

and each term is the cancellation-free g(t) = expm1(t) - t at t = log1p(e_j),
the function kltools already uses for the log-variance form.  Where some
e_j <= -1/2, 1 + e_j has lost relative precision but the sum no longer
cancels, so tr(E) - log det(S2^-1 S1) is used, with the log-determinant from
the ratios of the Cholesky diagonals (L2^-1 L1 is triangular).
"""

from __future__ import annotations

import numpy as np
from scipy import linalg

from ._validate import as_float_array, check_values
from .closed_forms import _half_expm1_minus, kl_normal, kl_std_normal

__all__ = ["kl_mvn", "kl_diag_normal", "kl_diag_std_normal"]


def _cholesky(name: str, cov: np.ndarray) -> np.ndarray:
    scale = np.max(np.abs(cov), axis=(-2, -1), keepdims=True)
    asym = np.max(np.abs(cov - np.swapaxes(cov, -1, -2)), axis=(-2, -1), keepdims=True)
    k = cov.shape[-1]
    if np.any(asym > 8 * k * np.finfo(np.float64).eps * scale):
        raise ValueError(f"{name} is not symmetric (largest |{name} - {name}^T| is {float(asym.max()):.3g})")
    try:
        return linalg.cholesky(cov, lower=True)
    except linalg.LinAlgError:
        raise ValueError(f"{name} is not positive definite (its Cholesky factorisation failed)") from None


def kl_mvn(mu1, cov1, mu2, cov2):
    r"""KL(N(mu1, cov1) || N(mu2, cov2)) between multivariate Gaussians, in nats.

    .. math::

        \mathrm{KL} = \tfrac12\Big[\operatorname{tr}(\Sigma_2^{-1}\Sigma_1)
        + (\mu_2-\mu_1)^\top\Sigma_2^{-1}(\mu_2-\mu_1) - d
        + \log\frac{\det\Sigma_2}{\det\Sigma_1}\Big]

    With q = N(mu1, cov1) first, this is KL(q || p), the reverse (exclusive)
    KL; call ``kl_mvn(mu2, cov2, mu1, cov1)`` for the forward KL(p || q).

    Parameters
    ----------
    mu1, mu2 : array_like, shape (..., d)
        Means of q and p.
    cov1, cov2 : array_like, shape (..., d, d)
        Covariances of q and p: symmetric positive definite.  All leading
        (batch) dimensions of the four arguments broadcast together.

    Returns
    -------
    ndarray or float
        KL in nats, with the broadcast batch shape (a float64 scalar when
        there are no batch dimensions).

    Raises
    ------
    ValueError
        If an argument has NaN or inf, if a covariance is not square, not
        symmetric (beyond rounding) or not positive definite, if the d of the
        four arguments differ, or if the batch shapes do not broadcast.  The
        message names the argument.

    Notes
    -----
    The formula is derived in the book's chapter "Full covariance"; see also
    Cover & Thomas, *Elements of Information Theory*.  It is evaluated with
    :func:`scipy.linalg.cholesky` and :func:`scipy.linalg.solve_triangular`,
    without any explicit inverse or determinant, and with the covariance part
    computed from Sigma_1 - Sigma_2 so that it keeps its precision as q -> p
    (see the module docstring).

    Examples
    --------
    >>> import numpy as np
    >>> from kltools import kl_mvn, kl_normal
    >>> float(kl_mvn(np.zeros(2), np.eye(2), np.zeros(2), np.eye(2)))
    0.0
    >>> a = float(kl_mvn([1.0], [[4.0]], [0.0], [[1.0]]))
    >>> b = float(kl_normal(1.0, 2.0, 0.0, 1.0))
    >>> abs(a - b) < 1e-15
    True
    """
    m1, m2 = as_float_array("mu1", mu1).astype(np.float64), as_float_array("mu2", mu2).astype(np.float64)
    c1, c2 = as_float_array("cov1", cov1).astype(np.float64), as_float_array("cov2", cov2).astype(np.float64)
    for name, arr in (("mu1", m1), ("mu2", m2), ("cov1", c1), ("cov2", c2)):
        check_values(name, arr)
    for name, arr in (("mu1", m1), ("mu2", m2)):
        if arr.ndim < 1:
            raise ValueError(f"{name} must have shape (..., d), got a scalar")
    for name, arr in (("cov1", c1), ("cov2", c2)):
        if arr.ndim < 2 or arr.shape[-1] != arr.shape[-2]:
            raise ValueError(f"{name} must have shape (..., d, d), got {arr.shape}")
    ks = {"mu1": m1.shape[-1], "cov1": c1.shape[-1], "mu2": m2.shape[-1], "cov2": c2.shape[-1]}
    if len(set(ks.values())) != 1:
        raise ValueError("mismatched dimension d: " + ", ".join(f"{n} has d = {k}" for n, k in ks.items()))
    k = m1.shape[-1]
    try:
        batch = np.broadcast_shapes(m1.shape[:-1], m2.shape[:-1], c1.shape[:-2], c2.shape[:-2])
    except ValueError:
        raise ValueError(
            f"batch shapes do not broadcast: mu1 {m1.shape}, cov1 {c1.shape}, mu2 {m2.shape}, cov2 {c2.shape}"
        ) from None
    m1, m2 = np.broadcast_to(m1, batch + (k,)), np.broadcast_to(m2, batch + (k,))
    c1, c2 = np.broadcast_to(c1, batch + (k, k)), np.broadcast_to(c2, batch + (k, k))
    l1 = _cholesky("cov1", c1)
    l2 = _cholesky("cov2", c2)

    z = linalg.solve_triangular(l2, (m2 - m1)[..., None], lower=True)[..., 0]
    half_mahalanobis = 0.5 * np.sum(z * z, axis=-1)
    x = linalg.solve_triangular(l2, c1 - c2, lower=True)  # L2^-1 (S1 - S2)
    e = linalg.solve_triangular(l2, np.swapaxes(x, -1, -2), lower=True)  # L2^-1 (S1 - S2) L2^-T
    e = 0.5 * (e + np.swapaxes(e, -1, -2))
    eig = np.linalg.eigvalsh(e)
    with np.errstate(all="ignore"):
        half_g = _half_expm1_minus(np.atleast_1d(np.log1p(eig)).reshape(-1)).reshape(eig.shape)
    careful = np.sum(half_g, axis=-1)
    # Where some eigenvalue lambda = 1 + e is below 1/2, 1 + e has lost relative
    # precision, but then every such term is >= 0.097 and nothing cancels
    # badly: use tr(E) - log det(S2^-1 S1), the log-det from the ratios of the
    # Cholesky diagonals (L2^-1 L1 is triangular, so its determinant is theirs).
    spread = np.min(eig, axis=-1) <= -0.5
    if np.any(spread):
        log_det_ratio = 2.0 * np.sum(np.log(np.diagonal(l1, axis1=-2, axis2=-1) / np.diagonal(l2, axis1=-2, axis2=-1)), axis=-1)
        direct = 0.5 * (np.trace(e, axis1=-2, axis2=-1) - log_det_ratio)
        careful = np.where(spread, direct, careful)
    out = half_mahalanobis + careful
    return out[()] if np.ndim(out) == 0 else out


def kl_diag_normal(mu1, sigma1, mu2, sigma2, axis: int = -1):
    """KL between Gaussians with diagonal covariances: the sum of per-dimension KLs, in nats.

    Parameters
    ----------
    mu1, sigma1, mu2, sigma2 : array_like
        Means and **standard deviations** per dimension, broadcasting as in
        :func:`kltools.kl_normal`; the dimensions to sum over lie along ``axis``.
    axis : int
        The latent axis to sum over (default: the last).

    Returns
    -------
    ndarray or float
        KL(N(mu1, diag(sigma1^2)) || N(mu2, diag(sigma2^2))) in nats, with
        ``axis`` summed out.

    Raises
    ------
    ValueError
        As :func:`kltools.kl_normal`: NaN or inf, a sigma <= 0, or shapes that
        do not broadcast.

    Notes
    -----
    The KL of a product of independent factors is the sum of their KLs
    (chapter "Diagonal Gaussians and the VAE loss").

    Examples
    --------
    >>> from kltools import kl_diag_normal, kl_normal
    >>> float(kl_diag_normal([0.0, 1.0], [1.0, 2.0], 0.0, 1.0)) == float(kl_normal(1.0, 2.0, 0.0, 1.0))
    True
    """
    return np.sum(kl_normal(mu1, sigma1, mu2, sigma2), axis=axis)


def kl_diag_std_normal(mu, log_var, axis: int = -1):
    """The VAE KL term against N(0, I) with a diagonal q: per-dimension KLs summed over ``axis``, in nats.

    Parameters
    ----------
    mu, log_var : array_like, shape (..., d)
        Means and **log-variances** of q per latent dimension, as a VAE
        encoder outputs them; they broadcast together.
    axis : int
        The latent axis to sum over (default: the last).  Batch axes are kept:
        whether to sum or average them is the caller's choice of weighting.

    Returns
    -------
    ndarray or float
        KL(q || N(0, I)), the reverse KL, in nats per example.

    Raises
    ------
    ValueError
        As :func:`kltools.kl_std_normal`.

    Notes
    -----
    Kingma & Welling (2014), Appendix B; derived in the chapter "Diagonal
    Gaussians and the VAE loss".

    Examples
    --------
    >>> import numpy as np
    >>> from kltools import kl_diag_std_normal
    >>> kl_diag_std_normal(np.zeros((2, 3)), np.zeros((2, 3))).tolist()
    [0.0, 0.0]
    """
    return np.sum(kl_std_normal(mu, log_var), axis=axis)
