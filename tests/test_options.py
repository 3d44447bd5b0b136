"""Every option of the problem file, alone and in the combinations that make sense.

Numbers are checked against the independent numpy reference (``tests/reference.py``);
structure (which entries exist, their example/neuron fields, the JSON) against issue 2.
"""
from __future__ import annotations

import copy
import itertools
import json
import math

import pytest

from tests.arithmetic import adds_up
from tests.reference import Net, close, entry_key, finite_difference, np_forward, params_from_problem, train
from tracer.engine.rounding import Rounding
from tracer.engine.trace import trace
from tracer.errors import ProblemError
from tracer.model.problem import Problem

KINDS = {"net", "out", "loss", "error", "dout", "dact", "dnet", "dw", "db", "new_w", "new_b"}
ENTRY_KEYS = {"kind", "step", "epoch", "example", "layer", "neuron", "source", "name", "latex", "formula",
              "substitution", "value", "shown", "depends_on"}
TOP_KEYS = {"format", "version", "problem", "entries", "history", "final"}

DATA5 = [([0.1, 0.9], [0.3]), ([0.8, -0.2], [0.7]), ([-0.5, 0.4], [0.1]), ([0.6, 0.6], [0.9]),
         ([0.0, -0.7], [0.4])]


def base(**changes) -> dict:
    """A 2-3-1 sigmoid network with per-neuron biases and two examples; ``changes`` patch it."""
    raw = {
        "network": {"layers": [2, 3, 1], "activation": "sigmoid", "bias": "per_neuron",
                    "weights": [[[0.1, -0.4], [0.7, 0.2], [-0.3, 0.5]], [[0.6, -0.8, 0.3]]],
                    "biases": [[0.1, -0.2, 0.05], [0.3]]},
        "loss": "half_squared_error",
        "training": {"learning_rate": 0.5},
        "data": [{"input": [0.5, -0.2], "target": [0.8]}, {"input": [-0.1, 0.9], "target": [0.2]}],
    }
    for path, value in changes.items():
        node = raw
        *parents, last = path.split("__")
        for p in parents:
            node = node[p]
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return raw


def run(raw: dict):
    return trace(Problem.from_dict(copy.deepcopy(raw)))


def net_of(raw: dict) -> Net:
    """The reference's view of a (resolved) problem dict."""
    n = raw["network"]
    acts = n.get("activation", "sigmoid")
    acts = acts if isinstance(acts, list) else [acts] * (len(n["layers"]) - 1)
    acts = tuple((a["name"], a.get("alpha", 0.01)) if isinstance(a, dict) else
                 (a, 0.01 if a == "leaky_relu" else 0) for a in acts)
    return Net(tuple(n["layers"]), acts, n.get("bias", "per_neuron"), raw.get("loss", "half_squared_error"))


def data_of(raw: dict) -> list:
    return [(d["input"], d["target"]) for d in raw["data"]]


def reference_run(raw: dict):
    """The reference training run of a resolved problem dict (the JSON's ``problem``)."""
    net = net_of(raw)
    t = raw["training"]
    return net, train(net, params_from_problem(net, raw), data_of(raw), t["learning_rate"], t.get("epochs", 1),
                      t.get("batch_size", 1), t.get("update_biases", True))


def assert_forward_matches(log, net: Net, params: dict, data, step: int = 1) -> None:
    for k, (x, _) in enumerate(data, 1):
        nets, outs = np_forward(net, params, x)
        for e in log.select(kind="net", step=step, example=k):
            assert close(e.value, nets[e.layer][e.neuron - 1]), e.name
        for e in log.select(kind="out", step=step, example=k):
            assert close(e.value, outs[e.layer][e.neuron - 1]), e.name


