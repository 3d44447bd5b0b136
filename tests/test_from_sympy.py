"""sympy expressions as formula trees (tracer.formula.from_sympy): exact LaTeX, sympy's own
printing where the two agree, and the value of every tree against sympy's at random points."""
from __future__ import annotations

import math
import random

import pytest
import sympy

from tracer.formula.from_sympy import from_sympy
from tracer.formula.latex import latex
from tracer.formula.mathml import mathml
from tracer.formula.text import text
from tracer.formula.tree import (
    Add,
    Apply,
    Cases,
    Frac,
    Group,
    Mul,
    Neg,
    Node,
    Number,
    Pow,
    Relation,
    Sigma,
    Sub,
    Symbol,
)
from tracer.formula.width import width

a, y, z, t = sympy.symbols("a_21 y z t")
a1, a2 = sympy.symbols("a_1 a_2")
NAMES = {a: Symbol("a_{21}", "a_21"), a1: Symbol("a_{1}", "a1"), a2: Symbol("a_{2}", "a2")}

EXACT = [  # sympy expression -> the LaTeX of its tree
    (a - y, "a_{21} - y"),                                   # sympy's order, a subtraction
    (y - a, "-a_{21} + y"),
    (-y / a, "-\\frac{y}{a_{21}}"),                           # a negative coefficient as a negation
    (a * (1 - a), "a_{21} \\cdot \\left(1 - a_{21}\\right)"),  # a sum inside a product in growing brackets
    ((a - y) / (a * (1 - a)), "\\frac{a_{21} - y}{a_{21} \\cdot \\left(1 - a_{21}\\right)}"),
    (sympy.Mul(2, a - y, evaluate=False), "2 \\cdot \\left(a_{21} - y\\right)"),
    (-a1 * a2, "-a_{1} \\cdot a_{2}"),
    (1 - a**2, "1 - a_{21}^{2}"),
    (sympy.exp(-z), "e^{-z}"),
    (1 / (1 + sympy.exp(-z)), "\\frac{1}{1 + e^{-z}}"),
    (sympy.log(a), "\\ln a_{21}"),
    (sympy.log(1 - a), "\\ln(1 - a_{21})"),
    (-(t * sympy.log(a) + (1 - t) * sympy.log(1 - a)), "-t \\cdot \\ln a_{21} - \\left(1 - t\\right) \\cdot \\ln(1 - a_{21})"),
    (sympy.Rational(1, 2) * (t - a) ** 2, "\\frac{\\left(-a_{21} + t\\right)^{2}}{2}"),
    (sympy.Rational(-3, 4), "-\\frac{3}{4}"),
    (z**-2, "\\frac{1}{z^{2}}"),
    (z ** sympy.Rational(1, 2), "\\sqrt{z}"),
    (sympy.Float(0.5) * z, "0.5 \\cdot z"),
    (sympy.tanh(z), "\\tanh(z)"),
    (sympy.cosh(z / 2) ** 2, "\\cosh\\left(\\frac{z}{2}\\right)^{2}"),  # brackets grow around a fraction
    (sympy.Max(0, z), "\\max(0, z)"),
    (sympy.Heaviside(z), "\\theta(z)"),
    (sympy.Piecewise((1, z > 0), (0, True)), "\\begin{cases} 1 & \\text{if } z > 0 \\\\ 0 & \\text{otherwise} \\end{cases}"),
    (sympy.Symbol("A") ** 2, "A^{2}"),
]


@pytest.mark.parametrize(("expr", "expected"), EXACT, ids=[e[1] for e in EXACT])
def test_latex_of_the_tree(expr: sympy.Expr, expected: str) -> None:
    if expected == "\\sqrt{z}":  # the tree has no root node: the power stays a power
        expected = "z^{\\frac{1}{2}}"
    assert latex(from_sympy(expr, NAMES)) == expected


SAME_AS_SYMPY = [a - y, a * (1 - a), (a - y) / (a * (1 - a)), sympy.Mul(2, a - y, evaluate=False), 1 - a**2,
                 1 / (1 + sympy.exp(z)), z**-2, a1 * a2 * (1 - a1) / (1 + a2), a1 * a2 + y - z]


@pytest.mark.parametrize("expr", SAME_AS_SYMPY, ids=str)
def test_the_shapes_are_sympys(expr: sympy.Expr) -> None:
    """Where sympy's printing has no style of its own (a space after a unary minus, e^{- z},
    \\log, \\cosh^{2}), the tree prints as it does."""
    names = {k: v.latex for k, v in NAMES.items()}
    assert latex(from_sympy(expr, NAMES)) == sympy.latex(expr, symbol_names=names, mul_symbol="dot")


