"""Wording a teacher can hand out (readers' findings on the gallery): every number the
formulas use is stated in Setup, rules stated as applied, names typeset, words that fit
the page and the network they describe."""
from __future__ import annotations

import re
from functools import cache

from tracer.engine.log import TraceLog
from tracer.engine.trace import trace
from tracer.examples import example_path
from tracer.model.problem import Problem
from tracer.render import RenderOptions, render_text


@cache
def _log(example: str, problem: str = "problem.yaml") -> TraceLog:
    return trace(Problem.from_file(example_path(example).with_name(problem)))


def _md(example: str, style: str | None = None, problem: str = "problem.yaml") -> str:
    return render_text(_log(example, problem), "md", RenderOptions(style=style)).text


def _setup(page: str) -> list[str]:
    block = page.split("## Setup\n\n", 1)[1].split("\n\n", 1)[0]
    return block.splitlines()


# --- 1. hyperparameters stated in Setup ----------------------------------------------------
def test_setup_states_momentum_with_its_symbol():
    for style in ("chain-rule", "narrative", "matrix"):
        lines = _setup(_md("momentum", style))
        assert "- Optimizer: SGD with momentum, $\\mu = 0.9$" in lines, style
        assert lines.index("- Optimizer: SGD with momentum, $\\mu = 0.9$") == lines.index("- Learning rate: $\\eta = 0.5$") + 1


def test_setup_states_adams_betas_and_epsilon():
    lines = _setup(_md("adam-two-steps"))
    assert "- Optimizer: Adam, $\\beta_{1} = 0.9$, $\\beta_{2} = 0.999$, $\\epsilon = 1 \\times 10^{-8}$" in lines


def test_setup_states_the_penalty_strength():
    lines = _setup(_md("l2-regularization"))
    assert "- Regularization: L2 penalty, $\\lambda = 0.01$" in lines


def test_plain_gradient_descent_states_no_optimizer():
    lines = _setup(_md("classic-2-2-2", "chain-rule"))
    assert not [line for line in lines if line.startswith(("- Optimizer", "- Regularization"))]


# --- 2. the answer key states the rounding rule it applies -----------------------------------
def _sheet(example: str, **kind: bool) -> str:
    return render_text(_log(example), "md", RenderOptions(**kind)).text


def test_answer_key_states_the_significant_figures_its_small_values_keep():
    key = _sheet("exercise-2-2-1", answer_key=True)
    assert ("Numbers are shown rounded to 4 decimal places, or 4 significant figures where that keeps more."
            in key)
    # the rule is the one applied: a small gradient keeps four figures, past four decimals
    assert re.search(r"= -?0\.0\d{4,}\b", key), "no small value past four decimals: the clause would be idle"


def test_exercise_sheet_asks_for_the_same_rule():
    sheet = _sheet("exercise-2-2-1", exercise=True)
    assert ("Give every answer rounded to 4 decimal places, or 4 significant figures where that keeps more;"
            in sheet)


# --- 3. a path's formula has a left-hand side; names are math ------------------------------
def _path_intro(page: str, heading: str) -> str:
    block = page.split(f"\n{heading}\n\n", 1)[1]
    return block.split("$$\n", 1)[1].split("\n$$", 1)[0]


def test_deep_layer_path_is_named_by_the_output_it_reaches():
    relu = _path_intro(_md("relu-blog", "chain-rule"), "### Hidden layer 1")
    assert relu.startswith("\\frac{\\partial E_{total}}{\\partial out_{n3}} \\text{ (through }n_{6} \\text{)} = "
                           "\\frac{\\partial E_{total}}{\\partial net_{n6}} \\cdot ")
    softmax = _path_intro(_md("three-classes", "chain-rule"), "### Hidden layer")
    assert softmax.startswith("\\frac{\\partial E_{total}}{\\partial out_{h1}} \\text{ (through }o_{1} \\text{)} = ")


def test_a_sum_of_paths_adds_the_products_not_their_names():
    page = _md("relu-blog", "chain-rule")
    assert "\\text{ (through }" not in page.split("#### Neuron $n_{3}$", 1)[1].split("####", 1)[0]


