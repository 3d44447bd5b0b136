"""The HTML printer: one self-contained page, math as MathML, stepping through the log.

A style template prints the same views as for Markdown and LaTeX; this printer writes
them as HTML5 with MathML (``tracer.formula.mathml``, the LaTeX in ``alttext``), the
diagram as inline SVG, and marks the main appearance of every log entry with
``data-entry="N"`` (its index in the JSON log) so that the page's script can step
through the computation in log order. A repeat of an entry (a row of the old-and-new
weights table) carries ``data-entry-ref="N"``.

The printer finds which entry a printed chain is by the chain's first and last parts:
the entry's symbol and its shown value, taken from the log in order (the templates
print a step's entries after the previous step's); ``symbol = value`` inline in running
text (``Eq.equation``) likewise; in the symbolic style, by the symbol alone. A cell of a
whole-layer matrix or a feature map is the entry its ``Number.entry`` names. What the
diagram highlights is the entry's ``data-at`` (``diagram_target``, ``convview.cell_target``,
``graph_walkthrough.circuit_target``).

Formulas arrive as trees and are printed from the trees; inline math a template gives as
a string must be a number or a name (the documented name subset of ``tracer.formula.names``,
converted in ``tracer.formula.mathml``): anything else raises ProblemError, so no template
can put raw LaTeX on a page (templates build general formulas through ``formula``,
``tracer.render.formulas``, or a view's methods).
"""
from __future__ import annotations

import base64
import functools
import hashlib
import re
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Protocol

from ..engine.log import Entry
from ..errors import ProblemError
from ..formula.latex import latex as latex_of
from ..formula.mathml import math_element, mathml, mathml_name
from ..formula.names import latex_math_name, name_html
from ..formula.tree import Node, Number, Relation
from ..resources import templates_dir
from .printers import PRINTERS, Part, Printer, _dedupe, _fits, tiny_number
from .view import MathText

_CELL = re.compile(r' data-e="(\d+)"')
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_BLOCK = re.compile(r"<(?:h[1-6]|div|table|ul|ol|figure|p|section|nav|header|footer|svg|style|script)\b")

#: Tables longer than this are folded into a closed ``<details>`` (opened by a click, by
#: stepping to one of its rows, and for printing): laying out the 784-30-10 page's two
#: 23,850-row weight tables took most of the time to DOMContentLoaded (benchmarks/README.md).
FOLD_ROWS = 200

#: Kinds whose diagram element is the weight l:j:i (the rest point at a neuron or layer).
_WEIGHT_KINDS = ("dw", "new_w")


class Logged(Protocol):
    """A log whose entries a page marks: a network's ``TraceLog`` or an expression's ``GraphLog``."""

    @property
    def entries(self) -> list[Entry]: ...


class Math(str):
    """Printed ``<math>`` that remembers its LaTeX (a table may print it as plain HTML)."""

    latex: str

    def __new__(cls, html: str, source: str) -> Math:
        out = super().__new__(cls, html)
        out.latex = source
        return out


def asset(name: str) -> str:
    """The page's stylesheet or script (templates/page.css, templates/page.js)."""
    return _asset(str(templates_dir() / name))


