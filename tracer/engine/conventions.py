"""Backpropagation written in a textbook's conventions (``conventions:``), entry by entry.

``error: negative_gradient`` (Han, Kamber & Pei; Negnevitsky; Mitchell) prints the error
term Err_j = −∂E/∂net_j instead of δ_j = ∂E/∂net_j:

    output unit   Err_j = f′(net_j)·(T_j − O_j)        (O_j(1 − O_j)(T_j − O_j) for a sigmoid)
                  Err_j = T_j − O_j                     (sigmoid + BCE, softmax + CE)
                  Err_j = −∂E/∂O_j·f′(net_j)           (any other loss: its ∂E/∂O_j printed first)
    hidden unit   Err_j = f′(net_j)·Σ_k Err_k·w_kj
    update        w_ij ← w_ij + η·Err_j·O_i,  θ_j ← θ_j + η·Err_j  (− for a subtracted threshold)

Err is logged as its own kind, ``err``; ``dnet`` keeps meaning ∂E/∂net, so the two are
recorded side by side. With ``show_change: true`` (or a batch, whose changes are summed or
averaged) each update is two entries, the change ``delta_w`` / ``delta_b`` and the new value
old + Δ. With an optimizer other than plain gradient descent, or with regularization, the
gradient is written from Err (∂E/∂w_ij = −Err_j·O_i, ∂E/∂θ_j = −Err_j, +Err_j for a
subtracted threshold) and the optimizer's (and the penalty's) own entries follow, each update
split into Δw and w + Δw as the books write it. Under the gradient convention ``show_change`` splits whatever the optimizer writes
(w − η·∂E/∂w, Adam's w − η·m̂/(√v̂ + ε)) the same way: Δw is the step without its old value.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..model.layers import Dense
from .ops import (
    AddChange,
    Change,
    Difference,
    ErrFromGradient,
    ErrHidden,
    ErrOutput,
    ErrUpdate,
    Mean,
    NegErrGradient,
    Op,
    Operand,
    SharedChange,
    StepChange,
    Sum,
)

if TYPE_CHECKING:
    from ..model.problem import Problem
    from .numeric import Params, Pass
    from .trace import Recorder

#: The kind of a parameter's change, by the kind of its new value.
CHANGE_KIND = {"new_w": "delta_w", "new_b": "delta_b"}


def negative(rec: Recorder) -> bool:
    return rec.problem.conventions.error == "negative_gradient"


def through_gradient(problem: Problem) -> bool:
    """Under ``error: negative_gradient``, whether the update goes through the gradient
    ∂E/∂w = −Err·O: an optimizer other than plain gradient descent, or a penalty's gradient
    to add (else w ← w + η·Err·O in one line)."""
    if problem.conventions.error != "negative_gradient":
        return False
    optimizer = problem.training.optimizer
    return (optimizer is not None and optimizer.name != "sgd") or problem.training.regularization is not None


def loss_gradient_printed(problem: Problem) -> bool:
    """Under ``error: negative_gradient``, whether the output units' Err is written from the
    loss's ∂E/∂O (Err = −∂E/∂O·f′(net)): a loss other than half squared error whose error
    term has no closed form with the output activation."""
    if problem.conventions.error != "negative_gradient":
        return False
    loss, top = problem.loss, problem.network[-1].activation
    return not loss.closed_form_delta(top) and loss.name != "half_squared_error"


def record_errors(rec: Recorder, layers: Sequence[Dense], params: Params, p: Pass) -> None:
    """Every unit's Err_j = −δ_j, output layer first (each hidden one uses the layer above)."""
    loss = rec.problem.loss
    general = loss_gradient_printed(rec.problem)
    L = len(layers)
    for layer in reversed(layers):
        l = layer.index
        dnets = p.dnets[l].tolist()
        d = layer.activation.dact_op()
        for j in range(1, layer.size + 1):
            net, out = rec.get("net", l, j), rec.get("out", l, j)
            op: Op
            if l == L:
                target = rec.given("target", L, j, rec.targets(p)[j - 1])
                if loss.closed_form_delta(layer.activation):
                    op, operands = Difference(), [target, out]
                elif general:
                    op, operands = ErrFromGradient(d), [rec.get("dout", l, j), net, out]
                else:
                    op, operands = ErrOutput(d), [net, out, target]
            else:
                above = params.weights[l + 1].tolist()
                operands = [net, out]
                for k in range(1, layers[l].size + 1):
                    operands += [rec.get("err", l + 1, k),
                                 rec.given("weight", l + 1, k, above[k - 1][j - 1], source=j)]
                op = ErrHidden(d)
            rec.add("err", l, j, None, op, operands, -dnets[j - 1])


def record_gradients(rec: Recorder, layer: Dense, senders: Sequence[Operand], p: Pass) -> None:
    """∂E/∂w_ij = −Err_j·O_i and ∂E/∂θ_j = −Err_j (Err_j for a subtracted threshold, −ΣErr
    for a shared bias): the gradients the optimizer or the penalty takes (``through_gradient``),
    logged as the kinds dw and db with their values as computed."""
    l = layer.index
    sign = 1 if _threshold(rec) else -1
    for j, row in enumerate(p.dws[l].tolist(), 1):
        err = rec.get("err", l, j)
        for i, (g, sender) in enumerate(zip(row, senders), 1):
            rec.add("dw", l, j, i, NegErrGradient(), [err, sender], g)
    db = p.dbs[l].tolist()
    if not db:
        return
    if layer.bias == "per_layer":
        errs = [rec.get("err", l, j) for j in range(1, layer.size + 1)]
        rec.add("db", l, None, None, NegErrGradient(sign, shared=True), errs, db[0])
        return
    for j, g in enumerate(db, 1):
        rec.add("db", l, j, None, NegErrGradient(sign), [rec.get("err", l, j)], g)


