"""What the walkthroughs show of an optimizer and of regularization: state lines, tables, matrices.

Plain gradient descent without regularization shows nothing here (``active`` is false) and
the styles print their updates as before. Otherwise each step shows, per parameter, the
optimizer's state entries (``velocity``, ``cache``, ``m``, ``v``, ``m_hat``, ``v_hat``)
with formula, substitution and value, then the new value; a state table; the matrix style
the same as whole-layer matrix equations. Nothing here computes a value: every number is
a log entry's or an operand's shown value.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..engine.log import Entry, TraceLog
from ..formula.tree import Node, Number, Relation, Symbol
from ..model.notation import STATE_KINDS
from ..model.optimizers import stated
from .matrices import grid
from .view import Eq, Line, StepView, Viewer

#: Column headings of the state table (LaTeX), by state kind.
_HEADINGS = {"velocity": "\\mathrm{vel}", "cache": "r", "m": "m", "v": "v", "m_hat": "\\hat{m}", "v_hat": "\\hat{v}"}
_NAMES = {"sgd": "plain gradient descent", "momentum": "SGD with momentum", "adagrad": "Adagrad",
          "rmsprop": "RMSProp", "adam": "Adam", "adamw": "AdamW"}
#: Operand roles that stand for the parameter's own old value or gradient (matrix style).
_PARAM_ROLES = {"old": ("weight", "bias"), "param": ("weight", "bias"), "grad": ("dw", "db")}


@dataclass
class Update:
    """One parameter's update: its state lines, then the new value."""

    parameter: str          # the parameter's LaTeX name
    states: list[Eq]
    new: Eq


