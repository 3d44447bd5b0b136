"""Sympy expressions as formula trees, so sympy's results print like every other formula.

The symbolic style lets sympy differentiate and simplify; what it prints goes through the
same printers as the rest (LaTeX, text, MathML, widths), not through ``sympy.latex``.
The shapes follow sympy's own printing: terms in sympy's order with a leading minus as a
subtraction (``a - y``, not ``-y + a``), a product with a negative coefficient as a
negation (``-a_{1} \\cdot a_{2}``), factors with negative powers as a fraction
(``\\frac{y}{a}``), sums inside products and powers in growing brackets
(``a \\cdot \\left(1 - a\\right)``), ``exp`` as a power of e, ``log`` as ln, a
``Piecewise`` as cases. Symbols print by the names given (the notation's LaTeX and plain
text); others by their sympy name.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from .tree import Add as AddNode
from .tree import (
    Apply,
    Cases,
    Frac,
    Group,
    Mul,
    Neg,
    Node,
    Number,
    Pow,
    Relation,
    Sub,
    Symbol,
)

if TYPE_CHECKING:
    import sympy
else:  # imported on first use (tracer/_lazy.py)
    from .._lazy import sympy

E = Symbol("e", "e")
ONE = Number("1", 1.0)

#: Functions written by their own symbol; any other prints as \operatorname{name}.
FUNCTIONS = {"tanh": "\\tanh", "sinh": "\\sinh", "cosh": "\\cosh", "sin": "\\sin", "cos": "\\cos",
             "tan": "\\tan", "Max": "\\max", "Min": "\\min"}
_RELATIONS = {">": ">", "<": "<", ">=": ">=", "<=": "<=", "==": "=", "!=": "!="}

Names = Mapping["sympy.Symbol", Node]


def from_sympy(expr: sympy.Basic, names: Names | None = None) -> Node:
    """The formula tree of a sympy expression; ``names`` gives the tree of each named symbol."""
    return _Converter(names or {}).convert(expr)


def negative(expr: sympy.Basic) -> bool:
    """Whether a term prints with a leading minus (its numeric coefficient is negative)."""
    if expr.is_Number:
        return bool(expr.is_negative)
    if expr.is_Mul:
        coeff = expr.as_coeff_Mul()[0]
        return bool(coeff.is_negative)
    return False


def _tall(node: Node) -> bool:
    """Whether a formula holds a fraction: brackets around it grow (\\cosh\\left(\\frac{y}{2}\\right))."""
    if isinstance(node, Frac):
        return True
    children = [getattr(node, f) for f in getattr(node, "__dataclass_fields__", {})]
    return any(_tall(c) for c in children if isinstance(c, Node)) or \
        any(_tall(x) for c in children if isinstance(c, tuple) for x in c if isinstance(x, Node))


class _Converter:
    def __init__(self, names: Names) -> None:
        self.names = names

    def convert(self, expr: sympy.Basic) -> Node:
        if isinstance(expr, sympy.Symbol):
            return self.names.get(expr) or Symbol(sympy.latex(expr), expr.name)
        if expr.is_Number:
            return self.number(expr)
        if expr is sympy.E:
            return E
        if isinstance(expr, sympy.NumberSymbol):
            return Symbol(sympy.latex(expr), str(expr))
        if expr.is_Add:
            return self.add(expr)
        if expr.is_Mul:
            return self.mul(expr)
        if expr.is_Pow:
            return self.pow(expr)
        if isinstance(expr, sympy.exp):
            return Pow(E, self.convert(expr.args[0]))
        if isinstance(expr, sympy.log):
            return Apply(Symbol("\\ln", "ln"), (self.convert(expr.args[0]),), bare=True)
        if isinstance(expr, sympy.Piecewise):
            return Cases(tuple((self.convert(value), None if cond == sympy.true else self.convert(cond))
                               for value, cond in expr.args))
        if isinstance(expr, sympy.core.relational.Relational) and expr.rel_op in _RELATIONS:
            return Relation(self.convert(expr.lhs), _RELATIONS[expr.rel_op], self.convert(expr.rhs))
        if isinstance(expr, sympy.Heaviside):  # the step function max's derivative is made of;
            # its second argument (the value at 0) is a convention sympy's printing leaves out too
            return Apply(Symbol("\\theta", "theta"), (self.convert(expr.args[0]),))
        if isinstance(expr, (sympy.Function, sympy.Max, sympy.Min)):
            name = type(expr).__name__
            func = Symbol(FUNCTIONS.get(name, f"\\operatorname{{{name}}}"), name.lower())
            args = tuple(self.convert(a) for a in expr.args)
            return Apply(func, args, sized=any(map(_tall, args)))
        raise TypeError(f"no formula node for sympy's {type(expr).__name__}: {expr}")

    def number(self, expr: sympy.Number) -> Node:
        if expr.is_Integer:
            return Number(str(int(expr)), float(expr))
        if expr.is_Rational:
            frac = Frac(Number(str(abs(expr.p)), float(abs(expr.p))), Number(str(expr.q), float(expr.q)))
            return Neg(frac) if expr.is_negative else frac
        value = float(expr)  # a Float as Python writes it, 0.1 (sympy's str is 0.100000000000000)
        return Number(repr(value), value)

    def add(self, expr: sympy.Add) -> Node:
        """Terms in sympy's order; a negative term after the first is subtracted."""
        out: Node | None = None
        for term in expr.as_ordered_terms():
            if out is None:
                out = self.convert(term)
            elif negative(term):
                out = Sub(out, self.convert(-term))
            else:
                out = AddNode((*out.terms, self.convert(term)) if isinstance(out, AddNode) else (out, self.convert(term)))
        assert out is not None
        return out

    def mul(self, expr: sympy.Mul) -> Node:
        """-x as a negation; factors with negative powers under a fraction bar."""
        if expr.could_extract_minus_sign():
            body = -expr
            return Neg(self.factor(body) if body.is_Add else self.convert(body))
        num, den = sympy.fraction(expr, exact=True)
        if den == 1:
            return self.product(expr)
        return Frac(self.product(num), self.product(den))

    def product(self, expr: sympy.Expr) -> Node:
        if not expr.is_Mul:
            return self.convert(expr)
        return Mul(tuple(self.factor(f) for f in expr.as_ordered_factors()))

    def factor(self, expr: sympy.Expr) -> Node:
        """A factor of a product: a sum or a case distinction in growing brackets."""
        node = self.convert(expr)
        return Group(node, sized=True) if expr.is_Add or isinstance(expr, sympy.Piecewise) else node

    def pow(self, expr: sympy.Pow) -> Node:
        base, exp = expr.as_base_exp()
        if exp.is_Rational and exp.is_negative:
            return Frac(ONE, self.convert(base**-exp) if exp != -1 else self.convert(base))
        node = self.convert(base)
        # a sum, product, power or fraction base, and a name with a superscript of its own
        # (A^{[1]}_{1}: another ^ would be a double superscript), are bracketed
        needs = (base.is_Add or base.is_Mul or base.is_Pow or isinstance(base, sympy.Piecewise)
                 or (base.is_Rational and not base.is_Integer) or (base.is_Number and base.is_negative)
                 or (isinstance(node, Symbol) and "^" in node.latex))
        return Pow(Group(node, sized=True) if needs else node, self.convert(exp))
