"""tracer.engine.jsontext must write exactly the bytes of json.dumps(obj, indent=n, ensure_ascii=False)."""
from __future__ import annotations

import enum
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracer.engine.jsontext import Laid, dumps, object_array


def reference(obj: object, indent: int = 1) -> str:
    return json.dumps(obj, indent=indent, ensure_ascii=False)


class Level(enum.IntEnum):
    HIGH = 3


scalars = (st.none() | st.booleans() | st.integers(min_value=-(10**30), max_value=10**30)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text())
keys = st.text() | st.integers() | st.floats(allow_nan=False) | st.booleans() | st.none()
trees = st.recursive(scalars, lambda inner: st.lists(inner, max_size=5)
                     | st.tuples(inner, inner) | st.dictionaries(keys, inner, max_size=5), max_leaves=40)


@settings(max_examples=100, deadline=None)
@given(trees, st.integers(min_value=0, max_value=4))
def test_same_text_as_json_dumps(tree: object, indent: int) -> None:
    assert dumps(tree, indent) == reference(tree, indent)


@pytest.mark.parametrize("value", [
    {"a": [], "b": {}, "c": [[]], "d": [{}], "e": ""},
    [0.1, -0.0, 1e-300, 1e300, float("nan"), float("inf"), -math.inf, 5e-324],
    {"ü": "€ \\ \" \n \t \x00 \u2028 \ud800", "emoji": "🙂"},
    {1: "int key", 2.5: "float key", False: "bool key", None: "null key"},
    [np.float64(0.1), Level.HIGH, {Level.HIGH: 1}],
    ("tuple", ("nested",)),
], ids=["empty", "floats", "unicode", "keys", "subclasses", "tuples"])
def test_edge_cases(value: object) -> None:
    assert dumps(value) == reference(value)


def test_rejects_what_json_rejects() -> None:
    with pytest.raises(TypeError):
        dumps({"x": object()})
    with pytest.raises(TypeError):
        dumps({(1, 2): "tuple key"})
    with pytest.raises(TypeError):  # not an int subclass: json refuses it too
        dumps([np.int64(7)])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.dictionaries(st.text(), scalars, min_size=1, max_size=6),
                          st.lists(st.integers(min_value=0, max_value=10**6), max_size=4)), max_size=6),
       st.integers(min_value=0, max_value=3), st.integers(min_value=1, max_value=3))
def test_object_array_lays_out_as_json_dumps(rows: list, depth: int, indent: int) -> None:
    """The trace log's entries (scalar members, then a list of ints) laid out in one call of
    the C encoder: the same text as json.dumps at that depth, strings with line breaks,
    braces and separators of their own included."""
    heads = [{k: v for k, v in head.items() if k != "depends_on"} or {"x": 1} for head, _ in rows]
    tails = [tail for _, tail in rows]
    laid = object_array(heads, "depends_on", tails, depth, indent)
    document: object = [head | {"depends_on": tail} for head, tail in zip(heads, tails)]
    for _ in range(depth):
        document = [document]
    expected = reference(document, indent)
    assert dumps(_nest(laid, depth), indent) == expected


def _nest(laid: Laid, depth: int) -> object:
    for _ in range(depth):
        laid = [laid]  # type: ignore[assignment]
    return laid


def test_object_array_survives_separator_lookalikes() -> None:
    """A value ending in a brace, and one holding '},' and a line break, cannot be taken
    for the boundary between two objects."""
    heads = [{"a": "}", "b": "},\n   {"}, {"a": "{", "b": None}]
    laid = object_array(heads, "depends_on", [[0, 1], []], 1)
    assert dumps({"entries": laid}) == reference({"entries": [h | {"depends_on": t} for h, t in
                                                              zip(heads, [[0, 1], []])]})
