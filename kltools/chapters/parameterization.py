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
from kltools.symbolic import (
    Equations,
    Expectation,
    add,
    equivalent,
    frac,
    integral_under,
    mu,
    mul,
    normal_pdf,
    sigma,
    x,
)
from kltools.chapters.univariate_kl import narrow  # noqa: F401  (re-exported)
from kltools.chapters.parameterization_bugs import (  # noqa: F401  (re-exported)
    S,
    G_DEF,
    KL_SYMBOL,
    glue_bugs,
    bug_forms,
    bug_table,
    plot_bugs,
    glue_bugs_at_mean_zero,
    bug_ratios,
    RATIO_GRID,
    check_where_bug_1_hurts,
    plot_bug_ratios,
    blog_table,
)
from kltools.chapters.parameterization_notation import (
    kl_normal_sigma,  # noqa: F401  (re-exported)
    one_half,
    var,
    v,
    q_x,
    p_x,
    H,
    H_POS,
    EPSILON,
    KL,
    EPS,
    in_sigma,
    E_q,
    shown,
    named,
    use_plot_style,
)

__all__ = [
    "narrow",
    "one_half",
    "var",
    "v",
    "q_x",
    "p_x",
    "KL",
    "E_q",
    "shown",
    "named",
    "use_plot_style",
    "check_against_direct_integral",
    "sampling_rule",
    "sampling_line_table",
    "check_table",
    "bug_forms",
    "glue_bugs",
    "bug_table",
    "plot_bugs",
    "glue_bugs_at_mean_zero",
    "bug_ratios",
    "check_where_bug_1_hurts",
    "plot_bug_ratios",
    "blog_table",
    "kl_normal_sigma",
    "glue_derivatives",
    "plot_derivatives",
    "check_worked_example",
]


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
    (
        "mu + exp(0.5*h)*eps",
        "log_var",
        "h",
        ("log_var", H),
        {"h": "log_var"},
        "-0.5*(1 + h - mu**2 - exp(h))",
        "0.5*(mu**2 + exp(2*h) - 1) - h",
    ),
    (
        "mu + exp(h)*eps",
        "log_std",
        "h",
        ("log_sigma", H),
        {"h": "log_std"},
        "0.5*(mu**2 + exp(2*h) - 1) - h",
        "-0.5*(1 + h - mu**2 - exp(h))",
    ),
    (
        "mu + h*eps",
        "std",
        "h",
        ("sigma", H_POS),
        {"h": "std"},
        "0.5*(mu**2 + h**2 - 1) - log(h)",
        "0.5*(mu**2 + h - 1 - log(h))",
    ),
    (
        "mu + sqrt(h)*eps",
        "var",
        "h",
        ("var", H_POS),
        {"h": "var"},
        "0.5*(mu**2 + h - 1 - log(h))",
        "0.5*(mu**2 + h**2 - 1) - log(h)",
    ),
    (
        "mu + softplus(h)*eps",
        "raw_std",
        "std",
        ("sigma", softplus(H)),
        None,
        "0.5*(mu**2 + std**2 - 1) - log(std)",
        "0.5*(mu**2 + std - 1 - log(std))",
    ),
    (
        "Normal(mu, scale=logvar.exp())",
        "log_std",
        "logvar",
        ("log_sigma", H),
        {"logvar": "log_std"},
        "0.5*(mu.pow(2) + (2*logvar).exp() - 1) - logvar",
        "-0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())",
    ),
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
    names = {
        "mu": mu,
        "h": symbol,
        "eps": EPSILON,
        "softplus": softplus,
        "exp": sp.exp,
        "sqrt": sp.sqrt,
    }
    return parse_expr(
        line, local_dict=names, transformations=standard_transformations + (rationalize,)
    )


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
    z_scores = [abs(float(f(float(p[0]))) - est) / se for p, (est, se) in zip(h_points, estimates)]
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
            results.append(_check_line(kind, line, row, right_kl, symbol, h_points, estimates))
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
        table.append(
            f"| {i} | `{sample}` | {_what_h_is(quantity, value)} | `{honest}` | `{right}`{where} |"
        )
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


def _chain_rule_holds():
    theta, t_ = sp.Symbol("theta", real=True), sp.Symbol("t")
    K, S_ = sp.Function("K"), sp.Function("S")  # any KL(sigma) and sigma(theta)
    dK = [sp.Subs(sp.Derivative(K(t_), (t_, n)), t_, S_(theta)) for n in (1, 2)]
    chain_1 = dK[0] * sp.diff(S_(theta), theta)
    chain_2 = dK[1] * sp.diff(S_(theta), theta) ** 2 + dK[0] * sp.diff(S_(theta), theta, 2)
    assert sp.simplify(sp.diff(K(S_(theta)), theta) - chain_1) == 0
    assert sp.simplify(sp.diff(K(S_(theta)), theta, 2) - chain_2) == 0


def _fisher_is_the_curvature(curvature):
    stds = [
        (sigma, 1, sigma, r"\sigma"),
        (var, 1, sp.sqrt(var), r"\sigma^2"),
        (v, 0, sp.exp(v / 2), "v"),
    ]
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
        (v, kl_logvar, 0, "v", (mul(one_half, add(sp.exp(v), -1)), mul(one_half, sp.exp(v)))),
    ]
    for sym, derivation, at, name, (d1_shown, d2_shown) in forms:
        expr = sp.sympify(derivation.final).doit()
        d1, d2 = sp.diff(expr, sym), sp.diff(expr, sym, 2)
        assert d1.subs({sym: at, mu: 0}) == 0  # the minimum: q = N(0, 1)
        curvature[name] = d2.subs({sym: at, mu: 0})
        den = f"({name})^2" if name == r"\sigma^2" else f"{name}^2"
        rows.append((rf"\frac{{\partial\,\mathrm{{KL}}}}{{\partial {name}}}", shown(d1_shown, d1)))
        second = rf"\frac{{\partial^2\mathrm{{KL}}}}{{\partial {den}}}"
        rows.append((second, shown(d2_shown, d2)))
        rows.append((rf"\left.{second}\right|_{{{name} = {at}}}", curvature[name]))
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
    raw = {
        r"$\sigma$": (sigma, kl_sigma, np.linspace(0.05, 3, 300)),
        r"$\sigma^2$": (var, kl_var, np.linspace(1e-3, 3, 600)),
        r"$v = \log\sigma^2$": (v, kl_logvar, np.linspace(-2, 3, 300)),
    }
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
