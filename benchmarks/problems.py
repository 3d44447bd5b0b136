"""The problems the benchmarks time, built in code so that no large file is shipped.

Every benchmark script and the JSON snapshot use these, so a figure in the README and
a byte-for-byte comparison always refer to the same network.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# The tracer under test: this checkout, or another copy (TRACER_SOURCE=/old/tree) for a
# before/after comparison; first on the path so an installed tracer cannot shadow it.
SOURCE = Path(os.environ.get("TRACER_SOURCE", ROOT))
sys.path.insert(0, str(SOURCE))

from tracer import Problem  # noqa: E402

CLASSIC = ROOT / "worked_examples" / "classic-2-2-2" / "problem.yaml"


def classic(**overrides: Any) -> Problem:
    """The 2-2-2 example of the README, optionally with top-level fields replaced."""
    import yaml
    raw = yaml.safe_load(CLASSIC.read_text(encoding="utf-8"))
    raw.update(overrides)
    return Problem.from_dict(raw, source=str(CLASSIC))


def classic_epochs(epochs: int) -> Problem:
    """The 2-2-2 example trained for many epochs, steps 1 and last recorded in full."""
    return classic(training={"learning_rate": 0.5, "epochs": epochs, "batch_size": 1,
                             "update_biases": False}, show_steps=[1, "last"])


def dense(layers: tuple[int, ...], seed: int = 7, **extra: Any) -> Problem:
    """A sigmoid network with uniform random weights and one example, one step in full."""
    import numpy as np
    rng = np.random.default_rng(seed)
    x = [round(float(v), 2) for v in rng.uniform(0, 1, layers[0])]
    t = [0.0] * layers[-1]
    t[0] = 1.0
    raw: dict[str, Any] = {
        "title": f"{'-'.join(map(str, layers))} benchmark",
        "network": {"layers": list(layers), "activation": "sigmoid",
                    "init": {"distribution": "uniform", "low": -0.5, "high": 0.5, "seed": seed}},
        "loss": "half_squared_error",
        "training": {"learning_rate": 0.5, "epochs": 1},
        "data": [{"input": x, "target": t}],
    }
    raw.update(extra)
    return Problem.from_dict(raw, source="<benchmark>")


def mnist_like() -> Problem:
    """784-30-10, the network of the issue's ~48,000-entry target."""
    return dense((784, 30, 10))


def scaling_sizes() -> list[tuple[int, ...]]:
    """Networks from ~100 to ~100,000 recorded entries, to show the cost per entry is flat."""
    return [(4, 4, 2), (16, 8, 4), (64, 32, 10), (256, 64, 10), (784, 30, 10), (784, 64, 10)]
