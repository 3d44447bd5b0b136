"""The lines of a derivation: LaTeX beside the sympy expression it stands for.

``Math`` is one printed step, ``Line`` a quantity and its steps (each equal to the
symbol), ``Group``/``Section`` what the symbolic template loops over. The builders
(``times``, ``plus``, ``partial``) keep the chain-rule order sympy would reorder, and
``SympyLatex`` prints a sympy result the way a textbook does: (a − y)/(a(1 − a)), 2(a − y),
a case distinction as cases.
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

from ..engine.ops import elide
from .printers import LINE_WIDTH, width


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


# --- small LaTeX + sympy builders -----------------------------------------------------------
def bracket(m: Math) -> str:
    return m.latex if m.atomic else f"\\left({m.latex}\\right)"


def times(*factors: Math) -> Math:
    """a · b · c in the given (chain-rule) order; sympy would reorder the factors."""
    exprs = [f.expr for f in factors]
    expr = sympy.Mul(*exprs) if all(e is not None for e in exprs) else None
    return Math(" \\cdot ".join(bracket(f) for f in factors), expr)


def plus(terms: Sequence[Math], max_terms: int | None, tail: Sequence[Math] = ()) -> Math:
    """a + b + ... (+ tail), elided after max_terms like the other styles' sums."""
    budget = max_terms - len(tail) if max_terms else None
    texts = elide([t.latex if t.atomic or t is terms[0] else bracket(t) for t in terms], budget)
    texts += [bracket(t) if t.latex.startswith("-") else t.latex for t in tail]
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


class SympyLatex:
    """Prints sympy expressions the way a textbook writes them, as ``Math``: symbols by the
    LaTeX names in ``symbol_latex``, derivatives factored with textbook signs and order."""

    symbol_latex: dict[sympy.Symbol, str]

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
            return Math("-" + bracket(body), expr, atomic=False)
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
