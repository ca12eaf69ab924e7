"""Routes: every chain of edges from an input to the output, and the route-sum.

The derivative of the output with respect to an input is the sum, over every route between
them, of the product of the local derivatives on the route's edges. The reverse sweep is the
same sum, factored: it never lists a route. Routes are counted in one linear pass
(:func:`count_routes`, in :mod:`diffx.counts`: exact however many there are, never
enumerating them) and listed here (explicit stack, up to a limit) so a person can see the
sum; labels name the nodes, and ``Formulas`` gives each edge's local derivative as sympy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import ops as _ops
from .counts import EXACT_ROUTE_BITS, count_routes  # noqa: F401  (counted in diffx.counts)
from .graph import Graph

DEFAULT_LIMIT = 1000


@dataclass(frozen=True)
class Edge:
    """The edge from ``arg`` into ``node`` at argument ``position``."""

    arg: int
    node: int
    position: int


@dataclass(frozen=True)
class Route:
    """A route from an input to the output: its edges, from the input up."""

    edges: tuple[Edge, ...]

    @property
    def nodes(self) -> tuple[int, ...]:
        if not self.edges:
            return ()
        return (self.edges[0].arg,) + tuple(e.node for e in self.edges)


def list_routes(graph: Graph, wrt: str, limit: int = DEFAULT_LIMIT) -> tuple[list[Route], bool]:
    """Up to ``limit`` routes from input ``wrt`` to the output; and whether that is all of them.

    Depth-first over an explicit stack, visiting only nodes that depend on ``wrt``, so every
    branch explored ends in a route (see :func:`route_ids`).
    """
    edges, found, complete = route_ids(graph, wrt, limit)
    return [Route(tuple(edges[i] for i in reversed(ids))) for ids in found], complete


def route_ids(graph: Graph, wrt: str, limit: int = DEFAULT_LIMIT
              ) -> tuple[list[Edge], list[tuple[int, ...]], bool]:
    """The routes of :func:`list_routes` as numbers: the distinct edges they use, each route
    as the indices of its edges from the output down, and whether that is all of them.

    The path is one list, cut back to the depth of the entry being visited (never copied per
    entry), and each distinct edge is numbered once: listing costs about the total length of
    the routes listed.
    """
    target = graph.input_nodes[wrt]
    if target == graph.output:
        return [], [()], True
    reach = graph.depends_on([target])
    numbered: dict[tuple[int, int, int], int] = {}
    edges: list[Edge] = []
    found: list[tuple[int, ...]] = []
    path: list[int] = []  # edge indices, from the output down
    stack: list[tuple[int, int, int]] = [(graph.output, 0, -1)]
    a, b = graph.a, graph.b
    while stack:
        node, depth, edge = stack.pop()
        del path[depth:]
        if edge >= 0:
            path.append(edge)
        if node == target:
            if len(found) == limit:
                return edges, found, False
            found.append(tuple(path))
            continue
        depth = len(path)
        for pos, arg in ((1, b[node]), (0, a[node])):  # the first argument is visited first
            if arg >= 0 and reach[arg]:
                key = (arg, node, pos)
                e = numbered.get(key)
                if e is None:
                    e = numbered[key] = len(edges)
                    edges.append(Edge(arg, node, pos))
                stack.append((arg, depth, e))
    return edges, found, True


SHORT = 12  # an unnamed intermediate longer than this is called v1, v2, ... in listings
LABEL_ALL = 20_000  # graphs up to this size are labelled whole, in order


class Labels:
    """Short names for the nodes of one listing or picture.

    A named node keeps its name and a short unnamed one its expression (``sin(z)``, ``4*x``);
    a longer one becomes ``v1``, ``v2``, ... and ``legend`` says what it stands for, as the
    lecture notes name intermediate values. A label never repeats a name the program uses
    (an input or a statement called ``v1`` pushes the labels on to ``v2``, ...): a label and
    a program name that looked alike would also be one sympy symbol in the route-sum. Made
    fresh for each listing or picture (so the numbering never depends on what was asked
    before), filled on demand with an explicit stack.
    """

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.text: dict[int, str] = {}
        self.legend: dict[str, str] = {}
        self._prec: dict[int, int] = {}
        self.taken = set(graph.inputs) | set(graph.assigned) | {graph.output_name}
        self._next = 1
        if graph.output < LABEL_ALL:  # number v1, v2, ... in graph order: the same every time
            for node in range(graph.output + 1):
                self._fill(node)

    def __call__(self, node: int) -> str:
        if node not in self.text:
            self._fill(node)
        return self.text[node]

    def is_short_name(self, node: int) -> bool:
        """Whether the node is shown as a name (its own, or v1, v2, ...)."""
        text = self(node)
        return text in self.legend or self.graph.name(node) is not None or (
            node == self.graph.output)

    def _fresh(self) -> str:
        """The next of v1, v2, ... that the program does not use itself."""
        while f"v{self._next}" in self.taken:
            self._next += 1
        self._next += 1
        return f"v{self._next - 1}"

    def _fill(self, root: int) -> None:
        g = self.graph
        stack = [(root, False)]
        while stack:
            node, ready = stack.pop()
            if node in self.text:
                continue
            name = g.name(node) or (g.output_name if node == g.output else None)
            if name is not None or g.op[node] == _ops.CONST:
                self.text[node] = name or g.const_text(node)
                self._prec[node] = 9 if name or not self.text[node].startswith("-") else 3
                continue
            args = g.args(node)
            if not ready:
                stack.append((node, True))
                stack.extend((a, False) for a in args if a not in self.text)
                continue
            op = g.op_of(node)
            assert op is not None
            text, prec = _ops.spell(op, [(self.text[a], self._prec[a]) for a in args])
            if len(text) > SHORT:
                # small graphs count v1, v2, ... in order; huge ones name the node's index
                label = self._fresh() if g.output < LABEL_ALL else f"n{node}"
                while label in self.taken:  # (a program may call a node n12 too)
                    label = "_" + label
                self.legend[label] = text
                text, prec = label, 9
            self.text[node], self._prec[node] = text, prec


def labels(graph: Graph) -> Labels:
    """A fresh set of labels for one listing or picture."""
    return Labels(graph)


def route_text(labels: Labels, route: Route) -> str:
    """``a → c → d``"""
    return " → ".join(labels(n) for n in route.nodes)


def partial_symbol(labels: Labels, edge: Edge) -> str:
    """``∂d/∂c``: the local derivative an edge carries, by name."""
    def part(node: int) -> str:
        text = labels(node)
        return f"({text})" if any(c in text for c in " +-*/^") else text

    return f"∂{part(edge.node)}/∂{part(edge.arg)}"


def local_value(graph: Graph, vals: list[Any], edge: Edge) -> Any:
    """The local derivative on an edge at the forward values ``vals`` (inf or nan where the
    op has none, e.g. sqrt at 0: numpy floats, so that 0.5/0 is inf rather than an error)."""
    import numpy as np

    op = graph.op_of(edge.node)
    assert op is not None
    args = tuple(np.float64(v) if isinstance(v, float) else v
                 for v in (vals[a] for a in graph.args(edge.node)))
    out = vals[edge.node]
    with np.errstate(all="ignore"):
        value = op.local_partials(args, np.float64(out) if isinstance(out, float) else out)
    value = value[edge.position]
    return float(value) if np.ndim(value) == 0 else value


def tree_copies(graph: Graph, vals: list[Any] | None,
                limit: int) -> list[tuple[str, int, str | None, int, Any]]:
    """The expression as a tree, every shared node copied once per use: a row per copy,
    ``(id, node, parent id, argument position, path product)``. The path product multiplies
    the local derivatives from the output down to the copy (None without values): on the
    copies of an input, these are exactly the route products of the route-sum."""
    rows: list[tuple[str, int, str | None, int, Any]] = []
    stack: list[tuple[int, str, str | None, int, Any]] = [(graph.output, "t0", None, 0, 1.0)]
    made = 0
    while stack and len(rows) < limit:
        node, ident, parent, pos, path = stack.pop()
        rows.append((ident, node, parent, pos, path))
        for k, arg in enumerate(graph.args(node)):
            local = None
            if vals is not None and path is not None and not graph.is_const(arg):
                local = local_value(graph, vals, Edge(arg, node, k))
            made += 1
            stack.append((arg, f"t{made}", ident, k, path * local if local is not None else None))
    return rows


# ---------------------------------------------------------------- formulas -------------------

class Formulas:
    """Local derivatives as sympy expressions, written with the program's names.

    A named node (an input, or ``c`` in ``c = a + b``) appears as its name; an unnamed
    intermediate as its expression. ``expand`` substitutes every name by its definition in
    terms of the inputs. Build local derivatives inside ``as_written()`` to keep them as the
    op table writes them (``2*(y - t)``, not ``-2*t + 2*y``).
    """

    @staticmethod
    def as_written() -> Any:
        from sympy.core.parameters import distribute

        return distribute(False)  # (toggling it clears sympy's cache: do it once, not per edge)

    def __init__(self, graph: Graph, labels: Labels | None = None) -> None:
        import sympy

        from .sym import Expansion, symbols, to_sympy

        self.graph = graph
        self.labels = labels or Labels(graph)
        syms = symbols(graph)
        self.named = {}
        live = graph.reachable_from_output()
        for node in range(graph.output + 1):
            if graph.is_input(node) or graph.is_const(node) or not live[node]:
                continue
            if self.labels.is_short_name(node):  # c, or v1: a symbol keeps formulas shallow
                self.named[node] = sympy.Symbol(self.labels(node), real=True)
        for name, node in graph.input_nodes.items():
            self.named[node] = syms[name]
        self.display = to_sympy(graph, names=self.named)
        self._expand = Expansion(graph, {node: sym for node, sym in self.named.items()
                                         if not graph.is_input(node) and node <= graph.output})
        self._edges: dict[Edge, Any] = {}

    def edge(self, edge: Edge) -> Any:
        """The local derivative on ``edge`` as a sympy expression (built once per edge)."""
        partial = self._edges.get(edge)
        if partial is not None:
            return partial
        op = self.graph.op_of(edge.node)
        assert op is not None
        args = [self.display[a] for a in self.graph.args(edge.node)]
        out = self.display[edge.node]
        partial = op.local_partials(tuple(args), out, ns="sympy")[edge.position]
        if isinstance(partial, int | float):  # constant partials ("1") come back as numbers
            import sympy

            partial = sympy.Integer(partial) if isinstance(partial, int) else sympy.Float(partial)
        self._edges[edge] = partial
        return partial

    def expand(self, expr: Any) -> Any:
        from .sym import substitute

        return substitute(expr, self._expand) if self._expand else expr

    def sweep(self, wrt: str) -> Any:
        """The reverse sweep done with symbols: the route-sum in factored form."""
        import sympy

        g = self.graph
        active = g.depends_on([g.input_nodes[wrt]])
        # contributions are gathered and added once (one Add per node: linear, where
        # adding them one by one would re-sort the growing sum each time)
        parts: dict[int, list[Any]] = {g.output: [sympy.Integer(1)]}
        for i in range(g.output, -1, -1):
            if i not in parts or g.op[i] <= _ops.CONST:
                continue
            adj_i = sympy.Add(*parts.pop(i))
            for pos, arg in enumerate(g.args(i)):
                if active[arg]:
                    parts.setdefault(arg, []).append(adj_i * self.edge(Edge(arg, i, pos)))
        found = parts.get(g.input_nodes[wrt])
        return sympy.Add(*found) if found else sympy.Integer(0)


def formula_text(expr: Any) -> str:
    """A formula as the language writes it (``^``, Euler's number as ``e``)."""
    from .notation import formula_text as spell

    return spell(expr)


def factor_text(expr: Any) -> str:
    """A factor of a route's product, in parentheses unless it is a name, a whole number
    or a function call."""
    from .notation import formula_text

    text = formula_text(expr)
    simple = expr.is_Symbol or expr.is_Function or (
        expr.is_Number and (expr.is_Integer or expr.is_Float) and not text.startswith("-"))
    return text if simple else f"({text})"


def product_text(factors: list[Any]) -> str:
    """``a·1``: a route's local derivatives, from the output down to the input."""
    if not factors:
        return "1"
    return "·".join(factor_text(f) for f in factors)
