"""Where the built-in templates and worked examples live: in the wheel, or in the source tree."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

_SOURCE_ROOT = Path(__file__).resolve().parent.parent


def _located(package: str, folder: str) -> Path:
    """The installed package folder when there is one, else the source tree's top-level folder."""
    source = _SOURCE_ROOT / folder
    if source.is_dir():
        return source
    try:
        return Path(str(resources.files(package)))
    except ModuleNotFoundError:
        return source


def templates_dir() -> Path:
    return _located("tracer.templates", "templates")


def examples_dir() -> Path:
    return _located("tracer.worked_examples", "worked_examples")
