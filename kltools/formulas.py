"""The formula checker: which KL, if any, does a published formula compute?

A formula is written in documented names (see :func:`check_formula`).  The
checker compares it with KL(q || p) (the reverse, exclusive KL of variational
inference and RLHF), KL(p || q) (the forward, inclusive KL) and their
negatives, first as written, then with each scale symbol reinterpreted
(a "sigma" that must really be a variance, say).  Equality is decided by
:func:`kltools.symbolic.equivalent`, for all admissible parameter values.
"""

from __future__ import annotations

import io
import itertools
import keyword
import tokenize
from dataclasses import dataclass, field

import mpmath as mp
import sympy as sp
from sympy.parsing.sympy_parser import convert_xor, parse_expr, standard_transformations

from .symbolic import equivalent

__all__ = ["FormulaCheck", "check_formula", "SYMBOLS", "FUNCTIONS"]

# The parameters the formula is written in.  q = N(mu, .), p = N(mu_p, .).
_MU, _MU_P = sp.Symbol("mu", real=True), sp.Symbol("mu_p", real=True)
SYMBOLS = {
    "mu": _MU,
    "sigma": sp.Symbol("sigma", positive=True),
    "var": sp.Symbol("var", positive=True),
    "log_var": sp.Symbol("log_var", real=True),
    "mu_p": _MU_P,
    "sigma_p": sp.Symbol("sigma_p", positive=True),
    "var_p": sp.Symbol("var_p", positive=True),
    "log_var_p": sp.Symbol("log_var_p", real=True),
}
FUNCTIONS = {"log": sp.log, "log10": lambda a: sp.log(a, 10), "exp": sp.exp, "sqrt": sp.sqrt}

# What each scale symbol denotes, by the documented convention.
_SCALE = {"sigma": ("q", "sigma"), "var": ("q", "var"), "log_var": ("q", "log_var"),
          "sigma_p": ("p", "sigma"), "var_p": ("p", "var"), "log_var_p": ("p", "log_var")}
_QUANTITIES = ("sigma", "var", "log_var")

# The true parameters in which every candidate is compared.
_S_Q, _S_P = sp.Symbol("s_q", positive=True), sp.Symbol("s_p", positive=True)
_VERDICTS = ("kl_qp", "kl_pq", "neg_kl_qp", "neg_kl_pq")


def _kl(m1, s1, m2, s2):
    return sp.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - sp.Rational(1, 2)


def _quantity(which: str, std: sp.Expr) -> sp.Expr:
    return {"sigma": std, "var": std**2, "log_var": 2 * sp.log(std)}[which]


@dataclass
class FormulaCheck:
    """The outcome of :func:`check_formula`.

    Attributes
    ----------
    formula : sympy.Expr
        The parsed formula, in the documented symbols.
    verdict : str
        ``"kl_qp"`` (KL(q || p)), ``"kl_pq"`` (KL(p || q)), ``"neg_kl_qp"``,
        ``"neg_kl_pq"`` or ``"no_match"``.
    reinterpretation : dict
        Empty when the formula is right as written.  Otherwise maps each symbol
        that must mean something else to what it must denote: ``"sigma"``,
        ``"var"`` or ``"log_var"``.
    counterexample : dict or None
        For ``"no_match"``: ``{"point": {...}, "formula": value,
        "kl_qp": value}``, a valid parameter point (values of the symbols as
        written) with the formula's value and the true KL(q || p) there.
        ``None`` otherwise.
    assumed : dict
        Parameters the formula does not mention and that were fixed: ``mu``
        or ``mu_p`` as 0 (a formula written with the mean set to zero), and
        ``p`` as ``"N(0, 1)"`` when no p symbol appears.
    """

    formula: sp.Expr
    verdict: str
    reinterpretation: dict = field(default_factory=dict)
    counterexample: dict | None = None
    assumed: dict = field(default_factory=dict)

    @property
    def correct(self) -> bool:
        """True when the formula is KL(q || p) exactly as written."""
        return self.verdict == "kl_qp" and not self.reinterpretation

    def describe(self) -> str:
        """A one-line summary, e.g. ``"kl_qp if sigma is var"``."""
        text = self.verdict
        if self.reinterpretation:
            text += " if " + ", ".join(f"{k} is {v}" for k, v in self.reinterpretation.items())
        return text


