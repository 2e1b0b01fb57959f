"""The cheat sheet's claims, recomputed from kltools (book/cheat-sheet.ipynb).

Each typed form must equal the form derived from the normal moments; the snippet checks
of :mod:`kltools.chapters.cheat_sheet` must fail on a snippet that is wrong.
"""

import re

import mpmath as mp
import numpy as np
import pytest
import sympy as sp
from scipy import stats

from kltools import equivalent, kl_mvn, kl_std_normal
from kltools.baselines import kl_normal_textbook as textbook_np
from kltools.chapters import cheat_sheet as chapter
from kltools.symbolic import add, kl_normal_textbook, latex, mu, mu1, mu2, sigma, sigma1, sigma2

DERIVED = chapter.derived()
FORMS = chapter.forms(DERIVED)


def test_kl_is_cross_entropy_minus_entropy():
    assert equivalent(DERIVED["KL"], DERIVED["H_qp"] - DERIVED["H_q"])


@pytest.mark.parametrize("name", list(FORMS), ids=list(FORMS))
def test_typed_form_equals_the_derived_one(name):
    _, shown, derived, back = FORMS[name]
    assert equivalent(shown.doit().subs(back), derived), name


def test_univariate_kls_against_the_books_reference():
    assert equivalent(FORMS["cs_kl_sigma"][1].doit(), kl_normal_textbook())
    assert equivalent(FORMS["cs_reverse"][1].doit(), kl_normal_textbook(mu2, sigma2, mu1, sigma1))


def test_diagonal_sum_term_and_kl_mvn():
    _, term, (mu_j, v_j, _) = chapter.diagonal_sum()
    assert equivalent(term.doit().subs({mu_j: mu, v_j: chapter.v}),
                      FORMS["cs_unit_logvar"][1].doit())
    rng = np.random.default_rng(0)
    mu_b, log_var_b = rng.normal(size=(4, 16)), rng.normal(0, 0.5, size=(4, 16))
    full = [float(kl_mvn(mu_b[i], np.diag(np.exp(log_var_b[i])), np.zeros(16), np.eye(16)))
            for i in range(4)]
    assert np.allclose(kl_std_normal(mu_b, log_var_b).sum(axis=-1), full, rtol=1e-13)


def test_matrix_forms_at_d_1_are_the_univariate_ones():
    one = ([mu1], [[sigma1**2]], [mu2], [[sigma2**2]])
    for form, derived in zip(chapter.matrix_forms(), ("KL", "H_q", "H_qp")):
        assert equivalent(sp.simplify(chapter.explicit(form, *one)), DERIVED[derived])


def _exact(values):
    return [sp.Rational(str(float(c))) for c in values]


@pytest.mark.parametrize("k", [2, 3], ids=["d=2", "d=3"])
def test_matrix_forms_at_d_2_and_3(k):
    kl_full, h_full, ce_full = chapter.matrix_forms()
    rng = np.random.default_rng(k)
    qm, _ = np.linalg.qr(rng.normal(size=(k, k)))
    cov_a = (qm * np.geomspace(0.5, 3, k)) @ qm.T
    cov_b = np.eye(k) + 0.3 * np.ones((k, k))
    a, b = rng.normal(size=k), rng.normal(size=k)
    at = (_exact(a), np.array(_exact(cov_a.ravel())).reshape(k, k).tolist(),
          _exact(b), np.array(_exact(cov_b.ravel())).reshape(k, k).tolist())
    kl_val = float(chapter.explicit(kl_full, *at).evalf(30))
    assert abs(kl_val - float(kl_mvn(a, cov_a, b, cov_b))) <= 1e-12 * kl_val
    entropy = float(chapter.explicit(h_full, *at).evalf(30))
    assert abs(entropy - stats.multivariate_normal(a, cov_a).entropy()) <= 1e-12
    xs = stats.multivariate_normal(a, cov_a).rvs(size=200_000, random_state=rng)
    logp = -stats.multivariate_normal(b, cov_b).logpdf(xs)
    # a Monte Carlo cross-entropy, within 4 standard errors
    cross = float(chapter.explicit(ce_full, *at).evalf(30))
    assert abs(cross - logp.mean()) <= 4 * logp.std() / np.sqrt(logp.size)


