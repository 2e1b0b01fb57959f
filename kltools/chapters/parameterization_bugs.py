"""The two classic bugs of the chapter "σ, σ² or log σ²?": a standard deviation fed as a
variance (bug 1) and the reverse (bug 2), their tables, figures and checks.

Re-exported by :mod:`kltools.chapters.parameterization`, which the chapter imports.
"""

import matplotlib.pyplot as plt
import numpy as np
import sympy as sp

from kltools import kl_normal
from kltools.checker import SYMBOLS
from kltools.notebook import glue
from kltools.chapters.univariate_kl import narrow_rows
from kltools.symbolic import (Derivation, Display, Equations, add, equivalent, frac, mu,
                              mul, sigma)
from kltools.chapters.parameterization_notation import (
    kl_normal_sigma,
    one_half,
    var,
    H,
    EPS,
    in_sigma,
    shown,
)

__all__ = [
    "S",
    "G_DEF",
    "KL_SYMBOL",
    "glue_bugs",
    "bug_forms",
    "bug_table",
    "plot_bugs",
    "glue_bugs_at_mean_zero",
    "bug_ratios",
    "RATIO_GRID",
    "check_where_bug_1_hurts",
    "plot_bug_ratios",
    "blog_table",
]

S = sp.Symbol("s", positive=True)
G_DEF = S**2 - S - sp.log(S)  # g(s) >= 0, zero only at s = 1
KL_SYMBOL = sp.Symbol(r"\mathrm{KL}")


def glue_bugs(kl_sigma, bug_1, bug_2):
    """Glue ``param_bugs``: each bug as the true KL ∓ ½ g, with g(s) = s² − s − log s.

    Parameters
    ----------
    kl_sigma : sympy.Expr
        The true KL in ``mu`` and ``sigma`` (eq-param-sigma).
    bug_1, bug_2 : sympy.Expr
        σ fed into the variance form, and e^v = σ² used as σ.

    Returns
    -------
    None

    Raises
    ------
    AssertionError
        If a displayed form or KL ∓ ½ g differs from the bug, g(1) ≠ 0, or g′ is not
        (2s + 1)(s − 1)/s.

    Examples
    --------
    >>> kl = (mu**2 + sigma**2 - 1) / 2 - sp.log(sigma)
    >>> glue_bugs(kl, kl - G_DEF.subs(S, sigma) / 2, kl + G_DEF.subs(S, sigma**2) / 2)
    """
    g = sp.Function("g")
    with_g = {KL_SYMBOL: kl_sigma, g: sp.Lambda(S, G_DEF)}
    bug_1_shown = shown(mul(one_half, add(mu**2, sigma, -1, -sp.log(sigma))), bug_1)
    bug_2_shown = shown(add(mul(one_half, add(mu**2, sigma**4, -1)), -sp.log(sigma**2)), bug_2)
    bug_1_g = add(KL_SYMBOL, -mul(one_half, g(sigma)))
    bug_2_g = add(KL_SYMBOL, mul(one_half, g(sigma**2)))
    assert equivalent(bug_1_g.subs(with_g).doit(), bug_1)
    assert equivalent(bug_2_g.subs(with_g).doit(), bug_2)
    assert G_DEF.subs(S, 1) == 0
    assert equivalent(sp.diff(G_DEF, S), (2 * S + 1) * (S - 1) / S)
    rows = []
    for name, (first, with_kl), cuts in (("1", (bug_1_shown, bug_1_g), []),
                                         ("2", (bug_2_shown, bug_2_g), [1])):
        bug = Derivation(rf"\mathrm{{KL}}_{{\text{{bug {name}}}}}", first,
                         evaluate=lambda e: in_sigma(sp.sympify(e).subs(with_g).doit()))
        rows += narrow_rows(bug.step(with_kl), [cuts])
    rows += narrow_rows(Derivation("g(s)", G_DEF))
    body = "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"
    glue("param_bugs", Display(body, "<Display: 3 equations>"), display=False)


def bug_forms(kl_sigma):
    """Bug 1 (σ where σ² belongs) and bug 2 (e^v = σ² used as σ), from the true KL in σ.

    Parameters
    ----------
    kl_sigma : sympy.Expr
        The true KL in ``mu`` and ``sigma``.

    Returns
    -------
    tuple of sympy.Expr

    Examples
    --------
    >>> bug_forms((mu**2 + sigma**2 - 1) / 2 - sp.log(sigma))[0]
    mu**2/2 + sigma/2 - log(sigma)/2 - 1/2
    """
    kl_var = kl_sigma.subs(sigma, sp.sqrt(var))
    return sp.expand_log(kl_var.subs(var, sigma)), kl_sigma.subs(sigma, sigma**2)


