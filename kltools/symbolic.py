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
    "substituting",
    "integral_under",
    "Equations",
    "kl_normal_textbook",
]

x = sp.Symbol("x", real=True)
mu = sp.Symbol("mu", real=True)
sigma = sp.Symbol("sigma", positive=True)
mu1, mu2 = sp.symbols("mu_1 mu_2", real=True)
sigma1, sigma2 = sp.symbols("sigma_1 sigma_2", positive=True)


def kl_normal_textbook(m1=mu1, s1=sigma1, m2=mu2, s2=sigma2) -> sp.Expr:
    r"""The textbook KL(N(m1, s1^2) || N(m2, s2^2)) as a sympy expression, in nats.

    .. math::

        \log\frac{\sigma_2}{\sigma_1}
        + \frac{\sigma_1^2 + (\mu_1 - \mu_2)^2}{2\sigma_2^2} - \frac12

    This is the one typed reference the book's later chapters and the tests
    compare against; the chapter "The KL between two univariate Gaussians"
    derives it (equation ``eq-kl-normal``) from the entropy and the
    cross-entropy.

    Parameters
    ----------
    m1, s1, m2, s2 : sympy expressions or numbers
        Mean and standard deviation of q (first argument) and of p.  Default:
        the symbols ``mu1, sigma1, mu2, sigma2`` of this module.

    Returns
    -------
    sympy.Expr
        The expression, unevaluated beyond sympy's automatic simplification.

    Raises
    ------
    ValueError
        If an argument is a string that kltools' parser rejects.

    Examples
    --------
    >>> from kltools.symbolic import kl_normal_textbook, mu1, mu2, sigma2
    >>> import sympy as sp
    >>> sp.simplify(kl_normal_textbook(mu1, sigma2, mu2, sigma2))
    (mu_1 - mu_2)**2/(2*sigma_2**2)
    """
    m1, s1, m2, s2 = (_as_expr(a) for a in (m1, s1, m2, s2))
    return sp.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - sp.Rational(1, 2)


