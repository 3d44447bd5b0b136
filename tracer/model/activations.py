"""Activation functions: each owns its value, its derivative and its formulas.

``forward``/``derivative`` work on a whole layer (numpy, numerically stable);
``out_op``/``dact_op`` give the per-neuron operations the trace log records, and
``delta``/``delta_entry`` turn ∂E/∂out into δ = ∂E/∂net (numbers and entry). Each class
also owns the facts other modules would otherwise look up by name: how the function is
written (``function``, ``named``, ``piecewise``), where it may stand (``output_only``),
which parameters a problem file may give it (``parameters``) and what makes a randomized
variant unfair for it (``variant_flaw``), and the derivatives students typically get
wrong for it (``mistaken_derivatives``, ``derivative_other_side``, ``elementwise_delta``:
the checker's named mistakes read them, tracer/check/mistakes.py). ``ACTIVATIONS`` is the
only place a name is spelled; a new activation is one class added to it.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, TypeVar

import numpy as np

if TYPE_CHECKING:
    import sympy
else:  # imported on first use: tracing and rendering need no sympy (tracer/_lazy.py)
    from .._lazy import sympy

from ..engine.ops import DELTA, Op
from ..formula.latex import latex
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
    Sigma,
    Sub,
    Symbol,
    Where,
    elided,
)

X, K = Symbol("x", "x"), Symbol("k", "k")
E = Symbol("e", "e")
ONE, ZERO = Number("1", 1.0), Number("0", 0.0)

#: A net input closer to 0 than this sits on a kink (ReLU, leaky ReLU, ELU): the derivative's
#: case is a convention there, and a rounding slip flips it. Randomized variants avoid it.
KINK_MARGIN = 0.05
#: A net input beyond ±this saturates sigmoid and tanh (σ(4) = 0.982, σ'(4) = 0.018):
#: outputs near their bounds and derivatives near 0. Randomized variants avoid it.
SATURATION = 4.0


@dataclass(frozen=True)
class Parameter:
    """A number a problem file may give an activation: ``{name: leaky_relu, alpha: 0.1}``."""

    name: str
    what: str                 # the error message's "expected ..." (a slope between 0 and 1)
    low: float | None = None
    high: float | None = None
    positive: bool = False


def kink_flaw(name: str, net: float) -> str | None:
    """The variant rule of a function with a kink at 0."""
    return f"is within {KINK_MARGIN} of the kink of {name}" if abs(net) < KINK_MARGIN else None


def saturation_flaw(name: str, net: float) -> str | None:
    """The variant rule of a function flat at both ends."""
    return f"saturates {name} (beyond ±{SATURATION:g})" if abs(net) > SATURATION else None


T = TypeVar("T")


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

    activation: Activation
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
    #: Allowed on the output layer only (softmax): checked when a problem is read.
    output_only: ClassVar[bool] = False
    #: The function's symbol applied to a name or a matrix: σ(z), \operatorname{ReLU}(Z).
    function: ClassVar[str] = ""
    #: The symbolic style writes the function by its symbol, σ(z), not by its formula.
    named: ClassVar[bool] = False
    #: The formula is a case distinction: it needs brackets inside a product.
    piecewise: ClassVar[bool] = False
    #: Numbers a problem file may give it besides its name (fields of the dataclass).
    parameters: ClassVar[tuple[Parameter, ...]] = ()
    #: A hard limiter (step, sign): no useful derivative, so trained by a single-layer rule only.
    hard_limiter: ClassVar[bool] = False

    def forward(self, net: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def derivative(self, net: np.ndarray, out: np.ndarray) -> np.ndarray:
        """∂out_j/∂net_j, the diagonal of the Jacobian."""
        raise NotImplementedError

    def delta(self, out: np.ndarray, dout: np.ndarray, dact: np.ndarray) -> np.ndarray:
        """δ = ∂E/∂net from ∂E/∂out: the chain rule through the (diagonal) Jacobian."""
        return dout * dact

    def delta_entry(self, j: int, n: int, out: Callable[[int], T], dout: Callable[[int], T],
                    dact: Callable[[int], T]) -> tuple[Op, list[T]]:
        """The op and operands of neuron j's δ entry (1-based, n neurons), operands asked by neuron."""
        return DELTA, [dout(j), dact(j)]

    def variant_flaw(self, net: float) -> str | None:
        """Why a drawn net input makes an unfair exercise for this function, or None."""
        return None

    # the typical wrong derivatives (the checker's named mistakes; none by default)
    def mistaken_derivatives(self, net: float, out: float) -> tuple[float, ...]:
        """derivative_at_wrong_value: the derivative taken at the wrong quantity, from one
        neuron's net and out (seed 000's σ'(out) = σ(out)(1 − σ(out)) for out(1 − out))."""
        return ()

    def derivative_other_side(self, net: float) -> float | None:
        """relu_derivative_at_zero_side: the derivative of the other case of a kinked
        function at this net (1 where net ≤ 0, the low slope where net > 0), or None."""
        return None

    def elementwise_delta(self, out: float, dout: float) -> float | None:
        """softmax_elementwise_derivative: δ of a layerwise function taken as if it were
        elementwise, ∂E/∂out·out(1 − out), or None for an elementwise function."""
        return None

    def _at_wrong_points(self, net: float, out: float) -> tuple[float, float]:
        """f'(f(out)), the formula in out applied to out's own activation (σ(out)(1 − σ(out)),
        1 − tanh²(out)), and the formula in out with net put in (net(1 − net), 1 − net²)."""
        at = np.array([out])
        return (float(self.derivative(at, self.forward(at))[0]),
                float(self.derivative(np.array([net]), np.array([net]))[0]))

    @property
    def symbol(self) -> str:
        """``function``, or the name as an operator when the class gives none."""
        return self.function or f"\\operatorname{{{self.name}}}"

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

    def jacobian_sympy(self, out_k: sympy.Expr, out_j: sympy.Expr, same: bool) -> sympy.Expr:
        """∂out_k/∂net_j of a layerwise activation (an elementwise one has dact_sympy)."""
        raise NotImplementedError

    def spec(self) -> dict | str:
        if not self.parameters:
            return self.name
        return {"name": self.name, **{p.name: getattr(self, p.name) for p in self.parameters}}


