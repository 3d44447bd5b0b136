"""Expressions as computational graphs: gradients against sympy and finite differences,
published numbers (CS231n), the documented max rule, one-line errors, the walkthrough."""
from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import sympy

from tracer.cli import main
from tracer.engine.graph import trace_graph
from tracer.errors import ProblemError
from tracer.model.graph_problem import GraphProblem

# (expression, point): every gradient checked against sympy.diff and central differences.
# Away from kinks: max and relu arguments differ by far more than the finite-difference step.
TABLE = [
    ("f = (x + y) * z", "x=-2, y=5, z=-4"),
    ("f = x * y + z", "x=1.5, y=-2, z=0.3"),
    ("f = x - y", "x=1, y=2"),
    ("f = x / y", "x=3, y=-4"),
    ("f = 1 / x", "x=0.7"),
    ("f = x ** 3", "x=-1.3"),
    ("f = x ^ 2 + y ^ 2", "x=0.5, y=-1.5"),
    ("f = x ** y", "x=1.7, y=2.3"),
    ("f = 2 ^ x", "x=0.4"),
    ("f = exp(x) * y", "x=0.2, y=3"),
    ("f = log(x * y)", "x=2, y=0.5"),
    ("f = ln(x) / x", "x=2.5"),
    ("f = -x * y", "x=0.5, y=4"),
    ("f = -(x + y) ^ 2", "x=1, y=0.25"),
    ("f = max(x, y)", "x=2, y=-1"),
    ("f = max(x, y)", "x=-2, y=1"),
    ("f = max(x, y, z) * x", "x=0.5, y=3, z=1"),
    ("f = relu(x) + relu(y)", "x=1.2, y=-0.7"),
    ("f = sigmoid(x)", "x=0.8"),
    ("f = tanh(x * y)", "x=0.3, y=-1.1"),
    ("f = leaky_relu(x) * y", "x=-2, y=3"),
    ("f = linear(x) + x", "x=4"),
    ("f = sigmoid(w0*x0 + w1*x1 + w2)", "w0=2, x0=-1, w1=-3, x1=-2, w2=-3"),
    ("f = 1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))", "w0=2, x0=-1, w1=-3, x1=-2, w2=-3"),
    ("f = x * x", "x=-3"),                                     # a variable used twice by one gate
    ("f = x * y + x", "x=2, y=-5"),                            # a variable on two paths
    ("q = x + y; f = q * q + q", "x=0.5, y=1"),                # a shared subexpression
    ("a = x * y; b = a + x; f = a * b", "x=1.5, y=-0.5"),
    ("f = sigmoid(tanh(x) + relu(y))", "x=0.4, y=0.9"),        # nested activations
    ("f = tanh(sigmoid(x * y)) * exp(-x)", "x=0.6, y=-2"),
    ("f = (x + y) / (x - y) ^ 2", "x=3, y=1"),
    ("f = log(1 + exp(x))", "x=-0.5"),
    ("f = max(0, x) * max(y, 1)", "x=2, y=3"),
    ("f = x ^ y ^ 2", "x=1.2, y=1.1"),                         # right-associative power
    ("f = -x ^ 2 + 3 * x - 1", "x=0.7"),                       # -x^2 is -(x^2)
    ("dot = w0*x0 + w1*x1; f = sigmoid(dot) * dot", "w0=0.1, x0=0.2, w1=-0.3, x1=0.4"),
]

H = 1e-6


def sympy_function(expr: str, names: list[str]):
    """The expression as sympy, built from our parse of the text (never sympify on user text)."""
    from tracer.engine.graph import build
    from tracer.model.expression import parse
    circuit = build(parse(expr))
    symbols = {n: sympy.Symbol(n) for n in names}
    exprs: list[sympy.Expr] = []
    for g in circuit.gates:
        args = [exprs[s.gate] if s.kind == "gate" else symbols[s.name] if s.kind == "variable"
                else sympy.Rational(s.name) for s in g.inputs]
        exprs.append(g.gate.sympy(args))
    return exprs[-1], symbols