@functools.lru_cache(maxsize=8)
def _asset(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read().strip("\n")


def csp_hash(text: str) -> str:
    """The CSP source allowing exactly this inline script or style (its SHA-256)."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def diagram_target(e: Entry) -> str:
    """What the network diagram highlights for an entry (``data-at``): ``weight=l:j:i`` a
    weight, ``neuron=l:j`` a neuron, ``neuron^l:`` a whole layer (a total loss, a shared bias).

    ``data-at`` is a space-separated list of ``ATTR=VALUE`` (the SVG elements whose
    ``data-ATTR`` is VALUE) or ``ATTR^VALUE`` (whose ``data-ATTR`` starts with VALUE); the
    convolutional and circuit diagrams use ``cell``, ``node`` and ``wire`` (render/convview.py,
    render/graph_walkthrough.py)."""
    if e.kind in _WEIGHT_KINDS and e.neuron is not None and e.source is not None:
        return f"weight={e.layer}:{e.neuron}:{e.source}"
    if e.neuron is not None:
        return f"neuron={e.layer}:{e.neuron}"
    return f"neuron^{e.layer}:"


def _part_latex(part: Part | str) -> str:
    return latex_of(part) if isinstance(part, Node) else part


@dataclass
class HtmlPrinter(Printer):
    """HTML5 with MathML; ``log`` lets it mark entries, ``max_terms`` prints their trees."""

    extension: str = "html"
    log: Logged | None = None
    max_terms: int | None = 8
    svg_data: bool = True   # the diagram's neurons and edges carry data-neuron / data-weight
    target: Callable[[Entry], str] = diagram_target   # an entry's data-at (what the diagram highlights)
    by_symbol: bool = False   # the symbolic style: a line shows an entry by its symbol alone (no values)
    _symbols: dict[str, deque[Entry]] | None = field(default=None, repr=False)
    _queues: dict[tuple[str, str], deque[Entry]] | None = field(default=None, repr=False)
    _rows: dict[tuple[str, str], deque[Entry]] | None = field(default=None, repr=False)
    _last: dict[tuple[str, str], Entry] = field(default_factory=dict, repr=False)
    _shown: set[int] = field(default_factory=set, repr=False)
    _floor: int = 0   # the step of the last entry claimed: later chains are of this step or after

    # -- the format's syntax --------------------------------------------------
    def text(self, s: str) -> str:
        return escape(s, quote=True)

    def heading(self, level: int, content: str) -> str:
        n = min(max(level, 1), 6)
        return f"<h{n}>{content}</h{n}>"

    def inline(self, formula: Part | str) -> str:
        """Inline math; ``symbol = value`` of an entry (a tree, ``Eq.equation``) in running text
        is marked like a chain: the entry's main appearance or a repeat."""
        source = _part_latex(formula).strip()
        math = Math(math_element(self._mathml(formula), source), source)
        if isinstance(formula, Relation) and formula.op == "=" and self.log is not None:
            entry, repeat = self._claim([formula.left, formula.right])
            if entry is not None:
                return Math(f'<span class="eq"{self._mark(entry, repeat)}>{math}</span>', source)
        return math

    def display(self, formula: Part, entry: Entry | None = None) -> str:  # type: ignore[override]
        """Display math; ``entry``: the log entry a general formula stands for (the conv
        symbolic style's), marked as its appearance unless already shown."""
        source = _part_latex(formula).strip()
        math = math_element(self._mathml(formula), source, display=True)
        if ' data-e="' in math:  # a feature map: each cell that shows an entry's value is marked
            math = _CELL.sub(lambda m: self._mark_index(int(m.group(1))), math)
        mark = self._mark_index(entry.index) if entry is not None else ""
        return f'<div class="eq"{mark}>{math}</div>'

    def bold(self, content: str) -> str:
        return f"<strong>{content}</strong>"

    def bullets(self, items: Sequence[str]) -> str:
        return "<ul>\n" + "\n".join(f"<li>{item}</li>" for item in items) + "\n</ul>"

    def numbered(self, items: Sequence[str], start: int = 1) -> str:
        attr = f' start="{start}"' if start != 1 else ""
        return f"<ol{attr}>\n" + "\n".join(f"<li>{item}</li>" for item in items) + "\n</ol>"

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> str:
        """A table; past ``max_terms`` rows (the 784-30-10 weight tables) names print as plain
        HTML with ``<sub>`` to keep the page small. A row repeating an entry (old and new
        weights) carries ``data-entry-ref``, or ``data-entry`` when it is the entry's only
        appearance (an update elided from the text)."""
        align = (align or "l" * len(headers)).ljust(len(headers), "l")
        # right-aligned (numeric) columns by the table's class, not a class on each of 47,000 cells
        columns = " ".join(f"r{k}" for k, a in enumerate(align, 1) if a == "r")
        compact = self.max_terms is not None and len(rows) > self.max_terms
        updates = list(headers[1:3]) == ["Old", "New"]
        head = "".join(f'<th scope="col">{h}</th>' for h in headers)
        lines = [f'<div class="table"><table class="{columns}">\n<thead><tr>{head}</tr></thead>\n<tbody>']
        for row in rows:
            cells = "".join(f"<td>{self._cell(cell, compact)}" for cell in row)
            lines.append(f"<tr{self._row_mark(row) if updates else ''}>{cells}")
        lines.append("</tbody>\n</table></div>")
        if len(rows) > FOLD_ROWS:  # folded: a closed <details> is parsed but not laid out
            lines[0] = (f'<details class="table"><summary>{len(rows):,} rows (show)</summary>'
                        f'<table class="{columns}">\n<thead><tr>{head}</tr></thead>\n<tbody>')
            lines[-1] = "</tbody>\n</table></details>"
        return "\n".join(lines)

    def figure(self, svg: str, tikz: str, name: str, caption: str) -> str:
        return (f'<figure class="diagram" aria-label="{escape(caption)}">\n{svg.strip()}\n'
                f"<figcaption>{escape(caption)}</figcaption>\n</figure>")

    # -- chains: one entry each -------------------------------------------------
    def chain(self, parts: Sequence[Part | None], entry: Entry | None = None) -> str:
        if entry is not None and entry.index not in self._shown:
            self._shown.add(entry.index)
            self._floor = entry.step
            return self._equation(parts, entry, False)
        claimed, repeat = (entry, True) if entry is not None else self._claim(parts)
        last = parts[-1] if parts else None
        if claimed is None and isinstance(last, Number) and last.entry is not None and self.log is not None:
            # a whole-layer line whose result is one entry's value (a shared bias's gradient)
            claimed = self.log.entries[last.entry]
            repeat = claimed.index in self._shown
            self._shown.add(claimed.index)
        return self._equation(parts, claimed, repeat)

    def equations(self, rows: Sequence[Sequence[Part | None]]) -> str:
        """Each row its own display (an entry each, for stepping); HTML needs no alignment."""
        return "\n".join(self.chain(row) for row in rows)

    def _equation(self, parts: Sequence[Part | None], entry: Entry | None, repeat: bool) -> str:
        laid = _dedupe(parts)
        inner = [mathml(p.part) for p in laid]
        alttext = " = ".join(p.latex for p in laid)
        if len(laid) > 2 and not _fits(laid):
            rows = "".join(f"<mtr><mtd>{inner[0] if k == 0 else ''}</mtd><mtd><mo>=</mo>{m}</mtd></mtr>"
                           for k, m in enumerate(inner[1:]))
            body = f'<mtable columnalign="right left">{rows}</mtable>'
        else:
            body = "<mrow>" + "<mo>=</mo>".join(inner) + "</mrow>"
        math = math_element(body, alttext, display=True)
        if ' data-e="' in math:  # a whole-layer matrix: each cell that shows an entry's value is marked
            math = _CELL.sub(lambda m: self._mark_index(int(m.group(1))), math)
        return f'<div class="eq"{self._mark(entry, repeat)}>{math}</div>'

    def _mark(self, entry: Entry | None, repeat: bool, row: bool = False) -> str:
        """``data-entry`` with what the script needs: the entries it uses, its place in the
        diagram, its name (a table row's name is its first cell: 23,830 rows stay small)."""
        if entry is None:
            return ""
        if repeat:
            return f' data-entry-ref="{entry.index}"'
        uses = " ".join(map(str, entry.depends_on))
        name = "" if row else f' data-name="{escape(entry.name)}"'
        return f' data-entry="{entry.index}" data-uses="{uses}" data-at="{escape(self.target(entry))}"{name}'


    def _mark_index(self, index: int) -> str:
        """A matrix cell showing entry ``index``: its main appearance, or a repeat."""
        if self.log is None:
            return ""
        e = self.log.entries[index]
        if e.index in self._shown:
            return f' data-entry-ref="{e.index}"'
        self._shown.add(e.index)
        self._floor = e.step
        return self._mark(e, False)

    def _mathml(self, part: Part | str) -> str:
        """Inline math given as a tree, or as LaTeX (a name, mostly) from a template."""
        if isinstance(part, Node):
            return mathml(part)
        return _string_mathml(part.strip())

    # -- which entry a chain is ---------------------------------------------------------
    def _index(self) -> tuple[dict[tuple[str, str], deque[Entry]], dict[tuple[str, str], deque[Entry]]]:
        if self._queues is None or self._rows is None:
            self._queues, self._rows = {}, {}
            for e in (self.log.entries if self.log is not None else []):
                self._queues.setdefault((e.latex, e.shown), deque()).append(e)
                if e.kind in ("new_w", "new_b"):
                    self._rows.setdefault((e.operands[0].latex, e.shown), deque()).append(e)
        return self._queues, self._rows

    def _take(self, queue: deque[Entry] | None) -> Entry | None:
        """The first entry of a queue not of a step already passed (those were never shown:
        elided); None when the queue is spent."""
        while queue and queue[0].step < self._floor:
            queue.popleft()
        return queue[0] if queue else None

    def _claim(self, parts: Sequence[Part | None]) -> tuple[Entry | None, bool]:
        """The entry a chain shows (symbol first, shown value last) and whether it is a
        repeat of one already shown."""
        if len(parts) < 2:
            return None, False
        queues, _ = self._index()
        first, last = parts[0], parts[-1]
        if first is None or last is None:
            return None, False
        key = (_part_latex(first).strip(), _part_latex(last).strip())
        queue = queues.get(key)
        e = self._take(queue)
        while e is not None and e.index in self._shown and queue:
            queue.popleft()  # shown first as a table row
            e = self._take(queue)
        if e is None and self.by_symbol:  # a general formula: the first entry of that name not yet shown
            return self._claim_symbol(key[0])
        if e is None:
            before = self._last.get(key)
            return before, before is not None
        assert queue is not None
        queue.popleft()
        self._shown.add(e.index)
        self._last[key] = e
        self._floor = e.step
        return e, False

    def _claim_symbol(self, symbol: str) -> tuple[Entry | None, bool]:
        if self._symbols is None:
            self._symbols = {}
            for entry in (self.log.entries if self.log is not None else []):
                self._symbols.setdefault(entry.latex, deque()).append(entry)
        queue = self._symbols.get(symbol)
        while queue and queue[0].index in self._shown:
            queue.popleft()
        if not queue:
            return None, False
        e = queue.popleft()
        self._shown.add(e.index)
        return e, False

    def _row_mark(self, row: Sequence[str]) -> str:
        """A table row of an update (old and new weights: symbol in math, new value third):
        a repeat of the update's chain, or its only appearance when the text elided it."""
        first = row[0] if row else ""
        if not isinstance(first, Math) or len(row) < 3:
            return ""
        _, rows = self._index()
        queue = rows.get((first.latex, str(row[2])))
        e = self._take(queue)
        if e is None or queue is None:
            return ""
        queue.popleft()
        if e.index in self._shown:
            return f' data-entry-ref="{e.index}"'
        self._shown.add(e.index)
        self._floor = e.step
        return self._mark(e, False, row=True)

    def _cell(self, cell: str, compact: bool) -> str:
        if isinstance(cell, Math):
            return html_name(cell.latex) if compact else str(cell)
        if isinstance(cell, MathText):
            return str(self.inline(cell.tree))
        tiny = tiny_number(cell)
        return cell if tiny is None else str(self.inline(tiny))

    # -- the page -------------------------------------------------------------
    def paragraphs(self, body: str) -> str:
        """Blank-line separated blocks; text blocks become paragraphs."""
        blocks = [b.strip() for b in body.split("\n\n") if b.strip()]
        return "\n\n".join(b if _BLOCK.match(b) else f"<p>{b}</p>" for b in blocks) + "\n"

    def style(self) -> str:
        return asset("page.css")

    def script(self) -> str:
        return asset("page.js")

    def csp(self) -> str:
        """Only this page's own inline style and script, by hash; nothing from the network."""
        return ("default-src 'none'; img-src data:; "
                f"style-src {csp_hash(self.style())}; script-src {csp_hash(self.script())}; "
                "base-uri 'none'; form-action 'none'")


@functools.lru_cache(maxsize=65536)
def _string_mathml(source: str) -> str:
    """Inline math a template gives as a string: a number or a name of the documented name
    subset (``tracer.formula.names``), nothing else. A whole formula must come as a tree:
    a LaTeX formula handed over as a string raises ProblemError (never parsed, never shown raw)."""
    if _NUMBER.fullmatch(source):
        return mathml(Number(source))
    try:
        latex_math_name(source)
        return mathml_name(source)
    except (ValueError, IndexError) as exc:
        raise ProblemError(f"template: inline math {source!r} on an HTML page is neither a number nor a name "
                           f"({exc}); expected a formula tree (templates/README.md: formula)") from None


@functools.lru_cache(maxsize=65536)
def html_name(source: str) -> str:
    """A simple name as plain HTML (``w_{1,2,3}`` -> ``w<sub>1,2,3</sub>``), for long tables;
    a name with more than scripts (a hat, a fraction) keeps its MathML (both conversions of
    the documented name subset: ``tracer.formula.names``, ``tracer.formula.mathml``)."""
    plain = name_html(source)
    return plain if plain is not None else math_element(mathml_name(source), source)


PRINTERS["html"] = HtmlPrinter
