"""kltools.symbolic.matrix and kltools.symbolic.factors: the multivariate derivations' helpers.

Each helper is checked against something independent: a display against the
LaTeX a textbook prints, an expectation by moments against sympy's integral,
and a derivation against a deliberately wrong step, which must be refused.
"""

import pytest
import sympy as sp

from kltools.symbolic import (
    Derivation,
    Factor,
    FactorExpectation,
    FactorKL,
    GaussianDensity,
    Joint,
    add,
    cholesky_factor,
    det,
    equivalent,
    expect,
    explicit_evaluator,
    integral_against,
    latex,
    mat_add,
    mat_mul,
    normal_pdf,
    prefactor,
    scalar,
    transpose,
    factor_evaluator,
)

d = sp.Symbol("d", integer=True, positive=True)
x = sp.MatrixSymbol("x", d, 1)
mu = sp.MatrixSymbol(r"\mu", d, 1)
Sigma = sp.MatrixSymbol(r"\Sigma", d, d)
A = sp.MatrixSymbol("A", d, d)
L = sp.MatrixSymbol("L", d, d)


def explicit_case(n):
    """x ~ N(m, Sigma), Sigma = L L^T with L a symbolic Cholesky factor, and an A, n dimensions."""
    factor = cholesky_factor("l", n)
    return factor, explicit_evaluator(
        {
            "x": sp.ImmutableMatrix(sp.symbols(f"x_1:{n + 1}", real=True)),
            r"\mu": sp.ImmutableMatrix(sp.symbols(f"m_1:{n + 1}", real=True)),
            "L": factor,
            r"\Sigma": factor * factor.T,
            "A": sp.ImmutableMatrix(n, n, lambda i, j: sp.Symbol(f"A_{i + 1}{j + 1}", real=True)),
        },
        {d: n},
    )


def test_displays_read_like_a_textbook():
    r = mat_add(x, -mu)
    assert (
        latex(scalar(mat_mul(transpose(r), Sigma.I, r)))
        == r"\left(x - \mu\right)^{\top} \Sigma^{-1} \left(x - \mu\right)"
    )
    assert latex(det(Sigma)) == r"\det \Sigma"
    assert latex(det(mat_mul(2, sp.pi, sp.E, Sigma))) == r"\det\left(2 \pi e \Sigma\right)"
    assert (
        latex(sp.Trace(mat_mul(Sigma.I, Sigma)))
        == r"\operatorname{tr}\left(\Sigma^{-1} \Sigma \right)"
    )  # not simplified to tr(I)
    assert (
        latex(prefactor(sp.Rational(1, 2), add(1, d), "[]")) == r"\frac{1}{2} \left[1 + d\right]"
    )
    assert "i_{1}" not in latex(scalar(mat_mul(transpose(mu), A, mu)) / 2)  # no index double sum
    with pytest.raises(ValueError, match="1 x 1"):
        scalar(mat_mul(mu, transpose(mu)))


def test_cholesky_factor_gives_every_spd_matrix_once():
    factor = cholesky_factor("a", 2)
    sym = factor * factor.T
    assert sym == sym.T
    assert sp.simplify(sym.det() - factor[0, 0] ** 2 * factor[1, 1] ** 2) == 0
    assert (
        factor[0, 0].is_positive
        and factor[1, 1].is_positive
        and factor[1, 0].is_real
        and factor[0, 1] == 0
    )
    assert "d" not in {s.name[0] for s in factor.free_symbols}  # d is the dimension only


@pytest.mark.parametrize("n", [2, 3], ids=["d=2", "d=3"])
def test_vector_expectation_by_moments_equals_the_integral(n):
    factor, at_n = explicit_case(n)
    quadratic = at_n(expect(scalar(mat_mul(transpose(x), A, x)), x, mu, L, ""))
    closed = at_n(add(sp.Trace(mat_mul(A, Sigma)), scalar(mat_mul(transpose(mu), A, mu))))
    assert equivalent(quadratic, closed)
    if n == 2:  # and the moments agree with sympy's integral of the density
        xs, m = at_n(x), at_n(mu)
        density = GaussianDensity("q", x, mu, Sigma)
        by_integral = integral_against(
            at_n(density), at_n(scalar(mat_mul(transpose(x), A, x))), xs, m, factor
        )
        assert equivalent(by_integral, quadratic)


