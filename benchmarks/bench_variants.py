"""Performance figure of ``tracer variants`` with PDFs (issue 17, item 11).

    python3 benchmarks/bench_variants.py

Not a test: it prints the figure beside the target and marks a miss with NO.
The whole command as a user runs it, in a fresh process, wall time (LaTeX runs in child
processes, two at a time): ``tracer variants exercise-2-2-1 --count 30 --seed 2026 -o DIR``
writes 30 folders with sheets, keys, their Markdown, LaTeX and PDFs, plus the two combined
PDFs (exercises.pdf, answer_keys.pdf). Target: at most 20 s on a 2-core machine.
Best of 3 runs (the machine is shared; the best run says most about tracer).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(os.environ.get("TRACER_SOURCE", Path(__file__).resolve().parent.parent))
TARGET = 20.0


def once(folder: Path) -> float:
    out = folder / "week3"
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "tracer", "variants", "exercise-2-2-1", "--count", "30",
                             "--seed", "2026", "-o", str(out)], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"tracer variants failed: {result.stderr}")
    pdfs = sorted(out.glob("*/*.pdf")) + sorted(out.glob("*.pdf"))
    if len(pdfs) != 62:
        sys.exit(f"expected 60 per-variant PDFs and 2 combined ones, found {len(pdfs)}")
    shutil.rmtree(out)
    return elapsed


def main() -> None:
    if shutil.which("latexmk") is None and shutil.which("pdflatex") is None:
        sys.exit("no TeX installation: nothing to measure")
    with tempfile.TemporaryDirectory() as tmp:
        times = [once(Path(tmp)) for _ in range(3)]
    best = min(times)
    print(f"tracer variants, 30 variants with PDFs and 2 combined PDFs: best {best:.1f} s "
          f"(runs: {', '.join(f'{t:.1f}' for t in times)}), target {TARGET:.0f} s "
          f"{'ok' if best <= TARGET else 'NO'}; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
