"""L2 and L1 regularization: a penalty added to the loss, its gradient added to the data gradient.

``{l2: λ}`` adds (λ/2)·Σw² (gradient λ·w), ``{l1: λ}`` adds λ·Σ|w| (gradient λ·sign(w), 0
at 0), over the weights, and the biases too with ``biases: true`` (a bias shared by a
layer counts once). ``scale: batch`` divides both by the number of examples in the batch
(Ng's λ/2m). The optimizer sees data gradient + penalty gradient.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..engine.ops import Op
from ..formula.tree import (
    Abs,
    Add,
    Apply,
    Frac,
    Group,
    Mul,
    Node,
    Number,
    Symbol,
    elided,
)
from .optimizers.ops import squared
from .schema import MISSING, Reader

if TYPE_CHECKING:
    import sympy
else:  # imported on first use (tracer/_lazy.py)
    from .._lazy import sympy

FIELDS = ("l2", "l1", "biases", "scale")
SCALES = ("none", "batch")
HELP = "a mapping {l2: λ} or {l1: λ} (and biases: true, scale: batch)"
TWO = Number("2", 2.0)
SIGN = Symbol("\\mathrm{sign}", "sign")


@dataclass(frozen=True)
class Regularization:
    l2: float = 0.0
    l1: float = 0.0
    biases: bool = False
    scale: str = "none"     # none | batch

    def spec(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.l2:
            out["l2"] = self.l2
        if self.l1:
            out["l1"] = self.l1
        return out | {"biases": self.biases, "scale": self.scale}

    def strengths(self) -> list[tuple[str, str, float]]:
        """Each penalty's strength as (name, LaTeX symbol, value): λ alone, or λ_2 and λ_1
        when both penalties are used ({l2: 0.01} is [("lambda", "\\lambda", 0.01)])."""
        both = bool(self.l2) and bool(self.l1)
        out = []
        if self.l2:
            out.append(("lambda2", "\\lambda_{2}", self.l2) if both else ("lambda", "\\lambda", self.l2))
        if self.l1:
            out.append(("lambda1", "\\lambda_{1}", self.l1) if both else ("lambda", "\\lambda", self.l1))
        return out

    def covers(self, kind: str) -> bool:
        """Whether parameters of this kind (weight, bias) are penalised."""
        return kind == "weight" or self.biases

    def divisor(self, batch: int) -> float:
        return float(batch) if self.scale == "batch" else 1.0

    def penalty(self, arrays: Sequence[np.ndarray], batch: int) -> float:
        """The penalty over the given parameter arrays (as ``Penalty.evaluate``)."""
        values = [float(x) for a in arrays for x in np.ravel(a)]
        return Penalty(bool(self.l2), bool(self.l1), self.scale == "batch").evaluate(
            self.operand_values(batch) + values)

    def gradient(self, param: np.ndarray, grad: np.ndarray, batch: int) -> np.ndarray:
        """Data gradient + the penalty's gradient (as ``PenalizedGradient.evaluate``)."""
        m = self.divisor(batch)
        out = grad
        if self.l2:
            out = out + self.l2 / m * param
        if self.l1:
            out = out + self.l1 / m * np.sign(param)
        return np.asarray(out)

    def operand_values(self, batch: int) -> list[float]:
        """The numbers before the parameters in a penalty entry's operands: λ2, λ1, m (each if used)."""
        return ([self.l2] if self.l2 else []) + ([self.l1] if self.l1 else []) + \
            ([float(batch)] if self.scale == "batch" else [])


def _rate(lam: Node, m: Node | None) -> Node:
    if m is None:
        return lam
    return Frac(lam, m)


