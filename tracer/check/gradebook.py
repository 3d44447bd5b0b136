"""The CSV gradebook of ``tracer check --format csv``: one row per answer file (or LMS response).

Columns, in this order:

* ``student``: the answers file's ``student`` field, else its file name's stem (for
  ``--from moodle|canvas``, the LMS's student id): LMS gradebook imports match rows on it;
* ``variant``: the variant code answered, only when some row has one;
* one column per asked quantity (the problem's ``ask``, or ``--require``), named as the
  walkthrough names it, holding its verdict: ``correct``, ``carried`` (wrong, but right
  from the student's own earlier answers), ``wrong``, ``missing``, ``unknown`` (an LMS
  response that is not a number), or ``unreadable`` for every quantity of a file that
  cannot be read;
* ``score``: the points earned: each quantity's points (``ask: [{name: out_h1, points: 2}]``,
  1 for a plain name) when correct, times ``--carried-credit`` (default 1) when carried;
* ``max``: the points possible;
* ``mistakes``: the common mistakes named in the student's answers (``tracer/check/mistakes.py``
  ids, each once, in their fixed order, separated by spaces), only when some row has one.

Rows keep the order of the files (by name) or of the LMS export; the score is written with
no trailing zeros (``6.5``, ``7``).

This module also picks the checker of a variant: an answers file with ``variant: CODE`` is
judged against that variant of the problem: its keys as ``tracer export`` saved them when a
keys folder lists the code (``check/keys.py``), else drawn again by ``tracer variants``' code.
"""
from __future__ import annotations

import argparse
import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ProblemError
from ..model.graph_problem import GraphProblem
from ..model.problem import Problem
from .answers import AnswersError, AnswerSet
from .compare import Tolerance
from .judge import Checker, Result
from .mistakes import IDS

if TYPE_CHECKING:
    from .classroom import ClassResult

UNREADABLE = "unreadable"
UNKNOWN = "unknown"


@dataclass
class Row:
    """One student's line: a result, or a file that could not be read."""

    student: str
    result: Result | None
    variant: str = ""
    unknown: frozenset[str] = frozenset()     # quantities whose response was not a number


@dataclass
class Gradebook:
    """The asked quantities (column name and node id) and their points."""

    columns: list[tuple[str, int]]
    points: dict[int, int]
    carried_credit: Decimal = Decimal(1)
    rows: list[Row] = field(default_factory=list)

    @classmethod
    def of(cls, checker: Checker, required: frozenset[int], carried_credit: Decimal = Decimal(1)) -> Gradebook:
        graph = checker.graph
        columns = [(graph.display(graph[i]), i) for i in sorted(required)]
        return cls(columns, ask_points(checker, required), carried_credit)

    @property
    def max_points(self) -> int:
        return sum(self.points[i] for _, i in self.columns)

    def verdicts(self, row: Row) -> list[str]:
        if row.result is None:
            return [UNREADABLE] * len(self.columns)
        by_id = {r.node.id: r.verdict for r in row.result.records}
        return [UNKNOWN if name in row.unknown else by_id.get(i, "missing") for name, i in self.columns]

    def score(self, row: Row) -> Decimal:
        total = Decimal(0)
        for (_, i), verdict in zip(self.columns, self.verdicts(row)):
            if verdict == "correct":
                total += self.points[i]
            elif verdict == "carried":
                total += self.points[i] * self.carried_credit
        return total

    def mistakes(self, row: Row) -> str:
        """The ids of the mistakes named in a row's answers, each once, in the fixed order."""
        named = {r.mistake.id for r in row.result.records if r.mistake is not None} if row.result else set()
        return " ".join(i for i in IDS if i in named)

    def to_csv(self) -> str:
        with_variant = any(r.variant for r in self.rows)
        mistakes = [self.mistakes(r) for r in self.rows]
        with_mistakes = any(mistakes)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["student", *(["variant"] if with_variant else []), *(n for n, _ in self.columns),
                         "score", "max", *(["mistakes"] if with_mistakes else [])])
        for row, named in zip(self.rows, mistakes):
            writer.writerow([row.student, *([row.variant] if with_variant else []), *self.verdicts(row),
                             _plain(self.score(row)), str(self.max_points), *([named] if with_mistakes else [])])
        return out.getvalue()


