"""The model objects the engine loop drives: Dense layers, the Optimizer protocol, the registries.

References are written here from the formulas (numpy one operation at a time), not taken
from tracer. A stateful optimizer defined in this file (PyTorch's momentum) goes through
the same ``numeric.updated`` as SGD, which is what the optimizers issue builds on.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

from tracer.engine.numeric import Params, initial_state, updated
from tracer.engine.ops import Operand, Update
from tracer.model.activations import ACTIVATIONS, Sigmoid, Softmax, Tanh
from tracer.model.layers import Dense, bias_gradient
from tracer.model.losses import (
    LOSSES,
    BinaryCrossEntropy,
    CrossEntropy,
    HalfSquaredError,
)
from tracer.model.optimizers import SGD, Slot, State

TRACER = Path(__file__).resolve().parent.parent / "tracer"


def keep(a: np.ndarray) -> np.ndarray:
    """No hand rounding: the rnd of a run that does not carry rounded values."""
    return a


def test_dense_numbers_match_the_formulas() -> None:
    rng = np.random.default_rng(5)
    W, b, x = rng.uniform(-1, 1, (3, 4)), rng.uniform(-1, 1, 3), rng.uniform(0, 1, 4)
    layer = Dense(2, 3, 4, Tanh())
    net, out = layer.forward(W, b, x, keep)
    expected_net = np.array([sum(W[j, i] * x[i] for i in range(4)) + b[j] for j in range(3)])
    assert np.allclose(net, expected_net, rtol=1e-15, atol=0)
    assert np.array_equal(out, np.tanh(net))
    dout = rng.uniform(-1, 1, 3)
    dact, delta = layer.backward(net, out, dout, keep)
    assert np.array_equal(dact, 1 - out * out) and np.array_equal(delta, dout * (1 - out * out))
    dw, db = layer.gradients(delta, x, b, keep)
    assert np.array_equal(dw, np.array([[delta[j] * x[i] for i in range(4)] for j in range(3)]))
    assert np.array_equal(db, delta)
    below = layer.input_gradient(W, delta, keep)
    assert np.allclose(below, [sum(delta[j] * W[j, i] for j in range(3)) for i in range(4)], rtol=1e-15)
    # a shared bias takes the sum of its layer's deltas; no bias, nothing
    assert bias_gradient(np.array([0.5]), delta, keep).tolist() == [delta.sum()]
    assert bias_gradient(np.empty(0), delta, keep).size == 0


def test_softmax_delta_is_the_full_jacobian_and_closed_forms_replace_it() -> None:
    out, dout = np.array([0.2, 0.5, 0.3]), np.array([-1.0, 0.4, 2.0])
    layer = Dense(1, 3, 2, Softmax())
    _, delta = layer.backward(np.zeros(3), out, dout, keep)
    jacobian = np.diag(out) - np.outer(out, out)  # ∂out_k/∂net_j = out_j(δ_kj − out_k)
    assert np.allclose(delta, jacobian.T @ dout, rtol=1e-15, atol=1e-16)
    _, closed = layer.backward(np.zeros(3), out, dout, keep, closed=np.array([0.1, 0.2, 0.3]))
    assert closed.tolist() == [0.1, 0.2, 0.3]
    assert CrossEntropy(n=3).closed_form_delta(Softmax()) and not CrossEntropy(n=3).closed_form_delta(Sigmoid())
    assert BinaryCrossEntropy().closed_form_delta(Sigmoid()) and not HalfSquaredError().closed_form_delta(Sigmoid())
    assert CrossEntropy.output_error(Tanh()) == ("found cross_entropy with a tanh output layer; expected softmax "
                                                 "on the output layer for cross_entropy (or another loss)")


def test_sgd_steps_and_records_one_update_entry() -> None:
    sgd = SGD(0.5)
    w, g = np.array([[0.15, -0.2]]), np.array([[0.04, 0.1]])
    new, state = sgd.step(w, g, sgd.initial_state(w), 1)
    assert new.tolist() == [[0.15 - 0.5 * 0.04, -0.2 - 0.5 * 0.1]] and state == {}

    class Sink:
        def __init__(self) -> None:
            self.entries: list[tuple] = []

        def add(self, kind, layer, neuron, source, op, operands, value, key_extra=()):
            self.entries.append((kind, layer, neuron, source, op, operands, value))
            return Operand(kind, kind, value, repr(value))

        def hyperparameter(self, name: str, latex: str, value: float) -> Operand:
            return Operand(name, latex, value, repr(value))

    sink = Sink()
    old, grad = Operand("w5", "w_5", 0.4, "0.4"), Operand("dw5", "dw_5", 0.0822, "0.0822", 17)
    sgd.record(sink, Slot("weight", 2, 1, 1), old, grad, 0.4 - 0.5 * 0.0822, {}, {})
    [(kind, layer, neuron, source, op, operands, value)] = sink.entries
    assert (kind, layer, neuron, source) == ("new_w", 2, 1, 1) and isinstance(op, Update)
    assert [o.name for o in operands] == ["w5", "eta", "dw5"] and value == 0.4 - 0.5 * 0.0822
    # how the new value is shown is the recorder's (Recorder.printed): the old value is the
    # operand in role "old", from which it shows the change
    assert op.roles(3) == ("old", "rate", "grad")
    assert op.evaluate([o.value for o in operands]) == value


@dataclass(frozen=True)
class Momentum:
    """PyTorch's momentum (v ← μ·v + g, w ← w − η·v), written against the protocol."""

    learning_rate: float
    momentum: float
    name: ClassVar[str] = "momentum"
    seen: list[int] = field(default_factory=list)  # the t of every step

    def initial_state(self, param: np.ndarray) -> State:
        return {"velocity": np.zeros_like(param)}

    def step(self, param: np.ndarray, grad: np.ndarray, state: State, t: int) -> tuple[np.ndarray, State]:
        self.seen.append(t)
        v = self.momentum * state["velocity"] + grad
        return param - self.learning_rate * v, {"velocity": v}

    def record(self, *args: Any) -> None:  # not exercised here: the notation has no velocity kind yet
        raise NotImplementedError