def _as_expr(value) -> sp.Basic:
    """A sympy object from ``value``.  A string is read by kltools' own parser, never evaluated.

    Strings may use the symbols above and those of :data:`kltools.checker.SYMBOLS`,
    numbers, ``+ - * / **`` (or ``^``), ``exp``, ``log``, ``log10``, ``sqrt`` and ``pi``.
    Passing a string to sympy itself would run it through ``eval``.
    """
    if isinstance(value, str):
        from .checker._parse import parse_expression
        from .checker.formulas import SYMBOLS

        table = {s.name: s for s in (x, mu, sigma, mu1, mu2, sigma1, sigma2)}
        return parse_expression(value, {**SYMBOLS, **table})
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, bool):
        raise ValueError("expected a sympy expression, a number or a string, got bool")
    try:  # strict: only types with a defined conversion (numbers, numpy scalars, matrices)
        return sp.sympify(value, strict=True)
    except sp.SympifyError:
        raise ValueError(f"expected a sympy expression, a number or a string, got {type(value).__name__}") from None


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
    var, mean, std = _as_expr(var), _as_expr(mean), _as_expr(std)
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
    q, var = _as_expr(q), _as_expr(var)
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
    q, p, var = _as_expr(q), _as_expr(p), _as_expr(var)
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
    q, p, var = _as_expr(q), _as_expr(p), _as_expr(var)
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
    expr : sympy.Expr or str
        A string is read by kltools' own whitelisting parser, never evaluated.

    Returns
    -------
    sympy.Expr
        An expression equal to ``expr`` for all admissible symbol values.

    Raises
    ------
    ValueError
        If a string is not a formula in the allowed names and functions.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import canonical, mu1, mu2, sigma1, sigma2
    >>> canonical(sp.log(sigma2) - sp.log(sigma1) + (mu1**2 - 2*mu1*mu2 + mu2**2) / (2 * sigma2**2))
    log(sigma_2/sigma_1) + (mu_1 - mu_2)**2/(2*sigma_2**2)
    """
    expanded = sp.expand(sp.expand_log(_as_expr(expr)))
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
    expr = _as_expr(expr)
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
        A string is read by kltools' own whitelisting parser (names such as
        ``mu``, ``sigma_1``, ``log_var``; ``exp``, ``log``, ``sqrt``), never
        evaluated; anything else raises ValueError.
    seed : int
        Seed for the (deterministic) choice of points.

    Returns
    -------
    dict or None
        ``{"point": {symbol: value}, "a": value_a, "b": value_b}`` for the first
        disagreeing point, or ``None``.

    Raises
    ------
    ValueError
        If a string is not a formula in the allowed names and functions.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import counterexample
    >>> t = sp.Symbol("t", real=True)
    >>> counterexample(sp.log(t**2), 2 * sp.log(t)) is not None
    True
    """
    a, b = _as_expr(a), _as_expr(b)
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
        A string is read by kltools' own whitelisting parser, never evaluated
        (see :func:`counterexample`).

    Returns
    -------
    bool

    Raises
    ------
    ValueError
        If a string is not a formula in the allowed names and functions.

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
    a, b = _as_expr(a), _as_expr(b)
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
    return sp.Add(*(_as_expr(t) for t in terms), evaluate=False)


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
    return sp.Mul(*(_as_expr(f) for f in factors), evaluate=False)


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
    >>> print(latex(frac(1, sigma)))
    \frac{1}{\sigma}
    """
    numerator = _as_expr(numerator)
    reciprocal = sp.Pow(_as_expr(denominator), -1, evaluate=False)
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
    name : str or sympy.Symbol
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
        label = name if isinstance(name, sp.Basic) else sp.Symbol(str(name))
        return sp.Expr.__new__(cls, _as_expr(f), var, _as_expr(mean), _as_expr(std), label)

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
    return _as_expr(expr).doit()


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
        self.steps: list[tuple[sp.Expr, str]] = [(_as_expr(first), note)]
        self._values: list[sp.Expr] = [self._evaluate(first)]

    def step(self, expr, note: str = "") -> "Derivation":
        """Append ``expr``, asserting that it equals the previous step. Returns ``self``."""
        value = self._evaluate(expr)
        if not equivalent(value, self._values[-1]):
            raise AssertionError(
                f"step {len(self.steps) + 1} is not equal to step {len(self.steps)}: "
                f"{latex(expr)} vs {latex(self.steps[-1][0])}"
            )
        self.steps.append((_as_expr(expr), note))
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


# --- reader-question chapters: general identities checked in a model ------
#
# The reader-question chapters (parameterization, negative-kl-plot,
# forward-reverse) display general identities with symbols that stand for
# functions, such as q(x), p(x | z) or KL(q || p(z)).  A derivation's steps are
# checked by replacing each such symbol by its definition in a concrete model
# (:func:`substituting`), so what is displayed is general and what is asserted
# is exact in that model, for all values of its parameters.  Several related
# results (derivatives, say) are shown as one numbered block (:class:`Equations`).


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

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import Expectation, mu, sigma, substituting, x
    >>> f = sp.Symbol("f(x)")
    >>> evaluate = substituting({f: (x - mu) ** 2})
    >>> evaluate(Expectation(f, x, mu, sigma))
    sigma**2
    """
    pairs = list(definitions.items()) if isinstance(definitions, dict) else list(definitions)

    def substitute(expr: sp.Expr, old, new) -> sp.Expr:
        def rebuild(e: Expectation) -> Expectation:
            f, var, mean, std, name = e.args
            return Expectation(f.subs(old, new), var, mean.subs(old, new), std.subs(old, new), name=name.name)

        # sympy's subs cannot rebuild an Expectation (its name is stored as a
        # Symbol), so expectations are rebuilt here, one definition at a time:
        # a definition may itself bring in an expectation of display symbols.
        return expr.replace(lambda e: isinstance(e, Expectation), rebuild).subs(old, new)

    def evaluate(expr) -> sp.Expr:
        expr = _as_expr(expr)
        for old, new in pairs:
            expr = substitute(expr, old, new)
        value = expr.doit()
        return then(value) if then is not None else value

    return evaluate


