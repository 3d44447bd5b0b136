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

from ..engine.conventions import loss_gradient_printed, through_gradient
from ..engine.log import Entry, TraceLog
from ..formula.names import name_text
from ..formula.tree import Add, Apply, Frac, Gap, Group, Listing, Mul, Neg, Node, Number, Pow, Relation, Sub, Symbol
from ..model.notation import STATE_KINDS
from .view import Eq, Line, Viewer

FORWARD = ("net", "out")
#: What the error section prints under each convention; dnet keeps meaning ∂E/∂net in the log.
BACKWARD = {"negative_gradient": ("err", "delta_w", "delta_b"),
            "gradient": ("dout", "dact", "dnet", "dw", "db", "dw_data", "db_data", "dw_total", "db_total")}
#: Under negative_gradient with an optimizer or a penalty: the gradients written from Err
#: (∂E/∂w = −Err·O) and, regularized, plus the penalty's gradient.
THROUGH = ("dw", "db", "dw_total", "db_total")
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
    inputs: Node
    targets: Node
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


def _n(latex_name: str) -> Symbol:
    """A name of the documented subset (``tracer.formula.names``) as a symbol."""
    return Symbol(latex_name, name_text(latex_name))


def _partial(of: str, by: str) -> Frac:
    """∂of/∂by: the two ``\\partial`` names of a fraction."""
    return Frac(_n(f"\\partial {of}"), _n(f"\\partial {by}"))


