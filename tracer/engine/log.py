"""The trace log: every quantity of a training run, the single source of truth.

An Entry is ``op(operands)`` plus where it sits in the network and how it is shown.
Formulas (LaTeX and sympy) are derived from the op on demand, so recording tens of
thousands of entries stays cheap; renderers and the checker read only this log.
"""
from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring  # C, where Python has it
from typing import TYPE_CHECKING, Any

from ..formula.latex import Template, fill, latex, template
from ..formula.tree import Node, Number, Slot, Symbol
from .collector import collector_paused
from .jsontext import Laid, dumps
from .ops import Difference, Identity, Op, Operand, Product, Sum, Update, WeightedSum

if TYPE_CHECKING:
    import sympy

    from ..model.notation import Notation
    from ..model.problem import Problem
else:  # imported on first use: tracing and writing JSON need no sympy (tracer/_lazy.py)
    from .._lazy import sympy

KINDS = ("net", "out", "loss", "error", "dout", "dact", "dnet", "dw", "db", "new_w", "new_b",
         "err", "delta_w", "delta_b")   # conventions: Err = −∂E/∂net, the changes Δw and Δb
FORMAT_NAME = "tracer-trace"
#: 2: ``shown`` keeps every decimal its value is rounded to (0.5000, not 0.5), and may be the
#: result of the entry's printed line when that is within one unit of the value.
FORMAT_VERSION = 2


def json_number(x: float) -> float | str:
    """Strict JSON has no infinity or NaN: a run that overflows writes "inf", "-inf", "nan"."""
    return x if math.isfinite(x) else ("nan" if math.isnan(x) else ("inf" if x > 0 else "-inf"))


def json_numbers(nested: Any) -> Any:
    """``json_number`` through nested lists (final weights and biases)."""
    if isinstance(nested, list):
        return [json_numbers(x) for x in nested]
    return json_number(nested)


@dataclass(slots=True)
class Entry:
    """One recorded quantity: symbol, formula, substitution, value and shown string."""

    index: int
    kind: str
    step: int
    epoch: int
    example: int | None
    layer: int | None         # None for an expression's gates (tracer/engine/graph.py)
    neuron: int | None
    source: int | None
    name: str
    latex: str
    op: Op
    operands: tuple[Operand, ...]
    value: float
    shown: str
    cell: tuple[int, ...] | None = None   # a feature-map cell or kernel weight, 1-based (convolutional networks)

    @property
    def depends_on(self) -> list[int]:
        return [o.entry for o in self.operands if o.entry is not None]

    @property
    def symbol(self) -> Symbol:
        """The entry's name as a formula leaf."""
        return Symbol(self.latex, self.name)

    def formula_tree(self, max_terms: int | None = None) -> Node:
        """The general formula: the op over its operands' symbols."""
        return self.op.tree([Symbol(o.latex, o.name) for o in self.operands], max_terms)

    def substitution_tree(self, max_terms: int | None = None, shown: Sequence[str] | None = None) -> Node:
        """The formula with the operands' shown values put in (or other ``shown`` texts: a
        student's own numbers)."""
        texts = [o.shown for o in self.operands] if shown is None else shown
        values = [o.value for o in self.operands]
        return self.op.tree_at([Number(t, v) for t, v in zip(texts, values)], values, max_terms)

    def formula_latex(self, max_terms: int | None = None) -> str:
        parts = _template(self.op, len(self.operands), max_terms)
        if parts is not None:
            return fill(parts, [o.latex for o in self.operands], numbers=False)
        return latex(self.formula_tree(max_terms))

    def substitution_latex(self, max_terms: int | None = None) -> str:
        parts = _template(self.op, len(self.operands), max_terms)
        if parts is not None:
            return fill(parts, [o.shown for o in self.operands], numbers=True)
        return latex(self.substitution_tree(max_terms))

    def operand(self, role: str, k: int = 0) -> Operand:
        """The k-th operand in ``role`` (``entry.operand("grad")``, ``operand("weight", 2)``)."""
        return self.operands_in(role)[k]

    def operands_in(self, role: str) -> list[Operand]:
        """Every operand in ``role``, in order (a net's weights: ``operands_in("weight")``)."""
        return [o for o, r in zip(self.operands, self.op.roles(len(self.operands))) if r == role]

    @property
    def formula(self) -> sympy.Expr:
        """The general formula as a sympy expression in the operands' symbols."""
        return self.op.sympy([sympy.Symbol(o.name) for o in self.operands])

    @property
    def substituted(self) -> sympy.Expr:
        """The formula with the operand values put in, unevaluated (``.doit()`` evaluates)."""
        return self.op.sympy([sympy.UnevaluatedExpr(sympy.Float(o.value, 17)) for o in self.operands])

    def recompute(self, values: Sequence[float]) -> float:
        """This entry's op on other operand values (the checker's error carried forward)."""
        return self.op.evaluate(values)

    def to_dict(self) -> dict[str, Any]:
        return self.json_head() | {"depends_on": self.depends_on}

    def json_head(self) -> dict[str, Any]:
        """The entry's JSON fields but its last, ``depends_on``."""
        where: dict[str, Any] = {} if self.cell is None else {"cell": list(self.cell)}
        return {
            "kind": self.kind, "step": self.step, "epoch": self.epoch, "example": self.example,
            "layer": self.layer, "neuron": self.neuron, "source": self.source, **where,
            "name": self.name, "latex": self.latex, "formula": self.formula_latex(),
            "substitution": self.substitution_latex(), "value": json_number(self.value), "shown": self.shown,
        }


