"""A convolutional network's trace as a walkthrough: sizes, feature maps cell by cell, pooling,
the backward pass through pooling and convolution, the kernel gradients and the updates.

``render_conv(log, fmt, options)`` is ``render_text`` for a ``ConvProblem``'s log: the same
printers, document templates and jinja2 environment, with the style's body from
``templates/conv/<style>.j2`` (macros in ``templates/conv/_conv.j2``). ``ConvView`` only
selects and orders entries and lays feature maps out as grids (Markdown tables, LaTeX
arrays through the formula tree's ``Matrix``); every number printed is an entry's or
operand's shown string.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import jinja2
import numpy as np

from ..engine.log import Entry, TraceLog
from ..errors import ProblemError
from ..formula.latex import latex
from ..formula.names import name_text, name_width
from ..formula.tree import Add, Apply, Boxed, Floor, Frac, Group, Matrix, Mul, Node, Number, Relation, Sigma, Sub, Symbol
from ..formula.width import EQUALS, width
from ..model.conv import Conv2D, ConvNames, Flatten, Pool, layer_type, tied
from ..model.conv_problem import ConvProblem
from ..model.layers import Dense
from ..model.losses import TOTAL
from ..model.problem import STYLES
from . import Rendered, RenderOptions, environment, tidy
from .convwords import conv_what
from .html import HtmlPrinter
from .printers import LINE_WIDTH, PRINTERS, Printer
from .view import Eq, Line, learning_rate

if TYPE_CHECKING:
    from ..sheets.exercise import Exercise

DEFAULT_STYLE = "chain-rule"
#: Feature maps larger than this (rows or columns) are drawn without their numbers.
GRID_LIMIT = 16


def _n(latex_name: str) -> Symbol:
    """A name of the documented subset (``tracer.formula.names``) as a symbol."""
    return Symbol(latex_name, name_text(latex_name))


def _partial(of: str) -> Symbol:
    """∂E/∂``of`` as one name (a ``\\partial`` fraction of the name subset)."""
    return _n(f"\\frac{{\\partial E}}{{\\partial {of}}}")


def _eq(left: Node, right: Node) -> Relation:
    return Relation(left, "=", right)


ONE = Number("1", 1.0)
#: The general formula's left side -> (the kinds of entry it defines, the layer type they are of).
_GENERAL_KINDS: dict[str, tuple[tuple[str, ...], str]] = {
    "Z_{f,i,j}": (("cell_net",), "conv"), "A_{f,i,j}": (("cell_out",), "conv"),
    "P_{c,i,j}": (("pooled",), "maxpool"), "\\delta_{f,i,j}": (("cell_dnet",), "conv"),
    "\\frac{\\partial E}{\\partial K_{f,c,u,v}}": (("dk",), "conv"),
    "\\frac{\\partial E}{\\partial b_{f}}": (("db",), "conv"), "K^{+}_{f,c,u,v}": (("new_k",), "conv"),
    "Z_{k}": (("net",), "dense"), "A_{k}": (("out",), "dense"), "W^{+}_{k,m}": (("new_w",), "dense"),
}
#: A conv or pool layer's output height (the floor, as PyTorch computes it): n_H^{(l)} =
#: ⌊(n_H^{(l−1)} − k_h^{(l)} + 2·p_h^{(l)})/s_h^{(l)}⌋ + 1, in the names of the layers' own lines
#: (n^{(l)} alone is a layer's number of values); the width likewise in n_W, k_w, p_w, s_w.
SIZE_IN, SIZE_OUT = _n("n_{H}^{(l-1)}"), _n("n_{H}^{(l)}")
OUTPUT_SIZE = Add((Floor(Frac(Add((Sub(SIZE_IN, _n("k_{h}^{(l)}")), Mul((Number("2", 2.0), _n("p_{h}^{(l)}"))))),
                              _n("s_{h}^{(l)}"))), ONE))


class Shown(str):
    """A cell's shown value and the log entry it is (None: a given value, an operand)."""

    entry: int | None

    def __new__(cls, text: str, entry: int | None) -> Shown:
        out = super().__new__(cls, text)
        out.entry = entry
        return out


@dataclass
class Grid:
    """One channel of a map (or one kernel slice) ready to print."""

    title: str                     # LaTeX: X_{1,\cdot,\cdot}
    text: str                      # the printed grid (table or display)
    note: str = ""


@dataclass
class LayerForward:
    layer: Any
    kind: str
    title: str
    kernels: list[Grid] = field(default_factory=list)
    biases: list[Node] = field(default_factory=list)    # b = 0.1, as trees
    inputs: list[Grid] = field(default_factory=list)
    worked: Eq | None = None                            # one cell in full (no elision)
    cells: list[Eq] = field(default_factory=list)
    outs: list[Eq] = field(default_factory=list)
    maps: list[Grid] = field(default_factory=list)      # Z grids (conv) / pooled grids
    out_maps: list[Grid] = field(default_factory=list)  # A grids (conv)
    notes: list[str] = field(default_factory=list)
    flat: list[list[str]] = field(default_factory=list)  # flatten: k, cell, value