def bug_table(kl_sigma, bug_1, bug_2):
    """Glue the bugs' ratios to the true KL at σ = 0.05 and 5, and return their table (μ = 0).

    Parameters
    ----------
    kl_sigma, bug_1, bug_2 : sympy.Expr
        The true KL and the two bugs in ``mu`` and ``sigma``.

    Returns
    -------
    str
        The table the page prints: σ, true KL, each bug and its ratio to the true KL.

    Raises
    ------
    AssertionError
        If the true KL differs from ``kl_normal`` by 8 ulp, a bug is not below (bug 1) or
        above (bug 2) it, or bug 1's ratio is not worst for wide q.

    Examples
    --------
    >>> kl = (mu**2 + sigma**2 - 1) / 2 - sp.log(sigma)
    >>> print(bug_table(kl, *bug_forms(kl)).splitlines()[1])
     0.05    2.497    1.023   0.41    5.491   2.20
    """
    ratios = {}
    head = ("σ", "true KL", "bug 1", "÷ KL", "bug 2", "÷ KL")
    table = [" ".join(f"{c:>{w}}" for c, w in zip(head, (5, 8, 8, 6, 8, 6)))]
    for s_ in ["0.05", "0.2", "0.5", "0.9", "2", "5"]:
        at = {sigma: sp.Rational(s_), mu: 0}
        t, b1, b2 = (float(e.subs(at)) for e in (kl_sigma, bug_1, bug_2))
        assert abs(t - float(kl_normal(0.0, float(s_), 0.0, 1.0))) <= 8 * EPS * t
        assert b1 < t < b2, s_
        ratios[s_] = (b1 / t, b2 / t)
        table.append(f"{float(s_):5.2f} {t:8.3f} {b1:8.3f} {b1 / t:6.2f} {b2:8.3f} {b2 / t:6.2f}")
    assert ratios["5"][0] < ratios["0.05"][0] < 0.5  # worst for wide q
    glue("param_bug1_ratio_narrow", round(ratios["0.05"][0], 2), display=False)
    glue("param_bug1_ratio_wide", round(ratios["5"][0], 2), display=False)
    glue("param_bug2_ratio_wide", round(ratios["5"][1]), display=False)
    return "\n".join(table)


def plot_bugs(kl_sigma, bug_1, bug_2, show=True):
    """Plot the true KL and both bugs against σ, mean 0 (fig-param-bugs).

    Parameters
    ----------
    kl_sigma, bug_1, bug_2 : sympy.Expr
        The true KL and the two bugs in ``mu`` and ``sigma``.
    show : bool
        Show the figure (and return None); otherwise return it.

    Returns
    -------
    matplotlib.figure.Figure or None

    Raises
    ------
    AssertionError
        If the gap g(σ)/2 at the plot's ends is not the 1.5 and 2.5 of the alt text.

    Examples
    --------
    >>> kl = (mu**2 + sigma**2 - 1) / 2 - sp.log(sigma)
    >>> fig = plot_bugs(kl, *bug_forms(kl), show=False)
    >>> len(fig.axes[0].lines)
    3
    >>> plt.close(fig)
    """
    s_grid = np.linspace(0.05, 3, 300)
    curves = [
        (kl_sigma, "-", "true KL"),
        (bug_1, "--", r"bug 1: $\sigma$ as variance"),
        (bug_2, ":", r"bug 2: $e^{v}$ as $\sigma$"),
    ]
    fig, ax = plt.subplots(constrained_layout=True)
    for expr, style, label in curves:
        ax.plot(s_grid, sp.lambdify(sigma, expr.subs(mu, 0))(s_grid), style, label=label)
    ax.set(xlabel=r"$\sigma$ of $q$", ylabel="KL (nats)", ylim=(0, 4))
    fig.legend(loc="outside upper center", ncol=2, frameon=False)
    gap_0 = (kl_sigma - bug_1).subs(mu, 0)
    gap_ends = [round(float(gap_0.subs(sigma, sp.Rational(e))), 1) for e in ("0.05", "3")]
    assert gap_ends == [1.5, 2.5], gap_ends
    if show:
        plt.show()
        return None
    return fig