def assert_final_matches(log, net: Net, last: dict, rel: float = 1e-7) -> None:
    for l, m in enumerate(log.final_weights, 1):
        for j, row in enumerate(m, 1):
            for i, w in enumerate(row, 1):
                assert math.isclose(w, last[("w", l, j, i)], rel_tol=rel, abs_tol=1e-9)
    for key in net.param_keys():
        if key[0] == "b":
            l, j = key[1], key[2]
            got = log.final_biases[l - 1][0 if j is None else j - 1]
            assert math.isclose(got, last[key], rel_tol=rel, abs_tol=1e-9)


def rejected(raw: dict, *words: str) -> None:
    with pytest.raises(ProblemError) as info:
        Problem.from_dict(copy.deepcopy(raw))
    message = str(info.value)
    for w in words:
        assert w in message, message


# --- activations ----------------------------------------------------------------
ACTIVATION_FORMS = {
    "one-name": ("tanh", [("tanh", 0), ("tanh", 0)], ["tanh", "tanh"]),
    "list": (["relu", "linear"], [("relu", 0), ("linear", 0)], ["relu", "linear"]),
    "mapping-for-all": ({"name": "leaky_relu", "alpha": 0.2}, [("leaky_relu", 0.2)] * 2,
                        [{"name": "leaky_relu", "alpha": 0.2}] * 2),
    "list-with-mapping": ([{"name": "leaky_relu", "alpha": 0.3}, "sigmoid"], [("leaky_relu", 0.3), ("sigmoid", 0)],
                          [{"name": "leaky_relu", "alpha": 0.3}, "sigmoid"]),
    "leaky-default-alpha": (["leaky_relu", "tanh"], [("leaky_relu", 0.01), ("tanh", 0)],
                            [{"name": "leaky_relu", "alpha": 0.01}, "tanh"]),
    "mapping-without-alpha": ([{"name": "tanh"}, {"name": "sigmoid"}], [("tanh", 0), ("sigmoid", 0)],
                              ["tanh", "sigmoid"]),
}


@pytest.mark.parametrize("form", ACTIVATION_FORMS)
def test_activation_forms(form: str) -> None:
    spec, acts, resolved = ACTIVATION_FORMS[form]
    raw = base(network__activation=spec)
    log = run(raw)
    assert log.problem.to_dict()["network"]["activation"] == resolved
    net = Net((2, 3, 1), tuple(acts), "per_neuron", "half_squared_error")
    params = params_from_problem(net, raw)
    assert_forward_matches(log, net, params, data_of(raw))
    # the hidden layer has a negative and a positive net: both branches of (leaky) ReLU are used
    nets = [e.value for e in log.select(kind="net", layer=1, step=1)]
    assert min(nets) < 0 < max(nets)
    grads = finite_difference(net, params, data_of(raw)[:1])
    for e in log.select(kind="dw", step=1) + log.select(kind="db", step=1):
        assert math.isclose(e.value, grads[entry_key(e)], rel_tol=1e-5, abs_tol=1e-8), e.name


def test_leaky_relu_slope_below_zero() -> None:
    log = run(base(network__activation=[{"name": "leaky_relu", "alpha": 0.2}, "sigmoid"]))
    for net_e, out_e, dact in zip(log.select(kind="net", layer=1, step=1, example=1),
                                  log.select(kind="out", layer=1, step=1, example=1),
                                  log.select(kind="dact", layer=1, step=1, example=1)):
        slope = 1.0 if net_e.value > 0 else 0.2
        assert out_e.value == pytest.approx(slope * net_e.value, rel=1e-15)
        assert dact.value == slope


