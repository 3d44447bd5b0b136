"""Scalar expressions as written by a user: a safe parser of our own (nothing is evaluated).

``parse("q = x + y; f = q * z")`` reads statements separated by ``;`` or line breaks, each
``name = expression`` (the last one may be a bare expression: its name is then ``f``).
The grammar is small and fixed: numbers, names, ``+ - * /``, ``**`` and ``^`` (both power,
right-associative, binding tighter than a leading minus: ``-x^2`` is ``-(x^2)``), brackets,
and calls of the known functions (``exp``, ``log``/``ln``, ``max`` with two or more
arguments, and every activation of ``tracer.model.activations.ACTIVATIONS`` that works on one
number). Python's ``eval`` and sympy's ``sympify``/``parse_expr`` are never called on the
text, so no input can run code. A syntax error is one line naming the column (and the
line, for a text of several lines): ``--expr: column 7: found ')'; expected a number, a
name or '('``.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import ProblemError
from .activations import ACTIVATIONS, Activation

#: Functions of one argument besides the activations; ``ln`` is another name for ``log``.
ELEMENTARY = ("exp", "log", "ln")
#: ``max`` takes two or more arguments and routes a tie to its first maximal argument.
VARIADIC = ("max",)
#: Names a variable may not take: the functions, and e (Euler's number is exp(1)).
DEFAULT_OUTPUT = "f"
GREEK = frozenset([
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda",
    "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega"
])


def activation_named(name: str) -> Activation:
    """The registry's activation under ``name`` (a class or a ready registry object)."""
    entry: object = ACTIVATIONS[name]
    if isinstance(entry, Activation):
        return entry
    if callable(entry):
        made = entry()
        if isinstance(made, Activation):
            return made
    raise TypeError(f"activation registry entry {name!r} is neither an Activation nor makes one")


def scalar_activations() -> tuple[str, ...]:
    """The registry's activations that map one number to one number (softmax needs a layer)."""
    return tuple(n for n in ACTIVATIONS if not activation_named(n).layerwise
                 and not activation_named(n).hard_limiter)   # step, sign: no gradient to follow


def function_names() -> tuple[str, ...]:
    return (*ELEMENTARY, *VARIADIC, *scalar_activations())


# --- the syntax tree ----------------------------------------------------------------
@dataclass(frozen=True)
class Num:
    text: str
    value: float
    column: int


@dataclass(frozen=True)
class Var:
    name: str
    column: int


@dataclass(frozen=True)
class Unary:
    """-a (a leading + is dropped when parsed)."""

    operand: Expr
    column: int


@dataclass(frozen=True)
class Binary:
    """a op b with op one of + - * / ^ (``**`` is read as ``^``)."""

    op: str
    left: Expr
    right: Expr
    column: int


@dataclass(frozen=True)
class Call:
    func: str          # as written; ``ln`` stays ``ln`` (printed as ln)
    args: tuple[Expr, ...]
    column: int


Expr = Num | Var | Unary | Binary | Call


@dataclass(frozen=True)
class Statement:
    name: str
    expr: Expr
    named: bool        # False: the bare last expression, named DEFAULT_OUTPUT


@dataclass(frozen=True)
class Program:
    """Statements in order; the last one's name is the output."""

    statements: tuple[Statement, ...]
    text: str

    @property
    def output(self) -> str:
        return self.statements[-1].name

    @property
    def defined(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.statements)

    def variables(self) -> tuple[str, ...]:
        """Names read but never assigned, in order of first appearance."""
        seen: dict[str, None] = {}
        defined = set(self.defined)
        for s in self.statements:
            for name in _names(s.expr):
                if name not in defined:
                    seen.setdefault(name)
        return tuple(seen)


def _names(e: Expr) -> list[str]:
    if isinstance(e, Var):
        return [e.name]
    if isinstance(e, Unary):
        return _names(e.operand)
    if isinstance(e, Binary):
        return _names(e.left) + _names(e.right)
    if isinstance(e, Call):
        return [n for a in e.args for n in _names(a)]
    return []


# --- tokens -----------------------------------------------------------------------------
_TOKEN = re.compile(r"""
    (?P<space>[ \t\r]+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
  | (?P<name>[A-Za-z][A-Za-z0-9_]*)
  | (?P<op>\*\*|[-+*/^(),;=\n])
""", re.VERBOSE)


@dataclass(frozen=True)
class Token:
    kind: str      # number | name | op | end
    text: str
    offset: int    # 0-based offset in the whole text


