"""Deciding equality for all admissible values, within bounded time; and a readable canonical form.

sympy cannot be interrupted inside ``expand``, ``simplify`` or ``N``.  So :func:`equivalent`,
:func:`canonical` and :func:`counterexample` first estimate the work with the formula checker's
bounds (:mod:`kltools.checker.bounds`), skip a proof that would be too large, refuse an
expansion or a value that would be, and check a CPU-time deadline between steps: no call runs
past :data:`TIME_LIMIT` seconds, and a refusal is a ``ValueError`` that says why.
"""

from __future__ import annotations

import signal
import threading
import time

import numpy as np
import sympy as sp

from ..checker import bounds
from .._validate import check_seed
from ._inputs import as_expr, as_matrix

__all__ = ["canonical", "half_log_form", "counterexample", "equivalent", "matrices_equivalent"]

TIME_LIMIT = 2.0  # seconds of wall time promised to the caller
CPU_LIMIT = 1.4  # seconds of CPU time after which sympy is interrupted (where it can be)
MAX_EXP_ARGUMENT = 10**4  # |argument| of an exp evaluated at a point: exp(1e4) ~ 1e4343
MAX_POWER = 1000  # |exponent| of a power evaluated at a point
MAX_CANONICAL_TERMS = 200  # terms of the expanded expression that canonical() factors
MAX_SIMPLIFY_TERMS = 100  # simplify() is attempted only on a difference this small once expanded
MAX_SIMPLIFY_WORK = 2000
PROOF_SECONDS = 0.9  # CPU time given to sympy's proof; the rest of CPU_LIMIT is the sampling's
_N_POINTS = 24
_DIGITS = 50
_REL_TOL = sp.Float(10) ** (-30)


class _Budget:
    """The CPU deadline of one call, with a message that names the function."""

    def __init__(self, what: str):
        self.what = what
        self.deadline = bounds.Deadline(TIME_LIMIT)
        self.start = time.process_time()

    def remaining(self) -> float:
        """CPU time left of CPU_LIMIT (the margin to TIME_LIMIT is for the work after it)."""
        return max(0.01, CPU_LIMIT - (time.process_time() - self.start))

    def check(self):
        try:
            self.deadline.check()
        except ValueError:
            self.fail()

    def fail(self):
        raise ValueError(
            f"{self.what}: could not decide within its time limit of "
            f"{TIME_LIMIT:g} s; simplify the expressions and try again"
        ) from None


def _expandable(expr) -> bool:
    """Whether sympy's expand() stays small on ``expr`` (the checker's static estimate)."""
    return bounds.expansion_work(expr) <= bounds.MAX_EXPANSION and bounds.polynomial_sized(expr)


def canonical(expr: sp.Expr) -> sp.Expr:
    """A readable canonical form: one combined log, then the rational part, then constants.

    * Logs (including constants such as ``log(2)/2``) are expanded and
      recombined into one log with sympy's assumption-respecting
      ``expand_log``/``logcombine`` (never ``force=True``), so the form is
      valid for every admissible parameter value.  ``(1/2) log(...)`` is
      preferred to a square root inside the log.
    * In the rational part, the terms in the real (mean) symbols only are
      factored, which turns ``mu_1**2 - 2*mu_1*mu_2 + mu_2**2`` into
      ``(mu_1 - mu_2)**2``.
    * Rational constants come last.

    Parameters
    ----------
    expr : sympy.Expr or str
        A string is read by kltools' own whitelisting parser, never evaluated.

    Returns
    -------
    sympy.Expr
        An expression equal to ``expr`` for all admissible symbol values.

    Raises
    ------
    ValueError
        If an argument is not a sympy expression, a real number or a formula string in the
        allowed names and functions; if the work would exceed the bounds (an expansion of more
        than 2000 terms, an exp() of an argument above 1e4 at a sample point); or if the call
        would run past :data:`TIME_LIMIT` (2 s).  The message says which.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import canonical, mu1, mu2, sigma1, sigma2
    >>> square = mu1**2 - 2*mu1*mu2 + mu2**2
    >>> canonical(sp.log(sigma2) - sp.log(sigma1) + square / (2 * sigma2**2))
    log(sigma_2/sigma_1) + (mu_1 - mu_2)**2/(2*sigma_2**2)
    """
    budget = _Budget("canonical")
    expr = as_expr(expr, "expr")
    if bounds.expansion_work(expr) > bounds.MAX_EXPANSION:
        raise ValueError(
            f"canonical: expanding expr would create more than {bounds.MAX_EXPANSION} terms"
        )
    if not bounds.polynomial_sized(expr):
        raise ValueError(
            "canonical: expr has a power above 16, or an exp() whose coefficients "
            "exceed 50, which sympy cannot simplify in bounded time"
        )
    form = _within(budget.remaining(), lambda: _canonical_form(expr, budget))
    if form is None:
        raise ValueError(
            f"canonical: could not put expr in canonical form within its time limit "
            f"of {TIME_LIMIT:g} s"
        )
    return form


