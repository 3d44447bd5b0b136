"""Problem files: load, validate, fill in defaults, resolve initial weights.

A Problem is immutable and complete: the engine never looks at raw input, and
``to_dict`` gives back the problem with every default filled in (the trace log's header).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import yaml

from .activations import ACTIVATIONS, Activation
from .errors import ProblemError
from .losses import LOSSES, Loss
from .rounding import MODES, Rounding
from .schema import MISSING, Reader

Matrix = tuple[tuple[float, ...], ...]
BIAS_MODES = ("per_neuron", "per_layer", "none")
TOP_FIELDS = ("title", "network", "loss", "training", "data", "show_steps", "notation",
              "rounding", "ask", "description")
NETWORK_FIELDS = ("layers", "activation", "bias", "weights", "biases", "init")
TRAINING_FIELDS = ("learning_rate", "epochs", "batch_size", "update_biases")
INIT_FIELDS = ("distribution", "low", "high", "mean", "std", "seed", "decimals")
DEFAULT_TITLE = "Backpropagation, step by step"


@dataclass(frozen=True)
class Example:
    input: tuple[float, ...]
    target: tuple[float, ...]


@dataclass(frozen=True)
class Training:
    learning_rate: float
    epochs: int = 1
    batch_size: int = 1
    update_biases: bool = True


@dataclass(frozen=True)
class Problem:
    """A small fully connected network, its data and how to present the computation."""

    layers: tuple[int, ...]
    activations: tuple[Activation, ...]
    weights: tuple[Matrix, ...]            # weights[l-1][j][i]: neuron i of layer l-1 -> neuron j of layer l
    biases: tuple[tuple[float, ...], ...]  # per layer: n values (per_neuron), 1 (per_layer), 0 (none)
    loss_name: str
    training: Training
    data: tuple[Example, ...]
    title: str = DEFAULT_TITLE
    bias: str = "per_neuron"
    show_steps: tuple[int | str, ...] | str | None = None
    notation: str | Mapping[str, str] = "letters"
    rounding: Rounding = field(default_factory=Rounding)
    ask: tuple[str, ...] = ()
    description: str = ""
    source: str = "<problem>"

    # --- construction -------------------------------------------------------
    @classmethod
    def from_file(cls, path: str | Path) -> "Problem":
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ProblemError(f"{path}: cannot read the problem file ({exc.strerror or exc})") from None
        return cls.from_text(text, source=str(path))

    @classmethod
    def from_text(cls, text: str, source: str = "<problem>") -> "Problem":
        try:
            raw = json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
        except (yaml.YAMLError, json.JSONDecodeError) as exc:
            line = getattr(getattr(exc, "problem_mark", None), "line", getattr(exc, "lineno", None))
            where = f" at line {line + 1 if hasattr(exc, 'problem_mark') else line}" if line is not None else ""
            reason = getattr(exc, "problem", None) or getattr(exc, "msg", None) or "invalid syntax"
            raise ProblemError(f"{source}: not valid YAML or JSON{where}: {reason}") from None
        return cls.from_dict(raw, source=source)

    @classmethod
    def from_dict(cls, raw: Any, source: str = "<problem>") -> "Problem":
        return _parse(raw, Reader(source))

    # --- derived facts ------------------------------------------------------
    @property
    def loss(self) -> Loss:
        return LOSSES[self.loss_name](n=self.layers[-1])

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(len(self.data) / self.training.batch_size)

    @property
    def total_steps(self) -> int:
        return self.steps_per_epoch * self.training.epochs

    def recorded_steps(self) -> frozenset[int]:
        """Steps recorded in full: all when there are at most 10, else the first and last."""
        total = self.total_steps
        chosen = self.show_steps
        if chosen is None:
            chosen = "all" if total <= 10 else (1, "last")
        if chosen == "all":
            return frozenset(range(1, total + 1))
        return frozenset(total if s == "last" else int(s) for s in chosen)

    def to_dict(self) -> dict:
        """The problem with every default filled in and the initial weights resolved."""
        net: dict[str, Any] = {
            "layers": list(self.layers),
            "activation": [a.spec() for a in self.activations],
            "bias": self.bias,
            "weights": [[list(row) for row in m] for m in self.weights],
        }
        if self.bias == "per_layer":
            net["biases"] = [b[0] for b in self.biases]
        elif self.bias == "per_neuron":
            net["biases"] = [list(b) for b in self.biases]
        out: dict[str, Any] = {"title": self.title}
        if self.description:
            out["description"] = self.description
        out |= {
            "network": net,
            "loss": self.loss_name,
            "training": {"learning_rate": self.training.learning_rate, "epochs": self.training.epochs,
                         "batch_size": self.training.batch_size,
                         "update_biases": self.training.update_biases},
            "data": [{"input": list(e.input), "target": list(e.target)} for e in self.data],
            "show_steps": sorted(self.recorded_steps()),
            "notation": self.notation if isinstance(self.notation, str) else dict(self.notation),
            "rounding": {"digits": self.rounding.digits, "mode": self.rounding.mode,
                         "carry": self.rounding.carry},
        }
        if self.ask:
            out["ask"] = list(self.ask)
        return out


# --- parsing ------------------------------------------------------------------
def _parse(raw: Any, r: Reader) -> Problem:
    if raw is None:
        raise r.fail("the problem file is empty; expected a mapping with network, training and data")
    top = r.mapping(raw, TOP_FIELDS, required=("network", "training", "data"))
    net = r.at("network").mapping(top["network"], NETWORK_FIELDS, required=("layers",))
    layers = _layers(net["layers"], r.at("network").at("layers"))
    activations = _activations(net.get("activation", "sigmoid"), layers, r.at("network").at("activation"))
    bias = r.at("network").at("bias").choice(net.get("bias", "per_neuron"), BIAS_MODES)
    weights, biases = _parameters(net, layers, bias, r.at("network"))
    loss_name = r.at("loss").choice(top.get("loss", "half_squared_error"), LOSSES)
    training = _training(top["training"], r.at("training"))
    data = _data(top["data"], layers, r.at("data"))
    _check_combination(activations, LOSSES[loss_name], data, r)
    if training.batch_size > len(data):
        raise r.at("training").at("batch_size").expected(
            training.batch_size, f"at most the number of examples ({len(data)})")
    problem = Problem(
        layers=layers, activations=activations, weights=weights, biases=biases,
        loss_name=loss_name, training=training, data=data,
        title=r.at("title").text(top.get("title", DEFAULT_TITLE)), bias=bias,
        show_steps=None, notation=_notation(top.get("notation", "letters"), r.at("notation")),
        rounding=_rounding(top.get("rounding", {}), r.at("rounding")),
        ask=tuple(r.at("ask").text(a) for a in r.at("ask").sequence(top.get("ask", []), "a list of names")),
        description=r.at("description").text(top.get("description", "")),
        source=r.source,
    )
    steps = _show_steps(top.get("show_steps", MISSING), problem.total_steps, r.at("show_steps"))
    return _replace_show_steps(problem, steps)


def _replace_show_steps(problem: Problem, steps) -> Problem:
    from dataclasses import replace
    return replace(problem, show_steps=steps)


def _layers(value: Any, r: Reader) -> tuple[int, ...]:
    items = r.sequence(value, "a list of at least 2 layer sizes, input layer first", min_len=2)
    return tuple(r.at(k).integer(v, "a layer size of at least 1", minimum=1) for k, v in enumerate(items))


def _activation(value: Any, r: Reader) -> Activation:
    if isinstance(value, Mapping):
        spec = r.mapping(value, ("name", "alpha"), required=("name",))
        cls = ACTIVATIONS[r.at("name").choice(spec["name"], ACTIVATIONS)]
        if "alpha" in spec:
            if cls.__name__ != "LeakyReLU":
                raise r.at("alpha").fail(f"'{cls.name}' takes no parameters; expected only 'name'")
            return cls(alpha=r.at("alpha").number(spec["alpha"], "a slope between 0 and 1", low=0, high=1))
        return cls()
    return ACTIVATIONS[r.choice(value, ACTIVATIONS)]()


def _activations(value: Any, layers: tuple[int, ...], r: Reader) -> tuple[Activation, ...]:
    n = len(layers) - 1
    if isinstance(value, list):
        if len(value) != n:
            raise r.fail(f"found {len(value)} activations; expected {n}, one per non-input layer")
        acts = tuple(_activation(v, r.at(k)) for k, v in enumerate(value))
    else:
        acts = (_activation(value, r),) * n
    for k, act in enumerate(acts[:-1]):
        if act.layerwise:
            where = r.at(k) if isinstance(value, list) else r
            raise where.fail("softmax is allowed on the output layer only; expected another activation "
                             f"for hidden layer {k + 1}")
    return acts


def _matrix(value: Any, rows: int, cols: int, layer: int, r: Reader) -> Matrix:
    shape = f"{rows}×{cols} ({rows} receiving neurons of layer {layer} × {cols} sending neurons of layer {layer - 1})"
    items = r.sequence(value, f"a {shape} matrix")
    if len(items) != rows or any(not isinstance(row, (list, tuple)) or len(row) != cols for row in items):
        found = f"{len(items)}×{'/'.join(str(len(x)) if isinstance(x, (list, tuple)) else '?' for x in items)}"
        raise r.fail(f"weight matrix of layer {layer} has shape {found}; expected {shape}")
    return tuple(tuple(r.at(j).at(i).number(x) for i, x in enumerate(row)) for j, row in enumerate(items))


def _parameters(net: Mapping, layers: tuple[int, ...], bias: str, r: Reader):
    if "init" in net:
        for name in ("weights", "biases"):
            if name in net:
                raise r.at(name).fail("given together with init; expected one of the two")
        return _initialise(net["init"], layers, bias, r.at("init"))
    if "weights" not in net:
        raise r.at("weights").fail("missing required field; expected weights (and biases) or init")
    mats = r.at("weights").sequence(net["weights"], f"{len(layers) - 1} weight matrices")
    if len(mats) != len(layers) - 1:
        raise r.at("weights").fail(f"found {len(mats)} weight matrices; expected {len(layers) - 1}, "
                                   "one per non-input layer")
    weights = tuple(_matrix(m, layers[l + 1], layers[l], l + 1, r.at("weights").at(l))
                    for l, m in enumerate(mats))
    return weights, _biases(net.get("biases", MISSING), layers, bias, r.at("biases"))


def _biases(value: Any, layers: tuple[int, ...], bias: str, r: Reader):
    n = len(layers) - 1
    if bias == "none":
        if value is not MISSING:
            raise r.fail("given with bias: none; expected no biases")
        return ((),) * n
    if value is MISSING:
        raise r.fail(f"missing required field; expected biases for bias: {bias}")
    items = r.sequence(value, f"a list of {n} biases, one per non-input layer")
    if len(items) != n:
        raise r.fail(f"found {len(items)} entries; expected {n}, one per non-input layer")
    if bias == "per_layer":
        return tuple((r.at(l).number(v, "one number (a shared bias per layer)"),) for l, v in enumerate(items))
    return tuple(r.at(l).numbers(v, layers[l + 1], f"one bias per neuron of layer {l + 1}")
                 for l, v in enumerate(items))


def _initialise(value: Any, layers: tuple[int, ...], bias: str, r: Reader):
    spec = r.mapping(value, INIT_FIELDS)
    dist = r.at("distribution").choice(spec.get("distribution", "uniform"), ("uniform", "normal"))
    seed = r.at("seed").integer(spec.get("seed", 0), "a whole number seed")
    decimals = r.at("decimals").integer(spec.get("decimals", 2), "a number of decimals from 0 to 10")
    rng = np.random.default_rng(seed)
    if dist == "uniform":
        low = r.at("low").number(spec.get("low", 0.0))
        high = r.at("high").number(spec.get("high", 1.0))
        if high <= low:
            raise r.at("high").expected(high, f"a number greater than low ({low})")
        draw = lambda shape: rng.uniform(low, high, shape)  # noqa: E731
    else:
        mean = r.at("mean").number(spec.get("mean", 0.0))
        std = r.at("std").number(spec.get("std", 1.0), positive=True)
        draw = lambda shape: rng.normal(mean, std, shape)  # noqa: E731

    def rounded(shape) -> np.ndarray:
        return np.round(draw(shape), decimals) + 0.0  # + 0.0 turns -0.0 into 0.0

    weights = tuple(tuple(tuple(float(x) for x in row) for row in rounded((layers[l + 1], layers[l])))
                    for l in range(len(layers) - 1))
    count = {"none": lambda l: 0, "per_layer": lambda l: 1, "per_neuron": lambda l: layers[l + 1]}[bias]
    biases = tuple(tuple(float(x) for x in rounded(count(l))) for l in range(len(layers) - 1))
    return weights, biases


def _training(value: Any, r: Reader) -> Training:
    spec = r.mapping(value, TRAINING_FIELDS, required=("learning_rate",))
    return Training(
        learning_rate=r.at("learning_rate").number(spec["learning_rate"], "a learning rate", positive=True),
        epochs=r.at("epochs").integer(spec.get("epochs", 1), "a whole number of epochs of at least 1", minimum=1),
        batch_size=r.at("batch_size").integer(spec.get("batch_size", 1), "a batch size of at least 1", minimum=1),
        update_biases=r.at("update_biases").boolean(spec.get("update_biases", True)),
    )


def _data(value: Any, layers: tuple[int, ...], r: Reader) -> tuple[Example, ...]:
    items = r.sequence(value, "a non-empty list of examples {input: [...], target: [...]}", min_len=1)
    examples = []
    for k, item in enumerate(items):
        e = r.at(k).mapping(item, ("input", "target"), required=("input", "target"))
        examples.append(Example(
            input=r.at(k).at("input").numbers(e["input"], layers[0], "one per input neuron"),
            target=r.at(k).at("target").numbers(e["target"], layers[-1], "one per output neuron"),
        ))
    return tuple(examples)


def _check_combination(activations, loss_cls: type[Loss], data, r: Reader) -> None:
    output = activations[-1]
    if loss_cls.needs_softmax and output.name != "softmax":
        raise r.at("loss").fail(f"cross_entropy needs a softmax output layer, found '{output.name}'; "
                                "expected activation softmax on the last layer (or binary_cross_entropy)")
    if loss_cls.name in ("binary_cross_entropy", "cross_entropy"):
        for k, e in enumerate(data):
            for j, t in enumerate(e.target):
                if not 0 <= t <= 1:
                    raise r.at("data").at(k).at("target").at(j).expected(
                        t, f"a target between 0 and 1 for {loss_cls.name}")
    if loss_cls.name == "cross_entropy":
        for k, e in enumerate(data):
            if abs(math.fsum(e.target) - 1) > 1e-9:
                raise r.at("data").at(k).at("target").expected(
                    list(e.target), "targets that add up to 1 (a class distribution) for cross_entropy")
    if loss_cls.name == "binary_cross_entropy" and output.name not in ("sigmoid",):
        raise r.at("loss").fail(f"binary_cross_entropy needs outputs in (0, 1), found activation "
                                f"'{output.name}'; expected sigmoid on the last layer")


def _show_steps(value: Any, total: int, r: Reader):
    if value is MISSING or value is None:
        return None
    if value == "all" or value == "last":
        return value if value == "all" else ("last",)
    items = r.sequence(value, "all, or a list of step numbers ('last' allowed)", min_len=1)
    steps: list[int | str] = []
    for k, s in enumerate(items):
        if s == "last":
            steps.append("last")
            continue
        n = r.at(k).integer(s, f"a step number from 1 to {total}, or 'last'", minimum=1)
        if n > total:
            raise r.at(k).expected(s, f"a step number from 1 to {total} (the run has {total} steps), or 'last'")
        steps.append(n)
    return tuple(steps)


def _notation(value: Any, r: Reader) -> str | Mapping[str, str]:
    from .notation import Notation
    try:
        Notation.from_spec((2, 2, 2), "per_neuron", value)
    except ValueError as exc:
        raise r.fail(str(exc)) from None
    return value if isinstance(value, str) else dict(value)


def _rounding(value: Any, r: Reader) -> Rounding:
    spec = r.mapping(value, ("digits", "mode", "carry"))
    return Rounding(
        digits=r.at("digits").integer(spec.get("digits", 4), "a number of digits from 1 to 15", minimum=1),
        mode=r.at("mode").choice(spec.get("mode", "round"), MODES),  # type: ignore[arg-type]
        carry=r.at("carry").boolean(spec.get("carry", False)),
    )
