"""Matrix notation for the multivariate chapters, and its explicit evaluation.

The chapters display their derivations for a general dimension d with sympy matrix symbols
(Sigma_1, mu_1, x), and assert every step on an explicit small case (d = 2 or 3, explicit
symbolic matrices) through ``Derivation(..., evaluate=explicit_evaluator(...))``.  Expectations
are evaluated by reparameterisation, x = mean + L z with z ~ N(0, I), from the moments of the
standard normal; the independent check is :func:`kltools.symbolic.integral_against`.
"""

from __future__ import annotations

import sympy as sp

from ._inputs import as_expr, as_matrix, as_name, as_pairs, check_name
from .gaussian import latex_expectation, normal_moments

__all__ = [
    "mat_add",
    "mat_mul",
    "transpose",
    "det",
    "logdet",
    "scalar",
    "GaussianDensity",
    "VectorExpectation",
    "MatrixExpectation",
    "expect",
    "cholesky_factor",
    "explicit_evaluator",
]


def mat_add(*terms) -> sp.MatrixExpr:
    r"""A matrix sum kept in the order written, for display: ``mat_add(x, -mu)`` shows as x - mu.

    Parameters
    ----------
    *terms : sympy.MatrixExpr
        Matrix expressions of one shape, in display order.

    Returns
    -------
    sympy.MatAdd
        Unevaluated; ``doit()`` evaluates it.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import latex, mat_add
    >>> x, m = sp.MatrixSymbol("x", 2, 1), sp.MatrixSymbol(r"\mu", 2, 1)
    >>> print(latex(mat_add(x, -m)))
    x - \mu
    """
    return sp.MatAdd(*(as_matrix(t, f"terms[{i}]") for i, t in enumerate(terms)), evaluate=False)


def mat_mul(*factors) -> sp.MatrixExpr:
    r"""A matrix product kept as written, for display: ``mat_mul(A, B)`` shows as AB.

    Sympy would otherwise simplify, for example, :math:`\Sigma^{-1}\Sigma` to
    :math:`I` before it is displayed.

    Parameters
    ----------
    *factors : sympy.MatrixExpr or scalar
        The factors, in display order (scalars first).

    Returns
    -------
    sympy.MatMul
        Unevaluated; ``doit()`` evaluates it.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import latex, mat_mul
    >>> S = sp.MatrixSymbol(r"\Sigma", 2, 2)
    >>> print(latex(mat_mul(S.I, S)))
    \Sigma^{-1} \Sigma
    """
    return sp.MatMul(*(as_expr(f, f"factors[{i}]") for i, f in enumerate(factors)), evaluate=False)


class _Transposed(sp.Transpose):
    """A transpose that stays as written and prints as ^T (``\\top``)."""

    def _latex(self, printer):
        inner = printer._print(self.arg)
        if not (self.arg.is_symbol or isinstance(self.arg, sp.MatrixSymbol)):
            inner = r"\left(%s\right)" % inner
        return inner + r"^{\top}"


def transpose(m) -> sp.MatrixExpr:
    r"""The transpose of a matrix expression, kept as written: :math:`(x - \mu)^\top`.

    (``m.T`` would distribute it over a sum: :math:`x^\top - \mu^\top`.)

    Parameters
    ----------
    m : sympy.MatrixExpr

    Returns
    -------
    sympy.Transpose
        Unevaluated; ``doit()`` evaluates it.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import latex, mat_add, transpose
    >>> x, m = sp.MatrixSymbol("x", 2, 1), sp.MatrixSymbol(r"\mu", 2, 1)
    >>> print(latex(transpose(mat_add(x, -m))))
    \left(x - \mu\right)^{\top}
    """
    return _Transposed(as_matrix(m, "m"))


class _Det(sp.Determinant):
    r"""A determinant that prints as \det."""

    def _latex(self, printer):
        if isinstance(self.arg, sp.MatrixSymbol):
            return r"\det %s" % printer._print(self.arg)
        return r"\det\left(%s\right)" % printer._print(self.arg)


def det(m) -> sp.Expr:
    r"""The determinant of a square matrix expression, printed :math:`\det\Sigma`.

    Parameters
    ----------
    m : sympy.MatrixExpr
        Square.

    Returns
    -------
    sympy.Determinant
        Unevaluated; ``doit()`` evaluates it for an explicit matrix.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import det, latex
    >>> print(latex(det(sp.MatrixSymbol(r"\Sigma", 2, 2))))
    \det \Sigma
    >>> det(sp.ImmutableMatrix([[2, 1], [1, 2]])).doit()
    3
    """
    return _Det(as_matrix(m, "m"))


