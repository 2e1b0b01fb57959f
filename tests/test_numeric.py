"""Quadrature and Monte Carlo checks: their values and their own error estimates.

The exact values come from mpmath (kl_normal_ref below); the properties run
on inputs with |mu|/sigma up to 1e15, sigma from 1e-290 to 1e290, scale
ratios up to 1e+-150, and q within 1e-3 of p.
"""

import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from kltools import Estimate, expect_monte_carlo, expect_quad, kl_monte_carlo, kl_quad

from ._ids import case_id

# Monte Carlo checks fail by chance with probability P(|Z| > K) per check.  The
# property below runs MC_EXAMPLES fixed examples (derandomised, fixed seeds);
# K makes the chance that any of them fails MC_FALSE_FAILURE, under the normal
# approximation of the mean (n = 10^4 samples; the skewness of the log-ratio,
# at most that of a chi-square, moves the 5.8-sigma tail by a factor < 2).
MC_EXAMPLES = 150
MC_FALSE_FAILURE = 1e-6
K = float(stats.norm.isf(MC_FALSE_FAILURE / (2 * MC_EXAMPLES)))


def kl_normal_ref(mu1, sigma1, mu2, sigma2) -> mp.mpf:
    """KL of the exact binary inputs, delta^2/2 + (rho^2 + 2 rho - 2 log r)/2, rho = r - 1.

    tests/reference.py's kl_normal_ref evaluates the textbook form at 50 digits,
    which absorbs a delta^2 below 1e-50 into the other terms (it returns 0 for
    delta = 1e-286, r = 1).  Here the two parts are kept apart and rho is exact,
    so every input in these tests gets ~30 correct digits or more.
    """
    with mp.workdps(60):
        m1, s1, m2, s2 = (mp.mpf(float(v)) for v in (mu1, sigma1, mu2, sigma2))
        delta, rho = (m1 - m2) / s2, (s1 - s2) / s2
        log_r = mp.log1p(rho) if abs(rho) < 0.5 else mp.log(s1) - mp.log(s2)
        return delta**2 / 2 + (rho**2 + 2 * rho - 2 * log_r) / 2


def covers(est, exact, k=1.0):
    """|est.value - exact| <= k est.error, with exact an mpmath number or inf."""
    if math.isinf(est.value) or mp.isinf(exact):
        return est.value == exact
    with mp.workdps(50):
        return abs(mp.mpf(est.value) - exact) <= k * mp.mpf(est.error)


# --- values, error estimates, bad input ------------------------------------------


def test_quad_moments_within_error_bound():
    for mu, sigma in [(0.0, 1.0), (3.0, 0.01), (-1e3, 50.0)]:
        est = expect_quad(lambda v: v**2, mu, sigma)
        assert isinstance(est, Estimate) and est.method == "quad"
        assert abs(est.value - (mu**2 + sigma**2)) <= est.error


def test_monte_carlo_standard_error_is_honest():
    """Over 200 seeds, the z-scores of the estimate are ~N(0, 1)."""
    truth = float(kl_normal_ref(0.3, 1.4, -0.2, 0.9))
    z = []
    for seed in range(200):
        est = kl_monte_carlo(0.3, 1.4, -0.2, 0.9, n=2_000, seed=seed)
        z.append((est.value - truth) / est.error)
    z = np.asarray(z)
    # mean of 200 N(0,1) draws has sd 0.07; the sd of z has sd about 0.05
    assert abs(z.mean()) < 4 * 1 / np.sqrt(200)
    assert 0.8 < z.std() < 1.2


def test_monte_carlo_is_deterministic_and_shrinks_with_n():
    a = kl_monte_carlo(1.0, 2.0, 0.0, 1.0, n=10_000, seed=7)
    b = kl_monte_carlo(1.0, 2.0, 0.0, 1.0, n=10_000, seed=7)
    c = kl_monte_carlo(1.0, 2.0, 0.0, 1.0, n=1_000_000, seed=7)
    assert a == b
    assert c.error < a.error / 8  # 1/sqrt(100) = 1/10, up to the spread of the sample std
    assert covers(c, kl_normal_ref(1.0, 2.0, 0.0, 1.0), 4)


def test_expect_monte_carlo_mean():
    est = expect_monte_carlo(lambda v: v, 5.0, 2.0, n=50_000, seed=1)
    assert abs(est.value - 5.0) < 4 * est.error


