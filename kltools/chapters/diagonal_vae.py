"""The diagonal-VAE chapter: its indexed symbols, the explicit cases, and its checks.

The chapter shows that the KL of independent factors is the sum of the factors' KLs, writes
the VAE's KL term with its index j in three parameterizations, and computes the effective
beta of each way of reducing a VAE loss.  Steps are asserted at d = 2 (:func:`evaluator_d2`)
and d = 3 (:func:`at_3`); the ``check_*`` functions return the verdicts the page prints.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from kltools.symbolic import (Factor, FactorExpectation, Joint, add, equivalent, factor_evaluator,
                              integral_against, latex, normal_pdf, prefactor)

__all__ = [
    "d", "j", "x", "half", "q", "p", "q_j", "p_j", "mu", "sigma", "v", "over_j", "E_q",
    "evaluator_d2", "direct_integrals", "at_3", "form", "check_additivity",
    "check_batch_against_kl_mvn", "check_worked_example", "effective_beta", "beta_table",
    "stacked", "stacked_rows", "broken",
]

d, j = sp.symbols("d j", integer=True, positive=True)
x, half = sp.IndexedBase("x"), sp.Rational(1, 2)
q, p = Joint("q", sp.Symbol("x")), Joint("p", sp.Symbol("x"))  # q(x), p(x)
q_j, p_j = Factor("q", j, x[j]), Factor("p", j, x[j])  # q_j(x_j), p_j(x_j)
mu, sigma = sp.IndexedBase(r"\mu", real=True), sp.IndexedBase(r"\sigma", positive=True)
v = sp.IndexedBase("v", real=True)  # v_j = log sigma_j^2, the log-variance

_x1, _x2 = sp.symbols("x_1 x_2", real=True)
_mu_1, _sigma_1 = sp.symbols("mu_11 mu_12", real=True), sp.symbols("sigma_11 sigma_12",
                                                                   positive=True)
_mu_2, _sigma_2 = sp.symbols("mu_21 mu_22", real=True), sp.symbols("sigma_21 sigma_22",
                                                                   positive=True)


def over_j(f):
    """The sum of ``f`` over j = 1..d, displayed as such.

    Parameters
    ----------
    f : sympy expression
        A term in the index :data:`j`.

    Returns
    -------
    sympy.Sum
        The unevaluated sum.

    Examples
    --------
    >>> from kltools.chapters.diagonal_vae import d, j, over_j
    >>> over_j(j).subs(d, 3).doit()
    6
    """
    return sp.Sum(f, (j, 1, d))


def E_q(f):
    """E_q[f(x)] under the product q(x) of the factors q_j, displayed as such.

    Parameters
    ----------
    f : sympy expression
        A function of x.

    Returns
    -------
    kltools.symbolic.FactorExpectation
        The unevaluated expectation.

    Examples
    --------
    >>> from kltools.chapters.diagonal_vae import E_q, d, evaluator_d2
    >>> evaluator_d2()(E_q(d))
    2
    """
    return FactorExpectation(f, q)


def evaluator_d2():
    """How each step is evaluated for the assertions: d = 2, with symbolic parameters.

    q_j = N(mu_1j, sigma_1j^2) and p_j = N(mu_2j, sigma_2j^2), j = 1, 2.

    Parameters
    ----------
    None

    Returns
    -------
    callable
        ``at_2(expr)``, the expression at d = 2, evaluated.

    Examples
    --------
    >>> from kltools.chapters.diagonal_vae import d, evaluator_d2
    >>> evaluator_d2()(d)
    2
    """
    return factor_evaluator([_x1, _x2], {"q": list(zip(_mu_1, _sigma_1)),
                                         "p": list(zip(_mu_2, _sigma_2))}, {d: 2})


def direct_integrals():
    """The KL, H(q) and H(q, p) at d = 2, integrated over the plane by sympy.

    Parameters
    ----------
    None

    Returns
    -------
    dict
        ``KL``, ``H`` and ``H(q,p)``, by the integral over x_j = mu_1j + sigma_1j z_j.

    Examples
    --------
    >>> from kltools.chapters.diagonal_vae import direct_integrals
    >>> sorted(direct_integrals())
    ['H', 'H(q,p)', 'KL']
    """
    q2 = normal_pdf(_x1, _mu_1[0], _sigma_1[0]) * normal_pdf(_x2, _mu_1[1], _sigma_1[1])
    p2 = normal_pdf(_x1, _mu_2[0], _sigma_2[0]) * normal_pdf(_x2, _mu_2[1], _sigma_2[1])
    plane = {"var": sp.Matrix([_x1, _x2]), "mean": sp.Matrix(_mu_1),
             "factor": sp.diag(*_sigma_1)}
    return {"KL": integral_against(q2, sp.log(q2 / p2), **plane),
            "H": integral_against(q2, -sp.log(q2), **plane),
            "H(q,p)": integral_against(q2, -sp.log(p2), **plane)}


_mu_s = sp.symbols("mu_1:4", real=True)
_sigma_s = sp.symbols("sigma_1:4", positive=True)
_EXPLICIT = {mu: _mu_s, sigma: _sigma_s, v: [sp.log(s**2) for s in _sigma_s]}


def at_3(expr):
    """A step of the VAE term at d = 3; mu_j, sigma_j as symbols, v_j = log sigma_j^2.

    Parameters
    ----------
    expr : sympy expression
        A step in the indexed symbols :data:`mu`, :data:`sigma`, :data:`v`.

    Returns
    -------
    sympy expression
        The step at d = 3 against the prior N(0, I), evaluated.

    Examples
    --------
    >>> from kltools.chapters.diagonal_vae import at_3, j, over_j, sigma
    >>> at_3(over_j(sigma[j] ** 2))
    sigma_1**2 + sigma_2**2 + sigma_3**2
    """
    unit_3 = factor_evaluator(sp.symbols("x_1:4", real=True),
                              {"q": list(zip(_mu_s, _sigma_s)), "p": [(0, 1)] * 3}, {d: 3})
    return unit_3(expr).replace(
        lambda t: isinstance(t, sp.Indexed) and t.base in _EXPLICIT,
        lambda t: _EXPLICIT[t.base][int(t.indices[0]) - 1])


def form(*terms):
    """The sum over j of -1/2 (1 + terms...), displayed as written.

    Parameters
    ----------
    *terms : sympy expression
        The terms inside the bracket after 1.

    Returns
    -------
    sympy.Sum
        The displayed sum.

    Examples
    --------
    >>> from kltools.chapters.diagonal_vae import d, form
    >>> form(-1).subs(d, 2).doit()
    0
    """
    return over_j(prefactor(-half, add(1, *terms)))


def check_additivity(at_2, direct, rng, n=64):
    """Check that H(q) and H(q, p) add over the factors (d = 2) and kl_mvn on a diagonal.

    Parameters
    ----------
    at_2 : callable
        The evaluator of :func:`evaluator_d2`.
    direct : dict
        The output of :func:`direct_integrals`.
    rng : numpy.random.Generator
        The source of the d = n Gaussians.
    n : int
        The dimension of the numeric check.

    Returns
    -------
    str
        The verdicts as the page prints them.

    Raises
    ------
    AssertionError
        If a sum differs from its double integral, ``kl_mvn`` with a diagonal covariance
        from the sum of ``kl_normal`` by more than 16 n eps, or ``kl_diag_normal`` from
        that sum at all.

    Examples
    --------
    >>> import numpy as np
    >>> from kltools.chapters.diagonal_vae import check_additivity, direct_integrals, evaluator_d2
    >>> text = check_additivity(evaluator_d2(), direct_integrals(), np.random.default_rng(0))
    >>> text.splitlines()[1]
    'd = 64: kl_mvn with a diagonal covariance = the sum of kl_normal,'
    """
    from kltools import kl_diag_normal, kl_mvn, kl_normal

    for name, f in [("H", -sp.log(q_j)), ("H(q,p)", -sp.log(p_j))]:
        assert equivalent(at_2(over_j(FactorExpectation(f, q_j))), direct[name]), name
    m1, m2 = rng.normal(size=n), rng.normal(size=n)
    sd1, sd2 = np.exp(rng.normal(0, 0.5, n)), np.exp(rng.normal(0, 0.5, n))
    full = float(kl_mvn(m1, np.diag(sd1**2), m2, np.diag(sd2**2)))
    summed = float(np.sum(kl_normal(m1, sd1, m2, sd2)))
    assert abs(full - summed) <= 16 * n * np.finfo(float).eps * full
    assert float(kl_diag_normal(m1, sd1, m2, sd2)) == summed
    return ("d = 2: H(q) and H(q, p) are the sums over the factors (double integrals)\n"
            f"d = {n}: kl_mvn with a diagonal covariance = the sum of kl_normal,\n"
            "        within 16 d eps")


def check_batch_against_kl_mvn(rng, batch=128, d_lat=32):
    """Check ``kl_diag_std_normal`` on a batch against ``kl_mvn`` with diagonal covariances.

    Parameters
    ----------
    rng : numpy.random.Generator
        The source of the batch of (mu, log_var).
    batch, d_lat : int
        The batch size and the latent dimension.

    Returns
    -------
    str
        The verdict as the page prints it.

    Raises
    ------
    AssertionError
        If the shapes differ or a value differs by more than 64 eps relative.

    Examples
    --------
    >>> import numpy as np
    >>> from kltools.chapters.diagonal_vae import check_batch_against_kl_mvn
    >>> check_batch_against_kl_mvn(np.random.default_rng(0), batch=4, d_lat=3)
    'kl_diag_std_normal = kl_mvn against N(0, I) for 4 examples with d = 3'
    """
    from kltools import kl_diag_std_normal, kl_mvn

    mu_b, lv_b = rng.normal(size=(batch, d_lat)), rng.normal(0, 0.3, size=(batch, d_lat))
    per_example = kl_diag_std_normal(mu_b, lv_b)
    covs = np.zeros((batch, d_lat, d_lat))
    diag = np.arange(d_lat)
    covs[:, diag, diag] = np.exp(lv_b)  # diag(sigma_j^2), batched
    by_mvn = kl_mvn(mu_b, covs, np.zeros(d_lat), np.eye(d_lat))
    assert per_example.shape == by_mvn.shape == (batch,)
    assert np.allclose(per_example, by_mvn, rtol=64 * np.finfo(float).eps, atol=0)
    return f"kl_diag_std_normal = kl_mvn against N(0, I) for {batch} examples with d = {d_lat}"


def check_worked_example(in_logvar):
    """The worked example, mu = (1, 0), v = (log 4, -log 4): 13/8 by sympy and by kltools.

    Parameters
    ----------
    in_logvar : sympy expression
        The displayed sum in the log-variance (``eq-vae-sum-logvar``).

    Returns
    -------
    str
        The verdict as the page prints it.

    Raises
    ------
    AssertionError
        If the formula at d = 2 is not 13/8, or ``kl_diag_std_normal`` is off by more
        than 8 eps.

    Examples
    --------
    >>> from kltools.chapters.diagonal_vae import check_worked_example, form, j, mu, v
    >>> import sympy as sp
    >>> print(check_worked_example(form(v[j], -mu[j] ** 2, -sp.exp(v[j]))))
    KL = 2 - log 2 + log 2 - 3/8 = 13/8 = 1.6250 nats,
    by sympy and by kl_diag_std_normal
    """
    from kltools import kl_diag_std_normal

    values = {mu[1]: 1, mu[2]: 0, v[1]: sp.log(4), v[2]: -sp.log(4)}
    exact = in_logvar.subs(d, 2).doit().subs(values)
    assert sp.simplify(exact) == sp.Rational(13, 8)
    value = float(kl_diag_std_normal([1.0, 0.0], np.log([4.0, 0.25])))
    assert abs(value - 13 / 8) <= 8 * np.finfo(float).eps  # a few ulp per term
    return (f"KL = 2 - log 2 + log 2 - 3/8 = 13/8 = {value:.4f} nats,\n"
            "by sympy and by kl_diag_std_normal")


_REDUCE = {"sum": np.sum, "mean": np.mean}


def effective_beta(pixels, latent, batch_recon, batch_kl, n_pixels=784, d_lat=32, batch=128):
    """The effective beta of a VAE loss: the KL's weight relative to the ELBO's.

    The loss is the reconstruction term reduced over pixels, then the batch, plus the KL
    reduced over latent dimensions, then the batch; beta = b / a, with a and b the weights
    one unit of per-pixel loss and one unit of per-dimension KL get.

    Parameters
    ----------
    pixels, latent, batch_recon, batch_kl : {"sum", "mean"}
        The reductions over pixels, over latent dimensions, over the batch for the
        reconstruction term, and over the batch for the KL.
    n_pixels, d_lat, batch : int
        P, d and B.

    Returns
    -------
    float
        beta (1 for the ELBO).

    Examples
    --------
    >>> from kltools.chapters.diagonal_vae import effective_beta
    >>> round(effective_beta("mean", "sum", "mean", "mean"), 9)
    784.0
    """
    def loss(recon, kl):
        return (_REDUCE[batch_recon](_REDUCE[pixels](recon, axis=1))
                + _REDUCE[batch_kl](_REDUCE[latent](kl, axis=1)))

    a = loss(np.ones((batch, n_pixels)), np.zeros((batch, d_lat))) / (batch * n_pixels)
    b = loss(np.zeros((batch, n_pixels)), np.ones((batch, d_lat))) / (batch * d_lat)
    return float(b / a)


def beta_table(n_pixels=784, d_lat=32, batch=128):
    """The page's table of the effective beta of six common reductions.

    Parameters
    ----------
    n_pixels, d_lat, batch : int
        P, d and B.

    Returns
    -------
    str
        A fixed-width table: the reductions and beta.

    Raises
    ------
    AssertionError
        If a beta is not the value the table names (1, 1/d, P, P/d, B), within 4 eps.

    Examples
    --------
    >>> from kltools.chapters.diagonal_vae import beta_table
    >>> beta_table().splitlines()[4]
    'mean    sum      mean, mean  P = 784'
    """
    rows = [("sum", "sum", "mean", "mean", "1", 1.0), ("sum", "sum", "sum", "sum", "1", 1.0),
            ("sum", "mean", "mean", "mean", "1/d", 1 / d_lat),
            ("mean", "sum", "mean", "mean", "P", n_pixels),
            ("mean", "mean", "mean", "mean", "P/d", n_pixels / d_lat),
            ("sum", "sum", "mean", "sum", "B", batch)]
    lines = ["pixels  latents  batch       beta"]
    for pixels, latent, b_rec, b_kl, name, expected in rows:
        beta = effective_beta(pixels, latent, b_rec, b_kl, n_pixels, d_lat, batch)
        assert np.isclose(beta, expected, rtol=4 * np.finfo(float).eps), (name, beta)
        shown = name if name == "1" else f"{name} = {beta:g}"
        lines.append(f"{pixels:6s}  {latent:7s}  {b_rec + ', ' + b_kl:10s}  {shown}")
    return "\n".join(lines)


def _chunks(items, sizes):
    items, out = list(items), []
    for n in sizes:
        out.append(items[:n])
        items = items[n:]
    return out + [items] if items else out


def _continued(chunk):
    text = latex(add(*chunk)) if len(chunk) > 1 else latex(chunk[0])
    return "{} " + (text if text.lstrip().startswith("-") else "+ " + text)  # a binary sign


def broken(expr, sizes=()):
    r"""The LaTeX lines of ``expr``, its outermost sum broken after the given numbers of terms.

    The outermost unevaluated sum in ``expr`` (:func:`~kltools.symbolic.add`;
    the whole of ``expr``, or the sum inside a bracket, a prefactor or a
    ``Sum``) is shown term by term in its order: ``sizes[0]`` terms on the
    first line, ``sizes[1]`` on the next, ..., the rest on the last.  Nothing
    is rewritten: joined, the lines are ``expr`` as :func:`latex` prints it.
    Each bracket that spans lines opens with ``\left( ... \right.`` and
    closes with ``\left. ... \right)``.

    Parameters
    ----------
    expr : sympy.Expr
        The expression shown.
    sizes : sequence of int
        Terms per line, all lines but the last; empty for one line.

    Returns
    -------
    list of str
        One LaTeX string per line; each continuation line starts with its operator.

    Raises
    ------
    ValueError
        If ``sizes`` is given and ``expr`` holds no sum.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.chapters.diagonal_vae import broken
    >>> from kltools.symbolic import add, prefactor
    >>> a, b, c = sp.symbols("a b c")
    >>> broken(add(a, -b, c), [1])
    ['a', '{} - b + c']
    >>> broken(prefactor(2, add(a, b), "()"), [1])
    ['2 \\left(a \\right.', '\\left. {} + b\\right)']
    """
    if not sizes:
        return [expr if isinstance(expr, str) else latex(expr)]
    inner = next((e for e in sp.preorder_traversal(expr) if isinstance(e, sp.Add)), None)
    if inner is None:
        raise ValueError("sizes: the expression holds no sum to break into lines")
    mark = add(*sp.symbols("BREAKA BREAKB"))  # a sum, so that it is bracketed like ``inner``
    pre, post = latex(expr.xreplace({inner: mark})).split(latex(mark))
    if pre + latex(inner) + post != latex(expr):
        raise ValueError("sizes: the sum cannot be broken without changing how expr is printed")
    parts = _chunks(inner.args, sizes)
    lines = [latex(add(*parts[0]))] + [_continued(chunk) for chunk in parts[1:]]
    opened = pre.count(r"\left") - pre.count(r"\right")  # brackets that span the lines
    lines[0] = pre + lines[0] + r" \right." * opened
    lines[-1] = r"\left. " * opened + lines[-1] + post
    lines[1:-1] = [r"\left. " * opened + t + r" \right." * opened for t in lines[1:-1]]
    return lines


def stacked(derivation, breaks=None):
    r"""A derivation as an ``aligned`` block narrow enough for a phone column.

    The quantity derived stands on its own line; each step follows on its own
    line, ``= ...``, and the reason for a step stands, in small type and brackets, on the
    line above it (between the two expressions it connects).  A step listed in
    ``breaks`` is split after the given numbers of terms (:func:`broken`).
    The expressions are those the derivation asserted, printed as they are.

    Parameters
    ----------
    derivation : kltools.symbolic.Derivation
        The asserted derivation.
    breaks : dict of int to sequence of int, optional
        For a step (0 is the first), the terms per line.

    Returns
    -------
    str
        ``\begin{aligned} ... \end{aligned}``.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.chapters.diagonal_vae import stacked
    >>> from kltools.symbolic import Derivation, add
    >>> a = sp.Symbol("a")
    >>> print(stacked(Derivation("f", 2 * a, "definition").step(add(a, a), "split")))
    \begin{aligned}
    &f \\
    &\quad{\small\text{(definition)}} \\
    &= 2 a \\
    &\quad{\small\text{(split)}} \\
    &= a + a
    \end{aligned}
    """
    return stacked_rows(derivation.lhs, derivation.steps, breaks)


def stacked_rows(lhs, steps, breaks=None):
    r"""The layout of :func:`stacked` for ``lhs`` and ``(expression, note)`` steps.

    Parameters
    ----------
    lhs : str or sympy.Expr
        The quantity (LaTeX text, or an expression printed by :func:`latex`).
    steps : sequence of (sympy.Expr or str, str)
        Each right-hand side (an expression, or LaTeX text) and its reason
        (plain text, ``""`` for none).
    breaks : dict of int to sequence of int, optional
        For a step (0 is the first), the terms per line (:func:`broken`).

    Returns
    -------
    str
        ``\begin{aligned} ... \end{aligned}``.

    Examples
    --------
    >>> from kltools.chapters.diagonal_vae import stacked_rows
    >>> print(stacked_rows("y", [(r"\frac{1}{2}", "")]))
    \begin{aligned}
    &y \\
    &= \frac{1}{2}
    \end{aligned}
    """
    breaks = breaks or {}
    rows = [f"&{lhs if isinstance(lhs, str) else latex(lhs)}"]
    for i, (expr, note) in enumerate(steps):
        if note:
            rows.append(rf"&\quad{{\small\text{{({note})}}}}")
        first, *rest = broken(expr, breaks.get(i, ()))
        rows.append(rf"&= {first}")
        rows += [rf"&\enspace {t}" for t in rest]
    return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"
