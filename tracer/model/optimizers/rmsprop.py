"""RMSProp: s ← ρ·s + (1 − ρ)·g², w ← w − η·g / (√s + ε) (or √(s + ε)), as PyTorch's
``RMSprop`` (alpha = ρ, no momentum, not centered)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...engine.ops import Operand
from .base import (
    EPSILON,
    INSIDE,
    Hyper,
    Slot,
    State,
    UpdateSink,
    new_value,
    previous,
    root,
    state_entry,
)
from .ops import AdaptiveStep, MovingAverage


@dataclass(frozen=True)
class RMSProp:
    learning_rate: float
    decay: float = 0.9
    epsilon: float = 1e-8
    epsilon_inside_sqrt: bool = False
    name: ClassVar[str] = "rmsprop"
    state_kinds: ClassVar[tuple[str, ...]] = ("cache",)
    hyperparameters: ClassVar[tuple[Hyper, ...]] = (
        Hyper("decay", 0.9, "a decay rate from 0 to 1", low=0.0, high=1.0), EPSILON, INSIDE)

    def spec(self) -> dict[str, object]:
        return {"name": self.name, "decay": self.decay, "epsilon": self.epsilon,
                "epsilon_inside_sqrt": self.epsilon_inside_sqrt}

    def initial_state(self, param: np.ndarray) -> State:
        return {"cache": np.zeros_like(param)}

    def step(self, param: np.ndarray, grad: np.ndarray, state: State, t: int) -> tuple[np.ndarray, State]:
        rho = self.decay
        s = rho * state["cache"] + (1 - rho) * (grad * grad)
        return param - self.learning_rate * grad / root(s, self.epsilon, self.epsilon_inside_sqrt), {"cache": s}

    def record(self, rec: UpdateSink, slot: Slot, old: Operand, grad: Operand, new: float,
               before: Mapping[str, float], after: Mapping[str, float]) -> None:
        rho = rec.hyperparameter("rho", "\\rho", self.decay)
        s = state_entry(rec, slot, "cache", MovingAverage(squared=True),
                        [rho, previous(rec, slot, "cache", before), grad], after["cache"])
        eta = rec.hyperparameter("eta", "\\eta", self.learning_rate)
        eps = rec.hyperparameter("epsilon", "\\epsilon", self.epsilon)
        new_value(rec, slot, AdaptiveStep("grad", "cache", self.epsilon_inside_sqrt), [old, eta, grad, s, eps], new)
