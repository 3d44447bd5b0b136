"""``tracer variants``: one exercise, many sheets with different friendly numbers.

Variant k redraws the weights, biases and inputs the problem's ``variants:`` field names
from their grids (``DrawRange``: one or two decimals, never 0) with a generator seeded by
``(seed, k)`` alone, so the same seed gives the same folders and ``--only k`` rebuilds
variant k exactly as the full run did. An expression problem's ``variants: {values: {x:
{low: -5, high: 5, decimals: 0}}}`` redraws its variables the same way (``draw_values``),
and a draw is kept when every gate has a real value and gradient there, no max gate ties and
no activation sits on its kink or in a flat tail (``circuit_flaw``). A draw is kept only if it makes a fair exercise
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

import itertools
import json
import math
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union, overload

import numpy as np
import yaml

from ..engine.gates import ActivationGate, MaxGate, Seed
from ..engine.graph import GraphLog, trace_graph
from ..engine.log import Entry, TraceLog
from ..engine.rounding import Rounding
from ..engine.trace import trace
from ..errors import ProblemError
from ..formula.text import text as plain_text
from ..model.activations import SATURATION
from ..model.graph_problem import VARIANTS_HELP as VALUES_HELP
from ..model.graph_problem import GraphProblem
from ..model.problem import VARIANTS_HELP, DrawRange, Example, Problem, VariantSpec
from ..model.schema import Reader
from ..outputs import write_files
from ..render.escape import markdown_text
from ..render.printers import MarkdownPrinter
from .exercise import Exercise

if TYPE_CHECKING:
    from .convvariants import ConvVariant

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


@dataclass(frozen=True)
class CircuitVariant:
    """One drawn point of an expression that passed every check, traced, with its exercise."""

    number: int
    label: str
    problem: GraphProblem
    log: GraphLog
    exercise: Exercise
    tries: int


#: Any variant ``problem_yaml`` and ``answers_yaml`` write: a network's, an expression's, or a
#: convolutional network's (``convvariants.ConvVariant``, which imports this module).
AnyVariant = Union[Variant, CircuitVariant, "ConvVariant"]


# --- drawing ----------------------------------------------------------------------------
@overload
def spec_of(problem: Problem) -> VariantSpec: ...
@overload
def spec_of(problem: GraphProblem) -> Mapping[str, DrawRange]: ...
@overload
def spec_of(problem: Problem | GraphProblem) -> VariantSpec | Mapping[str, DrawRange]: ...
def spec_of(problem: Problem | GraphProblem) -> VariantSpec | Mapping[str, DrawRange]:
    """The problem's ``variants:`` ranges; without them there is nothing to vary."""
    if problem.variants is None:
        help_ = VALUES_HELP if isinstance(problem, GraphProblem) else VARIANTS_HELP
        raise Reader(problem.source).at("variants").missing(help_)
    return problem.variants


def trace_any(problem: Problem | GraphProblem) -> TraceLog | GraphLog:
    """A network's trace, or an expression's."""
    return trace_graph(problem) if isinstance(problem, GraphProblem) else trace(problem)


def draw_values(problem: GraphProblem, spec: Mapping[str, DrawRange], rng: np.random.Generator) -> GraphProblem:
    """The expression at a redrawn point: each ranged variable in the expression's order."""
    values = dict(problem.values)
    for name in problem.values:
        if name in spec:
            values[name] = _values(spec[name], rng, 1)[0]
    return problem.with_values(values)


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


def asked_entries(problem: Problem | GraphProblem) -> list[int]:
    """Indices of the log entries the problem's ``ask`` selects.

    The same for every draw (a log's entries follow the network's shape and the recorded
    steps, never the numbers), so they are resolved once, not once per draw."""
    return [q.entry.index for q in Exercise(trace_any(problem)).questions]


def flaw(log: TraceLog, asked: Sequence[int]) -> str | None:
    """Why the drawn numbers make a poor exercise, or None when they are fine."""
    return _bad_net(log) or _trivial(log, [log.entries[i] for i in asked])


