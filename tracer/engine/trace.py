"""The recording engine: run training, and log every quantity of the recorded steps.

Numbers come from ``numeric`` (vectorised); this module only names them and ties each
to the op and operands it was computed from, in the order a worked solution reads. The
layers (``model.layers``) record their own entries and the optimizer
(``model.optimizers``) its updates; the loop here holds the network-level parts: the
loss, the mini-batch averages and the order of it all.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..model.layers import Dense, EntryParts
from ..model.notation import Names, Notation
from ..model.optimizers import Slot
from ..model.problem import Problem
from ..model.regularization import PenalizedGradient, Penalty
from . import conventions
from .collector import collector_paused
from .conventions import CHANGE_KIND, split_update
from .log import Entry, TraceLog
from .numeric import Params, Pass, initial_state, mean_gradients, penalised, penalty, run_example, updated
from .ops import AddChange, Difference, ErrUpdate, Mean, Op, Operand, Sum
from .rounding import Rounder, Rounding

#: The recording loop of each other kind of problem, registered by its module when
#: tracer.engine is imported (engine/convtrace.py).
RUNNERS: dict[type, Callable[[Any], TraceLog]] = {}


def trace(problem: Problem) -> TraceLog:
    """Train as the problem says; record the steps it asks to see in full."""
    runner = RUNNERS.get(type(problem))
    if runner is not None:  # another kind of network (engine/convtrace.py: convolutional)
        return runner(problem)
    if problem.training.rule is not None:      # perceptron, delta, ADALINE, Hebb: engine/rules.py
        from .rules import trace_rule
        return trace_rule(problem)
    with collector_paused():
        return _trace(problem)


def _trace(problem: Problem) -> TraceLog:
    notation = Notation.from_spec(problem.layers, problem.bias, problem.notation,
                                  int(problem.conventions.index_base), problem.conventions.bias == "subtracted")
    log = TraceLog(problem, notation)
    params = initial_params(problem)
    rnd = _kind_rounder(problem)
    mean = problem.conventions.update == "batch_mean"
    change = bool(problem.conventions.show_change) or problem.conventions.error == "negative_gradient"
    stable = not problem.rounding.carry
    recorded = problem.recorded_steps()
    layers, loss, optimizer = problem.network, problem.loss, problem.optimizer
    reg = problem.training.regularization
    params = initial_state(params, optimizer)
    labels = Labels(notation, problem.rounding, _printed_as(problem))
    xs = [np.array(e.input) for e in problem.data]  # once, not once per step
    ts = [np.array(e.target) for e in problem.data]
    step = 0
    for epoch in range(1, problem.training.epochs + 1):
        for start in range(0, len(problem.data), problem.training.batch_size):
            step += 1
            batch = range(start, min(start + problem.training.batch_size, len(problem.data)))
            passes = [run_example(params, layers, loss, xs[k], ts[k], rnd, stable) for k in batch]
            dws, dbs = mean_gradients(passes, rnd, mean)
            pen, seen = 0.0, None
            if reg is not None:  # the optimizer sees data gradient + the penalty's gradient
                pen, seen = penalty(params, reg, len(batch), rnd), penalised(params, dws, dbs, reg, len(batch), rnd)
            used_w, used_b = seen if seen is not None else (dws, dbs)
            new = updated(params, used_w, used_b, optimizer, problem.training.update_biases)
            if not stable:
                new = carried(new, params, problem.rounding, change)
            if step in recorded:
                Recorder(log, problem, labels, step, epoch).record(params, new, batch, passes, dws, dbs,
                                                                   pen if reg else None, seen)
            log.history.append(_history(step, epoch, batch, passes, pen))
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


def _printed_as(problem: Problem) -> dict[str, str]:
    """Kinds carried at another kind's digits: with ``error: negative_gradient`` the printed
    error term Err = −δ, so δ is carried at err's digits (rounding is symmetric: −round(x) =
    round(−x))."""
    return {"dnet": "err"} if problem.conventions.error == "negative_gradient" else {}


def _kind_rounder(problem: Problem) -> Rounder:
    """Each kind carried at its own digits (``rounding.kinds``); under ``error:
    negative_gradient`` the intermediates its one-line Err and update formulas skip
    (∂E/∂out, ∂out/∂net, ∂E/∂w) are not rounded on the way."""
    rounding = problem.rounding
    if not rounding.carry:
        return Rounder(None)
    exact: tuple[str, ...] = ()
    if problem.conventions.error == "negative_gradient":
        exact = ("dout", "dact")       # hidden units' ∂E/∂out, every ∂out/∂net
        if not conventions.loss_gradient_printed(problem):
            exact += ("dout_top",)     # the output units' ∂E/∂O, printed only for Err = −∂E/∂O·f′
        if not conventions.through_gradient(problem):
            exact += ("dw", "db")      # printed only when an optimizer or a penalty takes them
    return Rounder(rounding, _printed_as(problem), exact)


def carried(new: Params, old: Params, rounding: Rounding, change: bool = False) -> Params:
    """With carry, an updated parameter goes on exactly as it is printed (0.590005 when
    0.59 - 0.001 · (-0.0059) = 0.5900059 is printed 0.590005 to show its change). With
    ``change`` (the change Δw is printed: ``show_change``, ``error: negative_gradient``), the
    change is carried at delta_w's digits first and the new value is old + Δw."""
    def one(kind: str, delta: str):
        r, d = rounding.of(kind), rounding.of(delta)
        if not change:
            return np.vectorize(r.carry_change, otypes=[float])

        def moved(n: float, o: float) -> float:
            step = d.apply(float(format(n - o, ".15g")))
            return r.carry_change(float(format(o + step, ".15g")), o)
        return np.vectorize(moved, otypes=[float])
    cw, cb = one("new_w", "delta_w"), one("new_b", "delta_b")
    return Params([w if w.size == 0 else cw(w, o) for w, o in zip(new.weights, old.weights)],
                  [b if b.size == 0 else cb(b, o) for b, o in zip(new.biases, old.biases)],
                  new.state, new.t)


