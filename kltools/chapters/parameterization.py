"""The symbols, tables, checks and figures of the chapter "σ, σ² or log σ²?".

The chapter writes the unit-prior KL(q‖N(0, 1)) of q = N(μ, σ²), in nats, in σ, in the
variance σ² (the symbol :data:`var`) and in the log-variance v = log σ² (:data:`v`).
Every step is compared as a function of σ (:func:`in_sigma`).
"""

import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from scipy import stats
from sympy.parsing.sympy_parser import parse_expr, rationalize, standard_transformations

from kltools import check_formula, kl_normal, kl_std_normal
from kltools.checker import SYMBOLS
from kltools.notebook import glue
from kltools.symbolic import (Equations, Expectation, add, equivalent, frac, integral_under,
                              mu, mul, normal_pdf, sigma, substituting, x)

__all__ = ["one_half", "var", "v", "q_x", "p_x", "KL", "E_q", "shown", "named",
           "use_plot_style", "check_against_direct_integral", "sampling_rule",
           "sampling_line_table", "check_table", "bug_forms", "glue_bugs", "bug_table",
           "plot_bugs", "glue_bugs_at_mean_zero", "bug_ratios", "check_where_bug_1_hurts",
           "plot_bug_ratios", "blog_table", "kl_normal_sigma", "glue_derivatives",
           "plot_derivatives", "check_worked_example"]

one_half = sp.Rational(1, 2)
var = sp.Symbol("sigma^2", positive=True)  # the variance as one symbol: σ²
v = sp.Symbol("v", real=True)  # the log-variance v = log σ²
q_x = sp.Symbol("q(x)", positive=True)
p_x = sp.Symbol("p(x)", positive=True)
H = sp.Symbol("h", real=True)  # the raw network output
H_POS = sp.Symbol("h", positive=True)  # where the sampling line needs h > 0
EPSILON = sp.Symbol("epsilon", real=True)
KL = r"\mathrm{KL}(q\,\Vert\,p)"
EPS = float(np.finfo(float).eps)
# q(x) and p(x) are the densities, v = log(variance), and the variance is sigma**2
in_sigma = substituting([(q_x, normal_pdf(x, mu, sigma)), (p_x, normal_pdf(x, 0, 1)),
                         (v, sp.log(var)), (var, sigma**2)])
# check_formula's verdicts, named by their arguments
VERDICT_NAMES = {"kl_qp": "KL(q‖p)", "kl_pq": "KL(p‖q)", "neg_kl_qp": "−KL(q‖p)",
                 "neg_kl_pq": "−KL(p‖q)", "no_match": "no KL"}


def E_q(f):
    """The expectation under q = N(μ, σ²), shown as E_q[f].

    Parameters
    ----------
    f : sympy.Expr
        A function of ``x``.

    Returns
    -------
    kltools.symbolic.Expectation

    Examples
    --------
    >>> E_q((x - mu)**2).doit()
    sigma**2
    """
    return Expectation(f, x, mu, sigma)


def shown(display, derived):
    """A form typed for reading, asserted equal (as a function of σ) to the derived one.

    Parameters
    ----------
    display, derived : sympy.Expr
        The typed form and the derived expression.

    Returns
    -------
    sympy.Expr
        ``display``.

    Raises
    ------
    AssertionError
        If the two differ.

    Examples
    --------
    >>> shown((var - 1) / 2, (sigma**2 - 1) / 2)
    sigma^2/2 - 1/2
    """
    assert equivalent(in_sigma(display), in_sigma(derived)), (display, derived)
    return display


def named(check):
    """``check_formula``'s verdict in words, with the readings it needed.

    Parameters
    ----------
    check : kltools.checker.FormulaCheck
        A result of ``check_formula``.

    Returns
    -------
    str

    Examples
    --------
    >>> named(check_formula("-0.5*(1 + log_var - mu**2 - exp(log_var))"))
    'KL(q‖p)'
    """
    reading = ", ".join(f"{k} read as {w}" for k, w in check.reinterpretation.items())
    text = VERDICT_NAMES.get(check.verdict, check.verdict)
    return f"{text}, with {reading}" if reading else text


