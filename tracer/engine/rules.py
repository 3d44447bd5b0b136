"""The classic single-layer learning rules, presentation by presentation.

    perceptron   w ← w + α·(t − y)·x            y = step(net) or sign(net)   (Rosenblatt)
    delta        w ← w + α·(t − y)·f′(net)·x     y = f(net)                   (LMS for a linear f)
    adaline      w ← w + α·(t − net)·x           y = quantizer(net), shown    (Widrow–Hoff)
    hebb         w ← w + η·x·t                   η = 1 unless given

A bias is a weight on a constant input: +1 when it is added (net = Σ w·x + b), −1 when it
is a subtracted threshold (``conventions.bias: subtracted``: net = Σ w·x − θ, so
Δθ = α·e·(−1)). Every presentation is recorded (net, out, error, delta_w, delta_b,
new_w, new_b; step = presentation number), whatever ``show_steps`` says: the books print
the whole table. Each epoch's wrong outputs and squared error go into ``log.epochs``, and
``log.convergence`` says whether, and in which epoch, a run had an epoch without error.

Values are held as decimals of 15 significant digits, as a hand computation holds them:
0.3 − 0.1 is 0.2 (binary floating point makes it 0.19999999999999998), so Negnevitsky's
net input 0.2·1 + 0·1 − 0.2 is 0 and the step fires (Table 6.3, epoch 2, last row), as
the book has it. With ``rounding.carry`` every value is carried rounded as it is printed.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..model.activations import ElementwiseOp
from ..model.notation import Names, Notation
from ..model.problem import Problem
from ..model.rules import RULES
from .log import Entry, TraceLog
from .ops import RULE_UPDATE, Difference, Identity, Op, Operand, Product, ThresholdSum, WeightedSum

#: The JSON log's kinds of a rule's presentation, in the order they are recorded.
RULE_KINDS = ("net", "out", "dact", "error", "delta_w", "delta_b", "new_w", "new_b")


def decimal(x: float) -> float:
    """x at 15 significant digits: 0.3 - 0.1 -> 0.2, 0.1 * 3 -> 0.3 (what a hand computation writes)."""
    return float(format(x, ".15g")) if math.isfinite(x) else x


class RuleNames:
    """The books' names: x1, w1, θ (or b), net, y, t, e, Δw1, Δθ; w_{j,i} with several outputs.

    ``index_base`` numbers inputs and outputs from 0 or 1 (``conventions.index_base``); the
    log's neuron and source fields still count from 1. ``rate`` is the learning rate's name.
    """

    def __init__(self, n_in: int, n_out: int, base: int, threshold: bool, rate: Names) -> None:
        self.n_out, self.base, self.rate = n_out, base, rate
        self.bias = Names("theta", "\\theta") if threshold else Names("b", "b")

    def _sub(self, plain: str, latex: str, *index: int) -> Names:
        shown = [str(k - 1 + self.base) for k in index]
        if not shown:
            return Names(plain, latex)
        return Names(plain + "".join(shown), f"{latex}_{{{','.join(shown)}}}")

    def of(self, kind: str, j: int, i: int | None = None) -> Names:
        one = self.n_out == 1
        outs: tuple[int, ...] = () if one else (j,)
        if kind == "input":
            return self._sub("x", "x", i or 1)
        if kind in ("weight", "delta_w", "new_w"):
            w = self._sub("w", "w", *outs, i or 1)
            if kind == "delta_w":
                return Names("d" + w.plain, "\\Delta " + w.latex)
            return Names(w.plain + "+", w.latex + "^{+}") if kind == "new_w" else w
        if kind in ("bias", "delta_b", "new_b"):
            b = self._sub(self.bias.plain, self.bias.latex, *outs)
            if kind == "delta_b":
                return Names("d" + b.plain, "\\Delta " + b.latex)
            return Names(b.plain + "+", b.latex + "^{+}") if kind == "new_b" else b
        symbol = {"net": ("net", "net"), "out": ("y", "y"), "target": ("t", "t"), "error": ("e", "e"),
                  "dact": ("f'", "f'")}[kind]
        return self._sub(*symbol, *outs)


def rate_names(problem: Problem) -> Names:
    """The notation's learning-rate symbol when it names one (``notation: {learning_rate: l}``);
    else α for the error-correcting rules (Negnevitsky, Hagan), η for Hebb (Fausett)."""
    notation = Notation.from_spec(problem.layers, problem.bias, problem.notation)
    if notation.rate_given:
        return notation.rate
    return Names("eta", "\\eta") if problem.training.rule == "hebb" else Names("alpha", "\\alpha")


def trace_rule(problem: Problem) -> TraceLog:
    """Train one layer of units by the problem's rule; record every presentation."""
    assert problem.training.rule is not None
    rule = RULES[problem.training.rule]
    notation = Notation.from_spec(problem.layers, problem.bias, problem.notation)
    log = TraceLog(problem, notation)
    log.epochs, log.convergence = [], {}
    n_in, n_out = problem.layers
    threshold = problem.conventions.bias == "subtracted"
    has_bias = problem.bias != "none"
    names = RuleNames(n_in, n_out, int(problem.conventions.index_base), threshold, rate_names(problem))
    act = problem.activations[0]
    carry = problem.rounding.apply if problem.rounding.carry else decimal
    w = [list(row) for row in problem.weights[0]]
    b = list(problem.biases[0]) if has_bias else []
    made: dict[tuple[str, int, int | None], int] = {}   # the entry that made each weight's value
    rate = problem.training.learning_rate
    step = 0
    first_clean: int | None = None
    epoch = 0
    for epoch in range(1, problem.training.epochs + 1):
        wrong, squared = 0, 0.0
        for k, example in enumerate(problem.data, 1):
            step += 1
            rec = _Presentation(log, problem, names, step, epoch, k, made)
            errors, miss = rec.run(rule.name, act, w, b, example.input, example.target, rate, threshold, carry)
            squared += math.fsum(e * e for e in errors)
            wrong += miss
            log.history.append({"step": step, "epoch": epoch, "example": k,
                                "loss": math.fsum(e * e for e in errors)})
        log.epochs.append({"epoch": epoch, "errors": wrong, "squared_error": decimal(squared)})
        if wrong == 0 and first_clean is None:
            first_clean = epoch
        if wrong == 0 and rule.stops:
            break
    last_clean = bool(log.epochs) and log.epochs[-1]["errors"] == 0
    log.convergence = {"converged": last_clean, "epoch": first_clean if last_clean else None,
                       "stopped_by": "convergence" if rule.stops and last_clean else "epochs",
                       "epochs_run": epoch, "wrong_after": _wrong_after(problem, w, b, threshold)}
    log.final_weights = [w]
    log.final_biases = [b]
    return log


