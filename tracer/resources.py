"""Where the built-in templates and worked examples live: in the wheel, or in the source tree.

The wheel puts ``templates/`` and ``worked_examples/`` inside the package (pyproject.toml
maps them to ``tracer.templates`` and ``tracer.worked_examples``); a checkout keeps them at
the top level, beside ``tracer/``. Both are found relative to this very file, so the
answer depends only on which ``tracer`` was imported, never on the working directory or
on some other project's top-level ``templates`` folder in site-packages.
"""
from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _located(folder: str) -> Path:
    """The folder inside the installed package when it is there, else the checkout's one."""
    installed = _PACKAGE / folder
    return installed if installed.is_dir() else _PACKAGE.parent / folder


def templates_dir() -> Path:
    return _located("templates")


def examples_dir() -> Path:
    return _located("worked_examples")
