"""Naming the common mistakes: each one planted in a sheet and named, and no false diagnoses.

The right values and every planted mistake are computed here in plain Python from the
problems' definitions (``Reference``), not by the engine; the checker only supplies the
names a student writes (``dE/dw5``, ``delta_o1#2``). Problems are the gallery's, some with
another output activation, loss or batch (``VARIANTS``), so each mistake is met on
networks with sigmoid, tanh, ReLU and softmax outputs and ½SE, MSE and cross-entropy.
"""
from __future__ import annotations

import copy
import functools
import json
import math
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tracer import examples
from tracer.check import Checker, load_answers, parse_answers
from tracer.check.mistakes import IDS
from tracer.model.problem import Problem

Key = tuple[str, int, int | None, int | None, int | None]   # kind, layer, neuron, source, example

TWO = [{"input": [0.05, 0.10], "target": [0.01, 0.99]}, {"input": [0.30, 0.80], "target": [0.70, 0.20]}]
VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "classic": ("classic-2-2-2", {}),
    "exercise": ("exercise-2-2-1", {}),
    "relu-blog": ("relu-blog", {}),
    "three-classes": ("three-classes", {}),
    "devforum": ("devforum", {}),
    "mini-batch": ("mini-batch", {}),
    "classic-tanh-mse": ("classic-2-2-2", {"network.activation": ["sigmoid", "tanh"], "loss": "mean_squared_error"}),
    "exercise-relu-mse": ("exercise-2-2-1", {"network.activation": ["tanh", "relu"], "loss": "mean_squared_error"}),
    "three-classes-relu": ("three-classes", {"network.activation": ["relu", "softmax"]}),
    "three-classes-soft": ("three-classes", {"data": [{"input": [0.5, -0.2], "target": [0.2, 0.7, 0.1]}]}),
    "classic-softmax-ce": ("classic-2-2-2", {"network.activation": ["sigmoid", "softmax"], "loss": "cross_entropy",
                                            "data": [{"input": [0.05, 0.10], "target": [0, 1]}]}),
    "classic-softmax-hse": ("classic-2-2-2", {"network.activation": ["sigmoid", "softmax"],
                                             "data": [{"input": [0.05, 0.10], "target": [0.2, 0.8]}]}),
    "classic-batch": ("classic-2-2-2", {"data": TWO, "training.batch_size": 2}),
    "exercise-batch": ("exercise-2-2-1", {"data": [{"input": [0.35, 0.9], "target": [0.9]},
                                                   {"input": [0.6, 0.1], "target": [0.1]}],
                                          "training.batch_size": 2}),
}


def spec_of(name: str) -> dict[str, Any]:
    base, overrides = VARIANTS[name]
    spec = yaml.safe_load((examples.examples_dir() / base / "problem.yaml").read_text(encoding="utf-8"))
    spec = copy.deepcopy(spec)
    for path, value in overrides.items():
        where = spec
        *parents, last = path.split(".")
        for p in parents:
            where = where[p]
        where[last] = value
    return spec


# --- the independent reference ------------------------------------------------------
def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


ACT = {"sigmoid": sigmoid, "tanh": math.tanh, "relu": lambda v: max(0.0, v), "linear": lambda v: v}


def dact(name: str, net: float, out: float) -> float:
    return {"sigmoid": out * (1 - out), "tanh": 1 - out * out, "relu": 1.0 if net > 0 else 0.0,
            "softmax": out * (1 - out), "linear": 1.0}[name]


def loss_value(loss: str, t: float, o: float, n: int) -> float:
    return {"half_squared_error": 0.5 * (t - o) ** 2, "mean_squared_error": (t - o) ** 2 / n,
            "cross_entropy": -t * math.log(o) if t > 0 else 0.0,
            "binary_cross_entropy": -(t * math.log(o) + (1 - t) * math.log(1 - o))}[loss]


def loss_dout(loss: str, t: float, o: float, n: int) -> float:
    return {"half_squared_error": o - t, "mean_squared_error": 2 * (o - t) / n, "cross_entropy": -t / o,
            "binary_cross_entropy": (o - t) / (o * (1 - o))}[loss]