def glue_bugs_at_mean_zero(kl_sigma, bug_1, bug_2):
    """Glue ``param_bugs_at_0``: at μ = 0, bug 1 = ½KL − (σ − 1)²/4, bug 2 = 2KL + (σ² − 1)²/2.

    Parameters
    ----------
    kl_sigma, bug_1, bug_2 : sympy.Expr
        The true KL and the two bugs in ``mu`` and ``sigma``.

    Returns
    -------
    None

    Raises
    ------
    AssertionError
        If either identity fails.

    Examples
    --------
    >>> kl = (mu**2 + sigma**2 - 1) / 2 - sp.log(sigma)
    >>> glue_bugs_at_mean_zero(kl, *bug_forms(kl))
    """
    kl_0 = kl_sigma.subs(mu, 0)
    bug_1_at_0 = add(mul(one_half, KL_SYMBOL), -frac((sigma - 1) ** 2, 4))
    bug_2_at_0 = add(2 * KL_SYMBOL, frac((sigma**2 - 1) ** 2, 2))
    assert equivalent(bug_1_at_0.subs(KL_SYMBOL, kl_0), bug_1.subs(mu, 0))
    assert equivalent(bug_2_at_0.subs(KL_SYMBOL, kl_0), bug_2.subs(mu, 0))
    glue(
        "param_bugs_at_0",
        Equations(
            (r"\mathrm{KL}_{\text{bug 1}}", (bug_1_at_0,)),
            (r"\mathrm{KL}_{\text{bug 2}}", (bug_2_at_0,)),
        ),
        display=False,
    )


def bug_ratios(s):
    """Each bug ÷ the true KL at μ = 0, from the identities of ``param_bugs_at_0``.

    Parameters
    ----------
    s : numpy.ndarray
        Standard deviations σ > 0, σ ≠ 1.

    Returns
    -------
    tuple of numpy.ndarray
        The ratios of bug 1 and bug 2, shaped like ``s``.

    Examples
    --------
    >>> [float(np.round(r[0], 4)) for r in bug_ratios(np.array([2.0]))]
    [0.1902, 7.5772]
    """
    true_kl = kl_normal(0.0, s, 0.0, 1.0)
    return 0.5 - (s - 1) ** 2 / (4 * true_kl), 2 + (s**2 - 1) ** 2 / (2 * true_kl)


RATIO_GRID = np.logspace(-2, 2, 400)  # 400 points: sigma = 1 is not one


def check_where_bug_1_hurts(kl_sigma, bug_1, bug_2):
    """Check the limits of both ratios, the gap's minimum, and the ratios on a grid.

    Parameters
    ----------
    kl_sigma, bug_1, bug_2 : sympy.Expr
        The true KL and the two bugs in ``mu`` and ``sigma``.

    Returns
    -------
    None

    Raises
    ------
    AssertionError
        If the ratios' limits at σ → 0, 1, ∞ are not ½, ¼, 0 and 2, 4, ∞, the grid ratios
        differ from the symbolic ones (rtol 1e-9) or are not monotone, or the gap
        KL − bug 1 = g(σ)/2 has a zero or critical point other than σ = 1.

    Examples
    --------
    >>> kl = (mu**2 + sigma**2 - 1) / 2 - sp.log(sigma)
    >>> check_where_bug_1_hurts(kl, *bug_forms(kl))
    """
    at_0 = {mu: 0}
    ratio = {
        name: sp.simplify(expr.subs(at_0) / kl_sigma.subs(at_0))
        for name, expr in (("bug 1", bug_1), ("bug 2", bug_2))
    }
    limits = {
        name: [sp.limit(r_, sigma, at, dir_) for at, dir_ in ((0, "+"), (1, "+-"), (sp.oo, "-"))]
        for name, r_ in ratio.items()
    }
    assert limits == {"bug 1": [one_half, sp.Rational(1, 4), 0], "bug 2": [2, 4, sp.oo]}
    ratio_1, ratio_2 = bug_ratios(RATIO_GRID)
    for name, r_num in (("bug 1", ratio_1), ("bug 2", ratio_2)):
        r_sym = sp.lambdify(sigma, ratio[name])(RATIO_GRID)
        assert np.allclose(r_num, r_sym, rtol=1e-9, atol=0), name
    assert np.all((0 < ratio_1) & (ratio_1 < 0.5))  # below half, everywhere
    assert np.all(np.diff(ratio_1) < 0)  # and falling: worst for wide q
    assert np.all(ratio_2 > 2) and np.all(np.diff(ratio_2) > 0)
    # for every mu: the gap KL - bug 1 = g(sigma)/2 >= 0, 0 only at sigma = 1
    gap_1 = sp.simplify(kl_sigma - bug_1)
    assert mu not in gap_1.free_symbols
    assert equivalent(gap_1, G_DEF.subs(S, sigma) / 2)
    sigma_pos = sp.Interval.open(0, sp.oo)
    assert sp.minimum(gap_1, sigma, sigma_pos) == 0 and gap_1.subs(sigma, 1) == 0
    # its only critical point is sigma = 1, so by Rolle its only zero is there
    assert sp.solveset(sp.diff(gap_1, sigma), sigma, sigma_pos) == {1}
    gap_num = kl_normal(0.0, RATIO_GRID, 0.0, 1.0) - sp.lambdify(sigma, bug_1.subs(at_0))(
        RATIO_GRID
    )
    assert np.all(gap_num > 0)  # the grid misses sigma = 1


