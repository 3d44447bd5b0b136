"""Training a convolutional network, with every quantity of the recorded steps logged.

The numbers come from the layers (``model.conv``, ``model.layers.Dense``), vectorised;
this module drives the stack and, for the recorded steps, names each number and ties it
to the op and operands it was computed from (``ConvRecorder``, a ``trace.Recorder``
whose names are ``ConvNames``' bracket names and whose entries carry their cell).

Kinds beyond the dense ones (documented in the README's JSON section):
``out_size`` (an output height, neuron 1, or width, neuron 2), ``params`` (a layer's
parameter count), ``cell_net`` (a conv cell's sum of products, Z), ``cell_out`` (its
activation, A), ``pooled`` (a pooled cell, P), ``cell_dout`` (∂E/∂ a cell of a layer's
output map), ``cell_dact`` (∂A/∂Z), ``cell_dnet`` (δ = ∂E/∂Z), ``dk`` (∂E/∂ a kernel
weight), ``new_k`` (a kernel weight's new value); a conv layer's biases use ``db`` and
``new_b`` with the filter as neuron.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from ..model.conv import Conv2D, ConvNames, Flatten, Layer, Pool, layer_type
from ..model.conv_problem import ConvProblem
from ..model.layers import Dense, EntryParts
from ..model.losses import Loss
from ..model.notation import Notation
from ..model.optimizers import Optimizer, Slot, State
from .collector import collector_paused
from .convops import MaxOf, OutputSize, ParamCount, PoolGradient
from .log import Entry, TraceLog
from .ops import BACKPROPAGATED_PAIR, DELTA, Difference, Identity, Mean, Op, Operand, Sum, WeightedSum
from .trace import (
    RUNNERS,
    Labels,
    Recorder,
    _element_states,
    _rounder,
)

#: The pairs of a kernel weight's gradient: each input cell it touched times that cell's δ.
KERNEL_GRADIENT_PAIR = ("input", "delta")
#: Kinds whose entries carry a cell: a feature-map cell or a kernel weight.
CELL_KINDS = frozenset({"cell_net", "cell_out", "pooled", "cell_dout", "cell_dact", "cell_dnet", "dk", "new_k"})
CONV_KINDS = ("out_size", "params", "cell_net", "cell_out", "pooled", "cell_dout", "cell_dact", "cell_dnet",
              "dk", "new_k")
_OUT_KIND = {"conv": "cell_out", "maxpool": "pooled", "avgpool": "pooled"}
_EMPTY = np.empty(0)


@dataclass
class ConvParams:
    """Each parametrised layer's arrays, keyed ("weight", l) (a kernel [F, C, kh, kw] or a
    dense W) and ("bias", l), with the optimizer's state of each, after ``t`` updates."""

    arrays: dict[tuple[str, int], np.ndarray]
    state: dict[tuple[str, int], State] = field(default_factory=dict)
    t: int = 0


@dataclass
class ConvPass:
    """One example's forward and backward values, indexed by layer (0: the input)."""

    outs: list[np.ndarray]
    nets: list[np.ndarray]      # empty for pool and flatten layers
    winners: dict[int, np.ndarray]
    losses: np.ndarray
    total: float
    errors: np.ndarray
    douts: list[np.ndarray]     # empty where nothing needs them (the input)
    dacts: list[np.ndarray]
    dnets: list[np.ndarray]
    grads: dict[tuple[str, int], np.ndarray]


def initial_params(problem: ConvProblem, optimizer: Optimizer) -> ConvParams:
    arrays = {}
    for layer in problem.stack:
        if isinstance(layer, (Conv2D, Dense)):
            arrays[("weight", layer.index)] = problem.kernel(layer.index)
            arrays[("bias", layer.index)] = problem.bias_of(layer.index)
    return ConvParams(arrays, {key: optimizer.initial_state(a) for key, a in arrays.items()}, 0)


