"""An expression's trace printed as a walkthrough: the forward pass gate by gate, then the
backward pass with the chain rule at each gate (upstream × local = downstream).

``render_graph(log, fmt, options)`` is ``render_text`` for a ``GraphLog``: the same printers,
the same document templates and the same jinja2 environment (``--templates`` overrides any
template), with the style's body from ``templates/graph/<style>.j2``. The view only selects
and orders entries; every number printed is an entry's or operand's shown string.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import jinja2

from ..engine.gates import ActivationGate, Gate
from ..engine.graph import GraphLog, Source
from ..engine.log import Entry
from ..errors import ProblemError
from ..examples import SEEDED_TOP
from ..formula.tree import Node as _Node
from ..formula.tree import Symbol as _Symbol
from ..model.graph_problem import GRAPH_STYLES
from . import Rendered, RenderOptions, environment, tidy
from .circuit import circuit_figure
from .html import HtmlPrinter
from .printers import PRINTERS, MarkdownPrinter
from .view import Eq

if TYPE_CHECKING:
    from ..engine.graph import GateSpec
    from ..formula.tree import Node
    from ..sheets.exercise import Exercise

Symbol_X = _Symbol("x", "x")

DEFAULT_STYLE = "chain-rule"

#: What each gate does to the gradient, as the notes say it (the backward pattern).
PATTERNS = {
    "add": "An add gate distributes: its local gradient is 1 for every input, so each input "
           "receives the upstream gradient unchanged.",
    "multiply": "A multiply gate swaps: its local gradient with respect to one input is the "
                "other input's value.",
    "max": "A max gate routes: the whole upstream gradient goes to its largest input and 0 to the "
           "others (on a tie, to the first of the largest).",
    "subtract": "A subtract gate passes the upstream gradient to its left input and its negative "
                "to its right input.",
    "divide": "A divide gate: the local gradient is 1 over the denominator for the numerator, and "
              "minus the numerator over the denominator squared for the denominator.",
    "power": "A power gate: the exponent times the base to the exponent minus one.",
    "exp": "An exp gate: its local gradient is its own output, e to the input.",
    "log": "A log gate: its local gradient is 1 over its input.",
    "negate": "A negate gate flips the sign of the gradient.",
    "copy": "A name for a value: the gradient passes through unchanged.",
    "activation": "An activation gate: its local gradient is the activation's derivative.",
}


@dataclass
class Downstream:
    """The gradient one input of a gate receives along this gate's wire."""

    name: str          # the input's name
    eq: Eq             # its grad entry (one path) or path entry (one of several)
    shared: bool       # True: the input feeds several gates; ``total`` sums them once all are known
    total: Eq | None = None
    paths: list[str] = field(default_factory=list)   # the gates the paths go through (for ``total``)
    first: bool = False   # the first path of a shared input printed: the page says what the bar notation means
    gradient: str = ""    # LaTeX of the input's whole gradient (the sum of its paths), e.g. \frac{\partial f}{\partial x}
    gate: str = ""        # LaTeX of the gate this path goes through, e.g. g_{2}
    input: str = ""       # LaTeX of the input, e.g. x
    paths_latex: list[str] = field(default_factory=list)   # ``paths`` as LaTeX names: g_{1}, g_{2}


@dataclass
class GateStep:
    """One gate of the backward pass."""

    name: str
    symbol: str        # LaTeX
    pattern: str       # sentence
    kind: str          # add, multiply, max, ...
    words: str         # "add gate", "sigmoid gate"
    upstream: Eq
    local: list[Eq]
    downstream: list[Downstream]
    is_output: bool


