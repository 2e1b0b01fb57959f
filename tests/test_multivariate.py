"""kl_mvn and the diagonal helpers: mpmath references, properties, Monte Carlo, bad input."""

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from kltools import kl_diag_normal, kl_diag_std_normal, kl_mvn, kl_normal, kl_std_normal

EPS = float(np.finfo(np.float64).eps)


def random_spd(rng, k, cond=10.0):
    q, _ = np.linalg.qr(rng.normal(size=(k, k)))
    return (q * np.geomspace(1.0, cond, k)) @ q.T


def kl_mvn_ref(m1, s1, m2, s2):
    """The textbook formula at 50 digits, with mpmath's inverse and determinant."""
    with mp.workdps(50):
        k = len(m1)
        a, b = mp.matrix(np.asarray(s1).tolist()), mp.matrix(np.asarray(s2).tolist())
        d = mp.matrix((np.asarray(m2) - np.asarray(m1)).tolist())  # the difference of two doubles, exactly
        d = mp.matrix([mp.mpf(float(m2[i])) - mp.mpf(float(m1[i])) for i in range(k)])
        b_inv = b**-1
        return (mp.fsum((b_inv * a)[i, i] for i in range(k)) + (d.T * b_inv * d)[0] - k + mp.log(mp.det(b) / mp.det(a))) / 2


@pytest.mark.parametrize("k", [1, 2, 5, 12])
@pytest.mark.parametrize("near", [False, True])
def test_matches_mpmath(k, near):
    rng = np.random.default_rng(k + 100 * near)
    s2, m2 = random_spd(rng, k), rng.normal(size=k)
    if near:  # q ~ p: the textbook evaluation cancels; kl_mvn must not
        s1, m1 = s2 + 1e-9 * random_spd(rng, k), m2 + 1e-9 * rng.normal(size=k)
    else:
        s1, m1 = random_spd(rng, k), rng.normal(size=k)
    ref = kl_mvn_ref(m1, s1, m2, s2)
    # well-conditioned inputs (cond <= 10): a relative error of a few k * eps
    assert abs(float(kl_mvn(m1, s1, m2, s2)) - float(ref)) <= 8 * k * EPS * float(ref)


@pytest.mark.parametrize("k", [2, 5, 20])
def test_agrees_with_monte_carlo(k):
    rng = np.random.default_rng(k)
    m1, m2 = rng.normal(size=k), rng.normal(size=k)
    s1, s2 = random_spd(rng, k, 4.0), random_spd(rng, k, 4.0)
    x = stats.multivariate_normal(m1, s1).rvs(size=100_000, random_state=rng)
    log_ratio = stats.multivariate_normal(m1, s1).logpdf(x) - stats.multivariate_normal(m2, s2).logpdf(x)
    se = log_ratio.std(ddof=1) / np.sqrt(len(log_ratio))
    assert abs(log_ratio.mean() - float(kl_mvn(m1, s1, m2, s2))) <= 4 * se


seeds = st.integers(0, 2**32 - 1)


@given(seeds, st.integers(1, 6))
def test_non_negative_and_zero_at_p(seed, k):
    rng = np.random.default_rng(seed)
    m1, m2, s1, s2 = rng.normal(size=k), rng.normal(size=k), random_spd(rng, k), random_spd(rng, k)
    assert kl_mvn(m1, s1, m2, s2) >= 0
    assert kl_mvn(m1, s1, m1, s1) == 0


@given(seeds, st.integers(1, 5))
def test_affine_invariance(seed, k):
    rng = np.random.default_rng(seed)
    m1, m2, s1, s2 = rng.normal(size=k), rng.normal(size=k), random_spd(rng, k), random_spd(rng, k)
    q, _ = np.linalg.qr(rng.normal(size=(k, k)))
    a = q * rng.uniform(0.5, 2.0, k)  # invertible, condition number <= 4
    b = rng.normal(size=k)
    before = float(kl_mvn(m1, s1, m2, s2))
    after = float(kl_mvn(a @ m1 + b, a @ s1 @ a.T, a @ m2 + b, a @ s2 @ a.T))
    # Rounding A S A^T perturbs each covariance by ~ k eps cond(A)^2 relative; the KL moves by
    # that times cond(S2) times (k + KL).  The tolerance is that first-order bound.
    cond = np.linalg.cond(a) ** 2 * np.linalg.cond(s2)
    assert abs(after - before) <= 16 * k * EPS * cond * (k + before)


