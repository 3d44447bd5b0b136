"""Activation functions: each owns its value, its derivative and its formulas.

``forward``/``derivative`` work on a whole layer (numpy, numerically stable);
``out_op``/``dact_op`` give the per-neuron operations the trace log records.
"""
from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

import numpy as np
if TYPE_CHECKING:
    import sympy
else:  # imported on first use: tracing and rendering need no sympy (tracer/_lazy.py)
    from .._lazy import sympy

from ..engine.ops import Op
from ..formula.latex import latex
from ..formula.tree import (Add, Apply, Cases, Frac, Group, Mul, Neg, Node, Number, Pow, Relation,
                            Sigma, Sub, Symbol, Where, elided)

X, K = Symbol("x", "x"), Symbol("k", "k")
E = Symbol("e", "e")
ONE, ZERO = Number("1", 1.0), Number("0", 0.0)


def stable_sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) without overflow: σ(1000) = 1 and σ(-1000) = e^-1000 ≈ 0, never nan."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _cases(when_positive: Node, otherwise: Node, net: Node) -> Node:
    return Cases(((when_positive, Relation(net, ">", ZERO)), (otherwise, None)))


def _branch(value: Node, net: Node, net_value: float) -> Node:
    """The case that applies, with the reason: ``1 \\quad (0.0197 > 0)``."""
    return Where(value, Relation(net, ">" if net_value > 0 else "<=", ZERO))


@dataclass(frozen=True)
class ElementwiseOp(Op):
    """An op defined by one activation method triple; operands are (net,) or (net, out)."""

    activation: "Activation"
    derivative: bool = False

    def roles(self, n):
        return ("net", "out")[:n]

    def tree(self, args, max_terms=None):
        a = self.activation
        return a.dact_tree(*args) if self.derivative else a.out_tree(args[0])

    def tree_at(self, args, values, max_terms=None):
        a = self.activation
        return a.dact_tree_at(args, values) if self.derivative else a.out_tree_at(args, values)

    def sympy(self, symbols):
        a = self.activation
        return a.dact_sympy(*symbols) if self.derivative else a.out_sympy(symbols[0])

    def evaluate(self, values):
        a = self.activation
        net = np.array([values[0]])
        if self.derivative:
            return float(a.derivative(net, np.array([values[1]]))[0])
        return float(a.forward(net)[0])


