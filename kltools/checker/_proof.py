"""The proof that a formula, under a reading, equals a target: c times a KL.

The names become sigma = exp(a), var = exp(2a), log_var = 2a, ... (a = log sigma, b =
log sigma_p), logs and roots of products and powers of positive quantities are rewritten
(:func:`kltools.checker._readings.rewrite_positive`), and sympy's ``expand`` (then
``cancel``) must bring the difference to 0.  Only trees whose expansion is bounded are
tried (:mod:`kltools.checker.bounds`).
"""

from __future__ import annotations

import sympy as sp

from . import _parse, _readings
from .bounds import MAX_EXPANSION, expansion_work, is_tame, polynomial_sized


def symbolic_kl(m1, l1, m2, l2):
    """KL(N(m1, e^(2 l1)) || N(m2, e^(2 l2))) in the log standard deviations l1, l2."""
    return l2 - l1 + (sp.exp(2 * l1) + (m1 - m2) ** 2) / (2 * sp.exp(2 * l2)) - sp.Rational(1, 2)


def _symbols(problem, reading: dict):
    """value_of(name) for the proof: sigma = exp(a), var = exp(2a), ... under ``reading``."""
    a, b = sp.Symbol("a", real=True), sp.Symbol("b", real=True)  # log sigma, log sigma_p
    log_s = {"q": a, "p": b if problem.has_p_scale else sp.Integer(0)}
    zero = sp.Integer(0)
    mean = {"q": _readings.SYMBOLS["mu"] if problem.has_mu else zero,
            "p": _readings.SYMBOLS["mu_p"] if problem.has_mu_p else zero}

    def value_of(name):
        dist, quantity = problem.roles[name]
        quantity = reading.get(name, quantity)
        if quantity == "mu":
            return mean[dist]
        return {"sigma": sp.exp(log_s[dist]), "var": sp.exp(2 * log_s[dist]),
                "log_var": 2 * log_s[dist], "log_sigma": log_s[dist]}[quantity]

    qp = symbolic_kl(mean["q"], log_s["q"], mean["p"], log_s["p"])
    pq = symbolic_kl(mean["p"], log_s["p"], mean["q"], log_s["q"])
    return value_of, {"kl_qp": qp, "kl_pq": pq, "neg_kl_qp": -qp, "neg_kl_pq": -pq}

def proved(problem, reading: dict, target: tuple) -> bool:
    """sympy proves the formula, so read, equal to the target (verdict, factor)."""
    positive = {name for name, (_, quantity) in problem.roles.items()
                if reading.get(name, quantity) in _readings.POSITIVE}
    tree = _readings.rewrite_positive(problem.tree, positive)
    if not is_tame(tree):
        return False
    value_of, kls = _symbols(problem, reading)
    verdict, factor = target
    goal = sp.Rational(factor.numerator, factor.denominator) * kls[verdict]
    diff = _parse.to_sympy(tree, value_of) - goal
    if expansion_work(diff) > MAX_EXPANSION:
        return False
    expand = dict(deep=True, power_exp=True, power_base=True, log=True, mul=True,
                  multinomial=True)
    diff = sp.expand(diff, **expand)
    if diff == 0:
        return True
    # cancel() turns exp(-1000) into E**-1000, a polynomial of degree 1000: only small ones
    return (len(sp.Add.make_args(diff)) <= 200 and polynomial_sized(diff)
            and sp.cancel(sp.together(diff)) == 0)
