"""The audits of seeds 000 and 002: their findings, asserted exactly, and the committed reports.

Right values are recomputed here from the networks' definitions with plain Python, not
taken from the engine; the hand-rounded values of seed 000 follow its rounding (two
decimals, truncated, carried).
"""
from __future__ import annotations

import math

import pytest

from tracer import examples
from tracer.check import Checker, load_answers, parse_answers
from tracer.check.report import render_sheet


def audit(name: str):
    checker = Checker(examples.load(name))
    answers = load_answers(examples.examples_dir() / name / "article_answers.yaml")
    return checker, answers, checker.check(answers)


def by_verdict(result) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in result.records:
        out.setdefault(r.verdict, []).append(r.answer.name)
    return out


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


# --- seed 000 -----------------------------------------------------------------
def test_seed_000_slips_are_the_derivative_applied_to_the_output():
    _, answers, result = audit("xor")
    assert len(answers.answers) == 53
    verdicts = by_verdict(result)
    assert verdicts["wrong"] == ["deriv(output_o)", "deriv(output1_h)", "deriv(output3_h)", "deriv(output4_h)"]
    assert verdicts["carried"] == [
        "delta_error", "error1_h", "error2_h", "error3_h", "error4_h",
        "delta_error1_h", "delta_error2_h", "delta_error4_h",
        "new hidden_to_output_1", "new hidden_to_output_2", "new hidden_to_output_3", "new hidden_to_output_4",
        "new input_to_hidden_2", "new input_to_hidden_4", "new input_to_hidden_8"]
    # delta_error3_h: the article's 0.002 is the hand-carried -0.0018 at the one digit it wrote
    assert len(verdicts["correct"]) == 34 and "missing" not in verdicts
    assert result.first_wrong.answer.name == "deriv(output_o)"


def test_seed_000_right_values_of_its_slips():
    _, _, result = audit("xor")
    slips = {r.answer.name: r for r in result.records if r.verdict == "wrong"}
    # the article's own numbers, f'(f(net)) = f(out)(1 - f(out)), against out(1 - out)
    for name, out, printed in [("deriv(output_o)", 0.78, "0.21"), ("deriv(output1_h)", 0.64, "0.22"),
                               ("deriv(output3_h)", 0.71, "0.220"), ("deriv(output4_h)", 0.57, "0.23")]:
        digits = len(printed) - 2                                   # the article truncates
        assert math.floor(sigmoid(out) * (1 - sigmoid(out)) * 10 ** digits) / 10 ** digits == float(printed)
        slip = slips[name]
        assert slip.from_own == pytest.approx(out * (1 - out))
        assert slip.expected == math.floor(out * (1 - out) * 100 + 1e-9) / 100   # two decimals, truncated
    # 0.224 = 0.66 * 0.34 = 0.2244 at three decimals: right, although computed as f(0.66)(1 - f(0.66))
    right = {r.answer.name: r for r in result.records}["deriv(output2_h)"]
    assert (right.verdict, right.how, right.from_own) == ("correct", "from your values", pytest.approx(0.66 * 0.34))


def test_seed_000_later_numbers_carry_the_first_slip():
    _, _, result = audit("xor")
    slips = {r.answer.name: [c.answer.name for c in r.carried_into] for r in result.records if r.verdict == "wrong"}
    assert slips["deriv(output_o)"] == [
        "delta_error", "error1_h", "error2_h", "error3_h", "error4_h",
        "delta_error1_h", "delta_error2_h", "delta_error4_h",
        "new hidden_to_output_1", "new hidden_to_output_2", "new hidden_to_output_3", "new hidden_to_output_4",
        "new input_to_hidden_2", "new input_to_hidden_4", "new input_to_hidden_8"]
    assert slips["deriv(output1_h)"] == ["delta_error1_h", "new input_to_hidden_2"]
    assert slips["deriv(output3_h)"] == []   # its delta, 0.002, happens to be right at one digit
    assert slips["deriv(output4_h)"] == ["delta_error4_h", "new input_to_hidden_8"]
    carried = {r.answer.name: r for r in result.records}
    # delta_error = deriv(0.78) * error with the article's 0.21: -(0.78 - 1) * 0.21 = 0.0462 -> 0.04
    assert carried["delta_error"].from_own * carried["delta_error"].sign == pytest.approx(0.22 * 0.21)
    assert carried["new hidden_to_output_1"].from_own == pytest.approx(0.6 + 0.64 * 0.04 * 0.001)


def test_seed_000_is_judged_in_its_own_sign_convention():
    checker, answers, _ = audit("xor")
    flipped = by_verdict(checker.check(answers, convention="gradient"))
    assert flipped["wrong"][:2] == ["deriv(output_o)", "delta_error"]   # 0.04 is -dE/dnet_o
    assert "error1_h" in flipped["carried"]


