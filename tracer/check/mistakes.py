"""Naming the common backpropagation mistakes: why a wrong answer is wrong.

A mistake is an alternative formula on the same tree: for a quantity it applies to, it
recomputes the quantity the wrong way, from the student's own earlier values (as error
carried forward does) and from the right values. When one of these reproduces the
written number at the precision written, the verdict names the mistake: a fixed id, one
sentence of explanation, and the line the student should have written. A quantity the
student did not write is worked the wrong way too, so ``dE/dw5`` written without its
``delta_o1`` is still traced back to a missing ``sigma'`` factor (up to three levels).
A carried answer is worked again from the right values when what it carries is only the
problem's own numbers written otherwise (weights transposed, a bias left out). A sheet
whose every derivative has the other sign is a convention (``Checker._flipped``).

The ids are fixed: reports, JSON and class summaries use them. ``MISTAKES`` lists them
from the most specific to the least; when several fit, the first made in the quantity
itself is named, else the first made in one the student did not write.

What is a fact of one activation or loss (the wrong points its derivative is taken at,
its other side of a kink, softmax taken elementwise, the constant of a loss, whether its
derivative holds an out − target) is read from the class through its methods
(``Activation.mistaken_derivatives``, ``derivative_other_side``, ``elementwise_delta``;
``Loss.mistaken_factors``, ``output_minus_target``); nothing here names an activation.
"""
from __future__ import annotations

import math
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from ..engine.log import Entry, TraceLog
from ..engine.ops import Difference, Mean, Product, Sum, Update, WeightedSum
from ..engine.rounding import Rounding
from ..formula.text import text as plain_text
from ..formula.tree import Number
from ..model.activations import Activation, SoftmaxDelta
from ..model.losses import Loss, LossOp
from ..model.problem import Problem
from .compare import agreement, decimals, exact
from .nodes import Node

if TYPE_CHECKING:
    from .judge import Checker, Record, Result

#: How deep a mistake is followed through quantities the student did not write.
DEPTH = 3
MAX_TERMS = 8
#: Digits tried when early_rounding says how many to carry.
MAX_DIGITS = 10


@dataclass(frozen=True)
class Diagnosis:
    """A named mistake: what the verdict says beside wrong (or, for early rounding, correct)."""

    id: str
    explanation: str
    expected: str          # the line the student should have written (plain text)
    computed: float        # what the mistake gives, in the log's sign
    via: str = ""          # the quantity, not written, where the mistake was made ("" here)

    def to_dict(self, sign: int = 1) -> dict[str, object]:
        out: dict[str, object] = {"id": self.id, "explanation": self.explanation, "expected": self.expected}
        if self.id != EarlyRounding.id:
            out["computed"] = 0.0 if self.computed == 0 else float(self.computed * sign)
        if self.via:
            out["via"] = self.via
        return out

    @property
    def sentence(self) -> str:
        """The explanation, with where the mistake was made when that is not this quantity."""
        if not self.via:
            return self.explanation
        return f"{self.explanation} (in {self.via}, which you did not write)"