def test_a_blocked_relu_is_named_in_math():
    page = _md("relu-blog", "chain-rule")
    assert "no gradient flows back through $n_{4}$:" in page
    assert "through n4" not in page


# --- 4. the matrix style's notation speaks of the general layer l --------------------------
def test_matrix_notation_names_the_general_layer():
    for example in ("odd-even", "adam-two-steps"):
        page = _md(example, "matrix")
        line = next(x for x in page.splitlines() if x.startswith("For layer "))
        assert line.startswith("For layer $l$: $Z^{[l]}, A^{[l]}$ are columns with one row per neuron"), example
        assert "$W^{[l]}$ holds the weights into layer $l$," in line
        assert "$b^{[l]}$ its bias" in line
        assert "^{[1]}" not in line


def test_general_matrix_name_from_the_notation():
    notation = _log("odd-even").notation
    assert notation.general_matrix("net") is not None
    assert (notation.general_matrix("net").plain, notation.general_matrix("net").latex) == ("Zl", "Z^{[l]}")


# --- 5. each gallery page's description fits that page ------------------------------------
def test_a_numeric_gallery_page_is_not_described_as_symbolic():
    from tracer.gallery import catalogue, render_files

    checked = 0
    for example in catalogue():
        for w in example.walkthroughs:
            if w.style == "symbolic" or w.example != "devforum":
                continue
            page = render_files(w)[f"{w.name}.md"]
            lead = page.split("\n\n", 2)[1]
            assert "symbolically" not in lead, (w.example, w.name)
            assert lead == ("The 2-3-1 sigmoid network of seed 001 with one shared bias per layer, the derivation's "
                            "formulas worked with its numbers, weight by weight.")
            checked += 1
    assert checked == 1


def test_no_gallery_description_promises_symbols_to_a_numeric_page():
    from tracer.gallery import catalogue
    from tracer.model.graph_problem import is_expression_file

    for example in catalogue():
        for w in example.walkthroughs:
            path = example_path(w.example).with_name(w.problem)
            if w.style != "symbolic" and not w.sheet and not is_expression_file(path):
                description = w.description or Problem.from_file(path).description
                assert "symbolically" not in description, (w.example, w.name)


# --- 6. words follow the number of neurons --------------------------------------------------
def test_one_output_neuron_is_spoken_of_in_the_singular():
    page = _md("xor", "narrative")
    output = page.split("### Output layer: delta and gradients\n", 1)[1].split("### Hidden layer", 1)[0]
    assert "First, how does the loss change when the output changes?" in output
    assert "The slope of the activation at the neuron, " in output
    assert "Multiply the two and we have the delta:" in output
    assert "at each neuron" not in output and "the deltas" not in output
    hidden = page.split("### Hidden layer: deltas and gradients\n", 1)[1]
    assert "A neuron here feeds the only neuron of the next layer" in hidden
    assert "is that neuron's delta sent back through the weight in between:" in hidden
    assert "The slope of the activation at each neuron, " in hidden


def test_two_output_neurons_keep_the_plural():
    page = _md("classic-2-2-2", "narrative")
    assert "### Output layer: deltas and gradients" in page
    assert "First, how does the loss change when an output changes?" in page
    assert "Multiply the two and we have the deltas:" in page
    assert "A neuron here feeds every neuron of the next layer" in page


def test_matrix_style_slope_of_one_neuron():
    page = _md("xor", "matrix")
    assert "The slope of the activation at the neuron" in page


# --- 7. a zero net in a sigmoid: e^{0}, not e^{-0} -------------------------------------------
def test_a_negated_zero_prints_as_the_zero():
    from tracer.formula.latex import latex
    from tracer.formula.mathml import mathml
    from tracer.formula.text import text
    from tracer.formula.tree import Neg, Number, Symbol

    assert latex(Neg(Number("0", 0.0))) == "0"
    assert latex(Neg(Number("0.0000", 0.0))) == "0.0000"
    assert text(Neg(Number("0", 0.0))) == "0"
    assert "&#x2212;" not in mathml(Neg(Number("0", 0.0))) and "−" not in mathml(Neg(Number("0", 0.0)))
    assert latex(Neg(Number("0.05", 0.05))) == "-0.05"
    assert latex(Neg(Number("1e-8", 1e-8))) != "1e-8"
    assert latex(Neg(Symbol("x", "x"))) == "-x"


