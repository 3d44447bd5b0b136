"""tracer check --format csv, --carried-credit, variant codes in answer files, --from moodle|canvas."""
from __future__ import annotations

import csv
import io

import yaml

from tracer import examples
from tracer.cli import main
from tracer.sheets import variants
from tracer.sheets.export.codes import encode

EXAMPLE = "exercise-2-2-1"
NAMES = ["out_h1", "out_o1", "E_total", "dE/dw5", "dE/dw1", "w5+"]
HEADER = "student,out_h1,out_o1,E_total,dE/dw5,dE/dw1,w5+,score,max"


def key(number: int, seed: int = 2026) -> dict[str, str]:
    problem = examples.load(EXAMPLE)
    return variants.variant(problem, problem.variants, seed, number, 2).exercise.answers


def base_key() -> dict[str, str]:
    from tracer.engine.trace import trace
    from tracer.sheets.exercise import Exercise
    return Exercise(trace(examples.load(EXAMPLE))).answers


def test_csv_gradebook_rows_and_carried_credit(tmp_path, capsys):
    right = base_key()
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "anna.yaml").write_text(yaml.safe_dump(dict(right)))
    # ben slips on dE/dw5 (0.0500) and carries it: w5+ = 0.5 - 0.5 * 0.05 = 0.475
    ben = {**right, "dE/dw5": "0.0500", "w5+": "0.475"}
    (folder / "ben.txt").write_text("student = s-0042\n" + "".join(f"{k} = {v}\n" for k, v in ben.items()))
    (folder / "cleo.yaml").write_text("out_h1: 0.9\n")
    (folder / "dora.yaml").write_text("out_h1: [\n")
    out = tmp_path / "grades.csv"
    assert main(["check", EXAMPLE, str(folder), "--format", "csv", "-o", str(out),
                 "--carried-credit", "0.5"]) == 2
    assert "dora.yaml" in capsys.readouterr().err
    assert out.read_text().splitlines() == [
        HEADER,
        "anna,correct,correct,correct,correct,correct,correct,6,6",
        "s-0042,correct,correct,correct,wrong,correct,carried,4.5,6",
        "cleo,wrong,missing,missing,missing,missing,missing,0,6",
        "dora,unreadable,unreadable,unreadable,unreadable,unreadable,unreadable,0,6",
    ]


def test_points_and_the_problems_tolerance(tmp_path, capsys):
    raw = yaml.safe_load(examples.example_path(EXAMPLE).read_text())
    raw["ask"] = ["out_h1", {"name": "E_total", "points": 3}]
    raw["tolerance"] = "0.01"
    problem = tmp_path / "p.yaml"
    problem.write_text(yaml.safe_dump(raw))
    right = base_key()
    answers = tmp_path / "a.txt"
    # 0.01 off: wrong at the precision written, right within the problem's tolerance of 0.01
    answers.write_text(f"out_h1 = {float(right['out_h1']) + 0.009:.4f}\nE_total = {right['E_total']}\n")
    assert main(["check", str(problem), str(answers), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["student,out_h1,E_total,score,max", "a,correct,correct,4,4"]
    assert main(["check", str(problem), str(answers), "--format", "csv", "--tolerance", "0.001"]) == 1
    assert capsys.readouterr().out.splitlines()[1] == "a,wrong,correct,3,4"


def test_an_answer_file_names_its_variant(tmp_path, capsys):
    seventh = key(7)
    answers = tmp_path / "eve.txt"
    answers.write_text("variant = 1ZA-07X\n" + "".join(f"{k} = {v}\n" for k, v in seventh.items()))
    assert main(["check", EXAMPLE, str(answers)]) == 0
    capsys.readouterr()
    answers.write_text("variant = 1ZA-07Y\nout_h1 = 0.5\n")          # mistyped check character
    assert main(["check", EXAMPLE, str(answers)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "variant: found '1ZA-07Y' (its check character does not match" in err


def test_from_moodle_responses(tmp_path, capsys):
    first, second = key(1), key(2)
    header = ["Last name", "First name", "Email address", "State", "Started on", "Completed", "Time taken",
              "Grade/6.00", "Question 1", "Response 1", "Right answer 1"]

    def row(last: str, email: str, number: int, values: list[str]) -> list[str]:
        summary = "; ".join(f"part {k}: {v}" for k, v in enumerate(values, 1))
        return [last, "A", email, "Finished", "", "", "", "5.00",
                f"Variant {encode(2026, number)} (seed 2026) Setup ...", summary, ""]
    wrong_w5 = list(second.values())
    wrong_w5[3], wrong_w5[5] = "0.1000", _carried_w5(2, "0.1000")
    rows = [header, row("Ames", "ames@uni.test", 1, list(first.values())),
            row("Bolt", "bolt@uni.test", 2, wrong_w5),
            row("Cruz", "cruz@uni.test", 1, ["abc", "", *list(first.values())[2:]])]
    path = tmp_path / "responses.csv"
    path.write_text(_csv(rows))
    assert main(["check", EXAMPLE, str(path), "--from", "moodle", "--format", "csv"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "student,variant,out_h1,out_o1,E_total,dE/dw5,dE/dw1,w5+,score,max",
        "ames@uni.test,1ZA-019,correct,correct,correct,correct,correct,correct,6,6",
        "bolt@uni.test,1ZA-027,correct,correct,correct,wrong,correct,carried,5,6",
        "cruz@uni.test,1ZA-019,unknown,missing,correct,correct,correct,correct,4,6",
    ]


def test_from_canvas_student_analysis(tmp_path, capsys):
    third = key(3)
    code = encode(2026, 3)
    header = ["name", "id", "sis_id", "section", "section_id", "section_sis_id", "submitted", "attempt"]
    for k, name in enumerate(NAMES, 1):
        header += [f"{9000 + k}: Variant {code} (seed 2026), question {k} of 6\nThe quantity ({name})", "1.0"]
    header += ["n correct", "n incorrect", "score"]

    def row(name: str, sis: str, attempt: int, values: list[str]) -> list[str]:
        cells = [name, "17", sis, "S1", "1", "", "2026-01-01", str(attempt)]
        for v in values:
            cells += [v, "1"]
        return cells + ["6", "0", "6"]
    values = list(third.values())
    rows = [header, row("Ann", "u1", 2, values), row("Ann", "u1", 1, ["0.1"] * 6), row("Bo", "", 1, values[:2] + [""] * 4)]
    path = tmp_path / "analysis.csv"
    path.write_text(_csv(rows))
    assert main(["check", EXAMPLE, str(path), "--from", "canvas", "--format", "csv"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "student,variant,out_h1,out_o1,E_total,dE/dw5,dE/dw1,w5+,score,max",
        f"u1,{code},correct,correct,correct,correct,correct,correct,6,6",
        f"17,{code},correct,correct,missing,missing,missing,missing,2,6",
    ]


def _carried_w5(number: int, gradient: str) -> str:
    problem = examples.load(EXAMPLE)
    v = variants.variant(problem, problem.variants, 2026, number, 2)
    w5 = v.problem.weights[1][0][0]
    return f"{w5 - 0.5 * float(gradient):.4f}"


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()