def integral_under(f, var: sp.Symbol, mean, std) -> sp.Expr:
    r"""The integral :math:`\int \mathcal N(x; \mu, \sigma^2)\, f(x)\, dx`, by sympy's ``integrate``.

    The direct integral, an independent check of :class:`Expectation` (which
    uses the normal moments).  The change of variable x = mean + std z is made
    first, which makes sympy's integration of Gaussian integrands several times
    faster; logs are expanded under the symbols' assumptions.

    Parameters
    ----------
    f : sympy.Expr
        The integrand's factor besides the density, a function of ``var``.
    var : sympy.Symbol
        The variable of integration.
    mean, std : sympy.Expr
        Mean and standard deviation (``std`` positive) of the normal density.

    Returns
    -------
    sympy.Expr
        The integral, simplified with :func:`canonical`.

    Examples
    --------
    >>> from kltools.symbolic import integral_under, mu, sigma, x
    >>> integral_under((x - mu) ** 2, x, mu, sigma)
    sigma**2
    """
    z = sp.Dummy("z", real=True)
    integrand = sp.expand(sp.expand_log(_as_expr(f).subs(var, mean + std * z)))
    density = sp.exp(-(z**2) / 2) / sp.sqrt(2 * sp.pi)
    return canonical(sp.integrate(sp.expand(density * integrand), (z, -sp.oo, sp.oo)))


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
            self.rows.append((lhs, tuple(_as_expr(r) for r in rhs), note))

    def latex(self) -> str:
        """The block as LaTeX: one row per equation, its note beside it."""
        lines = []
        for lhs, rhs, note in self.rows:
            left = lhs if isinstance(lhs, str) else latex(lhs)
            reason = rf" && \text{{{note}}}" if note else ""
            lines.append(f"{left} &= " + " = ".join(latex(r) for r in rhs) + reason)
        return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"

    def _repr_latex_(self) -> str:
        return f"$\\displaystyle {self.latex()}$"

    def __repr__(self) -> str:
        """The equations as plain text, one per line: deterministic (glue stores it, nbval compares it)."""
        rows = []
        for lhs, rhs, _ in self.rows:
            left = lhs if isinstance(lhs, str) else sp.sstr(lhs)
            rows.append(f"{left} = " + " = ".join(sp.sstr(r, order="none") for r in rhs))
        return "\n".join(rows)

    def __len__(self) -> int:
        return len(self.rows)





# --- multivariate derivations: matrices and independent factors -------------
#
# (Added for the chapters "Diagonal Gaussians and the VAE loss" and "Full
# covariance".)  Those chapters display their derivations for a general
# dimension d, with sympy matrix symbols (Sigma_1, mu_1, x) or with a product
# of d factors q_j(x_j), and assert every step on an explicit small case: d = 2
# (or 3), explicit symbolic matrices, explicit Gaussian factors.  A Derivation
# gets that through ``evaluate=``: :func:`explicit_evaluator` and
# :func:`factor_evaluator` build such functions.  Expectations are evaluated by
# reparameterisation, x = mean + L z with z ~ N(0, I), from the moments of the
# standard normal (as :class:`Expectation` does in one dimension); the
# independent check at the end of a derivation is :func:`integral_against`,
# which integrates the definition with sympy.

__all__ += [
    "prefactor",
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
    "integral_against",
    "Factor",
    "Joint",
    "FactorExpectation",
    "FactorKL",
    "factor_evaluator",
]


def _name(name) -> sp.Basic:
    return name if isinstance(name, sp.Basic) else sp.Symbol(name)


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
    return sp.MatAdd(*terms, evaluate=False)


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
    return sp.MatMul(*factors, evaluate=False)


class _Prefactor(sp.Expr):
    """c (expr), displayed with the coefficient in front of brackets."""

    is_commutative = True

    def __new__(cls, c, expr, brackets):
        return sp.Expr.__new__(cls, _as_expr(c), _as_expr(expr), sp.Symbol(str(brackets)))

    def doit(self, **hints):
        c, expr, _ = self.args
        return c * (expr.doit(**hints) if hints.get("deep", True) else expr)

    def _latex(self, printer):
        c, expr, brackets = self.args
        inner = printer._print(expr)
        left, right = {"()": (r"\left(", r"\right)"), "[]": (r"\left[", r"\right]")}.get(brackets.name, ("", ""))
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
    expr = _as_expr(expr)
    if brackets is None:
        brackets = "()" if isinstance(expr, sp.Add) else ""
    return _Prefactor(c, expr, brackets)


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
    return _Transposed(m)


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
    return _Det(_as_expr(m))


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
    return _LogDet(m)


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
    if tuple(m.shape) != (1, 1):
        raise ValueError(f"scalar() needs a 1 x 1 matrix expression, got shape {m.shape}")
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
        return sp.Expr.__new__(cls, _name(name), var, mean, cov)

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


