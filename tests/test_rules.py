"""The single-layer learning rules against the tables their books print, and conventions.

Published numbers: Negnevitsky (2005), 2nd ed., Table 6.3, perceptron learning AND; Fausett (1994)
Example 2.6, a Hebb net for AND on bipolar data; Hagan et al. (2014) chapter 10, the LMS
example (apple/orange). Independent references: the delta rule written out here from its
formula, and every logged entry's op re-evaluated on the numbers it prints.
"""
from __future__ import annotations

import copy
import json
import math
from decimal import Decimal
from typing import Any

import pytest

from tracer.engine.trace import trace
from tracer.errors import ProblemError
from tracer.examples import example_path
from tracer.model.conventions import FIELDS, Conventions
from tracer.model.problem import Problem
from tracer.render import RenderOptions, render

NEGNEVITSKY_AND = example_path("perceptron-and")
FAUSETT_HEBB = example_path("hebb-and")
HAGAN_LMS = example_path("adaline-lms")

# Negnevitsky, Table 6.3: per row x1, x2, Yd, initial w1, w2, Y, e, final w1, w2 (θ = 0.2, α = 0.1).
TABLE_4_3 = [
    # epoch 1
    (0, 0, 0, 0.3, -0.1, 0, 0, 0.3, -0.1), (0, 1, 0, 0.3, -0.1, 0, 0, 0.3, -0.1),
    (1, 0, 0, 0.3, -0.1, 1, -1, 0.2, -0.1), (1, 1, 1, 0.2, -0.1, 0, 1, 0.3, 0.0),
    # epoch 2
    (0, 0, 0, 0.3, 0.0, 0, 0, 0.3, 0.0), (0, 1, 0, 0.3, 0.0, 0, 0, 0.3, 0.0),
    (1, 0, 0, 0.3, 0.0, 1, -1, 0.2, 0.0), (1, 1, 1, 0.2, 0.0, 1, 0, 0.2, 0.0),
    # epoch 3
    (0, 0, 0, 0.2, 0.0, 0, 0, 0.2, 0.0), (0, 1, 0, 0.2, 0.0, 0, 0, 0.2, 0.0),
    (1, 0, 0, 0.2, 0.0, 1, -1, 0.1, 0.0), (1, 1, 1, 0.1, 0.0, 0, 1, 0.2, 0.1),
    # epoch 4
    (0, 0, 0, 0.2, 0.1, 0, 0, 0.2, 0.1), (0, 1, 0, 0.2, 0.1, 0, 0, 0.2, 0.1),
    (1, 0, 0, 0.2, 0.1, 1, -1, 0.1, 0.1), (1, 1, 1, 0.1, 0.1, 1, 0, 0.1, 0.1),
    # epoch 5
    (0, 0, 0, 0.1, 0.1, 0, 0, 0.1, 0.1), (0, 1, 0, 0.1, 0.1, 0, 0, 0.1, 0.1),
    (1, 0, 0, 0.1, 0.1, 0, 0, 0.1, 0.1), (1, 1, 1, 0.1, 0.1, 1, 0, 0.1, 0.1),
]


def _shown(log, step: int, kind: str, source: int | None = None) -> str:
    return next(e.shown for e in log.entries if e.step == step and e.kind == kind and e.source == source)


def _operand(log, step: int, kind: str, source: int, role: str) -> str:
    e = next(e for e in log.entries if e.step == step and e.kind == kind and e.source == source)
    return e.operands[0].shown if role == "old" else e.operands[1].shown


