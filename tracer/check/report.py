"""Reports of a checked answers file: terminal text, JSON for graders, md/tex feedback sheets.

``SheetView`` turns a Result into strings (LaTeX for symbols and formulas, plain text for
what the student wrote) once; the terminal text and the jinja2 template ``check.j2``
only lay them out, with the walkthroughs' printers, so a feedback sheet reads like the
walkthrough it checks against. Values are shown in the student's own sign convention.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import jinja2

from ..engine.rounding import Rounding
from ..formula.latex import latex
from ..formula.text import text as plain_text
from ..formula.tree import Node, Number, Symbol
from ..render import RenderOptions, environment
from ..render.printers import PRINTERS
from .compare import decimals
from .judge import Record, Result, Unmatched, describe
from .mistakes import IDS, Diagnosis
from .names import Match, ascii_math

FORMAT_NAME = "tracer-check"
FORMAT_VERSION = 1
MAX_TERMS = 8
HOW = {"exact": "", "rounded": "rounded", "truncated": "truncated", "within tolerance": "within tolerance",
       "as printed": "as printed",
       "from your values": "from your own values"}
_COLOURS = {"correct": "32", "carried": "33", "wrong": "31;1", "missing": "35", "unmatched": "36"}


# --- the view -----------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    """One judged quantity, as strings."""

    name: str          # as the log names it, with @step / #example suffixes
    written: str       # as the student named it ('' when missing)
    symbol: str        # LaTeX
    given: str
    expected: str
    own: str           # what the student's own earlier values give ('' when the same as expected)
    verdict: str
    how: str
    where: str
    remark: str
    mistake: Diagnosis | None = None   # the common mistake named (tracer/check/mistakes.py)
    mistake_value: str = ""            # what that mistake gives from the student's values

    @property
    def mistake_note(self) -> str:
        """``derivative_at_wrong_value: The activation's derivative ...`` ('' when none)."""
        return f"{self.mistake.id}: {self.mistake.sentence}" if self.mistake else ""


@dataclass(frozen=True)
class Slip:
    """A wrong (or missing) answer worked again: formula, the values that go in, the result."""

    row: Row
    parts: list[Node]           # symbol, formula, substitution, value: for p.chain
    plain_parts: list[str]      # the same for a terminal
    carried_into: list[Row]
    right_parts: list[Node] = field(default_factory=list)  # symbol, substitution, value with the log's
    right_plain: list[str] = field(default_factory=list)   # numbers, when yours went in above


@dataclass(frozen=True)
class Unknown:
    name: str
    given: str
    where: str
    reason: str


@dataclass
class SheetView:
    """Everything a report prints about one answers file."""

    title: str
    source: str
    problem_title: str
    convention: str
    tolerance: str
    notes: list[str]
    rows: list[Row]
    slips: list[Slip]
    missing: list[Slip]
    rounding: list[Row]
    remarked: list[Row]         # answers other than slips that carry a remark
    unknown: list[Unknown]
    counts: dict[str, int]
    points: int
    out_of: int
    first_wrong: Row | None
    summary: str = ""
    named: list[Row] = field(default_factory=list)     # answers other than slips with a mistake named
    advice: list[str] = field(default_factory=list)
    graded_against: str = ""    # a variant's numbers: from its saved keys, or drawn again

    @property
    def score_percent(self) -> str:
        return f"{100 * self.points / self.out_of:.0f}%" if self.out_of else "0%"

    @property
    def answer_rows(self) -> list[list[str]]:
        """Quantity, yours, right value, from your own values, verdict: the sheet's main table."""
        return [[r.name, r.written if r.written != r.name else "", r.given or "-", r.expected, r.own,
                 r.verdict + (f" ({r.how})" if r.how else "") + (f": {r.mistake.id}" if r.mistake else "")]
                for r in self.rows]

    @property
    def rounding_rows(self) -> list[list[str]]:
        return [[r.name, r.given, r.expected, r.how] for r in self.rounding]


def flip(shown: str, sign: int) -> str:
    """A printed number in the student's sign."""
    if sign > 0 or shown in ("0", "-0"):
        return "0" if shown == "-0" else shown
    return shown[1:] if shown.startswith("-") else "-" + shown


