"""Performance figure of issue 19: an expression of 200 gates traces and renders in under 0.5 s
beyond start-up.

    python3 benchmarks/bench_graph.py

The expression is a chain of 50 statements ``s_k = tanh(s_{k-1} * w_k + b_k) - s_{k-1}`` (4 gates
each: multiply, add, tanh, subtract; the first is ``sigmoid(x * w1 + b1)``, 3 gates), then
``f = s50 * x``: 200 gates, 101 variables, every s_k and x feeding two gates (two paths summed).
"Beyond start-up" is the in-process CPU time of parse + trace + render (Markdown with its SVG
circuit, and LaTeX with its TikZ circuit), best of 5 after a warm-up (benchmarks/README.md: how
figures are taken). Not a test: a figure over the target is marked NO.
"""
from __future__ import annotations

import time

import problems  # noqa: F401  (puts the checkout, or TRACER_SOURCE, on sys.path)

from tracer.engine.graph import trace_graph
from tracer.model.graph_problem import GraphProblem
from tracer.render import RenderOptions
from tracer.render.graph_walkthrough import render_graph

BLOCKS = 50
TARGET = 0.5


def expression() -> tuple[str, str]:
    statements = ["s1 = sigmoid(x * w1 + b1)"]
    statements += [f"s{k} = tanh(s{k - 1} * w{k} + b{k}) - s{k - 1}" for k in range(2, BLOCKS + 1)]
    statements.append(f"f = s{BLOCKS} * x")
    values = ["x=0.5"] + [f"w{k}={0.1 + 0.01 * k:.2f}, b{k}={-0.05 * (k % 3):.2f}" for k in range(1, BLOCKS + 1)]
    return "; ".join(statements), ", ".join(values)


def once() -> tuple[int, float]:
    start = time.process_time()
    expr, at = expression()
    log = trace_graph(GraphProblem.from_command(expr, at))
    render_graph(log, "md", RenderOptions(inline_svg=False, diagram_name="c.svg"))
    render_graph(log, "tex", RenderOptions())
    return len(log.circuit.gates), time.process_time() - start


def main() -> None:
    once()  # warm-up: templates compiled, modules imported
    gates, _ = once()
    best = min(once()[1] for _ in range(5))
    verdict = "yes" if best <= TARGET else "NO"
    print(f"{gates}-gate expression: parse + trace + md + tex   {best * 1000:8.1f} ms  (target {TARGET * 1000:.0f} ms) {verdict}")


if __name__ == "__main__":
    main()
