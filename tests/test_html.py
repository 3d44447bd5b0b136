"""The MathML printer, names as MathML, and the HTML page (no browser needed)."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from tracer import Problem, trace
from tracer.formula.mathml import math, mathml, mathml_name
from tracer.formula.tree import (
    Add,
    Apply,
    Cases,
    Frac,
    Gap,
    Group,
    Matrix,
    Mul,
    Neg,
    Number,
    Pow,
    Relation,
    Sigma,
    Sub,
    Symbol,
    Text,
    Where,
)
from tracer.render import RenderOptions, render_text
from tracer.render.html import csp_hash, html_name
from tracer.resources import examples_dir

X, Y = Symbol("x", "x"), Symbol("net_{h1}", "net_h1")


@pytest.mark.parametrize("name, expected", [
    ("x", "<mi>x</mi>"),
    ("net_{h1}", "<msub><mi>net</mi><mrow><mi>h</mi><mn>1</mn></mrow></msub>"),
    ("x_12", "<mrow><msub><mi>x</mi><mn>1</mn></msub><mn>2</mn></mrow>"),  # as TeX: x_1 then 2
    ("\\delta_{o1}", "<msub><mi>δ</mi><mrow><mi>o</mi><mn>1</mn></mrow></msub>"),
    ("\\Delta", '<mi mathvariant="normal">Δ</mi>'),
    ("\\hat{y}", '<mover accent="true"><mi>y</mi><mo>^</mo></mover>'),
    ("w^{(2)}_{3}", "<msubsup><mi>w</mi><mn>3</mn><mrow><mo>(</mo><mn>2</mn><mo>)</mo></mrow></msubsup>"),
    ("\\mathrm{d}", '<mi mathvariant="normal">d</mi>'),
    ("E_{\\text{total}}", "<msub><mi>E</mi><mtext>total</mtext></msub>"),
    ("\\frac{\\partial E}{\\partial w}",
     '<mfrac><mrow><mi mathvariant="normal">∂</mi><mi>E</mi></mrow>'
     '<mrow><mi mathvariant="normal">∂</mi><mi>w</mi></mrow></mfrac>'),
    ("\\left.\\delta\\right|_{2}", "<mrow><mi>δ</mi><msub><mo>|</mo><mn>2</mn></msub></mrow>"),
    ("\\operatorname{ReLU}", "<mi>ReLU</mi>"),
    ("\\tanh", "<mi>tanh</mi>"),
    ("a'", "<mrow><mi>a</mi><mo>′</mo></mrow>"),
])
def test_names_as_mathml(name: str, expected: str) -> None:
    assert mathml_name(name) == expected


@pytest.mark.parametrize("bad", ["\\input{x}", "x & y", "\\def"])
def test_a_name_outside_the_subset_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        mathml_name(bad)


@pytest.mark.parametrize("node, expected", [
    (Number("0.5"), "<mn>0.5</mn>"),
    (Add((X, Number("-0.2"))), ('<mrow><mi>x</mi><mo>+</mo><mrow><mo stretchy="false">(</mo>'
                                '<mrow><mo>−</mo><mn>0.2</mn></mrow><mo stretchy="false">)</mo></mrow></mrow>')),
    (Mul((Number("-0.2"), X)), "<mrow><mrow><mo>−</mo><mn>0.2</mn></mrow><mo>·</mo><mi>x</mi></mrow>"),
    (Mul((X, X), "juxtapose"), "<mrow><mi>x</mi><mi>x</mi></mrow>"),
    (Mul((X, X), "odot"), "<mrow><mi>x</mi><mo>⊙</mo><mi>x</mi></mrow>"),
    (Sub(X, Number("1")), "<mrow><mi>x</mi><mo>−</mo><mn>1</mn></mrow>"),
    (Neg(X), "<mrow><mo>−</mo><mi>x</mi></mrow>"),
    (Frac(Number("1"), X), "<mfrac><mn>1</mn><mi>x</mi></mfrac>"),
    (Pow(Symbol("e", "e"), Neg(X)), "<msup><mi>e</mi><mrow><mo>−</mo><mi>x</mi></mrow></msup>"),
    (Apply(Symbol("\\tanh", "tanh"), (X,)),
     "<mrow><mi>tanh</mi><mo>\u2061</mo><mrow><mo>(</mo><mi>x</mi><mo>)</mo></mrow></mrow>"),
    (Apply(Symbol("\\ln", "ln"), (X,), bare=True), "<mrow><mi>ln</mi><mo>\u2061</mo><mi>x</mi></mrow>"),
    (Sigma(Symbol("k", "k"), X), "<mrow><munder><mo>∑</mo><mi>k</mi></munder><mi>x</mi></mrow>"),
    (Group(X), '<mrow><mo stretchy="false">(</mo><mi>x</mi><mo stretchy="false">)</mo></mrow>'),
    (Group(X, sized=True), "<mrow><mo>(</mo><mi>x</mi><mo>)</mo></mrow>"),
    (Relation(X, ">=", Number("0")), "<mrow><mi>x</mi><mo>≥</mo><mn>0</mn></mrow>"),
    (Relation(X, "<", Number("0")), "<mrow><mi>x</mi><mo>&lt;</mo><mn>0</mn></mrow>"),
    (Where(Number("1"), Relation(X, ">", Number("0"))),
     ('<mrow><mn>1</mn><mspace width="1em"></mspace><mo stretchy="false">(</mo><mrow><mi>x</mi><mo>&gt;</mo>'
      '<mn>0</mn></mrow><mo stretchy="false">)</mo></mrow>')),
    (Cases(((Number("1"), Relation(X, ">", Number("0"))), (Number("0"), None))),
     ('<mrow><mo>{</mo><mtable columnalign="left left"><mtr><mtd><mn>1</mn></mtd><mtd><mtext>if\u00a0</mtext>'
      '<mrow><mi>x</mi><mo>&gt;</mo><mn>0</mn></mrow></mtd></mtr><mtr><mtd><mn>0</mn></mtd><mtd>'
      '<mtext>otherwise</mtext></mtd></mtr></mtable></mrow>')),
    (Matrix(((X, Gap("h")), (Gap("v"), Gap("d")))),
     ("<mrow><mo>[</mo><mtable><mtr><mtd><mi>x</mi></mtd><mtd><mo>⋯</mo></mtd></mtr><mtr><mtd><mo>⋮</mo></mtd>"
      "<mtd><mo>⋱</mo></mtd></mtr></mtable><mo>]</mo></mrow>")),
    (Text("a < b"), "<mtext>a &lt; b</mtext>"),
])
def test_each_node_type(node, expected: str) -> None:
    assert mathml(node) == expected


def test_math_element_carries_the_latex_as_alttext() -> None:
    out = math(Relation(Y, "<", Number("1")), display=True)
    assert out.startswith('<math display="block" alttext="net_{h1} &lt; 1">')
    assert ET.fromstring(out).get("alttext") == "net_{h1} < 1"


def test_every_entry_of_an_example_prints_well_formed_mathml() -> None:
    """Formula and substitution trees of every entry of two gallery problems (sigmoid, ReLU
    cases, softmax) print as well-formed XML whose leaves hold the operands' shown values (and small constants only)."""
    for name in ("classic-2-2-2", "relu-blog", "three-classes"):
        log = trace(Problem.from_file(examples_dir() / name / "problem.yaml"))
        for e in log.entries:
            for tree in (e.formula_tree(8), e.substitution_tree(8)):
                ET.fromstring(f"<math>{mathml(tree)}</math>")
            numbers = {o.shown.lstrip("-") for o in e.operands}
            printed = set(re.findall(r"<mn>([^<]*)</mn>", mathml(e.substitution_tree())))
            constants = {m for m in printed - numbers if re.fullmatch(r"\d", m)}  # 1 - o, (t - o)^2
            assert printed - constants <= numbers and printed, (e.name, printed - numbers)


