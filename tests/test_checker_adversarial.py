"""check_formula under attack: hangs, crashes, false positives, fuzzing, and its time limit.

The cases of the fuzzing review of issue 13 come first, then variants of our
own.  Each must end in a ValueError that names the problem or in a verdict;
a "no_match" must carry a counterexample that really is one; and no input
may take longer than TIME_LIMIT.
"""

import string
import time

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from kltools import check_formula
from kltools.checker import SYMBOLS, TIME_LIMIT

from .test_formulas import assert_true_counterexample

KL = "(log(1/sigma) + (sigma**2 + mu**2)/2 - 1/2)"
VAE = "-0.5*(1 + log_var - mu**2 - exp(log_var))"
GEN = "(log(sigma_p/sigma) + (var + (mu - mu_p)**2)/(2*var_p) - 1/2)"

TIMES = {}


def timed(formula, **kwargs):
    start_cpu, start = time.process_time(), time.perf_counter()
    try:
        return check_formula(formula, **kwargs)
    finally:
        TIMES[str(formula)[:60]] = (time.process_time() - start_cpu, time.perf_counter() - start)


HANGS = [  # (input, what the ValueError says); each ran for minutes before
    ("9**9**8", "exponent 43046721 is too large"),
    ("9**9**9**9", "exponent 387420489 is too large"),
    ("10**10**10", "exponent 10000000000 is too large"),
    ("1e100000000*mu", "decimal exponent"),
    ("exp(" * 10 + "mu" + ")" * 10, "exp is nested"),
    ("+".join(["mu"] * 2000), "characters long"),
    ("2**2**30", "exponent 30 is too large"),
    # ours
    ("2**2**2**2**2", "exponent 65536 is too large"),
    ("mu" + "**2" * 60, "nested more than 60"),
    ("(" * 30 + "mu" + ")" * 30, "nested more than 20"),
    ("+".join(["mu*mu"] * 120), "more than 400 tokens"),
    ("(mu + sigma)**17", "exponent 17 is too large"),
    ("mu**(1/1001)", "denominator above 1000"),
    ("1" * 41 + "*mu", "more than 40 digits"),
    ("0." + "0" * 50 + "1*mu", "more than 40 digits"),
    ("(1e-39)**10*mu + " + KL, "more than 280 digits"),
    ("(10**16)**16*mu", "no finite value below 1e250"),
    ("mu**((10**16)**16)", "too large"),
]


@pytest.mark.parametrize("formula, message", HANGS)
def test_inputs_that_hung_raise_at_once(formula, message):
    with pytest.raises(ValueError, match=message):
        timed(formula)


CRASHES = [  # each raised OverflowError, MemoryError, RecursionError or TypeError before
    "exp(exp(exp(1000)))",
    "-" * 10000 + "mu",
    "1e999999999999*sigma",
    "+".join(["mu"] * 100000),
    sp.Function("f")(SYMBOLS["mu"]),
    sp.Eq(SYMBOLS["mu"], 1),
    sp.Matrix([1]),
    sp.ImmutableMatrix([SYMBOLS["mu"]]),
    # ours
    "exp(exp(1000))",
    "-" * 9 + "mu",
    "log(0)*mu",
    "1/(sigma - sigma)",
    "mu / 0",
    "0**-1 + mu",
    sp.Integer(10) ** 10**6,
    sp.exp(sp.exp(sp.exp(sp.exp(SYMBOLS["mu"])))) ** 0,
    # found by fuzzing: sympy took minutes to build, or the point search to run
    "((log10((sigma / (((log(sigma_p/sigma) + (var + (mu - mu_p)**2)/(2*var_p) - 1/2) +"
    " log_var_p))**16)))**-2)**0.5",
    "torch.exp((1e40 * ((log(sigma_p/sigma) + (var + (mu - mu_p)**2)/(2*var_p) - 1/2) + 1e-30)))",
    "(1e-8 / (-0.5*(1 + logvar - mu**2 - exp(logvar)) + ((exp((z_log_sigma / 1e-30)) + log((var +"
    " var))))**-1))",
    "np.log((((log(1/sigma) + (sigma**2 + mu**2)/2 - 1/2) + 1))**16)",
    "((((2**16)**16)**16)**16)*mu",
    "((log(sigma_p/sigma) + (var + (mu - mu_p)**2)/(2*var_p) - 1/2)"
    " + (((z_log_sigma)**3 / (((log(sigma_p/sigma) + (var + (mu - mu_p)**2)/(2*var_p) - 1/2) +"
    " log_sigma) * 0)) - 2))",
    "np.log((log(((log(mu) + np.log(log_sigma)) - (np.log(-1) + (1e40 / 3))))"
    " * (((var_p.exp() - (7.5 / logvar)) * (exp(sigma) * log_var_p)))**1.5))",  # log's branch cut
    "sqrt((log_var * ((log(sigma_p/sigma) + (var + (mu - mu_p)**2)/(2*var_p) - 1/2)"
    " + exp((log10(1e-30) / exp(std))))))",  # log10 kept exact in the unevaluated expression
    "x" * 999,
    "mu" * 600,
    "\x00mu",
    "mu\x7f",
    "ünknown",
    "[" * 25 + "]" * 25,
]


@pytest.mark.parametrize("formula", CRASHES, ids=[f"crash{i}" for i in range(len(CRASHES))])
def test_inputs_that_crashed_give_a_value_error_or_a_verdict(formula):
    try:
        result = timed(formula)
    except ValueError as err:
        assert str(err)
    else:
        if result.verdict == "no_match":
            assert_true_counterexample(result)