class TextbookView:
    """The recorded steps grouped for the textbook template, and the convention's rules."""

    def __init__(self, log: TraceLog, viewer: Viewer) -> None:
        self.log, self.viewer = log, viewer
        p = log.problem
        self.conventions = p.conventions
        self.negative = p.conventions.error == "negative_gradient"
        self.threshold = p.conventions.bias == "subtracted"
        self.show_change = bool(p.conventions.show_change)
        #: negative_gradient through an optimizer's or a penalty's gradient ∂E/∂w = −Err·O
        self.through = through_gradient(p)
        #: negative_gradient with a loss whose output Err is −∂E/∂O·f′(net) (its ∂E/∂O printed)
        self.loss_gradient = loss_gradient_printed(p)
        self.closed = p.loss.closed_form_delta(p.network[-1].activation)
        self.optimizer = p.optimizer.name
        self.notation = log.notation
        self.rate = log.notation.rate.latex
        self.L = len(p.layers) - 1

    # --- the rules, in the notation's own symbols ----------------------------------
    def name(self, kind: str, layer: int, neuron: int | None = None, source: int | None = None) -> str:
        return self.notation.quantity(kind, layer, neuron, source).latex

    def _sym(self, kind: str, layer: int, neuron: int | None = None, source: int | None = None) -> Symbol:
        return _n(self.name(kind, layer, neuron, source))

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


    def _total(self) -> str:
        return self.notation.quantity("loss", self.L, None).latex

    def err_definition(self) -> Node:
        """Err_6 = −∂E/∂I_6, for the first output unit."""
        return Relation(self._sym("err", self.L, 1), "=", Neg(_partial(self._total(), self.name("net", self.L, 1))))

    @staticmethod
    def delta_definition() -> Node:
        """δ = ∂E/∂net, the gradient convention's delta."""
        return Relation(_n("\\delta"), "=", _partial("E", "net"))

    def err_words(self) -> str:
        """How an output unit's error term is formed, in words."""
        if self.closed:
            return "an output unit's is target - output"
        if self.loss_gradient:
            return "an output unit's is minus the loss's derivative with respect to its output, times its derivative"
        return "an output unit's is its derivative times (target - output)"

    def gradient_rule(self) -> Node:
        """∂E/∂w = −Err·O, the gradient an optimizer or a penalty takes (``through``)."""
        w = self._sym("weight", self.L, 1, 1)
        sender = self._sym("out", self.L - 1, 1) if self.L > 1 else self._sym("input", 0, 1)
        return Relation(_partial(self._total(), w.latex), "=", Neg(Mul((self._sym("err", self.L, 1), sender), "thin")))

    def net_rule(self) -> Node:
        """I_4 = Σ_i w_i4·O_i ± θ_4, for the first hidden (or output) unit."""
        p = self.log.problem
        terms: list[Node] = [Mul((self._sym("weight", 1, 1, i), self._sym("input", 0, i)), "space")
                             for i in range(1, min(p.layers[0], 3) + 1)]
        if p.layers[0] > 3:
            terms.append(Gap())
        net, weighted = self._sym("net", 1, 1), Add(tuple(terms))
        if p.bias == "none":
            return Relation(net, "=", weighted)
        bias = self._sym("bias", 1, None if p.bias == "per_layer" else 1)
        return Relation(net, "=", Sub(weighted, bias) if self.threshold else Add((*terms, bias)))

    def _change(self, w: Symbol, change: Node) -> Node:
        """Δw = change, w ← w + Δw."""
        delta = _n(f"\\Delta {w.latex}")
        return Listing((Relation(delta, "=", change), Relation(w, "<-", Add((w, delta)))), spaced=True)

    def update_rule(self) -> Node:
        """w ← w + Δw with Δw as this problem writes it, for the first output weight."""
        w = self._sym("weight", self.L, 1, 1)
        sender = self._sym("out", self.L - 1, 1) if self.L > 1 else self._sym("input", 0, 1)
        rate = _n(self.rate)
        if self.through:      # the optimizer's step (Adam's −η·m̂/(√v̂ + ε)) on ∂E/∂w = −Err·O
            delta = _n(f"\\Delta {w.latex}")
            return Listing((Relation(delta, "=", Sub(self._sym("new_w", self.L, 1, 1), w)),
                            Relation(w, "<-", Add((w, delta)))), spaced=True)
        if self.negative:
            return self._change(w, Mul((rate, self._sym("err", self.L, 1), sender), "thin"))
        step = Mul((rate, _partial(self._total(), w.latex)), "space")
        if self.show_change:
            return self._change(w, Neg(step))
        return Relation(w, "<-", Sub(w, step))

    def vector_update(self, l: int) -> Node:
        """A layer's update at once (the matrix style): ΔW = η·Err·Oᵀ, W ← W + ΔW (or −η·dW)."""
        m = self.notation.matrix
        W, rate = _n(m("weight", l).latex), _n(self.rate)
        if self.through:
            out_t = Pow(Group(_n(m("out", l - 1).latex), sized=True), _n("T"))
            return Listing((Relation(_n(m("dw", l).latex), "=", Neg(Mul((_n(m("err", l).latex), out_t), "space"))),
                            Relation(W, "<-", Add((W, _n(f"\\Delta {W.latex}"))))), spaced=True)
        if self.negative:
            out = Pow(Group(_n(m("out", l - 1).latex), sized=True), _n("T"))
            return self._change(W, Mul((rate, Mul((_n(m("err", l).latex), out), "space")), "thin"))
        return self._change(W, Neg(Mul((rate, _n(m("dw", l).latex)), "thin")))

    def vector_net(self, l: int) -> Node:
        """N = W O ± b for a whole layer (the matrix style's forward pass)."""
        m = self.notation.matrix
        weighted = Mul((_n(m("weight", l).latex), _n(m("out", l - 1).latex)), "space")
        net = _n(m("net", l).latex)
        if self.log.problem.bias == "none":
            return Relation(net, "=", weighted)
        bias = _n(m("bias", l).latex)
        return Relation(net, "=", Sub(weighted, bias) if self.threshold else Add((weighted, bias)))

    def vector_err(self, l: int) -> Node:
        """Err = f'(N) ⊙ (T − O) at the output (T − O for the closed-form pairs, −∂E/∂O ⊙ f'(N)
        for any other loss), f'(N) ⊙ (W)^T Err above a hidden layer."""
        m = self.notation.matrix
        err = _n(m("err", l).latex)
        slope = Apply(_n("f'"), (_n(m("net", l).latex),))
        if l < self.L:
            back = Mul((Pow(Group(_n(m("weight", l + 1).latex)), _n("T")), _n(m("err", l + 1).latex)), "space")
            return Relation(err, "=", Mul((slope, back), "odot"))
        difference = Sub(_n(m("target", l).latex), _n(m("out", l).latex))
        if self.closed:
            return Relation(err, "=", difference)
        if self.loss_gradient:
            return Relation(err, "=", Neg(Mul((_n(m("dout", l).latex), slope), "odot")))
        return Relation(err, "=", Mul((slope, Group(difference)), "odot"))

    def threshold_rule(self) -> Node | None:
        """θ ← θ − η·Err (a weight on the constant input −1), or θ ← θ + η·Err for an added bias."""
        p = self.log.problem
        if p.bias == "none":
            return None
        b = self._sym("bias", self.L, None if p.bias == "per_layer" else 1)
        if self.through:
            err = self._sym("err", self.L, 1)
            return Listing((Relation(_partial(self._total(), b.latex), "=", err if self.threshold else Neg(err)),
                            Relation(b, "<-", Add((b, _n(f"\\Delta {b.latex}"))))), spaced=True)
        if self.negative:
            change: Node = Mul((_n(self.rate), self._sym("err", self.L, 1)), "thin")
            return self._change(b, Neg(change) if self.threshold else change)
        net = _partial(self._total(), self.name("net", self.L, 1))
        return Relation(_partial(self._total(), b.latex), "=", Neg(net) if self.threshold else net)

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
        shown = BACKWARD["negative_gradient" if self.negative else "gradient"] + (THROUGH if self.through else ())
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
        inputs = Listing(tuple(Relation(self._sym("input", 0, i), "=", Number(show(x), float(x)))
                               for i, x in enumerate(data.input, 1)))
        targets = Listing(tuple(Relation(self._sym("target", self.L, j), "=", Number(show(t), float(t)))
                                for j, t in enumerate(data.target, 1)))
        forward = self._layers([e for e in entries if e.kind in FORWARD], descending=False)
        backward = self._layers([e for e in entries if e.kind in shown
                                 or (self.loss_gradient and e.kind == "dout" and e.layer == self.L)])
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
