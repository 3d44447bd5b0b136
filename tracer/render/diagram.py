"""Network diagrams drawn by tracer itself, as SVG and as TikZ.

The picture is the one from backprop tutorials: neurons are circles in
vertical columns (one column per layer, input on the left), every neuron is
joined to every neuron of the next layer, and the edges carry their weights.

:func:`layout` computes every position once (pure, in centimetres, y pointing
down); :func:`to_svg` and :func:`to_tikz` only translate that layout into their
syntax, so both drawings agree.  Output is byte-identical across runs: all
numbers go through fixed formatting and all iteration orders are fixed.

Legibility rules:

* a layer wider than ``max_neurons`` is drawn as its first neurons, an
  ellipsis and its last neuron;
* weight labels sit on white boxes along their edge, at a fraction of the edge
  length that depends on the sending neuron, so labels of crossing edges
  (2-2-2 net) land at different places;
* a layer pair with more than :data:`EDGE_LABEL_LIMIT` drawn edges gets no
  weight labels at all (the walkthrough's tables hold the numbers).

Indexing follows the usual ``w^{(l)}_{ji}`` notation: layers are numbered from
0 (the input layer), neurons within a layer from 1.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from tracer.render.escape import latex_text, xml_text

__all__ = [
    "DiagramSpec",
    "Edge",
    "Gap",
    "Layout",
    "Neuron",
    "Text",
    "drawn_indices",
    "layout",
    "to_svg",
    "to_tikz",
]

# Geometry, in centimetres.
COLUMN_GAP = 4.0  # smallest distance between columns; widened until labels fit
MAX_COLUMN_GAP = 8.0
GAP_STEP = 0.5
ROW_GAP = 1.4
ROW_GAP_VALUES = 0.4  # extra row gap when values are printed under neurons
ROW_GAP_BIASES = 0.4  # extra row gap when per-neuron biases are printed above
RADIUS = 0.45
TEXT_GAP = 0.08  # between a circle and the value/bias text next to it
MARGIN = 0.25

# Text sizes (em, in cm) and the width estimate used for boxes and bounds.
LABEL_SIZE = 0.32
SMALL_SIZE = 0.25
TITLE_SIZE = 0.38
CHAR_WIDTH = 0.62  # average glyph advance in em, slightly generous
BOX_PAD = 0.05
LABEL_CLEARANCE = 0.1  # minimum free space around a weight label

EDGE_LABEL_LIMIT = 40
"""A layer pair with more drawn edges than this is drawn without weight labels."""

Box = tuple[float, float, float, float]
"""(min_x, min_y, max_x, max_y) in cm."""
Rows = Mapping[tuple[int, int | None], float]
"""Centre height of every slot: (layer, neuron index, or None for the ellipsis) -> y."""

LABEL_POS_MIN = 0.3
LABEL_POS_MAX = 0.7

SVG_SCALE = 40.0  # px per cm
SVG_FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"

# Fill per layer role: input, hidden, output.  TikZ xcolor mixes and their SVG equivalents.
TIKZ_FILLS = ("blue!8", "orange!12", "green!10")
SVG_FILLS = ("#ebebff", "#fff0e0", "#e6ffe6")
EDGE_COLOUR = "#808080"
DENSE_COLOUR = "#b3b3b3"
LINE_COLOUR = "#333333"


@dataclass(frozen=True)
class DiagramSpec:
    """What to draw.  All strings are plain text; the renderers escape them.

    ``edge_labels`` keys are ``(l, j, i)``: the edge into neuron ``j`` of layer
    ``l >= 1`` from neuron ``i`` of layer ``l - 1``.  ``neuron_values`` keys are
    ``(l, j)``; ``bias_labels`` keys are ``(l, j)`` for one neuron (printed
    above it) or ``(l, None)`` for a bias shared by layer ``l`` (printed below
    the column).  Layers count from 0, neurons from 1.  Missing keys mean
    "nothing printed".  Keys are checked; a bad key raises ValueError.
    """

    layers: tuple[int, ...]
    neuron_labels: tuple[tuple[str, ...], ...]
    edge_labels: Mapping[tuple[int, int, int], str]
    neuron_values: Mapping[tuple[int, int], str] = field(default_factory=dict)
    bias_labels: Mapping[tuple[int, int | None], str] = field(default_factory=dict)
    max_neurons: int = 8
    title: str = ""

    def __post_init__(self) -> None:
        _check_shape(self)
        _check_keys(self)


def _check_shape(spec: DiagramSpec) -> None:
    """Reject empty/negative layer sizes, label tuples that do not match, tiny max_neurons."""
    if not spec.layers or any(n < 1 for n in spec.layers):
        raise ValueError(f"layers must be non-empty positive sizes, got {spec.layers!r}")
    if spec.max_neurons < 3:
        raise ValueError("max_neurons must be >= 3 (first, ellipsis, last)")
    sizes = tuple(len(labels) for labels in spec.neuron_labels)
    if sizes != spec.layers:
        raise ValueError(f"neuron_labels sizes {sizes!r} do not match layers {spec.layers!r}")


def _check_keys(spec: DiagramSpec) -> None:
    """Reject keys that name a layer or neuron that does not exist."""
    n = spec.layers
    for l, j, i in spec.edge_labels:
        if not (1 <= l < len(n) and 1 <= j <= n[l] and 1 <= i <= n[l - 1]):
            raise ValueError(f"edge_labels key {(l, j, i)!r} out of range for layers {n!r}")
    for l, j in spec.neuron_values:
        if not (0 <= l < len(n) and 1 <= j <= n[l]):
            raise ValueError(f"neuron_values key {(l, j)!r} out of range for layers {n!r}")
    for l, jb in spec.bias_labels:
        if not (0 <= l < len(n) and (jb is None or 1 <= jb <= n[l])):
            raise ValueError(f"bias_labels key {(l, jb)!r} out of range for layers {n!r}")


# --------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class Text:
    """A piece of text centred on ``(x, y)``; ``size`` is its em size in cm.

    ``role`` is one of ``label`` (inside a neuron), ``edge``, ``value``,
    ``bias``, ``note`` (shared layer bias) or ``title``.  Every role except
    ``label`` and ``title`` is drawn on a white box.
    """

    x: float
    y: float
    text: str
    size: float
    role: str

    @property
    def boxed(self) -> bool:
        return self.role not in ("label", "title")

    @property
    def width(self) -> float:
        return len(self.text) * CHAR_WIDTH * self.size + 2 * BOX_PAD

    @property
    def height(self) -> float:
        return 1.2 * self.size + 2 * BOX_PAD


@dataclass(frozen=True)
class Neuron:
    layer: int
    index: int
    x: float
    y: float
    label: Text


@dataclass(frozen=True)
class Gap:
    """The ellipsis standing for the neurons of ``layer`` that are not drawn."""

    layer: int
    x: float
    y: float
    hidden: int


@dataclass(frozen=True)
class Edge:
    """Edge into neuron ``receiver`` of ``layer`` from ``sender`` of ``layer - 1``.

    Runs centre to centre; ``label`` (if any) sits at fraction ``pos`` of it.
    ``dense`` edges belong to a layer pair too dense to label; they are drawn lighter.
    """

    layer: int
    receiver: int
    sender: int
    x1: float
    y1: float
    x2: float
    y2: float
    pos: float
    label: Text | None
    dense: bool = False


@dataclass(frozen=True)
class Layout:
    """Everything both renderers draw, in cm with y pointing down.

    ``bounds`` is ``(min_x, min_y, max_x, max_y)`` of all ink, text included.
    """

    neurons: tuple[Neuron, ...]
    gaps: tuple[Gap, ...]
    edges: tuple[Edge, ...]
    texts: tuple[Text, ...]
    bounds: Box


def drawn_indices(n: int, max_neurons: int) -> tuple[int | None, ...]:
    """Slots of a layer of ``n`` neurons: 1-based indices, ``None`` for the ellipsis."""
    if n <= max_neurons:
        return tuple(range(1, n + 1))
    return (*range(1, max_neurons - 1), None, n)


def _row_gap(spec: DiagramSpec) -> float:
    """Vertical distance between slots; grows when values or per-neuron biases need room."""
    gap = ROW_GAP
    if spec.neuron_values:
        gap += ROW_GAP_VALUES
    if any(j is not None for _, j in spec.bias_labels):
        gap += ROW_GAP_BIASES
    return gap


def _slot_rows(spec: DiagramSpec) -> Rows:
    """Centre height of every slot, keyed by (layer, index or None); columns centred vertically."""
    slots = [drawn_indices(n, spec.max_neurons) for n in spec.layers]
    tallest = max(len(s) for s in slots)
    dy = _row_gap(spec)
    rows: dict[tuple[int, int | None], float] = {}
    for l, column in enumerate(slots):
        top = (tallest - len(column)) * dy / 2
        for k, index in enumerate(column):
            rows[(l, index)] = top + k * dy
    return rows


def _label_size(text: str) -> float:
    """Font size for a neuron label: shrink long labels so they fit in the circle."""
    fit = 1.7 * RADIUS / (max(len(text), 1) * CHAR_WIDTH)
    return min(LABEL_SIZE, fit)


def _column(spec: DiagramSpec, rows: Rows, l: int, x: float) -> tuple[Neuron, ...]:
    """The drawn neurons of layer ``l``, placed at horizontal position ``x``."""
    out: list[Neuron] = []
    for (layer, j), y in rows.items():
        if layer == l and j is not None:
            text = spec.neuron_labels[l][j - 1]
            out.append(Neuron(l, j, x, y, Text(x, y, text, _label_size(text), "label")))
    return tuple(out)


def _gaps(spec: DiagramSpec, rows: Rows, xs: tuple[float, ...]) -> tuple[Gap, ...]:
    hidden = [n - (spec.max_neurons - 1) for n in spec.layers]
    return tuple(Gap(l, xs[l], y, hidden[l]) for (l, j), y in rows.items() if j is None)


def _label_fraction(k: int, count: int) -> float:
    """Where along an edge the label of the k-th (0-based) of ``count`` senders sits."""
    if count == 1:
        return 0.5
    return LABEL_POS_MIN + (LABEL_POS_MAX - LABEL_POS_MIN) * k / (count - 1)


def _edges_between(
    spec: DiagramSpec, senders: tuple[Neuron, ...], receivers: tuple[Neuron, ...]
) -> Iterator[Edge]:
    """Edges from the ``senders`` column into the ``receivers`` column, by receiver then sender."""
    l = receivers[0].layer
    dense = len(senders) * len(receivers) > EDGE_LABEL_LIMIT
    stagger = len(senders) if len(receivers) > 1 else 1  # a fan-in has no crossings
    for r in receivers:
        for k, s in enumerate(senders):
            t = _label_fraction(k, stagger)
            text = None if dense else spec.edge_labels.get((l, r.index, s.index))
            label = None
            if text is not None:
                lx, ly = s.x + t * (r.x - s.x), s.y + t * (r.y - s.y)
                label = Text(lx, ly, text, SMALL_SIZE, "edge")
            yield Edge(l, r.index, s.index, s.x, s.y, r.x, r.y, t, label, dense)


def _neuron_texts(spec: DiagramSpec, neurons: tuple[Neuron, ...]) -> Iterator[Text]:
    """Values under and per-neuron biases above the drawn neurons."""
    offset = RADIUS + TEXT_GAP + SMALL_SIZE * 0.6 + BOX_PAD
    for n in neurons:
        value = spec.neuron_values.get((n.layer, n.index))
        if value is not None:
            yield Text(n.x, n.y + offset, value, SMALL_SIZE, "value")
        bias = spec.bias_labels.get((n.layer, n.index))
        if bias is not None:
            yield Text(n.x, n.y - offset, bias, SMALL_SIZE, "bias")


def _box(t: Text) -> Box:
    return (t.x - t.width / 2, t.y - t.height / 2, t.x + t.width / 2, t.y + t.height / 2)


def _circle_box(n: Neuron) -> Box:
    return (n.x - RADIUS, n.y - RADIUS, n.x + RADIUS, n.y + RADIUS)


def _overlap(a: Box, b: Box) -> bool:
    """True if two boxes come closer than LABEL_CLEARANCE."""
    c = LABEL_CLEARANCE
    return a[0] < b[2] + c and b[0] < a[2] + c and a[1] < b[3] + c and b[1] < a[3] + c


def _crowded(spec: DiagramSpec, rows: Rows, l: int, gap: float) -> bool:
    """True if, with columns l-1 and l ``gap`` apart, a weight label touches another box."""
    senders, receivers = _column(spec, rows, l - 1, 0.0), _column(spec, rows, l, gap)
    labels = [_box(e.label) for e in _edges_between(spec, senders, receivers) if e.label]
    fixed = [_circle_box(n) for n in senders + receivers]
    fixed += [_box(t) for t in _neuron_texts(spec, senders + receivers)]
    return any(any(_overlap(box, other) for other in labels[k + 1 :] + fixed) for k, box in enumerate(labels))


def _fit_gap(spec: DiagramSpec, rows: Rows, l: int) -> float:
    """Smallest column gap (in GAP_STEP steps, at most MAX_COLUMN_GAP) with uncrowded labels."""
    steps = round((MAX_COLUMN_GAP - COLUMN_GAP) / GAP_STEP)
    for k in range(steps):
        gap = COLUMN_GAP + k * GAP_STEP
        if not _crowded(spec, rows, l, gap):
            return gap
    return MAX_COLUMN_GAP


def _column_xs(spec: DiagramSpec, rows: Rows) -> tuple[float, ...]:
    """Horizontal position of every column; each gap is fitted to its labels."""
    xs = [0.0]
    for l in range(1, len(spec.layers)):
        xs.append(xs[-1] + _fit_gap(spec, rows, l))
    return tuple(xs)


def _extent(boxes: list[Box]) -> Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _ink(neurons: tuple[Neuron, ...], texts: list[Text]) -> Box:
    """Bounding box of circles and texts (edges and ellipses lie inside the columns)."""
    boxes = [_circle_box(n) for n in neurons]
    boxes += [_box(t) for t in texts]
    return _extent(boxes)


def _notes(spec: DiagramSpec, neurons: tuple[Neuron, ...], texts: list[Text]) -> Iterator[Text]:
    """Shared per-layer bias labels, one line below the lowest ink of their column."""
    for (l, j), text in sorted(spec.bias_labels.items(), key=lambda kv: kv[0][0]):
        if j is not None:
            continue
        column = tuple(n for n in neurons if n.layer == l)
        below = _ink(column, [t for t in texts if t.x == column[0].x])[3]
        yield Text(column[0].x, below + TEXT_GAP + SMALL_SIZE, text, SMALL_SIZE, "note")


def _title(spec: DiagramSpec, ink: Box) -> list[Text]:
    if not spec.title:
        return []
    x = (ink[0] + ink[2]) / 2
    return [Text(x, ink[1] - TEXT_GAP - TITLE_SIZE, spec.title, TITLE_SIZE, "title")]


def layout(spec: DiagramSpec) -> Layout:
    """Compute every position of the drawing once.  Pure: no I/O, no randomness."""
    rows = _slot_rows(spec)
    xs = _column_xs(spec, rows)
    columns = [_column(spec, rows, l, x) for l, x in enumerate(xs)]
    neurons = tuple(n for column in columns for n in column)
    edges = tuple(e for a, b in zip(columns, columns[1:]) for e in _edges_between(spec, a, b))
    texts = list(_neuron_texts(spec, neurons))
    texts += list(_notes(spec, neurons, texts))
    edge_texts = [e.label for e in edges if e.label is not None]
    texts += _title(spec, _ink(neurons, texts + edge_texts))
    bounds = _ink(neurons, texts + edge_texts)
    return Layout(neurons, _gaps(spec, rows, xs), edges, tuple(texts), bounds)


# --------------------------------------------------------------------------- shared formatting


def _num(x: float, digits: int) -> str:
    """Fixed-precision number without a negative zero, for byte-stable output."""
    s = f"{x:.{digits}f}"
    return s[1:] if s.startswith("-") and float(s) == 0 else s


def _fill_index(layer: int, count: int) -> int:
    """0 for the input layer, 2 for the output layer, 1 for hidden layers."""
    if layer == 0:
        return 0
    return 2 if layer == count - 1 else 1


# --------------------------------------------------------------------------- SVG


class _Svg:
    """Converts layout cm (y down) to SVG px inside a viewBox starting at 0,0."""

    def __init__(self, bounds: Box) -> None:
        self.min_x = bounds[0] - MARGIN
        self.min_y = bounds[1] - MARGIN
        self.width = (bounds[2] - bounds[0] + 2 * MARGIN) * SVG_SCALE
        self.height = (bounds[3] - bounds[1] + 2 * MARGIN) * SVG_SCALE

    def x(self, x: float) -> str:
        return _num((x - self.min_x) * SVG_SCALE, 1)

    def y(self, y: float) -> str:
        return _num((y - self.min_y) * SVG_SCALE, 1)

    @staticmethod
    def size(d: float) -> str:
        return _num(d * SVG_SCALE, 1)


def _svg_text(c: _Svg, t: Text, extra: str = "") -> str:
    """A <text> centred on t (baseline shifted by 0.35 em), preceded by its white box."""
    box = ""
    if t.boxed:
        x0, y0, _, _ = _box(t)
        box = (
            f'<rect x="{c.x(x0)}" y="{c.y(y0)}" width="{c.size(t.width)}" '
            f'height="{c.size(t.height)}" fill="white"/>'
        )
    return (
        f'{box}<text x="{c.x(t.x)}" y="{c.y(t.y + 0.35 * t.size)}" '
        f'font-size="{c.size(t.size)}"{extra}>{xml_text(t.text)}</text>'
    )


def _svg_edges(c: _Svg, lay: Layout, data: bool = False) -> list[str]:
    out: list[str] = []
    for dense, colour, width in ((False, EDGE_COLOUR, "1.2"), (True, DENSE_COLOUR, "0.8")):
        lines = [
            f'<line{_data(data, "weight", e.layer, e.receiver, e.sender)} '
            f'x1="{c.x(e.x1)}" y1="{c.y(e.y1)}" x2="{c.x(e.x2)}" y2="{c.y(e.y2)}"/>'
            for e in lay.edges
            if e.dense == dense
        ]
        if lines:
            out += [f'<g class="edges" stroke="{colour}" stroke-width="{width}">', *lines, "</g>"]
    return out


def _svg_edge_labels(c: _Svg, lay: Layout) -> list[str]:
    labels = [_svg_text(c, e.label) for e in lay.edges if e.label is not None]
    return ['<g class="edge-labels">', *labels, "</g>"] if labels else []


def _data(data: bool, what: str, *numbers: int) -> str:
    """``data-neuron="l:j"`` / ``data-weight="l:j:i"`` (the JSON log's numbering) for the HTML
    walkthrough's stepping; nothing in a standalone SVG."""
    return f' data-{what}="{":".join(map(str, numbers))}"' if data else ""


def _svg_neurons(c: _Svg, lay: Layout, count: int, data: bool = False) -> list[str]:
    out = [f'<g class="neurons" stroke="{LINE_COLOUR}" stroke-width="1.5">']
    for n in lay.neurons:
        fill = SVG_FILLS[_fill_index(n.layer, count)]
        out.append(
            f'<circle class="neuron"{_data(data, "neuron", n.layer, n.index)} cx="{c.x(n.x)}" cy="{c.y(n.y)}" '
            f'r="{c.size(RADIUS)}" fill="{fill}"/>'
        )
    out.append("</g>")
    out.append('<g class="neuron-labels">')
    out += [_svg_text(c, n.label) for n in lay.neurons]
    out.append("</g>")
    return out


def _svg_gaps(c: _Svg, lay: Layout) -> list[str]:
    return [
        f'<text class="ellipsis" x="{c.x(g.x)}" y="{c.y(g.y + 0.35 * LABEL_SIZE * 1.5)}" '
        f'font-size="{c.size(LABEL_SIZE * 1.5)}">\u22ee</text>'
        for g in lay.gaps
    ]


def _svg_texts(c: _Svg, lay: Layout) -> list[str]:
    out: list[str] = []
    for t in lay.texts:
        weight = ' font-weight="bold"' if t.role == "title" else ""
        out.append(_svg_text(c, t, f' class="{t.role}"{weight}'))
    return out


def svg_head(w: str, h: str, title: str) -> list[str]:
    """The opening of every SVG tracer draws (network, circuit, feature maps): the document
    tag with its size and font, the escaped title, a white background."""
    head = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
            f'viewBox="0 0 {w} {h}" font-family="{SVG_FONT}" text-anchor="middle">']
    if title:
        head.append(f"<title>{xml_text(title)}</title>")
    head.append(f'<rect width="{w}" height="{h}" fill="white"/>')
    return head


