"""Expressions as exercises: the sheet and its key (--exercise, --answer-key), variants of the
point (tracer variants), and hand-worked answers checked (tracer check), issue 19.

Expected numbers are worked here from the formulas: for f = (x + y) z, q = x + y, f = q z,
df/dq = z, df/dz = q, df/dx = df/dy = z (CS231n's published -4, -4, 3 at x=-2, y=5, z=-4).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tracer.check.answers import load_answers
from tracer.check.judge import Checker
from tracer.cli import main
from tracer.engine.graph import trace_graph
from tracer.examples import load_any
from tracer.model.graph_problem import GraphProblem
from tracer.render.printers import KEEP
from tracer.sheets.exercise import Exercise
from tracer.sheets.variants import circuit_flaw

CS231N = """\
title: "CS231n's circuit"
expression: "q = x + y; f = q * z"
values: {x: -2, y: 5, z: -4}
ask: [q, df/dx]
"""
VARIANTS = CS231N + "variants: {values: {x: {low: -5, high: 5, decimals: 0}, z: {low: -3, high: 3, decimals: 0}}}\n"


@pytest.fixture
def problem(tmp_path: Path) -> Path:
    path = tmp_path / "circuit.yaml"
    path.write_text(CS231N, encoding="utf-8")
    return path


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(args)
    out, err = capsys.readouterr()
    return status, out, err


# --- the exercise sheet and the answer key -------------------------------------------------------
def test_exercise_sheet_asks_without_answers(problem: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["run", str(problem), "--exercise"], capsys)
    assert (status, err) == (0, "")
    assert out.startswith("# CS231n's circuit\n\n## The expression\n\n$$\n\\begin{aligned}\nq &= x + y \\\\\n"
                          "f &= q \\cdot z\n\\end{aligned}\n$$\n\nAt the point $x = -2$, $y = 5$, $z = -4$, with the "
                          "gradient arriving at the output $\\frac{\\partial f}{\\partial f} = 1$.\n")
    task = out[out.index("## Task"):]
    assert task == (
        "## Task\n\nWork the circuit by hand: the forward pass gate by gate, then the backward pass from the "
        "output, where at every gate the gradient arriving at its output (upstream) times its local gradient "
        "gives the gradient flowing back to each input (downstream).\n\n"
        "Give every answer rounded to 4 decimal places, or 4 significant figures where that keeps more; "
        "keep full precision in the computations in between.\n\n"
        "Compute:\n\n"
        "1. The value of gate $q$: $\\displaystyle q = \\underline{\\hspace{4cm}}$\n"
        "2. The gradient of $f$ with respect to the variable $x$: "
        "$\\displaystyle \\frac{\\partial f}{\\partial x} = \\underline{\\hspace{4cm}}$\n")
    # the note on tracer check only when asked for (a sheet is for students)
    status, out, err = run(["run", str(problem), "--exercise", "--sheet-notes"], capsys)
    assert "1. The value of gate $q$ (q): " in out    # the names an answers file uses, with the note
    assert out.endswith("\\underline{\\hspace{4cm}}$\n\nTo have your answers checked, write them in a text file, "
                        "one name = value a line with the names in brackets, and run tracer check on the problem "
                        "file and yours.\n")
    # the circuit names its wires instead of giving their values: no answer on the sheet
    values = out[out.index('<g class="values"'):out.index("</g>", out.index('<g class="values"'))]
    assert [line.rsplit(">", 2)[1].removesuffix("</text") for line in values.splitlines()[1:]] == \
        ["x", "y", "q", "z", "f"]
    gradients = out[out.index('<g class="gradients"'):out.index("</g>", out.index('<g class="gradients"'))]
    assert "<text" not in gradients


def test_answer_key_works_what_is_asked(problem: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["run", str(problem), "--answer-key"], capsys)
    assert status == 0
    assert out == (
        "# CS231n's circuit\n\n## Answer key\n\n"
        "The worked solution of the 2 quantities the exercise asks, numbered as on the exercise sheet and in the "
        "order they are computed, at the point $x = -2$, $y = 5$, $z = -4$ with the gradient "
        "$\\frac{\\partial f}{\\partial f} = 1$ arriving at the output. Numbers are shown rounded to 4 decimal "
        "places, or 4 significant figures where that keeps more.\n\n"
        "**1.** The value of gate $q$:\n\n$$\nq = x + y = -2 + 5 = 3\n$$\n\n"
        "**2.** The gradient of $f$ with respect to the variable $x$:\n\n"
        "First the quantities it is computed from:\n\n$$\n\\begin{aligned}\n"
        "f &= q \\cdot z = 3 \\cdot (-4) = -12 \\\\\n"
        "\\frac{\\partial f}{\\partial q} &= z = -4 \\\\\n"
        "\\frac{\\partial f}{\\partial q} &= \\frac{\\partial f}{\\partial f} \\cdot \\frac{\\partial f}{\\partial q} "
        "= 1 \\cdot (-4) = -4 \\\\\n"
        "\\frac{\\partial q}{\\partial x} &= 1\n\\end{aligned}\n$$\n\nThen:\n\n"
        "$$\n\\frac{\\partial f}{\\partial x} = \\frac{\\partial f}{\\partial q} \\cdot \\frac{\\partial q}"
        "{\\partial x} = -4 \\cdot 1 = -4\n$$\n\n"
        "## Answers\n\n| | Quantity | Name | Answer |\n|---:|:---|:---|---:|\n"
        "| 1 | $q$ | q | 3 |\n| 2 | $\\frac{\\partial f}{\\partial x}$ | df/dx | -4 |\n".replace("| |", "|  |"))


def test_answer_key_in_latex(problem: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["run", str(problem), "--answer-key", "--format", "tex"], capsys)
    assert status == 0
    assert "\\frac{\\partial q}{\\partial x} &= 1\n\\end{align*}\n\nThen:\n\n" + KEEP + "\\[\n\\frac{\\partial f}" \
           "{\\partial x} = \\frac{\\partial f}{\\partial q} \\cdot \\frac{\\partial q}{\\partial x} = -4 \\cdot 1 = " \
           "-4\n\\]\n" in out
    assert "1 & $q$ & q & 3 \\\\\n2 & $\\frac{\\partial f}{\\partial x}$ & df/dx & $-4$ \\\\\n" in out


def test_latex_sheet_and_key_compile(problem: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.latexcheck import assert_compiles
    for flag in ("--exercise", "--answer-key"):
        status, out, _ = run(["run", str(problem), flag, "--format", "tex"], capsys)
        assert status == 0
        assert_compiles(out)


def test_markdown_sheet_and_key_formulas_parse_in_katex_and_mathjax(problem: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.mathcheck import layout, markdown_math, math_errors, require_math_engines
    require_math_engines()
    found = []
    for flag in ("--exercise", "--answer-key"):
        status, out, _ = run(["run", str(problem), flag], capsys)
        assert status == 0 and layout(out) == []
        found += markdown_math(out)
    assert len(found) > 10 and math_errors(found) == []


def test_exercise_without_ask_asks_every_computed_quantity_but_the_given_gradient() -> None:
    log = trace_graph(load_any("cs231n-circuit"))
    names = [(q.name, q.what) for q in Exercise(log).questions]
    assert names == [
        ("q", "The value of gate q"), ("f", "The output f of the circuit"),
        ("local df/dq", "The local gradient of gate f with respect to its input q"),
        ("local df/dz", "The local gradient of gate f with respect to its input z"),
        ("df/dq", "The gradient of f with respect to the gate q"),
        ("df/dz", "The gradient of f with respect to the variable z"),
        ("local dq/dx", "The local gradient of gate q with respect to its input x"),
        ("local dq/dy", "The local gradient of gate q with respect to its input y"),
        ("df/dx", "The gradient of f with respect to the variable x"),
        ("df/dy", "The gradient of f with respect to the variable y")]
    # CS231n's published numbers, as the key prints them
    assert Exercise(log).answers == {"q": "3", "f": "-12", "local df/dq": "-4", "local df/dz": "3", "df/dq": "-4",
                                     "df/dz": "3", "local dq/dx": "1", "local dq/dy": "1", "df/dx": "-4",
                                     "df/dy": "-4"}


def test_a_path_of_a_shared_variable_is_described() -> None:
    log = trace_graph(load_any("variable-twice"))      # f = x*y + max(x, y): x feeds g1 and g2
    what = {q.name: q.what for q in Exercise(log).questions}
    assert what["df/dx via g1"] == "The gradient of f with respect to x along its path through gate g1"
    assert what["df/dx"] == "The gradient of f with respect to the variable x"


def test_asking_for_a_variable_suggests_its_gradient(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(CS231N.replace("ask: [q, df/dx]", "ask: [q, x]"), encoding="utf-8")
    status, out, err = run(["run", str(path), "--exercise", "-o", str(tmp_path / "sheet.md")], capsys)
    assert (status, out) == (2, "")
    assert err == (f"tracer: {path}: ask[1]: found 'x', a number the problem gives; expected a quantity to "
                   "compute (e.g. df/dx)\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.yaml"]


# --- variants ------------------------------------------------------------------------------------
def variant_values(folder: Path) -> dict[str, float]:
    return yaml.safe_load((folder / "problem.yaml").read_text(encoding="utf-8"))["values"]


def test_variants_are_drawn_in_range_and_the_same_per_seed(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "circuit.yaml"
    path.write_text(VARIANTS, encoding="utf-8")
    outs = {}
    for name, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        status, out, _ = run(["variants", str(path), "-o", str(tmp_path / name), "--count", "12", "--seed", seed,
                              "--no-pdf"], capsys)
        assert (status, out) == (0, f"wrote 12 variants and {tmp_path / name / 'index.md'} to {tmp_path / name}\n")
        outs[name] = {f"{k:02d}": variant_values(tmp_path / name / f"{k:02d}") for k in range(1, 13)}
    assert outs["a"] == outs["b"]                       # the same seed, the same numbers
    assert outs["a"] != outs["c"]                       # another seed, other numbers
    for values in [*outs["a"].values(), *outs["c"].values()]:
        assert list(values) == ["x", "y", "z"]
        assert values["y"] == 5                          # not ranged: kept
        assert values["x"] in range(-5, 6) and values["x"] != 0 and values["x"] == int(values["x"])
        assert values["z"] in range(-3, 4) and values["z"] != 0 and values["z"] == int(values["z"])
    folder = tmp_path / "a" / "03"
    assert sorted(p.name for p in folder.iterdir()) == ["answer_key.md", "answer_key.tex", "answers.yaml",
                                                         "exercise.md", "exercise.svg", "exercise.tex",
                                                         "problem.yaml"]
    v = outs["a"]["03"]
    answers = yaml.safe_load((folder / "answers.yaml").read_text(encoding="utf-8"))
    assert answers == {"q": v["x"] + v["y"], "df/dx": v["z"]}           # q = x + y, df/dx = z
    assert f"| 03 | x = {v['x']:g}, y = 5, z = {v['z']:g} | [exercise](03/exercise.md)" in \
        (tmp_path / "a" / "index.md").read_text(encoding="utf-8")
    # --only 3 rebuilds variant 3 exactly
    status, _, _ = run(["variants", str(path), "-o", str(tmp_path / "only"), "--count", "12", "--seed", "7",
                        "--only", "3", "--no-pdf"], capsys)
    assert status == 0
    for name in ("problem.yaml", "answer_key.md", "exercise.tex", "answers.yaml"):
        assert (tmp_path / "only" / "03" / name).read_bytes() == (folder / name).read_bytes()
    # tracer check judges the variant's own answers all correct
    status, out, _ = run(["check", str(folder / "problem.yaml"), str(folder / "answers.yaml")], capsys)
    assert status == 0 and "2 correct, 0 carried, 0 wrong, 0 missing" in out


def test_variant_draws_avoid_ties_and_the_domain(tmp_path: Path) -> None:
    from tracer.sheets.variants import variant
    tie = GraphProblem.from_dict(yaml.safe_load(
        "expression: 'f = max(x, y) * x'\nvalues: {x: 1, y: 2}\nask: [df/dx, df/dy]\n"
        "variants: {values: {x: {low: 1, high: 3, decimals: 0}, y: {low: 1, high: 3, decimals: 0}}}"))
    domain = GraphProblem.from_dict(yaml.safe_load(
        "expression: 'f = log(x) / y'\nvalues: {x: 1, y: 2}\nask: [df/dy]\n"
        "variants: {values: {x: {low: -3, high: 3, decimals: 0}, y: {low: -2, high: 2, decimals: 0}}}"))
    assert tie.variants is not None and domain.variants is not None
    for k in range(1, 31):
        v = variant(tie, tie.variants, 0, k, 2)
        assert v.problem.values["x"] != v.problem.values["y"]
        d = variant(domain, domain.variants, 0, k, 2)
        assert d.problem.values["x"] > 0                            # log needs a positive number
        assert d.problem.values["x"] != 1                           # log 1 = 0: df/dy = -log(x)/y² would be 0
    assert circuit_flaw(trace_graph(tie.with_values({"x": 2, "y": 2})), []) == \
        "g1 = max(2, 2): its largest inputs tie"
    kink = GraphProblem.from_command("f = relu(x - 1) * y", "x=1, y=2")
    assert circuit_flaw(trace_graph(kink), []) == "g2: its input 0 is within 0.05 of the kink of relu"
    assert circuit_flaw(trace_graph(kink.with_values({"x": 2, "y": 2})), []) is None


def test_no_fair_draw_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("expression: 'f = max(x, 1 * x)'\nvalues: {x: 1}\n"   # always a tie
                    "variants: {values: {x: {low: 1, high: 3, decimals: 0}}}\n", encoding="utf-8")
    status, out, err = run(["variants", str(path), "-o", str(tmp_path / "out"), "--count", "2", "--no-pdf"], capsys)
    assert (status, out) == (2, "")
    assert err.startswith(f"tracer: {path}: variants: found no fair draw for variant 01 in 1000 tries (the last: "
                          "f = max(")
    assert err.endswith("): its largest inputs tie); expected ranges where every gate has a real value and gradient, "
                        "no max gate ties, activations stay off their kinks and flat tails, and asked gradients are "
                        "nonzero (widen or shift the ranges, or ask other quantities)\n")
    assert err.count("\n") == 1
    assert not (tmp_path / "out").exists()


# --- tracer check ----------------------------------------------------------------------------
STUDENT = """\
# q miscopied as 4 (x + y = -2 + 5 is 3): f and df/dz carry it, df/dy is a slip of its own
q = 4
f = -16
\\frac{\\partial f}{\\partial q} = -4
∂f/∂z = 4
grad_x = -4
df/dy = 5
"""


def test_student_answers_for_the_cs231n_circuit(problem: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    answers = tmp_path / "anna.txt"
    answers.write_text(STUDENT, encoding="utf-8")
    status, out, err = run(["check", str(problem), str(answers), "--format", "json"], capsys)
    assert (status, err) == (1, "")
    report = json.loads(out)
    verdicts = {r["quantity"]: (r["verdict"], r["expected"]) for r in report["records"]}
    assert verdicts == {
        "q": ("wrong", 3.0),                     # -2 + 5
        "f": ("carried", -12.0),                 # 4 · (-4) = -16 from the student's q
        "df/dq": ("correct", -4.0),              # z
        "df/dz": ("carried", 3.0),               # q: 4 from the student's q
        "df/dx": ("correct", -4.0),              # z
        "df/dy": ("wrong", -4.0),                # z
    }
    assert [r["name"] for r in report["records"]] == ["q", "f", "\\frac{\\partial f}{\\partial q}", "∂f/∂z",
                                                      "grad_x", "df/dy"]
    assert report["records"][0]["carried_into"] == ["f", "df/dz"]
    assert report["unmatched"] == []


def test_the_problem_file_tolerance_is_the_check_default(problem: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    answers = tmp_path / "a.txt"
    answers.write_text("q = 3.004\ndf/dx = -4\n", encoding="utf-8")
    status, out, _ = run(["check", str(problem), str(answers)], capsys)
    assert status == 1 and "wrong    q                3.004  right value 3" in out
    problem.write_text(CS231N + "tolerance: 0.01\n", encoding="utf-8")
    status, out, _ = run(["check", str(problem), str(answers)], capsys)
    assert status == 0 and "2 correct, 0 carried, 0 wrong, 0 missing" in out


def test_check_requires_the_ask_and_carries_through_paths(tmp_path: Path) -> None:
    problem = load_any("variable-twice")         # f = x y + max(x, y) at x = 3, y = -2
    assert isinstance(problem, GraphProblem)
    checker = Checker(problem)
    answers = tmp_path / "a.txt"
    # g1 = x y = -6 written as -5; f = g1 + g2 = -5 + 3 = -2 carries it; df/dx = y + 1 = -1 right
    answers.write_text("g1 = -5\nf = -2\ndf/dx = -1\n", encoding="utf-8")
    result = checker.check(load_answers(answers), checker.required(["f", "df/dy"]))
    assert [(r.node.name, r.verdict, r.expected) for r in result.records] == [
        ("g1", "wrong", -6.0), ("f", "carried", -3.0), ("df/dx", "correct", -1.0), ("df/dy", "missing", 3.0)]
    # kinds name the expression's quantities: every gradient arriving somewhere
    assert [checker.graph[i].name for i in sorted(checker.required(["grad"]))] == [
        "df/df", "df/dg1", "df/dg2", "df/dx via g2", "df/dy via g2", "df/dx via g1", "df/dx", "df/dy via g1",
        "df/dy"]


def test_answers_naming_their_variant_are_checked_against_it(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    from tracer.sheets.export.codes import encode
    path = tmp_path / "circuit.yaml"
    path.write_text(VARIANTS, encoding="utf-8")
    assert run(["variants", str(path), "-o", str(tmp_path / "v"), "--count", "5", "--seed", "4", "--no-pdf"],
               capsys)[0] == 0
    values = variant_values(tmp_path / "v" / "05")
    answers = tmp_path / "bo.yaml"
    answers.write_text(f"variant: {encode(4, 5)}\nq: {values['x'] + values['y']:g}\ndf/dx: {values['z']:g}\n",
                       encoding="utf-8")
    status, out, _ = run(["check", str(path), str(answers)], capsys)
    assert status == 0 and f"Variant {encode(4, 5)} (seed 4)" in out and "2 correct, 0 carried" in out
