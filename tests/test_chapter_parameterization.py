"""Checks behind the chapter "σ, σ² or log σ²?", independent of the notebook.

- The rule "the sampling line decides which KL line is right": for each sampling
  line, the matching KL line (as ``check_formula`` reads it) is the KL of the
  distribution the line samples from, and the line of the other reading is not.
- The common PyTorch bug and the 2016 Keras blog post: the log-variance KL line
  next to a sampling line that uses ``exp(h)`` as the standard deviation is bug 1,
  and Monte Carlo with that sampling line tells the two lines apart.
- Where bug 1 hurts: at mean 0 it charges less than half the true KL, a fraction
  that falls as sigma grows (worst for wide posteriors), and bug 2 charges at least
  twice the true KL.
- The numbers the chapter shows (glued) agree with these computations.
"""

import json
import math
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from scipy import stats

from kltools import check_formula, expm1_minus_x, kl_normal
from kltools.chapters import parameterization as chapter
from kltools.checker import SYMBOLS
from kltools.symbolic import Derivation, sigma

NOTEBOOK = Path(__file__).resolve().parents[1] / "book" / "parameterization.ipynb"

# (KL line in h, names= from the sampling line, the reading it implies,
#  sigma as a function of h for that sampling line, the other reading's line)
# The inverse maps, h as a function of sigma, are _H_OF below.
RULE = [
    ("-0.5*(1 + h - mu**2 - exp(h))", {"h": "log_var"}, "log_var",
     lambda t: np.exp(t / 2), "0.5*(mu**2 + exp(2*h) - 1) - h"),
    ("0.5*(mu**2 + exp(2*h) - 1) - h", {"h": "log_std"}, "log_sigma",
     np.exp, "-0.5*(1 + h - mu**2 - exp(h))"),
    ("0.5*(mu**2 + h**2 - 1) - log(h)", {"h": "std"}, "sigma",
     lambda t: t, "0.5*(mu**2 + h - 1 - log(h))"),
    ("0.5*(mu**2 + h - 1 - log(h))", {"h": "var"}, "var",
     np.sqrt, "0.5*(mu**2 + h**2 - 1) - log(h)"),
    ("0.5*(mu.pow(2) + (2*logvar).exp() - 1) - logvar", {"logvar": "log_std"},
     "log_sigma", np.exp, "-0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())"),
]
POINTS = [(0.5, 0.3), (-1.0, 1.7), (2.0, 0.05)]  # (mu, h): h > 0 suits every row
_H_OF = {"log_var": lambda s: 2 * math.log(s), "log_sigma": math.log,
         "sigma": lambda s: s, "var": lambda s: s * s}


def _as_function(check, reading):
    return sp.lambdify((SYMBOLS["mu"], SYMBOLS[reading]), check.expression)


RULE_IDS = ["log-var", "log-std", "std", "var", "torch-scale"]


@pytest.mark.parametrize("line, names, reading, sigma_of, other", RULE, ids=RULE_IDS)
def test_the_matching_line_is_the_kl_of_what_is_sampled(line, names, reading, sigma_of, other):
    check = check_formula(line, names=names)
    assert check.verdict == "kl_qp" and not check.reinterpretation
    assert set(check.names.values()) == {"mu", reading}
    f = _as_function(check, reading)
    for mu_, h_ in POINTS:
        true = float(kl_normal(mu_, float(sigma_of(h_)), 0.0, 1.0))
        assert math.isclose(float(f(mu_, h_)), true, rel_tol=1e-12)


