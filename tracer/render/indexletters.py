"""Index letters for general formulas: z_{1,j} = Σ_i x_i·w_{i,j} + b_{1,j}.

The notation's patterns compute names from neuron numbers, sometimes with arithmetic
(global numbers, weight numbers). Feeding them an ``Index`` letter instead of a number
yields the general name in the problem's own notation (w_{784+i,j}): the letter passes
the notation's range check as neuron 1 and carries its arithmetic as a ``Lin``.
"""
from __future__ import annotations

import re


class Lin:
    """An index expression such as 784+i: what a notation pattern computes from an index letter.

    Notation patterns do arithmetic on indices (global numbers, weight numbers); feeding them
    letters instead of numbers yields the general name w_{784+i,j} in the problem's notation.
    """

    def __init__(self, const: int = 0, terms: dict[str, int] | None = None) -> None:
        self.const, self.terms = const, dict(terms or {})

    @staticmethod
    def of(x: object) -> Lin:
        if isinstance(x, Lin):
            return x
        if isinstance(x, Index):
            return Lin(0, {x.letter: 1})
        return Lin(int(x))  # type: ignore[call-overload]

    def __add__(self, other: object) -> Lin:
        o = Lin.of(other)
        terms = dict(self.terms)
        for k, v in o.terms.items():
            terms[k] = terms.get(k, 0) + v
        return Lin(self.const + o.const, {k: v for k, v in terms.items() if v})

    __radd__ = __add__

    def __neg__(self) -> Lin:
        return Lin(-self.const, {k: -v for k, v in self.terms.items()})

    def __sub__(self, other: object) -> Lin:
        return self + -Lin.of(other)

    def __rsub__(self, other: object) -> Lin:
        return Lin.of(other) + -self

    def __mul__(self, other: object) -> Lin:
        if not isinstance(other, int) or isinstance(other, Index):
            return NotImplemented
        return Lin(self.const * other, {k: v * other for k, v in self.terms.items()})

    __rmul__ = __mul__

    def __str__(self) -> str:
        parts = [k if v == 1 else f"{v}{k}" for k, v in self.terms.items()] + ([str(self.const)] if self.const else [])
        text = "+".join(parts).replace("+-", "-") or "0"
        return f"({text})" if len(parts) > 1 else text  # brackets: w_{(2+i)j} is not w_{2+ij}

    def __format__(self, spec: str) -> str:
        return str(self)


class Index(int):
    """An index letter (i, j, k) that passes the notation's range check as neuron 1."""

    letter: str

    def __new__(cls, letter: str) -> Index:
        obj = int.__new__(cls, 1)
        obj.letter = letter
        return obj

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Index) and other.letter == self.letter

    def __hash__(self) -> int:
        return hash(("index", self.letter))

    def _lin(self) -> Lin:
        return Lin(0, {self.letter: 1})

    def __add__(self, other):
        return self._lin() + other

    def __radd__(self, other):
        return Lin.of(other) + self._lin()

    def __sub__(self, other):
        return self._lin() - other

    def __rsub__(self, other):
        return Lin.of(other) - self._lin()

    def __mul__(self, other):
        return self._lin() * other

    __rmul__ = __mul__

    def __str__(self) -> str:
        return self.letter

    def __format__(self, spec: str) -> str:
        return self.letter


Idx = int  # a neuron index: a number, or an Index letter for the general formula
#: Brackets an index expression needs only when another index follows it directly: w_{(2+i)j}.
NEEDLESS_BRACKETS = re.compile(r"(?<=[{,])\(([^{}()]*)\)(?=[,}])")


def is_general(*indices: Idx | None) -> bool:
    return any(isinstance(x, Index) for x in indices)


def index_range(letter: str, n: int) -> str:
    values = ", ".join(map(str, range(1, n + 1))) if n <= 3 else f"1, \\ldots, {n}"
    return f"{letter} = {values}"

