"""Optimizers: how a parameter moves given its gradient, with per-parameter state.

An optimizer works on one parameter array at a time (a layer's weights, or its biases):
``initial_state`` gives the state it keeps for that array (SGD none; momentum would keep
a ``velocity``, Adam ``m`` and ``v``, each the array's shape, starting at 0), ``step``
computes the new array and the new state from the gradient (``t`` counts updates from
1), and ``record`` logs, for one element, the state entries (kinds named after the
state: ``velocity``, ``m``...) and then the new value (kind ``new_w`` or ``new_b``),
each as an op on operands, indexed like the parameter (``Slot``).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, NamedTuple, Protocol

import numpy as np

from ..engine.ops import Op, Operand, Update

_UPDATE = Update()

#: The state an optimizer keeps for one parameter array, by name.
State = dict[str, np.ndarray]
#: The kind of the entry holding a parameter's new value.
NEW_KIND = {"weight": "new_w", "bias": "new_b", "kernel": "new_k"}


class Slot(NamedTuple):
    """Which element is updated: a weight (layer, neuron, source) or a bias (source None)."""

    kind: str            # weight | bias
    layer: int
    neuron: int | None   # None: a bias shared by the layer
    source: int | None = None


class UpdateSink(Protocol):
    """What an optimizer records its entries into (``engine.trace.Recorder``)."""

    def add(self, kind: str, layer: int, neuron: int | None, source: int | None, op: Op,
            operands: list[Operand], value: float, shown: str | None = None,
            key_extra: tuple = ()) -> Operand: ...

    def hyperparameter(self, name: str, latex: str, value: float) -> Operand:
        """A number the problem states (η, β1...), shown as written."""
        ...

    def show_change(self, new: float, old: float) -> str:
        """A new parameter value, shown with enough digits that a change stays visible."""
        ...


class Optimizer(Protocol):
    """Moves parameters; one instance serves every parameter array of a run."""

    name: ClassVar[str]

    def initial_state(self, param: np.ndarray) -> State: ...

    def step(self, param: np.ndarray, grad: np.ndarray, state: State, t: int) -> tuple[np.ndarray, State]: ...

    def record(self, rec: UpdateSink, slot: Slot, old: Operand, grad: Operand, new: float,
               before: Mapping[str, float], after: Mapping[str, float]) -> None:
        """The entries of one element's update: its state (``before`` → ``after``), then its new value."""
        ...


@dataclass(frozen=True)
class SGD:
    """Plain gradient descent, w ← w − η·g; no state."""

    learning_rate: float
    name: ClassVar[str] = "sgd"

    def initial_state(self, param: np.ndarray) -> State:
        return {}

    def step(self, param: np.ndarray, grad: np.ndarray, state: State, t: int) -> tuple[np.ndarray, State]:
        return param - self.learning_rate * grad, state

    def record(self, rec: UpdateSink, slot: Slot, old: Operand, grad: Operand, new: float,
               before: Mapping[str, float], after: Mapping[str, float]) -> None:
        eta = rec.hyperparameter("eta", "\\eta", self.learning_rate)
        rec.add(NEW_KIND[slot.kind], slot.layer, slot.neuron, slot.source, _UPDATE, [old, eta, grad], new,
                rec.show_change(new, old.value))
