"""tracer export and the gradebook round trip for convolutional networks (issue 16) and
expressions (issue 19); kind-only requirements of a convolutional network (``ask: [dk]``,
``--require dk``).

Expected numbers are worked here, independently of tracer: the expression's from its
formulas (q = x + y, df/dx = z, df/dz = q), the convolutional network's by a numpy forward
and backward pass written from the definitions (cross-correlation, ReLU, 2×2 max pooling
with stride 1 routing to the first maximum (values equal on paper tie, whatever float noise
says), a dense softmax layer with cross-entropy).
Exported files are read with a real XML parser (defusedxml) and PrairieLearn's server.py
is run by a bare Python.
"""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
import yaml
from defusedxml import ElementTree as SafeET

from tests.test_export import CLOZE, CP, QTI, RUN_GENERATE
from tracer import examples
from tracer.check.judge import Checker
from tracer.cli import main
from tracer.engine.trace import trace
from tracer.sheets.exercise import Exercise
from tracer.sheets.export.codes import encode

SEED = 2026
CONV = "conv-5x5"
LENET = "conv-lenet-exercise"
CIRCUIT = """\
title: "Circuit (x + y) z"
expression: "q = x + y; f = q * z"
values: {x: -2, y: 5, z: -4}
ask: [q, df/dx, df/dz]
variants: {values: {x: {low: -5, high: 5, decimals: 0}, y: {low: -5, high: 5, decimals: 0},
                    z: {low: -5, high: 5, decimals: 0}}}
"""


# --- independent references ------------------------------------------------------------------
def conv_reference(problem: dict) -> dict[str, float]:
    """conv-5x5's quantities by numpy from the definitions, named as the sheet names them."""
    layers = problem["network"]["layers"]
    K = np.array(layers[0]["weights"], dtype=float)            # [f][c][i][j]
    b = np.array(layers[0]["biases"], dtype=float)
    W = np.array(layers[3]["weights"], dtype=float)
    c = np.array(layers[3]["biases"], dtype=float)
    X = np.array(problem["data"][0]["input"], dtype=float).reshape(1, 5, 5)
    t = np.array(problem["data"][0]["target"], dtype=float)
    Z = np.array([[[np.sum(K[f, 0] * X[0, i:i + 3, j:j + 3]) + b[f] for j in range(3)] for i in range(3)]
                  for f in range(2)])
    A = np.maximum(Z, 0)
    P = np.array([[[A[f, i:i + 2, j:j + 2].max() for j in range(2)] for i in range(2)] for f in range(2)])
    z = W @ P.ravel() + c
    y = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    dP = (W.T @ (y - t)).reshape(P.shape)
    dA = np.zeros_like(A)
    for f in range(2):
        for i in range(2):
            for j in range(2):
                window = np.round(A[f, i:i + 2, j:j + 2], 9)   # 0.7 and 0.7000000000000001 tie, as on paper
                u, v = divmod(int(np.argmax(window)), 2)       # the first maximum, row-major
                dA[f, i + u, j + v] += dP[f, i, j]
    dZ = dA * (Z > 0)
    out = {"Hout1": 3.0, "P2[1,1,1]": float(P[0, 0, 0])}
    for f in range(2):
        for u in range(3):
            for v in range(3):
                out[f"dK1[{f + 1},1,{u + 1},{v + 1}]"] = float(np.sum(dZ[f] * X[0, u:u + 3, v:v + 3]))
    return out


def circuit_reference(problem: dict) -> dict[str, float]:
    x, y, z = (float(problem["values"][k]) for k in "xyz")
    return {"q": x + y, "df/dz": x + y, "df/dx": z}


