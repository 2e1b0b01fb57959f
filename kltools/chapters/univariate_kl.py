"""The checks, figures and numbers of the chapter "The KL between two univariate Gaussians".

q = N(μ₁, σ₁²), p = N(μ₂, σ₂²); every KL is in nats.  The functions take the chapter's
derived results (``kl.result`` for KL(q‖p), ``rev.result`` for KL(p‖q), and the unit-prior
forms) and check or glue what the page shows.
"""

import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from scipy.optimize import brentq

from kltools import kl_monte_carlo, kl_normal, kl_quad, kl_std_normal
from kltools.notebook import glue
from kltools.symbolic import (Derivation, Display, add, counterexample, equivalent, frac,
                              half, kl_integral, kl_normal_textbook, latex, mu, mu1, mu2,
                              normal_pdf, sigma, sigma1, sigma2, x)

__all__ = ["R", "V", "narrow", "narrow_rows", "glue_kl", "glue_unit_prior",
           "glue_unit_prior_logvar", "glue_reverse",
           "width_forms", "check_width_rates", "plot_against_mean", "plot_against_sd",
           "NUMERIC_POINTS", "check_numerically", "worked_example", "glue_worked_example",
           "glue_forward_example", "check_blog_parts", "one_nat_of_slack",
           "glue_one_nat_of_slack"]

R = sp.Symbol("r", positive=True)  # sigma_1 / sigma_2
V = sp.Symbol("v", real=True)  # the log-variance: sigma = exp(v/2)
EPS = float(np.finfo(float).eps)
UNIT_PRIOR_LHS = r"\mathrm{KL}(q\,\Vert\,\mathcal N(0, 1))"
LABELS = {"qp": r"KL$(q\,\Vert\,p)$, reverse", "pq": r"KL$(p\,\Vert\,q)$, forward"}
# (mu_1, sigma_1, mu_2, sigma_2) of the numeric checks; the 5th has KL ~ 1e-12
NUMERIC_POINTS = ((0.0, 1.0, 0.0, 1.0), (1.0, 2.0, 0.0, 1.0), (0.0, 1.0, 1.0, 2.0),
                  (-3.0, 0.5, 2.0, 0.25), (0.0, 1.0 + 1e-6, 0.0, 1.0), (2.0, 0.1, -1.0, 3.0))


def _pieces(expr, cuts):
    """The LaTeX of ``expr``'s terms in groups cut before the indices ``cuts``; each group
    after the first starts with its operator, spaced as a binary one."""
    terms = list(expr.args) if isinstance(expr, sp.Add) else [expr]
    bounds = [0, *cuts, len(terms)]
    groups = [terms[a:b] for a, b in zip(bounds, bounds[1:])]
    assert [t for g in groups for t in g] == terms and all(groups), (expr, cuts)
    texts = [latex(add(*g) if len(g) > 1 else g[0]) for g in groups]
    return texts[:1] + ["{} " + (t if t.startswith("-") else "+ " + t) for t in texts[1:]]


def narrow(derivation, cuts=None, alone=False):
    r"""A derivation's steps for a narrow column: long steps broken into one line per group
    of terms, each continuation line starting with its operator; no notes.

    Parameters
    ----------
    derivation : kltools.symbolic.Derivation
        The derivation shown; its steps are displayed exactly as built (and asserted).
    cuts : sequence of sequence of int, optional
        Per step, the indices of the terms that start a new line (default: none).
    alone : bool
        Put the left-hand side on a line of its own, the steps flush left under it
        (continuation lines indented).

    Returns
    -------
    kltools.symbolic.Display
        The ``aligned`` block; its plain text is the derivation's.

    Raises
    ------
    AssertionError
        If a cut is out of order or leaves an empty line.

    Examples
    --------
    >>> d = Derivation("K", add(sp.log(sigma), frac(mu**2, 2), -sp.S.Half))
    >>> print(narrow(d, [[2]]).latex())
    \begin{aligned}
    K &= \log{\left(\sigma \right)} + \frac{\mu^{2}}{2} \\
    &\quad {} - \frac{1}{2}
    \end{aligned}
    """
    body = "\\begin{aligned}\n" + " \\\\\n".join(narrow_rows(derivation, cuts, alone))
    return Display(body + "\n\\end{aligned}", repr(derivation))


