"""Work bounds shared by the checker and the symbolic helpers.

sympy cannot be interrupted from inside ``expand``, ``simplify`` or ``N``, so every caller
that hands a reader's expression to sympy first checks it here: a static estimate of the
work (:func:`expansion_work`, :func:`is_tame`, :func:`polynomial_sized`,
:func:`digit_budget`), then a CPU-time :class:`Deadline` checked between steps.
"""

import math
import time

import sympy as sp

from . import _parse

MAX_EXPANSION = 2000  # terms; larger proofs are not attempted (bounded time)
CPU_DEADLINE = 1.2  # seconds of CPU time before giving up, inside a 2 s wall-time limit


class Deadline:
    """A CPU-time deadline: :meth:`check` raises ``ValueError`` once ``seconds`` are spent.

    ``limit`` is the time promised to the caller, named in the message; the deadline itself
    is :data:`CPU_DEADLINE`, which leaves room for the work after the last check.
    """

    def __init__(self, limit: float, seconds: float | None = None):
        self.limit = limit
        # read at call time, so that a slower runtime (Pyodide) can raise the module's value
        self.end = time.process_time() + (CPU_DEADLINE if seconds is None else seconds)
        self._ticks = 0

    def check(self, every: int = 1):
        """Raise once the CPU time is spent; the clock is a slow syscall, so read it every
        ``every`` calls."""
        self._ticks += 1
        if self._ticks % every == 0 and time.process_time() > self.end:
            _parse._fail(f"the checker could not decide within its time limit of "
                         f"{self.limit:g} s; "
                         "simplify the formula and try again")


def digit_budget(tree, factor: int = 1) -> int:
    op = tree[0]
    if op == "num":
        value = tree[1]
        return factor * max(0, len(str(abs(value.numerator))) + len(str(value.denominator)) - 2)
    if op in ("add", "mul"):
        return sum(digit_budget(t, factor) for t in tree[1])
    if op == "pow":
        return digit_budget(tree[1], factor * max(1, abs(tree[2].numerator)))
    if op in ("exp", "log", "log10"):
        return digit_budget(tree[1], factor)
    return 0


def expansion_work(expr, cap: int = 10**6) -> int:
    """An upper estimate of the terms sympy's expand() creates: a guard before calling it."""
    def terms(e) -> tuple[int, int]:  # (terms of e expanded, work so far)
        if e.is_Atom:
            return 1, 1
        if e.is_Pow and e.exp.is_Integer:
            t, w = terms(e.base)
            n = abs(int(e.exp))
            expanded = math.comb(t + n - 1, n) if n > 1 and t < cap else t
            return (min(expanded, cap) if e.exp > 0 else 1), min(cap, w + expanded)
        parts = [terms(a) for a in e.args]
        work = min(cap, sum(w for _, w in parts))
        if e.is_Add:
            t = sum(p for p, _ in parts)
        elif e.is_Mul:
            t = math.prod(min(p, cap) for p, _ in parts)
        else:  # exp, log, a root: one term, whose argument is expanded inside
            t = 1
        return min(t, cap), min(cap, work + min(t, cap))
    return terms(expr)[1]


def _size(node) -> int:
    if node[0] in ("add", "mul"):
        return 1 + sum(_size(t) for t in node[1])
    return 1 + (_size(node[1]) if node[0] in ("pow", "exp", "log", "log10") else 0)


def _is_root_or_log(node) -> bool:
    return node[0] in ("log", "log10") or (node[0] == "pow" and node[2].denominator > 1)


def _inner_ok(node) -> bool:
    """Inside a log or a root: no further log or root, and powers of sums at most 4."""
    op = node[0]
    if _is_root_or_log(node):
        return False
    if op == "pow" and abs(node[2]) > 4 and node[1][0] == "add":
        return False
    if op in ("add", "mul"):
        return all(_inner_ok(t) for t in node[1])
    return op not in ("pow", "exp") or _inner_ok(node[1])


def _modest(node) -> bool:
    """Inside an exp: every number at most 1000, with a denominator at most 1000."""
    if node[0] == "num":
        return abs(node[1]) <= 1000 and node[1].denominator <= 1000
    if node[0] in ("add", "mul"):
        return all(_modest(t) for t in node[1])
    return node[0] not in ("pow", "exp", "log", "log10") or _modest(node[1])


def is_tame(tree) -> bool:
    """No log or root inside another's argument, arguments of at most 40 nodes, powers of sums at
    most 4, and numbers inside exp() at most 1000 (sympy rewrites exp(c log x) as x**c)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        op = node[0]
        if _is_root_or_log(node) and (_size(node[1]) > 40 or not _inner_ok(node[1])):
            return False
        if op == "exp" and not _modest(node[1]):
            return False
        if op in ("add", "mul"):
            stack.extend(node[1])
        elif op in ("pow", "exp", "log", "log10"):
            stack.append(node[1])
    return True


def polynomial_sized(expr) -> bool:
    """Every power, and every constant added inside an exp, is small (so sympy's polynomials
    stay small)."""
    for node in sp.preorder_traversal(expr):
        if node.is_Pow and not (node.exp.is_Rational and abs(node.exp) <= _parse.MAX_EXPONENT):
            return False
        if isinstance(node, sp.exp) and any(not c.is_Rational or abs(c) > 50 or c.q > 1000
                                            for c in node.args[0].as_coefficients_dict().values()):
            return False
        if node.is_Rational and max(abs(int(node.p)),
                                    int(node.q)) >= 10**_parse.MAX_LITERAL_DIGITS:
            return False
    return True
