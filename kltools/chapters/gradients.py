"""The gradients chapter: its derivation builder, the displayed forms, and its checks.

The chapter differentiates KL(q || p) (``eq-kl-normal``) in mu_1, sigma_1, the variance
sigma_1^2 (the symbol :data:`w`) and the log-variance v = log sigma_1^2, and relates the
curvature to the Fisher information.  The ``check_*`` functions return the verdicts the
page prints; ``tests/test_chapter_gradients.py`` asserts the typed forms.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from kltools.symbolic import (Derivation, Expectation, add, equivalent, frac, kl_normal_textbook,
                              matrices_equivalent, mu, mu1, mu2, scaled, sigma, sigma1, sigma2,
                              x)

__all__ = [
    "v", "w", "KL", "IN_THETA", "UNIT_FORMS", "HESS_FORMS", "NARROW_CURVATURES", "d_kl",
    "gradient", "finite_difference_rows", "finite_difference_table",
    "check_finite_differences", "fisher_entry", "check_fisher_is_kl_hessian",
    "check_fisher_scale_entries", "check_log_sigma_exercise", "check_natural_gradient",
]

_half = sp.Rational(1, 2)
v = sp.Symbol("v", real=True)  # v = log sigma_1^2
w = sp.Symbol(r"\sigma_1^2", positive=True)  # the variance of q as a variable
#: eq-kl-normal, the book's one reference.
KL = kl_normal_textbook()
#: The KL as a function of each parameter of q.
IN_THETA = {mu1: KL, sigma1: KL, w: KL.subs(sigma1, sp.sqrt(w)), v: KL.subs(sigma1, sp.exp(v / 2))}
#: The gradients for the unit prior (mu_2 = 0, sigma_2 = 1), in textbook form.
UNIT_FORMS = {"mu": mu1, "sigma": add(sigma1, -1 / sigma1), "var": scaled(_half, add(1, -1 / w)),
              "log_var": scaled(_half, add(sp.exp(v), -1))}
#: The second derivatives in textbook form (in sigma_1 for the variance).
HESS_FORMS = {"mu": 1 / sigma2**2, "sigma": add(1 / sigma1**2, 1 / sigma2**2),
              "var": 1 / (2 * sigma1**4), "log_var": frac(sp.exp(v), 2 * sigma2**2)}
#: The curvatures at sigma_1 = 1/100 against N(0, 1), as (mantissa, power of ten).
NARROW_CURVATURES = {"sigma": (10001, 0), "var": (5, 7), "log_var": (5, -5)}


def d_kl(theta, order=1):
    r"""The LaTeX of dKL/dtheta or d^2KL/dtheta^2, as the page's left-hand sides.

    Parameters
    ----------
    theta : sympy.Symbol
        The parameter.
    order : int
        1 or 2.

    Returns
    -------
    str
        A LaTeX fraction.

    Examples
    --------
    >>> from kltools.chapters.gradients import d_kl, v
    >>> d_kl(v)
    '\\frac{\\partial\\,\\mathrm{KL}}{\\partial v}'
    """
    top = r"\partial^2" if order == 2 else r"\partial"
    if order == 2 and theta == w:
        wrt = rf"\partial \left({sp.latex(theta)}\right)^2"
    elif order == 2:
        wrt = rf"\partial {sp.latex(theta)}^2"
    else:
        wrt = rf"\partial {sp.latex(theta)}"
    return rf"\frac{{{top}\,\mathrm{{KL}}}}{{{wrt}}}"


def gradient(theta, terms, *steps):
    """dKL/dtheta as a derivation: the terms with theta, differentiated, then collected.

    Each step is asserted equal to the previous one, and the last to the derivative of
    the whole KL (:data:`IN_THETA`).

    Parameters
    ----------
    theta : sympy.Symbol
        ``mu1``, ``sigma1``, :data:`w` or :data:`v`.
    terms : sympy expression
        The terms of the KL that depend on theta.
    *steps : sympy expression
        The derivative of ``terms``, then (optionally) the collected form.

    Returns
    -------
    kltools.symbolic.Derivation
        The checked derivation.

    Raises
    ------
    AssertionError
        If a step differs from the previous one or the result from sympy's derivative.

    Examples
    --------
    >>> from kltools.chapters.gradients import gradient
    >>> from kltools.symbolic import frac, mu1, mu2, sigma2
    >>> g = gradient(mu1, frac((mu1 - mu2) ** 2, 2 * sigma2**2), frac(mu1 - mu2, sigma2**2))
    >>> g.result
    (mu_1 - mu_2)/sigma_2**2
    """
    notes = [f"the terms with ${sp.latex(theta)}$", "differentiate", "collect"]
    derivation = Derivation(d_kl(theta), sp.Derivative(terms, theta), notes[0])
    for note, expr in zip(notes[1:], steps):
        derivation.step(expr, note)
    return derivation.check(sp.diff(IN_THETA[theta], theta), "the derivative of the whole KL")


_NAMES = {"mu": mu1, "sigma": sigma1, "var": w, "log_var": v}
_TO_SIGMA = {"mu": None, "sigma": lambda t: t, "var": np.sqrt, "log_var": lambda t: np.exp(t / 2)}
_POINTS = ((0.3, 0.7, 0.0, 1.0), (-1.0, 2.5, 0.5, 0.8), (0.0, 1.0 + 1e-3, 0.0, 1.0),
           (4.0, 0.05, -2.0, 3.0))


def _kl_along(name, m1_, s1_, m2_, s2_):
    from kltools import kl_normal

    def f(t):
        if name == "mu":
            return float(kl_normal(t, s1_, m2_, s2_))
        return float(kl_normal(m1_, _TO_SIGMA[name](t), m2_, s2_))

    return f


def finite_difference_rows(exact, points=_POINTS):
    """Central differences of ``kltools.kl_normal`` in each parameter, and their tolerances.

    The step h balances the truncation error h^2 |f'''| / 6 against the rounding of f,
    a few ulps of f plus, for sigma^2 and log sigma^2, the rounding of sigma by the
    conversion (sqrt or exp), which moves f by |sigma dKL/dsigma| eps/2; the tolerance is
    4 times that bound.

    Parameters
    ----------
    exact : dict
        Parameter name (``mu``, ``sigma``, ``var``, ``log_var``) to the sympy gradient.
    points : sequence of (float, float, float, float)
        The (mu_1, sigma_1, mu_2, sigma_2) tried.

    Returns
    -------
    list of (str, float, float, float, float)
        (name, parameter value, sympy gradient, difference minus gradient, tolerance).

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.chapters.gradients import IN_THETA, finite_difference_rows
    >>> from kltools.symbolic import mu1
    >>> rows = finite_difference_rows({"mu": sp.diff(IN_THETA[mu1], mu1)},
    ...                               points=[(0.3, 0.7, 0.0, 1.0)])
    >>> bool(abs(rows[0][3]) <= rows[0][4])
    True
    """
    from kltools import kl_normal

    eps = np.finfo(float).eps
    args = (mu1, sigma1, mu2, sigma2, w, v)
    exact_fn = {n: sp.lambdify(args, exact[n]) for n in exact}
    third_fn = {n: sp.lambdify(args, sp.diff(IN_THETA[_NAMES[n]], _NAMES[n], 3)) for n in exact}
    conv_fn = sp.lambdify(args, sigma1 * exact.get("sigma", sp.diff(KL, sigma1)))
    rows = []
    for m1_, s1_, m2_, s2_ in points:
        raw = {"mu": m1_, "sigma": s1_, "var": s1_**2, "log_var": np.log(s1_**2)}
        at = (m1_, s1_, m2_, s2_, s1_**2, np.log(s1_**2))
        f_val = float(kl_normal(m1_, s1_, m2_, s2_))
        for name in exact:
            theta, f3 = raw[name], abs(third_fn[name](*at)) or 1.0
            conv = 0.0 if name in ("mu", "sigma") else abs(conv_fn(*at))
            noise = max(abs(f_val) + conv, 1e-300)
            h = (3 * eps * noise / f3) ** (1 / 3)
            f = _kl_along(name, m1_, s1_, m2_, s2_)
            up, down = theta + h, theta - h  # divide by the step taken: theta + h is rounded
            fd = (f(up) - f(down)) / (up - down)
            value = float(exact_fn[name](*at))
            rows.append((name, theta, value, fd - value, 4 * (h**2 * f3 / 6 + eps * noise / h)))
    return rows


def finite_difference_table(rows):
    """The measured differences as the page prints them.

    Parameters
    ----------
    rows : list
        The output of :func:`finite_difference_rows`.

    Returns
    -------
    str
        A fixed-width table.

    Examples
    --------
    >>> from kltools.chapters.gradients import finite_difference_table
    >>> print(finite_difference_table([("mu", 0.3, 0.3, 0.0, 4.2e-11)]))
    parameter     value  sympy gradient  FD - sympy  tolerance
         mu_1    0.3000      0.30000000     0.0e+00    4.2e-11
    """
    shown_as = {"mu": "mu_1", "sigma": "sigma_1", "var": "sigma_1^2", "log_var": "v"}
    table = [f"{'parameter':>9} {'value':>9} {'sympy gradient':>15} "
             f"{'FD - sympy':>11} {'tolerance':>10}"]
    table += [f"{shown_as[name]:>9} {theta:9.4f} {exact:15.8f} {diff:11.1e} {tol:10.1e}"
              for name, theta, exact, diff, tol in rows]
    return "\n".join(table)


def check_finite_differences(rows):
    """The claim the measurement supports: every difference within its error bound.

    Parameters
    ----------
    rows : list
        The output of :func:`finite_difference_rows`.

    Returns
    -------
    str
        The verdict as the page prints it.

    Raises
    ------
    AssertionError
        If a difference exceeds its tolerance.

    Examples
    --------
    >>> from kltools.chapters.gradients import check_finite_differences
    >>> check_finite_differences([("mu", 0.3, 0.3, 0.0, 4.2e-11)]).splitlines()[0]
    '1 finite differences agree with the sympy gradients'
    """
    bad = [row for row in rows if not abs(row[3]) <= row[4]]
    assert not bad, bad
    return (f"{len(rows)} finite differences agree with the sympy gradients\n"
            "within their error bounds: yes")


def fisher_entry(log_q):
    """The scale entry of the Fisher information in (mu, sigma), step by step.

    Parameters
    ----------
    log_q : sympy expression
        log N(x; mu, sigma^2).

    Returns
    -------
    kltools.symbolic.Derivation
        E_q[(d log q / d sigma)^2] = 2/sigma^2, each step asserted from the normal moments.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.chapters.gradients import fisher_entry
    >>> from kltools.symbolic import mu, normal_pdf, sigma, x
    >>> fisher_entry(sp.expand_log(sp.log(normal_pdf(x, mu, sigma)))).result
    2/sigma**2
    """
    score = sp.diff(log_q, sigma)
    score_name = sp.Symbol(r"\left(\frac{\partial \log q}{\partial \sigma}\right)")

    def E(f):
        return Expectation(f, x, mu, sigma)

    def by_moments(expr):  # each E_q[...] with the score written out, from the moments
        return sp.sympify(expr).replace(
            lambda n: isinstance(n, Expectation),
            lambda n: E(n.function.subs(score_name, score)).doit()).doit()

    z4, z2 = E((x - mu) ** 4), E((x - mu) ** 2)
    return (Derivation(r"F_{\sigma\sigma}", E(score_name**2), "definition", evaluate=by_moments)
            .step(E(frac((x - mu) ** 2 - sigma**2, sigma**3) ** 2), "the score in $\\sigma$")
            .step(frac(add(z4, -2 * sigma**2 * z2, sigma**4), sigma**6), "expand")
            .step(frac(add(3 * sigma**4, -2 * sigma**4, sigma**4), sigma**6), "normal moments")
            .step(2 / sigma**2, ""))


def check_fisher_is_kl_hessian(fisher, family):
    """Check that the Hessian of the KL in either direction at theta = theta0 is F(theta0).

    The value and the gradient vanish there, so KL = 1/2 dtheta^T F dtheta + O(|dtheta|^3).

    Parameters
    ----------
    fisher : dict
        Parameterization name to its Fisher matrix in (mu, psi).
    family : dict
        Parameterization name to (psi, sigma as a function of psi).

    Returns
    -------
    str
        The verdicts as the page prints them.

    Raises
    ------
    AssertionError
        If a value, a gradient or a Hessian differs.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.chapters.gradients import check_fisher_is_kl_hessian
    >>> from kltools.symbolic import sigma
    >>> fisher = {"sigma": sp.Matrix([[sigma**-2, 0], [0, 2 / sigma**2]])}
    >>> check_fisher_is_kl_hessian(fisher, {"sigma": (sigma, sigma)}).splitlines()[1]
    'the Hessian of KL(q_theta || q_theta0) equals F(theta0): yes'
    """
    mu0 = sp.Symbol(r"\mu_0", real=True)
    for name, (psi, std) in family.items():
        psi0 = sp.Dummy("psi0", positive=True) if psi.is_positive else sp.Dummy("psi0", real=True)
        at, std0 = {mu: mu0, psi: psi0}, std.subs(psi, psi0)
        reverse = KL.subs({mu1: mu, sigma1: std, mu2: mu0, sigma2: std0}, simultaneous=True)
        forward = KL.subs({mu1: mu0, sigma1: std0, mu2: mu, sigma2: std}, simultaneous=True)
        for kl in (reverse, forward):
            assert sp.simplify(kl.subs(at)) == 0, name
            assert all(sp.simplify(sp.diff(kl, t).subs(at)) == 0 for t in (mu, psi)), name
            assert matrices_equivalent(sp.hessian(kl, (mu, psi)).subs(at),
                                       fisher[name].subs(at)), name
    return ("At theta = theta0, in (mu, sigma), (mu, sigma^2) and (mu, v):\n"
            "the Hessian of KL(q_theta || q_theta0) equals F(theta0): yes\n"
            "the Hessian of KL(q_theta0 || q_theta) equals F(theta0): yes")


def check_fisher_scale_entries(fisher, var):
    """Check that the scale entries of F at sigma = 1 are the KL's curvatures at its minimum.

    Parameters
    ----------
    fisher : dict
        ``sigma``, ``var``, ``log_var`` to the Fisher matrix in (mu, psi).
    var : sympy.Symbol
        The variance symbol of the ``var`` parameterization.

    Returns
    -------
    str
        The verdicts as the page prints them.

    Raises
    ------
    AssertionError
        If the entries are not 2, 1/2, 1/2, or differ from :data:`HESS_FORMS` there.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.chapters.gradients import check_fisher_scale_entries, v
    >>> from kltools.symbolic import sigma
    >>> var = sp.Symbol("s2", positive=True)
    >>> fisher = {"sigma": sp.diag(1, 2 / sigma**2), "var": sp.diag(1, 1 / (2 * var**2)),
    ...           "log_var": sp.diag(1, sp.Rational(1, 2) + 0 * v)}
    >>> check_fisher_scale_entries(fisher, var).splitlines()[0]
    'scale entries of F at sigma = 1: 2, 1/2, 1/2'
    """
    at_one = {"sigma": {sigma: 1}, "var": {var: 1}, "log_var": {v: 0}}
    kl_at_min = {"sigma": {sigma1: 1, sigma2: 1}, "var": {sigma1: 1, sigma2: 1},
                 "log_var": {v: 0, sigma2: 1}}
    entries = [fisher[n][1, 1].subs(at_one[n]) for n in ("sigma", "var", "log_var")]
    assert entries == [2, _half, _half], entries
    assert entries == [sp.sympify(HESS_FORMS[n]).doit().subs(kl_at_min[n])
                       for n in ("sigma", "var", "log_var")]
    return ("scale entries of F at sigma = 1: 2, 1/2, 1/2\n"
            "equal to the curvatures of the KL at its minimum: yes")


def check_log_sigma_exercise(log_q):
    """The first exercise's solution: F in (mu, log sigma), and the KL's curvature in it.

    Parameters
    ----------
    log_q : sympy expression
        log N(x; mu, sigma^2).

    Returns
    -------
    str
        The verdicts as the page prints them.

    Raises
    ------
    AssertionError
        If F is not diag(1/sigma^2, 2) or the curvature at the minimum is not 2.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.chapters.gradients import check_log_sigma_exercise
    >>> from kltools.symbolic import mu, normal_pdf, sigma, x
    >>> log_q = sp.expand_log(sp.log(normal_pdf(x, mu, sigma)))
    >>> check_log_sigma_exercise(log_q).splitlines()[0]
    'F in (mu, log sigma) = diag(1/sigma^2, 2): yes'
    """
    from kltools.symbolic import fisher_information

    u, u0 = sp.symbols("u u_0", real=True)
    f_u = fisher_information(log_q.subs(sigma, sp.exp(u)), (mu, u), x, mu, sp.exp(u))
    assert matrices_equivalent(f_u, sp.Matrix([[sp.exp(-2 * u), 0], [0, 2]]))
    kl_u = KL.subs({mu1: mu, sigma1: sp.exp(u), mu2: mu, sigma2: sp.exp(u0)})
    assert sp.simplify(sp.diff(kl_u, u, 2).subs(u, u0)) == 2
    return ("F in (mu, log sigma) = diag(1/sigma^2, 2): yes\n"
            "curvature of the KL in log sigma at its minimum = 2: yes")


def check_natural_gradient(fisher):
    """The second exercise's solution: natural-gradient steps agree across parameterizations.

    Parameters
    ----------
    fisher : dict
        ``sigma`` and ``log_var`` to the Fisher matrix in (mu, sigma) and (mu, v).

    Returns
    -------
    str
        The verdicts as the page prints them.

    Raises
    ------
    AssertionError
        If the natural-gradient directions differ after the change of variables, or the
        plain ones agree.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.chapters.gradients import check_natural_gradient, v
    >>> from kltools.symbolic import sigma
    >>> fisher = {"sigma": sp.diag(1 / sigma**2, 2 / sigma**2),
    ...           "log_var": sp.diag(sp.exp(-v), sp.Rational(1, 2))}
    >>> check_natural_gradient(fisher).splitlines()[1]
    'plain gradient steps do: no'
    """
    kl_unit = KL.subs({mu1: mu, sigma1: sigma, mu2: 0, sigma2: 1})
    kl_unit_v = kl_unit.subs(sigma, sp.exp(v / 2))
    nat_sigma = fisher["sigma"].inv() * sp.Matrix([sp.diff(kl_unit, t) for t in (mu, sigma)])
    nat_v = fisher["log_var"].inv() * sp.Matrix([sp.diff(kl_unit_v, t) for t in (mu, v)])
    dsigma_dv = sp.diff(sp.exp(v / 2), v)
    to_v = {sigma: sp.exp(v / 2)}
    assert matrices_equivalent(nat_sigma.subs(to_v), sp.Matrix([nat_v[0], dsigma_dv * nat_v[1]]))
    plain_sigma = sp.diff(kl_unit, sigma).subs(to_v)
    assert not equivalent(plain_sigma, dsigma_dv * sp.diff(kl_unit_v, v))
    return ("natural-gradient steps in (mu, sigma) and (mu, v) move q the same way: yes\n"
            "plain gradient steps do: no")
