"""The book builds with warnings as errors, and every chapter has numbered equations."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_build_has_no_warnings(built_book):
    html, log = built_book
    assert "WARNING" not in log
    assert (html / "index.html").exists()


def test_every_labelled_equation_is_rendered_with_a_number(built_book):
    html, _ = built_book
    total = 0
    for nb in sorted((ROOT / "book").glob("*.ipynb")):
        source = nb.read_text(encoding="utf-8")
        labels = set(re.findall(r":label: ([\w-]+)", source)) | set(
            re.findall(r"\$\$ \(([\w-]+)\)", source)
        )
        labels = {
            label for label in labels if label.startswith("eq-")
        }  # exercises and figures have labels too
        page = (html / "book" / f"{nb.stem}.html").read_text(encoding="utf-8")
        for label in labels:
            block = re.search(
                rf'id="equation-{label}">\s*<span class="eqno">\((\d+(\.\d+)?)\)', page
            )  # (4.1), or (4) in unnumbered parts
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
