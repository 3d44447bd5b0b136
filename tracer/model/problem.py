"""Problem files: load, validate, fill in defaults, resolve initial weights.

A Problem is immutable and complete: the engine never looks at raw input, and
``to_dict`` gives back the problem with every default filled in (the trace log's header).
"""
from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ..engine.rounding import MODES, Rounding
from ..errors import ProblemError
from . import conventions as conv
from . import yamlload
from .activations import ACTIVATIONS, DEFAULT_ACTIVATION, Activation
from .layers import Dense, dense_stack
from .losses import DEFAULT_LOSS, LOSSES, Loss
from .notation import KINDS, STATE_KINDS, Names, Notation, preset_names
from .optimizers import SGD, Optimizer, parse_optimizer
from .regularization import Regularization, parse_regularization
from .rules import RULES
from .schema import MISSING, Reader, one_of, short

Matrix = tuple[tuple[float, ...], ...]
BIAS_MODES = ("per_neuron", "per_layer", "none")
TOP_FIELDS = ("title", "network", "loss", "training", "data", "show_steps", "notation",
              "rounding", "ask", "description", "variants", "style", "tolerance", "conventions")
#: Walkthrough styles (tracer/render): a problem file may name the one it reads best in.
STYLES = ("narrative", "chain-rule", "matrix", "symbolic")
NETWORK_FIELDS = ("layers", "activation", "bias", "weights", "biases", "init")
TRAINING_FIELDS = ("learning_rate", "epochs", "batch_size", "update_biases", "optimizer", "regularization", "rule")
INIT_FIELDS = ("distribution", "low", "high", "mean", "std", "seed", "decimals")
DISTRIBUTION_FIELDS = {"uniform": ("low", "high"), "normal": ("mean", "std")}
DEFAULT_TITLE = "Backpropagation, step by step"
#: What ``tracer variants`` may redraw, and the grid of each: see VariantSpec.
VARIANT_FIELDS = ("weights", "biases", "inputs")
RANGE_FIELDS = ("low", "high", "decimals")
MAX_VARIANT_DECIMALS = 4
VARIANTS_HELP = "a mapping {weights: {low: -0.9, high: 0.9, decimals: 1}, biases: ..., inputs: ...}"
#: ``tolerance:`` is written as ``tracer check --tolerance`` reads it (check/compare.Tolerance.parse).
TOLERANCE_SYNTAX = re.compile(r"[1-9][0-9]*sf|(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?%?")
TOLERANCE_HELP = "an absolute amount (0.001), a relative one (1%) or significant figures (3sf)"
ASK_ITEM_HELP = "a name (out_h1) or a mapping {name: out_h1, points: 2}"

#: What one run may cost, checked before anything is computed (figures on a 2-core machine):
#: weights and biases (8 bytes each, and a step recorded in full holds ~2 entries each);
MAX_PARAMETERS = 1_000_000
#: training steps (each keeps a ~800-byte history record; 2-2-2 runs ~20,000 steps a second);
MAX_STEPS = 100_000
#: multiply-adds of the whole training, steps x examples per step x weights (~10 s of numpy);
MAX_WORK = 500_000_000
#: entries recorded in full (~50 µs and 0.5 to 1.5 KB each: 200,000 is ~10 s and ~300 MB).
MAX_ENTRIES = 200_000


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
    optimizer: Optimizer | None = None             # None: plain gradient descent (sgd)
    regularization: Regularization | None = None
    rule: str | None = None             # a single-layer learning rule (model/rules.py), else backpropagation


@dataclass(frozen=True)
class DrawRange:
    """Friendly numbers for exercise variants: multiples of 10^-decimals in [low, high], never 0.

    A grid, not a continuous range, because a student computes with what is printed: 0.3
    stays 0.3 on the sheet. Zero is left out because a zero weight or input turns the
    quantities that depend on it into trivial ones (0 times anything).
    """

    low: float
    high: float
    decimals: int = 1

    def values(self) -> tuple[float, ...]:
        """The grid, ascending; k / 10**d is the double nearest the decimal, so 0.3 prints 0.3."""
        scale = 10 ** self.decimals
        first = math.ceil(round(self.low * scale, 6))
        last = math.floor(round(self.high * scale, 6))
        return tuple(k / scale for k in range(first, last + 1) if k != 0)

    def to_dict(self) -> dict[str, float | int]:
        return {"low": self.low, "high": self.high, "decimals": self.decimals}


