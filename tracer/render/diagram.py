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
* weight labels sit on white boxes along their edge, as near its sending end as
  they can without touching another label, a neuron or a text, and without another
  edge running under them (so a label never sits ambiguously at a crossing); the
  column gap widens until they all fit; when no gap fits them, the pair's edges are
  numbered and a legend under the drawing names them (MODES);
* a layer pair with more than :data:`EDGE_LABEL_LIMIT` drawn edges gets no
  weight labels at all (the walkthrough's tables hold the numbers);
* a bias shared by a layer is one node with a dashed edge to every neuron it feeds;
* names are set as the formulas set them (``DiagramSpec.names``): a_{11}, not a_11.

Indexing follows the usual ``w^{(l)}_{ji}`` notation: layers are numbered from
0 (the input layer), neurons within a layer from 1.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from tracer.formula.names import latex_math_name, name_pieces, name_width
from tracer.render.escape import drawing_latex, drawing_text, xml_text

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

LABEL_POSITIONS = tuple(round(0.15 + 0.05 * k, 2) for k in range(15))
"""Where along an edge (0 = sending end) a label may sit, tried from the sending end."""

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
    above it) or ``(l, None)`` for a bias shared by layer ``l`` (one framed
    node above the column before it, with an edge to every neuron of layer
    ``l``).  Layers count from 0, neurons from 1.  Missing keys mean "nothing
    printed".  Keys are checked; a bad key raises ValueError.
    """

    layers: tuple[int, ...]
    neuron_labels: tuple[tuple[str, ...], ...]
    edge_labels: Mapping[tuple[int, int, int], str]
    neuron_values: Mapping[tuple[int, int], str] = field(default_factory=dict)
    bias_labels: Mapping[tuple[int, int | None], str] = field(default_factory=dict)
    max_neurons: int = 8
    title: str = ""
    #: Names as the walkthrough's formulas set them: a label that is a name, or starts with
    #: one and a space ("b1 = 0.35"), is typeset (subscripts in SVG, math in TikZ).
    #: Plain spelling -> LaTeX of the documented name subset (tracer/formula/names.py).
    names: Mapping[str, str] = field(default_factory=dict)

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
    ``bias``, ``note`` (shared layer bias), ``legend`` (a numbered edge's name) or
    ``title``.  Every role except
    ``label`` and ``title`` is drawn on a white box.
    """

    x: float
    y: float
    text: str
    size: float
    role: str
    chars: float | None = None  # printed width in characters, when not len(text) (a typeset name)

    @property
    def boxed(self) -> bool:
        return self.role not in ("label", "title")

    @property
    def width(self) -> float:
        chars = len(self.text) if self.chars is None else self.chars
        return chars * CHAR_WIDTH * self.size + 2 * BOX_PAD

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
    #: A bias shared by a layer is one node (role ``note``, drawn framed) above the column
    #: before it, with an edge (x1, y1, x2, y2) to every drawn neuron of the layer it feeds.
    bias_edges: tuple[tuple[float, float, float, float], ...] = ()


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


def _chars(text: str, names: Mapping[str, str]) -> float | None:
    """Printed width of a label in characters when it holds a typeset name: a_{11} is
    narrower than a_11 (the scripts are smaller, the underscore is not printed)."""
    runs = _words(text, names)
    if not any(is_name for _, is_name in runs):
        return None
    return round(sum(name_width(run) if is_name else len(run) for run, is_name in runs), 2)


def _text(x: float, y: float, text: str, size: float, role: str, names: Mapping[str, str]) -> Text:
    return Text(x, y, text, size, role, _chars(text, names))


def _label_size(text: str, chars: float | None = None) -> float:
    """Font size for a neuron label: shrink long labels so they fit in the circle."""
    fit = 1.7 * RADIUS / (max(len(text) if chars is None else chars, 1) * CHAR_WIDTH)
    return min(LABEL_SIZE, fit)


def _column(spec: DiagramSpec, rows: Rows, l: int, x: float) -> tuple[Neuron, ...]:
    """The drawn neurons of layer ``l``, placed at horizontal position ``x``."""
    out: list[Neuron] = []
    for (layer, j), y in rows.items():
        if layer == l and j is not None:
            text = spec.neuron_labels[l][j - 1]
            chars = _chars(text, spec.names)
            out.append(Neuron(l, j, x, y, Text(x, y, text, _label_size(text, chars), "label", chars)))
    return tuple(out)


def _gaps(spec: DiagramSpec, rows: Rows, xs: tuple[float, ...]) -> tuple[Gap, ...]:
    hidden = [n - (spec.max_neurons - 1) for n in spec.layers]
    return tuple(Gap(l, xs[l], y, hidden[l]) for (l, j), y in rows.items() if j is None)