@dataclass
class LayerBackward:
    layer: Any
    kind: str
    title: str
    lead: str = ""                                       # how the gradient reaches this map
    douts: list[Eq] = field(default_factory=list)
    dout_maps: list[Grid] = field(default_factory=list)
    dacts: list[Eq] = field(default_factory=list)
    dnets: list[Eq] = field(default_factory=list)
    delta_maps: list[Grid] = field(default_factory=list)
    worked: Eq | None = None                             # one kernel weight's gradient in full
    grads: list[Eq] = field(default_factory=list)        # dk / dw
    grad_maps: list[Grid] = field(default_factory=list)
    bias_grads: list[Eq] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class ConvView:
    """The log grouped as the walkthrough reads it."""

    def __init__(self, log: TraceLog, printer: Printer, max_terms: int | None, style: str) -> None:
        problem = log.problem
        assert isinstance(problem, ConvProblem)
        self.log, self.p, self.problem, self.max_terms, self.style = log, printer, problem, max_terms, style
        self.names: ConvNames = problem.names
        self.stack = problem.stack
        self._by: dict[tuple, Entry] = {}
        self._exercise: Exercise | None = None
        self._lists: dict[tuple, list[Entry]] = {}
        for e in log.entries:
            self._by[(e.kind, e.step, e.example, e.layer, e.neuron, e.source)] = e
            self._lists.setdefault((e.kind, e.step, e.example, e.layer), []).append(e)

    # --- plumbing -----------------------------------------------------------------------
    @property
    def delta(self) -> str:
        """δ in running text (LaTeX text mode has no Greek)."""
        return self.p.inline("\\delta")

    @property
    def learning_rate(self) -> Relation:
        return learning_rate(self.problem)

    def eq(self, e: Entry, full: bool = False) -> Eq:
        return Eq(e, None if full else self.max_terms)

    def entries(self, kind: str, step: int, example: int | None, layer: int) -> list[Entry]:
        return self._lists.get((kind, step, example, layer), [])

    def eqs(self, kind: str, step: int, example: int | None, layer: int) -> list[Eq]:
        return [self.eq(e) for e in self.entries(kind, step, example, layer)]

    def one(self, kind: str, step: int, example: int | None, layer: int, neuron: int | None,
            source: int | None = None) -> Entry:
        return self._by[(kind, step, example, layer, neuron, source)]

    @property
    def steps(self) -> list[int]:
        return self.log.steps

    def examples(self, step: int) -> list[int]:
        return sorted({e.example for e in self.log.entries if e.step == step and e.example is not None})

    def batched(self, step: int) -> bool:
        return len(self.examples(step)) > 1

    @property
    def convention(self) -> str:
        if self.problem.convolution == "convolution":
            return ("Convention: convolution, as signal-processing texts write it. The kernel is flipped in both "
                    "directions for the sums (the window's first cell meets the kernel's last weight); kernels "
                    "are stored, updated and printed as the problem writes them.")
        return ("Convention: cross-correlation, what deep-learning libraries compute. The kernel is laid on the "
                "window as written (the window's first cell meets the kernel's first weight).")

    @property
    def indexing(self) -> str:
        first = self.names.base
        return (f"Cells are named with brackets [channel, row, column], counted from {first}; a kernel weight "
                f"K[f, c, i, j] is filter f, input channel c, row i, column j. Layers are numbered from 1 "
                "(every conv, pool, flatten and dense layer counts).")

    # --- the network ----------------------------------------------------------------------
    def layer_rows(self) -> list[list[str]]:
        """Layer, type, input, output, settings, parameters."""
        def shape(s: Sequence[int]) -> str:
            return "×".join(map(str, s))

        def pair(s: Sequence[int]) -> str:
            return str(s[0]) if s[0] == s[1] else shape(s)
        rows = []
        current: Sequence[int] = self.problem.input_shape
        for layer in self.stack:
            if isinstance(layer, Conv2D):
                kind = "conv"
                out: Sequence[int] = layer.out_shape
                settings = (f"{layer.filters} filter{'s' * (layer.filters != 1)} {shape(layer.kernel)}, "
                            f"stride {pair(layer.stride)}, padding {pair(layer.padding)}, {layer.activation.name}")
                params = str(layer.param_count)
            elif isinstance(layer, Pool):
                kind, out = layer.type, layer.out_shape
                settings, params = f"window {shape(layer.size)}, stride {pair(layer.stride)}", "0"
            elif isinstance(layer, Flatten):
                kind, out, settings, params = "flatten", (layer.size,), "channel, row, column", "0"
            else:
                kind, out = "dense", (layer.size,)
                settings, params = f"{layer.size} units, {layer.activation.name}", str(layer.size * (layer.inputs + 1))
            rows.append([str(layer.index), kind, shape(current), shape(out), settings, params])
            current = out
        return rows

    def total_params(self) -> int:
        return sum(layer.param_count if isinstance(layer, Conv2D) else layer.size * (layer.inputs + 1)
                   for layer in self.stack if isinstance(layer, (Conv2D, Dense)))

    def sizes(self, step: int) -> list[tuple[Any, list[Eq], list[str]]]:
        """Per conv/pool layer: its height and width lines and where the floor drops rows or columns."""
        out = []
        for layer in self.stack:
            if not isinstance(layer, (Conv2D, Pool)):
                continue
            eqs = [self.eq(self.one("out_size", step, None, layer.index, n)) for n in (1, 2)]
            out.append((layer, eqs, self.floor_notes(layer)))
        return out

    def floor_notes(self, layer: Conv2D | Pool) -> list[str]:
        notes = []
        kernel = layer.kernel if isinstance(layer, Conv2D) else layer.size
        padding = layer.padding if isinstance(layer, Conv2D) else (0, 0)
        for d, (what, whats) in enumerate((("row", "rows"), ("column", "columns"))):
            size = layer.in_shape[1 + d] + 2 * padding[d]
            rest = (size - kernel[d]) % layer.stride[d]
            if not rest:
                continue
            first = size - rest - padding[d] + self.names.base  # the first dropped one, in the input's own count
            dropped = [first + k for k in range(rest)]
            real = [r for r in dropped if r - self.names.base < layer.in_shape[1 + d]]
            if real:
                where = (f"{what if len(real) == 1 else whats} {', '.join(map(str, real))} of the input "
                         f"{'is' if len(real) == 1 else 'are'} never covered")
            else:
                where = f"only padding {whats} are left uncovered"
            notes.append(f"Layer {layer.index}: the floor drops a remainder of {rest} in the {what}s: {where} by a "
                         f"window.")
        return notes

    def params(self, step: int) -> list[Eq]:
        return [self.eq(self.one("params", step, None, layer.index, None))
                for layer in self.stack if isinstance(layer, (Conv2D, Dense))]

    # --- grids ------------------------------------------------------------------------------
    def grid(self, title: str, cells: np.ndarray, marked: Iterable[tuple[int, int]] = (), note: str = "",
             offset: tuple[int, int] = (0, 0)) -> Grid:
        """A 2-D array of shown strings as a Markdown table or a LaTeX matrix; marked cells
        bold (Markdown) or boxed (LaTeX); ``offset`` shifts the row and column numbers (a
        padded map starts before the first row)."""
        marks = set(marked)
        rows, cols = cells.shape
        base = self.names.base
        if self.p.extension == "md":
            head = [self.p.inline(title)] + [str(j + base - offset[1]) for j in range(cols)]
            table = [[str(i + base - offset[0])] + [f"**{cells[i, j]}**" if (i, j) in marks else str(cells[i, j])
                                      for j in range(cols)] for i in range(rows)]
            return Grid(title, self.p.table(head, table, "r" * (cols + 1)), note)
        def number(i: int, j: int) -> Node:
            cell = cells[i, j]
            value = Number(str(cell), None, getattr(cell, "entry", None))
            return Boxed(value) if (i, j) in marks else value
        matrix = Matrix(tuple(tuple(number(i, j) for j in range(cols)) for i in range(rows)))
        if isinstance(self.p, HtmlPrinter):  # a tree: MathML, each cell of an entry marked for stepping
            return Grid(title, self.p.display(Relation(Symbol(title, title), "=", matrix)), note)
        body = f"{title} = {latex(matrix)}"
        if self.p.extension != "tex" or name_width(title) + EQUALS + width(matrix) <= LINE_WIDTH:
            return Grid(title, self.p.display(body), note)
        # wider than the line (a 10-column map of 4-digit numbers): scaled to the line's width
        return Grid(title, f"\\begin{{center}}\n\\resizebox{{\\linewidth}}{{!}}{{$\\displaystyle {body}$}}\n\\end{{center}}",
                    note)

    def shown_map(self, entries: Sequence[Entry], shape: Sequence[int]) -> np.ndarray:
        """The shown values as a map; each remembers its entry (an HTML grid marks the cell)."""
        return np.array([Shown(e.shown, e.index if isinstance(e, Entry) else None) for e in entries],
                        dtype=object).reshape(tuple(shape))

    def slot(self, letter: str, l: int | None, lead: Sequence[int]) -> str:
        """``X_{1,\\cdot,\\cdot}``: a channel of a map, or a kernel slice, in LaTeX."""
        sup = "" if l is None else f"^{{({l})}}"
        idx = ",".join(str(k + self.names.base) for k in lead)
        return f"{letter}{sup}_{{{idx},\\cdot,\\cdot}}"

    def input_grids(self, layer: Conv2D | Pool, step: int, example: int, marked: dict[int, set]) -> list[Grid]:
        """The map a layer reads (zero-padded for a padded conv layer), one grid per channel,
        ``marked[c]`` the cells to mark (in the padded map's positions)."""
        l = layer.index - 1
        shape = layer.in_shape
        if l == 0:
            values = self.problem.input_map(example - 1)
            shown = np.array([self.problem.rounding.show_given(float(v)) for v in values.ravel()],
                             dtype=object).reshape(shape)
            letter, sup = "X", None
        else:
            below = self.stack[l - 1]
            kind = "pooled" if isinstance(below, Pool) else "cell_out"
            shown = self.shown_map(self.entries(kind, step, example, l), shape)
            letter, sup = ("P" if kind == "pooled" else "A"), l
        pad = layer.padding if isinstance(layer, Conv2D) else (0, 0)
        if any(pad):
            shown = np.pad(shown, ((0, 0), (pad[0], pad[0]), (pad[1], pad[1])), constant_values="0")
        return [self.grid(self.slot(letter, sup, [c]), shown[c], marked.get(c, set()), offset=pad)
                for c in range(shape[0])]

    # --- forward ------------------------------------------------------------------------------
    def forward(self, step: int, example: int) -> list[LayerForward]:
        out = []
        for layer in self.stack:
            l = layer.index
            if isinstance(layer, Conv2D):
                out.append(self.conv_forward(layer, step, example))
            elif isinstance(layer, Pool):
                out.append(self.pool_forward(layer, step, example))
            elif isinstance(layer, Flatten):
                out.append(self.flatten_forward(layer, step, example))
            else:
                out.append(LayerForward(layer, "dense", f"Layer {l}: dense",
                                        cells=self.eqs("net", step, example, l), outs=self.eqs("out", step, example, l)))
        return out

    def conv_forward(self, layer: Conv2D, step: int, example: int) -> LayerForward:
        l = layer.index
        F, C, _, _ = layer.kernel_shape
        old = self.kernel_values(layer, step)
        kernels = [self.grid(self.slot("K", l, [f, c]), old[f, c]) for f in range(F) for c in range(C)]
        bias_names = [self.names.quantity("bias", l, f + 1) for f in range(F)]
        biases: list[Node] = [Relation(Symbol(n.latex, n.plain), "=", Number(self.bias_values(layer, step)[f]))
                              for f, n in enumerate(bias_names)]
        # the receptive field of the first cell (all filters share it)
        field_cells: dict[int, set] = {}
        for _, (c, p, q) in layer.taps(0, 0, 0):
            field_cells.setdefault(c, set()).add((p, q))
        inputs = self.input_grids(layer, step, example, field_cells)
        cells = self.entries("cell_net", step, example, l)
        outs = self.entries("cell_out", step, example, l)
        shape = layer.out_shape
        z, a = self.shown_map(cells, shape), self.shown_map(outs, shape)
        first = {(0, 0)}
        zs = [self.grid(self.slot("Z", l, [f]), z[f], first) for f in range(F)]
        As = [self.grid(self.slot("A", l, [f]), a[f]) for f in range(F)]
        notes = []
        if any(layer.padding):
            notes.append(f"The input is padded with {layer.padding[0]} row{'s' * (layer.padding[0] != 1)} and "
                         f"{layer.padding[1]} column{'s' * (layer.padding[1] != 1)} of zeros on each side (shown "
                         "below); a padding cell is named by its position outside the map (row or column "
                         f"{self.names.base - 1} or past the last) and holds 0.")
        return LayerForward(layer, "conv", f"Layer {l}: convolution", kernels, biases, inputs,
                            self.eq(cells[0], full=True), [self.eq(e) for e in cells], [self.eq(e) for e in outs],
                            zs, As, notes)

    def pool_forward(self, layer: Pool, step: int, example: int) -> LayerForward:
        l = layer.index
        cells = self.entries("pooled", step, example, l)
        winners: dict[int, set] = {}
        notes = []
        for e, at in zip(cells, np.ndindex(*layer.out_shape)):
            window = layer.window(*at)
            if layer.mode != "max":
                continue
            ties = tied([o.value for o in e.operands])
            c, p, q = window[ties[0]]
            winners.setdefault(c, set()).add((p, q))
            if len(ties) > 1:
                tied_cells = [e.operands[k] for k in ties]
                notes.append(f"{self.p.inline(e.latex)} is a tie: {', '.join(self.p.inline(o.latex) for o in tied_cells)} "
                             f"all hold the maximum {self.p.inline(tied_cells[0].shown)}. The gradient goes to the first "
                             f"in row-major order, {self.p.inline(tied_cells[0].latex)} (PyTorch's rule), the others get 0.")
        inputs = self.input_grids(layer, step, example, winners)
        pooled = self.shown_map(cells, layer.out_shape)
        maps = [self.grid(self.slot("P", l, [c]), pooled[c]) for c in range(layer.out_shape[0])]
        return LayerForward(layer, layer.type, f"Layer {l}: {'max' if layer.mode == 'max' else 'average'} pooling",
                            inputs=inputs, cells=[self.eq(e) for e in cells], maps=maps, notes=notes)

    def flatten_forward(self, layer: Flatten, step: int, example: int) -> LayerForward:
        l = layer.index
        below = l - 1
        rows = []
        for k in range(1, layer.size + 1):
            at = np.unravel_index(k - 1, layer.in_shape)
            name = self.names.map_cell(below, tuple(int(x) for x in at))
            if below == 0:
                value = self.problem.rounding.show_given(float(self.problem.input_map(example - 1)[at]))
            else:
                kind = "pooled" if isinstance(self.stack[below - 1], Pool) else "cell_out"
                value = self.one(kind, step, example, below, k).shown
            rows.append([str(k - 1 + self.names.base), self.p.inline(name.latex), value])
        return LayerForward(layer, "flatten", f"Layer {l}: flatten", flat=rows)

    # --- loss -------------------------------------------------------------------------------
    def loss(self, step: int, example: int) -> list[Eq]:
        L = len(self.stack)
        return self.eqs("loss", step, example, L)

    def closed_delta(self) -> list[list[Node]]:
        """Why the output layer's δ is out − target (softmax + cross-entropy, sigmoid + binary
        cross-entropy), as the loss derives it over generic t_j, o_j, net_j; [] otherwise."""
        last = self.stack[-1]
        if not isinstance(last, Dense):
            return []
        return self.problem.loss.closed_delta_derivation(last.activation, TOTAL)

    def errors(self, step: int, example: int) -> list[Eq]:
        return self.eqs("error", step, example, len(self.stack))

    # --- backward -----------------------------------------------------------------------------
    def backward(self, step: int, example: int) -> list[LayerBackward]:
        out = []
        for layer in reversed(self.stack):
            l = layer.index
            if isinstance(layer, Dense):
                out.append(LayerBackward(layer, "dense", f"Layer {l}: dense", douts=self.eqs("dout", step, example, l),
                                         dacts=self.eqs("dact", step, example, l),
                                         dnets=self.eqs("dnet", step, example, l),
                                         grads=self.eqs("dw", step, example, l),
                                         bias_grads=self.eqs("db", step, example, l)))
            elif isinstance(layer, (Conv2D, Pool)):
                out.append(self.map_backward(layer, step, example))
        return out

    def map_backward(self, layer: Conv2D | Pool, step: int, example: int) -> LayerBackward:
        l = layer.index
        above = self.stack[l]
        letter = "P" if isinstance(layer, Pool) else "A"
        douts = self.entries("cell_dout", step, example, l)
        shape = layer.out_shape
        grids = [self.grid(f"\\frac{{\\partial {self.names.total}}}{{\\partial " + self.slot(letter, l, [c]) + "}", g)
                 for c, g in enumerate(self.shown_map(douts, shape))]
        if isinstance(above, Flatten):
            lead = (f"Layer {l + 1} flattened this map, so the gradient of each of its cells is the gradient of the "
                    f"dense layer {l + 2}'s input it became (channel, row, column order): the sum over that layer's "
                    f"units of {self.delta} times the weight from the cell.")
        elif isinstance(above, Pool) and above.mode == "max":
            lead = (f"Max pooling (layer {l + 1}) routes the gradient: each cell that is the maximum of a window "
                    "receives that pooled cell's gradient, every other cell 0.")
        elif isinstance(above, Pool):
            lead = (f"Average pooling (layer {l + 1}) shares the gradient: each cell of a window receives the pooled "
                    f"cell's gradient divided by the window's {above.window_cells} cells.")
        else:
            lead = (f"The convolution of layer {l + 1} sends back {self.delta} times the kernel weight each cell met: "
                    f"the full correlation of {self.delta} with the flipped kernel.")
        what = "convolution" if isinstance(layer, Conv2D) else layer.mode.replace("avg", "average") + " pooling"
        view = LayerBackward(layer, layer.type, f"Layer {l}: {what}",
                             lead, [self.eq(e) for e in douts], grids)
        if isinstance(layer, Pool):
            return view
        view.dacts = self.eqs("cell_dact", step, example, l)
        dnets = self.entries("cell_dnet", step, example, l)
        view.dnets = [self.eq(e) for e in dnets]
        view.delta_maps = [self.grid(self.slot("\\delta", l, [f]), g) for f, g in enumerate(self.shown_map(dnets, shape))]
        dks = self.entries("dk", step, example, l)
        view.worked = self.eq(dks[0], full=True)
        view.grads = [self.eq(e) for e in dks]
        kshape = layer.kernel_shape
        gk = self.shown_map(dks, kshape)
        total = self.names.total
        view.grad_maps = [self.grid(f"\\frac{{\\partial {total}}}{{\\partial " + self.slot("K", l, [f, c]) + "}", gk[f, c])
                          for f in range(kshape[0]) for c in range(kshape[1])]
        view.bias_grads = self.eqs("db", step, example, l)
        return view

    # --- mini-batch and updates ------------------------------------------------------------
    def averages(self, step: int) -> list[Eq]:
        out = []
        for layer in reversed(self.stack):
            for kind in ("dk", "dw", "db"):
                out += self.eqs(kind, step, None, layer.index)
        return out

    def update_example(self, step: int) -> int | None:
        return None if self.batched(step) else self.examples(step)[0]

    def updates(self, step: int) -> list[tuple[Any, list[Eq], list[Eq], list[Grid]]]:
        """Per parametrised layer, top down: the weight updates, the bias updates, the new kernels."""
        k = self.update_example(step)
        out: list[tuple[Any, list[Eq], list[Eq], list[Grid]]] = []
        for layer in reversed(self.stack):
            l = layer.index
            if isinstance(layer, Conv2D):
                news = self.entries("new_k", step, k, l)
                shown = self.shown_map(news, layer.kernel_shape)
                grids = [self.grid("{" + self.slot("K", l, [f, c]) + "}^{+}", shown[f, c])
                         for f in range(layer.filters) for c in range(layer.in_shape[0])]
                out.append((layer, [self.eq(e) for e in news], self.eqs("new_b", step, k, l), grids))
            elif isinstance(layer, Dense):
                out.append((layer, self.eqs("new_w", step, k, l), self.eqs("new_b", step, k, l), []))
        return out

    def dense_lines(self, layer: Dense, kinds: Sequence[str], step: int, example: int | None) -> list[Line]:
        """A dense layer's kinds as whole-layer matrix lines (matrix style, ``render/convmatrix.py``)."""
        from .convmatrix import dense_lines
        return dense_lines(lambda kind: self.entries(kind, step, example, layer.index), layer, kinds, self.max_terms,
                           self.names.layer_symbol)

    def kernel_values(self, layer: Conv2D, step: int) -> np.ndarray:
        """The kernel as used at this step, shown (the old values of its updates)."""
        k = self.update_example(step)
        news = self.entries("new_k", step, k, layer.index)
        if news:
            return self.shown_map([e.operand("old") for e in news], layer.kernel_shape)  # type: ignore[misc]
        K = self.problem.kernel(layer.index)
        return np.array([self.problem.rounding.show_given(float(v)) for v in K.ravel()], dtype=object).reshape(K.shape)

    def bias_values(self, layer: Conv2D, step: int) -> list[str]:
        k = self.update_example(step)
        news = self.entries("new_b", step, k, layer.index)
        if news:
            return [e.operand("old").shown for e in news]
        return [self.problem.rounding.show_given(float(b)) for b in self.problem.bias_of(layer.index)]

    # --- symbolic --------------------------------------------------------------------------
    @property
    def output_size(self) -> Node:
        """n_H^{(l)} = ⌊(n_H^{(l−1)} − k_h^{(l)} + 2·p_h^{(l)})/s_h^{(l)}⌋ + 1, for the sizes paragraph."""
        return _eq(SIZE_OUT, OUTPUT_SIZE)

    @property
    def has_dense(self) -> bool:
        """Whether a dense layer's weights W^{(l)} share the page with the widths W^{out}_l."""
        return any(isinstance(layer, Dense) for layer in self.stack)

    def general(self) -> list[tuple[str, list[tuple[Node, Entry | None]]]]:
        """The general formulas of each layer type the network has, as trees (names of the
        documented subset), each with the first log entry it stands for: an HTML page marks
        the formula as that entry's appearance (``data-entry``) and steps through them.
        The output size and parameter count are left unmarked: the sizes section shows theirs."""
        return [(what, [(line, self._first_of(line)) for line in lines]) for what, lines in self._general()]

    def _first_of(self, line: Node) -> Entry | None:
        """The first entry of the kind a general formula defines, in a layer of its type."""
        wanted = _GENERAL_KINDS.get(latex(line.left) if isinstance(line, Relation) else "")
        if wanted is None:
            return None
        kinds, ltype = wanted
        types = {layer.index: layer_type(layer) for layer in self.stack}
        return next((e for e in self.log.entries
                     if e.kind in kinds and e.layer is not None and types.get(e.layer) == ltype), None)

    def _general(self) -> list[tuple[str, list[Node]]]:
        flip = self.problem.convolution == "convolution"
        k = _n("K_{f,c,k_h+1-u,k_w+1-v}" if flip else "K_{f,c,u,v}")
        xin = _n("X_{c,(i-1)s+u,(j-1)s+v}")
        d_e = _partial  # ∂E/∂x of the formulas
        types = {layer_type(layer) for layer in self.stack}
        out: list[tuple[str, list[Node]]] = [
            ("Output height of a layer from its input's height, with the kernel (or window) height, the padding "
             "and the stride in rows; the width likewise in columns",
             [_eq(SIZE_OUT, OUTPUT_SIZE)])]
        if "conv" in types:
            out.append((("Convolution layer (filter f, output cell i, j; u, v run over the kernel, c over the "
                         "input channels; X is the zero-padded input, g the activation)"),
                        [_eq(_n("Z_{f,i,j}"), Add((Sigma(_n("c"), Sigma(_n("u"), Sigma(_n("v"), Mul((k, xin), "thin"),
                                                                                        ONE, _n("k_w")), ONE, _n("k_h"))),
                                                   _n("b_{f}")))),
                         _eq(_n("A_{f,i,j}"), Apply(_n("g"), (_n("Z_{f,i,j}"),))),
                         _eq(_n("N_{\\mathrm{params}}"),
                             Mul((_n("F"), Group(Add((Mul((_n("C"), _n("k_h"), _n("k_w"))), ONE))))))]))
        window = _n("A_{c,(i-1)s+u,(j-1)s+v}")
        if "maxpool" in types:
            out.append(("Max pooling, and its gradient (routed to the window's first maximum)",
                        [_eq(_n("P_{c,i,j}"), Apply(_n("\\max_{u,v}"), (window,), bare=True)),
                         _eq(d_e("A_{c,p,q}"), Sigma(_n("(i,j):\\, A_{c,p,q} \\text{ wins } P_{c,i,j}"),
                                                    d_e("P_{c,i,j}")))]))
        if "avgpool" in types:
            share = Frac(ONE, _n("k_h k_w"))
            out.append(("Average pooling over windows of k_h k_w cells, and its gradient (shared equally)",
                        [_eq(_n("P_{c,i,j}"), Mul((share, Sigma(_n("u,v"), window)), "space")),
                         _eq(d_e("A_{c,p,q}"), Sigma(_n("(i,j):\\, (p,q) \\in \\text{window}(i,j)"),
                                                    Mul((share, d_e("P_{c,i,j}")), "space")))]))
        if "conv" in types:
            x_back = _n("X_{c,(i-1)s+k_h+1-u,(j-1)s+k_w+1-v}") if flip else xin
            delta = _n("\\delta_{f,i,j}")
            out.append(("Backward through a convolution layer",
                        [_eq(delta, _eq(d_e("Z_{f,i,j}"), Mul((d_e("A_{f,i,j}"), Apply(_n("g'"), (_n("Z_{f,i,j}"),)))))),
                         _eq(d_e("K_{f,c,u,v}"), Sigma(_n("i"), Sigma(_n("j"), Mul((delta, x_back), "thin")))),
                         _eq(d_e("b_{f}"), Sigma(_n("i"), Sigma(_n("j"), delta))),
                         Relation(d_e("X_{c,(i-1)s+u,(j-1)s+v}"), "+=", Mul((delta, k), "thin")),
                         _eq(_n("K^{+}_{f,c,u,v}"),
                             Sub(_n("K_{f,c,u,v}"), Mul((_n("\\eta"), d_e("K_{f,c,u,v}")), "space")))]))
        if "flatten" in types:
            flat = "x_{(c-1)HW + (i-1)W + j}"
            out.append(("Flatten (channel, then row, then column) and its gradient, the same numbers reshaped",
                        [_eq(_n(flat), _n("P_{c,i,j}")),
                         _eq(d_e("P_{c,i,j}"), _eq(d_e(flat), Sigma(_n("k"), Mul((_n("\\delta_{k}"),
                                                                                _n("w_{k,(c-1)HW + (i-1)W + j}")),
                                                                               "space"))))]))
        if "dense" in types:
            out.append(("Dense layer (unit k, inputs x)",
                        [_eq(_n("Z_{k}"), Add((Sigma(_n("m"), Mul((_n("W_{k,m}"), _n("x_{m}")), "space")), _n("b_{k}")))),
                         _eq(_n("A_{k}"), Apply(_n("g"), (_n("Z_{k}"),))),
                         _eq(_n("W^{+}_{k,m}"), Sub(_n("W_{k,m}"), Mul((_n("\\eta"), Mul((_n("\\delta_{k}"), _n("x_{m}")),
                                                                                          "space")), "thin")))]))
        return out

    # --- exercises ---------------------------------------------------------------------------
    def settings_rows(self) -> list[list[str]]:
        """Layer, type, settings: ``layer_rows`` without the shapes and parameter counts an
        exercise on them asks for."""
        return [[r[0], r[1], r[4]] for r in self.layer_rows()]

    def asks_shapes(self) -> bool:
        """The exercise asks an output size or a parameter count: the network table hides them."""
        return any(e.kind in ("out_size", "params") for e in self.asked())

    def asks_shapes_only(self) -> bool:
        """The exercise asks output sizes and parameter counts and nothing that needs a value."""
        asked = self.asked()
        return bool(asked) and all(e.kind in ("out_size", "params") for e in asked)

    def asked(self) -> list[Entry]:
        """The entries the problem's ``ask`` selects, in computation order: names (``Z1[1,1,1]``),
        kinds (``dk``), steps (``@2``), resolved as ``tracer check`` resolves them
        (``sheets/exercise.py``); none without ``ask``."""
        if not self.problem.ask:
            return []
        return [q.entry for q in self.exercise().questions]

    def exercise(self) -> Exercise:
        """The problem's ``ask`` as questions (``sheets/exercise.py``), built once."""
        if self._exercise is None:
            from ..sheets.exercise import Exercise
            self._exercise = Exercise(self.log, self)
        return self._exercise

    def question(self, e: Entry, named: bool = False) -> str:
        """``Z^{(1)}_{1,1,1}: cell [1, 1, 1] of layer 1's feature map``; ``named``: with the name
        an answers file uses for it (``(answer as Z1[1,1,1])``: a sheet with ``--sheet-notes``)."""
        what = conv_what(self.log, e)
        line = f"{self.p.inline(e.latex)}: {self.p.text(what[0].lower() + what[1:])}"
        if not named:
            return line
        name = next((q.name for q in self.exercise().questions if q.entry is e), e.name)
        return f"{line} (answer as {self.p.text(name)})"

    def givens(self) -> list[Grid]:
        """What an exercise gives: each example's input, every kernel, bias and dense weight matrix."""
        step = self.steps[0]
        out = []
        for k in range(1, len(self.problem.data) + 1):
            x = self.problem.input_map(k - 1)
            shown = np.array([self.problem.rounding.show_given(float(v)) for v in x.ravel()], dtype=object).reshape(x.shape)
            out += [self.grid(self.slot("X", None, [c]), shown[c], note="") for c in range(x.shape[0])]
        for layer in self.stack:
            l = layer.index
            if isinstance(layer, Conv2D):
                kv = self.kernel_values(layer, step)
                out += [self.grid(self.slot("K", l, [f, c]), kv[f, c]) for f in range(layer.filters)
                        for c in range(layer.in_shape[0])]
                out.append(self.grid(f"b^{{({l})}}", np.array([self.bias_values(layer, step)], dtype=object)))
            elif isinstance(layer, Dense):
                W = self.problem.kernel(l)
                shown = np.array([self.problem.rounding.show_given(float(v)) for v in W.ravel()], dtype=object).reshape(W.shape)
                out.append(self.grid(self.names.layer_symbol("weight", l).latex, shown))
                given = self.problem.rounding.show_given
                out.append(self.grid(self.names.layer_symbol("bias", l).latex,
                                     np.array([[given(float(v)) for v in self.problem.bias_of(l)]], dtype=object)))
        return out


