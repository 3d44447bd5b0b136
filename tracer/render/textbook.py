"""Backpropagation in a textbook's conventions, as ``templates/styles/_textbook.j2`` prints it.

A problem whose ``conventions:`` change what a line says (``error: negative_gradient``:
Err_j = −∂E/∂net_j and w + η·Err·O; ``show_change``: Δw before w + Δw; ``bias: subtracted``:
the threshold θ) is worked in the book's order: forward pass, error terms (or, under the
gradient convention, ∂E/∂out, ∂out/∂net, δ and the gradients), the updates. Every style
includes the one template with its own ``textbook_form``: ``lines`` (chain-rule: one
equation per quantity), ``aligned`` (narrative: a unit's or layer's lines aligned),
``vector`` (matrix: a layer's rule as a vector equation, then its elements) or ``general``
(symbolic: each quantity's formula in symbols, no numbers). Nothing here computes a value:
it selects the log's entries and orders them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..engine.log import Entry, TraceLog
from ..formula.tree import Node
from ..model.notation import STATE_KINDS
from .view import Eq, Line, Viewer

FORWARD = ("net", "out")
#: What the error section prints under each convention; dnet keeps meaning ∂E/∂net in the log.
BACKWARD = {"negative_gradient": ("err", "delta_w", "delta_b"),
            "gradient": ("dout", "dact", "dnet", "dw", "db", "dw_data", "db_data", "dw_total", "db_total")}
UPDATES = frozenset({"new_w", "new_b", *STATE_KINDS})


def active(log: TraceLog) -> bool:
    """Whether the problem's conventions are written this way (any that changes a line)."""
    c = getattr(log.problem, "conventions", None)
    if c is None or log.epochs is not None:
        return False
    return c.error == "negative_gradient" or bool(c.show_change) or c.bias == "subtracted"


@dataclass
class LayerLines:
    layer: int
    title: str
    lines: list[Eq] = field(default_factory=list)


@dataclass
class ExampleLines:
    example: int
    inputs: str
    targets: str
    forward: list[LayerLines]
    backward: list[LayerLines]


@dataclass
class StepLines:
    step: int
    epoch: int
    examples: list[ExampleLines]
    combined: list[LayerLines]     # a batch's mean (or sum) of its gradients or changes
    updates: list[LayerLines]
    view: object                   # the Viewer's StepView (for the old → new table)