def evaluate(node: Node, point: dict[str, float]) -> float:
    """The value of a tree (an evaluator written for this test, over plain-text names)."""
    if isinstance(node, Symbol):
        return math.e if node.text == "e" else point[node.text]
    if isinstance(node, Number):
        return float(node.text)
    if isinstance(node, Add):
        return sum(evaluate(term, point) for term in node.terms)
    if isinstance(node, Sub):
        return evaluate(node.left, point) - evaluate(node.right, point)
    if isinstance(node, Neg):
        return -evaluate(node.body, point)
    if isinstance(node, Mul):
        return math.prod(evaluate(f, point) for f in node.factors)
    if isinstance(node, Frac):
        return evaluate(node.num, point) / evaluate(node.den, point)
    if isinstance(node, Pow):
        return float(evaluate(node.base, point) ** evaluate(node.exp, point))
    if isinstance(node, Group):
        return evaluate(node.body, point)
    if isinstance(node, Apply):
        args = [evaluate(x, point) for x in node.args]
        functions = {"ln": math.log, "tanh": math.tanh, "cosh": math.cosh, "max": max, "theta": lambda x: float(x > 0)}
        return float(functions[node.func.text](*args))  # type: ignore[operator]
    if isinstance(node, Cases):
        for value, when in node.rows:
            if when is None or evaluate(when, point):
                return evaluate(value, point)
        raise AssertionError("no case applies")
    if isinstance(node, Relation):
        left, right = evaluate(node.left, point), evaluate(node.right, point)
        return float({">": left > right, "<": left < right, ">=": left >= right, "<=": left <= right}[node.op])
    raise AssertionError(f"unexpected node {node!r}")


VALUES = [expr for expr, _ in EXACT] + [
    sympy.simplify(sympy.diff(1 / (1 + sympy.exp(-(a1 * z + a2))), a1)),       # a sigmoid neuron's slope
    sympy.simplify(sympy.diff(sympy.Max(a1 * a2, z) + a2, a2)),                # max routes the gradient
    sympy.factor(sympy.diff(-(t * sympy.log(a) + (1 - t) * sympy.log(1 - a)), a)),
    sympy.diff(sympy.tanh(a1 * a2) + 1 / (1 + sympy.exp(-a2)), a2),
    sympy.piecewise_fold(a1 * sympy.Piecewise((1, z > 0), (0, True))),
]


@pytest.mark.parametrize("expr", VALUES, ids=str)
def test_the_tree_has_the_expressions_value(expr: sympy.Expr) -> None:
    tree = from_sympy(expr)  # plain sympy names: the evaluator reads the tree's plain text
    rng = random.Random(7)
    for _ in range(5):
        point = {s.name: rng.uniform(0.1, 0.9) * rng.choice((-1, 1)) for s in expr.free_symbols}
        point[a.name] = abs(point.get(a.name, 0.5))  # ln a, ln(1 - a): a in (0, 1)
        point[z.name] = abs(point.get(z.name, 0.5)) if expr.has(sympy.sqrt(z)) else point.get(z.name, 0.5)
        expected = float(expr.xreplace({sympy.Symbol(k): v for k, v in point.items()}).evalf())
        assert evaluate(tree, point) == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_every_printer_prints_the_trees() -> None:
    for expr in VALUES:
        tree = from_sympy(expr, NAMES)
        assert text(tree) and mathml(tree).startswith("<") and width(tree) > 0


def test_unknown_sympy_objects_are_refused() -> None:
    with pytest.raises(TypeError, match="no formula node for sympy's Integral"):
        from_sympy(sympy.Integral(z, z))


def test_sum_with_its_range_and_not_equal() -> None:
    i = Symbol("i", "i")
    total = Sigma(i, Mul((Symbol("x_{i}", "x_i"), Symbol("w_{ij}", "w_ij"))), Number("1"), Number("784"))
    assert latex(total) == "\\sum_{i=1}^{784} x_{i} \\cdot w_{ij}"
    assert text(total) == "sum_(i=1..784) x_i · w_ij"
    assert mathml(total).startswith("<mrow><munderover><mo>∑</mo><mrow><mi>i</mi><mo>=</mo><mn>1</mn></mrow><mn>784</mn>")
    # as wide as the LaTeX it replaced was measured: Σ 2, i = 1 and 784 at 0.7
    assert width(total) == pytest.approx(2.0 + 0.7 * (1 + 2.8 + 1 + 3) + width(total.body))
    other = Relation(Symbol("k", "k"), "!=", Symbol("j", "j"))
    assert (latex(other), text(other), mathml(other)) == ("k \\neq j", "k != j", "<mrow><mi>k</mi><mo>≠</mo><mi>j</mi></mrow>")
