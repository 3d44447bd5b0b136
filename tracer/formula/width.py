"""How wide a formula prints, and where a long one may break: measured on the tree.

Widths are in digit widths (half an em). A printer lays out ``symbol = formula = numbers =
result`` on one line when it fits the page, else one step a line, and a step too wide for
a line (a 784-input net) is broken between its top-level terms (``terms``), the only safe
places: breaking inside a bracket or a fraction would not compile.
"""
from __future__ import annotations

import functools

from .latex import BMATRIX_COLUMNS, LatexPrinter
from .names import name_width
from .printer import FormulaPrinter
from .tree import (
    Abs,
    Add,
    Apply,
    Blank,
    Boxed,
    Cases,
    Displayed,
    Floor,
    Frac,
    Gap,
    Group,
    Listing,
    Matrix,
    Mul,
    Neg,
    Node,
    Number,
    Pow,
    Relation,
    Sigma,
    Sqrt,
    Sub,
    Symbol,
    Text,
    Where,
)

PLUS = 2.4        # a binary + or -, with its spacing
EQUALS = 2.8      # = < >
CDOT = 1.8
BRACKET = 0.8
_RELATIONS = {">": EQUALS, "<": EQUALS, "=": EQUALS, "!=": 2.4, ">=": 2.4, "<=": 2.4, "<-": 2.4, "->": 2.4, "+=": 4.0}
_DOTS = 3.0
_CHARS = {".": 0.5, "-": PLUS, "(": BRACKET, ")": BRACKET}


@functools.lru_cache(maxsize=65536)
def number_width(text: str) -> float:
    """A printed number: digits 1, the point 0.5, a minus sign as wide as a binary minus,
    brackets (a negative number inside a formula) as brackets."""
    return sum(_CHARS.get(c, 1.0) for c in text)


