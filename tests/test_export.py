"""tracer export: Moodle XML, Canvas QTI 1.2 and PrairieLearn, checked against the variants' keys.

The XML is read with defusedxml (entity expansion and external entities refused), the
PrairieLearn server.py is run by a Python with no site packages, and every accepted answer
is compared with the answer key of the same variant as tracer variants draws it.
"""
from __future__ import annotations

import base64
import io
import json
import re
import subprocess
import sys
import zipfile
from dataclasses import replace
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from defusedxml import ElementTree as SafeET

from tracer import examples
from tracer.cli import main
from tracer.engine.trace import trace
from tracer.model.problem import Problem
from tracer.sheets import variants
from tracer.sheets.export import codes

EXAMPLE = "exercise-2-2-1"
SEED = 2026
QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
CP = "{http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1}"
CLOZE = re.compile(r"\{(\d+):NUMERICAL:([^}]*)\}")


def keys(problem: Problem, count: int, seed: int = SEED) -> list[dict[str, str]]:
    """Each variant's answer key as tracer variants prints it (name -> shown), drawn here."""
    asked = variants.asked_entries(problem)
    return [variants.variant(problem, problem.variants, seed, k, 2, asked).exercise.answers
            for k in range(1, count + 1)]


def exact_values(problem: Problem, count: int, seed: int = SEED) -> list[dict[str, float]]:
    """Each variant's asked values without hand rounding carried (the exact ones)."""
    asked = variants.asked_entries(problem)
    out = []
    for k in range(1, count + 1):
        v = variants.variant(problem, problem.variants, seed, k, 2, asked)
        log = trace(replace(v.problem, rounding=replace(v.problem.rounding, carry=False)))
        out.append({q.name: log.entries[q.entry.index].value for q in v.exercise.questions})
    return out


def export(tmp_path: Path, target: str, *extra: str, problem: str = EXAMPLE, count: int = 4) -> Path:
    name = {"moodle": "quiz.xml", "canvas": "quiz.zip", "prairielearn": "question"}[target]
    out = tmp_path / name
    assert main(["export", problem, "--to", target, "--count", str(count), "--seed", str(SEED),
                 "-o", str(out), *extra]) == 0
    return out


def write_problem(tmp_path: Path, **changes: object) -> Path:
    raw = yaml.safe_load(examples.example_path(EXAMPLE).read_text())
    raw.update(changes)
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


# --- variant codes ----------------------------------------------------------------------------
def test_variant_code_is_base32_seed_number_and_a_luhn_check_character():
    # 2026 = 1·32² + 31·32 + 10 -> "1ZA"; 7 -> "07". Luhn mod 32 over 1, 31, 10, 0, 7 from the
    # right: 7·2 = 14, 0, 10·2 = 20, 31, 1·2 = 2; sum 67; (32 - 67 mod 32) mod 32 = 29 -> 'X'.
    assert codes.encode(2026, 7) == "1ZA-07X"
    assert codes.decode("1ZA-07X") == (2026, 7)
    assert codes.decode(" 1za07x ") == (2026, 7)            # lenient: case, dash, spaces
    assert codes.decode("IZA-O7X") == (2026, 7)             # Crockford: I -> 1, O -> 0


@pytest.mark.parametrize("seed, number", [(0, 1), (2026, 7), (123456789, 999), (31, 32)])
def test_every_single_mistyped_character_and_neighbour_swap_is_refused(seed, number):
    code = codes.encode(seed, number).replace("-", "")
    for i, c in enumerate(code):
        for other in codes.ALPHABET:
            if other != c:
                with pytest.raises(ValueError):
                    codes.decode(code[:i] + other + code[i + 1:])
        if i + 1 < len(code) and c != code[i + 1] and {c, code[i + 1]} != {"0", "Z"}:
            with pytest.raises(ValueError):
                codes.decode(code[:i] + code[i + 1] + c + code[i + 2:])


def test_tracer_variants_titles_carry_the_code(tmp_path):
    assert main(["variants", EXAMPLE, "--count", "2", "--seed", str(SEED), "-o", str(tmp_path / "v"),
                 "--no-pdf"]) == 0
    assert "Variant 1ZA-027 (seed 2026)" in (tmp_path / "v" / "02" / "exercise.md").read_text()


