"""Display helpers: expressions kept in the order written, and numbered blocks of equations.

A chapter shows a derivation as a chain of readable steps.  The readable forms are built with
sympy's ``evaluate=False`` (:func:`add`, :func:`mul`, :func:`frac`, :func:`scaled`,
:func:`prefactor`), so that the terms keep the order and grouping a textbook prints; the LaTeX is
generated from the very expression that is asserted, never typed beside it.
"""

from __future__ import annotations

import sympy as sp

from ._inputs import as_expr, as_text, x

__all__ = [
    "add",
    "mul",
    "frac",
    "latex",
    "scaled",
    "half_of",
    "half",
    "prefactor",
    "integral",
    "aligned",
    "Equations",
    "Display",
]


def aligned(rows) -> str:
    r"""An ``aligned`` block from ``(left, right, note)`` rows of LaTeX: one line per row.

    Parameters
    ----------
    rows : iterable of (str, str, str)
        The left side, the right side and a plain-text note (``""`` for none).

    Returns
    -------
    str
        ``\begin{aligned} ... \end{aligned}``, the note beside its row.

    Raises
    ------
    ValueError
        If a row is not a triple of strings.

    Examples
    --------
    >>> from kltools.symbolic import aligned
    >>> print(aligned([("a", "b", "why"), ("", "c", "")]))
    \begin{aligned}
    a &= b && \text{why} \\
     &= c
    \end{aligned}
    """
    lines = []
    for i, row in enumerate(rows):
        if not (isinstance(row, (tuple, list)) and len(row) == 3):
            raise ValueError(f"rows[{i}]: expected a (left, right, note) triple of strings")
        left, right, note = (as_text(t, f"rows[{i}]") for t in row)
        reason = rf" && \text{{{note}}}" if note else ""
        lines.append(f"{left} &= {right}{reason}")
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


def add(*terms) -> sp.Expr:
    r"""A sum kept in the order written, for display: ``add(a, b, c)`` shows as a + b + c.

    Parameters
    ----------
    *terms : sympy.Expr or number
        The terms, in the order they should be displayed.

    Returns
    -------
    sympy.Expr
        An unevaluated ``Add``; it equals the evaluated sum (sympy's ``doit``
        and :func:`equivalent` treat it as the plain sum).

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import add, latex, sigma
    >>> print(latex(add(sp.log(sigma), sp.Rational(1, 2))))
    \log{\left(\sigma \right)} + \frac{1}{2}
    """
    return sp.Add(*(as_expr(t, f"terms[{i}]") for i, t in enumerate(terms)), evaluate=False)


def mul(*factors) -> sp.Expr:
    r"""A product kept as written, for display: ``mul(2, a, b)`` shows as 2 a b.

    Parameters
    ----------
    *factors : sympy.Expr or number
        The factors, in the order they should be displayed.

    Returns
    -------
    sympy.Expr
        An unevaluated ``Mul``, equal to the evaluated product.

    Examples
    --------
    >>> from kltools.symbolic import latex, mu1, mu2, mul
    >>> print(latex(mul(2, mu1 - mu2)))
    2 \left(\mu_{1} - \mu_{2}\right)
    """
    return sp.Mul(*(as_expr(f, f"factors[{i}]") for i, f in enumerate(factors)), evaluate=False)


def frac(numerator, denominator) -> sp.Expr:
    r"""A fraction kept as written, for display: ``frac(a + b, 2 * c)`` shows as :math:`\frac{a +
    b}{2c}`.

    Parameters
    ----------
    numerator, denominator : sympy.Expr or number

    Returns
    -------
    sympy.Expr
        An unevaluated quotient, equal to ``numerator / denominator``.

    Examples
    --------
    >>> from kltools.symbolic import frac, latex, sigma
    >>> print(latex(frac(sigma**2, 2 * sigma**2)))
    \frac{\sigma^{2}}{2 \sigma^{2}}
    >>> print(latex(frac(1, sigma)))
    \frac{1}{\sigma}
    """
    numerator = as_expr(numerator, "numerator")
    reciprocal = sp.Pow(as_expr(denominator, "denominator"), -1, evaluate=False)
    if numerator == 1:  # sympy would print Mul(1, 1/x) as "1 \frac{1}{x}"
        return reciprocal
    return sp.Mul(numerator, reciprocal, evaluate=False)


