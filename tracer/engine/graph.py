"""Any scalar expression as a computational graph: forward and backward values at every gate.

``build(program)`` turns the parsed statements into gates in evaluation order (a gate per
operator or function call; a statement's top gate takes the statement's name, the others
``g1, g2, ...``); ``trace_graph(problem)`` logs, as entries of the same kind as a network's:

* ``gate``: each gate's forward value (``q = x + y = -2 + 5 = 3``);
* ``local_grad``: each gate's local gradient with respect to each input that is not a
  constant (``local dq/dx``, printed ∂q/∂x);
* ``grad``: the gradient arriving at each gate and variable (``df/dq``, ``df/dx``), the
  chain rule's upstream × local. A value feeding several gates gets one ``grad`` entry per
  path (``df/dx via q``: upstream × local along it), then their sum (``df/dx``).
  ``df/df`` is the output gradient the problem gives (1 unless ``output_gradient`` says).

Every entry has step 1, epoch 1 and no layer, neuron, source or example.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..errors import ProblemError
from ..formula.text import text as plain
from ..formula.tree import Symbol
from ..model.expression import (
    Binary,
    Call,
    Expr,
    Num,
    Program,
    Unary,
    Var,
    activation_named,
    name_latex,
)
from ..model.graph_problem import GraphProblem
from .gates import (
    ActivationGate,
    AddGate,
    Chain,
    CopyGate,
    DivGate,
    ExpGate,
    Gate,
    GateDomainError,
    LocalGrad,
    LogGate,
    MaxGate,
    MulGate,
    NegGate,
    PowGate,
    Seed,
    SubGate,
)
from .jsontext import dumps
from .log import FORMAT_NAME, FORMAT_VERSION, Entries, Entry, json_number
from .ops import Operand, Sum

KINDS = ("gate", "local_grad", "grad")
_BINARY = {"+": AddGate, "-": SubGate, "*": MulGate, "/": DivGate}
_FUNCTIONS: dict[str, type[Gate]] = {"exp": ExpGate, "log": LogGate, "ln": LogGate}


@dataclass(frozen=True)
class Source:
    """What feeds a gate input: a variable (by name), a constant (its value) or a gate (its index)."""

    kind: str            # variable | constant | gate
    name: str            # the variable's name, the constant as written ("" for a gate: see Circuit.name)
    value: float = 0.0   # constants only
    gate: int = -1       # gates only


@dataclass(frozen=True)
class GateSpec:
    """One gate of the circuit: its name, its operation and what feeds it."""

    name: str
    latex: str
    gate: Gate
    inputs: tuple[Source, ...]
    auto: bool           # named g1, g2, ... (no statement names it)
    column: int = 0      # where its operator or function stands in the expression's line


@dataclass
class Circuit:
    """The gates in evaluation order, the variables in order of first use, the output gate."""

    gates: list[GateSpec]
    variables: list[str]

    @property
    def output(self) -> GateSpec:
        return self.gates[-1]

    def name(self, source: Source) -> str:
        return self.gates[source.gate].name if source.kind == "gate" else source.name

    def consumers(self, source: Source) -> list[tuple[int, int]]:
        """(gate index, input position) of every use of a value, in evaluation order."""
        return [(i, k) for i, g in enumerate(self.gates) for k, s in enumerate(g.inputs) if s == source]

    def depth(self) -> list[int]:
        """Each gate's column on a circuit diagram: 1 + the deepest gate feeding it."""
        out: list[int] = []
        for g in self.gates:
            out.append(1 + max((out[s.gate] for s in g.inputs if s.kind == "gate"), default=0))
        return out


def build(program: Program) -> Circuit:
    """The gates of the statements, in the order they are computed."""
    gates: list[GateSpec] = []
    named: dict[str, int] = {}
    variables = list(program.variables())

    def add(gate: Gate, inputs: list[Source], name: str | None, column: int) -> Source:
        gates.append(GateSpec(name or "", name_latex(name) if name else "", gate, tuple(inputs), name is None,
                              column))
        return Source("gate", "", gate=len(gates) - 1)

    def walk(e: Expr, name: str | None = None) -> Source:
        if isinstance(e, Num):
            return Source("constant", e.text, value=e.value)
        if isinstance(e, Var):
            return Source("gate", "", gate=named[e.name]) if e.name in named else Source("variable", e.name)
        if isinstance(e, Unary):
            return add(NegGate(), [walk(e.operand)], name, e.column)
        if isinstance(e, Binary):
            if e.op == "^":
                base = walk(e.left)
                if isinstance(e.right, Num):
                    return add(PowGate(e.right.value), [base], name, e.column)
                return add(PowGate(), [base, walk(e.right)], name, e.column)
            left, right = walk(e.left), walk(e.right)
            return add(_BINARY[e.op](), [left, right], name, e.column)
        assert isinstance(e, Call)
        args = [walk(a) for a in e.args]
        if e.func == "max":
            return add(MaxGate(), args, name, e.column)
        if e.func in _FUNCTIONS:
            return add(_FUNCTIONS[e.func](), args, name, e.column)
        return add(ActivationGate(activation_named(e.func)), args, name, e.column)

    for s in program.statements:
        top = walk(s.expr, s.name)
        if top.kind != "gate" or top.gate in named.values():   # q = x, q = 2, r = q: a copy gate
            add(CopyGate(), [top], s.name, 0)
        named[s.name] = len(gates) - 1
    taken = set(variables) | set(named)
    counter = 0
    for i, g in enumerate(gates):
        if g.auto:
            counter += 1
            while f"g{counter}" in taken:
                counter += 1
            gates[i] = GateSpec(f"g{counter}", f"g_{{{counter}}}", g.gate, g.inputs, True, g.column)
    circuit = Circuit(gates, variables)
    for name, index in named.items():
        if index != len(gates) - 1 and not circuit.consumers(Source("gate", "", gate=index)):
            raise ProblemError(f"expression: found {name} defined but never used; expected every statement "
                               f"to feed the output {program.output}")
    return circuit


