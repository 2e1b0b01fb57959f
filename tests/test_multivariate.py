"""kl_mvn and the diagonal helpers: mpmath references, properties, Monte Carlo, bad input."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from kltools import kl_diag_normal, kl_diag_std_normal, kl_mvn, kl_normal, kl_std_normal

from ._ids import case_id
from .reference import kl_mvn_ref

EPS = float(np.finfo(np.float64).eps)


def random_spd(rng, k, cond=10.0):
    q, _ = np.linalg.qr(rng.normal(size=(k, k)))
    return (q * np.geomspace(1.0, cond, k)) @ q.T


@pytest.mark.parametrize("k", [1, 2, 5, 12], ids=case_id)
@pytest.mark.parametrize("near", [False, True], ids=case_id)
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


@pytest.mark.parametrize("k", [2, 5, 20], ids=case_id)
def test_agrees_with_monte_carlo(k):
    rng = np.random.default_rng(k)
    m1, m2 = rng.normal(size=k), rng.normal(size=k)
    s1, s2 = random_spd(rng, k, 4.0), random_spd(rng, k, 4.0)
    x = stats.multivariate_normal(m1, s1).rvs(size=100_000, random_state=rng)
    log_ratio = stats.multivariate_normal(m1, s1).logpdf(x) - stats.multivariate_normal(
        m2, s2
    ).logpdf(x)
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
    blocks = [
        (rng.normal(size=k), random_spd(rng, k), rng.normal(size=k), random_spd(rng, k))
        for k in (k1, k2)
    ]
    parts = [float(kl_mvn(*blk)) for blk in blocks]
    joined = [
        np.concatenate([blocks[0][0], blocks[1][0]]),
        np.block([[blocks[0][1], np.zeros((k1, k2))], [np.zeros((k2, k1)), blocks[1][1]]]),
        np.concatenate([blocks[0][2], blocks[1][2]]),
        np.block([[blocks[0][3], np.zeros((k1, k2))], [np.zeros((k2, k1)), blocks[1][3]]]),
    ]
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
    assert abs(
        float(kl_mvn(m1[:1], np.diag(s1[:1] ** 2), m2[:1], np.diag(s2[:1] ** 2)))
        - float(kl_normal(m1[0], s1[0], m2[0], s2[0]))
    ) <= 16 * EPS * (1 + full)
    lv = np.log(s1**2)
    assert abs(float(kl_diag_std_normal(m1, lv)) - float(np.sum(kl_std_normal(m1, lv)))) == 0


def test_batches_broadcast():
    rng = np.random.default_rng(1)
    s = np.stack([random_spd(rng, 3) for _ in range(4)])
    out = kl_mvn(np.zeros((2, 1, 3)), s, np.ones(3), np.eye(3))
    assert out.shape == (2, 4)
    assert out[1, 2] == kl_mvn(np.zeros(3), s[2], np.ones(3), np.eye(3))


@pytest.mark.parametrize(
    "args, message",
    [
        (
            (np.zeros(2), np.array([[1.0, 0.5], [0.4, 1.0]]), np.zeros(2), np.eye(2)),
            "cov1 is not symmetric",
        ),
        (
            (np.zeros(2), np.eye(2), np.zeros(2), np.array([[1.0, 2.0], [2.0, 1.0]])),
            "cov2 is not positive definite",
        ),
        ((np.zeros(2), np.eye(2), np.zeros(3), np.eye(3)), "mismatched dimension d"),
        ((np.zeros(2), np.eye(3), np.zeros(2), np.eye(2)), "mismatched dimension d"),
        ((np.array([np.nan, 0.0]), np.eye(2), np.zeros(2), np.eye(2)), "mu1 must be finite"),
        ((np.zeros(2), np.eye(2), np.zeros(2), np.full((2, 2), np.inf)), "cov2 must be finite"),
        (
            (np.zeros(2), np.ones(2), np.zeros(2), np.eye(2)),
            r"cov1 must have shape \(\.\.\., d, d\)",
        ),
        ((0.0, np.eye(1), np.zeros(1), np.eye(1)), "mu1 must have shape"),
        (
            (np.zeros((3, 2)), np.eye(2), np.zeros((4, 2)), np.eye(2)),
            "batch shapes do not broadcast",
        ),
        (
            (np.zeros(2), np.eye(2), np.ma.masked_array(np.zeros(2), [True, False]), np.eye(2)),
            "mu2 is a masked array",
        ),
        (
            (np.zeros(2), np.eye(2).astype(complex), np.zeros(2), np.eye(2)),
            "cov1 must be real numbers",
        ),
        # the case: a whole-matrix tolerance scaled by the 1e20 entry let the 0.5/0.4 pair
        # through
        (
            (
                np.zeros(3),
                np.eye(3),
                np.zeros(3),
                np.array([[1e20, 0, 0], [0, 1, 0.5], [0, 0.4, 1]]),
            ),
            r"cov2 is not symmetric: entries \(2, 1\) and \(1, 2\) differ by 0.1",
        ),
        (
            (
                np.zeros((2, 2)),
                np.stack([np.eye(2), [[1.0, 2.0], [2.0, 1.0]]]),
                np.zeros(2),
                np.eye(2),
            ),
            r"cov1 is not positive definite \(its Cholesky factorisation failed\) "
            r"at batch index \(1,\)",
        ),
        ((np.zeros(1), [[1.0]], np.zeros(1), [[0.0]]), "cov2 is not positive definite"),
    ],
    ids=case_id,
)
def test_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        kl_mvn(*args)


# --- batches ----------------------------------------------------------------

shapes = st.lists(st.integers(0, 3), min_size=0, max_size=2).map(tuple)


@given(seeds, st.integers(1, 4), shapes, shapes)
def test_batch_equals_each_pair(seed, k, batch_q, batch_p):
    """A pair's KL does not depend on the batch it comes in: bit for bit the single-pair value."""
    rng = np.random.default_rng(seed)
    batch_p = (
        batch_p[len(batch_p) - min(len(batch_p), len(batch_q)) :] if rng.integers(2) else batch_p
    )
    try:
        out_shape = np.broadcast_shapes(batch_q, batch_p)
    except ValueError:
        return
    m1 = rng.normal(size=batch_q + (k,))
    s1 = np.reshape([random_spd(rng, k) for _ in range(int(np.prod(batch_q)))], batch_q + (k, k))
    m2 = rng.normal(size=batch_p + (k,))
    s2 = np.reshape([random_spd(rng, k) for _ in range(int(np.prod(batch_p)))], batch_p + (k, k))
    s2 = np.where(
        rng.random(batch_p + (1, 1)) < 0.5, s2, s1[(0,) * len(batch_q)] if s1.size else s2
    )  # some q ~ p
    out = kl_mvn(m1, s1, m2, s2)
    assert np.shape(out) == out_shape and np.asarray(out).dtype == np.float64
    for index in np.ndindex(out_shape):
        iq = tuple(i if n > 1 else 0 for i, n in zip(index[len(index) - len(batch_q) :], batch_q))
        ip = tuple(i if n > 1 else 0 for i, n in zip(index[len(index) - len(batch_p) :], batch_p))
        assert np.asarray(out)[index] == kl_mvn(m1[iq], s1[iq], m2[ip], s2[ip])


