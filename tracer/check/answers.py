"""Reading a student's answers: YAML or JSON (a mapping name -> number) or ``name = value`` text.

Numbers are kept as the decimals they were written as (0.50 is not 0.5: the written
precision is what "correct at the precision the student wrote" compares at), so YAML is
read as a node tree, JSON with its numbers as text. Besides names, a file may set
``convention`` (the sign of its derivatives), ``title``, ``notes`` (shown on the report)
and ``remarks`` (a note per answer); YAML/JSON may also nest the names under ``answers``.
Any problem is one line naming the file, the line or field, and what was expected.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from ..errors import ProblemError
from .compare import parse_number

#: ``gradient``: derivatives are dE/dx as the log prints them; ``negative_gradient``: error
#: terms and deltas are -dE/dx and updates read new = old + rate * out * delta (seed 000).
CONVENTIONS = ("gradient", "negative_gradient")
META = ("title", "convention", "notes", "remarks", "answers", "student", "variant")
EXPECTED = "a mapping of quantity names to numbers (name: value), or lines 'name = value'"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_COMMENT = re.compile(r"(?:^|\s)#.*$")


class AnswersError(ProblemError):
    """A bad answers file: exit status 2, one line, no report written."""


@dataclass(frozen=True)
class Answer:
    """One number a student wrote, and where, for messages that point at it."""

    name: str
    text: str
    value: Decimal
    where: str


@dataclass(frozen=True)
class AnswerSet:
    """One student's answers plus what the file says about them."""

    source: str
    answers: tuple[Answer, ...]
    title: str = ""
    convention: str | None = None
    notes: tuple[str, ...] = ()
    remarks: Mapping[str, str] = field(default_factory=dict)
    student: str = ""        # the student's id for a gradebook (default: the file name's stem)
    variant: str = ""        # the code of the variant answered (tracer export / tracer variants)

    @property
    def name(self) -> str:
        return Path(self.source).name


