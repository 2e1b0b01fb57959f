"""The closed forms against the expressions the foundations chapters derive, and the
derivation helpers those chapters use.

* The closed forms in ``kltools`` against the expressions the chapters derive
  (sympy, evaluated with mpmath at 50 digits), to within 4 ulp, for the
  chapters on the entropy, the cross-entropy and the univariate KL; the
  accuracy chapter shows the measurements.
* The derivation helpers of ``kltools.symbolic`` that the chapters use: ``half``,
  ``integral``, ``with_densities``, ``termwise``, the deterministic repr of a
  ``Derivation``, and the faster direct integrals.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from kltools import cross_entropy_normal, entropy_normal, kl_normal, kl_std_normal
from kltools.accuracy import (
    GRIDS,
    entropy_normal_grid,
    kl_normal_grid,
    kl_normal_textbook,
    kl_std_normal_grid,
    max_ulp_error,
    reference_values,
)
from kltools.symbolic import (
    Derivation,
    Expectation,
    add,
    canonical,
    cross_entropy_integral,
    entropy_integral,
    equivalent,
    half,
    integral,
    kl_integral,
    latex,
    mu,
    mu1,
    mu2,
    mul,
    normal_pdf,
    sigma,
    sigma1,
    sigma2,
    termwise,
    with_densities,
    x,
)

MAX_ULP = 4  # the accuracy contract of kltools' closed forms (float64)
EPS = float(np.finfo(np.float64).eps)
V = sp.Symbol("v", real=True)  # the log-variance


@pytest.fixture(scope="module")
def derived():
    """The closed forms as the chapters derive them: from the direct integrals."""
    q, p = normal_pdf(x, mu1, sigma1), normal_pdf(x, mu2, sigma2)
    kl = canonical(cross_entropy_integral(q, p) - entropy_integral(q))
    kl_unit = kl.subs({mu2: 0, sigma2: 1, mu1: mu, sigma1: sigma})
    return {
        "entropy": entropy_integral(normal_pdf(x, mu, sigma)),
        "cross_entropy": cross_entropy_integral(q, p),
        "kl": kl,
        "kl_logvar": sp.expand(kl_unit.subs(sigma, sp.exp(V / 2))),
    }


# --- the closed forms against the derived expressions ---


@pytest.mark.parametrize("grid", GRIDS, ids=str)
def test_entropy_normal_over_the_whole_float_range(derived, grid):
    """Chapter 2: log(sigma) + log(2 pi)/2 + 1/2 on the accuracy grids, sigma from
    1e-300 to 1e300, and around the zero at sigma ~ 0.242 (the near grid), in ulps
    of the result."""
    sigmas = entropy_normal_grid(grid, 150, seed=1)
    assert max_ulp_error(entropy_normal, derived["entropy"], [sigma], sigmas[:, None]) <= MAX_ULP


def test_cross_entropy_normal_on_a_random_sample(derived):
    """Chapter 3: a seeded sample of (q, p), where the result is not near zero.

    cross_entropy_normal adds terms of both signs; near a zero of the result
    the relative error is unbounded, so those points are left out.
    """
    rng = np.random.default_rng(0)
    n = 200
    pts = np.column_stack(
        [
            rng.uniform(-5, 5, n),
            10 ** rng.uniform(-2, 2, n),
            rng.uniform(-5, 5, n),
            10 ** rng.uniform(-2, 2, n),
        ]
    )
    pts = pts[np.abs(cross_entropy_normal(*pts.T)) > 0.5]
    assert len(pts) > 150
    err = max_ulp_error(
        cross_entropy_normal, derived["cross_entropy"], (mu1, sigma1, mu2, sigma2), pts
    )
    assert err <= MAX_ULP


@pytest.mark.parametrize("grid", ["wide", "near"], ids=str)
def test_kl_normal_against_the_derived_kl(derived, grid):
    """Chapter 4: random parameters, and near-equal q, p (sigma_1 = sigma_2 (1 + e),
    1e-12 <= |e| <= 0.1), where the formula as written cancels."""
    pts = np.column_stack(kl_normal_grid(grid, 150, seed=1))
    assert max_ulp_error(kl_normal, derived["kl"], (mu1, sigma1, mu2, sigma2), pts) <= MAX_ULP


def test_the_textbook_formula_loses_every_digit_near_q_equal_p(derived):
    """Chapter 4's one sentence on accuracy: evaluated as written, eq. (eq-kl-normal) cancels.

    At sigma_1 = 1 + e with e <= 1e-9 the true KL is about e^2 <= 1e-18, below
    the rounding error (~1e-16) of the terms it is computed from: the relative
    error is of order 1 or more, on any CPU.
    """
    pts = np.array([[0.0, 1.0 + e, 0.0, 1.0] for e in (1e-9, -3e-10, 2e-11, 1e-12)])
    refs = reference_values(derived["kl"], (mu1, sigma1, mu2, sigma2), pts)
    rel = [abs(float(g) - float(r)) / float(r) for g, r in zip(kl_normal_textbook(*pts.T), refs)]
    assert min(rel) >= 0.01 and max(rel) >= 0.5
    assert max_ulp_error(kl_normal, derived["kl"], (mu1, sigma1, mu2, sigma2), pts) <= MAX_ULP


@pytest.mark.parametrize("grid", ["wide", "near"], ids=str)
def test_kl_std_normal_against_the_derived_logvar_form(derived, grid):
    """Chapter 4: the VAE term in v = log sigma^2, on a wide range and near v = 0."""
    assert equivalent(derived["kl_logvar"], -(1 + V - mu**2 - sp.exp(V)) / 2)
    pts = np.column_stack(kl_std_normal_grid(grid, 150, seed=1))
    assert max_ulp_error(kl_std_normal, derived["kl_logvar"], (mu, V), pts) <= MAX_ULP


# --- the derivation helpers -------------------------------------------------------


def test_half_displays_the_coefficient_first_and_evaluates_to_the_product():
    expr = half(sp.log(2 * sp.pi * sigma**2))
    assert latex(expr).startswith(r"\frac{1}{2} \log")
    assert expr.doit() == sp.log(2 * sp.pi * sigma**2) / 2
    assert latex(-half(add(1, V))) == r"- \frac{1}{2} \left(1 + v\right)"


def test_integral_is_over_the_real_line_and_keeps_its_factors_in_order():
    q = sp.Function("q")(x)
    shown = integral(mul(q, sp.log(q)))
    assert shown.limits == ((x, -sp.oo, sp.oo),)
    text = latex(shown)
    assert text.index("q{\\left(x \\right)} \\log") < text.index("dx")


def test_with_densities_evaluates_integrals_directly_and_expectations_by_moments():
    q, p = sp.Function("q")(x), sp.Function("p")(x)
    ev = with_densities({q: normal_pdf(x, mu1, sigma1), p: normal_pdf(x, mu2, sigma2)})
    direct = ev(-integral(mul(q, sp.log(p))))
    assert equivalent(
        direct, cross_entropy_integral(normal_pdf(x, mu1, sigma1), normal_pdf(x, mu2, sigma2))
    )
    by_moments = ev(-Expectation(sp.log(p), x, mu1, sigma1))
    assert equivalent(by_moments, direct)
    # no single density as the weight: the integrand is integrated as it is
    both_unit = with_densities({q: normal_pdf(x, 0, 1), p: normal_pdf(x, 0, 1)})
    assert sp.simplify(both_unit(integral(mul(q, p))) - 1 / (2 * sp.sqrt(sp.pi))) == 0


def test_a_derivation_with_densities_refuses_a_wrong_step():
    """The blog's slip: -int q log q is not the cross-entropy."""
    q, p = sp.Function("q")(x), sp.Function("p")(x)
    ev = with_densities({q: normal_pdf(x, mu, sigma), p: normal_pdf(x, 0, 1)})
    d = Derivation("H(q, p)", -integral(mul(q, sp.log(p))), "definition", evaluate=ev)
    with pytest.raises(AssertionError):
        d.step(-integral(mul(q, sp.log(q))), "the entropy's integral")
    d.step(add(half(sp.log(2 * sp.pi)), (mu**2 + sigma**2) / 2), "the N(0, 1) case")


