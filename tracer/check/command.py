"""``tracer check PROBLEM ANSWERS``: the command line of the checker.

ANSWERS is one answers file (a report on standard output or ``-o FILE``) or a folder of
them (a report per file in ``-o DIR``, default ``<folder>-feedback`` beside it, plus the
class summary, also printed). Exit status: 0 every answer correct, 1 any not, 2 bad input.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .. import examples
from ..errors import ProblemError
from ..outputs import STDOUT, check_target, emit, write_files, write_stdout
from .answers import CONVENTIONS, load_answers
from .classroom import ClassResult, check_folder, class_json, class_text, class_view
from .compare import TOLERANCE_HELP, Tolerance
from .judge import Checker, Result

FORMATS = ("text", "md", "tex", "pdf", "json", "csv")
EXTENSIONS = {"text": "txt", "md": "md", "tex": "tex", "pdf": "pdf", "json": "json"}
LMS = ("moodle", "canvas")
SUMMARY_NAME = "class-summary"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``check`` subcommand's options (cli.py only creates the subparser)."""
    parser.add_argument("problem", help="a problem file or built-in example")
    parser.add_argument("answers", help="an answers file (YAML, JSON or 'name = value' text) or a folder of them")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="text (terminal), md, tex or pdf (feedback sheet), json (for graders), csv (gradebook)")
    parser.add_argument("-o", "--output", default=None,
                        help="report file (default: standard output); for a folder, the report folder")
    parser.add_argument("--tolerance", default=None, help=f"also accept answers within {TOLERANCE_HELP}".replace("%", "%%"))
    parser.add_argument("--require", action="append", default=None,
                        help="quantities, kinds (dw) or steps (@1) that must be answered; repeat or "
                             "comma-separate (default: the problem's ask)")
    parser.add_argument("--convention", choices=CONVENTIONS, default=None,
                        help="sign of the derivatives written (default: the answers file's, else the problem's "
                             "conventions.error)")
    parser.add_argument("--templates", default=None, help="a folder of templates overriding the built-ins")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour the terminal report (auto: only on a terminal)")
    parser.add_argument("--from", dest="lms", choices=LMS, default=None,
                        help="ANSWERS is a Moodle quiz Responses or Canvas Student Analysis CSV")
    parser.add_argument("--carried-credit", default="1", metavar="FRACTION",
                        help="the share of a quantity's points a carried-forward answer earns in --format csv "
                             "(default: 1)")
    parser.add_argument("--keys", action="append", default=None, metavar="DIR",
                        help="grade answers naming a variant against the keys tracer export saved in DIR "
                             "(PATH-keys, or the export PATH); default: *-keys folders beside the problem "
                             "or the answers, else the variant drawn again")


def run(args: argparse.Namespace) -> int:
    """Check one file or a folder; the exit status says whether everything was correct."""
    from .gradebook import Variants, carried_credit
    credit = carried_credit(args.carried_credit)
    problem = examples.load_any(args.problem)
    tolerance = _tolerance(args.tolerance if args.tolerance is not None else problem.tolerance)
    path = Path(args.answers)
    if not path.exists():
        raise ProblemError(f"{path}: no such answers file or folder; expected an answers file or a folder of them")
    _not_an_input(args.output, path, Path(problem.source))
    if args.output is not None and not path.is_dir():
        check_target(args.output)
    from ..finite import finite_trace
    checker = Checker(problem, finite_trace(problem))
    specs, what = (_specs(args.require), "--require") if args.require else (problem.ask, f"{problem.source}: ask")
    required = checker.required(specs, what)
    chooser = Variants(problem, checker, args.keys, (path, Path(problem.source)))
    if args.lms or args.format == "csv":
        from .gradebook import run_gradebook
        return run_gradebook(chooser, path, required, tolerance, credit, args, write_class)
    if path.is_dir():
        return _run_folder(checker, path, required, tolerance, args, chooser.checker)
    if args.format == "pdf" and args.output is None and sys.stdout.isatty():
        raise ProblemError("--format pdf: found no -o FILE and standard output is a terminal; expected -o FILE.pdf")
    answers = load_answers(path)
    result = chooser.checker(answers).check(answers, required, tolerance, args.convention)
    colour = args.color == "always" or (args.color == "auto" and args.output is None
                                        and sys.stdout.isatty() and not os.environ.get("NO_COLOR"))
    emit(format_result(result, args.format, colour, args.templates), args.output)
    return 0 if result.all_correct else 1


