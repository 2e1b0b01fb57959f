"""The numbers of the chapter "KL divergence, entropy and cross-entropy".

The worked example takes q = (0.5, 0.3, 0.2) and p = (0.4, 0.4, 0.2) on three outcomes.
Its terms are computed exactly (sympy rationals and logs), glued rounded to the five
decimals the page shows, and checked against ``scipy.stats.entropy`` and
``scipy.special.rel_entr``.  All values are in nats unless a name says bits.
"""

import numpy as np
import sympy as sp
from scipy import special, stats

from kltools.notebook import glue
from kltools.symbolic import counterexample, equivalent, termwise

__all__ = ["Q", "P", "worked_example", "glue_worked_example", "check_against_scipy",
           "units_identity", "glue_kl_in_bits", "glue_other_direction",
           "glue_uniform_reference", "check_log_split"]

Q = (sp.Rational(5, 10), sp.Rational(3, 10), sp.Rational(2, 10))
P = (sp.Rational(4, 10), sp.Rational(4, 10), sp.Rational(2, 10))
# two independent implementations agree to a few roundings of terms of size <= 2
TOL = 16 * np.finfo(float).eps
DIGITS = 5  # the page shows five decimals


def _floats(dist):
    return np.array([float(v) for v in dist])


def worked_example(q=Q, p=P):
    """The worked example's exact terms, keyed by their glue names.

    Parameters
    ----------
    q, p : tuple of sympy.Rational
        The two distributions on the same outcomes; the page takes :data:`Q` and :data:`P`.

    Returns
    -------
    dict
        sympy numbers (nats): ``ex_t1``, ``ex_t2`` (the first two terms of
        KL(q‖p)), ``ex_kl``, ``ex_h`` and its terms ``ex_h_1`` … ``ex_h_3``,
        ``ex_ce_1`` (the merged first two terms of H(q, p)) and ``ex_ce``.

    Examples
    --------
    >>> values = worked_example()
    >>> round(float(values["ex_kl"]), 5), round(float(values["ex_ce"] - values["ex_h"]), 5)
    (0.02527, 0.02527)
    """
    terms = [qi * sp.log(qi / pi) for qi, pi in zip(q, p)]
    h_terms = [-qi * sp.log(qi) for qi in q]
    return {"ex_t1": terms[0], "ex_t2": terms[1], "ex_kl": sum(terms),
            "ex_h": sum(h_terms), "ex_h_1": h_terms[0], "ex_h_2": h_terms[1],
            "ex_h_3": h_terms[2], "ex_ce_1": -(q[0] + q[1]) * sp.log(p[0]),
            "ex_ce": -sum(qi * sp.log(pi) for qi, pi in zip(q, p))}


def _glue_rounded(values):
    shown = {name: round(float(value), DIGITS) for name, value in values.items()}
    for name, value in shown.items():
        glue(name, value, display=False)
    return shown


def glue_worked_example():
    """Glue the worked example's numbers, rounded to the five decimals the text shows.

    Parameters
    ----------
    None

    Returns
    -------
    dict
        The glued Python floats, by name (see :func:`worked_example`).

    Examples
    --------
    >>> glue_worked_example()["ex_h"]
    1.02965
    """
    return _glue_rounded(worked_example())


def check_against_scipy(values=None, q=Q, p=P):
    """Check the hand computation against ``scipy.stats.entropy`` and ``rel_entr``.

    Parameters
    ----------
    values : dict, optional
        Exact values as :func:`worked_example` returns them (its own by default).
    q, p : tuple of sympy.Rational
        The two distributions.

    Returns
    -------
    str
        The verdict the page prints.

    Raises
    ------
    AssertionError
        If scipy's KL or entropy differs from the hand values by more than 16 ulp.

    Examples
    --------
    >>> print(check_against_scipy())
    scipy.stats.entropy and scipy.special.rel_entr agree with
    the hand computation
    """
    values = worked_example(q, p) if values is None else values
    qn, pn = _floats(q), _floats(p)
    kl, h = float(values["ex_kl"]), float(values["ex_h"])
    assert abs(float(stats.entropy(qn, pn)) - kl) <= TOL, "scipy.stats.entropy(q, p)"
    assert abs(float(np.sum(special.rel_entr(qn, pn))) - kl) <= TOL, "rel_entr"
    assert abs(float(stats.entropy(qn)) - h) <= TOL, "scipy.stats.entropy(q)"
    return "scipy.stats.entropy and scipy.special.rel_entr agree with\nthe hand computation"


def units_identity(base=None):
    """The KL in base ``b`` minus the KL in nats divided by log b, term by term.

    Parameters
    ----------
    base : sympy.Expr, optional
        The base of the logarithm; a positive symbol ``b`` by default.

    Returns
    -------
    sympy.Expr
        The difference, simplified: 0 when eq-units holds.

    Examples
    --------
    >>> units_identity()
    0
    """
    b = sp.Symbol("b", positive=True) if base is None else base
    i, n = sp.symbols("i n", integer=True, positive=True)
    q, p = sp.symbols("q_i p_i", positive=True)
    in_base_b = termwise()(sp.Sum(q * sp.log(q / p, b), (i, 1, n)))
    in_nats = termwise()(sp.Sum(q * sp.log(q / p), (i, 1, n)))
    return sp.simplify(in_base_b - in_nats / sp.log(b))


