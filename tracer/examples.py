"""Built-in worked examples: every folder of ``worked_examples/`` with a ``problem.yaml``."""
from __future__ import annotations

from pathlib import Path

from .errors import ProblemError
from .problem import Problem
from .resources import examples_dir

DEFAULT_EXAMPLE = "classic-2-2-2"


def example_names() -> list[str]:
    root = examples_dir()
    return sorted(p.parent.name for p in root.glob("*/problem.yaml"))


def example_path(name: str) -> Path:
    return examples_dir() / name / "problem.yaml"


def resolve(spec: str | None) -> Path:
    """A path to a problem file, or the name of a built-in example (the default when None)."""
    if spec is None:
        return example_path(DEFAULT_EXAMPLE)
    path = Path(spec)
    if path.is_file():
        return path
    if spec in example_names():
        return example_path(spec)
    if path.is_dir() and (path / "problem.yaml").is_file():
        return path / "problem.yaml"
    from .schema import closest
    raise ProblemError(f"{spec}: no such problem file or built-in example{closest(spec, example_names())}; "
                       f"expected a path or one of: {', '.join(example_names())}")


def load(spec: str | None) -> Problem:
    return Problem.from_file(resolve(spec))


def describe(name: str) -> str:
    """The example's one-line summary (its problem file's ``description``)."""
    try:
        return load(name).description or load(name).title
    except ProblemError:
        return ""
