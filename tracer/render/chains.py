"""The chain rule as a worked solution reads it: neuron by neuron, weight by weight, path by path.

The chain-rule style explains each gradient as ∂E/∂out · ∂out/∂net · ∂net/∂w and a hidden
neuron's ∂E/∂out as the sum over the paths through the next layer. This module groups the
log's entries that way and names the paths; like ``view`` it selects and names, it never
computes a value (every number printed is an entry's or operand's ``shown`` string).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from ..engine.log import Entry
from ..engine.ops import Identity, Product, WeightedSum
from ..formula.tree import Add, Mul, Node, Number, Relation, Symbol, Text, elided
from ..model.notation import Names
from .view import Eq, ExampleView, LayerView, StepView, Viewer, known, shown, sym

T = TypeVar("T")


@dataclass(frozen=True)
class Gap:
    """Items left out of a long list (neurons, weights): how many, and the first and last names."""

    count: int
    first: str
    last: str
    unchanged: bool = False   # the items left out are updates whose new value is the old one
    why: str = ""             # for unchanged updates: "zero" when every gradient is exactly 0 (the
                              # words say so), else "" (a change the printed digits cannot show)


@dataclass(frozen=True)
class ChainFactor:
    """One factor of ∂E/∂w = ∂E/∂out · ∂out/∂net · ∂net/∂w: symbol, what it is, its value."""

    symbol: Symbol
    formula: Node | None
    shown: Number


@dataclass
class NeuronView:
    """One neuron's backward quantities; dout/dact are None when its delta is not their product."""

    layer: int
    neuron: int
    label: str
    dout: Eq | None
    dact: Eq | None
    dnet: Eq | None
    dw: list[Eq] = field(default_factory=list)
    db: Eq | None = None