def use_plot_style():
    """Set the chapter's matplotlib style (sizes for a phone-width figure).

    Parameters
    ----------
    None

    Returns
    -------
    None

    Examples
    --------
    >>> use_plot_style()
    >>> plt.rcParams["figure.figsize"]
    [5.0, 3.8]
    """
    plt.rcParams.update({
        "figure.figsize": (5.0, 3.8), "font.size": 12, "axes.labelsize": 13,
        "legend.fontsize": 12, "lines.linewidth": 2.2,
        "figure.facecolor": "white", "savefig.facecolor": "white"})


def check_against_direct_integral(kl_sigma, kl_var, kl_logvar):
    """Check the σ form against sympy's direct integral, and the other two against it.

    Parameters
    ----------
    kl_sigma, kl_var, kl_logvar : kltools.symbolic.Derivation
        The chapter's three forms (eq-param-sigma, eq-param-var, eq-param-logvar).

    Returns
    -------
    None

    Raises
    ------
    AssertionError
        If a form differs from the direct integral, or the Keras and PyTorch line
        −½(1 + v − μ² − e^v) is not the log-variance form.

    Examples
    --------
    >>> from kltools.symbolic import Derivation
    >>> d = Derivation(KL, (mu**2 + sigma**2 - 1) / 2 - sp.log(sigma), evaluate=in_sigma)
    >>> check_against_direct_integral(d, d, d)
    """
    integrand = sp.log(normal_pdf(x, mu, sigma) / normal_pdf(x, 0, 1))
    kl_sigma.check(integral_under(integrand, x, mu, sigma), "the direct integral")
    kl_var.check(kl_sigma.result, "eq-param-sigma")
    kl_logvar.check(kl_sigma.result, "eq-param-sigma")
    keras = -one_half * (1 + v - mu**2 - sp.exp(v))
    assert equivalent(in_sigma(keras), kl_logvar.result)


softplus = sp.Lambda(H, sp.log(1 + sp.exp(H)))
QUANTITY = {"log_var": "log σ²", "log_sigma": "log σ", "sigma": "σ", "var": "σ²"}
# (sampling line, honest name, the variable in the KL lines, the checker's reading of it
#  (from the sampling line) and its value in h, names= for the checker, the right KL line,
#  the wrong KL line: the same KL for the other reading of h)
RULE = (
    ("mu + exp(0.5*h)*eps", "log_var", "h", ("log_var", H), {"h": "log_var"},
     "-0.5*(1 + h - mu**2 - exp(h))", "0.5*(mu**2 + exp(2*h) - 1) - h"),
    ("mu + exp(h)*eps", "log_std", "h", ("log_sigma", H), {"h": "log_std"},
     "0.5*(mu**2 + exp(2*h) - 1) - h", "-0.5*(1 + h - mu**2 - exp(h))"),
    ("mu + h*eps", "std", "h", ("sigma", H_POS), {"h": "std"},
     "0.5*(mu**2 + h**2 - 1) - log(h)", "0.5*(mu**2 + h - 1 - log(h))"),
    ("mu + sqrt(h)*eps", "var", "h", ("var", H_POS), {"h": "var"},
     "0.5*(mu**2 + h - 1 - log(h))", "0.5*(mu**2 + h**2 - 1) - log(h)"),
    ("mu + softplus(h)*eps", "raw_std", "std", ("sigma", softplus(H)), None,
     "0.5*(mu**2 + std**2 - 1) - log(std)", "0.5*(mu**2 + std - 1 - log(std))"),
    ("Normal(mu, scale=logvar.exp())", "log_std", "logvar", ("log_sigma", H),
     {"logvar": "log_std"}, "0.5*(mu.pow(2) + (2*logvar).exp() - 1) - logvar",
     "-0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())"),
)
N_MC, ALPHA, MC_SEED = 100_000, 1e-6, 14
SIGMAS, MU_MC = (sp.Rational(2, 5), sp.Rational(5, 2)), sp.Rational(1, 2)
N_CHECKS = len(RULE) * len(SIGMAS)  # right lines: the false-failure budget
K_SE = float(stats.norm.isf(ALPHA / (2 * N_CHECKS)))  # two-sided, Bonferroni


