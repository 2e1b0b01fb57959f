"""The checker under Pyodide gives CPython's result on every line: the box's parity test.

tests/js/checker-parity.mjs starts Pyodide once in Node, from the files the site ships
(book/_ext/kl_checker_box.py lays them out, verified against their pins), with every request
that would leave those files blocked, so a CDN fallback fails the test.  It runs the box's
own wrapper (book/_ext/kl_checker_run.py) on:

- every line the formula-audit chapter passes to ``check_formula`` (the chapter's code
  cells are run with ``check_formula`` recording its calls);
- every line of the checker's parametrized tests in tests/test_formulas.py,
  tests/test_checker_code_lines.py and the other tests/test_checker_*.py modules except the
  time-limit and safety ones (their parameters, read from the test functions), including the
  lines they expect to be refused.

Each result (verdict, factor, reinterpretation, reduction, assumed, counterexample, names,
describe(), the expression, or the error message) must equal CPython's, with the same time
limits on both sides; only the words of Python's own tokenizer in a syntax error may differ
(they differ between Python versions).  Without ``node`` the test is skipped, unless
KLTOOLS_REQUIRE_BROWSER is set (CI), where it fails.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import numbers
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
import kl_checker_box  # noqa: E402
import kl_checker_run  # noqa: E402

NODE = shutil.which("node")
# The checker's tests whose parameters are lines: test_formulas and every test_checker_*
# module except those about time limits and resource use (their lines are built to run
# long, and CPU time is not the same measure under Pyodide) and this one.
NOT_TABLES = {"test_checker_adversarial", "test_checker_safety", "test_checker_pyodide"}
CODE_ARGUMENTS = ("line", "formula", "text", "code", "lines")  # the parameter holding the code


def table_modules() -> list:
    names = ["test_formulas"] + sorted(p.stem for p in (ROOT / "tests").glob("test_checker_*.py")
                                       if p.stem not in NOT_TABLES)
    return [importlib.import_module(f"tests.{name}") for name in names]


def _unavailable(reason: str):
    if os.environ.get("KLTOOLS_REQUIRE_BROWSER"):
        pytest.fail(f"KLTOOLS_REQUIRE_BROWSER is set but {reason}", pytrace=False)
    pytest.skip(reason)


def names_text(names) -> str | None:
    """A ``names=`` dict as the box's field takes it, or None if the field cannot say it."""
    if names is None:
        return ""
    if not isinstance(names, dict) or any(isinstance(v, bool) for v in names.values()):
        return None
    def spelled(value):
        if isinstance(value, numbers.Integral) and not isinstance(value, bool):
            return str(int(value))
        return repr(float(value)) if isinstance(value, numbers.Real) else str(value)

    text = "\n".join(f"{k} = {spelled(v)}" for k, v in names.items())
    try:
        same = kl_checker_run.parse_names(text) == names
    except ValueError:
        return None
    return text if same else None


def table_cases() -> list[tuple[str, str | None]]:
    """(code, names) from every parametrized checker test whose code is a string."""
    cases = []
    for module in table_modules():
        for test in vars(module).values():
            for mark in getattr(test, "pytestmark", []):
                if mark.name != "parametrize":
                    continue
                argnames = [a.strip() for a in re.split(r",", mark.args[0])]
                code = next((argnames.index(a) for a in CODE_ARGUMENTS if a in argnames), None)
                if code is None:
                    continue
                has_names = "names" in argnames
                for values in mark.args[1]:
                    values = values if isinstance(values, (tuple, list)) else (values,)
                    names = values[argnames.index("names")] if has_names else None
                    if isinstance(values[code], str):
                        cases.append((values[code], names))
    return cases


def chapter_cases() -> list[tuple[str, object]]:
    """(code, names) of every check_formula call the formula-audit chapter makes.

    The chapter's code cells run here, in order, in one namespace (IPython's transformer
    turns any cell magic into code), with ``check_formula`` recording its calls, both where
    the cells call it and where the chapter's module (kltools.chapters.formula_audit) does.
    """
    from IPython.core.inputtransformer2 import TransformerManager

    import kltools
    import kltools.checker
    from kltools.chapters import formula_audit

    calls, original = [], kltools.checker.check_formula

    def recording(formula, names=None):
        calls.append((formula, names))
        return original(formula, names=names)

    nb = json.loads((ROOT / "book" / "formula-audit.ipynb").read_text(encoding="utf-8"))
    transform, namespace = TransformerManager().transform_cell, {"__name__": "__main__"}
    saved = kltools.__dict__.get("check_formula")
    kltools.check_formula = kltools.checker.check_formula = recording
    formula_audit.check_formula = recording
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            for cell in nb["cells"]:
                if cell["cell_type"] == "code":
                    exec(compile(transform("".join(cell["source"])), "cell", "exec"), namespace)
    finally:
        kltools.checker.check_formula = formula_audit.check_formula = original
        if saved is None:
            del kltools.check_formula
        else:
            kltools.check_formula = saved
    return calls


def comparable(result: dict) -> dict:
    """The result, with the words Python's own tokenizer adds to a syntax error left out.

    Those differ between Python versions (Pyodide runs 3.14: "unexpected EOF in multi-line
    statement", CPython 3.11: "EOF in multi-line statement"); the checker's own words do not.
    """
    if "error" in result:
        return {**result, "error": re.sub(r"(syntax error: ).*", r"\1...", result["error"])}
    return result


@pytest.fixture(scope="module")
def site_files(tmp_path_factory):
    """The box's files, as the book build lays them out under _static/kl-checker/."""
    if NODE is None:
        _unavailable("no `node` found; install Node.js 20 or newer to run the parity test")
    dest = tmp_path_factory.mktemp("site") / "kl-checker"
    try:
        kl_checker_box.prepare(dest)
    except kl_checker_box.Unavailable as error:
        _unavailable(f"the checker box's files cannot be had: {error}")
    return dest