class _LogDet(sp.Expr):
    r"""log det of a matrix expression, printed \log\det\Sigma."""

    is_commutative = True

    def __new__(cls, m):
        return sp.Expr.__new__(cls, m)

    def doit(self, **hints):
        m = self.args[0].doit(**hints) if hints.get("deep", True) else self.args[0]
        return sp.log(sp.Determinant(m).doit() if isinstance(m, sp.MatrixBase) else _Det(m))

    def _latex(self, printer):
        return r"\log %s" % printer._print(_Det(self.args[0]))


def logdet(m) -> sp.Expr:
    r"""The log-determinant of a square matrix expression, printed :math:`\log\det\Sigma`.

    (``sp.log(det(m))`` prints with parentheses, :math:`\log(\det\Sigma)`.)

    Parameters
    ----------
    m : sympy.MatrixExpr
        Square.

    Returns
    -------
    sympy.Expr
        Unevaluated; ``doit()`` gives the log of the determinant.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import latex, logdet, mat_mul
    >>> S = sp.MatrixSymbol(r"\Sigma", 2, 2)
    >>> print(latex(logdet(S)), "|", latex(logdet(mat_mul(2, sp.pi, S))))
    \log \det \Sigma | \log \det\left(2 \pi \Sigma\right)
    >>> logdet(sp.ImmutableMatrix([[2, 0], [0, 2]])).doit()
    log(4)
    """
    return _LogDet(as_matrix(m, "m"))


class _Scalar(sp.Expr):
    """A 1 x 1 matrix expression used as a scalar; prints as the matrix expression."""

    is_commutative = True

    def __new__(cls, m):
        return sp.Expr.__new__(cls, m)

    def doit(self, **hints):
        m = self.args[0].doit(**hints)
        if isinstance(m, sp.MatrixBase):
            return m[0, 0]
        return _Scalar(m)

    def _latex(self, printer):
        return printer._print(self.args[0])

    def _sympystr(self, printer):
        return printer._print(self.args[0])


def scalar(m) -> sp.Expr:
    r"""A 1 x 1 matrix expression such as :math:`(x-\mu)^\top\Sigma^{-1}(x-\mu)`, as a scalar.

    It can then be added to scalars, and it prints as the quadratic form, not
    as sympy's element ``[0, 0]`` (an index double sum).

    Parameters
    ----------
    m : sympy.MatrixExpr
        Of shape (1, 1).

    Returns
    -------
    sympy.Expr
        ``doit()`` gives the single entry once the matrices are explicit.

    Raises
    ------
    ValueError
        If ``m`` is not 1 x 1.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import latex, mat_mul, scalar, transpose
    >>> v, A = sp.MatrixSymbol("v", 2, 1), sp.MatrixSymbol("A", 2, 2)
    >>> print(latex(scalar(mat_mul(transpose(v), A, v)) / 2))
    \frac{v^{\top} A v}{2}
    >>> scalar(sp.ImmutableMatrix([[3]])).doit()
    3
    """
    m = as_matrix(m, "m")
    shape = getattr(m, "shape", None)
    if shape is None or tuple(shape) != (1, 1):
        raise ValueError(f"m: scalar() needs a 1 x 1 matrix expression, got shape {shape}")
    return _Scalar(m)


class GaussianDensity(sp.Expr):
    r"""The density of N(mean, cov) at a vector ``var``, displayed as :math:`q(x)`.

    ``doit()`` gives the definition,
    :math:`(2\pi)^{-d/2}\det(\Sigma)^{-1/2}\exp(-\tfrac12 (x-\mu)^\top\Sigma^{-1}(x-\mu))`,
    once ``var``, ``mean`` and ``cov`` are explicit matrices.

    Parameters
    ----------
    name : str
        The density's name in the display, e.g. ``"q"``.
    var, mean : sympy.MatrixExpr
        Column vectors (d x 1).
    cov : sympy.MatrixExpr
        The covariance (d x d).

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import GaussianDensity, latex
    >>> x = sp.MatrixSymbol("x", 2, 1)
    >>> print(latex(sp.log(GaussianDensity("q", x, sp.ZeroMatrix(2, 1), sp.Identity(2)))))
    \log{\left(q\left(x\right) \right)}
    """

    is_commutative = True
    is_positive = True

    def __new__(cls, name, var, mean, cov):
        var, mean, cov = (as_matrix(a, n) for a, n in ((var, "var"), (mean, "mean"), (cov, "cov")))
        return sp.Expr.__new__(cls, as_name(name, "name"), var, mean, cov)

    def doit(self, **hints):
        _, var, mean, cov = self.args
        if not all(isinstance(a, sp.MatrixBase) for a in (var, mean, cov)):
            return self
        n = var.shape[0]
        r = sp.Matrix(var) - sp.Matrix(mean)
        quad = (r.T * sp.Matrix(cov).inv() * r)[0, 0]
        return sp.exp(-quad / 2) / (sp.sqrt((2 * sp.pi) ** n * sp.Matrix(cov).det()))

    def _latex(self, printer):
        return r"%s\left(%s\right)" % (printer._print(self.args[0]), printer._print(self.args[1]))


