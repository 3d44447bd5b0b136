"""The symbolic walkthrough (seed 001): the network's formulas and derivatives, no numbers.

A teacher derives backpropagation once, in letters: z_11 = x1·w11 + x2·w21 + b1,
a_11 = σ(z_11), ..., dz_21 = (a_21 − y)·a_21·(1 − a_21), dw_31 = dz_21·a_11. This
module builds those lines from the problem's architecture and notation, never from its
numbers: forward formulas are assembled from the notation's names, every derivative is
taken with sympy (∂L/∂a from the loss, ∂z/∂w, ∂z/∂a and ∂z/∂b from the weighted sums,
the softmax Jacobian) and tidied into the form a textbook prints. Every printed step
carries its sympy expression, so a test can check that each "=" is a true equality.

Big layers are not written out neuron by neuron: a group with more than ``max_terms``
values along an index gets the general formula in index letters (z_{1,j} = Σ_i x_i·w_{i,j}
+ b_{1,j}) and one worked instance, so a 784-30-10 network prints a few dozen lines.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Callable, Sequence

if TYPE_CHECKING:
    import sympy
else:  # imported on first use, not when another style is rendered (tracer/_lazy.py)
    from .._lazy import sympy

from ..model.activations import Activation
from ..engine.log import TraceLog
from ..model.notation import Notation
from ..engine.ops import elide
from .figure import network_figure
from .printers import LINE_WIDTH, Printer, width

#: The learning rate when the log holds no update entry to take the engine's symbol from.
LEARNING_RATE = ("eta", "\\eta")
_NAME_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError)


# --- what the template prints -------------------------------------------------------------
@dataclass(frozen=True)
class Math:
    """A LaTeX fragment and the sympy expression it stands for (None: a name or a general formula)."""

    latex: str
    expr: sympy.Expr | None = None
    atomic: bool = True  # prints inside a product without brackets


@dataclass(frozen=True)
class Line:
    """symbol = step = step ...: one quantity and its derivation, each step equal to the symbol."""

    steps: tuple[Math, ...]

    @property
    def parts(self) -> list[str]:
        return [s.latex for s in self.steps]


@dataclass
class Group:
    """Lines of one kind in one layer; big groups add the general formula over ``indices``."""

    lines: list[Line]
    general: list[Line] = field(default_factory=list)
    indices: str = ""      # e.g. "j = 1, \\ldots, 30", what the general formula runs over
    partial: bool = False  # only some instances are written out

    @property
    def fits(self) -> bool:
        """Every line fits the page, so the group prints as one block aligned at '='."""
        return all(width(" = ".join(line.parts)) <= LINE_WIDTH for line in self.lines)


@dataclass
class Section:
    """One layer of a pass."""

    layer: int
    title: str
    activation: str
    groups: list[Group]
    identity: str = ""  # a fact the derivation uses besides calculus: the targets add up to 1


@dataclass(frozen=True)
class ActivationInfo:
    """How the setup describes a layer's activation function."""

    title: str
    name: str
    definition: str
    derivative: str


# --- index letters for the general formulas -------------------------------------------------
class _Lin:
    """An index expression such as 784+i: what a notation pattern computes from an index letter.

    Notation patterns do arithmetic on indices (global numbers, weight numbers); feeding them
    letters instead of numbers yields the general name w_{784+i,j} in the problem's notation.
    """

    def __init__(self, const: int = 0, terms: dict[str, int] | None = None) -> None:
        self.const, self.terms = const, dict(terms or {})

    @staticmethod
    def of(x: object) -> "_Lin":
        if isinstance(x, _Lin):
            return x
        if isinstance(x, _Index):
            return _Lin(0, {x.letter: 1})
        return _Lin(int(x))  # type: ignore[call-overload]

    def __add__(self, other: object) -> "_Lin":
        o = _Lin.of(other)
        terms = dict(self.terms)
        for k, v in o.terms.items():
            terms[k] = terms.get(k, 0) + v
        return _Lin(self.const + o.const, {k: v for k, v in terms.items() if v})

    __radd__ = __add__

    def __neg__(self) -> "_Lin":
        return _Lin(-self.const, {k: -v for k, v in self.terms.items()})

    def __sub__(self, other: object) -> "_Lin":
        return self + -_Lin.of(other)

    def __rsub__(self, other: object) -> "_Lin":
        return _Lin.of(other) + -self

    def __mul__(self, other: object) -> "_Lin":
        if not isinstance(other, int) or isinstance(other, _Index):
            return NotImplemented
        return _Lin(self.const * other, {k: v * other for k, v in self.terms.items()})

    __rmul__ = __mul__

    def __str__(self) -> str:
        parts = [k if v == 1 else f"{v}{k}" for k, v in self.terms.items()] + ([str(self.const)] if self.const else [])
        text = "+".join(parts).replace("+-", "-") or "0"
        return f"({text})" if len(parts) > 1 else text  # brackets: w_{(2+i)j} is not w_{2+ij}

    def __format__(self, spec: str) -> str:
        return str(self)


