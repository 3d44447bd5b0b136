"""Walkthroughs (issue 3): every style x format x worked example renders, compiles and parses.

- Every LaTeX output compiles with pdflatex (once per style x example, two at a time,
  the gallery's other problem files too); nothing sticks out of the page by more than
  1 pt in any style (the log's overfull boxes).
- Every formula of every Markdown output is laid out as GitHub/Jupyter/MkDocs need and
  parsed by KaTeX and MathJax (one node process per engine); so is every committed gallery
  and golden Markdown file.
- Golden files for the classic 2-2-2 (tests/golden/; python3 tests/regenerate_golden.py).
- Every number printed in math is a log entry's shown string or a given value.
- Published numbers of the classic 2-2-2 walkthrough, seed 002's ReLU cases.
- Options: --weights, --max-terms (on a 784-30-10 made with init), --digits, --fragment,
  --templates, -o FILE.md with its SVG, --format pdf; escaping of a hostile title;
  byte-identical output across runs and processes.

Styles whose template does not exist yet are skipped, so the suite grows as they land.
"""
from __future__ import annotations

import functools
import json
import math
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

import pytest

from tests.latexcheck import FRAGMENT_PREAMBLE, Compiled, assert_compiles, compile_tex, require_pdflatex
from tests.latexwidth import split_terms, width
from tests.mathcheck import katex_rejections, layout, markdown_math, math_errors, mathjax_rejections
from tests.regenerate_golden import EXAMPLE as CLASSIC
from tests.regenerate_golden import golden_path, has_template, render_golden
from tracer.cli import main
from tracer.engine.graph import trace_graph
from tracer.engine.log import TraceLog
from tracer.engine.trace import trace
from tracer.examples import example_names, example_path, load
from tracer.formula.latex import latex
from tracer.formula.tree import Add, Mul, Node, Number, Relation, Sub, Symbol, Where
from tracer.formula.width import terms as tree_terms
from tracer.formula.width import width as tree_width
from tracer.formula.width import wrap as tree_wrap
from tracer.gallery import catalogue
from tracer.model.graph_problem import GRAPH_STYLES, GraphProblem, is_expression_file
from tracer.model.problem import Problem
from tracer.render import STYLES, RenderOptions, environment, render_text
from tracer.render.chains import ChainView, partial
from tracer.render.graph_walkthrough import render_graph
from tracer.render.printers import KEEP, LINE_WIDTH, LONG_TABLE, LatexPrinter, MarkdownPrinter
from tracer.render.view import Viewer, printed_difference

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = example_names()
FORMATS = ("md", "tex")
HOSTILE = "\\input{/etc/passwd} $x$ <script> 100% | a_b ~ #1 {c} ^ é"


def styles() -> list:
    """Every style; those without a template yet are skipped, not silently dropped."""
    return [pytest.param(s, marks=pytest.mark.skipif(not has_template(s), reason=f"no template for {s} yet"))
            for s in STYLES]


# --- problems ------------------------------------------------------------------------------
def seed_002() -> dict:
    """Seed 002's 2-3-3-1 (ReLU, ReLU, sigmoid), weights numbered sending neuron first."""
    return {
        "title": "Seed 002", "notation": "nodes", "rounding": {"digits": 4},
        "network": {"layers": [2, 3, 3, 1], "activation": ["relu", "relu", "sigmoid"], "bias": "per_neuron",
                    "weights": [[[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]],
                                [[0.7, 0.8, 0.9], [0.1, 0.2, 0.3], [0.4, 0.5, 0.6]], [[0.7, 0.8, 0.9]]],
                    "biases": [[0.1, -0.4, 0.3], [-0.5, 0.5, 0.6], [-0.7]]},
        "loss": "half_squared_error", "training": {"learning_rate": 0.01},
        "data": [{"input": [0.23, 0.55], "target": [0.01]}],
    }


def wide(layers: list[int], title: str) -> dict:
    """A network made with init (seeded uniform weights), softmax and cross-entropy."""
    n_in, n_out = layers[0], layers[-1]
    return {
        "title": title, "rounding": {"digits": 4},
        "network": {"layers": layers, "activation": ["sigmoid"] * (len(layers) - 2) + ["softmax"],
                    "bias": "per_neuron",
                    "init": {"distribution": "uniform", "low": -0.5, "high": 0.5, "seed": 7, "decimals": 2}},
        "loss": "cross_entropy", "training": {"learning_rate": 0.1},
        "data": [{"input": [round((37 * k % 100) / 100, 2) for k in range(n_in)],
                  "target": [1 if j == 3 else 0 for j in range(n_out)]}],
    }


# --- cached work: trace, render and compile once per module ----------------------------------
@functools.cache
def traced(example: str) -> TraceLog:
    return trace(load(example))


@functools.cache
def rendered(example: str, style: str, fmt: str) -> str:
    return render_text(traced(example), fmt, RenderOptions(style=style)).text


def _gallery_files() -> list[tuple[str, str, str]]:
    """(example, problem file, style) of the gallery's walkthroughs that EXAMPLES x STYLES
    does not already cover (a second problem file, an expression), in every style they take."""
    extra = []
    for entry in catalogue():
        for file in sorted({w.problem for w in entry.walkthroughs} - {"problem.yaml"}):
            path = example_path(entry.name).with_name(file)
            allowed = GRAPH_STYLES if is_expression_file(path) else STYLES
            extra += [(entry.name, file, style) for style in allowed]
    return extra


GALLERY_EXTRA = _gallery_files()


@functools.cache
def rendered_file(example: str, file: str, style: str) -> str:
    """The LaTeX walkthrough of another problem file of a gallery example (training.yaml,
    expression.yaml)."""
    path = example_path(example).with_name(file)
    if is_expression_file(path):
        return render_graph(trace_graph(GraphProblem.from_file(path)), "tex", RenderOptions(style=style)).text
    return render_text(trace(Problem.from_file(path)), "tex", RenderOptions(style=style)).text


def render_dict(raw: dict, fmt: str = "md", **options) -> str:
    return render_text(trace(Problem.from_dict(raw)), fmt, RenderOptions(**options)).text