def _normal_moments(expr: sp.Expr, zs) -> sp.Expr:
    """E[expr] for independent standard normal zs; expr must be a polynomial in them.

    E[z_1^k_1 ... z_n^k_n] is the product of (k_i - 1)!! for even k_i, and 0
    if any k_i is odd.
    """
    try:
        poly = sp.Poly(expr, *zs)
    except sp.PolynomialError:
        raise ValueError(f"expectation: not a polynomial in the standardised variables: {expr}") from None
    terms = []
    for powers, coeff in poly.terms():
        if all(k % 2 == 0 for k in powers):
            terms.append(coeff * sp.Mul(*(sp.factorial2(k - 1) for k in powers)))
    return sp.Add(*terms)


def _explicit(*args) -> bool:
    return all(isinstance(a, sp.MatrixBase) for a in args)


def _expect_explicit(f, var, mean, factor, hints):
    """E[f(var)] for var = mean + factor z, z ~ N(0, I), with explicit matrices."""
    zs = [sp.Dummy(f"z{i}", real=True) for i in range(var.shape[0])]
    sample = sp.Matrix(mean) + sp.Matrix(factor) * sp.Matrix(zs)
    rule = dict(zip(list(var), list(sample)))
    f = f.doit(**hints)
    if isinstance(f, sp.MatrixBase):
        return sp.ImmutableMatrix(f.shape[0], f.shape[1], [_normal_moments(sp.expand_log(e.subs(rule, simultaneous=True)), zs) for e in f])
    return _normal_moments(sp.expand_log(f.subs(rule, simultaneous=True)), zs)


def _latex_expectation(printer, f, name):
    sub = "" if name == sp.Symbol("") else "_{%s}" % printer._print(name)
    return r"\mathbb{E}%s\!\left[%s\right]" % (sub, printer._print(f))


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
        return sp.Expr.__new__(cls, _as_expr(f), var, mean, factor, _name(name))

    def doit(self, **hints):
        f, var, mean, factor, _ = self.args
        if not _explicit(var, mean, factor):
            return self
        return _expect_explicit(f, var, mean, factor, hints)

    def _latex(self, printer):
        return _latex_expectation(printer, self.args[0], self.args[4])


class MatrixExpectation(sp.MatrixExpr):
    r"""The expectation of a matrix-valued function of x ~ N(mean, L L^T), e.g. :math:`\mathbb E_q[(x-\mu)(x-\mu)^\top]`.

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
        return sp.MatrixExpr.__new__(cls, f, var, mean, factor, _name(name))

    @property
    def shape(self):
        return self.args[0].shape

    def doit(self, **hints):
        f, var, mean, factor, _ = self.args
        if not _explicit(var, mean, factor):
            return self
        return _expect_explicit(f, var, mean, factor, hints)

    def _latex(self, printer):
        return _latex_expectation(printer, self.args[0], self.args[4])


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

    Examples
    --------
    >>> from kltools.symbolic import cholesky_factor
    >>> cholesky_factor("a", 2)
    Matrix([
    [a_11,    0],
    [a_21, a_22]])
    """
    def entry(i, j):
        if j > i:
            return sp.Integer(0)
        return sp.Symbol(f"{name}_{i + 1}{j + 1}", positive=True) if i == j else sp.Symbol(f"{name}_{i + 1}{j + 1}", real=True)

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
    table = {k: sp.ImmutableMatrix(v) for k, v in matrices.items()}
    scalars = dict(scalars or {})

    def evaluate(expr):
        expr = _as_expr(expr)
        if scalars:
            expr = expr.subs(scalars)
        expr = expr.replace(lambda e: isinstance(e, sp.MatrixSymbol) and e.name in table, lambda e: table[e.name])
        value = expr.doit()
        if isinstance(value, sp.MatrixBase) and value.shape == (1, 1):
            value = value[0, 0]
        return sp.expand(value)  # expanded values make equivalent()'s simplify cheap

    return evaluate


