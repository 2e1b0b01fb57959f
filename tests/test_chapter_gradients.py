"""The gradients chapter's claims, recomputed from kltools (book/gradients.ipynb)."""

import pytest
import sympy as sp

from kltools import equivalent
from kltools.chapters import gradients as chapter
from kltools.symbolic import (Expectation, fisher_information, mu, mu1, mu2, normal_pdf, sigma,
                              sigma1, sigma2, x)

v, w = chapter.v, chapter.w
THETA = {"mu": mu1, "sigma": sigma1, "var": w, "log_var": v}
GRADS = {name: sp.diff(chapter.IN_THETA[theta], theta) for name, theta in THETA.items()}
LOG_Q = sp.expand_log(sp.log(normal_pdf(x, mu, sigma)))


def test_eq_kl_normal_from_the_moments_of_q():
    q, p = normal_pdf(x, mu1, sigma1), normal_pdf(x, mu2, sigma2)
    assert equivalent(Expectation(sp.log(q) - sp.log(p), x, mu1, sigma1).doit(), chapter.KL)


@pytest.mark.parametrize("name", list(THETA), ids=list(THETA))
def test_unit_prior_forms(name):
    unit = {mu2: 0, sigma2: 1}
    assert equivalent(chapter.UNIT_FORMS[name].doit(), GRADS[name].subs(unit))


def test_the_gradients_are_one_function_through_the_chain_rule():
    assert equivalent(GRADS["var"].subs(w, sigma1**2), GRADS["sigma"] / (2 * sigma1))
    assert equivalent(GRADS["log_var"].subs(v, sp.log(sigma1**2)), GRADS["sigma"] * sigma1 / 2)


@pytest.mark.parametrize("name", list(THETA), ids=list(THETA))
def test_second_derivatives(name):
    hessian = sp.diff(GRADS[name], THETA[name]).subs(w, sigma1**2)  # shown in sigma_1
    assert equivalent(chapter.HESS_FORMS[name], hessian)


def test_curvatures_of_a_narrow_posterior():
    narrow = {sigma1: sp.Rational(1, 100), v: sp.log(sp.Rational(1, 10**4)), mu2: 0, sigma2: 1}
    for name, (m, e) in chapter.NARROW_CURVATURES.items():
        value = sp.sympify(chapter.HESS_FORMS[name]).doit().subs(narrow)
        assert sp.simplify(m * sp.Integer(10) ** e - value) == 0, name


def test_fisher_entry_is_the_fisher_matrix_entry():
    assert chapter.fisher_entry(LOG_Q).result == fisher_information(LOG_Q, (mu, sigma), x, mu,
                                                                     sigma)[1, 1]


def test_finite_difference_check_refuses_a_wrong_gradient():
    rows = chapter.finite_difference_rows({"mu": GRADS["mu"] * 1.001})
    with pytest.raises(AssertionError):
        chapter.check_finite_differences(rows)


def test_hessian_check_refuses_a_wrong_fisher_matrix():
    wrong = {"sigma": sp.Matrix([[sigma**-2, 0], [0, 1 / sigma**2]])}
    with pytest.raises(AssertionError):
        chapter.check_fisher_is_kl_hessian(wrong, {"sigma": (sigma, sigma)})
