"""The derivation, checks and numbers of the chapter "The cross-entropy between two Gaussians".

q = N(μ₁, σ₁²) is the weight and p = N(μ₂, σ₂²) is inside the logarithm; H(q, p) is in
nats.  The functions take the chapter's derived results (``m2`` for E_q[(x − μ₂)²] and
``H`` for H(q, p)) and glue what the text shows.
"""

import numpy as np
import sympy as sp
from scipy import stats

from kltools import cross_entropy_normal, expect_monte_carlo, expect_quad
from kltools.notebook import glue
from kltools.symbolic import (Derivation, Expectation, add, equivalent, frac, half, integral,
                              mu, mu1, mu2, mul, normal_pdf, sigma, sigma1, sigma2,
                              with_densities, x)

__all__ = ["derive_cross_entropy", "glue_unit_prior", "glue_self_cross_entropy",
           "NUMERIC_POINTS", "check_numerically", "worked_example", "glue_worked_example",
           "glue_roles_swapped", "check_best_p", "check_mean_symmetries"]

# (mu_1, sigma_1, mu_2, sigma_2) of the numeric checks
NUMERIC_POINTS = ((0.0, 1.0, 0.0, 1.0), (1.0, 2.0, 0.0, 1.0), (0.0, 1.0, 1.0, 2.0),
                  (-3.0, 0.5, 2.0, 0.25), (5.0, 10.0, 4.0, 0.5))
EPS = float(np.finfo(float).eps)


def _under_q(f):
    return Expectation(f, x, mu1, sigma1)


def derive_cross_entropy(second_moment):
    """Derive H(q, p) step by step from its integral, and glue it with the decisive step.

    Glues ``second_moment`` (the given derivation) and ``cross_entropy_normal``, and prints
    the page's line.

    Parameters
    ----------
    second_moment : kltools.symbolic.Derivation
        The chapter's derivation of E_q[(x − μ₂)²] = σ₁² + (μ₁ − μ₂)².

    Returns
    -------
    kltools.symbolic.Derivation
        H(q, p), from the direct integral (first line) to
        ½ log(2πσ₂²) + (σ₁² + (μ₁ − μ₂)²)/(2σ₂²).

    Raises
    ------
    AssertionError
        If a step differs from the one before it.

    Examples
    --------
    >>> m2 = Derivation("m", _under_q((x - mu2)**2)).step(add(sigma1**2, (mu1 - mu2)**2))
    >>> H = derive_cross_entropy(m2)
    H(q, p): each step and the direct integral agree
    >>> len(H)
    4
    """
    q, p = sp.Function("q")(x), sp.Function("p")(x)
    both = {q: normal_pdf(x, mu1, sigma1), p: normal_pdf(x, mu2, sigma2)}
    H = Derivation("H(q, p)", -integral(mul(q, sp.log(p))), "definition",
                   evaluate=with_densities(both))
    H.step(-_under_q(sp.log(p)), r"as $\mathbb E_q$")
    log_term = half(sp.log(2 * sp.pi * sigma2**2))
    H.step(add(log_term, frac(_under_q((x - mu2)**2), 2 * sigma2**2)), r"$\log p$; linearity")
    H.step(add(log_term, frac(second_moment.final, 2 * sigma2**2)), "the decisive step")
    glue("second_moment", second_moment, display=False)
    glue("cross_entropy_normal", H, display=False)
    print("H(q, p): each step and the direct integral agree")
    return H


