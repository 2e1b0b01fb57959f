"""Product densities q(x) = prod_j q_j(x_j) for the diagonal-Gaussian chapter, and their
explicit evaluation on a small case (:func:`factor_evaluator`)."""

from __future__ import annotations

import sympy as sp

from ._inputs import as_expr, as_name, as_pairs, as_sequence, check_name
from .gaussian import Expectation, latex_expectation

__all__ = ["Factor", "Joint", "FactorExpectation", "FactorKL", "factor_evaluator"]


def _factor_parameters(params) -> dict:
    """``{name: [(mean, std), ...]}`` with every entry checked by :func:`as_expr`."""
    if not isinstance(params, dict):
        raise ValueError(f"params: expected a dict, got {type(params).__name__}")
    table = {}
    for key, pairs in params.items():
        check_name(key, "params key")
        if not isinstance(pairs, (list, tuple)):
            raise ValueError(f"params[{key!r}]: expected a list of (mean, std) pairs")
        table[key] = [as_sequence(p, f"params[{key!r}][{i}]") for i, p in enumerate(pairs)]
        if any(len(p) != 2 for p in table[key]):
            raise ValueError(f"params[{key!r}]: each entry must be a (mean, std) pair")
    return table


class Factor(sp.Expr):
    r"""One factor :math:`q_j(x_j)` of a product density, for display.

    Parameters
    ----------
    name : str
        ``"q"`` or ``"p"``.
    index : sympy.Expr
        The dimension j (a symbol, or an integer once a sum is expanded).
    var : sympy.Expr
        The variable, e.g. ``IndexedBase("x")[j]``.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import Factor, latex
    >>> j = sp.Symbol("j", integer=True, positive=True)
    >>> print(latex(Factor("q", j, sp.IndexedBase("x")[j])))
    q_{j}\left({x}_{j}\right)
    """

    is_commutative = True
    is_positive = True

    def __new__(cls, name, index, var):
        return sp.Expr.__new__(
            cls, as_name(name, "name"), as_expr(index, "index"), as_expr(var, "var")
        )

    def _latex(self, printer):
        name, index, var = self.args
        return r"%s_{%s}\left(%s\right)" % (
            printer._print(name),
            printer._print(index),
            printer._print(var),
        )

    def label(self, printer) -> str:
        return r"%s_{%s}" % (printer._print(self.args[0]), printer._print(self.args[1]))


class Joint(sp.Expr):
    r"""A product density :math:`q(x) = \prod_j q_j(x_j)`, displayed as :math:`q(x)`.

    Parameters
    ----------
    name : str
    var : sympy.Symbol
        The vector variable's name, e.g. ``Symbol("x")``.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import Joint, latex
    >>> print(latex(Joint("q", sp.Symbol("x"))))
    q\left(x\right)
    """

    is_commutative = True
    is_positive = True

    def __new__(cls, name, var):
        return sp.Expr.__new__(cls, as_name(name, "name"), as_expr(var, "var"))

    def _latex(self, printer):
        return r"%s\left(%s\right)" % (printer._print(self.args[0]), printer._print(self.args[1]))

    def label(self, printer) -> str:
        return printer._print(self.args[0])


def _density(value, name: str):
    if not isinstance(value, (Factor, Joint)):
        raise ValueError(f"{name}: expected a Factor or a Joint, got {type(value).__name__}")
    return value


class FactorExpectation(sp.Expr):
    r"""An expectation under a product density or one of its factors: :math:`\mathbb E_q[f]`,
    :math:`\mathbb E_{q_j}[f]`.

    Evaluated by :func:`factor_evaluator` (over every variable for a
    :class:`Joint`, over :math:`x_j` alone for a :class:`Factor`).

    Parameters
    ----------
    f : sympy.Expr
    under : Joint or Factor

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import Factor, FactorExpectation, latex
    >>> j = sp.Symbol("j", integer=True, positive=True)
    >>> xj = sp.IndexedBase("x")[j]
    >>> print(latex(FactorExpectation(xj**2, Factor("q", j, xj))))
    \mathbb{E}_{q_{j}}\!\left[{x}_{j}^{2}\right]
    """

    is_commutative = True

    def __new__(cls, f, under):
        return sp.Expr.__new__(cls, as_expr(f, "f"), _density(under, "under"))

    def _latex(self, printer):
        return latex_expectation(printer, self.args[0], None, label=self.args[1].label(printer))