class Entries:
    """A log's entries as a sequence (``TraceLog``, ``GraphLog``): ``len(log)``, ``for e in
    log``, ``log[3]``, ``log["out_h1"]`` (first recorded step) or ``log["out_h1@2"]``."""

    entries: list[Entry]

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, key: str | int) -> Entry:
        """``log["out_h1"]`` (first recorded step) or ``log["out_h1@2"]`` (step 2)."""
        if isinstance(key, int):
            return self.entries[key]
        name, _, step = key.partition("@")
        wanted = int(step) if step else None
        for e in self.entries:
            if e.name == name and (wanted is None or e.step == wanted):
                return e
        raise KeyError(self._missing(key, name, wanted))

    def _missing(self, key: str, name: str, wanted: int | None) -> str:
        """``no quantity 'out_h'; did you mean 'out_h1'? (names as the walkthrough prints them)``."""
        import difflib
        names = list(dict.fromkeys(e.name for e in self.entries))
        if name in names:
            return (f"{key!r}: {name} is not recorded at step {wanted}; recorded steps: "
                    f"{', '.join(map(str, sorted({e.step for e in self.entries})))}")
        digits = "".join(c for c in name if c.isdigit())
        close = difflib.get_close_matches(name, names, n=12, cutoff=0.5)
        # out_h1 for output1_h: the same neuron number first, then the closest spelling
        close.sort(key=lambda n: "".join(c for c in n if c.isdigit()) != digits)
        starting = [n for n in names if n.startswith(name)][:3]
        hint = list(dict.fromkeys(starting + close))[:3]
        return (f"{key!r}: no such quantity" + (f"; did you mean {', '.join(map(repr, hint))}?" if hint else "")
                + " (names as the walkthrough prints them, e.g. " + repr(names[0] if names else "") + ")")


