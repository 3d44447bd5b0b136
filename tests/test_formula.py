"""The formula tree and its printers: each node type, LaTeX and plain text, as tables."""
from __future__ import annotations

import pytest

from tracer.formula.latex import latex
from tracer.formula.names import name_text, name_width
from tracer.formula.text import text
from tracer.formula.tree import (
    Add,
    Apply,
    Cases,
    Frac,
    Gap,
    Group,
    Matrix,
    Mul,
    Neg,
    Number,
    Pow,
    Relation,
    Sigma,
    Sub,
    Symbol,
    Where,
    elided,
)
from tracer.model.activations import LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from tracer.model.losses import BinaryCrossEntropy, CrossEntropy, HalfSquaredError, MeanSquaredError

NET = Symbol("net_{h1}", "net_h1")
OUT = Symbol("out_{o1}", "out_o1")
W, X = Symbol("w_{5}", "w5"), Symbol("x_{1}", "x1")
NEG, POS = Number("-0.3", -0.3), Number("0.5933", 0.5933)
E = Symbol("e", "e")
LN = Symbol("\\ln", "ln")

CASES = [  # tree, LaTeX, plain text
    (Add((Mul((W, X)), Symbol("b_{1}", "b1"))), "w_{5} \\cdot x_{1} + b_{1}", "w5 · x1 + b1"),
    # a negative number opening a formula needs no brackets; anywhere else it gets them
    (Mul((NEG, POS)), "-0.3 \\cdot 0.5933", "-0.3 · 0.5933"),
    (Mul((POS, NEG)), "0.5933 \\cdot (-0.3)", "0.5933 · (-0.3)"),
    (Add((POS, NEG)), "0.5933 + (-0.3)", "0.5933 + (-0.3)"),
    (Sub(NEG, Mul((Number("0.5"), NEG))), "-0.3 - 0.5 \\cdot (-0.3)", "-0.3 - 0.5 · (-0.3)"),
    (Apply(Symbol("\\tanh", "tanh"), (NEG,)), "\\tanh(-0.3)", "tanh(-0.3)"),
    # a bracketed lone argument keeps only the call's brackets (issue 11: never tanh((-0.3)))
    (Apply(Symbol("\\tanh", "tanh"), (Group(NEG),)), "\\tanh(-0.3)", "tanh(-0.3)"),
    (Apply(Symbol("\\sigma", "sigma"), (Group(Add((POS, NEG)), sized=True),)), "\\sigma\\left(0.5933 + (-0.3)\\right)",
     "sigma(0.5933 + (-0.3))"),
    (Apply(Symbol("\\max", "max"), (Number("0"), NEG)), "\\max(0, -0.3)", "max(0, -0.3)"),
    (Frac(Number("1"), Add((Number("1"), Pow(E, Neg(NET))))), "\\frac{1}{1 + e^{-net_{h1}}}",
     "1/(1 + exp(-net_h1))"),
    (Frac(Number("1"), Add((Number("1"), Pow(E, Neg(NEG))))), "\\frac{1}{1 + e^{-(-0.3)}}",
     "1/(1 + exp(-(-0.3)))"),
    (Pow(NEG, Number("2")), "(-0.3)^{2}", "(-0.3)^2"),
    (Mul((OUT, Group(Sub(Number("1"), OUT))), sign="juxtapose"), "out_{o1}(1 - out_{o1})",
     "out_o1(1 - out_o1)"),
    (Mul((Symbol("t", "t"), Apply(LN, (OUT,), bare=True)), sign="juxtapose"), "t \\ln out_{o1}", "t ln out_o1"),
    (Apply(LN, (Sub(Number("1"), OUT),), bare=True), "\\ln(1 - out_{o1})", "ln(1 - out_o1)"),
    (Mul((Frac(Number("1"), Number("2")), Group(Add((POS, NEG)), sized=True)), sign="juxtapose"),
     "\\frac{1}{2}\\left(0.5933 + (-0.3)\\right)", "(1/2)(0.5933 + (-0.3))"),
    (Cases(((Number("1"), Relation(NET, ">", Number("0"))), (Number("0"), None))),
     "\\begin{cases} 1 & \\text{if } net_{h1} > 0 \\\\ 0 & \\text{otherwise} \\end{cases}",
     "(1 if net_h1 > 0 else 0)"),
    (Where(Number("0"), Relation(NEG, "<=", Number("0"))), "0 \\quad (-0.3 \\le 0)", "0  (-0.3 <= 0)"),
    (Frac(Pow(E, Symbol("x_j", "x_j")), Sigma(Symbol("k", "k"), Pow(E, Symbol("x_k", "x_k")))),
     "\\frac{e^{x_j}}{\\sum_{k} e^{x_k}}", "exp(x_j)/(sum_k exp(x_k))"),
    (Add(elided([Number(str(k)) for k in range(1, 8)], 4)), "1 + 2 + 3 + \\cdots + 7", "1 + 2 + 3 + ... + 7"),
    (Matrix(((POS, Gap()), (Gap("v"), Gap("d")))),
     "{\\begin{bmatrix} 0.5933 & \\cdots \\\\ \\vdots & \\ddots \\end{bmatrix}}", "[0.5933, ...; ..., ...]"),
]