def _vector_parameters(var, mean, factor) -> tuple:
    return tuple(as_matrix(a, n) for a, n in ((var, "var"), (mean, "mean"), (factor, "factor")))


def _explicit(*args) -> bool:
    return all(isinstance(a, sp.MatrixBase) for a in args)


def _expect_explicit(f, var, mean, factor, hints):
    """E[f(var)] for var = mean + factor z, z ~ N(0, I), with explicit matrices."""
    zs = [sp.Dummy(f"z{i}", real=True) for i in range(var.shape[0])]
    sample = sp.Matrix(mean) + sp.Matrix(factor) * sp.Matrix(zs)
    rule = dict(zip(list(var), list(sample)))
    f = f.doit(**hints)
    if isinstance(f, sp.MatrixBase):
        entries = [normal_moments(sp.expand_log(e.subs(rule, simultaneous=True)), zs) for e in f]
        return sp.ImmutableMatrix(f.shape[0], f.shape[1], entries)
    return normal_moments(sp.expand_log(f.subs(rule, simultaneous=True)), zs)


class VectorExpectation(sp.Expr):
    r"""The expectation of a scalar function of a random vector x ~ N(mean, L L^T).

    Displayed as :math:`\mathbb E_q[f(x)]`; create it with :func:`expect`.
    ``doit()`` evaluates it once ``var``, ``mean`` and ``factor`` are explicit
    matrices: x = mean + L z with z ~ N(0, I), then the moments of z (``f`` must
    be a polynomial in z after logs are expanded).

    Parameters
    ----------
    f : sympy.Expr
        A scalar expression in ``var``.
    var : sympy.MatrixExpr
        The random vector (d x 1).
    mean : sympy.MatrixExpr
        Its mean (d x 1).
    factor : sympy.MatrixExpr
        A factor L of its covariance, L L^T (d x d).
    name : str
        The distribution's name in the display (``""`` for none).

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import expect, latex
    >>> x1 = sp.Symbol("x_1", real=True)
    >>> x = sp.ImmutableMatrix([x1])
    >>> expect(x1**2, x, sp.ImmutableMatrix([1]), sp.ImmutableMatrix([[2]])).doit()
    5
    """

    is_commutative = True

    def __new__(cls, f, var, mean, factor, name="q"):
        return sp.Expr.__new__(
            cls, as_expr(f, "f"), *_vector_parameters(var, mean, factor), as_name(name, "name")
        )

    def doit(self, **hints):
        f, var, mean, factor, _ = self.args
        if not _explicit(var, mean, factor):
            return self
        return _expect_explicit(f, var, mean, factor, hints)

    def _latex(self, printer):
        return latex_expectation(printer, self.args[0], self.args[4])


class MatrixExpectation(sp.MatrixExpr):
    r"""The expectation of a matrix-valued function of x ~ N(mean, L L^T), e.g. :math:`\mathbb
    E_q[(x-\mu)(x-\mu)^\top]`.

    As :class:`VectorExpectation`, elementwise; create it with :func:`expect`.

    Parameters
    ----------
    f : sympy.MatrixExpr
        A matrix expression in ``var``.
    var, mean, factor, name
        As for :class:`VectorExpectation`.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import expect, mat_mul
    >>> x = sp.ImmutableMatrix(sp.symbols("x_1 x_2", real=True))
    >>> expect(x * x.T, x, sp.ImmutableMatrix([1, 0]), sp.eye(2)).doit()
    Matrix([
    [2, 0],
    [0, 1]])
    """

    def __new__(cls, f, var, mean, factor, name="q"):
        return sp.MatrixExpr.__new__(
            cls, as_matrix(f, "f"), *_vector_parameters(var, mean, factor), as_name(name, "name")
        )

    @property
    def shape(self):
        return self.args[0].shape

    def doit(self, **hints):
        f, var, mean, factor, _ = self.args
        if not _explicit(var, mean, factor):
            return self
        return _expect_explicit(f, var, mean, factor, hints)

    def _latex(self, printer):
        return latex_expectation(printer, self.args[0], self.args[4])