@dataclass(frozen=True)
class Sigmoid(Activation):
    name: ClassVar[str] = "sigmoid"
    function: ClassVar[str] = "\\sigma"
    named: ClassVar[bool] = True

    def variant_flaw(self, net):
        return saturation_flaw(self.name, net)

    def mistaken_derivatives(self, net, out):
        return self._at_wrong_points(net, out)

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
    function: ClassVar[str] = "\\tanh"

    def variant_flaw(self, net):
        return saturation_flaw(self.name, net)

    def mistaken_derivatives(self, net, out):
        return self._at_wrong_points(net, out)

    def forward(self, net):
        return np.tanh(net)

    def derivative(self, net, out):
        return 1.0 - out * out

    def out_tree(self, net):
        return Apply(Symbol("\\tanh", "tanh"), (net,))

    def describe_tree(self):
        """What tanh is, not tanh(x) = tanh(x): (e^x - e^-x)/(e^x + e^-x)."""
        return Frac(Sub(Pow(E, X), Pow(E, Neg(X))), Add((Pow(E, X), Pow(E, Neg(X)))))

    def out_sympy(self, net):
        return sympy.tanh(net)

    def dact_tree(self, net, out):
        return Sub(ONE, Pow(out, Number("2")))

    def dact_sympy(self, net, out):
        return 1 - out**2