def _as_sampled(line, sigma_of):
    """The sampling line as sympy reads it: z = mu + sigma(h)*eps (row 6: torch's rsample)."""
    if line.startswith("Normal("):
        return mu + sp.exp(H) * EPSILON
    symbol = sigma_of[line].free_symbols.pop()
    names = {"mu": mu, "h": symbol, "eps": EPSILON, "softplus": softplus,
             "exp": sp.exp, "sqrt": sp.sqrt}
    return parse_expr(line, local_dict=names,
                      transformations=standard_transformations + (rationalize,))


def _monte_carlo(sigma_h, h_value, rng):
    """k1 over z drawn by the sampling line: the mean of log q(z) − log p(z), its std error."""
    s_ = float(sigma_h.subs(sigma_h.free_symbols.pop(), h_value))
    z = float(MU_MC) + s_ * rng.standard_normal(N_MC)  # mu + sigma(h)*eps
    log_ratio = stats.norm.logpdf(z, float(MU_MC), s_) - stats.norm.logpdf(z)
    return log_ratio.mean(), log_ratio.std(ddof=1) / np.sqrt(N_MC)


def _check_line(kind, line, row, right_kl, symbol, h_points, estimates):
    sample, _, var_name, (quantity, value), names, _, _ = row
    check = check_formula(line, names=names)
    assert check.names[var_name] == quantity  # the sampled reading
    expr = check.expression.subs(SYMBOLS[quantity], value)
    # symbolic: the right line is the derived KL, the wrong one is not
    assert equivalent(expr, right_kl[sample]) == (kind == "right"), (sample, kind)
    f = sp.lambdify(symbol, expr.subs(mu, MU_MC))
    z_scores = [abs(float(f(float(p[0]))) - est) / se
                for p, (est, se) in zip(h_points, estimates)]
    assert check.verdict == "kl_qp"
    if kind == "right":
        assert not check.reinterpretation and max(z_scores) <= K_SE, (sample, z_scores)
    else:  # a KL only under the other reading of its variable
        assert set(check.reinterpretation) == {var_name}, (sample, check.reinterpretation)
        assert check.reinterpretation[var_name] != quantity
        assert min(z_scores) > K_SE, (sample, z_scores)
    return (sample, kind, line, var_name, quantity, check, z_scores)


def sampling_rule(sigma_of, right_kl):
    """Check every row of the rule: each KL line symbolically, by Monte Carlo, by the checker.

    Parameters
    ----------
    sigma_of : dict
        Sampling line ↦ the σ it implies as a function of the raw output ``h``.
    right_kl : dict
        Sampling line ↦ the derived KL with that σ substituted.

    Returns
    -------
    list of tuple
        One result per KL line (right and wrong per row): (sampling line, kind, KL line,
        variable, reading, ``FormulaCheck``, Monte Carlo z-scores at σ = 0.4 and 2.5).

    Raises
    ------
    AssertionError
        If a sampling line does not parse to μ + σ(h)ε, a right line is not the derived KL,
        is read otherwise by ``check_formula`` or is more than ``K_SE`` standard errors from
        its Monte Carlo estimate, or a wrong line passes any of these.

    Examples
    --------
    >>> s_of = {"mu + h*eps": H_POS}
    >>> kl_s = (mu**2 + sigma**2 - 1) / 2 - sp.log(sigma)
    >>> results = sampling_rule(s_of, {"mu + h*eps": kl_s.subs(sigma, H_POS)})
    >>> [(r[1], r[5].verdict) for r in results]
    [('right', 'kl_qp'), ('wrong', 'kl_qp')]
    """
    rng = np.random.default_rng(MC_SEED)
    results = []
    for row in (r for r in RULE if r[0] in sigma_of):
        s_h = sigma_of[row[0]]
        assert equivalent(_as_sampled(row[0], sigma_of), mu + s_h * EPSILON), row[0]
        symbol = s_h.free_symbols.pop()
        h_points = [sp.solve(sp.Eq(s_h, s_), symbol) for s_ in SIGMAS]
        assert all(len(p) == 1 for p in h_points)
        estimates = [_monte_carlo(s_h, p[0], rng) for p in h_points]
        for kind, line in (("right", row[5]), ("wrong", row[6])):
            results.append(_check_line(kind, line, row, right_kl, symbol, h_points,
                                       estimates))
    return results


