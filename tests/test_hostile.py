"""Issue 17: hostile, huge and broken input, and the command-line conventions people expect.

Each refusal is checked whole: exit status 2, exactly the one line on standard error, and
no file created or altered (the folder's tree is the same before and after).
"""
from __future__ import annotations

import fcntl
import io
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tracer import Problem, ProblemError, trace
from tracer.cli import main

ROOT = Path(__file__).resolve().parent.parent
CLASSIC = (ROOT / "worked_examples" / "classic-2-2-2" / "problem.yaml").read_text(encoding="utf-8")
#: Right answers of the classic 2-2-2 example (Mazur's article), 4 decimals.
RIGHT = {"out_h1": "0.5933", "out_h2": "0.5969", "E_total": "0.2984"}


def tree(folder: Path) -> dict[str, tuple[int, bytes | str]]:
    """Every entry under ``folder``: its mode and its bytes (or a link's target)."""
    out: dict[str, tuple[int, bytes | str]] = {}
    for path in sorted(folder.rglob("*")):
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode):
            out[str(path.relative_to(folder))] = (st.st_mode, os.readlink(path))
        elif stat.S_ISREG(st.st_mode):
            out[str(path.relative_to(folder))] = (st.st_mode, path.read_bytes())
        else:
            out[str(path.relative_to(folder))] = (st.st_mode, b"")
    return out