@dataclass(frozen=True)
class Activation:
    """Base: elementwise activation. Subclasses fill in the maths and the formulas."""

    name: ClassVar[str] = ""
    layerwise: ClassVar[bool] = False  # softmax needs the whole layer

    def forward(self, net: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def derivative(self, net: np.ndarray, out: np.ndarray) -> np.ndarray:
        """∂out_j/∂net_j, the diagonal of the Jacobian."""
        raise NotImplementedError

    def out_op(self, j: int) -> Op:
        return ElementwiseOp(self)

    def dact_op(self) -> Op:
        return ElementwiseOp(self, derivative=True)

    # formula pieces: trees over symbols (formula) or shown values (substitution)
    def out_tree(self, net: Node) -> Node:
        raise NotImplementedError

    def out_tree_at(self, args: Sequence[Node], values: Sequence[float]) -> Node:
        return self.out_tree(args[0])

    def out_sympy(self, net: sympy.Expr) -> sympy.Expr:
        raise NotImplementedError

    def dact_tree(self, net: Node, out: Node) -> Node:
        raise NotImplementedError

    def dact_tree_at(self, args: Sequence[Node], values: Sequence[float]) -> Node:
        return self.dact_tree(*args)

    def dact_sympy(self, net: sympy.Expr, out: sympy.Expr) -> sympy.Expr:
        raise NotImplementedError

    def describe_tree(self) -> Node:
        """The formula a setup section prints, in x."""
        return self.out_tree(X)

    def describe(self) -> str:
        return latex(self.describe_tree())

    def out_latex(self, net: str) -> str:
        """The activation of a named quantity as LaTeX (``net`` is a symbol's LaTeX)."""
        return latex(self.out_tree(Symbol(net, net)))

    def dact_latex(self, net: str, out: str) -> str:
        """The derivative in terms of named quantities, as LaTeX."""
        return latex(self.dact_tree(Symbol(net, net), Symbol(out, out)))

    def spec(self) -> dict | str:
        return self.name


@dataclass(frozen=True)
class Sigmoid(Activation):
    name: ClassVar[str] = "sigmoid"

    def forward(self, net):
        return stable_sigmoid(net)

    def derivative(self, net, out):
        return out * (1.0 - out)

    def out_tree(self, net):
        return Frac(ONE, Add((ONE, Pow(E, Neg(net)))))

    def out_sympy(self, net):
        return 1 / (1 + sympy.exp(-net))

    def dact_tree(self, net, out):
        return Mul((out, Group(Sub(ONE, out))), sign="juxtapose")

    def dact_sympy(self, net, out):
        return out * (1 - out)


@dataclass(frozen=True)
class Tanh(Activation):
    name: ClassVar[str] = "tanh"

    def forward(self, net):
        return np.tanh(net)

    def derivative(self, net, out):
        return 1.0 - out * out

    def out_tree(self, net):
        return Apply(Symbol("\\tanh", "tanh"), (net,))

    def out_sympy(self, net):
        return sympy.tanh(net)

    def dact_tree(self, net, out):
        return Sub(ONE, Pow(out, Number("2")))

    def dact_sympy(self, net, out):
        return 1 - out**2


@dataclass(frozen=True)
class Linear(Activation):
    name: ClassVar[str] = "linear"

    def forward(self, net):
        return np.array(net, dtype=float)

    def derivative(self, net, out):
        return np.ones_like(net, dtype=float)

    def out_tree(self, net):
        return net

    def out_sympy(self, net):
        return net

    def dact_tree(self, net, out):
        return ONE

    def dact_sympy(self, net, out):
        return sympy.Integer(1)


@dataclass(frozen=True)
class LeakyReLU(Activation):
    """max-like with a slope alpha below zero; alpha 0 is plain ReLU (derivative 0 at 0)."""

    alpha: float = 0.01
    name: ClassVar[str] = "leaky_relu"

    def forward(self, net):
        return np.where(net > 0, net, self.alpha * net)

    def derivative(self, net, out):
        return np.where(net > 0, 1.0, self.alpha)

    def _alpha(self) -> Number:
        return Number(repr(float(self.alpha)).rstrip("0").rstrip("."), self.alpha)

    def out_tree(self, net):
        return _cases(net, Mul((self._alpha(), net)), net)

    def out_tree_at(self, args, values):
        net = args[0]
        return net if values[0] > 0 else Mul((self._alpha(), net))

    def out_sympy(self, net):
        return sympy.Piecewise((net, net > 0), (self.alpha * net, True))

    def dact_tree(self, net, out):
        return _cases(ONE, self._alpha(), net)

    def dact_tree_at(self, args, values):
        return _branch(ONE if values[0] > 0 else self._alpha(), args[0], values[0])

    def dact_sympy(self, net, out):
        return sympy.Piecewise((1, net > 0), (self.alpha, True))

    def spec(self):
        return {"name": self.name, "alpha": self.alpha}


@dataclass(frozen=True)
class ReLU(LeakyReLU):
    alpha: float = 0.0
    name: ClassVar[str] = "relu"

    def out_tree(self, net):
        return Apply(Symbol("\\max", "max"), (ZERO, net))

    def out_tree_at(self, args, values):
        return self.out_tree(args[0])

    def out_sympy(self, net):
        # evaluate=False: Max rejects an UnevaluatedExpr number (the substituted form) as
        # "not comparable"; .doit() still evaluates it
        return sympy.Max(0, net, evaluate=False)

    def dact_tree(self, net, out):
        return _cases(ONE, ZERO, net)

    def dact_sympy(self, net, out):
        return sympy.Piecewise((1, net > 0), (0, True))

    def spec(self):
        return self.name


@dataclass(frozen=True)
class SoftmaxOut(Op):
    """out_j = e^{net_j} / Σ_k e^{net_k}; operands are all the layer's nets."""

    j: int  # 0-based

    def roles(self, n):
        return ("net",) * n

    def tree(self, args, max_terms=None):
        return Frac(Pow(E, args[self.j]), Add(elided([Pow(E, t) for t in args], max_terms)))

    def sympy(self, symbols):
        return sympy.exp(symbols[self.j]) / sympy.Add(*[sympy.exp(s) for s in symbols])

    def evaluate(self, values):
        return float(Softmax().forward(np.array(values))[self.j])


@dataclass(frozen=True)
class Softmax(Activation):
    """Output layer only. Its dact entries hold the Jacobian's diagonal out_j(1 - out_j)."""

    name: ClassVar[str] = "softmax"
    layerwise: ClassVar[bool] = True

    def forward(self, net):
        shifted = np.exp(net - np.max(net))  # log-sum-exp shift: no overflow at net = 1000
        return shifted / shifted.sum()

    def derivative(self, net, out):
        return out * (1.0 - out)

    def out_op(self, j):
        return SoftmaxOut(j)

    def out_tree(self, net):
        return Frac(Pow(E, net), Sigma(K, Pow(E, Symbol("net_k", "net_k"))))

    def dact_tree(self, net, out):
        return Mul((out, Group(Sub(ONE, out))), sign="juxtapose")

    def dact_sympy(self, net, out):
        return out * (1 - out)

    def describe_tree(self):
        return Frac(Pow(E, Symbol("x_j", "x_j")), Sigma(K, Pow(E, Symbol("x_k", "x_k"))))


ACTIVATIONS: dict[str, type[Activation]] = {
    cls.name: cls for cls in (Sigmoid, ReLU, Tanh, Linear, LeakyReLU, Softmax)
}


@dataclass(frozen=True)
class SoftmaxDelta(Op):
    """δ_j = out_j (∂E/∂out_j - Σ_k out_k ∂E/∂out_k): softmax under a loss other than cross-entropy.

    Operands: out_j, dout_j, then (out_k, dout_k) for every k of the layer.
    """

    def roles(self, n):
        return ("out", "dout") * (n // 2)

    def tree(self, args, max_terms=None):
        pairs = [Mul((args[k], args[k + 1])) for k in range(2, len(args), 2)]
        return Mul((args[0], Group(Sub(args[1], Group(Add(elided(pairs, max_terms)))), sized=True)),
                   sign="juxtapose")

    def sympy(self, symbols):
        pairs = [symbols[k] * symbols[k + 1] for k in range(2, len(symbols), 2)]
        return symbols[0] * (symbols[1] - sympy.Add(*pairs))

    def evaluate(self, values):
        pairs = [values[k] * values[k + 1] for k in range(2, len(values), 2)]
        return values[0] * (values[1] - sum(pairs))
