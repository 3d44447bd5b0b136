"""`tracer run --compact` and the shorter default (issue 11, section 5; issue 19's compact mode).

--compact: one line per quantity, formula = numbers = result, the tables kept, no prose; the
matrix style one line per layer matrix; an expression one line per gate and gradient. The
default works the first step (example, neuron, weight) in prose and the repeats after it
compactly; --full works every one in prose. Values below are the classic 2-2-2 example's
published numbers (Mazur) and hand arithmetic; every line adding up is tests/test_arithmetic.py's.
"""
from __future__ import annotations

import re

import pytest

from tracer.cli import main
from tracer.engine.trace import trace
from tracer.examples import load
from tracer.render import RenderOptions, render_text

#: Sentences of the chain-rule style's prose that the compact form leaves out.
PROSE = ("Each neuron adds up its inputs", "The chain rule follows the weight's path", "How much the total error",
         "Their product is the delta")


def compact(name: str, style: str | None = None, fmt: str = "md") -> str:
    return render_text(trace(load(name)), fmt, RenderOptions(style=style, compact=True)).text


def test_compact_classic_is_one_line_a_quantity_with_the_tables_and_no_prose():
    text = compact("classic-2-2-2")
    assert ("net_{h1} &= w_{1} \\cdot i_{1} + w_{2} \\cdot i_{2} + b_{1} = 0.15 \\cdot 0.05 + 0.2 \\cdot 0.1 + 0.35 "
            "= 0.3775 \\\\\n") in text
    assert "out_{o1} &= \\frac{1}{1 + e^{-net_{o1}}} = \\frac{1}{1 + e^{-1.105905967}} = 0.75136507 \\\\\n" in text
    assert ("\\frac{\\partial E_{total}}{\\partial w_{5}} &= \\delta_{o1} \\cdot out_{h1} = 0.138498562 \\cdot 0.593269992 "
            "= 0.082167041 \\\\\n") in text
    assert ("w_{5}^{+} &= w_{5} - \\eta \\cdot \\frac{\\partial E_{total}}{\\partial w_{5}} = 0.4 - 0.5 \\cdot 0.082167041 "
            "= 0.35891648") in text
    assert [line for line in text.splitlines() if line.startswith("**")] == [
        "**Forward pass**", "**Loss**", "**Backward pass**", "**Update**"]
    assert "### Initial weights" in text and "| $w_{7}$ | 0.5 | 0.51130127 | 0.01130127 |" in text   # tables kept
    assert not any(sentence in text for sentence in PROSE)
    assert "The classic 2-2-2 sigmoid network" not in text          # the description is prose too
    assert "e_{o1}" not in text                                     # t - o: nothing computes with it
    # each computed quantity of the step on its own line, once: 4 net, 4 out, 3 losses, 4 ∂E/∂out,
    # 4 ∂out/∂net, 4 δ, 8 weight and 2 bias gradients, 8 updates (the biases are fixed)
    lefts = re.findall(r"^(.+?) &= ", text, flags=re.M)
    assert len(lefts) == len(set(lefts)) == 41


def test_compact_matrix_is_one_line_per_layer_matrix_with_columns_lying():
    text = compact("odd-even")
    log = trace(load("odd-even"))
    steps, layers = len(log.steps), 3
    assert len(re.findall(r"^Z\^\{\[\d\]\} &= ", text, flags=re.M)) == steps * layers
    assert len(re.findall(r"^A\^\{\[\d\]\} &= ", text, flags=re.M)) == steps * layers
    assert len(re.findall(r"^dW\^\{\[\d\]\} &= ", text, flags=re.M)) == steps * layers
    # Z1 = W1·A0 + b1 = [0.5 0.9 0.3 0.7]ᵀ·[2] + [0.1 0.2 0.3 0.4]ᵀ = [1.1 2 0.9 1.8]ᵀ (0.5·2 + 0.1 = 1.1, ...):
    # data as written, the computed Z at the problem's four decimals (2 beside them as 2.0000)
    assert ("Z^{[1]} &= W^{[1]} \\cdot A^{[0]} + b^{[1]} = {\\begin{bmatrix} 0.5 & 0.9 & 0.3 & 0.7 \\end{bmatrix}}^{T} "
            "\\cdot {\\begin{bmatrix} 2 \\end{bmatrix}} + {\\begin{bmatrix} 0.1 & 0.2 & 0.3 & 0.4 \\end{bmatrix}}^{T} \\\\\n"
            "&= {\\begin{bmatrix} 1.1000 & 2.0000 & 0.9000 & 1.8000 \\end{bmatrix}}^{T}") in text
    # the setup's weights as matrices; the update lines print old and new (no per-weight table)
    assert ("W^{[2]} &= {\\begin{bmatrix} 0.2 & 0.6 & 0.4 & 0.8 \\\\ 0.5 & 0.1 & 0.7 & 0.3 \\\\ 0.9 & 0.4 & 0.2 & 0.6 "
            "\\end{bmatrix}}") in text
    assert "### Initial weights\n" not in text and "| Parameter | Old | New | Change |" not in text
    assert "## Loss over the steps" in text and "Multiply the weights" not in text


def test_compact_latex_blocks_break_across_pages():
    tex = compact("odd-even", fmt="tex")
    assert "\\begin{align*}" in tex and "\\begin{aligned}" not in tex
    assert "\\allowdisplaybreaks" in tex