class TextbookView:
    """The recorded steps grouped for the textbook template, and the convention's rules."""

    def __init__(self, log: TraceLog, viewer: Viewer) -> None:
        self.log, self.viewer = log, viewer
        p = log.problem
        self.conventions = p.conventions
        self.negative = p.conventions.error == "negative_gradient"
        self.threshold = p.conventions.bias == "subtracted"
        self.show_change = bool(p.conventions.show_change)
        self.notation = log.notation
        self.rate = log.notation.rate.latex
        self.L = len(p.layers) - 1

    # --- the rules, in the notation's own symbols ----------------------------------
    def name(self, kind: str, layer: int, neuron: int | None = None, source: int | None = None) -> str:
        return self.notation.quantity(kind, layer, neuron, source).latex

    def precision_exceptions(self) -> str:
        """The kinds the problem rounds at their own precision, in words: 'error terms, weight
        changes and bias changes to 4 decimal places' (Han & Kamber: outputs 3 places, errors 4)."""
        r = self.log.problem.rounding
        words = {"err": "error terms", "delta": "deltas", "delta_w": "weight changes", "delta_b": "bias changes",
                 "out": "outputs", "net": "net inputs", "new_w": "new weights", "new_b": "new biases"}
        by_digits: dict[int, list[str]] = {}
        for kind, digits in r.kinds:
            by_digits.setdefault(digits, []).append(words.get(kind, kind.replace("_", " ")))
        unit = "significant figure" if r.mode == "significant" else "decimal place"
        parts = []
        for digits, kinds in sorted(by_digits.items()):
            listed = kinds[0] if len(kinds) == 1 else ", ".join(kinds[:-1]) + " and " + kinds[-1]
            parts.append(f"{listed} to {digits} {unit}{'s' * (digits != 1)}")
        return "; ".join(parts)

    def err_definition(self) -> str:
        """Err_6 = −∂E/∂I_6, for the first output unit."""
        total = self.notation.quantity("loss", self.L, None).latex
        return (f"{self.name('err', self.L, 1)} = -\\frac{{\\partial {total}}}"
                f"{{\\partial {self.name('net', self.L, 1)}}}")

    def net_rule(self) -> str:
        """I_4 = Σ_i w_i4·O_i ± θ_4, for the first hidden (or output) unit."""
        p = self.log.problem
        terms = " + ".join(f"{self.name('weight', 1, 1, i)} {self.name('input', 0, i)}"
                           for i in range(1, min(p.layers[0], 3) + 1))
        if p.layers[0] > 3:
            terms += " + \\cdots"
        if p.bias == "none":
            return f"{self.name('net', 1, 1)} = {terms}"
        bias = self.name("bias", 1, None if p.bias == "per_layer" else 1)
        return f"{self.name('net', 1, 1)} = {terms} {'-' if self.threshold else '+'} {bias}"

    def update_rule(self) -> str:
        """w ← w + Δw with Δw as this problem writes it, for the first output weight."""
        w = self.name("weight", self.L, 1, 1)
        sender = self.name("out", self.L - 1, 1) if self.L > 1 else self.name("input", 0, 1)
        if self.negative:
            change = f"{self.rate} \\, {self.name('err', self.L, 1)} \\, {sender}"
        else:
            total = self.notation.quantity("loss", self.L, None).latex
            change = f"-{self.rate} \\frac{{\\partial {total}}}{{\\partial {w}}}"
        if self.show_change or self.negative:
            return f"\\Delta {w} = {change}, \\qquad {w} \\leftarrow {w} + \\Delta {w}"
        return f"{w} \\leftarrow {w} {change if change.startswith('-') else '+ ' + change}"

    def vector_update(self, l: int) -> str:
        """A layer's update at once (the matrix style): ΔW = η·Err·Oᵀ, W ← W + ΔW (or −η·dW)."""
        m = self.notation.matrix
        W = m("weight", l).latex
        if self.negative:
            change = f"{self.rate} \\, {m('err', l).latex} \\left({m('out', l - 1).latex}\\right)^{{T}}"
        else:
            change = f"-{self.rate} \\, {m('dw', l).latex}"
        return f"\\Delta {W} = {change}, \\qquad {W} \\leftarrow {W} + \\Delta {W}"

    def threshold_rule(self) -> str:
        """θ ← θ − η·Err (a weight on the constant input −1), or θ ← θ + η·Err for an added bias."""
        p = self.log.problem
        if p.bias == "none":
            return ""
        b = self.name("bias", self.L, None if p.bias == "per_layer" else 1)
        if self.negative:
            err = self.name("err", self.L, 1)
            sign = "-" if self.threshold else "+"
            return f"\\Delta {b} = {sign if sign == '-' else ''}{self.rate} \\, {err}, \\qquad {b} \\leftarrow {b} + \\Delta {b}"
        total = self.notation.quantity("loss", self.L, None).latex
        return (f"\\frac{{\\partial {total}}}{{\\partial {b}}} = {'-' if self.threshold else ''}"
                f"\\frac{{\\partial {total}}}{{\\partial {self.name('net', self.L, 1)}}}")

    # --- the steps ---------------------------------------------------------------
    def steps(self) -> list[StepLines]:
        return [self.step(s) for s in self.viewer.steps()]

    def step(self, sv) -> StepLines:
        entries = [e for e in self.log.entries if e.step == sv.step]
        news = [e for e in entries if e.kind in ("new_w", "new_b")]
        changes = {o.entry for e in news for o in e.operands[1:2] if o.entry is not None
                   and self.log.entries[o.entry].kind in ("delta_w", "delta_b")}
        in_update = [e for e in entries if e.kind in UPDATES or e.index in changes]
        updating = {e.index for e in in_update}
        shown = BACKWARD["negative_gradient" if self.negative else "gradient"]
        examples = sorted({e.example for e in entries if e.example is not None})
        batched = len(sv.examples) > 1
        out = []
        for k in examples:
            mine = [e for e in entries if e.example == k and e.index not in updating]
            if batched or k == examples[0]:
                out.append(self.example(k, mine, shown))
        combined = [e for e in entries if e.example is None and e.index not in updating and e.kind in shown]
        return StepLines(sv.step, sv.epoch, [x for x in out if x is not None], self._layers(combined),
                         self._layers(in_update), sv)

    def example(self, k: int, entries: list[Entry], shown: tuple[str, ...]) -> ExampleLines:
        p = self.log.problem
        data = p.data[k - 1]
        show = p.rounding.show_given
        inputs = ", ".join(f"{self.name('input', 0, i)} = {show(x)}" for i, x in enumerate(data.input, 1))
        targets = ", ".join(f"{self.name('target', self.L, j)} = {show(t)}" for j, t in enumerate(data.target, 1))
        forward = self._layers([e for e in entries if e.kind in FORWARD], descending=False)
        backward = self._layers([e for e in entries if e.kind in shown])
        return ExampleLines(k, inputs, targets, forward, backward)

    def _layers(self, entries: list[Entry], descending: bool = True) -> list[LayerLines]:
        layers: dict[int, LayerLines] = {}
        for e in entries:
            assert e.layer is not None
            if e.layer not in layers:
                layers[e.layer] = LayerLines(e.layer, self.viewer.layer_title(e.layer))
            layers[e.layer].lines.append(self.viewer.eq(e))
        return [layers[l] for l in sorted(layers, reverse=descending)]

    # --- the symbolic form -----------------------------------------------------------
    @staticmethod
    def general(eqs: list[Eq]) -> list[Line]:
        """symbol = formula for each, no numbers (the symbolic style)."""
        out = []
        for eq in eqs:
            e = eq.entry
            formula: Node = e.formula_tree(eq.max_terms)
            out.append(Line(e.symbol, None, None, formula, e))
        return out
