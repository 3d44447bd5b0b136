"""Name matching: every preset's names, lenient spellings, steps, examples, never ambiguous."""
from __future__ import annotations

import pytest

from tracer.check.names import NameIndex, split_suffixes
from tracer.check.nodes import Graph
from tracer.engine.trace import trace
from tracer.model.notation import preset_names
from tracer.model.problem import Problem


def problem(notation="letters", layers=(2, 2, 2), bias="per_layer", **extra) -> Problem:
    """The classic 2-2-2 network (or a deeper one with the same numbers repeated)."""
    weights = {(2, 2, 2): [[[0.15, 0.2], [0.25, 0.3]], [[0.4, 0.45], [0.5, 0.55]]],
               (2, 3, 3, 1): [[[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]],
                              [[0.7, 0.1, 0.4], [0.8, 0.2, 0.5], [0.9, 0.3, 0.6]], [[0.7, 0.8, 0.9]]]}[layers]
    biases = {"per_layer": [0.35, 0.6] if len(layers) == 3 else [0.1, -0.5, -0.7],
              "per_neuron": [[0.1] * n for n in layers[1:]], "none": None}[bias]
    net = {"layers": list(layers), "activation": "sigmoid", "bias": bias, "weights": weights}
    if biases is not None:
        net["biases"] = biases
    data = extra.pop("data", [{"input": [0.05, 0.1], "target": [0.01, 0.99][:layers[-1]]}])
    raw = {"network": net, "training": {"learning_rate": 0.5, **extra.pop("training", {})},
           "data": data, "notation": notation, **extra}
    return Problem.from_dict(raw, "test")


def index(p: Problem) -> tuple[Graph, NameIndex]:
    graph = Graph(trace(p))
    return graph, NameIndex(graph)


@pytest.mark.parametrize("preset", preset_names())
@pytest.mark.parametrize("layers, bias", [((2, 2, 2), "per_layer"), ((2, 3, 3, 1), "per_neuron")])
def test_every_plain_and_latex_name_of_every_preset_finds_its_quantity(preset, layers, bias):
    graph, names = index(problem(preset, layers, bias))
    for node in graph:
        for written in (graph.display(node), node.latex if node.step == graph.first_step else None):
            if written is None:
                continue
            match = names.resolve(written)
            assert match.node == node.id, (preset, written, match)


@pytest.mark.parametrize("preset, written, kind, layer, neuron, source", [
    ("letters", "out_{h1}", "out", 1, 1, None),
    ("letters", " out_h1 ", "out", 1, 1, None),
    ("letters", "w5+", "new_w", 2, 1, 1),
    ("letters", "w5_new", "new_w", 2, 1, 1),
    ("letters", "new w5", "new_w", 2, 1, 1),
    ("letters", "w_{5}^{+}", "new_w", 2, 1, 1),
    ("letters", "dE/dw5", "dw", 2, 1, 1),
    ("letters", "dE_total/dw_5", "dw", 2, 1, 1),
    ("letters", "\\frac{\\partial E_{total}}{\\partial w_5}", "dw", 2, 1, 1),
    ("letters", "∂E/∂w5", "dw", 2, 1, 1),
    ("letters", "grad_w5", "dw", 2, 1, 1),
    ("letters", "dE/dnet_o1", "dnet", 2, 1, None),
    ("letters", "δ_{o1}", "dnet", 2, 1, None),
    ("letters", "deriv(out_h1)", "dact", 1, 1, None),
    ("letters", "∂out_{h1}/∂net_{h1}", "dact", 1, 1, None),
    ("letters", "E", "loss", 2, None, None),
    ("letters", "dE/db2", "db", 2, None, None),
    ("nodes", "net_{n_3}", "net", 1, 1, None),
    ("nodes", "w_{6}^{\\text{new}}", "new_w", 2, 2, 1),      # sending neuron first: n3 -> n6
    ("nodes", "dE_total/dout_{n_5}", "dout", 2, 1, None),
    ("indexed", "z_{11}", "net", 1, 1, None),
    ("indexed", "dw_{41}", "dw", 2, 1, 2),
    ("indexed", "dL/dw41", "dw", 2, 1, 2),
    ("indexed", "db_2", "db", 2, None, None),
    ("matrix", "Z^{[2]}_{1}", "net", 2, 1, None),
    ("matrix", "dW2[1,2]", "dw", 2, 1, 2),
    ("matrix", "W1[2,1]+", "new_w", 1, 2, 1),
    ("narrative", "net1_h", "net", 1, 1, None),
    ("narrative", "error1_o", "error", 2, 1, None),
    ("narrative", "error1_h", "dout", 1, 1, None),
    ("narrative", "delta_error1_o", "dnet", 2, 1, None),
    ("narrative", "deriv(output2_h)", "dact", 1, 2, None),
    ("narrative", "hidden_to_output_3+", "new_w", 2, 2, 1),
    ("narrative", "new input_to_hidden_2", "new_w", 1, 1, 2),
])
def test_seed_spellings(preset, written, kind, layer, neuron, source):
    graph, names = index(problem(preset))
    match = names.resolve(written)
    assert match.node is not None, match
    e = graph[match.node].entry
    assert (e.kind, e.layer, e.neuron, e.source) == (kind, layer, neuron, source)