def _what_h_is(quantity, value):
    if value.free_symbols and value not in (H, H_POS):
        return "softplus⁻¹(σ)"
    return QUANTITY[quantity]


def sampling_line_table(sigma_of, right_kl):
    """Run :func:`sampling_rule`, glue its Monte Carlo figures, and show the rule's table.

    Glues ``param_mc_n``, ``param_mc_k``, ``param_mc_checks`` and ``param_mc_wrong_min``,
    then displays the table (sampling line, what h is, honest name, the KL line) as Markdown.

    Parameters
    ----------
    sigma_of, right_kl : dict
        As for :func:`sampling_rule`; the table needs every row of :data:`RULE`.

    Returns
    -------
    list of tuple
        The results of :func:`sampling_rule`, for :func:`check_table`.

    Raises
    ------
    AssertionError
        From :func:`sampling_rule`, or if ``sigma_of`` is not in the order of :data:`RULE`,
        or the worst right line is not nearer than ``K_SE`` and the best wrong one farther.

    Examples
    --------
    >>> sampling_line_table({}, {})  # doctest: +SKIP
    """
    assert [row[0] for row in RULE] == list(sigma_of)
    results = sampling_rule(sigma_of, right_kl)
    worst_right = max(max(r[6]) for r in results if r[1] == "right")
    best_wrong = min(min(r[6]) for r in results if r[1] == "wrong")
    table = ["| # | sampling line | *h* is | honest name | the KL line |", "|---|---|---|---|---|"]
    for i, (sample, honest, var_name, (quantity, value), _, right, _) in enumerate(RULE, 1):
        where = " with `std = softplus(h)`" if var_name == "std" else ""
        table.append(f"| {i} | `{sample}` | {_what_h_is(quantity, value)} | "
                     f"`{honest}` | `{right}`{where} |")
    glue("param_mc_n", f"{N_MC:,}".replace(",", " "), display=False)
    glue("param_mc_k", round(K_SE, 1), display=False)
    glue("param_mc_checks", N_CHECKS, display=False)
    glue("param_mc_wrong_min", int(best_wrong), display=False)
    assert 5 < K_SE < 6 and worst_right < K_SE < best_wrong
    from IPython.display import Markdown, display
    display(Markdown("\n".join(table)))
    return results


