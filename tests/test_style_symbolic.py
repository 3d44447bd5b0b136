"""The symbolic walkthrough (seed 001): exact formulas, derivatives checked against sympy.diff.

The reference derivatives here are independent of tracer's activations, losses and of
the symbolic module: each test network's full loss is written out from scratch as one
sympy expression of the inputs, weights, biases and targets, and differentiated.
"""
from __future__ import annotations

import copy
import functools
import random
import re
import time
from typing import Any

import pytest
import sympy
from mathcheck import latex_math, markdown_math, math_errors, pdflatex_errors

from tracer.engine.log import TraceLog
from tracer.engine.trace import trace
from tracer.formula.latex import latex
from tracer.model.notation import Notation
from tracer.model.problem import Problem
from tracer.render import RenderOptions, render_text
from tracer.render.symbolic import Line, SymbolicView

# Seed 001's network: 2-3-1 sigmoid, shared biases b1 b2, indexed names (z_11, a_11, w31).
DEVFORUM: dict[str, Any] = {
    "title": "Neural networks: the maths of backpropagation",
    "network": {"layers": [2, 3, 1], "activation": "sigmoid", "bias": "per_layer",
                "weights": [[[0.15, 0.25], [0.35, 0.45], [0.55, 0.65]], [[0.75, 0.85, 0.95]]],
                "biases": [0.33, 0.66]},
    "loss": "half_squared_error",
    "training": {"learning_rate": 0.37},
    "data": [{"input": [0.12, 0.87], "target": [0.73]}],
    "notation": "indexed",
}


def variant(**changes: Any) -> dict[str, Any]:
    """DEVFORUM with network fields (layers, activation, bias, init) or top-level fields changed."""
    d = copy.deepcopy(DEVFORUM)
    for key, value in changes.items():
        if key in ("layers", "activation", "bias", "init"):
            d["network"][key] = value
        else:
            d[key] = value
    if "init" in changes:
        d["network"].pop("weights")
        d["network"].pop("biases")
    if changes.get("bias") == "none":
        d["network"].pop("biases", None)
    return d


BCE = variant(loss="binary_cross_entropy")
SOFTMAX_CE = variant(layers=[2, 3, 3], activation=["tanh", "softmax"], init={"seed": 1}, loss="cross_entropy",
                     data=[{"input": [0.1, 0.2], "target": [0.2, 0.3, 0.5]}])
SOFTMAX_HSE = variant(layers=[2, 2, 3], activation=[{"name": "leaky_relu", "alpha": 0.1}, "softmax"],
                      bias="none", init={"seed": 4}, data=[{"input": [0.1, 0.2], "target": [0.2, 0.3, 0.5]}])
RELU_NODES = variant(layers=[2, 3, 3, 1], activation=["relu", "relu", "sigmoid"], bias="per_neuron",
                     init={"seed": 2}, notation="nodes")
LINEAR_MSE = variant(layers=[3, 2, 2], activation=["sigmoid", "linear"], init={"seed": 5}, notation="matrix",
                     loss="mean_squared_error", data=[{"input": [0.1, 0.2, 0.3], "target": [0.2, 0.3]}])
DEEP_NARRATIVE = variant(layers=[2, 2, 2, 2], activation="tanh", init={"seed": 6}, notation="narrative",
                         loss="squared_error", data=[{"input": [0.1, 0.2], "target": [0.2, 0.3]}])


def view(raw: dict[str, Any], max_terms: int | None = 8, weights: tuple[str, ...] = ()) -> SymbolicView:
    return SymbolicView(trace(Problem.from_dict(raw)), max_terms, weights)


def all_lines(v: SymbolicView) -> list[Line]:
    sections = [*v.forward, *v.backward, *v.updates]
    groups = [g for s in sections for g in s.groups] + v.loss
    return [line for g in groups for line in g.lines]


def texts(line: Line) -> list[str]:
    """A line's steps as LaTeX (the steps are formula trees)."""
    return [latex(part) for part in line.parts]


def by_symbol(v: SymbolicView) -> dict[str, list[str]]:
    return {texts(line)[0]: texts(line) for line in all_lines(v)}


def general_lines(v: SymbolicView) -> dict[str, list[str]]:
    groups = [g for s in (*v.forward, *v.backward, *v.updates) for g in s.groups]
    return {texts(line)[0]: texts(line) for g in groups for line in g.general}


def render(raw: dict[str, Any], fmt: str, **options: Any) -> str:
    opts = RenderOptions(style="symbolic", inline_svg=False, **options)
    return render_text(trace(Problem.from_dict(raw)), fmt, opts).text


