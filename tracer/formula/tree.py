"""The formula tree: the few node types a worked solution's formulas need.

Every formula tracer prints is built as such a tree (by an op of the engine, an activation,
a loss or a view) and printed by one printer per output (``tracer.formula.latex``,
``tracer.formula.text``; sympy's ``_print_<Node>`` pattern). The same tree with symbols
at its leaves is the general formula; with numbers at its leaves it is the substitution.

Leaves are ``Symbol`` (a name in each form it is printed in) and ``Number`` (a value as it
is shown, e.g. ``"0.5933"``: the text is what a reader sees, the float what it stands for).
Negative numbers get their brackets from the printer, by position: ``0.4 \\cdot (-0.2)``,
``-0.2 \\cdot 0.4``, ``\\tanh(-0.24)``.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "Abs", "Add", "Apply", "Blank", "Cases", "Displayed", "Floor", "Frac", "Gap", "Group", "Matrix", "Mul", "Neg", "Node",
    "Number", "Pow", "Relation", "Sigma", "Slot", "Sqrt", "Sub", "Symbol", "Text", "Where", "number", "symbol",
]


class Node:
    """A node of a formula. Subclasses are frozen dataclasses; printers dispatch on the class name."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Symbol(Node):
    """A name: its LaTeX (``net_{h1}``, ``\\delta_{o1}``) and its plain text (``net_h1``)."""

    latex: str
    text: str


@dataclass(frozen=True, slots=True)
class Number(Node):
    """A value as shown (``"0.5933"``, ``"-0.2"``); ``value`` is the float it stands for."""

    text: str
    value: float | None = None
    entry: int | None = None   # the log entry whose value this is, in a whole-layer matrix (HTML marks the cell)
    made: int | None = None    # an operand's: the entry that computed it (a matrix pads it as it pads that
                               # entry: σ([1.1000, 2.0000]) as Z was printed, not σ([1.1000, 2]); not marked)

    @property
    def negative(self) -> bool:
        return self.text.startswith("-")

    @property
    def scientific(self) -> tuple[str, int] | None:
        """``(mantissa, exponent)`` for a decimal below 0.0001 in size, digit for digit
        (0.0000000002477 is 2.477 · 10^-10, 0.000003000 is 3.000 · 10^-6), else None: a
        page sets such a number in powers of ten rather than as a run of zeros."""
        return _scientific(self.text)


@dataclass(frozen=True, slots=True)
class Text(Node):
    """Words inside a formula (``if``, ``otherwise``), printed upright."""

    text: str


@dataclass(frozen=True, slots=True)
class Gap(Node):
    """The ellipsis standing for elided terms: along a sum or row (⋯), down a column (⋮),
    or both (⋱): ``direction`` h, v or d."""

    direction: str = "h"


@dataclass(frozen=True, slots=True)
class Slot(Node):
    """A leaf left open: the ``index``-th argument of a formula printed once as a template
    (``tracer.formula.latex.template``), for formulas of the same shape printed thousands of times."""

    index: int


@dataclass(frozen=True, slots=True)
class Add(Node):
    """a + b + c"""

    terms: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Sub(Node):
    """a - b"""

    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Neg(Node):
    """-a"""

    body: Node

    @property
    def vanishes(self) -> bool:
        """Whether the body is a number written as zero (0, 0.0000): −0 is 0, so printers
        write the number alone (a sigmoid of a zero net is 1/(1 + e^{0}), not e^{-0})."""
        return isinstance(self.body, Number) and _zero(self.body.text)


@dataclass(frozen=True, slots=True)
class Mul(Node):
    """a · b · c; ``juxtapose`` writes the factors side by side (out(1 - out)), ``odot``
    multiplies element by element (⊙), ``space`` and ``thin`` side by side with a space
    (``W_{k,m} x_{m}``) or a thin space (``K \\, X``) between every two factors."""

    factors: tuple[Node, ...]
    sign: str = "cdot"   # cdot | juxtapose | odot | space | thin


@dataclass(frozen=True, slots=True)
class Frac(Node):
    """numerator over denominator"""

    num: Node
    den: Node


@dataclass(frozen=True, slots=True)
class Pow(Node):
    """base to the exponent"""

    base: Node
    exp: Node


@dataclass(frozen=True, slots=True)
class Sqrt(Node):
    """The square root of ``body``: √v̂ (an optimizer's step size), √(v̂ + ε)."""

    body: Node


@dataclass(frozen=True, slots=True)
class Abs(Node):
    """The absolute value |w| (an L1 penalty)."""

    body: Node


