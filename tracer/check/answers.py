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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from ..errors import ProblemError
from ..model import yamlload
from .compare import MAX_EXPONENT, MAX_FIGURES, parse_number

#: ``gradient``: derivatives are dE/dx as the log prints them; ``negative_gradient``: error
#: terms and deltas are -dE/dx and updates read new = old + rate * out * delta (seed 000).
CONVENTIONS = ("gradient", "negative_gradient")
META = ("title", "convention", "notes", "remarks", "answers", "student", "variant")
EXPECTED = "a mapping of quantity names to numbers (name: value), or lines 'name = value'"
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
    #: One line per entry that could not be read (the others are graded): "line 3: ...".
    problems: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return Path(self.source).name


def load_answers(path: str | Path) -> AnswerSet:
    """Read and parse an answers file; the format follows its extension, else its content."""
    path = Path(path)
    try:
        with path.open("rb") as handle:      # at most one byte beyond the cap is read
            data = handle.read(yamlload.MAX_BYTES + 1)
        text = data.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        if isinstance(exc, UnicodeDecodeError):
            reason = f"byte 0x{data[exc.start]:02x} on line {data[:exc.start].count(b'{chr(10)}') + 1} is not UTF-8"
        raise AnswersError(f"{path}: cannot read the answers file ({reason})") from None
    if len(data) > yamlload.MAX_BYTES:
        raise AnswersError(f"{path}: found a file of more than {yamlload.MAX_BYTES:,} bytes; expected an "
                           "answers file of at most 1 MiB")
    return parse_answers(text, str(path), _format_of(path, text))


def parse_answers(text: str, source: str = "<answers>", fmt: str | None = None) -> AnswerSet:
    """Parse answers given as text: ``fmt`` is yaml, json or text (None: guess from the content)."""
    fmt = fmt or _format_of(Path(source), text)
    reader = {"json": _from_json, "text": _from_text}.get(fmt, _from_yaml)
    try:
        answers = reader(text, source)
    except RecursionError:
        raise _fail(source, "", f"found nesting deeper than Python can read; expected {EXPECTED}") from None
    if not answers.answers:
        if answers.problems:                 # nothing to grade: the first bad entry is the file's problem
            raise AnswersError(f"{source}: {answers.problems[0]}")
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
    return AnswersError(": ".join(part for part in (source, where, message) if part))


class _Bad(str):
    """An entry that could not be read: the message, without the file name."""


def _number(source: str, where: str, name: str, text: Any) -> Answer:
    if isinstance(text, _Bad):
        raise _fail("", where, str(text))
    value = parse_number(text) if isinstance(text, str) else None
    named = "" if where.startswith("field") else f"{name}: "
    if value is None:
        found = repr(text[:40]) if isinstance(text, str) else _json_excerpt(text)
        raise _fail("", where, f"{named}found {found}; expected a number")
    digits = value.as_tuple().digits
    if len(digits) > MAX_FIGURES or abs(value.adjusted()) > MAX_EXPONENT:
        raise _fail("", where, f"{named}found {text.strip()[:40]!r}; expected a number of at most "
                    f"{MAX_FIGURES} digits between 1e-{MAX_EXPONENT} and 1e{MAX_EXPONENT}")
    return Answer(name, text.strip().replace("\u2212", "-").replace(",", "."), value, where)


def _json_excerpt(value: Any) -> str:
    if isinstance(value, _Object):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _collect(source: str, items: Iterable[tuple[str, Any, str]], meta: Mapping[str, Any],
             where_meta: Mapping[str, str]) -> AnswerSet:
    """Answers from (name, raw value, where) triples, refusing a name given twice."""
    seen: dict[str, str] = {}
    answers = []
    problems = list(meta.get("problems", ()))
    for name, raw, where in items:
        name = name.strip()
        if name in seen:
            raise _fail(source, where, f"{name}: given twice (first at {seen[name]}); expected each "
                        "quantity once")
        try:
            if not name:
                raise _fail("", where, "found an empty name; expected a quantity name")
            seen[name] = where
            answers.append(_number(source, where, name, raw))
        except AnswersError as exc:      # one bad entry: reported, the others still graded
            problems.append(str(exc))
    convention = meta.get("convention")
    if convention is not None and convention not in CONVENTIONS:
        raise _fail(source, where_meta.get("convention", ""),
                    f"convention: found {convention!r}; expected one of: {', '.join(CONVENTIONS)}")
    return AnswerSet(source, tuple(answers), str(meta.get("title", "")), convention,
                     tuple(meta.get("notes", ())), dict(meta.get("remarks", {})),
                     str(meta.get("student", "")).strip(), str(meta.get("variant", "")).strip(),
                     tuple(problems))