def cell_target(problem: ConvProblem) -> Callable[[Entry], str]:
    """What the feature-map diagram highlights for an entry (the HTML page's ``data-at``): a
    cell of a map, ``cell=l:c:r:k`` (layer l's output map, 0 the input; channel, row, column
    1-based as the JSON log's ``cell``), and for a conv cell's net input or a pooled cell the
    window of input cells it reads (all channels for a conv, its own for a pool; a zero-padding
    cell is numbered 0 or one past the map's last row or column). Kernel weights, biases and
    dense layers are not drawn: nothing is highlighted for them."""
    stack = problem.stack

    def target(e: Entry) -> str:
        if e.cell is None or len(e.cell) != 3 or e.layer is None:
            return ""
        l = e.layer
        cells = [(l, *e.cell)]
        layer = stack[l - 1]
        f, i, j = (k - 1 for k in e.cell)
        if e.kind == "cell_net" and isinstance(layer, Conv2D):
            ph, pw = layer.padding
            cells += [(l - 1, c + 1, p - ph + 1, q - pw + 1) for _, (c, p, q) in layer.taps(f, i, j)]
        elif e.kind == "pooled" and isinstance(layer, Pool):
            cells += [(l - 1, c + 1, p + 1, q + 1) for c, p, q in layer.window(f, i, j)]
        return " ".join("cell=" + ":".join(map(str, c)) for c in cells)
    return target


