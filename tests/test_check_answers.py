"""Reading answers files: YAML, JSON and 'name = value' text, precision kept, one-line errors."""
from __future__ import annotations

from decimal import Decimal

import pytest

from tracer.check.answers import AnswersError, load_answers, parse_answers
from tracer.check.compare import Tolerance, agreement, at_precision, parse_number


def names_values(answers):
    return [(a.name, a.text, a.value, a.where) for a in answers.answers]


def test_yaml_keeps_the_written_precision_and_lines():
    a = parse_answers("out_h1: 0.50\nw5+: 0.35891648\n'net_{h1}': 0.3775\n", "s.yaml")
    assert names_values(a) == [("out_h1", "0.50", Decimal("0.50"), "line 1"),
                               ("w5+", "0.35891648", Decimal("0.35891648"), "line 2"),
                               ("net_{h1}", "0.3775", Decimal("0.3775"), "line 3")]
    assert a.answers[0].value.as_tuple().exponent == -2   # 0.50, not 0.5


def test_yaml_with_metadata_and_nested_answers():
    text = ("title: Anna\nconvention: negative_gradient\nnotes: [first, second]\n"
            "remarks: {out_h1: looked it up}\nanswers:\n  out_h1: 0.59\n  E_total: 0.2984\n")
    a = parse_answers(text, "anna.yaml")
    assert (a.title, a.convention, a.notes, dict(a.remarks)) == (
        "Anna", "negative_gradient", ("first", "second"), {"out_h1": "looked it up"})
    assert names_values(a) == [("out_h1", "0.59", Decimal("0.59"), "line 6"),
                               ("E_total", "0.2984", Decimal("0.2984"), "line 7")]


def test_json_numbers_keep_their_text():
    a = parse_answers('{"out_h1": 0.50, "E_total": "0.2984", "dE/dw5": 8.2e-2}', "s.json")
    assert [(x.name, x.text, x.value) for x in a.answers] == [
        ("out_h1", "0.50", Decimal("0.50")), ("E_total", "0.2984", Decimal("0.2984")),
        ("dE/dw5", "8.2e-2", Decimal("0.082"))]


def test_text_format_with_comments_and_suffixes():
    text = "# my answers\nout_h1 = 0.59   # rounded\ndE/dw5#2 = 0.08\n\nout_h1@2 = \u22120.5\nconvention = gradient\n"
    a = parse_answers(text, "s.txt")
    assert names_values(a) == [("out_h1", "0.59", Decimal("0.59"), "line 2"),
                               ("dE/dw5#2", "0.08", Decimal("0.08"), "line 3"),
                               ("out_h1@2", "-0.5", Decimal("-0.5"), "line 5")]
    assert a.convention == "gradient"


def test_format_is_guessed_from_the_content_without_an_extension():
    assert parse_answers("out_h1 = 0.5\n", "answers").answers[0].name == "out_h1"
    assert parse_answers("out_h1: 0.5\n", "answers").answers[0].name == "out_h1"
    assert parse_answers('{"out_h1": 0.5}', "answers").answers[0].name == "out_h1"


@pytest.mark.parametrize("source, text, message", [
    ("s.txt", "out_h1 = abc\n", "s.txt: line 1: out_h1: found 'abc'; expected a number"),
    ("s.txt", "out_h1 0.5\n", "s.txt: line 1: found 'out_h1 0.5'; expected name = value"),
    ("s.yaml", "out_h1: 0.5\nout_h1: 0.6\n",
     "s.yaml: line 2: out_h1: given twice (first at line 1); expected each quantity once"),
    ("s.yaml", "out_h1: [1, 2]\n", "s.yaml: line 1: out_h1: found a sequence; expected a number"),
    ("s.yaml", "- 1\n", "s.yaml: found a sequence; expected a mapping of quantity names to numbers"),
    ("s.yaml", "# nothing yet\n", "s.yaml: found nothing; expected a mapping"),
    ("s.yaml", "a: 1\n  b: : x\n", "s.yaml: line 2: not valid YAML"),
    ("s.yaml", "convention: upside_down\nout_h1: 1\n",
     "s.yaml: line 1: convention: found 'upside_down'; expected one of: gradient, negative_gradient"),
    ("s.json", '{"out_h1": true}', "s.json: field 'out_h1': found true; expected a number"),
    ("s.json", '{"out_h1": 0.5,}', "s.json: line 1: not valid JSON"),
    ("s.json", "[1, 2]", "s.json: found a JSON list; expected a mapping"),
    ("s.txt", "# only a comment\n", "s.txt: found no answers; expected a mapping"),
])
def test_bad_answers_are_one_line_naming_file_place_and_expectation(source, text, message):
    with pytest.raises(AnswersError) as caught:
        parse_answers(text, source)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_unreadable_file(tmp_path):
    with pytest.raises(AnswersError, match=r"missing\.yaml: cannot read the answers file"):
        load_answers(tmp_path / "missing.yaml")


# --- comparing at the written precision ------------------------------------------
@pytest.mark.parametrize("written, true, how", [
    ("0.59", 0.593269992, "rounded"),        # rounds and truncates to 0.59
    ("0.5933", 0.593269992, "rounded"),
    ("0.5932", 0.593269992, "truncated"),
    ("0.5934", 0.593269992, None),
    ("0.22", 1 - 0.78, "exact"),              # 0.21999999999999997 in binary
    ("0.0197", 0.7 * 0.343 + 0.1 * 0 + 0.4 * 0.699 - 0.5, "exact"),
    ("-0.04", -0.0462, "truncated"),          # truncation is towards zero
    ("0", 0.0025, None),                      # a zero for a nonzero value says nothing
    ("0.00", 0.0025, None),
    ("0.002", 0.0025, "truncated"),
    ("0", -0.0, "exact"),
    ("0.001", 0.000976180653503446, "rounded"),   # rounding carries into the next digit
    ("-0.001", -0.000976180653503446, "rounded"),
    ("0.01", 0.000976180653503446, None),         # two digits coarser
    ("1", 0.8035, "rounded"),
    ("1.5E+2", 147.2, "rounded"),
])
def test_agreement_at_the_precision_written(written, true, how):
    assert agreement(parse_number(written), true) == how


def test_tolerances():
    assert Tolerance.parse("0.001") == Tolerance("abs", Decimal("0.001"))
    assert Tolerance.parse("1%") == Tolerance("rel", Decimal("0.01"))
    assert Tolerance.parse("3sf") == Tolerance("sf", Decimal(3))
    assert [Tolerance.parse(t) for t in ("abc", "-1", "0sf", "%")] == [None] * 4
    assert agreement(Decimal("0.594"), 0.593269992, Tolerance.parse("0.001")) == "within tolerance"
    assert agreement(Decimal("0.595"), 0.593269992, Tolerance.parse("0.001")) is None
    assert agreement(Decimal("0.3010"), 0.298371109, Tolerance.parse("1%")) == "within tolerance"
    assert agreement(Decimal("0.3020"), 0.298371109, Tolerance.parse("1%")) is None
    assert agreement(Decimal("0.7512"), 0.75136507, Tolerance.parse("3sf")) == "within tolerance"
    assert agreement(Decimal("0.7515"), 0.75136507, Tolerance.parse("3sf")) is None
    assert at_precision(Decimal("0.7512"), Decimal("0.75136507")) is None
