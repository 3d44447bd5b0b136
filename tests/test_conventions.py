"""Backpropagation in a textbook's conventions (issue 12, sections 1 and 4).

The book's own numbers (Han, Kamber & Pei, Example 9.1), an independent hand computation
of them with per-kind rounding, numpy references for every convention (they change how the
arithmetic is written, never the trained weights), and every combination rendered in every
style: the lines add up and no line mixes the two signs.
"""
from __future__ import annotations

import copy
import itertools
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pytest

from tests.arithmetic import check_page, check_trace, page_lines
from tracer.engine.ops import AddChange, ErrUpdate, Update
from tracer.engine.trace import trace
from tracer.errors import ProblemError
from tracer.examples import example_path
from tracer.formula.tree import Node
from tracer.model.problem import Problem
from tracer.render import RenderOptions, render_text

HAN_KAMBER = example_path("han-kamber-backprop")
STYLES = ("chain-rule", "narrative", "matrix", "symbolic")

#: Every number Example 9.1 prints (Tables 9.2 and 9.3), as printed. Transcribed from the book
#: and checked against a public transcription of the same tables ("Appendix B: An Example of
#: Back-propagation Algorithm", course notes, November 2011).
BOOK = {
    "I4": "-0.7", "O4": "0.332", "I5": "0.1", "O5": "0.525", "I6": "-0.105", "O6": "0.474",
    "Err6": "0.1311", "Err5": "-0.0065", "Err4": "-0.0087",
    "w46+": "-0.261", "w56+": "-0.138", "w14+": "0.192", "w15+": "-0.306", "w24+": "0.4",
    "w25+": "0.1", "w34+": "-0.508", "w35+": "0.194",
    "theta6+": "0.218", "theta5+": "0.194", "theta4+": "-0.408",
}


def _shown(log) -> dict[str, str]:
    return {e.name: e.shown for e in log.entries}


#: Weights the example leaves as they were (x2 = 0, so Δw24 = Δw25 = 0): printed as the problem
#: writes them, as data, not at the new weights' 3 places.
UNCHANGED = {"w24+", "w25+"}


def test_han_kamber_example_9_1_prints_every_number_of_the_book():
    log = trace(Problem.from_file(HAN_KAMBER))
    entries = {e.name: e for e in log.entries}
    shown = {name: entries[name].shown for name in BOOK}
    # every number is the book's ...
    assert {name: Decimal(v) for name, v in shown.items()} == {name: Decimal(v) for name, v in BOOK.items()}
    # ... written to its kind's places (the book drops trailing zeros: I4 = -0.7, I5 = 0.1; tracer
    # prints -0.700 and 0.100 at the 3 places of the outputs beside them)
    places = {name: log.problem.rounding.of(entries[name].kind).digits for name in BOOK}
    assert shown == {name: v if name in UNCHANGED else format(Decimal(v).quantize(Decimal(1).scaleb(-places[name])), "f")
                     for name, v in BOOK.items()}
    assert (shown["I4"], shown["I5"], shown["Err6"], shown["w24+"]) == ("-0.700", "0.100", "0.1311", "0.4")