def test_given_data_and_the_learning_rate_are_names_too():
    graph, names = index(problem())
    found = {w: graph[names.resolve(w).node] for w in ("w5", "i1", "target_o2", "b1", "eta", "learning_rate", "η")}
    assert {w: (n.kind, n.value) for w, n in found.items()} == {
        "w5": ("weight", 0.4), "i1": ("input", 0.05), "target_o2": ("target", 0.99), "b1": ("bias", 0.35),
        "eta": ("rate", 0.5), "learning_rate": ("rate", 0.5), "η": ("rate", 0.5)}


def test_ambiguous_and_unknown_names_come_with_candidates():
    _, names = index(problem())
    ambiguous = names.resolve("E_O1")          # E_o1 (loss) or e_o1 (error)
    assert (ambiguous.node, ambiguous.reason, set(ambiguous.candidates)) == (None, "ambiguous", {"E_o1", "e_o1"})
    unknown = names.resolve("ot_h1")
    assert (unknown.node, unknown.reason) == (None, "unknown")
    assert unknown.candidates[0] == "out_h1"
    assert names.resolve("out_h1@3").detail == "step 3 is not worked in full (recorded: @1)"


def test_steps_and_examples():
    two_steps = problem(data=[{"input": [0.05, 0.1], "target": [0.01, 0.99]},
                              {"input": [0.1, 0.2], "target": [0.5, 0.5]}])
    graph, names = index(two_steps)
    first, second = names.resolve("out_h1"), names.resolve("out_h1@2")
    assert (graph[first.node].step, graph[second.node].step) == (1, 2)
    assert graph[second.node].value != graph[first.node].value
    weight = graph[names.resolve("w5@2").node]       # the weight step 2 starts from: w5+ of step 1
    assert weight.sources == (names.resolve("w5+").node,)

    batch = problem(data=two_steps.to_dict()["data"], training={"batch_size": 2})
    graph, names = index(batch)
    assert names.resolve("out_h1").reason == "ambiguous"
    assert graph[names.resolve("out_h1#2").node].example == 2
    mean = graph[names.resolve("dE/dw5").node]        # the batch gradient the update uses
    assert (mean.kind, mean.example) == ("dw", None)
    assert graph[names.resolve("dE/dw5#1").node].example == 1


def test_split_suffixes():
    assert split_suffixes("out_h1#2@3") == ("out_h1", 3, 2)
    assert split_suffixes("out_h1 @ 3 # 2") == ("out_h1", 3, 2)
    assert split_suffixes("@1") == ("", 1, None)
    assert split_suffixes("w5+") == ("w5+", None, None)