def test_empty_batch_and_zero_dimension():
    assert kl_mvn(np.zeros((0, 3)), np.eye(3), np.zeros(3), np.eye(3)).shape == (0,)
    assert kl_mvn(np.zeros((1, 0, 3)), np.eye(3), np.zeros((4, 1, 3)), np.eye(3)).shape == (4, 0)
    assert (
        kl_mvn(
            np.zeros((0, 3), np.float32),
            np.eye(3, dtype=np.float32),
            np.zeros(3, np.float32),
            np.eye(3, dtype=np.float32),
        ).dtype
        == np.float32
    )
    # d = 0: two distributions on a single point, KL 0 (chosen over an error)
    assert kl_mvn(np.zeros(0), np.zeros((0, 0)), np.zeros(0), np.zeros((0, 0))) == 0.0
    assert (
        kl_mvn(np.zeros((5, 0)), np.zeros((0, 0)), np.zeros(0), np.zeros((0, 0))).tolist()
        == [0.0] * 5
    )


# --- accuracy near q = p, and the switch to the direct form ------------------


@given(seeds, st.integers(1, 6), st.floats(-14, -1))
def test_accuracy_near_q_equal_p(seed, k, log10_eps):
    """S1 = S2 + eps * (a random symmetric matrix): the textbook terms cancel to eps^2; kl_mvn
    keeps them."""
    rng = np.random.default_rng(seed)
    eps = 10.0**log10_eps
    s2, m2 = random_spd(rng, k), rng.normal(size=k)
    sym = rng.normal(size=(k, k))
    s1 = (
        s2 + eps * (sym + sym.T) / 4
    )  # a perturbation well inside the cone: S1 stays positive definite
    m1 = m2 + eps * rng.normal(size=k)
    ref = float(kl_mvn_ref(m1, s1, m2, s2, dps=60))
    # Forming E = L2^-1 (S1 - S2) L2^-T by backward-stable solves costs a relative error of
    # about k eps cond(S2) <= 10 k eps in E (the eigenvalues and g add a few eps); measured:
    # at most 2.7 k eps over 300 draws, and 1e14 k eps with the near form switched off.
    assert abs(float(kl_mvn(m1, s1, m2, s2)) - ref) <= 16 * k * EPS * ref


