"""The text of a formula or of a few lines of code, checked and split into statements.

The text is checked (type, size, characters) and tokenised with :mod:`tokenize`; every token
is whitelisted and the sizes are capped before anything else looks at it.  A line of code is
then split into statements: straight-line assignments (``x = ...``, ``x += ...``,
``x *= ...``), an optional final ``return`` or expression.  Nothing is ever executed.
"""

from __future__ import annotations

import io
import keyword
import re
import textwrap
import tokenize
from dataclasses import dataclass

# Limits, checked before any symbolic or numeric work.
MAX_CHARS = 1000
MAX_TOKENS = 400
MAX_STATEMENTS = 20
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
AUGMENTED = {"+=": "add", "-=": "sub", "*=": "mul", "/=": "div"}
_SKIP = {tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
_WORDS = ("return", "True", "False")

# Julia spellings of the same arithmetic: 0.5f0, .^ .- .* ./ .+ and exp.(x).
# Each rewrite leaves a valid Python expression's value unchanged (1.-x is 1 - x).
_JULIA_FLOAT = re.compile(r"(?<![\w.])(\d+(?:\.\d*)?|\.\d+)f([+-]?\d+)(?!\w)")
_JULIA_DOT_OP = re.compile(r"\.(?=[\^*/+\-])")
_JULIA_DOT_CALL = re.compile(r"(?<=\w)\.\(")


def fail(message: str):
    """Refuse the input: every refusal of the checker is a ``ValueError`` with this message."""
    raise ValueError(message)


_fail = fail


@dataclass
class Statement:
    """One statement of a line of code: ``target op= expression``, or ``return expression``.

    ``target`` is the assigned name (``"kl_loss"``, ``"self.kl"``), a tuple of names
    (``var0, var1 = ...``), or None when the left side
    is not a plain name (``kl[0] =``, ``kl(mu, logvar) =``) or there is none; ``operator`` is
    ``"="``, one of :data:`AUGMENTED`'s keys, ``"return"`` or None (a bare expression).
    """

    target: str | tuple | None
    operator: str | None
    source: str


def check_text(text) -> str:
    """Type, size and character checks; returns the dedented, stripped text."""
    if not isinstance(text, str):
        fail(f"formula must be a string or a sympy expression, got {type(text).__name__}; "
             "pass the line of code as a string")
    if len(text) > MAX_CHARS:
        fail(f"formula is {len(text)} characters long; at most {MAX_CHARS} are accepted: "
             "pass only the lines that compute the KL")
    bad = _ALLOWED_CHARS.search(text)
    if bad:
        char = bad.group()
        hint = "write '-'" if char == "\u2212" else "replace it by an ASCII name or operator"
        fail(f"character {char!r} (U+{ord(char):04X}) at position {bad.start()} "
             f"is not allowed; {hint}")
    text = textwrap.dedent(text).strip()
    if not text:
        fail("formula is empty; pass the line of code that computes the KL")
    return text


def julia_to_python(text: str) -> str:
    """Julia's float literals, broadcasting dots and ``f.(x)`` calls, in Python spelling."""
    text = _JULIA_FLOAT.sub(r"\1e\2", text)
    text = _JULIA_DOT_OP.sub("", text)
    return _JULIA_DOT_CALL.sub("(", text)


def _generate(text: str) -> list:
    try:
        return list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError) as exc:
        fail(f"formula has a syntax error: {exc.args[0]}; check its brackets and quotes")


def _is_name_keyword_value(kept: list) -> bool:
    """The token after ``name=`` inside a call: the one string a line of code may hold."""
    return (len(kept) >= 2 and kept[-1].string == "=" and kept[-2].string == "name"
            and kept[-2].type == tokenize.NAME)


def _check_token(tok, kept: list, code: bool, depth: int) -> int:
    """Whitelist one token; returns the bracket depth after it."""
    if tok.type == tokenize.NAME:
        if keyword.iskeyword(tok.string) and tok.string not in _WORDS:
            fail(f"keyword {tok.string!r} is not allowed in a formula; pass only the "
                 "arithmetic (straight-line assignments and a return)")
    elif tok.type == tokenize.OP:
        if tok.string in AUGMENTED and code and depth == 0:
            return depth
        if tok.string == ";":
            fail("operator ';' is not allowed in a formula; put each statement on its own line")
        if tok.string in AUGMENTED:
            fail(f"operator {tok.string!r} is only read at the start of a statement of a line "
                 "of code (kl += ...)")
        if tok.string not in _OPS:
            fail(f"operator {tok.string!r} is not allowed in a formula; "
                 "use + - * / ** and the functions listed in check_formula's help")
        depth += 1 if tok.string in "([" else (-1 if tok.string in ")]" else 0)
        if depth > MAX_PAREN_DEPTH:
            fail(f"brackets are nested more than {MAX_PAREN_DEPTH} deep; "
                 "split the formula into assignments")
    elif tok.type == tokenize.STRING and code and depth > 0 and _is_name_keyword_value(kept):
        return depth
    elif tok.type != tokenize.NUMBER:
        what = "a string" if tok.type == tokenize.STRING else repr(tok.string)
        fail(f"unexpected token {what} in formula; only names, numbers, operators and a "
             "name='...' keyword are read")
    return depth


