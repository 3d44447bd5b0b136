"""Built-in worked examples: every folder of ``worked_examples/`` with a ``problem.yaml`` (a
network) or an ``expression.yaml`` (an expression worked as a circuit)."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from .errors import ProblemError
from .model.graph_problem import GraphProblem, is_expression_file
from .model.problem import Problem
from .model.schema import closest
from .resources import examples_dir

DEFAULT_EXAMPLE = "classic-2-2-2"
PROBLEM_FILE = "problem.yaml"
EXPRESSION_FILE = "expression.yaml"


def example_names() -> list[str]:
    return sorted(p.parent.name for p in examples_dir().glob(f"*/{PROBLEM_FILE}"))


def expression_names() -> list[str]:
    """Built-in expression examples: folders of worked_examples/ holding an expression.yaml."""
    return sorted(p.parent.name for p in examples_dir().glob(f"*/{EXPRESSION_FILE}"))


def all_names() -> list[str]:
    """Every built-in example, networks and expressions, sorted (what ``tracer examples`` lists)."""
    return sorted(set(example_names()) | set(expression_names()))


def example_path(name: str) -> Path:
    return examples_dir() / name / PROBLEM_FILE


def resolve(spec: str | None) -> Path:
    """A path to a problem file, or the name of a built-in example (the default when None).

    A file on disk wins over a built-in of the same name: what the user can see is what runs.
    """
    if spec is None:
        return example_path(DEFAULT_EXAMPLE)
    path = Path(spec)
    if path.is_file():
        return path
    if path.is_dir():
        if (path / PROBLEM_FILE).is_file():
            return path / PROBLEM_FILE
        raise ProblemError(f"{spec}: found a folder without {PROBLEM_FILE}; expected a problem file "
                           "(YAML or JSON) or a folder holding problem.yaml")
    if spec in example_names():
        return example_path(spec)
    names = all_names()
    looks_like_path = path.suffix in (".yaml", ".yml", ".json") or len(path.parts) > 1
    found = "no such file" if looks_like_path else f"no such file or built-in example{closest(spec, names)}"
    raise ProblemError(f"{spec}: found {found}; expected a problem file (YAML or JSON) "
                       f"or a built-in example, one of: {', '.join(names)}")


def load(spec: str | None) -> Problem:
    """A problem file, a built-in example, or ``-``: the problem read from standard input."""
    if spec == "-":
        return _stdin()
    return Problem.from_file(resolve(spec))


def _stdin() -> Problem:
    import sys

    from .model import yamlload
    from .model.problem import _decode
    data = sys.stdin.buffer.read(yamlload.MAX_BYTES + 1)
    if len(data) > yamlload.MAX_BYTES:
        raise ProblemError(f"<stdin>: found more than {yamlload.MAX_BYTES:,} bytes; expected a problem file "
                           "of at most 1 MiB")
    return Problem.from_text(_decode(data, "<stdin>"), source="<stdin>")


def resolve_any(spec: str | None) -> Path:
    """``resolve``, where a folder or built-in name may also hold an expression (expression.yaml)."""
    if spec is not None:
        path = Path(spec)
        if path.is_dir() and not (path / PROBLEM_FILE).is_file() and (path / EXPRESSION_FILE).is_file():
            return path / EXPRESSION_FILE
        if not path.exists() and (examples_dir() / spec / EXPRESSION_FILE).is_file():
            return examples_dir() / spec / EXPRESSION_FILE
    return resolve(spec)


def load_any(spec: str | None) -> Problem | GraphProblem:
    """A network problem or an expression problem (a file with an ``expression`` field)."""
    path = resolve_any(spec)
    return seeded(GraphProblem.from_file(path)) if is_expression_file(path) else Problem.from_file(path)


#: The quantity a given output gradient G ≠ 1 belongs to (whatever the output feeds, a loss
#: further on), as LaTeX with its plain name: the first whose name the expression leaves free.
SEEDED_TOP = {"L": "L", "\\mathrm{Loss}": "Loss", "\\Lambda": "Lambda"}


def seeded(problem: GraphProblem) -> GraphProblem:
    """The problem with its gradients named as derivatives of L when the gradient arriving at
    the output is G ≠ 1: ∂f/∂f is 1 by definition, so G is ∂L/∂f, and every gradient the
    backward pass gives is ∂L/∂x (∂f/∂q would otherwise name both the local gradient and
    G times it). An expression with a name L of its own gets Loss (then Λ)."""
    if problem.output_gradient == 1.0 or problem.gradient_of is not None:
        return problem
    names = {*problem.program.defined, *problem.program.variables()}
    top = next((latex for latex, plain in SEEDED_TOP.items() if plain not in names), None)
    return problem if top is None else replace(problem, gradient_of=top)


def describe(name: str) -> str:
    """The example's one-line summary (its ``description``, else its title)."""
    try:
        problem = load_any(name)
    except ProblemError:
        return ""
    return " ".join((problem.description or problem.title).split())