class Compiles:
    """pdflatex on every (example, style) LaTeX output, two at a time, each once."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(max_workers=2)
        self.jobs: dict[tuple[str, str], Future] = {}

    def start_all(self) -> None:
        for example in EXAMPLES:
            for style in STYLES:
                if has_template(style):
                    self.submit(example, style)
        for example, file, style in GALLERY_EXTRA:
            self.submit(example, style, file)

    def submit(self, example: str, style: str, file: str = "problem.yaml") -> Future:
        key = (example, style, file)
        if key not in self.jobs:
            tex = rendered(example, style, "tex") if file == "problem.yaml" else rendered_file(example, file, style)
            self.jobs[key] = self.pool.submit(compile_tex, tex)
        return self.jobs[key]

    def get(self, example: str, style: str, file: str = "problem.yaml") -> Compiled:
        return self.submit(example, style, file).result()


@pytest.fixture(scope="module")
def compiles():
    require_pdflatex()
    jobs = Compiles()
    jobs.start_all()
    yield jobs
    jobs.pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="module")
def engines():
    """KaTeX's and MathJax's verdicts on every formula of every Markdown output: one node
    process per engine; {tex: 'KaTeX: error' or 'MathJax: error'} for each rejected formula."""
    found = [f for example in EXAMPLES for style in STYLES if has_template(style)
             for f in markdown_math(rendered(example, style, "md"))]
    rejected = {tex: f"MathJax: {err}" for tex, err in mathjax_rejections(found)}
    return rejected | {tex: f"KaTeX: {err}" for tex, err in katex_rejections(found)}


# --- every style x format x example ---------------------------------------------------------
@pytest.mark.parametrize("example", EXAMPLES)
@pytest.mark.parametrize("style", styles())
@pytest.mark.parametrize("fmt", FORMATS)
def test_renders_with_its_title(example, style, fmt):
    text = rendered(example, style, fmt)
    title = traced(example).problem.title
    printer = MarkdownPrinter() if fmt == "md" else LatexPrinter()
    if fmt == "md":
        assert text.startswith(f"# {printer.text(title)}\n\n")
    else:
        assert f"\\title{{{printer.text(title)}}}" in text
        assert text.rstrip().endswith("\\end{document}")
    assert len(text) > 1000


@pytest.mark.parametrize("example", EXAMPLES)
@pytest.mark.parametrize("style", styles())
def test_latex_compiles(compiles, example, style):
    result = compiles.get(example, style)
    assert result.returncode == 0 and not result.errors, "\n".join(result.errors[:5])
    assert result.pdf.startswith(b"%PDF")


@pytest.mark.parametrize("example", EXAMPLES)
@pytest.mark.parametrize("style", styles())
def test_nothing_sticks_out_of_the_page(compiles, example, style):
    """Long chains, sums and symbol lists are broken over lines, wide drawings scaled to the
    line: pdflatex's log reports no overfull box wider than 1 pt, in any style (issue 11)."""
    assert compiles.get(example, style).wider_than(1.0) == []


#: a compact step's labels (tracer/render/compact.py) and a numbered heading (3.2 Output layer)
_LABEL = re.compile(r"(Forward pass|Loss|Backward pass|Update|Mean over the mini-batch)(, example \d+)?")
_HEADING = re.compile(r"\d+(\.\d+)*\s+[A-Z][a-z]")


def _ends_alone(pdf: bytes, tmp_path) -> list[str]:
    """The last line of every page but the last that leads into what the next page holds: a
    lead-in ending with ':', a compact label, a numbered heading."""
    ends = [page[-1] for page in _page_ends(pdf, tmp_path)[:-1] if page]
    return [line for line in ends if line.endswith(":") or _LABEL.fullmatch(line) or _HEADING.match(line)]


@pytest.mark.parametrize("example", EXAMPLES)
@pytest.mark.parametrize("style", styles())
def test_no_page_ends_with_a_heading(compiles, example, style, tmp_path):
    """A heading stays with what follows it, also where a drawing floats to the next page or
    a table follows it (issue 11; narrative l2-regularization and momentum, matrix
    conv-lenet-exercise left one at a page's foot before their tables). A page's last line is
    its lowest (pdftotext -layout): chain-rule momentum's "3.5 Old and new weights" sat above
    its table on page 7, but read in pdftotext's raw order it came after the table's columns."""
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed: the PDF's pages are not read")
    tex = rendered(example, style, "tex")
    headings = set(re.findall(r"\\(?:sub)*section\*?\{([^${}\\]+)\}", tex))
    ends = [_SECTION_NUMBER.sub("", page[-1]) for page in _page_ends(compiles.get(example, style).pdf, tmp_path) if page]
    assert [end for end in ends if end in headings] == []


def test_odd_even_fills_its_first_pages(compiles):
    """odd-even's page 1 ended a third empty (its tall network did not fit under the setup) and
    page 2 half empty (the 19-row weight table did not fit under the network): the drawing
    floats or shrinks into the room left, the training data fills page 1, and the network
    shares page 2 with the weight table, so the text on pages 1 and 2 reaches their last
    fifth. Page size and text bottom from pdftotext's boxes."""
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed: the PDF's pages are not read")
    pdf = compiles.get("odd-even", "matrix").pdf
    boxes = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "2", "-", "-"], input=pdf,
                           capture_output=True, check=True).stdout.decode("utf-8")
    for page in boxes.split("<page ")[1:]:
        height = float(re.search(r'height="([\d.]+)"', page)[1])
        bottoms = sorted(float(y) for y, word in re.findall(r'yMax="([\d.]+)">([^<]*)</word>', page)
                         if not word.strip().isdigit())
        assert bottoms[-1] > 0.8 * (height - 62.4), (height, bottoms[-1])   # 62.4 pt: the 2.2 cm margin
    tex = rendered("odd-even", "matrix", "tex")
    assert "\\begin{figure}[tp]\n\\centering\n" in tex


@pytest.mark.parametrize("example", EXAMPLES)
@pytest.mark.parametrize("style", styles())
def test_no_page_ends_with_a_lead_in_a_label_or_a_heading(compiles, example, style, tmp_path):
    """In every example and style a heading, a compact label (Forward pass) and a line
    leading into a formula stay on the page of what they lead into (issue 11: odd-even,
    xor-training, xor-epoch, adam-two-steps, han-kamber as printed)."""
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed: the PDF's pages are not read")
    assert _ends_alone(compiles.get(example, style).pdf, tmp_path) == []


@pytest.mark.parametrize(("example", "file", "style"), GALLERY_EXTRA)
def test_other_gallery_walkthroughs_stay_on_the_page(compiles, example, file, style):
    """The gallery's other problem files (classic-2-2-2's training run, the circuits) compile
    in every style they take, nothing wider than the page by more than 1 pt."""
    result = compiles.get(example, style, file)
    assert result.returncode == 0 and not result.errors, "\n".join(result.errors[:5])
    assert result.wider_than(1.0) == []


@pytest.mark.parametrize("example", EXAMPLES)
@pytest.mark.parametrize("style", styles())
def test_markdown_math_is_laid_out_and_parses(engines, example, style):
    text = rendered(example, style, "md")
    assert layout(text) == []
    found = markdown_math(text)
    assert found, "no math found"
    rejected = {tex: engines[tex] for tex, _ in found if tex in engines}
    assert rejected == {}


@pytest.mark.parametrize("example", EXAMPLES)
@pytest.mark.parametrize("style", styles())
def test_printed_numbers_are_logged(example, style):
    """Templates never compute: every number in the math is a shown string or a given value."""
    log = traced(example)
    allowed = allowed_numbers(log)
    stray = {n for tex, _ in markdown_math(rendered(example, style, "md")) for n in numbers(tex)
             if n not in allowed and n.lstrip("-") not in allowed and not _padded_whole(n, allowed)}
    assert stray == set()


