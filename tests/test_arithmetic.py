"""Every printed line adds up (issue 11, section 1).

For every gallery example and every style, every substitution line a teacher could
recompute (the JSON trace's substitutions, and the lines that exist only on the page: the
chain-rule products, the matrix products, the Change column) gives its printed result:
exactly, at the printed precision, when values are carried; within one unit of the last
printed digit otherwise.
"""
from __future__ import annotations

from decimal import Decimal
from functools import cache

import numpy as np
import pytest

from tests.arithmetic import (
    adds_up,
    check_changes,
    check_page,
    check_parts,
    check_trace,
    page_lines,
)
from tracer.engine.log import TraceLog
from tracer.engine.rounding import Rounding
from tracer.engine.trace import trace
from tracer.examples import example_path
from tracer.formula.evaluate import Unevaluable, evaluate
from tracer.formula.latex import latex
from tracer.formula.tree import (
    Add,
    Apply,
    Frac,
    Group,
    Matrix,
    Mul,
    Neg,
    Node,
    Number,
    Pow,
    Sub,
    Symbol,
)
from tracer.gallery import catalogue
from tracer.model.conv_problem import ConvProblem
from tracer.model.graph_problem import is_expression_file
from tracer.model.problem import Problem
from tracer.render import RenderOptions, render_text

STYLES = ("chain-rule", "narrative", "matrix", "symbolic")
WALKTHROUGHS = sorted({(w.example, w.problem) for ex in catalogue() for w in ex.walkthroughs
                       if not is_expression_file(example_path(w.example).with_name(w.problem))})


@cache
def _log(example: str, problem: str) -> TraceLog:
    return trace(Problem.from_file(example_path(example).with_name(problem)))


# --- the evaluator reads the printed text ------------------------------------------------
def n(text: str) -> Number:
    return Number(text, 123.0)  # the float is ignored: what is printed is what counts


def test_evaluate_reads_printed_numbers_not_their_floats():
    # net_h1 = 0.15·0.05 + 0.2·0.1 + 0.35 = 0.3775 (the classic example)
    assert evaluate(Add((Mul((n("0.15"), n("0.05"))), Mul((n("0.2"), n("0.1"))), n("0.35")))) == pytest.approx(0.3775)
    # σ(0.3775) = 1/(1 + e^{-0.3775}) = 0.593269992
    sigma = Frac(n("1"), Add((n("1"), Pow(Symbol("e", "e"), Neg(n("0.3775"))))))
    assert evaluate(sigma) == pytest.approx(0.593269992, abs=1e-9)
    assert evaluate(Sub(n("0.59"), Mul((n("0.001"), n("-0.01"))))) == pytest.approx(0.59001)
    assert evaluate(Apply(Symbol("\\tanh", "tanh"), (n("-0.24"),))) == pytest.approx(np.tanh(-0.24))
    assert evaluate(Mul((Frac(n("1"), n("3")), Group(Add((n("0.3"), n("0.6"), n("0.9")))))), ) == pytest.approx(0.6)


def test_evaluate_multiplies_matrices_and_elements():
    w = Matrix(((n("1"), n("2")), (n("3"), n("4"))))
    x = Matrix(((n("5"),), (n("6"),)))
    assert evaluate(Mul((w, x))).tolist() == [[17.0], [39.0]]            # 1·5 + 2·6, 3·5 + 4·6
    assert evaluate(Mul((x, x), sign="odot")).tolist() == [[25.0], [36.0]]
    assert evaluate(Pow(Group(x), Symbol("T", "T"))).tolist() == [[5.0, 6.0]]
    relu = Apply(Symbol("relu", "relu"), (Matrix(((n("-1"),), (n("2"),))),))
    assert evaluate(relu, {"relu": lambda a: np.maximum(a, 0)}).tolist() == [[0.0], [2.0]]


def test_a_name_has_no_value():
    with pytest.raises(Unevaluable):
        evaluate(Mul((Symbol("w_1", "w1"), n("2"))))


