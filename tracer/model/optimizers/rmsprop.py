"""RMSProp: s ← ρ·s + (1 − ρ)·g², w ← w − η·g / (√s + ε) (or √(s + ε)), as PyTorch's
``RMSprop`` (alpha = ρ, no momentum, not centered)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...engine.ops import Operand
from .base import EPSILON, INSIDE, Hyper, Slot, SquaredGradientCache, UpdateSink, previous, state_entry
from .ops import MovingAverage

DECAY = Hyper("decay", 0.9, "a decay rate from 0 to 1", low=0.0, high=1.0, symbol="\\rho")


@dataclass(frozen=True)
class RMSProp(SquaredGradientCache):
    learning_rate: float
    decay: float = 0.9
    epsilon: float = 1e-8
    epsilon_inside_sqrt: bool = False
    name: ClassVar[str] = "rmsprop"
    hyperparameters: ClassVar[tuple[Hyper, ...]] = (
        DECAY, EPSILON, INSIDE)

    def spec(self) -> dict[str, object]:
        return {"name": self.name, "decay": self.decay, "epsilon": self.epsilon,
                "epsilon_inside_sqrt": self.epsilon_inside_sqrt}

    def moved(self, cache: np.ndarray, grad: np.ndarray) -> np.ndarray:
        rho = self.decay   # a moving average of the squared gradients
        return rho * cache + (1 - rho) * (grad * grad)

    def record_cache(self, rec: UpdateSink, slot: Slot, grad: Operand, before: Mapping[str, float],
                     after: Mapping[str, float]) -> Operand:
        rho = rec.hyperparameter("rho", DECAY.symbol, self.decay)
        return state_entry(rec, slot, "cache", MovingAverage(squared=True),
                           [rho, previous(rec, slot, "cache", before), grad], after["cache"])
