"""tracer: a neural network's training math, worked out step by step.

    from tracer import Problem, trace
    log = trace(Problem.from_file("worked_examples/xor/problem.yaml"))
"""
from typing import Any

from .engine.log import RENDERER, Entry, TraceLog
from .engine.trace import trace
from .errors import ProblemError
from .model.problem import Problem

__all__ = ["Entry", "Problem", "ProblemError", "TraceLog", "trace"]
__version__ = "0.1.0"


def _render(log: TraceLog, fmt: str, options: dict[str, Any]) -> str:
    """A log's walkthrough for ``TraceLog.to_markdown``/``to_latex`` (the output side, loaded on use)."""
    from .render import RenderOptions, render_text
    return render_text(log, fmt, RenderOptions(**options)).text


RENDERER[:] = [_render]
