"""The ``tracer`` command: run, examples (and, as they land, check and variants).

Every user error ends as one line on stderr, ``tracer: <where>: found <what>; expected
<what>``, and exit status 2, with nothing written: options are checked before any work,
and outputs are written whole at the end (outputs.py).
"""
from __future__ import annotations

import argparse
import gc
import os
import re
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import NoReturn

from . import __version__, examples, graph_cli
from .engine.collector import collector_paused
from .engine.log import TraceLog
from .errors import ProblemError
from .model.conv_problem import ConvProblem
from .model.problem import Problem
from .model.schema import closest, one_of
from .outputs import STDOUT, check_target, not_the_input, write_stdout
from .run_output import write_run

FORMATS = ("json", "md", "tex", "pdf", "html")
#: The format an -o file's extension implies when --format is not given.
EXTENSION_FORMATS = {".json": "json", ".md": "md", ".markdown": "md", ".tex": "tex", ".pdf": "pdf",
                     ".html": "html", ".htm": "html"}
MAX_DIGITS = 15
MAX_VARIANTS = 999


class Parser(argparse.ArgumentParser):
    """argparse with tracer's one-line errors (no usage block): ``tracer: --digits: found ...``."""

    def error(self, message: str) -> NoReturn:
        where, sep, rest = message.partition(": ")
        if sep and where.startswith("argument "):
            choice = re.fullmatch(r"invalid choice: '(.*)' \(choose from (.*)\)", rest)
            if choice:
                names = [name.strip(" '") for name in choice[2].split(",")]
                rest = f"found '{choice[1]}'{closest(choice[1], names)}; expected {one_of(names)}"
            message = f"{where.removeprefix('argument ').split('/')[-1]}: {rest}"
        self.exit(2, f"tracer: {' '.join(message.split())}\n")


def _option(check: Callable[[str], object], expected: str, names: Sequence[str] = ()) -> Callable[[str], object]:
    """An argparse type whose error reads 'found X; expected Y' like every other error."""
    def parse(text: str) -> object:
        try:
            value = check(text)
        except ValueError:
            value = None
        if value is None:
            raise argparse.ArgumentTypeError(f"found '{text}'{closest(text, names)}; expected {expected}")
        return value
    return parse


def _int_in(low: int, high: int | None = None) -> Callable[[str], int | None]:
    def check(text: str) -> int | None:
        n = int(text)
        return n if n >= low and (high is None or n <= high) else None
    return check