@pytest.mark.parametrize("activation,slope", [("relu", 0.0), ({"name": "leaky_relu", "alpha": 0.25}, 0.25)])
def test_relu_derivative_at_zero_is_the_left_slope(activation, slope: float) -> None:
    """net = 0.5·1 - 0.5·1 + 0 = 0 exactly: out 0, derivative 0 (ReLU) or alpha (leaky)."""
    raw = base(network__activation=[activation, "linear"], network__weights=[[[0.5, -0.5]] * 3, [[1, 1, 1]]],
               data=[{"input": [1, 1], "target": [1]}], network__biases=[[0, 0, 0], [0]])
    log = run(raw)
    assert [e.value for e in log.select(kind="net", layer=1)] == [0.0] * 3
    assert [e.value for e in log.select(kind="out", layer=1)] == [0.0] * 3
    assert [e.value for e in log.select(kind="dact", layer=1)] == [slope] * 3
    assert [e.value for e in log.select(kind="dw", layer=1)] == [-1.0 * slope] * 6


@pytest.mark.parametrize("raw,words", [
    (base(network__activation=["softmax", "sigmoid"]), ["softmax", "output layer"]),
    (base(loss="cross_entropy"), ["cross_entropy", "softmax"]),
    (base(loss="binary_cross_entropy", data=[{"input": [0, 1], "target": [1.5]}]), ["1.5"]),
    (base(loss="binary_cross_entropy", network__activation=["sigmoid", "tanh"]), ["binary_cross_entropy"]),
    (base(network__activation={"name": "sigmoid", "alpha": 0.1}), ["alpha"]),
    (base(network__layers=[2, 3, 2], network__weights=[[[0.1, 0.2]] * 3, [[0.1, 0.2, 0.3]] * 2],
          network__biases=[[0, 0, 0], [0, 0]], network__activation=["sigmoid", "softmax"], loss="cross_entropy",
          data=[{"input": [0, 1], "target": [0.5, 0.6]}]), ["add up to 1"]),
], ids=["softmax-hidden", "ce-without-softmax", "bce-target-range", "bce-without-sigmoid", "alpha-on-sigmoid",
        "ce-targets-not-a-distribution"])
def test_combinations_that_make_no_sense_are_rejected(raw: dict, words: list[str]) -> None:
    rejected(raw, *words)


# --- bias modes -------------------------------------------------------------------
def _bias_raw(mode: str) -> dict:
    biases = {"per_neuron": [[0.1, -0.2, 0.05], [0.3]], "per_layer": [0.1, 0.3], "none": None}[mode]
    return base(network__bias=mode, network__biases=biases)


@pytest.mark.parametrize("mode", ["per_neuron", "per_layer", "none"])
@pytest.mark.parametrize("update_biases", [True, False])
def test_bias_modes(mode: str, update_biases: bool) -> None:
    raw = _bias_raw(mode)
    raw["training"]["update_biases"] = update_biases
    log = run(raw)
    net, steps = reference_run(raw)
    db = log.select(kind="db", step=1)
    new_b = log.select(kind="new_b", step=1)
    if mode == "none":
        assert db == [] and new_b == []
        assert all(len(e.operands) == 2 * 2 for e in log.select(kind="net", layer=1))
        assert log.problem.to_dict()["network"].get("biases") is None
    elif mode == "per_layer":
        assert [(e.layer, e.neuron) for e in db] == [(2, None), (1, None)]
        for e in db:  # the shared bias's gradient is the sum of its layer's deltas
            deltas = log.select(kind="dnet", layer=e.layer, step=1, example=1)
            assert e.value == pytest.approx(sum(d.value for d in deltas), rel=1e-12)
            assert sorted(e.depends_on) == sorted(d.index for d in deltas)
        assert log.problem.to_dict()["network"]["biases"] == [0.1, 0.3]
    else:
        assert [(e.layer, e.neuron) for e in db] == [(2, 1), (1, 1), (1, 2), (1, 3)]
    assert len(new_b) == (len(db) if update_biases else 0)
    for e in db:
        assert math.isclose(e.value, steps[0].per_example[0][entry_key(e)], rel_tol=1e-5, abs_tol=1e-9)
    assert_final_matches(log, net, steps[-1].after)
    initial = [list(b) for b in log.problem.biases]
    assert (log.final_biases != initial) == (update_biases and mode != "none")


