"""Performance figure of issue 16: a 1×28×28 input, 4 filters 3×3 (ReLU), max-pool 2, dense 10
with softmax: one step recorded in full and written as JSON in at most 3 s.

    python3 benchmarks/bench_conv.py

The weights are drawn (``init: uniform -0.5..0.5, seed 3``), the input is a fixed 28×28 ramp.
The figure is the in-process CPU time of parse + trace + ``to_json``, best of 3 after a
warm-up (benchmarks/README.md: how figures are taken). Not a test: a figure over the target
is marked NO.
"""
from __future__ import annotations

import time

import problems  # noqa: F401  (puts the checkout, or TRACER_SOURCE, on sys.path)

from tracer.engine.trace import trace
from tracer.model.problem import Problem

TARGET = 3.0


def raw() -> dict:
    image = [[[round(((3 * r + 5 * c) % 17) / 16, 3) for c in range(28)] for r in range(28)]]
    return {"network": {"input": {"shape": [1, 28, 28]}, "layers": [
        {"type": "conv", "filters": 4, "kernel": 3, "activation": "relu"},
        {"type": "maxpool", "size": 2}, {"type": "flatten"},
        {"type": "dense", "units": 10, "activation": "softmax"}],
        "init": {"distribution": "uniform", "low": -0.5, "high": 0.5, "seed": 3}},
        "loss": "cross_entropy", "training": {"learning_rate": 0.1},
        "data": [{"input": image, "target": [1.0] + [0.0] * 9}]}


def once() -> tuple[int, int, float]:
    start = time.process_time()
    log = trace(Problem.from_dict(raw()))
    text = log.to_json()
    return len(log), len(text), time.process_time() - start


def main() -> None:
    once()
    entries, size, _ = once()
    best = min(once()[2] for _ in range(3))
    verdict = "yes" if best <= TARGET else "NO"
    print(f"1x28x28, conv 4@3x3, maxpool 2, dense 10: {entries} entries, {size / 1e6:.1f} MB of JSON")
    print(f"parse + trace + JSON   {best:8.2f} s  (target {TARGET:.0f} s) {verdict}")


if __name__ == "__main__":
    main()
