"""The formula checker: which KL, if any, does a formula or a line of code compute?

:func:`check_formula` reads a formula, or a line of code pasted from a VAE or
an RL codebase, without running it (:mod:`kltools.checker._parse`).  It compares the
formula with KL(q || p), KL(p || q) and their negatives, first with every
variable read as its name says, then with one scale variable per
distribution read as another quantity (a ``z_log_sigma`` that must really be
a log-variance, say).  A match is proved by sympy; a mismatch is shown by a
point where the two values differ by more than a bound on the rounding error.

Directions follow the book: q = N(mu, sigma^2) is the first argument (the
approximate posterior or the policy), p = N(mu_p, sigma_p^2) the second (the
prior or the reference).  KL(q || p) is the *reverse* (exclusive) KL of
variational inference and RLHF, KL(p || q) the *forward* (inclusive) one.
"""

from __future__ import annotations

import cmath
import functools
import itertools
import math
from dataclasses import dataclass
from fractions import Fraction

import mpmath
import sympy as sp

from . import _parse
from ._parse import negate
from .bounds import MAX_EXPANSION, Deadline, digit_budget, expansion_work, is_tame, polynomial_sized

__all__ = ["FormulaCheck", "check_formula", "SYMBOLS", "NAMES", "QUANTITIES", "VERDICTS", "FUNCTIONS", "TIME_LIMIT"]

TIME_LIMIT = 2.0  # seconds: every input gets a verdict or a ValueError within this
VERDICTS = ("kl_qp", "kl_pq", "neg_kl_qp", "neg_kl_pq")
QUANTITIES = ("sigma", "var", "log_var", "log_sigma")
FUNCTIONS = _parse.FUNCTIONS

# The documented symbols; q's have no suffix, p's end in _p.
_KINDS = {"mu": {"real": True}, "sigma": {"positive": True}, "var": {"positive": True},
          "log_var": {"real": True}, "log_sigma": {"real": True}}
SYMBOLS = {name + suffix: sp.Symbol(name + suffix, **assumptions)
           for suffix in ("", "_p") for name, assumptions in _KINDS.items()}

# The names a line of code may use, and the documented symbol each one means.
_SPELLINGS = {
    "mu": ("mu", "mean", "z_mean", "mu_q", "μ"),
    "sigma": ("sigma", "std", "scale", "z_std", "σ"),
    "var": ("var", "variance"),
    "log_var": ("log_var", "logvar", "z_log_var", "log_sigma2"),
    "log_sigma": ("log_sigma", "log_std", "z_log_sigma", "logσ"),
}
NAMES = {}
for _documented, _spellings in _SPELLINGS.items():
    for _name in _spellings:
        NAMES[_name] = _documented
        NAMES[_name + "_p"] = NAMES["prior_" + _name] = _documented + "_p"


def _role(documented: str) -> tuple[str, str]:
    """("q" or "p", quantity) of a documented symbol name."""
    return ("p", documented[:-2]) if documented.endswith("_p") else ("q", documented)


@dataclass
class FormulaCheck:
    """The outcome of :func:`check_formula`.

    Attributes
    ----------
    formula : str or sympy.Expr
        The formula exactly as given.
    expression : sympy.Expr
        One latent dimension's term, read as written, in the documented
        symbols (:data:`SYMBOLS`); decimal literals are the exact rationals
        they spell (``0.49999999`` is 49999999/100000000).
    verdict : str
        ``"kl_qp"`` (KL(q || p)), ``"kl_pq"`` (KL(p || q)), ``"neg_kl_qp"``,
        ``"neg_kl_pq"`` or ``"no_match"``.
    reinterpretation : dict
        Empty when the formula is a KL with every name read as it says.
        Otherwise maps each name, as written, to the quantity it must be:
        ``"sigma"``, ``"var"``, ``"log_var"`` or ``"log_sigma"``.
    reduction : str or None
        ``"sum"`` or ``"mean"`` if the line reduces over the latent
        dimensions (then the verdict is about each dimension's term, and a
        mean is the KL divided by the number of dimensions d); None if it
        does not reduce.
    counterexample : dict or None
        For ``"no_match"``: ``distributions`` (mu, sigma and, if p appears,
        mu_p, sigma_p: exact binary floats), ``point`` (each name's value
        there, as written, rounded to a float), ``formula`` (its value),
        ``kl_qp`` (the true KL(q || p) there, nats) and ``difference``
        (formula minus KL, computed at high precision; nonzero by more than
        its error bound).  None otherwise.
    assumed : dict
        What the formula leaves out: ``mu`` or ``mu_p`` as 0, ``p`` as
        ``"N(0, 1)"`` when no p name appears.
    names : dict
        Each name in the formula and the documented symbol it was read as,
        e.g. ``{"z_log_sigma": "log_sigma"}``.
    """

    formula: object
    expression: sp.Expr
    verdict: str
    reinterpretation: dict
    reduction: str | None
    counterexample: dict | None
    assumed: dict
    names: dict

    @property
    def correct(self) -> bool:
        """True when the formula is KL(q || p) with every name read as it says."""
        return self.verdict == "kl_qp" and not self.reinterpretation

    def describe(self) -> str:
        """A one-line summary, e.g. ``"kl_qp if sigma is var"``."""
        text = self.verdict
        if self.reinterpretation:
            text += " if " + ", ".join(f"{k} is {v}" for k, v in self.reinterpretation.items())
        if self.reduction:
            text += {"sum": ", summed", "mean": ", averaged"}[self.reduction] + " over the latent dimensions"
        return text


