"""Names in formulas: the small, documented subset of LaTeX a notation pattern may use.

A notation pattern such as ``'z_$node'`` or ``'\\hat{y}_{$node}'`` is the user's LaTeX for a
symbol. It is validated here once, when the notation loads (a pattern cannot inject
LaTeX), and each printer that needs another form of a name converts this subset only:
letters, digits, subscripts, superscripts, Greek letters, ``\\mathrm``, ``\\hat``,
``\\text`` and ``\\partial`` fractions. Whole formulas are never parsed back.
"""
from __future__ import annotations

import functools
import re

__all__ = ["GREEK_TEXT", "SAFE_MATH_MACROS", "latex_math_name", "name_html", "name_pieces", "name_text", "name_width"]


_GREEK: frozenset[str] = frozenset(
    [
        "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta",
        "iota", "kappa", "lambda", "mu", "nu", "xi", "pi", "varpi", "rho", "varrho", "sigma",
        "varsigma", "tau", "upsilon", "phi", "varphi", "chi", "psi", "omega", "Gamma", "Delta", "Theta",
        "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega"
    ]
)

SAFE_MATH_MACROS: frozenset[str] = _GREEK | frozenset(
    ["delta", "sigma", "hat", "partial", "frac", "text", "mathrm", "cdot"]
)
"""Macro names (without backslash) allowed in :func:`latex_math_name`.

Each only typesets symbols or decorations; none reads files, writes files,
defines macros or changes category codes.  ``\\text`` needs amsmath.
"""

_MATH_NAME_PLAIN = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    "_^{}()[],+-' "
)
_MATH_TOKEN = re.compile(r"\\[A-Za-z]+|\\.?|.", re.DOTALL)


def _check_math_token(token: str, s: str) -> None:
    """Raise ValueError unless ``token`` is a whitelisted macro or plain character."""
    if token == "\\_":  # an escaped underscore prints "_" and nothing else
        return
    if token.startswith("\\"):
        if token[1:] not in SAFE_MATH_MACROS:
            raise ValueError(f"macro {token!r} is not allowed in math name {s!r}")
    elif token not in _MATH_NAME_PLAIN:
        raise ValueError(f"character {token!r} is not allowed in math name {s!r}")


def _check_braces(s: str) -> None:
    """Raise ValueError unless every ``{`` has a matching ``}``.

    An unbalanced brace would close or leave open a group of the surrounding
    document, so the name could change what follows it.
    """
    depth = 0
    for ch in s:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            raise ValueError(f"unbalanced '}}' in math name {s!r}")
    if depth:
        raise ValueError(f"unbalanced '{{' in math name {s!r}")


def latex_math_name(s: str) -> str:
    r"""Validate a user-chosen symbol name for math mode; return it unchanged.

    Names such as ``net_{h1}``, ``\hat{y}_{o1}`` or ``\frac{\partial E}{\partial w}``
    come from notation overrides and must keep their math meaning, so they are
    validated rather than escaped.  Allowed: ASCII letters, digits, spaces,
    ``_ ^ { } ( ) [ ] , + - '`` and the macros in :data:`SAFE_MATH_MACROS`.

    Policy: anything else (another macro such as ``\input`` or ``\def``, a
    control symbol such as ``\\`` or ``\,``, ``$ % # & ~``, non-ASCII) raises
    ``ValueError`` naming the offending token, so a bad notation override fails
    loudly at load time instead of silently printing something else.  Also
    rejected: unbalanced braces, and ``^^``, which TeX reads as a character
    code (``^^5c`` is a backslash) and would smuggle in any command.
    """
    if not s.strip():
        raise ValueError("math name must not be empty")
    if "^^" in s:
        raise ValueError(f"'^^' is not allowed in math name {s!r}")
    for token in _MATH_TOKEN.findall(s):
        _check_math_token(token, s)
    _check_braces(s)
    return s




# --------------------------------------------------------------------------- widths
_NAME_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[{}]|\s+|.", re.DOTALL)
_WIDE_COMMANDS = {"cdot": 1.8, "cdots": 3.0, "quad": 2.0, "max": 3.0, "min": 3.0, "tanh": 4.0, "ln": 2.0,
                  "exp": 3.0, "sum": 2.0, "mathrm": 0.0, "text": 0.0, ",": 0.4, ";": 0.6}
_NARROW = {"(": 0.8, ")": 0.8, ".": 0.5, ",": 0.8, "|": 0.5, "[": 0.8, "]": 0.8, "&": 0.0,
           "+": 2.4, "-": 2.4, "=": 2.8, "<": 2.8, ">": 2.8}


