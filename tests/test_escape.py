"""Tests for tracer.render.escape: user text must print literally, never inject."""

from __future__ import annotations

import random
import re
import xml.etree.ElementTree as ET

import pytest

from tracer.formula.names import SAFE_MATH_MACROS, latex_math_name
from tracer.render.escape import latex_text, markdown_text, xml_text

HOSTILE = r"\input{/etc/passwd} $x$ <script>"

# --------------------------------------------------------------------------- latex_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (HOSTILE, r"\textbackslash{}input\{/etc/passwd\} \$x\$ \textless{}script\textgreater{}"),
        ("plain title", "plain title"),
        ("", ""),
        ("a & b # c % d", r"a \& b \# c \% d"),
        ("x^2_i ~ y", r"x\textasciicircum{}2\_i \textasciitilde{} y"),
        ("a|b", r"a\textbar{}b"),
        ("{}", r"\{\}"),
        ("\\\\", r"\textbackslash{}\textbackslash{}"),
        (r"\textbackslash{}", r"\textbackslash{}textbackslash\{\}"),
        (r"\write18{rm -rf ~}", r"\textbackslash{}write18\{rm -rf \textasciitilde{}\}"),
        ("two\nlines\r\n\ttab", "two lines   tab"),
        ("nul\x00bell\x07del\x7f", "nulbelldel"),
        ("Müller – σ", "Müller – σ"),
    ],
)
def test_latex_text(raw: str, expected: str) -> None:
    assert latex_text(raw) == expected


_LATEX_TOKEN = re.compile(
    r"\\textbackslash\{\}|\\textasciicircum\{\}|\\textasciitilde\{\}|\\textless\{\}"
    r"|\\textgreater\{\}|\\textbar\{\}|\\[{}$&#_%]|[^\\{}$&#^_%~<>|]",
    re.DOTALL,
)


@pytest.mark.parametrize("seed", range(5))
def test_latex_text_output_is_only_known_escapes(seed: int) -> None:
    """Fuzz: the output tokenizes completely into literal chars and the known escapes."""
    rng = random.Random(seed)
    alphabet = "\\{}$&#^_%~<>|ab \n"
    raw = "".join(rng.choice(alphabet) for _ in range(200))
    out = latex_text(raw)
    assert "".join(_LATEX_TOKEN.findall(out)) == out


# --------------------------------------------------------------------------- latex_math_name


@pytest.mark.parametrize(
    "name",
    [
        "net_{h1}",
        "out_{o1}",
        r"\hat{y}_{o1}",
        r"\frac{\partial E}{\partial w_5}",
        r"\delta_{o1}",
        r"\sigma(z)",
        r"w^{(2)}_{j,k}",
        "x'",
        r"\text{out}_{o1}",
        r"\mathrm{ReLU}",
        r"a \cdot b",
        r"\Delta w + \eta - \lambda",
        "[x]",
    ],
)
def test_latex_math_name_accepts_safe_names_unchanged(name: str) -> None:
    assert latex_math_name(name) == name


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        (r"\input{/etc/passwd}", "macro"),
        (r"\text{\input{x}}", "macro"),
        (r"\def\x{y}", "macro"),
        (r"\write18{rm}", "macro"),
        (r"\catcode`\^=12", "macro"),
        (r"\deltax", "macro"),  # TeX reads one macro name \deltax, not \delta x
        (r"a\\b", "macro"),
        (r"a\,b", "macro"),
        ("trailing\\", "macro"),
        ("$x$", "character"),
        ("50%", "character"),
        ("#1", "character"),
        ("a & b", "character"),
        ("a~b", "character"),
        ("a<b", "character"),
        ("é", "character"),
        ("x^^5cinput", r"\^\^"),  # ^^5c is TeX's way of writing a backslash
        ("{", "unbalanced"),
        ("}{", "unbalanced"),
        ("x_{1", "unbalanced"),
        ("", "empty"),
        ("   ", "empty"),
    ],
)
def test_latex_math_name_rejects_unsafe_names(name: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        latex_math_name(name)


def test_whitelist_contains_required_macros() -> None:
    required = {"delta", "sigma", "hat", "partial", "frac", "text", "mathrm", "cdot"}
    assert required <= SAFE_MATH_MACROS
    assert {"alpha", "eta", "lambda", "Delta", "Sigma"} <= SAFE_MATH_MACROS
    assert not {"input", "include", "write", "def", "catcode", "immediate"} & SAFE_MATH_MACROS


# --------------------------------------------------------------------------- markdown_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (HOSTILE, r"\\input{/etc/passwd} \$x\$ &lt;script&gt;"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("$x$", r"\$x\$"),
        ("a*b*_c_", r"a\*b\*\_c\_"),
        ("[link](http://x)", r"\[link\](http://x)"),
        ("see [a](b) and [c][d]", r"see [a\](b) and [c\][d]"),   # no link: the ] before ( or [ is escaped
        ("[a]: http://x", r"\[a]: http://x"),                   # no link definition
        ("A3[1]: the delta", "A3[1]: the delta"),                # mid-line, no definition
        (" [x] done", r" \[x] done"),                            # no task-list box
        ("A1[2] and x[1, 1, 1]", "A1[2] and x[1, 1, 1]"),        # plain brackets: no link, left as written
        ("\\[x\\]", r"\\\\[x\\\\]"),                          # MathJax's \[ delimiter: backslashes doubled once more
        ("# heading", r"\# heading"),
        ("`code`", r"\`code\`"),
        ("a|b", r"a\|b"),
        ("back\\slash", r"back\\slash"),
        ("AT&T &amp;", "AT&amp;T &amp;amp;"),
        ("two\nlines", "two lines"),
        ("plain", "plain"),
        ("", ""),
    ],
)
def test_markdown_text(raw: str, expected: str) -> None:
    assert markdown_text(raw) == expected


