"""The narrative style (seed 000, done right): one line per quantity, formula -> numbers ->
result, δ = ∂E/∂net and w⁺ = w - η·δ·out, in Markdown and LaTeX from one template.

Expected numbers are published ones (the classic 2-2-2 walkthrough; seed 000's and seed
002's own lines) or worked by hand in the comments. The checks every style shares (every
other printed decimal is a shown string of the log, KaTeX, layout, pdflatex, determinism)
are in test_style_shared.py.
"""
from __future__ import annotations

import math

import pytest

from tests.style_problems import flat, md, rendered_all, unexplained_numbers, walkthrough

STYLE = "narrative"


@pytest.fixture
def rendered() -> dict:
    """Every test problem in both formats, rendered once: {(name, fmt): (text, log)}."""
    return rendered_all(STYLE)


# --- the classic 2-2-2 (letters names; published values) -------------------------------
def test_classic_forward_lines(rendered):
    text = md(rendered, "classic")
    # 0.15·0.05 + 0.2·0.1 + 0.35 = 0.3775 by hand; out_h1, out_o1 as published
    assert ("net_{h1} = w_{1} \\cdot i_{1} + w_{2} \\cdot i_{2} + b_{1} = 0.15 \\cdot 0.05 + 0.2 \\cdot 0.1"
            " + 0.35 = 0.3775") in text
    assert "out_{h1} = \\sigma(net_{h1}) = \\sigma(0.3775) = 0.593269992" in text
    assert "out_{o1} = \\sigma(net_{o1}) = \\sigma(1.105905967) = 0.75136507" in text
    assert "Now each net input goes through the activation function, sigmoid: $\\sigma(x) = \\frac{1}{1 + e^{-x}}$." in text


def test_classic_error_loss_and_deltas(rendered):
    text = md(rendered, "classic")
    assert "e_{o1} = target_{o1} - out_{o1}" not in text  # one sign: no t - o beside dE/dout = o - t
    assert "E_{total} = E_{o1} + E_{o2} = 0.274811083 + 0.023560026 = 0.298371109" in text
    assert ("\\delta_{o1} = \\frac{\\partial E_{total}}{\\partial out_{o1}} \\cdot \\frac{\\partial out_{o1}}"
            "{\\partial net_{o1}} = 0.74136507 \\cdot 0.186815602 = 0.138498562") in text
    assert ("For this loss it is the output minus the target. Every derivative here keeps this sign: positive"
            " means that increasing the quantity increases the loss.") in text


def test_classic_updates_fold_delta_times_output(rendered):
    """w5+ = 0.4 - 0.5·δ_o1·out_h1 = 0.35891648 and w1+ = 0.149780716, as published."""
    text = md(rendered, "classic")
    assert ("w_{5}^{+} = w_{5} - \\eta \\cdot \\delta_{o1} \\cdot out_{h1} = 0.4 - 0.5 \\cdot 0.138498562"
            " \\cdot 0.593269992 = 0.35891648") in text
    assert ("w_{1}^{+} = w_{1} - \\eta \\cdot \\delta_{h1} \\cdot i_{1} = 0.15 - 0.5 \\cdot 0.008771355"
            " \\cdot 0.05 = 0.149780716") in text
    # the weight gradients are spelled out in the update lines, not printed twice ...
    assert "\\frac{\\partial E_{total}}{\\partial w_{5}} =" not in text
    # ... but the shared biases are not updated, so their gradients get lines of their own
    assert "\\frac{\\partial E_{total}}{\\partial b_{2}} = \\delta_{o1} + \\delta_{o2}" in text
    assert "The biases stay as they are: this problem keeps them fixed." in text


def test_classic_closing_table_and_single_step(rendered):
    text = md(rendered, "classic")
    assert "| $w_{5}$ | 0.4 | 0.35891648 | -0.04108352 |" in text
    assert "## Forward pass" in text and "## Step" not in text and "Loss over the steps" not in text


