"""The trace log as a graph of everything a student may write down, in computation order.

Log entries are the computed quantities. The given data they use (inputs, targets,
weights, biases, the learning rate) become nodes too, so a miscopied weight is judged
and its consequences are carried forward like any other slip. A weight at step 2 is the
update of step 1, so it is linked to that ``new_w`` entry when step 1 was recorded.

An expression's log (``GraphLog``: gates, local gradients, gradients) reads the same way:
its given numbers are its variables, and its kinds are the ones a requirement may name.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..engine.convtrace import CONV_KINDS
from ..engine.graph import KINDS as CIRCUIT_KINDS
from ..engine.graph import GraphLog
from ..engine.log import KINDS, Entry, TraceLog
from ..engine.ops import Operand
from ..engine.rules import rate_names
from ..model.conv_problem import ConvProblem

#: Kinds whose values are derivatives of the loss: their sign depends on the convention.
GRADIENT_KINDS = frozenset({"dout", "dnet", "dw", "db", "grad", "cell_dout", "cell_dnet", "dk"})
#: Given data that differ per example (the others, weights, biases and the rate, are shared).
_PER_EXAMPLE = frozenset({"input", "target"})


@dataclass(frozen=True, slots=True)
class Node:
    """One quantity: a log entry, or a number the problem gives."""

    id: int
    kind: str
    name: str
    latex: str
    value: float
    shown: str
    step: int
    example: int | None
    entry: Entry | None
    sources: tuple[int, ...]   # operand nodes (entries), or the update a weight comes from

    @property
    def computed(self) -> bool:
        return self.entry is not None

    def recompute(self, values: Sequence[float]) -> float:
        """The node on other operand values: the entry's op, or the linked update's value."""
        if self.entry is not None:
            return self.entry.recompute(values)
        return values[0] if values else self.value


class Graph:
    """Nodes in computation order; data appear just before the first entry that uses them."""

    def __init__(self, log: TraceLog | GraphLog) -> None:
        self.log = log
        #: The kinds of quantity this log holds (``--require dw``, ``ask: [grad]``); a
        #: convolutional network's add its map and kernel kinds (``--require dk``).
        self.kinds: tuple[str, ...] = (CIRCUIT_KINDS if isinstance(log, GraphLog) else KINDS + CONV_KINDS
                                       if isinstance(log.problem, ConvProblem) else KINDS)
        self.nodes: list[Node] = []
        self.by_entry: dict[int, int] = {}
        self._data: dict[tuple[str, int, int | None], int] = {}
        self._kinds = data_kinds(log)
        self._updates = {(e.step, e.operand("old").name): e.index for e in log.entries
                         if e.kind in ("new_w", "new_b")}
        for entry in log.entries:
            sources = tuple(self._source(entry, o) for o in entry.operands)
            self.by_entry[entry.index] = self._add(
                entry.kind, entry.name, entry.latex, entry.value, entry.shown, entry.step,
                entry.example, entry, sources)
        self.steps: list[int] = log.steps
        self.first_step: int = self.steps[0] if self.steps else 1
        #: Steps that work several examples (a mini-batch): names there need ``#k``.
        self.multi_example_steps = frozenset(
            s for s in self.steps if len({n.example for n in self.nodes
                                          if n.step == s and n.example is not None}) > 1)

    def _add(self, kind: str, name: str, latex: str, value: float, shown: str, step: int,
             example: int | None, entry: Entry | None, sources: tuple[int, ...]) -> int:
        node = Node(len(self.nodes), kind, name, latex, value, shown, step, example, entry, sources)
        self.nodes.append(node)
        return node.id

    def _source(self, entry: Entry, operand: Operand) -> int:
        if operand.entry is not None and self.nodes[self.by_entry[operand.entry]].step == entry.step:
            return self.by_entry[operand.entry]  # (an earlier step's update is linked below, as data)
        kind = self._kinds.get(operand.name, "data")
        example = entry.example if kind in _PER_EXAMPLE else None
        key = (operand.name, entry.step, example)
        if key not in self._data:
            update = self._updates.get((entry.step - 1, operand.name))
            linked = (self.by_entry[update],) if update is not None and kind in ("weight", "bias") else ()
            self._data[key] = self._add(kind, operand.name, operand.latex, operand.value, operand.shown,
                                        entry.step, example, None, linked)
        return self._data[key]

    def update_of(self, node: Node) -> int | None:
        """The node of the update (new_w, new_b) of a given weight or bias in its own step."""
        entry = self._updates.get((node.step, node.name)) if node.entry is None else None
        return None if entry is None else self.by_entry[entry]

    def __len__(self) -> int:
        return len(self.nodes)

    def __iter__(self):
        return iter(self.nodes)

    def __getitem__(self, i: int) -> Node:
        return self.nodes[i]

    def display(self, node: Node) -> str:
        """The node's name as a student would write it, with step and example suffixes."""
        text = node.name
        if node.example is not None and node.step in self.multi_example_steps:
            text += f"#{node.example}"
        if node.step != self.first_step:
            text += f"@{node.step}"
        return text


def data_kinds(log: TraceLog | GraphLog) -> dict[str, str]:
    """The kind of each given-data name the log's operands use (w5 -> weight, x1 -> input;
    an expression's x -> variable; its constants and output gradient are plain data)."""
    if isinstance(log, GraphLog):
        return dict.fromkeys(log.circuit.variables, "variable")
    notation, problem = log.notation, log.problem
    own = getattr(notation, "data_kinds", None)
    if own is not None:  # a convolutional network's bracket names (model/conv.py ConvNames)
        return dict(own())
    layers = problem.layers
    L = len(layers) - 1
    kinds: dict[str, str] = {"eta": "rate"}
    if problem.training.rule is not None:     # a single-layer rule's rate: α, or η for Hebb
        kinds[rate_names(problem).plain] = "rate"
    rate = getattr(notation, "rate", None)     # notation: {learning_rate: alpha}, han-kamber's l
    if rate is not None:
        kinds[rate.plain] = "rate"
    for i in range(1, layers[0] + 1):
        kinds[notation.quantity("input", 0, i).plain] = "input"
    for j in range(1, layers[L] + 1):
        kinds[notation.quantity("target", L, j).plain] = "target"
    for l in range(1, L + 1):
        for j in range(1, layers[l] + 1):
            for i in range(1, layers[l - 1] + 1):
                kinds[notation.quantity("weight", l, j, i).plain] = "weight"
            if problem.bias != "none":
                kinds[notation.quantity("bias", l, j).plain] = "bias"
    return kinds
