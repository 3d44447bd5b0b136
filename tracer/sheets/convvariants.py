"""``tracer variants`` for convolutional networks: the kernels, biases and inputs redrawn.

As for dense networks (``sheets/variants.py``, whose drawing grid, titles, problem files,
PDFs and fairness rule on asked answers this module reuses), variant k is drawn by a
generator seeded by ``(seed, k)`` alone and kept only when it makes a fair exercise: no
cell or net input that an asked quantity is computed from sits on a ReLU kink or deep in a
sigmoid's or tanh's flat tail, and no asked answer is 0 or too small to show two
significant digits. Each folder holds problem.yaml, the exercise and answer key
(Markdown, LaTeX, PDF when TeX is installed) and answers.yaml, which ``tracer check``
judges all correct.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..engine.log import Entry, TraceLog
from ..engine.trace import trace
from ..model.conv import Conv2D
from ..model.conv_problem import ConvProblem, Params
from ..model.layers import Dense
from ..model.problem import DrawRange, Example, VariantSpec
from ..model.schema import Reader
from ..outputs import write_files
from ..render.escape import markdown_text
from ..render.printers import MarkdownPrinter
from .exercise import Exercise
from .variants import (
    DOCUMENTS,
    MAX_TRIES,
    _trivial,
    _values,
    add_pdfs,
    files_cell,
    problem_yaml,
    spec_of,
    summary,
    variant_title,
)

#: Forward kinds whose value the activation judges (``Activation.variant_flaw``).
NETS = frozenset({"cell_net", "net"})
#: Asked kinds that make a poor question at 0: a cell ReLU switched off, a pooled 0, a
#: kernel gradient whose every δ was routed away.
NONZERO = frozenset({"cell_net", "cell_out", "pooled", "cell_dnet", "dk", "db"})


@dataclass(frozen=True)
class ConvVariant:
    """One drawn problem that passed every check, traced, with its exercise (``ask`` resolved
    as ``tracer check`` resolves names, kinds and steps: ``ask: [dk, P2[1,1,1]]``)."""

    number: int
    label: str
    problem: ConvProblem
    log: TraceLog
    exercise: Exercise
    tries: int

    @property
    def answers(self) -> dict[str, str]:
        """Name -> the answer key's number: what ``tracer check`` judges correct."""
        return self.exercise.answers


def draw(problem: ConvProblem, spec: VariantSpec, rng: np.random.Generator) -> ConvProblem:
    """The problem with the ranged numbers redrawn: every layer's weights, then every
    layer's biases, then the inputs."""
    params: list[Params | None] = list(problem.parameters)
    if spec.weights is not None:
        for k, p in enumerate(params):
            if p is not None:
                params[k] = (_nested(spec.weights, rng, np.shape(p[0])), p[1])
    if spec.biases is not None:
        for k, p in enumerate(params):
            if p is not None:
                params[k] = (p[0], _values(spec.biases, rng, len(p[1])))
    data = problem.data
    if spec.inputs is not None:
        data = tuple(Example(_values(spec.inputs, rng, len(e.input)), e.target) for e in problem.data)
    return replace(problem, parameters=tuple(params), data=data)


def _nested(grid: DrawRange, rng: np.random.Generator, shape: tuple[int, ...]) -> object:
    flat = _values(grid, rng, int(np.prod(shape)))

    def build(offset: int, dims: tuple[int, ...]) -> object:
        if not dims:
            return flat[offset]
        step = int(np.prod(dims[1:]))
        return tuple(build(offset + k * step, dims[1:]) for k in range(dims[0]))
    return build(0, tuple(shape))


def asked(log: TraceLog) -> list[Entry]:
    """The entries ``ask`` selects (names, kinds such as ``dk``, steps ``@k``), in computation order."""
    return [q.entry for q in Exercise(log).questions]


def flaw(log: TraceLog, wanted: Sequence[Entry]) -> str | None:
    """Why the drawn numbers make a poor exercise, or None when they are fine."""
    problem = log.problem
    assert isinstance(problem, ConvProblem)
    seen = {e.index for e in wanted}
    todo = [e.index for e in wanted]
    while todo:                                   # everything the asked answers are computed from
        for i in log.entries[todo.pop()].depends_on:
            if i not in seen:
                seen.add(i)
                todo.append(i)
    for i in sorted(seen):
        e = log.entries[i]
        if e.kind in NETS:
            assert e.layer is not None                # a network's entries all have a layer
            layer = problem.stack[e.layer - 1]
            assert isinstance(layer, (Conv2D, Dense))
            why = layer.activation.variant_flaw(e.value)
            if why:
                return f"{e.name} = {e.shown} {why}"
    for e in wanted:
        if e.kind in NONZERO and problem.rounding.apply(e.value) == 0:
            return f"{e.name} = {e.shown} is 0 at the precision asked"
    return _trivial(log, wanted)


