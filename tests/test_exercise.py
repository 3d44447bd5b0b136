"""Exercise sheets and answer keys: `tracer run PROBLEM --exercise | --answer-key`.

What the sheet asks comes from the problem's ``ask:``, resolved with the checker's names;
the sheet shows no number of an answer; the key works exactly the asked quantities. The
expected numbers are computed here by hand (math only), not read from the engine.
"""
from __future__ import annotations

import math
import re
import subprocess
from decimal import ROUND_HALF_UP, Decimal

import pytest
import yaml

from tests.mathcheck import layout, markdown_math, math_errors, require_math_engines
from tracer.check.judge import Checker
from tracer.cli import main
from tracer.engine.trace import trace
from tracer.errors import ProblemError
from tracer.examples import example_path, load
from tracer.model.problem import Problem
from tracer.render import RenderOptions, render_text
from tracer.sheets.exercise import Exercise

EXAMPLE = "exercise-2-2-1"
ASKED = ["out_h1", "out_o1", "E_total", "dE/dw5", "dE/dw1", "w5+"]   # computation order


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def hand_values() -> dict[str, float]:
    """The 2-2-1 example worked with the textbook formulas (inputs 0.35, 0.9; target 0.9)."""
    i1, i2, t = 0.35, 0.9, 0.9
    w1, w2, w3, w4, w5, w6 = 0.1, 0.3, -0.2, 0.4, 0.5, -0.6
    b1, b2, b3 = 0.1, -0.1, 0.2
    h1, h2 = sigmoid(w1 * i1 + w2 * i2 + b1), sigmoid(w3 * i1 + w4 * i2 + b2)
    o1 = sigmoid(w5 * h1 + w6 * h2 + b3)
    delta_o1 = (o1 - t) * o1 * (1 - o1)
    return {"out_h1": h1, "out_o1": o1, "E_total": 0.5 * (t - o1) ** 2, "dE/dw5": delta_o1 * h1,
            "dE/dw1": delta_o1 * w5 * h1 * (1 - h1) * i1, "w5+": w5 - 0.5 * delta_o1 * h1}


def four(x: float) -> str:
    """Rounded half up to 4 decimals, or 4 significant figures below 0.1, every decimal kept
    (as the problem's rounding prints: 0.06380)."""
    d = Decimal(repr(x))
    unit = Decimal("0.0001") if abs(d) >= Decimal("0.1") else Decimal(1).scaleb(d.adjusted() - 3)
    return format(d.quantize(unit, rounding=ROUND_HALF_UP), "f")


def with_ask(ask, epochs: int = 1) -> Problem:
    """The example asking other things (over several epochs: one step per epoch)."""
    raw = yaml.safe_load(example_path(EXAMPLE).read_text(encoding="utf-8"))
    raw["ask"] = ask
    raw["training"]["epochs"] = epochs
    return Problem.from_dict(raw, source="p.yaml")


@pytest.fixture(scope="module")
def example_log():
    return trace(load(EXAMPLE))


# --- what is asked -----------------------------------------------------------------------
def test_the_asked_quantities_in_computation_order_with_their_hand_values(example_log):
    exercise = Exercise(example_log)
    assert [q.name for q in exercise.questions] == ASKED
    assert [q.number for q in exercise.questions] == [1, 2, 3, 4, 5, 6]
    hand = hand_values()
    # dE/dw5: its line −0.3572 · 0.2482 · 0.5999 gives −0.0531854, a result that is itself rounded,
    # so the exact value's −0.05318 is printed (within one unit of the line)
    assert exercise.answers == {name: four(hand[name]) for name in ASKED}
    assert exercise.answers == {"out_h1": "0.5999", "out_o1": "0.5428", "E_total": "0.06380",
                                "dE/dw5": "-0.05318", "dE/dw1": "-0.003724", "w5+": "0.5266"}


def test_ask_names_are_read_as_leniently_as_the_checker_reads_answers():
    spelt = with_ask(["out_{h1}", "new w5", "\\frac{\\partial E_{total}}{\\partial w_5}", "grad_w1",
                      "out_o1", "Etotal"])
    assert [q.name for q in Exercise(trace(spelt)).questions] == ASKED