# --- the rule ----------------------------------------------------------------------------
def test_rule_exact_when_carried_one_unit_otherwise():
    carried = Rounding(2, "truncate", carry=True)
    assert adds_up(0.5999, "0.59", carried) and not adds_up(0.5999, "0.60", carried)
    assert not adds_up(0.59001, "0.59995", carried)          # issue 11's xor-epoch line
    rounded = Rounding(4)
    assert adds_up(2.8975, "2.8976", rounded) and not adds_up(2.8975, "2.8977", rounded)  # odd-even's line
    assert not adds_up(1.496e-05, "0.00001488", rounded)      # xor-training's line


def test_a_line_that_does_not_add_up_is_reported():
    line = [Symbol("z", "z"), Mul((n("0.8992"), n("3"))), n("2.8977")]
    failures = check_parts(line, Rounding(4), {}, "here")
    assert len(failures) == 1 and "2.8977" in str(failures[0]) and "2.6976" in str(failures[0])
    assert check_changes([["w", "0.5", "0.5011", "0.0011"]], "here") == []
    assert len(check_changes([["w", "0.5", "0.5011", "0.001096"]], "here")) == 1


def test_rounding_keeps_significant_figures_of_small_values_and_all_decimals():
    r = Rounding(4)
    assert [r.show(x) for x in (0.59327, 0.0016914, -0.00001496, 1.0, 0.0, 123.456789)] == \
        ["0.5933", "0.001691", "-0.00001496", "1", "0", "123.4568"]
    t = Rounding(2, "truncate", carry=True)  # by hand: two decimals, figures only where they would vanish
    assert [t.show(x) for x in (0.668, 0.0462, 0.0046, 1 - 0.78)] == ["0.66", "0.04", "0.0046", "0.22"]
    # an update too small to see at two decimals keeps the digits that show it, and is carried so
    assert t.show_change(0.6 - 0.001 * -0.0059, 0.6) == "0.600005"
    assert t.carry_change(0.6 - 0.001 * -0.0059, 0.6) == 0.600005


# --- the gallery -------------------------------------------------------------------------
@pytest.mark.parametrize("example,problem", WALKTHROUGHS)
def test_every_json_substitution_adds_up(example, problem):
    log = _log(example, problem)
    assert len(log.entries) > 20
    failures = check_trace(log, f"{example}/{problem}")
    assert not failures, "\n".join(map(str, failures[:20]))


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("example,problem", WALKTHROUGHS)
def test_every_printed_line_adds_up(example, problem, style):
    log = _log(example, problem)
    with page_lines() as seen:  # sums written out in full (a 3x3 kernel's cell is 10 terms): every line checkable
        render_text(log, "md", RenderOptions(style=style, max_terms=None))
    if style != "symbolic":  # the symbolic style prints formulas first, numbers in its own way
        rule = getattr(log.problem.training, "rule", None)  # a single-layer rule: one neuron, few lines
        assert sum(1 for kind, _ in seen if kind == "chain") > (3 if rule else 10)
        # the old -> new table of a network trained by backpropagation (a conv network lists its
        # kernels' updates itself; a single-layer rule prints the books' epoch table)
        assert (any(kind == "changes" for kind, _ in seen) or isinstance(log.problem, ConvProblem)
                or log.problem.training.rule is not None)
    failures = check_page(log, seen, f"{example}/{problem} {style}")
    assert not failures, "\n".join(map(str, failures[:20]))


#: The compact form's two shapes: one line per quantity (any style but matrix), per layer matrix.
COMPACT_STYLES = ("chain-rule", "matrix")


@pytest.mark.parametrize("style", COMPACT_STYLES)
@pytest.mark.parametrize("example,problem", WALKTHROUGHS)
def test_every_compact_line_adds_up(example, problem, style):
    """--compact: every line formula = numbers = result adds up, and so does the Change column."""
    log = _log(example, problem)
    if isinstance(log.problem, ConvProblem):
        pytest.skip("a convolutional network has no compact form (--compact is refused)")
    with page_lines() as seen:
        render_text(log, "md", RenderOptions(style=style, max_terms=None, compact=True))
    chains = sum(1 for kind, _ in seen if kind == "chain")
    if log.problem.training.rule is None:   # a single-layer rule's walkthrough is its tables
        assert chains > (len(log.steps) * 3 if style == "matrix" else 10)
        assert any(kind == "changes" for kind, _ in seen) == (style != "matrix")
    failures = check_page(log, seen, f"{example}/{problem} {style} --compact")
    assert not failures, "\n".join(map(str, failures[:20]))


