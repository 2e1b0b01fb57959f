"""The Monte Carlo chapter ("Monte Carlo estimates of KL"): its tables, figures and checks.

The chapter derives the bias and variance of the estimators k1, k2, k3 of KL(q || p) in
the scale ratio r = sigma_1/sigma_2 and the standardised mean difference
delta = (mu_1 - mu_2)/sigma_2, with z ~ N(0, 1) under q; then the expected gradient of
each estimator in four placements.  This module holds what the page builds from those
derivations (the tables, the figures) and the sampling checks whose verdicts it prints; the
expected gradients are in :mod:`kltools.chapters.monte_carlo_gradients`, re-exported here.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from kltools import k1, k2, k3, kl_normal
from kltools.chapters.monte_carlo_gradients import (  # the section "Value against gradient"
    GRADIENT_POINT,
    KL_GRADIENTS_TYPED,
    check_gradients_by_sampling,
    check_softmax_gradients,
    gradient_table,
    gradient_verdicts,
)
from kltools.symbolic import Expectation, mu1, mu2, normal_pdf, sigma1, sigma2, x

__all__ = [
    "z", "r", "delta", "TO_SIGMAS", "CASES", "in_sigmas", "E_q", "second_moment_rho",
    "variances_k2_k3", "predicted", "prediction_table", "schulman_table",
    "check_predictions_by_sampling", "k2_bias_markers", "figure_equal_variances",
    "figure_scale", "nested_sample_growth", "check_growth_claims", "KL_GRADIENTS_TYPED",
    "GRADIENT_POINT", "gradient_verdicts", "gradient_table", "check_softmax_gradients",
    "check_gradients_by_sampling",
]

z = sp.Symbol("z", real=True)  # x = mu_1 + sigma_1 z, so z ~ N(0, 1) under q
r = sp.Symbol("r", positive=True)  # the scale ratio sigma_1 / sigma_2
delta = sp.Symbol("delta", real=True)  # (mu_1 - mu_2) / sigma_2
#: r and delta written out in the means and standard deviations.
TO_SIGMAS = {r: sigma1 / sigma2, delta: (mu1 - mu2) / sigma2}
#: (delta, r) of the table of predictions and of the sampling check.
CASES = ((0.1, 1.0), (0.5, 1.0), (1.0, 1.0), (0.0, 1.3), (0.5, 0.8), (1.0, 1.5))
_p_x, _q_x = sp.Function("p")(x), sp.Function("q")(x)


def in_sigmas(expr):
    """A step in x, or in z, r and delta, written out in mu_1, sigma_1, mu_2, sigma_2 and z.

    ``p(x)`` and ``q(x)`` become the normal densities of p and q, x becomes
    mu_1 + sigma_1 z, and the logs are expanded.

    Parameters
    ----------
    expr : sympy expression
        A step of the chapter's derivation of log rho.

    Returns
    -------
    sympy expression
        The step, expanded.

    Examples
    --------
    >>> from kltools.chapters.monte_carlo import in_sigmas, r
    >>> in_sigmas(r**2)
    sigma_1**2/sigma_2**2
    """
    expr = sp.sympify(expr).subs(
        {_p_x: normal_pdf(x, mu2, sigma2), _q_x: normal_pdf(x, mu1, sigma1)})
    return sp.expand(sp.expand_log(expr.subs(x, mu1 + sigma1 * z).subs(TO_SIGMAS).doit()))


def E_q(f):
    """E_q[f(z)] for z ~ N(0, 1), shown as E_q[...] and evaluated from the normal moments.

    Parameters
    ----------
    f : sympy expression
        A function of :data:`z`.

    Returns
    -------
    kltools.symbolic.Expectation
        The unevaluated expectation (``.doit()`` evaluates it).

    Examples
    --------
    >>> from kltools.chapters.monte_carlo import E_q, z
    >>> E_q(z**4).doit()
    3
    """
    return Expectation(f, z, 0, 1)


def second_moment_rho():
    """E_q[rho^2] in r and delta, for r^2 > 1/2, from the Gaussian integral of the square.

    rho^2 phi(z) is exp(-(2r^2 - 1)/2 (z - M)^2) times a constant once the square is
    completed (the chapter's ``eq-mc-square``); sympy integrates that Gaussian.

    Parameters
    ----------
    None

    Returns
    -------
    sympy expression
        r^2 exp(delta^2/(2r^2 - 1)) / sqrt(2r^2 - 1).

    Examples
    --------
    >>> from kltools.chapters.monte_carlo import delta, r, second_moment_rho
    >>> second_moment_rho().subs({r: 1, delta: 0})
    1
    """
    a, m = sp.Symbol("A", positive=True), sp.Symbol("M", real=True)
    gauss = sp.integrate(sp.exp(-a * (z - m) ** 2), (z, -sp.oo, sp.oo))  # sqrt(pi / A)
    return sp.simplify(r**2 * sp.exp(delta**2 / (2 * r**2 - 1)) / sp.sqrt(2 * sp.pi)
                       * gauss.subs(a, (2 * r**2 - 1) / 2))


def variances_k2_k3(log_rho, kl, kl_pq, e_r2):
    """Var_q[k2] and Var_q[k3] per sample, from the moments of log rho.

    Var k2 = E[(log rho)^4]/4 - (E[(log rho)^2]/2)^2, and Var k3 = E[rho^2] - 1
    - 2 KL(p || q) - 2 KL(q || p) + E[(log rho)^2] - KL(q || p)^2 (``eq-mc-var-k3``).

    Parameters
    ----------
    log_rho : sympy expression
        log p(x) - log q(x) in z, r and delta.
    kl, kl_pq : sympy expression
        KL(q || p) and KL(p || q) in r and delta.
    e_r2 : sympy expression
        E_q[rho^2] (:func:`second_moment_rho`).

    Returns
    -------
    (sympy expression, sympy expression)
        Var k2 and Var k3.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.chapters.monte_carlo import delta, r, variances_k2_k3, z
    >>> log_rho = sp.log(r) + z**2 / 2 - (r * z + delta) ** 2 / 2
    >>> var_k2, _ = variances_k2_k3(log_rho, delta**2 / 2, delta**2 / 2, sp.exp(delta**2))
    >>> var_k2.subs({r: 1, delta: 0})
    0
    """
    e_log2 = Expectation(log_rho**2, z, 0, 1).doit()
    var_k2 = sp.expand(Expectation(log_rho**4, z, 0, 1).doit() / 4 - (e_log2 / 2) ** 2)
    var_k3 = e_r2 - 1 - 2 * kl_pq - 2 * kl + e_log2 - kl**2
    return var_k2, var_k3


def predicted(preds, name, dd, rr):
    """The derived bias and per-sample standard deviation of one estimator at (delta, r).

    Parameters
    ----------
    preds : dict
        Estimator name to (bias, variance), sympy expressions in r and delta.
    name : str
        ``"k1"``, ``"k2"`` or ``"k3"``.
    dd, rr : float
        delta and r, read as the decimals they print as.

    Returns
    -------
    (float, float)
        Bias and standard deviation, nats.

    Examples
    --------
    >>> from kltools.chapters.monte_carlo import delta, predicted, r
    >>> predicted({"k1": (0, r**2 * delta**2)}, "k1", 0.5, 1.0)
    (0.0, 0.5)
    """
    bias, var = preds[name]
    at = {delta: sp.Rational(str(dd)), r: sp.Rational(str(rr))}
    return float(sp.sympify(bias).subs(at).evalf(30)), float(sp.sqrt(var.subs(at)).evalf(30))


def _tex(value):
    """3 significant digits; small numbers as $a\\cdot10^{-k}$, not 1e-05."""
    if value == 0 or abs(value) >= 1e-3:
        return f"{value:.3g}"
    mantissa, exponent = f"{value:.2e}".split("e")
    return f"${mantissa}\\cdot10^{{{int(exponent)}}}$"


def prediction_table(preds, kl, cases=CASES):
    """The table of derived biases and standard deviations at a few (delta, r), as Markdown.

    Parameters
    ----------
    preds : dict
        Estimator name to (bias, variance) in r and delta, for k1, k2, k3.
    kl : sympy expression
        KL(q || p) in r and delta.
    cases : sequence of (float, float)
        The (delta, r) of the rows.

    Returns
    -------
    str
        A Markdown table: delta, r, KL, bias of k2, and the standard deviation of each.

    Examples
    --------
    >>> from kltools.chapters.monte_carlo import delta, prediction_table, r
    >>> preds = {k: (0, r**2 * delta**2) for k in ("k1", "k2", "k3")}
    >>> prediction_table(preds, delta**2 / 2, cases=[(0.5, 1.0)]).splitlines()[-1]
    '| 0.5 | 1.0 | 0.125 | 0 | 0.5 | 0.5 | 0.5 |'
    """
    lines = ["| $\\delta$ | $r$ | KL | bias of $k_2$ | sd $k_1$ | sd $k_2$ | sd $k_3$ |",
             "|---|---|---|---|---|---|---|"]
    for dd, rr in cases:
        value = float(kl.subs({delta: sp.Rational(str(dd)), r: sp.Rational(str(rr))}).evalf(30))
        sds = [f"{predicted(preds, k, dd, rr)[1]:.3g}" for k in preds]
        lines.append(f"| {dd} | {rr} | {value:.3g} | {_tex(predicted(preds, 'k2', dd, rr)[0])} | "
                     + " | ".join(sds) + " |")
    return "\n".join(lines)


def schulman_table(preds, kl):
    """Schulman's two cases, p = N(0.1, 1) and N(1, 1) against q = N(0, 1), as Markdown.

    Each estimator's bias and standard deviation per sample, relative to the KL, from the
    derived expressions (exact, then rounded to 4 digits).

    Parameters
    ----------
    preds : dict
        Estimator name to (bias, variance) in r and delta.
    kl : sympy expression
        KL(q || p) in r and delta.

    Returns
    -------
    (str, dict)
        The Markdown table, and for each case (``"0.1"``, ``"1"``) the relative standard
        deviations, in the order of ``preds``.

    Examples
    --------
    >>> from kltools.chapters.monte_carlo import delta, r, schulman_table
    >>> table, sds = schulman_table({"k1": (0, r**2 * delta**2)}, delta**2 / 2)
    >>> sds["0.1"]
    [20.0]
    """
    lines = ["| $p$ | KL | $k_1$ bias, sd | $k_2$ bias, sd | $k_3$ bias, sd |",
             "|---|---|---|---|---|"]
    relative_sds = {}
    for mu_p in ("0.1", "1"):
        at = {delta: -sp.Rational(mu_p), r: 1}
        value = kl.subs(at)
        cells, sds = [], []
        for bias, var in preds.values():
            rel_b = float((sp.sympify(bias).subs(at) / value).evalf(30))
            rel_sd = float((sp.sqrt(var.subs(at)) / value).evalf(30))
            cells.append(f"{rel_b:.4g}, {rel_sd:.4g}")
            sds.append(rel_sd)
        lines.append(f"| $\\mathcal N({mu_p}, 1)$ | {float(value):.4g} | "
                     + " | ".join(cells) + " |")
        relative_sds[mu_p] = sds
    return "\n".join(lines), relative_sds


def _estimators(log_ratio):
    return {"k1": k1(log_ratio), "k2": k2(log_ratio), "k3": k3(log_ratio)}


def _log_ratios(rng, dd, rr, n):
    """log p(x) - log q(x) at n samples of q = N(delta, r^2), p = N(0, 1)."""
    from scipy import stats

    samples = rng.normal(dd, rr, size=n)
    return stats.norm.logpdf(samples, 0.0, 1.0) - stats.norm.logpdf(samples, dd, rr)


def _case_checks(preds, kl_pq, dd, rr, lr, z_tol, finite4):
    """The sampling checks at one case: (list of verdicts, list of skipped variances)."""
    n = lr.size
    kl = float(kl_normal(dd, rr, 0.0, 1.0))
    ok, skipped = [], []
    for name, values in _estimators(lr).items():
        if name not in preds:
            continue
        bias_pred, sd_pred = predicted(preds, name, dd, rr)
        m, s2 = values.mean(), values.var(ddof=1)
        ok.append(abs(m - kl - bias_pred) <= z_tol * np.sqrt(s2 / n))
        if finite4(name, rr):
            se_var = np.sqrt((np.mean((values - m) ** 4) - s2**2) / n)
            ok.append(abs(s2 - sd_pred**2) <= z_tol * se_var)
        else:
            skipped.append(f"{name} at r = {rr}")
    fwd = np.exp(lr) * lr - np.expm1(lr)  # rho log rho - (rho - 1)
    at = {delta: sp.Rational(str(dd)), r: sp.Rational(str(rr))}
    ok.append(abs(fwd.mean() - float(kl_pq.subs(at))) <= z_tol * fwd.std(ddof=1) / np.sqrt(n))
    return ok, skipped


def _short(value):
    """1e-4, not Python's 1e-04."""
    mantissa, exponent = f"{value:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def check_predictions_by_sampling(preds, kl_pq, cases=CASES, n=200_000, alpha=1e-4, seed=0):
    """Check the derived means and variances of k1, k2, k3 on seeded samples.

    Each estimator's mean must lie within z standard errors of KL + bias; each sample
    variance within z standard errors of the derived variance, its standard error
    sqrt((m4 - s^4)/n) from the sample's fourth central moment, checked only where the
    fourth moment is finite (k3: r^2 > 3/4); the mean of rho log rho - (rho - 1) within z
    standard errors of KL(p || q).  z comes from a false-failure probability ``alpha``
    shared by all the checks (Bonferroni).

    Parameters
    ----------
    preds : dict
        Estimator name to (bias, variance) in r and delta.
    kl_pq : sympy expression
        KL(p || q) in r and delta.
    cases : sequence of (float, float)
        (delta, r) with q = N(delta, r^2) and p = N(0, 1).
    n : int
        Samples per case.
    alpha : float
        The false-failure probability of all the checks together.
    seed : int
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    str
        The verdicts as the page prints them.

    Raises
    ------
    AssertionError
        If a check fails.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.chapters.monte_carlo import check_predictions_by_sampling, delta, r
    >>> preds = {"k1": (0, r**2 * delta**2 + (1 - r**2) ** 2 / 2)}  # eq-mc-var-k1
    >>> kl_pq = (delta**2 / r**2 + 1 / r**2 - 1) / 2 + sp.log(r)  # KL(p || q)
    >>> text = check_predictions_by_sampling(preds, kl_pq, [(0.5, 1.2)], n=2000)
    >>> text.splitlines()[0]
    '1 cases, N = 2,000 samples each, 3 checks, each within 4.15 standard errors'

    """
    from scipy import stats

    def finite4(name, rr):
        return name != "k3" or rr**2 > 0.75

    n_checks = sum(2 * len(preds) + 1 - (not finite4("k3", rr)) for _, rr in cases)
    z_tol = stats.norm.isf(alpha / (2 * n_checks))
    rng = np.random.default_rng(seed)
    ok, skipped = [], []
    for dd, rr in cases:
        case_ok, case_skipped = _case_checks(preds, kl_pq, dd, rr, _log_ratios(rng, dd, rr, n),
                                             z_tol, finite4)
        ok += case_ok
        skipped += case_skipped
    assert len(ok) == n_checks and all(ok), ok
    return (f"{len(cases)} cases, N = {n:,} samples each, {n_checks} checks, "
            f"each within {z_tol:.2f} standard errors\n"
            f"(false-failure probability {_short(alpha)} in all):\n"
            "means of k1, k2, k3 = the derived KL + bias: yes\n"
            "sample variances = the derived variances: yes\n"
            "mean of rho log rho - (rho - 1) = KL(p || q): yes\n"
            "not checkable (infinite fourth moment): the variance of "
            f"{', '.join(skipped) or 'none'}")


def k2_bias_markers(deltas=(0.1, 0.3, 1.0), n=200_000, seed=1):
    """The measured points of figure 1: estimator samples at r = 1 for each delta.

    Parameters
    ----------
    deltas : sequence of float
        The delta of q = N(delta, 1) against p = N(0, 1).
    n : int
        Samples per delta.
    seed : int
        Seed of ``numpy.random.default_rng``, one stream for all the deltas.

    Returns
    -------
    list of (float, dict, float, float)
        For each delta: delta, the estimators' samples, k2's measured bias (its mean minus
        the KL delta^2/2) and that bias's standard error.

    Examples
    --------
    >>> from kltools.chapters.monte_carlo import k2_bias_markers
    >>> [(dd, round(float(b), 1)) for dd, _, b, _ in k2_bias_markers((1.0,), n=20000)]
    [(1.0, 0.1)]
    """
    rng = np.random.default_rng(seed)
    markers = []
    for dd in deltas:
        est = _estimators(_log_ratios(rng, dd, 1.0, n))
        measured = est["k2"].mean() - dd**2 / 2
        markers.append((dd, est, measured, est["k2"].std() / np.sqrt(n)))
    return markers


_LINE = {"k1": dict(ls="-", lw=2, color="C0"),
         "k3": dict(ls="-", lw=6, color="C2", alpha=0.4),
         "k2": dict(ls="--", lw=2, color="C1")}
_MARK = {"k1": dict(marker="o", ms=7), "k3": dict(marker="^", ms=11),
         "k2": dict(marker="s", ms=5)}


def figure_equal_variances(preds, bias, delta_cross, markers):
    """Figure 1: each estimator's standard deviation and k2's bias against delta, at r = 1.

    k3 is a wide pale band drawn first and k2 a dashed line on top, so both stay visible
    where they agree.  k2's measured bias is drawn, with two standard errors, only where
    the bias exceeds two standard errors.

    Parameters
    ----------
    preds : dict
        Estimator name to (bias, variance) in r and delta.
    bias : sympy expression
        The bias of k2 in r and delta.
    delta_cross : float
        Where k3's standard deviation overtakes k1's (the vertical line).
    markers : list
        The output of :func:`k2_bias_markers`.

    Returns
    -------
    (matplotlib.figure.Figure, list of float)
        The figure and the deltas at which k2's measured bias is drawn.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from kltools.chapters.monte_carlo import delta, figure_equal_variances, k2_bias_markers
    >>> preds = {k: (0, delta**2) for k in ("k1", "k2", "k3")}
    >>> fig, shown = figure_equal_variances(preds, delta**4 / 8, 1.1, k2_bias_markers(n=1000))
    >>> shown
    [1.0]
    """
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 12, "axes.titlesize": 12, "legend.fontsize": 12})
    ds = np.geomspace(0.05, 2, 60)
    fig, ax = plt.subplots(figsize=(5.0, 4.4), layout="constrained")
    for name in ("k1", "k3", "k2"):
        sd = sp.lambdify(delta, sp.sqrt(preds[name][1].subs(r, 1)))
        ax.plot(ds, sd(ds), label=f"sd of ${name[0]}_{name[1]}$", **_LINE[name])
    ax.plot(ds, sp.lambdify(delta, bias.subs(r, 1))(ds), "-.", color="C3", label="bias of $k_2$")
    ax.plot(ds, ds**2 / 2, ":", color="0.4", label="KL")
    ax.axvline(delta_cross, color="0.6", lw=1)
    shown = []
    for dd, est, measured, se in markers:
        for name in ("k1", "k3", "k2"):
            ax.plot(dd, est[name].std(), ls="none", mfc="none", mew=1.5,
                    color=_LINE[name]["color"], **_MARK[name])
        if dd**4 / 8 < 2 * se:  # at 0.1: 1.25e-5 against se 1.6e-5, not shown
            continue
        shown.append(dd)
        ax.errorbar(dd, measured, yerr=2 * se, fmt="D", color="C3", ms=6)
    ax.set(xscale="log", yscale="log", xlabel=r"$\delta$ (with $r = 1$)", ylabel="nats")
    fig.legend(loc="outside lower center", ncols=3, frameon=False)
    return fig, shown


