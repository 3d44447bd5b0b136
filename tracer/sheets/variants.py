"""``tracer variants``: one exercise, many sheets with different friendly numbers.

Variant k redraws the weights, biases and inputs the problem's ``variants:`` field names
from their grids (``DrawRange``: one or two decimals, never 0) with a generator seeded by
``(seed, k)`` alone, so the same seed gives the same folders and ``--only k`` rebuilds
variant k exactly as the full run did. A draw is kept only if it makes a fair exercise
(``flaw``): no net input at or next to a ReLU kink, no saturated sigmoid or tanh, no
delta or weight gradient that is 0 at the precision asked among the asked quantities and
those they come from, no asked answer too small to show two significant digits. Otherwise
the same generator draws again, a bounded number of times.

Each variant folder holds the problem file (numbers resolved, ``ask`` kept, ``variants``
dropped), the exercise and answer key in Markdown and LaTeX (and PDF when TeX is
installed), and ``answers.yaml``: the answer key's numbers under the names ``tracer
check`` reads, which it judges all correct. Everything is rendered before anything is
written, and written whole (``outputs.write_files``).
"""
from __future__ import annotations

import json
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

import numpy as np
import yaml

from ..engine.trace import trace
from ..errors import ProblemError
from .exercise import Exercise
from ..engine.log import Entry, TraceLog
from ..model.activations import SATURATION
from ..outputs import write_files
from ..model.problem import VARIANTS_HELP, DrawRange, Example, Problem, VariantSpec
from ..render.escape import markdown_text
from ..render.printers import MarkdownPrinter
from ..model.schema import Reader

#: Kinds that carry the gradient back to an asked quantity.
GRADIENTS = frozenset({"dout", "dnet", "dw", "db"})
#: Of those, the ones that must not be 0: a zero delta or weight gradient makes its update
#: trivial. (∂E/∂out may be 0 for any numbers: softmax with cross-entropy and a 0 target.)
NONZERO = frozenset({"dnet", "dw", "db"})
#: Significant digits an asked answer shows at least when rounding to 3 or more decimals
#: (one below that): 0.0004 at four decimals is right by a guess as easily as by the work.
MIN_FIGURES = 2
MAX_TRIES = 1000
MAX_COUNT = 999
DOCUMENTS = ("exercise", "answer_key")
PDF_WORKERS = 2


@dataclass(frozen=True)
class Variant:
    """One drawn problem that passed every check, traced, with its exercise."""

    number: int
    label: str          # the folder name: 07 (as wide as the count needs, at least 2 digits)
    problem: Problem
    log: TraceLog
    exercise: Exercise
    tries: int


# --- drawing ----------------------------------------------------------------------------
def spec_of(problem: Problem) -> VariantSpec:
    """The problem's ``variants:`` ranges; without them there is nothing to vary."""
    if problem.variants is None:
        raise Reader(problem.source).at("variants").missing(VARIANTS_HELP)
    return problem.variants


def draw(problem: Problem, spec: VariantSpec, rng: np.random.Generator) -> Problem:
    """The problem with the ranged numbers redrawn (weights, then biases, then inputs)."""
    weights, biases, data = problem.weights, problem.biases, problem.data
    if spec.weights is not None:
        weights = tuple(_matrix(spec.weights, rng, len(m), len(m[0])) for m in problem.weights)
    if spec.biases is not None:
        biases = tuple(_values(spec.biases, rng, len(b)) for b in problem.biases)
    if spec.inputs is not None:
        data = tuple(Example(_values(spec.inputs, rng, len(e.input)), e.target) for e in problem.data)
    return replace(problem, weights=weights, biases=biases, data=data)


def _values(grid: DrawRange, rng: np.random.Generator, n: int) -> tuple[float, ...]:
    """n numbers of the grid, uniformly; the grid's own floats (0.3, never 0.30000000000000004)."""
    values = grid.values()
    return tuple(values[k] for k in rng.integers(len(values), size=n).tolist())


def _matrix(grid: DrawRange, rng: np.random.Generator, rows: int, cols: int) -> tuple[tuple[float, ...], ...]:
    flat = _values(grid, rng, rows * cols)
    return tuple(flat[r * cols:(r + 1) * cols] for r in range(rows))


def asked_entries(problem: Problem) -> list[int]:
    """Indices of the log entries the problem's ``ask`` selects.

    The same for every draw (a log's entries follow the network's shape and the recorded
    steps, never the numbers), so they are resolved once, not once per draw."""
    return [q.entry.index for q in Exercise(trace(problem)).questions]


def flaw(log: TraceLog, asked: Sequence[int]) -> str | None:
    """Why the drawn numbers make a poor exercise, or None when they are fine."""
    return _bad_net(log) or _trivial(log, [log.entries[i] for i in asked])


