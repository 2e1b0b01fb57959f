"""The README's `kltools` example runs as printed, and each value it states is the one computed."""

import ast
import re
from pathlib import Path

import mpmath as mp
import numpy as np

from .reference import kl_mvn_ref, kl_normal_ref, kl_std_normal_ref

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_block() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## `kltools`") :]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def stated_values(block: str) -> list[str]:
    """The text after each ``->``, in order."""
    return [m.group(1) for m in re.finditer(r"# -> ([^:]*):", block)]


def run(block: str) -> list:
    """Run the block; the value of each expression statement, in order."""
    tree = ast.parse(block)
    namespace, values = {}, []
    for node in tree.body:
        code = compile(ast.Module([node], []), "README.md", "exec")
        if isinstance(node, ast.Expr):
            values.append(
                eval(compile(ast.Expression(node.value), "README.md", "eval"), namespace)
            )
        else:
            exec(code, namespace)
    return values


def numbers(text: str) -> list[tuple[float, float]]:
    """Each number written in ``text``, with half a unit of its last printed digit."""
    return [
        (float(t), 0.5 * 10.0 ** -len(t.split(".")[1])) for t in re.findall(r"-?\d+\.\d+", text)
    ]


def test_the_readme_example_runs_and_states_what_it_computes():
    block = readme_block()
    values, stated = run(block), stated_values(block)
    assert len(values) == len(stated) == 5
    kl, vae, diag, full, verdict = values
    with mp.workdps(50):
        refs = [kl_normal_ref(1.0, 2.0, 0.0, 1.0), kl_std_normal_ref(0.5, np.log(0.25))]
        diag_refs = [
            kl_std_normal_ref(0.5, np.log(0.25)) + kl_std_normal_ref(-1.0, np.log(4.0)),
            mp.mpf(0),
        ]
        full_ref = kl_mvn_ref(np.zeros(2), [[2.0, 0.5], [0.5, 1.0]], np.zeros(2), np.eye(2))
    for got, ref in ((kl, refs[0]), (vae, refs[1]), (full, full_ref), *zip(diag, diag_refs)):
        assert abs(mp.mpf(float(got)) - ref) <= 4 * 2.0**-53 * max(abs(ref), 1)
    assert verdict == "kl_qp" and "'kl_qp'" in stated[4]
    for got, text in zip((kl, vae, diag, full), stated):
        shown = numbers(text)
        assert len(shown) == np.size(got), text
        for value, (written, half_unit) in zip(np.ravel(got), shown):
            assert abs(value - written) <= half_unit, (text, value)