FALSE_POSITIVES = [  # each was classified as a correct KL before
    KL + " + sqrt((mu - 5)**2) + mu - 5",  # zero only for mu <= 5
    KL + "*(1 + 1e-35)",
    "0.49999999*(mu**2 + exp(log_var) - 1 - log_var)",
    VAE + " + 1e-9",
    # ours
    KL + "*(1 - 1e-40)",
    "0.5000000000000000000000000000000000001*(mu**2 + exp(log_var) - 1 - log_var)",
    VAE + " + 1e-30*mu**2",
    KL + " + 1e-20*(sigma - 1)**2",  # zero only at sigma = 1
    KL + " + sqrt((sigma - 2)**2) + sigma - 2",  # zero only for sigma <= 2
    KL + " + sqrt((mu - 2e6)**2) + mu - 2e6",  # zero for mu <= 2e6, beyond every fixed point
    KL + " + sqrt((sigma - 1e7)**2) + sigma - 1e7",  # zero for sigma <= 1e7
    # nonzero only in (5, 5.000001)
    KL + " + sqrt((mu - 5)**2) + sqrt((mu - 5.000001)**2) - sqrt((2*mu - 10.000001)**2)",
    # nonzero only in (-1e-3, 1e-3)
    KL + " + sqrt((mu + 1e-3)**2) + sqrt((mu - 1e-3)**2) - 2*sqrt(mu**2)",
    KL + " + " + "*".join(f"(mu - ({m!r}))" for m in
                          (0.8164, -1.2845, 0.5, 1.0, 0.0, 1e-3, -0.4, 2.5, -7.0, 40.0, -1e3,
                           1e6, -1e6, 3.7)),
    KL + " + log(1 + exp(mu - 1000))",  # below 1e-400 wherever mu < 80
    KL + " + 1e-40*exp(exp(mu/2))",
    VAE + " + 0*mu + 1e-12*(log_var - log(exp(log_var)))",  # exactly the KL: not a false positive
    "0.5*(log(var_p/var) + (var + (mu - mu_p)**2)/var_p - 1) + 1e-25*(mu_p - mu)",
    "0.5*(sigma**2 - 1 - log(sigma**2)) + sqrt((sigma - 1)**2)*1e-9",
    "-0.5*torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) + 0*torch.sum(mu)",
]
IS_KL = {VAE + " + 0*mu + 1e-12*(log_var - log(exp(log_var)))",
         "-0.5*torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) + 0*torch.sum(mu)"}


@pytest.mark.parametrize("formula", FALSE_POSITIVES)
def test_near_misses_are_no_match_with_a_true_counterexample(formula):
    result = timed(formula)
    if formula in IS_KL:
        assert result.correct
    else:
        assert result.verdict == "no_match"
        assert_true_counterexample(result)


def test_the_reported_formula_is_the_one_given():
    formula = "0.49999999*(mu**2 + exp(log_var) - 1 - log_var)"
    result = timed(formula)
    assert result.formula == formula
    assert result.expression.has(sp.Rational(49999999, 100000000))


def test_no_match_always_has_a_point():
    result = timed("1/(sigma-1/2)+1/(sigma-2)+1/(sigma-3)")
    assert result.counterexample["point"]
    assert_true_counterexample(result)


def test_realistic_formula_with_all_scale_names_is_fast():
    line = ("log(sigma_p/sigma) + (var + (mu - mu_p)**2)/(2*var_p) - 1/2"
            " + (log_var - log_var_p + log_sigma - log_sigma_p)*0 + 1e-30*(std + variance + std_p"
            " + variance_p)")
    assert timed(line).verdict == "no_match"
    line = GEN + "".join(f" + (var_p + {k})*(var - {k}) - var_p*var + {k}*var_p - {k}*var"
                         f" + {k*k}" for k in range(1, 15))
    assert timed(line).correct


TOKENS = ["mu", "sigma", "var", "log_var", "log_sigma", "mu_p", "sigma_p", "var_p", "logvar",
          "z_mean", "exp(", "log(", "sqrt(", "log10(", "torch.sum(", "K.mean(", ".exp()",
          ".pow(2)", ".sum()",
          "(", ")", "+", "-", "*", "/", "**", "^", "2", "0.5", "1", "1e-8", "1e30", "-1", ",", "=",
          "axis=-1", "dim=1", "0", "9", "**9"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=40))
def test_fuzz_token_soup(tokens):
    text = " ".join(tokens)
    try:
        result = timed(text)
    except ValueError as err:
        assert str(err)
        return
    if result.verdict == "no_match":
        assert_true_counterexample(result)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=string.printable, max_size=60))
def test_fuzz_printable_text(text):
    try:
        result = timed(text)
    except ValueError as err:
        assert str(err)
        return
    assert result.verdict in ("kl_qp", "kl_pq", "neg_kl_qp", "neg_kl_pq", "no_match")


def test_every_input_was_answered_within_the_time_limit():
    """Runs last in this module: the slowest input of all the tests above."""
    assert TIMES, "run the whole module"
    slowest = max(TIMES, key=lambda k: TIMES[k][0])
    cpu, wall = TIMES[slowest]
    print(f"\nslowest of {len(TIMES)} inputs: {slowest!r}: {cpu:.3f} s CPU, {wall:.3f} s wall")
    assert cpu < TIME_LIMIT
