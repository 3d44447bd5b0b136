"""Evaluating a formula tree: what a calculator gives for the numbers as printed.

A substitution line ``0.15 · 0.05 + 0.2 · 0.1 + 0.35`` is a tree with ``Number`` leaves;
evaluating it reads each leaf's *text* (what the reader sees, not the float behind it), so
a test can check that every printed line adds up to its printed result. Matrices evaluate
to numpy arrays: ``W·A`` is a matrix product, ``⊙`` element by element, ``(A)^T`` the
transpose, ``σ([..])`` the function on every element.

A tree with a symbol (a name, not a number) or an elided gap has no value: ``evaluate``
raises ``Unevaluable``. Functions are looked up by their plain name (``tanh``, ``max``,
``ln``, ``exp`` are built in; callers add the activations they print, ``sigmoid``...).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import numpy as np

from .printer import FormulaPrinter
from .tree import (
    Abs,
    Add,
    Apply,
    Blank,
    Boxed,
    Cases,
    Displayed,
    Floor,
    Frac,
    Gap,
    Group,
    Listing,
    Matrix,
    Mul,
    Neg,
    Node,
    Number,
    Pow,
    Relation,
    Sigma,
    Sqrt,
    Sub,
    Symbol,
    Text,
    Where,
)

Value = Any  # a float, or a numpy array for a matrix
Function = Callable[..., Value]

BUILTINS: dict[str, Function] = {
    "tanh": np.tanh, "exp": np.exp, "ln": np.log, "log": np.log, "sign": np.sign,
    "max": lambda *a: np.maximum.reduce(np.broadcast_arrays(*a)) if len(a) > 1 else a[0],
    "min": lambda *a: np.minimum.reduce(np.broadcast_arrays(*a)) if len(a) > 1 else a[0],
}
_RELATIONS: dict[str, Callable[[Value, Value], Value]] = {
    ">": lambda a, b: a > b, "<": lambda a, b: a < b, ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b, "=": lambda a, b: a == b, "!=": lambda a, b: a != b,
}


class Unevaluable(ValueError):
    """The tree holds something that is not a number (a name, an elided gap, words)."""


def number_value(text: str) -> float:
    """A printed number's value (``-0.5933``, ``1e-05``; a unicode minus read as ``-``)."""
    try:
        return float(Decimal(text.replace("−", "-")))
    except ArithmeticError:
        raise Unevaluable(f"not a number: {text!r}") from None


class Evaluator(FormulaPrinter[Value]):
    """Evaluates a tree; ``functions`` adds functions by plain name to the built-in ones."""

    def __init__(self, functions: Mapping[str, Function] | None = None) -> None:
        super().__init__()
        self.functions = {**BUILTINS, **(functions or {})}

    def _print_Number(self, node: Number, lead: bool) -> Value:
        return number_value(node.text)

    def _print_Symbol(self, node: Symbol, lead: bool) -> Value:
        """A name has no value here (Euler's e is read as the base of a power, e^{x}: a lone
        ``e`` is a name, the error of Negnevitsky's perceptron)."""
        raise Unevaluable(f"a name: {node.text}")

    def _print_Text(self, node: Text, lead: bool) -> Value:
        raise Unevaluable(f"words: {node.text}")

    def _print_Gap(self, node: Gap, lead: bool) -> Value:
        raise Unevaluable("elided terms")

    def _print_Sigma(self, node: Sigma, lead: bool) -> Value:
        raise Unevaluable("a sum over an index")

    def _print_Add(self, node: Add, lead: bool) -> Value:
        values = [self.print(t) for t in node.terms]
        if all(np.ndim(v) == 0 for v in values):
            return math.fsum(values)
        total = values[0]
        for v in values[1:]:
            total = total + v
        return total

    def _print_Sub(self, node: Sub, lead: bool) -> Value:
        return self.print(node.left) - self.print(node.right)

    def _print_Neg(self, node: Neg, lead: bool) -> Value:
        return -self.print(node.body)

    def _print_Mul(self, node: Mul, lead: bool) -> Value:
        values = [self.print(f) for f in node.factors]
        out = values[0]
        for v in values[1:]:
            matrices = np.ndim(out) == 2 and np.ndim(v) == 2
            out = out @ v if matrices and node.sign != "odot" else out * v
        return out

    def _print_Frac(self, node: Frac, lead: bool) -> Value:
        return self.print(node.num) / self.print(node.den)

    def _print_Pow(self, node: Pow, lead: bool) -> Value:
        if isinstance(node.exp, Symbol) and node.exp.text == "T":
            return np.transpose(self.print(node.base))
        base, exp = node.base, self.print(node.exp)
        if isinstance(base, Symbol) and base.text == "e":
            return np.exp(exp)
        return self.print(base) ** exp

    def _print_Apply(self, node: Apply, lead: bool) -> Value:
        function = self.functions.get(node.func.text)
        if function is None:
            raise Unevaluable(f"an unknown function: {node.func.text}")
        return function(*[self.print(a) for a in node.args])

    def _print_Group(self, node: Group, lead: bool) -> Value:
        return self.print(node.body)

    def _print_Sqrt(self, node: Sqrt, lead: bool) -> Value:
        return np.sqrt(self.print(node.body))

    def _print_Abs(self, node: Abs, lead: bool) -> Value:
        return np.abs(self.print(node.body))

    def _print_Blank(self, node: Blank, lead: bool) -> Value:
        raise Unevaluable("an answer left blank")

    def _print_Displayed(self, node: Displayed, lead: bool) -> Value:
        return self.print(node.body)

    def _print_Boxed(self, node: Boxed, lead: bool) -> Value:
        return self.print(node.body)

    def _print_Listing(self, node: Listing, lead: bool) -> Value:
        raise ValueError("a list of formulas has no single value")

    def _print_Floor(self, node: Floor, lead: bool) -> Value:
        return np.floor(self.print(node.body))

    def _print_Cases(self, node: Cases, lead: bool) -> Value:
        for value, when in node.rows:
            if when is None or bool(self.print(when)):
                return self.print(value)
        raise Unevaluable("no case applies")

    def _print_Relation(self, node: Relation, lead: bool) -> Value:
        return _RELATIONS[node.op](self.print(node.left), self.print(node.right))

    def _print_Where(self, node: Where, lead: bool) -> Value:
        return self.print(node.body)

    def _print_Matrix(self, node: Matrix, lead: bool) -> Value:
        return np.array([[self.print(c) for c in row] for row in node.rows], dtype=float)


def evaluate(node: Node, functions: Mapping[str, Function] | None = None) -> Value:
    """The value of a tree of numbers (a float, or an array for a matrix); ``Unevaluable``
    when it holds a name, a gap or words."""
    return Evaluator(functions).doprint(node)