class Reference:
    """One training step of a problem spec, every quantity keyed like the log's entries."""

    def __init__(self, spec: dict[str, Any]) -> None:
        net = spec["network"]
        self.layers: list[int] = net["layers"]
        self.L = L = len(self.layers) - 1
        acts = net.get("activation", "sigmoid")
        self.acts: list[str] = [acts] * L if isinstance(acts, str) else list(acts)
        self.bias = net.get("bias", "per_layer")
        self.W: list[list[list[float]]] = [[]] + net["weights"]
        biases = net.get("biases")
        self.b: list[list[float]] = [[]]
        for l in range(1, L + 1):
            n = self.layers[l]
            if self.bias == "none":
                self.b.append([0.0] * n)
            elif self.bias == "per_layer":
                self.b.append([float(biases[l - 1])] * n)
            else:
                self.b.append([float(v) for v in biases[l - 1]])
        self.loss: str = spec["loss"]
        self.eta = float(spec["training"]["learning_rate"])
        k = spec["training"].get("batch_size", 1)
        self.examples = spec["data"][:k]
        self.batched = k > 1
        self.v: dict[Key, float] = {}
        for e, example in enumerate(self.examples, 1):
            self.example(e, example["input"], example["target"])
        self.update()

    def example(self, e: int, x: list[float], t: list[float]) -> None:
        v, L, W, b = self.v, self.L, self.W, self.b
        outs: list[list[float]] = [list(map(float, x))]
        nets: list[list[float]] = [[]]
        for l in range(1, L + 1):
            nl = [math.fsum(W[l][j][i] * outs[l - 1][i] for i in range(self.layers[l - 1])) + b[l][j]
                  for j in range(self.layers[l])]
            if self.acts[l - 1] == "softmax":
                exps = [math.exp(z) for z in nl]
                ol = [z / sum(exps) for z in exps]
            else:
                ol = [ACT[self.acts[l - 1]](z) for z in nl]
            nets.append(nl)
            outs.append(ol)
            for j in range(self.layers[l]):
                v[("net", l, j + 1, None, e)] = nl[j]
                v[("out", l, j + 1, None, e)] = ol[j]
        for i, xi in enumerate(x, 1):
            v[("input", 0, i, None, e)] = float(xi)
        n, o = self.layers[L], outs[L]
        for j in range(n):
            v[("loss", L, j + 1, None, e)] = loss_value(self.loss, t[j], o[j], n)
            v[("target", L, j + 1, None, e)] = float(t[j])
        v[("loss", L, None, None, e)] = math.fsum(v[("loss", L, j + 1, None, e)] for j in range(n))
        dnets: list[list[float]] = [[] for _ in range(L + 1)]
        for l in range(L, 0, -1):
            act, nl = self.acts[l - 1], self.layers[l]
            if l == L:
                douts = [loss_dout(self.loss, t[j], o[j], n) for j in range(n)]
            else:
                douts = [math.fsum(dnets[l + 1][k] * W[l + 1][k][j] for k in range(self.layers[l + 1]))
                         for j in range(nl)]
            dacts = [dact(act, nets[l][j], outs[l][j]) for j in range(nl)]
            if l == L and (act, self.loss) in (("softmax", "cross_entropy"), ("sigmoid", "binary_cross_entropy")):
                dl = [o[j] - t[j] for j in range(n)]
            elif l == L and act == "softmax":
                s = math.fsum(o[k] * douts[k] for k in range(n))
                dl = [o[j] * (douts[j] - s) for j in range(n)]
            else:
                dl = [douts[j] * dacts[j] for j in range(nl)]
            dnets[l] = dl
            for j in range(nl):
                v[("dout", l, j + 1, None, e)] = douts[j]
                v[("dact", l, j + 1, None, e)] = dacts[j]
                v[("dnet", l, j + 1, None, e)] = dl[j]
                for i in range(self.layers[l - 1]):
                    v[("dw", l, j + 1, i + 1, e)] = dl[j] * outs[l - 1][i]
                if self.bias == "per_neuron":
                    v[("db", l, j + 1, None, e)] = dl[j]
            if self.bias == "per_layer":
                v[("db", l, None, None, e)] = math.fsum(dl)

    def update(self) -> None:
        v, k = self.v, len(self.examples)
        at = None if self.batched else 1
        for key in [key for key in v if key[0] in ("dw", "db") and key[4] == 1]:
            mean = math.fsum(v[key[:4] + (e,)] for e in range(1, k + 1)) / k
            v[key[:4] + (at,)] = mean
            if key[0] == "dw":
                _, l, j, i, _ = key
                v[("new_w", l, j, i, at)] = self.W[l][j - 1][i - 1] - self.eta * mean

    def __getitem__(self, key: Key) -> float:
        return self.v[key]

    def at(self, kind: str, l: int, j: int | None = None, i: int | None = None, e: int | None = 1) -> float:
        return self.v[(kind, l, j, i, e if not self.batched or kind not in ("new_w",) else None)]


@functools.cache
def setup(name: str) -> tuple[Checker, Reference, dict[Key, str]]:
    spec = spec_of(name)
    checker = Checker(Problem.from_dict(spec, name))
    names = {}
    for node in checker.graph:
        e = node.entry
        if e is not None:
            names[(e.kind, e.layer, e.neuron, e.source, e.example)] = checker.displays[node.id]
    return checker, Reference(spec), names


def sheet(name: str, planted: dict[Key, str], only: list[Key] | None = None) -> tuple[Any, dict[Key, Any]]:
    """Every quantity the reference knows at 10 significant figures, the planted ones as given."""
    checker, ref, names = setup(name)
    keys = only if only is not None else [k for k in names if k in ref.v]
    lines = [f"{names[k]} = {planted[k] if k in planted else format(ref[k], '.10g')}" for k in keys]
    lines += [f"{names[k]} = {text}" for k, text in planted.items() if k not in keys]
    result = checker.check(parse_answers("\n".join(lines) + "\n", f"{name}.txt", "text"))
    by_key = {}
    for r in result.records:
        e = r.node.entry
        if e is not None:
            by_key[(e.kind, e.layer, e.neuron, e.source, e.example)] = r
    return result, by_key


def g(x: float) -> str:
    """A planted number as a careful student writes it: six significant figures."""
    return format(x, "#.6g")


# --- the planted mistakes ---------------------------------------------------------------
# Each returns the answers to plant (key -> written text) and the key whose verdict names it.
Plant = Callable[[Reference], tuple[dict[Key, str], Key]]


def no_activation_derivative(r: Reference) -> tuple[dict[Key, str], Key]:
    key = ("dnet", r.L, 1, None, 1)
    return {key: g(r.at("dout", r.L, 1))}, key


def no_activation_derivative_hidden(r: Reference) -> tuple[dict[Key, str], Key]:
    key = ("dnet", 1, 1, None, 1)
    return {key: g(r.at("dout", 1, 1))}, key


