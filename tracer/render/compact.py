"""The compact form of a step (``tracer run --compact``, and the repeats of the default).

One line per quantity, ``symbol = formula = numbers = value``, grouped by pass (forward,
loss, backward, mean over the mini-batch, update) with no prose; the matrix style's
compact lines are one per layer matrix (``Z = W·A + b = [..]·[..] + [..] = [..]``). The
tables (setup, old and new weights, optimizer state, loss over the steps) are kept.

Like the other views it selects and orders log entries and pairs them with the lines the
printers lay out (``Viewer.matrix`` for whole layers, ``Eq.parts`` for one quantity); it
never computes a value. Long runs of one kind (a 784-input layer) are elided past
``--max-terms`` as the other styles elide them (``ChainView.shorten``).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from itertools import groupby
from typing import TYPE_CHECKING, cast

from ..engine.log import Entry
from ..formula.tree import Matrix, Node, Number, Pow, Symbol
from ..formula.width import width
from .chains import ChainView, Gap, NeuronView
from .matrices import grid
from .optimizer_view import OptimizerView
from .printers import LINE_WIDTH
from .view import Eq, ExampleView, LayerView, Line, StepView, Viewer

#: The passes a step's entries fall into, by kind (anything else is part of the update:
#: an optimizer's state, a gradient with its penalty).
FORWARD = ("net", "out")
LOSS = ("error", "loss", "data_loss", "penalty")
BACKWARD = ("dout", "dact", "dnet", "dw", "db")
#: The kinds a whole layer prints as one matrix line (Viewer.matrix), in the order worked.
MATRIX_FORWARD = ("net", "out")
MATRIX_BACKWARD = ("dout", "dact", "dnet", "dw", "db")
MATRIX_UPDATE = ("new_w", "new_b")

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Item = Eq | Line | Gap
T = Symbol("T", "T")


@dataclass(frozen=True)
class Section:
    """One pass of a step: its title ("Forward pass, example 2") and its lines."""

    title: str
    items: list[Item]


class CompactView:
    """A step's entries as compact sections: per-quantity lines, or per-layer matrices."""

    def __init__(self, viewer: Viewer, chains: ChainView, opt: OptimizerView, matrix: bool = False,
                 repeats: bool = True) -> None:
        self.viewer = viewer
        self.repeats = repeats     # the default: the repeats after the first step (example) compact
        # and the chain-rule style's neurons after the first of a layer, weights after a neuron's
        # first; not when --weights names what to work in full
        self.neurons = repeats and not chains.weights
        self.chains = chains
        self.opt = opt
        self.matrix = matrix
        self.log = viewer.log
        self._depended: set[int] | None = None

    # --- the setup ----------------------------------------------------------------------------
    def initial(self) -> list[Line]:
        """The matrix style's initial weights and biases as one matrix a layer, W^{[1]} = [..]
        (the per-weight tables of the other forms, 27 rows for a 1-4-3-1 network, in a few lines)."""
        p, show = self.log.problem, self.log.problem.rounding.show_given   # data, as written
        out: list[Line] = []
        for l, matrix in enumerate(p.weights, 1):
            cells = grid(_cell(matrix, show), len(matrix), len(matrix[0]), self.viewer.max_terms)
            out.append(Line(self.viewer.matrix_symbol("weight", l), None, None, transposed_columns(cells)))
            if p.bias == "none":
                continue
            b = p.biases[l - 1]
            value: Node = (Number(show(b[0]), b[0]) if p.bias == "per_layer" else
                           grid(_cell([[x] for x in b], show), len(b), 1, self.viewer.max_terms))
            out.append(Line(self.viewer.matrix_symbol("bias", l), None, None, transposed_columns(value)))
        return out

    # --- a whole step ---------------------------------------------------------------------
    def sections(self, step: StepView, first_example: int = 0) -> list[Section]:
        """The step's passes from its example number ``first_example`` on (0: all of them)."""
        out: list[Section] = []
        many = len(step.examples) > 1
        for ex in step.examples:
            if ex.example is not None and ex.example < first_example:
                continue
            out += self.example_sections(step, ex, many)
        out += self.step_sections(step)
        return [s for s in out if s.items]

    def example_sections(self, step: StepView, ex: ExampleView, many: bool) -> list[Section]:
        """The forward pass, the loss and the backward pass of one example."""
        tag = f", example {ex.example}" if many else ""
        entries = [e for e in self._entries(step.step) if e.example == ex.example]
        if self.matrix:
            forward = self._layer_lines(ex.forward, MATRIX_FORWARD)
            backward = self._layer_lines(ex.backward, MATRIX_BACKWARD)
        else:
            forward = self._lines([e for e in entries if e.kind in FORWARD])
            backward = self._lines([e for e in entries if e.kind in BACKWARD])
        loss = self._lines([e for e in entries if e.kind in LOSS and (e.kind != "error" or self._used(e))])
        return [Section(f"Forward pass{tag}", forward), Section(f"Loss{tag}", loss),
                Section(f"Backward pass{tag}", backward)]

    def step_sections(self, step: StepView) -> list[Section]:
        """The mean over a mini-batch and the update (with an optimizer's state)."""
        rest = [e for e in self._entries(step.step)
                if e.kind not in FORWARD + LOSS + BACKWARD or (e.kind in ("dw", "db") and e.example is None)]
        means = [e for e in rest if e.kind in ("dw", "db")]
        updates = [e for e in rest if e.kind not in ("dw", "db")]
        out: list[Section] = []
        if means:
            out.append(Section("Mean over the mini-batch",
                               self._layer_lines(step.averages, ("dw", "db")) if self.matrix else self._lines(means)))
        if self.matrix and self.opt.active:   # the gradients with their penalty, then the optimizer's lines
            update: list[Item] = [*self.opt.gradients(step), *map(lying, self.opt.matrix_lines(step))]
        elif self.matrix:
            update = self._layer_lines(step.updates, MATRIX_UPDATE)
        else:
            update = self._lines(updates)
        out.append(Section("Update", update))
        return out

    # --- one neuron of the chain-rule style ---------------------------------------------------
    def neuron_lines(self, n: NeuronView, updates: dict[int, Eq]) -> list[Item]:
        """A backward neuron after the first of its layer, one line a quantity: ∂E/∂out,
        ∂out/∂net, δ, then each weight's gradient δ·out followed by its update, then its bias."""
        params: list[Eq | Gap] = list(self.chains.weights_of(n))
        if n.db is not None and self.chains.selected(n.db):
            params.append(n.db)
        return [eq for eq in (n.dout, n.dact, n.dnet) if eq is not None] + self.parameter_lines(params, updates)

    def parameter_lines(self, params: list[Eq | Gap], updates: dict[int, Eq]) -> list[Item]:
        """Each weight's (bias's) gradient, δ·out, followed by its update when the step has one."""
        out: list[Item] = []
        for eq in params:
            out.append(eq)
            if isinstance(eq, Eq) and eq.entry.index in updates:
                out.append(updates[eq.entry.index])
        return out

    # --- lines ------------------------------------------------------------------------------
    def _used(self, e: Entry) -> bool:
        """Whether a later entry computes with ``e`` (the error t - o is logged for the
        narrative style; the backward pass of a network trained by backpropagation uses ∂E/∂out)."""
        if self._depended is None:
            self._depended = {i for x in self.log.entries for i in x.depends_on}
        return e.index in self._depended

    def _entries(self, step: int) -> list[Entry]:
        return [e for e in self.log.entries if e.step == step]

    def _lines(self, entries: list[Entry]) -> list[Item]:
        """One line per entry, in the order computed; a long run of one kind in one layer is
        elided past --max-terms (its first lines, a gap, its last line)."""
        out: list[Item] = []
        for _, run in groupby(entries, key=lambda e: (e.kind, e.layer)):
            eqs: list[Item] = [self.viewer.eq(e) for e in run]
            out += self.chains.shorten(eqs, self.viewer.latex_name)
        return out

    def _layer_lines(self, layers: list[LayerView], kinds: tuple[str, ...]) -> list[Item]:
        """One whole-layer matrix line per layer and kind (Viewer.matrix)."""
        out: list[Item] = []
        for layer in layers:
            for kind in kinds:
                line = self.viewer.matrix(layer, kind)
                if line is not None:
                    out.append(lying(line))
        return out


