"""Variant codes: ``1ZA-07K`` names variant 7 of seed 2026, with a check character.

A code is the seed in Crockford's base 32 (digits and capital letters without I, L, O
and U, so nothing reads as another character), a dash, the variant's number in two
base-32 characters (1 to 999 fit: 32² = 1024), and one check character computed by the
Luhn mod 32 algorithm over all the characters before it. Luhn mod N catches every
single mistyped character and every swap of two neighbouring ones (except between the
alphabet's first and last character, 0 and Z), so a mistyped code is refused instead of
grading a student against someone else's numbers.

Reading is lenient the way Crockford's encoding intends: lower case is accepted, I and L
read as 1, O as 0, and spaces and dashes are ignored (``1za07k`` is ``1ZA-07K``).
"""
from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BASE = len(ALPHABET)                     # 32
NUMBER_CHARS = 2                         # the variant number: 1 to 32² - 1 = 1023
MAX_NUMBER = BASE ** NUMBER_CHARS - 1
_READ = {**{c: i for i, c in enumerate(ALPHABET)}, "I": 1, "L": 1, "O": 0}
CODE_HELP = ("a variant code as printed in the variant's header, e.g. 1ZA-07K: the seed and the "
             "variant number in base 32, a dash, and a check character")


def _digits(n: int, width: int = 1) -> list[int]:
    out: list[int] = []
    while n or len(out) < width:
        n, d = divmod(n, BASE)
        out.append(d)
    return out[::-1]


def check_character(values: list[int]) -> int:
    """Luhn mod 32: double every second value from the right, add the base-32 digits of
    each product, and return what brings the sum to a multiple of 32."""
    total = 0
    for k, v in enumerate(reversed(values)):
        if k % 2 == 0:                   # the rightmost value is doubled (the check goes after it)
            v *= 2
            v = v // BASE + v % BASE
        total += v
    return (BASE - total % BASE) % BASE


def _valid(values: list[int]) -> bool:
    """The check character (last value) completes the Luhn sum."""
    total = 0
    for k, v in enumerate(reversed(values)):
        if k % 2 == 1:
            v *= 2
            v = v // BASE + v % BASE
        total += v
    return total % BASE == 0


def encode(seed: int, number: int) -> str:
    """The code of variant ``number`` (1 to 1023) drawn with ``seed`` (0 or more)."""
    if seed < 0 or not 1 <= number <= MAX_NUMBER:
        raise ValueError(f"no code for seed {seed}, variant {number}")
    head, tail = _digits(seed), _digits(number, NUMBER_CHARS)
    check = check_character(head + tail)
    return ("".join(ALPHABET[d] for d in head) + "-" + "".join(ALPHABET[d] for d in tail)
            + ALPHABET[check])


def decode(code: str) -> tuple[int, int]:
    """(seed, number) of a code; ValueError saying what is wrong with it."""
    text = code.strip().upper().replace(" ", "")
    if text.count("-") > 1:
        raise ValueError("more than one dash")
    body = text.replace("-", "")
    bad = next((c for c in body if c not in _READ), None)
    if bad is not None:
        raise ValueError(f"the character {bad!r} is not in the code alphabet")
    if len(body) < NUMBER_CHARS + 2:
        raise ValueError("too short")
    values = [_READ[c] for c in body]
    if not _valid(values):
        raise ValueError("its check character does not match (a character mistyped?)")
    seed = 0
    for v in values[:-1 - NUMBER_CHARS]:
        seed = seed * BASE + v
    number = values[-1 - NUMBER_CHARS] * BASE + values[-2]
    if number == 0:
        raise ValueError("variant number 0 (variants are numbered from 1)")
    return seed, number