# --- Moodle ------------------------------------------------------------------------------------
def test_moodle_cloze_answers_are_the_variants_keys_within_their_tolerance(tmp_path):
    out = export(tmp_path, "moodle")
    root = SafeET.fromstring(out.read_bytes())
    problem = examples.load(EXAMPLE)
    expected, exact = keys(problem, 4), exact_values(problem, 4)
    category, *questions = root.findall("question")
    assert category.get("type") == "category"
    assert category.findtext("category/text") == f"$course$/top/{problem.title} (seed 2026)"
    assert [q.get("type") for q in questions] == ["cloze"] * 4
    for k, (q, key, true) in enumerate(zip(questions, expected, exact), 1):
        code = codes.encode(SEED, k)
        assert q.findtext("idnumber") == code
        text = q.findtext("questiontext/text")
        assert f"<h3>Variant {code} (seed 2026)</h3>" in text
        fields = CLOZE.findall(text)
        assert len(fields) == len(key) == 6
        for (points, answers), (_name, shown), value in zip(fields, key.items(), true.values()):
            assert points == "1"
            accepted = [a.removeprefix("=").split(":") for a in answers.split("~")]
            (printed, m1), (precise, m2) = accepted
            assert printed == shown                              # the key's own number
            # no tolerance in the file: one unit of the 4th decimal, for the printed and exact value
            assert Decimal(m1) == Decimal(m2) == Decimal("0.0001")
            assert abs(Decimal(precise) - Decimal(repr(value))) < Decimal("1e-11")
            assert abs(Decimal(shown) - Decimal(repr(value))) <= Decimal(m1)
        # the diagram: an SVG file embedded in the question, shown through @@PLUGINFILE@@
        file = q.find("questiontext/file")
        assert (file.get("name"), file.get("encoding")) == ("network.svg", "base64")
        svg = SafeET.fromstring(base64.b64decode(file.text))
        assert svg.tag == "{http://www.w3.org/2000/svg}svg"
        assert '<img src="@@PLUGINFILE@@/network.svg"' in text
        # each question as the sheet words it, its neuron or weight typeset, with the space before it
        assert "<li>The output of neuron \\(h_{1}\\) (out_h1): \\(out_{h1} =\\) {1:NUMERICAL:" in text
        assert "with respect to \\(w_{5}\\) (dE/dw5)" in text
        feedback = q.findtext("generalfeedback/text")
        assert feedback.startswith("<h3>Answer key</h3>")
        assert all(shown in feedback for shown in key.values())
        assert "\\[" in feedback and "$" not in feedback          # MathJax delimiters, no dollars
    assert "tracer 0.1.0" in out.read_text() and "seed 2026" in out.read_text()


def test_the_keys_written_beside_the_export_are_those_of_tracer_variants(tmp_path):
    export(tmp_path, "moodle", count=3)
    assert main(["variants", EXAMPLE, "--count", "3", "--seed", str(SEED), "-o", str(tmp_path / "v"),
                 "--no-pdf"]) == 0
    folder = tmp_path / "quiz-keys"
    for label in ("01", "02", "03"):
        for name in ("answers.yaml", "problem.yaml"):
            assert (folder / label / name).read_bytes() == (tmp_path / "v" / label / name).read_bytes()
    assert (folder / "codes.csv").read_text().splitlines() == [
        "variant,code,seed,folder", "1,1ZA-019,2026,01", "2,1ZA-027,2026,02", "3,1ZA-035,2026,03"]


def test_moodle_user_text_is_escaped_and_points_and_tolerance_come_from_the_problem(tmp_path):
    path = write_problem(tmp_path, title="Net <b>&</b> 'x'", tolerance="1%",
                         ask=["out_h1", {"name": "E_total", "points": 2}])
    out = tmp_path / "q.xml"
    assert main(["export", str(path), "--to", "moodle", "--count", "2", "--seed", "5", "-o", str(out)]) == 0
    root = SafeET.fromstring(out.read_bytes())
    question = root.findall("question")[1]
    assert question.findtext("name/text") == f"Net <b>&</b> 'x': Variant {codes.encode(5, 1)} (seed 5)"
    text = question.findtext("questiontext/text")
    assert "<b>" not in text
    problem = Problem.from_file(path)
    key = keys(problem, 1, seed=5)[0]
    fields = CLOZE.findall(text)
    assert [p for p, _ in fields] == ["1", "2"]
    for (_, answers), shown in zip(fields, key.values()):
        value, margin = answers.split("~")[0].removeprefix("=").split(":")
        assert value == shown and Decimal(margin) == Decimal(shown) * Decimal("0.01")


