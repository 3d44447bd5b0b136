"""Record PyTorch's figures for the convolution tests (tests/test_conv.py reads the output).

    python tests/conv_torch_reference.py      # needs torch (pip install torch); writes
                                              # tests/conv_torch_figures.json

Each case is a small network with its numbers drawn here (seeded, one decimal, so the
problem is readable); PyTorch computes, in float64, the forward pass with
``conv2d``/``max_pool2d``/``avg_pool2d``/``linear``, the softmax cross-entropy loss and,
by autograd, every parameter's gradient and the gradient reaching each feature map. The
``convolution`` convention is PyTorch's ``conv2d`` on the kernel flipped in both
directions (``torch.flip``), so autograd gives the gradient of the kernel as written.
tracer never imports torch: the test compares its log with the recorded numbers.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

OUT = Path(__file__).with_name("conv_torch_figures.json")


def draw(rng: np.random.Generator, shape: tuple[int, ...]) -> list:
    return (np.round(rng.uniform(-1, 1, shape), 1) + 0.0).tolist()


def case(name: str, seed: int, shape: tuple[int, int, int], layers: list[dict], classes: int,
         convolution: str = "cross_correlation", image: list | None = None) -> dict:
    """A case: the problem's numbers and PyTorch's figures for them."""
    rng = np.random.default_rng(seed)
    x = image if image is not None else draw(rng, shape)
    current: tuple[int, ...] = shape
    for spec in layers:
        if spec["type"] == "conv":
            c = current[0]
            spec["weights"] = draw(rng, (spec["filters"], c, spec["kernel"], spec["kernel"]))
            spec["biases"] = draw(rng, (spec["filters"],))
            s, p, k = spec.get("stride", 1), spec.get("padding", 0), spec["kernel"]
            current = (spec["filters"], (current[1] - k + 2 * p) // s + 1, (current[2] - k + 2 * p) // s + 1)
        elif spec["type"] in ("maxpool", "avgpool"):
            s, k = spec.get("stride", spec["size"]), spec["size"]
            current = (current[0], (current[1] - k) // s + 1, (current[2] - k) // s + 1)
        elif spec["type"] == "flatten":
            current = (int(np.prod(current)),)
        else:
            spec["weights"] = draw(rng, (spec["units"], current[0]))
            spec["biases"] = draw(rng, (spec["units"],))
            current = (spec["units"],)
    target = [0.0] * classes
    target[seed % classes] = 1.0
    figures = run(x, layers, target, convolution)
    return {"name": name, "shape": list(shape), "layers": layers, "input": x, "target": target,
            "convolution": convolution, "figures": figures}


def run(x: list, layers: list[dict], target: list[float], convolution: str) -> dict:
    a = torch.tensor([x], dtype=torch.float64)
    params, maps = [], []
    for l, spec in enumerate(layers, 1):
        kind = spec["type"]
        if kind == "conv":
            K = torch.tensor(spec["weights"], dtype=torch.float64, requires_grad=True)
            b = torch.tensor(spec["biases"], dtype=torch.float64, requires_grad=True)
            used = torch.flip(K, dims=(2, 3)) if convolution == "convolution" else K
            z = F.conv2d(a, used, b, stride=spec.get("stride", 1), padding=spec.get("padding", 0))
            a = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
                 "linear": lambda t: t}[spec["activation"]](z)
            params.append((l, K, b))
            z.retain_grad()
            a.retain_grad()
            maps.append((l, "Z", z))
            maps.append((l, "A", a))
        elif kind in ("maxpool", "avgpool"):
            pool = F.max_pool2d if kind == "maxpool" else F.avg_pool2d
            a = pool(a, spec["size"], stride=spec.get("stride", spec["size"]))
            a.retain_grad()
            maps.append((l, "P", a))
        elif kind == "flatten":
            a = a.reshape(1, -1)
        else:
            W = torch.tensor(spec["weights"], dtype=torch.float64, requires_grad=True)
            b = torch.tensor(spec["biases"], dtype=torch.float64, requires_grad=True)
            a = F.linear(a, W, b)
            params.append((l, W, b))
    t = torch.tensor([target], dtype=torch.float64)
    out = torch.softmax(a, dim=1)
    loss = -(t * torch.log(out)).sum()
    loss.backward()
    figures: dict = {"loss": loss.item(), "out": out[0].tolist(), "params": {}, "maps": {}}
    for l, W, b in params:
        figures["params"][str(l)] = {"dweights": W.grad.tolist(), "dbiases": b.grad.tolist()}
    for l, letter, m in maps:
        figures["maps"][f"{letter}{l}"] = {"value": m[0].tolist(),
                                           "grad": m.grad[0].tolist() if m.grad is not None else None}
    return figures


def cases() -> list[dict]:
    tie = [[[1.0, 1.0, 0.5, 0.2], [0.3, 1.0, 0.2, 0.5], [0.7, 0.1, 0.4, 0.4], [0.7, 0.2, 0.4, 0.1]]]
    return [
        case("single-channel", 1, (1, 5, 5), [
            {"type": "conv", "filters": 2, "kernel": 3, "stride": 1, "padding": 0, "activation": "relu"},
            {"type": "maxpool", "size": 2, "stride": 1}, {"type": "flatten"},
            {"type": "dense", "units": 2}], 2),
        case("rgb-padding-stride", 2, (3, 7, 7), [
            {"type": "conv", "filters": 2, "kernel": 3, "stride": 2, "padding": 1, "activation": "relu"},
            {"type": "avgpool", "size": 2}, {"type": "flatten"},
            {"type": "dense", "units": 3}], 3),
        case("flipped", 1, (1, 5, 5), [
            {"type": "conv", "filters": 2, "kernel": 3, "stride": 1, "padding": 0, "activation": "relu"},
            {"type": "maxpool", "size": 2, "stride": 1}, {"type": "flatten"},
            {"type": "dense", "units": 2}], 2, convolution="convolution"),
        case("two-convs", 4, (2, 6, 6), [
            {"type": "conv", "filters": 3, "kernel": 3, "stride": 1, "padding": 1, "activation": "tanh"},
            {"type": "conv", "filters": 2, "kernel": 2, "stride": 2, "padding": 0, "activation": "sigmoid"},
            {"type": "maxpool", "size": 2, "stride": 1}, {"type": "flatten"},
            {"type": "dense", "units": 2}], 2, convolution="convolution"),
        case("ties", 5, (1, 4, 4), [
            {"type": "conv", "filters": 1, "kernel": 1, "stride": 1, "padding": 0, "activation": "linear"},
            {"type": "maxpool", "size": 2}, {"type": "flatten"},
            {"type": "dense", "units": 2}], 2, image=tie),
    ]


def fix_ties(all_cases: list[dict]) -> None:
    """The tie case's 1×1 kernel is 1 and its bias 0, so the pooled map sees the image's ties."""
    for c in all_cases:
        if c["name"] == "ties":
            c["layers"][0]["weights"] = [[[[1.0]]]]
            c["layers"][0]["biases"] = [0.0]
            c["figures"] = run(c["input"], c["layers"], c["target"], c["convolution"])


if __name__ == "__main__":
    recorded = cases()
    fix_ties(recorded)
    OUT.write_text(json.dumps({"torch": torch.__version__, "cases": recorded}, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")
