"""Problem files of convolutional networks: an input shape and a list of layer mappings.

    network:
      input: {shape: [1, 5, 5]}            # channels, height, width
      layers:
        - {type: conv, filters: 2, kernel: 3, stride: 1, padding: 0, activation: relu,
           weights: [...], biases: [...]}  # weights[f][c][i][j]; biases one per filter
        - {type: maxpool, size: 2, stride: 2}   # or avgpool; stride defaults to size
        - {type: flatten}
        - {type: dense, units: 2, activation: softmax, weights: [...], biases: [...]}
      init: {distribution: uniform, low: -0.5, high: 0.5, seed: 1}   # instead of weights
    conventions: {convolution: cross_correlation, index_base: 1}
    notation: letters                      # optional: the dense layers named by a preset
    data: [{input: [[[...], ...]], target: [...]}]   # inputs [channel][row][column]

``Problem.from_dict`` hands a file whose network has an ``input`` (or whose layers are
mappings) to ``parse_conv``; the result is a ``ConvProblem``, a ``Problem`` whose
``layers`` are the number of values each layer puts out (input first) and whose
``stack`` holds the layer objects (``model.conv``).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .activations import DEFAULT_ACTIVATION
from .conv import (
    CONVENTIONS,
    Conv2D,
    ConvNames,
    Flatten,
    Layer,
    Pool,
    Shape,
    layer_type,
    out_size,
)
from .layers import Dense
from .losses import DEFAULT_LOSS, LOSSES
from .problem import (
    DEFAULT_TITLE,
    DISTRIBUTION_FIELDS,
    INIT_FIELDS,
    PROBLEM_KINDS,
    STYLES,
    Example,
    Problem,
    _activation,
    _ask,
    _check_combination,
    _notation,
    _rounding,
    _show_steps,
    _tolerance,
    _training,
    _variants,
)
from .schema import Reader, one_of, short

TOP_FIELDS = ("title", "network", "loss", "training", "data", "show_steps", "rounding", "ask", "notation",
              "description", "style", "tolerance", "conventions", "variants")
NETWORK_FIELDS = ("input", "layers", "init")
LAYER_TYPES = ("conv", "maxpool", "avgpool", "flatten", "dense")
LAYER_FIELDS = {
    "conv": ("type", "filters", "kernel", "stride", "padding", "activation", "weights", "biases"),
    "maxpool": ("type", "size", "stride"),
    "avgpool": ("type", "size", "stride"),
    "flatten": ("type",),
    "dense": ("type", "units", "activation", "weights", "biases"),
}
CONVENTION_FIELDS = ("convolution", "index_base")
PAIR_HELP = "a whole number or a [height, width] pair"

#: Weights and biases of one layer: nested tuples as the problem file writes them.
Params = tuple[Any, tuple[float, ...]]


@dataclass(frozen=True)
class ConvProblem(Problem):
    """A convolutional network, its data and how to present it."""

    input_shape: Shape = (1, 1, 1)
    stack: tuple[Layer, ...] = ()
    parameters: tuple[Params | None, ...] = ()   # per layer: (weights, biases), None for pool/flatten
    convolution: str = "cross_correlation"
    index_base: int = 1
    #: ``notation:`` as the file gives it (a preset, or a preset and patterns), naming the
    #: dense layers; None: every name is a bracket name (``ConvNames``).
    dense_notation: str | Mapping[str, str] | None = None

    @property
    def names(self) -> ConvNames:
        return ConvNames(self.stack, self.input_shape, self.index_base, self.dense_notation)

    def kernel(self, l: int) -> np.ndarray:
        params = self.parameters[l - 1]
        assert params is not None
        return np.array(params[0], dtype=float)

    def bias_of(self, l: int) -> np.ndarray:
        params = self.parameters[l - 1]
        assert params is not None
        return np.array(params[1], dtype=float)

    def summary(self) -> str:
        """The stack in one line: ``1×5×5 → conv 2@3×3 relu → maxpool 2×2 → flatten → dense 2 softmax``."""
        parts = ["×".join(map(str, self.input_shape))]
        for layer in self.stack:
            if isinstance(layer, Conv2D):
                parts.append(f"conv {layer.filters}@{layer.kernel[0]}×{layer.kernel[1]} {layer.activation.name}")
            elif isinstance(layer, Pool):
                parts.append(f"{layer.type} {layer.size[0]}×{layer.size[1]}")
            elif isinstance(layer, Dense):
                parts.append(f"dense {layer.size} {layer.activation.name}")
            else:
                parts.append("flatten")
        return " → ".join(parts)

    def input_map(self, k: int) -> np.ndarray:
        """Example k's input (0-based) as a map [channel, row, column]."""
        return np.array(self.data[k].input, dtype=float).reshape(self.input_shape)

    def to_dict(self) -> dict:
        layers: list[dict[str, Any]] = []
        for layer, params in zip(self.stack, self.parameters):
            kind = layer_type(layer)
            spec: dict[str, Any] = {"type": kind}
            if isinstance(layer, Conv2D):
                spec |= {"filters": layer.filters, "kernel": list(layer.kernel), "stride": list(layer.stride),
                         "padding": list(layer.padding), "activation": layer.activation.spec()}
            elif isinstance(layer, Pool):
                spec |= {"size": list(layer.size), "stride": list(layer.stride)}
            elif isinstance(layer, Dense):
                spec |= {"units": layer.size, "activation": layer.activation.spec()}
            if params is not None:
                spec |= {"weights": _lists(params[0]), "biases": list(params[1])}
            layers.append(spec)
        out: dict[str, Any] = {"title": self.title}
        if self.description:
            out["description"] = self.description
        c, h, w = self.input_shape
        if self.dense_notation is not None:
            out["notation"] = (self.dense_notation if isinstance(self.dense_notation, str)
                               else dict(self.dense_notation))
        out |= {
            "network": {"input": {"shape": [c, h, w]}, "layers": layers},
            "conventions": {"convolution": self.convolution, "index_base": self.index_base},
            "loss": self.loss_name,
            "training": {"learning_rate": self.training.learning_rate, "epochs": self.training.epochs,
                         "batch_size": self.training.batch_size, "update_biases": self.training.update_biases},
            "data": [{"input": self.input_map(k).tolist(), "target": list(e.target)}
                     for k, e in enumerate(self.data)],
            "show_steps": sorted(self.recorded_steps()),
            "rounding": {"digits": self.rounding.digits, "mode": self.rounding.mode, "carry": self.rounding.carry},
        }
        if self.ask:
            points = self.ask_points or (1,) * len(self.ask)
            out["ask"] = [a if n == 1 else {"name": a, "points": n} for a, n in zip(self.ask, points)]
        if self.style is not None:
            out["style"] = self.style
        if self.tolerance is not None:
            out["tolerance"] = self.tolerance
        if self.variants is not None:
            out["variants"] = self.variants.to_dict()
        return out


