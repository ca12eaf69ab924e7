"""Tree copies: the expression as a tree, every shared node copied once per use, with the
product of local derivatives from the output down to each copy (what ``tree=True`` draws).
"""

from __future__ import annotations

from typing import Any

from .graph import Graph
from .routes import Edge, local_value


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
