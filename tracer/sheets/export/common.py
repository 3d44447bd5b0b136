"""What every export target prints: the variants, their asked quantities, and HTML.

The variants are drawn by ``tracer variants``' own code (``sheets/variants.variant``), so
variant k of an export is variant k of ``tracer variants`` with the same seed. For each
asked quantity an ``Asked`` holds the answer key's printed number, the exact value, its
points and the answers an LMS should accept, each with an absolute margin:

* with the problem's ``tolerance`` (``0.001``, ``1%``, ``3sf``): the printed number within
  it (a relative tolerance or significant figures become the absolute margin they allow at
  that value: 1% of 0.5933 is 0.005933; 3sf of 0.5933 is one unit of its third figure,
  0.001, which takes a rounded or a truncated answer, as ``tracer check`` does), and the
  exact value within it too when that lies outside (hand rounding carried forward can move
  the key's number by more than the tolerance);
* without it: the printed number and the exact value, each within one unit of the printed
  number's last digit (0.0001 for 0.5933): a student who rounds or truncates at the
  precision asked, or keeps every digit, is right. A single answer (PrairieLearn) gets the
  printed number with a margin covering both: that unit plus their distance.

The HTML of a question and of its answer key comes from the templates the Markdown and
LaTeX sheets use (``_macros.j2``'s setup, ``answer_key.j2``) printed by ``HtmlPrinter``:
math in ``\\( \\)`` and ``\\[ \\]`` for MathJax (Moodle, Canvas and PrairieLearn all run it),
user text escaped for HTML.
"""
from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

from ... import __version__
from ...check.compare import Tolerance, decimals, exact
from ...engine.graph import GraphLog, trace_graph
from ...engine.log import Entry, TraceLog
from ...engine.rounding import Rounding
from ...engine.trace import trace
from ...errors import ProblemError
from ...formula.tree import Node
from ...model.conv_problem import ConvProblem
from ...model.graph_problem import GraphProblem
from ...model.problem import Problem, VariantSpec
from ...outputs import not_the_input, write_files
from ...render import RenderOptions, environment, tidy
from ...render.printers import Printer, source
from ...render.view import Viewer
from .. import variants as drawing
from ..convvariants import ConvVariant
from ..convvariants import variant as conv_variant
from ..exercise import Exercise, Words
from .codes import encode

TARGETS = ("moodle", "canvas", "prairielearn")
KEYS_SUFFIX = "-keys"
#: Digits of the exact value an LMS is given (what ``check.compare.exact`` keeps).
EXACT_DIGITS = 12


@dataclass(frozen=True)
class Accepted:
    """One answer an LMS accepts: a number (as text) and the absolute margin around it."""

    value: str
    margin: Decimal

    @property
    def low(self) -> Decimal:
        return Decimal(self.value) - self.margin

    @property
    def high(self) -> Decimal:
        return Decimal(self.value) + self.margin


@dataclass(frozen=True)
class Asked:
    """One asked quantity of one variant."""

    number: int          # on the sheet: 1, 2, ...
    name: str            # the name tracer check reads (out_h1, dE/dw5, w5+)
    symbol: str          # LaTeX
    words: Words         # what it is, in words with its names as symbols (Question.words)
    shown: str           # the answer key's printed number
    exact: str           # the exact value, 12 significant digits
    points: int
    accepted: tuple[Accepted, ...]
    single: Accepted     # one answer covering the accepted ones (PrairieLearn)

    def describe(self, printer: Printer) -> str:
        """What it is, in words with its names typeset (The output of neuron h_1), as the sheet says it."""
        return printer.words(self.words)


@dataclass
class Item:
    """One exported variant: tracer variants' Variant (a network's, a convolutional network's or
    an expression's) plus what the LMS formats need."""

    variant: drawing.AnyVariant | ConvVariant
    seed: int
    code: str
    asked: list[Asked]
    tolerance: Tolerance | None

    @property
    def label(self) -> str:
        return self.variant.label

    @property
    def header(self) -> str:
        return f"Variant {self.code} (seed {self.seed})"


