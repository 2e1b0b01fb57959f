"""check_formula reads code as people write it: each pattern once, with what it reports.

Each case here was refused or misjudged by the checker before it read several statements,
constant factors, list axes, library aliases, priors with a mean only, logs of roots and
numpy scalars in names=.
"""

import subprocess
import sys
import time
from fractions import Fraction

import pytest

from kltools import check_formula
from kltools.checker import TIME_LIMIT

from .test_formulas import assert_true_counterexample

KL = "1 + logvar - mu**2 - exp(logvar)"  # -2 KL(q || N(0, 1))

READ_AS_KL = [
    # (code, verdict, factor, reduction)
    ("kl = " + KL + "\nkl = torch.sum(kl, dim=1)\nkl *= -0.5", "kl_qp", 1, "sum"),
    ("kl = -0.5 * (" + KL + ")\nreturn kl.sum(-1)", "kl_qp", 1, "sum"),
    ("std = torch.exp(0.5 * logvar)\nkl = 0.5 * (std**2 + mu**2 - 1) - torch.log(std)",
     "kl_qp", 1, None),
    ("a = 0.5 * mu**2\na += 0.5 * (exp(logvar) - 1 - logvar)", "kl_qp", 1, None),
    ("a = mu**2 + exp(logvar)\na -= 1 + logvar\na /= 2", "kl_qp", 1, None),
    ("s, v = torch.exp(logvar / 2), torch.exp(logvar)\nkl = 0.5 * (v + mu**2 - 1) - log(s)",
     "kl_qp", 1, None),
    ("kl = " + KL, "neg_kl_qp", 2, None),
    ("kl = (" + KL + ") / 4", "neg_kl_qp", Fraction(1, 2), None),
    ("kl = 3 * (mu**2 + exp(logvar) - logvar - 1)", "kl_qp", 6, None),
    ("(mu**2 + var - log(var) - 1).sum(1).mean()", "kl_qp", 2, "sum"),
    ("-torch.sum(1 + logvar - mu.pow(2) - logvar.exp())", "kl_qp", 2, "sum"),
    ("-0.5 * torch.sum(" + KL + ", dim=[1, 2, 3])", "kl_qp", 1, "sum"),
    ("-0.5 * th.sum(" + KL.replace("exp", "th.exp") + ", dim=(1, 2))", "kl_qp", 1, "sum"),
    ("-0.5 * T.sum(" + KL.replace("exp", "T.exp") + ", axis=-1)", "kl_qp", 1, "sum"),
    ("-0.5 * TT.sum(1 + logvar - TT.sqr(mu) - TT.exp(logvar), axis=-1)", "kl_qp", 1, "sum"),
    ("-0.5 * F.sum(" + KL + ")", "kl_qp", 1, "sum"),
    ("-0.5 * mylib.sum(" + KL + ")", "kl_qp", 1, "sum"),
    ("0.5 * tf.reduce_sum(tf.exp(logvar) + tf.squared_difference(mu, mu_p) - 1 - logvar, 1)",
     "kl_qp", 1, "sum"),
    ("-0.5 * tf.reduce_sum(" + KL + ", axis=1, name='kl_loss')", "kl_qp", 1, "sum"),
    ("-0.5 * (1 + logvar - (mu - mu_p)**2 - exp(logvar))", "kl_qp", 1, None),
    ("sqrt(var)**2/2 + mu**2/2 - 1/2 - log(sqrt(var))", "kl_qp", 1, None),
    ("jnp.mean(jnp.log(jnp.sqrt(var_p) / jnp.sqrt(var)) + (var + (mu - mu_p)**2) / (2*var_p)"
     " - 0.5, axis=-1)", "kl_qp", 1, "mean"),
    ("log(sqrt(var_p * var_p) / var) / 2 + (var + (mu - mu_p)**2) / (2*var_p) - 0.5",
     "kl_qp", 1, None),
]


@pytest.mark.parametrize("code, verdict, factor, reduction", READ_AS_KL,
                         ids=[c[0][:40] for c in READ_AS_KL])