def run_example(params: ConvParams, stack: tuple[Layer, ...], loss: Loss, x: np.ndarray, t: np.ndarray,
                rnd: Any, stable: bool) -> ConvPass:
    """Forward through the stack, the loss, then backward to every parameter's gradient."""
    a = params.arrays
    L = len(stack)
    outs: list[np.ndarray] = [x]
    nets: list[np.ndarray] = [_EMPTY]
    winners: dict[int, np.ndarray] = {}
    for layer in stack:
        l, below = layer.index, outs[-1]
        if isinstance(layer, Conv2D):
            net, out = layer.forward(a[("weight", l)], a[("bias", l)], below, rnd)
        elif isinstance(layer, Pool):
            net, (out, winners[l]) = _EMPTY, layer.forward(below, rnd)
        elif isinstance(layer, Flatten):
            net, out = _EMPTY, below.reshape(-1)
        else:
            net, out = layer.forward(a[("weight", l)], a[("bias", l)], below, rnd)
        nets.append(net)
        outs.append(out)
    top = stack[-1]
    assert isinstance(top, Dense)
    o, top_net = outs[L], nets[L]
    per_output = loss.stable_value(top_net, o, t, top.activation) if stable else loss.value(o, t)
    losses = rnd(per_output)
    total = float(rnd(np.array([losses.sum()]))[0])
    douts: list[np.ndarray] = [_EMPTY] * (L + 1)
    dacts: list[np.ndarray] = [_EMPTY] * (L + 1)
    dnets: list[np.ndarray] = [_EMPTY] * (L + 1)
    douts[L] = rnd(loss.dout(o, t))
    closed = o - t if loss.closed_form_delta(top.activation) else None
    dacts[L], dnets[L] = top.backward(top_net, o, douts[L], rnd, closed)
    for l in range(L - 1, 0, -1):
        above, layer = stack[l], stack[l - 1]
        if isinstance(above, Dense):
            douts[l] = above.input_gradient(a[("weight", l + 1)], dnets[l + 1], rnd)
        elif isinstance(above, Flatten):
            douts[l] = douts[l + 1].reshape(outs[l].shape)
        elif isinstance(above, Pool):
            douts[l] = above.backward(douts[l + 1], winners[l + 1], rnd)
        else:
            douts[l] = above.input_gradient(a[("weight", l + 1)], dnets[l + 1], rnd)
        if isinstance(layer, (Conv2D, Dense)):
            dacts[l], dnets[l] = layer.backward(nets[l], outs[l], douts[l], rnd)
    grads: dict[tuple[str, int], np.ndarray] = {}
    for layer in stack:
        l = layer.index
        if isinstance(layer, Conv2D):
            grads[("weight", l)], grads[("bias", l)] = layer.gradients(dnets[l], outs[l - 1], rnd)
        elif isinstance(layer, Dense):
            grads[("weight", l)], grads[("bias", l)] = layer.gradients(dnets[l], outs[l - 1], a[("bias", l)], rnd)
    return ConvPass(outs, nets, winners, losses, total, rnd(t - o), douts, dacts, dnets, grads)


def mean_gradients(passes: list[ConvPass], rnd: Any) -> dict[tuple[str, int], np.ndarray]:
    if len(passes) == 1:
        return passes[0].grads
    return {key: rnd(sum(p.grads[key] for p in passes) / len(passes)) for key in passes[0].grads}


def updated(params: ConvParams, grads: dict[tuple[str, int], np.ndarray], optimizer: Optimizer,
            update_biases: bool) -> ConvParams:
    t = params.t + 1
    arrays, state = {}, {}
    for key, value in params.arrays.items():
        if key[0] == "bias" and not update_biases:
            arrays[key], state[key] = value, params.state[key]
        else:
            arrays[key], state[key] = optimizer.step(value, grads[key], params.state[key], t)
    return ConvParams(arrays, state, t)


def trace_conv(problem: ConvProblem) -> TraceLog:
    """Train as the problem says; record the steps it asks to see in full."""
    with collector_paused():
        return _trace(problem)


