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