def refused(argv: list[str], line: str, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Status 2, exactly ``line`` on stderr, nothing on stdout, ``folder`` untouched."""
    before = tree(folder)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err == f"tracer: {line}\n"
    assert captured.out == ""
    assert tree(folder) == before


def problem_file(tmp_path: Path, text: str, name: str = "p.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- 1. one bad file must not sink a class ------------------------------------------------
def test_a_class_folder_gives_every_entry_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    klass = tmp_path / "class"
    klass.mkdir()
    (klass / "anna.yaml").write_text("".join(f"{k}: {v}\n" for k, v in RIGHT.items()))
    (klass / "ben.json").write_text('{"answers": [1, 2]}')
    (klass / "carl.yaml").write_text("out_h1: 0.5933\nremarks: [a, b]\n")
    (klass / "dora.txt").write_text("out_h1 = 0,5933\nout_h2 = abc\nE_total = 1e999999\n")
    (klass / "subfolder").mkdir()
    (klass / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    out = tmp_path / "feedback"
    assert main(["check", "classic-2-2-2", str(klass), "-o", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"tracer: {klass / 'ben.json'}: field 'answers': found a list; expected a number\n"
    summary = captured.out.splitlines()
    assert summary[1] == "3 answer files checked: 1 all correct, mean score 100%; 1 could not be read"
    assert summary[-2:] == [f"skipped: {klass / 'gone.yaml'}: a broken link, not an answers file",
                            f"skipped: {klass / 'subfolder'}: a folder, not an answers file"]
    carl = (out / "carl.txt").read_text()
    assert "not read: line 2: remarks: expected a mapping of names to texts" in carl
    dora = (out / "dora.txt").read_text()
    assert "correct  out_h1" in dora                                     # 0,5933 read as 0.5933
    assert "not read: line 2: out_h2: found 'abc'; expected a number" in dora
    assert ("not read: line 3: E_total: found '1e999999'; expected a number of at most 40 digits between "
            "1e-100 and 1e100") in dora
    assert sorted(p.name for p in out.iterdir()) == ["anna.txt", "carl.txt", "class-summary.txt", "dora.txt"]


def test_one_bad_line_is_reported_and_the_rest_graded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = problem_file(tmp_path, "out_h1 = 0,5933\nout_h2 = [1]\nE_total = 0." + "1" * 300 + "\n", "a.txt")
    assert main(["check", "classic-2-2-2", str(answers), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [(r["name"], r["verdict"]) for r in report["records"]] == [("out_h1", "correct")]
    assert report["not_read"] == ["line 2: out_h2: found '[1]'; expected a number",
                                  "line 3: E_total: found '0.11111111111111111111111111111111111111'; expected a "
                                  "number of at most 40 digits between 1e-100 and 1e100"]


# --- 2. YAML ---------------------------------------------------------------------------------
BOMB = "".join(f"{chr(97 + k)}: &{chr(97 + k)} [" + ",".join([f"*{chr(96 + k)}" if k else '"lol"'] * 9) + "]\n"
               for k in range(9))


@pytest.mark.parametrize("text, line", [
    (BOMB, "top level: found aliases that expand to more than 10,000 values beyond those written out; expected "
           "aliases adding at most 10,000 values"),
    ("a: &a [*a]\n", "line 1: found an alias inside the anchor it refers to (a value that contains itself); "
                     "expected a finite value"),
    (CLASSIC + "title: again\n", "line 21: found the key 'title' again (first on line 1); expected each key once "
                                 "in a mapping"),
    (CLASSIC.replace("learning_rate: 0.5", "learning_rate: 1:30"),
     "training.learning_rate: found '1:30'; expected a learning rate greater than 0"),
    (CLASSIC.replace("update_biases: false", "update_biases: yes"),
     "training.update_biases: found 'yes'; expected true or false"),
    ("[" * 200 + "]" * 200, "line 1: found nesting deeper than 100 levels; expected at most 100 levels of lists and "
                            "mappings"),
    ("x: " + "9" * 5000 + "\n", "line 1: found a whole number of 5000 digits; expected at most 4,000 digits"),
])
def test_hostile_yaml_is_one_line(text: str, line: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = problem_file(tmp_path, text)
    start = time.perf_counter()
    refused(["run", str(path), "-o", str(tmp_path / "out.md")], f"{path}: {line}", tmp_path, capsys)
    assert time.perf_counter() - start < 2


def test_a_huge_file_is_refused_unread(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = problem_file(tmp_path, "# " + "x" * (1 << 20) + "\n")
    refused(["run", str(path)], f"{path}: found a file of more than 1,048,576 bytes; expected a problem file "
                                "of at most 1 MiB", tmp_path, capsys)


def test_an_alias_bomb_in_an_answers_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = problem_file(tmp_path, BOMB, "a.yaml")
    refused(["check", "classic-2-2-2", str(path)], f"{path}: found aliases that expand to more than 10,000 "
            "values beyond those written out; expected aliases adding at most 10,000 values", tmp_path, capsys)


def test_an_error_shows_a_short_excerpt_of_a_huge_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = problem_file(tmp_path, CLASSIC.replace("learning_rate: 0.5", "learning_rate: [" + "1, " * 50000 + "1]"))
    # 60 characters: the first 57 of the value's text and "..."
    excerpt = "[" + "1, " * 18 + "1,..."
    refused(["run", str(path)], f"{path}: training.learning_rate: found {excerpt}; expected a learning rate greater "
                                "than 0", tmp_path, capsys)


# --- 3. limits before computing ----------------------------------------------------------------
@pytest.mark.parametrize("old, new, line", [
    ("layers: [2, 2, 2]", "layers: [100000000, 2, 2]",
     "network.layers: found [100000000, 2, 2], 200,000,008 weights and biases; expected at most 1,000,000 weights "
     "and biases (smaller layers)"),
    ("epochs: 1", "epochs: 1000000",
     "training.epochs: found 1,000,000 epochs of 1 step, 1,000,000 steps; expected at most 100,000 steps in all "
     "(fewer epochs, or a larger batch_size)"),
    ("epochs: 1\n", "epochs: 10000\n",
     "show_steps: found 10,000 steps recorded in full, about 560,000 entries; expected at most 200,000 recorded "
     "entries (record fewer steps, e.g. show_steps: [1, last])"),
])
def test_limits_are_checked_before_computing(old: str, new: str, line: str, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = problem_file(tmp_path, CLASSIC.replace(old, new) + ("show_steps: all\n" if "10000" in new else ""))
    start = time.perf_counter()
    refused(["run", str(path), "-o", str(tmp_path / "o.md")], f"{path}: {line}", tmp_path, capsys)
    assert time.perf_counter() - start < 2


def test_the_entry_estimate_bounds_the_real_count() -> None:
    from tracer.model.problem import recorded_entries
    log = trace(Problem.from_text(CLASSIC))
    assert len(log.entries) == 43 <= recorded_entries((2, 2, 2), 1, 1) == 56   # (1 + 1) * 12 + 8 * 4


# --- 4. NaN and infinity arising in training ------------------------------------------------------
def test_overflow_in_training_stops_with_the_step_and_quantity(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = problem_file(tmp_path, "network: {layers: [1, 1], activation: linear, weights: [[[1.0e300]]], "
                                  "biases: [[0]]}\ntraining: {learning_rate: 0.5}\n"
                                  "data: [{input: [1.0e10], target: [0]}]\n")
    refused(["run", str(path), "--format", "json", "-o", str(tmp_path / "log.json")],
            f"{path}: step 1: net_o1 is infinity (the numbers overflowed, or a log of 0 was taken); expected finite "
            "values (a smaller learning_rate, smaller weights or inputs, or another loss)", tmp_path, capsys)


def test_log_of_zero_in_training_names_the_derivative(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = problem_file(tmp_path, "network: {layers: [1, 1], activation: sigmoid, weights: [[[100]]], "
                                  "biases: [[0]]}\nloss: binary_cross_entropy\ntraining: {learning_rate: 0.5}\n"
                                  "data: [{input: [10], target: [0]}]\n")
    refused(["check", str(path), str(problem_file(tmp_path, "out_o1 = 1\n", "a.txt"))],
            f"{path}: step 1: dE/dout_o1 is infinity (the numbers overflowed, or a log of 0 was taken); expected "
            "finite values (a smaller learning_rate, smaller weights or inputs, or another loss)", tmp_path, capsys)


# --- 5. output files ---------------------------------------------------------------------------------
def test_outputs_that_must_not_be_replaced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "target.md"
    target.write_text("precious\n")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    fifo = tmp_path / "fifo.md"
    os.mkfifo(fifo)
    readonly = tmp_path / "readonly.md"
    readonly.write_text("keep\n")
    readonly.chmod(0o444)
    expected = "expected a file path in an existing folder (a regular, writable file or a new one; - for standard output)"
    for path, why in ((link, "a symbolic link (replacing it would not write its target)"),
                      (fifo, "not a regular file (a FIFO, socket or device)"), (readonly, "a read-only file"),
                      (tmp_path / "none" / "x.md", "in no existing folder")):
        refused(["run", "-o", str(path)], f"-o: found '{path}', {why}; {expected}", tmp_path, capsys)
        refused(["check", "classic-2-2-2", str(ROOT / "worked_examples" / "xor" / "article_answers.yaml"),
                 "-o", str(path)], f"-o: found '{path}', {why}; {expected}", tmp_path, capsys)


def test_dev_null_and_dash(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["run", "-o", os.devnull]) == 0
    assert main(["run", "--format", "json", "-o", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["format"] == "tracer-trace"
    assert list(tmp_path.iterdir()) == []                                # no '-' and no '-.svg'


def test_ctrl_c_and_sigterm_leave_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import tracer.finite
    from tracer.cli import Terminated
    for raised, status, word in ((KeyboardInterrupt, 130, "interrupted"), (Terminated, 143, "terminated")):
        def stop(problem: Problem, exc: type[BaseException] = raised) -> None:
            raise exc()
        monkeypatch.setattr(tracer.finite, "trace", stop)
        before = tree(tmp_path)
        assert main(["run", "-o", str(tmp_path / "walk.md")]) == status
        assert capsys.readouterr().err == f"tracer: {word}; nothing was written\n"
        assert tree(tmp_path) == before


def _wait_for_sigterm_handler(pid: int, limit: float = 60.0) -> None:
    """Until tracer has installed its SIGTERM handler (bit 15 of /proc/PID/status's SigCgt):
    a fixed sleep raced the imports on a loaded machine (2.7 s at load 10) and killed the
    interpreter before tracer could answer."""
    status = Path(f"/proc/{pid}/status")
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            caught = next(line for line in status.read_text().splitlines() if line.startswith("SigCgt:"))
        except (OSError, StopIteration):
            return                                  # finished already, or no /proc: terminate now
        if int(caught.split()[1], 16) & (1 << (signal.SIGTERM - 1)):
            time.sleep(0.2)                         # into the run itself
            return
        time.sleep(0.05)


def test_sigterm_during_a_real_run_leaves_no_temporary_file(tmp_path: Path) -> None:
    problem = problem_file(tmp_path, CLASSIC.replace("epochs: 1", "epochs: 90000"))
    process = subprocess.Popen([sys.executable, "-m", "tracer", "run", str(problem), "-o", str(tmp_path / "w.md")],
                               cwd=ROOT, stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    _wait_for_sigterm_handler(process.pid)
    process.terminate()
    _, err = process.communicate(timeout=60)
    if process.returncode == 0:
        pytest.skip("the run finished before it could be terminated")
    assert (process.returncode, err) == (143, b"tracer: terminated; nothing was written\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.yaml"]


def test_renames_wait_for_the_folder_lock(tmp_path: Path) -> None:
    """A second run's files go in only when the first run's renames are done: never mixed."""
    from tracer.outputs import write_files
    fd = os.open(tmp_path, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)                 # another run is renaming its files
    writer = threading.Thread(target=write_files, args=({tmp_path / "a.md": "A", tmp_path / "a.svg": "<svg/>"},))
    writer.start()
    time.sleep(0.3)
    assert not (tmp_path / "a.md").exists() and not (tmp_path / "a.svg").exists()
    os.close(fd)
    writer.join(5)
    assert (tmp_path / "a.md").read_text() == "A" and (tmp_path / "a.svg").read_text() == "<svg/>"


# --- 6. tolerances --------------------------------------------------------------------------------
@pytest.mark.parametrize("tolerance", ["1e400", "1000%", "100sf", "0sf", "nan", "-1", "1001"])
def test_absurd_tolerances(tolerance: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = problem_file(tmp_path, "out_h1 = 0.5933\n", "a.txt")
    refused(["check", "classic-2-2-2", str(answers), "--tolerance", tolerance, "-o", str(tmp_path / "r.txt")],
            f"--tolerance: found {tolerance!r}; expected an absolute amount up to 1000 (0.001), a relative one up to "
            "100% (1%) or 1 to 15 significant figures (3sf)", tmp_path, capsys)


# --- 7. escaping ------------------------------------------------------------------------------------
def test_mathjax_delimiters_in_a_title_reach_the_page_escaped(tmp_path: Path) -> None:
    from tracer.render.escape import markdown_text
    assert markdown_text(r"\(x\) and \[y\]") == r"\\\\(x\\\\) and \\\\[y\\\\]"  # the page: \\(x\\) and \\[y\\]
    log = trace(Problem.from_text(CLASSIC.replace("title: A step-by-step backpropagation example",
                                                  r"title: '\(x\) A step-by-step backpropagation example'")))
    assert log.to_markdown().startswith("# \\\\\\\\(x\\\\\\\\) A step-by-step backpropagation example\n")


def test_terminal_control_characters_print_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = problem_file(tmp_path, 'out_h1: 0.5933\nnotes: "\\e]0;owned\\a\\e[2J"\n', "a.yaml")
    assert main(["check", "classic-2-2-2", str(answers)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "  \\x1b]0;owned\\x07\\x1b[2J\n" in out


def test_students_with_the_same_display_name_get_distinct_reports(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    klass = tmp_path / "class"
    klass.mkdir()
    for name in ("a.txt", "a.yaml", "a.txt.yaml", "Anna.yaml", "anna.yaml"):
        (klass / name).write_text("out_h1 = 0.5933\n" if name.endswith(".txt") else "out_h1: 0.59\n")
    out = tmp_path / "out"
    assert main(["check", "classic-2-2-2", str(klass), "-o", str(out)]) == 0
    # a.txt and a.yaml share a stem, so both get their full name, and a.txt.yaml's stem is a.txt;
    # Anna and anna differ only in case (one file on a case-blind disk)
    assert sorted(p.name for p in out.iterdir()) == ["Anna.txt", "a.txt-2.txt", "a.txt.txt", "a.yaml.txt",
                                                     "anna-2.txt", "class-summary.txt"]


# --- 8. templates ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("template, line", [
    ('{% include "document.md.j2" %}\n', "line 1: template error: templates that include or extend each other "
                                         "without end (an include loop)"),
    ("ok\n{{ no_such }}\n", "line 2: template error: 'no_such' is undefined"),
    ("ok\n{% if %}\n", "line 2: template error: Expected an expression, got 'end of statement block'"),
    ("{{ cycler.__init__.__globals__.os }}\n", "line 1: template error: an operation the sandbox refuses "
                                               "(access to attribute '__init__' of 'type' object is unsafe.)"),
])
def test_template_errors_name_the_file_and_line(template: str, line: str, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "document.md.j2").write_text(template)
    refused(["run", "--templates", str(folder), "-o", str(tmp_path / "w.md")],
            f"{folder / 'document.md.j2'}: {line}; expected a jinja2 template that renders (see templates/README.md)",
            tmp_path, capsys)


# --- 9. Unicode PDFs ------------------------------------------------------------------------------------
def test_greek_and_cjk_titles_make_a_pdf(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tracer.render.pdf import tex_command, unicode_engine
    try:
        tex_command()
    except ProblemError:
        pytest.skip("no TeX installation")
    if unicode_engine() is None or shutil.which("kpsewhich") is None or subprocess.run(
            ["kpsewhich", "fontspec.sty"], capture_output=True, check=False).returncode != 0:
        pytest.skip("no LuaLaTeX or XeLaTeX with fontspec (apt-get install texlive-luatex fonts-noto-cjk)")
    path = problem_file(tmp_path, "title: σ and ∂ 中文 A step-by-step\nnetwork: {layers: [1, 1], weights: [[[0.5]]], "
                                  "biases: [[0.1]]}\ntraining: {learning_rate: 0.5}\ndata: [{input: [1], target: [0]}]\n")
    out = tmp_path / "w.pdf"
    assert main(["run", str(path), "-o", str(out)]) == 0                   # the format follows -o's extension
    assert out.read_bytes().startswith(b"%PDF")
    from pypdf import PdfReader
    assert PdfReader(out).pages[0].extract_text().startswith("σ and ∂ 中文 A step-by-step")


# --- 10. command-line conventions ------------------------------------------------------------------------
def test_version_and_bare_tracer(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out == "tracer 0.1.0\n"
    assert main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: tracer [-h] [--version] COMMAND ...")
    assert all(name in err for name in ("run", "examples", "check", "variants"))


def test_format_help_shows_its_default(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    assert "default: md, or what the -o file's extension says" in " ".join(capsys.readouterr().out.split())


def test_the_format_follows_the_output_extension(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "-o", str(tmp_path / "log.json")]) == 0
    assert json.loads((tmp_path / "log.json").read_text())["format"] == "tracer-trace"
    refused(["run", "--format", "md", "-o", str(tmp_path / "x.pdf")],
            f"--format: found md with -o '{tmp_path / 'x.pdf'}', a .pdf file name; expected the two to agree "
            "(--format pdf, or -o FILE.md)", tmp_path, capsys)


@pytest.mark.parametrize("argv, line", [
    (["run", "--fragment"], "--fragment: found with --format md, where it does nothing; expected --format tex "
                            "(a LaTeX body to \\input) or html (a page body to embed; Markdown is always a "
                            "fragment)"),
    (["run", "--max-terms", "1"], "--max-terms: found '1'; expected a whole number of terms of at least 2"),
    (["variants", "exercise-2-2-1", "-o", "-"], "-o: found '-', standard output; expected a folder (created if "
                                                "missing) in an existing folder"),
])
def test_conventions_refused(argv: list[str], line: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    if argv[0] == "run" and "--max-terms" in argv:
        with pytest.raises(SystemExit) as done:
            main(argv)
        assert done.value.code == 2 and capsys.readouterr().err == f"tracer: {line}\n"
        return
    refused(argv, line, tmp_path, capsys)


def test_output_into_a_missing_folder_is_refused_alike(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = str(ROOT / "worked_examples" / "xor" / "article_answers.yaml")
    missing = tmp_path / "no" / "r.txt"
    refused(["check", "xor", answers, "-o", str(missing)],
            f"-o: found '{missing}', in no existing folder; expected a file path in an existing folder (a regular, "
            "writable file or a new one; - for standard output)", tmp_path, capsys)
    klass = tmp_path / "k"
    klass.mkdir()
    (klass / "a.yaml").write_text("out_h1: 0.5\n")
    refused(["check", "classic-2-2-2", str(klass), "-o", str(tmp_path / "no" / "reports")],
            f"-o: found '{tmp_path / 'no' / 'reports'}', in no existing folder; expected a folder for the reports "
            "(created if missing) in an existing folder", tmp_path, capsys)


def test_run_reads_standard_input(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(CLASSIC.encode()))
    monkeypatch.setattr(sys, "stdin", stdin)
    assert main(["run", "-", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["problem"]["title"] == "A step-by-step backpropagation example"


# --- 11. variants ------------------------------------------------------------------------------------------
def test_variants_progress_and_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tracer import examples
    from tracer.sheets.variants import Progress, write_variants
    stream = io.StringIO()
    out = tmp_path / "week3"
    write_variants(examples.load("exercise-2-2-1"), out, 3, 1, pdf=False, progress=Progress(stream, after=0))
    assert stream.getvalue().splitlines() == [f"tracer: variants: variant 0{k} of 3 drawn ({n})"
                                              for k, n in zip((1, 2, 3), _draws(3))]
    refused(["variants", "exercise-2-2-1", "--count", "2", "-o", str(out), "--no-pdf"],
            f"-o: found '{out}' holding 4 entries (01, 02, 03, ...); expected a new or empty folder, or --force to "
            "replace an earlier run's variants whole", tmp_path, capsys)
    assert main(["variants", "exercise-2-2-1", "--count", "2", "-o", str(out), "--no-pdf", "--force"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["01", "02", "index.md"]   # no stale 03
    assert sorted(p.name for p in tmp_path.iterdir()) == ["week3"]             # no staging folder left


def _draws(count: int) -> list[str]:
    from tracer import examples
    from tracer.sheets.variants import asked_entries, spec_of, variant
    problem = examples.load("exercise-2-2-1")
    tries = [variant(problem, spec_of(problem), 1, k, 2, asked_entries(problem)).tries for k in range(1, count + 1)]
    return [f"{t} draw{'s' * (t != 1)}" for t in tries]


# --- 12. Python API ------------------------------------------------------------------------------------------
def test_a_missing_name_suggests_the_log_s_own() -> None:
    log = trace(Problem.from_text(CLASSIC))
    with pytest.raises(KeyError) as missing:
        log["out_h"]
    assert missing.value.args[0] == ("'out_h': no such quantity; did you mean 'out_h1', 'out_h2', 'out_o2'? "
                                     "(names as the walkthrough prints them, e.g. 'net_h1')")
    with pytest.raises(KeyError, match=r"'out_h1@2': out_h1 is not recorded at step 2; recorded steps: 1"):
        log["out_h1@2"]


def test_problem_built_directly_is_validated() -> None:
    import dataclasses
    good = Problem.from_text(CLASSIC)
    fields = {f.name: getattr(good, f.name) for f in dataclasses.fields(good) if f.name != "checked"}
    assert Problem(**fields) == good
    with pytest.raises(ProblemError, match=r"^Problem\(\.\.\.\): training\.learning_rate: found -1\.0; expected a "
                                           r"learning rate greater than 0$"):
        Problem(**{**fields, "training": dataclasses.replace(good.training, learning_rate=-1.0)})
    with pytest.raises(ProblemError, match=r"^Problem\(\.\.\.\): network\.weights\[0\]: found a 1×2 matrix"):
        Problem(**{**fields, "weights": (((0.1, 0.2),), good.weights[1])})