def format_result(result: Result, fmt: str, colour: bool = False, templates: str | None = None,
                  env=None) -> str | bytes:
    """One answers file's report in a format."""
    from .report import json_report, render_sheet, text_report, to_json
    if fmt == "pdf":
        from .pdfsheets import compile_sheets
        return compile_sheets([render_sheet(result, "tex", templates, env)])[0]
    if fmt == "json":
        return to_json(json_report(result))
    if fmt == "text":
        from ..render.escape import terminal_text
        return terminal_text(text_report(result, colour), keep_colours=colour)
    return render_sheet(result, fmt, templates, env)


def format_class(cr: ClassResult, checker: Checker, fmt: str, templates: str | None = None, env=None) -> str:
    """The class summary in a format."""
    from .report import render_template, to_json
    view = class_view(cr)
    if fmt == "json":
        return to_json(class_json(cr, view))
    if fmt == "text":
        from ..render.escape import terminal_text
        return terminal_text(class_text(view))
    return render_template({"sheet": None, "klass": view}, checker.problem, fmt, templates, env)


def _run_folder(checker: Checker, folder: Path, required: frozenset[int], tolerance: Tolerance | None,
                args: argparse.Namespace, choose=None) -> int:
    out_dir = Path(args.output) if args.output else folder.resolve().parent / f"{folder.resolve().name}-feedback"
    if args.output == STDOUT or (out_dir.exists() and not out_dir.is_dir()) or not out_dir.parent.is_dir():
        why = ("standard output" if args.output == STDOUT else "a file" if out_dir.exists()
               else "in no existing folder")
        raise ProblemError(f"-o: found '{out_dir}', {why}; expected a folder for the reports (created if "
                           "missing) in an existing folder")
    cr = check_folder(checker, folder, required, tolerance, args.convention, choose)
    return write_class(cr, checker, out_dir, args)


def write_class(cr: ClassResult, checker: Checker, out_dir: Path, args: argparse.Namespace) -> int:
    """Each result's report and the class summary into out_dir; the summary also printed."""
    from ..render import environment
    fmt = "tex" if args.format == "pdf" else args.format       # pdf: the LaTeX sheets, compiled
    env = environment(args.templates) if fmt in ("md", "tex") else None
    out_dir.mkdir(parents=True, exist_ok=True)
    ext = EXTENSIONS[args.format]
    files: dict[Path, str | bytes] = {}
    for result, name in zip(cr.results, report_names([r.answers.source for r in cr.results], ext)):
        files[out_dir / name] = format_result(result, fmt, False, args.templates, env)
    summary = format_class(cr, checker, fmt, args.templates, env)
    files[out_dir / f"{SUMMARY_NAME}.{ext}"] = summary
    if args.format == "pdf":
        from .pdfsheets import compile_sheets
        files = dict(zip(files, compile_sheets([str(tex) for tex in files.values()])))
        summary = format_class(cr, checker, "text")
    write_files(files)
    write_stdout(summary)
    from ..render.escape import terminal_text
    for message in cr.unreadable:
        print(terminal_text(f"tracer: {message}"), file=sys.stderr)
    if cr.unreadable:
        return 2
    return 0 if cr.all_correct else 1


def report_names(sources: list[str], ext: str) -> list[str]:
    """``anna.md`` for ``anna.yaml``; the full name (``anna.txt.md``) when two files share a stem
    or the stem is the class summary's."""
    stems = [Path(s).stem for s in sources]
    names = [f"{stem if stems.count(stem) == 1 and stem != SUMMARY_NAME else Path(s).name}.{ext}"
             for s, stem in zip(sources, stems)]
    # Still equal (a.txt.yaml and a.txt, or Anna.yaml and anna.yaml on a case-blind disk):
    # a number makes each distinct, so no report overwrites another.
    taken: set[str] = {f"{SUMMARY_NAME}.{ext}".casefold()}
    unique = []
    for name in names:
        candidate, n = name, 1
        while candidate.casefold() in taken:
            n += 1
            candidate = f"{Path(name).stem}-{n}.{ext}"
        taken.add(candidate.casefold())
        unique.append(candidate)
    return unique


def _not_an_input(output: str | None, answers: Path, problem: Path) -> None:
    """-o must not overwrite what is being checked: the answers, their folder, the problem."""
    if output is None:
        return
    target = Path(output).resolve()
    for given in (answers, problem):
        if given.exists() and target == given.resolve():
            raise ProblemError(f"-o: found '{output}', the {'folder of answers' if given.is_dir() else 'file'} "
                               "being checked; expected another path for the reports")


def _tolerance(text: str | None) -> Tolerance | None:
    if text is None:
        return None
    tolerance = Tolerance.parse(text)
    if tolerance is None:
        raise ProblemError(f"--tolerance: found {text!r}; expected {TOLERANCE_HELP}")
    return tolerance


def _specs(values: list[str]) -> list[str]:
    return [s.strip() for v in values for s in v.split(",") if s.strip()]