# --- problems ------------------------------------------------------------------------------------
def conv_problem(tmp_path: Path) -> Path:
    raw = yaml.safe_load(examples.example_path(CONV).read_text())
    raw["ask"] = [{"name": "Hout1", "points": 2}, "P2[1,1,1]", "dk"]
    raw["variants"] = {"weights": {"low": -0.5, "high": 0.5, "decimals": 1}}
    path = tmp_path / "conv.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def lenet_problem(tmp_path: Path) -> Path:
    """The gallery's LeNet-like exercise with its inputs redrawn per variant."""
    raw = yaml.safe_load(examples.example_path(LENET).read_text())
    raw["variants"] = {"inputs": {"low": 0, "high": 3, "decimals": 0}}
    path = tmp_path / "lenet.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def circuit_problem(tmp_path: Path) -> Path:
    path = tmp_path / "circuit.yaml"
    path.write_text(CIRCUIT)
    return path


def export(problem: Path, target: str, count: int = 2) -> Path:
    name = {"moodle": "quiz.xml", "canvas": "quiz.zip", "prairielearn": "question"}[target]
    out = problem.parent / name
    assert main(["export", str(problem), "--to", target, "--count", str(count), "--seed", str(SEED),
                 "-o", str(out)]) == 0
    return out


def saved(out: Path, k: int) -> tuple[dict, dict[str, str]]:
    """Variant k's problem file and answer key as the export saved them beside it."""
    stem = out.name.removesuffix(out.suffix) if out.suffix else out.name
    folder = out.parent / f"{stem}-keys" / f"{k:02d}"
    # the answers as printed (BaseLoader keeps scalars as written: 0.2000, not the float 0.2)
    key = yaml.load((folder / "answers.yaml").read_text(), Loader=yaml.BaseLoader)
    return yaml.safe_load((folder / "problem.yaml").read_text()), key


# --- kinds ------------------------------------------------------------------------------------
def test_a_kind_selects_every_kernel_gradient_for_ask_and_require(tmp_path):
    problem = examples.load(CONV)
    checker = Checker(problem)
    names = [checker.graph[i].name for i in sorted(checker.required(["dk"]))]
    assert names == [f"dK1[{f},1,{i},{j}]" for f in (1, 2) for i in (1, 2, 3) for j in (1, 2, 3)]
    reference = conv_reference(yaml.safe_load(examples.example_path(CONV).read_text()))
    for i in checker.required(["dk"]):
        node = checker.graph[i]
        assert node.value == pytest.approx(reference[node.name], abs=1e-12)
    exercise = Exercise(trace(examples.Problem.from_file(conv_problem(tmp_path))))
    assert [q.name for q in exercise.questions] == ["Hout1", "P2[1,1,1]", *names]
    assert exercise.questions[2].what == "The gradient of the loss for kernel weight [1, 1, 1, 1] of layer 1"


def test_check_require_dk_grades_a_conv_sheet(tmp_path, capsys):
    reference = conv_reference(yaml.safe_load(examples.example_path(CONV).read_text()))
    answers = tmp_path / "a.txt"
    answers.write_text("".join(f"{k} = {v:.4f}\n" for k, v in reference.items() if k.startswith("dK1[1")))
    assert main(["check", CONV, str(answers), "--require", "dk"]) == 1       # filter 2's are missing
    out = capsys.readouterr().out
    assert "Summary: 9 correct, 0 carried, 0 wrong, 9 missing" in out


# --- Moodle, Canvas, PrairieLearn -------------------------------------------------------------------
@pytest.mark.parametrize("make, reference, count", [
    (conv_problem, conv_reference, 20), (circuit_problem, circuit_reference, 3)])
