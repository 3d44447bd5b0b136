"""Every number the three classic-rule books print, against tracer's JSON log of the gallery problem.

Sources. No public transcription of these three tables (lecture slides, course notes, a
repository that reprints them) could be found in the reference collections searched on
2026-12-02; the numbers below are therefore NOT copied from a transcription but written from
the author's knowledge of the printed books, and each row's comment re-derives it by hand so a
reader can check it without the book. Partial public corroboration is noted per book.

* Negnevitsky, Artificial Intelligence: A Guide to Intelligent Systems, 2nd ed. (Addison-Wesley,
  2005), chapter 6 "Artificial neural networks", section 6.3 "The perceptron", Table 6.3
  "Example of perceptron learning: the logical operation AND" (threshold θ = 0.2, learning
  rate α = 0.1, step activation Y = 1 if X ≥ 0 else 0). The chapter and section number are
  those of the 3rd ed. (2011) as quoted in a course file's header, "Sec. 6.3 The perceptron"
  (github.com/ElitistStone20/Matlab-Work, Perceptron_XOR.m); the artificial-neural-network
  chapter is chapter 6 in every edition (the gallery used to cite it as Table 4.3, in the fuzzy-
  systems chapter: a mis-citation). The table prints one decimal place.
* Fausett, Fundamentals of Neural Networks: Architectures, Algorithms, and Applications
  (Prentice Hall, 1994), section 2.2, Example 2.6 "A Hebb net for the AND function: bipolar
  inputs and targets": input (x1 x2 1), target, weight changes (Δw1 Δw2 Δb), weights (w1 w2 b)
  from (0 0 0). Integers. Corroboration of the end point only: the same four patterns presented
  in the reverse order end at (2 2 -2) in
  https://www.geeksforgeeks.org/hebbian-learning-rule-with-implementation-of-and-gate/ .
* Hagan, Demuth, Beale and De Jesús, Neural Network Design, 2nd ed. (2014), chapter 10
  "Widrow-Hoff Learning", the LMS example on the apple/orange prototypes: α = 0.2,
  W(k+1) = W(k) + 2α e(k) pᵀ(k), a(k) = purelin(W(k) p(k)). The book prints W(3) to four
  decimals ([0.0160 1.1040 −0.0160]).

None of the three has a slip in these numbers: every one re-derives by hand (row comments)
and tracer reproduces every one, so no walkthrough needs a slip note. Each number is compared
at the book's printed precision, both as tracer prints it (`shown`) and
as tracer carries it (`value`).
"""
from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from tracer.engine.trace import trace
from tracer.examples import example_path
from tracer.model.problem import Problem


def _log(name: str, **training: Any) -> dict[str, Any]:
    path = Path(example_path(name))
    if not training:
        return dict(json.loads(trace(Problem.from_file(path)).to_json()))
    raw = copy.deepcopy(yaml.safe_load(path.read_text(encoding="utf-8")))
    raw["training"].update(training)
    return dict(json.loads(trace(Problem.from_dict(raw, str(path))).to_json()))


def _entry(log: dict[str, Any], step: int, kind: str, source: int | None = None) -> dict[str, Any]:
    hits = [e for e in log["entries"] if e["step"] == step and e["kind"] == kind and e["source"] == source]
    assert len(hits) == 1, (step, kind, source, len(hits))
    return hits[0]


def _same(book: str, got: float | str) -> bool:
    """`got` rounded to the places `book` prints equals the book's number (−0.0 counts as 0.0)."""
    places = Decimal(book).as_tuple().exponent
    assert isinstance(places, int), book
    return Decimal(str(got)).quantize(Decimal(1).scaleb(places)) == Decimal(book)


def _check(book: str, entry: dict[str, Any]) -> None:
    assert _same(book, entry["shown"]), (book, entry["name"], entry["step"], entry["shown"])
    assert _same(book, entry["value"]), (book, entry["name"], entry["step"], entry["value"])


