"""The network diagram of a walkthrough: neurons named by the notation, edges labelled.

One function for every style: the numeric styles label edges with weight values, the
symbolic style with weight names.
"""
from __future__ import annotations

from collections.abc import Callable

from ..model.notation import Notation
from .diagram import DiagramSpec, to_svg, to_tikz
from .printers import Printer

EdgeText = Callable[[int, int, int], str]
BiasText = Callable[[int, int | None], str]


def network_figure(printer: Printer, name: str, layers: tuple[int, ...], notation: Notation,
                   bias_mode: str, edge_text: EdgeText, bias_text: BiasText) -> str:
    """Draw the network; ``edge_text(l, j, i)`` and ``bias_text(l, j or None)`` label it."""
    labels = tuple(tuple(notation.neuron(l, j).plain for j in range(1, n + 1)) for l, n in enumerate(layers))
    # every name the drawing may show, typeset as the formulas set it (a_{11}, not a_11)
    names = {n.plain: n.latex for l, size in enumerate(layers) for j in range(1, size + 1)
             for n in [notation.neuron(l, j)]}
    for l in range(1, len(layers)):
        names.update((w.plain, w.latex) for j in range(1, layers[l] + 1) for i in range(1, layers[l - 1] + 1)
                     for w in [notation.quantity("weight", l, j, i)])
        if bias_mode != "none":
            names.update((b.plain, b.latex) for j in range(1, layers[l] + 1)
                         for b in [notation.quantity("bias", l, j)])
    edges = {(l, j, i): edge_text(l, j, i) for l in range(1, len(layers))
             for j in range(1, layers[l] + 1) for i in range(1, layers[l - 1] + 1)}
    biases: dict[tuple[int, int | None], str] = {}
    if bias_mode != "none":
        for l in range(1, len(layers)):
            for j in ([None] if bias_mode == "per_layer" else range(1, layers[l] + 1)):
                biases[(l, j)] = bias_text(l, j)
    spec = DiagramSpec(layers, labels, edges, bias_labels=biases, names=names)
    svg = to_svg(spec, data=getattr(printer, "svg_data", False))
    return printer.figure(svg, to_tikz(spec), name, "Network diagram")
