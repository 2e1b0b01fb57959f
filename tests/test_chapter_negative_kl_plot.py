"""Checks behind the chapter "Why did my KL plot go negative?", from kltools.

Gibbs' inequality (eq-gibbs) is asserted step by step here, and for Gaussian pairs by
quadrature; the thread's answer is checked against eq-kl-delta-r.
"""

import numpy as np
import pytest
import sympy as sp
from scipy import integrate, optimize, stats

from kltools import kl_normal
from kltools.chapters import negative_kl_plot as chapter
from kltools.symbolic import (Derivation, equivalent, kl_normal_textbook, mu, mu1, mu2,
                              normal_pdf, sigma, sigma1, sigma2, x)

PAIRS = [(0.0, 1.0, 1.0, 2.0), (0.3, 0.5, -1.0, 1.5), (2.0, 3.0, 0.0, 1.0)]


def test_gibbs_steps_symbolically():
    rho, q_, p_ = sp.symbols("rho q p", positive=True)
    h_rho = chapter.h_of_t.subs(chapter.t, rho)
    assert equivalent(-sp.log(rho), h_rho - (rho - 1))  # line 2
    assert equivalent(q_ * (p_ / q_), p_)  # line 3: E_q[rho] is the integral of p
    for m, s in [(mu1, sigma1), (mu2, sigma2)]:  # line 4: both densities integrate to 1
        assert sp.integrate(normal_pdf(x, m, s), (x, -sp.oo, sp.oo)) == 1


@pytest.mark.parametrize("m1, s1, m2, s2", PAIRS, ids=["wider-p", "narrow-q", "wide-q"])
def test_gibbs_chain_by_quadrature(m1, s1, m2, s2):
    """E_q[h(rho)] against kl_normal; q h(rho) from log-densities (p − q(1 + log rho) where
    rho is huge), within quad's error estimate plus 8 ulp."""
    def q_h_rho(x_):
        log_q = stats.norm.logpdf(x_, m1, s1)
        log_rho = stats.norm.logpdf(x_, m2, s2) - log_q
        if log_rho < 50:
            return np.exp(log_q) * (np.expm1(log_rho) - log_rho)
        return np.exp(log_q + log_rho) - np.exp(log_q) * (1 + log_rho)

    value, abserr = integrate.quad(q_h_rho, -np.inf, np.inf)
    exact = float(kl_normal(m1, s1, m2, s2))
    assert abs(value - exact) <= abserr + 8 * np.finfo(float).eps * exact


def test_the_threads_answer_is_the_kl_with_the_roles_swapped():
    answer = sp.log(sigma) + (1 + mu**2) / (2 * sigma**2) - chapter.one_half
    swapped = {mu1: 0, sigma1: 1, mu2: mu, sigma2: sigma}
    assert equivalent(answer, kl_normal_textbook().subs(swapped))
    assert not equivalent(answer, kl_normal_textbook().subs({mu1: mu, sigma1: sigma, mu2: 0,
                                                             sigma2: 1}))


def test_the_closed_forms_and_their_tolerance():
    f_10 = chapter.F_10
    spurious = optimize.brentq(chapter.kl_log10, 0.1, 0.9, xtol=1e-14)
    sigma_0, tol = chapter.glue_log10_closed_forms(
        sp.solve(f_10, sigma), sp.solve(sp.diff(f_10, sigma), sigma), spurious)
    assert abs(chapter.kl_log10(float(sigma_0))) <= 1e-15
    with pytest.raises(AssertionError):  # a root found 1e-9 off is outside the tolerance
        chapter.glue_log10_closed_forms(sp.solve(f_10, sigma),
                                        sp.solve(sp.diff(f_10, sigma), sigma), spurious + 1e-9)


def test_the_definition_check_fails_on_a_wrong_kl():
    chapter.check_against_definition(Derivation(chapter.KL, kl_normal_textbook()))
    with pytest.raises(AssertionError):
        chapter.check_against_definition(Derivation(chapter.KL, kl_normal_textbook() / 2))


def test_the_comment_formula_is_negative_above_one():
    kl_qp, kl_pq = chapter.glue_unit_derivatives(kl_normal_textbook())
    chapter.glue_comment_formula(kl_qp, kl_pq)
    c = 1 / (2 * sigma**2) - chapter.one_half - sp.log(sigma)
    assert all(float(c.subs(sigma, s)) < 0 for s in (1.01, 2, 10))
    with pytest.raises(AssertionError):
        chapter.glue_comment_formula(kl_pq, kl_qp)


def test_a_negative_sigma_is_refused_by_name():
    assert chapter.negative_sigma_error().startswith("ValueError: sigma1 must be > 0")
