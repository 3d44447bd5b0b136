"""Performance figures of ``tracer check`` (issue 5).

    python3 benchmarks/bench_check.py

Not a test: it prints each figure beside the issue's target and marks a miss with NO.
- one answer file against the 2-2-2 example, in-process after warm-up: under 20 ms
  (read + match + judge + terminal report; the problem is traced once, as ``tracer check``
  over a folder does; the figure with loading and tracing the problem is printed too);
- a class of 500 answer files for seed 002's network (relu-blog): under 10 s for the
  whole ``tracer check relu-blog FOLDER -o OUT`` (a report each and the class summary);
- issue 18: judging those 500 files with the mistakes named (``Checker.check``) within 2x
  the time without (``diagnose=False``, the checker as it was before mistakes were named).
"""
from __future__ import annotations

import contextlib
import io
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracer import examples
from tracer.check import Checker, load_answers, parse_answers
from tracer.check.report import text_report
from tracer.cli import main

STUDENT = """\
# a student's answers to the 2-2-2 example, one slip carried through
net_h1 = 0.3775
out_h1 = 0.5933
out_h2 = 0.5969
net_o1 = 1.1059
out_o1 = 0.7514
out_o2 = 0.7729
E_total = 0.2984
dE/dout_o1 = 0.7414
dout_o1/dnet_o1 = 0.1868
delta_o1 = 0.1385
dE/dw5 = 0.0922          # slip: 0.0822
w5+ = 0.3539             # carried: 0.4 - 0.5 * 0.0922
dE/dw1 = 0.000439
w1+ = 0.14978
"""


def timed(fn, repeat: int) -> tuple[float, float]:
    """Median wall-clock and CPU seconds of ``repeat`` calls after five warm-up calls."""
    for _ in range(5):
        fn()
    walls, cpus = [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def report(label: str, seconds: tuple[float, float], target: float | None, unit: str = "ms") -> None:
    """Wall-clock and CPU seconds: on a shared machine the CPU time is the reliable figure."""
    scale = 1000 if unit == "ms" else 1
    wall, cpu = seconds
    figures = f"{label:<66} {wall * scale:8.2f} {unit} wall {cpu * scale:8.2f} {unit} cpu"
    if target is None:
        print(f"{figures}   (no target)")
        return
    verdict = "ok" if wall <= target else "ok in cpu time (machine busy)" if cpu <= target else "NO"
    print(f"{figures}   target {target * scale:g} {unit}   {verdict}")


def one_file(folder: Path) -> None:
    path = folder / "student.txt"
    path.write_text(STUDENT, encoding="utf-8")
    problem = examples.load("classic-2-2-2")
    checker = Checker(problem)
    result = checker.check(load_answers(path))
    assert [r.verdict for r in result.records].count("carried") == 1, "the sample slip is carried"
    report("2-2-2: check one answer file (read, match, judge, text report)",
           timed(lambda: text_report(checker.check(load_answers(path))), 200), 0.020)
    report("2-2-2: the same with loading and tracing the problem",
           timed(lambda: text_report(Checker(examples.load("classic-2-2-2")).check(load_answers(path))), 50),
           None)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def class_of(folder: Path, n: int) -> Path:
    """n answer files for relu-blog: every quantity of step 1, some with a slip (seeded)."""
    checker = Checker(examples.load("relu-blog"))
    rng = random.Random(2026)
    entries = checker.log.entries
    klass = folder / "class"
    klass.mkdir()
    for k in range(n):
        slip = rng.randrange(len(entries)) if rng.random() < 0.7 else None
        lines = []
        for e in entries:
            value = e.value * (1.5 if e.index == slip else 1.0)
            lines.append(f"{e.name}: {value:.6f}")
        suffix = (".yaml", ".json", ".txt")[k % 3]
        text = "\n".join(lines) + "\n"
        if suffix == ".json":
            text = "{" + ", ".join(f'"{a}": {b.strip()}' for a, b in (ln.split(": ") for ln in lines)) + "}"
        elif suffix == ".txt":
            text = text.replace(": ", " = ")
        (klass / f"student{k:03d}{suffix}").write_text(text, encoding="utf-8")
    return klass


def class_run(folder: Path, klass: Path, fmt: str) -> tuple[float, float]:
    out = folder / f"feedback-{fmt}"
    start, cpu = time.perf_counter(), time.process_time()
    with contextlib.redirect_stdout(io.TextIOWrapper(io.BytesIO(), encoding="utf-8")):
        status = main(["check", "relu-blog", str(klass), "-o", str(out), "--format", fmt])
    seconds = time.perf_counter() - start, time.process_time() - cpu
    assert status == 1 and len(list(out.iterdir())) == 501, (status, len(list(out.iterdir())))
    return seconds


def diagnosis(klass: Path) -> None:
    """The 500 files judged in-process, with and without naming mistakes (answers read once)."""
    checker = Checker(examples.load("relu-blog"))
    sheets = [load_answers(p) for p in sorted(klass.iterdir())]
    without = timed(lambda: [checker.check(a, diagnose=False) for a in sheets], 5)
    with_ = timed(lambda: [checker.check(a) for a in sheets], 5)
    wrong = sum(r.verdict == "wrong" for a in sheets for r in checker.check(a).records)
    report(f"relu-blog: judge 500 files ({wrong} wrong answers), mistakes not named", without, None, "s")
    report("relu-blog: the same, mistakes named", with_, 2 * without[1], "s")
    print(f"ratio (cpu) {with_[1] / without[1]:.2f}x   target 2x")
    # the worst case: four wrong answers a file (off by 5% to 100%), none of them a common mistake
    rng = random.Random(18)
    entries = checker.log.entries
    heavy = []
    for _ in range(500):
        slips = set(rng.sample(range(len(entries)), 4))
        lines = [f"{e.name} = {e.value * (1 + rng.uniform(0.05, 1.0)) if e.index in slips else e.value:.6g}"
                 for e in entries]
        heavy.append(parse_answers("\n".join(lines) + "\n", "heavy.txt", "text"))
    without = timed(lambda: [checker.check(a, diagnose=False) for a in heavy], 5)
    with_ = timed(lambda: [checker.check(a) for a in heavy], 5)
    report("relu-blog: judge 500 files with 4 wrong answers each, mistakes not named", without, None, "s")
    report("relu-blog: the same, mistakes named", with_, 2 * without[1], "s")
    print(f"ratio (cpu) {with_[1] / without[1]:.2f}x   target 2x")


def main_() -> None:
    print(f"tracer check benchmarks (python {sys.version.split()[0]})")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        one_file(folder)
        klass = class_of(folder, 500)
        diagnosis(klass)
        for fmt in ("text", "md", "json"):
            report(f"relu-blog: class of 500 answer files, {fmt} reports + class summary",
                   class_run(folder, klass, fmt), 10.0, "s")


if __name__ == "__main__":
    main_()