class Parser:
    """Recursive descent over the tokens; ``where`` opens every error (``--expr`` or a file's field)."""

    def __init__(self, text: str, where: str) -> None:
        self.text = text
        self.where = where
        self.tokens = self._tokenize()
        self.pos = 0

    # -- errors ---------------------------------------------------------------------
    def position(self, offset: int) -> str:
        line = self.text.count("\n", 0, offset) + 1
        column = offset - (self.text.rfind("\n", 0, offset) + 1) + 1
        return f"line {line}, column {column}" if "\n" in self.text.strip("\n") else f"column {column}"

    def error(self, token: Token, expected: str) -> ProblemError:
        found = {"end": "the end of the expression", "op": f"'{token.text}'"}.get(token.kind, f"'{token.text}'")
        if token.text == "\n":
            found = "the end of the line"
        return ProblemError(f"{self.where}: {self.position(token.offset)}: found {found}; expected {expected}")

    def _tokenize(self) -> list[Token]:
        tokens: list[Token] = []
        k = 0
        while k < len(self.text):
            m = _TOKEN.match(self.text, k)
            if m is None:
                ch = self.text[k]
                shown = ch if ch.isprintable() else repr(ch)
                raise ProblemError(f"{self.where}: {self.position(k)}: found '{shown}'; expected a number, "
                                   "a name, an operator (+ - * / ** ^) or a bracket")
            kind = m.lastgroup or ""
            if kind != "space":
                tokens.append(Token(kind, m.group(), k))
            k = m.end()
        tokens.append(Token("end", "", len(self.text)))
        return tokens

    # -- helpers --------------------------------------------------------------------
    @property
    def token(self) -> Token:
        return self.tokens[self.pos]

    def take(self) -> Token:
        t = self.tokens[self.pos]
        self.pos += 1
        return t

    def at(self, *texts: str) -> bool:
        return self.token.kind == "op" and self.token.text in texts

    def column(self, t: Token) -> int:
        return t.offset - (self.text.rfind("\n", 0, t.offset) + 1) + 1

    # -- grammar --------------------------------------------------------------------
    def program(self) -> Program:
        statements: list[Statement] = []
        while True:
            while self.at(";", "\n"):
                self.take()
            if self.token.kind == "end":
                break
            statements.append(self.statement())
            if not (self.at(";", "\n") or self.token.kind == "end"):
                raise self.error(self.token, "an operator, ';' or the end of the expression")
        if not statements:
            raise ProblemError(f"{self.where}: found an empty expression; expected an expression "
                               "such as 'f = (x + y) * z'")
        return Program(tuple(statements), self.text)

    def statement(self) -> Statement:
        first = self.token
        if first.kind == "name" and self.tokens[self.pos + 1].kind == "op" and self.tokens[self.pos + 1].text == "=":
            self.take()
            self.take()
            if first.text in function_names() or first.text == "e":
                raise self.error(first, f"a name other than '{first.text}' for the result "
                                 "(it is a function's or a constant's name)")
            return Statement(first.text, self.expr(), True)
        return Statement(DEFAULT_OUTPUT, self.expr(), False)

    def expr(self) -> Expr:
        left = self.term()
        while self.at("+", "-"):
            op = self.take()
            left = Binary(op.text, left, self.term(), self.column(op))
        return left

    def term(self) -> Expr:
        left = self.unary()
        while self.at("*", "/"):
            op = self.take()
            left = Binary(op.text, left, self.unary(), self.column(op))
        return left

    def unary(self) -> Expr:
        if self.at("+"):
            self.take()
            return self.unary()
        if self.at("-"):
            op = self.take()
            operand = self.unary()
            if isinstance(operand, Num) and not operand.text.startswith("-"):
                return Num("-" + operand.text, -operand.value, self.column(op))  # -2: a number, not a gate
            return Unary(operand, self.column(op))
        return self.power()

    def power(self) -> Expr:
        base = self.atom()
        if self.at("**", "^"):
            op = self.take()
            return Binary("^", base, self.unary(), self.column(op))  # right-associative: 2^3^2 = 2^9
        return base

    def atom(self) -> Expr:
        t = self.token
        if t.kind == "number":
            self.take()
            value = float(t.text)
            if not math.isfinite(value):
                raise self.error(t, "a finite number")
            return Num(t.text, value, self.column(t))
        if t.kind == "name":
            self.take()
            if self.at("("):
                return self.call(t)
            if t.text in function_names():
                raise self.error(self.token, f"'(' after the function {t.text}")
            if t.text == "e":
                raise self.error(t, "a variable name other than e (write exp(x) for e to the x)")
            return Var(t.text, self.column(t))
        if self.at("("):
            self.take()
            inner = self.expr()
            if not self.at(")"):
                raise self.error(self.token, "')' or an operator")
            self.take()
            return inner
        raise self.error(t, "a number, a name or '('")

    def call(self, name: Token) -> Call:
        names = function_names()
        if name.text not in names:
            from .schema import closest
            raise ProblemError(f"{self.where}: {self.position(name.offset)}: found the unknown function "
                               f"'{name.text}'{closest(name.text, names)}; expected one of: {', '.join(names)}")
        self.take()  # (
        args = [self.expr()]
        while self.at(","):
            self.take()
            args.append(self.expr())
        if not self.at(")"):
            raise self.error(self.token, "',' or ')'")
        self.take()
        if name.text in VARIADIC and len(args) < 2:
            raise ProblemError(f"{self.where}: {self.position(name.offset)}: found {name.text} with 1 argument; "
                               "expected two or more arguments")
        if name.text not in VARIADIC and len(args) != 1:
            raise ProblemError(f"{self.where}: {self.position(name.offset)}: found {name.text} with "
                               f"{len(args)} arguments; expected one argument")
        return Call(name.text, tuple(args), self.column(name))


