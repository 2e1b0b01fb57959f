"""Numbers with error bounds: the formula and the KL evaluated at a point, and compared.

Each value comes with a rigorous bound on its rounding error, in units of 2^-prec of the
arithmetic that computed it: Python floats first (:class:`FloatArithmetic`), then mpmath at
50 digits or more (:class:`MpArithmetic`).  Two values *differ* at a point when their gap
exceeds the sum of the bounds.  The arithmetic objects share one interface (``num``, ``pi``,
``mag``, ``low``, ``exp``, ``log``, ``power``, ...), so :func:`evaluate` runs on either.
"""

from __future__ import annotations

import cmath
import functools
import math
from fractions import Fraction

import mpmath

class Unevaluable(Exception):
    """The formula has no finite value of moderate size at this point (a pole, an overflow)."""


TOO_BIG = 1e250  # a value above this is out of bounds (a pole, an overflow)


class FloatArithmetic:
    """Python floats (complex only where a log or a root needs it); errors in units of 2^-53."""

    prec = 53
    key = "float"
    exact = staticmethod(float)

    @staticmethod
    @functools.lru_cache(maxsize=4096)
    def num(frac):
        return float(frac)

    def pi(self):
        return math.pi

    def mag(self, v):
        return abs(v)

    low = mag

    def log2low(self, v):
        return math.log2(abs(v)) if v else -math.inf

    def exp(self, v):
        return cmath.exp(v) if isinstance(v, complex) else math.exp(v)

    def log(self, v):
        return cmath.log(v) if isinstance(v, complex) or v < 0 else math.log(v)

    def power(self, v, r):
        if r.denominator == 1:
            return v ** r.numerator
        if isinstance(v, complex) or v < 0:
            return cmath.exp(float(r) * cmath.log(v))
        return v ** float(r)

    def real(self, v):
        return v.real

    def imag(self, v):
        return v.imag

    @staticmethod
    def is_complex(v):
        return isinstance(v, complex)


class MpArithmetic:
    """mpmath at a fixed precision, in a private context; errors in units of 2^-prec."""

    def __init__(self, dps: int):
        self.ctx = mpmath.MPContext()
        self.ctx.dps = dps
        self.prec = self.ctx.prec
        self.key = ("mp", self.prec)
        self.exact = self.ctx.mpf

    def num(self, frac):
        return self.ctx.mpf(frac.numerator) / frac.denominator

    def pi(self):
        return +self.ctx.pi

    # ctx.mag(v) = m with 2^(m-3) < |v| <= 2^m: cheap, rigorous bounds on |v|
    def mag(self, v):
        return 2.0 ** self.ctx.mag(v) if v else 0.0

    def low(self, v):
        return 2.0 ** (self.ctx.mag(v) - 3) if v else 0.0

    def log2low(self, v):
        return float(self.ctx.mag(v) - 3) if v else -math.inf

    def exp(self, v):
        return self.ctx.exp(v)

    def log(self, v):
        return self.ctx.log(v)

    def power(self, v, r):
        if r.denominator == 1:
            return v ** r.numerator
        return self.ctx.power(v, self.ctx.mpf(r.numerator) / r.denominator)

    def real(self, v):
        return self.ctx.re(v)

    def imag(self, v):
        return self.ctx.im(v)

    def is_complex(self, v):
        return isinstance(v, self.ctx.mpc)


FLOATS = FloatArithmetic()


def _small(arith, err: float, mag: float, fraction: float) -> bool:
    """err (in units of 2^-prec) is at most ``fraction`` of ``mag``."""
    return err == 0 or (mag > 0 and math.log2(err) - arith.prec
                        <= math.log2(mag) + math.log2(fraction))


def _near_cut(arith, x, err: float) -> bool:
    """x is a complex number left of zero whose imaginary part's sign is uncertain, so log's
    branch (+i pi or -i pi) is too.  A real number (float, mpf) has an exact zero imaginary
    part."""
    if not arith.is_complex(x) or arith.real(x) >= 0:
        return False
    im = arith.imag(x)
    return im == 0 or not _small(arith, err, arith.low(im), 0.5)


def _ok(arith, value, err: float):
    """Values above 1e250 are out of bounds.  Tiny ones are kept: their absolute error is
    negligible."""
    if arith.mag(value) > TOO_BIG or not math.isfinite(err):
        raise Unevaluable
    return value, err


def _add(parts, arith):
    total = parts[0][0]
    for v, _ in parts[1:]:
        total = total + v
    err = sum(e for _, e in parts) + len(parts) * sum(arith.mag(v) for v, _ in parts)
    return _ok(arith, total, err)