def test_mini_batch_sigmoid_of_a_zero_net():
    page = _md("mini-batch")
    assert "e^{-0}" not in page
    assert "\\frac{1}{1 + e^{0}} = 0.5000" in page


# --- 8. Hebb's rule is worded as Hebb's: no error term --------------------------------------
def test_hebb_rule_has_no_error_term():
    page = _md("hebb-and", "narrative")
    rule = page.split("## The learning rule\n\n", 1)[1].split("\n## ", 1)[0]
    assert rule.startswith("After each example the unit moves every weight by the input that weight carries times "
                           "the target: Hebb's rule has no error term, and the output plays no part in it.\n")
    assert "e = t - y" not in rule and "error times" not in rule
    assert "w_{i} \\leftarrow w_{i} + x_{i} \\cdot t" in rule
    worked = page.split("## Worked presentations", 1)[1]
    assert "e = t - y" not in worked


def test_error_driven_rules_keep_their_error():
    page = _md("perceptron-and", "narrative")
    rule = page.split("## The learning rule\n\n", 1)[1].split("\n## ", 1)[0]
    assert "the learning rate times the error times the input" in rule
    assert "e = t - y" in rule


# --- 9. adaline-lms: the rate agrees with the description; convergence in words --------------
def test_adaline_lms_description_explains_its_rate():
    page = _md("adaline-lms")
    problem = _log("adaline-lms").problem
    assert problem.training.learning_rate == 2 * 0.2   # the book's 2·alpha
    assert ("The book's step adds twice its learning rate 0.2 times the error times the input; this page's step "
            "adds its learning rate times the error times the input, so its learning rate is the book's doubled, "
            "0.4.") in page
    assert "- Learning rate: $\\alpha = 0.4$" in page


def test_a_rule_that_converged_before_its_last_epoch_says_so_in_words():
    page = _md("adaline-lms")
    assert ("Training ran the 3 epochs it was given; epoch 2 is the first with no wrong output, "
            "and the last one has none too.") in page
    assert "the first epoch without one" not in page


# --- 10. l2-regularization: the chain's factors are said to be the data loss's too -----------
def test_regularized_chain_says_its_factors_are_the_data_losss():
    page = _md("l2-regularization", "chain-rule")
    said = page.index("The penalty depends on the weights alone, not on any output or net input, so along this "
                      "path the total error and the data loss change alike, $\\frac{\\partial E_{total}}{\\partial "
                      "out_{o1}} = \\frac{\\partial E_{\\mathrm{data}}}{\\partial out_{o1}}$, and so do the deltas: "
                      "the chain gives the data loss's part of the gradient, "
                      "$\\frac{\\partial E_{\\mathrm{data}}}{\\partial w}$")
    assert said < page.index("\\frac{\\partial E_{\\mathrm{data}}}{\\partial w_{5}} = ")
    assert "The penalty depends on the weights alone" not in _md("classic-2-2-2", "chain-rule")


# --- 11. expression narrative: each block names its gate; nothing defined twice ---------------
def test_expression_narrative_labels_gates_and_defines_each_gradient_once():
    from tracer.gallery import catalogue, render_files

    w = next(w for e in catalogue() for w in e.walkthroughs
             if w.example == "variable-twice" and w.name == "walkthrough-narrative")
    page = render_files(w)["walkthrough-narrative.md"]
    backward = page.split("## Backward pass", 1)[1].split("| Variable", 1)[0]
    assert ("Gate $f$ (add gate), the output gate: with the upstream gradient 1, its local gradients are the "
            "gradients it passes back:") in backward
    assert "Gate $g_{2}$ (max gate):" in backward and "Gate $g_{1}$ (multiply gate):" in backward
    lhs = [line.split(" &= ", 1)[0] for line in backward.splitlines() if " &= " in line]
    assert len(lhs) == len(set(lhs)), [x for x in lhs if lhs.count(x) > 1]