def circuit_flaw(log: GraphLog, asked: Sequence[int]) -> str | None:
    """An expression's draw: a max gate whose largest inputs tie, an activation on its kink or
    in a flat tail (``Activation.variant_flaw``: the documented rule would decide, or the
    gradient vanishes), an asked gradient 0 at the precision asked, an asked answer too small
    to show its digits."""
    for i, g in enumerate(log.circuit.gates):
        e = log.entries[log.gate_entry[i]]
        if isinstance(g.gate, MaxGate):
            top = max(o.value for o in e.operands)
            if sum(o.value == top for o in e.operands) > 1:
                return f"{e.name} = {plain_text(e.substitution_tree())}: its largest inputs tie"
        elif isinstance(g.gate, ActivationGate) and (why := g.gate.activation.variant_flaw(e.operand("input").value)):
            return f"{e.name}: its input {e.operand('input').shown} {why}"
    entries = [log.entries[i] for i in asked]
    rounding = log.problem.rounding
    for e in entries:
        if e.kind == "grad" and not isinstance(e.op, Seed) and rounding.apply(e.value) == 0:
            return f"{e.name} = {e.shown} is 0 at the precision asked"
    return _small(entries, rounding)


def _bad_net(log: TraceLog) -> str | None:
    """A net input its activation rules out (``Activation.variant_flaw``): on a ReLU kink,
    deep in a sigmoid's or tanh's flat tail."""
    acts = log.problem.activations
    for e in log.entries:
        if e.kind == "net" and e.layer is not None and (why := acts[e.layer - 1].variant_flaw(e.value)):
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
    return _small(asked, rounding)


def _small(asked: Sequence[Entry], rounding: Rounding) -> str | None:
    """An asked answer too small to show MIN_FIGURES significant digits at decimal places."""
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


@overload
def variant(problem: Problem, spec: VariantSpec, seed: int, number: int, width: int,
            asked: Sequence[int] | None = None) -> Variant: ...
@overload
def variant(problem: GraphProblem, spec: Mapping[str, DrawRange], seed: int, number: int, width: int,
            asked: Sequence[int] | None = None) -> CircuitVariant: ...
@overload
def variant(problem: Problem | GraphProblem, spec: VariantSpec | Mapping[str, DrawRange], seed: int, number: int,
            width: int, asked: Sequence[int] | None = None) -> AnyVariant: ...
def variant(problem: Problem | GraphProblem, spec: VariantSpec | Mapping[str, DrawRange], seed: int, number: int,
            width: int, asked: Sequence[int] | None = None) -> Variant | CircuitVariant:
    """Variant ``number``: drawn from its own generator until fair (at most MAX_TRIES draws); a
    convolutional network's is ``convvariants.variant``'s."""
    asked = asked_entries(problem) if asked is None else asked
    rng = np.random.default_rng([seed, number])
    label = f"{number:0{width}d}"
    reason = ""
    title = variant_title(problem.title, seed, number)
    for tries in range(1, MAX_TRIES + 1):
        if isinstance(problem, GraphProblem):
            assert not isinstance(spec, VariantSpec)
            point = replace(draw_values(problem, spec, rng), title=title, variants=None)
            try:
                circuit = trace_graph(point)
            except ProblemError as exc:     # out of the expression's domain here: 1/0, log(-1)
                reason = str(exc)
                continue
            reason = circuit_flaw(circuit, asked) or ""
            if not reason:
                return CircuitVariant(number, label, point, circuit, Exercise(circuit), tries)
            continue
        assert isinstance(spec, VariantSpec)
        candidate = replace(draw(problem, spec, rng), title=title, variants=None)
        log = trace(candidate)
        reason = flaw(log, asked) or ""
        if not reason:
            return Variant(number, label, candidate, log, Exercise(log), tries)
    if isinstance(problem, GraphProblem):
        raise Reader(problem.source).at("variants").fail(
            f"found no fair draw for variant {label} in {MAX_TRIES} tries (the last: {reason}); expected "
            "ranges where every gate has a real value and gradient, no max gate ties, activations stay off "
            "their kinks and flat tails, and asked gradients are nonzero (widen or shift the ranges, or ask "
            "other quantities)")
    raise Reader(problem.source).at("variants").fail(
        f"found no fair draw for variant {label} in {MAX_TRIES} tries (the last: {reason}); expected ranges "
        f"that keep net inputs away from ReLU kinks, within ±{SATURATION:g} for sigmoid and tanh, and "
        "asked quantities and gradients nonzero (widen or shift the ranges, or ask other quantities)")


def variant_title(title: str, seed: int, number: int) -> str:
    """The header every printed variant shows: 'TITLE: Variant 1ZA-07X (seed 2026)' (export/codes.py)."""
    from .export.codes import encode
    return f"{title}: Variant {encode(seed, number)} (seed {seed})"


