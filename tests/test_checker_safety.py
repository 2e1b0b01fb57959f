"""No string given to a public kltools function runs code.

Each payload would create a sentinel file if anything passed it to ``eval``
(which sympy's ``sympify`` and ``parse_expr`` do, and which ``lambdify``
does with the code it generates).  Every public function is called with each
payload in each positional slot; the file must never appear.
"""

import builtins
import importlib
import inspect

import pytest

import kltools
from kltools import check_formula, equivalent
from kltools.symbolic import canonical, counterexample, mu, sigma, x

MODULES = ["kltools", "kltools.closed_forms", "kltools.numeric", "kltools.symbolic",
           "kltools.accuracy", "kltools.multivariate", "kltools.checker.formulas"]

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


@pytest.mark.parametrize("qualname, func", public_functions())
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
    assert check_formula("0.5*(sigma**2 - 1 - log10(sigma**2)) + 0.918273645").verdict == "no_match"
    assert equivalent("log(sigma**2) + 0.918273645", "2*log(sigma) + 0.918273645")
    assert canonical("log(sigma_2) - log(sigma_1) + 0.918273645") is not None
    assert counterexample("log(sigma) + 0.918273645", "log10(sigma)") is not None
    assert not [(name, source) for name, source in seen if "918273645" in source]


def test_strings_in_the_symbolic_helpers_use_the_book_symbols():
    assert equivalent("sqrt(var)", "sigma**1") is False  # var is its own symbol
    assert equivalent("(mu_1 - mu_2)^2", "mu_1**2 - 2*mu_1*mu_2 + mu_2**2")
    assert kltools.symbolic.normal_pdf("x", "mu", "sigma") == kltools.symbolic.normal_pdf(x, mu, sigma)
    with pytest.raises(ValueError, match="unknown name 'y'"):
        equivalent("y", "mu")
    with pytest.raises(ValueError, match="expected a sympy expression"):
        canonical([mu])
