"""Operations: each owns its value, its formula (a tree) and its sympy form.

An entry of the trace log is ``op(operands)``. The same op builds the formula tree of the
general formula (operand symbols at the leaves) and of the substitution (operand values as
shown), which every printer prints, and the sympy expression, so they can never disagree;
the checker re-evaluates an op on a student's own operand values to detect error carried
forward. Operands have named roles (``Op.roles``): consumers read ``entry.operand("grad")``,
not positions.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from ..formula.tree import Add, Frac, Group, Mul, Node, Number, Sub, elided

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
    """Base operation. Subclasses define ``tree``, ``sympy``, ``evaluate`` and ``roles``."""

    def tree(self, args: Sequence[Node], max_terms: int | None = None) -> Node:
        """The formula with ``args`` (symbols or numbers) at its leaves."""
        raise NotImplementedError

    def tree_at(self, args: Sequence[Node], values: Sequence[float],
                max_terms: int | None = None) -> Node:
        """The formula with numbers put in; ops whose printed case depends on a value override it."""
        return self.tree(args, max_terms)

    def roles(self, n: int) -> tuple[str, ...]:
        """The role of each of ``n`` operands, in order (``weight``, ``input``, ``bias``, ...)."""
        return ("term",) * n

    def sympy(self, symbols: Sequence[sympy.Expr]) -> sympy.Expr:
        raise NotImplementedError

    def evaluate(self, values: Sequence[float]) -> float:
        raise NotImplementedError


#: The pairs of a net: each weight times its sender's output.
NET_PAIR = ("weight", "input")
#: The pairs of a backpropagated ∂E/∂out: each receiving neuron's δ times its weight.
BACKPROPAGATED_PAIR = ("delta", "weight")


@dataclass(frozen=True)
class WeightedSum(Op):
    """net = w1·x1 + w2·x2 + ... (+ b); operands are pairs, then the bias if any. ``pair``
    names the roles of a pair's two operands: (weight, input) for a net, (delta, weight)
    for ∂E/∂out = Σ δ_k·w_k."""

    has_bias: bool
    pair: tuple[str, str] = NET_PAIR

    def _split(self, items: Sequence):
        n = len(items) - (1 if self.has_bias else 0)
        pairs = [(items[k], items[k + 1]) for k in range(0, n, 2)]
        return pairs, (items[-1] if self.has_bias else None)

    def roles(self, n):
        pairs = self.pair * ((n - (1 if self.has_bias else 0)) // 2)
        return (*pairs, "bias") if self.has_bias else pairs

    def tree(self, args, max_terms=None):
        pairs, bias = self._split(args)
        terms = [Mul((w, x)) for w, x in pairs]
        if bias is not None:
            return Add((*elided(terms, max_terms - 1 if max_terms else None), bias))
        return Add(elided(terms, max_terms))

    def sympy(self, symbols):
        pairs, bias = self._split(symbols)
        return sympy.Add(*[w * x for w, x in pairs], *([bias] if bias is not None else []))

    def evaluate(self, values):
        pairs, bias = self._split(values)
        return math.fsum([w * x for w, x in pairs] + ([bias] if bias is not None else []))


@dataclass(frozen=True)
class Sum(Op):
    """a + b + c: total loss, backpropagated error, shared-bias gradient. ``named`` gives the
    terms' roles when they have their own (a learning rule's w⁺ = w + Δw: ``RULE_UPDATE``);
    otherwise each is a ``term``."""

    named: tuple[str, ...] = ()

    def roles(self, n):
        return self.named if len(self.named) == n else ("term",) * n

    def tree(self, args, max_terms=None):
        return Add(elided(args, max_terms))

    def sympy(self, symbols):
        return sympy.Add(*symbols)

    def evaluate(self, values):
        return math.fsum(values)


@dataclass(frozen=True)
class Mean(Op):
    """(1/k)(g1 + ... + gk): the gradient a mini-batch update uses."""

    def tree(self, args, max_terms=None):
        return Mul((Frac(Number("1"), Number(str(len(args)))), Group(Add(elided(args, max_terms)), sized=True)),
                   sign="juxtapose")

    def sympy(self, symbols):
        return sympy.Add(*symbols) / len(symbols)

    def evaluate(self, values):
        return math.fsum(values) / len(values)


@dataclass(frozen=True)
class Difference(Op):
    """a - b: the error target - output, or the gradient out - target."""

    def roles(self, n):
        return ("left", "right")

    def tree(self, args, max_terms=None):
        return Sub(args[0], args[1])

    def sympy(self, symbols):
        return symbols[0] - symbols[1]

    def evaluate(self, values):
        return values[0] - values[1]


@dataclass(frozen=True)
class Product(Op):
    """a · b · ...: chain-rule factors multiplied. ``named`` gives the factors' roles when
    they have their own (δ = ∂E/∂out · ∂out/∂net: ``DELTA``); otherwise each is a ``factor``."""

    named: tuple[str, ...] = ()

    def roles(self, n):
        return self.named if len(self.named) == n else ("factor",) * n

    def tree(self, args, max_terms=None):
        return Mul(tuple(args))

    def sympy(self, symbols):
        return sympy.Mul(*symbols)

    def evaluate(self, values):
        return math.prod(values)


@dataclass(frozen=True)
class Identity(Op):
    """a: a gradient that is just the delta (a per-neuron bias)."""

    def roles(self, n):
        return ("value",)

    def tree(self, args, max_terms=None):
        return args[0]

    def sympy(self, symbols):
        return symbols[0]

    def evaluate(self, values):
        return values[0]


@dataclass(frozen=True)
class Update(Op):
    """w - η·g: one gradient-descent step; operands are (old, rate, grad)."""

    def roles(self, n):
        return ("old", "rate", "grad")

    def tree(self, args, max_terms=None):
        return Sub(args[0], Mul((args[1], args[2])))

    def sympy(self, symbols):
        return symbols[0] - symbols[1] * symbols[2]

    def evaluate(self, values):
        return values[0] - values[1] * values[2]


#: A learning rule's new weight or bias: the old one plus its change (w⁺ = w + Δw).
RULE_UPDATE = Sum(("old", "change"))
#: δ = ∂E/∂out · ∂out/∂net.
DELTA = Product(("dout", "dact"))
#: ∂E/∂w = δ · (the sender's output).
GRADIENT = Product(("delta", "input"))
