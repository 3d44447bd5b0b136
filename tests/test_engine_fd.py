"""On random networks every recorded gradient matches central finite differences.

Hypothesis draws the architecture (1 to 4 non-input layers of 1 to 5 neurons), the
activations (softmax only on the output), a loss that fits the output, the bias mode,
the data and the batch size. The reference loss is plain numpy (``tests/reference.py``);
ReLU kinks, where a finite difference is meaningless, are filtered out.
"""
from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.reference import (
    ELEMENTWISE,
    REGRESSION_LOSSES,
    Net,
    entry_key,
    finite_difference,
    min_kink_distance,
    np_batch_loss,
    problem_dict,
    random_data,
    random_params,
)
from tracer.engine.trace import trace
from tracer.model.problem import Problem

HIDDEN = ELEMENTWISE


@st.composite
def activations(draw, depth: int) -> tuple:
    acts = []
    for l in range(depth):
        names = HIDDEN + (("softmax",) if l == depth - 1 else ())
        name = draw(st.sampled_from(names))
        alpha = draw(st.sampled_from([0.01, 0.1, 0.3])) if name == "leaky_relu" else 0
        acts.append((name, alpha))
    return tuple(acts)


@st.composite
def problems(draw):
    depth = draw(st.integers(1, 4))
    layers = tuple(draw(st.lists(st.integers(1, 5), min_size=depth + 1, max_size=depth + 1)))
    acts = draw(activations(depth))
    out = acts[-1][0]
    losses = list(REGRESSION_LOSSES)
    if out == "softmax":
        losses.append("cross_entropy")
    if out == "sigmoid":
        losses.append("binary_cross_entropy")
    net = Net(layers, acts, draw(st.sampled_from(["per_neuron", "per_layer", "none"])),
              draw(st.sampled_from(losses)))
    examples = draw(st.integers(1, 4))
    batch = draw(st.integers(1, examples))
    seed = draw(st.integers(0, 2**32 - 1))
    return net, examples, batch, seed


def _tolerance(fd: float, got: float) -> bool:
    return math.isclose(got, fd, rel_tol=1e-5, abs_tol=1e-7)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_gradients_match_central_differences(case) -> None:
    net, examples, batch_size, seed = case
    rng = np.random.default_rng(seed)
    params = random_params(net, rng)
    data = random_data(net, rng, examples)
    assume(min_kink_distance(net, params, [x for x, _ in data]) > 1e-3)
    lr = 0.1
    log = trace(Problem.from_dict(problem_dict(net, params, data, lr, batch_size=batch_size, show_steps=[1])))
    batch = data[:batch_size]

    # each example's own gradient
    for k in range(1, batch_size + 1):
        fd = finite_difference(net, params, [data[k - 1]])
        entries = log.select(kind="dw", step=1, example=k) + log.select(kind="db", step=1, example=k)
        assert {entry_key(e) for e in entries} == set(net.param_keys())
        for e in entries:
            assert _tolerance(fd[entry_key(e)], e.value), (e.name, e.value, fd[entry_key(e)])

    # the gradient the update uses: the batch mean (example None when the batch has several)
    fd = finite_difference(net, params, batch)
    used = None if batch_size > 1 else 1
    grads = {entry_key(e): e for e in log.select(kind="dw", step=1, example=used)
             + log.select(kind="db", step=1, example=used)}
    assert set(grads) == set(net.param_keys())
    for key, e in grads.items():
        assert _tolerance(fd[key], e.value), (e.name, e.value, fd[key])

    # updates: w - eta * dw, for every parameter
    for e in log.select(kind="new_w", step=1) + log.select(kind="new_b", step=1):
        key = entry_key(e)
        assert math.isclose(e.value, params[key] - lr * grads[key].value, rel_tol=1e-12, abs_tol=1e-15)
        assert math.isclose(e.value, params[key] - lr * fd[key], rel_tol=1e-6, abs_tol=1e-8)

    # the loss entries and the history are the reference loss
    total = [e.value for e in log.select(kind="loss", step=1, neuron=None) if e.example is not None]
    assert np.allclose(total, [np_batch_loss(net, params, [d]) for d in batch], rtol=1e-12, atol=1e-14)
    if batch_size > 1:  # the batch's own loss entry: the mean of its examples' losses
        [mean] = [e for e in log.select(kind="loss", step=1, neuron=None) if e.example is None]
        assert math.isclose(mean.value, np_batch_loss(net, params, batch), rel_tol=1e-12, abs_tol=1e-14)
    assert math.isclose(log.history[0]["loss"], np_batch_loss(net, params, batch), rel_tol=1e-12, abs_tol=1e-14)
