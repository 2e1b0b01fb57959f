"""The book builds with warnings as errors, and every chapter has numbered equations."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    out = tmp_path_factory.mktemp("book")
    jb = shutil.which("jupyter-book") or str(Path(sys.executable).with_name("jupyter-book"))
    proc = subprocess.run(
        [jb, "build", str(ROOT), "--path-output", str(out), "-W", "-n", "--keep-going"],
        capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return out / "_build" / "html", proc.stdout + proc.stderr


def test_build_has_no_warnings(built_book):
    html, log = built_book
    assert "WARNING" not in log
    assert (html / "index.html").exists()


def test_every_labelled_equation_is_rendered_with_a_number(built_book):
    html, _ = built_book
    total = 0
    for nb in sorted((ROOT / "book").glob("*.ipynb")):
        source = nb.read_text(encoding="utf-8")
        labels = set(re.findall(r":label: ([\w-]+)", source)) | set(re.findall(r"\$\$ \(([\w-]+)\)", source))
        page = (html / "book" / f"{nb.stem}.html").read_text(encoding="utf-8")
        for label in labels:
            block = re.search(rf'id="equation-{label}">\s*<span class="eqno">\((\d+\.\d+)\)', page)
            assert block, f"{nb.stem}: equation {label} is not rendered with a number"
        total += len(labels)
    assert total >= 20


def test_glued_equations_are_rendered(built_book):
    html, _ = built_book
    page = (html / "book" / "univariate-kl.html").read_text(encoding="utf-8")
    assert 'id="equation-eq-kl-normal"' in page
    assert "\\log{\\left(\\frac{\\sigma_{2}}{\\sigma_{1}} \\right)}" in page
    # a cross-chapter reference resolves to a link into the entropy chapter
    assert 'href="gaussian-entropy.html#equation-eq-entropy-normal"' in page
