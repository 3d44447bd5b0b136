"""The printer base: one method per node type, chosen by the node's class name.

As in sympy's ``printing/``, a printer for a new output is a subclass with a
``_print_<Node>`` method for each node type of ``tracer.formula.tree``. Every method
gets ``lead``: whether the node opens its context (the start of a formula, of a
bracket, of a fraction's part, of a function's argument), where a negative number
needs no brackets: ``-0.7 \\cdot 0.2`` but ``0.2 \\cdot (-0.7)``.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from .tree import Node, Number

T = TypeVar("T")


class FormulaPrinter(Generic[T]):
    """Prints a formula tree as a T (text, or a width); subclasses give the ``_print_<Node>`` methods."""

    def __init__(self) -> None:
        self._methods: dict[type, Callable[[Any, bool], T]] = {}

    def doprint(self, node: Node) -> T:
        return self.print(node, True)

    def print(self, node: Node, lead: bool = False) -> T:
        cls = type(node)
        method = self._methods.get(cls)
        if method is None:
            method = self._methods[cls] = getattr(self, f"_print_{cls.__name__}")
        return method(node, lead)

    def number(self, node: Number, lead: bool) -> str:
        """A shown value; bracketed when negative and not leading."""
        return node.text if lead or not node.negative else f"({node.text})"
