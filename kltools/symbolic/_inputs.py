"""The book's symbols, and the one gate through which every argument enters sympy.

sympy converts strings with ``eval``, and converts the elements of a tuple, list, dict or set
without its ``strict`` flag.  So no argument of a public function reaches sympy directly: each
goes through :func:`as_expr` (one expression), :func:`as_matrix`, :func:`as_pairs` or
:func:`as_sequence` (containers whose every element goes through :func:`as_expr`).  A string is
read by kltools' own parser and never evaluated; anything else is refused with a
``ValueError`` that names the argument.
"""

from __future__ import annotations

import numbers
import re

import sympy as sp

x = sp.Symbol("x", real=True)
mu = sp.Symbol("mu", real=True)
sigma = sp.Symbol("sigma", positive=True)
mu1, mu2 = sp.symbols("mu_1 mu_2", real=True)
sigma1, sigma2 = sp.symbols("sigma_1 sigma_2", positive=True)

BOOK_SYMBOLS = (x, mu, sigma, mu1, mu2, sigma1, sigma2)
_EXPECTED = "expected a sympy expression, a real number or a formula string"
_NAME = re.compile(r"[\w\\{}^,.'+\- ]*")


def _refuse(name: str, value):
    raise ValueError(f"{name}: {_EXPECTED}, got {type(value).__name__}")


def parse_formula(text: str) -> sp.Expr:
    """A formula string as a sympy expression, by kltools' own parser (nothing is evaluated).

    The names are the symbols above and those of :data:`kltools.checker.SYMBOLS`.
    """
    from ..checker import SYMBOLS
    from ..checker._parse import parse_expression

    return parse_expression(text, {**SYMBOLS, **{s.name: s for s in BOOK_SYMBOLS}})


def as_expr(value, name: str = "expr") -> sp.Basic:
    """``value`` as a sympy object: a formula string (parsed), a sympy object, or a real number.

    A mutable sympy matrix becomes immutable.  Anything else, containers included, raises
    ``ValueError`` naming ``name``.
    """
    if isinstance(value, str):
        try:
            return parse_formula(value)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
    if isinstance(value, (sp.Basic, sp.FunctionClass)):  # an expression, or a function like q
        return value
    if isinstance(value, sp.MatrixBase):
        return sp.ImmutableMatrix(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        _refuse(name, value)
    return sp.sympify(value, strict=True)  # a number: no string is involved


def as_matrix(value, name: str, explicit: bool = False) -> sp.Basic:
    """A sympy matrix (or matrix expression), or a list of rows of :func:`as_expr` entries.

    With ``explicit``, only an explicit matrix (entries, not a ``MatrixSymbol``) is accepted.
    """
    if isinstance(value, (list, tuple)):
        rows = [list(r) if isinstance(r, (list, tuple)) else [r] for r in value]
        matrix = sp.ImmutableMatrix([[as_expr(e, f"{name} entry") for e in row] for row in rows])
    else:
        matrix = as_expr(value, name)
    if explicit and not isinstance(matrix, sp.MatrixBase):
        raise ValueError(f"{name}: expected an explicit matrix, got {type(value).__name__}")
    return matrix


def as_sequence(value, name: str) -> tuple:
    """A tuple of sympy objects from a list or tuple whose every element passes :func:`as_expr`."""
    if isinstance(value, sp.MatrixBase):
        value = list(value)
    if not isinstance(value, (list, tuple, sp.Tuple)):
        raise ValueError(
            f"{name}: expected a list or tuple of sympy expressions, got {type(value).__name__}"
        )
    return tuple(as_expr(v, f"{name}[{i}]") for i, v in enumerate(value))


def as_pairs(value, name: str) -> list:
    """(old, new) pairs of sympy objects from a dict or a sequence of pairs."""
    if value is None:
        return []
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        raise ValueError(
            f"{name}: expected a dict or a sequence of (old, new) pairs, "
            f"got {type(value).__name__}"
        )
    pairs = []
    for i, item in enumerate(items):
        if not (isinstance(item, (list, tuple)) and len(item) == 2):
            raise ValueError(f"{name}[{i}]: expected an (old, new) pair")
        pairs.append((as_expr(item[0], f"{name} key"), as_expr(item[1], f"{name} value")))
    return pairs


def check_name(value, name: str) -> str:
    """A name shown or looked up as it is (``q``, ``\\Sigma_1``, ``""``), never parsed.

    Letters, digits, ``_ \\ { } ^ , . ' + -`` and spaces only, so that no code passes for one.
    """
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise ValueError(
            f"{name}: expected a name (letters, digits and _ \\ {{ }} ^ , . ' + -), "
            f"got {value!r:.60}"
        )
    return value


def as_name(value, name: str) -> sp.Basic:
    """A display name: a sympy object, or a string (see :func:`check_name`) as a Symbol's name."""
    if isinstance(value, sp.Basic):
        return value
    return sp.Symbol(check_name(value, name))


def as_text(value, name: str) -> str:
    """A string shown as it is (LaTeX or a note); never parsed."""
    if not isinstance(value, str):
        raise ValueError(f"{name}: expected a string, got {type(value).__name__}")
    return value
