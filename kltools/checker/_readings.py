"""What each name of a formula means, and the other readings the checker tries.

A name is read first as it says (``z_log_var`` is a log-variance); a *reading* then changes
one scale name per distribution into another quantity (a ``z_log_sigma`` that must really
be a log-variance).  This module holds the names the checker knows, the ``names=`` argument,
the reduction over the latent dimensions, and the rewriting of roots and logs under the
positivity of standard deviations and variances that the proofs use.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import sympy as sp

from . import _parse
from ._parse import FUNCTIONS
from ._tokens import MAX_DEPTH, MAX_EXPONENT, MAX_EXPONENT_DENOMINATOR, MAX_LITERAL_DIGITS
from ._tokens import MAX_NODES, fail

QUANTITIES = ("sigma", "var", "log_var", "log_sigma")
POSITIVE = ("sigma", "var")
MAX_READINGS = 64  # the literal reading, then one name changed, then one per distribution

# The documented symbols; q's have no suffix, p's end in _p.
_KINDS = {"mu": {"real": True}, "sigma": {"positive": True}, "var": {"positive": True},
          "log_var": {"real": True}, "log_sigma": {"real": True}}
SYMBOLS = {name + suffix: sp.Symbol(name + suffix, **assumptions)
           for suffix in ("", "_p") for name, assumptions in _KINDS.items()}

# The names a line of code may use, and the documented symbol each one means.
SPELLINGS = {
    "mu": ("mu", "mean", "z_mean", "mu_q", "μ"),
    "sigma": ("sigma", "std", "scale", "z_std", "σ"),
    "var": ("var", "variance"),
    "log_var": ("log_var", "logvar", "z_log_var", "log_sigma2"),
    "log_sigma": ("log_sigma", "log_std", "z_log_sigma", "logσ"),
}
NAMES = {}
for _documented, _spellings in SPELLINGS.items():
    for _name in _spellings:
        NAMES[_name] = _documented
        NAMES[_name + "_p"] = NAMES["prior_" + _name] = _documented + "_p"


def role(documented: str) -> tuple[str, str]:
    """("q" or "p", quantity) of a documented symbol name."""
    return ("p", documented[:-2]) if documented.endswith("_p") else ("q", documented)


# --- names= ---------------------------------------------------------------------------

def _plain_number(key: str, value):
    """A real number given as a Python, numpy or 0-d array scalar (duck-typed: numpy is never
    imported), as an int, float or Fraction; ValueError naming the entry otherwise."""
    if isinstance(value, (bool, complex)):
        fail(f"names: {key!r} maps to {value!r}; give a finite number or a name")
    if isinstance(value, (int, float, Fraction)):
        return value
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    if getattr(value, "shape", ()) != () or kind not in (None, "i", "u", "f"):
        fail(f"names: {key!r} maps to a {type(value).__name__} that is not a real scalar; "
             "give one finite number (a 0-d array or a numpy scalar is fine)")
    for convert in (lambda v: v.item(), lambda v: v.__index__(), float):
        try:
            number = convert(value)
        except (AttributeError, TypeError, ValueError, OverflowError):
            continue
        if isinstance(number, (int, float)) and not isinstance(number, bool):
            return number
    fail(f"names: {key!r} maps to a {type(value).__name__}; give a finite number "
         "or a name such as 'log_var'")


def _number(key: str, value) -> Fraction:
    number = _plain_number(key, value)
    if isinstance(number, float):
        number = float(number)  # a numpy float64 is a float whose repr is not a literal
        if not math.isfinite(number):
            fail(f"names: {key!r} maps to {number!r}; give a finite number")
        number = Fraction(repr(number))
    number = Fraction(number)
    if max(abs(number.numerator), number.denominator) >= 10**MAX_LITERAL_DIGITS:
        fail(f"names: {key!r} maps to a number with more than {MAX_LITERAL_DIGITS} digits; "
             "give it as a float")
    return number


def _meaning(key: str, value):
    """The documented symbol, number or function name an entry of names= stands for."""
    if isinstance(value, str):
        normal = _parse.normalise_name(value)
        if normal in NAMES:
            return NAMES[normal]
        if value in SYMBOLS or value in FUNCTIONS:
            return value
        try:
            return _parse.literal_value(value.lstrip("-")) * (-1 if value.startswith("-") else 1)
        except ValueError:
            fail(f"names: {key!r} maps to {value!r}, which is neither a known name nor a "
                 f"number (nor a function: {', '.join(FUNCTIONS)}); give one of those, "
                 "e.g. 'log_var', 'mu_p' or 1e-8")
    return _number(key, value)


def mapping(names) -> dict:
    """``names=`` as {name: documented symbol, Fraction, or function name}."""
    if names is None:
        return {}
    if not isinstance(names, dict) or len(names) > 32:
        fail("names must be a dict of at most 32 entries, e.g. names={'mu0': 'mu'}")
    found = {}
    for key, value in names.items():
        parts = key.split(".") if isinstance(key, str) else [""]
        if not all(p.isidentifier() and not p.startswith("__") for p in parts) or len(key) > 60:
            fail(f"names: {key!r} is not a variable name; give the name as written in the "
                 "code, e.g. 'z_mu' or 'self.logstd'")
        found[_parse.normalise_name(key)] = _meaning(key, value)
    return found


def functions_in(names) -> dict:
    """The entries of names= that give a function's meaning (``{"Tsum": "sum"}``)."""
    return {_parse.normalise_name(k): v for k, v in (names or {}).items()
            if isinstance(k, str) and isinstance(v, str) and v in FUNCTIONS}


