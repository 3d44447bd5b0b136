"""Record the figures tests/test_optimizers.py compares with: torch.optim on the classic 2-2-2 net.

Run with PyTorch installed (any build; the CPU is used), from the checkout root:

    python tests/pytorch/record_optimizers.py   # writes tests/pytorch/optimizers.json

Everything in float64 (``torch.set_default_dtype(torch.float64)``) and every
hyperparameter passed explicitly, since PyTorch's defaults differ from the problem
file's (RMSprop's alpha 0.99, Adagrad's eps 1e-10, ...). The network, data and losses
are written here from the problem's definition, independently of tracer: sigmoid layers,
per-neuron biases, half squared error summed over the outputs, the mean over a
mini-batch; regularization adds its penalty to the loss and autograd differentiates it.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

torch.set_default_dtype(torch.float64)

OUT = Path(__file__).with_name("optimizers.json")
W1 = [[0.15, 0.2], [0.25, 0.3]]
W2 = [[0.4, 0.45], [0.5, 0.55]]
B1 = [0.35, 0.35]
B2 = [0.6, 0.6]
DATA = [([0.05, 0.1], [0.01, 0.99]), ([0.3, -0.2], [0.8, 0.2]), ([-0.1, 0.4], [0.5, 0.1])]
LR = 0.5

#: name -> (problem-file optimizer, torch optimizer factory, regularization, batch size, epochs)
CASES = {
    "momentum": ({"name": "momentum", "momentum": 0.9},
                 lambda p: torch.optim.SGD(p, lr=LR, momentum=0.9, dampening=0.0, weight_decay=0.0, nesterov=False),
                 None, 1, 2),
    "nesterov": ({"name": "momentum", "momentum": 0.8, "nesterov": True},
                 lambda p: torch.optim.SGD(p, lr=LR, momentum=0.8, dampening=0.0, weight_decay=0.0, nesterov=True),
                 None, 1, 2),
    "adagrad": ({"name": "adagrad", "epsilon": 1e-8},
                lambda p: torch.optim.Adagrad(p, lr=LR, lr_decay=0.0, weight_decay=0.0,
                                              initial_accumulator_value=0.0, eps=1e-8),
                None, 1, 2),
    "rmsprop": ({"name": "rmsprop", "decay": 0.9, "epsilon": 1e-8},
                lambda p: torch.optim.RMSprop(p, lr=LR, alpha=0.9, eps=1e-8, weight_decay=0.0, momentum=0.0,
                                              centered=False),
                None, 1, 2),
    "adam": ({"name": "adam", "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
             lambda p: torch.optim.Adam(p, lr=LR, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False),
             None, 1, 2),
    "adam_batch": ({"name": "adam", "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-6},
                   lambda p: torch.optim.Adam(p, lr=LR, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.0, amsgrad=False),
                   None, 2, 3),
    "adamw": ({"name": "adamw", "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "weight_decay": 0.01},
              lambda p: torch.optim.AdamW(p, lr=LR, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01, amsgrad=False),
              None, 1, 2),
    "sgd_l2": ("sgd", lambda p: torch.optim.SGD(p, lr=LR, momentum=0.0, weight_decay=0.0),
               {"l2": 0.1}, 1, 2),
    "sgd_l2_biases_batch": ("sgd", lambda p: torch.optim.SGD(p, lr=LR, momentum=0.0, weight_decay=0.0),
                            {"l2": 0.1, "biases": True, "scale": "batch"}, 2, 2),
    "momentum_l1": ({"name": "momentum", "momentum": 0.9},
                    lambda p: torch.optim.SGD(p, lr=LR, momentum=0.9, dampening=0.0, weight_decay=0.0),
                    {"l1": 0.05}, 1, 2),
}


def penalty(reg: dict | None, weights: list[torch.Tensor], biases: list[torch.Tensor], m: int) -> torch.Tensor:
    if not reg:
        return torch.tensor(0.0)
    params = weights + (biases if reg.get("biases") else [])
    scale = m if reg.get("scale") == "batch" else 1
    total = torch.tensor(0.0)
    if reg.get("l2"):
        total = total + reg["l2"] / (2 * scale) * sum((p ** 2).sum() for p in params)
    if reg.get("l1"):
        total = total + reg["l1"] / scale * sum(p.abs().sum() for p in params)
    return total


def run(make, reg, batch_size: int, epochs: int) -> dict:
    w1, w2 = torch.tensor(W1, requires_grad=True), torch.tensor(W2, requires_grad=True)
    b1, b2 = torch.tensor(B1, requires_grad=True), torch.tensor(B2, requires_grad=True)
    opt = make([w1, b1, w2, b2])
    losses = []
    for _ in range(epochs):
        for start in range(0, len(DATA), batch_size):
            batch = DATA[start:start + batch_size]
            opt.zero_grad()
            data = torch.tensor(0.0)
            for x, t in batch:
                h = torch.sigmoid(w1 @ torch.tensor(x) + b1)
                o = torch.sigmoid(w2 @ h + b2)
                data = data + 0.5 * ((torch.tensor(t) - o) ** 2).sum()
            loss = data / len(batch) + penalty(reg, [w1, w2], [b1, b2], len(batch))
            loss.backward()
            opt.step()
            losses.append(loss.item())
    return {"weights": [w1.tolist(), w2.tolist()], "biases": [b1.tolist(), b2.tolist()], "losses": losses}


def main() -> int:
    figures = {"torch": torch.__version__, "network": {"W1": W1, "W2": W2, "b1": B1, "b2": B2},
               "data": DATA, "learning_rate": LR, "cases": {}}
    for name, (spec, make, reg, batch_size, epochs) in CASES.items():
        figures["cases"][name] = {"optimizer": spec, "regularization": reg, "batch_size": batch_size,
                                  "epochs": epochs, **run(make, reg, batch_size, epochs)}
    OUT.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
