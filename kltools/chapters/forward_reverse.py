"""The symbols, checks, tables and figures of the chapter "Reverse and forward KL".

KL(q‖p) is the reverse KL and KL(p‖q) the forward one, in nats.  Both are written in the
book's δ = (μ₁ − μ₂)/σ₂ and r = σ₁/σ₂ and compared after substituting their definitions.
The ELBO section uses the linear-Gaussian model z ~ N(0, 1), x | z ~ N(z, s²), and any
Gaussian q(z) = N(m, t²) (:func:`in_model`).  The two-mode fit takes a mixture given as
``(weights, means, sds)``.
"""

import math

import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from scipy.optimize import minimize_scalar
from scipy.stats import norm

from kltools import kl_normal
from kltools.chapters.parameterization import use_plot_style
from kltools.notebook import glue
from kltools.symbolic import (Derivation, Equations, Expectation, add, equivalent, frac,
                              kl_normal_textbook, mu1, mu2, normal_pdf, sigma1, sigma2,
                              substituting, x)

__all__ = ["one_half", "delta", "r", "KL_QP", "KL_PQ", "KL_DIFF", "DR", "derive", "E_q",
           "use_plot_style", "glue_both_directions", "glue_difference", "check_growth_rates",
           "plot_both_directions", "check_worked_example", "glue_moment_match",
           "check_forward_fit", "reverse_fit_table", "glue_reverse_fits", "plot_fits",
           "glue_elbo"]

EPS = float(np.finfo(float).eps)
one_half = sp.Rational(1, 2)
delta, r = sp.Symbol("delta", real=True), sp.Symbol("r", positive=True)
KL_QP, KL_PQ = r"\mathrm{KL}(q\,\Vert\,p)", r"\mathrm{KL}(p\,\Vert\,q)"
KL_DIFF = f"{KL_QP} - {KL_PQ}"
DR = r"in $\delta$ and $r$"
# delta and r are displayed; steps are compared after substituting their values
by_definition = substituting([(delta, (mu1 - mu2) / sigma2), (r, sigma1 / sigma2)])

z, m = sp.symbols("z m", real=True)
s, t = sp.symbols("s t", positive=True)
p_x, p_xz, p_z, p_zx, q_z = (sp.Symbol(n, positive=True) for n in
                             ("p(x)", r"p(x \mid z)", "p(z)", r"p(z \mid x)", "q(z)"))
KL_prior = sp.Symbol(r"\mathrm{KL}(q(z)\,\Vert\,p(z))")
KL_post = sp.Symbol(r"\mathrm{KL}(q(z)\,\Vert\,p(z \mid x))")


def derive(lhs, first, note):
    """A Derivation in δ and r, checked in μ₁, σ₁, μ₂, σ₂.

    Parameters
    ----------
    lhs : str
        The quantity derived (LaTeX).
    first : sympy.Expr
        The first line, in ``delta`` and ``r``.
    note : str
        Why the first line holds.

    Returns
    -------
    kltools.symbolic.Derivation

    Examples
    --------
    >>> d = derive(KL_QP, delta**2 / 2 + (r**2 - 1) / 2 - sp.log(r), DR)
    >>> equivalent(d.result, kl_normal_textbook())
    True
    """
    return Derivation(lhs, first, note, evaluate=by_definition)


def E_q(f):
    """The expectation under q(z) = N(m, t²), shown as E_q[f].

    Parameters
    ----------
    f : sympy.Expr
        A function of ``z``.

    Returns
    -------
    kltools.symbolic.Expectation

    Examples
    --------
    >>> E_q(z).doit()
    m
    """
    return Expectation(f, z, m, t)


in_model = substituting([
    (KL_prior, E_q(sp.log(q_z / p_z))), (KL_post, E_q(sp.log(q_z / p_zx))),
    (p_x, normal_pdf(x, 0, sp.sqrt(1 + s**2))), (p_xz, normal_pdf(x, z, s)),
    (p_z, normal_pdf(z, 0, 1)),
    (p_zx, normal_pdf(z, x / (1 + s**2), s / sp.sqrt(1 + s**2))),  # the posterior
    (q_z, normal_pdf(z, m, t))])