def sheet_view(result: Result) -> SheetView:
    """The strings every format prints, built once."""
    rows = {id(r): _row(result, r) for r in result.records}
    slips = [_slip(result, r, rows) for r in result.records if r.verdict == "wrong"]
    missing = [_slip(result, r, rows) for r in result.records if r.verdict == "missing"]
    rounding = [rows[id(r)] for r in result.records if r.verdict == "correct" and r.how != "exact"]
    unknown = [Unknown(ascii_math(u.answer.name), u.answer.text, u.answer.where, _unmatched_reason(u))
               for u in result.unmatched]
    first = result.first_wrong
    view = SheetView(
        title=result.answers.title or result.answers.name, source=result.answers.name,
        problem_title=result.checker.problem.title, convention=_convention_note(result),
        tolerance=result.tolerance.describe() if result.tolerance else "",
        notes=[*result.answers.notes, *(f"not read: {p}" for p in result.answers.problems)],
        rows=list(rows.values()), slips=slips, missing=missing,
        rounding=rounding, remarked=[r for r in rows.values() if r.remark and r.verdict != "wrong"],
        unknown=unknown, counts=result.counts, points=result.points,
        out_of=result.out_of, first_wrong=rows[id(first)] if first else None,
        named=[r for r in rows.values() if r.mistake and r.verdict != "wrong"], advice=list(result.advice))
    view.summary = summary_line(view)
    view.graded_against = result.checker.basis
    return view


def _row(result: Result, r: Record) -> Row:
    checker, node, answer = result.checker, r.node, r.answer
    written = decimals(answer.value) if answer else 0
    expected = node.shown
    if answer is not None and written > checker.shown_decimals[node.id]:
        expected = Rounding(written, "round").show(node.value)   # as many digits as the student wrote
    expected = flip(expected, r.sign)
    own = ""
    if _own_matters(r):
        own = checker.show(r.from_own * r.sign, answer)
        if own == checker.show(r.expected * r.sign, answer):
            own = ""             # the student's values give the right value: nothing to explain
    remark = result.answers.remarks.get(answer.name, "") if answer else ""
    display = checker.displays[node.id]
    symbol = node.latex + (f"\\;\\text{{{display[len(node.name):]}}}" if len(display) > len(node.name) else "")
    return Row(display, ascii_math(answer.name) if answer else "", symbol, answer.text if answer else "",
               expected, own, r.verdict, HOW.get(r.how, r.how), answer.where if answer else "", remark, r.mistake,
               checker.show(r.mistake.computed * r.sign, answer) if r.mistake else "")


def _own_matters(r: Record) -> bool:
    """Show what the student's own values give only where it explains the verdict."""
    return r.verdict == "carried" or r.how == "from your values" or (r.verdict == "wrong" and r.deviates)


def _slip(result: Result, r: Record, rows: dict[int, Row]) -> Slip:
    row = rows[id(r)]
    value = result.checker.show(r.from_own, r.answer)
    entry = r.node.entry
    if entry is None:
        parts: list[Node] = [Symbol(row.symbol, row.name), Number(r.node.shown)]
        plain_parts = [row.name, r.node.shown]
    else:
        operands = result.operands(r)
        formula = entry.formula_tree(MAX_TERMS)
        values = [o.value for o in operands]
        substitution = entry.op.tree_at([Number(o.text, o.value) for o in operands], values, MAX_TERMS)
        parts = [Symbol(row.symbol, row.name), formula, substitution, Number(value)]
        plain_parts = [row.name, plain_text(formula), plain_text(substitution), value]
        right = entry.substitution_tree(MAX_TERMS)
        if latex(substitution) != latex(right) and value != result.checker.show(r.expected, r.answer):
            # other numbers went in (the student's own) and give another value: also the
            # worked line with the right numbers, which gives the right value
            return Slip(row, parts, plain_parts, [rows[id(c)] for c in r.carried_into],
                        [Symbol(row.symbol, row.name), right, Number(r.node.shown)],
                        [row.name, plain_text(right), r.node.shown])
    return Slip(row, parts, plain_parts, [rows[id(c)] for c in r.carried_into])


