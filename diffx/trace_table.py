"""Evaluation trace tables: the primal, tangent and adjoint traces of a program at one point.

The three tables every autodiff course draws by hand (Baydin et al., *Automatic
differentiation in machine learning: a survey*, Tables 2 and 3), built from diffx's own
sweeps:

* the **primal trace**: each node, the op that makes it from earlier nodes, its value;
* the **tangent trace** (forward mode, seeded with one input): v̇ᵢ = Σⱼ ∂vᵢ/∂vⱼ · v̇ⱼ over the
  node's arguments, and the number;
* the **adjoint trace** (reverse mode): v̄ᵢ = Σ_{j ∈ Ch(i)} v̄ⱼ · ∂vⱼ/∂vᵢ over the node's
  children, written with the partials' symbols, then with their formulas, then the number.

The numbers are the methods' own (``grad(method="reverse")`` and ``method="forward"``: every
node's value, adjoint and tangent as their sweeps left them, with their warnings); the local
partials come from the op table (their formulas from its sympy form, their values from
:func:`diffx.routes.local_value`). Nothing here formats: a formula is a tuple of parts, text
and references to nodes (:class:`Sym`, :class:`Partial`), which each presenter
(:mod:`diffx.present.trace`) writes in its own notation (``v₋₁``, ``v_{-1}``).

Nodes are named by the program (``x1``, ``c``; unnamed intermediates ``v1``, ``v2``, ...
that the program does not use) or, with ``numbering="survey"``, as in the survey: the n
inputs v₋ₙ₊₁ … v₀, then v1, v2, … for the operations in evaluation order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import ops as _ops
from .errors import DiffxError, PointError, option
from .graph import Graph

NUMBERINGS = ("names", "survey")
MAX_ROWS = 2_000  # a trace table is read by a person: longer programs are refused


@dataclass(frozen=True)
class Sym:
    """A node's symbol: ``mark`` is "" (its value), "dot" (its tangent) or "bar" (adjoint)."""

    node: int
    mark: str = ""


@dataclass(frozen=True)
class Partial:
    """The symbol ∂child/∂arg of a local partial derivative."""

    child: int
    arg: int


Part = str | Sym | Partial  # a formula is a tuple of parts; text uses diffx's notation


@dataclass(frozen=True)
class Label:
    """How a node is called: ``index`` set for the survey's v_index, else ``name``."""

    name: str
    index: int | None = None


@dataclass(frozen=True)
class PrimalRow:
    node: int
    formula: tuple[Part, ...]  # () for an input in the program's names
    value: float


@dataclass(frozen=True)
class Term:
    """One edge's share of a tangent or an adjoint: the edge from ``arg`` into ``child``
    (its argument ``position``: x*x has two), the local partial ∂child/∂arg as a formula and
    a number, and the flow it multiplies: v̇_arg in the tangent trace, v̄_child in the
    adjoint trace."""

    child: int
    arg: int
    position: int
    partial: tuple[Part, ...]
    partial_value: float
    flow: float


@dataclass(frozen=True)
class TangentRow:
    """v̇ᵢ = Σⱼ v̇ⱼ · ∂vᵢ/∂vⱼ over the node's arguments (constants have no tangent); an input's
    row has no terms: its tangent is the seed, 1 or 0."""

    node: int
    terms: tuple[Term, ...]
    value: float


@dataclass(frozen=True)
class AdjointRow:
    """v̄ᵢ = Σ_{j ∈ Ch(i)} v̄ⱼ · ∂vⱼ/∂vᵢ; the output's row has no terms: its adjoint is 1."""

    node: int
    terms: tuple[Term, ...]
    value: float


@dataclass
class TraceTable:
    """The three traces of one program at one point (see the module docstring)."""

    source: str
    numbering: str
    point: dict[str, float]
    seed: str | None  # the input whose tangent is 1 (None: a program without inputs)
    labels: dict[int, Label]
    names: dict[int, str]  # the program's name of each row's node, where it has one
    inputs: tuple[str, ...]
    input_nodes: dict[str, int]
    output: int
    output_name: str
    primal: list[PrimalRow]
    tangent: list[TangentRow]
    adjoint: list[AdjointRow]
    value: float  # f at the point
    derivative: float | None  # ∂f/∂seed by forward mode
    gradient: dict[str, float]  # ∂f/∂input by the reverse method
    warnings: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        """The traces in plain text, as ``diffx trace`` prints them (written by the text
        presenter, :func:`diffx.present.trace.text`, which registers itself in ``TEXT``)."""
        return TEXT[0](self) if TEXT else repr(self)


TEXT: list[Callable[[TraceTable], str]] = []  # the text presenter, once it is imported


