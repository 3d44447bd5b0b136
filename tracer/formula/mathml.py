"""The MathML printer of formula trees (the HTML walkthrough), and names as MathML.

Browsers render MathML Core natively (Chromium since 109, Firefox, Safari), so an HTML
walkthrough needs no script and no network for its math. Every ``<math>`` carries the
LaTeX of the same tree in ``alttext`` (``tracer.formula.latex``), for screen readers
that prefer it and for copying.

A name (``Symbol.latex``) is a pattern from the small LaTeX subset that
``tracer.formula.names`` validates; :func:`mathml_name` converts that subset, and only
that: whole formulas are trees, never LaTeX parsed back.
"""
from __future__ import annotations

import functools
import re
from html import escape

from .latex import latex
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

__all__ = ["MathmlPrinter", "math_element", "mathml", "mathml_name"]

_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "varpi": "ϖ", "rho": "ρ",
    "varrho": "ϱ", "sigma": "σ", "varsigma": "ς", "tau": "τ", "upsilon": "υ", "phi": "ϕ",
    "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ",
    "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ", "Upsilon": "Υ",
    "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
_OPERATORS = {"(": "(", ")": ")", "[": "[", "]": "]", ",": ",", "+": "+", "-": "\u2212",
              "'": "\u2032", ":": ":"}
#: Operators a name or a general index may hold: a · b, x_1, …, x_n, (i,j):\, (p,q) \in window(i,j).
_SYMBOLS = {"cdot": "<mo>·</mo>", "ldots": "<mo>…</mo>", "cdots": "<mo>⋯</mo>", "odot": "<mo>⊙</mo>",
            "in": "<mo>∈</mo>", ",": '<mspace width="0.1667em"></mspace>'}
_WORDS = frozenset(["tanh", "tan", "sinh", "cosh", "sin", "cos", "ln", "log", "exp", "max", "min", "sgn"])
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[A-Za-z]+|[0-9]+|\s+|.", re.DOTALL)

#: Function names written as LaTeX control words or \operatorname (not names of quantities).
_FUNCTION = re.compile(r"\\(?:operatorname\{([A-Za-z]+)\}|(tanh|tan|sinh|cosh|sin|cos|ln|log|exp|max|min|"
                       r"softmax|sgn))")


def _mi(text: str, normal: bool = False) -> str:
    attr = ' mathvariant="normal"' if normal and len(text) == 1 else ""
    return f"<mi{attr}>{escape(text, quote=False)}</mi>"


