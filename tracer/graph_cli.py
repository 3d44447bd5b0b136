"""``tracer run`` on expressions: ``--expr``/``--at``, expression problem files, and a
network's neuron as a circuit (``--neuron o1 --graph``).

cli.py adds these options (``add_arguments``) and hands every run to ``run`` first, which
returns None when the run is a network's as before.
"""
from __future__ import annotations

import argparse
import math
import re
from dataclasses import replace
from pathlib import Path

from . import examples
from .errors import ProblemError
from .model.graph_problem import GraphProblem, is_expression_file
from .outputs import not_the_input
from .run_output import write_run


def add_arguments(run: argparse.ArgumentParser) -> None:
    run.add_argument("--expr", default=None, help='an expression to trace as a circuit, e.g. "f = (x + y) * z"')
    run.add_argument("--at", default=None, help='the values of its variables, e.g. "x=-2, y=5, z=-4"')
    run.add_argument("--output-gradient", default=None, metavar="G",
                     help="the gradient arriving at the output (default: 1)")
    run.add_argument("--neuron", default=None, help="with --graph: the neuron to draw as a circuit, e.g. o1")
    run.add_argument("--graph", action="store_true", help="with --neuron: one neuron's computation as gates")


def _gradient(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ProblemError(f"--output-gradient: found '{text}'; expected a finite number")
    return value


def load(args: argparse.Namespace) -> GraphProblem | None:
    """The expression problem this run asks for, or None for a network run."""
    gradient = _gradient(args.output_gradient)
    if args.graph or args.neuron is not None:
        if not (args.graph and args.neuron is not None):
            missing = "--neuron NAME" if args.graph else "--graph"
            raise ProblemError(f"{'--graph' if args.graph else '--neuron'}: found without {missing}; "
                               f"expected --neuron NAME --graph together (a network's neuron as a circuit)")
        if args.expr is not None:
            raise ProblemError("--graph: found together with --expr; expected one of the two")
        return neuron_problem(args.problem, args.neuron)
    if args.expr is not None:
        if args.problem is not None:
            raise ProblemError(f"--expr: found together with the problem '{args.problem}'; expected one of the two")
        return examples.seeded(GraphProblem.from_command(args.expr, args.at, gradient))
    if args.at is not None:
        raise ProblemError("--at: found without --expr; expected --expr EXPRESSION --at VALUES "
                           "(an expression problem file has its own values)")
    if args.problem == "-":  # standard input: a network problem (tracer run -)
        return None
    path = resolve(args.problem)
    if not is_expression_file(path):
        if gradient is not None:
            raise ProblemError("--output-gradient: found with a network problem; expected it with --expr "
                               "or an expression problem file")
        return None
    problem = GraphProblem.from_file(path)
    return examples.seeded(problem if gradient is None else replace(problem, output_gradient=gradient))


def resolve(spec: str | None) -> Path:
    """A problem file; a built-in expression example by name (its folder's expression.yaml)."""
    return examples.resolve_any(spec)


def run(args: argparse.Namespace) -> int | None:
    """Trace and write an expression run; None when the run is a network's."""
    problem = load(args)
    if problem is None:
        return None
    from .engine.graph import trace_graph
    if args.digits is not None:
        problem = replace(problem, rounding=replace(problem.rounding, digits=args.digits))
    if args.output is not None and args.problem is not None and not args.graph:
        not_the_input(Path(args.output), Path(problem.source))
    return write_run(trace_graph(problem), args)


_IDENT = re.compile(r"[^A-Za-z0-9_]")


def _ident(name: str) -> str:
    """A notation's plain name as an expression variable (out_h1 stays, w_{11} -> w_11)."""
    cleaned = _IDENT.sub("", name.replace("{", "").replace("}", ""))
    return cleaned if cleaned and cleaned[0].isalpha() else f"v{cleaned}"


def neuron_problem(spec: str | None, label: str) -> GraphProblem:
    """One neuron of a network's first recorded step as an expression: its net input, then its
    activation, at the values of that step; the gradient arriving at its output is ∂E/∂out, so
    the circuit's gradients are the network's (∂E/∂w for each weight into the neuron)."""
    from .engine.trace import trace
    from .model.conv_problem import ConvProblem
    from .model.expression import activation_named, scalar_activations
    from .model.problem import Problem
    path = examples.resolve(spec)
    network = Problem.from_file(path)
    if isinstance(network, ConvProblem):
        raise ProblemError(f"--graph: found the convolutional network {path}; expected a dense network "
                           "(a neuron of a dense network as a circuit)")
    log = trace(network)
    L = len(network.layers) - 1
    labels = {log.notation.neuron(l, j).plain: (l, j) for l in range(1, L + 1)
              for j in range(1, network.layers[l] + 1)}
    if label not in labels:
        from .model.schema import closest
        raise ProblemError(f"--neuron: found '{label}'{closest(label, labels)}; expected a neuron of this "
                           f"network that is not an input: {', '.join(labels)}")
    l, j = labels[label]
    act = network.activations[l - 1]
    if act.name not in scalar_activations() or act != activation_named(act.name):
        raise ProblemError(f"--neuron: found {label} with the activation {act.spec()}; expected a neuron whose "
                           f"activation works on one number with its default settings ({', '.join(scalar_activations())})")
    step = log.steps[0]
    net = next(e for e in log.entries if e.kind == "net" and e.layer == l and e.neuron == j and e.step == step)
    out = next(e for e in log.entries if e.kind == "out" and e.layer == l and e.neuron == j and e.step == step
               and e.example == net.example)
    dout = next(e for e in log.entries if e.kind == "dout" and e.layer == l and e.neuron == j and e.step == step
                and e.example == net.example)
    values = {_ident(o.name): o.value for o in net.operands}
    terms = [f"{_ident(w.name)} * {_ident(x.name)}" for w, x in zip(net.operands_in("weight"), net.operands_in("input"))]
    terms += [_ident(b.name) for b in net.operands_in("bias")]
    net_name, out_name = _ident(net.name), _ident(out.name)
    # An output neuron's error E_o1 is the only part of E_total its weights and inputs reach, and
    # ∂E_o1/∂out_h1 = 0.0554 is Mazur's name for what arrives at out_h1 through o1 (∂E_total/∂out_h1
    # = 0.0364 sums o1 and o2). A hidden neuron's gradient is ∂E_total's; its inputs get only this
    # neuron's share, said in the description.
    of = log.notation.quantity("loss", L, j if l == L else None).latex
    fed = [x.name for x in net.operands_in("input")]
    shared = ""
    if network.layers[l] > 1:
        shared = (f" What arrives at {', '.join(fed)} is only the part of their gradient that flows back through "
                  f"{label}; the other neurons of its layer add theirs.")
    text = f"{net_name} = {' + '.join(terms)}; {out_name} = {act.name}({net_name})"
    problem = GraphProblem.from_command(text, ", ".join(f"{k}={v!r}" for k, v in values.items()), dout.value)
    return replace(problem, title=f"Neuron {label} of '{network.title}' as a circuit",
                   description=(f"The neuron's net input and activation as gates, at the values of step {step}. The "
                                f"gradient arriving at its output is the network's {dout.name} = {dout.shown}, so the "
                                f"gradient at each weight is the network's gradient of the error for that weight."
                                + shared),
                   rounding=network.rounding, source=str(path), gradient_of=of)
