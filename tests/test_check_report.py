"""Reports: JSON for graders, terminal text, md/tex feedback sheets in the walkthrough's look."""
from __future__ import annotations

import json

import pytest

from tracer import examples
from tracer.check import Checker, parse_answers
from tracer.check.report import json_report, render_sheet, text_report, to_json

SLIP = """\
out_h1 = 0.61            # slip: 0.593269992
out_h2 = 0.596884378
net_o1 = 1.1126          # 0.4 * 0.61 + 0.45 * 0.596884378 + 0.6 = 1.11259797: carried
out_o1 = 0.75136507      # the right value after all: correct
dE/dout_o1 = 0.7514      # forgot the target: wrong
dout_o1/dnet_o1 = 0.186815602
$\\input{/etc/passwd}$ = 1
"""


@pytest.fixture(scope="module")
def result():
    checker = Checker(examples.load("classic-2-2-2"))
    return checker.check(parse_answers(SLIP, "anna.txt", "text"))


def test_json_has_one_record_per_answer_and_a_summary(result):
    data = json.loads(to_json(json_report(result)))
    assert set(data) == {"format", "version", "problem", "answers", "convention", "tolerance", "records",
                         "unmatched", "not_read", "summary"}
    assert data["not_read"] == []
    assert (data["format"], data["version"], data["answers"]) == ("tracer-check", 1, "anna.txt")
    record = data["records"][2]
    assert set(record) == {"name", "quantity", "kind", "step", "example", "given", "given_text", "expected",
                           "expected_from_own_values", "verdict", "how", "formula", "carried_into", "where",
                           "mistake"}
    assert {k: record[k] for k in ("name", "given", "verdict", "formula", "where")} == {
        "name": "net_o1", "given": 1.1126, "verdict": "carried",
        "formula": "w_{5} \\cdot out_{h1} + w_{6} \\cdot out_{h2} + b_{2}", "where": "line 3"}
    assert record["expected"] == pytest.approx(1.105905967, abs=1e-9)
    assert record["expected_from_own_values"] == pytest.approx(0.4 * 0.61 + 0.45 * 0.596884378 + 0.6)
    assert [(r["name"], r["verdict"]) for r in data["records"]] == [
        ("out_h1", "wrong"), ("out_h2", "correct"), ("net_o1", "carried"), ("out_o1", "correct"),
        ("dE/dout_o1", "wrong"), ("dout_o1/dnet_o1", "correct")]
    assert data["records"][0]["carried_into"] == ["net_o1"]
    assert data["unmatched"] == [{"name": "$\\input{/etc/passwd}$", "given_text": "1", "where": "line 7",
                                  "reason": "unknown", "candidates": [], "detail": ""}]
    assert data["summary"] == {
        "counts": {"correct": 3, "carried": 1, "wrong": 2, "missing": 0, "unmatched": 1},
        "points": 4, "out_of": 6, "score": round(4 / 6, 6), "first_wrong": "out_h1", "all_correct": False,
        "mistakes": {}, "advice": []}
    assert [r["mistake"] for r in data["records"]] == [None] * 6      # no common mistake gives 0.61 or 0.7514


def test_text_report(result):
    text = text_report(result)
    assert "\x1b[" not in text
    lines = text.splitlines()
    assert lines[0] == 'anna.txt: checked against "A step-by-step backpropagation example"'
    assert "  wrong    out_h1                   0.61  right value 0.593269992" in lines
    assert "  carried  net_o1                 1.1126  right value 1.105905967; from your own values 1.11259797" in lines
    assert "  unknown  $\\input{/etc/passwd}$ = 1 (line 7): no such quantity" in lines
    assert lines[-6:] == [
        "wrong: dE/dout_o1",
        "    formula       dE/dout_o1 = out_o1 - target_o1",
        "    substitution  = 0.75136507 - 0.01 = 0.74136507",
        "    you wrote 0.7514; the right value is 0.74136507",
        "Where it went wrong first: out_h1 (you wrote 0.61; right value 0.593269992)",
        "Summary: 3 correct, 1 carried, 2 wrong, 0 missing - score 4/6 (67%); 1 name not recognised",
        ]
    coloured = text_report(result, colour=True)
    assert "\x1b[31;1mwrong   \x1b[0m out_h1" in coloured and "\x1b[33mcarried \x1b[0m net_o1" in coloured


def test_markdown_sheet_reuses_the_walkthrough_printers(result):
    md = render_sheet(result, "md")
    assert md.startswith("# A step-by-step backpropagation example\n\n"
                         "The classic 2-2-2 sigmoid network, one step worked in full with the chain rule.\n\n"
                         "## Feedback: anna.txt\n")
    assert "**Where it went wrong first:** $out_{h1}$ (you wrote 0.61; the right value is 0.593269992)." in md
    assert "| net\\_o1 |  | 1.1126 | 1.105905967 | 1.11259797 | carried (from your own values) |" in md
    assert ("$$\nout_{h1} = \\frac{1}{1 + e^{-net_{h1}}} = \\frac{1}{1 + e^{-0.3775}} = 0.593269992\n$$"
            in md)
    assert "Carried into: net\\_o1." in md
    assert "- \\$\\\\input{/etc/passwd}\\$ = 1 (line 7): no such quantity" in md   # escaped: never math
    assert render_sheet(result, "md") == md                                     # deterministic


def test_latex_sheet_escapes_user_text(result):
    tex = render_sheet(result, "tex")
    assert tex.startswith("\\documentclass")
    assert "\\subsection{Slips}" in tex
    assert "\\input{/etc/passwd}" not in tex
    assert "\\textbackslash{}input\\{/etc/passwd\\}" in tex


def test_sheets_parse_and_compile():
    """The committed audits' sheets: every formula parses with KaTeX and MathJax, the LaTeX compiles."""
    mathcheck = pytest.importorskip("tests.mathcheck")
    latexcheck = pytest.importorskip("tests.latexcheck")
    checker = Checker(examples.load("relu-blog"))
    from tracer.check import load_answers
    result = checker.check(load_answers(examples.examples_dir() / "relu-blog" / "article_answers.yaml"))
    md = render_sheet(result, "md")
    assert mathcheck.layout(md) == []
    assert mathcheck.math_errors(mathcheck.markdown_math(md)) == []
    compiled = latexcheck.compile_tex(render_sheet(result, "tex"))
    assert compiled.errors == []
