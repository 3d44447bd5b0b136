"""``conventions:``: how a textbook writes the same arithmetic (signs, thresholds, numbering).

One table, ``FIELDS``, names every convention a problem file may set, its allowed values
(the first is the default) and what it means; a new convention is one line there. Each
kind of problem says which keys it reads (``parse(..., allowed=...)``): a dense network
reads ``DENSE``, a convolutional one ``convolution`` and ``index_base``, so a key that a
problem would ignore is an error naming the keys it does read.

    conventions: {bias: subtracted, show_change: true}
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .schema import Reader, short

Value = str | int | bool


@dataclass(frozen=True)
class Convention:
    """One key of ``conventions:``: its values (the first is the default) and their meaning."""

    name: str
    values: tuple[Value, ...]
    meaning: str

    @property
    def default(self) -> Value:
        return self.values[0]

    def accepts(self, value: Any) -> bool:
        """Exactly one of the values, type included: YAML's true is not 1, nor '1' 1."""
        return any(type(value) is type(v) and value == v for v in self.values)

    def help(self) -> str:
        return f"{' or '.join(_yaml(v) for v in self.values)} ({self.meaning})"


def _yaml(value: Value) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


FIELDS: dict[str, Convention] = {c.name: c for c in (
    Convention("bias", ("added", "subtracted"), "subtracted: a threshold θ, net = Σ w·x − θ"),
    Convention("error", ("gradient", "negative_gradient"), "negative_gradient prints Err = −∂E/∂net"),
    Convention("show_change", (False, True), "print Δw = new − old before each new value"),
    Convention("index_base", (1, 0), "the number of the first neuron, weight and layer in names"),
    Convention("update", ("batch_mean", "batch_sum"), "how a batch combines its gradients"),
    Convention("convolution", ("cross_correlation", "convolution"), "whether a kernel is flipped"),
)}
#: The keys a fully connected network (or a single-layer learning rule) reads.
DENSE = ("bias", "error", "show_change", "index_base", "update")


class Conventions(Mapping[str, Value]):
    """The conventions of one problem, every key of ``FIELDS`` filled in (defaults included).

    ``conventions.bias`` or ``conventions["bias"]``; ``to_dict()`` gives only what differs
    from the defaults, so a problem that sets none writes no ``conventions`` into its log.
    """

    def __init__(self, values: Mapping[str, Value] | None = None) -> None:
        given = dict(values or {})
        for key in given:
            if key not in FIELDS:
                raise KeyError(key)
        self._values = {name: given.get(name, c.default) for name, c in FIELDS.items()}

    def __getitem__(self, key: str) -> Value:
        return self._values[key]

    def __getattr__(self, key: str) -> Any:
        try:
            return self.__dict__["_values"][key]
        except KeyError:
            raise AttributeError(key) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Conventions) and self._values == other._values

    def __hash__(self) -> int:
        return hash(tuple(self._values.items()))

    def __repr__(self) -> str:
        return f"Conventions({self.to_dict()!r})"

    def to_dict(self) -> dict[str, Value]:
        """The keys set to something other than their default, in ``FIELDS`` order."""
        return {k: v for k, v in self._values.items()
                if v != FIELDS[k].default or type(v) is not type(FIELDS[k].default)}

    def is_default(self, key: str) -> bool:
        return key not in self.to_dict()


def parse(value: Any, r: Reader, allowed: Iterable[str] = DENSE) -> Conventions:
    """``conventions:`` read field by field; every complaint is one line naming the key."""
    allowed = tuple(allowed)
    what = "a mapping {" + ", ".join(f"{k}: {'|'.join(_yaml(v) for v in FIELDS[k].values)}"
                                     for k in allowed) + "}"
    if value is None:
        return Conventions()
    spec = r.mapping(value, allowed, what=what)
    values: dict[str, Value] = {}
    for key, given in spec.items():
        convention = FIELDS[key]
        if not convention.accepts(given):
            raise r.at(str(key)).fail(f"found {short(given)}; expected {convention.help()}")
        values[key] = given
    return Conventions(values)