def glue_unit_prior(unit_cross_entropy):
    """Glue ``cross_entropy_unit``, H(q, N(0, 1)) as tutorials write it; check the blog.

    Parameters
    ----------
    unit_cross_entropy : sympy.Expr
        H(q, p) at μ₂ = 0, σ₂ = 1, in ``mu`` and ``sigma``.

    Returns
    -------
    str
        The verdict the page prints.

    Raises
    ------
    AssertionError
        If the textbook form differs from it, or the blog's first line (the entropy −E_q[log q])
        equals it anywhere but at its one stationary point μ = 0, σ = 1.

    Examples
    --------
    >>> print(glue_unit_prior(sp.log(2 * sp.pi) / 2 + (mu**2 + sigma**2) / 2))
    H(q, N(0, 1)) = ½ log 2π + (μ² + σ²)/2;
    the blog's first line is H(q), equal to it only at q = N(0, 1)
    """
    textbook = add(half(sp.log(2 * sp.pi)), frac(add(mu**2, sigma**2), 2))
    assert equivalent(textbook, unit_cross_entropy)
    glue("cross_entropy_unit", Derivation(r"H(q, \mathcal N(0, 1))", textbook), display=False)
    # the blog's first line, -E_q[log q], is the entropy; its gap to H_unit is the KL
    blog_first_line = -Expectation(sp.log(normal_pdf(x, mu, sigma)), x, mu, sigma).doit()
    gap = unit_cross_entropy - blog_first_line
    assert not equivalent(blog_first_line, unit_cross_entropy)
    stationary = sp.solve([sp.diff(gap, v) for v in (mu, sigma)], [mu, sigma], dict=True)
    assert stationary == [{mu: 0, sigma: 1}]
    assert sp.simplify(gap.subs(stationary[0])) == 0
    return ("H(q, N(0, 1)) = ½ log 2π + (μ² + σ²)/2;\n"
            "the blog's first line is H(q), equal to it only at q = N(0, 1)")


def glue_self_cross_entropy(cross_entropy):
    """Glue ``cross_entropy_self``: H(q, q) = ½ log(2πeσ₁²) = H(q), step by step.

    Parameters
    ----------
    cross_entropy : sympy.Expr
        H(q, p) in μ₁, σ₁, μ₂, σ₂.

    Returns
    -------
    str
        The verdict the page prints.

    Raises
    ------
    AssertionError
        If the first line is not H(q, p) at p = q, or a step differs from the one before,
        the last being the entropy by the normal moments.

    Examples
    --------
    >>> from kltools.symbolic import kl_normal_textbook
    >>> H_q = sp.log(2 * sp.pi * sp.E * sigma1**2) / 2
    >>> print(glue_self_cross_entropy(kl_normal_textbook() + H_q))
    H(q, q) = H(q)
    """
    H_q = sp.Symbol("H(q)")  # the entropy, here by the moments: -E_q[log q]
    entropy = -_under_q(sp.log(normal_pdf(x, mu1, sigma1))).doit()
    log_term = half(sp.log(2 * sp.pi * sigma1**2))
    self_ce = Derivation("H(q, q)", add(log_term, frac(sigma1**2, 2 * sigma1**2)),
                         r"$\mu_2 = \mu_1$, $\sigma_2 = \sigma_1$",
                         evaluate=lambda e: sp.sympify(e).doit().subs(H_q, entropy))
    assert equivalent(self_ce.result, cross_entropy.subs({mu2: mu1, sigma2: sigma1}))
    self_ce.step(add(log_term, sp.Rational(1, 2)), "")
    self_ce.step(half(sp.log(mul(2, sp.pi, sp.E, sigma1**2))), r"$\frac12 = \frac12\log e$")
    self_ce.step(H_q, "the entropy")
    glue("cross_entropy_self", self_ce, display=False)
    return "H(q, q) = H(q)"