def _canonical_form(expr, budget: _Budget) -> sp.Expr:
    expanded = sp.expand(sp.expand_log(expr))
    budget.check()
    if len(sp.Add.make_args(expanded)) > MAX_CANONICAL_TERMS:
        raise ValueError(
            f"canonical: expr has {len(sp.Add.make_args(expanded))} terms once "
            f"expanded; at most {MAX_CANONICAL_TERMS} are put in canonical form"
        )
    logs, rest, consts = [], [], []
    for term in sp.Add.make_args(expanded):
        if term.has(sp.log):
            logs.append(term)
        elif term.free_symbols:
            rest.append(term)
        else:
            consts.append(term)
    logs = _combine_logs(sp.Add(*logs))
    budget.check()
    return logs + _readable_rational(sp.Add(*rest)) + sp.Add(*consts)


def _combine_logs(logs: sp.Expr) -> sp.Expr:
    if logs == 0:
        return sp.Integer(0)
    plain = sp.logcombine(logs)
    if not any(
        isinstance(a, sp.Pow) and a.exp == sp.Rational(1, 2) for a in sp.preorder_traversal(plain)
    ):
        return plain
    halved = sp.logcombine(sp.expand(2 * logs))
    return (
        sp.Mul(sp.Rational(1, 2), halved, evaluate=False) if isinstance(halved, sp.log) else plain
    )


def _readable_rational(rest: sp.Expr) -> sp.Expr:
    if rest == 0:
        return sp.Integer(0)
    num, den = sp.fraction(sp.together(rest))
    terms = sp.Add.make_args(sp.expand(num))
    in_means = [
        t for t in terms if t.free_symbols and not any(s.is_positive for s in t.free_symbols)
    ]
    others = [t for t in terms if t not in in_means]
    return (sp.factor(sp.Add(*in_means)) + sp.Add(*others)) / den


def half_log_form(expr: sp.Expr) -> sp.Expr:
    r"""Write ``expr`` as :math:`\tfrac12 \log(\ldots)`, e.g. the entropy as ½ log(2πeσ²).

    Parameters
    ----------
    expr : sympy.Expr
        A sum of logs and constants (the exponential of ``2 * expr`` must
        simplify to a product).

    Returns
    -------
    sympy.Expr
        ``log(exp(2 expr)) / 2`` with the argument simplified; equal to
        ``expr`` whenever the argument is positive, which :func:`equivalent`
        can confirm.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import half_log_form, sigma
    >>> half_log_form(sp.log(sigma) + sp.log(2 * sp.pi) / 2 + sp.Rational(1, 2))
    log(2*E*pi*sigma**2)/2
    """
    expr = as_expr(expr, "expr")
    return sp.log(sp.simplify(sp.powsimp(sp.exp(sp.expand(2 * expr))))) / 2


def _sample_value(sym: sp.Symbol, rng: np.random.Generator) -> sp.Expr:
    """A random admissible value for ``sym``, as an exact rational."""
    if sym.is_positive or sym.is_nonnegative:
        value = 10 ** rng.uniform(-1.5, 1.5)
    else:  # real or unrestricted symbols: cover both signs
        value = rng.uniform(-3.0, 3.0)
    return sp.Rational(repr(float(value)))


def _too_large(value, limit) -> bool:
    return value.is_number and value.is_finite is not False and abs(value) > limit


