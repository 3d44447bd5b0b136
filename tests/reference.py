"""An independent reference for the engine's numbers: plain numpy and sympy, no tracer code.

The tests compare the trace log against what is computed here. Nothing in this module
imports ``tracer``: activations, losses, the forward pass, symbolic differentiation,
finite differences and the training loop are written again from the problem statement
(issue 2), so a bug in the engine cannot hide by being shared with its reference.

Parameters are keyed the way log entries locate them: ``("w", layer, j, i)`` for the
weight from neuron i of layer l-1 to neuron j of layer l, ``("b", layer, j)`` for a
per-neuron bias and ``("b", layer, None)`` for a layer's shared bias (1-based).
"""
from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import mpmath
import numpy as np
import sympy

Key = tuple
Params = dict  # Key -> float

# (name, alpha); alpha only matters for leaky_relu (relu is alpha 0)
Act = tuple[str, float]
ELEMENTWISE = ("sigmoid", "relu", "tanh", "linear", "leaky_relu")
REGRESSION_LOSSES = ("half_squared_error", "squared_error", "mean_squared_error")


@dataclass(frozen=True)
class Net:
    """A network's structure (what the gradient formulas depend on), without numbers."""

    layers: tuple[int, ...]
    acts: tuple[Act, ...]
    bias: str  # per_neuron | per_layer | none
    loss: str

    @property
    def depth(self) -> int:
        return len(self.layers) - 1

    def param_keys(self) -> list[Key]:
        """Every trainable parameter, weights of layer 1 first, row by row, then biases."""
        out: list[Key] = []
        for l in range(1, self.depth + 1):
            out += [("w", l, j, i) for j in range(1, self.layers[l] + 1)
                    for i in range(1, self.layers[l - 1] + 1)]
        for l in range(1, self.depth + 1):
            if self.bias == "per_neuron":
                out += [("b", l, j) for j in range(1, self.layers[l] + 1)]
            elif self.bias == "per_layer":
                out.append(("b", l, None))
        return out

    def bias_key(self, l: int, j: int) -> Key | None:
        return {"per_neuron": ("b", l, j), "per_layer": ("b", l, None), "none": None}[self.bias]


# --- problem files ------------------------------------------------------------
def act_spec(act: Act) -> Any:
    name, alpha = act
    return {"name": name, "alpha": alpha} if name == "leaky_relu" else name


def weights_spec(net: Net, p: Params) -> list:
    return [[[p[("w", l, j, i)] for i in range(1, net.layers[l - 1] + 1)]
             for j in range(1, net.layers[l] + 1)] for l in range(1, net.depth + 1)]


def biases_spec(net: Net, p: Params) -> list | None:
    if net.bias == "none":
        return None
    if net.bias == "per_layer":
        return [p[("b", l, None)] for l in range(1, net.depth + 1)]
    return [[p[("b", l, j)] for j in range(1, net.layers[l] + 1)] for l in range(1, net.depth + 1)]


def problem_dict(net: Net, p: Params, data: Sequence[tuple[Sequence[float], Sequence[float]]],
                 lr: float = 0.1, **extra: Any) -> dict:
    """The raw problem file (as parsed YAML) for this network, parameters and data."""
    network: dict[str, Any] = {"layers": list(net.layers), "activation": [act_spec(a) for a in net.acts],
                               "bias": net.bias, "weights": weights_spec(net, p)}
    if net.bias != "none":
        network["biases"] = biases_spec(net, p)
    training = {"learning_rate": lr}
    for k in ("epochs", "batch_size", "update_biases"):
        if k in extra:
            training[k] = extra.pop(k)
    raw = {"network": network, "loss": net.loss, "training": training,
           "data": [{"input": list(x), "target": list(t)} for x, t in data]}
    raw.update(extra)
    return raw


def params_from_problem(net: Net, problem: dict) -> Params:
    """Read the (resolved) weights and biases of a problem dict back into keyed parameters."""
    n = problem["network"]
    p: Params = {}
    for l, m in enumerate(n["weights"], 1):
        for j, row in enumerate(m, 1):
            for i, w in enumerate(row, 1):
                p[("w", l, j, i)] = float(w)
    if net.bias == "per_layer":
        p.update({("b", l, None): float(b) for l, b in enumerate(n["biases"], 1)})
    elif net.bias == "per_neuron":
        p.update({("b", l, j): float(b) for l, bs in enumerate(n["biases"], 1) for j, b in enumerate(bs, 1)})
    return p


# --- random networks ------------------------------------------------------------
def random_params(net: Net, rng: np.random.Generator, scale: float = 1.0, decimals: int = 2) -> Params:
    return {k: round(float(rng.uniform(-scale, scale)), decimals) for k in net.param_keys()}


