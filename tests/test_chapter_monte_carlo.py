"""The Monte Carlo chapter's claims, recomputed from kltools (book/monte-carlo.ipynb).

Every expectation is taken from the normal moments (``kltools.symbolic.Expectation``),
independently of the derivations the page displays; the quadrature checks use mpmath's
own error estimate.
"""

import mpmath as mp
import numpy as np
import pytest
import sympy as sp
from scipy import optimize

from kltools import equivalent
from kltools.chapters import monte_carlo as chapter
from kltools.symbolic import (Expectation, kl_normal_textbook, mu1, mu2, normal_pdf, sigma1,
                              sigma2, x)

z, r, delta = chapter.z, chapter.r, chapter.delta
LOG_RHO = sp.log(r) + z**2 / 2 - (r * z + delta) ** 2 / 2


def E(f):
    return Expectation(f, z, 0, 1).doit()


@pytest.fixture(scope="module")
def moments():
    kl = sp.expand(E(-LOG_RHO))
    kl_pq = Expectation(LOG_RHO, z, -delta / r, 1 / r, name="p").doit()
    e_r2 = chapter.second_moment_rho()
    var_k2, var_k3 = chapter.variances_k2_k3(LOG_RHO, kl, kl_pq, e_r2)
    var_k1 = sp.expand(E(LOG_RHO**2) - kl**2)
    bias = sp.expand(E(LOG_RHO**2) / 2 - kl)
    return {"kl": kl, "kl_pq": kl_pq, "e_r2": e_r2, "var_k1": var_k1, "var_k2": var_k2,
            "var_k3": var_k3, "bias": bias}


def test_log_ratio_and_kl_in_r_and_delta(moments):
    log_rho = sp.log(normal_pdf(x, mu2, sigma2)) - sp.log(normal_pdf(x, mu1, sigma1))
    assert equivalent(chapter.in_sigmas(log_rho), chapter.in_sigmas(LOG_RHO))
    assert equivalent(moments["kl"].subs(chapter.TO_SIGMAS), kl_normal_textbook())


def test_change_of_measure(moments):
    # rho(z) phi(z) is the density of z under p, N(-delta/r, 1/r^2): E_q[rho f] = E_p[f]
    assert equivalent(sp.expand(LOG_RHO + sp.log(normal_pdf(z, 0, 1))),
                      sp.expand(sp.log(normal_pdf(z, -delta / r, 1 / r))))
    assert equivalent(moments["kl_pq"].subs(chapter.TO_SIGMAS),
                      kl_normal_textbook(mu2, sigma2, mu1, sigma1))


def test_bias_of_k2_special_cases(moments):
    bias, kl = moments["bias"], moments["kl"]
    assert sp.simplify(bias.subs(r, 1) - delta**4 / 8) == 0  # equal variances
    assert sp.simplify(bias.subs(r, 1) / kl.subs(r, 1) - delta**2 / 4) == 0  # relative
    assert bias.subs({delta: sp.Rational(1, 2), r: sp.Rational(4, 5)}).evalf() < 0


@pytest.mark.parametrize("dd, rr", [("0.5", "0.8"), ("-0.7", "1.5")],
                         ids=["delta=0.5,r=0.8", "delta=-0.7,r=1.5"])
def test_second_moment_and_var_k3_by_quadrature(moments, dd, rr):
    at = {delta: sp.Rational(dd), r: sp.Rational(rr)}
    with mp.workdps(20):
        lr = sp.lambdify(z, LOG_RHO.subs(at), "mpmath")

        def quad(f):
            return mp.quad(lambda t: f(t) * mp.exp(-(t**2) / 2) / mp.sqrt(2 * mp.pi),
                           [-mp.inf, 0, mp.inf], error=True)

        (m2, e2), (k3_2, e3) = quad(lambda t: mp.exp(2 * lr(t))), quad(
            lambda t: (mp.expm1(lr(t)) - lr(t)) ** 2)
        kl = moments["kl"].subs(at).evalf(20)
        # within 10 times quad's own error estimate (and 15 digits of the value)
        assert abs(m2 - moments["e_r2"].subs(at).evalf(20)) <= 10 * e2 + mp.mpf(10) ** -15 * m2
        assert (abs(k3_2 - kl**2 - moments["var_k3"].subs(at).evalf(20))
                <= 10 * e3 + mp.mpf(10) ** -15 * k3_2)


