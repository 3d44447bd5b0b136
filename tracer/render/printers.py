"""One printer per output format; templates call the printer, never branch on the format.

A style template is written once and printed as Markdown or LaTeX by handing it a
different printer (as sympy's printing/ dispatches on the printer, not on if-chains).
The shared part lays out equations: a chain ``symbol = formula = numbers = result`` is
one line when it fits the page, else an ``aligned`` block, and a sum too wide for one
line is broken between its terms, so a 784-input net never runs off the page.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..engine.log import Entry
from ..formula.latex import latex
from ..formula.tree import Node, Number
from ..formula.width import EQUALS
from ..formula.width import width as tree_width
from ..formula.width import wrap as wrap_tree
from .escape import latex_text, markdown_text

#: Widest line of math, in digit widths (half an em): an A4 page at 11pt with 2.2 cm
#: margins holds about 85, GitHub's and Jupyter's text column about as many; some slack.
LINE_WIDTH = 72.0

#: LaTeX tables with more rows than this become a longtable that breaks across pages.
LONG_TABLE = 12

#: Characters of table text a LaTeX line holds (11pt, 2.2 cm margins), and the columns
#: shorter than this many characters that never wrap.
TABLE_CHARS = 80
#: a table cell that is one negative number (-0.0219): its hyphen is typeset as a minus sign
NEGATIVE = re.compile(r"-(?=\d|\.\d)[\d.]*")
NARROW_COLUMN = 16

#: A part of a printed chain: a formula tree (every style builds its formulas as trees).
Part = Node


@dataclass(frozen=True)
class _Laid:
    """A chain part printed once: its LaTeX, its width, and how it wraps."""

    part: Part
    latex: str
    width: float

    @classmethod
    def of(cls, part: Part) -> _Laid:
        return cls(part, latex(part), tree_width(part))

    def wrap(self, room: float) -> list[str]:
        return wrap_tree(self.part, room)


def _dedupe(parts: Sequence[Part | None]) -> list[_Laid]:
    """Drop a step that only repeats the previous one.

    A formula that is already its value (``\\delta_{o1}`` for a bias gradient) and a
    result already printed with its reason (ReLU's ``1 \\quad (0.2 > 0)`` then ``1``)
    would otherwise read ``= 1 = 1``.
    """
    out: list[_Laid] = []
    for p in parts:
        if p is None:
            continue
        laid = _Laid.of(p)
        if not laid.latex:
            continue
        if out and (laid.latex == out[-1].latex or out[-1].latex.startswith(laid.latex + " \\quad")):
            continue
        out.append(laid)
    return out


def _fits(parts: Sequence[_Laid], room: float = LINE_WIDTH) -> bool:
    return sum(p.width for p in parts) + EQUALS * (len(parts) - 1) <= room


@dataclass
class Printer:
    """Shared behaviour; subclasses give the format's syntax."""

    extension: str = ""
    attachments: dict[str, str] = field(default_factory=dict)

    # -- the format's syntax (overridden) -----------------------------------
    def text(self, s: str) -> str:
        """User-supplied text, escaped so it prints literally."""
        raise NotImplementedError

    def heading(self, level: int, content: str) -> str:
        raise NotImplementedError

    def inline(self, latex: str | Node) -> str:
        """Math in a line of text: LaTeX (a name, a short formula) or a formula tree."""
        raise NotImplementedError

    def display(self, latex: str, entry: Entry | None = None) -> str:
        """Display math; ``entry``: the log entry it stands for (an HTML page marks it)."""
        raise NotImplementedError

    def bold(self, content: str) -> str:
        raise NotImplementedError

    def label(self, content: str) -> str:
        """A bold line of its own heading what follows (a compact step's Forward pass): on
        paper it stays on the page of what it heads."""
        return self.bold(content)

    def bullets(self, items: Sequence[str]) -> str:
        raise NotImplementedError

    def numbered(self, items: Sequence[str], start: int = 1) -> str:
        """A numbered list from ``start`` (an exercise's questions, numbered on across groups)."""
        raise NotImplementedError

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> str:
        raise NotImplementedError

    def figure(self, svg: str, tikz: str, name: str, caption: str) -> str:
        raise NotImplementedError

    def working_space(self) -> str:
        """Room to work one answer by hand under its question on a printed sheet (none on a
        screen: Markdown and HTML sheets are answered in a text file)."""
        return ""

    # -- shared --------------------------------------------------------------
    def words(self, parts: Sequence[str | Node]) -> str:
        """Words with names in them (an exercise question: "The output of neuron ", h_{1}): the
        text escaped, the names typeset, and the spaces around a name kept even where ``text``
        trims a text's edges (an LMS printer collapses them: it printed "neuron\\(h_{1}\\)")."""
        out = []
        for part in parts:
            if isinstance(part, str):
                out.append(f"{' ' if part[:1] == ' ' else ''}{self.text(part.strip())}{' ' if part[-1:] == ' ' else ''}")
            else:
                out.append(self.inline(part))
        return "".join(out)

    def chain(self, parts: Sequence[Part | None], entry: Entry | None = None) -> str:
        """``a = b = c = d`` on one line when it fits, else aligned, one step a line.

        A step too wide for a line (a long sum) continues on indented lines, broken
        between its terms. ``entry`` is the log entry the chain shows, when it shows one
        (a printer that marks entries, HTML, uses it).
        """
        laid = _dedupe(parts)
        if len(laid) < 2 or _fits(laid):
            return self.display(" = ".join(p.latex for p in laid))
        return self.display("\\begin{aligned}\n" + " \\\\\n".join(_chain_lines(laid)) + "\n\\end{aligned}")

    def equations(self, rows: Sequence[Sequence[Part | None]]) -> str:
        """Several chains aligned at their first '=' in one display; long ones broken like chain."""
        lines: list[str] = []
        for row in rows:
            laid = _dedupe(row)
            one_line = f"{laid[0].latex} &= " + " = ".join(p.latex for p in laid[1:])
            lines += [one_line] if _fits(laid) else _chain_lines(laid)
        return self.aligned(lines)

    def aligned(self, lines: Sequence[str]) -> str:
        """Lines aligned at their ``&`` in one display (LaTeX: one that may break across pages)."""
        return self.display("\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}")


def source(formula: str | Node) -> str:
    """The LaTeX of inline math given as LaTeX or as a tree."""
    return latex(formula) if isinstance(formula, Node) else formula


def _chain_lines(parts: list[_Laid]) -> list[str]:
    """The aligned lines of a long chain: as many steps a line as fit (``symbol &= a = b``,
    then ``&= c``), a step too wide for a line of its own wrapped between its terms."""
    lines: list[str] = []
    lead, room = parts[0].latex + " &= ", LINE_WIDTH - parts[0].width - 3
    line: list[str] = []
    used = 0.0
    for part in parts[1:]:
        need = part.width + (EQUALS if line else 0.0)
        if line and used + need <= room:
            line.append(part.latex)
            used += need
            continue
        if line:
            lines.append(lead + " = ".join(line))
            lead, room = "&= ", LINE_WIDTH - 3
        if part.width <= room:
            line, used = [part.latex], part.width
            continue
        pieces = part.wrap(room)
        lines.append(lead + pieces[0])
        lines += [f"&\\quad {piece}" for piece in pieces[1:]]
        lead, room, line, used = "&= ", LINE_WIDTH - 3, [], 0.0
    if line:
        lines.append(lead + " = ".join(line))
    return lines


@dataclass
class MarkdownPrinter(Printer):
    """GitHub / Jupyter / MkDocs Markdown with $...$ math (MathJax and KaTeX alike).

    Inline math has no space inside its dollars (GitHub requires it), display math is
    ``$$`` on lines of their own with no blank line inside (a blank line ends the block
    in every renderer); templates put a blank line around each block.
    """

    extension: str = "md"
    inline_svg: bool = False

    def text(self, s):
        return markdown_text(s)

    def heading(self, level, content):
        return f"{'#' * min(max(level, 1), 6)} {content}"

    def inline(self, latex):
        return f"${source(latex).strip()}$"

    def display(self, latex, entry=None):
        return f"$$\n{source(latex).strip()}\n$$"

    def bold(self, content):
        return f"**{content}**"

    def bullets(self, items):
        return "\n".join(f"- {item}" for item in items)

    def numbered(self, items, start=1):
        return "\n".join(f"{k}. {item}" for k, item in enumerate(items, start))

    def table(self, headers, rows, align=""):
        align = (align or "l" * len(headers)).ljust(len(headers), "l")
        rule = {"l": ":---", "r": "---:", "c": ":---:"}
        lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(rule[a] for a in align) + "|"]
        lines += ["| " + " | ".join(_tiny_md(c) for c in row) + " |" for row in rows]
        return "\n".join(lines)

    def figure(self, svg, tikz, name, caption):
        if self.inline_svg:
            return svg.strip()
        self.attachments[name] = svg
        return f"![{caption}]({name})"