def _padded_whole(n: str, allowed: set[str]) -> bool:
    """A computed whole number written with the decimals of the matrix it stands in (2.0000
    beside 1.1000: the log shows 2)."""
    whole, _, zeros = n.lstrip("-").partition(".")
    return bool(zeros) and set(zeros) == {"0"} and whole in allowed


_INDEX = re.compile(r"_\{[^{}]*\}|_[0-9A-Za-z]|\^\{[(\[][^{}]*[)\]]\}|\\text\{[^{}]*\}")
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?")
_POWER = re.compile(r"(?<![\w.])(-?\d+(?:\.\d+)?) \\times 10\^\{(-?\d+)\}")


def numbers(tex: str) -> list[str]:
    """The numbers of a formula, leaving out indices (w_{5}, h^{(1)}, A^{[2]}) and words; a tiny
    number set in a power of ten is read as the number it stands for (6.752 \\times 10^{-6}:
    0.000006752, as the log shows it)."""
    tex = _POWER.sub(lambda m: format(Decimal(m[1]).scaleb(int(m[2])), "f"), tex)
    return _NUMBER.findall(_INDEX.sub(" ", tex))


def allowed_numbers(log: TraceLog) -> set[str]:
    p = log.problem
    show = p.rounding.show
    given = [x for ex in p.data for x in (*ex.input, *ex.target)]
    given += [w for m in p.weights for row in m for w in row] + [b for bs in p.biases for b in bs]
    structural = {"0", "1", "2", str(p.training.batch_size), *map(str, p.layers)}  # 1/2, ^{2}, sum limits
    # the closing table's Change column: new minus old as printed, exactly (0.600002 - 0.6 = 0.000002)
    changes = {printed_difference(e.shown, o.shown, p.rounding.trailing_zeros)
               for e in log if e.kind in ("new_w", "new_b") for o in e.operands[:1]}
    return ({e.shown for e in log} | {o.shown for e in log for o in e.operands}
            | {show(x) for x in given} | {p.rounding.show_given(x) for x in (*given, p.training.learning_rate)}
            | structural | changes)


def test_the_number_check_can_fail():
    log = traced(CLASSIC)
    assert numbers(r"net_{h1} = 0.15 \cdot 0.05 + w_{2} \cdot i_{2} = 0.3775") == ["0.15", "0.05", "0.3775"]
    assert numbers(r"\frac{6.752 \times 10^{-6}}{1 - 0.999^{1}}") == ["0.000006752", "1", "0.999", "1"]
    assert not _padded_whole("2.0001", {"2"}) and _padded_whole("2.0000", {"2"}) and not _padded_whole("3.0", {"2"})
    assert "0.3776" not in allowed_numbers(log) and "0.3775" in allowed_numbers(log)


# --- golden files ------------------------------------------------------------------------------
@pytest.mark.parametrize("style", styles())
@pytest.mark.parametrize("fmt", FORMATS)
def test_golden(style, fmt):
    path = golden_path(style, fmt)
    if not path.is_file():
        if style == "chain-rule":
            pytest.fail(f"{path} is missing: python3 tests/regenerate_golden.py chain-rule")
        pytest.skip(f"no golden file for {style} yet: python3 tests/regenerate_golden.py {style}")
    expected = path.read_text(encoding="utf-8")
    assert rendered(CLASSIC, style, fmt) == expected, \
        f"{style} {fmt} differs from {path.name}; if intended: python3 tests/regenerate_golden.py {style}"


def test_golden_is_what_the_script_writes():
    assert render_golden("chain-rule", "md") == rendered(CLASSIC, "chain-rule", "md")


# --- the chain-rule walkthrough of the classic 2-2-2, against its published numbers ------------
def md_classic() -> str:
    return rendered(CLASSIC, "chain-rule", "md")


def test_chain_rule_headings_follow_the_walkthrough():
    headings = [line for line in md_classic().splitlines() if line.startswith("#")]
    assert headings == [
        "# A step-by-step backpropagation example", "## How to read this", "## Setup", "### Training data", "### Initial weights",
        "### Initial biases", "## Forward pass", "### Hidden layer (sigmoid)", "### Output layer (sigmoid)",
        "## Total error", "## Backward pass", "### Output layer", "#### Neuron $o_{1}$", "#### Neuron $o_{2}$",
        "#### Bias $b_{2}$", "### Hidden layer", "#### Neuron $h_{1}$", "#### Neuron $h_{2}$", "#### Bias $b_{1}$",
        "## Old and new weights"]


def test_forward_pass_and_error_as_published():
    text = md_classic()
    assert ("$$\nnet_{h1} = w_{1} \\cdot i_{1} + w_{2} \\cdot i_{2} + b_{1} = 0.15 \\cdot 0.05 + 0.2 \\cdot 0.1"
            " + 0.35 = 0.3775\n$$") in text
    assert "= \\frac{1}{1 + e^{-0.3775}} = 0.593269992\n$$" in text
    assert "= \\frac{1}{2}(0.01 - 0.75136507)^{2} = 0.274811083\n$$" in text
    assert "E_{total} = E_{o1} + E_{o2} = 0.274811083 + 0.023560026 = 0.298371109\n$$" in text


def test_output_weight_chain_with_each_factor_evaluated():
    """dE/dw5 = dE/dout_o1 . dout_o1/dnet_o1 . dnet_o1/dw5 = 0.74136507 . 0.186815602 . 0.593269992."""
    text = md_classic()
    assert "Weight $w_{5}$, from $h_{1}$ to $o_{1}$:" in text
    assert "$$\n\\frac{\\partial net_{o1}}{\\partial w_{5}} = out_{h1} = 0.593269992\n$$" in text
    assert ("\\frac{\\partial E_{total}}{\\partial w_{5}} &= \\frac{\\partial E_{total}}{\\partial out_{o1}}"
            " \\cdot \\frac{\\partial out_{o1}}{\\partial net_{o1}} \\cdot \\frac{\\partial net_{o1}}{\\partial w_{5}}"
            " = 0.74136507 \\cdot 0.186815602 \\cdot 0.593269992 \\\\\n&= 0.082167041") in text
    assert "= 0.4 - 0.5 \\cdot 0.082167041 = 0.35891648\n$$" in text
    # w7, into o2 after o1 was worked in prose: one line a quantity, gradient then update
    assert ("\\frac{\\partial E_{total}}{\\partial w_{7}} &= \\delta_{o2} \\cdot out_{h1} = -0.038098237 \\cdot "
            "0.593269992 = -0.02260254 \\\\\nw_{7}^{+} &= w_{7} - \\eta \\cdot \\frac{\\partial E_{total}}{\\partial w_{7}} "
            "= 0.5 - 0.5 \\cdot (-0.02260254) = 0.51130127 \\\\\n") in text