@dataclass(frozen=True)
class Penalty(Op):
    """(λ2/2)(w1² + w2² + ...) + λ1(|w1| + |w2| + ...), each over m with ``scaled``.

    Operands: λ2 (with l2), λ1 (with l1), m (with scaled), then the parameters."""

    l2: bool
    l1: bool
    scaled: bool

    def _split(self, items: Sequence):
        k = 0
        lam2 = lam1 = m = None
        if self.l2:
            lam2, k = items[k], k + 1
        if self.l1:
            lam1, k = items[k], k + 1
        if self.scaled:
            m, k = items[k], k + 1
        return lam2, lam1, m, list(items[k:])

    def roles(self, n):
        head = (("lambda2",) if self.l2 else ()) + (("lambda1",) if self.l1 else ()) + (("batch",) if self.scaled else ())
        return (*head, *("param",) * (n - len(head)))

    def tree(self, args, max_terms=None):
        lam2, lam1, m, ws = self._split(args)
        parts: list[Node] = []
        if lam2 is not None:
            den: Node = TWO if m is None else Mul((TWO, m), sign="cdot" if isinstance(m, Number) else "juxtapose")
            squares = Add(elided([squared(w) for w in ws], max_terms))
            parts.append(Mul((Frac(lam2, den), Group(squares, sized=True)), sign="juxtapose"))
        if lam1 is not None:
            absolutes = Add(elided([Abs(w) for w in ws], max_terms))
            parts.append(Mul((_rate(lam1, m), Group(absolutes, sized=True)), sign="juxtapose"))
        return parts[0] if len(parts) == 1 else Add(tuple(parts))

    def sympy(self, s):
        lam2, lam1, m, ws = self._split(s)
        m = 1 if m is None else m
        total = 0
        if lam2 is not None:
            total += lam2 / (2 * m) * sympy.Add(*[w ** 2 for w in ws])
        if lam1 is not None:
            total += lam1 / m * sympy.Add(*[sympy.Abs(w) for w in ws])
        return total

    def evaluate(self, x):
        lam2, lam1, m, ws = self._split(x)
        total = 0.0
        if lam2 is not None:
            total += lam2 / (2 * m if m is not None else 2) * math.fsum(w * w for w in ws)
        if lam1 is not None:
            total += (lam1 / m if m is not None else lam1) * math.fsum(abs(w) for w in ws)
        return total


@dataclass(frozen=True)
class PenalizedGradient(Op):
    """g + λ2·w + λ1·sign(w) (each λ over m with ``scaled``): what the optimizer sees.

    Operands: the data gradient, λ2 (with l2), λ1 (with l1), m (with scaled), the parameter."""

    l2: bool
    l1: bool
    scaled: bool

    def roles(self, n):
        return ("grad", *(("lambda2",) if self.l2 else ()), *(("lambda1",) if self.l1 else ()),
                *(("batch",) if self.scaled else ()), "param")

    def _split(self, items: Sequence):
        g, rest = items[0], list(items[1:])
        lam2 = rest.pop(0) if self.l2 else None
        lam1 = rest.pop(0) if self.l1 else None
        m = rest.pop(0) if self.scaled else None
        return g, lam2, lam1, m, rest[0]

    def tree(self, args, max_terms=None):
        g, lam2, lam1, m, w = self._split(args)
        terms: list[Node] = [g]
        if lam2 is not None:
            terms.append(Mul((_rate(lam2, m), w)))
        if lam1 is not None:
            terms.append(Mul((_rate(lam1, m), Apply(SIGN, (w,)))))
        return Add(tuple(terms))

    def sympy(self, s):
        g, lam2, lam1, m, w = self._split(s)
        m = 1 if m is None else m
        return g + (lam2 / m * w if lam2 is not None else 0) + (lam1 / m * sympy.sign(w) if lam1 is not None else 0)

    def evaluate(self, x):
        g, lam2, lam1, m, w = self._split(x)
        out = g
        if lam2 is not None:
            out = out + (lam2 / m if m is not None else lam2) * w
        if lam1 is not None:
            out = out + (lam1 / m if m is not None else lam1) * float(np.sign(w))
        return out


def parse_regularization(value: Any, r: Reader) -> Regularization | None:
    """``training.regularization``: None when absent (or both strengths 0)."""
    if value is MISSING or value is None:
        return None
    spec = r.mapping(value, FIELDS, what=HELP)
    if "l2" not in spec and "l1" not in spec:
        raise r.fail(f"found {', '.join(spec) or 'an empty mapping'} without l2 or l1; expected {HELP}")
    reg = Regularization(
        l2=r.at("l2").number(spec.get("l2", 0.0), "a strength λ of at least 0", low=0.0),
        l1=r.at("l1").number(spec.get("l1", 0.0), "a strength λ of at least 0", low=0.0),
        biases=r.at("biases").boolean(spec.get("biases", False)),
        scale=r.at("scale").choice(spec.get("scale", "none"), SCALES),
    )
    return reg if reg.l2 or reg.l1 else None