def _in_range(expr: sp.Expr, point: dict, budget: _Budget) -> bool:
    """Whether every exp() argument and every power at ``point`` is small enough to evaluate.

    They are evaluated innermost first, at 15 digits and with floating-point substitution, so
    that no exact value with an astronomical exponent (exp(exp(4e40)), r**(10**10)) is built.
    """
    for node in sp.postorder_traversal(expr):
        if isinstance(node, sp.exp):
            checked, limit = node.args[0], MAX_EXP_ARGUMENT
        elif node.is_Pow and not (node.exp.is_Integer and abs(node.exp) <= MAX_POWER):
            checked, limit = node.exp, MAX_POWER
        else:
            continue
        budget.check()
        if _too_large(sp.re(checked.evalf(15, subs=point)), limit):
            return False
    return True


def _values_at(a, b, point: dict, budget: _Budget):
    """(a, b) at ``point`` to 50 digits; None if undefined there, "range" if too large."""
    if not (_in_range(a, point, budget) and _in_range(b, point, budget)):
        return "range"
    # doit() first: display helpers (half, frac) wrap numbers in UnevaluatedExpr, which N keeps
    va, vb = (sp.N(e.doit().subs(point), _DIGITS) for e in (a, b))
    bad = (sp.zoo, sp.nan, sp.oo)
    if not (va.is_number and vb.is_number) or va.has(*bad) or vb.has(*bad):
        return None
    return va, vb


def _search(a, b, seed: int, budget: _Budget) -> dict | None:
    """The first sampled point where a and b differ (see :func:`counterexample`)."""
    found = _within(budget.remaining(), lambda: _sample(a, b, seed, budget), default=_TIMED_OUT)
    if found is _TIMED_OUT:
        budget.fail()
    return found


def _sample(a, b, seed: int, budget: _Budget) -> dict | None:
    symbols = sorted(a.free_symbols | b.free_symbols, key=lambda s: s.name)
    rng = np.random.default_rng(seed)
    out_of_range = 0
    for _ in range(_N_POINTS):
        budget.check()
        point = {s: _sample_value(s, rng) for s in symbols}
        values = _values_at(a, b, point, budget)
        if values == "range":
            out_of_range += 1
            continue
        if values is None:
            continue
        va, vb = values
        scale = max(sp.Integer(1), abs(va), abs(vb))
        if abs(va - vb) > _REL_TOL * scale:
            return {"point": point, "a": va, "b": vb}
    if out_of_range:
        raise ValueError(
            f"{budget.what}: at {out_of_range} of {_N_POINTS} points an exp() has "
            f"an argument above {MAX_EXP_ARGUMENT} or a power an exponent above "
            f"{MAX_POWER}; such values cannot be compared"
        )
    return None


def counterexample(a, b, *, seed: int = 0) -> dict | None:
    """A point where ``a`` and ``b`` differ, or ``None`` if none was found.

    Each free symbol is drawn from its admissible set: positive symbols from
    [10^-1.5, 10^1.5] (log-uniform), real ones from [-3, 3] (both signs), so
    that a log identity that only holds for positive arguments is caught.
    Values are compared at 50 significant digits, as complex numbers.

    Parameters
    ----------
    a, b : sympy.Expr or str
        A string is read by kltools' own whitelisting parser (names such as
        ``mu``, ``sigma_1``, ``log_var``; ``exp``, ``log``, ``sqrt``), never
        evaluated; anything else raises ValueError.
    seed : int
        Seed for the (deterministic) choice of points.

    Returns
    -------
    dict or None
        ``{"point": {symbol: value}, "a": value_a, "b": value_b}`` for the first
        disagreeing point, or ``None``.

    Raises
    ------
    ValueError
        If an argument is not a sympy expression, a real number or a formula string in the
        allowed names and functions; if the work would exceed the bounds (an expansion of more
        than 2000 terms, an exp() of an argument above 1e4 at a sample point); or if the call
        would run past :data:`TIME_LIMIT` (2 s).  The message says which.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import counterexample
    >>> t = sp.Symbol("t", real=True)
    >>> counterexample(sp.log(t**2), 2 * sp.log(t)) is not None
    True
    """
    a, b, seed = as_expr(a, "a"), as_expr(b, "b"), check_seed(seed)
    return _search(a, b, seed, _Budget("counterexample"))