def test_hidden_neuron_sums_its_paths():
    """dE_total/dout_h1 = dE_o1/dout_h1 + dE_o2/dout_h1 = δ_o1·w5 + δ_o2·w7, in words and formula."""
    text = md_classic()
    assert "The output of $h_{1}$ feeds 2 neurons ($o_{1}$, $o_{2}$), so the chain rule adds the 2 paths:" in text
    assert ("\\frac{\\partial E_{total}}{\\partial out_{h1}} &= \\frac{\\partial E_{o1}}{\\partial out_{h1}}"
            " + \\frac{\\partial E_{o2}}{\\partial out_{h1}} = \\delta_{o1} \\cdot w_{5}"
            " + \\delta_{o2} \\cdot w_{7} \\\\\n&= 0.138498562 \\cdot 0.4 + (-0.038098237) \\cdot 0.5"
            " = 0.036350306") in text
    assert ("\\frac{\\partial E_{o1}}{\\partial out_{h1}} = \\frac{\\partial E_{o1}}{\\partial net_{o1}}"
            " \\cdot \\frac{\\partial net_{o1}}{\\partial out_{h1}} = \\delta_{o1} \\cdot w_{5}") in text
    assert "= 0.036350306 \\cdot 0.241300709 \\cdot 0.05 \\\\\n&= 0.000438568" in text
    assert "= 0.15 - 0.5 \\cdot 0.000438568 = 0.149780716\n$$" in text


def test_every_gradient_and_update_is_printed():
    text = md_classic()
    for e in traced(CLASSIC):
        if e.kind in ("dout", "dact", "dnet", "dw", "db", "new_w", "net", "out", "loss"):
            assert f"= {e.shown}\n" in text or f"= {e.shown} \\\\\n" in text, e.name   # a line's end


def test_shared_bias_adds_the_deltas_and_is_not_updated():
    text = md_classic()
    assert ("$$\n\\frac{\\partial E_{total}}{\\partial b_{2}} = \\delta_{o1} + \\delta_{o2}"
            " = 0.138498562 + (-0.038098237) = 0.100400325\n$$") in text
    assert "The biases are kept fixed in this problem, so $b_{2}$ keeps its value." in text
    assert "b_{2}^{+}" not in text


def test_setup_tables_name_neurons_as_the_diagram_does():
    text = md_classic()
    assert "| $w_{5}$ | $h_{1}$ | $o_{1}$ | 0.4 |" in text
    assert "| $b_{1}$ | every neuron of the hidden layer | 0.35 |" in text
    assert "| $w_{7}$ | 0.5 | 0.51130127 | 0.01130127 |" in text


def test_carried_rounding_prints_numbers_that_give_the_result():
    """With values carried (2 truncated digits) the gradient is round(δ)·out, so the chain's
    numbers are δ · out: multiplying the printed numbers by hand gives the printed result."""
    source = (ROOT / "worked_examples" / CLASSIC / "problem.yaml").read_text()
    source = re.sub(r"(?m)^rounding:.*$", "rounding: {digits: 2, mode: truncate, carry: true}", source)
    log = trace(Problem.from_text(source))
    text = render_text(log, "md", RenderOptions(full=True)).text   # each weight's chain in prose
    chains = [one_line(b).split(" = ") for b in display_blocks(text)]
    chains = [c for c in chains if re.fullmatch(r"\\frac\{\\partial E_\{total\}\}\{\\partial w_\{\d\}\}", c[0])]
    assert len(chains) == 8
    for chain in chains:  # the three factors when their printed numbers give the result, else δ · out
        symbol, factors, numbers, result = chain[0], chain[1], chain[-2], chain[-1]
        assert factors.count("\\frac") == 3 and (len(chain) == 4 or chain[2].startswith("\\delta_{"))
        product = math.prod(Decimal(x.strip("()")) for x in numbers.split(" \\cdot "))
        assert hand_truncated(product) == Decimal(result), symbol


def hand_truncated(x: Decimal) -> Decimal:
    """Two decimals truncated; a nonzero value that would become 0 keeps two significant digits."""
    kept = x.quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    if kept != 0 or x == 0:
        return kept
    return x.quantize(Decimal(1).scaleb(x.adjusted() - 1), rounding=ROUND_DOWN)


def one_line(block: str) -> str:
    """An aligned chain as the one line it stands for: a = b = c."""
    block = block.removeprefix("\\begin{aligned}\n").removesuffix("\n\\end{aligned}")
    return re.sub(r" \\\\\n&\\quad ", " ", block).replace(" \\\\\n&= ", " = ").replace(" &= ", " = ")


# --- seed 002: ReLU, per-neuron biases, two hidden layers ------------------------------------------
@pytest.fixture(scope="module")
def seed_002_md() -> str:
    return render_dict(seed_002(), full=True)   # every neuron in prose (the default: the first of a layer)


def test_relu_derivative_as_a_case_without_repeating_the_result(seed_002_md):
    cases = "\\begin{cases} 1 & \\text{if } net_{n3} > 0 \\\\ 0 & \\text{otherwise} \\end{cases}"
    # net_n3 = 0.343 and net_n4 = -0.079 (the seed's), at the problem's 4 decimals, 4 significant figures below 0.1
    assert f"\\frac{{\\partial out_{{n3}}}}{{\\partial net_{{n3}}}} = {cases} = 1 \\quad (0.3430 > 0)\n$$" in seed_002_md
    assert "= 0 \\quad (-0.07900 \\le 0)\n$$" in seed_002_md
    assert "= \\max(0, net_{n4}) = \\max(0, -0.07900) = 0\n$$" in seed_002_md
    assert not re.search(r"\\quad \([^)]*\) = [01]\b", seed_002_md)
    assert "= 1 = 1" not in seed_002_md


def test_deeper_paths_go_through_the_next_layer(seed_002_md):
    assert "The output of $n_{3}$ feeds 3 neurons ($n_{6}$, $n_{7}$, $n_{8}$), so the chain rule adds the 3 paths:" in seed_002_md
    assert ("\\frac{\\partial E_{total}}{\\partial net_{n6}} \\cdot \\frac{\\partial net_{n6}}{\\partial out_{n3}}"
            " + \\frac{\\partial E_{total}}{\\partial net_{n7}}") in seed_002_md
    assert "The output of $n_{6}$ feeds only $n_{9}$, so it reaches the error along one path:" in seed_002_md
    assert ("\\frac{\\partial E_{total}}{\\partial out_{n6}} = \\frac{\\partial E_{n9}}{\\partial out_{n6}}"
            " = \\delta_{n9} \\cdot w_{16}") in seed_002_md


def test_per_neuron_bias_has_its_own_chain(seed_002_md):
    assert "Bias $b_{7}$, added to the net input of $n_{9}$ with no weight:" in seed_002_md
    assert "$$\n\\frac{\\partial net_{n9}}{\\partial b_{7}} = 1\n$$" in seed_002_md
    assert "\\cdot \\frac{\\partial net_{n9}}{\\partial b_{7}} = " in seed_002_md
    assert "b_{7}^{\\mathrm{new}} = b_{7} - \\eta" in seed_002_md