def _folder(text: str) -> str | None:
    return text if Path(text).is_dir() else None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with ``command`` (the subcommand the arguments name), the
    options of ``check`` and ``export`` only when it is one of them: their modules import
    the checker, the renderer and Jinja (~0.08 s), which ``tracer run --format json`` never uses."""
    every = command not in ("run", "examples", "variants")
    parser = Parser(prog="tracer", description="Worked solutions of neural-network training, step by step.")
    parser.add_argument("--version", action="version", version=f"tracer {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = sub.add_parser("run", help="trace a problem and write its log or walkthrough")
    run.add_argument("problem", nargs="?", help=f"a problem file, a built-in example or - for standard input "
                                                f"(default: {examples.DEFAULT_EXAMPLE})")
    run.add_argument("--format", default=None, metavar="{" + ",".join(FORMATS) + "}",
                     help="default: md, or what the -o file's extension says (.json, .md, .tex, .pdf, .html)",
                     type=_option(lambda t: t if t in FORMATS else None, one_of(FORMATS), FORMATS))
    run.add_argument("--style", default=None, help="narrative | chain-rule | matrix | symbolic")
    run.add_argument("-o", "--output", default=None, help="output file (default, or -: standard output)")
    run.add_argument("--digits", default=None, help="digits to show, overriding the problem's rounding",
                     type=_option(_int_in(1, MAX_DIGITS), f"a number of digits from 1 to {MAX_DIGITS}"))
    run.add_argument("--max-terms", default=None, help="elide sums and matrices longer than this (at least 2)",
                     type=_option(_int_in(2), "a whole number of terms of at least 2"))
    run.add_argument("--weights", default=None, help="weights to work in full, e.g. w5,w1 or layer:2")
    run.add_argument("--fragment", action="store_true",
                     help="the body only: LaTeX to \\input, HTML to embed in notes (--format tex or html)")
    run.add_argument("--templates", default=None, help="a folder of templates overriding the built-ins",
                     type=_option(_folder, "an existing folder of templates"))
    run.add_argument("--exercise", action="store_true", help="the statement only: what to compute")
    run.add_argument("--answer-key", action="store_true", help="the worked solution of what the exercise asks")
    run.add_argument("--sheet-notes", action="store_true",
                     help="with --exercise: also print the problem's description and how to have the answers "
                          "checked with tracer check (left off by default: the sheet is for students)")
    run.add_argument("--compact", action="store_true",
                     help="one line per quantity, formula = numbers = result, no prose; the tables are kept "
                          "(the matrix style: one line per layer matrix; an expression: one line per gate "
                          "and gradient)")
    run.add_argument("--full", action="store_true",
                     help="every step and every example of a mini-batch worked in prose (by default the first "
                          "is, and the repeats after it are written compactly)")
    graph_cli.add_arguments(run)
    sub.add_parser("examples", help="list the built-in worked examples (networks and expressions), one a line: "
                                     "name, then summary")
    check = sub.add_parser("check", help="check answers worked by hand: what is right, where it went wrong")
    if every:
        from .check import command as check_command
        check_command.add_arguments(check)
    variants = sub.add_parser("variants", help="write variants of an exercise with other friendly numbers, "
                                               "each with its exercise, answer key and answers")
    variants.add_argument("problem", help="a problem file or built-in example with a variants: field")
    variants.add_argument("-o", "--output", required=True, metavar="DIR",
                          help="the folder to write DIR/01, DIR/02, ... and DIR/index.md into")
    variants.add_argument("--count", default=30, help="how many variants (default: 30)",
                          type=_option(_int_in(1, MAX_VARIANTS), f"a number of variants from 1 to {MAX_VARIANTS}"))
    variants.add_argument("--seed", default=0, help="the seed: the same seed gives the same variants (default: 0)",
                          type=_option(_int_in(0), "a seed: a whole number of at least 0"))
    variants.add_argument("--only", default=None, help="write only this variant (as the full run writes it)",
                          type=_option(_int_in(1), "a variant number of at least 1"))
    variants.add_argument("--no-pdf", action="store_true", help="skip the PDFs (written when TeX is installed)")
    variants.add_argument("--force", action="store_true",
                          help="replace the variants of an earlier run in DIR, whole (refused without it)")
    export = sub.add_parser("export", help="write variants of an exercise for Moodle, Canvas or PrairieLearn")
    if every:
        from .sheets.export import command as export_command
        export_command.add_arguments(
            export, _option(_int_in(1, MAX_VARIANTS), f"a number of variants from 1 to {MAX_VARIANTS}"),
            _option(_int_in(0), "a seed: a whole number of at least 0"))
    return parser


class Terminated(BaseException):
    """SIGTERM, raised like Ctrl-C's KeyboardInterrupt so every ``finally`` cleans up."""


def _terminate(signum: int, frame: object) -> NoReturn:
    raise Terminated()