def glue_kl_in_bits():
    """Glue ``ex_kl_bits``, the example's KL in bits by ``scipy.stats.entropy(base=2)``.

    Parameters
    ----------
    None

    Returns
    -------
    str
        The line the page prints.

    Raises
    ------
    AssertionError
        If scipy's value in bits is not the KL in nats divided by ln 2, to 16 ulp.

    Examples
    --------
    >>> print(glue_kl_in_bits())
    KL(q‖p) = 0.02527 nats = 0.03645 bits
    """
    kl = float(worked_example()["ex_kl"])
    kl_bits = float(stats.entropy(_floats(Q), _floats(P), base=2))
    assert abs(kl_bits - kl / np.log(2)) <= TOL, (kl_bits, kl)
    glue("ex_kl_bits", round(kl_bits, DIGITS), display=False)
    return f"KL(q‖p) = {kl:.5f} nats = {kl_bits:.5f} bits"


def glue_other_direction():
    """Glue ``ex_kl_pq``, KL(p‖q) of the worked example (exercise 1).

    Parameters
    ----------
    None

    Returns
    -------
    str
        The line the page prints, KL(p‖q) against KL(q‖p).

    Raises
    ------
    AssertionError
        If KL(p‖q) differs from 0.4 log(16/15), from scipy, or is not larger than KL(q‖p).

    Examples
    --------
    >>> print(glue_other_direction())
    KL(p‖q) = 0.02582 nats > KL(q‖p) = 0.02527 nats
    """
    kl_pq = sum(pi * sp.log(pi / qi) for qi, pi in zip(Q, P))
    by_hand = sp.Rational(4, 10) * sp.log(sp.Rational(16, 15))
    assert sp.simplify(kl_pq - by_hand) == 0
    assert abs(float(stats.entropy(_floats(P), _floats(Q))) - float(kl_pq)) <= TOL
    kl_qp = worked_example()["ex_kl"]
    assert kl_pq > kl_qp
    glue("ex_kl_pq", round(float(kl_pq), DIGITS), display=False)
    return f"KL(p‖q) = {float(kl_pq):.5f} nats > KL(q‖p) = {float(kl_qp):.5f} nats"


def glue_uniform_reference(n=3):
    """Glue ``ex_kl_uniform``, KL(q‖u) = log n − H(q) for the example's q (exercise 2).

    Parameters
    ----------
    n : int
        The number of outcomes of the symbolic identity; the number is for n = 3.

    Returns
    -------
    str
        The line the page prints.

    Raises
    ------
    AssertionError
        If the identity fails symbolically, or scipy's KL(q‖u) is not log 3 − H(q).

    Examples
    --------
    >>> print(glue_uniform_reference())
    n = 3: KL(q‖u) = log 3 − H(q) = 0.06896 nats
    """
    qs = sp.symbols(f"q_1:{n + 1}", positive=True)
    kl_uniform = sum(qi * sp.log(qi / sp.Rational(1, n)) for qi in qs)
    entropy = -sum(qi * sp.log(qi) for qi in qs)
    assert equivalent(kl_uniform, sp.log(n) * sum(qs) - entropy)  # the q_i sum to 1
    kl_u = float(stats.entropy(_floats(Q), np.full(3, 1 / 3)))
    assert abs(kl_u - (np.log(3) - float(worked_example()["ex_h"]))) <= TOL
    glue("ex_kl_uniform", round(kl_u, DIGITS), display=False)
    return f"n = 3: KL(q‖u) = log 3 − H(q) = {kl_u:.5f} nats"


def check_log_split():
    """Check that log(a/b) = log a − log b is refused for real a, b and accepted for positive.

    Parameters
    ----------
    None

    Returns
    -------
    str
        The verdict the page prints (exercise 3).

    Raises
    ------
    AssertionError
        If ``equivalent`` accepts the split for real a, b, finds no counterexample,
        refuses it for positive a, b, or log(1/−1) − (log 1 − log(−1)) is not 2πi.

    Examples
    --------
    >>> print(check_log_split())
    real a, b: the split is refused; positive a, b: accepted
    """
    def split(a, b):
        return sp.log(a / b), sp.log(a) - sp.log(b)

    a_real, b_real = sp.symbols("a b", real=True)
    a_pos, b_pos = sp.symbols("a b", positive=True)
    assert not equivalent(*split(a_real, b_real))
    assert counterexample(*split(a_real, b_real)) is not None
    assert equivalent(*split(a_pos, b_pos))
    one, minus_one = sp.Integer(1), sp.Integer(-1)
    assert sp.log(one / minus_one) - (sp.log(one) - sp.log(minus_one)) == 2 * sp.pi * sp.I
    return "real a, b: the split is refused; positive a, b: accepted"
