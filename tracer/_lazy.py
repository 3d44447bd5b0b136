"""Modules imported on first use.

sympy takes most of a second to import, longer than ``tracer run`` takes to trace and
render the default example, and only the sympy forms (``Entry.formula``,
``Entry.substituted``, the symbolic style) need it. Modules that use sympy inside their
functions write ``from ._lazy import sympy`` (under ``if not TYPE_CHECKING``, so type
checkers still see the real module) and pay for the import only when a function
actually builds a sympy expression.
"""
from __future__ import annotations

import importlib
from typing import Any


class LazyModule:
    """Stands in for a module and imports it at the first attribute access."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        value = getattr(importlib.import_module(self._name), attr)
        setattr(self, attr, value)  # later accesses find it without coming back here
        return value

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"


sympy = LazyModule("sympy")
