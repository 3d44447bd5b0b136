"""The circuit of an expression, drawn as in the CS231n notes: gates left to right, every wire
with its forward value above it and the gradient flowing back along it below it.

Variables sit in the first column, each gate one column right of the deepest gate feeding
it; a constant operand is written on its gate (``+1``, ``×-1``, ``^2``, ``1/``), as the notes
draw the sigmoid neuron. ``layout`` computes positions once (centimetres, y down);
``to_svg`` and ``to_tikz`` translate them, so both drawings agree. Output is deterministic
and every text is escaped for its format (``tracer.render.escape``).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..engine.gates import (
    ActivationGate,
    AddGate,
    DivGate,
    Gate,
    MaxGate,
    MulGate,
    PowGate,
    SubGate,
    number_text,
)
from ..engine.graph import GraphLog, Source
from ..formula.names import name_pieces
from ..model.expression import name_latex
from .diagram import _num, svg_head
from .escape import drawing_latex, drawing_text, latex_text, xml_text
from .printers import Printer

COLUMN_GAP = 3.4    # cm between columns
ROW_GAP = 1.7       # smallest vertical distance between two nodes of a column
GATE_HEIGHT = 0.8
CHAR = 0.2          # cm per character of a gate label (at LABEL size)
LABEL = 0.32        # text sizes, cm
SMALL = 0.26
OUT_LENGTH = 2.6    # the output wire
MARGIN = 0.4
SCALE = 40.0        # SVG px per cm
VALUE_COLOUR = "#1b7a1b"     # forward values: green, as in the notes
GRAD_COLOUR = "#b3261e"      # gradients: red
LINE_COLOUR = "#333333"
GATE_FILL = "#f3f3f3"


@dataclass(frozen=True)
class Node:
    key: Source
    x: float          # centre
    y: float
    width: float
    label: str        # plain text (SVG)
    tex: str          # TikZ node content
    name: str         # under the gate ("" for variables: their label is the name)
    is_gate: bool
    name_tex: str = ""   # TikZ: the gate's or variable's name as the text typesets it ($g_{1}$, $w_{0}$)
    name_latex: str = ""  # SVG: that name's LaTeX (g_{1}, w_{0}), set with lowered and raised tspans


@dataclass(frozen=True)
class Wire:
    x1: float
    y1: float
    x2: float
    y2: float
    value: str        # above
    grad: str         # below
    t: float = 0.5    # where along the wire the labels sit (wires fanning out from one value differ)
    key: str = ""     # SOURCE>GATE (the output's wire: NAME>), data-wire in the HTML page
    value_latex: str = ""  # the wire's name as LaTeX when it is labelled with names (numbers False)

    @property
    def mid(self) -> tuple[float, float]:
        return self.x1 + self.t * (self.x2 - self.x1), self.y1 + self.t * (self.y2 - self.y1)


@dataclass(frozen=True)
class Layout:
    nodes: tuple[Node, ...]
    wires: tuple[Wire, ...]
    width: float
    height: float


def gate_label(gate: Gate, constants: list[tuple[int, str]], n: int) -> tuple[str, str]:
    """The gate's symbol with its constant operands, plain and as TikZ text: +1, ×-1, ^2, 1/."""
    consts = [c for _, c in constants]
    where = {k for k, _ in constants}
    c = ", ".join(consts)
    if isinstance(gate, PowGate) and gate.exponent is not None:
        e = number_text(gate.exponent)
        return f"^{e}", f"$x^{{{e}}}$"
    if isinstance(gate, AddGate):
        return f"+{c}", f"$+{c}$"
    if isinstance(gate, MulGate):
        return f"×{c}", f"$\\times{c}$"
    if isinstance(gate, SubGate):
        if 0 in where and n == 2:
            return f"{c}−", f"${c}-$"
        return f"−{c}", f"$-{c}$"
    if isinstance(gate, DivGate):
        if 0 in where:
            return f"{c}/", f"${c}/$"
        return f"/{c}" if c else "÷", f"$/{c}$" if c else "$\\div$"
    if isinstance(gate, MaxGate):
        return ("max " + c).strip(), drawing_latex(("max " + c).strip())
    if isinstance(gate, PowGate):
        return "^", "$x^{y}$"
    if isinstance(gate, ActivationGate):
        return gate.activation.name, latex_text(gate.activation.name)
    symbol = {"−": ("−", "$-$"), "=": ("=", "$=$"), "exp": ("exp", "exp"), "ln": ("ln", "ln")}
    return symbol.get(gate.symbol, (gate.symbol, latex_text(gate.symbol)))


