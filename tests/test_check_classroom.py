"""A folder of answer files against seed 002's network: a report each and the class summary."""
from __future__ import annotations

import json

import pytest

from tracer.cli import main

#: Right values of seed 002's network (the article's, where it is right; dE/dw17 = 0.1253 * 1.1239).
RIGHT = {"out_n3": "0.343", "net_n6": "0.0197", "out_n9": "0.8035", "E_total": "0.3148",
         "dE/dw17": "0.1408", "w17_new": "0.798592"}


def answers(**changes: str) -> str:
    values = {**RIGHT, **changes}
    return "".join(f"{name}: {value}\n" for name, value in values.items())


@pytest.fixture
def klass(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "anna.yaml").write_text(answers(), encoding="utf-8")
    (folder / "ben.yaml").write_text(answers(**{"dE/dw17": "0.0850"}), encoding="utf-8")
    # carla slips on dE/dw17 and carries it into the update: 0.8 - 0.01 * 0.0850 = 0.79915
    (folder / "carla.txt").write_text(answers(**{"dE/dw17": "0.0850", "w17_new": "0.79915"})
                                      .replace(": ", " = "), encoding="utf-8")
    (folder / "dan.json").write_text(json.dumps({**RIGHT, "out_n9": "0.81"}), encoding="utf-8")
    (folder / "notes.md").write_text("not an answers file", encoding="utf-8")
    return folder


def test_class_summary_names_the_step_most_students_got_wrong(klass, tmp_path, capsys):
    out = tmp_path / "feedback"
    assert main(["check", "relu-blog", str(klass), "-o", str(out)]) == 1
    summary = capsys.readouterr().out
    assert summary.splitlines()[:4] == [
        "Class summary: class",
        "4 answer files checked: 1 all correct, mean score 88%",
        "Most often wrong: dE/dw17 (2 of 4 students got it wrong)",
        "Most often the first slip: dE/dw17 (2 of 4 students first went wrong here)",
    ]
    assert "carla.txt        4        1      1        0        0    83%  dE/dw17" in summary
    assert "dan.json         5        0      1        0        0    83%  out_n9" in summary
    assert "dE/dw17         2        0      2        0              2" in summary
    assert "w17_new         3        1      0        0              0" in summary
    assert sorted(p.name for p in out.iterdir()) == ["anna.txt", "ben.txt", "carla.txt", "class-summary.txt",
                                                     "dan.txt"]
    assert (out / "class-summary.txt").read_text(encoding="utf-8") == summary
    carla = (out / "carla.txt").read_text(encoding="utf-8")
    assert "  carried  w17_new        0.79915  right value 0.79859; from your own values 0.79915" in carla
    assert "    substitution  = 0.1253 · 1.1239 = 0.140807" in carla


def test_class_summary_as_json_and_markdown(klass, tmp_path, capsys):
    assert main(["check", "relu-blog", str(klass), "-o", str(tmp_path / "j"), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["most_wrong"] == "dE/dw17"
    assert [(s["answers"], s["first_wrong"], s["score"]) for s in data["students"]] == [
        ("anna.yaml", None, 1.0), ("ben.yaml", "dE/dw17", round(5 / 6, 6)),
        ("carla.txt", "dE/dw17", round(5 / 6, 6)), ("dan.json", "out_n9", round(5 / 6, 6))]
    row = next(q for q in data["quantities"] if q["quantity"] == "w17_new")
    assert row == {"quantity": "w17_new", "correct": 3, "carried": 1, "wrong": 0, "missing": 0, "first_slip": 0}

    assert main(["check", "relu-blog", str(klass), "-o", str(tmp_path / "m"), "--format", "md"]) == 1
    md = capsys.readouterr().out
    assert "**Most often wrong:** dE/dw17 (2 of 4 students got it wrong)." in md
    assert "| ben.yaml | 5 | 0 | 1 | 0 | 0 | 83% | dE/dw17 |" in md
    assert (tmp_path / "m" / "ben.md").read_text(encoding="utf-8").startswith("# The mathematics behind")


def test_an_unreadable_file_does_not_stop_the_class(klass, tmp_path, capsys):
    (klass / "eve.yaml").write_text("out_n3: [0.343]\n", encoding="utf-8")
    out = tmp_path / "feedback"
    assert main(["check", "relu-blog", str(klass), "-o", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"tracer: {klass / 'eve.yaml'}: line 1: out_n3: found a sequence; expected a number\n"
    assert "4 answer files checked: 1 all correct, mean score 88%; 1 could not be read" in captured.out
    assert not (out / "eve.txt").exists() and (out / "anna.txt").exists()


def test_default_report_folder_and_empty_folder(klass, tmp_path, capsys):
    assert main(["check", "relu-blog", str(klass)]) == 1
    assert (tmp_path / "class-feedback" / "class-summary.txt").is_file()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["check", "relu-blog", str(empty)]) == 2
    assert capsys.readouterr().err == (f"tracer: {empty}: found no answer files; expected a folder of *.yaml, "
                                       "*.yml, *.json, *.txt files\n")
