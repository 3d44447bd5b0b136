"""Reading untrusted mappings field by field, with errors that name the field path.

Every complaint becomes one ProblemError line: ``file: field: what was found; expected what``.
"""
from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from .errors import ProblemError

MISSING: Any = object()


def closest(name: str, valid: Iterable[str]) -> str:
    """" (did you mean 'x'?)" when a close valid name exists, else ""."""
    match = difflib.get_close_matches(str(name), list(valid), n=1, cutoff=0.5)
    return f" (did you mean '{match[0]}'?)" if match else ""


def short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True)
class Reader:
    """A position in the input: the file it came from and the path to the current field."""

    source: str
    path: str = ""

    def at(self, key: str | int) -> "Reader":
        if isinstance(key, int):
            return Reader(self.source, f"{self.path}[{key}]")
        return Reader(self.source, f"{self.path}.{key}" if self.path else key)

    def fail(self, message: str) -> ProblemError:
        where = f"{self.source}: {self.path}: " if self.path else f"{self.source}: "
        return ProblemError(where + message)

    def expected(self, value: Any, what: str) -> ProblemError:
        return self.fail(f"found {short(value)}; expected {what}")

    # --- shapes -------------------------------------------------------------
    def mapping(self, value: Any, allowed: Iterable[str], required: Iterable[str] = ()) -> Mapping:
        if not isinstance(value, Mapping):
            raise self.expected(value, "a mapping")
        allowed = list(allowed)
        for key in value:
            if key not in allowed:
                raise self.at(str(key)).fail(f"unknown field{closest(str(key), allowed)}; "
                                             f"expected one of: {', '.join(allowed)}")
        for key in required:
            if key not in value:
                raise self.at(key).fail("missing required field")
        return value

    def sequence(self, value: Any, what: str, min_len: int = 0) -> list:
        if not isinstance(value, (list, tuple)):
            raise self.expected(value, what)
        if len(value) < min_len:
            raise self.expected(value, what)
        return list(value)

    # --- scalars ------------------------------------------------------------
    def number(self, value: Any, what: str = "a number", *, positive: bool = False,
               low: float | None = None, high: float | None = None) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.expected(value, what)
        x = float(value)
        if not math.isfinite(x):
            raise self.expected(value, f"{what} (finite, not NaN or infinity)")
        if positive and x <= 0:
            raise self.expected(value, f"{what} greater than 0")
        if (low is not None and x < low) or (high is not None and x > high):
            raise self.expected(value, what)
        return x

    def integer(self, value: Any, what: str = "a whole number", *, minimum: int = 0) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.expected(value, what)
        return int(value)

    def boolean(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise self.expected(value, "true or false")
        return value

    def choice(self, value: Any, options: Iterable[str]) -> str:
        options = list(options)
        if not isinstance(value, str) or value not in options:
            raise self.fail(f"found {short(value)}{closest(str(value), options)}; "
                            f"expected one of: {', '.join(options)}")
        return value

    def text(self, value: Any) -> str:
        if not isinstance(value, str):
            raise self.expected(value, "text")
        return value

    def numbers(self, value: Any, length: int, what: str) -> tuple[float, ...]:
        items = self.sequence(value, f"a list of {length} numbers ({what})")
        if len(items) != length:
            raise self.fail(f"found {len(items)} numbers; expected {length} ({what})")
        return tuple(self.at(k).number(v) for k, v in enumerate(items))
