"""Whole-layer matrices printed as LaTeX, with wide ones elided.

The matrix style prints Z = W·A + b with every matrix written out. A 784-30-10
network has a 30×784 weight matrix, so rows and columns beyond ``max_terms`` are
elided the way a textbook does it (first ones, ⋯ / ⋮ / ⋱, last one), with the
same rule ``ops.elide`` uses for long sums. Cells are fetched through a callback
for the kept indices only, so eliding a 23,520-cell matrix costs 64 look-ups.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ..formula.tree import Apply, Gap, Group, Matrix, Node, Number, Pow, Symbol

Cell = Callable[[int, int], Node]
T = Symbol("T", "T")


def keep(n: int, max_terms: int | None) -> list[int | None]:
    """Indices of n items to print: all, or the first max_terms-1, None (the ellipsis), the last.

    Same rule as ``ops.elide`` so a matrix and the sum it stands for elide alike.
    """
    if max_terms is None or n <= max_terms + 1 or max_terms < 2:   # a gap for one row saves nothing
        return list(range(n))
    return [*range(max_terms - 1), None, n - 1]


def _dots(row: int | None, col: int | None) -> Gap:
    """The ellipsis that fills an elided cell: across a row, down a column, or both."""
    if row is None and col is None:
        return Gap("d")
    return Gap("v" if row is None else "h")


def grid(cell: Cell, rows: int, cols: int, max_terms: int | None = None,
         max_cols: int | None = None) -> Matrix:
    """A matrix of ``cell(r, c)`` (0-based), elided past ``max_terms`` rows and columns
    (past ``max_cols`` columns when given)."""
    kept_rows, kept_cols = keep(rows, max_terms), keep(cols, max_terms if max_cols is None else max_cols)
    return _aligned(Matrix(tuple(tuple(cell(r, c) if r is not None and c is not None else _dots(r, c)
                                       for c in kept_cols) for r in kept_rows)))


def _aligned(matrix: Matrix) -> Matrix:
    """Computed whole numbers written with the decimals of the computed cells beside them:
    Z = [1.1000, 2.0000, 0.9000], not [1.1000, 2, 0.9000] (a 0 stays 0; data stays as written)."""
    computed = [c for row in matrix.rows for c in row if isinstance(c, Number) and _computed(c)]
    places = max((len(c.text.partition(".")[2]) for c in computed), default=0)
    if not places or all("." in c.text or c.text in ("0", "-0") for c in computed):
        return matrix

    def padded(c: Node) -> Node:
        if isinstance(c, Number) and _computed(c) and "." not in c.text and c.text.lstrip("-").isdigit() \
                and c.text not in ("0", "-0"):
            return replace(c, text=f"{c.text}.{'0' * places}")
        return c
    return Matrix(tuple(tuple(padded(c) for c in row) for row in matrix.rows))


def _computed(c: Number) -> bool:
    """A cell showing a computed value: an entry's, or an operand some entry made (not data)."""
    return c.entry is not None or c.made is not None


def transpose(symbol: Node) -> Node:
    """``(A)^T`` with brackets, so a superscripted symbol like A^{[1]} stays valid LaTeX."""
    return Pow(Group(symbol, sized=True), T)


def applied(function: Symbol, argument: Node) -> Node:
    """A function applied to a matrix, with brackets that grow with it: σ([..])."""
    return Apply(function, (argument,), sized=True)