@dataclass(frozen=True)
class Linear(Activation):
    name: ClassVar[str] = "linear"
    function: ClassVar[str] = "\\operatorname{id}"

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
    function: ClassVar[str] = "\\operatorname{LeakyReLU}"
    piecewise: ClassVar[bool] = True
    parameters: ClassVar[tuple[Parameter, ...]] = (Parameter("alpha", "a slope between 0 and 1", 0, 1),)

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

    def derivative_other_side(self, net):
        return self.alpha if net > 0 else 1.0

    def variant_flaw(self, net):
        return kink_flaw(self.name, net)


@dataclass(frozen=True)
class ReLU(LeakyReLU):
    alpha: float = 0.0
    name: ClassVar[str] = "relu"
    function: ClassVar[str] = "\\operatorname{ReLU}"
    piecewise: ClassVar[bool] = False  # max(0, z) is no case distinction
    parameters: ClassVar[tuple[Parameter, ...]] = ()

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


@dataclass(frozen=True)
class Softplus(Activation):
    """ln(1 + e^x), a smooth ReLU; its derivative is the sigmoid."""

    name: ClassVar[str] = "softplus"
    function: ClassVar[str] = "\\operatorname{softplus}"

    def forward(self, net):
        return np.logaddexp(0.0, net)  # ln(e^0 + e^net): no overflow at net = 1000

    def derivative(self, net, out):
        return stable_sigmoid(net)

    def variant_flaw(self, net):
        # flat only to the left: softplus(-4) = 0.018, softplus'(-4) = 0.018
        return f"saturates {self.name} (below -{SATURATION:g})" if net < -SATURATION else None

    def out_tree(self, net):
        return Apply(Symbol("\\ln", "ln"), (Add((ONE, Pow(E, net))),))

    def out_sympy(self, net):
        return sympy.log(1 + sympy.exp(net))

    def dact_tree(self, net, out):
        return Frac(ONE, Add((ONE, Pow(E, Neg(net)))))

    def dact_sympy(self, net, out):
        return 1 / (1 + sympy.exp(-net))


@dataclass(frozen=True)
class ELU(Activation):
    """x for x > 0, alpha·(e^x - 1) otherwise (Clevert et al. 2015); derivative 1 or alpha·e^x."""

    alpha: float = 1.0
    name: ClassVar[str] = "elu"
    function: ClassVar[str] = "\\operatorname{ELU}"
    piecewise: ClassVar[bool] = True
    parameters: ClassVar[tuple[Parameter, ...]] = (
        Parameter("alpha", "a scale for the negative side", positive=True),)

    def forward(self, net):
        # expm1 of the negative part only: e^x - 1 keeps its digits near 0 and never overflows
        return np.where(net > 0, net, self.alpha * np.expm1(np.minimum(net, 0.0)))

    def derivative(self, net, out):
        return np.where(net > 0, 1.0, self.alpha * np.exp(np.minimum(net, 0.0)))

    def variant_flaw(self, net):
        if net < -SATURATION:  # ELU'(-4) = 0.018·alpha
            return f"saturates {self.name} (below -{SATURATION:g})"
        return kink_flaw(self.name, net)

    def _scaled(self, node: Node) -> Node:
        """alpha times node; alpha 1 is left out: e^{z} - 1, 0.5 \\cdot (e^{z} - 1)."""
        if self.alpha == 1:
            return node
        alpha = Number(repr(float(self.alpha)).rstrip("0").rstrip("."), self.alpha)
        return Mul((alpha, Group(node) if isinstance(node, Sub) else node))

    def out_tree(self, net):
        return _cases(net, self._scaled(Sub(Pow(E, net), ONE)), net)

    def out_tree_at(self, args, values):
        net = args[0]
        return net if values[0] > 0 else self._scaled(Sub(Pow(E, net), ONE))

    def out_sympy(self, net):
        return sympy.Piecewise((net, net > 0), (self.alpha * (sympy.exp(net) - 1), True))

    def dact_tree(self, net, out):
        return _cases(ONE, self._scaled(Pow(E, net)), net)

    def dact_tree_at(self, args, values):
        return _branch(ONE if values[0] > 0 else self._scaled(Pow(E, args[0])), args[0], values[0])

    def dact_sympy(self, net, out):
        return sympy.Piecewise((1, net > 0), (self.alpha * sympy.exp(net), True))


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
    output_only: ClassVar[bool] = True
    function: ClassVar[str] = "\\operatorname{softmax}"

    def forward(self, net):
        shifted = np.exp(net - np.max(net))  # log-sum-exp shift: no overflow at net = 1000
        return shifted / shifted.sum()

    def derivative(self, net, out):
        return out * (1.0 - out)

    def elementwise_delta(self, out, dout):
        return dout * out * (1.0 - out)

    def out_op(self, j):
        return SoftmaxOut(j)

    def out_tree(self, net):
        return Frac(Pow(E, net), Sigma(K, Pow(E, Symbol("net_k", "net_k"))))

    def jacobian_sympy(self, out_k: sympy.Expr, out_j: sympy.Expr, same: bool) -> sympy.Expr:
        """∂out_k/∂net_j: out_j(1 - out_j) on the diagonal (the dact entries), -out_k·out_j off it."""
        return self.dact_sympy(None, out_j) if same else -out_k * out_j

    def delta(self, out, dout, dact):
        """The full Jacobian: δ_j = out_j (∂E/∂out_j - Σ_k out_k ∂E/∂out_k)."""
        return out * (dout - np.dot(out, dout))

    def delta_entry(self, j, n, out, dout, dact):
        operands = [out(j), dout(j)]
        for k in range(1, n + 1):
            operands += [out(k), dout(k)]
        return SoftmaxDelta(), operands


    def dact_tree(self, net, out):
        return Mul((out, Group(Sub(ONE, out))), sign="juxtapose")

    def dact_sympy(self, net, out):
        return out * (1 - out)

    def describe_tree(self):
        return Frac(Pow(E, Symbol("x_j", "x_j")), Sigma(K, Pow(E, Symbol("x_k", "x_k"))))


