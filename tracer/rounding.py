"""How numbers are shown (and, for hand computation, carried).

Decimal arithmetic on the float's 15 significant digits makes "round half up" mean what
a student means: 0.125 rounds to 0.13, not to the binary neighbour's 0.12, and 1 - 0.78
(0.21999999999999997 in binary) truncates to 0.22, not 0.21.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Literal

Mode = Literal["round", "truncate", "significant"]
MODES: tuple[str, ...] = ("round", "truncate", "significant")


@dataclass(frozen=True)
class Rounding:
    """Precision setting, as in handcalcs: values keep full precision unless ``carry``."""

    digits: int = 4
    mode: Mode = "round"
    carry: bool = False

    def _quantize(self, x: float) -> Decimal:
        d = Decimal(format(float(x), ".15g"))  # 15 digits: 1 - 0.78 is 0.22, not 0.2199...97
        if self.mode == "significant":
            if d == 0:
                return Decimal(0)
            exponent = d.adjusted() - self.digits + 1
            return d.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)
        step = Decimal(1).scaleb(-self.digits)
        return d.quantize(step, rounding=ROUND_DOWN if self.mode == "truncate" else ROUND_HALF_UP)

    def apply(self, x: float) -> float:
        """The value a hand computation would carry on with."""
        if not math.isfinite(x):
            return x
        return float(self._quantize(x))

    def show(self, x: float) -> str:
        """The printed form: rounded, trailing zeros dropped, tiny values kept visible.

        A nonzero value that would print as 0 (a gradient of 3e-6 at 4 digits) is shown
        with ``digits`` significant figures instead, unless values are carried (then the
        printed value must be the carried one).
        """
        if not math.isfinite(x):
            return "nan" if math.isnan(x) else ("-inf" if x < 0 else "inf")
        q = self._quantize(x)
        if q == 0 and x != 0 and not self.carry and self.mode != "significant":
            q = Rounding(self.digits, "significant")._quantize(x)
        return _plain(q)

    def show_change(self, new: float, old: float) -> str:
        """Show an updated parameter with enough digits that a real change stays visible.

        With a learning rate of 0.001, 0.6 -> 0.6000256 must not print as 0.6 -> 0.6.
        """
        shown = self.show(new)
        if new == old or shown != self.show(old):
            return shown
        for extra in range(1, 12):
            wider = Rounding(self.digits + extra, self.mode, False).show(new)
            if wider != self.show(old) and wider != Rounding(self.digits + extra, self.mode).show(old):
                return wider
        return repr(float(new))


def _plain(q: Decimal) -> str:
    text = format(q, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
