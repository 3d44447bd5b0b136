"""Judging hand-made answer sets with known slips against the classic 2-2-2 example.

Right values are the published ones (Mazur's 2-2-2 walkthrough); the values a slip leads
to are computed here by hand from the formulas, independently of the engine.
"""
from __future__ import annotations

import math

import pytest

from tracer import examples
from tracer.check import Checker, Tolerance, parse_answers
from tracer.errors import ProblemError

#: Published values of the classic example (inputs 0.05, 0.10; targets 0.01, 0.99).
PUBLISHED = {
    "net_h1": "0.3775", "out_h1": "0.593269992", "out_h2": "0.596884378", "net_o1": "1.105905967",
    "out_o1": "0.75136507", "out_o2": "0.772928465", "E_o1": "0.274811083", "E_o2": "0.023560026",
    "E_total": "0.298371109", "dE/dout_o1": "0.74136507", "dout_o1/dnet_o1": "0.186815602",
    "delta_o1": "0.138498562", "dE/dw5": "0.082167041", "dE/dout_h1": "0.036350306",
    "dout_h1/dnet_h1": "0.241300709", "dE/dw1": "0.000438568", "w5+": "0.35891648",
    "w6+": "0.408666186", "w7+": "0.511301270", "w8+": "0.561370121", "w1+": "0.149780716",
    "w2+": "0.19956143", "w3+": "0.24975114", "w4+": "0.29950229",
}


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


@pytest.fixture(scope="module")
def checker() -> Checker:
    return Checker(examples.load("classic-2-2-2"))


def check(checker: Checker, answers: dict[str, str], **kwargs):
    text = "\n".join(f"{name} = {value}" for name, value in answers.items())
    return checker.check(parse_answers(text, "student.txt", "text"), **kwargs)


def verdicts(result) -> dict[str, str]:
    return {r.answer.name if r.answer else r.node.name: r.verdict for r in result.records}


def test_the_published_solution_is_all_correct(checker):
    result = check(checker, PUBLISHED)
    assert set(verdicts(result).values()) == {"correct"}
    assert (result.all_correct, result.points, result.out_of, result.first_wrong) == (True, 24, 24, None)


def test_one_early_slip_is_carried_through(checker):
    out_h1 = 0.61                                            # slip: 0.593269992
    net_o1 = 0.40 * out_h1 + 0.45 * 0.596884378 + 0.60       # 1.11259797
    out_o1 = sigmoid(round(net_o1, 4))
    e_o1 = 0.5 * (0.01 - round(out_o1, 6)) ** 2
    e_total = round(e_o1, 6) + 0.023560026
    delta_o1 = (round(out_o1, 6) - 0.01) * round(out_o1, 6) * (1 - round(out_o1, 6))
    answers = {"out_h1": "0.61", "out_h2": "0.596884378", "net_o1": f"{net_o1:.4f}",
               "out_o1": f"{out_o1:.6f}", "E_o1": f"{e_o1:.6f}", "E_total": f"{e_total:.6f}",
               "delta_o1": f"{delta_o1:.6f}", "dE/dw5": f"{delta_o1 * out_h1:.6f}",
               "out_o2": "0.772928465"}
    result = check(checker, answers)
    assert verdicts(result) == {
        "out_h1": "wrong", "out_h2": "correct", "net_o1": "carried", "out_o1": "carried",
        "out_o2": "correct", "E_o1": "carried", "E_total": "carried", "delta_o1": "carried",
        "dE/dw5": "carried"}
    first = result.first_wrong
    assert first.node.name == "out_h1"
    assert [r.node.name for r in first.carried_into] == ["net_o1", "out_o1", "E_o1", "E_total", "delta_o1",
                                                          "dE/dw5"]
    assert result.points == 8 and result.out_of == 9
    carried = {r.node.name: r for r in result.records}
    assert carried["net_o1"].from_own == pytest.approx(1.11259797, abs=1e-8)
    assert carried["net_o1"].expected == pytest.approx(1.105905967, abs=1e-9)


def test_a_sign_error(checker):
    dout = -0.74136507                                       # slip: target - out instead of out - target
    delta = dout * 0.186815602
    dw5 = delta * 0.593269992
    answers = {"dE/dout_o1": f"{dout}", "dout_o1/dnet_o1": "0.186815602", "delta_o1": f"{delta:.9f}",
               "dE/dw5": f"{dw5:.9f}", "w5+": f"{0.4 - 0.5 * dw5:.8f}"}
    result = check(checker, answers)
    assert verdicts(result) == {"dE/dout_o1": "wrong", "dout_o1/dnet_o1": "correct", "delta_o1": "carried",
                                "dE/dw5": "carried", "w5+": "carried"}
    assert result.first_wrong.node.name == "dE/dout_o1"
    assert float(answers["w5+"]) == pytest.approx(0.44108352, abs=1e-8)