class _Index(int):
    """An index letter (i, j, k) that passes the notation's range check as neuron 1."""

    letter: str

    def __new__(cls, letter: str) -> "_Index":
        obj = int.__new__(cls, 1)
        obj.letter = letter
        return obj

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Index) and other.letter == self.letter

    def __hash__(self) -> int:
        return hash(("index", self.letter))

    def _lin(self) -> _Lin:
        return _Lin(0, {self.letter: 1})

    def __add__(self, other):  # type: ignore[override]
        return self._lin() + other

    def __radd__(self, other):  # type: ignore[override]
        return _Lin.of(other) + self._lin()

    def __sub__(self, other):  # type: ignore[override]
        return self._lin() - other

    def __rsub__(self, other):  # type: ignore[override]
        return _Lin.of(other) - self._lin()

    def __mul__(self, other):  # type: ignore[override]
        return self._lin() * other

    __rmul__ = __mul__

    def __str__(self) -> str:
        return self.letter

    def __format__(self, spec: str) -> str:
        return self.letter


Idx = int  # a neuron index: a number, or an _Index letter for the general formula
#: Brackets an index expression needs only when another index follows it directly: w_{(2+i)j}.
_NEEDLESS_BRACKETS = re.compile(r"(?<=[{,])\(([^{}()]*)\)(?=[,}])")


def _general(*indices: Idx | None) -> bool:
    return any(isinstance(x, _Index) for x in indices)


def _range(letter: str, n: int) -> str:
    values = ", ".join(map(str, range(1, n + 1))) if n <= 3 else f"1, \\ldots, {n}"
    return f"{letter} = {values}"


# --- small LaTeX + sympy builders -----------------------------------------------------------
def _bracket(m: Math) -> str:
    return m.latex if m.atomic else f"\\left({m.latex}\\right)"


def times(*factors: Math) -> Math:
    """a · b · c in the given (chain-rule) order; sympy would reorder the factors."""
    exprs = [f.expr for f in factors]
    expr = sympy.Mul(*exprs) if all(e is not None for e in exprs) else None
    return Math(" \\cdot ".join(_bracket(f) for f in factors), expr)


def plus(terms: Sequence[Math], max_terms: int | None, tail: Sequence[Math] = ()) -> Math:
    """a + b + ... (+ tail), elided after max_terms like the other styles' sums."""
    budget = max_terms - len(tail) if max_terms else None
    texts = elide([t.latex if t.atomic or t is terms[0] else _bracket(t) for t in terms], budget)
    texts += [_bracket(t) if t.latex.startswith("-") else t.latex for t in tail]
    exprs = [t.expr for t in (*terms, *tail)]
    expr = sympy.Add(*exprs) if all(e is not None for e in exprs) else None
    latex = " + ".join(texts)
    return Math(latex, expr, atomic=len(texts) == 1 and terms[0].atomic)


def partial(num: Math, den: Math, value: sympy.Expr | None = None) -> Math:
    return Math(f"\\frac{{\\partial {num.latex}}}{{\\partial {den.latex}}}", value)