@dataclass(frozen=True)
class VariantSpec:
    """Which numbers ``tracer variants`` redraws (None: keep the problem's own)."""

    weights: DrawRange | None = None
    biases: DrawRange | None = None
    inputs: DrawRange | None = None

    def to_dict(self) -> dict[str, dict[str, float | int]]:
        return {name: r.to_dict() for name in VARIANT_FIELDS if (r := getattr(self, name)) is not None}


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
    variants: VariantSpec | None = None    # for ``tracer variants`` only; trace ignores it
    style: str | None = None               # the walkthrough style when --style is not given
    tolerance: str | None = None           # tracer check's default --tolerance, and the exports'
    ask_points: tuple[int, ...] = ()       # points of each ask item (1 for a plain name); () = all 1
    source: str = "<problem>"
    conventions: conv.Conventions = field(default_factory=conv.Conventions)
    #: True when built by from_dict (already validated); ``Problem(...)`` in code is validated
    #: in __post_init__ exactly as from_dict validates a file.
    checked: bool = field(default=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.checked:
            return
        where = "Problem(...)"
        try:
            raw = self.to_dict()
        except Exception as exc:
            raise ProblemError(f"{where}: found fields that do not make a problem ({type(exc).__name__}: "
                               f"{short(str(exc))}); expected Problem.from_dict({{...}}) or "
                               "Problem.from_file(path)") from None
        valid = _parse(raw, Reader(where))
        for name in self.__dataclass_fields__:
            if name not in ("source", "checked", "show_steps"):
                object.__setattr__(self, name, getattr(valid, name))
        object.__setattr__(self, "checked", True)

    # --- construction -------------------------------------------------------
    @classmethod
    def from_file(cls, path: str | Path) -> Problem:
        path = Path(path)
        if path.is_dir():
            raise ProblemError(f"{path}: found a folder; expected a problem file (YAML or JSON)")
        try:
            with path.open("rb") as handle:     # at most one byte beyond the cap: a huge file is not read
                data = handle.read(yamlload.MAX_BYTES + 1)
        except OSError as exc:
            raise ProblemError(f"{path}: found no readable file ({exc.strerror or exc}); "
                               "expected a problem file (YAML or JSON)") from None
        if len(data) > yamlload.MAX_BYTES:
            raise ProblemError(f"{path}: found a file of more than {yamlload.MAX_BYTES:,} bytes; expected a "
                               "problem file of at most 1 MiB")
        return cls.from_text(_decode(data, str(path)), source=str(path))

    @classmethod
    def from_text(cls, text: str, source: str = "<problem>") -> Problem:
        return cls.from_dict(_load(text, source), source=source)

    @classmethod
    def from_dict(cls, raw: Any, source: str = "<problem>") -> Problem:
        return _parse(raw, Reader(source))

    # --- derived facts ------------------------------------------------------
    @property
    def loss(self) -> Loss:
        return LOSSES[self.loss_name](n=self.layers[-1])

    @property
    def network(self) -> tuple[Dense, ...]:
        """The layer objects the engine runs, layer 1 first."""
        return dense_stack(self.layers, self.activations, self.bias, self.conventions.bias == "subtracted")

    @property
    def optimizer(self) -> Optimizer:
        """What moves the parameters (``training.optimizer``; plain gradient descent by default)."""
        return self.training.optimizer or SGD(self.training.learning_rate)

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
        if chosen is None and self.training.rule:
            chosen = (1,)                      # a learning rule's table shows every presentation
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
                         "update_biases": self.training.update_biases,
                         **({"optimizer": self.training.optimizer.spec()} if self.training.optimizer else {}),
                         **({"regularization": self.training.regularization.spec()}
                            if self.training.regularization else {}),
                         **({"rule": self.training.rule} if self.training.rule else {})},
            "data": [{"input": list(e.input), "target": list(e.target)} for e in self.data],
            "show_steps": sorted(self.recorded_steps()),
            "notation": self.notation if isinstance(self.notation, str) else dict(self.notation),
            "rounding": {"digits": self.rounding.digits, "mode": self.rounding.mode,
                         "carry": self.rounding.carry,
                         **({"kinds": dict(self.rounding.kinds)} if self.rounding.kinds else {}),
                         **({} if self.rounding.trailing_zeros else {"trailing_zeros": False})},
        }
        if self.ask:
            points = self.ask_points or (1,) * len(self.ask)
            out["ask"] = [a if n == 1 else {"name": a, "points": n} for a, n in zip(self.ask, points)]
        if self.variants is not None:
            out["variants"] = self.variants.to_dict()
        if self.style is not None:
            out["style"] = self.style
        if self.tolerance is not None:
            out["tolerance"] = self.tolerance
        if self.conventions.to_dict():
            out["conventions"] = self.conventions.to_dict()
        return out


# --- reading --------------------------------------------------------------------
SYNTAX_HELP = "a well-formed YAML or JSON problem file"
PROBLEM_HELP = "a problem: a mapping with network, training and data"
REQUIRED_TOP = {"network": "a mapping with layers, activation, weights and biases (or init)",
                "training": "a mapping with learning_rate (and epochs, batch_size, update_biases)",
                "data": "a non-empty list of examples {input: [...], target: [...]}"}


