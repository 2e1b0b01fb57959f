"""The Monte Carlo chapter ("Monte Carlo estimates of KL"): its tables, figures and checks.

The chapter derives the bias and variance of the estimators k1, k2, k3 of KL(q || p) in
the scale ratio r = sigma_1/sigma_2 and the standardised mean difference
delta = (mu_1 - mu_2)/sigma_2, with z ~ N(0, 1) under q; then the expected gradient of
each estimator in four placements.  This module holds what the page builds from those
derivations (the tables, the figures) and the sampling checks whose verdicts it prints.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from kltools import k1, k2, k3, kl_normal
from kltools.symbolic import (Expectation, add, frac, mu1, mu2, normal_pdf, sigma1, sigma2,
                              x)

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


_dmu = add(mu1, -mu2)
#: The four KL gradients as a textbook prints them: (parameter, first, second) -> gradient.
KL_GRADIENTS_TYPED = {
    (mu1, "q", "p"): frac(_dmu, sigma2**2),
    (mu1, "p", "q"): frac(_dmu, sigma1**2),
    (sigma1, "q", "p"): frac(add(sigma1**2, -sigma2**2), sigma1 * sigma2**2),
    (sigma1, "p", "q"): frac(add(sigma1**2, -sigma2**2, -_dmu**2), sigma1**3),
}

_L1, _L2 = sp.symbols("L_1 L_2")  # log sigma_1, log sigma_2
_LOGS = {sp.log(sigma1): _L1, sp.log(sigma2): _L2}
_FIELD = sp.QQ.frac_field(mu1, mu2, sigma1, sigma2, _L1, _L2)
#: The point of the exact and sampled gradients.
GRADIENT_POINT = {mu1: sp.Rational(3, 7), sigma1: sp.Rational(5, 4),
                  mu2: sp.Rational(-2, 9), sigma2: sp.Rational(2, 3)}
_NAMES = {"0": "$0$", "rev": r"$\nabla\mathrm{KL}(q\,\Vert\,p)$",
          "fwd": r"$\nabla\mathrm{KL}(p\,\Vert\,q)$",
          "rev-fwd": r"$\nabla\mathrm{KL}(q\,\Vert\,p) - \nabla\mathrm{KL}(p\,\Vert\,q)$",
          "Ek2": r"$\nabla\mathbb E_q[k_2]$",
          "bias": r"$\nabla\big(\mathbb E_q[k_2] - \mathrm{KL}(q\,\Vert\,p)\big)$"}


def _moments(mean, sd, n=9):
    base = [0 if k % 2 else sp.factorial2(k - 1) for k in range(n)]
    return [_FIELD.from_sympy(sp.expand(sum(sp.binomial(k, j) * mean ** (k - j) * sd**j * base[j]
                                            for j in range(k + 1)))) for k in range(n)]


def _in_field(expr):
    return _FIELD.from_sympy(sp.expand(expr).subs(_LOGS))


def _expect_gradient(g, rho, mom_q, mom_p):
    """E over x ~ q of g(x, rho): a term rho f(x) by E_q[rho f] = E_p[f]."""
    poly = sp.poly(g.subs(_LOGS), x, rho, domain=_FIELD)
    terms = poly.rep.to_dict().items()
    assert all(j <= 1 for (_, j), _ in terms)
    return sum(((mom_p if j else mom_q)[k] * c for (k, j), c in terms), _FIELD.zero)


def _candidates(th, kl_qp, kl_pq, e_k2):
    cand = {"0": 0, "rev": sp.diff(kl_qp, th), "fwd": sp.diff(kl_pq, th),
            "rev-fwd": sp.diff(kl_qp - kl_pq, th), "Ek2": sp.diff(e_k2, th),
            "bias": sp.diff(e_k2 - kl_qp, th)}
    return {c: _in_field(v) for c, v in cand.items()}


def gradient_verdicts(ks, gradient, at_x, rho):
    """Which gradient each estimator's expected per-sample gradient is, in each placement.

    E_q of each per-sample gradient, a polynomial in x and rho, follows from the moments of
    x under q (a term rho f(x) from the moments under p).  The results are rational
    functions of mu_1, mu_2, sigma_1, sigma_2 and the logs of the sigmas, compared exactly
    (canonical form in the field of such functions) with the candidates: 0, the gradient
    of KL(q || p), of KL(p || q), their difference, of E_q[k2], and of k2's bias.

    Parameters
    ----------
    ks : dict
        Estimator name to its expression in the log-ratio t; ``"k2"`` is t^2/2.
    gradient : callable
        ``gradient(k, placement, th)``: one sample's gradient, in x and ``rho``, for the
        placements ``"a"``, ``"b"``, ``"d"``.
    at_x : callable
        ``at_x(f)``: f(t) at the sample, in x and ``rho``.
    rho : sympy.Symbol
        The symbol standing for e^t.

    Returns
    -------
    (dict, dict)
        ``verdict[name, placement]``, a candidate key, the same for mu_1 and sigma_1; and
        ``exact[name, placement, th]``, the expected gradient at :data:`GRADIENT_POINT`.

    Raises
    ------
    AssertionError
        If an expected gradient matches no candidate, or two, or differs between mu_1 and
        sigma_1.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.chapters.monte_carlo import gradient_verdicts
    >>> from kltools.symbolic import mu1, mu2, normal_pdf, sigma1, sigma2, x
    >>> t, rho = sp.Symbol("t", real=True), sp.Symbol("rho", positive=True)
    >>> log_q = sp.expand_log(sp.log(normal_pdf(x, mu1, sigma1)), force=True)
    >>> log_p = sp.expand_log(sp.log(normal_pdf(x, mu2, sigma2)), force=True)
    >>> at_x = lambda f: f.subs(sp.exp(t), rho).subs(t, log_p - log_q)
    >>> reward = lambda k, pl, th: 0 if pl == "b" else at_x(k) * sp.diff(log_q, th)
    >>> verdict, _ = gradient_verdicts({"k1": -t, "k2": t**2 / 2}, reward, at_x, rho)
    >>> verdict["k1", "d"], verdict["k1", "b"]
    ('rev', '0')
    """
    from kltools.symbolic import kl_normal_textbook

    mom_q, mom_p = _moments(mu1, sigma1), _moments(mu2, sigma2)
    kl_qp, kl_pq = kl_normal_textbook(), kl_normal_textbook(mu2, sigma2, mu1, sigma1)
    e_k2 = _FIELD.to_sympy(_expect_gradient(at_x(ks["k2"]), rho, mom_q, mom_p)).subs(
        {_L1: sp.log(sigma1), _L2: sp.log(sigma2)})
    point = GRADIENT_POINT | {_L1: sp.log(GRADIENT_POINT[sigma1]),
                              _L2: sp.log(GRADIENT_POINT[sigma2])}
    verdict, exact = {}, {}
    for th in (mu1, sigma1):
        cand = _candidates(th, kl_qp, kl_pq, e_k2)
        for name, k in ks.items():
            e_pl = {pl: _expect_gradient(sp.sympify(gradient(k, pl, th)), rho, mom_q, mom_p)
                    for pl in "abd"}
            e_pl["c"] = e_pl["b"] + e_pl["d"]  # E is linear
            for pl, e in e_pl.items():
                exact[name, pl, th] = float(_FIELD.to_sympy(e).subs(point))
                match = [c for c, v in cand.items() if e == v]
                assert len(match) == 1, (name, pl, th, match)
                verdict.setdefault((name, pl), set()).add(match[0])
    assert all(len(v) == 1 for v in verdict.values())  # mu_1 and sigma_1 agree
    return {key: v.pop() for key, v in verdict.items()}, exact


def gradient_table(verdict, names=("k1", "k2", "k3")):
    """The table of expected gradients, placements by estimators, as Markdown.

    Parameters
    ----------
    verdict : dict
        ``verdict[name, placement]`` from :func:`gradient_verdicts`.
    names : sequence of str
        The estimators, in column order.

    Returns
    -------
    str
        A Markdown table with rows (a) to (d).

    Examples
    --------
    >>> from kltools.chapters.monte_carlo import gradient_table
    >>> gradient_table({("k1", pl): "0" for pl in "abcd"}, names=("k1",)).splitlines()[2]
    '| (a) pathwise | $0$ |'
    """
    rows = {"a": "(a) pathwise", "b": "(b) loss, samples fixed",
            "c": "(c) loss + score term", "d": r"(d) reward, $k\,s$"}
    header = "| placement | " + " | ".join(f"${k[0]}_{k[1]}$" for k in names) + " |"
    lines = [header, "|---" * (len(names) + 1) + "|"]
    lines += [f"| {rows[pl]} | " + " | ".join(_NAMES[verdict[k, pl]] for k in names) + " |"
              for pl in "abcd"]
    return "\n".join(lines)


def _flat(e):
    return sp.expand(sp.expand_log(e, force=True, factor=True))


def _grad_at_pi(f, pi):
    """d/d theta_j of f(log softmax(theta)) at theta = log pi, for each j.

    Along logit j, log softmax_i = log pi_i + eps [i = j] - log Z(eps), with
    Z(eps) = 1 - pi_j + pi_j e^eps: Z(0) = 1 and Z'(0) = pi_j.
    """
    eps = sp.Symbol("epsilon", real=True)
    out, big_z = [], sp.Function("Z")(eps)
    for j in range(len(pi)):
        la = [sp.log(v) + eps * int(i == j) - sp.log(big_z) for i, v in enumerate(pi)]
        d = sp.diff(f(la), eps).subs(sp.Derivative(big_z, eps), pi[j])
        out.append(_flat(d.subs(big_z, 1).subs(eps, 0)))
    return out


def check_softmax_gradients(ks, expected_gradient, pi, pi_ref, verdict):
    """Check that each placement's exact vocabulary sum is the gradient of the Gaussian table.

    The candidates are the KL gradients of the softmax, computed by differentiating the
    softmax itself (sympy, along each logit from logits log pi); each sum must match
    exactly one, in canonical form, and that one must be ``verdict[name, placement]``.

    Parameters
    ----------
    ks : dict
        Estimator name to its expression in the log-ratio t.
    expected_gradient : callable
        ``expected_gradient(k, placement)``: the 1 x V sympy matrix sum_i pi_i g_i, for
        the placements ``"b"``, ``"c"``, ``"d"``.
    pi, pi_ref : sequence of sympy.Rational
        The policy and the reference, over a vocabulary of V tokens.
    verdict : dict
        ``verdict[name, placement]`` from :func:`gradient_verdicts`.

    Returns
    -------
    (str, dict)
        The verdict as the page prints it, and the exact gradients as float arrays,
        ``exact[name, placement]``.

    Raises
    ------
    AssertionError
        If a sum matches no candidate, more than one, or another than the table's.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.chapters.monte_carlo import check_softmax_gradients
    >>> pi = [sp.Rational(n, 20) for n in (2, 4, 5, 6, 3)]
    >>> ref = [sp.Rational(n, 20) for n in (6, 5, 4, 3, 2)]
    >>> zero = lambda k, pl: sp.zeros(1, 5)  # a k whose every placement has gradient 0
    >>> text, _ = check_softmax_gradients({"k": 0}, zero, pi, ref, {("k", pl): "0" for pl in "bcd"})
    >>> text.splitlines()[-1]
    'of the table: yes'
    """
    log_ref = [sp.log(v) for v in pi_ref]
    rev = _grad_at_pi(lambda la: sum(sp.exp(a) * (a - b) for a, b in zip(la, log_ref)), pi)
    fwd = _grad_at_pi(lambda la: sum(sp.exp(b) * (b - a) for a, b in zip(la, log_ref)), pi)
    ek2 = _grad_at_pi(lambda la: sum(sp.exp(a) * (b - a) ** 2 / 2
                                     for a, b in zip(la, log_ref)), pi)
    cand = {"0": [0] * len(pi), "rev": rev, "fwd": fwd,
            "rev-fwd": [_flat(u - v) for u, v in zip(rev, fwd)], "Ek2": ek2,
            "bias": [_flat(u - v) for u, v in zip(ek2, rev)]}
    exact = {}
    for name, k in ks.items():
        for pl in "bcd":
            g = [_flat(v) for v in expected_gradient(k, pl)]
            exact[name, pl] = np.array([float(v) for v in g])
            match = [c for c, v in cand.items() if g == v]
            assert match == [verdict[name, pl]], (name, pl, match)
    return (f"{len(pi)}-token softmax policy, exact sums over the vocabulary:\n"
            "placements (b), (c), (d) of k1, k2, k3 give the gradients\n"
            "of the table: yes"), exact


def _gaussian_gradient_samples(rng, n, exact_grad, names):
    from scipy import stats

    m1, s1, m2, s2 = (float(GRADIENT_POINT[v]) for v in (mu1, sigma1, mu2, sigma2))
    assert (s1 / s2) ** 2 > 0.5  # finite variance of the rho terms
    zs = rng.standard_normal(n)
    xs = m1 + s1 * zs
    lr = stats.norm.logpdf(xs, m2, s2) - stats.norm.logpdf(xs, m1, s1)
    score = {mu1: (xs - m1) / s1**2, sigma1: ((xs - m1) ** 2 - s1**2) / s1**3}
    dt_dx = -(xs - m2) / s2**2 + (xs - m1) / s1**2
    path = {mu1: dt_dx - score[mu1], sigma1: dt_dx * zs - score[sigma1]}
    value = _estimators(lr)
    slope = {"k1": -np.ones_like(lr), "k2": lr, "k3": np.expm1(lr)}  # k'(t)
    samples, exact = [], []
    for th in (mu1, sigma1):
        for name in names:
            per = {"a": slope[name] * path[th], "b": -slope[name] * score[th],
                   "d": value[name] * score[th]}
            per["c"] = per["b"] + per["d"]
            for pl in "abcd":
                samples.append(per[pl])
                exact.append(exact_grad[name, pl, th])
    return samples, exact


def _softmax_gradient_samples(rng, n, exact_tok, names, pi, pi_ref):
    p_f, ref_f = np.array(pi, dtype=float), np.array(pi_ref, dtype=float)
    tokens = rng.choice(len(p_f), size=n, p=p_f)
    lr = np.log(ref_f[tokens]) - np.log(p_f[tokens])
    s_tok = np.eye(len(p_f))[tokens] - p_f  # the score of each sampled token
    value, slope = _estimators(lr), {"k1": -1.0, "k2": lr, "k3": np.expm1(lr)}
    samples, exact = [], []
    for name in names:
        dk = np.reshape(slope[name], (-1, 1))
        per = {"b": -dk * s_tok, "d": value[name][:, None] * s_tok}
        per["c"] = per["b"] + per["d"]
        for pl in "bcd":
            samples += list(per[pl].T)
            exact += list(exact_tok[name, pl])
    return samples, exact


def check_gradients_by_sampling(exact_grad, exact_tok, pi, pi_ref, n=200_000, seed=15,
                                alpha=1e-4):
    """Check every expected gradient by Monte Carlo, as training code computes it.

    Seeded samples, per-sample gradients from ``scipy.stats`` log-densities and the scores
    written out, averaged; each mean must lie within z standard errors of the exact value,
    z from a false-failure probability ``alpha`` shared by all (Bonferroni).

    Parameters
    ----------
    exact_grad : dict
        ``exact[name, placement, th]`` from :func:`gradient_verdicts`.
    exact_tok : dict
        The exact softmax gradients from :func:`softmax_verdicts`.
    pi, pi_ref : sequence of sympy.Rational
        The softmax policy and reference.
    n : int
        Samples, for the Gaussian and for the softmax policy.
    seed : int
        Seed of ``numpy.random.default_rng``.
    alpha : float
        The false-failure probability of all the checks together.

    Returns
    -------
    str
        The verdict as the page prints it.

    Raises
    ------
    AssertionError
        If a sampled mean is too far from its exact value.

    Examples
    --------
    >>> from kltools.chapters.monte_carlo import check_gradients_by_sampling
    >>> import numpy as np
    >>> zero = {("k1", pl): np.zeros(2) for pl in "bcd"}  # at pi = pi_ref every mean is 0
    >>> print(check_gradients_by_sampling({}, zero, [0.5, 0.5], [0.5, 0.5], n=1000))
    6 expected gradients (0 Gaussian, 6 softmax), N = 1,000 samples each:
    all within 4.31 standard errors of the exact values: yes
    """
    names = sorted({key[0] for key in exact_grad} | {key[0] for key in exact_tok})
    rng = np.random.default_rng(seed)
    samples, exact = _gaussian_gradient_samples(rng, n, exact_grad, names) if exact_grad \
        else ([], [])
    tok_samples, tok_exact = _softmax_gradient_samples(rng, n, exact_tok, names, pi, pi_ref)
    from scipy import stats

    z_grad = stats.norm.isf(alpha / (2 * max(len(samples) + len(tok_samples), 1)))
    assert all(abs(g.mean() - e) <= z_grad * g.std(ddof=1) / np.sqrt(n)
               for g, e in zip(samples + tok_samples, exact + tok_exact))
    return (f"{len(samples) + len(tok_samples)} expected gradients ({len(samples)} Gaussian, "
            f"{len(tok_samples)} softmax), N = {n:,} samples each:\n"
            f"all within {z_grad:.2f} standard errors of the exact values: yes")