def latex(expr) -> str:
    r"""The LaTeX of ``expr``, with sums and products in the order they were built.

    Parameters
    ----------
    expr : sympy.Expr

    Returns
    -------
    str
        ``sympy.latex(expr, order="none")``: an expression built with
        :func:`add`, :func:`mul` and :func:`frac` keeps its written order.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import add, latex, sigma
    >>> print(latex(add(-1, sigma**2)), '|', sp.latex(-1 + sigma**2))
    -1 + \sigma^{2} | \sigma^{2} - 1
    """
    if not isinstance(expr, str):  # LaTeX text is shown as it is
        expr = as_expr(expr, "expr")
    return sp.latex(expr, order="none")


class Equations:
    r"""Several equations shown as one numbered ``aligned`` block, generated from sympy.

    Each row is ``(lhs, rhs)`` or ``(lhs, rhs, note)``.  ``lhs`` is LaTeX text
    or a sympy expression; ``rhs`` a sympy expression or a tuple of them,
    shown as a chain ``lhs = a = b``; ``note`` is plain text (it may contain
    ``$...$`` math), shown beside the row.  Glue it with
    ``glue(name, equations, display=False)`` and show it with ``glue:math``,
    like a :class:`Derivation`.

    Parameters
    ----------
    *rows : tuple

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import Equations, sigma
    >>> print(Equations((r"h'(\sigma)", (1 - 1 / sigma, 0), r"at $\sigma = 1$")).latex())
    \begin{aligned}
    h'(\sigma) &= 1 - \frac{1}{\sigma} = 0 && \text{at $\sigma = 1$}
    \end{aligned}
    """

    def __init__(self, *rows):
        self.rows = []
        for row in rows:
            lhs, rhs, note = (*row, "") if len(row) == 2 else row
            rhs = tuple(rhs) if isinstance(rhs, (tuple, list)) else (rhs,)
            self.rows.append((lhs, tuple(as_expr(r, "rhs") for r in rhs), note))

    def latex(self) -> str:
        """The block as LaTeX: one row per equation, its note beside it."""
        return aligned(
            (lhs if isinstance(lhs, str) else latex(lhs), " = ".join(latex(r) for r in rhs), note)
            for lhs, rhs, note in self.rows
        )

    def _repr_latex_(self) -> str:
        return f"$\\displaystyle {self.latex()}$"

    def __repr__(self) -> str:
        """The equations as plain text, one per line: deterministic (glue stores it, nbval
        compares it)."""
        rows = []
        for lhs, rhs, _ in self.rows:
            left = lhs if isinstance(lhs, str) else sp.sstr(lhs)
            rows.append(f"{left} = " + " = ".join(sp.sstr(r, order="none") for r in rhs))
        return "\n".join(rows)

    def __len__(self) -> int:
        return len(self.rows)


_BRACKETS = {"()": (r"\left(", r"\right)"), "[]": (r"\left[", r"\right]")}


class _Prefactor(sp.Expr):
    """c (expr), displayed with the coefficient in front of brackets."""

    is_commutative = True

    def __new__(cls, c, expr, brackets):
        brackets = brackets if isinstance(brackets, sp.Symbol) else sp.Symbol(brackets)
        return sp.Expr.__new__(cls, as_expr(c, "c"), as_expr(expr, "expr"), brackets)

    def doit(self, **hints):
        c, expr, _ = self.args
        return c * (expr.doit(**hints) if hints.get("deep", True) else expr)

    def _latex(self, printer):
        c, expr, brackets = self.args
        inner = printer._print(expr)
        left, right = _BRACKETS.get(brackets.name, ("", ""))
        return r"%s %s%s%s" % (printer._print(c), left, inner, right)


