"""Judging answers against the log: correct, carried, wrong or missing.

Walking the graph in computation order, each quantity has a true value (the log's) and
the student's own: what they wrote, or, for what they did not write, the quantity
recomputed from their own earlier values through ``Entry.recompute``. An answer that
misses the truth but equals its own recomputation is ``carried`` when the difference
goes back to a wrong answer (one early slip does not cost every later step), and
``correct`` when it goes back only to answers right at a coarser precision (carrying
your own rounded 0.59 is not a slip). With hand rounding carried (``rounding.carry``)
the own value is tried exactly, hand-rounded, and as this step's result unrounded.
"""
from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from ..engine.conventions import loss_gradient_printed, through_gradient
from ..engine.graph import GraphLog, trace_graph
from ..engine.log import TraceLog
from ..engine.rounding import Rounding
from ..engine.trace import trace
from ..errors import ProblemError
from ..model.graph_problem import GraphProblem
from ..model.problem import Problem
from .answers import Answer, AnswerSet
from .compare import Tolerance, agreement, decimals, exact
from .mistakes import Diagnosis
from .mistakes import diagnose as name_mistakes
from .names import Match, NameIndex, split_suffixes
from .nodes import GRADIENT_KINDS, Graph, Node

VERDICTS = ("correct", "carried", "wrong", "missing")
_NONE: frozenset[int] = frozenset()


@dataclass
class Record:
    """The verdict on one quantity; values are in the log's sign (``sign`` gives the student's)."""

    node: Node
    answer: Answer | None
    verdict: str
    how: str
    sign: int
    expected: float
    from_own: float
    origins: frozenset[int] = _NONE        # the wrong answers (node ids) this one carries
    deviates: bool = False                 # whether its operands differ from the log's (own values)
    carried_into: list[Record] = field(default_factory=list)
    mistake: Diagnosis | None = None       # the common mistake that reproduces the answer (mistakes.py)

    @property
    def given(self) -> Decimal | None:
        """The written number in the log's sign."""
        return None if self.answer is None else self.answer.value * self.sign


@dataclass(frozen=True)
class Unmatched:
    """A written name that names no single quantity: ``unknown``, ``ambiguous`` or ``duplicate``."""

    answer: Answer
    reason: str
    candidates: tuple[str, ...]
    detail: str = ""


@dataclass(frozen=True)
class Operand:
    """One value going into a formula: the student's own where given."""

    node: Node
    text: str
    value: float


@dataclass
class Result:
    """One answers file checked: a record per quantity in computation order, and the rest."""

    checker: Checker
    answers: AnswerSet
    convention: str
    tolerance: Tolerance | None
    records: list[Record]
    unmatched: list[Unmatched]
    own: list[float]
    given: dict[int, Answer]
    advice: list[str] = field(default_factory=list)   # sheet-wide (a flipped sign convention)

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(VERDICTS, 0)
        for r in self.records:
            counts[r.verdict] += 1
        counts["unmatched"] = len(self.unmatched)
        return counts

    @property
    def points(self) -> int:
        return sum(r.verdict in ("correct", "carried") for r in self.records)

    @property
    def out_of(self) -> int:
        return len(self.records)

    @property
    def score(self) -> float:
        return self.points / self.out_of if self.out_of else 0.0

    @property
    def first_wrong(self) -> Record | None:
        """Where it went wrong: the first wrong answer in computation order."""
        return next((r for r in self.records if r.verdict == "wrong"), None)

    @property
    def all_correct(self) -> bool:
        return (bool(self.records) and not self.unmatched and not self.answers.problems
                and all(r.verdict == "correct" for r in self.records))

    def operands(self, record: Record) -> list[Operand]:
        """The values that go into the record's formula: the student's own where given."""
        out = []
        for s in record.node.sources:
            node, answer = self.checker.graph[s], self.given.get(s)
            if answer is not None:
                value = float(answer.value) * self.checker.sign(node, self.convention)
                out.append(Operand(node, _in_log_sign(answer.text, value), value))
            else:
                out.append(Operand(node, self.checker.show(self.own[s], None), self.own[s]))
        return out