class WidthPrinter(FormulaPrinter[float]):
    """'Prints' a tree as its printed width."""

    def measure(self, node: Node, lead: bool = True) -> float:
        return self.print(node, lead)

    def _print_Symbol(self, node: Symbol, lead: bool) -> float:
        return name_width(node.latex)

    def _print_Number(self, node: Number, lead: bool) -> float:
        return number_width(self.number(node, lead))

    def _print_Text(self, node: Text, lead: bool) -> float:
        return 0.9 * len(node.text.replace(" ", "")) + 0.5

    def _print_Gap(self, node: Gap, lead: bool) -> float:
        return _DOTS if node.direction == "h" else 1.0

    def _print_Add(self, node: Add, lead: bool) -> float:
        return (sum(self.print(t, lead and k == 0) for k, t in enumerate(node.terms))
                + PLUS * (len(node.terms) - 1))

    def _print_Sub(self, node: Sub, lead: bool) -> float:
        return self.print(node.left, lead) + PLUS + self.print(node.right)

    def _print_Neg(self, node: Neg, lead: bool) -> float:
        return self.print(node.body) + (0.0 if node.vanishes else PLUS)

    def _print_Mul(self, node: Mul, lead: bool) -> float:
        sign = {"cdot": CDOT, "odot": 1.0, "space": 0.3, "thin": 0.2}.get(node.sign, 0.0)
        return (sum(self.print(f, lead and k == 0) for k, f in enumerate(node.factors))
                + sign * (len(node.factors) - 1))

    def _print_Frac(self, node: Frac, lead: bool) -> float:
        return max(self.print(node.num, True), self.print(node.den, True)) + 0.6

    def _print_Pow(self, node: Pow, lead: bool) -> float:
        return self.print(node.base) + 0.7 * self.print(node.exp, True)

    def _print_Sqrt(self, node: Sqrt, lead: bool) -> float:
        return self.print(node.body, True) + 1.6   # the radical sign

    def _print_Abs(self, node: Abs, lead: bool) -> float:
        return self.print(node.body, True) + 2 * BRACKET

    def _print_Apply(self, node: Apply, lead: bool) -> float:
        args = sum(self.print(a, True) for a in node.arguments) + BRACKET * (len(node.arguments) - 1)
        bare = node.bare and len(node.args) == 1 and isinstance(node.args[0], (Symbol, Number))
        return name_width(node.func.latex) + args + (0.0 if bare else 2 * BRACKET)

    def _print_Sigma(self, node: Sigma, lead: bool) -> float:
        index = 0.0 if node.index is None else self.print(node.index, True)
        below = index + (0.0 if node.start is None else EQUALS + self.print(node.start, True))
        above = 0.0 if node.stop is None else self.print(node.stop, True)
        return 2.0 + 0.7 * (below + above) + self.print(node.body, True)

    def _print_Blank(self, node: Blank, lead: bool) -> float:
        return 12.0   # 4cm, in digit widths

    def _print_Displayed(self, node: Displayed, lead: bool) -> float:
        return self.print(node.body, lead)

    def _print_Boxed(self, node: Boxed, lead: bool) -> float:
        return self.print(node.body, True) + 1.0   # the frame (as \\boxed measured as a name)

    def _print_Listing(self, node: Listing, lead: bool) -> float:
        comma = 5.0 if node.spaced else 1.0
        return sum(self.print(item, True) for item in node.items) + comma * max(len(node.items) - 1, 0)

    def _print_Floor(self, node: Floor, lead: bool) -> float:
        return self.print(node.body, True) + 2 * BRACKET

    def _print_Group(self, node: Group, lead: bool) -> float:
        return self.print(node.body, True) + 2 * BRACKET

    def _print_Cases(self, node: Cases, lead: bool) -> float:
        rows = [self.print(v, True) + (2.3 + self.print(c, True) if c is not None else 0.9 * 9 + 0.5)
                for v, c in node.rows]
        return max(rows) + 1.5

    def _print_Relation(self, node: Relation, lead: bool) -> float:
        return self.print(node.left, lead) + _RELATIONS[node.op] + self.print(node.right, True)

    def _print_Where(self, node: Where, lead: bool) -> float:
        return self.print(node.body, lead) + 2.0 + 2 * BRACKET + self.print(node.reason, True)

    def _print_Matrix(self, node: Matrix, lead: bool) -> float:
        """Its columns side by side: each as wide as its widest cell, 2 apart (bmatrix's
        2·arraycolsep, 10 pt at 11 pt type), in brackets (1.5 each, with their padding)."""
        if not node.rows:
            return 3.0
        columns = len(node.rows[0])
        cells = sum(max(self.print(row[c], True) for row in node.rows) for c in range(columns))
        return cells + 2.0 * (columns - 1) + 3.0 + (0.0 if columns <= BMATRIX_COLUMNS else 1.0)


_WIDTH = WidthPrinter()
_LATEX = LatexPrinter()


def width(node: Node) -> float:
    """Rough printed width of a formula in digit widths; fractions count their wider part."""
    return _WIDTH.measure(node)


def terms(node: Node) -> list[tuple[str, Node]]:
    """The formula's top-level terms with the sign before each ("" for the first):
    ``a + b - c`` -> [("", a), ("+", b), ("-", c)]; anything else is one term."""
    if isinstance(node, Add):
        out: list[tuple[str, Node]] = []
        for k, t in enumerate(node.terms):
            inner = terms(t)
            out += [("+" if k and not sign else sign, n) for sign, n in inner[:1]] + inner[1:]
        return out
    if isinstance(node, Sub):
        return [*terms(node.left), ("-", node.right)]
    return [("", node)]


def wrap(node: Node, room: float) -> list[str]:
    """A formula as LaTeX lines of at most ``room`` digit widths, broken between top-level terms."""
    lines: list[tuple[str, float]] = []
    for k, (sign, term) in enumerate(terms(node)):
        text = _LATEX.print(term, k == 0)
        piece, w = (f"{sign} {text}" if sign else text), (PLUS if sign else 0.0) + _WIDTH.measure(term, k == 0)
        if lines and lines[-1][1] + w > room:
            lines.append((piece, w))
        elif lines:
            lines[-1] = (f"{lines[-1][0]} {piece}", lines[-1][1] + w)
        else:
            lines.append((piece, w))
    return [text for text, _ in lines]