class _Tokens:
    def __init__(self, name: str) -> None:
        self.tokens = [t for t in _NAME_TOKEN.findall(name) if not t.isspace()]
        self.pos = 0

    def next(self) -> str:
        self.pos += 1
        return self.tokens[self.pos - 1]

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
def name_width(name: str) -> float:
    """Rough printed width of a name (the subset above) in digit widths: ``net_{h1}`` prints
    about 4.4 wide, and ``\\frac{\\partial E_{total}}{\\partial out_{o1}}`` as wide as its
    wider part, not its 42 characters."""
    r, total = _Tokens(name), 0.0
    while r.pos < len(r.tokens):
        token = r.next()
        if token == "\\frac":
            total += max(name_width(r.group()), name_width(r.group())) + 0.6
        elif token in ("_", "^"):
            total += 0.7 * name_width(r.group())
        elif token in ("\\left", "\\right"):
            total += 0.0 if r.group() == "." else 0.8
        elif token == "\\text":
            total += 0.9 * len(r.group().replace(" ", "")) + 0.5
        elif token.startswith("\\"):
            total += _WIDE_COMMANDS.get(token[1:], 1.0)
        elif token in "{}":
            continue
        else:
            total += _NARROW.get(token, 1.0)
    return total


# --------------------------------------------------------------------------- text
GREEK_TEXT = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
               "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ",
               "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "varpi": "ϖ", "rho": "ρ",
               "varrho": "ϱ", "sigma": "σ", "varsigma": "ς", "tau": "τ", "upsilon": "υ", "phi": "φ",
               "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ",
               "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ", "Upsilon": "Υ",
               "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω", "partial": "∂"}


@functools.lru_cache(maxsize=65536)
def name_text(name: str) -> str:
    """A name of the documented subset as plain Unicode text: ``net_{h1}`` -> ``net_h1``,
    ``\\frac{\\partial E_{total}}{\\partial w_{5}}`` -> ``∂E_total/∂w_5``, ``\\delta_{o1}`` -> ``δ_o1``,
    ``\\mathrm{error2\\_h}`` -> ``error2_h``, ``\\hat{y}_{o1}`` -> ``ŷ_o1``.

    The one place where a printer that needs a name in another form than LaTeX (the
    checker's matching, plain-text reports) converts it; never used on whole formulas."""
    r, out = _Tokens(name), []
    while r.pos < len(r.tokens):
        token = r.next()
        if token == "\\frac":
            num, den = name_text(r.group()), name_text(r.group())
            out.append(f"{num}/{den}")
        elif token in ("_", "^"):
            out.append(token + name_text(r.group()))
        elif token in ("\\left", "\\right"):
            delimiter = r.next() if r.pos < len(r.tokens) else "."
            out.append("" if delimiter == "." else delimiter)
        elif token in ("\\mathrm", "\\text", "\\operatorname"):
            continue
        elif token == "\\hat":
            out.append(name_text(r.group()) + "\u0302")
        elif token == "\\_":
            out.append("_")
        elif token.startswith("\\"):
            out.append(GREEK_TEXT.get(token[1:], token[1:]))
        elif token in "{}":
            continue
        else:
            out.append(token)
    return "".join(out)


@functools.lru_cache(maxsize=4096)
def name_pieces(name: str, level: str = "") -> tuple[tuple[str, str], ...]:
    """A name of the documented subset as runs of Unicode text on the baseline (``""``), lowered
    (``"sub"``) or raised (``"sup"``), for a drawing that sets subscripts without a math
    engine: ``a_{11}`` -> (("a", ""), ("11", "sub")); ``A^{[1]}_{2}`` -> (("A", ""),
    ("[1]", "sup"), ("2", "sub")). A script inside a script stays at its parent's level."""
    r, out = _Tokens(name), []
    while r.pos < len(r.tokens):
        token = r.next()
        if token in ("_", "^"):
            inner = level or ("sub" if token == "_" else "sup")
            out += [(text, inner) for text, _ in name_pieces(r.group(), inner)]
        elif token == "\\frac":
            out.append((name_text(f"\\frac{{{r.group()}}}{{{r.group()}}}"), level))
        elif token == "\\hat":
            out.append((name_text(r.group()) + "\u0302", level))
        elif token in ("\\mathrm", "\\text", "\\operatorname") or token in "{}":
            continue
        elif token == "\\_":
            out.append(("_", level))
        elif token.startswith("\\"):
            out.append((GREEK_TEXT.get(token[1:], token[1:]), level))
        else:
            out.append((token, level))
    merged: list[tuple[str, str]] = []
    for text, where in out:
        if merged and merged[-1][1] == where:
            merged[-1] = (merged[-1][0] + text, where)
        else:
            merged.append((text, where))
    return tuple(merged)


@functools.lru_cache(maxsize=65536)
def name_html(name: str) -> str | None:
    """A name of letters, digits and scripts as plain HTML: ``w_{1,2}`` -> ``w<sub>1,2</sub>``,
    ``b^{+}`` -> ``b<sup>+</sup>`` (the long tables of the HTML page); None for a name with a
    macro (a Greek letter, a hat, a fraction), which a page prints as MathML instead."""
    r, out = _Tokens(name), []
    while r.pos < len(r.tokens):
        token = r.next()
        if token in ("_", "^"):
            inner = name_html(r.group())
            if inner is None:
                return None
            out.append(f"<sub>{inner}</sub>" if token == "_" else f"<sup>{inner}</sup>")
        elif token.startswith("\\") or token in "{}":
            return None
        else:
            out.append(token.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
    return "".join(out)