Segment = tuple[float, float, float, float]
"""(x1, y1, x2, y2) of a drawn line, in cm."""


def _hits(box: Box, seg: Segment) -> bool:
    """True if the segment passes through the box (Liang-Barsky clipping)."""
    x1, y1, x2, y2 = seg
    dx, dy = x2 - x1, y2 - y1
    lo, hi = 0.0, 1.0
    for p, q in ((-dx, x1 - box[0]), (dx, box[2] - x1), (-dy, y1 - box[1]), (dy, box[3] - y1)):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            lo = max(lo, t)
        else:
            hi = min(hi, t)
        if lo > hi:
            return False
    return True


def _edges_between(spec: DiagramSpec, senders: tuple[Neuron, ...], receivers: tuple[Neuron, ...],
                   fixed: list[Box], lines: list[Segment], mode: str) -> tuple[list[Edge], bool]:
    """Edges from the ``senders`` column into the ``receivers`` column, by receiver then sender,
    each label at the first position from its sending end (LABEL_POSITIONS) where its box
    touches no other label and no ``fixed`` box and (unless ``mode`` is ``crossing``) no
    other line runs under it, so a label never sits where two edges cross.  In mode
    ``numbers`` a label is the edge's number in this order (the legend names it).  The flag
    says whether every label found a place."""
    l = receivers[0].layer
    dense = len(senders) * len(receivers) > EDGE_LABEL_LIMIT
    own = [(s.x, s.y, r.x, r.y) for r in receivers for s in senders]
    placed: list[Box] = []
    edges, every, number = [], True, 0
    for r in receivers:
        for s in senders:
            text = None if dense or mode == "none" else spec.edge_labels.get((l, r.index, s.index))
            label, pos = None, 0.5
            if text is not None:
                number += 1
                text = str(number) if mode == "numbers" else text
                seg = (s.x, s.y, r.x, r.y)
                others = [g for g in own + lines if g != seg]
                for t in LABEL_POSITIONS:
                    here = _text(s.x + t * (r.x - s.x), s.y + t * (r.y - s.y), text, SMALL_SIZE, "edge", spec.names)
                    box = _box(here)
                    if any(_overlap(box, b) for b in placed + fixed):
                        continue
                    if mode != "crossing" and any(_hits(box, g) for g in others):
                        continue
                    label, pos = here, t
                    placed.append(box)
                    break
                every = every and label is not None
            edges.append(Edge(l, r.index, s.index, s.x, s.y, r.x, r.y, pos, label, dense))
    return edges, every


def _neuron_texts(spec: DiagramSpec, neurons: tuple[Neuron, ...]) -> Iterator[Text]:
    """Values under and per-neuron biases above the drawn neurons."""
    offset = RADIUS + TEXT_GAP + SMALL_SIZE * 0.6 + BOX_PAD
    for n in neurons:
        value = spec.neuron_values.get((n.layer, n.index))
        if value is not None:
            yield _text(n.x, n.y + offset, value, SMALL_SIZE, "value", spec.names)
        bias = spec.bias_labels.get((n.layer, n.index))
        if bias is not None:
            yield _text(n.x, n.y - offset, bias, SMALL_SIZE, "bias", spec.names)


def _box(t: Text) -> Box:
    return (t.x - t.width / 2, t.y - t.height / 2, t.x + t.width / 2, t.y + t.height / 2)


def _circle_box(n: Neuron) -> Box:
    return (n.x - RADIUS, n.y - RADIUS, n.x + RADIUS, n.y + RADIUS)


def _overlap(a: Box, b: Box) -> bool:
    """True if two boxes come closer than LABEL_CLEARANCE."""
    c = LABEL_CLEARANCE
    return a[0] < b[2] + c and b[0] < a[2] + c and a[1] < b[3] + c and b[1] < a[3] + c


def _pair(spec: DiagramSpec, rows: Rows, l: int, x0: float, gap: float,
          mode: str) -> tuple[list[Edge], bool]:
    """The edges into layer ``l`` with columns l-1 at ``x0`` and l at ``x0 + gap``; the obstacles
    are the two columns' circles and texts, and the shared bias node feeding layer l with its
    edges."""
    senders, receivers = _column(spec, rows, l - 1, x0), _column(spec, rows, l, x0 + gap)
    fixed = [_circle_box(n) for n in senders + receivers]
    fixed += [_box(t) for t in _neuron_texts(spec, senders + receivers)]
    xs = tuple(x0 if k == l - 1 else x0 + gap for k in range(len(spec.layers)))
    nodes = [t for t in _bias_nodes(spec, rows, xs) if t.x == x0]
    fixed += [_box(t) for t in nodes]
    lines = list(_bias_edges(spec, _bias_nodes(spec, rows, xs), senders + receivers))
    return _edges_between(spec, senders, receivers, fixed, [g for g in lines if g[2] == x0 + gap], mode)