def _lists(nested: Any) -> Any:
    return [_lists(x) for x in nested] if isinstance(nested, tuple) else nested


def is_conv(raw: Any) -> bool:
    """A problem whose network has an input shape, or layers written as mappings."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("network"), Mapping):
        return False
    net = raw["network"]
    layers = net.get("layers")
    return "input" in net or (isinstance(layers, list) and any(isinstance(x, Mapping) for x in layers))


# --- parsing --------------------------------------------------------------------------
def parse_conv(raw: Mapping, r: Reader) -> ConvProblem:
    top = r.mapping(raw, TOP_FIELDS, what="a problem: a mapping with network, training and data",
                    required={"network": "a mapping with input and layers",
                              "training": "a mapping with learning_rate (and epochs, batch_size)",
                              "data": "a non-empty list of examples {input: [[[...]]], target: [...]}"})
    rn = r.at("network")
    net = rn.mapping(top["network"], NETWORK_FIELDS, what="a mapping with input and layers",
                     required={"input": "the input's shape, {shape: [channels, height, width]}",
                               "layers": "a list of layer mappings ({type: conv, ...}), the input not counted"})
    shape = _input_shape(net["input"], rn.at("input"))
    conventions = _conventions(top.get("conventions", {}), r.at("conventions"))
    flip = conventions[0] == "convolution"
    specs = rn.at("layers").sequence(net["layers"], "a list of layer mappings ({type: conv, ...})", min_len=1)
    stack: list[Layer] = []
    current: Shape | int = shape
    for k, spec in enumerate(specs):
        layer = _layer(spec, k + 1, current, flip, rn.at("layers").at(k))
        stack.append(layer)
        current = layer.out_shape if isinstance(layer, (Conv2D, Pool)) else (
            layer.size if isinstance(layer, (Flatten, Dense)) else current)
    top_layer = stack[-1]
    if not isinstance(top_layer, Dense):
        raise rn.at("layers").at(len(stack) - 1).fail(
            f"found a {layer_type(top_layer)} layer last; expected a dense layer last (the loss compares "
            "its outputs with the targets)")
    params = _parameters(net, specs, stack, rn)
    dense_sizes = tuple(x.size for x in stack if isinstance(x, Dense))
    flat = next(x for x in stack if isinstance(x, Dense)).inputs
    notation = (_notation(top["notation"], (flat, *dense_sizes), "per_neuron", r.at("notation"))
                if "notation" in top else None)
    if isinstance(notation, Mapping) and set(notation) != {"preset"}:     # patterns: may they clash?
        clash = ConvNames(tuple(stack), shape, conventions[1], notation).clash()
        if clash is not None:
            raise r.at("notation").fail(f"found that the patterns name a dense-layer quantity {clash!r}, the name of "
                                        "a map cell, kernel weight or conv bias too; expected patterns whose names "
                                        "differ from the bracket names")
    loss_name = r.at("loss").choice(top.get("loss", DEFAULT_LOSS.name), LOSSES)
    training = _training(top["training"], r.at("training"))
    data = _data(top["data"], shape, top_layer.size, r.at("data"))
    acts = tuple(layer.activation for layer in stack if isinstance(layer, (Conv2D, Dense)))
    _check_combination(acts, LOSSES[loss_name], data, r)
    if training.batch_size > len(data):
        raise r.at("training").at("batch_size").expected(
            training.batch_size, f"at most the number of examples ({len(data)})")
    total_steps = -(-len(data) // training.batch_size) * training.epochs
    ask = _ask(top.get("ask", []), r.at("ask"))
    sizes = (shape[0] * shape[1] * shape[2],) + tuple(
        int(np.prod(x.out_shape)) if isinstance(x, (Conv2D, Pool)) else x.size for x in stack)
    return ConvProblem(checked=True,
        layers=sizes, activations=acts, weights=(), biases=(), loss_name=loss_name, training=training,
        data=data, title=r.at("title").text(top.get("title", DEFAULT_TITLE)),
        show_steps=_show_steps(top.get("show_steps"), total_steps, r.at("show_steps")),
        rounding=_rounding(top.get("rounding", {}), r.at("rounding")),
        ask=tuple(name for name, _ in ask),
        ask_points=tuple(n for _, n in ask) if any(n != 1 for _, n in ask) else (),
        tolerance=_tolerance(top["tolerance"], r.at("tolerance")) if "tolerance" in top else None,
        description=r.at("description").text(top.get("description", "")),
        style=r.at("style").choice(top["style"], STYLES) if "style" in top else None,
        variants=_variants(top["variants"], "per_neuron", r.at("variants")) if "variants" in top else None,
        source=r.source, input_shape=shape, stack=tuple(stack), parameters=params,
        convolution=conventions[0], index_base=conventions[1], dense_notation=notation,
    )


def _conventions(value: Any, r: Reader) -> tuple[str, int]:
    """``conventions:`` as far as convolutional networks read it (convolution, index_base)."""
    spec = r.mapping(value if value is not None else {}, CONVENTION_FIELDS,
                     what="a mapping {convolution: cross_correlation | convolution, index_base: 0 | 1}")
    convolution = r.at("convolution").choice(spec.get("convolution", "cross_correlation"), CONVENTIONS)
    base = spec.get("index_base", 1)
    if base not in (0, 1) or isinstance(base, bool):
        raise r.at("index_base").expected(base, "0 or 1 (the first channel, row, column and neuron's number)")
    return convolution, int(base)


def _input_shape(value: Any, r: Reader) -> Shape:
    spec = r.mapping(value, ("shape",), what="a mapping {shape: [channels, height, width]}",
                     required={"shape": "[channels, height, width]"})
    items = r.at("shape").sequence(spec["shape"], "[channels, height, width]: three whole numbers of at least 1")
    if len(items) != 3:
        raise r.at("shape").expected(spec["shape"], "[channels, height, width]: three whole numbers of at least 1")
    c, h, w = (r.at("shape").at(k).integer(x, "a whole number of at least 1", minimum=1) for k, x in enumerate(items))
    return (c, h, w)


def _pair(value: Any, r: Reader, minimum: int) -> tuple[int, int]:
    what = f"{PAIR_HELP}, each at least {minimum}"
    if isinstance(value, list):
        if len(value) != 2:
            raise r.expected(value, what)
        return (r.at(0).integer(value[0], what, minimum=minimum), r.at(1).integer(value[1], what, minimum=minimum))
    n = r.integer(value, what, minimum=minimum)
    return (n, n)


def _layer(spec: Any, l: int, current: Shape | int, flip: bool, r: Reader) -> Layer:
    if not isinstance(spec, Mapping):
        raise r.expected(spec, f"a layer mapping {{type: ..., ...}} with type {one_of(LAYER_TYPES)}")
    if "type" not in spec:
        raise r.at("type").missing(f"the layer's type, {one_of(LAYER_TYPES)}")
    kind = r.at("type").choice(spec["type"], LAYER_TYPES)
    r.mapping(spec, LAYER_FIELDS[kind], what=f"a {kind} layer")
    where = f"layer {l} ({kind})"
    if kind in ("conv", "maxpool", "avgpool", "flatten") and not isinstance(current, tuple):
        raise r.fail(f"found {where} after a flatten or dense layer ({current} values); expected conv, pool "
                     "and flatten layers before the dense ones")
    if kind == "dense":
        if isinstance(current, tuple):
            raise r.fail(f"found {where} on a {'×'.join(map(str, current))} feature map; expected a "
                         "flatten layer before the first dense layer")
        units = r.at("units").integer(spec.get("units"), "a number of units of at least 1", minimum=1)
        return Dense(l, units, current, _activation(spec.get("activation", DEFAULT_ACTIVATION.name), r.at("activation")))
    assert isinstance(current, tuple)
    _, h, w = current
    if kind == "flatten":
        return Flatten(l, current)
    if kind == "conv":
        filters = r.at("filters").integer(spec.get("filters"), "a number of filters of at least 1", minimum=1)
        kernel = _pair(spec.get("kernel"), r.at("kernel"), 1)
        stride = _pair(spec.get("stride", 1), r.at("stride"), 1)
        padding = _pair(spec.get("padding", 0), r.at("padding"), 0)
        act = _activation(spec.get("activation", DEFAULT_ACTIVATION.name), r.at("activation"))
        if act.output_only:
            raise r.at("activation").fail(f"found {act.name} on {where}; expected {act.name} on the output layer "
                                          "only (another activation for a conv layer)")
        _fits(kernel, padding, stride, (h, w), where, "kernel", r)
        return Conv2D(l, current, filters, kernel, stride, padding, act, flip)
    size = _pair(spec.get("size"), r.at("size"), 1)
    stride = _pair(spec.get("stride", list(size)), r.at("stride"), 1)
    _fits(size, (0, 0), stride, (h, w), where, "window", r)
    return Pool(l, current, kind[:3], size, stride)


def _fits(kernel: tuple[int, int], padding: tuple[int, int], stride: tuple[int, int], size: tuple[int, int],
          where: str, what: str, r: Reader) -> None:
    """A kernel no larger than the padded input, and an output of at least one cell."""
    ph, pw = padding
    room = (size[0] + 2 * ph, size[1] + 2 * pw)
    if kernel[0] > room[0] or kernel[1] > room[1]:
        raise r.fail(f"found a {kernel[0]}×{kernel[1]} {what} on {where} for a {size[0]}×{size[1]} input with "
                     f"padding {ph}×{pw}; expected a {what} of at most {room[0]}×{room[1]} (the padded input)")
    oh, ow = (out_size(size[k], kernel[k], padding[k], stride[k]) for k in range(2))
    if oh < 1 or ow < 1:  # pragma: no cover - a kernel that fits always gives at least one cell
        raise r.fail(f"found an output of {oh}×{ow} on {where}; expected at least 1×1")


def _parameters(net: Mapping, specs: list, stack: list[Layer], r: Reader) -> tuple[Params | None, ...]:
    if "init" in net:
        for k, spec in enumerate(specs):
            for name in ("weights", "biases"):
                if name in spec:
                    raise r.at("layers").at(k).at(name).fail(
                        f"found {name} together with network.init; expected one of the two")
        return _initialise(net["init"], stack, r.at("init"))
    out: list[Params | None] = []
    for k, (spec, layer) in enumerate(zip(specs, stack)):
        rk = r.at("layers").at(k)
        if isinstance(layer, (Pool, Flatten)):
            out.append(None)
            continue
        shape = layer.kernel_shape if isinstance(layer, Conv2D) else (layer.size, layer.inputs)
        count = layer.filters if isinstance(layer, Conv2D) else layer.size
        what = _shape_help(layer)
        if "weights" not in spec:
            raise rk.at("weights").missing(f"{what} (or network.init)")
        weights = _nested(spec["weights"], shape, what, rk.at("weights"))
        per = "one per filter" if isinstance(layer, Conv2D) else "one per unit"
        if "biases" not in spec:
            raise rk.at("biases").missing(f"a list of {count} biases, {per}")
        biases = rk.at("biases").numbers(spec["biases"], count, per)
        out.append((weights, biases))
    return tuple(out)


def _shape_help(layer: Conv2D | Dense) -> str:
    if isinstance(layer, Conv2D):
        f, c, kh, kw = layer.kernel_shape
        return (f"weights[f][c][i][j] of layer {layer.index} (conv): {f} filter{'s' * (f != 1)} × {c} "
                f"channel{'s' * (c != 1)} × a {kh}×{kw} kernel")
    return (f"weights[j][i] of layer {layer.index} (dense): {layer.size} row{'s' * (layer.size != 1)} (one per "
            f"unit) of {layer.inputs} number{'s' * (layer.inputs != 1)} (one per input)")


def _nested(value: Any, shape: tuple[int, ...], what: str, r: Reader) -> Any:
    """Nested lists of exactly ``shape`` (as tuples), every leaf a finite number."""
    found = _shape_of(value)
    if found != shape:
        shown = "×".join(map(str, found)) if found else short(value)
        kind = f"nested lists of shape {shown}" if found else "not nested lists"
        raise r.fail(f"found {shown if found else short(value)} ({kind}); "
                     f"expected {'×'.join(map(str, shape))} numbers, {what}")

    def read(v: Any, rr: Reader, depth: int) -> Any:
        if depth == len(shape):
            return rr.number(v)
        return tuple(read(x, rr.at(k), depth + 1) for k, x in enumerate(v))
    return read(value, r, 0)


def _shape_of(value: Any) -> tuple[int, ...]:
    """The shape of regular nested lists ((), for a ragged or empty one)."""
    if not isinstance(value, list):
        return ()
    if not value:
        return (0,)
    inner = [_shape_of(x) for x in value]
    if any(s != inner[0] for s in inner):
        return ()
    if inner[0] == () and any(isinstance(x, list) for x in value):
        return ()
    return (len(value), *inner[0])


def _initialise(value: Any, stack: list[Layer], r: Reader) -> tuple[Params | None, ...]:
    spec = r.mapping(value, INIT_FIELDS, what="a mapping {distribution: uniform|normal, seed: ..., ...}")
    dist = r.at("distribution").choice(spec.get("distribution", "uniform"), ("uniform", "normal"))
    for other, fields in DISTRIBUTION_FIELDS.items():
        for key in set(fields) & set(spec) - set(DISTRIBUTION_FIELDS[dist]):
            raise r.at(key).fail(f"found {key}, which belongs to distribution: {other}; expected the fields of "
                                 f"distribution: {dist}")
    seed = r.at("seed").integer(spec.get("seed", 0), "a seed: a whole number of at least 0")
    decimals = r.at("decimals").integer(spec.get("decimals", 2), "a number of decimals from 0 to 10", maximum=10)
    rng = np.random.default_rng(seed)
    if dist == "uniform":
        low, high = r.at("low").number(spec.get("low", 0.0)), r.at("high").number(spec.get("high", 1.0))
        if high <= low:
            raise r.at("high").expected(spec.get("high", 1.0), f"a number greater than low ({short(spec.get('low', 0.0))})")
        def draw(shape: int | tuple[int, ...]) -> np.ndarray:
            return rng.uniform(low, high, shape)
    else:
        mean = r.at("mean").number(spec.get("mean", 0.0))
        std = r.at("std").number(spec.get("std", 1.0), "a standard deviation", positive=True)
        def draw(shape: int | tuple[int, ...]) -> np.ndarray:
            return rng.normal(mean, std, shape)
    out: list[Params | None] = []
    for layer in stack:   # layer by layer: weights, then biases (as dense networks draw them)
        if isinstance(layer, (Pool, Flatten)):
            out.append(None)
            continue
        shape = layer.kernel_shape if isinstance(layer, Conv2D) else (layer.size, layer.inputs)
        count = layer.filters if isinstance(layer, Conv2D) else layer.size
        weights = np.round(draw(shape), decimals) + 0.0
        biases = np.round(draw(count), decimals) + 0.0
        out.append((_tuples(weights.tolist()), tuple(float(b) for b in biases)))
    return tuple(out)


def _tuples(nested: Any) -> Any:
    return tuple(_tuples(x) for x in nested) if isinstance(nested, list) else float(nested)


def _data(value: Any, shape: Shape, outputs: int, r: Reader) -> tuple[Example, ...]:
    c, h, w = shape
    items = r.sequence(value, "a non-empty list of examples {input: [[[...]]], target: [...]}", min_len=1)
    what = f"an input of {c}×{h}×{w} numbers, [channel][row][column]"
    examples = []
    for k, item in enumerate(items):
        rk = r.at(k)
        e = rk.mapping(item, ("input", "target"), what="an example {input: [[[...]]], target: [...]}",
                       required={"input": what, "target": f"{outputs} target numbers"})
        raw = e["input"]
        if c == 1 and _shape_of(raw) == (h, w):
            raw = [raw]      # one channel may be written as rows alone
        grid = _nested(raw, shape, "[channel][row][column]", rk.at("input"))
        flat = tuple(x for channel in grid for row in channel for x in row)
        examples.append(Example(input=flat, target=rk.at("target").numbers(e["target"], outputs, "one per output unit")))
    return tuple(examples)


PROBLEM_KINDS.append((is_conv, parse_conv))
