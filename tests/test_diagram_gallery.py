"""Every network diagram of the gallery, in every style (issue 11, "names, diagrams and
layout agree"): computed from the real layout the SVG and TikZ backends draw.

- No two label boxes overlap: weight labels, values, biases, shared-bias nodes and the
  neurons' circles (each box as wide as the layout estimates its text).
- No weight label sits on another edge: no other line (weight or shared-bias edge) runs
  under its white box, so a label at a crossing can never be read as the other edge's.
- A neuron is named in the diagram as the walkthrough names it: its label, set as the
  formulas set it, appears in the walkthrough's math.
- A shared bias is one node with an edge to every neuron of the layer it feeds.
"""
from __future__ import annotations

import functools
import itertools

import pytest

import tracer.render.figure as figure
from tests.mathcheck import markdown_math
from tracer.engine.trace import trace
from tracer.examples import example_path
from tracer.gallery import catalogue
from tracer.model.conv_problem import ConvProblem
from tracer.model.graph_problem import is_expression_file
from tracer.model.problem import Problem
from tracer.render import STYLES, RenderOptions, render_text
from tracer.render.diagram import RADIUS, DiagramSpec, Layout, Text, layout

Box = tuple[float, float, float, float]


def _networks() -> list[tuple[str, str]]:
    """(example, problem file) of every gallery walkthrough of a network trained by
    backpropagation (a learning rule's single neuron and a circuit are drawn otherwise)."""
    found = []
    for entry in catalogue():
        for file in sorted({w.problem for w in entry.walkthroughs}):
            path = example_path(entry.name).with_name(file)
            if is_expression_file(path):
                continue
            problem = Problem.from_file(path)
            if not isinstance(problem, ConvProblem) and problem.training.rule is None:
                found.append((entry.name, file))
    return found


NETWORKS = _networks()
CASES = [(example, file, style) for example, file in NETWORKS for style in STYLES]


@functools.cache
def drawn(example: str, file: str, style: str) -> tuple[list[DiagramSpec], str]:
    """The diagrams the walkthrough draws (caught on their way to the SVG backend) and its
    Markdown."""
    specs: list[DiagramSpec] = []
    real = figure.to_svg

    def catch(spec: DiagramSpec, data: bool = False) -> str:
        specs.append(spec)
        return real(spec, data)
    log = trace(Problem.from_file(example_path(example).with_name(file)))
    figure.to_svg = catch
    try:
        md = render_text(log, "md", RenderOptions(style=style, inline_svg=True)).text
    finally:
        figure.to_svg = real
    return specs, md


def box(t: Text) -> Box:
    return (t.x - t.width / 2, t.y - t.height / 2, t.x + t.width / 2, t.y + t.height / 2)


def overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def runs_under(b: Box, x1: float, y1: float, x2: float, y2: float) -> bool:
    """The line passes through the box (checked at 400 points along it)."""
    return any(b[0] < x1 + k / 400 * (x2 - x1) < b[2] and b[1] < y1 + k / 400 * (y2 - y1) < b[3]
               for k in range(401))


def boxes(lay: Layout) -> list[tuple[str, Box]]:
    named = [(f"neuron {n.label.text}", (n.x - RADIUS, n.y - RADIUS, n.x + RADIUS, n.y + RADIUS))
             for n in lay.neurons]
    named += [(f"{t.role} {t.text}", box(t)) for t in lay.texts]
    named += [(f"weight {e.label.text}", box(e.label)) for e in lay.edges if e.label is not None]
    return named


def test_the_gallery_has_network_diagrams():
    assert len(NETWORKS) >= 13
    assert all(len(drawn(example, file, style)[0]) == 1 for example, file, style in CASES)


@pytest.mark.parametrize(("example", "file", "style"), CASES)
def test_no_two_labels_overlap(example, file, style):
    for spec in drawn(example, file, style)[0]:
        lay = layout(spec)
        clash = [(a, b) for (a, p), (b, q) in itertools.combinations(boxes(lay), 2) if overlap(p, q)]
        assert clash == []
        assert any(e.label is not None for e in lay.edges), "every gallery diagram labels its weights"


@pytest.mark.parametrize(("example", "file", "style"), CASES)
def test_no_weight_label_sits_on_another_edge(example, file, style):
    for spec in drawn(example, file, style)[0]:
        lay = layout(spec)
        lines = [(e.x1, e.y1, e.x2, e.y2) for e in lay.edges] + list(lay.bias_edges)
        under = [(e.label.text, line) for e in lay.edges if e.label is not None
                 for line in lines if line != (e.x1, e.y1, e.x2, e.y2) and runs_under(box(e.label), *line)]
        assert under == []


@pytest.mark.parametrize(("example", "file", "style"), CASES)
def test_neurons_are_named_as_the_text_names_them(example, file, style):
    """devforum's diagram said n3..n6 while its text said a_{11}; odd-even's said h1_1 while
    its text said A^{[1]}: now every circle's typeset name (h_{1}) is in the walkthrough's math,
    standing alone or as the subscript the text's names carry (net_{h1}: the symbolic style names
    an output neuron only inside its quantities)."""
    specs, md = drawn(example, file, style)
    math = " ".join(tex for tex, _ in markdown_math(md))
    for spec in specs:
        labels = {label for layer in spec.neuron_labels for label in layer}
        assert {label for label in labels
                if spec.names.get(label, "\0") not in math and f"_{{{label}}}" not in math} == set()


@pytest.mark.parametrize(("example", "file"), NETWORKS)
def test_a_shared_bias_is_one_node_feeding_its_layer(example, file):
    problem = Problem.from_file(example_path(example).with_name(file))
    lay = layout(drawn(example, file, "chain-rule")[0][0])
    notes = [t for t in lay.texts if t.role == "note"]
    if problem.bias != "per_layer":
        assert notes == [] and lay.bias_edges == ()
        return
    assert len(notes) == len(problem.layers) - 1
    for l, node in enumerate(notes, 1):
        fed = {(x2, y2) for x1, y1, x2, y2 in lay.bias_edges if (x1, y1) == (node.x, node.y)}
        assert fed == {(n.x, n.y) for n in lay.neurons if n.layer == l}
