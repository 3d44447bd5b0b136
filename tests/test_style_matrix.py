"""The matrix style (seeds 001 and 003): whole layers as matrices, Z = W·A + b, A = g(Z),
dZ, dW = dZ·Aᵀ, db and W⁺ = W - η·dW, wide matrices elided; Markdown and LaTeX.

Expected matrices hold published values (the classic 2-2-2 walkthrough, seed 002) or
values worked by hand in the comments. The checks every style shares (every other printed
decimal is a shown string of the log, KaTeX, layout, pdflatex, determinism) are in
test_style_shared.py.
"""
from __future__ import annotations

import math
from decimal import Decimal

import pytest

from tests.mathcheck import pdflatex_errors
from tests.style_problems import flat, md, rendered_all, walkthrough
from tracer.formula.latex import BMATRIX_COLUMNS, latex
from tracer.formula.tree import Number
from tracer.render.matrices import grid, keep

STYLE = "matrix"


@pytest.fixture
def rendered() -> dict:
    """Every test problem in both formats, rendered once: {(name, fmt): (text, log)}."""
    return rendered_all(STYLE)


def bm(*rows: str) -> str:
    """The printed bmatrix of rows given as 'a & b' strings."""
    return "{\\begin{bmatrix} " + " \\\\ ".join(rows) + " \\end{bmatrix}}"


def four(published: str) -> str:
    """A published number (its source drops trailing zeros: 0.343, -0.079) as a problem rounded
    to 4 decimals prints it: every decimal, 4 significant figures below 0.1 (0.3430, -0.07900),
    a whole number as one (0)."""
    d = Decimal(published)
    if d == d.to_integral_value():
        return published
    places = max(4, 3 - d.adjusted())
    shown = format(d.quantize(Decimal(1).scaleb(-places)), "f")
    assert Decimal(shown) == d        # the same number, only written to the problem's digits
    return shown


# --- matrices.py --------------------------------------------------------------------------
def test_keep_elides_like_sums():
    assert keep(3, 8) == [0, 1, 2]
    assert keep(10, 4) == [0, 1, 2, None, 9]
    assert keep(10, None) == list(range(10))
    assert keep(10, 1) == list(range(10))  # too small to elide sensibly: keep all


def test_grid_ellipses_and_wide_fallback():
    cell = lambda r, c: Number(f"{r}{c}")
    assert latex(grid(cell, 5, 5, 3)) == bm("00 & 01 & \\cdots & 04", "10 & 11 & \\cdots & 14",
                                     "\\vdots & \\vdots & \\ddots & \\vdots", "40 & 41 & \\cdots & 44")
    # amsmath's bmatrix stops at 10 columns: wider prints as a bracketed array
    wide = latex(grid(cell, 1, BMATRIX_COLUMNS + 1))
    assert wide.startswith("{\\left[\\begin{array}{" + "c" * (BMATRIX_COLUMNS + 1) + "} 00 & 01")


# --- the classic 2-2-2 (published values) ---------------------------------------------------
def test_classic_forward_matrices(rendered):
    text = md(rendered, "classic")
    z1 = bm("0.3775", "0.3925")
    assert "\\begin{bmatrix} 0.3775 \\\\ 0.3925 \\end{bmatrix}" in text
    assert (f"Z^{{[1]}} = W^{{[1]}} \\cdot A^{{[0]}} + b^{{[1]}} = {bm('0.15 & 0.2', '0.25 & 0.3')} \\cdot "
            f"{bm('0.05', '0.1')} + 0.35 = {z1}") in text
    assert (f"A^{{[1]}} = \\sigma\\left(Z^{{[1]}}\\right) = \\sigma\\left({z1}\\right) = "
            f"{bm('0.593269992', '0.596884378')}") in text
    assert f"= {bm('1.105905967', '1.224921404')}" in text


def test_classic_backward_matrices(rendered):
    text = md(rendered, "classic")
    dz2 = bm("0.138498562", "-0.038098237")
    assert (f"dZ^{{[2]}} = dA^{{[2]}} \\odot \\sigma'\\left(Z^{{[2]}}\\right) = {bm('0.74136507', '-0.217071535')} "
            f"\\odot {bm('0.186815602', '0.175510053')} = {dz2}") in text
    assert (f"dW^{{[2]}} = dZ^{{[2]}} \\cdot \\left(A^{{[1]}}\\right)^{{T}} = {dz2} \\cdot "
            f"{bm('0.593269992 & 0.596884378')} = {bm('0.082167041 & 0.082667628', '-0.02260254 & -0.022740242')}") in text
    assert "db^{[2]} = \\sum_{j} \\left(dZ^{[2]}\\right)_{j} = 0.138498562 + (-0.038098237) = 0.100400325" in text
    assert (f"dA^{{[1]}} = \\left(W^{{[2]}}\\right)^{{T}} \\cdot dZ^{{[2]}} = {bm('0.4 & 0.5', '0.45 & 0.55')} "
            f"\\cdot {dz2} = {bm('0.036350306', '0.041370323')}") in text


