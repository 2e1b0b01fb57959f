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

    KL = 1/2 [ tr(S2^-1 S1) + (mu2 - mu1)^T S2^-1 (mu2 - mu1) - d
               + log det S2 - log det S1 ]

is evaluated without any inverse or determinant, for a whole batch at once
(numpy's batched ``cholesky`` and ``solve``; no Python loop over matrices):

* the Mahalanobis term is ||z||^2 with z = L2^-1 (mu2 - mu1);
* the covariance part tr(S2^-1 S1) - d - log det(S2^-1 S1) is a sum of
  non-negative terms over M = L2^-1 L1, which is lower triangular with
  diagonal L1_jj / L2_jj:

      sum_{i>j} M_ij^2 + sum_j (M_jj^2 - 1 - log M_jj^2);

  each diagonal term is g(t) = expm1(t) - t at t = log M_jj^2
  (:func:`kltools.expm1_minus_x`), with t a difference of logarithms;
* near q = p, M_jj ~ 1 carries only absolute precision, so for the pairs
  whose every |log M_jj^2| < log 2 the part is computed from the
  *difference* of the covariances instead: with the eigenvalues e_j > -1/2
  of the whitened difference E = L2^-1 (Sigma_1 - Sigma_2) L2^-T, it is
  sum_j (e_j - log1p(e_j)), each term g(log1p(e_j)), without cancellation.
  Only those pairs pay for the extra solve and the eigenvalues.

Every square is halved before it is summed where it would overflow, so the
result is finite wherever the KL is, and +inf where it is not.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_float_array, check_axis, check_values
from .closed_forms import expm1_minus_x, kl_normal, kl_std_normal

__all__ = ["kl_mvn", "kl_diag_normal", "kl_diag_std_normal"]

#: A covariance A counts as symmetric when, entry by entry,
#: |A_ij - A_ji| <= SYMMETRY_C * d * u * sqrt(A_ii * A_jj), with u the unit
#: roundoff of its dtype.  sqrt(A_ii A_jj) bounds |A_ij| for a covariance and
#: is the scale of rounding errors in its off-diagonal entries (a product
#: such as Q diag(lambda) Q^T rounds each entry with an error of about
#: d u sqrt(A_ii A_jj), whatever the size of the entry itself).  The constant
#: leaves room for A S A^T with cond(S) up to 1e12 (tests/test_multivariate.py).
SYMMETRY_C = 1024


# --- validation -------------------------------------------------------------


def _real_array(name: str, value) -> np.ndarray:
    """``value`` as a finite real array (booleans refused: a mask, not a covariance)."""
    arr = as_float_array(name, value, allow_bool=False)
    check_values(name, arr)
    return arr


def _common_shape(mu1, cov1, mu2, cov2) -> tuple[tuple[int, ...], int]:
    """The broadcast batch shape and the dimension d, or a ValueError naming the culprit."""
    for name, arr in (("mu1", mu1), ("mu2", mu2)):
        if arr.ndim < 1:
            raise ValueError(f"{name} must have shape (..., d), got a scalar")
    for name, arr in (("cov1", cov1), ("cov2", cov2)):
        if arr.ndim < 2 or arr.shape[-1] != arr.shape[-2]:
            raise ValueError(f"{name} must have shape (..., d, d), got {arr.shape}")
    ds = {
        "mu1": mu1.shape[-1],
        "cov1": cov1.shape[-1],
        "mu2": mu2.shape[-1],
        "cov2": cov2.shape[-1],
    }
    if len(set(ds.values())) != 1:
        raise ValueError(
            "mismatched dimension d: " + ", ".join(f"{n} has d = {k}" for n, k in ds.items())
        )
    try:
        batch = np.broadcast_shapes(
            mu1.shape[:-1], cov1.shape[:-2], mu2.shape[:-1], cov2.shape[:-2]
        )
    except ValueError:
        raise ValueError(
            f"batch shapes do not broadcast: mu1 {mu1.shape}, cov1 {cov1.shape}, "
            f"mu2 {mu2.shape}, cov2 {cov2.shape}"
        ) from None
    return batch, mu1.shape[-1]


def _at(index: tuple[int, ...]) -> str:
    """' at batch index (i, j)' for a batched argument, '' for a single matrix."""
    return f" at batch index {tuple(int(i) for i in index)}" if index else ""


def _check_symmetric(name: str, cov: np.ndarray, u: float) -> None:
    """Raise a ValueError naming ``cov`` if an entry differs from its mirror beyond rounding."""
    d = cov.shape[-1]
    below, above = np.tril_indices(d, -1)
    root_diag = np.sqrt(np.abs(np.diagonal(cov, axis1=-2, axis2=-1)))
    scale = root_diag[..., below] * root_diag[..., above]  # sqrt(A_ii A_jj), no overflow
    with np.errstate(over="ignore"):
        gap = np.abs(cov[..., below, above] - cov[..., above, below])
    bad = gap > SYMMETRY_C * d * u * scale
    if bad.any():
        *batch, k = np.unravel_index(np.argmax(bad), bad.shape)
        i, j = below[k], above[k]
        raise ValueError(
            f"{name} is not symmetric: entries ({i}, {j}) and ({j}, {i}) differ by "
            f"{float(gap[(*batch, k)]):.3g}{_at(tuple(batch))}, more than rounding allows"
        )


def _cholesky(name: str, cov: np.ndarray) -> np.ndarray:
    """The lower Cholesky factors of a batch of covariances, or a ValueError naming ``cov``."""
    try:
        return np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        # Only on failure: find the first matrix that is not positive definite.
        first = ()
        for index in np.ndindex(cov.shape[:-2]):
            try:
                np.linalg.cholesky(cov[index])
            except np.linalg.LinAlgError:
                first = index
                break
        raise ValueError(
            f"{name} is not positive definite (its Cholesky factorisation failed){_at(first)}"
        ) from None


def _unit_roundoff(arr: np.ndarray) -> float:
    """u of the floating dtype the values were given in (integers are exact in float64)."""
    return float(np.finfo(arr.dtype).eps / 2) if arr.dtype.kind == "f" else 2.0**-53


# --- overflow-safe sums of squares -----------------------------------------


def _half_sum_squares(x: np.ndarray, axis=-1) -> np.ndarray:
    """1/2 sum x^2 over ``axis``: finite wherever the result is, +inf elsewhere.

    Where the plain sum overflows, it is taken over (x/2)^2 (x/2 is exact) and
    multiplied back.  A non-finite x (an overflow upstream, in a solve whose
    exact result is then beyond the float range) gives +inf.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        half = 0.5 * np.sum(x * x, axis=axis)
        big = np.isinf(half)
        if big.any():
            h = 0.5 * x
            half = np.where(big, 2.0 * np.sum(h * h, axis=axis), half)
    return np.where(np.isfinite(x).all(axis=axis), half, np.inf)


def _mean_difference(mu1: np.ndarray, mu2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """mu2 - mu1, and the factor (1 or 4) its Mahalanobis term must be multiplied by.

    Where mu2 - mu1 overflows (|mu| near the largest float), the difference
    of the halves is returned instead, exactly, with the factor 4.
    """
    with np.errstate(over="ignore"):
        diff = mu2 - mu1
    overflow = ~np.isfinite(diff).all(axis=-1)
    if overflow.any():
        diff = np.where(overflow[..., None], 0.5 * mu2 - 0.5 * mu1, diff)
    return diff, np.where(overflow, 4.0, 1.0)


# --- triangular solves ------------------------------------------------------


#: Up to this d the triangular solves are forward substitution, vectorised
#: over the batch; beyond it, numpy.linalg.solve (tests/bench_kl_mvn.py:
#: substitution is about 3x faster at d = 3 and 10, 2x slower at d = 50).
SUBSTITUTION_MAX_D = 16


def _solve_lower(chol: np.ndarray, b: np.ndarray) -> np.ndarray:
    """L^-1 B for a stack of lower-triangular L = ``chol`` (N, d, d) and B (N, d, k).

    numpy has no batched triangular solve, and scipy's ``solve_triangular``
    takes one matrix at a time; scipy 1.17's batched ``scipy.linalg.solve``
    with ``assume_a="lower triangular"`` measured over 10x slower than
    numpy's LU on 1e5 3 x 3 systems (tests/bench_kl_mvn.py).  So small d is
    forward substitution written out, x_i = (b_i - sum_{k<i} L_ik x_k) / L_ii,
    each step vectorised over the batch (the algorithm of LAPACK's dtrsv,
    backward stable: (L + dL) x = b with |dL| <= d u |L|); larger d goes to
    :func:`numpy.linalg.solve` (LU of the factor, backward stable, a C loop
    over the batch).  The path depends on d only, so a pair's KL does not
    depend on the batch it comes in.
    """
    d = chol.shape[-1]
    with np.errstate(all="ignore"):  # overflow to inf is handled by the callers
        if d > SUBSTITUTION_MAX_D:
            return np.linalg.solve(chol, b)
        rows_l = np.moveaxis(chol, (-2, -1), (0, 1))  # (d, d, N): entry (i, k) of every L
        rows_b = np.moveaxis(b, -2, 0)  # (d, N, k): row i of every B
        x = np.empty(rows_b.shape)
        for i in range(d):
            acc = rows_b[i].copy()
            for k in range(i):
                acc -= rows_l[i, k][:, None] * x[k]
            x[i] = acc / rows_l[i, i][:, None]
        return np.moveaxis(x, 0, -2)


# --- the covariance part: 1/2 [tr(S2^-1 S1) - d - log det(S2^-1 S1)] --------

#: The near formulation is used where every diagonal of M = L2^-1 L1 has
#: |log M_jj^2| < log 2: only there can the direct terms cancel.
_NEAR = np.log(2.0)


def _covariance_part_near(l2: np.ndarray, w: np.ndarray) -> np.ndarray:
    """1/2 sum_j (e_j - log1p e_j) over the eigenvalues of E = L2^-1 (S1 - S2) L2^-T.

    ``w`` is L2^-1 (S1 - S2).  Accurate as S1 -> S2, where the textbook terms
    cancel.  NaN where it does not apply: some e_j <= -1/2, or E (or the
    result) is not finite.
    """
    e = _solve_lower(l2, np.swapaxes(w, -1, -2))  # L2^-1 (S1 - S2) L2^-T
    with np.errstate(all="ignore"):
        e = 0.5 * e + 0.5 * np.swapaxes(e, -1, -2)  # symmetric to the last bit
    ok = np.isfinite(e).all(axis=(-2, -1))
    eig = np.linalg.eigvalsh(np.where(ok[..., None, None], e, 0.0))
    ok &= eig.min(axis=-1, initial=np.inf) > -0.5
    t = np.log1p(np.where(ok[..., None], eig, 0.0))
    with np.errstate(over="ignore"):
        part = 0.5 * np.sum(expm1_minus_x(t), axis=-1)
    return np.where(ok & np.isfinite(part), part, np.nan)


def _covariance_part_direct(log_ratio: np.ndarray, ratio: np.ndarray, m: np.ndarray) -> np.ndarray:
    """The covariance part from M = L2^-1 L1 as a sum of non-negative terms.

    1/2 [sum_{i>j} M_ij^2 + sum_j (M_jj^2 - 1 - log M_jj^2)], with the
    diagonal M_jj = L1_jj / L2_jj (``ratio``) taken from the factors, and
    ``log_ratio`` = log M_jj^2 as a difference of logarithms, so that it
    neither overflows nor underflows.  Each diagonal term is g(t)/2 with
    t = log M_jj^2 while |t| <= 2, and M_jj^2/2 - 1/2 - t/2 beyond, where
    nothing cancels.  Accurate unless S1 ~ S2 (M_jj ~ 1 then carries only
    absolute precision).
    """
    t = log_ratio
    small = np.abs(t) <= 2.0
    with np.errstate(over="ignore", under="ignore"):
        half_square = 2.0 * (0.5 * ratio) ** 2  # M_jj^2 / 2, overflowing only with the KL
        near_one = 0.5 * expm1_minus_x(np.where(small, t, 0.0))
        diag = np.where(small, near_one, half_square - 0.5 - 0.5 * t)
    below, above = np.tril_indices(m.shape[-1], -1)
    return _half_sum_squares(m[..., below, above]) + np.sum(diag, axis=-1)


def _covariance_part(l1: np.ndarray, l2: np.ndarray, m: np.ndarray, w: np.ndarray) -> np.ndarray:
    """1/2 [tr(S2^-1 S1) - d - log det(S2^-1 S1)] for a stack (N, d, d).

    ``m`` is M = L2^-1 L1 and ``w`` is L2^-1 (S1 - S2), both (N, d, d).

    The direct form everywhere, replaced by the near form on the pairs whose
    diagonal ratios put them close to q = p (only those pay for E's solve and
    eigenvalues).
    """
    d1 = np.diagonal(l1, axis1=-2, axis2=-1)
    d2 = np.diagonal(l2, axis1=-2, axis2=-1)
    log_ratio = 2.0 * (np.log(d1) - np.log(d2))  # log M_jj^2
    with np.errstate(over="ignore", under="ignore"):
        part = _covariance_part_direct(log_ratio, d1 / d2, m)
    near = np.flatnonzero(np.all(np.abs(log_ratio) < _NEAR, axis=-1))
    if near.size:
        careful = _covariance_part_near(l2[near], w[near])
        part[near] = np.where(np.isnan(careful), part[near], careful)
    return part


# --- the public functions ---------------------------------------------------


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
        Covariances of q and p: symmetric positive definite.  The leading
        (batch) dimensions of the four arguments broadcast together: a batch
        of B pairs is ``mu1`` (B, d), ``cov1`` (B, d, d), and a single p is
        ``mu2`` (d,), ``cov2`` (d, d).

    Returns
    -------
    ndarray or numpy scalar
        KL in nats, with the broadcast batch shape (a numpy scalar when there
        are no batch dimensions).  float32 when all four arguments are
        float32 (computed in float64, then rounded), float64 otherwise.
        +inf where the KL exceeds the largest float of that dtype.  An empty
        batch gives an empty array; d = 0 gives zeros (the KL between two
        distributions on a point).

    Raises
    ------
    ValueError
        If an argument has NaN or inf, is masked or not real; if a covariance
        is not square, not symmetric or not positive definite; if the d of
        the four arguments differ, or their batch shapes do not broadcast.
        The message names the argument (and the batch index of the first bad
        matrix).  A covariance counts as symmetric when
        ``|A[i, j] - A[j, i]| <= SYMMETRY_C * d * u * sqrt(A[i, i] A[j, j])``
        for every entry, u the unit roundoff of its dtype and
        ``SYMMETRY_C = 1024``.

    Notes
    -----
    The formula is derived in the book's chapter "Full covariance"; see also
    Cover & Thomas, *Elements of Information Theory*.  It is evaluated with
    :func:`numpy.linalg.cholesky`, :func:`numpy.linalg.solve` on the
    triangular factor and :func:`numpy.linalg.eigvalsh`, batched, without
    any explicit inverse or determinant, and with the covariance part
    computed from Sigma_1 - Sigma_2 so that it keeps its relative precision
    as q -> p (see the module docstring).

    Accuracy, measured against the 50-digit mpmath reference of the tests
    (``tests/reference.py``): the relative error grows with the condition number
    kappa of ``cov2``, as for any method that solves with its Cholesky factor (the
    problem's own condition, not the formula's).  In float64 (u = 2^-53) it was at
    most 0.09 kappa u for d = 8 and kappa from 1e2 to 1e12 (about 1e-5 relative at
    kappa = 1e12), at most 0.004 kappa u for d = 50 at kappa = 1e6 and 1e12, and near
    q = p with d = 50 at most 9 u for kappa = 10 and 34 u for kappa = 1e3.  Budget
    about kappa(cov2) u relative, not a few ulp.

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

    A batch of three q against one p:

    >>> covs = np.array([1.0, 2.0, 4.0])[:, None, None] * np.eye(2)
    >>> kl = kl_mvn(np.zeros((3, 2)), covs, np.zeros(2), np.eye(2))
    >>> kl.shape, float(kl[0])
    ((3,), 0.0)
    >>> bool(np.allclose(kl[1:], 2 * kl_normal(0.0, np.sqrt([2.0, 4.0]), 0.0, 1.0)))
    True
    """
    args = {"mu1": mu1, "cov1": cov1, "mu2": mu2, "cov2": cov2}
    arrays = {name: _real_array(name, value) for name, value in args.items()}
    batch, d = _common_shape(*arrays.values())
    single = all(a.dtype.kind == "f" and a.dtype.itemsize <= 4 for a in arrays.values())
    out_dtype = np.dtype(np.float32 if single else np.float64)
    for name in ("cov1", "cov2"):
        _check_symmetric(name, arrays[name], _unit_roundoff(arrays[name]))
    m1, c1, m2, c2 = (a.astype(np.float64, copy=False) for a in arrays.values())
    l1, l2 = _cholesky("cov1", c1), _cholesky("cov2", c2)  # before broadcasting: once each
    n = int(np.prod(batch))
    if d == 0 or n == 0:
        return np.zeros(batch, out_dtype)[()]

    def stack(a: np.ndarray, core: tuple[int, ...]) -> np.ndarray:
        return np.broadcast_to(a, batch + core).reshape((n,) + core)

    with np.errstate(over="ignore", invalid="ignore"):
        cov_diff = (
            c1 - c2
        )  # exact where S1 ~ S2 (Sterbenz); inf where it overflows (then not near)
    m1, m2 = stack(m1, (d,)), stack(m2, (d,))
    cov_diff, l1, l2 = (stack(a, (d, d)) for a in (cov_diff, l1, l2))
    diff, factor = _mean_difference(m1, m2)
    # One solve for the three right-hand sides: z, M = L2^-1 L1 and L2^-1 (S1 - S2)
    solved = _solve_lower(l2, np.concatenate([diff[..., None], l1, cov_diff], axis=-1))
    half_mahalanobis = factor * _half_sum_squares(solved[..., 0])
    covariance_part = _covariance_part(l1, l2, solved[..., 1 : d + 1], solved[..., d + 1 :])
    with np.errstate(over="ignore"):
        out = (half_mahalanobis + covariance_part).astype(out_dtype)
    return out.reshape(batch)[()]


def kl_diag_normal(mu1, sigma1, mu2, sigma2, axis: int = -1):
    """KL between Gaussians with diagonal covariances: the sum of per-dimension KLs, in nats.

    Parameters
    ----------
    mu1, sigma1, mu2, sigma2 : array_like, shape (..., d)
        Means and **standard deviations** per dimension, broadcasting as in
        :func:`kltools.kl_normal`; the d dimensions to sum over lie along
        ``axis``, every other axis is a batch axis.
    axis : int
        The latent axis to sum over (default: the last).

    Returns
    -------
    ndarray or float
        KL(N(mu1, diag(sigma1^2)) || N(mu2, diag(sigma2^2))) in nats, with
        the broadcast shape and ``axis`` summed out (shape (...,)).

    Raises
    ------
    ValueError
        As :func:`kltools.kl_normal`: NaN or inf, a sigma <= 0, or shapes that
        do not broadcast; and if ``axis`` is not an integer or out of range.

    Notes
    -----
    The KL of a product of independent factors is the sum of their KLs
    (chapter "Diagonal Gaussians and the VAE loss").

    Examples
    --------
    >>> from kltools import kl_diag_normal, kl_normal
    >>> kl = kl_diag_normal([0.0, 1.0], [1.0, 2.0], 0.0, 1.0)
    >>> float(kl) == float(kl_normal(1.0, 2.0, 0.0, 1.0))
    True
    """
    axis = check_axis(axis)
    return np.sum(kl_normal(mu1, sigma1, mu2, sigma2), axis=axis)


def kl_diag_std_normal(mu, log_var, axis: int = -1):
    """The VAE KL term against N(0, I) with a diagonal q: per-dimension KLs summed over ``axis``,
    in nats.

    Parameters
    ----------
    mu, log_var : array_like, shape (..., d)
        Means and **log-variances** of q per latent dimension, as a VAE
        encoder outputs them for a batch; they broadcast together.
    axis : int
        The latent axis to sum over (default: the last).  Batch axes are kept:
        whether to sum or average them is the caller's choice of weighting.

    Returns
    -------
    ndarray or float
        KL(q || N(0, I)), the reverse KL, in nats per example (shape (...,)).

    Raises
    ------
    ValueError
        As :func:`kltools.kl_std_normal`; and if ``axis`` is not an integer or out of range.

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
    axis = check_axis(axis)
    return np.sum(kl_std_normal(mu, log_var), axis=axis)
