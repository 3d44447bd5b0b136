"""The recording engine: run training, and log every quantity of the recorded steps.

Numbers come from ``numeric`` (vectorised); this module only names them and ties each
to the op and operands it was computed from, in the order a worked solution reads.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .activations import Activation, SoftmaxDelta
from .log import Entry, TraceLog
from .notation import Notation
from .numeric import Params, Pass, mean_gradients, run_example, updated
from .ops import Difference, Identity, Mean, Op, Operand, Product, Sum, Update, WeightedSum
from .problem import Problem
from .rounding import Rounding

_ETA = ("eta", "\\eta")


def trace(problem: Problem) -> TraceLog:
    """Train as the problem says; record the steps it asks to see in full."""
    notation = Notation.from_spec(problem.layers, problem.bias, problem.notation)
    log = TraceLog(problem, notation)
    params = initial_params(problem)
    rnd = _rounder(problem.rounding)
    stable = not problem.rounding.carry
    recorded = problem.recorded_steps()
    acts, loss = problem.activations, problem.loss
    step = 0
    for epoch in range(1, problem.training.epochs + 1):
        for start in range(0, len(problem.data), problem.training.batch_size):
            step += 1
            batch = range(start, min(start + problem.training.batch_size, len(problem.data)))
            passes = [run_example(params, acts, loss, np.array(problem.data[k].input),
                                  np.array(problem.data[k].target), rnd, stable) for k in batch]
            dws, dbs = mean_gradients(passes, rnd)
            new = updated(params, dws, dbs, problem.training.learning_rate,
                          problem.training.update_biases)
            if step in recorded:
                Recorder(log, problem, notation, step, epoch).record(params, new, batch, passes, dws, dbs)
            log.history.append(_history(step, epoch, batch, passes))
            params = new
    log.final_weights = [params.weights[l].tolist() for l in range(1, len(params.weights))]
    log.final_biases = [params.biases[l].tolist() for l in range(1, len(params.biases))]
    return log


def initial_params(problem: Problem) -> Params:
    return Params([np.empty(0)] + [np.array(m, dtype=float) for m in problem.weights],
                  [np.empty(0)] + [np.array(b, dtype=float) for b in problem.biases])


def _rounder(rounding: Rounding):
    if not rounding.carry:
        return lambda a: a
    vapply = np.vectorize(rounding.apply, otypes=[float])
    return lambda a: vapply(a) if np.size(a) else a


def _history(step: int, epoch: int, batch: range, passes: list[Pass]) -> dict:
    losses = [p.total for p in passes]
    return {"step": step, "epoch": epoch, "example": batch[0] + 1 if len(batch) == 1 else None,
            "loss": float(np.mean(losses))}


@dataclass
class Recorder:
    """Appends one step's entries to the log, remembering each quantity's entry index."""

    log: TraceLog
    problem: Problem
    notation: Notation
    step: int
    epoch: int
    example: int | None = None
    index: dict[tuple, int] = field(default_factory=dict)

    # --- plumbing -----------------------------------------------------------
    def add(self, kind: str, layer: int, neuron: int | None, source: int | None, op: Op,
            operands: list[Operand], value: float, shown: str | None = None,
            key_extra: tuple = ()) -> Operand:
        names = self.notation.quantity(kind, layer, neuron, source)
        entry = Entry(len(self.log.entries), kind, self.step, self.epoch, self.example, layer,
                      neuron, source, names.plain, names.latex, op, tuple(operands), float(value),
                      shown if shown is not None else self.problem.rounding.show(value))
        self.log.entries.append(entry)
        self.index[(kind, layer, neuron, source, self.example) + key_extra] = entry.index
        return self.operand(entry.index)

    def operand(self, index: int) -> Operand:
        e = self.log.entries[index]
        return Operand(e.name, e.latex, e.value, e.shown, index)

    def get(self, kind: str, layer: int, neuron: int | None, source: int | None = None) -> Operand:
        return self.operand(self.index[(kind, layer, neuron, source, self.example)])

    def given(self, kind: str, layer: int, neuron: int | None, value: float,
              source: int | None = None) -> Operand:
        """A number that is data, not computed here: an input, a target, a weight."""
        names = self.notation.quantity(kind, layer, neuron, source)
        return Operand(names.plain, names.latex, float(value), self.problem.rounding.show(value))

    def eta(self) -> Operand:
        lr = self.problem.training.learning_rate
        return Operand(_ETA[0], _ETA[1], lr, self.problem.rounding.show(lr))

    def bias_neuron(self, j: int) -> int | None:
        return None if self.problem.bias == "per_layer" else j

    # --- one step -----------------------------------------------------------
    def record(self, old: Params, new: Params, batch: range, passes: list[Pass], dws, dbs) -> None:
        for k, p in zip(batch, passes):
            self.example = k + 1
            self.forward(old, p)
            self.loss(p)
            self.backward(old, p)
        batched = len(passes) > 1
        self.example = None if batched else batch[0] + 1
        if batched:
            self.averages(batch, dws, dbs)
        self.updates(old, new, dws, dbs)

    def forward(self, params: Params, p: Pass) -> None:
        acts = self.problem.activations
        for l in range(1, len(acts) + 1):
            for j in range(1, len(p.nets[l]) + 1):
                self.add("net", l, j, None, WeightedSum(self.problem.bias != "none"),
                         self.net_operands(params, p, l, j), p.nets[l][j - 1])
            for j in range(1, len(p.nets[l]) + 1):
                self.add("out", l, j, None, acts[l - 1].out_op(j - 1),
                         self.out_operands(acts[l - 1], l, j, len(p.nets[l])), p.outs[l][j - 1])

    def input_or_out(self, p: Pass, l: int, i: int) -> Operand:
        if l == 0:
            return self.given("input", 0, i, p.outs[0][i - 1])
        return self.get("out", l, i)

    def net_operands(self, params: Params, p: Pass, l: int, j: int) -> list[Operand]:
        W = params.weights[l]
        ops: list[Operand] = []
        for i in range(1, W.shape[1] + 1):
            ops += [self.given("weight", l, j, W[j - 1, i - 1], source=i), self.input_or_out(p, l - 1, i)]
        if self.problem.bias != "none":
            b = params.biases[l]
            ops.append(self.given("bias", l, self.bias_neuron(j), b[j - 1] if b.size > 1 else b[0]))
        return ops

    def out_operands(self, act: Activation, l: int, j: int, n: int) -> list[Operand]:
        if act.layerwise:
            return [self.get("net", l, k) for k in range(1, n + 1)]
        return [self.get("net", l, j)]

    def loss(self, p: Pass) -> None:
        L = len(self.problem.activations)
        loss = self.problem.loss
        targets = [self.given("target", L, j, t) for j, t in enumerate(self.targets(p), 1)]
        per_output = [self.add("loss", L, j, None, loss.op(), [targets[j - 1], self.get("out", L, j)],
                               p.losses[j - 1]) for j in range(1, len(targets) + 1)]
        self.add("loss", L, None, None, Sum(), per_output, p.total)
        for j in range(1, len(targets) + 1):
            self.add("error", L, j, None, Difference(), [targets[j - 1], self.get("out", L, j)],
                     p.errors[j - 1])

    def targets(self, p: Pass) -> list[float]:
        return list(self.problem.data[self.example - 1].target)

    def backward(self, params: Params, p: Pass) -> None:
        L = len(self.problem.activations)
        for l in range(L, 0, -1):
            n = len(p.nets[l])
            for j in range(1, n + 1):
                self.add("dout", l, j, None, *self.dout_parts(params, p, l, j), p.douts[l][j - 1])
            for j in range(1, n + 1):
                self.add("dact", l, j, None, self.problem.activations[l - 1].dact_op(),
                         [self.get("net", l, j), self.get("out", l, j)], p.dacts[l][j - 1])
            for j in range(1, n + 1):
                self.add("dnet", l, j, None, *self.dnet_parts(p, l, j), p.dnets[l][j - 1])
            self.gradients(p, l, p.dws[l], p.dbs[l])

    def dout_parts(self, params: Params, p: Pass, l: int, j: int) -> tuple[Op, list[Operand]]:
        L = len(self.problem.activations)
        if l == L:
            t = self.given("target", L, j, self.targets(p)[j - 1])
            return self.problem.loss.dout_op(), [t, self.get("out", L, j)]
        W = params.weights[l + 1]
        ops: list[Operand] = []
        for k in range(1, W.shape[0] + 1):
            ops += [self.get("dnet", l + 1, k), self.given("weight", l + 1, k, W[k - 1, j - 1], source=j)]
        return WeightedSum(False), ops

    def dnet_parts(self, p: Pass, l: int, j: int) -> tuple[Op, list[Operand]]:
        L = len(self.problem.activations)
        act, loss = self.problem.activations[l - 1], self.problem.loss
        if l == L and act.name == "softmax":
            if loss.name == "cross_entropy":
                return Difference(), [self.get("out", l, j), self.given("target", l, j, self.targets(p)[j - 1])]
            n = len(p.nets[l])
            ops = [self.get("out", l, j), self.get("dout", l, j)]
            for k in range(1, n + 1):
                ops += [self.get("out", l, k), self.get("dout", l, k)]
            return SoftmaxDelta(), ops
        return Product(), [self.get("dout", l, j), self.get("dact", l, j)]

    def gradients(self, p: Pass, l: int, dw: np.ndarray, db: np.ndarray) -> None:
        for j in range(1, dw.shape[0] + 1):
            for i in range(1, dw.shape[1] + 1):
                self.add("dw", l, j, i, Product(), [self.get("dnet", l, j), self.input_or_out(p, l - 1, i)],
                         dw[j - 1, i - 1])
        if db.size == 0:
            return
        if self.problem.bias == "per_layer":
            deltas = [self.get("dnet", l, j) for j in range(1, dw.shape[0] + 1)]
            self.add("db", l, None, None, Sum() if len(deltas) > 1 else Identity(), deltas, db[0])
            return
        for j in range(1, dw.shape[0] + 1):
            self.add("db", l, j, None, Identity(), [self.get("dnet", l, j)], db[j - 1])

    def averages(self, batch: range, dws, dbs) -> None:
        """Mini-batch: the gradient the update uses is the mean of the examples' gradients."""
        for l in range(len(dws) - 1, 0, -1):
            for (j, i), g in np.ndenumerate(dws[l]):
                self.add("dw", l, j + 1, i + 1, Mean(), self.per_example("dw", l, j + 1, i + 1, batch), g)
            for j, g in enumerate(dbs[l]):
                neuron = self.bias_neuron(j + 1)
                self.add("db", l, neuron, None, Mean(), self.per_example("db", l, neuron, None, batch), g)

    def per_example(self, kind: str, l: int, j: int | None, i: int | None, batch: range) -> list[Operand]:
        ops = []
        for k in batch:
            o = self.operand(self.index[(kind, l, j, i, k + 1)])
            ops.append(o._replace(name=f"{o.name}#{k + 1}", latex=f"\\left.{o.latex}\\right|_{{{k + 1}}}"))
        return ops

    def updates(self, old: Params, new: Params, dws, dbs) -> None:
        rounding = self.problem.rounding
        for l in range(len(dws) - 1, 0, -1):
            for (j, i), w in np.ndenumerate(new.weights[l]):
                before = old.weights[l][j, i]
                operands = [self.given("weight", l, j + 1, before, source=i + 1), self.eta(),
                            self.get("dw", l, j + 1, i + 1)]
                self.add("new_w", l, j + 1, i + 1, Update(), operands, w, rounding.show_change(w, before))
            if not self.problem.training.update_biases:
                continue
            for j, b in enumerate(new.biases[l]):
                neuron, before = self.bias_neuron(j + 1), old.biases[l][j]
                operands = [self.given("bias", l, neuron, before), self.eta(), self.get("db", l, neuron)]
                self.add("new_b", l, neuron, None, Update(), operands, b, rounding.show_change(b, before))