def render_conv(log: TraceLog, fmt: str, options: RenderOptions) -> Rendered:
    """The walkthrough of a convolutional network in ``md`` or ``tex``."""
    from .convdiagram import conv_figure
    style = options.style or log.problem.style or DEFAULT_STYLE
    if style not in STYLES:
        from ..model.schema import closest
        raise ProblemError(f"--style: found '{style}'{closest(style, STYLES)}; expected one of: {', '.join(STYLES)}")
    if options.weights:
        raise ProblemError("--weights: found with a convolutional network; expected it with a dense network only "
                           "(every kernel weight is worked)")
    if options.compact:
        raise ProblemError("--compact: found with a convolutional network; expected a dense network or an "
                           "expression (a feature map's walkthrough is grids, and has no compact form)")
    if (options.exercise or options.answer_key) and not log.problem.ask:
        raise ProblemError(f"{log.problem.source}: ask: found none; expected the quantities a convolutional "
                           "network's exercise asks (names such as Z1[1,1,1] or Hout1, kinds such as dk or params)")
    printer = PRINTERS[fmt](inline_svg=options.inline_svg) if fmt == "md" else PRINTERS[fmt]()  # type: ignore[call-arg]
    if isinstance(printer, HtmlPrinter):  # marks the log's entries; the feature maps' cells light up
        assert isinstance(log.problem, ConvProblem)
        printer = HtmlPrinter(log=log, max_terms=options.max_terms, target=cell_target(log.problem),
                              by_symbol=style == "symbolic" and not options.exercise)
    env = environment(options.templates)
    view = ConvView(log, printer, options.max_terms, style)
    context = {"p": printer, "log": log, "problem": log.problem, "view": view, "options": options, "style": style,
               "diagram": lambda: conv_figure(printer, view, options.diagram_name, blank=options.exercise)}
    body_name = ("conv/exercise.j2" if options.exercise else "conv/answer_key.j2" if options.answer_key
                 else f"conv/{style}.j2")
    try:
        body = env.get_template(body_name).render(context).strip("\n") + "\n"
        text = tidy(env.get_template(f"document.{printer.extension}.j2").render(context, body=body))
    except jinja2.TemplateNotFound as exc:
        raise ProblemError(f"--style {style}: template {exc.name} not found in "
                           f"{options.templates or 'the built-in templates'}; expected a jinja2 template") from None
    except jinja2.TemplateError as exc:
        raise ProblemError(f"template error: {exc}") from None
    return Rendered(text, dict(printer.attachments))


__all__ = ["ConvView", "Grid", "Node", "render_conv"]
