"""Renderers: the trace log printed as a walkthrough, one jinja2 template per style.

``render(log, "md" | "tex" | "pdf", options)`` picks the printer for the format and the
template for the style; the template formats the views, it never computes.
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
import jinja2.sandbox

from ..engine.log import TraceLog
from ..engine.ops import paren
from ..errors import ProblemError
from ..formula.names import name_text
from ..formula.tree import Symbol
from ..model.conv_problem import ConvProblem
from ..model.problem import STYLES
from ..resources import templates_dir
from .chains import ChainView, Gap
from .compact import CompactView
from .figure import network_figure
from .formulas import FORMULA
from .html import HtmlPrinter
from .lossplot import loss_plot
from .optimizer_view import OptimizerView
from .printers import PRINTERS, MarkdownPrinter, Printer
from .rules import RuleView
from .symbolic import SymbolicView
from .textbook import TextbookView
from .textbook import active as textbook_active
from .view import Viewer, loss_words

if TYPE_CHECKING:
    from ..sheets.exercise import Exercise

DEFAULT_STYLE = "chain-rule"


@dataclass(frozen=True)
class RenderOptions:
    """How to print a walkthrough; every field has the default a first-time user wants."""

    style: str | None = None            # None: the problem's own preference, else chain-rule
    max_terms: int | None = 8
    weights: tuple[str, ...] = ()       # names or "layer:N" selecting per-weight sections
    fragment: bool = False
    templates: str | None = None
    exercise: bool = False
    answer_key: bool = False
    diagram_name: str = "network.svg"   # the SVG file written beside a Markdown output
    inline_svg: bool = True             # Markdown: the <svg> inline (no file to write beside it)
    compact: bool = False               # one line per quantity (per layer matrix), no prose
    full: bool = False                  # every step and example worked in prose (no compact repeats)
    sheet_notes: bool = False           # an exercise sheet with the description and the tracer check note

    @property
    def describes(self) -> bool:
        """Whether the document prints the problem's description under its title: not in the
        compact form (no prose) and not on an exercise sheet unless asked (--sheet-notes)."""
        return not self.compact and (self.sheet_notes or not self.exercise)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> RenderOptions:
        output = getattr(args, "output", None)
        return cls(
            style=args.style,
            max_terms=args.max_terms if args.max_terms is not None else 8,
            weights=tuple(w.strip() for w in (args.weights or "").split(",") if w.strip()),
            fragment=args.fragment, templates=args.templates,
            exercise=args.exercise, answer_key=args.answer_key,
            diagram_name=(Path(output).stem + ".svg") if output else "network.svg",
            inline_svg=output is None,
            compact=getattr(args, "compact", False), full=getattr(args, "full", False),
            sheet_notes=getattr(args, "sheet_notes", False),
        )


@dataclass
class Rendered:
    """The main text and the files that go beside it (the Markdown diagram)."""

    text: str
    attachments: dict[str, str] = field(default_factory=dict)


def environment(user_dir: str | None) -> jinja2.Environment:
    """User templates first, the built-ins as the fallback."""
    if user_dir is not None and not Path(user_dir).is_dir():
        raise ProblemError(f"--templates: {user_dir}: no such folder; expected a folder of templates")
    return _environment(None if user_dir is None else str(Path(user_dir).resolve()))


@functools.lru_cache(maxsize=8)
def _environment(user_dir: str | None) -> jinja2.Environment:
    """Built once per folder: compiling the templates costs more than rendering the 2-2-2
    example (jinja2 still reloads a template whose file changed)."""
    loaders = [jinja2.FileSystemLoader(str(templates_dir()))]
    if user_dir is not None:
        loaders.insert(0, jinja2.FileSystemLoader(user_dir))
    # A user's templates run sandboxed: no attribute starting with _ (so no __globals__, no os),
    # no calls to unsafe methods. The built-ins alone are trusted and render unsandboxed (faster).
    kind = jinja2.Environment if user_dir is None else jinja2.sandbox.SandboxedEnvironment
    env = kind(loader=jinja2.ChoiceLoader(loaders), undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             autoescape=False, bytecode_cache=_bytecode_cache())
    env.filters["math_cells"] = math_cells
    env.filters["text_cells"] = text_cells
    env.filters["paren"] = paren
    env.filters["loss_words"] = loss_words
    env.tests["gap"] = lambda item: isinstance(item, Gap)
    env.globals["formula"] = FORMULA
    return env


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept between runs, in jinja2's private folder under the temporary
    directory: compiling them is most of what a one-shot ``tracer run`` costs beyond its
    imports (issue 2: 0.3 s). A changed template is recompiled (jinja2 checks its source);
    where no private folder can be made, templates are compiled every run, as without it."""
    try:
        return _QuietBytecodeCache()
    except (OSError, RuntimeError):
        return None