def test_fourth_moment_of_k3_finite_only_above_three_quarters():
    coef4 = sp.expand(4 * LOG_RHO - z**2 / 2).coeff(z, 2)  # in log(rho^4 phi)
    assert sp.expand(coef4 - (sp.Rational(3, 2) - 2 * r**2)) == 0
    assert coef4.subs(r, sp.sqrt(sp.Rational(3, 4))) == 0 and sp.diff(coef4, r) < 0


def test_control_variate_coefficient(moments):
    var_rho = moments["e_r2"] - 1
    lam = (moments["kl"] + moments["kl_pq"]) / var_rho  # Cov(log rho, rho) / Var rho
    assert sp.simplify(moments["var_k3"] - moments["var_k1"] - (1 - 2 * lam) * var_rho) == 0
    lam_r1 = sp.simplify(lam.subs(r, 1))
    assert equivalent(lam_r1, delta**2 / (sp.exp(delta**2) - 1))  # as typed
    assert sp.limit(lam_r1, delta, 0) == 1
    assert sp.diff(lam_r1, delta).subs(delta, 1) < 0  # equal variances: below 1
    assert lam.subs({r: sp.Rational(13, 10), delta: 0}).evalf() > 1  # q wider: above 1


def test_crossing_at_equal_variances(moments):
    gap_expr = (moments["var_k3"] - moments["var_k1"]).subs(r, 1)
    assert equivalent(gap_expr, sp.exp(delta**2) - 1 - 2 * delta**2)
    gap = sp.lambdify(delta, gap_expr)
    delta_cross = optimize.brentq(gap, 0.5, 2.0, xtol=1e-12)
    assert gap(0.9 * delta_cross) < 0 < gap(1.1 * delta_cross)
    lam_r1 = delta**2 / (sp.exp(delta**2) - 1)
    assert abs(float(lam_r1.subs(delta, delta_cross)) - 0.5) < 1e-9
    assert round(delta_cross, 2) == 1.12  # as in figure 1's caption


@pytest.fixture(scope="module")
def preds(moments):
    return {"k1": (0, moments["var_k1"]), "k2": (moments["bias"], moments["var_k2"]),
            "k3": (0, moments["var_k3"])}


def test_schulman_rounded_claims(preds, moments):
    _, sds = chapter.schulman_table(preds, moments["kl"])
    assert round(sds["0.1"][0], 9) == 20
    assert round(sds["0.1"][1], 1) == round(sds["0.1"][2], 1) == 1.4
    assert sds["1"][2] < sds["1"][1] < sds["1"][0]
    assert (chapter.predicted(preds, "k2", 0.5, 0.8)[0] < 0
            and chapter.predicted(preds, "k3", 0.5, 0.8)[1]
            > chapter.predicted(preds, "k1", 0.5, 0.8)[1])


def test_figure_1_measured_biases():
    markers = chapter.k2_bias_markers()
    # the measured bias of k2 within 4 standard errors of delta^4/8
    assert all(abs(measured - dd**4 / 8) <= 4 * se for dd, _, measured, se in markers)
    shown = [dd for dd, _, _, se in markers if dd**4 / 8 >= 2 * se]
    assert shown == [0.3, 1.0]


def test_sampling_check_fails_on_a_wrong_variance(preds, moments):
    wrong = dict(preds, k1=(0, 1.1 * moments["var_k1"]))
    with pytest.raises(AssertionError):
        chapter.check_predictions_by_sampling(wrong, moments["kl_pq"], cases=[(1.0, 1.0)],
                                              n=200_000)


