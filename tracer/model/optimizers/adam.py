"""Adam and AdamW, as PyTorch's ``Adam`` and ``AdamW`` (amsgrad off).

m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g², m̂ = m / (1 − β1^t), v̂ = v / (1 − β2^t),
w ← w − η·m̂ / (√v̂ + ε) (or √(v̂ + ε)). AdamW first decays the weight, decoupled from
the gradient: w ← w − η·λ·w − η·m̂ / (√v̂ + ε), every parameter it updates (biases too,
as PyTorch with one parameter group).
"""
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
from .ops import AdaptiveStep, BiasCorrection, MovingAverage

BETA1 = Hyper("beta1", 0.9, "a decay rate from 0 to 1 (1 excluded)", low=0.0, high=1.0, symbol="\\beta_{1}")
BETA2 = Hyper("beta2", 0.999, "a decay rate from 0 to 1 (1 excluded)", low=0.0, high=1.0, symbol="\\beta_{2}")
DECAY = Hyper("weight_decay", 0.01, "a weight decay of at least 0", low=0.0, symbol="\\lambda")


@dataclass(frozen=True)
class Adam:
    learning_rate: float
    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-8
    epsilon_inside_sqrt: bool = False
    name: ClassVar[str] = "adam"
    state_kinds: ClassVar[tuple[str, ...]] = ("m", "v", "m_hat", "v_hat")
    hyperparameters: ClassVar[tuple[Hyper, ...]] = (BETA1, BETA2, EPSILON, INSIDE)

    def __post_init__(self) -> None:
        for key in ("beta1", "beta2"):
            if getattr(self, key) >= 1:
                raise ValueError(key, f"found {key} = 1, which divides by 1 - 1^t = 0 in the bias "
                                      "correction; expected a decay rate below 1")

    @property
    def weight_decay(self) -> float | None:
        return None

    def spec(self) -> dict[str, object]:
        out: dict[str, object] = {"name": self.name, "beta1": self.beta1, "beta2": self.beta2,
                                  "epsilon": self.epsilon}
        if self.weight_decay is not None:
            out["weight_decay"] = self.weight_decay
        return out | {"epsilon_inside_sqrt": self.epsilon_inside_sqrt}

    def initial_state(self, param: np.ndarray) -> State:
        return {"m": np.zeros_like(param), "v": np.zeros_like(param)}

    def step(self, param: np.ndarray, grad: np.ndarray, state: State, t: int) -> tuple[np.ndarray, State]:
        b1, b2, eta = self.beta1, self.beta2, self.learning_rate
        m = b1 * state["m"] + (1 - b1) * grad
        v = b2 * state["v"] + (1 - b2) * (grad * grad)
        m_hat = m / (1 - b1 ** float(t))
        v_hat = v / (1 - b2 ** float(t))
        lam = self.weight_decay
        start = param - eta * lam * param if lam is not None else param
        new = start - eta * m_hat / root(v_hat, self.epsilon, self.epsilon_inside_sqrt)
        return new, {"m": m, "v": v, "m_hat": m_hat, "v_hat": v_hat}

    def record(self, rec: UpdateSink, slot: Slot, old: Operand, grad: Operand, new: float,
               before: Mapping[str, float], after: Mapping[str, float]) -> None:
        b1 = rec.hyperparameter("beta1", BETA1.symbol, self.beta1)
        b2 = rec.hyperparameter("beta2", BETA2.symbol, self.beta2)
        t = rec.hyperparameter("t", "t", float(rec.step))
        m = state_entry(rec, slot, "m", MovingAverage(), [b1, previous(rec, slot, "m", before), grad], after["m"])
        v = state_entry(rec, slot, "v", MovingAverage(squared=True), [b2, previous(rec, slot, "v", before), grad],
                        after["v"])
        m_hat = state_entry(rec, slot, "m_hat", BiasCorrection("m"), [m, b1, t], after["m_hat"])
        v_hat = state_entry(rec, slot, "v_hat", BiasCorrection("v"), [v, b2, t], after["v_hat"])
        eta = rec.hyperparameter("eta", "\\eta", self.learning_rate)
        eps = rec.hyperparameter("epsilon", EPSILON.symbol, self.epsilon)
        lam = self.weight_decay
        decay = [rec.hyperparameter("weight_decay", DECAY.symbol, lam)] if lam is not None else []
        op = AdaptiveStep("m_hat", "v_hat", self.epsilon_inside_sqrt, decoupled=lam is not None)
        new_value(rec, slot, op, [old, eta, *decay, m_hat, v_hat, eps], new)


@dataclass(frozen=True)
class AdamW(Adam):
    decay_rate: float = 0.01
    name: ClassVar[str] = "adamw"
    hyperparameters: ClassVar[tuple[Hyper, ...]] = (
        BETA1, BETA2, EPSILON, DECAY, INSIDE)

    @property
    def weight_decay(self) -> float | None:
        return self.decay_rate

    @classmethod
    def build(cls, learning_rate: float, values: dict) -> AdamW:
        """The problem file's ``weight_decay`` is the field ``decay_rate`` (the property is shared with Adam)."""
        values = dict(values)
        if "weight_decay" in values:
            values["decay_rate"] = values.pop("weight_decay")
        return cls(learning_rate, **values)