def derivative_at_wrong_value(r: Reference) -> tuple[dict[Key, str], Key]:
    """sigma'(out) = sigma(out)(1 - sigma(out)) at the output; tanh' from net (1 - net^2)."""
    for l in range(r.L, 0, -1):
        act, out, net = r.acts[l - 1], r.at("out", l, 1), r.at("net", l, 1)
        if act == "sigmoid":
            return {("dact", l, 1, None, 1): g(sigmoid(out) * (1 - sigmoid(out)))}, ("dact", l, 1, None, 1)
        if act == "tanh":
            return {("dact", l, 1, None, 1): g(1 - net * net)}, ("dact", l, 1, None, 1)
    raise AssertionError("no sigmoid or tanh layer")


def relu_derivative_at_zero_side(r: Reference) -> tuple[dict[Key, str], Key]:
    l = next(l for l in range(1, r.L + 1) if r.acts[l - 1] == "relu")
    key = ("dact", l, 1, None, 1)
    return {key: "0" if r.at("net", l, 1) > 0 else "1"}, key


def softmax_elementwise_derivative(r: Reference) -> tuple[dict[Key, str], Key]:
    o, t = r.at("out", r.L, 1), r.at("target", r.L, 1)
    dout = loss_dout(r.loss, t, o, r.layers[r.L])
    key = ("dnet", r.L, 1, None, 1)
    return {key: g(dout * o * (1 - o))}, key


def loss_factor(r: Reference) -> tuple[dict[Key, str], Key]:
    """½SE: dE/dout as 2(o - t), the ½ forgotten; MSE: without its 1/n."""
    o, t = r.at("out", r.L, 1), r.at("target", r.L, 1)
    key = ("dout", r.L, 1, None, 1)
    return {key: g(2 * (o - t))}, key


def loss_factor_total(r: Reference) -> tuple[dict[Key, str], Key]:
    """E_total of ½SE without the ½."""
    n = r.layers[r.L]
    total = math.fsum((r.at("target", r.L, j) - r.at("out", r.L, j)) ** 2 for j in range(1, n + 1))
    key = ("loss", r.L, None, None, 1)
    return {key: g(total)}, key


def target_output_swapped(r: Reference) -> tuple[dict[Key, str], Key]:
    o, t = r.at("out", r.L, 1), r.at("target", r.L, 1)
    if r.loss == "cross_entropy":               # the closed-form delta out - target
        key = ("dnet", r.L, 1, None, 1)
        return {key: g(t - o)}, key
    key = ("dout", r.L, 1, None, 1)
    return {key: g(-loss_dout(r.loss, t, o, r.layers[r.L]))}, key


def updated_weights_in_backprop(r: Reference) -> tuple[dict[Key, str], Key]:
    l = r.L - 1
    value = math.fsum(r.at("dnet", l + 1, k) * r.at("new_w", l + 1, k, 1) for k in range(1, r.layers[l + 1] + 1))
    key = ("dout", l, 1, None, 1)
    return {key: g(value)}, key


def transposed_weight(r: Reference) -> tuple[dict[Key, str], Key]:
    """net_j with w_ij for w_ji, in the first layer whose transpose exists at neuron 1."""
    for l in range(1, r.L + 1):
        if r.layers[l] >= r.layers[l - 1]:
            value = math.fsum(r.W[l][i][0] * r.at("out", l - 1, i + 1) if l > 1 else r.W[l][i][0] * r.at("input", 0, i + 1)
                              for i in range(r.layers[l - 1])) + r.b[l][0]
            key = ("net", l, 1, None, 1)
            return {key: g(value)}, key
    raise AssertionError("no square enough layer")


def missing_bias(r: Reference) -> tuple[dict[Key, str], Key]:
    key = ("net", 1, 1, None, 1)
    return {key: g(r.at("net", 1, 1) - r.b[1][0])}, key


def bias_in_gradient(r: Reference) -> tuple[dict[Key, str], Key]:
    key = ("dw", r.L, 1, 1, 1)
    return {key: g(r.at("dnet", r.L, 1))}, key


def wrong_layer_input(r: Reference) -> tuple[dict[Key, str], Key]:
    """dE/dw of the output layer with the layer before's input (x_1, or out of two layers back)."""
    key = ("dw", r.L, 1, 1, 1)
    back = r.at("input", 0, 1) if r.L == 2 else r.at("out", r.L - 2, 1)
    return {key: g(r.at("dnet", r.L, 1) * back)}, key


def wrong_layer_input_receiving(r: Reference) -> tuple[dict[Key, str], Key]:
    key = ("dw", r.L, 1, 1, 1)
    return {key: g(r.at("dnet", r.L, 1) * r.at("out", r.L, 1))}, key


def update_sign(r: Reference) -> tuple[dict[Key, str], Key]:
    key = ("new_w", r.L, 1, 1, 1)
    return {key: g(r.W[r.L][0][0] + r.eta * r.at("dw", r.L, 1, 1))}, key


def no_learning_rate(r: Reference) -> tuple[dict[Key, str], Key]:
    key = ("new_w", 1, 1, 1, 1)
    return {key: g(r.W[1][0][0] - r.at("dw", 1, 1, 1))}, key


def batch_sum_for_mean(r: Reference) -> tuple[dict[Key, str], Key]:
    key = ("dw", r.L, 1, 1, None)
    return {key: g(math.fsum(r[("dw", r.L, 1, 1, e)] for e in range(1, len(r.examples) + 1)))}, key


