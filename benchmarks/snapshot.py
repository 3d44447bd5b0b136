"""Write the JSON trace of a varied set of problems, to prove an optimisation changed nothing.

    TRACER_SOURCE=/path/to/old/tree python3 benchmarks/snapshot.py /tmp/before
    python3 benchmarks/snapshot.py /tmp/after
    diff -r /tmp/before /tmp/after && echo identical

The set covers every op and naming path the recorder has: each activation and loss,
the three bias modes, mini-batches, carried rounding, every notation preset, a learning
rate small enough for ``show_change`` to widen, the 784-30-10 network and the built-in
worked examples. Besides the JSON, the smaller problems are rendered in every style and
format whose template exists, since the renderers read the same entries.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from problems import classic, dense, mnist_like

from tracer import Problem, ProblemError, examples, trace
from tracer.render import STYLES, RenderOptions, render_text
from tracer.resources import templates_dir

XOR = [{"input": [0, 0], "target": [0]}, {"input": [0, 1], "target": [1]},
       {"input": [1, 0], "target": [1]}, {"input": [1, 1], "target": [0]}]
ONE_HOT = [{"input": [0.1, 0.9, 0.3], "target": [1, 0]}, {"input": [0.8, 0.2, 0.5], "target": [0, 1]},
           {"input": [0.4, 0.4, 0.9], "target": [1, 0]}]


def _random(layers: list[int], activation: Any, loss: str, data: list, bias: str = "per_neuron",
            batch: int = 1, epochs: int = 1, **extra: Any) -> Problem:
    """A problem with seeded uniform weights and the given options."""
    raw: dict[str, Any] = {
        "network": {"layers": layers, "activation": activation, "bias": bias,
                    "init": {"distribution": "uniform", "low": -1, "high": 1, "seed": 3}},
        "loss": loss, "training": {"learning_rate": 0.1, "epochs": epochs, "batch_size": batch},
        "data": data,
    }
    raw.update(extra)
    return Problem.from_dict(raw, source="<snapshot>")


def problems() -> dict[str, Problem]:
    """Name -> problem; the names become the file names of the snapshot."""
    cases = {
        "classic": classic(),
        "classic-3-epochs": classic(training={"learning_rate": 0.5, "epochs": 3}),
        "xor-batch2-relu": _random([2, 3, 1], ["relu", "sigmoid"], "binary_cross_entropy", XOR,
                                   batch=2, epochs=2, show_steps="all"),
        "softmax-ce-batch3": _random([3, 4, 2], ["tanh", "softmax"], "cross_entropy", ONE_HOT, batch=3),
        "softmax-hse": _random([3, 4, 2], ["leaky_relu", "softmax"], "half_squared_error", ONE_HOT),
        "shared-bias-mse": _random([3, 2, 2, 2], ["tanh", {"name": "leaky_relu", "alpha": 0.1}, "linear"],
                                   "mean_squared_error", ONE_HOT, bias="per_layer", batch=2),
        "no-bias-se": _random([3, 3, 2], "sigmoid", "squared_error", ONE_HOT, bias="none",
                              rounding={"digits": 3, "mode": "significant"}),
        "carry-truncate": classic(rounding={"digits": 2, "mode": "truncate", "carry": True}),
        "tiny-rate": _random([2, 2, 1], "sigmoid", "half_squared_error", XOR[:2],
                             training={"learning_rate": 0.0001, "epochs": 1}),
        "deep-letters": dense((3, 4, 4, 3, 2)),
        "mnist-like": mnist_like(),
    }
    for preset in ("nodes", "indexed", "matrix", "narrative"):
        cases[f"classic-{preset}"] = classic(notation=preset)
        cases[f"deep-{preset}"] = dense((12, 11, 10, 2), notation=preset)
    for name in examples.example_names():  # the built-in worked examples, as users run them
        try:
            cases[f"example-{name}"] = examples.load(name)
        except ProblemError as exc:  # an example mid-edit: the same in both snapshots
            print(f"skipped example {name}: {exc}", file=sys.stderr)
    return cases


def main(out: str) -> None:
    """Write <name>.json, and <name>.<style>.<md|tex> for logs under 5,000 entries."""
    styles = [s for s in STYLES if (templates_dir() / "styles" / f"{s}.j2").is_file()]
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    for name, problem in problems().items():
        log = trace(problem)
        (folder / f"{name}.json").write_text(log.to_json(), encoding="utf-8")
        for style in styles if len(log) < 5000 else ():
            for fmt in ("md", "tex"):
                text = render_text(log, fmt, RenderOptions(style=style)).text
                (folder / f"{name}.{style}.{fmt}").write_text(text, encoding="utf-8")
        print(name)


if __name__ == "__main__":
    main(sys.argv[1])