def to_svg(spec: DiagramSpec, data: bool = False) -> str:
    """A complete standalone SVG document of the network (deterministic, text escaped);
    ``data`` marks neurons and edges for the HTML walkthrough (``_data``)."""
    lay = layout(spec)
    c = _Svg(lay.bounds)
    w, h = _num(c.width, 1), _num(c.height, 1)
    head = svg_head(w, h, spec.title)
    body = (
        _svg_edges(c, lay, data)
        + _svg_edge_labels(c, lay)
        + _svg_neurons(c, lay, len(spec.layers), data)
        + _svg_gaps(c, lay)
        + _svg_texts(c, lay)
    )
    return "\n".join(head + body + ["</svg>"]) + "\n"


# --------------------------------------------------------------------------- TikZ

_TIKZ_STYLES = (
    "  neuron/.style={circle, draw=black!80, thick, minimum size=9mm, inner sep=0pt},",
    "  link/.style={draw=gray},",
    "  dense link/.style={draw=gray!60},",
    "  edgelabel/.style={fill=white, font=\\scriptsize, inner sep=1pt},",
    "  value/.style={fill=white, font=\\scriptsize, inner sep=1pt},",
    "  bias/.style={fill=white, font=\\scriptsize, inner sep=1pt},",
    "  note/.style={fill=white, font=\\scriptsize, inner sep=1pt},",
    "  title/.style={font=\\bfseries},",
    "  gap/.style={inner sep=0pt},",
)


