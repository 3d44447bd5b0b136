"""PDF through latexmk (or pdflatex), with a clear error when no TeX is installed."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import ProblemError

#: pdflatex alone: a long table settles its column widths on a second run, rarely a third.
PDFLATEX_RUNS = 3
PDFLATEX = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error"]


def tex_command() -> list[str]:
    if shutil.which("latexmk"):
        return ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-quiet"]
    if shutil.which("pdflatex"):
        return list(PDFLATEX)
    raise ProblemError("--format pdf: no TeX installation found (latexmk or pdflatex); expected TeX Live, "
                       "e.g. apt-get install latexmk texlive-latex-base texlive-latex-recommended texlive-pictures")


def reproducible_env() -> dict[str, str]:
    """pdfTeX stamps the time into a PDF unless SOURCE_DATE_EPOCH fixes it: the same problem
    must give a byte-identical PDF (a date the user set is kept)."""
    return {**os.environ, "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", "0"),
            "FORCE_SOURCE_DATE": "1"}


def compile_pdf(tex: str, quick: bool = False) -> bytes:
    """Compile in a private temporary folder; return the PDF bytes.

    latexmk reruns LaTeX until cross-references and longtable widths settle; with plain
    pdflatex we rerun while its log asks for it. ``quick``: plain pdflatex even when
    latexmk is there: a document without long tables or references then takes one run
    (0.17 s of CPU for a feedback sheet) where latexmk takes two and its own start (0.46 s),
    as on a fresh folder the .aux the first run writes counts as changed.
    """
    command = tex_command()
    if quick and command[0] == "latexmk" and shutil.which("pdflatex"):
        command = list(PDFLATEX)
    with tempfile.TemporaryDirectory(prefix="tracer-pdf-") as tmp:
        source = Path(tmp) / "walkthrough.tex"
        source.write_text(tex, encoding="utf-8")
        log = source.with_suffix(".log")
        runs = 1 if command[0] == "latexmk" else PDFLATEX_RUNS
        for _ in range(runs):
            result = subprocess.run([*command, source.name], cwd=tmp, capture_output=True, text=True,
                                    timeout=600, stdin=subprocess.DEVNULL, env=reproducible_env())
            if result.returncode != 0 or not _asks_rerun(log):
                break
        pdf = source.with_suffix(".pdf")
        if result.returncode != 0 or not pdf.is_file():
            first = next((line for line in (log.read_text(errors="replace").splitlines() if log.is_file() else [])
                          if line.startswith("!")), "see the LaTeX log")
            raise ProblemError(f"--format pdf: LaTeX failed: {first.lstrip('! ')}")
        return pdf.read_bytes()


def _asks_rerun(log: Path) -> bool:
    """pdflatex's log says a second run would change the output (references, table widths)."""
    return log.is_file() and "Rerun" in log.read_text(errors="replace")