# --- init ---------------------------------------------------------------------------
INITS = {
    "uniform-default": {"seed": 7},
    "uniform-range": {"distribution": "uniform", "low": -0.5, "high": 0.5, "seed": 1, "decimals": 3},
    "normal": {"distribution": "normal", "mean": 0.0, "std": 0.3, "seed": 11, "decimals": 2},
    "normal-1-decimal": {"distribution": "normal", "mean": 1.0, "std": 0.5, "seed": 5, "decimals": 1},
}


def _init_raw(spec: dict, bias: str = "per_neuron") -> dict:
    return base(network__weights=None, network__biases=None, network__init=spec, network__bias=bias)


@pytest.mark.parametrize("name", INITS)
@pytest.mark.parametrize("bias", ["per_neuron", "per_layer", "none"])
def test_init_is_deterministic_resolved_and_used(name: str, bias: str) -> None:
    spec = INITS[name]
    log = run(_init_raw(spec, bias))
    resolved = json.loads(log.to_json())["problem"]
    assert "init" not in resolved["network"]
    weights = resolved["network"]["weights"]
    assert [len(m) for m in weights] == [3, 1] and [len(m[0]) for m in weights] == [2, 3]
    values = [w for m in weights for row in m for w in row]
    biases = resolved["network"].get("biases")
    if bias == "none":
        assert biases is None
    else:
        flat = biases if bias == "per_layer" else [b for bs in biases for b in bs]
        assert len(flat) == (2 if bias == "per_layer" else 4)
        values += flat
    decimals = spec.get("decimals", 2)
    assert all(round(v, decimals) == v for v in values)
    if spec.get("distribution", "uniform") == "uniform":
        assert all(spec.get("low", 0) <= v <= spec.get("high", 1) for v in values)
    else:
        mean, std = spec["mean"], spec["std"]
        assert all(abs(v - mean) <= 6 * std for v in values)
    assert len(set(values)) > 2  # drawn, not constant

    # the same seed gives the same run, byte for byte; another seed other weights
    assert run(_init_raw(spec, bias)).to_json() == log.to_json()
    other = run(_init_raw({**spec, "seed": spec["seed"] + 1}, bias))
    assert other.problem.weights != log.problem.weights

    # the trace uses exactly the resolved weights: the JSON's problem reproduces it
    assert run(resolved).to_dict()["entries"] == log.to_dict()["entries"]
    net = net_of(resolved)
    assert_forward_matches(log, net, params_from_problem(net, resolved), data_of(resolved))