# --- the network around an entry ----------------------------------------------------
class Network:
    """Lookups the mistakes need beyond an entry's operands: a neuron's output, a weight,
    its update in this step. Built once per checker."""

    def __init__(self, checker: Checker) -> None:
        graph, log, problem = checker.graph, checker.graph.log, checker.problem
        assert isinstance(log, TraceLog) and isinstance(problem, Problem)   # a network's (judge.py)
        self.graph = graph
        self.problem = problem
        self.notation = log.notation
        self.layers = self.problem.layers
        self.L = len(self.layers) - 1
        self.loss: Loss = self.problem.loss
        self.rounding: Rounding = checker.rounding
        self.entries: dict[tuple[str, int, int | None, int | None, int | None, int], int] = {}
        self.data: dict[tuple[str, int, int | None], int] = {}
        for node in graph:
            e = node.entry
            if e is None:
                self.data[(node.name, node.step, node.example)] = node.id
            else:
                self.entries.setdefault((e.kind, e.layer, e.neuron, e.source, e.example, e.step), node.id)

    def activation(self, layer: int) -> Activation:
        return self.problem.activations[layer - 1]

    def output(self, layer: int, i: int, example: int | None, step: int) -> int | None:
        """The node of out_{layer,i} (the input x_i for layer 0) in an example and step."""
        if not 1 <= i <= self.layers[layer]:
            return None
        if layer == 0:
            return self.data.get((self.notation.quantity("input", 0, i).plain, step, example))
        return self.entries.get(("out", layer, i, None, example, step))

    def weight(self, layer: int, j: int, i: int, step: int) -> int | None:
        """The data node of the weight from neuron i of layer-1 to neuron j of layer."""
        if not (1 <= layer <= self.L and 1 <= j <= self.layers[layer] and 1 <= i <= self.layers[layer - 1]):
            return None
        return self.data.get((self.notation.quantity("weight", layer, j, i).plain, step, None))

    def update(self, layer: int, j: int, i: int, example: int | None, step: int) -> int | None:
        """The new_w entry of that weight in the same step (a mini-batch's has no example)."""
        found = self.entries.get(("new_w", layer, j, i, example, step))
        return found if found is not None else self.entries.get(("new_w", layer, j, i, None, step))


_NETWORKS: weakref.WeakKeyDictionary[Checker, Network] = weakref.WeakKeyDictionary()


def network(checker: Checker) -> Network:
    net = _NETWORKS.get(checker)
    if net is None:
        net = _NETWORKS[checker] = Network(checker)
    return net


# --- the mistakes -------------------------------------------------------------------
class Mistake:
    """One mistake model: where it applies and what it gives there."""

    id: ClassVar[str] = ""
    explanation: ClassVar[str] = ""

    def applies(self, entry: Entry, net: Network) -> bool:
        raise NotImplementedError

    def recompute(self, node: Node, e: Entry, values: Sequence[float], table: Sequence[float],
                  net: Network) -> tuple[float, ...]:
        """The quantity done the wrong way from operand ``values``; ``table`` holds every
        quantity's value on the same footing (the student's own, or the right ones)."""
        raise NotImplementedError


def _index(k: int | None) -> int:
    """A neuron or source index the entry's kind always has."""
    assert k is not None
    return k


def _layer(e: Entry) -> int:
    """A network entry's layer: only an expression's gates have none, and mistakes are
    named in networks only (``Network``)."""
    assert e.layer is not None
    return e.layer


def _output_delta(entry: Entry, net: Network) -> bool:
    return entry.kind == "dnet" and entry.layer == net.L


class ReluDerivativeAtZeroSide(Mistake):
    id = "relu_derivative_at_zero_side"
    explanation = "ReLU's derivative was taken from the wrong side of zero: 1 where net <= 0, or 0 where net > 0."

    def applies(self, entry: Entry, net: Network) -> bool:
        return (entry.kind == "dact"
                and net.activation(_layer(entry)).derivative_other_side(entry.operands[0].value) is not None)

    def recompute(self, node: Node, e: Entry, values: Sequence[float], table: Sequence[float],
                  net: Network) -> tuple[float, ...]:
        other = net.activation(_layer(e)).derivative_other_side(values[0])
        return () if other is None else (other,)


class SoftmaxElementwiseDerivative(Mistake):
    id = "softmax_elementwise_derivative"
    explanation = ("Softmax was treated as elementwise, delta = dE/dout * out(1 - out), but each softmax "
                   "output depends on every net (with cross-entropy, delta = out - target).")

    def applies(self, entry: Entry, net: Network) -> bool:
        return (_output_delta(entry, net) and isinstance(entry.op, (SoftmaxDelta, Difference))
                and net.activation(_layer(entry)).elementwise_delta(entry.operands[0].value, 1.0) is not None)

    def recompute(self, node: Node, e: Entry, values: Sequence[float], table: Sequence[float],
                  net: Network) -> tuple[float, ...]:
        if isinstance(e.op, SoftmaxDelta):        # (out_j, dout_j, ...)
            out, dout = values[0], values[1]
        else:                                     # a closed form out - target (cross-entropy's)
            out, dout = values[0], float(net.loss.dout(np.array([values[0]]), np.array([values[1]]))[0])
        wrong = net.activation(_layer(e)).elementwise_delta(out, dout)
        return () if wrong is None else (wrong,)


