"""Performance figures of ``tracer export`` (issue 14).

    python3 benchmarks/bench_export.py

Not a test: it prints each figure beside the issue's target and marks a miss with NO.
30 variants of the exercise-2-2-1 example exported to each target (drawing, tracing, the
answer keys and the writing of every file, in-process: the whole ``tracer export`` command
but Python's start-up): under 5 s each. The best of 3 runs is shown.

Then the feedback coming back: ``tracer check exercise-2-2-1 CLASS --format pdf -o DIR`` for
a class of 30 answer files (each with one slip carried forward), a PDF sheet per student
and the class summary: wall time and CPU time (tracer's and its pdflatex children's),
beside the CPU time the same 31 sheets take compiled one at a time with latexmk (what
``--format pdf`` of ``tracer run`` does per document).
"""
from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracer import examples
from tracer.cli import main

TARGET_SECONDS = 5.0
OUTPUTS = {"moodle": "quiz.xml", "canvas": "quiz.zip", "prairielearn": "question"}


def run(target: str) -> float:
    best = float("inf")
    for _ in range(3):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            saved = os.dup(1)
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1)      # the command's one line of output
            try:
                code = main(["export", "exercise-2-2-1", "--to", target, "--count", "30", "--seed", "2026",
                             "-o", str(Path(tmp) / OUTPUTS[target])])
            finally:
                os.dup2(saved, 1)
            best = min(best, time.perf_counter() - start)
            assert code == 0
    return best


def cpu() -> float:
    """User + system seconds of this process and its finished children (pdflatex, latexmk)."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def class_of(folder: Path, n: int = 30) -> Path:
    """n answer files to the base exercise: student k's dE/dw5 is off by k/10000, and
    carried into w5+ (0.5 - 0.5 * dE/dw5)."""
    from tracer.engine.trace import trace
    from tracer.sheets.exercise import Exercise
    key = Exercise(trace(examples.load("exercise-2-2-1"))).answers
    klass = folder / "class"
    klass.mkdir()
    for k in range(1, n + 1):
        slip = float(key["dE/dw5"]) + k / 10000
        answers = {**key, "dE/dw5": f"{slip:.4f}", "w5+": f"{0.5 - 0.5 * slip:.4f}"}
        (klass / f"s{k:02d}.txt").write_text("".join(f"{a} = {b}\n" for a, b in answers.items()))
    return klass


def feedback_pdfs() -> None:
    from tracer.render.pdf import compile_pdf
    with tempfile.TemporaryDirectory() as tmp:
        klass = class_of(Path(tmp))
        out = Path(tmp) / "feedback"
        start, used = time.perf_counter(), cpu()
        saved = os.dup(1)
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)          # the class summary printed
        try:
            code = main(["check", "exercise-2-2-1", str(klass), "--format", "pdf", "-o", str(out)])
            wall, cpu_s = time.perf_counter() - start, cpu() - used
            main(["check", "exercise-2-2-1", str(klass), "--format", "tex", "-o", str(Path(tmp) / "tex")])
        finally:
            os.dup2(saved, 1)
        assert code == 1 and len(list(out.glob("*.pdf"))) == 31
        used = cpu()
        for tex in sorted((Path(tmp) / "tex").glob("*.tex")):
            compile_pdf(tex.read_text())
        one_by_one = cpu() - used
    print(f"feedback PDFs, class of 30 + summary    {wall:6.2f} s wall {cpu_s:6.2f} s cpu   "
          f"(latexmk one sheet at a time: {one_by_one:.2f} s cpu; load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    for target in OUTPUTS:
        seconds = run(target)
        mark = "ok" if seconds < TARGET_SECONDS else "NO"
        print(f"export 30 variants --to {target:<13} {seconds:6.2f} s   (target < {TARGET_SECONDS:g} s) {mark}")
    feedback_pdfs()
