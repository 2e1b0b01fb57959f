"""The sympy helpers: derivations, canonical forms, and equivalent()."""

import sympy as sp

from kltools.symbolic import (
    canonical,
    counterexample,
    cross_entropy_integral,
    entropy_integral,
    equivalent,
    half_log_form,
    kl_integral,
    kl_normal_textbook,
    mu,
    mu1,
    mu2,
    normal_pdf,
    sigma,
    sigma1,
    sigma2,
    x,
)

t = sp.Symbol("t", real=True)  # a real symbol that may be negative


def test_normal_pdf_integrates_to_one():
    assert sp.simplify(sp.integrate(normal_pdf(x, mu, sigma), (x, -sp.oo, sp.oo))) == 1


def test_entropy_of_a_gaussian():
    h = entropy_integral(normal_pdf(x, mu, sigma))
    assert equivalent(h, sp.log(2 * sp.pi * sp.E * sigma**2) / 2)
    assert not h.has(mu)  # the entropy does not depend on the mean
    assert equivalent(half_log_form(h), h)


def test_cross_entropy_against_a_general_gaussian():
    ce = cross_entropy_integral(normal_pdf(x, mu1, sigma1), normal_pdf(x, mu2, sigma2))
    assert equivalent(
        ce, sp.log(2 * sp.pi * sigma2**2) / 2 + (sigma1**2 + (mu1 - mu2) ** 2) / (2 * sigma2**2)
    )


def test_kl_by_two_routes():
    q, p = normal_pdf(x, mu1, sigma1), normal_pdf(x, mu2, sigma2)
    assembled = cross_entropy_integral(q, p) - entropy_integral(q)
    direct = kl_integral(q, p)
    assert equivalent(assembled, direct)
    assert equivalent(direct, kl_normal_textbook())


def test_equivalent_respects_positivity():
    assert equivalent(sp.log(sigma**2), 2 * sp.log(sigma))
    assert equivalent(sp.sqrt(sigma**2), sigma)
    assert not equivalent(sp.log(t**2), 2 * sp.log(t))  # false for t < 0
    assert not equivalent(sp.sqrt(t**2), t)
    assert equivalent(sp.sqrt(t**2), sp.Abs(t))


def test_equivalent_rejects_near_misses():
    textbook = kl_normal_textbook()
    assert not equivalent(textbook, textbook + sp.Rational(1, 10**12))
    assert not equivalent(textbook, textbook.subs(sigma1, sigma2))
    assert not equivalent(sp.log(sigma), sp.log(sigma, 10))


def test_counterexample_reports_a_point():
    ce = counterexample(sp.log(t**2), 2 * sp.log(t))
    assert ce is not None and ce["point"][t] < 0
    assert counterexample(sp.log(sigma**2), 2 * sp.log(sigma)) is None


def test_canonical_is_equal_to_its_input():
    expr = (
        sp.log(sigma2)
        - sp.log(sigma1)
        + (sigma1**2 + mu1**2 - 2 * mu1 * mu2 + mu2**2) / (2 * sigma2**2)
        - sp.Rational(1, 2)
    )
    form = canonical(expr)
    assert equivalent(form, expr)
    assert form.count(sp.log) == 1  # the logs are combined into one


# --- step-by-step derivations -------------------------------------------------

from kltools.symbolic import Derivation, Expectation, add, frac, latex, mul  # noqa: E402


def test_expectation_by_moments_equals_the_integral():
    e = Expectation(sp.expand((x - mu2) ** 2) + 3 * x, x, mu1, sigma1)
    by_integral = sp.integrate(
        normal_pdf(x, mu1, sigma1) * ((x - mu2) ** 2 + 3 * x), (x, -sp.oo, sp.oo)
    )
    assert equivalent(e.doit(), by_integral)
    assert equivalent(e.doit(), sigma1**2 + (mu1 - mu2) ** 2 + 3 * mu1)


def test_expectation_refuses_what_it_cannot_integrate():
    import pytest

    with pytest.raises(ValueError, match="not a polynomial"):
        Expectation(sp.exp(x), x, mu, sigma).doit()


def test_readable_forms_keep_their_order_and_their_value():
    expr = add(
        sp.log(sigma2 / sigma1),
        frac(add(sigma1**2, (mu1 - mu2) ** 2), 2 * sigma2**2),
        -sp.Rational(1, 2),
    )
    text = latex(expr)
    assert text.index(r"\log") < text.index(r"\frac{\sigma_{1}^{2}") < text.index(r"- \frac{1}{2}")
    assert equivalent(expr, kl_normal_textbook())
    assert latex(mul(2, sigma)) == r"2 \sigma"


def test_derivation_asserts_every_step():
    import pytest

    d = Derivation("E", Expectation((x - mu2) ** 2, x, mu1, sigma1), "definition")
    d.step(
        add(
            Expectation((x - mu1) ** 2, x, mu1, sigma1),
            mul(2, mu1 - mu2, Expectation(x - mu1, x, mu1, sigma1)),
            (mu1 - mu2) ** 2,
        ),
        "expand",
    )
    d.step(add(sigma1**2, (mu1 - mu2) ** 2), "moments")
    with pytest.raises(AssertionError, match="step 4 is not equal to step 3"):
        d.step(add(sigma1**2, mu1**2), "a slip: the cross term dropped")
    assert len(d) == 3  # the wrong step was not appended
    with pytest.raises(AssertionError):
        d.check(sigma1**2)
    d.check(
        cross_entropy_integral(normal_pdf(x, mu1, sigma1), normal_pdf(x, mu2, sigma2))
        * 2
        * sigma2**2
        - sp.log(2 * sp.pi * sigma2**2) * sigma2**2,
        "2 sigma_2^2 (H(q, p) - log(2 pi sigma_2^2) / 2)",
    )
    shown = d.latex()
    assert (
        shown.startswith("\\begin{aligned}")
        and shown.count("&=") == 3
        and r"\text{moments}" in shown
    )
    assert d._repr_latex_().startswith("$\\displaystyle \\begin{aligned}")


def test_a_displayed_half_is_compared_as_a_number():
    """half(...) wraps 1/2 in UnevaluatedExpr; a wrong right-hand side is still refuted."""
    import sympy as sp

    from kltools.symbolic import add, counterexample, equivalent, frac, half, mu, sigma

    shown = add(half(sp.log(2 * sp.pi)), frac(add(mu**2, sigma**2), 2))
    right = sp.log(2 * sp.pi) / 2 + (mu**2 + sigma**2) / 2
    assert equivalent(shown, right)
    assert not equivalent(shown, right + sigma**2 / 10)
    found = counterexample(shown, right + sigma**2 / 10)
    assert found is not None and abs(found["a"] - found["b"]) > 0
