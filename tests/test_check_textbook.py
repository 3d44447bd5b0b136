"""The checker speaks the textbooks' conventions (issue 12, section 3): Unicode and TeX
names, Δw graded against the change, a new weight written under the old name, duplicate
names refused when a notation loads, the matrix style's bracket names, the carried
reading before truncation, and a sheet whose every derivative has the other sign.

Values are the books' and tutorials' published numbers: Negnevitsky's Table 6.3 (the
perceptron learning AND), Mazur's step-by-step example (classic-2-2-2)."""
from __future__ import annotations

import pytest

from tracer import examples
from tracer.check import Checker, parse_answers


def check(problem: str, answers: dict[str, str], **kwargs):
    checker = Checker(examples.load(problem))
    text = "".join(f"{name} = {value}\n" for name, value in answers.items())
    return checker.check(parse_answers(text, "student.txt", "text"), **kwargs)


def verdicts(result) -> dict[str, tuple[str, str]]:
    return {r.answer.name: (r.verdict, r.node.kind) for r in result.records if r.answer is not None}


# --- names in Unicode and TeX; Δw against the change ---------------------------------------
def test_unicode_and_tex_names_of_a_rule_resolve_and_delta_w_is_the_change():
    """Negnevitsky Table 6.3, epoch 1, the third presentation (x = (1, 0), t = 0, y = 1):
    e = -1, Δw1 = 0.1 · (-1) · 1 = -0.1, w1 = 0.3 → 0.2; α = 0.1 and θ = 0.2."""
    result = check("perceptron-and", {
        "Δw1@3": "-0.1", "\\Delta w_{1}@3": "-0.1", "Delta w_1@3": "-0.1", "w1+@3": "0.2",
        "α": "0.1", "\\alpha": "0.1", "θ": "0.2", "\\theta": "0.2", "e@3": "-1"})
    # the second spelling of each quantity names the same one (judged once)
    assert [(u.answer.name, u.reason, u.candidates) for u in result.unmatched] == [
        ("\\Delta w_{1}@3", "duplicate", ("dw1@3",)), ("Delta w_1@3", "duplicate", ("dw1@3",)),
        ("\\alpha", "duplicate", ("alpha",)), ("\\theta", "duplicate", ("theta",))]
    got = verdicts(result)
    assert got["Δw1@3"] == ("correct", "delta_w")
    assert got["w1+@3"] == ("correct", "new_w")
    assert got["α"] == ("correct", "rate")
    assert got["θ"][0] == "correct" and got["e@3"] == ("correct", "error")
    # a Δw answer holding the new weight is graded against the change: wrong
    result = check("perceptron-and", {"Δw1@3": "0.2"})
    assert verdicts(result)["Δw1@3"] == ("wrong", "delta_w")
    # the rate by its words, and Hebb's bias change
    assert verdicts(check("perceptron-and", {"learning rate": "0.1"}))["learning rate"] == ("correct", "rate")
    assert verdicts(check("hebb-and", {"Δb": "-1"}))["Δb"][1] == "delta_b"


def test_a_change_the_problem_does_not_record_says_so():
    result = check("classic-2-2-2", {"Δw5": "-0.04"})
    assert result.unmatched[0].detail.startswith("a change (new - old) this problem does not record")