def test_the_names_on_the_sheet_are_the_names_the_checker_resolves(example_log):
    exercise = Exercise(example_log)
    checker = Checker(example_log.problem, example_log)
    for q in exercise.questions:
        node = checker.graph[checker.names.resolve(q.name).node]
        assert node.entry is q.entry


@pytest.mark.parametrize("ask, names", [
    (["dw"], ["dE/dw5", "dE/dw6", "dE/dw1", "dE/dw2", "dE/dw3", "dE/dw4"]),
    (["new_b", "out_h1"], ["out_h1", "b3+", "b1+", "b2+"]),
    (["dw@1", "dE/dw5"], ["dE/dw5", "dE/dw6", "dE/dw1", "dE/dw2", "dE/dw3", "dE/dw4"]),
    (["net", "out"], ["net_h1", "net_h2", "out_h1", "out_h2", "net_o1", "out_o1"]),
])
def test_ask_by_kind(ask, names):
    assert [q.name for q in Exercise(trace(with_ask(ask))).questions] == names


def test_a_whole_step_or_no_ask_is_every_quantity_of_the_recorded_steps():
    log = trace(with_ask(["@1"]))
    everything = [e.name for e in log.entries]
    assert [q.name for q in Exercise(log).questions] == everything
    assert [q.name for q in Exercise(trace(with_ask([]))).questions] == everything
    assert len(everything) == 36


def test_steps_and_mini_batch_examples_are_grouped_and_named_with_suffixes():
    mini = Exercise(trace(load("mini-batch")))
    assert [g.title for g in mini.groups] == [
        "Step 1 (epoch 1), example 1", "Step 1 (epoch 1), example 2", "Step 1 (epoch 1), example 3",
        "Step 1 (epoch 1), the mini-batch mean and update"]
    by_name = {q.name: q for q in mini.questions}
    assert by_name["dE/dw5"].what == "The gradient of the total error with respect to w5, averaged over the mini-batch"
    assert by_name["dE/dw5#2"].what == "The gradient of the total error with respect to w5"
    steps = Exercise(trace(with_ask(["w5+@3", "out_h1@2"], epochs=3)))
    assert [q.name for q in steps.questions] == ["out_h1@2", "w5+@3"]
    assert [g.title for g in steps.groups] == ["Step 2 (epoch 2, example 1)", "Step 3 (epoch 3, example 1)"]


# --- a bad ask: one line naming ask[k], exit 2, nothing written ----------------------------
@pytest.mark.parametrize("ask, message", [
    (["out_h1", "out_h3"], "p.yaml: ask[1]: 'out_h3': no such quantity; closest: out_h2, out_h1, out_o1; "
                           "expected a quantity name, a kind (net, out, loss, error, dout, dact, dnet, dw, db, "
                           "new_w, new_b, err, delta_w, delta_b) or a step (@1)"),
    (["w5"], "p.yaml: ask[0]: found 'w5', a number the problem gives; expected a quantity to compute "
             "(e.g. w5+ or dE/dw5)"),
    (["out_h1", "dE/dw1", "i2"], "p.yaml: ask[2]: found 'i2', a number the problem gives; expected a quantity "
                                 "to compute"),
    (["out_h1@2"], "p.yaml: ask[0]: 'out_h1@2': step 2 is not worked in full; expected one of @1"),
])
def test_a_bad_ask_names_the_field_and_the_closest_names(ask, message):
    with pytest.raises(ProblemError) as info:
        Exercise(trace(with_ask(ask)))
    assert str(info.value) == message


def test_an_ask_that_selects_nothing():
    raw = yaml.safe_load(example_path(EXAMPLE).read_text(encoding="utf-8"))
    raw["network"]["bias"] = "none"
    del raw["network"]["biases"], raw["variants"]
    raw["ask"] = ["out_h1", "db"]
    with pytest.raises(ProblemError) as info:
        Exercise(trace(Problem.from_dict(raw, source="p.yaml")))
    assert str(info.value).startswith("p.yaml: ask[1]: found 'db', which selects nothing in this problem; "
                                      "expected a quantity name (out_h1, w5+, dE/dw5), a kind (net, ")