# --- exact text ------------------------------------------------------------------------------------
def test_forward_formulas_in_the_seed_notation():
    lines = by_symbol(view(DEVFORUM))
    assert lines["z_{11}"] == ["z_{11}", r"x_{1} \cdot w_{11} + x_{2} \cdot w_{21} + b_{1}"]
    assert lines["z_{12}"] == ["z_{12}", r"x_{1} \cdot w_{12} + x_{2} \cdot w_{22} + b_{1}"]
    assert lines["z_{13}"] == ["z_{13}", r"x_{1} \cdot w_{13} + x_{2} \cdot w_{23} + b_{1}"]
    assert lines["a_{11}"] == ["a_{11}", r"\sigma(z_{11})"]
    assert lines["z_{21}"] == ["z_{21}", r"a_{11} \cdot w_{31} + a_{12} \cdot w_{41} + a_{13} \cdot w_{51} + b_{2}"]
    assert lines["a_{21}"] == ["a_{21}", r"\sigma(z_{21})"]
    assert lines["L"] == ["L", r"\frac{1}{2}(y - a_{21})^{2}"]


def test_backward_derivation_in_the_seed_notation():
    lines = by_symbol(view(DEVFORUM))
    assert lines["da_{21}"] == ["da_{21}", r"\frac{\partial L}{\partial a_{21}}", "a_{21} - y"]
    assert lines[r"\frac{\partial a_{21}}{\partial z_{21}}"] == [
        r"\frac{\partial a_{21}}{\partial z_{21}}", r"\frac{\partial a_{21}}{\partial z_{21}}",
        r"\sigma'(z_{21})", r"a_{21} \cdot \left(1 - a_{21}\right)"]
    assert lines["dz_{21}"] == [
        "dz_{21}", r"\frac{\partial L}{\partial z_{21}}", r"da_{21} \cdot \frac{\partial a_{21}}{\partial z_{21}}",
        r"\left(a_{21} - y\right) \cdot a_{21} \cdot \left(1 - a_{21}\right)"]
    assert lines["dw_{31}"] == [
        "dw_{31}", r"\frac{\partial L}{\partial w_{31}}", r"dz_{21} \cdot \frac{\partial z_{21}}{\partial w_{31}}",
        r"dz_{21} \cdot a_{11}", r"\left(a_{21} - y\right) \cdot a_{21} \cdot \left(1 - a_{21}\right) \cdot a_{11}"]
    assert lines["db_{2}"] == ["db_{2}", r"\frac{\partial L}{\partial b_{2}}",
                               r"dz_{21} \cdot \frac{\partial z_{21}}{\partial b_{2}}", "dz_{21}"]
    assert lines["da_{11}"] == ["da_{11}", r"\frac{\partial L}{\partial a_{11}}",
                                r"dz_{21} \cdot \frac{\partial z_{21}}{\partial a_{11}}", r"dz_{21} \cdot w_{31}"]
    assert lines["dz_{11}"][-1] == r"da_{11} \cdot a_{11} \cdot \left(1 - a_{11}\right)"
    assert lines["dw_{11}"][2:] == [r"dz_{11} \cdot \frac{\partial z_{11}}{\partial w_{11}}", r"dz_{11} \cdot x_{1}"]
    assert lines["dw_{23}"][-1] == r"dz_{13} \cdot x_{2}"
    assert lines["db_{1}"][2:] == [
        r"dz_{11} \cdot \frac{\partial z_{11}}{\partial b_{1}} + dz_{12} \cdot \frac{\partial z_{12}}{\partial b_{1}}"
        r" + dz_{13} \cdot \frac{\partial z_{13}}{\partial b_{1}}", "dz_{11} + dz_{12} + dz_{13}"]
    assert lines["w_{11}^{+}"] == ["w_{11}^{+}", r"w_{11} - \eta \cdot dw_{11}"]
    assert lines["b_{1}^{+}"] == ["b_{1}^{+}", r"b_{1} - \eta \cdot db_{1}"]


def test_cross_entropy_over_sigmoid_cancels_to_a_minus_y():
    lines = by_symbol(view(BCE))
    assert lines["da_{21}"][-1] == r"\frac{a_{21} - y}{a_{21} \cdot \left(1 - a_{21}\right)}"
    assert lines["dz_{21}"][2:] == [
        r"da_{21} \cdot \frac{\partial a_{21}}{\partial z_{21}}",
        r"\frac{a_{21} - y}{a_{21} \cdot \left(1 - a_{21}\right)} \cdot a_{21} \cdot \left(1 - a_{21}\right)",
        "a_{21} - y"]
    assert lines["dw_{31}"][-1] == r"\left(a_{21} - y\right) \cdot a_{11}"


