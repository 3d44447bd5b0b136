"""Tests for tracer.render.diagram: structure, escaping, legibility, determinism."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tracer.render.diagram import (
    EDGE_LABEL_LIMIT,
    DiagramSpec,
    drawn_indices,
    layout,
    to_svg,
    to_tikz,
)

SVG = "{http://www.w3.org/2000/svg}"
REPO = Path(__file__).resolve().parents[1]

WEIGHTS_222 = {
    (1, 1, 1): "0.15",
    (1, 1, 2): "0.20",
    (1, 2, 1): "0.25",
    (1, 2, 2): "0.30",
    (2, 1, 1): "0.40",
    (2, 1, 2): "0.45",
    (2, 2, 1): "0.50",
    (2, 2, 2): "0.55",
}
NEURONS_222 = (("i1", "i2"), ("h1", "h2"), ("o1", "o2"))


def spec_222(**kw: object) -> DiagramSpec:
    """Mazur's 2-2-2 example network."""
    args: dict[object, object] = {
        "layers": (2, 2, 2),
        "neuron_labels": NEURONS_222,
        "edge_labels": WEIGHTS_222,
    }
    args.update(kw)
    return DiagramSpec(**args)  # type: ignore[arg-type]


def labels_for(layers: tuple[int, ...]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(f"n{l}_{j}" for j in range(1, n + 1)) for l, n in enumerate(layers))


def spec_mnist() -> DiagramSpec:
    layers = (784, 30, 10)
    every_edge = {
        (l, j, i): f"{j}{i}"
        for l in (1, 2)
        for j in range(1, layers[l] + 1)
        for i in range(1, layers[l - 1] + 1)
    }
    return DiagramSpec(layers, labels_for(layers), every_edge, title="784-30-10")


def svg_root(spec: DiagramSpec) -> ET.Element:
    return ET.fromstring(to_svg(spec))


def svg_texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


# --------------------------------------------------------------------------- structure


def test_222_svg_has_six_circles_and_four_plus_four_edges() -> None:
    root = svg_root(spec_222())
    assert root.tag == f"{SVG}svg"
    assert len(list(root.iter(f"{SVG}circle"))) == 6
    assert len(list(root.iter(f"{SVG}line"))) == 8


def test_222_tikz_has_six_nodes_and_eight_edges() -> None:
    tikz = to_tikz(spec_222())
    assert tikz.startswith("\\begin{tikzpicture}[")
    assert tikz.endswith("\\end{tikzpicture}\n")
    assert tikz.count("\\node") == 6
    assert tikz.count("\\node[neuron") == 6
    assert tikz.count("\\draw[link]") == 8
    assert tikz.count("node[edgelabel") == 8


@pytest.mark.parametrize("label", [*WEIGHTS_222.values(), *itertools.chain(*NEURONS_222)])
def test_222_every_label_appears_exactly_once(label: str) -> None:
    assert svg_texts(svg_root(spec_222())).count(label) == 1
    assert to_tikz(spec_222()).count(f"{{{label}}}") == 1


def test_222_neuron_names_in_tikz() -> None:
    tikz = to_tikz(spec_222())
    for l, j in itertools.product(range(3), (1, 2)):
        assert tikz.count(f"(n{l}-{j})") == 1


def test_mnist_is_elided() -> None:
    spec = spec_mnist()
    root = svg_root(spec)
    circles = list(root.iter(f"{SVG}circle"))
    assert len(circles) == 7 * 3  # first 6 + last, per layer
    assert svg_texts(root).count("\u22ee") == 3
    assert len(list(root.iter(f"{SVG}line"))) == 7 * 7 * 2
    tikz = to_tikz(spec)
    assert tikz.count("\\node[neuron") == 21
    assert tikz.count("$\\vdots$") == 3
    assert tikz.count("\\draw[dense link]") == 98