# --- seed 000 with its own names ------------------------------------------------------------
def test_seed000_lines_read_like_the_seed(rendered):
    text = md(rendered, "seed000")
    # seed 000: net1_h = 0 * 0.2 + 1 * 0.6 = 0.6 ... net4_h = 0 * 0.8 + 1 * 0.3 = 0.3 (the seed drops
    # trailing zeros; computed, they print at the problem's two decimals: 0.60, 0.30)
    assert ("\\mathrm{net}_{h1} = \\text{input-to-hidden}_{1} \\cdot \\mathrm{input}_{1} + "
            "\\text{input-to-hidden}_{2} \\cdot \\mathrm{input}_{2} = 0.2 \\cdot 0 + 0.6 \\cdot 1 = 0.60") in text
    assert "= 0.8 \\cdot 0 + 0.3 \\cdot 1 = 0.30" in text
    # σ(0.6) = 0.6457 -> 0.65 at two digits rounded
    assert "\\mathrm{output}_{h1} = \\sigma(\\mathrm{net}_{h1}) = \\sigma(0.60) = 0.65" in text
    # the seed's hidden error names, and its update written with δ = ∂E/∂net:
    # 0.6 - 0.001·(-0.036)·0.6457 = 0.6000233, shown with enough digits to see the change
    assert "\\mathrm{error}_{h1} = \\delta_{o} \\cdot \\text{hidden-to-output}_{1}" in text
    assert ("\\text{hidden-to-output}_{1}^{+} = \\text{hidden-to-output}_{1} - \\eta \\cdot "
            "\\delta_{o} \\cdot \\mathrm{output}_{h1} = 0.6 - 0.001 \\cdot (-0.036) \\cdot 0.65 = 0.60002") in text
    assert "Some texts call $-\\delta$ the delta" in text


def test_seed000_by_hand_gives_the_seeds_numbers(rendered):
    """Two digits truncated and carried, as the seed works: 0.64, 1.28, 0.78 (published; the seed's
    net1_h = 0.6 prints at the problem's two decimals, 0.60)."""
    text = md(rendered, "seed000-by-hand")
    assert "\\mathrm{output}_{h1} = \\sigma(\\mathrm{net}_{h1}) = \\sigma(0.60) = 0.64" in text
    assert "= 0.6 \\cdot 0.64 + 0.7 \\cdot 0.66 + 0.3 \\cdot 0.71 + 0.4 \\cdot 0.57 = 1.28" in text
    assert "\\mathrm{output}_{o} = \\sigma(\\mathrm{net}_{o}) = \\sigma(1.28) = 0.78" in text


def test_carried_rounding_keeps_the_logged_update(rendered):
    """Carried, a gradient is round(δ·out): the update must read w - η·gradient, not w - η·δ·out."""
    text = md(rendered, "seed000-by-hand")
    assert ("\\text{hidden-to-output}_{1}^{+} = \\text{hidden-to-output}_{1} - \\eta \\cdot "
            "\\frac{\\partial \\mathrm{loss}_{\\mathrm{total}}}{\\partial \\text{hidden-to-output}_{1}}") in text
    assert ("\\frac{\\partial \\mathrm{loss}_{\\mathrm{total}}}{\\partial \\text{hidden-to-output}_{1}} = "
            "\\delta_{o} \\cdot \\mathrm{output}_{h1}") in text
    assert "Some texts call" not in text


def test_general_formulas_use_the_notations_loss_name(rendered):
    """δ = ∂E/∂net and w⁺ = w − η·∂E/∂w name the loss as the walkthrough does (E_total, loss_total), not a bare E."""
    classic = md(rendered, "classic")
    assert "For every neuron we want its delta $\\delta = \\frac{\\partial E_{total}}{\\partial net}$:" in classic
    seed = md(rendered, "seed000")
    assert ("For every neuron we want its delta $\\delta = \\frac{\\partial \\mathrm{loss}_{\\mathrm{total}}}"
            "{\\partial net}$:") in seed
    by_hand = md(rendered, "seed000-by-hand")
    assert ("Every weight takes a small step against its gradient, $w^{+} = w - \\eta \\cdot \\frac{\\partial "
            "\\mathrm{loss}_{\\mathrm{total}}}{\\partial w}$,") in by_hand
    for text in (classic, seed, by_hand):
        assert "\\partial E}" not in text


# --- other networks ------------------------------------------------------------------------
def test_relu_network_seed002_values(rendered):
    text = md(rendered, "relu")
    # seed 002: out_n4 = max(0, -0.079) = 0, out_n6 = 0.0197, y-hat = σ(1.4082) = 0.8035 (the seed
    # drops trailing zeros; at the problem's 4 decimals, 4 significant figures below 0.1: -0.07900, 0.01970)
    assert "out_{n4} = \\operatorname{ReLU}(net_{n4}) = \\operatorname{ReLU}(-0.07900) = 0" in text
    assert "out_{n6} = \\operatorname{ReLU}(net_{n6}) = \\operatorname{ReLU}(0.01970) = 0.01970" in text
    assert "out_{n9} = \\sigma(net_{n9}) = \\sigma(1.4082) = 0.8035" in text
    assert "$\\operatorname{ReLU}'(x) = \\begin{cases} 1 & \\text{if } x > 0 \\\\ 0 & \\text{otherwise} \\end{cases}$" in text
    assert text.count("Hidden layer 1: deltas and gradients") == 1 and text.count("Hidden layer 2: deltas and gradients") == 1


