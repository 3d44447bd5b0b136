"""Issue 13: 10,000 steps of the classic 2-2-2 network with Adam and show_steps [1, last],
within 2x the time of the same run with plain gradient descent (CPU time, best of 5)."""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tracer.engine.trace import trace
from tracer.model.problem import Problem


def problem(optimizer) -> Problem:
    return Problem.from_dict({
        "network": {"layers": [2, 2, 2], "activation": "sigmoid",
                    "weights": [[[0.15, 0.2], [0.25, 0.3]], [[0.4, 0.45], [0.5, 0.55]]], "biases": [0.35, 0.6],
                    "bias": "per_layer"},
        "loss": "half_squared_error",
        "training": {"learning_rate": 0.5, "epochs": 10_000, "optimizer": optimizer},
        "data": [{"input": [0.05, 0.1], "target": [0.01, 0.99]}], "show_steps": [1, "last"]})


def best(p: Problem, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        trace(p)
        times.append(time.process_time() - start)
    return min(times)


def main() -> int:
    trace(problem("sgd"))
    sgd = best(problem("sgd"))
    adam = best(problem({"name": "adam"}))
    ratio = adam / sgd
    print(f"sgd  10,000 steps: {sgd * 1000:7.0f} ms CPU")
    print(f"adam 10,000 steps: {adam * 1000:7.0f} ms CPU  ({ratio:.2f}x sgd; target 2x: {'ok' if ratio <= 2 else 'NO'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