def glue_both_directions(kl_qp, kl_pq):
    """Check both directions against their definitions and glue ``fr_kl_qp``, ``fr_kl_pq``.

    Parameters
    ----------
    kl_qp, kl_pq : kltools.symbolic.Derivation
        KL(q‖p) and KL(p‖q) in δ and r (see :func:`derive`).

    Returns
    -------
    None

    Raises
    ------
    AssertionError
        If either differs from E[log(first/second)] under its first argument, or from
        ``kl_normal_textbook`` with the arguments in that order.

    Examples
    --------
    >>> qp = derive(KL_QP, delta**2 / 2 + (r**2 - 1) / 2 - sp.log(r), DR)
    >>> pq = derive(KL_PQ, (delta**2 + 1) / (2 * r**2) - one_half + sp.log(r), DR)
    >>> glue_both_directions(qp, pq)
    """
    q, p = normal_pdf(x, mu1, sigma1), normal_pdf(x, mu2, sigma2)
    kl_qp.check(Expectation(sp.log(q / p), x, mu1, sigma1), "the definition")
    kl_pq.check(Expectation(sp.log(p / q), x, mu2, sigma2, name="p"), "under p")
    assert equivalent(kl_qp.result, kl_normal_textbook(mu1, sigma1, mu2, sigma2))
    assert equivalent(kl_pq.result, kl_normal_textbook(mu2, sigma2, mu1, sigma1))
    glue("fr_kl_qp", kl_qp, display=False)
    glue("fr_kl_pq", kl_pq, display=False)


def glue_difference(kl_diff, kl_qp, kl_pq):
    """Glue ``fr_difference`` and ``fr_g``, after checking them; equal σ give equal KLs.

    Parameters
    ----------
    kl_diff, kl_qp, kl_pq : kltools.symbolic.Derivation
        KL(q‖p) − KL(p‖q) collected, and the two directions.

    Returns
    -------
    None

    Raises
    ------
    AssertionError
        If g′ is not (r² − 1)²/r³, g(1) ≠ 0, the difference is not the two results'
        difference, or either direction at σ₁ = σ₂ is not (μ₁ − μ₂)²/(2σ₂²).

    Examples
    --------
    >>> qp = derive(KL_QP, delta**2 / 2 + (r**2 - 1) / 2 - sp.log(r), DR)
    >>> pq = derive(KL_PQ, (delta**2 + 1) / (2 * r**2) - one_half + sp.log(r), DR)
    >>> glue_difference(derive(KL_DIFF, qp.final - pq.final, ""), qp, pq)
    """
    g = add(frac(r**2, 2), -1 / (2 * r**2), -2 * sp.log(r))
    g_prime = frac(add(r**2, -1)**2, r**3)
    assert equivalent(sp.diff(g, r), g_prime) and g.subs(r, 1) == 0
    kl_diff.check(kl_qp.result - kl_pq.result, "eq-fr-kl-qp minus eq-fr-kl-pq")
    glue("fr_difference", kl_diff, display=False)
    glue("fr_g", Equations(("g(r)", g), ("g(1)", 0),
                           ("g'(r)", g_prime, r"$\ge 0$, zero only at $r = 1$")), display=False)
    for derivation in (kl_qp, kl_pq):  # equal standard deviations: delta^2 / 2, all means
        assert equivalent(derivation.result.subs(sigma1, sigma2),
                          (mu1 - mu2)**2 / (2 * sigma2**2))