def test_termwise_compares_sums_term_by_term_and_needs_shared_limits():
    i, n = sp.symbols("i n", integer=True, positive=True)
    qi, pi_ = sp.symbols("q_i p_i", positive=True)
    total = lambda f: sp.Sum(f, (i, 1, n))  # noqa: E731
    d = Derivation("KL", total(qi * sp.log(qi / pi_)), "definition", evaluate=termwise())
    d.step(add(total(qi * sp.log(qi)), -total(qi * sp.log(pi_))), "split the log")
    with pytest.raises(AssertionError):
        d.step(add(total(qi * sp.log(qi)), total(qi * sp.log(pi_))), "a sign slip")
    with pytest.raises(ValueError, match="limits"):
        termwise()(sp.Sum(qi, (i, 1, n)) - sp.Sum(qi, (i, 1, n + 1)))
    # real values that may be negative: the split of the log is refused
    t, s = sp.symbols("t_i s_i", real=True)
    with pytest.raises(AssertionError):
        Derivation("KL", total(t * sp.log(t / s)), evaluate=termwise()).step(
            add(total(t * sp.log(t)), -total(t * sp.log(s)))
        )


def test_a_glued_derivation_has_a_deterministic_plain_text():
    """glue stores the text/plain repr and strict nbval compares it: no memory address."""
    d = Derivation("E", Expectation((x - mu) ** 2, x, mu, sigma), "definition").step(
        sigma**2, "variance"
    )
    assert repr(d) == "E = E_q[(x - mu)^2]\n  = sigma^2"
    assert " at 0x" not in repr(d)


def test_the_fast_direct_integrals_agree_with_other_routes():
    """_weighted_integral standardises x = m + s z, with m and s read off the density.

    Against sympy integrating in x (quick only with a zero mean), and, with
    symbolic means, against the moments of Expectation (the mean and the scale
    given, not read off).
    """
    q0, p0 = normal_pdf(x, 0, sigma1), normal_pdf(x, 0, 1)
    in_x = sp.integrate(sp.expand(q0 * sp.expand(sp.expand_log(sp.log(p0)))), (x, -sp.oo, sp.oo))
    assert equivalent(-in_x, cross_entropy_integral(q0, p0))
    q, p = normal_pdf(x, mu1, sigma1), normal_pdf(x, mu2, sigma2)
    by_moments = -Expectation(sp.log(p), x, mu1, sigma1).doit()
    assert equivalent(cross_entropy_integral(q, p), by_moments)
    assert equivalent(kl_integral(q, p), cross_entropy_integral(q, p) - entropy_integral(q))


def test_a_weight_that_is_not_normal_is_integrated_as_it_is():
    from kltools.symbolic import _normal_parameters, _weighted_integral

    laplace = sp.exp(-sp.Abs(x)) / 2
    assert _normal_parameters(laplace, x) is None
    assert _normal_parameters(sp.exp(-(x**4)), x) is None
    assert _weighted_integral(laplace, x**2, x) == 2  # the variance of a unit Laplace
    m, s = _normal_parameters(normal_pdf(x, mu, sigma), x)
    assert m == mu and s == sigma
