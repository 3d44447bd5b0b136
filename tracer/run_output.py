"""The end of ``tracer run``, once a log is traced: one path for a network (cli.py) and an
expression (graph_cli.py), so that the two cannot drift apart in what they write.

``--format json`` writes the log itself; ``pdf`` compiles the LaTeX walkthrough; any other
format is a page written whole with the files beside it (its diagram), or printed when there
is no ``-o`` (outputs.py). The exit status is 0: every failure is a ProblemError instead.
"""
from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from .engine.log import TraceLog
from .outputs import emit, emit_page

if TYPE_CHECKING:
    from .engine.graph import GraphLog
    from .render import Rendered, RenderOptions


def write_run(log: TraceLog | GraphLog, args: argparse.Namespace) -> int:
    """Write ``log`` as ``args.format`` to ``args.output`` (None: standard output)."""
    if args.format == "json":   # no renderer imported: a JSON run loads no templates
        emit(log.to_json(), args.output)
        return 0
    from .render import RenderOptions
    options = RenderOptions.from_args(args)   # names the diagram after -o (out.md -> out.svg)
    if args.format == "pdf":
        from .render.pdf import compile_pdf
        emit(compile_pdf(_page(log, "tex", options).text), args.output)
        return 0
    rendered = _page(log, args.format, options)
    emit_page(rendered.text, rendered.attachments, args.output)
    return 0


def _page(log: TraceLog | GraphLog, fmt: str, options: RenderOptions) -> Rendered:
    """The walkthrough of a network or of an expression. Tested on ``TraceLog`` (always
    imported) so that a network's run never imports the expression engine and its gates."""
    if isinstance(log, TraceLog):
        from .render import render_text
        return render_text(log, fmt, options)
    from .render.graph_walkthrough import render_graph
    return render_graph(log, fmt, options)