@dataclass(frozen=True)
class Step(Activation):
    """The hard limiter of Rosenblatt's perceptron: 1 when net ≥ 0, else 0 (derivative 0)."""

    name: ClassVar[str] = "step"
    function: ClassVar[str] = "\\operatorname{step}"
    piecewise: ClassVar[bool] = True
    hard_limiter: ClassVar[bool] = True
    low: ClassVar[float] = 0.0

    def forward(self, net):
        return np.where(np.asarray(net) >= 0, 1.0, self.low)

    def derivative(self, net, out):
        return np.zeros_like(np.asarray(net, dtype=float))

    def _low(self) -> Node:
        return Neg(ONE) if self.low else ZERO

    def out_tree(self, net):
        return Cases(((ONE, Relation(net, ">=", ZERO)), (self._low(), None)))

    def out_tree_at(self, args, values):
        net = args[0]
        fired = values[0] >= 0
        return Where(ONE if fired else self._low(), Relation(net, ">=" if fired else "<", ZERO))

    def out_sympy(self, net):
        return sympy.Piecewise((1, net >= 0), (self.low, True))

    def dact_tree(self, net, out):
        return ZERO

    def dact_sympy(self, net, out):
        return sympy.Integer(0)

    def variant_flaw(self, net):
        return kink_flaw(self.name, net)


@dataclass(frozen=True)
class Sign(Step):
    """The bipolar hard limiter (ADALINE's quantizer, Hebb nets): +1 when net ≥ 0, else −1."""

    name: ClassVar[str] = "sign"
    function: ClassVar[str] = "\\operatorname{sign}"
    low: ClassVar[float] = -1.0


ACTIVATIONS: dict[str, type[Activation]] = {
    cls.name: cls for cls in (Sigmoid, ReLU, Tanh, Linear, LeakyReLU, Softmax, Softplus, ELU, Step, Sign)
}
#: The activation of a problem file that names none.
DEFAULT_ACTIVATION: type[Activation] = Sigmoid


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