def _in_log_sign(text: str, value: float) -> str:
    """The written number, its sign flipped when the student's convention differs."""
    if (value < 0) == text.startswith("-") or value == 0:
        return text
    return text[1:] if text.startswith("-") else "-" + text


class Checker:
    """A problem traced once and indexed by name, ready to judge any number of answer files."""

    #: For a variant, what its numbers came from (saved keys or drawn again), said in the reports.
    basis: str = ""

    def __init__(self, problem: Problem | GraphProblem, log: TraceLog | GraphLog | None = None) -> None:
        self.problem = problem
        self.log = log if log is not None else (trace_graph(problem) if isinstance(problem, GraphProblem)
                                                else trace(problem))
        self.graph = Graph(self.log)
        self.names = NameIndex(self.graph)
        self.rounding: Rounding = problem.rounding
        # per node, computed once for all the files a class hands in
        self.values = [n.value for n in self.graph]
        self.truths = [exact(v) for v in self.values]
        self.displays = [self.graph.display(n) for n in self.graph]
        self.shown_decimals = [_decimals_of(n.shown) for n in self.graph]
        self._formulas: dict[int, str | None] = {}

    def formula(self, node: Node) -> str | None:
        """The node's general formula in LaTeX (None for given data), rendered once."""
        if node.id not in self._formulas:
            self._formulas[node.id] = node.entry.formula_latex() if node.entry is not None else None
        return self._formulas[node.id]

    # --- requirements -------------------------------------------------------
    def requirement(self, spec: str, what: str = "--require") -> list[int]:
        """Node ids a spec asks for: a name, a kind (``dw``), a step (``@1``) or both (``dw@2``)."""
        body, step, example = split_suffixes(spec)
        if step is not None and step not in self.graph.steps:
            raise ProblemError(f"{what}: {spec!r}: step {step} is not worked in full; expected one of "
                               + ", ".join(f"@{s}" for s in self.graph.steps))
        if not body or body in self.graph.kinds:
            return [n.id for n in self.graph if n.computed and (not body or n.kind == body)
                    and (step is None or n.step == step) and (example is None or n.example == example)]
        match = self.names.resolve(spec)
        if match.node is None:
            raise ProblemError(f"{what}: {spec!r}: {describe(match)}; expected a quantity name, a kind "
                               f"({', '.join(self.graph.kinds)}) or a step (@1)")
        return [match.node]

    def required(self, specs: Iterable[str], what: str = "--require") -> frozenset[int]:
        return frozenset(i for spec in specs for i in self.requirement(spec, what))

    # --- judging ------------------------------------------------------------
    def default_convention(self) -> str:
        """The problem's own ``conventions.error`` (gradient unless it says negative_gradient):
        what an answers file or ``--convention`` overrides."""
        conventions = getattr(self.problem, "conventions", None)
        error = getattr(conventions, "error", "gradient")
        return error if error in ("gradient", "negative_gradient") else "gradient"

    def sign(self, node: Node, convention: str) -> int:
        """−1 where a student writing −dE/dx means the opposite number: a derivative under
        ``negative_gradient``, except one a negative_gradient problem prints itself as a
        gradient (∂E/∂w = −Err·O through an optimizer or a penalty, the loss's ∂E/∂O): that
        is graded as printed, like its Err."""
        if convention != "negative_gradient" or node.kind not in GRADIENT_KINDS:
            return 1
        return 1 if node.id in self.printed_gradients else -1

    @functools.cached_property
    def printed_gradients(self) -> frozenset[int]:
        """The derivatives a negative_gradient problem's page prints with their own sign."""
        problem = self.problem
        if not isinstance(problem, Problem) or problem.training.rule is not None:
            return frozenset()
        through, loss = through_gradient(problem), loss_gradient_printed(problem)
        L = len(problem.layers) - 1
        return frozenset(n.id for n in self.graph if n.entry is not None and (
            (through and n.kind in ("dw", "db")) or (loss and n.kind == "dout" and n.entry.layer == L)))

    def show(self, value: float, answer: Answer | None) -> str:
        """A value derived from the student's own, printed with the problem's digits, or two
        more than the student wrote if that is more: enough to see why it differs from theirs."""
        digits = self.rounding.digits if answer is None else max(self.rounding.digits, decimals(answer.value) + 2)
        return self.rounding.at(digits, "round").show(value)

    def match(self, answers: AnswerSet) -> tuple[dict[int, Answer], list[Unmatched]]:
        given: dict[int, Answer] = {}
        unmatched: list[Unmatched] = []
        for answer in answers.answers:
            m = self.names.resolve(answer.name)
            if m.node is None:
                unmatched.append(Unmatched(answer, m.reason, m.candidates, m.detail))
            elif m.node in given:
                first = given[m.node]
                unmatched.append(Unmatched(answer, "duplicate", (self.graph.display(self.graph[m.node]),),
                                           f"the same quantity as {first.name!r} ({first.where})"))
            else:
                given[m.node] = answer
        return given, unmatched

    def check(self, answers: AnswerSet, required: frozenset[int] = _NONE,
              tolerance: Tolerance | None = None, convention: str | None = None,
              diagnose: bool = True) -> Result:
        """Judge one answer file; ``required`` node ids not given are ``missing``; with
        ``diagnose`` wrong answers get the common mistake that explains them, if one does."""
        convention = convention or answers.convention or self.default_convention()
        given, unmatched = self.match(answers)
        nodes, values = self.graph.nodes, self.values
        own = list(values)
        own_r = list(own) if self.rounding.carry else own
        origins: list[frozenset[int]] = [_NONE] * len(nodes)
        records: list[Record] = []
        for node in nodes:
            mine = self._own(node, own, own_r)
            up = _union([origins[s] for s in node.sources])
            answer = given.get(node.id)
            if answer is None:
                own[node.id], own_r[node.id], origins[node.id] = mine[1], mine[2], up
                if node.id in required:
                    records.append(Record(node, None, "missing", "", 1, node.value, mine[0]))
                continue
            record = self._judge(node, answer, mine, up, convention, tolerance)
            record.deviates = any(own_r[s] != values[s] for s in node.sources)
            records.append(record)
            written = record.given
            assert written is not None                     # _judge's records hold the answer
            own[node.id] = own_r[node.id] = float(written)
            origins[node.id] = record.origins
        _link_carried(records)
        result = Result(self, answers, convention, tolerance, records, unmatched, own_r, given)
        result.advice += self._new_values(records)
        if diagnose and isinstance(self.log, TraceLog):   # the catalogue names a network's mistakes
            name_mistakes(result)
        self._flipped(result, required, tolerance)
        return result

    def _flipped(self, result: Result, required: frozenset[int], tolerance: Tolerance | None) -> None:
        """A sheet whose every derivative has the opposite sign is a convention, not a slip
        (one that flips part-way is target_output_swapped): advice to check with the other
        convention, and no mistake named on those derivatives. Checked again with it only
        when no derivative written is right and each wrong one's negative is right (or carried)."""
        if result.convention != "gradient":
            return
        flipped = 0
        for r in result.records:
            if r.node.kind not in GRADIENT_KINDS or r.given is None:
                continue
            if r.verdict == "correct" and r.node.value != 0:
                return
            if r.verdict == "wrong":
                if not (agreement(-r.given, self.truths[r.node.id], tolerance)
                        or agreement(-r.given, r.from_own, tolerance)):
                    return
                flipped += 1
        if not flipped:
            return
        other = self.check(result.answers, required, tolerance, convention="negative_gradient", diagnose=False)
        if any(r.verdict == "wrong" and r.node.kind in GRADIENT_KINDS for r in other.records):
            return
        for r in result.records:
            if r.node.kind in GRADIENT_KINDS:
                r.mistake = None
        result.advice.append("Every derivative has the opposite sign (-dE/dx): if that is your convention, "
                             "check with --convention negative_gradient.")

    def _new_values(self, records: Sequence[Record]) -> list[str]:
        """A weight or bias written under its plain name with the value it has after the step's
        update: the new-value name is what was meant (w5 = 0.3589 for w5+)."""
        out = []
        for r in records:
            if r.verdict != "wrong" or r.node.kind not in ("weight", "bias") or r.given is None:
                continue
            new = self.graph.update_of(r.node)
            if new is not None and agreement(r.given, self.truths[new]):
                old, name = self.displays[r.node.id], self.displays[new]
                out.append(f"{old} = {r.answer.text if r.answer else r.given} is the value after this step's "
                           f"update: write it as {name} ({old} is the value the step starts from).")
        return out

    def _own(self, node: Node, own: list[float], own_r: list[float]) -> tuple[float, float, float]:
        """The node from the student's own values: (this step, exact chain, rounded chain).

        Without carried rounding the three are one value, the log's until a value the
        student wrote differs. With it, the exact chain never rounds (a student may keep
        more digits than the hand rounding asks), the rounded chain follows the log, and
        "this step" is the rounded chain's operands put in without rounding the result.
        """
        values, sources = self.values, node.sources
        same = all(own_r[s] == values[s] for s in sources)
        if own_r is own:
            value = node.value if same else node.recompute([own[s] for s in sources])
            return value, value, value
        step = node.recompute([own_r[s] for s in sources])
        exact = node.recompute([own[s] for s in sources])
        return step, exact, node.value if same else self.rounding.apply(step)

    def _judge(self, node: Node, answer: Answer, mine: tuple[float, float, float], up: frozenset[int],
               convention: str, tolerance: Tolerance | None) -> Record:
        sign = self.sign(node, convention)
        value = answer.value * sign
        how = agreement(value, self.truths[node.id], tolerance)
        if how and not (how == "truncated" and self.rounding.carry):
            return Record(node, answer, "correct", how, sign, node.value, mine[0])
        for candidate in dict.fromkeys(mine):
            # with hand rounding carried, an answer that is the truth truncated and also what
            # the student's own rounded values give is the carried reading: so it was worked
            if how and not (candidate != node.value and agreement(value, candidate) in ("exact", "rounded")):
                continue
            if candidate != node.value and agreement(value, candidate, tolerance):
                verdict = "carried" if up else "correct"
                return Record(node, answer, verdict, "from your values", sign, node.value, candidate, up)
        if how:
            return Record(node, answer, "correct", how, sign, node.value, mine[0])
        if _as_printed(value, node.shown):
            # the walkthrough's own result: its line from printed numbers gave it, within one
            # unit of the value (dw = -0.1153 · 0.4180 = -0.04820 beside the value -0.048212)
            return Record(node, answer, "correct", "as printed", sign, node.value, mine[0])
        return Record(node, answer, "wrong", "", sign, node.value, mine[0], frozenset({node.id}))