# --- Negnevitsky (2005), Table 6.3: the perceptron learns AND ---------------------------------------
# Columns as printed: epoch, x1, x2, Yd, initial w1, w2, Y, e, final w1, w2.
# Y = step(x1·w1 + x2·w2 − 0.2); e = Yd − Y; w_i ← w_i + 0.1·x_i·e.
NEGNEVITSKY_TABLE_6_3 = [
    ("1", "0", "0", "0", "0.3", "-0.1", "0", "0", "0.3", "-0.1"),   # X = −0.2 → 0
    ("1", "0", "1", "0", "0.3", "-0.1", "0", "0", "0.3", "-0.1"),   # X = −0.3 → 0
    ("1", "1", "0", "0", "0.3", "-0.1", "1", "-1", "0.2", "-0.1"),  # X = 0.1 → 1, w1 − 0.1
    ("1", "1", "1", "1", "0.2", "-0.1", "0", "1", "0.3", "0.0"),    # X = −0.1 → 0, both + 0.1
    ("2", "0", "0", "0", "0.3", "0.0", "0", "0", "0.3", "0.0"),
    ("2", "0", "1", "0", "0.3", "0.0", "0", "0", "0.3", "0.0"),     # X = −0.2
    ("2", "1", "0", "0", "0.3", "0.0", "1", "-1", "0.2", "0.0"),    # X = 0.1
    ("2", "1", "1", "1", "0.2", "0.0", "1", "0", "0.2", "0.0"),     # X = 0.0 exactly → 1
    ("3", "0", "0", "0", "0.2", "0.0", "0", "0", "0.2", "0.0"),
    ("3", "0", "1", "0", "0.2", "0.0", "0", "0", "0.2", "0.0"),
    ("3", "1", "0", "0", "0.2", "0.0", "1", "-1", "0.1", "0.0"),    # X = 0.0 → 1
    ("3", "1", "1", "1", "0.1", "0.0", "0", "1", "0.2", "0.1"),     # X = −0.1
    ("4", "0", "0", "0", "0.2", "0.1", "0", "0", "0.2", "0.1"),
    ("4", "0", "1", "0", "0.2", "0.1", "0", "0", "0.2", "0.1"),     # X = −0.1
    ("4", "1", "0", "0", "0.2", "0.1", "1", "-1", "0.1", "0.1"),    # X = 0.0 → 1
    ("4", "1", "1", "1", "0.1", "0.1", "1", "0", "0.1", "0.1"),     # X = 0.0 → 1
    ("5", "0", "0", "0", "0.1", "0.1", "0", "0", "0.1", "0.1"),
    ("5", "0", "1", "0", "0.1", "0.1", "0", "0", "0.1", "0.1"),     # X = −0.1
    ("5", "1", "0", "0", "0.1", "0.1", "0", "0", "0.1", "0.1"),     # X = −0.1
    ("5", "1", "1", "1", "0.1", "0.1", "1", "0", "0.1", "0.1"),     # X = 0.0 → 1
]
NEGNEVITSKY_THETA, NEGNEVITSKY_ALPHA = "0.2", "0.1"     # printed under the table


def test_negnevitsky_table_6_3_every_printed_number():
    log = _log("perceptron-and")
    problem = log["problem"]
    assert _same(NEGNEVITSKY_THETA, problem["network"]["biases"][0][0])
    assert _same(NEGNEVITSKY_ALPHA, problem["training"]["learning_rate"])
    assert problem["conventions"]["bias"] == "subtracted"          # X = Σ x_i w_i − θ
    assert problem["training"]["update_biases"] is False           # θ is held at 0.2
    assert len(log["history"]) == len(NEGNEVITSKY_TABLE_6_3)
    weights = [str(w) for w in problem["network"]["weights"][0][0]]
    for step, row in enumerate(NEGNEVITSKY_TABLE_6_3, 1):
        epoch, x1, x2, yd, w1, w2, y, e, f1, f2 = row
        out = _entry(log, step, "out")
        assert out["epoch"] == int(epoch), row
        example = problem["data"][out["example"] - 1]
        assert [_same(x1, example["input"][0]), _same(x2, example["input"][1])] == [True, True], row
        assert _same(yd, example["target"][0]), row
        # the initial weights of a row are the final weights of the row before (the problem's for row 1)
        assert [_same(w1, weights[0]), _same(w2, weights[1])] == [True, True], (row, weights)
        _check(y, out)
        _check(e, _entry(log, step, "error"))
        _check(f1, _entry(log, step, "new_w", 1))
        _check(f2, _entry(log, step, "new_w", 2))
        weights = [_entry(log, step, "new_w", i)["shown"] for i in (1, 2)]
    # "converges in the fifth epoch": the book's last epoch is the first without an error
    assert [row["errors"] for row in log["epochs"]] == [2, 1, 2, 1, 0]
    assert log["final"]["converged"] is True and log["final"]["epoch"] == 5


# --- Fausett (1994), Example 2.6: a Hebb net for AND, bipolar inputs and targets ------------------
# Columns as printed: input (x1 x2 1), target t, weight changes (Δw1 Δw2 Δb) = (x1·t, x2·t, t),
# weights (w1 w2 b), starting from (0 0 0).
FAUSETT_EXAMPLE_2_6 = [
    (("1", "1", "1"), "1", ("1", "1", "1"), ("1", "1", "1")),
    (("1", "-1", "1"), "-1", ("-1", "1", "-1"), ("0", "2", "0")),
    (("-1", "1", "1"), "-1", ("1", "-1", "-1"), ("1", "1", "-1")),
    (("-1", "-1", "1"), "-1", ("1", "1", "-1"), ("2", "2", "-2")),
]
FAUSETT_INITIAL = ("0", "0", "0")


