"""The checks and numbers of the chapter "The entropy of a Gaussian".

The chapter derives H(q) = ½ log(2πeσ²) for q = N(μ, σ²) (in nats).  The functions here
take the derived result (``H.result`` of the chapter's ``Derivation``), check it against
the direct integral, the closed form ``kltools.entropy_normal`` evaluates, quadrature and
Monte Carlo, and glue the numbers the text shows.
"""

import numpy as np
import sympy as sp
from scipy import stats

from kltools import entropy_normal, expect_monte_carlo, expect_quad
from kltools.notebook import glue
from kltools.symbolic import (Derivation, Expectation, add, equivalent, frac, half, mu, mul,
                              normal_pdf, sigma, x)
from kltools.symbolic import entropy_integral as _entropy_integral

__all__ = ["glue_log_density", "glue_entropy", "glue_sigma_zero", "NUMERIC_POINTS",
           "check_numerically", "worked_example", "glue_worked_example", "check_scaling",
           "glue_one_nat_one_bit", "check_monte_carlo_variance"]

# (mu, sigma) of the numeric checks: sigma from 1e-4 to 20, and near sigma_0
NUMERIC_POINTS = ((0.0, 1.0), (3.0, 0.1), (-50.0, 20.0), (1e3, 1e-4), (0.0, 0.2419))
EPS = float(np.finfo(float).eps)


def glue_log_density():
    """Glue ``log_normal_pdf``, log q(x) as a constant and a quadratic, and return it.

    The displayed form is asserted equal to ``sp.log(normal_pdf(x, mu, sigma))``, and the
    page's line is printed.

    Parameters
    ----------
    None

    Returns
    -------
    sympy.Expr
        −½ log(2πσ²) − (x − μ)²/(2σ²).

    Raises
    ------
    AssertionError
        If the displayed form is not the log of the density.

    Examples
    --------
    >>> log_q = glue_log_density()
    log q(x) = −½ log(2πσ²) − (x − μ)²/(2σ²), for every x
    """
    log_q = add(-half(sp.log(2 * sp.pi * sigma**2)), -frac((x - mu)**2, 2 * sigma**2))
    assert equivalent(log_q, sp.log(normal_pdf(x, mu, sigma)))
    glue("log_normal_pdf", Derivation(r"\log q(x)", log_q), display=False)
    print("log q(x) = −½ log(2πσ²) − (x − μ)²/(2σ²), for every x")
    return log_q


def glue_entropy(derivation):
    """Glue ``entropy_normal``, after checking the derivation's last line again.

    Parameters
    ----------
    derivation : kltools.symbolic.Derivation
        The chapter's derivation of H(q), whose first line is the direct integral.

    Returns
    -------
    str
        The verdict the page prints.

    Raises
    ------
    AssertionError
        If the result differs from the direct integral, from log σ + ½ log 2π + ½ (the
        form ``entropy_normal`` evaluates), or depends on μ.

    Examples
    --------
    >>> H = Derivation("H(q)", half(sp.log(mul(2, sp.pi, sp.E, sigma**2))))
    >>> print(glue_entropy(H))
    H(q) = ½ log(2πeσ²): each step and the direct integral agree
    """
    glue("entropy_normal", derivation, display=False)
    derivation.check(_entropy_integral(normal_pdf(x, mu, sigma)), "the direct integral")
    assert equivalent(derivation.result, sp.log(sigma) + sp.log(2 * sp.pi) / 2 + sp.S.Half)
    assert not derivation.result.has(mu)
    return "H(q) = ½ log(2πeσ²): each step and the direct integral agree"


def glue_sigma_zero(entropy):
    """Glue ``sigma_zero`` (1/√(2πe), displayed) and ``sigma_zero_value``, where H = 0.

    Parameters
    ----------
    entropy : sympy.Expr
        H(q) in terms of ``sigma``.

    Returns
    -------
    str
        The line the page prints.

    Raises
    ------
    AssertionError
        If H = 0 has not exactly one root 1/√(2πe), or ``entropy_normal`` does not change
        sign there.

    Examples
    --------
    >>> print(glue_sigma_zero(sp.log(2 * sp.pi * sp.E * sigma**2) / 2))
    σ₀ = 1/√(2πe) = 0.2420; H(q) < 0 below it, > 0 above it
    """
    root = sp.sqrt(mul(2, sp.pi, sp.E), evaluate=False)
    sigma_0 = sp.Pow(root, -1, evaluate=False)  # 1/sqrt(2 pi e), as displayed
    roots = sp.solve(sp.Eq(entropy, 0), sigma)
    assert len(roots) == 1 and equivalent(sigma_0, roots[0])
    glue("sigma_zero", Derivation(r"\sigma_0", sigma_0), display=False)
    s0 = float(roots[0])
    glue("sigma_zero_value", round(s0, 4), display=False)
    assert entropy_normal(s0 * 0.99) < 0 < entropy_normal(s0 * 1.01)
    return f"σ₀ = 1/√(2πe) = {s0:.4f}; H(q) < 0 below it, > 0 above it"