# --- reading the formula --------------------------------------------------

def _mapping(names) -> dict:
    if names is None:
        return {}
    if not isinstance(names, dict) or len(names) > 32:
        _parse._fail("names must be a dict of at most 32 entries")
    mapping = {}
    for key, value in names.items():
        parts = key.split(".") if isinstance(key, str) else [""]
        if not all(p.isidentifier() and not p.startswith("__") for p in parts) or len(key) > 60:
            _parse._fail(f"names: {key!r} is not a variable name")
        key = _parse.normalise_name(key)
        if isinstance(value, str) and _parse.normalise_name(value) in NAMES:
            mapping[key] = NAMES[_parse.normalise_name(value)]
        elif isinstance(value, str) and value in SYMBOLS:
            mapping[key] = value
        elif _parse.is_finite_number(value):
            mapping[key] = Fraction(repr(value)) if isinstance(value, float) else Fraction(value)
        elif isinstance(value, str):
            try:
                mapping[key] = _parse.literal_value(value.lstrip("-")) * (-1 if value.startswith("-") else 1)
            except ValueError:
                _parse._fail(f"names: {key!r} maps to {value!r}, which is neither a known name nor a number")
        else:
            _parse._fail(f"names: {key!r} must map to a name such as 'log_var' or to a finite number")
    return mapping


def _tree_from_sympy(expr) -> tuple:
    count, stack = 0, [(expr, 1)]
    while stack:  # size and depth first, without recursion
        node, depth = stack.pop()
        count += 1
        if count > _parse.MAX_NODES or depth > _parse.MAX_DEPTH:
            _parse._fail("sympy expression is too large or too deeply nested")
        stack.extend((a, depth + 1) for a in node.args)
    return _convert_sympy(expr)


def _convert_sympy(e) -> tuple:
    if isinstance(e, sp.Symbol):
        return ("name", e.name)
    if isinstance(e, sp.Rational):
        if max(abs(int(e.p)), int(e.q)) >= 10**_parse.MAX_LITERAL_DIGITS:
            _parse._fail(f"a number has more than {_parse.MAX_LITERAL_DIGITS} digits")
        return ("num", Fraction(int(e.p), int(e.q)))
    if isinstance(e, sp.Float):
        text = str(e).lower()
        mantissa, _, exponent = text.partition("e")
        sign = -1 if mantissa.startswith("-") else 1
        value = _parse.literal_value(mantissa.lstrip("-") + (f"e{exponent}" if exponent else ""))
        return ("num", sign * value)
    if e == sp.pi:
        return ("pi",)
    if e == sp.E:
        return ("exp", ("num", Fraction(1)))
    if isinstance(e, sp.Add):
        return ("add", tuple(_convert_sympy(a) for a in e.args))
    if isinstance(e, sp.Mul):
        return ("mul", tuple(_convert_sympy(a) for a in e.args))
    if isinstance(e, sp.Pow):
        if isinstance(e.base, sp.Basic) and e.base == sp.E:
            return ("exp", _convert_sympy(e.exp))
        if not isinstance(e.exp, sp.Rational):
            _parse._fail(f"exponent {e.exp} must be a rational number")
        r = Fraction(int(e.exp.p), int(e.exp.q))
        if abs(r) > _parse.MAX_EXPONENT or r.denominator > _parse.MAX_EXPONENT_DENOMINATOR:
            _parse._fail(f"exponent {r} is too large (at most {_parse.MAX_EXPONENT} in absolute value)")
        return ("pow", _convert_sympy(e.base), r)
    if isinstance(e, sp.exp):
        return ("exp", _convert_sympy(e.args[0]))
    if isinstance(e, sp.log) and len(e.args) == 1:
        return ("log", _convert_sympy(e.args[0]))
    _parse._fail(f"sympy {type(e).__name__} is not supported in a formula; use +, -, *, /, powers, exp and log")


def _substitute(tree, mapping: dict, found: dict) -> tuple:
    """Replace names mapped to numbers; record every other name and what it means."""
    op = tree[0]
    if op == "name":
        name = _parse.normalise_name(tree[1])
        meaning = mapping.get(name, NAMES.get(name))
        if isinstance(meaning, Fraction):
            return ("num", meaning)
        if meaning is None:
            known = ", ".join(n for names in _SPELLINGS.values() for n in names if n.isascii())
            _parse._fail(f"unknown name {tree[1]!r}; the names for q are {known} (for p add _p or prior_); "
                         f"give other names a meaning with names={{{tree[1]!r}: 'log_var'}} or a number")
        found.setdefault(name, meaning)
        return ("name", name)
    if op in ("add", "mul"):
        return (op, tuple(_substitute(t, mapping, found) for t in tree[1]))
    if op == "pow":
        return ("pow", _substitute(tree[1], mapping, found), tree[2])
    if op in ("exp", "log", "log10"):
        return (op, _substitute(tree[1], mapping, found))
    if op == "reduce":
        return ("reduce", tree[1], tree[2], _substitute(tree[3], mapping, found))
    return tree


