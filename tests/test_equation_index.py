"""The equation index (kltools.equations) stays true to the book.

Every label in the index exists in the book, every equation label of the book is in the
index (or in its explicit lists of definitions and of results checked on the page), and
every named function imports.
"""

import json
import re
from pathlib import Path

import pytest

from kltools.equations import CHECKED_ON_THE_PAGE, EQUATIONS, NOT_RESULTS, resolve

ROOT = Path(__file__).resolve().parents[1]
# a dollarmath label, "$$ (label)", and the :label: of a math or glue:math directive
DOLLARMATH = re.compile(r"\$\$[ \t]*\(([\w-]+)\)")
DIRECTIVE = re.compile(r"```\{(?:glue:math|math)\}[^\n]*\n(?::[^\n]*\n)*?:label:[ \t]*(\S+)")


def _markdown(path):
    if path.suffix == ".md":
        return path.read_text(encoding="utf-8")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def book_labels(text):
    """The equation labels defined in a page's markdown."""
    return set(DOLLARMATH.findall(text)) | set(DIRECTIVE.findall(text))


def _all_book_labels():
    pages = sorted((ROOT / "book").glob("*.ipynb")) + sorted((ROOT / "book").glob("*.md"))
    return set().union(*(book_labels(_markdown(p)) for p in pages))


BOOK = _all_book_labels()
LISTED = set(EQUATIONS) | set(NOT_RESULTS) | set(CHECKED_ON_THE_PAGE)


def test_the_collector_finds_both_syntaxes():
    text = "$$\nx\n$$ (eq-a)\n\n```{glue:math} b\n:label: eq-b\n```\n"
    assert book_labels(text) == {"eq-a", "eq-b"}


def test_the_book_has_numbered_results():
    assert len(BOOK) > 90


def test_every_indexed_label_exists_in_the_book():
    assert not LISTED - BOOK, f"labels not in the book: {sorted(LISTED - BOOK)}"


def test_every_book_label_is_indexed():
    assert not BOOK - LISTED, f"labels missing from kltools.equations: {sorted(BOOK - LISTED)}"


def test_the_lists_do_not_overlap():
    assert not set(EQUATIONS) & set(NOT_RESULTS)
    assert not set(EQUATIONS) & set(CHECKED_ON_THE_PAGE)
    assert not set(NOT_RESULTS) & set(CHECKED_ON_THE_PAGE)


@pytest.mark.parametrize("label", sorted(EQUATIONS), ids=str)
def test_every_named_function_imports(label):
    for obj in resolve(label):
        assert callable(obj), (label, obj)
