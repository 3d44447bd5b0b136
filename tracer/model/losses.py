"""Loss functions: each owns its per-output value, its derivative ∂E/∂out and formulas.

The per-output loss E_j = loss(t_j, out_j); the total is their sum (mean_squared_error
puts its 1/n inside every E_j, so the total is still a plain sum). A loss also owns its
pairing with an output activation: the one it requires (``output``), with which δ has
the closed form out - target (``closed_form_delta``), and what its targets must be; and
the slips students make with it (``mistaken_factors``, ``output_minus_target``), which
the checker's named mistakes read.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

if TYPE_CHECKING:
    import sympy
    from sympy import Expr  # the class's ``sympy`` method shadows the module in its annotations
else:  # imported on first use: tracing and rendering need no sympy (tracer/_lazy.py)
    from .._lazy import sympy

from ..engine.ops import Difference, Op, Operand
from ..formula.latex import latex
from ..formula.tree import Add, Apply, Frac, Group, Mul, Neg, Node, Number, Pow, Sigma, Sub, Symbol, Text, Where
from .activations import Activation, Sigmoid, Softmax
from .notation import Names

ZERO, ONE, TWO = Number("0", 0.0), Number("1", 1.0), Number("2", 2.0)
LN = Symbol("\\ln", "ln")
#: The total loss's name in a derivation that is given none.
TOTAL = Names("E", "E")


def _ln(x: Node) -> Node:
    return Apply(LN, (x,), bare=True)


@dataclass(frozen=True)
class LossOp(Op):
    """E_j (or ∂E/∂out_j) from operands (t_j, out_j)."""

    loss: Loss
    derivative: bool = False

    def roles(self, n):
        return ("target", "out")

    def tree(self, args, max_terms=None):
        t, o = args
        return self.loss.dout_tree(t, o) if self.derivative else self.loss.tree(t, o)

    def tree_at(self, args, values, max_terms=None):
        """A cross-entropy term whose target is 0 is 0, said in words as a hand-worker would
        (not −0 ln 0.3055)."""
        if self.loss.zero_target_drops and values[0] == 0:
            return Where(ZERO, Text("the target is 0"))
        return self.tree(args, max_terms)

    def sympy(self, symbols):
        t, o = symbols
        return self.loss.dout_sympy(t, o) if self.derivative else self.loss.sympy(t, o)

    def evaluate(self, values):
        t, o = (np.array([v]) for v in values)
        fn = self.loss.dout if self.derivative else self.loss.value
        return float(fn(o, t)[0])


@dataclass(frozen=True)
class Loss:
    """Base loss over n output neurons."""

    n: int = 1
    name: ClassVar[str] = ""
    #: The output activation this loss requires (None: any); with it, δ = out - target.
    output: ClassVar[type[Activation] | None] = None
    #: Why that output (appended to the error message), e.g. ", whose outputs lie in (0, 1)".
    output_reason: ClassVar[str] = ""
    #: Every target must lie in [0, 1] (a probability).
    probability_targets: ClassVar[bool] = False
    #: An example's targets must add up to 1 (a class distribution).
    distribution_targets: ClassVar[bool] = False
    #: Its derivative holds an (out − target) a student may write (target − out): the
    #: checker's target_output_swapped (tracer/check/mistakes.py).
    output_minus_target: ClassVar[bool] = False
    #: A term (and its derivative) with target 0 is 0 whatever the output: −t ln o.
    zero_target_drops: ClassVar[bool] = False

    @classmethod
    def output_error(cls, act: Activation) -> str | None:
        """The problem-file error when ``act`` cannot be this loss's output activation."""
        if cls.output is None or isinstance(act, cls.output):
            return None
        return (f"found {cls.name} with a {act.name} output layer; expected {cls.output.name} on the "
                f"output layer{cls.output_reason} for {cls.name} (or another loss)")

    def closed_form_delta(self, act: Activation) -> bool:
        """Whether δ of an output layer with ``act`` is exactly out - target: the loss's
        derivative cancels the activation's (softmax + cross-entropy, sigmoid + binary
        cross-entropy), so the engine never divides by an out near 0 or 1."""
        return self.output is not None and isinstance(act, self.output)

    def closed_delta(self, out: np.ndarray, target: np.ndarray) -> np.ndarray:
        """δ in closed form (where ``closed_form_delta``): out - target. For softmax it uses
        that the targets add up to 1, which reading the problem checks."""
        return out - target

    def closed_delta_entry(self, out: Operand, target: Operand) -> tuple[Op, list[Operand]]:
        """The op and operands of a closed-form δ entry: out - target."""
        return Difference(), [out, target]

    def mistaken_factors(self, derivative: bool) -> tuple[float, ...]:
        """loss_factor: what the loss (``derivative``: its derivative ∂E/∂out) is off by when
        a student loses or doubles its constant; () for a loss without one."""
        return ()

    def closed_delta_derivation(self, act: Activation, names: Names = TOTAL) -> list[list[Node]]:
        """Why δ = out - target with ``act`` (where ``closed_form_delta``): a few chains
        symbol = step = ... = o_j - t_j over the generic names t_j, o_j, net_j and the total
        loss's name ``names``; [] otherwise."""
        return []

    def value(self, out: np.ndarray, target: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def dout(self, out: np.ndarray, target: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def stable_value(self, net: np.ndarray, out: np.ndarray, target: np.ndarray,
                     act: Activation) -> np.ndarray:
        """Per-output loss computed from net where that avoids ln(0) (sigmoid/softmax outputs)."""
        return self.value(out, target)

    def op(self) -> Op:
        return LossOp(self)

    def dout_op(self) -> Op:
        return LossOp(self, derivative=True)

    def tree(self, t: Node, o: Node) -> Node:
        """E_j in terms of the target t and the output o."""
        raise NotImplementedError

    def dout_tree(self, t: Node, o: Node) -> Node:
        """∂E_j/∂o in terms of the target t and the output o."""
        raise NotImplementedError

    def latex(self, t: str, o: str) -> str:
        """E_j over named quantities, as LaTeX (``t``, ``o``: symbols' LaTeX)."""
        return latex(self.tree(Symbol(t, t), Symbol(o, o)))

    def sympy(self, t: Expr, o: Expr) -> Expr:
        raise NotImplementedError

    def dout_sympy(self, t: Expr, o: Expr) -> Expr:
        raise NotImplementedError


@dataclass(frozen=True)
class HalfSquaredError(Loss):
    name: ClassVar[str] = "half_squared_error"

    output_minus_target: ClassVar[bool] = True

    def mistaken_factors(self, derivative):
        # the value without its ½ (×2); the derivative as 2(o − t) or ½(o − t)
        return (2.0, 0.5) if derivative else (2.0,)

    def value(self, out, target):
        return 0.5 * (target - out) ** 2

    def dout(self, out, target):
        return out - target

    def tree(self, t, o):
        return Mul((Frac(ONE, TWO), Pow(Group(Sub(t, o)), TWO)), sign="juxtapose")

    def dout_tree(self, t, o):
        return Sub(o, t)

    def sympy(self, t, o):
        return sympy.Rational(1, 2) * (t - o) ** 2

    def dout_sympy(self, t, o):
        return o - t


@dataclass(frozen=True)
class SquaredError(Loss):
    name: ClassVar[str] = "squared_error"

    output_minus_target: ClassVar[bool] = True

    def mistaken_factors(self, derivative):
        # the derivative without its 2: (o − t)
        return (0.5,) if derivative else ()

    def value(self, out, target):
        return (target - out) ** 2

    def dout(self, out, target):
        return 2.0 * (out - target)

    def tree(self, t, o):
        return Pow(Group(Sub(t, o)), TWO)

    def dout_tree(self, t, o):
        return Mul((TWO, Group(Sub(o, t))), sign="juxtapose")

    def sympy(self, t, o):
        return (t - o) ** 2

    def dout_sympy(self, t, o):
        return 2 * (o - t)


@dataclass(frozen=True)
class MeanSquaredError(Loss):
    name: ClassVar[str] = "mean_squared_error"

    output_minus_target: ClassVar[bool] = True

    def mistaken_factors(self, derivative):
        # without its 1/n (×n); the derivative also without its 2 (×½); n = 1 loses nothing
        factors = (float(self.n), 0.5) if derivative else (float(self.n),)
        return tuple(f for f in factors if f != 1.0)

    def value(self, out, target):
        return (target - out) ** 2 / self.n

    def dout(self, out, target):
        return 2.0 * (out - target) / self.n

    def tree(self, t, o):
        """(1/n)(t - o)²; one output: (t - o)², never a 1/1."""
        square = Pow(Group(Sub(t, o)), TWO)
        return square if self.n == 1 else Mul((Frac(ONE, Number(str(self.n))), square), sign="juxtapose")

    def dout_tree(self, t, o):
        """(2/n)(o - t); one output: 2(o - t), never a 2/1."""
        return Mul((TWO if self.n == 1 else Frac(TWO, Number(str(self.n))), Group(Sub(o, t))), sign="juxtapose")

    def sympy(self, t, o):
        return (t - o) ** 2 / self.n

    def dout_sympy(self, t, o):
        return 2 * (o - t) / self.n


@dataclass(frozen=True)
class BinaryCrossEntropy(Loss):
    name: ClassVar[str] = "binary_cross_entropy"
    output: ClassVar[type[Activation] | None] = Sigmoid
    # text, not a name: the problem-file error says why sigmoid
    output_reason: ClassVar[str] = ", whose outputs lie in (0, 1)"
    probability_targets: ClassVar[bool] = True

    def value(self, out, target):
        with np.errstate(divide="ignore", invalid="ignore"):
            a = np.where(target > 0, target * np.log(out), 0.0)
            b = np.where(target < 1, (1 - target) * np.log1p(-out), 0.0)
        return -(a + b)

    def stable_value(self, net, out, target, act):
        if not isinstance(act, Sigmoid):
            return self.value(out, target)
        # -[t ln σ(z) + (1-t) ln(1-σ(z))] = t·softplus(-z) + (1-t)·softplus(z)
        return target * np.logaddexp(0.0, -net) + (1 - target) * np.logaddexp(0.0, net)

    def dout(self, out, target):
        # (o - t)/(o(1 - o)) written as (1 - t)/(1 - o) - t/o, each term only where its target
        # weight is nonzero: a saturated o = 1 with t = 1 gives -1, not 0/0 = nan
        with np.errstate(divide="ignore", invalid="ignore"):
            return (np.where(target < 1, (1 - target) / (1.0 - out), 0.0)
                    - np.where(target > 0, target / out, 0.0))

    def tree(self, t, o):
        return Neg(Group(Add((Mul((t, _ln(o)), sign="juxtapose"),
                              Mul((Group(Sub(ONE, t)), _ln(Sub(ONE, o))), sign="juxtapose"))), sized=True))

    def dout_tree(self, t, o):
        return Frac(Sub(o, t), Mul((o, Group(Sub(ONE, o))), sign="juxtapose"))

    def sympy(self, t, o):
        return -(t * sympy.log(o) + (1 - t) * sympy.log(1 - o))

    def dout_sympy(self, t, o):
        return (o - t) / (o * (1 - o))

    def closed_delta_derivation(self, act, names=TOTAL):
        """δ = ∂E/∂o · ∂o/∂net = (o - t)/(o(1 - o)) · o(1 - o) = o - t: the sigmoid's slope
        cancels the loss's denominator."""
        if not self.closed_form_delta(act):
            return []
        t, o, net = GENERIC
        dact = act.dact_tree(net, o)
        return [[Symbol("\\delta_{j}", "delta_j"), Mul((_d(Symbol("E_{j}", "E_j"), o), _d(o, net))),
                 Mul((self.dout_tree(t, o), dact)), Sub(o, t)]]


@dataclass(frozen=True)
class CrossEntropy(Loss):
    """-Σ t ln o over a softmax output; targets are a distribution (one-hot or soft)."""

    name: ClassVar[str] = "cross_entropy"
    output: ClassVar[type[Activation] | None] = Softmax
    probability_targets: ClassVar[bool] = True
    distribution_targets: ClassVar[bool] = True
    zero_target_drops: ClassVar[bool] = True

    def value(self, out, target):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(target > 0, -target * np.log(out), 0.0)

    def stable_value(self, net, out, target, act):
        shifted = net - np.max(net)
        log_softmax = shifted - np.log(np.sum(np.exp(shifted)))
        return np.where(target > 0, -target * log_softmax, 0.0)

    def dout(self, out, target):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(target > 0, -target / out, 0.0)

    def tree(self, t, o):
        return Neg(Mul((t, _ln(o)), sign="juxtapose"))

    def dout_tree(self, t, o):
        return Neg(Frac(t, o))

    def sympy(self, t, o):
        return -t * sympy.log(o)

    def dout_sympy(self, t, o):
        return -t / o

    def closed_delta_derivation(self, act, names=TOTAL):
        """With o_k = e^{net_k}/Σ_m e^{net_m}, ln o_k = net_k - ln Σ_m e^{net_m}; the targets
        add up to 1, so E = -Σ_k t_k net_k + ln Σ_m e^{net_m} and ∂E/∂net_j = o_j - t_j."""
        if not self.closed_form_delta(act):
            return []
        t, o, net = GENERIC
        total = Symbol(names.latex, names.plain)
        k, m = Symbol("k", "k"), Symbol("m", "m")
        t_k, o_k, net_k = (Symbol(f"{x}_{{k}}", f"{x}_k") for x in ("t", "o", "net"))
        net_m = Symbol("net_{m}", "net_m")
        log_sum = Mul((LN, Sigma(m, Pow(Symbol("e", "e"), net_m))), sign="juxtapose")
        softmax = Frac(Pow(Symbol("e", "e"), net_k), Sigma(m, Pow(Symbol("e", "e"), net_m)))
        return [[_ln(o_k), Mul((LN, softmax), sign="juxtapose"), Sub(net_k, log_sum)],
                [total, Neg(Sigma(k, Mul((t_k, _ln(o_k)), sign="juxtapose"))),
                 Neg(Sigma(k, Mul((t_k, Group(Sub(net_k, log_sum), sized=True)), sign="juxtapose"))),
                 Add((Neg(Sigma(k, Mul((t_k, net_k)))), log_sum))],
                [_d(total, net), Add((Neg(t), Frac(Pow(Symbol("e", "e"), net), Sigma(m, Pow(Symbol("e", "e"), net_m))))),
                 Sub(o, t)]]


#: The generic target, output and net input of output neuron j that derivations use.
GENERIC = (Symbol("t_{j}", "t_j"), Symbol("o_{j}", "o_j"), Symbol("net_{j}", "net_j"))


def _d(top: Symbol, bottom: Symbol) -> Symbol:
    """The name ∂top/∂bottom."""
    return Symbol(f"\\frac{{\\partial {top.latex}}}{{\\partial {bottom.latex}}}", f"d{top.text}/d{bottom.text}")


LOSSES: dict[str, type[Loss]] = {
    cls.name: cls
    for cls in (HalfSquaredError, SquaredError, MeanSquaredError, BinaryCrossEntropy, CrossEntropy)
}
#: The loss of a problem file that names none.
DEFAULT_LOSS: type[Loss] = HalfSquaredError