def _history(step: int, epoch: int, batch: range, passes: list[Pass], penalty: float = 0.0) -> dict:
    """The step's mean loss (+ the penalty: the total); one example's own loss skips np.mean
    (the same float, 10x cheaper)."""
    if len(passes) == 1:
        loss = float(passes[0].total)
        return {"step": step, "epoch": epoch, "example": batch[0] + 1, "loss": loss + penalty if penalty else loss}
    loss = float(np.mean([p.total for p in passes]))
    return {"step": step, "epoch": epoch, "example": None, "loss": loss + penalty if penalty else loss}


class Labels:
    """The names and printed values of one trace, memoised.

    A recorded step asks for the same name or printed value many times (each input of a
    784-30-10 network feeds 30 neurons; every weight is printed in its net and again in
    its update), and both are pure functions of their arguments, while a notation lookup
    validates its arguments and ``Rounding.show`` goes through Decimal every time.
    """

    def __init__(self, notation: Notation, rounding: Rounding, alias: dict[str, str] | None = None) -> None:
        self.notation = notation
        self.rounding = rounding
        self.alias = alias or {}
        self._names: dict[tuple[str, int, int | None, int | None], Names] = {}
        self._shown: dict[float, str] = {}
        self._kinds: dict[str, Labels] = {}
        #: a Notation memoises its names itself (a convolutional network's ConvNames does not)
        self._memoised = isinstance(notation, Notation)

    def names(self, kind: str, layer: int, neuron: int | None, source: int | None = None) -> Names:
        if self._memoised:
            return self.notation.quantity(kind, layer, neuron, source)
        key = (kind, layer, neuron, source)
        names = self._names.get(key)
        if names is None:
            names = self._names[key] = self.notation.quantity(kind, layer, neuron, source)
        return names

    def rounding_of(self, kind: str) -> Rounding:
        """The rounding a kind is printed with (``rounding.kinds``)."""
        return self.rounding.of(self.alias.get(kind, kind))

    def of(self, kind: str) -> Labels:
        """The labels that show values at ``kind``'s digits (themselves without per-kind digits)."""
        labels = self._kinds.get(kind)   # asked once per entry: 47,941 times for a 784-30-10 step
        if labels is None:
            rounding = self.rounding_of(kind)
            if rounding is self.rounding:
                labels = self
            else:
                labels = Labels(self.notation, rounding)
                labels._names = self._names
            self._kinds[kind] = labels
        return labels

    def show(self, value: float) -> str:
        """``rounding.show(value)``, keyed by the float, which is all that show reads of it;
        zeros are not memoised (0.0 and -0.0 are one key, two floats)."""
        shown = self._shown.get(value) if value else None
        if shown is None:
            shown = self._shown[value] = self.rounding.show(value)
        return shown