def figure_scale(preds):
    """Figure 2: each estimator's standard deviation against r, at delta = 1/2.

    Parameters
    ----------
    preds : dict
        Estimator name to (bias, variance) in r and delta.

    Returns
    -------
    matplotlib.figure.Figure
        The figure, with the lines r^2 = 1/2 (dashed) and r^2 = 3/4 (dotted).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from kltools.chapters.monte_carlo import delta, figure_scale, r
    >>> len(figure_scale({k: (0, r**2 + delta**2) for k in ("k1", "k2", "k3")}).axes)
    1
    """
    import matplotlib.pyplot as plt

    rs = np.linspace(0.72, 2.5, 200)
    fig, ax = plt.subplots(figsize=(5.0, 4.4), layout="constrained")
    for name in ("k1", "k3", "k2"):
        sd = sp.lambdify(r, sp.sqrt(preds[name][1].subs(delta, sp.Rational(1, 2))))
        ax.plot(rs, sd(rs), label=f"sd of ${name[0]}_{name[1]}$", **_LINE[name])
    ax.axvline(1 / np.sqrt(2), color="0.4", ls="--", label=r"$r^2 = \frac{1}{2}$")
    ax.axvline(np.sqrt(0.75), color="0.4", ls=":", label=r"$r^2 = \frac{3}{4}$")
    ax.set(yscale="log", xlabel=r"$r = \sigma_1/\sigma_2$ (with $\delta = 0.5$)",
           ylabel="nats", xlim=(0.68, 2.5))
    fig.legend(loc="outside lower center", ncols=3, frameon=False)
    return fig