def _parse(formula) -> sp.Expr:
    if isinstance(formula, sp.Basic):
        expr = formula
        unknown = {s.name for s in expr.free_symbols} - set(SYMBOLS)
        if unknown:
            raise ValueError(f"unknown name(s) {sorted(unknown)}; allowed symbols: {sorted(SYMBOLS)}")
        return expr.subs({s: SYMBOLS[s.name] for s in expr.free_symbols})
    if not isinstance(formula, str):
        raise ValueError(f"formula must be a string or a sympy expression, got {type(formula).__name__}")
    text = formula.strip()
    if not text:
        raise ValueError("formula is empty")
    # Whitelist every token before sympy's parser sees the text: only the
    # documented names, numbers, arithmetic operators, parentheses and commas.
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError) as exc:
        raise ValueError(f"formula has a syntax error: {exc}") from None
    allowed_ops = {"+", "-", "*", "/", "**", "^", "(", ")", ","}
    for tok in tokens:
        if tok.type in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER, tokenize.INDENT, tokenize.DEDENT):
            continue
        if tok.type == tokenize.NAME:
            if keyword.iskeyword(tok.string) or (tok.string not in SYMBOLS and tok.string not in FUNCTIONS):
                raise ValueError(
                    f"unknown name {tok.string!r}; allowed symbols: {sorted(SYMBOLS)}, "
                    f"functions: {sorted(FUNCTIONS)}"
                )
        elif tok.type == tokenize.NUMBER:
            if tok.string.lower().endswith("j"):
                raise ValueError(f"complex literal {tok.string!r} is not allowed")
        elif tok.type == tokenize.OP:
            if tok.string not in allowed_ops:
                raise ValueError(f"operator {tok.string!r} is not allowed in a formula")
        else:
            raise ValueError(f"unexpected token {tok.string!r} in formula")
    namespace = {"__builtins__": {}, **SYMBOLS, **FUNCTIONS,
                 "Integer": sp.Integer, "Float": sp.Float, "Rational": sp.Rational, "Symbol": sp.Symbol}
    try:
        expr = parse_expr(text, local_dict={}, global_dict=namespace,
                          transformations=standard_transformations + (convert_xor,))
    except (SyntaxError, TypeError, ValueError) as exc:
        raise ValueError(f"formula could not be parsed: {exc}") from None
    if not isinstance(expr, sp.Expr):
        raise ValueError(f"formula must be a single expression, got {expr!r}")
    return expr


def _targets(has_p: bool, has_mu: bool = True, has_mu_p: bool = True):
    m_q = _MU if has_mu else sp.Integer(0)
    m_p = _MU_P if (has_p and has_mu_p) else sp.Integer(0)
    s_p = _S_P if has_p else sp.Integer(1)
    qp = _kl(m_q, _S_Q, m_p, s_p)
    pq = _kl(m_p, s_p, m_q, _S_Q)
    return dict(zip(_VERDICTS, (qp, pq, -qp, -pq)))


def _interpretations(expr: sp.Expr):
    """Yield (reinterpretation, substitution) pairs, the literal reading first."""
    scale_names = sorted(n for n in (s.name for s in expr.free_symbols) if n in _SCALE)
    options = []
    for name in scale_names:
        written = _SCALE[name][1]
        options.append([written] + [qty for qty in _QUANTITIES if qty != written])
    combos = sorted(itertools.product(*options), key=lambda c: sum(a != o[0] for a, o in zip(c, options)))
    for combo in combos:
        reinterp, subs = {}, {}
        for name, qty in zip(scale_names, combo):
            dist, written = _SCALE[name]
            if qty != written:
                reinterp[name] = qty
            subs[SYMBOLS[name]] = _quantity(qty, _S_Q if dist == "q" else _S_P)
        yield reinterp, subs


_SCREEN_POINTS = ({_MU: 0.3, _MU_P: -0.7, _S_Q: 0.6, _S_P: 1.7}, {_MU: -1.1, _MU_P: 0.4, _S_Q: 2.3, _S_P: 0.8})


def _screen(candidate: sp.Expr, target: sp.Expr) -> bool:
    """A fast numeric test; only candidates that pass it are decided by equivalent()."""
    diff = candidate - target
    for point in _SCREEN_POINTS:
        try:
            value = complex(diff.evalf(30, subs=point))
        except (TypeError, ValueError):
            return False
        if not abs(value) <= 1e-20 * (1 + abs(complex(target.evalf(30, subs=point)))):
            return False
    return True


_COUNTEREXAMPLE_POINTS = (
    {"mu": 0.5, "sigma": 0.5, "mu_p": 0.0, "sigma_p": 1.0},
    {"mu": 1.0, "sigma": 2.0, "mu_p": 0.0, "sigma_p": 1.0},
    {"mu": 0.0, "sigma": 3.0, "mu_p": 1.0, "sigma_p": 0.5},
)


