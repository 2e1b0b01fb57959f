"""Reading a formula or a few lines of code without running it.

The text is checked and tokenised by :mod:`kltools.checker._tokens` (every token whitelisted,
sizes capped), each statement is parsed with ``ast.parse``, which builds a syntax tree and
never executes anything, and the tree is walked with a whitelist of node types and turned
into a small expression tree of tuples.  The checker builds exact sympy expressions from it
and evaluates numbers itself.  Neither ``eval`` nor sympy's string parser is ever reached.

The expression tree
-------------------
``("num", Fraction)``  an exact rational: a decimal literal is the rational it spells
``("pi",)``            the constant pi
``("name", str)``      a variable, as written (``"z_mean"``, ``"self.logstd"``)
``("add", terms)`` and ``("mul", factors)``  with tuples of subtrees
``("pow", base, Fraction)``  a constant rational exponent
``("exp", x)``, ``("log", x)``, ``("log10", x)``
``("reduce", "sum" | "mean", latent, x)``  ``latent`` is False for a reduction
                       over axis 0 (the batch) only, True otherwise
"""

from __future__ import annotations

import ast
import math
import re
import unicodedata
from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp

from ._tokens import (AUGMENTED, MAX_CONSTANT_BITS, MAX_DEPTH, MAX_EXP_NESTING, MAX_EXPONENT,
                      MAX_EXPONENT_DENOMINATOR, MAX_FUNCTION_NESTING, MAX_LITERAL_DIGITS,
                      MAX_LITERAL_EXPONENT, MAX_NODES, check_text, fail, julia_to_python,
                      statements)

_fail = fail  # the name the symbolic helpers' guards use

LIBRARY_PREFIXES = ("torch", "np", "numpy", "jnp", "jax.numpy", "tf", "tf.math", "K", "ops",
                    "keras.ops", "keras.backend", "tf.keras.backend", "math")
# Other prefixes people write, and what they stand for; any other one-word prefix (an
# ``import ... as`` alias) before a known function is read as a library too, and every one
# of them is recorded in ``assumed``.
ALIASES = {"th": "torch", "T": "theano.tensor", "TT": "theano.tensor",
           "F": "torch.nn.functional", "tnp": "tensorflow.numpy"}