def test_moodle_cloze_fields_hold_the_independent_answers(tmp_path, make, reference, count):
    out = export(make(tmp_path), "moodle")
    _, *questions = SafeET.fromstring(out.read_bytes()).findall("question")
    assert len(questions) == 2
    for k, q in enumerate(questions, 1):
        problem, key = saved(out, k)
        expected = reference(problem)
        assert q.findtext("idnumber") == encode(SEED, k)
        text = q.findtext("questiontext/text")
        fields = CLOZE.findall(text)
        assert len(fields) == len(key) == count
        for (points, answers), (name, shown) in zip(fields, key.items()):
            assert points == ("2" if name == "Hout1" else "1")
            accepted = [a.removeprefix("=").split(":") for a in answers.split("~")]
            assert accepted[0][0] == shown                         # the key as printed (hand rounding carried)
            exact, margin = accepted[-1]                           # and the exact value, when printed otherwise
            assert abs(Decimal(exact) - Decimal(repr(expected[name]))) <= (
                Decimal("1e-9") if len(accepted) > 1 else Decimal(margin))
        file = q.find("questiontext/file")
        if make is conv_problem:   # it asks Hout1: no feature maps, whose grids would draw the size
            assert file is None and "Output" not in text
        else:
            assert SafeET.fromstring(__import__("base64").b64decode(file.text)).tag == "{http://www.w3.org/2000/svg}svg"
        feedback = q.findtext("generalfeedback/text")
        assert all(shown in feedback for shown in key.values()) and "$" not in feedback


def test_canvas_quiz_per_conv_variant_with_its_items(tmp_path):
    out = export(conv_problem(tmp_path), "canvas")
    archive = zipfile.ZipFile(io.BytesIO(out.read_bytes()))
    manifest = SafeET.fromstring(archive.read("imsmanifest.xml"))
    quizzes = [r for r in manifest.findall(f"{CP}resources/{CP}resource") if r.get("type") == "imsqti_xmlv1p2"]
    assert len(quizzes) == 2
    for k, resource in enumerate(quizzes, 1):
        problem, key = saved(out, k)
        expected = conv_reference(problem)
        doc = SafeET.fromstring(archive.read(resource.find(f"{CP}file").get("href")))
        setup, *items = doc.findall(f"{QTI}assessment/{QTI}section/{QTI}item")
        assert "<table>" in setup.findtext(f".//{QTI}mattext")     # the layer table and the given maps
        assert len(items) == 20
        for n, (item, (name, shown)) in enumerate(zip(items, key.items()), 1):
            text = item.findtext(f"{QTI}presentation/{QTI}material/{QTI}mattext")
            assert text.startswith(f"<p><strong>Variant {encode(SEED, k)} (seed 2026), question {n} of 20")
            assert f"({name})" in text
            centres = [Decimal(e.text) for e in item.iter(f"{QTI}varequal")]
            assert centres[0] == Decimal(shown)                    # the key; then the exact value if it differs
            assert abs(float(centres[-1]) - expected[name]) <= (1e-9 if len(centres) > 1 else 1e-4)


def test_prairielearn_expression_generate_gives_the_formula_values(tmp_path):
    folder = export(circuit_problem(tmp_path), "prairielearn", count=3)
    result = subprocess.run([sys.executable, "-I", "-S", "-c", RUN_GENERATE, str(folder / "server.py"),
                             json.dumps([0, 1, 2])], capture_output=True, text=True, timeout=60, check=True)
    for seed, data in zip([0, 1, 2], json.loads(result.stdout)):
        problem, key = saved(folder, seed + 1)
        expected = circuit_reference(problem)
        assert data["params"]["code"] == encode(SEED, seed + 1)
        assert list(data["correct_answers"]) == ["q1", "q2", "q3"]
        for n, name in enumerate(key, 1):
            assert data["correct_answers"][f"q{n}"] == expected[name]