def test_classic_updates(rendered):
    text = md(rendered, "classic")
    assert f"= {bm('0.35891648 & 0.408666186', '0.51130127 & 0.561370121')}" in text
    # w2+: the value 0.1995614323 rounded (Mazur: 0.19956143)
    assert f"= {bm('0.149780716 & 0.199561432', '0.249751144 & 0.299502287')}" in text
    assert "{W^{[2]}}^{+} = W^{[2]} - \\eta \\cdot dW^{[2]} = " in text
    assert "### Updating $W^{[2]}$\n" in text  # the shared biases are not updated
    assert "| $w_{8}$ | 0.55 | 0.561370121 | 0.011370121 |" in text


def test_classic_sections_follow_seed003(rendered):
    text = rendered[("classic", "md")][0]
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings[headings.index("## Notation"):] == [
        "## Notation",
        "## Forward propagation [1st epoch — 1st example]",
        "### Calculating $Z^{[1]}$ and $A^{[1]}$", "### Calculating $Z^{[2]}$ and $A^{[2]}$",
        "## Calculating the loss [1st epoch — 1st example]",
        "## Backward propagation [1st epoch — 1st example]",
        "### Calculating $dZ^{[2]}$, $dW^{[2]}$ and $db^{[2]}$", "### Calculating $dZ^{[1]}$, $dW^{[1]}$ and $db^{[1]}$",
        "## Update weights and biases [1st epoch — 1st example]",
        "### Updating $W^{[2]}$", "### Updating $W^{[1]}$",
        "## Old and new weights"]


# --- other networks ------------------------------------------------------------------------
def test_relu_network_seed002_values(rendered):
    """Seed 002: net n3..n5 = 0.343, -0.079, 0.699; outputs 0.0197, 1.1239, 1.3281; y-hat 0.8035
    (the seed's numbers, printed at the problem's 4 decimals: 0.3430, -0.07900, 0.01970)."""
    text = md(rendered, "relu")
    z1 = bm(*map(four, ("0.343", "-0.079", "0.699")))
    assert z1 == bm("0.3430", "-0.07900", "0.6990")
    assert (f"{bm('0.1 & 0.4', '0.2 & 0.5', '0.3 & 0.6')} \\cdot {bm('0.23', '0.55')} + "
            f"{bm('0.1', '-0.4', '0.3')} = {z1}") in text
    assert f"\\operatorname{{ReLU}}\\left({z1}\\right) = {bm(*map(four, ('0.343', '0', '0.699')))}" in text
    assert f"= {bm(*map(four, ('0.0197', '1.1239', '1.3281')))}" in text
    assert f"\\sigma\\left({bm('1.4082')}\\right) = {bm('0.8035')}" in text
    assert "\\operatorname{ReLU}'\\left(Z^{[1]}\\right) = " in text


def test_steps_examples_and_loss_table(rendered):
    text = md(rendered, "sigmoid-1431")
    # the first step in prose, the three after it compactly (one line per layer matrix)
    assert [line for line in text.splitlines() if line.startswith("### Forward propagation")] == [
        "### Forward propagation [1st epoch — 1st example]"]
    assert [line for line in text.splitlines() if line.startswith("## Step")] == [
        "## Step 1 (epoch 1)", "## Step 2 (epoch 1)", "## Step 3 (epoch 2)", "## Step 4 (epoch 2)"]
    assert text.count("**Forward pass**") == text.count("**Backward pass**") == text.count("**Update**") == 3
    # 0.5·2 + 0.5 = 1.5 for every hidden neuron (computed: 1.5000 at 4 decimals); matrix-preset names
    assert (f"Z^{{[1]}} = W^{{[1]}} \\cdot A^{{[0]}} + b^{{[1]}} = {bm('0.5', '0.5', '0.5', '0.5')} \\cdot {bm('2')} + "
            f"{bm('0.5', '0.5', '0.5', '0.5')} = {bm('1.5000', '1.5000', '1.5000', '1.5000')}") in text
    assert "{W^{[3]}}^{+} = W^{[3]} - \\eta \\cdot dW^{[3]}" in text and "{b^{[3]}}^{+} = b^{[3]} - \\eta \\cdot db^{[3]}" in text
    assert "dA^{[3]} = {\\begin{bmatrix} 2(A^{[3]}_{1} - y) \\end{bmatrix}}" in text
    sig = lambda x: 1 / (1 + math.exp(-x))
    z3 = 1.5 * sig(2 * sig(1.5) + 0.5) + 0.5
    assert f"| 1 | 1 | 1 | {(1 - sig(z3)) ** 2:.4g} |" in text
    assert "## Loss over the steps" in text and "| 4 | 2 | 2 |" in text