class ChainView:
    """Chain-rule groupings of a Viewer's layers, with the ``--weights`` selection and elision."""

    def __init__(self, viewer: Viewer, weights: Sequence[str] = ()) -> None:
        self.view = viewer
        self.log = viewer.log
        self.names = viewer.log.notation
        self.max_terms = viewer.max_terms
        self.weights = tuple(weights)
        self.last = len(viewer.layers) - 1

    # --- selection and elision ---------------------------------------------------------
    def parameter(self, e: Entry) -> str | None:
        """The plain name of the weight or bias a dw/db/new_w/new_b entry is about."""
        if e.kind in ("dw", "new_w"):
            return self.names.quantity("weight", known(e.layer), e.neuron, e.source).plain
        if e.kind in ("db", "new_b"):
            return self.names.quantity("bias", known(e.layer), e.neuron).plain
        return None

    def parameter_latex(self, e: Entry) -> str:
        """The LaTeX name of that weight or bias (w_{5}), to label the ends of an elided run."""
        if e.kind in ("dw", "new_w"):
            return self.names.quantity("weight", known(e.layer), e.neuron, e.source).latex
        if e.kind in ("db", "new_b"):
            return self.names.quantity("bias", known(e.layer), e.neuron).latex
        return e.latex

    def selected(self, eq: Eq) -> bool:
        """True unless ``--weights`` names parameters and this entry's is not one of them."""
        name = self.parameter(eq.entry)
        if not self.weights or name is None:
            return True
        return name in self.weights or f"layer:{eq.entry.layer}" in self.weights

    def shorten(self, items: list[T], label) -> list[T | Gap]:
        """First max_terms - 1 items, a Gap, the last item (as ``ops.elide`` does for sums).

        ``label`` gives the LaTeX name the Gap shows for its first and last hidden item."""
        m = self.max_terms
        # one hidden item is worked in full: "the other 1 neurons (h3 to h3)" saves nothing
        if m is None or m < 2 or len(items) <= m + 1:
            return list(items)
        hidden = items[m - 1:-1]
        return [*items[:m - 1], Gap(len(hidden), label(hidden[0]), label(hidden[-1])), items[-1]]

    def weights_of(self, neuron: NeuronView) -> list[Eq | Gap]:
        """The weights worked in full: the selection, or all of them shortened."""
        if self.weights:
            return [eq for eq in neuron.dw if self.selected(eq)]
        return self.shorten(neuron.dw, lambda eq: self.parameter_latex(eq.entry))

    def chosen(self, eqs: list[Eq]) -> list[Eq | Gap]:
        """Any list of parameter entries (updates, averaged gradients): selected, or shortened."""
        if self.weights:
            return [eq for eq in eqs if self.selected(eq)]
        return self.shorten(eqs, lambda eq: self.parameter_latex(eq.entry))

    def chosen_updates(self, eqs: list[Eq]) -> list[Eq | Gap]:
        """Update lines: selected, or, when too many to show, the ones that change a value
        first and the unchanged ones (new = old as printed: a zero input, a zero gradient)
        counted in one Gap; shortened as ``chosen`` when every update changes a value."""
        if self.weights:
            return [eq for eq in eqs if self.selected(eq)]
        m = self.max_terms
        if m is None or m < 2 or len(eqs) <= m + 1:
            return list(eqs)
        same = [eq for eq in eqs if _unchanged(eq.entry)]
        if not same or len(same) == len(eqs):
            return self.chosen(eqs)
        moved = [eq for eq in eqs if not _unchanged(eq.entry)]
        label = lambda eq: self.parameter_latex(eq.entry)  # noqa: E731
        why = "zero" if all(_zero_gradient(eq.entry) for eq in same) else ""
        return [*self.shorten(moved, label), Gap(len(same), label(same[0]), label(same[-1]), unchanged=True, why=why)]

    # --- neurons -----------------------------------------------------------------------
    def neurons(self, layer: LayerView) -> list[NeuronView | Gap]:
        """A backward layer neuron by neuron; shortened when no selection is given.

        With a selection every neuron keeps its delta (the hidden layers' sums use them)."""
        douts = {eq.entry.neuron: eq for eq in layer.dout}
        dacts = {eq.entry.neuron: eq for eq in layer.dact}
        groups: dict[int, NeuronView] = {}
        for dnet in layer.dnet:
            j, uses = known(dnet.entry.neuron), set(dnet.entry.depends_on)
            dout, dact = douts.get(j), dacts.get(j)
            groups[j] = NeuronView(layer.layer, j, self.names.neuron(layer.layer, j).plain,
                                   dout if dout is not None and dout.entry.index in uses else None,
                                   dact if dact is not None and dact.entry.index in uses else None, dnet)
        for eq in layer.dw:
            groups[known(eq.entry.neuron)].dw.append(eq)
        for eq in layer.db:
            if eq.entry.neuron is not None:
                groups[eq.entry.neuron].db = eq
        ordered: list[NeuronView | Gap] = [groups[j] for j in sorted(groups)]
        if self.weights:
            return ordered
        return self.shorten(ordered, lambda n: self.names.neuron(n.layer, n.neuron).latex
                            if isinstance(n, NeuronView) else "")

    def shared_bias(self, layer: LayerView) -> Eq | None:
        """The gradient of a bias shared by the whole layer (per-layer biases), if any."""
        return next((eq for eq in layer.db if eq.entry.neuron is None), None)

    # --- the factors of one gradient ---------------------------------------------------
    def factors(self, eq: Eq) -> list[ChainFactor]:
        """∂E/∂out, ∂out/∂net, ∂net/∂w (or ∂net/∂b) of one example's dw/db entry.

        When the delta is not ∂E/∂out · ∂out/∂net (softmax, whose outputs all depend on every
        net) the chain is ∂E/∂net · ∂net/∂w; [] for a batch mean or a shared bias's sum."""
        e = eq.entry
        first = _delta_entry(e)
        if first is None:
            return []
        delta = self.log.entries[first]
        if delta.kind != "dnet":
            return []
        layer = known(e.layer)
        net = self.name("net", layer, e.neuron)
        if e.kind == "dw":
            param, sender = self.name("weight", layer, e.neuron, e.source), e.operand("input")
            last = ChainFactor(partial(net, param), sym(sender), shown(sender))
        else:
            last = ChainFactor(partial(net, self.name("bias", layer, e.neuron)), None, Number("1", 1.0))
        dout, dact = delta.operands_in("dout"), delta.operands_in("dact")
        if len(dout) == len(dact) == 1 and dout[0].entry is not None and dact[0].entry is not None:
            parts = [self.log.entries[dout[0].entry], self.log.entries[dact[0].entry]]
            return [ChainFactor(parts[0].symbol, None, shown(parts[0])),
                    ChainFactor(parts[1].symbol, None, shown(parts[1])), last]
        total = self.name("loss", self.last, None)
        return [ChainFactor(partial(total, net), None, shown(delta)), last]

    def evaluated(self, eq: Eq) -> list[ChainFactor]:
        """The factors whose shown values multiply to the gradient printed.

        ∂E/∂out · ∂out/∂net · ∂net/∂w when their printed values give the gradient printed
        (within one unit of its last digit; exactly when carried); else δ · ∂net/∂w, the
        numbers the gradient is computed from, so the line adds up."""
        factors = self.factors(eq)
        if len(factors) != 3:
            return factors
        product = math.prod(float(f.shown.text) for f in factors)
        if self.log.problem.rounding.agrees(product, eq.entry.shown, eq.entry.value):
            return factors  # the three factors give the gradient printed (within one unit)
        delta = self.log.entries[known(_delta_entry(eq.entry))]
        return [ChainFactor(delta.symbol, None, shown(delta)), factors[-1]]

    def product(self, eq: Eq) -> list[Node]:
        """∂E/∂w = ∂E/∂out · ∂out/∂net · ∂net/∂w = (the factors' names) = (their values) = result."""
        f, g = self.factors(eq), self.evaluated(eq)
        return [eq.entry.symbol, Mul(tuple(x.symbol for x in f)), Mul(tuple(x.symbol for x in g)),
                Mul(tuple(x.shown for x in g)), shown(eq.entry)]

    def name(self, kind: str, layer: int, neuron: int | None, source: int | None = None) -> Symbol:
        names = self.names.quantity(kind, layer, neuron, source)
        return Symbol(names.latex, names.plain)

    # --- the paths from a hidden neuron to the error -----------------------------------
    def paths(self, dout: Eq) -> list[tuple[Node, Node, Node]]:
        """(path, path as ∂·∂, path as δ·w) for each neuron of the next layer the output feeds.

        Next to the output layer of a per-output loss (not softmax) a path is the classic
        ∂E_o1/∂out_h1 = ∂E_o1/∂net_o1 · ∂net_o1/∂out_h1 = δ_o1 · w5; deeper, or under
        softmax (where every E depends on every net), it is ∂E_total/∂net_k · ∂net_k/∂out_h1.
        """
        e, layer = dout.entry, known(dout.entry.layer)
        if not isinstance(e.op, WeightedSum) or layer >= self.last:
            return []
        out = self.name("out", layer, e.neuron)
        total = self.name("loss", self.last, None)
        per_output = self._per_output(layer)
        paths: list[tuple[Node, Node, Node]] = []
        for delta, weight in zip(e.operands_in("delta"), e.operands_in("weight")):
            k = self.log.entries[known(delta.entry)].neuron
            net = self.name("net", layer + 1, k)
            through = partial(net, out)
            if per_output:
                loss = self.name("loss", self.last, k)
                paths.append((partial(loss, out), Mul((partial(loss, net), through)), Mul((sym(delta), sym(weight)))))
            else:  # named by where it passes: ∂E_total/∂out_h1 (through o1)
                via = Mul((partial(total, out), Text(" (through "), _symbol(self.names.neuron(layer + 1, known(k))),
                           Text(")")),
                          sign="juxtapose")
                paths.append((via, Mul((partial(total, net), through)), Mul((sym(delta), sym(weight)))))
        return paths

    def path_sum(self, dout: Eq) -> Node:
        """The paths added up, elided like the log's own sums."""
        # next to the output, ∂E_o1/∂out_h1 + ∂E_o2/∂out_h1; deeper, the products ∂E/∂net_k·∂net_k/∂out_h1
        named = self._per_output(known(dout.entry.layer))
        return Add(elided([p[0] if named else p[1] for p in self.paths(dout)], self.max_terms))

    def _per_output(self, layer: int) -> bool:
        """Whether the layer's paths end in one output's own loss each (next to the output, no softmax)."""
        return layer + 1 == self.last and not self.log.problem.activations[-1].layerwise

    def feeds(self, dout: Eq) -> list[str]:
        """LaTeX names of the next layer's neurons this neuron's output feeds (a_{21})."""
        e = dout.entry
        return [self.names.neuron(known(e.layer) + 1, known(self.log.entries[known(d.entry)].neuron)).latex
                for d in e.operands_in("delta")] if isinstance(e.op, WeightedSum) else []

    # --- neurons that pass no gradient, and the paths that do ---------------------------
    def blocked(self, dact: Eq | None) -> bool:
        """Whether a neuron's activation derivative is 0 here (a ReLU with net ≤ 0): no
        gradient flows back through it, so its delta and its weights' gradients are 0."""
        return dact is not None and dact.entry.value == 0

    def blocked_labels(self, layer: LayerView) -> list[str]:
        """LaTeX names of a backward layer's neurons whose activation derivative is 0 (n4),
        typeset as math like every other name."""
        return [self.names.neuron(layer.layer, known(eq.entry.neuron)).latex for eq in layer.dact if self.blocked(eq)]

    def routes(self, neuron: NeuronView, example: ExampleView, most: int = 6) -> list[tuple[Node, bool]]:
        """Every path from a hidden neuron through the later layers to an output, as its
        LaTeX names joined by arrows (n3 \\to n6 \\to n9), and whether it passes a neuron that lets no
        gradient through; [] when the neuron feeds the output layer directly (its paths are
        the terms of its sum) or there are more than ``most`` paths."""
        first = neuron.layer + 1
        if first >= self.last:
            return []
        widths = self.log.problem.layers[first:]
        if math.prod(widths) > most:
            return []
        blocked = {(layer.layer, eq.entry.neuron) for layer in example.backward for eq in layer.dact
                   if self.blocked(eq)}
        paths: list[tuple[list[tuple[int, int]], bool]] = [([(neuron.layer, neuron.neuron)], False)]
        for l in range(first, self.last + 1):
            paths = [(path + [(l, j)], dead or (l, j) in blocked)
                     for path, dead in paths for j in range(1, self.log.problem.layers[l] + 1)]
        return [(self._route(path), dead) for path, dead in paths]

    def _route(self, path: list[tuple[int, int]]) -> Node:
        """n3 → n6 → n9: the neurons' names joined by arrows, as a formula tree."""
        names = [self.names.neuron(l, j) for l, j in path]
        route: Node = Symbol(names[-1].latex, names[-1].plain)
        for n in reversed(names[:-1]):
            route = Relation(Symbol(n.latex, n.plain), "->", route)
        return route

    # --- updates -----------------------------------------------------------------------
    def updates(self, step: StepView) -> dict[int, Eq]:
        """The step's new_w/new_b lines keyed by the index of the gradient entry they use."""
        return {grad: eq for layer in step.updates for eq in layer.new_w + layer.new_b
                if (grad := eq.entry.operand("grad").entry) is not None}


