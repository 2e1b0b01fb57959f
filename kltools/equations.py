"""The equation index: from each numbered result of the book to the code behind it.

:data:`EQUATIONS` maps every equation label of the book (``$$ … $$ (eq-…)`` and
``:label: eq-…`` of a ``glue:math`` directive, in every chapter) to the dotted name of the
``kltools`` function that implements the result, or, where ``kltools`` has no function for
it, the chapter function that checks it (``kltools.chapters.<chapter>``).  A value is one
name or a tuple of names.  :data:`NOT_RESULTS` lists the labels that number a definition,
and :data:`CHECKED_ON_THE_PAGE` the results whose check is the visible cell beside them.
``tests/test_equation_index.py`` keeps all three true: every label exists in the book,
every book label is in one of them, and every named function imports.

To go from an equation of the book to its code, take the label from the page's source
(the anchor of a numbered equation is ``#equation-<label>``) and look it up:

>>> from kltools.equations import EQUATIONS, resolve
>>> EQUATIONS["eq-kl-normal"]
'kltools.closed_forms.kl_normal'
>>> resolve("eq-kl-normal")[0].__name__
'kl_normal'
"""

import importlib

__all__ = ["EQUATIONS", "NOT_RESULTS", "CHECKED_ON_THE_PAGE", "resolve"]

_CF = "kltools.closed_forms."
_MV = "kltools.multivariate."
_EST = "kltools.estimators."
_CH = "kltools.chapters."
_K123 = (_EST + "k1", _EST + "k2", _EST + "k3")