@dataclass
class TraceLog(Entries):
    """The entries of the recorded steps, the loss of every step, and the final parameters."""

    problem: Problem
    notation: Notation
    entries: list[Entry] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    final_weights: list[list[list[float]]] = field(default_factory=list)
    final_biases: list[list[float]] = field(default_factory=list)
    #: A single-layer rule's run (engine/rules.py): one row per epoch, and whether it converged.
    epochs: list[dict[str, Any]] | None = None
    convergence: dict[str, Any] | None = None

    def select(self, kind: str | None = None, layer: int | None = None, step: int | None = None,
               example: int | str | None = "any", neuron: int | str | None = "any") -> list[Entry]:
        """Entries matching every given criterion (``example=None`` means batch averages)."""
        return [e for e in self.entries
                if (kind is None or e.kind == kind) and (layer is None or e.layer == layer)
                and (step is None or e.step == step)
                and (example == "any" or e.example == example)
                and (neuron == "any" or e.neuron == neuron)]

    @property
    def steps(self) -> list[int]:
        return sorted({e.step for e in self.entries})

    def to_dict(self) -> dict[str, Any]:
        return self._document([e.to_dict() for e in self.entries])

    def _document(self, entries: list[dict[str, Any]] | Laid) -> dict[str, Any]:
        out: dict[str, Any] = {
            "format": FORMAT_NAME, "version": FORMAT_VERSION,
            "problem": self.problem.to_dict(),
            "entries": entries,
            "history": [{**h, "loss": json_number(h["loss"])} for h in self.history],
            "final": {"weights": json_numbers(self.final_weights), "biases": json_numbers(self.final_biases)},
        }
        if self.epochs is not None:
            out["epochs"] = [{**e, "squared_error": json_number(e["squared_error"])} for e in self.epochs]
            out["final"] |= self.convergence or {}
        return out

    def to_json(self) -> str:
        """The log as JSON text (indent 1, UTF-8 text unescaped), written by ``jsontext``
        because the standard library's indented encoder is pure Python and slow."""
        entries = self.entries
        with collector_paused():
            if any(e.cell is not None for e in entries):   # a feature-map cell: a list amid the fields
                return dumps(self.to_dict(), indent=1) + "\n"
            # the document around a hole, then the entries put in: one copy of their ~20 MB of
            # text, not one per level of nesting (a raw NUL is nowhere else: dumps escapes it)
            head, _, tail = dumps(self._document(Laid("\x00")), indent=1).partition("\x00")
            return "".join((head, _entries_text(entries), tail, "\n"))

    # --- rendering (the Python API of course notes and notebooks) -----------------
    # The output side is reached through ``RENDERER``, which the package wires up when it is
    # imported (tracer/__init__.py): the data never imports the code that prints it.
    def to_markdown(self, style: str | None = None, **options: Any) -> str:
        """The walkthrough as Markdown; the diagram inline as SVG (no file beside it).

        ``options`` are the fields of ``tracer.render.RenderOptions`` (max_terms, weights, ...).
        """
        return _renderer()(self, "md", {"style": style, "inline_svg": True, **options})

    def to_latex(self, style: str | None = None, fragment: bool = False, **options: Any) -> str:
        """The walkthrough as a LaTeX document, or with ``fragment=True`` a body to ``\\input``."""
        return _renderer()(self, "tex", {"style": style, "fragment": fragment, **options})

    def to_html(self, style: str | None = None, fragment: bool = False, **options: Any) -> str:
        """The walkthrough as one self-contained HTML page (MathML, inline SVG, stepping), or
        with ``fragment=True`` the page's body to embed in course notes."""
        return _renderer()(self, "html", {"style": style, "fragment": fragment, **options})

    def _repr_markdown_(self) -> str:
        """Jupyter shows a log as its rendered walkthrough."""
        return self.to_markdown()

    def _repr_latex_(self) -> str:
        """nbconvert's LaTeX/PDF export embeds the walkthrough's body."""
        return self.to_latex(fragment=True)


#: Ops whose formula is printed from a template (the same LaTeX as printing the tree, 10x
#: cheaper): a 784-30-10 step writes 48,000 formulas and substitutions into its JSON.
TEMPLATED = (WeightedSum, Sum, Difference, Product, Identity, Update)


