"""A folder of answer files: one result each, and the class summary a teacher reads first.

The summary answers "which step did most students get wrong?": per quantity, how many
students got it correct, carried, wrong or missing, and how many first went wrong there.
An unreadable file is listed, not fatal: the other students still get their feedback.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ProblemError
from .answers import AnswerSet, load_answers
from .compare import Tolerance
from .judge import VERDICTS, Checker, Result
from .mistakes import EXPLANATIONS, IDS

ANSWER_SUFFIXES = (".yaml", ".yml", ".json", ".txt")


@dataclass
class ClassResult:
    """Every readable answer file's result, and the files that could not be read."""

    folder: Path
    results: list[Result] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)   # one-line messages
    skipped: list[str] = field(default_factory=list)      # entries that are not answer files, and why

    @property
    def all_correct(self) -> bool:
        return bool(self.results) and all(r.all_correct for r in self.results)


def answer_files(folder: Path, skipped: list[str] | None = None) -> list[Path]:
    """The answer files directly in a folder, by name; hidden files are skipped silently,
    folders, broken links and other files with a word each in ``skipped``."""
    files = []
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        raise ProblemError(f"{folder}: cannot list the folder ({exc.strerror or exc}); expected a readable "
                           "folder of answer files") from None
    for p in entries:
        if p.name.startswith("."):
            continue
        if p.is_file():
            if p.suffix.lower() in ANSWER_SUFFIXES:
                files.append(p)
            elif skipped is not None:
                skipped.append(f"{p}: not an answers file (not {', '.join('*' + s for s in ANSWER_SUFFIXES)})")
        elif skipped is not None:
            why = "a folder" if p.is_dir() else "a broken link" if p.is_symlink() else "not a regular file"
            skipped.append(f"{p}: {why}, not an answers file")
    if not files:
        raise ProblemError(f"{folder}: found no answer files; expected a folder of "
                           f"{', '.join('*' + s for s in ANSWER_SUFFIXES)} files")
    return files


def check_folder(checker: Checker, folder: Path, required: frozenset[int] = frozenset(),
                 tolerance: Tolerance | None = None, convention: str | None = None,
                 choose: Callable[[AnswerSet], Checker] | None = None) -> ClassResult:
    """Check every answer file of a folder against one traced problem (or, with ``choose``,
    against the checker it picks for each file: the variant the file names)."""
    out = ClassResult(folder)
    for path in answer_files(folder, out.skipped):
        try:
            answers = load_answers(path)
            chosen = choose(answers) if choose is not None else checker
            result = chosen.check(answers, required, tolerance, convention)
        except ProblemError as exc:
            out.unreadable.append(str(exc))
            continue
        except (ValueError, ArithmeticError, RecursionError, MemoryError) as exc:
            # Not foreseen, but one student's file must not sink the class: it gets its line.
            out.unreadable.append(f"{path}: could not be checked ({type(exc).__name__}: "
                                  f"{' '.join(str(exc).split())[:80]})")
            continue
        out.results.append(result)
    return out


@dataclass(frozen=True)
class Hotspot:
    """The quantity a count singles out, with the sentence that says why."""

    name: str
    note: str


@dataclass
class ClassView:
    """The class summary as strings, for every format."""

    title: str
    summary: str
    hardest: Hotspot | None
    first_slip: Hotspot | None
    student_rows: list[list[str]]
    quantity_rows: list[list[str]]
    unreadable: list[str]
    quantities: list[dict[str, Any]]
    mistake_rows: list[list[str]] = field(default_factory=list)   # id, answers, students, explanation
    skipped: list[str] = field(default_factory=list)


def class_view(cr: ClassResult) -> ClassView:
    """Per-student rows, per-quantity rows in computation order, and the hotspots."""
    n = len(cr.results)
    stats = _quantity_stats(cr)
    quantities: list[dict[str, Any]] = []
    if cr.results:                                # no results, no stats
        graph = cr.results[0].checker.graph
        for node_id in sorted(stats):
            node, counts = graph[node_id], stats[node_id]
            quantities.append({"quantity": graph.display(node), **counts})
    hardest = max((q for q in quantities if q["wrong"]), key=lambda q: q["wrong"], default=None)
    first = max((q for q in quantities if q["first_slip"]), key=lambda q: q["first_slip"], default=None)
    mean = sum(r.score for r in cr.results) / n if n else 0.0
    perfect = sum(r.all_correct for r in cr.results)
    summary = (f"{n} answer file{'s' if n != 1 else ''} checked: {perfect} all correct, "
               f"mean score {100 * mean:.0f}%")
    if cr.unreadable:
        summary += f"; {len(cr.unreadable)} could not be read"
    return ClassView(
        title=cr.folder.name or str(cr.folder), summary=summary,
        hardest=_hotspot(hardest, "wrong", n, "got it wrong"),
        first_slip=_hotspot(first, "first_slip", n, "first went wrong here"),
        student_rows=[_student_row(r) for r in cr.results],
        quantity_rows=[[q["quantity"], *(str(q[v]) for v in VERDICTS), str(q["first_slip"])] for q in quantities],
        unreadable=list(cr.unreadable), quantities=quantities, mistake_rows=_mistake_rows(cr),
        skipped=list(cr.skipped))