def check_growth_rates(kl_qp, kl_pq):
    """Check the growth-rate table by sympy limits, for every δ, and the rule about arguments.

    Parameters
    ----------
    kl_qp, kl_pq : kltools.symbolic.Derivation
        The two directions in δ and r.

    Returns
    -------
    None

    Raises
    ------
    AssertionError
        If a table entry is not the leading term, the constants left as q narrows are not
        ½(δ² − 1) and −½, or KL(a‖b) does not grow as the rule says when b or a narrows.

    Examples
    --------
    >>> qp = derive(KL_QP, delta**2 / 2 + (r**2 - 1) / 2 - sp.log(r), DR)
    >>> pq = derive(KL_PQ, (delta**2 + 1) / (2 * r**2) - one_half + sp.log(r), DR)
    >>> check_growth_rates(qp, pq)
    """
    qp, pq = (sp.sympify(d.final) for d in (kl_qp, kl_pq))  # in delta and r
    lead = [(qp, sp.oo, r**2 / 2), (pq, sp.oo, sp.log(r)),  # too wide
            (qp, 0, sp.log(1 / r)), (pq, 0, (1 + delta**2) / (2 * r**2))]
    for kl, end, term in lead:  # every delta: delta stays a symbol
        assert sp.simplify(sp.limit(kl / term, r, end)) == 1, (kl, end, term)
    assert sp.simplify(sp.limit(qp - sp.log(1 / r), r, 0) - (delta**2 - 1) / 2) == 0
    assert sp.limit(pq - (1 + delta**2) / (2 * r**2) - sp.log(r), r, 0) == -one_half
    # KL(a || b) = kl_normal_textbook(a, b): b narrowing, and a narrowing
    ab = kl_normal_textbook(mu1, sigma1, mu2, sigma2)
    narrow_b = (sigma1**2 + (mu1 - mu2)**2) / (2 * sigma2**2)
    assert sp.simplify(sp.limit(ab / narrow_b, sigma2, 0)) == 1
    assert sp.simplify(sp.limit(ab / sp.log(sigma2 / sigma1), sigma1, 0)) == 1
    # negative-kl-plot's quoted answer is the forward KL(p || q), p = N(0, 1) first
    forward_answer = sp.log(sigma1) + (1 + mu1**2) / (2 * sigma1**2) - one_half
    assert equivalent(kl_normal_textbook(0, 1, mu1, sigma1), forward_answer)
    assert equivalent(kl_pq.result.subs({mu2: 0, sigma2: 1}), forward_answer)
    assert equivalent(pq.subs({delta: mu1, r: sigma1}), forward_answer)
    forward_row = (1 + mu1**2) / (2 * sigma1**2)  # the table's row, delta = mu, r = sigma
    assert sp.simplify(sp.limit(forward_answer / forward_row, sigma1, 0)) == 1


def plot_both_directions(show=True):
    """Plot both directions against σ₁ of q, p = N(0, 1), for μ₁ = 0 and 1 (fig-forward-reverse).

    Parameters
    ----------
    show : bool
        Show the figure (and return None); otherwise return it.

    Returns
    -------
    matplotlib.figure.Figure or None

    Examples
    --------
    >>> fig = plot_both_directions(show=False)
    >>> len(fig.axes[0].lines)
    4
    >>> plt.close(fig)
    """
    sig = np.geomspace(0.1, 10, 241)
    fig, ax = plt.subplots(constrained_layout=True)
    for m1, color in [(0.0, "C0"), (1.0, "C1")]:
        ax.plot(sig, kl_normal(m1, sig, 0.0, 1.0), color=color,
                label=rf"$\mathrm{{KL}}(q\,\|\,p)$, $\mu_1={m1:g}$")
        ax.plot(sig, kl_normal(0.0, 1.0, m1, sig), "--", color=color,
                label=rf"$\mathrm{{KL}}(p\,\|\,q)$, $\mu_1={m1:g}$")
    ax.set(xscale="log", xlabel=r"$\sigma_1$ of $q$", ylabel="KL (nats)", ylim=(0, 6))
    fig.legend(loc="outside upper center", ncol=2, frameon=False)
    if show:
        plt.show()
        return None
    return fig


