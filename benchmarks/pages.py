"""Length of the walkthroughs in PDF pages (issue 11, section 5), each beside its target.

    python3 benchmarks/pages.py          # the three targets (pdflatex, about half a minute)
    python3 benchmarks/pages.py --all    # and every gallery walkthrough, default and --compact

The PDF is what ``tracer run PROBLEM --format pdf`` writes (``render`` with the same
options), its pages counted with pypdf. Not a test: a figure over its target is marked NO.
Targets: odd-even (matrix style, four steps) at most 20 pages by default and 12 with
--compact; classic-2-2-2 (chain-rule, one step) at most 6 by default.
"""
from __future__ import annotations

import io
import sys

import problems  # noqa: F401  (puts the checkout, or TRACER_SOURCE, on sys.path)
from pypdf import PdfReader

from tracer.engine.graph import GraphLog, trace_graph
from tracer.engine.trace import trace
from tracer.errors import ProblemError
from tracer.examples import example_path
from tracer.gallery import catalogue
from tracer.model.graph_problem import GraphProblem, is_expression_file
from tracer.model.problem import Problem
from tracer.render import RenderOptions, render
from tracer.render.graph_walkthrough import render_graph_output

#: (example, problem file, compact?) -> the most pages it may take.
TARGETS = {("odd-even", "problem.yaml", False): 20, ("odd-even", "problem.yaml", True): 12,
           ("classic-2-2-2", "problem.yaml", False): 6}


def pages(example: str, problem: str, compact: bool, style: str | None = None) -> int | None:
    """Pages of the example's PDF, or None when the form does not exist (a conv network's --compact)."""
    path = example_path(example).with_name(problem)
    options = RenderOptions(style=style, compact=compact)
    try:
        if is_expression_file(path):
            log: GraphLog = trace_graph(GraphProblem.from_file(path))
            pdf = render_graph_output(log, "pdf", options)
        else:
            pdf = render(trace(Problem.from_file(path)), "pdf", options)
    except ProblemError as exc:
        if compact and "--compact" in str(exc):
            return None
        raise
    assert isinstance(pdf, bytes)
    return len(PdfReader(io.BytesIO(pdf)).pages)


def main(argv: list[str]) -> int:
    print(f"{'walkthrough':<46} {'pages':>6} {'target':>7}  ok")
    missed = 0
    for (example, problem, compact), target in TARGETS.items():
        n = pages(example, problem, compact)
        ok = n is not None and n <= target
        missed += not ok
        print(f"{example + (' --compact' if compact else ''):<46} {n!s:>6} {'<= ' + str(target):>7}  "
              f"{'yes' if ok else 'NO'}")
    if "--all" in argv:
        print(f"\n{'gallery walkthrough (style)':<46} {'default':>7} {'compact':>8}")
        for ex in catalogue():
            for w in ex.walkthroughs:
                if w.sheet:
                    continue
                default, short = pages(w.example, w.problem, False, w.style), pages(w.example, w.problem, True, w.style)
                print(f"{w.example + '/' + w.name + ' (' + w.style + ')':<46} {default!s:>7} {short!s:>8}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