@functools.lru_cache(maxsize=None)
def _standard_normal_integral(power: int) -> sp.Expr:
    z = sp.Symbol("z", real=True)
    # risch=False: sympy's Meijer-G route alone, several times faster here
    return sp.integrate(z**power * sp.exp(-(z**2) / 2) / sp.sqrt(2 * sp.pi), (z, -sp.oo, sp.oo), risch=False)


def integral_against(density, g, var, mean, factor) -> sp.Expr:
    r"""The integral :math:`\int q(x)\, g(x)\, dx` over :math:`\mathbb R^d`, evaluated by sympy.

    The independent check at the end of a derivation: the definition itself,
    integrated.  The change of variables x = mean + L z (dx = det L dz) turns
    q(x) dx into the standard normal density of z, which is asserted, not
    assumed; ``g(mean + L z)`` must be a polynomial in z after logs are
    expanded, and sympy's ``integrate`` integrates it against that density,
    term by term (Fubini: each term is a product of one-dimensional integrals).

    Parameters
    ----------
    density : sympy.Expr
        The explicit density q in the entries of ``var``.
    g : sympy.Expr
        The function integrated against it, e.g. ``log(q / p)``.
    var : sympy.Matrix
        The explicit vector of integration variables (d x 1).
    mean : sympy.Matrix
        The mean of ``density``.
    factor : sympy.Matrix
        A factor L of its covariance (lower triangular, or diagonal).

    Returns
    -------
    sympy.Expr

    Raises
    ------
    ValueError
        If ``density`` is not the N(mean, L L^T) density, or if ``g`` is not
        polynomial in the standardised variables.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import integral_against, normal_pdf
    >>> x1, m = sp.Symbol("x_1", real=True), sp.Symbol("m", real=True)
    >>> s = sp.Symbol("s", positive=True)
    >>> v = sp.Matrix([x1])
    >>> integral_against(normal_pdf(x1, m, s), (x1 - m) ** 2, v, sp.Matrix([m]), sp.Matrix([[s]]))
    s**2
    """
    var, mean, factor = sp.Matrix(var), sp.Matrix(mean), sp.Matrix(factor)
    n = var.shape[0]
    zs = sp.symbols(f"zeta_1:{n + 1}", real=True)
    rule = dict(zip(list(var), list(mean + factor * sp.Matrix(zs))))
    standard = sp.exp(-sum(z**2 for z in zs) / 2) / (2 * sp.pi) ** sp.Rational(n, 2)
    # logs first (the exponents are then polynomials), the change of variables second
    log_weight = sp.expand_log(sp.log(density)).subs(rule, simultaneous=True) + sp.log(factor.det())
    gap = sp.expand(sp.expand_log(log_weight) - sp.expand_log(sp.log(standard)))
    if gap != 0 and sp.cancel(gap) != 0 and sp.simplify(gap) != 0:
        raise ValueError("integral_against: the density is not that of mean + factor z, z ~ N(0, I)")
    poly = sp.expand(sp.expand_log(sp.expand_log(g).subs(rule, simultaneous=True)))
    if not poly.is_polynomial(*zs):
        raise ValueError("integral_against: g is not a polynomial in the standardised variables")
    total = sp.Integer(0)
    for powers, coeff in sp.Poly(poly, *zs).terms():
        total += coeff * sp.Mul(*(_standard_normal_integral(k) for k in powers))
    return total


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
        return sp.Expr.__new__(cls, _name(name), _as_expr(index), _as_expr(var))

    def _latex(self, printer):
        name, index, var = self.args
        return r"%s_{%s}\left(%s\right)" % (printer._print(name), printer._print(index), printer._print(var))

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
        return sp.Expr.__new__(cls, _name(name), var)

    def _latex(self, printer):
        return r"%s\left(%s\right)" % (printer._print(self.args[0]), printer._print(self.args[1]))

    def label(self, printer) -> str:
        return printer._print(self.args[0])


