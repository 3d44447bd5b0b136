"""Expression problems: a scalar formula, the point to work it at, how to show it.

    title: CS231n's circuit                    # optional
    description: One line for tracer examples. # optional
    expression: "q = x + y; f = q * z"         # statements; the last one is the output
    values: {x: -2, y: 5, z: -4}               # every variable, nothing else
    output_gradient: 1                         # optional: the gradient arriving at the output
    rounding: {digits: 4, mode: round, carry: false}
    ask: [q, df/dx]                            # optional: what an exercise asks for
    variants: {values: {x: {low: -5, high: 5, decimals: 0}}}
    style: chain-rule                          # chain-rule | narrative | symbolic
    tolerance: 0.01                            # optional: tracer check's default --tolerance

``tracer run --expr "f = (x + y) * z" --at "x=-2, y=5, z=-4"`` builds the same problem
from the command line (``from_command``). A problem file is one of these when it has an
``expression`` field (``is_expression_file``).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..engine.rounding import Rounding
from ..errors import ProblemError
from .expression import Program, check_values, parse, parse_values
from .problem import (
    STYLES,
    DrawRange,
    _decode,
    _draw_range,
    _load,
    _rounding,
    _tolerance,
)
from .schema import Reader

TOP_FIELDS = ("title", "description", "expression", "values", "output_gradient", "rounding", "ask",
              "variants", "style", "tolerance")
#: Styles that make sense for an expression (the matrix style works whole network layers).
GRAPH_STYLES = tuple(s for s in STYLES if s != "matrix")
DEFAULT_TITLE = "Backpropagation through a circuit"
VALUES_HELP = "a mapping of every variable to a number, e.g. {x: -2, y: 5, z: -4}"
VARIANTS_HELP = "a mapping {values: {x: {low: -5, high: 5, decimals: 0}, ...}}"


@dataclass(frozen=True)
class GraphProblem:
    """An expression at a point; immutable and complete, like ``Problem``."""

    expression: str
    program: Program
    values: Mapping[str, float]
    output_gradient: float = 1.0
    title: str = DEFAULT_TITLE
    description: str = ""
    rounding: Rounding = field(default_factory=Rounding)
    ask: tuple[str, ...] = ()
    variants: Mapping[str, DrawRange] | None = None
    style: str | None = None
    tolerance: str | None = None         # tracer check's default --tolerance, as Problem's
    source: str = "<expression>"
    # LaTeX of the quantity the output gradient belongs to, when the circuit is part of a larger
    # computation (a network's neuron: E_{total}): the gradients are then written ∂E_total/∂w5,
    # not ∂out_o1/∂w5 (which would read as 0.0822 for a derivative of the neuron's output).
    gradient_of: str | None = None

    @property
    def output(self) -> str:
        return self.program.output

    @property
    def total_steps(self) -> int:
        """An expression is worked once: one step, as ``Problem.total_steps`` counts them."""
        return 1

    @property
    def ask_points(self) -> tuple[int, ...]:
        """Points per ``ask`` item: every item of an expression's ask is worth 1 (as ``Problem.ask_points`` ())."""
        return ()

    @classmethod
    def from_file(cls, path: str | Path) -> GraphProblem:
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ProblemError(f"{path}: found no readable file ({exc.strerror or exc}); "
                               "expected a problem file (YAML or JSON)") from None
        return cls.from_dict(_load(_decode(data, str(path)), str(path)), str(path))

    @classmethod
    def from_dict(cls, raw: Any, source: str = "<expression>") -> GraphProblem:
        r = Reader(source)
        top = r.mapping(raw, TOP_FIELDS, what="an expression problem: a mapping with expression and values",
                        required={"expression": "the expression as text, e.g. 'f = (x + y) * z'",
                                  "values": VALUES_HELP})
        where = f"{source}: expression"
        program = parse(r.at("expression").text(top["expression"]), where)
        rv = r.at("values")
        given = rv.mapping(top["values"], [str(k) for k in top["values"]] if isinstance(top["values"], Mapping)
                           else (), what=VALUES_HELP)
        values = {str(k): rv.at(str(k)).number(v) for k, v in given.items()}
        check_values(program, values, f"{source}: values")
        ra = r.at("ask")
        return cls(
            expression=top["expression"], program=program, values=_ordered(program, values),
            output_gradient=(r.at("output_gradient").number(top["output_gradient"])
                             if "output_gradient" in top else 1.0),
            title=r.at("title").text(top.get("title", DEFAULT_TITLE)),
            description=r.at("description").text(top.get("description", "")),
            rounding=_rounding(top.get("rounding", {}), r.at("rounding")),
            ask=tuple(ra.at(k).text(a) for k, a in enumerate(ra.sequence(top.get("ask", []), "a list of names"))),
            variants=_variants(top["variants"], program, r.at("variants")) if "variants" in top else None,
            style=r.at("style").choice(top["style"], GRAPH_STYLES) if "style" in top else None,
            tolerance=_tolerance(top["tolerance"], r.at("tolerance")) if "tolerance" in top else None,
            source=source,
        )

    @classmethod
    def from_command(cls, expression: str, at: str | None, output_gradient: float | None = None) -> GraphProblem:
        program = parse(expression, "--expr")
        if at is None:
            if program.variables():
                raise ProblemError(f"--at: found nothing; expected the values of {', '.join(program.variables())}, "
                                   f"e.g. --at \"{', '.join(f'{v}=1' for v in program.variables())}\"")
            values: dict[str, float] = {}
        else:
            values = parse_values(at, "--at")
        check_values(program, values, "--at")
        return cls(expression=expression, program=program, values=_ordered(program, values),
                   output_gradient=1.0 if output_gradient is None else output_gradient,
                   title=f"Backpropagation through {program.output}", source="--expr")

    def with_values(self, values: Mapping[str, float]) -> GraphProblem:
        from dataclasses import replace
        return replace(self, values=_ordered(self.program, values))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"title": self.title}
        if self.description:
            out["description"] = self.description
        out |= {"expression": self.expression, "values": dict(self.values),
                "output_gradient": self.output_gradient,
                "rounding": {"digits": self.rounding.digits, "mode": self.rounding.mode,
                             "carry": self.rounding.carry}}
        if self.ask:
            out["ask"] = list(self.ask)
        if self.variants is not None:
            out["variants"] = {"values": {k: r.to_dict() for k, r in self.variants.items()}}
        if self.style is not None:
            out["style"] = self.style
        if self.tolerance is not None:
            out["tolerance"] = self.tolerance
        return out


def _ordered(program: Program, values: Mapping[str, float]) -> dict[str, float]:
    """Values in the order the variables first appear in the expression."""
    return {name: float(values[name]) for name in program.variables()}


def _variants(value: Any, program: Program, r: Reader) -> dict[str, DrawRange]:
    spec = r.mapping(value, ("values",), required={"values": VARIANTS_HELP}, what=VARIANTS_HELP)
    rv = r.at("values")
    ranges = rv.mapping(spec["values"], program.variables(), what="a mapping of variables to ranges "
                        "{low: -5, high: 5, decimals: 0}")
    if not ranges:
        raise rv.expected(ranges, f"a range for at least one of: {', '.join(program.variables())}")
    return {str(k): _draw_range(v, rv.at(str(k))) for k, v in ranges.items()}


def is_expression_file(path: Path) -> bool:
    """Whether a problem file is an expression problem (it has an ``expression`` field).

    Read leniently: a file that does not parse is left to the network loader, whose
    errors name the line."""
    try:
        raw = _load(_decode(path.read_bytes(), str(path)), str(path))
    except (OSError, ProblemError):
        return False
    return isinstance(raw, Mapping) and "expression" in raw