# --- bracket names ---------------------------------------------------------------------------
def test_the_matrix_styles_bracket_names_resolve_whatever_the_notation():
    """Mazur: w2+ = 0.19956143 (so dE/dw2 = 0.00087714 at η = 0.5), w5+ = 0.35891648,
    δ_o1 = 0.138498562, out_h2 = 0.596884378; W1[1,2] is the weight from input 2 to hidden 1."""
    result = check("classic-2-2-2", {
        "dW1[1,2]": "0.00087714", "W1[1,2]+": "0.19956143", "W^{[2]}[1,1]+": "0.35891648",
        "dL/dZ2[1]": "0.138498562", "A1[2]": "0.596884378", "W1[1,2]": "0.2", "dW^{[1]}_{12}": "0.00087714"})
    got = {r.answer.name: (r.verdict, r.node.name) for r in result.records}
    assert got == {"dW1[1,2]": ("correct", "dE/dw2"), "W1[1,2]+": ("correct", "w2+"),
                   "W^{[2]}[1,1]+": ("correct", "w5+"), "dL/dZ2[1]": ("correct", "delta_o1"),
                   "A1[2]": ("correct", "out_h2"), "W1[1,2]": ("correct", "w2")}
    assert [(u.answer.name, u.reason) for u in result.unmatched] == [("dW^{[1]}_{12}", "duplicate")]
    # a network with three outputs: W2[3,2] from hidden 2 to output 3 (a different notation)
    checker = Checker(examples.load("three-classes"))
    notation = checker.log.notation
    for written, (kind, layer, j, i) in {"W2[3,2]": ("weight", 2, 3, 2), "dW2[3,2]": ("dw", 2, 3, 2),
                                         "b2[3]": ("bias", 2, 3, None), "Z1[2]": ("net", 1, 2, None)}.items():
        node = checker.graph[checker.names.resolve(written).node]
        assert node.name == notation.quantity(kind, layer, j, i).plain, written


# --- a new value under the plain name ------------------------------------------------------------
def test_a_plain_weight_name_given_the_new_value_suggests_the_new_value_name():
    """Mazur: w5+ = 0.35891648, w7+ = 0.511301270; Negnevitsky Table 6.3: w1 goes from 0.3 to
    0.2 in the third presentation. w6 written right gets no advice."""
    result = check("classic-2-2-2", {"w5": "0.3589", "w6": "0.45", "w7": "0.5113"})
    assert verdicts(result)["w5"] == ("wrong", "weight")
    assert result.advice == [
        "w5 = 0.3589 is the value after this step's update: write it as w5+ (w5 is the value the step starts from).",
        "w7 = 0.5113 is the value after this step's update: write it as w7+ (w7 is the value the step starts from)."]
    result = check("perceptron-and", {"w1@3": "0.2"})
    assert result.advice == ["w1@3 = 0.2 is the value after this step's update: write it as w1+@3 "
                             "(w1@3 is the value the step starts from)."]
    # a wrong weight that is not the new value: no advice
    assert check("classic-2-2-2", {"w5": "0.37"}).advice == []


def test_the_advice_shows_in_every_report_format(tmp_path):
    from tracer.cli import main
    (tmp_path / "s.txt").write_text("w5 = 0.3589\n", encoding="utf-8")
    sentence = "w5 = 0.3589 is the value after this step's update: write it as w5+"
    for fmt in ("text", "md", "tex", "json"):
        target = tmp_path / f"s.{fmt}"
        assert main(["check", "classic-2-2-2", str(tmp_path / "s.txt"), "--format", fmt, "-o", str(target)]) == 1
        assert sentence in target.read_text(encoding="utf-8").replace("\\_", "_"), fmt


# --- duplicate names in a notation ---------------------------------------------------------------
NET = {"layers": [2, 2, 2], "weights": [[[0.15, 0.2], [0.25, 0.3]], [[0.4, 0.45], [0.5, 0.55]]],
       "biases": [0.35, 0.6], "bias": "per_layer"}


@pytest.mark.parametrize("notation,message", [
    ({"net": "F"}, "problem.yaml: notation.net: found 'F'; expected a notation that gives each quantity its own "
                   "name (net (layer 1, neuron 1) and (layer 1, neuron 2) are both named 'F')"),
    ({"net": "z$node", "out": "z$node"},
     "problem.yaml: notation: found {net: 'z$node', out: 'z$node'}; expected a notation that gives each quantity "
     "its own name (net (layer 1, neuron 1) and out (layer 1, neuron 1) are both named 'zh1')"),
    ({"weight": "w$j"}, "problem.yaml: notation.weight: found 'w$j'; expected a notation that gives each quantity "
                        "its own name (weight (layer 1, neuron 1, from 1) and (layer 1, neuron 1, from 2) are both "
                        "named 'w1')"),
])
def test_a_notation_naming_two_quantities_alike_is_refused_when_it_loads(notation, message):
    from tracer.errors import ProblemError
    from tracer.model.problem import Problem
    raw = {"network": NET, "training": {"learning_rate": 0.5},
           "data": [{"input": [0.05, 0.1], "target": [0.01, 0.99]}], "notation": notation}
    with pytest.raises(ProblemError) as caught:
        Problem.from_dict(raw, "problem.yaml")
    assert str(caught.value) == message and "\n" not in message


