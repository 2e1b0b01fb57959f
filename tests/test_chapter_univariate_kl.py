"""Checks behind the chapter "The KL between two univariate Gaussians", from kltools."""

import math

import numpy as np
import pytest
import sympy as sp

from kltools.chapters import univariate_kl as chapter
from kltools.symbolic import (Derivation, canonical, cross_entropy_integral, entropy_integral,
                              equivalent, kl_integral, mu1, mu2, normal_pdf, sigma1, sigma2, x)

Q, P = normal_pdf(x, mu1, sigma1), normal_pdf(x, mu2, sigma2)


@pytest.fixture(scope="module")
def kl():
    """KL(q‖p) as cross-entropy minus entropy, both by sympy's direct integrals."""
    return canonical(cross_entropy_integral(Q, P) - entropy_integral(Q))


@pytest.fixture(scope="module")
def reverse():
    """KL(p‖q) by sympy's direct integral of p log(p/q)."""
    return kl_integral(P, Q)


def test_the_kl_check_fails_on_a_wrong_result(kl):
    chapter.glue_kl(Derivation("KL", kl))
    with pytest.raises(AssertionError):
        chapter.glue_kl(Derivation("KL", kl + sp.log(sigma1) / 2))


def test_the_worked_example_adds_up_as_shown(kl):
    shown = chapter.worked_example(kl)
    assert abs(2 - shown["ex_log2"] - shown["ex_kl"]) <= 1e-4
    assert equivalent(shown["parts"], shown["kl"])  # cross-entropy minus entropy, by hand
    # the split in the text: the width's share, and the mean's one half
    assert equivalent(shown["width_share"], sp.Rational(3, 2) - sp.log(2))
    assert equivalent(shown["kl"] - shown["width_share"], sp.Rational(1, 2))


def test_the_width_forms_and_their_rates(kl, reverse):
    kl_qp, kl_pq = chapter.width_forms(kl, reverse)
    chapter.check_width_rates(kl_qp, kl_pq)
    with pytest.raises(AssertionError):
        chapter.check_width_rates(kl_qp, kl_pq + 1 / chapter.R)


def test_one_nat_of_slack_by_hand_roots():
    kl_qp = (chapter.R**2 - 1) / 2 - sp.log(chapter.R)
    low, high = chapter.one_nat_of_slack(kl_qp, kl_qp.subs(chapter.R, 1 / chapter.R))
    for s in (low, high):
        assert math.isclose(0.5 * (s * s - 1) - math.log(s), 1.0, abs_tol=1e-11)


def test_the_numeric_check_fails_on_the_forward_direction():
    def swapped(m1, s1, m2, s2):
        return 0.5 * (s2**2 / s1**2 + (m1 - m2) ** 2 / s1**2 - 1) + np.log(s1 / s2)

    with pytest.raises(AssertionError):
        chapter.check_numerically(points=[(1.0, 2.0, 0.0, 1.0)], n=10_000, closed_form=swapped)


def _width(r):
    return 0.5 * (r * r - 1) - np.log(r)


@pytest.mark.parametrize("plot, solid_y, dashed_y", [
    (chapter.plot_against_mean, lambda m: m * m / 2, lambda m: m * m / 2),
    (chapter.plot_against_sd, _width, lambda s: _width(1 / s)),
], ids=["against-mean", "against-sd"])
def test_the_figures_plot_both_directions(plot, solid_y, dashed_y):
    import matplotlib.pyplot as plt

    fig = plot(show=False)
    solid, dashed = fig.axes[0].lines
    grid = solid.get_xdata()
    assert np.allclose(solid.get_ydata(), solid_y(grid), rtol=1e-12, atol=1e-15)
    assert np.allclose(dashed.get_ydata(), dashed_y(grid), rtol=1e-12, atol=1e-15)
    plt.close(fig)


def test_the_narrow_display_shows_each_step_whole_and_in_order():
    from kltools.symbolic import add, frac, latex

    spread = frac(sigma1**2 + (mu1 - mu2) ** 2, 2 * sigma2**2)
    step = add(sp.log(sigma2 / sigma1), spread, -sp.S.Half)
    rows = chapter.narrow_rows(Derivation("K", step), [[1]], alone=True)
    assert rows[0] == "&K" and rows[1].startswith("&= ") and rows[2].startswith(r"&\quad {} + ")
    pieces = [rows[1][len("&= "):], rows[2][len(r"&\quad {} "):]]
    assert " ".join(pieces) == latex(step)  # every term, in the order derived
    with pytest.raises(AssertionError):  # a cut that leaves an empty line
        chapter.narrow_rows(Derivation("K", step), [[1, 1]])