def _delta_entry(e: Entry) -> int | None:
    """The δ entry one example's gradient is made of: a weight's δ·(its input), or a bias's
    own δ; None for a batch mean or a shared bias's sum."""
    if e.kind == "dw" and isinstance(e.op, Product) and (deltas := e.operands_in("delta")):
        return deltas[0].entry
    if e.kind == "db" and isinstance(e.op, Identity):
        return e.operand("value").entry
    return None


def partial(top: Symbol, bottom: Symbol) -> Symbol:
    """The name ∂top/∂bottom."""
    return Symbol(f"\\frac{{\\partial {top.latex}}}{{\\partial {bottom.latex}}}", f"d{top.text}/d{bottom.text}")


def _symbol(names: Names) -> Symbol:
    return Symbol(names.latex, names.plain)


def _zero_gradient(update: Entry) -> bool:
    """Whether an update's gradient is exactly 0 (an input of 0, a blocked ReLU) and so its
    change is 0 too; False for an update without a gradient operand or with state that moves."""
    try:
        return update.operand("grad").value == 0 and update.value == update.operand("old").value
    except (KeyError, ValueError, LookupError):
        return False


def _unchanged(update: Entry) -> bool:
    """Whether an update prints its old value as the new one (0.2 → 0.2): nothing to work."""
    try:
        old = update.operand("old")
    except (KeyError, ValueError, LookupError):
        return False
    try:
        return Decimal(old.shown) == Decimal(update.shown)
    except ArithmeticError:
        return False