def _counterexample(expr: sp.Expr, has_p: bool, assumed: dict) -> dict:
    """A parameter point where the formula, read as written, differs from KL(q || p)."""
    kl_qp = _targets(has_p)["kl_qp"]
    for base in _COUNTEREXAMPLE_POINTS:
        base = {**base, **{k: 0.0 for k in assumed if k in ("mu", "mu_p")}}
        true = {_MU: base["mu"], _S_Q: base["sigma"], _MU_P: base["mu_p"], _S_P: base["sigma_p"]}
        point, subs = {}, {}
        for sym in sorted(expr.free_symbols, key=lambda s: s.name):
            name = sym.name
            if name in ("mu", "mu_p"):
                value = base[name]
            else:
                dist, written = _SCALE[name]
                std = base["sigma"] if dist == "q" else base["sigma_p"]
                value = float(mp.mpf(_quantity(written, sp.Float(std)).evalf(30)))
            point[name] = value
            subs[sym] = sp.Rational(value)  # the exact binary value, so log(1.0) is exactly 0
        exact_true = {k: sp.Rational(v) for k, v in true.items()}
        with mp.workdps(30):
            got = complex(expr.subs(subs).evalf(30))
            want = float(kl_qp.subs(exact_true).evalf(30))
        if abs(got - want) > 1e-9 * (1 + abs(want)):
            shown = {k: v for k, v in base.items() if has_p or k in ("mu", "sigma")}
            formula_value = got.real if abs(got.imag) < 1e-15 else got
            return {"point": point, "distributions": shown, "formula": formula_value, "kl_qp": want}
    return {"point": {}, "distributions": {}, "formula": None, "kl_qp": None}  # pragma: no cover


def check_formula(formula) -> FormulaCheck:
    """Classify a KL formula for univariate Gaussians.

    Parameters
    ----------
    formula : str or sympy.Expr
        The formula, in these names:

        * for q: ``mu``, ``sigma`` (standard deviation), ``var`` (variance),
          ``log_var`` (log-variance, natural log);
        * for p: ``mu_p``, ``sigma_p``, ``var_p``, ``log_var_p``;
        * where no p symbol appears, p = N(0, 1); where ``mu`` (or
          ``mu_p``) does not appear, that mean is 0, as in formulas written
          for the mean-zero case (recorded in ``assumed``);
        * functions ``log`` (natural), ``log10``, ``exp``, ``sqrt``; operators
          ``+ - * / **`` (``^`` is read as a power).

        A string is tokenised and every name checked against this list before
        sympy's parser (``parse_expr``, with no builtins) sees it, so no other
        name, attribute or call can run; kltools never calls ``eval``.

    Returns
    -------
    FormulaCheck
        ``verdict`` is ``"kl_qp"`` (KL(q || p), the reverse KL of VI and
        RLHF), ``"kl_pq"`` (KL(p || q), the forward KL), ``"neg_kl_qp"``,
        ``"neg_kl_pq"`` or ``"no_match"``.  ``reinterpretation`` is empty if
        the formula is right as written, else it maps symbols to what they
        must denote (for example ``{"sigma": "var"}``).  For ``"no_match"``,
        ``counterexample`` gives a valid point, the formula's value there and
        the true KL(q || p).  The literal reading is tried first; among
        readings, KL(q || p) first.

    Raises
    ------
    ValueError
        If the formula is empty, has a syntax error, or uses a name, operator
        or literal outside the list above.  The message says which.

    Notes
    -----
    KL(q || p) is the book's equation ``eq-kl-normal`` (chapter "The KL
    between two univariate Gaussians"); the chapter "A formula audit" runs
    published formulas through this checker.

    Examples
    --------
    >>> from kltools import check_formula
    >>> check_formula("-0.5*(1 + log_var - mu**2 - exp(log_var))").verdict
    'kl_qp'
    >>> r = check_formula("-0.5*(log(sigma) - sigma - mu**2 + 1)")
    >>> r.verdict, r.reinterpretation
    ('kl_qp', {'sigma': 'var'})
    >>> check_formula("0.5*(sigma**2 - 1 - log10(sigma**2))").verdict
    'no_match'
    """
    expr = _parse(formula)
    expr = sp.nsimplify(expr, rational=True) if expr.has(sp.Float) else expr
    names = {s.name for s in expr.free_symbols}
    has_p = any(n.endswith("_p") for n in names)
    has_mu, has_mu_p = "mu" in names, "mu_p" in names
    assumed = {} if has_mu else {"mu": 0}
    if has_p and not has_mu_p:
        assumed["mu_p"] = 0
    if not has_p:
        assumed["p"] = "N(0, 1)"
    targets = _targets(has_p, has_mu, has_mu_p)
    for reinterp, subs in _interpretations(expr):
        candidate = expr.subs(subs)
        for verdict, target in targets.items():
            if _screen(candidate, target) and equivalent(candidate, target):
                return FormulaCheck(expr, verdict, reinterp, None, assumed)
    return FormulaCheck(expr, "no_match", {}, _counterexample(expr, has_p, assumed), assumed)