def test_the_command_line_reports_a_bad_ask_in_one_line_and_writes_nothing(tmp_path, capsys):
    raw = yaml.safe_load(example_path(EXAMPLE).read_text(encoding="utf-8"))
    raw["ask"] = ["out_h1", "ot_h2"]
    problem = tmp_path / "p.yaml"
    problem.write_text(yaml.safe_dump(raw), encoding="utf-8")
    out = tmp_path / "sheet.md"
    assert main(["run", str(problem), "--exercise", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == (f"tracer: {problem}: ask[1]: 'ot_h2': no such quantity; closest: out_h2, out_h1, net_h2; "
                   "expected a quantity name, a kind (net, out, loss, error, dout, dact, dnet, dw, db, new_w, "
                   "new_b, err, delta_w, delta_b) or a step (@1)\n")
    assert list(tmp_path.iterdir()) == [problem]


@pytest.mark.parametrize("args, message", [
    (["--exercise", "--answer-key"], "tracer: --answer-key: found together with --exercise; expected one of "
                                     "the two (run twice for the sheet and its key)\n"),
    (["--answer-key", "--format", "json"],
     "tracer: --format: found json with --answer-key; expected md, tex, pdf or html (an exercise sheet or answer key "
     "is a document; json is the whole log)\n"),
])
def test_conflicting_options(args, message, capsys):
    assert main(["run", EXAMPLE, *args]) == 2
    assert capsys.readouterr().err == message


# --- the exercise sheet ----------------------------------------------------------------------
def numbers_in(text: str) -> set[str]:
    """Every decimal number written in a text, as printed (the SVG's coordinates left out)."""
    text = re.sub(r"<svg.*?</svg>", "", text, flags=re.S)
    return set(re.findall(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])", text))


@pytest.mark.parametrize("fmt", ["md", "tex"])
def test_the_exercise_shows_no_number_of_any_answer(example_log, fmt):
    sheet = render_text(example_log, fmt, RenderOptions(exercise=True)).text
    computed = {e.shown for e in example_log.entries}          # not only the asked: no step's result
    assert computed & numbers_in(sheet) == set()
    given = {"0.1", "0.3", "-0.2", "0.4", "0.5", "-0.6", "-0.1", "0.2", "0.35", "0.9"}
    assert given <= numbers_in(sheet)                           # but all that is given


COMPUTE = (   # names typeset as in the formulas; no answer-file names without the checker's note
    "Compute:\n\n"
    "1. The output of neuron $h_{1}$: $\\displaystyle out_{h1} = \\underline{\\hspace{4cm}}$\n"
    "2. The output of neuron $o_{1}$: $\\displaystyle out_{o1} = \\underline{\\hspace{4cm}}$\n"
    "3. The total error: $\\displaystyle E_{total} = \\underline{\\hspace{4cm}}$\n"
    "4. The gradient of the total error with respect to $w_{5}$: "
    "$\\displaystyle \\frac{\\partial E_{total}}{\\partial w_{5}} = \\underline{\\hspace{4cm}}$\n"
    "5. The gradient of the total error with respect to $w_{1}$: "
    "$\\displaystyle \\frac{\\partial E_{total}}{\\partial w_{1}} = \\underline{\\hspace{4cm}}$\n"
    "6. The new value of $w_{5}$ after the update: $\\displaystyle w_{5}^{+} = \\underline{\\hspace{4cm}}$\n")
#: With ``--sheet-notes`` each question names what to write in the answers file for tracer check.
NAMED = (
    "Compute:\n\n"
    "1. The output of neuron $h_{1}$ (out\\_h1): $\\displaystyle out_{h1} = \\underline{\\hspace{4cm}}$\n"
    "2. The output of neuron $o_{1}$ (out\\_o1): $\\displaystyle out_{o1} = \\underline{\\hspace{4cm}}$\n"
    "3. The total error (E\\_total): $\\displaystyle E_{total} = \\underline{\\hspace{4cm}}$\n"
    "4. The gradient of the total error with respect to $w_{5}$ (dE/dw5): "
    "$\\displaystyle \\frac{\\partial E_{total}}{\\partial w_{5}} = \\underline{\\hspace{4cm}}$\n"
    "5. The gradient of the total error with respect to $w_{1}$ (dE/dw1): "
    "$\\displaystyle \\frac{\\partial E_{total}}{\\partial w_{1}} = \\underline{\\hspace{4cm}}$\n"
    "6. The new value of $w_{5}$ after the update (w5+): $\\displaystyle w_{5}^{+} = \\underline{\\hspace{4cm}}$\n")
DESCRIPTION = ("A 2-2-1 sigmoid network with a bias per neuron, as an exercise sheet; the sheet asks "
               "for two outputs, the error, two gradients and one update.")
NOTE = ("To have your answers checked, write them in a text file, one name = value a line with the names in "
        "brackets, and run tracer check on the problem file and yours.\n")


def test_the_exercise_lists_what_to_compute(example_log):
    """For students: no author's description, no note about the tool (issue 11, section 4)."""
    md = render_text(example_log, "md", RenderOptions(exercise=True)).text
    assert md.startswith("# Exercise: one training step of a 2-2-1 network\n\n## Setup\n")
    assert md[md.index("Compute:"):] == COMPUTE
    assert DESCRIPTION not in md and "tracer" not in md
    assert ("Give every answer rounded to 4 decimal places, or 4 significant figures where that keeps more; "
            "keep full precision in the computations in between.") in md
    assert "### Initial weights" in md and "<svg" in md


def test_sheet_notes_print_the_description_and_the_checker_note(example_log):
    md = render_text(example_log, "md", RenderOptions(exercise=True, sheet_notes=True)).text
    assert md.startswith(f"# Exercise: one training step of a 2-2-1 network\n\n{DESCRIPTION}\n\n## Setup\n")
    assert md[md.index("Compute:"):] == NAMED + "\n" + NOTE
    key = render_text(example_log, "md", RenderOptions(answer_key=True)).text   # the teacher's key keeps it
    assert DESCRIPTION in key


def test_the_pdf_sheet_leaves_a_framed_box_under_every_question(example_log, tmp_path):
    from tests.latexcheck import compile_tex, require_pdflatex
    tex = render_text(example_log, "tex", RenderOptions(exercise=True)).text
    box = "\\par\\nobreak\\smallskip\\noindent\\framebox[\\linewidth]{\\rule{0pt}{3.2cm}}"   # kept with its question
    items = [line for line in tex.splitlines() if line.startswith("  \\item The ")]
    assert len(items) == len(ASKED) and all(item.endswith(box) for item in items)
    assert tex.count("\\framebox") == len(ASKED)
    require_pdflatex()
    compiled = compile_tex(tex)
    assert compiled.returncode == 0 and compiled.errors == []
    (tmp_path / "sheet.pdf").write_bytes(compiled.pdf)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "sheet.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    # each question's line, then the empty box (blank in the text): the next question 5 lines on or
    # more (without the boxes the numbered lines follow each other)
    lines = text.splitlines()
    starts = [next(k for k, line in enumerate(lines) if line.strip().startswith(f"{n}. ")) for n in range(1, 7)]
    assert all(b - a >= 5 for a, b in zip(starts, starts[1:])), starts
    assert not any(lines[starts[0] + k].strip() for k in range(1, 4))


def test_the_latex_sheet_is_a_numbered_list_numbered_on_across_steps():
    tex = render_text(trace(with_ask(["out_h1@1", "out_h1@2", "w5+@2"], epochs=2)), "tex",
                      RenderOptions(exercise=True)).text
    assert tex.count("\\begin{enumerate}") == 2 and tex.count("\\item The ") == 3
    assert "\\setcounter{enumi}{1}\n  \\item The output of neuron" in tex
    assert "\\subsection{Step 2 (epoch 2, example 1)}" in tex
    assert "The network is trained by gradient descent for 2 steps: 2 epochs of 1 step, each working one example" in tex


# --- the answer key --------------------------------------------------------------------------
def test_the_answer_key_works_exactly_the_asked_quantities(example_log):
    md = render_text(example_log, "md", RenderOptions(answer_key=True)).text
    assert ("**6.** The new value of $w_{5}$ after the update:\n\n$$\nw_{5}^{+} = w_{5} - \\eta \\cdot "
            "\\frac{\\partial E_{total}}{\\partial w_{5}} = 0.5 - 0.5 \\cdot (-0.05318) = 0.5266\n$$") in md
    assert "$$\nout_{h1} = \\frac{1}{1 + e^{-net_{h1}}} = \\frac{1}{1 + e^{-0.4050}} = 0.5999\n$$" in md
    assert ("$$\n\\frac{\\partial E_{total}}{\\partial w_{5}} = \\frac{\\partial E_{total}}{\\partial out_{o1}} "
            "\\cdot \\frac{\\partial out_{o1}}{\\partial net_{o1}} \\cdot \\frac{\\partial net_{o1}}{\\partial w_{5}} "
            "= -0.3572 \\cdot 0.2482 \\cdot 0.5999 = -0.05318\n$$") in md
    assert "w_{6}^{+}" not in md and "e_{o1}" not in md         # nothing the answers do not use
    table = md[md.index("## Answers"):]
    assert "| 5 | $\\frac{\\partial E_{total}}{\\partial w_{1}}$ | dE/dw1 | -0.003724 |" in table
    positions = [md.index(f"**{k}.**") for k in range(1, 7)]
    assert positions == sorted(positions)


def test_the_answer_key_shows_every_quantity_before_using_it(example_log):
    """net_h1 before out_h1, net_o1 before out_o1, E_o1 before E_total, δ_o1 and ∂E/∂out_h1
    before dE/dw1; each once, worked from numbers already shown (issue 11, section 4)."""
    md = render_text(example_log, "md", RenderOptions(answer_key=True)).text
    first = "First the quantities it is computed from:\n\n$$\n\\begin{aligned}\n"
    assert ("**1.** The output of neuron $h_{1}$:\n\n" + first +
            "net_{h1} &= w_{1} \\cdot i_{1} + w_{2} \\cdot i_{2} + b_{1} = 0.1 \\cdot 0.35 + 0.3 \\cdot 0.9 + 0.1 = 0.4050\n"
            "\\end{aligned}\n$$\n\nThen:\n\n$$\nout_{h1} = ") in md
    assert ("**2.** The output of neuron $o_{1}$:\n\n" + first +
            "net_{h2} &= w_{3} \\cdot i_{1} + w_{4} \\cdot i_{2} + b_{2} = -0.2 \\cdot 0.35 + 0.4 \\cdot 0.9 + (-0.1) "
            "= 0.1900 \\\\\n"
            "out_{h2} &= \\frac{1}{1 + e^{-net_{h2}}} = \\frac{1}{1 + e^{-0.1900}} = 0.5474 \\\\\n"
            "net_{o1} &= w_{5} \\cdot out_{h1} + w_{6} \\cdot out_{h2} + b_{3} = 0.5 \\cdot 0.5999 + (-0.6) \\cdot 0.5474 "
            "+ 0.2 = 0.1715\n\\end{aligned}\n$$") in md
    assert ("**3.** The total error:\n\n" + first +
            "E_{o1} &= \\frac{1}{2}(target_{o1} - out_{o1})^{2} = \\frac{1}{2}(0.9 - 0.5428)^{2} = 0.06380\n"
            "\\end{aligned}\n$$\n\nThen:\n\n$$\nE_{total} = E_{o1} = 0.06380\n$$") in md
    assert ("\\delta_{o1} &= \\frac{\\partial E_{total}}{\\partial out_{o1}} \\cdot \\frac{\\partial out_{o1}}"
            "{\\partial net_{o1}} = -0.3572 \\cdot 0.2482 = -0.08865") in md
    assert ("**5.** The gradient of the total error with respect to $w_{1}$:\n\n" + first +
            "\\frac{\\partial E_{total}}{\\partial out_{h1}} &= \\delta_{o1} \\cdot w_{5} = -0.08865 \\cdot 0.5 = -0.04433 \\\\\n"
            "\\frac{\\partial out_{h1}}{\\partial net_{h1}} &= out_{h1}(1 - out_{h1}) = 0.5999(1 - 0.5999) = 0.2400 \\\\\n") in md
    assert "**6.** The new value of $w_{5}$ after the update:\n\n$$\nw_{5}^{+}" in md   # all it uses is shown
    # every symbol on the right of a line was the left of an earlier line, or is given
    given = {"w_{1}", "w_{2}", "w_{3}", "w_{4}", "w_{5}", "w_{6}", "b_{1}", "b_{2}", "b_{3}", "i_{1}", "i_{2}",
             "target_{o1}", "\\eta"}
    key = md[md.index("## Answer key"):md.index("## Answers")]
    defined: list[str] = []
    for line in re.findall(r"^(?:\$\$\n)?(.+?) &?= (.*?)(?: \\\\)?$", key, flags=re.M):
        left, right = line
        names = set(re.findall(r"(?:net|out)_\{[ho]\d\}|E_\{o1\}|\\delta_\{[ho]\d\}", right)) - {left}
        assert names <= set(defined) | given, (left, names - set(defined))
        defined.append(left)
    assert len(defined) == len(set(defined))                   # each quantity worked once


def test_the_answer_key_in_latex(example_log):
    tex = render_text(example_log, "tex", RenderOptions(answer_key=True)).text
    assert "\\section{Answer key}" in tex and "\\textbf{3.} The total error:" in tex
    assert "\\[\nE_{total} = E_{o1} = 0.06380\n\\]" in tex


def test_exercise_and_answer_key_math_renders_in_katex_and_mathjax(example_log):
    require_math_engines()
    found = []
    for options in (RenderOptions(exercise=True), RenderOptions(answer_key=True)):
        md = render_text(example_log, "md", options).text
        assert layout(md) == []
        found += markdown_math(md)
    assert math_errors(found) == []


def test_the_command_line_writes_the_sheet_and_its_diagram(tmp_path, capsys):
    out = tmp_path / "sheet.md"
    assert main(["run", EXAMPLE, "--exercise", "-o", str(out)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sheet.md", "sheet.svg"]
    assert "![Network diagram](sheet.svg)" in out.read_text(encoding="utf-8")
    assert main(["run", EXAMPLE, "--answer-key", "--format", "tex"]) == 0
    assert "\\section{Answers}" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["devforum", "mini-batch", "three-classes", "xor"])
def test_every_kind_of_network_gets_a_sheet_and_a_key(name):
    """Shared biases, mini-batch means, softmax with cross-entropy, truncation carried."""
    log = trace(load(name))
    questions = Exercise(log).questions
    key = render_text(log, "md", RenderOptions(answer_key=True)).text
    rows = key[key.index("## Answers"):].splitlines()[4:]
    assert [row.split(" | ")[-1].rstrip(" |") for row in rows] == [q.eq.shown for q in questions]
    assert all(f"**{q.number}.** " in key for q in questions)
    sheet = render_text(log, "md", RenderOptions(exercise=True)).text
    assert sheet.count("\\underline{\\hspace{4cm}}") == len(questions)


def test_the_sheet_says_how_to_round():
    sheet = render_text(trace(load("xor")), "md", RenderOptions(exercise=True)).text
    assert ("Give every answer truncated (not rounded) to 2 decimal places (significant figures where that would "
            "leave 0), and go on computing with the "
            "truncated values, as by hand.") in sheet


def test_the_task_says_what_one_step_is():
    sheet = render_text(trace(load("mini-batch")), "md", RenderOptions(exercise=True)).text
    assert ("Work one step of mini-batch gradient descent by hand: for each of the 3 examples the forward pass, "
            "the total error and the backward pass with the chain rule; then the mean of their gradients, and one "
            "update of the weights and biases with it.") in sheet


def test_bracket_names_print_as_written_in_markdown_prose():
    """odd-even's matrix names: A1[1] is no Markdown link, so the sheet prints it without
    backslashes (it printed A1\\[1\\]); the math beside it still parses."""
    sheet = render_text(trace(load("odd-even")), "md", RenderOptions(exercise=True, sheet_notes=True)).text
    assert ("1. The net input of neuron $A^{[1]}_{1}$ (Z1[1]): $\\displaystyle Z^{[1]}_{1} = "
            "\\underline{\\hspace{4cm}}$") in sheet
    assert "5. The output of neuron $A^{[1]}_{1}$ (A1[1]): " in sheet
    assert "\\[" not in sheet and "\\]" not in sheet
    assert layout(sheet) == []