MODES = ("names", "numbers", "crossing")
"""How a layer pair's weights are labelled, in order of preference: by their text off every
crossing; by numbers off every crossing, named in a legend under the drawing (long names,
crowded pairs); by their text, crossings allowed.  ``none``: no labels (nothing fits)."""


def _fit_gap(spec: DiagramSpec, rows: Rows, l: int) -> tuple[float, str]:
    """The first mode of MODES with a column gap (in GAP_STEP steps, at most MAX_COLUMN_GAP)
    where every weight label of the pair finds a place, and the smallest such gap; failing
    every mode, the largest gap and no labels (the walkthrough's tables name every weight)."""
    steps = round((MAX_COLUMN_GAP - COLUMN_GAP) / GAP_STEP) + 1
    gaps = [COLUMN_GAP + k * GAP_STEP for k in range(steps)]
    for mode in MODES:
        for gap in gaps:
            if _pair(spec, rows, l, 0.0, gap, mode)[1]:
                return gap, mode
    return MAX_COLUMN_GAP, "none"


def _column_xs(spec: DiagramSpec, rows: Rows) -> tuple[tuple[float, ...], tuple[str, ...]]:
    """Horizontal position of every column, each gap fitted to its labels, and each layer
    pair's labelling mode (MODES, or ``none``)."""
    xs, modes = [0.0], []
    for l in range(1, len(spec.layers)):
        gap, mode = _fit_gap(spec, rows, l)
        xs.append(xs[-1] + gap)
        modes.append(mode)
    return tuple(xs), tuple(modes)


LEGEND_ROWS = 4


