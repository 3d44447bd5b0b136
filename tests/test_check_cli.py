"""`tracer check`: exit status 0 / 1 / 2, outputs, bad input as one line with nothing written."""
from __future__ import annotations

import json

import pytest

from tracer.cli import main

ALL_RIGHT = "out_h1: 0.593269992\nE_total: 0.2984\nw5+: 0.35891648\n"
ONE_SLIP = "out_h1: 0.593269992\nE_total: 0.2990\n"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_exit_0_when_every_answer_is_correct(tmp_path, capsys):
    assert main(["check", "classic-2-2-2", write(tmp_path, "a.yaml", ALL_RIGHT)]) == 0
    out = capsys.readouterr().out
    assert "Summary: 3 correct, 0 carried, 0 wrong, 0 missing - score 3/3 (100%)" in out
    assert "\x1b[" not in out                                  # not a terminal: no colour


def test_exit_1_when_any_is_not(tmp_path, capsys):
    assert main(["check", "classic-2-2-2", write(tmp_path, "a.yaml", ONE_SLIP)]) == 1
    assert "Where it went wrong first: E_total (you wrote 0.2990; right value 0.298371109)" in capsys.readouterr().out


def test_exit_1_for_a_missing_required_answer_or_an_unknown_name(tmp_path, capsys):
    answers = write(tmp_path, "a.yaml", ALL_RIGHT)
    assert main(["check", "classic-2-2-2", answers, "--require", "w5+,w6+"]) == 1
    assert "  missing  w6+" in capsys.readouterr().out
    assert main(["check", "classic-2-2-2", write(tmp_path, "b.yaml", ALL_RIGHT + "ot_h2: 1\n")]) == 1


def test_tolerance_and_convention_options(tmp_path, capsys):
    answers = write(tmp_path, "a.txt", "out_h1 = 0.594\ndelta_o1 = -0.138498562\n")
    assert main(["check", "classic-2-2-2", answers]) == 1
    assert main(["check", "classic-2-2-2", answers, "--tolerance", "0.001", "--convention", "negative_gradient"]) == 0


def test_json_for_graders(tmp_path, capsys):
    assert main(["check", "classic-2-2-2", write(tmp_path, "a.json", '{"out_h1": 0.6, "out_h2": 0.5969}'),
                 "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [(r["name"], r["verdict"], r["how"]) for r in data["records"]] == [
        ("out_h1", "correct", "rounded"), ("out_h2", "correct", "rounded")]
    assert data["summary"]["score"] == 1.0


@pytest.mark.parametrize("fmt, start", [("md", "# A step-by-step"), ("tex", "\\documentclass"),
                                        ("text", "a.yaml: checked"), ("json", "{")])
def test_output_file_in_every_format(tmp_path, fmt, start):
    out = tmp_path / f"report.{fmt}"
    assert main(["check", "classic-2-2-2", write(tmp_path, "a.yaml", ONE_SLIP), "--format", fmt, "-o", str(out)]) == 1
    first = out.read_text(encoding="utf-8")
    assert first.startswith(start)
    main(["check", "classic-2-2-2", write(tmp_path, "a.yaml", ONE_SLIP), "--format", fmt, "-o", str(out)])
    assert out.read_text(encoding="utf-8") == first             # byte-identical across runs


@pytest.mark.parametrize("args, message", [
    (["{answers}"], "tracer: {answers}: line 1: out_h2: found 'abc'; expected a number\n"),
    (["{missing}"], "tracer: {missing}: no such answers file or folder; expected an answers file or a folder of them\n"),
    (["{good}", "--tolerance", "lots"],
     "tracer: --tolerance: found 'lots'; expected an absolute amount up to 1000 (0.001), a relative one up "
     "to 100% (1%) or 1 to 15 significant figures (3sf)\n"),
    (["{good}", "--require", "w9+"], "tracer: --require: 'w9+': no such quantity; closest: w8+, w7+, w6+; "
     "expected a quantity name, a kind (net, out, loss, error, dout, dact, dnet, dw, db, new_w, new_b, err, "
     "delta_w, delta_b) or a step (@1)\n"),
])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, args, message):
    paths = {"answers": write(tmp_path, "bad.yaml", "out_h2: abc\n"),
             "missing": str(tmp_path / "nope.yaml"), "good": write(tmp_path, "good.yaml", ALL_RIGHT)}
    out = tmp_path / "report.md"
    argv = ["check", "classic-2-2-2", *[a.format(**paths) for a in args], "--format", "md", "-o", str(out)]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err == message.format(**paths)
    assert captured.out == ""
    assert not out.exists()


def test_bad_format_choice_is_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["check", "classic-2-2-2", write(tmp_path, "a.yaml", ALL_RIGHT), "--format", "html"])
    assert caught.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_the_problems_ask_is_required_by_default(tmp_path, capsys):
    problem = (tmp_path / "exercise.yaml")
    problem.write_text("network: {layers: [2, 2, 2], activation: sigmoid, bias: per_layer,\n"
                       "  weights: [[[0.15, 0.2], [0.25, 0.3]], [[0.4, 0.45], [0.5, 0.55]]], biases: [0.35, 0.6]}\n"
                       "training: {learning_rate: 0.5, update_biases: false}\n"
                       "data: [{input: [0.05, 0.1], target: [0.01, 0.99]}]\n"
                       "ask: [w5+, w6+]\n", encoding="utf-8")
    answers = write(tmp_path, "a.yaml", "w5+: 0.35891648\n")
    assert main(["check", str(problem), answers]) == 1
    assert "  missing  w6+" in capsys.readouterr().out
    assert main(["check", str(problem), answers, "--require", "w5+"]) == 0


def test_a_bad_problem_is_bad_input(tmp_path, capsys):
    answers = write(tmp_path, "a.yaml", ALL_RIGHT)
    assert main(["check", "no-such-example", answers]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tracer: no-such-example: ") and err.count("\n") == 1


def test_reports_never_overwrite_what_is_checked(tmp_path, capsys):
    answers = write(tmp_path, "a.txt", "out_h1 = 0.6\n")
    assert main(["check", "classic-2-2-2", answers, "-o", answers]) == 2
    assert main(["check", "classic-2-2-2", str(tmp_path), "-o", str(tmp_path)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"tracer: -o: found '{answers}', the file being checked; expected another path for the reports",
        f"tracer: -o: found '{tmp_path}', the folder of answers being checked; expected another path for the "
        "reports"]
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "out_h1 = 0.6\n"


def test_help(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["check", "--help"])
    assert caught.value.code == 0
    assert "a relative one up to 100% (1%)" in " ".join(capsys.readouterr().out.split())