_MIXED = ("{} outside the sum or mean over the latent dimensions, so the value depends on their "
          "number d; check one dimension's term instead")


def _strip_reductions(tree) -> tuple:
    """(per-dimension tree, "const" | "term" | "reduced", latent reduction or None)."""
    op = tree[0]
    if op in ("num", "pi"):
        return tree, "const", None
    if op == "name":
        return tree, "term", None
    if op == "reduce":
        inner, kind, red = _strip_reductions(tree[3])
        if kind == "const":
            _parse._fail(f"{tree[1]}() of a constant depends on the size of the tensor")
        if kind == "reduced":
            return inner, "reduced", red  # a reduction of per-sample values: over the batch
        return (inner, "reduced", tree[1]) if tree[2] else (inner, "term", None)
    children = [tree[1]] if op in ("pow", "exp", "log", "log10") else list(tree[1])
    parts = [_strip_reductions(c) for c in children]
    kinds = {k for _, k, _ in parts}
    reds = {r for _, _, r in parts if r}
    if len(reds) > 1:
        _parse._fail("the line mixes sum() and mean() over the latent dimensions")
    red = reds.pop() if reds else None
    if "reduced" in kinds:
        if "term" in kinds:
            _parse._fail(_MIXED.format("a term is used"))
        if op == "add" and "const" in kinds:
            _parse._fail(_MIXED.format("a constant is added"))
        if op == "mul" and sum(k == "reduced" for _, k, _ in parts) > 1:
            _parse._fail("a product of two sums or means over the latent dimensions is not a per-dimension KL")
        if op in ("exp", "log", "log10") or (op == "pow" and tree[2] != 1):
            _parse._fail(f"{op} of a sum or mean over the latent dimensions is not a per-dimension KL")
    kind = "reduced" if "reduced" in kinds else ("term" if "term" in kinds else "const")
    stripped = [t for t, _, _ in parts]
    if op == "pow":
        return ("pow", stripped[0], tree[2]), kind, red
    if op in ("exp", "log", "log10"):
        return (op, stripped[0]), kind, red
    return (op, tuple(stripped)), kind, red


# --- numbers with error bounds ---------------------------------------------

class _Unevaluable(Exception):
    """The formula has no finite value of moderate size at this point (a pole, an overflow)."""


_BIG = 1e250


class _Floats:
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


class _Mp:
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


_FLOATS = _Floats()


def _small(B, err: float, mag: float, fraction: float) -> bool:
    """err (in units of 2^-prec) is at most ``fraction`` of ``mag``."""
    return err == 0 or (mag > 0 and math.log2(err) - B.prec <= math.log2(mag) + math.log2(fraction))


def _near_cut(B, x, err: float) -> bool:
    """x is a complex number left of zero whose imaginary part's sign is uncertain, so log's
    branch (+i pi or -i pi) is too.  A real number (float, mpf) has an exact zero imaginary part."""
    if not B.is_complex(x) or B.real(x) >= 0:
        return False
    im = B.imag(x)
    return im == 0 or not _small(B, err, B.low(im), 0.5)


def _ok(B, value, err: float):
    """Values above 1e250 are out of bounds.  Tiny ones are kept: their absolute error is negligible."""
    if B.mag(value) > _BIG or not math.isfinite(err):
        raise _Unevaluable
    return value, err


def _evaluate(tree, env: dict, B):
    """(value, error bound in units of 2^-B.prec); raises _Unevaluable."""
    op = tree[0]
    if op == "name":
        return env[tree[1]]
    if op == "num":
        v = B.num(tree[1])
        return _ok(B, v, 2 * B.mag(v))
    if op == "pi":
        v = B.pi()
        return v, 2 * B.mag(v)
    if op == "add":
        parts = [_evaluate(t, env, B) for t in tree[1]]
        total = parts[0][0]
        for v, _ in parts[1:]:
            total = total + v
        return _ok(B, total, sum(e for _, e in parts) + len(parts) * sum(B.mag(v) for v, _ in parts))
    if op == "mul":
        parts = [_evaluate(t, env, B) for t in tree[1]]
        product, mags = parts[0][0], [B.mag(v) for v, _ in parts]
        for v, _ in parts[1:]:
            product = product * v
        # First order in each factor's error, valid while each relative error is below 1e-3
        # (then the neglected products add less than 10 %) and at most one uncertain zero.
        if sum(v == 0 and e > 0 for v, e in parts) > 1 or not all(
                v == 0 or _small(B, e, B.low(v), 1e-3) for v, e in parts):
            raise _Unevaluable
        err = 0.0
        for i, (_, e) in enumerate(parts):
            if e:
                err += e * math.prod(mags[:i]) * math.prod(mags[i + 1:])
        return _ok(B, product, 1.1 * err + len(parts) * B.mag(product))
    if op == "pow":
        (x, ex), r = _evaluate(tree[1], env, B), tree[2]
        mx = B.low(x)
        if x == 0:
            if ex or r <= 0:
                raise _Unevaluable
            return _ok(B, x, 0.0)
        if mx == 0 or not _small(B, ex, mx, 1e-3) or (r.denominator > 1 and _near_cut(B, x, ex)):
            raise _Unevaluable
        v = B.power(x, r)
        n = abs(r.numerator) if r.denominator == 1 else 0
        rel = ex / mx
        rounding = 4 * (n + 1) + abs(float(r)) * (abs(math.log(mx)) + 1)
        return _ok(B, v, B.mag(v) * (2 * abs(float(r)) * rel + rounding))
    (x, ex) = _evaluate(tree[1], env, B)
    if op == "exp":
        if float(B.real(x)) > 575 or not _small(B, ex, 1.0, 1e-3):
            raise _Unevaluable
        v = B.exp(x)
        return _ok(B, v, B.mag(v) * (1.01 * ex + 4))
    mx = B.low(x)  # log or log10
    if mx == 0 or not _small(B, ex, mx, 1e-3) or _near_cut(B, x, ex):
        raise _Unevaluable
    v = B.log(x)
    err = 1.01 * ex / mx + 4 * (B.mag(v) + 1)
    if op == "log10":
        v = v / B.log(B.num(Fraction(10)))
        err = err / 2.3 + 4 * B.mag(v)
    return _ok(B, v, err)


