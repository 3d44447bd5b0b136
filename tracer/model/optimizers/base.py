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

from ...engine.ops import Op, Operand, Update
from .ops import AdaptiveStep

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
            operands: list[Operand], value: float, key_extra: tuple = ()) -> Operand: ...

    #: The step being recorded: the update count t (one update per step, counted from 1).
    step: int

    def hyperparameter(self, name: str, latex: str, value: float) -> Operand:
        """A number the problem states (η, β1...), shown as written."""
        ...

    def previous(self, kind: str, layer: int, neuron: int | None, source: int | None, value: float) -> Operand:
        """A state's value before this step (0 at step 1), named like the state with ``prev``."""
        ...



class Optimizer(Protocol):
    """Moves parameters; one instance serves every parameter array of a run."""

    name: ClassVar[str]
    #: The kinds of the state entries it records for one element, in order.
    state_kinds: ClassVar[tuple[str, ...]]

    @property
    def learning_rate(self) -> float:
        """η (read-only: optimizers are frozen values)."""
        ...

    def spec(self) -> str | dict[str, object]:
        """As a problem file writes it, every default filled in (``sgd`` for plain descent)."""
        ...

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
    state_kinds: ClassVar[tuple[str, ...]] = ()

    def spec(self) -> str | dict[str, object]:
        return "sgd"

    def initial_state(self, param: np.ndarray) -> State:
        return {}

    def step(self, param: np.ndarray, grad: np.ndarray, state: State, t: int) -> tuple[np.ndarray, State]:
        return param - self.learning_rate * grad, state

    def record(self, rec: UpdateSink, slot: Slot, old: Operand, grad: Operand, new: float,
               before: Mapping[str, float], after: Mapping[str, float]) -> None:
        eta = rec.hyperparameter("eta", "\\eta", self.learning_rate)
        rec.add(NEW_KIND[slot.kind], slot.layer, slot.neuron, slot.source, _UPDATE, [old, eta, grad], new)


@dataclass(frozen=True)
class Hyper:
    """One hyperparameter a problem file may set in ``training.optimizer``."""

    name: str
    default: float | bool | str
    what: str
    low: float | None = None
    high: float | None = None
    positive: bool = False
    choices: tuple[str, ...] = ()
    #: Its symbol in the formulas (LaTeX), or "" for a switch (nesterov, form) that has none.
    symbol: str = ""


def stated(optimizer: object) -> list[tuple[str, float]]:
    """The optimizer's numeric hyperparameters with their symbols, in the order it declares
    them, as (LaTeX symbol, value): Adam's β_1 = 0.9, β_2 = 0.999, ε = 1e-08; SGD's none."""
    return [(h.symbol, float(getattr(optimizer, h.name)))
            for h in getattr(optimizer, "hyperparameters", ()) if h.symbol]


EPSILON = Hyper("epsilon", 1e-8, "a small number added to the root's denominator, greater than 0", positive=True,
                symbol="\\epsilon")
INSIDE = Hyper("epsilon_inside_sqrt", False, "true (ε under the root) or false")


def state_entry(rec: UpdateSink, slot: Slot, kind: str, op: Op, operands: list[Operand], value: float) -> Operand:
    """One state entry of an element, indexed like the parameter it belongs to."""
    return rec.add(kind, slot.layer, slot.neuron, slot.source, op, operands, value)


def previous(rec: UpdateSink, slot: Slot, kind: str, before: Mapping[str, float]) -> Operand:
    """The state's value before the step, as an operand."""
    return rec.previous(kind, slot.layer, slot.neuron, slot.source, before[kind])


def new_value(rec: UpdateSink, slot: Slot, op: Op, operands: list[Operand], new: float) -> None:
    """The parameter's new value, the last entry of its update (its first operand the old
    value: the recorder shows the new one with enough digits to show the change)."""
    rec.add(NEW_KIND[slot.kind], slot.layer, slot.neuron, slot.source, op, operands, new)


def root(x: np.ndarray, eps: float, inside: bool) -> np.ndarray:
    """√s + ε, or √(s + ε): the denominator of an adaptive step (as ``AdaptiveStep.evaluate``)."""
    return np.sqrt(x + eps) if inside else np.sqrt(x) + eps


class SquaredGradientCache:
    """Adagrad and RMSProp: the step divided by the root of a per-element cache of squared
    gradients, w ← w − η·g / (√s + ε) (or √(s + ε)). The two differ only in how the cache
    moves (``moved``, and the entry ``record_cache`` logs for it); the state, the step and
    the update entry are this class's."""

    learning_rate: float
    epsilon: float
    epsilon_inside_sqrt: bool
    state_kinds: ClassVar[tuple[str, ...]] = ("cache",)

    def moved(self, cache: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """The cache after this step's gradient."""
        raise NotImplementedError

    def record_cache(self, rec: UpdateSink, slot: Slot, grad: Operand, before: Mapping[str, float],
                     after: Mapping[str, float]) -> Operand:
        """The entry of the cache's new value."""
        raise NotImplementedError

    def initial_state(self, param: np.ndarray) -> State:
        return {"cache": np.zeros_like(param)}

    def step(self, param: np.ndarray, grad: np.ndarray, state: State, t: int) -> tuple[np.ndarray, State]:
        s = self.moved(state["cache"], grad)
        return param - self.learning_rate * grad / root(s, self.epsilon, self.epsilon_inside_sqrt), {"cache": s}

    def record(self, rec: UpdateSink, slot: Slot, old: Operand, grad: Operand, new: float,
               before: Mapping[str, float], after: Mapping[str, float]) -> None:
        s = self.record_cache(rec, slot, grad, before, after)
        eta = rec.hyperparameter("eta", "\\eta", self.learning_rate)
        eps = rec.hyperparameter("epsilon", EPSILON.symbol, self.epsilon)
        new_value(rec, slot, AdaptiveStep("grad", "cache", self.epsilon_inside_sqrt), [old, eta, grad, s, eps], new)
