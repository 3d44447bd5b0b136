"""PDF through latexmk (or pdflatex), with a clear error when no TeX is installed.

A document whose text holds characters beyond Latin-1 (σ or ∂ in a title, a student's
name in Chinese, an emoji) cannot go through pdflatex: it goes through LuaLaTeX (else
XeLaTeX) with OpenType fonts, Latin Modern first and, for what it lacks, DejaVu (Greek,
mathematical symbols) and Noto CJK (Debian: texlive-luatex, fonts-noto-cjk). A character
no installed font holds is left out with a warning on standard error, never a LaTeX error.
"""
from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ..errors import ProblemError

#: pdflatex alone: a long table settles its column widths on a second run, rarely a third.
PDFLATEX_RUNS = 3
PDFLATEX = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error"]
INSTALL = "apt-get install latexmk texlive-latex-base texlive-latex-recommended texlive-pictures"
UNICODE_INSTALL = "apt-get install texlive-luatex fonts-noto-cjk"
#: Fonts tried in order for characters Latin Modern lacks (those installed are used), each
#: with luaotfload's mode: DejaVu (Greek, symbols; DejaVu Sans has monochrome emoticons) in
#: the fast node mode; Noto CJK only when the text holds CJK, in HarfBuzz mode (loading a
#: CJK font costs 2 s with HarfBuzz and ~50 s in node mode).
FALLBACK_FONTS = (("DejaVu Serif", "node"), ("DejaVu Sans", "node"), ("Noto Serif CJK SC", "harf"))
CJK_FONTS = frozenset({"Noto Serif CJK SC"})
_CJK = ((0x2E80, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF), (0xFF00, 0xFFEF), (0x20000, 0x2FA1F))
_INPUTENC = "\\usepackage[utf8]{inputenc}\n"


def tex_command() -> list[str]:
    if shutil.which("latexmk"):
        return ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-quiet"]
    if shutil.which("pdflatex"):
        return list(PDFLATEX)
    raise ProblemError(f"--format pdf: no TeX installation found (latexmk or pdflatex); expected TeX Live, e.g. {INSTALL}")


def needs_unicode(tex: str) -> bool:
    """Characters beyond Latin-1, which pdflatex's inputenc cannot typeset."""
    return any(ord(c) > 0xFF for c in tex)


def unicode_engine() -> str | None:
    """lualatex or xelatex, whichever is installed (lualatex first), else None."""
    return next((e for e in ("lualatex", "xelatex") if shutil.which(e)), None)


@functools.lru_cache(maxsize=1)
def installed_fallbacks() -> tuple[str, ...]:
    if shutil.which("fc-list") is None:
        return ()
    found = []
    for family, _ in FALLBACK_FONTS:
        try:
            result = subprocess.run(["fc-list", "-q", family], capture_output=True, timeout=30, check=False)
            listed = subprocess.run(["fc-list", family, "family"], capture_output=True, text=True, timeout=30, check=False)
        except (OSError, subprocess.SubprocessError):
            continue
        if result.returncode == 0 and family in listed.stdout:
            found.append(family)
    return tuple(found)


def has_cjk(tex: str) -> bool:
    return any(low <= ord(c) <= high for c in tex for low, high in _CJK if ord(c) > 0x2E7F)


def unicode_preamble(engine: str, cjk: bool = True) -> str:
    """fontspec with Latin Modern and the installed fallback fonts, in place of inputenc."""
    fonts = [f for f in installed_fallbacks() if cjk or f not in CJK_FONTS]
    modes = dict(FALLBACK_FONTS)
    lines = ["\\usepackage{fontspec}", "\\tracinglostchars=1"]
    if engine == "lualatex" and fonts:
        listed = ", ".join(f'"{f}:mode={modes[f]};"' for f in fonts)
        lines += [f"\\directlua{{luaotfload.add_fallback(\"tracerfallback\", {{{listed}}})}}",
                  "\\setmainfont{Latin Modern Roman}[RawFeature={fallback=tracerfallback}]"]
    elif fonts:
        lines += [f"\\setmainfont{{{fonts[0]}}}"]
    return "\n".join(lines) + "\n"


def reproducible_env() -> dict[str, str]:
    """pdfTeX stamps the time into a PDF unless SOURCE_DATE_EPOCH fixes it: the same problem
    must give a byte-identical PDF (a date the user set is kept)."""
    return {**os.environ, "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", "0"),
            "FORCE_SOURCE_DATE": "1"}


def compile_pdf(tex: str, quick: bool = False) -> bytes:
    """Compile in a private temporary folder; return the PDF bytes."""
    return compile_pdf_log(tex, quick)[0]


def compile_pdf_log(tex: str, quick: bool = False) -> tuple[bytes, str]:
    """Compile in a private temporary folder; return the PDF bytes and LaTeX's log.

    latexmk reruns LaTeX until cross-references and longtable widths settle; with plain
    pdflatex we rerun while its log asks for it. ``quick``: plain pdflatex even when
    latexmk is there: a document without long tables or references then takes one run
    (0.17 s of CPU for a feedback sheet) where latexmk takes two and its own start (0.46 s),
    as on a fresh folder the .aux the first run writes counts as changed.
    """
    command = tex_command()
    if quick and command[0] == "latexmk" and shutil.which("pdflatex"):
        command = list(PDFLATEX)
    if needs_unicode(tex):
        engine = unicode_engine()
        if engine is None:
            raise ProblemError("--format pdf: found text beyond Latin-1 (Greek, CJK, symbols), which pdflatex "
                               f"cannot typeset; expected LuaLaTeX or XeLaTeX, e.g. {UNICODE_INSTALL}")
        tex = tex.replace(_INPUTENC, unicode_preamble(engine, has_cjk(tex)), 1)
        # the engine itself, rerun only while its log asks (latexmk would add a checking run)
        command = [engine, "-interaction=nonstopmode", "-halt-on-error"]
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
        text = log.read_text(errors="replace") if log.is_file() else ""
        if result.returncode != 0 or not pdf.is_file():
            first = next((line for line in text.splitlines() if line.startswith("!")), "see the LaTeX log")
            raise ProblemError(f"--format pdf: LaTeX failed: {first.lstrip('! ')}")
        _warn_missing(text)
        return pdf.read_bytes(), text


def _warn_missing(log: str) -> None:
    """One warning line for the characters no installed font holds (left out of the PDF)."""
    missing = dict.fromkeys(re.findall(r"Missing character: There is no (\S+)", log))
    if missing:
        shown = ", ".join(f"{c} (U+{ord(c[0]):04X})" for c in list(missing)[:5])
        print(f"tracer: warning: no installed font holds {shown}; left out of the PDF "
              f"(e.g. apt-get install fonts-noto-color-emoji for emoji)", file=sys.stderr)


def _asks_rerun(log: Path) -> bool:
    """pdflatex's log says a second run would change the output (references, table widths)."""
    return log.is_file() and "Rerun" in log.read_text(errors="replace")