def _compare(B, got, want) -> str:
    """"differs", "agrees" (within a tight error bound) or "unclear"."""
    scale = max(1.0, B.mag(got[0]), B.mag(want[0]))
    bound = math.log2(8 * (got[1] + want[1]) + 16 * scale) - B.prec  # log2 of the error bound
    log_diff = B.log2low(got[0] - want[0])
    if log_diff > bound + 1:
        return "differs"
    tight = bound <= math.log2(scale) - min(80, B.prec - 20)
    return "agrees" if tight else "unclear"


# --- the problem -------------------------------------------------------------

def _kl_tree(m1, s1, m2, s2) -> tuple:
    """log(s2/s1) + (s1^2 + (m1 - m2)^2) / (2 s2^2) - 1/2 as an expression tree."""
    half = ("num", Fraction(1, 2))
    quad = ("add", (("pow", s1, Fraction(2)), ("pow", ("add", (m1, negate(m2))), Fraction(2))))
    return ("add", (("log", s2), negate(("log", s1)),
                    ("mul", (half, quad, ("pow", s2, Fraction(-2)))), negate(half)))


_TRUE = {"mu": ("name", "·mu"), "sigma": ("name", "·s"), "mu_p": ("name", "·mu_p"), "sigma_p": ("name", "·s_p")}
_KL_QP = _kl_tree(_TRUE["mu"], _TRUE["sigma"], _TRUE["mu_p"], _TRUE["sigma_p"])
_KL_PQ = _kl_tree(_TRUE["mu_p"], _TRUE["sigma_p"], _TRUE["mu"], _TRUE["sigma"])
_TARGETS = {"kl_qp": _KL_QP, "kl_pq": _KL_PQ, "neg_kl_qp": negate(_KL_QP), "neg_kl_pq": negate(_KL_PQ)}

