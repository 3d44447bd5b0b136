"""Grading a variant against the keys tracer export saved (PATH-keys), or drawing it again."""
from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
import yaml

from tracer import examples
from tracer.cli import main
from tracer.sheets import variants
from tracer.sheets.export.codes import encode

EXAMPLE = "exercise-2-2-1"
SEED = 2026
CODE = encode(SEED, 2)          # 1ZA-027


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


@pytest.fixture
def exported(tmp_path: Path, capsys) -> Path:
    """quiz.xml and quiz-keys/ of 3 variants; an answers folder beside them."""
    assert main(["export", EXAMPLE, "--to", "moodle", "--count", "3", "--seed", str(SEED),
                 "-o", str(tmp_path / "quiz.xml")]) == 0
    (tmp_path / "answers").mkdir()
    capsys.readouterr()
    return tmp_path


def _shift_input(keys: Path) -> float:
    """Change x1 of the saved variant 02 (as if tracer now drew other numbers); out_h1 of the
    saved numbers, computed here from the formula: sigmoid(w1 x1 + w2 x2 + b1)."""
    path = keys / "02" / "problem.yaml"
    raw = yaml.safe_load(path.read_text())
    x = raw["data"][0]["input"]
    x[0] = round(x[0] + 0.5, 2)
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    w = raw["network"]["weights"][0][0]
    b = raw["network"]["biases"][0][0]
    return _sigmoid(w[0] * x[0] + w[1] * x[1] + b)


def _redrawn_out_h1() -> float:
    problem = examples.load(EXAMPLE)
    return float(variants.variant(problem, problem.variants, SEED, 2, 2).exercise.answers["out_h1"])