def _xy(x: float, y: float) -> str:
    """TikZ coordinate in cm; layout y points down, TikZ y points up."""
    return f"({_num(x, 2)},{_num(-y, 2)})"


def _tikz_font(size: float) -> str:
    """LaTeX size command closest to a (possibly shrunk) neuron label size."""
    if size >= LABEL_SIZE:
        return "\\small"
    return "\\footnotesize" if size >= 0.8 * LABEL_SIZE else "\\scriptsize"


def _tikz_edges(lay: Layout) -> list[str]:
    style = {False: "link", True: "dense link"}
    lines = [f"\\draw[{style[e.dense]}] {_xy(e.x1, e.y1)} -- {_xy(e.x2, e.y2)};" for e in lay.edges]
    labels = [
        f"\\path {_xy(e.x1, e.y1)} -- {_xy(e.x2, e.y2)} "
        f"node[edgelabel, pos={_num(e.pos, 2)}] {{{latex_text(e.label.text)}}};"
        for e in lay.edges
        if e.label is not None
    ]
    return lines + labels


def _tikz_neurons(lay: Layout, count: int) -> list[str]:
    return [
        f"\\node[neuron, fill={TIKZ_FILLS[_fill_index(n.layer, count)]}, "
        f"font={_tikz_font(n.label.size)}] (n{n.layer}-{n.index}) at {_xy(n.x, n.y)} "
        f"{{{latex_text(n.label.text)}}};"
        for n in lay.neurons
    ]


def _tikz_gaps(lay: Layout) -> list[str]:
    return [f"\\node[gap] at {_xy(g.x, g.y)} {{$\\vdots$}};" for g in lay.gaps]


def _tikz_texts(lay: Layout) -> list[str]:
    return [
        f"\\node[{t.role}] at {_xy(t.x, t.y)} {{{latex_text(t.text)}}};" for t in lay.texts
    ]


def to_tikz(spec: DiagramSpec) -> str:
    """A tikzpicture environment of the network (needs only ``\\usepackage{tikz}``).

    Neurons are named ``n<layer>-<index>`` so a document can draw more on top.
    """
    lay = layout(spec)
    body = (
        _tikz_edges(lay)
        + _tikz_neurons(lay, len(spec.layers))
        + _tikz_gaps(lay)
        + _tikz_texts(lay)
    )
    lines = ["\\begin{tikzpicture}[", *_TIKZ_STYLES, "]", *body, "\\end{tikzpicture}"]
    return "\n".join(lines) + "\n"
