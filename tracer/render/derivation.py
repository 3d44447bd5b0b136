"""The lines of a derivation: a formula tree beside the sympy expression it stands for.

``Math`` is one printed step, ``Line`` a quantity and its steps (each equal to the
symbol), ``Group``/``Section`` what the symbolic template loops over. The builders
(``times``, ``plus``, ``partial``) keep the chain-rule order sympy would reorder, and
``SympyLatex`` turns a sympy result into the tree a textbook would write: (a − y)/(a(1 − a)),
2(a − y), a case distinction as cases (``tracer.formula.from_sympy``). Every step is a
formula tree, printed and measured like any other formula.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sympy
else:  # imported on first use, not when another style is rendered (tracer/_lazy.py)
    from .._lazy import sympy

from ..formula.from_sympy import from_sympy
from ..formula.latex import latex
from ..formula.tree import (
    Add,
    Frac,
    Group,
    Mul,
    Neg,
    Node,
    Number,
    Pow,
    Sub,
    Symbol,
    elided,
)
from ..formula.width import EQUALS
from ..formula.width import width as tree_width
from .chains import partial as partial_name
from .printers import LINE_WIDTH


# --- what the template prints -------------------------------------------------------------
@dataclass(frozen=True)
class Math:
    """A formula and the sympy expression it stands for (None: a name or a general formula)."""

    tree: Node
    expr: sympy.Expr | None = None
    atomic: bool = True  # prints inside a product without brackets

    @property
    def latex(self) -> str:
        return latex(self.tree)


@dataclass(frozen=True)
class Line:
    """symbol = step = step ...: one quantity and its derivation, each step equal to the symbol."""

    steps: tuple[Math, ...]

    @property
    def parts(self) -> list[Node]:
        return [s.tree for s in self.steps]


@dataclass
class Lines:
    """Lines of one kind in one layer; big groups add the general formula over ``indices``."""

    lines: list[Line]
    general: list[Line] = field(default_factory=list)
    indices: str = ""      # e.g. "j = 1, \\ldots, 30", what the general formula runs over
    partial: bool = False  # only some instances are written out

    @property
    def fits(self) -> bool:
        """Every line fits the page, so the group prints as one block aligned at '='."""
        return all(sum(map(tree_width, line.parts)) + EQUALS * (len(line.parts) - 1) <= LINE_WIDTH
                   for line in self.lines)


@dataclass
class Section:
    """One layer of a pass."""

    layer: int
    title: str
    activation: str
    groups: list[Lines]
    identity: Node | None = None  # a fact the derivation uses besides calculus: the targets add up to 1


@dataclass(frozen=True)
class ActivationInfo:
    """How the setup describes a layer's activation function."""

    title: str
    name: str
    definition: Node
    derivative: Node


# --- small tree + sympy builders ----------------------------------------------------------------
def bracket(m: Math) -> Node:
    return m.tree if m.atomic else Group(m.tree, sized=True)


def times(*factors: Math) -> Math:
    """a · b · c in the given (chain-rule) order; sympy would reorder the factors."""
    exprs = [f.expr for f in factors]
    expr = sympy.Mul(*exprs) if all(e is not None for e in exprs) else None
    return Math(Mul(tuple(bracket(f) for f in factors)), expr)


def leads_with_minus(node: Node) -> bool:
    """Whether a formula prints with a minus sign first (-a, -0.5 · b, -a + b)."""
    if isinstance(node, Neg):
        return True
    if isinstance(node, Number):
        return node.negative
    if isinstance(node, Add):
        return leads_with_minus(node.terms[0])
    if isinstance(node, Sub):
        return leads_with_minus(node.left)
    if isinstance(node, Mul):
        return leads_with_minus(node.factors[0])
    return False


