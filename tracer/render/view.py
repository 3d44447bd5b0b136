"""The trace log grouped the way a worked solution reads it: steps, examples, layers.

Templates receive these views and only format them. Nothing here computes a value of
the network; it selects and orders log entries and pairs them with their symbols.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from ..log import Entry, TraceLog


@dataclass(frozen=True)
class Eq:
    """One quantity ready to print: symbol = formula = substitution = shown value."""

    entry: Entry
    symbol: str
    formula: str
    substitution: str
    shown: str

    @property
    def parts(self) -> list[str]:
        return [self.symbol, self.formula, self.substitution, self.shown]

    @property
    def name(self) -> str:
        return self.entry.name


@dataclass(frozen=True)
class Factor:
    """One factor of a chain rule product: its symbol and its shown value."""

    symbol: str
    shown: str


@dataclass
class LayerView:
    """A layer's entries of one pass, by kind (lists keep neuron order)."""

    layer: int
    title: str
    activation: str
    kinds: dict[str, list[Eq]] = field(default_factory=dict)

    def __getattr__(self, kind: str) -> list[Eq]:
        try:
            return self.__dict__["kinds"].get(kind, [])
        except KeyError:  # during unpickling/copy
            raise AttributeError(kind) from None


@dataclass
class ExampleView:
    example: int | None
    inputs: list[Factor]
    targets: list[Factor]
    forward: list[LayerView]
    losses: list[Eq]
    total: Eq | None
    errors: list[Eq]
    backward: list[LayerView]


@dataclass
class StepView:
    step: int
    epoch: int
    examples: list[ExampleView]
    averages: list[LayerView]
    updates: list[LayerView]


