"""Symbol names for every quantity in a worked back-propagation solution.

Teachers write the same arithmetic with very different symbols (``w5``,
``w_{31}``, ``W^{[2]}_{13}``, ``hidden_to_output_3``), and a worked solution
helps a student only if it uses the symbols of their course. So names are
data: ``notation_presets.yaml`` holds tables of name patterns, and a problem
file may override any pattern. This module only computes the index variables a
pattern may use, picks the pattern that fits a neuron's position, and composes
derived names (gradients, updates) from base names, so overriding ``net`` also
renames ``dact``. The YAML file documents the key grammar and the variables.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files
from typing import Any, NamedTuple

from . import yamlload

KINDS = ("input", "target", "net", "out", "loss", "error", "dout", "dact", "dnet",
         "weight", "dw", "new_w", "bias", "db", "new_b",
         "data_loss", "penalty", "dw_data", "db_data",
         "velocity", "cache", "m", "v", "m_hat", "v_hat", "err", "delta_w", "delta_b")
#: Optimizer state, indexed like its parameter: a weight's (with a source) or a bias's.
STATE_KINDS = ("velocity", "cache", "m", "v", "m_hat", "v_hat")
HELPERS = ("node", "tag", "layer", "total")
POSITIONS = ("input", "hidden", "deep", "output", "single", "shared", "matrix")
FLAVOURS = ("plain", "latex")
BIAS_MODES = ("per_neuron", "per_layer", "none")
INDEX_VARS = ("l", "j", "i", "g", "gi", "b", "wr", "ws", "wl", "sep", "gsep")
NAME_VARS = KINDS + HELPERS + ("src", "src_layer", "param")

_KIND_SET = frozenset(KINDS)
#: How many names ``Notation.duplicate`` checks one by one (a 784-30-10 network has ~600,000).
DISTINCT_LIMIT = 20_000
_WEIGHTS = frozenset({"weight", "dw", "new_w", "dw_data", "delta_w"})
_BIASES = frozenset({"bias", "db", "new_b", "db_data", "delta_b"})
#: ``notation: {learning_rate: alpha}``: a Greek letter by name, or a literal symbol (``l``).
GREEK = ("alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "iota",
         "kappa", "lambda", "mu", "nu", "xi", "rho", "sigma", "tau", "phi", "chi", "psi", "omega")
_LITERAL_RATE = re.compile(r"[A-Za-z][A-Za-z0-9]{0,3}")
_LETTER_B = re.compile(r"b(?![A-Za-z])")


def rate_symbol(value: object) -> Names:
    """The learning rate's name: ``eta`` → (eta, \\eta), ``l`` → (l, l); else ValueError."""
    if not isinstance(value, str) or not (value in GREEK or _LITERAL_RATE.fullmatch(value)):
        raise ValueError(f"learning_rate {value!r} is not a Greek letter's name ({', '.join(GREEK[:3])} ...) "
                         "or a literal symbol of 1 to 4 letters and digits (l)")
    return Names(value, f"\\{value}") if value in GREEK else Names(value, value)

_STATE = frozenset(STATE_KINDS)
_LAST_LAYER = frozenset({"target", "loss", "error", "data_loss", "penalty"})
#: A neuron label of letters then a number (h1, o12), typeset with the number as a subscript.
_LETTERS_NUMBER = re.compile(r"([A-Za-z]+)([0-9]+)")
_NEEDS_J = frozenset({"j", "g", "node", "tag", "i", "gi", "wr", "ws", "wl", "src"})
_NEEDS_I = frozenset({"i", "gi", "wr", "ws", "wl", "src"})
# A key set in a higher layer (preset over defaults, overrides over preset)
# hides the inherited keys more specific than it; otherwise those would win
# the lookup and the new pattern would be silently ignored.
_REFINES = {"": POSITIONS[:-1], "hidden": ("deep",), "output": ("single",)}
_VAR = re.compile(r"\$(?:(\$)|\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))")
_ALL_KEYS = tuple(b + (p and "@" + p) + (f and "." + f) for b in KINDS + HELPERS
                  for p in ("",) + POSITIONS for f in ("",) + FLAVOURS)
