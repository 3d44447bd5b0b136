"""A convolutional network's quantities in words: what an exercise sheet, an answer key and an
LMS question say each asked quantity is (``Cell [1, 2, 3] of layer 1's feature map``)."""
from __future__ import annotations

from ..engine.convtrace import CELL_KINDS
from ..engine.log import Entry, TraceLog
from ..model.conv import Conv2D
from ..model.conv_problem import ConvProblem

#: What each kind of a convolutional network's quantity is, in words; {l} is the layer,
#: {at} the cell or weight's bracket index.
CONV_DESCRIPTIONS = {
    "out_size": "The output {side} of layer {l}",
    "params": "The number of parameters of layer {l}",
    "cell_net": "Cell [{at}] of layer {l}'s feature map, before the activation",
    "cell_out": "Cell [{at}] of layer {l}'s feature map",
    "pooled": "Cell [{at}] of layer {l}'s pooled map",
    "cell_dout": "The gradient of the loss for cell [{at}] of layer {l}'s output map",
    "cell_dact": "The activation's derivative at cell [{at}] of layer {l}'s feature map",
    "cell_dnet": "The delta of cell [{at}] of layer {l}'s feature map (before the activation)",
    "dk": "The gradient of the loss for kernel weight [{at}] of layer {l}",
    "new_k": "The new value of kernel weight [{at}] of layer {l} after the update",
    "net": "The net input of unit {j} of layer {l}",
    "out": "The output of unit {j} of layer {l}",
    "loss": "The loss term of output {j}",
    "error": "The difference between the target and output {j}",
    "dout": "The gradient of the loss for the output of unit {j} of layer {l}",
    "dact": "The activation's derivative at unit {j} of layer {l}",
    "dnet": "The delta of unit {j} of layer {l}",
    "dw": "The gradient of the loss for the weight from input {i} to unit {j} of layer {l}",
    "db": "The gradient of the loss for the bias of {unit} of layer {l}",
    "new_w": "The new value of the weight from input {i} to unit {j} of layer {l} after the update",
    "new_b": "The new value of the bias of {unit} of layer {l} after the update",
}


def conv_what(log: TraceLog, e: Entry) -> str:
    """A convolutional network's quantity in words, for the exercise sheet and the LMS."""
    problem = log.problem
    assert isinstance(problem, ConvProblem)
    if e.kind == "loss" and e.neuron is None:
        return "The total loss"
    if e.kind not in CONV_DESCRIPTIONS or e.layer is None:
        return f"The value of {e.name}"
    names, l = problem.names, e.layer
    at = side = unit = ""
    j = i = 0
    if e.kind == "out_size":
        side = "height" if e.neuron == 1 else "width"
    elif e.kind in CELL_KINDS and e.neuron is not None:
        at = ", ".join(str(k + names.base) for k in names.cell(e.kind, l, e.neuron))
    elif e.neuron is not None:
        j, i = e.neuron - 1 + names.base, (e.source or 1) - 1 + names.base
        conv = isinstance(problem.stack[l - 1], Conv2D)
        unit = f"filter {j}" if conv else f"unit {j}"
    return CONV_DESCRIPTIONS[e.kind].format(l=l, at=at, side=side, j=j, i=i, unit=unit)
