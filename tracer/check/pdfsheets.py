"""Feedback sheets as PDF (``tracer check ... --format pdf``): the LaTeX sheets, compiled.

Each student's sheet is its own LaTeX document compiled by ``render/pdf.compile_pdf`` with
pdflatex alone, rerun only when its log asks (a long table settling its widths): one run,
0.17 s of CPU, where latexmk takes two runs and 0.46 s. A class's sheets are compiled two at
a time (``PDF_WORKERS``, as ``tracer variants`` does): a class of 30 and its summary take
6 s of CPU, 4 s of wall time on 2 cores (benchmarks/bench_export.py; latexmk one sheet at a
time: 16 s). Nearly all of a run is LaTeX loading its packages; compiling the class as one
document would do that once, but splitting it into per-student files needs a PDF library.
"""
from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

#: Sheets compiled at once: each latexmk is one process, the machine has 2 cores.
PDF_WORKERS = 2


def compile_sheets(sources: Sequence[str]) -> list[bytes]:
    """Every LaTeX document compiled to PDF, in order; the first LaTeX error stops all."""
    from ..render.pdf import compile_pdf, tex_command
    tex_command()                       # no TeX installed: one clear error before any work
    if len(sources) == 1:
        return [compile_pdf(sources[0], quick=True)]
    with ThreadPoolExecutor(max_workers=PDF_WORKERS) as pool:
        return list(pool.map(lambda tex: compile_pdf(tex, quick=True), sources))
