"""The ops of optimizer state and steps: each builds its formula tree, evaluates, and gives sympy.

Operands are named by role: ``old`` (the parameter before the step), ``grad`` (the
gradient the optimizer sees), ``prev`` (the state's own value before the step), a state
kind (``velocity``, ``m``, ``v``, ``m_hat``, ``v_hat``, ``cache``) for another state
entry, and the hyperparameters ``rate`` (η), ``momentum`` (μ), ``decay`` (β, ρ),
``epsilon`` (ε), ``step`` (t) and ``weight_decay`` (λ). The matrix style reads these roles
to write a layer's updates as one matrix equation.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...engine.ops import Op
from ...formula.tree import Add, Frac, Group, Mul, Node, Number, Pow, Sqrt, Sub, Symbol

if TYPE_CHECKING:
    import sympy as _sympy
else:  # imported on first use (tracer/_lazy.py)
    from ..._lazy import sympy as _sympy

ONE = Number("1", 1.0)
TWO = Number("2", 2.0)


def squared(x: Node) -> Node:
    """x², with brackets around a name that is a fraction or has its own superscript: (∂E/∂w)²."""
    if isinstance(x, Symbol) and ("\\frac" in x.latex or "^" in x.latex or "/" in x.text):
        return Pow(Group(x, sized=True), TWO)
    return Pow(x, TWO)


def _one_minus(beta: Node) -> Node:
    return Group(Sub(ONE, beta))


@dataclass(frozen=True)
class Velocity(Op):
    """Momentum's velocity: v = μ·v_prev + g (PyTorch), or v = μ·v_prev - η·g (cs231n)."""

    form: str = "pytorch"   # pytorch | cs231n

    def roles(self, n):
        return ("momentum", "prev", "grad") if self.form == "pytorch" else ("momentum", "prev", "rate", "grad")

    def tree(self, args, max_terms=None):
        if self.form == "pytorch":
            return Add((Mul((args[0], args[1])), args[2]))
        return Sub(Mul((args[0], args[1])), Mul((args[2], args[3])))

    def sympy(self, s):
        return s[0] * s[1] + s[2] if self.form == "pytorch" else s[0] * s[1] - s[2] * s[3]

    def evaluate(self, x):
        return x[0] * x[1] + x[2] if self.form == "pytorch" else x[0] * x[1] - x[2] * x[3]


@dataclass(frozen=True)
class MomentumStep(Op):
    """The parameter moved by the velocity: w - η·v (PyTorch), or w + v (cs231n)."""

    form: str = "pytorch"

    def roles(self, n):
        return ("old", "rate", "velocity") if self.form == "pytorch" else ("old", "velocity")

    def tree(self, args, max_terms=None):
        if self.form == "pytorch":
            return Sub(args[0], Mul((args[1], args[2])))
        return Add((args[0], args[1]))

    def sympy(self, s):
        return s[0] - s[1] * s[2] if self.form == "pytorch" else s[0] + s[1]

    def evaluate(self, x):
        return x[0] - x[1] * x[2] if self.form == "pytorch" else x[0] + x[1]


@dataclass(frozen=True)
class NesterovStep(Op):
    """PyTorch's Nesterov step with the new velocity: w - η·(g + μ·v)."""

    def roles(self, n):
        return ("old", "rate", "grad", "momentum", "velocity")

    def tree(self, args, max_terms=None):
        return Sub(args[0], Mul((args[1], Group(Add((args[2], Mul((args[3], args[4]))))))))

    def sympy(self, s):
        return s[0] - s[1] * (s[2] + s[3] * s[4])

    def evaluate(self, x):
        return x[0] - x[1] * (x[2] + x[3] * x[4])


@dataclass(frozen=True)
class Accumulate(Op):
    """Adagrad's running sum of squared gradients: G = G_prev + g²."""

    def roles(self, n):
        return ("prev", "grad")

    def tree(self, args, max_terms=None):
        return Add((args[0], squared(args[1])))

    def sympy(self, s):
        return s[0] + s[1] ** 2

    def evaluate(self, x):
        return x[0] + x[1] * x[1]


@dataclass(frozen=True)
class MovingAverage(Op):
    """An exponential moving average: β·prev + (1 - β)·g, or of g² (``squared``)."""

    squared: bool = False

    def roles(self, n):
        return ("decay", "prev", "grad")

    def tree(self, args, max_terms=None):
        g = squared(args[2]) if self.squared else args[2]
        return Add((Mul((args[0], args[1])), Mul((_one_minus(args[0]), g))))

    def sympy(self, s):
        return s[0] * s[1] + (1 - s[0]) * (s[2] ** 2 if self.squared else s[2])

    def evaluate(self, x):
        return x[0] * x[1] + (1 - x[0]) * (x[2] * x[2] if self.squared else x[2])


@dataclass(frozen=True)
class BiasCorrection(Op):
    """Adam's bias correction: m̂ = m / (1 - β^t); ``of`` is the corrected state (m or v)."""

    of: str = "m"

    def roles(self, n):
        return (self.of, "decay", "step")

    def tree(self, args, max_terms=None):
        return Frac(args[0], Sub(ONE, Pow(args[1], args[2])))

    def sympy(self, s):
        return s[0] / (1 - s[1] ** s[2])

    def evaluate(self, x):
        return x[0] / (1 - x[1] ** x[2])


@dataclass(frozen=True)
class AdaptiveStep(Op):
    """w - η·a / (√s + ε), or with ε under the root w - η·a / √(s + ε); ``decoupled`` first
    takes AdamW's weight decay off: w - η·λ·w - η·a / (√s + ε).

    ``numerator`` and ``scale`` name the roles of a and s: (grad, cache) for Adagrad and
    RMSProp, (m_hat, v_hat) for Adam."""

    numerator: str = "grad"
    scale: str = "cache"
    inside: bool = False
    decoupled: bool = False

    def roles(self, n):
        return ("old", "rate", *(("weight_decay",) if self.decoupled else ()), self.numerator, self.scale, "epsilon")

    def _split(self, items: Sequence):
        if self.decoupled:
            w, eta, lam, a, s, eps = items
        else:
            (w, eta, a, s, eps), lam = items, None
        return w, eta, lam, a, s, eps

    def tree(self, args, max_terms=None):
        w, eta, lam, a, s, eps = self._split(args)
        den = Sqrt(Add((s, eps))) if self.inside else Add((Sqrt(s), eps))
        step = Mul((eta, Frac(a, den)))
        left = Sub(w, Mul((eta, lam, w))) if lam is not None else w
        return Sub(left, step)

    def sympy(self, sym):
        w, eta, lam, a, s, eps = self._split(sym)
        den = _sympy.sqrt(s + eps) if self.inside else _sympy.sqrt(s) + eps
        return (w - eta * lam * w if lam is not None else w) - eta * a / den

    def evaluate(self, x):
        w, eta, lam, a, s, eps = self._split(x)
        den = math.sqrt(s + eps) if self.inside else math.sqrt(s) + eps
        return (w - eta * lam * w if lam is not None else w) - eta * a / den
