"""Problems and checks shared by the walkthrough-style tests (narrative, matrix).

The problems cover what every style must handle: the classic 2-2-2 (per-layer biases,
not updated), seed 000's XOR net (no biases, narrative names), seed 002's 2-3-3-1 ReLU
net, seed 003's 1-4-3-1 with two examples over two epochs, a mini-batch of two (averaged
gradients, example None), softmax with cross-entropy, and a wide net for elision.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from types import MappingProxyType
from typing import Any

from tracer.engine.log import TraceLog
from tracer.engine.trace import trace
from tracer.examples import load
from tracer.model.conv_problem import ConvProblem
from tracer.model.problem import Problem
from tracer.render import RenderOptions, render_text
from tracer.render.view import Viewer

# Seed 000: 2-4-1 XOR, inputs 0 1, target 1, rate 0.001; its names (net1_h, output1_h).
SEED_000: dict[str, Any] = {
    "title": "How a neural network works: XOR",
    "network": {"layers": [2, 4, 1], "activation": "sigmoid", "bias": "none",
                "weights": [[[0.2, 0.6], [0.5, 0.7], [0.4, 0.9], [0.8, 0.3]], [[0.6, 0.7, 0.3, 0.4]]]},
    "loss": "half_squared_error",
    "training": {"learning_rate": 0.001},
    "data": [{"input": [0, 1], "target": [1]}],
    "notation": "narrative",
    "rounding": {"digits": 2},
}
# The same, worked by hand as the seed does: two digits, truncated and carried.
SEED_000_BY_HAND = {**SEED_000, "rounding": {"digits": 2, "mode": "truncate", "carry": True}}

# Seed 002: 2-3-3-1, ReLU hidden layers, sigmoid output, weights w1..w18 sending neuron first.
RELU_2331: dict[str, Any] = {
    "title": "2-3-3-1 with ReLU",
    "network": {"layers": [2, 3, 3, 1], "activation": ["relu", "relu", "sigmoid"], "bias": "per_neuron",
                "weights": [[[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]],
                            [[0.7, 0.1, 0.4], [0.8, 0.2, 0.5], [0.9, 0.3, 0.6]],
                            [[0.7, 0.8, 0.9]]],
                "biases": [[0.1, -0.4, 0.3], [-0.5, 0.5, 0.6], [-0.7]]},
    "loss": "half_squared_error",
    "training": {"learning_rate": 0.01},
    "data": [{"input": [0.23, 0.55], "target": [0.01]}],
    "notation": "nodes",
    "rounding": {"digits": 4},
}

# Seed 003: 1-4-3-1 sigmoid, every weight and bias 0.5, examples 2 -> 1 and 3 -> 0, rate 1, 2 epochs.
SIGMOID_1431: dict[str, Any] = {
    "title": "1-4-3-1, two examples, two epochs",
    "network": {"layers": [1, 4, 3, 1], "activation": "sigmoid", "bias": "per_neuron",
                "weights": [[[0.5]] * 4, [[0.5] * 4] * 3, [[0.5] * 3]],
                "biases": [[0.5] * 4, [0.5] * 3, [0.5]]},
    "loss": "squared_error",
    "training": {"learning_rate": 1.0, "epochs": 2},
    "data": [{"input": [2], "target": [1]}, {"input": [3], "target": [0]}],
    "notation": "matrix",
    "rounding": {"digits": 4},
}

# A mini-batch of two: the update uses the mean of the two examples' gradients.
BATCH_2: dict[str, Any] = {
    "title": "Mini-batch of two",
    "network": {"layers": [2, 2, 1], "activation": ["tanh", "sigmoid"], "bias": "per_neuron",
                "weights": [[[0.1, -0.2], [0.3, 0.4]], [[0.5, -0.6]]], "biases": [[0.1, 0.2], [0.3]]},
    "loss": "half_squared_error",
    "training": {"learning_rate": 0.5, "batch_size": 2},
    "data": [{"input": [1, 0], "target": [1]}, {"input": [0, 1], "target": [0]}],
    "rounding": {"digits": 4},
}

# Softmax output with cross-entropy, no biases: the output delta is out - target.
SOFTMAX_CE: dict[str, Any] = {
    "title": "Softmax and cross-entropy",
    "network": {"layers": [2, 3, 3], "activation": ["relu", "softmax"], "bias": "none",
                "weights": [[[0.2, -0.3], [0.4, 0.1], [-0.5, 0.2]],
                            [[0.3, -0.1, 0.2], [0.1, 0.4, -0.2], [-0.3, 0.2, 0.1]]]},
    "loss": "cross_entropy",
    "training": {"learning_rate": 0.1},
    "data": [{"input": [1.0, 0.5], "target": [0, 1, 0]}],
    "rounding": {"digits": 4},
}

# Wider than the elision limit used with it (max_terms 4): 12 inputs, 10 hidden, 3 outputs.
WIDE: dict[str, Any] = {
    "title": "Wide",
    "network": {"layers": [12, 10, 3], "activation": "sigmoid", "bias": "per_neuron",
                "init": {"distribution": "uniform", "low": -0.5, "high": 0.5, "seed": 3}},
    "loss": "half_squared_error",
    "training": {"learning_rate": 0.1},
    "data": [{"input": [k / 12 for k in range(12)], "target": [0, 1, 0]}],
    "rounding": {"digits": 3},
}

ALL = {"classic": None, "seed000": SEED_000, "seed000-by-hand": SEED_000_BY_HAND, "relu": RELU_2331,
       "sigmoid-1431": SIGMOID_1431, "batch": BATCH_2, "softmax": SOFTMAX_CE, "wide": WIDE}


def problem(name: str) -> Problem:
    """A problem of ALL by name; "classic" is the built-in classic-2-2-2 example."""
    raw = ALL[name]
    return load("classic-2-2-2") if raw is None else Problem.from_dict(raw, source=name)


def walkthrough(name: str, style: str, fmt: str, **options: Any) -> tuple[str, TraceLog]:
    """The walkthrough text (diagram as a file, not inline) and the log it was printed from."""
    log = trace(problem(name))
    opts = RenderOptions(style=style, inline_svg=False, **options)
    return render_text(log, fmt, opts).text, log


def max_terms(name: str) -> int:
    """The elision limit the style tests render with: 4 for the wide net, so it elides; else 8."""
    return 4 if name == "wide" else 8


@cache
def rendered_all(style: str) -> Mapping[tuple[str, str], tuple[str, TraceLog]]:
    """Every problem of ALL in the style, both formats: {(name, fmt): (text, log)}.

    Cached (and read-only) so that a style's own tests and the checks shared by every
    style (test_style_shared.py) render each walkthrough once per session, not twice."""
    return MappingProxyType({(name, fmt): walkthrough(name, style, fmt, max_terms=max_terms(name))
                             for name in ALL for fmt in ("md", "tex")})


def shown_strings(log: TraceLog) -> set[str]:
    """Every number the log shows: entries, their operands, the loss history, the data and
    parameters of the setup, and the closing table's changes (its Viewer's own column)."""
    show = log.problem.rounding.show
    shown = {e.shown for e in log} | {o.shown for e in log for o in e.operands}
    shown |= {show(h["loss"]) for h in log.history}
    given = log.problem.rounding.show_given   # data print as written (1.8, not 1.80)
    shown |= {show(h["loss"]) for h in log.history}
    shown |= {f(x) for f in (show, given) for ex in log.problem.data for x in ex.input + ex.target}
    shown |= {f(w) for f in (show, given) for m in log.problem.weights for row in m for w in row}
    shown |= {f(b) for f in (show, given) for bs in log.problem.biases for b in bs}
    shown |= {show(log.problem.training.learning_rate), given(log.problem.training.learning_rate)}
    if not isinstance(log.problem, ConvProblem):  # the closing table of changes is the dense styles'
        viewer = Viewer(log)
        shown |= {row[3] for step in viewer.steps() for row in viewer.change_rows(step)}
    return {s.lstrip("-") for s in shown}


def _decimal(tex: str) -> str:
    """Numbers in powers of ten (2.477 \\times 10^{-10}) written back as the decimals they print."""
    def back(m: re.Match[str]) -> str:
        digits, exponent = m.group(1).replace(".", ""), int(m.group(2))
        return "0." + "0" * (exponent - 1) + digits
    return re.sub(r"(\d+(?:\.\d+)?) \\times 10\^\{-(\d+)\}", back, tex)


def unexplained_numbers(fragments: list[tuple[str, bool]], log: TraceLog) -> list[str]:
    """Decimal numbers in the math that are not a shown string of the log (sign aside)."""
    allowed = shown_strings(log)
    found = {n for tex, _ in fragments for n in re.findall(r"(?<![\w.])\d+\.\d+", _decimal(tex))}
    # a whole number in a matrix of decimals is written with their decimals (2 as 2.0000)
    return sorted(n for n in found if n not in allowed
                  and not (re.fullmatch(r"\d+\.0+", n) and n.partition(".")[0] in allowed))


def flat(text: str) -> str:
    """The text with the printer's line layout removed (aligned's ``&`` and line breaks,
    continuation indents), so a test can look for ``a = b = c`` however it was broken."""
    text = re.sub(r"\\begin\{aligned\}\n|\n\\end\{aligned\}", "", text)
    text = text.replace(" \\\\\n&\\quad ", " ").replace(" \\\\\n&= ", " = ").replace(" &= ", " = ")
    return text.replace(" \\\\\n", "\n")


def md(rendered: Mapping[tuple[str, str], tuple[str, TraceLog]], name: str) -> str:
    """The problem's Markdown walkthrough from a rendered_all() mapping, flattened (see flat)."""
    return flat(rendered[(name, "md")][0])


def every_example(style: str) -> dict[tuple[str, str], tuple[str, TraceLog]]:
    """Every built-in worked example in the style, Markdown and LaTeX: {(name, fmt): (text, log)}."""
    from tracer.examples import example_names
    out = {}
    for name in example_names():
        log = trace(load(name))
        for fmt in ("md", "tex"):
            out[(name, fmt)] = (render_text(log, fmt, RenderOptions(style=style, inline_svg=False)).text, log)
    return out
