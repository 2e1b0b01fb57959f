"""The chapters run where readers open them alone: Colab, or one downloaded ``.ipynb``.

There, nothing from this repository is installed: no kltools and no myst-nb.  The
first code cell of every notebook installs kltools when ``import kltools`` fails,
and ``kltools.notebook.glue`` falls back to showing values plainly.

The test emulates such a kernel: a fresh virtual environment with only ipykernel,
numpy, scipy, sympy, mpmath and matplotlib (at the versions in requirements.txt,
so pip takes them from its cache), and ``KLTOOLS_PIP_SPEC`` pointing at a copy of
this checkout instead of the git URL.  In it, the first code cell runs and must
install kltools; then whole notebooks run top to bottom.  To keep the test run
short, a fixed sample of notebooks runs whole; ``KLTOOLS_COLAB_ALL=1`` runs all
of them.  The guards at the bottom check that every notebook starts with the same
install cell, whose git URL agrees with ``_config.yml``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))
BARE_PACKAGES = ["ipykernel", "numpy", "scipy", "sympy", "mpmath", "matplotlib"]
# One chapter with glued derivations and one with a figure; all of them with KLTOOLS_COLAB_ALL=1.
SAMPLE = ["gaussian-entropy.ipynb", "univariate-kl.ipynb"]
WHOLE = [p for p in NOTEBOOKS if os.environ.get("KLTOOLS_COLAB_ALL") or p.name in SAMPLE]


def first_code_cell(path: Path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return next("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")


# --- the bare kernel ----------------------------------------------------------


def _pins() -> list[str]:
    """requirements.txt without kltools itself: used as pip constraints."""
    lines = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    return [ln for ln in lines if ln.strip() and not ln.startswith(("#", "-e"))]


@pytest.fixture(scope="module")
def bare_kernel(tmp_path_factory):
    """A kernelspec for a venv with only Colab's packages, and where kltools will come from."""
    tmp = tmp_path_factory.mktemp("colab")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    constraints = tmp / "constraints.txt"
    constraints.write_text("\n".join(_pins()) + "\n", encoding="utf-8")
    # --no-compile: Python compiles what the kernel imports; compiling all of sympy,
    # scipy and matplotlib up front took about half of this fixture's time.
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-compile",
            "-c",
            str(constraints),
            *BARE_PACKAGES,
        ],
        check=True,
        timeout=900,
    )
    # KLTOOLS_PIP_SPEC points at a copy of the package, so pip's build leaves the checkout alone.
    source = tmp / "kltools-src"
    source.mkdir()
    shutil.copy(ROOT / "pyproject.toml", source)
    shutil.copytree(
        ROOT / "kltools", source / "kltools", ignore=shutil.ignore_patterns("__pycache__")
    )
    spec_dir = tmp / "kernels" / "bare"
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "bare (Colab-like)",
                "language": "python",
            }
        ),
        encoding="utf-8",
    )
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
    }
    env["KLTOOLS_PIP_SPEC"] = str(source)
    return {"python": python, "kernels": spec_dir.parent, "env": env}


def run(nb: nbformat.NotebookNode, kernel: dict, cwd: Path) -> nbformat.NotebookNode:
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager
    from nbclient import NotebookClient

    km = KernelManager(
        kernel_name="bare",
        kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernel["kernels"])]),
    )
    client = NotebookClient(
        nb, km=km, timeout=900, allow_errors=False, resources={"metadata": {"path": str(cwd)}}
    )
    client.execute(env=kernel["env"])
    return nb


def outputs_text(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        parts.append("".join(out.get("text", "")))
        parts.append("".join(out.get("data", {}).get("text/plain", "")))
    return "".join(parts)


def test_first_cell_installs_kltools_into_a_bare_kernel(bare_kernel, tmp_path):
    probe = (
        "import importlib.util as u\n"
        "print('kltools', u.find_spec('kltools') is not None,"
        " 'myst_nb', u.find_spec('myst_nb') is not None)"
    )
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(probe),
            nbformat.v4.new_code_cell(first_code_cell(NOTEBOOKS[0])),
            nbformat.v4.new_code_cell(probe),
            nbformat.v4.new_code_cell(
                "from kltools import kl_normal\nprint(float(kl_normal(1.0, 2.0, 0.0, 1.0)))"
            ),
        ]
    )
    run(nb, bare_kernel, tmp_path)
    assert outputs_text(nb.cells[0]).split() == [
        "kltools",
        "False",
        "myst_nb",
        "False",
    ]  # bare: nothing of ours
    assert "Installing kltools from" in outputs_text(nb.cells[1])
    assert outputs_text(nb.cells[2]).split() == ["kltools", "True", "myst_nb", "False"]
    assert abs(float(outputs_text(nb.cells[3])) - (-0.6931471805599453 + 2.5 - 0.5)) < 1e-12


@pytest.mark.parametrize("path", WHOLE, ids=lambda p: p.name)
def test_whole_notebook_runs_in_a_bare_kernel(bare_kernel, path, tmp_path):
    # after the test above (same worker, same venv) kltools may already be installed;
    # the install cell is then silent, exactly as on a reader's second run
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    run(nb, bare_kernel, path.parent)
    shown = "".join(outputs_text(c) for c in nb.cells if c.cell_type == "code")
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.get("output_type") == "error"
    ]
    assert not errors
    if "glue(" in json.dumps([c.source for c in nb.cells]):
        # without myst-nb, glued results are shown in the notebook itself
        assert any(
            "text/latex" in o.get("data", {}) or "=" in "".join(o.get("text", ""))
            for c in nb.cells
            if c.cell_type == "code"
            for o in c.outputs
        ), shown[:500]


# --- guards: the same install cell everywhere, with the book's own URL ---------


def test_every_notebook_starts_with_the_same_install_cell():
    cells = {p.name: first_code_cell(p) for p in NOTEBOOKS}
    reference = cells[NOTEBOOKS[0].name]
    assert "KLTOOLS_PIP_SPEC" in reference and "import kltools" in reference
    assert all(c == reference for c in cells.values()), [
        n for n, c in cells.items() if c != reference
    ]
    for p in NOTEBOOKS:
        nb = json.loads(p.read_text(encoding="utf-8"))
        first = next(c for c in nb["cells"] if c["cell_type"] == "code")
        assert "remove-cell" in first["metadata"].get("tags", []), (
            f"{p.name}: the install cell is not tagged remove-cell"
        )
        assert not first["outputs"], (
            f"{p.name}: the install cell printed something where kltools is installed"
        )


def test_install_url_is_the_books_repository():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    repo = config["repository"]
    expected = f"git+{repo['url']}@{repo.get('branch', 'main')}"
    urls = re.findall(r'"(git\+[^"]+)"', first_code_cell(NOTEBOOKS[0]))
    assert urls == [expected]


def test_no_notebook_imports_myst_nb_directly():
    for p in NOTEBOOKS:
        source = "".join(
            "".join(c["source"])
            for c in json.loads(p.read_text(encoding="utf-8"))["cells"]
            if c["cell_type"] == "code"
        )
        assert "myst_nb" not in source, (
            f"{p.name} imports myst_nb: use kltools.notebook.glue, which works without it"
        )
