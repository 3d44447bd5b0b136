"""Does every printed line add up? (shared test helper)

A teacher recomputes a walkthrough's lines with a calculator. This helper does the same:
it evaluates the printed numbers of a line in the printed formula (``tracer.formula.evaluate``
reads each number's text, not the float behind it) and compares with the printed result:

* values carried rounded (``rounding.carry``): the evaluation, rounded (or truncated) at
  the printed result's last digit as the problem rounds, must be the printed result;
* otherwise the evaluation must be within one unit of the printed result's last digit.

Lines are collected from the JSON trace (every entry's substitution and shown value) and
from the page (every chain ``symbol = formula = numbers = result`` the templates print,
caught at ``Printer.chain``/``Printer.equations``, and the Change column of the updates
table: new − old as printed).
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np

from tracer.engine.log import TraceLog
from tracer.engine.rounding import Rounding
from tracer.formula.evaluate import Unevaluable, evaluate
from tracer.formula.latex import latex
from tracer.formula.tree import Matrix, Node, Number, Pow, Symbol, Where
from tracer.model.activations import Activation
from tracer.render import printers

#: Columns of the updates table (templates/_macros.j2 ``changes``).
CHANGE_HEADERS = ["Parameter", "Old", "New", "Change"]


@dataclass(frozen=True)
class Failure:
    where: str
    line: str
    printed: str
    computed: str

    def __str__(self) -> str:
        return f"{self.where}: {self.line} = {self.printed}, but the printed numbers give {self.computed}"


def functions(log: TraceLog) -> dict[str, Any]:
    """The problem's activations by plain name, for ``σ([..])`` in the matrix style."""
    acts: dict[str, Any] = {}
    for act in log.problem.activations:
        acts[act.name] = _vectorised(act)
    return acts


def _vectorised(act: Activation):
    return lambda x: act.forward(np.asarray(x, dtype=float))


def printed_texts(node: Node) -> list[str] | None:
    """The texts of a printed result, row-major (a number or a matrix of numbers), or None."""
    if isinstance(node, Where):
        return printed_texts(node.body)
    if isinstance(node, Pow) and isinstance(node.exp, Symbol) and node.exp.text == "T" and \
            isinstance(node.base, Matrix) and len(node.base.rows) == 1:
        return printed_texts(node.base)   # a column written as a transposed row (the compact form)
    if isinstance(node, Number):
        return [node.text]
    if isinstance(node, Matrix) and all(isinstance(c, Number) for row in node.rows for c in row):
        return [c.text for row in node.rows for c in row if isinstance(c, Number)]
    return None


def has_name(node: Node) -> bool:
    """Whether a tree holds a name (a formula, not numbers); ``e`` as the base of a power
    (e^{x}) and ``T`` as an exponent (transpose) are constants, a lone ``e`` is a name."""
    if isinstance(node, Symbol):
        return True
    if isinstance(node, Pow):
        return (not (isinstance(node.base, Symbol) and node.base.text == "e") and has_name(node.base)) or \
            (not (isinstance(node.exp, Symbol) and node.exp.text == "T") and has_name(node.exp))
    if not hasattr(node, "__dataclass_fields__"):
        return False
    for f in node.__dataclass_fields__:
        v = getattr(node, f)
        children = v if isinstance(v, tuple) else (v,)
        for c in children:
            items = c if isinstance(c, tuple) else (c,)
            if any(isinstance(x, Node) and has_name(x) for x in items):
                return True
    return False


def adds_up(computed: float, printed: str, rounding: Rounding) -> bool:
    """The rule: exact at the printed precision when carried, within one unit otherwise."""
    p = Decimal(printed.replace("−", "-"))
    if abs(computed) < 1e-12:  # float noise of a sum that is 0 by hand (0.3·0.1 + 0.2·0.1 - 0.05)
        computed = 0.0
    exact = Decimal(format(float(computed), ".15g"))  # as rounding.py reads a float
    # the printed result's last digit; a trailing zero dropped (0.5 for 0.5000) is still a digit
    # (a printed 0 is an exact zero: an exact zero gradient's rounded terms may miss it by less
    # than a unit of the problem's digits)
    exponent = -rounding.digits if p == 0 else min(_exponent(p), _exponent(Decimal(rounding.show(float(exact)))))
    unit = Decimal(1).scaleb(exponent)
    if rounding.carry:
        mode = ROUND_DOWN if rounding.mode == "truncate" else ROUND_HALF_UP
        return exact.quantize(unit, rounding=mode) == p
    return abs(exact - p) <= unit * Decimal("1.000001")