class GraphView:
    """The log grouped as the walkthrough reads it."""

    def __init__(self, log: GraphLog, max_terms: int | None = 8) -> None:
        self.log = log
        self.max_terms = max_terms
        self.circuit = log.circuit

    def eq(self, e: Entry | int) -> Eq:
        return Eq(self.log.entries[e] if isinstance(e, int) else e, self.max_terms)

    @property
    def output(self) -> Eq:
        return self.eq(self.log.output)

    @property
    def output_gradient(self) -> Eq:
        return self.eq(self.log.seed)

    @property
    def seeded_top(self) -> _Symbol | None:
        """L when the given output gradient is G ≠ 1 (``examples.seeded``): the name the
        walkthrough explains once, so that ∂L/∂f = G is not read as ∂f/∂f, which is 1."""
        top = self.log.problem.gradient_of
        return _Symbol(top, SEEDED_TOP[top]) if top in SEEDED_TOP else None

    def statements(self) -> list[list[_Node]]:
        """The expression as given, one statement a row [name, formula], as formula trees."""
        return [[_Symbol(s.latex, s.name), e] for s, e in self._statement_trees()]

    def _statement_trees(self) -> list[tuple[GateSpec, Node]]:
        from ..formula.tree import Group, Symbol

        trees: list[Node] = []
        out: list[tuple[GateSpec, Node]] = []
        named = {i for i, g in enumerate(self.circuit.gates) if not g.auto}
        for i, g in enumerate(self.circuit.gates):
            args: list[Node] = []
            for s in g.inputs:
                if s.kind == "gate" and s.gate not in named:
                    inner = trees[s.gate]
                    k = len(args)
                    args.append(Group(inner) if _bracket(g.gate, k, self.circuit.gates[s.gate].gate) else inner)
                else:
                    o = self._operand(s)
                    args.append(Symbol(o[0], o[1]))
            trees.append(g.gate.tree(args))
            if i in named:
                out.append((g, trees[i]))
        return out

    def _operand(self, s: Source) -> tuple[str, str]:
        e = self.log.entries
        if s.kind == "gate":
            entry = e[self.log.gate_entry[s.gate]]
            return entry.latex, entry.name
        from ..model.expression import name_latex
        if s.kind == "variable":
            return name_latex(s.name), s.name
        return (f"({s.name})" if s.name.startswith("-") else s.name), s.name

    def point(self) -> list[Node]:
        """``x = -2`` for every variable, as formula trees (values as given)."""
        from ..formula.tree import Number, Relation
        from ..model.expression import name_latex
        show = self.log.problem.rounding.show_given
        return [Relation(_Symbol(name_latex(v), v), "=", Number(show(x))) for v, x in self.log.problem.values.items()]

    def auto_names(self) -> list[str]:
        """The LaTeX names of the gates named g1, g2, ... (no statement names them)."""
        return [g.latex for g in self.circuit.gates if g.auto]

    @cached_property
    def forward(self) -> list[Eq]:
        return [self.eq(i) for i in self.log.gate_entry]

    def gate_words(self, i: int) -> str:
        g = self.circuit.gates[i].gate
        if isinstance(g, ActivationGate):
            return f"{g.activation.name.replace('_', ' ')} gate"
        return {"add": "add gate", "multiply": "multiply gate", "max": "max gate", "subtract": "subtract gate",
                "divide": "divide gate", "power": "power gate", "exp": "exp gate", "log": "log gate",
                "negate": "negate gate", "copy": "copy"}[g.pattern]

    @cached_property
    def backward(self) -> list[GateStep]:
        log, circuit = self.log, self.circuit
        steps: list[GateStep] = []
        explained = False   # the path notation is explained at its first use on the page
        for i in range(len(circuit.gates) - 1, -1, -1):
            g = circuit.gates[i]
            key = log.gate_source(i)
            local = [self.eq(log.local_entry[(i, k)]) for k, s in enumerate(g.inputs) if s.kind != "constant"]
            down: list[Downstream] = []
            for k, s in enumerate(g.inputs):
                if s.kind == "constant":
                    continue
                uses = circuit.consumers(s)
                wire = self.eq(log.wire_entry[(i, k)])
                if len(uses) == 1:
                    down.append(Downstream(circuit.name(s), wire, False))
                    continue
                # the sum is recorded with the last path worked: at the earliest gate the value feeds
                last = i == min(c for c, _ in uses) and k == max(kk for c, kk in uses if c == i)
                total = self.eq(log.grad_entry[s]) if last else None
                down.append(Downstream(circuit.name(s), wire, True, total,
                                       [circuit.gates[c].name for c, _ in uses], not explained,
                                       self.log.entries[log.grad_entry[s]].latex, g.latex, self._operand(s)[0],
                                       [circuit.gates[c].latex for c, _ in uses]))
                explained = True
            steps.append(GateStep(g.name, g.latex, _pattern(g.gate), g.gate.pattern, self.gate_words(i),
                                  self.eq(log.grad_entry[key]),
                                  local, down, i == len(circuit.gates) - 1))
        return steps

    def results(self) -> list[list[str]]:
        """Rows: variable, value, gradient arriving at it."""
        from ..model.expression import name_latex
        show = self.log.problem.rounding.show_given
        return [[name_latex(v), show(self.log.problem.values[v]), e.latex, e.shown]
                for v, e in self.log.gradients().items()]

    @property
    def shared(self) -> list[str]:
        """Variables and gates that feed more than one gate (their gradients sum the paths)."""
        out = []
        for s in [Source("variable", v) for v in self.circuit.variables] + \
                 [self.log.gate_source(i) for i in range(len(self.circuit.gates))]:
            if len(self.circuit.consumers(s)) > 1:
                out.append(self.circuit.name(s))
        return out

    def ties(self) -> list[str]:
        """Max gates whose largest inputs tie at this point (the documented rule applies)."""
        from ..engine.gates import MaxGate
        out = []
        for i, g in enumerate(self.circuit.gates):
            if isinstance(g.gate, MaxGate):
                vals = self.log.entries[self.log.gate_entry[i]].operands
                top = max(o.value for o in vals)
                if sum(o.value == top for o in vals) > 1:
                    out.append(g.name)
        return out

    # --- symbolic ------------------------------------------------------------------
    @cached_property
    def derivatives(self) -> list[list[_Node]]:
        """[∂f/∂x, the derivative in the variables, simplified by sympy] per variable, as trees."""
        import sympy
        exprs: list[sympy.Expr] = []
        symbols = {v: sympy.Symbol(v) for v in self.circuit.variables}
        for g in self.circuit.gates:
            args = [exprs[s.gate] if s.kind == "gate" else symbols[s.name] if s.kind == "variable"
                    else sympy.nsimplify(s.value) for s in g.inputs]
            exprs.append(g.gate.sympy(args))
        f = exprs[-1]
        from ..formula.from_sympy import from_sympy
        from ..model.expression import name_latex
        names = {symbols[v]: _Symbol(name_latex(v), v) for v in self.circuit.variables}
        out = []
        for v, e in self.log.gradients().items():
            d = sympy.simplify(sympy.diff(f, symbols[v]))
            out.append([e.symbol, from_sympy(d, names)])
        return out

    def expression_latex(self) -> str:
        """The output as one formula in the variables (sympy's printing)."""
        import sympy
        exprs: list[sympy.Expr] = []
        symbols = {v: sympy.Symbol(v) for v in self.circuit.variables}
        for g in self.circuit.gates:
            args = [exprs[s.gate] if s.kind == "gate" else symbols[s.name] if s.kind == "variable"
                    else sympy.nsimplify(s.value) for s in g.inputs]
            exprs.append(g.gate.sympy(args))
        from ..formula.from_sympy import from_sympy
        from ..formula.latex import latex
        from ..model.expression import name_latex
        return latex(from_sympy(exprs[-1], {symbols[v]: _Symbol(name_latex(v), v) for v in self.circuit.variables}))


