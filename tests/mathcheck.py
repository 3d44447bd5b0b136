"""Markdown math as GitHub, Jupyter and MkDocs find it, parsed by KaTeX and MathJax (shared test helper).

``markdown_math`` finds every ``$...$`` and ``$$...$$`` the way those renderers do (an
escaped ``\\$`` and an inline ``<svg>`` are not math), ``layout`` reports what would stop
them from finding one (a space after the opening ``$``, a display block without blank
lines around it), and ``katex_errors`` runs ``tests/js/check_math.js`` on them (one node
process for all; ``npm install --prefix tests/js`` installs KaTeX; strict mode), and
``mathjax_errors`` runs ``tests/js/check_mathjax.js`` (MathJax 3's TeX input with the packages
a typical site enables: base, ams, newcommand, noundefined; an ``merror`` or an undefined macro
is an error). Without node, KaTeX or MathJax the checks skip, except in CI (``CI=true``),
where they fail: CI must prove every formula renders. LaTeX: see ``tests/latexcheck.py``.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

JS = Path(__file__).parent / "js"
SCRIPT = JS / "check_math.js"
MATHJAX_SCRIPT = JS / "check_mathjax.js"

_INLINE = re.compile(r"(?<![\\$])\$(?!\$)((?:[^$\\\n]|\\.)+?)\$")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


def _unavailable(reason: str) -> None:
    if in_ci():
        pytest.fail(f"{reason}; CI must check every Markdown formula (npm install --prefix tests/js)")
    pytest.skip(reason)


def _require(package: str, name: str) -> None:
    if shutil.which("node") is None:
        _unavailable("node is not installed")
    if not (JS / "node_modules" / package).is_dir():
        _unavailable(f"{name} is not installed in tests/js/node_modules")


def require_katex() -> None:
    """Skip (fail in CI) unless node and tests/js/node_modules/katex are installed."""
    _require("katex", "KaTeX")


def require_mathjax() -> None:
    """Skip (fail in CI) unless node and tests/js/node_modules/mathjax-full are installed."""
    _require("mathjax-full", "MathJax")


def require_math_engines() -> None:
    """Both engines: KaTeX and MathJax (skip, or fail in CI, when either is missing)."""
    require_katex()
    require_mathjax()


def _blocks(markdown: str):
    """Yield ('display', tex, line number) for $$ blocks and ('text', line, number) for other lines."""
    lines = markdown.split("\n")
    k = 0
    while k < len(lines):
        if lines[k].strip() == "$$":
            end = next((m for m in range(k + 1, len(lines)) if lines[m].strip() == "$$"), None)
            if end is None:
                yield "unclosed", "", k + 1
                return
            yield "display", "\n".join(lines[k + 1:end]), k + 1
            k = end + 1
        else:
            yield "text", lines[k], k + 1
            k += 1


def _is_html(line: str) -> bool:
    """Inline SVG lines: HTML, no math."""
    return line.lstrip().startswith("<")


def fragments(markdown: str) -> list[tuple[str, bool]]:
    """(tex, display) for every math fragment; an escaped ``\\$`` is text, not math."""
    found: list[tuple[str, bool]] = []
    for kind, content, _ in _blocks(markdown):
        if kind == "display":
            found.append((content, True))
        elif kind == "text" and not _is_html(content):
            found += [(m.group(1), False) for m in _INLINE.finditer(content)]
    return found


def layout(markdown: str) -> list[str]:
    """Everything that would keep a renderer from seeing the math as written, by line."""
    problems: list[str] = []
    lines = markdown.split("\n")
    for kind, content, number in _blocks(markdown):
        if kind == "unclosed":
            problems.append(f"line {number}: $$ block never closed")
        elif kind == "display":
            if any(not line.strip() for line in content.split("\n")):
                problems.append(f"line {number}: blank line inside a $$ block")
            if number > 1 and lines[number - 2].strip():
                problems.append(f"line {number}: no blank line before $$")
            end = number + content.count("\n") + 2
            if end < len(lines) and lines[end].strip():
                problems.append(f"line {end + 1}: no blank line after $$")
        elif not _is_html(content):
            problems += [f"line {number}: {p}" for p in _inline_problems(content)]
    return problems


def _inline_problems(line: str) -> list[str]:
    if "$$" in line:
        return ["$$ inside a line of text (a display block needs lines of its own)"]
    unescaped = len(re.findall(r"(?<!\\)\$", line))
    if unescaped % 2:
        return [f"odd number of $ in {line!r}"]
    return [f"space inside inline math ${m.group(1)}$" for m in _INLINE.finditer(line)
            if m.group(1) != m.group(1).strip()]


def markdown_math(markdown: str) -> list[tuple[str, bool]]:
    """(tex, display) for every math fragment of a Markdown text."""
    return fragments(markdown)


def latex_math(text: str) -> list[tuple[str, bool]]:
    """(tex, display) for every math fragment of a LaTeX text outside the TikZ picture."""
    text = re.sub(r"\\begin\{tikzpicture\}.*?\\end\{tikzpicture\}", "", text, flags=re.S)
    # align* (the printers' breakable blocks of aligned lines) as the aligned display it is in Markdown
    align = re.compile(r"\\begin\{align\*\}(.*?)\\end\{align\*\}", re.S)
    found = [("\\begin{aligned}\n" + m.group(1).strip() + "\n\\end{aligned}", True) for m in align.finditer(text)]
    text = align.sub("", text)
    display = re.compile(r"\\\[(.*?)\\\]", re.S)
    found += [(m.group(1).strip(), True) for m in display.finditer(text)]
    return found + [(m.group(1), False) for m in _INLINE.finditer(display.sub("", text))]


def _rejections(script: Path, found: list[tuple[str, bool]]) -> list[tuple[str, str]]:
    """(tex, error) for every fragment the node script rejects (one process for all)."""
    unique = sorted(set(found))
    payload = json.dumps([{"tex": tex, "display": display} for tex, display in unique])
    result = subprocess.run(["node", str(script)], input=payload, capture_output=True, text=True,
                            timeout=300, check=False)
    if result.returncode != 0:
        pytest.fail(f"{script.name} failed: {result.stderr.strip()}")
    errors = json.loads(result.stdout)
    if len(errors) != len(unique):
        pytest.fail(f"{script.name} answered {len(errors)} results for {len(unique)} fragments")
    return [(tex, err) for (tex, _), err in zip(unique, errors) if err is not None]


def katex_rejections(found: list[tuple[str, bool]]) -> list[tuple[str, str]]:
    """(tex, KaTeX's error) for every fragment KaTeX rejects in strict mode."""
    require_katex()
    return _rejections(SCRIPT, found)


def mathjax_rejections(found: list[tuple[str, bool]]) -> list[tuple[str, str]]:
    """(tex, MathJax's error) for every fragment MathJax's TeX input rejects."""
    require_mathjax()
    return _rejections(MATHJAX_SCRIPT, found)


def katex_errors(found: list[tuple[str, bool]]) -> list[str]:
    """KaTeX's error for each fragment that does not parse, with the fragment."""
    return [f"{err}\n  in: {tex[:300]}" for tex, err in katex_rejections(found)]


def mathjax_errors(found: list[tuple[str, bool]]) -> list[str]:
    """MathJax's error for each fragment that does not parse, with the fragment."""
    return [f"{err}\n  in: {tex[:300]}" for tex, err in mathjax_rejections(found)]


def math_errors(found: list[tuple[str, bool]]) -> list[str]:
    """Every fragment KaTeX or MathJax rejects, each error named by its engine."""
    return ([f"KaTeX: {e}" for e in katex_errors(found)]
            + [f"MathJax: {e}" for e in mathjax_errors(found)])


def pdflatex_errors(document: str) -> list[str]:
    """The '!' error lines of compiling a complete LaTeX document (see tests/latexcheck.py)."""
    from tests.latexcheck import compile_tex
    return compile_tex(document).errors