def test_the_saved_problem_fixes_the_numbers_and_the_report_says_so(exported, capsys):
    saved_out_h1 = _shift_input(exported / "quiz-keys")
    assert abs(saved_out_h1 - _redrawn_out_h1()) > 0.01                     # the two really differ
    eve = exported / "answers" / "eve.txt"
    eve.write_text(f"variant = {CODE.lower()}\nout_h1 = {saved_out_h1:.4f}\n")
    # found beside the answers' folder: correct against the saved numbers
    assert main(["check", EXAMPLE, str(eve), "--require", "out_h1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == f"  Graded against the keys of variant {CODE} saved by tracer export in " \
                       f"{exported / 'quiz-keys' / '02'}."
    assert lines[2].split()[:2] == ["correct", "out_h1"]
    assert main(["check", EXAMPLE, str(eve), "--require", "out_h1", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["graded_against"].startswith(f"Graded against the keys of variant {CODE}")
    # without the keys folder the variant is drawn again: the answer is wrong there
    shutil.move(exported / "quiz-keys", exported / "kept")
    assert main(["check", EXAMPLE, str(eve), "--require", "out_h1"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == (f"  Graded against variant {CODE} drawn again from seed {SEED}: no keys folder of tracer "
                        "export (PATH-keys) beside the problem or the answers lists it.")
    assert lines[2].startswith("  wrong    out_h1") and f"right value {_redrawn_out_h1():.4f}" in lines[2]
    # --keys names a folder anywhere (or the export, quiz.xml for quiz-keys)
    assert main(["check", EXAMPLE, str(eve), "--require", "out_h1", "--keys", str(exported / "kept")]) == 0
    assert f"saved by tracer export in {exported / 'kept' / '02'}." in capsys.readouterr().out
    shutil.move(exported / "kept", exported / "quiz-keys")
    assert main(["check", EXAMPLE, str(eve), "--require", "out_h1", "--keys", str(exported / "quiz.xml")]) == 0
    capsys.readouterr()


def test_an_answer_as_the_saved_key_printed_it_is_correct(exported, capsys):
    """A later tracer may print the key otherwise: the number the students saw stays right."""
    key_file = exported / "quiz-keys" / "02" / "answers.yaml"
    key = yaml.safe_load(key_file.read_text())
    printed = f"{key['out_o1'] + 0.0003:.4f}"              # as if printed by another rounding
    key_file.write_text(key_file.read_text().replace(f'"out_o1": {key["out_o1"]}', f'"out_o1": {printed}'))
    ann, ben = exported / "answers" / "ann.txt", exported / "answers" / "ben.txt"
    ann.write_text(f"variant = {CODE}\nout_o1 = {printed}\n")
    ben.write_text(f"variant = {CODE}\nout_o1 = {key['out_o1']}\n")         # this tracer's own key
    assert main(["check", EXAMPLE, str(ann), "--require", "out_o1"]) == 0
    out = capsys.readouterr().out
    assert f"  correct  out_o1          {printed}  (as the saved key)" in out
    assert main(["check", EXAMPLE, str(ben), "--require", "out_o1"]) == 0
    capsys.readouterr()
    other = exported / "answers" / "cleo.txt"
    other.write_text(f"variant = {CODE}\nout_o1 = 0.1\n")
    assert main(["check", EXAMPLE, str(other), "--require", "out_o1"]) == 1
    assert f"right value {printed}" in capsys.readouterr().out             # the saved key is shown as right
    # the gradebook of the folder grades the same way
    assert main(["check", EXAMPLE, str(exported / "answers"), "--require", "out_o1", "--format", "csv"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "student,variant,out_o1,score,max", f"ann,{CODE},correct,1,1", f"ben,{CODE},correct,1,1",
        f"cleo,{CODE},wrong,0,1"]


def test_keys_of_another_problem(exported, tmp_path, capsys):
    problem = tmp_path / "other.yaml"
    raw = yaml.safe_load(examples.example_path(EXAMPLE).read_text())
    raw["title"] = "Another exercise"
    problem.write_text(yaml.safe_dump(raw))
    eve = exported / "answers" / "eve.txt"
    eve.write_text(f"variant = {CODE}\nout_h1 = 0.5\n")
    # found beside it but of another title: passed over, the variant drawn again
    assert main(["check", str(problem), str(eve), "--require", "out_h1"]) == 1
    assert "drawn again from seed 2026: no keys folder" in capsys.readouterr().out
    # named with --keys: an error naming the file and the field
    assert main(["check", str(problem), str(eve), "--keys", str(exported / "quiz-keys")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"tracer: {exported / 'quiz-keys' / '02' / 'problem.yaml'}: "
                                                   "title: found 'Exercise: one training step")
    assert main(["check", EXAMPLE, str(eve), "--keys", str(tmp_path / "nothing")]) == 2
    assert "--keys: found no codes.csv in" in capsys.readouterr().err


# --- Moodle responses without the question text ---------------------------------------------
def _right_answers(quiz: Path) -> dict[str, str]:
    """Per question (by its idnumber, the code), what Moodle's Responses report writes as its
    right answer: each Cloze field's first fully-right answer, 'part 1: 0.3394; part 2: ...'."""
    import re

    from defusedxml import ElementTree as SafeET
    out = {}
    for q in SafeET.parse(quiz).getroot().iter("question"):
        if q.get("type") != "cloze":
            continue
        fields = re.findall(r"\{\d+:NUMERICAL:=([^:~}]+):", q.find("questiontext/text").text)
        out[q.find("idnumber").text] = "; ".join(f"part {k}: {v}" for k, v in enumerate(fields, 1))
    return out


def test_moodle_responses_without_question_text_find_the_variant_by_its_right_answer(exported, capsys):
    import csv
    import io
    right = _right_answers(exported / "quiz.xml")
    first, third = encode(SEED, 1), encode(SEED, 3)
    keys = {n: variants.variant(examples.load(EXAMPLE), examples.load(EXAMPLE).variants, SEED, n, 2).exercise.answers
            for n in (1, 3)}
    header = ["Last name", "First name", "Email address", "State", "Grade/6.00", "Response 1", "Right answer 1"]

    def row(email: str, values: list[str], right_answer: str) -> list[str]:
        return ["X", "Y", email, "Finished", "6.00", "; ".join(f"part {k}: {v}" for k, v in enumerate(values, 1)),
                right_answer]
    wrong = list(keys[3].values())
    wrong[0] = "0.1"                                                       # out_h1 wrong
    rows = [header, row("a@uni.test", list(keys[1].values()), right[first]),
            row("b@uni.test", wrong, right[third])]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    responses = exported / "answers" / "responses.csv"
    responses.write_text(out.getvalue())
    assert main(["check", EXAMPLE, str(responses), "--from", "moodle", "--format", "csv"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == f"a@uni.test,{first},correct,correct,correct,correct,correct,correct,6,6"
    assert lines[2].startswith(f"b@uni.test,{third},wrong,")
    # no keys folder: the row cannot be placed, and the message says what would place it
    shutil.move(exported / "quiz-keys", exported / "kept")
    assert main(["check", EXAMPLE, str(responses), "--from", "moodle", "--format", "csv"]) == 2
    captured = capsys.readouterr()
    assert captured.out.splitlines()[1] == "a@uni.test,unreadable,unreadable,unreadable,unreadable,unreadable," \
                                           "unreadable,0,6"
    assert "responses.csv row 2: found no 'Variant CODE (seed S)' in the row, and no saved answer key is its " \
           "right answer (part 1: " in captured.err
    assert main(["check", EXAMPLE, str(responses), "--from", "moodle", "--format", "csv",
                 "--keys", str(exported / "kept")]) == 1
    assert capsys.readouterr().out.splitlines()[1].startswith(f"a@uni.test,{first},correct")