def nested_sample_growth(rr=0.6, sizes=(10**3, 10**4, 10**5, 10**6), seed=1):
    """sd(k1), sd(k3) and the largest k3 on nested samples of q = N(0, rr^2), p = N(0, 1).

    Parameters
    ----------
    rr : float
        The scale ratio r (k3's variance is infinite for r^2 <= 1/2).
    sizes : sequence of int
        The nested sample sizes, increasing; the samples are the first ``size`` of one
        seeded stream.
    seed : int
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    list of (int, float, float, float)
        (n, sd of k1, sd of k3, largest k3) for each size.

    Examples
    --------
    >>> from kltools.chapters.monte_carlo import nested_sample_growth
    >>> [n for n, *_ in nested_sample_growth(sizes=(10, 100))]
    [10, 100]
    """
    from scipy import stats

    samples = stats.norm.rvs(0.0, rr, size=max(sizes), random_state=np.random.default_rng(seed))
    est = _estimators(stats.norm.logpdf(samples, 0.0, 1.0) - stats.norm.logpdf(samples, 0.0, rr))
    return [(size, est["k1"][:size].std(), est["k3"][:size].std(), est["k3"][:size].max())
            for size in sizes]


def check_growth_claims(growth, sd_k1_exact):
    """The claims the page makes about :func:`nested_sample_growth`, with their verdicts.

    Parameters
    ----------
    growth : list of (int, float, float, float)
        The output of :func:`nested_sample_growth` at n = 10^3 ... 10^6.
    sd_k1_exact : float
        The exact standard deviation of k1, |1 - r^2|/sqrt(2).

    Returns
    -------
    str
        The four claims, each with "yes".

    Raises
    ------
    AssertionError
        If a claim does not hold.

    Examples
    --------
    >>> from kltools.chapters.monte_carlo import check_growth_claims
    >>> growth = [(10**3, 0.46, 1.9, 49), (10**4, 0.45, 1.5, 79), (10**5, 0.45, 1.7, 293),
    ...           (10**6, 0.4525, 3.2, 2028)]
    >>> check_growth_claims(growth, 0.4525).splitlines()[0]
    'sd(k1) at n = 10^6 within 1% of its exact value 0.4525: yes'
    """
    sd3, max3 = [g[2] for g in growth], [g[3] for g in growth]
    assert abs(growth[-1][1] / sd_k1_exact - 1) < 0.01, growth[-1]
    assert sd3[1] < sd3[0] and sd3[-1] > 1.5 * sd3[0], sd3  # down, then a jump
    assert all(a < b for a, b in zip(max3, max3[1:])), max3
    return (f"sd(k1) at n = 10^6 within 1% of its exact value {sd_k1_exact:.4f}: yes\n"
            "sd(k3) lower at n = 10^4 than at n = 10^3: yes\n"
            "sd(k3) at n = 10^6 more than 1.5 times that at n = 10^3: yes\n"
            "largest k3 grows with every tenfold n: yes")
