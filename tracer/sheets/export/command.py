"""``tracer export PROBLEM --to moodle|canvas|prairielearn --count N --seed S -o PATH``.

PATH is the Moodle XML file, the Canvas zip, or the PrairieLearn question folder. Beside
it, ``PATH-keys/`` (``quiz.xml`` -> ``quiz-keys/``) gets every variant's problem.yaml and
answers.yaml, as ``tracer variants`` writes them, and codes.csv. Options are checked before
the problem is read, everything is built before anything is written, and files are written
whole (outputs.write_files).
"""
from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from ... import examples
from ...errors import ProblemError
from ...outputs import write_stdout
from .common import TARGETS, build, key_files, keys_folder, output_problem, write_export

SUFFIXES = {"moodle": ".xml", "canvas": ".zip"}


def add_arguments(parser: argparse.ArgumentParser, count_type: Callable[[str], object],
                  seed_type: Callable[[str], object]) -> None:
    parser.add_argument("problem", help="a problem file or built-in example with a variants: field")
    parser.add_argument("--to", required=True, choices=TARGETS, help="the learning management system")
    parser.add_argument("-o", "--output", required=True, metavar="PATH",
                        help="the Moodle .xml file, the Canvas .zip, or the PrairieLearn question folder")
    parser.add_argument("--count", default=30, type=count_type, help="how many variants (default: 30)")
    parser.add_argument("--seed", default=0, type=seed_type,
                        help="the seed: the same seed gives the same variants as tracer variants (default: 0)")


def check_output(target: str, output: Path) -> None:
    if not output.parent.is_dir():
        raise ProblemError(f"-o: found '{output}' in no existing folder; expected a path in an existing folder")
    if target == "prairielearn":
        if output.exists() and not output.is_dir():
            raise ProblemError(f"-o: found '{output}', a file; expected a question folder (created if missing)")
        return
    suffix = SUFFIXES[target]
    if output.is_dir():
        raise ProblemError(f"-o: found '{output}', a folder; expected a {suffix} file for --to {target}")
    if output.suffix.lower() != suffix:
        raise ProblemError(f"-o: found '{output}'; expected a file name ending in {suffix} for --to {target}")


def run(args: argparse.Namespace) -> int:
    output = Path(args.output)
    check_output(args.to, output)
    problem = examples.load_any(args.problem)       # a network, a convolutional network or an expression
    keys = keys_folder(output)
    output_problem(output, problem, keys)
    export = build(problem, args.count, args.seed, args.to)
    files = key_files(export, keys)
    if args.to == "moodle":
        from .moodle import moodle_xml
        files = {output: moodle_xml(export), **files}
    elif args.to == "canvas":
        from .canvas import canvas_zip
        files = {output: canvas_zip(export), **files}
    else:
        from .prairielearn import prairielearn_files
        files = {**prairielearn_files(export, output), **files}
    write_export(files)
    write_stdout(f"wrote {len(export.items)} variants to {output} and their answer keys to {keys}\n")
    return 0