class Viewer:
    """Builds views from a log; ``max_terms`` elides long sums for printing."""

    def __init__(self, log: TraceLog, max_terms: int | None = None) -> None:
        self.log = log
        self.max_terms = max_terms
        self.layers = log.problem.layers

    def eq(self, e: Entry) -> Eq:
        return Eq(e, e.latex, e.formula_latex(self.max_terms), e.substitution_latex(self.max_terms), e.shown)

    def layer_title(self, l: int) -> str:
        L = len(self.layers) - 1
        if l == 0:
            return "Input layer"
        if l == L:
            return "Output layer"
        return "Hidden layer" if L == 2 else f"Hidden layer {l}"

    def layer_view(self, l: int, entries: Iterable[Entry]) -> LayerView:
        view = LayerView(l, self.layer_title(l), self.log.problem.activations[l - 1].name)
        for e in entries:
            if e.layer == l:
                view.kinds.setdefault(e.kind, []).append(self.eq(e))
        return view

    def steps(self) -> list[StepView]:
        return [self.step(s) for s in self.log.steps]

    def step(self, s: int) -> StepView:
        entries = [e for e in self.log.entries if e.step == s]
        examples = sorted({e.example for e in entries if e.example is not None})
        per_example = [self.example(k, [e for e in entries if e.example == k]) for k in examples]
        batched = [e for e in entries if e.example is None and e.kind in ("dw", "db")]
        updates = [e for e in entries if e.kind in ("new_w", "new_b")]
        L = len(self.layers) - 1
        return StepView(s, entries[0].epoch, per_example,
                        [self.layer_view(l, batched) for l in range(L, 0, -1)] if batched else [],
                        [self.layer_view(l, updates) for l in range(L, 0, -1)])

    def example(self, k: int, entries: list[Entry]) -> ExampleView:
        L = len(self.layers) - 1
        data = self.log.problem.data[k - 1]
        show = self.log.problem.rounding.show
        names = self.log.notation
        forward_kinds, backward_kinds = ("net", "out"), ("dout", "dact", "dnet", "dw", "db")
        losses = [e for e in entries if e.kind == "loss"]
        return ExampleView(
            example=k,
            inputs=[Factor(names.quantity("input", 0, i).latex, show(x)) for i, x in enumerate(data.input, 1)],
            targets=[Factor(names.quantity("target", L, j).latex, show(t)) for j, t in enumerate(data.target, 1)],
            forward=[self.layer_view(l, [e for e in entries if e.kind in forward_kinds]) for l in range(1, L + 1)],
            losses=[self.eq(e) for e in losses if e.neuron is not None],
            total=next((self.eq(e) for e in losses if e.neuron is None), None),
            errors=[self.eq(e) for e in entries if e.kind == "error"],
            backward=[self.layer_view(l, [e for e in entries if e.kind in backward_kinds
                                          and not (e.kind in ("dw", "db") and e.example is None)])
                      for l in range(L, 0, -1)],
        )

    # --- chain rule -----------------------------------------------------------
    def chain(self, dw: Eq) -> list[Factor]:
        """∂E/∂w = ∂E/∂out · ∂out/∂net · ∂net/∂w, each factor from the log entries behind dw."""
        e = dw.entry
        if e.kind not in ("dw", "db") or len(e.operands) != 2 and e.kind == "dw":
            return []
        delta = self.log.entries[e.operands[0].entry] if e.operands[0].entry is not None else None
        if delta is None or delta.kind != "dnet" or len(delta.operands) != 2 or delta.operands[1].entry is None:
            return []
        dout, dact = (self.log.entries[o.entry] for o in delta.operands)
        if dact.kind != "dact":
            return []
        net = self.log.entries[dact.operands[0].entry]
        factors = [Factor(dout.latex, dout.shown), Factor(dact.latex, dact.shown)]
        if e.kind == "dw":
            weight = self.log.notation.quantity("weight", e.layer, e.neuron, e.source)
            sender = e.operands[1]
            factors.append(Factor(f"\\frac{{\\partial {net.latex}}}{{\\partial {weight.latex}}}", sender.shown))
        else:
            bias = self.log.notation.quantity("bias", e.layer, e.neuron)
            factors.append(Factor(f"\\frac{{\\partial {net.latex}}}{{\\partial {bias.latex}}}", "1"))
        return factors

    # --- tables ---------------------------------------------------------------
    def parameter_rows(self) -> list[list[str]]:
        """Initial weights: symbol, from, to, value."""
        p, names = self.log.problem, self.log.notation
        rows = []
        for l, matrix in enumerate(p.weights, 1):
            for j, row in enumerate(matrix, 1):
                for i, w in enumerate(row, 1):
                    rows.append([names.quantity("weight", l, j, i).latex, names.neuron(l - 1, i).latex,
                                 names.neuron(l, j).latex, p.rounding.show(w)])
        return rows

    def bias_rows(self) -> list[list[str]]:
        p, names = self.log.problem, self.log.notation
        rows = []
        for l, values in enumerate(p.biases, 1):
            for j, b in enumerate(values, 1):
                neuron = None if p.bias == "per_layer" else j
                target = (f"\\text{{{self.layer_title(l).lower()}}}" if neuron is None
                          else names.neuron(l, j).latex)
                rows.append([names.quantity("bias", l, neuron).latex, target, p.rounding.show(b)])
        return rows

    def data_rows(self) -> list[list[str]]:
        show = self.log.problem.rounding.show
        return [[str(k), ", ".join(map(show, e.input)), ", ".join(map(show, e.target))]
                for k, e in enumerate(self.log.problem.data, 1)]

    def change_rows(self, step: StepView) -> list[list[str]]:
        """Old -> new for every parameter, with the change (new minus old, shown rounded)."""
        show = self.log.problem.rounding.show
        rows = []
        for layer in reversed(step.updates):
            for eq in layer.new_w + layer.new_b:
                old = eq.entry.operands[0]
                rows.append([old.latex, old.shown, eq.shown, show(eq.entry.value - old.value)])
        return rows

    def history_rows(self) -> list[list[str]]:
        show = self.log.problem.rounding.show
        return [[str(h["step"]), str(h["epoch"]), "" if h["example"] is None else str(h["example"]),
                 show(h["loss"])] for h in self.log.history]