class FactorExpectation(sp.Expr):
    r"""An expectation under a product density or one of its factors: :math:`\mathbb E_q[f]`, :math:`\mathbb E_{q_j}[f]`.

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
        return sp.Expr.__new__(cls, _as_expr(f), under)

    def _latex(self, printer):
        return r"\mathbb{E}_{%s}\!\left[%s\right]" % (self.args[1].label(printer), printer._print(self.args[0]))


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
        return sp.Expr.__new__(cls, q, p)

    def _latex(self, printer):
        return r"\mathrm{KL}\left(%s \,\Vert\, %s\right)" % (self.args[0].label(printer), self.args[1].label(printer))


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
    variables = list(variables)
    scalars = dict(scalars or {})

    def density(name, i, var):
        mean, std = params[str(name)][i - 1]
        return sp.exp(-((var - mean) ** 2) / (2 * std**2)) / (sp.sqrt(2 * sp.pi) * std)

    def plain(e):
        """Variables and densities explicit (the expectations inside still unevaluated)."""
        e = e.replace(lambda t: isinstance(t, sp.Indexed) and str(t.base) == base and t.indices[0].is_Integer,
                      lambda t: variables[int(t.indices[0]) - 1])
        e = e.replace(lambda t: isinstance(t, Joint), lambda t: sp.Mul(*(density(t.args[0], i + 1, v) for i, v in enumerate(variables))))
        return e.replace(lambda t: isinstance(t, Factor), lambda t: density(t.args[0], int(t.args[1]), t.args[2]))

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
        expr = _as_expr(expr)
        if scalars:
            expr = expr.subs(scalars)
        expr = expr.doit()
        expr = expr.replace(lambda t: isinstance(t, FactorKL), lambda t: FactorExpectation(sp.log(t.args[0] / t.args[1]), t.args[0]))
        expr = expr.replace(lambda t: isinstance(t, FactorExpectation), lambda t: expectation(*t.args))
        return sp.expand(plain(expr))

    return evaluate


# --- numerics chapters: scaled displays, glue-able blocks, matrices, Fisher information ---
#
# Added for the numerics chapters (gradients, accuracy, Monte Carlo, cheat sheet);
# tested in tests/test_numerics.py.  Everything here builds on the code above and
# changes none of it.

__all__ += ["scaled", "substitute", "Display", "matrices_equivalent", "fisher_information"]


def scaled(factor, expr) -> sp.Expr:
    r"""``factor * expr`` displayed as a factor in front of a bracket, e.g. :math:`\tfrac12(e^v - 1)`.

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
    return sp.Mul(sp.UnevaluatedExpr(_as_expr(factor)), _as_expr(expr), evaluate=False)


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

    def inner(node):
        f, var, mean, std, name = node.args
        return Expectation(substitute(f, mapping), var, mean, std, name=name.name)

    replaced = _as_expr(expr).replace(lambda n: isinstance(n, Expectation), inner)
    return replaced.subs(mapping)


def matrices_equivalent(a, b) -> bool:
    """Decide whether two sympy matrices are equal entry by entry, for all admissible values.

    Parameters
    ----------
    a, b : sympy.Matrix
        Matrices of the same shape; each pair of entries is compared with
        :func:`equivalent`.

    Returns
    -------
    bool
        ``False`` also when the shapes differ.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import matrices_equivalent, sigma
    >>> matrices_equivalent(sp.Matrix([[sp.log(sigma**2)]]), sp.Matrix([[2 * sp.log(sigma)]]))
    True
    >>> matrices_equivalent(sp.eye(2), sp.Matrix([[1, 0], [0, 2]]))
    False
    """
    a, b = sp.Matrix(a), sp.Matrix(b)
    return a.shape == b.shape and all(equivalent(u, w) for u, w in zip(a, b))