def narrow_rows(derivation, cuts=None, alone=False):
    r"""The rows of :func:`narrow`, to join several derivations in one ``aligned`` block.

    Parameters
    ----------
    derivation, cuts, alone
        As for :func:`narrow`.

    Returns
    -------
    list of str
        One LaTeX row per displayed line, without the ``\\`` between them.

    Raises
    ------
    AssertionError
        If a cut is out of order or leaves an empty line.

    Examples
    --------
    >>> narrow_rows(Derivation("K", sigma), alone=True)
    ['&K', '&= \\sigma']
    """
    cuts = list(cuts or []) + [[]] * len(derivation.steps)
    lhs = derivation.lhs if isinstance(derivation.lhs, str) else latex(derivation.lhs)
    lines = [f"&{lhs}"] if alone else []
    for i, (expr, _) in enumerate(derivation.steps):
        first, *rest = _pieces(expr, cuts[i])
        lines.append(("" if alone or i else lhs + " ") + "&= " + first)
        lines += [r"&\quad " + piece for piece in rest]
    return lines


def glue_kl(derivation):
    """Check KL(q‖p) against the direct integral of q log(q/p) and glue it as ``kl_normal``.

    Parameters
    ----------
    derivation : kltools.symbolic.Derivation
        The chapter's derivation of KL(q‖p).

    Returns
    -------
    str
        The verdict the page prints.

    Raises
    ------
    AssertionError
        If the result is not the direct integral, or not ``kl_normal_textbook()``.

    Examples
    --------
    >>> print(glue_kl(Derivation("KL", kl_normal_textbook())))
    KL(q‖p): each step, the two parts and the direct integral agree
    """
    derivation.check(kl_integral(normal_pdf(x, mu1, sigma1), normal_pdf(x, mu2, sigma2)),
                     r"the direct integral of $q\log(q/p)$")
    # the book's one typed reference, which later chapters use, is this result
    assert equivalent(derivation.result, kl_normal_textbook())
    glue("kl_normal", narrow(derivation, [[], [1, 2], [1], [1]], alone=True), display=False)
    return "KL(q‖p): each step, the two parts and the direct integral agree"


def glue_unit_prior(kl):
    """Derive the unit-prior KL, factor out −½, and glue it as ``kl_unit_prior``.

    Parameters
    ----------
    kl : sympy.Expr
        KL(q‖p) in μ₁, σ₁, μ₂, σ₂.

    Returns
    -------
    tuple of (str, kltools.symbolic.Derivation)
        The left-hand side's LaTeX and the derivation in ``mu`` and ``sigma``.

    Raises
    ------
    AssertionError
        If the first line is not ``kl`` at μ₂ = 0, σ₂ = 1, or the factored line differs.

    Examples
    --------
    >>> lhs, vae = glue_unit_prior(kl_normal_textbook())
    >>> vae.result.subs({mu: 0, sigma: 1})
    0
    """
    first = add(sp.log(1 / sigma), frac(add(sigma**2, mu**2), 2), -sp.S.Half)
    vae = Derivation(UNIT_PRIOR_LHS, first, r"$\mu_2 = 0$, $\sigma_2 = 1$")
    vae.check(kl.subs({mu2: 0, sigma2: 1, mu1: mu, sigma1: sigma}), "the KL at the unit prior")
    vae.step(-half(add(2 * sp.log(sigma), -sigma**2, -mu**2, 1)), r"factor out $-\frac12$")
    glue("kl_unit_prior", narrow(vae, alone=True), display=False)
    return UNIT_PRIOR_LHS, vae