def test_mnist_draws_first_and_last_neurons_only() -> None:
    texts = svg_texts(svg_root(spec_mnist()))
    for j in (1, 6, 784):
        assert f"n0_{j}" in texts
    for j in (7, 8, 783):
        assert f"n0_{j}" not in texts
    assert "n1_30" in texts and "n2_10" in texts


def test_mnist_omits_edge_labels() -> None:
    lay = layout(spec_mnist())
    assert all(e.label is None for e in lay.edges)
    assert all(e.dense for e in lay.edges)
    assert "edgelabel," not in to_tikz(spec_mnist()).split("]\n", 1)[1]


@pytest.mark.parametrize(("n", "limit", "labelled"), [(4, True, 16), (6, True, 0), (7, False, 0)])
def test_edge_label_limit(n: int, limit: bool, labelled: int) -> None:
    """Past EDGE_LABEL_LIMIT edges a pair is dense (lighter, unlabelled); below it every label
    is placed or, when no column gap fits them all without overlap (6 x 6), none is."""
    layers = (n, n)
    labels = {(1, j, i): f"w{j}.{i}" for j in range(1, n + 1) for i in range(1, n + 1)}
    lay = layout(DiagramSpec(layers, labels_for(layers), labels))
    assert (n * n <= EDGE_LABEL_LIMIT) is limit
    assert all(e.dense is not limit for e in lay.edges)
    assert sum(e.label is not None for e in lay.edges) == labelled


@pytest.mark.parametrize(
    ("n", "max_neurons", "expected"),
    [
        (3, 8, (1, 2, 3)),
        (8, 8, (1, 2, 3, 4, 5, 6, 7, 8)),
        (9, 8, (1, 2, 3, 4, 5, 6, None, 9)),
        (784, 8, (1, 2, 3, 4, 5, 6, None, 784)),
        (5, 3, (1, None, 5)),
    ],
)
def test_drawn_indices(n: int, max_neurons: int, expected: tuple[int | None, ...]) -> None:
    assert drawn_indices(n, max_neurons) == expected


def test_wide_single_layer_has_ellipsis() -> None:
    spec = DiagramSpec((10,), labels_for((10,)), {}, max_neurons=4)
    root = svg_root(spec)
    assert len(list(root.iter(f"{SVG}circle"))) == 3
    assert svg_texts(root).count("\u22ee") == 1
    assert layout(spec).gaps[0].hidden == 7
    assert to_tikz(spec).count("\\vdots") == 1


def test_values_and_biases_are_drawn() -> None:
    spec = spec_222(
        neuron_values={(1, 1): "0.5933", (2, 2): "0.7729"},
        bias_labels={(1, None): "b1 = 0.35", (2, 1): "b = 0.60"},
    )
    texts = svg_texts(svg_root(spec))
    for s in ("0.5933", "0.7729", "b1 = 0.35", "b = 0.60"):
        assert texts.count(s) == 1
    tikz = to_tikz(spec)
    assert tikz.count("\\node[value]") == 2
    assert tikz.count("\\node[note] ") == 1
    assert tikz.count("\\node[bias]") == 1


