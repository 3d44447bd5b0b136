"""Published worked examples, reproduced to the digits they print.

(a) The widely used 2-2-2 sigmoid tutorial (inputs 0.05/0.10, targets 0.01/0.99, rate 0.5,
    biases not updated), letters notation.
(b) Seed 002 (shared/seeds/002_*.txt): 2-3-3-1, ReLU, ReLU, sigmoid, nodes notation. Its
    correct values are reproduced; its slips are listed with the correct value.
(c) Seed 000 (shared/seeds/000_*.txt): 2-4-1 sigmoid, hand-truncated to 2 digits with the
    truncated values carried on, narrative notation; its forward pass prints as the article.

Every network here is written from the article, not from the built-in examples (seed 000's
once, in style_problems.py, where the walkthrough-style tests use it too).
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from tests.style_problems import SEED_000_BY_HAND
from tracer.engine.trace import trace
from tracer.examples import load
from tracer.model.problem import Problem


def agrees(value: float, printed: str) -> bool:
    """Does ``value`` print as ``printed`` at the printed number of decimals (rounded)?"""
    decimals = -Decimal(printed).as_tuple().exponent
    return abs(Decimal(repr(value)) - Decimal(printed)) <= Decimal(5).scaleb(-decimals - 1) + Decimal("1e-15")


# --- (a) the classic 2-2-2 tutorial -------------------------------------------
CLASSIC = {
    "network": {"layers": [2, 2, 2], "activation": "sigmoid", "bias": "per_layer",
                "weights": [[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]]],
                "biases": [0.35, 0.60]},
    "loss": "half_squared_error",
    "training": {"learning_rate": 0.5, "update_biases": False},
    "data": [{"input": [0.05, 0.10], "target": [0.01, 0.99]}],
    "notation": "letters",
}

# name in the letters preset -> the tutorial's printed value
CLASSIC_PRINTED = {
    "net_h1": "0.3775",
    "out_h1": "0.593269992",
    "out_h2": "0.596884378",
    "net_o1": "1.105905967",
    "out_o1": "0.75136507",
    "out_o2": "0.772928465",
    "E_o1": "0.274811083",
    "E_o2": "0.023560026",
    "E_total": "0.298371109",
    "dE/dout_o1": "0.74136507",
    "dout_o1/dnet_o1": "0.186815602",
    "dE/dw5": "0.082167041",
    "w5+": "0.35891648",
    "w6+": "0.408666186",
    "w7+": "0.511301270",
    "w8+": "0.561370121",
    "dE/dout_h1": "0.036350306",
    "dout_h1/dnet_h1": "0.241300709",
    "dE/dw1": "0.000438568",
    "w1+": "0.149780716",
    "w2+": "0.19956143",
    "w3+": "0.24975114",
    "w4+": "0.29950229",
}


@pytest.fixture(scope="module")
def classic():
    return trace(Problem.from_dict(CLASSIC))


@pytest.mark.parametrize("name", CLASSIC_PRINTED)
def test_classic_tutorial_values(classic, name: str) -> None:
    assert agrees(classic[name].value, CLASSIC_PRINTED[name]), (name, classic[name].value)


def test_classic_tutorial_entries_sit_where_the_names_say(classic) -> None:
    """w5 is h1 -> o1, w2 is i2 -> h1: the letters preset numbers receiving neuron first."""
    e = classic["dE/dw5"]
    assert (e.kind, e.layer, e.neuron, e.source) == ("dw", 2, 1, 1)
    e = classic["w2+"]
    assert (e.kind, e.layer, e.neuron, e.source) == ("new_w", 1, 1, 2)
    assert classic["E_total"].neuron is None


def test_classic_tutorial_does_not_update_biases(classic) -> None:
    assert classic.select(kind="new_b") == []
    assert classic.final_biases == [[0.35], [0.60]]
    # the shared bias's gradient is still recorded: the sum of its layer's deltas
    db2 = classic.select(kind="db", layer=2)
    assert len(db2) == 1 and db2[0].neuron is None
    deltas = [e.value for e in classic.select(kind="dnet", layer=2)]
    assert db2[0].value == pytest.approx(sum(deltas), rel=1e-12)


def test_builtin_classic_example_shows_the_tutorial_digits() -> None:
    """The shipped example prints 9 digits, as the tutorial does."""
    log = trace(load("classic-2-2-2"))
    for name in ("out_h1", "out_h2", "out_o2", "E_total", "dE/dw5", "w6+", "w8+", "w1+",
                 "dout_o1/dnet_o1", "dE/dout_h1"):
        assert log[name].shown == CLASSIC_PRINTED[name], name


# --- (b) seed 002 --------------------------------------------------------------
# The seed lists w1..w18 numbered sending neuron first: w1 = x1->n3, w2 = x1->n4, w3 = x1->n5,
# w4 = x2->n3, ..., w16..w18 = n6..n8 -> n9. Its plain-text rendering lost the minus signs of
# b2, b4 and b7; the LaTeX rendering (and net_n4 = -0.079) keep them.
SEED002_W = {k: v for k, v in zip(range(1, 19), [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] * 2)}
SEED002_B = [0.1, -0.4, 0.3, -0.5, 0.5, 0.6, -0.7]


def _sending_first(layers: list[int], w: dict[int, float]) -> list:
    """weights[l][j][i] from a numbering that runs over sending neurons first."""
    mats, offset = [], 0
    for l in range(1, len(layers)):
        rows, cols = layers[l], layers[l - 1]
        mats.append([[w[offset + i * rows + j + 1] for i in range(cols)] for j in range(rows)])
        offset += rows * cols
    return mats


SEED002 = {
    "network": {"layers": [2, 3, 3, 1], "activation": ["relu", "relu", "sigmoid"], "bias": "per_neuron",
                "weights": _sending_first([2, 3, 3, 1], SEED002_W),
                "biases": [SEED002_B[0:3], SEED002_B[3:6], SEED002_B[6:7]]},
    "loss": "half_squared_error",
    "training": {"learning_rate": 0.01},
    "data": [{"input": [0.23, 0.55], "target": [0.01]}],
    "notation": "nodes",
}

# every value the article prints that is right, at its printed precision
SEED002_PRINTED = {
    "net_n3": "0.343",
    "out_n3": "0.343",
    "net_n4": "-0.079",
    "out_n4": "0",
    "net_n5": "0.699",
    "out_n5": "0.699",
    "out_n6": "0.0197",
    "out_n7": "1.1239",
    "out_n8": "1.3281",
    "net_n9": "1.4082",
    "out_n9": "0.8035",
    "E_total": "0.315",
    "dE/dout_n9": "0.7935",
    "dout_n9/dnet_n9": "0.1579",
    "dE/dw16": "0.0025",
    "w16_new": "0.699975",
    "w17_new": "0.798592",
    "w18_new": "0.898336",
    "dE/db7": "0.1253",
    "b7_new": "-0.701253",
    "dout_n6/dnet_n6": "1",
    "dE/dw7": "0.03008",
}

# (name, what the article prints, the correct value at the same precision)
SEED002_SLIPS = [
    ("dE/dw17", "0.0850", "0.1408"),    # printed in "0.8 - 0.01 * 0.0850 = 0.798592"; the result is right
    ("dE/dw18", "0.1003", "0.1664"),    # printed in "0.9 - 0.01 * 0.1003 = 0.898336"; the result is right
    ("w7_new", "0.699", "0.6997"),      # 0.7 - 0.01 * 0.03008 = 0.6996992 (0.700 at 3 decimals)
]


@pytest.fixture(scope="module")
def seed002():
    return trace(Problem.from_dict(SEED002))


def test_seed002_weight_numbering_is_sending_neuron_first(seed002) -> None:
    net_n3 = seed002["net_n3"]
    assert [o.name for o in net_n3.operands] == ["w1", "x1", "w4", "x2", "b1"]
    assert [o.value for o in net_n3.operands] == [0.1, 0.23, 0.4, 0.55, 0.1]
    net_n9 = seed002["net_n9"]
    assert [o.name for o in net_n9.operands] == ["w16", "out_n6", "w17", "out_n7", "w18", "out_n8", "b7"]
    e = seed002["dE/dw7"]
    assert (e.layer, e.neuron, e.source) == (2, 1, 1)  # n3 -> n6


@pytest.mark.parametrize("name", SEED002_PRINTED)
def test_seed002_values(seed002, name: str) -> None:
    assert agrees(seed002[name].value, SEED002_PRINTED[name]), (name, seed002[name].value)


@pytest.mark.parametrize("name,article,correct", SEED002_SLIPS)
def test_seed002_slips_are_not_reproduced(seed002, name: str, article: str, correct: str) -> None:
    value = seed002[name].value
    assert agrees(value, correct), (name, value)
    assert not agrees(value, article)


def test_seed002_w7_chain_uses_the_old_w16(seed002) -> None:
    """dE/dw7 = dE/dout_n9 · dout_n9/dnet_n9 · w16 · dout_n6/dnet_n6 · out_n3, with w16 = 0.7."""
    dout_n6 = seed002["dE/dout_n6"]
    w16 = [o for o in dout_n6.operands if o.name == "w16"]
    assert len(w16) == 1 and w16[0].value == 0.7
    chain = seed002["dE/dout_n9"].value * seed002["dout_n9/dnet_n9"].value * 0.7 * 1 * 0.343
    assert seed002["dE/dw7"].value == pytest.approx(chain, rel=1e-12)


def test_seed002_dead_neuron_passes_no_gradient(seed002) -> None:
    """n4 has net -0.079 < 0: ReLU's derivative is 0, so w2, w5 and b2 do not move."""
    assert seed002["dout_n4/dnet_n4"].value == 0
    for name in ("dE/dw2", "dE/dw5", "dE/db2"):
        assert seed002[name].value == 0
    assert seed002["w2_new"].value == 0.2 and seed002["b2_new"].value == -0.4


