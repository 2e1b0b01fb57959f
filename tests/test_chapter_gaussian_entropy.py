"""Checks behind the chapter "The entropy of a Gaussian", recomputed from kltools."""

import math

import numpy as np
import pytest

from kltools.chapters import gaussian_entropy as chapter
from kltools.symbolic import entropy_integral, mu, normal_pdf, sigma, x


@pytest.fixture(scope="module")
def entropy():
    """H(q) by sympy's direct integral of the definition, not by the chapter's steps."""
    return entropy_integral(normal_pdf(x, mu, sigma))


def test_the_worked_example_adds_up_as_shown(entropy):
    shown = chapter.worked_example(entropy)
    assert abs((shown["ex_log8pi"] + 1) / 2 - shown["ex_h"]) <= 1e-4
    assert shown["ex_h"] == round(0.5 * math.log(8 * math.pi * math.e), 4)
    assert abs(shown["ex_h"] - shown["ex_h_unit"] - math.log(2)) <= 1e-4  # doubling σ


def test_the_zero_of_the_entropy(entropy):
    line = chapter.glue_sigma_zero(entropy)
    assert f"{1 / math.sqrt(2 * math.pi * math.e):.4f}" in line


def test_the_numeric_check_fails_on_a_wrong_closed_form():
    with pytest.raises(AssertionError):
        chapter.check_numerically(points=[(0.0, 1.0)], n=10_000,
                                  closed_form=lambda s: np.log(s) + 0.5 * np.log(2 * np.pi) + 0.51)


@pytest.mark.parametrize("check", [chapter.check_scaling, chapter.glue_one_nat_one_bit],
                         ids=["scaling", "one-nat-one-bit"])
def test_the_exercises_fail_on_a_wrong_entropy(entropy, check):
    check(entropy)
    with pytest.raises(AssertionError):
        check(entropy + sigma / 10)


def test_the_variance_of_minus_log_q_is_a_half_and_the_check_can_fail():
    log_q = chapter.glue_log_density()
    chapter.check_monte_carlo_variance(log_q)
    with pytest.raises(AssertionError):
        chapter.check_monte_carlo_variance(2 * log_q)