UNKNOWN_LIBRARY = "a numeric library (its functions read as torch's)"
FUNCTIONS = ("exp", "log", "log10", "sqrt", "square", "pow", "sum", "mean")
METHODS = ("sum", "mean", "exp", "log", "pow", "square", "sqrt")
_NAMED_REDUCTIONS = {"reduce_sum": "sum", "reduce_mean": "mean"}
_UNARY = ("exp", "log", "log10", "sqrt", "square", "sqr")
_SPELLED = {"sqr": "square"}  # Theano's name
_CONSTANTS = {"pi", "np.pi", "numpy.pi", "math.pi", "torch.pi", "jnp.pi"}
_LITERAL = re.compile(r"(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_PREFIX_LIST = ", ".join(p + "." for p in LIBRARY_PREFIXES)

_NODE_NAMES = {
    ast.Subscript: "indexing x[...]", ast.Compare: "a comparison", ast.BoolOp: "and/or",
    ast.IfExp: "a conditional expression", ast.Lambda: "lambda", ast.Tuple: "a tuple",
    ast.List: "a list", ast.Dict: "a dict", ast.Set: "a set", ast.Starred: "*args",
    ast.NamedExpr: "the := operator", ast.JoinedStr: "an f-string",
}
_NODE_HINTS = {
    ast.Subscript: "assign the slice to a name first and pass names= for it",
    ast.Compare: "pass only the arithmetic", ast.IfExp: "pass the branch your code runs",
}


@dataclass
class Parsed:
    """A line of code read: its expression tree, and the library aliases it relied on."""

    tree: tuple
    aliases: dict = field(default_factory=dict)


_DOES = {"sum": "sums", "mean": "averages", "exp": "is the exponential",
         "log": "is the natural log", "log10": "is the base-10 log", "sqrt": "is the square root",
         "square": "squares", "pow": "raises to a power"}


def _how_to_name(shown: str) -> str:
    """How to tell the checker what an unknown function computes."""
    lowered = shown.lower()
    guess = next((f for f in ("log10", "square", "sqrt", "mean", "sum", "exp", "log", "pow")
                  if f in lowered), "sum")
    return f"if it {_DOES[guess]}, pass names={{{shown!r}: {guess!r}}}"


def _tree_depth(root: ast.AST) -> int:
    """Nesting depth, counting a left-leaning chain of + - (or of * /) as one level."""
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        for child in ast.iter_child_nodes(node):
            same_chain = (
                isinstance(node, ast.BinOp) and isinstance(child, ast.BinOp)
                and child is node.left and _chain(node.op) is not None
                and _chain(node.op) == _chain(child.op))
            stack.append((child, depth if same_chain else depth + 1))
    return deepest


def _chain(op) -> str | None:
    if isinstance(op, (ast.Add, ast.Sub)):
        return "add"
    if isinstance(op, (ast.Mult, ast.Div)):
        return "mul"
    return None


def _syntax_tree(source: str) -> ast.AST:
    try:
        module = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        fail(f"formula could not be parsed: {exc.msg}; pass a Python (or Julia) expression")
    if sum(1 for _ in ast.walk(module)) > MAX_NODES:
        fail(f"formula has more than {MAX_NODES} parts; split it into assignments")
    if _tree_depth(module) > MAX_DEPTH:
        fail(f"formula is nested more than {MAX_DEPTH} levels deep; split it into assignments")
    return module.body


def _children(tree) -> list:
    op = tree[0]
    if op in ("add", "mul"):
        return list(tree[1])
    if op in ("pow", "exp", "log", "log10"):
        return [tree[1]]
    if op == "reduce":
        return [tree[3]]
    return []


def _size_and_depth(tree) -> tuple[int, int]:
    count, deepest, stack = 0, 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        count, deepest = count + 1, max(deepest, depth)
        if count > MAX_NODES:
            break
        stack.extend((child, depth + 1) for child in _children(node))
    return count, deepest


def _replace_assigned(tree, values: dict) -> tuple:
    """The tree with each name assigned by an earlier statement replaced by its value."""
    op = tree[0]
    if op == "name":
        return values.get(tree[1], tree)
    if op in ("add", "mul"):
        return (op, tuple(_replace_assigned(t, values) for t in tree[1]))
    if op == "pow":
        return ("pow", _replace_assigned(tree[1], values), tree[2])
    if op in ("exp", "log", "log10"):
        return (op, _replace_assigned(tree[1], values))
    if op == "reduce":
        return ("reduce", tree[1], tree[2], _replace_assigned(tree[3], values))
    return tree


def _combine(old: tuple, operator: str, new: tuple) -> tuple:
    kind = AUGMENTED[operator]
    if kind == "add":
        return ("add", (old, new))
    if kind == "sub":
        return ("add", (old, negate(new)))
    if kind == "mul":
        return ("mul", (old, new))
    return ("mul", (old, ("pow", new, Fraction(-1))))


def _nesting(tree) -> tuple[int, int]:
    """(exp nesting, function nesting) of a tree: exp(exp(x)) is (2, 2)."""
    op = tree[0]
    inner = [_nesting(child) for child in _children(tree)] or [(0, 0)]
    exps, functions = max(e for e, _ in inner), max(f for _, f in inner)
    if op == "exp":
        return exps + 1, functions + 1
    if op in ("log", "log10") or (op == "pow" and tree[2].denominator > 1):
        return exps, functions + 1
    return exps, functions


def _checked(tree) -> tuple:
    size, depth = _size_and_depth(tree)
    if size > MAX_NODES:
        fail(f"the statements together have more than {MAX_NODES} parts; "
             "pass only the lines that compute the KL")
    if depth > MAX_DEPTH:
        fail(f"the statements together are nested more than {MAX_DEPTH} levels deep; "
             "pass only the lines that compute the KL")
    exps, functions = _nesting(tree)
    if exps > MAX_EXP_NESTING:
        fail(f"exp is nested more than {MAX_EXP_NESTING} deep; "
             "simplify the formula and try again")
    if functions > MAX_FUNCTION_NESTING:
        fail(f"functions are nested more than {MAX_FUNCTION_NESTING} deep; "
             "simplify the formula and try again")
    return tree


def _assign_each(statement, syntax, converter, values: dict, last: bool):
    """``a, b = x, y``: each name gets its value."""
    names = statement.target
    if statement.operator != "=" or last or not isinstance(syntax, ast.Tuple) or len(
            syntax.elts) != len(names):
        fail(f"{', '.join(names)} = ... is read only as a plain assignment of as many values, "
             "before the statement that gives the KL; write one assignment per name")
    for name, element in zip(names, syntax.elts):
        values[name] = _checked(_replace_assigned(converter.convert(element), values))


def read_code(text, *, code: bool = True, functions: dict | None = None) -> Parsed:
    """Parse ``text``: one formula, or straight-line statements whose last value is the KL.

    ``code=True`` accepts lines of code: assignments (``=``, ``+=``, ``-=``, ``*=``,
    ``/=``), a final ``return`` or expression, library calls, methods and reductions.  A name
    assigned by a statement stands for its value in the statements after it.
    ``code=False`` accepts one plain formula.  Raises ValueError, naming what was wrong and
    how to write it instead, for anything else.  ``functions`` maps a function's name as
    written (``"Tsum"``, ``"utils.log"``) to one of :data:`FUNCTIONS`.
    """
    text = check_text(text)
    if code:
        text = julia_to_python(text)
    text = text.replace("^", "**")  # a power, as in print; Python's ^ (xor) binds too loosely
    found = statements(text, code)
    converter, values, tree = _Converter(code, functions), {}, None
    for index, statement in enumerate(found):
        if statement.operator in (None, "return") and index < len(found) - 1:
            fail("a bare expression or 'return' must be the last statement, but a second "
                 "statement follows it; pass the statements up to the one that gives the KL")
        converter.source = statement.source
        syntax = _syntax_tree(statement.source)
        if isinstance(statement.target, tuple):
            _assign_each(statement, syntax, converter, values, index == len(found) - 1)
            continue
        tree = _checked(_replace_assigned(converter.convert(syntax), values))
        if statement.operator in AUGMENTED:
            if statement.target not in values:
                fail(f"operator {statement.operator!r} needs its target "
                     f"({statement.target or 'a plain name'}) assigned by a statement above; "
                     "pass that statement too")
            tree = _checked(_combine(values[statement.target], statement.operator, tree))
        if statement.target is not None:
            values[statement.target] = tree
    return Parsed(tree, converter.aliases)


def parse(text, *, code: bool = True) -> tuple:
    """The expression tree of ``text`` (see :func:`read_code`)."""
    return read_code(text, code=code).tree


def literal_value(text: str) -> Fraction:
    """The exact rational a decimal literal spells, within the size limits."""
    match = _LITERAL.fullmatch(text)
    if not match:
        fail(f"number {text!r} is not a plain decimal literal; write it like 1e-8 or 0.5")
    mantissa, exponent = match.group(1), match.group(2)
    digits = len(mantissa.replace(".", ""))
    if digits > MAX_LITERAL_DIGITS:
        fail(f"number {text[:20]}... has more than {MAX_LITERAL_DIGITS} digits; "
             "round it to the digits your code's float type holds")
    if exponent and (len(exponent) > 6 or abs(int(exponent[1:])) > MAX_LITERAL_EXPONENT):
        fail(f"number {text!r} is out of range: its decimal exponent must be within "
             f"±{MAX_LITERAL_EXPONENT}")
    return Fraction(text)


def _constant_power(tree) -> Fraction:
    base, n = constant_value(tree[1]), tree[2].numerator
    if base == 0 and n < 0:
        fail("division by zero in an exponent")
    bits = max(base.numerator.bit_length(), base.denominator.bit_length()) * abs(n)
    if bits > MAX_CONSTANT_BITS:
        fail("a number in an exponent is too large; write the exponent as a plain number")
    return base**n


def constant_value(tree) -> Fraction:
    """The exact value of a constant tree built from numbers, + - * / and integer powers."""
    op = tree[0]
    if op == "num":
        return tree[1]
    if op == "add":
        return sum((constant_value(t) for t in tree[1]), Fraction(0))
    if op == "mul":
        return math.prod((constant_value(t) for t in tree[1]), start=Fraction(1))
    if op == "pow" and tree[2].denominator == 1:
        return _constant_power(tree)
    fail("an exponent must be a rational number (no names, functions or roots); "
         "write x**2, x**0.5 or x**(1/3)")


def constant_bits(tree) -> int | None:
    """An upper bound on the bits of a constant tree's numerator and denominator; None if not
    constant."""
    op = tree[0]
    if op == "num":
        return max(tree[1].numerator.bit_length(), tree[1].denominator.bit_length(), 1)
    if op == "pi":
        return 2
    if op in ("add", "mul"):
        parts = [constant_bits(t) for t in tree[1]]
        if None in parts:
            return None
        return (max(parts) + len(parts)) if op == "add" else sum(parts)
    if op == "pow":
        inner = constant_bits(tree[1])
        return None if inner is None else inner * max(1, abs(tree[2].numerator))
    if op in ("exp", "log", "log10"):
        return None if constant_bits(tree[1]) is None else 2
    return None


def negate(tree) -> tuple:
    return ("mul", (("num", Fraction(-1)), tree))


def _dotted(node) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _is_integer_constant(node) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return isinstance(node, ast.Constant) and isinstance(node.value, int)


def _is_function_call(name: str, node: ast.Call) -> bool:
    """``prefix.name(...)`` is a library function (not a method of ``prefix``) by its
    arguments: ``x.exp()`` is a method, ``T.exp(x)`` a function; ``x.sum(1)`` sums x over
    axis 1, ``T.sum(x)`` sums x."""
    args = node.args
    if name in _NAMED_REDUCTIONS or name == "squared_difference":
        return True
    if name in _UNARY:
        return len(args) == 1
    if name == "pow":
        return len(args) == 2
    if name in ("sum", "mean"):
        return bool(args) and not _is_integer_constant(args[0])
    return False


class _CallReader:
    """Calls: library functions, methods, reductions and their keyword arguments.  Mixed into
    :class:`_Converter`, which reads the arguments with ``convert``."""

    def call(self, node) -> tuple:
        if any(isinstance(a, ast.Starred) for a in node.args) or any(
                k.arg is None for k in node.keywords):
            fail("*args and **kwargs are not allowed in a formula; write the arguments out")
        func = node.func
        meaning = self.functions.get(_dotted(func) or "")
        if meaning is not None and self.code:
            return self.function(None, meaning, node)
        if isinstance(func, ast.Name):
            return self.function(None, func.id, node)
        if not isinstance(func, ast.Attribute):
            fail("only named functions may be called; call exp, log, sum, ... directly")
        prefix, name = _dotted(func.value), func.attr
        if prefix in LIBRARY_PREFIXES:
            return self.function(prefix, name, node)
        if prefix is not None and "." not in prefix and self.code and (
                _is_function_call(name, node) or name not in METHODS and node.args
                and not _is_integer_constant(node.args[0])):
            self.aliases.setdefault(prefix, ALIASES.get(prefix, UNKNOWN_LIBRARY))
            return self.function(prefix, name, node)
        return self.method(func.value, name, node)

    def method(self, receiver, name: str, node) -> tuple:
        owner = _dotted(receiver)
        if owner and "." in owner and _is_function_call(name, node):
            fail(f"function {owner + '.' + name!r} is not allowed; library prefixes: "
                 f"{_PREFIX_LIST} or a one-word alias (th., T.); "
                 f"{_how_to_name(owner + '.' + name)}")
        if not self.code or name not in METHODS:
            shown = f"{owner}.{name}" if owner else f".{name}"
            fail(f"method .{name}() of {owner or 'this value'} is not known; the methods are "
                 f"{', '.join('.' + m + '()' for m in METHODS)}; {_how_to_name(shown)}")
        return self.apply(name, [receiver] + list(node.args), node.keywords)

    def function(self, prefix, name: str, node) -> tuple:
        name = _SPELLED.get(name, name) if self.code else name
        if self.code and name in _NAMED_REDUCTIONS:
            return self.apply(_NAMED_REDUCTIONS[name], list(node.args), node.keywords)
        if self.code and name == "squared_difference":
            return self.squared_difference(node)
        allowed = FUNCTIONS if self.code else ("exp", "log", "log10", "sqrt")
        shown = f"{prefix}.{name}" if prefix else name
        if prefix is not None and not self.code:
            fail(f"function {shown!r} is not allowed in a plain formula; write {name}(...)")
        if name not in allowed:
            known = (f"the functions are {', '.join(allowed)}, with or without a library "
                     f"prefix ({_PREFIX_LIST})") if self.code else (
                     f"a plain formula may call {', '.join(allowed)}")
            fail(f"{shown!r} is not a known function; {known}; {_how_to_name(shown)}")
        return self.apply(name, list(node.args), node.keywords)

    def squared_difference(self, node) -> tuple:
        keywords = self.value_keywords("squared_difference", node.keywords, ())
        if len(node.args) != 2 or keywords:
            fail("squared_difference() takes two tensors; write it as (a - b)**2 otherwise")
        a, b = (self.convert(arg) for arg in node.args)
        return ("pow", ("add", (a, negate(b))), Fraction(2))

    @staticmethod
    def value_keywords(name: str, keywords: list, allowed: tuple) -> list:
        """The keywords that may change the value; ``name='...'`` does not, and is dropped."""
        kept = []
        for kw in keywords:
            if kw.arg == "name" and isinstance(kw.value, ast.Constant) and isinstance(
                    kw.value.value, str):
                continue
            if kw.arg not in allowed:
                hint = (", ".join(k + "=" for k in allowed) + " or name='...'") if allowed \
                    else "only name='...'"
                fail(f"{name}() takes no keyword argument {kw.arg!r} here ({hint}); "
                     "remove it if it does not change the value")
            kept.append(kw)
        return kept

    def apply(self, name: str, args: list, keywords: list) -> tuple:
        if not args:
            fail(f"{name}() needs an argument; write {name}(x)")
        if name in ("sum", "mean"):
            return self.reduction(name, args, keywords)
        self.value_keywords(name, keywords, ())
        if name == "pow":
            if len(args) != 2:
                fail("pow() takes a base and an exponent; write pow(x, 2)")
            return self.power(self.convert(args[0]), args[1])
        if len(args) != 1:
            fail(f"{name}() takes one argument; write {name}(x)")
        return self.nested(name, args[0])

    def nested(self, name: str, argument) -> tuple:
        if name == "exp":
            self.exp_depth += 1
            if self.exp_depth > MAX_EXP_NESTING:
                fail(f"exp is nested more than {MAX_EXP_NESTING} deep; "
                     "simplify the formula and try again")
        self.function_depth += 1
        if self.function_depth > MAX_FUNCTION_NESTING:
            fail(f"functions are nested more than {MAX_FUNCTION_NESTING} deep; "
                 "split the formula into assignments")
        inner = self.convert(argument)
        self.function_depth -= 1
        if name == "exp":
            self.exp_depth -= 1
        if name == "square":
            return ("pow", inner, Fraction(2))
        if name == "sqrt":
            return ("pow", inner, Fraction(1, 2))
        return (name, inner)

    def reduction(self, name: str, args: list, keywords: list) -> tuple:
        if not self.code:
            fail(f"{name}() is only accepted in a line of code; "
                 "check one dimension's term as a formula")
        if len(args) > 2:
            fail(f"{name}() takes a tensor and at most one axis; "
                 "pass the axis as dim= or axis=")
        axis = self.axis(args[1]) if len(args) == 2 else None
        allowed = ("dim", "axis", "keepdim", "keepdims")
        for kw in self.value_keywords(name, keywords, allowed):
            if kw.arg in ("dim", "axis"):
                axis = self.axis(kw.value)
            elif not (isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, bool)):
                fail(f"{kw.arg}= must be True or False")
        latent = axis is None or any(a != 0 for a in axis)
        return ("reduce", name, latent, self.convert(args[0]))

    def axis(self, node) -> tuple:
        items = node.elts if isinstance(node, (ast.Tuple, ast.List)) else [node]
        axes = []
        for item in items:
            value = self.convert(item)
            if value[0] != "num" or value[1].denominator != 1 or abs(value[1]) > 64:
                fail("an axis must be a small integer, or a tuple or list of them "
                     "(dim=1, dim=(1, 2), dim=[1, 2, 3])")
            axes.append(int(value[1]))
        return tuple(axes)


