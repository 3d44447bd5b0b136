"""The dense layers of a convolutional network in the matrix style: whole layers as matrices.

``dense_lines(view, layer, kinds, step, example)`` gives one ``Line`` per kind, as the dense
matrix style prints a layer (``render/view.py``'s ``Viewer.matrix``): the net input as the
product Z = W·A + b of the weight matrix and the input column (every number an operand's
shown value, so the line adds up row by row), every other kind as the matrix of its
entries' own formulas, substitutions and values. Symbols use the network's bracket letters
(``Z^{(4)}``, ``W^{(4)}``, ``A^{(3)}``: layers of every type count, as the cells' names do),
or the notation preset's (``ConvNames.layer_symbol``).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

from ..engine.log import Entry
from ..engine.ops import Difference, Identity, Product, Update, WeightedSum
from ..formula.tree import Add, Mul, Node, Sub, Symbol
from ..model.layers import Dense
from ..model.notation import Names
from .matrices import grid, transpose
from .view import Line, shown, sym

Namer = Callable[[str, int], Names]     # (kind, layer of the stack) -> the whole-layer symbol


def dense_lines(entries_of: Callable[[str], list[Entry]], layer: Dense, kinds: Sequence[str],
                max_terms: int | None, namer: Namer) -> list[Line]:
    """One line per kind the layer has entries of (``entries_of(kind)``), in the order asked;
    ``namer`` gives the whole-layer symbols (``ConvNames.layer_symbol``)."""
    lines = []
    for kind in kinds:
        entries = entries_of(kind)
        if entries:
            lines.append(_line(kind, layer, entries, max_terms, namer))
    return lines


def _line(kind: str, layer: Dense, entries: list[Entry], max_terms: int | None, namer: Namer) -> Line:
    l, units, inputs = layer.index, layer.size, layer.inputs
    shape = (units, inputs) if kind in ("dw", "new_w") and len(entries) == units * inputs else (len(entries), 1)

    def matrix(cell: Callable[[int], Node], rows_cols: tuple[int, int]) -> Node:
        rows, cols = rows_cols
        # A flattened feature map feeds many columns of 5-significant-figure gradients
        # (-0.02353): eight of them and the dots overflow an A4 line by 11 pt, seven fit.
        col_terms = max_terms if max_terms is None or cols <= max_terms else min(max_terms, 7)
        return grid(lambda r, c: cell(r * cols + c), rows, cols, max_terms, col_terms)

    def symbol(kind: str, at: int) -> Node:
        """The whole-layer symbol; a kind the notation has none for: the matrix of element names."""
        try:
            names = namer(kind, at)
        except ValueError:
            return matrix(lambda k: entries[k].symbol, shape)
        return Symbol(names.latex, names.plain)

    result = matrix(lambda k: shown(entries[k]), shape)
    first = entries[0]
    if kind == "net" and isinstance(first.op, WeightedSum) and len(entries) == units:
        w = matrix(lambda k: shown(entries[k // inputs].operand("weight", k % inputs)), (units, inputs))
        a = matrix(lambda k: shown(first.operand("input", k)), (inputs, 1))
        formula: Node = Mul((symbol("weight", l), symbol("out", l - 1)))
        numbers: Node = Mul((w, a))
        if first.op.has_bias:
            formula = Add((formula, symbol("bias", l)))
            numbers = Add((numbers, matrix(lambda k: shown(entries[k].operand("bias")), (units, 1))))
        return Line(symbol("net", l), formula, numbers, result)
    n = len(entries)
    if kind == "dnet" and isinstance(first.op, Product) and len(first.operands) == 2:        # dA ⊙ dA/dZ
        return Line(symbol(kind, l), Mul((symbol("dout", l), symbol("dact", l)), sign="odot"),
                    Mul((matrix(lambda k: shown(entries[k].operands[0]), (n, 1)),
                         matrix(lambda k: shown(entries[k].operands[1]), (n, 1))), sign="odot"), result)
    if kind == "dnet" and isinstance(first.op, Difference):                                  # A − Y
        return Line(symbol(kind, l), Sub(symbol("out", l), symbol("target", l)),
                    Sub(matrix(lambda k: shown(entries[k].operands[0]), (n, 1)),
                        matrix(lambda k: shown(entries[k].operands[1]), (n, 1))), result)
    if kind == "dw" and isinstance(first.op, Product) and shape == (units, inputs):          # δ · Aᵀ
        return Line(symbol(kind, l), Mul((symbol("dnet", l), transpose(symbol("out", l - 1)))),
                    Mul((matrix(lambda k: shown(entries[k * inputs].operands[0]), (units, 1)),
                         matrix(lambda k: shown(entries[k].operands[1]), (1, inputs)))), result)
    if kind == "db" and isinstance(first.op, Identity):                                       # δ
        return Line(symbol(kind, l), symbol("dnet", l), matrix(lambda k: shown(entries[k].operands[0]), (n, 1)),
                    result)
    if kind in ("new_w", "new_b") and isinstance(first.op, Update):                          # W − η·dW
        eta = first.operand("rate")
        base, grad = ("weight", "dw") if kind == "new_w" else ("bias", "db")
        return Line(symbol(kind, l), Sub(symbol(base, l), Mul((sym(eta), symbol(grad, l)))),
                    Sub(matrix(lambda k: shown(entries[k].operand("old")), shape),
                        Mul((shown(eta), matrix(lambda k: shown(entries[k].operand("grad")), shape)))), result)
    return Line(symbol(kind, l), matrix(lambda k: entries[k].formula_tree(max_terms), shape),
                matrix(lambda k: entries[k].substitution_tree(max_terms), shape), result)
