"""Indented JSON text, byte-identical to ``json.dumps(obj, indent=n, ensure_ascii=False)``.

The standard library encodes indented JSON in pure Python, one generator frame per
value: a 784-30-10 trace log (48,000 entries, a million values) takes seconds. Its C
encoder only writes unindented JSON, but its item separator may hold a line break and
indentation, which is exactly how an indented container of scalars is laid out. So this
writer hands every run of scalars (an entry's fields, a weight row) to the C encoder
and walks only the nesting in Python; the output is the same bytes
(``tests/test_jsontext.py`` compares the two on varied data).

Only what ``json.dumps`` accepts by default is handled (dict, list, tuple, str, int,
float, bool, None and their subclasses, non-string keys converted as json does);
anything else raises the same TypeError.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from json.encoder import (  # type: ignore[attr-defined]  # C, where Python has them
    c_make_encoder,
    encode_basestring,
)
from typing import Any

_INFINITY = float("inf")


def _float(value: float) -> str:
    """As json writes a float: repr, and NaN / Infinity / -Infinity for the others."""
    if value != value:
        return "NaN"
    if value == _INFINITY:
        return "Infinity"
    if value == -_INFINITY:
        return "-Infinity"
    return float.__repr__(value)


_SCALARS: dict[type, Callable[[Any], str]] = {
    str: encode_basestring,
    int: int.__repr__,
    float: _float,
    bool: lambda value: "true" if value else "false",
    type(None): lambda value: "null",
}


class Laid(str):
    """JSON text already laid out for the place it goes in a document (``object_array``'s
    result), written as it is."""


def dumps(obj: Any, indent: int = 1) -> str:
    """``json.dumps(obj, indent=indent, ensure_ascii=False)``, faster."""
    return _text(obj, "\n", " " * indent)


def _text(obj: Any, newline: str, step: str) -> str:
    """One value's text; `newline` is a line break plus the current indentation."""
    scalar = _SCALARS.get(type(obj))
    if scalar is not None:
        return scalar(obj)
    if type(obj) is Laid:
        return str(obj)
    if isinstance(obj, dict):
        return _object(obj, newline, step)
    if isinstance(obj, (list, tuple)):
        return _array(obj, newline, step)
    return _subclass(obj)


@cache
def _flat(inner: str) -> Callable[[Any], str]:
    """The C encoder, laying out a container of scalars as the indented encoder would at
    this depth: its item separator carries the line break and indentation. Called
    directly (``c_make_encoder`` with no circular-reference markers, which scalars do
    not need) where this Python has it; else through the public JSONEncoder."""
    separator = "," + inner
    if c_make_encoder is not None:
        try:
            encode = c_make_encoder(None, None, encode_basestring, None, ": ", separator, False, False, True)
            if "".join(encode({"a": [1.5, "b"]}, 0)) == json.JSONEncoder(
                    ensure_ascii=False, separators=(separator, ": ")).encode({"a": [1.5, "b"]}):
                return lambda obj: "".join(encode(obj, 0))
        except TypeError:  # another signature in another Python version
            pass
    return json.JSONEncoder(ensure_ascii=False, separators=(separator, ": ")).encode


def _array(items: list | tuple, newline: str, step: str) -> str:
    if not items:
        return "[]"
    inner = newline + step
    if all(type(item) in _SCALARS for item in items):  # a weight row, depends_on
        body = _flat(inner)(items)[1:-1]
    else:
        body = ("," + inner).join([_text(item, inner, step) for item in items])
    return "[" + inner + body + newline + "]"


def _object(items: dict, newline: str, step: str) -> str:
    """Runs of scalar members go through the C encoder in one call, the rest one by one."""
    if not items:
        return "{}"
    inner = newline + step
    parts: list[str] = []
    run: dict = {}
    for key, item in items.items():
        if type(item) in _SCALARS:
            run[key] = item
            continue
        if run:
            parts.append(_flat(inner)(run)[1:-1])
            run = {}
        parts.append((encode_basestring(key) if type(key) is str else _key(key)) + ": "
                     + _text(item, inner, step))
    if run:
        parts.append(_flat(inner)(run)[1:-1])
    return "{" + inner + ("," + inner).join(parts) + newline + "}"


def object_array(heads: list[dict[str, Any]], last: str, tails: list[list[int]], depth: int,
                 indent: int = 1) -> Laid:
    """An array of objects laid out as ``dumps`` lays it out ``depth`` levels down, each
    object the members of its head (scalars only) and then ``last``: its tail, a list of
    ints (the trace log's entries, ``depends_on`` last).

    One call of the C encoder lays out every head: its item separator is the line break
    and indentation of a member, and it also separates the objects, as ``}`` + separator +
    ``{``, which nothing else in the text can be (a string's line breaks are escaped, and
    a member separator is followed by a key's quote), so the text splits there into the
    members of each object. A 784-30-10 log (48,000 entries): 0.29 s instead of 0.34 s
    member by member (most of either is the C encoder's own work on 21 MB of text).
    """
    if not heads:
        return Laid("[]")
    step = " " * indent
    outer = "\n" + step * depth         # the array's own line
    inner = outer + step                # an object's braces
    member = inner + step               # a member
    item = member + step                # an element of the tail
    bodies = _flat(member)(heads)[2:-2].split("}," + member + "{")
    key = member + encode_basestring(last) + ": "
    lines = []
    for body, tail in zip(bodies, tails):
        if tail:
            listed = "[" + item + ("," + item).join(map(int.__repr__, tail)) + member + "]"
        else:
            listed = "[]"
        lines.append("{" + member + body + "," + key + listed + inner + "}")
    return Laid("[" + inner + ("," + inner).join(lines) + outer + "]")


def _key(key: Any) -> str:
    """A non-string key converted as json does (float, bool, None, int; a str subclass as str)."""
    if isinstance(key, str):
        return encode_basestring(key)
    if isinstance(key, (bool, int, float)) or key is None:
        return encode_basestring(_subclass(key))
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _subclass(obj: Any) -> str:
    """A subclass of a JSON type (an IntEnum, numpy.float64), encoded exactly as json does."""
    if isinstance(obj, (str, bool, int, float)) or obj is None:
        return json.dumps(obj, ensure_ascii=False)
    raise TypeError(f"Object of type {obj.__class__.__name__} is not JSON serializable")