# --- epochs and batches -----------------------------------------------------------------
@pytest.mark.parametrize("epochs,batch_size,steps", [
    (1, 1, [[1], [2], [3], [4], [5]]),
    (1, 2, [[1, 2], [3, 4], [5]]),
    (2, 3, [[1, 2, 3], [4, 5], [1, 2, 3], [4, 5]]),
    (3, 5, [[1, 2, 3, 4, 5]] * 3),
])
def test_epochs_and_batches(epochs: int, batch_size: int, steps: list[list[int]]) -> None:
    raw = base(data=[{"input": x, "target": t} for x, t in DATA5],
               training={"learning_rate": 0.5, "epochs": epochs, "batch_size": batch_size})
    log = run(raw)
    net, ref = reference_run(log.problem.to_dict())
    assert [s.examples for s in ref] == steps
    assert [h["step"] for h in log.history] == list(range(1, len(steps) + 1))
    per_epoch = len(steps) // epochs
    assert [h["epoch"] for h in log.history] == [1 + k // per_epoch for k in range(len(steps))]
    assert [h["example"] for h in log.history] == [b[0] if len(b) == 1 else None for b in steps]
    for h, s in zip(log.history, ref):
        assert math.isclose(h["loss"], sum(s.losses) / len(s.losses), rel_tol=1e-9)
    for s in ref:
        averaged = log.select(kind="dw", step=s.number, example=None)
        if len(s.examples) == 1:
            assert averaged == []
            used = log.select(kind="dw", step=s.number, example=s.examples[0])
        else:  # averaged over this batch's own size, however small the last batch is
            used = averaged
            for e in averaged:
                assert len(e.operands) == len(s.examples)
                assert e.value == pytest.approx(sum(o.value for o in e.operands) / len(s.examples), rel=1e-12)
        assert {e.example for e in log.select(step=s.number, kind="net")} == set(s.examples)
        for e in used:
            assert math.isclose(e.value, s.mean[entry_key(e)], rel_tol=1e-5, abs_tol=1e-9), (s.number, e.name)
        for e in log.select(kind="new_w", step=s.number):
            assert math.isclose(e.value, s.after[entry_key(e)], rel_tol=1e-9, abs_tol=1e-10)
    assert_final_matches(log, net, ref[-1].after)


def test_batch_size_larger_than_the_data_is_rejected() -> None:
    rejected(base(training={"learning_rate": 0.5, "batch_size": 3}), "batch_size", "3")


# --- show_steps ---------------------------------------------------------------------
def _steps_raw(total: int, show=None) -> dict:
    raw = base(training={"learning_rate": 0.5, "epochs": total},
               data=[{"input": [0.5, -0.2], "target": [0.8]}])
    if show is not None:
        raw["show_steps"] = show
    return raw


@pytest.mark.parametrize("total,show,recorded", [
    (12, "all", list(range(1, 13))),
    (12, [2, "last"], [2, 12]),
    (12, [5], [5]),
    (12, "last", [12]),
    (12, ["last", 1], [1, 12]),
    (10, None, list(range(1, 11))),   # default: all when there are at most 10 steps
    (11, None, [1, 11]),              # else the first and the last
    (1, None, [1]),
])
def test_show_steps(total: int, show, recorded: list[int]) -> None:
    log = run(_steps_raw(total, show))
    assert log.steps == recorded
    assert [h["step"] for h in log.history] == list(range(1, total + 1))
    assert log.problem.to_dict()["show_steps"] == recorded
    # a recorded late step starts from the weights the unrecorded steps left
    net, ref = reference_run(log.problem.to_dict())
    for step in recorded:
        assert_forward_matches(log, net, ref[step - 1].before, data_of(log.problem.to_dict()), step=step)
        assert len(log.select(step=step, kind="new_w")) == 9


def test_show_steps_beyond_the_run_is_rejected() -> None:
    rejected(_steps_raw(3, [4]), "show_steps")


def test_log_lookup_by_step() -> None:
    log = run(_steps_raw(3, "all"))
    assert log["out_h1@2"].step == 2 and log["out_h1"].step == 1
    assert log["out_h1@2"].value != log["out_h1@1"].value


# --- notation ---------------------------------------------------------------------------
PRESET_NAMES = {  # (kind, layer, neuron, source) -> name, per preset
    "letters": {("net", 1, 1, None): "net_h1", ("out", 2, 1, None): "out_o1", ("dw", 2, 1, 3): "dE/dw9",
                ("new_b", 1, 2, None): "b2+", ("loss", 2, None, None): "E_total"},
    "nodes": {("net", 1, 1, None): "net_n3", ("out", 2, 1, None): "out_n6", ("dw", 2, 1, 3): "dE/dw9",
              ("new_b", 1, 2, None): "b2_new", ("loss", 2, None, None): "E_total"},
    "indexed": {("net", 1, 1, None): "z_11", ("out", 2, 1, None): "a_21", ("loss", 2, None, None): "L"},
    "matrix": {("net", 1, 1, None): "Z1[1]", ("out", 2, 1, None): "A2[1]", ("dw", 2, 1, 3): "dW2[1,3]",
               ("loss", 2, None, None): "L"},
    "narrative": {("net", 1, 1, None): "net1_h", ("out", 2, 1, None): "output_o",
                  ("dw", 2, 1, 3): "grad_hidden_to_output_3", ("loss", 2, None, None): "total_loss"},
}


def _located(log) -> dict:
    return {(e.kind, e.layer, e.neuron, e.source): e for e in log.select(step=1, example=1)}


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_notation_presets_rename_but_never_change_numbers(preset: str) -> None:
    letters = run(base())
    log = run(base(notation=preset))
    assert [(e.kind, e.layer, e.neuron, e.source, e.value, e.shown) for e in log] == \
        [(e.kind, e.layer, e.neuron, e.source, e.value, e.shown) for e in letters]
    located = _located(log)
    for where, name in PRESET_NAMES[preset].items():
        assert located[where].name == name
    # names identify an entry within its step and example
    for (step, example), group in itertools.groupby(log, key=lambda e: (e.step, e.example)):
        names = [e.name for e in group]
        assert len(names) == len(set(names)), (preset, step, example)


def test_notation_override_renames_derived_names() -> None:
    log = run(base(notation={"preset": "nodes", "net": "z_$node"}))
    located = _located(log)
    assert located[("net", 1, 1, None)].name == "z_n3"
    assert located[("dact", 1, 1, None)].name == "dout_n3/dz_n3"
    assert log.problem.to_dict()["notation"] == {"preset": "nodes", "net": "z_$node"}


def test_unknown_notation_preset_is_rejected() -> None:
    rejected(base(notation="leters"), "letters")


# --- rounding --------------------------------------------------------------------------
@pytest.mark.parametrize("digits,mode,value,shown", [
    (2, "round", 0.125, "0.13"),          # half up, as a student rounds (binary 0.125 is exact)
    (2, "round", -0.125, "-0.13"),
    (2, "round", 2.675, "2.68"),          # the double nearest 2.675 is 2.67499999...
    (2, "round", 0.3 - 0.1 - 0.075, "0.13"),  # 0.12499999999999997 is 0.125 to a hand computation
    (4, "round", 0.5932699921, "0.5933"),
    (4, "round", 0.0, "0"),
    (3, "round", 1.0, "1"),
    (4, "round", 3e-6, "0.000003000"),    # a tiny value stays visible, at four significant figures
    (4, "round", 0.5, "0.5000"),          # every decimal it is rounded to (issue 11 §1)
    (2, "round", 0.6, "0.60"),
    (4, "round", 0.001, "0.001000"),      # four figures, as 0.001691 beside it
    (2, "round", 0.9996, "1.00"),         # rounded to a whole number: still two decimals
    (4, "round", -12.0, "-12"),           # a whole number prints as one
    (2, "truncate", 0.129, "0.12"),
    (2, "truncate", -0.129, "-0.12"),
    (2, "truncate", 1 - 0.78, "0.22"),    # 0.21999999999999997 in binary
    (2, "truncate", 0.6456563062257954, "0.64"),
    (3, "significant", 0.00123456, "0.00123"),
    (3, "significant", 123456.0, "123000"),
    (3, "significant", -0.0456789, "-0.0457"),
    (2, "significant", 0.125, "0.13"),
])
def test_rounding_show(digits: int, mode: str, value: float, shown: str) -> None:
    assert Rounding(digits, mode).show(value) == shown


@pytest.mark.parametrize("value,shown", [(0.5, "0.5"), (0.5932699921, "0.5933"), (3e-6, "0.000003"), (0.0, "0")])
def test_rounding_show_without_trailing_zeros(value: float, shown: str) -> None:
    """rounding.trailing_zeros: false drops them, as Mazur's tutorial prints net_h1 = 0.3775."""
    assert Rounding(4, "round", trailing_zeros=False).show(value) == shown


def _two_outputs(**changes) -> dict:
    """base() with a 2-neuron output layer (for softmax) and soft targets that sum to 1."""
    return base(network__layers=[2, 3, 2], network__weights=[[[0.1, -0.4], [0.7, 0.2], [-0.3, 0.5]],
                                                             [[0.6, -0.8, 0.3], [0.2, 0.4, -0.5]]],
                network__biases=[[0.1, -0.2, 0.05], [0.3, -0.1]],
                data=[{"input": [0.5, -0.2], "target": [1.0, 0.0]}, {"input": [-0.1, 0.9], "target": [0.3, 0.7]}],
                **changes)


ROUNDING_NETWORKS = {
    "sigmoid-half_squared": base(),
    "per_layer-batch2-2epochs": base(network__bias="per_layer", network__biases=[0.1, 0.3],
                                     training={"learning_rate": 0.5, "batch_size": 2, "epochs": 2}),
    "tanh-sigmoid-bce": base(network__activation=["tanh", "sigmoid"], loss="binary_cross_entropy"),
    "relu-softmax-ce": _two_outputs(network__activation=["relu", "softmax"], loss="cross_entropy"),
    "leaky-softmax-mse": _two_outputs(network__activation=[{"name": "leaky_relu", "alpha": 0.1}, "softmax"],
                                      loss="mean_squared_error"),
    "linear-linear-squared-nobias": base(network__activation="linear", network__bias="none",
                                         network__biases=None, loss="squared_error"),
}


@pytest.mark.parametrize("network", ROUNDING_NETWORKS)
@pytest.mark.parametrize("mode", ["round", "truncate", "significant"])
@pytest.mark.parametrize("carry", [False, True])
def test_rounding_in_a_trace(network: str, mode: str, carry: bool) -> None:
    rounding = Rounding(3, mode, carry)
    raw = {**ROUNDING_NETWORKS[network], "rounding": {"digits": 3, "mode": mode, "carry": carry}}
    log = run(raw)
    assert log.problem.to_dict()["rounding"] == {"digits": 3, "mode": mode, "carry": carry}
    for e in log:
        if e.kind in ("new_w", "new_b"):
            continue  # shown with enough digits that the change is visible (below)
        # the value rounded, unless the line from the printed operands would not give it within
        # one unit (exactly, when carried): then that line's result, rounded (issue 11)
        printed = e.recompute([float(o.shown) for o in e.operands])
        assert adds_up(printed, e.shown, rounding), (e.name, e.shown, printed)
        zero = abs(printed) < 1e-12  # 0 by hand (float noise of -2.8e-17 prints 0)
        assert e.shown in (rounding.show(e.value), rounding.show(0.0 if zero else printed)), e.name
        recomputed = e.recompute([o.value for o in e.operands])
        if carry:  # the value carried on is the rounded one, computed from rounded operands
            assert e.value == rounding.apply(e.value), e.name
            # (a sum that is 0 by hand may come out as ±5e-18 in another summation order; significant
            # figures keep such noise, so values within float noise of the operands also agree)
            noise = 1e-12 * max([1.0] + [abs(o.value) for o in e.operands])
            assert e.value == rounding.apply(recomputed) or abs(e.value - recomputed) <= noise, \
                (e.name, e.value, recomputed)
        else:
            assert math.isclose(e.value, recomputed, rel_tol=1e-12, abs_tol=1e-15), e.name
    if not carry:
        assert any(e.value != rounding.apply(e.value) for e in log)
        full = run(ROUNDING_NETWORKS[network])
        assert [e.value for e in log] == [e.value for e in full]


def test_trailing_zeros_false_is_read_kept_in_json_and_checked() -> None:
    # net_h1 = 0.1·0.5 + (−0.4)·(−0.2) + 0.1 = 0.23: 0.2300 at four decimals, 0.23 without trailing zeros
    assert next(iter(run(base(rounding={"digits": 4})))).shown == "0.2300"
    log = run(base(rounding={"digits": 4, "trailing_zeros": False}))
    assert next(iter(log)).shown == "0.23"
    assert json.loads(log.to_json())["problem"]["rounding"]["trailing_zeros"] is False
    rejected(base(rounding={"trailing_zeros": "no"}), "rounding.trailing_zeros", "true or false")


def test_updates_are_shown_so_that_the_change_is_visible() -> None:
    log = run(base(rounding={"digits": 2}, training={"learning_rate": 0.001}))
    for e in log.select(kind="new_w"):
        before = e.operands[0]
        if e.value != before.value:
            assert e.shown != before.shown, (e.name, e.shown, before.shown)
            decimals = len(e.shown.partition(".")[2])
            # rounded to more digits: the value, or (issue 11) the printed line's result when the
            # value is more than one unit away from it (0.6 - 0.001 · 0.044 = 0.599956, not 0.59999)
            printed = e.recompute([float(o.shown) for o in e.operands])
            assert decimals > 2 and e.shown in (Rounding(decimals).show(e.value), Rounding(decimals).show(printed))
            assert adds_up(printed, e.shown, log.problem.rounding)


# --- the JSON log ---------------------------------------------------------------------
def _full_options() -> dict:
    return base(data=[{"input": x, "target": t} for x, t in DATA5[:3]],
                training={"learning_rate": 0.5, "epochs": 2, "batch_size": 2, "update_biases": True},
                show_steps="all", rounding={"digits": 5, "mode": "round", "carry": False})


def test_json_has_exactly_the_documented_keys_and_kinds() -> None:
    log = run(_full_options())
    text = log.to_json()

    def no_constants(name):
        raise AssertionError(f"{name} is not JSON")

    data = json.loads(text, parse_constant=no_constants)
    assert set(data) == TOP_KEYS
    assert data["format"] == "tracer-trace" and data["version"] == 2  # 2: shown keeps its trailing zeros
    assert {e["kind"] for e in data["entries"]} == KINDS
    for k, e in enumerate(data["entries"]):
        assert set(e) == ENTRY_KEYS
        assert all(0 <= i < k for i in e["depends_on"]), e
        assert isinstance(e["value"], float) and isinstance(e["shown"], str) and e["formula"]
        assert e["example"] is None or 1 <= e["example"] <= 3
        assert (e["source"] is not None) == (e["kind"] in ("dw", "new_w"))
    assert [set(h) for h in data["history"]] == [{"step", "epoch", "example", "loss"}] * 4
    assert set(data["final"]) == {"weights", "biases"}
    assert set(data["problem"]) >= {"title", "network", "loss", "training", "data", "show_steps", "notation",
                                    "rounding"}
    assert data["problem"]["training"] == {"learning_rate": 0.5, "epochs": 2, "batch_size": 2,
                                           "update_biases": True}
    assert text == run(_full_options()).to_json()  # deterministic


def test_entry_order_follows_a_worked_solution() -> None:
    """Per example: net/out per layer, loss, error, then dout, dact, dnet, dw, db from the output back;
    batch averages; then the updates from the output layer back."""
    log = run(_full_options())
    step = [e for e in log if e.step == 1]
    kinds = [(e.kind, e.layer, e.example) for e in step]
    ex1 = [k for k in kinds if k[2] == 1]
    order = [k[0] for k in ex1]
    first = {kind: order.index(kind) for kind in KINDS - {"new_w", "new_b"}}
    assert first["net"] < first["out"] < first["loss"] < first["error"] < first["dout"] < first["dact"] \
        < first["dnet"] < first["dw"] < first["db"]
    assert [k[1] for k in ex1 if k[0] == "dw"] == [2, 2, 2, 1, 1, 1, 1, 1, 1]
    examples = [e.example for e in step]
    assert examples == sorted(examples, key=lambda x: (x is None, x or 0))
    updates = [(e.kind, e.layer) for e in step if e.kind in ("new_w", "new_b")]
    assert updates == [("new_w", 2)] * 3 + [("new_b", 2)] + [("new_w", 1)] * 6 + [("new_b", 1)] * 3
    assert all(e.example is None for e in step if e.kind in ("new_w", "new_b"))
