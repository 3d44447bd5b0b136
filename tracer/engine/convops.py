"""Operations of convolutional networks: output sizes, parameter counts, pooling.

The sums of products of a convolution (a cell of a feature map, a kernel gradient, the
gradient reaching a layer's input) are ``ops.WeightedSum``; the ops here are the rest:
each builds its formula tree, its sympy form and its value, like every op of ``ops``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..formula.tree import (
    Add,
    Apply,
    Floor,
    Frac,
    Group,
    Mul,
    Number,
    Sub,
    Symbol,
    elided,
)
from .ops import Op

if TYPE_CHECKING:
    import sympy
else:  # imported on first use (tracer/_lazy.py)
    from .._lazy import sympy

_MAX = Symbol("\\max", "max")
_TWO = Number("2", 2.0)
_ONE = Number("1", 1.0)


@dataclass(frozen=True)
class OutputSize(Op):
    """⌊(W − K + 2P)/S⌋ + 1; operands (size, kernel, padding, stride), or (size, kernel,
    stride) for a pooling window (no padding)."""

    padded: bool = True

    def roles(self, n):
        return ("size", "kernel", "padding", "stride") if self.padded else ("size", "kernel", "stride")

    def _parts(self, items):
        if self.padded:
            return items
        return items[0], items[1], None, items[2]

    def tree(self, args, max_terms=None):
        w, k, p, s = self._parts(args)
        top = Sub(w, k) if p is None else Add((Sub(w, k), Mul((_TWO, p))))
        return Add((Floor(Frac(top, s)), _ONE))

    def sympy(self, symbols):
        w, k, p, s = self._parts(symbols)
        return sympy.floor((w - k + (2 * p if p is not None else 0)) / s) + 1

    def evaluate(self, values):
        w, k, p, s = self._parts(values)
        return float(math.floor((w - k + 2 * (p or 0)) / s) + 1)


@dataclass(frozen=True)
class ParamCount(Op):
    """F·(d1·d2·… + 1): filters (or units) times the weights of one filter plus its bias;
    operands (F, d1, d2, …)."""

    def roles(self, n):
        return ("count",) + ("size",) * (n - 1)

    def tree(self, args, max_terms=None):
        inner = args[1] if len(args) == 2 else Mul(tuple(args[1:]))
        return Mul((args[0], Group(Add((inner, _ONE)))))

    def sympy(self, symbols):
        return symbols[0] * (sympy.Mul(*symbols[1:]) + 1)

    def evaluate(self, values):
        return float(values[0] * (math.prod(values[1:]) + 1))


@dataclass(frozen=True)
class MaxOf(Op):
    """max(a, b, …): a max-pooled cell over its window, in row-major order."""

    def roles(self, n):
        return ("cell",) * n

    def tree(self, args, max_terms=None):
        return Apply(_MAX, elided(list(args), max_terms))

    def sympy(self, symbols):
        return sympy.Max(*symbols)

    def evaluate(self, values):
        return max(values)


@dataclass(frozen=True)
class PoolGradient(Op):
    """The gradient a pooling layer passes back to one cell of its input: the sum over the
    windows holding the cell of ∂E/∂(pooled cell), for a max pool only the windows the cell
    wins (0 when it wins none), for an average pool each divided by the window's size."""

    share: int = 1   # 1: max pooling (routing); k: average pooling over k cells

    def roles(self, n):
        return ("upstream",) * n

    def tree(self, args, max_terms=None):
        if not args:
            return Number("0", 0.0)
        terms = [a if self.share == 1 else Frac(a, Number(str(self.share), float(self.share))) for a in args]
        return terms[0] if len(terms) == 1 else Add(tuple(terms))

    def sympy(self, symbols):
        return sympy.Add(*symbols) / self.share if symbols else sympy.Integer(0)

    def evaluate(self, values):
        return math.fsum(values) / self.share if values else 0.0