def _trace(problem: ConvProblem) -> TraceLog:
    names = problem.names
    log = TraceLog(problem, cast(Notation, names))
    rnd = _rounder(problem.rounding)
    stable = not problem.rounding.carry
    recorded = problem.recorded_steps()
    stack, loss, optimizer = problem.stack, problem.loss, problem.optimizer
    params = initial_params(problem, optimizer)
    labels = Labels(cast(Notation, names), problem.rounding)
    xs = [problem.input_map(k) for k in range(len(problem.data))]
    ts = [np.array(e.target) for e in problem.data]
    step = 0
    size = problem.training.batch_size
    for epoch in range(1, problem.training.epochs + 1):
        for start in range(0, len(problem.data), size):
            step += 1
            batch = range(start, min(start + size, len(problem.data)))
            passes = [run_example(params, stack, loss, xs[k], ts[k], rnd, stable) for k in batch]
            grads = mean_gradients(passes, rnd)
            new = updated(params, grads, optimizer, problem.training.update_biases)
            if step in recorded:
                ConvRecorder(log, problem, labels, step, epoch).record_step(params, new, batch, passes, grads)
            total = passes[0].total if len(passes) == 1 else float(np.mean([p.total for p in passes]))
            log.history.append({"step": step, "epoch": epoch, "example": batch[0] + 1 if len(passes) == 1 else None,
                                "loss": float(total)})
            params = new
    log.final_weights = [params.arrays[("weight", x.index)].tolist() if ("weight", x.index) in params.arrays
                         else [] for x in stack]
    log.final_biases = [params.arrays[("bias", x.index)].tolist() if ("bias", x.index) in params.arrays
                        else [] for x in stack]
    return log


RUNNERS[ConvProblem] = trace_conv


def flat(shape: tuple[int, ...], at: tuple[int, ...]) -> int:
    """The 1-based flat index of a 0-based position (channel-major, row-major)."""
    return int(np.ravel_multi_index(at, shape)) + 1


