"""Tiny numbers are set in powers of ten on the page (LaTeX and MathML), digit for digit;
the number's text, which the arithmetic checks and the JSON ``shown`` read, is unchanged."""
from __future__ import annotations

import pytest

from tracer.engine.rounding import Rounding
from tracer.formula.evaluate import evaluate
from tracer.formula.latex import latex
from tracer.formula.mathml import mathml
from tracer.formula.tree import Add, Mul, Number, Pow, Sub

TINY = Number("0.000006752")
NEGATIVE = Number("-0.000006752")


@pytest.mark.parametrize("text, expected", [
    ("0.0000000002477", ("2.477", -10)),   # Adam's v at its first step
    ("-0.000006834", ("-6.834", -6)),
    ("0.00000001", ("1", -8)),             # Adam's epsilon, as the problem writes it
    ("0.000003000", ("3.000", -6)),        # trailing zeros are digits: kept
    ("0.00001008", ("1.008", -5)),         # four zeros: powers of ten too (Adam's v beside 6.751e-6)
    ("0.0001", None),                      # three zeros: a plain decimal
    ("0.5933", None),
    ("-12", None),
])
def test_which_numbers_are_set_in_powers_of_ten(text, expected):
    assert Number(text).scientific == expected


@pytest.mark.parametrize("tree, expected", [
    (TINY, "6.752 \\times 10^{-6}"),
    (Mul((Number("0.5"), TINY)), "0.5 \\cdot (6.752 \\times 10^{-6})"),
    (Add((Number("0.3"), TINY)), "0.3 + 6.752 \\times 10^{-6}"),
    (Add((Number("0.3"), NEGATIVE)), "0.3 + (-6.752 \\times 10^{-6})"),
    (Sub(Number("1"), NEGATIVE), "1 - (-6.752 \\times 10^{-6})"),
    (Pow(TINY, Number("2")), "(6.752 \\times 10^{-6})^{2}"),
])
def test_latex_brackets_a_power_of_ten_where_a_product_needs_them(tree, expected):
    assert latex(tree) == expected


def test_mathml_sets_the_same_number():
    assert mathml(Mul((Number("0.5"), TINY))) == (
        '<mrow><mn>0.5</mn><mo>·</mo><mrow><mo stretchy="false">(</mo><mrow><mn>6.752</mn>'
        "<mo>×</mo><msup><mn>10</mn><mrow><mo>−</mo><mn>6</mn></mrow></msup></mrow>"
        '<mo stretchy="false">)</mo></mrow></mrow>')


def test_the_value_read_back_is_the_printed_decimal():
    tree = Add((Number("0.3"), TINY))
    assert evaluate(tree, {}) == pytest.approx(0.300006752, abs=1e-15)
    assert Rounding(4).show(0.0000067521) == "0.000006752"   # shown keeps the decimal form
