"""What an exercise asks: the problem's ``ask:`` resolved to log entries, numbered in order.

The names a teacher writes in ``ask:`` are resolved exactly as ``tracer check`` resolves
a student's answers and its ``--require`` (the checker's Graph and NameIndex), so a name
that works in one works in the other, and the names the sheet tells students to use are
the ones the checker accepts. No ``ask:`` asks for every quantity of the recorded steps.

The exercise sheet and the answer key (``templates/exercise.j2``, ``answer_key.j2``) read
an ``Exercise``: questions grouped by step and example, each with its symbol, the plain
name to answer with, and what it is in words. Like the other views it selects and names
log entries; it never computes a value. An expression's log (``GraphLog``) makes an
exercise the same way (``templates/graph/exercise.j2``, ``answer_key.j2``): its questions
are gate values and gradients (``ask: [q, df/dx]``), described by where they sit in the circuit.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ..check.judge import Checker
from ..check.nodes import Node
from ..engine.gates import Seed
from ..engine.graph import GraphLog, Source
from ..engine.log import KINDS, Entry, TraceLog
from ..formula.tree import Symbol
from ..model.conv_problem import ConvProblem
from ..model.expression import name_latex
from ..model.schema import Reader
from ..render.convwords import conv_what
from ..render.view import Eq, Viewer

#: How each kind of quantity is described on the sheet; {n} is the neuron's label,
#: {p} the weight's or bias's plain name.
DESCRIPTIONS = {
    "net": "The net input of neuron {n}",
    "out": "The output of neuron {n}",
    "loss": "The error of output {n}",
    "error": "The difference between the target and the output of {n}",
    "dout": "The derivative of the total error with respect to the output of {n}",
    "dact": "The derivative of the output of {n} with respect to its net input",
    "dnet": "The delta of {n}: the derivative of the total error with respect to its net input",
    "dw": "The gradient of the total error with respect to {p}",
    "db": "The gradient of the total error with respect to {p}",
    "new_w": "The new value of {p} after the update",
    "new_b": "The new value of {p} after the update",
    # the optimizers' state (each indexed like its parameter) and regularization
    "velocity": "The velocity of {p} (momentum)",
    "m": "The first moment m of {p} (Adam)",
    "v": "The second moment v of {p} (Adam)",
    "m_hat": "The bias-corrected first moment of {p}",
    "v_hat": "The bias-corrected second moment of {p}",
    "cache": "The running sum of squared gradients of {p}",
    "dw_total": "The gradient of the total loss (data and penalty) with respect to {p}",
    "db_total": "The gradient of the total loss (data and penalty) with respect to {p}",
    "data_loss": "The data loss",
    "penalty": "The regularization penalty",
    # conventions: the error term Err = −∂E/∂net and the changes (tracer/engine/conventions.py)
    "err": "The error term of {n} (minus the derivative of the total error with respect to its net input)",
    "delta_w": "The change of {p} in this update",
    "delta_b": "The change of {p} in this update",
}
#: What a sheet does not ask by default under ``conventions.error: negative_gradient``: the
#: walkthrough writes Err = −∂E/∂net instead, and asking both would mix the two signs.
GRADIENT_ONLY = frozenset({"dout", "dact", "dnet", "dw", "db"})
#: Kinds indexed like a parameter: a weight when the entry has a source, else a bias.
PARAMETER_KINDS = frozenset({"velocity", "m", "v", "m_hat", "v_hat", "cache", "dw_total", "db_total"})
TOTAL_LOSS = "The total error"
ASK_HELP = f"a quantity name (out_h1, w5+, dE/dw5), a kind ({', '.join(KINDS)}) or a step (@1)"
#: Terms a long sum or max shows before it is elided (RenderOptions' default).
MAX_TERMS = 8
CIRCUIT_ASK_HELP = "a quantity name (q, f, df/dx), a kind (gate, local_grad, grad)"


class Views(Protocol):
    """What the exercise needs of a walkthrough's view: an entry ready to print."""

    def eq(self, e: Entry) -> Eq: ...


#: A description in words with its names typeset: text, and the names as symbols.
Words = tuple["str | Symbol", ...]


@dataclass(frozen=True)
class Question:
    """One asked quantity: its place on the sheet, the name to answer with, what it is (in
    plain text, ``what``; with its neuron's or parameter's name as a symbol, ``words``)."""

    number: int
    eq: Eq
    name: str
    words: Words

    @property
    def what(self) -> str:
        """The words in plain text, names as their plain form (The output of neuron h1)."""
        return "".join(w if isinstance(w, str) else w.text for w in self.words)

    @property
    def symbol(self) -> str:
        return self.eq.symbol

    @property
    def entry(self) -> Entry:
        return self.eq.entry


@dataclass(frozen=True)
class Group:
    """The questions of one step (and one example of a mini-batch); title "" when alone."""

    title: str
    questions: tuple[Question, ...]


