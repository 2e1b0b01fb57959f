"""Symbolic helpers shared by the notebooks (sympy).

The book's notation (see the intro's symbols table): q = N(mu_1, sigma_1^2) is
the first argument of the KL, p = N(mu_2, sigma_2^2) the reference.  Means are
real symbols and standard deviations *positive* symbols, so that sympy may use
log(sigma^2) = 2 log(sigma) but never log(mu^2) = 2 log(mu).
"""

from __future__ import annotations

import functools

import numpy as np
import sympy as sp

__all__ = [
    "x",
    "mu",
    "sigma",
    "mu1",
    "mu2",
    "sigma1",
    "sigma2",
    "normal_pdf",
    "entropy_integral",
    "cross_entropy_integral",
    "kl_integral",
    "canonical",
    "half_log_form",
    "equivalent",
    "counterexample",
    "Derivation",
    "Expectation",
    "add",
    "mul",
    "frac",
    "latex",
    "half",
    "integral",
    "with_densities",
    "termwise",
]

x = sp.Symbol("x", real=True)
mu = sp.Symbol("mu", real=True)
sigma = sp.Symbol("sigma", positive=True)
mu1, mu2 = sp.symbols("mu_1 mu_2", real=True)
sigma1, sigma2 = sp.symbols("sigma_1 sigma_2", positive=True)


def normal_pdf(var: sp.Symbol, mean: sp.Expr, std: sp.Expr) -> sp.Expr:
    r"""The density of N(mean, std^2) at ``var``, as a sympy expression.

    .. math:: \frac{1}{\sqrt{2\pi}\,\sigma} \exp\!\Big(-\frac{(x-\mu)^2}{2\sigma^2}\Big)

    Parameters
    ----------
    var : sympy.Symbol
        The variable (a real symbol such as :data:`x`).
    mean, std : sympy.Expr
        Mean and standard deviation.  Pass a *positive* symbol for ``std``
        (such as :data:`sigma1`) so that logs of it expand.

    Returns
    -------
    sympy.Expr

    Raises
    ------
    ValueError
        If ``std`` is known to sympy not to be positive.

    Examples
    --------
    >>> from kltools.symbolic import normal_pdf, x, mu, sigma
    >>> normal_pdf(x, mu, sigma)
    sqrt(2)*exp(-(-mu + x)**2/(2*sigma**2))/(2*sqrt(pi)*sigma)
    """
    std = sp.sympify(std)
    if std.is_positive is False:
        raise ValueError(f"std must be positive, got {std}")
    return sp.exp(-((var - mean) ** 2) / (2 * std**2)) / (sp.sqrt(2 * sp.pi) * std)


def _normal_parameters(density: sp.Expr, var: sp.Symbol) -> tuple[sp.Expr, sp.Expr] | None:
    """(mean, std) if ``density`` is a normal density in ``var``, else ``None``.

    A normal density is recognised by its logarithm: a quadratic in ``var``
    with a negative leading coefficient a = -1/(2 std^2), and the linear
    coefficient b = mean/std^2.
    """
    log_density = sp.expand(sp.expand_log(sp.log(density)))
    if not log_density.is_polynomial(var):
        return None
    poly = sp.Poly(log_density, var)
    if poly.degree() != 2:
        return None
    a, b = poly.coeff_monomial(var**2), poly.coeff_monomial(var)
    if not (-a).is_positive:
        return None
    return sp.simplify(-b / (2 * a)), sp.sqrt(-1 / (2 * a))