# --- names, as the formula uses them --------------------------------------------------

def _unknown_name(name: str):
    known = ", ".join(n for names in SPELLINGS.values() for n in names if n.isascii())
    fail(f"unknown name {name!r}; the names for q are {known} (for p add _p or prior_); "
         f"give other names a meaning with names={{{name!r}: 'log_var'}} or a number")


def substitute(tree, meanings: dict, found: dict) -> tuple:
    """Replace names mapped to numbers; record every other name and what it means."""
    op = tree[0]
    if op == "name":
        name = _parse.normalise_name(tree[1])
        meaning = meanings.get(name, NAMES.get(name))
        if isinstance(meaning, Fraction):
            return ("num", meaning)
        if meaning is None or meaning in FUNCTIONS and meaning not in SYMBOLS:
            _unknown_name(tree[1])
        found.setdefault(name, meaning)
        return ("name", name)
    if op in ("add", "mul"):
        return (op, tuple(substitute(t, meanings, found) for t in tree[1]))
    if op == "pow":
        return ("pow", substitute(tree[1], meanings, found), tree[2])
    if op in ("exp", "log", "log10"):
        return (op, substitute(tree[1], meanings, found))
    if op == "reduce":
        return ("reduce", tree[1], tree[2], substitute(tree[3], meanings, found))
    return tree


# --- the reduction over the latent dimensions -----------------------------------------

_MIXED = ("{} outside the sum or mean over the latent dimensions, so the value depends on "
          "their number d; check one dimension's term instead")


def _reduce_node(tree) -> tuple:
    inner, kind, red = strip_reductions(tree[3])
    if kind == "const":
        fail(f"{tree[1]}() of a constant depends on the size of the tensor; "
             "move the constant inside the sum or check one dimension's term")
    if kind == "reduced":
        return inner, "reduced", red  # a reduction of per-sample values: over the batch
    return (inner, "reduced", tree[1]) if tree[2] else (inner, "term", None)


def _check_mixed(tree, parts: list, kinds: set):
    op = tree[0]
    if "term" in kinds:
        fail(_MIXED.format("a term is used"))
    if op == "add" and "const" in kinds:
        fail(_MIXED.format("a constant is added"))
    if op == "mul" and sum(k == "reduced" for _, k, _ in parts) > 1:
        fail("a product of two sums or means over the latent dimensions is not a "
             "per-dimension KL; check one dimension's term instead")
    if op in ("exp", "log", "log10") or (op == "pow" and tree[2] != 1):
        fail(f"{op} of a sum or mean over the latent dimensions is not a per-dimension KL; "
             "check one dimension's term instead")


def strip_reductions(tree) -> tuple:
    """(per-dimension tree, "const" | "term" | "reduced", latent reduction or None)."""
    op = tree[0]
    if op in ("num", "pi"):
        return tree, "const", None
    if op == "name":
        return tree, "term", None
    if op == "reduce":
        return _reduce_node(tree)
    children = [tree[1]] if op in ("pow", "exp", "log", "log10") else list(tree[1])
    parts = [strip_reductions(c) for c in children]
    kinds = {k for _, k, _ in parts}
    reds = {r for _, _, r in parts if r}
    if len(reds) > 1:
        fail("the line mixes sum() and mean() over the latent dimensions; "
             "check one dimension's term instead")
    if "reduced" in kinds:
        _check_mixed(tree, parts, kinds)
    kind = "reduced" if "reduced" in kinds else ("term" if "term" in kinds else "const")
    stripped = [t for t, _, _ in parts]
    red = reds.pop() if reds else None
    if op == "pow":
        return ("pow", stripped[0], tree[2]), kind, red
    if op in ("exp", "log", "log10"):
        return (op, stripped[0]), kind, red
    return (op, tuple(stripped)), kind, red


# --- sympy expressions given as the formula ---------------------------------------------

def tree_from_sympy(expr) -> tuple:
    """The expression tree of a sympy expression, within the parser's size limits."""
    count, stack = 0, [(expr, 1)]
    while stack:  # size and depth first, without recursion
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES or depth > MAX_DEPTH:
            fail("sympy expression is too large or too deeply nested; "
                 "pass one dimension's term")
        stack.extend((a, depth + 1) for a in node.args)
    return _convert_sympy(expr)