def test_the_default_works_the_first_step_in_prose_and_the_repeats_compactly():
    log = trace(load("odd-even"))
    default = render_text(log, "md", RenderOptions()).text
    full = render_text(log, "md", RenderOptions(full=True)).text
    assert default.count("### Forward propagation [") == 1 and full.count("### Forward propagation [") == 4
    assert default.count("**Forward pass**") == 3 and "**Forward pass**" not in full
    assert ("The steps after the first repeat its computations with the weights the previous step left, so they are "
            "written compactly: one line per layer matrix, formula = numbers = result.") in default
    # the same numbers either way: step 4's output A3 = 0.8844... in both (a lying row in the default)
    a3 = [e.shown for e in log.entries if e.kind == "out" and e.layer == 3]
    assert all(f"= {{\\begin{{bmatrix}} {v} \\end{{bmatrix}}}}" in default for v in a3)


def test_the_default_chain_rule_works_one_neuron_a_layer_in_prose():
    text = render_text(trace(load("classic-2-2-2")), "md", RenderOptions()).text
    assert "#### Neuron $o_{2}$\n\nThe same chain as for $o_{1}$, one line a quantity.\n\n$$\n\\begin{aligned}\n" in text
    assert ("\\delta_{o2} &= \\frac{\\partial E_{total}}{\\partial out_{o2}} \\cdot \\frac{\\partial out_{o2}}"
            "{\\partial net_{o2}} = -0.217071535 \\cdot 0.175510053 = -0.038098237 \\\\\n") in text
    assert ("The other weight into $o_{1}$ works the same way: the gradient is the delta times the value the weight "
            "multiplies, then the update.") in text
    assert text.count("Weight $w_{") == 2                   # w5 and w1 in prose; the others in lines
    # every weight's gradient and new value is still printed (Mazur's published w6+ = 0.408666186);
    # w2+ is the value 0.1995614323 rounded (its line gives 0.1995614325, itself rounded, within a
    # unit; Mazur prints 0.19956143 at eight decimals)
    for new in ("0.35891648", "0.408666186", "0.51130127", "0.561370121", "0.149780716", "0.199561432",
                "0.249751144", "0.299502287"):
        assert f"= {new}" in text
    # --weights names what to work in prose: those weights, each in full
    chosen = render_text(trace(load("classic-2-2-2")), "md", RenderOptions(weights=("w6", "w8"))).text
    assert re.findall(r"^Weight \$(w_\{\d\})\$", chosen, re.M) == ["w_{6}", "w_{8}"]


def test_the_second_example_of_a_mini_batch_is_compact():
    text = render_text(trace(load("mini-batch")), "md", RenderOptions()).text
    assert ("The other examples of the mini-batch repeat these computations with their own inputs and targets, so "
            "they are written compactly") in text
    assert [line for line in text.splitlines() if line.startswith("**")] == [
        "**Forward pass, example 2**", "**Loss, example 2**", "**Backward pass, example 2**",
        "**Forward pass, example 3**", "**Loss, example 3**", "**Backward pass, example 3**"]


def test_compact_expression_from_the_command_line(capsys):
    assert main(["run", "--expr", "f = (x + y) * z", "--at", "x=-2, y=5, z=-4", "--compact"]) == 0
    out = capsys.readouterr().out
    # CS231n: q = 3, f = -12, df/dx = df/dy = -4, df/dz = 3
    assert ("**Forward pass**\n\n$$\n\\begin{aligned}\ng_{1} &= x + y = -2 + 5 = 3 \\\\\n"
            "f &= g_{1} \\cdot z = 3 \\cdot (-4) = -12\n") in out
    assert ("\\frac{\\partial f}{\\partial x} &= \\frac{\\partial f}{\\partial g_{1}} \\cdot "
            "\\frac{\\partial g_{1}}{\\partial x} = -4 \\cdot 1 = -4") in out
    assert "| $z$ | -4 | $\\frac{\\partial f}{\\partial z}$ | 3 |" in out
    assert "upstream" not in out and "An add gate" not in out


@pytest.mark.parametrize("args,message", [
    (["classic-2-2-2", "--compact", "--full"], "tracer: --compact: found together with --full; expected one of the two"),
    (["classic-2-2-2", "--compact", "--exercise"], "tracer: --compact: found with --exercise; expected it with a walkthrough"),
    (["classic-2-2-2", "--full", "--answer-key"], "tracer: --full: found with --answer-key; expected it with a walkthrough"),
    (["classic-2-2-2", "--sheet-notes"], "tracer: --sheet-notes: found without --exercise; expected it with --exercise"),
    (["conv-5x5", "--compact"], "tracer: --compact: found with a convolutional network; expected a dense network or "
                                "an expression"),
])
def test_options_that_do_not_go_together(args, message, capsys, tmp_path):
    out = tmp_path / "walk.md"
    assert main(["run", *args, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


def test_help_documents_compact(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--compact one line per quantity, formula = numbers = result, no prose; the tables are kept" in text
    assert "--full every step and every example of a mini-batch worked in prose" in text


@pytest.mark.parametrize("form", ["compact", "compact-matrix"])
@pytest.mark.parametrize("fmt", ["md", "tex"])
def test_compact_golden(form, fmt):
    """The classic example's compact forms, byte for byte (python3 tests/regenerate_golden.py compact)."""
    from tests.regenerate_golden import golden_path, render_golden
    assert render_golden(form, fmt) == golden_path(form, fmt).read_text(encoding="utf-8"), \
        f"{form} {fmt} differs; if intended: python3 tests/regenerate_golden.py compact"
