"""Derivations shown step by step, each step asserted equal to the one before, and the
``evaluate=`` functions that make a displayed step comparable.

A step is displayed in general notation (a density q(x), a symbol H(q), a sum over i) and
compared, after its evaluator has replaced that notation by a concrete model, for all values of
the model's parameters.
"""

from __future__ import annotations

import sympy as sp

from ._inputs import as_expr, as_pairs, as_text, x
from .display import aligned, latex
from .equivalence import equivalent
from .gaussian import Expectation, _weighted_integral

__all__ = ["Derivation", "substituting", "substitute", "with_densities", "termwise"]


def _is_expectation(e) -> bool:
    return isinstance(e, Expectation)


def _evaluate(expr) -> sp.Expr:
    return as_expr(expr, "expr").doit()


class Derivation:
    r"""A derivation shown as displayed steps, each asserted equal to the one before.

    Start with the definition, add steps with :meth:`step`, and end with
    :meth:`check` against an independent evaluation (the direct integral, or
    an earlier chapter's result).  Every step is built as a readable sympy
    expression (see :func:`add`, :func:`mul`, :func:`frac`,
    :class:`Expectation`) and displayed from that same expression, so what
    the reader sees is what was asserted.  :func:`equivalent` decides each
    equality, for all admissible values of the symbols.

    Glue the derivation (``glue(name, derivation, display=False)``) and show
    it with a ``glue:math`` directive: it renders as one numbered ``aligned``
    block with a short reason beside each step.

    Parameters
    ----------
    lhs : sympy.Expr or str
        The quantity derived, e.g. ``sp.Symbol("H(q)")`` or a LaTeX string.
    first : sympy.Expr
        The first expression, usually the definition.
    note : str
        Why the first line holds, e.g. ``"definition"`` (plain text).
    evaluate : callable, optional
        Maps a step to the expression that is compared (default: ``doit()``,
        which evaluates integrals and :class:`Expectation`).  Matrix
        derivations pass a function that substitutes explicit matrices.

    Raises
    ------
    AssertionError
        From :meth:`step` or :meth:`check`, when sympy finds the new
        expression different from the previous one; the message shows both.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import Derivation, Expectation, add, frac, mu, sigma, x
    >>> d = Derivation("E_q[(x - mu)^2]", Expectation((x - mu) ** 2, x, mu, sigma), "definition")
    >>> d = d.step(sigma**2, "the variance of q")
    >>> d.result
    sigma**2
    >>> d.step(2 * sigma**2, "a wrong step")
    Traceback (most recent call last):
    ...
    AssertionError: step 3 is not equal to step 2: 2 \sigma^{2} vs \sigma^{2}
    """

    def __init__(self, lhs, first, note: str = "", *, evaluate=None):
        if not isinstance(lhs, (str, sp.Basic)):
            raise ValueError(
                f"lhs: expected LaTeX text or a sympy expression, got {type(lhs).__name__}"
            )
        if evaluate is not None and not callable(evaluate):
            raise ValueError(f"evaluate: expected a callable, got {type(evaluate).__name__}")
        self.lhs = lhs
        self._evaluate = evaluate or _evaluate
        self.steps: list[tuple[sp.Expr, str]] = [(as_expr(first, "first"), as_text(note, "note"))]
        self._values: list[sp.Expr] = [self._evaluate(first)]

    def step(self, expr, note: str = "") -> "Derivation":
        """Append ``expr``, asserting that it equals the previous step. Returns ``self``."""
        value = self._evaluate(expr)
        if not equivalent(value, self._values[-1]):
            raise AssertionError(
                f"step {len(self.steps) + 1} is not equal to step {len(self.steps)}: "
                f"{latex(expr)} vs {latex(self.steps[-1][0])}"
            )
        self.steps.append((as_expr(expr, "expr"), as_text(note, "note")))
        self._values.append(value)
        return self

    def check(self, other, what: str = "") -> "Derivation":
        """Assert that the last step equals ``other`` (an independent evaluation); ``self``."""
        if not equivalent(self._values[-1], self._evaluate(other)):
            raise AssertionError(
                f"the derivation's result {latex(self.steps[-1][0])} is not equal to "
                f"{what or latex(other)}"
            )
        self.checked = what or latex(other)
        return self

    @property
    def result(self) -> sp.Expr:
        """The value of the last step (evaluated)."""
        return self._values[-1]

    @property
    def final(self) -> sp.Expr:
        """The last step as displayed (unevaluated)."""
        return self.steps[-1][0]

    def latex(self) -> str:
        """The derivation as an ``aligned`` block: one line per step, its reason beside it."""
        lhs = self.lhs if isinstance(self.lhs, str) else latex(self.lhs)
        return aligned(
            (lhs if i == 0 else "", latex(expr), note) for i, (expr, note) in enumerate(self.steps)
        )

    def _repr_latex_(self) -> str:
        return f"$\\displaystyle {self.latex()}$"

    def __len__(self) -> int:
        return len(self.steps)

    def __repr__(self) -> str:
        """The steps as plain text, one per line (powers as ^).

        Deterministic, unlike the default ``<... at 0x7f...>``:
        ``glue(name, derivation)`` stores this as the ``text/plain`` of the
        output, and strict nbval compares it.
        """
        lhs = self.lhs if isinstance(self.lhs, str) else sp.sstr(self.lhs)
        rows = []
        for i, (expr, _) in enumerate(self.steps):
            text = sp.sstr(expr, order="none").replace("**", "^")
            rows.append(f"{lhs if i == 0 else ' ' * len(lhs)} = {text}")
        return "\n".join(rows)


