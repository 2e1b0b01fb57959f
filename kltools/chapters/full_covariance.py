"""The full-covariance chapter: its matrix symbols, the explicit cases, and its checks.

The derivations are written for any dimension d with sympy's matrix symbols, and every step
is asserted on symbolic 2 x 2 Cholesky factors (:func:`evaluator_d2`).  The ``check_*``
functions test ``kltools.kl_mvn`` and the chapter's identities and return the verdicts the
page prints; the measurements of the numerics section are here too.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import sympy as sp

from kltools.baselines import kl_mvn_cholesky_textbook, kl_mvn_naive
from kltools.symbolic import (GaussianDensity, cholesky_factor, equivalent, expect,
                              explicit_evaluator, frac, integral_against, logdet, mat_add,
                              mat_mul, mul, prefactor, scalar, transpose)

__all__ = [
    "d", "x", "A", "mu", "Sigma", "mu1", "mu2", "Sigma1", "Sigma2", "L", "L_1", "half", "tr",
    "T", "L1", "L2", "M1", "M2", "X", "q_x", "p_x", "H_qp", "H_q", "explicit_case",
    "evaluator_d2", "quad", "half_of", "consts", "E_q", "E", "direct_integrals",
    "check_quadratic_expectation", "check_kl_reductions", "worked_example",
    "check_kl_mvn_by_monte_carlo", "check_kl_mvn_special_cases", "check_cholesky_identities",
    "underflow_comparison", "not_positive_definite", "kl_reference", "relative_errors",
    "ill_conditioned_errors", "check_error_bounds", "well_conditioned_errors",
]

d = sp.Symbol("d", integer=True, positive=True)  # the dimension
x, A = sp.MatrixSymbol("x", d, 1), sp.MatrixSymbol("A", d, d)
mu, Sigma = sp.MatrixSymbol(r"\mu", d, 1), sp.MatrixSymbol(r"\Sigma", d, d)
mu1, mu2 = sp.MatrixSymbol(r"\mu_1", d, 1), sp.MatrixSymbol(r"\mu_2", d, 1)
Sigma1, Sigma2 = sp.MatrixSymbol(r"\Sigma_1", d, d), sp.MatrixSymbol(r"\Sigma_2", d, d)
L, L_1 = sp.MatrixSymbol("L", d, d), sp.MatrixSymbol("L_1", d, d)
half, tr, T = sp.Rational(1, 2), sp.Trace, transpose
#: d = 2: symbolic Cholesky factors of q and p, their means, and x.
L1, L2 = cholesky_factor("a", 2), cholesky_factor("b", 2)
M1 = sp.ImmutableMatrix(sp.symbols("m_1 m_2", real=True))
M2 = sp.ImmutableMatrix(sp.symbols("n_1 n_2", real=True))
X = sp.ImmutableMatrix(sp.symbols("x_1 x_2", real=True))
q_x, p_x = GaussianDensity("q", x, mu1, Sigma1), GaussianDensity("p", x, mu2, Sigma2)
H_qp, H_q = sp.Symbol("H(q, p)"), sp.Symbol("H(q)")  # shown as such in the KL


def explicit_case(n, factor, mean):
    """Explicit matrices for x ~ N(mean, factor factor^T) in n dimensions, and an A.

    Parameters
    ----------
    n : int
        The dimension.
    factor : sympy.Matrix
        A Cholesky factor, n x n.
    mean : sympy.Matrix
        The mean, n x 1.

    Returns
    -------
    dict
        Matrix-symbol name to explicit matrix: ``x`` (symbols x_1..x_n), the mean, the
        covariance, the factor ``L``, and ``A`` (symbols A_ij).

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.chapters.full_covariance import explicit_case
    >>> explicit_case(1, sp.Matrix([[2]]), sp.Matrix([0]))[r"\\Sigma"]
    Matrix([[4]])
    """
    return {
        "x": sp.ImmutableMatrix(sp.symbols(f"x_1:{n + 1}", real=True)),
        r"\mu": mean,
        r"\Sigma": factor * factor.T,
        "L": factor,
        "A": sp.ImmutableMatrix(n, n, lambda i, j: sp.Symbol(f"A_{i + 1}{j + 1}", real=True)),
    }


def evaluator_d2():
    """How each step is evaluated for the assertions: at d = 2, on :data:`L1`, :data:`L2`.

    Parameters
    ----------
    None

    Returns
    -------
    callable
        ``at_2(expr)``: the expression with every matrix symbol replaced by its explicit
        2 x 2 case (Sigma_1 = L1 L1^T, Sigma_2 = L2 L2^T, means M1, M2), evaluated.

    Examples
    --------
    >>> from kltools.chapters.full_covariance import d, evaluator_d2
    >>> evaluator_d2()(d)
    2
    """
    return explicit_evaluator({**explicit_case(2, L1, M1), "L_1": L1, r"\mu_1": M1,
                               r"\mu_2": M2, r"\Sigma_1": L1 * L1.T, r"\Sigma_2": L2 * L2.T},
                              {d: 2})


def quad(v, B):
    """The quadratic form v^T B v, displayed as such.

    Parameters
    ----------
    v : sympy.MatrixExpr
        A d x 1 matrix expression.
    B : sympy.MatrixExpr
        A d x d matrix expression.

    Returns
    -------
    sympy expression
        The scalar v^T B v.

    Examples
    --------
    >>> from kltools.chapters.full_covariance import A, quad, x
    >>> from kltools.symbolic import latex
    >>> latex(quad(x, A))
    'x^{\\\\top} A x'
    """
    return scalar(mat_mul(T(v), B, v))


def half_of(e):
    """``e`` with the prefactor 1/2, displayed in front.

    Parameters
    ----------
    e : sympy expression
        Any scalar expression.

    Returns
    -------
    sympy expression
        1/2 times ``e``.

    Examples
    --------
    >>> from kltools.chapters.full_covariance import d, half_of
    >>> half_of(d).doit()
    d/2
    """
    return prefactor(half, e)


def consts(S):
    """The terms of -log N(x; mu, S) that do not depend on x.

    Parameters
    ----------
    S : sympy.MatrixExpr
        The covariance, d x d.

    Returns
    -------
    list of sympy expressions
        (d/2) log 2 pi and (1/2) log det S.

    Examples
    --------
    >>> from kltools.chapters.full_covariance import Sigma, consts
    >>> len(consts(Sigma))
    2
    """
    return [mul(frac(d, 2), sp.log(2 * sp.pi)), half_of(logdet(S))]


def E_q(f):
    """E_q[f(x)] for x ~ q = N(mu_1, L_1 L_1^T), shown as E_q[...].

    Parameters
    ----------
    f : sympy expression
        A function of :data:`x`.

    Returns
    -------
    sympy expression
        The unevaluated expectation.

    Examples
    --------
    >>> from kltools.chapters.full_covariance import E_q, d, evaluator_d2, x
    >>> evaluator_d2()(E_q(d))
    2
    """
    return expect(f, x, mu1, L_1)


def E(f):
    """E[f(x)] for x ~ N(mu, L L^T), shown as E[...].

    Parameters
    ----------
    f : sympy expression
        A function of :data:`x`.

    Returns
    -------
    sympy expression
        The unevaluated expectation.

    Examples
    --------
    >>> from kltools.chapters.full_covariance import E, d, evaluator_d2
    >>> evaluator_d2()(E(d))
    2
    """
    return expect(f, x, mu, L, "")


def direct_integrals():
    """The definitions of H(q), H(q, p) and the KL at d = 2, integrated directly by sympy.

    Parameters
    ----------
    None

    Returns
    -------
    dict
        ``H``, ``H(q,p)`` and ``KL`` in the symbols of :data:`L1`, :data:`L2`, :data:`M1`,
        :data:`M2`, by the integral over x = mu_1 + L_1 z.

    Examples
    --------
    >>> from kltools.chapters.full_covariance import direct_integrals
    >>> sorted(direct_integrals())
    ['H', 'H(q,p)', 'KL']
    """
    q2 = GaussianDensity("q", X, M1, L1 * L1.T).doit()
    p2 = GaussianDensity("p", X, M2, L2 * L2.T).doit()
    return {"H": integral_against(q2, -sp.log(q2), X, M1, L1),
            "H(q,p)": integral_against(q2, -sp.log(p2), X, M1, L1),
            "KL": integral_against(q2, sp.log(q2 / p2), X, M1, L1)}


def check_quadratic_expectation(steps, rng, n=10, samples=200_000):
    """Check the quadratic-expectation identity at d = 3 symbolically and at d = 10 by sampling.

    Parameters
    ----------
    steps : sequence of (sympy expression, str)
        The derivation's steps, each in the matrix symbols (``Derivation.steps``).
    rng : numpy.random.Generator
        The source of the d = 10 case and of its samples.
    n, samples : int
        The dimension and the sample size of the Monte Carlo check.

    Returns
    -------
    str
        The verdicts as the page prints them.

    Raises
    ------
    AssertionError
        If a step differs from E[x^T A x] at d = 3, or the sample mean is not within 4
        standard errors of tr(A Sigma) + mu^T A mu.

    Examples
    --------
    >>> import numpy as np
    >>> from kltools.chapters.full_covariance import A, E, check_quadratic_expectation, quad, x
    >>> text = check_quadratic_expectation([(E(quad(x, A)), "")], np.random.default_rng(0),
    ...                                    samples=1000)
    >>> text.splitlines()[0]
    'd = 3: every step holds with symbolic 3 x 3 matrices'
    """
    l3 = cholesky_factor("l", 3)
    m3 = sp.ImmutableMatrix(sp.symbols("m_1:4", real=True))
    at_3 = explicit_evaluator(explicit_case(3, l3, m3), {d: 3})
    direct_3 = at_3(E(quad(x, A)))
    assert all(equivalent(at_3(step), direct_3) for step, _ in steps)
    a_n = rng.normal(size=(n, n))
    mean_n = rng.normal(size=n)
    l_n = np.tril(rng.normal(size=(n, n)), -1) + np.diag(rng.uniform(0.5, 1.5, n))
    xs = mean_n + rng.standard_normal((samples, n)) @ l_n.T
    values = np.einsum("ni,ij,nj->n", xs, a_n, xs)
    closed = np.trace(a_n @ l_n @ l_n.T) + mean_n @ a_n @ mean_n
    assert abs(values.mean() - closed) <= 4 * values.std(ddof=1) / np.sqrt(samples)
    return ("d = 3: every step holds with symbolic 3 x 3 matrices\n"
            f"d = {n}: the Monte Carlo mean of x'Ax is within 4 standard errors\n"
            "        of tr(A Sigma) + mu'A mu")


def check_kl_reductions(kl_final):
    """Check the KL at d = 1 against eq-kl-normal, and its covariance part by eigenvalues.

    Parameters
    ----------
    kl_final : sympy expression
        The derived KL in the matrix symbols.

    Returns
    -------
    str
        The verdicts as the page prints them.

    Raises
    ------
    AssertionError
        If the d = 1 case is not the univariate KL, or the eigenvalue sum differs from
        ``kl_mvn`` by more than 64 eps at d = 2.

    Examples
    --------
    >>> from kltools.chapters.full_covariance import Sigma1, Sigma2, check_kl_reductions, d, half
    >>> from kltools.chapters.full_covariance import mu1, mu2, quad, tr
    >>> from kltools.symbolic import mat_add, mat_mul
    >>> kl = half * (tr(mat_mul(Sigma2.I, Sigma1)) + quad(mat_add(mu2, -mu1), Sigma2.I) - d
    ...              + sp.log(sp.Determinant(Sigma2) / sp.Determinant(Sigma1)))
    >>> check_kl_reductions(kl).splitlines()[0]
    'd = 1: the KL above is the univariate KL'
    """
    from kltools import kl_mvn
    from kltools.symbolic import kl_normal_textbook

    s1, s2 = sp.symbols("sigma_1 sigma_2", positive=True)
    u1, u2 = sp.symbols("mu_1 mu_2", real=True)
    at_1 = explicit_evaluator({r"\Sigma_1": sp.Matrix([[s1**2]]),
                               r"\Sigma_2": sp.Matrix([[s2**2]]),
                               r"\mu_1": sp.Matrix([u1]), r"\mu_2": sp.Matrix([u2])}, {d: 1})
    assert equivalent(at_1(kl_final), kl_normal_textbook(u1, s1, u2, s2))
    rng = np.random.default_rng(3)
    s_a, s_b = (np.cov(rng.normal(size=(2, 5))) + np.eye(2) for _ in range(2))
    lam = np.linalg.eigvals(np.linalg.solve(s_b, s_a)).real
    by_eig = 0.5 * np.sum(lam - 1 - np.log(lam))
    assert (abs(by_eig - float(kl_mvn(np.zeros(2), s_a, np.zeros(2), s_b)))
            <= 64 * np.finfo(float).eps)
    return ("d = 1: the KL above is the univariate KL\n"
            "the covariance part = (1/2) sum_j (lambda_j - 1 - log lambda_j)")


def worked_example(kl_final, trace_term, mahalanobis, log_det_ratio):
    """The worked example by hand, checked exactly by sympy and by ``kl_mvn``.

    mu_1 = (0, 0), Sigma_1 = diag(1, 2), mu_2 = (1, 1), Sigma_2 = ((2, 1), (1, 1)).

    Parameters
    ----------
    kl_final : sympy expression
        The derived KL in the matrix symbols.
    trace_term, mahalanobis, log_det_ratio : sympy expression
        Its three parts.

    Returns
    -------
    (callable, str)
        The evaluator at the example's matrices, and the verdict the page prints.

    Raises
    ------
    AssertionError
        If the parts are not 5, 1 and -log 2, or ``kl_mvn`` is off by more than 16 eps.

    Examples
    --------
    >>> from kltools.chapters.full_covariance import d, worked_example
    >>> at_ex, _ = worked_example(2 - sp.log(2) / 2, 5, 1, -sp.log(2))
    >>> at_ex(d)
    2
    """
    from kltools import kl_mvn

    at_ex = explicit_evaluator({r"\Sigma_1": sp.Matrix([[1, 0], [0, 2]]),
                                r"\Sigma_2": sp.Matrix([[2, 1], [1, 1]]),
                                r"\mu_1": sp.Matrix([0, 0]), r"\mu_2": sp.Matrix([1, 1])},
                               {d: 2})
    parts = [sp.sympify(at_ex(e)) for e in (trace_term, mahalanobis, log_det_ratio)]
    assert parts == [5, 1, -sp.log(2)] and at_ex(kl_final) == 2 - sp.log(2) / 2, parts
    value = float(kl_mvn(np.zeros(2), np.diag([1.0, 2.0]), np.ones(2), [[2, 1], [1, 1.0]]))
    # kl_mvn is accurate to a few d eps on well-conditioned input (tests/test_multivariate.py)
    assert abs(value - (2 - np.log(2) / 2)) <= 16 * np.finfo(float).eps * value
    return at_ex, ("trace term 5, Mahalanobis term 1, log-determinant -log 2:\n"
                   f"KL = (5 + 1 - 2 - log 2)/2 = 2 - (1/2) log 2 = {value:.4f} nats\n"
                   "(exactly by sympy, and by kl_mvn)")


def _random_spd(rng, n, cond):
    """A random covariance with eigenvalues from 1 to cond."""
    qm, _ = np.linalg.qr(rng.normal(size=(n, n)))
    return (qm * np.geomspace(1.0, cond, n)) @ qm.T


def check_kl_mvn_by_monte_carlo(rng, dims=(2, 5, 20), samples=100_000):
    """Check ``kl_mvn`` against the mean of log q(x) - log p(x) over samples x ~ q.

    Parameters
    ----------
    rng : numpy.random.Generator
        The source of the Gaussians and the samples.
    dims : sequence of int
        The dimensions.
    samples : int
        Samples per dimension.

    Returns
    -------
    str
        A table of d, ``kl_mvn`` and the verdict, as the page prints it.

    Raises
    ------
    AssertionError
        If the sample mean is not within 4 standard errors of ``kl_mvn``.

    Examples
    --------
    >>> import numpy as np
    >>> from kltools.chapters.full_covariance import check_kl_mvn_by_monte_carlo
    >>> print(check_kl_mvn_by_monte_carlo(np.random.default_rng(0), dims=(2,), samples=1000))
     d   kl_mvn   Monte Carlo within 4 SE
     2   1.5768   yes
    """
    from scipy import stats

    from kltools import kl_mvn

    lines = [" d   kl_mvn   Monte Carlo within 4 SE"]
    for n in dims:
        m1, m2 = rng.normal(size=n), rng.normal(size=n)
        c1, c2 = _random_spd(rng, n, 5.0), _random_spd(rng, n, 5.0)
        q_n = stats.multivariate_normal(m1, c1)
        xs = q_n.rvs(size=samples, random_state=rng)
        log_ratio = q_n.logpdf(xs) - stats.multivariate_normal(m2, c2).logpdf(xs)
        value = float(kl_mvn(m1, c1, m2, c2))
        assert abs(log_ratio.mean() - value) <= 4 * log_ratio.std(ddof=1) / np.sqrt(samples)
        lines.append(f"{n:2d}  {value:7.4f}   yes")
    return "\n".join(lines)


def check_kl_mvn_special_cases(rng):
    """Check ``kl_mvn`` on diagonal covariances, at d = 1, and under an affine map (d = 6).

    Parameters
    ----------
    rng : numpy.random.Generator
        The source of the test Gaussians and of the map.

    Returns
    -------
    str
        The verdicts as the page prints them.

    Raises
    ------
    AssertionError
        If ``kl_mvn`` differs from the sum of ``kl_normal`` by more than 64 eps, from
        ``kl_normal`` at d = 1 by more than 4 eps, or changes under x -> Ax + b by more
        than the rounding bound 16 d eps cond(A)^2 cond(Sigma_2) (d + KL).

    Examples
    --------
    >>> import numpy as np
    >>> from kltools.chapters.full_covariance import check_kl_mvn_special_cases
    >>> check_kl_mvn_special_cases(np.random.default_rng(0)).splitlines()[1]
    'd = 1: kl_mvn = kl_normal (4 eps)'
    """
    from kltools import kl_diag_normal, kl_mvn, kl_normal

    eps = np.finfo(float).eps
    m1, m2 = rng.normal(size=6), rng.normal(size=6)
    sd1, sd2 = np.exp(rng.normal(size=6)), np.exp(rng.normal(size=6))
    diag_full = float(kl_mvn(m1, np.diag(sd1**2), m2, np.diag(sd2**2)))
    assert abs(diag_full - float(kl_diag_normal(m1, sd1, m2, sd2))) <= 64 * eps * diag_full
    one_d = float(kl_mvn([0.3], [[0.49]], [-1.2], [[2.25]]))
    assert abs(one_d - float(kl_normal(0.3, 0.7, -1.2, 1.5))) <= 4 * eps * one_d
    c1, c2 = _random_spd(rng, 6, 10.0), _random_spd(rng, 6, 10.0)
    am, bv = rng.normal(size=(6, 6)) + 3 * np.eye(6), rng.normal(size=6)
    before = float(kl_mvn(m1, c1, m2, c2))
    after = float(kl_mvn(am @ m1 + bv, am @ c1 @ am.T, am @ m2 + bv, am @ c2 @ am.T))
    # rounding A S A^T costs ~ d eps cond(A)^2 relative in each covariance, amplified by
    # cond(S2)
    tol = 16 * 6 * eps * np.linalg.cond(am) ** 2 * np.linalg.cond(c2) * (6 + before)
    assert abs(after - before) <= tol
    return ("diagonal covariances (d = 6): kl_mvn = sum of kl_normal (64 eps)\n"
            "d = 1: kl_mvn = kl_normal (4 eps)\n"
            "affine map x -> Ax + b (d = 6): KL unchanged (rounding bound)")


def check_cholesky_identities(at_2):
    """Check the three Cholesky identities kl_mvn uses, on symbolic 2 x 2 factors.

    Parameters
    ----------
    at_2 : callable
        The evaluator of :func:`evaluator_d2`.

    Returns
    -------
    str
        The verdicts as the page prints them.

    Raises
    ------
    AssertionError
        If an identity does not hold.

    Examples
    --------
    >>> from kltools.chapters.full_covariance import check_cholesky_identities, evaluator_d2
    >>> check_cholesky_identities(evaluator_d2()).splitlines()[0]
    'for symbolic 2 x 2 factors:'
    """
    w = L2.inv() * (M2 - M1)
    assert equivalent(at_2(logdet(Sigma1)), 2 * sp.log(L1[0, 0]) + 2 * sp.log(L1[1, 1]))
    assert equivalent(at_2(quad(mat_add(mu2, -mu1), Sigma2.I)), (w.T * w)[0, 0])
    assert equivalent(at_2(tr(mat_mul(Sigma2.I, Sigma1))), sum(e**2 for e in L2.inv() * L1))
    return ("for symbolic 2 x 2 factors:\n"
            "  log det Sigma_1 = 2 sum_j log (L1)_jj\n"
            "  Mahalanobis term = |L2^-1 (mu2 - mu1)|^2\n"
            "  trace term = |L2^-1 L1|_F^2")


def underflow_comparison(cov):
    """The naive KL and ``kl_mvn`` against N(0, 2 cov), where det(cov) underflows.

    Parameters
    ----------
    cov : ndarray, shape (d, d)
        A covariance c I whose determinant underflows in float64.

    Returns
    -------
    str
        The naive value (NaN), ``kl_mvn``'s and the exact (d/2)(log 2 - 1/2).

    Raises
    ------
    AssertionError
        If the naive value is finite or ``kl_mvn`` is off by more than 64 d eps.

    Examples
    --------
    >>> import numpy as np
    >>> from kltools.chapters.full_covariance import underflow_comparison
    >>> underflow_comparison(1e-4 * np.eye(100)).split()[:2]
    ['naive:', 'nan']
    """
    from kltools import kl_mvn

    n = len(cov)
    zeros = np.zeros(n)
    with np.errstate(all="ignore"):
        naive_value = kl_mvn_naive(zeros, cov, zeros, 2 * cov)
    exact = n / 2 * (np.log(2.0) - 0.5)
    value = float(kl_mvn(zeros, cov, zeros, 2 * cov))
    assert not np.isfinite(naive_value)
    assert abs(value - exact) <= 64 * n * np.finfo(float).eps * exact
    return f"naive: {float(naive_value)}    kl_mvn: {value:.9f}    exact: {exact:.9f}"


def not_positive_definite():
    """What an explicit inverse and ``kl_mvn`` do with a covariance that is not positive definite.

    Parameters
    ----------
    None

    Returns
    -------
    str
        Whether ``np.linalg.inv`` returns a finite matrix, and ``kl_mvn``'s error message.

    Raises
    ------
    Nothing: the ``ValueError`` of ``kl_mvn`` is caught, and its message returned.

    Examples
    --------
    >>> from kltools.chapters.full_covariance import not_positive_definite
    >>> print(not_positive_definite())
    np.linalg.inv(not_pd) returns a finite matrix: True
    kl_mvn: cov2 is not positive definite (its Cholesky factorisation failed)
    """
    from kltools import kl_mvn

    not_pd = np.array([[1.0, 2.0], [2.0, 1.0]])  # eigenvalues 3 and -1
    lines = ["np.linalg.inv(not_pd) returns a finite matrix: "
             f"{bool(np.isfinite(np.linalg.inv(not_pd)).all())}"]
    try:
        kl_mvn(np.zeros(2), np.eye(2), np.zeros(2), not_pd)
    except ValueError as err:
        lines.append(f"kl_mvn: {err}")
    return "\n".join(lines)


def kl_reference(m1, s1, m2, s2):
    """The textbook multivariate KL at 60 digits (mpmath), in nats.

    Parameters
    ----------
    m1, m2 : ndarray, shape (d,)
        Means of q and p (float64, read exactly).
    s1, s2 : ndarray, shape (d, d)
        Covariances of q and p.

    Returns
    -------
    mpmath.mpf
        The KL at the exact binary inputs.

    Examples
    --------
    >>> import numpy as np
    >>> from kltools.chapters.full_covariance import kl_reference
    >>> float(kl_reference(np.ones(2), np.eye(2), np.zeros(2), np.eye(2)))
    1.0
    """
    with mp.workdps(60):
        a, b = mp.matrix(s1.tolist()), mp.matrix(s2.tolist())
        dm = mp.matrix([mp.mpf(float(u)) - mp.mpf(float(v)) for u, v in zip(m2, m1)])
        b_inv = b**-1
        trace = mp.fsum((b_inv * a)[i, i] for i in range(len(m1)))
        return (trace + (dm.T * b_inv * dm)[0] - len(m1) + mp.log(mp.det(b) / mp.det(a))) / 2


def relative_errors(m1, s1, m2, s2):
    """Relative errors of the inverse, Cholesky and ``kl_mvn`` evaluations at one pair.

    Parameters
    ----------
    m1, s1, m2, s2 : ndarray
        Means and covariances of q and p.

    Returns
    -------
    dict
        ``inverse``, ``Cholesky``, ``kl_mvn``: |value - reference| / reference.

    Examples
    --------
    >>> import numpy as np
    >>> from kltools.chapters.full_covariance import relative_errors
    >>> relative_errors(np.ones(2), np.eye(2), np.zeros(2), np.eye(2))["kl_mvn"]
    0.0
    """
    from kltools import kl_mvn

    methods = {"inverse": kl_mvn_naive, "Cholesky": kl_mvn_cholesky_textbook, "kl_mvn": kl_mvn}
    ref = kl_reference(m1, s1, m2, s2)
    return {name: float(abs(mp.mpf(float(fn(m1, s1, m2, s2))) - ref) / ref)
            for name, fn in methods.items()}


def ill_conditioned_errors(rng, n=8, conds=(1e6, 1e8, 1e10, 1e12), trials=5):
    """The largest relative error of each evaluation over random ill-conditioned pairs.

    Sigma_2 has eigenvalues from 1 to 1/cond; Sigma_1 is Sigma_2 with its eigenvalues
    perturbed by up to 30 %; the means differ by about 1e-4.

    Parameters
    ----------
    rng : numpy.random.Generator
        The source of the pairs.
    n : int
        The dimension.
    conds : sequence of float
        The condition numbers of Sigma_2.
    trials : int
        Pairs per condition number.

    Returns
    -------
    list of (float, dict)
        For each condition number: kappa(Sigma_2) as computed, and the largest error of
        each evaluation (:func:`relative_errors`).

    Examples
    --------
    >>> import numpy as np
    >>> from kltools.chapters.full_covariance import ill_conditioned_errors
    >>> rows = ill_conditioned_errors(np.random.default_rng(0), conds=(1e6,), trials=1)
    >>> rows[0][1]["kl_mvn"] < 1e-6
    True
    """
    rows = []
    for cond in conds:
        errs = []
        for _ in range(trials):
            qm, _ = np.linalg.qr(rng.normal(size=(n, n)))
            lam = np.geomspace(1.0, 1.0 / cond, n)
            s2 = (qm * lam) @ qm.T
            s2 = (s2 + s2.T) / 2
            s1 = (qm * (lam * (1 + 0.3 * rng.uniform(-1, 1, n)))) @ qm.T
            s1 = (s1 + s1.T) / 2
            m1 = rng.normal(size=n) * 1e-3
            m2 = m1 + rng.normal(size=n) * 1e-4
            errs.append(relative_errors(m1, s1, m2, s2))
        rows.append((float(np.linalg.cond(s2)),
                     {name: max(e[name] for e in errs) for name in errs[0]}))
    return rows


def well_conditioned_errors(rng, n=8):
    """Relative errors of each evaluation at q ~ p (eigenvalues within 1e-6), cond 10.

    Parameters
    ----------
    rng : numpy.random.Generator
        The source of the pair.
    n : int
        The dimension.

    Returns
    -------
    dict
        The errors of :func:`relative_errors`.

    Examples
    --------
    >>> import numpy as np
    >>> from kltools.chapters.full_covariance import well_conditioned_errors
    >>> well_conditioned_errors(np.random.default_rng(0))["kl_mvn"] < 1e-14
    True
    """
    qm, _ = np.linalg.qr(rng.normal(size=(n, n)))
    lam = np.geomspace(1.0, 10.0, n)
    s2 = (qm * lam) @ qm.T
    s1 = (qm * (lam * (1 + 1e-6 * rng.uniform(-1, 1, n)))) @ qm.T
    s1, s2 = (s1 + s1.T) / 2, (s2 + s2.T) / 2
    m1 = rng.normal(size=n)
    return relative_errors(m1, s1, m1, s2)


def check_error_bounds(rows, n=8):
    """Check the claims on :func:`ill_conditioned_errors` that hold on every CPU.

    No float64 method beats the input's own sensitivity (a backward-stable factorisation
    perturbs the small eigenvalues by about kappa eps relative): every error is at most
    16 n kappa eps; and at the two smallest condition numbers the explicit inverse errs
    more than ``kl_mvn``.

    Parameters
    ----------
    rows : list of (float, dict)
        The output of :func:`ill_conditioned_errors`.
    n : int
        The dimension measured.

    Returns
    -------
    None

    Raises
    ------
    AssertionError
        If a claim does not hold.

    Examples
    --------
    >>> from kltools.chapters.full_covariance import check_error_bounds
    >>> rows = [(1e6, {"inverse": 1e-10, "kl_mvn": 1e-11})] * 2
    >>> check_error_bounds(rows)
    """
    eps = np.finfo(float).eps
    for kappa, worst in rows:
        assert all(err <= 16 * n * kappa * eps for err in worst.values()), (kappa, worst)
    assert all(row["inverse"] > row["kl_mvn"] for _, row in rows[:2]), rows[:2]
