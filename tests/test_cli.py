"""The command-line contract: option errors, PDF to a terminal, whole-or-nothing outputs,
``python -m tracer``, ``tracer examples``.

Bad problem files are in test_problem_errors.py; this file uses the same helper.
"""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from test_problem_errors import BASE_YAML, assert_refused, run_bad

import tracer.outputs
import tracer.render.pdf
from tracer.cli import COMMANDS, main
from tracer.resources import examples_dir

REPO = Path(__file__).resolve().parent.parent
STYLES = "narrative, chain-rule, matrix, symbolic"
E_TOTAL = 0.298371109          # the classic 2-2-2 tutorial's printed total error


def run_module(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[bytes]:
    """``python -m tracer ...`` in another folder, importing this source tree."""
    environment = {**os.environ, "PYTHONPATH": str(REPO), **env}
    return subprocess.run([sys.executable, "-m", "tracer", *args], cwd=cwd, env=environment,
                          capture_output=True, timeout=120, stdin=subprocess.DEVNULL)


@pytest.fixture
def problem(tmp_path: Path) -> Path:
    path = tmp_path / "problem.yaml"
    path.write_text(BASE_YAML)
    return path


def example_files() -> list[Path]:
    """The built-in examples' files: a network's problem.yaml or an expression's expression.yaml."""
    return [*examples_dir().glob("*/problem.yaml"), *examples_dir().glob("*/expression.yaml")]


# --- bad options and arguments --------------------------------------------------------
def test_nonexistent_problem_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.yaml"
    names = ", ".join(sorted(p.parent.name for p in example_files()))
    assert_refused(["run", str(missing)], f"tracer: {missing}: found no such file; expected a problem file "
                   f"(YAML or JSON) or a built-in example, one of: {names}", tmp_path, capsys)


def test_unknown_builtin_example_suggests_the_closest(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    names = ", ".join(sorted(p.parent.name for p in example_files()))
    assert_refused(["run", "clasic-2-2-2"], "tracer: clasic-2-2-2: found no such file or built-in example "
                   f"(did you mean 'classic-2-2-2'?); expected a problem file (YAML or JSON) or a built-in "
                   f"example, one of: {names}", tmp_path, capsys)


def test_folder_without_problem_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "empty-folder"
    folder.mkdir()
    assert_refused(["run", str(folder)], f"tracer: {folder}: found a folder without problem.yaml; expected a "
                   "problem file (YAML or JSON) or a folder holding problem.yaml", tmp_path, capsys)


def test_folder_with_problem_file_runs(problem: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(problem.parent), "--format", "json"]) == 0
    assert round(json.loads(capsys.readouterr().out)["history"][0]["loss"], 9) == E_TOTAL


@pytest.mark.parametrize("argv, message", [
    (["--style", "chain_rule"], "--style: found 'chain_rule' (did you mean 'chain-rule'?); "
                                f"expected one of: {STYLES}"),
    (["--style", "fancy"], f"--style: found 'fancy'; expected one of: {STYLES}"),
    (["--digits", "0"], "--digits: found '0'; expected a number of digits from 1 to 15"),
    (["--digits", "16"], "--digits: found '16'; expected a number of digits from 1 to 15"),
    (["--digits", "four"], "--digits: found 'four'; expected a number of digits from 1 to 15"),
    (["--max-terms", "1"], "--max-terms: found '1'; expected a whole number of terms of at least 2"),
    (["--templates", "no-such-folder"], "--templates: found 'no-such-folder'; expected an existing folder "
                                        "of templates"),
    (["--format", "pfd"], "--format: found 'pfd' (did you mean 'pdf'?); expected one of: json, md, tex, pdf, html"),
    (["--no-such-option"], "unrecognized arguments: --no-such-option"),
])
def test_bad_option(argv: list[str], message: str, problem: Path, tmp_path: Path,
                    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert_refused(["run", str(problem), *argv], f"tracer: {message}", tmp_path, capsys)


def test_unknown_command_suggests_the_closest(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_bad(["rnu"], capsys) == (2, "tracer: COMMAND: found 'rnu' (did you mean 'run'?); "
                                           f"expected one of: {', '.join(COMMANDS)}\n")


def test_output_must_not_be_the_problem_file(problem: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = problem.read_bytes()
    status, err = run_bad(["run", str(problem), "-o", str(problem)], capsys)
    assert (status, err) == (2, f"tracer: -o: found '{problem}', the problem file itself; expected another file\n")
    assert problem.read_bytes() == before



@pytest.mark.parametrize("command, expected", [
    (["run"], "another file"),                                     # an expression file: graph_cli's run
    (["export", "--to", "moodle", "--count", "1"], "another path"),
])
def test_no_command_overwrites_its_problem_file(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                command: list[str], expected: str) -> None:
    """The one check (outputs.not_the_input) on every path that writes -o: an expression's run
    and an LMS export refuse the problem file itself as their output too."""
    import shutil

    from tracer.resources import examples_dir
    source = examples_dir() / ("cs231n-circuit/expression.yaml" if command == ["run"] else "exercise-2-2-1/problem.yaml")
    # an export's -o must end in .xml first: a problem file so named reaches the check
    problem = tmp_path / (source.name if command == ["run"] else "quiz.xml")
    shutil.copy(source, problem)
    before = problem.read_bytes()
    status, err = run_bad([command[0], str(problem), *command[1:], "-o", str(problem)], capsys)
    assert (status, err) == (2, f"tracer: -o: found '{problem}', the problem file itself; expected {expected}\n")
    assert problem.read_bytes() == before


def test_output_in_a_missing_folder(problem: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "no" / "such" / "out.md"
    assert run_bad(["run", str(problem), "-o", str(target)], capsys) == (
        2, f"tracer: -o: found '{target}', in no existing folder; expected a file path in an existing folder "
           "(a regular, writable file or a new one; - for standard output)\n")
    assert not (tmp_path / "no").exists()


def test_markdown_output_named_like_its_diagram(problem: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """-o net.svg would be overwritten by the diagram written beside it."""
    target = tmp_path / "net.svg"
    assert run_bad(["run", str(problem), "-o", str(target)], capsys) == (
        2, f"tracer: -o: found '{target}', the name of the diagram written beside it; expected a file name "
           "not ending in .svg\n")
    assert not target.exists()


# --- PDF --------------------------------------------------------------------------------
class Terminal(io.StringIO):
    """A stand-in for standard output attached to a terminal."""

    def isatty(self) -> bool:
        return True


def test_pdf_to_a_terminal_is_refused(problem: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    assert main(["run", str(problem), "--format", "pdf"]) == 2
    assert capsys.readouterr().err == ("tracer: --format pdf: found no -o FILE and standard output is a terminal; "
                                       "expected -o FILE.pdf (or a redirect: a PDF is binary)\n")
    assert terminal.getvalue() == ""


def test_pdf_without_tex(problem: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                         capsys: pytest.CaptureFixture[str]) -> None:
    """No latexmk and no pdflatex on PATH: the clear error of render/pdf.py, nothing written."""
    monkeypatch.setattr(tracer.render.pdf.shutil, "which", lambda name, *args, **kwargs: None)
    target = tmp_path / "out.pdf"
    target.write_bytes(b"old")
    status, err = run_bad(["run", str(problem), "--format", "pdf", "-o", str(target)], capsys)
    assert status == 2 and err.count("\n") == 1
    assert err.startswith("tracer: --format pdf: no TeX installation found (latexmk or pdflatex); "
                          "expected TeX Live")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.pdf", "problem.yaml"]


@pytest.mark.skipif(not (tracer.render.pdf.shutil.which("latexmk") or tracer.render.pdf.shutil.which("pdflatex")),
                    reason="needs TeX (CI installs it)")
def test_pdf_to_a_file(problem: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "walkthrough.pdf"
    assert main(["run", str(problem), "--format", "pdf", "-o", str(target)]) == 0
    assert capsys.readouterr() == ("", "")
    assert target.read_bytes().startswith(b"%PDF-")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["problem.yaml", "walkthrough.pdf"]


# --- whole or nothing -------------------------------------------------------------------
def test_markdown_and_its_diagram(problem: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "walk.md"
    assert main(["run", str(problem), "-o", str(target)]) == 0
    assert capsys.readouterr() == ("", "")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["problem.yaml", "walk.md", "walk.svg"]
    assert "](walk.svg)" in target.read_text()
    assert (tmp_path / "walk.svg").read_text().lstrip().startswith(("<svg", "<?xml"))
    assert oct(target.stat().st_mode & 0o777) == oct(0o666 & ~current_umask())


def current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_template_error_leaves_nothing(problem: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A failure while rendering: no main file, no diagram, no temporary file."""
    templates = tmp_path / "templates" / "styles"
    templates.mkdir(parents=True)
    (templates / "chain-rule.j2").write_text("{{ no_such_variable }}\n")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    status, err = run_bad(["run", str(problem), "--templates", str(templates.parent), "-o",
                           str(out_dir / "walk.md")], capsys)
    assert status == 2 and err == (f"tracer: {templates / 'chain-rule.j2'}: line 1: template error: "
                                   "'no_such_variable' is undefined; expected a jinja2 template that renders "
                                   "(see templates/README.md)\n")
    assert list(out_dir.iterdir()) == []


@pytest.mark.parametrize("failing", [".md", ".svg"])
def test_write_failure_leaves_nothing(failing: str, problem: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The disk fills up while writing one of the two files: neither appears, old ones stay."""
    real_stage = tracer.outputs._stage

    def stage(path: Path, data: str | bytes) -> str:
        if path.suffix == failing:
            raise OSError(28, "No space left on device")
        return real_stage(path, data)

    monkeypatch.setattr(tracer.outputs, "_stage", stage)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "walk.svg").write_text("old diagram")
    status, err = run_bad(["run", str(problem), "-o", str(out_dir / "walk.md")], capsys)
    assert (status, err) == (2, f"tracer: {out_dir / ('walk' + failing)}: found that it cannot be written "
                                "(No space left on device); expected a file path in an existing, writable folder\n")
    assert sorted(p.name for p in out_dir.iterdir()) == ["walk.svg"]
    assert (out_dir / "walk.svg").read_text() == "old diagram"


def test_write_files_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rename that fails half-way removes the staged temporary files; the diagram is renamed
    first, so a Markdown file never appears without it."""
    real_replace = os.replace
    calls: list[str] = []

    def replace(src: str, dst: Path) -> None:
        calls.append(Path(dst).name)
        if len(calls) == 2:
            raise OSError(5, "Input/output error")
        real_replace(src, dst)

    monkeypatch.setattr(tracer.outputs.os, "replace", replace)
    with pytest.raises(tracer.outputs.ProblemError, match=r"a.md: found that it cannot be written "
                                                          r"\(Input/output error\)"):
        tracer.outputs.write_files({tmp_path / "a.md": "main", tmp_path / "b.svg": "<svg/>"})
    assert calls == ["b.svg", "a.md"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.svg"]


# --- python -m tracer, tracer examples, standard output ------------------------------------
def test_python_m_tracer_from_another_folder(tmp_path: Path) -> None:
    result = run_module("run", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr == b""
    log = json.loads(result.stdout)
    assert log["format"] == "tracer-trace"
    assert round(log["history"][0]["loss"], 9) == E_TOTAL


def test_bad_input_in_a_real_process_has_no_traceback(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(BASE_YAML.replace("learning_rate: 0.5", "learning_rate: -1"))
    result = run_module("run", "p.yaml", "-o", "out.md", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, b"")
    assert result.stderr.decode() == ("tracer: p.yaml: training.learning_rate: found -1; "
                                      "expected a learning rate greater than 0\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.yaml"]


def test_examples_lists_one_a_line_name_first(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["examples"]) == 0
    out = capsys.readouterr().out
    expected = []
    for path in sorted(example_files(), key=lambda p: p.parent.name):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        expected.append(f"{path.parent.name}\t{' '.join((spec.get('description') or spec['title']).split())}\n")
    assert out == "".join(expected)
    assert out.startswith("classic-2-2-2\tThe classic 2-2-2 sigmoid network") or "\nclassic-2-2-2\t" in out
    # the expression examples are listed among the networks, with their own description
    assert "\ncs231n-circuit\tThe first circuit of CS231n's notes on backpropagation" in out
    assert {"cs231n-circuit", "sigmoid-neuron", "variable-twice"} <= {line.split("\t")[0] for line in out.splitlines()}


def test_stdout_is_utf8_whatever_the_locale(problem: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A title with ü and ∂ prints as UTF-8 even when Python thinks stdout is ASCII (LANG=C)."""
    problem.write_text(BASE_YAML.replace("title: The classic 2-2-2 network", "title: Rückwärts ∂E"),
                       encoding="utf-8")
    raw = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(raw, encoding="ascii"))
    assert main(["run", str(problem)]) == 0
    assert raw.getvalue().decode("utf-8").startswith("# Rückwärts ∂E\n")


def test_closed_pipe_is_quiet(tmp_path: Path) -> None:
    """``tracer run | head -c 1``: no BrokenPipeError traceback when the reader leaves early.

    The log of a 6-12-6 network is far larger than a pipe's buffer, so the write does break."""
    layers = [6, 12, 6]
    big = {"network": {"layers": layers, "init": {"seed": 1}}, "training": {"learning_rate": 0.1},
           "data": [{"input": [0.5] * 6, "target": [0.5] * 6}]}
    (tmp_path / "big.yaml").write_text(yaml.safe_dump(big))
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen([sys.executable, "-m", "tracer", "run", "big.yaml", "--format", "json"],
                               cwd=tmp_path, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.read(1) == b"{"
    process.stdout.close()
    assert process.wait(timeout=120) == 0
    assert process.stderr.read() == b""
