"""Optimizers: one class per module, each with its state, its step and the entries it records.

``base`` holds the protocol (``Optimizer``, ``UpdateSink``, ``Slot``) and plain gradient
descent; ``OPTIMIZERS`` names every optimizer once, and ``parse_optimizer`` reads a problem
file's ``training.optimizer`` (``sgd``, or a mapping with ``name`` and the optimizer's
hyperparameters, every one optional).
"""
from __future__ import annotations

from typing import Any

from ..schema import MISSING, Reader, one_of
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .base import NEW_KIND, SGD, Hyper, Optimizer, Slot, State, UpdateSink, stated
from .momentum import Momentum
from .rmsprop import RMSProp

__all__ = ["NEW_KIND", "OPTIMIZERS", "SGD", "STATE_KINDS", "Adagrad", "Adam", "AdamW", "Hyper", "Momentum",
           "Optimizer", "RMSProp", "Slot", "State", "UpdateSink", "parse_optimizer", "stated"]

#: Every optimizer by the name a problem file gives it.
OPTIMIZERS: dict[str, Any] = {cls.name: cls for cls in (SGD, Momentum, Adagrad, RMSProp, Adam, AdamW)}
#: The kinds of optimizer-state entries (JSON ``kind``), in the order they are recorded.
STATE_KINDS = ("velocity", "cache", "m", "v", "m_hat", "v_hat")
OPTIMIZER_HELP = f"sgd, or a mapping {{name: ..., <hyperparameter>: ...}} with name {one_of(OPTIMIZERS)}"


def parse_optimizer(value: Any, learning_rate: float, r: Reader) -> Optimizer | None:
    """``training.optimizer`` as an optimizer; None for plain gradient descent (the default)."""
    if value is MISSING or value is None:
        return None
    if isinstance(value, str):
        spec: dict[str, Any] = {"name": value}
        rn = r
    else:
        hypers = {h.name for cls in OPTIMIZERS.values() for h in getattr(cls, "hyperparameters", ())}
        spec = dict(r.mapping(value, ("name", *sorted(hypers)), what=OPTIMIZER_HELP,
                              required={"name": f"an optimizer, {one_of(OPTIMIZERS)}"}))
        rn = r.at("name")
    cls = OPTIMIZERS[rn.choice(spec["name"], OPTIMIZERS)]
    own = {h.name: h for h in getattr(cls, "hyperparameters", ())}
    values: dict[str, Any] = {}
    for key, raw in spec.items():
        if key == "name":
            continue
        if key not in own:
            takes = f"takes only {', '.join(own)}" if own else "takes no hyperparameters"
            raise r.at(key).fail(f"found {key} for {cls.name}, which {takes}; expected only "
                                 + ", ".join(["'name'", *(repr(k) for k in own)]))
        h, rk = own[key], r.at(key)
        if isinstance(h.default, bool):
            values[key] = rk.boolean(raw)
        elif isinstance(h.default, str):
            values[key] = rk.choice(raw, h.choices)
        else:
            values[key] = rk.number(raw, h.what, low=h.low, high=h.high, positive=h.positive)
    if cls is SGD:
        return None
    try:
        return cls.build(learning_rate, values) if hasattr(cls, "build") else cls(learning_rate, **values)
    except ValueError as exc:  # a combination the constructor rejects: (the key to blame, the message)
        key, message = exc.args
        raise (r.at(key) if key in spec else r).fail(message) from None