def layout(log: GraphLog, numbers: bool = True) -> Layout:
    """Positions of every variable, gate and wire; ``numbers`` False labels wires with names."""
    circuit = log.circuit
    entries = log.entries
    ys: dict[Source, float] = {}
    xs: dict[Source, float] = {}
    nodes: list[Node] = []
    for row, v in enumerate(circuit.variables):
        key = Source("variable", v)
        ys[key], xs[key] = row * ROW_GAP, 0.0
        nodes.append(Node(key, 0.0, ys[key], 0.0, v, latex_text(v), "", False, f"${name_latex(v)}$", name_latex(v)))
    depth = circuit.depth()
    columns: dict[int, list[int]] = {}
    for i, d in enumerate(depth):
        columns.setdefault(d, []).append(i)
    widths: dict[int, float] = {}
    labels: dict[int, tuple[str, str]] = {}
    for i, g in enumerate(circuit.gates):
        consts = [(k, s.name) for k, s in enumerate(g.inputs) if s.kind == "constant"]
        labels[i] = gate_label(g.gate, consts, len(g.inputs))
        widths[i] = max(GATE_HEIGHT, CHAR * len(labels[i][0]) + 0.35)
    for d in sorted(columns):
        wanted = []
        for i in columns[d]:
            feeds = [ys[s] for s in circuit.gates[i].inputs if s.kind != "constant"]
            wanted.append((sum(feeds) / len(feeds) if feeds else 0.0, i))
        last = None
        for y, i in sorted(wanted):
            y = y if last is None else max(y, last + ROW_GAP)
            last = y
            key = log.gate_source(i)
            ys[key], xs[key] = y, d * COLUMN_GAP
            g = circuit.gates[i]
            nodes.append(Node(key, xs[key], y, widths[i], labels[i][0], labels[i][1], g.name, True, f"${g.latex}$",
                              g.latex))
    right = {n.key: n.x + n.width / 2 if n.is_gate else n.x + 0.1 for n in nodes}
    left = {n.key: n.x - n.width / 2 for n in nodes}
    wires: list[Wire] = []
    for i, g in enumerate(circuit.gates):
        key = log.gate_source(i)
        live = [(k, s) for k, s in enumerate(g.inputs) if s.kind != "constant"]
        for slot, (k, s) in enumerate(live):
            dy = (slot - (len(live) - 1) / 2) * 0.22   # inputs enter the gate side by side
            value = entries[log.gate_entry[s.gate]].shown if s.kind == "gate" else None
            name = circuit.name(s)
            if s.kind == "variable":
                value = log.problem.rounding.show_given(log.problem.values[s.name])
            grad = entries[log.wire_entry[(i, k)]].shown
            uses = circuit.consumers(s)
            t = 0.5 if len(uses) == 1 else 0.3 + 0.4 * uses.index((i, k)) / (len(uses) - 1)
            wires.append(Wire(right[s], ys[s], left[key], ys[key] + dy,
                              (value or "") if numbers else name, grad if numbers else "", t, f"{name}>{g.name}",
                              "" if numbers else self_latex(log, s)))
    out = circuit.output
    out_key = log.gate_source(len(circuit.gates) - 1)
    x_end = right[out_key] + OUT_LENGTH
    wires.append(Wire(right[out_key], ys[out_key], x_end, ys[out_key],
                      log.output.shown if numbers else out.name, entries[log.seed].shown if numbers else "",
                      key=f"{out.name}>", value_latex="" if numbers else out.latex))
    nodes.append(Node(Source("variable", "→" + out.name), x_end + 0.35, ys[out_key], 0.0, out.name,
                      latex_text(out.name), "", False, f"${out.latex}$", out.latex))
    top = min(n.y for n in nodes) - MARGIN - 0.6
    width = x_end + 1.2 + 0.5 * len(out.name) * CHAR
    shift_x = 0.6 + max(CHAR * len(v) for v in circuit.variables) if circuit.variables else 0.6
    moved = tuple(replace(n, x=n.x + shift_x, y=n.y - top) for n in nodes)
    moved_wires = tuple(replace(w, x1=w.x1 + shift_x, y1=w.y1 - top, x2=w.x2 + shift_x, y2=w.y2 - top)
                        for w in wires)
    height = max(n.y for n in moved) + MARGIN + 0.8
    return Layout(moved, moved_wires, width + shift_x, height)