def _mistake_rows(cr: ClassResult) -> list[list[str]]:
    """Per mistake named anywhere in the class: how many answers and how many students."""
    answers: dict[str, int] = {}
    students: dict[str, int] = {}
    for result in cr.results:
        ids = [r.mistake.id for r in result.records if r.mistake is not None]
        for i in ids:
            answers[i] = answers.get(i, 0) + 1
        for i in set(ids):
            students[i] = students.get(i, 0) + 1
    return [[i, str(answers[i]), str(students[i]), EXPLANATIONS[i]] for i in IDS if i in answers]


def _quantity_stats(cr: ClassResult) -> dict[int, dict[str, int]]:
    stats: dict[int, dict[str, int]] = {}
    for result in cr.results:
        for record in result.records:
            counts = stats.setdefault(record.node.id, {**dict.fromkeys(VERDICTS, 0), "first_slip": 0})
            counts[record.verdict] += 1
        first = result.first_wrong
        if first is not None:
            stats[first.node.id]["first_slip"] += 1
    return stats


def _hotspot(q: dict[str, Any] | None, key: str, n: int, what: str) -> Hotspot | None:
    if q is None:
        return None
    return Hotspot(q["quantity"], f"{q[key]} of {n} student{'s' if n != 1 else ''} {what}")


def _student_row(r: Result) -> list[str]:
    c = r.counts
    first = r.first_wrong
    return [r.answers.name, str(c["correct"]), str(c["carried"]), str(c["wrong"]), str(c["missing"]),
            str(c["unmatched"]), f"{100 * r.score:.0f}%",
            r.checker.graph.display(first.node) if first else "-"]


def class_text(view: ClassView) -> str:
    """The summary for a terminal: the hotspots, then both tables in aligned columns."""
    lines = [f"Class summary: {view.title}", view.summary]
    if view.hardest:
        lines.append(f"Most often wrong: {view.hardest.name} ({view.hardest.note})")
    if view.first_slip:
        lines.append(f"Most often the first slip: {view.first_slip.name} ({view.first_slip.note})")
    if view.mistake_rows:
        lines += ["", *_columns(["mistake", "answers", "students"], [r[:3] for r in view.mistake_rows])]
    lines += ["", *_columns(["answers", "correct", "carried", "wrong", "missing", "unknown", "score",
                             "first slip"], view.student_rows)]
    rows = [[q["quantity"], *(str(q[v]) for v in VERDICTS), str(q["first_slip"])] for q in view.quantities]
    lines += ["", *_columns(["quantity", *VERDICTS, "first slip of"], rows)]
    lines += [f"unreadable: {u}" for u in view.unreadable]
    lines += [f"skipped: {u}" for u in view.skipped]
    return "\n".join(lines) + "\n"


def _columns(headers: list[str], rows: list[list[str]]) -> list[str]:
    """Aligned columns: counts and scores to the right, names to the left."""
    columns = list(zip(headers, *rows))
    widths = [max(len(x) for x in col) for col in columns]
    numeric = [all(re.fullmatch(r"[\d.]+%?", x) for x in col[1:]) for col in columns]
    return ["  ".join(f"{c:>{w}}" if num else f"{c:<{w}}" for c, w, num in zip(row, widths, numeric)).rstrip()
            for row in [headers, *rows]]


def class_json(cr: ClassResult, view: ClassView) -> dict[str, Any]:
    """The class summary for graders: per student and per quantity counts."""
    return {
        "format": "tracer-check-class", "version": 1, "folder": view.title,
        "students": [{"answers": r.answers.name, "counts": r.counts, "points": r.points,
                      "out_of": r.out_of, "score": round(r.score, 6),
                      "first_wrong": r.checker.graph.display(r.first_wrong.node) if r.first_wrong else None}
                     for r in cr.results],
        "quantities": view.quantities,
        "most_wrong": view.hardest.name if view.hardest else None,
        "most_often_first_slip": view.first_slip.name if view.first_slip else None,
        "mistakes": [{"id": r[0], "answers": int(r[1]), "students": int(r[2])} for r in view.mistake_rows],
        "unreadable": view.unreadable,
        "skipped": view.skipped,
    }