def equivalent(a, b) -> bool:
    """Decide whether two sympy expressions are equal for all admissible parameter values.

    The admissible values are those allowed by the symbols' assumptions
    (positive standard deviations, real means).  The decision has two parts:

    1. sympy tries to prove it: ``simplify(expand_log(a - b)) == 0``.  This
       uses the symbols' assumptions and never ``force=True``, so
       ``log(sigma**2) = 2*log(sigma)`` is proved for a positive ``sigma``
       but ``log(t**2) = 2*log(t)`` is not for a merely real ``t``.
    2. If sympy cannot prove it, :func:`counterexample` evaluates both sides
       at 24 random admissible points with 50 digits, as complex numbers.
       Any disagreement means *not equivalent* (with a real ``t``,
       ``log(t**2)`` and ``2*log(t)`` differ by 2 pi i at t < 0); agreement to
       30 digits at every point is taken as equivalence (a non-zero analytic
       difference that vanishes at 24 random points does not occur in
       practice).

    Parameters
    ----------
    a, b : sympy.Expr or str
        A string is read by kltools' own whitelisting parser, never evaluated
        (see :func:`counterexample`).

    Returns
    -------
    bool

    Raises
    ------
    ValueError
        If an argument is not a sympy expression, a real number or a formula string in the
        allowed names and functions; if the work would exceed the bounds (an expansion of more
        than 2000 terms, an exp() of an argument above 1e4 at a sample point); or if the call
        would run past :data:`TIME_LIMIT` (2 s).  The message says which.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import equivalent, sigma
    >>> equivalent(sp.log(sigma**2), 2 * sp.log(sigma))
    True
    >>> t = sp.Symbol("t", real=True)
    >>> equivalent(sp.log(t**2), 2 * sp.log(t))
    False
    """
    a, b = as_expr(a, "a"), as_expr(b, "b")
    budget = _Budget("equivalent")
    if _proved_equal(a, b, budget):
        return True  # proved under the symbols' assumptions
    return _search(a, b, 0, budget) is None


def _proved_equal(a, b, budget: _Budget) -> bool:
    """sympy's proof that a - b = 0, attempted only where its work is bounded.

    ``expand`` is tried where the checker's estimate allows it, and ``simplify`` (which cannot
    be bounded from outside) only on a small difference.  Where no proof is attempted, the
    decision falls to the comparison at random points.
    """
    difference = sp.expand_log(a - b)
    if difference == 0:
        return True
    if not _expandable(difference):
        return False

    def attempt() -> bool:
        expanded = sp.expand(difference)
        if expanded == 0:
            return True
        small = (
            len(sp.Add.make_args(expanded)) <= MAX_SIMPLIFY_TERMS
            and bounds.expansion_work(difference) <= MAX_SIMPLIFY_WORK
        )
        return small and sp.simplify(difference) == 0

    proved = _within(PROOF_SECONDS, attempt) is True
    budget.check()
    return proved


class _Interrupted(Exception):
    pass


_TIMED_OUT = object()


def _within(seconds: float, call, default=None):
    """``call()``, interrupted after ``seconds`` of CPU time (then ``default``).

    sympy's expand and simplify cannot be bounded from their input alone, so where a CPU timer
    signal is available (the main thread of a POSIX process, no other such timer running) they
    are stopped by one; elsewhere the static bounds above are the only guard.  CPU time, not
    wall time, so that the outcome does not depend on the machine's load.
    """
    usable = (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_VIRTUAL)[0] == 0
    )
    if not usable:
        return call()

    def interrupt(signum, frame):
        raise _Interrupted

    previous = signal.signal(signal.SIGVTALRM, interrupt)
    signal.setitimer(signal.ITIMER_VIRTUAL, seconds)
    try:
        return call()
    except _Interrupted:
        return default
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)


def matrices_equivalent(a, b) -> bool:
    """Decide whether two sympy matrices are equal entry by entry, for all admissible values.

    Parameters
    ----------
    a, b : sympy.Matrix
        Matrices of the same shape; each pair of entries is compared with
        :func:`equivalent`.

    Returns
    -------
    bool
        ``False`` also when the shapes differ.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.symbolic import matrices_equivalent, sigma
    >>> matrices_equivalent(sp.Matrix([[sp.log(sigma**2)]]), sp.Matrix([[2 * sp.log(sigma)]]))
    True
    >>> matrices_equivalent(sp.eye(2), sp.Matrix([[1, 0], [0, 2]]))
    False
    """
    a, b = sp.Matrix(as_matrix(a, "a", explicit=True)), sp.Matrix(as_matrix(b, "b", explicit=True))
    return a.shape == b.shape and all(equivalent(u, w) for u, w in zip(a, b))