@dataclass
class ConvRecorder(Recorder):
    """A ``Recorder`` for convolutional networks: entries carry their cell."""

    problem: ConvProblem

    @property
    def names(self) -> ConvNames:
        return cast(ConvNames, self.labels.notation)

    def add(self, kind: str, layer: int, neuron: int | None, source: int | None, op: Op,
            operands: list[Operand], value: float, key_extra: tuple = ()) -> Operand:
        names = self.labels.names(kind, layer, neuron, source)
        value = float(value)
        shown = self.printed(kind, op, operands, value)
        cell = None
        if kind in CELL_KINDS and neuron is not None:
            cell = tuple(k + 1 for k in self.names.cell(kind, layer, neuron))
        entries = self.log.entries
        entries.append(Entry(len(entries), kind, self.step, self.epoch, self.example, layer, neuron, source,
                             names.plain, names.latex, op, tuple(operands), value, shown, cell))
        operand = Operand(names.plain, names.latex, value, shown, len(entries) - 1)
        self.index[(kind, layer, neuron, source, self.example) + key_extra] = operand
        return operand

    def example_name(self, latex: str, k: int) -> str:
        """One example's gradient inside a mini-batch mean, as the convolutional walkthrough
        writes it (its names use (l) for the layer): X|_k."""
        return f"\\left.{latex}\\right|_{{{k}}}"

    # --- one step -------------------------------------------------------------------
    def record_step(self, old: ConvParams, new: ConvParams, batch: range, passes: list[ConvPass],
                    grads: dict[tuple[str, int], np.ndarray]) -> None:
        self.example = None
        self.sizes()
        for k, p in zip(batch, passes):
            self.example = k + 1
            self.forward_pass(old, p)
            self.loss_entries(p)
            self.backward_pass(old, p)
        batched = len(passes) > 1
        self.example = None if batched else batch[0] + 1
        if batched:
            self.averages(batch, grads)
        self.update_entries(old, new, grads)

    def sizes(self) -> None:
        """Every conv and pool layer's output height and width, then every parameter count."""
        stack = self.problem.stack
        for layer in stack:
            l = layer.index
            if isinstance(layer, Conv2D):
                k, s, pad = layer.kernel, layer.stride, layer.padding
            elif isinstance(layer, Pool):
                k, s, pad = layer.size, layer.stride, (0, 0)
            else:
                continue
            for d in (0, 1):
                n = d + 1
                size_in = self.size_operand(l - 1, n, layer.in_shape[1 + d])
                operands = [size_in, self.given("kernel_size", l, n, k[d])]
                if isinstance(layer, Conv2D):
                    operands.append(self.given("padding", l, n, pad[d]))
                operands.append(self.given("stride", l, n, s[d]))
                value = layer.out_shape[1 + d]
                self.add("out_size", l, n, None, OutputSize(isinstance(layer, Conv2D)), operands, value)
        for layer in stack:
            l = layer.index
            if isinstance(layer, Conv2D):
                f, c, kh, kw = layer.kernel_shape
                operands = [self.given("filters", l, None, f), self.given("channels", l - 1, None, c),
                            self.given("kernel_size", l, 1, kh), self.given("kernel_size", l, 2, kw)]
            elif isinstance(layer, Dense):
                operands = [self.given("units", l, None, layer.size), self.given("units", l - 1, None, layer.inputs)]
            else:
                continue
            op = ParamCount()
            value = op.evaluate([o.value for o in operands])
            self.add("params", l, None, None, op, operands, value)

    def size_operand(self, l: int, n: int, value: int) -> Operand:
        """The height (n = 1) or width (2) of layer l's output: its out_size entry, or given for the input."""
        if l == 0:
            return self._exact(self.given("out_size", 0, n, value))
        return self.index[("out_size", l, n, None, None)]

    def _exact(self, o: Operand) -> Operand:
        """A whole number shown without decimals."""
        return o._replace(shown=str(int(o.value))) if float(o.value).is_integer() else o

    def given(self, kind: str, layer: int, neuron: int | None, value: float,
              source: int | None = None) -> Operand:
        operand = super().given(kind, layer, neuron, value, source)
        if kind in ("out_size", "kernel_size", "padding", "stride", "filters", "channels", "units"):
            return self._exact(operand)
        return operand

    def sender(self, l: int, at: tuple[int, int, int], p: ConvPass) -> Operand:
        """Cell ``at`` (0-based) of layer l's output map as an operand."""
        shape = p.outs[l].shape
        n = flat(shape, at)
        if l == 0:
            return self.given("input", 0, n, float(p.outs[0][at]))
        return self.get(_OUT_KIND[layer_type(self.problem.stack[l - 1])], l, n)

    def padded_sender(self, layer: Conv2D, at: tuple[int, int, int], p: ConvPass) -> Operand:
        """A cell of a conv layer's padded input: a zero of the padding, or the map's cell."""
        c, i, j = at
        ph, pw = layer.padding
        _, h, w = layer.in_shape
        if ph <= i < ph + h and pw <= j < pw + w:
            return self.sender(layer.index - 1, (c, i - ph, j - pw), p)
        return self.given("pad", layer.index, flat(layer.padded_shape, at), 0.0)

    def vector_senders(self, l: int, p: ConvPass) -> list[Operand]:
        """The outputs of layer l as the vector a dense layer reads (a flatten reads the map below it)."""
        layer = self.problem.stack[l - 1] if l > 0 else None
        if isinstance(layer, Flatten):
            below = self.problem.stack[l - 2] if l > 1 else None
            shape = p.outs[l - 1].shape
            kind = "input" if below is None else _OUT_KIND[layer_type(below)]
            if below is None:
                return [self.given("input", 0, n, x) for n, x in enumerate(p.outs[0].ravel().tolist(), 1)]
            return [self.get(kind, l - 1, n) for n in range(1, int(np.prod(shape)) + 1)]
        return [self.get("out", l, n) for n in range(1, len(p.outs[l]) + 1)]

    def forward_pass(self, params: ConvParams, p: ConvPass) -> None:
        a = params.arrays
        for layer in self.problem.stack:
            l = layer.index
            if isinstance(layer, Conv2D):
                self.conv_forward(layer, a[("weight", l)], a[("bias", l)], p)
            elif isinstance(layer, Pool):
                self.pool_forward(layer, p)
            elif isinstance(layer, Dense):
                layer.record_forward(self, a[("weight", l)], a[("bias", l)],
                                     self.vector_senders(l - 1, p), p.nets[l], p.outs[l])

    def conv_forward(self, layer: Conv2D, K: np.ndarray, b: np.ndarray, p: ConvPass) -> None:
        l = layer.index
        F, oh, ow = layer.out_shape
        kshape = layer.kernel_shape
        Z, A = p.nets[l], p.outs[l]
        op = WeightedSum(True)
        for f in range(F):
            bias = self.given("bias", l, f + 1, float(b[f]))
            for i in range(oh):
                for j in range(ow):
                    operands: list[Operand] = []
                    for kidx, at in layer.taps(f, i, j):
                        operands += [self.given("kernel", l, flat(kshape, kidx), float(K[kidx])),
                                     self.padded_sender(layer, at, p)]
                    operands.append(bias)
                    self.add("cell_net", l, flat(Z.shape, (f, i, j)), None, op, operands, float(Z[f, i, j]))
        out_op = layer.activation.out_op(0)
        for n, value in enumerate(A.ravel().tolist(), 1):
            self.add("cell_out", l, n, None, out_op, [self.get("cell_net", l, n)], value)

    def pool_forward(self, layer: Pool, p: ConvPass) -> None:
        l = layer.index
        P = p.outs[l]
        op: Op = MaxOf() if layer.mode == "max" else Mean()
        for n, at in enumerate(np.ndindex(*P.shape), 1):
            operands = [self.sender(l - 1, cell, p) for cell in layer.window(*at)]
            self.add("pooled", l, n, None, op, operands, float(P[at]))

    def loss_entries(self, p: ConvPass) -> None:
        L = len(self.problem.stack)
        loss = self.problem.loss
        losses, errors = p.losses.tolist(), p.errors.tolist()
        targets = [self.given("target", L, j, t) for j, t in enumerate(self.targets(p), 1)]  # type: ignore[arg-type]
        per_output = [self.add("loss", L, j, None, loss.op(), [targets[j - 1], self.get("out", L, j)],
                               losses[j - 1]) for j in range(1, len(targets) + 1)]
        self.add("loss", L, None, None, Sum(), per_output, p.total)
        for j in range(1, len(targets) + 1):
            self.add("error", L, j, None, Difference(), [targets[j - 1], self.get("out", L, j)], errors[j - 1])

    def backward_pass(self, params: ConvParams, p: ConvPass) -> None:
        stack = self.problem.stack
        a = params.arrays
        L = len(stack)
        for layer in reversed(stack):
            l = layer.index
            if isinstance(layer, Dense):
                if l == L:
                    dout, closed = self.loss_gradient(p, layer)
                else:
                    above = stack[l]
                    assert isinstance(above, Dense)
                    dout, closed = above.input_gradient_entry(self, a[("weight", l + 1)]), None
                layer.record_backward(self, dout, closed, np.ravel(p.douts[l]), np.ravel(p.dacts[l]),
                                      np.ravel(p.dnets[l]))
                layer.record_gradients(self, self.vector_senders(l - 1, p), p.grads[("weight", l)],
                                       p.grads[("bias", l)])
            elif isinstance(layer, (Conv2D, Pool)):
                self.map_gradient(layer, params, p)
                if isinstance(layer, Conv2D):
                    self.conv_backward(layer, p)

    def map_gradient(self, layer: Conv2D | Pool, params: ConvParams, p: ConvPass) -> None:
        """∂E/∂ every cell of this layer's output map, from the layer above it."""
        stack = self.problem.stack
        l = layer.index
        above = stack[l]
        douts = p.douts[l]
        values = douts.ravel().tolist()
        if isinstance(above, Flatten):
            dense = stack[l + 1]
            assert isinstance(dense, Dense)
            parts = dense.input_gradient_entry(self, params.arrays[("weight", l + 2)])
            for n, value in enumerate(values, 1):
                self.add("cell_dout", l, n, None, *parts(n), value)
            return
        shape = douts.shape
        if isinstance(above, Pool):
            winners = p.winners[l + 1]
            share = 1 if above.mode == "max" else above.window_cells
            op = PoolGradient(share)
            pooled_shape = above.out_shape
            for n, at in enumerate(np.ndindex(*shape), 1):
                operands = []
                for cell in above.windows_of(*at):
                    if above.mode == "max":
                        won = above.window(*cell)[int(winners[cell])]
                        if won != at:
                            continue
                    operands.append(self.get("cell_dout", l + 1, flat(pooled_shape, cell)))
                self.add("cell_dout", l, n, None, op, operands, values[n - 1])
            return
        assert isinstance(above, Conv2D)
        K = params.arrays[("weight", l + 1)]
        kshape, zshape = above.kernel_shape, above.out_shape
        wsum = WeightedSum(False, BACKPROPAGATED_PAIR)
        for n, at in enumerate(np.ndindex(*shape), 1):
            operands = []
            for dcell, kidx in above.input_taps(*at):
                operands += [self.get("cell_dnet", l + 1, flat(zshape, dcell)),
                             self.given("kernel", l + 1, flat(kshape, kidx), float(K[kidx]))]
            self.add("cell_dout", l, n, None, wsum, operands, values[n - 1])

    def conv_backward(self, layer: Conv2D, p: ConvPass) -> None:
        l = layer.index
        dact_op = layer.activation.dact_op()
        dacts, dnets = _list(p.dacts[l]), _list(p.dnets[l])
        for n, value in enumerate(dacts, 1):
            self.add("cell_dact", l, n, None, dact_op, [self.get("cell_net", l, n), self.get("cell_out", l, n)], value)
        for n, value in enumerate(dnets, 1):
            self.add("cell_dnet", l, n, None, DELTA, [self.get("cell_dout", l, n), self.get("cell_dact", l, n)], value)
        dK, db = p.grads[("weight", l)], p.grads[("bias", l)]
        kshape, zshape = layer.kernel_shape, layer.out_shape
        wsum = WeightedSum(False, KERNEL_GRADIENT_PAIR)
        for n, kidx in enumerate(np.ndindex(*kshape), 1):
            operands: list[Operand] = []
            for xcell, dcell in layer.kernel_taps(*kidx):
                operands += [self.padded_sender(layer, xcell, p), self.get("cell_dnet", l, flat(zshape, dcell))]
            self.add("dk", l, n, None, wsum, operands, float(dK[kidx]))
        per_filter = zshape[1] * zshape[2]
        for f in range(layer.filters):
            deltas = [self.get("cell_dnet", l, f * per_filter + m) for m in range(1, per_filter + 1)]
            self.add("db", l, f + 1, None, Sum() if len(deltas) > 1 else Identity(), deltas, float(db[f]))

    def loss_gradient(self, p: ConvPass, top: Dense) -> tuple[EntryParts, EntryParts | None]:  # type: ignore[override]
        return super().loss_gradient(p, top)  # type: ignore[arg-type]

    def averages(self, batch: range, grads: dict[tuple[str, int], np.ndarray]) -> None:  # type: ignore[override]
        """Mini-batch: the gradient the update uses is the mean of the examples' gradients."""
        mean = Mean()
        for layer in reversed(self.problem.stack):
            l = layer.index
            if isinstance(layer, Conv2D):
                for n, g in enumerate(grads[("weight", l)].ravel().tolist(), 1):
                    self.add("dk", l, n, None, mean, self.per_example("dk", l, n, None, batch), g)
            elif isinstance(layer, Dense):
                for j, row in enumerate(grads[("weight", l)].tolist(), 1):
                    for i, g in enumerate(row, 1):
                        self.add("dw", l, j, i, mean, self.per_example("dw", l, j, i, batch), g)
            else:
                continue
            for j, g in enumerate(grads[("bias", l)].tolist(), 1):
                self.add("db", l, j, None, mean, self.per_example("db", l, j, None, batch), g)

    def update_entries(self, old: ConvParams, new: ConvParams, grads: dict[tuple[str, int], np.ndarray]) -> None:
        """Each layer's kernel or weights, then its biases, from the last layer down."""
        optimizer = self.problem.optimizer
        for layer in reversed(self.problem.stack):
            l = layer.index
            if not isinstance(layer, (Conv2D, Dense)):
                continue
            key = ("weight", l)
            before, after = old.arrays[key], new.arrays[key]
            state = _element_states(old.state[key], new.state[key])
            if isinstance(layer, Conv2D):
                for n, kidx in enumerate(np.ndindex(*before.shape), 1):
                    old_k = self.given("kernel", l, n, float(before[kidx]))
                    optimizer.record(self, Slot("kernel", l, n, None), old_k, self.get("dk", l, n),
                                     float(after[kidx]), *state(kidx))
            else:
                for j, row in enumerate(after.tolist(), 1):
                    for i, w in enumerate(row, 1):
                        old_w = self.given("weight", l, j, float(before[j - 1, i - 1]), source=i)
                        optimizer.record(self, Slot("weight", l, j, i), old_w, self.get("dw", l, j, i), w,
                                         *state((j - 1, i - 1)))
            if not self.problem.training.update_biases:
                continue
            bkey = ("bias", l)
            state = _element_states(old.state[bkey], new.state[bkey])
            for j, (b, was) in enumerate(zip(new.arrays[bkey].tolist(), old.arrays[bkey].tolist()), 1):
                optimizer.record(self, Slot("bias", l, j), self.given("bias", l, j, was), self.get("db", l, j),
                                 b, *state((j - 1,)))


def _list(a: np.ndarray) -> list[float]:
    return a.ravel().tolist()
