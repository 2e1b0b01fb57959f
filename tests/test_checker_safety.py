"""No string given to a public kltools function runs code.

Each payload would create a sentinel file if anything passed it to ``eval``
(which sympy's ``sympify`` and ``parse_expr`` do, and which ``lambdify``
does with the code it generates).  Every public function is called with each
payload in each positional slot; the file must never appear.
"""

import builtins
import importlib
import inspect
import os
import time

import pytest

import kltools
from kltools import check_formula, equivalent
from kltools.symbolic import canonical, counterexample, mu, sigma, x

MODULES = [
    "kltools",
    "kltools.closed_forms",
    "kltools.numeric",
    "kltools.symbolic",
    "kltools.accuracy",
    "kltools.multivariate",
    "kltools.estimators",
    "kltools.notebook",
    "kltools.checker.formulas",
]

PAYLOADS = [
    "__import__('os').system('touch {p}')",
    "exec(\"open(r'{p}', 'w').close()\")",
    "open(r'{p}', 'w').close()",
    "(lambda: __import__('os').system('touch {p}'))()",
    "kl = __import__('pathlib').Path(r'{p}').touch()",
    "return __import__('pathlib').Path(r'{p}').touch()",
    "torch.sum(__import__('os').system('touch {p}'))",
    "mu + eval(\"__import__('os').system('touch {p}')\")",
    "getattr(__builtins__, 'exec')(\"open(r'{p}', 'w')\")",
    "mu\n__import__('os').system('touch {p}')",
    "mu; __import__('os').system('touch {p}')",
    "[c for c in ().__class__.__base__.__subclasses__()] or __import__('os').system('touch {p}')",
    "x.sum(__import__('os').system('touch {p}'))",
    "Function('__import__(\"os\").system')('touch {p}')",
]
FILLERS = [(x, mu, sigma, x, mu, sigma, x), (1.0, 0.5, 2.0, 1.0, 0.5, 2.0, 1.0)]


def public_functions():
    found = {}
    for modname in MODULES:
        module = importlib.import_module(modname)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj) and obj not in found.values():
                found[f"{modname}.{name}"] = obj
    return sorted(found.items())