@pytest.mark.parametrize(("tree", "expected_latex", "expected_text"), CASES,
                         ids=[c[2] for c in CASES])
def test_printers(tree, expected_latex, expected_text):
    assert latex(tree) == expected_latex
    assert text(tree) == expected_text


MODEL = [  # a model object's formula in named quantities: LaTeX as the walkthroughs print it
    (Sigmoid().out_latex("net"), "\\frac{1}{1 + e^{-net}}"),
    (Sigmoid().dact_latex("net", "out"), "out(1 - out)"),
    (Tanh().dact_latex("net", "out"), "1 - out^{2}"),
    # what tanh is (the setup printed tanh(x) = tanh(x))
    (Tanh().describe(), "\\frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}"),
    (ReLU().out_latex("net"), "\\max(0, net)"),
    (LeakyReLU(0.1).dact_latex("net", "out"),
     "\\begin{cases} 1 & \\text{if } net > 0 \\\\ 0.1 & \\text{otherwise} \\end{cases}"),
    (Softmax().describe(), "\\frac{e^{x_j}}{\\sum_{k} e^{x_k}}"),
    (HalfSquaredError().latex("t", "o"), "\\frac{1}{2}(t - o)^{2}"),
    (MeanSquaredError(3).latex("t", "o"), "\\frac{1}{3}(t - o)^{2}"),
    (BinaryCrossEntropy().latex("t", "o"), "-\\left(t \\ln o + (1 - t) \\ln(1 - o)\\right)"),
    (CrossEntropy().latex("t", "o"), "-t \\ln o"),
]


@pytest.mark.parametrize(("printed", "expected"), MODEL, ids=[m[1] for m in MODEL])
def test_model_formulas(printed, expected):
    assert printed == expected


NAMES = [  # a name of the documented LaTeX subset -> its width and its plain Unicode text
    ("net_{h1}", 4.4, "net_h1"),
    ("\\frac{\\partial E_{total}}{\\partial out_{o1}}", 6.1, "∂E_total/∂out_o1"),
    ("\\delta_{o1}", 2.4, "δ_o1"),
    ("\\mathrm{error2\\_h}", 8.0, "error2_h"),
    ("\\hat{y}_{o1}", 3.4, "y\u0302_o1"),
    ("w_{5}^{+}", 3.38, "w_5^+"),
    ("\\left.\\delta_{o1}\\right|_{1}", 3.9, "δ_o1|_1"),
    ("\\theta_{6}", 1.7, "θ_6"),
]


@pytest.mark.parametrize(("name", "width", "plain"), NAMES, ids=[n[2] for n in NAMES])
def test_names(name, width, plain):
    assert name_width(name) == pytest.approx(width)
    assert name_text(name) == plain


@pytest.mark.parametrize("example", ["classic-2-2-2", "relu-blog", "xor-epoch", "three-classes", "mini-batch",
                                     "odd-even", "momentum"])
def test_templated_entries_print_as_their_trees(example):
    """Entry.formula_latex/substitution_latex print common ops from a cached template: the
    same text as printing the entry's tree, elided or not."""
    from tracer import examples, trace
    for e in trace(examples.load(example)):
        for max_terms in (None, 3, 8):
            assert e.formula_latex(max_terms) == latex(e.formula_tree(max_terms))
            assert e.substitution_latex(max_terms) == latex(e.substitution_tree(max_terms))


def test_mathml_call_of_a_bracketed_argument_has_one_pair_of_brackets():
    """tanh((−0.3)) in the HTML walkthrough read as a double bracket (issue 11)."""
    from tracer.formula.mathml import mathml
    printed = mathml(Apply(Symbol("\\tanh", "tanh"), (Group(NEG),)))
    assert printed.count("<mo>(</mo>") == 1 and printed.count("<mo>)</mo>") == 1
    assert "<mn>0.3</mn>" in printed