def _decode(data: bytes, source: str) -> str:
    """UTF-8 (a leading byte-order mark is dropped); anything else is named by its line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ProblemError(f"{source}: line {line}: found the byte 0x{data[exc.start]:02x}, which is not "
                           "UTF-8; expected a UTF-8 text file") from None


def _load(text: str, source: str) -> Any:
    """JSON when it says so (the fast path), YAML otherwise; syntax errors name their line.

    YAML goes through yamlload (size, aliases, duplicate keys, YAML 1.2 scalars)."""
    as_json = source.endswith(".json") or text.lstrip().startswith("{")
    try:
        yamlload.check_size(text)
        try:
            return json.loads(text, parse_int=_json_int, object_pairs_hook=_json_object) if as_json \
                else yamlload.load(text)
        except RecursionError:
            raise yamlload.YamlLimitError(0, "found nesting deeper than Python can read; expected at most "
                                          f"{yamlload.MAX_DEPTH} levels of lists and mappings") from None
    except json.JSONDecodeError as exc:
        if not source.endswith(".json"):
            return _load_yaml_or(text, source, exc)
        raise _syntax(source, "JSON", exc.lineno, exc.colno, exc.msg) from None
    except yaml.YAMLError as exc:
        raise _yaml_syntax(text, source, exc) from None
    except yamlload.YamlLimitError as exc:
        raise _limit(source, exc) from None


def _limit(source: str, exc: yamlload.YamlLimitError) -> ProblemError:
    return ProblemError(f"{source}: {f'line {exc.line}' if exc.line else 'top level'}: {exc.message}")


def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > yamlload.MAX_INT_DIGITS:
        raise yamlload.YamlLimitError(0, f"found a whole number of {len(text.lstrip('-'))} digits; "
                                      f"expected at most {yamlload.MAX_INT_DIGITS:,} digits")
    return int(text)


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise yamlload.YamlLimitError(0, f"found the key {short(key)} twice in one object; "
                                          "expected each key once")
        out[key] = value
    return out


def _load_yaml_or(text: str, source: str, first: json.JSONDecodeError) -> Any:
    """A '{' file that is not JSON may be a YAML flow mapping; if neither, report the JSON error."""
    try:
        return yamlload.load(text)
    except yaml.YAMLError:
        raise _syntax(source, "JSON", first.lineno, first.colno, first.msg) from None
    except yamlload.YamlLimitError as exc:
        raise _limit(source, exc) from None


def _yaml_syntax(text: str, source: str, exc: yaml.YAMLError) -> ProblemError:
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        reason = getattr(exc, "problem", None) or getattr(exc, "context", None) or "invalid syntax"
        return _syntax(source, "YAML", mark.line + 1, mark.column + 1, reason)
    position = getattr(exc, "position", 0) or 0                      # yaml.reader.ReaderError
    line = text[:position].count("\n") + 1
    reason = getattr(exc, "reason", None) or "invalid characters"
    character = getattr(exc, "character", None)
    return _syntax(source, "YAML", line, None, f"character {character!r}: {reason}" if character else reason)


def _syntax(source: str, language: str, line: int, column: int | None, reason: str) -> ProblemError:
    where = f"line {line}" + (f", column {column}" if column else "")
    reason = " ".join(str(reason).split())
    return ProblemError(f"{source}: {where}: found invalid {language} ({reason}); expected {SYNTAX_HELP}")


# --- parsing ------------------------------------------------------------------
#: Other kinds of problem file, each (recognises the raw file, parses it), registered by their
#: own module when tracer.model is imported (model/conv_problem.py: convolutional networks).
PROBLEM_KINDS: list[tuple[Callable[[Any], bool], Callable[[Any, Reader], Problem]]] = []


def _parse(raw: Any, r: Reader) -> Problem:
    if raw is None:
        raise r.fail(f"found an empty file; expected {PROBLEM_HELP}")
    for recognises, parse in PROBLEM_KINDS:  # another kind of network: model/conv_problem.py
        if recognises(raw):
            return parse(raw, r)
    top = r.mapping(raw, TOP_FIELDS, required=REQUIRED_TOP, what=PROBLEM_HELP)
    rn = r.at("network")
    net = rn.mapping(top["network"], NETWORK_FIELDS, what=REQUIRED_TOP["network"],
                     required={"layers": "a list of at least 2 layer sizes, input layer first"})
    layers = _layers(net["layers"], rn.at("layers"))
    _check_size(layers, rn.at("layers"))
    activations = _activations(net.get("activation", DEFAULT_ACTIVATION.name), layers, rn.at("activation"))
    bias = rn.at("bias").choice(net.get("bias", "per_neuron"), BIAS_MODES)
    weights, biases = _parameters(net, layers, bias, rn)
    loss_name = r.at("loss").choice(top.get("loss", DEFAULT_LOSS.name), LOSSES)
    training = _training(top["training"], r.at("training"))
    data = _data(top["data"], layers, r.at("data"))
    conventions = conv.parse(top.get("conventions", {}), r.at("conventions"))
    _check_rule(training, layers, activations, conventions, bias, top, r)
    _check_combination(activations, LOSSES[loss_name], data, r)
    if training.batch_size > len(data):
        raise r.at("training").at("batch_size").expected(
            training.batch_size, f"at most the number of examples ({len(data)})")
    total_steps = math.ceil(len(data) / training.batch_size) * training.epochs
    show_steps = _show_steps(top.get("show_steps", MISSING), total_steps, r.at("show_steps"))
    _check_cost(layers, training, len(data), show_steps, r)
    ask = _ask(top.get("ask", []), r.at("ask"))
    return Problem(checked=True,
        layers=layers, activations=activations, weights=weights, biases=biases,
        loss_name=loss_name, training=training, data=data,
        title=r.at("title").text(top.get("title", DEFAULT_TITLE)), bias=bias,
        show_steps=show_steps,
        notation=_notation(top.get("notation", "letters"), layers, bias, r.at("notation")),
        rounding=_rounding(top.get("rounding", {}), r.at("rounding")),
        ask=tuple(name for name, _ in ask),
        ask_points=tuple(n for _, n in ask) if any(n != 1 for _, n in ask) else (),
        tolerance=_tolerance(top["tolerance"], r.at("tolerance")) if "tolerance" in top else None,
        description=r.at("description").text(top.get("description", "")),
        variants=_variants(top["variants"], bias, r.at("variants")) if "variants" in top else None,
        style=r.at("style").choice(top["style"], STYLES) if "style" in top else None,
        source=r.source, conventions=conventions,
    )


def _check_rule(training: Training, layers: tuple[int, ...], activations: tuple[Activation, ...],
                conventions: conv.Conventions, bias: str, top: Mapping, r: Reader) -> None:
    """A learning rule trains one layer of units; backpropagation has no hard limiter."""
    rt = r.at("training")
    if training.rule is None:
        for act in activations:
            if act.hard_limiter:
                raise r.at("network").at("activation").fail(
                    f"found {act.name}, which has no useful derivative; expected training.rule "
                    "(perceptron, adaline or hebb) for a step or sign unit, or another activation")
        _check_backprop_conventions(training, activations, conventions, top, r)
        return
    rule = RULES[training.rule]
    if len(layers) != 2:
        raise r.at("network").at("layers").fail(
            f"found {len(layers) - 1} layers of neurons; expected one (inputs and outputs, no hidden "
            f"layer) for rule: {rule.name}")
    flaw = rule.activation_flaw(activations[0])
    if flaw:
        raise r.at("network").at("activation").fail(f"found {activations[0].name}; expected {flaw}")
    if training.batch_size != 1:
        raise rt.at("batch_size").expected(training.batch_size, f"1 (rule: {rule.name} learns online, "
                                           "one presentation at a time)")
    if bias == "per_layer":
        raise r.at("network").at("bias").expected(bias, "per_neuron or none for a learning rule")
    if not conventions.is_default("error") or not conventions.is_default("update"):
        key = "error" if not conventions.is_default("error") else "update"
        raise r.at("conventions").at(key).fail(
            f"found {conventions[key]!s}; expected the default for rule: {rule.name}, whose error is "
            "always t − y and whose updates are online")


def _check_backprop_conventions(training: Training, activations: tuple[Activation, ...],
                                conventions: conv.Conventions, top: Mapping, r: Reader) -> None:
    """``error: negative_gradient`` writes Err_j = −∂E/∂net_j unit by unit: with any loss,
    optimizer or penalty (the gradient an optimizer takes is −Err·O), but not through a
    layerwise activation (softmax), whose ∂out/∂net is a matrix: its Err sums over every unit's
    output, which the books' one-unit formulas do not write, unless the loss makes the output
    layer's error term T − O (softmax with cross_entropy)."""
    if conventions.error != "negative_gradient":
        return
    rc = r.at("conventions").at("error")
    name = top.get("loss", DEFAULT_LOSS.name)
    loss = LOSSES[name] if isinstance(name, str) and name in LOSSES else None
    if loss is not None and activations[-1].layerwise and not loss(n=1).closed_form_delta(activations[-1]):
        raise rc.fail(f"found negative_gradient with loss {loss.name} and a {activations[-1].name} output "
                      "layer; expected a loss whose error term is T − O with it (cross_entropy), as Err_j "
                      f"= −∂E/∂net_j of a {activations[-1].name} unit sums over every output")
    for act in activations[:-1]:
        if act.layerwise:
            raise rc.fail(f"found negative_gradient with a hidden {act.name} layer; expected elementwise "
                          "activations in the hidden layers")