# Points are (mu, mu_p, sigma, sigma_p), exact binary floats.
_SCREEN = ((0.8164, -0.5773, 0.731, 1.3195), (-1.2845, 0.4471, 2.1863, 0.6418))
_NICE = ((0.5, 0.0, 0.5, 1.0), (1.0, 0.0, 2.0, 1.0), (0.0, 1.0, 3.0, 0.5))
_MEANS = (0.0, 1e-3, -0.4, 2.5, -7.0, 40.0, -1e3, 1e6, -1e6)
_SCALES = (1e-6, 1e-3, 0.05, 0.4, 1.0, 3.0, 25.0, 1e3, 1e6)
_JOINT = ((1e6, -1e6, 1e-6, 1e6), (-1e3, 1e3, 1e6, 1e-6), (1e-3, 2e-3, 1e-6, 1e-6), (3.7, -2.2, 1e6, 1e6))
# 100 points with every coordinate distinct: a polynomial vanishing at all of them needs more
# than the 400 tokens a formula may have.  Deterministic, so every run gives the same answer.
_SCATTER = tuple(
    ((-1) ** k * 10 ** (-3 + 9 * ((k * 0.618034) % 1)), (-1) ** (k // 2) * 10 ** (-2 + 5 * ((k * 0.4142136) % 1)),
     10 ** (-6 + 12 * ((k * 0.7548777) % 1)), 10 ** (-6 + 12 * ((k * 0.5698403) % 1)))
    for k in range(1, 101))
_MAX_READINGS = 64  # the literal reading, then one name changed, then one per distribution
_QUICK = 6  # grid points checked before a proof is attempted


class _Problem:
    def __init__(self, formula, names):
        if isinstance(formula, sp.Basic):
            raw = _tree_from_sympy(formula)
        else:
            raw = _parse.parse(formula, code=True)
        found: dict = {}
        tree = _substitute(raw, _mapping(names), found)
        self.tree, _, self.reduction = _strip_reductions(tree)
        self.names = found
        self.roles = {name: _role(documented) for name, documented in found.items()}
        kinds = set(self.roles.values())
        self.has_p = any(d == "p" for d, _ in kinds)
        self.has_mu, self.has_mu_p = ("q", "mu") in kinds, ("p", "mu") in kinds
        self.assumed = {} if self.has_mu else {"mu": 0}
        if self.has_p and not self.has_mu_p:
            self.assumed["mu_p"] = 0
        if not self.has_p:
            self.assumed["p"] = "N(0, 1)"
        budget = digit_budget(self.tree)
        if budget > 280:
            _parse._fail("the formula's numbers are too precise or too extreme to compare (more than 280 digits)")
        self.dps = 50 + budget
        # sympy's automatic simplification can take minutes on nested logs and roots: only
        # "tame" trees are built evaluated (and only they are given to the proof).
        self.tame = is_tame(self.tree)
        with sp.evaluate(self.tame):
            self.expression = _parse.to_sympy(self.tree, lambda n: SYMBOLS[self.names[n]])
        self._cache: dict = {}
        self.deadline = Deadline(TIME_LIMIT)

    def check_time(self, every: int = 32):
        """Raise once the CPU time is spent (see :class:`kltools.checker.bounds.Deadline`)."""
        self.deadline.check(every)

    # points and values
    def point(self, raw) -> tuple:
        mu, mu_p, s, s_p = raw
        return (mu if self.has_mu else 0.0, mu_p if self.has_mu_p else 0.0, s, s_p if self.has_p else 1.0)

    def points(self, raws) -> list:
        seen = []
        for raw in raws:
            p = self.point(raw)
            if p not in seen:
                seen.append(p)
        return seen

    def grid(self) -> list:
        """The screen points, the joint extremes, then each parameter over its range."""
        base, raws = _SCREEN[0], []
        for index, values in enumerate((_MEANS, _MEANS, _SCALES, _SCALES)):
            for value in values:
                raws.append(base[:index] + (value,) + base[index + 1:])
        return self.points([*_SCREEN, *_JOINT, *raws])

    def _quantity(self, B, point, dist: str, quantity: str):
        key = (B.key, point, dist, quantity)
        if key not in self._cache:
            mu, mu_p, s, s_p = (B.exact(v) for v in point)
            if quantity == "mu":
                value = (mu if dist == "q" else mu_p), 0.0
            else:
                std = s if dist == "q" else s_p
                v = {"sigma": std, "var": std * std, "log_var": 2 * B.log(std), "log_sigma": B.log(std)}[quantity]
                value = v, (0.0 if quantity == "sigma" else 4 * B.mag(v) + 4)
            self._cache[key] = value
        return self._cache[key]

    def env(self, B, point, reading: dict) -> dict:
        env = {"·mu": self._quantity(B, point, "q", "mu"), "·mu_p": self._quantity(B, point, "p", "mu"),
               "·s": self._quantity(B, point, "q", "sigma"), "·s_p": self._quantity(B, point, "p", "sigma")}
        for name, (dist, quantity) in self.roles.items():
            env[name] = self._quantity(B, point, dist, reading.get(name, quantity))
        return env

    def value(self, B, point, reading: dict):
        try:
            return _evaluate(self.tree, self.env(B, point, reading), B)
        except (_Unevaluable, OverflowError, ZeroDivisionError, ValueError):
            return None

    def target(self, B, point, verdict: str):
        key = (B.key, point, verdict)
        if key not in self._cache:
            try:
                self._cache[key] = _evaluate(_TARGETS[verdict], self.env(B, point, {}), B)
            except (_Unevaluable, OverflowError, ZeroDivisionError, ValueError):
                self._cache[key] = None
        return self._cache[key]

    # readings
    def readings(self) -> list:
        def options(dist):
            return [(name, q) for name, (d, literal) in self.roles.items() if d == dist and literal != "mu"
                    for q in QUANTITIES if q != literal]
        q_opts, p_opts = options("q"), options("p")
        singles = [dict([o]) for o in q_opts + p_opts]
        doubles = [dict([a, b]) for a, b in itertools.product(q_opts, p_opts)]
        return ([{}] + singles + doubles)[:_MAX_READINGS]

    # deciding (reading, verdict) pairs
    def refuted(self, B, reading: dict, verdicts, points) -> tuple[set, int]:
        """The verdicts from which the formula, so read, differs at one of the points,
        and the number of points where it has a value."""
        refuted, evaluable = set(), 0
        for point in points:
            self.check_time()
            got = self.value(B, point, reading)
            if got is None:
                continue
            evaluable += 1
            for verdict in verdicts:
                want = self.target(B, point, verdict)
                if verdict not in refuted and want is not None and _compare(B, got, want) == "differs":
                    refuted.add(verdict)
            if refuted >= set(verdicts):
                break
        return refuted, evaluable

    def proved(self, reading: dict, verdict: str) -> bool:
        self.check_time(every=1)
        if not self.tame:
            return False
        a, b = sp.Symbol("a", real=True), sp.Symbol("b", real=True)  # log sigma, log sigma_p
        mu, mu_p = SYMBOLS["mu"], SYMBOLS["mu_p"]
        log_s = {"q": a, "p": b if self.has_p else sp.Integer(0)}
        mean = {"q": mu if self.has_mu else sp.Integer(0), "p": mu_p if self.has_mu_p else sp.Integer(0)}

        def value_of(name):
            dist, quantity = self.roles[name]
            quantity = reading.get(name, quantity)
            if quantity == "mu":
                return mean[dist]
            return {"sigma": sp.exp(log_s[dist]), "var": sp.exp(2 * log_s[dist]),
                    "log_var": 2 * log_s[dist], "log_sigma": log_s[dist]}[quantity]

        def kl(m1, l1, m2, l2):
            return l2 - l1 + (sp.exp(2 * l1) + (m1 - m2) ** 2) / (2 * sp.exp(2 * l2)) - sp.Rational(1, 2)

        qp = kl(mean["q"], log_s["q"], mean["p"], log_s["p"])
        pq = kl(mean["p"], log_s["p"], mean["q"], log_s["q"])
        target = {"kl_qp": qp, "kl_pq": pq, "neg_kl_qp": -qp, "neg_kl_pq": -pq}[verdict]
        diff = _parse.to_sympy(self.tree, value_of) - target
        if expansion_work(diff) > MAX_EXPANSION:
            return False
        expand = dict(deep=True, power_exp=True, power_base=True, log=True, mul=True, multinomial=True)
        diff = sp.expand(diff, **expand)
        if diff == 0:
            return True
        # cancel() turns exp(-1000) into E**-1000, a polynomial of degree 1000: only small ones
        return len(sp.Add.make_args(diff)) <= 200 and polynomial_sized(diff) and sp.cancel(sp.together(diff)) == 0

    def critical_points(self) -> list:
        """Points next to the zeros of each log's argument, root's radicand and denominator,
        found numerically along each variable, then 100 scattered points."""
        arguments, stack = [], [self.tree]
        while stack:
            node = stack.pop()
            if node[0] in ("add", "mul"):
                stack.extend(node[1])
            elif node[0] in ("pow", "exp", "log", "log10"):
                stack.append(node[1])
                if node[0] in ("log", "log10") or (node[0] == "pow" and (node[2] < 0 or node[2].denominator > 1)):
                    arguments.append(node[1])
        base = self.point(_SCREEN[0])
        literal = {n: self._quantity(_FLOATS, base, *self.roles[n])[0] for n in self.roles}
        raws = []
        for argument in arguments[:12]:
            for name in _parse.names_in(argument)[:4]:
                self.check_time()
                dist, quantity = self.roles[name]

                def along(t, name=name, argument=argument):
                    self.check_time()
                    value = _quick_value(argument, {**literal, name: t})
                    return None if value is None else value.real

                roots = _zeros(along, _ALONG[quantity])
                values = [r * (1 + d) + d for r in roots for d in (0, -1e-9, 1e-9, -1e-7, 1e-7, -1e-4, 1e-4)]
                values += [(x + y) / 2 for x, y in zip(roots, roots[1:])]
                for v in values:
                    raw = _from_quantity(base, dist, quantity, v)
                    if raw is not None:
                        raws.append(raw)
        return self.points(raws)[:60] + self.points(_SCATTER)


def _quick_value(tree, env: dict):
    """A quick complex value with no error bound (it only proposes points to check); None if undefined."""
    def value(node):
        op = node[0]
        if op == "num":
            return complex(_Floats.num(node[1]))
        if op == "name":
            return complex(env[node[1]])
        if op == "pi":
            return complex(math.pi)
        if op in ("add", "mul"):
            parts = [value(t) for t in node[1]]
            return sum(parts) if op == "add" else math.prod(parts)
        x = value(node[1])
        if op == "pow":
            return x ** int(node[2]) if node[2].denominator == 1 else cmath.exp(float(node[2]) * cmath.log(x))
        if op == "exp":
            return cmath.exp(x)
        return cmath.log(x) if op == "log" else cmath.log10(x)
    try:
        result = value(tree)
    except (OverflowError, ZeroDivisionError, ValueError):
        return None
    return result if cmath.isfinite(result) else None


def _zeros(f, grid) -> list:
    """Zeros of f along a sorted grid: sign changes, bisected, and near-zero dips, narrowed."""
    samples = [(t, f(t)) for t in grid]
    samples = [(t, v) for t, v in samples if v is not None and math.isfinite(v)]
    roots = []
    changes = [(t0, t1, v0) for (t0, v0), (t1, v1) in zip(samples, samples[1:]) if v0 * v1 < 0 or v0 == 0]
    for t0, t1, v0 in changes[:8]:
        roots.append(_bisect(f, t0, t1, v0) if v0 else t0)
    dips = [(abs(v1) / max(abs(v0), abs(v2)), t0, t2, max(abs(v0), abs(v2)))  # may touch zero: (t - 5)^2
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
_ALONG = {"mu": _signed_grid(-6, 8, 70), "sigma": _signed_grid(-8, 8, 70)[71:],
          "var": _signed_grid(-16, 16, 70)[71:], "log_var": _signed_grid(-4, 1.5, 50),
          "log_sigma": _signed_grid(-4, 1.2, 50)}


def _from_quantity(base, dist, quantity, v):
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


def _counterexample(problem: _Problem) -> dict:
    """The first point, nice ones first, where the formula as written certainly differs from KL(q || p)."""
    B, evaluable = _Mp(problem.dps), 0
    for stage in ("nice", "grid", "critical"):
        if stage == "critical" and not evaluable:
            break  # no value on the grid: the zeros of its arguments will not help
        candidates = {"nice": problem.points(_NICE), "grid": problem.grid()}.get(stage) or problem.critical_points()
        found = None
        for point in candidates:
            problem.check_time()
            got = problem.value(B, point, {})
            if got is None:
                continue
            evaluable += 1
            want = problem.target(B, point, "kl_qp")
            if want is None or _compare(B, got, want) != "differs":
                continue
            if B.mag(got[0] - want[0]) > 1e-6 * max(1.0, B.mag(want[0])):  # visible in print
                return _describe_point(problem, B, point, got[0], want[0])
            found = found or (point, got[0], want[0])
        if found:
            return _describe_point(problem, B, *found)
    _parse._fail("the formula has no finite value below 1e250 in size at any test point "
                 "(it overflows or divides by zero)")


def _plain(value):
    value = complex(value)
    return value.real if value.imag == 0 else value


def _describe_point(problem, B, point, got, want) -> dict:
    mu, mu_p, s, s_p = point
    distributions = {"mu": mu, "sigma": s}
    if problem.has_p:
        distributions.update(mu_p=mu_p, sigma_p=s_p)
    values = {name: _plain(problem._quantity(B, point, *problem.roles[name])[0]) for name in problem.roles}
    return {"distributions": distributions, "point": values, "formula": _plain(got),
            "kl_qp": _plain(want), "difference": _plain(got - want)}


def check_formula(formula, names=None) -> FormulaCheck:
    """Classify a KL formula, or a line of code, for univariate Gaussians.

    Paste the line as it is in your code.  The checker says which KL it
    computes, if any; what each variable must *be* for that to hold; and
    whether it sums or averages over the latent dimensions.

    Parameters
    ----------
    formula : str or sympy.Expr
        A formula or one line of Python (or Julia) code.  Accepted:

        * **an assignment** or ``return``: the left side is ignored
          (``kl_loss = ...``, ``kl_q_p(μ, logσ) = ...``);
        * **functions** ``exp``, ``log`` (natural), ``log10``, ``sqrt``,
          ``square``, ``pow``, ``sum`` and ``mean``, bare or with a prefix
          ``torch.``, ``np.``, ``numpy.``, ``jnp.``, ``tf.``, ``tf.math.``,
          ``K.``, ``ops.``, ``keras.ops.`` or ``math.``; ``tf.reduce_sum``
          and ``tf.reduce_mean``; the methods ``.sum()``, ``.mean()``,
          ``.exp()``, ``.log()``, ``.pow(n)``, ``.square()`` and
          ``.sqrt()``; the keyword arguments ``dim=``, ``axis=`` and
          ``keepdim(s)=`` (or the axis as second argument);
        * **operators** ``+ - * / **``; ``^`` is read as a power; Julia's
          ``.^ .* ./ .+ .-``, ``exp.(x)`` and ``0.5f0`` are accepted;
        * **names for q** (the first argument): means ``mu``, ``mean``,
          ``z_mean``, ``mu_q``, ``μ``; standard deviations ``sigma``,
          ``std``, ``scale``, ``z_std``, ``σ``; variances ``var``,
          ``variance``; log-variances ``log_var``, ``logvar``,
          ``z_log_var``, ``log_sigma2``; log standard deviations
          ``log_sigma``, ``log_std``, ``z_log_sigma``, ``logσ``;
        * **names for p** (the second argument): the same with the suffix
          ``_p`` or the prefix ``prior_`` (``mu_p``, ``prior_logvar``).

        Where no p name appears, p = N(0, 1); where a mean does not appear,
        it is 0 (both recorded in ``assumed``).  Numbers are the exact
        rationals they spell.
    names : dict, optional
        Meanings for other names, or for attributes: each maps to one of
        the names above or to a number, e.g. ``{"mu0": "mu", "log_std1":
        "log_std_p", "EPS": 1e-8}`` or ``{"self.logstd": "log_std"}``.

    Returns
    -------
    FormulaCheck
        ``verdict`` is ``"kl_qp"`` (KL(q || p), the reverse KL of VI and
        RLHF), ``"kl_pq"`` (KL(p || q), the forward KL), ``"neg_kl_qp"``,
        ``"neg_kl_pq"`` or ``"no_match"``.  Each name is first read as it
        says; if the formula is a KL only when one scale name per
        distribution is read as another quantity (``"sigma"``, ``"var"``,
        ``"log_var"`` or ``"log_sigma"``), ``reinterpretation`` says so.
        A ``sum``/``mean`` over the latent dimensions is judged per
        dimension and reported in ``reduction``.  Every ``"no_match"`` has
        a ``counterexample``: a valid point where the formula and the true
        KL(q || p) differ.

    Raises
    ------
    ValueError
        If the formula is empty, too long (over 1000 characters or 400
        tokens), too deeply nested, has a syntax error, uses a name,
        function, operator or literal outside the lists above, a number
        beyond 40 digits or 1e±40, an exponent beyond ±16, exp nested more
        than twice, mixes reduced and unreduced terms, has no finite value at
        any test point, if equality could neither be proved nor refuted, or
        if the check ran out of time.  The message says which.

    Notes
    -----
    Nothing is evaluated as Python: the text is tokenised and parsed into a
    syntax tree, every node is whitelisted, and the checker builds its own
    exact expression (:mod:`kltools.checker._parse`).  Then, for each reading (the
    literal one first, then up to 63 with one scale name per distribution
    read as another quantity) and each verdict:

    * **a mismatch is shown.**  The formula and the KL are evaluated at
      points, each value with a bound on its rounding error (floats first,
      then mpmath at 50 digits or more, more when the formula's numbers
      have many digits); they differ where the gap exceeds the bound.  The
      points have means from -1e6 to 1e6 and scales from 1e-6 to 1e6; when
      needed, points next to the zeros of every log's argument, root's
      radicand and denominator along each variable, and 100 scattered
      points with all coordinates distinct (a polynomial vanishing at all of
      them would not fit in 400 tokens).
    * **a match is proved** by sympy's ``expand`` (and ``cancel``) on the
      difference, with sigma = exp(a), var = exp(2a), ...  This is tried
      only for formulas whose logs and roots hold no further log or root
      (sympy's automatic simplification can take minutes on such nesting)
      and whose expansion has at most 2000 terms.  A formula that agrees
      with a KL at every point but cannot be proved raises ValueError.

    A reading under which the formula has no finite value at any of the
    grid's points is not a match (a KL is finite everywhere).  The checker stops with a ValueError after 1.2 s of CPU
    time (``TIME_LIMIT`` is 2 s); the slowest inputs the tests found take
    well under that.

    The KL is the book's equation ``eq-kl-normal`` (chapter "The KL between
    two univariate Gaussians"); the chapter "A formula audit" runs published
    formulas and lines of code through this checker.

    Examples
    --------
    The Keras blog's line (2016) is KL(q || p) averaged over the latent
    dimensions, but only if ``z_log_sigma`` is a log-variance:

    >>> from kltools import check_formula
    >>> r = check_formula("kl_loss = - 0.5 * K.mean(1 + z_log_sigma "
    ...                   "- K.square(z_mean) - K.exp(z_log_sigma), axis=-1)")
    >>> r.verdict, r.reinterpretation, r.reduction
    ('kl_qp', {'z_log_sigma': 'log_var'}, 'mean')
    >>> check_formula("-0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())").describe()
    'kl_qp, summed over the latent dimensions'
    >>> check_formula("log(sigma) + (1 + mu**2)/(2*sigma**2) - 1/2").verdict
    'kl_pq'
    >>> r = check_formula("0.5*(sigma**2 - 1 - log10(sigma**2))")
    >>> ce = r.counterexample
    >>> r.verdict, ce["distributions"], round(ce["formula"], 4), round(ce["kl_qp"], 4)
    ('no_match', {'mu': 0.0, 'sigma': 0.5}, -0.074, 0.3181)
    >>> check_formula("pre_sum = 0.5*(((mu1- mu0)**2 + var0)/(var1 + EPS) - 1) + log_std1 - log_std0",
    ...     names={"mu0": "mu", "var0": "var", "log_std0": "log_std",
    ...            "mu1": "mu_p", "var1": "var_p", "log_std1": "log_std_p", "EPS": 0}).verdict
    'kl_qp'
    """
    problem = _Problem(formula, names)
    screen = problem.points(_SCREEN)
    survivors = []
    for reading in problem.readings():  # a cheap screen in floats, with error bounds
        refuted = problem.refuted(_FLOATS, reading, VERDICTS, screen)[0]
        if len(refuted) < len(VERDICTS):
            survivors.append((reading, [v for v in VERDICTS if v not in refuted]))
    backend, grid, critical, undecided = _Mp(problem.dps), problem.grid(), None, False
    for reading, verdicts in survivors:
        refuted, seen = problem.refuted(backend, reading, verdicts, grid[:_QUICK])
        left, rest_checked = [v for v in verdicts if v not in refuted], False
        if left and not seen:  # no value yet: look at the whole grid before trying a proof
            more, seen = problem.refuted(backend, reading, left, grid[_QUICK:])
            left, rest_checked = [v for v in left if v not in more], True
        if not left or not seen:
            continue  # each verdict differs somewhere, or the formula so read has no value on the grid
        for verdict in left:
            if problem.proved(reading, verdict):
                reinterpretation = {name: reading[name] for name in problem.roles if name in reading}
                return FormulaCheck(formula, problem.expression, verdict, reinterpretation, problem.reduction,
                                    None, problem.assumed, dict(problem.names))
        if not rest_checked:
            more = problem.refuted(backend, reading, left, grid[_QUICK:])[0]
            left = [v for v in left if v not in more]
        if left:  # unproved and not yet seen to differ
            critical = problem.critical_points() if critical is None else critical
            undecided = undecided or len(problem.refuted(backend, reading, left, critical)[0]) < len(left)
    if undecided:
        _parse._fail("the checker could neither prove this formula equal to a KL nor find a point where "
                     "they differ; simplify it and try again")
    return FormulaCheck(formula, problem.expression, "no_match", {}, problem.reduction,
                        _counterexample(problem), problem.assumed, dict(problem.names))
