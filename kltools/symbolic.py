"""Symbolic helpers shared by the notebooks (sympy).

The book's notation (see the intro's symbols table): q = N(mu_1, sigma_1^2) is
the first argument of the KL, p = N(mu_2, sigma_2^2) the reference.  Means are
real symbols and standard deviations *positive* symbols, so that sympy may use
log(sigma^2) = 2 log(sigma) but never log(mu^2) = 2 log(mu).
"""

from __future__ import annotations

import numbers

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
]

x = sp.Symbol("x", real=True)
mu = sp.Symbol("mu", real=True)
sigma = sp.Symbol("sigma", positive=True)
mu1, mu2 = sp.symbols("mu_1 mu_2", real=True)
sigma1, sigma2 = sp.symbols("sigma_1 sigma_2", positive=True)


def _as_expr(value) -> sp.Basic:
    """A sympy object from ``value``.  A string is read by kltools' own parser, never evaluated.

    Strings may use the symbols above and those of :data:`kltools.formulas.SYMBOLS`,
    numbers, ``+ - * / **`` (or ``^``), ``exp``, ``log``, ``log10``, ``sqrt`` and ``pi``.
    Passing a string to sympy itself would run it through ``eval``.
    """
    if isinstance(value, str):
        from ._parse import parse_expression
        from .formulas import SYMBOLS

        table = {s.name: s for s in (x, mu, sigma, mu1, mu2, sigma1, sigma2)}
        return parse_expression(value, {**SYMBOLS, **table})
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, numbers.Number) and not isinstance(value, bool):
        return sp.sympify(value, strict=True)
    raise ValueError(f"expected a sympy expression, a number or a string, got {type(value).__name__}")


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


def _expectation_of_log(weight: sp.Expr, density: sp.Expr, var: sp.Symbol) -> sp.Expr:
    """The integral of weight * log(density) over the real line."""
    log_density = sp.expand(sp.expand_log(sp.log(density)))
    integrand = sp.expand(weight * log_density)
    return sp.integrate(integrand, (var, -sp.oo, sp.oo))


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
    return canonical(sp.integrate(sp.expand(q * log_ratio), (var, -sp.oo, sp.oo)))


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
