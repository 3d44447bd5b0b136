"""Performance figures of ``tracer export`` (issue 14).

    python3 benchmarks/bench_export.py

Not a test: it prints each figure beside the issue's target and marks a miss with NO.
30 variants of the exercise-2-2-1 example exported to each target (drawing, tracing, the
answer keys and the writing of every file, in-process: the whole ``tracer export`` command
but Python's start-up): under 5 s each. The best of 3 runs is shown.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracer.cli import main  # noqa: E402

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


if __name__ == "__main__":
    for target in OUTPUTS:
        seconds = run(target)
        mark = "ok" if seconds < TARGET_SECONDS else "NO"
        print(f"export 30 variants --to {target:<13} {seconds:6.2f} s   (target < {TARGET_SECONDS:g} s) {mark}")
