"""The diagonal-VAE chapter's checks (kltools.chapters.diagonal_vae) must be able to fail."""

import numpy as np
import pytest
import sympy as sp

from kltools.chapters import diagonal_vae as chapter
from kltools.symbolic import Derivation

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


def _unbroken(lines):
    text = " ".join(lines)
    for mark in (r"\right.", r"\left.", "{}"):
        text = text.replace(mark, "")
    return "".join(text.split())


@pytest.mark.parametrize("sizes", [[1], [2], [1, 1], [1, 2]])
def test_broken_lines_are_the_expression_as_printed(sizes):
    """Breaking a step into lines adds line markup only: no term is lost, moved or changed."""
    mu, sigma, j = chapter.mu, chapter.sigma, chapter.j
    expr = chapter.form(2 * sp.log(sigma[j]), -mu[j] ** 2, -sigma[j] ** 2)
    lines = chapter.broken(expr, sizes)
    assert len(lines) == len(sizes) + 1
    assert _unbroken(lines) == "".join(chapter.latex(expr).split())


def test_broken_refuses_an_expression_without_a_sum():
    with pytest.raises(ValueError, match="sizes"):
        chapter.broken(chapter.mu[chapter.j] ** 2, [1])


def test_stacked_shows_every_step_and_reason():
    a = sp.Symbol("a")
    d = Derivation("f", 2 * a, "definition").step(chapter.add(a, a), "split")
    text = chapter.stacked(d)
    assert text.count(r"\\") == 4 and "(definition)" in text and "(split)" in text