#: Before a display (and a table, a figure): no page break just above it, so the line
#: that leads into a formula never ends a page alone, and a heading stays with its first
#: formula. Forbidden, not merely costly: on a page whose glue cannot stretch to fill it
#: (most pages here: \parskip does not stretch) every break is equally "deplorable" to
#: TeX's page builder, and a penalty of 9999 was taken like any other. A page of
#: consecutive formulas still breaks after a display (\postdisplaypenalty, 0).
KEEP_PENALTY = 10000
KEEP = f"\\penalty{KEEP_PENALTY}\n"


@dataclass
class LatexPrinter(Printer):
    """LaTeX for an article with amsmath, booktabs, longtable and tikz."""

    extension: str = "tex"

    def text(self, s):
        return latex_text(s)

    def heading(self, level, content):
        command = {1: "section*", 2: "section", 3: "subsection", 4: "subsubsection"}.get(level, "paragraph")
        return f"\\{command}{{{content}}}"

    def inline(self, latex):
        return f"${source(latex).strip()}$"

    def display(self, latex, entry=None):
        # KEEP: its lead-in line (or heading) never ends a page without it
        return f"{KEEP}\\[\n{source(latex).strip()}\n\\]"

    def bold(self, content):
        return f"\\textbf{{{content}}}"

    def label(self, content):
        """A bold line heading what follows (Forward pass): like a heading it never ends a
        page alone (\\nobreak, then \\@afterheading), and it keeps the paragraph before it
        (a step's lead-in sentence; the preamble forbids widows, so all of it) on its page.
        After a display or a table the page may still break above it."""
        return f"\\par\\nobreak\\textbf{{{content}}}\\par\\nobreak\\csname @afterheading\\endcsname"

    def working_space(self):
        """A framed box the width of the line and 3.2 cm high, after a question's line and
        on its page (\\nobreak: a question never ends a page with its box atop the next)."""
        return "\\par\\nobreak\\smallskip\\noindent\\framebox[\\linewidth]{\\rule{0pt}{3.2cm}}"

    def aligned(self, lines):
        """align*, not aligned inside a display: with the preamble's \\allowdisplaybreaks a
        block of many lines (a compact step) breaks between its lines instead of leaving the
        page (an overfull box) or a page half empty before it."""
        # \\* before a continuation line (&= ..., &\\quad ...): a chain never breaks mid-way
        # (han-kamber's I_4 = ... on one page, "= -0.700" alone atop the next)
        body = "".join((" \\\\*\n" if line.startswith("&") else " \\\\\n") + line if k else line
                       for k, line in enumerate(lines))
        return f"{KEEP}\\begin{{align*}}\n{body}\n\\end{{align*}}"

    def bullets(self, items):
        return "\\begin{itemize}\n" + "\n".join(f"  \\item {item}" for item in items) + "\n\\end{itemize}"

    def numbered(self, items, start=1):
        """Items spaced apart: a printed sheet leaves room to write each answer."""
        head = "\\begin{enumerate}\n\\setlength{\\itemsep}{1.2ex}\n"
        if start != 1:
            head += f"\\setcounter{{enumi}}{{{start - 1}}}\n"
        return head + "\n".join(f"  \\item {item}" for item in items) + "\n\\end{enumerate}"

    def table(self, headers, rows, align=""):
        """booktabs rules; a long table (all 23,550 weights of a 784-30-10 net) breaks across
        pages, and a column with long cells (784 inputs) wraps instead of leaving the page."""
        align = "".join(_columns(headers, rows, (align or "l" * len(headers)).ljust(len(headers), "l")))
        # rows holding fractions need air between them, or a \frac touches the rule above;
        # names with a superscript over a subscript (W^{[1]}_{11}) touch the row above at 1.0
        cells = [str(c) for row in rows for c in row]
        stretch = ("\\renewcommand{\\arraystretch}{1.6}\n" if any("\\frac" in c for c in cells) else
                   "\\renewcommand{\\arraystretch}{1.25}\n" if any("^" in c and "_" in c for c in cells) else "")
        head = " & ".join(headers) + " \\\\"
        body = "\n".join(" & ".join(_minus(str(c)) for c in row) + " \\\\" for row in rows)
        if len(rows) > LONG_TABLE:
            table = (f"\\begin{{longtable}}{{{align}}}\n\\toprule\n{head}\n\\midrule\n\\endhead\n"
                     f"\\bottomrule\n\\endfoot\n{body}\n\\end{{longtable}}")
            # KEEP: its lead-in line never ends a page above the table's first rows. longtable
            # itself adds a break point (\\penalty\\z@) and, when its head and first row do
            # not fit, forces a break (\\vfil\\break), both after the lead-in: LT_KEEP turns
            # them off for this table, and the page breaks above the lead-in instead
            return f"{KEEP}{{{LT_KEEP}{stretch}{table}}}"
        # center's own break point above it (\@beginparpenalty, -51 in article) raised to
        # KEEP's: the line that leads into a table never ends a page alone.
        return (f"{{\\csname @beginparpenalty\\endcsname={KEEP_PENALTY}\n"
                f"\\begin{{center}}\n{stretch}\\begin{{tabular}}{{{align}}}\n\\toprule\n{head}\n\\midrule\n"
                f"{body}\n\\bottomrule\n\\end{{tabular}}\n\\end{{center}}}}")

    def figure(self, svg, tikz, name, caption):
        # A drawing wider than the text (a long circuit) is scaled down to the line, never
        # past the margin; a narrower one keeps its size (graphicx, loaded by tikz). One
        # taller than the room left on the page (\\pagegoal - \\pagetotal, less two lines for
        # center's skips) is shrunk into that room down to FIGURE_SHRINK of its height;
        # taller still it floats to the top of a later page and the text goes on filling
        # this one (conv-rgb-stride's feature maps left page 1 half empty).
        return (f"{{\\par\\setbox0=\\hbox{{\\resizebox{{\\ifdim\\width>\\linewidth\\linewidth\\else\\width\\fi}}{{!}}{{%\n"
                f"{tikz.strip()}%\n}}}}%\n"
                "\\dimen0=\\dimexpr\\pagegoal-\\pagetotal-2\\baselineskip\\relax\n"
                f"\\ifdim\\dimen0<\\dimexpr\\ht0+\\dp0\\relax\\ifdim\\dimen0>{FIGURE_SHRINK}\\dimexpr\\ht0+\\dp0\\relax\n"
                "\\setbox0=\\hbox{\\resizebox{!}{\\dimen0}{\\box0}}\\fi\\fi\n"
                f"\\csname @beginparpenalty\\endcsname={KEEP_PENALTY}\n"
                "\\ifdim\\dimen0<\\dimexpr\\ht0+\\dp0\\relax\n"
                "\\begin{figure}[tp]\n\\centering\n\\leavevmode\\box0\n\\end{figure}\n"
                "\\else\n\\begin{center}\n\\leavevmode\\box0\n\\end{center}\n\\fi}")


