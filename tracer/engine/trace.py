"""The recording engine: run training, and log every quantity of the recorded steps.

Numbers come from ``numeric`` (vectorised); this module only names them and ties each
to the op and operands it was computed from, in the order a worked solution reads.
"""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from ..model.activations import Activation, SoftmaxDelta
from .log import Entry, TraceLog
from ..model.notation import Names, Notation
from .numeric import Params, Pass, mean_gradients, run_example, updated
from .ops import Difference, Identity, Mean, Op, Operand, Product, Sum, Update, WeightedSum
from ..model.problem import Problem
from .rounding import Rounding

_ETA = ("eta", "\\eta")


def trace(problem: Problem) -> TraceLog:
    """Train as the problem says; record the steps it asks to see in full."""
    with _collector_paused():
        return _trace(problem)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a log is built, back as it was afterwards.

    A 784-30-10 step creates ~500,000 objects that all stay alive, and every collection
    rescans them: with the collector on, that alone doubles the time and makes the cost
    per entry grow with the size of the log. A log holds no reference cycles, so nothing
    is left behind; reference counting frees whatever a trace drops, as always.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _trace(problem: Problem) -> TraceLog:
    notation = Notation.from_spec(problem.layers, problem.bias, problem.notation)
    log = TraceLog(problem, notation)
    params = initial_params(problem)
    rnd = _rounder(problem.rounding)
    stable = not problem.rounding.carry
    recorded = problem.recorded_steps()
    acts, loss = problem.activations, problem.loss
    labels = Labels(notation, problem.rounding)
    xs = [np.array(e.input) for e in problem.data]  # once, not once per step
    ts = [np.array(e.target) for e in problem.data]
    step = 0
    for epoch in range(1, problem.training.epochs + 1):
        for start in range(0, len(problem.data), problem.training.batch_size):
            step += 1
            batch = range(start, min(start + problem.training.batch_size, len(problem.data)))
            passes = [run_example(params, acts, loss, xs[k], ts[k], rnd, stable) for k in batch]
            dws, dbs = mean_gradients(passes, rnd)
            new = updated(params, dws, dbs, problem.training.learning_rate,
                          problem.training.update_biases)
            if step in recorded:
                Recorder(log, problem, labels, step, epoch).record(params, new, batch, passes, dws, dbs)
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
    """The step's mean loss; one example's own loss skips np.mean (the same float, 10x cheaper)."""
    if len(passes) == 1:
        return {"step": step, "epoch": epoch, "example": batch[0] + 1, "loss": float(passes[0].total)}
    return {"step": step, "epoch": epoch, "example": None,
            "loss": float(np.mean([p.total for p in passes]))}


class Labels:
    """The names and printed values of one trace, memoised.

    A recorded step asks for the same name or printed value many times (each input of a
    784-30-10 network feeds 30 neurons; every weight is printed in its net and again in
    its update), and both are pure functions of their arguments, while a notation lookup
    validates its arguments and ``Rounding.show`` goes through Decimal every time.
    """

    def __init__(self, notation: Notation, rounding: Rounding) -> None:
        self.notation = notation
        self.rounding = rounding
        self._names: dict[tuple[str, int, int | None, int | None], Names] = {}
        self._shown: dict[float, str] = {}

    def names(self, kind: str, layer: int, neuron: int | None, source: int | None = None) -> Names:
        key = (kind, layer, neuron, source)
        names = self._names.get(key)
        if names is None:
            names = self._names[key] = self.notation.quantity(kind, layer, neuron, source)
        return names

    def show(self, value: float) -> str:
        """``rounding.show(value)``, keyed by the float, which is all that show reads of it;
        zeros are not memoised (0.0 and -0.0 are one key, two floats)."""
        shown = self._shown.get(value) if value else None
        if shown is None:
            shown = self._shown[value] = self.rounding.show(value)
        return shown


