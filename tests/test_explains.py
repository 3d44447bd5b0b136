"""A walkthrough explains itself (issue 11, section 2): how to read it, one sign, derived
closed forms, ReLU's dead neurons, a mini-batch's own symbols, a long run's loss."""
from __future__ import annotations

import math
from functools import cache

import pytest

from tests.arithmetic import adds_up
from tracer.engine.log import TraceLog
from tracer.engine.trace import trace
from tracer.examples import example_path
from tracer.formula.latex import latex
from tracer.formula.text import text
from tracer.model.activations import Sigmoid, Softmax
from tracer.model.losses import BinaryCrossEntropy, CrossEntropy
from tracer.model.problem import Problem
from tracer.render import RenderOptions, render_text
from tracer.render.lossplot import sampled


@cache
def _log(example: str, problem: str = "problem.yaml") -> TraceLog:
    return trace(Problem.from_file(example_path(example).with_name(problem)))


def _md(example: str, style: str, problem: str = "problem.yaml") -> str:
    return render_text(_log(example, problem), "md", RenderOptions(style=style)).text


# --- How to read this --------------------------------------------------------------------
def test_how_to_read_states_rounding_names_indices_and_signs_from_the_problem():
    page = _md("classic-2-2-2", "chain-rule")
    block = page.split("## How to read this\n\n", 1)[1].split("\n\n", 1)[0]
    assert block == (
        "- Numbers: computed values are rounded to 9 decimal places (trailing zeros dropped), or 4 significant"
        " figures where that keeps more; each line gives its printed result to within one unit of the last"
        " digit. Given data keep their own digits.\n"
        "- Names: $net_{h1}$ is the net input of $h_{1}$ (its inputs times their weights, plus its bias),"
        " $out_{h1}$ its output (the activation of the net input), $E_{total}$ the total error"
        " (the sum over the outputs).\n"
        "- Weights: $w_{1}$ goes from $i_{1}$ to $h_{1}$, $w_{2}$ from $i_{2}$ to $h_{1}$, $w_{3}$ from $i_{1}$ to $h_{2}$.\n"
        "- Signs: a delta is the derivative of the error itself (not its negative),"
        " $\\delta_{o1} = \\frac{\\partial E_{total}}{\\partial net_{o1}}$, and each parameter steps against"
        " its gradient, $w_{1}^{+} = w_{1} - \\eta \\cdot \\frac{\\partial E_{total}}{\\partial w_{1}}$.")
    assert page.index("## How to read this") < page.index("## Setup")


def test_how_to_read_follows_the_notation_and_hand_rounding():
    xor = _md("xor", "narrative")
    assert ("- Numbers: as by hand, every computed value is truncated to 2 decimal places (significant"
            " figures where that would leave 0) and used on exactly as printed (an updated weight with the"
            " digits its change needs), so each line, rounded at its result's last digit, gives that result"
            " exactly.") in xor
    # the nodes notation numbers weights sending neuron first: w2 goes from x1 to n4
    relu = _md("relu-blog", "chain-rule")
    # trailing zeros kept (the default): not mentioned, unlike classic-2-2-2's Mazur style above
    assert "- Numbers: computed values are rounded to 4 decimal places, or 4 significant figures where" in relu
    assert ("- Weights: $w_{1}$ goes from $x_{1}$ to $n_{3}$, $w_{4}$ from $x_{2}$ to $n_{3}$, $w_{2}$ from $x_{1}$"
            " to $n_{4}$.") in relu
    symbolic = _md("devforum", "symbolic")
    assert "- Names: the Symbols table below says what each symbol stands for." in symbolic
    assert "- Numbers:" not in symbolic  # no numbers in the symbolic style


# --- one sign ------------------------------------------------------------------------------
def test_narrative_keeps_the_gradient_sign_and_defines_the_hidden_error():
    page = _md("xor", "narrative")
    assert "\\mathrm{error} &= \\mathrm{target} - \\mathrm{output\\_o}" not in page  # no t - o
    assert "target minus what the network gave" not in page
    assert ("so how the loss changes with its output, $\\mathrm{error}_{h1} = \\frac{\\partial"
            " \\mathrm{loss}_{\\mathrm{total}}}{\\partial \\mathrm{output}_{h1}}$ for the first one, with the same sign,"
            " is that neuron's delta sent back through the weight in between") in page   # xor has one output


