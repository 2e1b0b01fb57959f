"""The cheat sheet: every closed form of the book in textbook form, and the checks of its snippets.

The forms are derived from the normal moments of q (sympy) and typed as a textbook prints
them; ``tests/test_chapter_cheat_sheet.py`` asserts each typed form equal to the derived
one.  The ``check_*`` functions test the page's numpy snippets against kltools and a
50-digit reference, and return the verdicts the page prints.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import sympy as sp

from kltools.accuracy import kl_normal_grid, kl_std_normal_grid, reference_values, ulp_errors
from kltools.symbolic import (Display, Expectation, add, fisher_information, frac, latex, mu,
                              mu1, mu2, mul, normal_pdf, scaled, sigma, sigma1, sigma2, x)

__all__ = [
    "r", "delta", "v", "IN_RATIOS", "LINE_STARTS", "derived", "forms", "broken", "diagonal_sum",
    "matrix_forms",
    "explicit", "unit_prior_gradients", "fisher_rows", "estimator_facts", "exact_k3",
    "k3_error_analysis", "check_kl_normal_snippet", "check_unit_prior_snippet",
    "check_kl_mvn_snippet", "check_gradient_snippet", "check_k3_snippet",
]

_half = sp.Rational(1, 2)
r = sp.Symbol("r", positive=True)
delta = sp.Symbol("delta", real=True)
v = sp.Symbol("v", real=True)
#: r and delta written out in the means and standard deviations.
IN_RATIOS = {r: sigma1 / sigma2, delta: (mu1 - mu2) / sigma2}
_UNIT = {mu1: mu, sigma1: sigma, mu2: 0, sigma2: 1}
#: Where each univariate form of :func:`forms` breaks for a phone: the terms that begin a line.
LINE_STARTS = {"cs_entropy": (), "cs_cross_entropy": (1,), "cs_kl_sigma": (1,),
               "cs_reverse": (1,), "cs_kl_var": (1,), "cs_kl_logvar": (3,), "cs_kl_ratio": (1,),
               "cs_unit_sigma": (0,), "cs_unit_logvar": (0,)}


def derived():
    """The entropy, the cross-entropy and both KLs, evaluated from the normal moments.

    Parameters
    ----------
    None

    Returns
    -------
    dict
        ``H_q``, ``H_qp``, ``KL`` (KL(q || p)), ``KL_pq`` (KL(p || q)), ``KL_unit``
        (KL(N(mu, sigma^2) || N(0, 1))): sympy expressions in the symbols of
        :mod:`kltools.symbolic`, in nats.

    Examples
    --------
    >>> from kltools.chapters.cheat_sheet import derived
    >>> from kltools.symbolic import mu, sigma
    >>> derived()["KL_unit"].subs({mu: 0, sigma: 1})
    0
    """
    q, p = normal_pdf(x, mu1, sigma1), normal_pdf(x, mu2, sigma2)
    kl = Expectation(sp.log(q) - sp.log(p), x, mu1, sigma1).doit()
    return {"H_q": Expectation(-sp.log(q), x, mu1, sigma1).doit(),
            "H_qp": Expectation(-sp.log(p), x, mu1, sigma1).doit(),
            "KL": kl,
            "KL_pq": Expectation(sp.log(p) - sp.log(q), x, mu2, sigma2).doit(),
            "KL_unit": kl.subs(_UNIT)}


def forms(exprs):
    """The page's univariate closed forms, typed as a textbook prints them.

    Parameters
    ----------
    exprs : dict
        The output of :func:`derived`.

    Returns
    -------
    dict
        Glue name to (left-hand side in LaTeX, the typed form, the derived expression it
        equals, and the substitution, possibly empty, that writes the typed form's
        symbols in mu_1, sigma_1, mu_2, sigma_2).

    Examples
    --------
    >>> from kltools.chapters.cheat_sheet import derived, forms
    >>> list(forms(derived()))[:2]
    ['cs_entropy', 'cs_cross_entropy']
    """
    d12 = (mu1 - mu2) ** 2
    w1 = sp.Symbol(r"\sigma_1^2", positive=True)
    w2 = sp.Symbol(r"\sigma_2^2", positive=True)
    v1, v2 = sp.symbols("v_1 v_2", real=True)
    kl = exprs["KL"]
    return {
        "cs_entropy": (r"H(q)", scaled(_half, sp.log(mul(2, sp.pi, sp.E, sigma1**2))),
                       exprs["H_q"], {}),
        "cs_cross_entropy": (r"H(q, p)", add(scaled(_half, sp.log(mul(2, sp.pi, sigma2**2))),
                                             frac(add(sigma1**2, d12), 2 * sigma2**2)),
                             exprs["H_qp"], {}),
        "cs_kl_sigma": (r"\mathrm{KL}(q\,\Vert\,p)",
                        add(sp.log(sigma2 / sigma1), frac(add(sigma1**2, d12), 2 * sigma2**2),
                            -_half), kl, {}),
        "cs_reverse": (r"\mathrm{KL}(p\,\Vert\,q)",
                       add(sp.log(sigma1 / sigma2), frac(add(sigma2**2, d12), 2 * sigma1**2),
                           -_half), exprs["KL_pq"], {}),
        "cs_kl_var": (r"\mathrm{KL}(q\,\Vert\,p)",
                      scaled(_half, add(sp.log(frac(w2, w1)), frac(add(w1, d12), w2), -1)),
                      kl, {w1: sigma1**2, w2: sigma2**2}),
        "cs_kl_logvar": (r"\mathrm{KL}(q\,\Vert\,p)",
                         scaled(_half, add(v2, -v1, -1, sp.exp(add(v1, -v2)),
                                           mul(d12, sp.exp(-v2)))),
                         kl, {v1: sp.log(sigma1**2), v2: sp.log(sigma2**2)}),
        "cs_kl_ratio": (r"\mathrm{KL}(q\,\Vert\,p)",
                        add(delta**2 / 2, scaled(_half, add(r**2, -1)), -sp.log(r)),
                        kl, IN_RATIOS),
        "cs_unit_sigma": (r"\mathrm{KL}(q\,\Vert\,\mathcal N(0,1))",
                          add(scaled(_half, add(mu**2, sigma**2, -1)), -sp.log(sigma)),
                          exprs["KL_unit"], {}),
        "cs_unit_logvar": (r"\mathrm{KL}(q\,\Vert\,\mathcal N(0,1))",
                           scaled(_half, add(mu**2, sp.exp(v), -1, -v)),
                           exprs["KL_unit"], {v: sp.log(sigma**2)}),
    }


def _bracketed(expr):
    """(factor, sum) of a ``scaled(factor, add(...))``, or (None, expr)."""
    if (isinstance(expr, sp.Mul) and len(expr.args) == 2
            and isinstance(expr.args[0], sp.UnevaluatedExpr) and isinstance(expr.args[1], sp.Add)):
        return expr.args
    return None, expr


def _pieces(expr, starts):
    """The LaTeX lines of ``expr``, cut before the terms ``starts`` of its (bracketed) sum."""
    cuts = sorted(set(starts) - {0})
    if not cuts:
        return [latex(expr)]
    factor, body = _bracketed(expr)
    if not isinstance(body, sp.Add) or cuts[-1] >= len(body.args):
        raise ValueError(f"starts: {cuts} are not inner terms of a sum of {len(body.args)} terms")
    ends = [0, *cuts, len(body.args)]
    lines = [latex(add(*body.args[a:b])) for a, b in zip(ends, ends[1:])]
    lines[1:] = ["- " + t[1:].lstrip() if t.startswith("-") else "+ " + t for t in lines[1:]]
    if factor is not None:
        size = "bigg" if r"\frac" in latex(body) else "Big"
        lines[0] = rf"{latex(factor)} \{size}l({lines[0]}"
        lines[-1] = rf"{lines[-1]}\{size}r)"
    return lines


def broken(*rows):
    r"""Equations as one ``aligned`` block whose lines fit a phone: long sums over several lines.

    Each line is printed from the terms of the expression itself (:func:`latex`), so the
    block shows exactly the expression that is asserted; a continuation line starts with
    its operator, indented by a ``\quad``; every line starts at the left.

    Parameters
    ----------
    *rows : tuple
        ``(lhs, expr)``, ``(lhs, expr, starts)`` or ``(lhs, expr, starts, note)``: the
        left-hand side in LaTeX, a sympy expression, the indices of the terms of its sum
        (of the sum in brackets, for ``scaled(c, add(...))``) that begin a new line, 0 for
        the right-hand side on a line of its own below ``lhs``, and a plain-text note
        (``$...$`` math allowed) shown on the line below the row.

    Returns
    -------
    kltools.symbolic.Display
        The block, with the repr ``<Display: n equations>``.

    Raises
    ------
    ValueError
        If ``starts`` names a term that does not begin an inner part of a sum.

    Examples
    --------
    >>> from kltools.chapters.cheat_sheet import broken
    >>> from kltools.symbolic import add, mu, sigma
    >>> print(broken(("f", add(mu, sigma, -1), (2,))).latex())
    \begin{aligned}
    &f = \mu + \sigma \\
    &\quad {} - 1
    \end{aligned}
    """
    out = []
    for lhs, expr, starts, note in ((tuple(row) + ((), ""))[:4] for row in rows):
        lines = _pieces(expr, starts)
        if 0 in starts:
            out += [f"&{lhs}", rf"&\quad = {lines[0]}"]
        else:
            out.append(f"&{lhs} = {lines[0]}")
        out += [rf"&\quad {{}} {t}" for t in lines[1:]]  # {}: a binary + or -
        out += [rf"&\quad \text{{{note}}}"] if note else []
    n = len(rows)
    body = "\\begin{aligned}\n" + " \\\\\n".join(out) + "\n\\end{aligned}"
    return Display(body, f"<Display: {n} equation{'' if n == 1 else 's'}>")


def diagonal_sum():
    """The KL of a diagonal Gaussian to N(0, I), a sum of unit-prior terms over dimensions.

    Parameters
    ----------
    None

    Returns
    -------
    (sympy.Sum, sympy expression, tuple)
        The sum over j = 1..d, its term, and the indexed symbols (mu_j, v_j, j).

    Examples
    --------
    >>> from kltools.chapters.cheat_sheet import diagonal_sum
    >>> total, term, _ = diagonal_sum()
    >>> total.limits[0][1:]
    (1, d)
    """
    j, d = sp.symbols("j d", integer=True, positive=True)
    mu_j, v_j = sp.IndexedBase(r"\mu"), sp.IndexedBase("v")
    term = scaled(_half, add(mu_j[j] ** 2, sp.exp(v_j[j]), -1, -v_j[j]))
    return sp.Sum(term, (j, 1, d)), term, (mu_j[j], v_j[j], j)


class _Quadratic(sp.Expr):
    """(a - b)^T A (a - b), a scalar shown in matrix notation; doit() on explicit matrices."""

    def doit(self, **hints):
        a, b, m = (sp.ImmutableMatrix(arg.doit()) for arg in self.args)
        return ((a - b).T * m * (a - b))[0, 0]

    def _latex(self, printer):
        a, b, m = (printer._print(arg) for arg in self.args)
        return rf"\left({a} - {b}\right)^{{\top}} {m} \left({a} - {b}\right)"


_d = sp.Symbol("d", integer=True, positive=True)
_S1, _S2 = sp.MatrixSymbol(r"\Sigma_1", _d, _d), sp.MatrixSymbol(r"\Sigma_2", _d, _d)
_m1, _m2 = sp.MatrixSymbol(r"\mu_1", _d, 1), sp.MatrixSymbol(r"\mu_2", _d, 1)


def matrix_forms():
    """KL(q || p), H(q) and H(q, p) of d-dimensional Gaussians in matrix notation.

    Parameters
    ----------
    None

    Returns
    -------
    (sympy expression, sympy expression, sympy expression)
        The KL, the entropy and the cross-entropy, in the MatrixSymbols mu_1, Sigma_1,
        mu_2, Sigma_2 of size d; :func:`explicit` evaluates them on explicit matrices.

    Examples
    --------
    >>> from kltools.chapters.cheat_sheet import explicit, matrix_forms
    >>> kl, _, _ = matrix_forms()
    >>> explicit(kl, [1], [[1]], [0], [[1]])
    1/2
    """
    trace, quad = sp.Trace(_S2.I * _S1), _Quadratic(_m2, _m1, _S2.I)
    kl = scaled(_half, add(trace, quad, -_d,
                           sp.log(frac(sp.Determinant(_S2), sp.Determinant(_S1)))))
    entropy = scaled(_half, sp.log(sp.Determinant(mul(2, sp.pi, sp.E, _S1))))
    cross = scaled(_half, add(trace, quad, mul(_d, sp.log(2 * sp.pi)),
                              sp.log(sp.Determinant(_S2))))
    return kl, entropy, cross


def explicit(expr, a, cov_a, b, cov_b):
    """A form of :func:`matrix_forms` at explicit means and covariances.

    Parameters
    ----------
    expr : sympy expression
        A matrix form.
    a, b : sequence
        The means of q and p (sympy numbers or symbols), length d.
    cov_a, cov_b : sequence of sequences
        The covariances of q and p, d x d.

    Returns
    -------
    sympy expression
        The value, with every determinant evaluated.

    Examples
    --------
    >>> from kltools.chapters.cheat_sheet import explicit, matrix_forms
    >>> explicit(matrix_forms()[0], [0, 0], [[1, 0], [0, 1]], [0, 0], [[1, 0], [0, 1]])
    0
    """
    at = {_S1: sp.ImmutableMatrix(cov_a), _S2: sp.ImmutableMatrix(cov_b),
          _m1: sp.ImmutableMatrix(a), _m2: sp.ImmutableMatrix(b), _d: len(a)}
    value = sp.sympify(expr).xreplace(at).doit()
    return value.replace(lambda n: isinstance(n, sp.Determinant), lambda n: n.arg.det())


def unit_prior_gradients(kl_unit):
    """The gradients of the unit-prior KL in four parameterizations, in textbook form.

    Parameters
    ----------
    kl_unit : sympy expression
        KL(N(mu, sigma^2) || N(0, 1)) in ``mu`` and ``sigma``.

    Returns
    -------
    dict
        Glue name to (left-hand side in LaTeX, the typed gradient, sympy's derivative),
        with respect to mu, sigma, sigma^2 and the log-variance v.

    Examples
    --------
    >>> from kltools.chapters.cheat_sheet import derived, unit_prior_gradients
    >>> unit_prior_gradients(derived()["KL_unit"])["cs_grad_0"][1]
    mu
    """
    w = sp.Symbol(r"\sigma^2", positive=True)
    return {
        "cs_grad_0": (r"\frac{\partial\,\mathrm{KL}}{\partial\mu}", mu, sp.diff(kl_unit, mu)),
        "cs_grad_1": (r"\frac{\partial\,\mathrm{KL}}{\partial\sigma}", add(sigma, -1 / sigma),
                      sp.diff(kl_unit, sigma)),
        "cs_grad_2": (r"\frac{\partial\,\mathrm{KL}}{\partial\sigma^2}",
                      scaled(_half, add(1, -1 / w)), sp.diff(kl_unit.subs(sigma, sp.sqrt(w)), w)),
        "cs_grad_3": (r"\frac{\partial\,\mathrm{KL}}{\partial v}",
                      scaled(_half, add(sp.exp(v), -1)),
                      sp.diff(kl_unit.subs(sigma, sp.exp(v / 2)), v)),
    }


def fisher_rows():
    """The Fisher information of N(mu, sigma^2) in (mu, sigma), (mu, sigma^2) and (mu, v).

    Parameters
    ----------
    None

    Returns
    -------
    list of (str, sympy.Matrix)
        The label in LaTeX and the 2 x 2 matrix, written in mu and sigma.

    Examples
    --------
    >>> from kltools.chapters.cheat_sheet import fisher_rows
    >>> fisher_rows()[0][1].tolist()
    [[sigma**(-2), 0], [0, 2/sigma**2]]
    """
    w = sp.Symbol(r"\sigma^2", positive=True)
    log_q = sp.expand_log(sp.log(normal_pdf(x, mu, sigma)))
    family = {
        r"F_{(\mu,\sigma)}": (sigma, sigma, {}),
        r"F_{(\mu,\sigma^2)}": (w, sp.sqrt(w), {w: sigma**2}),
        r"F_{(\mu,v)}": (v, sp.exp(v / 2), {v: sp.log(sigma**2)}),
    }
    rows = []
    for label, (psi, std, back) in family.items():
        info = fisher_information(log_q.subs(sigma, std), (mu, psi), x, mu, std)
        rows.append((label, sp.simplify(info.subs(back))))
    return rows


def estimator_facts():
    """Var_q[k1], the bias of k2 at r = 1 and E_q[rho^2], typed, with their derivations.

    Parameters
    ----------
    None

    Returns
    -------
    dict
        ``var_shown`` (Var k1 typed), ``E_r2`` (E_q[rho^2] typed, for r^2 > 1/2),
        ``log_rho`` (the log-ratio in z, r, delta), ``z``, and from the normal moments
        ``kl_rd`` (the KL), ``var_k1`` and ``bias_k2``, all in r and delta.

    Examples
    --------
    >>> from kltools.chapters.cheat_sheet import delta, estimator_facts, r
    >>> facts = estimator_facts()
    >>> facts["bias_k2"].subs({r: 1, delta: 0})
    0
    """
    z = sp.Symbol("z", real=True)
    log_rho = sp.log(r) + z**2 / 2 - (r * z + delta) ** 2 / 2
    kl_rd = Expectation(-log_rho, z, 0, 1).doit()
    return {
        "z": z, "log_rho": log_rho, "kl_rd": kl_rd,
        "var_k1": Expectation((log_rho + kl_rd) ** 2, z, 0, 1).doit(),
        "bias_k2": Expectation(log_rho**2 / 2, z, 0, 1).doit() - kl_rd,
        "var_shown": add(mul(r**2, delta**2), scaled(_half, add(1, -(r**2)) ** 2)),
        "E_r2": frac(mul(r**2, sp.exp(frac(delta**2, add(2 * r**2, -1)))),
                     sp.sqrt(add(2 * r**2, -1))),
    }


def _g_mp(s):
    return mp.expm1(s) - s


def exact_k3(t):
    """k3 = expm1(t) - t at a float, with the digits the subtraction cancels added back.

    Parameters
    ----------
    t : float
        The log-ratio, a float of any precision.

    Returns
    -------
    mpmath.mpf
        expm1(t) - t at 50 significant digits.

    Examples
    --------
    >>> from kltools.chapters.cheat_sheet import exact_k3
    >>> float(exact_k3(1e-6))
    5.000001666667083e-13
    """
    t = mp.mpf(float(t))
    lost = 0 if t == 0 else max(0, int(-mp.log10(abs(t))))
    with mp.workdps(50 + lost):
        return _g_mp(t)


def k3_error_analysis(threshold=0.5):
    """The error analysis of the cheat sheet's k3 snippet, at 50 digits (mpmath).

    Parameters
    ----------
    threshold : float
        The |t| below which the snippet sums the series.

    Returns
    -------
    dict
        ``R``, the largest |expm1(s)|/g(s) at |s| = threshold (the direct branch's
        magnification); ``terms``, the last power of the series for a float64 and a
        float32 result (truncation at most u/2); ``b_series``, the series branch's bound
        in ulps; ``bound``, the whole snippet's bound in ulps when expm1 is within 1 ulp.

    Examples
    --------
    >>> from kltools.chapters.cheat_sheet import k3_error_analysis
    >>> k3_error_analysis()["bound"]
    10
    """
    with mp.workdps(50):
        ends = (mp.mpf(threshold), -mp.mpf(threshold))
        magnification = max(abs(mp.expm1(s)) / _g_mp(s) for s in ends)

        def trunc(n):  # relative error of the series cut after s^n
            return max(abs(_g_mp(s) - mp.fsum(s**k / mp.factorial(k) for k in range(2, n + 1)))
                       / _g_mp(s) for s in ends)

        terms = {dt: next(n for n in range(2, 40) if trunc(n) <= np.finfo(dt).eps / 4)
                 for dt in (np.float64, np.float32)}

        def p(s):  # the series divided by s^2
            return _g_mp(s) / s**2

        # first order, in units of u: truncation 1/2; coefficients kappa/2; Horner
        # 2 sum_k (k + 1) |s|^k / (k + 2)! / p(s); two final products 2
        kappa = p(ends[0]) / p(ends[1])
        horner = 2 * mp.fsum((k + 1) * ends[0]**k / mp.factorial(k + 2)
                             for k in range(terms[np.float64] - 1)) / p(ends[1])
        b_series = mp.mpf(1) / 2 + kappa / 2 + horner + 2
        bound = int(mp.ceil(max(b_series, 2 * magnification + mp.mpf(1) / 2)))  # e = 1
    return {"R": magnification, "terms": terms, "b_series": b_series, "bound": bound}


def check_kl_normal_snippet(fn, n=300, seed=3, max_ulp=8):
    """Check a KL(q || p) implementation against the exact KL on the near and wide grids.

    Parameters
    ----------
    fn : callable
        ``fn(mu1, sigma1, mu2, sigma2)``, vectorised.
    n, seed : int
        Points per grid and their seed.
    max_ulp : float
        The bound the page states.

    Returns
    -------
    str
        The verdict as the page prints it.

    Raises
    ------
    AssertionError
        If an error exceeds ``max_ulp`` or ``fn`` differs from ``kltools.kl_normal`` by
        more than 1e-14 relative.

    Examples
    --------
    >>> from kltools import kl_normal
    >>> from kltools.chapters.cheat_sheet import check_kl_normal_snippet
    >>> check_kl_normal_snippet(kl_normal, n=20)[-3:]
    'yes'
    """
    from kltools import kl_normal
    from kltools.symbolic import kl_normal_textbook

    syms = sp.symbols("mu1 s1 mu2 s2", real=True)
    kl_expr = kl_normal_textbook(*syms)
    for kind in ("near", "wide"):
        args = kl_normal_grid(kind, n, seed=seed)
        refs = reference_values(kl_expr, syms, np.column_stack(args))
        worst = ulp_errors(fn(*args), refs).max()
        assert worst <= max_ulp, (kind, worst)
        assert np.allclose(fn(*args), kl_normal(*args), rtol=1e-14, atol=0), kind
    return f"kl_normal_np on the near and wide grids: within {max_ulp} ulp of the exact KL: yes"


def check_unit_prior_snippet(fn, unit_logvar, n=300, seed=3, max_ulp=4):
    """Check a unit-prior KL(N(mu, e^v) || N(0, 1)) against the exact KL and kl_std_normal.

    Parameters
    ----------
    fn : callable
        ``fn(mu, log_var)``, vectorised.
    unit_logvar : sympy expression
        The exact KL in ``mu`` and the log-variance ``v`` of this module.
    n, seed : int
        Points per grid and their seed.
    max_ulp : float
        The bound the page states.

    Returns
    -------
    str
        The verdict as the page prints it.

    Raises
    ------
    AssertionError
        If an error exceeds ``max_ulp`` or ``fn`` differs from ``kltools.kl_std_normal``.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools import kl_std_normal
    >>> from kltools.chapters.cheat_sheet import check_unit_prior_snippet, v
    >>> from kltools.symbolic import mu
    >>> exact = (mu**2 + sp.exp(v) - 1 - v) / 2
    >>> check_unit_prior_snippet(kl_std_normal, exact, n=20)[-3:]
    'yes'
    """
    from kltools import kl_std_normal

    mu_, log_var_ = sp.symbols("mu log_var", real=True)
    expr = unit_logvar.subs({mu: mu_, v: log_var_})
    for kind in ("near", "wide"):
        args = kl_std_normal_grid(kind, n, seed=seed)
        refs = reference_values(expr, (mu_, log_var_), np.column_stack(args))
        worst = ulp_errors(fn(*args), refs).max()
        assert worst <= max_ulp, (kind, worst)
        assert np.allclose(fn(*args), kl_std_normal(*args), rtol=1e-14, atol=0), kind
    return ("kl_unit_prior_np on the near and wide grids: within "
            f"{max_ulp} ulp of the exact KL: yes")


def check_kl_mvn_snippet(fn, rng, dims=(2, 5, 20)):
    """Check a multivariate KL against ``kltools.kl_mvn`` to 1e-12 relative.

    Parameters
    ----------
    fn : callable
        ``fn(mu1, cov1, mu2, cov2)`` for one pair.
    rng : numpy.random.Generator
        The source of the test covariances and means.
    dims : sequence of int
        The dimensions tried.

    Returns
    -------
    str
        The verdict as the page prints it.

    Raises
    ------
    AssertionError
        If ``fn`` and ``kl_mvn`` differ by more than 1e-12 relative.

    Examples
    --------
    >>> import numpy as np
    >>> from kltools import kl_mvn
    >>> from kltools.chapters.cheat_sheet import check_kl_mvn_snippet
    >>> check_kl_mvn_snippet(kl_mvn, np.random.default_rng(0))[-3:]
    'yes'
    """
    from kltools import kl_mvn

    for k in dims:
        qm, _ = np.linalg.qr(rng.normal(size=(k, k)))
        c1 = (qm * np.geomspace(1, 10, k)) @ qm.T
        c2 = np.eye(k) + 0.1 * np.ones((k, k))
        a, b = rng.normal(size=k), rng.normal(size=k)
        expected = float(kl_mvn(a, c1, b, c2))
        assert abs(fn(a, c1, b, c2) - expected) <= 1e-12 * expected, k
    return (f"kl_mvn_np agrees with kltools.kl_mvn at d = "
            f"{', '.join(str(k) for k in dims)}: yes")


def check_gradient_snippet(fn, dkl_dv):
    """Check a gradient of the unit-prior KL in log_var: within 1 ulp, and a central difference.

    Parameters
    ----------
    fn : callable
        ``fn(mu, log_var)`` returning (d/d mu, d/d log_var).
    dkl_dv : sympy expression
        The exact derivative in the log-variance ``v`` of this module.

    Returns
    -------
    str
        The verdict as the page prints it.

    Raises
    ------
    AssertionError
        If the derivative errs by more than 1 ulp at v from -3 to 30, or differs from a
        central difference of ``kltools.kl_std_normal`` (step 1e-6, rtol 1e-6).

    Examples
    --------
    >>> import numpy as np, sympy as sp
    >>> from kltools.chapters.cheat_sheet import check_gradient_snippet, v
    >>> grad = lambda mu, log_var: (mu, 0.5 * np.expm1(log_var))
    >>> check_gradient_snippet(grad, (sp.exp(v) - 1) / 2).splitlines()[1]
    'at v from -3 to 30: yes'
    """
    from kltools import kl_std_normal

    log_var_ = sp.Symbol("log_var", real=True)
    points = np.array([-3.0, -1e-9, 2e-7, 4.0, 30.0])
    refs = reference_values(dkl_dv.subs(v, log_var_), (log_var_,), points[:, None])
    assert ulp_errors(fn(np.ones(5), points)[1], refs).max() <= 1
    h = 1e-6
    fd = (kl_std_normal(0.0, points + h) - kl_std_normal(0.0, points - h)) / (2 * h)
    assert np.allclose(fd, fn(0.0, points)[1], rtol=1e-6, atol=1e-9)
    return "kl_unit_prior_grad_np: within 1 ulp of the exact derivative\nat v from -3 to 30: yes"


def _k3_points(dt, top):
    fi = np.finfo(dt)
    first = np.sqrt(2 * fi.tiny) * 1.01  # below it t^2/2 underflows
    mags = np.concatenate([np.geomspace(first, top, 500), np.linspace(0.45, 0.55, 101)])
    return np.concatenate([mags, -mags, [0.0]]).astype(dt), first


def _check_k3_precision(fn, dt, top, analysis):
    from kltools import expm1_minus_x

    fi = np.finfo(dt)
    t_all, first = _k3_points(dt, top)
    direct = np.abs(t_all) >= 0.5
    with mp.workdps(50):
        refs = [exact_k3(t) for t in t_all]
        expm1_err = ulp_errors(np.expm1(t_all[direct]),
                               [mp.expm1(mp.mpf(float(t))) for t in t_all[direct]],
                               dtype=dt).max()
    got = fn(t_all)
    err = ulp_errors(got, refs, dtype=dt)
    bound = analysis["bound"]
    assert got.dtype == dt and (got >= 0).all()
    assert err[~direct].max() <= analysis["b_series"]
    assert err[direct].max() <= 2 * analysis["R"] * expm1_err + mp.mpf(1) / 2
    assert err.max() <= bound  # the bound in the text (expm1 within 1 ulp)
    # the same k3 as kltools.expm1_minus_x, within both functions' bounds
    assert np.allclose(got, expm1_minus_x(t_all), rtol=2 * bound * fi.eps, atol=0)
    # below the underflow threshold: an absolute error under the smallest normal number
    tiny_t = np.geomspace(fi.smallest_subnormal, first, 50).astype(dt)
    assert (np.abs(fn(tiny_t) - tiny_t.astype(float) ** 2 / 2) <= fi.tiny).all()
    return f"{fi.dtype}: within {bound} ulp, never negative: yes"


def check_k3_snippet(fn, analysis):
    """Check a k3 = expm1(t) - t implementation against 50-digit values, float64 and float32.

    From the underflow threshold of t^2/2 to the overflow of exp, on both signs: the
    series branch within its bound, the direct branch within 2 R e + 1/2 ulp (e, expm1's
    own error measured on the same points), and the whole within the page's bound.

    Parameters
    ----------
    fn : callable
        ``fn(log_ratio)``, keeping the dtype.
    analysis : dict
        The output of :func:`k3_error_analysis`.

    Returns
    -------
    str
        The verdicts as the page prints them.

    Raises
    ------
    AssertionError
        If a bound is exceeded, a value is negative or the dtype changes.

    Examples
    --------
    >>> from kltools import expm1_minus_x
    >>> from kltools.chapters.cheat_sheet import check_k3_snippet, k3_error_analysis
    >>> print(check_k3_snippet(expm1_minus_x, k3_error_analysis()))
    k3_np against 50-digit values of expm1(t) - t:
    float64: within 10 ulp, never negative: yes
    float32: within 10 ulp, never negative: yes
    """
    lines = [_check_k3_precision(fn, dt, top, analysis)
             for dt, top in ((np.float64, 709.0), (np.float32, 88.0))]
    return "k3_np against 50-digit values of expm1(t) - t:\n" + "\n".join(lines)

