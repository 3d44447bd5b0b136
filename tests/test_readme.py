"""Every code block of README.md runs as written.

- ``python`` blocks are executed from the checkout root;
- ``bash`` blocks: each ``tracer ...`` line is run as ``python -m tracer ...`` in a scratch
  folder (with ``my_answers.txt`` and ``docs/`` there), and must exit 0 (``tracer check``
  may exit 1: some answers are wrong). ``pip install`` and ``pytest`` lines are CI's own
  commands (``.ci/run`` runs them); ``--format pdf`` needs TeX and is skipped without it.
  ``tracer variants`` runs with ``--no-pdf`` added: with PDFs it is the benchmark's job
  (benchmarks/bench_variants.py), 20 s is too long for a unit test;
- ``yaml`` blocks: a complete problem file is read by ``Problem.from_text``; a fragment (the
  ``variants:`` field) is read as part of the exercise-2-2-1 example;
- the ``text`` block is the command synopsis: every option it names is in that
  subcommand's ``--help``.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tracer import Problem

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = [(m[1], m[2]) for m in re.finditer(r"^```(\w+)\n(.*?)^```", README, re.DOTALL | re.MULTILINE)]
CI_ONLY = ("pip ", "pytest")


def blocks(language: str) -> list[str]:
    return [body for lang, body in BLOCKS if lang == language]


def tracer_lines() -> list[str]:
    lines = []
    for body in blocks("bash"):
        for line in body.replace("\\\n", " ").splitlines():  # a line continued with a backslash
            line = line.split(" #")[0].strip()
            parts = [p.strip() for p in line.split("&&")]
            lines += [p for p in parts if p and not p.startswith(CI_ONLY)]
    return lines


def test_the_readme_has_the_blocks_this_test_runs() -> None:
    assert {lang for lang, _ in BLOCKS} == {"bash", "python", "yaml", "text"}
    assert len(blocks("python")) == 1 and len(tracer_lines()) >= 7


@pytest.mark.parametrize("body", blocks("python"))
def test_python_blocks_run(body: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    exec(compile(body, "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert printed.startswith("\"'out_h1': no such quantity; did you mean 'output1_h'")


@pytest.mark.parametrize("line", tracer_lines())
def test_tracer_commands_run(line: str, tmp_path: Path) -> None:
    argv = shlex.split(line)
    assert argv[0] == "tracer"
    if "pdf" in argv and shutil.which("latexmk") is None and shutil.which("pdflatex") is None:
        pytest.skip("no TeX installation")
    if argv[1] == "variants":
        argv.append("--no-pdf")
    (tmp_path / "docs").mkdir()
    (tmp_path / "my_answers.txt").write_text("out_h1 = 0.5933\nE_total = 0.2984\n", encoding="utf-8")
    lms_files(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "tracer", *argv[1:]], cwd=tmp_path, capture_output=True,
                            env=env, timeout=300, check=False)
    allowed = (0, 1) if argv[1] == "check" else (0,)
    assert result.returncode in allowed, result.stderr.decode()
    assert b"Traceback" not in result.stderr


def lms_files(folder: Path) -> None:
    """What the LMS lines read: a folder of answer files, Moodle's Responses and Canvas's
    Student Analysis downloads (one student each, in the layouts tests/test_gradebook.py checks)."""
    from test_gradebook import NAMES, _csv, key

    from tracer.sheets.export.codes import encode
    answers = key(1)
    (folder / "answers").mkdir()
    (folder / "answers" / "ann.txt").write_text(
        f"variant = {encode(2026, 1)}\n" + "".join(f"{k} = {v}\n" for k, v in answers.items()), encoding="utf-8")
    summary = "; ".join(f"part {k}: {v}" for k, v in enumerate(answers.values(), 1))
    (folder / "responses.csv").write_text(_csv([
        ["Last name", "First name", "Email address", "State", "Question 1", "Response 1", "Right answer 1"],
        ["Ames", "A", "ames@uni.test", "Finished", f"Variant {encode(2026, 1)} (seed 2026) ...", summary, ""]]))
    header = ["name", "id", "sis_id", "section", "section_id", "section_sis_id", "submitted", "attempt"]
    for k, name in enumerate(NAMES, 1):
        header += [f"{9000 + k}: Variant {encode(2026, 1)} (seed 2026), question {k} of 6\nThe quantity ({name})",
                   "1.0"]
    cells = ["Ann", "17", "u1", "S1", "1", "", "2026-01-01", "1"]
    for v in answers.values():
        cells += [v, "1"]
    (folder / "analysis.csv").write_text(_csv([header + ["n correct", "n incorrect", "score"],
                                                cells + ["6", "0", "6"]]))


def test_yaml_blocks_are_problems() -> None:
    from tracer.model.graph_problem import GraphProblem
    expressions = [b for b in blocks("yaml") if "expression:" in b]
    for body in expressions:
        assert GraphProblem.from_dict(yaml.safe_load(body), "README.md").program.statements
    references = [b for b in blocks("yaml") if "[...]" in b]  # fields with placeholders for long lists
    for body in references:
        from tracer.model import conv_problem
        fields = set(yaml.safe_load(body))
        assert fields <= set(conv_problem.TOP_FIELDS), fields - set(conv_problem.TOP_FIELDS)
        layer_types = {layer["type"] for layer in yaml.safe_load(body)["network"]["layers"]}
        assert layer_types <= {"conv", "maxpool", "avgpool", "flatten", "dense"}
    rest = [b for b in blocks("yaml") if b not in expressions and b not in references]
    complete = [b for b in rest if "network" in yaml.safe_load(b) and "data" in yaml.safe_load(b)]
    problems = [Problem.from_text(b, "README.md") for b in complete]
    assert problems[0].layers == (2, 2, 2) and problems[0].ask == ("out_h1", "E_total", "dE/dw5", "w5+")
    assert [p.training.rule for p in problems[1:]] == ["perceptron"]
    # fragments (one field) are read as part of the exercise-2-2-1 example
    base = yaml.safe_load((ROOT / "worked_examples" / "exercise-2-2-1" / "problem.yaml").read_text(encoding="utf-8"))
    fragments = [Problem.from_dict({**base, **yaml.safe_load(b)}, "README.md") for b in rest if b not in complete]
    with_ranges = next(p for p in fragments if p.variants is not None)
    assert (with_ranges.variants.inputs.low, with_ranges.variants.inputs.decimals) == (0.0, 2)
    assert len(fragments) == 3  # variants, conventions and the Han-Kamber conventions


def test_text_block_options_exist() -> None:
    from tracer.cli import build_parser
    parser = build_parser()
    synopsis = blocks("text")[0]
    commands = re.split(r"^(?=tracer )", synopsis, flags=re.MULTILINE)
    for command in filter(None, commands):
        name = command.split()[1]
        help_text = (parser.format_help() if name.startswith("-") else
                     parser._subparsers._group_actions[0].choices[name].format_help())  # type: ignore[union-attr]
        for option in re.findall(r"(?<![\w-])(--?[a-z][\w-]*)", command):
            assert option in help_text, f"{option} of 'tracer {name}' is not in its --help"
