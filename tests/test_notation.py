"""Tests for tracer.model.notation: seed names, uniqueness, overrides, errors, speed."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable

import pytest

from tracer.model.notation import Names, Notation, preset_names

# (preset, layers, bias_mode, method, args, plain, latex or None = not checked)
SEED_NAMES = [
    # letters: the classic 2-2-2 tutorial
    ("letters", (2, 2, 2), "per_layer", "neuron", (0, 1), "i1", "i_{1}"),
    ("letters", (2, 2, 2), "per_layer", "neuron", (1, 2), "h2", "h_{2}"),  # set like i_{1}: number as subscript
    ("letters", (2, 2, 2), "per_layer", "neuron", (2, 1), "o1", "o_{1}"),
    ("letters", (2, 2, 2), "per_layer", "quantity", ("input", 0, 1), "i1", "i_{1}"),
    ("letters", (2, 2, 2), "per_layer", "quantity", ("net", 1, 1), "net_h1", "net_{h1}"),
    ("letters", (2, 2, 2), "per_layer", "quantity", ("out", 1, 1), "out_h1", "out_{h1}"),
    ("letters", (2, 2, 2), "per_layer", "quantity", ("out", 2, 2), "out_o2", "out_{o2}"),
    ("letters", (2, 2, 2), "per_layer", "quantity", ("weight", 1, 1, 1), "w1", "w_{1}"),
    ("letters", (2, 2, 2), "per_layer", "quantity", ("weight", 1, 1, 2), "w2", "w_{2}"),
    ("letters", (2, 2, 2), "per_layer", "quantity", ("weight", 1, 2, 1), "w3", "w_{3}"),
    ("letters", (2, 2, 2), "per_layer", "quantity", ("weight", 1, 2, 2), "w4", "w_{4}"),
    ("letters", (2, 2, 2), "per_layer", "quantity", ("weight", 2, 1, 1), "w5", "w_{5}"),
    ("letters", (2, 2, 2), "per_layer", "quantity", ("weight", 2, 2, 2), "w8", "w_{8}"),
    ("letters", (2, 2, 2), "per_layer", "quantity", ("bias", 1), "b1", "b_{1}"),
    ("letters", (2, 2, 2), "per_layer", "quantity", ("bias", 2), "b2", "b_{2}"),
    ("letters", (2, 2, 2), "per_layer", "quantity", ("bias", 2, 2), "b2", "b_{2}"),
    ("letters", (2, 2, 2), "per_layer", "quantity", ("loss", 2, 1), "E_o1", "E_{o1}"),
    ("letters", (2, 2, 2), "per_layer", "quantity", ("loss", 2), "E_total", "E_{total}"),
    ("letters", (2, 2, 2), "per_layer", "quantity", ("target", 2, 1), "target_o1", "target_{o1}"),
    ("letters", (2, 2, 2), "per_layer", "quantity", ("error", 2, 2), "e_o2", "e_{o2}"),
    ("letters", (2, 2, 2), "per_layer", "quantity", ("dout", 1, 1),
     "dE/dout_h1", r"\frac{\partial E_{total}}{\partial out_{h1}}"),
    ("letters", (2, 2, 2), "per_layer", "quantity", ("dact", 1, 1),
     "dout_h1/dnet_h1", r"\frac{\partial out_{h1}}{\partial net_{h1}}"),
    ("letters", (2, 2, 2), "per_layer", "quantity", ("dnet", 1, 1), "delta_h1", r"\delta_{h1}"),
    ("letters", (2, 2, 2), "per_layer", "quantity", ("dw", 2, 1, 1),
     "dE/dw5", r"\frac{\partial E_{total}}{\partial w_{5}}"),
    ("letters", (2, 2, 2), "per_layer", "quantity", ("new_w", 2, 1, 1), "w5+", "w_{5}^{+}"),
    ("letters", (2, 2, 2), "per_layer", "quantity", ("db", 2),
     "dE/db2", r"\frac{\partial E_{total}}{\partial b_{2}}"),
    ("letters", (2, 2, 2), "per_layer", "quantity", ("new_b", 1), "b1+", "b_{1}^{+}"),
    ("letters", (2, 2, 2), "per_neuron", "quantity", ("bias", 1, 2), "b2", "b_{2}"),
    ("letters", (2, 2, 2), "per_neuron", "quantity", ("bias", 2, 1), "b3", "b_{3}"),
    ("letters", (2, 2, 2), "per_neuron", "quantity", ("bias", 2, 2), "b4", "b_{4}"),
    # letters, deeper: hidden layer k neuron j is h<k>_<j>, h^{(k)}_{j}
    ("letters", (2, 3, 3, 1), "per_neuron", "neuron", (1, 2), "h1_2", "h^{(1)}_{2}"),
    ("letters", (2, 3, 3, 1), "per_neuron", "quantity", ("net", 2, 3), "net_h2_3", "net_{h^{(2)}_{3}}"),
    ("letters", (2, 3, 3, 1), "per_neuron", "quantity", ("dnet", 1, 1), "delta_h1_1", r"\delta_{h^{(1)}_{1}}"),
    ("letters", (2, 3, 3, 1), "per_neuron", "quantity", ("out", 3, 1), "out_o1", "out_{o1}"),
    ("letters", (2, 3, 3, 1), "per_neuron", "quantity", ("weight", 2, 1, 1), "w7", "w_{7}"),
    ("letters", (2, 3, 3, 1), "per_neuron", "quantity", ("bias", 3, 1), "b7", "b_{7}"),
    # nodes: seed 002, 2-3-3-1
    ("nodes", (2, 3, 3, 1), "per_neuron", "neuron", (0, 2), "x2", None),
    ("nodes", (2, 3, 3, 1), "per_neuron", "neuron", (1, 1), "n3", "n_{3}"),
    ("nodes", (2, 3, 3, 1), "per_neuron", "neuron", (3, 1), "n9", "n_{9}"),
    ("nodes", (2, 3, 3, 1), "per_neuron", "quantity", ("input", 0, 1), "x1", "x_{1}"),
    ("nodes", (2, 3, 3, 1), "per_neuron", "quantity", ("net", 1, 1), "net_n3", "net_{n3}"),
    ("nodes", (2, 3, 3, 1), "per_neuron", "quantity", ("out", 2, 1), "out_n6", "out_{n6}"),
    ("nodes", (2, 3, 3, 1), "per_neuron", "quantity", ("out", 3, 1), "out_n9", "out_{n9}"),
    ("nodes", (2, 3, 3, 1), "per_neuron", "quantity", ("weight", 1, 1, 1), "w1", "w_{1}"),
    ("nodes", (2, 3, 3, 1), "per_neuron", "quantity", ("weight", 1, 2, 1), "w2", "w_{2}"),
    ("nodes", (2, 3, 3, 1), "per_neuron", "quantity", ("weight", 1, 3, 1), "w3", "w_{3}"),
    ("nodes", (2, 3, 3, 1), "per_neuron", "quantity", ("weight", 1, 1, 2), "w4", "w_{4}"),
    ("nodes", (2, 3, 3, 1), "per_neuron", "quantity", ("weight", 2, 1, 1), "w7", "w_{7}"),
    ("nodes", (2, 3, 3, 1), "per_neuron", "quantity", ("weight", 3, 1, 1), "w16", "w_{16}"),
    ("nodes", (2, 3, 3, 1), "per_neuron", "quantity", ("weight", 3, 1, 2), "w17", "w_{17}"),
    ("nodes", (2, 3, 3, 1), "per_neuron", "quantity", ("weight", 3, 1, 3), "w18", "w_{18}"),
    ("nodes", (2, 3, 3, 1), "per_neuron", "quantity", ("bias", 1, 1), "b1", "b_{1}"),
    ("nodes", (2, 3, 3, 1), "per_neuron", "quantity", ("bias", 1, 2), "b2", "b_{2}"),
    ("nodes", (2, 3, 3, 1), "per_neuron", "quantity", ("bias", 3, 1), "b7", "b_{7}"),
    ("nodes", (2, 3, 3, 1), "per_neuron", "quantity", ("target", 3, 1), "y", "y"),
    ("nodes", (2, 3, 3, 1), "per_neuron", "quantity", ("loss", 3), "E_total", "E_{total}"),
    ("nodes", (2, 3, 3, 1), "per_neuron", "quantity", ("dout", 3, 1),
     "dE/dout_n9", r"\frac{\partial E_{total}}{\partial out_{n9}}"),
    ("nodes", (2, 3, 3, 1), "per_neuron", "quantity", ("dact", 3, 1),
     "dout_n9/dnet_n9", r"\frac{\partial out_{n9}}{\partial net_{n9}}"),
    ("nodes", (2, 3, 3, 1), "per_neuron", "quantity", ("dw", 3, 1, 1),
     "dE/dw16", r"\frac{\partial E_{total}}{\partial w_{16}}"),
    ("nodes", (2, 3, 3, 1), "per_neuron", "quantity", ("db", 3, 1),
     "dE/db7", r"\frac{\partial E_{total}}{\partial b_{7}}"),
    ("nodes", (2, 3, 3, 1), "per_neuron", "quantity", ("new_w", 3, 1, 1),
     "w16_new", r"w_{16}^{\mathrm{new}}"),
    ("nodes", (2, 3, 2), "per_neuron", "quantity", ("target", 2, 2), "y2", "y_{2}"),
    # indexed: seed 001, 2-3-1, per-layer biases
    ("indexed", (2, 3, 1), "per_layer", "neuron", (1, 2), "a12", "a_{12}"),  # called by its output
    ("indexed", (2, 3, 1), "per_layer", "neuron", (0, 2), "x2", "x_{2}"),
    ("matrix", (1, 4, 3, 1), "per_neuron", "neuron", (2, 3), "A2[3]", "A^{[2]}_{3}"),
    ("indexed", (2, 3, 1), "per_layer", "quantity", ("input", 0, 2), "x2", "x_{2}"),
    ("indexed", (2, 3, 1), "per_layer", "quantity", ("net", 1, 1), "z_11", "z_{11}"),
    ("indexed", (2, 3, 1), "per_layer", "quantity", ("out", 1, 3), "a_13", "a_{13}"),
    ("indexed", (2, 3, 1), "per_layer", "quantity", ("net", 2, 1), "z_21", "z_{21}"),
    ("indexed", (2, 3, 1), "per_layer", "quantity", ("out", 2, 1), "a_21", "a_{21}"),
    ("indexed", (2, 3, 1), "per_layer", "quantity", ("weight", 1, 1, 1), "w11", "w_{11}"),
    ("indexed", (2, 3, 1), "per_layer", "quantity", ("weight", 1, 2, 1), "w12", "w_{12}"),
    ("indexed", (2, 3, 1), "per_layer", "quantity", ("weight", 1, 3, 1), "w13", "w_{13}"),
    ("indexed", (2, 3, 1), "per_layer", "quantity", ("weight", 1, 1, 2), "w21", "w_{21}"),
    ("indexed", (2, 3, 1), "per_layer", "quantity", ("weight", 1, 3, 2), "w23", "w_{23}"),
    ("indexed", (2, 3, 1), "per_layer", "quantity", ("weight", 2, 1, 1), "w31", "w_{31}"),
    ("indexed", (2, 3, 1), "per_layer", "quantity", ("weight", 2, 1, 2), "w41", "w_{41}"),
    ("indexed", (2, 3, 1), "per_layer", "quantity", ("weight", 2, 1, 3), "w51", "w_{51}"),
    ("indexed", (2, 3, 1), "per_layer", "quantity", ("bias", 1), "b1", "b_{1}"),
    ("indexed", (2, 3, 1), "per_layer", "quantity", ("bias", 2), "b2", "b_{2}"),
    ("indexed", (2, 3, 1), "per_layer", "quantity", ("dnet", 1, 1), "dz_11", "dz_{11}"),
    ("indexed", (2, 3, 1), "per_layer", "quantity", ("dout", 1, 1), "da_11", "da_{11}"),
    ("indexed", (2, 3, 1), "per_layer", "quantity", ("dw", 2, 1, 1), "dw_31", "dw_{31}"),
    ("indexed", (2, 3, 1), "per_layer", "quantity", ("db", 1), "db_1", "db_{1}"),
    ("indexed", (2, 3, 1), "per_layer", "quantity", ("loss", 2), "L", "L"),
    ("indexed", (2, 3, 1), "per_layer", "quantity", ("target", 2, 1), "y", "y"),
    ("indexed", (2, 3, 1), "per_neuron", "quantity", ("bias", 1, 2), "b_12", "b_{12}"),
    # indexed, two-digit global numbers get a comma: w_{12,1}
    ("indexed", (3, 5, 4, 3), "per_layer", "quantity", ("weight", 3, 1, 4), "w12,1", "w_{12,1}"),
    ("indexed", (3, 5, 4, 3), "per_layer", "quantity", ("net", 1, 1), "z_11", "z_{11}"),
    # matrix: seed 003, 1-4-3-1
    ("matrix", (1, 4, 3, 1), "per_neuron", "matrix", ("net", 1), "Z1", "Z^{[1]}"),
    ("matrix", (1, 4, 3, 1), "per_neuron", "matrix", ("out", 1), "A1", "A^{[1]}"),
    ("matrix", (1, 4, 3, 1), "per_neuron", "matrix", ("input", 0), "A0", "A^{[0]}"),
    ("matrix", (1, 4, 3, 1), "per_neuron", "matrix", ("out", 3), "A3", "A^{[3]}"),
    ("matrix", (1, 4, 3, 1), "per_neuron", "matrix", ("weight", 2), "W2", "W^{[2]}"),
    ("matrix", (1, 4, 3, 1), "per_neuron", "matrix", ("bias", 1), "b1", "b^{[1]}"),
    ("matrix", (1, 4, 3, 1), "per_neuron", "matrix", ("dnet", 1), "dZ1", "dZ^{[1]}"),
    ("matrix", (1, 4, 3, 1), "per_neuron", "matrix", ("dw", 1), "dW1", "dW^{[1]}"),
    ("matrix", (1, 4, 3, 1), "per_neuron", "matrix", ("db", 1), "db1", "db^{[1]}"),
    ("matrix", (1, 4, 3, 1), "per_neuron", "matrix", ("dout", 2), "dA2", "dA^{[2]}"),
    ("matrix", (1, 4, 3, 1), "per_neuron", "matrix", ("new_w", 2), "W2+", "{W^{[2]}}^{+}"),
    ("matrix", (1, 4, 3, 1), "per_neuron", "quantity", ("net", 1, 2), "Z1[2]", "Z^{[1]}_{2}"),
    ("matrix", (1, 4, 3, 1), "per_neuron", "quantity", ("weight", 2, 1, 3), "W2[1,3]", "W^{[2]}_{13}"),
    ("matrix", (1, 4, 3, 1), "per_neuron", "quantity", ("dw", 2, 1, 3), "dW2[1,3]", "dW^{[2]}_{13}"),
    ("matrix", (1, 4, 3, 1), "per_neuron", "quantity", ("input", 0, 1), "A0[1]", "A^{[0]}_{1}"),
    ("matrix", (1, 4, 3, 1), "per_neuron", "quantity", ("bias", 1, 2), "b1[2]", "b^{[1]}_{2}"),
    ("matrix", (1, 4, 3, 1), "per_neuron", "quantity", ("loss", 3), "L", "L"),
    ("matrix", (1, 4, 3, 1), "per_layer", "quantity", ("bias", 2), "b2", "b^{[2]}"),
    # narrative: seed 000, 2-4-1
    ("narrative", (2, 4, 1), "per_neuron", "quantity", ("input", 0, 1), "input_1", r"\mathrm{input}_{1}"),
    ("narrative", (2, 4, 1), "per_neuron", "quantity", ("net", 1, 1), "net1_h", r"\mathrm{net}_{h1}"),
    ("narrative", (2, 4, 1), "per_neuron", "quantity", ("out", 1, 4), "output4_h", r"\mathrm{output}_{h4}"),
    ("narrative", (2, 4, 1), "per_neuron", "quantity", ("net", 2, 1), "net_o", r"\mathrm{net}_{o}"),
    ("narrative", (2, 4, 1), "per_neuron", "quantity", ("out", 2, 1), "output_o", r"\mathrm{output}_{o}"),
    ("narrative", (2, 4, 1), "per_neuron", "quantity", ("target", 2, 1), "target", r"\mathrm{target}"),
    ("narrative", (2, 4, 1), "per_neuron", "quantity", ("error", 2, 1), "error", r"\mathrm{error}"),
    ("narrative", (2, 4, 1), "per_neuron", "quantity", ("dnet", 2, 1), "delta_error", r"\delta_{o}"),
    ("narrative", (2, 4, 1), "per_neuron", "quantity", ("dout", 1, 2), "error2_h", r"\mathrm{error}_{h2}"),
    ("narrative", (2, 4, 1), "per_neuron", "quantity", ("dnet", 1, 3), "delta_error3_h", r"\delta_{h3}"),
    ("narrative", (2, 4, 1), "per_neuron", "quantity", ("dact", 1, 1), "deriv(output1_h)",
     r"\frac{\partial \mathrm{output}_{h1}}{\partial \mathrm{net}_{h1}}"),
    ("narrative", (2, 4, 1), "per_neuron", "quantity", ("weight", 1, 1, 1), "input_to_hidden_1", r"\text{input-to-hidden}_{1}"),
    ("narrative", (2, 4, 1), "per_neuron", "quantity", ("weight", 1, 1, 2), "input_to_hidden_2", None),
    ("narrative", (2, 4, 1), "per_neuron", "quantity", ("weight", 1, 2, 1), "input_to_hidden_3", None),
    ("narrative", (2, 4, 1), "per_neuron", "quantity", ("weight", 1, 4, 2), "input_to_hidden_8", None),
    ("narrative", (2, 4, 1), "per_neuron", "quantity", ("weight", 2, 1, 1), "hidden_to_output_1", None),
    ("narrative", (2, 4, 1), "per_neuron", "quantity", ("weight", 2, 1, 3),
     "hidden_to_output_3", r"\text{hidden-to-output}_{3}"),
    # narrative, several outputs and deeper
    ("narrative", (2, 3, 2), "per_neuron", "quantity", ("net", 2, 1), "net1_o", None),
    ("narrative", (2, 3, 2), "per_neuron", "quantity", ("out", 2, 2), "output2_o", None),
    ("narrative", (2, 3, 2), "per_neuron", "quantity", ("error", 2, 1), "error1_o", None),
    ("narrative", (2, 3, 2), "per_neuron", "quantity", ("dnet", 2, 2), "delta_error2_o", None),
    ("narrative", (1, 4, 3, 1), "per_neuron", "quantity", ("weight", 1, 2, 1), "input_to_hidden1_2", None),
    ("narrative", (1, 4, 3, 1), "per_neuron", "quantity", ("weight", 2, 1, 1), "hidden1_to_hidden2_1", None),
    ("narrative", (1, 4, 3, 1), "per_neuron", "quantity", ("weight", 3, 1, 3), "hidden2_to_output_3", None),
    ("narrative", (1, 4, 3, 1), "per_neuron", "quantity", ("net", 2, 3), "net3_h2", r"\mathrm{net}_{h2,3}"),
    ("narrative", (1, 4, 3, 1), "per_layer", "quantity", ("bias", 2), "bias_hidden2", r"\mathrm{bias}_{\mathrm{hidden2}}"),
]


@pytest.mark.parametrize("preset, layers, bias_mode, method, args, plain, latex", SEED_NAMES)
def test_seed_names(preset: str, layers: tuple[int, ...], bias_mode: str, method: str,
                    args: tuple[object, ...], plain: str, latex: str | None) -> None:
    names = getattr(Notation(layers, bias_mode, preset), method)(*args)
    assert names.plain == plain
    if latex is not None:
        assert names.latex == latex


def all_quantities(n: Notation) -> list[Names]:
    """Every scalar a solution of this network can name (input's out is input)."""
    last, size = n.last, n.layers
    out = [n.quantity("input", 0, j) for j in range(1, size[0] + 1)]
    out.append(n.quantity("loss", last))
    for j in range(1, size[last] + 1):
        out += [n.quantity(k, last, j) for k in ("target", "loss", "error")]
    for l in range(1, last + 1):
        if n.bias_mode == "per_layer":
            out += [n.quantity(k, l) for k in ("bias", "db", "new_b")]
        for j in range(1, size[l] + 1):
            out += [n.quantity(k, l, j) for k in ("net", "out", "dout", "dact", "dnet")]
            if n.bias_mode == "per_neuron":
                out += [n.quantity(k, l, j) for k in ("bias", "db", "new_b")]
            for i in range(1, size[l - 1] + 1):
                out += [n.quantity(k, l, j, i) for k in ("weight", "dw", "new_w")]
    return out


SHAPES = [(2, 2, 2), (2, 3, 3, 1), (2, 4, 1), (1, 4, 3, 1), (3, 5, 4, 3), (2, 1), (12, 11, 10)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("preset", preset_names())
@pytest.mark.parametrize("bias_mode", ["per_neuron", "per_layer", "none"])
def test_names_are_unique(shape: tuple[int, ...], preset: str, bias_mode: str) -> None:
    n = Notation(shape, bias_mode, preset)
    names = all_quantities(n)
    labels = [n.neuron(l, j) for l, size in enumerate(shape) for j in range(1, size + 1)]
    for group in (names, labels):
        for attr in ("plain", "latex"):
            counts = Counter(getattr(x, attr) for x in group)
            assert [k for k, c in counts.items() if c > 1] == []


@pytest.mark.parametrize("preset", preset_names())
def test_large_network_is_unique(preset: str) -> None:
    """784-30-10: all ~24,000 weight names are distinct (their speed is a benchmark's job)."""
    n = Notation((784, 30, 10), "per_neuron", preset)
    weights = [n.quantity("weight", l, j, i) for l in (1, 2)
               for j in range(1, n.layers[l] + 1) for i in range(1, n.layers[l - 1] + 1)]
    assert len(weights) == 784 * 30 + 30 * 10
    assert len({w.plain for w in weights}) == len({w.latex for w in weights}) == len(weights)
    everything = all_quantities(n)
    assert len({x.plain for x in everything}) == len({x.latex for x in everything}) == len(everything)


def test_override_of_net_flows_into_derived_names() -> None:
    n = Notation((2, 2, 2), overrides={"net": ["z_$node", "z_{$node}"]})
    assert n.quantity("net", 1, 1) == Names("z_h1", "z_{h1}")
    assert n.quantity("dact", 1, 1) == Names("dout_h1/dz_h1", r"\frac{\partial out_{h1}}{\partial z_{h1}}")


def test_override_one_spelling_via_spec() -> None:
    n = Notation.from_spec((2, 3, 3, 1), "per_neuron", {"preset": "nodes", "node.latex": "n_{$g}"})
    assert n.quantity("net", 1, 1) == Names("net_n3", "net_{n_{3}}")   # the seed's own spelling
    assert n.quantity("dout", 3, 1).latex == r"\frac{\partial E_{total}}{\partial out_{n_{9}}}"
    assert n.quantity("weight", 1, 1, 2).plain == "w4"                  # rest of the preset kept


def test_override_with_mapping_value_and_weight_composition() -> None:
    n = Notation.from_spec((2, 2, 2), "per_layer",
                           {"weight": {"plain": "v$ws", "latex": "v_{$ws}"}, "total": "J"})
    assert n.quantity("weight", 1, 1, 2).plain == "v3"
    assert n.quantity("dw", 2, 1, 1) == Names("dE/dv5", r"\frac{\partial J}{\partial v_{5}}")
    assert n.quantity("new_w", 2, 1, 1).latex == "v_{5}^{+}"
    assert n.quantity("loss", 2).plain == "J"


def test_general_override_hides_inherited_specific_patterns() -> None:
    # letters defines node@hidden/@deep/@output; setting bare `node` must win everywhere
    n = Notation((2, 3, 3, 1), overrides={"node": "u$g", "node@input": "x$j"})
    assert [n.neuron(l, 1).plain for l in range(4)] == ["x1", "u3", "u6", "u9"]
    # setting @hidden also hides the inherited @deep, so deeper nets use it too
    n = Notation((2, 3, 3, 1), overrides={"node@hidden": "k$l.$j"})
    assert n.neuron(2, 3).plain == "k2.3"
    assert n.neuron(3, 1).plain == "o1"
    # but the whole-layer matrix names survive an override of the element pattern
    n = Notation((2, 2, 2), preset="matrix", overrides={"net": "s${l}_$j"})
    assert n.quantity("net", 1, 2).plain == "s1_2"
    assert n.matrix("net", 1).plain == "Z1"
    assert n.quantity("dnet", 1, 2).plain == "ds1_2"


def test_dollar_escape_and_braced_variables() -> None:
    n = Notation((2, 2, 2), overrides={"weight": "$$w${wr}x"})
    assert n.quantity("weight", 2, 1, 1).plain == "$w5x"


def test_from_spec_defaults_and_presets() -> None:
    assert Notation.from_spec((2, 2, 2), "per_neuron", None).preset == "letters"
    assert Notation.from_spec((2, 2, 2), "per_neuron", "nodes").quantity("input", 0, 1).plain == "x1"
    assert Notation.from_spec((2, 2, 2), "per_neuron", {"net": "q$j"}).preset == "letters"


def test_misc_api() -> None:
    n = Notation((2, 2, 2))
    assert n.quantity("out", 0, 2) == n.quantity("input", 0, 2)        # an input's out is the input
    assert n.quantity("out", -1, 1) == n.quantity("out", 2, 1)         # negative layers count back
    assert {"net", "weight", "weight@matrix", "node@deep"} <= set(n.pattern_keys())
    assert "net@output" in Notation((2, 2, 2), overrides={"net@output": "y$j"}).pattern_keys()
    assert set(preset_names()) == {"letters", "nodes", "indexed", "matrix", "narrative", "han-kamber", "negnevitsky"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        n.neuron(0, 1).plain = "x"  # type: ignore[misc]


@pytest.mark.parametrize("make, message", [
    (lambda: Notation((2, 2, 2), preset="node"), "did you mean 'nodes'"),
    (lambda: Notation.from_spec((2, 2, 2), "per_neuron", "leters"), "did you mean 'letters'"),
    (lambda: Notation.from_spec((2, 2, 2), "per_neuron", {"preset": "indexd"}), "did you mean 'indexed'"),
    (lambda: Notation.from_spec((2, 2, 2), "per_neuron", {"nett": "x"}), "did you mean 'net'"),
    (lambda: Notation((2, 2, 2), overrides={"net.tex": "x"}), "did you mean 'net.latex'"),
    (lambda: Notation((2, 2, 2), overrides={"net@hiden": "x"}), "did you mean 'net@hidden'"),
    (lambda: Notation((2, 2, 2), overrides={"net": "z$jj"}), "did you mean 'j'"),
    (lambda: Notation((2, 2, 2), "per_nueron"), "did you mean 'per_neuron'"),
    (lambda: Notation((2, 2, 2)).quantity("wieght", 1, 1, 1), "did you mean 'weight'"),
    (lambda: Notation((2, 2, 2)).matrix("nett", 1), "did you mean 'net'"),
    (lambda: Notation((2, 2, 2), overrides={"net": "a$"}), "stray"),
    (lambda: Notation((2, 2, 2), overrides={"net": ["a"]}), "must be a string"),
    (lambda: Notation((2, 2, 2), overrides={"net": "$dact"}), "loop"),
    (lambda: Notation((2,)), "layers"),
    (lambda: Notation.from_spec((2, 2, 2), "per_neuron", ["nodes"]),  # type: ignore[arg-type]
     "preset name or a mapping"),
    (lambda: Notation((2, 2, 2), "none").quantity("bias", 1, 1), "no biases"),
    (lambda: Notation((2, 2, 2)).quantity("bias", 1), "needs a neuron"),
    (lambda: Notation((2, 2, 2)).quantity("weight", 1, 1), "needs a source"),
    (lambda: Notation((2, 2, 2)).quantity("weight", 1, 3, 1), "not in 1..2"),
    (lambda: Notation((2, 2, 2)).quantity("target", 1, 1), "layers 2..2"),
    (lambda: Notation((2, 2, 2)).quantity("net", 0, 1), "layers 1..2"),
    (lambda: Notation((2, 2, 2)).matrix("dact", 1), "dact@matrix"),
    (lambda: Notation((2, 2, 2), "per_layer", overrides={"bias": "b$j"}).quantity("bias", 1), "$j"),
])
def test_errors(make: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError) as err:
        make()
    assert message in str(err.value)
    if "did you mean" in message:
        assert "expected one of" in str(err.value)