def check_worked_example(kl_qp, kl_pq, kl_diff):
    """Check the worked example δ = 1, r = 2: 2 − log 2, log 2 − ¼ and their difference.

    Parameters
    ----------
    kl_qp, kl_pq, kl_diff : kltools.symbolic.Derivation
        The two directions and their difference, in δ and r.

    Returns
    -------
    None

    Raises
    ------
    AssertionError
        If a value differs from the hand computation, its rounding from the text's 1.307,
        0.443, 0.864, or ``kl_normal`` by more than 8 ulp.

    Examples
    --------
    >>> qp = derive(KL_QP, delta**2 / 2 + (r**2 - 1) / 2 - sp.log(r), DR)
    >>> pq = derive(KL_PQ, (delta**2 + 1) / (2 * r**2) - one_half + sp.log(r), DR)
    >>> check_worked_example(qp, pq, derive(KL_DIFF, qp.final - pq.final, ""))
    """
    at = {delta: 1, r: 2}
    by_hand = [2 - sp.log(2), sp.log(2) - sp.Rational(1, 4), sp.Rational(9, 4) - 2 * sp.log(2)]
    for derivation, exact in zip((kl_qp, kl_pq, kl_diff), by_hand):
        assert sp.simplify(sp.sympify(derivation.final).subs(at) - exact) == 0, exact
    assert [round(float(e), 3) for e in by_hand] == [1.307, 0.443, 0.864]
    for (m1, s1, m2, s2), exact in [((1.0, 2.0, 0.0, 1.0), by_hand[0]),
                                    ((0.0, 1.0, 1.0, 2.0), by_hand[1])]:
        kl_code = float(kl_normal(m1, s1, m2, s2))
        assert abs(kl_code - float(exact)) <= 8 * EPS * float(exact)


def glue_moment_match(best_q, grad, cross, mixture):
    """Glue ``fr_moment_match``, ``fr_m_star`` and ``fr_v_star``: the forward fit's moments.

    Parameters
    ----------
    best_q : dict
        sympy's stationary point {m: …, t: …} of H(p, q) in E_p[x] and E_p[x²].
    grad : list of sympy.Expr
        ∂H(p, q)/∂m and ∂H(p, q)/∂t.
    cross : sympy.Expr
        H(p, q) = E_p[−log q] in E_p[x] and E_p[x²].
    mixture : tuple
        (weights, means, sds) of p.

    Returns
    -------
    tuple of sympy.Expr
        m* and t*², the mixture's mean and variance, exactly.

    Raises
    ------
    AssertionError
        If the stationary point is not the mean and variance of p, or not a minimum.

    Examples
    --------
    >>> E1, E2 = sp.symbols(r"\\mathbb{E}_p[x] \\mathbb{E}_p[x^2]", real=True)
    >>> cross = sp.log(t) + sp.log(2 * sp.pi) / 2 + (E2 - 2 * m * E1 + m**2) / (2 * t**2)
    >>> grad = [sp.diff(cross, m), sp.diff(cross, t)]
    >>> (best,) = sp.solve(grad, [m, t], dict=True)
    >>> m_star, v_star = glue_moment_match(best, grad, cross, ((0.5, 0.5), (-1, 1), (1, 1)))
    >>> m_star, v_star
    (0, 2)
    """
    E1, E2 = sp.symbols(r"\mathbb{E}_p[x] \mathbb{E}_p[x^2]", real=True)
    assert equivalent(best_q[m], E1) and equivalent(best_q[t]**2, E2 - E1**2)
    # a minimum: the Hessian there, with E2 = E1^2 + t^2, is diag(1/t^2, 2/t^2)
    hess = sp.hessian(cross, (m, t)).subs(m, E1).subs(E2, E1**2 + t**2)
    assert sp.simplify(hess - sp.diag(1 / t**2, 2 / t**2)) == sp.zeros(2, 2)
    glue("fr_moment_match", Equations(
        (r"\partial_m \mathrm{H}(p, q)", sp.factor(grad[0])),
        (r"\partial_t \mathrm{H}(p, q)", sp.factor(grad[1])),
        (r"m^\star", best_q[m], "the mean of $p$"),
        (r"t^{\star 2}", sp.expand(best_q[t]**2), "the variance of $p$")), display=False)
    ws, as_, ss = ([sp.nsimplify(v) for v in vals] for vals in mixture)
    moments = {E: sum(w * Expectation(x**k, x, a, sd).doit() for w, a, sd in zip(ws, as_, ss))
               for k, E in ((1, E1), (2, E2))}
    m_star, v_star = best_q[m].subs(moments), (best_q[t]**2).subs(moments)
    glue("fr_m_star", float(m_star), display=False)
    glue("fr_v_star", float(v_star), display=False)
    return m_star, v_star