@functools.lru_cache(maxsize=64)
def _weighted_integral(weight: sp.Expr, g: sp.Expr, var: sp.Symbol) -> sp.Expr:
    """The integral of weight * g over the real line, by sympy.

    Logs in ``g`` are expanded first.  When ``weight`` is a normal density
    N(m, s^2), the integral is taken after the change of variables
    x = m + s z (dx = s dz) over the same real line.  The integrand is then
    exp(-z^2/2) times a polynomial in z, and sympy integrates it term by term
    (linearity): each z^k exp(-z^2/2) once.  That is many times faster than
    the integral in x with a symbolic mean, and it is still sympy's own
    integration, not the moment formula that :class:`Expectation` uses.
    Otherwise the integrand is integrated as it is.  (Cached: the book
    evaluates each definition once and checks against it again.)
    """
    g = sp.expand(sp.expand_log(g))
    params = _normal_parameters(weight, var)
    if params is None:
        return sp.integrate(sp.expand(weight * g), (var, -sp.oo, sp.oo))
    mean, std = params
    z = sp.Dummy("z", real=True)
    integrand = sp.expand(sp.expand_log((weight * g).subs(var, mean + std * z) * std))
    bell = sp.exp(-(z**2) / 2)
    poly_part = sp.expand(sp.powsimp(integrand / bell))
    if not poly_part.is_polynomial(z):
        return sp.integrate(integrand, (z, -sp.oo, sp.oo))
    terms = sp.Poly(poly_part, z).terms()
    return sp.Add(*(c * _bell_integral(k) for (k,), c in terms))


@functools.lru_cache(maxsize=None)
def _bell_integral(k: int) -> sp.Expr:
    """The integral of z^k exp(-z^2/2) over the real line, by sympy's integrate."""
    z = sp.Symbol("z", real=True)
    return sp.integrate(z**k * sp.exp(-(z**2) / 2), (z, -sp.oo, sp.oo))


def _expectation_of_log(weight: sp.Expr, density: sp.Expr, var: sp.Symbol) -> sp.Expr:
    """The integral of weight * log(density) over the real line."""
    return _weighted_integral(weight, sp.log(density), var)


def entropy_integral(q: sp.Expr, var: sp.Symbol = x) -> sp.Expr:
    r"""The differential entropy :math:`H(q) = -\int q \log q \, dx`, evaluated by sympy.

    Parameters
    ----------
    q : sympy.Expr
        A density in ``var``, for example from :func:`normal_pdf`.
    var : sympy.Symbol
        The integration variable; defaults to :data:`x`.

    Returns
    -------
    sympy.Expr
        The entropy in nats (natural log), simplified.

    Examples
    --------
    >>> from kltools.symbolic import entropy_integral, normal_pdf, x, mu, sigma
    >>> entropy_integral(normal_pdf(x, mu, sigma))
    log(sigma) + log(2)/2 + 1/2 + log(pi)/2
    """
    return sp.simplify(-_expectation_of_log(q, q, var))


def cross_entropy_integral(q: sp.Expr, p: sp.Expr, var: sp.Symbol = x) -> sp.Expr:
    r"""The cross-entropy :math:`H(q, p) = -\int q \log p \, dx`, evaluated by sympy.

    Parameters
    ----------
    q : sympy.Expr
        The density the expectation is taken under.
    p : sympy.Expr
        The density whose log is averaged.
    var : sympy.Symbol
        The integration variable; defaults to :data:`x`.

    Returns
    -------
    sympy.Expr
        The cross-entropy in nats, in the canonical form of :func:`canonical`.

    Examples
    --------
    >>> from kltools.symbolic import cross_entropy_integral, normal_pdf, x, mu, sigma
    >>> cross_entropy_integral(normal_pdf(x, mu, sigma), normal_pdf(x, 0, 1))
    mu**2/2 + sigma**2/2 + log(2*pi)/2
    """
    return canonical(-_expectation_of_log(q, p, var))


def kl_integral(q: sp.Expr, p: sp.Expr, var: sp.Symbol = x) -> sp.Expr:
    r"""The KL divergence :math:`\int q \log(q/p)\, dx` evaluated directly by sympy.

    This is the definition integrated in one piece, an independent route to
    the result that the book assembles as cross-entropy minus entropy.

    Parameters
    ----------
    q, p : sympy.Expr
        Densities in ``var``.
    var : sympy.Symbol
        The integration variable; defaults to :data:`x`.

    Returns
    -------
    sympy.Expr
        KL(q || p) in nats, in the canonical form of :func:`canonical`.

    Examples
    --------
    >>> from kltools.symbolic import kl_integral, normal_pdf, x, mu, sigma
    >>> kl_integral(normal_pdf(x, mu, sigma), normal_pdf(x, 0, 1))
    mu**2/2 + sigma**2/2 - log(sigma) - 1/2
    """
    log_ratio = sp.expand(sp.expand_log(sp.log(q)) - sp.expand_log(sp.log(p)))
    return canonical(_weighted_integral(q, log_ratio, var))