def check_numerically(points=NUMERIC_POINTS, closed_form=cross_entropy_normal, n=100_000):
    """Check ``cross_entropy_normal`` by quadrature and Monte Carlo of −log p under q.

    Parameters
    ----------
    points : sequence of (float, float, float, float)
        The (μ₁, σ₁, μ₂, σ₂) to check; the i-th Monte Carlo run uses seed i.
    closed_form : callable
        (μ₁, σ₁, μ₂, σ₂) ↦ H(q, p) in nats.
    n : int
        Monte Carlo samples per point.

    Returns
    -------
    str
        The verdict the page prints.

    Raises
    ------
    AssertionError
        If quadrature is off by more than its error estimate, or Monte Carlo by more than
        four times its standard error (plus rounding), at any point.

    Examples
    --------
    >>> print(check_numerically(points=[(1.0, 2.0, 0.0, 1.0)], n=1000))
    quadrature and Monte Carlo agree with cross_entropy_normal at all 1
    points, within their own error estimates
    """
    for seed, (m1, s1, m2, s2) in enumerate(points):
        closed = float(closed_form(m1, s1, m2, s2))

        def neg_log_p(v, m2=m2, s2=s2):
            return -stats.norm.logpdf(v, m2, s2)

        quad = expect_quad(neg_log_p, m1, s1)
        mc = expect_monte_carlo(neg_log_p, m1, s1, n=n, seed=seed)
        assert abs(quad.value - closed) <= quad.error, (m1, s1, m2, s2, quad)
        assert abs(mc.value - closed) <= 4 * mc.error, (m1, s1, m2, s2, mc)
    return (f"quadrature and Monte Carlo agree with cross_entropy_normal at all {len(points)}"
            "\npoints, within their own error estimates")


def worked_example(second_moment, cross_entropy):
    """The worked example q = N(1, 2²), p = N(0, 1): H(q, p) = ½ log 2π + 5/2.

    Parameters
    ----------
    second_moment, cross_entropy : sympy.Expr
        E_q[(x − μ₂)²] and H(q, p) in μ₁, σ₁, μ₂, σ₂.

    Returns
    -------
    dict
        ``ex_half_log_2pi`` and ``ex_ce``, rounded to the 4 decimals the text shows.

    Raises
    ------
    AssertionError
        If E_q[x²] is not 5, H(q, p) not ½ log 2π + 5/2, or ``cross_entropy_normal`` is
        off by 4 ulp.

    Examples
    --------
    >>> from kltools.symbolic import cross_entropy_integral
    >>> q, p = normal_pdf(x, mu1, sigma1), normal_pdf(x, mu2, sigma2)
    >>> worked_example(sigma1**2 + (mu1 - mu2)**2, cross_entropy_integral(q, p))["ex_ce"]
    3.4189
    """
    point = {mu1: 1, sigma1: 2, mu2: 0, sigma2: 1}
    assert second_moment.subs(point) == 5
    ce_ex = cross_entropy.subs(point)
    assert equivalent(ce_ex, sp.log(2 * sp.pi) / 2 + sp.Rational(5, 2))
    closed = float(cross_entropy_normal(1.0, 2.0, 0.0, 1.0))
    assert abs(closed - float(ce_ex)) <= 4 * EPS * float(ce_ex)
    return {"ex_half_log_2pi": round(float(sp.log(2 * sp.pi) / 2), 4),
            "ex_ce": round(float(ce_ex), 4)}


def glue_worked_example(second_moment, cross_entropy):
    """Glue the worked example's numbers (see :func:`worked_example`).

    Parameters
    ----------
    second_moment, cross_entropy : sympy.Expr
        E_q[(x − μ₂)²] and H(q, p) in μ₁, σ₁, μ₂, σ₂.

    Returns
    -------
    str
        The line the page prints.

    Examples
    --------
    >>> H = sp.log(2 * sp.pi * sigma2**2) / 2 + (sigma1**2 + (mu1 - mu2)**2) / (2 * sigma2**2)
    >>> print(glue_worked_example(sigma1**2 + (mu1 - mu2)**2, H))
    H(N(1, 2²), N(0, 1)) = 3.4189 nats
    """
    shown = worked_example(second_moment, cross_entropy)
    for name, value in shown.items():
        glue(name, value, display=False)
    return f"H(N(1, 2²), N(0, 1)) = {shown['ex_ce']:.4f} nats"