def _plain(d: Decimal) -> str:
    text = format(d, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def ask_points(checker: Checker, required: frozenset[int]) -> dict[int, int]:
    """Points per required node: from the problem's ``ask`` items (1 unless given)."""
    problem = checker.problem
    points = dict.fromkeys(required, 1)
    weights = problem.ask_points or (1,) * len(problem.ask)
    for spec, n in zip(problem.ask, weights):
        for i in checker.requirement(spec, f"{problem.source}: ask"):
            if i in points:
                points[i] = n
    return points


def student_of(answers: AnswerSet) -> str:
    return answers.student or Path(answers.source).stem


# --- variants ---------------------------------------------------------------------------
class Variants:
    """Checkers of a problem's variants by code, each made once: from the saved keys (``--keys``
    folders, else ``*-keys`` folders found beside the paths ``near``), else drawn again."""

    def __init__(self, problem: Problem | GraphProblem, base: Checker, keys: list[str] | None = None,
                 near: tuple[Path, ...] = ()) -> None:
        self.problem = problem
        self.base = base
        self._checkers: dict[tuple[int, int], Checker] = {}
        self._keys, self._near = keys, near
        self._folders: tuple[list[Path], bool] | None = None
        self._codes: dict[Path, dict[str, Path]] = {}
        self._by_key: dict[tuple[Decimal, ...], set[str]] | None = None

    def codes_of_key(self, values: tuple[Decimal, ...]) -> set[str]:
        """The codes of the saved variants whose answer key is ``values`` (in the asked order)."""
        if self._by_key is None:
            from .keys import codes_by_key, keys_folders
            if self._folders is None:
                self._folders = keys_folders(self._keys, list(self._near))
            self._by_key = codes_by_key(self._folders[0], self._codes)
        return set(self._by_key.get(values, set()))

    def checker(self, answers: AnswerSet) -> Checker:
        """The checker of the variant the answers name, or the base problem's."""
        if not answers.variant:
            return self.base
        from ..sheets import variants
        from ..sheets.export.codes import CODE_HELP, decode, encode
        from .keys import keys_folders, saved_checker
        try:
            seed, number = decode(answers.variant)
        except ValueError as exc:
            raise AnswersError(f"{answers.source}: variant: found {answers.variant!r} ({exc}); "
                               f"expected {CODE_HELP}") from None
        if (seed, number) not in self._checkers:
            code = encode(seed, number)
            if self._folders is None:
                self._folders = keys_folders(self._keys, list(self._near))
            saved = saved_checker(*self._folders, code, variants.variant_title(self.problem.title, seed, number),
                                  self._codes)
            if saved is not None:
                self._checkers[(seed, number)] = saved
                return saved
            if self.problem.variants is None:
                raise AnswersError(f"{answers.source}: variant: found {answers.variant!r}, but "
                                   f"{self.problem.source} has no variants: field and no keys folder lists it; "
                                   "expected the problem the variants were drawn from, or --keys DIR")
            try:
                v = variants.variant(self.problem, self.problem.variants, seed, number, max(2, len(str(number))))
            except ProblemError as exc:
                raise AnswersError(f"{answers.source}: variant: {exc}") from None
            checker = self._checkers[(seed, number)] = Checker(v.problem, v.log)
            checker.basis = (f"Graded against variant {code} drawn again from seed {seed}: "
                             + ("the keys folders given with --keys do not list it." if self._folders[1] else
                                "no keys folder of tracer export (PATH-keys) beside the problem or the answers "
                                "lists it."))
        return self._checkers[(seed, number)]


# --- the command ---------------------------------------------------------------------------
def carried_credit(text: str) -> Decimal:
    """--carried-credit: a fraction from 0 to 1 (0.5 = half the points for a carried answer)."""
    from .compare import parse_number
    value = parse_number(text)
    if value is None or not 0 <= value <= 1:
        raise ProblemError(f"--carried-credit: found {text!r}; expected a fraction from 0 to 1 (e.g. 0.5)")
    return value


def run_gradebook(chooser: Variants, path: Path, required: frozenset[int], tolerance: Tolerance | None,
                  credit: Decimal, args: argparse.Namespace,
                  write_class: Callable[[ClassResult, Checker, Path, argparse.Namespace], int]) -> int:
    """--format csv (a gradebook of a file, a folder or an LMS export) and --from moodle|canvas."""
    import sys

    from ..outputs import emit
    from .answers import load_answers
    from .classroom import ClassResult, answer_files
    book = Gradebook.of(chooser.base, required, credit)
    messages: list[str] = []
    results: list[Result] = []

    def grade(answers: AnswerSet, student: str, unknown: frozenset[str] = frozenset()) -> None:
        try:
            checker = chooser.checker(answers)
        except ProblemError as exc:
            messages.append(str(exc))
            book.rows.append(Row(student, None, answers.variant))
            return
        result = checker.check(answers, required, tolerance, args.convention)
        results.append(result)
        book.rows.append(Row(student, result, answers.variant, unknown))

    if args.lms:
        if path.is_dir():
            raise ProblemError(f"--from {args.lms}: found the folder '{path}'; expected the CSV file exported "
                               f"from {args.lms.capitalize()}")
        from .lms import read_responses
        for response in read_responses(path, args.lms, [n for n, _ in book.columns], chooser.codes_of_key):
            if response.answers is None:
                messages.append(response.error)
                book.rows.append(Row(response.student, None, response.variant))
            else:
                grade(response.answers, response.student, response.unknown)
    else:
        for file in answer_files(path) if path.is_dir() else [path]:
            try:
                answers = load_answers(file)
            except ProblemError as exc:
                if not path.is_dir():
                    raise
                messages.append(str(exc))
                book.rows.append(Row(file.stem, None))
                continue
            grade(answers, student_of(answers))
    if args.format == "csv":
        if args.output is not None and Path(args.output).is_dir():
            raise ProblemError(f"-o: found '{args.output}', a folder; expected the CSV file to write (--format csv)")
        emit(book.to_csv(), args.output)
    else:
        out_dir = Path(args.output) if args.output else path.resolve().parent / f"{path.stem}-feedback"
        if out_dir.exists() and not out_dir.is_dir():
            raise ProblemError(f"-o: {out_dir}: is a file; expected a folder for the reports")
        write_class(ClassResult(path, results, []), chooser.base, out_dir, args)
    for message in messages:
        print(f"tracer: {message}", file=sys.stderr)
    if messages:
        return 2
    return 0 if results and all(r.all_correct for r in results) else 1