def reference(expr: str, names: list[str]) -> sympy.Expr:
    """The same expression written independently with sympy's own functions (not our gates)."""
    sym = {n: sympy.Symbol(n) for n in names}
    env = {**sym, "exp": sympy.exp, "log": sympy.log, "ln": sympy.log, "max": sympy.Max,
           "relu": lambda a: sympy.Max(0, a), "sigmoid": lambda a: 1 / (1 + sympy.exp(-a)),
           "tanh": sympy.tanh, "linear": lambda a: a,
           "leaky_relu": lambda a: sympy.Piecewise((a, a > 0), (sympy.Rational(1, 100) * a, True))}
    statements = [s.strip() for s in expr.split(";")]
    for s in statements:
        name, _, body = s.partition("=")
        # test-side only: the table above is ours, trusted text; ^ is power as in the parser
        env[name.strip()] = eval(body.replace("^", "**"), {"__builtins__": {}}, env)
    return env[statements[-1].partition("=")[0].strip()]


@pytest.mark.parametrize("expr,at", TABLE)
def test_gradients_match_sympy_and_finite_differences(expr: str, at: str) -> None:
    problem = GraphProblem.from_command(expr, at)
    log = trace_graph(problem)
    names = list(problem.values)
    f = reference(expr, names)
    point = {sympy.Symbol(n): v for n, v in problem.values.items()}
    assert log.output.value == pytest.approx(float(f.subs(point).evalf()), rel=1e-12, abs=1e-12)
    for name, entry in log.gradients().items():
        assert entry.name == f"{problem.output}/d{name}".replace(problem.output, f"d{problem.output}", 1)
        exact = float(sympy.diff(f, sympy.Symbol(name)).subs(point).evalf())
        assert entry.value == pytest.approx(exact, rel=1e-9, abs=1e-12), name

        def at_shift(dx: float, n: str = name) -> float:
            shifted = dict(problem.values)
            shifted[n] += dx
            return trace_graph(problem.with_values(shifted)).output.value
        central = (at_shift(H) - at_shift(-H)) / (2 * H)
        assert entry.value == pytest.approx(central, rel=1e-5, abs=1e-6), name


@pytest.mark.parametrize("expr,at", TABLE)
def test_each_local_gradient_is_the_derivative_of_its_gate(expr: str, at: str) -> None:
    """local_grad entries: the op's sympy form equals sympy's derivative of the gate's formula."""
    log = trace_graph(GraphProblem.from_command(expr, at))
    for e in log.select("local_grad"):
        gate = log.entries[e.depends_on[-1]]
        k = e.op.k
        xs = [sympy.Symbol(f"a{j}") for j in range(len(gate.operands))]
        values = {x: o.value for x, o in zip(xs, gate.operands)}
        out = gate.op.sympy(xs)
        if gate.op.pattern == "max":
            continue  # piecewise at the point: checked by the value tests above
        expected = sympy.diff(out, xs[k]).subs(values)
        got = e.op.sympy([*xs, out]).subs(values)
        assert float(got.evalf()) == pytest.approx(float(expected.evalf()), rel=1e-9, abs=1e-12)
        assert e.value == pytest.approx(float(expected.evalf()), rel=1e-9, abs=1e-12)


def test_cs231n_circuit_published_numbers() -> None:
    """CS231n notes, 'Backpropagation, intuitions': f = -12, df/dx = -4, df/dy = -4, df/dz = 3, q = 3."""
    log = trace_graph(GraphProblem.from_command("q = x + y; f = q * z", "x=-2, y=5, z=-4"))
    assert log["f"].value == -12 and log["q"].value == 3
    assert [log[n].value for n in ("df/dx", "df/dy", "df/dz", "df/dq")] == [-4, -4, 3, -4]
    assert [e.kind for e in log] == ["gate", "gate", "grad", "local_grad", "local_grad", "grad", "grad",
                                     "local_grad", "local_grad", "grad", "grad"]
    q = log["q"]
    assert (q.step, q.layer, q.neuron, q.source, q.example) == (1, None, None, None, None)
    assert log["df/dx"].formula_latex() == "\\frac{\\partial f}{\\partial q} \\cdot \\frac{\\partial q}{\\partial x}"
    assert log["df/dx"].substitution_latex() == "-4 \\cdot 1"
    assert log["df/dz"].depends_on == [log["df/df"].index, log["local df/dz"].index]