def load_answers(path: str | Path) -> AnswerSet:
    """Read and parse an answers file; the format follows its extension, else its content."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise AnswersError(f"{path}: cannot read the answers file ({reason})") from None
    return parse_answers(text, str(path), _format_of(path, text))


def parse_answers(text: str, source: str = "<answers>", fmt: str | None = None) -> AnswerSet:
    """Parse answers given as text: ``fmt`` is yaml, json or text (None: guess from the content)."""
    fmt = fmt or _format_of(Path(source), text)
    reader = {"json": _from_json, "text": _from_text}.get(fmt, _from_yaml)
    answers = reader(text, source)
    if not answers.answers:
        raise AnswersError(f"{source}: found no answers; expected {EXPECTED}")
    return answers


def _format_of(path: Path, text: str) -> str:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if text.lstrip().startswith("{"):
        return "json"
    lines = [_COMMENT.sub("", line).strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    if lines and all("=" in line for line in lines):
        return "text"
    return "text" if suffix in (".txt", ".text") else "yaml"


def _fail(source: str, where: str, message: str) -> AnswersError:
    return AnswersError(f"{source}: {where}: {message}" if where else f"{source}: {message}")


def _number(source: str, where: str, name: str, text: Any) -> Answer:
    value = parse_number(text) if isinstance(text, str) else None
    if value is None:
        found = repr(text[:40]) if isinstance(text, str) else json.dumps(text)[:40]
        named = "" if where.startswith("field") else f"{name}: "
        raise _fail(source, where, f"{named}found {found}; expected a number")
    return Answer(name, text.strip().replace("\u2212", "-"), value, where)


def _collect(source: str, items: Iterable[tuple[str, Any, str]], meta: Mapping[str, Any],
             where_meta: Mapping[str, str]) -> AnswerSet:
    """Answers from (name, raw value, where) triples, refusing a name given twice."""
    seen: dict[str, str] = {}
    answers = []
    for name, raw, where in items:
        name = name.strip()
        if not name:
            raise _fail(source, where, "found an empty name; expected a quantity name")
        if name in seen:
            raise _fail(source, where, f"{name}: given twice (first at {seen[name]}); expected each "
                        "quantity once")
        seen[name] = where
        answers.append(_number(source, where, name, raw))
    convention = meta.get("convention")
    if convention is not None and convention not in CONVENTIONS:
        raise _fail(source, where_meta.get("convention", ""),
                    f"convention: found {convention!r}; expected one of: {', '.join(CONVENTIONS)}")
    return AnswerSet(source, tuple(answers), str(meta.get("title", "")), convention,
                     tuple(meta.get("notes", ())), dict(meta.get("remarks", {})),
                     str(meta.get("student", "")).strip(), str(meta.get("variant", "")).strip())


# --- YAML ---------------------------------------------------------------------
def _from_yaml(text: str, source: str) -> AnswerSet:
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        raise _fail(source, where, f"not valid YAML ({getattr(exc, 'problem', None) or exc}); "
                    f"expected {EXPECTED}") from None
    if not isinstance(root, yaml.MappingNode):
        raise _fail(source, "", f"found {'nothing' if root is None else 'a ' + root.id}; expected {EXPECTED}")
    pairs = _yaml_pairs(root, source)
    meta, where_meta, items = {}, {}, []
    for name, node in pairs:
        where = _line(node)
        if name == "answers" and isinstance(node, yaml.MappingNode):
            items += [(k, _yaml_scalar(v, source, k), _line(v)) for k, v in _yaml_pairs(node, source)]
        elif name in META and name != "answers":
            meta[name], where_meta[name] = _yaml_meta(name, node, source), where
        else:
            items.append((name, _yaml_scalar(node, source, name), where))
    return _collect(source, items, meta, where_meta)


def _line(node: yaml.Node) -> str:
    return f"line {node.start_mark.line + 1}"


def _yaml_pairs(node: yaml.MappingNode, source: str) -> list[tuple[str, yaml.Node]]:
    pairs = []
    for k, v in node.value:
        if not isinstance(k, yaml.ScalarNode):
            raise _fail(source, _line(k), f"found a {k.id} as a name; expected a quantity name")
        pairs.append((k.value, v))
    return pairs


def _yaml_scalar(node: yaml.Node, source: str, name: str) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise _fail(source, _line(node), f"{name}: found a {node.id}; expected a number")
    return node.value


def _yaml_meta(name: str, node: yaml.Node, source: str) -> Any:
    if name == "notes":
        if isinstance(node, yaml.ScalarNode):
            return (node.value,)
        if isinstance(node, yaml.SequenceNode) and all(isinstance(n, yaml.ScalarNode) for n in node.value):
            return tuple(n.value for n in node.value)
        raise _fail(source, _line(node), "notes: expected a text or a list of texts")
    if name == "remarks":
        if isinstance(node, yaml.MappingNode):
            return {k: _yaml_scalar(v, source, k) for k, v in _yaml_pairs(node, source)}
        raise _fail(source, _line(node), "remarks: expected a mapping of names to texts")
    return _yaml_scalar(node, source, name)


# --- JSON ---------------------------------------------------------------------
def _from_json(text: str, source: str) -> AnswerSet:
    try:
        root = json.loads(text, object_pairs_hook=lambda pairs: pairs, parse_float=str, parse_int=str)
    except json.JSONDecodeError as exc:
        raise _fail(source, f"line {exc.lineno}", f"not valid JSON ({exc.msg}); expected {EXPECTED}") from None
    if not isinstance(root, list) or any(not isinstance(p, tuple) for p in root):
        raise _fail(source, "", f"found a JSON {type(root).__name__}; expected {EXPECTED}")
    meta, where_meta, items = {}, {}, []
    for name, value in root:
        where = f"field {name!r}"
        if name == "answers" and isinstance(value, list):
            items += [(k, v, f"field 'answers.{k}'") for k, v in value]
        elif name in META and name != "answers":
            meta[name], where_meta[name] = _json_meta(name, value, source, where), where
        else:
            items.append((name, value, where))
    return _collect(source, items, meta, where_meta)


def _json_meta(name: str, value: Any, source: str, where: str) -> Any:
    if name == "notes":
        notes = [value] if isinstance(value, str) else value
        if isinstance(notes, list) and all(isinstance(n, str) for n in notes):
            return tuple(notes)
        raise _fail(source, where, "expected a text or a list of texts")
    if name == "remarks":
        if isinstance(value, list) and all(isinstance(v, str) for _, v in value):
            return dict(value)
        raise _fail(source, where, "expected a mapping of names to texts")
    if not isinstance(value, str):
        raise _fail(source, where, f"found {value!r}; expected a text")
    return value


# --- text ---------------------------------------------------------------------
def _from_text(text: str, source: str) -> AnswerSet:
    meta, where_meta, items = {}, {}, []
    for number, raw in enumerate(text.splitlines(), 1):
        line = _COMMENT.sub("", raw).strip()
        if not line:
            continue
        where = f"line {number}"
        name, eq, value = line.partition("=")
        if not eq:
            raise _fail(source, where, f"found {line[:40]!r}; expected name = value")
        name, value = name.strip(), value.strip()
        if name in ("title", "convention", "student", "variant"):
            meta[name], where_meta[name] = value, where
        elif name == "note":
            meta.setdefault("notes", []).append(value)
        else:
            items.append((name, value, where))
    return _collect(source, items, meta, where_meta)