def test_pyodide_gives_cpythons_result_on_every_line(site_files, tmp_path, monkeypatch):
    from kltools.checker import bounds, formulas

    chapter = chapter_cases()
    tables = table_cases()
    cases, skipped = [], []
    for code, names in chapter + tables:
        text = names_text(names)
        if text is None:
            skipped.append((code, names))
        elif (code, text) not in cases:
            cases.append((code, text))
    assert len(chapter) >= 30 and len(tables) >= 100, (len(chapter), len(tables))
    assert len(skipped) <= len(cases) // 20, f"names the box's field cannot say: {skipped}"

    # the same limits as the box, on both sides (restored after the test)
    manifest = json.loads((site_files / "manifest.json").read_text(encoding="utf-8"))
    monkeypatch.setattr(formulas, "TIME_LIMIT", manifest["time_limit"])
    monkeypatch.setattr(bounds, "CPU_DEADLINE", manifest["cpu_deadline"])
    native, native_seconds = [], []
    for code, text in cases:
        start = time.process_time()
        native.append(json.loads(kl_checker_run.check_json(code, text)))
        native_seconds.append(time.process_time() - start)

    (tmp_path / "cases.json").write_text(json.dumps(cases), encoding="utf-8")
    script = ROOT / "tests" / "js" / "checker-parity.mjs"
    command = [NODE, str(script), str(site_files), str(tmp_path / "cases.json"),
               str(tmp_path / "out.json")]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    out = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert out["blocked"] == [], f"requests that left the site's files: {out['blocked']}"
    assert len(out["results"]) == len(cases)
    differ = [(code, text, want, got) for (code, text), want, got
              in zip(cases, native, out["results"]) if comparable(got) != comparable(want)]
    assert not differ, "\n".join(f"{c!r} names={t!r}:\n  CPython {w}\n  Pyodide {g}"
                                 for c, t, w, g in differ[:10])
    assert any(r.get("verdict") == "no_match" for r in native)
    assert any("error" in r for r in native)

    wasm = out["seconds"]["cpu"]
    print(f"\n{len(cases)} lines ({len(chapter)} calls in the chapter, {len(tables)} in the "
          f"tables); Pyodide started in {out['seconds']['start']:.1f} s; CPU time of the "
          f"checks: Pyodide {sum(wasm):.2f} s, CPython {sum(native_seconds):.2f} s (CPython's "
          "sympy caches are warm from the chapter's run)")
    for wasm_s, native_s, code in sorted(zip(wasm, native_seconds, (c for c, _ in cases)),
                                         reverse=True)[:3]:
        print(f"  Pyodide {wasm_s:.3f} s, CPython {native_s:.3f} s: {code[:60]!r}")


def test_the_wheel_pins_are_the_requirements_pins():
    """The box runs the sympy and mpmath that CPython runs (requirements.txt)."""
    pins = dict(re.findall(r"(?m)^([A-Za-z0-9_.-]+)==(\S+)$",
                           (ROOT / "requirements.txt").read_text(encoding="utf-8")))
    assert {name: version for name, version, _ in kl_checker_box.WHEELS} == {
        name: pins[name] for name, _, _ in kl_checker_box.WHEELS}


def test_the_names_field_reads_pairs_and_refuses_the_rest():
    assert kl_checker_run.parse_names("mu0 = mu, EPS = 1e-8\nk: 2") == {
        "mu0": "mu", "EPS": 1e-8, "k": 2}
    assert kl_checker_run.parse_names('{"self.std": "std"}') == {"self.std": "std"}
    assert kl_checker_run.parse_names("  ") is None
    for text, message in [("mu0", "not a pair"), ("a = 1+", "neither a name nor a number"),
                          ("1a = mu", "not a pair"), ("a = __import__('os')", "neither")]:
        with pytest.raises(ValueError, match=message):
            kl_checker_run.parse_names(text)


def test_a_build_without_the_files_has_a_note_and_no_box(tmp_path, monkeypatch):
    """No npm and an empty cache: the build warns (so -W fails) and the page says why."""
    from sphinx.cmd.build import build_main

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / 'book' / '_ext')!r})\n"
        "extensions = ['kl_checker_box']\n", encoding="utf-8")
    (tmp_path / "src" / "index.rst").write_text("Box\n===\n\n.. kl-checker::\n   :code: mu\n",
                                                encoding="utf-8")
    monkeypatch.setenv("KLTOOLS_CHECKER_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("PATH", str(tmp_path))  # no npm on it
    args = [str(tmp_path / "src"), str(tmp_path / "out"), "-q", "-b", "html"]
    assert build_main([*args, "-W"]) != 0
    assert build_main([*args, "-E"]) == 0
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "data-kl-checker-missing" in page and "npm was not found" in page
    assert "data-kl-checker>" not in page and "kl-checker.mjs" not in page
    assert not (tmp_path / "out" / "_static" / "kl-checker" / "manifest.json").exists()


def test_the_box_words_every_field_node_test():
    """tests/js/checker*.test.mjs under Node's test runner: the box's words for each field."""
    if NODE is None:
        _unavailable("no `node` found; install Node.js 20 or newer to run the JavaScript tests")
    files = sorted(str(p) for p in (ROOT / "tests" / "js").glob("checker*.test.mjs"))
    assert files
    proc = subprocess.run([NODE, "--test", *files], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert re.search(r"(?m)^# fail 0$", proc.stdout)
    assert re.search(r"(?m)^# pass [1-9]", proc.stdout)