def batch_mean_for_sum(r: Reference) -> tuple[dict[Key, str], Key]:
    """E_total as the mean of the outputs' losses, or a shared bias's gradient as a mean."""
    n = r.layers[r.L]
    if n > 1:
        key = ("loss", r.L, None, None, 1)
        return {key: g(math.fsum(r.at("loss", r.L, j) for j in range(1, n + 1)) / n)}, key
    key = ("db", 1, None, None, 1)
    return {key: g(math.fsum(r.at("dnet", 1, j) for j in range(1, r.layers[1] + 1)) / r.layers[1])}, key


CASES: list[tuple[str, Plant, str]] = [
    ("no_activation_derivative", no_activation_derivative, "classic"),
    ("no_activation_derivative", no_activation_derivative, "relu-blog"),
    ("no_activation_derivative", no_activation_derivative_hidden, "exercise"),
    ("no_activation_derivative", no_activation_derivative, "classic-tanh-mse"),
    ("derivative_at_wrong_value", derivative_at_wrong_value, "classic"),
    ("derivative_at_wrong_value", derivative_at_wrong_value, "exercise"),
    ("derivative_at_wrong_value", derivative_at_wrong_value, "relu-blog"),
    ("derivative_at_wrong_value", derivative_at_wrong_value, "three-classes"),       # tanh hidden
    ("derivative_at_wrong_value", derivative_at_wrong_value, "classic-tanh-mse"),    # tanh output
    ("relu_derivative_at_zero_side", relu_derivative_at_zero_side, "relu-blog"),
    ("relu_derivative_at_zero_side", relu_derivative_at_zero_side, "exercise-relu-mse"),
    ("relu_derivative_at_zero_side", relu_derivative_at_zero_side, "three-classes-relu"),
    ("softmax_elementwise_derivative", softmax_elementwise_derivative, "three-classes"),
    ("softmax_elementwise_derivative", softmax_elementwise_derivative, "three-classes-soft"),
    ("softmax_elementwise_derivative", softmax_elementwise_derivative, "classic-softmax-ce"),
    ("softmax_elementwise_derivative", softmax_elementwise_derivative, "classic-softmax-hse"),
    ("loss_factor", loss_factor, "classic"),
    ("loss_factor", loss_factor, "exercise"),
    ("loss_factor", loss_factor, "relu-blog"),
    ("loss_factor", loss_factor, "classic-tanh-mse"),
    ("loss_factor", loss_factor_total, "classic"),
    ("target_output_swapped", target_output_swapped, "classic"),
    ("target_output_swapped", target_output_swapped, "exercise"),
    ("target_output_swapped", target_output_swapped, "classic-tanh-mse"),
    ("target_output_swapped", target_output_swapped, "three-classes"),
    ("updated_weights_in_backprop", updated_weights_in_backprop, "classic"),
    ("updated_weights_in_backprop", updated_weights_in_backprop, "exercise"),
    ("updated_weights_in_backprop", updated_weights_in_backprop, "relu-blog"),
    ("updated_weights_in_backprop", updated_weights_in_backprop, "three-classes"),
    ("transposed_weight", transposed_weight, "classic"),
    ("transposed_weight", transposed_weight, "relu-blog"),
    ("transposed_weight", transposed_weight, "three-classes"),
    ("missing_bias", missing_bias, "classic"),
    ("missing_bias", missing_bias, "exercise"),
    ("missing_bias", missing_bias, "relu-blog"),
    ("missing_bias", missing_bias, "three-classes"),
    ("bias_in_gradient", bias_in_gradient, "classic"),
    ("bias_in_gradient", bias_in_gradient, "exercise"),
    ("bias_in_gradient", bias_in_gradient, "relu-blog"),
    ("bias_in_gradient", bias_in_gradient, "classic-softmax-ce"),
    ("wrong_layer_input", wrong_layer_input, "classic"),
    ("wrong_layer_input", wrong_layer_input, "exercise"),
    ("wrong_layer_input", wrong_layer_input, "relu-blog"),
    ("wrong_layer_input", wrong_layer_input_receiving, "three-classes"),
    ("update_sign", update_sign, "classic"),
    ("update_sign", update_sign, "exercise"),
    ("update_sign", update_sign, "relu-blog"),
    ("update_sign", update_sign, "three-classes"),
    ("no_learning_rate", no_learning_rate, "classic"),
    ("no_learning_rate", no_learning_rate, "exercise"),
    ("no_learning_rate", no_learning_rate, "relu-blog"),
    ("no_learning_rate", no_learning_rate, "classic-softmax-ce"),
    ("batch_sum_for_mean", batch_sum_for_mean, "mini-batch"),
    ("batch_sum_for_mean", batch_sum_for_mean, "classic-batch"),
    ("batch_sum_for_mean", batch_sum_for_mean, "exercise-batch"),
    ("batch_mean_for_sum", batch_mean_for_sum, "classic"),
    ("batch_mean_for_sum", batch_mean_for_sum, "three-classes"),
    ("batch_mean_for_sum", batch_mean_for_sum, "classic-tanh-mse"),
    ("batch_mean_for_sum", batch_mean_for_sum, "devforum"),
]


def _right_sheet_key(key: Key, ref: Reference) -> Key:
    kind, l, j, i, e = key
    return (kind, l, j, i, None if ref.batched and kind == "new_w" else e)


