"""mpmath references (50 significant digits), typed independently of the sympy derivations."""

from __future__ import annotations

import mpmath as mp

DPS = 50


def kl_normal_ref(mu1, sigma1, mu2, sigma2) -> mp.mpf:
    """KL(N(mu1, sigma1^2) || N(mu2, sigma2^2)) of the exact binary inputs, at 50 digits."""
    with mp.workdps(DPS):
        m1, s1, m2, s2 = (mp.mpf(float(v)) for v in (mu1, sigma1, mu2, sigma2))
        return mp.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - mp.mpf(1) / 2


def kl_std_normal_ref(mu, log_var) -> mp.mpf:
    with mp.workdps(DPS):
        m, v = mp.mpf(float(mu)), mp.mpf(float(log_var))
        return -(1 + v - m**2 - mp.exp(v)) / 2


def entropy_normal_ref(sigma) -> mp.mpf:
    with mp.workdps(DPS):
        return mp.log(2 * mp.pi * mp.e * mp.mpf(float(sigma)) ** 2) / 2


def cross_entropy_normal_ref(mu1, sigma1, mu2, sigma2) -> mp.mpf:
    with mp.workdps(DPS):
        m1, s1, m2, s2 = (mp.mpf(float(v)) for v in (mu1, sigma1, mu2, sigma2))
        return mp.log(2 * mp.pi * s2**2) / 2 + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2)


def _kl_mvn_textbook(m1, a, m2, b, dps: int) -> mp.mpf:
    """The textbook formula at ``dps`` digits, with mpmath's inverse and determinants."""
    with mp.workdps(dps):
        d = len(m1)
        a, b = mp.matrix(a), mp.matrix(b)
        diff = mp.matrix([m2[i] - m1[i] for i in range(d)])
        b_inv = b**-1
        trace = mp.fsum((b_inv * a)[i, i] for i in range(d))
        return (trace - d + mp.log(mp.det(b) / mp.det(a)) + (diff.T * b_inv * diff)[0]) / 2


def kl_mvn_ref(mu1, cov1, mu2, cov2, dps: int = DPS) -> mp.mpf:
    """KL(N(mu1, cov1) || N(mu2, cov2)) of the exact binary inputs, to ``dps`` - 25 digits or
    better.

    The one multivariate reference of the tests: the textbook formula with
    mpmath's inverse and determinants, no Cholesky factor, nothing shared with
    kl_mvn.  The formula cancels near q = p (and when a tiny Mahalanobis term
    is added to tr - d), so it is evaluated at ``dps`` digits and again with
    twice as many, until two evaluations agree to 25 significant digits.
    mpmath's LU refuses a matrix whose condition exceeds 10^dps, so each
    evaluation also gets the decades spanned by the covariances' diagonals.
    mpmath's exponent range is unbounded: entries near 1e308 or 1e-320 are
    no problem.
    """
    m1, m2 = ([mp.mpf(float(v)) for v in mu] for mu in (mu1, mu2))
    a, b = ([[mp.mpf(float(v)) for v in row] for row in cov] for cov in (cov1, cov2))
    spread = 0
    for cov in (a, b):
        diag = [abs(cov[i][i]) for i in range(len(cov))]
        spread += int(mp.ceil(mp.log10(max(diag) / min(diag)))) if diag else 0
    previous = None
    for digits in (dps, 2 * dps, 4 * dps, 8 * dps):
        value = _kl_mvn_textbook(m1, a, m2, b, digits + spread)
        if previous is not None and abs(value - previous) <= mp.mpf(10) ** -25 * abs(value):
            return value
        previous = value
    raise AssertionError("kl_mvn_ref did not converge")