def positional_slots(func):
    params = inspect.signature(func).parameters.values()
    return [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


@pytest.mark.parametrize(
    "qualname, func", public_functions(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_no_string_argument_runs_code(qualname, func, tmp_path):
    sentinel = tmp_path / "sentinel"
    slots = positional_slots(func)
    required = sum(p.default is inspect.Parameter.empty for p in slots)
    for template in PAYLOADS:
        payload = template.format(p=sentinel)
        for filler in FILLERS:
            for i in range(len(slots)):
                args = list(filler[: max(required, i + 1)])
                args[i] = payload
                try:
                    func(*args)
                except Exception:
                    pass
                assert not sentinel.exists(), f"{qualname} ran {payload!r} given in argument {i}"


def test_payloads_reach_the_functions_that_read_strings(tmp_path):
    """The string readers reject each payload with a ValueError that says why."""
    sentinel = tmp_path / "sentinel"
    for template in PAYLOADS:
        payload = template.format(p=sentinel)
        for func in (check_formula, equivalent, canonical, counterexample):
            args = (payload,) if func in (check_formula, canonical) else (payload, "mu")
            with pytest.raises(ValueError):
                func(*args)
    assert not sentinel.exists()


def test_names_cannot_smuggle_code(tmp_path):
    sentinel = tmp_path / "sentinel"
    bad = f"__import__('os').system('touch {sentinel}')"
    for names in ({bad: "mu"}, {"m": bad}, {"m": "mu", "s": [bad]}):
        with pytest.raises(ValueError):
            check_formula("m + s", names=names)
    assert not sentinel.exists()


def test_the_string_readers_never_call_eval_or_sympy_parser(monkeypatch):
    """User text never reaches eval, exec or sympy's parser.

    sympy may exec code it generates itself (simplify does), so eval and exec
    are watched for the user's text, marked by the digits 918273645.
    """
    import sympy.parsing.sympy_parser as sympy_parser

    seen, real = [], {"eval": builtins.eval, "exec": builtins.exec}

    def watch(name):
        def wrapper(source, *args, **kwargs):
            seen.append((name, str(source)))
            return real[name](source, *args, **kwargs)

        return wrapper

    def refuse(*args, **kwargs):
        raise AssertionError("sympy's string parser was called")

    for name in real:
        monkeypatch.setattr(builtins, name, watch(name))
    monkeypatch.setattr(sympy_parser, "parse_expr", refuse)
    monkeypatch.setattr(sympy_parser, "eval_expr", refuse)
    line = "kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) * 0.918273645"
    assert check_formula(line).verdict == "no_match"
    assert (
        check_formula("0.5*(sigma**2 - 1 - log10(sigma**2)) + 0.918273645").verdict == "no_match"
    )
    assert equivalent("log(sigma**2) + 0.918273645", "2*log(sigma) + 0.918273645")
    assert canonical("log(sigma_2) - log(sigma_1) + 0.918273645") is not None
    assert counterexample("log(sigma) + 0.918273645", "log10(sigma)") is not None
    assert not [(name, source) for name, source in seen if "918273645" in source]


def test_strings_in_the_symbolic_helpers_use_the_book_symbols():
    assert equivalent("sqrt(var)", "sigma**1") is False  # var is its own symbol
    assert equivalent("(mu_1 - mu_2)^2", "mu_1**2 - 2*mu_1*mu_2 + mu_2**2")
    assert kltools.symbolic.normal_pdf("x", "mu", "sigma") == kltools.symbolic.normal_pdf(
        x, mu, sigma
    )
    with pytest.raises(ValueError, match="unknown name 'y'"):
        equivalent("y", "mu")
    with pytest.raises(ValueError, match="expected a sympy expression"):
        canonical([mu])


# --- strings inside containers ---------------------------------------------------------------
#
# sympy converts the elements of a tuple, list, dict or set without its ``strict`` flag, that is
# with eval.  Every argument of every public function (but the formula checker's, which has its
# own tests) is given the payload inside each kind of container, nested too: the file must never
# appear, and the call must raise a ValueError that names the argument.

SYMBOLIC_MODULES = [m for m in MODULES if m != "kltools.checker.formulas"]
CONTAINERS = {
    "tuple": lambda p: (p,),
    "list": lambda p: [p],
    "dict key": lambda p: {p: 0},
    "dict value": lambda p: {"mu": p},
    "set": lambda p: {p},
    "frozenset": lambda p: frozenset([p]),
    "nested": lambda p: [(0, {"a": frozenset([p])})],
    "nested dict": lambda p: {"a": [(p,)]},
}
CONTAINER_PAYLOAD = "__import__('os').system('touch {p}')*0"


def parameters(func):
    skip = (inspect.Parameter.VAR_KEYWORD,)
    return [p for p in inspect.signature(func).parameters.values() if p.kind not in skip]


# Valid values for the parameters the generic fillers do not fit, so that the payload's own
# argument is the one refused.
VALID = {
    "explicit_evaluator": {"matrices": {}},
    "factor_evaluator": {"variables": [x], "params": {"q": [(0, 1)]}},
    "integral_against": {"var": [[x]], "mean": [[0]], "factor": [[1]]},
    "substituting": {"definitions": {}},
    "termwise": {"definitions": {}},
    "with_densities": {"densities": {}, "var": x},
    "expect_quad": {"func": abs},
    "expect_monte_carlo": {"func": abs},
    "reference_values": {"symbols": [x]},
    "max_ulp_error": {"func": abs, "expr": x, "symbols": [x]},
    "ulp_errors": {"got": [1.0], "refs": [1.0]},
    "kl_normal_grid": {"kind": "near", "n": 2},
    "kl_std_normal_grid": {"kind": "near", "n": 2},
    "entropy_normal_grid": {"kind": "near", "n": 2},
    "glue": {"name": "answer"},
}


# Parameters that take any object by design, and never hand it to sympy or eval.
ANY_OBJECT = {("glue", "variable")}


def call_with(func, params, slot, value, filler):
    """Call ``func`` with ``value`` in parameter ``slot`` and fillers in the required others."""
    args, kwargs = [], {}
    valid = VALID.get(func.__name__, {})
    for i, p in enumerate(params):
        given = value if i == slot else valid.get(p.name, filler[i % len(filler)])
        if p.kind == p.KEYWORD_ONLY:
            if i == slot:
                kwargs[p.name] = given
        elif i == slot or p.default is inspect.Parameter.empty:
            if p.kind == p.VAR_POSITIONAL and i != slot:
                continue
            args.append(given)
        elif i < slot:
            args.append(p.default)
    return func(*args, **kwargs)


def entry_points():
    found = {}
    for modname in SYMBOLIC_MODULES:
        module = importlib.import_module(modname)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj) and obj not in found.values():
                found[f"{modname}.{name}"] = obj
    return sorted(found.items())


@pytest.mark.parametrize(
    "qualname, func", entry_points(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_no_container_payload_runs_code(qualname, func, tmp_path):
    sentinel = tmp_path / "sentinel"
    payload = CONTAINER_PAYLOAD.format(p=sentinel)
    params = parameters(func)
    for slot, param in enumerate(params):
        for kind, wrap in CONTAINERS.items():
            errors = []
            for filler in FILLERS:
                try:
                    call_with(func, params, slot, wrap(payload), filler)
                    errors.append("no error")
                except ValueError as exc:
                    errors.append(str(exc))
                except Exception as exc:  # noqa: BLE001 - reported below
                    errors.append(f"{type(exc).__name__}: {exc}")
                assert not sentinel.exists(), (
                    f"{qualname} ran the payload in a {kind} {param.name}"
                )
            if (func.__name__, param.name) in ANY_OBJECT:
                continue
            named = [
                e for e in errors if param.name in e and not e.startswith(("no error", "Type"))
            ]
            assert named, f"{qualname}({param.name}=<{kind}>): no ValueError naming it: {errors}"


@pytest.mark.parametrize("make", list(CONTAINERS.values()), ids=list(CONTAINERS))
def test_containers_given_to_the_string_readers(make, tmp_path):
    """The calls of the review: each raises a ValueError naming the argument, and runs nothing."""
    sentinel = tmp_path / "sentinel"
    payload = make(CONTAINER_PAYLOAD.format(p=sentinel))
    sym = kltools.symbolic
    calls = [
        ("a", lambda: kltools.equivalent(payload, (0,))),
        ("a", lambda: sym.equivalent(payload, 0)),
        ("b", lambda: sym.equivalent(0, payload)),
        ("expr", lambda: sym.canonical(payload)),
        ("a", lambda: sym.counterexample(payload, 0)),
        ("m1", lambda: sym.kl_normal_textbook(payload)),
        ("terms[1]", lambda: sym.add(mu, payload)),
        ("factors[0]", lambda: sym.mul(payload)),
        ("numerator", lambda: sym.frac(payload, 2)),
    ]
    for name, call in calls:
        with pytest.raises(ValueError, match=rf"^{name.replace('[', '.').replace(']', '.')}: "):
            call()
    assert not sentinel.exists()


# --- bounded symbolic work ----------------------------------------------------------------------
#
# Each input passes the parser's limits and ran for minutes before: sympy cannot be interrupted
# inside expand, simplify or N, so the helpers estimate the work first (the checker's bounds),
# and check a CPU deadline between steps.  Each must end within the 2 s promised, with its
# answer or a ValueError that says why.

SIX = "(mu + sigma + var + log_var + mu_p + sigma_p)"
EIGHT = "(mu + sigma + var + log_var + mu_p + sigma_p + mu_1 + mu_2)"
BOUNDED = [
    ("equivalent", (f"{SIX}**16", "0"), False),
    ("canonical", (f"{EIGHT}**16",), "more than 2000 terms"),
    ("equivalent", ("exp(exp(1e40*mu))", "0"), "an exp\\(\\) has an argument above 10000"),
    ("counterexample", ("exp(exp(1e40*mu))", "0"), "an exp\\(\\) has an argument above 10000"),
    ("counterexample", (f"{SIX}**16", "0"), "point"),
    ("canonical", ("exp(exp(1e40*mu))",), "an exp\\(\\) whose coefficients exceed 50"),
    ("canonical", ("(mu + sigma)**16 * (mu_p + sigma_p)**16",), "at most 200"),
    (
        "equivalent",
        ("(sqrt(mu**2+1) + sqrt(sigma) + sqrt(var) + sqrt(log_var**2+1))**8", "0"),
        False,
    ),
    ("equivalent", (mu ** (10**10), 0), "a power an exponent above 1000"),
    # sympy's expand takes seconds here though the checker's estimate is small: the CPU timer
    ("equivalent", ("(mu + 1/(sigma + 1) + 1/(var + 2) + 1/(sigma_p + 3))**6", "mu"), False),
    ("canonical", ("(mu + 1/(sigma + 1) + 1/(var + 2) + 1/(sigma_p + 3))**6",),
     "could not put expr in canonical form|at most 200"),
]


@pytest.mark.parametrize(
    "name, args, outcome", BOUNDED, ids=[f"{n}-{str(a[0])[:24]}" for n, a, _ in BOUNDED]
)
def test_symbolic_helpers_end_within_2_s(name, args, outcome):
    func = getattr(kltools.symbolic, name)
    start, start_cpu = time.perf_counter(), time.process_time()
    if isinstance(outcome, str) and outcome != "point":
        with pytest.raises(ValueError, match=outcome):
            func(*args)
    else:
        result = func(*args)
        assert result == outcome if outcome != "point" else result["point"]
    wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    print(f"{name}{args!r:.60}: {wall:.3f} s wall, {cpu:.3f} s CPU")
    assert cpu <= 2.0
    # The wall time is the promise; it measures the code only where the machine is not shared
    # beyond its cores (elsewhere the CPU time above is the measurement).
    if os.getloadavg()[0] <= (os.cpu_count() or 1):
        assert wall <= 2.0
