"""Reading untrusted mappings field by field, with errors that name the field path.

Every complaint is one ProblemError line in one shape, so a user learns it once:
``<file>: <field path>: found <value>; expected <what>``. The helpers here build that
line; the parsers in problem.py only say what they expected.
"""
from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ProblemError

MISSING: Any = object()
_LIMIT = 60


def closest(name: str, valid: Iterable[str]) -> str:
    """" (did you mean 'x'?)" when a close valid name exists, else ""."""
    match = difflib.get_close_matches(str(name), list(valid), n=1, cutoff=0.5)
    return f" (did you mean '{match[0]}'?)" if match else ""


def _yaml(value: Any, budget: int = 10 * _LIMIT) -> str:
    """The value as a user would have typed it in YAML flow style (true, .nan, [1, 2]).

    At most about ``budget`` characters are built: a huge (or alias-expanded) value costs
    no more to describe than a short one, and a value that contains itself ends."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")
    if isinstance(value, int) and value.bit_length() > 13_000:   # beyond 4,000 digits str() is refused
        return f"a whole number of about {int(value.bit_length() * 0.30103)} digits"
    if isinstance(value, str):
        value = value[:max(budget, 1)]
        return f"'{value}'" if value.isprintable() else repr(value)
    if isinstance(value, (Mapping, list, tuple)) and budget < 4:
        return "..."
    if isinstance(value, Mapping):
        return "{" + _items(((f"{str(k)[:20]}: ", v) for k, v in value.items()), budget - 2) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + _items((("", v) for v in value), budget - 2) + "]"
    return repr(value)[:budget]


def _items(pairs: Iterable[tuple[str, Any]], budget: int) -> str:
    parts: list[str] = []
    used = 0
    for prefix, v in pairs:
        if used >= budget:
            parts.append("...")
            break
        text = prefix + _yaml(v, budget - used)
        parts.append(text)
        used += len(text) + 2
    return ", ".join(parts)


def short(value: Any) -> str:
    """The value on one short line: error messages must stay one line on a terminal."""
    text = _yaml(value)
    return text if len(text) <= _LIMIT else text[:_LIMIT - 3] + "..."


def one_of(options: Iterable[str]) -> str:
    return "one of: " + ", ".join(options)


@dataclass(frozen=True)
class Reader:
    """A position in the input: the file it came from and the path to the current field."""

    source: str
    path: str = ""

    def at(self, key: str | int) -> Reader:
        if isinstance(key, int):
            return Reader(self.source, f"{self.path}[{key}]")
        return Reader(self.source, f"{self.path}.{key}" if self.path else str(key))

    def fail(self, message: str) -> ProblemError:
        """``file: path: message`` (the top level of the file is called 'top level')."""
        return ProblemError(f"{self.source}: {self.path or 'top level'}: {message}")

    def expected(self, value: Any, what: str) -> ProblemError:
        return self.fail(f"found {short(value)}; expected {what}")

    def unknown(self, value: Any, options: Iterable[str], what: str = "") -> ProblemError:
        """A misspelt name: suggest the closest valid one, then list them all."""
        options = list(options)
        return self.fail(f"found {what}{short(value)}{closest(str(value), options)}; "
                         f"expected {one_of(options)}")

    def missing(self, what: str) -> ProblemError:
        return self.fail(f"found nothing (the field is missing); expected {what}")

    # --- shapes -------------------------------------------------------------
    def mapping(self, value: Any, allowed: Iterable[str], required: Mapping[str, str] | None = None,
                what: str = "a mapping") -> Mapping:
        """A mapping whose keys are all allowed; ``required`` maps each required key to its help."""
        if not isinstance(value, Mapping):
            raise self.expected(value, what)
        allowed = list(allowed)
        for key in value:
            if key not in allowed:
                raise self.at(str(key)).unknown(key, allowed, "unknown field ")
        for key, help_text in (required or {}).items():
            if key not in value:
                raise self.at(key).missing(help_text)
        return value

    def sequence(self, value: Any, what: str, min_len: int = 0) -> list:
        if not isinstance(value, (list, tuple)) or len(value) < min_len:
            raise self.expected(value, what)
        return list(value)

    # --- scalars ------------------------------------------------------------
    def number(self, value: Any, what: str = "a number", *, positive: bool = False,
               low: float | None = None, high: float | None = None) -> float:
        """A finite float; booleans are not numbers here (YAML's true is a typo, not 1)."""
        what = f"{what} greater than 0" if positive else what
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.expected(value, what)
        try:
            x = float(value)
        except OverflowError:
            x = math.inf
        if not math.isfinite(x):
            raise self.expected(value, f"{what} (finite: not NaN or infinity)")
        if (positive and x <= 0) or (low is not None and x < low) or (high is not None and x > high):
            raise self.expected(value, what)
        return x

    def integer(self, value: Any, what: str = "a whole number", *, minimum: int = 0,
                maximum: int | None = None) -> int:
        if (isinstance(value, bool) or not isinstance(value, int) or value < minimum
                or (maximum is not None and value > maximum)):
            raise self.expected(value, what)
        return int(value)

    def boolean(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise self.expected(value, "true or false")
        return value

    def choice(self, value: Any, options: Iterable[str]) -> str:
        options = list(options)
        if not isinstance(value, str) or value not in options:
            raise self.unknown(value, options)
        return value

    def text(self, value: Any) -> str:
        if not isinstance(value, str):
            raise self.expected(value, "text (put it in quotes)")
        return value

    def numbers(self, value: Any, length: int, what: str) -> tuple[float, ...]:
        """Exactly ``length`` finite numbers; ``what`` says what each one is for."""
        expected = f"a list of {length} number{'s' * (length != 1)}, {what}"
        items = self.sequence(value, expected)
        if len(items) != length:
            raise self.fail(f"found {short(value)} ({len(items)} number{'s' * (len(items) != 1)}); "
                            f"expected {expected}")
        return tuple(self.at(k).number(v) for k, v in enumerate(items))