def test_every_preset_names_each_quantity_once():
    from tracer.model.notation import Notation, preset_names
    for preset in preset_names():
        for layers, bias in (((2, 2, 2), "per_layer"), ((2, 3, 3, 1), "per_neuron"), ((3, 1), "none"),
                             ((12, 11, 10), "per_neuron"), ((4, 3, 2, 3, 2), "per_layer")):
            assert Notation(layers, bias, preset).duplicate() is None, (preset, layers)


# --- the carried reading before truncation --------------------------------------------------------
def test_an_answer_both_truncated_and_carried_from_own_rounded_values_is_carried():
    """classic-2-2-2 with hand rounding carried at 4 decimals: delta_o1 = 0.1385 and out_h2 =
    0.5969, so dE/dw6 = 0.1385 · 0.5969 = 0.08267 → 0.0827. A student who wrote delta_o1 =
    0.1382 (wrong) gets 0.1382 · 0.5969 = 0.08249 → 0.082 at 3 decimals, which is also the
    truth truncated: the carried reading wins. Without the slip, 0.082 is the truth truncated."""
    import yaml

    from tracer.model.problem import Problem
    spec = yaml.safe_load((examples.examples_dir() / "classic-2-2-2" / "problem.yaml").read_text(encoding="utf-8"))
    spec["rounding"] = {"digits": 4, "carry": True}
    checker = Checker(Problem.from_dict(spec, "classic-carry"))
    result = checker.check(parse_answers("delta_o1 = 0.1382\ndE/dw6 = 0.082\n", "s.txt", "text"))
    delta, dw6 = result.records
    assert (delta.verdict, dw6.verdict, dw6.how) == ("wrong", "carried", "from your values")
    assert dw6.from_own == pytest.approx(0.1382 * 0.5969) and dw6.expected == round(0.1385 * 0.5969, 4)
    assert delta.carried_into == [dw6]
    result = checker.check(parse_answers("dE/dw6 = 0.082\n", "s.txt", "text"))
    assert [(r.verdict, r.how) for r in result.records] == [("correct", "truncated")]


# --- every derivative with the other sign ---------------------------------------------------------
ADVICE = ("Every derivative has the opposite sign (-dE/dx): if that is your convention, check with "
          "--convention negative_gradient.")


def test_a_sheet_whose_every_derivative_has_the_other_sign_is_advised_the_convention():
    """Mazur's hidden-layer gradients (w - 0.5 · dE/dw gives his w1+ = 0.149780716, w2+ =
    0.19956143, w3+ = 0.24975114, w4+ = 0.29950229), all written as -dE/dw: no mistake explains
    them (the output deltas are too far back), yet the sheet is one convention, and with it
    all is right."""
    flipped = {"dE/dw1": "-0.000438568", "dE/dw2": "-0.000877135", "dE/dw3": "-0.000497713",
               "dE/dw4": "-0.000995425", "w1+": "0.149780716"}
    result = check("classic-2-2-2", flipped)
    assert [r.verdict for r in result.records] == ["wrong"] * 4 + ["correct"]
    assert all(r.mistake is None for r in result.records)
    assert result.advice == [ADVICE]
    other = check("classic-2-2-2", flipped, convention="negative_gradient")
    assert {r.verdict for r in other.records} == {"correct"} and other.advice == []
    # one of them right: the sheet flips part-way, no advice
    result = check("classic-2-2-2", {**flipped, "dE/dw1": "0.000438568"})
    assert result.advice == [] and [r.verdict for r in result.records][:2] == ["correct", "wrong"]
    # the same without naming mistakes (the benchmark's baseline): the advice still comes
    result = check("classic-2-2-2", flipped, diagnose=False)
    assert result.advice == [ADVICE]