def test_code_is_read_as_written(code, verdict, factor, reduction):
    result = check_formula(code)
    assert (result.verdict, result.factor, result.reduction) == (verdict, factor, reduction)
    assert result.counterexample is None and result.reinterpretation == {}
    assert result.correct == (verdict == "kl_qp" and factor == 1)


def test_the_factor_is_described_in_words():
    assert check_formula("kl = " + KL).describe() == "-2 × kl_qp (multiply by -1/2 to get kl_qp)"
    assert check_formula("2*(log(sigma) + (1 + mu**2)/(2*sigma**2) - 1/2)").describe() == (
        "2 × kl_pq (multiply by 1/2 to get kl_pq)")
    assert check_formula("-0.5*(" + KL + ")").describe() == "kl_qp"


def test_a_factor_is_proved_not_guessed():
    # 2 KL at the two screen points, not elsewhere: no factor, and a true counterexample
    result = check_formula("mu**2 + exp(logvar) - logvar - 1 + 1e-9*mu**4")
    assert result.verdict == "no_match" and result.factor == 1
    assert_true_counterexample(result)


def test_several_statements_that_are_not_a_kl_get_a_true_counterexample():
    result = check_formula("kl = " + KL + "\nkl *= -0.25")
    assert result.verdict == "kl_qp" and result.factor == Fraction(1, 2)
    result = check_formula("s = exp(logvar)\nkl = 0.5 * (s + mu**2 - 1 - s)")
    assert result.verdict == "no_match"
    assert_true_counterexample(result)


def test_aliases_and_priors_are_recorded_in_assumed():
    assert check_formula("-0.5 * TT.sum(" + KL + ", axis=-1)").assumed == {
        "p": "N(0, 1)", "libraries": {"TT": "theano.tensor"}}
    assert check_formula("-0.5 * mylib.sum(" + KL + ")").assumed["libraries"] == {
        "mylib": "a numeric library (its functions read as torch's)"}
    result = check_formula("-0.5 * (1 + logvar - (mu - mu_p)**2 - exp(logvar))")
    assert result.assumed == {"sigma_p": 1}
    wrong = check_formula("-0.5 * (1 + logvar - (mu - mu_p)**2 - exp(2*logvar))")
    assert wrong.counterexample["distributions"]["sigma_p"] == 1.0
    assert_true_counterexample(wrong)


def test_names_take_numpy_scalars_and_0d_arrays():
    np = pytest.importorskip("numpy")
    line = "0.5*(m**2 + v - 1 - log(v)) + EPS"
    names = {"m": "mu", "v": "var"}
    for eps in (np.float64(1e-8), np.float32(1e-8), np.array(1e-8), np.finfo(float).eps,
                np.int64(0), np.array(0)):
        result = check_formula(line, names={**names, "EPS": eps})
        if float(eps) == 0:
            assert result.correct
        else:
            assert result.counterexample["difference"] == pytest.approx(float(eps), rel=1e-9)
    assert check_formula("-0.5*Tsum(" + KL + ")", names={"Tsum": "sum"}).reduction == "sum"


@pytest.mark.parametrize("value, message", [
    (10**5000, "more than 40 digits"),
    (float("inf"), "finite number"),
    (1 + 2j, "finite number"),
    ("eps", "neither a known name nor a number"),
    (object(), "finite number or a name"),
    ([1e-8], "finite number or a name"),
], ids=["10**5000", "inf", "complex", "unknown-string", "object", "list"])
def test_other_values_in_names_raise_a_value_error_naming_the_entry(value, message):
    with pytest.raises(ValueError, match="'EPS'.*" + message):
        check_formula("mu**2/2 + EPS", names={"EPS": value})


def test_other_numpy_values_in_names_raise_a_value_error_naming_the_entry():
    np = pytest.importorskip("numpy")
    for value in (np.array([1e-8]), np.array(1 + 2j), np.bool_(True), np.array(np.nan)):
        with pytest.raises(ValueError, match="'EPS'"):
            check_formula("mu**2/2 + EPS", names={"EPS": value})