def random_targets(net: Net, rng: np.random.Generator) -> list[float]:
    n = net.layers[-1]
    if net.loss == "cross_entropy":
        t = np.zeros(n)
        t[rng.integers(n)] = 1.0
        if rng.random() < 0.5:  # a soft distribution now and then
            t = rng.dirichlet(np.ones(n))
        return [float(v) for v in t]
    if net.loss == "binary_cross_entropy":
        return [float(rng.choice([0.0, 1.0, round(float(rng.uniform(0, 1)), 2)])) for _ in range(n)]
    return [round(float(rng.uniform(-1, 1)), 2) for _ in range(n)]


def random_data(net: Net, rng: np.random.Generator, count: int) -> list[tuple[list[float], list[float]]]:
    return [([round(float(rng.uniform(-1, 1)), 2) for _ in range(net.layers[0])], random_targets(net, rng))
            for _ in range(count)]


# --- numpy forward pass and loss ------------------------------------------------
def np_activation(act: Act, z: np.ndarray) -> np.ndarray:
    name, alpha = act
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "linear":
        return z.copy()
    if name == "relu":
        return np.where(z > 0, z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, alpha * z)
    if name == "softmax":
        e = np.exp(z - z.max())
        return e / e.sum()
    raise ValueError(name)


def np_loss(name: str, o: np.ndarray, t: np.ndarray) -> float:
    if name == "half_squared_error":
        return float(0.5 * np.sum((t - o) ** 2))
    if name == "squared_error":
        return float(np.sum((t - o) ** 2))
    if name == "mean_squared_error":
        return float(np.mean((t - o) ** 2))
    if name == "binary_cross_entropy":
        return float(-np.sum(t * np.log(o) + (1 - t) * np.log(1 - o)))
    if name == "cross_entropy":
        return float(-np.sum(t * np.log(o)))
    raise ValueError(name)


