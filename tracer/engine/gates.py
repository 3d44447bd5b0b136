"""Gate operations of a computational graph: each owns its value, its formula and its local gradients.

A gate is an ``Op`` like those of ``ops.py`` (``tree``, ``tree_at``, ``roles``, ``sympy``,
``evaluate``) over its inputs; ``LocalGrad(gate, k)`` is the op of its local gradient with
respect to input ``k``, over the gate's inputs followed by the gate's own output (σ' is
written with the output, σ(1 - σ)). ``Chain`` is the chain rule at a node: the sum, over
the paths leaving it, of upstream gradient times local gradient.

Domain errors (division by zero, log of a non-positive number, a power without a real
value) raise ``GateDomainError`` with the reason; the engine names the gate and the point.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..formula.tree import (
    Add,
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
    Text,
    Where,
)
from ..model.activations import Activation
from .ops import Identity, Op

if TYPE_CHECKING:
    import sympy
else:
    from .._lazy import sympy

ONE, ZERO, MINUS_ONE = Number("1", 1.0), Number("0", 0.0), Number("-1", -1.0)
E = Symbol("e", "e")


class GateDomainError(ValueError):
    """The gate has no real value (or no derivative) at these inputs; the message says why."""


def number_text(x: float) -> str:
    """A constant of the expression as a reader writes it: 2, 0.5, -1."""
    return str(int(x)) if x == int(x) and abs(x) < 1e15 else repr(x)


def _wrap(node: Node) -> Node:
    """Brackets around a compound operand (the gate trees are flat, but a local gradient may nest)."""
    return Group(node) if isinstance(node, (Add, Sub, Neg, Mul, Frac)) else node


class Gate(Op):
    """A gate: ``symbol`` labels it on the circuit, ``pattern`` names its backward rule."""

    symbol: str = "?"
    pattern: str = ""

    def roles(self, n: int) -> tuple[str, ...]:
        return ("input",) * n

    def local_tree(self, k: int, args: Sequence[Node], out: Node) -> Node:
        raise NotImplementedError

    def local_tree_at(self, k: int, args: Sequence[Node], out: Node, values: Sequence[float],
                      out_value: float) -> Node:
        return self.local_tree(k, args, out)

    def local_sympy(self, k: int, symbols: Sequence[sympy.Expr], out: sympy.Expr) -> sympy.Expr:
        raise NotImplementedError

    def local_value(self, k: int, values: Sequence[float], out: float) -> float:
        raise NotImplementedError


@dataclass(frozen=True)
class AddGate(Gate):
    symbol = "+"
    pattern = "add"

    def tree(self, args, max_terms=None):
        return Add(tuple(args))

    def sympy(self, symbols):
        return sympy.Add(*symbols)

    def evaluate(self, values):
        return math.fsum(values)

    def local_tree(self, k, args, out):
        return ONE

    def local_sympy(self, k, symbols, out):
        return sympy.Integer(1)

    def local_value(self, k, values, out):
        return 1.0


@dataclass(frozen=True)
class SubGate(Gate):
    symbol = "−"
    pattern = "subtract"

    def roles(self, n):
        return ("left", "right")

    def tree(self, args, max_terms=None):
        return Sub(args[0], args[1])

    def sympy(self, symbols):
        return symbols[0] - symbols[1]

    def evaluate(self, values):
        return values[0] - values[1]

    def local_tree(self, k, args, out):
        return ONE if k == 0 else MINUS_ONE

    def local_sympy(self, k, symbols, out):
        return sympy.Integer(1 if k == 0 else -1)

    def local_value(self, k, values, out):
        return 1.0 if k == 0 else -1.0


@dataclass(frozen=True)
class MulGate(Gate):
    symbol = "×"
    pattern = "multiply"

    def roles(self, n):
        return ("factor",) * n

    def tree(self, args, max_terms=None):
        return Mul(tuple(args))

    def sympy(self, symbols):
        return sympy.Mul(*symbols)

    def evaluate(self, values):
        return math.prod(values)

    def local_tree(self, k, args, out):
        others = [a for j, a in enumerate(args) if j != k]
        return others[0] if len(others) == 1 else Mul(tuple(others))

    def local_sympy(self, k, symbols, out):
        return sympy.Mul(*[s for j, s in enumerate(symbols) if j != k])

    def local_value(self, k, values, out):
        return math.prod(v for j, v in enumerate(values) if j != k)


@dataclass(frozen=True)
class DivGate(Gate):
    symbol = "÷"
    pattern = "divide"

    def roles(self, n):
        return ("numerator", "denominator")

    def tree(self, args, max_terms=None):
        return Frac(args[0], args[1])

    def sympy(self, symbols):
        return symbols[0] / symbols[1]

    def evaluate(self, values):
        if values[1] == 0:
            raise GateDomainError("division by zero")
        return values[0] / values[1]

    def local_tree(self, k, args, out):
        if k == 0:
            return Frac(ONE, args[1])
        return Neg(Frac(args[0], Pow(_wrap(args[1]), Number("2", 2.0))))

    def local_sympy(self, k, symbols, out):
        return 1 / symbols[1] if k == 0 else -symbols[0] / symbols[1] ** 2

    def local_value(self, k, values, out):
        return 1.0 / values[1] if k == 0 else -values[0] / values[1] ** 2


@dataclass(frozen=True)
class PowGate(Gate):
    """a^b; a constant exponent is part of the gate (``x^2`` has one input), a computed one an input."""

    exponent: float | None = None
    symbol = "^"
    pattern = "power"

    def roles(self, n):
        return ("base", "exponent")[:n]

    def _exp(self) -> Number:
        assert self.exponent is not None
        return Number(number_text(self.exponent), self.exponent)

    def tree(self, args, max_terms=None):
        return Pow(args[0], args[1] if self.exponent is None else self._exp())

    def sympy(self, symbols):
        return symbols[0] ** (symbols[1] if self.exponent is None else sympy.Float(self.exponent)
                              if self.exponent != int(self.exponent) else sympy.Integer(int(self.exponent)))

    def evaluate(self, values):
        base = values[0]
        exponent = values[1] if self.exponent is None else self.exponent
        if base == 0 and exponent < 0:
            raise GateDomainError("0 to a negative power (division by zero)")
        if base < 0 and exponent != int(exponent):
            raise GateDomainError(f"a negative base to the non-whole power {number_text(exponent)} (no real value)")
        try:
            return float(base ** exponent)
        except OverflowError:
            raise GateDomainError("a power too large for a float") from None

    def local_tree(self, k, args, out):
        if self.exponent is not None:
            b = self.exponent
            if b - 1 == 0:
                return ONE
            if b - 1 == 1:
                return Mul((self._exp(), args[0]))
            return Mul((self._exp(), Pow(args[0], Number(number_text(b - 1), b - 1))))
        if k == 0:
            return Mul((args[1], Pow(args[0], Group(Sub(args[1], ONE)))))
        return Mul((out, Apply(Symbol("\\ln", "ln"), (args[0],), bare=True)))

    def local_sympy(self, k, symbols, out):
        if self.exponent is not None:
            return self.exponent * symbols[0] ** (self.exponent - 1)
        return symbols[1] * symbols[0] ** (symbols[1] - 1) if k == 0 else out * sympy.log(symbols[0])

    def local_value(self, k, values, out):
        base = values[0]
        if self.exponent is not None:
            return 1.0 if self.exponent == 1 else self.exponent * PowGate(self.exponent - 1).evaluate([base])
        if k == 0:
            return values[1] * PowGate(values[1] - 1).evaluate([base])
        if base <= 0:
            raise GateDomainError(f"the gradient with respect to the exponent needs ln of the base, "
                                  f"and the base is {number_text(base)} (not positive)")
        return out * math.log(base)


@dataclass(frozen=True)
class NegGate(Gate):
    symbol = "−"
    pattern = "negate"

    def tree(self, args, max_terms=None):
        return Neg(args[0])

    def sympy(self, symbols):
        return -symbols[0]

    def evaluate(self, values):
        return -values[0]

    def local_tree(self, k, args, out):
        return MINUS_ONE

    def local_sympy(self, k, symbols, out):
        return sympy.Integer(-1)

    def local_value(self, k, values, out):
        return -1.0


@dataclass(frozen=True)
class CopyGate(Gate):
    """q = x: a name given to a value (its gradient passes through unchanged)."""

    symbol = "="
    pattern = "copy"

    def tree(self, args, max_terms=None):
        return args[0]

    def sympy(self, symbols):
        return symbols[0]

    def evaluate(self, values):
        return values[0]

    def local_tree(self, k, args, out):
        return ONE

    def local_sympy(self, k, symbols, out):
        return sympy.Integer(1)

    def local_value(self, k, values, out):
        return 1.0


@dataclass(frozen=True)
class ExpGate(Gate):
    symbol = "exp"
    pattern = "exp"

    def tree(self, args, max_terms=None):
        return Pow(E, args[0])

    def sympy(self, symbols):
        return sympy.exp(symbols[0])

    def evaluate(self, values):
        try:
            return math.exp(values[0])
        except OverflowError:
            raise GateDomainError("exp of a number too large for a float") from None

    def local_tree(self, k, args, out):
        return Pow(E, args[0])

    def local_sympy(self, k, symbols, out):
        return sympy.exp(symbols[0])

    def local_value(self, k, values, out):
        return out


@dataclass(frozen=True)
class LogGate(Gate):
    symbol = "ln"
    pattern = "log"

    def tree(self, args, max_terms=None):
        return Apply(Symbol("\\ln", "ln"), (args[0],), bare=True)

    def sympy(self, symbols):
        return sympy.log(symbols[0])

    def evaluate(self, values):
        if values[0] <= 0:
            raise GateDomainError(f"log of {number_text(values[0])} (log needs a positive number)")
        return math.log(values[0])

    def local_tree(self, k, args, out):
        return Frac(ONE, args[0])

    def local_sympy(self, k, symbols, out):
        return 1 / symbols[0]

    def local_value(self, k, values, out):
        return 1.0 / values[0]


def routed(values: Sequence[float]) -> int:
    """The argument max passes its gradient to: the first maximal one (ties go to the first)."""
    best = max(values)
    return next(k for k, v in enumerate(values) if v == best)


@dataclass(frozen=True)
class MaxGate(Gate):
    """max(a, b, ...): the gradient goes to the first maximal argument, 0 to the others."""

    symbol = "max"
    pattern = "max"

    def tree(self, args, max_terms=None):
        return Apply(Symbol("\\max", "max"), tuple(args))

    def sympy(self, symbols):
        return sympy.Max(*symbols, evaluate=False)

    def evaluate(self, values):
        return max(values)

    def local_tree(self, k, args, out):
        cond = Relation(args[k], "=", Apply(Symbol("\\max", "max"), tuple(args)))
        return Cases(((ONE, cond), (ZERO, None)))

    def local_tree_at(self, k, args, out, values, out_value):
        r = routed(values)
        if k == r:
            tie = any(v == values[r] for j, v in enumerate(values) if j != r)
            reason: Node = Relation(args[k], "=", out) if not tie else Text("the first maximal argument")
            return Where(ONE, reason)
        if values[k] == values[r]:
            return Where(ZERO, Text("a tie: the first maximal argument takes the gradient"))
        return Where(ZERO, Relation(args[k], "<", out))

    def local_sympy(self, k, symbols, out):
        return sympy.Piecewise((1, sympy.Eq(symbols[k], out)), (0, True))

    def local_value(self, k, values, out):
        return 1.0 if k == routed(values) else 0.0


@dataclass(frozen=True)
class ActivationGate(Gate):
    """An activation of the registry on one number: its own formula and derivative."""

    activation: Activation
    pattern = "activation"

    @property
    def symbol(self) -> str:  # type: ignore[override]
        return self.activation.name

    def tree(self, args, max_terms=None):
        return self.activation.out_tree(args[0])

    def tree_at(self, args, values, max_terms=None):
        return self.activation.out_tree_at(args, values)

    def sympy(self, symbols):
        return self.activation.out_sympy(symbols[0])

    def evaluate(self, values):
        with np.errstate(all="ignore"):
            return float(self.activation.forward(np.array([values[0]], dtype=float))[0])

    def local_tree(self, k, args, out):
        return self.activation.dact_tree(args[0], out)

    def local_tree_at(self, k, args, out, values, out_value):
        return self.activation.dact_tree_at([args[0], out], [values[0], out_value])

    def local_sympy(self, k, symbols, out):
        return self.activation.dact_sympy(symbols[0], out)

    def local_value(self, k, values, out):
        with np.errstate(all="ignore"):
            return float(self.activation.derivative(np.array([values[0]]), np.array([out]))[0])


@dataclass(frozen=True)
class LocalGrad(Op):
    """∂gate/∂input_k; operands are the gate's inputs, then the gate's output."""

    gate: Gate
    k: int

    def roles(self, n):
        return (*self.gate.roles(n - 1), "out")

    def tree(self, args, max_terms=None):
        return self.gate.local_tree(self.k, args[:-1], args[-1])

    def tree_at(self, args, values, max_terms=None):
        return self.gate.local_tree_at(self.k, args[:-1], args[-1], values[:-1], values[-1])

    def sympy(self, symbols):
        return self.gate.local_sympy(self.k, symbols[:-1], symbols[-1])

    def evaluate(self, values):
        return self.gate.local_value(self.k, values[:-1], values[-1])


@dataclass(frozen=True)
class Chain(Op):
    """The chain rule at a node: Σ upstream · local over the paths leaving it (operands in pairs)."""

    def roles(self, n):
        return ("upstream", "local") * (n // 2)

    def tree(self, args, max_terms=None):
        terms = [Mul((args[k], args[k + 1])) for k in range(0, len(args), 2)]
        return terms[0] if len(terms) == 1 else Add(tuple(terms))

    def sympy(self, symbols):
        return sympy.Add(*[symbols[k] * symbols[k + 1] for k in range(0, len(symbols), 2)])

    def evaluate(self, values):
        return math.fsum(values[k] * values[k + 1] for k in range(0, len(values), 2))


@dataclass(frozen=True)
class Seed(Identity):
    """The gradient arriving at the output: given (1 unless the problem says otherwise)."""

    def roles(self, n):
        return ("given",)
