"""Layers: each owns its numbers (forward, backward, gradients) and the entries recording them.

A layer sits between the network's input side and its loss. Forward, it turns the outputs
of the layer below into its own; backward, it takes ∂E/∂out of its outputs, asks its
activation for ∂out/∂net and δ, and gives the gradients of its parameters and ∂E/∂(its
inputs) for the layer below. The engine's loop (``engine.numeric`` for the numbers,
``engine.trace`` for the log) drives a stack of layers through this interface and knows
nothing of weighted sums: a convolution or pooling layer is another class with the same
methods.

Recording goes through a ``Sink`` (the engine's recorder): ``add`` logs an entry,
``get`` finds one of this step's entries, ``given`` makes an operand of data (an input,
a weight). Layers are numbered from 1; neurons and sources too.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..engine.ops import BACKPROPAGATED_PAIR, GRADIENT, Identity, Negated, Op, Operand, Sum, ThresholdSum, WeightedSum
from ..engine.rounding import rounded_as
from .activations import Activation

Rnd = Callable[[np.ndarray], np.ndarray]
#: The op and operands of one entry, built on request for neuron j.
EntryParts = Callable[[int], tuple[Op, list[Operand]]]


class Sink(Protocol):
    """What a layer records its entries into (``engine.trace.Recorder``)."""

    def add(self, kind: str, layer: int, neuron: int | None, source: int | None, op: Op,
            operands: list[Operand], value: float, key_extra: tuple = ()) -> Operand: ...

    def get(self, kind: str, layer: int, neuron: int | None, source: int | None = None) -> Operand: ...

    def given(self, kind: str, layer: int, neuron: int | None, value: float,
              source: int | None = None) -> Operand: ...


@dataclass(frozen=True)
class Dense:
    """A fully connected layer: net_j = Σ_i w_ji·x_i (+ b_j), out = activation(net).

    Weights W (rows = receiving neurons, ``size`` × ``inputs``); biases per neuron
    (shape (size,)), one shared per layer (shape (1,)) or none (shape (0,)).
    """

    index: int
    size: int
    inputs: int
    activation: Activation
    bias: str = "per_neuron"  # per_neuron | per_layer | none
    #: ``conventions.bias: subtracted``: the bias is a threshold θ, net = Σ w·x − θ, so ∂E/∂θ = −δ.
    threshold: bool = False

    def bias_neuron(self, j: int) -> int | None:
        """The neuron a bias is indexed by: None for a bias shared by the layer."""
        return None if self.bias == "per_layer" else j

    # --- numbers ------------------------------------------------------------------------
    def forward(self, W: np.ndarray, b: np.ndarray | float, x: np.ndarray, rnd: Rnd) -> tuple[np.ndarray, np.ndarray]:
        """(net, out) of one example."""
        net = rounded_as(rnd, "net")(W @ x - b if self.threshold else W @ x + b)
        return net, rounded_as(rnd, "out")(self.activation.forward(net))

    def backward(self, net: np.ndarray, out: np.ndarray, dout: np.ndarray, rnd: Rnd,
                 closed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(∂out/∂net, δ) from ∂E/∂out; ``closed`` is δ when the loss gives it in closed form."""
        dact = rounded_as(rnd, "dact")(self.activation.derivative(net, out))
        return dact, rounded_as(rnd, "dnet")(closed if closed is not None else self.activation.delta(out, dout, dact))

    def gradients(self, delta: np.ndarray, x: np.ndarray, b: np.ndarray, rnd: Rnd) -> tuple[np.ndarray, np.ndarray]:
        """(∂E/∂W, ∂E/∂b): δ·xᵀ; δ for a neuron's own bias, Σδ for a shared one."""
        # np.outer's own arithmetic (delta[:, None] * x[None, :]) without its per-call overhead
        db = bias_gradient(b, delta, rounded_as(rnd, "db"))
        return rounded_as(rnd, "dw")(delta[:, None] * x[None, :]), -db if self.threshold else db

    def input_gradient(self, W: np.ndarray, delta: np.ndarray, rnd: Rnd) -> np.ndarray:
        """∂E/∂x for the layer below: Wᵀ·δ."""
        return rounded_as(rnd, "dout")(W.T @ delta)

    # --- entries ------------------------------------------------------------------------
    # Arrays are read through tolist() once per layer: indexing element by element builds a
    # numpy scalar per read, and a 784-30-10 step reads ~100,000.
    def record_forward(self, rec: Sink, weights: np.ndarray, bias: np.ndarray, senders: Sequence[Operand],
                       net: np.ndarray, out: np.ndarray) -> None:
        """Every net (weights and the senders' outputs, then the bias), then every out."""
        l, act, n = self.index, self.activation, self.size
        W, b, nets, outs = weights.tolist(), bias.tolist(), net.tolist(), out.tolist()
        has_bias = self.bias != "none"
        net_op: Op = ThresholdSum() if self.threshold and has_bias else WeightedSum(has_bias)
        for j in range(1, n + 1):
            operands: list[Operand] = []
            for i, (w, sender) in enumerate(zip(W[j - 1], senders), 1):
                operands += [rec.given("weight", l, j, w, source=i), sender]
            if has_bias:
                operands.append(rec.given("bias", l, self.bias_neuron(j), b[j - 1] if len(b) > 1 else b[0]))
            rec.add("net", l, j, None, net_op, operands, nets[j - 1])
        for j in range(1, n + 1):
            if act.layerwise:
                operands = [rec.get("net", l, k) for k in range(1, n + 1)]
            else:
                operands = [rec.get("net", l, j)]
            rec.add("out", l, j, None, act.out_op(j - 1), operands, outs[j - 1])

    def record_backward(self, rec: Sink, dout_entry: EntryParts, closed: EntryParts | None,
                        dout: np.ndarray, dact: np.ndarray, dnet: np.ndarray) -> None:
        """∂E/∂out (as ``dout_entry`` builds it), ∂out/∂net, then δ (the activation's, or
        the loss's closed form)."""
        l, act, n = self.index, self.activation, self.size
        douts, dacts, dnets = dout.tolist(), dact.tolist(), dnet.tolist()
        for j in range(1, n + 1):
            rec.add("dout", l, j, None, *dout_entry(j), douts[j - 1])
        dact_op = act.dact_op()
        for j in range(1, n + 1):
            rec.add("dact", l, j, None, dact_op, [rec.get("net", l, j), rec.get("out", l, j)], dacts[j - 1])
        for j in range(1, n + 1):
            parts = closed(j) if closed is not None else act.delta_entry(
                j, n, lambda k: rec.get("out", l, k), lambda k: rec.get("dout", l, k),
                lambda k: rec.get("dact", l, k))
            rec.add("dnet", l, j, None, *parts, dnets[j - 1])

    def record_gradients(self, rec: Sink, senders: Sequence[Operand], dweights: np.ndarray,
                         dbias: np.ndarray) -> None:
        """∂E/∂w = δ·(the sender's output); ∂E/∂b = δ, or Σδ for a shared bias."""
        l = self.index
        dw, db = dweights.tolist(), dbias.tolist()
        for j, row in enumerate(dw, 1):
            delta = rec.get("dnet", l, j)
            for i, (g, sender) in enumerate(zip(row, senders), 1):
                rec.add("dw", l, j, i, GRADIENT, [delta, sender], g)
        if not db:
            return
        if self.bias == "per_layer":
            deltas = [rec.get("dnet", l, j) for j in range(1, self.size + 1)]
            op: Op = Sum() if len(deltas) > 1 else Identity()
            rec.add("db", l, None, None, Negated(op) if self.threshold else op, deltas, db[0])
            return
        op = Negated(Identity()) if self.threshold else Identity()
        for j, g in enumerate(db, 1):
            rec.add("db", l, j, None, op, [rec.get("dnet", l, j)], g)

    def input_gradient_entry(self, rec: Sink, weights: np.ndarray) -> EntryParts:
        """∂E/∂x_i for the layer below: Σ_k δ_k·w_ki over this layer's neurons."""
        l, WT = self.index, weights.T.tolist()

        def parts(i: int) -> tuple[Op, list[Operand]]:
            operands: list[Operand] = []
            for k, w in enumerate(WT[i - 1], 1):
                operands += [rec.get("dnet", l, k), rec.given("weight", l, k, w, source=i)]
            return WeightedSum(False, BACKPROPAGATED_PAIR), operands
        return parts


def bias_gradient(bias: np.ndarray, dnet: np.ndarray, rnd: Rnd) -> np.ndarray:
    """Per-neuron biases take δ; one shared bias per layer takes the sum of its layer's δ."""
    if bias.size == 0:
        return np.empty(0)
    if bias.size == dnet.size:  # per neuron (a one-neuron layer's shared bias is the same thing)
        return dnet.copy()
    return rnd(np.array([dnet.sum()]))


def dense_stack(sizes: Sequence[int], activations: Sequence[Activation], bias: str,
                threshold: bool = False) -> tuple[Dense, ...]:
    """The layers of a fully connected network, layer 1 first (``threshold``: θ subtracted)."""
    return tuple(Dense(l, sizes[l], sizes[l - 1], activations[l - 1], bias, threshold)
                 for l in range(1, len(sizes)))