class _QuietBytecodeCache(jinja2.FileSystemBytecodeCache):
    """A cache that cannot fail a rendering: a write that fails is skipped."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def math_cells(rows: Sequence[Sequence[str | Sequence[str]]], printer: Printer, columns: list[int]) -> list[list[str]]:
    """Put the given columns of a table in inline math; a cell that is a list of formulas
    becomes one formula each, comma-separated, so a long list can wrap at its commas."""
    def cell(c: str | Sequence[str]) -> str:
        return printer.inline(_name(c)) if isinstance(c, str) else ", ".join(printer.inline(_name(x)) for x in c)
    return [[cell(c) if k in columns else str(c) for k, c in enumerate(row)] for row in rows]


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _name(cell: str) -> str | Symbol:
    """A math cell: a number stays text, anything else is a name (a symbol of the notation,
    the engine's ``\\left.X\\right|_{k}``, ``\\ldots``), printed as a name in every format."""
    return cell if _NUMBER.fullmatch(cell.strip()) else Symbol(cell, name_text(cell))


def text_cells(rows: list[list[str]], printer: Printer, columns: list[int]) -> list[list[str]]:
    """Escape the given columns of a table: names a user may have chosen (neuron labels)."""
    escaped: dict[str, str] = {}  # a 784-30-10 table repeats 824 labels 47,000 times

    def text(c: str) -> str:
        if c not in escaped:
            escaped[c] = printer.text(c)
        return escaped[c]
    return [[text(c) if k in columns else c for k, c in enumerate(row)] for row in rows]


def check_weights(log: TraceLog, weights: tuple[str, ...]) -> None:
    """``--weights`` must name parameters of this network (or ``layer:N``), not fail silently."""
    if not weights:
        return
    p, names = log.problem, log.notation
    L = len(p.layers) - 1
    known = {f"layer:{l}" for l in range(1, L + 1)}
    known |= {names.quantity("weight", l, j, i).plain for l in range(1, L + 1)
              for j in range(1, p.layers[l] + 1) for i in range(1, p.layers[l - 1] + 1)}
    if p.bias != "none":
        known |= {names.quantity("bias", l, j).plain for l in range(1, L + 1) for j in range(1, p.layers[l] + 1)}
    for name in weights:
        if name not in known:
            first = names.quantity("weight", 1, 1, 1).plain
            raise ProblemError(f"--weights: found '{name}'; expected names of this network's weights or "
                               f"biases (e.g. {first}) or layer:N with N from 1 to {L}")


def tidy(text: str) -> str:
    """At most one blank line in a row, no trailing spaces, one final newline.

    Every style's output goes through here, so the blank lines a template's loops and
    conditions leave behind cannot pile up (Markdown and LaTeX alike read one blank line
    as a paragraph break; more is noise in the source).
    """
    return _BLANKS.sub("\n\n", _TRAILING.sub("\n", text)).strip("\n") + "\n"


_TRAILING = re.compile(r"[ \t]+\n")
_BLANKS = re.compile(r"\n{3,}")


def diagram(log: TraceLog, printer: Printer, name: str) -> str:
    """The network with its initial weights on the edges and its biases beside the neurons."""
    p, names = log.problem, log.notation

    def bias_text(l: int, j: int | None) -> str:
        return f"{names.quantity('bias', l, j).plain} = {p.rounding.show_given(p.biases[l - 1][(j or 1) - 1])}"
    def edge_text(l: int, j: int, i: int) -> str:
        """The weight named as the text names it, with its value: w5 = 0.4."""
        return f"{names.quantity('weight', l, j, i).plain} = {p.rounding.show_given(p.weights[l - 1][j - 1][i - 1])}"
    return network_figure(printer, name, p.layers, names, p.bias, edge_text, bias_text)


def render_text(log: TraceLog, fmt: str, options: RenderOptions) -> Rendered:
    if isinstance(log.problem, ConvProblem):  # feature maps, pooling, kernels: render/convview.py
        from .convview import render_conv
        return render_conv(log, fmt, options)
    style = options.style or log.problem.style or DEFAULT_STYLE
    if style not in STYLES:
        from ..model.schema import closest
        raise ProblemError(f"--style: found '{style}'{closest(style, STYLES)}; expected one of: {', '.join(STYLES)}")
    check_weights(log, options.weights)
    printer = MarkdownPrinter(inline_svg=options.inline_svg) if fmt == "md" else PRINTERS[fmt]()
    if isinstance(printer, HtmlPrinter):  # marks the log's entries, prints their trees as MathML
        printer = HtmlPrinter(log=log, max_terms=options.max_terms, by_symbol=style == "symbolic" and not options.exercise)
    env = environment(options.templates)
    viewer = Viewer(log, options.max_terms)
    chains = ChainView(viewer, options.weights)
    opt = OptimizerView(log, viewer)
    context = {
        "p": printer, "log": log, "problem": log.problem, "notation": log.notation, "view": viewer,
        "chains": chains, "opt": opt,
        "compact": CompactView(viewer, chains, opt, matrix=style == "matrix", repeats=not options.full),
        "steps": viewer.steps(), "options": options, "style": style,
        "diagram": lambda: diagram(log, printer, options.diagram_name),
        "symbolic": lambda: SymbolicView(log, options.max_terms, options.weights, viewer.layer_title),
        "exercise": lambda: _exercise(log, viewer),
        "rule_view": lambda: RuleView(log),   # a single-layer rule's run (styles/_rule.j2)
        # backpropagation in a textbook's conventions (styles/_textbook.j2)
        "textbook": TextbookView(log, viewer) if textbook_active(log) else None,
        "loss_plot": lambda: loss_plot(printer, log.history, Path(options.diagram_name).stem + "-loss.svg",
                                       log.problem.rounding.show),
    }
    try:
        body = env.get_template(body_template(style, options)).render(context).strip("\n") + "\n"
        text = tidy(env.get_template(f"document.{printer.extension}.j2").render(context, body=body))
    except jinja2.TemplateNotFound as exc:
        raise ProblemError(f"--style {style}: template {exc.name} not found in "
                           f"{options.templates or 'the built-in templates'}; expected a jinja2 template") from None
    except (jinja2.TemplateError, RecursionError) as exc:
        raise template_error(exc) from None
    return Rendered(text, dict(printer.attachments))


def template_error(exc: BaseException) -> ProblemError:
    """One line naming the template file and line: ``templates/x.j2: line 3: ...``.

    A syntax error carries its place; an error while rendering (an undefined variable, a
    sandbox refusal) is placed by the innermost template frame of its traceback, which
    jinja2 rewrites to point into the template; an include loop ends in RecursionError."""
    filename, line = getattr(exc, "filename", None), getattr(exc, "lineno", None)
    if not isinstance(exc, jinja2.TemplateSyntaxError):
        tb = exc.__traceback__
        frames: list[tuple[str, int]] = []
        while tb is not None:
            name = tb.tb_frame.f_code.co_filename
            if name.endswith(".j2") or "/templates/" in name:
                frames.append((name, tb.tb_lineno))
            tb = tb.tb_next
        if frames:
            filename, line = frames[-1]
    if isinstance(exc, RecursionError):
        reason = "templates that include or extend each other without end (an include loop)"
    elif isinstance(exc, jinja2.sandbox.SecurityError):
        reason = f"an operation the sandbox refuses ({exc})"
    else:
        reason = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    where = f"{filename or 'template'}" + (f": line {line}" if line else "")
    reason = " ".join(str(reason).split())
    return ProblemError(f"{where}: template error: {reason[:200]}; expected a jinja2 template that renders "
                        "(see templates/README.md)")


def body_template(style: str, options: RenderOptions) -> str:
    """The style's template; an exercise sheet or answer key has its own, whatever the style."""
    if options.exercise:
        return "exercise.j2"
    if options.answer_key:
        return "answer_key.j2"
    if options.compact:
        return "compact/network.j2"
    return f"styles/{style}.j2"


def _exercise(log: TraceLog, viewer: Viewer) -> Exercise:
    """What the problem's ``ask`` selects (tracer/exercise.py), for exercise.j2 and answer_key.j2."""
    from ..sheets.exercise import Exercise
    return Exercise(log, viewer)


def render(log: TraceLog, fmt: str, options: RenderOptions | None = None) -> str | bytes:
    """The walkthrough's main text (attachments are dropped; use render_text for them)."""
    options = options or RenderOptions()
    if fmt == "pdf":
        from .pdf import compile_pdf
        return compile_pdf(render_text(log, "tex", options).text)
    return render_text(log, fmt, options).text