def check_table(results):
    """The table of checks: each KL line's Monte Carlo |z| and ``check_formula``'s reading.

    Parameters
    ----------
    results : list of tuple
        From :func:`sampling_rule`.

    Returns
    -------
    IPython.display.Markdown
        The table, one row per KL line.

    Examples
    --------
    >>> s_of = {"mu + h*eps": H_POS}
    >>> kl_s = (mu**2 + sigma**2 - 1) / 2 - sp.log(sigma)
    >>> table = check_table(sampling_rule(s_of, {"mu + h*eps": kl_s.subs(sigma, H_POS)}))
    >>> print(table.data.splitlines()[2][:44])
    | 3 | `0.5*(mu**2 + h**2 - 1) - log(h)` | 0.
    """
    from IPython.display import Markdown
    rows = ["| # | KL line | ∣z∣ at σ = 0.4, 2.5 | `check_formula` |", "|---|---|---|---|"]
    row_of = {row[0]: i for i, row in enumerate(RULE, 1)}
    for sample, kind, line, var_name, quantity, check, z_scores in results:
        z_text = ", ".join(f"{z_:.1f}" if z_ <= K_SE else f"{z_:.0f}" for z_ in z_scores)
        reading = QUANTITY[check.reinterpretation.get(var_name, quantity)]
        if kind == "right":
            verdict = f"**right**: KL(q‖p) with `{var_name}` = {reading}"
        else:
            verdict = f"**wrong**: KL(q‖p) only if `{var_name}` = {reading}"
        rows.append(f"| {row_of[sample]} | `{line}` | {z_text} | {verdict} |")
    return Markdown("\n".join(rows))


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
    glue("param_bugs", Equations(
        (r"\mathrm{KL}_{\text{bug 1}}", (bug_1_shown, bug_1_g), r"$\sigma$ for $\sigma^2$"),
        (r"\mathrm{KL}_{\text{bug 2}}", (bug_2_shown, bug_2_g), r"$e^{v}$ for $\sigma$"),
        ("g(s)", (G_DEF,), r"$> 0$ for $s \ne 1$")), display=False)


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
        table.append(f"{float(s_):5.2f} {t:8.3f} {b1:8.3f} {b1 / t:6.2f} "
                     f"{b2:8.3f} {b2 / t:6.2f}")
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
    curves = [(kl_sigma, "-", "true KL"), (bug_1, "--", r"bug 1: $\sigma$ as variance"),
              (bug_2, ":", r"bug 2: $e^{v}$ as $\sigma$")]
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
    bug_1_at_0 = add(mul(one_half, KL_SYMBOL), -frac((sigma - 1)**2, 4))
    bug_2_at_0 = add(2 * KL_SYMBOL, frac((sigma**2 - 1)**2, 2))
    assert equivalent(bug_1_at_0.subs(KL_SYMBOL, kl_0), bug_1.subs(mu, 0))
    assert equivalent(bug_2_at_0.subs(KL_SYMBOL, kl_0), bug_2.subs(mu, 0))
    glue("param_bugs_at_0", Equations((r"\mathrm{KL}_{\text{bug 1}}", (bug_1_at_0,)),
                                      (r"\mathrm{KL}_{\text{bug 2}}", (bug_2_at_0,))),
         display=False)


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
    return 0.5 - (s - 1)**2 / (4 * true_kl), 2 + (s**2 - 1)**2 / (2 * true_kl)


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
    ratio = {name: sp.simplify(expr.subs(at_0) / kl_sigma.subs(at_0))
             for name, expr in (("bug 1", bug_1), ("bug 2", bug_2))}
    limits = {name: [sp.limit(r_, sigma, at, dir_)
                     for at, dir_ in ((0, "+"), (1, "+-"), (sp.oo, "-"))]
              for name, r_ in ratio.items()}
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
        RATIO_GRID)
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
        rows.append(f"{s_:5.2f} {np.log(s_):10.2f} {t:8.3f} {b:12.3f} "
                    f"{t - b:8.3f} {b / t:6.2f}")
    print("\n".join(rows))
    # curvature in the network output h at the minimum h = 0 (sigma = 1)
    h_kl = kl_normal_sigma().subs(sigma, sp.exp(H))
    h_blog = blog.expression.subs(SYMBOLS["log_sigma"], H)
    curv = [sp.diff(e, H, 2).subs({H: 0, mu: 0}) for e in (h_kl, h_blog)]
    assert curv == [2, one_half], curv
    glue("param_blog_curv_ratio", int(curv[0] / curv[1]), display=False)
    glue("param_blog_ratio_5", round(blog_at[5.0][1] / blog_at[5.0][0], 2), display=False)


def kl_normal_sigma():
    """The unit-prior KL in σ, ½(μ² + σ² − 1) − log σ, from ``kl_normal_textbook``.

    Parameters
    ----------
    None

    Returns
    -------
    sympy.Expr

    Examples
    --------
    >>> equivalent(kl_normal_sigma(), (mu**2 + sigma**2 - 1) / 2 - sp.log(sigma))
    True
    """
    from kltools.symbolic import kl_normal_textbook
    return kl_normal_textbook(mu, sigma, 0, 1)