def _mul(parts, arith):
    product, mags = parts[0][0], [arith.mag(v) for v, _ in parts]
    for v, _ in parts[1:]:
        product = product * v
    # First order in each factor's error, valid while each relative error is below 1e-3
    # (then the neglected products add less than 10 %) and at most one uncertain zero.
    if sum(v == 0 and e > 0 for v, e in parts) > 1 or not all(
            v == 0 or _small(arith, e, arith.low(v), 1e-3) for v, e in parts):
        raise Unevaluable
    err = 0.0
    for i, (_, e) in enumerate(parts):
        if e:
            err += e * math.prod(mags[:i]) * math.prod(mags[i + 1:])
    return _ok(arith, product, 1.1 * err + len(parts) * arith.mag(product))


def _pow(x, ex, r: Fraction, arith):
    mx = arith.low(x)
    if x == 0:
        if ex or r <= 0:
            raise Unevaluable
        return _ok(arith, x, 0.0)
    if mx == 0 or not _small(arith, ex, mx, 1e-3) or (r.denominator > 1
                                                        and _near_cut(arith, x, ex)):
        raise Unevaluable
    v = arith.power(x, r)
    n = abs(r.numerator) if r.denominator == 1 else 0
    rel = ex / mx
    rounding = 4 * (n + 1) + abs(float(r)) * (abs(math.log(mx)) + 1)
    return _ok(arith, v, arith.mag(v) * (2 * abs(float(r)) * rel + rounding))


def _exp(x, ex, arith):
    if float(arith.real(x)) > 575 or not _small(arith, ex, 1.0, 1e-3):
        raise Unevaluable
    v = arith.exp(x)
    return _ok(arith, v, arith.mag(v) * (1.01 * ex + 4))


def _log(x, ex, arith, base10: bool):
    mx = arith.low(x)
    if mx == 0 or not _small(arith, ex, mx, 1e-3) or _near_cut(arith, x, ex):
        raise Unevaluable
    v = arith.log(x)
    err = 1.01 * ex / mx + 4 * (arith.mag(v) + 1)
    if base10:
        v = v / arith.log(arith.num(Fraction(10)))
        err = err / 2.3 + 4 * arith.mag(v)
    return _ok(arith, v, err)


def evaluate(tree, env: dict, arith):
    """(value, error bound in units of 2^-arith.prec) of a tree whose names ``env`` gives as
    (value, error) pairs; raises Unevaluable."""
    op = tree[0]
    if op == "name":
        return env[tree[1]]
    if op == "num":
        v = arith.num(tree[1])
        return _ok(arith, v, 2 * arith.mag(v))
    if op == "pi":
        v = arith.pi()
        return v, 2 * arith.mag(v)
    if op in ("add", "mul"):
        parts = [evaluate(t, env, arith) for t in tree[1]]
        return _add(parts, arith) if op == "add" else _mul(parts, arith)
    x, ex = evaluate(tree[1], env, arith)
    if op == "pow":
        return _pow(x, ex, tree[2], arith)
    if op == "exp":
        return _exp(x, ex, arith)
    return _log(x, ex, arith, op == "log10")


def compare(arith, got, want) -> str:
    """"differs", "agrees" (within a tight error bound) or "unclear"."""
    scale = max(1.0, arith.mag(got[0]), arith.mag(want[0]))
    bound = math.log2(8 * (got[1] + want[1]) + 16 * scale) - arith.prec  # log2 of the error bound
    log_diff = arith.log2low(got[0] - want[0])
    if log_diff > bound + 1:
        return "differs"
    tight = bound <= math.log2(scale) - min(80, arith.prec - 20)
    return "agrees" if tight else "unclear"




def quick_value(tree, env: dict):
    """A quick complex value with no error bound (it only proposes points to check); None if
    undefined."""
    def value(node):
        op = node[0]
        if op == "num":
            return complex(FloatArithmetic.num(node[1]))
        if op == "name":
            return complex(env[node[1]])
        if op == "pi":
            return complex(math.pi)
        if op in ("add", "mul"):
            parts = [value(t) for t in node[1]]
            return sum(parts) if op == "add" else math.prod(parts)
        x = value(node[1])
        if op == "pow":
            r = node[2]
            return x ** int(r) if r.denominator == 1 else cmath.exp(float(r) * cmath.log(x))
        if op == "exp":
            return cmath.exp(x)
        return cmath.log(x) if op == "log" else cmath.log10(x)
    try:
        result = value(tree)
    except (OverflowError, ZeroDivisionError, ValueError):
        return None
    return result if cmath.isfinite(result) else None