@pytest.mark.parametrize("mistake,plant,problem", CASES, ids=[f"{m}-{p}" for m, _, p in CASES])
def test_a_planted_mistake_is_named(mistake, plant, problem):
    _checker, ref, _ = setup(problem)
    planted, key = plant(ref)
    key = _right_sheet_key(key, ref)
    written = float(planted[key])
    assert f"{written:.5g}" != f"{ref[key]:.5g}", "the planted mistake must change the number"
    result, records = sheet(problem, planted)
    record = records[key]
    assert record.verdict == "wrong"
    assert record.mistake is not None and record.mistake.id == mistake
    assert record.mistake.via == ""
    # every other answer is right, and nothing else is named
    assert [r for r in result.records if r.mistake is not None] == [record]
    assert record.mistake.computed == pytest.approx(written, rel=1e-5, abs=1e-12)


def test_every_mistake_is_named_on_three_problems():
    seen: dict[str, set[str]] = {}
    for mistake, _, problem in CASES:
        seen.setdefault(mistake, set()).add(problem)
    seen.setdefault("early_rounding", set()).update(p for p, _ in EARLY)
    assert set(seen) == set(IDS)
    assert all(len(problems) >= 3 for problems in seen.values()), seen
    problems = {p for ps in seen.values() for p in ps}
    activations = [spec_of(p)["network"].get("activation", "sigmoid") for p in problems]
    assert {"sigmoid", "tanh", "relu", "softmax"} <= {a if isinstance(a, str) else a[-1] for a in activations}
    assert {"half_squared_error", "mean_squared_error", "cross_entropy"} <= {spec_of(p)["loss"] for p in problems}


# --- early rounding ------------------------------------------------------------------------
#: (problem, decimals the hidden outputs are rounded to)
EARLY = [("classic", 2), ("exercise", 2), ("relu-blog", 2), ("classic-tanh-mse", 1)]


@pytest.mark.parametrize("problem,places", EARLY)
def test_early_rounding_annotates_an_answer_right_only_from_rounded_values(problem, places):
    """The hidden outputs written rounded (right at that precision), the next net at six
    figures from them: right from the student's values only, and the verdict says why."""
    _checker, ref, _names = setup(problem)
    L = ref.L
    outs = {("out", L - 1, i, None, 1): round(ref.at("out", L - 1, i), places) for i in range(1, ref.layers[L - 1] + 1)}
    net = math.fsum(ref.W[L][0][i - 1] * outs[("out", L - 1, i, None, 1)] for i in range(1, ref.layers[L - 1] + 1)) \
        + ref.b[L][0]
    key = ("net", L, 1, None, 1)
    planted = {k: f"{v:.{places}f}" for k, v in outs.items()} | {key: g(net)}
    assert g(net) != g(ref[key])
    result, records = sheet(problem, planted, only=list(planted))
    record = records[key]
    assert (record.verdict, record.how) == ("correct", "from your values")
    assert record.mistake is not None and record.mistake.id == "early_rounding"
    digits = int(record.mistake.explanation.split("Carry at least ")[1].split()[0])
    assert digits > places
    # carrying that many decimals gives the right value to within one unit of the sixth figure
    carried = math.fsum(ref.W[L][0][i - 1] * round(ref.at("out", L - 1, i), digits)
                        for i in range(1, ref.layers[L - 1] + 1)) + ref.b[L][0]
    unit = 10.0 ** (math.floor(math.log10(abs(ref[key]))) - 5)
    assert abs(float(g(carried)) - ref[key]) <= unit
    assert [r for r in result.records if r.mistake is not None] == [record]


# --- conventions, propagation, the published audit ----------------------------------------
def test_every_derivative_flipped_is_a_convention_not_target_output_swapped():
    _checker, ref, names = setup("classic")
    flipped = {k: g(-v) for k, v in ref.v.items() if k[0] in ("dout", "dnet", "dw", "db") and k in names}
    result, records = sheet("classic", flipped)
    assert all(r.mistake is None for r in result.records)
    assert result.advice == [("Every derivative has the opposite sign (-dE/dx): if that is your convention, "
                             "check with --convention negative_gradient.")]
    # flipped part-way (only the second output's): a mistake
    key = ("dout", 2, 2, None, 1)
    result, records = sheet("classic", {key: g(-ref[key])})
    assert records[key].mistake.id == "target_output_swapped" and result.advice == []


def test_a_mistake_in_a_quantity_not_written_is_traced_back():
    """dE/dw5 without delta_o1 written, computed as dE/dout_o1 * out_h1: no sigma' factor."""
    _checker, ref, _names = setup("classic")
    key = ("dw", 2, 1, 1, 1)
    only = [("out", 1, 1, None, 1), ("out", 2, 1, None, 1), ("dout", 2, 1, None, 1)]
    _result, records = sheet("classic", {key: g(ref.at("dout", 2, 1) * ref.at("out", 1, 1))}, only=only)
    mistake = records[key].mistake
    assert (mistake.id, mistake.via) == ("no_activation_derivative", "delta_o1")
    assert mistake.sentence.endswith("(in delta_o1, which you did not write)")
    # the line to write: dE/dw5 = delta_o1 · out_h1, the right delta (not written), out_h1 as written
    assert mistake.expected == "dE/dw5 = delta_o1 · out_h1 = 0.138498562 · 0.5932699921 = 0.082167041"


def test_a_mistake_from_the_students_own_earlier_values():
    """delta_o1 with out_o1 miscopied as 0.76: no sigma' factor, from the student's own dE/dout_o1."""
    _checker, _ref, _names = setup("classic")
    out = 0.76
    dout = out - 0.01
    planted = {("out", 2, 1, None, 1): "0.76", ("dout", 2, 1, None, 1): g(dout), ("dnet", 2, 1, None, 1): g(dout)}
    _result, records = sheet("classic", planted, only=list(planted))
    assert records[("dout", 2, 1, None, 1)].verdict == "carried"
    record = records[("dnet", 2, 1, None, 1)]
    assert (record.verdict, record.mistake.id) == ("wrong", "no_activation_derivative")
    assert record.mistake.expected == "delta_o1 = dE/dout_o1 · dout_o1/dnet_o1 = 0.750000 · 0.1824 = 0.1368"