def _ask(value: Any, r: Reader) -> list[tuple[str, int]]:
    """``ask``: names, or {name, points} mappings (a plain name is worth 1 point)."""
    items = []
    for k, item in enumerate(r.sequence(value, f"a list, each item {ASK_ITEM_HELP}")):
        rk = r.at(k)
        if isinstance(item, Mapping):
            spec = rk.mapping(item, ("name", "points"), what=ASK_ITEM_HELP,
                              required={"name": "the quantity's name (out_h1, w5+, dE/dw5)"})
            items.append((rk.at("name").text(spec["name"]),
                          rk.at("points").integer(spec.get("points", 1), "a whole number of points of at least 1",
                                                  minimum=1)))
        else:
            items.append((rk.text(item), 1))
    return items


def _tolerance(value: Any, r: Reader) -> str:
    """``tolerance``: 0.001, '1%' or '3sf', kept as the text tracer check --tolerance reads."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = repr(float(value)) if isinstance(value, float) else str(value)
    elif isinstance(value, str):
        text = value.strip().lower().replace(" ", "")
    else:
        raise r.expected(value, TOLERANCE_HELP)
    if not TOLERANCE_SYNTAX.fullmatch(text):
        raise r.expected(value, TOLERANCE_HELP)
    return text


def _parameter_count(layers: tuple[int, ...]) -> int:
    return sum(a * b + b for a, b in itertools.pairwise(layers))


def _check_size(layers: tuple[int, ...], r: Reader) -> None:
    """Refuse a network too large to hold before any weight is drawn or allocated."""
    count = _parameter_count(layers)
    if count > MAX_PARAMETERS:
        raise r.fail(f"found {short(list(layers))}, {count:,} weights and biases; expected at most "
                     f"{MAX_PARAMETERS:,} weights and biases (smaller layers)")


def recorded_entries(layers: tuple[int, ...], batch: int, steps: int) -> int:
    """An upper estimate of the entries ``steps`` recorded steps hold: per example a net,
    an output and three derivatives per neuron and a gradient per weight and bias, and per
    step the mean gradient and the update of each (2-2-2: 52 for 43; 784-30-10: 48,500 for 47,941)."""
    neurons = sum(layers[1:])
    parameters = _parameter_count(layers)
    return steps * ((batch + 1) * parameters + 8 * batch * neurons)


def _check_cost(layers: tuple[int, ...], training: Training, examples: int,
                show_steps: tuple[int | str, ...] | str | None, r: Reader) -> None:
    """Refuse a run beyond MAX_STEPS, MAX_WORK or MAX_ENTRIES, naming the field to change."""
    per_epoch = math.ceil(examples / training.batch_size)
    total = per_epoch * training.epochs
    rt = r.at("training")
    if total > MAX_STEPS:
        raise rt.at("epochs").fail(f"found {training.epochs:,} epochs of {per_epoch:,} step{'s' * (per_epoch != 1)}, "
                                   f"{total:,} steps; expected at most {MAX_STEPS:,} steps in all (fewer epochs, "
                                   "or a larger batch_size)")
    work = total * training.batch_size * _parameter_count(layers)
    if work > MAX_WORK:
        raise rt.at("epochs").fail(f"found {training.epochs:,} epochs of a {'-'.join(map(str, layers))} network, "
                                   f"{work:,} multiply-adds; expected at most {MAX_WORK:,} (fewer epochs or "
                                   "smaller layers)")
    if show_steps is None:
        recorded = total if total <= 10 else 2
    elif show_steps == "all":
        recorded = total
    else:
        recorded = len({total if s == "last" else s for s in show_steps})
    entries = recorded_entries(layers, min(training.batch_size, examples), recorded)
    if entries > MAX_ENTRIES:
        where, fix = (r.at("show_steps"), "record fewer steps, e.g. show_steps: [1, last]") if recorded > 1 \
            else (r.at("network").at("layers"), "smaller layers or a smaller batch_size")
        raise where.fail(f"found {recorded:,} step{'s' * (recorded != 1)} recorded in full, about {entries:,} "
                         f"entries; expected at most {MAX_ENTRIES:,} recorded entries ({fix})")


def _variants(value: Any, bias: str, r: Reader) -> VariantSpec:
    """The ranges ``tracer variants`` draws from; each must hold at least two friendly numbers."""
    spec = r.mapping(value, VARIANT_FIELDS, what=VARIANTS_HELP)
    if not spec:
        raise r.expected(value, f"at least one of {', '.join(VARIANT_FIELDS)} ({VARIANTS_HELP})")
    if "biases" in spec and bias == "none":
        raise r.at("biases").fail("found a range for biases with bias: none; expected no biases range "
                                  "(the network has no biases)")
    return VariantSpec(**{name: _draw_range(spec[name], r.at(name)) for name in VARIANT_FIELDS if name in spec})


def _draw_range(value: Any, r: Reader) -> DrawRange:
    spec = r.mapping(value, RANGE_FIELDS, what="a range {low: -0.9, high: 0.9, decimals: 1}",
                     required={"low": "the smallest number to draw", "high": "the largest number to draw"})
    low = r.at("low").number(spec["low"])
    high = r.at("high").number(spec["high"])
    if high <= low:
        raise r.at("high").expected(spec["high"], f"a number greater than low ({short(spec['low'])})")
    decimals = r.at("decimals").integer(spec.get("decimals", 1), f"a number of decimals from 0 to "
                                        f"{MAX_VARIANT_DECIMALS}", maximum=MAX_VARIANT_DECIMALS)
    drawn = DrawRange(low, high, decimals)
    if len(drawn.values()) < 2:
        raise r.expected(dict(spec), f"a range holding at least two nonzero numbers with {decimals} "
                                     f"decimal{'s' * (decimals != 1)} (zero is never drawn)")
    return drawn


def _layers(value: Any, r: Reader) -> tuple[int, ...]:
    items = r.sequence(value, "a list of at least 2 layer sizes, input layer first", min_len=2)
    return tuple(r.at(k).integer(v, "a layer size: a whole number of at least 1", minimum=1)
                 for k, v in enumerate(items))


def _activation(value: Any, r: Reader) -> Activation:
    if isinstance(value, Mapping):
        takers = {p.name: [c.name for c in ACTIVATIONS.values() if p.name in (q.name for q in c.parameters)]
                  for cls in ACTIVATIONS.values() for p in cls.parameters}  # alpha: [leaky_relu, ...]
        spec = r.mapping(value, ("name", *takers), required={"name": f"an activation, {one_of(ACTIVATIONS)}"})
        cls = ACTIVATIONS[r.at("name").choice(spec["name"], ACTIVATIONS)]
        own = {p.name: p for p in cls.parameters}
        for key in spec:
            if key != "name" and key not in own:
                what = f"takes only {', '.join(own)}" if own else "takes no parameters"
                raise r.at(key).fail(f"found {key} for {cls.name}, which {what}; expected only 'name'"
                                     f"{''.join(', ' + repr(k) for k in own)} ({key} is for "
                                     f"{' and '.join(takers[key])})")
        return cls(**{key: r.at(key).number(spec[key], p.what, low=p.low, high=p.high, positive=p.positive)
                      for key, p in own.items() if key in spec})
    return ACTIVATIONS[r.choice(value, ACTIVATIONS)]()


def _activations(value: Any, layers: tuple[int, ...], r: Reader) -> tuple[Activation, ...]:
    n = len(layers) - 1
    if isinstance(value, list):
        if len(value) != n:
            raise r.fail(f"found {short(value)} ({len(value)} activations); "
                         f"expected {n}, one per non-input layer")
        acts = tuple(_activation(v, r.at(k)) for k, v in enumerate(value))
    else:
        acts = (_activation(value, r),) * n
    for k, act in enumerate(acts[:-1]):
        if act.output_only:
            where = r.at(k) if isinstance(value, list) else r
            raise where.fail(f"found {act.name} on hidden layer {k + 1}; expected {act.name} on the "
                             "output layer only (another activation for the hidden layers)")
    return acts


def _shape(items: list) -> str:
    """What a user's would-be matrix looks like: '2×3', or '2 rows of 3/2 numbers'."""
    lengths = [len(row) for row in items]
    if not lengths:
        return "an empty list"
    if len(set(lengths)) == 1:
        return f"a {len(items)}×{lengths[0]} matrix"
    return f"{len(items)} rows of {'/'.join(map(str, lengths))} numbers"