def prefactor(c, expr, brackets: str | None = None) -> sp.Expr:
    r"""``c * expr`` displayed as a textbook prints it: :math:`-\tfrac12(1 + v - \mu^2 - e^{v})`.

    (sympy would print :math:`-\frac{1 + v - \mu^2 - e^v}{2}`.)

    Parameters
    ----------
    c : sympy.Expr or number
        The coefficient, e.g. ``Rational(1, 2)``.
    expr : sympy.Expr
        What it multiplies.
    brackets : str, optional
        ``"()"``, ``"[]"``, or ``""`` for none (``\frac{1}{2} \log\det\Sigma``).
        By default, ``"()"`` around a sum and none otherwise.

    Returns
    -------
    sympy.Expr
        Unevaluated; ``doit()`` gives ``c * expr``.

    Raises
    ------
    ValueError
        If an argument is not a sympy expression, a number or a formula string, or
        ``brackets`` is not one of the three.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import add, latex, prefactor
    >>> v, m = sp.symbols("v mu", real=True)
    >>> e = prefactor(-sp.Rational(1, 2), add(1, v, -m**2, -sp.exp(v)))
    >>> print(latex(e))
    - \frac{1}{2} \left(1 + v - \mu^{2} - e^{v}\right)
    >>> e.doit() == -(1 + v - m**2 - sp.exp(v)) / 2
    True
    >>> print(latex(prefactor(sp.Rational(1, 2), sp.log(v**2))))
    \frac{1}{2} \log{\left(v^{2} \right)}
    """
    expr = as_expr(expr, "expr")
    if brackets is not None and not isinstance(brackets, str):
        raise ValueError(f'brackets must be "()", "[]" or "", got {type(brackets).__name__}')
    if brackets is None:
        brackets = "()" if isinstance(expr, sp.Add) else ""
    if brackets not in _BRACKETS and brackets != "":
        raise ValueError(f'brackets must be "()", "[]" or "", got {brackets!r}')
    return _Prefactor(c, expr, brackets)


def scaled(factor, expr) -> sp.Expr:
    r"""``factor * expr`` displayed as a factor in front of a bracket, e.g. :math:`\tfrac12(e^v -
    1)`.

    sympy distributes or folds a rational factor into a fraction when it
    prints a product; the factor is kept apart (``UnevaluatedExpr``) so that
    the display reads as a textbook prints it.

    Parameters
    ----------
    factor : sympy.Expr or number
        The factor in front, e.g. ``sp.Rational(1, 2)``.
    expr : sympy.Expr
        What it multiplies, shown in parentheses when it is a sum.

    Returns
    -------
    sympy.Expr
        An unevaluated product; ``doit()`` gives the plain product.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import add, latex, scaled
    >>> v = sp.Symbol("v", real=True)
    >>> print(latex(scaled(sp.Rational(1, 2), add(sp.exp(v), -1))))
    \frac{1}{2} \left(e^{v} - 1\right)
    >>> scaled(sp.Rational(1, 2), add(sp.exp(v), -1)).doit()
    exp(v)/2 - 1/2
    """
    factor, expr = as_expr(factor, "factor"), as_expr(expr, "expr")
    return sp.Mul(sp.UnevaluatedExpr(factor), expr, evaluate=False)


def _as_latex(obj) -> str:
    if hasattr(obj, "latex") and callable(obj.latex):  # a Derivation
        return obj.latex()
    return obj if isinstance(obj, str) else latex(obj)