class DerivativeAtWrongValue(Mistake):
    id = "derivative_at_wrong_value"
    explanation = ("The activation's derivative was evaluated at the wrong quantity: sigma'(out) = "
                   "sigma(out)(1 - sigma(out)) instead of out(1 - out), or tanh' from net instead of out.")

    def applies(self, entry: Entry, net: Network) -> bool:
        return entry.kind == "dact" and bool(net.activation(_layer(entry)).mistaken_derivatives(
            entry.operands[0].value, entry.operands[1].value))

    def recompute(self, node: Node, e: Entry, values: Sequence[float], table: Sequence[float],
                  net: Network) -> tuple[float, ...]:
        return net.activation(_layer(e)).mistaken_derivatives(values[0], values[1])   # (net, out)


class NoActivationDerivative(Mistake):
    id = "no_activation_derivative"
    explanation = "delta was computed without the activation's derivative factor: dE/dout alone, not times dout/dnet."

    def applies(self, entry: Entry, net: Network) -> bool:
        return entry.kind == "dnet" and isinstance(entry.op, (Product, SoftmaxDelta, Difference))

    def recompute(self, node: Node, e: Entry, values: Sequence[float], table: Sequence[float],
                  net: Network) -> tuple[float, ...]:
        op = e.op
        if isinstance(op, Product):               # dout * dact
            return (values[0],)
        if isinstance(op, SoftmaxDelta):
            return (values[1],)
        # a closed form out - target: the loss's derivative without the activation's
        return (float(net.loss.dout(np.array([values[0]]), np.array([values[1]]))[0]),)


class LossFactor(Mistake):
    id = "loss_factor"
    explanation = ("The loss or its derivative is off by the loss's constant: the 1/2 of half squared error "
                   "forgotten or doubled, or the 1/n of the mean squared error forgotten.")

    def applies(self, entry: Entry, net: Network) -> bool:
        if entry.kind == "loss":
            return bool(net.loss.mistaken_factors(False))
        return entry.kind == "dout" and isinstance(entry.op, LossOp) and bool(net.loss.mistaken_factors(True))

    def recompute(self, node: Node, e: Entry, values: Sequence[float], table: Sequence[float],
                  net: Network) -> tuple[float, ...]:
        value = node.recompute(values)
        return tuple(f * value for f in net.loss.mistaken_factors(node.kind == "dout"))


class TargetOutputSwapped(Mistake):
    id = "target_output_swapped"
    explanation = "target - output was used where output - target belongs."

    def applies(self, entry: Entry, net: Network) -> bool:
        if entry.kind == "dout":
            return isinstance(entry.op, LossOp) and net.loss.output_minus_target
        return _output_delta(entry, net) and isinstance(entry.op, Difference)

    def recompute(self, node: Node, e: Entry, values: Sequence[float], table: Sequence[float],
                  net: Network) -> tuple[float, ...]:
        return (-node.recompute(values),)