# --- the gradebook round trip -----------------------------------------------------------------
def moodle_csv(rows: list[tuple[str, int, list[str]]]) -> str:
    header = ["Last name", "First name", "Email address", "State", "Started on", "Completed", "Time taken",
              "Grade/9.00", "Question 1", "Response 1", "Right answer 1"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for email, number, values in rows:
        writer.writerow(["L", "A", email, "Finished", "", "", "", "1.00", f"Variant {encode(SEED, number)} "
                         f"(seed {SEED}) ...", "; ".join(f"part {k}: {v}" for k, v in enumerate(values, 1)), ""])
    return out.getvalue()


def test_gradebook_round_trip_of_the_lenet_exercise(tmp_path, capsys):
    problem = lenet_problem(tmp_path)
    out = export(problem, "moodle")
    student = dict(line.split(" = ") for line in
                   examples.example_path(LENET).with_name("answers-student.txt").read_text().splitlines()
                   if " = " in line)
    _, key = saved(out, 1)
    assert list(key) == ["Hout1", "Wout1", "Hout2", "Hout3", "Hout4", "params1", "params3", "params6", "params7"]
    capsys.readouterr()
    responses = tmp_path / "responses.csv"
    responses.write_text(moodle_csv([("ann@uni.test", 1, [student[name] for name in key]),
                                     ("bo@uni.test", 2, list(saved(out, 2)[1].values()))]))
    assert main(["check", str(problem), str(responses), "--from", "moodle", "--format", "csv"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "student,variant,Hout1,Wout1,Hout2,Hout3,Hout4,params1,params3,params6,params7,score,max",
        f"ann@uni.test,{encode(SEED, 1)},correct,correct,correct,correct,correct,correct,correct,wrong,correct,8,9",
        f"bo@uni.test,{encode(SEED, 2)},correct,correct,correct,correct,correct,correct,correct,correct,correct,9,9"]


def test_gradebook_round_trip_of_conv_and_expression_variants(tmp_path, capsys):
    (tmp_path / "c").mkdir()
    (tmp_path / "e").mkdir()
    conv = conv_problem(tmp_path / "c")
    out = export(conv, "moodle")
    first = list(saved(out, 1)[1].values())
    wrong = list(saved(out, 2)[1].values())
    wrong[2] = "9.9"                                  # dK1[1,1,1,1] of variant 2
    capsys.readouterr()
    responses = tmp_path / "c" / "responses.csv"
    responses.write_text(moodle_csv([("ann@uni.test", 1, first), ("bo@uni.test", 2, wrong)]))
    assert main(["check", str(conv), str(responses), "--from", "moodle", "--format", "csv"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith('student,variant,Hout1,"P2[1,1,1]","dK1[1,1,1,1]","dK1[1,1,1,2]"')
    assert lines[1] == f"ann@uni.test,{encode(SEED, 1)}," + "correct," * 20 + "21,21"
    assert lines[2] == f"bo@uni.test,{encode(SEED, 2)},correct,correct,wrong," + "correct," * 17 + "20,21"

    circuit = circuit_problem(tmp_path / "e")
    out = export(circuit, "moodle")
    problem, key = saved(out, 2)
    values = list(key.values())
    values[-1] = str(circuit_reference(problem)["df/dx"] + 1)
    capsys.readouterr()
    responses = tmp_path / "e" / "responses.csv"
    responses.write_text(moodle_csv([("ann@uni.test", 1, list(saved(out, 1)[1].values())),
                                     ("bo@uni.test", 2, values)]))
    assert main(["check", str(circuit), str(responses), "--from", "moodle", "--format", "csv"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"student,variant,{','.join(key)},score,max",
        f"ann@uni.test,{encode(SEED, 1)},correct,correct,correct,3,3",
        f"bo@uni.test,{encode(SEED, 2)},correct,correct,wrong,2,3"]


# --- the matrix style's dense part ------------------------------------------------------------------
def test_matrix_style_works_a_conv_networks_dense_layer_as_matrices():
    from tracer.render import RenderOptions, render_text
    log = trace(examples.load(CONV))
    text = render_text(log, "md", RenderOptions(style="matrix")).text
    raw = yaml.safe_load(examples.example_path(CONV).read_text())
    W = np.array(raw["network"]["layers"][3]["weights"])
    z = W @ np.array([1.7, 1, 1.1, 1.1, 0.9, 0.9, 0.8, 0.7]) + np.array(raw["network"]["layers"][3]["biases"])
    assert z.round(4).tolist() == [0.73, 0.49]              # the pooled vector as the walkthrough prints it
    # weights and biases as written; the computed pooled vector and Z at the problem's four decimals
    assert ("Z^{(4)} &= W^{(4)} \\cdot A^{(3)} + b^{(4)} \\\\\n"
            "&= {\\begin{bmatrix} 0.2 & -0.1 & 0.1 & 0.3 & -0.2 & 0.1 & 0 & 0.2 \\\\ "
            "-0.1 & 0.3 & 0.2 & -0.2 & 0.1 & 0 & 0.3 & -0.1 \\end{bmatrix}} \\cdot "
            "{\\begin{bmatrix} 1.7000 \\\\ 1.0000 \\\\ 1.1000 \\\\ 1.1000 \\\\ 0.9000 \\\\ 0.9000 \\\\ 0.8000 \\\\ "
            "0.7000 \\end{bmatrix}} + {\\begin{bmatrix} 0 \\\\ 0.1 \\end{bmatrix}} \\\\\n"
            "&= {\\begin{bmatrix} 0.7300 \\\\ 0.4900 \\end{bmatrix}}") in text
    assert "\\frac{\\partial E}{\\partial W^{(4)}} &= \\delta^{(4)} \\cdot \\left(A^{(3)}\\right)^{T}" in text
    assert "into the vector $A^{(3)}$ the dense layer takes" in text
    assert "Z^{(4)}_{1} &= W^{(4)}_{1,1}" not in text         # no longer entry by entry


# --- notation and index_base ------------------------------------------------------------------------
def conv_with(tmp_path: Path, **changes: object) -> Path:
    raw = yaml.safe_load(examples.example_path(CONV).read_text())
    raw.update(changes)
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


@pytest.mark.parametrize("notation, base, dense, loss", [
    (None, 1, ["Z4[1]", "A4[2]", "dW4[2,8]", "W4[1,1]+", "db4[1]"], "E"),
    ("matrix", 1, ["Z4[1]", "A4[2]", "dW4[2,8]", "W4[1,1]+", "db4[1]"], "L"),
    ("letters", 1, ["net_o1", "out_o2", "dE/dw16", "w1+", "dE/db1"], "E_total"),
    ("nodes", 1, ["net_n9", "out_n10", "dE/dw16", "w1_new", "dE/db1"], "E_total"),
    ("indexed", 0, ["z_40", "a_41", "dw_7,1", "w0,0+", "db_40"], "L"),
    ({"preset": "matrix", "net": ["z$l[$j]", "z^{[$l]}_{$j}"]}, 1, ["z4[1]", "A4[2]"], "L"),
])
def test_dense_layers_follow_the_notation_and_cells_keep_their_brackets(tmp_path, capsys, notation, base, dense,
                                                                        loss):
    changes: dict = {"conventions": {"index_base": base}}
    if notation is not None:
        changes["notation"] = notation
    path = conv_with(tmp_path, **changes)
    out = tmp_path / "out.json"
    assert main(["run", str(path), "--format", "json", "-o", str(out)]) == 0
    entries = json.loads(out.read_text())["entries"]
    names = {e["name"] for e in entries}
    first = "1" if base else "0"
    assert {f"Z1[{first},{first},{first}]", f"P2[{first},{first},{first}]", f"dK1[{first},{first},1,2]"} <= names
    assert set(dense) <= names, sorted(names - {e["name"] for e in entries if "[" in e["name"] and e["layer"] != 4})
    total = next(e for e in entries if e["kind"] == "loss" and e["neuron"] is None)
    assert total["name"] == loss
    # the names are graded: the dense layer's net inputs from numpy, under the notation's names
    raw = yaml.safe_load(path.read_text())
    z = np.array(raw["network"]["layers"][3]["weights"]) @ np.array([1.7, 1, 1.1, 1.1, 0.9, 0.9, 0.8, 0.7]) \
        + np.array(raw["network"]["layers"][3]["biases"])
    nets = [e["name"] for e in entries if e["kind"] == "net"]
    answers = tmp_path / "a.txt"
    answers.write_text(f"{nets[0]} = {z[0]:.4f}\n{nets[1]} = {z[1] + 1:.4f}\n")
    assert main(["check", str(path), str(answers)]) == 1
    report = capsys.readouterr().out
    assert "Summary: 1 correct, 0 carried, 1 wrong" in report and f"wrong    {nets[1]}" in report.replace("  ", " ", 0)


@pytest.mark.parametrize("style", ["chain-rule", "narrative", "matrix", "symbolic"])
@pytest.mark.parametrize("notation", ["letters", "matrix", "indexed"])
def test_every_style_renders_a_named_conv_network_and_its_lines_add_up(tmp_path, notation, style):
    from tests.arithmetic import check_page, page_lines
    from tracer.render import RenderOptions, render_text
    log = trace(examples.Problem.from_file(conv_with(tmp_path, notation=notation)))
    with page_lines() as seen:
        text = render_text(log, "md", RenderOptions(style=style, max_terms=None)).text
    failures = check_page(log, seen, f"{notation} {style}")
    assert not failures, "\n".join(map(str, failures[:10]))
    if style == "matrix":
        symbol = {"letters": "W^{[4]}", "matrix": "W^{[4]}", "indexed": "W^{[4]}"}[notation]
        assert f"{symbol} \\cdot A^{{[3]}}" in text            # the preset's whole-layer symbols
    render_text(log, "tex", RenderOptions(style=style))


def test_a_bad_notation_pattern_is_one_line(tmp_path, capsys):
    path = conv_with(tmp_path, notation={"preset": "matrix", "nett": "z$l"})
    assert main(["run", str(path), "--format", "json", "-o", str(tmp_path / "out.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"tracer: {path}: notation.nett: found unknown pattern key")
    assert not (tmp_path / "out.json").exists()


def test_index_base_zero_names_are_graded(tmp_path, capsys):
    raw = yaml.safe_load(examples.example_path(CONV).read_text())
    raw["conventions"] = {"index_base": 0}
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    reference = conv_reference(raw)
    answers = tmp_path / "a.txt"
    answers.write_text(f"P2[0,0,0] = {reference['P2[1,1,1]']:.4f}\n"
                       f"dK1[1,0,2,2] = {reference['dK1[2,1,3,3]']:.4f}\n"
                       "dK1[0,0,0,0] = 9\n")
    assert main(["check", str(path), str(answers)]) == 1
    out = capsys.readouterr().out
    assert "Summary: 2 correct, 0 carried, 1 wrong" in out


def test_patterns_that_would_name_a_dense_quantity_like_a_conv_bias_are_refused(tmp_path, capsys):
    path = conv_with(tmp_path, notation={"preset": "matrix", "bias": ["b1[$j]", "b_{$j}"]})
    assert main(["run", str(path), "--format", "json", "-o", str(tmp_path / "out.json")]) == 2
    assert capsys.readouterr().err == (
        f"tracer: {path}: notation: found that the patterns name a dense-layer quantity 'b1[1]', the name of a map "
        "cell, kernel weight or conv bias too; expected patterns whose names differ from the bracket names\n")


def test_an_lms_sizes_question_does_not_show_its_answers_and_its_feedback_no_setup():
    """The LeNet exercise asks output sizes and parameter counts: the question's setup leaves out
    the Output and Parameters columns and the diagram, and the feedback (the answer key) works the
    answers without repeating the network table under the question's own."""
    from tracer.model.problem import Problem
    from tracer.sheets.export.common import HtmlPrinter, key_html, setup_html
    log = trace(Problem.from_file(examples.example_path(LENET)))
    printer = HtmlPrinter(image=lambda svg: "<img/>")
    setup = setup_html(log, printer)
    assert ">Settings</th>" in setup and "4×10×10" not in setup and ">Parameters</th>" not in setup
    assert printer.svgs == [] and "<img" not in setup
    key = key_html(log)
    assert "The network" not in key and "<table>" not in key and "<svg" not in key
    assert key.count("= 10") >= 2 and "= 136" in key