# --- a textbook example in its own names -----------------------------------------------------------
HAN_KAMBER = {
    "network": {"layers": [3, 2, 1], "bias": "per_neuron",
                "weights": [[[0.2, 0.4, -0.5], [-0.3, 0.1, 0.2]], [[-0.3, -0.2]]], "biases": [[-0.4, 0.2], [0.1]]},
    "training": {"learning_rate": 0.9}, "data": [{"input": [1, 0, 1], "target": [1]}],
    "notation": {"preset": "nodes", "weight": ["w$gi$g", "w_{$gi$g}"], "bias": ["theta$g", "\\theta_{$g}"],
                 "dnet": ["Err$g", "Err_{$g}"], "out": ["O$g", "O_{$g}"], "net": ["I$g", "I_{$g}"],
                 "new_w": ["${weight}+", "{$weight}^{+}"], "new_b": ["${bias}+", "{$bias}^{+}"]},
    "rounding": {"digits": 4, "carry": True}}


def test_han_kambers_example_checks_in_the_books_own_names_and_signs():
    """Han, Kamber & Pei, Data Mining (3rd ed.), Example 9.1 and Tables 9.1-9.3: x = (1, 0, 1),
    t = 1, l = 0.9. The book prints I4 = -0.7, O4 = 0.332, I5 = 0.1, O5 = 0.525, I6 = -0.105,
    O6 = 0.474, Err6 = 0.1311, Err5 = -0.0065, Err4 = -0.0087, w46 = -0.261, θ6 = 0.218,
    w14 = 0.192, θ4 = -0.408 (Err = −∂E/∂net), by hand with rounded values carried. Its Err6
    is worked from its rounded O6, 0.474 · 0.526 · 0.526 = 0.1311, where O6 = 0.4739 gives
    0.1312: the truth truncated too, and the carried reading wins."""
    from tracer.model.problem import Problem
    checker = Checker(Problem.from_dict(HAN_KAMBER, "han-kamber"))
    answers = {"I4": "-0.7", "O_4": "0.332", "I_{5}": "0.1", "O5": "0.525", "I6": "-0.105", "O_{6}": "0.474",
               "Err6": "0.1311", "Err_5": "-0.0065", "Err_{4}": "-0.0087", "w_{46}^{+}": "-0.261",
               "\\theta_6+": "0.218", "w14+": "0.192", "θ4+": "-0.408", "θ6": "0.1", "\\theta_{5}": "0.2",
               "w46": "-0.3", "η": "0.9"}
    text = "".join(f"{name} = {value}\n" for name, value in answers.items())
    result = checker.check(parse_answers(text, "han-kamber.txt", "text"), convention="negative_gradient")
    assert result.unmatched == []
    got = {r.answer.name: (r.verdict, r.how) for r in result.records}
    assert got.pop("Err6") == ("correct", "from your values")
    assert {v for v, _ in got.values()} == {"correct"} and len(got) == len(answers) - 1
    # the change of w46 is not recorded by a backpropagation problem (yet): said so
    assert "does not record" in checker.names.resolve("Δw46").detail