class Display:
    r"""Math to glue: LaTeX generated from sympy objects, with a plain-text repr that never
    changes.

    myst-nb's ``glue`` stores an object's ``text/plain`` repr next to its
    LaTeX, and nbval compares it.  A :class:`Derivation` has Python's default
    repr, which holds a memory address that changes on every run; a
    ``Display`` of it shows the same LaTeX and has a fixed repr.

    Parameters
    ----------
    body : Derivation, sympy.Expr or str
        What to show: a derivation (its ``aligned`` block), a sympy
        expression or equation (printed by :func:`latex`), or LaTeX.
    text : str, optional
        The plain-text repr; defaults to a description of the shape.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import Display, sigma
    >>> shown = Display.aligned((r"F_{\sigma\sigma}", 2 / sigma**2),
    ...                         ("F_{\\mu\\mu}", 1 / sigma**2, "the mean"))
    >>> shown
    <Display: 2 equations>
    >>> print(shown.latex())
    \begin{aligned}
    F_{\sigma\sigma} &= \frac{2}{\sigma^{2}} \\
    F_{\mu\mu} &= \frac{1}{\sigma^{2}} && \text{the mean}
    \end{aligned}
    """

    def __init__(self, body, text: str | None = None):
        self.body = _as_latex(body)
        self.text = text or (
            "<Display: derivation>" if hasattr(body, "steps") else "<Display: equation>"
        )

    @classmethod
    def aligned(cls, *rows) -> "Display":
        """Several equations ``(lhs, rhs)`` or ``(lhs, rhs, note)`` as one ``aligned`` block."""
        rows = [(tuple(row) + ("",))[:3] for row in rows]
        body = aligned((_as_latex(lhs), _as_latex(rhs), note) for lhs, rhs, note in rows)
        return cls(body, f"<Display: {len(rows)} equation{'' if len(rows) == 1 else 's'}>")

    def latex(self) -> str:
        """The LaTeX shown (without the surrounding ``$``)."""
        return self.body

    def _repr_latex_(self) -> str:
        return f"$\\displaystyle {self.body}$"

    def __repr__(self) -> str:
        return self.text


def half_of(expr) -> sp.Expr:
    r"""One half of ``expr``, displayed with the coefficient in front: ½ log(2πσ²).

    sympy prints ``log(2*pi*sigma**2)/2`` as a fraction over 2; a textbook
    writes the coefficient first.  The ½ is kept as an unevaluated factor, so
    the display follows the order written, and ``doit()`` (which
    :class:`Derivation` uses) gives the plain product.

    Parameters
    ----------
    expr : sympy.Expr or number

    Returns
    -------
    sympy.Expr
        An unevaluated product :math:`\tfrac12 \cdot` ``expr``.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import half_of, latex, sigma
    >>> print(latex(half_of(sp.log(2 * sp.pi * sigma**2))))
    \frac{1}{2} \log{\left(2 \pi \sigma^{2} \right)}
    >>> half_of(sp.log(2 * sp.pi * sigma**2)).doit()
    log(2*pi*sigma**2)/2
    """
    return scaled(sp.Rational(1, 2), expr)


half = half_of  # the name the foundations chapters import


def integral(f, var: sp.Symbol = x) -> sp.Expr:
    r"""The integral of ``f`` over the real line, unevaluated, for display.

    Build ``f`` with :func:`mul` to keep its factors in the order written,
    e.g. ``integral(mul(q, sp.log(q)))`` for :math:`\int q(x) \log q(x)\,dx`
    with ``q = sp.Function("q")(x)``.  :func:`with_densities` evaluates it.

    Parameters
    ----------
    f : sympy.Expr
        The integrand.
    var : sympy.Symbol
        The integration variable; defaults to :data:`x`.

    Returns
    -------
    sympy.Integral

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import integral, latex, mul, x
    >>> q = sp.Function("q")(x)
    >>> print(latex(integral(mul(q, sp.log(q)))))
    \int\limits_{-\infty}^{\infty} q{\left(x \right)} \log{\left(q{\left(x \right)} \right)}\, dx
    """
    return sp.Integral(as_expr(f, "f"), (as_expr(var, "var"), -sp.oo, sp.oo))
