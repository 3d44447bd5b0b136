"""Escaping of user-supplied text (titles, custom names) for every output format.

Anything a user types (a run title, a neuron label, a notation override) ends up
inside LaTeX, Markdown/HTML or SVG that tracer writes.  Such text must never be
able to inject commands (``\\input{/etc/passwd}``, ``\\write18``), markup
(``<script>``) or math (``$x$``): it must print literally.  Each function here
turns arbitrary text into a fragment that is inert in one target language.

All functions are pure and deterministic: same input, same bytes out.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "drawing_latex",
    "drawing_text",
    "latex_text",
    "markdown_text",
    "xml_text",
]

_LINE_BREAKS = "\r\n\t\v\f\u2028\u2029\x85"


def _clean_controls(s: str) -> str:
    """Turn line breaks/tabs into spaces and drop other control characters.

    Line breaks would start a new paragraph (LaTeX) or block (Markdown) inside
    what is meant to be one inline title; other control characters are invalid
    input for TeX.
    """
    out: list[str] = []
    for ch in s:
        if ch in _LINE_BREAKS:
            out.append(" ")
        elif unicodedata.category(ch) != "Cc":
            out.append(ch)
    return "".join(out)


# --------------------------------------------------------------------------- LaTeX text

_LATEX_TEXT_MAP: dict[str, str] = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\textasciicircum{}",
    "_": r"\_",
    "%": r"\%",
    "~": r"\textasciitilde{}",
    # In the default OT1 font encoding these print as other glyphs (¡ ¿ —).
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}


def latex_text(s: str) -> str:
    r"""Escape ``s`` so LaTeX typesets it literally in text mode.

    Every character with a special category code (``\ { } $ & # ^ _ % ~``) is
    replaced by a command that prints it, so no user text can start a command
    (``\input``), math (``$``), a comment (``%``) or an alignment cell (``&``).
    ``<``, ``>`` and ``|`` are replaced too because OT1 fonts print other glyphs
    for them.  Line breaks become spaces (a blank line would end the paragraph
    inside e.g. a ``\section{...}`` argument) and other control characters are
    dropped (TeX rejects them).  Non-ASCII text is left as is (UTF-8 input).

    Single pass, so the backslashes this function inserts are never re-escaped.
    """
    cleaned = _clean_controls(s)
    return _quotes("".join(_LATEX_TEXT_MAP.get(ch, ch) for ch in cleaned))


def _quotes(s: str) -> str:
    """Straight double quotes as TeX's opening and closing quotes: a ``"`` at the start or
    after a space or an opening bracket opens (``), any other closes ('') — in LaTeX a
    straight ``"`` prints a closing quote on both sides (”The perceptron”)."""
    if '"' not in s:
        return s
    out = []
    for k, ch in enumerate(s):
        if ch == '"':
            out.append("``" if k == 0 or s[k - 1] in " ([{-/" else "''")
        else:
            out.append(ch)
    return "".join(out)


# --------------------------------------------------------------------------- Markdown

_MARKDOWN_MAP: dict[str, str] = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    **{ch: "\\" + ch for ch in "\\*_#`|$~"},
}


#: a hyphen that is a number's sign (-0.5, x = -2, (-.5)), not one inside a word (hidden-to-output)
_SIGN = re.compile(r"(?<![\w.])-(?=\d|\.\d)|\u2212")


def drawing_text(s: str) -> str:
    """A diagram's text for SVG (escaped): a number's sign is the minus sign U+2212 (−0.5),
    as in the formulas, not the hyphen of the data (-0.5)."""
    return xml_text(_SIGN.sub("\u2212", s))


def drawing_latex(s: str) -> str:
    """A diagram's text for TikZ (escaped): a number's sign as math's minus, $-$0.5."""
    return "$-$".join(latex_text(part) for part in _SIGN.split(s))


