"""The loss over the steps as a small line plot: SVG for Markdown and HTML, TikZ for LaTeX.

Deterministic like the network diagram: fixed sizes, every number through one format, at
most ``POINTS`` points (every k-th step, the first and the last always kept).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .diagram import svg_head
from .printers import Printer

POINTS = 400
WIDTH, HEIGHT = 480.0, 220.0          # SVG pixels
LEFT, RIGHT, TOP, BOTTOM = 90.0, 20.0, 15.0, 40.0
CM_WIDTH, CM_HEIGHT = 11.0, 4.5       # TikZ
LOG_RATIO = 100.0                     # a loss falling further is drawn on a log scale


def sampled(history: Sequence[dict], most: int = POINTS) -> list[tuple[int, float]]:
    """(step, loss) pairs, thinned to at most ``most`` evenly spaced steps with the last."""
    stride = max(1, -(-len(history) // most))
    picked = list(history[::stride])
    if picked[-1] is not history[-1]:
        picked.append(history[-1])
    return [(int(h["step"]), float(h["loss"])) for h in picked]


def loss_plot(printer: Printer, history: Sequence[dict], name: str, show: Callable[[float], str]) -> str:
    """The figure: loss (y) against the step (x, first to last). The y axis runs from 0 to the
    largest loss, or, when the loss falls by more than ``LOG_RATIO`` (0.298 to 0.0000351 over
    the classic 10,000 steps), on a log scale from the smallest to the largest."""
    points = sampled(history)
    first, last = points[0][0], points[-1][0]
    losses = [loss for _, loss in points]
    top, low = max(losses) or 1.0, min(losses)
    span = max(last - first, 1)
    log = low > 0 and top / low > LOG_RATIO

    def fx(step: int) -> float:
        return (step - first) / span

    def fy(loss: float) -> float:
        if log:
            return (math.log10(loss) - math.log10(low)) / (math.log10(top) - math.log10(low))
        return loss / top
    axis = Axis(show(top), show(low) if log else "0", "loss (log scale)" if log else "loss")
    return printer.figure(_svg(points, fx, fy, first, last, axis), _tikz(points, fx, fy, first, last, axis),
                          name, "Loss over the steps")


@dataclass(frozen=True)
class Axis:
    """The y axis's labels: top, bottom, and its name."""

    top: str
    bottom: str
    name: str


def _svg(points, fx, fy, first: int, last: int, axis: Axis) -> str:
    w, h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(step: int) -> str:
        return f"{LEFT + fx(step) * w:.1f}"

    def y(loss: float) -> str:
        return f"{TOP + (1 - fy(loss)) * h:.1f}"
    line = " ".join(f"{x(s)},{y(v)}" for s, v in points)
    x0, y0, x1, y1 = f"{LEFT:.1f}", f"{TOP + h:.1f}", f"{LEFT + w:.1f}", f"{TOP:.1f}"
    out = svg_head(f"{WIDTH:.1f}", f"{HEIGHT:.1f}", "Loss over the steps")
    out += [f'<g stroke="black" stroke-width="1"><line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}"/>'
            f'<line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}"/></g>',
            f'<polyline fill="none" stroke="#1f4e9c" stroke-width="1.5" points="{line}"/>',
            f'<g font-size="11"><text x="{x0}" y="{TOP + h + 16:.1f}">{first}</text>'
            f'<text x="{x1}" y="{TOP + h + 16:.1f}">{last}</text>'
            f'<text x="{LEFT + w / 2:.1f}" y="{HEIGHT - 6:.1f}">step</text>'
            f'<text x="{LEFT - 6:.1f}" y="{TOP + h + 4:.1f}" text-anchor="end">{axis.bottom}</text>'
            f'<text x="{LEFT - 6:.1f}" y="{TOP + 4:.1f}" text-anchor="end">{axis.top}</text>'
            + "".join(f'<text x="{LEFT - 6:.1f}" y="{TOP + h / 2 + 4 + 13 * k:.1f}" text-anchor="end">{part}</text>'
                      for k, part in enumerate(axis.name.replace(" (", "\n(").split("\n")))
            + "</g>",
            "</svg>"]
    return "\n".join(out) + "\n"


def _tikz(points, fx, fy, first: int, last: int, axis: Axis) -> str:
    name = axis.name.replace(" (", "\\\\(")  # the scale on a line of its own
    coords = " ".join(f"({fx(s) * CM_WIDTH:.3f},{fy(v) * CM_HEIGHT:.3f})" for s, v in points)
    return "\n".join([
        "\\begin{tikzpicture}",
        f"\\draw (0,0) -- ({CM_WIDTH:.1f},0);",
        f"\\draw (0,0) -- (0,{CM_HEIGHT:.1f});",
        f"\\draw[thick,blue!70!black] plot coordinates {{{coords}}};",
        f"\\node[below] at (0,0) {{{first}}};",
        f"\\node[below] at ({CM_WIDTH:.1f},0) {{{last}}};",
        f"\\node[below] at ({CM_WIDTH / 2:.1f},-0.1) {{step}};",
        f"\\node[left] at (0,0) {{{axis.bottom}}};",
        f"\\node[left] at (0,{CM_HEIGHT:.1f}) {{{axis.top}}};",
        f"\\node[left,align=right] at (0,{CM_HEIGHT / 2:.1f}) {{{name}}};",
        "\\end{tikzpicture}",
    ])