def _subcommand(argv: Sequence[str]) -> str | None:
    """The subcommand the arguments name: the first that is not an option (``tracer`` itself
    has only ``--version`` and ``--help``, which take no value)."""
    return next((a for a in argv if not a.startswith("-")), None)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(_subcommand(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(argv)
    if args.command is None:                 # bare ``tracer``: the usage and the subcommands
        parser.print_help(sys.stderr)
        return 2
    try:
        previous = signal.signal(signal.SIGTERM, _terminate)
    except ValueError:                       # not the main thread (a library caller's worker)
        previous = None
    try:
        return COMMANDS[args.command](args)
    except ProblemError as exc:
        from .render.escape import terminal_text
        print(terminal_text(f"tracer: {' '.join(str(exc).splitlines())}"), file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader (``| head``) left: stop quietly, and keep Python's exit flush from complaining.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("tracer: interrupted; nothing was written", file=sys.stderr)
        return 130
    except Terminated:
        print("tracer: terminated; nothing was written", file=sys.stderr)
        return 143
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        if argv is None:      # the process's own command line: it ends here
            _skip_exit_collection()


def _skip_exit_collection() -> None:
    """What is left (caches of names and rounded values: ~250,000 objects after a 784-30-10
    run) is not scanned again by the collections of the interpreter's exit: 0.5-0.6 s of
    CPU on that run. Reference counting still frees it; only the process ends after this,
    so no reference cycle outlives anything. Not done for ``main(argv)`` called in-process."""
    gc.freeze()


def cmd_examples(args: argparse.Namespace) -> int:
    write_stdout("".join(f"{name}\t{examples.describe(name)}\n" for name in examples.all_names()))
    return 0


def cmd_variants(args: argparse.Namespace) -> int:
    """Options are checked before the problem is read, the problem before anything is drawn."""
    from .sheets import variants
    if args.only is not None and args.only > args.count:
        raise ProblemError(f"--only: found {args.only}; expected a variant number from 1 to {args.count} (--count)")
    out = Path(args.output)
    if args.output == STDOUT or (out.exists() and not out.is_dir()) or not out.parent.is_dir():
        why = "standard output" if args.output == STDOUT else "a file" if out.exists() else "in no existing folder"
        raise ProblemError(f"-o: found '{out}', {why}; "
                           "expected a folder (created if missing) in an existing folder")
    problem = examples.load_any(args.problem)
    pdf = not args.no_pdf and variants.tex_available()
    if isinstance(problem, ConvProblem):  # feature maps and kernels: sheets/convvariants.py
        from .sheets.convvariants import write_conv_variants
        folders = write_conv_variants(problem, out, args.count, args.seed, args.only, pdf)
    else:
        folders = variants.write_variants(problem, out, args.count, args.seed, args.only, pdf, args.force,
                                          variants.Progress(sys.stderr))
    what = f"variant {folders[0].name}" if args.only is not None else f"{len(folders)} variants and {out / 'index.md'}"
    if pdf and args.only is None:
        what += f", {', '.join(variants.COMBINED.values())}"
    write_stdout(f"wrote {what} to {out}{'' if pdf or args.no_pdf else ' (no PDFs: no TeX installation found)'}\n")
    return 0


def check_run_options(args: argparse.Namespace) -> None:
    """Refuse a useless or harmful request before any work is done."""
    if args.output == STDOUT:
        args.output = None
    implied = EXTENSION_FORMATS.get(Path(args.output).suffix.lower()) if args.output else None
    if args.format is not None and implied is not None and implied != args.format \
            and Path(args.output) != Path(os.devnull):
        raise ProblemError(f"--format: found {args.format} with -o '{args.output}', a .{implied} file name; "
                           f"expected the two to agree (--format {implied}, or -o FILE.{args.format})")
    args.format = args.format or implied or "md"
    if args.fragment and args.format not in ("tex", "html"):
        raise ProblemError(f"--fragment: found with --format {args.format}, where it does nothing; expected "
                           "--format tex (a LaTeX body to \\input) or html (a page body to embed; Markdown "
                           "is always a fragment)")
    if args.format == "pdf" and args.output is None and sys.stdout.isatty():
        raise ProblemError("--format pdf: found no -o FILE and standard output is a terminal; "
                           "expected -o FILE.pdf (or a redirect: a PDF is binary)")
    if args.exercise and args.answer_key:
        raise ProblemError("--answer-key: found together with --exercise; expected one of the two "
                           "(run twice for the sheet and its key)")
    sheet = "--exercise" if args.exercise else "--answer-key" if args.answer_key else None
    if args.compact and args.full:
        raise ProblemError("--compact: found together with --full; expected one of the two (compact lines, "
                           "or every step in prose)")
    if sheet and (args.compact or args.full):
        flag = "--compact" if args.compact else "--full"
        raise ProblemError(f"{flag}: found with {sheet}; expected it with a walkthrough (a sheet and its key "
                           "print the asked quantities only)")
    if args.sheet_notes and not args.exercise:
        raise ProblemError("--sheet-notes: found without --exercise; expected it with --exercise (the notes "
                           "of an exercise sheet)")
    if sheet and args.format == "json":
        raise ProblemError(f"--format: found json with {sheet}; expected md, tex, pdf or html "
                           "(an exercise sheet or answer key is a document; json is the whole log)")
    if args.style is not None:
        from .render import STYLES
        if args.style not in STYLES:
            raise ProblemError(f"--style: found '{args.style}'{closest(args.style, STYLES)}; "
                               f"expected {one_of(STYLES)}")
    if args.output is not None:
        check_target(args.output)


def cmd_run(args: argparse.Namespace) -> int:
    from .finite import finite_trace
    check_run_options(args)
    if (status := graph_cli.run(args)) is not None:  # an expression: --expr, expression file, --graph
        return status
    if args.problem == STDOUT:
        problem = examples.load(STDOUT)
    else:
        problem_file = examples.resolve(args.problem)
        if args.output is not None:
            not_the_input(Path(args.output), problem_file)
        problem = Problem.from_file(problem_file)
    if args.digits is not None:
        problem = replace(problem, rounding=replace(problem.rounding, digits=args.digits))
    with collector_paused():  # the log is kept to the end: no collection rescans its objects
        log = finite_trace(problem)
        assert isinstance(log, TraceLog)   # expressions were run by graph_cli above
        return write_run(log, args)


def cmd_check(args: argparse.Namespace) -> int:
    from .check import command as check_command
    return check_command.run(args)


def cmd_export(args: argparse.Namespace) -> int:
    from .sheets.export import command as export_command
    return export_command.run(args)


COMMANDS = {"run": cmd_run, "examples": cmd_examples, "check": cmd_check, "variants": cmd_variants,
            "export": cmd_export}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