def canonical(expr: sp.Expr) -> sp.Expr:
    """A readable canonical form: one combined log, then the rational part, then constants.

    * Logs (including constants such as ``log(2)/2``) are expanded and
      recombined into one log with sympy's assumption-respecting
      ``expand_log``/``logcombine`` (never ``force=True``), so the form is
      valid for every admissible parameter value.  ``(1/2) log(...)`` is
      preferred to a square root inside the log.
    * In the rational part, the terms in the real (mean) symbols only are
      factored, which turns ``mu_1**2 - 2*mu_1*mu_2 + mu_2**2`` into
      ``(mu_1 - mu_2)**2``.
    * Rational constants come last.

    Parameters
    ----------
    expr : sympy.Expr

    Returns
    -------
    sympy.Expr
        An expression equal to ``expr`` for all admissible symbol values.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import canonical, mu1, mu2, sigma1, sigma2
    >>> canonical(sp.log(sigma2) - sp.log(sigma1) + (mu1**2 - 2*mu1*mu2 + mu2**2) / (2 * sigma2**2))
    log(sigma_2/sigma_1) + (mu_1 - mu_2)**2/(2*sigma_2**2)
    """
    expanded = sp.expand(sp.expand_log(sp.sympify(expr)))
    logs, rest, consts = [], [], []
    for term in sp.Add.make_args(expanded):
        if term.has(sp.log):
            logs.append(term)
        elif term.free_symbols:
            rest.append(term)
        else:
            consts.append(term)
    return _combine_logs(sp.Add(*logs)) + _readable_rational(sp.Add(*rest)) + sp.Add(*consts)


def _combine_logs(logs: sp.Expr) -> sp.Expr:
    if logs == 0:
        return sp.Integer(0)
    plain = sp.logcombine(logs)
    if not any(isinstance(a, sp.Pow) and a.exp == sp.Rational(1, 2) for a in sp.preorder_traversal(plain)):
        return plain
    halved = sp.logcombine(sp.expand(2 * logs))
    return sp.Mul(sp.Rational(1, 2), halved, evaluate=False) if isinstance(halved, sp.log) else plain


def _readable_rational(rest: sp.Expr) -> sp.Expr:
    if rest == 0:
        return sp.Integer(0)
    num, den = sp.fraction(sp.together(rest))
    terms = sp.Add.make_args(sp.expand(num))
    in_means = [t for t in terms if t.free_symbols and not any(s.is_positive for s in t.free_symbols)]
    others = [t for t in terms if t not in in_means]
    return (sp.factor(sp.Add(*in_means)) + sp.Add(*others)) / den


def half_log_form(expr: sp.Expr) -> sp.Expr:
    r"""Write ``expr`` as :math:`\tfrac12 \log(\ldots)`, e.g. the entropy as ½ log(2πeσ²).

    Parameters
    ----------
    expr : sympy.Expr
        A sum of logs and constants (the exponential of ``2 * expr`` must
        simplify to a product).

    Returns
    -------
    sympy.Expr
        ``log(exp(2 expr)) / 2`` with the argument simplified; equal to
        ``expr`` whenever the argument is positive, which :func:`equivalent`
        can confirm.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import half_log_form, sigma
    >>> half_log_form(sp.log(sigma) + sp.log(2 * sp.pi) / 2 + sp.Rational(1, 2))
    log(2*E*pi*sigma**2)/2
    """
    return sp.log(sp.simplify(sp.powsimp(sp.exp(sp.expand(2 * expr))))) / 2