@dataclass
class Recorder:
    """Appends one step's entries to the log, remembering each quantity's operand.

    Numpy arrays are read through ``tolist()`` once per layer: indexing an array element
    by element builds a numpy scalar per read, and a 784-30-10 step reads ~100,000.
    """

    log: TraceLog
    problem: Problem
    labels: Labels
    step: int
    epoch: int
    example: int | None = None
    index: dict[tuple, Operand] = field(default_factory=dict)
    givens: dict[tuple, Operand] = field(default_factory=dict)
    previous: dict[tuple, Entry] | None = None  # the step before's updates (see _given)

    # --- plumbing -----------------------------------------------------------
    def add(self, kind: str, layer: int, neuron: int | None, source: int | None, op: Op,
            operands: list[Operand], value: float, shown: str | None = None,
            key_extra: tuple = ()) -> Operand:
        names = self.labels.names(kind, layer, neuron, source)
        value = float(value)
        shown = shown if shown is not None else self.labels.show(value)
        entries = self.log.entries
        entries.append(Entry(len(entries), kind, self.step, self.epoch, self.example, layer, neuron,
                             source, names.plain, names.latex, op, tuple(operands), value, shown))
        operand = Operand(names.plain, names.latex, value, shown, len(entries) - 1)
        self.index[(kind, layer, neuron, source, self.example) + key_extra] = operand
        return operand

    def get(self, kind: str, layer: int, neuron: int | None, source: int | None = None) -> Operand:
        return self.index[(kind, layer, neuron, source, self.example)]

    def given(self, kind: str, layer: int, neuron: int | None, value: float,
              source: int | None = None) -> Operand:
        """A number that is data, not computed here: an input, a target, a weight.

        Memoised per step: a weight is an operand of its net, of a dout and of its update,
        a target of four entries. Zeros are not (0.0 and -0.0 are one key, two values).
        """
        key = (kind, layer, neuron, source, value)
        operand = self.givens.get(key) if value else None
        if operand is None:
            operand = self.givens[key] = self._given(kind, layer, neuron, value, source)
        return operand

    def _given(self, kind: str, layer: int, neuron: int | None, value: float,
               source: int | None = None) -> Operand:
        names = self.labels.names(kind, layer, neuron, source)
        value = float(value)
        stated = kind in ("input", "target")
        shown = self.problem.rounding.show_given(value) if stated else self.labels.show(value)
        made = self.updated_by(kind, layer, neuron, source)
        entry = made.index if made is not None and made.value == value else None
        return Operand(names.plain, names.latex, value, shown, entry)

    def updated_by(self, kind: str, layer: int, neuron: int | None, source: int | None) -> Entry | None:
        """The entry of the step just before (when it was recorded) that made this weight or
        bias: step 2's net uses step 1's new_w, so its depends_on points there."""
        if kind not in ("weight", "bias"):
            return None
        if self.previous is None:
            self.previous = {}
            for e in reversed(self.log.entries):
                if e.step == self.step:
                    continue
                if e.step != self.step - 1:
                    break
                if e.kind in ("new_w", "new_b"):
                    self.previous[(e.kind, e.layer, e.neuron, e.source)] = e
        return self.previous.get(("new_w" if kind == "weight" else "new_b", layer, neuron, source))

    def eta(self) -> Operand:
        lr = self.problem.training.learning_rate
        return Operand(_ETA[0], _ETA[1], lr, self.problem.rounding.show_given(lr))

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
        net_op = WeightedSum(self.problem.bias != "none")
        for l in range(1, len(acts) + 1):
            nets, outs, n = p.nets[l].tolist(), p.outs[l].tolist(), len(p.nets[l])
            senders = self.senders(p, l - 1)
            for j in range(1, n + 1):
                self.add("net", l, j, None, net_op, self.net_operands(params, senders, l, j), nets[j - 1])
            for j in range(1, n + 1):
                self.add("out", l, j, None, acts[l - 1].out_op(j - 1),
                         self.out_operands(acts[l - 1], l, j, n), outs[j - 1])

    def senders(self, p: Pass, l: int) -> list[Operand]:
        """The outputs of layer l as operands: the inputs (given data) or logged out entries."""
        if l == 0:
            return [self.given("input", 0, i, x) for i, x in enumerate(p.outs[0].tolist(), 1)]
        return [self.get("out", l, i) for i in range(1, len(p.outs[l]) + 1)]

    def net_operands(self, params: Params, senders: list[Operand], l: int, j: int) -> list[Operand]:
        row = params.weights[l][j - 1].tolist()
        ops: list[Operand] = []
        for i, (w, sender) in enumerate(zip(row, senders), 1):
            ops += [self.given("weight", l, j, w, source=i), sender]
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
        losses, errors = p.losses.tolist(), p.errors.tolist()
        targets = [self.given("target", L, j, t) for j, t in enumerate(self.targets(p), 1)]
        per_output = [self.add("loss", L, j, None, loss.op(), [targets[j - 1], self.get("out", L, j)],
                               losses[j - 1]) for j in range(1, len(targets) + 1)]
        self.add("loss", L, None, None, Sum(), per_output, p.total)
        for j in range(1, len(targets) + 1):
            self.add("error", L, j, None, Difference(), [targets[j - 1], self.get("out", L, j)],
                     errors[j - 1])

    def targets(self, p: Pass) -> list[float]:
        return list(self.problem.data[self.example - 1].target)

    def backward(self, params: Params, p: Pass) -> None:
        L = len(self.problem.activations)
        for l in range(L, 0, -1):
            n = len(p.nets[l])
            douts, dacts, dnets = p.douts[l].tolist(), p.dacts[l].tolist(), p.dnets[l].tolist()
            above = params.weights[l + 1].T.tolist() if l < L else []  # above[j-1][k-1]: j -> k
            for j in range(1, n + 1):
                self.add("dout", l, j, None, *self.dout_parts(above, p, l, j), douts[j - 1])
            dact_op = self.problem.activations[l - 1].dact_op()
            for j in range(1, n + 1):
                self.add("dact", l, j, None, dact_op, [self.get("net", l, j), self.get("out", l, j)],
                         dacts[j - 1])
            for j in range(1, n + 1):
                self.add("dnet", l, j, None, *self.dnet_parts(p, l, j), dnets[j - 1])
            self.gradients(p, l, p.dws[l], p.dbs[l])

    def dout_parts(self, above: list[list[float]], p: Pass, l: int, j: int) -> tuple[Op, list[Operand]]:
        """∂E/∂out: the loss's derivative at the output; else the δs above, weighted."""
        L = len(self.problem.activations)
        if l == L:
            t = self.given("target", L, j, self.targets(p)[j - 1])
            return self.problem.loss.dout_op(), [t, self.get("out", L, j)]
        ops: list[Operand] = []
        for k, w in enumerate(above[j - 1], 1):
            ops += [self.get("dnet", l + 1, k), self.given("weight", l + 1, k, w, source=j)]
        return WeightedSum(False), ops

    def dnet_parts(self, p: Pass, l: int, j: int) -> tuple[Op, list[Operand]]:
        L = len(self.problem.activations)
        act, loss = self.problem.activations[l - 1], self.problem.loss
        closed_form = (act.name, loss.name) in (("softmax", "cross_entropy"), ("sigmoid", "binary_cross_entropy"))
        if l == L and closed_form:  # δ = o - t, as numeric.output_delta computes it
            return Difference(), [self.get("out", l, j), self.given("target", l, j, self.targets(p)[j - 1])]
        if l == L and act.name == "softmax":
            n = len(p.nets[l])
            ops = [self.get("out", l, j), self.get("dout", l, j)]
            for k in range(1, n + 1):
                ops += [self.get("out", l, k), self.get("dout", l, k)]
            return SoftmaxDelta(), ops
        return Product(), [self.get("dout", l, j), self.get("dact", l, j)]

    def gradients(self, p: Pass, l: int, dw: np.ndarray, db: np.ndarray) -> None:
        senders = self.senders(p, l - 1)
        product = Product()
        for j, row in enumerate(dw.tolist(), 1):
            delta = self.get("dnet", l, j)
            for i, (g, sender) in enumerate(zip(row, senders), 1):
                self.add("dw", l, j, i, product, [delta, sender], g)
        if db.size == 0:
            return
        if self.problem.bias == "per_layer":
            deltas = [self.get("dnet", l, j) for j in range(1, dw.shape[0] + 1)]
            self.add("db", l, None, None, Sum() if len(deltas) > 1 else Identity(), deltas, db[0])
            return
        for j, g in enumerate(db.tolist(), 1):
            self.add("db", l, j, None, Identity(), [self.get("dnet", l, j)], g)

    def averages(self, batch: range, dws, dbs) -> None:
        """Mini-batch: the gradient the update uses is the mean of the examples' gradients."""
        mean = Mean()
        for l in range(len(dws) - 1, 0, -1):
            for j, row in enumerate(dws[l].tolist(), 1):
                for i, g in enumerate(row, 1):
                    self.add("dw", l, j, i, mean, self.per_example("dw", l, j, i, batch), g)
            for j, g in enumerate(dbs[l].tolist(), 1):
                neuron = self.bias_neuron(j)
                self.add("db", l, neuron, None, mean, self.per_example("db", l, neuron, None, batch), g)

    def per_example(self, kind: str, l: int, j: int | None, i: int | None, batch: range) -> list[Operand]:
        ops = []
        for k in batch:
            o = self.index[(kind, l, j, i, k + 1)]
            ops.append(o._replace(name=f"{o.name}#{k + 1}", latex=f"\\left.{o.latex}\\right|_{{{k + 1}}}"))
        return ops

    def updates(self, old: Params, new: Params, dws, dbs) -> None:
        rounding, eta, update = self.problem.rounding, self.eta(), Update()
        for l in range(len(dws) - 1, 0, -1):
            olds = old.weights[l].tolist()
            for j, row in enumerate(new.weights[l].tolist(), 1):
                for i, (w, before) in enumerate(zip(row, olds[j - 1]), 1):
                    operands = [self.given("weight", l, j, before, source=i), eta, self.get("dw", l, j, i)]
                    self.add("new_w", l, j, i, update, operands, w, rounding.show_change(w, before))
            if not self.problem.training.update_biases:
                continue
            befores = old.biases[l].tolist()
            for j, (b, before) in enumerate(zip(new.biases[l].tolist(), befores), 1):
                neuron = self.bias_neuron(j)
                operands = [self.given("bias", l, neuron, before), eta, self.get("db", l, neuron)]
                self.add("new_b", l, neuron, None, update, operands, b, rounding.show_change(b, before))
