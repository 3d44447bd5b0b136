"""A run whose numbers overflow (or take the log of 0) stops with one line, not a walkthrough of NaN.

NaN and infinity in a problem file are refused when it is read; these arise during training:
a learning rate that makes the weights diverge, a cross-entropy of an output that rounds to 0.
``finite_trace`` traces with numpy's floating-point warnings silenced (they would print on the
terminal) and then looks for the first step holding a value that is not finite.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .engine.log import TraceLog
from .engine.trace import trace
from .errors import ProblemError
from .model.graph_problem import GraphProblem
from .model.problem import Problem

if TYPE_CHECKING:
    from .engine.graph import GraphLog

HELP = "finite values (a smaller learning_rate, smaller weights or inputs, or another loss)"


def finite_trace(problem: Problem | GraphProblem) -> TraceLog | GraphLog:
    """``trace(problem)``, or a ProblemError naming the first step and quantity that is not finite.

    An expression's trace checks its own gates (a log of 0 or an overflow names its column)."""
    if isinstance(problem, GraphProblem):   # its engine (gates) is imported for expressions only
        from .engine.graph import trace_graph
        return trace_graph(problem)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        log = trace(problem)
    check_finite(log)
    return log


def _word(x: float) -> str:
    return "NaN" if math.isnan(x) else ("infinity" if x > 0 else "minus infinity")


def check_finite(log: TraceLog) -> None:
    source = log.problem.source
    entry = next((e for e in log.entries if not math.isfinite(e.value)), None)
    record = next((h for h in log.history if not math.isfinite(h["loss"])), None)
    if entry is not None and (record is None or entry.step <= record["step"]):
        raise ProblemError(f"{source}: step {entry.step}: {entry.name} is {_word(entry.value)} (the numbers "
                           f"overflowed, or a log of 0 was taken); expected {HELP}")
    if record is not None:
        raise ProblemError(f"{source}: step {record['step']}: the loss is {_word(record['loss'])} (the numbers "
                           f"overflowed, or a log of 0 was taken); expected {HELP}")
    for l, matrix in enumerate(log.final_weights, 1):
        if not _all_finite(matrix):
            raise ProblemError(f"{source}: after the last step: a weight of layer {l} is not finite (the updates "
                               f"overflowed); expected {HELP}")
    for l, biases in enumerate(log.final_biases, 1):
        if not _all_finite(biases):
            raise ProblemError(f"{source}: after the last step: a bias of layer {l} is not finite (the updates "
                               f"overflowed); expected {HELP}")


def _all_finite(nested: object) -> bool:
    """Every number of nested lists (a dense layer's matrix, a conv layer's kernels) is finite."""
    if isinstance(nested, (list, tuple)):
        return all(_all_finite(x) for x in nested)
    return math.isfinite(float(nested))  # type: ignore[arg-type]
