"""Checks behind the chapter "The cross-entropy between two Gaussians", from kltools."""

import math

import numpy as np
import pytest

from kltools.chapters import gaussian_cross_entropy as chapter
from kltools.chapters import gaussian_entropy
from kltools.symbolic import (Derivation, Expectation, add, cross_entropy_integral, mu, mu1,
                              mu2, normal_pdf, sigma, sigma1, sigma2, x)


@pytest.fixture(scope="module")
def cross_entropy():
    """H(q, p) by sympy's direct integral of the definition."""
    return cross_entropy_integral(normal_pdf(x, mu1, sigma1), normal_pdf(x, mu2, sigma2))


def second_moment():
    under_q = Expectation((x - mu1 + mu1 - mu2)**2, x, mu1, sigma1)
    return Derivation("m", under_q).step(add(sigma1**2, (mu1 - mu2)**2))


def test_the_derivation_reaches_the_direct_integral(cross_entropy):
    H = chapter.derive_cross_entropy(second_moment())
    H.check(cross_entropy, "the direct integral")


def test_a_wrong_decisive_step_is_refused():
    wrong = Derivation("m", sigma1**2 + mu2**2)  # the N(0, 1)-style shortcut
    with pytest.raises(AssertionError):
        chapter.derive_cross_entropy(wrong)


def test_the_worked_example_adds_up_as_shown(cross_entropy):
    shown = chapter.worked_example(sigma1**2 + (mu1 - mu2)**2, cross_entropy)
    assert abs(shown["ex_half_log_2pi"] + 2.5 - shown["ex_ce"]) <= 1e-4
    # the entropy chapter's worked example, H(N(1, 2^2)), is smaller, as the text says
    h_q = gaussian_entropy.worked_example(
        cross_entropy.subs({mu1: mu, sigma1: sigma, mu2: mu, sigma2: sigma}))["ex_h"]
    assert h_q == round(0.5 * math.log(8 * math.pi * math.e), 4) and shown["ex_ce"] > h_q


def test_the_unit_prior_form_and_the_blog(cross_entropy):
    unit = cross_entropy.subs({mu2: 0, sigma2: 1, mu1: mu, sigma1: sigma})
    assert "only at q = N(0, 1)" in chapter.glue_unit_prior(unit)


def test_the_numeric_check_fails_on_a_wrong_closed_form():
    def wrong(m1, s1, m2, s2):  # the spread around mu_2 forgotten
        return 0.5 * np.log(2 * np.pi * s2**2) + s1**2 / (2 * s2**2)

    with pytest.raises(AssertionError):
        chapter.check_numerically(points=[(1.0, 2.0, 0.0, 1.0)], n=10_000, closed_form=wrong)


@pytest.mark.parametrize("check, wrong_term", [
    (chapter.glue_self_cross_entropy, sigma2 / 7),
    (chapter.check_best_p, mu2 / 7),
    (chapter.check_mean_symmetries, mu1 / 7),
    (chapter.glue_roles_swapped, sigma2 / 7),
], ids=["self", "best-p", "mean-symmetries", "roles-swapped"])
def test_the_exercises_hold_and_fail_on_a_wrong_cross_entropy(cross_entropy, check, wrong_term):
    check(cross_entropy)
    with pytest.raises(AssertionError):
        check(cross_entropy + wrong_term)