# --- (c) seed 000: hand computation, truncated to 2 digits and carried -----------
SEED000_PRINTED = [
    ("net1_h", "0.6"), ("net2_h", "0.7"), ("net3_h", "0.9"), ("net4_h", "0.3"),
    ("output1_h", "0.64"), ("output2_h", "0.66"), ("output3_h", "0.71"), ("output4_h", "0.57"),
    ("net_o", "1.28"), ("output_o", "0.78"),
    ("error", "0.22"),  # target - output_o = 1 - 0.78
]


@pytest.fixture(scope="module")
def seed000():
    """The article's network (style_problems.SEED_000) worked as the article does: two digits,
    truncated, the truncated values carried on."""
    return trace(Problem.from_dict(SEED_000_BY_HAND))


@pytest.mark.parametrize("name,printed", SEED000_PRINTED)
def test_seed000_forward_pass_prints_as_the_article(seed000, name: str, printed: str) -> None:
    e = seed000[name]
    # the article drops trailing zeros (net1_h = 0.6); tracer prints the problem's two decimals
    # (0.60): the same number, written to the problem's digits
    digits = seed000.problem.rounding.digits
    assert Decimal(e.shown) == Decimal(printed)
    assert e.shown == format(Decimal(printed).quantize(Decimal(1).scaleb(-digits)), "f")
    assert e.value == float(printed)  # carried: the truncated value is what is used next