# --- derive, don't assert ------------------------------------------------------------------
def test_softmax_cross_entropy_delta_is_derived():
    chains = CrossEntropy(3).closed_delta_derivation(Softmax())
    assert [" = ".join(latex(x) for x in c) for c in chains] == [
        "\\ln o_{k} = \\ln \\frac{e^{net_{k}}}{\\sum_{m} e^{net_{m}}} = net_{k} - \\ln \\sum_{m} e^{net_{m}}",
        "E = -\\sum_{k} t_{k} \\ln o_{k} = -\\sum_{k} t_{k} \\left(net_{k} - \\ln \\sum_{m} e^{net_{m}}\\right)"
        " = -\\sum_{k} t_{k} \\cdot net_{k} + \\ln \\sum_{m} e^{net_{m}}",
        "\\frac{\\partial E}{\\partial net_{j}} = -t_{j} + \\frac{e^{net_{j}}}{\\sum_{m} e^{net_{m}}} = o_{j} - t_{j}",
    ]
    page = _md("three-classes", "chain-rule")
    assert page.count("Why the delta is output minus target") == 1
    assert "\\frac{\\partial E_{total}}{\\partial net_{j}} = -t_{j}" in page


def test_sigmoid_binary_cross_entropy_delta_is_derived():
    chains = BinaryCrossEntropy(1).closed_delta_derivation(Sigmoid())
    assert [" = ".join(text(x) for x in c) for c in chains] == [
        "delta_j = dE_j/do_j · do_j/dnet_j = (o_j - t_j)/(o_j(1 - o_j)) · o_j(1 - o_j) = o_j - t_j"]
    assert CrossEntropy(2).closed_delta_derivation(Sigmoid()) == []


def test_binary_cross_entropy_walkthrough_derives_once():
    problem = Problem.from_dict({
        "network": {"layers": [1, 1, 1], "activation": "sigmoid", "bias": "none",
                    "weights": [[[0.5]], [[0.3]]]},
        "loss": "binary_cross_entropy", "training": {"learning_rate": 0.1},
        "data": [{"input": [1], "target": [1]}]})
    for style in ("chain-rule", "narrative", "matrix"):
        page = render_text(trace(problem), "md", RenderOptions(style=style)).text
        assert page.count("the slope of the sigmoid cancels the denominator") == 1, style


def test_relu_with_net_below_zero_passes_no_gradient():
    page = _md("relu-blog", "chain-rule")
    assert ("ReLU is flat where its net input is 0 or less, so the derivative is 0 and no gradient flows back"
            " through $n_{4}$: its delta is 0, and so are the gradients of the weights and the bias leading into it.") in page
    assert ("Spelled out, the paths from $n_{3}$ to the output are $n_{3} \\to n_{6} \\to n_{9}$, $n_{3} \\to n_{7} \\to n_{9}$,"
            " $n_{3} \\to n_{8} \\to n_{9}$; each term of"
            " the sum covers the paths through one neuron of the next layer.") in page
    for style in ("narrative", "matrix"):
        assert ("At $n_{4}$ the slope is 0 (ReLU is flat where its net input is 0 or less), so no gradient flows"
                " back through it: its delta is 0, and so are the"
                " gradients of the weights leading into it.") in _md("relu-blog", style)


# --- mini-batch ----------------------------------------------------------------------------
def test_mini_batch_names_the_batch_loss_and_its_mean_gradients_apart_from_an_example():
    log = _log("mini-batch")
    batch = next(e for e in log.entries if e.kind == "loss" and e.example is None)
    examples = [e for e in log.entries if e.kind == "loss" and e.neuron is None and e.example is not None]
    assert batch.latex == "{E_{total}}^{\\mathrm{batch}}"
    assert batch.formula_latex() == ("\\frac{1}{3} \\cdot \\left({E_{total}}^{(1)} + {E_{total}}^{(2)}"
                                     " + {E_{total}}^{(3)}\\right)")
    assert batch.substitution_latex() == "\\frac{1}{3} \\cdot \\left(0.1755 + 0.3197 + 0.1839\\right)"
    assert batch.shown == "0.2264"
    # the batch loss is the step's loss, the mean of the examples' own; its line adds up
    assert math.isclose(batch.value, log.history[0]["loss"], rel_tol=1e-12)
    assert math.isclose(batch.value, sum(e.value for e in examples) / 3, rel_tol=1e-12)
    assert adds_up(sum(float(e.shown) for e in examples) / 3, batch.shown, log.problem.rounding)
    mean = next(e for e in log.entries if e.kind == "dw" and e.example is None)
    assert mean.latex == "\\frac{\\partial {E_{total}}^{\\mathrm{batch}}}{\\partial w_{5}}"
    assert mean.name == "dE/dw5"  # the plain name the checker reads is unchanged


