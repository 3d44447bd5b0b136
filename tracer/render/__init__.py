"""Renderers: the trace log printed as a walkthrough, one jinja2 template per style.

``render(log, "md" | "tex" | "pdf", options)`` picks the printer for the format and the
template for the style; the template formats the views, it never computes.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from ..errors import ProblemError
from ..log import TraceLog
from ..ops import paren
from ..resources import templates_dir
from .diagram import DiagramSpec, to_svg, to_tikz
from .printers import PRINTERS, Printer
from .view import Viewer

STYLES = ("narrative", "chain-rule", "matrix", "symbolic")
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
    inline_svg: bool = False

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> "RenderOptions":
        output = getattr(args, "output", None)
        return cls(
            style=args.style,
            max_terms=args.max_terms if args.max_terms is not None else 8,
            weights=tuple(w.strip() for w in (args.weights or "").split(",") if w.strip()),
            fragment=args.fragment, templates=args.templates,
            exercise=args.exercise, answer_key=args.answer_key,
            diagram_name=(Path(output).stem + ".svg") if output else "network.svg",
            inline_svg=output is None,
        )


@dataclass
class Rendered:
    """The main text and the files that go beside it (the Markdown diagram)."""

    text: str
    attachments: dict[str, str] = field(default_factory=dict)


def environment(user_dir: str | None) -> jinja2.Environment:
    """User templates first, the built-ins as the fallback."""
    loaders = [jinja2.FileSystemLoader(str(templates_dir()))]
    if user_dir is not None:
        if not Path(user_dir).is_dir():
            raise ProblemError(f"--templates: {user_dir}: no such folder; expected a folder of templates")
        loaders.insert(0, jinja2.FileSystemLoader(user_dir))
    env = jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             autoescape=False)
    env.filters["math_cells"] = math_cells
    env.filters["paren"] = paren
    return env


def math_cells(rows: list[list[str]], printer: Printer, columns: list[int]) -> list[list[str]]:
    """Put the given columns of a table in inline math."""
    return [[printer.inline(c) if k in columns else c for k, c in enumerate(row)] for row in rows]


def diagram(log: TraceLog, printer: Printer, name: str) -> str:
    """The network with its initial weights on the edges."""
    p, names = log.problem, log.notation
    labels = tuple(tuple(names.neuron(l, j).plain for j in range(1, n + 1)) for l, n in enumerate(p.layers))
    edges = {(l, j, i): p.rounding.show(w) for l, m in enumerate(p.weights, 1)
             for j, row in enumerate(m, 1) for i, w in enumerate(row, 1)}
    biases = {}
    for l, values in enumerate(p.biases, 1):
        for j, b in enumerate(values, 1):
            key = (l, None) if p.bias == "per_layer" else (l, j)
            biases[key] = f"{names.quantity('bias', l, key[1]).plain} = {p.rounding.show(b)}"
    spec = DiagramSpec(p.layers, labels, edges, bias_labels=biases)
    return printer.figure(to_svg(spec), to_tikz(spec), name, "Network diagram")


def render_text(log: TraceLog, fmt: str, options: RenderOptions) -> Rendered:
    style = options.style or DEFAULT_STYLE
    if style not in STYLES:
        from ..schema import closest
        raise ProblemError(f"--style: found '{style}'{closest(style, STYLES)}; expected one of: {', '.join(STYLES)}")
    printer = PRINTERS[fmt](inline_svg=options.inline_svg) if fmt == "md" else PRINTERS[fmt]()
    env = environment(options.templates)
    viewer = Viewer(log, options.max_terms)
    context = {
        "p": printer, "log": log, "problem": log.problem, "notation": log.notation, "view": viewer,
        "steps": viewer.steps(), "options": options, "style": style,
        "diagram": lambda: diagram(log, printer, options.diagram_name),
    }
    try:
        body = env.get_template(f"styles/{style}.j2").render(context)
        text = env.get_template(f"document.{printer.extension}.j2").render(context, body=body)
    except jinja2.TemplateError as exc:
        raise ProblemError(f"template error: {exc}") from None
    return Rendered(text, dict(printer.attachments))


def render(log: TraceLog, fmt: str, options: RenderOptions | None = None) -> str | bytes:
    """The walkthrough's main text (attachments are dropped; use render_text for them)."""
    options = options or RenderOptions()
    if fmt == "pdf":
        from .pdf import compile_pdf
        return compile_pdf(render_text(log, "tex", options).text)
    return render_text(log, fmt, options).text