_KEY_GRAMMAR = (", ".join(KINDS + HELPERS) + " (optionally followed by "
                + "|".join("@" + p for p in POSITIONS) + ", then .plain|.latex), or learning_rate")

Table = dict[tuple[str, int], str]          # (key, flavour index) -> pattern
Compiled = tuple[str, ...]                  # literal, variable, literal, ..., literal
Getter = Callable[[Any, Any], object]       # (neuron j, source i) -> value


class _Var(NamedTuple):
    """An index variable of a filled pattern: ``key`` names it (the same variable of the
    same layer has one key, so both spellings of a name compute it once) and ``get``
    computes it from (neuron j, source i)."""

    key: tuple[str, ...]
    get: Getter


#: A constant, or a name to fill per neuron: literals and index variables in order, the
#: patterns a name refers to ($weight in dw's) already spliced in.
Filler = str | tuple[str | _Var, ...]
Maker = Callable[[Any, Any], "Names"]       # (neuron j, source i) -> both spellings


@dataclass(frozen=True)
class Names:
    """One quantity's name, as a student types it and as LaTeX prints it."""

    plain: str
    latex: str


def _at_source(get: Getter) -> Getter:
    """A neuron's index variable read at a weight's sending neuron i."""
    return lambda j, i: get(i, None)


def _escaped(text: str) -> str:
    """Literal text inside a format string."""
    return text.replace("{", "{{").replace("}", "}}")


