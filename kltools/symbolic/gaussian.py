"""Gaussian integrals and moments: the densities, and the integrals the derivations check against.

Two routes, kept apart so that one checks the other: sympy's own ``integrate`` after the change
of variables x = m + s z (:func:`entropy_integral`, :func:`integral_under`,
:func:`integral_against`), and the moments of the standard normal, E[z^k] = (k - 1)!! for even k
(:class:`Expectation`, :func:`normal_moments`).
"""

from __future__ import annotations

import functools

import sympy as sp

from ._inputs import as_expr, as_matrix, as_name, as_sequence, mu1, mu2, sigma1, sigma2, x
from .equivalence import canonical, matrices_equivalent

__all__ = [
    "kl_normal_textbook",
    "normal_pdf",
    "entropy_integral",
    "cross_entropy_integral",
    "kl_integral",
    "integral_under",
    "integral_against",
    "Expectation",
    "fisher_information",
]


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
    m1, s1, m2, s2 = (as_expr(a, n) for a, n in ((m1, "m1"), (s1, "s1"), (m2, "m2"), (s2, "s2")))
    return sp.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - sp.Rational(1, 2)


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
    var, mean, std = as_expr(var, "var"), as_expr(mean, "mean"), as_expr(std, "std")
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


def latex_expectation(printer, f, name, label: str | None = None) -> str:
    r"""The LaTeX :math:`\mathbb E_{name}[f]` (no subscript for an empty name)."""
    if label is None:
        label = "" if name == sp.Symbol("") else printer._print(name)
    sub = "_{%s}" % label if label else ""
    return r"\mathbb{E}%s\!\left[%s\right]" % (sub, printer._print(f))


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
    return sp.Add(*(c * sp.sqrt(2 * sp.pi) * standard_normal_integral(k) for (k,), c in terms))


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
    q, var = as_expr(q, "q"), as_expr(var, "var")
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
    q, p, var = as_expr(q, "q"), as_expr(p, "p"), as_expr(var, "var")
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
    q, p, var = as_expr(q, "q"), as_expr(p, "p"), as_expr(var, "var")
    log_ratio = sp.expand(sp.expand_log(sp.log(q)) - sp.expand_log(sp.log(p)))
    return canonical(_weighted_integral(q, log_ratio, var))


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
        args = (as_expr(f, "f"), as_expr(var, "var"), as_expr(mean, "mean"), as_expr(std, "std"))
        return sp.Expr.__new__(cls, *args, as_name(name, "name"))

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
        return normal_moments(expanded, [z])

    def transformed(self, change, parameters: bool = False) -> "Expectation":
        """The same expectation with ``change`` applied to its function (and, if
        ``parameters``, to its mean and standard deviation); sympy's ``subs`` cannot rebuild it."""
        f, var, mean, std, name = self.args
        if parameters:
            mean, std = change(mean), change(std)
        return Expectation(change(f), var, mean, std, name=name)

    def _latex(self, printer):
        return latex_expectation(printer, self.function, self.args[4])

    def _sympystr(self, printer):
        return f"E_{self.args[4]}[{printer._print(self.function)}]"


def integral_under(f, var: sp.Symbol, mean, std) -> sp.Expr:
    r"""The integral :math:`\int \mathcal N(x; \mu, \sigma^2)\, f(x)\, dx`, by sympy's
    ``integrate``.

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
    f, var, mean, std = (
        as_expr(a, n) for a, n in ((f, "f"), (var, "var"), (mean, "mean"), (std, "std"))
    )
    z = sp.Dummy("z", real=True)
    integrand = sp.expand(sp.expand_log(f.subs(var, mean + std * z)))
    if not integrand.is_polynomial(z):
        density = sp.exp(-(z**2) / 2) / sp.sqrt(2 * sp.pi)
        return canonical(sp.integrate(sp.expand(density * integrand), (z, -sp.oo, sp.oo)))
    terms = sp.Poly(integrand, z).terms()
    return canonical(sp.Add(*(c * standard_normal_integral(k) for (k,), c in terms)))


def normal_moments(expr: sp.Expr, zs) -> sp.Expr:
    """E[expr] for independent standard normal zs; expr must be a polynomial in them.

    E[z_1^k_1 ... z_n^k_n] is the product of (k_i - 1)!! for even k_i, and 0
    if any k_i is odd.
    """
    try:
        poly = sp.Poly(expr, *zs)
    except sp.PolynomialError:
        raise ValueError(
            f"expectation: not a polynomial in the standardised variables: {expr}"
        ) from None
    terms = []
    for powers, coeff in poly.terms():
        if all(k % 2 == 0 for k in powers):
            terms.append(coeff * sp.Mul(*(sp.factorial2(k - 1) for k in powers)))
    return sp.Add(*terms)


@functools.lru_cache(maxsize=None)
def standard_normal_integral(power: int) -> sp.Expr:
    """E[z^power] for z ~ N(0, 1), by sympy's ``integrate`` (the independent route)."""
    z = sp.Symbol("z", real=True)
    density = sp.exp(-(z**2) / 2) / sp.sqrt(2 * sp.pi)
    # risch=False: sympy's Meijer-G route alone, several times faster here
    return sp.integrate(z**power * density, (z, -sp.oo, sp.oo), risch=False)


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
    density, g = as_expr(density, "density"), as_expr(g, "g")
    var, mean, factor = (
        sp.Matrix(as_matrix(a, n, explicit=True))
        for a, n in ((var, "var"), (mean, "mean"), (factor, "factor"))
    )
    n = var.shape[0]
    zs = sp.symbols(f"zeta_1:{n + 1}", real=True)
    rule = dict(zip(list(var), list(mean + factor * sp.Matrix(zs))))
    standard = sp.exp(-sum(z**2 for z in zs) / 2) / (2 * sp.pi) ** sp.Rational(n, 2)
    # logs first (the exponents are then polynomials), the change of variables second
    log_weight = sp.expand_log(sp.log(density)).subs(rule, simultaneous=True) + sp.log(
        factor.det()
    )
    gap = sp.expand(sp.expand_log(log_weight) - sp.expand_log(sp.log(standard)))
    if gap != 0 and sp.cancel(gap) != 0 and sp.simplify(gap) != 0:
        raise ValueError(
            "integral_against: the density is not that of mean + factor z, z ~ N(0, I)"
        )
    poly = sp.expand(sp.expand_log(sp.expand_log(g).subs(rule, simultaneous=True)))
    if not poly.is_polynomial(*zs):
        raise ValueError("integral_against: g is not a polynomial in the standardised variables")
    total = sp.Integer(0)
    for powers, coeff in sp.Poly(poly, *zs).terms():
        total += coeff * sp.Mul(*(standard_normal_integral(k) for k in powers))
    return total


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
    log_density, var = as_expr(log_density, "log_density"), as_expr(var, "var")
    mean, std = as_expr(mean, "mean"), as_expr(std, "std")
    theta = list(as_sequence(params, "params"))

    def expect(f):
        return sp.simplify(Expectation(sp.expand(f), var, mean, std).doit())

    score = sp.Matrix([sp.diff(log_density, t) for t in theta])
    by_score = (score * score.T).applyfunc(expect)
    by_hessian = (-sp.hessian(log_density, theta)).applyfunc(expect)
    if not matrices_equivalent(by_score, by_hessian):
        raise AssertionError(f"E[s s^T] = {by_score} differs from -E[Hessian] = {by_hessian}")
    return by_score