def _r(x: Decimal, places: int) -> Decimal:
    return x.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def test_the_books_numbers_are_a_hand_computation_carried_at_3_and_4_places():
    """Recomputed here from the book's formulas: outputs carried at 3 places, error terms at 4,
    changes at 4, new values at 3. Exact values would give Err6 = 0.1312, not the book's 0.1311."""
    sig = lambda x: Decimal(str(1 / (1 + np.exp(-float(x)))))
    x = [Decimal(1), Decimal(0), Decimal(1)]
    w = {(1, 4): "0.2", (2, 4): "0.4", (3, 4): "-0.5", (1, 5): "-0.3", (2, 5): "0.1", (3, 5): "0.2",
         (4, 6): "-0.3", (5, 6): "-0.2"}
    W = {k: Decimal(v) for k, v in w.items()}
    theta = {4: Decimal("-0.4"), 5: Decimal("0.2"), 6: Decimal("0.1")}
    O: dict[int, Decimal] = {1: x[0], 2: x[1], 3: x[2]}
    I: dict[int, Decimal] = {}
    for j, sources in ((4, (1, 2, 3)), (5, (1, 2, 3)), (6, (4, 5))):
        I[j] = _r(sum(W[(i, j)] * O[i] for i in sources) + theta[j], 3)
        O[j] = _r(sig(I[j]), 3)
    err = {6: _r(O[6] * (1 - O[6]) * (1 - O[6]), 4)}
    for j in (4, 5):
        err[j] = _r(O[j] * (1 - O[j]) * err[6] * W[(j, 6)], 4)
    l = Decimal("0.9")
    new = {f"w{i}{j}+": _r(W[(i, j)] + _r(l * err[j] * O[i], 4), 3) for (i, j) in W}
    new |= {f"theta{j}+": _r(theta[j] + _r(l * err[j], 4), 3) for j in theta}
    mine = {f"I{j}": I[j] for j in I} | {f"O{j}": O[j] for j in (4, 5, 6)} | {f"Err{j}": err[j] for j in err} | new
    assert {k: Decimal(mine[k]) for k in BOOK} == {k: Decimal(v) for k, v in BOOK.items()}
    exact_err6 = 0.47389 * (1 - 0.47389) ** 2         # O6 = σ(−0.10454) unrounded
    assert round(exact_err6, 4) == 0.1312                # why the book's 0.1311 needs carried outputs


def test_han_kamber_err_is_minus_dnet_and_delta_is_new_minus_old():
    log = trace(Problem.from_file(HAN_KAMBER))
    by = {(e.kind, e.layer, e.neuron, e.source): e for e in log.entries}
    for (kind, l, j, i), e in by.items():
        if kind == "err":
            assert e.value == pytest.approx(-by[("dnet", l, j, None)].value, abs=1e-12)
        if kind in ("new_w", "new_b"):
            assert isinstance(e.op, AddChange)
            delta = by[("delta_w" if kind == "new_w" else "delta_b", l, j, i)]
            assert e.operands[1].entry == delta.index
            exact = Decimal(e.operands[0].shown) + Decimal(delta.shown)      # −0.3 + 0.0392 = −0.2608
            assert Decimal(e.shown) == _r(exact, 3)                            # carried as −0.261
    doc = log.to_dict() if hasattr(log, "to_dict") else None
    if doc is not None:
        assert doc["problem"]["rounding"]["kinds"] == {"delta_b": 4, "delta_w": 4, "err": 4}