def _matrix(value: Any, rows: int, cols: int, layer: int, r: Reader) -> Matrix:
    what = (f"a {rows}×{cols} matrix for layer {layer}: {rows} row{'s' * (rows != 1)} (one per neuron of "
            f"layer {layer}) of {cols} weight{'s' * (cols != 1)} (one per neuron of layer {layer - 1})")
    items = r.sequence(value, what)
    if not all(isinstance(row, (list, tuple)) for row in items):
        raise r.expected(value, what)
    if len(items) != rows or any(len(row) != cols for row in items):
        raise r.fail(f"found {_shape(items)}; expected {what}")
    return tuple(tuple(r.at(j).at(i).number(x) for i, x in enumerate(row)) for j, row in enumerate(items))


def _parameters(net: Mapping, layers: tuple[int, ...], bias: str, r: Reader):
    if "init" in net:
        for name in ("weights", "biases"):
            if name in net:
                raise r.at(name).fail(f"found {name} together with init; expected one of the two "
                                      "(explicit weights and biases, or init)")
        return _initialise(net["init"], layers, bias, r.at("init"))
    n = len(layers) - 1
    matrices = f"{n} weight matri{'ces' if n != 1 else 'x'}"
    if "weights" not in net:
        raise r.at("weights").missing(f"{matrices} (and biases), or init")
    rw = r.at("weights")
    mats = rw.sequence(net["weights"], f"a list of {matrices}, one per non-input layer")
    if len(mats) != n:
        raise rw.fail(f"found {len(mats)} weight matri{'ces' if len(mats) != 1 else 'x'}; "
                      f"expected {n}, one per non-input layer")
    weights = tuple(_matrix(m, layers[l + 1], layers[l], l + 1, rw.at(l)) for l, m in enumerate(mats))
    return weights, _biases(net.get("biases", MISSING), layers, bias, r.at("biases"))