def test_softmax_cross_entropy_derives_a_minus_y():
    lines = by_symbol(view(SOFTMAX_CE))
    assert lines["da_{22}"][-1] == r"-\frac{y_{2}}{a_{22}}"
    assert lines[r"\frac{\partial a_{22}}{\partial z_{21}}"][-1] == r"-a_{21} \cdot a_{22}"
    dz = lines["dz_{21}"]
    assert dz[-2:] == [r"a_{21} \cdot \left(y_{1} + y_{2} + y_{3}\right) - y_{1}", "a_{21} - y_{1}"]
    assert lines["dw_{32}"][-1] == r"\left(a_{22} - y_{2}\right) \cdot a_{11}"
    text = render(SOFTMAX_CE, "md")
    assert "$y_{1} + y_{2} + y_{3} = 1$" in text


def test_softmax_under_another_loss_keeps_the_general_delta():
    dz = by_symbol(view(SOFTMAX_HSE))["dz_{21}"]
    assert dz[-1] == (r"a_{21} \cdot \left(da_{21} - \left(a_{21} \cdot da_{21} + a_{22} \cdot da_{22}"
                      r" + a_{23} \cdot da_{23}\right)\right)")


def test_relu_derivative_is_a_case_distinction():
    lines = by_symbol(view(RELU_NODES))
    assert lines[r"\frac{\partial out_{n3}}{\partial net_{n3}}"][-1] == \
        r"\begin{cases} 1 & \text{if } net_{n3} > 0 \\ 0 & \text{otherwise} \end{cases}"
    assert lines[r"\delta_{n3}"][-1] == (r"\begin{cases} \frac{\partial E_{total}}{\partial out_{n3}} & "
                                         r"\text{if } net_{n3} > 0 \\ 0 & \text{otherwise} \end{cases}")


def test_big_groups_get_the_general_formula_and_one_instance():
    v = view(DEVFORUM, max_terms=2)
    general = general_lines(v)
    assert general["z_{1j}"] == ["z_{1j}", r"\sum_{i=1}^{2} x_{i} \cdot w_{ij} + b_{1}"]
    assert general["dw_{ij}"][-1] == r"dz_{1j} \cdot x_{i}"
    assert general["dw_{(i+2)1}"][-1] == \
        r"\left(a_{21} - y\right) \cdot a_{21} \cdot \left(1 - a_{21}\right) \cdot a_{1i}"
    assert general["da_{1j}"][-1] == r"dz_{21} \cdot w_{(j+2)1}"
    instances = by_symbol(v)
    assert "z_{11}" in instances and "z_{12}" not in instances
    assert "dw_{11}" in instances and "dw_{21}" not in instances


# --- the derivation is right: every step equals sympy.diff of the full loss --------------------------
def activate(problem: Problem, l: int, nets: list[sympy.Expr]) -> list[sympy.Expr]:
    """Layer l's activation function applied to its net inputs."""
    act = problem.activations[l - 1]
    if act.name == "softmax":
        total = sum(sympy.exp(z) for z in nets)
        return [sympy.exp(z) / total for z in nets]
    f = {"sigmoid": lambda z: 1 / (1 + sympy.exp(-z)), "tanh": sympy.tanh, "linear": lambda z: z,
         # max(0, z) and max(alpha z, z) with a step function: far cheaper for sympy than Max/Piecewise
         "relu": lambda z: z * sympy.Heaviside(z),
         "leaky_relu": lambda z: z * (act.alpha + (1 - act.alpha) * sympy.Heaviside(z))}[act.name]
    return [f(z) for z in nets]


def local_slope(v: SymbolicView, l: int, k: int, j: int, point: dict) -> float:
    """∂a_lk/∂z_lj by sympy.diff of the activation, at the net inputs the point gives."""
    n = v.problem.layers[l]
    zs = sympy.symbols(f"Z1:{n + 1}")
    slope = sympy.diff(activate(v.problem, l, list(zs))[k - 1], zs[j - 1])
    at = {z: evaluate(sympy.Symbol(v.notation.quantity("net", l, m).plain), v.definitions, point, {})
          for m, z in enumerate(zs, 1)}
    return float(slope.xreplace(at))