@pytest.mark.parametrize("style", ["chain-rule", "narrative", "matrix"])
def test_mini_batch_page_has_no_unexplained_notation(style):
    page = _md("mini-batch", style)
    for bad in ("\\frac{1}{1}", "\\frac{2}{1}", "\\right|", "\\left."):
        assert bad not in page, (style, bad)
    assert "Writing ${E_{total}}^{(k)}$ for the total error of example $k$" in page
    assert "{E_{total}}^{\\mathrm{batch}} &= \\frac{1}{3} \\cdot \\left(" in page


def test_matrix_mean_is_marked_and_used_by_the_update():
    page = _md("mini-batch", "matrix")
    assert "{dW^{[2]}}^{\\mathrm{batch}} &= \\frac{1}{3} \\cdot \\left({dW^{[2]}}^{(1)} + " in page
    assert "{W^{[2]}}^{+} &= W^{[2]} - \\eta \\cdot {dW^{[2]}}^{\\mathrm{batch}}" in page


def test_mean_squared_error_of_one_output_has_no_unit_fraction():
    page = _md("mini-batch", "chain-rule")
    # -0.8380: its line 2(0.5810 - 1) needs no rounding, and is within one unit of -0.837936
    assert "E_{o1} = (target_{o1} - out_{o1})^{2} = (1 - 0.5810)^{2} = 0.1755" in page
    assert "\\frac{\\partial E_{total}}{\\partial out_{o1}} = 2(out_{o1} - target_{o1}) = 2(0.5810 - 1) = -0.8380" in page


def test_mean_squared_error_is_worded_by_what_it_computes():
    """One output: no 1/n is printed, so the words say the mean is the squared error itself;
    two outputs: the 1/2 in each output's term is named."""
    one = "mean squared error over the one output, which is the squared error itself"
    pages = {style: _md("mini-batch", style) for style in ("chain-rule", "narrative", "matrix", "symbolic")}
    assert f"- Loss: {one}, $E_j = (t_j - o_j)^{{2}}$ per output $j$" in pages["chain-rule"]
    assert f"How far off are we? The loss ({one}) says it in one number" in pages["narrative"]
    assert f"against the target, with the {one}:" in pages["matrix"]
    assert f"- Loss: {one}, $E_{{total}} = (target_{{o1}} - out_{{o1}})^{{2}}$" in pages["symbolic"]
    for page in pages.values():
        assert "mean squared error," not in page and "mean squared error)" not in page
    raw = {"network": {"layers": [1, 2], "activation": "sigmoid", "bias": "none",
                       "weights": [[[0.5], [-0.5]]]},
           "loss": "mean_squared_error", "training": {"learning_rate": 0.1},
           "data": [{"input": [1.0], "target": [0.0, 1.0]}]}
    two = render_text(trace(Problem.from_dict(raw)), "md", RenderOptions(style="chain-rule")).text
    assert ("- Loss: mean squared error over the 2 outputs, each output's squared error times 1/2,"
            " $E_j = \\frac{1}{2}(t_j - o_j)^{2}$ per output $j$") in two


# --- a long run ----------------------------------------------------------------------------
def test_training_walkthrough_shows_first_and_last_step_loss_table_and_plot():
    log = _log("classic-2-2-2", "training.yaml")
    assert log.steps == [1, 10000]
    out = render_text(log, "md", RenderOptions(style="chain-rule", diagram_name="training.svg", inline_svg=False))
    assert "## Step 10000 (epoch 10000, example 1)" in out.text
    assert "| 10000 | $3.5109 \\times 10^{-5}$ |" in out.text   # 0.000035109, in powers of ten
    assert "![Loss over the steps](training-loss.svg)" in out.text
    assert "The new weights of step 10000 above are the final weights." in out.text
    svg = out.attachments["training-loss.svg"]
    assert svg == render_text(log, "md", RenderOptions(style="chain-rule", diagram_name="training.svg",
                                                       inline_svg=False)).attachments["training-loss.svg"]
    assert svg.count("<polyline") == 1 and ">10000</text>" in svg and ">0.298371109</text>" in svg
    # the loss falls by a factor of 8,500: a log scale from the last loss to the first
    assert ">0.000035109</text>" in svg and ">(log scale)</text>" in svg
    tex = render_text(log, "tex", RenderOptions(style="chain-rule")).text
    assert "plot coordinates {(0.000,4.500)" in tex