#: How tightly each gate's formula binds, for brackets in the expression written whole
#: (a fraction, a power, a function call bind as tightly as a name).
_PRECEDENCE = {"add": 1, "subtract": 1, "multiply": 2, "negate": 2, "divide": 5, "power": 4}


def _bracket(parent: Gate, k: int, child: Gate) -> bool:
    """Whether ``child`` written as input ``k`` of ``parent`` needs brackets."""
    from ..formula.tree import Apply
    c = _PRECEDENCE.get(child.pattern, 5)
    kind = parent.pattern
    if kind in ("divide", "copy", "exp", "max") or (kind == "power" and k == 1):
        return False      # a fraction's parts, a superscript, a function's argument list
    if kind == "power":
        return c < 5
    if kind in ("log", "activation"):
        written = parent.tree([Symbol_X])
        return c < 5 and not (isinstance(written, Apply) and not written.bare)
    if kind == "negate":
        return c <= 2
    if kind == "multiply":
        return c == 1 or child.pattern == "negate"
    if kind == "add":
        return k > 0 and child.pattern == "negate"
    if kind == "subtract":
        return k == 1 and (c == 1 or child.pattern == "negate")
    return False


def _pattern(gate: Gate) -> str:
    return PATTERNS[gate.pattern]


def circuit_target(log: GraphLog) -> Callable[[Entry], str]:
    """What the circuit highlights for an entry (the HTML page's ``data-at``): a gate's value
    its gate, ``node=NAME``; a local gradient and the gradient along one wire that wire,
    ``wire=SOURCE>GATE`` (the output's wire is ``wire=NAME>``); the gradient arriving at a
    variable or gate (all its paths summed, or the output gradient) its node and every wire
    leaving it, ``node=NAME wire^NAME>``."""
    circuit = log.circuit
    at: dict[int, str] = {}
    for i, g in enumerate(circuit.gates):
        at[log.gate_entry[i]] = f"node={g.name}"
    for (i, k), index in log.local_entry.items():
        at[index] = f"wire={circuit.name(circuit.gates[i].inputs[k])}>{circuit.gates[i].name}"
    for source, index in log.grad_entry.items():
        name = circuit.name(source)
        at[index] = f"node={name} wire^{name}>"
    for (i, k), index in log.wire_entry.items():
        at.setdefault(index, f"wire={circuit.name(circuit.gates[i].inputs[k])}>{circuit.gates[i].name}")
    return lambda e: at.get(e.index, "")