def reference_loss(problem: Problem, notation: Notation, bump: tuple[str, int, int] | None = None,
                   eps: sympy.Symbol | None = None) -> sympy.Expr:
    """The whole network's loss in inputs, weights, biases, targets, written from scratch.

    ``bump = (kind, l, j)`` adds ``eps`` to that net input or output, so d/d eps at 0 is ∂L/∂(it).
    """
    def sym(kind: str, l: int, j: int | None = None, i: int | None = None) -> sympy.Symbol:
        return sympy.Symbol(notation.quantity(kind, l, j, i).plain)

    def moved(kind: str, l: int, j: int, x: sympy.Expr) -> sympy.Expr:
        return x + eps if bump == (kind, l, j) else x

    outs = [sym("input", 0, i) for i in range(1, problem.layers[0] + 1)]
    for l in range(1, len(problem.layers)):
        nets = []
        for j in range(1, problem.layers[l] + 1):
            z = sum(o * sym("weight", l, j, i) for i, o in enumerate(outs, 1))
            if problem.bias != "none":
                z += sym("bias", l, j)
            nets.append(moved("net", l, j, z))
        outs = [moved("out", l, j, a) for j, a in enumerate(activate(problem, l, nets), 1)]
    L, n = len(problem.layers) - 1, problem.layers[-1]
    loss = {"half_squared_error": lambda y, a: (y - a) ** 2 / 2, "squared_error": lambda y, a: (y - a) ** 2,
            "mean_squared_error": lambda y, a: (y - a) ** 2 / n,
            "binary_cross_entropy": lambda y, a: -(y * sympy.log(a) + (1 - y) * sympy.log(1 - a)),
            "cross_entropy": lambda y, a: -y * sympy.log(a)}[problem.loss_name]
    return sum(loss(sym("target", L, j), a) for j, a in enumerate(outs, 1))


def evaluate(expr: sympy.Expr, definitions: dict, point: dict, memo: dict) -> float:
    """expr at point, every defined symbol (z, a, dz, ...) worked out from its definition (memo: per point)."""

    def value(s: sympy.Symbol) -> float:
        if s in point:
            return point[s]
        if s not in memo:
            memo[s] = number(definitions[s])
        return memo[s]

    def number(e: sympy.Expr) -> float:
        return float(e.xreplace({s: sympy.Float(value(s)) for s in e.free_symbols}))

    return number(expr)


@functools.cache
def derivative(expr: sympy.Expr, var: sympy.Symbol) -> sympy.Expr:
    return sympy.diff(expr, var)


def slope(expr: sympy.Expr, var: sympy.Symbol, point: dict) -> float:
    """d expr / d var (sympy.diff, once per pair) at the point; var 0 if the point lacks it (a bump)."""
    at = {s: sympy.Float(x) for s, x in point.items()} | {var: sympy.Float(point.get(var, 0))}
    return float(derivative(expr, var).xreplace(at))


def random_point(problem: Problem, loss: sympy.Expr, eta: sympy.Symbol, seed: int) -> dict:
    rng = random.Random(seed)
    point = {s: rng.uniform(-1.5, 1.5) for s in loss.free_symbols}
    notation = Notation.from_spec(problem.layers, problem.bias, problem.notation)
    targets = [sympy.Symbol(notation.quantity("target", -1, j).plain) for j in range(1, problem.layers[-1] + 1)]
    draws = [rng.uniform(0.05, 1) for _ in targets]
    for t, d in zip(targets, draws):  # targets in (0, 1), adding up to 1 for cross-entropy
        point[t] = d / sum(draws) if problem.loss_name == "cross_entropy" else d
    point[eta] = rng.uniform(0.1, 1)
    return point


@pytest.mark.parametrize("raw", [DEVFORUM, BCE, SOFTMAX_CE, SOFTMAX_HSE, RELU_NODES, LINEAR_MSE, DEEP_NARRATIVE],
                         ids=["devforum", "bce", "softmax-ce", "softmax-hse", "relu-nodes", "linear-mse", "deep"])
def test_every_step_equals_sympy_diff_of_the_full_loss(raw):
    v = view(raw)
    problem, notation = v.problem, v.notation
    eps = sympy.Symbol("eps")
    loss = reference_loss(problem, notation)
    checked = set()
    for seed in range(2):
        point, memo = random_point(problem, loss, v.eta.expr, seed), {}
        for line in all_lines(v):
            symbol = line.steps[0].expr
            kind, l, j, i = v.keys[symbol]
            values = [evaluate(s.expr, v.definitions, point, memo) for s in line.steps if s.expr is not None]
            if kind in ("dw", "db"):
                param = sympy.Symbol(notation.quantity("weight" if kind == "dw" else "bias", l, j, i).plain)
                values.append(slope(loss, param, point))
            elif kind in ("dout", "dnet"):
                bump = ("out" if kind == "dout" else "net", l, j)
                values.append(slope(reference_loss(problem, notation, bump, eps), eps, point))
            elif kind in ("new_w", "new_b"):
                param = sympy.Symbol(notation.quantity("weight" if kind == "new_w" else "bias", l, j, i).plain)
                values.append(point[param] - point[v.eta.expr] * slope(loss, param, point))
            elif kind == "dact":
                values.append(local_slope(v, l, j, j, point))
            elif kind == "jacobian":
                values.append(local_slope(v, l, j, i, point))
            elif kind == "loss" and j is None:
                values.append(float(loss.xreplace(point)))
            assert len(values) >= 2, line.parts
            assert values == pytest.approx([values[0]] * len(values), rel=1e-9, abs=1e-12), line.parts
            checked.add(kind)
    assert {"dout", "dact", "dnet", "dw", "new_w", "loss"} <= checked