@given(seeds, st.integers(1, 4), st.integers(1, 4))
def test_block_diagonal_additivity(seed, k1, k2):
    rng = np.random.default_rng(seed)
    blocks = [(rng.normal(size=k), random_spd(rng, k), rng.normal(size=k), random_spd(rng, k)) for k in (k1, k2)]
    parts = [float(kl_mvn(*blk)) for blk in blocks]
    joined = [np.concatenate([blocks[0][0], blocks[1][0]]), np.block([[blocks[0][1], np.zeros((k1, k2))], [np.zeros((k2, k1)), blocks[1][1]]]),
              np.concatenate([blocks[0][2], blocks[1][2]]), np.block([[blocks[0][3], np.zeros((k1, k2))], [np.zeros((k2, k1)), blocks[1][3]]])]
    whole = float(kl_mvn(*joined))
    assert abs(whole - sum(parts)) <= 16 * (k1 + k2) * EPS * (whole + k1 + k2)


@given(seeds, st.integers(1, 8))
def test_diagonal_and_univariate_consistency(seed, k):
    rng = np.random.default_rng(seed)
    m1, m2 = rng.normal(size=k), rng.normal(size=k)
    s1, s2 = np.exp(rng.normal(size=k)), np.exp(rng.normal(size=k))
    full = float(kl_mvn(m1, np.diag(s1**2), m2, np.diag(s2**2)))
    diag = float(kl_diag_normal(m1, s1, m2, s2))
    assert abs(full - diag) <= 16 * k * EPS * (full + k)
    assert abs(float(kl_mvn(m1[:1], np.diag(s1[:1] ** 2), m2[:1], np.diag(s2[:1] ** 2))) - float(kl_normal(m1[0], s1[0], m2[0], s2[0]))) <= 16 * EPS * (1 + full)
    lv = np.log(s1**2)
    assert abs(float(kl_diag_std_normal(m1, lv)) - float(np.sum(kl_std_normal(m1, lv)))) == 0


def test_batches_broadcast():
    rng = np.random.default_rng(1)
    s = np.stack([random_spd(rng, 3) for _ in range(4)])
    out = kl_mvn(np.zeros((2, 1, 3)), s, np.ones(3), np.eye(3))
    assert out.shape == (2, 4)
    assert out[1, 2] == kl_mvn(np.zeros(3), s[2], np.ones(3), np.eye(3))


@pytest.mark.parametrize("args, message", [
    ((np.zeros(2), np.array([[1.0, 0.5], [0.4, 1.0]]), np.zeros(2), np.eye(2)), "cov1 is not symmetric"),
    ((np.zeros(2), np.eye(2), np.zeros(2), np.array([[1.0, 2.0], [2.0, 1.0]])), "cov2 is not positive definite"),
    ((np.zeros(2), np.eye(2), np.zeros(3), np.eye(3)), "mismatched dimension d"),
    ((np.zeros(2), np.eye(3), np.zeros(2), np.eye(2)), "mismatched dimension d"),
    ((np.array([np.nan, 0.0]), np.eye(2), np.zeros(2), np.eye(2)), "mu1 must be finite"),
    ((np.zeros(2), np.eye(2), np.zeros(2), np.full((2, 2), np.inf)), "cov2 must be finite"),
    ((np.zeros(2), np.ones(2), np.zeros(2), np.eye(2)), r"cov1 must have shape \(\.\.\., d, d\)"),
    ((0.0, np.eye(1), np.zeros(1), np.eye(1)), "mu1 must have shape"),
    ((np.zeros((3, 2)), np.eye(2), np.zeros((4, 2)), np.eye(2)), "batch shapes do not broadcast"),
])
def test_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        kl_mvn(*args)
