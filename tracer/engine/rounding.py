"""How numbers are shown (and, for hand computation, carried).

Decimal arithmetic on the float's 15 significant digits makes "round half up" mean what
a student means: 0.125 rounds to 0.13, not to the binary neighbour's 0.12, and 1 - 0.78
(0.21999999999999997 in binary) truncates to 0.22, not 0.21.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Context, Decimal
from typing import Literal

Mode = Literal["round", "truncate", "significant"]
MODES: tuple[str, ...] = ("round", "truncate", "significant")
#: Enough precision to quantize any finite float (1e308 at 15 decimals) without InvalidOperation.
_CONTEXT = Context(prec=400)


@dataclass(frozen=True)
class Rounding:
    """Precision setting, as in handcalcs: values keep full precision unless ``carry``."""

    digits: int = 4
    mode: Mode = "round"
    carry: bool = False

    def _quantize(self, x: float) -> Decimal:
        """Round (or truncate) to ``digits`` decimals, or to ``digits`` significant figures.

        A nonzero value never becomes 0: like a careful hand computation, a gradient of
        0.0046 kept at two decimals is written 0.0046 (two significant figures), so a small
        delta still moves its weights when values are carried.
        """
        d = Decimal(format(float(x), ".15g"))  # 15 digits: 1 - 0.78 is 0.22, not 0.2199...97
        rounding = ROUND_DOWN if self.mode == "truncate" else ROUND_HALF_UP
        if self.mode != "significant":
            q = d.quantize(Decimal(1).scaleb(-self.digits), rounding=rounding, context=_CONTEXT)
            if q != 0 or d == 0:
                return q
        if d == 0:
            return Decimal(0)
        exponent = d.adjusted() - self.digits + 1
        return d.quantize(Decimal(1).scaleb(exponent), rounding=rounding, context=_CONTEXT)

    def apply(self, x: float) -> float:
        """The value a hand computation would carry on with."""
        if not math.isfinite(x):
            return x
        return float(self._quantize(x))

    def show(self, x: float) -> str:
        """The printed form: rounded, trailing zeros dropped (what ``apply`` carries)."""
        if not math.isfinite(x):
            return "nan" if math.isnan(x) else ("-inf" if x < 0 else "inf")
        return _plain(self._quantize(x))

    def show_given(self, x: float) -> str:
        """Data the problem states (inputs, targets, the learning rate) print as written.

        Rounding is for computed values: at one decimal an input of 0.05 must still read
        0.05. Only a value with more than 7 significant digits (1/12 computed by a script)
        is shown rounded instead.
        """
        shown = self.show(x)
        if not math.isfinite(x):
            return shown
        written = Decimal(format(float(x), ".12g"))
        if len(written.normalize().as_tuple().digits) > 7:
            return shown
        return _plain(written)

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