@pytest.mark.parametrize("line, names, reading, sigma_of, other", RULE, ids=RULE_IDS)
def test_the_other_readings_line_is_not(line, names, reading, sigma_of, other):
    check = check_formula(other, names=names)
    (name,) = set(names)
    assert check.verdict == "kl_qp"
    assert set(check.reinterpretation) == {name}
    assert check.reinterpretation[name] != reading
    f = _as_function(check, reading)
    for mu_, s in [(0.5, 0.3), (-1.0, 3.0)]:  # away from sigma = 1, where they meet
        h_ = _H_OF[reading](s)
        assert math.isclose(float(sigma_of(h_)), s, rel_tol=1e-15)
        true = float(kl_normal(mu_, s, 0.0, 1.0))
        assert abs(float(f(mu_, h_)) - true) > 0.1 * true


@pytest.mark.parametrize("h_", [-1.5, 0.9], ids=["narrow", "wide"])
def test_monte_carlo_with_the_sampling_line_tells_the_lines_apart(h_):
    """Normal(mu, scale=logvar.exp()) samples with sigma = exp(h): the log-sigma
    line matches the sampled KL, the log-variance line (bug 1) does not."""
    n, alpha = 200_000, 1e-6
    k = stats.norm.isf(alpha / 4)  # two-sided, two right-line comparisons
    rng = np.random.default_rng(1403)
    mu_ = 0.3
    scale = np.exp(h_)
    z = mu_ + rng.standard_normal(n) * scale  # torch's rsample: loc + eps*scale
    log_ratio = stats.norm.logpdf(z, mu_, scale) - stats.norm.logpdf(z)
    estimate, se = log_ratio.mean(), log_ratio.std(ddof=1) / math.sqrt(n)
    right = 0.5 * (mu_**2 + math.exp(2 * h_) - 1) - h_
    code_line = -0.5 * (1 + h_ - mu_**2 - math.exp(h_))
    assert abs(estimate - right) <= k * se
    assert abs(estimate - code_line) > 10 * k * se


def test_the_keras_blog_line_is_bug_1_for_the_sigma_it_samples():
    line = ("kl_loss = - 0.5 * K.mean(1 + z_log_sigma - K.square(z_mean)"
            " - K.exp(z_log_sigma), axis=-1)")
    check = check_formula(line)
    assert check.names["z_log_sigma"] == "log_sigma"  # as named, and as sampled
    assert check.reinterpretation == {"z_log_sigma": "log_var"}
    assert check.reduction == "mean"
    f = _as_function(check, "log_sigma")
    for s in (0.05, 0.5, 2.0, 5.0):
        bug_1 = 0.5 * (s - 1 - math.log(s))  # sigma fed as the variance, mu = 0
        assert math.isclose(float(f(0.0, math.log(s))), bug_1, rel_tol=1e-12)
        assert bug_1 < kl_normal(0.0, s, 0.0, 1.0)


def _bug_ratios(s):
    """(bug 1, bug 2) / true KL at mean 0, without cancellation near sigma = 1."""
    true = kl_normal(0.0, s, 0.0, 1.0)
    bug_1 = 0.5 * expm1_minus_x(np.log(s))  # (sigma - 1 - log sigma) / 2
    bug_2 = 0.5 * expm1_minus_x(4 * np.log(s))  # (sigma^4 - 1)/2 - log sigma^2
    return bug_1 / true, bug_2 / true


def test_bug_1_is_worst_for_wide_posteriors_and_bug_2_is_at_least_double():
    s = np.logspace(-3, 3, 600)  # an even count: sigma = 1 is not on the grid
    r1, r2 = _bug_ratios(s)
    assert np.all((0 < r1) & (r1 < 0.5))
    assert np.all(np.diff(r1) < 0)  # falling: the worst fraction is for wide q
    assert np.all(r2 > 2) and np.all(np.diff(r2) > 0)
    near_one = _bug_ratios(np.array([1 - 1e-4, 1 + 1e-4]))
    assert np.allclose(near_one[0], 0.25, atol=1e-3)
    assert np.allclose(near_one[1], 4.0, atol=1e-2)


