"""Operations: each owns its value, its LaTeX formula and its sympy form.

An entry of the trace log is ``op(operands)``. The same op prints the general formula
(operand symbols), the substitution (operand values as shown) and builds the sympy
expression, so the three can never disagree; the checker re-evaluates an op on a
student's own operand values to detect error carried forward.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, NamedTuple, Sequence

if TYPE_CHECKING:
    import sympy
else:  # imported on first use: tracing and rendering need no sympy (tracer/_lazy.py)
    from .._lazy import sympy


class Operand(NamedTuple):
    """One input of an operation: a symbol with its value, and the entry that made it."""

    name: str
    latex: str
    value: float
    shown: str
    entry: int | None = None  # index of the log entry it comes from; None for given data


def paren(text: str) -> str:
    """Negative numbers get brackets when put into a formula: 0.4 \\cdot (-0.2)."""
    return f"({text})" if text.startswith("-") else text


def elide(terms: Sequence[str], max_terms: int | None, gap: str = "\\cdots") -> list[str]:
    """Keep long sums printable: first terms, an ellipsis (``gap``), the last term."""
    if max_terms is None or len(terms) <= max_terms or max_terms < 2:
        return list(terms)
    return [*terms[: max_terms - 1], gap, terms[-1]]


class Op:
    """Base operation. Subclasses define ``render``, ``sympy`` and ``evaluate``."""

    #: The first operand opens the formula (w - η·g, t - o, a + b): a negative value needs no brackets.
    bare_first: ClassVar[bool] = False

    def operand_texts(self, shown: Sequence[str]) -> list[str]:
        """Values as they go into the formula: negative ones bracketed where they need it."""
        return [text if k == 0 and self.bare_first else paren(text) for k, text in enumerate(shown)]

    def render(self, texts: Sequence[str], max_terms: int | None = None) -> str:
        raise NotImplementedError

    def substitute(self, texts: Sequence[str], values: Sequence[float],
                   max_terms: int | None = None) -> str:
        """The formula with numbers put in; ops whose printed case depends on a value override it."""
        return self.render(texts, max_terms)

    def sympy(self, symbols: Sequence[sympy.Expr]) -> sympy.Expr:
        raise NotImplementedError

    def evaluate(self, values: Sequence[float]) -> float:
        raise NotImplementedError


@dataclass(frozen=True)
class WeightedSum(Op):
    """net = w1·x1 + w2·x2 + ... (+ b); operands are (w, x) pairs, then the bias if any."""

    bare_first: ClassVar[bool] = True

    has_bias: bool

    def _split(self, items: Sequence):
        n = len(items) - (1 if self.has_bias else 0)
        pairs = [(items[k], items[k + 1]) for k in range(0, n, 2)]
        return pairs, (items[-1] if self.has_bias else None)

    def render(self, texts, max_terms=None):
        pairs, bias = self._split(texts)
        terms = [f"{w} \\cdot {x}" for w, x in pairs]
        if bias is not None:
            terms = [*elide(terms, max_terms - 1 if max_terms else None), bias]
            return " + ".join(terms)
        return " + ".join(elide(terms, max_terms))

    def sympy(self, symbols):
        pairs, bias = self._split(symbols)
        return sympy.Add(*[w * x for w, x in pairs], *([bias] if bias is not None else []))

    def evaluate(self, values):
        pairs, bias = self._split(values)
        return math.fsum([w * x for w, x in pairs] + ([bias] if bias is not None else []))


@dataclass(frozen=True)
class Sum(Op):
    """a + b + c: total loss, backpropagated error, shared-bias gradient."""

    bare_first: ClassVar[bool] = True

    def render(self, texts, max_terms=None):
        return " + ".join(elide(texts, max_terms))

    def sympy(self, symbols):
        return sympy.Add(*symbols)

    def evaluate(self, values):
        return math.fsum(values)


@dataclass(frozen=True)
class Mean(Op):
    """(1/k)(g1 + ... + gk): the gradient a mini-batch update uses."""

    bare_first: ClassVar[bool] = True

    def render(self, texts, max_terms=None):
        return f"\\frac{{1}}{{{len(texts)}}}\\left({' + '.join(elide(texts, max_terms))}\\right)"

    def sympy(self, symbols):
        return sympy.Add(*symbols) / len(symbols)

    def evaluate(self, values):
        return math.fsum(values) / len(values)


@dataclass(frozen=True)
class Difference(Op):
    """a - b: the error target - output, or the gradient out - target."""

    bare_first: ClassVar[bool] = True

    def render(self, texts, max_terms=None):
        return f"{texts[0]} - {texts[1]}"

    def sympy(self, symbols):
        return symbols[0] - symbols[1]

    def evaluate(self, values):
        return values[0] - values[1]


@dataclass(frozen=True)
class Product(Op):
    """a · b · ...: chain-rule factors multiplied."""

    bare_first: ClassVar[bool] = True

    def render(self, texts, max_terms=None):
        return " \\cdot ".join(texts)

    def sympy(self, symbols):
        return sympy.Mul(*symbols)

    def evaluate(self, values):
        return math.prod(values)


@dataclass(frozen=True)
class Identity(Op):
    """a: a gradient that is just the delta (a per-neuron bias)."""

    bare_first: ClassVar[bool] = True

    def render(self, texts, max_terms=None):
        return texts[0]

    def sympy(self, symbols):
        return symbols[0]

    def evaluate(self, values):
        return values[0]


@dataclass(frozen=True)
class Update(Op):
    """w - η·g: one gradient-descent step; operands are (w, η, g)."""

    bare_first: ClassVar[bool] = True

    def render(self, texts, max_terms=None):
        return f"{texts[0]} - {texts[1]} \\cdot {texts[2]}"

    def sympy(self, symbols):
        return symbols[0] - symbols[1] * symbols[2]

    def evaluate(self, values):
        return values[0] - values[1] * values[2]