def test_fausett_example_2_6_every_printed_number():
    log = _log("hebb-and")
    problem = log["problem"]
    initial = (*problem["network"]["weights"][0][0], problem["network"]["biases"][0][0])
    assert all(_same(b, got) for b, got in zip(FAUSETT_INITIAL, initial, strict=True))
    assert len(log["history"]) == len(FAUSETT_EXAMPLE_2_6)         # one epoch, four patterns
    for step, (inputs, target, changes, weights) in enumerate(FAUSETT_EXAMPLE_2_6, 1):
        example = problem["data"][_entry(log, step, "new_b")["example"] - 1]
        assert all(_same(b, got) for b, got in zip(inputs, [*example["input"], 1], strict=True)), step
        assert _same(target, example["target"][0]), step
        for book, entry in zip(changes, [_entry(log, step, "delta_w", 1), _entry(log, step, "delta_w", 2),
                                         _entry(log, step, "delta_b")], strict=True):
            _check(book, entry)
        for book, entry in zip(weights, [_entry(log, step, "new_w", 1), _entry(log, step, "new_w", 2),
                                         _entry(log, step, "new_b")], strict=True):
            _check(book, entry)
    assert log["final"]["weights"] == [[[2.0, 2.0]]] and log["final"]["biases"] == [[-2.0]]


# --- Hagan et al. (2014), chapter 10: the LMS example on the apple/orange prototypes ------------
# p1 = [1 −1 −1]ᵀ (orange, t1 = −1), p2 = [1 1 −1]ᵀ (apple, t2 = 1), W(0) = [0 0 0], α = 0.2,
# presented p1, p2, p1. Per iteration k as printed: a(k) = W(k)p(k), e(k) = t(k) − a(k), W(k+1).
HAGAN_P = ((("1", "-1", "-1"), "-1"), (("1", "1", "-1"), "1"))
HAGAN_ALPHA = "0.2"
HAGAN_ITERATIONS = [
    # a(0) = 0; e(0) = −1 − 0; W(1) = 0 + 2(0.2)(−1)[1 −1 −1]
    ("0", "-1", ("-0.4", "0.4", "0.4")),
    # a(1) = −0.4 + 0.4 − 0.4; e(1) = 1 − (−0.4); W(2) = W(1) + 2(0.2)(1.4)[1 1 −1]
    ("-0.4", "1.4", ("0.16", "0.96", "-0.16")),
    # a(2) = 0.16 − 0.96 + 0.16; e(2) = −1 − (−0.64); W(3) = W(2) + 2(0.2)(−0.36)[1 −1 −1]
    ("-0.64", "-0.36", ("0.0160", "1.1040", "-0.0160")),
]
HAGAN_LIMIT = ("0", "1", "0")                     # "the algorithm converges to W = [0 1 0]"


def test_hagan_lms_example_every_printed_number():
    log = _log("adaline-lms")
    problem = log["problem"]
    # tracer's rule is w ← w + η e x, the book's W ← W + 2α e pᵀ: η = 2α
    assert Decimal(str(problem["training"]["learning_rate"])) == 2 * Decimal(HAGAN_ALPHA)
    assert problem["network"]["weights"] == [[[0.0, 0.0, 0.0]]] and problem["network"]["bias"] == "none"
    for (inputs, target), example in zip(HAGAN_P, problem["data"], strict=True):
        assert all(_same(b, got) for b, got in zip(inputs, example["input"], strict=True))
        assert _same(target, example["target"][0])
    for k, (a, e, w) in enumerate(HAGAN_ITERATIONS):
        step = k + 1
        net = _entry(log, step, "net")
        assert net["example"] == (1, 2, 1)[k]                       # p1, p2, p1
        _check(a, net)           # the book's a(k) is purelin: tracer's net (its out column is the sign)
        _check(e, _entry(log, step, "error"))
        for i, book in enumerate(w, 1):
            _check(book, _entry(log, step, "new_w", i))


def test_hagan_lms_converges_to_the_weights_the_book_names():
    log = _log("adaline-lms", epochs=200)
    assert all(_same(b, got) for b, got in zip(HAGAN_LIMIT, log["final"]["weights"][0][0], strict=True))


def test_precision_helper_is_not_vacuous():
    assert _same("0.0160", 0.016) and _same("0.0", -0.0) and _same("-0.1", "-0.1")
    assert not _same("0.2", 0.1) and not _same("1.1040", 1.1041) and not _same("0", 1)