def test_negnevitsky_table_4_3_every_number():
    log = trace(Problem.from_file(NEGNEVITSKY_AND))
    assert len(log.history) == len(TABLE_4_3)
    for step, (x1, x2, yd, w1, w2, y, e, n1, n2) in enumerate(TABLE_4_3, 1):
        h = log.history[step - 1]
        assert (h["epoch"], h["example"]) == ((step - 1) // 4 + 1, (step - 1) % 4 + 1)
        assert log.problem.data[h["example"] - 1].input == (x1, x2)
        assert log.problem.data[h["example"] - 1].target == (yd,)
        assert [float(_operand(log, step, "new_w", i, "old")) for i in (1, 2)] == [w1, w2]
        assert float(_shown(log, step, "out")) == y
        assert float(_shown(log, step, "error")) == e
        assert [float(_shown(log, step, "new_w", i)) for i in (1, 2)] == [n1, n2]
    assert [row["errors"] for row in log.epochs] == [2, 1, 2, 1, 0]
    assert log.convergence == {"converged": True, "epoch": 5, "stopped_by": "convergence", "epochs_run": 5,
                               "wrong_after": 0}
    assert log.final_weights == [[[0.1, 0.1]]] and log.final_biases == [[0.2]]


def test_net_of_exactly_zero_fires_the_step_as_in_the_book():
    """Epoch 2, row 4: 0.2·1 + 0·1 − 0.2 = 0 and Y = 1; in binary floats 0.3 − 0.1 < 0.2 would give 0."""
    log = trace(Problem.from_file(NEGNEVITSKY_AND))
    assert _shown(log, 8, "net") == "0" and _shown(log, 8, "out") == "1"
    assert 0.3 - 0.1 < 0.2   # why the engine holds decimals, not raw floats


def test_fausett_hebb_and_bipolar_weights_after_each_pattern():
    log = trace(Problem.from_file(FAUSETT_HEBB))
    expected = [(1, 1, 1), (0, 2, 0), (1, 1, -1), (2, 2, -2)]      # Fausett, Example 2.6
    changes = [(1, 1, 1), (-1, 1, -1), (1, -1, -1), (1, 1, -1)]
    for step, (w, dw) in enumerate(zip(expected, changes), 1):
        got = [float(_shown(log, step, "new_w", i)) for i in (1, 2)] + [float(_shown(log, step, "new_b"))]
        assert tuple(got) == w
        got_dw = [float(_shown(log, step, "delta_w", i)) for i in (1, 2)] + [float(_shown(log, step, "delta_b"))]
        assert tuple(got_dw) == dw
    assert log.convergence["stopped_by"] == "epochs" and log.convergence["wrong_after"] == 0
    # η = 1 is left out of the printed change, as Fausett writes Δw_i = x_i t
    dw1 = next(e for e in log.entries if e.kind == "delta_w")
    assert dw1.formula_latex() == "x_{1} \\cdot t"


def _at_places(number: str, places: int) -> str:
    """A number a source prints without trailing zeros, written to ``places`` decimals (a whole
    number stays whole)."""
    d = Decimal(number)
    return number if d == d.to_integral_value() else format(d.quantize(Decimal(1).scaleb(-places)), "f")


def test_hagan_lms_iterations():
    """Hagan ch. 10: W(1) = [-0.4 0.4 0.4], W(2) = [0.16 0.96 -0.16], W(3) = [0.016 1.104 -0.016]."""
    log = trace(Problem.from_file(HAGAN_LMS))
    printed = {1: (-0.4, 0.4, 0.4), 2: (0.16, 0.96, -0.16), 3: (0.016, 1.104, -0.016)}
    for step, w in printed.items():
        assert tuple(float(_shown(log, step, "new_w", i)) for i in (1, 2, 3)) == w
    # the error is t − net (not t − y): iteration 2 has net −0.4, sign −1 and e = 1 − (−0.4) = 1.4
    book = ("-0.4", "-1", "1.4")
    shown = (_shown(log, 2, "net"), _shown(log, 2, "out"), _shown(log, 2, "error"))
    assert tuple(map(Decimal, shown)) == tuple(map(Decimal, book))
    # Hagan drops trailing zeros; tracer prints a computed value at the problem's 4 decimals
    # (a whole number, the sign −1, as one)
    assert shown == ("-0.4000", "-1", "1.4000") == tuple(_at_places(v, log.problem.rounding.digits) for v in book)
    assert log.epochs[0]["squared_error"] == pytest.approx(1 + 1.4 ** 2)   # (−1 − 0)² + 1.4²


def _problem(**changes: Any) -> dict[str, Any]:
    base = {"network": {"layers": [2, 1], "activation": "sigmoid", "weights": [[[0.5, -0.3]]], "biases": [[0.1]]},
            "training": {"rule": "delta", "learning_rate": 0.5, "epochs": 2},
            "data": [{"input": [1.0, 0.5], "target": [1.0]}, {"input": [-0.5, 1.0], "target": [0.0]}]}
    out = copy.deepcopy(base)
    for key, value in changes.items():
        out[key] = value
    return out


def test_delta_rule_against_its_formula_with_a_subtracted_threshold():
    raw = _problem(conventions={"bias": "subtracted"})
    log = trace(Problem.from_dict(raw))
    w, theta = [0.5, -0.3], 0.1
    for step, ex in enumerate(raw["data"] * 2, 1):
        x, t = ex["input"], ex["target"][0]
        net = w[0] * x[0] + w[1] * x[1] - theta
        y = 1 / (1 + math.exp(-net))
        grad = 0.5 * (t - y) * y * (1 - y)
        w = [w[0] + grad * x[0], w[1] + grad * x[1]]
        theta = theta + grad * -1
        for i in (1, 2):
            e = next(e for e in log.entries if e.step == step and e.kind == "new_w" and e.source == i)
            assert e.value == pytest.approx(w[i - 1], abs=1e-12)
        assert next(e for e in log.entries if e.step == step and e.kind == "new_b").value == pytest.approx(theta)


def test_every_logged_line_adds_up_on_its_printed_numbers():
    """The arithmetic rule: each entry's op on the operands as printed gives the printed value
    (to half a unit of its last printed digit)."""
    for path in (NEGNEVITSKY_AND, FAUSETT_HEBB, HAGAN_LMS):
        log = trace(Problem.from_file(path))
        for e in log.entries:
            got = e.op.evaluate([float(o.shown) for o in e.operands])
            places = -Decimal(e.shown).as_tuple().exponent if "." in e.shown else 0
            assert abs(got - float(e.shown)) <= 0.5 * 10 ** -places + 1e-12, (path.parent.name, e.name, e.step)


def test_json_log_has_epochs_final_and_every_presentation():
    problem = Problem.from_file(NEGNEVITSKY_AND)
    data = json.loads(trace(problem).to_json())
    assert data["epochs"][4] == {"epoch": 5, "errors": 0, "squared_error": 0.0}
    assert data["final"]["converged"] is True and data["final"]["epoch"] == 5
    assert data["problem"]["conventions"] == {"bias": "subtracted"}
    assert data["problem"]["training"]["rule"] == "perceptron"
    assert data["problem"]["show_steps"] == [3, 8]      # worked in full; the log has all 20
    assert sorted({e["step"] for e in data["entries"]}) == list(range(1, 21))
    kinds = {e["kind"] for e in data["entries"]}
    assert kinds == {"net", "out", "error", "delta_w", "new_w"}   # θ fixed: no delta_b / new_b
    assert len(data["history"]) == 20


@pytest.mark.parametrize("style", ["chain-rule", "narrative", "matrix", "symbolic"])
@pytest.mark.parametrize("fmt", ["md", "tex", "html"])
def test_every_style_renders_the_epoch_table(style: str, fmt: str):
    log = trace(Problem.from_file(NEGNEVITSKY_AND))
    text = render(log, fmt, RenderOptions(style=style))
    assert isinstance(text, str)
    assert "Epoch 5 has no wrong output" in text
    if style == "symbolic":
        assert "Worked presentations" not in text
    elif style == "matrix" and fmt == "md":
        assert "{\\begin{bmatrix} 0.3 & -0.1 \\end{bmatrix}} + 0.1 \\cdot (-1) \\cdot" in text
    elif fmt == "md":
        assert ("net = w_{1} \\cdot x_{1} + w_{2} \\cdot x_{2} - \\theta = 0.3 \\cdot 1 + (-0.1) \\cdot 0 - 0.2 "
                "= 0.1") in text


def test_tex_walkthrough_compiles():
    latexcheck = pytest.importorskip("tests.latexcheck")
    log = trace(Problem.from_file(NEGNEVITSKY_AND))
    result = latexcheck.compile_tex(str(render(log, "tex", RenderOptions(style="chain-rule"))))
    assert result.errors == []
    assert result.wider_than(1.0) == []


def test_index_base_zero_numbers_inputs_and_weights_from_zero():
    raw = _problem(conventions={"index_base": 0})
    log = trace(Problem.from_dict(raw))
    names = [e.name for e in log.entries if e.step == 1]
    assert names == ["net", "y", "e", "f'", "dw0", "w0+", "dw1", "w1+", "db", "b+"]
    assert {e.source for e in log.entries if e.kind == "new_w"} == {1, 2}   # the JSON fields count from 1


# --- conventions ----------------------------------------------------------------------
def test_conventions_defaults_and_to_dict():
    c = Conventions()
    assert (c.bias, c.error, c.show_change, c.index_base, c.update) == (
        "added", "gradient", False, 1, "batch_mean")
    assert c.to_dict() == {} and Conventions({"index_base": 0}).to_dict() == {"index_base": 0}
    assert set(FIELDS) >= {"bias", "error", "show_change", "index_base", "update", "convolution"}


@pytest.mark.parametrize("changes, message", [
    ({"conventions": {"bias": "minus"}},
     "p.yaml: conventions.bias: found 'minus'; expected added or subtracted "
     "(subtracted: a threshold θ, net = Σ w·x − θ)"),
    ({"conventions": {"index_base": True}},
     "p.yaml: conventions.index_base: found true; expected 1 or 0 "
     "(the number of the first neuron, weight and layer in names)"),
    ({"conventions": {"sign": "x"}},
     "p.yaml: conventions.sign: found unknown field 'sign'; expected one of: bias, error, show_change, "
     "index_base, update"),
    ({"conventions": {"error": "negative_gradient"}},
     "p.yaml: conventions.error: found negative_gradient; expected the default for rule: delta, whose error "
     "is always t − y and whose updates are online"),
    ({"network": {"layers": [2, 1], "activation": "step", "weights": [[[0.5, -0.3]]], "biases": [[0.1]]}},
     "p.yaml: network.activation: found step; expected a differentiable activation (sigmoid, tanh, linear, "
     "...); the delta rule needs f'(net), which step and sign do not have"),
    ({"network": {"layers": [2, 2, 1], "activation": "sigmoid", "weights": [[[1, 2], [3, 4]], [[1, 2]]],
                  "biases": [[0, 0], [0]]}},
     "p.yaml: network.layers: found 2 layers of neurons; expected one (inputs and outputs, no hidden layer) "
     "for rule: delta"),
    ({"training": {"rule": "widrow", "learning_rate": 0.1}},
     "p.yaml: training.rule: found 'widrow'; expected one of: perceptron, delta, adaline, hebb"),
    ({"training": {"rule": "perceptron"}},
     "p.yaml: training.learning_rate: found nothing (the field is missing); expected a learning rate: "
     "a number greater than 0"),
])
def test_bad_rule_and_convention_fields_are_one_line(changes: dict[str, Any], message: str):
    with pytest.raises(ProblemError) as info:
        Problem.from_dict(_problem(**changes), source="p.yaml")
    assert str(info.value) == message


def test_backpropagation_refuses_hard_limiters_and_keeps_default_conventions_unwritten():
    # every convention applies to backpropagation now (tests/test_conventions.py)
    raw = _problem(training={"learning_rate": 0.5}, conventions={"show_change": True})
    assert Problem.from_dict(raw).conventions.show_change is True
    raw = _problem(training={"learning_rate": 0.5})
    raw["network"]["activation"] = "sign"
    with pytest.raises(ProblemError, match=r"^p\.yaml: network\.activation: found sign, which has no useful "
                                           r"derivative; expected training\.rule"):
        Problem.from_dict(raw, source="p.yaml")
    # index_base 1 and bias added are the defaults: accepted and written nowhere
    raw = _problem(training={"learning_rate": 0.5}, conventions={"index_base": 1, "bias": "added"})
    assert "conventions" not in Problem.from_dict(raw).to_dict()


def test_hebb_learning_rate_defaults_to_one():
    assert Problem.from_file(FAUSETT_HEBB).training.learning_rate == 1.0


def test_the_epoch_table_says_its_weights_are_after_the_update():
    """Negnevitsky's row 3 of epoch 1: net 0.3·1 − 0.1·0 − 0.2 = 0.1 uses the weights before it,
    the row's w1 = 0.2 is after (0.3 + 0.1·(−1)·1): the columns are headed w1+ and the page says so."""
    text = render(trace(Problem.from_file(NEGNEVITSKY_AND)), "md", RenderOptions())
    assert ("One row per presentation: its net input and output use the weights before it (the previous row's, "
            "or the initial weights in the first row); the last columns, such as $w_{1}^{+}$, are the weights "
            "after its update.") in text
    assert "| $\\text{Epoch}$ | $x_{1}$ | $x_{2}$ | $t$ | $net$ | $y$ | $e$ | $w_{1}^{+}$ | $w_{2}^{+}$ |" in text
    assert "| 1 | $1$ | $0$ | $0$ | $0.1$ | $1$ | $-1$ | $0.2$ | $-0.1$ |" in text


def test_the_hebb_page_does_not_call_its_run_unconverged():
    """Fausett's Hebb net adds x·t whatever the output: 2 outputs are wrong during the one epoch
    (patterns 2 and 3), and the trained weights (2, 2, −2) get every pattern right."""
    text = render(trace(Problem.from_file(FAUSETT_HEBB)), "md", RenderOptions())
    assert "not converged" not in text
    assert ("The Hebb rule does not use the output: it adds x·t whatever y is, so it has no error to drive to 0 "
            "and no stopping test, and runs the 1 epoch it is given. The y and e columns only follow how the "
            "weights do: 2 outputs were wrong while they were being learned. With the trained weights every "
            "example's output is right.") in text
