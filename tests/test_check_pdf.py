"""Feedback sheets as PDF, and the worked lines with the right numbers under every slip."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from tracer import examples
from tracer.check import Checker, parse_answers
from tracer.check.report import render_sheet, text_report
from tracer.cli import main

# out_h1 slipped (0.61, right 0.593269992); net_o1 is wrong even from the student's own
# values: 0.4 * 0.61 + 0.45 * 0.596884378 + 0.6 = 1.11259797, the right value
# 0.4 * 0.593269992 + 0.45 * 0.596884378 + 0.6 = 1.105905967 (Mazur's example).
BEN = "out_h1 = 0.61\nnet_o1 = 1.2\n"
ANNA = "out_h1 = 0.61\nout_h2 = 0.596884378\nnet_o1 = 1.1126\n"    # net_o1 carried from 0.61
CLEO = "out_h1 = 0.593269992\nnet_o1 = 1.105905967\n"
RIGHT_LINE = "0.4 · 0.593269992 + 0.45 · 0.596884378 + 0.6 = 1.105905967"
TEX = shutil.which("latexmk") or shutil.which("pdflatex")


def _ben():
    return Checker(examples.load("classic-2-2-2")).check(parse_answers(BEN, "ben.txt", "text"))


def test_a_slip_on_wrong_operands_also_shows_the_line_with_the_right_numbers():
    lines = text_report(_ben()).splitlines()
    start = lines.index("wrong: net_o1")
    assert lines[start:start + 5] == [
        "wrong: net_o1",
        "    formula       net_o1 = w5 · out_h1 + w6 · out_h2 + b2",
        "    substitution  = 0.4 · 0.61 + 0.45 · 0.596884378 + 0.6 = 1.11259797",
        f"    right values  = {RIGHT_LINE}",
        "    you wrote 1.2; the right value is 1.105905967"]
    # out_h1's operand (net_h1) is the log's: its one substitution already gives the right value
    assert lines[lines.index("wrong: out_h1") + 2] == "    substitution  = 1/(1 + exp(-0.3775)) = 0.593269992"
    assert lines[lines.index("wrong: out_h1") + 3].startswith("    you wrote 0.61")


def test_markdown_and_latex_sheets_work_the_right_numbers_too():
    md = render_sheet(_ben(), "md")
    assert ("With the right values:\n\n$$\nnet_{o1} = 0.4 \\cdot 0.593269992 + 0.45 \\cdot 0.596884378 + 0.6 "
            "= 1.105905967\n$$\n\nYou wrote 1.2; the right value is 1.105905967.") in md
    assert md.count("With the right values:") == 1
    tex = render_sheet(_ben(), "tex")
    assert "0.4 \\cdot 0.593269992 + 0.45 \\cdot 0.596884378 + 0.6 = 1.105905967" in tex


def _pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.mark.skipif(not TEX, reason="no TeX installation")
def test_a_class_gets_one_pdf_sheet_each(tmp_path, capsys):
    klass = tmp_path / "class"
    klass.mkdir()
    for name, text in (("anna", ANNA), ("ben", BEN), ("cleo", CLEO)):
        (klass / f"{name}.txt").write_text(text)
    out = tmp_path / "feedback"
    assert main(["check", "classic-2-2-2", str(klass), "--format", "pdf", "-o", str(out)]) == 1
    assert capsys.readouterr().out.startswith("Class summary: class\n3 answer files checked: 1 all correct")
    assert sorted(p.name for p in out.iterdir()) == ["anna.pdf", "ben.pdf", "class-summary.pdf", "cleo.pdf"]
    for pdf in out.iterdir():
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF-1.") and data.rstrip().endswith(b"%%EOF"), pdf.name
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed: the PDFs' text is not read")
    ben = _pdf_text(out / "ben.pdf")
    assert "Feedback: ben.txt" in ben
    assert "You wrote 1.2; the right value is 1.105905967." in ben
    assert "You wrote 0.61; the right value is 0.593269992." in ben
    assert RIGHT_LINE in ben
    anna = _pdf_text(out / "anna.pdf")
    assert "You wrote 0.61; the right value is 0.593269992. Carried into: net o1." in anna
    assert "1.1126" in anna and "1.105905967" in anna and "carried (from your own values)" in anna
    cleo = _pdf_text(out / "cleo.pdf")
    assert "2 correct, 0 carried, 0 wrong, 0 missing - score 2/2 (100%)" in cleo and "You wrote" not in cleo
    summary = _pdf_text(out / "class-summary.pdf")
    assert ("Class summary: class" in summary
            and "Most often wrong: out h1 (2 of 3 students got it wrong)." in summary)  # \_ reads as a space
    pages = subprocess.run(["pdfinfo", str(out / "ben.pdf")], capture_output=True, text=True, check=True).stdout
    assert int(next(ln.split()[1] for ln in pages.splitlines() if ln.startswith("Pages:"))) >= 1


@pytest.mark.skipif(not TEX, reason="no TeX installation")
def test_one_answers_file_as_pdf(tmp_path):
    answers = tmp_path / "ben.txt"
    answers.write_text(BEN)
    assert main(["check", "classic-2-2-2", str(answers), "--format", "pdf", "-o", str(tmp_path / "ben.pdf")]) == 1
    assert (tmp_path / "ben.pdf").read_bytes().startswith(b"%PDF-1.")
    if shutil.which("pdftotext"):
        assert RIGHT_LINE in _pdf_text(tmp_path / "ben.pdf")