def test_a_stateful_optimizer_keeps_state_per_array_and_counts_updates() -> None:
    opt = Momentum(0.1, 0.9)
    W = [np.empty(0), np.array([[0.5, -0.3]])]
    b = [np.empty(0), np.array([0.2])]
    params = initial_state(Params(W, b), opt)
    grads = [np.array([[0.4, 0.2]]), np.array([[-0.1, 0.3]]), np.array([[0.05, 0.05]])]
    w, v = np.array([0.5, -0.3]), np.zeros(2)
    for g in grads:
        params = updated(params, [np.empty(0), g], [np.empty(0), np.array([1.0])], opt, update_biases=False)
        v = 0.9 * v + g[0]
        w = w - 0.1 * v
        assert params.weights[1][0].tolist() == w.tolist()
        assert params.state[("weight", 1)]["velocity"][0].tolist() == v.tolist()
    assert params.t == 3 and opt.seen == [1, 2, 3]  # biases left alone: only the weights stepped
    assert params.biases[1].tolist() == [0.2] and params.state[("bias", 1)]["velocity"].tolist() == [0.0]


#: Registry names that are also words of the trace's own vocabulary, so their spelling elsewhere
#: is not about the function: every entry's "step" field; the "squared_error" of each epoch row.
VOCABULARY = {"step": "Entry.step", "squared_error": "the epochs list's field"}


@pytest.mark.parametrize("registry", [ACTIVATIONS, LOSSES], ids=["activations", "losses"])
def test_each_name_is_spelled_in_at_most_two_modules(registry: dict) -> None:
    """Consumers ask the objects; only the registry module (and at most one other) spells a name.

    tracer/formula/ is not a consumer: it knows TeX's operator words (\\tanh, \\max, \\ln) as
    typesetting, for every formula, whichever activations exist."""
    sources = {path: path.read_text(encoding="utf-8") for path in TRACER.rglob("*.py")
               if path.parent.name != "formula"}
    for name in registry:
        if name in VOCABULARY:
            continue
        quoted = re.compile(rf"""(['"]){re.escape(name)}\1""")
        modules = sorted(str(p.relative_to(TRACER)) for p, text in sources.items() if quoted.search(text))
        assert len(modules) <= 2, (name, modules)


def test_operands_are_read_by_role() -> None:
    """Every entry's op names a role for each operand, and the roles say what each operand is:
    a hidden ∂E/∂out's deltas and weights, δ's two factors, a gradient's δ and input, a new
    value's old value (for every optimizer and a learning rule)."""
    from tracer import Problem, trace
    from tracer.examples import load
    logs = [trace(load("classic-2-2-2"))]
    for spec in ({"name": "momentum", "momentum": 0.9}, {"name": "adam"}):
        raw = load("classic-2-2-2").to_dict()
        raw["training"] = {**raw["training"], "optimizer": spec}
        logs.append(trace(Problem.from_dict(raw)))
    for log in logs:
        for e in log.entries:
            assert len(e.op.roles(len(e.operands))) == len(e.operands), (e.name, e.op)
            kinds = {role: [log.entries[o.entry].kind if o.entry is not None else None
                            for o in e.operands_in(role)] for role in set(e.op.roles(len(e.operands)))}
            if e.kind == "dout" and e.layer == 1:
                assert kinds == {"delta": ["dnet", "dnet"], "weight": [None, None]}
                assert [o.name for o in e.operands_in("weight")] == [f"w{5 + 2 * (k - 1) + e.neuron - 1}"
                                                                      for k in (1, 2)]
            if e.kind == "dnet" and e.layer == 1:
                assert kinds == {"dout": ["dout"], "dact": ["dact"]}
            if e.kind == "dw":
                assert kinds == {"delta": ["dnet"], "input": ["out" if e.layer == 2 else None]}
            if e.kind in ("new_w", "new_b"):
                assert e.operand("old").name == e.name.removesuffix("+")
    rule = trace(load("perceptron-and"))
    for e in rule.entries:
        if e.kind == "new_w":
            assert e.operand("old").value + e.operand("change").value == pytest.approx(e.value)
        if e.kind == "delta_w":
            assert e.operand("input").name.startswith("x")