def _biases(value: Any, layers: tuple[int, ...], bias: str, r: Reader):
    n = len(layers) - 1
    if bias == "none":
        if value is not MISSING:
            raise r.expected(value, "no biases with bias: none (remove biases, or choose another bias mode)")
        return ((),) * n
    each = "one number per layer" if bias == "per_layer" else "one list per layer, a number per neuron"
    expected = f"a list of {n} entries for bias: {bias} ({each})"
    if value is MISSING:
        raise r.missing(expected)
    items = r.sequence(value, expected)
    if len(items) != n:
        raise r.fail(f"found {short(value)} ({len(items)} entries); expected {expected}")
    if bias == "per_layer":
        return tuple((r.at(l).number(v, "one number (bias: per_layer shares one bias per layer)"),)
                     for l, v in enumerate(items))
    return tuple(r.at(l).numbers(v, layers[l + 1], f"one bias per neuron of layer {l + 1} "
                                 "(or bias: per_layer for one shared number)")
                 for l, v in enumerate(items))


def _initialise(value: Any, layers: tuple[int, ...], bias: str, r: Reader):
    spec = r.mapping(value, INIT_FIELDS, what="a mapping {distribution: uniform|normal, seed: ..., ...}")
    dist = r.at("distribution").choice(spec.get("distribution", "uniform"), ("uniform", "normal"))
    allowed = ("distribution", *DISTRIBUTION_FIELDS[dist], "seed", "decimals")
    for other, fields in DISTRIBUTION_FIELDS.items():
        for key in set(fields) & set(spec) - set(allowed):
            raise r.at(key).fail(f"found {key}, which belongs to distribution: {other}; expected the fields "
                                 f"of distribution: {dist}, {one_of(allowed)}")
    seed = r.at("seed").integer(spec.get("seed", 0), "a seed: a whole number of at least 0")
    decimals = r.at("decimals").integer(spec.get("decimals", 2), "a number of decimals from 0 to 10",
                                        maximum=10)
    rng = np.random.default_rng(seed)
    if dist == "uniform":
        low = r.at("low").number(spec.get("low", 0.0))
        high = r.at("high").number(spec.get("high", 1.0))
        if high <= low:
            raise r.at("high").expected(spec.get("high", 1.0), f"a number greater than low ({short(spec.get('low', 0.0))})")
        draw = lambda shape: rng.uniform(low, high, shape)  # noqa: E731
    else:
        mean = r.at("mean").number(spec.get("mean", 0.0))
        std = r.at("std").number(spec.get("std", 1.0), "a standard deviation", positive=True)
        draw = lambda shape: rng.normal(mean, std, shape)  # noqa: E731

    def rounded(shape) -> np.ndarray:
        return np.round(draw(shape), decimals) + 0.0  # + 0.0 turns -0.0 into 0.0

    weights = tuple(tuple(tuple(float(x) for x in row) for row in rounded((layers[l + 1], layers[l])))
                    for l in range(len(layers) - 1))
    count = {"none": lambda l: 0, "per_layer": lambda l: 1, "per_neuron": lambda l: layers[l + 1]}[bias]
    biases = tuple(tuple(float(x) for x in rounded(count(l))) for l in range(len(layers) - 1))
    return weights, biases


