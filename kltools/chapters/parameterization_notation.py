"""The notation of the chapter "σ, σ² or log σ²?": its symbols and its small display helpers.

The variance σ² is the symbol :data:`var`, the log-variance v = log σ² is :data:`v`, and
:data:`in_sigma` rewrites every step as a function of σ. The chapter's other modules
(:mod:`kltools.chapters.parameterization` and :mod:`kltools.chapters.parameterization_bugs`)
build on these.
"""

import matplotlib.pyplot as plt
import numpy as np
import sympy as sp

from kltools.symbolic import Expectation, equivalent, mu, normal_pdf, sigma, substituting, x

__all__ = [
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
    "kl_normal_sigma",
]

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
in_sigma = substituting(
    [
        (q_x, normal_pdf(x, mu, sigma)),
        (p_x, normal_pdf(x, 0, 1)),
        (v, sp.log(var)),
        (var, sigma**2),
    ]
)
# check_formula's verdicts, named by their arguments
VERDICT_NAMES = {
    "kl_qp": "KL(q‖p)",
    "kl_pq": "KL(p‖q)",
    "neg_kl_qp": "−KL(q‖p)",
    "neg_kl_pq": "−KL(p‖q)",
    "no_match": "no KL",
}


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
    >>> from kltools import check_formula
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
    plt.rcParams.update(
        {
            "figure.figsize": (5.0, 3.8),
            "font.size": 12,
            "axes.labelsize": 13,
            "legend.fontsize": 12,
            "lines.linewidth": 2.2,
            "figure.facecolor": "white",
            "savefig.facecolor": "white",
        }
    )


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
