"""Exercises that grade themselves: a program, a point, and blanks with their answers.

:func:`quiz` builds a :class:`Quiz` from a program (or a random one of a given level) by
blanking one kind of cell of its trace table (:func:`diffx.trace_table`, whose numbers are the
reverse and forward methods' own: nothing here applies the chain rule):

* ``values``: every operation's value (``c = a + b = 7``);
* ``partials``: every edge's local partial ∂child/∂arg as a formula in the program's names
  (``∂d/∂c = a``, the product rule), graded symbolically;
* ``adjoints``: every adjoint but the output's (``ā = c̄·1 + d̄·c = 11``, the sum over
  children);
* ``trace``: a seeded half of the primal, tangent and adjoint cells;
* ``gradient``: ∂output/∂input for every input.

Each :class:`Blank` carries its answer, the rule that gives it and the line of working a
teacher would write. :mod:`diffx.quiz_grade` grades answers; :mod:`diffx.present.quiz`
writes the exercise and the key. Random programs come from ``random.Random(seed)`` alone, so
the same seed gives the same quiz on every run and machine.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from .errors import DiffxError, option
from .graph import Graph
from .vectors import VectorProgram
from .trace_table import Sym, Term, TraceTable, trace_table

KINDS = ("values", "partials", "adjoints", "trace", "gradient")
LEVELS = (1, 2, 3, 4)
BAR, DOT = "\u0304", "\u0307"  # combining macron (an adjoint), dot above (a tangent)

# the rule each op's local partial comes from, per argument position
_RULES = {"add": ("sum rule", "sum rule"), "sub": ("difference rule", "difference rule"),
          "mul": ("product rule", "product rule"), "div": ("quotient rule", "quotient rule"),
          "pow": ("power rule", "exponential rule"), "neg": ("negation", "negation"),
          "max": ("max: 1 where it is the larger", "max: 1 where it is the larger"),
          "min": ("min: 1 where it is the smaller", "min: 1 where it is the smaller")}


@dataclass(frozen=True)
class Blank:
    """One blank: its key in an answers file (``a_bar``, ``dd/dc``), how the exercise shows
    it (``ā``, ``∂d/∂c``), the number, the formula for a partial (else None), the rule that
    gives it and the working (``ā = c̄·1 + d̄·c``)."""

    key: str
    shown: str
    kind: str  # value | partial | tangent | adjoint | gradient
    node: int
    position: int | None
    value: float
    formula: str | None
    rule: str
    working: str


@dataclass
class Quiz:
    """A program at a point with blanks; ``spec()`` is all it takes to build it again."""

    source: str
    point: dict[str, float]
    blank: str
    seed: int
    level: int | None
    graph: Graph
    table: TraceTable
    blanks: tuple[Blank, ...]

    def spec(self) -> dict[str, Any]:
        return {"source": self.source, "at": dict(self.point), "blank": self.blank,
                "seed": self.seed, "level": self.level}

    def label(self, node: int, mark: str = "") -> str:
        name = self.table.labels[node].name
        return name[0] + mark + name[1:]


def quiz(source: str | Graph | VectorProgram | None = None, *, at: Any = None, blank: str = "adjoints",
         seed: int = 0, level: int | None = None) -> Quiz:
    """An exercise on ``source`` at ``at`` with every cell of kind ``blank`` left blank, or,
    with no source, on a random program of ``level`` 1..4 (default 1) and its random point.

        >>> q = quiz("c = a + b; d = a * c", at={"a": 4, "b": 3}, blank="adjoints")
        >>> [(b.key, b.value, b.working) for b in q.blanks][:2]
        [('c_bar', 4.0, 'c̄ = d̄·a'), ('b_bar', 4.0, 'b̄ = c̄·1')]
    """
    if blank not in KINDS:
        raise DiffxError(f"{option('blank')} must be one of {', '.join(KINDS)}, not {blank!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise DiffxError(f"{option('seed')} must be a whole number from 0 to 2^63 - 1, "
                         f"got {seed!r}")
    if source is None:
        level = 1 if level is None else level
        if level not in LEVELS:
            raise DiffxError(f"{option('level')} must be 1, 2, 3 or 4, got {level!r}")
        source, at = random_program(level, random.Random(seed))
    elif level is not None:
        raise DiffxError(f"{option('level')} is for a random program: give a program or "
                         "a level, not both")
    graph = _scalar_program(source, at)
    table = trace_table(graph, at=at)
    q = Quiz(table.source, dict(table.point), blank, seed, level, graph, table, ())
    # the cells from a generator of their own: the program and point rebuild the same quiz
    q.blanks = tuple(_blanks(q, random.Random(seed)))
    if not q.blanks:
        raise DiffxError(f"{option('blank')} {blank} leaves nothing blank in "
                         f"{' '.join(table.source.split())!r}: it has no inputs or no steps")
    return q


def _scalar_program(source: Any, at: Any) -> Graph:
    """The program's graph; a vector program is refused with what makes it one (its blanks'
    keys, ``W[0,1]_bar``, would not read back as names)."""
    from .program import parse
    from .trace_vectors import array_inputs

    program = parse(source)
    if isinstance(program, Graph):
        return program
    arrays = {w: s for w, s in (program.given or array_inputs(at)).items() if s}
    what = ", ".join(f"{w} is a " + (f"matrix ({s[0]}×{s[1]})" if len(s) == 2 else
                                     f"vector ({s[0]})" if len(s) == 1 else
                                     f"{len(s)}-axis array") for w, s in arrays.items())
    raise DiffxError("quiz takes scalar programs" + (f"; {what}" if what else
                     ", and this one is written in vector notation") +
                     ": write its elements as scalar inputs (diffx trace shows the program's "
                     "scalar expansion, one row per element)")


def _blanks(q: Quiz, rng: random.Random) -> list[Blank]:
    t = q.table
    if q.blank == "values":
        return [_value(q, r.node, r.value) for r in t.primal if r.formula]
    if q.blank == "partials":
        terms = sorted((x for r in t.adjoint for x in r.terms), key=lambda x: (x.child,
                                                                                x.position))
        return [_partial(q, x) for x in terms]
    if q.blank == "adjoints":
        return [_adjoint(q, r.node, r.terms, r.value) for r in t.adjoint if r.node != t.output]
    if q.blank == "gradient":
        out = t.output_name
        return [Blank(f"d{out}/d{w}", f"∂{out}/∂{w}", "gradient", t.input_nodes[w], None,
                      t.gradient[w], None, "the input's adjoint: the sum over every route",
                      f"∂{out}/∂{w} = {q.label(t.input_nodes[w], BAR)}")
                for w in t.inputs]
    cells = [_value(q, r.node, r.value) for r in t.primal if r.formula]
    cells += [_tangent(q, r.node, r.terms, r.value) for r in t.tangent if r.terms]
    cells += [_adjoint(q, r.node, r.terms, r.value) for r in t.adjoint if r.node != t.output]
    chosen = sorted(rng.sample(range(len(cells)), max(1, len(cells) // 2))) if cells else []
    # the output's tangent is the seeded input's adjoint (ḟ = ∂f/∂seed = seed̄): a blank of
    # one with the other shown would give it away, so both are blanks or neither
    seeded = t.input_nodes.get(t.seed) if t.seed is not None else None
    pair = [k for k, c in enumerate(cells) if (c.kind == "tangent" and c.node == t.output)
            or (c.kind == "adjoint" and c.node == seeded)]
    if len(pair) == 2 and (pair[0] in chosen) != (pair[1] in chosen):
        others = [k for k in range(len(cells)) if k not in chosen and k not in pair]
        if others:  # (still half the cells: the lone one gives way to another cell)
            chosen = sorted((set(chosen) - set(pair)) | {rng.choice(others)})
        else:
            chosen = sorted(set(chosen) | set(pair))
    return [cells[k] for k in chosen]


def _formula(q: Quiz, parts: tuple[Any, ...]) -> str:
    """A formula's parts in the program's names, as diffx's parser reads them."""
    return "".join(q.table.labels[p.node].name if isinstance(p, Sym) else str(p)
                   for p in parts)