def test_loss_plot_samples_evenly_and_keeps_the_last_step():
    history = [{"step": s, "loss": 1 / s} for s in range(1, 1002)]
    points = sampled(history, 100)
    assert points[0] == (1, 1.0) and points[-1] == (1001, 1 / 1001)
    assert len(points) <= 101 and [s for s, _ in points[:3]] == [1, 12, 23]


def test_a_short_fall_is_drawn_from_zero():
    from tracer.render.lossplot import loss_plot
    from tracer.render.printers import MarkdownPrinter
    svg = loss_plot(MarkdownPrinter(inline_svg=True), [{"step": s, "loss": 0.5 - s / 100} for s in range(1, 21)],
                    "x.svg", str)
    assert ">0</text>" in svg and ">loss</text>" in svg and "log scale" not in svg


def test_a_learning_rule_states_its_rounding():
    page = _md("perceptron-and", "chain-rule")
    assert page.index("## How to read this") < page.index("## Setup")
    assert "- Numbers: computed values are rounded to 1 decimal place" in page   # as the book (Negnevitsky)


# --- Names typeset in headings and prose (issue 11, section 3) ----------------------------
def test_chain_rule_neuron_headings_and_prose_typeset_the_notation_name():
    page = _md("devforum", "chain-rule")
    assert "#### Neuron $a_{21}$\n\nThe delta of $a_{21}$, how fast the total error changes with its net input:" in page
    assert "Weight $w_{31}$, from $a_{11}$ to $a_{21}$:" in page
    assert "The output of $a_{11}$ feeds only $a_{21}$, so it reaches the error along one path:" in page
    assert "#### Neuron $a_{12}$\n\nThe same chain as for $a_{11}$, one line a quantity." in page
    assert "Neuron a21" not in page and "for a11" not in page
    tex = render_text(_log("devforum", "problem.yaml"), "tex", RenderOptions(style="chain-rule")).text
    assert "\\subsubsection{Neuron $a_{21}$}" in tex


def test_narrative_layer_headings_do_not_promise_an_error_of_the_other_sign():
    page = _md("xor", "narrative")
    assert "### Output layer: delta and gradients" in page and "### Hidden layer: deltas and gradients" in page
    assert "error and delta" not in page


def test_elided_runs_name_their_ends_typeset_and_never_hide_a_single_item():
    page = render_text(_log("xor"), "md", RenderOptions(style="narrative", max_terms=4)).text
    assert "$\\vdots$ 4 more, $\\text{input-to-hidden}_{4}$ to $\\text{input-to-hidden}_{7}$." in page
    training = _md("xor-training", "narrative")   # updates: the unchanged ones are counted, named typeset
    assert "The other 8, $\\text{input-to-hidden}_{1}$ to $\\text{input-to-hidden}_{8}$, are unchanged" in training
    assert "input\\_to" not in training
    assert "input\\_to" not in page
    three = render_text(_log("xor"), "md", RenderOptions(style="chain-rule", max_terms=3)).text
    assert "The other 1 " not in three and "#### Neuron $h_{3}$" in three   # 4 hidden neurons, 3 shown + 1: all 4


def test_a_bias_feeding_one_neuron_and_a_one_example_run_are_worded_for_one():
    page = _md("devforum", "chain-rule")
    assert ("The bias $b_{2}$ feeds the one neuron of the output layer, whose net input changes one for one"
            " with it, so its gradient is that neuron's delta:") in page
    assert "The bias $b_{1}$ is shared by every neuron of the hidden layer" in page
    adam = _md("adam-two-steps", "narrative")
    assert "With one example, every step is a whole epoch." in adam and "all 1 examples" not in adam


def test_initial_biases_table_names_the_neuron_as_the_weights_table_does():
    page = _md("odd-even", "matrix")
    assert "| $b^{[1]}_{1}$ | $A^{[1]}_{1}$ | 0.1 |" in page and "A1\\[1\\]" not in page
    assert "| $b_{1}$ | every neuron of the hidden layer | 0.35 |" in _md("classic-2-2-2", "chain-rule")


def test_loss_table_heads_the_loss_by_its_notation_name_and_drops_constant_columns():
    training = _md("classic-2-2-2", "chain-rule", "training.yaml")
    assert "| Step | $E_{total}$ |\n|---:|---:|\n| 1 | 0.298371109 |\n| 2 | 0.291027774 |\n" in training
    xor = _md("xor-training", "narrative")
    assert ("| Step | Epoch | Example | $\\mathrm{loss}_{\\mathrm{total}}$ |\n|---:|---:|---:|---:|\n"
            "| 1 | 1 | 1 | 0.2661 |\n| 2 | 1 | 2 | 0.03899 |\n") in xor