def test_sigmoid_neuron_published_numbers() -> None:
    """CS231n: w = [2, -3, -3], x = [-1, -2]: output 0.73, dw = [-0.2, -0.39, 0.2], dx = [0.39, -0.59]."""
    for expr in ("f = sigmoid(w0*x0 + w1*x1 + w2)", "f = 1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))"):
        log = trace_graph(GraphProblem.from_command(expr, "w0=2, x0=-1, w1=-3, x1=-2, w2=-3"))
        g = {k: round(e.value, 2) for k, e in log.gradients().items()}
        assert round(log.output.value, 2) == 0.73
        assert [g["w0"], g["w1"], g["w2"]] == [-0.2, -0.39, 0.2]
        assert [g["x0"], g["x1"]] == [0.39, -0.59]


def test_variable_used_twice_sums_its_paths() -> None:
    log = trace_graph(GraphProblem.from_command("f = x * y + x", "x=2, y=-5"))
    total = log["df/dx"]
    assert total.formula_latex() == ("\\left.\\frac{\\partial f}{\\partial x}\\right|_{g_{1}} + "
                                     "\\left.\\frac{\\partial f}{\\partial x}\\right|_{f}")
    assert [log.entries[i].name for i in total.depends_on] == ["df/dx via g1", "df/dx via f"]
    assert total.value == -5 + 1


def test_max_tie_routes_to_the_first_maximal_argument() -> None:
    log = trace_graph(GraphProblem.from_command("f = max(x, y) * 2", "x=3, y=3"))
    assert log["df/dx"].value == 2 and log["df/dy"].value == 0
    assert "first maximal" in log["local dg1/dx"].substitution_latex()
    assert "a tie" in log["local dg1/dy"].substitution_latex()
    log = trace_graph(GraphProblem.from_command("f = max(x, y, z)", "x=1, y=4, z=4"))
    assert [log[f"df/d{v}"].value for v in "xyz"] == [0, 1, 0]


def test_relu_at_zero_follows_the_registry_rule() -> None:
    """ReLU's derivative at 0 is 0 (the network's rule), where sympy and finite differences disagree."""
    assert trace_graph(GraphProblem.from_command("f = relu(x)", "x=0"))["df/dx"].value == 0


def test_output_gradient_scales_every_gradient() -> None:
    log = trace_graph(GraphProblem.from_command("f = (x + y) * z", "x=-2, y=5, z=-4", 2.0))
    assert [log[n].value for n in ("df/df", "df/dx", "df/dy", "df/dz")] == [2, -8, -8, 6]