# --- Canvas ------------------------------------------------------------------------------------
def test_canvas_qti_has_the_ims_structure_and_the_keys(tmp_path):
    out = export(tmp_path, "canvas")
    archive = zipfile.ZipFile(io.BytesIO(out.read_bytes()))
    manifest = SafeET.fromstring(archive.read("imsmanifest.xml"))
    assert manifest.tag == f"{CP}manifest"
    resources = manifest.findall(f"{CP}resources/{CP}resource")
    quizzes = [r for r in resources if r.get("type") == "imsqti_xmlv1p2"]
    files = [r for r in resources if r.get("type") == "webcontent"]
    assert len(quizzes) == 4 and len(files) == 4
    for r in files:
        SafeET.fromstring(archive.read(r.get("href")))         # the diagrams are there, and SVG
    problem = examples.load(EXAMPLE)
    for k, (resource, key, true) in enumerate(zip(quizzes, keys(problem, 4), exact_values(problem, 4)), 1):
        doc = SafeET.fromstring(archive.read(resource.find(f"{CP}file").get("href")))
        assert doc.tag == f"{QTI}questestinterop"
        (assessment,) = doc.findall(f"{QTI}assessment")
        assert assessment.get("title").endswith(f"Variant {codes.encode(SEED, k)} (seed 2026)")
        (section,) = assessment.findall(f"{QTI}section")
        setup, *items = section.findall(f"{QTI}item")
        assert _field(setup, "question_type") == "text_only_question"
        assert "$IMS-CC-FILEBASE$/tracer/network-0" in setup.findtext(f".//{QTI}mattext")
        assert len(items) == len(key)
        for n, (item, (_name, shown), value) in enumerate(zip(items, key.items(), true.values()), 1):
            assert _field(item, "question_type") == "numerical_question"
            assert _field(item, "points_possible") == "1.0"
            text = item.findtext(f"{QTI}presentation/{QTI}material/{QTI}mattext")
            assert text.startswith(f"<p><strong>Variant {codes.encode(SEED, k)} (seed 2026), question {n} of 6")
            if n == 1:   # the neuron typeset, a space before it
                assert "<p>The output of neuron \\(h_{1}\\) (out_h1): " in text
            fib = item.find(f"{QTI}presentation/{QTI}response_str/{QTI}render_fib")
            assert fib.get("fibtype") == "Decimal"
            processing = item.find(f"{QTI}resprocessing")
            assert processing.find(f"{QTI}outcomes/{QTI}decvar").get("varname") == "SCORE"
            scored = [c for c in processing.findall(f"{QTI}respcondition")
                      if c.findtext(f"{QTI}setvar") == "100"]
            assert len(scored) == 2
            for condition, centre in zip(scored, (Decimal(shown), Decimal(repr(value)))):
                either = condition.find(f"{QTI}conditionvar/{QTI}or")
                equal = Decimal(either.findtext(f"{QTI}varequal"))
                low = Decimal(either.findtext(f"{QTI}and/{QTI}vargte"))
                high = Decimal(either.findtext(f"{QTI}and/{QTI}varlte"))
                assert abs(equal - centre) < Decimal("1e-11")
                assert low == equal - Decimal("0.0001") and high == equal + Decimal("0.0001")
            assert item.find(f"{QTI}itemfeedback").get("ident") == "general_fb"


def _field(item, label: str) -> str:
    for field in item.iter(f"{QTI}qtimetadatafield"):
        if field.findtext(f"{QTI}fieldlabel") == label:
            return field.findtext(f"{QTI}fieldentry")
    raise AssertionError(f"no {label}")


