"""Does a number written by hand equal the true value?

A student writes 0.59 for 0.593269992: that is right *at the precision written*, whether
they rounded or truncated, so both are accepted. Comparisons run on decimals, never on
binary floats, so 1 - 0.78 (0.21999999999999997 as a float) is 0.22, as on paper.
A ``--tolerance`` (absolute, relative or significant figures) is a second way to agree.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Context, Decimal, InvalidOperation

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
#: A decimal comma (0,5933), as much of Europe writes it: read as a decimal point.
_COMMA = re.compile(r"[+-]?\d+,\d+(?:[eE][+-]?\d+)?")
_CONTEXT = Context(prec=80)
#: A written answer has at most 40 digits and a magnitude within 1e±100: the 80-digit
#: context then holds every rounding of it, so no comparison can overflow.
MAX_FIGURES = 40
MAX_EXPONENT = 100
#: Beyond these a tolerance accepts anything: 1000 absolute, 100% relative, 1 to 15
#: significant figures (a double carries 15 to 17).
MAX_ABSOLUTE = Decimal(1000)
MAX_RELATIVE = Decimal(1)
MAX_SF = 15
TOLERANCE_HELP = ("an absolute amount up to 1000 (0.001), a relative one up to 100% (1%) or 1 to 15 "
                  "significant figures (3sf)")


def parse_number(text: str) -> Decimal | None:
    """The decimal a student wrote, keeping its written precision (0.50 stays 0.50)."""
    cleaned = text.strip().replace("\u2212", "-").replace("_", "")
    if _COMMA.fullmatch(cleaned):
        cleaned = cleaned.replace(",", ".")
    if not _NUMBER.fullmatch(cleaned):
        return None
    return Decimal(cleaned)


def exact(x: float) -> Decimal:
    """A float as the decimal it stands for: 12 significant digits drop the binary noise
    that a few operations accumulate (0.7 * 0.343 + 0.4 * 0.699 - 0.5 is 0.0197 on paper)."""
    return Decimal(format(float(x), ".12g"))


def decimals(value: Decimal) -> int:
    """Digits after the decimal point as written (negative for 1.5E+2)."""
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) else 0


def _quantize(value: Decimal, exponent: int, mode: str) -> Decimal:
    return value.quantize(Decimal(1).scaleb(exponent), rounding=mode, context=_CONTEXT)


def at_precision(written: Decimal, true: Decimal) -> str | None:
    """How the written number agrees with ``true`` at its own precision, or None.

    A zero for a nonzero value says nothing (0 for 0.0025 is not a rounding of it), and
    the written precision may be at most one digit coarser than the value's first
    significant digit, where rounding carries over: 0.001 for 0.000976, as printed.
    """
    if written == true:
        return "exact"
    exponent = written.as_tuple().exponent
    if not isinstance(exponent, int) or (true != 0 and (written == 0 or exponent > true.adjusted() + 1)):
        return None
    try:
        rounded = _quantize(true, exponent, ROUND_HALF_UP)
        truncated = _quantize(true, exponent, ROUND_DOWN)
    except InvalidOperation:
        return None
    if written == rounded:
        return "rounded"
    if written == truncated:
        return "truncated"
    return None


@dataclass(frozen=True)
class Tolerance:
    """How far a number may be from the truth and still count: ``abs``, ``rel`` or ``sf``."""

    kind: str
    amount: Decimal

    @classmethod
    def parse(cls, text: str) -> Tolerance | None:
        """``0.001`` (absolute), ``1%`` (relative) or ``3sf`` (significant figures); None if neither."""
        t = text.strip().lower().replace(" ", "")
        if t.endswith("sf"):
            digits = t[:-2]
            return cls("sf", Decimal(int(digits))) if digits.isascii() and digits.isdigit() \
                and len(digits) <= 2 and 1 <= int(digits) <= MAX_SF else None
        if t.endswith("%"):
            amount = _bounded(t[:-1])
            return cls("rel", amount / 100) if amount is not None and amount <= 100 * MAX_RELATIVE else None
        amount = _bounded(t)
        return cls("abs", amount) if amount is not None and amount <= MAX_ABSOLUTE else None

    def accepts(self, written: Decimal, true: Decimal) -> bool:
        if self.kind == "abs":
            return abs(written - true) <= self.amount
        if self.kind == "rel":
            return abs(written - true) <= self.amount * abs(true)
        return _same_figures(written, true, int(self.amount))

    def describe(self) -> str:
        if self.kind == "abs":
            return f"within {self.amount}"
        if self.kind == "rel":
            return f"within {self.amount * 100}%"
        return f"to {self.amount} significant figures"


def _bounded(text: str) -> Decimal | None:
    """A non-negative number of sane size, else None."""
    amount = parse_number(text)
    if amount is None or amount < 0 or len(amount.as_tuple().digits) > MAX_FIGURES \
            or abs(amount.adjusted()) > MAX_EXPONENT:
        return None
    return amount


def _same_figures(written: Decimal, true: Decimal, figures: int) -> bool:
    """Both numbers agree to ``figures`` significant figures (the truth rounded or truncated)."""
    if true == 0 or written == 0:
        return true == written
    exponent = true.adjusted() - figures + 1
    try:
        mine = _quantize(written, exponent, ROUND_HALF_UP)
        return mine in (_quantize(true, exponent, ROUND_HALF_UP), _quantize(true, exponent, ROUND_DOWN))
    except InvalidOperation:             # the written number is far too large to agree
        return False


def agreement(written: Decimal, true: float | Decimal, tolerance: Tolerance | None = None) -> str | None:
    """``exact``, ``rounded``, ``truncated`` or ``within tolerance``; None when it disagrees.

    ``true`` may be given as a decimal already (the checker converts each true value once)."""
    truth = true if isinstance(true, Decimal) else exact(true)
    how = at_precision(written, truth)
    if how is None and tolerance is not None and tolerance.accepts(written, truth):
        return "within tolerance"
    return how