# --- the documents -----------------------------------------------------------------------------------
def problem_numbers(raw: dict[str, Any]) -> set[str]:
    """Every number of the problem file that has a decimal point (weights, biases, data, rate)."""
    found: set[str] = set()

    def walk(x: Any) -> None:
        if isinstance(x, float):
            found.update({repr(x), f"{x:.4f}".rstrip("0")})
        elif isinstance(x, dict):
            for value in x.values():
                walk(value)
        elif isinstance(x, list):
            for value in x:
                walk(value)

    walk(raw)
    return found


@pytest.mark.parametrize("fmt", ["md", "tex"])
def test_no_numbers_from_the_problem(fmt):
    text = render(DEVFORUM, fmt)
    math = markdown_math(text) if fmt == "md" else latex_math(text)  # LaTeX layout has lengths like 2.2cm
    assert len(math) > 40
    assert not [tex for tex, _ in math if re.search(r"\d\.\d", tex)]
    text = re.sub(r"\\begin\{tikzpicture\}.*?\\end\{tikzpicture\}", "", text, flags=re.S)  # coordinates
    text = re.sub(r"p\{0\.\d+\\linewidth\}", "", text)  # a wrapped table's column widths
    assert not [n for n in problem_numbers(DEVFORUM) if n in text]
    assert "w_{11}" in text and "dz_{21}" in text


def test_markdown_math_parses_with_katex_and_mathjax():
    fragments = markdown_math(render(DEVFORUM, "md")) + markdown_math(render(SOFTMAX_CE, "md", max_terms=2))
    fragments += markdown_math(render(RELU_NODES, "md"))
    assert len(fragments) > 50
    assert math_errors(fragments) == []


def test_latex_compiles():
    assert pdflatex_errors(render(DEVFORUM, "tex")) == []
    assert pdflatex_errors(render(SOFTMAX_CE, "tex", max_terms=2)) == []


def test_output_is_deterministic():
    assert render(RELU_NODES, "md") == render(RELU_NODES, "md")
    assert render(SOFTMAX_CE, "tex", max_terms=2) == render(SOFTMAX_CE, "tex", max_terms=2)


def test_weight_selection_limits_the_weight_lines():
    text = render(DEVFORUM, "md", weights=("w11", "w31"))
    def shown(symbol: str) -> bool:
        return re.search(re.escape(symbol) + r" &?= ", text) is not None

    assert shown("dw_{11}") and shown("dw_{31}") and shown("w_{11}^{+}")
    assert not shown("dw_{21}") and not shown("dw_{41}") and not shown("w_{21}^{+}")
    assert shown("dz_{12}") and shown("db_{1}")  # the per-neuron derivations stay complete


def test_784_30_10_renders_in_a_few_seconds():
    raw = variant(layers=[784, 30, 10], activation=["sigmoid", "softmax"], bias="per_neuron",
                  init={"seed": 1, "low": -0.5, "high": 0.5}, loss="cross_entropy",
                  data=[{"input": [0.5] * 784, "target": [1] + [0] * 9}])
    problem = Problem.from_dict(raw)
    log = TraceLog(problem, Notation.from_spec(problem.layers, problem.bias, problem.notation))
    render(DEVFORUM, "md")  # warm-up: templates compiled, sympy's caches filled
    for fmt in ("md", "tex"):
        start = time.perf_counter()
        text = render_text(log, fmt, RenderOptions(style="symbolic", inline_svg=False)).text
        assert time.perf_counter() - start < 3.0
        assert r"z_{1,j} = \sum_{i=1}^{784} x_{i} \cdot w_{i,j} + b_{1,j}" in text
        assert r"dw_{i+784,j}" in text and r"a_{2,j} - y_{j}" in text
        assert len(text) < 40_000
