"""Compile LaTeX with pdflatex and read its log (shared test helper).

``compile_tex`` compiles a document in a private temporary folder (other files may be put
beside it, for a fragment that a small document ``\\input``s) and returns the log's ``!``
errors and its overfull boxes: a formula wider than the page shows up as an
``Overfull \\hbox``. Without pdflatex the checks skip, except in CI (``CI=true``), where they
fail: CI must prove every LaTeX walkthrough compiles.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.mathcheck import in_ci

#: What a document \\input-ing a --fragment needs (templates/README.md lists the same).
FRAGMENT_PREAMBLE = ("\\documentclass[11pt]{article}\n\\usepackage[utf8]{inputenc}\n"
                     "\\usepackage{amsmath,amssymb}\n\\usepackage{array,booktabs,longtable}\n"
                     "\\usepackage{tikz}\n")

_OVERFULL = re.compile(r"^Overfull \\hbox \((\d+(?:\.\d+)?)pt too wide\) (.*)$", re.M)


@dataclass
class Compiled:
    """What pdflatex said: the exit status, the '!' lines, the overfull boxes, the PDF."""

    returncode: int
    errors: list[str]
    log: str
    pdf: bytes = b""
    overfull: list[tuple[float, str]] = field(default_factory=list)

    def wider_than(self, points: float) -> list[tuple[float, str]]:
        """Overfull boxes sticking out by more than ``points`` (a few points are invisible)."""
        return [(pt, where) for pt, where in self.overfull if pt > points]


def require_pdflatex() -> None:
    """Skip (fail in CI) unless pdflatex is installed."""
    if shutil.which("pdflatex") is None:
        if in_ci():
            pytest.fail("pdflatex is not installed; CI must compile every LaTeX walkthrough")
        pytest.skip("pdflatex is not installed")


def compile_tex(document: str, beside: dict[str, str] | None = None) -> Compiled:
    """Compile ``document`` (plus ``beside``: other files by name) once with pdflatex."""
    require_pdflatex()
    with tempfile.TemporaryDirectory(prefix="tracer-test-tex-") as tmp:
        folder = Path(tmp)
        for name, text in (beside or {}).items():
            (folder / name).write_text(text, encoding="utf-8")
        (folder / "doc.tex").write_text(document, encoding="utf-8")
        run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                             cwd=folder, capture_output=True, text=True, timeout=300,
                             stdin=subprocess.DEVNULL)
        log_file = folder / "doc.log"
        log = log_file.read_text(encoding="utf-8", errors="replace") if log_file.is_file() else run.stdout
        pdf_file = folder / "doc.pdf"
        pdf = pdf_file.read_bytes() if pdf_file.is_file() else b""
    errors = [line for line in log.splitlines() if line.startswith("!")]
    if run.returncode != 0 and not errors:
        errors = [f"pdflatex exited with {run.returncode}"]
    if not pdf and not errors:
        errors = ["no PDF written"]
    overfull = [(float(m.group(1)), m.group(2)) for m in _OVERFULL.finditer(log)]
    return Compiled(run.returncode, errors, log, pdf, overfull)


def assert_compiles(document: str, beside: dict[str, str] | None = None) -> Compiled:
    """Compile and fail the test with pdflatex's own error lines unless it went cleanly."""
    result = compile_tex(document, beside)
    assert result.returncode == 0 and not result.errors, "\n".join(result.errors[:10])
    return result
