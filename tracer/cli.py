"""The ``tracer`` command: run, examples (and, as they land, check and variants).

Every user error ends as one line on stderr and exit status 2, with nothing written.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from dataclasses import replace
from typing import Sequence

from . import examples
from .errors import ProblemError
from .outputs import emit, write_atomic

FORMATS = ("json", "md", "tex", "pdf")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tracer", description="Worked solutions of neural-network training, step by step.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="trace a problem and write its log or walkthrough")
    run.add_argument("problem", nargs="?", help=f"a problem file or built-in example (default: {examples.DEFAULT_EXAMPLE})")
    run.add_argument("--format", choices=FORMATS, default="md")
    run.add_argument("--style", default=None, help="narrative | chain-rule | matrix | symbolic")
    run.add_argument("-o", "--output", default=None, help="output file (default: standard output)")
    run.add_argument("--digits", type=int, default=None, help="digits to show, overriding the problem's rounding")
    run.add_argument("--max-terms", type=int, default=None, help="elide sums and matrices longer than this")
    run.add_argument("--weights", default=None, help="weights to work in full, e.g. w5,w1 or layer:2")
    run.add_argument("--fragment", action="store_true", help="LaTeX body only, to \\input into notes")
    run.add_argument("--templates", default=None, help="a folder of templates overriding the built-ins")
    run.add_argument("--exercise", action="store_true", help="the statement only: what to compute")
    run.add_argument("--answer-key", action="store_true", help="the worked solution of what the exercise asks")
    sub.add_parser("examples", help="list the built-in worked examples")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ProblemError as exc:
        print(f"tracer: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


def cmd_examples(args: argparse.Namespace) -> int:
    for name in examples.example_names():
        print(f"{name}\t{examples.describe(name)}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from .engine import trace
    problem = examples.load(args.problem)
    if args.digits is not None:
        if args.digits < 1:
            raise ProblemError(f"--digits: found {args.digits}; expected a number of digits of at least 1")
        problem = replace(problem, rounding=replace(problem.rounding, digits=args.digits))
    log = trace(problem)
    if args.format == "json":
        emit(log.to_json(), args.output)
        return 0
    from .render import RenderOptions, render, render_text
    options = RenderOptions.from_args(args)
    if args.format == "pdf":
        emit(render(log, "pdf", options), args.output)
        return 0
    rendered = render_text(log, args.format, options)
    for name, content in rendered.attachments.items():
        write_atomic(Path(args.output).parent / name, content)
    emit(rendered.text, args.output)
    return 0


COMMANDS = {"run": cmd_run, "examples": cmd_examples}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
