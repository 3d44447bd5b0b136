"""How wide rendered LaTeX prints, measured on the text (shared test helper).

tracer measures its formulas on their trees (``tracer.formula.width``) and never reads its
own LaTeX back; the layout tests measure what it printed with this independent reader of
the LaTeX it writes, just enough of TeX's grammar to measure a line and find its top-level
terms. Widths are in digit widths (half an em), as in ``tracer.formula.width``.
"""
from __future__ import annotations

import functools
import itertools
import re

_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[{}]|\s+|.", re.DOTALL)
_WIDE_COMMANDS = {"cdot": 1.8, "cdots": 3.0, "quad": 2.0, "qquad": 4.0, "max": 3.0, "min": 3.0,
                  "tanh": 4.0, "ln": 2.0, "exp": 3.0, "sum": 2.0, "to": 2.4, "le": 2.4, "ge": 2.4,
                  "left": 0.0, "right": 0.0, "mathrm": 0.0, "text": 0.0, ",": 0.4, ";": 0.6}
_BINARY = {"+": 2.4, "-": 2.4, "=": 2.8, "<": 2.8, ">": 2.8}
_NARROW = {"(": 0.8, ")": 0.8, ".": 0.5, ",": 0.8, "|": 0.5, "[": 0.8, "]": 0.8, "&": 0.0, " ": 0.0}


class _Reader:
    """Walks LaTeX tokens; just enough of TeX's grammar to measure and split formulas."""

    def __init__(self, latex: str) -> None:
        self.tokens = [t for t in _TOKEN.findall(latex) if not t.isspace()]
        self.pos = 0

    def next(self) -> str:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def group(self) -> str:
        """The next argument: a braced group's inside, or one token."""
        if self.pos >= len(self.tokens):
            return ""
        token = self.next()
        if token != "{":
            return token
        depth, out = 1, []
        while self.pos < len(self.tokens):
            token = self.next()
            depth += {"{": 1, "}": -1}.get(token, 0)
            if depth == 0:
                break
            out.append(token)
        return " ".join(out)


@functools.lru_cache(maxsize=65536)
def width(latex: str) -> float:
    """Rough printed width of a formula in digit widths; fractions count their wider part.

    Source length is a poor guide: ``\\frac{\\partial E_{total}}{\\partial out_{o1}}`` is
    42 characters but prints about as wide as ``out_{o1}``.
    """
    r, total = _Reader(latex), 0.0
    while r.pos < len(r.tokens):
        token = r.next()
        if token == "\\frac":
            total += max(width(r.group()), width(r.group())) + 0.6
        elif token in ("_", "^"):
            total += 0.7 * width(r.group())
        elif token == "\\text":
            total += 0.9 * len(r.group().replace(" ", "")) + 0.5
        elif token == "\\begin" and r.group().replace(" ", "") == "cases":
            total += _cases_width(r) + 1.5
        elif token in ("\\left", "\\right"):
            total += 0.0 if r.group() == "." else 0.8
        elif token.startswith("\\"):
            total += _WIDE_COMMANDS.get(token[1:], 1.0)
        elif token in "{}":
            continue
        else:
            total += _BINARY.get(token, _NARROW.get(token, 1.0))
    return total


def _cases_width(r: _Reader) -> float:
    """Width of a cases block (reader just past ``\\begin{cases}``): its widest row."""
    start = r.pos
    while r.pos < len(r.tokens) and r.tokens[r.pos] != "\\end":
        r.pos += 1
    rows = " ".join(r.tokens[start:r.pos]).split("\\\\")
    if r.pos < len(r.tokens):
        r.next()
        r.group()  # {cases}
    return max(width(row) for row in rows)


def split_terms(latex: str) -> list[str]:
    """Split a formula before each top-level ``+``/``-`` (not inside braces or brackets).

    Only these are safe line-break points in ``aligned``: breaking inside ``\\left(``
    ... ``\\right)`` or a ``\\frac`` would not compile.
    """
    matches = [m for m in _TOKEN.finditer(latex) if not m.group().isspace()]
    depth, cuts, k = 0, [0], 0
    while k < len(matches):
        token = matches[k].group()
        if token in ("\\left", "\\right"):
            depth += 1 if token == "\\left" else -1
            k += 2  # the delimiter goes with it
            continue
        if token in "{([":
            depth += 1
        elif token in "})]":
            depth -= 1
        elif token in "+-" and depth == 0 and k > 0 and matches[k - 1].group() not in ("=", "&"):
            cuts.append(matches[k].start())
        k += 1
    cuts.append(len(latex))
    return [latex[a:b].strip() for a, b in itertools.pairwise(cuts) if latex[a:b].strip()]