@functools.lru_cache(maxsize=4096)
def _template(op: Op, n: int, max_terms: int | None) -> Template | None:
    if type(op) not in TEMPLATED:
        return None
    return template(op.tree([Slot(k) for k in range(n)], max_terms))


#: A template not looked up yet (``_template`` gives None for an op printed from its tree).
_UNKNOWN: tuple[Template, bool] = (("", (), ()), False)


def _entries_text(entries: list[Entry]) -> str:
    """The entries as ``dumps`` lays out ``[e.to_dict() for e in entries]`` one level down
    (the trace document's ``entries``), written one f-string per entry: building 48,000
    dicts of ``json_head`` and handing them to the C encoder took 0.50 s of a 784-30-10
    log's 0.52 s, this 0.32 s (tests/test_json_log.py compares the two on the gallery).

    The fields are ``json_head``'s and ``depends_on``, in that order; entries with a
    ``cell`` are not written here (``TraceLog.to_json`` writes those through ``dumps``). The
    formula and substitution come from one template per op and operand count, looked up by
    the op's identity (every op stays alive in the entries while this runs)."""
    if not entries:
        return "[]"
    m, item = "\n   ", "\n    "   # a member of an entry, an element of its depends_on
    enc = encode_basestring
    kinds: dict[str, str] = {}
    templates: dict[tuple[int, int], tuple[Template, bool] | None] = {}
    lines = []
    for e in entries:
        kind = kinds.get(e.kind)
        if kind is None:
            kind = kinds[e.kind] = enc(e.kind)
        operands = e.operands
        key = (id(e.op), len(operands))
        found = templates.get(key, _UNKNOWN)
        if found is _UNKNOWN:
            parts = _template(e.op, len(operands), None)
            found = templates[key] = None if parts is None else (parts, parts[1] == tuple(range(len(operands))))
        if found is None:
            formula, substitution = e.formula_latex(), e.substitution_latex()
        elif found[1]:   # the slots in operand order (a product, an update): ``fill``, inlined
            fmt, _, leads = found[0]
            formula = fmt.format(*[o.latex for o in operands])
            substitution = fmt.format(*[t if lead or t[:1] != "-" else f"({t})"
                                        for t, lead in zip([o.shown for o in operands], leads)])
        else:
            formula = fill(found[0], [o.latex for o in operands], numbers=False)
            substitution = fill(found[0], [o.shown for o in operands], numbers=True)
        deps = [o.entry for o in operands if o.entry is not None]
        depends = "[" + item + ("," + item).join(map(int.__repr__, deps)) + m + "]" if deps else "[]"
        v = e.value
        value = float.__repr__(v) if type(v) is float and v - v == 0 else dumps(json_number(v))
        example, layer, neuron, source = e.example, e.layer, e.neuron, e.source
        lines.append(
            f'{{{m}"kind": {kind},{m}"step": {e.step},{m}"epoch": {e.epoch},'
            f'{m}"example": {"null" if example is None else example},{m}"layer": {"null" if layer is None else layer},'
            f'{m}"neuron": {"null" if neuron is None else neuron},{m}"source": {"null" if source is None else source},'
            f'{m}"name": {enc(e.name)},{m}"latex": {enc(e.latex)},{m}"formula": {enc(formula)},'
            f'{m}"substitution": {enc(substitution)},{m}"value": {value},{m}"shown": {enc(e.shown)},'
            f'{m}"depends_on": {depends}\n  }}')
    lines[0] = "[\n  " + lines[0]
    lines[-1] += "\n ]"
    return ",\n  ".join(lines)


#: Renders a log in a format ("md", "tex", ...) with ``RenderOptions`` fields; set by the package.
Renderer = Callable[[TraceLog, str, dict[str, Any]], str]
RENDERER: list[Renderer] = []


def _renderer() -> Renderer:
    if not RENDERER:
        raise RuntimeError("no renderer installed: import tracer (the package) to render a log")
    return RENDERER[0]