@dataclass
class Export:
    """All the variants of one export, with the words every target writes about itself."""

    problem: Problem | GraphProblem
    seed: int
    items: list[Item]
    target: str

    @property
    def title(self) -> str:
        return self.problem.title

    @property
    def provenance(self) -> str:
        """'Written by tracer 0.1.0: tracer export to moodle, 30 variants, seed 2026, from p.yaml.'
        (No '--': the text also goes into an XML comment.)"""
        return (f"Written by tracer {__version__}: tracer export to {self.target}, {len(self.items)} "
                f"variant{'s' * (len(self.items) != 1)}, seed {self.seed}, from {Path(self.problem.source).name}.")


# --- tolerances ---------------------------------------------------------------------
def unit(text: str, rounding: Rounding) -> Decimal:
    """One unit of the last digit the rounding asks for: 0.0001 for 0.5933 and for 0.418
    (printed without its trailing zero) at 4 decimals; more digits when the number shows
    more (a small value keeps its significant figures); at 3 significant figures 0.001
    for 0.418 and 1 for 123."""
    value = Decimal(text)
    places = rounding.digits
    if rounding.mode == "significant":
        places = rounding.digits - 1 - value.adjusted() if value != 0 else rounding.digits
    elif value == 0 or abs(value) >= Decimal(1).scaleb(1 - rounding.digits):
        return Decimal(1).scaleb(-places)  # 0.05318 keeps four figures; an answer of -0.0532 is right
    return Decimal(1).scaleb(-max(places, decimals(value)))


def margin(tolerance: Tolerance, value: Decimal) -> Decimal:
    """The absolute margin a tolerance allows around a value."""
    if tolerance.kind == "abs":
        return tolerance.amount
    if tolerance.kind == "rel":
        return (tolerance.amount * abs(value)).normalize()
    if value == 0:
        return Decimal(0)
    return Decimal(1).scaleb(value.adjusted() - int(tolerance.amount) + 1)


def accepted(shown: str, exact_text: str, tolerance: Tolerance | None,
             rounding: Rounding | None = None) -> tuple[tuple[Accepted, ...], Accepted]:
    """The answers to accept (several) and one answer covering them (see the module's text)."""
    printed, true = Decimal(shown), Decimal(exact_text)
    if tolerance is None:
        step = unit(shown, rounding or Rounding())
        answers = (Accepted(shown, step),) + ((Accepted(exact_text, step),) if true != printed else ())
        return answers, Accepted(shown, step + abs(true - printed))
    first = Accepted(shown, margin(tolerance, printed))
    answers = (first,) if first.low <= true <= first.high else (first, Accepted(exact_text, margin(tolerance, true)))
    return answers, first


def exact_text(value: float) -> str:
    """12 significant digits, plain notation: 0.593269992, not 5.93269992e-01."""
    return _plain(exact(value))


