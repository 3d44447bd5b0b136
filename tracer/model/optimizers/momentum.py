"""SGD with momentum, and Nesterov's variant, as PyTorch writes them (or cs231n's form).

PyTorch (``form: pytorch``): v ← μ·v + g, w ← w − η·v; Nesterov: w ← w − η·(g + μ·v)
with the new v. cs231n (``form: cs231n``): v ← μ·v − η·g, w ← w + v, the same weights
(its v is −η times PyTorch's), and the ``velocity`` entries hold that v.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...engine.ops import Operand
from .base import Hyper, Slot, State, UpdateSink, new_value, previous, state_entry
from .ops import MomentumStep, NesterovStep, Velocity

FORMS = ("pytorch", "cs231n")
MOMENTUM = Hyper("momentum", 0.9, "a momentum from 0 to 1", low=0.0, high=1.0, symbol="\\mu")


@dataclass(frozen=True)
class Momentum:
    learning_rate: float
    momentum: float = 0.9
    nesterov: bool = False
    form: str = "pytorch"
    name: ClassVar[str] = "momentum"
    state_kinds: ClassVar[tuple[str, ...]] = ("velocity",)
    hyperparameters: ClassVar[tuple[Hyper, ...]] = (
        MOMENTUM,
        Hyper("nesterov", False, "true (Nesterov's step) or false"),
        Hyper("form", "pytorch", "pytorch or cs231n", choices=FORMS),
    )

    def __post_init__(self) -> None:
        if self.nesterov and self.form != "pytorch":
            raise ValueError("nesterov", "found nesterov: true with form: cs231n; expected form: pytorch "
                                         "with nesterov (Nesterov's step is written in PyTorch's form)")

    def spec(self) -> dict[str, object]:
        return {"name": self.name, "momentum": self.momentum, "nesterov": self.nesterov, "form": self.form}

    def initial_state(self, param: np.ndarray) -> State:
        return {"velocity": np.zeros_like(param)}

    def step(self, param: np.ndarray, grad: np.ndarray, state: State, t: int) -> tuple[np.ndarray, State]:
        mu, eta = self.momentum, self.learning_rate
        if self.form == "cs231n":
            v = mu * state["velocity"] - eta * grad
            return param + v, {"velocity": v}
        v = mu * state["velocity"] + grad
        new = param - eta * (grad + mu * v) if self.nesterov else param - eta * v
        return new, {"velocity": v}

    def record(self, rec: UpdateSink, slot: Slot, old: Operand, grad: Operand, new: float,
               before: Mapping[str, float], after: Mapping[str, float]) -> None:
        mu = rec.hyperparameter("mu", MOMENTUM.symbol, self.momentum)
        eta = rec.hyperparameter("eta", "\\eta", self.learning_rate)
        prev = previous(rec, slot, "velocity", before)
        if self.form == "cs231n":
            v = state_entry(rec, slot, "velocity", Velocity("cs231n"), [mu, prev, eta, grad], after["velocity"])
            new_value(rec, slot, MomentumStep("cs231n"), [old, v], new)
            return
        v = state_entry(rec, slot, "velocity", Velocity(), [mu, prev, grad], after["velocity"])
        if self.nesterov:
            new_value(rec, slot, NesterovStep(), [old, eta, grad, mu, v], new)
        else:
            new_value(rec, slot, MomentumStep(), [old, eta, v], new)