def test_html_name_for_long_tables() -> None:
    assert html_name("w_{1,2}") == "w<sub>1,2</sub>"
    assert html_name("b^{+}") == "b<sup>+</sup>"
    assert html_name("x_12") == "x<sub>1</sub>2"   # as TeX reads it: x_1 then 2
    assert html_name("a<b_{1}") == "a&lt;b<sub>1</sub>"
    assert html_name("\\hat{y}").startswith('<math alttext="\\hat{y}">')


def page(style: str | None = None, fragment: bool = False, example: str = "classic-2-2-2") -> str:
    log = trace(Problem.from_file(examples_dir() / example / "problem.yaml"))
    return render_text(log, "html", RenderOptions(style=style, fragment=fragment)).text


def test_page_is_self_contained_and_its_csp_allows_its_own_script_and_style() -> None:
    text = page()
    style = re.search(r"<style>(.*?)</style>", text, re.DOTALL).group(1)
    script = re.search(r"<script>(.*?)</script>", text, re.DOTALL).group(1)
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', text).group(1)
    assert f"style-src {csp_hash(style)};" in csp and f"script-src {csp_hash(script)};" in csp
    assert "default-src 'none'" in csp
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in text
    for label in ("Previous step", "Next step", "Show all", "Hide values"):
        assert f">{label}</button>" in text


