"""The formula checker: which KL, if any, does a formula or a line of code compute?

:func:`check_formula` reads a formula, or lines of code pasted from a VAE or an RL codebase,
without running them (:mod:`kltools.checker._parse`).  It compares the formula with
KL(q || p), KL(p || q), their negatives and constant multiples, first with every variable
read as its name says, then with one scale variable per distribution read as another
quantity (a ``z_log_sigma`` that must really be a log-variance, say;
:mod:`kltools.checker._readings`).  A match is proved by sympy; a mismatch is shown by a
point where the two values differ by more than a bound on the rounding error
(:mod:`kltools.checker._numbers`, :mod:`kltools.checker._verdict`).

Directions follow the book: q = N(mu, sigma^2) is the first argument (the approximate
posterior or the policy), p = N(mu_p, sigma_p^2) the second (the prior or the reference).
KL(q || p) is the *reverse* (exclusive) KL of variational inference and RLHF, KL(p || q)
the *forward* (inclusive) one.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from . import _parse
from ._problem import VERDICTS, Problem
from ._readings import NAMES, QUANTITIES, SYMBOLS
from ._verdict import decide

__all__ = ["FormulaCheck", "check_formula", "SYMBOLS", "NAMES", "QUANTITIES", "VERDICTS",
           "FUNCTIONS", "TIME_LIMIT"]

TIME_LIMIT = 2.0  # seconds: every input gets a verdict or a ValueError within this
FUNCTIONS = _parse.FUNCTIONS


@dataclass
class FormulaCheck:
    """The outcome of :func:`check_formula`.

    Attributes
    ----------
    formula : str or sympy.Expr
        The formula exactly as given.
    expression : sympy.Expr
        One latent dimension's term, read as written, in the documented
        symbols (:data:`SYMBOLS`); decimal literals are the exact rationals
        they spell (``0.49999999`` is 49999999/100000000).
    verdict : str
        ``"kl_qp"`` (KL(q || p)), ``"kl_pq"`` (KL(p || q)), ``"neg_kl_qp"``,
        ``"neg_kl_pq"`` or ``"no_match"``.
    reinterpretation : dict
        Empty when the formula is a KL with every name read as it says.
        Otherwise maps each name, as written, to the quantity it must be:
        ``"sigma"``, ``"var"``, ``"log_var"`` or ``"log_sigma"``.
    reduction : str or None
        ``"sum"`` or ``"mean"`` if the line reduces over the latent
        dimensions (then the verdict is about each dimension's term, and a
        mean is the KL divided by the number of dimensions d); None if it
        does not reduce.
    counterexample : dict or None
        For ``"no_match"``: ``distributions`` (mu, sigma and, if p appears,
        mu_p, sigma_p: exact binary floats), ``point`` (each name's value
        there, as written, rounded to a float), ``formula`` (its value),
        ``kl_qp`` (the true KL(q || p) there, nats) and ``difference``
        (formula minus KL, computed at high precision; nonzero by more than
        its error bound).  None otherwise.
    assumed : dict
        What the formula leaves out: ``mu`` or ``mu_p`` as 0, ``p`` as
        ``"N(0, 1)"`` when no p name appears, ``sigma_p`` as 1 when p has a
        mean but no scale, and ``libraries``, the prefixes read as library
        aliases (``{"TT": "theano.tensor"}``).
    names : dict
        Each name in the formula and the documented symbol it was read as,
        e.g. ``{"z_log_sigma": "log_sigma"}``.
    factor : fractions.Fraction
        The positive constant the verdict's quantity is multiplied by: 1 for a
        plain KL, 2 for ``2*KL`` (verdict ``"kl_qp"``) and for ``-2*KL``
        (verdict ``"neg_kl_qp"``).  Proved exactly, like the verdict.
    """

    formula: object
    expression: sp.Expr
    verdict: str
    reinterpretation: dict
    reduction: str | None
    counterexample: dict | None
    assumed: dict
    names: dict
    factor: Fraction = Fraction(1)

    @property
    def correct(self) -> bool:
        """True when the formula is KL(q || p) with every name read as it says."""
        return self.verdict == "kl_qp" and not self.reinterpretation and self.factor == 1

    def describe(self) -> str:
        """A one-line summary, e.g. ``"kl_qp if sigma is var"`` or
        ``"-2 × kl_qp (multiply by -1/2 to get kl_qp)"``."""
        kl, sign = self.verdict, 1
        if self.factor != 1 and kl.startswith("neg_"):
            kl, sign = kl[4:], -1
        text = kl if self.factor == 1 else f"{sign * self.factor} × {kl}"
        if self.reinterpretation:
            text += " if " + ", ".join(f"{k} is {v}" for k, v in self.reinterpretation.items())
        if self.reduction:
            text += {"sum": ", summed", "mean": ", averaged"}[self.reduction]
            text += " over the latent dimensions"
        if self.factor != 1:
            text += f" (multiply by {1 / (sign * self.factor)} to get {kl})"
        return text



def check_formula(formula, names=None) -> FormulaCheck:
    r"""Classify a KL formula, or a few lines of code, for univariate Gaussians.

    Paste the lines as they are in your code.  The checker says which KL they
    compute, if any, and with which constant factor; what each variable must
    *be* for that to hold; and whether they sum or average over the latent
    dimensions.

    Parameters
    ----------
    formula : str or sympy.Expr
        A formula, or lines of Python (or Julia) code.  Accepted:

        * **an assignment** or ``return``: the left side is ignored
          (``kl_loss = ...``, ``kl_q_p(μ, logσ) = ...``);
        * **several statements**: straight-line assignments (``=``,
          ``+=``, ``-=``, ``*=``, ``/=``) and a final ``return`` or
          expression; a name assigned above stands for its value below, and
          the last statement's value is checked;
        * **functions** ``exp``, ``log`` (natural), ``log10``, ``sqrt``,
          ``square``, ``pow``, ``sum`` and ``mean``, bare or with a prefix
          ``torch.``, ``np.``, ``numpy.``, ``jnp.``, ``tf.``, ``tf.math.``,
          ``K.``, ``ops.``, ``keras.ops.`` or ``math.``; any other prefix
          before one of these functions (``th.``, ``T.``, ``TT.``, ``F.``)
          is read as a library alias and recorded in ``assumed``;
          ``tf.reduce_sum``, ``tf.reduce_mean`` and
          ``tf.squared_difference``; the methods ``.sum()``, ``.mean()``,
          ``.exp()``, ``.log()``, ``.pow(n)``, ``.square()`` and
          ``.sqrt()``; the keyword arguments ``dim=``, ``axis=`` (an
          integer, a tuple or a list) and ``keepdim(s)=`` (or the axis as
          second argument), and ``name='...'``, which is ignored;
        * **operators** ``+ - * / **``; ``^`` is read as a power; Julia's
          ``.^ .* ./ .+ .-``, ``exp.(x)`` and ``0.5f0`` are accepted;
        * **names for q** (the first argument): means ``mu``, ``mean``,
          ``z_mean``, ``mu_q``, ``μ``; standard deviations ``sigma``,
          ``std``, ``scale``, ``z_std``, ``σ``; variances ``var``,
          ``variance``; log-variances ``log_var``, ``logvar``,
          ``z_log_var``, ``log_sigma2``; log standard deviations
          ``log_sigma``, ``log_std``, ``z_log_sigma``, ``logσ``;
        * **names for p** (the second argument): the same with the suffix
          ``_p`` or the prefix ``prior_`` (``mu_p``, ``prior_logvar``).

        Where no p name appears, p = N(0, 1); where p has a mean but no
        scale, p = N(mu_p, 1); where a mean does not appear, it is 0 (all
        recorded in ``assumed``).  Numbers are the exact rationals they
        spell.
    names : dict, optional
        Meanings for other names, or for attributes: each maps to one of
        the names above, to a number (an int, a float, a numpy scalar or a
        0-d array), or, for a function, to one of the functions above, e.g.
        ``{"mu0": "mu", "log_std1": "log_std_p", "EPS": 1e-8}``,
        ``{"self.logstd": "log_std"}`` or ``{"Tsum": "sum"}``.

    Returns
    -------
    FormulaCheck
        ``verdict`` is ``"kl_qp"`` (KL(q || p), the reverse KL of VI and
        RLHF), ``"kl_pq"`` (KL(p || q), the forward KL), ``"neg_kl_qp"``,
        ``"neg_kl_pq"`` or ``"no_match"``; a line that is c times a KL,
        for a rational constant c (other than ±1, denominator at most 1000),
        has the KL (negated when c < 0) as ``verdict`` and ``factor``
        = abs(c), so that the line computes ``factor`` times the verdict's
        quantity.  Each name is first read as it
        says; if the formula is a KL only when one scale name per
        distribution is read as another quantity (``"sigma"``, ``"var"``,
        ``"log_var"`` or ``"log_sigma"``), ``reinterpretation`` says so.
        A ``sum``/``mean`` over the latent dimensions is judged per
        dimension and reported in ``reduction``.  Every ``"no_match"`` has
        a ``counterexample``: a valid point where the formula and the true
        KL(q || p) differ.

    Raises
    ------
    ValueError
        If the formula is empty, too long (over 1000 characters, 400
        tokens or 20 statements), too deeply nested, has a syntax error, uses a name,
        function, operator or literal outside the lists above, a number
        beyond 40 digits or 1e±40, an exponent beyond ±16, exp nested more
        than twice, mixes reduced and unreduced terms, if an entry of
        ``names`` is neither a name, a function nor a finite real number,
        if the formula has no finite value at
        any test point, if equality could neither be proved nor refuted, or
        if the check ran out of time.  The message says which, and how to
        write the input so that it is read.

    Notes
    -----
    Nothing is evaluated as Python: the text is tokenised and parsed into a
    syntax tree, every node is whitelisted, and the checker builds its own
    exact expression (:mod:`kltools.checker._parse`).  Then, for each reading (the
    literal one first, then up to 63 with one scale name per distribution
    read as another quantity) and each verdict:

    * **a mismatch is shown.**  The formula and the KL are evaluated at
      points, each value with a bound on its rounding error (floats first,
      then mpmath at 50 digits or more, more when the formula's numbers
      have many digits); they differ where the gap exceeds the bound.  The
      points have means from -1e6 to 1e6 and scales from 1e-6 to 1e6; when
      needed, points next to the zeros of every log's argument, root's
      radicand and denominator along each variable, and 100 scattered
      points with all coordinates distinct (a polynomial vanishing at all of
      them would not fit in 400 tokens).
    * **a constant factor** c is proposed by the ratio of the formula to
      the KL at two points, and becomes a verdict only when proved.
    * **a match is proved** by sympy's ``expand`` (and ``cancel``) on the
      difference, with sigma = exp(a), var = exp(2a), ..., after logs and
      roots of products and powers of positive quantities are rewritten
      (log(sqrt(var)) = log(var)/2, sqrt(var)**2 = var).  This is tried
      only for formulas whose logs and roots hold no further log or root
      (sympy's automatic simplification can take minutes on such nesting)
      and whose expansion has at most 2000 terms.  A formula that agrees
      with a KL at every point but cannot be proved raises ValueError.

    A reading under which the formula has no finite value at any of the
    grid's points is not a match (a KL is finite everywhere).  The checker stops
    with a ValueError after 1.2 s of CPU
    time (``TIME_LIMIT`` is 2 s); the slowest inputs the tests found take
    well under that.

    The KL is the book's equation ``eq-kl-normal`` (chapter "The KL between
    two univariate Gaussians"); the chapter "A formula audit" runs published
    formulas and lines of code through this checker.

    Examples
    --------
    The Keras blog's line (2016) is KL(q || p) averaged over the latent
    dimensions, but only if ``z_log_sigma`` is a log-variance:

    >>> from kltools import check_formula
    >>> r = check_formula("kl_loss = - 0.5 * K.mean(1 + z_log_sigma "
    ...                   "- K.square(z_mean) - K.exp(z_log_sigma), axis=-1)")
    >>> r.verdict, r.reinterpretation, r.reduction
    ('kl_qp', {'z_log_sigma': 'log_var'}, 'mean')
    >>> check_formula("-0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())").describe()
    'kl_qp, summed over the latent dimensions'
    >>> check_formula("log(sigma) + (1 + mu**2)/(2*sigma**2) - 1/2").verdict
    'kl_pq'

    The keras.io VAE's KL over three statements is -1/2 times the line
    before the last: the checker reads the statements as one KL.  The first
    line alone is -2 times the KL:

    >>> check_formula("kl_loss = 1 + z_log_var - K.square(z_mean) - K.exp(z_log_var)\n"
    ...               "kl_loss = K.sum(kl_loss, axis=-1)\n"
    ...               "kl_loss *= -0.5").describe()
    'kl_qp, summed over the latent dimensions'
    >>> r = check_formula("kl_loss = 1 + z_log_var - K.square(z_mean) - K.exp(z_log_var)")
    >>> r.verdict, r.factor
    ('neg_kl_qp', Fraction(2, 1))
    >>> r.describe()
    '-2 × kl_qp (multiply by -1/2 to get kl_qp)'
    >>> r = check_formula("0.5*(sigma**2 - 1 - log10(sigma**2))")
    >>> ce = r.counterexample
    >>> r.verdict, ce["distributions"], round(ce["formula"], 4), round(ce["kl_qp"], 4)
    ('no_match', {'mu': 0.0, 'sigma': 0.5}, -0.074, 0.3181)
    >>> check_formula("pre_sum = 0.5*(((mu1- mu0)**2 + var0)/(var1 + EPS) - 1)"
    ...               " + log_std1 - log_std0",
    ...     names={"mu0": "mu", "var0": "var", "log_std0": "log_std",
    ...            "mu1": "mu_p", "var1": "var_p", "log_std1": "log_std_p", "EPS": 0}).verdict
    'kl_qp'
    """
    problem = Problem(formula, names, TIME_LIMIT)  # TIME_LIMIT read at call time
    decision = decide(problem)
    if decision.target is None:
        return FormulaCheck(formula, problem.expression, "no_match", {}, problem.reduction,
                            decision.counterexample, problem.assumed, dict(problem.names))
    verdict, factor = decision.target
    reinterpretation = {name: decision.reading[name] for name in problem.roles
                        if name in decision.reading}
    return FormulaCheck(formula, problem.expression, verdict, reinterpretation,
                        problem.reduction, None, problem.assumed, dict(problem.names), factor)