# The chapter's visible definitions of the estimators and their per-sample gradients.
T = sp.Symbol("t", real=True)  # the log-ratio log p(x) - log q(x)
RHO = sp.Symbol("rho", positive=True)
LOG_Q = sp.expand_log(sp.log(normal_pdf(x, mu1, sigma1)), force=True)
T_X = sp.expand_log(sp.log(normal_pdf(x, mu2, sigma2)), force=True) - LOG_Q
KS = {"k1": -T, "k2": T**2 / 2, "k3": sp.exp(T) - 1 - T}


def at_x(f):
    return f.subs(sp.exp(T), RHO).subs(T, T_X)


def gradient(k, placement, th):
    dk, score = at_x(sp.diff(k, T)), sp.diff(LOG_Q, th)
    if placement == "a":  # pathwise: through x = mu_1 + sigma_1 z
        dt = sp.diff(T_X.subs(x, mu1 + sigma1 * z), th)
        return dk * dt.subs(z, (x - mu1) / sigma1)
    loss, reward = -dk * score, at_x(k) * score
    return {"b": loss, "c": loss + reward, "d": reward}[placement]


def test_gradient_table_claims():
    verdict, _ = chapter.gradient_verdicts(KS, gradient, at_x, RHO)
    assert [verdict[k, "b"] for k in KS] == ["0", "rev", "fwd"]
    assert {verdict[k, pl] for k in ("k1", "k3") for pl in "ac"} == {"rev"}
    assert verdict["k1", "d"] == "rev" and verdict["k3", "d"] == "rev-fwd"


def test_kl_gradients_claims():
    kl_qp, kl_pq = kl_normal_textbook(), kl_normal_textbook(mu2, sigma2, mu1, sigma1)
    g_rev = [sp.diff(kl_qp, th) for th in (mu1, sigma1)]
    g_fwd = [sp.diff(kl_pq, th) for th in (mu1, sigma1)]
    assert sp.simplify(g_rev[0] / g_fwd[0] - sigma1**2 / sigma2**2) == 0
    assert sp.solve(g_rev[1], sigma1) == [sigma2]
    assert equivalent(sp.solve(g_fwd[1], sigma1)[0] ** 2, sigma2**2 + (mu1 - mu2) ** 2)
    at_p = {mu1: mu2, sigma1: sigma2}  # the same Hessian (the Fisher matrix) at q = p
    assert sp.simplify(sp.hessian(kl_qp - kl_pq, (mu1, sigma1)).subs(at_p)) == sp.zeros(2, 2)
    for (th, a, _), shown in chapter.KL_GRADIENTS_TYPED.items():
        assert equivalent(shown, sp.diff(kl_qp if a == "q" else kl_pq, th))


def test_gradient_sampling_check_fails_on_a_wrong_value():
    wrong = {("k1", pl): np.full(2, 0.05) for pl in "bcd"}  # the exact values are 0
    with pytest.raises(AssertionError):
        chapter.check_gradients_by_sampling({}, wrong, [0.5, 0.5], [0.5, 0.5], n=200_000)


def _malformed_latex(notebook):
    """The stored text/latex outputs of a notebook whose braces or scripts are malformed."""
    import json
    import re

    bad = []
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        for output in cell.get("outputs", []):
            for mime, value in (output.get("data") or {}).items():
                if not mime.endswith("text/latex"):
                    continue
                tex = "".join(value) if isinstance(value, list) else value
                depth, negative = 0, False
                for ch in tex.replace(r"\{", "").replace(r"\}", ""):
                    depth += (ch == "{") - (ch == "}")
                    negative |= depth < 0
                if depth or negative or "]}_" in tex or re.search(r"\^\{[^{}]*\]", tex):
                    bad.append(tex)
    return bad


def test_stored_latex_is_well_formed():
    from pathlib import Path

    notebook = Path(__file__).resolve().parents[1] / "book" / "monte-carlo.ipynb"
    assert _malformed_latex(notebook) == []