def _chain_rule_holds():
    theta, t_ = sp.Symbol("theta", real=True), sp.Symbol("t")
    K, S_ = sp.Function("K"), sp.Function("S")  # any KL(sigma) and sigma(theta)
    dK = [sp.Subs(sp.Derivative(K(t_), (t_, n)), t_, S_(theta)) for n in (1, 2)]
    chain_1 = dK[0] * sp.diff(S_(theta), theta)
    chain_2 = dK[1] * sp.diff(S_(theta), theta)**2 + dK[0] * sp.diff(S_(theta), theta, 2)
    assert sp.simplify(sp.diff(K(S_(theta)), theta) - chain_1) == 0
    assert sp.simplify(sp.diff(K(S_(theta)), theta, 2) - chain_2) == 0


def _fisher_is_the_curvature(curvature):
    stds = [(sigma, 1, sigma, r"\sigma"), (var, 1, sp.sqrt(var), r"\sigma^2"),
            (v, 0, sp.exp(v / 2), "v")]
    for sym, at, std, name in stds:
        score = sp.diff(sp.log(normal_pdf(x, 0, std)), sym)
        fisher = Expectation(score**2, x, 0, std).doit().subs(sym, at)
        assert sp.simplify(fisher - curvature[name]) == 0, name


def glue_derivatives(kl_sigma, kl_var, kl_logvar):
    """Glue ``param_derivatives``: ∂KL and ∂²KL in σ, σ² and v, and the curvature at the minimum.

    Parameters
    ----------
    kl_sigma, kl_var, kl_logvar : kltools.symbolic.Derivation
        The chapter's three forms.

    Returns
    -------
    dict
        The curvature at the minimum q = N(0, 1), by the parameter's LaTeX name.

    Raises
    ------
    AssertionError
        If eq-chain-rule fails for arbitrary functions, a displayed derivative differs, the
        first derivative is not 0 at the minimum, the curvatures are not 2, ½, ½, or they are
        not the Fisher information of each parameter.

    Examples
    --------
    >>> from kltools.symbolic import Derivation
    >>> forms = [Derivation(KL, e) for e in ((mu**2 + sigma**2 - 1) / 2 - sp.log(sigma),
    ...          (mu**2 + var - 1 - sp.log(var)) / 2, (mu**2 + sp.exp(v) - 1 - v) / 2)]
    >>> sorted(glue_derivatives(*forms).values())
    [1/2, 1/2, 2]
    """
    _chain_rule_holds()
    rows, curvature = [], {}
    forms = [  # (parameter, derivation, its value at the minimum, name, readable forms)
        (sigma, kl_sigma, 1, r"\sigma", (sigma - 1 / sigma, 1 + 1 / sigma**2)),
        (var, kl_var, 1, r"\sigma^2", (add(one_half, -frac(1, 2 * var)), 1 / (2 * var**2))),
        (v, kl_logvar, 0, "v", (mul(one_half, add(sp.exp(v), -1)), mul(one_half, sp.exp(v))))]
    for sym, derivation, at, name, (d1_shown, d2_shown) in forms:
        expr = sp.sympify(derivation.final).doit()
        d1, d2 = sp.diff(expr, sym), sp.diff(expr, sym, 2)
        assert d1.subs({sym: at, mu: 0}) == 0  # the minimum: q = N(0, 1)
        curvature[name] = d2.subs({sym: at, mu: 0})
        den = f"({name})^2" if name == r"\sigma^2" else f"{name}^2"
        rows.append((rf"\frac{{\partial\,\mathrm{{KL}}}}{{\partial {name}}}",
                     shown(d1_shown, d1)))
        rows.append((rf"\frac{{\partial^2\mathrm{{KL}}}}{{\partial {den}}}",
                     (shown(d2_shown, d2), curvature[name]), rf"at ${name} = {at}$"))
    glue("param_derivatives", Equations(*rows), display=False)
    assert [curvature[n] for n in (r"\sigma", r"\sigma^2", "v")] == [2, one_half, one_half]
    # at the minimum dσ/dσ² = 1/(2σ) = 1/2 and dσ/dv = σ/2 = 1/2
    assert sp.diff(sp.sqrt(var), var).subs(var, 1) == one_half
    assert sp.diff(sp.exp(v / 2), v).subs(v, 0) == one_half
    _fisher_is_the_curvature(curvature)
    return curvature


