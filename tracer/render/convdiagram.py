"""The feature maps of a convolutional network, drawn: the input and every conv and pool
layer's output as grids of cells (numbers in them while a map is small), the kernel window
of the first cell on the map a conv layer reads and that cell on its output, and every
pooling window on the map a pool reads with its winning cell shaded.

``spec`` reads the first recorded example of the view, ``layout`` places everything once
(centimetres, y down), and ``to_svg`` / ``to_tikz`` translate the same layout, so both
drawings agree. Output is deterministic; texts are escaped for their format.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..model.conv import Conv2D, Pool
from .diagram import _num, svg_head
from .escape import drawing_latex, drawing_text
from .printers import Printer

if TYPE_CHECKING:
    from .convview import ConvView

CELL = 0.62          # cm per cell
SMALL_CELL = 0.16    # cm per cell of a map drawn without numbers
GAP = 1.4            # between columns and between maps of a column
LABEL = 0.3
NUMBER = 0.2
MARGIN = 0.4
SCALE = 40.0         # SVG px per cm
WINDOW_COLOUR = "#1f5fbf"     # the kernel window and the cell it makes: blue
POOL_COLOUR = "#b3261e"       # pooling windows: red; winners shaded
WIN_FILL = "#f6d5d2"
CELL_FILL = "#dbe7fb"
PAD_COLOUR = "#aaaaaa"       # zero padding: grey
MAX_WIDTH = 16.0     # cm: the TikZ drawing is scaled down to fit the page
MAX_HEIGHT = 18.0
LIMIT = 12           # maps larger than this (rows or columns) have no numbers
#: cm a character of a cell's number takes (TikZ \scriptsize sans: a digit 0.123 cm; the
#: SVG's 0.2 cm type: 0.11 cm; the minus sign one and a half), and the air either side: a
#: cell is as wide as its widest number needs (1.7000: 0.97 cm), never narrower than CELL
CHAR = 0.125
CELL_AIR = 0.11


@dataclass
class MapSpec:
    """One channel of a map: its name, its shown values, and what is marked on it."""

    label: str
    values: np.ndarray                                       # shown strings, rows × columns
    windows: list[tuple[int, int, int, int, str]] = field(default_factory=list)   # row, col, h, w, colour
    filled: dict[tuple[int, int], str] = field(default_factory=dict)              # cell -> fill colour
    pad: tuple[int, int] = (0, 0)                            # zero padding drawn around it (light)
    cell: str = ""                                           # "l:c" for data-cell="l:c:r:k" (HTML)


@dataclass
class Box:
    x: float
    y: float
    w: float
    h: float
    stroke: str
    fill: str | None
    width: float
    cell: str = ""     # data-cell="l:c:r:k" in the HTML page's SVG: the map's cell (1-based)


@dataclass
class Label:
    x: float
    y: float
    text: str
    size: float
    colour: str = "#000000"


@dataclass
class Layout:
    width: float
    height: float
    boxes: list[Box]
    labels: list[Label]


def spec(view: ConvView, blank: bool = False) -> list[list[MapSpec]]:
    """Columns of maps: the input, then each conv and pool layer's output (first recorded example).
    ``blank`` (an exercise sheet): the computed maps are drawn empty and no pooling winner is
    marked, since those are the answers; the input and the windows stay."""
    step = view.steps[0]
    ex = view.examples(step)[0]
    problem, names = view.problem, view.names
    x = problem.input_map(ex - 1)
    maps: dict[int, list[MapSpec]] = {0: [
        MapSpec(names.cell_names("X", None, [c]).plain.replace(f"[{c + names.base}]", f"[{c + names.base},·,·]"),
                np.array([problem.rounding.show_given(float(v)) for v in x[c].ravel()], dtype=object).reshape(x[c].shape),
                cell=f"0:{c + 1}")
        for c in range(x.shape[0])]}
    for layer in view.stack:
        if not isinstance(layer, (Conv2D, Pool)):
            continue
        l = layer.index
        kind, letter = ("cell_out", "A") if isinstance(layer, Conv2D) else ("pooled", "P")
        shown = view.shown_map(view.entries(kind, step, ex, l), layer.out_shape)
        if blank:
            shown = np.full(shown.shape, "", dtype=object)
        maps[l] = [MapSpec(f"{letter}{l}[{c + names.base},·,·]", shown[c], cell=f"{l}:{c + 1}")
                   for c in range(layer.out_shape[0])]
        below = maps.get(l - 1)
        if below is None:
            continue
        if isinstance(layer, Conv2D):
            (kh, kw), (ph, pw) = layer.kernel, layer.padding
            for m in below:
                m.windows.append((0, 0, kh, kw, WINDOW_COLOUR))
                m.pad = (ph, pw)
            for m in maps[l]:
                m.filled[(0, 0)] = CELL_FILL
        else:
            kh, kw = layer.size
            for e, at in zip(view.entries("pooled", step, ex, l), np.ndindex(*layer.out_shape)):
                c, i, j = at
                p, q = i * layer.stride[0], j * layer.stride[1]
                below[c].windows.append((p, q, kh, kw, POOL_COLOUR))
                if layer.mode == "max" and not blank:
                    values = [o.value for o in e.operands]
                    first = values.index(max(values))
                    below[c].filled[(p + first // kw, q + first % kw)] = WIN_FILL
    for column in maps.values():   # positions in a padded map count from its padding's corner
        for m in column:
            if any(m.pad):
                m.filled = {(i + m.pad[0], j + m.pad[1]): f for (i, j), f in m.filled.items()}
                m.windows = [(i + m.pad[0], j + m.pad[1], h, w, c) if c != WINDOW_COLOUR else (i, j, h, w, c)
                             for i, j, h, w, c in m.windows]
    return [maps[k] for k in sorted(maps)]


def layout(columns: list[list[MapSpec]]) -> Layout:
    boxes: list[Box] = []
    labels: list[Label] = []
    x = MARGIN
    height = 0.0
    for column in columns:
        y = MARGIN + LABEL + 0.15
        widest = 0.0
        for m in column:
            (ph, pw), (inner_rows, inner_cols) = m.pad, m.values.shape
            rows, cols = inner_rows + 2 * ph, inner_cols + 2 * pw
            small = rows > LIMIT or cols > LIMIT
            cell = SMALL_CELL if small else CELL          # height
            wide = cell if small else cell_width(m)       # width
            labels.append(Label(x + cols * wide / 2, y - 0.15, m.label, LABEL))
            for (i, j), fill in sorted(m.filled.items()):
                boxes.append(Box(x + j * wide, y + i * cell, wide, cell, "none", fill, 0))
            for i in range(rows):
                for j in range(cols):
                    padding = not (ph <= i < ph + inner_rows and pw <= j < pw + inner_cols)
                    boxes.append(Box(x + j * wide, y + i * cell, wide, cell, PAD_COLOUR if padding else "#777777",
                                     None, 0.6, f"{m.cell}:{i - ph + 1}:{j - pw + 1}" if m.cell else ""))
                    text = "0" if padding else str(m.values[i - ph, j - pw])
                    if not small and text:
                        labels.append(Label(x + (j + 0.5) * wide, y + (i + 0.5) * cell + 0.35 * NUMBER, text,
                                            NUMBER, PAD_COLOUR if padding else "#000000"))
            for (i, j, h, w, colour) in m.windows:
                boxes.append(Box(x + j * wide, y + i * cell, w * wide, h * cell, colour, None, 1.8))
            widest = max(widest, cols * wide)
            y += rows * cell + GAP
        height = max(height, y)
        x += widest + GAP
    return Layout(x - GAP + MARGIN, height - GAP + MARGIN, boxes, labels)


def cell_width(m: MapSpec) -> float:
    """A numbered map's cell width: its widest number with air either side, at least CELL."""
    longest = max((len(str(v)) + 0.5 * str(v).startswith("-") for v in m.values.ravel()), default=1)
    return max(CELL, round(longest * CHAR + 2 * CELL_AIR, 2))


