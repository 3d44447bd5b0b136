"""Performance figures of the walkthroughs (issue 3), each beside a plain-Python floor.

    python3 benchmarks/bench_render.py            # every style, 784-30-10 and its PDF
    python3 benchmarks/bench_render.py --no-pdf   # skip pdflatex (about a minute on its own)

The floor of a rendering is the least work that prints the same numbers: one f-string
per log entry, joined. Not a test: figures over the issue's targets are marked NO.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from common import HEADER, best, row
from problems import SOURCE, classic, mnist_like

from tracer import TraceLog, trace
from tracer.errors import ProblemError
from tracer.render import STYLES, RenderOptions, render_text
from tracer.resources import templates_dir


def floor(log: TraceLog) -> float:
    """Seconds to print every entry's symbol and shown value, and nothing else."""
    return best(lambda: "\n".join([f"{e.latex} = {e.shown}" for e in log.entries]), repeat=5, number=10)


def styles() -> list[str]:
    """The styles whose template exists yet (others are being written)."""
    present = [s for s in STYLES if (templates_dir() / "styles" / f"{s}.j2").is_file()]
    for missing in sorted(set(STYLES) - set(present)):
        print(f"{'style ' + missing:<46} {'skipped: no template yet':>12}")
    return present


def classic_styles() -> bool:
    """Issue 3: the 2-2-2 example in any style, in-process after warm-up: under 30 ms."""
    log = trace(classic())
    base = floor(log)
    ok = True
    for style in styles():
        for fmt in ("md", "tex"):
            options = RenderOptions(style=style)
            seconds = best(lambda fmt=fmt, options=options: render_text(log, fmt, options), repeat=5, number=10)
            ok &= row(f"2-2-2, {style}, {fmt}", seconds, base, 0.030, "ms")
    return ok


def large(pdf: bool) -> bool:
    """Issue 3: 784-30-10, one step, default elision: Markdown and LaTeX under 3 s; the PDF
    compiles. Every style is timed; the issue's figure is the default, chain-rule."""
    log = trace(mnist_like())
    base = floor(log)
    ok = True
    for style in styles():
        tex = ""
        for fmt in ("md", "tex"):
            start = time.process_time()
            text = render_text(log, fmt, RenderOptions(style=style)).text
            seconds = time.process_time() - start
            ok &= row(f"784-30-10, {style}, {fmt} ({len(text) / 1e6:.1f} MB)", seconds, base, 3.0, "s")
            tex = text if fmt == "tex" else tex
        if pdf:
            ok &= compile_pdf(style, tex)
    return ok


def compile_pdf(style: str, tex: str) -> bool:
    """Wall time of the PDF (pdflatex is a separate process), or the reason it failed."""
    from tracer.render.pdf import compile_pdf as compile_
    start = time.perf_counter()
    try:
        size = len(compile_(tex)) / 1e6
    except ProblemError as exc:
        print(f"{'784-30-10, ' + style + ', PDF':<46} FAILED: {exc}")
        return False
    row(f"784-30-10, {style}, PDF ({size:.1f} MB), wall time", time.perf_counter() - start, None, None, "s")
    return True


def main(argv: list[str]) -> int:
    print(f"tracer from {SOURCE}\n{HEADER}")
    ok = classic_styles()
    ok &= large("--no-pdf" not in argv)
    print("\nall targets met" if ok else "\nsome targets missed (NO above)")
    return 0


if __name__ == "__main__":
    os.chdir(Path(__file__).resolve().parent)
    sys.exit(main(sys.argv[1:]))