def test_entries_are_marked_as_the_log_says() -> None:
    """classic-2-2-2 chain-rule: net_h1 is entry 0 with its place in the diagram; out_h1 uses it."""
    log = trace(Problem.from_file(examples_dir() / "classic-2-2-2" / "problem.yaml"))
    text = render_text(log, "html", RenderOptions()).text
    marks = dict(re.findall(r'data-entry="(\d+)" data-uses="([\d ]*)"', text))
    for index, uses in marks.items():
        assert uses.split() == [str(i) for i in log.entries[int(index)].depends_on]
    net = log["net_h1"]
    assert f'data-entry="{net.index}" data-uses="" data-at="neuron=1:1" data-name="net_h1"' in text
    dw = next(e for e in log.entries if e.kind == "dw" and e.neuron == 1 and e.layer == 2 and e.source == 1)
    assert f'data-entry="{dw.index}"' in text and 'data-at="weight=2:1:1"' in text
    assert '<circle class="neuron" data-neuron="1:1"' in text and '<line data-weight="2:1:1"' in text


def test_fragment_has_no_document_and_no_csp() -> None:
    text = page(fragment=True)
    assert text.startswith('<div class="tracer" data-tracer>')
    assert "<html" not in text and "Content-Security-Policy" not in text and "<body" not in text
    assert "<article>" in text and "<main>" not in text


def test_log_to_html_is_the_fragment() -> None:
    log = trace(Problem.from_file(examples_dir() / "xor" / "problem.yaml"))
    assert log.to_html(fragment=True) == render_text(log, "html", RenderOptions(fragment=True)).text


def test_user_text_is_escaped(tmp_path) -> None:
    import yaml
    raw = yaml.safe_load((examples_dir() / "classic-2-2-2" / "problem.yaml").read_text(encoding="utf-8"))
    raw["title"] = "<script>alert(1)</script> & co"
    log = trace(Problem.from_dict(raw, source="<test>"))
    text = render_text(log, "html", RenderOptions()).text
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt; &amp; co</title>" in text
    assert "<script>alert" not in text


@pytest.mark.parametrize("options", [{"exercise": True}, {"answer_key": True}])
def test_sheets_print_as_html(options) -> None:
    log = trace(Problem.from_file(examples_dir() / "exercise-2-2-1" / "problem.yaml"))
    text = render_text(log, "html", RenderOptions(**options)).text
    assert text.startswith("<!DOCTYPE html>") and "<math" in text