def _px(cm: float) -> str:
    return _num(cm * SCALE, 1)


def to_svg(lay: Layout, title: str = "", data: bool = False) -> str:
    """The SVG; ``data`` gives each cell ``data-cell="l:c:r:k"`` (the HTML page's stepping)."""
    w, h = _px(lay.width), _px(lay.height)
    out = svg_head(w, h, title)
    for b in lay.boxes:
        fill = b.fill or "none"
        stroke = f' stroke="{b.stroke}" stroke-width="{_num(b.width, 1)}"' if b.width else ""
        tag = f' data-cell="{b.cell}"' if data and b.cell else ""
        out.append(f'<rect{tag} x="{_px(b.x)}" y="{_px(b.y)}" width="{_px(b.w)}" height="{_px(b.h)}" fill="{fill}"{stroke}/>')
    for t in lay.labels:
        colour = "" if t.colour == "#000000" else f' fill="{t.colour}"'
        out.append(f'<text x="{_px(t.x)}" y="{_px(t.y)}" font-size="{_px(t.size)}"{colour}>{drawing_text(t.text)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _tikz_colour(hex_colour: str) -> str:
    """``#1f5fbf`` as xcolor's ``{rgb,255:red,31; green,95; blue,191}``."""
    r, g, b = (int(hex_colour[k:k + 2], 16) for k in (1, 3, 5))
    return f"{{rgb,255:red,{r}; green,{g}; blue,{b}}}"


def to_tikz(lay: Layout) -> str:
    """The same layout in TikZ (y flipped: TikZ's y goes up)."""
    scale = min(1.0, MAX_WIDTH / lay.width, MAX_HEIGHT / lay.height)   # fits the page
    frame = "x=1cm,y=-1cm" if scale == 1 else f"x=1cm,y=-1cm,scale={_num(scale, 3)},transform shape"
    out = [f"\\begin{{tikzpicture}}[{frame},font=\\sffamily]"]
    for b in lay.boxes:
        opts = []
        if b.fill:
            opts.append(f"fill={_tikz_colour(b.fill)}")
        if b.width:
            opts.append(f"draw={_tikz_colour(b.stroke)}")
            opts.append(f"line width={_num(b.width * 0.4, 2)}pt")
        else:
            opts.append("draw=none")
        out.append(f"\\path[{','.join(opts)}] ({_num(b.x, 3)},{_num(b.y, 3)}) rectangle "
                   f"({_num(b.x + b.w, 3)},{_num(b.y + b.h, 3)});")
    for t in lay.labels:
        size = "\\scriptsize" if t.size <= NUMBER else "\\small"
        colour = "" if t.colour == "#000000" else f"text={_tikz_colour(t.colour)},"
        out.append(f"\\node[{colour}inner sep=0pt] at ({_num(t.x, 3)},{_num(t.y - 0.3 * t.size, 3)}) "
                   f"{{{size} {drawing_latex(t.text)}}};")
    out.append("\\end{tikzpicture}")
    return "\n".join(out) + "\n"


def conv_figure(printer: Printer, view: ConvView, name: str, blank: bool = False) -> str:
    """The feature maps as the printer's figure: SVG (inline or beside the Markdown), TikZ in LaTeX;
    ``blank`` (an exercise sheet): the computed maps without their values."""
    columns = spec(view, blank)
    lay = layout(columns)
    # the maps carry the names answers are written with (A1[1,·,·]); the text writes A^{(1)}_{1,·,·}
    caption = ("Feature maps: the kernel window of the first cell (blue), pooling windows (red); the maps to "
               "compute are left empty" if blank else
               "Feature maps: the kernel window of the first cell (blue), pooling windows and their winners (red)")
    if len(columns) > 1:
        first = columns[1][0].label
        caption += (f"; each map is labelled with the name an answer uses, {first} for channel "
                    f"{first.split('[')[1].split(',')[0]} of layer {first.split('[')[0][1:]}'s output")
    svg = to_svg(lay, view.problem.title, data=getattr(printer, "svg_data", False))
    return printer.figure(svg, to_tikz(lay), name, caption)