REFUSALS = [
    # (input, what the message says is wrong, how it says to fix it)
    ("Tsum(" + KL + ")", "'Tsum' is not a known function", "names={'Tsum': 'sum'}"),
    ("TT.foo(mu)", "'TT.foo' is not a known function", "names={'TT.foo':"),
    ("mu.size(0)", "method .size()", "names={'mu.size':"),
    ("scipy.special.log(mu)", "'scipy.special.log' is not allowed", "one-word alias"),
    ("torch.sum(mu, dtype=1)", "keyword argument 'dtype'", "remove it"),
    ("torch.sum(mu, dim=mu)", "an axis must be", "dim=[1, 2, 3]"),
    ("kl += mu", "needs its target", "pass that statement too"),
    ("mu\nsigma", "second statement", "pass the statements up to"),
    ("sigma[0]", "indexing", "names="),
    ("mu; sigma", "operator ';'", "own line"),
    ("mu**sigma", "exponent must be a rational", "x**0.5"),
    ("torch.sum(mu) + 1", "constant is added", "check one dimension's term"),
    ("# a comment", "no expression", "pass the line"),
    ("TT.sum(x, axis=-1)", "unknown name 'x'", "names={'x':"),
    ("a, b = mu\nkl = a", "plain assignment of as many values", "one assignment per name"),
]


@pytest.mark.parametrize("text, what, fix", REFUSALS, ids=[r[0][:30] for r in REFUSALS])
def test_a_refusal_says_how_to_fix_the_input(text, what, fix):
    with pytest.raises(ValueError) as info:
        check_formula(text)
    assert what in str(info.value) and fix in str(info.value)


def test_importing_the_checker_loads_neither_numpy_nor_scipy():
    code = ("import sys, kltools.checker\n"
            "kltools.checker.check_formula('-0.5*sum(1 + logvar - mu**2 - exp(logvar))')\n"
            "from kltools import check_formula\n"
            "bad = [m for m in ('numpy', 'scipy') if m in sys.modules]\n"
            "assert not bad, bad\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


STATEMENT_ATTACKS = [
    # (code, what the ValueError says, or None for a verdict)
    ("x = mu + logvar\n" + "x = x*x + exp(logvar)\n" * 18 + "x", "more than 1000 parts"),
    ("a = -0.5*(" + KL + ")\n" + "a = a + 0*a\n" * 18 + "a", "more than 1000 parts"),
    ("x = exp(mu)\nx = exp(x)\nx = exp(x)", "exp is nested more than 2 deep"),
    ("x = log(sigma)\n" + "x = log(x + sigma)\n" * 10 + "x", "functions are nested"),
    ("x = mu + logvar\n" + "x = x**16\n" * 18 + "x", "no finite value"),
    ("x = 1\n" * 21 + "x", "more than 20 statements"),
    ("x = 1 + mu\n" + "x = (x + 1)**4\n" * 4 + "return x", None),
]


@pytest.mark.parametrize("code, message", STATEMENT_ATTACKS,
                         ids=[f"attack{i}" for i in range(len(STATEMENT_ATTACKS))])
def test_statements_keep_the_limits_of_one_line(code, message):
    start = time.process_time()
    if message is None:
        assert_true_counterexample(check_formula(code))
    else:
        with pytest.raises(ValueError, match=message):
            check_formula(code)
    assert time.process_time() - start < TIME_LIMIT


def test_a_string_is_read_only_as_the_name_keyword_and_never_run(tmp_path):
    sentinel = tmp_path / "sentinel"
    for code in (f"torch.sum(mu, name=f\"{{__import__('os').system('touch {sentinel}')}}\")",
                 f"torch.sum(mu, name=__import__('os').system('touch {sentinel}'))",
                 f"torch.sum(mu, dim='{sentinel}')",
                 f"kl = mu\nkl += __import__('os').system('touch {sentinel}')"):
        with pytest.raises(ValueError):
            check_formula(code)
    assert not sentinel.exists()