# --- 12. sentences start with a capital; LaTeX quotes open and close ----------------------------
def test_vector_form_lead_in_is_a_sentence():
    page = _md("han-kamber-backprop", "matrix")
    assert "\nElement by element:\n" in page
    assert "\nelement by element:" not in page


def test_latex_text_quotes_open_and_close():
    from tracer.render.escape import latex_text

    assert latex_text('section 6.3 "The perceptron", Table 6.3') == "section 6.3 ``The perceptron'', Table 6.3"
    assert latex_text('"AND" ("x")') == "``AND'' (``x'')"
    assert latex_text("no quotes: it's 5 \\% off") == "no quotes: it's 5 \\textbackslash{}\\% off"


def test_pdf_source_of_a_quoted_description_has_tex_quotes():
    tex = render_text(_log("perceptron-and"), "tex", RenderOptions()).text
    assert "section 6.3 ``The perceptron'', Table 6.3 ``Example of perceptron learning" in tex
    assert '"The perceptron"' not in tex


# --- 13. five-optimizers: the zig-zag explained; every step of every epoch shown ---------------
def test_five_optimizers_page_explains_the_zigzag_and_shows_every_step():
    from pathlib import Path

    readme = (Path(__file__).parents[1] / "worked_examples" / "five-optimizers" / "README.md").read_text(encoding="utf-8")
    problem = _log("five-optimizers").problem
    steps = problem.training.epochs * len(problem.data)
    assert readme.startswith(f"# The same network, five optimizers, {steps} steps\n")
    assert "not the optimizer being unstable" in readme
    assert "zig-zags with period 3" in readme
    rows = [line for line in readme.splitlines() if line.startswith("<tr><td>")]
    assert len(rows) == steps == 21
    assert [r.split("<td>")[2].split("<")[0] for r in rows[:4]] == ["1", "2", "3", "1"]   # the example column


def test_five_optimizers_page_states_every_hyperparameter():
    """The page named no hyperparameter: each line now gives the defaults its curve used, the
    ones a problem file may set under training.optimizer (Adam's beta2 = 0.999...)."""
    from pathlib import Path

    readme = (Path(__file__).parents[1] / "worked_examples" / "five-optimizers" / "README.md").read_text(encoding="utf-8")
    assert "learning rate η = 0.5 for all five:\n\n- sgd: none (w ← w − η·g)\n" in readme
    assert "- momentum: `momentum` = 0.9, `form` = pytorch\n" in readme
    assert "- rmsprop: `decay` = 0.9, `epsilon` = 1e-08\n" in readme
    assert "- adagrad: `epsilon` = 1e-08\n" in readme
    assert "- adam: `beta1` = 0.9, `beta2` = 0.999, `epsilon` = 1e-08\n" in readme
    import yaml

    raw = yaml.safe_load(example_path("five-optimizers").read_text(encoding="utf-8"))
    raw["training"]["optimizer"] = {"name": "adam"}     # as make_page.py sets it: the values above
    adam = Problem.from_dict(raw).training.optimizer
    assert (adam.learning_rate, adam.beta1, adam.beta2, adam.epsilon) == (0.5, 0.9, 0.999, 1e-8)


# --- 14. an elided list of updates shows the ones that change a value ---------------------------
def test_elided_updates_show_the_nontrivial_and_count_the_unchanged():
    page = _md("xor-training", "narrative")
    first = page.split("Updating the weights", 1)[1].split("### Old and new weights", 1)[0]
    for j in (1, 2, 3, 4):   # the hidden biases: the only hidden updates that change (the inputs are 0)
        assert f"\\mathrm{{bias}}_{{h{j}}}^{{+}} &= " in first, j
    assert ("The other 8, $\\text{input-to-hidden}_{1}$ to $\\text{input-to-hidden}_{8}$, are unchanged: "
            "their gradients are 0, so each new value is the old one.") in first
    assert "\\text{input-to-hidden}_{1}^{+}" not in first
    assert "more," not in first