def _unknown(what: str, got: object, valid: Sequence[str], shown: str = "") -> ValueError:
    """Build the error for a misspelt name, suggesting the closest valid one."""
    close = difflib.get_close_matches(str(got), valid, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ";"
    return ValueError(f"unknown {what} {got!r}{hint} expected one of: {shown or ', '.join(valid)}")


@cache
def _presets() -> dict[str, Any]:
    """The shipped YAML, read once per process."""
    text = (files("tracer.model") / "notation_presets.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yamlload.load(text)
    return data


def preset_names() -> tuple[str, ...]:
    """Names of the shipped presets, for help texts and error messages."""
    return tuple(sorted(_presets()["presets"]))


def _flatten(raw: Mapping[str, Any]) -> Table:
    """Turn one layer of YAML-ish patterns into {(key, flavour): pattern}."""
    table: Table = {}
    for full, value in raw.items():
        if full not in _ALL_KEYS:
            raise _unknown("pattern key", full, _ALL_KEYS, _KEY_GRAMMAR)
        key, _, flav = str(full).partition(".")
        if isinstance(value, str):
            pair: Sequence[Any] = (value, value)
        elif isinstance(value, Mapping) and not flav and set(value) <= set(FLAVOURS):
            pair = (value.get("plain"), value.get("latex"))
        elif isinstance(value, Sequence) and not flav and len(value) == 2:
            pair = value
        else:
            raise ValueError(f"pattern {full!r} must be a string, [plain, latex] or "
                             f"{{plain: ..., latex: ...}}, not {value!r}")
        for f, text in enumerate(pair):
            if text is not None and (not flav or FLAVOURS[f] == flav):
                if not isinstance(text, str):
                    raise ValueError(f"pattern {full!r}: {text!r} is not a string")
                table[(key, f)] = text
    return table


def _merge(table: Table, layer: Table) -> None:
    """Lay `layer` over `table`, dropping the more specific keys it supersedes."""
    for key, f in layer:
        base, _, pos = key.partition("@")
        for finer in _REFINES.get(pos, ()):
            table.pop((f"{base}@{finer}", f), None)
    table.update(layer)


def _compile(key: str, text: str) -> Compiled:
    """Split a ``$var`` pattern once into literals (even slots) and variables (odd)."""
    if "$" in _VAR.sub("", text):
        raise ValueError(f"pattern {key!r} = {text!r}: stray '$' (write $$ for a dollar)")
    parts, pos = [""], 0
    for m in _VAR.finditer(text):
        parts[-1] += text[pos:m.start()]
        pos, name = m.end(), m.group(2) or m.group(3)
        if name is None:
            parts[-1] += "$"
        elif name not in INDEX_VARS + NAME_VARS:
            raise _unknown(f"variable in pattern {key!r}:", name, INDEX_VARS + NAME_VARS)
        else:
            parts += [name, ""]
    parts[-1] += text[pos:]
    return tuple(parts)


class Notation:
    """Names every quantity of one network under one preset plus overrides.

    Patterns are compiled once, and for each (pattern, layer) a filler closure
    with the layer's offsets baked in is built on first use, so naming the
    ~24,000 weights of a 784-30-10 network costs one str.format per name."""

    def __init__(self, layers: Sequence[int], bias_mode: str = "per_neuron",
                 preset: str = "letters", overrides: Mapping[str, Any] | None = None,
                 layer_offset: int = 0, index_base: int = 1, threshold: bool = False) -> None:
        """Resolve and check the pattern table; fail here, not mid-solution.

        ``layer_offset`` is added to every layer number a name prints ($l): the dense layers
        of a convolutional network are named as layers of the whole stack (Z4[1] after a
        conv, a pool and a flatten layer). ``index_base`` 0 (``conventions.index_base``) prints
        every neuron, weight and bias number one lower (x0, w0, W1[0,1], Z4[0]). ``threshold``
        (``conventions.bias: subtracted``) names a bias the preset calls b the threshold θ."""
        self.layers = tuple(int(n) for n in layers)
        self.offset, self.shift = int(layer_offset), 1 - int(index_base)
        if len(self.layers) < 2 or min(self.layers) < 1:
            raise ValueError(f"layers must be 2+ positive neuron counts, not {tuple(layers)!r}")
        if bias_mode not in BIAS_MODES:
            raise _unknown("bias_mode", bias_mode, BIAS_MODES)
        if not isinstance(preset, str) or preset not in _presets()["presets"]:
            raise _unknown("notation preset", preset, preset_names())
        self.bias_mode, self.preset, self.base = bias_mode, preset, int(index_base)
        chosen = dict(_presets()["presets"][preset] or {})
        given = dict(overrides or {})
        #: whether the preset or the problem names the learning rate (else η, and a learning rule's own α or η)
        self.rate_given = "learning_rate" in given or "learning_rate" in chosen
        self.rate = rate_symbol(given.pop("learning_rate", chosen.pop("learning_rate", "eta")))
        chosen.pop("learning_rate", None)
        table = _flatten(_presets()["defaults"])
        _merge(table, _flatten(chosen))
        if threshold:    # conventions.bias: subtracted: a bias the preset calls b is the threshold θ
            for (key, f), text in list(table.items()):
                if key.partition("@")[0] == "bias" and _LETTER_B.match(text):   # b1, b_{1}, b^{[1]}; not bias_o
                    table[(key, f)] = ("theta" if f == 0 else "\\theta") + text[1:]
        _merge(table, _flatten(given))
        self._patterns = {k: _compile(k[0], text) for k, text in table.items()}
        self._check_cycles()
        n = self.layers
        self.last = last = len(n) - 1
        self._first = [sum(n[:l]) for l in range(last + 1)]       # neurons before layer l
        self._woff = [sum(n[m] * n[m - 1] for m in range(1, l)) for l in range(last + 1)]
        self._sep = "," if max(last + self.offset, *n) >= 10 else ""
        self._gsep = "," if sum(n) >= 10 else ""
        role = ["input"] + ["deep" if last > 2 else "hidden"] * (last - 1) + ["output"]
        self._lchain = [(r, "hidden", "") if r == "deep" else (r, "") for r in role]
        self._nchain = list(self._lchain)
        if n[last] == 1:
            self._nchain[last] = ("single", "output", "")
        self._fillers: dict[tuple[str, int, int, bool, bool, bool], Filler] = {}
        self._makers: dict[tuple[str, int, bool, bool, bool], Maker] = {}
        self._memo: dict[tuple[str, int, int | None, int | None, bool], Names] = {}
        self._quantities: dict[tuple[str, int, int | None, int | None], Names] = {}

    @classmethod
    def from_spec(cls, layers: Sequence[int], bias_mode: str,
                  spec: str | Mapping[str, Any] | None, base: int = 1, threshold: bool = False) -> Notation:
        """Build from a problem file's ``notation:`` entry: None (letters), a
        preset name, or ``{preset: ..., learning_rate: alpha, <pattern key>: <pattern>, ...}``."""
        if spec is None or isinstance(spec, str):
            return _preset_notation(tuple(int(n) for n in layers), bias_mode, spec or "letters", int(base),
                                    threshold)
        if not isinstance(spec, Mapping):
            raise ValueError(f"notation must be a preset name or a mapping, not {spec!r}; "
                             f"expected one of: {', '.join(preset_names())}")
        overrides = {k: v for k, v in spec.items() if k != "preset"}
        return cls(layers, bias_mode, spec.get("preset") or "letters", overrides, index_base=base, threshold=threshold)

    def pattern_keys(self) -> tuple[str, ...]:
        """The keys set in this notation (defaults + preset + overrides)."""
        return tuple(sorted({key for key, _ in self._patterns}))

    def neuron(self, layer: int, j: int) -> Names:
        """The label of neuron j (1-based) of a layer, e.g. h1 (LaTeX h_{1}).

        Standing alone, a label of letters and a number is typeset as textbooks set it,
        the number as a subscript (h1 -> h_{1}, o1 -> o_{1}, n3 -> n_{3}), like the input
        i_{1} beside it; inside another name it stays as the pattern writes it (net_{h1}).
        The plain spelling, which the checker matches, is unchanged."""
        l = self._layer("node", layer)
        self._check(l, j, "neuron")
        names = self._names("node", l, j, None, False)
        label = _LETTERS_NUMBER.fullmatch(names.latex)
        return names if label is None else Names(names.plain, f"{label[1]}_{{{label[2]}}}")

    def quantity(self, kind: str, layer: int, neuron: int | None = None,
                 source: int | None = None) -> Names:
        """The name of one scalar; `neuron` is the (receiving) neuron and
        `source` the sending neuron of a weight. Loss with neuron None is the
        total loss; with per-layer biases a bias's neuron is ignored. Negative
        layers count back from the output layer, like Python indices.

        Memoised by the arguments, before they are checked (a trace asks for each
        name once or more: a 784-30-10 step for 72,000), so a name asked again is one
        dict lookup; a first one is checked and made without going through ``_names``'s
        memo as well."""
        key = (kind, layer, neuron, source)
        names = self._quantities.get(key)
        if names is None:
            names = self._quantities[key] = self._quantity(kind, layer, neuron, source)
        return names

    def _quantity(self, kind: str, layer: int, neuron: int | None, source: int | None) -> Names:
        if kind not in _KIND_SET:
            raise _unknown("quantity kind", kind, KINDS)
        if kind in _STATE:
            return self._state(kind, layer, neuron, source)
        l = self._layer(kind, layer)
        if kind == "loss" and neuron is None:
            return self._names("total", l, None, None, False)
        if kind in ("data_loss", "penalty"):
            return self._names(kind, l, None, None, False)
        if kind in _BIASES and self.bias_mode == "per_layer":
            neuron = None
        elif neuron is None:
            raise ValueError(f"{kind!r} needs a neuron")
        else:
            self._check(l, neuron, "neuron")
        if kind not in _WEIGHTS:
            source = None
        elif source is None:
            raise ValueError(f"{kind!r} needs a source neuron")
        else:
            self._check(l - 1, source, "source")
        shape = (kind, l, neuron is not None, source is not None, False)
        return (self._makers.get(shape) or self._maker(*shape))(neuron, source)

    def matrix(self, kind: str, layer: int, param: str = "weight") -> Names:
        """The whole-layer symbol of a kind, e.g. Z1, W2, dW2 (matrix style); an optimizer
        state's is that of a layer's weights (``param``) or its biases."""
        if kind not in KINDS:
            raise _unknown("quantity kind", kind, KINDS)
        if kind in _STATE:
            l = self._layer("bias" if param == "bias" else "weight", layer)
            return self._names(kind, l, None, 1 if param == "weight" else None, True)
        return self._names(kind, self._layer(kind, layer), None, None, True)

    def general_matrix(self, kind: str) -> Names | None:
        """The whole-layer symbol of any layer l, the layer written as the letter (Z^{[l]},
        W^{[l]}), for text that explains the notation; None when the pattern uses more than
        the layer number (a preset numbering layers otherwise)."""
        key = f"{kind}@matrix"
        spelled: list[str] = []
        for f in range(len(FLAVOURS)):
            parts = self._patterns.get((key, f))
            if parts is None or any(v != "l" for v in parts[1::2]):
                return None
            spelled.append("".join(part if k % 2 == 0 else "l" for k, part in enumerate(parts)))
        return Names(spelled[0], spelled[1])

    def _state(self, kind: str, layer: int, neuron: int | None, source: int | None) -> Names:
        """An optimizer state's name: its parameter's (``$param``), a weight's when ``source``
        is given, else a bias's."""
        param = "weight" if source is not None else "bias"
        l = self._layer(param, layer)
        if param == "bias" and self.bias_mode == "per_layer":
            neuron = None
        elif neuron is None:
            raise ValueError(f"{kind!r} needs a neuron")
        else:
            self._check(l, neuron, "neuron")
        if source is not None:
            self._check(l - 1, source, "source")
        return self._names(kind, l, neuron, source, False)

    def duplicate(self, limit: int = DISTINCT_LIMIT) -> str | None:
        """Two quantities this notation gives one plain name, said in words, or None.

        Every scalar of every kind a log may hold is named (each neuron, each weight; a
        network beyond ``limit`` names is checked on its first two neurons per layer,
        where patterns differ): the checker matches written names to quantities, and a
        name shared by two is ambiguous to every student who writes it."""
        seen: dict[str, tuple[str, str]] = {}
        for kind, where, names in self._every_name(limit):
            for text in dict.fromkeys((names.plain,)):
                first = seen.setdefault(text, (kind, where))
                if first != (kind, where):
                    return (f"{first[0]} {first[1]} and {kind} {where} are both named {text!r}"
                            if first[0] != kind else f"{kind} {first[1]} and {where} are both named {text!r}")
        return None

    def _every_name(self, limit: int) -> Iterator[tuple[str, str, Names]]:
        """(kind, where, names) of every scalar of every kind (see ``duplicate``)."""
        n, last = self.layers, self.last
        weights = sum(n[l] * n[l - 1] for l in range(1, last + 1))
        small = (weights + sum(n)) * len(KINDS) <= limit

        def neurons(l: int) -> range:
            return range(1, n[l] + 1 if small else min(n[l], 2) + 1)

        yield "loss", "(total)", self.quantity("loss", last)
        for kind in KINDS:
            if kind in _BIASES and self.bias_mode == "none":
                continue
            lo = 0 if kind == "input" else last if kind in _LAST_LAYER else 1   # out on layer 0 is the input
            for l in range(lo, (0 if kind == "input" else last) + 1):
                if kind in ("data_loss", "penalty"):
                    yield kind, "", self.quantity(kind, l)
                    continue
                state = kind in _STATE
                if kind in _WEIGHTS or state:               # a weight's, from every sending neuron
                    for j in neurons(l):
                        for i in neurons(l - 1):
                            yield kind, f"(layer {l}, neuron {j}, from {i})", self.quantity(kind, l, j, i)
                if kind in _WEIGHTS or (state and self.bias_mode == "none"):
                    continue
                shared = (kind in _BIASES or state) and self.bias_mode == "per_layer"
                for j in (1,) if shared else neurons(l):    # a neuron's (a bias's state: the bias's)
                    where = f"(layer {l})" if shared else f"(layer {l}, neuron {j})"
                    yield kind, where, self._state(kind, l, j, None) if state else self.quantity(kind, l, j)

    # ------------------------------------------------------------ internals
    def _layer(self, kind: str, layer: int) -> int:
        """Normalise a layer index and check the kind exists on that layer."""
        if kind in _BIASES and self.bias_mode == "none":
            raise ValueError(f"{kind!r}: this network has no biases (bias_mode 'none')")
        l = layer + self.last + 1 if layer < 0 else layer
        lo = 0 if kind in ("input", "out", "node") else self.last if kind in _LAST_LAYER else 1
        hi = 0 if kind == "input" else self.last
        if not lo <= l <= hi:
            raise ValueError(f"{kind!r} exists on layers {lo}..{hi} of {self.layers}, not layer {layer}")
        return l

    def _check(self, l: int, j: int, what: str) -> None:
        """Reject a neuron index outside 1..size of its layer."""
        if not 1 <= j <= self.layers[l]:
            raise ValueError(f"{what} {j} is not in 1..{self.layers[l]} (layer {l})")

    def _names(self, name: str, l: int, j: int | None, i: int | None, mat: bool) -> Names:
        """Both spellings of one name, memoised (solutions ask for names often)."""
        key = (name, l, j, i, mat)
        if (hit := self._memo.get(key)) is not None:
            return hit
        shape = (name, l, j is not None, i is not None, mat)
        make = self._makers.get(shape) or self._maker(*shape)
        names = self._memo[key] = make(j, i)
        return names

    def _maker(self, name: str, l: int, has_j: bool, has_i: bool, mat: bool) -> Maker:
        """One function filling both flavours' patterns for a (name, layer, shape): a
        784-30-10 network has ~70,000 distinct weight names, so the per-name path is its
        index variables (each once, for both spellings) and two format calls, nothing else:
        the patterns a name refers to are spliced in when the filler is built, not called
        per name (dw's \\frac{\\partial E_{total}}{\\partial w_{{0}}}, not dw's around weight's)."""
        plain = self._filler(name, 0, l, has_j, has_i, mat)
        latex = self._filler(name, 1, l, has_j, has_i, mat)
        make: Maker
        if isinstance(plain, str) and isinstance(latex, str):
            constant = Names(plain, latex)
            make = lambda j, i: constant  # noqa: E731
        else:
            getters: dict[tuple[str, ...], int] = {}
            gets: list[Getter] = []
            for part in (plain, latex):
                for v in () if isinstance(part, str) else part:
                    if isinstance(v, _Var) and v.key not in getters:
                        getters[v.key] = len(gets)
                        gets.append(v.get)

            def fmt(filler: Filler) -> str:
                parts = (filler,) if isinstance(filler, str) else filler
                return "".join(f"{{{getters[v.key]}}}" if isinstance(v, _Var) else _escaped(v) for v in parts)
            pf, lf = fmt(plain), fmt(latex)
            if len(gets) == 1:
                one = gets[0]

                def make(j: Any, i: Any) -> Names:
                    x = one(j, i)
                    return Names(pf.format(x), lf.format(x))
            elif len(gets) == 2:
                first, second = gets

                def make(j: Any, i: Any) -> Names:
                    x, y = first(j, i), second(j, i)
                    return Names(pf.format(x, y), lf.format(x, y))
            else:
                def make(j: Any, i: Any) -> Names:
                    xs = [g(j, i) for g in gets]
                    return Names(pf.format(*xs), lf.format(*xs))
        self._makers[(name, l, has_j, has_i, mat)] = make
        return make

    def _filler(self, name: str, f: int, l: int, has_j: bool, has_i: bool, mat: bool) -> Filler:
        """Pick the most specific pattern for this position and bake the
        layer's constants into a format string; name variables become nested
        fillers, which is how derived names compose."""
        ck = (name, f, l, has_j, has_i, mat)
        if (hit := self._fillers.get(ck)) is not None:
            return hit
        if name == "out" and l == 0 and not mat:
            name = "input"                        # an input neuron's output is the input
        quals = (("matrix",) if mat else ("",) if name == "total" else self._lchain[l]
                 if name == "layer" else self._nchain[l] if has_j else ("shared", ""))
        keys = [f"{name}@{q}" if q else name for q in quals]
        key = next((k for k in keys if (k, f) in self._patterns), None)
        if key is None:
            raise ValueError(f"notation {self.preset!r} has no {FLAVOURS[f]} pattern for {name!r}"
                             f" on layer {l}; set one of: {', '.join(keys)}")
        parts = self._patterns[(key, f)]
        needs_j = _NEEDS_J | ({"b"} if self.bias_mode != "per_layer" else set())
        missing = [v for v in parts[1::2] if (v in needs_j and not has_j) or (v in _NEEDS_I and not has_i)]
        if missing:
            raise ValueError(f"pattern {key!r} uses ${missing[0]}, which {name!r} does not have "
                             f"{'as a whole-layer matrix' if mat else 'here'}")
        spliced: list[str | _Var] = []
        for k, part in enumerate(parts):
            value = part if k % 2 == 0 else self._variable(part, f, l, has_j, has_i, mat)
            for piece in (value,) if isinstance(value, (str, _Var)) else value:
                if isinstance(piece, str) and spliced and isinstance(spliced[-1], str):
                    spliced[-1] += piece
                else:
                    spliced.append(piece)
        filler: Filler = "".join(spliced) if all(isinstance(p, str) for p in spliced) else tuple(spliced)  # type: ignore[arg-type]
        self._fillers[ck] = filler
        return filler

    def _variable(self, ref: str, f: int, l: int, has_j: bool, has_i: bool, mat: bool) -> Filler | _Var:
        """One variable on layer l: a constant string, an index variable, or another
        pattern's filler (spliced into the one using it)."""
        n, first, woff = self.layers, self._first[l], self._woff[l]
        prev = n[l - 1] if l else 0
        if ref in ("l", "sep", "gsep") or (ref == "b" and self.bias_mode == "per_layer"):
            return {"sep": self._sep, "gsep": self._gsep}.get(ref, str(l + self.offset))
        first -= self.shift         # index_base 0: every number below one lower
        index: dict[str, Getter] = {
            "j": lambda j, i: j - self.shift, "i": lambda j, i: i - self.shift,
            "g": lambda j, i: first + j, "gi": lambda j, i: first - prev + i,
            "b": lambda j, i: first - n[0] + j,
            "wr": lambda j, i: woff - self.shift + (j - 1) * prev + i,
            "ws": lambda j, i: woff - self.shift + (i - 1) * n[l] + j,
            "wl": lambda j, i: (j - 1) * prev + i - self.shift}
        if ref in index:
            return _Var((ref, str(l)), index[ref])
        if ref == "src":    # the sending neuron's label: the node pattern of layer l - 1 at neuron i
            node = self._filler("node", f, l - 1, True, False, False)
            return node if isinstance(node, str) else tuple(
                _Var(("src",) + v.key, _at_source(v.get)) if isinstance(v, _Var) else v for v in node)
        if ref == "param":     # an optimizer state's parameter: a weight's (it has a source) or a bias's
            return self._filler("weight" if has_i else "bias", f, l, has_j, has_i, mat)
        if ref in ("layer", "src_layer", "total"):
            return self._filler(ref.removeprefix("src_"), f, l - (ref == "src_layer"), False, False, False)
        return self._filler(ref, f, l, has_j, has_i and ref in _WEIGHTS, mat)

    def _check_cycles(self) -> None:
        """Fail at load time if patterns refer to each other in a loop."""
        graph: dict[str, set[str]] = {}
        alias = {"src": "node", "src_layer": "layer", "param": "weight"}
        for (key, _), parts in self._patterns.items():
            graph.setdefault(key.partition("@")[0], set()).update(
                alias.get(v, v) for v in parts[1::2] if v not in INDEX_VARS)
        done: set[str] = set()

        def visit(name: str, path: tuple[str, ...]) -> None:
            if name in path:
                raise ValueError("patterns refer to each other in a loop: "
                                 + " -> ".join(path[path.index(name):] + (name,)))
            if name not in done:
                for nxt in sorted(graph.get(name, ())):
                    visit(nxt, path + (name,))
                done.add(name)

        for name in sorted(graph):
            visit(name, ())


@lru_cache(maxsize=4)
def _preset_notation(layers: tuple[int, ...], bias_mode: str, preset: str, base: int = 1,
                     threshold: bool = False) -> Notation:
    """A preset's notation for one network, shared by every trace of that network.

    Building a notation (merging tables, compiling patterns, checking for cycles) and
    its first names cost more than tracing a 2-2-2 step; a Notation never changes after
    construction (its dicts are caches), so traces of the same network can share one.
    Few are kept: a large network's memoised names are tens of megabytes."""
    return Notation(layers, bias_mode, preset, index_base=base, threshold=threshold)