def test_forward_pass_of_seed_002_as_published(seed_002_md):
    # the seed prints net_n3 = 0.343 and net_n4 = -0.079, dropping trailing zeros; the problem rounds
    # to 4 decimals (4 significant figures below 0.1): the same numbers as 0.3430 and -0.07900
    published, shown = ("0.343", "-0.079"), ("0.3430", "-0.07900")
    assert [Decimal(x) for x in shown] == [Decimal(x) for x in published]
    assert f"= 0.1 \\cdot 0.23 + 0.4 \\cdot 0.55 + 0.1 = {shown[0]}\n$$" in seed_002_md
    assert f"= \\max(0, net_{{n4}}) = \\max(0, {shown[1]}) = 0\n$$" in seed_002_md


# --- --weights: per-weight sections limited, tables complete ----------------------------------------
def test_weights_selection_limits_sections_not_tables():
    text = render_text(traced(CLASSIC), "md", RenderOptions(weights=("w5", "w1"))).text
    sections = re.findall(r"^Weight \$(w_\{\d+\})\$", text, re.M)
    assert sections == ["w_{5}", "w_{1}"]
    table = text[text.index("## Old and new weights"):]
    assert len(re.findall(r"^\| \$w_\{\d\}\$ \|", table, re.M)) == 8
    assert len(re.findall(r"^\| \$w_\{\d\}\$ \| \$i_\{\d\}\$ \| \$h_\{\d\}\$ \|", text, re.M)) == 4  # initial weights, layer 1


def test_weights_selection_by_layer():
    text = render_text(traced(CLASSIC), "md", RenderOptions(weights=("layer:2",))).text
    assert re.findall(r"^Weight \$(w_\{\d+\})\$", text, re.M) == ["w_{5}", "w_{6}", "w_{7}", "w_{8}"]
    assert "#### Neuron $h_{1}$" in text  # the hidden deltas stay: the sums need them


def test_selected_macro():
    log = traced(CLASSIC)
    viewer = Viewer(log, 8)
    gradients = {log.notation.quantity("weight", e.layer, e.neuron, e.source).plain: viewer.eq(e)
                 for e in log if e.kind == "dw"}
    delta = viewer.eq(next(e for e in log if e.kind == "dnet"))
    template = environment(None).from_string('{% import "_macros.j2" as m with context %}[{{ m.selected(eq) }}]')

    def selected(eq, weights):
        return template.render(eq=eq, chains=ChainView(viewer, weights), p=MarkdownPrinter()) == "[yes]"
    assert selected(gradients["w5"], ("w5", "w1")) and selected(gradients["w1"], ("w5", "w1"))
    assert not selected(gradients["w6"], ("w5", "w1"))
    assert selected(gradients["w6"], ("layer:2",)) and not selected(gradients["w2"], ("layer:2",))
    assert selected(gradients["w2"], ()) and selected(delta, ("w5",))


def test_unknown_weight_name_is_refused(tmp_path, capsys):
    out = tmp_path / "walk.md"
    assert main(["run", "--weights", "w5,w99", "-o", str(out)]) == 2
    assert capsys.readouterr().err.strip() == ("tracer: --weights: found 'w99'; expected names of this "
                                               "network's weights or biases (e.g. w1) or layer:N with N from 1 to 2")
    assert not out.exists()


# --- --max-terms: a 784-30-10 made with init stays printable -----------------------------------------
@pytest.fixture(scope="module")
def mnist_md() -> str:
    return render_dict(wide([784, 30, 10], "784-30-10"), full=True)


def display_blocks(text: str) -> list[str]:
    return re.findall(r"^\$\$\n(.*?)\n\$\$$", text, re.S | re.M)


def formula_lines(block: str) -> str:
    """The formula of an aligned chain: its first line and the lines continuing it."""
    lines = block.split(" \\\\\n")
    lines[0] = lines[0].removeprefix("\\begin{aligned}\n")
    end = next(k for k, line in enumerate(lines) if k and line.startswith("&= "))
    return " ".join(line.removeprefix("&\\quad ") for line in lines[:end])


def test_long_sums_are_elided(mnist_md):
    net = next(b for b in display_blocks(mnist_md) if b.startswith("\\begin{aligned}\nnet_{h1} &="))
    formula = formula_lines(net)
    assert "w_{1} \\cdot i_{1} + w_{2} \\cdot i_{2}" in formula
    assert "+ \\cdots + w_{784} \\cdot i_{784}" in formula and "+ b_{1}" in formula
    assert formula.count("\\cdot ") == 7 and formula.count("\\cdots") == 1  # 6 + the last, then b


def test_long_sections_are_elided_and_tables_complete(mnist_md):
    assert "The other 22 weights into $o_{1}$ ($w_{23528}$ to $w_{23549}$) work the same way" in mnist_md
    assert "The other 776 weights into $h_{1}$ ($w_{8}$ to $w_{783}$) work the same way" in mnist_md
    assert "The other 22 neurons of this layer ($h_{8}$ to $h_{29}$) work the same way" in mnist_md
    assert "#### Neuron $h_{30}$" in mnist_md and "#### Neuron $h_{8}$" not in mnist_md
    initial = mnist_md[mnist_md.index("### Initial weights"):mnist_md.index("### Initial biases")]
    assert initial.count("\n| $w_{") == 784 * 30 + 30 * 10
    changes = mnist_md[mnist_md.index("## Old and new weights"):]
    assert changes.count("\n| $w_{") == 784 * 30 + 30 * 10 and changes.count("\n| $b_{") == 40


def test_every_line_of_math_fits(mnist_md):
    """Lines of math are at most a page wide, unless one term that cannot be broken is wider
    (the softmax fraction; it still fits the LaTeX page, see the 12-6-10 test)."""
    for block in display_blocks(mnist_md):
        for line in block.split(" \\\\\n"):
            line = line.removeprefix("\\begin{aligned}\n").removesuffix("\n\\end{aligned}")
            right = line.split("&= ", 1)[-1].removeprefix("&\\quad ")
            assert width(line) <= LINE_WIDTH + 6 or len(split_terms(right)) == 1, line


def test_max_terms_option_and_latex_of_a_wide_net():
    raw = wide([12, 6, 10], "12-6-10")
    text = render_text(trace(Problem.from_dict(raw)), "tex", RenderOptions(max_terms=4)).text
    assert "net_{h1} &= w_{1} \\cdot i_{1} + w_{2} \\cdot i_{2} + \\cdots + w_{12} \\cdot i_{12} + b_{1}" in text
    # the weights after h1's first, one line each, elided past --max-terms
    assert "$\\vdots$ 8 more, $w_{4}$ to $w_{11}$." in text
    result = assert_compiles(text)
    assert result.wider_than(2.0) == []