class OptimizerView:
    def __init__(self, log: TraceLog, viewer: Viewer) -> None:
        self.log, self.viewer = log, viewer
        problem = log.problem
        self.optimizer = problem.optimizer
        self.regularization = problem.training.regularization
        self.active = self.optimizer.name != "sgd" or self.regularization is not None
        self.name = _NAMES.get(self.optimizer.name, self.optimizer.name)
        self._steps: dict[int, list[Entry]] = {}

    def hyperparameters(self) -> list[Relation]:
        """The optimizer's numbers besides η as the problem states them, with the symbols of
        its formulas (momentum: μ = 0.9; Adam: β_1 = 0.9, β_2 = 0.999, ε = 1e-08)."""
        return [self._given(latex, value) for latex, value in stated(self.optimizer)]

    def strengths(self) -> list[Relation]:
        """The penalties' strengths (λ = 0.01), none without regularization."""
        reg = self.regularization
        return [] if reg is None else [self._given(latex, value) for _, latex, value in reg.strengths()]

    def penalty_name(self) -> str:
        """L2, L1, or L2 and L1."""
        reg = self.regularization
        return "" if reg is None else " and ".join(n for n, on in (("L2", reg.l2), ("L1", reg.l1)) if on)

    def _given(self, latex: str, value: float) -> Relation:
        return Relation(Symbol(latex, latex.replace("\\", "")), "=",
                        Number(self.log.problem.rounding.show_given(value)))


    @staticmethod
    def update_count(step: int) -> Relation:
        """``t = 2``: Adam's count of updates at a step, as a tree."""
        return Relation(Symbol("t", "t"), "=", Number(str(step)))
    def entries(self, step: int) -> list[Entry]:
        found = self._steps.get(step)
        if found is None:
            found = self._steps[step] = [e for e in self.log.entries if e.step == step]
        return found

    # --- regularization ---------------------------------------------------------
    def loss_parts(self, example: int | None, step: int) -> list[Eq]:
        """The data loss and the penalty of one example (the total follows them)."""
        return [self.viewer.eq(e) for e in self.entries(step)
                if e.kind in ("data_loss", "penalty") and e.example == example]

    def gradients(self, step: StepView) -> list[Eq]:
        """The gradients the optimizer sees: data gradient + the penalty's, last layer first."""
        return [self.viewer.eq(e) for e in self.entries(step.step) if e.kind in ("dw_total", "db_total")]

    # --- updates ----------------------------------------------------------------
    def updates(self, step: StepView) -> list[Update]:
        out: list[Update] = []
        states: list[Eq] = []
        for e in self.entries(step.step):
            if e.kind in STATE_KINDS:
                states.append(self.viewer.eq(e))
            elif e.kind in ("new_w", "new_b"):
                out.append(Update(e.operand("old").latex, states, self.viewer.eq(e)))
                states = []
        return out

    def chosen(self, step: StepView) -> list[Update]:
        """The updates to print in full: all of a small network, else the first few and the last."""
        ups = self.updates(step)
        limit = self.viewer.max_terms
        if limit is None or len(ups) <= 2 * limit:
            return ups
        return ups[:limit] + ups[-1:]

    def state_kinds(self, step: StepView) -> list[str]:
        seen = {e.kind for e in self.entries(step.step) if e.kind in STATE_KINDS}
        return [k for k in STATE_KINDS if k in seen]

    def table_headers(self, step: StepView, p) -> list[str]:
        kinds = self.state_kinds(step)
        return ["Parameter", "Gradient"] + [p.inline(_HEADINGS[k]) for k in kinds]

    def table_rows(self, step: StepView) -> list[list[str]]:
        """One row per parameter: its gradient and each state after the step (old and new
        values are in the styles' own table of changes)."""
        kinds = self.state_kinds(step)
        rows = []
        for up in self.updates(step):
            e = up.new.entry
            by_kind = {s.entry.kind: s.entry.shown for s in up.states}
            grad = next((s.entry.operand("grad").shown for s in up.states if "grad" in s.entry.op.roles(
                len(s.entry.operands))), None)
            if grad is None:
                grad = e.operand("grad").shown if "grad" in e.op.roles(len(e.operands)) else ""
            rows.append([up.parameter, grad, *(by_kind.get(k, "") for k in kinds)])
        return rows

    # --- matrix style -----------------------------------------------------------
    def matrix_lines(self, step: StepView) -> list[Line]:
        """Each layer's state and new values as matrix equations, last layer first."""
        lines: list[Line] = []
        L = len(self.log.problem.layers) - 1
        entries = self.entries(step.step)
        for l in range(L, 0, -1):
            for param, new_kind in (("weight", "new_w"), ("bias", "new_b")):
                mine = [e for e in entries if e.layer == l and (e.source is not None) == (param == "weight")]
                for kind in (*STATE_KINDS, new_kind):
                    group = [e for e in mine if e.kind == kind]
                    if group:
                        lines.append(self._matrix(kind, param, l, group))
        return lines

    def _shape(self, param: str, l: int, entries: list[Entry]) -> tuple[int, int] | None:
        layers = self.log.problem.layers
        if param == "weight":
            return layers[l], layers[l - 1]
        return None if entries[0].neuron is None else (len(entries), 1)

    def _grid(self, cell: Callable[[int], Node], shape: tuple[int, int] | None) -> Node:
        if shape is None:
            return cell(0)
        rows, cols = shape
        return grid(lambda r, c: cell(r * cols + c), rows, cols, self.viewer.max_terms)

    def _symbol(self, kind: str, param: str, l: int) -> Symbol:
        notation = self.log.notation
        if kind in ("new_w", "new_b"):
            names = notation.matrix(kind, l)
        elif kind in STATE_KINDS:
            names = notation.matrix(kind, l, param)
        else:
            names = notation.matrix(kind, l)
        return Symbol(names.latex, names.plain)

    def _operand_symbol(self, role: str, k: int, first: Entry, param: str, l: int) -> Node:
        o = first.operands[k]
        if role in _PARAM_ROLES:
            weight_kind, bias_kind = _PARAM_ROLES[role]
            kind = weight_kind if param == "weight" else bias_kind
            if role == "grad" and o.entry is not None and self.log.entries[o.entry].kind in ("dw_total", "db_total"):
                return self._symbol(kind, param, l)
            return self._symbol(kind, param, l)
        if role == "prev":
            s = self._symbol(first.kind, param, l)
            return Symbol(f"{{{s.latex}}}^{{\\mathrm{{prev}}}}", f"{s.text}_prev")
        if role in STATE_KINDS:
            return self._symbol(role, param, l)
        return Symbol(o.latex, o.name)

    @staticmethod
    def _cells(entries: list[Entry], k: int) -> Callable[[int], Node]:
        """Operand k of each entry, as printed."""
        def cell(n: int) -> Node:
            o = entries[n].operands[k]
            return Number(o.shown, o.value)
        return cell

    def _matrix(self, kind: str, param: str, l: int, entries: list[Entry]) -> Line:
        first = entries[0]
        shape = self._shape(param, l, entries)
        roles = first.op.roles(len(first.operands))
        symbols: list[Node] = []
        numbers: list[Node] = []
        for k, role in enumerate(roles):
            varies = any(e.operands[k] != first.operands[k] for e in entries)
            if varies or role in _PARAM_ROLES or role == "prev" or role in STATE_KINDS:
                symbols.append(self._operand_symbol(role, k, first, param, l))
                numbers.append(self._grid(self._cells(entries, k), shape))
            else:
                o = first.operands[k]
                symbols.append(Symbol(o.latex, o.name))
                numbers.append(Number(o.shown, o.value))
        def value(n: int) -> Node:
            return Number(entries[n].shown, entries[n].value, entries[n].index)
        result = self._grid(value, shape)
        return Line(self._symbol(kind, param, l), first.op.tree(symbols), first.op.tree(numbers), result)
