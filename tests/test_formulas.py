"""check_formula: verdicts, reinterpretations, counterexamples and parsing safety."""

import builtins

import pytest
import sympy as sp

from kltools import check_formula, kl_normal
from kltools.formulas import SYMBOLS

RIGHT = [
    # (formula, verdict, reinterpretation)
    ("-0.5*(1 + log_var - mu**2 - exp(log_var))", "kl_qp", {}),
    ("0.5*(mu**2 + exp(log_var) - log_var - 1)", "kl_qp", {}),
    ("-0.5*(2*log(sigma) - sigma**2 - mu**2 + 1)", "kl_qp", {}),
    ("0.5*(var + mu^2 - 1 - log(var))", "kl_qp", {}),
    ("log(1/sigma) + (sigma**2 + mu**2)/2 - 1/2", "kl_qp", {}),
    ("log(sigma_p/sigma) + (sigma**2 + (mu - mu_p)**2)/(2*sigma_p**2) - 0.5", "kl_qp", {}),
    ("0.5*(log_var_p - log_var + (exp(log_var) + (mu - mu_p)**2)/exp(log_var_p) - 1)", "kl_qp", {}),
    ("0.5*log(var_p/var) + (var + (mu - mu_p)**2)/(2*var_p) - 0.5", "kl_qp", {}),
    ("-0.5*(log(sigma) - sigma - mu**2 + 1)", "kl_qp", {"sigma": "var"}),
    ("-0.5*(1 + sigma - mu**2 - exp(sigma))", "kl_qp", {"sigma": "log_var"}),
    ("0.5*(var**2 + mu**2 - 1) - log(var)", "kl_qp", {"var": "sigma"}),
    ("log(sigma) + (1 + mu**2)/(2*sigma**2) - 0.5", "kl_pq", {}),
    ("log(sigma/sigma_p) + (sigma_p**2 + (mu - mu_p)**2)/(2*sigma**2) - 0.5", "kl_pq", {}),
    ("0.5*(1 + log_var - mu**2 - exp(log_var))", "neg_kl_qp", {}),
    ("-(log(sigma) + (1 + mu**2)/(2*sigma**2) - 1/2)", "neg_kl_pq", {}),
    ("0.5*(sigma**2 - 1 - log(sigma**2))", "kl_qp", {}),  # written for mu = 0
]


def test_absent_means_are_zero_and_recorded():
    assert check_formula("0.5*(sigma**2 - 1 - log(sigma**2))").assumed == {"mu": 0, "p": "N(0, 1)"}
    assert check_formula("0.5*(var - 1 - log(var)) + mu**2/2").assumed == {"p": "N(0, 1)"}
    assert check_formula("0.5*(var_p - 1 - log(var_p))").assumed == {"mu": 0, "mu_p": 0}

WRONG = [
    "0.5*(sigma**2 - 1 - log10(sigma**2))",  # log10 where ln belongs
    "0.5*(sigma**-2 - 1) - log(sigma)",  # the thread's comment formula
    "-(1 + log_var - mu**2 - exp(log_var))",  # missing 1/2
    "-0.5*(1 + log_var - mu**2 + exp(log_var))",  # sign slip
    "-0.5*(1 + log_var - mu - exp(log_var))",  # mu where mu**2 belongs
    "log(sigma_p/sigma) + (sigma**2 + (mu - mu_p)**2)/(2*sigma_p**2) + 0.5",  # +1/2 instead of -1/2
    "log(sigma_p/sigma) + (sigma_p**2 + (mu - mu_p)**2)/(2*sigma**2) - 0.5",  # swapped variances only
    "-0.5*(1 + log_var - mu**2 - exp(log_var)**2)",  # exp(log_var) squared
    "0.5*(sigma**2 - 1 - log10(sigma**2))",  # mu = 0 written, log10: still wrong
    "0.5*(1/sigma**2 - 1) - log(sigma)",  # neither direction at mu = 0
]


@pytest.mark.parametrize("formula, verdict, reinterp", RIGHT)
def test_verdicts(formula, verdict, reinterp):
    result = check_formula(formula)
    assert result.verdict == verdict
    assert result.reinterpretation == reinterp
    assert result.counterexample is None
    assert result.correct == (verdict == "kl_qp" and not reinterp)


@pytest.mark.parametrize("formula", WRONG)
def test_wrong_formulas_get_a_true_counterexample(formula):
    result = check_formula(formula)
    assert result.verdict == "no_match" and result.reinterpretation == {}
    ce = result.counterexample
    d = ce["distributions"]
    true_kl = float(kl_normal(d["mu"], d["sigma"], d.get("mu_p", 0.0), d.get("sigma_p", 1.0)))
    assert ce["kl_qp"] == pytest.approx(true_kl, rel=1e-12)
    value = complex(result.formula.subs({SYMBOLS[k]: v for k, v in ce["point"].items()}).evalf())
    assert value == pytest.approx(ce["formula"], rel=1e-9)
    assert abs(ce["formula"] - ce["kl_qp"]) > 1e-6


def test_sympy_input_is_accepted():
    mu, lv = SYMBOLS["mu"], SYMBOLS["log_var"]
    assert check_formula(-(1 + lv - mu**2 - sp.exp(lv)) / 2).verdict == "kl_qp"
    with pytest.raises(ValueError, match="unknown name"):
        check_formula(sp.Symbol("z") + mu)


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("   ", "empty"),
    ("mu + z", "unknown name 'z'"),
    ("np.log(sigma)", "unknown name 'np'"),
    ("__import__('os').system('true')", "unknown name '__import__'"),
    ("mu.real", "operator '.'"),
    ("(mu +", "syntax error|could not be parsed"),
    ("mu +", "could not be parsed"),
    ("sigma[0]", "operator '\\['"),
    ("'mu'", "unexpected token"),
    ("lambda: 0", "unknown name 'lambda'"),
    ("mu; sigma", "operator ';'"),
    (42, "string or a sympy"),
])
def test_bad_input_raises_a_clear_value_error(text, message):
    with pytest.raises(ValueError, match=message):
        check_formula(text)


def test_kltools_never_calls_eval_itself(monkeypatch):
    """Only sympy's parser runs, on whitelisted tokens; the checker has no eval of its own."""
    import kltools.formulas as f

    assert "eval(" not in open(f.__file__).read().replace("evalf(", "")
    calls = []
    real_eval = builtins.eval
    monkeypatch.setattr(builtins, "eval", lambda *a, **k: calls.append(a[0]) or real_eval(*a, **k))
    with pytest.raises(ValueError):
        check_formula("__import__('os')")
    assert calls == []  # rejected before any parser ran