# --- equivalence ---------------------------------------------------------

_N_POINTS = 24
_DIGITS = 50
_REL_TOL = sp.Float(10) ** (-30)


def _sample_value(sym: sp.Symbol, rng: np.random.Generator) -> sp.Expr:
    """A random admissible value for ``sym``, as an exact rational."""
    if sym.is_positive or sym.is_nonnegative:
        value = 10 ** rng.uniform(-1.5, 1.5)
    else:  # real or unrestricted symbols: cover both signs
        value = rng.uniform(-3.0, 3.0)
    return sp.Rational(repr(float(value)))


def _difference_at(a: sp.Expr, b: sp.Expr, point: dict) -> tuple[sp.Expr, sp.Expr] | None:
    va = sp.N(a.subs(point), _DIGITS)
    vb = sp.N(b.subs(point), _DIGITS)
    if not (va.is_number and vb.is_number) or va.has(sp.zoo, sp.nan, sp.oo) or vb.has(sp.zoo, sp.nan, sp.oo):
        return None
    return va, vb


def counterexample(a, b, *, seed: int = 0) -> dict | None:
    """A point where ``a`` and ``b`` differ, or ``None`` if none was found.

    Each free symbol is drawn from its admissible set: positive symbols from
    [10^-1.5, 10^1.5] (log-uniform), real ones from [-3, 3] (both signs), so
    that a log identity that only holds for positive arguments is caught.
    Values are compared at 50 significant digits, as complex numbers.

    Parameters
    ----------
    a, b : sympy.Expr or str
    seed : int
        Seed for the (deterministic) choice of points.

    Returns
    -------
    dict or None
        ``{"point": {symbol: value}, "a": value_a, "b": value_b}`` for the first
        disagreeing point, or ``None``.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import counterexample
    >>> t = sp.Symbol("t", real=True)
    >>> counterexample(sp.log(t**2), 2 * sp.log(t)) is not None
    True
    """
    a, b = sp.sympify(a), sp.sympify(b)
    symbols = sorted(a.free_symbols | b.free_symbols, key=lambda s: s.name)
    rng = np.random.default_rng(seed)
    for _ in range(_N_POINTS):
        point = {s: _sample_value(s, rng) for s in symbols}
        values = _difference_at(a, b, point)
        if values is None:
            continue
        va, vb = values
        scale = max(sp.Integer(1), abs(va), abs(vb))
        if abs(va - vb) > _REL_TOL * scale:
            return {"point": point, "a": va, "b": vb}
    return None


def equivalent(a, b) -> bool:
    """Decide whether two sympy expressions are equal for all admissible parameter values.

    The admissible values are those allowed by the symbols' assumptions
    (positive standard deviations, real means).  The decision has two parts:

    1. sympy tries to prove it: ``simplify(expand_log(a - b)) == 0``.  This
       uses the symbols' assumptions and never ``force=True``, so
       ``log(sigma**2) = 2*log(sigma)`` is proved for a positive ``sigma``
       but ``log(t**2) = 2*log(t)`` is not for a merely real ``t``.
    2. If sympy cannot prove it, :func:`counterexample` evaluates both sides
       at 24 random admissible points with 50 digits, as complex numbers.
       Any disagreement means *not equivalent* (with a real ``t``,
       ``log(t**2)`` and ``2*log(t)`` differ by 2 pi i at t < 0); agreement to
       30 digits at every point is taken as equivalence (a non-zero analytic
       difference that vanishes at 24 random points does not occur in
       practice).

    Parameters
    ----------
    a, b : sympy.Expr or str

    Returns
    -------
    bool

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import equivalent, sigma
    >>> equivalent(sp.log(sigma**2), 2 * sp.log(sigma))
    True
    >>> t = sp.Symbol("t", real=True)
    >>> equivalent(sp.log(t**2), 2 * sp.log(t))
    False
    """
    a, b = sp.sympify(a), sp.sympify(b)
    if sp.simplify(sp.expand_log(a - b)) == 0:
        return True  # proved under the symbols' assumptions
    return counterexample(a, b) is None


