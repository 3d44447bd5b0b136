"""Adagrad: G ← G + g², w ← w − η·g / (√G + ε) (or √(G + ε)), as PyTorch's ``Adagrad``
with no learning-rate decay and an initial accumulator of 0."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...engine.ops import Operand
from .base import EPSILON, INSIDE, Hyper, Slot, SquaredGradientCache, UpdateSink, previous, state_entry
from .ops import Accumulate


@dataclass(frozen=True)
class Adagrad(SquaredGradientCache):
    learning_rate: float
    epsilon: float = 1e-8
    epsilon_inside_sqrt: bool = False
    name: ClassVar[str] = "adagrad"
    hyperparameters: ClassVar[tuple[Hyper, ...]] = (EPSILON, INSIDE)

    def spec(self) -> dict[str, object]:
        return {"name": self.name, "epsilon": self.epsilon, "epsilon_inside_sqrt": self.epsilon_inside_sqrt}

    def moved(self, cache: np.ndarray, grad: np.ndarray) -> np.ndarray:
        return cache + grad * grad   # every squared gradient so far

    def record_cache(self, rec: UpdateSink, slot: Slot, grad: Operand, before: Mapping[str, float],
                     after: Mapping[str, float]) -> Operand:
        return state_entry(rec, slot, "cache", Accumulate(), [previous(rec, slot, "cache", before), grad],
                           after["cache"])
