"""Checks behind the chapter "KL divergence, entropy and cross-entropy"."""

import math

import pytest
import sympy as sp

from kltools.chapters import kl_entropy_cross_entropy as chapter


def test_kl_is_cross_entropy_minus_entropy_exactly():
    values = chapter.worked_example()
    assert sp.simplify(values["ex_ce"] - values["ex_h"] - values["ex_kl"]) == 0


def test_the_example_against_the_definition_in_floats():
    q, p = (0.5, 0.3, 0.2), (0.4, 0.4, 0.2)
    kl = math.fsum(qi * math.log(qi / pi) for qi, pi in zip(q, p))
    assert abs(float(chapter.worked_example()["ex_kl"]) - kl) <= 4e-17


@pytest.mark.parametrize("parts, total", [
    (("ex_t1", "ex_t2"), "ex_kl"),
    (("ex_h_1", "ex_h_2", "ex_h_3"), "ex_h"),
    (("ex_ce_1", "ex_h_3"), "ex_ce"),
], ids=["kl-terms", "entropy-terms", "cross-entropy-terms"])
def test_the_rounded_numbers_in_the_text_add_up(parts, total):
    shown = chapter.glue_worked_example()
    # each shown number is off by at most half a unit in the 5th decimal
    assert abs(sum(shown[k] for k in parts) - shown[total]) <= 1e-5


def test_the_rounded_difference_in_the_text_adds_up():
    shown = chapter.glue_worked_example()
    assert abs(shown["ex_ce"] - shown["ex_h"] - shown["ex_kl"]) <= 1e-5


def test_the_scipy_check_can_fail():
    values = dict(chapter.worked_example())
    assert chapter.check_against_scipy(values).startswith("scipy")
    values["ex_kl"] = values["ex_kl"] + sp.Rational(1, 10**12)
    with pytest.raises(AssertionError):
        chapter.check_against_scipy(values)


def test_units_rescale_every_term():
    assert chapter.units_identity() == 0
    assert chapter.units_identity(sp.Integer(10)) == 0


def test_the_glued_directions_and_the_uniform_reference():
    assert "0.02582 nats > KL(q‖p) = 0.02527" in chapter.glue_other_direction()
    assert chapter.glue_uniform_reference().endswith(
        f"{math.log(3) - float(chapter.worked_example()['ex_h']):.5f} nats")
    bits = float(chapter.worked_example()["ex_kl"]) / math.log(2)
    assert chapter.glue_kl_in_bits().endswith(f"{bits:.5f} bits")


def test_the_log_split_needs_positivity():
    assert "refused" in chapter.check_log_split()