def _bad_net(log: TraceLog) -> str | None:
    """A net input its activation rules out (``Activation.variant_flaw``): on a ReLU kink,
    deep in a sigmoid's or tanh's flat tail."""
    acts = log.problem.activations
    for e in log.entries:
        if e.kind == "net" and (why := acts[e.layer - 1].variant_flaw(e.value)):
            return f"{e.name} = {e.shown} {why}"
    return None


def _trivial(log: TraceLog, asked: Sequence[Entry]) -> str | None:
    """A delta or gradient that is asked, or that an asked quantity comes from, 0 at the
    precision asked; or an asked answer too small to show MIN_FIGURES significant digits
    (rounding to decimal places). An answer that is exactly 0 whatever the numbers (the
    cross-entropy term of a 0 target) is no flaw: no draw can change it."""
    rounding = log.problem.rounding
    for e in _behind(asked, log.entries):
        if not math.isfinite(e.value) or (e.kind in NONZERO and rounding.apply(e.value) == 0):
            return f"{e.name} = {e.shown} is 0 at the precision asked"
    if rounding.mode == "significant":
        return None
    figures = MIN_FIGURES if rounding.digits >= 3 else 1
    smallest = 10.0 ** (figures - 1 - rounding.digits)
    for e in asked:
        if e.value != 0 and abs(rounding.apply(e.value)) < smallest:
            return (f"{e.name} = {e.shown} has fewer than {figures} significant digit{'s' * (figures > 1)}"
                    f" at {rounding.digits} decimals")
    return None


def _behind(asked: Sequence[Entry], entries: Sequence[Entry]) -> list[Entry]:
    """The asked entries and every gradient entry they are computed from, in log order."""
    seen = {e.index for e in asked}
    todo = [e.index for e in asked]
    while todo:
        for i in entries[todo.pop()].depends_on:
            if i not in seen and entries[i].kind in GRADIENTS:
                seen.add(i)
                todo.append(i)
    return [entries[i] for i in sorted(seen)]


def variant(problem: Problem, spec: VariantSpec, seed: int, number: int, width: int,
            asked: Sequence[int] | None = None) -> Variant:
    """Variant ``number``: drawn from its own generator until fair (at most MAX_TRIES draws)."""
    asked = asked_entries(problem) if asked is None else asked
    rng = np.random.default_rng([seed, number])
    label = f"{number:0{width}d}"
    reason = ""
    for tries in range(1, MAX_TRIES + 1):
        candidate = replace(draw(problem, spec, rng), title=variant_title(problem.title, seed, number),
                            variants=None)
        log = trace(candidate)
        reason = flaw(log, asked) or ""
        if not reason:
            return Variant(number, label, candidate, log, Exercise(log), tries)
    raise Reader(problem.source).at("variants").fail(
        f"found no fair draw for variant {label} in {MAX_TRIES} tries (the last: {reason}); expected ranges "
        f"that keep net inputs away from ReLU kinks, within ±{SATURATION:g} for sigmoid and tanh, and "
        "asked quantities and gradients nonzero (widen or shift the ranges, or ask other quantities)")


def variant_title(title: str, seed: int, number: int) -> str:
    """The header every printed variant shows: 'TITLE: Variant 1ZA-07X (seed 2026)' (export/codes.py)."""
    from .export.codes import encode
    return f"{title}: Variant {encode(seed, number)} (seed {seed})"


# --- the files of one variant ---------------------------------------------------------------
def problem_yaml(v: Variant, seed: int) -> str:
    """A complete problem file ``tracer run`` accepts: every number and default written out."""
    head = (f"# Variant {v.label} of an exercise, drawn by tracer variants (seed {seed}).\n"
            "# A complete problem file: tracer run problem.yaml --exercise | --answer-key\n")
    body = yaml.dump(v.problem.to_dict(), Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=None, width=100)
    return head + body


class _Dumper(yaml.SafeDumper):
    """Lists of numbers, and matrices of them, on one line: [[0.1, 0.3], [-0.9, 0.4]]."""