def substituting(definitions, then=None):
    r"""An ``evaluate`` for :class:`Derivation` that replaces symbols by their definitions.

    Each display symbol is replaced by its definition, also inside an
    :class:`Expectation` (whose function is rebuilt, so the expectation can
    then be evaluated by its moments); then ``doit()`` evaluates integrals and
    expectations.

    Parameters
    ----------
    definitions : dict or sequence of (symbol, expression) pairs
        Applied one at a time, in the order given, so a definition may use a
        symbol that a later pair defines (an expectation of display symbols,
        say).
    then : callable, optional
        Applied to the evaluated expression (e.g. a final substitution).

    Returns
    -------
    callable
        ``evaluate(expr) -> sympy.Expr``.

    Raises
    ------
    ValueError
        If a definition is not a pair of sympy expressions (or formula strings), or
        ``then`` is not callable.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import Expectation, mu, sigma, substituting, x
    >>> f = sp.Symbol("f(x)")
    >>> evaluate = substituting({f: (x - mu) ** 2})
    >>> evaluate(Expectation(f, x, mu, sigma))
    sigma**2
    """
    pairs = as_pairs(definitions, "definitions")
    if then is not None and not callable(then):
        raise ValueError(f"then: expected a callable, got {type(then).__name__}")

    def one(expr: sp.Expr, old, new) -> sp.Expr:
        # one definition at a time: a definition may bring in an expectation of display symbols
        def change(e):
            return e.subs(old, new)

        rebuilt = expr.replace(_is_expectation, lambda e: e.transformed(change, parameters=True))
        return rebuilt.subs(old, new)

    def evaluate(expr) -> sp.Expr:
        expr = as_expr(expr, "expr")
        for old, new in pairs:
            expr = one(expr, old, new)
        value = expr.doit()
        return then(value) if then is not None else value

    return evaluate


def substitute(expr, mapping: dict) -> sp.Expr:
    r"""``expr.subs(mapping)``, also inside :class:`Expectation` nodes.

    sympy's ``subs`` rebuilds a changed node from its arguments, which an
    :class:`Expectation` does not accept; this helper rebuilds those nodes
    itself.  Derivations use it to show placeholders (such as a symbol
    :math:`\log\rho`) and to evaluate with what they stand for.

    Parameters
    ----------
    expr : sympy.Expr
    mapping : dict
        Old sub-expressions (usually placeholder symbols) to new ones.

    Returns
    -------
    sympy.Expr

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import Expectation, mu, sigma, substitute, x
    >>> y = sp.Symbol("y")
    >>> e = Expectation(y**2, x, mu, sigma) + y
    >>> substitute(e, {y: x - mu}).doit()
    -mu + sigma**2 + x
    """
    expr = as_expr(expr, "expr")
    mapping = dict(as_pairs(mapping, "mapping"))

    def change(f):
        return substitute(f, mapping)

    replaced = expr.replace(_is_expectation, lambda e: e.transformed(change))
    return replaced.subs(mapping)