@dataclass
class GraphLog(Entries):
    """The entries of an expression's trace, with its circuit (for the diagram and the walkthrough)."""

    problem: GraphProblem
    circuit: Circuit
    entries: list[Entry] = field(default_factory=list)
    gate_entry: list[int] = field(default_factory=list)           # gate i -> its gate entry
    grad_entry: dict[Source, int] = field(default_factory=dict)   # value -> its grad entry
    local_entry: dict[tuple[int, int], int] = field(default_factory=dict)  # (gate, input) -> local_grad
    wire_entry: dict[tuple[int, int], int] = field(default_factory=dict)   # (gate, input) -> the gradient
    # flowing back along that wire: the input's grad entry, or its path entry when it feeds several gates
    seed: int = -1                                                 # the df/df entry

    def select(self, kind: str | None = None) -> list[Entry]:
        return [e for e in self.entries if kind is None or e.kind == kind]

    @property
    def steps(self) -> list[int]:
        return [1]

    @property
    def output(self) -> Entry:
        return self.entries[self.gate_entry[-1]]

    def gradients(self) -> dict[str, Entry]:
        """The gradient arriving at each variable, by variable name."""
        return {v: self.entries[self.grad_entry[Source("variable", v)]] for v in self.circuit.variables}

    def gate_source(self, i: int) -> Source:
        return Source("gate", "", gate=i)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT_NAME, "version": FORMAT_VERSION,
            "problem": self.problem.to_dict(),
            "entries": [e.to_dict() for e in self.entries],
            "history": [],
            "final": {"output": self.output.name, "value": json_number(self.output.value),
                      "gradients": {v: json_number(e.value) for v, e in self.gradients().items()}},
        }

    def to_json(self) -> str:
        return dumps(self.to_dict(), indent=1) + "\n"


def trace_graph(problem: GraphProblem) -> GraphLog:
    """Forward gate by gate, then backward from the output, every quantity an entry."""
    return _Tracer(problem, build(problem.program)).run()


def _point(problem: GraphProblem) -> str:
    return ", ".join(f"{k} = {problem.rounding.show_given(v)}" for k, v in problem.values.items())