def _markdown_unescape(s: str) -> str:
    s = re.sub(r"\\(.)", r"\1", s)
    return s.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@pytest.mark.parametrize("seed", range(5))
def test_markdown_text_round_trips_and_leaves_no_bare_specials(seed: int) -> None:
    rng = random.Random(seed)
    raw = "".join(rng.choice("\\*_[]#`|$&<>ab ") for _ in range(200))
    out = markdown_text(raw)
    assert "<" not in out and ">" not in out
    assert re.search(r"(?<!\\)(?:\\\\)*[*_#`|$]", out) is None
    # a bracket stays bare only where it cannot make a link: no ]( or ][ and no leading [
    assert re.search(r"(?<!\\)(?:\\\\)*\][(\[]|^\s*\[", out) is None
    # A backslash run before ( ) [ ] reaches the page doubled (MathJax's processEscapes halves it).
    page = _markdown_unescape(out)
    assert re.sub(r"(\\+)(?=[()\[\]])", lambda m: m[1][:len(m[1]) // 2], page) == raw
    assert re.search(r"(?<!\\)(?:\\\\)*\\[()\[\]]", page) is None   # no bare \( or \[ on the page


# --------------------------------------------------------------------------- xml_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (HOSTILE, r"\input{/etc/passwd} $x$ &lt;script&gt;"),
        ("<script>", "&lt;script&gt;"),
        ("a \"b\" 'c'", "a &quot;b&quot; &apos;c&apos;"),
        ("AT&T", "AT&amp;T"),
        ("bad\x00\x08chars\ufffe", "badchars"),
        ("tab\tnl\n", "tab\tnl\n"),
        ("σ′ ⋮", "σ′ ⋮"),
        ("", ""),
    ],
)
def test_xml_text(raw: str, expected: str) -> None:
    assert xml_text(raw) == expected


@pytest.mark.parametrize("seed", range(5))
def test_xml_text_parses_in_text_and_attributes(seed: int) -> None:
    rng = random.Random(seed)
    raw = "".join(rng.choice("<>&\"'ab \x01\x00]]>") for _ in range(200))
    esc = xml_text(raw)
    root = ET.fromstring(f"<r a=\"{esc}\" b='{esc}'>{esc}</r>")
    kept = "".join(ch for ch in raw if ch not in "\x00\x01")
    assert root.text == kept
    assert root.get("b") == kept
    assert len(list(root)) == 0


def test_a_drawing_prints_a_number_sign_as_a_minus():
    from tracer.render.escape import drawing_latex, drawing_text
    assert drawing_text("w1 = -0.2000 (-.5) a<-1") == "w1 = \u22120.2000 (\u2212.5) a&lt;\u22121"
    assert drawing_text("hidden-to-output1 x-1") == "hidden-to-output1 x-1"
    assert drawing_latex("w1 = -0.2000") == "w1 = $-$0.2000"
    assert drawing_latex("\u22120.3 & 5") == "$-$0.3 \\& 5"
    assert drawing_latex("hidden-to-output1") == "hidden-to-output1"