# --- derivations shown step by step --------------------------------------
#
# A chapter shows a derivation as a chain of readable steps, and sympy asserts
# each step equal to the one before it.  The readable forms are built with
# sympy's ``evaluate=False`` (the helpers below), so that the terms keep the
# order and grouping a textbook prints; the LaTeX is generated from the very
# expression that is asserted, never typed beside it.


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
    return sp.Add(*(sp.sympify(t) for t in terms), evaluate=False)


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
    return sp.Mul(*(sp.sympify(f) for f in factors), evaluate=False)


def frac(numerator, denominator) -> sp.Expr:
    r"""A fraction kept as written, for display: ``frac(a + b, 2 * c)`` shows as :math:`\frac{a + b}{2c}`.

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
    """
    return sp.Mul(sp.sympify(numerator), sp.Pow(sp.sympify(denominator), -1, evaluate=False), evaluate=False)


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
    return sp.latex(expr, order="none")


class Expectation(sp.Expr):
    r"""The expectation :math:`\mathbb E_q[f(x)]` under q = N(mean, std^2), left unevaluated.

    It displays as :math:`\mathbb E_q[\ldots]`.  ``doit()`` evaluates it from the
    moments of the normal distribution: with x = mean + std z, ``f`` must become
    a polynomial in z (after logs are expanded), and E[z^k] is (k - 1)!! for
    even k and 0 for odd k.  That is the integral against the density, done
    term by term; a derivation that uses it still ends with a check against
    the direct integral (:meth:`Derivation.check`).

    Parameters
    ----------
    f : sympy.Expr
        The function of ``var`` whose expectation is taken.
    var : sympy.Symbol
        The random variable.
    mean, std : sympy.Expr
        Parameters of the normal distribution of ``var`` (``std`` positive).
    name : str
        The distribution's name in the display, ``"q"`` by default.

    Raises
    ------
    ValueError
        From ``doit()``, if ``f`` is not a polynomial in ``var``.

    Examples
    --------
    >>> from kltools.symbolic import Expectation, latex, mu1, mu2, sigma1, x
    >>> e = Expectation((x - mu2) ** 2, x, mu1, sigma1)
    >>> print(latex(e))
    \mathbb{E}_{q}\!\left[\left(x - \mu_{2}\right)^{2}\right]
    >>> e.doit()
    mu_1**2 - 2*mu_1*mu_2 + mu_2**2 + sigma_1**2
    """

    def __new__(cls, f, var, mean, std, name: str = "q"):
        return sp.Expr.__new__(cls, sp.sympify(f), var, sp.sympify(mean), sp.sympify(std), sp.Symbol(name))

    @property
    def function(self) -> sp.Expr:
        return self.args[0]

    def doit(self, **hints):
        f, var, mean, std, _ = self.args
        if hints.get("deep", True):
            f = f.doit(**hints)
        z = sp.Dummy("z", real=True)
        expanded = sp.expand(sp.expand_log(f.subs(var, mean + std * z)))
        if not expanded.is_polynomial(z):
            raise ValueError(f"Expectation.doit: the function is not a polynomial in {var}: {f}")
        poly = sp.Poly(expanded, z)
        return sp.Add(*(c * (0 if k % 2 else sp.factorial2(k - 1)) for (k,), c in poly.terms()))

    def _latex(self, printer):
        return r"\mathbb{E}_{%s}\!\left[%s\right]" % (printer._print(self.args[4]), printer._print(self.function))

    def _sympystr(self, printer):
        return f"E_{self.args[4]}[{printer._print(self.function)}]"