def test_the_negative_gradient_convention_is_not_a_sign_error(checker):
    answers = {"dE/dout_o1": "-0.74136507", "delta_o1": "-0.138498562", "dE/dw5": "-0.082167041",
               "dE/dout_h1": "-0.036350306", "w5+": "0.35891648", "e_o1": "-0.74136507",
               "dout_o1/dnet_o1": "0.186815602"}
    assert set(verdicts(check(checker, answers, convention="negative_gradient")).values()) == {"correct"}
    flipped = verdicts(check(checker, answers))
    assert {n: v for n, v in flipped.items() if v != "correct"} == {
        "dE/dout_o1": "wrong", "delta_o1": "carried", "dE/dw5": "carried", "dE/dout_h1": "wrong"}


def test_a_wrong_derivative_seed_000_style(checker):
    wrong_dact = sigmoid(0.75136507) * (1 - sigmoid(0.75136507))   # sigma'(out) instead of out(1 - out)
    delta = 0.74136507 * round(wrong_dact, 6)
    answers = {"out_o1": "0.75136507", "dE/dout_o1": "0.74136507",
               "dout_o1/dnet_o1": f"{wrong_dact:.6f}", "delta_o1": f"{delta:.6f}"}
    result = check(checker, answers)
    assert verdicts(result) == {"out_o1": "correct", "dE/dout_o1": "correct",
                                "dout_o1/dnet_o1": "wrong", "delta_o1": "carried"}
    slip = result.first_wrong
    assert (slip.node.name, slip.from_own) == ("dout_o1/dnet_o1", pytest.approx(0.75136507 * (1 - 0.75136507)))


def test_rounded_and_truncated_values(checker):
    answers = {"out_h1": "0.5933", "out_h2": "0.5968", "out_o1": "0.75", "E_total": "0.2983",
               "E_o1": "0.3", "dE/dw1": "0", "w5+": "0.3590"}
    result = check(checker, answers)
    assert {r.answer.name: (r.verdict, r.how) for r in result.records} == {
        "out_h1": ("correct", "rounded"), "out_h2": ("correct", "truncated"), "out_o1": ("correct", "rounded"),
        "E_total": ("correct", "truncated"), "E_o1": ("correct", "rounded"),
        "dE/dw1": ("wrong", ""),                  # 0 is not 0.000438568 at any precision
        "w5+": ("wrong", "")}                      # 0.35891648 is 0.3589 at four decimals


def test_rounded_values_carried_forward_are_not_slips(checker):
    # 0.59 and 0.60 are right at two decimals; net_o1 from them (1.1060) is right "from your values"
    answers = {"out_h1": "0.59", "out_h2": "0.60", "net_o1": f"{0.4 * 0.59 + 0.45 * 0.60 + 0.6:.4f}"}
    result = check(checker, answers)
    assert {r.answer.name: (r.verdict, r.how) for r in result.records} == {
        "out_h1": ("correct", "rounded"), "out_h2": ("correct", "rounded"),
        "net_o1": ("correct", "from your values")}


def test_tolerance(checker):
    answers = {"out_h1": "0.594", "E_total": "0.3010", "out_o1": "0.7512"}
    assert set(verdicts(check(checker, answers)).values()) == {"wrong"}
    assert verdicts(check(checker, answers, tolerance=Tolerance.parse("0.001")))["out_h1"] == "correct"
    assert verdicts(check(checker, answers, tolerance=Tolerance.parse("1%")))["E_total"] == "correct"
    assert verdicts(check(checker, answers, tolerance=Tolerance.parse("3sf")))["out_o1"] == "correct"


def test_required_quantities_kinds_and_steps(checker):
    answers = {"dE/dw5": "0.082167041", "out_h1": "0.593269992"}
    result = check(checker, answers, required=checker.required(["dw"]))
    missing = [r.node.name for r in result.records if r.verdict == "missing"]
    assert missing == ["dE/dw6", "dE/dw7", "dE/dw8", "dE/dw1", "dE/dw2", "dE/dw3", "dE/dw4"]
    assert (result.points, result.out_of, result.all_correct) == (2, 9, False)
    required = checker.required(["@1"])
    assert len(required) == len(checker.log.entries) == 43
    both = checker.required(["w5+", "dout_o1/dnet_o1", "dact@1"])
    assert sorted(checker.graph[i].name for i in both) == [
        "dout_h1/dnet_h1", "dout_h2/dnet_h2", "dout_o1/dnet_o1", "dout_o2/dnet_o2", "w5+"]
    with pytest.raises(ProblemError, match=r"--require: 'w9\+': no such quantity; closest: w8\+"):
        checker.required(["w9+"])
    with pytest.raises(ProblemError, match=r"--require: '@2': step 2 is not worked in full"):
        checker.required(["@2"])