def with_densities(densities: dict, var: sp.Symbol = x):
    r"""An ``evaluate=`` for :class:`Derivation` whose steps name densities, such as q(x).

    A derivation is easiest to read with the densities written as q(x) and
    p(x) (undefined sympy functions), as in :math:`-\int q(x)\log p(x)\,dx`
    or :math:`\mathbb E_q[\log p(x)]`.  The evaluator puts the actual
    densities in and evaluates:

    * each :func:`integral` over the real line by sympy, directly: the
      density factors outside the logarithm are the weight, and when the
      weight is a normal density the integral is taken after the change of
      variables x = m + s z (see :func:`entropy_integral`);
    * each :class:`Expectation` by the normal moments;
    * everything else with ``doit()``.

    Parameters
    ----------
    densities : dict
        Maps each applied function (``q = sp.Function("q")(x)``) to its
        density, e.g. ``{q: normal_pdf(x, mu, sigma)}``.
    var : sympy.Symbol
        The variable of the densities; defaults to :data:`x`.

    Returns
    -------
    callable
        ``evaluate(expr) -> sympy.Expr``, to pass as ``Derivation(..., evaluate=...)``.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import (Derivation, Expectation, integral, mu, mul,
    ...     normal_pdf, sigma, with_densities, x)
    >>> q = sp.Function("q")(x)
    >>> ev = with_densities({q: normal_pdf(x, mu, sigma)})
    >>> ev(integral(mul(q, x**2)))
    mu**2 + sigma**2
    >>> d = Derivation("H(q)", -integral(mul(q, sp.log(q))), "definition", evaluate=ev)
    >>> d = d.step(-Expectation(sp.log(q), x, mu, sigma), "an expectation under q")
    >>> d.step(sp.log(2 * sp.pi * sp.E * sigma**2) / 2, "the result").result
    log(2*E*pi*sigma**2)/2
    """
    densities = dict(as_pairs(densities, "densities"))
    var = as_expr(var, "var")

    def expectation(e: Expectation) -> sp.Expr:
        return e.transformed(lambda f: f.subs(densities)).doit()

    def integrate(e: sp.Integral) -> sp.Expr:
        if len(e.limits) != 1 or tuple(e.limits[0]) != (var, -sp.oo, sp.oo):
            return e.subs(densities).doit()
        factors = sp.Mul.make_args(e.function)
        weight = [f for f in factors if f in densities]
        rest = sp.Mul(*(f for f in factors if f not in densities)).subs(densities)
        if len(weight) != 1:  # no single density weight: integrate as it is
            return _weighted_integral(sp.Integer(1), e.function.subs(densities), var)
        return _weighted_integral(densities[weight[0]], rest, var)

    def evaluate(expr) -> sp.Expr:
        expr = as_expr(expr, "expr")
        expr = expr.replace(_is_expectation, expectation)
        expr = expr.replace(lambda e: isinstance(e, sp.Integral), integrate)
        return expr.subs(densities).doit()

    return evaluate


def termwise(definitions: dict | None = None):
    r"""An ``evaluate=`` for :class:`Derivation`: compare sums (or integrals) term by term.

    An identity between sums over the same range, such as
    :math:`\sum_i q_i \log\frac{q_i}{p_i} = \sum_i q_i \log q_i - \sum_i q_i \log p_i`,
    holds for every n if it holds term by term, because a sum is linear.  The
    same goes for integrals over the same domain, wherever they exist.  This
    evaluator substitutes ``definitions`` (e.g. the symbol H(q) by its sum),
    checks that every ``Sum`` and ``Integral`` left has the same limits, and
    replaces each by its summand (integrand).  :func:`equivalent` then
    compares the summands, with the symbols' assumptions (positive
    probabilities or densities).

    Parameters
    ----------
    definitions : dict, optional
        Symbols to replace by what they stand for, before the comparison.

    Returns
    -------
    callable
        ``evaluate(expr) -> sympy.Expr``, to pass as ``Derivation(..., evaluate=...)``.

    Raises
    ------
    ValueError
        From the evaluator, if the sums or integrals in one expression do not
        all have the same limits (then the term-by-term comparison proves
        nothing).

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import Derivation, add, termwise
    >>> i, n = sp.symbols("i n", integer=True, positive=True)
    >>> a, b = sp.symbols("a_i b_i", positive=True)
    >>> S = lambda f: sp.Sum(f, (i, 1, n))
    >>> d = Derivation("L", S(sp.log(a * b)), "definition", evaluate=termwise())
    >>> d.step(add(S(sp.log(a)), S(sp.log(b))), "log of a product").result
    log(a_i) + log(b_i)
    """
    definitions = dict(as_pairs(definitions, "definitions"))

    def evaluate(expr) -> sp.Expr:
        expr = as_expr(expr, "expr").subs(definitions)
        ranges = {
            tuple(tuple(lim) for lim in node.limits) for node in expr.atoms(sp.Sum, sp.Integral)
        }
        if len(ranges) > 1:
            raise ValueError(
                "termwise: the sums or integrals do not share their limits: "
                f"{sorted(map(str, ranges))}"
            )
        expr = expr.replace(lambda e: isinstance(e, (sp.Sum, sp.Integral)), lambda e: e.function)
        return expr.doit()

    return evaluate
