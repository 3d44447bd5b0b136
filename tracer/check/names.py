"""Matching the names students write to the quantities of the log: lenient, never ambiguous.

A student copies a name from the walkthrough, from the problem's LaTeX, or from their
own notes: ``out_h1``, ``out_{h1}``, ``\\mathrm{output1\\_h}``, ``w5+`` / ``w5_new`` /
``new w5``, ``dE/dw5`` / ``\\frac{\\partial E_{total}}{\\partial w_5}`` / ``grad_w5``.
Matching tries three tiers (the exact name; spaces, braces, backslashes and underscores
dropped, with ``new``/gradient spellings folded; then case folded too) and stops at the
first tier that knows the name: one quantity is a match, several are reported as
ambiguous, never guessed. ``@2`` names the second recorded step and ``#3`` the third
example of a mini-batch.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from ..engine.graph import GraphLog
from ..engine.log import TraceLog
from ..formula.names import GREEK_TEXT, name_text
from ..model.notation import Notation
from .nodes import Graph, Node

#: Spellings of the total loss in a derivative's numerator (dE/dw5, dL/dw5, dE_total/dw5).
TOTAL_WORDS = ("E", "Etotal", "L", "totalloss", "Loss", "C", "J")
#: Spellings of the learning rate.
RATE_WORDS = ("eta", "learningrate", "lr", "rate")

_UNICODE = str.maketrans({"∂": "d", "\u2212": "-", "′": "'", "⁺": "+", "\u0302": "",
                          **{chr(0x2080 + k): str(k) for k in range(10)},
                          **{letter: word for word, letter in GREEK_TEXT.items() if word != "partial"}})
_WRAPPERS = re.compile(r"\\(?:mathrm|textrm|text|operatorname|mathit|mathbf|boldsymbol|hat)\s*")
_WORDS = re.compile(r"\\(partial|delta|eta|sigma|alpha)(?![A-Za-z])\s*")
_DROP = re.compile(r"[\s${}\\]")
_SUFFIX = re.compile(r"(?:([@#])\s*(\d+))\s*$")
_NEW_BEFORE = re.compile(r"new[_^]?(.+)")
_NEW_AFTER = re.compile(r"(.+?)(?:[_^]?new|\^?\+)")
_RATIO = re.compile(r"d(.+)/d(.+)")
_GRAD = re.compile(r"grad[_^]?(.+)")
#: The change of a parameter in one step, Δw5 = new − old (``delta_w``, ``delta_b``): an
#: upper-case Delta, never δ (an error term).
_CHANGE = re.compile(r"(?:Delta|change)[_^]?(.+)")
#: Kinds written as vectors (one index) and as matrices (two) in the matrix style.
_VECTORS = ("input", "net", "out", "target", "dout", "dnet", "bias", "db", "new_b", "loss")
_MATRICES = ("weight", "dw", "new_w")


def ascii_math(text: str) -> str:
    """Math symbols spelt out (∂ -> d, η -> eta): printable by any LaTeX, still readable."""
    return text.translate(_UNICODE)


def _unfrac(s: str) -> str:
    """``\\frac{A}{B}`` -> ``A/B`` (names only use fractions for derivatives)."""
    while (start := s.find("\\frac")) >= 0:
        pos, groups = start + 5, []
        for _ in range(2):
            while pos < len(s) and s[pos] == " ":
                pos += 1
            if pos >= len(s) or s[pos] != "{":
                return s[:start] + s[start + 5:]
            depth, end = 0, pos
            for end in range(pos, len(s)):
                depth += {"{": 1, "}": -1}.get(s[end], 0)
                if depth == 0:
                    break
            groups.append(s[pos + 1:end])
            pos = end + 1
        s = s[:start] + groups[0] + "/" + groups[1] + s[pos:]
    return s


_HAT = re.compile(r"\\hat\s*(?:\{\s*([A-Za-z]+)\s*\}|([A-Za-z]))|([A-Za-z])\u0302")


def plain(name: str) -> str:
    """A name with its LaTeX and Unicode dressing taken off, spaces and braces dropped; a hat
    is spelt out (``\\hat{v}`` and ``v̂`` are ``vhat``: Adam's v̂ is not its v)."""
    s = _HAT.sub(lambda m: (m[1] or m[2] or m[3]) + "hat", name).translate(_UNICODE)
    s = s.replace("\\_", "_").replace("\\left", "").replace("\\right", "")
    s = _WORDS.sub(lambda m: "d" if m[1] == "partial" else m[1], _WRAPPERS.sub("", s))
    return _DROP.sub("", _unfrac(s))


def squash(text: str) -> str:
    return text.replace("_", "").replace("^", "")


def key(name: str, totals: frozenset[str]) -> str:
    """The lenient key: ``new:`` and ``grad:`` spellings folded, underscores dropped."""
    t = plain(name)
    if m := _NEW_BEFORE.fullmatch(t) or _NEW_AFTER.fullmatch(t):
        return "new:" + squash(m[1])
    if (m := _RATIO.fullmatch(t)) and squash(m[1]) in totals:
        return "grad:" + squash(m[2])
    if m := _GRAD.fullmatch(t):
        return "grad:" + squash(m[1])
    if m := _CHANGE.fullmatch(t):
        return "change:" + squash(m[1])
    return squash(t)


def split_suffixes(name: str) -> tuple[str, int | None, int | None]:
    """``out_h1#2@3`` -> (``out_h1``, step 3, example 2); either order, each optional."""
    body, step, example = name.strip(), None, None
    while m := _SUFFIX.search(body):
        if m[1] == "@" and step is None:
            step = int(m[2])
        elif m[1] == "#" and example is None:
            example = int(m[2])
        else:
            break
        body = body[:m.start()].rstrip()
    return body, step, example


@dataclass(frozen=True)
class Match:
    """A resolved name: the node, or why not (``unknown``/``ambiguous``) with the closest names."""

    node: int | None
    reason: str = ""
    candidates: tuple[str, ...] = ()
    detail: str = ""


class NameIndex:
    """Every spelling of every node, per tier; built once per problem, shared by all files."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        log = graph.log
        if isinstance(log, GraphLog):   # an expression: df/dx is the gradient at x of its output f
            self.totals = frozenset({squash(plain(log.output.name)), squash(plain(name_text(log.output.latex)))})
        else:
            total = log.notation.quantity("loss", len(log.problem.layers) - 1)
            self.totals = frozenset(TOTAL_WORDS) | {squash(plain(total.plain)), squash(plain(name_text(total.latex)))}
        self.tiers: tuple[dict[str, list[int]], ...] = ({}, {}, {})
        self._closest: dict[int, dict[str, str]] = {}
        self._resolved: dict[str, Match] = {}      # a class writes the same names 500 times
        for node in graph:
            self._add(node, self._aliases(node))
            self._add_exact(node)
        if isinstance(log, GraphLog):
            self._prefer_gradients()
        else:
            self._add_brackets()

    # --- building -----------------------------------------------------------
    def _aliases(self, node: Node) -> list[str]:
        """The node's names and the spellings beyond them (the parameter of a gradient or update,
        etc.), all in text: a LaTeX name is read as text by ``name_text``, not parsed here."""
        names, e = [node.name, name_text(node.latex)], node.entry
        if node.kind == "rate":
            names += RATE_WORDS
        log, layer = self.graph.log, None if e is None else e.layer
        if e is None or layer is None or isinstance(log, GraphLog):  # data; an expression's names as printed
            return names
        notation = log.notation
        if e.kind in ("new_w", "new_b"):
            old = e.operand("old")
            names += [f"new {old.name}", f"new {name_text(old.latex)}"]
        elif e.kind == "loss" and e.neuron is None:
            names += TOTAL_WORDS
        elif e.kind in ("dw", "db", "dout", "dnet"):
            of = {"dw": "weight", "db": "bias", "dout": "out", "dnet": "net"}[e.kind]
            names += [f"grad {n}" for n in _both(notation.quantity(of, layer, e.neuron, e.source))]
        elif e.kind == "dact":
            out = notation.quantity("out", layer, e.neuron).plain
            net = notation.quantity("net", layer, e.neuron).plain
            names += [f"deriv({out})", f"d{out}/d{net}"]
        return names

    def _add(self, node: Node, names: list[str], free_only: bool = False) -> None:
        """Each name's lenient and loose keys; with ``free_only`` a key another node has
        already is left to it (a second spelling never makes a name ambiguous)."""
        _, lenient, loose = self.tiers
        for name in names:
            k = key(name, self.totals)
            for tier, text in ((lenient, k), (loose, k.lower())):
                ids = tier.setdefault(text, [])
                if node.id not in ids and not (free_only and ids):
                    ids.append(node.id)

    def _add_brackets(self) -> None:
        """The bracket names the matrix style and the ``matrix`` preset print, whatever the
        problem's notation: ``dW1[1,2]`` (the gradient of the weight from neuron 2 of layer 0
        to neuron 1 of layer 1), ``W^{[1]}_{12}``, ``W^{[1]}[1,2]``, ``Z2[1]``, ``dZ^{[2]}[1]``,
        ``b1[2]``; one step's quantities. Neurons count from ``conventions.index_base``
        (``dW1[0,1]`` under index_base 0: the same weight), layers as the notation prints them."""
        log = self.graph.log
        assert isinstance(log, TraceLog)
        if log.problem.training.rule is not None or getattr(log.notation, "data_kinds", None) is not None:
            return      # a single-layer rule's or a convolutional network's own names
        problem = log.problem
        layers = problem.layers
        own = log.notation
        preset = Notation.from_spec(layers, problem.bias, "matrix", int(problem.conventions.index_base))
        where = _positions(log, self.graph)
        for node in self.graph:
            at = where.get(node.id)
            if at is None:
                continue
            kind, layer, j, i = at
            base = _OF.get(kind, kind)       # new_w and the gradients are named after their parameter
            try:
                names = _brackets(preset, own, kind, layer, j, i)
                if kind in ("new_w", "new_b"):
                    names += [n + "+" for n in _brackets(preset, own, base, layer, j, i)]
                elif kind != base:
                    names += [f"grad {n}" for n in _brackets(preset, own, base, layer, j, i)]
            except ValueError:               # a kind the notation has no matrix pattern for
                continue
            self._add(node, names, free_only=True)

    def _add_exact(self, node: Node) -> None:
        """The names exactly as printed: the plain name and the LaTeX a student may copy."""
        for name in dict.fromkeys((node.name, node.latex)):
            ids = self.tiers[0].setdefault(name, [])
            if node.id not in ids:
                ids.append(node.id)
        self._closest.setdefault(node.step, {}).setdefault(key(node.name, self.totals).lower(),
                                                           self.graph.display(node))

    def _prefer_gradients(self) -> None:
        """In an expression, ∂f/∂q names both the gradient at q and, when q feeds the output gate
        f, that gate's local gradient (the walkthrough's ``local df/dq``): the gradient wins."""
        nodes = self.graph.nodes
        for tier in self.tiers:
            for text, ids in tier.items():
                if len(ids) > 1 and any(nodes[i].kind == "grad" for i in ids):
                    tier[text] = [i for i in ids if nodes[i].kind != "local_grad"]

    # --- resolving ----------------------------------------------------------
    def resolve(self, name: str) -> Match:
        """The one node a written name means, or the reason there is none."""
        match = self._resolved.get(name)
        if match is None:
            match = self._resolved[name] = self._resolve(name)
        return match

    def _resolve(self, name: str) -> Match:
        body, step, example = split_suffixes(name)
        if step is not None and step not in self.graph.steps:
            recorded = ", ".join(f"@{s}" for s in self.graph.steps)
            return Match(None, "unknown", (), f"step {step} is not worked in full (recorded: {recorded})")
        step = self.graph.first_step if step is None else step
        k = key(body, self.totals)
        for tier, text in zip(self.tiers, (body, k, k.lower())):
            ids = tier.get(text)
            if ids:
                return self._pick(ids, step, example, body)
        if k.startswith("change:") and not any(n.kind in ("delta_w", "delta_b") for n in self.graph):
            return Match(None, "unknown", self.closest(body, step),
                         "a change (new - old) this problem does not record (conventions: {show_change: true} "
                         "records it)")
        return Match(None, "unknown", self.closest(body, step))

    def _pick(self, ids: list[int], step: int, example: int | None, body: str) -> Match:
        nodes = self.graph.nodes
        here = [i for i in ids if nodes[i].step == step]
        if example is not None:
            here = [i for i in here if nodes[i].example == example] or \
                   [i for i in here if nodes[i].example is None]
        else:
            here = [i for i in here if nodes[i].example is None] or here
        if len(here) == 1:
            return Match(here[0])
        if here:
            return Match(None, "ambiguous", tuple(self.graph.display(nodes[i]) for i in here))
        elsewhere = tuple(dict.fromkeys(self.graph.display(nodes[i]) for i in ids))
        return Match(None, "unknown", elsewhere or self.closest(body, step),
                     f"not in step {step}" if elsewhere else "")

    def closest(self, body: str, step: int) -> tuple[str, ...]:
        """Up to three names of the step that look most like what was written."""
        table = self._closest.get(step, {})
        found = difflib.get_close_matches(key(body, self.totals).lower(), list(table), n=3, cutoff=0.5)
        return tuple(table[f] for f in found)


def _both(names) -> list[str]:
    return [names.plain, name_text(names.latex)]


#: The parameter a derived kind is named after (dW1[1,2] is the gradient at W1[1,2]).
_OF = {"new_w": "weight", "new_b": "bias", "dw": "weight", "db": "bias", "dnet": "net", "dout": "out"}


def _brackets(preset: Notation, own: Notation, kind: str, layer: int, j: int | None, i: int | None) -> list[str]:
    """A quantity's bracket names: the matrix preset's (W1[1,2], W^{[1]}_{12}) and each
    notation's matrix symbol indexed (W^{[1]}[1,2], W^{[1]}_{1,2})."""
    names = _both(preset.quantity(kind, layer, j, i if kind in _MATRICES else None))
    shift = 1 - preset.base          # index_base 0: W1[0,1] is the weight W1[1,2] of index_base 1

    def num(k: int | None) -> str:
        return "" if k is None else str(k - shift)
    index = f"{num(j)},{num(i)}" if kind in _MATRICES else num(j)
    if index and kind != "loss":
        for notation in (own, preset):
            matrix = notation.matrix(kind, layer)
            for m in dict.fromkeys((matrix.plain, matrix.latex)):
                names += [f"{m}[{index}]", f"{m}_{{{index}}}", f"{m}_{{{index.replace(',', '')}}}"]
    return names