class _NameReader:
    """Reads the name subset: atoms (letters, digits, Greek, \\mathrm, \\text, \\hat, braces,
    \\frac of \\partial names, punctuation) with ``_``/``^`` scripts."""

    def __init__(self, s: str) -> None:
        self.tokens = [t for t in _TOKEN.findall(s) if not t.isspace()]
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def sequence(self, stop: str | None = None) -> list[str]:
        """Atoms up to ``stop`` (a closing brace) or the end, scripts attached."""
        out: list[str] = []
        while self.peek() is not None and self.peek() != stop:
            token = self.peek()
            if token in ("_", "^"):
                self.take()
                base = out.pop() if out else "<mrow></mrow>"
                out.append(self.scripts(base, token))
            else:
                out.append(self.atom())
        if stop is not None and self.peek() == stop:
            self.take()
        return out

    def scripts(self, base: str, first: str) -> str:
        """``base_x``, ``base^y`` or both (in either order)."""
        sub = sup = None
        script: str | None = first
        while script is not None:
            arg = self.argument()
            if script == "_":
                sub = arg
            else:
                sup = arg
            nxt = self.peek()
            script = None
            if nxt in ("_", "^") and ((nxt == "_" and sub is None) or (nxt == "^" and sup is None)):
                script = self.take()
        if sub is not None and sup is not None:
            return f"<msubsup>{base}{sub}{sup}</msubsup>"
        if sub is not None:
            return f"<msub>{base}{sub}</msub>"
        return f"<msup>{base}{sup}</msup>"

    def argument(self) -> str:
        """A braced group as one mrow, or the next single character (``x_1``, ``w_{12}``)."""
        if self.peek() == "{":
            self.take()
            return _row(self.sequence("}"))
        if self.peek() is None:
            return "<mrow></mrow>"
        token = self.peek()
        assert token is not None
        if token[0].isalnum() and len(token) > 1:  # x_12 subscripts the 1 only, as TeX does
            self.tokens[self.pos] = token[1:]
            return self.single(token[0])
        return self.atom()

    def group_text(self) -> str:
        """The raw text of a braced argument (\\mathrm{out}, \\text{total})."""
        if self.peek() != "{":
            return self.take() if self.peek() is not None else ""
        self.take()
        depth, parts = 1, []
        while self.peek() is not None:
            token = self.take()
            depth += {"{": 1, "}": -1}.get(token, 0)
            if depth == 0:
                break
            parts.append(token)
        return "".join(p for p in parts if p not in "{}")

    def single(self, ch: str) -> str:
        return f"<mn>{ch}</mn>" if ch.isdigit() else _mi(ch)

    def atom(self) -> str:
        token = self.take()
        if token == "{":
            return _row(self.sequence("}"))
        if token.isdigit():
            return f"<mn>{token}</mn>"
        if token.isalpha():
            return _mi(token)
        if token.startswith("\\"):
            return self.command(token[1:])
        if token in _OPERATORS:
            return f"<mo>{_OPERATORS[token]}</mo>"
        raise ValueError(f"character {token!r} is not allowed in a math name")

    def command(self, name: str) -> str:
        if name in _GREEK:
            return _mi(_GREEK[name], normal=name[0].isupper())
        if name == "partial":
            return _mi("∂", normal=True)
        if name in _SYMBOLS:  # the operators a general index may hold: (i,j):\\, (p,q) \\in ...
            return _SYMBOLS[name]
        if name == "_":
            return "<mi>_</mi>"
        if name == "mathrm":
            return _mi(self.group_text(), normal=True)
        if name == "operatorname":  # a function's name with a prime or script: \operatorname{ReLU}'
            return _mi(self.group_text())
        if name == "text":
            return f"<mtext>{escape(self.group_text(), quote=False)}</mtext>"
        if name == "hat":
            return f'<mover accent="true">{self.argument()}<mo>^</mo></mover>'
        if name in ("left", "right"):  # \left.X\right|_{k}: the engine's value-at-example bar
            delimiter = self.take() if self.peek() is not None else "."
            return "" if delimiter == "." else f"<mo>{escape(delimiter, quote=False)}</mo>"
        if name in _WORDS:
            return _mi(name)
        if name == "frac":
            return f"<mfrac>{self.argument()}{self.argument()}</mfrac>"
        raise ValueError(f"macro \\{name} is not allowed in a math name")


def _row(items: list[str]) -> str:
    items = [item for item in items if item]
    return items[0] if len(items) == 1 else f"<mrow>{''.join(items)}</mrow>"


@functools.lru_cache(maxsize=65536)
def mathml_name(name: str) -> str:
    r"""A name from the notation subset as MathML (the inside of a ``<math>``).

    ``net_{h1}`` -> ``<msub><mi>net</mi><mrow><mi>h</mi><mn>1</mn></mrow></msub>``;
    ``\hat{y}_{o1}``, ``\delta^{(2)}_{3}``, ``\frac{\partial E}{\partial w_{1}}`` likewise.
    A word of letters is one identifier (upright, as MathML prints several letters).
    Besides the subset, the engine's own ``\left.X\right|_{k}`` (X of example k) and the
    function words (``\tanh``, ``\operatorname{ReLU}``). Anything else raises ValueError.
    """
    function = _FUNCTION.fullmatch(name.strip())
    if function:
        return _mi(function.group(1) or function.group(2))
    return _row(_NameReader(name).sequence()) if name.strip() else "<mrow></mrow>"


_RELATIONS = {">": "&gt;", "<": "&lt;", ">=": "≥", "<=": "≤", "=": "=", "!=": "≠", "<-": "←", "->": "→", "+=": "+="}
_SIGNS = {"cdot": "<mo>·</mo>", "odot": "<mo>⊙</mo>", "juxtapose": "", "space": "<mo>\u2062</mo>",
          "thin": '<mspace width="0.1667em"></mspace>'}