EQUATIONS = {
    # kl-entropy-cross-entropy
    "eq-defs-density": "kltools.symbolic.kl_integral",
    "eq-kl-parts-discrete": "kltools.symbolic.termwise",
    "eq-kl-parts-density": "kltools.symbolic.termwise",
    "eq-units": _CH + "kl_entropy_cross_entropy.units_identity",
    # gaussian-entropy
    "eq-normal-pdf": "kltools.symbolic.normal_pdf",
    "eq-log-normal-pdf": _CH + "gaussian_entropy.glue_log_density",
    "eq-entropy-normal": _CF + "entropy_normal",
    "eq-entropy-zero": _CH + "gaussian_entropy.glue_sigma_zero",
    # gaussian-cross-entropy
    "eq-second-moment": "kltools.symbolic.Expectation",
    "eq-cross-entropy-normal": _CF + "cross_entropy_normal",
    "eq-cross-entropy-unit": _CH + "gaussian_cross_entropy.glue_unit_prior",
    "eq-cross-entropy-self": _CH + "gaussian_cross_entropy.glue_self_cross_entropy",
    # univariate-kl
    "eq-kl-normal": _CF + "kl_normal",
    "eq-kl-unit-prior": _CF + "kl_std_normal",
    "eq-kl-unit-prior-logvar": _CF + "kl_std_normal",
    "eq-kl-normal-reverse": _CF + "kl_normal",
    "eq-kl-from-unit": _CH + "univariate_kl.glue_reverse",
    "eq-kl-width": _CH + "univariate_kl.width_forms",
    # parameterization
    "eq-param-sigma": _CH + "parameterization.kl_normal_sigma",
    "eq-param-var": _CH + "parameterization.check_against_direct_integral",
    "eq-param-logvar": _CF + "kl_std_normal",
    "eq-param-bugs": _CH + "parameterization.glue_bugs",
    "eq-param-bugs-at-0": _CH + "parameterization.glue_bugs_at_mean_zero",
    "eq-chain-rule": _CH + "parameterization.glue_derivatives",
    "eq-param-derivatives": _CH + "parameterization.glue_derivatives",
    # negative-kl-plot
    "eq-log10-closed": _CH + "negative_kl_plot.glue_log10_closed_forms",
    "eq-gibbs-h": _EST + "k3",
    "eq-gibbs": _EST + "k3",
    "eq-kl-delta-r": _CH + "negative_kl_plot.check_against_definition",
    "eq-kl-unit-dsigma": _CH + "negative_kl_plot.glue_unit_derivatives",
    "eq-comment-formula": _CH + "negative_kl_plot.glue_comment_formula",
    # forward-reverse
    "eq-fr-kl-qp": _CH + "forward_reverse.glue_both_directions",
    "eq-fr-kl-pq": _CH + "forward_reverse.glue_both_directions",
    "eq-fr-difference": _CH + "forward_reverse.glue_difference",
    "eq-fr-g": _CH + "forward_reverse.glue_difference",
    "eq-fr-moment-match": _CH + "forward_reverse.glue_moment_match",
    "eq-elbo": _CH + "forward_reverse.glue_elbo",
    # diagonal-vae
    "eq-kl-additive": _MV + "kl_diag_normal",
    "eq-vae-sum-sigma": _MV + "kl_diag_std_normal",
    "eq-vae-sum-var": _MV + "kl_diag_std_normal",
    "eq-vae-sum-logvar": _MV + "kl_diag_std_normal",
    # full-covariance
    "eq-mvn-logpdf": _MV + "kl_mvn",
    "eq-trace-trick": _MV + "kl_mvn",
    "eq-mvn-entropy": _MV + "kl_mvn",
    "eq-quadratic-expectation": _MV + "kl_mvn",
    "eq-mvn-cross-entropy": _MV + "kl_mvn",
    "eq-mvn-kl": _MV + "kl_mvn",
    # gradients: each is checked against finite differences of the closed form
    "eq-grad-mu": _CF + "kl_normal",
    "eq-grad-sigma": _CF + "kl_normal",
    "eq-grad-var": _CF + "kl_normal",
    "eq-grad-logvar": _CF + "kl_normal",
    "eq-grad-unit-mu": _CF + "kl_std_normal",
    "eq-grad-unit-sigma": _CF + "kl_std_normal",
    "eq-grad-unit-var": _CF + "kl_std_normal",
    "eq-grad-unit-logvar": _CF + "kl_std_normal",
    "eq-hess-sigma": _CF + "kl_normal",
    "eq-hess-var": _CF + "kl_normal",
    "eq-hess-logvar": _CF + "kl_normal",
    "eq-fisher-entry": _CF + "kl_normal",
    "eq-fisher": _CF + "kl_normal",
    "eq-kl-fisher": _CF + "kl_normal",
    # accuracy: the stable formulation kl_normal evaluates, B(r) and g(v)
    "eq-b-series": _CF + "kl_normal",
    "eq-g-series": _CF + "expm1_minus_x",
    "eq-stable-b": _CF + "kl_normal",
    # monte-carlo
    "eq-mc-estimators": _K123,
    "eq-mc-log-r": "kltools.numeric.kl_monte_carlo",
    "eq-mc-kl": _CF + "kl_normal",
    "eq-mc-var-k1": _EST + "k1",
    "eq-mc-bias-k2": _EST + "k2",
    "eq-mc-bias-c": _EST + "k2",
    "eq-mc-var-k3": _EST + "k3",
    "eq-mc-square": _EST + "k3",
    "eq-mc-er2": _EST + "k3",
    "eq-mc-lambda-star": (_EST + "k1", _EST + "k3"),
    "eq-mc-other-direction": _CF + "kl_normal",
    "eq-mc-grad-kls": _K123,
    # cheat-sheet: the closed forms, once more
    "eq-cs-entropy": _CF + "entropy_normal",
    "eq-cs-cross-entropy": _CF + "cross_entropy_normal",
    "eq-cs-kl-sigma": _CF + "kl_normal",
    "eq-cs-kl-var": _CF + "kl_normal",
    "eq-cs-kl-logvar": _CF + "kl_normal",
    "eq-cs-kl-ratio": _CF + "kl_normal",
    "eq-cs-unit-sigma": _CF + "kl_std_normal",
    "eq-cs-unit-logvar": _CF + "kl_std_normal",
    "eq-cs-forward": _CF + "kl_normal",
    "eq-cs-diag": _MV + "kl_diag_std_normal",
    "eq-cs-full": _MV + "kl_mvn",
    "eq-cs-full-parts": _MV + "kl_mvn",
    "eq-cs-grad-mu": _CF + "kl_std_normal",
    "eq-cs-grad-sigma": _CF + "kl_std_normal",
    "eq-cs-grad-var": _CF + "kl_std_normal",
    "eq-cs-grad-logvar": _CF + "kl_std_normal",
    "eq-cs-fisher": _CF + "kl_normal",
    "eq-cs-mc": _K123,
}

# Labels that number a definition, not a result: nothing implements or checks them.
NOT_RESULTS = (
    "eq-defs-discrete",  # the discrete H(q), H(q, p) and KL(q‖p)
    "eq-fisher-def",  # the Fisher information matrix
)

# Results asserted by the visible cell beside them, with no function of their own.
CHECKED_ON_THE_PAGE = (
    "eq-param-blog-beta",  # the post's effective beta = P/d, by sympy in its cell
)


def resolve(label):
    """The objects that implement or check the result numbered ``label``.

    Parameters
    ----------
    label : str
        An equation label of the book, e.g. ``"eq-entropy-normal"``.

    Returns
    -------
    list
        The functions (or classes) named in :data:`EQUATIONS`, imported.

    Raises
    ------
    KeyError
        If ``label`` is not in :data:`EQUATIONS`.

    Examples
    --------
    >>> [f.__name__ for f in resolve("eq-mc-estimators")]
    ['k1', 'k2', 'k3']
    """
    names = EQUATIONS[label]
    objects = []
    for name in (names,) if isinstance(names, str) else names:
        module, _, attribute = name.rpartition(".")
        objects.append(getattr(importlib.import_module(module), attribute))
    return objects
