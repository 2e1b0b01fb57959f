"""Every public kltools function has a numpydoc docstring whose examples run."""

import doctest
import importlib
import inspect
import pkgutil

import pytest

import kltools

from ._ids import case_id

# Every module of the package, found rather than listed, so a new module's
# doctests cannot be forgotten.  Modules with a public API (``__all__``) must
# have examples; private helpers run theirs if they have any.
MODULES = sorted(m.name for m in pkgutil.walk_packages(kltools.__path__, prefix="kltools."))
PUBLIC = [m for m in MODULES if hasattr(importlib.import_module(m), "__all__")]
SECTIONS = ["Parameters", "Returns", "Examples"]


def public_functions():
    for modname in PUBLIC:
        mod = importlib.import_module(modname)
        for name in mod.__all__:
            obj = getattr(mod, name)
            if inspect.isfunction(obj):
                yield f"{modname}.{name}", obj


@pytest.mark.parametrize("qualname, func", list(public_functions()), ids=case_id)
def test_numpydoc_sections(qualname, func):
    doc = inspect.getdoc(func) or ""
    for section in SECTIONS:
        assert f"{section}\n{'-' * len(section)}" in doc, f"{qualname} lacks a {section} section"
    if "ValueError" in inspect.getsource(func) or qualname.startswith("kltools.closed_forms"):
        assert "Raises\n------" in doc, f"{qualname} raises but documents no Raises section"


@pytest.mark.parametrize("modname", MODULES, ids=case_id)
def test_examples_run(modname):
    result = doctest.testmod(importlib.import_module(modname), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 or modname not in PUBLIC, f"{modname} has no examples"
    assert result.failed == 0


def test_public_api():
    for name in [
        "kl_normal",
        "kl_std_normal",
        "entropy_normal",
        "cross_entropy_normal",
        "kl_quad",
        "kl_monte_carlo",
        "equivalent",
    ]:
        assert callable(getattr(kltools, name))