def _as_printed(written: Decimal, shown: str) -> bool:
    """Whether the answer is the walkthrough's printed value, digit for digit."""
    try:
        printed = Decimal(shown)
    except ArithmeticError:
        return False
    return printed.is_finite() and written == printed and decimals(written) == decimals(printed)


def _decimals_of(shown: str) -> int:
    """Digits after the point of a printed value (0 for 'nan' and the like)."""
    _, _, fraction = shown.partition(".")
    return len(fraction) if fraction.isdigit() else 0


def _union(sets: list[frozenset[int]]) -> frozenset[int]:
    out = _NONE
    for s in sets:
        if s and s is not out:
            out = out | s if out else s
    return out


def _link_carried(records: Sequence[Record]) -> None:
    """Tell each wrong answer which later answers carried it."""
    wrong = {r.node.id: r for r in records if r.verdict == "wrong"}
    for r in records:
        if r.verdict == "carried":
            for origin in sorted(r.origins):
                wrong[origin].carried_into.append(r)


def describe(match: Match) -> str:
    """Why a name matched nothing, with the closest names."""
    if match.reason == "ambiguous":
        return "ambiguous: could be " + ", ".join(match.candidates)
    text = match.detail or "no such quantity"
    if match.candidates:
        text += "; closest: " + ", ".join(match.candidates)
    return text