#: In a group before a longtable: its start (longtable.sty's \LT@start) patched so it adds no
#: break point above the table (\penalty\z@ becomes \penalty\@M) and forces no break there
#: (\vfil\break dropped); a longtable.sty whose \LT@start lacks these is left as it is
#: (the fourth argument, the sentinel's copy, is then empty).
LT_KEEP = ("\\makeatletter\n"
           "\\def\\tracer@keep#1\\penalty\\z@#2\\vfil\\break#3\\tracer@end#4\\tracer@stop{%\n"
           "\\ifx\\relax#4\\relax\\else\\def\\LT@start{#1\\penalty\\@M#2\\relax#3}\\fi}%\n"
           "\\expandafter\\tracer@keep\\LT@start\\tracer@end\\penalty\\z@\\vfil\\break\\tracer@end\\tracer@stop\n"
           "\\makeatother\n")


#: The least a figure is shrunk to fit the room left on a page (below it, the numbers in a
#: feature map's cells get too small to read: \scriptsize at 0.7 is 5 pt).
FIGURE_SHRINK = 0.7


PRINTERS: dict[str, type[Printer]] = {"md": MarkdownPrinter, "tex": LatexPrinter}


def _minus(cell: str) -> str:
    """-0.0219 in a text cell prints a hyphen; as $-0.0219$ it prints the minus of the formulas.
    A tiny number is set in powers of ten, as in the formulas ($6.752 \\times 10^{-6}$)."""
    tiny = tiny_number(cell)
    if tiny is not None:
        return f"${latex(tiny)}$"
    return f"${cell}$" if NEGATIVE.fullmatch(cell) else cell