def self_latex(log: GraphLog, s: Source) -> str:
    """The LaTeX name of a wire's source: a variable's (w0 -> w_{0}) or a gate's (g_{1})."""
    return name_latex(s.name) if s.kind == "variable" else log.circuit.gates[s.gate].latex


def _px(x: float) -> str:
    return _num(x * SCALE, 1)


_SHIFT = {"": 0.0, "sub": 0.3, "sup": -0.45}  # baseline shift of a script, in em (as the network diagram's)


def svg_name(latex: str, plain: str, size: float) -> str:
    """A name set as the text sets it, without a math engine: its subscripts and superscripts
    as smaller tspans shifted down or up (w_{0}: w, then a lowered 0), as the network diagram
    does (``diagram._svg_content``); ``plain`` where the name is not of the documented subset.
    ``size``: the text's font size (cm), which the shifts are fractions of."""
    try:
        pieces = name_pieces(latex) if latex else ((plain, ""),)
    except ValueError:
        pieces = ((plain, ""),)
    out, now = [], 0.0
    for text, where in pieces:
        shift, now = _SHIFT[where] - now, _SHIFT[where]
        attrs = (f' dy="{_px(shift * size)}"' if shift else "") + (' font-size="70%"' if where else "")
        out.append(f"<tspan{attrs}>{xml_text(text)}</tspan>" if attrs else xml_text(text))
    return "".join(out)


def _data(data: bool, what: str, value: str) -> str:
    """``data-node="NAME"`` / ``data-wire="SOURCE>GATE"`` for the HTML page's stepping; nothing
    in a standalone SVG."""
    return f' data-{what}="{xml_text(value)}"' if data and value else ""


def to_svg(lay: Layout, title: str = "", data: bool = False) -> str:
    w, h = _px(lay.width), _px(lay.height)
    out = svg_head(w, h, title)
    out.append(f'<g class="wires" stroke="{LINE_COLOUR}" stroke-width="1.2">')
    out += [f'<line{_data(data, "wire", c.key)} x1="{_px(c.x1)}" y1="{_px(c.y1)}" '
            f'x2="{_px(c.x2)}" y2="{_px(c.y2)}"/>' for c in lay.wires]
    out.append("</g>")
    out.append(f'<g class="values" fill="{VALUE_COLOUR}" font-size="{_px(SMALL)}">')
    for c in lay.wires:
        x, y = _px(c.mid[0]), _px(c.mid[1] - 0.14)
        text = svg_name(c.value_latex, c.value, SMALL) if c.value_latex else drawing_text(c.value)
        out.append(f'<text x="{x}" y="{y}">{text}</text>')
    out.append("</g>")
    out.append(f'<g class="gradients" fill="{GRAD_COLOUR}" font-size="{_px(SMALL)}">')
    for c in lay.wires:
        if c.grad:
            x, y = _px(c.mid[0]), _px(c.mid[1] + 0.14 + SMALL)
            out.append(f'<text x="{x}" y="{y}">{drawing_text(c.grad)}</text>')
    out.append("</g>")
    out.append(f'<g class="gates" stroke="{LINE_COLOUR}" stroke-width="1.5" fill="{GATE_FILL}">')
    for n in lay.nodes:
        if n.is_gate:
            out.append(f'<rect{_data(data, "node", n.name)} x="{_px(n.x - n.width / 2)}" '
                       f'y="{_px(n.y - GATE_HEIGHT / 2)}" width="{_px(n.width)}" '
                       f'height="{_px(GATE_HEIGHT)}" rx="{_px(GATE_HEIGHT / 2)}"/>')
    out.append("</g>")
    out.append(f'<g class="labels" font-size="{_px(LABEL)}">')
    for n in lay.nodes:
        if n.is_gate:
            out.append(f'<text x="{_px(n.x)}" y="{_px(n.y + 0.35 * LABEL)}">{drawing_text(n.label)}</text>')
            out.append(f'<text class="gate-name" x="{_px(n.x)}" y="{_px(n.y + GATE_HEIGHT / 2 + 0.05 + SMALL)}" '
                       f'font-size="{_px(SMALL)}" fill="#555555">{svg_name(n.name_latex, n.name, SMALL)}</text>')
        else:
            anchor = "start" if n.key.name.startswith("→") else "end"
            node = "" if n.key.name.startswith("→") else n.key.name
            out.append(f'<text{_data(data, "node", node)} x="{_px(n.x)}" y="{_px(n.y + 0.35 * LABEL)}" text-anchor="{anchor}" '
                       f'font-style="italic">{svg_name(n.name_latex, n.label, LABEL)}</text>')
    out.append("</g>")
    return "\n".join(out + ["</svg>"]) + "\n"


