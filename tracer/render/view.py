"""The trace log grouped the way a worked solution reads it: steps, examples, layers.

Templates receive these views and only format them. Nothing here computes a value of
the network; it selects and orders log entries and pairs them with their symbols.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from ..engine.log import Entry, TraceLog
from ..engine.ops import DELTA as DELTA_OP
from ..engine.ops import Difference, Identity, Mean, Operand, Product, Sum, Update, WeightedSum, elide
from ..engine.trace import BATCH
from ..formula.latex import latex
from ..formula.tree import Add, Apply, Frac, Gap, Group, Listing, Mul, Node, Number, Relation, Sigma, Sub, Symbol, elided
from ..model.activations import ElementwiseOp, Linear, SoftmaxOut
from ..model.problem import Problem
from .matrices import applied, grid, transpose

Shape = tuple[int, int] | None  # rows x columns, or None for a scalar (a shared bias)
J = Symbol("j", "j")


@dataclass(frozen=True)
class Eq:
    """One quantity ready to print: symbol = formula = substitution = shown value.

    The formula and substitution are rendered on first use: a 784-30-10 step logs
    ~48,000 entries and a style that works whole layers prints only a few of them.
    """

    entry: Entry
    max_terms: int | None = None

    @property
    def symbol(self) -> str:
        return self.entry.latex

    @cached_property
    def formula(self) -> str:
        return self.entry.formula_latex(self.max_terms)

    @cached_property
    def substitution(self) -> str:
        return self.entry.substitution_latex(self.max_terms)

    @property
    def shown(self) -> str:
        return self.entry.shown

    @property
    def equation(self) -> Relation:
        """symbol = shown value, as a formula tree (inline in running text)."""
        return Relation(self.entry.symbol, "=", shown(self.entry))

    @property
    def parts(self) -> list[Node]:
        """symbol = formula = substitution = value, as formula trees."""
        e = self.entry
        return [e.symbol, e.formula_tree(self.max_terms), e.substitution_tree(self.max_terms), shown(e)]

    @property
    def name(self) -> str:
        return self.entry.name


def known(x: int | None) -> int:
    """A layer, neuron or entry index a network's entry has (only an expression's gates have none)."""
    assert x is not None
    return x


_X = Symbol("x", "x")
ETA = Symbol("\\eta", "eta")
DELTA = Symbol("\\delta", "delta")


def _partial(of: str, by: str) -> Frac:
    """∂of/∂by, both LaTeX names."""
    return Frac(Symbol(f"\\partial {of}", f"d{of}"), Symbol(f"\\partial {by}", f"d{by}"))


def learning_rate(problem: Problem, rate: Symbol = ETA) -> Relation:
    """``η = 0.5`` as given (``rate``: the notation's symbol, ``l`` under han-kamber), a formula
    tree for running text."""
    return Relation(rate, "=", Number(problem.rounding.show_given(problem.training.learning_rate)))


class MathText(str):
    """A table cell that is inline math: its text is the Markdown/LaTeX ``$...$``, its tree
    what a printer needing another form (HTML's MathML) prints."""

    tree: Node

    def __new__(cls, tree: Node) -> MathText:
        out = super().__new__(cls, f"${latex(tree)}$")
        out.tree = tree
        return out


def shown(x: Entry | Operand) -> Number:
    """A value as printed, as a formula leaf (an operand's with the entry that computed it)."""
    return Number(x.shown, x.value, made=x.entry if isinstance(x, Operand) else None)


def sym(x: Entry | Operand) -> Symbol:
    """A quantity's name as a formula leaf."""
    return Symbol(x.latex, x.name)


@dataclass(frozen=True)
class Line:
    """A printed chain symbol = formula = substitution = result, for a presentation of
    log entries other than the entry's own (a whole-layer matrix, σ(net) for the formula).
    Every number in it is an operand's or entry's shown value; a part None is left out."""

    symbol: Node
    formula: Node | None
    substitution: Node | None
    result: Node
    entry: Entry | None = None   # the entry it presents, when it presents one

    @classmethod
    def of(cls, eq: Eq) -> Line:
        """An entry's own line: symbol = formula = substitution = value."""
        symbol, formula, substitution, value = eq.parts
        return cls(symbol, formula, substitution, value, eq.entry)

    @property
    def parts(self) -> list[Node]:
        return [p for p in (self.symbol, self.formula, self.substitution, self.result) if p is not None]


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
    batch_loss: Eq | None = None   # a mini-batch's loss: the mean of its examples' losses


class Viewer:
    """Builds views from a log; ``max_terms`` elides long sums for printing."""

    def __init__(self, log: TraceLog, max_terms: int | None = None) -> None:
        self.log = log
        self.max_terms = max_terms
        self.layers = log.problem.layers
        self._folded_gradients: dict[int, set[int | None]] = {}

    def eq(self, e: Entry) -> Eq:
        return Eq(e, self.max_terms)

    @property
    def learning_rate(self) -> Relation:
        rate = getattr(self.log.notation, "rate", None)
        return learning_rate(self.log.problem, ETA if rate is None else Symbol(rate.latex, rate.plain))

    #: The ellipses of elided runs in running text (⋯ a run of lines, ⋮ a run of blocks), as trees.
    dots = Gap("h")
    vdots = Gap("v")

    def delta_rule(self, total: str) -> Relation:
        """δ = ∂E/∂net (``total``: the loss's LaTeX name), the text's general formula, as a tree."""
        return Relation(DELTA, "=", _partial(total, "net"))

    def chain_rule(self, total: str) -> Relation:
        """∂E/∂w = ∂E/∂out · ∂out/∂net · ∂net/∂w, as a tree."""
        return Relation(_partial(total, "w"), "=", Mul((_partial(total, "out"), _partial("out", "net"),
                                                         _partial("net", "w"))))

    def update_rule(self, by_delta: bool, total: str) -> Relation:
        """w⁺ = w − η·δ·out (``by_delta``) or w⁺ = w − η·∂E/∂w (``total``: the loss's LaTeX name), as a tree."""
        w = Symbol("w", "w")
        step = (ETA, DELTA, Symbol("out", "out")) if by_delta else (ETA, _partial(total, "w"))
        return Relation(Symbol("w^{+}", "w+"), "=", Sub(w, Mul(step)))

    @property
    def total_loss_rule(self) -> Relation:
        """E_total = Σ_j E_j (the notation's name for the total), as a tree."""
        total = self.log.notation.quantity("loss", len(self.layers) - 1, None)
        return Relation(Symbol(total.latex, total.plain), "=", Sigma(Symbol("j", "j"), Symbol("E_j", "E_j"), brief=True))

    @property
    def loss_rule(self) -> Relation:
        """E_j = loss(t_j, o_j), the loss per output, as a tree."""
        t, o = Symbol("t_j", "t_j"), Symbol("o_j", "o_j")
        return Relation(Symbol("E_j", "E_j"), "=", self.log.problem.loss.tree(t, o))

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
        batch_loss = next((self.eq(e) for e in entries if e.example is None and e.kind == "loss"), None)
        return StepView(s, entries[0].epoch, per_example,
                        [self.layer_view(l, batched) for l in range(L, 0, -1)] if batched else [],
                        [self.layer_view(l, updates) for l in range(L, 0, -1)], batch_loss)

    def example(self, k: int, entries: list[Entry]) -> ExampleView:
        L = len(self.layers) - 1
        data = self.log.problem.data[k - 1]
        show = self.log.problem.rounding.show_given  # as the engine prints stated data in formulas
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

    # --- tables ---------------------------------------------------------------
    def parameter_rows(self) -> list[list[str]]:
        """Initial weights: symbol, from, to (neuron labels in LaTeX, set as in the diagram), value."""
        p, names = self.log.problem, self.log.notation
        # labels once per neuron, not twice per weight: a 784-30-10 net has 23,820 weights
        labels = [[names.neuron(l, j).latex for j in range(1, n + 1)] for l, n in enumerate(p.layers)]
        rows = []
        for l, matrix in enumerate(p.weights, 1):
            for j, row in enumerate(matrix, 1):
                for i, w in enumerate(row, 1):
                    rows.append([names.quantity("weight", l, j, i).latex, labels[l - 1][i - 1],
                                 labels[l][j - 1], p.rounding.show_given(w)])
        return rows

    def bias_rows(self) -> list[list[str]]:
        """Bias, what it is added to (a neuron's LaTeX name, or words for a per-layer bias), value."""
        p, names = self.log.problem, self.log.notation
        rows = []
        for l, values in enumerate(p.biases, 1):
            for j, b in enumerate(values, 1):
                neuron = None if p.bias == "per_layer" else j
                target = (f"every neuron of the {self.layer_title(l).lower()}" if neuron is None
                          else names.neuron(l, j).latex)  # LaTeX, as the weights table names neurons
                rows.append([names.quantity("bias", l, neuron).latex, target, p.rounding.show_given(b)])
        return rows

    def data_rows(self) -> list[list[str]]:
        """Inputs and targets as the problem states them (long input vectors elided)."""
        show = self.log.problem.rounding.show_given

        def listed(values: tuple[float, ...]) -> str:
            return ", ".join(elide([show(v) for v in values], self.max_terms, gap="…"))
        return [[str(k), listed(e.input), listed(e.target)] for k, e in enumerate(self.log.problem.data, 1)]

    def change_rows(self, step: StepView) -> list[list[str]]:
        """Old -> new for every parameter, with the change: new minus old as printed, exactly."""
        rows = []
        for layer in reversed(step.updates):
            for eq in layer.new_w + layer.new_b:
                old = eq.entry.operand("old")
                rows.append([old.latex, old.shown, eq.shown,
                             printed_difference(eq.shown, old.shown, self.log.problem.rounding.trailing_zeros)])
        return rows

    def history_one_example(self) -> bool:
        """One training example: every step is its own epoch on example 1, so the loss table
        needs no Epoch and Example columns (classic-2-2-2's 10,000 steps)."""
        return len(self.log.problem.data) == 1 and all(h["example"] in (1, None) for h in self.log.history)

    def history_sample(self) -> str:
        """How a long loss table samples the steps, in words ("" when it shows them all):
        "steps 1 to 10, then every 500th step up to 10,000". The recorded steps beyond
        these are in it too (they are worked above)."""
        total = len(self.log.history)
        stride = sample_stride(total)
        if stride is None:
            return ""
        nth = f"{stride:,}{'nd' if stride % 10 == 2 else 'th'}"     # 2nd, 5th, 20th, 500th, 1,000th
        end = f", and the last, {total:,}" if total % stride else f" up to {total:,}"
        worked = sorted(k for k in self.log.steps if k > HEAD and k % stride and k != total)
        also = f", and step{'s' if len(worked) > 1 else ''} {', '.join(f'{k:,}' for k in worked)} worked above" \
            if worked else ""
        return f"steps 1 to {HEAD}, then every {nth} step{end}{also}"

    def history_rows(self) -> list[list[str]]:
        """The loss of every step; a long run shows a sample of steps, with every recorded one.

        10,000 steps would print 200 pages: the first ten, the recorded steps and about
        twenty evenly spaced ones up to the last are what a reader follows. With one
        example (``history_one_example``) a row is the step and its loss.
        """
        one = self.history_one_example()
        rounding = self.log.problem.rounding
        # a recorded step's loss as its walkthrough printed it (its line's own result: 0.2662)
        printed = {(e.step, e.value): e.shown for e in self.log.entries if e.kind == "loss" and e.neuron is None}

        def show(step: int, loss: float) -> str:
            return printed.get((step, loss)) or rounding.show(loss)
        history = self.log.history
        wanted = sampled_steps(len(history), set(self.log.steps))
        rows: list[list[str]] = []
        for step in wanted:
            if rows and step != int(rows[-1][0]) + 1:
                rows.append([MathText(Gap("v")), ""] if one else [MathText(Gap("v")), "", "", ""])
            h = history[step - 1]
            rows.append([str(h["step"]), show(step, h["loss"])] if one else
                        [str(h["step"]), str(h["epoch"]), "" if h["example"] is None else str(h["example"]),
                         show(step, h["loss"])])
        return rows

    # --- activation functions, as the narrative and matrix styles write them ----------
    def function(self, l: int) -> str:
        """The symbol of layer l's activation function: σ, tanh, ReLU, ..."""
        return self.log.problem.activations[l - 1].symbol

    def function_symbol(self, l: int) -> Symbol:
        act = self.log.problem.activations[l - 1]
        return Symbol(act.symbol, act.name)

    def activation_rule(self, l: int) -> Node:
        """The activation's definition, e.g. σ(x) = 1/(1 + e^{-x}), stated once per layer, as a tree."""
        act = self.log.problem.activations[l - 1]
        left: Node = Apply(self.function_symbol(l), (_X,))
        if act.layerwise:
            left = Mul((left, Symbol("_{j}", "_j")), "juxtapose")
        return Relation(left, "=", act.describe_tree())

    def derivative_rule(self, l: int) -> Node | None:
        """The derivative as the log's dact entries compute it, e.g. σ'(x) = σ(x)(1 - σ(x)), as a
        tree; None for softmax, whose dact entries are only the Jacobian's diagonal."""
        act = self.log.problem.activations[l - 1]
        if act.layerwise:
            return None
        g = self.function_symbol(l)
        prime = Symbol(g.latex + "'", g.text + "'")
        return Relation(Apply(prime, (_X,)), "=", act.dact_tree(_X, Apply(g, (_X,))))

    def uses_dact(self, layer: LayerView) -> bool:
        """Whether the layer's deltas are ∂E/∂out · ∂out/∂net; softmax with cross-entropy's
        delta is out - target and never uses the logged derivative, so it is not shown."""
        return bool(layer.dnet) and all(isinstance(eq.entry.op, Product) for eq in layer.dnet)

    # --- lists as the narrative style prints them ------------------------------------------
    def latex_name(self, eq: Eq) -> str:
        """An entry's LaTeX name (\\mathrm{net}_{h1}), to label the ends of an elided run of lines."""
        return eq.entry.latex

    def assignments(self, factors: list[Factor]) -> Listing:
        """``i_1 = 0.05, i_2 = 0.1, ..., i_n = 0.8``: inputs or targets in one line of math, as a tree."""
        items: list[Node] = [Relation(Symbol(f.symbol, f.symbol), "=", Number(f.shown)) for f in factors]
        return Listing(tuple(elided(items, self.max_terms)))

    def blocks(self, items: list) -> list:
        """Runs of consecutive lines (Eq or Line), split where an elided run (a gap) stands."""
        out: list = []
        for item in items:
            if isinstance(item, (Eq, Line)):
                if not out or not isinstance(out[-1], list):
                    out.append([])
                out[-1].append(item)
            else:
                out.append(item)
        return out

    def activation_lines(self, items: list) -> list:
        """``activation_line`` over a list that chains.shorten may have elided (gaps pass through)."""
        return [self.activation_line(i) if isinstance(i, Eq) else i for i in items]

    def update_lines(self, items: list) -> list:
        """``update_line`` over a list that chains.chosen may have elided (gaps pass through)."""
        return [self.update_line(i) if isinstance(i, Eq) else i for i in items]

    # --- narrative style -------------------------------------------------------------
    def activation_line(self, eq: Eq) -> Line:
        """out = σ(net) = σ(0.6) = 0.65: the activation by name (softmax and linear keep the formula)."""
        e = eq.entry
        act = self.log.problem.activations[known(e.layer) - 1]
        if not isinstance(e.op, ElementwiseOp) or isinstance(act, Linear):
            return Line.of(eq)
        net, g = e.operand("net"), self.function_symbol(known(e.layer))
        return Line(e.symbol, Apply(g, (sym(net),)), Apply(g, (shown(net),)), shown(e), e)

    def folded(self, update: Entry) -> tuple[Operand, ...]:
        """The gradient's own factors when the update reads w - η·δ·out with them, else ().

        Only when that is the same number: the gradient is the plain product δ·out (or
        the delta itself), and values are not carried rounded (a carried gradient is
        round(δ·out), so writing δ·out would not give the update printed)."""
        grad = update.operand("grad")
        if grad.entry is None or self.log.problem.rounding.carry:
            return ()
        source = self.log.entries[grad.entry]
        if not isinstance(source.op, (Product, Identity)):
            return ()
        # and only when the folded line adds up: old - η·δ·out from the printed numbers
        old, eta = float(update.operand("old").shown), float(update.operand("rate").shown)
        result = old - eta * math.prod(float(o.shown) for o in source.operands)
        return source.operands if self.log.problem.rounding.agrees(result, update.shown, update.value) else ()

    def update_line(self, eq: Eq) -> Line:
        """new = old - rate · δ · out when the gradient folds in (see ``folded``), else as logged."""
        e = eq.entry
        factors = self.folded(e)
        if not factors:
            return Line.of(eq)
        old, eta = e.operand("old"), e.operand("rate")
        formula = Sub(sym(old), Mul((sym(eta), *(sym(o) for o in factors))))
        numbers = Sub(shown(old), Mul((shown(eta), *(shown(o) for o in factors))))
        return Line(e.symbol, formula, numbers, shown(e), e)

    def folds(self, step: StepView) -> bool:
        """Whether the step's updates are written w - η·δ·out (so the text can say so)."""
        return any(self.folded(eq.entry) for view in step.updates for eq in view.new_w)

    def gradient_lines(self, layer: LayerView, step: StepView) -> list[Eq]:
        """A layer's gradients that no update line of the step already spells out."""
        folded = self._folded_gradients.get(step.step)
        if folded is None:  # once per step, not once per layer (a 784-30-10 step has 23,860 updates)
            updates = [eq.entry for view in step.updates for eq in view.new_w + view.new_b]
            folded = self._folded_gradients[step.step] = {e.operand("grad").entry for e in updates
                                                          if self.folded(e)}
        return [eq for eq in layer.dw + layer.db if eq.entry.index not in folded]

    # --- matrix style ----------------------------------------------------------------
    def symbol(self, kind: str, l: int) -> str:
        """The whole-layer symbol (Z^{[1]}, W^{[2]}, dZ^{[1]}) of the problem's notation, as LaTeX."""
        return self.matrix_symbol(kind, l).latex

    def general_symbol(self, kind: str) -> str:
        """The whole-layer symbol of the general layer l (Z^{[l]}), as LaTeX; "" when the
        notation cannot write it."""
        names = self.log.notation.general_matrix(kind)
        return "" if names is None else names.latex

    def matrix_symbol(self, kind: str, l: int) -> Symbol:
        """The whole-layer symbol as a formula leaf."""
        if kind == "out" and l == 0:
            kind = "input"
        names = self.log.notation.matrix(kind, l)
        return Symbol(names.latex, names.plain)

    def matrix(self, layer: LayerView, kind: str) -> Line | None:
        """A layer's entries of one kind as one matrix equation, e.g. Z = W·A + b = [..][..] + [..] = [..].

        The form follows each entry's op (a weighted sum is W·A + b, a product of delta and
        input is dZ·Aᵀ, ...); every number is a shown value of the entries or their operands.
        None when the layer has no such entries (or, for dact, when no delta uses them)."""
        eqs = layer.kinds.get(kind)
        if not eqs or (kind == "dact" and not self.uses_dact(layer)):
            return None
        entries = [eq.entry for eq in eqs]
        form = getattr(self, f"_matrix_{kind}", None)
        line = form(layer, entries) if form else None
        return line if line is not None else self._elementwise(kind, layer.layer, entries)

    def _grid(self, cell: Callable[[int], Node], shape: Shape) -> Node:
        """A matrix of cell(k) for the flat (row-major) index k; for shape None a scalar
        (the printer brackets it when negative inside a formula: 0.3 - 0.5 \\cdot (-0.2))."""
        if shape is None:
            return cell(0)
        rows, cols = shape
        return grid(lambda r, c: cell(r * cols + c), rows, cols, self.max_terms)

    def _shape(self, kind: str, l: int, entries: list[Entry]) -> Shape:
        if kind in ("dw", "new_w", "weight"):
            return self.layers[l], self.layers[l - 1]
        if entries[0].neuron is None:
            return None
        return len(entries), 1

    def _result(self, kind: str, l: int, entries: list[Entry]) -> Node:
        """The entries' shown values (a scalar ends the line, so it needs no brackets)."""
        return self._grid(lambda k: Number(entries[k].shown, entries[k].value, entries[k].index),
                          self._shape(kind, l, entries))

    def _derivative(self, l: int) -> Node:
        """g'(Z) for layer l: the derivative applied to the whole-layer net input."""
        g = self.function_symbol(l)
        return applied(Symbol(g.latex + "'", g.text + "'"), self.matrix_symbol("net", l))

    def _elementwise(self, kind: str, l: int, entries: list[Entry]) -> Line:
        """Any other op: the matrices of the entries' own formulas, substitutions and values."""
        shape = self._shape(kind, l, entries)
        try:
            symbol: Node = self.matrix_symbol(kind, l)
        except ValueError:  # a kind without a whole-layer name: the matrix of element names
            symbol = self._grid(lambda k: entries[k].symbol, shape)
        return Line(symbol, self._grid(lambda k: entries[k].formula_tree(self.max_terms), shape),
                    self._grid(lambda k: entries[k].substitution_tree(self.max_terms), shape),
                    self._result(kind, l, entries))

    def _matrix_net(self, layer: LayerView, entries: list[Entry]) -> Line | None:
        """Z = W·A + b with W and A read from the net entries' (weight, input) operands."""
        op, l = entries[0].op, layer.layer
        if not isinstance(op, WeightedSum):
            return None
        n, m, first = len(entries), self.layers[l - 1], entries[0]
        w = self._grid(lambda k: shown(entries[k // m].operand("weight", k % m)), (n, m))
        a = self._grid(lambda k: shown(first.operand("input", k)), (m, 1))
        formula: Node = Mul((self.matrix_symbol("weight", l), self.matrix_symbol("out", l - 1)))
        numbers: Node = Mul((w, a))
        if op.has_bias:
            shape = None if self.log.problem.bias == "per_layer" else (n, 1)
            formula = Add((formula, self.matrix_symbol("bias", l)))
            numbers = Add((numbers, self._grid(lambda k: shown(entries[k].operand("bias")), shape)))
        return Line(self.matrix_symbol("net", l), formula, numbers, self._result("net", layer.layer, entries))

    def _matrix_out(self, layer: LayerView, entries: list[Entry]) -> Line | None:
        """A = g(Z), element by element (softmax: over the whole layer)."""
        l, op = layer.layer, entries[0].op
        if isinstance(op, ElementwiseOp):
            z = self._grid(lambda k: shown(entries[k].operand("net")), (len(entries), 1))
        elif isinstance(op, SoftmaxOut):
            z = self._grid(lambda k: shown(entries[0].operand("net", k)), (len(entries), 1))
        else:
            return None
        g, zs = self.function_symbol(l), self.matrix_symbol("net", l)
        if isinstance(self.log.problem.activations[l - 1], Linear):
            return Line(self.matrix_symbol("out", l), zs, z, self._result("out", l, entries))
        return Line(self.matrix_symbol("out", l), applied(g, zs), applied(g, z), self._result("out", l, entries))

    def _matrix_dout(self, layer: LayerView, entries: list[Entry]) -> Line | None:
        """Hidden layer: dA = (W of the next layer)ᵀ · dZ of the next layer."""
        l = layer.layer
        if not isinstance(entries[0].op, WeightedSum):
            return None
        n, nxt = len(entries), self.layers[l + 1]
        formula = Mul((transpose(self.matrix_symbol("weight", l + 1)), self.matrix_symbol("dnet", l + 1)))
        numbers = Mul((self._grid(lambda k: shown(entries[k // nxt].operand("weight", k % nxt)), (n, nxt)),
                       self._grid(lambda k: shown(entries[0].operand("delta", k)), (nxt, 1))))
        return Line(self.matrix_symbol("dout", l), formula, numbers, self._result("dout", l, entries))

    def _matrix_dact(self, layer: LayerView, entries: list[Entry]) -> Line | None:
        """g'(Z) = [each element's substitution] = [values] (shown only when the deltas use it)."""
        l = layer.layer
        shape = (len(entries), 1)
        return Line(self._derivative(l), None,
                    self._grid(lambda k: entries[k].substitution_tree(self.max_terms), shape),
                    self._result("dact", l, entries))

    def _matrix_dnet(self, layer: LayerView, entries: list[Entry]) -> Line | None:
        """dZ = dA ⊙ g'(Z), or A - Y for softmax with cross-entropy."""
        l, op = layer.layer, entries[0].op
        shape = (len(entries), 1)
        roles = op.roles(len(entries[0].operands))

        def column(role: str) -> Node:
            return self._grid(lambda k: shown(entries[k].operand(role)), shape)
        formula: Node
        if roles == DELTA_OP.named:      # ∂E/∂out ⊙ ∂out/∂net
            formula = Mul((self.matrix_symbol("dout", l), self._derivative(l)), sign="odot")
            numbers: Node = Mul((column("dout"), column("dact")), sign="odot")
        elif isinstance(op, Difference):   # out - target, the loss's closed form
            formula = Sub(self.matrix_symbol("out", l), self.matrix_symbol("target", l))
            numbers = Sub(column("left"), column("right"))
        else:
            return None
        return Line(self.matrix_symbol("dnet", l), formula, numbers, self._result("dnet", l, entries))

    def _matrix_dw(self, layer: LayerView, entries: list[Entry]) -> Line | None:
        """dW = dZ · Aᵀ (the outer product of the deltas and the layer's inputs), or a batch mean."""
        l, op = layer.layer, entries[0].op
        if isinstance(op, Mean) or self._batch_sum(entries):
            return self._mean("dw", l, entries)
        if not isinstance(op, Product):
            return None
        n, m = self.layers[l], self.layers[l - 1]
        formula = Mul((self.matrix_symbol("dnet", l), transpose(self.matrix_symbol("out", l - 1))))
        numbers = Mul((self._grid(lambda k: shown(entries[k * m].operand("delta")), (n, 1)),
                       self._grid(lambda k: shown(entries[k].operand("input")), (1, m))))
        return Line(self.matrix_symbol("dw", l), formula, numbers, self._result("dw", l, entries))

    def _matrix_db(self, layer: LayerView, entries: list[Entry]) -> Line | None:
        """db = dZ (a bias per neuron), the sum of dZ (one shared bias), or a batch mean."""
        l, op = layer.layer, entries[0].op
        dz = self.matrix_symbol("dnet", l)
        if isinstance(op, Mean) or self._batch_sum(entries):
            return self._mean("db", l, entries)
        if isinstance(op, Identity) and entries[0].neuron is not None:
            numbers = self._grid(lambda k: shown(entries[k].operand("value")), (len(entries), 1))
            return Line(self.matrix_symbol("db", l), dz, numbers, self._result("db", l, entries))
        if isinstance(op, (Sum, Identity)):
            terms = [shown(o) for o in entries[0].operands]
            return Line(self.matrix_symbol("db", l), Sigma(J, Symbol(f"\\left({dz.latex}\\right)_{{j}}",
                                                                       f"({dz.text})_j")),
                        Add(elided(terms, self.max_terms)), self._result("db", l, entries))
        return None

    def _batch_sum(self, entries: list[Entry]) -> bool:
        """A batch's gradients added up (``conventions.update: batch_sum``): a Sum of the
        examples' own gradients of the same kind, not a shared bias's sum of deltas."""
        e = entries[0]
        first = e.operands[0].entry if e.operands else None
        return (isinstance(e.op, Sum) and e.example is None and first is not None
                and self.log.entries[first].kind == e.kind)

    def _mean(self, kind: str, l: int, entries: list[Entry]) -> Line:
        """1/k · (dW^(1) + ... + dW^(k)) = dW^batch: the mean of the batch's per-example
        gradient matrices, marked as the engine marks the entries (``Recorder.marked``); their
        sum, without 1/k, with ``conventions.update: batch_sum``."""
        shape = self._shape(kind, l, entries)
        symbol = self.matrix_symbol(kind, l)
        examples = [self.log.entries[o.entry].example if o.entry is not None else t + 1
                    for t, o in enumerate(entries[0].operands)]
        terms = [marked(symbol, f"({x})") for x in examples]
        grids = [self._grid(self._operand_cell(entries, t), shape) for t in range(len(examples))]
        if not isinstance(entries[0].op, Mean):
            return Line(marked(symbol, BATCH), Add(elided(terms, self.max_terms)), Add(elided(grids, self.max_terms)),
                        self._result(kind, l, entries))
        k = Frac(Number("1"), Number(str(len(examples))))
        return Line(marked(symbol, BATCH), Mul((k, Group(Add(elided(terms, self.max_terms)), sized=True))),
                    Mul((k, Group(Add(elided(grids, self.max_terms)), sized=True))),
                    self._result(kind, l, entries))

    @staticmethod
    def _operand_cell(entries: list[Entry], t: int) -> Callable[[int], Node]:
        """The cell k of a grid of the entries' t-th operands."""
        return lambda k: shown(entries[k].operand("term", t))

    def _update(self, kind: str, layer: LayerView, entries: list[Entry]) -> Line | None:
        """W⁺ = W - η·dW with the old values, the rate and the gradients from the update's operands."""
        l = layer.layer
        if not isinstance(entries[0].op, Update):
            return None
        base, grad = ("weight", "dw") if kind == "new_w" else ("bias", "db")
        shape = self._shape(kind, l, entries)
        eta = entries[0].operand("rate")
        gradient = self.matrix_symbol(grad, l)
        made = entries[0].operand("grad").entry
        if made is not None and isinstance(self.log.entries[made].op, Mean):  # a mini-batch's mean
            gradient = marked(gradient, BATCH)
        formula = Sub(self.matrix_symbol(base, l), Mul((sym(eta), gradient)))
        numbers = Sub(self._grid(lambda k: shown(entries[k].operand("old")), shape),
                      Mul((shown(eta), self._grid(lambda k: shown(entries[k].operand("grad")), shape))))
        return Line(self.matrix_symbol(kind, l), formula, numbers, self._result(kind, l, entries))

    def _matrix_new_w(self, layer: LayerView, entries: list[Entry]) -> Line | None:
        return self._update("new_w", layer, entries)

    def _matrix_new_b(self, layer: LayerView, entries: list[Entry]) -> Line | None:
        return self._update("new_b", layer, entries)


def marked(symbol: Symbol, mark: str) -> Symbol:
    """A whole-layer gradient of one example (``(k)``) or of the batch (``batch``)."""
    return Symbol(f"{{{symbol.latex}}}^{{{mark}}}", f"{symbol.text}#{mark}")


def printed_difference(new: str, old: str, zeros: bool = True) -> str:
    """``new - old`` of two printed numbers, exactly (0.5011 - 0.5 = 0.0011), with the
    decimals of the finer one (0.5010 - 0.5 = 0.0010), or trailing zeros dropped (``zeros``
    False, as the problem's rounding prints them: 0.001)."""
    try:
        diff = Decimal(new) - Decimal(old)
    except ArithmeticError:  # nan, inf
        return "nan"
    if diff == 0:
        return "0"
    text = format(diff, "f")
    return text if zeros or "." not in text else text.rstrip("0").rstrip(".")


#: A long loss table: its first HEAD steps, and SPREAD evenly spaced ones ending with the last.
HEAD, SPREAD = 10, 20


def sampled_steps(total: int, recorded: set[int], head: int = HEAD, spread: int = SPREAD) -> list[int]:
    """Step numbers for a loss table: all when few, else the first ``head``, the recorded
    steps and ``spread`` evenly spaced ones ending with the last."""
    stride = sample_stride(total, head, spread)
    if stride is None:
        return list(range(1, total + 1))
    spaced = set(range(stride, total + 1, stride))
    return sorted(set(range(1, head + 1)) | spaced | {s for s in recorded if 1 <= s <= total} | {total})


def sample_stride(total: int, head: int = HEAD, spread: int = SPREAD) -> int | None:
    """The steps between two sampled rows of a long loss table (500 for 10,000 steps); None
    when the table shows every step (at most ``head + spread``)."""
    return None if total <= head + spread else nice_stride(total / spread)


def nice_stride(x: float) -> int:
    """The 1-2-5 number at or above x (500, 1000, 2000, ...): steps a reader can count."""
    magnitude = 10 ** max(0, len(str(int(x))) - 1)
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= x)


def loss_words(loss: object) -> str:
    """The loss named in prose by what it computes (the ``loss_words`` filter): mean squared
    error with one output has no 1/n to show, so the words say it is the squared error
    itself; with n outputs they say where the 1/n sits. Other losses: their name in words."""
    name = str(getattr(loss, "name", loss)).replace("_", " ")
    if name != "mean squared error":
        return name
    n = int(getattr(loss, "n", 1))
    if n == 1:
        return "mean squared error over the one output, which is the squared error itself"
    return f"mean squared error over the {n} outputs, each output's squared error times 1/{n}"