# --- YAML ---------------------------------------------------------------------
def _from_yaml(text: str, source: str) -> AnswerSet:
    try:
        root = yamlload.compose(text, duplicates=False)   # _collect names a quantity given twice
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        reason = " ".join(str(getattr(exc, "problem", None) or exc).split())
        raise _fail(source, where, f"not valid YAML ({reason}); expected {EXPECTED}") from None
    except yamlload.YamlLimitError as exc:
        raise _fail(source, f"line {exc.line}" if exc.line else "", exc.message) from None
    if not isinstance(root, yaml.MappingNode):
        raise _fail(source, "", f"found {'nothing' if root is None else 'a ' + _kind(root)}; expected {EXPECTED}")
    meta: dict[str, Any] = {"problems": []}
    where_meta: dict[str, str] = {}
    items: list[tuple[str, Any, str]] = []
    for name, node in _yaml_pairs(root, meta["problems"]):
        where = _line(node)
        if name == "answers" and isinstance(node, yaml.MappingNode):
            items += [(k, _yaml_scalar(v, k), _line(v)) for k, v in _yaml_pairs(node, meta["problems"])]
        elif name in META and name != "answers":
            try:
                meta[name], where_meta[name] = _yaml_meta(name, node), where
            except AnswersError as exc:
                meta["problems"].append(str(exc))
        else:
            items.append((name, _yaml_scalar(node, name), where))
    return _collect(source, items, meta, where_meta)


def _kind(node: yaml.Node) -> str:
    """'scalar', 'sequence' or 'mapping' (each node class's ``id``)."""
    return str(getattr(node, "id", "value"))


def _line(node: yaml.Node) -> str:
    return f"line {node.start_mark.line + 1}"


def _yaml_pairs(node: yaml.MappingNode, problems: list[str]) -> list[tuple[str, yaml.Node]]:
    pairs = []
    for k, v in node.value:
        if not isinstance(k, yaml.ScalarNode):
            problems.append(str(_fail("", _line(k), f"found a {_kind(k)} as a name; expected a quantity name")))
            continue
        pairs.append((k.value, v))
    return pairs


def _yaml_scalar(node: yaml.Node, name: str) -> str:
    if not isinstance(node, yaml.ScalarNode):
        return _Bad(f"{name}: found a {_kind(node)}; expected a number")
    return node.value


def _yaml_meta(name: str, node: yaml.Node) -> Any:
    if name == "notes":
        if isinstance(node, yaml.ScalarNode):
            return (node.value,)
        if isinstance(node, yaml.SequenceNode) and all(isinstance(n, yaml.ScalarNode) for n in node.value):
            return tuple(n.value for n in node.value)
        raise _fail("", _line(node), "notes: expected a text or a list of texts")
    if name == "remarks":
        if isinstance(node, yaml.MappingNode) and all(isinstance(k, yaml.ScalarNode) and isinstance(v, yaml.ScalarNode)
                                                      for k, v in node.value):
            return {k.value: v.value for k, v in node.value}
        raise _fail("", _line(node), "remarks: expected a mapping of names to texts")
    if not isinstance(node, yaml.ScalarNode):
        raise _fail("", _line(node), f"{name}: found a {_kind(node)}; expected a text")
    return node.value


# --- JSON ---------------------------------------------------------------------
class _Object(list):
    """A JSON object as its (key, value) pairs, in order (a JSON array stays a plain list)."""


def _from_json(text: str, source: str) -> AnswerSet:
    try:
        root = json.loads(text, object_pairs_hook=_Object, parse_float=str, parse_int=str)
    except json.JSONDecodeError as exc:
        raise _fail(source, f"line {exc.lineno}", f"not valid JSON ({exc.msg}); expected {EXPECTED}") from None
    if not isinstance(root, _Object):
        kind = "list" if isinstance(root, list) else type(root).__name__
        raise _fail(source, "", f"found a JSON {kind}; expected {EXPECTED}")
    meta: dict[str, Any] = {"problems": []}
    where_meta: dict[str, str] = {}
    items: list[tuple[str, Any, str]] = []
    for name, value in root:
        where = f"field {name[:40]!r}"
        if name == "answers" and isinstance(value, _Object):
            items += [(k, v, f"field {('answers.' + k)[:40]!r}") for k, v in value]
        elif name in META and name != "answers":
            try:
                meta[name], where_meta[name] = _json_meta(name, value, where), where
            except AnswersError as exc:
                meta["problems"].append(str(exc))
        else:
            items.append((name, value, where))
    return _collect(source, items, meta, where_meta)


def _json_meta(name: str, value: Any, where: str) -> Any:
    if name == "notes":
        notes = [value] if isinstance(value, str) else value
        if isinstance(notes, list) and not isinstance(notes, _Object) and all(isinstance(n, str) for n in notes):
            return tuple(notes)
        raise _fail("", where, "expected a text or a list of texts")
    if name == "remarks":
        if isinstance(value, _Object) and all(isinstance(v, str) for _, v in value):
            return dict(value)
        raise _fail("", where, "expected a mapping of names to texts")
    if not isinstance(value, str):
        raise _fail("", where, f"found {_json_excerpt(value)}; expected a text")
    return value


# --- text ---------------------------------------------------------------------
def _from_text(text: str, source: str) -> AnswerSet:
    meta: dict[str, Any] = {}
    where_meta: dict[str, str] = {}
    items: list[tuple[str, Any, str]] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = _COMMENT.sub("", raw).strip()
        if not line:
            continue
        where = f"line {number}"
        name, eq, value = line.partition("=")
        if not eq:
            meta.setdefault("problems", []).append(str(_fail("", where, f"found {line[:40]!r}; "
                                                              "expected name = value")))
            continue
        name, value = name.strip(), value.strip()
        if name in ("title", "convention", "student", "variant"):
            meta[name], where_meta[name] = value, where
        elif name == "note":
            meta.setdefault("notes", []).append(value)
        else:
            items.append((name, value, where))
    return _collect(source, items, meta, where_meta)
