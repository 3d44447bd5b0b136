"""Adagrad: G ← G + g², w ← w − η·g / (√G + ε) (or √(G + ε)), as PyTorch's ``Adagrad``
with no learning-rate decay and an initial accumulator of 0."""
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
from .ops import Accumulate, AdaptiveStep


@dataclass(frozen=True)
class Adagrad:
    learning_rate: float
    epsilon: float = 1e-8
    epsilon_inside_sqrt: bool = False
    name: ClassVar[str] = "adagrad"
    state_kinds: ClassVar[tuple[str, ...]] = ("cache",)
    hyperparameters: ClassVar[tuple[Hyper, ...]] = (EPSILON, INSIDE)

    def spec(self) -> dict[str, object]:
        return {"name": self.name, "epsilon": self.epsilon, "epsilon_inside_sqrt": self.epsilon_inside_sqrt}

    def initial_state(self, param: np.ndarray) -> State:
        return {"cache": np.zeros_like(param)}

    def step(self, param: np.ndarray, grad: np.ndarray, state: State, t: int) -> tuple[np.ndarray, State]:
        G = state["cache"] + grad * grad
        return param - self.learning_rate * grad / root(G, self.epsilon, self.epsilon_inside_sqrt), {"cache": G}

    def record(self, rec: UpdateSink, slot: Slot, old: Operand, grad: Operand, new: float,
               before: Mapping[str, float], after: Mapping[str, float]) -> None:
        G = state_entry(rec, slot, "cache", Accumulate(), [previous(rec, slot, "cache", before), grad], after["cache"])
        eta = rec.hyperparameter("eta", "\\eta", self.learning_rate)
        eps = rec.hyperparameter("epsilon", "\\epsilon", self.epsilon)
        new_value(rec, slot, AdaptiveStep("grad", "cache", self.epsilon_inside_sqrt), [old, eta, grad, G, eps], new)