class _Converter(_CallReader):
    """Python syntax tree -> expression tree, one whitelisted node type at a time: the
    arithmetic here, the calls in :class:`_CallReader`."""

    def __init__(self, code: bool, functions: dict | None = None):
        self.source, self.code, self.functions = "", code, functions or {}
        self.exp_depth = self.function_depth = 0
        self.aliases: dict = {}

    def convert(self, node) -> tuple:
        if isinstance(node, ast.BinOp):
            return self.binop(node)
        if isinstance(node, ast.UnaryOp):
            return self.unary(node)
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return ("pi",) if node.id == "pi" else ("name", node.id)
        if isinstance(node, ast.Attribute):
            return self.attribute(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        what = _NODE_NAMES.get(type(node), type(node).__name__)
        hint = _NODE_HINTS.get(type(node), "pass only the arithmetic of the KL")
        fail(f"{what} is not allowed in a formula; {hint}")

    def unary(self, node) -> tuple:
        if isinstance(node.op, ast.USub):
            inner = self.convert(node.operand)
            return ("num", -inner[1]) if inner[0] == "num" else negate(inner)
        if isinstance(node.op, ast.UAdd):
            return self.convert(node.operand)
        fail(f"operator {type(node.op).__name__} is not allowed in a formula; use + - * / **")

    def attribute(self, node) -> tuple:
        dotted = _dotted(node)
        if dotted is None:
            fail(f"attribute .{node.attr} is not allowed here; "
                 "assign the value to a name first")
        if dotted in _CONSTANTS:
            return ("pi",)
        if not self.code:
            fail(f"name {dotted!r} is not allowed (attributes are only read in a line of "
                 "code); write a plain name such as mu or log_var")
        return ("name", dotted)

    def constant(self, node) -> tuple:
        text = ast.get_source_segment(self.source, node)
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            fail(f"constant {text!r} is not allowed in a formula; only real numbers are read")
        return ("num", literal_value(text))

    def binop(self, node) -> tuple:
        kind = _chain(node.op)
        if kind is None:
            if isinstance(node.op, ast.Pow):
                return self.power(self.convert(node.left), node.right)
            fail(f"operator {type(node.op).__name__} is not allowed in a formula; "
                 "use + - * / **")
        parts = []
        while isinstance(node, ast.BinOp) and _chain(node.op) == kind:
            parts.append((node.op, node.right))
            node = node.left
        parts.append((None, node))
        items = []
        for op, child in reversed(parts):
            sub = self.convert(child)
            if isinstance(op, ast.Sub):
                sub = negate(sub)
            elif isinstance(op, ast.Div):
                sub = ("pow", sub, Fraction(-1))
            items.append(sub)
        return (kind, tuple(items))

    def exponent(self, node) -> Fraction:
        value = constant_value(self.convert(node))
        if abs(value) > MAX_EXPONENT:
            fail(f"exponent {value} is too large (at most {MAX_EXPONENT} in absolute value)")
        if value.denominator > MAX_EXPONENT_DENOMINATOR:
            fail(f"exponent {value} has a denominator above {MAX_EXPONENT_DENOMINATOR}; "
                 "write it as a simpler fraction")
        return value

    def power(self, base: tuple, exponent_node) -> tuple:
        exponent = self.exponent(exponent_node)
        bits = constant_bits(base)
        if bits is not None and bits * abs(exponent) > MAX_CONSTANT_BITS:
            fail(f"a number in the formula is too large (more than {MAX_CONSTANT_BITS} bits)")
        return ("pow", base, exponent)


def to_sympy(tree, value_of) -> sp.Expr:
    """The exact sympy expression of a tree; ``value_of(name)`` gives each variable's value."""
    op = tree[0]
    if op == "num":
        return sp.Rational(tree[1].numerator, tree[1].denominator)
    if op == "pi":
        return sp.pi
    if op == "name":
        return value_of(tree[1])
    if op in ("add", "mul"):
        args = [to_sympy(t, value_of) for t in tree[1]]
        return sp.Add(*args) if op == "add" else sp.Mul(*args)
    if op == "pow":
        return sp.Pow(to_sympy(tree[1], value_of),
                      sp.Rational(tree[2].numerator, tree[2].denominator))
    if op == "exp":
        return sp.exp(to_sympy(tree[1], value_of))
    if op == "log":
        return sp.log(to_sympy(tree[1], value_of))
    if op == "log10":  # not sp.log(x, 10): unevaluated, sympy would later read that as ln(x)
        return sp.Mul(sp.log(to_sympy(tree[1], value_of)), sp.Pow(sp.log(10), -1))
    fail(f"{tree[1]}() is not allowed here; check one dimension's term as a formula")


def parse_expression(text: str, symbols: dict) -> sp.Expr:
    """A plain formula (no code constructs) as a sympy expression in the given symbols."""
    tree = parse(text, code=False)

    def value_of(name):
        if name not in symbols:
            fail(f"unknown name {name!r}; allowed names: {', '.join(sorted(symbols))}")
        return symbols[name]

    return to_sympy(tree, value_of)


def names_in(tree) -> list:
    """The variable names in a tree, in order of first appearance."""
    seen, stack = [], [tree]
    while stack:
        node = stack.pop()
        if node[0] == "name":
            if node[1] not in seen:
                seen.append(node[1])
        else:
            stack.extend(reversed(_children(node)))
    return seen


def normalise_name(name: str) -> str:
    """Names are compared as Python compares identifiers (NFKC), so µ and μ are one name."""
    return unicodedata.normalize("NFKC", name)


def is_finite_number(value) -> bool:
    return (isinstance(value, (int, float, Fraction)) and not isinstance(value, bool)
            and math.isfinite(value))