def glue_unit_prior_logvar(logvar_form, sigma_form):
    """Glue ``kl_unit_prior_logvar``; check both forms against the quoted ones and kltools.

    Parameters
    ----------
    logvar_form, sigma_form : sympy.Expr
        The unit-prior KL in ``mu`` and ``v`` = log σ², and in ``mu`` and ``sigma``.

    Returns
    -------
    str
        The verdict the page prints.

    Raises
    ------
    AssertionError
        If the forms differ from the reader's and Keras' lines, or ``kl_std_normal``
        differs from the Keras form by more than 4 ulp at three points.

    Examples
    --------
    >>> keras = -(1 + V - mu**2 - sp.exp(V)) / 2
    >>> print(glue_unit_prior_logvar(keras, -(2 * sp.log(sigma) - sigma**2 - mu**2 + 1) / 2))
    the unit-prior KL in σ and in v = log σ²: derived and checked
    """
    shown = narrow(logvar_form, alone=True) if hasattr(logvar_form, "steps") else logvar_form
    glue("kl_unit_prior_logvar", shown, display=False)
    reader = -sp.Rational(1, 2) * (2 * sp.log(sigma) - sigma**2 - mu**2 + 1)
    keras = -sp.Rational(1, 2) * (1 + V - mu**2 - sp.exp(V))
    value = getattr(logvar_form, "result", logvar_form)
    assert equivalent(getattr(sigma_form, "result", sigma_form), reader)
    assert equivalent(value, keras)
    for m_, v_ in [(0.5, 0.0), (1.0, -2.0), (-0.5, 3.0)]:
        exact = float(keras.subs({mu: m_, V: v_}))
        assert abs(float(kl_std_normal(m_, v_)) - exact) <= 4 * EPS * exact, (m_, v_)
    return "the unit-prior KL in σ and in v = log σ²: derived and checked"


def glue_reverse(reverse, kl, unit_prior):
    """Glue ``kl_normal_reverse``, ``kl_from_unit`` and the two values at σ = 2.

    Parameters
    ----------
    reverse : kltools.symbolic.Derivation
        The chapter's derivation of KL(p‖q).
    kl, unit_prior : sympy.Expr
        KL(q‖p) in μ₁, σ₁, μ₂, σ₂, and the VAE term in ``mu`` and ``sigma``.

    Returns
    -------
    str
        The verdict the page prints.

    Raises
    ------
    AssertionError
        If KL(p‖q) is not KL(q‖p) with q and p exchanged, equals it, or
        KL(N(0, 1)‖N(μ, σ²)) is the VAE term.

    Examples
    --------
    >>> rev = Derivation("KL(p||q)", kl_normal_textbook(mu2, sigma2, mu1, sigma1))
    >>> vae = glue_unit_prior(kl_normal_textbook())[1].result
    >>> print(glue_reverse(rev, kl_normal_textbook(), vae))
    KL(p‖q) is the KL with q and p exchanged;
    KL(N(0, 1)‖N(μ, σ²)) is not the VAE term
    """
    glue("kl_normal_reverse", narrow(reverse, [[], [1]], alone=True), display=False)
    swapped = {mu1: mu2, mu2: mu1, sigma1: sigma2, sigma2: sigma1}
    assert equivalent(reverse.result, kl.subs(swapped, simultaneous=True))
    assert equivalent(reverse.result, kl_normal_textbook(mu2, sigma2, mu1, sigma1))
    assert counterexample(kl, reverse.result) is not None  # different functions
    from_unit = kl.subs({mu1: 0, sigma1: 1, mu2: mu, sigma2: sigma})
    shown = add(sp.log(sigma), frac(add(1, mu**2), 2 * sigma**2), -sp.S.Half)
    assert equivalent(shown, from_unit) and not equivalent(from_unit, unit_prior)
    lhs = r"\mathrm{KL}(\mathcal N(0, 1)\,\Vert\,\mathcal N(\mu, \sigma^2))"
    glue("kl_from_unit", narrow(Derivation(lhs, shown), alone=True), display=False)
    at_2 = {mu: 0, sigma: 2}
    glue("from_unit_at_2", round(float(from_unit.subs(at_2)), 4), display=False)
    glue("vae_at_2", round(float(unit_prior.subs(at_2)), 4), display=False)
    return ("KL(p‖q) is the KL with q and p exchanged;\n"
            "KL(N(0, 1)‖N(μ, σ²)) is not the VAE term")