def test_minibatch_mean_of_gradient_matrices(rendered):
    text, log = rendered[("batch", "md")]
    text = flat(text)
    row = lambda k: " & ".join(e.shown for e in log.select("dw", layer=2, example=k))
    assert (f"{{dW^{{[2]}}}}^{{\\mathrm{{batch}}}} = \\frac{{1}}{{2}} \\cdot "
            f"\\left({{dW^{{[2]}}}}^{{(1)}} + {{dW^{{[2]}}}}^{{(2)}}\\right)"
            f" = \\frac{{1}}{{2}} \\cdot \\left({bm(row(1))} + {bm(row(2))}\\right) = {bm(row(None))}") in text
    assert "## Averaging the gradients [1st epoch — examples 1, 2]" in text
    assert "### Updating $W^{[1]}$ and $b^{[1]}$" in text


def test_softmax_cross_entropy_without_biases(rendered):
    text = md(rendered, "softmax")
    # softmax(-0.03, 0.185, 0.075) = 0.2985, 0.37, 0.3315 by hand (0.3700 at 4 decimals); dZ = A - Y
    assert (f"dZ^{{[2]}} = A^{{[2]}} - Y = {bm('0.2985', '0.3700', '0.3315')} - {bm('0', '1', '0')} = "
            f"{bm('0.2985', '-0.6300', '0.3315')}") in text
    assert "\\operatorname{softmax}'" not in text  # the logged diagonal is not used by dZ
    assert "b^{[" not in text and "### Calculating $dZ^{[2]}$ and $dW^{[2]}$" in text


def test_wide_matrices_are_elided(rendered):
    text, log = rendered[("wide", "md")]
    w = [log.problem.rounding.show_given(x) for x in log.problem.weights[0][0]]   # data, as written: -0.41
    assert w[:3] == ["-0.41", "-0.26", "0.3"]
    assert f"{{\\begin{{bmatrix}} {w[0]} & {w[1]} & {w[2]} & \\cdots & {w[11]} \\\\ " in text
    assert "\\vdots & \\vdots & \\vdots & \\ddots & \\vdots" in text
    inputs = [log.problem.rounding.show_given(x) for x in log.problem.data[0].input]
    assert bm(inputs[0], inputs[1], inputs[2], "\\vdots", inputs[11]) in text


def test_wide_matrix_without_elision_compiles():
    """Twelve columns (more than bmatrix takes) print as an array that pdflatex accepts."""
    text, _ = walkthrough("wide", STYLE, "tex", max_terms=None)
    assert "\\left[\\begin{array}{cccccccccccc}" in text
    assert pdflatex_errors(text) == []


def test_a_computed_value_prints_alike_as_result_and_as_argument():
    """odd-even: Z^{[1]} = [1.1000, 2.0000, 0.9000, 1.8000] (0.9·2 + 0.2 = 2 exactly, padded like
    its neighbours), and σ(Z^{[1]}) takes the same column: it printed [1.1000, 2, 0.9000, 1.8000].
    Given data stay as written: the input A^{[0]} = [2]."""
    from tracer.engine.trace import trace
    from tracer.examples import example_path
    from tracer.model.problem import Problem
    from tracer.render import RenderOptions, render_text
    page = render_text(trace(Problem.from_file(example_path("odd-even"))), "md", RenderOptions(style=STYLE)).text
    z = bm("1.1000", "2.0000", "0.9000", "1.8000")
    assert f"\\cdot {bm('2')} + " in page
    assert f"= {z}\n$$" in page
    assert f"A^{{[1]}} = \\sigma\\left(Z^{{[1]}}\\right) = \\sigma\\left({z}\\right) = " in page
