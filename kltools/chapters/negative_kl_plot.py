"""The symbols, checks and figure of the chapter "Why did my KL plot go negative?".

The reader's curve is f₁₀(σ) = ½(σ² − 1 − log₁₀ σ²); with the natural log it is
KL(N(0, σ²)‖N(0, 1)) in nats.  The KL in the book's δ = (μ₁ − μ₂)/σ₂ and r = σ₁/σ₂ is
compared after substituting their definitions (:func:`by_definition`).
"""

import matplotlib.pyplot as plt
import mpmath as mp
import numpy as np
import sympy as sp
from scipy import optimize

from kltools import kl_normal
from kltools.chapters.parameterization import named, use_plot_style
from kltools.notebook import glue
from kltools.chapters.univariate_kl import narrow, narrow_rows
from kltools.symbolic import (Derivation, Display, Expectation, add, equivalent, frac,
                              kl_normal_textbook, latex, mu1, mu2, mul, normal_pdf, sigma,
                              sigma1, sigma2, substituting, x)

__all__ = ["one_half", "t", "h", "h_of_t", "delta", "r", "KL", "named", "use_plot_style",
           "kl_log10", "narrow", "glue_log10_closed_forms", "plot_ln_vs_log10",
           "check_against_definition",
           "glue_unit_derivatives", "glue_comment_formula", "negative_sigma_error"]

one_half = sp.Rational(1, 2)
t = sp.Symbol("t", positive=True)
h = sp.Function("h")
h_of_t = t - 1 - sp.log(t)
delta, r = sp.Symbol("delta", real=True), sp.Symbol("r", positive=True)
KL = r"\mathrm{KL}(q\,\Vert\,p)"
# delta, r and h(.) displayed; compared after substituting their definitions
by_definition = substituting([(delta, (mu1 - mu2) / sigma2), (r, sigma1 / sigma2),
                              (h, sp.Lambda(t, h_of_t))])
EPS = float(np.finfo(float).eps)
C10 = sp.log(10)
W0 = sp.LambertW(-C10 * sp.exp(-C10))  # sympy's LambertW(y) is the branch W_0
F_10 = one_half * (sigma**2 - 1 - sp.log(sigma**2, 10))


def kl_log10(s):
    """The reader's curve ½(s² − 1 − log₁₀ s²), in floats.

    Parameters
    ----------
    s : float or numpy.ndarray
        σ > 0.

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> round(float(kl_log10(0.5)), 3)
    -0.074
    """
    return 0.5 * (s**2 - 1 - np.log10(s**2))


def _rounding(s):
    """A bound on the float error of kl_log10(s): a few ulp per operation."""
    return 2 * EPS * (s**2 + 1 + abs(np.log10(s**2)))


def _check_lambert_branches():
    # -ln 10 < -1, so W_-1(-ln10 e^-ln10) = -ln 10 gives sigma = 1, W_0 the other root
    with mp.workdps(30):
        cm = mp.log(10)
        w_0, w_m1 = (mp.lambertw(-cm * mp.exp(-cm), k) for k in (0, -1))
        assert abs(w_m1 + cm) < mp.mpf(10) ** -28 and -1 < w_0 < 0
        assert abs(w_0 - sp.N(W0, 30)) < mp.mpf(10) ** -28


def _check_minimiser(sigma_min, f_min, f2_min):
    # the bounded minimiser stops when the bracket is within 2 (sqrt(2.2e-16)|x| + xatol/3)
    # of x (scipy's _minimize_scalar_bounded); near a minimum, f is flat to rounding within
    # sqrt(2 rounding / f'')
    xatol = 1e-10
    found = optimize.minimize_scalar(kl_log10, bounds=(0.1, 1.0), method="bounded",
                                     options={"xatol": xatol})
    flat = np.sqrt(2 * _rounding(found.x) / float(f2_min))
    tol_min = 2 * (np.sqrt(2.2e-16) * found.x + xatol / 3) + flat
    assert found.success and abs(float(sigma_min) - found.x) <= tol_min
    # f(x) - f_min <= f'' (x - x_min)^2 (covers the Taylor term), plus rounding
    assert abs(float(f_min) - found.fun) <= _rounding(found.x) + float(f2_min) * tol_min**2


