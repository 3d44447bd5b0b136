"""Timing and printing shared by the benchmark scripts.

The machine is shared (2 cores, several engineers' test runs), so figures are CPU time,
not wall time: the process's own seconds, which other processes barely disturb, and the
best of several runs. On an idle machine the two agree (tracer is single-threaded).
Each figure is printed beside its floor (the same arithmetic in plain numpy or Python)
and the issue's target.
"""
from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HEADER = f"{'figure':<46} {'tracer':>12} {'floor':>12} {'target':>10}  ok"


def best(fn: Callable[[], Any], repeat: int = 5, number: int = 1) -> float:
    """CPU seconds per call of fn: the best of `repeat` rounds of `number` calls, after a warm-up."""
    fn()
    rounds = []
    for _ in range(repeat):
        start = time.process_time()
        for _ in range(number):
            fn()
        rounds.append((time.process_time() - start) / number)
    return min(rounds)


def row(name: str, value: float, floor: float | None, target: float | None, unit: str) -> bool:
    """Print one figure; returns whether it meets its target (True when it has none)."""
    ok = target is None or value < target
    cells = [_fmt(value, unit), _fmt(floor, unit), _fmt(target, unit)]
    print(f"{name:<46} {cells[0]:>12} {cells[1]:>12} {cells[2]:>10}  {'yes' if ok else 'NO'}", flush=True)
    return ok


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    scale = {"ms": 1e3, "s": 1, "us": 1e6, "MB": 1}[unit]
    return f"{value * scale:.3g} {unit}"


# Bytecode cached as an installed package has it (pip compiles at install time), but outside
# the source tree: this sandbox sets PYTHONDONTWRITEBYTECODE, which would otherwise make every
# run compile tracer's sources again while its dependencies load compiled bytecode.
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {
    "PYTHONPYCACHEPREFIX": os.path.join(tempfile.gettempdir(), "tracer-bench-pycache")}


def subprocess_seconds(code: str, repeat: int = 7) -> float:
    """Best CPU time (user + system) of a fresh interpreter running `code`, imports included;
    a first, untimed run fills the bytecode cache."""
    subprocess.run([sys.executable, "-c", code], check=True, stdout=subprocess.DEVNULL, env=_ENV)
    times = []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-c", code], check=True, stdout=subprocess.DEVNULL, env=_ENV)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return min(times)


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited at fork)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the floor: one training step of a sigmoid network in plain numpy ------------------------
def numpy_network(layers: tuple[int, ...], seed: int = 7) -> tuple[list[np.ndarray], list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    weights = [rng.uniform(-0.5, 0.5, (layers[l + 1], layers[l])) for l in range(len(layers) - 1)]
    biases = [rng.uniform(-0.5, 0.5, layers[l + 1]) for l in range(len(layers) - 1)]
    return weights, biases


def numpy_step(weights: list[np.ndarray], biases: list[np.ndarray], x: np.ndarray, t: np.ndarray,
               eta: float) -> tuple[list[np.ndarray], list[np.ndarray], float]:
    """Forward, half squared error, backward and update: what a trace computes, nothing else."""
    outs = [x]
    for W, b in zip(weights, biases):
        outs.append(1.0 / (1.0 + np.exp(-(W @ outs[-1] + b))))
    o = outs[-1]
    loss = 0.5 * float(np.sum((t - o) ** 2))
    delta = (o - t) * o * (1.0 - o)
    new_w, new_b = [], []
    for l in range(len(weights) - 1, -1, -1):
        new_w.append(weights[l] - eta * np.outer(delta, outs[l]))
        new_b.append(biases[l] - eta * delta)
        if l:
            delta = (weights[l].T @ delta) * outs[l] * (1.0 - outs[l])
    return new_w[::-1], new_b[::-1], loss