def plus(terms: Sequence[Math], max_terms: int | None, tail: Sequence[Math] = ()) -> Math:
    """a + b + ... (+ tail), elided after max_terms like the other styles' sums."""
    budget = max_terms - len(tail) if max_terms else None
    nodes = list(elided([t.tree if t.atomic or t is terms[0] else bracket(t) for t in terms], budget))
    nodes += [bracket(t) if leads_with_minus(t.tree) else t.tree for t in tail]
    exprs = [t.expr for t in (*terms, *tail)]
    expr = sympy.Add(*exprs) if all(e is not None for e in exprs) else None
    tree = Add(tuple(nodes)) if len(nodes) > 1 else nodes[0]
    return Math(tree, expr, atomic=len(nodes) == 1 and terms[0].atomic)


def name(m: Math) -> Symbol:
    """The name a step stands for (a quantity's symbol)."""
    if not isinstance(m.tree, Symbol):
        raise TypeError(f"not a name: {m.latex}")
    return m.tree


def partial(num: Math, den: Math, value: sympy.Expr | None = None) -> Math:
    """∂num/∂den as one name (the notation's way of writing a derivative)."""
    return Math(partial_name(name(num), name(den)), value)


def exp_of(m: Math, expr: sympy.Expr | None = None) -> Math:
    """e^{m}."""
    return Math(Pow(E, m.tree), expr)


E = Symbol("e", "e")
ONE = Number("1", 1.0)


def _flip(factor: sympy.Expr) -> bool:
    """Print (1 − a) not (a − 1), (a − y) not (−a + y): a positive constant, else a positive lead."""
    const, _ = factor.as_coeff_Add()
    if const != 0:
        return bool(const < 0)
    return factor.as_ordered_terms()[0].could_extract_minus_sign()


class SympyLatex:
    """Turns sympy expressions into the trees a textbook writes, as ``Math``: symbols by the
    names in ``symbol_names``, derivatives factored with textbook signs and order."""

    symbol_names: dict[sympy.Symbol, Symbol]

    def show(self, expr: sympy.Expr, names: dict[sympy.Symbol, Symbol] | None = None) -> Math:
        names = names or self.symbol_names
        used = sorted(((x, names[x]) for x in expr.free_symbols if x in names), key=lambda pair: pair[0].name)
        atomic = not (expr.is_Add or isinstance(expr, sympy.Piecewise) or expr.could_extract_minus_sign())
        return Math(_tree(expr, tuple(used)), expr, atomic)

    def tidy(self, expr: sympy.Expr, names: dict[sympy.Symbol, Symbol] | None = None) -> Math:
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
        upper = times(*top) if len(top) > 1 else top[0] if top else Math(ONE)
        lower = times(*bottom) if len(bottom) > 1 else bottom[0] if bottom else None
        body = Math(Frac(upper.tree, lower.tree)) if lower else upper
        if sign * s1 * s2 < 0:
            return Math(Neg(bracket(body)), expr, atomic=False)
        return Math(body.tree, expr, body.atomic)

    def _oriented(self, product: sympy.Expr, names: dict[sympy.Symbol, Symbol] | None) -> tuple[list[Math], int]:
        """The factors of a product, sums turned the textbook way round, and the sign that costs."""
        factors, sign = [], 1
        for arg in sympy.Mul.make_args(product):
            base, exp = arg.as_base_exp()
            if base.is_Add and _flip(base):
                base, sign = -base, sign * (-1 if exp % 2 else 1)
            if base != 1:
                factors.append(self.show(base**exp, names))
        return factors, sign


@lru_cache(maxsize=4096)
def _factored(expr: sympy.Expr) -> sympy.Expr:
    """sympy.factor, remembered: the same derivatives are tidied for every neuron and every
    rendering, and factoring is most of what the symbolic style costs (issue 3: 30 ms)."""
    return sympy.factor(expr)


@lru_cache(maxsize=4096)
def _tree(expr: sympy.Expr, names: tuple[tuple[sympy.Symbol, Symbol], ...]) -> Node:
    """The same expression with the same names converts the same: convert it once."""
    return from_sympy(expr, dict(names))
