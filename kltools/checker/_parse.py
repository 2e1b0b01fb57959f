"""Reading a formula or a line of code without running it.

The text is checked (type, size, characters), tokenised with :mod:`tokenize`
(every token whitelisted, sizes capped) and parsed with ``ast.parse``, which
builds a syntax tree and never executes anything.  The tree is then walked
with a whitelist of node types and turned into a small expression tree of
tuples, from which :mod:`kltools.checker.formulas` builds exact sympy expressions and
evaluates numbers itself.  Neither ``eval`` nor sympy's string parser is
ever reached.

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
import io
import keyword
import math
import re
import textwrap
import tokenize
import unicodedata
from fractions import Fraction

import sympy as sp

# Limits, checked before any symbolic or numeric work.
MAX_CHARS = 1000
MAX_TOKENS = 400
MAX_PAREN_DEPTH = 20
MAX_UNARY_RUN = 8
MAX_DEPTH = 60  # nesting of the syntax tree; a chain of + - or of * / counts once
MAX_NODES = 1000
MAX_LITERAL_DIGITS = 40
MAX_LITERAL_EXPONENT = 40  # |n| in a literal such as 1e-35
MAX_EXPONENT = 16  # |r| in x**r
MAX_EXPONENT_DENOMINATOR = 1000
MAX_EXP_NESTING = 2  # exp(exp(x)) is allowed, exp(exp(exp(x))) is not
MAX_FUNCTION_NESTING = 8
MAX_CONSTANT_BITS = 4096

_ALLOWED_CHARS = re.compile(r"[^\x20-\x7e\n\r\tμµσ]")
_OPS = {"+", "-", "*", "/", "**", "^", "(", ")", ",", ".", "=", ":", "[", "]"}
_SKIP = {tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}

# Julia spellings of the same arithmetic: 0.5f0, .^ .- .* ./ .+ and exp.(x).
# Each rewrite leaves a valid Python expression's value unchanged (1.-x is 1 - x).
_JULIA_FLOAT = re.compile(r"(?<![\w.])(\d+(?:\.\d*)?|\.\d+)f([+-]?\d+)(?!\w)")
_JULIA_DOT_OP = re.compile(r"\.(?=[\^*/+\-])")
_JULIA_DOT_CALL = re.compile(r"(?<=\w)\.\(")

LIBRARY_PREFIXES = ("torch", "np", "numpy", "jnp", "tf", "tf.math", "K", "ops", "keras.ops", "math")
FUNCTIONS = ("exp", "log", "log10", "sqrt", "square", "pow", "sum", "mean")
METHODS = ("sum", "mean", "exp", "log", "pow", "square", "sqrt")
_TF_REDUCTIONS = {"reduce_sum": "sum", "reduce_mean": "mean"}
_CONSTANTS = {"pi", "np.pi", "numpy.pi", "math.pi", "torch.pi", "jnp.pi"}
_LITERAL = re.compile(r"(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")

_NODE_NAMES = {
    ast.Subscript: "indexing x[...]", ast.Compare: "a comparison", ast.BoolOp: "and/or",
    ast.IfExp: "a conditional expression", ast.Lambda: "lambda", ast.Tuple: "a tuple",
    ast.List: "a list", ast.Dict: "a dict", ast.Set: "a set", ast.Starred: "*args",
    ast.NamedExpr: "the := operator", ast.JoinedStr: "an f-string",
}


def _fail(message: str):
    raise ValueError(message)


def check_text(text) -> str:
    """Type, size and character checks; returns the dedented, stripped text."""
    if not isinstance(text, str):
        _fail(f"formula must be a string or a sympy expression, got {type(text).__name__}")
    if len(text) > MAX_CHARS:
        _fail(f"formula is {len(text)} characters long; at most {MAX_CHARS} are accepted")
    bad = _ALLOWED_CHARS.search(text)
    if bad:
        char = bad.group()
        hint = " (write '-')" if char == "\u2212" else ""
        _fail(f"character {char!r} (U+{ord(char):04X}) at position {bad.start()} is not allowed{hint}")
    text = textwrap.dedent(text).strip()
    if not text:
        _fail("formula is empty")
    return text


def _julia_to_python(text: str) -> str:
    text = _JULIA_FLOAT.sub(r"\1e\2", text)
    text = _JULIA_DOT_OP.sub("", text)
    return _JULIA_DOT_CALL.sub("(", text)


def _tokens(text: str) -> list:
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError) as exc:
        _fail(f"formula has a syntax error: {exc.args[0]}")
    kept, depth, unary, statements = [], 0, 0, 0
    for tok in tokens:
        if tok.type in _SKIP:
            continue
        if tok.type == tokenize.NEWLINE:
            statements += 1
            continue
        if statements:
            _fail("formula must be a single line of code or one expression; found a second statement")
        if tok.type == tokenize.NAME:
            if keyword.iskeyword(tok.string) and tok.string not in ("return", "True", "False"):
                _fail(f"keyword {tok.string!r} is not allowed in a formula")
        elif tok.type == tokenize.OP:
            if tok.string not in _OPS:
                _fail(f"operator {tok.string!r} is not allowed in a formula")
            depth += tok.string in "([" and 1 or (-1 if tok.string in ")]" else 0)
            if depth > MAX_PAREN_DEPTH:
                _fail(f"brackets are nested more than {MAX_PAREN_DEPTH} deep")
        elif tok.type != tokenize.NUMBER:
            what = "a string" if tok.type == tokenize.STRING else repr(tok.string)
            _fail(f"unexpected token {what} in formula")
        previous = kept[-1] if kept else None
        is_unary = tok.string in "+-" and tok.type == tokenize.OP and (
            previous is None or (previous.type == tokenize.OP and previous.string not in ")]"))
        unary = unary + 1 if is_unary else 0
        if unary > MAX_UNARY_RUN:
            _fail(f"more than {MAX_UNARY_RUN} signs in a row")
        kept.append(tok)
        if len(kept) > MAX_TOKENS:
            _fail(f"formula has more than {MAX_TOKENS} tokens")
    return kept


def _right_hand_side(text: str, tokens: list, code: bool) -> str:
    """Drop ``return`` and the left side of an assignment (``x =``, ``f(x) =``)."""
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    cut, depth = 0, 0
    if tokens and tokens[0].string == "return" and tokens[0].type == tokenize.NAME:
        if not code:
            _fail("'return' is only accepted in a line of code")
        cut = starts[tokens[0].end[0] - 1] + tokens[0].end[1]
        tokens = tokens[1:]
    for tok in tokens:
        if tok.type == tokenize.OP and tok.string in "([":
            depth += 1
        elif tok.type == tokenize.OP and tok.string in ")]":
            depth -= 1
        elif tok.type == tokenize.OP and tok.string == "=" and depth == 0:
            if not code:
                _fail("an assignment is only accepted in a line of code")
            cut = starts[tok.end[0] - 1] + tok.end[1]
        elif tok.type == tokenize.NAME and tok.string == "return":
            _fail("'return' must begin the line")
    rhs = text[cut:].strip()
    if not rhs:
        _fail("formula has nothing to the right of '='")
    return rhs


def _tree_depth(root: ast.AST) -> int:
    """Nesting depth, counting a left-leaning chain of + - (or of * /) as one level."""
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        for child in ast.iter_child_nodes(node):
            same_chain = (
                isinstance(node, ast.BinOp) and isinstance(child, ast.BinOp) and child is node.left
                and _chain(node.op) is not None and _chain(node.op) == _chain(child.op)
            )
            stack.append((child, depth if same_chain else depth + 1))
    return deepest


def _chain(op) -> str | None:
    if isinstance(op, (ast.Add, ast.Sub)):
        return "add"
    if isinstance(op, (ast.Mult, ast.Div)):
        return "mul"
    return None


def parse(text, *, code: bool = True) -> tuple:
    """Parse ``text`` into an expression tree (see the module docstring).

    ``code=True`` accepts a line of code: an assignment or ``return``, library
    calls, methods and reductions.  ``code=False`` accepts plain formulas.
    Raises ValueError, naming what was wrong, for anything else.
    """
    text = check_text(text)
    if code:
        text = _julia_to_python(text)
    text = text.replace("^", "**")  # a power, as in print; Python's ^ (xor) binds too loosely
    tokens = _tokens(text)
    rhs = _right_hand_side(text, tokens, code)
    try:
        module = ast.parse(rhs, mode="eval")
    except SyntaxError as exc:
        _fail(f"formula could not be parsed: {exc.msg}")
    if sum(1 for _ in ast.walk(module)) > MAX_NODES:
        _fail(f"formula has more than {MAX_NODES} parts")
    if _tree_depth(module) > MAX_DEPTH:
        _fail(f"formula is nested more than {MAX_DEPTH} levels deep")
    return _Converter(rhs, code).convert(module.body)


def literal_value(text: str) -> Fraction:
    """The exact rational a decimal literal spells, within the size limits."""
    match = _LITERAL.fullmatch(text)
    if not match:
        _fail(f"number {text!r} is not a plain decimal literal")
    mantissa, exponent = match.group(1), match.group(2)
    digits = len(mantissa.replace(".", ""))
    if digits > MAX_LITERAL_DIGITS:
        _fail(f"number {text[:20]}... has more than {MAX_LITERAL_DIGITS} digits")
    if exponent and (len(exponent) > 6 or abs(int(exponent[1:])) > MAX_LITERAL_EXPONENT):
        _fail(f"number {text!r} is out of range: its decimal exponent must be within ±{MAX_LITERAL_EXPONENT}")
    return Fraction(text)


def constant_value(tree) -> Fraction:
    """The exact value of a constant tree built from numbers, + - * / and integer powers."""
    op = tree[0]
    if op == "num":
        return tree[1]
    if op == "add":
        return sum((constant_value(t) for t in tree[1]), Fraction(0))
    if op == "mul":
        value = Fraction(1)
        for t in tree[1]:
            value *= constant_value(t)
        return value
    if op == "pow" and tree[2].denominator == 1:
        base, n = constant_value(tree[1]), tree[2].numerator
        if base == 0 and n < 0:
            _fail("division by zero in an exponent")
        bits = max(base.numerator.bit_length(), base.denominator.bit_length()) * abs(n)
        if bits > MAX_CONSTANT_BITS:
            _fail("a number in an exponent is too large")
        return base**n
    _fail("an exponent must be a rational number (no names, functions or roots)")


def constant_bits(tree) -> int | None:
    """An upper bound on the bits of a constant tree's numerator and denominator; None if not constant."""
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