def test_the_identities_at_mean_zero():
    s = sp.Symbol("sigma", positive=True)
    kl = (s**2 - 1) / 2 - sp.log(s)
    bug_1 = (s - 1 - sp.log(s)) / 2
    bug_2 = (s**4 - 1) / 2 - sp.log(s**2)
    assert sp.simplify(sp.expand_log(bug_1 - (kl / 2 - (s - 1)**2 / 4))) == 0
    assert sp.simplify(sp.expand_log(bug_2 - (2 * kl + (s**2 - 1)**2 / 2))) == 0


def _glued(name):
    for cell in json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]:
        for out in cell.get("outputs", []):
            if out.get("metadata", {}).get("scrapbook", {}).get("name") == name or \
                    out.get("metadata", {}).get("name") == name:
                return out["data"]["application/papermill.record/text/plain"]
    raise KeyError(name)


def test_the_chapter_shows_what_is_computed():
    r_narrow, r_wide = (float(_bug_ratios(np.array([s]))[0][0]) for s in (0.05, 5.0))
    assert r_wide < r_narrow  # the direction the text states
    assert float(_glued("param_bug1_ratio_narrow")) == round(r_narrow, 2)
    assert float(_glued("param_bug1_ratio_wide")) == round(r_wide, 2)
    assert float(_glued("param_blog_ratio_5")) == round(r_wide, 2)
    assert int(_glued("param_blog_beta")) == 784 // 2


# --- the chapter's functions (kltools.chapters.parameterization) ---

KL_SIGMA = chapter.kl_normal_sigma()
BUG_1, BUG_2 = chapter.bug_forms(KL_SIGMA)


def test_the_rule_rows_fail_when_the_derived_kl_is_wrong():
    sigma_of = {"mu + h*eps": chapter.H_POS}
    right = {"mu + h*eps": KL_SIGMA.subs(sigma, chapter.H_POS)}
    results = chapter.sampling_rule(sigma_of, right)
    assert [r[1] for r in results] == ["right", "wrong"]
    assert max(results[0][6]) <= chapter.K_SE < min(results[1][6])
    wrong = {"mu + h*eps": KL_SIGMA.subs(sigma, chapter.H_POS**2)}  # bug 2 as "derived"
    with pytest.raises(AssertionError):
        chapter.sampling_rule(sigma_of, wrong)


def test_the_bug_table_is_the_exact_expressions():
    table = chapter.bug_table(KL_SIGMA, BUG_1, BUG_2).splitlines()
    s_ = 5.0
    true = float(kl_normal(0.0, s_, 0.0, 1.0))
    b1, b2 = 0.5 * (s_ - 1 - math.log(s_)), 0.5 * (s_**4 - 1) - math.log(s_**2)
    assert table[-1].split() == [f"{s_:.2f}", f"{true:.3f}", f"{b1:.3f}", f"{b1 / true:.2f}",
                                 f"{b2:.3f}", f"{b2 / true:.2f}"]
    with pytest.raises(AssertionError):  # the bugs exchanged: bug 1 would be above the KL
        chapter.bug_table(KL_SIGMA, BUG_2, BUG_1)


def test_where_bug_1_hurts_fails_for_the_other_bug():
    chapter.check_where_bug_1_hurts(KL_SIGMA, BUG_1, BUG_2)
    with pytest.raises(AssertionError):
        chapter.check_where_bug_1_hurts(KL_SIGMA, BUG_2, BUG_1)


def test_the_curvatures_are_the_fisher_information():
    forms = [Derivation("KL", e) for e in (KL_SIGMA, KL_SIGMA.subs(sigma, sp.sqrt(chapter.var)),
                                           KL_SIGMA.subs(sigma, sp.exp(chapter.v / 2)))]
    curvature = chapter.glue_derivatives(*forms)
    assert list(curvature.values()) == [2, sp.Rational(1, 2), sp.Rational(1, 2)]
    chapter.check_worked_example(*forms, BUG_1, BUG_2)
    with pytest.raises(AssertionError):
        chapter.check_worked_example(*forms, BUG_2, BUG_1)
