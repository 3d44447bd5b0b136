"""The symbolic walkthrough (seed 001): the network's formulas and derivatives, no numbers.

A teacher derives backpropagation once, in letters: z_11 = x1·w11 + x2·w21 + b1,
a_11 = σ(z_11), ..., dz_21 = (a_21 − y)·a_21·(1 − a_21), dw_31 = dz_21·a_11. This
module builds those lines from the problem's architecture and notation, never from its
numbers: forward formulas are assembled from the notation's names; the derivatives the
engine computes come from the same model objects (the loss's ∂L/∂a, the activation's
∂a/∂z and softmax Jacobian, the loss's closed form δ = a − y where it has one), sympy
takes the weighted sums' ∂z/∂w, ∂z/∂a and ∂z/∂b, and every result is tidied into the
form a textbook prints. Every printed step carries its sympy expression, so a test can
check that each "=" is a true equality.

The lines themselves (``Math``, ``Line``, ``Group``, the textbook printing of sympy) are
in ``derivation``; the index letters of the general formulas in ``indexletters``.

Big layers are not written out neuron by neuron: a group with more than ``max_terms``
values along an index gets the general formula in index letters (z_{1,j} = Σ_i x_i·w_{i,j}
+ b_{1,j}) and one worked instance, so a 784-30-10 network prints a few dozen lines.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sympy
else:  # imported on first use, not when another style is rendered (tracer/_lazy.py)
    from .._lazy import sympy

from ..engine.log import Entry, TraceLog
from ..engine.ops import elide
from ..formula.tree import (
    Add,
    Apply,
    Cases,
    Frac,
    Group,
    Mul,
    Neg,
    Node,
    Number,
    Relation,
    Sigma,
    Sub,
    Symbol,
)
from ..model.activations import Activation
from ..model.notation import Notation
from .derivation import (
    ActivationInfo,
    Line,
    Lines,
    Math,
    Section,
    SympyLatex,
    bracket,
    exp_of,
    leads_with_minus,
    name,
    partial,
    plus,
    times,
)
from .figure import network_figure
from .indexletters import NEEDLESS_BRACKETS, Idx, Index, index_range, is_general
from .printers import Printer

#: The learning rate when the log holds no update entry to take the engine's symbol from.
LEARNING_RATE = ("eta", "\\eta")
_NAME_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError)


# --- the view ---------------------------------------------------------------------------------
class SymbolicView(SympyLatex):
    """The symbolic walkthrough of a trace log: sections of derivation lines, built on demand."""

    def __init__(self, log: TraceLog, max_terms: int | None = 8, weights: Sequence[str] = (),
                 layer_title: Callable[[int], str] | None = None) -> None:
        self.log, self.problem, self.notation = log, log.problem, log.notation
        self.layers = self.problem.layers
        self.L = len(self.layers) - 1
        self.max_terms = max_terms
        self.selection = tuple(weights)
        self.layer_title = layer_title or self._layer_title
        # a private notation: general names must not share the log notation's name cache
        c = self.problem.conventions
        self.letters = Notation.from_spec(self.layers, self.problem.bias, self.problem.notation,
                                          int(c.index_base), c.bias == "subtracted")
        self.symbol_names: dict[sympy.Symbol, Symbol] = {}
        self.keys: dict[sympy.Symbol, tuple[str, int, int | None, int | None]] = {}
        self.definitions: dict[sympy.Symbol, sympy.Expr] = {}
        self._nets: dict[tuple[int, int], Math] = {}
        self.eta = self._learning_rate(log)

    # -- names ------------------------------------------------------------------------------
    def q(self, kind: str, l: int, j: Idx | None = None, i: Idx | None = None) -> Math:
        """A quantity's name: a sympy symbol for numbered neurons, a general name for letters."""
        if is_general(j, i):
            general = self.letters.quantity(kind, l, j, i)
            return Math(Symbol(NEEDLESS_BRACKETS.sub(r"\1", general.latex), general.plain))
        names = self.notation.quantity(kind, l, j, i)
        symbol = sympy.Symbol(names.plain)
        self.symbol_names[symbol] = Symbol(names.latex, names.plain)
        self.keys[symbol] = (kind, l, j, i)
        return Math(self.symbol_names[symbol], symbol)

    def s(self, kind: str, l: int, j: int | None = None, i: int | None = None) -> sympy.Symbol:
        return self.q(kind, l, j, i).expr

    def _learning_rate(self, log: TraceLog) -> Math:
        """The symbol the engine's update entries use, so every style names it alike."""
        found = next((rate[0] for e in log.entries if e.kind == "new_w" and (rate := e.operands_in("rate"))), None)
        plain, latex = (found.name, found.latex) if found is not None else LEARNING_RATE
        symbol = sympy.Symbol(plain)
        self.symbol_names[symbol] = Symbol(latex, plain)
        return Math(self.symbol_names[symbol], symbol)

    def derived(self, build: Callable[[int], sympy.Expr], l: int, j: Idx, how: str = "show",
                k: Idx | None = None) -> Math:
        """A sympy result for neuron j (and k) of layer l; for letters, neuron 1 (and 2) renamed."""
        printer = self.tidy if how == "tidy" else self.show
        if not is_general(j, k):
            return printer(build(j))
        expr = build(1)
        renamed = {1: j, 2: k}
        names = dict(self.symbol_names)
        for symbol in expr.free_symbols:
            kind, layer, n, i = self.keys.get(symbol, ("", l, None, None))
            if kind and layer == l and n in renamed:
                names[symbol] = name(self.q(kind, layer, renamed[n], i))
        shown = printer(expr, names)
        return Math(shown.tree, None, shown.atomic)

    def define(self, line: Line) -> Line:
        """Remember symbol = last step as sympy, for checking the derivation end to end."""
        exprs = [s.expr for s in line.steps[1:] if s.expr is not None]
        if line.steps[0].expr is not None and exprs:
            self.definitions[line.steps[0].expr] = exprs[-1]
        return line

    def sum_over(self, n: int, term: Callable[[Idx], Math], letter: str, general: bool,
                 tail: Sequence[Math] = ()) -> Math:
        """Σ over a layer: written out (elided) for numbered neurons, with Σ for letters."""
        if general and n > 1:
            body = term(Index(letter))
            sigma = Sigma(Symbol(letter, letter), bracket(body), Number("1", 1.0), Number(str(n), float(n)))
            return Math(Add((sigma, *(t.tree for t in tail))) if tail else sigma, atomic=False)
        return plus([term(k) for k in range(1, n + 1)], self.max_terms, tail)

    # -- grouping -----------------------------------------------------------------------------
    def listed(self, *sizes: int) -> bool:
        return self.max_terms is None or all(n <= max(self.max_terms, 1) for n in sizes)

    def group(self, sizes: tuple[int, ...], line: Callable[..., Line], letters: str = "j",
              keep: Callable[..., bool] | None = None) -> Lines:
        """Every instance when each index range is short, else the general formula and one instance."""
        everything = list(itertools.product(*(range(1, n + 1) for n in sizes)))
        chosen = [ix for ix in everything if keep(*ix)] if keep is not None else everything
        if self.listed(*sizes):
            return Lines([self.define(line(*ix)) for ix in chosen], partial=len(chosen) < len(everything))
        instances = chosen[: self.max_terms or 1] if keep is not None else everything[:1]
        try:  # a range of one value keeps its number: dw_{(i+2)1}, not dw_{(i+2)j}
            general = [line(*(Index(c) if n > 1 else 1 for c, n in zip(letters, sizes)))]
        except _NAME_ERRORS:  # a notation override the letters cannot fill: instances only
            general = []
        indices = ",\\; ".join(index_range(c, n) for c, n in zip(letters, sizes) if n > 1)
        return Lines([self.define(line(*ix)) for ix in instances], general, indices, partial=True)

    def selected(self, l: int, j: int, i: int) -> bool:
        names = {self.notation.quantity(k, l, j, i).plain for k in ("weight", "dw", "new_w")}
        return not self.selection or f"layer:{l}" in self.selection or bool(names & set(self.selection))

    def _layer_title(self, l: int) -> str:
        if l == 0:
            return "Input layer"
        if l == self.L:
            return "Output layer"
        return "Hidden layer" if self.L == 2 else f"Hidden layer {l}"

    # -- setup ----------------------------------------------------------------------------------
    def act(self, l: int) -> Activation:
        return self.problem.activations[l - 1]

    def closed_form(self, l: int) -> bool:
        """Whether layer l's δ has the loss's closed form out - target (softmax + cross-entropy)."""
        return l == self.L and self.problem.loss.closed_form_delta(self.act(l))

    @property
    def has_bias(self) -> bool:
        return self.problem.bias != "none"

    @property
    def shared_bias(self) -> bool:
        return self.problem.bias == "per_layer"

    def activations(self) -> list[ActivationInfo]:
        return [self._activation_info(l) for l in range(1, self.L + 1)]

    def _activation_info(self, l: int) -> ActivationInfo:
        act = self.act(l)
        f = act.function if act.named else "f"
        if act.layerwise:
            fj, fk = Symbol(f"{f}(x)_j", f"{act.name}(x)_j"), Symbol(f"{f}(x)_k", f"{act.name}(x)_k")
            k, j = Symbol("k", "k"), Symbol("j", "j")
            jac = Relation(Frac(Symbol(f"\\partial {f}(x)_k", f"∂{act.name}(x)_k"), Symbol("\\partial x_j", "∂x_j")), "=",
                           Cases(((Mul((fj, Group(Sub(Number("1", 1.0), fj))), sign="juxtapose"), Relation(k, "=", j)),
                                  (Neg(Mul((fk, fj), sign="space")), Relation(k, "!=", j))), bare=True))
            return ActivationInfo(self.layer_title(l), act.name, Relation(fj, "=", act.describe_tree()), jac)
        x = Symbol("x", "x")
        of_x = Apply(Symbol(f, act.name if act.named else "f"), (x,))
        slope = Apply(Symbol(f"{f}'", f"{of_x.func.text}'"), (x,))
        return ActivationInfo(self.layer_title(l), act.name.replace("_", " "),
                              Relation(of_x, "=", act.describe_tree()), Relation(slope, "=", act.dact_tree(x, of_x)))

    def loss_formula(self) -> Node:
        """The loss in the problem's notation, over all outputs."""
        n, total = self.layers[-1], self.q("loss", self.L).tree
        if n == 1:
            return Relation(total, "=", self.loss_term(1).tree)
        try:
            term = self.loss_term(Index("j"))
            body = bracket(term) if leads_with_minus(term.tree) else term.tree
            return Relation(total, "=", Sigma(Symbol("j", "j"), body, Number("1", 1.0), Number(str(n), float(n))))
        except _NAME_ERRORS:
            return Relation(self.loss_line().parts[0], "=", self.loss_line().parts[-1])

    def symbol_rows(self) -> list[list[str | list[str]]]:
        """The symbols of the network and what each stands for (no values: this style has none)."""
        rows: list[list[str | list[str]]] = [[self._names("out", 0), "inputs"]]
        for l in range(1, self.L + 1):
            title, prev = self.layer_title(l).lower(), self.layer_title(l - 1).lower()
            rows.append([self._names("weight", l, weights=True), f"weights from the {prev} to the {title}"])
            if self.has_bias:
                what = f"bias shared by the {title}" if self.shared_bias else f"biases of the {title}"
                rows.append([self._names("bias", l), what])
            rows.append([self._names("net", l), f"net inputs of the {title} (weighted sum plus bias)"
                         if self.has_bias else f"net inputs of the {title} (weighted sum)"])
            rows.append([self._names("out", l), f"outputs (activations) of the {title}"])
        rows.append([self._names("target", self.L), "targets" if self.layers[-1] > 1 else "target"])
        rows.append([[self.q("loss", self.L).latex], "loss"])
        rows.append([[self.eta.latex], "learning rate"])
        return rows

    def _names(self, kind: str, l: int, weights: bool = False) -> list[str]:
        """A layer's symbols, elided after max_terms (x_1, x_2, ..., x_784): one formula each,
        so a table cell can wrap between them."""
        if weights:
            index: list = list(itertools.product(range(1, self.layers[l] + 1), range(1, self.layers[l - 1] + 1)))
        elif kind == "bias" and self.shared_bias:
            index = [(None,)]
        else:
            index = [(j,) for j in range(1, self.layers[l] + 1)]
        texts = [self.q(kind, l, *ix).latex if ix != "\\cdots" else "\\ldots" for ix in elide(index, self.max_terms)]
        return list(dict.fromkeys(texts))

    def derivative_rows(self) -> list[list[str]]:
        """What the derivative names mean, where the notation does not spell the fraction out."""
        total, L = self.q("loss", self.L), self.L
        pairs: list[tuple[str, str, tuple[int | None, ...]]] = [
            ("dout", "out", (1,)), ("dnet", "net", (1,)), ("dw", "weight", (1, 1))]
        if self.has_bias:
            pairs.append(("db", "bias", (None,) if self.shared_bias else (1,)))
        rows = []
        for d, base, ix in pairs:
            name, of = self.q(d, L, *ix).latex, partial(total, self.q(base, L, *ix)).latex
            if name != of:
                rows.append([name, of])
        return rows

    def diagram(self, printer: Printer, name: str) -> str:
        """The network with the weights' and biases' names on it (the seed's picture)."""
        names = self.notation
        return network_figure(printer, name, self.layers, names, self.problem.bias,
                              lambda l, j, i: names.quantity("weight", l, j, i).plain,
                              lambda l, j: names.quantity("bias", l, j).plain)

    # -- forward pass -----------------------------------------------------------------------------
    @cached_property
    def forward(self) -> list[Section]:
        return [Section(l, self.layer_title(l), self.act(l).name.replace("_", " "),
                        [self.group((self.layers[l],), lambda j, l=l: self.net_line(l, j)),
                         self.group((self.layers[l],), lambda j, l=l: self.out_line(l, j))])
                for l in range(1, self.L + 1)]

    def net(self, l: int, j: Idx) -> Math:
        """z_lj = a_(l-1)1·w + ... + b: inputs first, like seed 001's x1·w11 + x2·w21 + b1."""
        if not is_general(j) and (l, j) in self._nets:
            return self._nets[(l, j)]
        bias = [self.q("bias", l, j)] if self.has_bias else []
        value = self.sum_over(self.layers[l - 1], lambda i: times(self.q("out", l - 1, i), self.q("weight", l, j, i)),
                              "i", is_general(j), bias)
        if not is_general(j):
            self._nets[(l, j)] = value
        return value

    def net_line(self, l: int, j: Idx) -> Line:
        return Line((self.q("net", l, j), self.net(l, j)))

    def out_line(self, l: int, j: Idx) -> Line:
        act, z = self.act(l), self.q("net", l, j)
        if act.layerwise:
            n = self.layers[l]
            def exp(k: Idx) -> Math:
                return exp_of(self.q("net", l, k), None if is_general(k) else sympy.exp(self.s("net", l, k)))
            den = self.sum_over(n, exp, "k", is_general(j))
            value = Math(Frac(exp(j).tree, den.tree), None if is_general(j) else sympy.exp(z.expr) / den.expr)
        else:
            tree = Apply(Symbol(act.function, act.name), (z.tree,)) if act.named else act.out_tree(z.tree)
            value = Math(tree, None if is_general(j) else act.out_sympy(z.expr), atomic=not act.piecewise)
        return Line((self.q("out", l, j), value))

    # -- loss -----------------------------------------------------------------------------------
    def loss_term(self, j: Idx) -> Math:
        y, a = self.q("target", self.L, j), self.q("out", self.L, j)
        loss = self.problem.loss
        return Math(loss.tree(y.tree, a.tree), None if is_general(j) else loss.sympy(y.expr, a.expr), atomic=False)

    @cached_property
    def loss(self) -> list[Lines]:
        n, total = self.layers[-1], self.q("loss", self.L)
        if n == 1:
            return [Lines([self.define(Line((total, self.loss_term(1))))])]
        each = self.group((n,), lambda j: Line((self.q("loss", self.L, j), self.loss_term(j))))
        return [each, Lines([self.loss_line()])]

    def loss_line(self) -> Line:
        n, total = self.layers[-1], self.q("loss", self.L)
        return self.define(Line((total, plus([self.q("loss", self.L, j) for j in range(1, n + 1)], self.max_terms))))

    # -- backward pass ------------------------------------------------------------------------------
    @cached_property
    def backward(self) -> list[Section]:
        return [self.backward_section(l) for l in range(self.L, 0, -1)]

    def backward_section(self, l: int) -> Section:
        n, prev = self.layers[l], self.layers[l - 1]
        dout = self.dout_output_line if l == self.L else (lambda j: self.dout_hidden_line(l, j))
        groups = [self.group((n,), dout)]
        if self.act(l).layerwise:
            groups.append(self.jacobian_group(l))
        else:
            groups.append(self.group((n,), lambda j: self.dact_line(l, j)))
        groups.append(self.group((n,), lambda j: self.dnet_line(l, j)))
        groups.append(self.group((n, prev), lambda j, i: self.dw_line(l, j, i), "ji",
                                 (lambda j, i: self.selected(l, j, i)) if self.selection else None))
        if self.has_bias:
            groups.append(Lines([self.define(self.db_line(l, None))]) if self.shared_bias
                          else self.group((n,), lambda j: self.db_line(l, j)))
        identity: Node | None = None
        if self.act(l).layerwise and self.closed_form(l):
            targets = [self.q("target", l, k) for k in range(1, n + 1)]
            identity = Relation(plus(targets, self.max_terms).tree, "=", Number("1", 1.0))
        return Section(l, self.layer_title(l), self.act(l).name.replace("_", " "), groups, identity)

    def total(self) -> Math:
        return self.q("loss", self.L)

    def dout_value(self, j: Idx) -> Math:
        """∂L/∂a_Lj, the loss's own derivative (the engine's dout op), tidied: a − y,
        (a − y)/(a(1 − a)), −y/a ..."""
        def build(n: int) -> sympy.Expr:
            return self.problem.loss.dout_sympy(self.s("target", self.L, n), self.s("out", self.L, n))
        return self.derived(build, self.L, j, "tidy")

    def dout_output_line(self, j: Idx) -> Line:
        a = self.q("out", self.L, j)
        return Line((self.q("dout", self.L, j), partial(self.total(), a), self.dout_value(j)))

    def dout_hidden_line(self, l: int, j: Idx) -> Line:
        """da_lj = Σ_k dz_(l+1)k · ∂z_(l+1)k/∂a_lj: the sum over the paths from a_lj to the loss."""
        a, general, m = self.q("out", l, j), is_general(j), self.layers[l + 1]

        def path(k: Idx) -> Math:
            z = self.q("net", l + 1, k)
            slope = None if is_general(j, k) else sympy.diff(self.net(l + 1, k).expr, a.expr)
            return times(self.q("dnet", l + 1, k), partial(z, a, slope))

        chain = self.sum_over(m, path, "k", general)
        named = self.sum_over(m, lambda k: times(self.q("dnet", l + 1, k), self.q("weight", l + 1, k, j)), "k", general)
        return Line((self.q("dout", l, j), partial(self.total(), a), chain, named))

    def dact_value(self, l: int, j: Idx) -> Math:
        act = self.act(l)
        return self.derived(lambda n: act.dact_sympy(self.s("net", l, n), self.s("out", l, n)), l, j)

    def dact_line(self, l: int, j: Idx) -> Line:
        z, act = self.q("net", l, j), self.act(l)
        middle = [Math(Apply(Symbol(f"{act.function}'", f"{act.name}'"), (z.tree,)))] if act.named else []
        return Line((self.q("dact", l, j), partial(self.q("out", l, j), z), *middle, self.dact_value(l, j)))

    def output_delta(self, j: Idx) -> Math | None:
        """dz_Lj in forward quantities: the product simplified by sympy where the loss has a
        closed form with this activation (BCE + sigmoid → a − y) or the derivative is 1."""
        act = self.act(self.L)
        if act.layerwise:
            return self.softmax_delta(j) if self.closed_form(self.L) else None
        if self.closed_form(self.L) or self.dact_value(self.L, 1).expr == 1:
            return self.derived(lambda n: _expr(self.dout_value(n)) * _expr(self.dact_value(self.L, n)),
                                self.L, j, "tidy")
        return times(self.dout_value(j), self.dact_value(self.L, j))

    def dnet_line(self, l: int, j: Idx) -> Line:
        dz, z = self.q("dnet", l, j), self.q("net", l, j)
        head = (dz, partial(self.total(), z))
        if self.act(l).layerwise:
            return Line(head + self.softmax_steps(l, j))
        chain = times(self.q("dout", l, j), self.q("dact", l, j))
        if l == self.L:
            delta, product = self.output_delta(j), times(self.dout_value(j), self.dact_value(l, j))
            assert delta is not None  # an elementwise output layer always has one
            shown = (chain,) if self.dact_value(l, 1).expr == 1 or product.latex == delta.latex else (chain, product)
            return Line(head + shown + (delta,))
        steps = head + (chain, times(self.q("dout", l, j), self.dact_value(l, j)))
        if is_general(j) or not isinstance(steps[-1].expr, sympy.Mul) or not steps[-1].expr.has(sympy.Piecewise):
            return Line(steps)
        return Line(steps + (self.show(sympy.piecewise_fold(steps[-1].expr)),))  # ReLU: da if z > 0, else 0

    def dw_line(self, l: int, j: Idx, i: Idx) -> Line:
        """dw = dz · ∂z/∂w = dz · (the sender's output), ∂z/∂w by sympy.diff of the weighted sum."""
        w, z, dz, sender = self.q("weight", l, j, i), self.q("net", l, j), self.q("dnet", l, j), self.q("out", l - 1, i)
        slope = None if is_general(j, i) else sympy.diff(self.net(l, j).expr, w.expr)
        steps = [self.q("dw", l, j, i), partial(self.total(), w), times(dz, partial(z, w, slope)), times(dz, sender)]
        delta = self.output_delta(j) if l == self.L else None
        if delta is not None:
            steps.append(times(delta, sender))
        return Line(tuple(steps))

    def db_line(self, l: int, j: int | None) -> Line:
        """A neuron's own bias: db = dz; a shared bias feeds every neuron, so db = Σ_j dz_j."""
        b = self.q("bias", l, j)

        def path(n: Idx) -> Math:
            slope = None if is_general(n) else sympy.diff(self.net(l, n).expr, b.expr)
            return times(self.q("dnet", l, n), partial(self.q("net", l, n), b, slope))

        if j is None:
            n = self.layers[l]
            steps = (self.sum_over(n, path, "j", False),
                     self.sum_over(n, lambda k: self.q("dnet", l, k), "j", False))
        else:
            steps = (path(j), self.q("dnet", l, j))
        return Line((self.q("db", l, j), partial(self.total(), b)) + steps)

    # -- softmax output layer ----------------------------------------------------------------------
    def jacobian(self, l: int, k: int, j: int) -> sympy.Expr:
        """∂a_k/∂z_j, as the layer's activation gives it."""
        return self.act(l).jacobian_sympy(self.s("out", l, k), self.s("out", l, j), k == j)

    def jacobian_name(self, l: int, k: int, j: int) -> Math:
        """∂a_k/∂z_j as a symbol of its own (the notation names only the diagonal, dact)."""
        if k == j:
            return self.q("dact", l, j)
        a, z = self.q("out", l, k), self.q("net", l, j)
        symbol = sympy.Symbol(f"d{a.expr}/d{z.expr}")
        self.symbol_names[symbol] = partial_symbol = name(partial(a, z))
        self.keys[symbol] = ("jacobian", l, k, j)
        return Math(partial_symbol, symbol)

    def jacobian_group(self, l: int) -> Lines:
        """The softmax Jacobian: one line with k = j and one with k ≠ j (general: a cases formula)."""
        n = self.layers[l]
        ks = [1] if n == 1 else [1, 2]
        lines = [self.define(Line((self.jacobian_name(l, k, 1), partial(self.q("out", l, k), self.q("net", l, 1)),
                                   self.tidy(self.jacobian(l, k, 1))))) for k in ks]
        if n == 1 or self.listed(n):
            return Lines(lines, partial=n > 2)
        try:
            j, k = Index("j"), Index("k")
            same = self.derived(lambda m: self.jacobian(l, 1, 1), l, j, "tidy")
            other = self.derived(lambda m: self.jacobian(l, 2, 1), l, j, "tidy", k)
            kk, jj = Symbol("k", "k"), Symbol("j", "j")
            cases = Math(Cases(((same.tree, Relation(kk, "=", jj)), (other.tree, Relation(kk, "!=", jj)))))
            general = [Line((partial(self.q("out", l, k), self.q("net", l, j)), cases))]
        except _NAME_ERRORS:
            general = []
        return Lines(lines, general, f"{index_range('j', n)},\\; {index_range('k', n)}", partial=True)

    def softmax_steps(self, l: int, j: Idx) -> tuple[Math, ...]:
        """dz_j = Σ_k da_k · ∂a_k/∂z_j, with the Jacobian put in, then simplified by sympy."""
        n, general = self.layers[l], is_general(j)
        z = self.q("net", l, j)

        def path(k: Idx) -> Math:
            a = self.q("out", l, k)
            slope = None if is_general(j, k) else self.jacobian(l, k, j)
            return times(self.q("dout", l, k), partial(a, z, slope))

        chain = self.sum_over(n, path, "k", general)
        if general:
            closed = self.softmax_delta(j) if self.closed_form(l) else self._softmax_factored(l, j)
            return chain, closed
        put_in = plus([times(self.q("dout", l, k), self.tidy(self.jacobian(l, k, j))) for k in range(1, n + 1)],
                      self.max_terms)
        if not self.closed_form(l):
            return chain, put_in, self._softmax_factored(l, j)
        values = plus([times(self.dout_value(k), self.tidy(self.jacobian(l, k, j))) for k in range(1, n + 1)],
                      self.max_terms)
        a, y = self.q("out", l, j), self.q("target", l, j)
        targets = plus([self.q("target", l, k) for k in range(1, n + 1)], self.max_terms)
        collected = Math(Sub(Mul((a.tree, bracket(targets))), y.tree), _expr(a) * _expr(targets) - _expr(y))
        return chain, put_in, values, collected, self.softmax_delta(j)

    def softmax_delta(self, j: Idx) -> Math:
        """Cross-entropy over softmax: sympy collects Σ_k (−y_k/a_k)·∂a_k/∂z_j and uses Σ_k y_k = 1."""
        l, n = self.L, self.layers[self.L]

        def build(m: int) -> sympy.Expr:
            ys = [self.s("target", l, k) for k in range(1, n + 1)]
            terms = [self.dout_value(k).expr * self.jacobian(l, k, m) for k in range(1, n + 1)]
            a = self.s("out", l, m)
            return sympy.collect(sympy.expand(sympy.Add(*terms)), a).subs(sympy.Add(*ys), 1)

        return self.derived(build, l, j, "tidy")

    def _softmax_factored(self, l: int, j: Idx) -> Math:
        """Softmax under another loss: a_j · (da_j − Σ_k a_k · da_k)."""
        n, a, da = self.layers[l], self.q("out", l, j), self.q("dout", l, j)
        inner = self.sum_over(n, lambda k: times(self.q("out", l, k), self.q("dout", l, k)), "k", is_general(j))
        expr = None if is_general(j) else _expr(a) * (_expr(da) - _expr(inner))
        return Math(Mul((a.tree, Group(Sub(da.tree, bracket(inner)), sized=True))), expr)

    # -- updates --------------------------------------------------------------------------------------
    @cached_property
    def updates(self) -> list[Section]:
        if self.stateful:
            return self.state_updates()
        sections = []
        for l in range(self.L, 0, -1):
            n, prev = self.layers[l], self.layers[l - 1]
            groups = [self.group((n, prev), lambda j, i, l=l: self.update_line("new_w", "weight", "dw", l, j, i),
                                 "ji", (lambda j, i, l=l: self.selected(l, j, i)) if self.selection else None)]
            if self.has_bias and self.problem.training.update_biases:
                if self.shared_bias:
                    groups.append(Lines([self.define(self.update_line("new_b", "bias", "db", l, None))]))
                else:
                    groups.append(self.group((n,), lambda j, l=l: self.update_line("new_b", "bias", "db", l, j)))
            sections.append(Section(l, self.layer_title(l), self.act(l).name.replace("_", " "), groups))
        return sections

    @property
    def stateful(self) -> bool:
        """An optimizer other than plain gradient descent, or a regularized loss: the update is
        not w − η·∂E/∂w, so it is written as the log's own entries compute it."""
        return self.problem.optimizer.name != "sgd" or self.problem.training.regularization is not None

    def state_updates(self) -> list[Section]:
        """Each layer's first weight and first bias as the optimizer updates them: the general
        formulas of the log's own state and update entries (velocity, m, v, m̂, v̂, ... and
        the new value), in that parameter's names; the others follow the same pattern."""
        steps = self.log.steps
        if not steps:
            return []
        opt, regularized = self.problem.optimizer, self.problem.training.regularization is not None
        sections = []
        for l in range(self.L, 0, -1):
            groups = []
            for kind, new, source in (("weight", "new_w", 1), ("bias", "new_b", None)):
                total = (("dw_total" if kind == "weight" else "db_total"),) if regularized else ()
                kinds = (*total, *opt.state_kinds, new)
                chosen: dict[str, Entry] = {}
                for e in self.log.entries:
                    if (e.step == steps[0] and e.layer == l and e.kind in kinds and e.kind not in chosen
                            and e.source == source and e.neuron in (1, None)):
                        chosen[e.kind] = e
                lines = [Line((Math(e.symbol), Math(e.formula_tree(self.max_terms), None, atomic=False)))
                         for e in (chosen[k] for k in kinds if k in chosen)]
                if lines:
                    groups.append(Lines(lines, partial=True))
            sections.append(Section(l, self.layer_title(l), self.act(l).name.replace("_", " "), groups))
        return sections

    def update_line(self, new: str, old: str, grad: str, l: int, j: Idx | None, i: Idx | None = None) -> Line:
        """w⁺ = w − η · ∂L/∂w."""
        before, g = self.q(old, l, j, i), self.q(grad, l, j, i)
        step = times(self.eta, g)
        expr = None if before.expr is None or step.expr is None else before.expr - step.expr
        return Line((self.q(new, l, j, i), Math(Sub(before.tree, step.tree), expr, atomic=False)))


def _expr(m: Math) -> sympy.Expr:
    """The sympy form of a step that has one (a numbered neuron's, not a general formula's)."""
    if m.expr is None:
        raise ValueError(f"no sympy form for {m.latex}")
    return m.expr
