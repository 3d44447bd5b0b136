"""YAML read safely: bounded size, bounded aliases, no duplicate keys, YAML 1.2 scalars.

Problem files, answer files and the shipped notation presets all go through here.

- A file larger than MAX_BYTES (1 MiB: a 784-30-10 network's weights written out take
  about 200 KB) is refused before it is parsed.
- Aliases (``*a``) may add at most MAX_ALIAS_NODES (10,000) nodes beyond those written
  out; the count is made on the composed node graph, before any value is built, so an
  826-byte "billion laughs" file is refused in milliseconds. An alias inside its own
  anchor (a cycle) is refused too.
- A key given twice in one mapping is an error naming both lines (PyYAML keeps the last).
- Plain scalars follow YAML 1.2's core schema: ``yes``/``no``/``on``/``off`` stay text,
  ``1:30`` is text (not 90), ``010`` is 10, ``0o10`` is 8, ``1e-3`` is a float.
- Nesting deeper than MAX_DEPTH (100) levels is refused: no RecursionError.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, ClassVar

import yaml

MAX_BYTES = 1 << 20
MAX_ALIAS_NODES = 10_000
MAX_DEPTH = 100
#: Python refuses to convert integers of more than 4,300 digits: longer ones are refused with
#: their line (shorter ones reach the field's own check, which names the field).
MAX_INT_DIGITS = 4000

_BASE: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlLimitError(ValueError):
    """The document breaks a limit or a rule; ``line`` is 1-based (0: the whole file)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class Loader(_BASE):
    """libyaml's parser when PyYAML has it, YAML 1.2 core schema resolvers."""

    yaml_implicit_resolvers: ClassVar[dict] = {}


def _resolver(tag: str, pattern: str, first: str) -> None:
    Loader.add_implicit_resolver(f"tag:yaml.org,2002:{tag}", re.compile(pattern, re.VERBOSE), list(first))


_resolver("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF")
_resolver("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789")
_resolver("float", r"""^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?
                        |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$""", "-+0123456789.")
_resolver("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""])  # type: ignore[arg-type]


def _construct_int(loader: Any, node: yaml.ScalarNode) -> int:
    text = node.value
    if len(text.lstrip("+-")) > MAX_INT_DIGITS:
        raise YamlLimitError(node.start_mark.line + 1, f"found a whole number of {len(text.lstrip('+-'))} digits; "
                             f"expected at most {MAX_INT_DIGITS:,} digits")
    if text.startswith(("0o", "0x")):
        return int(text, 0)              # 0o17 is 15, 0x1f is 31
    return int(text, 10)


def _construct_float(loader: Any, node: yaml.ScalarNode) -> float:
    text = node.value.lower()
    if text.endswith("inf"):
        return float("-inf") if text.startswith("-") else float("inf")
    if text.endswith("nan"):
        return float("nan")
    return float(text)


def _construct_bool(loader: Any, node: yaml.ScalarNode) -> bool:
    return node.value.lower() == "true"


Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
Loader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)


def check_size(data: bytes | str, what: str = "file") -> None:
    size = len(data.encode("utf-8") if isinstance(data, str) else data)
    if size > MAX_BYTES:
        raise YamlLimitError(0, f"found a {what} of {size:,} bytes; expected at most {MAX_BYTES:,} bytes (1 MiB)")


def compose(text: str, duplicates: bool = True) -> yaml.Node | None:
    """The checked node graph of one YAML document (None for an empty one); ``duplicates=False``
    leaves repeated keys to the caller (answer files name the quantity given twice)."""
    check_size(text)
    loader = Loader(text)
    try:
        node = loader.get_single_node()
    except RecursionError:
        raise YamlLimitError(0, f"found nesting deeper than Python can read; expected at most {MAX_DEPTH} "
                             "levels of lists and mappings") from None
    finally:
        loader.dispose()
    if node is not None:
        check_node(node, duplicates)
    return node


def load(text: str) -> Any:
    """The checked document as Python values (YAML 1.2 scalars)."""
    node = compose(text)
    if node is None:
        return None
    loader = Loader("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


def check_node(root: yaml.Node, duplicates: bool = True) -> None:
    """Duplicate keys, alias cycles, alias expansion and depth, without recursion."""
    sizes: dict[int, int] = {}          # id(node) -> expanded node count
    distinct: set[int] = set()
    on_path: set[int] = set()
    # (node, depth, children visited?) in an explicit stack: a deep file cannot overflow Python's.
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in _children(node))
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise YamlLimitError(node.start_mark.line + 1, "found an alias inside the anchor it refers to "
                                 "(a value that contains itself); expected a finite value")
        if depth > MAX_DEPTH:
            raise YamlLimitError(node.start_mark.line + 1, f"found nesting deeper than {MAX_DEPTH} levels; "
                                 f"expected at most {MAX_DEPTH} levels of lists and mappings")
        distinct.add(key)
        if duplicates and isinstance(node, yaml.MappingNode):
            _no_duplicates(node)
        on_path.add(key)
        stack.append((node, depth, True))
        for child in _children(node):
            if id(child) in on_path:
                raise YamlLimitError(child.start_mark.line + 1, "found an alias inside the anchor it refers to "
                                     "(a value that contains itself); expected a finite value")
            stack.append((child, depth + 1, False))
    # Each node's expanded size is computed once (memoised), so a bomb costs its written size.
    if sizes[id(root)] - len(distinct) > MAX_ALIAS_NODES:
        raise YamlLimitError(0, f"found aliases that expand to more than {MAX_ALIAS_NODES:,} values beyond those "
                             f"written out; expected aliases adding at most {MAX_ALIAS_NODES:,} values")


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _no_duplicates(node: yaml.MappingNode) -> None:
    seen: dict[Any, int] = {}
    for k, _ in node.value:
        if not isinstance(k, yaml.ScalarNode):
            continue
        line = k.start_mark.line + 1
        name = (k.tag, k.value)
        if name in seen:
            raise YamlLimitError(line, f"found the key {_excerpt(k.value)} again (first on line {seen[name]}); "
                                 "expected each key once in a mapping")
        seen[name] = line


def _excerpt(text: str, limit: int = 40) -> str:
    shown = text if len(text) <= limit else text[:limit - 3] + "..."
    return repr(shown)


def limited(read: Callable[[], Any]) -> Any:
    """Run a JSON or YAML reader, turning Python's own limits into YamlLimitError."""
    try:
        return read()
    except RecursionError:
        raise YamlLimitError(0, f"found nesting deeper than Python can read; expected at most {MAX_DEPTH} "
                             "levels of lists and mappings") from None