def _exponent(d: Decimal) -> int:
    exponent = d.as_tuple().exponent
    return exponent if isinstance(exponent, int) else 0


def check_parts(parts: Sequence[Node | str | None], rounding: Rounding, acts: dict[str, Any],
                where: str) -> list[Failure]:
    """Every number-only part of a chain against the chain's printed result."""
    trees = [p for p in parts if isinstance(p, Node)]
    if len(trees) < 2:
        return []
    texts = printed_texts(trees[-1])
    if texts is None:
        return []
    failures = []
    for part in trees[:-1]:
        if has_name(part) or printed_texts(part) == texts:
            continue
        try:
            value = evaluate(part, acts)
        except Unevaluable as e:
            failures.append(Failure(where, latex(part), " ".join(texts), f"nothing ({e})"))
            continue
        values = np.ravel(np.asarray(value, dtype=float))
        if len(values) != len(texts) or not all(adds_up(v, t, rounding) for v, t in zip(values, texts)):
            failures.append(Failure(where, latex(part), ", ".join(texts),
                                    ", ".join(format(float(v), ".10g") for v in values)))
    return failures


def check_trace(log: TraceLog, where: str) -> list[Failure]:
    """The JSON trace: every entry's substitution against its shown value."""
    rounding, acts = log.problem.rounding, functions(log)
    of = getattr(rounding, "of", None)     # per-kind digits (rounding.kinds): each entry at its kind's
    alias = {"dnet": "err"} if getattr(getattr(log.problem, "conventions", None), "error", "") == \
        "negative_gradient" else {}
    failures = []
    for e in log.entries:
        mine = of(alias.get(e.kind, e.kind)) if of is not None else rounding
        failures += check_parts([e.substitution_tree(), Number(e.shown, e.value)], mine, acts,
                                f"{where} {e.name}@{e.step}")
    return failures


def check_changes(rows: Sequence[Sequence[str]], where: str) -> list[Failure]:
    """The Change column is new − old as printed, exactly."""
    failures = []
    for row in rows:
        name, old, new, change = (str(c) for c in row)
        diff = Decimal(new.replace("−", "-")) - Decimal(old.replace("−", "-"))
        if diff != Decimal(change.replace("−", "-")):
            failures.append(Failure(where, f"Change of {name}: {new} - {old}", change, str(diff)))
    return failures


@contextmanager
def page_lines() -> Iterator[list[tuple[str, Sequence[Any]]]]:
    """Collect what the templates print: ("chain", parts) and ("changes", rows)."""
    seen: list[tuple[str, Sequence[Any]]] = []
    original_chain, original_equations = printers.Printer.chain, printers.Printer.equations
    original_tables = {cls: cls.table for cls in (printers.MarkdownPrinter, printers.LatexPrinter)}

    def chain(self, parts, entry=None):
        seen.append(("chain", list(parts)))
        return original_chain(self, parts, entry)

    def equations(self, rows):
        for row in rows:
            seen.append(("chain", list(row)))
        return original_equations(self, rows)

    def table_of(cls):
        def table(self, headers, rows, align=""):
            if list(headers) == CHANGE_HEADERS:
                seen.append(("changes", [list(r) for r in rows]))
            return original_tables[cls](self, headers, rows, align)
        return table

    printers.Printer.chain = chain  # type: ignore[method-assign]
    printers.Printer.equations = equations  # type: ignore[method-assign]
    for cls in original_tables:
        cls.table = table_of(cls)  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        printers.Printer.chain = original_chain  # type: ignore[method-assign]
        printers.Printer.equations = original_equations  # type: ignore[method-assign]
        for cls, table in original_tables.items():
            cls.table = table  # type: ignore[method-assign]


def check_page(log: TraceLog, seen: list[tuple[str, Sequence[Any]]], where: str) -> list[Failure]:
    rounding, acts = log.problem.rounding, functions(log)
    kinds = getattr(rounding, "kinds", ())
    if kinds:  # a page line does not say its kind: judged at the fewest digits any kind prints
        rounding = Rounding(min(rounding.digits, *(d for _, d in kinds)), rounding.mode, rounding.carry)
    failures = []
    for kind, item in seen:
        if kind == "chain":
            failures += check_parts(item, rounding, acts, where)
        else:
            failures += check_changes([[_cell(c) for c in row] for row in item], where)
    return failures


def _cell(text: str) -> str:
    """A table cell's number without its math delimiters."""
    return text.strip().strip("$")