@pytest.mark.parametrize(
    "kw",
    [
        {"layers": ()},
        {"layers": (2, 0, 2)},
        {"neuron_labels": (("i1", "i2"), ("h1",), ("o1", "o2"))},
        {"edge_labels": {(0, 1, 1): "x"}},
        {"edge_labels": {(1, 3, 1): "x"}},
        {"edge_labels": {(3, 1, 1): "x"}},
        {"neuron_values": {(3, 1): "x"}},
        {"bias_labels": {(1, 5): "x"}},
        {"max_neurons": 2},
    ],
)
def test_invalid_spec_raises(kw: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        spec_222(**kw)


# --------------------------------------------------------------------------- legibility


def _boxes_overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("long", [False, True])
def test_222_edge_labels_do_not_overlap(long: bool) -> None:
    weights = {k: (f"w{n} = {v}" if long else v) for n, (k, v) in enumerate(WEIGHTS_222.items(), 1)}
    lay = layout(spec_222(edge_labels=weights))
    boxes = []
    for e in lay.edges:
        assert e.label is not None
        t = e.label
        boxes.append((t.x - t.width / 2, t.y - t.height / 2, t.x + t.width / 2, t.y + t.height / 2))
    for a, b in itertools.combinations(boxes, 2):
        assert not _boxes_overlap(a, b)


def test_222_labels_sit_off_the_crossing() -> None:
    """The 2-2-2 net's crossing edges: each label sits where no other edge runs under it, the
    label where it belongs."""
    edges = layout(spec_222()).edges
    for e in edges:
        assert e.label is not None
        assert not any(crosses(box_of(e.label), o) for o in edges if o is not e), e


def box_of(t) -> tuple[float, float, float, float]:
    return (t.x - t.width / 2, t.y - t.height / 2, t.x + t.width / 2, t.y + t.height / 2)


def crosses(box: tuple[float, float, float, float], edge) -> bool:
    """An edge's line passes through the box (checked at 400 points along it)."""
    return any(box[0] < edge.x1 + k / 400 * (edge.x2 - edge.x1) < box[2]
               and box[1] < edge.y1 + k / 400 * (edge.y2 - edge.y1) < box[3] for k in range(401))


def test_svg_viewbox_contains_all_drawing() -> None:
    root = svg_root(spec_222(title="A fairly long title for a small net"))
    _, _, w, h = map(float, root.get("viewBox", "").split())
    assert (root.get("width"), root.get("height")) == (f"{w:.1f}", f"{h:.1f}")
    for c in root.iter(f"{SVG}circle"):
        cx, cy, r = (float(c.get(k, "")) for k in ("cx", "cy", "r"))
        assert r <= cx <= w - r and r <= cy <= h - r
    for rect in root.iter(f"{SVG}rect"):
        x, y = float(rect.get("x", "0")), float(rect.get("y", "0"))
        assert x >= 0 and x + float(rect.get("width", "")) <= w
        assert y >= 0 and y + float(rect.get("height", "")) <= h


# --------------------------------------------------------------------------- escaping


def test_hostile_labels_are_escaped_in_svg() -> None:
    spec = spec_222(
        neuron_labels=(("<script>alert(1)</script>", "i2"), ("h1", "h2"), ("o1", 'a"b&c')),
        edge_labels={(1, 1, 1): "</text><script>x</script>"},
        title="<script>evil()</script>",
    )
    svg = to_svg(spec)
    assert "<script" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    root = ET.fromstring(svg)
    assert not [el for el in root.iter() if el.tag.endswith("script")]
    texts = svg_texts(root)
    assert "<script>alert(1)</script>" in texts
    assert "</text><script>x</script>" in texts
    assert 'a"b&c' in texts


def test_hostile_labels_are_escaped_in_tikz() -> None:
    spec = spec_222(
        neuron_labels=((r"\input{x}", "i2"), ("h1", "h2"), ("o1", "$o_2$")),
        edge_labels={(1, 1, 1): "50% & #1"},
        title=r"\input{/etc/passwd} $x$ <script>",
    )
    tikz = to_tikz(spec)
    assert r"{\textbackslash{}input\{x\}}" in tikz
    assert r"\input" not in tikz
    assert r"{\$o\_2\$}" in tikz
    assert r"{50\% \& \#1}" in tikz
    assert r"\textbackslash{}input\{/etc/passwd\} \$x\$ \textless{}script\textgreater{}" in tikz


# --------------------------------------------------------------------------- determinism

_RENDER_SNIPPET = """
import sys
from tracer.render.diagram import DiagramSpec, to_svg, to_tikz
layers = (3, 12, 2)
labels = tuple(tuple(f"n{l}{j}" for j in range(1, n + 1)) for l, n in enumerate(layers))
edges = {(2, j, i): f"{j}.{i}" for j in (1, 2) for i in range(1, 13)}
spec = DiagramSpec(layers, labels, edges, {(2, 1): "0.5"}, {(1, None): "b"}, title="t")
sys.stdout.write(to_svg(spec) + to_tikz(spec))
"""


def test_output_is_deterministic_within_a_process() -> None:
    forward = spec_222(bias_labels={(1, None): "b1", (2, None): "b2"})
    backward = spec_222(
        edge_labels=dict(reversed(list(WEIGHTS_222.items()))),
        bias_labels={(2, None): "b2", (1, None): "b1"},
    )
    assert to_svg(forward) == to_svg(forward) == to_svg(backward)
    assert to_tikz(forward) == to_tikz(forward) == to_tikz(backward)
    assert layout(forward) == layout(backward)


def test_output_is_byte_identical_across_processes() -> None:
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", _RENDER_SNIPPET],
            cwd=REPO, env=env, capture_output=True, check=True, timeout=60,
        )
        outputs.add(run.stdout)
    assert len(outputs) == 1


