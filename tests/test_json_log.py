"""``TraceLog.to_json`` writes each entry with its own f-string (engine/log.py ``_entries_text``)
for speed; its text must be exactly ``json.dumps`` of ``to_dict`` (indent 1, UTF-8 unescaped)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracer import Problem, trace

GALLERY = Path(__file__).resolve().parent.parent / "worked_examples"
EXAMPLES = sorted(p.parent.name for p in GALLERY.glob("*/problem.yaml"))


def reference(log) -> str:
    return json.dumps(log.to_dict(), indent=1, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("name", EXAMPLES)
def test_gallery_log_is_json_dumps_of_its_dict(name: str) -> None:
    log = trace(Problem.from_file(GALLERY / name / "problem.yaml"))
    text = log.to_json()
    assert text == reference(log)
    assert json.loads(text)["entries"][0]["kind"] == log.entries[0].kind


def test_overflow_and_mini_batch_fields() -> None:
    """Values that are not finite are written as strings ("inf", "nan"); a mini-batch's
    averages have example null, a shared bias neuron null; names with quotes and
    backslashes are escaped."""
    raw = {"network": {"layers": [2, 2, 1], "activation": "sigmoid", "bias": "per_layer",
                       "weights": [[[1, 1], [1, -1]], [[1, 1]]], "biases": [0, 0]},
           "notation": {"weight": ['w"$wr', 'w_{$wr}']},
           "loss": "half_squared_error", "training": {"learning_rate": 0.5, "batch_size": 2},
           "data": [{"input": [1, 0], "target": [1]}, {"input": [0, 1], "target": [0]}]}
    log = trace(Problem.from_dict(raw, "<test>"))
    log.entries[0].value = float("inf")
    log.entries[1].value = float("-inf")
    log.entries[2].value = float("nan")
    text = log.to_json()
    assert text == reference(log)
    entries = json.loads(text)["entries"]
    assert [e["value"] for e in entries[:3]] == ["inf", "-inf", "nan"]
    assert any(e["example"] is None for e in entries) and any(e["neuron"] is None for e in entries)
    assert any('w"' in e["name"] for e in entries)
