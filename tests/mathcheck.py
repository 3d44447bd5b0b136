"""Checks that a walkthrough's math is valid where it will be read.

Markdown: every ``$...$`` and ``$$...$$`` fragment is parsed by KaTeX (tests/js, the
renderer MkDocs and Jupyter use; GitHub's MathJax accepts what KaTeX does in strict mode).
LaTeX: the document compiles with pdflatex without an error. Both skip (not pass) when
node/KaTeX or pdflatex is not installed; CI (.ci/run) installs them.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

JS = Path(__file__).resolve().parent / "js"

_DISPLAY_MD = re.compile(r"^\$\$\n(.*?)\n\$\$$", re.S | re.M)
_INLINE = re.compile(r"(?<![\\$])\$(?!\$)((?:[^$\\\n]|\\.)+?)\$")
_DISPLAY_TEX = re.compile(r"\\\[(.*?)\\\]", re.S)


def markdown_math(text: str) -> list[tuple[str, bool]]:
    """Every math fragment of a Markdown text: (tex, display)."""
    displays = [(m.group(1), True) for m in _DISPLAY_MD.finditer(text)]
    rest = _DISPLAY_MD.sub("", text)
    rest = re.sub(r"<svg.*?</svg>", "", rest, flags=re.S)  # an inline diagram is not math
    return displays + [(m.group(1), False) for m in _INLINE.finditer(rest)]


def latex_math(text: str) -> list[tuple[str, bool]]:
    """Every math fragment of a LaTeX text outside the TikZ picture: (tex, display)."""
    text = re.sub(r"\\begin\{tikzpicture\}.*?\\end\{tikzpicture\}", "", text, flags=re.S)
    displays = [(m.group(1), True) for m in _DISPLAY_TEX.finditer(text)]
    rest = _DISPLAY_TEX.sub("", text)
    return displays + [(m.group(1), False) for m in _INLINE.finditer(rest)]


def katex_errors(fragments: list[tuple[str, bool]]) -> list[str]:
    """KaTeX's error for each fragment that does not parse (one node process for all)."""
    if shutil.which("node") is None or not (JS / "node_modules" / "katex").is_dir():
        pytest.skip("node and KaTeX (npm install --prefix tests/js) are needed to parse the math")
    payload = json.dumps([{"tex": tex, "display": display} for tex, display in fragments])
    run = subprocess.run(["node", str(JS / "check_math.js")], input=payload, capture_output=True,
                         text=True, timeout=120, check=True)
    results = json.loads(run.stdout)
    return [f"{err}\n  in: {tex[:300]}" for (tex, _), err in zip(fragments, results) if err]


def pdflatex_errors(document: str) -> list[str]:
    """The '!' error lines of compiling a complete LaTeX document with pdflatex."""
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is needed to compile the LaTeX output")
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "doc.tex").write_text(document, encoding="utf-8")
        run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                             cwd=tmp, capture_output=True, text=True, timeout=180)
        log = (Path(tmp) / "doc.log").read_text(encoding="utf-8", errors="replace") \
            if (Path(tmp) / "doc.log").exists() else run.stdout
        errors = [line for line in log.splitlines() if line.startswith("!")]
        if run.returncode != 0 and not errors:
            errors = [f"pdflatex exited with {run.returncode}"]
        if not (Path(tmp) / "doc.pdf").exists() and not errors:
            errors = ["no PDF written"]
        return errors
