"""Every elementwise activation against an independent numpy formula and finite differences.

One row per activation (softplus and ELU were added as one class each: this table is all
the rest they needed). Each row gives the problem-file spec and the reference written
here from the textbook definitions, not from tracer's code. For each row:

- value and derivative on a grid of net inputs equal the reference formula (1e-15);
- the derivative equals the central difference of the reference value (1e-7);
- a 2-2-1 network with the activation traces to the reference forward pass, and every
  weight and bias gradient in the log equals the central difference of the loss;
- the problem file's spec round-trips through ``Problem.to_dict``, and each walkthrough
  style renders the network (the symbolic style from the class's sympy forms).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from tracer.engine.trace import trace
from tracer.model.activations import ACTIVATIONS
from tracer.model.problem import Problem
from tracer.render import RenderOptions, render_text

Fn = Callable[[float], float]


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


#: (problem-file spec, f, f'), written from the definitions.
TABLE: list[tuple[Any, Fn, Fn]] = [
    ("sigmoid", _sigmoid, lambda x: _sigmoid(x) * (1 - _sigmoid(x))),
    ("tanh", math.tanh, lambda x: 1 - math.tanh(x) ** 2),
    ("linear", lambda x: x, lambda x: 1.0),
    ("relu", lambda x: max(0.0, x), lambda x: 1.0 if x > 0 else 0.0),
    ({"name": "leaky_relu", "alpha": 0.1}, lambda x: x if x > 0 else 0.1 * x, lambda x: 1.0 if x > 0 else 0.1),
    # softplus(x) = ln(1 + e^x), softplus'(x) = σ(x)
    ("softplus", lambda x: math.log1p(math.exp(x)), _sigmoid),
    # ELU(x) = x (x > 0), α(e^x − 1) otherwise; ELU'(x) = 1 (x > 0), α·e^x otherwise
    ({"name": "elu", "alpha": 1.0}, lambda x: x if x > 0 else math.expm1(x), lambda x: 1.0 if x > 0 else math.exp(x)),
    ({"name": "elu", "alpha": 0.5}, lambda x: x if x > 0 else 0.5 * math.expm1(x),
     lambda x: 1.0 if x > 0 else 0.5 * math.exp(x)),
]
IDS = [spec if isinstance(spec, str) else f"{spec['name']}-{spec['alpha']}" for spec, _, _ in TABLE]
#: Net inputs away from 0, where the kinked functions have no derivative.
GRID = np.array([-6.0, -2.5, -1.0, -0.3, -0.01, 0.02, 0.4, 1.0, 3.0, 7.5])


def _activation(spec: Any):
    if isinstance(spec, str):
        return ACTIVATIONS[spec]()
    return ACTIVATIONS[spec["name"]](**{k: v for k, v in spec.items() if k != "name"})


@pytest.mark.parametrize(("spec", "f", "df"), TABLE, ids=IDS)
def test_value_and_derivative_match_the_formula(spec: Any, f: Fn, df: Fn) -> None:
    act = _activation(spec)
    out = act.forward(GRID)
    slope = act.derivative(GRID, out)
    for x, got, dgot in zip(GRID.tolist(), out.tolist(), slope.tolist()):
        assert math.isclose(got, f(x), rel_tol=1e-15, abs_tol=1e-300), (x, got, f(x))
        assert math.isclose(dgot, df(x), rel_tol=1e-15, abs_tol=1e-300), (x, dgot, df(x))
        h = 1e-6
        central = (f(x + h) - f(x - h)) / (2 * h)
        assert math.isclose(dgot, central, rel_tol=1e-7, abs_tol=1e-9), (x, dgot, central)


@pytest.mark.parametrize(("spec", "f", "df"), TABLE, ids=IDS)
def test_far_inputs_stay_finite(spec: Any, f: Fn, df: Fn) -> None:
    act = _activation(spec)
    far = np.array([-1000.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is right
        out = act.forward(far)
        assert np.all(np.isfinite(out)) and np.all(np.isfinite(act.derivative(far, out)))


W1 = [[0.3, -0.8], [0.5, 0.2]]
W2 = [[0.7, -0.4]]
B1 = [0.1, -0.2]
B2 = [0.05]
X, T = [0.6, 0.9], [0.25]


def _problem(spec: Any, lr: float = 0.5) -> Problem:
    return Problem.from_dict({
        "network": {"layers": [2, 2, 1], "activation": [spec, spec], "weights": [W1, W2], "biases": [B1, B2]},
        "loss": "half_squared_error", "training": {"learning_rate": lr},
        "data": [{"input": X, "target": T}],
    })


def _loss(f: Fn, w1: list[list[float]], b1: list[float], w2: list[list[float]], b2: list[float]) -> float:
    hidden = [f(sum(w * x for w, x in zip(row, X)) + b) for row, b in zip(w1, b1)]
    out = f(sum(w * h for w, h in zip(w2[0], hidden)) + b2[0])
    return 0.5 * (T[0] - out) ** 2


@pytest.mark.parametrize(("spec", "f", "df"), TABLE, ids=IDS)
def test_a_small_network_traces_to_the_reference(spec: Any, f: Fn, df: Fn) -> None:
    log = trace(_problem(spec))
    # forward pass: every out is f(net), every dact f'(net)
    for e in log.select(kind="out"):
        net = log.entries[e.operands[0].entry].value
        assert math.isclose(e.value, f(net), rel_tol=1e-15, abs_tol=1e-300), e.name
    for e in log.select(kind="dact"):
        assert math.isclose(e.value, df(e.operands[0].value), rel_tol=1e-15, abs_tol=1e-300), e.name
    assert math.isclose(log.select(kind="loss", neuron=None)[0].value, _loss(f, W1, B1, W2, B2), rel_tol=1e-14)
    # every gradient: the central difference of the reference loss
    params = {1: (W1, B1), 2: (W2, B2)}
    h = 1e-6
    for e in log.select(kind="dw") + log.select(kind="db"):
        def bumped(step: float, e: Any = e) -> float:
            copies = {l: ([list(r) for r in w], list(b)) for l, (w, b) in params.items()}
            w, b = copies[e.layer]
            if e.kind == "dw":
                w[e.neuron - 1][e.source - 1] += step
            else:
                b[e.neuron - 1] += step
            return _loss(f, *copies[1], *copies[2])
        central = (bumped(h) - bumped(-h)) / (2 * h)
        assert math.isclose(e.value, central, rel_tol=1e-6, abs_tol=1e-9), (e.name, e.value, central)
    # the update is plain gradient descent
    for e in log.select(kind="new_w"):
        old, eta, grad = (o.value for o in e.operands)
        assert e.value == old - 0.5 * grad and eta == 0.5


@pytest.mark.parametrize(("spec", "f", "df"), TABLE, ids=IDS)
def test_spec_round_trips_and_every_style_renders(spec: Any, f: Fn, df: Fn) -> None:
    problem = _problem(spec)
    assert problem.to_dict()["network"]["activation"] == [spec, spec]
    assert Problem.from_dict(problem.to_dict()).activations == problem.activations
    log = trace(problem)
    symbol = problem.activations[0].symbol
    for style in ("narrative", "chain-rule", "matrix", "symbolic"):
        text = render_text(log, "md", RenderOptions(style=style)).text
        assert log.entries[-1].shown in text or style == "symbolic"
        if style == "matrix":
            assert symbol in text or problem.activations[0].name == "linear"


def test_alpha_belongs_to_the_activations_that_take_it() -> None:
    with pytest.raises(Exception, match=r"found alpha for softplus, which takes no parameters; "
                                        r"expected only 'name' \(alpha is for leaky_relu and elu\)"):
        _problem({"name": "softplus", "alpha": 0.5})
    with pytest.raises(Exception, match=r"network.activation\[0\].alpha: found 0; expected a scale for the "
                                        r"negative side greater than 0"):
        _problem({"name": "elu", "alpha": 0})


@pytest.mark.parametrize(("spec", "net", "flaw"), [
    ("relu", 0.04, "is within 0.05 of the kink of relu"),
    ("relu", -0.06, None),
    ({"name": "leaky_relu", "alpha": 0.1}, -0.01, "is within 0.05 of the kink of leaky_relu"),
    ("sigmoid", -4.2, "saturates sigmoid (beyond ±4)"),
    ("tanh", 3.9, None),
    ("linear", 0.0, None),
    ("softplus", -4.5, "saturates softplus (below -4)"),
    ("softplus", 9.0, None),  # softplus is not flat to the right: slope σ(9) ≈ 1
    ({"name": "elu", "alpha": 1.0}, 0.03, "is within 0.05 of the kink of elu"),
    ({"name": "elu", "alpha": 1.0}, -4.5, "saturates elu (below -4)"),
    ({"name": "elu", "alpha": 1.0}, 6.0, None),
])
def test_variant_rules(spec: Any, net: float, flaw: str | None) -> None:
    """What a randomized variant must avoid, as each class states it (tracer variants)."""
    assert _activation(spec).variant_flaw(net) == flaw
