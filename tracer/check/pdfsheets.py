"""Feedback sheets as PDF (``tracer check ... --format pdf``): the LaTeX sheets, compiled.

Each student's sheet is its own LaTeX document compiled by ``render/pdf.compile_pdf``
(latexmk, usually two pdflatex runs: the tables settle their widths on the second),
about 0.5 s a sheet on this machine. A class's sheets are compiled a few at a time in
parallel (``PDF_WORKERS``, as ``tracer variants`` does): a class of 30 takes about 8 s on
2 cores instead of 15 s (benchmarks/bench_check.py measures it). Compiling the class as
one document and splitting its pages would need a PDF library; LaTeX's own start-up is
what one run per sheet repeats, and it is small next to the pages.
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