@dataclass(frozen=True, slots=True)
class Apply(Node):
    """A function applied: ``\\tanh(x)``, ``\\max(0, x)``, ``\\ln o`` (``bare``: no brackets
    around a one-symbol argument, as ln is written)."""

    func: Symbol
    args: tuple[Node, ...]
    bare: bool = False
    sized: bool = False   # brackets that grow with the argument: σ\left([..]\right)

    @property
    def arguments(self) -> tuple[Node, ...]:
        """The arguments as printed inside the call's own brackets: a lone bracketed argument
        loses its brackets (tanh(−0.24), never tanh((−0.24)))."""
        if len(self.args) == 1 and isinstance(self.args[0], Group):
            return (self.args[0].body,)
        return self.args


@dataclass(frozen=True, slots=True)
class Sigma(Node):
    """A sum over an index written with the summation sign: Σ_k e^{x_k}, or with its range
    (``start``, ``stop``): Σ_{i=1}^{2} x_i; ``brief``: a one-letter index written without
    braces, as the setup's ``\\sum_j E_j``."""

    index: Node | None   # None: the bare sign, as a table header's \\sum (t - y)^{2}
    body: Node
    start: Node | None = None
    stop: Node | None = None
    brief: bool = False


@dataclass(frozen=True, slots=True)
class Group(Node):
    """Brackets a reader needs: ``(1 - o)``; ``sized`` grows them with their content."""

    body: Node
    sized: bool = False


@dataclass(frozen=True, slots=True)
class Cases(Node):
    """A definition by cases: (value, condition) rows; a condition None is ``otherwise``;
    ``bare``: the conditions without the word "if" (a Jacobian's k = j, k ≠ j)."""

    rows: tuple[tuple[Node, Node | None], ...]
    bare: bool = False


@dataclass(frozen=True, slots=True)
class Relation(Node):
    """a > b, a ≤ b, a = b, a ≠ b, a ← b, a → b, a += b: ``op`` is one of ``> < >= <= = != <- -> +=``
    (``<-``: an assignment, a learning rule's w ← w + ...; ``->``: a path, n3 → n6 → n9;
    ``+=``: an accumulation)."""

    left: Node
    op: str
    right: Node


@dataclass(frozen=True, slots=True)
class Where(Node):
    """A value with the reason it applies: ``1 \\quad (0.343 > 0)``."""

    body: Node
    reason: Node


@dataclass(frozen=True, slots=True)
class Floor(Node):
    """The floor of a value, ⌊x⌋ (an output size of a convolution or pooling layer)."""

    body: Node


@dataclass(frozen=True, slots=True)
class Listing(Node):
    """Items separated by commas in one line of math: ``i_1 = 0.05, i_2 = 0.1`` (``spaced``: a
    wide space after each comma, two formulas side by side)."""

    items: tuple[Node, ...]
    spaced: bool = False


@dataclass(frozen=True, slots=True)
class Boxed(Node):
    """A value framed (the cells of a feature map that a worked cell reads)."""

    body: Node


@dataclass(frozen=True, slots=True)
class Blank(Node):
    """An answer line left empty on an exercise sheet (``width``: a TeX length, 4cm)."""

    width: str = "4cm"


@dataclass(frozen=True, slots=True)
class Displayed(Node):
    """A formula set in display size inside running text (an exercise's question line)."""

    body: Node


@dataclass(frozen=True, slots=True)
class Matrix(Node):
    """A matrix or column of cells (a ``Gap`` cell is an elided run)."""

    rows: tuple[tuple[Node, ...], ...]


def symbol(latex: str, text: str | None = None) -> Symbol:
    """A symbol whose plain text is its LaTeX unless given (``x``, ``e``, ``1``)."""
    return Symbol(latex, latex if text is None else text)


def number(text: str, value: float | None = None) -> Number:
    return Number(text, value)


def elided(terms: Sequence[Node], max_terms: int | None) -> tuple[Node, ...]:
    """Keep long sums printable: first terms, a gap, the last term (as ``ops.elide`` does for text)."""
    if max_terms is None or len(terms) <= max_terms + 1 or max_terms < 2:   # a gap for one term saves nothing
        return tuple(terms)
    return (*terms[: max_terms - 1], Gap(), terms[-1])


#: A number with at least this many zeros after its decimal point is set in powers of ten.
SCIENTIFIC_ZEROS = 4


def _scientific(text: str) -> tuple[str, int] | None:
    sign, body = ("-", text[1:]) if text.startswith("-") else ("", text)
    if not body.startswith("0." + "0" * SCIENTIFIC_ZEROS):
        return None
    fraction = body[2:]
    digits = fraction.lstrip("0")
    if not digits.isdigit():
        return None
    exponent = -(len(fraction) - len(digits) + 1)
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return sign + mantissa, exponent


def _zero(text: str) -> bool:
    """Whether a number's text is a zero: 0, 0.0000, -0.00 (not 0.5, not 1e-8)."""
    return bool(text) and all(c in "+-0." for c in text) and "0" in text