def check_numerically(points=NUMERIC_POINTS, closed_form=entropy_normal, n=100_000):
    """Check ``entropy_normal`` by quadrature and Monte Carlo of −log q under q.

    Parameters
    ----------
    points : sequence of (float, float)
        The (μ, σ) to check; the i-th Monte Carlo run uses seed i.
    closed_form : callable
        σ ↦ H(q) in nats; ``entropy_normal`` by default.
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
    >>> print(check_numerically(points=[(0.0, 1.0)], n=1000))
    quadrature and Monte Carlo agree with entropy_normal at all 1
    points, within their own error estimates
    """
    for seed, (m, s) in enumerate(points):
        closed = float(closed_form(s))

        def neg_log_q(v, m=m, s=s):
            return -stats.norm.logpdf(v, m, s)

        quad = expect_quad(neg_log_q, m, s)
        mc = expect_monte_carlo(neg_log_q, m, s, n=n, seed=seed)
        assert abs(quad.value - closed) <= quad.error, (m, s, quad)
        assert abs(mc.value - closed) <= 4 * mc.error, (m, s, mc)
    return (f"quadrature and Monte Carlo agree with entropy_normal at all {len(points)}\n"
            "points, within their own error estimates")


def worked_example(entropy):
    """The worked example q = N(0, 2²): H(q) = ½(log 8π + 1), exactly and as shown.

    Parameters
    ----------
    entropy : sympy.Expr
        H(q) in terms of ``sigma``.

    Returns
    -------
    dict
        ``ex_log8pi``, ``ex_h`` and ``ex_h_unit`` (H of N(0, 1)), rounded to 4 decimals.

    Raises
    ------
    AssertionError
        If H at σ = 2 is not ½(log 8π + 1), or ``entropy_normal(2)`` is off by 12 ulp.

    Examples
    --------
    >>> worked_example(sp.log(2 * sp.pi * sp.E * sigma**2) / 2)["ex_h"]
    2.1121
    """
    h_ex = entropy.subs(sigma, 2)
    assert equivalent(h_ex, (sp.log(8 * sp.pi) + 1) / 2)
    assert abs(float(entropy_normal(2.0)) - float(h_ex)) <= 4 * EPS * 3
    return {"ex_log8pi": round(float(sp.log(8 * sp.pi)), 4),
            "ex_h": round(float(h_ex), 4),
            "ex_h_unit": round(float(entropy.subs(sigma, 1)), 4)}


def glue_worked_example(entropy):
    """Glue the worked example's numbers (see :func:`worked_example`).

    Parameters
    ----------
    entropy : sympy.Expr
        H(q) in terms of ``sigma``.

    Returns
    -------
    str
        The line the page prints.

    Examples
    --------
    >>> print(glue_worked_example(sp.log(2 * sp.pi * sp.E * sigma**2) / 2))
    H(N(0, 2²)) = 2.1121 nats
    """
    shown = worked_example(entropy)
    for name, value in shown.items():
        glue(name, value, display=False)
    return f"H(N(0, 2²)) = {shown['ex_h']:.4f} nats"


def check_scaling(entropy):
    """Check that σ → cσ adds log c to H(q) (exercise 1).

    Parameters
    ----------
    entropy : sympy.Expr
        H(q) in terms of ``sigma``.

    Returns
    -------
    str
        The verdict the page prints.

    Raises
    ------
    AssertionError
        If H(cσ) − H(σ) is not log c.

    Examples
    --------
    >>> print(check_scaling(sp.log(2 * sp.pi * sp.E * sigma**2) / 2))
    H(N(μ, (cσ)²)) = H(N(μ, σ²)) + log c
    """
    c = sp.Symbol("c", positive=True)
    assert equivalent(entropy.subs(sigma, c * sigma), entropy + sp.log(c))
    return "H(N(μ, (cσ)²)) = H(N(μ, σ²)) + log c"


def glue_one_nat_one_bit(entropy):
    """Glue ``ex_sigma_nat`` and ``ex_sigma_bit``, the σ with H = 1 nat and 1 bit.

    Parameters
    ----------
    entropy : sympy.Expr
        H(q) in terms of ``sigma``.

    Returns
    -------
    str
        The line the page prints (exercise 2).

    Raises
    ------
    AssertionError
        If sympy's single root is not √(e/2π) (1 nat) or √(2/(πe)) (1 bit).

    Examples
    --------
    >>> print(glue_one_nat_one_bit(sp.log(2 * sp.pi * sp.E * sigma**2) / 2))
    1 nat at σ = 0.6577, 1 bit at σ = 0.4839
    """
    by_hand = {1: sp.sqrt(sp.E / (2 * sp.pi)), sp.log(2): sp.sqrt(2 / (sp.pi * sp.E))}
    for target, answer in by_hand.items():
        roots = sp.solve(sp.Eq(entropy, target), sigma)
        assert len(roots) == 1 and equivalent(roots[0], answer), (target, roots)
    nat, bit = float(by_hand[1]), float(by_hand[sp.log(2)])
    glue("ex_sigma_nat", round(nat, 4), display=False)
    glue("ex_sigma_bit", round(bit, 4), display=False)
    return f"1 nat at σ = {nat:.4f}, 1 bit at σ = {bit:.4f}"


def check_monte_carlo_variance(log_q):
    """Check Var_q[−log q(x)] = ½ for every μ and σ (exercise 3).

    Parameters
    ----------
    log_q : sympy.Expr
        log q(x) of q = N(μ, σ²).

    Returns
    -------
    str
        The verdict the page prints.

    Raises
    ------
    AssertionError
        If the variance, by the normal moments, is not ½.

    Examples
    --------
    >>> print(check_monte_carlo_variance(sp.log(normal_pdf(x, mu, sigma))))
    Var_q[−log q(x)] = ½ for every μ and σ
    """
    mean = Expectation(-log_q, x, mu, sigma).doit()
    variance = Expectation((-log_q - mean) ** 2, x, mu, sigma).doit()
    assert sp.simplify(variance) == sp.Rational(1, 2), variance
    return "Var_q[−log q(x)] = ½ for every μ and σ"