def check_forward_fit(fit, m_star, v_star, expect_p, gtol):
    """Check the BFGS forward fit against the moments, within the optimiser's own tolerance.

    With grad_m = (m − E₁)/t² and grad_u = 1 − (Var + (m − E₁)²)/t², BFGS's gradient
    tolerance and quad's error estimates bound the distance to the moments.

    Parameters
    ----------
    fit : scipy.optimize.OptimizeResult
        BFGS over (m, log t) of KL(p‖q).
    m_star, v_star : sympy.Expr
        The mean and variance of p.
    expect_p : callable
        f ↦ (E_p[f], quad's error estimate).
    gtol : float
        BFGS's gradient tolerance.

    Returns
    -------
    None

    Raises
    ------
    AssertionError
        If BFGS failed, or the fit is farther from the moments than the bound.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> fit = SimpleNamespace(success=True, jac=np.zeros(2), x=np.array([0.5, 0.0]))
    >>> check_forward_fit(fit, 0.5, 1, lambda f: (0.0, 1e-14), 1e-8)
    >>> check_forward_fit(fit, 0.4, 1, lambda f: (0.0, 1e-14), 1e-8)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: ...
    """
    assert fit.success and np.max(np.abs(fit.jac)) <= gtol
    m_fwd, t_fwd = fit.x[0], math.exp(fit.x[1])
    err_m = expect_p(lambda v: (v - m_fwd) / t_fwd**2)[1]
    err_u = expect_p(lambda v: ((v - m_fwd) / t_fwd) ** 2)[1]
    tol_m = t_fwd**2 * (gtol + err_m)
    tol_v = t_fwd**2 * (gtol + err_u) + tol_m**2 + 4 * EPS * t_fwd**2
    assert abs(m_fwd - float(m_star)) <= tol_m, (m_fwd, m_star, tol_m)
    assert abs(t_fwd**2 - float(v_star)) <= tol_v, (t_fwd, v_star, tol_v)


def _dip(log_p, means):
    """Where p is lowest between its two modes."""
    return minimize_scalar(log_p, bounds=means, method="bounded", options={"xatol": 1e-10}).x


def _hessian(kl_reverse, theta, h):
    """The Hessian of KL(q‖p) by central differences of its quadrature gradient."""
    cols = [(kl_reverse(theta + e)[1] - kl_reverse(theta - e)[1]) / (2 * h)
            for e in np.eye(2) * h]
    return 0.5 * (np.array(cols) + np.array(cols).T)


def _far_mass(mean, sd, dip):
    """q's mass on the other side of p's dip."""
    return norm.sf(dip, mean, sd) if mean < dip else norm.cdf(dip, mean, sd)


def _where(mean, mixture):
    for k, name in enumerate(("left mode", "right mode")):
        if abs(mean - mixture[1][k]) < mixture[2][k]:
            return name
    return "between"