def _convention_note(result: Result) -> str:
    if result.convention == "negative_gradient":
        return ("Sign convention: error terms, deltas and gradients are written as -dE/dx "
                "(updates new = old + rate * out * delta); they are compared with that sign. "
                + ("Error terms Err are -dE/dnet as the problem prints them (never flipped); other "
                   "formulas below are in dE/dx." if any(r.node.kind == "err" for r in result.records)
                   else "Formulas below are in dE/dx."))
    return ""


def _unmatched_reason(u: Unmatched) -> str:
    if u.reason == "duplicate":
        return f"{u.detail}; judged once"
    return describe(Match(None, u.reason, u.candidates, u.detail))


def summary_line(view: SheetView) -> str:
    c = view.counts
    text = (f"{c['correct']} correct, {c['carried']} carried, {c['wrong']} wrong, {c['missing']} missing"
            f" - score {view.points}/{view.out_of} ({view.score_percent})")
    if c["unmatched"]:
        text += f"; {c['unmatched']} name{'s' if c['unmatched'] > 1 else ''} not recognised"
    return text


# --- terminal text ------------------------------------------------------------
def text_report(result: Result, colour: bool = False) -> str:
    """The default report: one line per answer in computation order, then the slips worked again."""
    view = sheet_view(result)
    paint = _painter(colour)
    lines = [f"{view.source}: checked against \"{view.problem_title}\""]
    if view.graded_against:
        lines.append(f"  {view.graded_against}")
    lines += [f"  {note}" for note in view.notes]
    if view.convention:
        lines.append(f"  {view.convention}")
    width = max([len(r.name) for r in view.rows] + [8])
    for row in view.rows:
        verdict = paint(row.verdict, f"{row.verdict:<8}")
        detail = _row_detail(row)
        lines.append(f"  {verdict} {row.name:<{width}}  {row.given or '-':>12}  {detail}".rstrip())
        if row.remark and row.verdict != "wrong":
            lines.append(f"  {'':8} {'':<{width}}  note: {row.remark}")
        if row.mistake and row.verdict != "wrong":
            lines.append(f"  {'':8} {'':<{width}}  mistake: {row.mistake_note}")
    for u in view.unknown:
        lines.append(f"  {paint('unmatched', 'unknown '):<8} {u.name} = {u.given} ({u.where}): {u.reason}")
    for slip in view.slips + view.missing:
        lines += _slip_lines(slip)
    lines += [f"Advice: {a}" for a in view.advice]
    if view.first_wrong is not None:
        fw = view.first_wrong
        lines.append(f"Where it went wrong first: {fw.name} (you wrote {fw.given}; right value {fw.expected})")
    lines.append(f"Summary: {view.summary}")
    return "\n".join(lines) + "\n"


def _row_detail(row: Row) -> str:
    if row.verdict == "correct":
        return f"({row.how})" if row.how else ""
    if row.verdict == "carried":
        return f"right value {row.expected}; from your own values {row.own or row.expected}"
    if row.verdict == "missing":
        return f"not given; right value {row.expected}"
    return (f"right value {row.expected}" + (f"; from your own values {row.own}" if row.own else "")
            + (f"; mistake: {row.mistake.id}" if row.mistake else ""))


def _slip_lines(slip: Slip) -> list[str]:
    head = "missing" if slip.row.verdict == "missing" else "wrong"
    lines = [f"{head}: {slip.row.name}"]
    if len(slip.plain_parts) > 2:
        lines.append(f"    formula       {slip.plain_parts[0]} = {slip.plain_parts[1]}")
        lines.append(f"    substitution  = {slip.plain_parts[2]} = {slip.plain_parts[3]}")
    if slip.right_plain:
        lines.append(f"    right values  = {slip.right_plain[1]} = {slip.right_plain[2]}")
    if slip.row.verdict == "wrong":
        lines.append(f"    you wrote {slip.row.given}; the right value is {slip.row.expected}")
    else:
        lines.append(f"    the right value is {slip.row.expected}")
    if slip.row.mistake:
        lines.append(f"    mistake: {slip.row.mistake_note}")
        lines.append(f"    that gives {slip.row.mistake_value} from your values")
        lines.append(f"    you should have written: {slip.row.mistake.expected}")
    if slip.carried_into:
        lines.append("    carried into: " + ", ".join(r.name for r in slip.carried_into))
    if slip.row.remark:
        lines.append(f"    note: {slip.row.remark}")
    return lines