def _check_by_hand_values():
    assert kl_log10(0.1) > 0 > kl_log10(0.9)  # the bracket
    f_ln, f_10t = (one_half * (t - 1 - sp.log(t, b)) for b in (sp.E, 10))
    assert round(float(f_ln.subs(t, sp.Rational(1, 4))), 3) == 0.318
    assert round(float(f_10t.subs(t, sp.Rational(1, 4))), 3) == -0.074
    # f_10 is convex in t (f'' > 0): at most two zeros, t = 1 and the spurious one
    assert sp.diff(f_10t, t, 2).is_positive and f_10t.subs(t, 1) == 0


def _glue_closed_forms(sigma_0, sigma_min, f_min):
    shown = {k: f"{float(v):.4f}" for k, v in {"0": sigma_0, "min": sigma_min, "f": f_min}.items()}
    rows = [
        r"&\sigma_0 = \sqrt{\frac{-W_0\!\left(-\ln 10\, e^{-\ln 10}\right)}{\ln 10}}",
        rf"&\qquad \approx {shown['0']}",
        rf"&\sigma_{{\min}} = \frac{{1}}{{\sqrt{{\ln 10}}}} \approx {shown['min']}",
        r"&f_{10}(\sigma_{\min}) = \frac{1 + \ln\ln 10 - \ln 10}{2\ln 10}",
        rf"&\qquad \approx {shown['f']}",
    ]
    body = "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"
    glue("log10_closed", Display(body, "<Display: 3 equations>"), display=False)
    glue("log10_argmin", round(float(sigma_min), 3), display=False)
    glue("log10_min", round(float(f_min), 4), display=False)


def glue_log10_closed_forms(zeros, argmin, spurious):
    """Check the spurious zero and the minimum of f₁₀ in closed form; glue eq-log10-closed.

    The closed forms are typed as a textbook prints them and asserted equal to sympy's
    roots; σ₀ is checked against the ``brentq`` root, σ_min against
    ``scipy.optimize.minimize_scalar``, each within the method's own tolerance.

    Parameters
    ----------
    zeros, argmin : list of sympy.Expr
        sympy's solutions of f₁₀ = 0 and f₁₀′ = 0.
    spurious : float
        The ``brentq`` root in (0.1, 0.9), found with ``xtol=1e-14``.

    Returns
    -------
    tuple of (sympy.Expr, float)
        σ₀ = √(−W₀(−ln 10 e^(−ln 10))/ln 10), and the tolerance of the root found.

    Raises
    ------
    AssertionError
        If a closed form differs from sympy's, a Lambert W branch is wrong at 30 digits,
        or a numeric root or minimum is outside its method's tolerance.

    Examples
    --------
    >>> zeros = sp.solve(F_10, sigma)
    >>> argmin = sp.solve(sp.diff(F_10, sigma), sigma)
    >>> spurious = optimize.brentq(kl_log10, 0.1, 0.9, xtol=1e-14)
    >>> sigma_0, tol_root = glue_log10_closed_forms(zeros, argmin, spurious)
    >>> round(float(sigma_0), 4), bool(tol_root < 1e-13)
    (0.3703, True)
    """
    sigma_0 = sp.sqrt(-W0 / C10)  # typed: the spurious zero
    sigma_min = 1 / sp.sqrt(C10)  # typed: where f_10 is lowest
    f_min = (1 + sp.log(C10) - C10) / (2 * C10)  # typed: its value there
    assert len(zeros) == 2 and 1 in zeros
    assert equivalent(sigma_0, [z for z in zeros if z != 1][0])
    assert argmin == [sigma_min]
    assert equivalent(f_min, F_10.subs(sigma, sigma_min))
    f2_min = sp.diff(F_10, sigma, 2).subs(sigma, sigma_min)
    assert f2_min.is_positive  # a minimum
    _check_lambert_branches()
    # brentq's contract: |x0 - x| <= xtol + rtol |x0| (rtol = 4 eps, its default), plus how
    # far rounding of f moves the sign change: rounding / |f'|
    slope = float(sp.diff(F_10, sigma).subs(sigma, sigma_0))
    tol_root = 1e-14 + 4 * EPS * spurious + _rounding(spurious) / abs(slope)
    assert abs(float(sigma_0) - spurious) <= tol_root
    _check_minimiser(sigma_min, f_min, f2_min)
    _glue_closed_forms(sigma_0, sigma_min, f_min)
    _check_by_hand_values()
    return sigma_0, tol_root