def reverse_fit_table(starts, fits, kl_reverse, log_p, mixture, gtol):
    """Print the reverse fits from each start, and return the distinct local minima.

    Each fit must have converged; a new minimum is confirmed by its Hessian (central
    differences of the quadrature gradient at steps 1e-4 and 5e-5: the smallest eigenvalue
    exceeds the difference between the two).

    Parameters
    ----------
    starts : list of float
        The initial means (every start has t = 1).
    fits : list of scipy.optimize.OptimizeResult
        BFGS over (m, log t) of KL(q‖p), one per start.
    kl_reverse : callable
        θ ↦ (KL(q‖p), gradient).
    log_p : callable
        log p(x) of the mixture.
    mixture : tuple
        (weights, means, sds) of p.
    gtol : float
        BFGS's gradient tolerance.

    Returns
    -------
    list of scipy.optimize.OptimizeResult
        The distinct local minima, in the order found.

    Raises
    ------
    AssertionError
        If a fit did not converge, or a new minimum's Hessian is not positive definite.

    Examples
    --------
    >>> reverse_fit_table  # doctest: +SKIP
    """
    dip = _dip(log_p, mixture[1])
    minima, rows = [], []
    for m0, res in zip(starts, fits):
        assert res.success and np.max(np.abs(res.jac)) <= gtol, m0
        mean, sd = res.x[0], math.exp(res.x[1])
        if all(np.abs(res.x - other.x).max() > 1e-4 for other in minima):
            h1, h2 = _hessian(kl_reverse, res.x, 1e-4), _hessian(kl_reverse, res.x, 5e-5)
            assert np.linalg.eigvalsh(h2).min() > np.abs(h1 - h2).max(), m0  # a minimum
            minima.append(res)
        rows.append(f"{m0:7.1f} {mean:9.3f} {sd:9.3f} {res.fun:9.3f} "
                    f"{_far_mass(mean, sd, dip):14.4f}   {_where(mean, mixture)}")
    print("start m  fitted m  fitted t  KL(q‖p)  mass past dip   sits on\n" + "\n".join(rows))
    return minima


def glue_reverse_fits(minima, forward, log_p, mixture):
    """Check what the text says of the reverse minima and the forward fit, and glue it.

    Glues ``fr_n_minima``, ``fr_far_mass_pct``, ``fr_p_right_pct``, ``fr_p_left_pct``,
    ``fr_dip`` and ``fr_gap_ratio``.

    Parameters
    ----------
    minima : list of scipy.optimize.OptimizeResult
        The distinct local minima of KL(q‖p).
    forward : tuple of float
        (m, t) of the forward fit.
    log_p : callable
        log p(x) of the mixture.
    mixture : tuple
        (weights, means, sds) of p.

    Returns
    -------
    tuple of list
        The minima on a mode and the broad ones, each as (mean, sd, KL).

    Raises
    ------
    AssertionError
        Unless one minimum sits on each mode, within 10 % of its width and with under 1 %
        of its mass past the dip, the best on the heavier mode, one broad minimum wider
        than either mode and worse than both, and the forward fit's density at the dip more
        than 10 times p's.

    Examples
    --------
    >>> glue_reverse_fits  # doctest: +SKIP
    """
    W, A, S = mixture
    dip = _dip(log_p, A)
    fits = [(res.x[0], math.exp(res.x[1]), res.fun) for res in minima]
    on_mode = [f for f in fits if _where(f[0], mixture) != "between"]
    assert sorted(_where(f[0], mixture) for f in on_mode) == ["left mode", "right mode"]
    for mean, sd, _ in on_mode:
        assert abs(sd / S[int(_where(mean, mixture) == "right mode")] - 1) < 0.1, mean
    assert all(_far_mass(mean, sd, dip) < 0.01 for mean, sd, _ in on_mode)
    best_rev = min(fits, key=lambda f: f[2])  # on the heavier mode
    assert _where(best_rev[0], mixture) == "left mode" and W[0] > W[1]
    broad = [f for f in fits if _where(f[0], mixture) == "between"]
    assert len(broad) == 1 and broad[0][1] > max(S)  # wider than either mode
    assert broad[0][2] > max(f[2] for f in on_mode)  # and the worst of the three
    ratio = norm.pdf(dip, *forward) / math.exp(log_p(dip))  # the forward fit covers the gap
    assert ratio > 10, ratio
    p_right = sum(w * norm.sf(dip, a, sd) for w, a, sd in zip(W, A, S))
    far_pct = 100 * max(_far_mass(mean, sd, dip) for mean, sd, _ in on_mode)
    glue("fr_n_minima", len(minima), display=False)
    glue("fr_far_mass_pct", round(float(far_pct), 1), display=False)
    glue("fr_p_right_pct", int(round(100 * float(p_right))), display=False)
    glue("fr_p_left_pct", int(round(100 * (1 - float(p_right)))), display=False)
    glue("fr_dip", round(float(dip), 2), display=False)
    glue("fr_gap_ratio", int(round(float(ratio))), display=False)
    return on_mode, broad