# --- seed 002 -----------------------------------------------------------------
def seed_002_truth() -> dict[str, float]:
    """Seed 002's network worked in plain Python: 2-3-3-1, ReLU, ReLU, sigmoid."""
    relu = lambda v: max(0.0, v)
    x = (0.23, 0.55)
    w = [round(0.1 * k, 1) for k in range(1, 10)] * 2                  # w1..w18
    b = (0.1, -0.4, 0.3, -0.5, 0.5, 0.6, -0.7)
    h1 = [relu(w[j] * x[0] + w[j + 3] * x[1] + b[j]) for j in range(3)]
    net2 = [sum(w[6 + 3 * i + j] * h1[i] for i in range(3)) + b[3 + j] for j in range(3)]
    h2 = [relu(v) for v in net2]
    out = sigmoid(sum(w[15 + i] * h2[i] for i in range(3)) + b[6])
    delta9 = (out - 0.01) * out * (1 - out)
    return {"dE/dw17": delta9 * h2[1], "dE/dw18": delta9 * h2[2], "w17_new": 0.8 - 0.01 * delta9 * h2[1],
            "w7_new": 0.7 - 0.01 * delta9 * w[15] * h1[0], "out_n9": out}


def test_seed_002_slips_are_two_gradients_not_carried():
    _, answers, result = audit("relu-blog")
    truth = seed_002_truth()
    assert len(answers.answers) == 58
    verdicts = by_verdict(result)
    assert verdicts["wrong"] == ["∂E_total/∂w_17", "∂E_total/∂w_18"]
    assert "carried" not in verdicts and len(verdicts["correct"]) == 56
    slips = {r.answer.name: r for r in result.records if r.verdict == "wrong"}
    assert slips["∂E_total/∂w_17"].expected == pytest.approx(truth["dE/dw17"])        # 0.1408, printed 0.0850
    assert slips["∂E_total/∂w_18"].expected == pytest.approx(truth["dE/dw18"])        # 0.1664, printed 0.1003
    assert [r.carried_into for r in slips.values()] == [[], []]
    assert result.first_wrong.answer.name == "∂E_total/∂w_17"


def test_seed_002_rounding_is_separated_from_slips():
    _, _, result = audit("relu-blog")
    how = {r.answer.name: r.how for r in result.records if r.verdict == "correct" and r.how != "exact"}
    assert how == {"out_{n_9}": "rounded", "E_{n_9}": "rounded", "E_{total}": "rounded",
                   "∂E_total/∂out_{n_9}": "rounded", "∂out_{n_9}/∂net_{n_9}": "rounded",
                   "∂E_total/∂w_16": "rounded", "∂E_total/∂b_7": "rounded", "∂E_total/∂w_7": "rounded",
                   "w_16^new": "rounded", "w_17^new": "rounded", "w_18^new": "rounded", "b_7^new": "rounded",
                   "w_7^new": "truncated"}
    truth = seed_002_truth()
    assert f"{truth['w7_new']:.3f}" == "0.700" and f"{truth['w7_new']:.7f}" == "0.6996992"   # printed 0.699
    assert f"{truth['w17_new']:.6f}" == "0.798592"                                          # the update is right


def test_seed_002_bias_signs_as_rendered_would_be_a_slip_the_article_did_not_carry():
    checker, _, _ = audit("relu-blog")
    text = (examples.examples_dir() / "relu-blog" / "article_answers.yaml").read_text(encoding="utf-8")
    rendered = text.replace("b_2: -0.4", "b_2: 0.4").replace("b_7: -0.7", "b_7: 0.7")
    result = checker.check(parse_answers(rendered, "rendered.yaml"))
    wrong = {r.answer.name: r for r in result.records if r.verdict == "wrong"}
    assert list(wrong) == ["b_2", "b_7", "∂E_total/∂w_17", "∂E_total/∂w_18"]
    assert wrong["b_2"].carried_into == [] and wrong["b_7"].carried_into == []
    verdict = {r.answer.name: r.verdict for r in result.records}
    assert (verdict["net_{n_4}"], verdict["b_7^new"]) == ("correct", "correct")   # -0.079, -0.701253


# --- the committed reports ------------------------------------------------------
@pytest.mark.parametrize("name", ["xor", "relu-blog"])
def test_committed_audit_reports_are_up_to_date(name):
    """Regenerate: tracer check NAME worked_examples/NAME/article_answers.yaml --format md -o .../audit.md"""
    _, answers, result = audit(name)
    committed = (examples.examples_dir() / name / "audit.md").read_text(encoding="utf-8")
    assert render_sheet(result, "md") == committed
    assert set(answers.remarks) <= {a.name for a in answers.answers}     # every remark is shown