# --- --digits, --fragment, --templates, -o FILE.md, --format pdf --------------------------------------
def test_digits_override(tmp_path):
    out = tmp_path / "walk.md"
    assert main(["run", "--digits", "3", "-o", str(out)]) == 0
    text = out.read_text()
    assert "= \\frac{1}{1 + e^{-0.378}} = 0.593\n$$" in text
    assert "0.593269992" not in text


def test_fragment_compiles_inside_a_document():
    text = render_text(traced(CLASSIC), "tex", RenderOptions(fragment=True)).text
    assert "\\documentclass" not in text and "\\begin{document}" not in text
    assert text.startswith("\\section*{A step-by-step backpropagation example}")
    document = FRAGMENT_PREAMBLE + "\\begin{document}\n\\input{walkthrough}\n\\end{document}\n"
    result = assert_compiles(document, {"walkthrough.tex": text})
    assert result.pdf.startswith(b"%PDF")


def test_templates_override_one_file(tmp_path, capsys):
    (tmp_path / "document.md.j2").write_text("# Week 3: {{ p.text(problem.title) }}\n\n{{ body }}\n")
    out = tmp_path / "walk.md"
    assert main(["run", "--templates", str(tmp_path), "-o", str(out)]) == 0
    text = out.read_text()
    assert text.startswith("# Week 3: A step-by-step backpropagation example\n\n## How to read this\n")
    log = traced(CLASSIC)
    builtin = render_text(log, "md", RenderOptions(inline_svg=False, diagram_name="walk.svg")).text
    body = builtin.split("\n", 1)[1].replace(f"\n{log.problem.description}\n", "", 1)  # the built-in document's
    assert text.split("\n", 1)[1] == body  # the built-in chain-rule body


