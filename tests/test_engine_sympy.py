"""Every gradient the engine records equals sympy's derivative of the loss, built independently.

For each small network below the test writes the forward pass and the loss in sympy
(``tests/reference.py``: one symbol per weight, bias, input and target), differentiates
with respect to every parameter and evaluates at the parameters of each recorded step.
The reference run applies its own updates, so later steps check that the engine's
updates feed back correctly too. A second group checks that every entry's formula,
substituted formula and ``recompute`` give back the entry's own value: the LaTeX a
walkthrough prints is the computation that produced the number.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
import sympy

from tests.reference import (
    Net,
    Step,
    close,
    entry_key,
    min_kink_distance,
    problem_dict,
    random_data,
    random_params,
    symbolic_loss,
    train,
)
from tracer.engine.trace import trace
from tracer.formula.latex import latex as latex_of
from tracer.formula.tree import Number, Text, Where
from tracer.model.problem import Problem


@dataclass(frozen=True)
class Case:
    id: str
    net: Net
    examples: int = 1
    batch_size: int = 1
    epochs: int = 1
    update_biases: bool = True
    lr: float = 0.5


CASES = [
    Case("sigmoid-per_layer-half_squared", Net((2, 2, 2), (("sigmoid", 0), ("sigmoid", 0)), "per_layer",
                                               "half_squared_error")),
    Case("relu-sigmoid-per_neuron-squared-2steps", Net((2, 3, 2), (("relu", 0), ("sigmoid", 0)), "per_neuron",
                                                       "squared_error"), examples=2),
    Case("tanh-linear-nobias-mse-batch3", Net((3, 2, 2), (("tanh", 0), ("linear", 0)), "none",
                                              "mean_squared_error"), examples=3, batch_size=3, lr=0.1),
    Case("leaky0.1-softmax-cross_entropy-batch2", Net((2, 2, 3), (("leaky_relu", 0.1), ("softmax", 0)),
                                                      "per_neuron", "cross_entropy"), examples=2, batch_size=2),
    Case("tanh-sigmoid-per_layer-bce-lastbatch-2epochs", Net((2, 3, 1), (("tanh", 0), ("sigmoid", 0)),
                                                             "per_layer", "binary_cross_entropy"),
         examples=3, batch_size=2, epochs=2),
    Case("leaky-tanh-softmax-half_squared", Net((2, 2, 2, 2), (("leaky_relu", 0.01), ("tanh", 0), ("softmax", 0)),
                                                "per_layer", "half_squared_error")),
    Case("relu-relu-linear-no_bias_update", Net((1, 2, 2, 1), (("relu", 0), ("relu", 0), ("linear", 0)),
                                                "per_neuron", "squared_error"),
         examples=2, update_biases=False, lr=0.1),
    Case("sigmoid-softmax-mse-nobias", Net((2, 2, 2), (("sigmoid", 0), ("softmax", 0)), "none",
                                           "mean_squared_error")),
    Case("sigmoid-bce-two-outputs-batch2", Net((2, 2, 2), (("sigmoid", 0), ("sigmoid", 0)), "per_neuron",
                                               "binary_cross_entropy"), examples=2, batch_size=2),
    Case("linear-tanh-per_layer-one-neuron-layer", Net((2, 1, 2), (("linear", 0), ("tanh", 0)), "per_layer",
                                                       "mean_squared_error"), examples=2),
]


@dataclass
class Run:
    case: Case
    steps: list[Step]
    log: object
    problem: Problem


def _prepare(case: Case) -> Run:
    """Random parameters and data (seeded), away from any ReLU kink in every step."""
    sym = symbolic_loss(case.net)
    for seed in range(100):
        rng = np.random.default_rng(seed)
        p0 = random_params(case.net, rng)
        data = random_data(case.net, rng, case.examples)
        steps = train(case.net, p0, data, case.lr, case.epochs, case.batch_size, case.update_biases,
                      gradient=sym.gradient, loss=sym.loss)
        if all(min_kink_distance(case.net, s.before, [x for x, _ in data]) > 0.02 for s in steps):
            break
    else:
        raise AssertionError(f"{case.id}: no seed keeps every ReLU away from its kink")
    raw = problem_dict(case.net, p0, data, case.lr, epochs=case.epochs, batch_size=case.batch_size,
                       update_biases=case.update_biases, show_steps="all")
    problem = Problem.from_dict(raw)
    return Run(case, steps, trace(problem), problem)


_RUNS: dict[str, Run] = {}


@pytest.fixture(params=CASES, ids=[c.id for c in CASES])
def run(request) -> Run:
    case = request.param
    if case.id not in _RUNS:
        _RUNS[case.id] = _prepare(case)
    return _RUNS[case.id]


def _by_key(entries) -> dict:
    out: dict = {}
    for e in entries:
        key = entry_key(e)
        assert key not in out, f"two entries for {key}: {e.name}"
        out[key] = e
    return out


def _assert_matches(entries, expected: dict, what: str) -> None:
    got = _by_key(entries)
    assert set(got) == set(expected), f"{what}: entries for {sorted(map(str, got))}, expected {sorted(map(str, expected))}"
    for key, e in got.items():
        assert close(e.value, expected[key]), f"{what} {e.name} {key}: engine {e.value!r}, sympy {expected[key]!r}"


def test_every_step_is_recorded(run: Run) -> None:
    assert run.log.steps == [s.number for s in run.steps]
    assert [h["step"] for h in run.log.history] == [s.number for s in run.steps]


def test_per_example_gradients_equal_sympy_derivatives(run: Run) -> None:
    for s in run.steps:
        for k, grad in zip(s.examples, s.per_example):
            dws = run.log.select(kind="dw", step=s.number, example=k)
            dbs = run.log.select(kind="db", step=s.number, example=k)
            _assert_matches(dws + dbs, grad, f"step {s.number} example {k}")


def test_batch_gradients_are_averaged_with_example_none(run: Run) -> None:
    for s in run.steps:
        averaged = run.log.select(kind="dw", step=s.number, example=None) + \
            run.log.select(kind="db", step=s.number, example=None)
        if len(s.examples) == 1:
            assert averaged == [], "a one-example step has no averaged gradient entries"
            continue
        _assert_matches(averaged, s.mean, f"step {s.number} batch mean")
        for e in averaged:
            assert [run.log[i].example for i in e.depends_on] == s.examples


def test_updates_are_w_minus_eta_times_gradient(run: Run) -> None:
    lr = run.case.lr
    for s in run.steps:
        example = s.examples[0] if len(s.examples) == 1 else None
        new = run.log.select(kind="new_w", step=s.number) + run.log.select(kind="new_b", step=s.number)
        assert all(e.example == example for e in new)
        expected = {k: s.before[k] - lr * s.mean[k] for k in s.before
                    if k[0] == "w" or run.case.update_biases}
        _assert_matches(new, expected, f"step {s.number} update")


def test_biases_move_only_when_update_biases(run: Run) -> None:
    final = run.log.final_biases
    first = [list(b) for b in run.problem.biases]
    if not run.case.update_biases or run.case.net.bias == "none":
        assert final == first
        assert run.log.select(kind="new_b") == []
    else:
        assert final != first


def test_losses_equal_sympy_loss(run: Run) -> None:
    for s in run.steps:
        for k, value in zip(s.examples, s.losses):
            total = run.log.select(kind="loss", step=s.number, example=k, neuron=None)
            assert len(total) == 1 and close(total[0].value, value), (total, value)
        hist = run.log.history[s.number - 1]
        assert close(hist["loss"], math.fsum(s.losses) / len(s.losses))
        assert hist["epoch"] == s.epoch


def test_final_weights_equal_reference_run(run: Run) -> None:
    last = run.steps[-1].after
    net = run.case.net
    for l, m in enumerate(run.log.final_weights, 1):
        for j, row in enumerate(m, 1):
            for i, w in enumerate(row, 1):
                assert close(w, last[("w", l, j, i)])
    assert len(run.log.final_weights) == net.depth


# --- what is shown is what was computed -----------------------------------------
def test_formula_substitution_and_recompute_give_the_value(run: Run) -> None:
    """substituted.doit(), formula at the operand values and recompute() all equal value.

    Steps 1 and 2 cover every op (later steps repeat the same code on other numbers).
    """
    for e in (e for e in run.log if e.step <= 2):
        values = [o.value for o in e.operands]
        assert values, f"{e.name} has no operands"
        tol = dict(rel=1e-9, abs_=1e-12)
        assert close(float(e.substituted.doit()), e.value, **tol), (e.name, e.substituted, e.value)
        subs = {sympy.Symbol(o.name): o.value for o in e.operands}
        assert close(float(e.formula.subs(subs)), e.value, **tol), (e.name, e.formula, e.value)
        assert close(e.recompute(values), e.value, **tol), (e.name, values, e.value)
        # the formula mentions exactly the operands' symbols
        assert e.formula.free_symbols <= set(subs), (e.name, e.formula)


def test_formula_latex_uses_the_symbols_the_sympy_formula_uses(run: Run) -> None:
    """An operand appears in the LaTeX formula exactly when the sympy formula depends on it,
    and the substitution puts in its shown value (unless the substitution states its value
    with a reason in words: a cross-entropy term with target 0 is 0, whatever the output)."""
    for e in run.log:
        latex, sub = e.formula_latex(), e.substitution_latex()
        tree = e.substitution_tree()
        if isinstance(tree, Where) and isinstance(tree.reason, Text):
            assert e.value == 0 and e.operand("target").value == 0, (e.name, sub)
            continue
        used = {s.name for s in e.formula.free_symbols}
        for o in e.operands:
            if o.name in used:
                assert o.latex in latex, (e.name, o.latex, latex)
                # a tiny number is set in powers of ten (-0.00007800 as 7.800 \times 10^{-5})
                assert latex_of(Number(o.shown.lstrip("-"))) in sub, (e.name, o.shown, sub)


def test_depends_on_point_to_earlier_entries(run: Run) -> None:
    """Of the same step, or the step just before's update that made a weight or bias used here
    (step 2's net uses step 1's new_w: the operand's value is that entry's value)."""
    for e in run.log:
        for o in e.operands:
            if o.entry is None:
                continue
            made = run.log[o.entry]
            assert 0 <= o.entry < e.index
            if made.step != e.step:
                assert made.step == e.step - 1 and made.kind in ("new_w", "new_b"), (e.name, made.name)
                assert made.value == o.value


def test_a_step_uses_the_weights_the_step_before_made() -> None:
    """xor-epoch records its four steps: step 2's first net input uses step 1's new weights
    into that neuron (its operands' values are those entries' values), and step 1's uses none."""
    from tracer import Problem, trace
    from tracer.resources import examples_dir
    log = trace(Problem.from_file(examples_dir() / "xor-epoch" / "problem.yaml"))
    first = [e for e in log.entries if e.kind == "net"]
    step1 = next(e for e in first if e.step == 1)
    step2 = next(e for e in first if e.step == 2 and e.neuron == step1.neuron and e.layer == step1.layer)
    assert step1.depends_on == []
    made = [log.entries[i] for i in step2.depends_on]
    assert [(m.kind, m.step, m.layer, m.neuron) for m in made] == [("new_w", 1, 1, step1.neuron)] * len(made)
    assert sorted(m.source for m in made) == list(range(1, log.problem.layers[0] + 1))
    weights = [o.value for o, r in zip(step2.operands, step2.op.roles(len(step2.operands))) if r == "weight"]
    assert weights == [m.value for m in sorted(made, key=lambda m: m.source or 0)]
