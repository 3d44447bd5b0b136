"""Nets of ±1000: finite, correct values and no numpy warnings.

A naive sigmoid overflows at e^1000, a naive softmax gives inf/inf, and ln σ(1000)'s
complement is ln 0. The engine must use the stable forms (σ by the sign of its input,
log-sum-exp, softplus) and the closed-form deltas o − t, so every loss, delta, gradient
and update stays finite and right. Expected values are worked out here by hand.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from tracer.engine.trace import trace
from tracer.model.problem import Problem

E = math.e


def one_layer(activation: str, weights: list[float], target: list[float], loss: str, x: float = 1.0,
              **extra) -> dict:
    """Input x into one layer whose neuron j has net weights[j]·x (no biases)."""
    return {"network": {"layers": [1, len(weights)], "activation": activation, "bias": "none",
                        "weights": [[[w] for w in weights]]},
            "loss": loss, "training": {"learning_rate": 0.1}, "data": [{"input": [x], "target": target}],
            **extra}


def traced(raw: dict):
    """Trace with every numpy floating-point warning turned into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="warn", divide="warn", invalid="warn"):
            return trace(Problem.from_dict(raw))


def values(log, kind: str) -> list[float]:
    return [e.value for e in log.select(kind=kind)]


def assert_finite(log, skip: tuple[str, ...] = ()) -> None:
    for e in log:
        if e.kind not in skip:
            assert math.isfinite(e.value), (e.name, e.value)


def total(log) -> float:
    return log.select(kind="loss", neuron=None)[0].value


def test_sigmoid_saturates_without_overflow() -> None:
    log = traced(one_layer("sigmoid", [1000, -1000], [0.5, 0.5], "half_squared_error"))
    assert_finite(log)
    assert values(log, "out") == [1.0, 0.0]
    assert values(log, "dact") == [0.0, 0.0]
    assert total(log) == 0.25
    assert values(log, "dw") == [0.0, 0.0]


def test_tanh_saturates() -> None:
    log = traced(one_layer("tanh", [1000, -1000], [0.0, 0.0], "squared_error"))
    assert_finite(log)
    assert values(log, "out") == [1.0, -1.0]
    assert values(log, "dact") == [0.0, 0.0]
    assert total(log) == 2.0


def test_sigmoid_hidden_layer_saturates() -> None:
    raw = {"network": {"layers": [1, 2, 1], "activation": "sigmoid", "bias": "per_neuron",
                       "weights": [[[1000], [-1000]], [[0.5, 0.5]]], "biases": [[0, 0], [0]]},
           "training": {"learning_rate": 0.1}, "data": [{"input": [1], "target": [1]}]}
    log = traced(raw)
    assert_finite(log)
    assert [e.value for e in log.select(kind="out", layer=1)] == [1.0, 0.0]
    assert [e.value for e in log.select(kind="dw", layer=1)] == [0.0, 0.0]


def test_softmax_uses_log_sum_exp() -> None:
    log = traced(one_layer("softmax", [1000, -1000, 999], [0, 0, 1], "cross_entropy"))
    out = values(log, "out")
    assert out == pytest.approx([E / (E + 1), 0.0, 1 / (E + 1)], rel=1e-15, abs=1e-300)
    assert sum(out) == pytest.approx(1.0, rel=1e-15)
    assert total(log) == pytest.approx(math.log(1 + E), rel=1e-14)  # -ln(e^999 / (e^1000 + e^999))
    assert values(log, "dnet") == pytest.approx([E / (E + 1), 0.0, 1 / (E + 1) - 1], rel=1e-14)
    assert_finite(log)


