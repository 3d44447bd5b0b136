"""tracer: a neural network's training math, worked out step by step.

    from tracer import Problem, trace
    log = trace(Problem.from_file("worked_examples/xor/problem.yaml"))
"""
from .engine import trace
from .errors import ProblemError
from .log import Entry, TraceLog
from .problem import Problem

__all__ = ["Entry", "Problem", "ProblemError", "TraceLog", "trace"]
__version__ = "0.1.0"
