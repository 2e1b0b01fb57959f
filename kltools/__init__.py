"""kltools: the helper package behind the book *KL divergence between Gaussians*.

Closed forms (numpy, nats)
    :func:`kl_normal`, :func:`kl_std_normal`, :func:`entropy_normal`,
    :func:`cross_entropy_normal`, :func:`expm1_minus_x`, :func:`kl_mvn`, :func:`kl_diag_normal`,
    :func:`kl_diag_std_normal`.
Monte Carlo estimators of KL(q || p) from log-ratios (Schulman 2020)
    :func:`k1`, :func:`k2`, :func:`k3`.
Independent numeric checks
    :func:`kl_quad`, :func:`kl_monte_carlo`, :func:`expect_quad`,
    :func:`expect_monte_carlo`.
The formula checker
    :func:`check_formula`.
Symbolic derivations (sympy)
    :mod:`kltools.symbolic`, with :func:`equivalent`.
"""

from .closed_forms import (
    cross_entropy_normal,
    entropy_normal,
    expm1_minus_x,
    kl_normal,
    kl_std_normal,
)
from .estimators import k1, k2, k3
from .formulas import FormulaCheck, check_formula
from .multivariate import kl_diag_normal, kl_diag_std_normal, kl_mvn
from .numeric import Estimate, expect_monte_carlo, expect_quad, kl_monte_carlo, kl_quad
from .symbolic import equivalent

__all__ = [
    "kl_normal",
    "kl_std_normal",
    "entropy_normal",
    "cross_entropy_normal",
    "expm1_minus_x",
    "kl_mvn",
    "kl_diag_normal",
    "kl_diag_std_normal",
    "k1",
    "k2",
    "k3",
    "Estimate",
    "expect_quad",
    "expect_monte_carlo",
    "kl_quad",
    "kl_monte_carlo",
    "equivalent",
    "check_formula",
    "FormulaCheck",
]