class Exercise:
    """The problem's ``ask`` resolved against its log: the questions in computation order."""

    def __init__(self, log: TraceLog | GraphLog, viewer: Views | None = None, checker: Checker | None = None) -> None:
        self.log = log
        self.viewer: Views = viewer or _views(log)
        self.checker = checker or Checker(log.problem, log)
        self._uses: dict[int, list[Eq]] | None = None
        self._examples: dict[int, set[int]] = {}      # step -> its examples, read once
        for e in log.entries:
            if e.example is not None:
                self._examples.setdefault(e.step, set()).add(e.example)
        nodes = asked_nodes(self.checker, log.problem.ask, log.problem.source)
        self.questions: list[Question] = []
        for k, node in enumerate((node for node in nodes if node.entry is not None), 1):
            assert node.entry is not None
            self.questions.append(Question(k, self.viewer.eq(node.entry), self.checker.graph.display(node),
                                           self._words(node.entry)))

    @property
    def groups(self) -> list[Group]:
        """Questions grouped by (step, example), in order; a lone group has no title."""
        keys = list(dict.fromkeys((q.entry.step, q.entry.example) for q in self.questions))
        return [Group(self._title(step, example) if len(keys) > 1 or self._many_steps() else "",
                      tuple(q for q in self.questions if (q.entry.step, q.entry.example) == (step, example)))
                for step, example in keys]

    def uses(self, q: Question) -> list[Eq]:
        """The computed quantities ``q`` is worked from that the key has not shown yet, in the
        order computed: everything its entry depends on, directly or through others (for
        dE/dw5: net_o1, out_o1, ∂E/∂out_o1, ∂out_o1/∂net_o1 and δ_o1, net_h1 and out_h1), so
        the key shows every number it uses before using it. An expression's given output
        gradient (df/df) is a number the problem gives, not one to show."""
        if self._uses is None:
            self._uses = {}
            entries, shown = self.log.entries, set[int]()
            for question in self.questions:
                needed: set[int] = set()
                todo = list(question.entry.depends_on)
                while todo:
                    i = todo.pop()
                    if i not in needed:
                        needed.add(i)
                        todo += entries[i].depends_on
                fresh = sorted(i for i in needed - shown if not isinstance(entries[i].op, Seed))
                self._uses[question.number] = [self.viewer.eq(entries[i]) for i in fresh]
                shown |= needed | {question.entry.index}
        return self._uses[q.number]

    @property
    def answers(self) -> dict[str, str]:
        """Name -> the value as the answer key prints it: what ``tracer check`` accepts as correct."""
        return {q.name: q.eq.shown for q in self.questions}

    def answer_rows(self) -> list[list[str]]:
        """The answer key's summary table: number, symbol, name to answer with, value."""
        return [[str(q.number), q.symbol, q.name, q.eq.shown] for q in self.questions]

    def _many_steps(self) -> bool:
        return self.log.problem.total_steps > 1

    def _title(self, step: int, example: int | None) -> str:
        """'Step 2 (epoch 1, example 2)'; in a mini-batch 'Step 1, example 2' or '... batch mean'."""
        epoch = next(e.epoch for e in self.log.entries if e.step == step)
        examples = sorted(self._examples.get(step, ()))
        if len(examples) == 1:
            return f"Step {step} (epoch {epoch}, example {examples[0]})"
        part = "the mini-batch mean and update" if example is None else f"example {example}"
        return f"Step {step} (epoch {epoch}), {part}"

    def _words(self, e: Entry) -> Words:
        """The quantity in words, for a student who reads the symbol for the first time; the
        neuron or parameter it is about as its symbol (``The output of neuron``, h_{1})."""
        log = self.log
        if isinstance(log, GraphLog):
            return circuit_what(log, e)
        if isinstance(log.problem, ConvProblem):
            return (conv_what(log, e),)
        names = log.notation
        if e.kind == "loss" and e.neuron is None:
            return (TOTAL_LOSS,)
        if e.kind not in DESCRIPTIONS:  # a kind without words yet: its name says what it is
            return (f"The value of {e.name}",)
        layer = e.layer
        assert layer is not None      # every network entry has its layer (only an expression's have none)
        named = None
        if e.kind in ("dw", "new_w", "delta_w") or (e.kind in PARAMETER_KINDS and e.source is not None):
            named = names.quantity("weight", layer, e.neuron, e.source)
        elif e.kind in ("db", "new_b", "delta_b") or e.kind in PARAMETER_KINDS:
            named = names.quantity("bias", layer, e.neuron)
        elif e.neuron is not None:
            named = names.neuron(layer, e.neuron)
        template = DESCRIPTIONS[e.kind]
        words: list[str | Symbol] = []
        for k, text in enumerate(template.replace("{p}", "{n}").split("{n}")):
            if k:
                words.append(Symbol(named.latex, named.plain) if named is not None else "")
            words.append(text)
        if e.kind in ("dw", "db") and e.example is None and len(self._examples.get(e.step, ())) > 1:
            words.append(", averaged over the mini-batch")
        return tuple(w for w in words if w != "")