def test_json_trace_log(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--expr", "f = (x + y) * z", "--at", "x=-2, y=5, z=-4", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    f = next(e for e in data["entries"] if e["name"] == "f")
    assert f == {"kind": "gate", "step": 1, "epoch": 1, "example": None, "layer": None, "neuron": None,
                 "source": None, "name": "f", "latex": "f", "formula": "g_{1} \\cdot z",
                 "substitution": "3 \\cdot (-4)", "value": -12.0, "shown": "-12", "depends_on": [0]}
    assert data["final"] == {"output": "f", "value": -12.0, "gradients": {"x": -4.0, "y": -4.0, "z": 3.0}}
    assert {e["kind"] for e in data["entries"]} == {"gate", "local_grad", "grad"}


@pytest.mark.parametrize("args,message", [
    (["--expr", "f = (x + y) * z)", "--at", "x=1, y=2, z=3"],
     "tracer: --expr: column 16: found ')'; expected an operator, ';' or the end of the expression"),
    (["--expr", "f = x +* y", "--at", "x=1, y=2"],
     "tracer: --expr: column 8: found '*'; expected a number, a name or '('"),
    (["--expr", "f = x $ y", "--at", "x=1, y=2"],
     "tracer: --expr: column 7: found '$'; expected a number, a name, an operator (+ - * / ** ^) or a bracket"),
    (["--expr", "f = foo(x)", "--at", "x=1"],
     "tracer: --expr: column 5: found the unknown function 'foo'; expected one of: exp, log, ln, max, "
     "sigmoid, relu, tanh, linear, leaky_relu, softplus, elu"),
    (["--expr", "f = x * y", "--at", "x=1"],
     "tracer: --at: found no value for the variable y; expected a value for each of: x, y"),
    (["--expr", "f = x / (y - 1)", "--at", "x=1, y=1"],
     "tracer: --expr: column 7: f = x/g1: found division by zero at x = 1, y = 1; expected a point where "
     "the expression and its gradient have real values"),
    (["--expr", "f = log(x)", "--at", "x=0"],
     "tracer: --expr: column 5: f = ln x: found log of 0 (log needs a positive number) at x = 0; expected "
     "a point where the expression and its gradient have real values"),
    (["--expr", "f = __import__('os')", "--at", "x=1"],
     "tracer: --expr: column 5: found '_'; expected a number, a name, an operator (+ - * / ** ^) or a bracket"),
    (["--expr", "f = max(x)", "--at", "x=1"],
     "tracer: --expr: column 5: found max with 1 argument; expected two or more arguments"),
    (["--expr", "f = x", "--at", "x=1, y=2"],
     "tracer: --at: y: found a value for y, which the expression does not use; expected values for: x"),
])
def test_bad_input_is_one_line_exit_2(args: list[str], message: str, capsys: pytest.CaptureFixture[str],
                                      tmp_path: Path) -> None:
    out = tmp_path / "out.md"
    assert main(["run", *args, "-o", str(out)]) == 2
    assert capsys.readouterr().err == message + "\n"
    assert not out.exists()


def test_problem_file_form(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("title: A circuit\nexpression: 'q = x + y; f = q * z'\nvalues: {x: -2, y: 5, z: -4}\n"
                    "output_gradient: 1\n", encoding="utf-8")
    assert main(["run", str(path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["problem"]["title"] == "A circuit" and data["final"]["gradients"] == {"x": -4, "y": -4, "z": 3}
    path.write_text("expression: 'f = x *'\nvalues: {x: 1}\n", encoding="utf-8")
    assert main(["run", str(path)]) == 2
    assert capsys.readouterr().err == (f"tracer: {path}: expression: column 8: found the end of the expression; "
                                       "expected a number, a name or '('\n")
    path.write_text("expression: 'f = x * y'\nvalues: {x: 1, y: true}\n", encoding="utf-8")
    assert main(["run", str(path)]) == 2
    assert capsys.readouterr().err == f"tracer: {path}: values.y: found true; expected a number\n"


@pytest.mark.parametrize("style", ["chain-rule", "narrative", "symbolic"])
@pytest.mark.parametrize("fmt", ["md", "tex"])
def test_walkthrough_styles(style: str, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--expr", "f = x * y + x", "--at", "x=2, y=-5", "--style", style, "--format", fmt]) == 0
    text = capsys.readouterr().out
    assert ("\\begin{tikzpicture}" in text) == (fmt == "tex") and ("<svg" in text) == (fmt == "md")
    if style != "symbolic":
        assert "\\left.\\frac{\\partial f}{\\partial x}\\right|_{g_{1}} + \\left.\\frac{\\partial f}" \
               "{\\partial x}\\right|_{f} = -5 + 1 = -4" in text
    else:
        assert "\\frac{\\partial f}{\\partial x} &= y + 1" in text


def test_chain_rule_walkthrough_says_the_patterns(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--expr", "f = max(x * y, z) + y", "--at", "x=2, y=3, z=1"]) == 0
    text = capsys.readouterr().out
    assert "An add gate distributes" in text and "A multiply gate swaps" in text and "A max gate routes" in text
    assert "$y$ feeds 2 gates ($g_{1}$, $f$), so its gradient reaches the output along 2 paths and the chain rule " \
           "adds them" in text


@pytest.mark.parametrize("style", ["chain-rule", "narrative"])
def test_the_path_notation_is_explained_at_its_first_use(style: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A path's gradient is written ∂f/∂x|_{g}: the page says in words what the bar means, once,
    before or where it first prints it (variable-twice: x and y each feed g1 and g2)."""
    assert main(["run", "--expr", "f = x * y + max(x, y)", "--at", "x=3, y=-2", "--style", style]) == 0
    text = capsys.readouterr().out
    words = ("$\\left.\\frac{\\partial f}{\\partial x}\\right|_{g_{2}}$ is the part of "
             "$\\frac{\\partial f}{\\partial x}$ that arrives at $x$ through gate $g_{2}$ only.")
    assert text.count(words) == 1 and text.count("is the part of") == 1
    at = text.index(words)
    if style == "narrative":   # in the lead-in, before the first equation prints the notation
        assert at < text.index("\\right|_{g_{2}}", at + len(words))
        assert "\\right|_{g_{2}}" not in text[:at]
    else:   # after the first path's equation, before the second path (y's through g2) is printed
        assert text.index("\\left.\\frac{\\partial f}{\\partial x}\\right|_{g_{2}} = ") < at
        assert at < text.index("\\left.\\frac{\\partial f}{\\partial y}\\right|_{g_{2}} = ")


def test_matrix_style_is_refused_for_an_expression(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--expr", "f = x", "--at", "x=1", "--style", "matrix"]) == 2
    assert capsys.readouterr().err.startswith("tracer: --style: found 'matrix' for an expression; expected one of:")


def test_neuron_as_a_circuit_matches_the_network(capsys: pytest.CaptureFixture[str]) -> None:
    """classic-2-2-2's o1: the circuit's gradients at w5, w6 are the network's dE/dw5, dE/dw6."""
    from tracer import trace
    from tracer.examples import load
    from tracer.graph_cli import neuron_problem
    network = trace(load("classic-2-2-2"))
    log = trace_graph(neuron_problem("classic-2-2-2", "o1"))
    assert log.output.value == pytest.approx(network["out_o1"].value, rel=1e-15)
    assert log["dout_o1/dw5"].value == pytest.approx(network["dE/dw5"].value, rel=1e-12)
    assert log["dout_o1/dw6"].value == pytest.approx(network["dE/dw6"].value, rel=1e-12)
    assert main(["run", "classic-2-2-2", "--neuron", "o9", "--graph"]) == 2
    assert "tracer: --neuron: found 'o9'" in capsys.readouterr().err


def test_a_neuron_circuit_names_its_gradients_as_the_network_does(capsys: pytest.CaptureFixture[str]) -> None:
    """The gradient arriving at o1 is Mazur's ∂E_o1/∂out_o1 = 0.74136507, not ∂out_o1/∂out_o1 (a
    derivative of a value by itself reads as 1), and w5's is ∂E_o1/∂w5 = 0.082167041 = ∂E_total/∂w5
    on the network page; out_h1 gets ∂E_o1/∂out_h1 = 0.055399425, Mazur's o1 share of 0.036350306."""
    assert main(["run", "classic-2-2-2", "--neuron", "o1", "--graph", "--format", "md"]) == 0
    text = capsys.readouterr().out
    assert "\\partial out_{o1}}{\\partial out_{o1}}" not in text
    assert "with the gradient arriving at the output $\\frac{\\partial E_{o1}}{\\partial out_{o1}} = 0.74136507$." in text
    assert "| $w_{5}$ | 0.4 | $\\frac{\\partial E_{o1}}{\\partial w_{5}}$ | 0.082167041 |" in text
    assert "| $out_{h1}$ | 0.593269992 | $\\frac{\\partial E_{o1}}{\\partial out_{h1}}$ | 0.055399425 |" in text
    assert ("What arrives at out\\_h1, out\\_h2 is only the part of their gradient that flows back through o1; the "
            "other neurons of its layer add theirs.") in text
    assert "At the output gate" not in text   # local ∂out_o1/∂net_o1 and downstream ∂E_o1/∂net_o1 differ
    assert main(["run", "classic-2-2-2", "--neuron", "h1", "--graph", "--format", "md"]) == 0
    text = capsys.readouterr().out
    assert "| $w_{1}$ | 0.15 | $\\frac{\\partial E_{total}}{\\partial w_{1}}$ | 0.000438568 |" in text


def test_parser_never_evaluates() -> None:
    """Python syntax that is not arithmetic is a parse error, not code."""
    for text in ("f = x.__class__", "f = [x]", "f = lambda: 1", "f = 'x'", "f = x if x else y"):
        with pytest.raises(ProblemError, match="column"):
            GraphProblem.from_command(text, "x=1, y=2")


def test_power_operators_agree() -> None:
    a = trace_graph(GraphProblem.from_command("f = x ** 2 ** 3", "x=1.1"))
    b = trace_graph(GraphProblem.from_command("f = x ^ 2 ^ 3", "x=1.1"))
    assert a.output.value == b.output.value == pytest.approx(1.1 ** 8)
    assert math.isclose(trace_graph(GraphProblem.from_command("f = -x ^ 2", "x=3")).output.value, -9)


def test_the_output_gate_says_why_local_and_downstream_share_a_name(capsys: pytest.CaptureFixture[str]) -> None:
    """CS231n's circuit: ∂f/∂q = z = −4 is the local gradient and ∂f/∂q = ∂f/∂f·∂f/∂q the
    downstream one; the page says why one name serves both, and heads every result column."""
    assert main(["run", "--expr", "q = x + y; f = q * z", "--at", "x=-2, y=5, z=-4"]) == 0
    text = capsys.readouterr().out
    said = text.index("Downstream, upstream times local. At the output gate a local gradient such as "
                      "$\\frac{\\partial f}{\\partial q}$ is already a derivative of the output, so it carries the "
                      "same name as the gradient it gives; the upstream gradient $\\frac{\\partial f}{\\partial f} = 1$ "
                      "leaves it unchanged:")
    assert said < text.index("\\frac{\\partial f}{\\partial q} = \\frac{\\partial f}{\\partial f} \\cdot "
                             "\\frac{\\partial f}{\\partial q} = 1 \\cdot (-4) = -4")
    assert text.count("At the output gate") == 1
    assert "| Variable | Value | Gradient | Value of the gradient |\n" in text
    assert "| $x$ | -2 | $\\frac{\\partial f}{\\partial x}$ | -4 |" in text


def test_the_gallery_sigmoid_neuron_reads_right_at_its_precision() -> None:
    """At CS231n's two decimals the page printed 0.2 · 2 = 0.39 (0.1966 · 2 rounded); the gallery
    keeps three, where each product can be checked by hand, and rounds to the figure's numbers."""
    from tracer.render import RenderOptions
    from tracer.render.graph_walkthrough import render_graph
    path = Path(__file__).resolve().parent.parent / "worked_examples" / "sigmoid-neuron" / "expression.yaml"
    log = trace_graph(GraphProblem.from_file(path))
    text = render_graph(log, "md", RenderOptions(inline_svg=False)).text
    # the line's own exact result, within one unit of the value 0.19661 · 2 = 0.39322
    assert "= 0.197 \\cdot 2 = 0.394" in text and "= 0.197 \\cdot (-2) = -0.394" in text
    assert "= -0.534 \\cdot 0.368 = -0.197" in text
    g = {k: round(float(e.shown), 2) for k, e in log.gradients().items()}
    assert [g["w0"], g["w1"], g["w2"], g["x0"], g["x1"]] == [-0.2, -0.39, 0.2, 0.39, -0.59]
    assert round(float(log.output.shown), 2) == 0.73


def test_the_circuit_tikz_slopes_its_wire_labels_and_names_as_the_text() -> None:
    """On a slanted wire a horizontal label sat across the line; the PDF's labels ride along it,
    and the variables and gates are typeset as the text names them ($w_{0}$, $g_{1}$, not w0, g1);
    a negative value's sign is the formulas' minus ($-$1), as in the SVG (−1)."""
    from tracer.render.circuit import layout, to_svg, to_tikz
    log = trace_graph(GraphProblem.from_command("f = w0 * x0 + w1", "w0=2, x0=-1, w1=3"))
    tikz = to_tikz(layout(log))
    assert ("\\draw (1.10,-1.00) -- " in tikz and "node[value, sloped, pos=0.500] {2} "
            "node[grad, sloped, pos=0.500] {$-$1};") in tikz      # a minus sign, not a hyphen
    assert "{$w_{0}$};" in tikz and "{$x_{0}$};" in tikz and "{$g_{1}$};" in tikz and "w0}" not in tikz
    assert "above=2pt" in tikz and "below=2pt" in tikz
    assert ">\u22121</text>" in to_svg(layout(log)) and ">-1</text>" not in to_svg(layout(log))


def test_the_circuit_svg_sets_names_with_subscripts_as_the_tikz_does() -> None:
    """The SVG wrote w0, g1 and out_h1 as plain text while the PDF typeset them: now a
    subscript is a smaller tspan lowered by 0.3 of the font size (12.8 px labels: 3.8 px;
    10.4 px gate names: 3.1 px), with and without numbers on the wires."""
    from tracer.render.circuit import layout, to_svg
    log = trace_graph(GraphProblem.from_command("f = w0 * x0 + out_h1", "w0=2, x0=-1, out_h1=3"))
    svg = to_svg(layout(log))
    assert 'font-style="italic">w<tspan dy="3.8" font-size="70%">0</tspan></text>' in svg
    assert 'font-style="italic">out<tspan dy="3.8" font-size="70%">h1</tspan></text>' in svg
    assert 'fill="#555555">g<tspan dy="3.1" font-size="70%">1</tspan></text>' in svg
    assert ">w0<" not in svg and ">g1<" not in svg and ">out_h1<" not in svg
    named = to_svg(layout(log, numbers=False))       # wires labelled with names (the exercise sheet)
    assert '>x<tspan dy="3.1" font-size="70%">0</tspan></text>' in named and ">x0<" not in named
    ET.fromstring(svg)
    ET.fromstring(named)


def test_a_given_output_gradient_gets_its_own_name(capsys: pytest.CaptureFixture[str]) -> None:
    """With G = 2 the walkthrough wrote ∂f/∂f = 2 and ∂f/∂q for both the local gradient (-4) and
    the gradient 2·(-4) = -8: now G is ∂L/∂f and the gradients are ∂L/∂·, one symbol one value."""
    assert main(["run", "--expr", "q = x + y; f = q * z", "--at", "x=-2, y=5, z=-4", "--output-gradient", "2",
                 "--format", "md"]) == 0
    page = capsys.readouterr().out
    assert ("with the gradient arriving at the output $\\frac{\\partial L}{\\partial f} = 2$. Here $L$ is whatever "
            "the output feeds (a loss further on, say): $\\frac{\\partial L}{\\partial f}$ is given, and every "
            "gradient below is a derivative of $L$; a gate's local gradient keeps the gate's own name.") in page
    assert "\\frac{\\partial f}{\\partial q} = z = -4" in page                # the local gradient
    assert ("\\frac{\\partial L}{\\partial q} = \\frac{\\partial L}{\\partial f} \\cdot \\frac{\\partial f}"
            "{\\partial q} = 2 \\cdot (-4) = -8") in page                     # the gradient it gives
    assert "\\partial f}{\\partial f}" not in page
    assert "| $x$ | -2 | $\\frac{\\partial L}{\\partial x}$ | -8 |" in page
    # a name L of the expression's own: the seeded quantity is Loss
    assert main(["run", "--expr", "f = L * z", "--at", "L=3, z=2", "--output-gradient", "2", "--format", "md"]) == 0
    out = capsys.readouterr().out
    assert "\\frac{\\partial \\mathrm{Loss}}{\\partial L} = \\frac{\\partial \\mathrm{Loss}}{\\partial f}" in out
    # G = 1: unchanged, ∂f/∂x
    assert main(["run", "--expr", "f = x * z", "--at", "x=3, z=2", "--format", "md"]) == 0
    out = capsys.readouterr().out
    assert "\\frac{\\partial f}{\\partial x} = \\frac{\\partial f}{\\partial f}" in out and "Here $L$" not in out