def _flip(factor: sympy.Expr) -> bool:
    """Print (1 − a) not (a − 1), (a − y) not (−a + y): a positive constant, else a positive lead."""
    const, _ = factor.as_coeff_Add()
    if const != 0:
        return bool(const < 0)
    return factor.as_ordered_terms()[0].could_extract_minus_sign()


# --- the view ---------------------------------------------------------------------------------
class SymbolicView:
    """The symbolic walkthrough of a trace log: sections of derivation lines, built on demand."""

    def __init__(self, log: TraceLog, max_terms: int | None = 8, weights: Sequence[str] = (),
                 layer_title: Callable[[int], str] | None = None) -> None:
        self.problem, self.notation = log.problem, log.notation
        self.layers = self.problem.layers
        self.L = len(self.layers) - 1
        self.max_terms = max_terms
        self.selection = tuple(weights)
        self.layer_title = layer_title or self._layer_title
        # a private notation: general names must not share the log notation's name cache
        self.letters = Notation.from_spec(self.layers, self.problem.bias, self.problem.notation)
        self.symbol_latex: dict[sympy.Symbol, str] = {}
        self.keys: dict[sympy.Symbol, tuple[str, int, int | None, int | None]] = {}
        self.definitions: dict[sympy.Symbol, sympy.Expr] = {}
        self._nets: dict[tuple[int, int], Math] = {}
        self.eta = self._learning_rate(log)

    # -- names ------------------------------------------------------------------------------
    def q(self, kind: str, l: int, j: Idx | None = None, i: Idx | None = None) -> Math:
        """A quantity's name: a sympy symbol for numbered neurons, a general name for letters."""
        if _general(j, i):
            latex = self.letters.quantity(kind, l, j, i).latex
            return Math(_NEEDLESS_BRACKETS.sub(r"\1", latex))
        names = self.notation.quantity(kind, l, j, i)
        symbol = sympy.Symbol(names.plain)
        self.symbol_latex[symbol] = names.latex
        self.keys[symbol] = (kind, l, j, i)
        return Math(names.latex, symbol)

    def s(self, kind: str, l: int, j: int | None = None, i: int | None = None) -> sympy.Symbol:
        return self.q(kind, l, j, i).expr  # type: ignore[return-value]

    def _learning_rate(self, log: TraceLog) -> Math:
        """The symbol the engine's update entries use, so every style names it alike."""
        found = next((e.operands[1] for e in log.entries if e.kind == "new_w"), None)
        plain, latex = (found.name, found.latex) if found is not None else LEARNING_RATE
        symbol = sympy.Symbol(plain)
        self.symbol_latex[symbol] = latex
        return Math(latex, symbol)

    def show(self, expr: sympy.Expr, names: dict[sympy.Symbol, str] | None = None) -> Math:
        names = names or self.symbol_latex
        if isinstance(expr, sympy.Piecewise):
            return Math(self._cases(expr, names), expr, atomic=False)
        used = sorted(((x, names[x]) for x in expr.free_symbols if x in names), key=lambda pair: str(pair[0]))
        latex = _latex(expr, tuple(used))
        atomic = not (expr.is_Add or isinstance(expr, sympy.Piecewise) or expr.could_extract_minus_sign())
        return Math(latex, expr, atomic)

    def _cases(self, expr: sympy.Piecewise, names: dict[sympy.Symbol, str]) -> str:
        """A case distinction the way the activations print theirs: 1 if z > 0, 0 otherwise."""
        rows = []
        for value, condition in expr.args:
            when = "\\text{otherwise}" if condition == sympy.true else \
                "\\text{if } " + sympy.latex(condition, symbol_names=names)
            rows.append(f"{self.show(value, names).latex} & {when}")
        return "\\begin{cases} " + " \\\\ ".join(rows) + " \\end{cases}"

    def tidy(self, expr: sympy.Expr, names: dict[sympy.Symbol, str] | None = None) -> Math:
        """sympy's factored form with textbook signs and order: (a − y)/(a(1 − a)), 2(a − y)."""
        if expr.is_Atom or expr.has(sympy.Piecewise):
            return self.show(expr, names)
        coeff, rest = _factored(expr).as_coeff_Mul()
        sign = -1 if coeff < 0 else 1
        num, den = sympy.fraction(rest)
        top, s1 = self._oriented(num, names)
        bottom, s2 = self._oriented(den, names)
        p, r = sympy.fraction(abs(coeff))
        top = ([self.show(p)] if p != 1 else []) + top
        bottom = ([self.show(r)] if r != 1 else []) + bottom
        upper = times(*top) if len(top) > 1 else top[0] if top else Math("1")
        lower = times(*bottom) if len(bottom) > 1 else bottom[0] if bottom else None
        body = Math(f"\\frac{{{upper.latex}}}{{{lower.latex}}}") if lower else upper
        if sign * s1 * s2 < 0:
            return Math("-" + _bracket(body), expr, atomic=False)
        return Math(body.latex, expr, body.atomic)

    def _oriented(self, product: sympy.Expr, names: dict | None) -> tuple[list[Math], int]:
        """The factors of a product, sums turned the textbook way round, and the sign that costs."""
        factors, sign = [], 1
        for arg in sympy.Mul.make_args(product):
            base, exp = arg.as_base_exp()
            if base.is_Add and _flip(base):
                base, sign = -base, sign * (-1 if exp % 2 else 1)
            if base != 1:
                factors.append(self.show(base**exp, names))
        return factors, sign

    def derived(self, build: Callable[[int], sympy.Expr], l: int, j: Idx, how: str = "show",
                k: Idx | None = None) -> Math:
        """A sympy result for neuron j (and k) of layer l; for letters, neuron 1 (and 2) renamed."""
        printer = self.tidy if how == "tidy" else self.show
        if not _general(j, k):
            return printer(build(j))
        expr = build(1)
        renamed = {1: j, 2: k}
        names = dict(self.symbol_latex)
        for symbol in expr.free_symbols:
            kind, layer, n, i = self.keys.get(symbol, ("", l, None, None))
            if kind and layer == l and n in renamed:
                names[symbol] = self.q(kind, layer, renamed[n], i).latex
        shown = printer(expr, names)
        return Math(shown.latex, None, shown.atomic)

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
            body = term(_Index(letter))
            rest = "".join(f" + {t.latex}" for t in tail)
            return Math(f"\\sum_{{{letter}=1}}^{{{n}}} {_bracket(body)}{rest}", atomic=False)
        return plus([term(k) for k in range(1, n + 1)], self.max_terms, tail)

    # -- grouping -----------------------------------------------------------------------------
    def listed(self, *sizes: int) -> bool:
        return self.max_terms is None or all(n <= max(self.max_terms, 1) for n in sizes)

    def group(self, sizes: tuple[int, ...], line: Callable[..., Line], letters: str = "j",
              keep: Callable[..., bool] | None = None) -> Group:
        """Every instance when each index range is short, else the general formula and one instance."""
        everything = list(itertools.product(*(range(1, n + 1) for n in sizes)))
        chosen = [ix for ix in everything if keep(*ix)] if keep is not None else everything
        if self.listed(*sizes):
            return Group([self.define(line(*ix)) for ix in chosen], partial=len(chosen) < len(everything))
        instances = chosen[: self.max_terms or 1] if keep is not None else everything[:1]
        try:  # a range of one value keeps its number: dw_{(i+2)1}, not dw_{(i+2)j}
            general = [line(*(_Index(c) if n > 1 else 1 for c, n in zip(letters, sizes)))]
        except _NAME_ERRORS:  # a notation override the letters cannot fill: instances only
            general = []
        indices = ",\\; ".join(_range(c, n) for c, n in zip(letters, sizes) if n > 1)
        return Group([self.define(line(*ix)) for ix in instances], general, indices, partial=True)

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
            jac = (f"\\frac{{\\partial {f}(x)_k}}{{\\partial x_j}} = \\begin{{cases}} {f}(x)_j(1 - {f}(x)_j) "
                   f"& k = j \\\\ -{f}(x)_k {f}(x)_j & k \\neq j \\end{{cases}}")
            return ActivationInfo(self.layer_title(l), act.name, f"{f}(x)_j = {act.describe()}", jac)
        return ActivationInfo(self.layer_title(l), act.name.replace("_", " "), f"{f}(x) = {act.describe()}",
                              f"{f}'(x) = {act.dact_latex('x', f + '(x)')}")

    def loss_formula(self) -> str:
        """The loss in the problem's notation, over all outputs."""
        n, total = self.layers[-1], self.q("loss", self.L).latex
        if n == 1:
            return f"{total} = {self.loss_term(1).latex}"
        try:
            term = self.loss_term(_Index("j"))
            return f"{total} = \\sum_{{j=1}}^{{{n}}} {_bracket(term) if term.latex.startswith('-') else term.latex}"
        except _NAME_ERRORS:
            return self.loss_line().parts[0] + " = " + self.loss_line().parts[-1]

    def symbol_rows(self) -> list[list[str]]:
        """The symbols of the network and what each stands for (no values: this style has none)."""
        rows = [[self._names("out", 0), "inputs"]]
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
        rows.append([self.q("loss", self.L).latex, "loss"])
        rows.append([self.eta.latex, "learning rate"])
        return rows

    def _names(self, kind: str, l: int, weights: bool = False) -> str:
        """A layer's symbols as a list, elided after max_terms (x_1, x_2, ..., x_784)."""
        if weights:
            index: list = list(itertools.product(range(1, self.layers[l] + 1), range(1, self.layers[l - 1] + 1)))
        elif kind == "bias" and self.shared_bias:
            index = [(None,)]
        else:
            index = [(j,) for j in range(1, self.layers[l] + 1)]
        texts = [self.q(kind, l, *ix).latex if ix != "\\cdots" else "\\ldots" for ix in elide(index, self.max_terms)]
        return ", ".join(dict.fromkeys(texts))

    def derivative_rows(self) -> list[list[str]]:
        """What the derivative names mean, where the notation does not spell the fraction out."""
        total, L = self.q("loss", self.L), self.L
        pairs = [("dout", "out", (1,)), ("dnet", "net", (1,)), ("dw", "weight", (1, 1))]
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
        if not _general(j) and (l, j) in self._nets:
            return self._nets[(l, j)]
        bias = [self.q("bias", l, j)] if self.has_bias else []
        value = self.sum_over(self.layers[l - 1], lambda i: times(self.q("out", l - 1, i), self.q("weight", l, j, i)),
                              "i", _general(j), bias)
        if not _general(j):
            self._nets[(l, j)] = value
        return value

    def net_line(self, l: int, j: Idx) -> Line:
        return Line((self.q("net", l, j), self.net(l, j)))

    def out_line(self, l: int, j: Idx) -> Line:
        act, z = self.act(l), self.q("net", l, j)
        if act.layerwise:
            n = self.layers[l]
            exp = lambda k: Math(f"e^{{{self.q('net', l, k).latex}}}",  # noqa: E731
                                 None if _general(k) else sympy.exp(self.s("net", l, k)))
            den = self.sum_over(n, exp, "k", _general(j))
            value = Math(f"\\frac{{{exp(j).latex}}}{{{den.latex}}}",
                         None if _general(j) else sympy.exp(z.expr) / den.expr)
        else:
            latex = f"{act.function}({z.latex})" if act.named else act.out_latex(z.latex)
            value = Math(latex, None if _general(j) else act.out_sympy(z.expr), atomic=not act.piecewise)
        return Line((self.q("out", l, j), value))

    # -- loss -----------------------------------------------------------------------------------
    def loss_term(self, j: Idx) -> Math:
        y, a = self.q("target", self.L, j), self.q("out", self.L, j)
        loss = self.problem.loss
        return Math(loss.latex(y.latex, a.latex), None if _general(j) else loss.sympy(y.expr, a.expr), atomic=False)

    @cached_property
    def loss(self) -> list[Group]:
        n, total = self.layers[-1], self.q("loss", self.L)
        if n == 1:
            return [Group([self.define(Line((total, self.loss_term(1))))])]
        each = self.group((n,), lambda j: Line((self.q("loss", self.L, j), self.loss_term(j))))
        return [each, Group([self.loss_line()])]

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
            groups.append(Group([self.define(self.db_line(l, None))]) if self.shared_bias
                          else self.group((n,), lambda j: self.db_line(l, j)))
        identity = ""
        if self.act(l).layerwise and self.closed_form(l):
            targets = [self.q("target", l, k) for k in range(1, n + 1)]
            identity = plus(targets, self.max_terms).latex + " = 1"
        return Section(l, self.layer_title(l), self.act(l).name.replace("_", " "), groups, identity)

    def total(self) -> Math:
        return self.q("loss", self.L)

    def dout_value(self, j: Idx) -> Math:
        """∂L/∂a_Lj by sympy.diff of the loss, tidied: a − y, (a − y)/(a(1 − a)), −y/a ..."""
        def build(n: int) -> sympy.Expr:
            a = self.s("out", self.L, n)
            return sympy.diff(self.problem.loss.sympy(self.s("target", self.L, n), a), a)
        return self.derived(build, self.L, j, "tidy")

    def dout_output_line(self, j: Idx) -> Line:
        a = self.q("out", self.L, j)
        return Line((self.q("dout", self.L, j), partial(self.total(), a), self.dout_value(j)))

    def dout_hidden_line(self, l: int, j: Idx) -> Line:
        """da_lj = Σ_k dz_(l+1)k · ∂z_(l+1)k/∂a_lj: the sum over the paths from a_lj to the loss."""
        a, general, m = self.q("out", l, j), _general(j), self.layers[l + 1]

        def path(k: Idx) -> Math:
            z = self.q("net", l + 1, k)
            slope = None if _general(j, k) else sympy.diff(self.net(l + 1, k).expr, a.expr)
            return times(self.q("dnet", l + 1, k), partial(z, a, slope))

        chain = self.sum_over(m, path, "k", general)
        named = self.sum_over(m, lambda k: times(self.q("dnet", l + 1, k), self.q("weight", l + 1, k, j)), "k", general)
        return Line((self.q("dout", l, j), partial(self.total(), a), chain, named))

    def dact_value(self, l: int, j: Idx) -> Math:
        act = self.act(l)
        return self.derived(lambda n: act.dact_sympy(self.s("net", l, n), self.s("out", l, n)), l, j)

    def dact_line(self, l: int, j: Idx) -> Line:
        z, act = self.q("net", l, j), self.act(l)
        middle = [Math(f"{act.function}'({z.latex})")] if act.named else []
        return Line((self.q("dact", l, j), partial(self.q("out", l, j), z), *middle, self.dact_value(l, j)))

    def output_delta(self, j: Idx) -> Math | None:
        """dz_Lj in forward quantities, simplified by sympy when the factors cancel (BCE + sigmoid → a − y)."""
        act = self.act(self.L)
        if act.layerwise:
            return self.softmax_delta(j) if self.closed_form(self.L) else None
        dout, dact = self.dout_value(1).expr, self.dact_value(self.L, 1).expr
        if self._cancels(dout, dact):
            return self.derived(lambda n: self.dout_value(n).expr * self.dact_value(self.L, n).expr,
                                self.L, j, "tidy")
        return times(self.dout_value(j), self.dact_value(self.L, j))

    @staticmethod
    @lru_cache(maxsize=1024)  # pure, and asked once per output weight: gcd is slow
    def _cancels(dout: sympy.Expr, dact: sympy.Expr) -> bool:
        if dact == 1:
            return True
        if not dact.is_polynomial(*dact.free_symbols):
            return False
        denominator = sympy.fraction(sympy.together(dout))[1]
        return bool(sympy.gcd(denominator, dact).free_symbols)

    def dnet_line(self, l: int, j: Idx) -> Line:
        dz, z = self.q("dnet", l, j), self.q("net", l, j)
        head = (dz, partial(self.total(), z))
        if self.act(l).layerwise:
            return Line(head + self.softmax_steps(l, j))
        chain = times(self.q("dout", l, j), self.q("dact", l, j))
        if l == self.L:
            delta, product = self.output_delta(j), times(self.dout_value(j), self.dact_value(l, j))
            shown = (chain,) if self.dact_value(l, 1).expr == 1 or product.latex == delta.latex else (chain, product)
            return Line(head + shown + (delta,))  # type: ignore[operator]
        steps = head + (chain, times(self.q("dout", l, j), self.dact_value(l, j)))
        if _general(j) or not isinstance(steps[-1].expr, sympy.Mul) or not steps[-1].expr.has(sympy.Piecewise):
            return Line(steps)
        return Line(steps + (self.show(sympy.piecewise_fold(steps[-1].expr)),))  # ReLU: da if z > 0, else 0

    def dw_line(self, l: int, j: Idx, i: Idx) -> Line:
        """dw = dz · ∂z/∂w = dz · (the sender's output), ∂z/∂w by sympy.diff of the weighted sum."""
        w, z, dz, sender = self.q("weight", l, j, i), self.q("net", l, j), self.q("dnet", l, j), self.q("out", l - 1, i)
        slope = None if _general(j, i) else sympy.diff(self.net(l, j).expr, w.expr)
        steps = [self.q("dw", l, j, i), partial(self.total(), w), times(dz, partial(z, w, slope)), times(dz, sender)]
        delta = self.output_delta(j) if l == self.L else None
        if delta is not None:
            steps.append(times(delta, sender))
        return Line(tuple(steps))

    def db_line(self, l: int, j: int | None) -> Line:
        """A neuron's own bias: db = dz; a shared bias feeds every neuron, so db = Σ_j dz_j."""
        b = self.q("bias", l, j)

        def path(n: Idx) -> Math:
            slope = None if _general(n) else sympy.diff(self.net(l, n).expr, b.expr)
            return times(self.q("dnet", l, n), partial(self.q("net", l, n), b, slope))

        if j is None:
            n = self.layers[l]
            steps = (self.sum_over(n, path, "j", False),
                     self.sum_over(n, lambda k: self.q("dnet", l, k), "j", False))
        else:
            steps = (path(j), self.q("dnet", l, j))
        return Line((self.q("db", l, j), partial(self.total(), b)) + steps)

    # -- softmax output layer ----------------------------------------------------------------------
    @cached_property
    def _softmax_jacobian(self) -> tuple[sympy.Expr, sympy.Expr, tuple[sympy.Symbol, ...]]:
        """∂a_j/∂z_j and ∂a_k/∂z_j by sympy: a = e^z / T with ∂T/∂z_j = e^{z_j}, then e^z = a·T."""
        zj, zk, aj, ak = sympy.symbols("z_j z_k a_j a_k")
        T = sympy.Function("T")(zj)
        back = {sympy.exp(zj): aj * T, sympy.exp(zk): ak * T}
        same = sympy.diff(sympy.exp(zj) / T, zj).subs(sympy.Derivative(T, zj), sympy.exp(zj))
        other = sympy.diff(sympy.exp(zk) / T, zj).subs(sympy.Derivative(T, zj), sympy.exp(zj))
        return sympy.factor(same.subs(back)), sympy.factor(other.subs(back)), (aj, ak)

    def jacobian(self, l: int, k: int, j: int) -> sympy.Expr:
        same, other, (aj, ak) = self._softmax_jacobian
        expr = same if k == j else other
        return expr.xreplace({aj: self.s("out", l, j), ak: self.s("out", l, k)})

    def jacobian_name(self, l: int, k: int, j: int) -> Math:
        """∂a_k/∂z_j as a symbol of its own (the notation names only the diagonal, dact)."""
        if k == j:
            return self.q("dact", l, j)
        a, z = self.q("out", l, k), self.q("net", l, j)
        symbol = sympy.Symbol(f"d{a.expr}/d{z.expr}")
        self.symbol_latex[symbol] = partial(a, z).latex
        self.keys[symbol] = ("jacobian", l, k, j)
        return Math(self.symbol_latex[symbol], symbol)

    def jacobian_group(self, l: int) -> Group:
        """The softmax Jacobian: one line with k = j and one with k ≠ j (general: a cases formula)."""
        n = self.layers[l]
        ks = [1] if n == 1 else [1, 2]
        lines = [self.define(Line((self.jacobian_name(l, k, 1), partial(self.q("out", l, k), self.q("net", l, 1)),
                                   self.tidy(self.jacobian(l, k, 1))))) for k in ks]
        if n == 1 or self.listed(n):
            return Group(lines, partial=n > 2)
        try:
            j, k = _Index("j"), _Index("k")
            same = self.derived(lambda m: self.jacobian(l, 1, 1), l, j, "tidy")
            other = self.derived(lambda m: self.jacobian(l, 2, 1), l, j, "tidy", k)
            cases = Math(f"\\begin{{cases}} {same.latex} & k = j \\\\ {other.latex} & k \\neq j \\end{{cases}}")
            general = [Line((partial(self.q("out", l, k), self.q("net", l, j)), cases))]
        except _NAME_ERRORS:
            general = []
        return Group(lines, general, f"{_range('j', n)},\\; {_range('k', n)}", partial=True)

    def softmax_steps(self, l: int, j: Idx) -> tuple[Math, ...]:
        """dz_j = Σ_k da_k · ∂a_k/∂z_j, with the Jacobian put in, then simplified by sympy."""
        n, general = self.layers[l], _general(j)
        z = self.q("net", l, j)

        def path(k: Idx) -> Math:
            a = self.q("out", l, k)
            slope = None if _general(j, k) else self.jacobian(l, k, j)
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
        collected = Math(f"{a.latex} \\cdot {_bracket(targets)} - {y.latex}", a.expr * targets.expr - y.expr)
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
        inner = self.sum_over(n, lambda k: times(self.q("out", l, k), self.q("dout", l, k)), "k", _general(j))
        expr = None if _general(j) else a.expr * (da.expr - inner.expr)
        return Math(f"{a.latex} \\cdot \\left({da.latex} - {_bracket(inner)}\\right)", expr)

    # -- updates --------------------------------------------------------------------------------------
    @cached_property
    def updates(self) -> list[Section]:
        sections = []
        for l in range(self.L, 0, -1):
            n, prev = self.layers[l], self.layers[l - 1]
            groups = [self.group((n, prev), lambda j, i, l=l: self.update_line("new_w", "weight", "dw", l, j, i),
                                 "ji", (lambda j, i, l=l: self.selected(l, j, i)) if self.selection else None)]
            if self.has_bias and self.problem.training.update_biases:
                if self.shared_bias:
                    groups.append(Group([self.define(self.update_line("new_b", "bias", "db", l, None))]))
                else:
                    groups.append(self.group((n,), lambda j, l=l: self.update_line("new_b", "bias", "db", l, j)))
            sections.append(Section(l, self.layer_title(l), self.act(l).name.replace("_", " "), groups))
        return sections

    def update_line(self, new: str, old: str, grad: str, l: int, j: Idx | None, i: Idx | None = None) -> Line:
        """w⁺ = w − η · ∂L/∂w."""
        before, g = self.q(old, l, j, i), self.q(grad, l, j, i)
        step = times(self.eta, g)
        expr = None if before.expr is None or step.expr is None else before.expr - step.expr
        return Line((self.q(new, l, j, i), Math(f"{before.latex} - {step.latex}", expr, atomic=False)))


@lru_cache(maxsize=4096)
def _factored(expr: sympy.Expr) -> sympy.Expr:
    """sympy.factor, remembered: the same derivatives are tidied for every neuron and every
    rendering, and factoring is most of what the symbolic style costs (issue 3: 30 ms)."""
    return sympy.factor(expr)


@lru_cache(maxsize=4096)
def _latex(expr: sympy.Expr, names: tuple[tuple[sympy.Symbol, str], ...]) -> str:
    """sympy's LaTeX printer is the slow part of a symbolic walkthrough: the same expression
    with the same names prints the same, so print it once."""
    return sympy.latex(expr, symbol_names=dict(names), mul_symbol="dot")