def _threshold(rec: Recorder) -> bool:
    return rec.problem.conventions.bias == "subtracted"


def _change_parts(rec: Recorder, l: int, j: int, source: Operand | None) -> tuple[Op, list[Operand]]:
    """η·Err_j·O_i for a weight (source: the sender's output), η·Err_j for a bias (−η·Err_j
    for a subtracted threshold, a weight on the constant input −1)."""
    rate = rec.hyperparameter("eta", "\\eta", rec.problem.training.learning_rate)
    err = rec.get("err", l, j)
    if source is not None:
        return Change(("rate", "err", "input")), [rate, err, source]
    return Change(("rate", "err"), -1 if _threshold(rec) else 1), [rate, err]


def record_example_changes(rec: Recorder, layers: Sequence[Dense], senders, p: Pass) -> None:
    """A batch's per-example changes η·Err_j·O_i (the step's change is their mean or sum)."""
    rate = rec.problem.training.learning_rate
    for layer in layers:
        l = layer.index
        for j, row in enumerate(p.dws[l].tolist(), 1):
            for i, (g, sender) in enumerate(zip(row, senders(l - 1)), 1):
                rec.add("delta_w", l, j, i, *_change_parts(rec, l, j, sender), -rate * g)
        if rec.problem.training.update_biases and layer.bias == "per_neuron":
            for j, g in enumerate(p.dbs[l].tolist(), 1):
                rec.add("delta_b", l, j, None, *_change_parts(rec, l, j, None), -rate * g)


def record_updates(rec: Recorder, layers: Sequence[Dense], old: Params, new: Params,
                   batch: range, senders) -> None:
    """Each weight, then each bias, from the last layer down: w + η·Err·O in one line, or
    Δw = η·Err·O then w + Δw (``show_change``; a batch's Δw is the mean or sum of its
    examples')."""
    show = bool(rec.problem.conventions.show_change)
    batched = len(batch) > 1
    combine: Op = Mean() if rec.problem.conventions.update == "batch_mean" else Sum()
    for layer in reversed(layers):
        l = layer.index
        befores, afters = old.weights[l].tolist(), new.weights[l].tolist()
        inputs = None if batched else senders(l - 1)
        for j, row in enumerate(afters, 1):
            for i, (w, before) in enumerate(zip(row, befores[j - 1]), 1):
                old_w = rec.given("weight", l, j, before, source=i)
                if batched:
                    parts = combine, rec.per_example("delta_w", l, j, i, batch)
                else:
                    assert inputs is not None
                    parts = _change_parts(rec, l, j, inputs[i - 1])
                _update(rec, "new_w", l, j, i, old_w, parts, w, show or batched)
        if not rec.problem.training.update_biases or layer.bias == "none":
            continue
        for j, (b, before) in enumerate(zip(new.biases[l].tolist(), old.biases[l].tolist()), 1):
            neuron = layer.bias_neuron(j)
            if batched and neuron is not None:
                parts = combine, rec.per_example("delta_b", l, j, None, batch)
            elif neuron is None:      # a shared bias: the sum of its units' changes
                ch = [_change_parts(rec, l, k, None) for k in range(1, layer.size + 1)]
                parts = _shared(ch, _threshold(rec))
            else:
                parts = _change_parts(rec, l, j, None)
            _update(rec, "new_b", l, neuron, None, rec.given("bias", l, neuron, before), parts, b,
                    show or batched or neuron is None)


def _shared(changes: list[tuple[Op, list[Operand]]], threshold: bool) -> tuple[Op, list[Operand]]:
    """η·(Err_1 + ... + Err_n) for a bias shared by a layer's units."""
    rate = changes[0][1][0]
    errs = [operands[1] for _, operands in changes]
    return SharedChange(-1 if threshold else 1), [rate, *errs]


def _update(rec: Recorder, kind: str, l: int, j: int | None, i: int | None, old: Operand,
            parts: tuple[Op, list[Operand]], new: float, split: bool) -> None:
    op, operands = parts
    if split:
        delta = rec.add(CHANGE_KIND[kind], l, j, i, op, operands, rec.change_value(CHANGE_KIND[kind], op, operands))
        rec.add(kind, l, j, i, AddChange(), [old, delta], new)
        return
    sign = op.sign if isinstance(op, Change) else 1
    rec.add(kind, l, j, i, ErrUpdate(sign), [old, *operands], new)


def split_update(rec: Recorder, kind: str, layer: int, neuron: int | None, source: int | None, op: Op,
                 operands: list[Operand], value: float) -> tuple[Op, list[Operand]]:
    """``show_change`` under the gradient convention: the optimizer's step as Δ = step − old,
    logged before the new value, which becomes old + Δ."""
    change = StepChange(op)
    delta = rec.add(CHANGE_KIND[kind], layer, neuron, source, change, operands,
                    rec.change_value(CHANGE_KIND[kind], change, operands))
    return AddChange(), [operands[0], delta]