def _value(q: Quiz, node: int, value: float) -> Blank:
    row = next(r for r in q.table.primal if r.node == node)
    name = q.label(node)
    return Blank(name, name, "value", node, None, value, None, "evaluate the node",
                 f"{name} = {_formula(q, row.formula)}")


def _partial(q: Quiz, x: Term) -> Blank:
    op = q.graph.op_of(x.child)
    assert op is not None
    rule = _RULES.get(op.name, (f"derivative of {op.name}",) * 2)[x.position]
    if op.name == "pow" and x.position == 0 and q.graph.is_const(q.graph.args(x.child)[1]):
        rule = "power rule"
    child, arg = q.label(x.child), q.label(x.arg)
    same = [p for p, a in enumerate(q.graph.args(x.child)) if a == x.arg]
    key = f"d{child}/d{arg}" + (f"[{x.position + 1}]" if len(same) > 1 else "")
    formula = _formula(q, x.partial)
    return Blank(key, key.replace("d", "∂", 1).replace("/d", "/∂", 1), "partial", x.child,
                 x.position, x.partial_value, formula, rule, f"∂{child}/∂{arg} = {formula}")


def _sum(q: Quiz, terms: tuple[Term, ...], mark: str) -> str:
    out = []
    for x in terms:
        flow = q.label(x.child if mark == BAR else x.arg, mark)
        partial = _formula(q, x.partial)
        if any(c in partial for c in "+-") and not partial.startswith("("):
            partial = f"({partial})"
        out.append(f"{flow}·{partial}")
    return " + ".join(out)