#: The mark on the names of a mini-batch's loss and mean gradients (an example's: ``(k)``).
BATCH = "\\mathrm{batch}"
#: The kinds of a parameter's new value: shown with enough digits to show its change.
_UPDATE_KINDS = frozenset({"new_w", "new_b", "new_k"})
#: Total gradients (data + penalty) are named as the notation names gradients.
_NAME_KINDS: dict[str, str] = {"dw_total": "dw", "db_total": "db"}


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
    updates_before: dict[tuple, Entry] | None = None  # the step before's updates (see updated_by)
    states_before: dict[tuple, Entry] | None = None   # the step before's last entry per slot (see before)
    penalty: float | None = None          # the step's regularization penalty (None: not regularized)
    params: Params | None = None          # the parameters the step starts from
    batch_size: int = 1                   # the number of examples the step works
    mark: str | None = None               # the mark on the names being added (a mini-batch's: BATCH)
    #: The notation kind naming an entry kind where the two differ (the total gradients are
    #: named as gradients; with regularization the layers' gradients are the data loss's).
    name_kinds: dict[str, str] = field(default_factory=lambda: dict(_NAME_KINDS))
    #: ``show_change`` under the gradient convention: each new value the optimizer records is
    #: split into its change Δ (kind delta_w / delta_b) and old + Δ.
    split: bool = False

    def __post_init__(self) -> None:
        c = self.problem.conventions
        #: under negative_gradient an optimizer's or a penalised step is always Δw, then w + Δw
        self.split = (bool(c.show_change) and c.error == "gradient") or conventions.through_gradient(self.problem)

    # --- plumbing -----------------------------------------------------------
    def add(self, kind: str, layer: int, neuron: int | None, source: int | None, op: Op,
            operands: list[Operand], value: float, key_extra: tuple = ()) -> Operand:
        if self.split and kind in CHANGE_KIND and not isinstance(op, (AddChange, ErrUpdate)):
            op, operands = split_update(self, kind, layer, neuron, source, op, operands, value)
        names = self.labels.names(self.name_kinds.get(kind, kind), layer, neuron, source)
        if self.mark is not None:  # a mini-batch's loss and mean gradients (see ``marked``)
            names = Names(names.plain, self.marked(names.latex, self.mark))
        value = float(value)
        shown = self.printed(kind, op, operands, value)
        entries = self.log.entries
        entries.append(Entry(len(entries), kind, self.step, self.epoch, self.example, layer, neuron,
                             source, names.plain, names.latex, op, tuple(operands), value, shown))
        operand = Operand(names.plain, names.latex, value, shown, len(entries) - 1)
        self.index[(kind, layer, neuron, source, self.example) + key_extra] = operand
        return operand

    def printed(self, kind: str, op: Op, operands: list[Operand], value: float) -> str:
        """How the entry's value is printed, so that its printed line adds up.

        The value rounded, when the op on the operands *as printed* gives it within one
        unit of the last digit (nearly always); otherwise that result, rounded: a reader
        recomputing the line from the printed numbers gets the printed result. With carry
        the printed operands are the carried ones, and both are the same. An update is
        shown with enough digits to show its change.
        """
        labels = self.labels.of(kind)
        if not operands:
            return labels.show(value)
        old = op.roles(len(operands)).index("old") if kind in _UPDATE_KINDS else None
        if old is not None and value == operands[old].value:
            return operands[old].shown   # unchanged (a zero gradient): the old value as printed, 0.2
        shown = labels.show(value) if old is None else self.show_change(value, operands[old].value, labels)
        printed = [float(o.shown) for o in operands]
        result = op.evaluate(printed)
        if abs(result) <= 1e-12 * max(1.0, *map(abs, printed)):  # 0 by hand; float noise
            result = 0.0
        rounding = labels.rounding
        if rounding.agrees(result, shown, value) and (result == 0 or float(shown) != 0):
            # (a printed 0 is exact: 0.05498 - 0.11 + ... giving -0.00004 is not 0)
            if not rounding.carry and result != value and (
                    rounding.mode != "round" or abs(result - float(shown)) > 0.5000001 * 10.0 ** -len(shown.partition(".")[2])):
                # within one unit is not enough when the line's printed numbers give a result
                # that needs no rounding: dz = -0.030935 shown -0.03093 (its own line's result)
                # would make "dw = -0.03093 · 1 = -0.03094"; such an exact result is printed when
                # it is within one unit of the value (an update's too: "0 - 1 · 0.1440 = -0.1440").
                # A result that is itself rounded keeps the value's rounding: ½(0.01 − 0.75136507)²
                # = 0.27481108351 prints the value's 0.274811083, as Mazur does, and the next line
                # 0.274811083 + 0.023560026 = 0.298371109 adds up exactly
                own = labels.show(result) if old is None else rounding.show_change(result, printed[old])
                if own != shown and float(own) == float(format(result, ".12g")) and rounding.agrees(value, own, result):
                    return own   # the line's result is exact at its printed digits: print it
            return shown
        if old is not None:
            return labels.rounding.show_change(result, printed[old])
        if value == 0 and abs(result) <= 10.0 ** -rounding.digits:
            # a gradient that is exactly 0 whose printed terms miss by less than a unit:
            # 0.05498 - 0.05494 + 0.05502 - 0.05506 = 0, not -0.00004000
            return "0"
        return labels.show(result)

    def change_value(self, kind: str, op: Op, operands: list[Operand]) -> float:
        """A change Δ (kind delta_w or delta_b) from its operands' values; carried by hand, at
        its kind's digits, as ``carried`` carries it (Han–Kamber: Δw46 = 0.9·0.1311·0.332 =
        0.0392, then w46 = −0.3 + 0.0392 = −0.2608, carried as −0.261)."""
        value = op.evaluate([o.value for o in operands])
        return self.problem.rounding.of(kind).apply(value) if self.problem.rounding.carry else value

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
        rounding = self.problem.rounding
        if kind in ("input", "target") or self.step == 1 or value == self._initial(kind, layer, neuron, source):
            shown = rounding.show_given(value)  # data, as the problem writes it (a fixed bias: 0.35)
        else:  # a weight or bias of a later step, as it was carried (or rounded) at its update's digits
            labels = self.labels.of("new_w" if kind == "weight" else "new_b" if kind == "bias" else kind)
            shown = labels.rounding.show_carried(value) if rounding.carry else labels.show(value)
        made = self.updated_by(kind, layer, neuron, source)
        entry = made.index if made is not None and made.value == value else None
        if made is not None and made.value == value and not rounding.carry:
            shown = made.shown   # as its update printed it (-0.05001, its line's own result)
        return Operand(names.plain, names.latex, value, shown, entry)

    def _initial(self, kind: str, layer: int, neuron: int | None, source: int | None) -> float | None:
        """A weight's or bias's value in the problem file (None for other kinds)."""
        p = self.problem
        if layer > len(p.weights):  # a convolutional network's layers hold no dense matrices here
            return None
        if kind == "weight" and neuron is not None and source is not None:
            return p.weights[layer - 1][neuron - 1][source - 1]
        if kind == "bias" and p.biases[layer - 1]:
            return p.biases[layer - 1][(neuron or 1) - 1]
        return None

    def before(self, kind: str, layer: int, neuron: int | None, source: int | None) -> Entry | None:
        """The entry of ``kind`` the step just before recorded for this slot (an optimizer's
        state v_w7, printed 5.108 × 10^-7 there), when that step was recorded."""
        if self.states_before is None:
            self.states_before = {}
            for e in reversed(self.log.entries):
                if e.step == self.step:
                    continue
                if e.step != self.step - 1:
                    break
                self.states_before.setdefault((e.kind, e.layer, e.neuron, e.source), e)
        return self.states_before.get((kind, layer, neuron, source))

    def updated_by(self, kind: str, layer: int, neuron: int | None, source: int | None) -> Entry | None:
        """The entry of the step just before (when it was recorded) that made this weight or
        bias: step 2's net uses step 1's new_w, so its depends_on points there."""
        if kind not in ("weight", "bias"):
            return None
        if self.updates_before is None:
            self.updates_before = {}
            for e in reversed(self.log.entries):
                if e.step == self.step:
                    continue
                if e.step != self.step - 1:
                    break
                if e.kind in ("new_w", "new_b"):
                    self.updates_before[(e.kind, e.layer, e.neuron, e.source)] = e
        return self.updates_before.get(("new_w" if kind == "weight" else "new_b", layer, neuron, source))

    def hyperparameter(self, name: str, latex: str, value: float) -> Operand:
        """A number the problem states for the optimizer (η...), shown as written; memoised."""
        key = ("hyperparameter", name, latex, value)
        operand = self.givens.get(key)
        rate = getattr(self.labels.notation, "rate", None)
        if operand is None and name == "eta" and rate is not None:  # the learning rate as the notation names it (α, l)
            name, latex = rate.plain, rate.latex
        if operand is None:
            operand = self.givens[key] = Operand(name, latex, value, self.problem.rounding.show_given(value))
        return operand

    def previous(self, kind: str, layer: int, neuron: int | None, source: int | None, value: float) -> Operand:
        """An optimizer state before this step, named like the state with ``prev`` (m_w5_prev)."""
        names = self.labels.names(kind, layer, neuron, source)
        value = float(value)
        before = self.before(kind, layer, neuron, source)   # as the step before printed it
        shown = before.shown if before is not None and before.value == value else self.show_state(value)
        return Operand(f"{names.plain}_prev", f"{{{names.latex}}}^{{\\mathrm{{prev}}}}", value, shown)

    def show_change(self, new: float, old: float, labels: Labels | None = None) -> str:
        """``rounding.show_change``, with both values shown through the memo: a 784-30-10 step
        shows 23,860 updated weights, and each new and old value went through Decimal twice.
        ``labels``: the kind's own (``rounding.kinds``), else new_w's."""
        labels = labels or self.labels.of("new_w")
        if labels.rounding.carry or new == old:
            return labels.rounding.show_change(new, old)
        shown = labels.show(new)
        if labels.rounding.faithful(shown, new, old, labels.show(old)):
            return shown
        return labels.rounding.show_change(new, old)  # the change is hidden or distorted: widen

    def show_state(self, value: float) -> str:
        """Optimizer state to significant figures: a bias correction divides by 1 - β2^t
        (0.001 at t = 1), so a state rounded to decimals would not give the line's result."""
        return self.problem.rounding.at(self.problem.rounding.digits, "significant").show(value)

    def bias_neuron(self, j: int) -> int | None:
        return None if self.problem.bias == "per_layer" else j

    # --- one step -----------------------------------------------------------
    def record(self, old: Params, new: Params, batch: range, passes: list[Pass], dws, dbs,
               penalty: float | None = None, seen=None) -> None:
        layers = self.problem.network
        reg = self.problem.training.regularization
        through = conventions.through_gradient(self.problem)
        if reg is not None:
            self.penalty, self.params, self.batch_size = penalty, old, len(batch)
            self.name_kinds |= {"dw": "dw_data"} | ({"db": "db_data"} if reg.biases else {})
        for k, p in zip(batch, passes):
            self.example = k + 1
            self.forward(layers, old, p)
            self.loss(p)
            self.backward(layers, old, p)
            if conventions.negative(self):
                conventions.record_errors(self, layers, old, p)
                if through:      # ∂E/∂w = −Err·O, for the optimizer's or the penalty's formulas
                    for layer in reversed(layers):
                        conventions.record_gradients(self, layer, self.senders(p, layer.index - 1), p)
                elif len(passes) > 1:
                    conventions.record_example_changes(self, layers, lambda l, p=p: self.senders(p, l), p)
        batched = len(passes) > 1
        self.example = None if batched else batch[0] + 1
        if batched:
            if self.problem.conventions.update == "batch_mean":   # a batch_sum step's loss is not a mean
                self.batch_loss(batch)
            self.averages(batch, dws, dbs)
        if reg is not None and seen is not None:
            self.penalised(old, seen[0], seen[1], len(batch))
        if conventions.negative(self) and not through:
            conventions.record_updates(self, layers, old, new, batch, lambda l: self.senders(passes[0], l))
        else:
            self.updates(layers, old, new, dws, dbs)

    def forward(self, layers: tuple[Dense, ...], params: Params, p: Pass) -> None:
        for layer in layers:
            l = layer.index
            layer.record_forward(self, params.weights[l], params.biases[l], self.senders(p, l - 1),
                                 p.nets[l], p.outs[l])

    def senders(self, p: Pass, l: int) -> list[Operand]:
        """The outputs of layer l as operands: the inputs (given data) or logged out entries."""
        if l == 0:
            return [self.given("input", 0, i, x) for i, x in enumerate(p.outs[0].tolist(), 1)]
        return [self.get("out", l, i) for i in range(1, len(p.outs[l]) + 1)]

    def loss(self, p: Pass) -> None:
        L = len(self.problem.activations)
        loss = self.problem.loss
        losses, errors = p.losses.tolist(), p.errors.tolist()
        targets = [self.given("target", L, j, t) for j, t in enumerate(self.targets(p), 1)]
        per_output = [self.add("loss", L, j, None, loss.op(), [targets[j - 1], self.get("out", L, j)],
                               losses[j - 1]) for j in range(1, len(targets) + 1)]
        if self.penalty is None:
            self.add("loss", L, None, None, Sum(), per_output, p.total)
        else:   # the total is data loss + penalty
            data = self.add("data_loss", L, None, None, Sum(), per_output, p.total)
            self.add("loss", L, None, None, Sum(), [data, self.penalty_entry()], p.total + self.penalty)
        for j in range(1, len(targets) + 1):
            self.add("error", L, j, None, Difference(), [targets[j - 1], self.get("out", L, j)],
                     errors[j - 1])

    def targets(self, p: Pass) -> list[float]:
        assert self.example is not None  # asked while an example's entries are recorded
        return list(self.problem.data[self.example - 1].target)

    def backward(self, layers: tuple[Dense, ...], params: Params, p: Pass) -> None:
        L = len(layers)
        for layer in reversed(layers):
            l = layer.index
            if l == L:
                dout, closed = self.loss_gradient(p, layer)
            else:
                dout, closed = layers[l].input_gradient_entry(self, params.weights[l + 1]), None
            layer.record_backward(self, dout, closed, p.douts[l], p.dacts[l], p.dnets[l])
            if not conventions.through_gradient(self.problem):  # else written from Err (record)
                layer.record_gradients(self, self.senders(p, l - 1), p.dws[l], p.dbs[l])

    def loss_gradient(self, p: Pass, top: Dense) -> tuple[EntryParts, EntryParts | None]:
        """∂E/∂out of the output layer, and δ = out - target where the loss gives it in closed
        form (as ``numeric.run_example`` computes it)."""
        L, loss, targets = top.index, self.problem.loss, self.targets(p)

        def dout(j: int) -> tuple[Op, list[Operand]]:
            return loss.dout_op(), [self.given("target", L, j, targets[j - 1]), self.get("out", L, j)]

        def closed(j: int) -> tuple[Op, list[Operand]]:
            return loss.closed_delta_entry(self.get("out", L, j), self.given("target", L, j, targets[j - 1]))

        return dout, (closed if loss.closed_form_delta(top.activation) else None)

    def batch_loss(self, batch: range) -> None:
        """Mini-batch: the batch's loss, the mean of its examples' total losses (the step's
        history loss), named with the mark ``batch``; the examples' with ``(k)``."""
        L = len(self.problem.activations)
        losses = self.per_example("loss", L, None, None, batch)
        mean = math.fsum(o.value for o in losses) / len(losses)
        rounding = self.problem.rounding
        with self.marking(BATCH):  # carried by hand like every other value
            self.add("loss", L, None, None, Mean(), losses, rounding.apply(mean) if rounding.carry else mean)

    def averages(self, batch: range, dws, dbs) -> None:
        """Mini-batch: the gradient the update uses is the mean of the examples' gradients, the
        batch loss's gradient (marked ``batch``; an example's is marked ``(k)``); their sum with
        ``conventions.update: batch_sum``."""
        mean: Op = Mean() if self.problem.conventions.update == "batch_mean" else Sum()
        for l in range(len(dws) - 1, 0, -1):
            for j, row in enumerate(dws[l].tolist(), 1):
                for i, g in enumerate(row, 1):
                    per_example = self.per_example("dw", l, j, i, batch)
                    with self.marking(BATCH):
                        self.add("dw", l, j, i, mean, per_example, g)
            for j, g in enumerate(dbs[l].tolist(), 1):
                neuron = self.bias_neuron(j)
                per_example = self.per_example("db", l, neuron, None, batch)
                with self.marking(BATCH):
                    self.add("db", l, neuron, None, mean, per_example, g)

    def regularization_operands(self, batch: int) -> list[Operand]:
        """λ2, λ1 (each if used), then the batch size m with ``scale: batch``."""
        reg = self.problem.training.regularization
        assert reg is not None
        out = [self.hyperparameter(name, latex, value) for name, latex, value in reg.strengths()]
        if reg.scale == "batch":
            out.append(self.hyperparameter("m", "m", float(batch)))
        return out

    def penalty_entry(self) -> Operand:
        """The penalty over the step's weights (and biases with ``biases: true``)."""
        reg = self.problem.training.regularization
        assert reg is not None and self.penalty is not None and self.params is not None
        operands = self.regularization_operands(self.batch_size)
        weights, biases = self.params.weights, self.params.biases
        for l in range(1, len(weights)):
            for j, row in enumerate(weights[l].tolist(), 1):
                operands += [self.given("weight", l, j, w, source=i) for i, w in enumerate(row, 1)]
        if reg.biases:
            for l in range(1, len(biases)):
                for j, b in enumerate(biases[l].tolist(), 1):
                    operands.append(self.given("bias", l, self.bias_neuron(j), b))
        op = Penalty(bool(reg.l2), bool(reg.l1), reg.scale == "batch")
        return self.add("penalty", len(self.problem.activations), None, None, op, operands, self.penalty)

    def penalised(self, old: Params, dws, dbs, batch: int) -> None:
        """The gradients the optimizer sees: each data gradient plus the penalty's gradient."""
        reg = self.problem.training.regularization
        assert reg is not None
        op = PenalizedGradient(bool(reg.l2), bool(reg.l1), reg.scale == "batch")
        lams = self.regularization_operands(batch)
        for l in range(len(dws) - 1, 0, -1):
            weights = old.weights[l].tolist()
            for j, row in enumerate(dws[l].tolist(), 1):
                for i, g in enumerate(row, 1):
                    w = self.given("weight", l, j, weights[j - 1][i - 1], source=i)
                    self.add("dw_total", l, j, i, op, [self.get("dw", l, j, i), *lams, w], g)
            if reg.biases:
                biases = old.biases[l].tolist()
                for j, g in enumerate(dbs[l].tolist(), 1):
                    neuron = self.bias_neuron(j)
                    b = self.given("bias", l, neuron, biases[j - 1])
                    self.add("db_total", l, neuron, None, op, [self.get("db", l, neuron), *lams, b], g)

    @contextmanager
    def marking(self, mark: str) -> Iterator[None]:
        """The entries added inside are named with ``mark`` (see ``marked``)."""
        self.mark = mark
        try:
            yield
        finally:
            self.mark = None

    def marked(self, latex: str, mark: str) -> str:
        """A name of one example's (``(k)``) or the batch's (``batch``) loss or gradient: the
        mark on the total loss's name inside it (∂E_total^{(1)}/∂w5), else on the whole name."""
        L = len(self.problem.activations)
        for kind in ("loss", "data_loss"):  # E_total, or E_data (a regularized gradient's)
            total = self.labels.names(kind, L, None).latex
            if total in latex:
                return latex.replace(total, f"{{{total}}}^{{{mark}}}", 1)
        return f"{{{latex}}}^{{{mark}}}"

    def example_name(self, latex: str, k: int) -> str:
        """One example's quantity inside a mini-batch mean: marked ``(k)``."""
        return self.marked(latex, f"({k})")

    def per_example(self, kind: str, l: int, j: int | None, i: int | None, batch: range) -> list[Operand]:
        ops = []
        for k in batch:
            o = self.index[(kind, l, j, i, k + 1)]
            ops.append(o._replace(name=f"{o.name}#{k + 1}", latex=self.example_name(o.latex, k + 1)))
        return ops

    def updates(self, layers: tuple[Dense, ...], old: Params, new: Params, dws, dbs) -> None:
        """Each layer's weights, then its biases, from the last layer down, as the optimizer records them."""
        optimizer = self.problem.optimizer
        reg = self.problem.training.regularization
        dw = "dw_total" if reg is not None else "dw"
        db = "db_total" if reg is not None and reg.biases else "db"
        for layer in reversed(layers):
            l = layer.index
            befores, afters = old.weights[l].tolist(), new.weights[l].tolist()
            state = _element_states(old.state[("weight", l)], new.state[("weight", l)])
            for j, row in enumerate(afters, 1):
                for i, (w, before) in enumerate(zip(row, befores[j - 1]), 1):
                    old_w = self.given("weight", l, j, before, source=i)
                    optimizer.record(self, Slot("weight", l, j, i), old_w, self.get(dw, l, j, i), w,
                                     *state((j - 1, i - 1)))
            if not self.problem.training.update_biases:
                continue
            state = _element_states(old.state[("bias", l)], new.state[("bias", l)])
            for j, (b, before) in enumerate(zip(new.biases[l].tolist(), old.biases[l].tolist()), 1):
                neuron = layer.bias_neuron(j)
                optimizer.record(self, Slot("bias", l, neuron), self.given("bias", l, neuron, before),
                                 self.get(db, l, neuron), b, *state((j - 1,)))


_NO_STATE: dict[str, float] = {}


def _element_states(before: dict[str, np.ndarray], after: dict[str, np.ndarray]):
    """One element's optimizer state before and after, by its index in the array."""
    if not before and not after:
        return lambda index: (_NO_STATE, _NO_STATE)
    return lambda index: ({k: float(v[index]) for k, v in before.items()},
                          {k: float(v[index]) for k, v in after.items()})