def _sympy_number(e) -> tuple:
    if isinstance(e, sp.Rational):
        if max(abs(int(e.p)), int(e.q)) >= 10**MAX_LITERAL_DIGITS:
            fail(f"a number has more than {MAX_LITERAL_DIGITS} digits; round it")
        return ("num", Fraction(int(e.p), int(e.q)))
    mantissa, _, exponent = str(e).lower().partition("e")
    sign = -1 if mantissa.startswith("-") else 1
    value = _parse.literal_value(mantissa.lstrip("-") + (f"e{exponent}" if exponent else ""))
    return ("num", sign * value)


def _sympy_power(e) -> tuple:
    if isinstance(e.base, sp.Basic) and e.base == sp.E:
        return ("exp", _convert_sympy(e.exp))
    if not isinstance(e.exp, sp.Rational):
        fail(f"exponent {e.exp} must be a rational number; write x**2, x**(1/2) or exp(...)")
    r = Fraction(int(e.exp.p), int(e.exp.q))
    if abs(r) > MAX_EXPONENT or r.denominator > MAX_EXPONENT_DENOMINATOR:
        fail(f"exponent {r} is too large (at most {MAX_EXPONENT} in absolute value)")
    return ("pow", _convert_sympy(e.base), r)


def _convert_sympy(e) -> tuple:
    if isinstance(e, sp.Symbol):
        return ("name", e.name)
    if isinstance(e, (sp.Rational, sp.Float)):
        return _sympy_number(e)
    if e == sp.pi:
        return ("pi",)
    if e == sp.E:
        return ("exp", ("num", Fraction(1)))
    if isinstance(e, (sp.Add, sp.Mul)):
        return ("add" if isinstance(e, sp.Add) else "mul",
                tuple(_convert_sympy(a) for a in e.args))
    if isinstance(e, sp.Pow):
        return _sympy_power(e)
    if isinstance(e, sp.exp):
        return ("exp", _convert_sympy(e.args[0]))
    if isinstance(e, sp.log) and len(e.args) == 1:
        return ("log", _convert_sympy(e.args[0]))
    fail(f"sympy {type(e).__name__} is not supported in a formula; "
         "use +, -, *, /, powers, exp and log")


# --- readings ---------------------------------------------------------------------------

def readings(roles: dict) -> list[dict]:
    """The literal reading ``{}``, then one scale name changed, then one per distribution."""
    def options(dist):
        return [(name, q) for name, (d, literal) in roles.items() if d == dist
                and literal != "mu" for q in QUANTITIES if q != literal]
    q_opts, p_opts = options("q"), options("p")
    singles = [dict([o]) for o in q_opts + p_opts]
    doubles = [dict([a, b]) for a, b in itertools.product(q_opts, p_opts)]
    return ([{}] + singles + doubles)[:MAX_READINGS]


def _is_positive(tree, positive: set) -> bool:
    op = tree[0]
    if op == "num":
        return tree[1] > 0
    if op in ("pi", "exp"):
        return True
    if op == "name":
        return tree[1] in positive
    if op in ("add", "mul"):
        return all(_is_positive(t, positive) for t in tree[1])
    return op == "pow" and _is_positive(tree[1], positive)


def _log_of(tree, op: str, positive: set) -> tuple:
    """log(x) of a positive x, with products split and powers taken out."""
    if tree[0] == "mul" and all(_is_positive(t, positive) for t in tree[1]):
        return ("add", tuple(_log_of(t, op, positive) for t in tree[1]))
    if tree[0] == "pow" and _is_positive(tree[1], positive):
        return ("mul", (("num", tree[2]), _log_of(tree[1], op, positive)))
    return (op, tree)


def _power_of(base, r: Fraction, positive: set) -> tuple:
    """x**r of a positive x, with products split and powers of powers joined."""
    if base[0] == "pow" and _is_positive(base[1], positive):
        return _power_of(base[1], base[2] * r, positive)
    if base[0] == "mul" and r.denominator > 1 and all(_is_positive(t, positive)
                                                      for t in base[1]):
        return ("mul", tuple(_power_of(t, r, positive) for t in base[1]))
    return base if r == 1 else ("pow", base, r)


def rewrite_positive(tree, positive: set) -> tuple:
    """The same value wherever the names in ``positive`` are positive, with no root or log of
    a product or power of positive terms: log(x**r) = r log(x), (x**r)**s = x**(r s),
    log(x y) = log(x) + log(y), (x y)**r = x**r y**r.  The proofs use it, because sympy's
    automatic simplification of logs of roots can take minutes."""
    op = tree[0]
    if op in ("add", "mul"):
        return (op, tuple(rewrite_positive(t, positive) for t in tree[1]))
    if op == "pow":
        return _power_of(rewrite_positive(tree[1], positive), tree[2], positive)
    if op in ("log", "log10"):
        return _log_of(rewrite_positive(tree[1], positive), op, positive)
    if op == "exp":
        return ("exp", rewrite_positive(tree[1], positive))
    return tree


