"""The full-covariance chapter's checks (kltools.chapters.full_covariance) must be able to fail.

The chapter's hidden cells call these checks and print their verdicts; here each is given
a wrong input, and the numerics section's bounds are checked on fresh random pairs.
"""

import numpy as np
import pytest
import sympy as sp

from kltools.chapters import full_covariance as chapter
from kltools.symbolic import mat_add, mat_mul

KL_TYPED = chapter.half * (chapter.tr(mat_mul(chapter.Sigma2.I, chapter.Sigma1))
                           + chapter.quad(mat_add(chapter.mu2, -chapter.mu1), chapter.Sigma2.I)
                           - chapter.d + sp.log(sp.Determinant(chapter.Sigma2)
                                                / sp.Determinant(chapter.Sigma1)))


def test_kl_reductions_hold_for_the_textbook_kl():
    assert chapter.check_kl_reductions(KL_TYPED).endswith("log lambda_j)")


def test_kl_reductions_refuse_a_wrong_kl():
    with pytest.raises(AssertionError):
        chapter.check_kl_reductions(KL_TYPED + chapter.d / 100)


def test_worked_example_refuses_wrong_parts():
    with pytest.raises(AssertionError):
        chapter.worked_example(KL_TYPED, 5, 2, -sp.log(2))


def test_quadratic_expectation_refuses_a_wrong_step():
    wrong = chapter.tr(mat_mul(chapter.A, chapter.Sigma))  # the mean term left out
    with pytest.raises(AssertionError):
        chapter.check_quadratic_expectation([(wrong, "")], np.random.default_rng(0), n=3,
                                            samples=1000)


def test_ill_conditioned_bounds_on_fresh_pairs():
    rows = chapter.ill_conditioned_errors(np.random.default_rng(1), trials=2)
    chapter.check_error_bounds(rows)
    assert [round(np.log10(kappa)) for kappa, _ in rows] == [6, 8, 10, 12]


def test_error_bounds_refuse_an_error_beyond_kappa_eps():
    rows = [(1e6, {"inverse": 1e-10, "kl_mvn": 1e-11}), (1e8, {"inverse": 1e-5, "kl_mvn": 1e-9})]
    with pytest.raises(AssertionError):
        chapter.check_error_bounds(rows)


def test_kl_mvn_stays_accurate_at_q_near_p():
    errors = chapter.well_conditioned_errors(np.random.default_rng(1))
    assert errors["kl_mvn"] <= 64 * 8 * np.finfo(float).eps
    assert errors["inverse"] > 1e3 * errors["kl_mvn"]


def test_underflow_comparison():
    text = chapter.underflow_comparison(1e-4 * np.eye(100))
    assert text.startswith("naive: nan") and "9.657359028" in text