def render_graph(log: GraphLog, fmt: str, options: RenderOptions) -> Rendered:
    """The walkthrough of an expression in ``md`` or ``tex``."""
    style = options.style or log.problem.style or DEFAULT_STYLE
    if style not in GRAPH_STYLES:
        raise ProblemError(f"--style: found '{style}' for an expression; expected one of: {', '.join(GRAPH_STYLES)} "
                           "(the matrix style works whole network layers)")
    printer = MarkdownPrinter(inline_svg=options.inline_svg) if fmt == "md" else PRINTERS[fmt]()
    if isinstance(printer, HtmlPrinter):  # marks the log's entries; the circuit's gates and wires light up
        printer = HtmlPrinter(log=log, max_terms=options.max_terms, target=circuit_target(log))
    env = environment(options.templates)
    view = GraphView(log, options.max_terms)
    context = {
        "p": printer, "log": log, "problem": log.problem, "view": view, "options": options, "style": style,
        "diagram": lambda numbers=True: circuit_figure(printer, log, options.diagram_name, numbers),
        "exercise": lambda: _exercise(log, view),
    }
    # an exercise sheet or answer key has its own template, whatever the style
    template = ("exercise" if options.exercise else "answer_key" if options.answer_key
                else "compact" if options.compact else style)
    try:
        body = env.get_template(f"graph/{template}.j2").render(context).strip("\n") + "\n"
        text = tidy(env.get_template(f"document.{printer.extension}.j2").render(context, body=body))
    except jinja2.TemplateNotFound as exc:
        raise ProblemError(f"--style {style}: template {exc.name} not found in "
                           f"{options.templates or 'the built-in templates'}; expected a jinja2 template") from None
    except jinja2.TemplateError as exc:
        raise ProblemError(f"template error: {exc}") from None
    return Rendered(text, dict(printer.attachments))


def _exercise(log: GraphLog, view: GraphView) -> Exercise:
    """What the problem's ``ask`` selects (tracer/sheets/exercise.py), for graph/exercise.j2 and answer_key.j2."""
    from ..sheets.exercise import Exercise
    return Exercise(log, view)


def render_graph_output(log: GraphLog, fmt: str, options: RenderOptions) -> str | bytes:
    if fmt == "pdf":
        from .pdf import compile_pdf
        return compile_pdf(render_graph(log, "tex", options).text)
    return render_graph(log, fmt, options).text