# --- every convention against a numpy reference ------------------------------------------
def _raw(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "network": {"layers": [2, 2, 1], "activation": "sigmoid",
                    "weights": [[[0.1, -0.2], [0.4, 0.3]], [[0.5, -0.6]]], "biases": [[0.1, -0.1], [0.2]]},
        "loss": "half_squared_error",
        "training": {"learning_rate": 0.5, "epochs": 2, "batch_size": 1},
        "data": [{"input": [1.0, 0.5], "target": [1.0]}, {"input": [-0.5, 1.0], "target": [0.0]}],
        "show_steps": "all",
    }
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def _reference(raw: dict[str, Any]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Plain numpy backprop from the formulas: θ subtracted when asked, a batch's gradients
    averaged or summed."""
    c = raw.get("conventions", {})
    sign = -1.0 if c.get("bias") == "subtracted" else 1.0
    W = [np.array(m, dtype=float) for m in raw["network"]["weights"]]
    b = [np.array(v, dtype=float) for v in raw["network"]["biases"]]
    eta, k = raw["training"]["learning_rate"], raw["training"]["batch_size"]
    data = raw["data"]
    for _ in range(raw["training"]["epochs"]):
        for start in range(0, len(data), k):
            gw = [np.zeros_like(m) for m in W]
            gb = [np.zeros_like(v) for v in b]
            batch = data[start:start + k]
            for ex in batch:
                outs = [np.array(ex["input"])]
                for m, v in zip(W, b):
                    outs.append(1 / (1 + np.exp(-(m @ outs[-1] + sign * v))))
                delta = (outs[-1] - np.array(ex["target"])) * outs[-1] * (1 - outs[-1])
                for l in range(len(W) - 1, -1, -1):
                    gw[l] += np.outer(delta, outs[l])
                    gb[l] += sign * delta
                    delta = (W[l].T @ delta) * outs[l] * (1 - outs[l])
            scale = 1.0 / len(batch) if c.get("update", "batch_mean") == "batch_mean" else 1.0
            W = [m - eta * scale * g for m, g in zip(W, gw)]
            b = [v - eta * scale * g for v, g in zip(b, gb)]
    return W, b


CONVENTIONS = [
    {},
    {"error": "negative_gradient"},
    {"show_change": True},
    {"error": "negative_gradient", "show_change": True},
    {"bias": "subtracted"},
    {"bias": "subtracted", "error": "negative_gradient"},
    {"bias": "subtracted", "show_change": True, "index_base": 0},
    {"error": "negative_gradient", "update": "batch_sum"},
    {"update": "batch_sum", "show_change": True},
    {"error": "negative_gradient", "index_base": 0},
    {"update": "batch_sum"},
    {"index_base": 0},
]
BATCHES = (1, 2)
CASES = [(c, k) for c in CONVENTIONS for k in BATCHES]


def _label(case: tuple[dict, int]) -> str:
    c, k = case
    return ("-".join(f"{a}={b}" for a, b in c.items()) or "defaults") + f"-batch{k}"


@pytest.mark.parametrize("case", CASES, ids=_label)
def test_conventions_change_the_writing_never_the_weights(case):
    conventions, k = case
    raw = _raw(conventions=conventions, training={"batch_size": k})
    log = trace(Problem.from_dict(raw))
    W, b = _reference(raw)
    for l in range(2):
        np.testing.assert_allclose(log.final_weights[l], W[l], atol=1e-12)
        np.testing.assert_allclose(log.final_biases[l], b[l], atol=1e-12)
    for e in log.entries:
        if e.kind == "err":
            dnet = next(d for d in log.entries if d.kind == "dnet" and (d.step, d.example, d.layer, d.neuron)
                        == (e.step, e.example, e.layer, e.neuron))
            assert e.value == pytest.approx(-dnet.value, abs=1e-15)
        if e.kind in ("new_w", "new_b"):
            old = e.operands[0].value
            if conventions.get("show_change") or (conventions.get("error") == "negative_gradient" and k > 1):
                assert isinstance(e.op, AddChange)
                assert log.entries[e.operands[1].entry].value == pytest.approx(e.value - old, abs=1e-12)
            elif conventions.get("error") == "negative_gradient":
                assert isinstance(e.op, ErrUpdate)
            else:
                assert isinstance(e.op, Update)
    failures = check_trace(log, _label(case))
    assert not failures, "\n".join(map(str, failures[:10]))


def _symbols(parts: list[Any]) -> str:
    from tracer.formula.latex import latex
    return " = ".join(latex(p) if isinstance(p, Node) else str(p) for p in parts if p is not None)


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("case", CASES[::2] + [(CONVENTIONS[3], 2), (CONVENTIONS[7], 2), (CONVENTIONS[10], 2)],
                         ids=_label)
def test_every_combination_renders_in_every_style_without_mixing_signs(case, style):
    conventions, k = case
    raw = _raw(conventions=conventions, training={"batch_size": k, "epochs": 1})
    log = trace(Problem.from_dict(raw))
    with page_lines() as seen:
        text = render_text(log, "md", RenderOptions(style=style, max_terms=None)).text
    lines = [_symbols(list(item)) for kind, item in seen if kind == "chain"]
    assert len(lines) > 10
    negative = conventions.get("error") == "negative_gradient"
    if negative:  # Err = −∂E/∂net throughout: no gradient is printed, every update adds
        assert not [ln for ln in lines if "\\partial" in ln]
        assert any("\\mathrm{Err}" in ln for ln in lines)
        updates = [ln for ln in lines if ln.startswith(("w_{", "b_{")) and "^{+}" in ln.split("=")[0]]
        assert updates and all(" + " in ln.split("=")[1] for ln in updates)
    else:         # the gradient convention: no error term Err anywhere
        assert "\\mathrm{Err}" not in text
    if conventions.get("show_change") or (negative and k > 1):
        assert any(ln.startswith("\\Delta w") for ln in lines)
    if conventions.get("bias") == "subtracted":
        assert "\\theta" in text and "b_{1}" not in text
    if conventions.get("update") == "batch_sum" and k > 1:   # the words follow the sum too
        words = re.findall(r"[a-z]+", text.lower())
        assert "mean" not in words and not any(w.startswith("averag") for w in words) and "sum" in words
    if conventions.get("index_base") == 0:
        assert "w_{0}" in text and "w_{6}" not in text
    if style != "symbolic":
        failures = check_page(log, seen, f"{_label(case)} {style}")
        assert not failures, "\n".join(map(str, failures[:10]))


def test_show_change_splits_any_optimizers_step():
    raw = _raw(conventions={"show_change": True}, training={"optimizer": {"name": "adam"}})
    log = trace(Problem.from_dict(raw))
    deltas = [e for e in log.entries if e.kind == "delta_w"]
    assert len(deltas) == 4 * 6                     # 6 weights, 4 recorded steps
    for d in deltas:
        new = next(e for e in log.entries if e.kind == "new_w" and (e.step, e.layer, e.neuron, e.source)
                   == (d.step, d.layer, d.neuron, d.source))
        assert new.operands[1].entry == d.index
        assert d.value == pytest.approx(new.value - new.operands[0].value, abs=1e-15)
        assert d.latex.startswith("\\Delta w")
    assert not check_trace(log, "adam show_change")


def test_index_base_numbers_generated_and_bracket_names_from_zero():
    log = trace(Problem.from_dict(_raw(conventions={"index_base": 0}, notation="matrix")))
    names = {e.name for e in log.entries}
    assert {"dW1[0,1]", "W2[0,1]+", "Z1[0]", "A2[0]"} <= names and "dW1[2,2]" not in names
    first = next(e for e in log.entries if e.name == "dW1[0,1]")
    assert (first.layer, first.neuron, first.source) == (1, 1, 2)      # JSON fields still count from 1
    assert {h["step"] for h in log.history} == {1, 2, 3, 4}
    letters = {e.name for e in trace(Problem.from_dict(_raw(conventions={"index_base": 0}))).entries}
    assert {"w0+", "w5+", "out_h0", "b0+", "out_o0", "dE/db2"} <= letters and "w6+" not in letters


DEEP = {"layers": [2, 2, 2, 1], "activation": "sigmoid",
        "weights": [[[0.1, -0.2], [0.4, 0.3]], [[0.2, 0.1], [-0.3, 0.5]], [[0.5, -0.6]]],
        "biases": [[0.1, -0.1], [0.2, 0.0], [0.2]]}


@pytest.mark.parametrize("preset, names, absent", [
    # layers keep their numbers under index_base 0: the input layer is layer 0 under either base
    # (A0 = X), so hidden layer 1 stays 1 and W1 is still the first weight matrix
    ("matrix", {"A0[1]", "Z1[0]", "A1[1]", "A2[0]", "A3[0]", "W1[0,0]+", "W3[0,1]+", "dW2[1,1]"},
     {"A0[2]", "A1[2]", "W0[0,0]+", "Z0[0]", "W3[1,2]+"}),
    ("letters", {"i0", "i1", "out_h1_0", "out_h2_1", "out_o0", "w0+", "w9+"},
     {"i2", "out_h0_0", "out_h1_2", "w10+"}),
])
def test_index_base_zero_lowers_neurons_and_weights_never_layers(preset, names, absent):
    log = trace(Problem.from_dict(_raw(conventions={"index_base": 0}, network=DEEP, notation=preset)))
    got = {e.name for e in log.entries} | {o.name for e in log.entries for o in e.operands}
    assert names <= got and not (absent & got)
    for e in log.entries:          # the JSON fields still count layers and neurons from 1
        assert e.layer is None or e.layer >= 1 or e.kind == "input"
        assert e.neuron is None or e.neuron >= 1


def test_tracer_check_resolves_bracket_names_under_index_base_zero(tmp_path, capsys):
    """Mazur's classic-2-2-2 (η = 0.5): dE/dw2 = 0.00087714, w2+ = 0.19956143, w5+ =
    0.35891648, out_h2 = 0.596884378, i2 = 0.1; under index_base 0 the weight from input 2 to
    hidden 1 is W1[0,1] and hidden unit 2 is A1[1], whatever notation the problem prints."""
    import json

    import yaml

    from tracer.cli import main
    from tracer.examples import load
    answers = tmp_path / "a.txt"
    answers.write_text("dW1[0,1] = 0.00087714\nW1[0,1]+ = 0.19956143\nW^{[2]}[0,0]+ = 0.35891648\n"
                       "A1[1] = 0.596884378\nA0[1] = 0.1\nW2[0,0] = 0.4\n", encoding="utf-8")
    expected = {"letters": {"dW1[0,1]": "dE/dw1", "W1[0,1]+": "w1+", "W^{[2]}[0,0]+": "w4+",
                            "A1[1]": "out_h1", "A0[1]": "i1", "W2[0,0]": "w4"},
                "matrix": {"dW1[0,1]": "dW1[0,1]", "W1[0,1]+": "W1[0,1]+", "W^{[2]}[0,0]+": "W2[0,0]+",
                           "A1[1]": "A1[1]", "A0[1]": "A0[1]", "W2[0,0]": "W2[0,0]"}}
    for preset, quantities in expected.items():
        raw = load("classic-2-2-2").to_dict()
        raw["conventions"], raw["notation"] = {"index_base": 0}, preset
        problem = tmp_path / f"{preset}.yaml"
        problem.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
        assert main(["check", str(problem), str(answers), "--format", "json"]) == 0
        report = json.loads(capsys.readouterr().out)
        assert report["unmatched"] == []
        assert {r["name"]: (r["quantity"], r["verdict"]) for r in report["records"]} == {
            name: (q, "correct") for name, q in quantities.items()}
    # the 1-based reading of the same weight is another weight under index_base 0: w2 is W1[0,1]
    raw = load("classic-2-2-2").to_dict()
    raw["conventions"] = {"index_base": 0}
    problem = tmp_path / "p.yaml"
    problem.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    answers.write_text("dW1[1,2] = 0.00087714\n", encoding="utf-8")
    main(["check", str(problem), str(answers), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert report["records"] == [] and report["unmatched"][0]["name"] == "dW1[1,2]"


def test_per_kind_rounding_prints_and_carries_each_kind_at_its_digits():
    raw = _raw(rounding={"digits": 4, "carry": True, "kinds": {"out": 2, "err": 3}},
               conventions={"error": "negative_gradient"})
    log = trace(Problem.from_dict(raw))
    for e in log.entries:
        places = len(e.shown.partition(".")[2])
        if e.kind == "out":
            assert places <= 2 and Decimal(e.shown) == Decimal(repr(e.value))
        if e.kind == "err":
            assert places <= 3 or abs(e.value) < 0.001
    assert Problem.from_dict(raw).to_dict()["rounding"]["kinds"] == {"err": 3, "out": 2}
    assert not check_trace(log, "per-kind")


def test_learning_rate_symbol_and_presets():
    log = trace(Problem.from_dict(_raw(notation={"preset": "letters", "learning_rate": "alpha"})))
    update = next(e for e in log.entries if e.kind == "new_w")
    assert update.operands[1].latex == "\\alpha" and "\\alpha" in update.formula_latex()
    text = render_text(log, "md", RenderOptions(style="chain-rule")).text
    assert "$\\alpha = 0.5$" in text
    log = trace(Problem.from_dict(_raw(notation="negnevitsky", conventions={"error": "negative_gradient",
                                                                          "bias": "subtracted"})))
    names = {e.name: e for e in log.entries}
    assert {"X3", "y5", "delta5", "theta5+", "w35+"} <= set(names)
    assert names["delta5"].latex == "\\delta_{5}" and names["w35+"].operands[1].latex == "\\alpha"
    assert names["X3"].formula_latex().endswith("- \\theta_{3}")
    from tracer.model.notation import Notation
    thresholds = {p: Notation.from_spec((2, 2, 1), "per_neuron", p, 1, True).quantity("bias", 1, 1).plain
                  for p in ("letters", "indexed", "matrix", "narrative")}
    assert thresholds == {"letters": "theta1", "indexed": "theta_11", "matrix": "theta1[1]", "narrative": "bias1_h"}
    # a learning rule keeps its book's α (η for Hebb) unless the notation names the rate
    rule = Problem.from_file(example_path("perceptron-and")).to_dict()
    rule["notation"] = {"preset": "letters", "learning_rate": "eta"}
    deltas = [e for e in trace(Problem.from_dict(rule)).entries if e.kind == "delta_w"]
    assert deltas[0].formula_latex() == "\\eta \\cdot e \\cdot x_{1}"


@pytest.mark.parametrize("changes,message", [
    # a softmax output's Err_j sums over every output unless cross-entropy makes it T − O; any
    # other loss, optimizer or penalty is written (test_negative_gradient_with_any_loss_...)
    ({"conventions": {"error": "negative_gradient"}, "loss": "squared_error",
      "network": {"layers": [2, 2, 2], "activation": ["sigmoid", "softmax"],
                  "weights": [[[0.1, -0.2], [0.4, 0.3]], [[0.5, -0.6], [0.1, 0.2]]], "biases": [[0.1, -0.1], [0.2, 0.1]]},
      "data": [{"input": [1.0, 0.5], "target": [1.0, 0.0]}]},
     "p.yaml: conventions.error: found negative_gradient with loss squared_error and a softmax output layer; "
     "expected a loss whose error term is T − O with it (cross_entropy), as Err_j = −∂E/∂net_j of a softmax "
     "unit sums over every output"),
    ({"rounding": {"kinds": {"outt": 3}}},
     "p.yaml: rounding.kinds.outt: found unknown field 'outt' (did you mean 'out'?); expected one of: net, out,"),
    ({"rounding": {"kinds": {"out": 0}}},
     "p.yaml: rounding.kinds.out: found 0; expected a number of digits from 1 to 15"),
    ({"notation": {"preset": "letters", "learning_rate": "not a symbol"}},
     "p.yaml: notation.learning_rate: found 'not a symbol'; expected a notation whose names are safe LaTeX math "
     "(learning_rate 'not a symbol' is not a Greek letter's name (alpha, beta, gamma ...) or a literal symbol"),
])
def test_bad_convention_fields_are_one_line(changes, message):
    with pytest.raises(ProblemError) as info:
        Problem.from_dict(_raw(**changes), source="p.yaml")
    assert str(info.value).startswith(message) and "\n" not in str(info.value)


def test_the_combinations_cover_every_convention_value():
    seen = {(k, v) for c in CONVENTIONS for k, v in c.items()}
    assert seen >= {("error", "negative_gradient"), ("show_change", True), ("bias", "subtracted"),
                    ("index_base", 0), ("update", "batch_sum")}
    assert list(itertools.chain(BATCHES)) == [1, 2]


# --- negative_gradient with any loss, optimizer and penalty ------------------------------------
def _reference_general(raw: dict[str, Any]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Numpy from the formulas, one example a step: squared error E = Σ(t − o)² (∂E/∂o =
    −2(t − o)) or half of it, an L2 penalty λ/2·Σw² (gradient + λ·w, biases free), and plain
    gradient descent or Adam (β1 = 0.9, β2 = 0.999, ε = 1e-8 outside the root)."""
    W = [np.array(m, dtype=float) for m in raw["network"]["weights"]]
    b = [np.array(v, dtype=float) for v in raw["network"]["biases"]]
    eta, lam = raw["training"]["learning_rate"], raw["training"].get("regularization", {}).get("l2", 0.0)
    adam = raw["training"].get("optimizer", {}).get("name") == "adam"
    m = [np.zeros_like(x) for x in W + b]
    v = [np.zeros_like(x) for x in W + b]
    t = 0
    for _ in range(raw["training"]["epochs"]):
        for ex in raw["data"]:
            t += 1
            outs = [np.array(ex["input"])]
            for w_, b_ in zip(W, b):
                outs.append(1 / (1 + np.exp(-(w_ @ outs[-1] + b_))))
            scale = 2.0 if raw["loss"] == "squared_error" else 1.0
            delta = scale * (outs[-1] - np.array(ex["target"])) * outs[-1] * (1 - outs[-1])
            gw, gb = [np.zeros_like(x) for x in W], [np.zeros_like(x) for x in b]
            for l in range(len(W) - 1, -1, -1):
                gw[l], gb[l] = np.outer(delta, outs[l]) + lam * W[l], delta
                delta = (W[l].T @ delta) * outs[l] * (1 - outs[l])
            params, grads = W + b, gw + gb
            for k, (p_, g) in enumerate(zip(params, grads)):
                if adam:
                    m[k] = 0.9 * m[k] + 0.1 * g
                    v[k] = 0.999 * v[k] + 0.001 * g * g
                    step = eta * (m[k] / (1 - 0.9 ** t)) / (np.sqrt(v[k] / (1 - 0.999 ** t)) + 1e-8)
                else:
                    step = eta * g
                params[k] = p_ - step
            W, b = params[:len(W)], params[len(W):]
    return W, b


GENERAL = [
    ({"loss": "squared_error"}, True),
    ({"training": {"regularization": {"l2": 0.1}}}, True),
    ({"training": {"optimizer": {"name": "adam"}}}, True),
    ({"training": {"optimizer": {"name": "adam"}, "regularization": {"l2": 0.1}}, "loss": "squared_error"}, True),
    ({"training": {"optimizer": {"name": "momentum", "momentum": 0.9}}}, False),
    ({"training": {"optimizer": {"name": "rmsprop"}}, "conventions": {"bias": "subtracted"}}, False),
    ({"loss": "binary_cross_entropy", "training": {"optimizer": {"name": "adagrad"}}}, False),
    ({"training": {"regularization": {"l1": 0.05, "biases": True}, "batch_size": 2}}, False),
]


def _general_raw(changes: dict[str, Any], negative: bool) -> dict[str, Any]:
    raw = _raw(**{k: v for k, v in changes.items() if k not in ("training", "conventions")})
    raw["training"] = {**raw["training"], "epochs": 1, **changes.get("training", {})}
    conventions = dict(changes.get("conventions", {}))
    if negative:
        conventions["error"] = "negative_gradient"
    raw["conventions"] = conventions
    return raw


@pytest.mark.parametrize("changes, numpy_reference", GENERAL, ids=lambda c: str(c))
def test_negative_gradient_with_any_loss_optimizer_and_penalty_only_changes_the_writing(changes, numpy_reference):
    raw = _general_raw(changes, True)
    log = trace(Problem.from_dict(raw))
    plain = trace(Problem.from_dict(_general_raw(changes, False)))
    for l in range(2):
        np.testing.assert_allclose(log.final_weights[l], plain.final_weights[l], atol=1e-12)
        np.testing.assert_allclose(log.final_biases[l], plain.final_biases[l], atol=1e-12)
    if numpy_reference:
        W, b = _reference_general(raw)
        for l in range(2):
            np.testing.assert_allclose(log.final_weights[l], W[l], atol=1e-12)
            np.testing.assert_allclose(log.final_biases[l], b[l], atol=1e-12)
    by_place = {(e.kind, e.step, e.example, e.layer, e.neuron, e.source): e for e in log.entries}
    through = "optimizer" in raw["training"] or "regularization" in raw["training"]
    for e in log.entries:
        if e.kind == "err":          # Err = −∂E/∂net, whatever the loss
            dnet = by_place[("dnet", e.step, e.example, e.layer, e.neuron, None)]
            assert e.value == pytest.approx(-dnet.value, abs=1e-15)
        if e.kind == "dw" and e.example is not None and through:   # ∂E/∂w written from Err: −Err_j·O_i
            assert next(log.entries[o.entry].kind for o in e.operands if o.entry is not None) == "err"
            err = e.operands[0].value
            assert e.value == pytest.approx(-err * e.operands[1].value, abs=1e-12)
    assert not check_trace(log, str(changes))


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("changes", [GENERAL[0][0], GENERAL[3][0], GENERAL[5][0], GENERAL[7][0]], ids=str)
def test_negative_gradient_through_an_optimizer_renders_without_mixing_signs(changes, style):
    raw = _general_raw(changes, True)
    raw["rounding"] = {"digits": 4, "carry": True}
    log = trace(Problem.from_dict(raw))
    with page_lines() as seen:
        text = render_text(log, "md", RenderOptions(style=style, max_terms=None)).text
    lines = [_symbols(list(item)) for kind, item in seen if kind == "chain"]
    assert any("\\mathrm{Err}" in ln for ln in lines)
    # δ = ∂E/∂net is never printed (Err is its negative); a printed ∂E/∂w is −Err·O and a
    # printed ∂E/∂O the loss's own derivative
    assert not [ln for ln in lines if "\\delta" in ln]
    from_err = [ln for ln in lines if ln.startswith("\\frac{\\partial E") and "\\partial w_" in ln.split(" = ")[0]
                and "\\mathrm{Err}" in ln.split(" = ")[1]]
    assert all(ln.split(" = ")[1].startswith("-\\mathrm{Err}") for ln in from_err), from_err
    if "optimizer" in raw["training"] or "regularization" in raw["training"]:
        assert len(from_err) >= 6 and any(ln.startswith("\\Delta w") for ln in lines)
    if raw.get("loss") == "squared_error":
        assert any(ln.startswith("\\mathrm{Err}_{o1} = -\\frac{\\partial E") for ln in lines), lines[:30]
    if style != "symbolic":
        failures = check_page(log, seen, f"{changes} {style}")
        assert not failures, "\n".join(map(str, failures[:10]))
    assert "f'(" not in text or style == "matrix"


def test_the_textbook_page_states_its_rounding_with_the_books_exceptions():
    """Han & Kamber carry outputs at 3 places and error terms at 4 (Err_6 = 0.1311): the page's
    conventions say both before the first line, as every walkthrough states its rounding."""
    from tracer.render import RenderOptions, render
    text = render(trace(Problem.from_file(HAN_KAMBER)), "md", RenderOptions())
    rule = ("- Numbers: as by hand, every computed value is rounded to 3 decimal places (significant figures where "
            "that would leave 0) and used on exactly as printed (an updated weight with the digits its change needs), "
            "so each line, rounded at its result's last digit, gives that result exactly. "
            "The exceptions: bias changes, weight changes and error terms to 4 decimal places.")
    assert rule in text and text.index(rule) < text.index("O_{6}(1 - O_{6})(T_{6} - O_{6}) = 0.474(1 - 0.474)")