def width_forms(kl, reverse):
    """Both directions at equal means, in r = σ₁/σ₂ (eq-kl-width).

    Parameters
    ----------
    kl, reverse : sympy.Expr
        KL(q‖p) and KL(p‖q) in μ₁, σ₁, μ₂, σ₂.

    Returns
    -------
    tuple of sympy.Expr
        KL(q‖p) and KL(p‖q) as functions of :data:`R`.

    Raises
    ------
    AssertionError
        If they are not ½(r² − 1) − log r and ½(1/r² − 1) + log r.

    Examples
    --------
    >>> width_forms(kl_normal_textbook(), kl_normal_textbook(mu2, sigma2, mu1, sigma1))[0]
    r**2/2 - log(r) - 1/2
    """
    same_mean = {mu1: mu2, sigma1: R * sigma2}
    kl_qp = sp.simplify(sp.expand_log(kl.subs(same_mean)))
    kl_pq = sp.simplify(sp.expand_log(reverse.subs(same_mean)))
    assert equivalent(kl_qp, (R**2 - 1) / 2 - sp.log(R))
    assert equivalent(kl_pq, (1 / R**2 - 1) / 2 + sp.log(R))
    return kl_qp, kl_pq


def check_width_rates(kl_qp, kl_pq):
    """Check the growth-rate table: both directions unbounded at both ends, at its rates.

    Parameters
    ----------
    kl_qp, kl_pq : sympy.Expr
        The two directions in :data:`R` (see :func:`width_forms`).

    Returns
    -------
    str
        The verdict the page prints.

    Raises
    ------
    AssertionError
        If a limit is finite, a leading term is wrong, or KL(p‖q)(r) ≠ KL(q‖p)(1/r).

    Examples
    --------
    >>> print(check_width_rates((R**2 - 1) / 2 - sp.log(R), (1 / R**2 - 1) / 2 + sp.log(R)))
    both directions grow without bound at both ends,
    at the rates in the table
    """
    table = [(kl_qp, 0, -sp.log(R)), (kl_qp, sp.oo, R**2 / 2),
             (kl_pq, 0, 1 / (2 * R**2)), (kl_pq, sp.oo, sp.log(R))]
    for kl_r, end, leading in table:
        assert sp.limit(kl_r, R, end) == sp.oo, (kl_r, end)
        assert sp.limit(kl_r / leading, R, end) == 1, (kl_r, end, leading)
    assert equivalent(kl_pq, kl_qp.subs(R, 1 / R))  # reflection in log r
    return "both directions grow without bound at both ends,\nat the rates in the table"


def _style():
    plt.rcParams.update({"font.size": 13, "legend.fontsize": 12})


def _finish(ax, show):
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    if show:
        plt.show()
        return None
    return ax.figure