def test_cli_writes_html_for_an_html_output(tmp_path) -> None:
    from tracer.cli import main
    out = tmp_path / "page.html"
    assert main(["run", "xor", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]  # the diagram is inline


def test_roots_and_absolute_values_in_mathml() -> None:
    from tracer.formula.mathml import mathml
    from tracer.formula.tree import Abs, Number, Sqrt, Symbol
    assert mathml(Sqrt(Symbol("\\hat{v}", "v_hat"))).count("<msqrt>") == 1
    assert "<mo>|</mo><mn>0.5</mn><mo>|</mo>" in mathml(Abs(Number("0.5", 0.5)))
    from tracer.formula.tree import Floor
    assert "<mo>&#x230A;</mo><mn>2.5</mn><mo>&#x230B;</mo>" in mathml(Floor(Number("2.5", 2.5)))


def test_a_long_table_is_folded_and_a_short_one_is_not() -> None:
    """More than FOLD_ROWS rows (the 784-30-10 weight tables): a closed <details> that
    Chromium parses but does not lay out (benchmarks/bench_html.py)."""
    from tracer.render.html import FOLD_ROWS, HtmlPrinter
    rows = [[f"w{k}", "0.5"] for k in range(FOLD_ROWS + 1)]
    folded = HtmlPrinter().table(["Weight", "Value"], rows, "lr")
    assert folded.startswith('<details class="table"><summary>201 rows (show)</summary><table class="r2">')
    assert folded.endswith("</tbody>\n</table></details>") and folded.count("<tr>") == FOLD_ROWS + 2
    short = HtmlPrinter().table(["Weight", "Value"], rows[:FOLD_ROWS], "lr")
    assert short.startswith('<div class="table"><table class="r2">') and "<details" not in short


def test_expression_and_conv_pages_mark_their_diagrams() -> None:
    """The circuit's gates, variables and wires and the feature maps' cells carry the data
    attributes data-at names; a standalone SVG does not."""
    from tracer.engine.graph import trace_graph
    from tracer.examples import example_path
    from tracer.model.graph_problem import GraphProblem
    from tracer.render.graph_walkthrough import render_graph
    glog = trace_graph(GraphProblem.from_file(example_path("cs231n-circuit").with_name("expression.yaml")))
    page = render_graph(glog, "html", RenderOptions()).text
    for token in ('data-node="x"', 'data-node="q"', 'data-node="f"', 'data-wire="x&gt;q"', 'data-wire="q&gt;f"',
                  'data-wire="z&gt;f"', 'data-wire="f&gt;"'):
        assert token in page, token
    q = next(e for e in glog.entries if e.name == "q")
    assert f'data-entry="{q.index}" data-uses="" data-at="node=q"' in page
    local = next(e for e in glog.entries if e.name == "local dq/dx")
    assert f'data-entry="{local.index}"' in page and 'data-at="wire=x&gt;q"' in page
    dfdx = next(e for e in glog.entries if e.name == "df/dx")
    assert 'data-at="node=x wire^x&gt;"' in page and f'data-entry="{dfdx.index}"' in page
    md = render_graph(glog, "md", RenderOptions(inline_svg=True)).text
    assert "data-node" not in md and "data-wire" not in md

    conv = trace(Problem.from_file(examples_dir() / "conv-5x5" / "problem.yaml"))
    page = render_text(conv, "html", RenderOptions()).text
    z = next(e for e in conv.entries if e.kind == "cell_net")   # Z1[1,1,1]: 3x3 window, no padding
    window = " ".join(f"cell=0:1:{r}:{c}" for r in (1, 2, 3) for c in (1, 2, 3))
    assert f'data-entry="{z.index}" data-uses="" data-at="cell=1:1:1:1 {window}"' in page
    assert page.count('data-cell="0:1:') == 25 and 'data-cell="1:1:3:3"' in page
    assert "data-cell" not in render_text(conv, "md", RenderOptions(inline_svg=True)).text


def test_matrix_cells_and_symbolic_lines_are_entries() -> None:
    """The matrix style marks each cell of a whole-layer result (an <mtd>) as the entry whose
    value it shows; the symbolic style marks each general formula as its entry (by symbol)."""
    log = trace(Problem.from_file(examples_dir() / "odd-even" / "problem.yaml"))
    page = render_text(log, "html", RenderOptions(style="matrix")).text
    nets = [e for e in log.entries if e.kind == "net" and e.step == 1 and e.layer == 1]
    for e in nets:
        assert f'<mtd data-entry="{e.index}" data-uses="{" ".join(map(str, e.depends_on))}"' in page
    cell = re.search(rf'<mtd data-entry="{nets[0].index}"[^>]*>(.*?)</mtd>', page)
    assert cell and cell.group(1) == f"<mn>{nets[0].shown}</mn>"
    assert "data-e=" not in page   # every cell tag became data-entry or data-entry-ref

    log = trace(Problem.from_file(examples_dir() / "devforum" / "problem.yaml"))
    page = render_text(log, "html", RenderOptions(style="symbolic")).text
    first = next(e for e in log.entries if e.kind == "net")
    assert f'data-entry="{first.index}" data-uses="" data-at="neuron=1:1" data-name="{first.name}"' in page
    assert "<mn>" + first.shown + "</mn>" not in page.split(f'data-entry="{first.index}"')[1].split("</div>")[0]