def _represent_list(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    flat = all(isinstance(x, (int, float)) or isinstance(x, list) and all(isinstance(y, (int, float)) for y in x)
               for x in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True if flat else None)


_Dumper.add_representer(list, _represent_list)


def answers_yaml(v: Variant) -> str:
    """The answer key's numbers, by the names ``tracer check`` reads: all of them correct."""
    lines = ["# The answers of answer_key.md; tracer check problem.yaml answers.yaml judges them all correct."]
    lines += [f"{json.dumps(name, ensure_ascii=False)}: {shown}" for name, shown in v.exercise.answers.items()]
    return "\n".join(lines) + "\n"


def documents(v: Variant) -> dict[str, str]:
    """The exercise and answer key as Markdown (with the exercise's diagram beside it) and LaTeX."""
    from ..render import RenderOptions, render_text
    files: dict[str, str] = {}
    for name in DOCUMENTS:
        flags = {"exercise": name == "exercise", "answer_key": name == "answer_key"}
        md = render_text(v.log, "md", RenderOptions(**flags, diagram_name=f"{name}.svg", inline_svg=False))
        files[f"{name}.md"] = md.text
        files.update(md.attachments)
        files[f"{name}.tex"] = render_text(v.log, "tex", RenderOptions(**flags)).text
    return files


def folder_files(v: Variant, seed: int) -> dict[str, str | bytes]:
    return {"problem.yaml": problem_yaml(v, seed), **documents(v), "answers.yaml": answers_yaml(v)}


def add_pdfs(folders: dict[str, dict[str, str | bytes]]) -> None:
    """Compile every folder's exercise.tex and answer_key.tex (a few at a time: LaTeX is slow)."""
    from ..render.pdf import compile_pdf
    jobs = [(folder, name) for folder in folders for name in DOCUMENTS]
    with ThreadPoolExecutor(max_workers=PDF_WORKERS) as pool:
        pdfs = list(pool.map(lambda job: compile_pdf(str(folders[job[0]][f"{job[1]}.tex"])), jobs))
    for (folder, name), pdf in zip(jobs, pdfs):
        folders[folder][f"{name}.pdf"] = pdf


def tex_available() -> bool:
    from ..render.pdf import tex_command
    try:
        tex_command()
    except ProblemError:
        return False
    return True


# --- the index -----------------------------------------------------------------------------
def index_md(problem: Problem, variants: Sequence[Variant], seed: int, pdf: bool) -> str:
    """DIR/index.md: one row per variant, its numbers at a glance and links to its files."""
    p = MarkdownPrinter()
    rows = [[v.label, inputs_summary(v.problem),
             summary([w for m in v.problem.weights for row in m for w in row]),
             summary([b for layer in v.problem.biases for b in layer]),
             files_cell(v.label, pdf)] for v in variants]
    intro = (f"{len(variants)} variants of the exercise, drawn with seed {seed}: the same numbers of "
             "every kind in each, different values. Each folder holds the exercise and its answer key "
             "(Markdown, LaTeX" + (", PDF" if pdf else "") + "), the problem file, and answers.yaml, "
             "which tracer check judges all correct.")
    return (f"# {markdown_text(problem.title)}: variants\n\n{markdown_text(intro)}\n\n"
            + p.table(["Variant", "Inputs", "Weights", "Biases", "Files"], rows, "lllll") + "\n")


def inputs_summary(problem: Problem, examples: int = 3) -> str:
    """The inputs of the first examples, one group each: '0.35, 0.9; 0.1, 0.2; …'."""
    more = "; …" if len(problem.data) > examples else ""
    return "; ".join(summary(e.input) for e in problem.data[:examples]) + more


def summary(values: Sequence[float], limit: int = 8) -> str:
    """The first numbers of a list, shortest form: '0.3, -0.7, ... (12)'."""
    shown = [format(x, "g") for x in values[:limit]]
    more = f", … ({len(values)})" if len(values) > limit else ""
    return ", ".join(shown) + more if values else "none"


def files_cell(label: str, pdf: bool) -> str:
    links = [("exercise", "exercise.md"), ("answer key", "answer_key.md")]
    if pdf:
        links += [("exercise PDF", "exercise.pdf"), ("answer key PDF", "answer_key.pdf")]
    links += [("problem", "problem.yaml"), ("answers", "answers.yaml")]
    return ", ".join(f"[{text}]({label}/{name})" for text, name in links)


# --- the command ---------------------------------------------------------------------------
def write_variants(problem: Problem, out: Path, count: int, seed: int, only: int | None = None,
                   pdf: bool = True) -> list[Path]:
    """Draw, render and write the variants (only one with ``only``); return the folders written.

    Everything is checked and rendered first and written in one go at the end: a bad
    range, an impossible draw or a LaTeX error leaves the output folder as it was.
    """
    spec = spec_of(problem)
    asked = asked_entries(problem)        # a bad ask fails here, before any drawing
    width = max(2, len(str(count)))
    numbers = [only] if only is not None else list(range(1, count + 1))
    variants = [variant(problem, spec, seed, k, width, asked) for k in numbers]
    labels = [v.label for v in variants]
    folders = {v.label: folder_files(v, seed) for v in variants}
    if pdf:
        add_pdfs(folders)
    files: dict[Path, str | bytes] = {out / label / name: data
                                      for label, content in folders.items() for name, data in content.items()}
    if only is None:
        files[out / "index.md"] = index_md(problem, variants, seed, pdf)
    for label in labels:
        (out / label).mkdir(parents=True, exist_ok=True)
    write_files(files)
    for label in labels:                  # a PDF left by an earlier run would not match
        for name in DOCUMENTS:
            stale = out / label / f"{name}.pdf"
            if not pdf and stale.is_file():
                stale.unlink()
    return [out / label for label in labels]