class UpdatedWeightsInBackprop(Mistake):
    id = "updated_weights_in_backprop"
    explanation = ("The error was propagated back through weights already updated in this step; "
                   "backpropagation uses the weights of the forward pass.")

    def applies(self, entry: Entry, net: Network) -> bool:
        return entry.kind == "dout" and isinstance(entry.op, WeightedSum) and _layer(entry) < net.L

    def recompute(self, node: Node, e: Entry, values: Sequence[float], table: Sequence[float],
                  net: Network) -> tuple[float, ...]:
        out = list(values)
        for k in range(len(values) // 2):         # (delta_k, w_kj) pairs
            new = net.update(_layer(e) + 1, k + 1, _index(e.neuron), e.example, e.step)
            if new is None:
                return ()
            out[2 * k + 1] = table[new]
        return (node.recompute(out),)


class TransposedWeight(Mistake):
    id = "transposed_weight"
    explanation = "A weighted sum used w_ji where w_ij belongs (the weight matrix transposed)."

    def applies(self, entry: Entry, net: Network) -> bool:
        return isinstance(entry.op, WeightedSum) and entry.kind in ("net", "dout")

    def recompute(self, node: Node, e: Entry, values: Sequence[float], table: Sequence[float],
                  net: Network) -> tuple[float, ...]:
        out = list(values)
        for k in range(len(values) // 2):
            if e.kind == "net":                    # (w_jk, x_k): w_kj in place of w_jk
                w, at = net.weight(_layer(e), k + 1, _index(e.neuron), e.step), 2 * k
            else:                                  # (delta_k, w_kj) of the layer above: w_jk
                w, at = net.weight(_layer(e) + 1, _index(e.neuron), k + 1, e.step), 2 * k + 1
            if w is None:
                return ()
            out[at] = table[w]
        return (node.recompute(out),)


class MissingBias(Mistake):
    id = "missing_bias"
    explanation = "net was computed without its bias."

    def applies(self, entry: Entry, net: Network) -> bool:
        return entry.kind == "net" and isinstance(entry.op, WeightedSum) and entry.op.has_bias

    def recompute(self, node: Node, e: Entry, values: Sequence[float], table: Sequence[float],
                  net: Network) -> tuple[float, ...]:
        return (math.fsum(w * x for w, x in zip(values[0:-1:2], values[1:-1:2])),)


class BiasInGradient(Mistake):
    id = "bias_in_gradient"
    explanation = "dE/dw used 1 (a bias's input) in place of the output of the neuron the weight comes from."

    def applies(self, entry: Entry, net: Network) -> bool:
        return entry.kind == "dw" and isinstance(entry.op, Product)

    def recompute(self, node: Node, e: Entry, values: Sequence[float], table: Sequence[float],
                  net: Network) -> tuple[float, ...]:
        return (values[0],)


class WrongLayerInput(Mistake):
    id = "wrong_layer_input"
    explanation = ("dE/dw used the wrong activation: it takes the output of the neuron the weight comes from, "
                   "not the network's input or the receiving neuron's output.")

    def applies(self, entry: Entry, net: Network) -> bool:
        return entry.kind == "dw" and isinstance(entry.op, Product)

    def recompute(self, node: Node, e: Entry, values: Sequence[float], table: Sequence[float],
                  net: Network) -> tuple[float, ...]:
        layer = _layer(e)
        found = [net.output(layer, _index(e.neuron), e.example, e.step)]        # the receiving neuron's output
        if layer >= 2:
            found.append(net.output(layer - 2, _index(e.source), e.example, e.step))   # a layer too far back
        else:
            found.append(net.output(1, _index(e.source), e.example, e.step))            # the hidden output
        return tuple(values[0] * table[f] for f in found if f is not None)


class UpdateSign(Mistake):
    id = "update_sign"
    explanation = "The update added the gradient, w + rate * dE/dw, instead of subtracting it."

    def applies(self, entry: Entry, net: Network) -> bool:
        return isinstance(entry.op, Update)

    def recompute(self, node: Node, e: Entry, values: Sequence[float], table: Sequence[float],
                  net: Network) -> tuple[float, ...]:
        return (values[0] + values[1] * values[2],)


class NoLearningRate(Mistake):
    id = "no_learning_rate"
    explanation = "The update left out the learning rate: w - dE/dw instead of w - rate * dE/dw."

    def applies(self, entry: Entry, net: Network) -> bool:
        return isinstance(entry.op, Update)

    def recompute(self, node: Node, e: Entry, values: Sequence[float], table: Sequence[float],
                  net: Network) -> tuple[float, ...]:
        return (values[0] - values[2],)


class BatchSumForMean(Mistake):
    id = "batch_sum_for_mean"
    explanation = "The examples' gradients were summed where the mini-batch update takes their mean."

    def applies(self, entry: Entry, net: Network) -> bool:
        return isinstance(entry.op, Mean)

    def recompute(self, node: Node, e: Entry, values: Sequence[float], table: Sequence[float],
                  net: Network) -> tuple[float, ...]:
        return (math.fsum(values),)


class BatchMeanForSum(Mistake):
    id = "batch_mean_for_sum"
    explanation = ("A mean was taken where the sum belongs (the total loss over the outputs, "
                   "a shared bias's gradient over its layer's deltas).")

    def applies(self, entry: Entry, net: Network) -> bool:
        return isinstance(entry.op, Sum) and len(entry.operands) > 1

    def recompute(self, node: Node, e: Entry, values: Sequence[float], table: Sequence[float],
                  net: Network) -> tuple[float, ...]:
        return (math.fsum(values) / len(values),)


class EarlyRounding(Mistake):
    """Not an alternative formula: annotates a right-from-your-values verdict."""

    id = "early_rounding"
    explanation = "Right only from values rounded several steps earlier; carry more digits in the steps between."

    def applies(self, entry: Entry, net: Network) -> bool:
        return False

    def recompute(self, node: Node, e: Entry, values: Sequence[float], table: Sequence[float],
                  net: Network) -> tuple[float, ...]:
        return ()


#: From the most specific to the least: the first that fits is named.
MISTAKES: tuple[Mistake, ...] = (
    ReluDerivativeAtZeroSide(), SoftmaxElementwiseDerivative(), DerivativeAtWrongValue(),
    NoActivationDerivative(), LossFactor(), TargetOutputSwapped(), UpdatedWeightsInBackprop(),
    TransposedWeight(), MissingBias(), BiasInGradient(), WrongLayerInput(), UpdateSign(),
    NoLearningRate(), BatchSumForMean(), BatchMeanForSum(),
)
IDS: tuple[str, ...] = tuple(m.id for m in MISTAKES) + (EarlyRounding.id,)
EXPLANATIONS: dict[str, str] = {m.id: m.explanation for m in (*MISTAKES, EarlyRounding())}


# --- diagnosing a result --------------------------------------------------------------
def _figures(written: Decimal) -> int:
    return len(written.as_tuple().digits)


def _fits(written: Decimal, value: float, rounding: Rounding) -> bool:
    """The written number is the value at the precision written; a one-figure answer
    (0.2) says too little to name a mistake, unless it is the value exactly (0)."""
    if not math.isfinite(value):
        return False
    values = (value, rounding.apply(value)) if rounding.carry else (value,)
    for v in values:
        truth = exact(v)
        if written == truth or (_figures(written) >= 2 and agreement(written, truth)):
            return True
    return False


class _Search:
    """A mistake's values for the quantities of one result, memoised per table."""

    def __init__(self, result: Result, net: Network) -> None:
        self.result = result
        self.net = net
        self.graph = net.graph
        self.given = result.given
        self.memo: dict[tuple[str, int, int, int], tuple[tuple[float, int], ...]] = {}

    def values(self, m: Mistake, node: Node, table: Sequence[float], depth: int) -> tuple[tuple[float, int], ...]:
        """(value, node where the mistake was made) pairs for ``node`` done the wrong way."""
        key = (m.id, node.id, id(table), depth)
        if key in self.memo:
            return self.memo[key]
        entry = node.entry
        out: list[tuple[float, int]] = []
        if entry is not None:
            operands = [table[s] for s in node.sources]
            if m.applies(entry, self.net):
                out += [(v, node.id) for v in m.recompute(node, entry, operands, table, self.net)]
            if depth > 0:
                out += self._through_unwritten(m, node, operands, table, depth)
        self.memo[key] = found = tuple(out)
        return found

    def _through_unwritten(self, m: Mistake, node: Node, operands: list[float], table: Sequence[float],
                           depth: int) -> list[tuple[float, int]]:
        """The mistake made in operands the student did not write, all of them at once."""
        subs: dict[int, tuple[tuple[float, int], ...]] = {}
        for k, s in enumerate(node.sources):
            source = self.graph[s]
            if source.entry is not None and s not in self.given:
                alternatives = self.values(m, source, table, depth - 1)
                if alternatives:
                    subs[k] = alternatives
        if not subs:
            return []
        out = []
        for variant in range(max(len(a) for a in subs.values())):
            values = list(operands)
            via = -1
            for k, alternatives in subs.items():
                value, where = alternatives[min(variant, len(alternatives) - 1)]
                values[k] = value
                via = where if via < 0 else via
            out.append((node.recompute(values), via))
        return out


def diagnose(result: Result) -> None:
    """Name the mistake behind each wrong answer and each carried one, and early rounding
    behind answers right only from the student's own rounded values; sets ``record.mistake``.

    A carried answer is the right formula on the student's own values, so a mistake can
    explain it only from the right values, and only where what it carries is the problem's
    own numbers written otherwise: the weights written transposed (w2 = 0.25, w3's value)
    and net_h1 from them, transposed_weight; w5 and w7 written as their updated values and
    dE/dout_h1 from them, updated_weights_in_backprop; b1 = 0 and net_h1 without it,
    missing_bias. A w5+ carried from a wrong dE/dw5 is the update done right on a wrong
    gradient, and is not named."""
    checker = result.checker
    net = network(checker)
    search: _Search | None = None
    graph = checker.graph
    for record in result.records:
        if record.answer is None or record.node.entry is None:
            continue
        if record.verdict == "wrong":
            search = search or _Search(result, net)
            record.mistake = _name(result, record, search)
        elif record.verdict == "carried" and all(graph[o].entry is None for o in record.origins):
            search = search or _Search(result, net)
            record.mistake = _name(result, record, search, carried=True)
        elif record.verdict == "correct" and record.how == "from your values" and not checker.rounding.carry:
            record.mistake = _early_rounding(result, record)


def _name(result: Result, record: Record, search: _Search, carried: bool = False) -> Diagnosis | None:
    """The first mistake that reproduces the written number: from the student's own values,
    then from the right ones (for a carried answer, from the right ones only)."""
    checker, node = result.checker, record.node
    written = record.given
    assert written is not None
    tables: list[Sequence[float]] = [] if carried else [result.own]
    if carried or any(result.own[s] != checker.values[s] for s in node.sources):
        tables.append(checker.values)
    for here in (True, False):     # a mistake made in this step before one in a step not written
        for m in MISTAKES:
            for table in tables:
                for value, where in search.values(m, node, table, DEPTH):
                    if (where == node.id) == here and _fits(written, value, checker.rounding):
                        via = "" if here else checker.displays[where]
                        return Diagnosis(m.id, m.explanation, expected_line(result, record, right=carried),
                                         value, via)
    return None


def expected_line(result: Result, record: Record, right: bool = False) -> str:
    """``name = formula = substitution = value``: from the student's own operands (as the
    slip is worked again), or with ``right`` from the right ones."""
    checker, node = result.checker, record.node
    entry = node.entry
    assert entry is not None
    name = checker.displays[node.id]
    formula = plain_text(entry.formula_tree(MAX_TERMS))
    if right:
        substitution = plain_text(entry.substitution_tree(MAX_TERMS))
        value = node.shown if record.answer is None else \
            checker.rounding.at(max(checker.rounding.digits, decimals(record.answer.value) + 2), "round").show(node.value)
    else:
        operands = result.operands(record)
        values = [o.value for o in operands]
        substitution = plain_text(entry.op.tree_at([Number(o.text, o.value) for o in operands], values, MAX_TERMS))
        value = checker.show(record.from_own, record.answer)
    return f"{name} = {formula} = {substitution} = {value}"


def _early_rounding(result: Result, record: Record) -> Diagnosis:
    """Right from the student's rounded values only: how many decimals would have done."""
    checker, node = result.checker, record.node
    truth = checker.truths[node.id]
    written = record.answer.value * record.sign if record.answer is not None else Decimal(0)
    places = decimals(written)
    digits = MAX_DIGITS
    for d in range(max(places, 1), MAX_DIGITS + 1):
        try:  # an optimizer's state rounded to 0 divides by 0 (√v̂ + ε with ε rounded away)
            carried = node.recompute([round(checker.values[s], d) for s in node.sources])
        except ArithmeticError:
            continue
        if agreement(Decimal(Rounding(places, "round").show(carried)), truth):
            digits = d
            break
    explanation = f"{EarlyRounding.explanation} Carry at least {digits} decimals."
    return Diagnosis(EarlyRounding.id, explanation, expected_line(result, record, right=True), record.from_own)