def test_cross_entropy_of_a_vanishing_class_is_finite() -> None:
    """Target class at net -1000: loss = 1000 + ln(e^1000 + e^999 + e^-1000) - 1000·0 ... = 2000 + ln(1 + 1/e)."""
    log = traced(one_layer("softmax", [1000, -1000, 999], [0, 1, 0], "cross_entropy"))
    assert total(log) == pytest.approx(2000 + math.log(1 + 1 / E), rel=1e-15)
    assert values(log, "dnet") == pytest.approx([E / (E + 1), -1.0, 1 / (E + 1)], rel=1e-14)
    assert values(log, "dw") == pytest.approx([E / (E + 1), -1.0, 1 / (E + 1)], rel=1e-14)
    new_w = [e.value for e in log.select(kind="new_w")]
    assert new_w == pytest.approx([1000 - 0.1 * E / (E + 1), -1000 + 0.1, 999 - 0.1 / (E + 1)], rel=1e-15)
    # ∂E/∂out of the vanishing class is -1/e^-2000: beyond any float, so -inf; everything after it is finite
    assert_finite(log, skip=("dout",))
    assert [e.value for e in log.select(kind="dout")] == [0.0, -math.inf, 0.0]


def test_softmax_with_squared_error_at_extremes() -> None:
    log = traced(one_layer("softmax", [1000, -1000], [0.0, 1.0], "half_squared_error"))
    assert_finite(log)
    o = [1.0, 0.0]
    assert values(log, "out") == o
    # δ_j = o_j (g_j - Σ o_k g_k), g = o - t = (1, -1): δ = (1·(1 - 1), 0) = (0, 0)
    assert values(log, "dnet") == [0.0, 0.0]


@pytest.mark.parametrize("weights,target,loss_per_output,delta", [
    ([1000, -1000], [0, 1], [1000.0, 1000.0], [1.0, -1.0]),   # confidently wrong
    ([1000, -1000], [1, 0], [0.0, 0.0], [0.0, 0.0]),          # confidently right: e^-1000 ≈ 0
    ([1000, -1000], [0.25, 0.75], [750.0, 750.0], [0.75, -0.75]),
])
def test_binary_cross_entropy_uses_softplus_and_o_minus_t(weights, target, loss_per_output, delta) -> None:
    log = traced(one_layer("sigmoid", weights, target, "binary_cross_entropy"))
    assert [e.value for e in log.select(kind="loss") if e.neuron is not None] == pytest.approx(loss_per_output,
                                                                                              rel=1e-15)
    assert total(log) == pytest.approx(sum(loss_per_output), rel=1e-15)
    assert values(log, "dnet") == delta
    assert values(log, "dw") == delta
    assert [e.value for e in log.select(kind="new_w")] == pytest.approx(
        [w - 0.1 * d for w, d in zip(weights, delta)], rel=1e-15)
    # δ is recorded as o − t, so the substitution a walkthrough prints is finite too
    for e in log.select(kind="dnet"):
        assert e.recompute([o.value for o in e.operands]) == e.value
    # ∂E/∂out = (o − t)/(o(1 − o)): ±inf where o saturates against the target, never nan
    for e in log.select(kind="dout"):
        assert not math.isnan(e.value), e.name


def test_binary_cross_entropy_dout_where_output_equals_target() -> None:
    """o = 1 = t: (o − t)/(o(1 − o)) is 0/0 in floats, but the derivative −t/o + (1−t)/(1−o) is −1."""
    log = traced(one_layer("sigmoid", [1000, -1000], [1, 0], "binary_cross_entropy"))
    assert [e.value for e in log.select(kind="dout")] == [-1.0, 1.0]


def test_large_inputs_through_a_deep_network() -> None:
    raw = {"network": {"layers": [2, 2, 2], "activation": ["tanh", "softmax"], "bias": "per_layer",
                       "weights": [[[1, 1], [1, -1]], [[600, 0], [-600, 0]]], "biases": [0, 0]},
           "loss": "cross_entropy", "training": {"learning_rate": 0.1},
           "data": [{"input": [500, 400], "target": [0, 1]}]}
    log = traced(raw)
    assert [e.value for e in log.select(kind="out", layer=1)] == [1.0, 1.0]
    assert total(log) == pytest.approx(1200.0, rel=1e-15)
    assert_finite(log, skip=("dout",))
    json_text = log.to_json()
    assert "NaN" not in json_text