class _Tracer:
    def __init__(self, problem: GraphProblem, circuit: Circuit) -> None:
        self.problem = problem
        self.circuit = circuit
        self.log = GraphLog(problem, circuit)
        self.rounding = problem.rounding
        self.operands: dict[Source, Operand] = {}

    def add(self, kind: str, name: str, latex: str, op: Any, operands: list[Operand], value: float) -> Operand:
        if self.rounding.carry:
            value = self.rounding.apply(value)
        entries = self.log.entries
        shown = self.printed(op, operands, value)
        entries.append(Entry(len(entries), kind, 1, 1, None, None, None, None,
                             name, latex, op, tuple(operands), value, shown))
        return Operand(name, latex, value, shown, len(entries) - 1)

    def printed(self, op: Any, operands: list[Operand], value: float) -> str:
        """The value as printed, so that its line adds up (as ``Recorder.printed`` for a
        network): the line's own result when that is exact at the printed digits and within
        one unit of the value (at three decimals 0.197 · 2 = 0.394, though the value
        0.19661 · 2 rounds to 0.393)."""
        shown = self.rounding.show(value)
        if self.rounding.carry or not operands:
            return shown
        try:
            result = float(op.evaluate([float(o.shown) for o in operands]))
        except (ArithmeticError, ValueError, GateDomainError):
            return shown
        if not math.isfinite(result) or result == value:
            return shown
        own = self.rounding.show(result)   # the line's result, when it needs no rounding (0.197 · 2)
        if own != shown and float(own) == float(format(result, ".12g")) and self.rounding.agrees(value, own, result):
            return own
        return shown

    def operand(self, s: Source) -> Operand:
        if s not in self.operands:
            if s.kind == "variable":
                v = self.problem.values[s.name]
                self.operands[s] = Operand(s.name, name_latex(s.name), v, self.rounding.show_given(v))
            else:  # a constant: printed as written
                latex = f"({s.name})" if s.name.startswith("-") else s.name
                self.operands[s] = Operand(s.name, latex, s.value, s.name)
        return self.operands[s]

    def fail(self, g: GateSpec, args: list[Operand], reason: str, what: str = "") -> ProblemError:
        formula = plain(g.gate.tree([Symbol(o.latex, o.name) for o in args]))
        where = f"column {g.column}: " if g.column and "\n" not in self.problem.expression.strip() else ""
        source = self.problem.source
        source = source if source == "--expr" else f"{source}: expression"
        return ProblemError(f"{source}: {where}{g.name} = {formula}{what}: found {reason} at "
                            f"{_point(self.problem)}; expected a point where the expression and its "
                            "gradient have real values")

    def run(self) -> GraphLog:
        self.forward()
        self.backward()
        return self.log

    def forward(self) -> None:
        for i, g in enumerate(self.circuit.gates):
            args = [self.operand(s) for s in g.inputs]
            try:
                value = g.gate.evaluate([a.value for a in args])
            except GateDomainError as exc:
                raise self.fail(g, args, str(exc)) from None
            if not math.isfinite(value):
                raise self.fail(g, args, f"the value {value} (too large for a float)")
            out = self.add("gate", g.name, g.latex, g.gate, args, value)
            self.operands[Source("gate", "", gate=i)] = out
            self.log.gate_entry.append(out.entry or 0)

    def backward(self) -> None:
        circuit, log = self.circuit, self.log
        out = circuit.output
        out_source = Source("gate", "", gate=len(circuit.gates) - 1)
        g_value = self.problem.output_gradient
        given = Operand("output_gradient", self.rounding.show_given(g_value), g_value,
                        self.rounding.show_given(g_value))
        grads: dict[Source, Operand] = {}
        top = self.problem.gradient_of or out.latex   # ∂f/∂x, or ∂E_total/∂w5 inside a network
        seed = self.add("grad", f"d{out.name}/d{out.name}", _partial(top, out.latex), Seed(), [given], g_value)
        grads[out_source] = seed
        log.seed = log.grad_entry[out_source] = seed.entry or 0
        paths: dict[Source, dict[tuple[int, int], Operand]] = {}
        for i in range(len(circuit.gates) - 1, -1, -1):
            g = circuit.gates[i]
            args = [self.operand(s) for s in g.inputs]
            me = self.operands[Source("gate", "", gate=i)]
            upstream = grads[Source("gate", "", gate=i)]
            repeated = {s for s in g.inputs if g.inputs.count(s) > 1}
            locals_: dict[int, Operand] = {}
            for k, s in enumerate(g.inputs):
                if s.kind == "constant":
                    continue
                suffix = f".{k + 1}" if s in repeated else ""
                op = LocalGrad(g.gate, k)
                try:
                    value = op.evaluate([a.value for a in args] + [me.value])
                except GateDomainError as exc:
                    raise self.fail(g, args, str(exc), f" (its gradient with respect to {circuit.name(s)})") from None
                if not math.isfinite(value):
                    raise self.fail(g, args, f"a gradient of {value} with respect to {circuit.name(s)}")
                locals_[k] = self.add("local_grad", f"local d{g.name}/d{circuit.name(s)}{suffix}",
                                      _partial(g.latex, self.operand(s).latex), op, [*args, me], value)
                log.local_entry[(i, k)] = locals_[k].entry or 0
            for k, s in enumerate(g.inputs):
                if s.kind == "constant":
                    continue
                name, src = circuit.name(s), self.operand(s)
                uses = circuit.consumers(s)
                pair = [upstream, locals_[k]]
                value = Chain().evaluate([upstream.value, locals_[k].value])
                if not math.isfinite(value):
                    raise self.fail(g, args, f"a gradient of {value} arriving at {name}")
                if len(uses) == 1:
                    grads[s] = self.add("grad", f"d{out.name}/d{name}", _partial(top, src.latex),
                                        Chain(), pair, value)
                    log.grad_entry[s] = log.wire_entry[(i, k)] = grads[s].entry or 0
                    continue
                suffix = f".{k + 1}" if s in repeated else ""
                path = self.add("grad", f"d{out.name}/d{name} via {g.name}{suffix}",
                                f"\\left.{_partial(top, src.latex)}\\right|_{{{g.latex}{suffix}}}",
                                Chain(), pair, value)
                paths.setdefault(s, {})[(i, k)] = path
                log.wire_entry[(i, k)] = path.entry or 0
                if len(paths[s]) == len(uses):
                    terms = [paths[s][use] for use in uses]
                    total = math.fsum(t.value for t in terms)
                    grads[s] = self.add("grad", f"d{out.name}/d{name}", _partial(top, src.latex),
                                        Sum(), terms, total)
                    log.grad_entry[s] = grads[s].entry or 0


def _partial(top: str, bottom: str) -> str:
    return f"\\frac{{\\partial {top}}}{{\\partial {bottom}}}"