def test_a_compact_matrix_line_is_checked_through_its_transposed_columns():
    """[0.1 0.2]ᵀ · [3] = [0.3 0.6]ᵀ is read as the column it stands for: a wrong cell is reported."""
    t = Symbol("T", "T")
    row = Pow(Matrix(((n("0.1"), n("0.2")),)), t)
    good = [Symbol("Z", "Z"), Mul((row, Matrix(((n("3"),),)))), Pow(Matrix(((n("0.3"), n("0.6")),)), t)]
    assert check_parts(good, Rounding(4), {}, "here") == []
    bad = good[:2] + [Pow(Matrix(((n("0.3"), n("0.8")),)), t)]
    assert len(check_parts(bad, Rounding(4), {}, "here")) == 1


def test_carried_weights_are_used_as_printed():
    """xor-epoch: step 2 computes with the weight step 1 printed, not with more digits."""
    log = _log("xor-epoch", "problem.yaml")
    first = next(e for e in log.entries if e.kind == "new_w" and e.step == 1)
    later = next(e for e in log.entries if e.kind == "new_w" and e.step == 2
                 and (e.layer, e.neuron, e.source) == (first.layer, first.neuron, first.source))
    old = later.operand("old")
    assert old.shown == first.shown and Decimal(old.shown) == Decimal(repr(old.value))


def test_mini_batch_loss_and_mean_lines_add_up_on_the_page():
    """The batch's loss 1/3 · (E^(1) + E^(2) + E^(3)) and each mean gradient, as printed in every
    style, give their printed results; a wrong mean would be reported."""
    log = _log("mini-batch", "problem.yaml")
    batch = next(e for e in log.entries if e.kind == "loss" and e.example is None)
    assert check_parts([batch.substitution_tree(), n(batch.shown)], log.problem.rounding, {}, "batch") == []
    assert len(check_parts([batch.substitution_tree(), n("0.2274")], log.problem.rounding, {}, "batch")) == 1
    for style in ("chain-rule", "narrative", "matrix"):
        with page_lines() as seen:
            render_text(log, "md", RenderOptions(style=style, max_terms=None))
        means = [parts for kind, parts in seen if kind == "chain" and any(
            isinstance(p, Node) and "\\frac{1}{3} \\cdot" in latex(p) for p in parts)]
        assert len(means) >= (2 if style == "matrix" else 10), style  # the loss and the gradients
        assert check_page(log, seen, f"mini-batch {style}") == []


@pytest.mark.parametrize("example", ["cs231n-circuit", "sigmoid-neuron", "variable-twice"])
def test_every_compact_line_of_an_expression_adds_up(example):
    """tracer run --expr ... --compact (issue 19): each gate's value and each gradient line."""
    from tracer.engine.graph import trace_graph
    from tracer.model.graph_problem import GraphProblem
    from tracer.render.graph_walkthrough import render_graph
    log = trace_graph(GraphProblem.from_file(example_path(example).with_name("expression.yaml")))
    with page_lines() as seen:
        text = render_graph(log, "md", RenderOptions(compact=True)).text
    rows = [item for kind, item in seen if kind == "chain"]
    # every gate, every local gradient and every gradient on a wire: one line each
    assert len(rows) >= len(log.entries) - 1 - len(log.circuit.variables)
    assert "**Forward pass**" in text and "**Backward pass**" in text and "upstream" not in text
    failures = [f for row in rows for f in check_parts(row, log.problem.rounding, {}, example)]
    assert not failures, "\n".join(map(str, failures[:20]))


@pytest.mark.parametrize("example", ["exercise-2-2-1", "mini-batch", "xor"])
def test_every_line_of_an_answer_key_adds_up(example):
    """The key's lines, the quantities each answer is computed from included (issue 11, section 4)."""
    log = _log(example, "problem.yaml")
    with page_lines() as seen:
        render_text(log, "md", RenderOptions(answer_key=True, max_terms=None))
    assert sum(1 for kind, _ in seen if kind == "chain") >= 6
    failures = check_page(log, seen, f"{example} answer key")
    assert not failures, "\n".join(map(str, failures[:20]))