def np_forward(net: Net, p: Params, x: Sequence[float]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """nets[l], outs[l] for l = 1..depth (index 0: empty net, the input as out)."""
    outs = [np.asarray(x, dtype=float)]
    nets = [np.empty(0)]
    for l in range(1, net.depth + 1):
        z = np.zeros(net.layers[l])
        for j in range(1, net.layers[l] + 1):
            s = sum(p[("w", l, j, i)] * outs[-1][i - 1] for i in range(1, net.layers[l - 1] + 1))
            bk = net.bias_key(l, j)
            z[j - 1] = s + (p[bk] if bk else 0.0)
        nets.append(z)
        outs.append(np_activation(net.acts[l - 1], z))
    return nets, outs


def np_example_loss(net: Net, p: Params, x: Sequence[float], t: Sequence[float]) -> float:
    return np_loss(net.loss, np_forward(net, p, x)[1][-1], np.asarray(t, dtype=float))


def np_batch_loss(net: Net, p: Params, batch: Sequence[tuple[Sequence[float], Sequence[float]]]) -> float:
    return sum(np_example_loss(net, p, x, t) for x, t in batch) / len(batch)


def min_kink_distance(net: Net, p: Params, xs: Sequence[Sequence[float]]) -> float:
    """How close any (leaky) ReLU's net input comes to its kink at 0 (inf if there is none)."""
    best = math.inf
    for x in xs:
        nets, _ = np_forward(net, p, x)
        for l in range(1, net.depth + 1):
            if net.acts[l - 1][0] in ("relu", "leaky_relu") and nets[l].size:
                best = min(best, float(np.min(np.abs(nets[l]))))
    return best


def finite_difference(net: Net, p: Params, batch, h: float = 1e-6) -> Params:
    """Central differences of the batch's mean loss with respect to every parameter."""
    grads: Params = {}
    for k in net.param_keys():
        up, down = dict(p), dict(p)
        up[k] += h
        down[k] -= h
        grads[k] = (np_batch_loss(net, up, batch) - np_batch_loss(net, down, batch)) / (2 * h)
    return grads


# --- sympy: the loss as an expression, differentiated ---------------------------
def sym_activation(act: Act, z: list[sympy.Expr], j: int) -> sympy.Expr:
    name, alpha = act
    zj = z[j]
    if name == "sigmoid":
        return 1 / (1 + sympy.exp(-zj))
    if name == "tanh":
        return sympy.tanh(zj)
    if name == "linear":
        return zj
    if name == "relu":
        return sympy.Piecewise((zj, zj > 0), (0, True))
    if name == "leaky_relu":
        return sympy.Piecewise((zj, zj > 0), (sympy.Float(alpha) * zj, True))
    if name == "softmax":
        return sympy.exp(zj) / sympy.Add(*[sympy.exp(zk) for zk in z])
    raise ValueError(name)


def sym_loss(name: str, o: list[sympy.Expr], t: list[sympy.Symbol]) -> sympy.Expr:
    n = len(o)
    if name == "half_squared_error":
        return sympy.Rational(1, 2) * sympy.Add(*[(tj - oj) ** 2 for tj, oj in zip(t, o)])
    if name == "squared_error":
        return sympy.Add(*[(tj - oj) ** 2 for tj, oj in zip(t, o)])
    if name == "mean_squared_error":
        return sympy.Add(*[(tj - oj) ** 2 for tj, oj in zip(t, o)]) / n
    if name == "binary_cross_entropy":
        return -sympy.Add(*[tj * sympy.log(oj) + (1 - tj) * sympy.log(1 - oj) for tj, oj in zip(t, o)])
    if name == "cross_entropy":
        return -sympy.Add(*[tj * sympy.log(oj) for tj, oj in zip(t, o)])
    raise ValueError(name)


@dataclass
class SymbolicLoss:
    """E(params, x, t) as a sympy expression, and its derivative with respect to each parameter."""

    net: Net
    symbols: dict = field(default_factory=dict)   # Key -> Symbol
    xs: list = field(default_factory=list)
    ts: list = field(default_factory=list)
    expr: sympy.Expr = field(default_factory=lambda: sympy.Integer(0))
    derivatives: dict = field(default_factory=dict)  # Key -> sympy.Expr
    fn: Callable | None = None                     # (*params, *x, *t) -> [E, dE/dp1, dE/dp2, ...]

    def _eval(self, p: Params, x, t) -> list[float]:
        """Loss and derivatives at these numbers, evaluated with 30 significant digits."""
        args = [p[k] for k in self.net.param_keys()] + list(x) + list(t)
        with mpmath.workdps(30):
            return [float(v) for v in self.fn(*args)]

    def loss(self, p: Params, x, t) -> float:
        return self._eval(p, x, t)[0]

    def gradient(self, p: Params, x, t) -> Params:
        return dict(zip(self.net.param_keys(), self._eval(p, x, t)[1:]))


def _name(k: Key) -> str:
    """w_2_1_3 (layer 2, neuron 1, from neuron 3), b_2_1, or b_2 for a shared bias."""
    return "_".join(str(v) for v in k if v is not None)


@cache
def symbolic_loss(net: Net) -> SymbolicLoss:
    """Build the forward pass in sympy, one symbol per parameter, input and target."""
    s = SymbolicLoss(net)
    s.symbols = {k: sympy.Symbol(_name(k)) for k in net.param_keys()}
    s.xs = list(sympy.symbols(f"x1:{net.layers[0] + 1}"))
    s.ts = list(sympy.symbols(f"t1:{net.layers[-1] + 1}"))
    outs: list[sympy.Expr] = list(s.xs)
    for l in range(1, net.depth + 1):
        z = []
        for j in range(1, net.layers[l] + 1):
            terms = [s.symbols[("w", l, j, i)] * outs[i - 1] for i in range(1, net.layers[l - 1] + 1)]
            bk = net.bias_key(l, j)
            z.append(sympy.Add(*terms, *([s.symbols[bk]] if bk else [])))
        outs = [sym_activation(net.acts[l - 1], z, j) for j in range(len(z))]
    s.expr = sym_loss(net.loss, outs, s.ts)
    s.derivatives = {k: sympy.diff(s.expr, s.symbols[k]) for k in net.param_keys()}
    args = [s.symbols[k] for k in net.param_keys()] + s.xs + s.ts
    # one function for all, common subexpressions shared: printing each derivative alone is slow
    s.fn = sympy.lambdify(args, [s.expr, *s.derivatives.values()], modules="mpmath", cse=True)
    return s


# --- a reference training run -----------------------------------------------------
@dataclass
class Step:
    """One gradient-descent step of the reference run."""

    number: int
    epoch: int
    examples: list[int]                   # 1-based example numbers of the batch
    before: Params
    per_example: list[Params]             # gradient of each example's own loss
    mean: Params                          # the gradient the update uses
    after: Params
    losses: list[float]


def train(net: Net, p0: Params, data, lr: float, epochs: int = 1, batch_size: int = 1,
          update_biases: bool = True, gradient: Callable[[Params, Any, Any], Params] | None = None,
          loss: Callable[[Params, Any, Any], float] | None = None) -> list[Step]:
    """Mini-batch gradient descent as the problem file describes it (all layers from the old weights)."""
    gradient = gradient or (lambda p, x, t: finite_difference(net, p, [(x, t)]))
    loss = loss or (lambda p, x, t: np_example_loss(net, p, x, t))
    steps: list[Step] = []
    p = dict(p0)
    for epoch in range(1, epochs + 1):
        for start in range(0, len(data), batch_size):
            idx = list(range(start, min(start + batch_size, len(data))))
            per = [gradient(p, *data[k]) for k in idx]
            mean = {k: math.fsum(g[k] for g in per) / len(per) for k in net.param_keys()}
            after = {k: (v - lr * mean[k] if (k[0] == "w" or update_biases) else v) for k, v in p.items()}
            steps.append(Step(len(steps) + 1, epoch, [k + 1 for k in idx], copy.copy(p), per, mean, after,
                              [loss(p, *data[k]) for k in idx]))
            p = after
    return steps


def entry_key(entry) -> Key:
    """The parameter a dw/db/new_w/new_b entry is about."""
    if entry.kind in ("dw", "new_w"):
        return ("w", entry.layer, entry.neuron, entry.source)
    return ("b", entry.layer, entry.neuron)


def close(a: float, b: float, rel: float = 1e-9, abs_: float = 1e-12) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)