@given(seeds, st.integers(1, 5), st.floats(-2, 2))
def test_accuracy_across_the_switch(seed, k, log2_scale):
    """Scaling one direction of S1 by 2^s moves log M_jj^2 across +-log 2, where the near form
    hands over."""
    rng = np.random.default_rng(seed)
    s2, m2 = random_spd(rng, k), rng.normal(size=k)
    q, _ = np.linalg.qr(rng.normal(size=(k, k)))
    lam = np.linalg.eigvalsh(s2) * np.concatenate(
        [[2.0**log2_scale], 1 + 1e-3 * rng.normal(size=k - 1)]
    )
    s1 = (q * lam) @ q.T
    s1 = (s1 + s1.T) / 2
    ref = float(kl_mvn_ref(m2, s1, m2, s2))
    cond = np.linalg.cond(s1) * np.linalg.cond(s2)
    assert abs(float(kl_mvn(m2, s1, m2, s2)) - ref) <= 16 * k * EPS * cond * ref


def test_near_form_against_mpmath_g():
    """Diagonal S1 = I + diag(e) against I: E = diag(e) exactly, so the careful part is
    sum_j (e_j - log1p e_j)/2."""
    import mpmath as mp

    e = np.array([2.0**-30, -3 * 2.0**-20, 0.25, -0.375])
    with mp.workdps(50):
        ref = mp.fsum((mp.mpf(float(v)) - mp.log1p(mp.mpf(float(v)))) / 2 for v in e)
    value = float(kl_mvn(np.zeros(4), np.diag(1 + e), np.zeros(4), np.eye(4)))
    assert abs(value - float(ref)) <= 4 * EPS * float(ref)


# --- the defects of issue 16, and overflow ------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        (
            [0.0],
            [[1e300]],
            [0.0],
            [[5e-9]],
        ),  # KL = 1.0e308: tr(S2^-1 S1) alone overflows, half of it does not
        ([1e308], [[1.0]], [-1e308], [[1.7e308]]),  # KL = 1.18e308: mu2 - mu1 overflows
        (np.zeros(2), np.diag([1e300, 1.0]), np.zeros(2), np.diag([1.5e-8, 1.0])),
        (
            np.zeros(2),
            [[1e-300, 0.0], [0.0, 1.0]],
            np.zeros(2),
            np.eye(2),
        ),  # log det large, no overflow
    ],
    ids=case_id,
)
def test_finite_where_the_kl_is(args):
    ref = float(kl_mvn_ref(*args))
    assert np.isfinite(ref)
    assert abs(float(kl_mvn(*args)) - ref) <= 8 * EPS * ref


@pytest.mark.parametrize(
    "args",
    [
        ([0.0], [[1.0]], [0.0], [[1e-310]]),  # KL = 5e309
        ([0.0], [[1e300]], [0.0], [[1e-300]]),
        ([1e308], [[1.0]], [-1e308], [[1.0]]),
        (np.zeros(2), [[1.0, 0.0], [0.0, 1.0]], np.zeros(2), [[1.0, 0.0], [0.0, 1e-320]]),
    ],
    ids=case_id,
)
def test_inf_where_the_kl_overflows(args):
    assert float(kl_mvn_ref(*args)) > np.finfo(np.float64).max
    assert kl_mvn(*args) == np.inf


