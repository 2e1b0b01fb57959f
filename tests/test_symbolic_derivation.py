"""kltools.symbolic.derivation and the helpers the reader-question chapters use with it.

``substituting`` (display symbols replaced by their definitions, also inside
an Expectation), ``integral_under`` (the direct integral against a normal
density) and ``Equations`` (a block of generated equations).
"""

import pytest
import sympy as sp

from kltools.symbolic import (
    Derivation,
    Equations,
    Expectation,
    add,
    equivalent,
    frac,
    integral_under,
    kl_integral,
    kl_normal_textbook,
    latex,
    mu,
    mu1,
    mu2,
    normal_pdf,
    sigma,
    sigma1,
    sigma2,
    substituting,
    x,
)


def test_substituting_reaches_inside_an_expectation():
    f = sp.Symbol("f(x)")
    evaluate = substituting({f: (x - mu) ** 2 + 3 * x})
    assert equivalent(evaluate(Expectation(f, x, mu, sigma)), sigma**2 + 3 * mu)


def test_substituting_applies_definitions_in_order_even_when_they_bring_expectations():
    # a KL symbol defined by an expectation of density symbols, defined later
    q, p = sp.Symbol("q(x)", positive=True), sp.Symbol("p(x)", positive=True)
    kl = sp.Symbol(r"\mathrm{KL}(q\,\Vert\,p)")
    evaluate = substituting(
        [
            (kl, Expectation(sp.log(q / p), x, mu1, sigma1)),
            (q, normal_pdf(x, mu1, sigma1)),
            (p, normal_pdf(x, mu2, sigma2)),
        ]
    )
    assert equivalent(evaluate(kl + 1), kl_normal_textbook() + 1)


def test_substituting_as_a_derivation_evaluate_catches_a_wrong_step():
    v = sp.Symbol("v", real=True)
    var = sp.Symbol("sigma^2", positive=True)
    in_sigma = substituting([(v, sp.log(var)), (var, sigma**2)])
    d = Derivation("KL", (sigma**2 - 1) / 2 - sp.log(sigma), "", evaluate=in_sigma)
    d.step((var - 1 - sp.log(var)) / 2, "in the variance")
    d.step((sp.exp(v) - 1 - v) / 2, "in the log-variance")
    with pytest.raises(AssertionError):
        d.step((sp.exp(v) - 1) / 2 - v, "the log term counted twice")


def test_substituting_then_is_applied_last():
    a = sp.Symbol("a")
    assert substituting({a: 2}, then=lambda e: e + 1)(a**2) == 5


def test_integral_under_is_the_direct_integral():
    # against sympy's own integral of the density, done without the change of variable
    f = sp.expand((x - mu2) ** 2) + 3 * x
    direct = sp.integrate(normal_pdf(x, mu1, sigma1) * f, (x, -sp.oo, sp.oo))
    assert equivalent(integral_under(f, x, mu1, sigma1), direct)
    # and the KL, against kl_integral (the definition integrated in one piece)
    q, p = normal_pdf(x, mu, sigma), normal_pdf(x, 0, 1)
    assert equivalent(integral_under(sp.log(q / p), x, mu, sigma), kl_integral(q, p))


def test_integral_under_agrees_with_the_moments():
    f = sp.log(normal_pdf(x, mu2, sigma2))
    assert equivalent(integral_under(f, x, mu1, sigma1), Expectation(f, x, mu1, sigma1).doit())


def test_equations_render_each_row_from_its_expression():
    t = sp.Symbol("t", positive=True)
    h = t - 1 - sp.log(t)
    block = Equations(
        ("h(t)", h),
        ("h'(t)", (sp.diff(h, t), frac(t - 1, t)), "zero at $t = 1$"),
        (sp.Symbol("c"), add(1, t)),
    )
    text = block.latex()
    assert text.startswith("\\begin{aligned}") and text.endswith("\\end{aligned}")
    assert text.count("&=") == 3 and text.count(" \\\\\n") == 2
    assert latex(h) in text and r"\text{zero at $t = 1$}" in text
    assert f"{latex(sp.diff(h, t))} = {latex(frac(t - 1, t))}" in text
    assert "c &= 1 + t" in text  # a sympy lhs, and the written order kept
    assert block._repr_latex_().startswith("$\\displaystyle \\begin{aligned}")
    assert len(block) == 3


def test_reprs_are_deterministic_plain_text():
    # glue stores the text/plain repr and strict nbval compares it: no memory address
    t = sp.Symbol("t", positive=True)
    block = Equations(("h(t)", t - 1 - sp.log(t)), ("h(1)", (0, 0)))
    first, second = repr(block).splitlines()
    assert first.startswith("h(t) = ") and equivalent(
        sp.sympify(first[7:], locals={"t": t}), t - 1 - sp.log(t)
    )
    assert second == "h(1) = 0 = 0"
    d = Derivation("E", Expectation((x - mu) ** 2, x, mu, sigma), "definition").step(
        sigma**2, "moments"
    )
    assert " at 0x" not in repr(d) and repr(d).splitlines()[1].strip() == "= sigma^2"