class FactorKL(sp.Expr):
    r"""The KL divergence of two densities, displayed :math:`\mathrm{KL}(q_j\,\Vert\,p_j)`.

    Its value (in :func:`factor_evaluator`) is the definition,
    :math:`\mathbb E_{q_j}[\log(q_j/p_j)]`.

    Parameters
    ----------
    q, p : Joint or Factor

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import Factor, FactorKL, latex
    >>> j = sp.Symbol("j", integer=True, positive=True)
    >>> xj = sp.IndexedBase("x")[j]
    >>> print(latex(FactorKL(Factor("q", j, xj), Factor("p", j, xj))))
    \mathrm{KL}\left(q_{j} \,\Vert\, p_{j}\right)
    """

    is_commutative = True

    def __new__(cls, q, p):
        return sp.Expr.__new__(cls, _density(q, "q"), _density(p, "p"))

    def _latex(self, printer):
        q, p = (a.label(printer) for a in self.args)
        return r"\mathrm{KL}\left(%s \,\Vert\, %s\right)" % (q, p)


def factor_evaluator(variables, params: dict, scalars: dict | None = None, base: str = "x"):
    r"""A function for ``Derivation(..., evaluate=)`` that makes a product of factors explicit.

    It substitutes ``scalars`` (the dimension d), expands sums and products,
    replaces ``x[j]`` by the j-th of ``variables``, each :class:`Factor` and
    :class:`Joint` by explicit normal densities, and evaluates each
    :class:`FactorExpectation` and :class:`FactorKL` from the moments of the
    normal distribution (over all variables under a :class:`Joint`, over
    :math:`x_j` alone under a factor).

    Parameters
    ----------
    variables : sequence of sympy.Symbol
        The explicit variables x_1, ..., x_d (the indexed ``x[j]`` maps to them).
    params : dict
        ``{name: [(mean_1, std_1), ..., (mean_d, std_d)]}`` for each density.
    scalars : dict, optional
        ``{symbol: value}`` substituted first, e.g. ``{d: 2}``.
    base : str
        The name of the ``IndexedBase`` of the variable (``x`` in ``x[j]``);
        other indexed symbols are left alone.

    Returns
    -------
    callable
        ``expr -> sympy.Expr``.

    Raises
    ------
    ValueError
        If an argument is not of the documented form (every entry a sympy
        expression, a number or a formula string).

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import Factor, FactorExpectation, Joint, factor_evaluator
    >>> x1, x2 = sp.symbols("x_1 x_2", real=True)
    >>> m, s = sp.Symbol("m", real=True), sp.Symbol("s", positive=True)
    >>> at_2 = factor_evaluator([x1, x2], {"q": [(m, s), (0, 1)]})
    >>> at_2(FactorExpectation(x1**2 + x2**2, Joint("q", sp.Symbol("x"))))
    m**2 + s**2 + 1
    """
    variables = list(as_sequence(variables, "variables"))
    params = _factor_parameters(params)
    scalars = dict(as_pairs(scalars, "scalars"))
    check_name(base, "base")

    def density(name, i, var):
        mean, std = params[str(name)][i - 1]
        return sp.exp(-((var - mean) ** 2) / (2 * std**2)) / (sp.sqrt(2 * sp.pi) * std)

    def plain(e):
        """Variables and densities explicit (the expectations inside still unevaluated)."""
        e = e.replace(
            lambda t: (
                isinstance(t, sp.Indexed) and str(t.base) == base and t.indices[0].is_Integer
            ),
            lambda t: variables[int(t.indices[0]) - 1],
        )
        e = e.replace(
            lambda t: isinstance(t, Joint),
            lambda t: sp.Mul(*(density(t.args[0], i + 1, v) for i, v in enumerate(variables))),
        )
        return e.replace(
            lambda t: isinstance(t, Factor),
            lambda t: density(t.args[0], int(t.args[1]), t.args[2]),
        )

    def expectation(f, under):
        f = plain(f)
        if isinstance(under, Joint):
            pairs = list(zip(variables, params[str(under.args[0])]))
        else:
            i = int(under.args[1])
            pairs = [(variables[i - 1], params[str(under.args[0])][i - 1])]
        for var, (mean, std) in pairs:
            f = Expectation(f, var, mean, std).doit()
        return f

    def evaluate(expr):
        expr = as_expr(expr, "expr")
        if scalars:
            expr = expr.subs(scalars)
        expr = expr.doit()
        expr = expr.replace(
            lambda t: isinstance(t, FactorKL),
            lambda t: FactorExpectation(sp.log(t.args[0] / t.args[1]), t.args[0]),
        )
        expr = expr.replace(
            lambda t: isinstance(t, FactorExpectation), lambda t: expectation(*t.args)
        )
        return sp.expand(plain(expr))

    return evaluate
