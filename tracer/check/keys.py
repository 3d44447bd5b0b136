"""Grading a variant against the keys its students saw: the folder ``tracer export`` saved.

``tracer export ... -o PATH`` writes ``PATH-keys/`` beside the export: ``codes.csv``
(``variant,code,seed,folder``) and, per variant, ``NN/problem.yaml`` (every number of the
variant written out) and ``NN/answers.yaml`` (the answer key as printed). An answers file
with ``variant: CODE`` is graded against them when a keys folder lists the code:

* the folders given with ``--keys DIR`` (a keys folder, or the export itself: ``quiz.xml``
  stands for ``quiz-keys/``), only those; else
* every ``*-keys`` folder holding a ``codes.csv`` in the problem file's folder or its
  parent, or in the answers' folder (the folder checked, or the one holding the answers
  file or the LMS's CSV) or its parent, whose variant is one of this problem: its title is
  the problem's with ``: Variant CODE (seed S)``.

The variant's numbers then come from the saved problem.yaml, not from drawing it again (a
later tracer may draw differently), and an answer equal to the saved key's printed number
(at the precision written, or within the tolerance) is correct even where this tracer
prints the key otherwise; the reports show the saved key as the right value. Without a
keys folder listing the code, the variant is drawn again from its seed, as ``tracer
variants`` does. Each report says which of the two it used.
"""
from __future__ import annotations

import csv
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from ..errors import ProblemError
from ..model.graph_problem import GraphProblem, is_expression_file
from ..model.problem import Problem
from .answers import Answer, AnswerSet, load_answers
from .compare import Tolerance, agreement
from .judge import Checker, Record
from .nodes import Node

KEYS_SUFFIX = "-keys"
CODES = "codes.csv"
SAVED = "as the saved key"


def keys_folders(given: list[str] | None, near: list[Path]) -> tuple[list[Path], bool]:
    """The keys folders to look in, and whether the user named them (``--keys``)."""
    if given:
        out = []
        for text in given:
            path = Path(text)
            if not (path / CODES).is_file():
                stem = path.name[: -len(path.suffix)] if path.suffix else path.name
                beside = path.parent / f"{stem}{KEYS_SUFFIX}"
                if not (beside / CODES).is_file():
                    raise ProblemError(f"--keys: found no {CODES} in '{path}' nor in '{beside}'; expected the "
                                       "keys folder tracer export wrote (PATH-keys) or the export PATH")
                path = beside
            out.append(path)
        return out, True
    roots: list[Path] = []
    for p in near:
        folder = p if p.is_dir() else p.parent
        if folder.is_dir():
            roots += [folder, folder.parent]
    found: dict[Path, Path] = {}
    for root in roots:
        for folder in sorted(root.glob(f"*{KEYS_SUFFIX}")):
            if (folder / CODES).is_file():
                found.setdefault(folder.resolve(), folder)
    return list(found.values()), False


def read_codes(folder: Path) -> dict[str, Path]:
    """Code -> the variant's folder, from a keys folder's codes.csv."""
    path = folder / CODES
    try:
        rows = list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ProblemError(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc}); expected the "
                           "codes.csv tracer export wrote") from None
    out = {}
    for n, row in enumerate(rows, 2):
        code, sub = (row.get("code") or "").strip(), (row.get("folder") or "").strip()
        if not code or not sub or Path(sub).name != sub:
            raise ProblemError(f"{path}: line {n}: found {row!r}; expected variant,code,seed,folder with a code "
                               "and a folder name")
        out[code] = folder / sub
    return out


class KeyedChecker(Checker):
    """A variant traced from its saved problem.yaml; its saved answer key counts as right too."""

    def __init__(self, problem: Problem | GraphProblem, key: AnswerSet, basis: str) -> None:
        super().__init__(problem)
        self.basis = basis
        self.keys: dict[int, Decimal] = {}
        for answer in key.answers:
            i = self.names.resolve(answer.name).node
            if i is None:
                raise ProblemError(f"{key.source}: {answer.name}: found a name that is not a quantity of the "
                                   "saved problem.yaml; expected the answer key tracer export wrote")
            self.keys[i] = answer.value
            node = self.graph.nodes[i]
            if answer.text != node.shown:          # printed otherwise then: show what the students saw
                self.graph.nodes[i] = replace(node, shown=answer.text)
                self.shown_decimals[i] = len(answer.text.partition(".")[2])

    def _judge(self, node: Node, answer: Answer, mine: tuple[float, float, float], up: frozenset[int],
               convention: str, tolerance: Tolerance | None) -> Record:
        record = super()._judge(node, answer, mine, up, convention, tolerance)
        key = self.keys.get(node.id)
        if record.verdict != "correct" and key is not None and agreement(answer.value * record.sign, key, tolerance):
            return Record(node, answer, "correct", SAVED, record.sign, node.value, record.from_own)
        return record


def saved_checker(folders: list[Path], explicit: bool, code: str, title: str,
                  codes: dict[Path, dict[str, Path]]) -> KeyedChecker | None:
    """The checker of variant ``code`` from the keys folders listing it (``codes`` caches each
    folder's codes.csv), or None when none does. A discovered folder whose variant has another
    title belongs to another problem and is passed over; a folder given with --keys must match.
    """
    found: list[tuple[Path, Problem | GraphProblem, str]] = []
    for folder in folders:
        if folder not in codes:
            codes[folder] = read_codes(folder)
        sub = codes[folder].get(code)
        if sub is None:
            continue
        problem_file = sub / "problem.yaml"
        problem = (GraphProblem.from_file(problem_file) if is_expression_file(problem_file)   # an expression's
                   else Problem.from_file(problem_file))                                      # or a network's
        if problem.title != title:
            if explicit:
                raise ProblemError(f"{problem_file}: title: found {problem.title!r}; expected {title!r} (the "
                                   "keys of another problem?)")
            continue
        found.append((sub, problem, _read(sub / "answers.yaml")))
    if not found:
        return None
    sub, problem, _ = found[0]
    other = next((f for f in found[1:] if (f[1].to_dict(), f[2]) != (problem.to_dict(), found[0][2])), None)
    if other is not None:
        raise ProblemError(f"{other[0]}: found other keys of variant {code} than in {sub}; expected one keys folder "
                           "for it (say which with --keys DIR)")
    return KeyedChecker(problem, load_answers(sub / "answers.yaml"),
                        f"Graded against the keys of variant {code} saved by tracer export in {sub}.")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProblemError(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc}); expected the "
                           "answer key tracer export wrote") from None


def codes_by_key(folders: list[Path], codes: dict[Path, dict[str, Path]]) -> dict[tuple[Decimal, ...], set[str]]:
    """The saved answer keys' numbers, in the order the export asks them -> the variants' codes:
    how a Moodle response without its question text finds its variant (its "Right answer")."""
    index: dict[tuple[Decimal, ...], set[str]] = {}
    for folder in folders:
        if folder not in codes:
            codes[folder] = read_codes(folder)
        for code, sub in codes[folder].items():
            key = load_answers(sub / "answers.yaml")
            index.setdefault(tuple(a.value for a in key.answers), set()).add(code)
    return index