def variant(problem: ConvProblem, spec: VariantSpec, seed: int, number: int, width: int,
            indices: Sequence[int] | None = None) -> ConvVariant:
    """Variant ``number``, drawn from its own generator until fair; ``indices`` are the asked
    entries' (the same for every draw: ``variants.asked_entries``), found here when not given."""
    rng = np.random.default_rng([seed, number])
    label = f"{number:0{width}d}"
    reason = ""
    for tries in range(1, MAX_TRIES + 1):
        candidate = replace(draw(problem, spec, rng), title=variant_title(problem.title, seed, number), variants=None)
        log = trace(candidate)
        wanted = asked(log) if indices is None else [log.entries[i] for i in indices]
        reason = flaw(log, wanted) or ""
        if not reason:
            return ConvVariant(number, label, candidate, log, Exercise(log), tries)
    raise Reader(problem.source).at("variants").fail(
        f"found no fair draw for variant {label} in {MAX_TRIES} tries (the last: {reason}); expected ranges that "
        "keep the cells an asked answer comes from away from ReLU kinks and flat sigmoid or tanh tails, and "
        "asked answers nonzero (widen or shift the ranges, or ask other quantities)")


def answers_yaml(v: ConvVariant) -> str:
    lines = ["# The answers of answer_key.md; tracer check problem.yaml answers.yaml judges them all correct."]
    lines += [f"{json.dumps(name, ensure_ascii=False)}: {shown}" for name, shown in v.answers.items()]
    return "\n".join(lines) + "\n"


def documents(v: ConvVariant) -> dict[str, str]:
    from ..render import RenderOptions, render_text
    files: dict[str, str] = {}
    for name in DOCUMENTS:
        exercise, key = name == "exercise", name == "answer_key"
        md = render_text(v.log, "md", RenderOptions(exercise=exercise, answer_key=key, diagram_name=f"{name}.svg",
                                                    inline_svg=False))
        files[f"{name}.md"] = md.text
        files.update(md.attachments)
        files[f"{name}.tex"] = render_text(v.log, "tex", RenderOptions(exercise=exercise, answer_key=key)).text
    return files


def index_md(problem: ConvProblem, variants: Sequence[ConvVariant], seed: int, pdf: bool) -> str:
    p = MarkdownPrinter()
    rows = []
    for v in variants:
        weights = [float(w) for prm in v.problem.parameters if prm is not None for w in np.ravel(prm[0])]
        biases = [b for prm in v.problem.parameters if prm is not None for b in prm[1]]
        rows.append([v.label, summary(v.problem.data[0].input), summary(weights), summary(biases),
                     files_cell(v.label, pdf)])
    intro = (f"{len(variants)} variants of the exercise, drawn with seed {seed}. Each folder holds the exercise and "
             "its answer key (Markdown, LaTeX" + (", PDF" if pdf else "") + "), the problem file, and answers.yaml, "
             "which tracer check judges all correct.")
    return (f"# {markdown_text(problem.title)}: variants\n\n{markdown_text(intro)}\n\n"
            + p.table(["Variant", "Input (first example)", "Weights", "Biases", "Files"], rows, "lllll") + "\n")


def write_conv_variants(problem: ConvProblem, out: Path, count: int, seed: int, only: int | None = None,
                        pdf: bool = True) -> list[Path]:
    """Draw, render and write the variants; everything is written at the end, whole."""
    spec = spec_of(problem)
    indices = [e.index for e in asked(trace(replace(problem, variants=None)))]   # a bad ask fails here
    width = max(2, len(str(count)))
    numbers = [only] if only is not None else list(range(1, count + 1))
    variants = [variant(problem, spec, seed, k, width, indices) for k in numbers]
    folders: dict[str, dict[str, str | bytes]] = {
        v.label: {"problem.yaml": problem_yaml(v, seed), **documents(v), "answers.yaml": answers_yaml(v)}
        for v in variants}
    if pdf:
        add_pdfs(folders)
    files: dict[Path, str | bytes] = {out / label / name: data
                                      for label, content in folders.items() for name, data in content.items()}
    if only is None:
        files[out / "index.md"] = index_md(problem, variants, seed, pdf)
    for v in variants:
        (out / v.label).mkdir(parents=True, exist_ok=True)
    write_files(files)
    return [out / v.label for v in variants]