def test_unchanged_updates_are_the_ones_printing_the_old_value():
    from tracer.render.chains import _unchanged

    log = _log("xor-training")
    first = [e for e in log.entries if e.step == log.steps[0] and e.kind in ("new_w", "new_b")]
    same = [e for e in first if _unchanged(e)]
    assert same and all(e.operand("old").shown == e.shown for e in same)
    assert all(e.kind == "new_w" and e.layer == 1 for e in same)
    from tracer.render.chains import _zero_gradient

    # xor-training's first example is (0, 0): every input-to-hidden gradient is δ·0 = 0 exactly
    assert all(e.operand("grad").value == 0 and _zero_gradient(e) for e in same)
    assert not any(_zero_gradient(e) for e in first if not _unchanged(e))


def test_unchanged_updates_of_a_blocked_relu_say_why():
    page = _md("relu-blog", "narrative")
    assert ("The other 3, $w_{10}$ to $w_{12}$, are unchanged: their gradients are 0, "
            "so each new value is the old one.") in page


def test_a_rule_that_never_stops_early_runs_exactly_its_epochs():
    assert "- Epochs: 1" in _setup(_md("hebb-and"))
    assert ("- Epochs: at most 10; training stops after the first epoch without a wrong output"
            in _setup(_md("perceptron-and")))


def test_symbolic_setup_names_the_optimizer_and_penalty_symbols():
    assert "- Optimizer: Adam, with $\\beta_{1}$, $\\beta_{2}$, $\\epsilon$" in _setup(_md("adam-two-steps", "symbolic"))
    assert "- Optimizer: SGD with momentum, with $\\mu$" in _setup(_md("momentum", "symbolic"))
    assert "- Regularization: L2 penalty, strength $\\lambda$" in _setup(_md("l2-regularization", "symbolic"))


# --- 15. a sampled loss table says which steps it shows -------------------------------------------
def test_a_sampled_loss_table_says_which_steps_it_shows():
    page = _md("classic-2-2-2", "chain-rule", "training.yaml")
    table = page.split("## Loss over the steps\n\n", 1)[1]
    assert table.startswith("The loss of steps 1 to 10, then every 500th step up to 10,000; a row of dots "
                            "stands for the steps left out.\n\n| Step |")
    rows = [r.split(" | ")[0].lstrip("| ") for r in table.split("\n\n", 2)[1].splitlines()[2:]]
    numbered = [int(r) for r in rows if r.isdigit()]
    assert numbered == [*range(1, 11), *range(500, 10001, 500)]   # what the sentence says, nothing else


def test_a_worked_step_off_the_sample_is_named():
    from tracer.render.view import Viewer

    raw = _log("classic-2-2-2", "training.yaml").problem.to_dict()
    raw = {**raw, "training": {**raw["training"], "epochs": 1234}, "show_steps": [1, 777, "last"]}
    log = trace(Problem.from_dict(raw))
    # 1,234 steps / 20 = 61.7: every 100th; 777 is worked and off the stride, 1,234 too
    assert Viewer(log).history_sample() == ("steps 1 to 10, then every 100th step, and the last, 1,234, "
                                            "and step 777 worked above")
    assert "777 |" in _table_of(render_text(log, "md", RenderOptions()).text)


def _table_of(page: str) -> str:
    return page.split("## Loss over the steps\n\n", 1)[1]


# --- 16. a problem's description reads as prose: no code spelling of a formula -------------------
def test_gallery_descriptions_spell_no_formula_as_code():
    """The description opens the page as plain text (never typeset): han-kamber's said
    'theta_j', 'I_j = sum of w_ij O_i', perceptron-and's 'x1 w1 + x2 w2 - theta >= 0' and
    pointed students at tests/test_conventions.py. Each now says it in words."""
    import yaml

    from tracer.gallery import catalogue

    code = re.compile(r"\b[A-Za-z]+_[A-Za-z0-9]+\b|\b(?:theta|alpha|eta)\b|>=|<=|tests/|\.py\b")
    from tracer.resources import examples_dir

    problems = {examples_dir() / w.example / w.problem for example in catalogue() for w in example.walkthroughs}
    assert len(problems) > 20
    for path in sorted(problems):
        text = yaml.safe_load(path.read_text(encoding="utf-8")).get("description", "")
        assert not code.findall(text), (path, code.findall(text))
