"""Checks every walkthrough style must pass, run once per style (matrix, narrative).

Each style's own file (test_style_matrix.py, test_style_narrative.py) asserts what that
style prints; here, for every test problem of style_problems.ALL in both formats: every
printed decimal is a shown string of the log, the Markdown math is laid out for renderers
and parses with KaTeX and MathJax, every built-in worked example renders likewise, the LaTeX compiles
and the output is byte-identical when rendered again.
"""
from __future__ import annotations

import pytest

from tests.mathcheck import latex_math, layout, markdown_math, math_errors, pdflatex_errors
from tests.style_problems import every_example, max_terms, rendered_all, unexplained_numbers, walkthrough

STYLES = ["matrix", "narrative"]

# (style, problem) whose LaTeX is compiled: the classic net and the one each style is modelled on
COMPILED = [("matrix", "classic"), ("matrix", "sigmoid-1431"), ("narrative", "classic"), ("narrative", "seed000")]


@pytest.fixture(params=STYLES)
def style(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def rendered(style: str) -> dict:
    """Every test problem in the style, both formats, rendered once: {(name, fmt): (text, log)}."""
    return rendered_all(style)


def test_every_printed_number_is_a_shown_string(rendered):
    problems = {}
    for (name, fmt), (text, log) in rendered.items():
        fragments = markdown_math(text) if fmt == "md" else latex_math(text)
        assert len(fragments) > 20
        if bad := unexplained_numbers(fragments, log):
            problems[(name, fmt)] = bad
    assert problems == {}


def test_markdown_math_is_laid_out_for_renderers(rendered):
    """Blank lines around $$ blocks, none inside, no spaces inside inline $...$."""
    assert {name: layout(text) for (name, fmt), (text, _) in rendered.items() if fmt == "md" and layout(text)} == {}


def test_markdown_math_parses_with_katex_and_mathjax(rendered):
    fragments = [f for (name, fmt), (text, _) in rendered.items() if fmt == "md" for f in markdown_math(text)]
    assert math_errors(fragments) == []


def test_every_worked_example(style):
    """Each built-in example renders in both formats: its numbers are the log's, its
    Markdown math is laid out for renderers and parses with KaTeX and MathJax."""
    outputs = every_example(style)
    bad = {}
    for (name, fmt), (text, log) in outputs.items():
        fragments = markdown_math(text) if fmt == "md" else latex_math(text)
        problems = unexplained_numbers(fragments, log) + (layout(text) if fmt == "md" else [])
        if not fragments or problems:
            bad[(name, fmt)] = problems or ["no math"]
    assert bad == {}
    assert math_errors([f for (_, fmt), (text, _) in outputs.items() if fmt == "md" for f in markdown_math(text)]) == []


@pytest.mark.parametrize("style,name", COMPILED)
def test_latex_compiles(rendered, name):
    assert pdflatex_errors(rendered[(name, "tex")][0]) == []


def test_deterministic(style, rendered):
    for name in ("classic", "batch"):
        for fmt in ("md", "tex"):
            assert walkthrough(name, style, fmt, max_terms=max_terms(name))[0] == rendered[(name, fmt)][0]
