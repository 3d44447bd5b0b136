"""The numbers of one training example, layer by layer, in numpy.

One code path serves both recorded and unrecorded steps, so what a walkthrough prints
is exactly what a 10,000-epoch run computes. ``rnd`` is the identity, or the hand
rounding applied to every value before it is used again (``rounding.carry``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..model.activations import Activation
from ..model.losses import Loss

Rnd = Callable[[np.ndarray], np.ndarray]


@dataclass
class Params:
    """Weights W[l] (rows = receiving) and biases b[l] for layers l = 1..L (index 0 unused)."""

    weights: list[np.ndarray]
    biases: list[np.ndarray]  # per_neuron: shape (n,); per_layer: shape (1,); none: shape (0,)

    def bias_vector(self, l: int, n: int) -> np.ndarray | float:
        b = self.biases[l]
        return 0.0 if b.size == 0 else (b if b.size == n else b[0])


@dataclass
class Pass:
    """Forward and backward values of one example; lists are indexed by layer."""

    nets: list[np.ndarray]
    outs: list[np.ndarray]      # outs[0] is the input
    losses: np.ndarray
    total: float
    errors: np.ndarray
    douts: list[np.ndarray]
    dacts: list[np.ndarray]
    dnets: list[np.ndarray]
    dws: list[np.ndarray]
    dbs: list[np.ndarray]


def run_example(params: Params, acts: tuple[Activation, ...], loss: Loss, x: np.ndarray,
                t: np.ndarray, rnd: Rnd, stable: bool) -> Pass:
    L = len(acts)
    nets: list[np.ndarray] = [np.empty(0)]
    outs: list[np.ndarray] = [x]
    for l in range(1, L + 1):
        W = params.weights[l]
        nets.append(rnd(W @ outs[-1] + params.bias_vector(l, W.shape[0])))
        outs.append(rnd(acts[l - 1].forward(nets[-1])))
    o, out_act = outs[L], acts[-1]
    per_output = loss.stable_value(nets[L], o, t, out_act) if stable else loss.value(o, t)
    losses = rnd(per_output)
    total = float(rnd(np.array([losses.sum()]))[0])
    douts = [np.empty(0)] * (L + 1)
    dacts = [np.empty(0)] * (L + 1)
    dnets = [np.empty(0)] * (L + 1)
    douts[L] = rnd(loss.dout(o, t))
    dacts[L] = rnd(out_act.derivative(nets[L], o))
    dnets[L] = rnd(output_delta(out_act, loss, o, t, douts[L], dacts[L]))
    for l in range(L - 1, 0, -1):
        douts[l] = rnd(params.weights[l + 1].T @ dnets[l + 1])
        dacts[l] = rnd(acts[l - 1].derivative(nets[l], outs[l]))
        dnets[l] = rnd(douts[l] * dacts[l])
    dws = [np.empty(0)] + [rnd(np.outer(dnets[l], outs[l - 1])) for l in range(1, L + 1)]
    dbs = [np.empty(0)] + [bias_gradient(params.biases[l], dnets[l], rnd) for l in range(1, L + 1)]
    return Pass(nets, outs, losses, total, rnd(t - o), douts, dacts, dnets, dws, dbs)


def output_delta(act: Activation, loss: Loss, o, t, dout, dact) -> np.ndarray:
    """δ of the output layer; exact closed forms where the chain would divide by ~0."""
    if loss.closed_form_delta(act):
        return o - t  # softmax + cross-entropy: the targets sum to 1 (validated)
    return act.delta(o, dout, dact)


def bias_gradient(bias: np.ndarray, dnet: np.ndarray, rnd: Rnd) -> np.ndarray:
    """Per-neuron biases take δ; one shared bias per layer takes the sum of its layer's δ."""
    if bias.size == 0:
        return np.empty(0)
    if bias.size == dnet.size:  # per neuron (a one-neuron layer's shared bias is the same thing)
        return dnet.copy()
    return rnd(np.array([dnet.sum()]))


def mean_gradients(passes: list[Pass], rnd: Rnd) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The averaged gradient a mini-batch step uses (a single example's own gradient for k = 1)."""
    if len(passes) == 1:
        return passes[0].dws, passes[0].dbs
    k = len(passes)
    L = len(passes[0].dws) - 1
    dws = [np.empty(0)] + [rnd(sum(p.dws[l] for p in passes) / k) for l in range(1, L + 1)]
    dbs = [np.empty(0)] + [rnd(sum(p.dbs[l] for p in passes) / k) for l in range(1, L + 1)]
    return dws, dbs


def updated(params: Params, dws, dbs, eta: float, update_biases: bool) -> Params:
    """All layers move together, from the old weights."""
    L = len(params.weights) - 1
    weights = [np.empty(0)] + [params.weights[l] - eta * dws[l] for l in range(1, L + 1)]
    biases = [np.empty(0)] + [params.biases[l] - eta * dbs[l] if update_biases else params.biases[l]
                              for l in range(1, L + 1)]
    return Params(weights, biases)