def plot_derivatives(kl_sigma, kl_var, kl_logvar, show=True):
    """Plot the unit-prior KL (mean 0) against σ, σ² and v (fig-param-derivatives).

    Parameters
    ----------
    kl_sigma, kl_var, kl_logvar : kltools.symbolic.Derivation
        The chapter's three forms.
    show : bool
        Show the figure (and return None); otherwise return it.

    Returns
    -------
    matplotlib.figure.Figure or None

    Examples
    --------
    >>> from kltools.symbolic import Derivation
    >>> forms = [Derivation(KL, e) for e in ((mu**2 + sigma**2 - 1) / 2 - sp.log(sigma),
    ...          (mu**2 + var - 1 - sp.log(var)) / 2, (mu**2 + sp.exp(v) - 1 - v) / 2)]
    >>> fig = plot_derivatives(*forms, show=False)
    >>> len(fig.axes[0].lines)
    3
    >>> plt.close(fig)
    """
    raw = {r"$\sigma$": (sigma, kl_sigma, np.linspace(0.05, 3, 300)),
           r"$\sigma^2$": (var, kl_var, np.linspace(1e-3, 3, 600)),
           r"$v = \log\sigma^2$": (v, kl_logvar, np.linspace(-2, 3, 300))}
    fig, ax = plt.subplots(constrained_layout=True)
    for (label, (sym, derivation, grid)), style in zip(raw.items(), ["-", "--", ":"]):
        f = sp.lambdify(sym, sp.sympify(derivation.final).doit().subs(mu, 0))
        ax.plot(grid, f(grid), style, label=label)
    ax.set(xlabel="the raw parameter", ylabel="KL (nats)", xlim=(-2, 3), ylim=(0, 2))
    fig.legend(loc="outside upper center", ncol=3, frameon=False, title="KL in")
    if show:
        plt.show()
        return None
    return fig


def check_worked_example(kl_sigma, kl_var, kl_logvar, bug_1, bug_2):
    """Check the worked example q = N(0, 2²): the three forms, both bugs, and kltools.

    Parameters
    ----------
    kl_sigma, kl_var, kl_logvar : kltools.symbolic.Derivation
        The chapter's three forms.
    bug_1, bug_2 : sympy.Expr
        The two bugs in ``mu`` and ``sigma``.

    Returns
    -------
    None

    Raises
    ------
    AssertionError
        If a form is not 3/2 − log 2, bug 1 not ½ − ½ log 2, bug 2 not 15/2 − 2 log 2, the
        rounded values not 0.807, 0.153, 6.114, or ``kl_normal``/``kl_std_normal`` are off
        by 4 ulp.

    Examples
    --------
    >>> from kltools.symbolic import Derivation
    >>> kl = (mu**2 + sigma**2 - 1) / 2 - sp.log(sigma)
    >>> forms = [Derivation(KL, e) for e in (kl, (mu**2 + var - 1 - sp.log(var)) / 2,
    ...                                      (mu**2 + sp.exp(v) - 1 - v) / 2)]
    >>> check_worked_example(*forms, *bug_forms(kl))
    """
    exact = sp.Rational(3, 2) - sp.log(2)
    at_2 = {sigma: 2, var: 4, v: sp.log(4), mu: 0}
    for derivation in (kl_sigma, kl_var, kl_logvar):
        value = sp.sympify(derivation.final).doit().subs(at_2)
        assert sp.simplify(value - exact) == 0, derivation
    assert sp.simplify(bug_1.subs(at_2) - (one_half - sp.log(2) / 2)) == 0
    assert sp.simplify(bug_2.subs(at_2) - (sp.Rational(15, 2) - 2 * sp.log(2))) == 0
    approx = [round(float(e), 3) for e in (exact, bug_1.subs(at_2), bug_2.subs(at_2))]
    assert approx == [0.807, 0.153, 6.114], approx
    for value in (kl_normal(0.0, 2.0, 0.0, 1.0), kl_std_normal(0.0, np.log(4.0))):
        assert abs(float(value) - float(exact)) <= 4 * EPS