def _adjoint(q: Quiz, node: int, terms: tuple[Term, ...], value: float) -> Blank:
    name = q.label(node, BAR)
    return Blank(f"{q.table.labels[node].name}_bar", name, "adjoint", node, None, value, None,
                 "sum over children", f"{name} = {_sum(q, terms, BAR)}")


def _tangent(q: Quiz, node: int, terms: tuple[Term, ...], value: float) -> Blank:
    name = q.label(node, DOT)
    return Blank(f"{q.table.labels[node].name}_dot", name, "tangent", node, None, value, None,
                 "sum over arguments", f"{name} = {_sum(q, terms, DOT)}")


# ------------------------------------------------------------------ random programs -------

_NAMES = "abcdfghkmnpqrstuw"  # no e (the constant), no v (the trace's v1, v2 ...)


@dataclass(frozen=True)
class _Level:
    inputs: tuple[int, int]
    statements: tuple[int, int]
    binary: str
    functions: tuple[str, ...]
    nesting: float  # the chance that an operand is itself an unnamed expression
    values: tuple[float, ...]


_LEVELS = {
    1: _Level((2, 2), (2, 2), "+-*", (), 0.0, (1, 2, 3, 4, 5)),
    2: _Level((2, 3), (3, 3), "+-*/", ("sq",), 0.0, (1, 2, 3, 4, 5)),
    3: _Level((2, 3), (3, 4), "+-*/", ("sq", "sin", "cos", "exp", "log"), 0.3,
              (0.5, 1, 1.5, 2, 2.5, 3)),
    4: _Level((3, 4), (5, 6), "+-*/", ("sq", "sin", "cos", "exp", "log", "tanh", "sigmoid",
                                       "sqrt"), 0.5, (-1.5, -1, -0.5, 0.5, 1, 1.5, 2)),
}
MAX_TRIES = 200
LARGEST = 1e4  # every value, partial and adjoint of a random quiz stays below this


def random_program(level: int, rng: random.Random) -> tuple[str, dict[str, float]]:
    """A program of the level's size, depth and functions, and a point where every value,
    partial and adjoint is finite and moderate; drawn from ``rng`` alone."""
    spec = _LEVELS[level]
    for _ in range(MAX_TRIES):
        source, point = _draw(spec, rng)
        if _moderate(source, point):
            return source, point
    raise DiffxError(f"no random program of level {level} found")  # pragma: no cover


def _draw(spec: _Level, rng: random.Random) -> tuple[str, dict[str, float]]:
    n_in = rng.randint(*spec.inputs)
    names = list(_NAMES[:n_in])
    unused = list(names)
    lines: list[str] = []
    n_st = rng.randint(*spec.statements)
    k = n_in
    while len(lines) < n_st or len(unused) > 1:
        first = unused.pop(rng.randrange(len(unused))) if unused else rng.choice(names)
        if len(lines) == n_st - 1 or len(lines) >= n_st:
            second = unused.pop(rng.randrange(len(unused))) if unused else rng.choice(names)
        else:
            second = rng.choice(names)
        expr = _combine(spec, rng, _operand(spec, rng, first), _operand(spec, rng, second))
        name = _NAMES[k]
        k += 1
        lines.append(f"{name} = {expr}")
        names.append(name)
        unused.append(name)
    # distinct values: a = b would hide which input a number came from
    point = dict(zip(_NAMES[:n_in], map(float, rng.sample(spec.values, n_in))))
    return "; ".join(lines), point


def _operand(spec: _Level, rng: random.Random, name: str) -> str:
    if spec.functions and rng.random() < spec.nesting:
        return _apply(rng.choice(spec.functions), name)
    return name


def _apply(fn: str, x: str) -> str:
    return f"{x}^2" if fn == "sq" else f"{fn}({x})"


def _combine(spec: _Level, rng: random.Random, x: str, y: str) -> str:
    if spec.functions and rng.random() < 0.25:
        return _apply(rng.choice(spec.functions), x if x == y else f"{x} {rng.choice('+*')} {y}")
    op = rng.choice(spec.binary)
    if x == y and op in "-/":
        op = "+" if op == "-" else "*"  # x - x and x / x are constants: no exercise
    wrap = (lambda s: f"({s})" if " " in s else s)
    return f"{wrap(x)} {op} {wrap(y)}"


def _moderate(source: str, point: dict[str, float]) -> bool:
    try:
        t = trace_table(source, at=point)
    except DiffxError:
        return False
    if t.warnings:
        return False
    numbers = [r.value for r in t.primal] + [r.value for r in t.adjoint]
    numbers += [x.partial_value for r in t.adjoint for x in r.terms]
    numbers += [r.value for r in t.tangent]
    return all(math.isfinite(v) and abs(v) < LARGEST for v in numbers) and \
        any(v != 0 for v in t.gradient.values())
