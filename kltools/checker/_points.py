"""The points where the checker evaluates a formula and the KL.

A point is (mu, mu_p, sigma, sigma_p), exact binary floats.  The screen and the nice points
come first, then a grid over each parameter's range, then (when a formula is still
undecided) points next to the zeros of its logs' arguments, roots' radicands and
denominators, found numerically along each variable, and 100 scattered points.
"""

from __future__ import annotations

import math

from . import _parse
from ._numbers import FLOATS, quick_value

# Points are (mu, mu_p, sigma, sigma_p), exact binary floats.
SCREEN = ((0.8164, -0.5773, 0.731, 1.3195), (-1.2845, 0.4471, 2.1863, 0.6418))
NICE = ((0.5, 0.0, 0.5, 1.0), (1.0, 0.0, 2.0, 1.0), (0.0, 1.0, 3.0, 0.5))
MEANS = (0.0, 1e-3, -0.4, 2.5, -7.0, 40.0, -1e3, 1e6, -1e6)
SCALES = (1e-6, 1e-3, 0.05, 0.4, 1.0, 3.0, 25.0, 1e3, 1e6)
JOINT = ((1e6, -1e6, 1e-6, 1e6), (-1e3, 1e3, 1e6, 1e-6), (1e-3, 2e-3, 1e-6, 1e-6),
         (3.7, -2.2, 1e6, 1e6))
# 100 points with every coordinate distinct: a polynomial vanishing at all of them needs more
# than the 400 tokens a formula may have.  Deterministic, so every run gives the same answer.
SCATTER = tuple(
    ((-1) ** k * 10 ** (-3 + 9 * ((k * 0.618034) % 1)),
     (-1) ** (k // 2) * 10 ** (-2 + 5 * ((k * 0.4142136) % 1)),
     10 ** (-6 + 12 * ((k * 0.7548777) % 1)), 10 ** (-6 + 12 * ((k * 0.5698403) % 1)))
    for k in range(1, 101))

def zeros(f, grid) -> list:
    """Zeros of f along a sorted grid: sign changes, bisected, and near-zero dips, narrowed."""
    samples = [(t, f(t)) for t in grid]
    samples = [(t, v) for t, v in samples if v is not None and math.isfinite(v)]
    roots = []
    changes = [(t0, t1, v0) for (t0, v0), (t1, v1) in zip(samples, samples[1:])
               if v0 * v1 < 0 or v0 == 0]
    for t0, t1, v0 in changes[:8]:
        roots.append(_bisect(f, t0, t1, v0) if v0 else t0)
    # a dip may touch zero without a sign change: (t - 5)^2
    dips = [(abs(v1) / max(abs(v0), abs(v2)), t0, t2, max(abs(v0), abs(v2)))
            for (t0, v0), (t1, v1), (t2, v2) in zip(samples, samples[1:], samples[2:])
            if v1 != 0 and abs(v1) <= min(abs(v0), abs(v2))]
    for _, t0, t2, height in sorted(dips)[:4]:
        t = _narrow(f, t0, t2)
        low = None if t is None else f(t)
        if low is not None and abs(low) <= 1e-6 * height:
            roots.append(t)
    return sorted(r for r in roots if r is not None)


def _bisect(f, a, b, fa):
    for _ in range(64):
        m = (a + b) / 2
        fm = f(m)
        if fm is None:
            return None
        if (fm < 0) == (fa < 0):
            a, fa = m, fm
        else:
            b = m
    return (a + b) / 2


def _narrow(f, a, b):
    """Golden-section search for the smallest |f| in [a, b]."""
    g = (math.sqrt(5) - 1) / 2
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(70):
        if fc is None or fd is None:
            return None
        if abs(fc) < abs(fd):
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = f(d)
    return (a + b) / 2


def _signed_grid(lo: int, hi: int, n: int) -> tuple:
    magnitudes = [10 ** (lo + (hi - lo) * k / (n - 1)) for k in range(n)]
    return tuple(sorted([-m for m in magnitudes] + [0.0] + magnitudes))


# Where to look for zeros along each kind of variable (its own units: sigma, var, log var, ...).
ALONG = {"mu": _signed_grid(-6, 8, 70), "sigma": _signed_grid(-8, 8, 70)[71:],
          "var": _signed_grid(-16, 16, 70)[71:], "log_var": _signed_grid(-4, 1.5, 50),
          "log_sigma": _signed_grid(-4, 1.2, 50)}


def from_quantity(base, dist, quantity, v):
    """The point ``base`` with one parameter set so that ``quantity`` equals ``v``."""
    index = {"q": 0, "p": 1}[dist] if quantity == "mu" else {"q": 2, "p": 3}[dist]
    if quantity == "mu":
        value = v if abs(v) <= 1e8 else None
    elif quantity in ("sigma", "var"):
        value = (v if quantity == "sigma" else math.sqrt(v)) if v > 0 else None
    else:
        exponent = v / 2 if quantity == "log_var" else v
        value = math.exp(exponent) if abs(exponent) < 18 else None
    if value is None or (index >= 2 and not 1e-8 <= value <= 1e8):
        return None
    return base[:index] + (float(value),) + base[index + 1:]


def _singular_arguments(tree) -> list:
    """Each log's argument, root's radicand and denominator of the formula."""
    arguments, stack = [], [tree]
    while stack:
        node = stack.pop()
        if node[0] in ("add", "mul"):
            stack.extend(node[1])
        elif node[0] in ("pow", "exp", "log", "log10"):
            stack.append(node[1])
            if node[0] in ("log", "log10") or (node[0] == "pow" and (
                    node[2] < 0 or node[2].denominator > 1)):
                arguments.append(node[1])
    return arguments

def _near_zeros(problem, argument, name: str, literal: dict, base) -> list:
    dist, quantity = problem.roles[name]

    def along(t):
        problem.check_time()
        value = quick_value(argument, {**literal, name: t})
        return None if value is None else value.real

    roots = zeros(along, ALONG[quantity])
    offsets = (0, -1e-9, 1e-9, -1e-7, 1e-7, -1e-4, 1e-4)
    values = [r * (1 + d) + d for r in roots for d in offsets]
    values += [(x + y) / 2 for x, y in zip(roots, roots[1:])]
    raws = (from_quantity(base, dist, quantity, v) for v in values)
    return [raw for raw in raws if raw is not None]

def critical_points(problem) -> list:
    """Points next to the zeros of each log's argument, root's radicand and denominator,
    found numerically along each variable, then 100 scattered points."""
    base = problem.point(SCREEN[0])
    literal = {n: problem.quantity(FLOATS, base, *problem.roles[n])[0] for n in problem.roles}
    raws = []
    for argument in _singular_arguments(problem.tree)[:12]:
        for name in _parse.names_in(argument)[:4]:
            problem.check_time()
            raws += _near_zeros(problem, argument, name, literal, base)
    return problem.points(raws)[:60] + problem.points(SCATTER)