def glue_roles_swapped(cross_entropy):
    """Glue ``ex_half_log_8pi`` and ``ex_ce_swapped``: H(p, q) of the pair (exercise 1).

    Parameters
    ----------
    cross_entropy : sympy.Expr
        H(q, p) in μ₁, σ₁, μ₂, σ₂.

    Returns
    -------
    str
        The line the page prints.

    Raises
    ------
    AssertionError
        If H(N(0, 1), N(1, 2²)) is not ½ log 8π + ¼, or the rounded parts do not add up.

    Examples
    --------
    >>> H = sp.log(2 * sp.pi * sigma2**2) / 2 + (sigma1**2 + (mu1 - mu2)**2) / (2 * sigma2**2)
    >>> print(glue_roles_swapped(H))
    H(N(0, 1), N(1, 2²)) = 1.8621 nats
    """
    ce_sw = cross_entropy.subs({mu1: 0, sigma1: 1, mu2: 1, sigma2: 2})
    assert equivalent(ce_sw, sp.log(8 * sp.pi) / 2 + sp.Rational(1, 4))
    half_log_8pi = round(float(sp.log(8 * sp.pi) / 2), 4)
    assert abs(half_log_8pi + 0.25 - round(float(ce_sw), 4)) <= 1e-4
    glue("ex_half_log_8pi", half_log_8pi, display=False)
    glue("ex_ce_swapped", round(float(ce_sw), 4), display=False)
    return f"H(N(0, 1), N(1, 2²)) = {float(ce_sw):.4f} nats"


def check_best_p(cross_entropy):
    """Check that p = q is the only stationary point of H(q, p) over p, and a minimum.

    Parameters
    ----------
    cross_entropy : sympy.Expr
        H(q, p) in μ₁, σ₁, μ₂, σ₂.

    Returns
    -------
    str
        The verdict the page prints (exercise 2).

    Raises
    ------
    AssertionError
        If the stationary points in (μ₂, σ₂) are not exactly p = q, or its Hessian is not
        positive definite.

    Examples
    --------
    >>> H = sp.log(2 * sp.pi * sigma2**2) / 2 + (sigma1**2 + (mu1 - mu2)**2) / (2 * sigma2**2)
    >>> print(check_best_p(H))
    the only stationary point is p = q, and it is a minimum
    """
    grad = [sp.diff(cross_entropy, v) for v in (mu2, sigma2)]
    assert sp.solve(grad, [mu2, sigma2], dict=True) == [{mu2: mu1, sigma2: sigma1}]
    hessian = sp.hessian(cross_entropy, (mu2, sigma2)).subs({mu2: mu1, sigma2: sigma1})
    assert all(sp.simplify(ev).is_positive for ev in hessian.eigenvals())
    return "the only stationary point is p = q, and it is a minimum"


def check_mean_symmetries(cross_entropy):
    """Check that a common shift and an exchange of the means leave H(q, p) alone.

    Parameters
    ----------
    cross_entropy : sympy.Expr
        H(q, p) in μ₁, σ₁, μ₂, σ₂.

    Returns
    -------
    str
        The verdict the page prints (exercise 3).

    Raises
    ------
    AssertionError
        If either changes H(q, p).

    Examples
    --------
    >>> H = sp.log(2 * sp.pi * sigma2**2) / 2 + (sigma1**2 + (mu1 - mu2)**2) / (2 * sigma2**2)
    >>> print(check_mean_symmetries(H))
    a common shift and an exchange of the means leave H(q, p) alone
    """
    c = sp.Symbol("c", real=True)
    assert equivalent(cross_entropy.subs({mu1: mu1 + c, mu2: mu2 + c}), cross_entropy)
    exchanged = cross_entropy.subs({mu1: mu2, mu2: mu1}, simultaneous=True)
    assert equivalent(exchanged, cross_entropy)
    return "a common shift and an exchange of the means leave H(q, p) alone"