_DOTS = {"h": "⋯", "v": "⋮", "d": "⋱"}
_MINUS = "<mo>\u2212</mo>"


def _bracketed(body: str) -> str:
    return f'<mrow><mo stretchy="false">(</mo>{body}<mo stretchy="false">)</mo></mrow>'


class MathmlPrinter(FormulaPrinter):
    """One ``_print_<Node>`` method per node type, as ``tracer.formula.latex``; the output
    is the inside of a ``<math>`` element (``math_element`` wraps it)."""

    def _print_Symbol(self, node: Symbol, lead: bool) -> str:
        return mathml_name(node.latex)

    def _print_Number(self, node: Number, lead: bool) -> str:
        sci = node.scientific
        if sci is not None:   # 2.477 × 10^−10, as the LaTeX printer sets it
            mantissa, exponent = sci
            body = (f"{_MINUS if mantissa.startswith('-') else ''}<mn>{mantissa.lstrip('-')}</mn><mo>\u00d7</mo>"
                    f"<msup><mn>10</mn><mrow>{_MINUS}<mn>{-exponent}</mn></mrow></msup>")
            return f"<mrow>{body}</mrow>" if lead or not node.negative else _bracketed(body)
        text = escape(node.text, quote=False)
        if not node.negative:
            return f"<mn>{text}</mn>"
        signed = f"<mrow>{_MINUS}<mn>{text[1:]}</mn></mrow>"
        return signed if lead else f'<mrow><mo stretchy="false">(</mo>{signed}<mo stretchy="false">)</mo></mrow>'

    def _print_Text(self, node: Text, lead: bool) -> str:
        return f"<mtext>{escape(node.text, quote=False)}</mtext>"

    def _print_Gap(self, node: Gap, lead: bool) -> str:
        return f"<mo>{_DOTS[node.direction]}</mo>"

    def _print_Add(self, node: Add, lead: bool) -> str:
        return "<mrow>" + "<mo>+</mo>".join(self.print(t, lead and k == 0) for k, t in enumerate(node.terms)) + "</mrow>"

    def _print_Sub(self, node: Sub, lead: bool) -> str:
        return f"<mrow>{self.print(node.left, lead)}{_MINUS}{self.print(node.right)}</mrow>"

    def _print_Neg(self, node: Neg, lead: bool) -> str:
        return self.print(node.body) if node.vanishes else f"<mrow>{_MINUS}{self.print(node.body)}</mrow>"

    def _print_Mul(self, node: Mul, lead: bool) -> str:
        sign = _SIGNS[node.sign]
        return "<mrow>" + sign.join(self.factor(f, lead and k == 0) for k, f in enumerate(node.factors)) + "</mrow>"

    def factor(self, node: Node, lead: bool) -> str:
        """A factor or a power's base: a number in powers of ten bracketed, as in LaTeX."""
        text = self.print(node, lead)
        if isinstance(node, Number) and node.scientific is not None and not (node.negative and not lead):
            return _bracketed(text)
        return text

    def _print_Frac(self, node: Frac, lead: bool) -> str:
        return f"<mfrac>{self.print(node.num, True)}{self.print(node.den, True)}</mfrac>"

    def _print_Pow(self, node: Pow, lead: bool) -> str:
        return f"<msup>{self.factor(node.base, False)}{self.print(node.exp, True)}</msup>"

    def _print_Apply(self, node: Apply, lead: bool) -> str:
        name = mathml_name(node.func.latex)
        args = "<mo>,</mo>".join(self.print(a, True) for a in node.arguments)
        if node.bare and len(node.args) == 1 and isinstance(node.args[0], (Symbol, Number)):
            return f"<mrow>{name}<mo>\u2061</mo>{args}</mrow>"
        return f'<mrow>{name}<mo>\u2061</mo><mrow><mo>(</mo>{args}<mo>)</mo></mrow></mrow>'

    def _print_Sigma(self, node: Sigma, lead: bool) -> str:
        if node.index is None:
            return f"<mrow><mo>∑</mo>{self.print(node.body, True)}</mrow>"
        below = self.print(node.index, True)
        if node.start is not None:
            below = f"<mrow>{below}<mo>=</mo>{self.print(node.start, True)}</mrow>"
        if node.stop is not None:
            return (f"<mrow><munderover><mo>∑</mo>{below}{self.print(node.stop, True)}</munderover>"
                    f"{self.print(node.body, True)}</mrow>")
        return f"<mrow><munder><mo>∑</mo>{below}</munder>{self.print(node.body, True)}</mrow>"

    def _print_Sqrt(self, node: Sqrt, lead: bool) -> str:
        return f"<msqrt>{self.print(node.body, True)}</msqrt>"

    def _print_Blank(self, node: Blank, lead: bool) -> str:
        return f'<mspace class="blank" width="{escape(node.width)}"></mspace>'

    def _print_Displayed(self, node: Displayed, lead: bool) -> str:
        return f'<mstyle displaystyle="true">{self.print(node.body, lead)}</mstyle>'

    def _print_Boxed(self, node: Boxed, lead: bool) -> str:
        return f'<mrow class="boxed">{self.print(node.body, True)}</mrow>'

    def _print_Listing(self, node: Listing, lead: bool) -> str:
        comma = '<mo separator="true">,</mo>' + ('<mspace width="2em"></mspace>' if node.spaced else "")
        return "<mrow>" + comma.join(self.print(item, True) for item in node.items) + "</mrow>"

    def _print_Floor(self, node: Floor, lead: bool) -> str:
        return f"<mrow><mo>&#x230A;</mo>{self.print(node.body, True)}<mo>&#x230B;</mo></mrow>"

    def _print_Abs(self, node: Abs, lead: bool) -> str:
        return f"<mrow><mo>|</mo>{self.print(node.body, True)}<mo>|</mo></mrow>"

    def _print_Group(self, node: Group, lead: bool) -> str:
        stretch = "" if node.sized else ' stretchy="false"'
        return f"<mrow><mo{stretch}>(</mo>{self.print(node.body, True)}<mo{stretch}>)</mo></mrow>"

    def _print_Cases(self, node: Cases, lead: bool) -> str:
        rows = "".join(
            f"<mtr><mtd>{self.print(value, True)}</mtd><mtd>"
            + (("" if node.bare else "<mtext>if\u00a0</mtext>") + self.print(when, True) if when is not None
               else "<mtext>otherwise</mtext>")
            + "</mtd></mtr>" for value, when in node.rows)
        return f'<mrow><mo>{{</mo><mtable columnalign="left left">{rows}</mtable></mrow>'

    def _print_Relation(self, node: Relation, lead: bool) -> str:
        return f"<mrow>{self.print(node.left, lead)}<mo>{_RELATIONS[node.op]}</mo>{self.print(node.right, True)}</mrow>"

    def _print_Where(self, node: Where, lead: bool) -> str:
        return (f'<mrow>{self.print(node.body, lead)}<mspace width="1em"></mspace>'
                f'<mo stretchy="false">(</mo>{self.print(node.reason, True)}<mo stretchy="false">)</mo></mrow>')

    def _print_Matrix(self, node: Matrix, lead: bool) -> str:
        rows = "".join("<mtr>" + "".join(f"<mtd{_cell_tag(c)}>{self.print(c, True)}</mtd>" for c in row) + "</mtr>"
                       for row in node.rows)
        return f"<mrow><mo>[</mo><mtable>{rows}</mtable><mo>]</mo></mrow>"


def _cell_tag(cell: Node) -> str:
    """``data-e="N"``: the cell shows log entry N's value (the HTML page marks it for stepping)."""
    return f' data-e="{cell.entry}"' if isinstance(cell, Number) and cell.entry is not None else ""


_PRINTER = MathmlPrinter()


def mathml(node: Node) -> str:
    """A formula tree as the inside of a ``<math>`` element."""
    return _PRINTER.doprint(node)


def math_element(inner: str, alttext: str, display: bool = False) -> str:
    """``<math>`` around printed MathML, the LaTeX in ``alttext`` (escaped for the attribute)."""
    block = ' display="block"' if display else ""
    return f'<math{block} alttext="{escape(alttext)}">{inner}</math>'


def math(node: Node, display: bool = False) -> str:
    """A whole ``<math>`` element for a tree, its LaTeX as alttext."""
    return math_element(mathml(node), latex(node), display)
