"""No raw LaTeX on an HTML page: every gallery example, in every style, as a walkthrough,
a compact walkthrough, an exercise sheet and an answer key (where the example has them),
prints its math as MathML; LaTeX appears only in ``alttext`` attributes.

The HTML printer refuses inline math given as a string unless it is a number or a name
(``tracer.render.html._string_mathml``), so a template that hands it a LaTeX formula
fails here; this test also reads every page's visible text for a backslash command, in
case LaTeX reached the page another way (a cell, a caption, a heading).
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tracer.engine.graph import trace_graph
from tracer.engine.trace import trace
from tracer.errors import ProblemError
from tracer.gallery import catalogue
from tracer.model.conv_problem import ConvProblem
from tracer.model.graph_problem import GRAPH_STYLES, GraphProblem, is_expression_file
from tracer.model.problem import STYLES, Problem
from tracer.render import RenderOptions, render_text
from tracer.render.graph_walkthrough import render_graph
from tracer.resources import examples_dir

_COMMAND = re.compile(r"\\[A-Za-z]+")


class _Visible(HTMLParser):
    """The page's text nodes outside <script> and <style> (attributes, alttext among them, are not text)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hidden = 0
        self.texts: list[str] = []
        self.tex_classes = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.hidden += 1
        if any(k == "class" and v and "tex" in v.split() for k, v in attrs):
            self.tex_classes += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden and data.strip():
            self.texts.append(data)


def raw_latex(page: str) -> list[str]:
    """The visible text nodes holding a backslash command, and raw-LaTeX fallbacks (class tex)."""
    parser = _Visible()
    parser.feed(page)
    found = [t.strip() for t in parser.texts if _COMMAND.search(t)]
    return found + ["<mtext class=tex>"] * parser.tex_classes


def test_the_check_finds_latex_in_text_but_not_in_alttext() -> None:
    assert raw_latex('<p>see <math alttext="\\frac{a}{b}"><mi>a</mi></math></p>') == []
    assert raw_latex("<p>the rate \\eta</p>") == ["the rate \\eta"]
    assert raw_latex('<math><mtext class="tex">x</mtext></math>') == ["<mtext class=tex>"]
    assert raw_latex("<script>const re = /\\d+/;</script>") == []


def _problems() -> list[tuple[str, str]]:
    """(example, problem file) for every problem file the gallery uses."""
    out: list[tuple[str, str]] = []
    for example in catalogue():
        for w in example.walkthroughs:
            if (example.name, w.problem) not in out:
                out.append((example.name, w.problem))
    return out


def _pages(example: str, problem: str) -> list[tuple[str, str]]:
    """(what, HTML) for each style's walkthrough, the compact one, the exercise and the answer key."""
    path = examples_dir() / example / problem
    pages: list[tuple[str, str]] = []
    if is_expression_file(path):
        glog = trace_graph(GraphProblem.from_file(path))
        variants = [(s, RenderOptions(style=s)) for s in GRAPH_STYLES] + [
            ("compact", RenderOptions(compact=True)), ("exercise", RenderOptions(exercise=True)),
            ("answer key", RenderOptions(answer_key=True))]
        for what, options in variants:
            try:
                pages.append((what, render_graph(glog, "html", options).text))
            except ProblemError as exc:
                if what in ("exercise", "answer key") and "ask" in str(exc):
                    continue  # no questions asked: no sheet
                raise
        return pages
    log = trace(Problem.from_file(path))
    conv = isinstance(log.problem, ConvProblem)
    variants = [(s, RenderOptions(style=s)) for s in STYLES]
    if not conv:
        variants.append(("compact", RenderOptions(compact=True)))
    variants += [("exercise", RenderOptions(exercise=True)), ("answer key", RenderOptions(answer_key=True))]
    for what, options in variants:
        try:
            pages.append((what, render_text(log, "html", options).text))
        except ProblemError as exc:
            if what in ("exercise", "answer key") and "ask" in str(exc):
                continue
            raise
    return pages


@pytest.mark.parametrize("example, problem", _problems(), ids=lambda v: v)
def test_no_raw_latex_on_any_gallery_page(example: str, problem: str) -> None:
    pages = _pages(example, problem)
    assert any(what == "chain-rule" or what == "narrative" for what, _ in pages)
    for what, page in pages:
        if what not in ("exercise", "answer key"):  # a sheet without questions has no math
            assert "<math" in page, (example, what)
        assert raw_latex(page) == [], (example, problem, what)


def test_a_latex_formula_handed_to_the_html_printer_is_refused() -> None:
    from tracer.render.html import HtmlPrinter
    p = HtmlPrinter()
    assert "<msub>" in p.inline("net_{h1}")   # a name of the documented subset
    assert "<mn>0.5933</mn>" in p.inline("0.5933")   # a number
    with pytest.raises(ProblemError, match="neither a number nor a name"):
        p.inline("\\sum (t - y)^2")
    with pytest.raises(ProblemError, match="neither a number nor a name"):
        p.inline("\\delta = \\frac{\\partial E}{\\partial net}")


def test_the_nodes_these_formulas_needed_print_in_every_printer() -> None:
    from tracer.formula.latex import latex
    from tracer.formula.mathml import mathml
    from tracer.formula.text import TextPrinter
    from tracer.formula.tree import Blank, Cases, Displayed, Group, Mul, Number, Pow, Relation, Sigma, Sub, Symbol
    from tracer.formula.width import width

    k, x, t, y = Symbol("K_{f}", "K_f"), Symbol("X_{c}", "X_c"), Symbol("t", "t"), Symbol("y", "y")
    header = Sigma(None, Pow(Group(Sub(t, y)), Number("2", 2.0)))
    blank = Displayed(Relation(Symbol("w_{1}", "w_1"), "=", Blank()))
    jacobian = Cases(((Number("1", 1.0), Relation(t, "=", y)), (Number("0", 0.0), Relation(t, "!=", y))), bare=True)
    text = TextPrinter().doprint
    assert latex(Mul((k, x), "thin")) == "K_{f} \\, X_{c}"
    assert latex(Mul((k, x), "space")) == "K_{f} X_{c}"
    assert latex(header) == "\\sum (t - y)^{2}"
    assert latex(Relation(x, "+=", k)) == "X_{c} \\mathrel{+}= K_{f}"
    assert latex(blank) == "\\displaystyle w_{1} = \\underline{\\hspace{4cm}}"
    assert latex(jacobian) == "\\begin{cases} 1 & t = y \\\\ 0 & t \\neq y \\end{cases}"
    assert text(header) == "sum (t - y)^2"
    assert text(Mul((k, x), "thin")) == "K_f X_c"
    assert text(blank) == "w_1 = ________"
    assert mathml(header) == ("<mrow><mo>∑</mo><msup><mrow><mo stretchy=\"false\">(</mo><mrow><mi>t</mi><mo>−</mo>"
                              "<mi>y</mi></mrow><mo stretchy=\"false\">)</mo></mrow><mn>2</mn></msup></mrow>")
    assert '<mspace width="0.1667em"></mspace>' in mathml(Mul((k, x), "thin"))
    assert '<mstyle displaystyle="true">' in mathml(blank) and '<mspace class="blank" width="4cm">' in mathml(blank)
    assert "<mtext>if" not in mathml(jacobian) and "<mo>≠</mo>" in mathml(jacobian)
    assert width(Mul((k, x), "thin")) > width(k) + width(x)
    assert width(blank) > width(Symbol("w_{1}", "w_1"))