@given(
    seeds,
    st.integers(1, 4),
    st.integers(-1000, 1000),
    st.integers(-1000, 1000),
    st.integers(-1000, 1000),
)
def test_extreme_scales_never_nan(seed, k, e1, e2, e_mu):
    """Covariances 2^e1 S and 2^e2 S', means 2^e_mu z: a value within a few ulp, or inf, never
    NaN."""
    rng = np.random.default_rng(seed)
    s1, s2 = np.ldexp(random_spd(rng, k), e1), np.ldexp(random_spd(rng, k), e2)
    m1, m2 = np.ldexp(rng.normal(size=k), e_mu), np.ldexp(rng.normal(size=k), e_mu)
    if not (np.isfinite(s1).all() and np.isfinite(s2).all() and np.isfinite(m1).all()):
        return
    ref = float(kl_mvn_ref(m1, s1, m2, s2))
    value = float(kl_mvn(m1, s1, m2, s2))
    if ref > np.finfo(np.float64).max:
        assert value == np.inf
    else:
        # cond <= 10 each; subnormal entries carry fewer digits, so they set the floor
        assert abs(value - ref) <= 16 * k * EPS * 10 * ref + 1e-300


# --- dtypes --------------------------------------------------------------------


def test_float32_kept_and_correctly_rounded():
    rng = np.random.default_rng(7)
    s1, s2 = (random_spd(rng, 3).astype(np.float32) for _ in range(2))
    s1, s2 = (s1 + s1.T) / 2, (s2 + s2.T) / 2
    m1, m2 = rng.normal(size=3).astype(np.float32), np.zeros(3, np.float32)
    out = kl_mvn(m1, s1, m2, s2)
    assert out.dtype == np.float32
    ref = float(kl_mvn_ref(m1, s1, m2, s2))
    # computed in float64, then rounded once: within one float32 ulp
    assert abs(float(out) - ref) <= float(np.spacing(np.float32(ref)))
    assert (
        kl_mvn(m1, s1, m2.astype(np.float64), s2).dtype == np.float64
    )  # any float64 argument: float64
    assert (
        kl_mvn(m1, s1, [0.0, 0.0, 0.0], s2).dtype == np.float64
    )  # a list is float64, as in numpy
    assert (
        kl_mvn(np.float32([0]), np.float32([[1e30]]), np.float32([0]), np.float32([[1e-30]]))
        == np.inf
    )


def test_symmetric_up_to_rounding_is_accepted():
    """Covariances computed as Q diag(lambda) Q^T and A S A^T are symmetric only up to rounding."""
    rng = np.random.default_rng(11)
    for k in (3, 20, 50):
        s = random_spd(rng, k, 1e12)
        a = rng.normal(size=(k, k)) + 3 * np.eye(k)
        for cov in (s, a @ s @ a.T):
            assert not np.array_equal(cov, cov.T) or k == 3
            assert np.isfinite(kl_mvn(np.zeros(k), cov, np.zeros(k), np.eye(k)))


@given(seeds, st.integers(1, 24), st.integers(1, 5))
def test_triangular_solve_is_backward_stable(seed, d, n):
    """x = L^-1 b by both paths of the batched solve has a residual within its backward-error
    bound.

    Substitution (d <= SUBSTITUTION_MAX_D) is componentwise stable, (L + dL) x = b with
    |dL| <= d u |L|; forming the residual adds as much again.  LU with partial pivoting
    (larger d) is normwise stable: |b - L x| <= 3 d u |L| |x| rho in the infinity norm, with a
    growth factor rho of at most 2^(d-1) and in practice about 1 (taken as 4 here).
    """
    from kltools.multivariate import SUBSTITUTION_MAX_D, _solve_lower

    rng = np.random.default_rng(seed)
    factor = np.linalg.cholesky(np.stack([random_spd(rng, d, 1e6) for _ in range(n)]))
    rhs = rng.normal(size=(n, d, 3))
    x = _solve_lower(factor, rhs)
    residual = np.abs(rhs - factor @ x)
    u = EPS / 2
    if d <= SUBSTITUTION_MAX_D:
        assert np.all(residual <= 2 * d * u * (np.abs(factor) @ np.abs(x)))
    else:
        norm_l = np.abs(factor).sum(axis=-1).max(axis=-1)
        norm_x = np.abs(x).sum(axis=-1).max(axis=-1)  # per right-hand side, bounded by all three
        assert np.all(residual.max(axis=(-2, -1)) <= 4 * 3 * d * u * norm_l * norm_x)