def plot_against_mean(show=True):
    """Plot both directions against μ₁ of q = N(μ₁, 1), p = N(0, 1) (fig-kl-shape).

    Parameters
    ----------
    show : bool
        Show the figure (and return None); otherwise return it.

    Returns
    -------
    matplotlib.figure.Figure or None

    Examples
    --------
    >>> fig = plot_against_mean(show=False)
    >>> [len(line.get_xdata()) for line in fig.axes[0].lines]
    [301, 301]
    >>> plt.close(fig)
    """
    _style()
    mus = np.linspace(-3, 3, 301)
    fig, ax = plt.subplots(figsize=(5.0, 3.6), constrained_layout=True)
    ax.plot(mus, kl_normal(mus, 1.0, 0.0, 1.0), lw=2.5, label=LABELS["qp"])
    ax.plot(mus, kl_normal(0.0, 1.0, mus, 1.0), "--", lw=2, label=LABELS["pq"])
    ax.set(xlabel=r"mean $\mu_1$ of $q$", ylabel="KL (nats)", ylim=(0, 4.6))
    return _finish(ax, show)


def plot_against_sd(show=True):
    """Plot both directions against σ₁ of q = N(0, σ₁²), p = N(0, 1), log axis (fig-kl-width).

    Parameters
    ----------
    show : bool
        Show the figure (and return None); otherwise return it.

    Returns
    -------
    matplotlib.figure.Figure or None

    Examples
    --------
    >>> fig = plot_against_sd(show=False)
    >>> fig.axes[0].get_xscale()
    'log'
    >>> plt.close(fig)
    """
    _style()
    sigmas = np.geomspace(0.05, 20, 400)
    fig, ax = plt.subplots(figsize=(5.0, 3.6), constrained_layout=True)
    ax.plot(sigmas, kl_normal(0.0, sigmas, 0.0, 1.0), lw=2.5, label=LABELS["qp"])
    ax.plot(sigmas, kl_normal(0.0, 1.0, 0.0, sigmas), "--", lw=2, label=LABELS["pq"])
    ax.set_xscale("log")
    ticks = [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20]
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.minorticks_off()
    ax.set(xlabel=r"standard deviation $\sigma_1$ of $q$", ylabel="KL (nats)", ylim=(0, 6))
    return _finish(ax, show)


def check_numerically(points=NUMERIC_POINTS, closed_form=kl_normal, n=100_000):
    """Check ``kl_normal`` against ``kl_quad`` and ``kl_monte_carlo``.

    Parameters
    ----------
    points : sequence of (float, float, float, float)
        The (μ₁, σ₁, μ₂, σ₂) to check; the i-th Monte Carlo run uses seed i.
    closed_form : callable
        (μ₁, σ₁, μ₂, σ₂) ↦ KL(q‖p) in nats.
    n : int
        Monte Carlo samples per point.

    Returns
    -------
    str
        The verdict the page prints.

    Raises
    ------
    AssertionError
        If quadrature is off by more than its error, Monte Carlo by more than 4 times its
        error, or quadrature resolves the KL at σ₁ = 1 + 10⁻⁶ to fewer than 7 digits.

    Examples
    --------
    >>> print(check_numerically(points=[(1.0, 2.0, 0.0, 1.0)], n=1000))
    quadrature and Monte Carlo agree with kl_normal at all 1
    points, within their own error estimates
    """
    for seed, pt in enumerate(points):
        closed = float(closed_form(*pt))
        quad = kl_quad(*pt)
        mc = kl_monte_carlo(*pt, n=n, seed=seed)
        assert abs(quad.value - closed) <= quad.error, (pt, quad)
        assert abs(mc.value - closed) <= 4 * mc.error, (pt, mc)
        if pt[1] == 1.0 + 1e-6:  # KL ~ 1e-12: resolved to 7 digits or more
            assert quad.error <= 1e-7 * closed, (pt, quad)
    return (f"quadrature and Monte Carlo agree with kl_normal at all {len(points)}\n"
            "points, within their own error estimates")


