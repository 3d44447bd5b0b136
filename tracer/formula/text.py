"""The plain-text printer of formula trees: check reports and the terminal.

``w5 - eta · dE/dw5``, ``1/(1 + exp(-net_h1))``, ``(1 if net_n3 > 0 else 0)``: readable in
any terminal and any e-mail, with names in their plain form.
"""
from __future__ import annotations

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

_SIGNS = {"cdot": " · ", "odot": " ⊙ ", "space": " ", "thin": " "}
_DOTS = {"h": "...", "v": "...", "d": "..."}
_ATOMS = (Symbol, Number, Gap, Text, Apply, Group, Matrix, Sqrt, Abs)


class TextPrinter(FormulaPrinter[str]):
    def _print_Symbol(self, node: Symbol, lead: bool) -> str:
        return node.text

    def _print_Number(self, node: Number, lead: bool) -> str:
        return self.number(node, lead)

    def _print_Text(self, node: Text, lead: bool) -> str:
        return node.text

    def _print_Gap(self, node: Gap, lead: bool) -> str:
        return _DOTS[node.direction]

    def _print_Add(self, node: Add, lead: bool) -> str:
        return " + ".join(self.print(t, lead and k == 0) for k, t in enumerate(node.terms))

    def _print_Sub(self, node: Sub, lead: bool) -> str:
        return f"{self.print(node.left, lead)} - {self.print(node.right)}"

    def _print_Neg(self, node: Neg, lead: bool) -> str:
        return self.print(node.body) if node.vanishes else f"-{self.grouped(node.body)}"

    def _print_Mul(self, node: Mul, lead: bool) -> str:
        if node.sign != "juxtapose":
            return _SIGNS[node.sign].join(
                self.print(f, lead and k == 0) if isinstance(f, (*_ATOMS, Frac, Pow, Mul))
                else f"({self.print(f, True)})" for k, f in enumerate(node.factors))
        out = ""  # 2(o - t), t ln o, (1/2)(t - o)^2: a space only between words
        for k, f in enumerate(node.factors):
            part = self.print(f, lead and k == 0) if isinstance(f, _ATOMS + (Pow,)) else f"({self.print(f, True)})"
            out += part if not out or part.startswith("(") else " " + part
        return out

    def _print_Frac(self, node: Frac, lead: bool) -> str:
        return f"{self.grouped(node.num)}/{self.grouped(node.den)}"

    def _print_Pow(self, node: Pow, lead: bool) -> str:
        if isinstance(node.base, Symbol) and node.base.text == "e":
            return f"exp({self.print(node.exp, True)})"
        return f"{self.grouped(node.base)}^{self.grouped(node.exp)}"

    def _print_Sqrt(self, node: Sqrt, lead: bool) -> str:
        return f"sqrt({self.print(node.body, True)})"

    def _print_Abs(self, node: Abs, lead: bool) -> str:
        return f"|{self.print(node.body, True)}|"

    def _print_Apply(self, node: Apply, lead: bool) -> str:
        args = ", ".join(self.print(a, True) for a in node.arguments)
        if node.bare and len(node.args) == 1 and isinstance(node.args[0], (Symbol, Number)):
            return f"{node.func.text} {args}"
        return f"{node.func.text}({args})"

    def _print_Sigma(self, node: Sigma, lead: bool) -> str:
        if node.index is None:
            return f"sum {self.print(node.body, True)}"
        if node.start is None:
            return f"sum_{self.print(node.index, True)} {self.print(node.body, True)}"
        stop = "" if node.stop is None else f"..{self.print(node.stop, True)}"
        return f"sum_({self.print(node.index, True)}={self.print(node.start, True)}{stop}) {self.print(node.body, True)}"

    def _print_Blank(self, node: Blank, lead: bool) -> str:
        return "________"

    def _print_Displayed(self, node: Displayed, lead: bool) -> str:
        return self.print(node.body, lead)

    def _print_Boxed(self, node: Boxed, lead: bool) -> str:
        return f"[{self.print(node.body, True)}]"

    def _print_Listing(self, node: Listing, lead: bool) -> str:
        return (",    " if node.spaced else ", ").join(self.print(item, True) for item in node.items)

    def _print_Floor(self, node: Floor, lead: bool) -> str:
        return f"floor({self.print(node.body, True)})"

    def _print_Group(self, node: Group, lead: bool) -> str:
        return f"({self.print(node.body, True)})"

    def _print_Cases(self, node: Cases, lead: bool) -> str:
        rows = list(node.rows)  # (a if cond else b), nested for more rows
        text = self.print(rows[-1][0], True)
        for value, when in reversed(rows[:-1]):
            text = f"{self.print(value, True)} if {self.print(when, True) if when else 'otherwise'} else {text}"
        return f"({text})"

    def _print_Relation(self, node: Relation, lead: bool) -> str:
        return f"{self.print(node.left, lead)} {node.op} {self.print(node.right, True)}"

    def _print_Where(self, node: Where, lead: bool) -> str:
        return f"{self.print(node.body, lead)}  ({self.print(node.reason, True)})"

    def _print_Matrix(self, node: Matrix, lead: bool) -> str:
        return "[" + "; ".join(", ".join(self.print(c, True) for c in row) for row in node.rows) + "]"

    def grouped(self, node: Node) -> str:
        """A part of a fraction or power: bracketed unless it is one symbol, number or call."""
        text = self.print(node, True)
        atomic = isinstance(node, _ATOMS) or (isinstance(node, Pow) and text.startswith("exp("))
        return text if atomic and not (isinstance(node, Number) and node.negative) else f"({text})"


_PRINTER = TextPrinter()


def text(node: Node) -> str:
    """A formula tree as plain text."""
    return _PRINTER.doprint(node)