def _painter(colour: bool):
    def paint(kind: str, text: str) -> str:
        return f"\x1b[{_COLOURS[kind]}m{text}\x1b[0m" if colour else text
    return paint


# --- JSON ---------------------------------------------------------------------
def json_report(result: Result) -> dict[str, Any]:
    """For graders: one record per answer and a summary; numbers in the student's sign."""
    graph, displays = result.checker.graph, result.checker.displays
    records = []
    for r in result.records:
        a = r.answer
        records.append({
            "name": a.name if a else displays[r.node.id],
            "quantity": displays[r.node.id], "kind": r.node.kind, "step": r.node.step,
            "example": r.node.example,
            "given": float(a.value) if a else None, "given_text": a.text if a else None,
            "expected": _num(r.expected * r.sign), "expected_from_own_values": _num(r.from_own * r.sign),
            "verdict": r.verdict, "how": r.how or None,
            "formula": result.checker.formula(r.node),
            "carried_into": [displays[c.node.id] for c in r.carried_into],
            "where": a.where if a else None,
            "mistake": r.mistake.to_dict(r.sign) if r.mistake else None,
        })
    first = result.first_wrong
    return {
        "format": FORMAT_NAME, "version": FORMAT_VERSION,
        "problem": result.checker.problem.title, "answers": result.answers.source,
        "convention": result.convention,
        "tolerance": result.tolerance.describe() if result.tolerance else None,
        "records": records,
        "unmatched": [{"name": u.answer.name, "given_text": u.answer.text, "where": u.answer.where,
                       "reason": u.reason, "candidates": list(u.candidates), "detail": u.detail}
                      for u in result.unmatched],
        "not_read": list(result.answers.problems),
        "summary": {"counts": result.counts, "points": result.points, "out_of": result.out_of,
                    "score": round(result.score, 6),
                    "first_wrong": graph.display(first.node) if first else None,
                    "all_correct": result.all_correct,
                    "mistakes": mistake_counts([result]), "advice": list(result.advice)},
        **({"graded_against": result.checker.basis} if result.checker.basis else {}),
    }


def mistake_counts(results: list[Result]) -> dict[str, int]:
    """How many answers each mistake id was named for, in the ids' fixed order."""
    counts = dict.fromkeys(IDS, 0)
    for result in results:
        for r in result.records:
            if r.mistake is not None:
                counts[r.mistake.id] += 1
    return {k: v for k, v in counts.items() if v}


def _num(x: float) -> float:
    return 0.0 if x == 0 else float(x)


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


# --- feedback sheets (md / tex) -------------------------------------------------
def render_sheet(result: Result, fmt: str, templates: str | None = None,
                 env: jinja2.Environment | None = None) -> str:
    """A printable feedback sheet in the walkthrough's look: ``check.j2`` in the document frame."""
    return render_template({"sheet": sheet_view(result), "klass": None}, result.checker.problem, fmt,
                           templates, env)


def text_cells(rows: list[list[str]], printer, math_columns=()) -> list[list[str]]:
    """Table cells for a printer: the math columns in inline math, the rest escaped as text.

    A filter rather than a macro loop: a class of 500 sheets has 50,000 cells, and most
    repeat ("correct", "rounded"), so each distinct text is escaped once."""
    escaped: dict[str, str] = {}

    def text(cell: str) -> str:
        if cell not in escaped:
            escaped[cell] = printer.text(cell)
        return escaped[cell]
    return [[printer.inline(c) if k in math_columns else text(c) for k, c in enumerate(row)] for row in rows]


def render_template(context: dict[str, Any], problem, fmt: str, templates: str | None = None,
                    env: jinja2.Environment | None = None) -> str:
    """``check.j2`` inside ``document.<fmt>.j2``, with the format's printer as ``p``."""
    env = env or environment(templates)
    env.filters["check_cells"] = text_cells  # not "text_cells": the walkthroughs share this environment
    printer = PRINTERS[fmt]()
    full = {"p": printer, "problem": problem, "options": RenderOptions(), **context}
    try:
        body = env.get_template("check.j2").render(full)
        return env.get_template(f"document.{printer.extension}.j2").render(full, body=body)
    except (jinja2.TemplateError, RecursionError) as exc:
        from ..render import template_error
        raise template_error(exc) from None
