"""Symbolic helpers shared by the notebooks (sympy).

The book's notation (see the intro's symbols table): q = N(mu_1, sigma_1^2) is the first
argument of the KL, p = N(mu_2, sigma_2^2) the reference.  Means are real symbols and standard
deviations *positive* symbols, so that sympy may use log(sigma^2) = 2 log(sigma) but never
log(mu^2) = 2 log(mu).

One job per module:

- :mod:`~kltools.symbolic.display`: expressions kept as written, and blocks of equations;
- :mod:`~kltools.symbolic.derivation`: derivations step by step, and their evaluators;
- :mod:`~kltools.symbolic.equivalence`: equality for all admissible values, in bounded time;
- :mod:`~kltools.symbolic.gaussian`: normal densities, Gaussian integrals and moments;
- :mod:`~kltools.symbolic.matrix`: matrix notation for the multivariate chapters;
- :mod:`~kltools.symbolic.factors`: product densities for the diagonal-Gaussian chapter.

No argument reaches sympy unchecked: strings are read by kltools' own parser, never evaluated,
and anything but a sympy object, a real number or a formula string is refused with a
``ValueError`` that names the argument (:mod:`kltools.symbolic._inputs`).

Examples
--------
>>> from kltools.symbolic import equivalent, kl_normal_textbook
>>> equivalent(kl_normal_textbook(), "log(sigma_2/sigma_1) + (sigma_1**2 + (mu_1 - mu_2)**2)"
...            "/(2*sigma_2**2) - 1/2")
True
"""

from ._inputs import mu, mu1, mu2, sigma, sigma1, sigma2, x
from .derivation import Derivation, substitute, substituting, termwise, with_densities
from .display import (
    Display,
    Equations,
    add,
    aligned,
    frac,
    half,
    half_of,
    integral,
    latex,
    mul,
    prefactor,
    scaled,
)
from .equivalence import canonical, counterexample, equivalent, half_log_form, matrices_equivalent
from .factors import Factor, FactorExpectation, FactorKL, Joint, factor_evaluator
from .gaussian import (
    Expectation,
    _normal_parameters,  # noqa: F401 - tests use it
    _weighted_integral,  # noqa: F401 - tests use it
    cross_entropy_integral,
    entropy_integral,
    fisher_information,
    integral_against,
    integral_under,
    kl_integral,
    kl_normal_textbook,
    normal_pdf,
)
from .matrix import (
    GaussianDensity,
    MatrixExpectation,
    VectorExpectation,
    cholesky_factor,
    det,
    expect,
    explicit_evaluator,
    logdet,
    mat_add,
    mat_mul,
    scalar,
    transpose,
)

__all__ = [
    "x",
    "mu",
    "sigma",
    "mu1",
    "mu2",
    "sigma1",
    "sigma2",
    # display
    "add",
    "mul",
    "frac",
    "latex",
    "scaled",
    "half_of",
    "half",
    "prefactor",
    "integral",
    "aligned",
    "Equations",
    "Display",
    # derivations
    "Derivation",
    "substituting",
    "substitute",
    "with_densities",
    "termwise",
    # equivalence
    "canonical",
    "half_log_form",
    "equivalent",
    "counterexample",
    "matrices_equivalent",
    # Gaussian integrals and moments
    "kl_normal_textbook",
    "normal_pdf",
    "entropy_integral",
    "cross_entropy_integral",
    "kl_integral",
    "integral_under",
    "integral_against",
    "Expectation",
    "fisher_information",
    # matrix notation
    "mat_add",
    "mat_mul",
    "transpose",
    "det",
    "logdet",
    "scalar",
    "GaussianDensity",
    "VectorExpectation",
    "MatrixExpectation",
    "expect",
    "cholesky_factor",
    "explicit_evaluator",
    # product densities
    "Factor",
    "Joint",
    "FactorExpectation",
    "FactorKL",
    "factor_evaluator",
]