def test_quad_of_kl_near_q_equals_p_has_an_honest_bound():
    est = kl_quad(1e-9, 1.0, 0.0, 1.0)
    assert covers(est, kl_normal_ref(1e-9, 1.0, 0.0, 1.0))
    # and it resolves a KL of 5e-19: the integrand's terms are ~ delta = 1e-9,
    # so the rounding floor is ~40 u delta, 4e-6 of the KL
    assert est.error < 1e-4 * est.value


@pytest.mark.parametrize(
    "args, name",
    [
        ((0.0, 0.0, 0.0, 1.0), "sigma1"),
        ((0.0, 1.0, 0.0, -2.0), "sigma2"),
        ((np.nan, 1.0, 0.0, 1.0), "mu1"),
        ((0.0, 1.0, np.inf, 1.0), "mu2"),
    ],
    ids=case_id,
)
def test_bad_input(args, name):
    with pytest.raises(ValueError, match=name):
        kl_quad(*args)
    with pytest.raises(ValueError, match=name):
        kl_monte_carlo(*args, n=10)


def test_a_nan_from_func_is_an_error_not_a_result():
    with pytest.raises(ValueError, match="func"):
        expect_quad(lambda x: math.nan, 0.0, 1.0)
    with pytest.raises(ValueError, match="func"):
        expect_monte_carlo(lambda x: np.full_like(x, np.nan), 0.0, 1.0, n=10)


def test_bad_sample_size():
    with pytest.raises(ValueError, match="n must be"):
        kl_monte_carlo(0.0, 1.0, 0.0, 1.0, n=1)
    with pytest.raises(ValueError, match="n must be"):
        kl_monte_carlo(0.0, 1.0, 0.0, 1.0, n=10.5)


# --- extreme inputs: |mu| >> sigma, overflow, names of bad arguments -----------


@pytest.mark.parametrize(
    "args",
    [
        (
            1e10,
            1e-6,
            1e10,
            1.1e-6,
        ),  # issue 16: was -0.0161 +- 2.2e-8 (quad), -0.0158 +- 0.00053 (MC)
        (1e12, 1.0, 1e12 + 0.5, 1.0),
        (-3e15, 2.0, -3e15, 1.0),
    ],
    ids=case_id,
)
def test_mean_far_from_zero_keeps_its_precision(args):
    exact = kl_normal_ref(*args)
    quad, mc = kl_quad(*args), kl_monte_carlo(*args, n=100_000, seed=3)
    assert covers(quad, exact) and covers(mc, exact, K)
    # the bound is also useful: as tight as with the means at 0
    assert quad.error <= 1e-10 * float(exact)


def test_x_space_integrand_loses_z_when_the_mean_is_large():
    """What standardisation in x cannot fix, and why kl_quad works in z.

    The same KL through expect_quad and expect_monte_carlo with the log-ratio
    as a function of x: x = mu + sigma z rounds z to multiples of
    ulp(1e10)/1e-6 ~ 2, so the estimates are wrong (both near -0.016, as
    in issue 16), and their errors say so: they cover the true KL only by
    being larger than it.
    """
    m1, s1, m2, s2 = 1e10, 1e-6, 1e10, 1.1e-6
    exact = kl_normal_ref(m1, s1, m2, s2)

    def log_ratio(x):  # log q(x) - log p(x), the 1/sqrt(2 pi) cancelled
        return np.log(s2 / s1) - ((x - m1) / s1) ** 2 / 2 + ((x - m2) / s2) ** 2 / 2

    for naive in [expect_quad(log_ratio, m1, s1), expect_monte_carlo(log_ratio, m1, s1, n=10_000)]:
        assert covers(naive, exact, K) and naive.error > 10 * exact
    est = kl_quad(m1, s1, m2, s2)
    assert covers(est, exact) and est.error < 1e-10 * exact


def test_an_overflowing_kl_is_inf_not_nan():
    for args in [(0.0, 1e300, 0.0, 1e-300), (1e308, 1.0, -1e308, 1e-300), (0.0, 1e155, 0.0, 1.0)]:
        assert float(kl_normal_ref(*args)) == math.inf
        assert kl_quad(*args)[:2] == (math.inf, 0.0)  # certainly beyond the float range: exact
        assert kl_monte_carlo(*args, n=1_000)[:2] == (math.inf, math.inf)