def test_numbers_use_fixed_formatting() -> None:
    """SVG numbers have one decimal and are >= 0; TikZ coordinates have two, no negative zero."""
    spec = spec_mnist()
    numeric = ("x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "width", "height", "font-size")
    for el in svg_root(spec).iter():
        for key in numeric:
            if key in el.attrib:
                assert re.fullmatch(r"\d+\.\d", el.attrib[key]), (el.tag, key, el.attrib[key])
    coords = re.findall(r"\(([^()]*,[^()]*)\)", to_tikz(spec))
    assert coords
    for c in coords:
        assert re.fullmatch(r"-?\d+\.\d\d,-?\d+\.\d\d", c), c
        assert "-0.00" not in c.split(",")


# --------------------------------------------------------------------------- LaTeX compile

PDFLATEX = shutil.which("pdflatex")


def _compile(tmp_path: Path, tikz: str) -> subprocess.CompletedProcess[str]:
    doc = (
        "\\documentclass{article}\n\\usepackage{tikz}\n\\pagestyle{empty}\n"
        f"\\begin{{document}}\n{tikz}\\end{{document}}\n"
    )
    (tmp_path / "fig.tex").write_text(doc, encoding="utf-8")
    return subprocess.run(
        [PDFLATEX or "pdflatex", "-interaction=nonstopmode", "-halt-on-error",
         "-no-shell-escape", "fig.tex"],
        cwd=tmp_path, capture_output=True, text=True, timeout=180,
    )


@pytest.mark.skipif(PDFLATEX is None, reason="pdflatex not installed")
def test_222_tikz_compiles(tmp_path: Path) -> None:
    spec = spec_222(
        neuron_values={(1, 1): "0.5933"},
        bias_labels={(1, None): "b1 = 0.35", (2, 1): "b = 0.60"},
        title="2-2-2",
    )
    run = _compile(tmp_path, to_tikz(spec))
    assert run.returncode == 0, run.stdout[-3000:]
    assert (tmp_path / "fig.pdf").stat().st_size > 0


@pytest.mark.skipif(PDFLATEX is None, reason="pdflatex not installed")
def test_hostile_tikz_compiles_without_reading_files(tmp_path: Path) -> None:
    spec = spec_222(
        neuron_labels=((r"\input{x}", "{"), ("}", "h2"), ("o1", "~^")),
        edge_labels={(1, 1, 1): "50% & #1 | <>", (1, 1, 2): "$\\"},
        title=r"\input{/etc/passwd} $x$ <script>",
    )
    (tmp_path / "x.tex").write_text("\\errmessage{injected}\n", encoding="utf-8")
    run = _compile(tmp_path, to_tikz(spec))
    assert run.returncode == 0, run.stdout[-3000:]
    log = (tmp_path / "fig.log").read_text(encoding="latin-1")
    assert "(/etc/passwd" not in log and "(./x.tex" not in log
