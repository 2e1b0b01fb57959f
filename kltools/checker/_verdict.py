"""The verdict: which KL a formula computes, under which reading and with which factor.

For each reading (the literal one first) the targets are the four verdicts, KL(q || p),
KL(p || q) and their negatives, then c × KL for a constant c that the values at two screen
points suggest.  A target is dropped where the formula certainly differs from it at a point
(floats first, then mpmath on the grid); a survivor becomes the verdict only when sympy
proves the two equal.  A formula that is no target under any reading gets a counterexample.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from . import _points, _readings
from ._numbers import FLOATS, MpArithmetic, compare
from ._problem import ONE, PLAIN, Problem
from ._tokens import fail

QUICK = 6  # grid points checked before a proof is attempted
MAX_DENOMINATOR = 1000  # of a constant factor
FACTOR_RANGE = (1e-6, 1e6)


@dataclass
class Decision:
    """A proved target (verdict, factor) under a reading, or a counterexample."""

    target: tuple | None
    reading: dict
    counterexample: dict | None = None


def _ratios(problem: Problem, reading: dict, verdict: str, screen: list) -> list:
    ratios = []
    for point in screen:
        got = problem.value(FLOATS, point, reading)
        want = problem.target(FLOATS, point, (verdict, ONE))
        if got is None or want is None or isinstance(got[0], complex) or not want[0]:
            return []
        ratios.append(got[0] / want[0])
    return ratios


def factor_targets(problem: Problem, reading: dict, screen: list) -> list:
    """Targets c × KL, for a rational c other than 0 and ±1, that the formula so read may be:
    c is the ratio of the formula to the KL at the screen points, where the ratios agree and
    c has a denominator of at most 1000.  Only a proof makes one of them a verdict."""
    found = []
    for verdict in ("kl_qp", "kl_pq"):
        ratios = _ratios(problem, reading, verdict, screen)
        if len(ratios) < 2:
            continue
        r = ratios[0]
        if not FACTOR_RANGE[0] <= abs(r) <= FACTOR_RANGE[1] or any(
                abs(x - r) > 1e-9 * abs(r) for x in ratios):
            continue
        c = Fraction(r).limit_denominator(MAX_DENOMINATOR)
        if abs(c - Fraction(r)) <= 1e-9 * abs(r) and abs(c) != 1:
            found.append(("neg_" + verdict if c < 0 else verdict, abs(c)))
    return found


def _screen(problem: Problem) -> list:
    """(reading, targets not refuted in floats at the two screen points), readings in order."""
    screen = problem.points(_points.SCREEN)
    survivors = []
    for reading in _readings.readings(problem.roles):
        targets = list(PLAIN) + factor_targets(problem, reading, screen)
        refuted = problem.refuted(FLOATS, reading, targets, screen)[0]
        left = [t for t in targets if t not in refuted]
        if left:
            survivors.append((reading, left))
    return survivors


class _Search:
    """The grid stage: each surviving reading's targets on the grid, then a proof."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.arith = MpArithmetic(problem.dps)
        self.grid = problem.grid()
        self.critical = None
        self.undecided = False

    def drop_refuted(self, reading: dict, targets: list, points: list) -> tuple[list, int]:
        refuted, seen = self.problem.refuted(self.arith, reading, targets, points)
        return [t for t in targets if t not in refuted], seen

    def decide(self, reading: dict, targets: list):
        """The first target proved under ``reading``, or None."""
        left, seen = self.drop_refuted(reading, targets, self.grid[:QUICK])
        rest_checked = False
        if left and not seen:  # no value yet: look at the whole grid before trying a proof
            left, seen = self.drop_refuted(reading, left, self.grid[QUICK:])
            rest_checked = True
        if not left or not seen:
            return None  # each target differs somewhere, or the formula has no value here
        for target in left:
            if self.problem.proved(reading, target):
                return target
        if not rest_checked:
            left = self.drop_refuted(reading, left, self.grid[QUICK:])[0]
        if left:  # unproved and not yet seen to differ
            if self.critical is None:
                self.critical = self.problem.critical_points()
            left_after = self.drop_refuted(reading, left, self.critical)[0]
            self.undecided = self.undecided or bool(left_after)
        return None


def decide(problem: Problem) -> Decision:
    """The verdict on a problem: a proved (verdict, factor) and its reading, or a
    counterexample; ValueError when neither a proof nor a counterexample is found."""
    search = _Search(problem)
    for reading, targets in _screen(problem):
        target = search.decide(reading, targets)
        if target is not None:
            return Decision(target, reading)
    if search.undecided:
        fail("the checker could neither prove this formula equal to a KL nor find a point "
             "where they differ; simplify it (for instance, expand logs of products) and "
             "try again")
    return Decision(None, {}, counterexample(problem))


def _plain(value):
    value = complex(value)
    return value.real if value.imag == 0 else value


def _describe_point(problem: Problem, arith, point, got, want) -> dict:
    mu, mu_p, s, s_p = point
    distributions = {"mu": mu, "sigma": s}
    if problem.has_p:
        distributions.update(mu_p=mu_p, sigma_p=s_p)
    values = {name: _plain(problem.quantity(arith, point, *problem.roles[name])[0])
              for name in problem.roles}
    return {"distributions": distributions, "point": values, "formula": _plain(got),
            "kl_qp": _plain(want), "difference": _plain(got - want)}


def _stages(problem: Problem):
    yield problem.points(_points.NICE)
    yield problem.grid()
    yield None  # the critical points, computed only if the grid had a value


def counterexample(problem: Problem) -> dict:
    """The first point, nice ones first, where the formula as written certainly differs from
    KL(q || p)."""
    arith, evaluable = MpArithmetic(problem.dps), 0
    for candidates in _stages(problem):
        if candidates is None:
            if not evaluable:
                break  # no value on the grid: the zeros of its arguments will not help
            candidates = problem.critical_points()
        found = None
        for point in candidates:
            problem.check_time()
            got = problem.value(arith, point, {})
            if got is None:
                continue
            evaluable += 1
            want = problem.target(arith, point, ("kl_qp", ONE))
            if want is None or compare(arith, got, want) != "differs":
                continue
            if arith.mag(got[0] - want[0]) > 1e-6 * max(1.0, arith.mag(want[0])):
                return _describe_point(problem, arith, point, got[0], want[0])  # visible
            found = found or (point, got[0], want[0])
        if found:
            return _describe_point(problem, arith, *found)
    fail("the formula has no finite value below 1e250 in size at any test point (it "
         "overflows or divides by zero); check that each name means what you pass in names=")