def plot_ln_vs_log10(spurious, show=True):
    """Plot the reader's formula with ln and with log₁₀, and the log₁₀ zeros (fig-ln-vs-log10).

    Parameters
    ----------
    spurious : float
        The spurious zero σ₀.
    show : bool
        Show the figure (and return None); otherwise return it.

    Returns
    -------
    matplotlib.figure.Figure or None

    Examples
    --------
    >>> fig = plot_ln_vs_log10(0.3703, show=False)
    >>> len(fig.axes[0].lines)
    4
    >>> plt.close(fig)
    """
    s_plot = np.linspace(-2, 2, 801)
    s_plot = s_plot[np.abs(s_plot) > 0.02]
    fig, ax = plt.subplots(constrained_layout=True)
    ln_curve = 0.5 * (s_plot**2 - 1 - np.log(s_plot**2))
    ax.plot(s_plot, ln_curve, label=r"natural log $\ln\sigma^2$")
    ax.plot(s_plot, kl_log10(np.abs(s_plot)), "--", label=r"$\log_{10}\sigma^2$")
    zeros = [spurious, 1.0, -spurious, -1.0]
    ax.plot(zeros, [0] * 4, "o", color="C3", label=r"zeros of the $\log_{10}$ one")
    ax.axhline(0, color="0.5", lw=0.8)
    ax.set(xlabel=r"$\sigma$", ylabel=r"$\frac{1}{2}(\sigma^2 - 1 - \log\sigma^2)$",
           ylim=(-0.3, 1.5))
    fig.legend(loc="outside upper center", ncol=2, frameon=False)
    if show:
        plt.show()
        return None
    return fig


def check_against_definition(derivation):
    """Check the KL in δ and r against E_q[log q − log p], the textbook KL, and q = p.

    Parameters
    ----------
    derivation : kltools.symbolic.Derivation
        The chapter's derivation of eq-kl-delta-r (first line: the univariate KL).

    Returns
    -------
    None

    Raises
    ------
    AssertionError
        If the first line is not ``kl_normal_textbook()``, the result not the definition
        by the moments of q, or not zero at q = p.

    Examples
    --------
    >>> from kltools.symbolic import Derivation
    >>> check_against_definition(Derivation(KL, kl_normal_textbook()))
    """
    log_ratio = sp.log(normal_pdf(x, mu1, sigma1) / normal_pdf(x, mu2, sigma2))
    derivation.check(Expectation(log_ratio, x, mu1, sigma1), "the definition")
    assert equivalent(derivation.steps[0][0], kl_normal_textbook())  # the book's reference
    assert derivation.result.subs({mu1: mu2, sigma1: sigma2}) == 0  # zero at q = p


KL_QP = r"\mathrm{KL}(\mathcal N(0, \sigma^2)\,\Vert\,\mathcal N(0, 1))"
KL_PQ = r"\mathrm{KL}(\mathcal N(0, 1)\,\Vert\,\mathcal N(0, \sigma^2))"


