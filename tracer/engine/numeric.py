"""The numbers of one training example, layer by layer, in numpy.

One code path serves both recorded and unrecorded steps, so what a walkthrough prints
is exactly what a 10,000-epoch run computes. ``rnd`` is the identity, or the hand
rounding applied to every value before it is used again (``rounding.carry``).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..model.layers import Dense
from ..model.losses import Loss
from ..model.optimizers import Optimizer, State
from ..model.regularization import Regularization
from .rounding import rounded_as

Rnd = Callable[[np.ndarray], np.ndarray]


@dataclass
class Params:
    """Weights W[l] (rows = receiving) and biases b[l] for layers l = 1..L (index 0 unused),
    with the optimizer's state of each array, keyed ("weight", l) and ("bias", l), after
    ``t`` updates."""

    weights: list[np.ndarray]
    biases: list[np.ndarray]  # per_neuron: shape (n,); per_layer: shape (1,); none: shape (0,)
    state: dict[tuple[str, int], State] = field(default_factory=dict)
    t: int = 0

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


def run_example(params: Params, layers: Sequence[Dense], loss: Loss, x: np.ndarray,
                t: np.ndarray, rnd: Rnd, stable: bool) -> Pass:
    L = len(layers)
    nets: list[np.ndarray] = [np.empty(0)]
    outs: list[np.ndarray] = [x]
    for layer in layers:
        W = params.weights[layer.index]
        net, out = layer.forward(W, params.bias_vector(layer.index, W.shape[0]), outs[-1], rnd)
        nets.append(net)
        outs.append(out)
    o, top = outs[L], layers[-1]
    per_output = loss.stable_value(nets[L], o, t, top.activation) if stable else loss.value(o, t)
    losses = rounded_as(rnd, "loss")(per_output)
    total = float(rounded_as(rnd, "loss")(np.array([losses.sum()]))[0])
    douts = [np.empty(0)] * (L + 1)
    dacts = [np.empty(0)] * (L + 1)
    dnets = [np.empty(0)] * (L + 1)
    douts[L] = rounded_as(rnd, "dout_top")(loss.dout(o, t))   # the output units' ∂E/∂O: a "dout"
    # δ = o - t exactly where the chain would divide by ~0 (sigmoid + BCE, softmax + cross-entropy)
    closed = loss.closed_delta(o, t) if loss.closed_form_delta(top.activation) else None
    dacts[L], dnets[L] = top.backward(nets[L], o, douts[L], rnd, closed)
    for l in range(L - 1, 0, -1):
        douts[l] = layers[l].input_gradient(params.weights[l + 1], dnets[l + 1], rnd)
        dacts[l], dnets[l] = layers[l - 1].backward(nets[l], outs[l], douts[l], rnd)
    dws: list[np.ndarray] = [np.empty(0)]
    dbs: list[np.ndarray] = [np.empty(0)]
    for layer in layers:
        dw, db = layer.gradients(dnets[layer.index], outs[layer.index - 1], params.biases[layer.index], rnd)
        dws.append(dw)
        dbs.append(db)
    return Pass(nets, outs, losses, total, rounded_as(rnd, "error")(t - o), douts, dacts, dnets, dws, dbs)


def mean_gradients(passes: list[Pass], rnd: Rnd, mean: bool = True) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The averaged gradient a mini-batch step uses (a single example's own gradient for k = 1);
    with ``mean`` False the sum (``conventions.update: batch_sum``, Hagan's and Haykin's batch mode)."""
    if len(passes) == 1:
        return passes[0].dws, passes[0].dbs
    k = len(passes) if mean else 1
    L = len(passes[0].dws) - 1
    rw, rb = rounded_as(rnd, "dw"), rounded_as(rnd, "db")
    dws = [np.empty(0)] + [rw(_total([p.dws[l] for p in passes]) / k) for l in range(1, L + 1)]
    dbs = [np.empty(0)] + [rb(_total([p.dbs[l] for p in passes]) / k) for l in range(1, L + 1)]
    return dws, dbs


def _total(arrays: list[np.ndarray]) -> np.ndarray:
    """0 + a1 + a2 + ... in order, as the builtin sum adds them (np.sum would add pairwise;
    the leading 0 turns a -0.0 into 0.0, as sum does)."""
    total = 0.0 + arrays[0]
    for a in arrays[1:]:
        total = total + a
    return total


def initial_state(params: Params, optimizer: Optimizer) -> Params:
    """The parameters with the optimizer's initial state for every array."""
    L = len(params.weights) - 1
    state = {(kind, l): optimizer.initial_state(arrays[l])
             for l in range(1, L + 1) for kind, arrays in (("weight", params.weights), ("bias", params.biases))}
    return Params(params.weights, params.biases, state, 0)


def updated(params: Params, dws, dbs, optimizer: Optimizer, update_biases: bool) -> Params:
    """All layers move together, from the old weights; update t counts from 1."""
    L = len(params.weights) - 1
    t = params.t + 1
    weights: list[np.ndarray] = [np.empty(0)]
    biases: list[np.ndarray] = [np.empty(0)]
    state: dict[tuple[str, int], State] = {}
    for l in range(1, L + 1):
        w, state[("weight", l)] = optimizer.step(params.weights[l], dws[l], params.state[("weight", l)], t)
        weights.append(w)
        if update_biases:
            b, state[("bias", l)] = optimizer.step(params.biases[l], dbs[l], params.state[("bias", l)], t)
        else:
            b, state[("bias", l)] = params.biases[l], params.state[("bias", l)]
        biases.append(b)
    return Params(weights, biases, state, t)


def penalty(params: Params, reg: Regularization, batch: int, rnd: Rnd) -> float:
    """The regularization penalty of the step's parameters (weights, and biases if covered)."""
    L = len(params.weights) - 1
    arrays = [params.weights[l] for l in range(1, L + 1)]
    if reg.biases:
        arrays += [params.biases[l] for l in range(1, L + 1)]
    return float(rnd(np.array([reg.penalty(arrays, batch)]))[0])


def penalised(params: Params, dws, dbs, reg: Regularization, batch: int, rnd: Rnd):
    """The gradients the optimizer sees: data gradient + the penalty's gradient."""
    L = len(params.weights) - 1
    out_w: list[np.ndarray] = [np.empty(0)]
    out_b: list[np.ndarray] = [np.empty(0)]
    for l in range(1, L + 1):
        out_w.append(rnd(reg.gradient(params.weights[l], dws[l], batch)))
        out_b.append(rnd(reg.gradient(params.biases[l], dbs[l], batch)) if reg.biases else dbs[l])
    return out_w, out_b