def test_seed000_net_o_is_computed_from_the_carried_outputs(seed000) -> None:
    """0.64·0.6 + 0.66·0.7 + 0.71·0.3 + 0.57·0.4 = 1.287 -> 1.28; unrounded it would be 1.30."""
    assert [o.value for o in seed000["net_o"].operands] == [0.6, 0.64, 0.7, 0.66, 0.3, 0.71, 0.4, 0.57]
    assert seed000["net_o"].substitution_latex() == "0.6 \\cdot 0.64 + 0.7 \\cdot 0.66 + 0.3 \\cdot 0.71 + 0.4 \\cdot 0.57"


# The article computes deriv(output) as σ'(output) = σ(output)(1 - σ(output)), applying the
# sigmoid twice; the derivative at the neuron is output(1 - output). (name, article, correct)
SEED000_SLIPS = [
    ("deriv(output_o)", "0.21", "0.17"),     # 0.78 · 0.22 = 0.1716
    ("deriv(output1_h)", "0.22", "0.23"),    # 0.64 · 0.36 = 0.2304
    ("deriv(output2_h)", "0.224", "0.22"),   # 0.66 · 0.34 = 0.2244
    ("deriv(output3_h)", "0.220", "0.20"),   # 0.71 · 0.29 = 0.2059, truncated to two decimals
    ("deriv(output4_h)", "0.23", "0.24"),    # 0.57 · 0.43 = 0.2451
]


@pytest.mark.parametrize("name,article,correct", SEED000_SLIPS)
def test_seed000_derivative_is_out_times_one_minus_out(seed000, name: str, article: str, correct: str) -> None:
    e = seed000[name]
    assert e.shown == correct and e.shown != article
    out = e.operands[1].value
    assert e.value == float(Decimal(repr(out * (1 - out))).quantize(Decimal("0.01"), rounding="ROUND_DOWN"))