def trace_table(source_or_graph: str | Graph, *, at: Any, seed: str | None = None,
                numbering: str = "names") -> TraceTable:
    """The primal, tangent and adjoint traces of a program at one point.

    ``seed`` is the input whose tangent is 1 (default: the first input); ``numbering`` is
    ``"names"`` (the program's names) or ``"survey"`` (v₋ₙ₊₁ … v₀ for the inputs, then v1,
    v2, ...). The methods' warnings (values that are not finite, kinks) come along.

    >>> t = trace_table("c = a + b; d = a * c", at={"a": 4, "b": 3})
    >>> [r.value for r in t.primal], t.gradient
    ([4.0, 3.0, 7.0, 28.0], {'a': 11.0, 'b': 4.0})
    """
    from .api import grad
    from .details import sweep_details
    from .methods.run import prepare
    from .route_formulas import Formulas

    if numbering not in NUMBERINGS:
        raise DiffxError(f"{option('numbering')} must be one of {', '.join(NUMBERINGS)}, "
                         f"not {numbering!r}")
    from .trace_vectors import scalar_program

    graph, at = scalar_program(source_or_graph, at)
    if at is None and not graph.inputs:
        at = {}  # a constant program needs no point
    if at is None:
        raise PointError(f"a trace table needs a point: give {option('at')}")
    req = prepare(graph, at, None)
    if req.arrays:
        req = _one_point(req)
    if seed is None:
        seed = graph.inputs[0] if graph.inputs else None
    elif seed not in graph.input_nodes:
        inputs = ", ".join(graph.inputs) or "none"
        raise DiffxError(f"{option('seed')} {seed!r} is not an input of the program "
                         f"(inputs: {inputs})")
    rows = _rows(graph)
    if len(rows) > MAX_ROWS:
        raise DiffxError(f"the program has {len(rows):,} steps; a trace table shows at most "
                         f"{MAX_ROWS:,} (trace a smaller program)")
    reverse = grad(graph, at=req.point, method="reverse")
    rdet = sweep_details(reverse.details)
    vals, adj = rdet.values, rdet.adjoints
    assert vals is not None and adj is not None
    warnings = list(reverse.warnings)
    derivative, tangents = None, None
    if seed is not None:
        forward = grad(graph, at=req.point, wrt=seed, method="forward")
        fdet = sweep_details(forward.details)
        tangents = (fdet.tangents or {})[seed]
        derivative = (forward.gradient or {})[seed]
        warnings += [w for w in forward.warnings if w not in warnings]
    unused = graph.unused_warning()
    if unused:
        warnings.append(f"{unused} (the traces show only what the output uses)")
    labels = _labels(graph, rows, numbering)
    formulas = _Formulas(graph)
    active = graph.depends_on([graph.input_nodes[w] for w in graph.inputs])
    table = TraceTable(
        source=graph.source, numbering=numbering, point=dict(req.point or {}), seed=seed,
        labels=labels, names={n: nm for n in rows if (nm := _own_name(graph, n))},
        inputs=graph.inputs, input_nodes=dict(graph.input_nodes), output=graph.output,
        output_name=graph.output_name,
        primal=[PrimalRow(n, formulas.primal(n, numbering), float(vals[n])) for n in rows],
        tangent=[], adjoint=[], value=float(vals[graph.output]), derivative=derivative,
        gradient=dict(reverse.gradient or {}), warnings=warnings)
    children = _children(graph, rows)

    def term(child: int, pos: int, flow: Any) -> Term:
        arg = graph.args(child)[pos]
        return Term(child, arg, pos, formulas.partial(child, pos),
                    _partial_value(graph, vals, child, pos), float(flow))

    with Formulas.as_written():  # the partials as the op table writes them (once per table)
        if tangents is not None:
            table.tangent = [TangentRow(n, tuple(
                term(n, p, tangents[a]) for p, a in enumerate(graph.args(n))
                if not graph.is_const(a)), float(tangents[n])) for n in rows]
        for n in reversed(rows):
            if not active[n]:
                continue  # a node no input reaches is a constant: it has no adjoint to show
            table.adjoint.append(AdjointRow(
                n, tuple(term(c, p, adj[c]) for c, p in children[n]), float(adj[n])))
    return table


def _one_point(req: Any) -> Any:
    """A point given as arrays (a CSV file, a range) that holds exactly one point, as
    numbers; more points are refused: a trace table shows one."""
    import numpy as np

    sizes = {int(np.size(v)) for v in req.point.values()}
    if sizes == {1}:
        point = {k: float(np.asarray(v).reshape(-1)[0]) for k, v in req.point.items()}
        return req._replace(point=point, arrays=False)
    count = max(sizes)
    example = ",".join(f"{w}=1" for w in req.graph.inputs)
    raise PointError(f"a trace table shows one point, and {option('at')} gives an array of "
                     f"{count:,} points; give one value per input, such as {example}")