def test_unknown_ambiguous_and_duplicate_names_do_not_stop_the_rest(checker):
    answers = {"ot_h1": "0.59", "E_O1": "0.27", "out_h1": "0.593269992", "out_{h1}": "0.59", "out_h2": "0.1"}
    result = check(checker, answers)
    assert verdicts(result) == {"out_h1": "correct", "out_h2": "wrong"}
    assert [(u.answer.name, u.reason) for u in result.unmatched] == [
        ("ot_h1", "unknown"), ("E_O1", "ambiguous"), ("out_{h1}", "duplicate")]
    assert result.unmatched[0].candidates[0] == "out_h1"
    assert not result.all_correct


def test_a_miscopied_weight_is_judged_and_carried(checker):
    net_h1 = 0.25 * 0.05 + 0.20 * 0.10 + 0.35            # w1 copied as 0.25 instead of 0.15
    result = check(checker, {"w1": "0.25", "net_h1": f"{net_h1:.4f}", "out_h1": f"{sigmoid(net_h1):.6f}"})
    assert verdicts(result) == {"w1": "wrong", "net_h1": "carried", "out_h1": "carried"}
    assert result.first_wrong.node.name == "w1"


def test_carried_through_a_step_into_the_next():
    two_steps = examples.load("classic-2-2-2").to_dict()
    two_steps["training"]["epochs"] = 2
    two_steps["show_steps"] = "all"
    from tracer.model.problem import Problem
    checker = Checker(Problem.from_dict(two_steps, "two-steps"))
    w5 = 0.361                                               # slip: 0.35891648 is 0.359
    log = checker.log
    net_o1_2 = (w5 * log["out_h1@2"].value + log["net_o1@2"].operands[2].value * log["out_h2@2"].value
                + 0.6)
    result = check(checker, {"w5+": str(w5), "net_o1@2": f"{net_o1_2:.6f}"})
    assert verdicts(result) == {"w5+": "wrong", "net_o1@2": "carried"}


@pytest.mark.parametrize("name", examples.example_names())
def test_every_example_accepts_its_own_printed_values(name):
    """What a walkthrough prints, copied by a student, is all correct: every name, every step.
    Every node is copied in the log's own sign (the gradient convention: a negative_gradient
    problem's unprinted ∂E/∂net would otherwise be read as −∂E/∂net; its own default is
    tested in test_check_textbook.py)."""
    checker = Checker(examples.load(name))
    text = "\n".join(f"{checker.displays[n.id]} = {n.shown}" for n in checker.graph)
    result = checker.check(parse_answers(text, f"{name}.txt", "text"), convention="gradient")
    assert [(checker.displays[r.node.id], r.answer.text) for r in result.records if r.verdict != "correct"] == []
    assert result.unmatched == [] and result.all_correct


def test_any_rounding_or_truncation_of_a_true_value_is_correct(checker):
    """Property: a true value rounded or truncated to any precision reaching its first digit is correct,
    and a single wrong value among right ones is the only slip (nothing to carry)."""
    from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from tracer.check.compare import exact

    entries = [n for n in checker.graph if n.computed and n.value != 0]

    @settings(max_examples=80, deadline=None)
    @given(st.sampled_from(entries), st.integers(0, 6), st.sampled_from([ROUND_HALF_UP, ROUND_DOWN]),
           st.sampled_from(entries), st.floats(1.05, 3.0))
    def check_one(node, extra, mode, slipped, factor):
        paper = exact(node.value)                  # 0.39249999999999996 is 0.3925 on paper
        digits = -paper.adjusted() + extra
        written = paper.quantize(Decimal(1).scaleb(-digits), rounding=mode)
        answers = {checker.displays[n.id]: n.shown for n in entries if n.id != node.id}
        answers[checker.displays[node.id]] = str(written)
        result = check(checker, answers)
        assert result.all_correct, [(r.node.name, r.answer.text) for r in result.records if r.verdict != "correct"]
        answers[checker.displays[slipped.id]] = f"{slipped.value * factor:.9f}"
        result = check(checker, answers)
        assert [r.node.id for r in result.records if r.verdict != "correct"] == [slipped.id]

    check_one()
