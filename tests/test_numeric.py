"""Quadrature and Monte Carlo helpers: their values and their own error estimates."""

import numpy as np
import pytest

from kltools import Estimate, expect_monte_carlo, expect_quad, kl_monte_carlo, kl_normal, kl_quad


def test_quad_moments_within_error_bound():
    for mu, sigma in [(0.0, 1.0), (3.0, 0.01), (-1e3, 50.0)]:
        est = expect_quad(lambda v: v**2, mu, sigma)
        assert isinstance(est, Estimate) and est.method == "quad"
        assert abs(est.value - (mu**2 + sigma**2)) <= est.error


def test_monte_carlo_standard_error_is_honest():
    """Over 200 seeds, the z-scores of the estimate are ~N(0, 1)."""
    truth = float(kl_normal(0.3, 1.4, -0.2, 0.9))
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
    assert abs(c.value - float(kl_normal(1.0, 2.0, 0.0, 1.0))) < 4 * c.error


def test_expect_monte_carlo_mean():
    est = expect_monte_carlo(lambda v: v, 5.0, 2.0, n=50_000, seed=1)
    assert abs(est.value - 5.0) < 4 * est.error


def test_quad_of_kl_near_q_equals_p_has_an_honest_bound():
    est = kl_quad(1e-9, 1.0, 0.0, 1.0)
    assert abs(est.value - 0.5e-18) <= est.error


@pytest.mark.parametrize("args, name", [
    ((0.0, 0.0, 0.0, 1.0), "sigma1"),
    ((0.0, 1.0, 0.0, -2.0), "sigma2"),
    ((np.nan, 1.0, 0.0, 1.0), "mu1"),
    ((0.0, 1.0, np.inf, 1.0), "mu2"),
])
def test_bad_input(args, name):
    with pytest.raises(ValueError, match=name):
        kl_quad(*args)
    with pytest.raises(ValueError, match=name):
        kl_monte_carlo(*args, n=10)


def test_bad_sample_size():
    with pytest.raises(ValueError, match="n must be"):
        kl_monte_carlo(0.0, 1.0, 0.0, 1.0, n=1)
    with pytest.raises(ValueError, match="n must be"):
        kl_monte_carlo(0.0, 1.0, 0.0, 1.0, n=10.5)
