"""Route-sum formulas: each edge's local derivative as a sympy expression, written with the
program's names, and the route-sum built from them (factored, as the reverse sweep does it).
"""

from __future__ import annotations

from typing import Any

from . import ops as _ops
from .graph import Graph
from .node_labels import Labels
from .routes import Edge


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


def factor_text(expr: Any) -> str:
    """A factor of a route's product, in parentheses unless it is a name, a whole number
    or a function call."""
    from .notation import formula_text

    text = formula_text(expr)
    simple = expr.is_Symbol or expr.is_Function or (
        expr.is_Number and (expr.is_Integer or expr.is_Float) and not text.startswith("-"))
    return text if simple else f"({text})"