def _tiny_md(cell: str) -> str:
    tiny = tiny_number(cell)
    return cell if tiny is None else f"${latex(tiny)}$"


def tiny_number(cell: object) -> Number | None:
    """A table cell that is a number below 0.0001 in size, as a Number (``Number.scientific``)."""
    if not isinstance(cell, str) or not cell.lstrip("-").startswith("0.0000"):
        return None
    number = Number(cell)
    return number if number.scientific is not None else None


def _columns(headers: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> list[str]:
    """LaTeX column types: as asked while the table fits the line, else the long columns
    wrap (ragged, small type) in widths that share what the short ones leave."""
    lengths = [max(len(str(cell)) for cell in [h, *(row[k] for row in rows)]) for k, h in enumerate(headers)]
    if sum(lengths) <= TABLE_CHARS:
        return list(align)
    wide = [k for k, n in enumerate(lengths) if n > NARROW_COLUMN]
    left = 0.92 - sum((lengths[k] + 3) / TABLE_CHARS for k in range(len(lengths)) if k not in wide)
    base = {k: min(lengths[k], NARROW_COLUMN + 8) / TABLE_CHARS for k in wide}  # a few words a line
    extra = {k: min(lengths[k], 4 * TABLE_CHARS) - min(lengths[k], NARROW_COLUMN + 8) for k in wide}
    spare = max(left - sum(base.values()), 0.0) / (sum(extra.values()) or 1)
    return [f">{{\\raggedright\\arraybackslash\\footnotesize}}p{{{base[k] + spare * extra[k]:.2f}\\linewidth}}"
            if k in wide else a for k, a in enumerate(align)]