# --- the problem's own convention is the checker's default ------------------------------------
def test_tracer_check_takes_the_problems_convention_and_grades_err_without_a_sign_flip(tmp_path, capsys):
    """Han, Kamber & Pei, Example 9.1 (worked_examples/han-kamber-backprop, error:
    negative_gradient): Err6 = 0.1311, Err4 = -0.0087, θ6 = 0.1, Δw46 = 0.9 · 0.1311 · 0.332 =
    0.0392, l = 0.9. With no --convention and no convention in the answers file the problem's
    negative_gradient applies; Err answers are the err entries themselves, so Err6 = -0.1311 is
    wrong under every convention."""
    import json
    from pathlib import Path

    from tracer.cli import main
    problem = str(Path(__file__).parent.parent / "worked_examples" / "han-kamber-backprop" / "problem.yaml")
    right = tmp_path / "right.txt"
    right.write_text("Err6 = 0.1311\nErr4 = -0.0087\nθ6 = 0.1\nΔw46 = 0.0392\nl = 0.9\n", encoding="utf-8")
    tex = tmp_path / "tex.txt"
    tex.write_text("\\theta_6 = 0.1\nErr_{6} = 0.1311\n", encoding="utf-8")
    flipped = tmp_path / "flipped.txt"
    flipped.write_text("Err6 = -0.1311\n", encoding="utf-8")

    def graded(answers, *extra) -> tuple[int, str, dict[str, str]]:
        code = main(["check", problem, str(answers), "--format", "json", *extra])
        report = json.loads(capsys.readouterr().out)
        return code, report["convention"], {r["name"]: r["verdict"] for r in report["records"]}
    assert graded(right) == (0, "negative_gradient", {"Err6": "correct", "Err4": "correct", "θ6": "correct",
                                                      "Δw46": "correct", "l": "correct"})
    assert graded(tex) == (0, "negative_gradient", {"\\theta_6": "correct", "Err_{6}": "correct"})
    assert graded(flipped) == (1, "negative_gradient", {"Err6": "wrong"})
    # --convention overrides the default, but an err entry is never flipped
    assert graded(right, "--convention", "gradient")[1:] == ("gradient", graded(right)[2])
    assert graded(flipped, "--convention", "gradient") == (1, "gradient", {"Err6": "wrong"})
    # an answers file's own convention overrides it too
    own = tmp_path / "own.yaml"
    own.write_text("convention: gradient\nanswers: {Err6: 0.1311}\n", encoding="utf-8")
    assert graded(own)[1:] == ("gradient", {"Err6": "correct"})
    # a problem under the gradient convention still defaults to gradient
    assert Checker(examples.load("classic-2-2-2")).default_convention() == "gradient"


def test_a_gradient_a_negative_gradient_problem_prints_is_graded_as_printed():
    """error: negative_gradient with Adam and squared error: the page prints ∂E/∂O6 (the
    loss's own derivative, 2(O − T)) and ∂E/∂w = −Err·O with their true signs; copied from
    the page they are right under the problem's default convention, and so is Err. An
    unprinted derivative (δ = ∂E/∂net) is still read as −∂E/∂net by that convention."""
    import numpy as np

    from tracer.model.problem import Problem
    raw = {"network": {"layers": [2, 1], "activation": "sigmoid", "weights": [[[0.5, -0.6]]], "biases": [[0.2]]},
           "loss": "squared_error", "training": {"learning_rate": 0.5, "optimizer": {"name": "adam"}},
           "data": [{"input": [1.0, 0.5], "target": [1.0]}], "conventions": {"error": "negative_gradient"}}
    checker = Checker(Problem.from_dict(raw))
    o = 1 / (1 + np.exp(-(0.5 - 0.3 + 0.2)))              # O = σ(0.4) = 0.598688
    dout, err = 2 * (o - 1), -2 * (o - 1) * o * (1 - o)     # ∂E/∂O = −0.802624, Err = 0.192892
    names = {e.kind: e.name for e in checker.log.entries if e.neuron == 1 and e.source in (None, 1)}
    text = (f"{names['dout']} = {dout:.6f}\n{names['err']} = {err:.6f}\n{names['dw']} = {-err * 1.0:.6f}\n"
            f"{names['dnet']} = {err:.6f}\n")
    result = checker.check(parse_answers(text, "s.txt", "text"))
    assert result.convention == "negative_gradient"
    got = {r.node.kind: r.verdict for r in result.records}
    assert got == {"dout": "correct", "err": "correct", "dw": "correct", "dnet": "correct"}