def _rows(graph: Graph) -> list[int]:
    """The nodes a trace shows: inputs, then the operations the output uses, in order."""
    live = graph.reachable_from_output()
    inputs = [graph.input_nodes[w] for w in graph.inputs]
    ops = [n for n in range(graph.output + 1)
           if live[n] and not graph.is_input(n) and not graph.is_const(n)]
    return inputs + ops


def _own_name(graph: Graph, node: int) -> str | None:
    return graph.name(node) or (graph.output_name if node == graph.output else None)


def _labels(graph: Graph, rows: list[int], numbering: str) -> dict[int, Label]:
    """Each row's label: the survey's v_k, or the program's name (a fresh v1, v2, ... for an
    unnamed intermediate, never one the program uses)."""
    n_in = len(graph.inputs)
    if numbering == "survey":
        return {node: Label(f"v{k - n_in + 1}", k - n_in + 1) for k, node in enumerate(rows)}
    taken = set(graph.inputs) | set(graph.assigned) | {graph.output_name}
    out: dict[int, Label] = {}
    k = 1
    for node in rows:
        name = _own_name(graph, node)
        if name is None:
            while f"v{k}" in taken:
                k += 1
            name = f"v{k}"
            k += 1
        out[node] = Label(name)
    return out


def _children(graph: Graph, rows: list[int]) -> dict[int, list[tuple[int, int]]]:
    """Each row's children as (child, argument position), the earlier child first."""
    kids: dict[int, list[tuple[int, int]]] = {n: [] for n in rows}
    for child in rows:
        for pos, arg in enumerate(graph.args(child)):
            if arg in kids:
                kids[arg].append((child, pos))
    return kids


def _partial_value(graph: Graph, vals: Sequence[Any], child: int, position: int) -> float:
    from .routes import Edge, local_value

    return float(local_value(graph, vals, Edge(graph.args(child)[position], child, position)))


_TOKEN = re.compile(r"Z(\d+)Z")  # how a node is written inside a formula before it is split


def _split(text: str) -> tuple[Part, ...]:
    """Formula text with ``Z12Z`` for node 12 as parts: text and :class:`Sym`."""
    parts: list[Part] = []
    at = 0
    for m in _TOKEN.finditer(text):
        if m.start() > at:
            parts.append(text[at:m.start()])
        parts.append(Sym(int(m.group(1))))
        at = m.end()
    if at < len(text):
        parts.append(text[at:])
    return tuple(parts)


class _Formulas:
    """Primal and local-partial formulas over node symbols: the op table's own forms (the
    partials' sympy form, the lecture's, printed in diffx's notation)."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._syms: dict[int, Any] = {}

    def _sym(self, node: int) -> Any:
        import sympy

        if node not in self._syms:
            g = self.graph
            if g.is_const(node):
                v = g.const_value(node)
                self._syms[node] = sympy.Integer(int(v)) if float(v).is_integer() and \
                    abs(v) < 2**53 else sympy.Float(v)
            else:
                self._syms[node] = sympy.Symbol(f"Z{node}Z", real=True)
        return self._syms[node]

    def primal(self, node: int, numbering: str) -> tuple[Part, ...]:
        """How the node is made from its arguments (``log(x1)``, ``v-1*v0``); an input's row
        names the input in the survey's numbering and is empty otherwise."""
        g = self.graph
        if g.is_input(node):
            return (g.input_name(node),) if numbering == "survey" else ()
        op = g.op_of(node)
        assert op is not None
        args = []
        for a in g.args(node):
            if g.is_const(a):
                text = g.const_text(a)
                args.append((text, 3 if text.startswith("-") else 9))
            else:
                args.append((f"Z{a}Z", 9))
        return _split(_ops.spell(op, args)[0])

    def partial(self, child: int, position: int) -> tuple[Part, ...]:
        """The local partial ∂child/∂(its argument at ``position``) as the op table writes it."""
        import sympy

        from .notation import formula_text

        g = self.graph
        op = g.op_of(child)
        assert op is not None
        args = tuple(self._sym(a) for a in g.args(child))
        expr = op.local_partials(args, self._sym(child), ns="sympy")[position]
        if isinstance(expr, int | float):  # constant partials ("1") come back as numbers
            expr = sympy.Integer(expr) if isinstance(expr, int) else sympy.Float(expr)
        return _split(formula_text(expr))