def parse(text: str, where: str = "--expr") -> Program:
    """Read and check the statements: names defined once, before use, the bare one last."""
    if not isinstance(text, str):
        raise ProblemError(f"{where}: found {type(text).__name__}; expected an expression as text")
    parser = Parser(text, where)
    program = parser.program()
    defined: dict[str, int] = {}
    for k, s in enumerate(program.statements, 1):
        if not s.named and k != len(program.statements):
            raise ProblemError(f"{where}: statement {k}: found an expression without a name; expected "
                               "name = expression (only the last statement may be a bare expression)")
        for used in _names(s.expr):
            if used in defined and defined[used] >= k:
                raise ProblemError(f"{where}: statement {k}: found {used} used in its own definition; "
                                   "expected a name defined by an earlier statement or a variable")
        if s.name in defined:
            raise ProblemError(f"{where}: statement {k}: found {s.name} defined again (first in statement "
                               f"{defined[s.name]}); expected each name defined once")
        defined[s.name] = k
    for k, s in enumerate(program.statements, 1):
        for later in program.statements[k:]:
            if later.name in _names(s.expr):
                raise ProblemError(f"{where}: statement {k}: found {later.name} used before the statement "
                                   "that defines it; expected the statements in the order they are computed")
    return program


def parse_values(text: str, where: str = "--at") -> dict[str, float]:
    """``"x=-2, y=5, z=-4"`` as a mapping (numbers as Python reads them: finite decimals)."""
    values: dict[str, float] = {}
    for item in [part.strip() for part in text.split(",")]:
        name, eq, number = (s.strip() for s in item.partition("="))
        if not eq or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
            raise ProblemError(f"{where}: found '{item}'; expected name=value pairs separated by commas "
                               "(x=-2, y=5)")
        try:
            value = float(number)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", number):
            raise ProblemError(f"{where}: {name}: found '{number}'; expected a finite number")
        if name in values:
            raise ProblemError(f"{where}: found {name} twice; expected each variable once")
        values[name] = value
    return values


def check_values(program: Program, values: Mapping[str, float], where: str) -> None:
    """Every variable has a value, and every value belongs to a variable."""
    variables = program.variables()
    for name in variables:
        if name not in values:
            raise ProblemError(f"{where}: found no value for the variable {name}; expected a value for each "
                               f"of: {', '.join(variables)}")
    for name in values:
        if name in program.defined:
            raise ProblemError(f"{where}: {name}: found a value for {name}, which the expression computes; "
                               f"expected values for the variables only ({', '.join(variables)})")
        if name not in variables:
            raise ProblemError(f"{where}: {name}: found a value for {name}, which the expression does not use; "
                               f"expected values for: {', '.join(variables)}")


def name_latex(name: str) -> str:
    """A name as LaTeX, as the network notation writes names: ``x``, ``w0`` -> ``w_{0}``,
    ``x_1`` -> ``x_{1}``, ``out_h1`` -> ``out_{h1}``, ``alpha`` -> ``\\alpha``."""
    base, sep, sub = name.partition("_")
    if not sep:
        m = re.fullmatch(r"([A-Za-z]+)(\d+)", name)
        if m:
            base, sub = m.group(1), m.group(2)
    head = f"\\{base}" if base in GREEK else base
    if not sub:
        return head
    return f"{head}_{{{sub.replace('_', ',')}}}"
