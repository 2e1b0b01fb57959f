"""The diagonal-VAE chapter's checks (kltools.chapters.diagonal_vae) must be able to fail."""

import numpy as np
import pytest
import sympy as sp

from kltools.chapters import diagonal_vae as chapter

REDUCTIONS = [("sum", "sum", "mean", "mean", 1.0), ("sum", "mean", "mean", "mean", 1 / 32),
              ("mean", "sum", "mean", "mean", 784.0), ("sum", "sum", "mean", "sum", 128.0)]


@pytest.mark.parametrize("pixels, latent, b_rec, b_kl, beta", REDUCTIONS,
                         ids=["elbo", "mean-latents", "mean-pixels", "sum-kl-batch"])
def test_effective_beta(pixels, latent, b_rec, b_kl, beta):
    assert chapter.effective_beta(pixels, latent, b_rec, b_kl) == pytest.approx(beta, rel=1e-15)


def test_additivity_check_refuses_a_wrong_integral():
    direct = chapter.direct_integrals()
    wrong = dict(direct, H=direct["H"] + sp.Rational(1, 10))
    with pytest.raises(AssertionError):
        chapter.check_additivity(chapter.evaluator_d2(), wrong, np.random.default_rng(0))


def test_worked_example_check_refuses_the_unindexed_sum():
    mu, v, j = chapter.mu, chapter.v, chapter.j
    copies = chapter.form(v[1], -mu[1] ** 2, -sp.exp(v[1]))  # d copies of the first term
    assert chapter.check_worked_example(chapter.form(v[j], -mu[j] ** 2, -sp.exp(v[j])))
    with pytest.raises(AssertionError):
        chapter.check_worked_example(copies)