def _xy(x: float, y: float) -> str:
    return f"({_num(x, 2)},{_num(-y, 2)})"


def to_tikz(lay: Layout) -> str:
    lines = ["\\begin{tikzpicture}[",
             ("  gate/.style={draw=black!80, thick, fill=black!5, rounded corners=4mm, minimum height=8mm, "
              "inner sep=2pt, font=\\small},"),
             "  value/.style={font=\\scriptsize, text=green!45!black, above=2pt, inner sep=1pt},",
             "  grad/.style={font=\\scriptsize, text=red!70!black, below=2pt, inner sep=1pt},",
             "  name/.style={font=\\scriptsize, text=black!60},",
             "]"]
    for c in lay.wires:
        # the labels ride along the wire (sloped, at its label position t): set horizontally at
        # the midpoint of a slanted wire the line ran through them (CS231n's figure slopes them too)
        at = f"pos={_num(c.t, 3)}"
        labels = f" node[value, sloped, {at}] {{{drawing_latex(c.value)}}}"
        if c.grad:
            labels += f" node[grad, sloped, {at}] {{{drawing_latex(c.grad)}}}"
        lines.append(f"\\draw {_xy(c.x1, c.y1)} -- {_xy(c.x2, c.y2)}{labels};")
    for n in lay.nodes:
        if n.is_gate:
            lines.append(f"\\node[gate, minimum width={_num(n.width, 2)}cm] at {_xy(n.x, n.y)} {{{n.tex}}};")
            lines.append(f"\\node[name] at {_xy(n.x, n.y + GATE_HEIGHT / 2 + 0.25)} {{{n.name_tex or latex_text(n.name)}}};")
        else:
            anchor = "west" if n.key.name.startswith("→") else "east"
            text = n.name_tex or f"\\textit{{{latex_text(n.label)}}}"   # as the text names it: $w_{0}$, not w0
            lines.append(f"\\node[anchor={anchor}] at {_xy(n.x, n.y)} {{{text}}};")
    lines.append("\\end{tikzpicture}")
    return "\n".join(lines) + "\n"


def circuit_figure(printer: Printer, log: GraphLog, name: str, numbers: bool = True) -> str:
    """The circuit as the printer's figure: inline SVG or a file beside Markdown, TikZ in LaTeX."""
    lay = layout(log, numbers)
    caption = "Circuit: forward values above the wires, gradients below" if numbers else "Circuit"
    svg = to_svg(lay, log.problem.title, data=getattr(printer, "svg_data", False))
    return printer.figure(svg, to_tikz(lay), name, caption)
