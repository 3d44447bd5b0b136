"""Responses back from a learning management system, read as answer sets.

``tracer check PROBLEM RESPONSES.csv --from moodle|canvas`` reads the file a teacher
downloads after students answered an exported quiz in the LMS, finds each response's
variant by the code printed in the question's header, maps each answer to its quantity,
and grades it as an answers file (error carried forward included).

**Moodle**: the quiz's Results > Responses report, downloaded as CSV with "Question text"
and "Response" included. A student is a row; its identity is the ``ID number`` column when
present and filled, else ``Email address``, else first and last name. The question text
column (``Question 1``) holds ``Variant CODE (seed S)``; the response column
(``Response 1``) holds the embedded answers as Moodle summarises them,
``part 1: 0.5933; part 2: 0.4292; ...``, part k being the k-th asked quantity. A report
downloaded without the question text finds each row's variant by its ``Right answer 1``
column instead (the report's "Right answer" option): Moodle writes there each part's first
fully-right answer, ``part 1: 0.5933; ...``, which is the answer key as printed, and the
variant is the one whose saved ``answers.yaml`` (the export's keys folder, see
``check/keys.py``) holds those numbers in that order.

**Canvas**: a variant quiz's Quiz Statistics > Student Analysis CSV. Columns ``name``,
``id``, ``sis_id`` (when the account has SIS ids), section columns, ``submitted``,
``attempt`` (when all attempts are included), then two columns per item, ``ITEM_ID: item
text`` holding the response and one headed by the item's points holding the points given,
and finally ``n correct``, ``n incorrect``, ``score``. An item's text begins ``Variant CODE
(seed S), question k of n``. A student is ``sis_id`` when present and filled, else ``id``;
with several attempts the highest counts.

An empty response (or Moodle's ``-``) is missing; one that is not a number is ``unknown``.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from ..errors import ProblemError
from .answers import Answer, AnswerSet
from .compare import parse_number

CODE = re.compile(r"Variant ([0-9A-Za-z]+-[0-9A-Za-z]+) \(seed (\d+)\)")
CANVAS_ITEM = re.compile(r"^(\d+): (.*)$", re.DOTALL)
CANVAS_QUESTION = re.compile(r"Variant ([0-9A-Za-z]+-[0-9A-Za-z]+) \(seed \d+\), question (\d+) of (\d+)")
MOODLE_PART = re.compile(r"part (\d+): ([^;]*)")
EMPTY = ("", "-")


@dataclass(frozen=True)
class Response:
    """One student's answers in the LMS: an AnswerSet, or why the row cannot be graded."""

    student: str
    variant: str
    answers: AnswerSet | None
    unknown: frozenset[str] = frozenset()
    error: str = ""