def plot_bug_ratios(show=True):
    """Plot each bug ÷ the true KL against σ, log-log (fig-param-bug-ratios).

    Parameters
    ----------
    show : bool
        Show the figure (and return None); otherwise return it.

    Returns
    -------
    matplotlib.figure.Figure or None

    Examples
    --------
    >>> fig = plot_bug_ratios(show=False)
    >>> fig.axes[0].get_yscale()
    'log'
    >>> plt.close(fig)
    """
    ratio_1, ratio_2 = bug_ratios(RATIO_GRID)
    fig, ax = plt.subplots(constrained_layout=True)
    ax.loglog(RATIO_GRID, ratio_1, "--", label="bug 1")
    ax.loglog(RATIO_GRID, ratio_2, ":", label="bug 2")
    ax.axhline(1, color="0.4", lw=1.2, label="true KL")
    ax.set(xlabel=r"$\sigma$ of $q$", ylabel="bug ÷ true KL", ylim=(0.01, 1e3))
    fig.legend(loc="outside upper center", ncol=3, frameon=False)
    if show:
        plt.show()
        return None
    return fig


def blog_table(blog, bug_1):
    """Print the post's penalty against the true KL at five σ; glue its ratios.

    Prints σ, h = log σ, the true KL (``kl_normal``), the post's line (as parsed), what it
    misses and its ratio to the true KL, then glues ``param_blog_curv_ratio`` (the true
    KL's curvature in h at σ = 1 over the line's) and ``param_blog_ratio_5``.

    Parameters
    ----------
    blog : kltools.checker.FormulaCheck
        ``check_formula`` of the post's KL line.
    bug_1 : sympy.Expr
        Bug 1 in ``mu`` and ``sigma``.

    Returns
    -------
    None

    Raises
    ------
    AssertionError
        If the parsed line differs from bug 1 beyond 1e-12 relative, or the curvatures in h
        at the minimum are not 2 and ½.

    Examples
    --------
    >>> kl = (mu**2 + sigma**2 - 1) / 2 - sp.log(sigma)
    >>> line = "-0.5 * K.mean(1 + z_log_sigma - K.square(z_mean) - K.exp(z_log_sigma))"
    >>> from kltools import check_formula
    >>> blog_table(check_formula(line), bug_forms(kl)[0])  # doctest: +ELLIPSIS
        σ  h = log σ  true KL  post's line  missing   ÷ KL
     0.05      -3.00    2.497        1.023    1.474   0.41
    ...
    """
    blog_f = sp.lambdify((SYMBOLS["mu"], SYMBOLS["log_sigma"]), blog.expression)
    head = ("σ", "h = log σ", "true KL", "post's line", "missing", "÷ KL")
    rows = [" ".join(f"{c:>{w}}" for c, w in zip(head, (5, 10, 8, 12, 8, 6)))]
    blog_at = {}
    for s_ in (0.05, 0.2, 0.5, 2.0, 5.0):
        t = float(kl_normal(0.0, s_, 0.0, 1.0))
        b = float(blog_f(0.0, np.log(s_)))
        # the same as bug 1 of the exact expressions, to rounding
        assert abs(b - float(bug_1.subs({mu: 0, sigma: s_}))) <= 1e-12 * t, s_
        blog_at[s_] = (t, b)
        rows.append(f"{s_:5.2f} {np.log(s_):10.2f} {t:8.3f} {b:12.3f} {t - b:8.3f} {b / t:6.2f}")
    print("\n".join(rows))
    # curvature in the network output h at the minimum h = 0 (sigma = 1)
    h_kl = kl_normal_sigma().subs(sigma, sp.exp(H))
    h_blog = blog.expression.subs(SYMBOLS["log_sigma"], H)
    curv = [sp.diff(e, H, 2).subs({H: 0, mu: 0}) for e in (h_kl, h_blog)]
    assert curv == [2, one_half], curv
    glue("param_blog_curv_ratio", int(curv[0] / curv[1]), display=False)
    glue("param_blog_ratio_5", round(blog_at[5.0][1] / blog_at[5.0][0], 2), display=False)