def test_seed_000_audit_names_derivative_at_wrong_value():
    checker = Checker(examples.load("xor"))
    result = checker.check(load_answers(examples.examples_dir() / "xor" / "article_answers.yaml"))
    named = {r.answer.name: r.mistake.id for r in result.records if r.mistake is not None}
    assert named == dict.fromkeys(["deriv(output_o)", "deriv(output1_h)", "deriv(output3_h)", "deriv(output4_h)"],
                                  "derivative_at_wrong_value")
    first = next(r for r in result.records if r.mistake is not None)
    assert first.mistake.computed == pytest.approx(sigmoid(0.78) * (1 - sigmoid(0.78)))   # 0.2155 -> 0.21
    audit = (examples.examples_dir() / "xor" / "audit.md").read_text(encoding="utf-8")
    assert audit.count("**Mistake derivative\\_at\\_wrong\\_value:**") == 4


# --- no false diagnoses ---------------------------------------------------------------------
FALSE_PROBLEMS = ["classic", "exercise", "relu-blog", "three-classes", "classic-tanh-mse", "exercise-relu-mse",
                  "classic-softmax-ce", "devforum", "mini-batch"]


@pytest.mark.parametrize("problem", FALSE_PROBLEMS)
def test_right_sheets_name_no_mistake(problem):
    result, _ = sheet(problem, {})
    assert {r.verdict for r in result.records} == {"correct"}
    assert all(r.mistake is None for r in result.records) and result.advice == []


def test_a_thousand_random_wrong_answers_name_no_mistake():
    """Four random wrong answers a sheet (off by 5% to 100% either way, 4 significant
    figures, the rest right), 250 sheets over nine problems: no mistake is named."""
    rng = random.Random(18)
    start = time.process_time()
    wrong = named = 0
    for k in range(250):
        problem = FALSE_PROBLEMS[k % len(FALSE_PROBLEMS)]
        _checker, ref, names = setup(problem)
        keys = [key for key in names if key in ref.v]
        planted = {}
        for key in rng.sample(keys, 4):
            truth = ref[key]
            factor = 1 + rng.choice((-1, 1)) * rng.uniform(0.05, 1.0)
            value = truth * factor if truth else rng.choice((-1, 1)) * rng.uniform(0.01, 1.0)
            planted[key] = format(value, "#.4g")
        result, records = sheet(problem, planted)
        wrong += sum(records[key].verdict == "wrong" for key in planted)
        named += sum(r.mistake is not None for r in result.records)
    assert wrong >= 990          # a few land on a value their own slips make right (carried)
    assert named == 0
    assert time.process_time() - start < 10


def test_a_mistake_in_the_quantity_itself_is_named_before_one_in_a_step_not_written():
    """w5+ alone as 0.4 + 0.5 * 0.082167041 = 0.44108: the update's sign, although a flipped
    dE/dout_o1 (not written) gives the same number; for a batch of two, dE/dw5 as the sum of
    the examples' gradients, although a forgotten ½ in both (not written) doubles them too."""
    result, records = sheet("classic", {("new_w", 2, 1, 1, 1): "0.4411"}, only=[])
    assert (records[("new_w", 2, 1, 1, 1)].mistake.id, result.advice) == ("update_sign", [])
    _checker, ref, _names = setup("classic-batch")
    total = ref[("dw", 2, 1, 1, 1)] + ref[("dw", 2, 1, 1, 2)]
    result, records = sheet("classic-batch", {("dw", 2, 1, 1, None): g(total)}, only=[])
    assert records[("dw", 2, 1, 1, None)].mistake.id == "batch_sum_for_mean"


# --- where it shows: every format, the class summary -------------------------------------------
SLIPS = {
    "anna.txt": "delta_o1 = 0.7414\n",                              # dE/dout_o1 alone
    "ben.txt": "delta_o1 = 0.7414\ndE/dout_h1 = 0.03023\n",         # and the updated weights
    "carla.txt": "delta_o1 = 0.138498562\n",
}


def test_every_report_format_names_the_mistake(tmp_path):
    from tracer.cli import main
    (tmp_path / "ben.txt").write_text(SLIPS["ben.txt"], encoding="utf-8")
    outputs = {}
    for fmt in ("text", "md", "tex", "json"):
        target = tmp_path / f"ben.{fmt}"
        assert main(["check", "classic-2-2-2", str(tmp_path / "ben.txt"), "--format", fmt, "-o", str(target)]) == 1
        outputs[fmt] = target.read_text(encoding="utf-8")
    sentence = "delta was computed without the activation's derivative factor: dE/dout alone, not times dout/dnet."
    assert "  wrong    delta_o1          0.7414  right value 0.138498562; mistake: no_activation_derivative" \
        in outputs["text"]
    assert f"    mistake: no_activation_derivative: {sentence}\n    that gives 0.74136507 from your values\n" \
        in outputs["text"]
    assert "    you should have written: delta_o1 = dE/dout_o1 · dout_o1/dnet_o1 = 0.74136507 · 0.186815602 " \
        "= 0.138498562\n" in outputs["text"]
    assert "| 0.7414 | 0.138498562 |  | wrong: no\\_activation\\_derivative |" in outputs["md"]
    assert "**Mistake no\\_activation\\_derivative:** delta was computed" in outputs["md"]
    assert "\\textbf{Mistake no\\_activation\\_derivative:} delta was computed" in outputs["tex"]
    data = json.loads(outputs["json"])
    assert [r["mistake"]["id"] for r in data["records"]] == ["no_activation_derivative", "updated_weights_in_backprop"]
    assert data["records"][0]["mistake"] | {} == {
        "id": "no_activation_derivative", "explanation": sentence, "computed": pytest.approx(0.74136507),
        "expected": "delta_o1 = dE/dout_o1 · dout_o1/dnet_o1 = 0.74136507 · 0.186815602 = 0.138498562"}
    # 0.03023 = delta_o1 * w5+ + delta_o2 * w7+ with the right deltas (ben's delta_o1 is wrong) and
    # the updated weights 0.35891648 and 0.511301270
    assert data["records"][1]["mistake"]["computed"] == pytest.approx(
        0.138498562 * 0.35891648 + -0.0380982366 * 0.51130127, abs=1e-6)
    assert data["summary"]["mistakes"] == {"no_activation_derivative": 1, "updated_weights_in_backprop": 1}


