"""Routes: every chain of edges from an input to the output, listed, and the edges they use.

The derivative of the output with respect to an input is the sum, over every route between
them, of the product of the local derivatives on the route's edges. The reverse sweep is the
same sum, factored: it never lists a route. Routes are counted in one linear pass
(:func:`diffx.counts.count_routes`: exact however many there are, never enumerating them) and
listed here (explicit stack, up to a limit) so a person can see the sum. An ``Edge`` names
one argument of one node; :func:`local_value` is the local derivative it carries at a point.
Labels for the nodes are in :mod:`diffx.node_labels`, the local derivatives as sympy in
:mod:`diffx.route_formulas`.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Sequence
from typing import Any

from .graph import Graph

DEFAULT_LIMIT = 1000
MAX_LISTED_FACTORS = 2_000_000  # a listing stops before its routes' factors (edges) pass this


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
    as the indices of its edges from the output down, and whether that is all of them."""
    edges, found, complete, _ = walk_routes(graph, wrt, limit)
    return edges, found, complete


def walk_routes(graph: Graph, wrt: str, limit: int = DEFAULT_LIMIT,
                max_factors: int | None = None
                ) -> tuple[list[Edge], list[tuple[int, ...]], bool, int]:
    """:func:`route_ids`, and the number of factors of the route the listing stopped before
    because of ``max_factors`` (0: it did not stop for that).

    The path is one list, cut back to the depth of the entry being visited (never copied per
    entry), and each distinct edge is numbered once: listing costs about the total length of
    the routes listed. With ``max_factors`` the listing also stops before the routes' edges
    in all would pass it (a route of the logistic map has 2n edges: 1,000 of them at
    n = 10^5 would hold 2·10^8); the route it stopped before is never stored.
    """
    target = graph.input_nodes[wrt]
    if target == graph.output:
        return [], [()], True, 0
    budget = max_factors if max_factors is not None else -1
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
                return edges, found, False, 0
            if budget >= 0:
                if len(path) > budget:
                    return edges, found, False, len(path)
                budget -= len(path)
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
    return edges, found, True, 0


def local_value(graph: Graph, vals: Sequence[Any], edge: Edge) -> Any:
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