def glue_unit_derivatives(kl):
    """Glue ``kl_unit_dsigma``: d/dσ of both directions between N(0, σ²) and N(0, 1).

    Parameters
    ----------
    kl : sympy.Expr
        KL(q‖p) in μ₁, σ₁, μ₂, σ₂.

    Returns
    -------
    tuple of sympy.Expr
        KL(N(0, σ²)‖N(0, 1)) and KL(N(0, 1)‖N(0, σ²)), in ``sigma``.

    Raises
    ------
    AssertionError
        If the reverse KL's derivative is not σ − 1/σ (zero only at σ = 1) with second
        derivative 1 + 1/σ², or the forward one's not 1/σ − 1/σ³.

    Examples
    --------
    >>> kl_qp, kl_pq = glue_unit_derivatives(kl_normal_textbook())
    >>> equivalent(kl_qp, (sigma**2 - 1) / 2 - sp.log(sigma))
    True
    """
    kl_qp = kl.subs({mu1: 0, mu2: 0, sigma1: sigma, sigma2: 1})
    kl_pq = kl.subs({mu1: 0, mu2: 0, sigma1: 1, sigma2: sigma})
    d_qp, d2_qp = sp.diff(kl_qp, sigma), sp.diff(kl_qp, sigma, 2)
    assert equivalent(d_qp, sigma - 1 / sigma) and sp.solve(d_qp, sigma) == [1]
    assert equivalent(d2_qp, 1 + 1 / sigma**2) and kl_qp.subs(sigma, 1) == 0
    assert equivalent(sp.diff(kl_pq, sigma), 1 / sigma - 1 / sigma**3)
    shown = [(rf"\tfrac{{d}}{{d\sigma}}{KL_QP}", sigma - 1 / sigma),
             (rf"\tfrac{{d^2}}{{d\sigma^2}}{KL_QP}", 1 + 1 / sigma**2),
             (rf"\tfrac{{d}}{{d\sigma}}{KL_PQ}", add(1 / sigma, -1 / sigma**3))]
    rows = [row for lhs, rhs in shown for row in narrow_rows(Derivation(lhs, rhs), alone=True)]
    body = "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"
    glue("kl_unit_dsigma", Display(body, "<Display: 3 equations>"), display=False)
    return kl_qp, kl_pq


def glue_comment_formula(kl_qp, kl_pq):
    """Glue ``comment_formula`` and ``comment_at_2``: the thread's c(σ) is neither KL.

    Parameters
    ----------
    kl_qp, kl_pq : sympy.Expr
        KL(N(0, σ²)‖N(0, 1)) and KL(N(0, 1)‖N(0, σ²)), in ``sigma``.

    Returns
    -------
    None

    Raises
    ------
    AssertionError
        If c is not the forward KL − 2 log σ, its derivative not −(σ² + 1)/σ³, c(1) ≠ 0,
        c equals either KL, or the two KLs differ from the text's forms.

    Examples
    --------
    >>> glue_comment_formula(*glue_unit_derivatives(kl_normal_textbook()))
    """
    comment = add(1 / (2 * sigma**2), -one_half, -sp.log(sigma))  # from the thread
    c_prime = mul(-1, frac(add(sigma**2, 1), sigma**3))
    c_def = Derivation(r"c(\sigma)", comment,
                       evaluate=lambda e: sp.sympify(e).subs(sp.Symbol(KL_PQ), kl_pq).doit())
    c_def.step(add(sp.Symbol(KL_PQ), -2 * sp.log(sigma)))
    rows = narrow_rows(c_def, [[], [1]]) + [rf"c'(\sigma) &= {latex(c_prime)}", "c(1) &= 0"]
    body = "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"
    c_shown = Display(body, "<Display: 3 equations>")
    assert equivalent(comment, kl_pq - 2 * sp.log(sigma))
    assert equivalent(sp.diff(comment, sigma), c_prime)
    assert sp.sympify(comment).subs(sigma, 1) == 0
    assert not equivalent(comment, kl_qp) and not equivalent(comment, kl_pq)
    assert equivalent(kl_qp, one_half * (sigma**2 - 1) - sp.log(sigma))  # the text's KLs
    assert equivalent(kl_pq, one_half * (sigma**-2 - 1) + sp.log(sigma))
    glue("comment_formula", c_shown, display=False)
    glue("comment_at_2", round(float(sp.sympify(comment).subs(sigma, 2)), 4), display=False)


def negative_sigma_error():
    """The ``ValueError`` message ``kl_normal(0.0, -0.5, 0.0, 1.0)`` raises.

    Parameters
    ----------
    None

    Returns
    -------
    str
        ``"ValueError: "`` and the message, as the page prints it.

    Raises
    ------
    AssertionError
        If ``kl_normal`` accepts a negative σ.

    Examples
    --------
    >>> print(negative_sigma_error())
    ValueError: sigma1 must be > 0 (a standard deviation), got -0.5
    """
    try:
        kl_normal(0.0, -0.5, 0.0, 1.0)
    except ValueError as err:
        return f"ValueError: {err}"
    raise AssertionError("kl_normal accepted sigma1 = -0.5")