def fisher_information(log_density, params, var, mean, std):
    r"""The Fisher information matrix of a normal family, by sympy, in two ways that must agree.

    .. math::

        F(\theta) = \mathbb E_q\big[\nabla_\theta \log q \,(\nabla_\theta \log q)^\top\big]
                  = -\mathbb E_q\big[\nabla^2_\theta \log q\big]

    Each entry is an :class:`Expectation` under q = N(mean, std^2), evaluated
    from the normal moments (the entries are polynomials in ``var``).

    Parameters
    ----------
    log_density : sympy.Expr
        log q(var) written in the parameters ``params``.
    params : sequence of sympy.Symbol
        The parameterisation θ, e.g. ``(mu, sigma)`` or ``(mu, v)``.
    var : sympy.Symbol
        The random variable.
    mean, std : sympy.Expr
        The mean and standard deviation of q in terms of ``params`` (e.g.
        ``std = exp(v / 2)`` for the log-variance).

    Returns
    -------
    sympy.Matrix
        F(θ), simplified; shape ``(len(params), len(params))``.

    Raises
    ------
    AssertionError
        If the outer product of the score and the negative Hessian give
        different matrices (a log-density that is not normalised, say).

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import fisher_information, mu, normal_pdf, sigma, x
    >>> log_q = sp.expand_log(sp.log(normal_pdf(x, mu, sigma)))
    >>> fisher_information(log_q, (mu, sigma), x, mu, sigma)
    Matrix([
    [sigma**(-2),          0],
    [          0, 2/sigma**2]])
    """
    theta = list(params)

    def expect(f):
        return sp.simplify(Expectation(sp.expand(f), var, mean, std).doit())

    score = sp.Matrix([sp.diff(log_density, t) for t in theta])
    by_score = (score * score.T).applyfunc(expect)
    by_hessian = (-sp.hessian(log_density, theta)).applyfunc(expect)
    if not matrices_equivalent(by_score, by_hessian):
        raise AssertionError(f"E[s s^T] = {by_score} differs from -E[Hessian] = {by_hessian}")
    return by_score


def _as_latex(obj) -> str:
    if hasattr(obj, "latex") and callable(obj.latex):  # a Derivation
        return obj.latex()
    return obj if isinstance(obj, str) else latex(obj)


class Display:
    r"""Math to glue: LaTeX generated from sympy objects, with a plain-text repr that never changes.

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
    >>> shown = Display.aligned((r"F_{\sigma\sigma}", 2 / sigma**2), ("F_{\\mu\\mu}", 1 / sigma**2, "the mean"))
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
        self.text = text or ("<Display: derivation>" if hasattr(body, "steps") else "<Display: equation>")

    @classmethod
    def aligned(cls, *rows) -> "Display":
        """Several equations ``(lhs, rhs)`` or ``(lhs, rhs, note)`` as one ``aligned`` block."""
        lines = []
        for row in rows:
            lhs, rhs, note = (tuple(row) + ("",))[:3]
            reason = rf" && \text{{{note}}}" if note else ""
            lines.append(f"{_as_latex(lhs)} &= {_as_latex(rhs)}{reason}")
        body = "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"
        return cls(body, f"<Display: {len(rows)} equation{'' if len(rows) == 1 else 's'}>")

    def latex(self) -> str:
        """The LaTeX shown (without the surrounding ``$``)."""
        return self.body

    def _repr_latex_(self) -> str:
        return f"$\\displaystyle {self.body}$"

    def __repr__(self) -> str:
        return self.text


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
    return sp.Integral(_as_expr(f), (_as_expr(var), -sp.oo, sp.oo))


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
    densities = {_as_expr(k): _as_expr(v) for k, v in densities.items()}

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
        expr = _as_expr(expr)
        expr = expr.replace(lambda e: isinstance(e, Expectation), expectation)
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
    definitions = dict(definitions or {})

    def evaluate(expr) -> sp.Expr:
        expr = _as_expr(expr).subs(definitions)
        ranges = {tuple(tuple(lim) for lim in node.limits) for node in expr.atoms(sp.Sum, sp.Integral)}
        if len(ranges) > 1:
            raise ValueError(f"termwise: the sums or integrals do not share their limits: {sorted(map(str, ranges))}")
        expr = expr.replace(lambda e: isinstance(e, (sp.Sum, sp.Integral)), lambda e: e.function)
        return expr.doit()

    return evaluate