def _training(value: Any, r: Reader) -> Training:
    spec = r.mapping(value, TRAINING_FIELDS, what=REQUIRED_TOP["training"])
    rule = r.at("rule").choice(spec["rule"], RULES) if "rule" in spec else None
    default_rate = RULES[rule].default_rate if rule else None
    if "learning_rate" not in spec and default_rate is None:
        raise r.at("learning_rate").missing("a learning rate: a number greater than 0")
    learning_rate = r.at("learning_rate").number(spec.get("learning_rate", default_rate), "a learning rate",
                                                 positive=True)
    return Training(
        rule=rule,
        learning_rate=learning_rate,
        epochs=r.at("epochs").integer(spec.get("epochs", 1), "a whole number of epochs of at least 1", minimum=1),
        batch_size=r.at("batch_size").integer(spec.get("batch_size", 1), "a batch size of at least 1", minimum=1),
        update_biases=r.at("update_biases").boolean(spec.get("update_biases", True)),
        optimizer=parse_optimizer(spec.get("optimizer", MISSING), learning_rate, r.at("optimizer")),
        regularization=parse_regularization(spec.get("regularization", MISSING), r.at("regularization")),
    )


def _data(value: Any, layers: tuple[int, ...], r: Reader) -> tuple[Example, ...]:
    items = r.sequence(value, REQUIRED_TOP["data"], min_len=1)
    examples = []
    for k, item in enumerate(items):
        rk = r.at(k)
        e = rk.mapping(item, ("input", "target"), what="an example {input: [...], target: [...]}",
                       required={"input": f"{layers[0]} input numbers", "target": f"{layers[-1]} target numbers"})
        examples.append(Example(
            input=rk.at("input").numbers(e["input"], layers[0], "one per input neuron"),
            target=rk.at("target").numbers(e["target"], layers[-1], "one per output neuron"),
        ))
    return tuple(examples)


def _check_combination(activations, loss_cls: type[Loss], data, r: Reader) -> None:
    """Losses that only make sense with certain outputs and targets."""
    wrong_output = loss_cls.output_error(activations[-1])
    if wrong_output:
        raise r.at("loss").fail(wrong_output)
    if loss_cls.probability_targets:
        for k, e in enumerate(data):
            for j, t in enumerate(e.target):
                if not 0 <= t <= 1:
                    raise r.at("data").at(k).at("target").at(j).expected(
                        t, f"a target between 0 and 1 for {loss_cls.name}")
    if loss_cls.distribution_targets:
        for k, e in enumerate(data):
            if abs(math.fsum(e.target) - 1) > 1e-9:
                raise r.at("data").at(k).at("target").expected(
                    list(e.target), f"targets that add up to 1 (a class distribution) for {loss_cls.name}")


def _show_steps(value: Any, total: int, r: Reader):
    if value is MISSING or value is None:
        return None
    if value in ("all", "last"):
        return value if value == "all" else ("last",)
    items = r.sequence(value, "all, or a list of step numbers ('last' allowed)", min_len=1)
    steps: list[int | str] = []
    what = f"a step number from 1 to {total} (the run has {total} step{'s' * (total != 1)}), or 'last'"
    for k, s in enumerate(items):
        if s == "last":
            steps.append("last")
        else:
            steps.append(r.at(k).integer(s, what, minimum=1, maximum=total))
    return tuple(steps)


