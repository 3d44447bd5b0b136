"""One printer per output format; templates call the printer, never branch on the format.

A style template is written once and printed as Markdown or LaTeX by handing it a
different printer (as sympy's printing/ dispatches on the printer, not on if-chains).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from .escape import latex_text, markdown_text

#: A chain "symbol = formula = substitution = value" longer than this is broken over lines.
ONE_LINE = 90


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

    def inline(self, latex: str) -> str:
        raise NotImplementedError

    def display(self, latex: str) -> str:
        raise NotImplementedError

    def bold(self, content: str) -> str:
        raise NotImplementedError

    def bullets(self, items: Sequence[str]) -> str:
        raise NotImplementedError

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> str:
        raise NotImplementedError

    def figure(self, svg: str, tikz: str, name: str, caption: str) -> str:
        raise NotImplementedError

    # -- shared --------------------------------------------------------------
    def chain(self, parts: Sequence[str]) -> str:
        """``a = b = c = d`` on one line when short, else aligned one part a line."""
        parts = _dedupe(parts)
        if sum(len(p) for p in parts) <= ONE_LINE or len(parts) < 3:
            return self.display(" = ".join(parts))
        lines = [f"{parts[0]} &= {parts[1]}"] + [f"&= {p}" for p in parts[2:]]
        return self.display("\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}")

    def equations(self, rows: Sequence[Sequence[str]]) -> str:
        """Several short chains aligned at their first '=' in one display."""
        lines = [f"{r[0]} &= " + " = ".join(_dedupe(r)[1:]) for r in rows]
        return self.display("\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}")


def _dedupe(parts: Sequence[str]) -> list[str]:
    """Drop a step that repeats the previous one (a formula that is already its value)."""
    out: list[str] = []
    for p in parts:
        if not out or p != out[-1]:
            out.append(p)
    return out


@dataclass
class MarkdownPrinter(Printer):
    """GitHub / Jupyter / MkDocs Markdown with $...$ math (MathJax and KaTeX alike)."""

    extension: str = "md"
    inline_svg: bool = False

    def text(self, s):
        return markdown_text(s)

    def heading(self, level, content):
        return f"{'#' * level} {content}"

    def inline(self, latex):
        return f"${latex}$"

    def display(self, latex):
        return f"$$\n{latex}\n$$"

    def bold(self, content):
        return f"**{content}**"

    def bullets(self, items):
        return "\n".join(f"- {item}" for item in items)

    def table(self, headers, rows, align=""):
        align = (align or "l" * len(headers)).ljust(len(headers), "l")
        rule = {"l": ":---", "r": "---:", "c": ":---:"}
        lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(rule[a] for a in align) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)

    def figure(self, svg, tikz, name, caption):
        if self.inline_svg:
            return svg.strip()
        self.attachments[name] = svg
        return f"![{caption}]({name})"


@dataclass
class LatexPrinter(Printer):
    """LaTeX for an article with amsmath, booktabs and tikz."""

    extension: str = "tex"

    def text(self, s):
        return latex_text(s)

    def heading(self, level, content):
        command = {1: "section*", 2: "section", 3: "subsection", 4: "subsubsection"}.get(level, "paragraph")
        return f"\\{command}{{{content}}}"

    def inline(self, latex):
        return f"${latex}$"

    def display(self, latex):
        return f"\\[\n{latex}\n\\]"

    def bold(self, content):
        return f"\\textbf{{{content}}}"

    def bullets(self, items):
        return "\\begin{itemize}\n" + "\n".join(f"  \\item {item}" for item in items) + "\n\\end{itemize}"

    def table(self, headers, rows, align=""):
        align = (align or "l" * len(headers)).ljust(len(headers), "l")
        body = [" & ".join(headers) + " \\\\", "\\midrule"] + [" & ".join(row) + " \\\\" for row in rows]
        return ("\\begin{center}\n\\begin{tabular}{" + align + "}\n\\toprule\n" + "\n".join(body)
                + "\n\\bottomrule\n\\end{tabular}\n\\end{center}")

    def figure(self, svg, tikz, name, caption):
        return f"\\begin{{center}}\n{tikz.strip()}\n\\end{{center}}"


PRINTERS: dict[str, type[Printer]] = {"md": MarkdownPrinter, "tex": LatexPrinter}