def _plain(d: Decimal) -> str:
    text = format(d, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- building the export ------------------------------------------------------------
def build(problem: Problem | GraphProblem, count: int, seed: int, target: str) -> Export:
    """Draw the variants exactly as ``tracer variants`` does and gather their answers."""
    spec = drawing.spec_of(problem)
    asked = drawing.asked_entries(problem)          # a bad ask fails here, before any drawing
    tolerance = problem_tolerance(problem)
    width = max(2, len(str(count)))
    items = []
    for k in range(1, count + 1):
        if isinstance(problem, ConvProblem):     # kernels, biases and inputs redrawn: sheets/convvariants.py
            assert isinstance(spec, VariantSpec)
            v: drawing.AnyVariant | ConvVariant = conv_variant(problem, spec, seed, k, width, asked)
        else:
            v = drawing.variant(problem, spec, seed, k, width, asked)
        items.append(_item(v, seed, tolerance))
    return Export(problem, seed, items, target)


def problem_tolerance(problem: Problem | GraphProblem) -> Tolerance | None:
    if problem.tolerance is None:
        return None
    tolerance = Tolerance.parse(problem.tolerance)
    if tolerance is None:           # problem.py checks the syntax; this is a safeguard
        raise ProblemError(f"{problem.source}: tolerance: found {problem.tolerance!r}; expected a tolerance")
    return tolerance


def question_points(exercise: Exercise) -> dict[int, int]:
    """Points per asked entry index: an ``ask`` item's points go to every quantity it selects."""
    problem = exercise.log.problem
    points = problem.ask_points or (1,) * len(problem.ask)
    out: dict[int, int] = {}
    checker = exercise.checker
    for spec, n in zip(problem.ask, points):
        for node_id in checker.requirement(spec, f"{problem.source}: ask"):
            entry = checker.graph[node_id].entry
            if entry is not None:
                out[entry.index] = n
    return out


def _item(v: drawing.AnyVariant | ConvVariant, seed: int, tolerance: Tolerance | None) -> Item:
    exact_log = _uncarried(v.log)
    points = question_points(v.exercise)
    asked = []
    for q in v.exercise.questions:
        true = exact_text(exact_log.entries[q.entry.index].value)
        answers, single = accepted(q.eq.shown, true, tolerance, v.problem.rounding)
        asked.append(Asked(q.number, q.name, q.symbol, q.words, q.eq.shown, true,
                           points.get(q.entry.index, 1), answers, single))
    return Item(v, seed, encode(seed, v.number), asked, tolerance)


def _uncarried(log: TraceLog | GraphLog) -> TraceLog | GraphLog:
    """The same problem without hand rounding carried: its values are the exact ones
    (entries line up one to one: rounding never changes what is recorded)."""
    problem = log.problem
    if not problem.rounding.carry:
        return log
    exact_rounding = replace(problem.rounding, carry=False)
    if isinstance(problem, GraphProblem):
        return trace_graph(replace(problem, rounding=exact_rounding))
    return trace(replace(problem, rounding=exact_rounding))


# --- keys ---------------------------------------------------------------------------------
def keys_folder(output: Path) -> Path:
    """Where the answer keys go: beside the export, ``quiz.xml`` -> ``quiz-keys``."""
    stem = output.name[: -len(output.suffix)] if output.suffix else output.name
    return output.parent / f"{stem}{KEYS_SUFFIX}"


def key_files(export: Export, folder: Path) -> dict[Path, str | bytes]:
    """Each variant's problem.yaml and answers.yaml, as ``tracer variants`` writes them, and
    an index of codes: grading later uses the keys the students saw."""
    files: dict[Path, str | bytes] = {}
    rows = ["variant,code,seed,folder"]
    for item in export.items:
        files[folder / item.label / "problem.yaml"] = drawing.problem_yaml(item.variant, export.seed)
        files[folder / item.label / "answers.yaml"] = drawing.answers_yaml(item.variant)
        rows.append(f"{item.variant.number},{item.code},{export.seed},{item.label}")
    files[folder / "codes.csv"] = "\n".join(rows) + "\n"
    files[folder / "README.txt"] = (
        f"{export.provenance}\n"
        "One folder per variant handed out: problem.yaml (the variant) and answers.yaml (its key).\n"
        "codes.csv lists each variant's code as printed in its header.\n"
        "tracer check NN/problem.yaml ANSWERS grades against the numbers the students saw.\n")
    return files


def write_export(files: dict[Path, str | bytes]) -> None:
    """Create the folders, then write every file whole (outputs.write_files)."""
    for path in sorted({p.parent for p in files}):
        path.mkdir(parents=True, exist_ok=True)
    write_files(files)


# --- HTML -----------------------------------------------------------------------------------
@dataclass
class HtmlPrinter(Printer):
    """HTML for an LMS: math in \\( \\) and \\[ \\] (MathJax), user text escaped.

    ``image`` turns the diagram's SVG into the markup that shows it: an ``<img>`` pointing
    at a file the target embeds (Moodle's @@PLUGINFILE@@, Canvas's $IMS-CC-FILEBASE$), or
    the SVG inline (PrairieLearn)."""

    extension: str = "html"
    image: Callable[[str], str] | None = None
    svgs: list[str] = field(default_factory=list)

    def text(self, s: str) -> str:
        return html.escape(" ".join(s.split()), quote=True)

    def heading(self, level: int, content: str) -> str:
        level = min(max(level + 1, 2), 6)      # the LMS page has its own h1
        return f"<h{level}>{content}</h{level}>"

    def inline(self, latex: str | Node) -> str:
        return f"\\({html.escape(source(latex).strip(), quote=False)}\\)"

    def display(self, latex: str, entry: Entry | None = None) -> str:
        return f"<p>\\[{html.escape(latex.strip(), quote=False)}\\]</p>"

    def bold(self, content: str) -> str:
        return f"<strong>{content}</strong>"

    def bullets(self, items: Sequence[str]) -> str:
        return "<ul>\n" + "\n".join(f"<li>{item}</li>" for item in items) + "\n</ul>"

    def numbered(self, items: Sequence[str], start: int = 1) -> str:
        return f'<ol start="{start}">\n' + "\n".join(f"<li>{item}</li>" for item in items) + "\n</ol>"

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> str:
        align = (align or "l" * len(headers)).ljust(len(headers), "l")
        style = {"l": "left", "r": "right", "c": "center"}

        def cells(tag: str, row: Sequence[str]) -> str:
            return "".join(f'<{tag} style="text-align: {style[a]}; padding: 2px 8px">{c}</{tag}>'
                           for c, a in zip(row, align))
        body = "\n".join(f"<tr>{cells('td', row)}</tr>" for row in rows)
        return f"<table>\n<thead><tr>{cells('th', headers)}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"

    def figure(self, svg: str, tikz: str, name: str, caption: str) -> str:
        self.svgs.append(svg)
        if self.image is None:
            return f"<div>{svg.strip()}</div>"
        return self.image(svg)


_BLOCK = re.compile(r"<(?:h[1-6]|p|ul|ol|table|div|svg|img)\b")

SETUP_TEMPLATE = """{% import "_macros.j2" as m with context %}{{ m.setup(view) }}"""
#: A convolutional network's setup: the layer table, the diagram, the given maps and kernels.
CONV_SETUP_TEMPLATE = """{% import "conv/_conv.j2" as c with context %}{{ c.setup() }}"""
#: An expression's setup: the circuit with its wires named, the point, the output gradient.
GRAPH_SETUP_TEMPLATE = """{% import "graph/_graph.j2" as g with context %}{{ g.setup(false) }}"""


def paragraphs(text: str) -> str:
    """Blank-line separated chunks as HTML: plain text chunks become paragraphs."""
    chunks = [c.strip() for c in tidy(text).split("\n\n") if c.strip()]
    return "\n".join(c if _BLOCK.match(c) else f"<p>{c}</p>" for c in chunks) + "\n"


def _context(log: TraceLog | GraphLog, printer: HtmlPrinter, options: RenderOptions) -> dict:
    """What the templates read (as render.render_text, render_conv or render_graph give them)."""
    if isinstance(log, GraphLog):
        from ...render.circuit import circuit_figure
        from ...render.graph_walkthrough import GraphView
        from ...render.graph_walkthrough import _exercise as graph_exercise
        view = GraphView(log, options.max_terms)
        return {"p": printer, "log": log, "problem": log.problem, "view": view, "options": options,
                "style": "chain-rule", "exercise": lambda: graph_exercise(log, view),
                "diagram": lambda numbers=True: circuit_figure(printer, log, options.diagram_name, numbers)}
    if isinstance(log.problem, ConvProblem):
        from ...render.convdiagram import conv_figure
        from ...render.convview import ConvView
        conv = ConvView(log, printer, options.max_terms, "chain-rule")
        return {"p": printer, "log": log, "problem": log.problem, "view": conv, "options": options,
                "style": "chain-rule", "diagram": lambda: conv_figure(printer, conv, options.diagram_name),
                "exercise": conv.exercise}
    from ...render import _exercise, diagram
    from ...render.chains import ChainView
    from ...render.optimizer_view import OptimizerView
    viewer = Viewer(log, options.max_terms)
    return {"p": printer, "log": log, "problem": log.problem, "notation": log.notation, "view": viewer,
            "chains": ChainView(viewer, ()), "opt": OptimizerView(log, viewer), "steps": viewer.steps(),
            "options": options,
            "style": "chain-rule", "diagram": lambda: diagram(log, printer, options.diagram_name),
            "exercise": lambda: _exercise(log, viewer)}


def _folder(log: TraceLog | GraphLog) -> str:
    """Where a log's exercise templates live: ``graph/``, ``conv/`` or the top folder."""
    return "graph/" if isinstance(log, GraphLog) else "conv/" if isinstance(log.problem, ConvProblem) else ""


def setup_html(log: TraceLog | GraphLog, printer: HtmlPrinter) -> str:
    """The exercise's setup (network, activations, loss, data, weights, diagram; or the circuit) as HTML."""
    env = environment(None)
    context = _context(log, printer, RenderOptions(exercise=True))
    template = {"graph/": GRAPH_SETUP_TEMPLATE, "conv/": CONV_SETUP_TEMPLATE}.get(_folder(log), SETUP_TEMPLATE)
    return paragraphs(env.from_string(template).render(context))


def key_html(log: TraceLog | GraphLog) -> str:
    """The worked answer key (answer_key.j2, or graph/ or conv/answer_key.j2) as HTML."""
    env = environment(None)
    printer = HtmlPrinter()
    context = _context(log, printer, RenderOptions(answer_key=True))
    return paragraphs(env.get_template(f"{_folder(log)}answer_key.j2").render(context))


def rounding_sentence(problem: Problem | GraphProblem) -> str:
    """'Give every answer rounded to 4 decimal places; keep full precision in between.'"""
    r = problem.rounding
    unit_name = ("significant figure" if r.mode == "significant" else "decimal place") + ("" if r.digits == 1 else "s")
    cut = "truncated (not rounded)" if r.mode == "truncate" else "rounded"
    rest = (f", and go on computing with the {cut.split()[0]} values, as by hand" if r.carry
            else "; keep full precision in the computations in between")
    return f"Give every answer {cut} to {r.digits} {unit_name}{rest}."


def statement_html(item: Item, printer: HtmlPrinter, field_html: Callable[[Asked], str],
                   provenance: str) -> str:
    """The question: its header, the setup, and one line per asked quantity with its field."""
    log = item.variant.log
    lines = [f"<h3>{printer.text(item.header)}</h3>", setup_html(log, printer).strip(),
             "<h3>Task</h3>",
             f"<p>Compute the quantities below. {printer.text(rounding_sentence(log.problem))}</p>",
             "<ol>"]
    for a in item.asked:
        worth = f" [{a.points} points]" if a.points != 1 else ""
        lines.append(f"<li>{a.describe(printer)} ({printer.text(a.name)}){worth}: "
                     f"{printer.inline(a.symbol + ' =')} {field_html(a)}</li>")
    lines += ["</ol>", f"<p><small>{printer.text(provenance)}</small></p>"]
    return "\n".join(lines) + "\n"


def output_problem(output: Path, problem: Problem | GraphProblem, keys: Path) -> None:
    """-o must not be the problem file, and its keys folder must not be a file."""
    not_the_input(output, Path(problem.source), "another path")
    if keys.exists() and not keys.is_dir():
        raise ProblemError(f"-o: found that '{keys}' (where the answer keys go) is a file; expected a folder "
                           "or nothing there")


WORKED_TEMPLATE = """{% import "_macros.j2" as m with context %}
{% for q in ex.questions %}
{{ p.bold(q.number ~ ".") }} {{ p.words(q.words) }} ({{ p.text(q.name) }}):

{% if q.entry.kind in ["dw", "db"] and not plain %}
{{ m.gradient(q.eq) }}
{% else %}
{{ m.chain(q.eq) }}
{% endif %}

@@@
{% endfor %}"""


def worked_html(log: TraceLog | GraphLog) -> list[str]:
    """Each asked quantity's worked lines as HTML (as the answer key prints them), in order: a
    dense network's gradients as the chain rule's product, every other quantity (an expression's,
    a convolutional network's) as formula, numbers, result."""
    env = environment(None)
    printer = HtmlPrinter()
    context = _context(log, printer, RenderOptions(answer_key=True))
    context["ex"] = context["exercise"]()
    context["plain"] = _folder(log) != ""
    text = env.from_string(WORKED_TEMPLATE).render(context)
    return [paragraphs(part) for part in text.split("@@@")[:-1]]


def digest(export: Export) -> str:
    """A fingerprint of the problem, the seed and the count: stable identifiers across re-exports."""
    import hashlib
    import json
    text = json.dumps([export.problem.to_dict(), export.seed, len(export.items)], sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