def worked_example(kl):
    """The worked example q = N(1, 2²), p = N(0, 1): KL(q‖p) = 2 − log 2.

    Parameters
    ----------
    kl : sympy.Expr
        KL(q‖p) in μ₁, σ₁, μ₂, σ₂.

    Returns
    -------
    dict
        ``ex_log2`` and ``ex_kl`` rounded to the 4 decimals shown, and the exact
        ``kl``, ``width_share`` (the KL at μ₁ = 0) and ``parts`` (the two previous
        chapters' worked examples, cross-entropy minus entropy).

    Raises
    ------
    AssertionError
        If the KL is not 2 − log 2, ``kl_normal`` is off by 4 ulp, or ``kl_quad`` by more
        than its error.

    Examples
    --------
    >>> worked_example(kl_normal_textbook())["ex_kl"]
    1.3069
    """
    point = {mu1: 1, sigma1: 2, mu2: 0, sigma2: 1}
    kl_ex = kl.subs(point)
    assert equivalent(kl_ex, 2 - sp.log(2))
    closed = float(kl_normal(1.0, 2.0, 0.0, 1.0))
    assert abs(closed - float(kl_ex)) <= 4 * EPS * closed
    est = kl_quad(1.0, 2.0, 0.0, 1.0)
    assert abs(est.value - float(kl_ex)) <= est.error
    ce_ex = sp.log(2 * sp.pi) / 2 + sp.Rational(5, 2)  # the cross-entropy chapter's example
    return {"ex_log2": round(float(sp.log(2)), 4), "ex_kl": round(float(kl_ex), 4),
            "kl": kl_ex, "width_share": kl.subs({**point, mu1: 0}),
            "parts": ce_ex - sp.log(2 * sp.pi * sp.E * 4) / 2}


def glue_worked_example(kl):
    """Glue ``ex_log2`` and ``ex_kl`` (see :func:`worked_example`).

    Parameters
    ----------
    kl : sympy.Expr
        KL(q‖p) in μ₁, σ₁, μ₂, σ₂.

    Returns
    -------
    str
        The line the page prints.

    Examples
    --------
    >>> print(glue_worked_example(kl_normal_textbook()))
    KL(N(1, 2²)‖N(0, 1)) = 2 − log 2 = 1.3069 nats
    """
    shown = worked_example(kl)
    for name in ("ex_log2", "ex_kl"):
        glue(name, shown[name], display=False)
    return f"KL(N(1, 2²)‖N(0, 1)) = 2 − log 2 = {shown['ex_kl']:.4f} nats"


def glue_forward_example(reverse):
    """Glue ``ex_kl_pq``, KL(p‖q) = log 2 − ¼ of the worked example's pair (exercise 1).

    Parameters
    ----------
    reverse : sympy.Expr
        KL(p‖q) in μ₁, σ₁, μ₂, σ₂.

    Returns
    -------
    str
        The line the page prints.

    Raises
    ------
    AssertionError
        If it is not log 2 − ¼, or ``kl_normal(0, 1, 1, 2)`` differs by 4 ulp.

    Examples
    --------
    >>> print(glue_forward_example(kl_normal_textbook(mu2, sigma2, mu1, sigma1)))
    KL(N(0, 1)‖N(1, 2²)) = log 2 − ¼ = 0.4431 nats
    """
    kl_pq_ex = reverse.subs({mu1: 1, sigma1: 2, mu2: 0, sigma2: 1})
    assert equivalent(kl_pq_ex, sp.log(2) - sp.Rational(1, 4))
    assert abs(float(kl_normal(0.0, 1.0, 1.0, 2.0)) - float(kl_pq_ex)) <= 4 * EPS
    glue("ex_kl_pq", round(float(kl_pq_ex), 4), display=False)
    return f"KL(N(0, 1)‖N(1, 2²)) = log 2 − ¼ = {float(kl_pq_ex):.4f} nats"


