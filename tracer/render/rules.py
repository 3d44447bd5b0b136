"""A single-layer rule's run as the books print it: the epoch table, worked presentations.

``templates/styles/_rule.j2`` prints a ``RuleView``; each style includes it with its own
``rule_form``: ``lines`` (chain-rule, narrative: symbol = formula = numbers = value for
every quantity), ``vector`` (matrix: the update of the whole weight vector at once) or
``general`` (symbolic: the update rule in symbols, and the table).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..engine.log import Entry, TraceLog
from ..engine.rules import RuleNames, rate_names
from ..formula.tree import Add, Apply, Group, Listing, Matrix, Mul, Node, Number, Pow, Relation, Sigma, Sub, Symbol
from ..model.rules import RULES
from .printers import Part

#: The order in which a presentation's quantities are worked (weights in source order).
ORDER = {"net": 0, "out": 1, "dact": 2, "error": 3, "delta_w": 4, "new_w": 4, "delta_b": 5, "new_b": 6}


@dataclass(frozen=True)
class Line:
    parts: list[Part | None]
    entry: Entry


@dataclass(frozen=True)
class Presentation:
    step: int
    epoch: int
    example: int
    inputs: str        # (1, 0), as LaTeX
    target: str
    lines: list[Line]
    vector: list[Part] | None   # the matrix style's w⁺ = w + α·e·x, when there is one output
    given: tuple[Relation, Relation] | None = None   # x = (1, 0) and t = 1, as trees


NET, T, Y = Symbol("net", "net"), Symbol("t", "t"), Symbol("y", "y")


class RuleView:
    """What the rule templates print, computed from the log (never recomputed)."""

    def __init__(self, log: TraceLog) -> None:
        assert log.epochs is not None and log.convergence is not None
        self.log, self.problem = log, log.problem
        p = self.problem
        self.rule = RULES[p.training.rule or ""]
        self.threshold = p.conventions.bias == "subtracted"
        self.has_bias = p.bias != "none"
        self.n_in, self.n_out = p.layers
        self.names = RuleNames(self.n_in, self.n_out, int(p.conventions.index_base), self.threshold,
                               rate_names(p))
        self.rate = self.names.rate.latex
        self.epochs = log.epochs
        self.convergence = log.convergence
        self.presentations = len(log.history)

    # --- names and rules ------------------------------------------------------
    def name(self, kind: str, j: int = 1, i: int | None = None) -> str:
        return self.names.of(kind, j, i).latex

    def _sym(self, kind: str, j: int = 1, i: int | None = None) -> Symbol:
        n = self.names.of(kind, j, i)
        return Symbol(n.latex, n.plain)

    def net_rule(self) -> Relation:
        """net = Σ_i w_i·x_i − θ (or + b), as a tree."""
        base = self.problem.conventions.index_base
        i = Symbol("i", "i")
        body: Node = Sigma(i, Symbol("w_{i} x_{i}", "w_i x_i"),
                           Number(str(base)), Number(str(self.n_in - 1 + int(base))))
        if self.has_bias:
            bias = Symbol(self.names.bias.latex, self.names.bias.plain)
            body = Sub(body, bias) if self.threshold else Add((body, bias))
        return Relation(NET, "=", body)

    def activation_rule(self) -> Relation:
        act = self.problem.activations[0]
        return Relation(Symbol("y", "y"), "=", act.out_tree(NET))

    @property
    def learning_rate(self) -> Relation:
        """α = 0.1 (the rule's own letter for its rate), as given."""
        rate = Symbol(self.names.rate.latex, self.names.rate.plain)
        return Relation(rate, "=", Number(self.problem.rounding.show_given(self.problem.training.learning_rate)))

    def error_rule(self) -> Relation:
        return Relation(Symbol("e", "e"), "=", Sub(T, NET if self.rule.name == "adaline" else Y))

    def rules(self) -> Listing:
        """The error and the update of one weight, side by side; Hebb's rule has no error
        term (w ← w + x·t), so only its update."""
        if self.rule.name == "hebb":
            return Listing((self.update_rule(),), spaced=True)
        return Listing((self.error_rule(), self.update_rule()), spaced=True)

    def _factor(self) -> list[Node]:
        """What the rule multiplies the input by: α·(t − y), α·(t − net), α·(t − y)·f'(net), α (Hebb: t)."""
        a = Symbol(self.rate, self.names.rate.plain)
        factors: dict[str, list[Node]] = {"perceptron": [a, Group(Sub(T, Y))], "adaline": [a, Group(Sub(T, NET))],
                "delta": [a, Group(Sub(T, Y)), Apply(Symbol("f'", "f'"), (NET,))],
                "hebb": [] if self.problem.training.learning_rate == 1 else [a]}
        return factors[self.rule.name]

    def update_rule(self, vector: bool = False) -> Relation:
        """The rule for one weight (w_i ← ...) or, ``vector``, for the weight vector, as a tree."""
        w = Symbol("w", "w") if vector else Symbol("w_{i}", "w_i")
        x = Symbol("x", "x") if vector else Symbol("x_{i}", "x_i")
        factors = [*self._factor(), x] + ([T] if self.rule.name == "hebb" else [])
        return Relation(w, "<-", Add((w, Mul(tuple(factors)))))

    def bias_rule(self) -> Relation | None:
        if not self.has_bias or not self.problem.training.update_biases:
            return None
        b = Symbol(self.names.bias.latex, self.names.bias.plain)
        factors = self._factor() + ([T] if self.rule.name == "hebb" else [])
        if self.threshold:
            factors.append(Number("-1", -1.0))
        change: Node = Mul(tuple(factors)) if len(factors) > 1 else factors[0]
        return Relation(b, "<-", Add((b, change)))

    # --- the epoch table ------------------------------------------------------
    def headers(self) -> list[str]:
        """Column names (LaTeX); the matching cells are numbers as the log shows them."""
        outs = range(1, self.n_out + 1)
        cols = ["\\text{Epoch}"] + [self.name("input", 1, i) for i in range(1, self.n_in + 1)]
        cols += [self.name("target", j) for j in outs]
        for j in outs:
            cols += [self.name("net", j), self.name("out", j), self.name("error", j)]
        for j in outs if self.show_change else ():
            cols += [self.name("delta_w", j, i) for i in range(1, self.n_in + 1)]
            if self.updates_bias:
                cols.append(self.name("delta_b", j))
        for j in outs:  # the weights after the row's update (w_1^+), as the worked lines name them
            cols += [self.name("new_w", j, i) for i in range(1, self.n_in + 1)]
            if self.updates_bias:
                cols.append(self.name("new_b", j))
        return cols

    @property
    def show_change(self) -> bool:
        """The table's Δw columns: ``conventions.show_change`` (Fausett prints them, Negnevitsky not)."""
        return bool(self.problem.conventions.show_change)

    @property
    def updates_bias(self) -> bool:
        return self.has_bias and self.problem.training.update_biases

    def rows(self) -> list[list[str]]:
        by_step: dict[int, list[Entry]] = {}
        for e in self.log.entries:
            by_step.setdefault(e.step, []).append(e)
        rows = []
        for h in self.log.history:
            entries = by_step[h["step"]]
            ex = self.problem.data[h["example"] - 1]
            show = self.problem.rounding.show_given

            def of(kind: str, j: int, i: int | None = None, entries: list[Entry] = entries) -> str:
                return next(e.shown for e in entries if e.kind == kind and e.neuron == j and e.source == i)
            outs = range(1, self.n_out + 1)
            row = [str(h["epoch"])] + [show(x) for x in ex.input] + [show(t) for t in ex.target]
            for j in outs:
                row += [of("net", j), of("out", j), of("error", j)]
            for j in outs if self.show_change else ():
                row += [of("delta_w", j, i) for i in range(1, self.n_in + 1)]
                if self.updates_bias:
                    row.append(of("delta_b", j))
            for j in outs:
                row += [of("new_w", j, i) for i in range(1, self.n_in + 1)]
                if self.updates_bias:
                    row.append(of("new_b", j))
            rows.append(row)
        return rows

    def align(self) -> str:
        return "r" * len(self.headers())

    def epoch_rows(self) -> list[list[str]]:
        show = self.problem.rounding.show
        return [[str(e["epoch"]), str(e["errors"]), show(e["squared_error"])] for e in self.epochs]

    def squared_header(self) -> Node:
        """Σ (t − y)², or Σ (t − net)² for ADALINE: the epoch table's squared-error column."""
        e = Sub(Symbol("t", "t"), Symbol("net", "net") if self.rule.name == "adaline" else Symbol("y", "y"))
        return Sigma(None, Pow(Group(e), Number("2", 2.0)))

    def initial_rows(self) -> list[list[str]]:
        """Parameter, value: the weights (and bias or threshold) the run starts from."""
        p = self.problem
        rows = [[self.name("weight", j, i), p.rounding.show_given(p.weights[0][j - 1][i - 1])]
                for j in range(1, self.n_out + 1) for i in range(1, self.n_in + 1)]
        if self.has_bias:
            rows += [[self.name("bias", j), p.rounding.show_given(p.biases[0][j - 1])]
                     for j in range(1, self.n_out + 1)]
        return rows

    def final_rows(self) -> list[list[str]]:
        show = self.problem.rounding.show
        rows = [[self.name("weight", j, i), show(self.log.final_weights[0][j - 1][i - 1])]
                for j in range(1, self.n_out + 1) for i in range(1, self.n_in + 1)]
        if self.has_bias:
            rows += [[self.name("bias", j), show(self.log.final_biases[0][j - 1])] for j in range(1, self.n_out + 1)]
        return rows

    def outcome(self) -> str:
        """Converged in which epoch, or stopped at the epoch limit; what the trained weights get wrong."""
        c = self.convergence
        after = c["wrong_after"]
        trained = (" With the trained weights every example's output is right." if after == 0 else
                   f" With the trained weights {after} example{'s' * (after != 1)} still get{'s' * (after == 1)} "
                   "a wrong output.")
        if self.rule.name == "hebb":  # the rule never reads y: no error drives it, nothing converges
            n, wrong = self.convergence["epochs_run"], sum(e["errors"] for e in self.epochs)
            return (f"The Hebb rule does not use the output: it adds x·t whatever y is, so it has no error "
                    f"to drive to 0 and no stopping test, and runs the {n} epoch{'s' * (n != 1)} it is given. "
                    f"The y and e columns only follow how the weights do: {wrong} output{'s' * (wrong != 1)} "
                    f"{'were' if wrong != 1 else 'was'} wrong while they were being learned." + trained)
        return self._stopped() + trained

    def _stopped(self) -> str:
        c, n = self.convergence, self.convergence["epochs_run"]
        runs = f"{n} epoch{'s' * (n != 1)}"
        if c["stopped_by"] == "convergence":
            return (f"Epoch {c['epoch']} has no wrong output, so the weights no longer change: the rule "
                    f"has converged, and training stops after {runs}.")
        if c["converged"]:
            if c["epoch"] == n:
                return f"Training ran the {runs} it was given; the last one is the first with no wrong output."
            return (f"Training ran the {runs} it was given; epoch {c['epoch']} is the first with no wrong "
                    "output, and the last one has none too.")
        wrong = self.epochs[-1]["errors"]
        return (f"Training ran the {runs} it was given and stopped there; the last epoch still has "
                f"{wrong} wrong output{'s' * (wrong != 1)}: it has not converged.")

    # --- worked presentations -------------------------------------------------
    def worked(self) -> list[Presentation]:
        """The presentations ``show_steps`` selects ('last': the last one run)."""
        p = self.problem
        chosen = set(p.recorded_steps())
        if isinstance(p.show_steps, tuple) and "last" in p.show_steps:
            chosen.add(self.presentations)
        if p.show_steps == "all":
            chosen = set(range(1, self.presentations + 1))
        out = []
        for h in self.log.history:
            if h["step"] not in chosen:
                continue
            entries = sorted((e for e in self.log.entries if e.step == h["step"]),
                             key=lambda e: (e.neuron or 0, ORDER[e.kind], e.source or 0, e.index))
            ex = p.data[h["example"] - 1]
            show = p.rounding.show_given
            # Hebb's update never reads the error: the table keeps its column, the working leaves it out
            lines = [Line([e.symbol, e.formula_tree(), e.substitution_tree(), Number(e.shown, e.value)], e)
                     for e in entries if not (self.rule.name == "hebb" and e.kind == "error")]
            given = (Relation(Symbol("x", "x"), "=", Group(Listing(tuple(Number(show(x)) for x in ex.input)))),
                     Relation(T, "=", Listing(tuple(Number(show(t)) for t in ex.target))))
            out.append(Presentation(h["step"], h["epoch"], h["example"],
                                    "(" + ", ".join(show(x) for x in ex.input) + ")",
                                    ", ".join(show(t) for t in ex.target), lines, self._vector(entries), given))
        return out

    def _vector(self, entries: list[Entry]) -> list[Part] | None:
        """w⁺ = w + α·e·x = [numbers] + α·e·[x] = [new]: one output only."""
        if self.n_out != 1:
            return None
        news = [e for e in entries if e.kind == "new_w"]
        changes = [e for e in entries if e.kind == "delta_w"]
        if len(news) != self.n_in or len(changes) != self.n_in:
            return None

        def row(cells: list[Node]) -> Node:
            return Matrix((tuple(cells),))
        old = row([Number(e.operand("old").shown, e.operand("old").value) for e in news])
        xs = row([Number(e.operand("input").shown, e.operand("input").value) for e in changes])
        first = changes[0]
        factors = [Number(o.shown, o.value)
                   for o, role in zip(first.operands, first.op.roles(len(first.operands))) if role != "input"]
        change = Mul((*factors, xs)) if factors else xs
        new = row([Number(e.shown, e.value) for e in news])
        return [Symbol("w^{+}", "w+"), self._vector_rule(), Add((old, change)), new]

    def _vector_rule(self) -> Node:
        """w + α·(t − y)·x as a tree (the HTML page prints it as MathML)."""
        w, x, t = Symbol("w", "w"), Symbol("x", "x"), Symbol("t", "t")
        rate = Symbol(self.names.rate.latex, self.names.rate.plain)
        error = Group(Sub(t, Symbol("net", "net") if self.rule.name == "adaline" else Symbol("y", "y")))
        if self.rule.name == "hebb":
            factors: tuple[Node, ...] = (x, t) if self.problem.training.learning_rate == 1 else (rate, x, t)
        elif self.rule.name == "delta":
            factors = (rate, error, Apply(Symbol("f'", "f'"), (Symbol("net", "net"),)), x)
        else:
            factors = (rate, error, x)
        return Add((w, Mul(factors)))


def is_rule_log(log: TraceLog) -> bool:
    return log.epochs is not None