def _legend(spec: DiagramSpec, edges: list[Edge], x0: float, x1: float, top: float) -> list[Text]:
    """Under a numbered pair, between its columns: "1: name" for each numbered edge, in
    columns of LEGEND_ROWS lines."""
    l = edges[0].layer
    entries = [f"{e.label.text}: {spec.edge_labels[(l, e.receiver, e.sender)]}" for e in edges if e.label]
    if not entries:
        return []
    probe = [_text(0.0, 0.0, t, SMALL_SIZE, "legend", spec.names) for t in entries]
    width = max(t.width for t in probe) + 0.3
    cols = -(-len(entries) // LEGEND_ROWS)
    left = (x0 + x1) / 2 - cols * width / 2
    step = SMALL_SIZE * 1.7
    return [_text(left + (k // LEGEND_ROWS) * width + width / 2, top + step / 2 + (k % LEGEND_ROWS) * step,
                  t, SMALL_SIZE, "legend", spec.names) for k, t in enumerate(entries)]


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


def _bias_nodes(spec: DiagramSpec, rows: Rows, xs: tuple[float, ...]) -> list[Text]:
    """Shared per-layer biases: one framed node each, a row above the top of the column
    before the layer (a row higher still if the layer's own column reaches that high)."""
    dy = _row_gap(spec)
    out = []
    for (l, j), text in sorted(spec.bias_labels.items(), key=lambda kv: kv[0][0]):
        if j is not None:
            continue
        top = min(y for (layer, _), y in rows.items() if layer in (l - 1, l))
        out.append(_text(xs[l - 1], top - dy, text, SMALL_SIZE, "note", spec.names))
    return out


def _bias_edges(spec: DiagramSpec, nodes: list[Text], neurons: tuple[Neuron, ...]) -> tuple[
        tuple[float, float, float, float], ...]:
    """An edge from each shared bias node to every drawn neuron of the layer it feeds."""
    layers = [l for (l, j) in sorted(spec.bias_labels, key=lambda k: k[0]) if j is None]
    return tuple((b.x, b.y, n.x, n.y) for l, b in zip(layers, nodes) for n in neurons if n.layer == l)


def _title(spec: DiagramSpec, ink: Box) -> list[Text]:
    if not spec.title:
        return []
    x = (ink[0] + ink[2]) / 2
    return [Text(x, ink[1] - TEXT_GAP - TITLE_SIZE, spec.title, TITLE_SIZE, "title")]


def layout(spec: DiagramSpec) -> Layout:
    """Compute every position of the drawing once.  Pure: no I/O, no randomness."""
    rows = _slot_rows(spec)
    xs, modes = _column_xs(spec, rows)
    columns = [_column(spec, rows, l, x) for l, x in enumerate(xs)]
    neurons = tuple(n for column in columns for n in column)
    pairs = [_pair(spec, rows, l, xs[l - 1], xs[l] - xs[l - 1], mode)[0] for l, mode in enumerate(modes, 1)]
    edges = tuple(e for pair in pairs for e in pair)
    texts = list(_neuron_texts(spec, neurons))
    notes = _bias_nodes(spec, rows, xs)
    texts += notes
    edge_texts = [e.label for e in edges if e.label is not None]
    bottom = _ink(neurons, texts + edge_texts)[3] + TEXT_GAP
    for l, (pair, mode) in enumerate(zip(pairs, modes), 1):
        if mode == "numbers":
            texts += _legend(spec, pair, xs[l - 1], xs[l], bottom)
    texts += _title(spec, _ink(neurons, texts + edge_texts))
    bounds = _ink(neurons, texts + edge_texts)
    return Layout(neurons, _gaps(spec, rows, xs), edges, tuple(texts), bounds, _bias_edges(spec, notes, neurons))


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


def _words(text: str, names: Mapping[str, str]) -> list[tuple[str, bool]]:
    """A label cut into runs: (LaTeX of a name, True) for each space-separated word that is a
    name, (plain text, False) for the rest ("b1 = 0.35" -> b_{1}, " = 0.35")."""
    out: list[tuple[str, bool]] = []
    for k, word in enumerate(text.split(" ")):
        lead = " " if k else ""
        if word in names:
            if lead:
                out.append((lead, False))
            out.append((names[word], True))
        elif out and not out[-1][1]:
            out[-1] = (out[-1][0] + lead + word, False)
        else:
            out.append((lead + word, False))
    return out


_SHIFT = {"": 0.0, "sub": 0.3, "sup": -0.45}  # baseline shift of a script, in em of the text


def _svg_content(c: _Svg, t: Text, names: Mapping[str, str]) -> str:
    """The text of a label: a name's subscripts and superscripts as smaller shifted tspans."""
    out, now = [], 0.0
    for run, is_name in _words(t.text, names):
        for text, where in (name_pieces(run) if is_name else ((run, ""),)):
            dy = (_SHIFT[where] - now) * t.size
            now = _SHIFT[where]
            attrs = (f' dy="{c.size(dy)}"' if dy else "") + (' font-size="70%"' if where else "")
            shown = xml_text(text) if is_name else drawing_text(text)   # a number's sign: −0.5
            out.append(f"<tspan{attrs}>{shown}</tspan>" if attrs else shown)
    return "".join(out)


def _svg_text(c: _Svg, t: Text, extra: str = "", names: Mapping[str, str] | None = None) -> str:
    """A <text> centred on t (baseline shifted by 0.35 em), preceded by its white box."""
    box = ""
    if t.boxed:
        x0, y0, _, _ = _box(t)
        frame = f' stroke="{LINE_COLOUR}" stroke-width="1"' if t.role == "note" else ""
        box = (
            f'<rect x="{c.x(x0)}" y="{c.y(y0)}" width="{c.size(t.width)}" '
            f'height="{c.size(t.height)}" fill="white"{frame}/>'
        )
    return (
        f'{box}<text x="{c.x(t.x)}" y="{c.y(t.y + 0.35 * t.size)}" '
        f'font-size="{c.size(t.size)}"{extra}>{_svg_content(c, t, names or {})}</text>'
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
    if lay.bias_edges:
        out.append(f'<g class="bias-edges" stroke="{EDGE_COLOUR}" stroke-width="1" stroke-dasharray="4 3">')
        out += [f'<line x1="{c.x(x1)}" y1="{c.y(y1)}" x2="{c.x(x2)}" y2="{c.y(y2)}"/>'
                for x1, y1, x2, y2 in lay.bias_edges]
        out.append("</g>")
    return out


def _svg_edge_labels(c: _Svg, lay: Layout, names: Mapping[str, str]) -> list[str]:
    labels = [_svg_text(c, e.label, names=names) for e in lay.edges if e.label is not None]
    return ['<g class="edge-labels">', *labels, "</g>"] if labels else []


def _data(data: bool, what: str, *numbers: int) -> str:
    """``data-neuron="l:j"`` / ``data-weight="l:j:i"`` (the JSON log's numbering) for the HTML
    walkthrough's stepping; nothing in a standalone SVG."""
    return f' data-{what}="{":".join(map(str, numbers))}"' if data else ""


def _svg_neurons(c: _Svg, lay: Layout, count: int, data: bool = False,
                 names: Mapping[str, str] | None = None) -> list[str]:
    out = [f'<g class="neurons" stroke="{LINE_COLOUR}" stroke-width="1.5">']
    for n in lay.neurons:
        fill = SVG_FILLS[_fill_index(n.layer, count)]
        out.append(
            f'<circle class="neuron"{_data(data, "neuron", n.layer, n.index)} cx="{c.x(n.x)}" cy="{c.y(n.y)}" '
            f'r="{c.size(RADIUS)}" fill="{fill}"/>'
        )
    out.append("</g>")
    out.append('<g class="neuron-labels">')
    out += [_svg_text(c, n.label, names=names) for n in lay.neurons]
    out.append("</g>")
    return out


def _svg_gaps(c: _Svg, lay: Layout) -> list[str]:
    return [
        f'<text class="ellipsis" x="{c.x(g.x)}" y="{c.y(g.y + 0.35 * LABEL_SIZE * 1.5)}" '
        f'font-size="{c.size(LABEL_SIZE * 1.5)}">\u22ee</text>'
        for g in lay.gaps
    ]


def _svg_texts(c: _Svg, lay: Layout, names: Mapping[str, str]) -> list[str]:
    out: list[str] = []
    for t in lay.texts:
        weight = ' font-weight="bold"' if t.role == "title" else ""
        out.append(_svg_text(c, t, f' class="{t.role}"{weight}', names if t.role != "title" else {}))
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
        + _svg_edge_labels(c, lay, spec.names)
        + _svg_neurons(c, lay, len(spec.layers), data, spec.names)
        + _svg_gaps(c, lay)
        + _svg_texts(c, lay, spec.names)
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
    "  note/.style={fill=white, draw=black!80, font=\\scriptsize, inner sep=1.5pt},",
    "  bias link/.style={draw=gray, dashed},",
    "  legend/.style={font=\\scriptsize, inner sep=1pt},",
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


def _tikz_label(t: Text, names: Mapping[str, str]) -> str:
    """A label in TikZ: a name in math as the formulas set it, the rest as escaped text."""
    return "".join(f"${latex_math_name(run)}$" if is_name else drawing_latex(run) for run, is_name in _words(t.text, names))


def _tikz_edges(lay: Layout, names: Mapping[str, str]) -> list[str]:
    style = {False: "link", True: "dense link"}
    lines = [f"\\draw[{style[e.dense]}] {_xy(e.x1, e.y1)} -- {_xy(e.x2, e.y2)};" for e in lay.edges]
    lines += [f"\\draw[bias link] {_xy(x1, y1)} -- {_xy(x2, y2)};" for x1, y1, x2, y2 in lay.bias_edges]
    labels = [
        f"\\path {_xy(e.x1, e.y1)} -- {_xy(e.x2, e.y2)} "
        f"node[edgelabel, pos={_num(e.pos, 2)}] {{{_tikz_label(e.label, names)}}};"
        for e in lay.edges
        if e.label is not None
    ]
    return lines + labels


def _tikz_neurons(lay: Layout, count: int, names: Mapping[str, str]) -> list[str]:
    return [
        f"\\node[neuron, fill={TIKZ_FILLS[_fill_index(n.layer, count)]}, "
        f"font={_tikz_font(n.label.size)}] (n{n.layer}-{n.index}) at {_xy(n.x, n.y)} "
        f"{{{_tikz_label(n.label, names)}}};"
        for n in lay.neurons
    ]


def _tikz_gaps(lay: Layout) -> list[str]:
    return [f"\\node[gap] at {_xy(g.x, g.y)} {{$\\vdots$}};" for g in lay.gaps]


def _tikz_texts(lay: Layout, names: Mapping[str, str]) -> list[str]:
    return [
        f"\\node[{t.role}] at {_xy(t.x, t.y)} {{{_tikz_label(t, names if t.role != 'title' else {})}}};"
        for t in lay.texts
    ]


def to_tikz(spec: DiagramSpec) -> str:
    """A tikzpicture environment of the network (needs only ``\\usepackage{tikz}``).

    Neurons are named ``n<layer>-<index>`` so a document can draw more on top.
    """
    lay = layout(spec)
    body = (
        _tikz_edges(lay, spec.names)
        + _tikz_neurons(lay, len(spec.layers), spec.names)
        + _tikz_gaps(lay)
        + _tikz_texts(lay, spec.names)
    )
    lines = ["\\begin{tikzpicture}[", *_TIKZ_STYLES, "]", *body, "\\end{tikzpicture}"]
    return "\n".join(lines) + "\n"