def test_exports_are_byte_identical_when_repeated(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = export(tmp_path / "a", "canvas", count=2)
    second = export(tmp_path / "b", "canvas", count=2)
    assert first.read_bytes() == second.read_bytes()


# --- PrairieLearn ------------------------------------------------------------------------------
RUN_GENERATE = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("server", sys.argv[1])
server = importlib.util.module_from_spec(spec)
spec.loader.exec_module(server)
out = []
for seed in json.loads(sys.argv[2]):
    data = {"params": {}, "correct_answers": {}, "variant_seed": seed, "options": {}}
    server.generate(data)
    out.append(data)
print(json.dumps(out))
"""


def generate(folder: Path, seeds: list[int]) -> list[dict]:
    """server.py's generate() run by a Python with the standard library alone (-I -S: no site)."""
    result = subprocess.run([sys.executable, "-I", "-S", "-c", RUN_GENERATE, str(folder / "server.py"),
                             json.dumps(seeds)], capture_output=True, text=True, timeout=60, check=True)
    return json.loads(result.stdout)


def test_prairielearn_generate_gives_each_variants_key(tmp_path):
    folder = export(tmp_path, "prairielearn", count=4)
    problem = examples.load(EXAMPLE)
    expected, exact = keys(problem, 4), exact_values(problem, 4)
    seeds = [0, 1, 2, 3, 7, 123456789]
    for seed, data in zip(seeds, generate(folder, seeds)):
        k = seed % 4
        assert data["params"]["code"] == codes.encode(SEED, k + 1)
        assert f"Variant {codes.encode(SEED, k + 1)} (seed 2026)" in data["params"]["statement"]
        answers = data["correct_answers"]
        assert list(answers) == ["q1", "q2", "q3", "q4", "q5", "q6"]
        for n, ((_name, shown), value) in enumerate(zip(expected[k].items(), exact[k].values()), 1):
            assert answers[f"q{n}"] == float(shown)
            atol = data["params"][f"atol_q{n}"]
            assert abs(value - float(shown)) <= atol + 1e-15           # the exact value is accepted too
            assert atol == pytest.approx(1e-4 + abs(value - float(shown)), abs=1e-11)
    info = json.loads((folder / "info.json").read_text())
    assert info["type"] == "v3" and "seed-2026" in info["tags"]
    inputs = _number_inputs((folder / "question.html").read_text())
    assert [i["answers-name"] for i in inputs] == ["q1", "q2", "q3", "q4", "q5", "q6"]
    assert inputs[0]["label"] == "\\(out_{h1} =\\)" and inputs[0]["atol"] == "{{params.atol_q1}}"
    assert "<p>1. The output of neuron \\(h_{1}\\) (out_h1)</p>" in (folder / "question.html").read_text()
    (tmp_path / "again").mkdir()
    again = export(tmp_path / "again", "prairielearn")
    for name in ("info.json", "question.html", "server.py"):
        assert (again / name).read_bytes() == (folder / name).read_bytes()


def _number_inputs(text: str) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "pl-number-input":
                found.append({k: v or "" for k, v in attrs})
    Parser().feed(text)
    return found


def test_prairielearn_takes_the_problems_tolerance(tmp_path):
    for tolerance, expected in (("3sf", {"comparison": "sigfig", "digits": "3"}),
                                ("1%", {"comparison": "relabs", "rtol": "0.01", "atol": "0"})):
        path = write_problem(tmp_path, tolerance=tolerance)
        out = tmp_path / f"q{tolerance[0]}"
        assert main(["export", str(path), "--to", "prairielearn", "--count", "2", "-o", str(out)]) == 0
        first = _number_inputs((out / "question.html").read_text())[0]
        assert {k: first[k] for k in expected} == expected


def test_with_hand_rounding_carried_both_the_key_and_the_exact_value_are_accepted(tmp_path):
    path = write_problem(tmp_path, rounding={"digits": 2, "mode": "round", "carry": True})
    out = tmp_path / "q"
    assert main(["export", str(path), "--to", "prairielearn", "--count", "3", "--seed", str(SEED), "-o", str(out)]) == 0
    problem = Problem.from_file(path)
    expected, exact = keys(problem, 3), exact_values(problem, 3)
    spread = []
    for k, data in enumerate(generate(out, [0, 1, 2])):
        for n, (shown, value) in enumerate(zip(expected[k].values(), exact[k].values()), 1):
            atol = data["params"][f"atol_q{n}"]
            assert abs(data["correct_answers"][f"q{n}"] - value) <= atol + 1e-15
            spread.append(abs(float(shown) - value))
    # rounding alone moves a value at most half a unit (0.005); carried rounding moved some further
    assert max(spread) > 0.005


# --- refusals ----------------------------------------------------------------------------------
@pytest.mark.parametrize("target, name, message", [
    ("canvas", "quiz.xml", "expected a file name ending in .zip for --to canvas"),
    ("moodle", "sub", "a folder; expected a .xml file for --to moodle"),
])
def test_a_wrong_output_is_one_line_and_writes_nothing(tmp_path, capsys, target, name, message):
    (tmp_path / "sub").mkdir()
    code = main(["export", EXAMPLE, "--to", target, "-o", str(tmp_path / name)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and message in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sub"]


def test_problem_fields_tolerance_and_ask_points_are_checked(tmp_path):
    from tracer.errors import ProblemError
    with pytest.raises(ProblemError, match=r"p.yaml: tolerance: found 'abc'; expected an absolute amount"):
        Problem.from_file(write_problem(tmp_path, tolerance="abc"))
    with pytest.raises(ProblemError, match=r"ask\[1\].points: found 0; expected a whole number of points"):
        Problem.from_file(write_problem(tmp_path, ask=["out_h1", {"name": "E_total", "points": 0}]))
    problem = Problem.from_file(write_problem(tmp_path, tolerance="3SF", ask=["out_h1", {"name": "E_total", "points": 2}]))
    assert (problem.tolerance, problem.ask, problem.ask_points) == ("3sf", ("out_h1", "E_total"), (1, 2))
    assert problem.to_dict()["ask"] == ["out_h1", {"name": "E_total", "points": 2}]