def _views(log: TraceLog | GraphLog) -> Views:
    if isinstance(log, GraphLog):
        return _CircuitViews()
    if isinstance(log.problem, ConvProblem):     # as render/convview.py's ConvView prints them, sums whole
        return _CircuitViews(None)
    return Viewer(log)


class _CircuitViews:
    """An expression's entries as the walkthrough prints them (``GraphView.eq``, without the
    rest of the view: the exercise only prints the asked entries); a convolutional network's
    as ``ConvView.eq`` does (``max_terms`` None: every term)."""

    def __init__(self, max_terms: int | None = MAX_TERMS) -> None:
        self.max_terms = max_terms

    def eq(self, e: Entry) -> Eq:
        return Eq(e, self.max_terms)


def circuit_what(log: GraphLog, e: Entry) -> Words:
    """An expression's quantity in words, from where its entry sits in the circuit; its gates
    and variables as symbols, written as the circuit's formulas write them (``x_1`` -> x_{1})."""
    circuit, i = log.circuit, e.index

    def named(name: str) -> Symbol:
        return Symbol(name_latex(name), name)
    out = named(circuit.output.name)
    if e.kind == "gate":
        g = log.gate_entry.index(i)
        return ("The output ", out, " of the circuit") if g == len(circuit.gates) - 1 else \
            ("The value of gate ", named(e.name))
    if e.kind == "local_grad":
        gate, k = next(key for key, index in log.local_entry.items() if index == i)
        return ("The local gradient of gate ", named(circuit.gates[gate].name), " with respect to its input ",
                named(circuit.name(circuit.gates[gate].inputs[k])))
    if i == log.seed:
        return ("The gradient arriving at the output ", out)
    at = next((s for s, index in log.grad_entry.items() if index == i), None)
    if at is not None:
        what = "variable" if at.kind == "variable" else "gate"
        return ("The gradient of ", out, f" with respect to the {what} ", named(circuit.name(at)))
    gate, k = next(key for key, index in log.wire_entry.items() if index == i)
    source: Source = circuit.gates[gate].inputs[k]
    return ("The gradient of ", out, " with respect to ", named(circuit.name(source)), " along its path through gate ",
            named(circuit.gates[gate].name))


def asked_nodes(checker: Checker, ask: Sequence[str], source: str) -> list[Node]:
    """The computed quantities ``ask`` selects, in computation order (all of them when empty).

    Each item is resolved by the checker's own ``requirement`` (names, kinds, steps), so
    its errors read like ``--require``'s, naming the field ``ask[k]`` and the closest names.
    A given number (``w5``, ``i1``) is not a question: the error suggests what to ask instead.
    """
    graph = checker.graph
    if not ask:   # every computed quantity, but not an expression's given output gradient (df/df)
        conventions = getattr(checker.log.problem, "conventions", None)
        skip = GRADIENT_ONLY if getattr(conventions, "error", "") == "negative_gradient" else frozenset()
        return [node for node in graph if node.entry is not None and not isinstance(node.entry.op, Seed)
                and node.entry.kind not in skip]
    reader = Reader(source).at("ask")
    chosen: set[int] = set()
    for k, spec in enumerate(ask):
        where = reader.at(k)
        ids = checker.requirement(spec, f"{source}: {where.path}")
        if not ids:
            help_ = CIRCUIT_ASK_HELP if isinstance(checker.log, GraphLog) else ASK_HELP
            raise where.fail(f"found {spec!r}, which selects nothing in this problem; expected {help_}")
        for i in ids:
            if not graph[i].computed:
                raise where.fail(f"found {spec!r}, a number the problem gives; expected a quantity to "
                                 f"compute{_instead(checker, graph[i])}")
        chosen.update(ids)
    return [graph[i] for i in sorted(chosen)]


def _instead(checker: Checker, given: Node) -> str:
    """' (e.g. w5+ or dE/dw5)': the update of a given weight or bias and its gradient."""
    graph = checker.graph
    log = checker.log
    if isinstance(log, GraphLog) and given.kind == "variable":   # x: its gradient df/dx
        return f" (e.g. {log.gradients()[given.name].name})"
    update = next((n for n in graph if n.kind in ("new_w", "new_b") and n.sources[:1] == (given.id,)), None)
    if update is None or update.entry is None:
        return ""
    # what moved it: an optimizer's gradient, or a learning rule's change Δw
    moved_by = update.entry.operands_in("grad") or update.entry.operands_in("change")
    gradient = moved_by[0].entry if moved_by else None
    names = [graph.display(update)]
    if gradient is not None:
        names.append(graph.display(graph[checker.graph.by_entry[gradient]]))
    return f" (e.g. {' or '.join(names)})"
