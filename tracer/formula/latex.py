"""The LaTeX printer of formula trees (Markdown and LaTeX walkthroughs, the JSON trace)."""
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
    Slot,
    Sqrt,
    Sub,
    Symbol,
    Text,
    Where,
)

_RELATIONS = {">": ">", "<": "<", ">=": "\\ge", "<=": "\\le", "=": "=", "!=": "\\neq", "<-": "\\leftarrow", "->": "\\to",
              "+=": "\\mathrel{+}="}
_SIGNS = {"cdot": " \\cdot ", "odot": " \\odot ", "space": " ", "thin": " \\, "}
_DOTS = {"h": "\\cdots", "v": "\\vdots", "d": "\\ddots"}
_ROW_END = " \\\\ "

#: amsmath's bmatrix accepts at most this many columns (MaxMatrixCols); wider ones use an array.
BMATRIX_COLUMNS = 10


class LatexPrinter(FormulaPrinter[str]):
    def _print_Symbol(self, node: Symbol, lead: bool) -> str:
        return node.latex

    def _print_Slot(self, node: Slot, lead: bool) -> str:
        return f"\x00{node.index}{'+' if lead else '-'}\x00"

    def _print_Number(self, node: Number, lead: bool) -> str:
        sci = node.scientific
        if sci is None:
            return self.number(node, lead)
        text = f"{sci[0]} \\times 10^{{{sci[1]}}}"
        return f"({text})" if node.negative and not lead else text

    def factor(self, node: Node, lead: bool) -> str:
        """A factor of a product or the base of a power: a number in powers of ten bracketed,
        0.5 \\cdot (6.752 \\times 10^{-6})."""
        text = self.print(node, lead)
        if isinstance(node, Number) and node.scientific is not None and not text.startswith("("):
            return f"({text})"
        return text

    def _print_Text(self, node: Text, lead: bool) -> str:
        return f"\\text{{{node.text}}}"

    def _print_Gap(self, node: Gap, lead: bool) -> str:
        return _DOTS[node.direction]

    def _print_Add(self, node: Add, lead: bool) -> str:
        return " + ".join(self.print(t, lead and k == 0) for k, t in enumerate(node.terms))

    def _print_Sub(self, node: Sub, lead: bool) -> str:
        return f"{self.print(node.left, lead)} - {self.print(node.right)}"

    def _print_Neg(self, node: Neg, lead: bool) -> str:
        return self.print(node.body) if node.vanishes else f"-{self.print(node.body)}"

    def _print_Mul(self, node: Mul, lead: bool) -> str:
        texts = [self.factor(f, lead and k == 0) for k, f in enumerate(node.factors)]
        if node.sign != "juxtapose":
            return _SIGNS[node.sign].join(texts)
        out = texts[0]  # a control word after a symbol or bracket is spaced: t \ln o, but \frac{1}{2}\left(
        for before, text in zip(node.factors, texts[1:]):
            out += (" " if text.startswith("\\") and not isinstance(before, Frac) else "") + text
        return out

    def _print_Frac(self, node: Frac, lead: bool) -> str:
        return f"\\frac{{{self.print(node.num, True)}}}{{{self.print(node.den, True)}}}"

    def _print_Pow(self, node: Pow, lead: bool) -> str:
        return f"{self.factor(node.base, False)}^{{{self.print(node.exp, True)}}}"

    def _print_Sqrt(self, node: Sqrt, lead: bool) -> str:
        return f"\\sqrt{{{self.print(node.body, True)}}}"

    def _print_Abs(self, node: Abs, lead: bool) -> str:
        return f"\\left|{self.print(node.body, True)}\\right|"

    def _print_Apply(self, node: Apply, lead: bool) -> str:
        args = ", ".join(self.print(a, True) for a in node.arguments)
        if node.bare and len(node.args) == 1 and isinstance(node.args[0], (Symbol, Number)):
            return f"{node.func.latex} {args}"
        if node.sized or (len(node.args) == 1 and isinstance(node.args[0], Group) and node.args[0].sized):
            return f"{node.func.latex}\\left({args}\\right)"
        return f"{node.func.latex}({args})"

    def _print_Sigma(self, node: Sigma, lead: bool) -> str:
        if node.index is None:
            return f"\\sum {self.print(node.body, True)}"
        index = self.print(node.index, True)
        below = index if node.start is None else f"{index}={self.print(node.start, True)}"
        above = "" if node.stop is None else f"^{{{self.print(node.stop, True)}}}"
        if node.brief and len(below) == 1:
            return f"\\sum_{below}{above} {self.print(node.body, True)}"
        return f"\\sum_{{{below}}}{above} {self.print(node.body, True)}"

    def _print_Group(self, node: Group, lead: bool) -> str:
        body = self.print(node.body, True)
        return f"\\left({body}\\right)" if node.sized else f"({body})"

    def _print_Blank(self, node: Blank, lead: bool) -> str:
        return f"\\underline{{\\hspace{{{node.width}}}}}"

    def _print_Displayed(self, node: Displayed, lead: bool) -> str:
        return f"\\displaystyle {self.print(node.body, lead)}"

    def _print_Boxed(self, node: Boxed, lead: bool) -> str:
        return f"\\boxed{{{self.print(node.body, True)}}}"

    def _print_Listing(self, node: Listing, lead: bool) -> str:
        return (", \\qquad " if node.spaced else ", ").join(self.print(item, True) for item in node.items)

    def _print_Floor(self, node: Floor, lead: bool) -> str:
        return f"\\left\\lfloor {self.print(node.body, True)} \\right\\rfloor"

    def _print_Cases(self, node: Cases, lead: bool) -> str:
        rows = [f"{self.print(value, True)} & "
                + (("" if node.bare else "\\text{if } ") + self.print(when, True) if when is not None
                   else "\\text{otherwise}")
                for value, when in node.rows]
        return f"\\begin{{cases}} {_ROW_END.join(rows)} \\end{{cases}}"

    def _print_Relation(self, node: Relation, lead: bool) -> str:
        return f"{self.print(node.left, lead)} {_RELATIONS[node.op]} {self.print(node.right, True)}"

    def _print_Where(self, node: Where, lead: bool) -> str:
        return f"{self.print(node.body, lead)} \\quad ({self.print(node.reason, True)})"

    def _print_Matrix(self, node: Matrix, lead: bool) -> str:
        """Wrapped in braces: a line broken between top-level terms never breaks inside it."""
        body = _ROW_END.join(" & ".join(self.print(c, True) for c in row) for row in node.rows)
        cols = len(node.rows[0]) if node.rows else 0
        if cols <= BMATRIX_COLUMNS:
            return f"{{\\begin{{bmatrix}} {body} \\end{{bmatrix}}}}"
        return f"{{\\left[\\begin{{array}}{{{'c' * cols}}} {body} \\end{{array}}\\right]}}"