def read_responses(path: Path, system: str, names: list[str],
                   codes_of_key: Callable[[tuple[Decimal, ...]], set[str]] | None = None) -> list[Response]:
    """The responses of a Moodle or Canvas CSV; ``names``: the asked quantities in order;
    ``codes_of_key``: the variants whose saved key has these numbers (Moodle's Right answer)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProblemError(f"{path}: cannot read the {system} responses ({getattr(exc, 'strerror', None) or exc}); "
                           "expected a CSV file") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ProblemError(f"{path}: found an empty file; expected the {system} CSV export")
    if system == "moodle":
        return _moodle(path, rows[0], rows[1:], names, codes_of_key)
    return _canvas(path, rows[0], rows[1:], names)


def _answers(source: str, student: str, code: str, values: dict[str, str]) -> Response:
    """An AnswerSet of the numbers given; blanks are missing, other text unknown."""
    answers, unknown = [], set()
    for name, raw in values.items():
        raw = raw.strip()
        if raw in EMPTY:
            continue
        value = parse_number(raw)
        if value is None:
            unknown.add(name)
            continue
        answers.append(Answer(name, raw, value, source))
    return Response(student, code, AnswerSet(source, tuple(answers), student=student, variant=code),
                    frozenset(unknown))


# --- Moodle -----------------------------------------------------------------------------------
def _moodle(path: Path, header: list[str], rows: list[list[str]], names: list[str],
            codes_of_key: Callable[[tuple[Decimal, ...]], set[str]] | None = None) -> list[Response]:
    col = {h.strip(): k for k, h in enumerate(header)}
    responses = [k for h, k in col.items() if re.fullmatch(r"Response \d+", h)]
    rights = [k for h, k in col.items() if re.fullmatch(r"Right answer \d+", h)]
    if not responses:
        raise ProblemError(f"{path}: found no 'Response 1' column; expected Moodle's quiz Responses report "
                           "downloaded with Question text and Response included")
    out = []
    for n, row in enumerate(rows, 2):
        def cell(name: str, row: list[str] = row) -> str:
            return row[col[name]].strip() if name in col and col[name] < len(row) else ""
        student = (cell("ID number") or cell("Email address")
                   or " ".join(x for x in (cell("First name"), cell("Last name") or cell("Surname")) if x))
        source = f"{path.name} row {n}"
        code = next((m[1] for c in row for m in [CODE.search(c)] if m), "")
        if not code and rights and codes_of_key is not None:
            code, why = _by_right_answer(" ".join(row[k] for k in rights if k < len(row)), codes_of_key)
        else:
            why = "; expected the Responses report downloaded with the question text (or the Right answer)"
        if not code:
            if student and not student.startswith("Overall average"):
                out.append(Response(student, "", None, error=f"{source}: found no 'Variant CODE (seed S)' in the "
                                    f"row{why}"))
            continue
        summary = " ".join(row[k] for k in responses if k < len(row))
        parts = {int(m[1]): m[2] for m in MOODLE_PART.finditer(summary)}
        values = {name: parts.get(k, "") for k, name in enumerate(names, 1)}
        out.append(_answers(source, student, code, values))
    return out


def _by_right_answer(text: str, codes_of_key: Callable[[tuple[Decimal, ...]], set[str]]) -> tuple[str, str]:
    """The code of the variant whose saved key is Moodle's right answer, or why there is none."""
    parts = {int(m[1]): parse_number(m[2].replace(",", ".")) for m in MOODLE_PART.finditer(text)}
    values = tuple(parts.get(k) for k in range(1, len(parts) + 1))
    if not values or any(v is None for v in values):
        return "", f" and found {text!r} as its right answer; expected 'part 1: NUMBER; part 2: ...'"
    codes = sorted(codes_of_key(tuple(v for v in values if v is not None)))
    if len(codes) == 1:
        return codes[0], ""
    if codes:
        return "", f", and its right answer is the key of several variants ({', '.join(codes)})"
    return "", (f", and no saved answer key is its right answer ({text}); expected the export's keys folder "
                "(PATH-keys beside the problem or the CSV, or --keys DIR)")


# --- Canvas -----------------------------------------------------------------------------------
def _canvas(path: Path, header: list[str], rows: list[list[str]], names: list[str]) -> list[Response]:
    col = {h.strip(): k for k, h in enumerate(header)}
    items: dict[int, tuple[str, int]] = {}          # column -> (variant code, question number)
    for k, h in enumerate(header):
        item = CANVAS_ITEM.match(h.strip())
        question = CANVAS_QUESTION.search(h) if item else None
        if question:
            if int(question[3]) != len(names):
                raise ProblemError(f"{path}: column {k + 1}: found question {question[2]} of {question[3]}; "
                                   f"expected questions of {len(names)} (the problem asks {len(names)})")
            items[k] = (question[1], int(question[2]))
    if not items:
        raise ProblemError(f"{path}: found no column 'ID: Variant CODE (seed S), question k of n'; expected "
                           "Canvas's Student Analysis CSV of a quiz written by tracer export")
    best: dict[str, tuple[int, Response]] = {}
    order: list[str] = []
    for n, row in enumerate(rows, 2):
        def cell(name: str, row: list[str] = row) -> str:
            return row[col[name]].strip() if name in col and col[name] < len(row) else ""
        student = cell("sis_id") or cell("id") or cell("name")
        if not student:
            continue
        codes = {items[k][0] for k in items if k < len(row) and row[k].strip()} or {next(iter(items.values()))[0]}
        code = min(codes)
        values = {names[q - 1]: row[k] for k, (c, q) in items.items() if c == code and k < len(row)}
        attempt = int(cell("attempt")) if cell("attempt").isdigit() else 0
        response = _answers(f"{path.name} row {n}", student, code, values)
        if len(codes) > 1:
            response = Response(student, code, None, error=f"{path.name} row {n}: found answers to several "
                                "variants in one row; expected one variant per student")
        if student not in best:
            order.append(student)
        if student not in best or attempt > best[student][0]:
            best[student] = (attempt, response)
    return [best[s][1] for s in order]
