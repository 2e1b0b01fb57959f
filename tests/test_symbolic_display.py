"""kltools.symbolic.display (scaled, Display, aligned rows), with substitute into an Expectation,
matrices_equivalent and fisher_information, which the numerics chapters use."""

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

from kltools.symbolic import (
    Derivation,
    Display,
    Expectation,
    add,
    equivalent,
    fisher_information,
    latex,
    matrices_equivalent,
    mu,
    normal_pdf,
    scaled,
    sigma,
    substitute,
    x,
)

from ._ids import case_id

v = sp.Symbol("v", real=True)


# --- kltools.symbolic: displays ------------------------------------------------


def test_scaled_keeps_the_factor_in_front_and_the_value():
    expr = scaled(sp.Rational(1, 2), add(sp.exp(v), -1))
    assert latex(expr) == r"\frac{1}{2} \left(e^{v} - 1\right)"
    assert equivalent(expr.doit(), (sp.exp(v) - 1) / 2)
    assert not equivalent(expr.doit(), sp.exp(v) - 1)


def test_display_of_a_derivation_has_its_latex_and_a_fixed_repr():
    d = Derivation("E", Expectation((x - mu) ** 2, x, mu, sigma), "definition").step(
        sigma**2, "variance"
    )
    shown = Display(d)
    assert shown.latex() == d.latex()
    assert shown._repr_latex_() == d._repr_latex_()
    assert repr(shown) == "<Display: derivation>" and "0x" not in repr(shown)


def test_display_aligned_rows_and_notes():
    shown = Display.aligned(("a", sigma**2, "why"), (sp.Symbol("b"), 1 / sigma))
    text = shown.latex()
    assert text.startswith("\\begin{aligned}") and text.count("&=") == 2
    assert r"a &= \sigma^{2} && \text{why}" in text and r"b &= \frac{1}{\sigma}" in text
    assert repr(shown) == "<Display: 2 equations>"
    assert repr(Display.aligned(("a", 1))) == "<Display: 1 equation>"


def test_substitute_reaches_inside_expectations():
    y = sp.Symbol("y")
    e = Expectation(y**2, x, mu, sigma) / 2 + y
    got = substitute(e, {y: x - mu})
    assert equivalent(got.doit(), sigma**2 / 2 + x - mu)
    assert equivalent(
        e.subs(y, x - mu).doit(), got.doit()
    )  # plain subs rebuilds an Expectation too
    assert isinstance(substitute(Expectation(y, x, mu, sigma, name="p"), {y: x}), Expectation)
    assert latex(substitute(Expectation(y, x, mu, sigma, name="p"), {y: x})).startswith(
        r"\mathbb{E}_{p}"
    )


# --- kltools.symbolic: matrices and the Fisher information ----------------------


def test_matrices_equivalent_compares_entries_under_the_assumptions():
    t = sp.Symbol("t", real=True)
    assert matrices_equivalent(
        sp.Matrix([[sp.log(sigma**2), 0]]), sp.Matrix([[2 * sp.log(sigma), 0]])
    )
    assert not matrices_equivalent(sp.Matrix([[sp.log(t**2)]]), sp.Matrix([[2 * sp.log(t)]]))
    assert not matrices_equivalent(sp.eye(2), sp.eye(3))


def _fisher_by_quadrature(score, m, s):
    """E_q[score score^T] by mpmath quadrature: independent of the moment method."""
    q = lambda t: mp.npdf(t, m, s)  # noqa: E731
    n = len(score)
    return [
        [
            float(mp.quad(lambda t: q(t) * score[i](t) * score[j](t), [-mp.inf, m, mp.inf]))
            for j in range(n)
        ]
        for i in range(n)
    ]


@pytest.mark.parametrize("name", ["sigma", "var", "log_var", "log_sigma"], ids=case_id)
def test_fisher_information_of_the_normal_family(name):
    log_q = sp.expand_log(sp.log(normal_pdf(x, mu, sigma)))
    psi = {"sigma": sigma, "var": sp.Symbol("w", positive=True), "log_var": v, "log_sigma": v}[
        name
    ]
    std = {"sigma": sigma, "var": sp.sqrt(psi), "log_var": sp.exp(v / 2), "log_sigma": sp.exp(v)}[
        name
    ]
    F = fisher_information(log_q.subs(sigma, std), (mu, psi), x, mu, std)
    # textbook values (e.g. Amari & Nagaoka): 1/sigma^2 for the mean; 2/sigma^2, 1/(2 sigma^4),
    # 1/2, 2 for the scale
    scale = {
        "sigma": 2 / std**2,
        "var": 1 / (2 * std**4),
        "log_var": sp.Rational(1, 2),
        "log_sigma": 2,
    }[name]
    assert matrices_equivalent(F, sp.Matrix([[1 / std**2, 0], [0, scale]]))
    # and numerically, by quadrature of the score's outer product at one point
    point = {mu: sp.Rational(3, 10), psi: sp.Rational(7, 10)}
    scores = [
        sp.lambdify(x, sp.diff(log_q.subs(sigma, std), t).subs(point), "mpmath") for t in (mu, psi)
    ]
    got = _fisher_by_quadrature(scores, float(point[mu]), float(std.subs(point)))
    np.testing.assert_allclose(got, np.array(F.subs(point), dtype=float), rtol=1e-10, atol=1e-12)


def test_fisher_information_refuses_an_unnormalised_density():
    # log q + mu * x is not a log-density of N(mu, sigma^2): score and Hessian forms disagree
    log_q = sp.expand_log(sp.log(normal_pdf(x, mu, sigma))) + mu**2 * x
    with pytest.raises(AssertionError):
        fisher_information(log_q, (mu, sigma), x, mu, sigma)