def _positions(log: TraceLog, graph: Graph) -> dict[int, tuple[str, int, int | None, int | None]]:
    """Where each node sits in the network: (kind, layer, neuron, source); the given data
    (inputs, targets, weights, biases) found by their names in the log's notation."""
    out: dict[int, tuple[str, int, int | None, int | None]] = {}
    notation, layers = log.notation, log.problem.layers
    L = len(layers) - 1
    data: dict[str, tuple[str, int, int | None, int | None]] = {}
    for i in range(1, layers[0] + 1):
        data[notation.quantity("input", 0, i).plain] = ("input", 0, i, None)
    for j in range(1, layers[L] + 1):
        data[notation.quantity("target", L, j).plain] = ("target", L, j, None)
    for l in range(1, L + 1):
        for j in range(1, layers[l] + 1):
            for i in range(1, layers[l - 1] + 1):
                data[notation.quantity("weight", l, j, i).plain] = ("weight", l, j, i)
            if log.problem.bias == "per_neuron":
                data[notation.quantity("bias", l, j).plain] = ("bias", l, j, None)
    for node in graph:
        e = node.entry
        if e is None:
            if node.name in data:
                out[node.id] = data[node.name]
        elif e.layer is not None and e.kind in (*_VECTORS, *_MATRICES, "new_w") and \
                not (e.kind == "loss" and e.neuron is None):
            source = e.source if e.kind in _MATRICES else None
            out[node.id] = (e.kind, e.layer, e.neuron, source)
    return out