def test_a_kl_at_the_overflow_threshold_has_an_infinite_error():
    """KL(N(0, r^2) || N(0, 1)) = 1.00000000000001 x the largest float: the value
    overflows, but its error bar (~1e-12 relative) straddles the float range."""
    target = mp.mpf(np.finfo(np.float64).max) * (1 + mp.mpf(1e-14))
    with mp.workdps(50):
        r = mp.sqrt(2 * target)
        for _ in range(5):  # r^2/2 - log r - 1/2 = target, by fixed-point iteration
            r = mp.sqrt(2 * (target + mp.log(r) + mp.mpf(1) / 2))
    exact = kl_normal_ref(0.0, float(r), 0.0, 1.0)
    assert abs(exact / target - 1) < 1e-15  # the float r is off by <= u relative
    est = kl_quad(0.0, float(r), 0.0, 1.0)
    assert est.value == math.inf and est.error == math.inf


def test_a_kl_just_below_overflow_is_finite_and_covered():
    for args in [
        (0.0, 1.3e154, 0.0, 1.0),
        (0.0, 1e150, 0.0, 1.0),
        (1e300, 1e300, -1e300, 1e300),
        (1e308, 1.0, -1e308, 1.7e308),
        (1e-300, 1e-310, 0.0, 1e-310),
    ]:
        exact = kl_normal_ref(*args)
        assert math.isfinite(float(exact))
        assert covers(kl_quad(*args), exact)
        assert covers(kl_monte_carlo(*args, n=10_000), exact, K)


@pytest.mark.parametrize(
    "value, match",
    [
        ([1.0], "mu1 must be a scalar"),
        ("1.0", "mu1"),
        (None, "mu1"),
        (np.ones((1, 1)), "mu1 must be a scalar"),
        (1 + 0j, "mu1"),
    ],
    ids=case_id,
)
def test_a_non_scalar_argument_is_named(value, match):
    with pytest.raises(ValueError, match=match):
        kl_quad(value, 1.0, 0.0, 1.0)
    with pytest.raises(ValueError, match=match):
        kl_monte_carlo(value, 1.0, 0.0, 1.0, n=10)


def test_numpy_and_integer_scalars_are_accepted():
    a = kl_quad(np.float32(1.0), np.float64(2.0), 0, np.array(1.0))
    assert a == kl_quad(1.0, 2.0, 0.0, 1.0)


# --- hypothesis: error bars cover the true error --------------------------------


@st.composite
def gaussian_pairs(draw):
    """(mu1, sigma1, mu2, sigma2) with sigma from 1e-290 to 1e290, |mu|/sigma up to 1e12
    (1e15 against the smaller sigma), scale ratios up to 1e+-150, and q near p."""
    e2 = draw(st.floats(-290, 290))
    sigma2 = 10.0**e2
    near = draw(st.booleans())
    if near:
        sigma1 = sigma2 * (1 + draw(st.floats(-1e-3, 1e-3)))
        delta = draw(st.floats(-1e-3, 1e-3))
    else:
        wide = draw(st.booleans())
        lim = 150 if wide else 3
        sigma1 = sigma2 * 10.0 ** draw(st.floats(max(-lim, -300 - e2), min(lim, 300 - e2)))
        delta = draw(st.floats(-5, 5))
    mu2 = draw(st.sampled_from([-1.0, 0.0, 1.0])) * sigma2 * 10.0 ** draw(st.floats(-3, 12))
    mu1 = mu2 + sigma2 * delta
    return mu1, sigma1, mu2, sigma2


@given(gaussian_pairs())
@settings(max_examples=300, deadline=None)
def test_quad_error_bound_covers_the_true_error(args):
    assert covers(kl_quad(*args), kl_normal_ref(*args))


@given(gaussian_pairs(), st.integers(0, 2**32 - 1))
@settings(max_examples=MC_EXAMPLES, deadline=None, derandomize=True)
def test_monte_carlo_error_covers_the_true_error(args, seed):
    assert covers(kl_monte_carlo(*args, n=10_000, seed=seed), kl_normal_ref(*args), K)


@given(st.floats(-1e12, 1e12), st.floats(-3, 3))
@settings(max_examples=100, deadline=None)
def test_expect_quad_and_monte_carlo_of_the_second_moment(mu, e):
    """E_q[x^2] = mu^2 + sigma^2 (exact in mpmath), with |mu|/sigma up to 1e15.

    x^2 is off by <= 3 u relative even where x = mu + sigma z rounds z, so here
    the generic functions' bounds hold whatever |mu|/sigma is."""
    sigma = 10.0**e
    with mp.workdps(50):
        exact = mp.mpf(mu) ** 2 + mp.mpf(sigma) ** 2
    assert covers(expect_quad(lambda x: x * x, mu, sigma), exact)
    assert covers(expect_monte_carlo(lambda x: x * x, mu, sigma, n=10_000, seed=5), exact, K)