def test_steps_and_loss_table(rendered):
    text, _ = rendered[("sigmoid-1431", "md")]
    assert [line for line in text.splitlines() if line.startswith("## Step")] == [
        "## Step 1 (epoch 1)", "## Step 2 (epoch 1)", "## Step 3 (epoch 2)", "## Step 4 (epoch 2)"]
    assert "### Forward pass [1st epoch — 1st example]" in text     # the first step in prose
    assert "### Forward pass [1st epoch — 2nd example]" not in text and text.count("**Forward pass**") == 3
    assert ("The steps after the first repeat its computations with the weights the previous step left, so they "
            "are written compactly: one line per quantity, formula = numbers = result, then the old and new "
            "weights.") in text
    # step 1 by hand: z1 = 0.5·2 + 0.5, z2 = 4·0.5·σ(z1) + 0.5, z3 = 3·0.5·σ(z2) + 0.5, L = (1 - σ(z3))²
    sig = lambda x: 1 / (1 + math.exp(-x))
    z3 = 1.5 * sig(2 * sig(1.5) + 0.5) + 0.5
    assert f"| 1 | 1 | 1 | {(1 - sig(z3)) ** 2:.4g} |" in text
    assert text.count("| 4 | 2 | 2 |") == 1 and "That is the whole run" in text


def test_minibatch_averages_and_plain_updates(rendered):
    text, log = rendered[("batch", "md")]
    text = flat(text)
    per_example = [log.select("dw", layer=2, example=k, neuron=1)[0].shown for k in (1, 2)]
    mean = log.select("dw", layer=2, example=None, neuron=1)[0]
    # the first term opens the bracket and needs none of its own: (-0.02 + (-0.01))
    terms = " + ".join(f"({s})" if s.startswith("-") and k else s for k, s in enumerate(per_example))
    assert f"= \\frac{{1}}{{2}} \\cdot \\left({terms}\\right) = {mean.shown}" in text
    assert "## Averaging over the mini-batch [1st epoch — examples 1, 2]" in text
    # averaged gradients are not δ·out: the update reads w - η·gradient with the mean
    new = log.select("new_w", layer=2, neuron=1)[0]
    assert "w_{5}^{+} = w_{5} - \\eta \\cdot \\frac{\\partial {E_{total}}^{\\mathrm{batch}}}{\\partial w_{5}} = " in text
    assert f"\\cdot ({mean.shown}) = {new.shown}" in text or f"\\cdot {mean.shown} = {new.shown}" in text


def test_softmax_cross_entropy_delta(rendered):
    text = md(rendered, "softmax")
    # softmax(-0.03, 0.185, 0.075)_1 = 0.2985 by hand; δ = out - target
    assert "\\delta_{o1} = out_{o1} - target_{o1} = 0.2985 - 0 = 0.2985" in text
    assert "the delta comes straight from the output and the target" in text
    assert "\\frac{\\partial out_{o1}}{\\partial net_{o1}} =" not in text  # the unused diagonal


def test_weights_option_limits_lines_not_tables():
    text, _ = walkthrough("classic", STYLE, "md", weights=("w5",))
    text = flat(text)
    assert "w_{5}^{+} = w_{5} - \\eta" in text and "w_{6}^{+} =" not in text
    assert "| $w_{6}$ | 0.45 | 0.408666186 | -0.041333814 |" in text


def test_long_lists_are_elided(rendered):
    text = md(rendered, "wide")
    assert "$\\vdots$ 6 more, $net_{h4}$ to $net_{h9}$." in text
    assert "net_{h10} = " in text and "net_{h5} = " not in text


# --- the number check of test_style_shared.py catches a stray number ----------------------
def test_unexplained_numbers_are_caught(rendered):
    _, log = rendered[("classic", "md")]
    assert unexplained_numbers([("x = 0.3775 + 0.123456", True)], log) == ["0.123456"]