def expect(f, var, mean, factor, name="q"):
    r"""The expectation :math:`\mathbb E_q[f(x)]` for x ~ N(mean, L L^T), left unevaluated.

    Parameters
    ----------
    f : sympy.Expr or sympy.MatrixExpr
        Scalar or matrix-valued function of ``var``.
    var : sympy.MatrixExpr
        The random vector (d x 1), e.g. ``MatrixSymbol("x", d, 1)``.
    mean : sympy.MatrixExpr
        Its mean.
    factor : sympy.MatrixExpr
        A factor L of its covariance L L^T (a Cholesky factor, or a diagonal of
        standard deviations).
    name : str
        Shown as the subscript of E; ``""`` for none.

    Returns
    -------
    VectorExpectation or MatrixExpectation
        ``doit()`` evaluates it when the matrices are explicit (see
        :func:`explicit_evaluator`).

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import expect, latex, mat_add, mat_mul, scalar, transpose
    >>> x, m = sp.MatrixSymbol("x", 2, 1), sp.MatrixSymbol(r"\mu_1", 2, 1)
    >>> L = sp.MatrixSymbol("L_1", 2, 2)
    >>> r = mat_add(x, -m)
    >>> print(latex(expect(scalar(mat_mul(transpose(r), r)), x, m, L)))
    \mathbb{E}_{q}\!\left[\left(x - \mu_{1}\right)^{\top} \left(x - \mu_{1}\right)\right]
    """
    if getattr(f, "is_Matrix", False):
        return MatrixExpectation(f, var, mean, factor, name)
    return VectorExpectation(f, var, mean, factor, name)


def cholesky_factor(name: str, n: int) -> sp.ImmutableMatrix:
    r"""A symbolic lower-triangular n x n matrix with a positive diagonal.

    L L^T is then symmetric positive definite for every admissible value of
    the symbols, and every such matrix has exactly one factor of this form.

    Parameters
    ----------
    name : str
        The symbols are ``{name}_{ij}`` (one-based).
    n : int

    Returns
    -------
    sympy.ImmutableMatrix

    Raises
    ------
    ValueError
        If ``name`` is not a string or ``n`` not an integer from 1 to 10.

    Examples
    --------
    >>> from kltools.symbolic import cholesky_factor
    >>> cholesky_factor("a", 2)
    Matrix([
    [a_11,    0],
    [a_21, a_22]])
    """
    check_name(name, "name")
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 10:
        raise ValueError(f"n: expected an integer from 1 to 10, got {n!r}")

    def entry(i, j):
        if j > i:
            return sp.Integer(0)
        symbol = f"{name}_{i + 1}{j + 1}"
        return sp.Symbol(symbol, positive=True) if i == j else sp.Symbol(symbol, real=True)

    return sp.ImmutableMatrix(n, n, lambda i, j: entry(i, j))


def explicit_evaluator(matrices: dict, scalars: dict | None = None):
    r"""A function for ``Derivation(..., evaluate=)`` that makes matrix expressions explicit.

    It substitutes ``scalars`` (e.g. ``{d: 2}``), then replaces every
    ``MatrixSymbol`` by the explicit matrix stored under its name, and
    evaluates (traces, determinants, inverses, products, expectations), and
    expands the result.

    Parameters
    ----------
    matrices : dict
        ``{name: sympy.Matrix}``, e.g. ``{r"\Sigma_1": L1 * L1.T}``.
    scalars : dict, optional
        ``{symbol: value}`` substituted first (the dimension d).

    Returns
    -------
    callable
        ``expr -> sympy.Expr``.

    Raises
    ------
    ValueError
        If ``matrices`` is not a dict from names to matrices, or ``scalars`` not a
        dict of sympy expressions.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import cholesky_factor, explicit_evaluator, mat_mul
    >>> d = sp.Symbol("d", integer=True, positive=True)
    >>> S = sp.MatrixSymbol(r"\Sigma", d, d)
    >>> L = cholesky_factor("a", 2)
    >>> at_2 = explicit_evaluator({r"\Sigma": L * L.T}, {d: 2})
    >>> sp.simplify(at_2(sp.Trace(mat_mul(S.I, S))))
    2
    """
    if not isinstance(matrices, dict):
        raise ValueError("matrices: expected a dict from names (strings) to matrices")
    for key in matrices:
        check_name(key, "matrices key")
    table = {k: as_matrix(v, f"matrices[{k!r}]") for k, v in matrices.items()}
    scalars = dict(as_pairs(scalars, "scalars"))

    def evaluate(expr):
        expr = as_expr(expr, "expr")
        if scalars:
            expr = expr.subs(scalars)
        expr = expr.replace(
            lambda e: isinstance(e, sp.MatrixSymbol) and e.name in table, lambda e: table[e.name]
        )
        value = expr.doit()
        if isinstance(value, sp.MatrixBase) and value.shape == (1, 1):
            value = value[0, 0]
        return sp.expand(value)  # expanded values make equivalent()'s simplify cheap

    return evaluate
