"""ruff over the package, the tests and the notebooks.

The rule set is in pyproject.toml: ruff's default one, E4, E7, E9 and F (syntax errors,
undefined names, unused imports and variables, redefinitions, imports not at the top of a
module, bare ``except``, lambda assignment, comparisons to None/True/False written with ==),
plus a line length of 99 (E501) and a cyclomatic complexity of at most 12 (C901) for
``kltools/``, ``tests/`` and the site code in ``book/_ext``.  The notebooks' code cells are
formatted for reading, and their visible width is tested in the browser, so E501 and C901
are not applied to them.  ruff reads .ipynb files cell by cell.
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
