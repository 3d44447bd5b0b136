"""The example notebook runs top to bottom, as Jupyter would run it, and shows real walkthroughs.

Cells are executed in one namespace from the notebook's folder; the value of a cell's last
expression is displayed the way Jupyter does, through ``_repr_markdown_`` when it has one.
No Jupyter installation is needed, so CI executes the notebook with the test extras alone.
"""
from __future__ import annotations

import ast
import contextlib
import io
import json
import os
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "worked_examples" / "notebook.ipynb"


def run_cell(source: str, namespace: dict) -> tuple[object, str]:
    """Execute a cell; return the value of its last expression (or None) and what it printed."""
    tree = ast.parse(source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(tree, "<cell>", "exec"), namespace)
        value = eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace) if last else None
    return value, printed.getvalue()


@pytest.fixture(scope="module")
def outputs() -> list[tuple[object, str]]:
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    namespace: dict = {}
    results = []
    cwd = os.getcwd()
    os.chdir(NOTEBOOK.parent)
    try:
        for cell in cells:
            if cell["cell_type"] == "code":
                results.append(run_cell("".join(cell["source"]), namespace))
    finally:
        os.chdir(cwd)
    return results


def test_notebook_is_valid_nbformat_4():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert nb["nbformat"] == 4 and all(c["cell_type"] in ("code", "markdown") for c in nb["cells"])
    assert all(c.get("outputs", []) == [] for c in nb["cells"]), "commit the notebook without outputs"


def test_first_cell_displays_the_classic_walkthrough(outputs):
    log, _ = outputs[0]
    shown = log._repr_markdown_()
    assert shown.startswith("# A step-by-step backpropagation example\n")
    assert "0.298371109" in shown and "<svg" in shown      # E_total of the classic example, diagram inline


def test_entries_carry_value_formula_and_substitution(outputs):
    value, formula, substitution, shown = outputs[1][0]
    assert (round(value, 9), str(formula), shown) == (0.593269992, "1/(1 + exp(-net_h1))", "0.593269992")
    assert substitution == "\\frac{1}{1 + e^{-0.3775}}"


def test_layer_two_gradients(outputs):
    names = dict(outputs[2][0])
    assert names["dE/dw5"] == "0.082167041"


def test_latex_fragment_and_other_style(outputs):
    assert outputs[3][1].startswith("## Forward propagation [1st epoch — 1st example]\n")
    assert "{\\begin{bmatrix} 0.3775 \\\\ 0.3925 \\end{bmatrix}}" in outputs[3][1]
    assert outputs[4][1].startswith("\\section*{A step-by-step backpropagation example}")


def test_problem_in_code_and_its_error(outputs):
    # 1-1-1: out_h = σ(0.5), out_o = σ(-0.3·out_h), w2+ = -0.3 - 0.1·(out_o - 0)·out_o(1 - out_o)·out_h
    import math
    h = 1 / (1 + math.exp(-0.5))
    o = 1 / (1 + math.exp(0.3 * h))
    assert outputs[5][0] == pytest.approx(-0.3 - 0.1 * o * o * (1 - o) * h, rel=1e-12)
    message = outputs[6][1].strip()
    assert message == ("<problem>: network.weights: found nothing (the field is missing); "
                       "expected 1 weight matrix (and biases), or init")
