"""ruff over the package, the tests and the notebooks.

The rule set is ruff's default one, stated in pyproject.toml: E4, E7, E9 and F
(syntax errors, undefined names, unused imports and variables, redefinitions,
imports not at the top of a module, bare ``except``, lambda assignment,
comparisons to None/True/False written with ==).  These are mistakes, not
style: the book's code cells are formatted for reading, so line length and
import order are left to review (the visible-code width is tested by the book
tests).  ruff reads .ipynb files cell by cell.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise",
         "kltools", "tests", "book"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
