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

from ..formula.tree import Add, Frac, Group, Mul, Neg, Node, Number, Sub, elided

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
    if max_terms is None or len(terms) <= max_terms + 1 or max_terms < 2:   # a gap for one term saves nothing
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
    """1/k · (g1 + ... + gk): the gradient a mini-batch update uses, and the batch's loss."""

    def tree(self, args, max_terms=None):
        return Mul((Frac(Number("1"), Number(str(len(args)))), Group(Add(elided(args, max_terms)), sized=True)))

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


@dataclass(frozen=True)
class ThresholdSum(Op):
    """net = w1·x1 + ... + wn·xn − θ: operands are (w, x) pairs, then the threshold θ
    (``conventions.bias: subtracted``)."""

    def roles(self, n):
        return (*("weight", "input") * ((n - 1) // 2), "threshold")

    def tree(self, args, max_terms=None):
        terms = [Mul((args[k], args[k + 1])) for k in range(0, len(args) - 1, 2)]
        return Sub(Add(elided(terms, max_terms - 1 if max_terms else None)), args[-1])

    def sympy(self, symbols):
        return sympy.Add(*[symbols[k] * symbols[k + 1] for k in range(0, len(symbols) - 1, 2)]) - symbols[-1]

    def evaluate(self, values):
        return math.fsum([values[k] * values[k + 1] for k in range(0, len(values) - 1, 2)] + [-values[-1]])


@dataclass(frozen=True)
class Negated(Op):
    """−(inner): ∂E/∂θ = −δ for a subtracted threshold (θ enters the net with a minus sign)."""

    inner: Op

    def roles(self, n):
        return self.inner.roles(n)

    def tree(self, args, max_terms=None):
        body = self.inner.tree(args, max_terms)
        return Neg(body if isinstance(body, (Mul, Number)) or len(args) == 1 else Group(body))

    def sympy(self, symbols):
        return -self.inner.sympy(symbols)

    def evaluate(self, values):
        return -self.inner.evaluate(values)


@dataclass(frozen=True)
class ErrOutput(Op):
    """Err_j = f′(net_j)·(T_j − O_j) = −∂E/∂net_j of an output unit under the half squared
    error (Han, Kamber & Pei: Err_j = O_j(1 − O_j)(T_j − O_j)); operands (net, out, target).
    ``derivative`` is the activation's ∂out/∂net op on (net, out)."""

    derivative: Op

    def roles(self, n):
        return ("net", "out", "target")

    def tree(self, args, max_terms=None):
        net, out, target = args
        return Mul((Group(self.derivative.tree([net, out])) if _sum_like(self.derivative.tree([net, out]))
                    else self.derivative.tree([net, out]), Group(Sub(target, out))), sign="juxtapose")

    def sympy(self, symbols):
        net, out, target = symbols
        return self.derivative.sympy([net, out]) * (target - out)

    def evaluate(self, values):
        net, out, target = values
        return self.derivative.evaluate([net, out]) * (target - out)


@dataclass(frozen=True)
class ErrFromGradient(Op):
    """Err_j = −∂E/∂O_j·f′(net_j) of an output unit under any loss whose error term is not
    written in closed form (squared error: ∂E/∂O_j = −2(T_j − O_j), so Err_j = 2(T_j − O_j)·f′);
    operands (dout, net, out): the loss's ∂E/∂O_j as logged, then the activation's (net, out)."""

    derivative: Op

    def roles(self, n):
        return ("dout", "net", "out")

    def tree(self, args, max_terms=None):
        dout, net, out = args
        d = self.derivative.tree([net, out])
        return Neg(Mul((dout, Group(d) if _sum_like(d) else d)))

    def sympy(self, symbols):
        dout, net, out = symbols
        return -dout * self.derivative.sympy([net, out])

    def evaluate(self, values):
        dout, net, out = values
        return -dout * self.derivative.evaluate([net, out])


@dataclass(frozen=True)
class NegErrGradient(Op):
    """∂E/∂w_ij = −Err_j·O_i (operands err, input), ∂E/∂b_j = −Err_j (operand err; ``sign`` +1
    for a subtracted threshold, whose ∂E/∂θ_j = Err_j), ∂E/∂b = −(Err_1 + ... + Err_n) for a
    bias shared by a layer (``shared``): the gradient an optimizer or a penalty works on,
    written from the error terms under ``error: negative_gradient``."""

    sign: int = -1
    shared: bool = False

    def roles(self, n):
        return ("err",) * n if self.shared or n == 1 else ("err", "input")

    def tree(self, args, max_terms=None):
        body: Node
        if self.shared and len(args) > 1:
            body = Group(Add(elided(list(args), max_terms)))
        else:
            body = Mul(tuple(args)) if len(args) > 1 else args[0]
        return Neg(body) if self.sign < 0 else body

    def sympy(self, symbols):
        return self.sign * (sympy.Add(*symbols) if self.shared else sympy.Mul(*symbols))

    def evaluate(self, values):
        return self.sign * (math.fsum(values) if self.shared else math.prod(values))


@dataclass(frozen=True)
class ErrHidden(Op):
    """Err_j = f′(net_j)·Σ_k Err_k·w_kj = −∂E/∂net_j of a hidden unit; operands (net, out,
    then (Err_k, w_kj) pairs over the next layer's units)."""

    derivative: Op

    def roles(self, n):
        return ("net", "out", *("err", "weight") * ((n - 2) // 2))

    def tree(self, args, max_terms=None):
        net, out, rest = args[0], args[1], args[2:]
        d = self.derivative.tree([net, out])
        d = Group(d) if _sum_like(d) else d
        terms = [Mul((rest[k], rest[k + 1])) for k in range(0, len(rest), 2)]
        if len(terms) == 1:
            return Mul((d, rest[0], rest[1]))
        return Mul((d, Group(Add(elided(terms, max_terms)))))

    def sympy(self, symbols):
        rest = symbols[2:]
        return self.derivative.sympy(symbols[:2]) * sympy.Add(*[rest[k] * rest[k + 1] for k in range(0, len(rest), 2)])

    def evaluate(self, values):
        rest = values[2:]
        return self.derivative.evaluate(values[:2]) * math.fsum(rest[k] * rest[k + 1] for k in range(0, len(rest), 2))


def _sum_like(node: Node) -> bool:
    return isinstance(node, (Add, Sub))


@dataclass(frozen=True)
class Change(Op):
    """Δ = sign·(the product of the operands): −η·∂E/∂w under gradient descent (sign −1, roles
    rate, grad), l·Err_j·O_i under the negative-gradient convention (roles rate, err, input),
    −l·Err_j for a subtracted threshold (a weight on the constant input −1)."""

    names: tuple[str, ...]
    sign: int = 1

    def roles(self, n):
        return self.names[:n]

    def tree(self, args, max_terms=None):
        body = Mul(tuple(args))
        return body if self.sign > 0 else Neg(body)

    def sympy(self, symbols):
        return self.sign * sympy.Mul(*symbols)

    def evaluate(self, values):
        return self.sign * math.prod(values)


@dataclass(frozen=True)
class StepChange(Op):
    """Δw = new − old of any optimizer's step ``inner`` (operands as the step's, ``old`` first):
    the step's formula without its leading old value (w − η·m̂/(√v̂ + ε) gives −η·m̂/(√v̂ + ε))."""

    inner: Op

    def roles(self, n):
        return self.inner.roles(n)

    def tree(self, args, max_terms=None):
        whole = self.inner.tree(args, max_terms)
        if isinstance(whole, Sub) and whole.left == args[0]:
            return Neg(whole.right if isinstance(whole.right, (Mul, Number, Frac)) else Group(whole.right))
        if isinstance(whole, Add) and whole.terms and whole.terms[0] == args[0]:
            rest = whole.terms[1:]
            return rest[0] if len(rest) == 1 else Add(tuple(rest))
        return Sub(whole, args[0])

    def sympy(self, symbols):
        return self.inner.sympy(symbols) - symbols[0]

    def evaluate(self, values):
        return self.inner.evaluate(values) - values[0]


@dataclass(frozen=True)
class AddChange(Op):
    """The new value: old + Δ (``conventions.show_change``, and the books' w ← w + Δw)."""

    def roles(self, n):
        return ("old", "change")

    def tree(self, args, max_terms=None):
        return Add((args[0], args[1]))

    def sympy(self, symbols):
        return symbols[0] + symbols[1]

    def evaluate(self, values):
        return values[0] + values[1]


@dataclass(frozen=True)
class ErrUpdate(Op):
    """The books' update in one line: w + l·Err_j·O_i (operands old, rate, err, input), θ + l·Err_j
    (old, rate, err), θ − l·Err_j for a subtracted threshold (``sign`` −1)."""

    sign: int = 1

    def roles(self, n):
        return ("old", "rate", "err", "input")[:n]

    def tree(self, args, max_terms=None):
        step = Mul(tuple(args[1:]))
        return Add((args[0], step)) if self.sign > 0 else Sub(args[0], step)

    def sympy(self, symbols):
        return symbols[0] + self.sign * sympy.Mul(*symbols[1:])

    def evaluate(self, values):
        return values[0] + self.sign * math.prod(values[1:])


@dataclass(frozen=True)
class SharedChange(Op):
    """A shared bias's change: η·(Err_1 + ... + Err_n) (``sign`` −1 for a subtracted threshold)."""

    sign: int = 1

    def roles(self, n):
        return ("rate", *("err",) * (n - 1))

    def tree(self, args, max_terms=None):
        body = Mul((args[0], Group(Add(elided(args[1:], max_terms)))))
        return body if self.sign > 0 else Neg(body)

    def sympy(self, symbols):
        return self.sign * symbols[0] * sympy.Add(*symbols[1:])

    def evaluate(self, values):
        return self.sign * values[0] * math.fsum(values[1:])


#: A learning rule's new weight or bias: the old one plus its change (w⁺ = w + Δw).
RULE_UPDATE = Sum(("old", "change"))
#: δ = ∂E/∂out · ∂out/∂net.
DELTA = Product(("dout", "dact"))
#: ∂E/∂w = δ · (the sender's output).
GRADIENT = Product(("delta", "input"))
