"""A formula as the checker reads it, and the questions it asks of it.

:class:`Problem` holds the per-dimension expression tree, what each name means, what the
formula leaves out (``assumed``), and answers two questions for a *reading* (what each
scale name is taken to be) and a *target* (a KL, its direction, sign and constant factor):
its value at a point with an error bound, and whether it differs from the target at one of
some points.  The proof is in :mod:`kltools.checker._proof`, the points near the formula's
singularities in :mod:`kltools.checker._points`.
"""

from __future__ import annotations

from fractions import Fraction

import sympy as sp

from . import _parse, _points, _proof, _readings
from ._numbers import Unevaluable, compare, evaluate
from ._parse import negate
from ._tokens import fail
from .bounds import Deadline, digit_budget, is_tame

VERDICTS = ("kl_qp", "kl_pq", "neg_kl_qp", "neg_kl_pq")
MAX_DIGITS = 280  # of the formula's numbers; more cannot be compared in bounded time


def _kl_tree(m1, s1, m2, s2) -> tuple:
    """log(s2/s1) + (s1^2 + (m1 - m2)^2) / (2 s2^2) - 1/2 as an expression tree."""
    half = ("num", Fraction(1, 2))
    quad = ("add", (("pow", s1, Fraction(2)), ("pow", ("add", (m1, negate(m2))), Fraction(2))))
    return ("add", (("log", s2), negate(("log", s1)),
                    ("mul", (half, quad, ("pow", s2, Fraction(-2)))), negate(half)))


_TRUE = {"mu": ("name", "·mu"), "sigma": ("name", "·s"), "mu_p": ("name", "·mu_p"),
         "sigma_p": ("name", "·s_p")}
_KL_QP = _kl_tree(_TRUE["mu"], _TRUE["sigma"], _TRUE["mu_p"], _TRUE["sigma_p"])
_KL_PQ = _kl_tree(_TRUE["mu_p"], _TRUE["sigma_p"], _TRUE["mu"], _TRUE["sigma"])
_TARGETS = {"kl_qp": _KL_QP, "kl_pq": _KL_PQ, "neg_kl_qp": negate(_KL_QP),
            "neg_kl_pq": negate(_KL_PQ)}
ONE = Fraction(1)
PLAIN = tuple((verdict, ONE) for verdict in VERDICTS)  # targets: (verdict, factor)


def target_tree(target: tuple) -> tuple:
    verdict, factor = target
    tree = _TARGETS[verdict]
    return tree if factor == 1 else ("mul", (("num", factor), tree))


def _read(formula, names) -> tuple[tuple, dict]:
    """(expression tree, library aliases) of a formula given as text or as sympy."""
    if isinstance(formula, sp.Basic):
        return _readings.tree_from_sympy(formula), {}
    parsed = _parse.read_code(formula, code=True,
                              functions=_readings.functions_in(names if isinstance(names, dict)
                                                               else None))
    return parsed.tree, parsed.aliases