def _cell(rows: Sequence[Sequence[float]], show: Callable[[float], str]) -> Callable[[int, int], Node]:
    """The cell (r, c) of a matrix of given numbers, as the setup tables print them."""
    return lambda r, c: Number(show(rows[r][c]), rows[r][c])


def lying(line: Line) -> Line:
    """A whole-layer line with its column vectors written as transposed rows, [1.1  2  0.9]ᵀ:
    one line of type instead of one a neuron (the compact form's one line per layer matrix).
    A line with a part whose rows would be wider than a line keeps its columns: a row cannot
    break, and one line writes its vectors one way."""
    parts = [line.formula, line.substitution, line.result]
    lying = [None if part is None else transposed_columns(part) for part in parts]
    if any(part is not None and width(part) > LINE_WIDTH - 8 for part in lying):
        return line
    formula, substitution, result = lying
    assert result is not None
    return Line(line.symbol, formula, substitution, result, line.entry)


def transposed_columns(node: Node) -> Node:
    """``node`` with every column of two or more cells as the transpose of a row."""
    if isinstance(node, Matrix):
        if len(node.rows) > 1 and all(len(row) == 1 for row in node.rows):
            return Pow(Matrix((tuple(transposed_columns(row[0]) for row in node.rows),)), T)
        return Matrix(tuple(tuple(transposed_columns(c) for c in row) for row in node.rows))
    changes: dict[str, object] = {}
    for f in fields(cast("DataclassInstance", node)):   # every tree node is a dataclass
        value = getattr(node, f.name)
        if isinstance(value, Node):
            changes[f.name] = transposed_columns(value)
        elif isinstance(value, tuple) and any(isinstance(v, Node) for v in value):
            changes[f.name] = tuple(transposed_columns(v) if isinstance(v, Node) else v for v in value)
    return cast(Node, replace(cast("DataclassInstance", node), **changes)) if changes else node