_PRINTER = LatexPrinter()


def latex(node: Node) -> str:
    """A formula tree as LaTeX math."""
    return _PRINTER.doprint(node)


#: A formula printed once with open leaves: a format string with one ``{}`` per leaf, in
#: order, the argument index of each leaf, and whether each leads its context.
Template = tuple[str, tuple[int, ...], tuple[bool, ...]]


def template(node: Node) -> Template:
    """A tree with ``Slot`` leaves as a template that ``fill`` completes: the same LaTeX as
    printing the tree with the leaves put in, for trees whose printing does not depend on a
    leaf's own text (sums, differences and · products of leaves)."""
    pieces = latex(node).split("\x00")
    text, indexes, leads = [], [], []
    for k, piece in enumerate(pieces):
        if k % 2:
            indexes.append(int(piece[:-1]))
            leads.append(piece[-1] == "+")
            text.append("{}")
        else:
            text.append(piece.replace("{", "{{").replace("}", "}}"))
    return "".join(text), tuple(indexes), tuple(leads)


def fill(parts: Template, texts: list[str], numbers: bool) -> str:
    """The template with ``texts`` in its slots: names as they are, or numbers (``numbers``),
    a negative one bracketed unless it leads its context, as the printer brackets it."""
    fmt, indexes, leads = parts
    ordered = [texts[k] for k in indexes]
    if numbers:
        ordered = [t if lead or t[:1] != "-" else f"({t})" for t, lead in zip(ordered, leads)]
    return fmt.format(*ordered)