class Problem:
    """A formula as read: its per-dimension tree, its names' roles, and what it assumes."""

    def __init__(self, formula, names, limit: float):
        raw, aliases = _read(formula, names)
        found: dict = {}
        tree = _readings.substitute(raw, _readings.mapping(names), found)
        self.tree, _, self.reduction = _readings.strip_reductions(tree)
        self.names = found
        self.roles = {name: _readings.role(documented) for name, documented in found.items()}
        self._assume(aliases)
        budget = digit_budget(self.tree)
        if budget > MAX_DIGITS:
            fail(f"the formula's numbers are too precise or too extreme to compare (more than "
                 f"{MAX_DIGITS} digits); round them to the digits your float type holds")
        self.dps = 50 + budget
        # sympy's automatic simplification can take minutes on nested logs and roots: only
        # "tame" trees are built evaluated (and only they are given to the proof).
        self.tame = is_tame(self.tree)
        with sp.evaluate(self.tame):
            self.expression = _parse.to_sympy(self.tree,
                                              lambda n: _readings.SYMBOLS[self.names[n]])
        self._cache: dict = {}
        self.deadline = Deadline(limit)

    def _assume(self, aliases: dict):
        kinds = set(self.roles.values())
        self.has_p = any(d == "p" for d, _ in kinds)
        self.has_mu, self.has_mu_p = ("q", "mu") in kinds, ("p", "mu") in kinds
        self.has_p_scale = any(d == "p" and q != "mu" for d, q in kinds)
        self.assumed = {} if self.has_mu else {"mu": 0}
        if self.has_p and not self.has_mu_p:
            self.assumed["mu_p"] = 0
        if self.has_p and not self.has_p_scale:
            self.assumed["sigma_p"] = 1
        if not self.has_p:
            self.assumed["p"] = "N(0, 1)"
        if aliases:
            self.assumed["libraries"] = dict(aliases)

    def check_time(self, every: int = 32):
        """Raise once the CPU time is spent (see :class:`kltools.checker.bounds.Deadline`)."""
        self.deadline.check(every)

    # --- points and values -------------------------------------------------------------
    def point(self, raw) -> tuple:
        mu, mu_p, s, s_p = raw
        return (mu if self.has_mu else 0.0, mu_p if self.has_mu_p else 0.0, s,
                s_p if self.has_p_scale else 1.0)

    def points(self, raws) -> list:
        seen = []
        for raw in raws:
            p = self.point(raw)
            if p not in seen:
                seen.append(p)
        return seen

    def grid(self) -> list:
        """The screen points, the joint extremes, then each parameter over its range."""
        base, raws = _points.SCREEN[0], []
        ranges = (_points.MEANS, _points.MEANS, _points.SCALES, _points.SCALES)
        for index, values in enumerate(ranges):
            for value in values:
                raws.append(base[:index] + (value,) + base[index + 1:])
        return self.points([*_points.SCREEN, *_points.JOINT, *raws])

    def quantity(self, arith, point, dist: str, quantity: str):
        """(value, error) of one parameter of q or p, as ``quantity``, at ``point``."""
        key = (arith.key, point, dist, quantity)
        if key not in self._cache:
            mu, mu_p, s, s_p = (arith.exact(v) for v in point)
            if quantity == "mu":
                value = (mu if dist == "q" else mu_p), 0.0
            else:
                std = s if dist == "q" else s_p
                v = {"sigma": std, "var": std * std, "log_var": 2 * arith.log(std),
                     "log_sigma": arith.log(std)}[quantity]
                value = v, (0.0 if quantity == "sigma" else 4 * arith.mag(v) + 4)
            self._cache[key] = value
        return self._cache[key]

    def env(self, arith, point, reading: dict) -> dict:
        env = {"·mu": self.quantity(arith, point, "q", "mu"),
               "·mu_p": self.quantity(arith, point, "p", "mu"),
               "·s": self.quantity(arith, point, "q", "sigma"),
               "·s_p": self.quantity(arith, point, "p", "sigma")}
        for name, (dist, quantity) in self.roles.items():
            env[name] = self.quantity(arith, point, dist, reading.get(name, quantity))
        return env

    def value(self, arith, point, reading: dict):
        """(value, error bound) of the formula so read at the point; None if it has none."""
        try:
            return evaluate(self.tree, self.env(arith, point, reading), arith)
        except (Unevaluable, OverflowError, ZeroDivisionError, ValueError):
            return None

    def target(self, arith, point, target: tuple):
        """(value, error bound) of a target, (verdict, factor), at the point."""
        key = (arith.key, point, target)
        if key not in self._cache:
            try:
                self._cache[key] = evaluate(target_tree(target), self.env(arith, point, {}),
                                            arith)
            except (Unevaluable, OverflowError, ZeroDivisionError, ValueError):
                self._cache[key] = None
        return self._cache[key]

    # --- deciding (reading, target) pairs ------------------------------------------------
    def refuted(self, arith, reading: dict, targets, points) -> tuple[set, int]:
        """The targets from which the formula, so read, differs at one of the points, and
        the number of points where it has a value."""
        refuted, evaluable = set(), 0
        for point in points:
            self.check_time()
            got = self.value(arith, point, reading)
            if got is None:
                continue
            evaluable += 1
            for target in targets:
                if target in refuted:
                    continue
                want = self.target(arith, point, target)
                if want is not None and compare(arith, got, want) == "differs":
                    refuted.add(target)
            if refuted >= set(targets):
                break
        return refuted, evaluable

    def proved(self, reading: dict, target: tuple) -> bool:
        """sympy proves the formula, so read, equal to the target (see :mod:`._proof`)."""
        self.check_time(every=1)
        return _proof.proved(self, reading, target)

    def critical_points(self) -> list:
        """Points next to the zeros of each log's argument, root's radicand and denominator
        (see :func:`kltools.checker._points.critical_points`)."""
        return _points.critical_points(self)