def _notation(value: Any, layers: tuple[int, ...], bias: str, r: Reader) -> str | Mapping[str, str]:
    """A preset name, or a mapping of overrides, checked against this very network.

    Each override is tried alone first so the error names its key; every LaTeX name the
    result produces must pass ``latex_math_name``, so a pattern cannot inject LaTeX.
    """
    value = "letters" if value is None else value
    if not isinstance(value, (str, Mapping)):
        raise r.expected(value, f"a preset name ({', '.join(preset_names())}) or a mapping "
                                "{preset: ..., <pattern key>: <pattern>, ...}")
    spec = {"preset": value} if isinstance(value, str) else dict(value)
    preset = (r if isinstance(value, str) else r.at("preset")).choice(spec.get("preset", "letters"),
                                                                       preset_names())
    overrides = {k: v for k, v in spec.items() if k != "preset"}
    for key, pattern in overrides.items():
        _check_notation(layers, bias, preset, {key: pattern}, r.at(str(key)), pattern)
    _check_notation(layers, bias, preset, overrides, r, value)
    return value if isinstance(value, str) else spec


def _check_notation(layers: tuple[int, ...], bias: str, preset: str, overrides: dict, r: Reader,
                    value: Any) -> None:
    from ..formula.names import latex_math_name
    try:
        names = Notation(layers, bias, preset, overrides)
        for name in dict.fromkeys(_all_names(names, layers, bias)):
            latex_math_name(name.latex)
            if not name.plain.isprintable() or not name.plain.strip():
                raise ValueError(f"the plain name {name.plain!r} is empty or not printable on one line")
        twice = names.duplicate()
    except ValueError as exc:
        reason = str(exc)
        if reason.startswith("unknown "):    # notation's "unknown X 'y'; did you mean 'z'? expected ..."
            raise r.fail("found " + re.sub(r"; did you mean ('.*?')\? expected", r" (did you mean \1?); expected",
                                           reason)) from None
        reason = reason.replace("\\\\", "\\")               # repr's doubled backslashes, shown once
        raise r.expected(value, f"a notation whose names are safe LaTeX math ({reason})") from None
    if twice is not None:     # tracer check could never tell the two apart
        raise r.expected(value, f"a notation that gives each quantity its own name ({twice})")


MATRIX_KINDS = ("input", "out", "net", "target", "weight", "bias", "dout", "dnet", "dw", "db", "new_w", "new_b",
                "dw_data", "db_data", "err", "delta_w", "delta_b")


def _layer_range(kind: str, last: int) -> range:
    """The layers on which a kind of quantity exists (as Notation checks them)."""
    if kind == "input":
        return range(0, 1)
    if kind == "out":
        return range(0, last + 1)
    if kind in ("target", "loss", "error", "data_loss", "penalty"):
        return range(last, last + 1)
    return range(1, last + 1)


def _all_names(names: Notation, layers: tuple[int, ...], bias: str) -> Iterator[Names]:
    """One name of every kind on every layer, for neuron 1 (from neuron 1 for weights).

    A pattern is chosen per layer, never per neuron, and the neuron and weight numbers it
    fills in are digits, so these names hold every token the notation can produce."""
    last = len(layers) - 1
    for l in range(last + 1):
        yield names.neuron(l, 1)
    yield names.quantity("loss", last)
    for kind in KINDS:
        if kind in STATE_KINDS:   # a weight's state, and a bias's
            for l in _layer_range(kind, last):
                yield names.quantity(kind, l, 1, 1)
                yield names.matrix(kind, l)
                if bias != "none":
                    yield names.quantity(kind, l, 1, None)
                    yield names.matrix(kind, l, "bias")
            continue
        if bias == "none" and kind in ("bias", "db", "new_b", "db_data", "delta_b"):
            continue
        for l in _layer_range(kind, last):
            yield names.quantity(kind, l, 1, 1 if kind in ("weight", "dw", "new_w", "dw_data", "delta_w") else None)
            if kind in MATRIX_KINDS:
                yield names.matrix(kind, l)


#: The kinds ``rounding.kinds`` may give their own digits: the log's kinds of a network.
ROUNDING_KINDS = tuple(k for k in KINDS if k not in ("input", "target", "weight", "bias"))


def _rounding(value: Any, r: Reader) -> Rounding:
    spec = r.mapping(value, ("digits", "mode", "carry", "kinds", "trailing_zeros"),
                     what="a mapping {digits: 4, mode: round, carry: false, kinds: {out: 3, err: 4}, "
                          "trailing_zeros: true}")
    kinds: dict[str, int] = {}
    rk = r.at("kinds")
    for kind, digits in rk.mapping(spec.get("kinds", {}), ROUNDING_KINDS,
                                   what="a mapping from kinds (out, err, new_w ...) to digits").items():
        kinds[str(kind)] = rk.at(str(kind)).integer(digits, "a number of digits from 1 to 15", minimum=1, maximum=15)
    return Rounding(
        digits=r.at("digits").integer(spec.get("digits", 4), "a number of digits from 1 to 15",
                                      minimum=1, maximum=15),
        mode=r.at("mode").choice(spec.get("mode", "round"), MODES),  # type: ignore[arg-type]
        carry=r.at("carry").boolean(spec.get("carry", False)),
        kinds=tuple(sorted(kinds.items())),
        trailing_zeros=r.at("trailing_zeros").boolean(spec.get("trailing_zeros", True)),
    )