def test_matrix_expectation_is_the_second_moment():
    factor, at_2 = explicit_case(2)
    second = at_2(expect(mat_mul(x, transpose(x)), x, mu, L))
    m = at_2(mu)
    assert all(equivalent(a, b) for a, b in zip(second, factor * factor.T + m * m.T))


def test_a_wrong_matrix_step_is_refused():
    _, at_2 = explicit_case(2)
    D = Derivation(
        r"\mathbb{E}[x^\top A x]",
        expect(scalar(mat_mul(transpose(x), A, x)), x, mu, L, ""),
        evaluate=at_2,
    )
    with pytest.raises(AssertionError):
        D.step(sp.Trace(mat_mul(A, Sigma)), "the mean term forgotten")
    D.step(add(sp.Trace(mat_mul(A, Sigma)), scalar(mat_mul(transpose(mu), A, mu))), "right")
    assert len(D) == 2


def test_trace_of_identity_is_the_dimension():
    for n in (2, 3):
        _, at_n = explicit_case(n)
        assert sp.simplify(at_n(sp.Trace(mat_mul(Sigma.I, Sigma)))) == n


def test_integral_against_refuses_a_wrong_density():
    x1 = sp.Symbol("x_1", real=True)
    m, s = sp.Symbol("m", real=True), sp.Symbol("s", positive=True)
    v = sp.Matrix([x1])
    assert (
        integral_against(normal_pdf(x1, m, s), sp.Integer(1), v, sp.Matrix([m]), sp.Matrix([[s]]))
        == 1
    )
    with pytest.raises(ValueError, match="not that of"):
        integral_against(normal_pdf(x1, m, 2 * s), x1, v, sp.Matrix([m]), sp.Matrix([[s]]))


def test_gaussian_density_integrates_to_one_and_has_its_entropy():
    factor, at_2 = explicit_case(2)
    q = at_2(GaussianDensity("q", x, mu, Sigma))
    xs, m = at_2(x), at_2(mu)
    assert sp.simplify(integral_against(q, sp.Integer(1), xs, m, factor)) == 1
    entropy = integral_against(q, -sp.log(q), xs, m, factor)
    assert equivalent(entropy, sp.log(2 * sp.pi * sp.E * factor[0, 0] * factor[1, 1]))


# --- independent factors -----------------------------------------------------

j = sp.Symbol("j", integer=True, positive=True)
xi = sp.IndexedBase("x")
xs = sp.symbols("x_1 x_2", real=True)
m1, s1 = sp.symbols("m_1 m_2", real=True), sp.symbols("s_1 s_2", positive=True)
m2, s2 = sp.symbols("n_1 n_2", real=True), sp.symbols("t_1 t_2", positive=True)
at_2 = factor_evaluator(xs, {"q": list(zip(m1, s1)), "p": list(zip(m2, s2))}, {d: 2})
qj, pj = Factor("q", j, xi[j]), Factor("p", j, xi[j])
q = Joint("q", sp.Symbol("x"))


def test_expectation_over_a_factor_integrates_that_variable_only():
    both = at_2(FactorExpectation(xi[1] * xi[2], q))
    assert equivalent(both, m1[0] * m1[1])
    first_only = at_2(FactorExpectation(xi[1] * xi[2], Factor("q", 1, xi[1])))
    assert equivalent(first_only, m1[0] * xs[1])  # x_2 stays: E_{q_1} does not integrate it


def test_a_step_from_E_q_to_E_qj_is_refused_for_a_term_in_two_variables():
    D = Derivation("E", sp.Sum(FactorExpectation(xi[j] * xi[1], q), (j, 1, d)), evaluate=at_2)
    with pytest.raises(AssertionError):
        D.step(sp.Sum(FactorExpectation(xi[j] * xi[1], qj), (j, 1, d)), "not a term in x_j alone")


def test_factor_kl_is_the_univariate_kl():
    kl = at_2(sp.Sum(FactorKL(qj, Factor("p", j, xi[j])), (j, 1, d)))
    univariate = [
        sp.log(b / a) + (a**2 + (u - w) ** 2) / (2 * b**2) - sp.Rational(1, 2)
        for u, a, w, b in zip(m1, s1, m2, s2)
    ]
    assert equivalent(kl, sum(univariate))
    assert latex(FactorKL(qj, pj)) == r"\mathrm{KL}\left(q_{j} \,\Vert\, p_{j}\right)"
