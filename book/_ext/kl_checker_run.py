"""What the in-page checker box runs: ``check_formula`` on the reader's text, as JSON.

The book's checker box (book/_ext/kl_checker_box.py) ships this module, with
``kltools/__init__.py`` and ``kltools/checker/``, to the reader's browser, where Pyodide
runs it in a Web Worker.  The parity test (tests/test_checker_pyodide.py) runs the same
module in CPython and under Pyodide in Node and compares the JSON.

Nothing the reader types is evaluated: the code goes to ``check_formula`` (which parses it
with its own tokenizer), and the ``names`` field is split into ``name = meaning`` pairs whose
meanings are either a name or a number literal.
"""

from __future__ import annotations

import json
import re

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?\d+")
_NAME = re.compile(r"[^\W\d][\w.]*")


def parse_names(text: str) -> dict | None:
    """``"mu0 = mu, EPS = 1e-8"`` (or one pair a line, or ``{"mu0": "mu"}``) as a dict.

    A meaning is a name (``mu``, ``log_std_p``) or a number literal; anything else raises
    ``ValueError`` naming the entry.  An empty text is ``None`` (no ``names=``).
    """
    text = text.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    names = {}
    for entry in filter(None, (e.strip() for e in re.split(r"[,;\n]", text))):
        match = re.fullmatch(r"['\"]?(.*?)['\"]?\s*[=:]\s*['\"]?(.*?)['\"]?", entry)
        key, value = match.groups() if match else ("", "")
        if not _NAME.fullmatch(key) or not value:
            raise ValueError(f"names: {entry!r} is not a pair `name = meaning`")
        if _INTEGER.fullmatch(value):
            names[key] = int(value)
        elif _NUMBER.fullmatch(value):
            names[key] = float(value)
        elif _NAME.fullmatch(value):
            names[key] = value
        else:
            raise ValueError(f"names: the meaning of {key!r}, {value!r}, is neither a name "
                             "nor a number")
    return names or None


def _plain(value):
    """A JSON-ready copy: complex numbers as [real, imag], other numbers as floats or ints."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, str, int, float)):
        return value
    if isinstance(value, complex):
        return [value.real, value.imag]
    try:
        return int(value) if int(value) == value else float(value)
    except TypeError:
        return str(value)


def result_dict(code: str, names_text: str = "") -> dict:
    """The box's result: the hook's keys, plus the summary, counterexample and readings."""
    from kltools.checker import check_formula

    try:
        result = check_formula(code, names=parse_names(names_text))
    except ValueError as error:
        return {"error": str(error)}
    return {
        "verdict": result.verdict,
        "factor": _plain(getattr(result, "factor", 1)),
        "reinterpretation": _plain(result.reinterpretation),
        "reduction": result.reduction,
        "assumed": _plain(result.assumed),
        "counterexample": _plain(result.counterexample),
        "names": _plain(result.names),
        "describe": result.describe(),
        "expression": str(result.expression),
    }


def check_json(code: str, names_text: str = "") -> str:
    """:func:`result_dict` as a JSON string (what the Web Worker posts back)."""
    return json.dumps(result_dict(code, names_text), ensure_ascii=False, allow_nan=True)


def set_time_limit(seconds: float, cpu_seconds: float) -> None:
    """Raise the checker's limits for a slower runtime (Pyodide is several times slower)."""
    from kltools.checker import bounds, formulas

    formulas.TIME_LIMIT = seconds
    bounds.CPU_DEADLINE = cpu_seconds