class _Converter:
    def __init__(self, source: str, code: bool):
        self.source, self.code = source, code
        self.exp_depth = self.function_depth = 0

    def convert(self, node) -> tuple:
        if isinstance(node, ast.BinOp):
            return self.binop(node)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                inner = self.convert(node.operand)
                return ("num", -inner[1]) if inner[0] == "num" else negate(inner)
            if isinstance(node.op, ast.UAdd):
                return self.convert(node.operand)
            _fail(f"operator {type(node.op).__name__} is not allowed in a formula")
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return ("pi",) if node.id == "pi" else ("name", node.id)
        if isinstance(node, ast.Attribute):
            dotted = self.dotted(node)
            if dotted is None:
                _fail(f"attribute .{node.attr} is not allowed here")
            if dotted in _CONSTANTS:
                return ("pi",)
            if not self.code:
                _fail(f"name {dotted!r} is not allowed (attributes are only read in a line of code)")
            return ("name", dotted)
        if isinstance(node, ast.Call):
            return self.call(node)
        what = _NODE_NAMES.get(type(node), type(node).__name__)
        _fail(f"{what} is not allowed in a formula")

    def constant(self, node) -> tuple:
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            _fail(f"constant {ast.get_source_segment(self.source, node)!r} is not allowed in a formula")
        text = ast.get_source_segment(self.source, node)
        return ("num", literal_value(text))

    def binop(self, node) -> tuple:
        kind = _chain(node.op)
        if kind is None:
            if isinstance(node.op, ast.Pow):
                return self.power(self.convert(node.left), node.right)
            _fail(f"operator {type(node.op).__name__} is not allowed in a formula")
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
            _fail(f"exponent {value} is too large (at most {MAX_EXPONENT} in absolute value)")
        if value.denominator > MAX_EXPONENT_DENOMINATOR:
            _fail(f"exponent {value} has a denominator above {MAX_EXPONENT_DENOMINATOR}")
        return value

    def power(self, base: tuple, exponent_node) -> tuple:
        exponent = self.exponent(exponent_node)
        bits = constant_bits(base)
        if bits is not None and bits * abs(exponent) > MAX_CONSTANT_BITS:
            _fail(f"a number in the formula is too large (more than {MAX_CONSTANT_BITS} bits)")
        return ("pow", base, exponent)

    def dotted(self, node) -> str | None:
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        parts.append(node.id)
        return ".".join(reversed(parts))

    def call(self, node) -> tuple:
        func, receiver = node.func, None
        if isinstance(func, ast.Name):
            prefix, name = None, func.id
        elif isinstance(func, ast.Attribute):
            prefix, name = self.dotted(func.value), func.attr
            if prefix not in LIBRARY_PREFIXES:
                prefix, receiver = None, func.value
        else:
            _fail("only named functions may be called")
        if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
            _fail("*args and **kwargs are not allowed in a formula")
        if receiver is not None:
            dotted = self.dotted(receiver)
            if dotted and node.args and name in ("exp", "log", "log10", "sqrt", "square"):
                _fail(f"function {dotted + '.' + name!r} is not allowed; library prefixes: "
                      + ", ".join(p + "." for p in LIBRARY_PREFIXES))
            if not self.code or name not in METHODS:
                _fail(f"method .{name}() is not allowed; methods: {', '.join('.' + m + '()' for m in METHODS)}")
            return self.apply(name, [receiver] + list(node.args), node.keywords)
        if prefix in ("tf", "tf.math") and name in _TF_REDUCTIONS:
            return self.apply(_TF_REDUCTIONS[name], list(node.args), node.keywords)
        allowed = FUNCTIONS if self.code else ("exp", "log", "log10", "sqrt")
        if name not in allowed or (prefix is not None and not self.code):
            shown = f"{prefix}.{name}" if prefix else name
            _fail(f"function {shown!r} is not allowed; functions: {', '.join(allowed)}"
                  + (f", with the prefixes {', '.join(p + '.' for p in LIBRARY_PREFIXES)}" if self.code else ""))
        return self.apply(name, list(node.args), node.keywords)

    def apply(self, name: str, args: list, keywords: list) -> tuple:
        if not args:
            _fail(f"{name}() needs an argument")
        if name in ("sum", "mean"):
            return self.reduction(name, args, keywords)
        if keywords:
            _fail(f"{name}() takes no keyword argument {keywords[0].arg!r}")
        if name == "pow":
            if len(args) != 2:
                _fail("pow() takes a base and an exponent")
            return self.power(self.convert(args[0]), args[1])
        if len(args) != 1:
            _fail(f"{name}() takes one argument")
        if name == "exp":
            self.exp_depth += 1
            if self.exp_depth > MAX_EXP_NESTING:
                _fail(f"exp is nested more than {MAX_EXP_NESTING} deep")
        self.function_depth += 1
        if self.function_depth > MAX_FUNCTION_NESTING:
            _fail(f"functions are nested more than {MAX_FUNCTION_NESTING} deep")
        inner = self.convert(args[0])
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
            _fail(f"{name}() is only accepted in a line of code")
        if len(args) > 2:
            _fail(f"{name}() takes a tensor and at most one axis")
        axis = self.axis(args[1]) if len(args) == 2 else None
        for kw in keywords:
            if kw.arg in ("dim", "axis"):
                axis = self.axis(kw.value)
            elif kw.arg in ("keepdim", "keepdims"):
                if not (isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, bool)):
                    _fail(f"{kw.arg}= must be True or False")
            else:
                _fail(f"keyword argument {kw.arg!r} is not allowed; use dim=, axis=, keepdim= or keepdims=")
        latent = axis is None or any(a != 0 for a in axis)
        return ("reduce", name, latent, self.convert(args[0]))

    def axis(self, node) -> tuple:
        items = node.elts if isinstance(node, ast.Tuple) else [node]
        axes = []
        for item in items:
            value = self.convert(item)
            if value[0] != "num" or value[1].denominator != 1 or abs(value[1]) > 64:
                _fail("an axis must be a small integer or a tuple of them")
            axes.append(int(value[1]))
        return tuple(axes)


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
        return sp.Pow(to_sympy(tree[1], value_of), sp.Rational(tree[2].numerator, tree[2].denominator))
    if op == "exp":
        return sp.exp(to_sympy(tree[1], value_of))
    if op == "log":
        return sp.log(to_sympy(tree[1], value_of))
    if op == "log10":  # not sp.log(x, 10): unevaluated, sympy would later read that as ln(x)
        return sp.Mul(sp.log(to_sympy(tree[1], value_of)), sp.Pow(sp.log(10), -1))
    _fail(f"{tree[1]}() is not allowed here")


def parse_expression(text: str, symbols: dict) -> sp.Expr:
    """A plain formula (no code constructs) as a sympy expression in the given symbols."""
    tree = parse(text, code=False)

    def value_of(name):
        if name not in symbols:
            _fail(f"unknown name {name!r}; allowed names: {', '.join(sorted(symbols))}")
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
        elif node[0] in ("add", "mul"):
            stack.extend(reversed(node[1]))
        elif node[0] == "pow" or node[0] in ("exp", "log", "log10"):
            stack.append(node[1])
        elif node[0] == "reduce":
            stack.append(node[3])
    return seen


def normalise_name(name: str) -> str:
    """Names are compared as Python compares identifiers (NFKC), so µ and μ are one name."""
    return unicodedata.normalize("NFKC", name)


def is_finite_number(value) -> bool:
    return isinstance(value, (int, float, Fraction)) and not isinstance(value, bool) and math.isfinite(value)
