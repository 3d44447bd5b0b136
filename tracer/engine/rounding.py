"""How numbers are shown (and, for hand computation, carried).

Decimal arithmetic on the float's 15 significant digits makes "round half up" mean what
a student means: 0.125 rounds to 0.13, not to the binary neighbour's 0.12, and 1 - 0.78
(0.21999999999999997 in binary) truncates to 0.22, not 0.21.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Context, Decimal
from typing import Literal

import numpy as np

Mode = Literal["round", "truncate", "significant"]
MODES: tuple[str, ...] = ("round", "truncate", "significant")
#: The significant figures a small computed value keeps at least (``digits`` if fewer).
FIGURES = 4
#: Enough precision to quantize any finite float (1e308 at 15 decimals) without InvalidOperation.
_CONTEXT = Context(prec=400)


@dataclass(frozen=True)
class Rounding:
    """Precision setting, as in handcalcs: values keep full precision unless ``carry``."""

    digits: int = 4
    mode: Mode = "round"
    carry: bool = False
    #: Per-kind digits (``rounding: {kinds: {out: 3, err: 4}}``): (kind, digits) pairs, sorted.
    #: Han, Kamber & Pei print outputs to 3 places and error terms to 4; with ``carry`` each
    #: value is carried at its own kind's digits.
    kinds: tuple[tuple[str, int], ...] = ()
    #: Computed values print every decimal they are rounded to (0.5000 beside 0.5933); False
    #: drops trailing zeros as some sources do (Mazur's tutorial: net_h1 = 0.3775 beside
    #: out_h1 = 0.593269992 at nine decimals).
    trailing_zeros: bool = True

    def of(self, kind: str) -> Rounding:
        """The rounding of one kind of value: its own digits when ``kinds`` names it."""
        return _of_kind(self, kind) if self.kinds else self

    def kind_digits(self) -> dict[str, int]:
        return dict(self.kinds)

    @property
    def figures(self) -> int:
        """The significant figures a small computed value keeps at least (without ``carry``):
        ``FIGURES``, or ``digits`` if fewer."""
        return min(self.digits, FIGURES)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.digits, self.mode, self.carry, self.trailing_zeros)))

    def __hash__(self) -> int:
        """Computed once: every remembered rounding is keyed by its Rounding (a 784-30-10
        step looks up ~200,000), and the generated hash built a tuple each time."""
        return self._hash  # type: ignore[attr-defined]

    def __reduce__(self) -> tuple[type[Rounding], tuple[int, Mode, bool, tuple[tuple[str, int], ...], bool]]:
        """Pickled as its fields: another process computes its own hash (strings hash per process)."""
        return (Rounding, (self.digits, self.mode, self.carry, self.kinds, self.trailing_zeros))

    def at(self, digits: int, mode: Mode | None = None) -> Rounding:
        """This rounding at other digits (and mode), printing zeros as this one does."""
        return Rounding(digits, mode or self.mode, self.carry, (), self.trailing_zeros)

    def _quantize(self, x: float) -> Decimal:
        """``_rounded``, remembered: a recorded step shows each value and then checks its line
        against it (a 784-30-10 step: 48,000 values, each quantized twice). Zeros are not
        remembered (0.0 and -0.0 are one key and print differently)."""
        return _rounded_cached(self, x) if x else self._rounded(x)

    def _rounded(self, x: float) -> Decimal:
        """Round (or truncate) a computed value to the precision it is printed and carried at.

        ``digits`` decimals, or ``FIGURES`` significant figures (``digits`` if fewer) when
        that keeps more digits (mode ``significant``: ``digits`` significant figures). At
        four decimals 0.5933 and 1.1059, but 0.0016914 is 0.001691, not 0.0017, which has
        lost half its figures; at nine decimals 0.023560026 already has eight.
        Values carried by hand (``carry``) keep ``digits`` decimals, as a hand computation
        does, and significant figures only where the decimals would leave 0: a gradient of
        0.0046 at two decimals is 0.0046, so a small delta still moves its weights.
        """
        d = Decimal(format(float(x), ".15g"))  # 15 digits: 1 - 0.78 is 0.22, not 0.2199...97
        if d == 0:
            return Decimal(0)
        rounding = ROUND_DOWN if self.mode == "truncate" else ROUND_HALF_UP
        significant = d.adjusted() - self.digits + 1
        if self.mode == "significant":
            exponent = significant
        elif self.carry:
            q = d.quantize(Decimal(1).scaleb(-self.digits), rounding=rounding, context=_CONTEXT)
            if q != 0:
                return q
            exponent = significant
        else:  # never fewer than four figures (or ``digits``): 0.0016914 is 0.001691, not 0.0017
            exponent = min(d.adjusted() - min(self.digits, FIGURES) + 1, -self.digits)
        q = d.quantize(Decimal(1).scaleb(exponent), rounding=rounding, context=_CONTEXT)
        if q.adjusted() > d.adjusted() and exponent < -self.digits:
            # rounded up into the next decade: 0.09999994 is 0.1000 (four figures), not 0.10000
            q = q.quantize(Decimal(1).scaleb(min(exponent + 1, -self.digits)), context=_CONTEXT)
        return q

    def apply(self, x: float) -> float:
        """The value a hand computation would carry on with."""
        if not math.isfinite(x):
            return x
        return float(self._quantize(x))

    def show(self, x: float) -> str:
        """The printed form of a computed value: rounded as ``apply`` carries it, with every
        decimal it is rounded to, so that a column of values reads alike (0.5000 beside
        0.5933 at four decimals, 0.001000 beside 0.001691). A value that is a whole number
        before rounding prints as one, as a hand computation writes it: 0, a ReLU's
        derivative 1, the circuit's f = 3·(−4) = −12 (but a sigmoid's 0.9996 at two
        decimals is 1.00)."""
        if not math.isfinite(x):
            return "nan" if math.isnan(x) else ("-inf" if x < 0 else "inf")
        q = self._quantize(x)
        return _plain(q) if x == int(x) or not self.trailing_zeros else format(q, "f")

    def agrees(self, result: float, shown: str, value: float) -> bool:
        """Whether ``result`` (a line computed from printed numbers) gives ``shown`` (the
        printed form of ``value``): exactly at its last digit when values are carried, else
        within one unit of that digit (a dropped trailing zero still counts: 0.5 printed for
        0.5000 has the unit 0.0001)."""
        if not (math.isfinite(result) and math.isfinite(value)):
            return True
        places = min(-len(shown.partition(".")[2]), _exponent(self, value))
        if self.carry:  # by hand: exactly, rounded (or truncated) at the printed digit
            rounding = ROUND_DOWN if self.mode == "truncate" else ROUND_HALF_UP
            exact = Decimal(format(float(result), ".15g"))
            return exact.quantize(Decimal(1).scaleb(places), rounding=rounding, context=_CONTEXT) == Decimal(shown)
        return abs(result - float(shown)) <= 10.0 ** places * (1 + 1e-9)

    def show_carried(self, x: float) -> str:
        """A value carried from an earlier step (an updated weight) as it was carried: its
        ``show``, or every digit it keeps when that is more (0.590005 stays 0.590005)."""
        shown = self.show(x)
        if not math.isfinite(x) or Decimal(shown) == Decimal(format(float(x), ".15g")):
            return shown
        return _plain(Decimal(format(float(x), ".15g")))

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
        """Show an updated parameter with enough digits that its change is told faithfully.

        With a learning rate of 0.001, 0.6 -> 0.6000256 must not print as 0.6 -> 0.6, and
        0.400002 -> 0.3999969 truncated at two decimals must not print as 0.39, a change of
        -0.010002 for one of -0.0000051: the new value gets the fewest extra decimals at
        which the printed change (new printed - old as printed) is the true change to within
        a quarter of it (0.3999969: -0.0000051). Carried by hand, it also keeps every digit
        the old value was carried with (0.200004 - 0.00001 is 0.199994, not 0.19999), and an
        unchanged value is the old one as carried (0.600002 - 0.001 · 0 is 0.600002).
        """
        if not math.isfinite(new):
            return self.show(new)
        if new == old:
            return self.show_carried(new) if self.carry else self.show(new)
        places = _places(old) if self.carry else 0
        shown = self.show(new)
        if -_exponent(self, new) >= places and self.faithful(shown, new, old, self.show(old)):
            return shown
        for extra in range(1, 12):
            wider = self.at(self.digits + extra)
            shown = wider.show(new)
            if -_exponent(wider, new) >= places and self.faithful(shown, new, old, wider.show(old)):
                return shown
        return repr(float(new))

    def faithful(self, shown: str, new: float, old: float, old_shown: str) -> bool:
        """Whether ``shown`` (the printed new value) minus the old value as printed tells the
        change ``new - old`` to within a quarter of it (its sign and first figure right).
        With ``carry`` the old value is printed as it is carried, exactly; else ``old_shown``."""
        change = new - old
        printed_old = old if self.carry else float(old_shown)
        return abs(float(shown) - printed_old - change) <= 0.25 * abs(change)

    def carry_change(self, new: float, old: float) -> float:
        """The updated parameter a hand computation carries on with: exactly as printed."""
        if not math.isfinite(new):
            return new
        return float(Decimal(self.show_change(new, old)))


def _places(x: float) -> int:
    """The decimals a carried value holds (0.200004: 6)."""
    exponent = Decimal(format(float(x), ".15g")).normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _plain(q: Decimal) -> str:
    text = format(q, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@functools.lru_cache(maxsize=256)
def _of_kind(rounding: Rounding, kind: str) -> Rounding:
    digits = dict(rounding.kinds).get(kind)
    return rounding if digits is None else rounding.at(digits)


class Rounder:
    """What the numbers of a carried (hand) computation are rounded with, kind by kind.

    Called on an array it rounds at ``rounding``'s own digits; ``of(kind)`` rounds at that
    kind's digits (``Rounding.kinds``); a kind in ``exact`` is not rounded at all: an
    intermediate a convention never prints (with ``error: negative_gradient``, Err_j =
    O_j(1 − O_j)·Σ Err_k·w_jk is one printed line, so its ∂E/∂out and ∂out/∂net are not
    rounded on the way). Without carry every kind is the identity.
    """

    def __init__(self, rounding: Rounding | None, alias: dict[str, str] | None = None,
                 exact: tuple[str, ...] = ()) -> None:
        #: "dout_top" (the output units' ∂E/∂O) is a dout unless ``exact`` names it alone
        self.rounding, self.alias, self.exact = rounding, {"dout_top": "dout", **(alias or {})}, exact
        self._fns: dict[str, object] = {}

    def _fn(self, r: Rounding | None):
        if r is None:
            return lambda a: a
        vapply = np.vectorize(r.apply, otypes=[float])
        return lambda a: vapply(a) if np.size(a) else a

    def __call__(self, a):
        return self.of("")(a)

    def of(self, kind: str):
        fn = self._fns.get(kind)
        if fn is None:
            if self.rounding is None or kind in self.exact:
                fn = self._fn(None)
            else:
                fn = self._fn(self.rounding.of(self.alias.get(kind, kind)) if kind else self.rounding)
            self._fns[kind] = fn
        return fn


def rounded_as(rnd, kind: str):
    """``rnd.of(kind)`` for a ``Rounder``, ``rnd`` itself for a plain function."""
    of = getattr(rnd, "of", None)
    return of(kind) if of is not None else rnd


@functools.lru_cache(maxsize=1 << 17)
def _rounded_cached(rounding: Rounding, x: float) -> Decimal:
    return rounding._rounded(x)


def _exponent(rounding: Rounding, x: float) -> int:
    """The exponent of the last digit ``x`` is rounded to (-4 for 0.5933, -6 for 0.001691);
    remembered except for zeros (0.0 and -0.0 are one key)."""
    return _exponent_cached(rounding, x) if x else _exponent_of(rounding, x)


@functools.lru_cache(maxsize=1 << 17)
def _exponent_cached(rounding: Rounding, x: float) -> int:
    return _exponent_of(rounding, x)


def _exponent_of(rounding: Rounding, x: float) -> int:
    exponent = rounding._quantize(x).as_tuple().exponent
    return exponent if isinstance(exponent, int) else 0