def test_templates_error_is_one_line(tmp_path, capsys):
    (tmp_path / "document.md.j2").write_text("{{ no_such_variable }}\n")
    out = tmp_path / "walk.md"
    assert main(["run", "--templates", str(tmp_path), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"tracer: {tmp_path / 'document.md.j2'}: line 1: template error: ")
    assert "no_such_variable" in err and err.count("\n") == 1
    assert not out.exists()


def test_markdown_diagram_beside_or_inline(tmp_path, capsys):
    out = tmp_path / "walk.md"
    assert main(["run", "-o", str(out)]) == 0
    text = out.read_text()
    assert "\n![Network diagram](walk.svg)\n" in text and "<svg" not in text
    assert (tmp_path / "walk.svg").read_text().startswith("<svg")
    assert main(["run"]) == 0
    stdout = capsys.readouterr().out
    assert "\n<svg " in stdout and "](network.svg)" not in stdout


def test_pdf(tmp_path):
    require_pdflatex()
    out = tmp_path / "walk.pdf"
    assert main(["run", "--format", "pdf", "-o", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF")


# --- user text is escaped ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def hostile_log() -> TraceLog:
    source = (ROOT / "worked_examples" / CLASSIC / "problem.yaml").read_text()
    title = source.splitlines()[0]
    assert title.startswith("title: ")
    return trace(Problem.from_text(source.replace(title, "title: " + json.dumps(HOSTILE))))


def test_hostile_title_is_text_in_markdown(hostile_log):
    text = render_text(hostile_log, "md", RenderOptions()).text
    assert text.startswith("# \\\\input{/etc/passwd} \\$x\\$ &lt;script&gt; 100% \\| a\\_b \\~ \\#1 {c} ^ é\n")
    assert "<script>" not in text
    assert ("x", False) not in markdown_math(text)


def test_hostile_title_is_text_in_latex(hostile_log):
    text = render_text(hostile_log, "tex", RenderOptions()).text
    title = text[text.index("\\title{"):].split("\n", 1)[0]
    assert title == ("\\title{\\textbackslash{}input\\{/etc/passwd\\} \\$x\\$ \\textless{}script\\textgreater{}"
                     " 100\\% \\textbar{} a\\_b \\textasciitilde{} \\#1 \\{c\\} \\textasciicircum{} é}")
    result = assert_compiles(text)
    if shutil.which("pdftotext"):
        with_text = subprocess.run(["pdftotext", "-l", "1", "-", "-"], input=result.pdf, capture_output=True,
                                   check=True).stdout.decode()
        assert "\\input{/etc/passwd} $x$ <script> 100% | a" in with_text


# --- determinism -------------------------------------------------------------------------------------
def test_byte_identical_in_process():
    for fmt in FORMATS:
        again = render_text(trace(load(CLASSIC)), fmt, RenderOptions(style="chain-rule")).text
        assert again == rendered(CLASSIC, "chain-rule", fmt)


def test_byte_identical_across_processes():
    """Two fresh interpreters with other hash seeds print the same bytes as this one."""
    script = ("import sys; from tracer.engine.trace import trace; from tracer.examples import load; "
              "from tracer.render import RenderOptions, render_text; log = trace(load(sys.argv[1])); "
              "sys.stdout.write('\\0'.join(render_text(log, f, RenderOptions(style=s)).text "
              "for s in sys.argv[2:] for f in ('md', 'tex')))")
    present = [s for s in STYLES if has_template(s)]
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run([sys.executable, "-c", script, CLASSIC, *present], cwd=ROOT, env=env,
                             capture_output=True, check=True)
        outputs.append(run.stdout)
    expected = "\0".join(rendered(CLASSIC, s, f) for s in present for f in FORMATS)
    assert outputs[0] == outputs[1] == expected.encode()


# --- the printers' layout of equations --------------------------------------------------------------
def s(name: str) -> Symbol:
    return Symbol(name, name)


def n(text: str) -> Number:
    return Number(text, float(text))


def test_width_counts_fractions_by_their_wider_part():
    derivative = partial(s("E_{total}"), s("out_{o1}"))
    assert tree_width(derivative) < 10 < len(r"\partial out_{o1}")
    assert tree_width(Mul((n("0.15"), n("0.05")))) == pytest.approx(3.5 + 1.8 + 3.5)
    # the independent measure of printed LaTeX the layout tests use agrees
    assert width(latex(derivative)) == pytest.approx(tree_width(derivative))
    assert width("0.15 \\cdot 0.05") == pytest.approx(3.5 + 1.8 + 3.5)


def test_terms_only_between_top_level_terms():
    a, b, c, d = s("a"), s("b"), s("c"), s("d")
    assert [(sign, latex(t)) for sign, t in tree_terms(Sub(Add((Mul((a, b)), c)), d))] == \
        [("", r"a \cdot b"), ("+", "c"), ("-", "d")]
    assert [sign for sign, _ in tree_terms(Add((n("-0.5"), n("1"))))] == ["", "+"]
    assert split_terms(r"a \cdot b + c - d") == [r"a \cdot b", "+ c", "- d"]
    assert split_terms(r"\frac{1}{2}\left(a + b\right) - c") == [r"\frac{1}{2}\left(a + b\right)", "- c"]


def test_wrap_packs_terms_into_lines():
    products = [Mul((n(f"0.{k}{k}{k}"), n(f"0.{k}{k}"))) for k in range(1, 10)]
    lines = tree_wrap(Add(tuple(products)), 40)
    assert len(lines) > 2 and all(width(line) <= 40 for line in lines)
    assert " ".join(lines) == latex(Add(tuple(products)))


def test_chain_one_line_when_short_else_aligned():
    p = MarkdownPrinter()
    assert p.chain([s("a"), Add((s("b"), s("c"))), Add((n("1"), n("2"))), n("3")]) == \
        "$$\na = b + c = 1 + 2 = 3\n$$"
    long_sum: Node = Add(tuple(Mul((s(f"w_{{{k}}}"), s(f"x_{{{k}}}"))) for k in range(1, 13)))
    numbers_sum: Node = Add(tuple(Mul((n(f"0.{k:04d}"), n(f"0.{k:04d}"))) for k in range(1, 13)))
    out = p.chain([s("net"), long_sum, numbers_sum, n("0.5")])
    lines = out.split("\n")[2:-2]
    assert lines[0].startswith("net &= w_{1}") and lines[-1] == "&= 0.5"
    assert any(line.startswith("&\\quad + ") for line in lines)
    assert all(width(line.rstrip(" \\")) <= LINE_WIDTH for line in lines)


def test_chain_drops_repeated_steps():
    p = LatexPrinter()
    delta = s("\\delta_{o1}")
    assert p.chain([s("d"), delta, delta, n("0.5")]) == KEEP + "\\[\nd = \\delta_{o1} = 0.5\n\\]"
    reason = Where(n("1"), Relation(n("0.2"), ">", n("0")))
    assert p.chain([s("g"), s("cases"), reason, n("1")]) == KEEP + "\\[\ng = cases = 1 \\quad (0.2 > 0)\n\\]"


def test_latex_long_table_and_wrapped_cells():
    p = LatexPrinter()
    short = p.table(["a", "b"], [["1", "2"]], "lr")
    assert "\\begin{tabular}{lr}" in short
    assert "\\begin{longtable}{lr}" in p.table(["a", "b"], [["1", "2"]] * 41, "lr")
    wrapped = p.table(["a", "b", "c"], [["1", ", ".join(["0.5"] * 400), ", ".join(["0"] * 10)]], "rll")
    widths = [float(w) for w in re.findall(r"p\{(0\.\d+)\\linewidth\}", wrapped)]
    assert len(widths) == 2 and widths[0] > widths[1] >= 0.3 and sum(widths) <= 0.92


# --- the checkers themselves can fail ---------------------------------------------------------------
def test_math_checkers_catch_errors():
    assert layout("text $ x$ more\n") == ["line 1: space inside inline math $ x$"]
    assert layout("text\n$$\na\n$$\nmore\n") == ["line 2: no blank line before $$", "line 5: no blank line after $$"]
    assert markdown_math("a \\$5 and $x_1$\n\n$$\ny\n$$\n") == [("x_1", False), ("y", True)]
    bad = [("\\frac{1}{", False), ("\\nosuchmacro x", True), ("x^2", False), ("a_{1} = \\frac{1}{2}", True)]
    rejected = dict(katex_rejections(bad))
    assert set(rejected) == {"\\frac{1}{", "\\nosuchmacro x"}
    # MathJax never throws: a parse error is an merror node, an unknown macro (noundefined) red text
    rejected = dict(mathjax_rejections(bad))
    assert rejected == {"\\frac{1}{": "Missing close brace", "\\nosuchmacro x": "Undefined control sequence \\nosuchmacro"}
    assert mathjax_rejections([("\\begin{bmatrix} 1 & 2 \\end{bmatrix}", True), ("x^{", False)]) == [
        ("x^{", "Extra open brace or missing close brace")]


def test_committed_markdown_parses_in_katex_and_mathjax():
    """Every Markdown file of the gallery (worked_examples/) and every golden walkthrough, as
    committed: each formula is laid out for renderers and parses in both engines."""
    files = sorted((ROOT / "worked_examples").rglob("*.md")) + sorted((ROOT / "tests" / "golden").glob("*.md"))
    assert len(files) > 30
    found = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert layout(text) == [], path.name
        found += markdown_math(text)
    assert len(set(found)) > 1000
    assert math_errors(found) == []


def test_latex_checker_catches_errors():
    result = compile_tex("\\documentclass{article}\\begin{document}\\nosuchcommand\\end{document}")
    assert result.errors and result.errors[0].startswith("! Undefined control sequence")


def test_a_lead_in_never_ends_a_page(tmp_path):
    """Fifty lead-ins, each after a filler of another length, so some fall at a page's foot:
    none ends a page without its formula, and a heading stays with its first formula
    (LatexPrinter.display's KEEP penalty; issue 11)."""
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed: the PDF's pages are not read")
    p = LatexPrinter()
    parts = []
    for k in range(1, 51):
        parts.append(" ".join(["Filler text that takes up room on the page."] * (1 + 5 * (k % 7))))
        if k % 5 == 0:
            parts.append(p.heading(3, f"Heading {k}"))
        parts.append(f"Lead-in number {k}:")
        parts.append(p.display(f"a_{{{k}}} = b + c"))
    document = ("\\documentclass[11pt]{article}\n\\usepackage{amsmath}\n\\setlength{\\parindent}{0pt}\n"
                "\\setlength{\\parskip}{0.6em}\n\\begin{document}\n" + "\n\n".join(parts) + "\n\\end{document}\n")
    result = assert_compiles(document)
    pages = _page_ends(result.pdf, tmp_path)
    assert len(pages) > 4
    for lines in pages:
        if lines:
            assert not lines[-1].endswith(":") and not _SECTION_NUMBER.sub("", lines[-1]).startswith("Heading"), lines[-3:]


#: a numbered heading's number (3.5 in "3.5 Old and new weights"; not a list item's "1.")
_SECTION_NUMBER = re.compile(r"^\d+(\.\d+)*\s+")


def _page_ends(pdf_bytes: bytes, tmp_path) -> list[list[str]]:
    """Each page's text lines top to bottom as printed (pdftotext -layout; runs of spaces
    between a line's columns made one), page numbers left out. Not pdftotext's raw reading
    order: it reads a table column by column and may put a heading whose number it takes for
    a column of its own after the table below it (chain-rule momentum's page 7 seemed to end
    with "Old and new weights", which stood above its table)."""
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(pdf_bytes)
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    return [[" ".join(line.split()) for line in page.splitlines() if line.strip() and not line.strip().isdigit()]
            for page in pages]


def test_a_label_a_lead_in_and_a_question_keep_with_what_follows(tmp_path):
    """A compact step's bold label (Forward pass) never ends a page; nor does a lead-in line
    before an align* block; a chain's continuation line (&= -0.700) never starts a page; a
    sheet's question keeps its working box; a long table's lead-in stays with its first rows
    (issue 11: odd-even, xor-epoch, adam, han-kamber, conv-rgb-stride, exercise sheets)."""
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed: the PDF's pages are not read")
    p = LatexPrinter()
    parts = []
    for k in range(1, 41):
        parts.append(" ".join(["Filler text that takes up room on the page."] * (1 + 4 * (k % 9))))
        if k % 4 == 0:
            parts.append(p.heading(3, f"Heading {k}"))
        parts.append(p.label(f"Label {k}"))
        parts.append(f"Lead-in number {k}:")
        parts.append(p.aligned([f"a_{{{k}}} &= b + c", f"&= Continued{k}", f"d_{{{k}}} &= e"]))
        parts.append(p.numbered([f"Question {k}" + p.working_space()]))
        if k % 3 == 0:     # a long table (a longtable past LONG_TABLE rows) after its lead-in
            parts.append(f"Lead-in to table {k}:")
            parts.append(p.table(["Row", "Value"], [[str(r), f"{k}.{r}"] for r in range(LONG_TABLE + 3)]))
    document = ("\\documentclass[11pt]{article}\n\\usepackage{amsmath,booktabs,longtable}\n\\allowdisplaybreaks\n"
                "\\setlength{\\parindent}{0pt}\n\\setlength{\\parskip}{0.4em}\n\\begin{document}\n"
                + "\n\n".join(parts) + "\n\\end{document}\n")
    pages = _page_ends(assert_compiles(document).pdf, tmp_path)
    assert len(pages) > 8
    for before, after in zip(pages, pages[1:]):
        if before and after:
            assert not before[-1].endswith(":"), before[-3:]
            assert not _SECTION_NUMBER.sub("", before[-1]).startswith(("Heading", "Label", "Question")), before[-3:]
            assert not after[0].startswith("= Continued"), after[:2]


def test_tables_holding_fractions_get_row_spacing():
    """A \\frac in a tabular row touches the rules and rows around it unless the rows are
    stretched; tables without fractions keep the normal spacing."""
    p = LatexPrinter()
    fractions = p.table(["Symbol", "Meaning"], [["$\\frac{\\partial E}{\\partial w}$", "gradient"], ["$x$", "input"]])
    assert "\\renewcommand{\\arraystretch}{1.6}\n\\begin{tabular}" in fractions
    assert "arraystretch" not in p.table(["Symbol", "Meaning"], [["$x$", "input"]])
    result = assert_compiles("\\documentclass{article}\n\\usepackage{amsmath,array,booktabs}\n\\begin{document}\n"
                             f"{fractions}\nAfter the table: \\arraystretch.\n\\end{{document}}\n")
    assert result.wider_than(1.0) == []


def test_latex_table_keeps_its_lead_in_line_on_the_same_page():
    """A table's lead-in never ends a page alone: center's own break point
    (\\@beginparpenalty, -51 in article) raised to 10000 (KEEP_PENALTY) inside a group."""
    from tracer.render.printers import LatexPrinter
    assert LatexPrinter().table(["a", "b"], [["1", "2"]]) == (
        "{\\csname @beginparpenalty\\endcsname=10000\n\\begin{center}\n\\begin{tabular}{ll}\n"
        "\\toprule\na & b \\\\\n\\midrule\n1 & 2 \\\\\n\\bottomrule\n\\end{tabular}\n\\end{center}}")


def test_latex_table_prints_a_negative_number_with_a_minus_sign_not_a_hyphen():
    from tracer.render.printers import LatexPrinter
    table = LatexPrinter().table(["Parameter", "Change", "Note"], [["$w_{1}$", "-0.000219284", "a-b"], ["$w_{2}$", "0.5", "-"]])
    assert "$w_{1}$ & $-0.000219284$ & a-b \\\\\n$w_{2}$ & 0.5 & - \\\\" in table


def test_latex_table_rows_with_stacked_scripts_get_air():
    from tracer.render.printers import LatexPrinter
    stacked = LatexPrinter().table(["Weight", "Value"], [["$W^{[1]}_{11}$", "0.5"], ["$W^{[1]}_{21}$", "0.9"]])
    assert "\\begin{center}\n\\renewcommand{\\arraystretch}{1.25}\n\\begin{tabular}{ll}" in stacked
    plain = LatexPrinter().table(["Weight", "Value"], [["$w_{1}$", "0.5"]])
    assert "arraystretch" not in plain


def _tall_figure(p: LatexPrinter, cm: float, text: str) -> str:
    tikz = f"\\begin{{tikzpicture}}\\draw (0,0) rectangle (4,{cm});\\node at (2,{cm / 2}) {{{text}}};\\end{{tikzpicture}}"
    return p.figure("", tikz, "x.svg", "")


#: filler sentences: about half a page (11 pt, 2.2 cm margins)
SHRINK_FILLER = FLOAT_FILLER = 60


def test_a_figure_too_tall_for_the_room_left_shrinks_or_lets_the_text_fill_the_page(tmp_path):
    """Half a page of text, then a drawing: 14 cm tall it is shrunk onto page 1 (at least
    FIGURE_SHRINK of its height is room enough); 22 cm tall it floats to page 2 and the text
    after it fills page 1 (conv-rgb-stride's and conv-lenet-exercise's page 1 was half empty);
    a short one stays where it is, between its lead-in and what follows."""
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed: the PDF's pages are not read")
    p = LatexPrinter()
    def filler(n: int) -> str:
        return " ".join(["Filler text that takes up room on the page."] * n)
    after = "\n\n".join(f"After{k} " + " ".join(["Text after the figure."] * 8) for k in range(12))
    preamble = ("\\documentclass[11pt]{article}\n\\usepackage[margin=2.2cm]{geometry}\n\\usepackage{tikz}\n"
                "\\setlength{\\parskip}{0.4em}\n\\begin{document}\n")

    def pages(figure: str, n: int = 60) -> list[list[str]]:
        document = preamble + filler(n) + "\n\n" + figure + "\n\n" + after + "\n\\end{document}\n"
        return _page_ends(assert_compiles(document).pdf, tmp_path)

    shrunk = pages(_tall_figure(p, 14, "SHRUNK"), SHRINK_FILLER)
    assert "SHRUNK" in shrunk[0] and "After0" not in " ".join(shrunk[0])
    floated = pages(_tall_figure(p, 22, "FLOATED"), FLOAT_FILLER)
    assert "FLOATED" not in floated[0] and "FLOATED" in floated[1]
    assert any(line.startswith("After0") for line in floated[0])
    short = pages("Lead-in:\n\n" + _tall_figure(p, 2, "SHORT"))
    first_after = next(k for k, line in enumerate(short[0]) if line.startswith("After0"))
    assert short[0].index("Lead-in:") < short[0].index("SHORT") < first_after