def plot_fits(log_p, forward, on_mode, broad, show=True):
    """Plot p, the forward fit and the reverse minima (fig-mode-seeking).

    Parameters
    ----------
    log_p : callable
        log p(x) of the mixture.
    forward : tuple of float
        (m, t) of the forward fit.
    on_mode, broad : list of tuple
        The reverse minima as (mean, sd, KL), from :func:`glue_reverse_fits`.
    show : bool
        Show the figure (and return None); otherwise return it.

    Returns
    -------
    matplotlib.figure.Figure or None

    Examples
    --------
    >>> fig = plot_fits(lambda v: -v * v / 2, (0.0, 1.0), [(0.0, 0.5, 0.1)], [], show=False)
    >>> len(fig.axes[0].lines)
    2
    >>> plt.close(fig)
    """
    xs = np.linspace(-6.5, 6.5, 521)
    fig, ax = plt.subplots(constrained_layout=True)
    ax.fill_between(xs, np.exp([log_p(v) for v in xs]), color="0.8", label="$p$ (target)")
    ax.plot(xs, norm.pdf(xs, *forward), "--", color="C0",
            label=r"forward, $\mathrm{KL}(p\,\|\,q)$")
    for i, (mean, sd, _) in enumerate(on_mode):
        ax.plot(xs, norm.pdf(xs, mean, sd), color="C3",
                label=r"reverse, on a mode" if i == 0 else None)
    for mean, sd, _ in broad:
        ax.plot(xs, norm.pdf(xs, mean, sd), ":", color="C3", label=r"reverse, broad")
    ax.set(xlabel="$x$", ylabel="density", ylim=(0, 0.6))
    fig.legend(loc="outside upper center", ncol=2, frameon=False)
    if show:
        plt.show()
        return None
    return fig


def glue_elbo(elbo):
    """Glue ``elbo``, after checking the identity and the loss bound in the model.

    Parameters
    ----------
    elbo : kltools.symbolic.Derivation
        The chapter's derivation of log p(x) = E_q[log p(x | z)] − KL(q‖p(z)) + KL(q‖p(z | x)).

    Returns
    -------
    None

    Raises
    ------
    AssertionError
        If, in the linear-Gaussian model, the identity does not simplify to 0, or −ELBO is
        not −log p(x) + KL(q‖p(z | x)).

    Examples
    --------
    >>> d = Derivation("log p(x)", E_q(sp.log(p_x)), evaluate=in_model)
    >>> glue_elbo(d.step(add(E_q(sp.log(p_xz)), -KL_prior, KL_post)))
    """
    glue("elbo", elbo, display=False)
    # for every m, every t > 0, every s > 0 and every x
    residual = in_model(sp.log(p_x) - (E_q(sp.log(p_xz)) - KL_prior) - KL_post)
    assert sp.simplify(residual) == 0
    assert equivalent(in_model(-(E_q(sp.log(p_xz)) - KL_prior)),
                      in_model(-sp.log(p_x) + KL_post))
