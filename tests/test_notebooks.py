"""Guards for the committed notebooks.

Strict nbval compares every stored output with a fresh run, but it silently
skips a code cell whose execution_count is None, and a stored error output
would be "reproduced" rather than caught.  These guards close both holes, and
check that every chapter is in the table of contents.
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))


def code_cells(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 4


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_code_cell_was_executed_in_order(path):
    counts = [c["execution_count"] for c in code_cells(path)]
    assert None not in counts, f"{path.name}: a code cell was never executed (nbval would skip it)"
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name}: not executed top to bottom in one fresh kernel"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_stored_errors_or_nondeterministic_output(path):
    for i, cell in enumerate(code_cells(path)):
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"{path.name} cell {i} stored an error"
            assert not (out["output_type"] == "stream" and out["name"] == "stderr"), (
                f"{path.name} cell {i} wrote to stderr"
            )
            text = "".join(out.get("text", "")) + "".join(
                out.get("data", {}).get("text/plain", "")
            )
            assert not re.search(r" at 0x[0-9a-fA-F]+>", text), (
                f"{path.name} cell {i} prints a memory address"
            )
            assert "image/png" not in out.get("data", {}) or "text/latex" not in out.get(
                "data", {}
            ), "sympy PNG math"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_in_the_table_of_contents(path):
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    assert f"file: book/{path.stem}" in toc


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_figure_has_a_caption_and_alt_text(path):
    for i, cell in enumerate(code_cells(path)):
        if any("image/png" in out.get("data", {}) for out in cell.get("outputs", [])):
            meta = cell.get("metadata", {}).get("mystnb", {})
            assert meta.get("figure", {}).get("caption"), (
                f"{path.name} cell {i}: figure without a caption"
            )
            assert meta.get("figure", {}).get("name"), (
                f"{path.name} cell {i}: figure without a name to reference"
            )
            assert len(meta.get("image", {}).get("alt", "")) > 20, (
                f"{path.name} cell {i}: figure without alt text"
            )


def _folded_for_jupyter(cell, first):
    """What a cell must carry so that JupyterLab, Colab and Binder fold it as the book does."""
    tags = cell.get("metadata", {}).get("tags", [])
    need = set()
    if first or {"hide-input", "hide-cell", "remove-input", "remove-cell"} & set(tags):
        need.add("source_hidden")
    if "hide-output" in tags or "hide-cell" in tags:
        need.add("outputs_hidden")
    jupyter = cell.get("metadata", {}).get("jupyter", {})
    return sorted(key for key in need if jupyter.get(key) is not True)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_folded_cell_is_folded_in_jupyter_too(path):
    """hide-input, remove-input, remove-cell: source_hidden; hide-output: outputs_hidden;
    hide-cell: both; the install cell (the first code cell): source_hidden."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    missing = {i: keys for i, c in enumerate(cells) if (keys := _folded_for_jupyter(c, i == 0))}
    assert not missing, f"{path.name}: code cells without metadata.jupyter {missing}"
