"""Formula trees for templates: the few general formulas a template writes around the log's
entries (the "How to read this" conventions), built from names, never written as LaTeX.

A template reaches these as ``formula`` (``formula.eq(formula.name(a), formula.partial(e, b))``);
names are LaTeX of the documented name subset (``tracer.formula.names``: ``notation``'s
``.latex``), so every printer prints them (MathML for HTML pages); a template that hands
a printer a whole formula as a LaTeX string fails on the HTML page.
"""
from __future__ import annotations

from ..formula.names import name_text
from ..formula.tree import Blank, Displayed, Frac, Group, Listing, Mul, Neg, Node, Number, Relation, Sub, Symbol

__all__ = ["FORMULA", "TemplateFormulas"]


class TemplateFormulas:
    """Constructors a template may call (it cannot import ``tracer.formula.tree``)."""

    @staticmethod
    def name(latex: str) -> Symbol:
        """A name of the documented subset: ``net_{h1}``, ``\\frac{\\partial E}{\\partial w}``."""
        return Symbol(latex, name_text(latex))

    def partial(self, of: str, by: str) -> Frac:
        """∂of/∂by (``of``, ``by``: names)."""
        return Frac(self.name(f"\\partial {of}"), self.name(f"\\partial {by}"))

    def eq(self, left: Node | str, right: Node | str) -> Relation:
        """left = right (a string is a name)."""
        return Relation(self._node(left), "=", self._node(right))

    def step(self, new: str, old: str, rate: str, grad: str) -> Relation:
        """new = old − rate · grad: a gradient-descent step (names)."""
        return Relation(self.name(new), "=", Sub(self.name(old), Mul((self.name(rate), self.name(grad)))))

    def neg(self, part: Node | str) -> Neg:
        """−part (``-\\delta``)."""
        return Neg(self._node(part))

    def question(self, name: str) -> Displayed:
        """name = ________: an exercise's answer line."""
        return Displayed(Relation(self.name(name), "=", Blank()))

    @staticmethod
    def numbers(shown: list[str]) -> Group:
        """(0.5, 1): values as shown, in brackets (a conv network's targets)."""
        return Group(Listing(tuple(Number(t) for t in shown)))

    def _node(self, part: Node | str) -> Node:
        return part if isinstance(part, Node) else self.name(part)


FORMULA = TemplateFormulas()