def test_the_class_summary_counts_mistakes_across_students(tmp_path, capsys):
    from tracer.cli import main
    folder = tmp_path / "class"
    folder.mkdir()
    for name, text in SLIPS.items():
        (folder / name).write_text(text, encoding="utf-8")
    assert main(["check", "classic-2-2-2", str(folder), "-o", str(tmp_path / "t")]) == 1
    summary = capsys.readouterr().out
    assert "\nmistake                      answers  students\n" \
           "no_activation_derivative           2         2\n" \
           "updated_weights_in_backprop        1         1\n" in summary
    assert main(["check", "classic-2-2-2", str(folder), "-o", str(tmp_path / "j"), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["mistakes"] == [{"id": "no_activation_derivative", "answers": 2, "students": 2},
                                {"id": "updated_weights_in_backprop", "answers": 1, "students": 1}]
    assert main(["check", "classic-2-2-2", str(folder), "-o", str(tmp_path / "m"), "--format", "md"]) == 1
    md = capsys.readouterr().out
    assert "### Mistakes named" in md and "| no\\_activation\\_derivative | 2 | 2 | delta was computed" in md


def test_the_csv_gradebook_has_a_mistakes_column_when_one_is_named(tmp_path, capsys):
    from tracer.cli import main
    folder = tmp_path / "class"
    folder.mkdir()
    for name, text in SLIPS.items():
        (folder / name).write_text(text, encoding="utf-8")
    assert main(["check", "classic-2-2-2", str(folder), "--format", "csv", "--require", "delta_o1,dE/dout_h1"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "student,delta_o1,dE/dout_h1,score,max,mistakes",
        "anna,wrong,missing,0,2,no_activation_derivative",
        "ben,wrong,wrong,0,2,no_activation_derivative updated_weights_in_backprop",
        "carla,correct,missing,1,2,"]
    (folder / "anna.txt").unlink()
    (folder / "ben.txt").unlink()
    assert main(["check", "classic-2-2-2", str(folder), "--format", "csv", "--require", "delta_o1"]) == 0
    assert capsys.readouterr().out.splitlines() == ["student,delta_o1,score,max", "carla,correct,1,1"]


# --- the facts of one activation or loss live on its class ------------------------------------
def test_each_activation_and_loss_owns_its_typical_wrong_derivatives():
    from tracer.model.activations import ACTIVATIONS
    from tracer.model.losses import LOSSES
    act = {name: cls() for name, cls in ACTIVATIONS.items()}
    net, out = 0.78, sigmoid(0.78)
    # sigma'(out) = sigma(out)(1 - sigma(out)) (seed 000), and the formula in out with net put in
    assert act["sigmoid"].mistaken_derivatives(net, out) == pytest.approx(
        (sigmoid(out) * (1 - sigmoid(out)), net * (1 - net)))
    t = math.tanh(net)
    assert act["tanh"].mistaken_derivatives(net, t) == pytest.approx((1 - math.tanh(t) ** 2, 1 - net * net))
    assert {n for n, a in act.items() if a.mistaken_derivatives(net, out)} == {"sigmoid", "tanh"}
    assert (act["relu"].derivative_other_side(0.3), act["relu"].derivative_other_side(-0.3)) == (0.0, 1.0)
    assert ACTIVATIONS["leaky_relu"](alpha=0.1).derivative_other_side(0.3) == 0.1
    assert {n for n, a in act.items() if a.derivative_other_side(0.3) is not None} == {"relu", "leaky_relu"}
    assert act["softmax"].elementwise_delta(0.2, -5.0) == pytest.approx(-5.0 * 0.2 * 0.8)
    assert {n for n, a in act.items() if a.elementwise_delta(0.2, -5.0) is not None} == {"softmax"}
    loss = {name: cls(n=3) for name, cls in LOSSES.items()}
    assert {n: (l.mistaken_factors(False), l.mistaken_factors(True)) for n, l in loss.items()} == {
        "half_squared_error": ((2.0,), (2.0, 0.5)), "squared_error": ((), (0.5,)),
        "mean_squared_error": ((3.0,), (3.0, 0.5)), "binary_cross_entropy": ((), ()), "cross_entropy": ((), ())}
    assert LOSSES["mean_squared_error"](n=1).mistaken_factors(True) == (0.5,)
    assert {n for n, l in loss.items() if l.output_minus_target} == \
        {"half_squared_error", "squared_error", "mean_squared_error"}
    # the checker reads them generically: it names no activation or loss class
    source = (Path(__file__).parents[1] / "tracer" / "check" / "mistakes.py").read_text(encoding="utf-8")
    assert not any(name in source for name in ("Sigmoid", "Tanh", "LeakyReLU", "ReLU(", "HalfSquaredError",
                                                "MeanSquaredError", "isinstance(act", "isinstance(net.loss"))


# --- carried answers ---------------------------------------------------------------------------
def data_name(problem: str, kind: str, layer: int, j: int, i: int | None = None) -> str:
    checker, _, _ = setup(problem)
    return checker.log.notation.quantity(kind, layer, j, i).plain


def carried_sheet(problem: str, data: dict[str, float], key: Key, value: float) -> Any:
    """The given numbers ``data`` written otherwise and one answer worked from them."""
    checker, _, names = setup(problem)
    lines = [f"{name} = {format(v, '.10g')}" for name, v in data.items()] + [f"{names[key]} = {g(value)}"]
    result = checker.check(parse_answers("\n".join(lines) + "\n", f"{problem}.txt", "text"))
    by_name = {checker.displays[r.node.id]: r for r in result.records}
    return result, by_name, by_name[names[key]]


@pytest.mark.parametrize("problem", ["classic", "exercise", "relu-blog"])
def test_a_carried_answer_from_given_numbers_written_otherwise_names_the_mistake(problem):
    """The weights into neuron 1 written transposed (w_1i as w_i1's value), net_1 from them:
    carried (right from the written weights), and transposed_weight says why; b written 0
    and net without it: missing_bias. The output layer's weights written as their updated
    values and dE/dout of hidden neuron 1 from them: updated_weights_in_backprop."""
    _checker, ref, _ = setup(problem)
    x = [ref.at("input", 0, i) for i in range(1, ref.layers[0] + 1)]
    transposed = {data_name(problem, "weight", 1, 1, i): ref.W[1][i - 1][0] for i in range(1, ref.layers[0] + 1)}
    net = math.fsum(w * xi for w, xi in zip(transposed.values(), x)) + ref.b[1][0]
    key = ("net", 1, 1, None, 1)
    result, records, record = carried_sheet(problem, transposed, key, net)
    assert (record.verdict, record.mistake.id) == ("carried", "transposed_weight")
    assert record.mistake.via == "" and record.mistake.computed == pytest.approx(net)
    # the line to write has the problem's weights and the right value
    assert float(record.mistake.expected.rsplit(" = ", 1)[1]) == pytest.approx(ref[key], rel=1e-6)
    if problem == "classic":
        assert record.mistake.expected == "net_h1 = w1 · i1 + w2 · i2 + b1 = 0.15 · 0.05 + 0.2 · 0.1 + 0.35 = 0.3775"
    assert [r.node.name for r in result.records if r.mistake is not None] == [record.node.name]

    bias = {data_name(problem, "bias", 1, 1): 0.0}
    _, _, record = carried_sheet(problem, bias, key, ref[key] - ref.b[1][0])
    assert (record.verdict, record.mistake.id) == ("carried", "missing_bias")

    L = ref.L
    updated = {data_name(problem, "weight", L, k, 1): ref.at("new_w", L, k, 1) for k in range(1, ref.layers[L] + 1)}
    dout = math.fsum(ref.at("dnet", L, k) * ref.at("new_w", L, k, 1) for k in range(1, ref.layers[L] + 1))
    result, records, record = carried_sheet(problem, updated, ("dout", L - 1, 1, None, 1), dout)
    # the written weights also change the forward pass the student's own values follow: where
    # that moves the deltas at the precision written the answer is wrong, else carried; the
    # mistake is named either way
    assert record.verdict in ("wrong", "carried") and record.mistake.id == "updated_weights_in_backprop"
    assert all(records[name].verdict == "wrong" and records[name].mistake is None for name in updated)


def test_a_carried_answer_from_a_wrong_answer_is_not_named():
    """dE/dw5 written with the wrong sign (delta_o1 right, so no mistake explains it), w5+
    from it: w5 - eta * (-dE/dw5) is carried, not update_sign; a sheet with random wrong
    answers has many carried answers and names none (test above)."""
    _checker, ref, _ = setup("classic")
    dw = ("dw", 2, 1, 1, 1)
    planted = {("dnet", 2, 1, None, 1): g(ref.at("dnet", 2, 1)), dw: g(-ref[dw]),
               ("new_w", 2, 1, 1, 1): g(ref.W[2][0][0] + ref.eta * ref[dw])}
    result, records = sheet("classic", planted, only=list(planted))
    assert records[dw].verdict == "wrong" and records[dw].mistake is None
    assert records[("new_w", 2, 1, 1, 1)].verdict == "carried"
    assert all(r.mistake is None for r in result.records)


def test_the_readme_shows_a_report_with_a_named_mistake(tmp_path, monkeypatch, capsys):
    """The README's checking section prints sam.txt's report exactly as tracer check does."""
    from tracer.cli import main
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme.split("$ tracer check classic-2-2-2 sam.txt\n", 1)[1].split("```", 1)[0]
    (tmp_path / "sam.txt").write_text("out_h1 = 0.5933\nout_o1 = 0.7514\ndE/dout_o1 = 0.7414\ndelta_o1 = 0.7414\n"
                                      "dE/dw5 = 0.4398\nw5+ = 0.1801\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "classic-2-2-2", "sam.txt"]) == 1
    assert capsys.readouterr().out == block
    assert "mistake: no_activation_derivative" in block