def _wrong_after(problem: Problem, w: list[list[float]], b: list[float], threshold: bool) -> int:
    """How many examples the trained weights still get wrong (Hebb's outputs during its one
    epoch come from weights still being built: Fausett's AND net is wrong twice, then right)."""
    act, sign = problem.activations[0], -1.0 if threshold else 1.0
    wrong = 0
    for example in problem.data:
        nets = [decimal(math.fsum([wi * x for wi, x in zip(row, example.input)] + ([sign * b[j]] if b else [])))
                for j, row in enumerate(w)]
        outs = act.forward(np.array(nets)).tolist()
        wrong += int(any(y != t for y, t in zip(outs, example.target)))
    return wrong


@dataclass
class _Presentation:
    """One example presented once: its entries, appended to the log."""

    log: TraceLog
    problem: Problem
    names: RuleNames
    step: int
    epoch: int
    example: int
    made: dict[tuple[str, int, int | None], int]

    def add(self, kind: str, j: int, i: int | None, op: Op, operands: list[Operand], value: float) -> Operand:
        n = self.names.of(kind, j, i)
        entries = self.log.entries
        shown = self.problem.rounding.show(value)
        entries.append(Entry(len(entries), kind, self.step, self.epoch, self.example, 1, j, i, n.plain, n.latex,
                             op, tuple(operands), value, shown))
        return Operand(n.plain, n.latex, value, shown, len(entries) - 1)

    def given(self, kind: str, j: int, i: int | None, value: float) -> Operand:
        n = self.names.of(kind, j, i)
        computed = (kind, j, i) in self.made            # a weight an earlier presentation moved
        shown = self.problem.rounding.show(value) if computed else self.problem.rounding.show_given(value)
        return Operand(n.plain, n.latex, value, shown, self.made.get((kind, j, i)))

    def constant(self, value: float) -> Operand:
        text = format(value, "g")
        return Operand(text, text, value, text)

    def run(self, rule: str, act, w: list[list[float]], b: list[float], xs: tuple[float, ...],
            ts: tuple[float, ...], rate: float, threshold: bool, carry: Callable[[float], float]
            ) -> tuple[list[float], int]:
        """Record the presentation and move w and b in place; the errors and whether an output was wrong."""
        p = self.problem
        alpha = Operand(self.names.rate.plain, self.names.rate.latex, rate, p.rounding.show_given(rate))
        x_ops = [self.given("input", 1, i, x) for i, x in enumerate(xs, 1)]
        errors: list[float] = []
        wrong = 0
        for j, t in enumerate(ts, 1):
            row = w[j - 1]
            w_ops = [self.given("weight", j, i, v) for i, v in enumerate(row, 1)]
            pairs = [o for pair in zip(w_ops, x_ops) for o in pair]
            has_bias = bool(b)
            b_op = self.given("bias", j, None, b[j - 1]) if has_bias else None
            if threshold and b_op is not None:
                net_op: Op = ThresholdSum()
            else:
                net_op = WeightedSum(has_bias)
            operands = pairs + ([b_op] if b_op is not None else [])
            net = self.add("net", j, None, net_op, operands, carry(net_op.evaluate([o.value for o in operands])))
            y_value = carry(float(act.forward(np.array([net.value]))[0]))
            y = self.add("out", j, None, ElementwiseOp(act), [net], y_value)
            t_op = self.given("target", j, None, t)
            wrong += int(y.value != t)
            factors: list[Operand]
            roles: tuple[str, ...]   # the factors' roles in Δw, the input put in below
            if rule == "hebb":
                e = self.add("error", j, None, Difference(), [t_op, y], carry(t - y.value))
                factors = ([alpha] if rate != 1 else []) + [t_op]
                roles = (("rate",) if rate != 1 else ()) + ("target",)
                errors.append(e.value)
            elif rule == "adaline":
                e = self.add("error", j, None, Difference(), [t_op, net], carry(t - net.value))
                factors, roles = [alpha, e], ("rate", "error")
                errors.append(e.value)
            else:
                e = self.add("error", j, None, Difference(), [t_op, y], carry(t - y.value))
                factors, roles = [alpha, e], ("rate", "error")
                if rule == "delta":
                    d = float(act.derivative(np.array([net.value]), np.array([y.value]))[0])
                    factors.append(self.add("dact", j, None, ElementwiseOp(act, derivative=True), [net, y],
                                            carry(d)))
                    roles += ("dact",)
                errors.append(e.value)
            # Hebb's Δw = α·x·t (the input before the target), the others' α·e·x
            product = Product((*roles, "input") if rule != "hebb" else (*roles[:-1], "input", roles[-1]))
            for i, x_op in enumerate(x_ops, 1):
                operands = [*factors, x_op] if rule != "hebb" else [*factors[:-1], x_op, factors[-1]]
                dw = self.add("delta_w", j, i, product, operands, carry(product.evaluate([o.value for o in operands])))
                new = self.add("new_w", j, i, RULE_UPDATE, [w_ops[i - 1], dw], carry(row[i - 1] + dw.value))
                row[i - 1] = new.value
                self.made[("weight", j, i)] = new.entry  # type: ignore[assignment]
            if b_op is not None and p.training.update_biases:
                ones = [self.constant(-1.0)] if threshold else []
                operands = [*factors, *ones] if rule != "hebb" else [*factors[:-1], *ones, factors[-1]]
                ones_roles = ("input",) * len(ones)   # the bias's input, -1 (a threshold)
                bias_product = Product((*roles, *ones_roles) if rule != "hebb" else (*roles[:-1], *ones_roles, roles[-1]))
                db_value = carry(bias_product.evaluate([o.value for o in operands]))
                db = self.add("delta_b", j, None, bias_product if len(operands) > 1 else Identity(), operands, db_value)
                new_b = self.add("new_b", j, None, RULE_UPDATE, [b_op, db], carry(b[j - 1] + db.value))
                b[j - 1] = new_b.value
                self.made[("bias", j, None)] = new_b.entry  # type: ignore[assignment]
        return errors, int(wrong > 0)

