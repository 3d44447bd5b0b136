"""Rewrite the golden walkthroughs of the classic 2-2-2 example (tests/golden/).

    python3 tests/regenerate_golden.py               # every style whose template exists, and --compact
    python3 tests/regenerate_golden.py chain-rule    # only these styles
    python3 tests/regenerate_golden.py compact       # only the compact forms (per quantity, per layer matrix)

Run it after an intended change of a template, the printers or the diagram, then read
the diff (``git diff tests/golden``) as a student would before committing it: the golden
files are what tests/test_render.py compares every render with, byte for byte.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: import the source tree, not an installed copy
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracer.engine.trace import trace
from tracer.examples import load
from tracer.render import STYLES, RenderOptions, render_text
from tracer.resources import templates_dir

GOLDEN = Path(__file__).resolve().parent / "golden"
EXAMPLE = "classic-2-2-2"
FORMATS = ("md", "tex")
#: The compact forms (tracer run --compact): per quantity (any style but matrix), per layer matrix.
COMPACT = {"compact": "chain-rule", "compact-matrix": "matrix"}


def golden_path(style: str, fmt: str) -> Path:
    return GOLDEN / f"{EXAMPLE}.{style}.{fmt}"


def has_template(style: str) -> bool:
    return (templates_dir() / "styles" / f"{style}.j2").is_file()


def render_golden(style: str, fmt: str) -> str:
    """The walkthrough a golden file holds: the built-in example, default options (a compact
    form: --compact in its style)."""
    if style in COMPACT:
        return render_text(trace(load(EXAMPLE)), fmt, RenderOptions(style=COMPACT[style], compact=True)).text
    return render_text(trace(load(EXAMPLE)), fmt, RenderOptions(style=style)).text


def main(argv: list[str]) -> int:
    styles = argv or [*(s for s in STYLES if has_template(s)), *COMPACT]
    if argv == ["compact"]:
        styles = list(COMPACT)
    unknown = [s for s in styles if s not in STYLES and s not in COMPACT]
    if unknown:
        print(f"regenerate_golden: found {', '.join(unknown)}; expected styles from {', '.join(STYLES)}",
              file=sys.stderr)
        return 2
    GOLDEN.mkdir(exist_ok=True)
    for style in styles:
        for fmt in FORMATS:
            path = golden_path(style, fmt)
            path.write_text(render_golden(style, fmt), encoding="utf-8")
            print(path.relative_to(GOLDEN.parent.parent))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