def _evaluate(expr) -> sp.Expr:
    return sp.sympify(expr).doit()


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
        self.lhs = lhs
        self._evaluate = evaluate or _evaluate
        self.steps: list[tuple[sp.Expr, str]] = [(sp.sympify(first), note)]
        self._values: list[sp.Expr] = [self._evaluate(first)]

    def step(self, expr, note: str = "") -> "Derivation":
        """Append ``expr``, asserting that it equals the previous step. Returns ``self``."""
        value = self._evaluate(expr)
        if not equivalent(value, self._values[-1]):
            raise AssertionError(
                f"step {len(self.steps) + 1} is not equal to step {len(self.steps)}: "
                f"{latex(expr)} vs {latex(self.steps[-1][0])}"
            )
        self.steps.append((sp.sympify(expr), note))
        self._values.append(value)
        return self

    def check(self, other, what: str = "") -> "Derivation":
        """Assert that the last step equals ``other`` (an independent evaluation). Returns ``self``."""
        if not equivalent(self._values[-1], self._evaluate(other)):
            raise AssertionError(f"the derivation's result {latex(self.steps[-1][0])} is not equal to {what or latex(other)}")
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
        rows = []
        for i, (expr, note) in enumerate(self.steps):
            reason = rf" && \text{{{note}}}" if note else ""
            rows.append(rf"{lhs if i == 0 else ''} &= {latex(expr)}{reason}")
        return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"

    def _repr_latex_(self) -> str:
        return f"$\\displaystyle {self.latex()}$"

    def __len__(self) -> int:
        return len(self.steps)


# --- more display helpers for derivations (foundations chapters) ----------


def half(expr) -> sp.Expr:
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
    >>> from kltools.symbolic import half, latex, sigma
    >>> print(latex(half(sp.log(2 * sp.pi * sigma**2))))
    \frac{1}{2} \log{\left(2 \pi \sigma^{2} \right)}
    >>> half(sp.log(2 * sp.pi * sigma**2)).doit()
    log(2*pi*sigma**2)/2
    """
    return mul(sp.UnevaluatedExpr(sp.Rational(1, 2)), expr)


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
    return sp.Integral(sp.sympify(f), (var, -sp.oo, sp.oo))


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
    densities = {sp.sympify(k): sp.sympify(v) for k, v in densities.items()}

    def expectation(e: Expectation) -> sp.Expr:
        f, e_var, mean, std, name = e.args
        return Expectation(f.subs(densities), e_var, mean, std, name=name.name).doit()

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
        expr = sp.sympify(expr)
        expr = expr.replace(lambda e: isinstance(e, Expectation), expectation)
        expr = expr.replace(lambda e: isinstance(e, sp.Integral), integrate)
        return expr.subs(densities).doit()

    return evaluate


def termwise(definitions: dict | None = None):
    r"""An ``evaluate=`` for :class:`Derivation`: compare sums (or integrals) term by term.

    An identity between sums over the same range, such as
    :math:`\sum_i q_i \lograc{q_i}{p_i} = \sum_i q_i \log q_i - \sum_i q_i \log p_i`,
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
    definitions = dict(definitions or {})

    def evaluate(expr) -> sp.Expr:
        expr = sp.sympify(expr).subs(definitions)
        ranges = {tuple(tuple(lim) for lim in node.limits) for node in expr.atoms(sp.Sum, sp.Integral)}
        if len(ranges) > 1:
            raise ValueError(f"termwise: the sums or integrals do not share their limits: {sorted(map(str, ranges))}")
        expr = expr.replace(lambda e: isinstance(e, (sp.Sum, sp.Integral)), lambda e: e.function)
        return expr.doit()

    return evaluate


def _derivation_repr(self: Derivation) -> str:
    """The steps as plain text, one per line (powers as ^): deterministic, unlike the default repr.

    ``glue(name, derivation)`` stores this as the ``text/plain`` of the output,
    and strict nbval compares it; the default ``<... at 0x7f...>`` would differ
    on every run.
    """
    lhs = self.lhs if isinstance(self.lhs, str) else sp.sstr(self.lhs)
    rows = []
    for i, (expr, _) in enumerate(self.steps):
        text = sp.sstr(expr, order="none").replace("**", "^")
        rows.append(f"{lhs if i == 0 else ' ' * len(lhs)} = {text}")
    return "\n".join(rows)


Derivation.__repr__ = _derivation_repr  # kept with the extensions; belongs in the class body
