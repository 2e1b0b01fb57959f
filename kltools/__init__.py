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

import importlib

# Public name -> the submodule that defines it.  Imported on first use (PEP 562), so that
# ``import kltools.checker`` (and ``from kltools import check_formula``) never loads numpy or
# scipy: the checker also runs in a reader's browser, where there is no numpy.
_SOURCES = {
    "kl_normal": "closed_forms",
    "kl_std_normal": "closed_forms",
    "entropy_normal": "closed_forms",
    "cross_entropy_normal": "closed_forms",
    "expm1_minus_x": "closed_forms",
    "kl_mvn": "multivariate",
    "kl_diag_normal": "multivariate",
    "kl_diag_std_normal": "multivariate",
    "k1": "estimators",
    "k2": "estimators",
    "k3": "estimators",
    "Estimate": "numeric",
    "expect_quad": "numeric",
    "expect_monte_carlo": "numeric",
    "kl_quad": "numeric",
    "kl_monte_carlo": "numeric",
    "equivalent": "symbolic",
    "check_formula": "checker",
    "FormulaCheck": "checker",
}


def __getattr__(name):
    try:
        module = _SOURCES[name]
    except KeyError:
        raise AttributeError(f"module 'kltools' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__():
    return sorted(set(globals()) | set(_SOURCES))


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