def tokens(text: str, code: bool = True) -> list[list]:
    """The whitelisted tokens of ``text``, one list per statement (one only for a formula)."""
    groups, kept, depth, unary, count = [], [], 0, 0, 0
    for tok in _generate(text):
        if tok.type in _SKIP:
            continue
        if tok.type == tokenize.NEWLINE:
            if kept:
                groups.append(kept)
            kept = []
            continue
        if groups and not code:
            fail("a formula must be one expression; found a second statement "
                 "(several statements are read only as a line of code)")
        depth = _check_token(tok, kept, code, depth)
        previous = kept[-1] if kept else None
        is_unary = tok.string in "+-" and tok.type == tokenize.OP and (
            previous is None or (previous.type == tokenize.OP and previous.string not in ")]"))
        unary = unary + 1 if is_unary else 0
        if unary > MAX_UNARY_RUN:
            fail(f"more than {MAX_UNARY_RUN} signs in a row; write the sign once")
        kept.append(tok)
        count += 1
        if count > MAX_TOKENS:
            fail(f"formula has more than {MAX_TOKENS} tokens; pass only the lines that "
                 "compute the KL")
    if kept:
        groups.append(kept)
    if not groups:
        fail("formula has no expression (only comments or blank lines); pass the line of "
             "code that computes the KL")
    if len(groups) > MAX_STATEMENTS:
        fail(f"more than {MAX_STATEMENTS} statements; pass only the lines that compute the KL")
    return groups


def _offsets(text: str) -> list[int]:
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return starts


def _target(left: list) -> str | None:
    """The dotted name a left side assigns (``kl``, ``self.kl``, ``kl: float``), else None."""
    names, expect_name = [], True
    for tok in left:
        if expect_name and tok.type == tokenize.NAME:
            names.append(tok.string)
        elif not expect_name and tok.string == ".":
            pass
        elif not expect_name and tok.string == ":":
            break
        else:
            return None
        expect_name = not expect_name
    return ".".join(names) if names and not expect_name else None


def _targets(left: list):
    """What a left side assigns: a dotted name, a tuple of them (``a, b = ...``), or None."""
    parts, current, depth = [], [], 0
    for tok in left:
        depth += 1 if tok.string in "([" else (-1 if tok.string in ")]" else 0)
        if tok.string == "," and depth == 0:
            parts.append(current)
            current = []
        else:
            current.append(tok)
    parts.append(current)
    names = [_target(part) for part in parts]
    if len(names) == 1:
        return names[0]
    return tuple(names) if None not in names else None


def _split(group: list, code: bool) -> tuple[int, str | None, str | None]:
    """(index of the expression's first token, target, operator) of one statement."""
    first, target, operator, depth = 0, None, None, 0
    if group[0].type == tokenize.NAME and group[0].string == "return":
        if not code:
            fail("'return' is only accepted in a line of code; pass the formula after it")
        first, operator = 1, "return"
    for index, tok in enumerate(group):
        if tok.type == tokenize.OP and tok.string in "([":
            depth += 1
        elif tok.type == tokenize.OP and tok.string in ")]":
            depth -= 1
        elif tok.type == tokenize.NAME and tok.string == "return" and index > 0:
            fail("'return' must begin its line; put the returned expression after it")
        elif tok.type == tokenize.OP and depth == 0 and (tok.string == "=" or tok.string
                                                          in AUGMENTED):
            if not code:
                fail("an assignment is only accepted in a line of code; "
                     "pass the formula to the right of '='")
            if operator == "return":
                fail("'return' cannot be followed by an assignment")
            target = _targets(group[:index]) if operator is None else target
            first, operator = index + 1, tok.string
    return first, target, operator


def statements(text: str, code: bool = True) -> list[Statement]:
    """The statements of ``text``, each with its assigned name, operator and expression."""
    starts, found = _offsets(text), []
    for group in tokens(text, code):
        first, target, operator = _split(group, code)
        if first >= len(group):
            fail("formula has nothing to the right of '=' or 'return'; "
                 "pass the whole assignment")
        begin = group[first].start
        end = group[-1].end
        source = text[starts[begin[0] - 1] + begin[1]:starts[end[0] - 1] + end[1]].strip()
        found.append(Statement(target, operator, source))
    return found