# --- the files of one variant ---------------------------------------------------------------
def problem_yaml(v: AnyVariant, seed: int) -> str:
    """A complete problem file ``tracer run`` accepts: every number and default written out."""
    head = (f"# Variant {v.label} of an exercise, drawn by tracer variants (seed {seed}).\n"
            "# A complete problem file: tracer run problem.yaml --exercise | --answer-key\n")
    body = yaml.dump(v.problem.to_dict(), Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=None, width=100)
    return head + body


class _Dumper(yaml.SafeDumper):
    """Lists of numbers, and matrices of them, on one line: [[0.1, 0.3], [-0.9, 0.4]]."""


def _represent_list(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    flat = all(isinstance(x, (int, float)) or (isinstance(x, list) and all(isinstance(y, (int, float)) for y in x))
               for x in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True if flat else None)


_Dumper.add_representer(list, _represent_list)


def answers_yaml(v: AnyVariant) -> str:
    """The answer key's numbers, by the names ``tracer check`` reads: all of them correct."""
    lines = ["# The answers of answer_key.md; tracer check problem.yaml answers.yaml judges them all correct."]
    lines += [f"{json.dumps(name, ensure_ascii=False)}: {shown}" for name, shown in v.exercise.answers.items()]
    return "\n".join(lines) + "\n"


def documents(v: AnyVariant) -> dict[str, str]:
    """The exercise and answer key as Markdown (with the exercise's diagram beside it) and LaTeX."""
    from ..render import Rendered, RenderOptions, render_text
    from ..render.graph_walkthrough import render_graph
    log = v.log

    def rendered(fmt: str, options: RenderOptions) -> Rendered:
        return render_graph(log, fmt, options) if isinstance(log, GraphLog) else render_text(log, fmt, options)
    files: dict[str, str] = {}
    for name in DOCUMENTS:
        exercise, key = name == "exercise", name == "answer_key"
        md = rendered("md", RenderOptions(exercise=exercise, answer_key=key, diagram_name=f"{name}.svg",
                                          inline_svg=False))
        files[f"{name}.md"] = md.text
        files.update(md.attachments)
        files[f"{name}.tex"] = rendered("tex", RenderOptions(exercise=exercise, answer_key=key)).text
    return files


def folder_files(v: AnyVariant, seed: int) -> dict[str, str | bytes]:
    return {"problem.yaml": problem_yaml(v, seed), **documents(v), "answers.yaml": answers_yaml(v)}


#: The print-ready documents of a full run: every variant's sheet, and every answer key.
COMBINED = {"exercise": "exercises.pdf", "answer_key": "answer_keys.pdf"}
_MARK = "TRACER-VARIANT-STARTS-AFTER-PAGES"
_RESTORE = ("\\makeatletter\\let\\maketitle\\tracer@maketitle\\let\\@maketitle\\tracer@makeit"
            "\\let\\title\\tracer@title\\let\\date\\tracer@date\\makeatother")


def combined_tex(sources: Sequence[str]) -> str:
    """One LaTeX document of several whole documents (all from the same template): the first
    one's preamble, then each body on fresh pages numbered from 1 under its own title. Before
    each, the number of pages shipped so far goes to the log, to cut the PDF apart again."""
    head, _, _ = sources[0].partition("\\title{")
    parts = [head, "\\makeatletter\\let\\tracer@maketitle\\maketitle\\let\\tracer@makeit\\@maketitle"
             "\\let\\tracer@title\\title\\let\\tracer@date\\date\\makeatother\n\\begin{document}\n"]
    for tex in sources:
        preamble, _, rest = tex.partition("\\begin{document}\n")
        title = preamble[preamble.index("\\title{"):]
        body = rest.rsplit("\\end{document}", 1)[0]
        parts += ["\\clearpage\\setcounter{page}{1}\\setcounter{section}{0}\\setcounter{equation}{0}"
                  "\\setcounter{table}{0}\\setcounter{figure}{0}\\setcounter{footnote}{0}\n",
                  f"\\typeout{{{_MARK} \\the\\ReadonlyShipoutCounter}}\n", _RESTORE, "\n", title, body]
    parts.append("\\end{document}\n")
    return "".join(parts)


def cut_pdf(pdf: bytes, starts: Sequence[int]) -> list[bytes]:
    """The combined PDF cut at the given page offsets: one PDF per variant, its pages whole."""
    import io

    from pypdf import PdfReader, PdfWriter
    reader = PdfReader(io.BytesIO(pdf))
    bounds = [*starts, len(reader.pages)]
    info = {k: v for k, v in (reader.metadata or {}).items() if isinstance(v, str)}
    pieces = []
    for first, end in itertools.pairwise(bounds):
        writer = PdfWriter()
        for k in range(first, end):
            writer.add_page(reader.pages[k])
        writer.add_metadata(info)
        writer._ID = None               # no random file identifier: the same run, the same bytes
        out = io.BytesIO()
        writer.write(out)
        pieces.append(out.getvalue())
    return pieces


def add_pdfs(folders: dict[str, dict[str, str | bytes]],
             progress: Callable[[str], None] = lambda line: None) -> dict[str, bytes]:
    """Compile the two combined documents (two at a time: one LaTeX run each, rerun by latexmk
    only as tables need) and cut every folder's exercise.pdf and answer_key.pdf from them.

    Per variant, compiling each of its two documents alone ran LaTeX 60 times for 30
    variants (~50 s on 2 cores); two combined documents run it 2 to 4 times (benchmarks/)."""
    from ..render.pdf import compile_pdf_log
    labels = list(folders)
    progress(f"compiling {COMBINED['exercise']} and {COMBINED['answer_key']} ({len(labels)} "
             f"variant{'s' * (len(labels) != 1)})")
    jobs = [combined_tex([str(folders[label][f"{name}.tex"]) for label in labels]) for name in DOCUMENTS]
    with ThreadPoolExecutor(max_workers=PDF_WORKERS) as pool:
        compiled = list(pool.map(compile_pdf_log, jobs))
    combined: dict[str, bytes] = {}
    for name, (pdf, log) in zip(DOCUMENTS, compiled):
        starts = [int(n) for n in re.findall(rf"{_MARK} (\d+)", log)]
        if len(starts) != len(labels):
            raise ProblemError(f"--format pdf: the combined {COMBINED[name]} did not mark {len(labels)} variants "
                               "in its log; expected the built-in templates")
        for label, piece in zip(labels, cut_pdf(pdf, starts)):
            folders[label][f"{name}.pdf"] = piece
        combined[COMBINED[name]] = pdf
    for label in labels:
        progress(f"variant {label} of {len(labels)}: {', '.join(f'{n}.pdf' for n in DOCUMENTS)} cut")
    return combined


def tex_available() -> bool:
    from ..render.pdf import tex_command
    try:
        tex_command()
    except ProblemError:
        return False
    return True


# --- the index -----------------------------------------------------------------------------
def index_md(problem: Problem | GraphProblem, variants: Sequence[AnyVariant], seed: int, pdf: bool) -> str:
    """DIR/index.md: one row per variant, its numbers at a glance and links to its files."""
    p = MarkdownPrinter()
    if isinstance(problem, GraphProblem):
        head, align = ["Variant", "Values", "Files"], "lll"
        rows = [values_row(v, pdf) for v in variants]
    else:
        head, align = ["Variant", "Inputs", "Weights", "Biases", "Files"], "lllll"
        rows = [network_row(v, pdf) for v in variants]
    intro = (f"{len(variants)} variants of the exercise, drawn with seed {seed}: the same numbers of "
             "every kind in each, different values. Each folder holds the exercise and its answer key "
             "(Markdown, LaTeX" + (", PDF" if pdf else "") + "), the problem file, and answers.yaml, "
             "which tracer check judges all correct.")
    return (f"# {markdown_text(problem.title)}: variants\n\n{markdown_text(intro)}\n\n"
            + p.table(head, rows, align) + "\n")


def network_row(v: AnyVariant, pdf: bool) -> list[str]:
    """A network variant's row of the index: its inputs, weights and biases at a glance."""
    assert isinstance(v.problem, Problem)
    return [v.label, inputs_summary(v.problem),
            summary([w for m in v.problem.weights for row in m for w in row]),
            summary([b for layer in v.problem.biases for b in layer]),
            files_cell(v.label, pdf)]


def values_row(v: AnyVariant, pdf: bool) -> list[str]:
    """An expression variant's row of the index: the point it is worked at."""
    assert isinstance(v.problem, GraphProblem)
    return [v.label, markdown_text(", ".join(f"{k} = {x:g}" for k, x in v.problem.values.items())),
            files_cell(v.label, pdf)]


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
def earlier_run(out: Path) -> list[str]:
    """What ``out`` holds (sorted names; hidden entries left out): empty when it is new or empty."""
    if not out.is_dir():
        return []
    return sorted(p.name for p in out.iterdir() if not p.name.startswith("."))


def _is_variant_output(out: Path, name: str) -> bool:
    """A file or folder a variants run writes: NN/ with a problem.yaml, index.md, the combined PDFs."""
    if name in ("index.md", *COMBINED.values()):
        return (out / name).is_file()
    return re.fullmatch(r"\d{2,3}", name) is not None and (out / name / "problem.yaml").is_file()


def write_variants(problem: Problem | GraphProblem, out: Path, count: int, seed: int, only: int | None = None,
                   pdf: bool = True, force: bool = False,
                   progress: Callable[[str], None] = lambda line: None) -> list[Path]:
    """Draw, render and write the variants (only one with ``only``); return the folders written.

    Everything is checked and rendered first and written in one go at the end: a bad
    range, an impossible draw or a LaTeX error leaves the output folder as it was. A full
    run into a folder that holds an earlier run is refused unless ``force``, which replaces
    the set whole: the new set is written into a folder beside it and swapped in, so no
    folder of a larger earlier run stays behind. ``progress`` gets a line per variant.
    """
    spec = spec_of(problem)
    asked = asked_entries(problem)        # a bad ask fails here, before any drawing
    existing = earlier_run(out) if only is None else []
    if existing and not force:
        raise ProblemError(f"-o: found '{out}' holding {_held(existing)}; expected a new or empty folder, or "
                           "--force to replace an earlier run's variants whole")
    strangers = [name for name in existing if not _is_variant_output(out, name)]
    if strangers:
        raise ProblemError(f"-o: found '{out}' holding {strangers[0]!r}, which no variants run wrote; expected "
                           "a folder of an earlier run only (--force replaces it whole: move other files out)")
    width = max(2, len(str(count)))
    # With PDFs, --only k draws every variant: its PDF is cut from the same combined
    # documents as the full run's, so it is the full run's, byte for byte.
    numbers = [only] if only is not None and not pdf else list(range(1, count + 1))
    variants = []
    for k in numbers:
        variants.append(variant(problem, spec, seed, k, width, asked))
        progress(f"variant {variants[-1].label} of {count} drawn ({variants[-1].tries} "
                 f"draw{'s' * (variants[-1].tries != 1)})")
    folders = {v.label: folder_files(v, seed) for v in variants}
    combined = add_pdfs(folders, progress) if pdf else {}
    if only is not None:
        label = f"{only:0{width}d}"
        folders = {label: folders[label]}
        variants = [v for v in variants if v.label == label]
    labels = list(folders)
    target = out if only is not None or not existing else Path(tempfile.mkdtemp(prefix=f".{out.name}.new-",
                                                                                dir=out.parent))
    files: dict[Path, str | bytes] = {target / label / name: data
                                      for label, content in folders.items() for name, data in content.items()}
    if only is None:
        files[target / "index.md"] = index_md(problem, variants, seed, pdf)
        files.update({target / name: data for name, data in combined.items()})
    try:
        for label in labels:
            (target / label).mkdir(parents=True, exist_ok=True)
        write_files(files)
        if target != out:
            _swap(target, out)
    finally:
        if target != out:
            shutil.rmtree(target, ignore_errors=True)
    for label in labels:                  # a PDF left by an earlier --only run would not match
        for name in DOCUMENTS:
            stale = out / label / f"{name}.pdf"
            if not pdf and stale.is_file():
                stale.unlink()
    return [out / label for label in labels]


def _held(names: list[str]) -> str:
    shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
    return f"{len(names)} entr{'ies' if len(names) != 1 else 'y'} ({shown})"


def _swap(new: Path, out: Path) -> None:
    """Put the folder ``new`` in the place of ``out``: two renames, then the old set is deleted."""
    from ..outputs import _signals_held
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    with _signals_held():
        os.replace(out, old / "set")
        os.replace(new, out)
    shutil.rmtree(old, ignore_errors=True)


class Progress:
    """Progress lines on standard error, once a run has taken more than a second (a quick
    run stays silent): ``tracer: variants: variant 07 of 30 drawn (2 draws)``."""

    def __init__(self, stream: Any, after: float = 1.0) -> None:
        self.stream = stream
        self.start = time.monotonic()
        self.after = after

    def __call__(self, line: str) -> None:
        if time.monotonic() - self.start > self.after:
            print(f"tracer: variants: {line}", file=self.stream, flush=True)