def test_unit_prior_gradients_and_fisher_information():
    for name, (_, shown, derived) in chapter.unit_prior_gradients(DERIVED["KL_unit"]).items():
        assert equivalent(sp.sympify(shown).doit(), derived), name
    rows = chapter.fisher_rows()
    assert [row[1][1, 1].subs(sigma, 1) for row in rows] == [2, sp.Rational(1, 2),
                                                              sp.Rational(1, 2)]


def test_estimator_facts():
    r, delta = chapter.r, chapter.delta
    facts = chapter.estimator_facts()
    assert equivalent(facts["kl_rd"].subs(chapter.IN_RATIOS), DERIVED["KL"])
    assert equivalent(facts["var_shown"].doit(), facts["var_k1"])
    assert sp.simplify(facts["bias_k2"].subs(r, 1) - delta**4 / 8) == 0
    z = facts["z"]
    with mp.workdps(20):  # E_q[rho^2] by quadrature, within 10 times quad's error estimate
        at = {r: sp.Rational(4, 5), delta: sp.Rational(1, 2)}
        integrand = sp.lambdify(
            z, (sp.exp(2 * facts["log_rho"]) * sp.exp(-(z**2) / 2) / sp.sqrt(2 * sp.pi)).subs(at),
            "mpmath")
        value, error = mp.quad(integrand, [-mp.inf, 0, mp.inf], error=True)
        assert abs(value - facts["E_r2"].doit().subs(at).evalf(20)) <= 10 * error + 1e-15


def test_k3_terms_are_the_snippets():
    assert chapter.k3_error_analysis()["terms"] == {np.float64: 15, np.float32: 9}


def test_snippet_checks_refuse_the_textbook_forms():
    with pytest.raises(AssertionError):
        chapter.check_kl_normal_snippet(textbook_np, n=50)
    with pytest.raises(AssertionError):
        chapter.check_k3_snippet(lambda t: np.exp(t) - 1 - t, chapter.k3_error_analysis())


def test_gradient_check_refuses_a_cancelling_derivative():
    grad = (sp.exp(chapter.v) - 1) / 2
    with pytest.raises(AssertionError):
        chapter.check_gradient_snippet(lambda m, v: (m, 0.5 * (np.exp(v) - 1)), grad)


def test_kl_mvn_check_refuses_a_wrong_log_determinant():
    def wrong(a, c1, b, c2):
        return float(kl_mvn(a, c1, b, c2)) + 1e-9

    with pytest.raises(AssertionError):
        chapter.check_kl_mvn_snippet(wrong, np.random.default_rng(0))


def _unbroken(tex):
    """The one-line LaTeX of a :func:`chapter.broken` block of one row."""
    body = tex.removeprefix("\\begin{aligned}\n&").removesuffix("\n\\end{aligned}")
    body = re.sub(r" \\\\\n&\\quad (?:\{\} )?", " ", body)
    return re.sub(r"\\(?:bigg|Big)([lr])([()])",
                  lambda m: ("\\left" if m[1] == "l" else "\\right") + m[2], body)


def _shown_rows():
    kl_full, h_full, ce_full = chapter.matrix_forms()
    rows = [(lhs, shown, chapter.LINE_STARTS[name]) for name, (lhs, shown, *_) in FORMS.items()]
    return rows + [("K", kl_full, (1, 2)), ("H", ce_full, (1, 2)),
                   ("D", chapter.diagonal_sum()[0], (0,))]


@pytest.mark.parametrize("row", _shown_rows(), ids=lambda row: row[0])
def test_broken_lines_are_the_expression_itself(row):
    lhs, expr, starts = row
    tex = chapter.broken(row).latex()
    assert tex.count("\\\\\n") == len(starts)  # one line more per break
    assert _unbroken(tex) == f"{lhs} = {latex(expr)}"


def test_broken_keeps_a_lone_negative_number_a_difference():
    tex = chapter.broken(("f", FORMS["cs_kl_sigma"][1], (2,))).latex()
    assert tex.endswith("&\\quad {} - \\frac{1}{2}\n\\end{aligned}")
    tex = chapter.broken(("f", add(mu, sigma, -1), (2,))).latex()
    assert _unbroken(tex) == r"f = \mu + \sigma - 1"


def test_broken_refuses_a_break_outside_the_sum():
    with pytest.raises(ValueError, match="starts"):
        chapter.broken(("f", FORMS["cs_kl_ratio"][1], (3,)))
