"""The classic single-layer learning rules (``training: {rule: ...}``), as facts about each.

The arithmetic is in ``engine/rules.py``; this module says what each rule is called, which
activations it trains, whether it stops on an error-free epoch, and how a problem file
that gives it the wrong network is told so.
"""
from __future__ import annotations

from dataclasses import dataclass

from .activations import Activation


@dataclass(frozen=True)
class Rule:
    name: str
    title: str
    #: Stops after the first epoch in which every output is right (else runs ``epochs``).
    stops: bool
    #: The learning rate when the problem gives none (Hebb's η = 1), or None: required.
    default_rate: float | None = None

    def activation_flaw(self, act: Activation) -> str | None:
        """Why this rule cannot train a unit with ``act``, or None."""
        if self.name == "perceptron" and not act.hard_limiter:
            return "step or sign (the perceptron's hard limiter)"
        if self.name == "delta" and (act.hard_limiter or act.layerwise):
            return ("a differentiable activation (sigmoid, tanh, linear, ...); the delta rule needs "
                    "f'(net), which step and sign do not have")
        if self.name == "adaline" and not (act.hard_limiter or act.name == "linear"):
            return "sign, step or linear (ADALINE learns on the linear net; the activation is its quantizer)"
        if self.name == "hebb" and act.layerwise:
            return "an elementwise activation (sign, step, linear, ...)"
        return None


RULES: dict[str, Rule] = {r.name: r for r in (
    Rule("perceptron", "Perceptron learning rule (Rosenblatt)", stops=True),
    Rule("delta", "Delta rule", stops=False),
    Rule("adaline", "ADALINE (LMS, Widrow–Hoff) rule", stops=False),
    Rule("hebb", "Hebb rule", stops=False, default_rate=1.0),
)}