def check_blog_parts(unit_prior, logvar_form):
    """Check that the blog's cross-entropy minus its entropy is the unit-prior KL (exercise 2).

    Parameters
    ----------
    unit_prior, logvar_form : sympy.Expr
        The unit-prior KL in ``mu``, ``sigma`` and in ``mu``, :data:`V`.

    Returns
    -------
    str
        The verdict the page prints.

    Raises
    ------
    AssertionError
        If the difference is not either form.

    Examples
    --------
    >>> unit = -(2 * sp.log(sigma) - sigma**2 - mu**2 + 1) / 2
    >>> print(check_blog_parts(unit, -(1 + V - mu**2 - sp.exp(V)) / 2))
    the blog's cross-entropy minus its entropy is the unit-prior KL
    """
    blog_entropy = sp.log(2 * sp.pi) / 2 + sp.log(sigma**2) / 2 + sp.Rational(1, 2)
    blog_cross_entropy = sp.log(2 * sp.pi) / 2 + (mu**2 + sigma**2) / 2
    blog_kl = blog_cross_entropy - blog_entropy
    assert equivalent(blog_kl, unit_prior)
    assert equivalent(blog_kl.subs(sigma, sp.exp(V / 2)), logvar_form)
    return "the blog's cross-entropy minus its entropy is the unit-prior KL"


def one_nat_of_slack(kl_qp, kl_pq):
    """Where KL(q‖p) = 1 nat for q = N(0, σ₁²), p = N(0, 1), by brentq (exercise 3).

    Parameters
    ----------
    kl_qp, kl_pq : sympy.Expr
        The two directions in :data:`R` (see :func:`width_forms`).

    Returns
    -------
    tuple of float
        The roots (low, high), σ₁ < 1 and σ₁ > 1.

    Raises
    ------
    AssertionError
        If either root is off the sympy expressions by more than 1e-9, the forward KL is
        not 1 at the reflected roots, or the text's "more than four times" and "about
        twice" fail.

    Examples
    --------
    >>> low, high = one_nat_of_slack((R**2 - 1) / 2 - sp.log(R), (1 / R**2 - 1) / 2 + sp.log(R))
    >>> round(low, 3), round(high, 3)
    (0.229, 2.123)
    """
    def kl_qp_num(s):
        return float(kl_normal(0.0, s, 0.0, 1.0)) - 1.0

    low = brentq(kl_qp_num, 1e-3, 1.0, xtol=1e-12)
    high = brentq(kl_qp_num, 1.0, 10.0, xtol=1e-12)
    for s in (low, high):  # the roots of the sympy expression, to the same digits
        assert abs(float(kl_qp.subs(R, s)) - 1.0) <= 1e-9, s
        assert abs(float(kl_pq.subs(R, 1 / s)) - 1.0) <= 1e-9, s
    assert 1 / low > 4 and 2 < high < 2.2  # "more than four times", "about twice"
    return low, high


def glue_one_nat_of_slack(kl_qp, kl_pq):
    """Glue ``ex_qp_low``, ``ex_qp_high``, ``ex_pq_low``, ``ex_pq_high`` (exercise 3).

    Parameters
    ----------
    kl_qp, kl_pq : sympy.Expr
        The two directions in :data:`R`.

    Returns
    -------
    str
        The lines the page prints.

    Examples
    --------
    >>> print(glue_one_nat_of_slack((R**2 - 1) / 2 - sp.log(R), (1 / R**2 - 1) / 2 + sp.log(R)))
    KL(q‖p) ≤ 1 for σ₁ in [0.229, 2.123]
    KL(p‖q) ≤ 1 for σ₁ in [0.471, 4.366]
    """
    low, high = one_nat_of_slack(kl_qp, kl_pq)
    for name, value in {"ex_qp_low": low, "ex_qp_high": high,
                        "ex_pq_low": 1 / high, "ex_pq_high": 1 / low}.items():
        glue(name, round(value, 3), display=False)
    return (f"KL(q‖p) ≤ 1 for σ₁ in [{low:.3f}, {high:.3f}]\n"
            f"KL(p‖q) ≤ 1 for σ₁ in [{1 / high:.3f}, {1 / low:.3f}]")