def markdown_text(s: str) -> str:
    r"""Escape ``s`` for inline Markdown (GitHub, MkDocs, Jupyter) and the HTML it becomes.

    ``& < >`` become entities, so ``<script>`` is text and not a tag.  The
    Markdown specials ``\ * _ # ` |`` are backslash-escaped so they do not
    make emphasis, headings, code spans or table cells, brackets only where they could
    make a link (``_LINK_BRACKET``), and ``$`` is
    backslash-escaped so math renderers do not see ``$x$`` as math (nor ``\\(x\\)``
    or ``\\[x\\]``: their backslash is doubled once more, see below).  Line
    breaks become spaces so the text cannot open a new block (list, heading).

    Meant for inline positions (titles, table cells).  Note: plain
    Python-Markdown (MkDocs without the tables/arithmatex extensions) does not
    treat ``\|`` and ``\$`` as escapes and shows the backslash; it is still inert.
    """
    cleaned = _clean_controls(s)
    escaped = "".join(_MARKDOWN_MAP.get(ch, ch) for ch in cleaned)
    escaped = _LINK_BRACKET.sub(lambda m: m[0][:-1] + "\\" + m[0][-1], escaped)
    return _BEFORE_DELIMITER.sub(lambda m: m[0] * 2, escaped)


#: Brackets are escaped only where Markdown could read them as a link: a ``]`` that a
#: ``(`` or ``[`` follows closes a link's text (``[a](b)``, ``[a][b]``), and a leading
#: ``[`` may open a link definition (``[a]: url``, only ever at the start of a line) or a
#: task-list box (``[x]``). ``[1, 1, 1]``, ``A1[2]`` and ``A1[2]:`` elsewhere are plain
#: text and stay as written.
_LINK_BRACKET = re.compile(r"\](?=[(\[])|^\s*\[")


#: ``\(`` and ``\[`` are MathJax's inline and display delimiters: Markdown's ``\\(`` would
#: still reach the page as ``\(``. Every backslash of a run before ( ) [ ] is doubled once
#: more, so the page shows ``\\(``, which MathJax (processEscapes, the default) prints as
#: a literal backslash and parenthesis. (A run of k backslashes is 2k after escaping; the
#: bracket's own escape ``\[`` is not part of the run: it follows an even-length run.)
_BEFORE_DELIMITER = re.compile(r"(?:\\\\)+(?=\\?[()\[\]])")


# --------------------------------------------------------------------------- XML / SVG

_XML_MAP: dict[str, str] = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&apos;",
}


def _xml_allowed(ch: str) -> bool:
    """True if XML 1.0 allows ``ch`` in a document (the spec's ``Char`` production)."""
    code = ord(ch)
    if code < 0x20:
        return ch in "\t\n\r"
    return not (0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF))


def xml_text(s: str) -> str:
    """Escape ``s`` for an XML/SVG text node or a double- or single-quoted attribute.

    ``& < > " '`` become entities, so text can neither open an element
    (``<script>``) nor end an attribute.  Characters XML 1.0 forbids (most
    control characters, lone surrogates, U+FFFE/U+FFFF) are dropped, since a
    single one makes the whole document unparsable.
    """
    return "".join(_XML_MAP.get(ch, ch) for ch in s if _xml_allowed(ch))


# --------------------------------------------------------------------------- terminal

#: The colour codes tracer's own terminal reports use (Select Graphic Rendition, colours only).
_SGR = re.compile(r"\x1b\[[0-9;]{0,8}m")


def terminal_text(s: str, keep_colours: bool = False) -> str:
    r"""Text for a terminal: control characters other than line breaks print escaped.

    An answers file (or a file name) holding ``\x1b]0;...`` or ``\x1b[2J`` must not
    retitle or clear the teacher's terminal: every C0/C1 control character but ``\n``
    becomes its visible ``\x1b`` form, as do the bidirectional overrides that reorder
    what is shown. ``keep_colours`` leaves plain colour codes (tracer's own ``--color``).
    """
    def visible(ch: str) -> str:
        code = ord(ch)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    def escape(part: str) -> str:
        return "".join(visible(ch) if (unicodedata.category(ch) == "Cc" and ch != "\n") or ch in _BIDI else ch
                       for ch in part)
    if not keep_colours:
        return escape(s)
    pieces, last = [], 0
    for m in _SGR.finditer(s):
        pieces += [escape(s[last:m.start()]), m[0]]
        last = m.end()
    return "".join(pieces) + escape(s[last:])


_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
