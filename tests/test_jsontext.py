"""tracer.engine.jsontext must write exactly the bytes of json.dumps(obj, indent=n, ensure_ascii=False)."""
from __future__ import annotations

import enum
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracer.engine.jsontext import dumps


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
